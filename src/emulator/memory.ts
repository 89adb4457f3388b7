// Physical memory: RAM banks, a deterministic page allocator, struct page
// reference counts (include/linux/mm.h get_page/put_page), reserved
// (memblock) pages, the bytes' provenance at 128-byte granularity (enough to
// show whose packet a CPU read sees) and vmalloc areas.

import type { CpuSpace } from './cpu-space';
import type { RamBank } from './platform';
import type { Trace } from './trace';

export interface PageState {
  ref: number;
  /** PG_reserved: memblock memory such as the SWIOTLB default pool. */
  reserved: boolean;
  owner: string;
  /** Freed into the allocator while something still used it. */
  freed: boolean;
}

const LINE = 128n;

export interface VmArea { start: bigint; size: bigint; pfns: bigint[]; what: string }

export class Memory {
  readonly pageSize: bigint;
  readonly pageShift: bigint;
  readonly pages = new Map<bigint, PageState>();
  /** Content label per 128-byte line (line index = pa / 128). */
  private readonly lines = new Map<bigint, string>();
  private readonly cursor = new Map<string, bigint>();
  private readonly freeList: bigint[] = [];
  readonly vmAreas: VmArea[] = [];
  private vmNext: bigint;
  /** Bad-page reports ("BUG: Bad page state"). */
  readonly badPages: bigint[] = [];
  /** Highmem pages currently kmapped: pfn → VA. */
  readonly kmaps = new Map<bigint, bigint>();

  constructor(readonly ram: RamBank[], readonly cpu: CpuSpace, private readonly trace: Trace, readonly pageChecks = true) {
    this.pageSize = cpu.pageSize;
    this.pageShift = cpu.pageShift;
    // arm64: the kernel image and early vmalloc users sit at the start of the vmalloc area; the first
    // area handed out here is placed 0x1234_5000 in, which makes it the facts' example address
    // 0xffff8000_92345000 (S7) in the 6.12 layout [choice].
    // (Page-aligned, as every vmalloc area is: 16K and 64K pages take it down to their page.)
    this.vmNext = cpu.arch === 'arm64' ? (cpu.vmallocStart + 0x1234_5000n) & ~(cpu.pageSize - 1n) : cpu.vmallocStart;
    // The kernel's own allocations (page tables, rings, vmalloc pages) come from a quarter into the
    // first bank, away from the driver's page [choice].
    const b0 = ram[0];
    this.cursor.set('kernel', (b0.start + b0.size / 4n) >> this.pageShift);
  }

  isRam(pa: bigint): boolean {
    for (const b of this.ram) if (pa >= b.start && pa < b.start + b.size) return true;
    return false;
  }
  isRamPfn(pfn: bigint): boolean { return this.isRam(pfn << this.pageShift); }

  /** memblock-reserved PFN ranges [start, end) not yet materialised as PageState. */
  private readonly reserved: { start: bigint; end: bigint; what: string }[] = [];

  private reservedRange(pfn: bigint): { what: string } | undefined {
    for (const r of this.reserved) if (pfn >= r.start && pfn < r.end) return r;
    return undefined;
  }

  page(pfn: bigint): PageState {
    let p = this.pages.get(pfn);
    if (!p) {
      const r = this.reservedRange(pfn);
      p = r ? { ref: 1, reserved: true, owner: r.what, freed: false } : { ref: 0, reserved: false, owner: '', freed: false };
      this.pages.set(pfn, p);
    }
    return p;
  }
  ref(pfn: bigint): number { return this.pages.get(pfn)?.ref ?? (this.reservedRange(pfn) ? 1 : 0); }
  isReserved(pfn: bigint): boolean { return this.pages.get(pfn)?.reserved ?? this.reservedRange(pfn) !== undefined; }

  /** Where the driver's next fresh page comes from (deterministic: a cursor, then LIFO reuse of freed pages). */
  setCursor(pool: string, pa: bigint): void { this.cursor.set(pool, pa >> this.pageShift); }

  /** alloc_pages(order 0): refcount 1. Freed pages are reused first (per-CPU free lists are LIFO). */
  allocPage(what: string, pool = 'driver'): bigint {
    let pfn: bigint | undefined;
    if (pool === 'driver') pfn = this.freeList.pop();
    if (pfn === undefined) {
      let c = this.cursor.get(pool) ?? this.cursor.get('kernel')!;
      let guard = 0;
      while (this.ref(c) || this.isReserved(c) || !this.isRamPfn(c)) {
        c++;
        if (!this.isRamPfn(c)) {
          const next = this.ram.find((b) => (b.start >> this.pageShift) > c);
          c = next ? next.start >> this.pageShift : this.ram[0].start >> this.pageShift;
          if (++guard > this.ram.length + 1) throw new Error('emulator: out of memory');
        }
      }
      pfn = c;
      this.cursor.set(pool, c + 1n);
    }
    const p = this.page(pfn);
    p.ref = 1;
    p.owner = what;
    p.freed = false;
    if (this.trace.on) {
      const pa = pfn << this.pageShift;
      this.trace.emit({ op: 'alloc', what, pa, va: this.cpu.isLowmemPfn(pfn) ? this.cpu.physToVirt(pa) : null, size: Number(this.pageSize), page: this.cpu.pfnToPage(pfn) });
    }
    return pfn;
  }

  /** memblock reservation: pages with PG_reserved and refcount 1 (never freed by the buddy allocator). */
  reserve(pa: bigint, size: bigint, what: string): void {
    this.reserved.push({ start: pa >> this.pageShift, end: (pa + size + this.pageSize - 1n) >> this.pageShift, what });
  }

  /** get_page / page_ref_add. */
  getPage(pfn: bigint, n = 1, note?: string): void {
    const p = this.page(pfn);
    p.ref += n;
    if (this.trace.on) this.trace.emit({ op: 'page-get', page: this.cpu.pfnToPage(pfn), pfn, count: p.ref, note });
  }

  /**
   * put_page(): at 0 the page is freed (__folio_put). A PG_reserved page reaching 0 is reported as
   * "Bad page state" when page checks are on (not freed), else freed into the allocator while in use.
   * Returns the new count.
   */
  putPage(pfn: bigint, note?: string): number {
    const p = this.page(pfn);
    if (p.ref <= 0) {
      // put_page_testzero()'s VM_BUG_ON (CONFIG_DEBUG_VM, which the page checks stand for): an oops.
      this.trace.emit({ op: 'fault', who: 'kernel', addr: this.cpu.pfnToPage(pfn), event: 'VM_BUG_ON_PAGE(page_ref_count(page) == 0)', note: 'put_page on a page whose count is already 0' });
      this.trace.flag('fault');
      return p.ref;
    }
    p.ref--;
    if (this.trace.on) this.trace.emit({ op: 'page-put', page: this.cpu.pfnToPage(pfn), pfn, count: p.ref, note });
    if (p.ref === 0) {
      if (p.reserved) {
        if (this.pageChecks) {
          this.badPages.push(pfn);
          this.trace.emit({ op: 'fault', who: 'kernel', addr: this.cpu.pfnToPage(pfn), event: 'BUG: Bad page state', note: 'PAGE_FLAGS_CHECK_AT_FREE flag(s) set: PG_reserved (' + p.owner + ')' });
          return 0;
        }
        p.reserved = false;
        p.freed = true;
      }
      this.freeList.push(pfn);
      if (this.trace.on) this.trace.emit({ op: 'free', what: p.owner || 'page', pa: pfn << this.pageShift, size: Number(this.pageSize) });
    }
    return p.ref;
  }

  /** __free_pages on a page we hold one reference to. */
  freePage(pfn: bigint, note?: string): void { this.putPage(pfn, note); }

  // ---- content ---------------------------------------------------------------

  write(pa: bigint, len: number, label: string): void {
    for (let l = pa / LINE; l <= (pa + BigInt(len) - 1n) / LINE; l++) this.lines.set(l, label);
  }
  read(pa: bigint): string | undefined { return this.lines.get(pa / LINE); }
  copy(dst: bigint, src: bigint, len: number): void {
    const n = (BigInt(len) + LINE - 1n) / LINE;
    for (let i = 0n; i < n; i++) {
      const v = this.lines.get(src / LINE + i);
      if (v === undefined) this.lines.delete(dst / LINE + i); else this.lines.set(dst / LINE + i, v);
    }
  }
  zero(pa: bigint, len: number): void {
    for (let l = pa / LINE; l <= (pa + BigInt(len) - 1n) / LINE; l++) this.lines.delete(l);
  }

  // ---- vmalloc ------------------------------------------------------------------

  /** vmalloc(): page by page from the allocator, mapped at the next free VA (one guard page after each area). */
  vmalloc(size: bigint, what: string): bigint {
    const n = (size + this.pageSize - 1n) / this.pageSize;
    const start = this.vmNext;
    const pfns: bigint[] = [];
    for (let i = 0n; i < n; i++) pfns.push(this.allocPageQuiet(what));
    this.vmAreas.push({ start, size: n * this.pageSize, pfns, what });
    this.vmNext = start + (n + 1n) * this.pageSize;
    this.trace.emit({ op: 'alloc', what: `${what} (vmalloc, ${n} pages)`, pa: pfns[0] << this.pageShift, va: start, size: Number(n * this.pageSize), page: this.cpu.pfnToPage(pfns[0]) });
    return start;
  }

  /** Maps given PFNs (vmap / dma_common_pages_remap / ioremap) at the next free vmalloc VA. */
  vmap(pfns: bigint[], what: string): bigint {
    const start = this.vmNext;
    this.vmAreas.push({ start, size: BigInt(pfns.length) * this.pageSize, pfns, what });
    this.vmNext = start + BigInt(pfns.length + 1) * this.pageSize;
    return start;
  }

  private allocPageQuiet(what: string): bigint {
    const on = this.trace.on;
    this.trace.on = false;
    try { return this.allocPage(what, 'vmalloc'); } finally { this.trace.on = on; }
  }

  /** vmalloc_to_page() / the kernel page tables for the vmalloc area: PA or null. */
  vmallocToPhys(va: bigint): bigint | null {
    for (const a of this.vmAreas) {
      if (va >= a.start && va < a.start + a.size) {
        const i = (va - a.start) / this.pageSize;
        return (a.pfns[Number(i)] << this.pageShift) + (va - a.start) % this.pageSize;
      }
    }
    return null;
  }

  /**
   * What a CPU load/store at `va` reaches: the PA, or null for "Unable to handle kernel paging
   * request" (not mapped in the kernel page tables).
   */
  cpuResolve(va: bigint): bigint | null {
    const cpu = this.cpu;
    if (cpu.isLinear(va)) {
      const pa = cpu.virtToPhys(va);
      const pfn = pa >> this.pageShift;
      return this.isRam(pa) && cpu.isLowmemPfn(pfn) ? pa : null;
    }
    if (cpu.isVmalloc(va)) return this.vmallocToPhys(va);
    return null;
  }

  /** A struct page pointer that put_page() can dereference: inside the memmap and for a RAM PFN. */
  validPagePtr(page: bigint): boolean {
    const cpu = this.cpu;
    if (page < cpu.memmapStart || page >= cpu.memmapEnd) return false;
    if ((page - cpu.memmapStart) % cpu.structPageSize !== 0n) return false;
    return this.isRamPfn(cpu.pageToPfn(page));
  }
}
