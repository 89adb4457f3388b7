// io-pgtable-arm: the LPAE / VMSAv8-64 page tables the Arm SMMUs walk
// (drivers/iommu/io-pgtable-arm.c, Linux 6.12). Descriptors are stored with
// their real 64-bit encoding (two 32-bit halves); the walk decodes them the
// way arm_lpae_iova_to_phys() does. Addresses inside are exact JS numbers
// (IOVA < 2^53, PA ≤ 52 bits); the bigint API lives in the iommu layer.

import type { WalkLevel } from './types';

// include/linux/iommu.h prot flags
export const IOMMU_READ = 1;
export const IOMMU_WRITE = 2;
export const IOMMU_CACHE = 4;
export const IOMMU_NOEXEC = 8;
export const IOMMU_MMIO = 16;
export const IOMMU_PRIV = 32;

export const EINVAL = -22;
export const ERANGE = -34;
export const EEXIST = -17;
export const ENOENT = -2;

const P32 = 4294967296;
const P48 = 281474976710656;
const MAX_LEVELS = 4;

export interface LpaeConfig {
  /** Page sizes the IOMMU supports (io_pgtable_cfg.pgsize_bitmap as a list). */
  pgsizes: number[];
  ias: number;
  oas: number;
  stage?: 1 | 2;
  coherentWalk?: boolean;
  /** Kernel PAGE_SIZE, used by arm_lpae_restrict_pgsizes to pick the granule. */
  kernelPageSize?: number;
  /** Allocates a zeroed table of `bytes` and returns its PA (__arm_lpae_alloc_pages). */
  allocTable?: (bytes: number) => number;
  freeTable?: (pa: number, bytes: number) => void;
}

/** One table: 2 words per descriptor (lo = bits 31:0, hi = bits 63:32) plus the next-level objects. */
export interface Table {
  readonly pa: number;
  readonly bytes: number;
  readonly d: Uint32Array;
  readonly next: (Table | null)[];
}

export interface MapResult { ret: number; mapped: number }

/** TCR fields and MAIR as arm_64_lpae_alloc_pgtable_s1 computes them. */
export interface S1Regs { tsz: number; tg0: number; sh: number; irgn: number; orgn: number; ips: number; mair: bigint; ttbr: bigint }

/** arm_lpae_restrict_pgsizes(): granule choice and the sizes allowed with it. */
export function restrictPgsizes(pgsizes: number[], pageSize: number, oas: number): { granule: number; sizes: number[] } {
  const sorted = [...new Set(pgsizes)].sort((a, b) => a - b);
  let granule = 0;
  if (sorted.includes(pageSize)) granule = pageSize;
  else if (sorted.some((s) => s < pageSize)) granule = sorted.filter((s) => s < pageSize).pop()!;
  else if (sorted.some((s) => s > pageSize)) granule = sorted.find((s) => s > pageSize)!;
  let allowed: number[];
  switch (granule) {
    case 4096: allowed = [4096, 2 ** 21, 2 ** 30]; break;
    case 16384: allowed = [16384, 2 ** 25]; break;
    case 65536: allowed = [65536, 2 ** 29, ...(oas > 48 ? [2 ** 42] : [])]; break;
    default: allowed = [];
  }
  return { granule, sizes: sorted.filter((s) => allowed.includes(s)) };
}

export class ArmLpaePgtable {
  readonly stage: 1 | 2;
  readonly granule: number;
  readonly pgShift: number;
  readonly bitsPerLevel: number;
  readonly levels: number;
  readonly startLevel: number;
  readonly pgdBits: number;
  readonly ias: number;
  readonly oas: number;
  readonly pgsizes: number[];
  readonly coherentWalk: boolean;
  pgd: Table;
  /** Number of live tables (pgd included). */
  tableCount = 0;
  /** Set while the selftests run: mapping over a leaf does not WARN. */
  selftestRunning = false;
  /** WARN_ON messages, newest last (the kernel would print a backtrace). */
  readonly warnings: string[] = [];

  // per level (index = level 0..3)
  private readonly div: number[] = [];
  private readonly mask: number[] = [];
  private readonly bsz: number[] = [];
  private readonly entries: number[] = [];
  private readonly allocTable: (bytes: number) => number;
  private readonly freeTable: (pa: number, bytes: number) => void;

  constructor(cfg: LpaeConfig) {
    if (cfg.ias > 52 || cfg.oas > 52) throw new Error(`io-pgtable-arm: ias/oas > ARM_LPAE_MAX_ADDR_BITS (${cfg.ias}/${cfg.oas})`);
    this.stage = cfg.stage ?? 1;
    const pageSize = cfg.kernelPageSize ?? 4096;
    const r = restrictPgsizes(cfg.pgsizes, pageSize, cfg.oas);
    if (!r.granule) throw new Error('io-pgtable-arm: no usable granule in pgsize_bitmap');
    this.granule = r.granule;
    this.pgsizes = r.sizes;
    const maxAddrBits = this.granule === 65536 ? 52 : 48;
    this.ias = Math.min(cfg.ias, maxAddrBits);
    this.oas = Math.min(cfg.oas, maxAddrBits);
    if (this.stage === 1 && ipsCode(this.oas) < 0) throw new Error(`io-pgtable-arm: unsupported oas ${this.oas}`);
    this.coherentWalk = cfg.coherentWalk ?? true;
    this.pgShift = Math.log2(this.granule);
    this.bitsPerLevel = this.pgShift - 3;
    const vaBits = this.ias - this.pgShift;
    this.levels = Math.ceil(vaBits / this.bitsPerLevel);
    let start = MAX_LEVELS - this.levels;
    let pgdBits = vaBits - this.bitsPerLevel * (this.levels - 1);
    // arm_64_lpae_alloc_pgtable_s2: concatenate a small level-0 table into level 1.
    if (this.stage === 2 && start === 0 && 2 ** pgdBits <= 16) {
      pgdBits += this.bitsPerLevel;
      start = 1;
    }
    this.startLevel = start;
    this.pgdBits = pgdBits;
    for (let l = 0; l < MAX_LEVELS; l++) {
      const shift = (4 - l) * this.bitsPerLevel + 3; // ARM_LPAE_LVL_SHIFT
      this.div[l] = 2 ** shift;
      this.bsz[l] = 2 ** shift;
      const width = l === start ? pgdBits : this.bitsPerLevel;
      this.mask[l] = 2 ** width - 1;
      this.entries[l] = 2 ** width;
    }
    let bump = 0x8_0000_0000;
    this.allocTable = cfg.allocTable ?? ((bytes: number) => {
      const a = Math.max(bytes, this.granule);
      bump = Math.ceil(bump / a) * a;
      const pa = bump;
      bump += a;
      return pa;
    });
    this.freeTable = cfg.freeTable ?? (() => undefined);
    this.pgd = this.newTable(this.entries[start]);
  }

  /** Bytes covered by one entry at `level` (ARM_LPAE_BLOCK_SIZE). */
  blockSize(level: number): number { return this.bsz[level]; }
  /** ARM_LPAE_LVL_IDX: bits above ias vanish at the start level (mask = pgd_bits). */
  levelIndex(iova: number, level: number): number { return Math.floor(iova / this.div[level]) % (this.mask[level] + 1); }
  entriesAt(level: number): number { return this.entries[level]; }

  private newTable(n: number): Table {
    const bytes = 8 * n;
    const t: Table = { pa: this.allocTable(bytes), bytes, d: new Uint32Array(2 * n), next: new Array<Table | null>(n).fill(null) };
    this.tableCount++;
    return t;
  }

  private freeTableTree(t: Table): void {
    for (const c of t.next) if (c) this.freeTableTree(c);
    this.tableCount--;
    this.freeTable(t.pa, t.bytes);
  }

  private warn(msg: string): void { this.warnings.push(msg); }

  // ---- descriptor encoding -------------------------------------------------

  /** paddr_to_iopte: ((pa | pa >> 36) & GENMASK(47,12)), split into lo/hi. */
  paddrToPte(pa: number): [number, number] {
    const hi = Math.floor(pa / P32) % 65536;
    const top = Math.floor(pa / P48) % 16; // PA[51:48] → PTE[15:12] (64K granule, 52-bit PA)
    const lo = ((pa % P32) & 0xfffff000 | (top << 12)) >>> 0;
    return [lo, hi];
  }

  /** iopte_to_paddr. */
  pteToPaddr(lo: number, hi: number): number {
    const xlo = (lo & 0xfffff000) >>> 0;
    const xhi = hi & 0xffff;
    if (this.granule === 65536) return xhi * P32 + ((xlo & 0xffff0000) >>> 0) + ((xlo >>> 12) & 0xf) * P48;
    return xhi * P32 + xlo;
  }

  /** iopte_leaf(): type 3 at level 3, type 1 (block) at levels 0-2. */
  static isLeaf(lo: number, level: number): boolean {
    return level === 3 ? (lo & 3) === 3 : (lo & 3) === 1;
  }

  /** arm_lpae_prot_to_pte(), without the type bits (returns lo/hi attribute words). */
  protToPte(prot: number): [number, number] {
    let lo = 0;
    let hi = 0;
    if (this.stage === 1) {
      lo |= 1 << 11; // nG
      if (!(prot & IOMMU_WRITE) && (prot & IOMMU_READ)) lo |= 1 << 7; // AP[2] read-only
      if (!(prot & IOMMU_PRIV)) lo |= 1 << 6; // AP[1] unprivileged
      if (prot & IOMMU_MMIO) lo |= 2 << 2; // AttrIndx 2: Device-nGnRE
      else if (prot & IOMMU_CACHE) lo |= 1 << 2; // AttrIndx 1: Normal WB RWA
    } else {
      if (prot & IOMMU_READ) lo |= 1 << 6; // HAP read
      if (prot & IOMMU_WRITE) lo |= 2 << 6; // HAP write
      if (prot & IOMMU_MMIO) lo |= 0x1 << 2; // MemAttr device
      else if (prot & IOMMU_CACHE) lo |= 0xf << 2; // MemAttr Normal WB
      else lo |= 0x5 << 2; // MemAttr Normal NC
    }
    lo |= (prot & IOMMU_CACHE) ? 3 << 8 : 2 << 8; // SH: inner if cacheable, else outer
    if (prot & IOMMU_NOEXEC) hi |= 3 << 21; // XN: bits 54:53
    lo |= 1 << 10; // AF: always set, so access-flag faults never happen
    return [lo >>> 0, hi >>> 0];
  }

  // ---- map ------------------------------------------------------------------

  /** arm_lpae_map_pages(). */
  map(iova: number, paddr: number, pgsize: number, pgcount: number, prot: number): MapResult {
    if (!pgsize || !this.pgsizes.includes(pgsize)) { this.warn('map: size not in pgsize_bitmap'); return { ret: EINVAL, mapped: 0 }; }
    if (Math.floor(iova / 2 ** this.ias) !== 0 || Math.floor(paddr / 2 ** this.oas) !== 0) { this.warn('map: iova/paddr out of range'); return { ret: ERANGE, mapped: 0 }; }
    if (!(prot & (IOMMU_READ | IOMMU_WRITE))) return { ret: EINVAL, mapped: 0 };
    const [alo, ahi] = this.protToPte(prot);
    let t = this.pgd;
    for (let l = this.startLevel; l < MAX_LEVELS; l++) {
      const idx = this.levelIndex(iova, l);
      if (pgsize === this.bsz[l]) {
        const n = Math.min(this.entries[l] - idx, pgcount);
        const ret = this.initPte(t, idx, iova, paddr, alo, ahi, l, n);
        return { ret, mapped: ret === 0 ? n * pgsize : 0 };
      }
      if (l >= MAX_LEVELS - 1) { this.warn('map: no level for size'); return { ret: EINVAL, mapped: 0 }; }
      const lo = t.d[2 * idx];
      const hi = t.d[2 * idx + 1];
      if (lo === 0 && hi === 0) {
        // arm_lpae_install_table: paddr_to_iopte(__pa(table)) | ARM_LPAE_PTE_TYPE_TABLE
        const nt = this.newTable(this.entries[l + 1]);
        const [plo, phi] = this.paddrToPte(nt.pa);
        t.d[2 * idx] = (plo | 3) >>> 0;
        t.d[2 * idx + 1] = phi;
        t.next[idx] = nt;
        t = nt;
      } else if (!ArmLpaePgtable.isLeaf(lo, l)) {
        t = t.next[idx]!;
      } else {
        if (!this.selftestRunning) this.warn('map: leaf in the way (-EEXIST)');
        return { ret: EEXIST, mapped: 0 };
      }
    }
    return { ret: EINVAL, mapped: 0 };
  }

  /** arm_lpae_init_pte(): -EEXIST over a leaf; a table in the way is unmapped and freed first. */
  private initPte(t: Table, idx: number, iova: number, paddr: number, alo: number, ahi: number, l: number, n: number): number {
    const sz = this.bsz[l];
    for (let i = 0; i < n; i++) {
      const lo = t.d[2 * (idx + i)];
      const hi = t.d[2 * (idx + i) + 1];
      if (lo === 0 && hi === 0) continue;
      if (ArmLpaePgtable.isLeaf(lo, l)) {
        if (!this.selftestRunning) this.warn('map: leaf in the way (-EEXIST)');
        return EEXIST;
      }
      // A table: replace it by the block (all smaller mappings below disappear).
      const sub = t.next[idx + i];
      t.d[2 * (idx + i)] = 0;
      t.d[2 * (idx + i) + 1] = 0;
      t.next[idx + i] = null;
      if (sub) this.freeTableTree(sub);
    }
    this.writeLeaves(t, idx, paddr, alo, ahi, l, n);
    void iova;
    return 0;
  }

  /** __arm_lpae_init_pte(): type PAGE at level 3, BLOCK above. */
  private writeLeaves(t: Table, idx: number, paddr: number, alo: number, ahi: number, l: number, n: number): void {
    const type = l === MAX_LEVELS - 1 ? 3 : 1;
    const sz = this.bsz[l];
    for (let i = 0; i < n; i++) {
      const [plo, phi] = this.paddrToPte(paddr + i * sz);
      t.d[2 * (idx + i)] = (alo | plo | type) >>> 0;
      t.d[2 * (idx + i) + 1] = (ahi | phi) >>> 0;
      t.next[idx + i] = null;
    }
  }

  // ---- unmap ----------------------------------------------------------------

  /** arm_lpae_unmap_pages(): bytes unmapped (0 on error, with a WARN). */
  unmap(iova: number, pgsize: number, pgcount: number): number {
    if (!pgsize || !this.pgsizes.includes(pgsize) || !pgcount) { this.warn('unmap: bad size'); return 0; }
    if (Math.floor(iova / 2 ** this.ias) !== 0) { this.warn('unmap: iova out of range'); return 0; }
    return this.unmapAt(iova, pgsize, pgcount, this.startLevel, this.pgd);
  }

  /** __arm_lpae_unmap(). */
  private unmapAt(iova: number, size: number, pgcount: number, l: number, t: Table): number {
    if (l === MAX_LEVELS) { this.warn('unmap: ran off the last level'); return 0; }
    const idx = this.levelIndex(iova, l);
    const lo = t.d[2 * idx];
    const hi = t.d[2 * idx + 1];
    if (lo === 0 && hi === 0) { this.warn('unmap: nothing mapped (-ENOENT)'); return 0; }
    if (size === this.bsz[l]) {
      const n = Math.min(this.entries[l] - idx, pgcount);
      let i = 0;
      for (; i < n; i++) {
        const elo = t.d[2 * (idx + i)];
        const ehi = t.d[2 * (idx + i) + 1];
        if (elo === 0 && ehi === 0) { this.warn('unmap: hole in range'); break; }
        const sub = t.next[idx + i];
        t.d[2 * (idx + i)] = 0;
        t.d[2 * (idx + i) + 1] = 0;
        t.next[idx + i] = null;
        if (!ArmLpaePgtable.isLeaf(elo, l) && sub) this.freeTableTree(sub); // after io_pgtable_tlb_flush_walk
      }
      return i * size;
    }
    if (ArmLpaePgtable.isLeaf(lo, l)) return this.splitBlkUnmap(iova, size, lo, hi, l + 1, t, idx, pgcount);
    return this.unmapAt(iova, size, pgcount, l + 1, t.next[idx]!);
  }

  /**
   * arm_lpae_split_blk_unmap(): replace the block by a next-level table mapping everything but the
   * unmapped part (one level at a time), attributes copied with iopte_prot() (bits 11:2, XN, DBM).
   */
  private splitBlkUnmap(iova: number, size: number, blo: number, bhi: number, l: number, parent: Table, pidx: number, pgcount: number): number {
    if (l === MAX_LEVELS) { this.warn('split: cannot split a page'); return 0; }
    const n = this.entries[l];
    const splitSz = this.bsz[l];
    let start = -1;
    let num = 0;
    if (size === splitSz) {
      start = this.levelIndex(iova, l);
      num = Math.min(n - start, pgcount);
    }
    const nt = this.newTable(n);
    const blkPaddr = this.pteToPaddr(blo, bhi);
    const plo = (blo & (0x3ff << 2)) >>> 0; // ARM_LPAE_PTE_ATTR_LO_MASK
    const phi = (bhi & ((3 << 21) | (1 << 19))) >>> 0; // XN (54:53) | DBM (51)
    for (let i = 0; i < n; i++) {
      if (i >= start && i < start + num) continue;
      this.writeLeaves(nt, i, blkPaddr + i * splitSz, plo, phi, l, 1);
    }
    const [tlo, thi] = this.paddrToPte(nt.pa);
    parent.d[2 * pidx] = (tlo | 3) >>> 0;
    parent.d[2 * pidx + 1] = thi;
    parent.next[pidx] = nt;
    if (start >= 0) return num * size;
    return this.unmapAt(iova, size, pgcount, l, nt);
  }

  // ---- walks ------------------------------------------------------------------

  /** arm_lpae_iova_to_phys(): the software walk. 0 = not mapped (or mapped to PA 0). Fast path, no events. */
  iovaToPhys(iova: number): number {
    let t: Table | null = this.pgd;
    const div = this.div;
    const mask = this.mask;
    for (let l = this.startLevel; l < MAX_LEVELS && t !== null; l++) {
      // The quotient is < 2^53; `&` takes it modulo 2^32 first, which keeps the low index bits exact.
      const idx = (Math.floor(iova / div[l]) & mask[l]) * 2;
      const lo = t.d[idx];
      const hi = t.d[idx + 1];
      if (lo === 0 && hi === 0) return 0;
      if (l === 3 ? (lo & 3) === 3 : (lo & 3) === 1) return this.pteToPaddr(lo, hi) + iova % this.bsz[l];
      t = t.next[idx >> 1];
    }
    return 0;
  }

  /** The same walk, recording each level's index and descriptor. `leafLevel` = -1 when nothing is mapped. */
  walk(iova: number): { out: number; levels: WalkLevel[]; leafLevel: number; lo: number; hi: number } {
    const levels: WalkLevel[] = [];
    let t: Table | null = this.pgd;
    for (let l = this.startLevel; l < MAX_LEVELS && t !== null; l++) {
      const idx = this.levelIndex(iova, l);
      const lo = t.d[2 * idx];
      const hi = t.d[2 * idx + 1];
      const descriptor = (BigInt(hi) << 32n) | BigInt(lo);
      if (lo === 0 && hi === 0) { levels.push({ level: l, index: idx, descriptor, next: 0n }); return { out: 0, levels, leafLevel: -1, lo, hi }; }
      if (ArmLpaePgtable.isLeaf(lo, l)) {
        const out = this.pteToPaddr(lo, hi) + iova % this.bsz[l];
        levels.push({ level: l, index: idx, descriptor, next: BigInt(this.pteToPaddr(lo, hi)) });
        return { out, levels, leafLevel: l, lo, hi };
      }
      const nt: Table | null = t.next[idx];
      levels.push({ level: l, index: idx, descriptor, next: BigInt(nt ? nt.pa : this.pteToPaddr(lo, hi)) });
      t = nt;
    }
    return { out: 0, levels, leafLevel: -1, lo: 0, hi: 0 };
  }

  /** The leaf descriptor for an IOVA as a bigint (0n if none). */
  leafPte(iova: number): bigint {
    const w = this.walk(iova);
    return w.leafLevel < 0 ? 0n : (BigInt(w.hi) << 32n) | BigInt(w.lo);
  }

  /** Stage-1 TCR/MAIR/TTBR values (arm_64_lpae_alloc_pgtable_s1). */
  s1Regs(): S1Regs {
    const tg0 = this.granule === 4096 ? 0 : this.granule === 65536 ? 1 : 2;
    return {
      tsz: 64 - this.ias, tg0,
      sh: this.coherentWalk ? 3 : 2, irgn: this.coherentWalk ? 1 : 0, orgn: this.coherentWalk ? 1 : 0,
      ips: ipsCode(this.oas), mair: 0xf404_ff44n, ttbr: BigInt(this.pgd.pa),
    };
  }

  /** Frees every table (free_io_pgtable_ops). */
  free(): void { this.freeTableTree(this.pgd); }
}

/** ARM_LPAE_TCR_PS_* code for an output size, -1 if unsupported. */
export function ipsCode(oas: number): number {
  return ({ 32: 0, 36: 1, 40: 2, 42: 3, 44: 4, 48: 5, 52: 6 } as Record<number, number>)[oas] ?? -1;
}
