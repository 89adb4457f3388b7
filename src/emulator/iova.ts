// The IOVA allocator (drivers/iommu/iova.c, 6.12): top-down, size-aligned
// ranges, and the per-CPU LIFO range cache ("rcache") of magazines holding
// 127 PFNs each, per size class up to 32 pages.

const MAG_SIZE = 127; // IOVA_MAG_SIZE
const RANGE_CACHE_MAX_SIZE = 6; // IOVA_RANGE_CACHE_MAX_SIZE: orders 0..5 are cached

interface Range { lo: number; hi: number }

interface CpuRcache { loaded: number[]; prev: number[] }

export function roundupPow2(n: number): number { let p = 1; while (p < n) p *= 2; return p; }
export function orderBase2(n: number): number { return Math.ceil(Math.log2(n)); }

/** IOVA_ANCHOR: the rbtree's sentinel at ~0UL, above every range. */
const ANCHOR_PFN = Number.MAX_SAFE_INTEGER;

export class IovaDomain {
  /** Allocated ranges (pfn units), sorted by lo, the anchor last. Cached PFNs stay allocated here. */
  private readonly ranges: Range[] = [];
  private readonly rcaches: CpuRcache[][] = [];
  private readonly depot: number[][][] = [];
  readonly dma32Pfn: number;
  /** iovad->cached_node / cached32_node: where the next walk down starts (the last allocation, or above a free). */
  private cached: Range;
  private cached32: Range;
  /** iovad->max32_alloc_size: a size that failed below 4 GiB fails at once until something there is freed. */
  private max32AllocSize: number;

  /** init_iova_domain(granule, start_pfn): start_pfn = max(1, aperture_start >> shift) so IOVA 0 is never used. */
  constructor(readonly granule: number, readonly startPfn = 1, readonly ncpus = 4) {
    this.dma32Pfn = 2 ** (32 - Math.log2(granule));
    for (let o = 0; o < RANGE_CACHE_MAX_SIZE; o++) {
      this.rcaches.push(Array.from({ length: ncpus }, () => ({ loaded: [], prev: [] })));
      this.depot.push([]);
    }
    const anchor = { lo: ANCHOR_PFN, hi: ANCHOR_PFN };
    this.ranges.push(anchor);
    this.cached = anchor;
    this.cached32 = anchor;
    this.max32AllocSize = this.dma32Pfn;
  }

  /** reserve_iova(): e.g. the software MSI window 0x0800_0000 + 1 MiB, PCI windows (the cached nodes stay). */
  reserve(loPfn: number, hiPfn: number): void { this.insert({ lo: loPfn, hi: hiPfn }); }

  private insert(r: Range): void {
    let i = this.ranges.length;
    while (i > 0 && this.ranges[i - 1].lo > r.lo) i--;
    this.ranges.splice(i, 0, r);
  }

  /**
   * alloc_iova(size_aligned) → __alloc_and_insert_iova_range (iova.c:170-230):
   * the walk down starts at the cached node — the last range allocated, or the
   * one above the last range freed at or above it — not at the top, so a hole
   * an alignment left above it is not filled (1, then 3, then 1 granule give
   * 0xffff, 0xfff8, 0xfff7, not 0xfffe). Only when nothing fits below does it
   * retry from the limit down to just above where it started. `limitPfn` is
   * inclusive (as passed to alloc_iova). Returns 0 when nothing fits.
   */
  allocIova(size: number, limitPfn: number, sizeAligned = true): number {
    const align = sizeAligned ? roundupPow2(size) : 1;
    const limit = limitPfn + 1; // alloc_iova passes limit_pfn + 1
    if (limit <= this.dma32Pfn && size >= this.max32AllocSize) return 0;
    let idx = this.ranges.indexOf(limit <= this.dma32Pfn ? this.cached32 : this.cached);
    const retryPfn = this.ranges[idx].hi;
    let high = limit;
    let low = this.startPfn;
    for (let retried = false; ; retried = true) {
      let newPfn: number;
      let curr: Range | undefined = this.ranges[idx];
      do {
        high = Math.min(high, curr.lo);
        // (high_pfn - size) is unsigned in C: below 0 it wraps far above every range, and the walk stops.
        newPfn = high < size ? Infinity : Math.floor((high - size) / align) * align;
        idx--;
        curr = idx >= 0 ? this.ranges[idx] : undefined;
      } while (curr && newPfn <= curr.hi && newPfn >= low);
      if (high >= size && newPfn >= low) {
        const r = { lo: newPfn, hi: newPfn + size - 1 };
        this.insert(r);
        // __cached_rbnode_insert_update
        if (r.hi < this.dma32Pfn) this.cached32 = r;
        else this.cached = r;
        return newPfn;
      }
      if (retried || low !== this.startPfn || retryPfn >= limit) break;
      high = limit;
      low = retryPfn + 1;
      idx = this.findLimit(limit);
    }
    this.max32AllocSize = size;
    return 0;
  }

  /** iova_find_limit(): the anchor above 4 GiB, else the lowest range reaching up to the limit. */
  private findLimit(limit: number): number {
    if (limit > this.dma32Pfn) return this.ranges.length - 1;
    return this.ranges.findIndex((r) => r.hi >= limit);
  }

  /** free_iova(): remove the range starting at pfn (__cached_rbnode_delete_update first). */
  freeIova(pfn: number): boolean {
    const i = this.ranges.findIndex((r) => r.lo === pfn);
    if (i < 0 || this.ranges[i].lo === ANCHOR_PFN) return false;
    const free = this.ranges[i];
    const next = this.ranges[i + 1];
    if (free === this.cached32 || (free.hi < this.dma32Pfn && free.lo >= this.cached32.lo)) this.cached32 = next;
    if (free.lo < this.dma32Pfn) this.max32AllocSize = this.dma32Pfn;
    if (free.lo >= this.cached.lo) this.cached = next;
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
    // iova_magazine_pop: the most recent PFN whose range ends at or below the limit
    // (iova_rcache_get() asks for limit_pfn + 1 - size, iova.c:392 and :871), the hole filled with the top entry.
    const m = c.loaded;
    let i = m.length - 1;
    while (m[i] > limitPfn + 1 - size) { if (i === 0) return 0; i--; }
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

  /** Ranges in the tree (reserved and cached ones included), the anchor not counted. */
  allocatedRanges(): number { return this.ranges.length - 1; }
}
