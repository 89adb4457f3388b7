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

  /** struct io_tlb_slot.pad_slots: slots before a mapping's first, kept for its min_align_mask offset. */
  private readonly pad: Uint8Array;
  /** The mapping device's min_align_mask, per slot (swiotlb_align_offset() reads it from the device at unmap). */
  private readonly minAlign: Int32Array;

  constructor(readonly start: bigint, readonly nslabs: number, private readonly mem: Memory, private readonly trace: Trace, readonly pageSize: number) {
    this.used = new Uint8Array(nslabs);
    this.orig = new Float64Array(nslabs).fill(-1);
    this.allocSize = new Int32Array(nslabs);
    this.pad = new Uint8Array(nslabs);
    this.minAlign = new Int32Array(nslabs);
    this.end = start + BigInt(nslabs) * BigInt(IO_TLB_SIZE);
    // The default pool comes from memblock: PG_reserved pages with refcount 1.
    mem.reserve(start, this.end - start, 'swiotlb pool');
  }

  isSwiotlbBuffer(pa: bigint): boolean { return pa >= this.start && pa < this.end; }
  slotOf(pa: bigint): number { return Number((pa - this.start) >> IO_TLB_SHIFT); }
  slotAddr(i: number): bigint { return this.start + (BigInt(i) << IO_TLB_SHIFT); }
  slot(i: number): Slot {
    return { orig: this.used[i] && this.orig[i] >= 0 ? BigInt(this.orig[i]) : INVALID_PHYS_ADDR, allocSize: this.allocSize[i], used: this.used[i] === 1 };
  }

  /**
   * The original address a bounce address stands for, as swiotlb_bounce()
   * computes it (swiotlb.c:870-892): the slot's orig_addr plus the bounce
   * address's offset in its slot less the offset min_align_mask kept. -1 if
   * the slot holds no mapping.
   */
  origOf(pa: bigint): bigint {
    const i = this.slotOf(pa);
    if (i < 0 || i >= this.nslabs || !this.used[i] || this.orig[i] < 0) return INVALID_PHYS_ADDR;
    const orig = BigInt(this.orig[i]);
    const tlbOffset = Number(pa & BigInt(IO_TLB_SIZE - 1)) - alignOffset(orig, this.minAlign[i], 0);
    return orig + BigInt(tlbOffset);
  }

  private free(i: number, n: number): boolean {
    if (i + n > this.nslabs) return false;
    for (let k = i; k < i + n; k++) if (this.used[k]) return false;
    return true;
  }

  /**
   * swiotlb_tbl_map_single() (swiotlb.c:1392): returns tlb_addr or null when
   * no slots are free. The allocation is `mapping size + offset` rounded up
   * to alloc_align_mask + 1 — dma-iommu bounces an untrusted device's buffer
   * in whole IOVA granules (32 slots for 64K), so that the granule the IOMMU
   * maps for it holds nothing of anyone else. offset (the low bits
   * min_align_mask keeps) may span whole pad slots.
   */
  mapSingle(orig: bigint, size: number, allocAlignMask: number, minAlignMask: number, dir: number, attrs: number): bigint | null {
    const offset = alignOffset(orig, minAlignMask, allocAlignMask);
    const allocSize = alignUp(size + offset, allocAlignMask + 1);
    const found = this.search(orig, allocSize, allocAlignMask, minAlignMask);
    if (found < 0) {
      this.trace.emit({ op: 'fault', who: 'kernel', addr: orig, event: 'swiotlb buffer is full', note: `swiotlb buffer is full (sz: ${allocSize} bytes)` });
      return null;
    }
    const padSlots = offset >> Number(IO_TLB_SHIFT);
    const index = found + padSlots;
    this.pad[index] = padSlots;
    const nslots = Math.ceil(allocSize / IO_TLB_SIZE);
    for (let i = 0; i < nslots - padSlots; i++) this.orig[index + i] = Number(orig) + i * IO_TLB_SIZE;
    const tlb = this.slotAddr(index) + BigInt(offset & (IO_TLB_SIZE - 1));
    // Always copy the original in at map time, even for DMA_FROM_DEVICE.
    this.mem.copy(tlb, orig, size);
    this.trace.emit({ op: 'bounce', dir: 'to-slot', slot: index, orig, tlb, size, note: `swiotlb_tbl_map_single: slot ${found}${nslots > 1 ? `..${found + nslots - 1}` : ''}, orig_addr ${'0x' + orig.toString(16)} copied in` });
    void dir; void attrs;
    return tlb;
  }

  /** swiotlb_search_pool_area() (swiotlb.c:1039): next fit from the area index; the first slot of the run, or -1. */
  private search(orig: bigint, allocSize: number, allocAlignMask: number, minAlignMask: number): number {
    let aam = allocAlignMask;
    let iam = minAlignMask;
    // Streaming maps of a page or more stay page aligned when nothing else is asked for.
    if (!aam && !iam && allocSize >= this.pageSize) aam = this.pageSize - 1;
    aam |= IO_TLB_SIZE - 1;
    iam &= ~aam;
    const stride = (Math.max(aam, iam) >> Number(IO_TLB_SHIFT)) + 1;
    const searchOffset = alignOffset(orig, minAlignMask, 0);
    const nslots = Math.ceil(allocSize / IO_TLB_SIZE);
    let index = this.index;
    for (let checked = 0; checked < this.nslabs; ) {
      const tlb = Number(this.slotAddr(index));
      if ((tlb & aam) !== 0 || (orig !== 0n && (tlb & iam) !== (Number(orig) & iam))) {
        index = (index + 1) % this.nslabs;
        checked++;
        continue;
      }
      // (The free-list count of a slot never runs past its segment of 128.)
      if (Math.floor(index / IO_TLB_SEGSIZE) === Math.floor((index + nslots - 1) / IO_TLB_SEGSIZE) && this.free(index, nslots)) {
        for (let i = 0; i < nslots; i++) {
          this.used[index + i] = 1;
          this.allocSize[index + i] = allocSize - (searchOffset + i * IO_TLB_SIZE);
          this.minAlign[index + i] = minAlignMask;
          this.pad[index + i] = 0;
        }
        this.index = (index + nslots) % this.nslabs;
        return index;
      }
      index = (index + stride) % this.nslabs;
      checked += stride;
    }
    return -1;
  }

  /** __swiotlb_tbl_unmap_single(): copy back only without SKIP_CPU_SYNC and for FROM_DEVICE/BIDIRECTIONAL; release (swiotlb_release_slots). */
  unmapSingle(tlb: bigint, size: number, dir: number, attrs: number): void {
    const i = this.slotOf(tlb);
    if (i < 0 || i >= this.nslabs || !this.used[i] || this.orig[i] < 0) {
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
    const offset = alignOffset(tlb, this.minAlign[i], 0);
    const first = i - this.pad[i];
    const n = Math.ceil((this.allocSize[first] + offset) / IO_TLB_SIZE);
    for (let k = first; k < Math.min(this.nslabs, first + Math.max(1, n)); k++) {
      this.used[k] = 0;
      this.orig[k] = -1;
      this.allocSize[k] = 0;
      this.pad[k] = 0;
      this.minAlign[k] = 0;
    }
  }

  usedSlots(): number { return this.used.reduce((n, u) => n + u, 0); }
}

/** swiotlb_align_offset(dev, align_mask, addr): the low bits of addr that min_align_mask keeps, below alloc_align_mask | 0x7ff. */
function alignOffset(addr: bigint, minAlignMask: number, allocAlignMask: number): number {
  return Number(addr & BigInt(minAlignMask) & BigInt(allocAlignMask | (IO_TLB_SIZE - 1)));
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
