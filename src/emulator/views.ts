// "Type any address and see it in every space": what the kernel's helpers
// return for a value taken as a PA, as a kernel VA and as a DMA address, on
// a platform (for the webview's address box and the memory-map picture).

import type { Platform } from './types';
import { Machine } from './machine';

export interface AddressView {
  /** How the address is taken. */
  as: 'pa' | 'va' | 'dma';
  rows: { fn: string; value: bigint | null; note?: string }[];
}

export function addressViews(addr: bigint, pl: Platform): { regions: { name: string; start: bigint; end: bigint }[]; views: AddressView[] } {
  const m = new Machine(pl, false);
  const cpu = m.cpu;
  const pfn = addr >> cpu.pageShift;
  const asPa: AddressView = {
    as: 'pa',
    rows: [
      { fn: 'RAM', value: null, note: m.mem.isRam(addr) ? 'in a RAM bank' : 'not RAM' },
      { fn: 'phys_to_virt', value: cpu.physToVirt(addr), note: cpu.isLowmemPfn(pfn) && m.mem.isRam(addr) ? 'linear map' : 'not a valid linear-map address' },
      { fn: 'PHYS_PFN', value: pfn },
      { fn: 'pfn_to_page', value: cpu.pfnToPage(pfn) },
      { fn: 'phys_to_dma', value: m.physToDma(addr) },
      { fn: 'swiotlb slot', value: m.swiotlb && m.swiotlb.isSwiotlbBuffer(addr) ? BigInt(m.swiotlb.slotOf(addr)) : null },
    ],
  };
  const region = cpu.regions().find((r) => addr >= r.start && addr < r.end);
  const asVa: AddressView = {
    as: 'va',
    rows: [
      { fn: 'region', value: null, note: region ? region.name : 'outside the kernel map' },
      { fn: 'virt_to_phys', value: cpu.virtToPhys(addr), note: cpu.isLinear(addr) ? undefined : 'non-linear: kernel-image formula / garbage' },
      { fn: 'virt_to_page', value: cpu.virtToPage(addr), note: m.mem.validPagePtr(cpu.virtToPage(addr)) ? undefined : 'not a valid struct page' },
      { fn: 'virt_addr_valid', value: cpu.isLinear(addr) && m.mem.isRam(cpu.virtToPhys(addr)) ? 1n : 0n },
      { fn: 'is_vmalloc_addr', value: cpu.isVmalloc(addr) ? 1n : 0n },
    ],
  };
  const asDma: AddressView = {
    as: 'dma',
    rows: [
      { fn: 'dma_to_phys', value: m.dmaToPhys(addr) },
      { fn: 'identity (nicvf without a domain)', value: addr, note: m.mem.isRam(addr) ? 'a RAM address' : 'not RAM' },
    ],
  };
  return { regions: cpu.regions(), views: [asPa, asVa, asDma] };
}
