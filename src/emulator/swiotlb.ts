// SWIOTLB (kernel/dma/swiotlb.c, 6.12): 2 KiB slots (IO_TLB_SHIFT 11) in
// segments of 128, next-fit search from the area index, per-slot orig_addr,
// copy in at map time, copy back at unmap unless DMA_ATTR_SKIP_CPU_SYNC.

import type { Memory } from './memory';
import type { Trace } from './trace';

export const IO_TLB_SHIFT = 11n;
export const IO_TLB_SIZE = 2048;
export const IO_TLB_SEGSIZE = 128;
export const INVALID_PHYS_ADDR = -1n;

export const DMA_TO_DEVICE = 1;
export const DMA_FROM_DEVICE = 2;
export const DMA_BIDIRECTIONAL = 0;
export const DMA_ATTR_SKIP_CPU_SYNC = 1 << 5;

/** One slot's bookkeeping (struct io_tlb_slot) as seen from outside. */
export interface Slot { orig: bigint; allocSize: number; used: boolean }

export class Swiotlb {
  // struct io_tlb_slot fields as typed arrays (orig_addr fits an exact number: PA < 2^53)
  private readonly used: Uint8Array;
  private readonly orig: Float64Array;
  private readonly allocSize: Int32Array;
  /** Next-fit start (one area). */
  index = 0;
  readonly end: bigint;

  constructor(readonly start: bigint, readonly nslabs: number, private readonly mem: Memory, private readonly trace: Trace, readonly pageSize: number) {
    this.used = new Uint8Array(nslabs);
    this.orig = new Float64Array(nslabs).fill(-1);
    this.allocSize = new Int32Array(nslabs);
    this.end = start + BigInt(nslabs) * BigInt(IO_TLB_SIZE);
    // The default pool comes from memblock: PG_reserved pages with refcount 1.
    mem.reserve(start, this.end - start, 'swiotlb pool');
  }

  isSwiotlbBuffer(pa: bigint): boolean { return pa >= this.start && pa < this.end; }
  slotOf(pa: bigint): number { return Number((pa - this.start) >> IO_TLB_SHIFT); }
  slotAddr(i: number): bigint { return this.start + (BigInt(i) << IO_TLB_SHIFT); }
  slot(i: number): Slot {
    return { orig: this.used[i] ? BigInt(this.orig[i]) : INVALID_PHYS_ADDR, allocSize: this.allocSize[i], used: this.used[i] === 1 };
  }

  /** The original buffer a bounce address stands for (slots[i].orig_addr + offset), or -1. */
  origOf(pa: bigint): bigint {
    const i = this.slotOf(pa);
    return i >= 0 && i < this.nslabs && this.used[i] ? BigInt(this.orig[i]) + (pa - this.slotAddr(i)) : INVALID_PHYS_ADDR;
  }

  private free(i: number, n: number): boolean {
    if (i + n > this.nslabs) return false;
    for (let k = i; k < i + n; k++) if (this.used[k]) return false;
    return true;
  }

  /**
   * swiotlb_tbl_map_single(): returns tlb_addr or null when no slots are free.
   * offset = orig & min_align_mask & (alloc_align_mask | 0x7ff): 0 for a NIC without min_align_mask.
   */
  mapSingle(orig: bigint, size: number, allocAlignMask: number, minAlignMask: number, dir: number, attrs: number): bigint | null {
    const offset = Number(orig & BigInt(minAlignMask) & BigInt(allocAlignMask | (IO_TLB_SIZE - 1)));
    let alignMask = allocAlignMask | (IO_TLB_SIZE - 1);
    if (size >= this.pageSize) alignMask |= this.pageSize - 1; // page-sized streaming maps are page aligned
    const nslots = Math.ceil((size + offset) / IO_TLB_SIZE);
    const stride = Math.max(1, (alignMask + 1) / IO_TLB_SIZE);
    const startAddrAlign = (i: number) => (Number(this.slotAddr(i) & BigInt(alignMask)) === 0);
    let index = this.index;
    for (let checked = 0; checked < this.nslabs; ) {
      const ok = startAddrAlign(index)
        && Math.floor(index / IO_TLB_SEGSIZE) === Math.floor((index + nslots - 1) / IO_TLB_SEGSIZE)
        && index + nslots <= this.nslabs
        && this.free(index, nslots);
      if (ok) {
        for (let i = 0; i < nslots; i++) {
          this.used[index + i] = 1;
          this.orig[index + i] = Number(orig) + i * IO_TLB_SIZE;
          this.allocSize[index + i] = size + offset - i * IO_TLB_SIZE;
        }
        this.index = (index + nslots) % this.nslabs;
        const tlb = this.slotAddr(index) + BigInt(offset & (IO_TLB_SIZE - 1));
        // Always copy the original in at map time, even for DMA_FROM_DEVICE.
        this.mem.copy(tlb, orig, size);
        this.trace.emit({ op: 'bounce', dir: 'to-slot', slot: index, orig, tlb, size, note: `swiotlb_tbl_map_single: slot ${index}${nslots > 1 ? `..${index + nslots - 1}` : ''}, orig_addr ${'0x' + orig.toString(16)} copied in` });
        void dir; void attrs;
        return tlb;
      }
      const step = startAddrAlign(index) ? stride : 1;
      index = (index + step) % this.nslabs;
      checked += step;
    }
    this.trace.emit({ op: 'fault', who: 'kernel', addr: orig, event: 'swiotlb buffer is full', note: `swiotlb buffer is full (sz: ${size} bytes)` });
    return null;
  }

  /** __swiotlb_tbl_unmap_single(): copy back only without SKIP_CPU_SYNC and for FROM_DEVICE/BIDIRECTIONAL; release. */
  unmapSingle(tlb: bigint, size: number, dir: number, attrs: number): void {
    const i = this.slotOf(tlb);
    if (i < 0 || i >= this.nslabs || !this.used[i]) {
      this.trace.emit({ op: 'fault', who: 'kernel', addr: tlb, event: 'swiotlb: unmap of a free slot' });
      return;
    }
    const orig = this.origOf(tlb);
    if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC) && (dir === DMA_FROM_DEVICE || dir === DMA_BIDIRECTIONAL)) {
      this.mem.copy(orig, tlb, size);
      this.trace.emit({ op: 'bounce', dir: 'from-slot', slot: i, orig, tlb, size, note: 'copy back to the original buffer' });
    } else {
      this.trace.emit({ op: 'bounce', dir: 'from-slot', slot: i, orig, tlb, size: 0, note: 'DMA_ATTR_SKIP_CPU_SYNC: no copy back; slot released' });
    }
    const n = Math.ceil(this.allocSize[i] / IO_TLB_SIZE);
    for (let k = i; k < Math.min(this.nslabs, i + Math.max(1, n)); k++) {
      this.used[k] = 0;
      this.orig[k] = -1;
      this.allocSize[k] = 0;
    }
  }

  usedSlots(): number { return this.used.reduce((n, u) => n + u, 0); }
}
