// Minimal x86 IOMMU page tables for the AMD / Intel variants of
// iommu_iova_to_phys (facts §4.2): levels of 512 entries, 4K leaves only.
// Intel: 4 levels (48-bit AGAW). AMD v1: 3 levels to start with
// (amd/io_pgtable.c:570 v1_alloc_pgtable, PAGE_MODE_3_LEVEL), one more each
// time an IOVA past PM_LEVEL_SIZE(mode) is mapped (:180 increase_address_space:
// the old root becomes entry 0 of a new one), up to 6.
// Descriptor encodings [recall]:
//   Intel VT-d second level: R bit 0, W bit 1, address 51:12, same bits on non-leaf entries.
//   AMD v1: PR bit 0, next level 11:9 (non-leaf), FC bit 60, IR bit 61, IW bit 62, address 51:12.

import type { WalkLevel } from './types';
import { IOMMU_READ, IOMMU_WRITE } from './io-pgtable-arm';

const ADDR_MASK = 0x000f_ffff_ffff_f000n;

interface XTable { pa: bigint; d: BigUint64Array; next: (XTable | null)[] }

export class X86Pgtable {
  readonly granule = 4096;
  readonly ias = 48;
  private root: XTable;
  private bump = 0x7000_0000n;
  /** Levels of the table now: the walk's first is this one. */
  private depth: number;

  constructor(readonly vendor: 'intel' | 'amd') {
    this.root = this.newTable();
    this.depth = vendor === 'amd' ? 3 : 4;
  }

  /** AMD's increase_address_space(): a new root above the old one until `iova` fits (PM_LEVEL_SIZE). */
  private grow(iova: number): void {
    while (this.vendor === 'amd' && this.depth < 6 && iova >= 2 ** (12 + 9 * this.depth)) {
      const top = this.newTable();
      top.next[0] = this.root;
      this.depth++;
      top.d[0] = this.nonLeaf(this.root.pa, this.depth);
      this.root = top;
    }
  }

  private newTable(): XTable {
    const pa = this.bump;
    this.bump += 0x1000n;
    return { pa, d: new BigUint64Array(512), next: new Array<XTable | null>(512).fill(null) };
  }

  private nonLeaf(pa: bigint, level: number): bigint {
    return this.vendor === 'intel' ? pa | 3n : pa | 1n | (BigInt(level - 1) << 9n) | (1n << 61n) | (1n << 62n);
  }

  private leaf(pa: bigint, prot: number): bigint {
    if (this.vendor === 'intel') return pa | (prot & IOMMU_READ ? 1n : 0n) | (prot & IOMMU_WRITE ? 2n : 0n);
    return pa | 1n | (1n << 60n) | (prot & IOMMU_READ ? 1n << 61n : 0n) | (prot & IOMMU_WRITE ? 1n << 62n : 0n);
  }

  present(pte: bigint): boolean { return this.vendor === 'intel' ? (pte & 3n) !== 0n : (pte & 1n) !== 0n; }
  static idx(iova: number, level: number): number { return Math.floor(iova / 2 ** (12 + 9 * (level - 1))) % 512; }

  /** Maps one 4K page; -17 if something is there. */
  map(iova: number, pa: number, prot: number): number {
    this.grow(iova);
    let t = this.root;
    for (let level = this.depth; level > 1; level--) {
      const i = X86Pgtable.idx(iova, level);
      if (!t.next[i]) {
        const nt = this.newTable();
        t.next[i] = nt;
        t.d[i] = this.nonLeaf(nt.pa, level);
      }
      t = t.next[i]!;
    }
    const i = X86Pgtable.idx(iova, 1);
    if (t.d[i] !== 0n) return -17;
    t.d[i] = this.leaf(BigInt(pa), prot);
    return 0;
  }

  unmap(iova: number): number {
    let t: XTable | null = this.root;
    if (iova >= 2 ** (12 + 9 * this.depth)) return 0;
    for (let level = this.depth; level > 1 && t; level--) t = t.next[X86Pgtable.idx(iova, level)];
    if (!t) return 0;
    const i = X86Pgtable.idx(iova, 1);
    if (t.d[i] === 0n) return 0;
    t.d[i] = 0n;
    return 4096;
  }

  /** pfn_to_dma_pte / fetch_pte: the leaf (level 1) or the first non-present entry. */
  walk(iova: number): { levels: WalkLevel[]; pte: bigint; level: number } {
    const levels: WalkLevel[] = [];
    let t: XTable | null = this.root;
    // (An IOVA past what the table covers: fetch_pte() finds nothing, as the kernel's returns NULL.)
    if (iova >= 2 ** (12 + 9 * this.depth)) return { levels, pte: 0n, level: this.depth };
    for (let level = this.depth; level >= 1 && t; level--) {
      const i = X86Pgtable.idx(iova, level);
      const pte = t.d[i];
      const nt: XTable | null = level > 1 ? t.next[i] : null;
      levels.push({ level, index: i, descriptor: pte, next: pte === 0n ? 0n : nt ? nt.pa : pte & ADDR_MASK });
      if (!this.present(pte) || level === 1) return { levels, pte, level };
      t = nt;
    }
    return { levels, pte: 0n, level: 1 };
  }

  static addr(pte: bigint): bigint { return pte & ADDR_MASK; }
}
