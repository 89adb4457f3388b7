// The IOVA allocator (drivers/iommu/iova.c, 6.12): top-down, size-aligned
// ranges, and the per-CPU LIFO range cache ("rcache") of magazines holding
// 127 PFNs each, per size class up to 32 pages.

const MAG_SIZE = 127; // IOVA_MAG_SIZE
const RANGE_CACHE_MAX_SIZE = 6; // IOVA_RANGE_CACHE_MAX_SIZE: orders 0..5 are cached

interface Range { lo: number; hi: number }

interface CpuRcache { loaded: number[]; prev: number[] }

export function roundupPow2(n: number): number { let p = 1; while (p < n) p *= 2; return p; }
export function orderBase2(n: number): number { return Math.ceil(Math.log2(n)); }

export class IovaDomain {
  /** Allocated ranges (pfn units), sorted by lo. Cached PFNs stay allocated here. */
  private readonly ranges: Range[] = [];
  private readonly rcaches: CpuRcache[][] = [];
  private readonly depot: number[][][] = [];
  readonly dma32Pfn: number;

  /** init_iova_domain(granule, start_pfn): start_pfn = max(1, aperture_start >> shift) so IOVA 0 is never used. */
  constructor(readonly granule: number, readonly startPfn = 1, readonly ncpus = 4) {
    this.dma32Pfn = 2 ** (32 - Math.log2(granule));
    for (let o = 0; o < RANGE_CACHE_MAX_SIZE; o++) {
      this.rcaches.push(Array.from({ length: ncpus }, () => ({ loaded: [], prev: [] })));
      this.depot.push([]);
    }
  }

  /** reserve_iova(): e.g. the software MSI window 0x0800_0000 + 1 MiB, PCI windows. */
  reserve(loPfn: number, hiPfn: number): void { this.insert({ lo: loPfn, hi: hiPfn }); }

  private insert(r: Range): void {
    let i = this.ranges.length;
    while (i > 0 && this.ranges[i - 1].lo > r.lo) i--;
    this.ranges.splice(i, 0, r);
  }

  /**
   * alloc_iova(size_aligned=true) via __alloc_and_insert_iova_range: candidate
   * new_pfn = (high_pfn - size) & ~(roundup_pow_of_two(size) - 1), walking down past allocated ranges.
   * `limitPfn` is inclusive (as passed to alloc_iova). The kernel starts from a cached rbtree node;
   * this model always takes the highest fitting hole, which is the same while nothing below was freed
   * out of order [simplification].
   */
  allocIova(size: number, limitPfn: number, sizeAligned = true): number {
    const align = sizeAligned ? roundupPow2(size) : 1;
    let high = limitPfn + 1; // exclusive, as __alloc_and_insert_iova_range gets it
    for (let i = this.ranges.length - 1; i >= -1; i--) {
      const r = i >= 0 ? this.ranges[i] : null;
      if (r && r.lo >= high) continue;
      const floor = r ? r.hi + 1 : this.startPfn;
      if (floor < high && high - size >= 0) {
        const cand = Math.floor((high - size) / align) * align;
        if (cand >= floor) { this.insert({ lo: cand, hi: cand + size - 1 }); return cand; }
      }
      if (!r) break;
      high = Math.min(high, r.lo);
    }
    return 0;
  }

  /** free_iova(): remove the range starting at pfn. */
  freeIova(pfn: number): boolean {
    const i = this.ranges.findIndex((r) => r.lo === pfn);
    if (i < 0) return false;
    this.ranges.splice(i, 1);
    return true;
  }

  /** alloc_iova_fast(): sizes below 32 pages rounded up to a power of two; rcache first (LIFO). */
  allocFast(size: number, limitPfn: number, cpu = 0, flushRcache = true): number {
    if (size < 2 ** (RANGE_CACHE_MAX_SIZE - 1)) size = roundupPow2(size);
    const got = this.rcacheGet(size, limitPfn, cpu);
    if (got) return got;
    let pfn = this.allocIova(size, limitPfn, true);
    if (!pfn && flushRcache) {
      this.flushRcaches();
      pfn = this.allocIova(size, limitPfn, true);
    }
    return pfn;
  }

  /** free_iova_fast(): into the CPU's loaded magazine, else the tree. */
  freeFast(pfn: number, size: number, cpu = 0): void {
    if (size < 2 ** (RANGE_CACHE_MAX_SIZE - 1)) size = roundupPow2(size);
    if (this.rcacheInsert(pfn, size, cpu)) return;
    this.freeIova(pfn);
  }

  private rcacheGet(size: number, limitPfn: number, cpu: number): number {
    const order = orderBase2(size);
    if (order >= RANGE_CACHE_MAX_SIZE) return 0;
    const c = this.rcaches[order][cpu % this.ncpus];
    if (c.loaded.length === 0) {
      if (c.prev.length > 0) { const t = c.loaded; c.loaded = c.prev; c.prev = t; }
      else if (this.depot[order].length > 0) c.loaded = this.depot[order].pop()!;
      else return 0;
    }
    // iova_magazine_pop: the most recent PFN ≤ limit, the hole filled with the top entry.
    const m = c.loaded;
    let i = m.length - 1;
    while (m[i] > limitPfn) { if (i === 0) return 0; i--; }
    const pfn = m[i];
    m[i] = m[m.length - 1];
    m.pop();
    return pfn;
  }

  private rcacheInsert(pfn: number, size: number, cpu: number): boolean {
    const order = orderBase2(size);
    if (order >= RANGE_CACHE_MAX_SIZE) return false;
    const c = this.rcaches[order][cpu % this.ncpus];
    if (c.loaded.length < MAG_SIZE) { c.loaded.push(pfn); return true; }
    if (c.prev.length < MAG_SIZE) { const t = c.loaded; c.loaded = c.prev; c.prev = t; c.loaded.push(pfn); return true; }
    this.depot[order].push(c.loaded);
    c.loaded = [pfn];
    return true;
  }

  /** free_cpu_cached_iovas + depot: everything cached goes back to the tree. */
  flushRcaches(): void {
    for (let o = 0; o < RANGE_CACHE_MAX_SIZE; o++) {
      for (const c of this.rcaches[o]) {
        for (const p of [...c.loaded, ...c.prev]) this.freeIova(p);
        c.loaded = [];
        c.prev = [];
      }
      for (const m of this.depot[o]) for (const p of m) this.freeIova(p);
      this.depot[o] = [];
    }
  }

  allocatedRanges(): number { return this.ranges.length; }
}
