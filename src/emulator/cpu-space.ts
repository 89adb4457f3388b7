// CPU-side address spaces: the kernel's own arithmetic for __va/__pa,
// virt_to_page & co., for arm64 (6.12 and pre-5.4 layouts), 32-bit ARM
// (lowmem/highmem, LPAE) and x86_64. Every function computes what the kernel
// macro computes, including for addresses outside the linear map, where the
// result is garbage by design (that is the point of the emulator).

import { MASK64, MASK32 } from './hex';
import type { Arch } from './types';

export interface Region { name: string; start: bigint; end: bigint }

export interface CpuSpace {
  readonly arch: Arch;
  readonly layout: '6.12' | 'pre-5.4' | 'arm32' | 'x86_64';
  readonly pageSize: bigint;
  readonly pageShift: bigint;
  readonly physOffset: bigint;
  readonly structPageSize: bigint;
  /** __va / phys_to_virt. */
  physToVirt(pa: bigint): bigint;
  /** __pa / virt_to_phys (kernel-image formula for non-linear addresses on arm64). */
  virtToPhys(va: bigint): bigint;
  virtToPage(va: bigint): bigint;
  pfnToPage(pfn: bigint): bigint;
  pageToPfn(page: bigint): bigint;
  pageToPhys(page: bigint): bigint;
  /** page_address(): linear VA, or 0n for a highmem page that is not kmapped. */
  pageAddress(page: bigint): bigint;
  /** The address is in the linear map window (__is_lm_address / lowmem). Says nothing about RAM. */
  isLinear(va: bigint): boolean;
  isVmalloc(va: bigint): boolean;
  /** PFN is covered by the linear map (arm32: lowmem). */
  isLowmemPfn(pfn: bigint): boolean;
  regions(): Region[];
  readonly vmallocStart: bigint;
  readonly vmallocEnd: bigint;
  /** Range of struct page pointers (vmemmap or mem_map). */
  readonly memmapStart: bigint;
  readonly memmapEnd: bigint;
}

const bits = (n: number): bigint => 1n << BigInt(n);

/**
 * arm64, 48-bit VA. 6.12: arch/arm64/include/asm/memory.h (PAGE_OFFSET = -(1 << VA_BITS),
 * virt_to_page = VMEMMAP_START + idx * sizeof(struct page)); pre-5.4 (v4.x) layout with the
 * linear map in the upper half [hist, facts §6.1].
 */
export class Arm64Space implements CpuSpace {
  readonly arch = 'arm64' as const;
  readonly layout: '6.12' | 'pre-5.4';
  readonly pageSize: bigint;
  readonly pageShift: bigint;
  readonly structPageSize = 64n; // facts §6.1 assumption: sizeof(struct page) = 64
  readonly physOffset: bigint;
  readonly PAGE_OFFSET: bigint;
  readonly PAGE_END: bigint;
  readonly VMEMMAP_START: bigint;
  readonly VMEMMAP_END: bigint;
  readonly vmallocStart: bigint;
  readonly vmallocEnd: bigint;
  readonly MODULES_VADDR: bigint;
  readonly KIMAGE_VADDR: bigint;
  /** kimage_voffset = _text VA - its load PA (kernel image loaded 2 MiB into DRAM). */
  readonly kimageVoffset: bigint;
  readonly memmapStart: bigint;
  readonly memmapEnd: bigint;
  private readonly highmemNever = false;

  constructor(pageSize: number, dramStart: bigint, layout: '6.12' | 'pre-5.4') {
    this.layout = layout;
    this.pageSize = BigInt(pageSize);
    this.pageShift = BigInt(Math.log2(pageSize));
    // arch/arm64/mm/init.c: memstart_addr = round_down(dram start, ARM64_MEMSTART_ALIGN):
    // 1 GiB with 4K/16K pages, 512 MiB with 64K pages.
    const align = pageSize === 65536 ? bits(29) : bits(30);
    this.physOffset = dramStart & ~(align - 1n);
    const VA_BITS = 48;
    if (layout === '6.12') {
      this.PAGE_OFFSET = (-bits(VA_BITS)) & MASK64;
      this.PAGE_END = (-bits(VA_BITS - 1)) & MASK64;
      this.MODULES_VADDR = this.PAGE_END;
      this.KIMAGE_VADDR = this.MODULES_VADDR + bits(31); // MODULES_END (2 GiB of modules)
      this.vmallocStart = this.KIMAGE_VADDR;
      this.VMEMMAP_END = (-bits(30)) & MASK64;
      const vmemmapSize = ((this.PAGE_END - this.PAGE_OFFSET) >> this.pageShift) * this.structPageSize;
      this.VMEMMAP_START = this.VMEMMAP_END - vmemmapSize;
      this.vmallocEnd = this.VMEMMAP_START - bits(23);
    } else {
      // v4.x: VA_START = 0xffff0000_00000000, PAGE_OFFSET = 0xffff8000_00000000,
      // VMEMMAP_SIZE = 1 << (VA_BITS - PAGE_SHIFT - 1 + STRUCT_PAGE_MAX_SHIFT) [recall, v4.12 memory.h/pgtable.h]
      const VA_START = (-bits(VA_BITS)) & MASK64;
      this.PAGE_OFFSET = (-bits(VA_BITS - 1)) & MASK64;
      this.PAGE_END = MASK64 + 1n;
      this.MODULES_VADDR = VA_START; // no KASAN
      this.KIMAGE_VADDR = this.MODULES_VADDR + bits(27); // MODULES_END (128 MiB)
      this.vmallocStart = this.KIMAGE_VADDR;
      const vmemmapSize = 1n << (BigInt(VA_BITS) - this.pageShift - 1n + 6n);
      this.VMEMMAP_START = this.PAGE_OFFSET - vmemmapSize;
      this.VMEMMAP_END = this.PAGE_OFFSET;
      const PUD_SIZE = pageSize === 65536 ? bits(42) : pageSize === 16384 ? bits(36) : bits(30);
      this.vmallocEnd = this.PAGE_OFFSET - PUD_SIZE - vmemmapSize - bits(16);
    }
    this.memmapStart = this.VMEMMAP_START;
    this.memmapEnd = this.VMEMMAP_END;
    // _text at KIMAGE_VADDR, loaded at PHYS_OFFSET + 2 MiB (facts §6.2 example: 0xffff8000_80000000 ↔ 0x8020_0000).
    this.kimageVoffset = (this.KIMAGE_VADDR - (this.physOffset + bits(21))) & MASK64;
    void this.highmemNever;
  }

  isLinear(va: bigint): boolean {
    va &= MASK64;
    if (this.layout === '6.12') return ((va - this.PAGE_OFFSET) & MASK64) < this.PAGE_END - this.PAGE_OFFSET;
    return (va & bits(47)) !== 0n && va >= this.PAGE_OFFSET; // v4.x: !!(addr & BIT(VA_BITS - 1))
  }
  isVmalloc(va: bigint): boolean { return va >= this.vmallocStart && va < this.vmallocEnd; }
  isLowmemPfn(): boolean { return true; }

  physToVirt(pa: bigint): bigint {
    // __phys_to_virt(x) = ((x) - PHYS_OFFSET) | PAGE_OFFSET, in 64-bit arithmetic.
    return (((pa - this.physOffset) & MASK64) | this.PAGE_OFFSET) & MASK64;
  }
  virtToPhys(va: bigint): bigint {
    va &= MASK64;
    if (this.isLinear(va)) {
      // 6.12 __lm_to_phys: (addr - PAGE_OFFSET) + PHYS_OFFSET; v4.x: (addr & ~PAGE_OFFSET) + PHYS_OFFSET
      const off = this.layout === '6.12' ? (va - this.PAGE_OFFSET) & MASK64 : va & ~this.PAGE_OFFSET & MASK64;
      return (off + this.physOffset) & MASK64;
    }
    // __kimg_to_phys: everything else is taken for a kernel-image address.
    return (va - this.kimageVoffset) & MASK64;
  }
  virtToPage(va: bigint): bigint {
    va &= MASK64;
    if (this.layout === '6.12') {
      const idx = ((va - this.PAGE_OFFSET) & MASK64) / this.pageSize;
      return (this.VMEMMAP_START + idx * this.structPageSize) & MASK64;
    }
    // v4.x: ((addr & ~PAGE_OFFSET) / PAGE_SIZE * sizeof(struct page)) | VMEMMAP_START
    return (((va & ~this.PAGE_OFFSET & MASK64) / this.pageSize * this.structPageSize) | this.VMEMMAP_START) & MASK64;
  }
  /** vmemmap = VMEMMAP_START - (memstart_addr >> PAGE_SHIFT); pfn_to_page = vmemmap + pfn. */
  pfnToPage(pfn: bigint): bigint {
    return (this.VMEMMAP_START + (pfn - (this.physOffset >> this.pageShift)) * this.structPageSize) & MASK64;
  }
  pageToPfn(page: bigint): bigint {
    const d = ((page - this.VMEMMAP_START) & MASK64);
    const signed = d >= bits(63) ? d - bits(64) : d;
    return signed / this.structPageSize + (this.physOffset >> this.pageShift);
  }
  pageToPhys(page: bigint): bigint { return (this.pageToPfn(page) << this.pageShift) & MASK64; }
  pageAddress(page: bigint): bigint {
    if (this.layout === '6.12') {
      const idx = ((page - this.VMEMMAP_START) & MASK64) / this.structPageSize;
      return (this.PAGE_OFFSET + idx * this.pageSize) & MASK64;
    }
    return ((((page & ~this.VMEMMAP_START & MASK64) * this.pageSize) / this.structPageSize) | this.PAGE_OFFSET) & MASK64;
  }
  regions(): Region[] {
    const r: Region[] = [];
    if (this.layout === '6.12') {
      r.push({ name: 'linear map', start: this.PAGE_OFFSET, end: this.PAGE_END });
      r.push({ name: 'modules', start: this.MODULES_VADDR, end: this.KIMAGE_VADDR });
      r.push({ name: 'vmalloc (kernel image at its start)', start: this.vmallocStart, end: this.vmallocEnd });
      r.push({ name: 'vmemmap', start: this.VMEMMAP_START, end: this.VMEMMAP_END });
      r.push({ name: 'PCI I/O', start: this.VMEMMAP_END + bits(23), end: this.VMEMMAP_END + bits(23) + bits(24) });
    } else {
      r.push({ name: 'modules', start: this.MODULES_VADDR, end: this.KIMAGE_VADDR });
      r.push({ name: 'vmalloc (kernel image at its start)', start: this.vmallocStart, end: this.vmallocEnd });
      r.push({ name: 'vmemmap', start: this.VMEMMAP_START, end: this.VMEMMAP_END });
      r.push({ name: 'linear map', start: this.PAGE_OFFSET, end: MASK64 + 1n });
    }
    return r;
  }
}

/**
 * 32-bit ARM (arch/arm/include/asm/memory.h): VMSPLIT_3G, PAGE_OFFSET 0xC0000000, vmalloc=240M
 * → lowmem ends at VA 0xF000_0000. __phys_to_virt is done in 32-bit unsigned long, so with LPAE the
 * upper word of a phys_addr_t is lost. FLATMEM mem_map with 32-byte struct page (assumption) placed by
 * memblock at the top of lowmem.
 */
export class Arm32Space implements CpuSpace {
  readonly arch: 'arm32' | 'arm32-lpae';
  readonly layout = 'arm32' as const;
  readonly pageSize = 4096n;
  readonly pageShift = 12n;
  readonly structPageSize = 32n;
  readonly physOffset: bigint;
  readonly PAGE_OFFSET = 0xc000_0000n;
  readonly VMALLOC_END = 0xff80_0000n;
  readonly highMemory: bigint;
  readonly vmallocStart: bigint;
  readonly vmallocEnd: bigint;
  readonly memmapStart: bigint;
  readonly memmapEnd: bigint;
  readonly maxPfn: bigint;
  readonly PKMAP_BASE: bigint;

  private readonly banks: { startPfn: bigint; pages: bigint; index: bigint }[] = [];

  constructor(lpae: boolean, ram: { start: bigint; size: bigint }[]) {
    this.arch = lpae ? 'arm32-lpae' : 'arm32';
    const dramStart = ram[0].start;
    const dramEnd = ram[ram.length - 1].start + ram[ram.length - 1].size;
    this.physOffset = dramStart;
    const vmallocMin = this.VMALLOC_END - (240n << 20n) - (8n << 20n); // 0xf0000000
    const lowmemSize = ram[0].size < vmallocMin - this.PAGE_OFFSET ? ram[0].size : vmallocMin - this.PAGE_OFFSET;
    this.highMemory = this.PAGE_OFFSET + lowmemSize;
    const m8 = 8n << 20n;
    this.vmallocStart = (this.highMemory + m8) & ~(m8 - 1n);
    this.vmallocEnd = this.VMALLOC_END;
    this.maxPfn = dramEnd >> 12n;
    let pages = 0n;
    for (const b of ram) { this.banks.push({ startPfn: b.start >> 12n, pages: b.size >> 12n, index: pages }); pages += b.size >> 12n; }
    const memmapBytes = pages * this.structPageSize;
    this.memmapEnd = this.highMemory;
    this.memmapStart = (this.highMemory - memmapBytes) & ~0xfffffn;
    this.PKMAP_BASE = this.PAGE_OFFSET - (2n << 20n);
  }
  private get pfnOffset(): bigint { return this.physOffset >> 12n; }
  isLinear(va: bigint): boolean { return va >= this.PAGE_OFFSET && va < this.highMemory; }
  isVmalloc(va: bigint): boolean { return va >= this.vmallocStart && va < this.vmallocEnd; }
  isLowmemPfn(pfn: bigint): boolean { return pfn >= this.pfnOffset && pfn < this.pfnOffset + ((this.highMemory - this.PAGE_OFFSET) >> 12n); }
  physToVirt(pa: bigint): bigint { return (pa - this.physOffset + this.PAGE_OFFSET) & MASK32; }
  virtToPhys(va: bigint): bigint {
    const r = (va & MASK32) - this.PAGE_OFFSET + this.physOffset;
    return this.arch === 'arm32' ? r & MASK32 : r & MASK64;
  }
  /** virt_to_pfn(kaddr) = ((kaddr - PAGE_OFFSET) >> PAGE_SHIFT) + PHYS_PFN_OFFSET, unsigned long. */
  private virtToPfn(va: bigint): bigint { return ((((va & MASK32) - this.PAGE_OFFSET) & MASK32) >> 12n) + this.pfnOffset & MASK32; }
  virtToPage(va: bigint): bigint { return this.pfnToPage(this.virtToPfn(va)); }
  /**
   * FLATMEM: mem_map + (pfn - ARCH_PFN_OFFSET). With several banks (LPAE) the struct pages are laid
   * out bank after bank, as SPARSEMEM section maps would be [assumption: the emulator does not model sections].
   */
  pfnToPage(pfn: bigint): bigint {
    for (const b of this.banks) if (pfn >= b.startPfn && pfn < b.startPfn + b.pages) return (this.memmapStart + (b.index + pfn - b.startPfn) * this.structPageSize) & MASK32;
    return (this.memmapStart + (pfn - this.pfnOffset) * this.structPageSize) & MASK32;
  }
  pageToPfn(page: bigint): bigint {
    const idx = ((page & MASK32) - this.memmapStart) / this.structPageSize;
    for (const b of this.banks) if (idx >= b.index && idx < b.index + b.pages) return b.startPfn + idx - b.index;
    return idx + this.pfnOffset;
  }
  pageToPhys(page: bigint): bigint { return this.pageToPfn(page) << 12n; }
  pageAddress(page: bigint): bigint {
    const pfn = this.pageToPfn(page);
    if (!this.isLowmemPfn(pfn)) return 0n; // highmem: no permanent mapping (HASHED_PAGE_VIRTUAL → NULL)
    return this.physToVirt(pfn << 12n);
  }
  regions(): Region[] {
    return [
      { name: 'pkmap', start: this.PKMAP_BASE, end: this.PAGE_OFFSET },
      { name: 'lowmem (linear map)', start: this.PAGE_OFFSET, end: this.highMemory },
      { name: 'vmalloc guard gap', start: this.highMemory, end: this.vmallocStart },
      { name: 'vmalloc', start: this.vmallocStart, end: this.vmallocEnd },
      { name: 'fixmap', start: 0xffc8_0000n, end: 0xfff0_0000n },
    ];
  }
}

/**
 * x86_64, 4-level paging, no KASLR [recall]: direct map at page_offset_base 0xffff8880_00000000,
 * vmalloc at 0xffffc900_00000000 (32 TiB), vmemmap at 0xffffea00_00000000, kernel text map at
 * __START_KERNEL_map 0xffffffff_80000000 with phys_base 0.
 */
export class X86Space implements CpuSpace {
  readonly arch = 'x86_64' as const;
  readonly layout = 'x86_64' as const;
  readonly pageSize = 4096n;
  readonly pageShift = 12n;
  readonly structPageSize = 64n;
  readonly physOffset = 0n;
  readonly PAGE_OFFSET = 0xffff_8880_0000_0000n;
  readonly vmallocStart = 0xffff_c900_0000_0000n;
  readonly vmallocEnd = 0xffff_c900_0000_0000n + (32n << 40n);
  readonly memmapStart = 0xffff_ea00_0000_0000n;
  readonly memmapEnd = 0xffff_ea00_0000_0000n + (1n << 40n);
  readonly START_KERNEL_map = 0xffff_ffff_8000_0000n;
  isLinear(va: bigint): boolean { return va >= this.PAGE_OFFSET && va < this.PAGE_OFFSET + (64n << 40n); }
  isVmalloc(va: bigint): boolean { return va >= this.vmallocStart && va < this.vmallocEnd; }
  isLowmemPfn(): boolean { return true; }
  physToVirt(pa: bigint): bigint { return (pa + this.PAGE_OFFSET) & MASK64; }
  /** __phys_addr: x - __START_KERNEL_map + phys_base if x >= __START_KERNEL_map, else x - PAGE_OFFSET. */
  virtToPhys(va: bigint): bigint {
    va &= MASK64;
    return va >= this.START_KERNEL_map ? (va - this.START_KERNEL_map) & MASK64 : (va - this.PAGE_OFFSET) & MASK64;
  }
  virtToPage(va: bigint): bigint { return this.pfnToPage(this.virtToPhys(va) >> 12n); }
  pfnToPage(pfn: bigint): bigint { return (this.memmapStart + pfn * 64n) & MASK64; }
  pageToPfn(page: bigint): bigint { return ((page - this.memmapStart) & MASK64) / 64n; }
  pageToPhys(page: bigint): bigint { return this.pageToPfn(page) << 12n; }
  pageAddress(page: bigint): bigint { return this.physToVirt(this.pageToPhys(page)); }
  regions(): Region[] {
    return [
      { name: 'direct map', start: this.PAGE_OFFSET, end: this.PAGE_OFFSET + (64n << 40n) },
      { name: 'vmalloc', start: this.vmallocStart, end: this.vmallocEnd },
      { name: 'vmemmap', start: this.memmapStart, end: this.memmapEnd },
      { name: 'kernel text', start: this.START_KERNEL_map, end: this.START_KERNEL_map + (512n << 20n) },
    ];
  }
}

export function makeCpuSpace(arch: Arch, pageSize: number, era: string, ram: { start: bigint; size: bigint }[]): CpuSpace {
  switch (arch) {
    case 'arm64': return new Arm64Space(pageSize, ram[0].start, era === '2017' || era === 'patched' ? 'pre-5.4' : '6.12');
    case 'arm32': return new Arm32Space(false, ram.filter((b) => b.start < 0x1_0000_0000n));
    case 'arm32-lpae': return new Arm32Space(true, ram);
    case 'x86_64': return new X86Space();
  }
}
