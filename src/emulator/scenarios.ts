// Scenarios S1–S12 of emulator-facts.md §8. Each builds its platform from a
// preset, runs a driver program, and returns a RunResult whose truth is the
// buffer the facts follow. Where the facts are unsure, the doc says what the
// emulator chose.

import { Machine } from './machine';
import { Nicvf, RCV_FRAG_LEN } from './nicvf';
import { parsePlatform } from './platform';
import { DMA_ATTR_SKIP_CPU_SYNC, DMA_FROM_DEVICE } from './swiotlb';
import { classifyPa } from './judge';
import { runChainProgram } from './chain';
import { Trace } from './trace';
import type { Outcome, Platform, RunResult, Truth } from './types';
import { hex } from './hex';
import { IOMMU_READ, IOMMU_WRITE, IOMMU_CACHE } from './io-pgtable-arm';

export const NICVF_CHAIN = ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'];

interface ScenarioInfo {
  id: string;
  title: string;
  platform: string;
  /** What the scenario shows and what was chosen where the facts are unsure. */
  doc: string;
  chain: string[];
}

/**
 * `play` runs the driver program on the scenario's platform, recording into
 * `t`, and returns the truth (the buffer the facts follow); the outcome is
 * what the trace flagged. A scenario that is a chain program (S7) gives its
 * RunResult itself (`run`).
 */
export type ScenarioDef = ScenarioInfo & ({ play(pl: Platform, t: Trace): Truth } | { run(record: boolean): RunResult });

/** A scenario's RunResult, with its events when `record`. */
export function runScenarioDef(s: ScenarioDef, record: boolean): RunResult {
  if ('run' in s) return s.run(record);
  const pl = parsePlatform(s.platform);
  const t = new Trace(record);
  const truth = s.play(pl, t);
  return { scenario: s.id, chain: s.chain, platform: pl, outcome: t.outcome(), truth, events: t.events };
}

function truthOf(m: Machine, pa: bigint): Truth {
  const cpu = m.cpu;
  const pfn = pa >> cpu.pageShift;
  return { pa, va: cpu.isLowmemPfn(pfn) ? cpu.physToVirt(pa) : null, page: cpu.pfnToPage(pfn) };
}

/** The nicvf program on a platform: refill, receive `packets`, refill again, teardown. */
function nicvfRun(pl: Platform, trace: Trace, variant: 'check' | 'nocheck' | 'fixed', ring: number, packets: number): { m: Machine; nic: Nicvf } {
  const m = new Machine(pl, trace);
  const nic = new Nicvf(m, variant, ring);
  nic.refill(ring);
  for (let i = 0; i < packets; i++) nic.receive();
  if (!nic.oops) nic.refill(packets);
  nic.teardown();
  nic.finish();
  return { m, nic };
}

/** S1, S3: the 6.12 driver fills its ring of 68, receives 68 packets, refills, tears down; the truth is buffer 1. */
function wholeRing(pl: Platform, t: Trace): Truth {
  const { m, nic } = nicvfRun(pl, t, 'check', 68, 68);
  return truthOf(m, nic.packets[1].pa);
}

/** S9, S10: buffer A is mapped, written by the device and unmapped; the lookup of its handle right after gives 0 ("null"). */
function mapWriteUnmap(pl: Platform, t: Trace) {
  const m = new Machine(pl, t);
  const d = m.domainForDev()!;
  const a = m.mem.allocPage('buffer A page');
  const hA = m.dmaMapPage(a, 0x780, RCV_FRAG_LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
  m.deviceWrite(hA, RCV_FRAG_LEN, 'packet-A');
  m.dmaUnmapPage(hA, RCV_FRAG_LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
  if (d.iovaToPhys(hA) === 0n) t.flag('null');
  return { m, d, a, hA };
}

function note(t: Trace, text: string): void { t.emit({ op: 'translate', fn: 'note', in: 0n, out: 0n, note: text }); }

const S: ScenarioDef[] = [
  {
    id: 'S1', title: 'IOMMU DMA domain (arm-smmu-v3, strict), Linux 6.12', platform: 'arm64-64k-smmuv3', chain: NICVF_CHAIN,
    doc: 'nicvf refills 68 buffers (two 64K pages, 34 buffers each), receives all 68, refills, tears down. Buffer 1 gets IOVA 0xFFFE_0780; iommu_iova_to_phys(0xFFFE_0782) = 0x9_1230_0782. References balance: 35 after refill, back to 1 (recycle reference) after the packets, 0 after teardown.',
    play: wholeRing,
  },
  {
    id: 'S2', title: 'IDENTITY domain on arm-smmu before bdf95923086f (2017)', platform: 'thunderx-2017-identity', chain: NICVF_CHAIN,
    doc: 'dma-direct gives DMA = PA 0x9_1230_0780; nicvf sees a non-NULL identity domain, iommu_iova_to_phys returns 0. The 6.12-style driver (with `if (!phys_addr)`) drops every packet and leaks one page reference per packet; the variant without the check (whether March 2017 had it is not verified) computes phys_to_virt(0 - align_pad), outside the linear map, and faults in build_skb. Both run here, one after the other, on the same platform.',
    play(pl, t) {
      note(t, 'driver variant 1: 6.12 code with the `if (!phys_addr)` drop');
      const a = nicvfRun(pl, t, 'check', 68, 34);
      note(t, 'driver variant 2: no check of the iommu_iova_to_phys() result');
      nicvfRun(pl, t, 'nocheck', 4, 2);
      return truthOf(a.m, a.nic.packets[1].pa);
    },
  },
  {
    id: 'S3', title: 'IDENTITY domain after bdf95923086f / 6.12 core', platform: 'arm64-64k-smmuv3-identity', chain: NICVF_CHAIN,
    doc: 'iommu_iova_to_phys returns the IOVA = DMA address = PA 0x9_1230_0782: correct only because dma-direct adds no offset and does not bounce (combine with S4/S5 to see it break). The thunderx-patched-identity preset shows the same with the 2017 driver after the patch.',
    play: wholeRing,
  },
  {
    id: 'S4', title: 'No IOMMU, dma-ranges offset', platform: 'arm64-64k-dma-ranges', chain: NICVF_CHAIN,
    doc: 'Region {cpu 0x8000_0000, bus 0x0, 2 GiB}. Buffer 1 at PA 0x8123_0780 → DMA 0x0123_0780; CQE pointer 0x0123_0782 taken as a PA; phys_to_virt wraps below PHYS_OFFSET to 0xffffffff_81230780, outside the linear map → build_skb faults. The right answer, dma_to_phys(0x0123_0782) = 0x8123_0782, is in the trace.',
    play(pl, t) {
      const m = new Machine(pl, t);
      const nic = new Nicvf(m, 'check', 4);
      nic.refill(4);
      // Buffer 0 is consumed by an earlier packet in a real run; here the CQE for buffer 1 comes first.
      const b0 = nic.rbdr.shift()!;
      nic.rbdr.push(b0);
      const ptr = nic.rbdr[0].bufAddr + 2n;
      t.emit({ op: 'translate', fn: 'dma_to_phys', in: ptr, out: m.dmaToPhys(ptr), note: 'what the driver should have used (translate_dma_to_phys)' });
      nic.receive();
      nic.finish();
      return truthOf(m, nic.packets[0].pa);
    },
  },
  {
    id: 'S5', title: 'swiotlb=force (dma-direct)', platform: 'arm64-64k-swiotlb-force', chain: NICVF_CHAIN,
    doc: 'Pool at 0xFBC0_0000. Another device holds slots 0-3 (an 8 KiB mapping), so buffer 0 bounces through slot 4 and buffer 1 through slot 5: DMA 0xFBC0_2800, orig_addr 0x9_1230_0780. nicvf turns 0xFBC0_2802 into the pool page (PFN 0xFBC0); unmap with SKIP_CPU_SYNC copies nothing back; the skb is built on the pool page, whose PG_reserved count goes 1 → 0 ("Bad page state"); the packet page keeps the reference (leak). SWIOTLB searches next-fit, so the released slot comes back only when the area index wraps: after 32762 further single-slot mappings (run unrecorded) the next mapping lands in slot 5 again and its map-time copy overwrites the live skb data.',
    play(pl, t) {
      const m = new Machine(pl, t);
      const sw = m.swiotlb!;
      const other = m.mem.allocPage('another device\'s buffer', 'kernel');
      sw.mapSingle(other << m.cpu.pageShift, 8192, 0, 0, DMA_FROM_DEVICE, 0);
      const nic = new Nicvf(m, 'check', 4);
      nic.refill(4);
      nic.receive();
      const p1 = nic.receive()!;
      const skbPa = m.mem.cpuResolve(p1.data!)!;
      // Unrecorded traffic until the next-fit index comes round to slot 5.
      const on = t.on;
      t.on = false;
      const src = m.mem.allocPage('traffic', 'kernel') << m.cpu.pageShift;
      let guard = 0;
      while (sw.index !== 5 && guard++ < 40000) {
        const tlb = sw.mapSingle(src, RCV_FRAG_LEN, 0, 0, DMA_FROM_DEVICE, 0)!;
        sw.unmapSingle(tlb, RCV_FRAG_LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
      }
      t.on = on;
      m.mem.write(src, RCV_FRAG_LEN, 'next-mapping-data');
      const tlb = sw.mapSingle(src, RCV_FRAG_LEN, 0, 0, DMA_FROM_DEVICE, 0)!;
      const now = m.mem.read(skbPa);
      t.emit({ op: 'translate', fn: 'note', in: tlb, out: skbPa, note: `slot ${sw.slotOf(tlb)} reused: the live skb at ${hex(p1.data!)} now reads ${now}` });
      nic.finish();
      return truthOf(m, p1.pa);
    },
  },
  {
    id: 'S6', title: 'Untrusted PCI device behind the IOMMU (DMA domain)', platform: 'arm64-64k-smmuv3-untrusted', chain: NICVF_CHAIN,
    doc: '1920-byte buffers are not 64K-granule aligned, so dma-iommu bounces them through SWIOTLB (alloc_align_mask 0xFFFF: slots 0, 32, ...; padding zeroed) and maps the slot into the IOVA space. iommu_iova_to_phys answers "what does the IOMMU map": the bounce slot 0xFBC1_0002, not the packet page; consequences as in S5.',
    play(pl, t) {
      const m = new Machine(pl, t);
      const nic = new Nicvf(m, 'check', 4);
      nic.refill(4);
      nic.receive();
      const p1 = nic.receive()!;
      nic.finish();
      return truthOf(m, p1.pa);
    },
  },
  {
    id: 'S7', title: 'Buffer from vmalloc', platform: 'arm64-4k', chain: ['vmalloc-va', 'virt-to-phys', 'to-device'],
    doc: 'dma_map_single(0xffff8000_92345000) is rejected ("rejecting DMA map of vmalloc memory", DMA_MAPPING_ERROR). A driver that falls back to virt_to_phys() gets 0x9254_5000 (kernel-image formula): an unrelated RAM page, which the device then writes (silent corruption); virt_to_page() gives 0xffffffff_c248d140, past VMEMMAP_END. Correct: vmalloc_to_page() + dma_map_page(); the reverse lookup of that mapping gives the PA, whose phys_to_virt is the linear alias, not the vmalloc VA.',
    run(record) {
      const pl = parsePlatform(this.platform);
      const r = runChainProgram(this.chain, pl, record, this.id);
      return r;
    },
  },
  {
    id: 'S8', title: 'Highmem on 32-bit ARM', platform: 'arm32-highmem', chain: ['dma-handle', 'iova-to-phys', 'phys-to-virt', 'cpu-access'],
    doc: 'A generic driver runs phys_to_virt(iommu_iova_to_phys()) on two highmem packet pages. PA 0xB001_0000 → 0xF001_0000, in the 8 MiB guard gap → fault. PA 0xB234_5000 → 0xF234_5000, inside a vmalloc area (a 28 MiB area from 0xF080_0000) → reads an unrelated page. virt_to_page() of either VA still gives the right struct page by arithmetic. The LPAE case (PA 0x8_8000_1000 → 0xC000_1000, lowmem PA 0x8000_1000) runs on the arm32-lpae preset.',
    play(pl, t) {
      const m = new Machine(pl, t);
      const cpu = m.cpu;
      m.mem.vmalloc(28n << 20n, 'a 28 MiB vmalloc area');
      const bad = new Set<Outcome>();
      let truth: Truth | null = null;
      for (const pa of [0xb001_0000n, 0xb234_5000n]) {
        m.mem.setCursor('driver', pa);
        const pfn = m.mem.allocPage('highmem packet page');
        const buf = { pfn, offset: 0, size: RCV_FRAG_LEN, label: `packet@${hex(pa)}` };
        truth ??= truthOf(m, pa);
        const dma = m.dmaMapPage(pfn, 0, RCV_FRAG_LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
        m.deviceWrite(dma, RCV_FRAG_LEN, buf.label);
        const phys = m.domainForDev()!.iovaToPhys(dma);
        const va = cpu.physToVirt(phys);
        t.emit({ op: 'translate', fn: 'phys_to_virt', in: phys, out: va, note: cpu.isLinear(va) ? undefined : 'beyond high_memory: not a lowmem address' });
        const page = cpu.virtToPage(va);
        t.emit({ op: 'translate', fn: 'virt_to_page', in: va, out: page, note: page === cpu.pfnToPage(pfn) ? 'the right struct page (arithmetic)' : 'another struct page' });
        const hit = m.mem.cpuResolve(va);
        if (hit === null) {
          t.emit({ op: 'fault', who: 'cpu', addr: va, event: 'Unable to handle kernel paging request', note: `at virtual address ${hex(va)}` });
          bad.add('fault');
        } else {
          t.emit({ op: 'translate', fn: 'cpu access', in: va, out: hit, note: `reads ${m.mem.read(hit) ?? 'unrelated data'}` });
          const c = classifyPa(m, hit, buf);
          if (c) bad.add(c);
        }
      }
      for (const o of bad) t.flag(o);
      return truth!;
    },
  },
  {
    id: 'S9', title: 'iova_to_phys after dma_unmap', platform: 'arm64-64k-smmuv3', chain: ['dma-handle', 'dma-unmap', 'iova-to-phys', 'phys-to-virt', 'virt-to-page', 'put-page'],
    doc: 'Strict DMA domain: unmap clears the PTE and invalidates the TLB, so iommu_iova_to_phys(handle) = 0. After another same-size map on the same CPU, the rcache hands back the same IOVA (LIFO) and the stale handle translates to the new buffer: a silently wrong page. A second unmap of the handle hits WARN_ON(!phys) in iommu_dma_unmap_page.',
    play(pl, t) {
      const { m, d, a, hA } = mapWriteUnmap(pl, t);
      const b = m.mem.allocPage('buffer B page');
      const hB = m.dmaMapPage(b, 0x780, RCV_FRAG_LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
      note(t, hB === hA ? `rcache LIFO: the next map got the same IOVA ${hex(hA)}` : `next map got ${hex(hB)}`);
      const late = d.iovaToPhys(hA);
      const c = classifyPa(m, late, { pfn: a, offset: 0x780, size: RCV_FRAG_LEN, label: 'packet-A' });
      if (c) t.flag(c);
      m.dmaUnmapPage(hB, RCV_FRAG_LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
      m.dmaUnmapPage(hB, RCV_FRAG_LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
      return truthOf(m, (a << m.cpu.pageShift) + 0x780n);
    },
  },
  {
    id: 'S10', title: 'DMA_FQ (lazy) delayed unmap', platform: 'arm64-64k-smmuv3-fq', chain: ['dma-handle', 'dma-unmap', 'iova-to-phys', 'phys-to-virt', 'virt-to-page', 'put-page'],
    doc: 'At unmap the PTE is cleared at once (iommu_iova_to_phys → 0) but the TLB is not invalidated and the IOVA waits in the flush queue (10 ms timer or a full 256-entry ring). The driver frees the page and the allocator hands it to someone else; a late device write still goes through the stale IOTLB entry into that page. The IOVA is not reused inside the window; after the timer the same write faults (F_TRANSLATION).',
    play(pl, t) {
      const { m, d, a, hA } = mapWriteUnmap(pl, t);
      m.mem.putPage(a, 'driver frees the buffer page');
      const reuse = m.mem.allocPage('another user of the freed page');
      m.mem.write(reuse << m.cpu.pageShift, 4096, 'other-user-data');
      const b = m.mem.allocPage('buffer B page');
      const hB = m.dmaMapPage(b, 0x780, RCV_FRAG_LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
      note(t, hB === hA ? 'IOVA reused' : `IOVA ${hex(hA)} still queued: next map got ${hex(hB)}`);
      m.advance(2000);
      const pa = m.deviceWrite(hA, 64, 'late-dma');
      if (pa !== null) {
        t.emit({ op: 'fault', who: 'device', addr: hA, event: 'stale IOTLB', note: `2 ms after unmap: device write reached ${hex(pa)} (${pa >> m.cpu.pageShift === reuse ? 'the page now owned by someone else' : 'old page'})` });
        t.flag('stale-iotlb');
      }
      m.advance(10_000);
      m.deviceWrite(hA, 64, 'late-dma-2');
      return truthOf(m, (a << m.cpu.pageShift) + 0x780n);
    },
  },
  {
    id: 'S11', title: 'IOVA above the input size (ias 48)', platform: 'arm64-64k-smmuv3', chain: ['dma-handle', 'iova-to-phys'],
    doc: 'arm_lpae_iova_to_phys masks the start-level index to pgd_bits, so iova_to_phys(0x1_0000_FFFE_0782) equals the answer for 0xFFFE_0782 (0x9_1230_0782); the device\'s access to that IOVA faults (F_TRANSLATION), and iommu_map() of it fails with -ERANGE.',
    play(pl, t) {
      const m = new Machine(pl, t);
      const nic = new Nicvf(m, 'check', 2);
      nic.refill(2);
      const d = m.domainForDev()!;
      const high = 0x1_0000_fffe_0782n;
      const out = d.iovaToPhys(high);
      note(t, `software walk: ${hex(high)} → ${hex(out)} (bits above ias ignored)`);
      if (m.deviceWrite(high, 64, 'oops') === null) t.flag('fault');
      d.map(0x1_0000_0000_0000n, 0x9_1230_0000n, 0x10000n, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE);
      return truthOf(m, (nic.rbdr[1].pfn << m.cpu.pageShift) + BigInt(nic.rbdr[1].offset) + 2n);
    },
  },
  {
    id: 'S12', title: 'SMMUv2 hardware ATOS lookup, PA ≥ 1 TiB', platform: 'thunderx-numa-smmuv2', chain: NICVF_CHAIN,
    doc: 'Stage-1 domain on an SMMU with TRANS_OPS; the packet page is at PA 0x100_1230_0000 (node 1). arm_smmu_iova_to_phys_hard keeps PAR bits 39:12 only: 0x1230_0782, a page on node 0 → build_skb on the wrong page and put_page on a page the driver does not own. The software walk (also in the trace) returns the full PA. Whether a given SMMU sets TRANS_OPS depends on ID0: a "what if".',
    play(pl, t) {
      const m = new Machine(pl, t);
      const nic = new Nicvf(m, 'check', 4);
      nic.refill(4);
      const d = m.domainForDev()!;
      const ptr = nic.rbdr[1].bufAddr + 2n;
      const sw = d.swWalk(d.pgtable as never, ptr, 'arm_lpae_iova_to_phys (software walk, for comparison)');
      note(t, `software walk gives ${hex(sw)}`);
      nic.receive();
      const p1 = nic.receive()!;
      nic.finish();
      return truthOf(m, p1.pa);
    },
  },
];

export function scenarioDefs(): ScenarioDef[] { return S; }

export function findScenario(id: string): ScenarioDef | undefined {
  return S.find((s) => s.id.toLowerCase() === id.toLowerCase());
}
