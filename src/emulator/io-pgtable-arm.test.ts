// io-pgtable-arm: geometry, index formulas, descriptor encoding (facts §1) and
// the kernel's selftest configurations (arm_lpae_run_tests, facts §2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArmLpaePgtable, restrictPgsizes, EEXIST, ERANGE, EINVAL,
  IOMMU_READ, IOMMU_WRITE, IOMMU_CACHE, IOMMU_NOEXEC, IOMMU_MMIO,
} from './io-pgtable-arm';

const G1 = 2 ** 30;
const SZ = { 4096: [4096, 2 ** 21, 2 ** 30], 16384: [16384, 2 ** 25], 65536: [65536, 2 ** 29] } as const;

test('geometry table (stage 1): levels, start level, pgd entries, level shifts', () => {
  const rows: [number, number, number, number, number][] = [
    [4096, 32, 3, 1, 4], [4096, 36, 3, 1, 64], [4096, 40, 4, 0, 2], [4096, 42, 4, 0, 8], [4096, 44, 4, 0, 32], [4096, 48, 4, 0, 512],
    [16384, 32, 2, 2, 128], [16384, 36, 2, 2, 2048], [16384, 40, 3, 1, 16], [16384, 44, 3, 1, 256], [16384, 48, 4, 0, 2],
    [65536, 32, 2, 2, 8], [65536, 40, 2, 2, 2048], [65536, 42, 2, 2, 8192], [65536, 44, 3, 1, 4], [65536, 48, 3, 1, 64],
  ];
  for (const [g, ias, levels, start, pgd] of rows) {
    const pt = new ArmLpaePgtable({ pgsizes: [...SZ[g as 4096]], ias, oas: 48 });
    assert.equal(pt.granule, g);
    assert.equal(pt.levels, levels, `${g}/${ias}`);
    assert.equal(pt.startLevel, start, `${g}/${ias}`);
    assert.equal(pt.entriesAt(start), pgd, `${g}/${ias}`);
    assert.equal(pt.pgd.bytes, 8 * pgd);
  }
  const s = (g: number) => new ArmLpaePgtable({ pgsizes: [...SZ[g as 4096]], ias: 48, oas: 48 });
  assert.deepEqual([0, 1, 2, 3].map((l) => Math.log2(s(4096).blockSize(l))), [39, 30, 21, 12]);
  assert.deepEqual([0, 1, 2, 3].map((l) => Math.log2(s(16384).blockSize(l))), [47, 36, 25, 14]);
  assert.deepEqual([1, 2, 3].map((l) => Math.log2(s(65536).blockSize(l))), [42, 29, 16]);
});

test('stage 2 concatenates a small level-0 table', () => {
  const s2 = new ArmLpaePgtable({ pgsizes: [4096, 2 ** 21, 2 ** 30], ias: 40, oas: 48, stage: 2 });
  assert.equal(s2.startLevel, 1);
  assert.equal(s2.entriesAt(1), 1024);
  const big = new ArmLpaePgtable({ pgsizes: [4096, 2 ** 21, 2 ** 30], ias: 48, oas: 48, stage: 2 });
  assert.equal(big.startLevel, 0, '512 level-0 entries: no concatenation');
});

test('arm_lpae_restrict_pgsizes picks the granule from PAGE_SIZE and trims sizes', () => {
  assert.deepEqual(restrictPgsizes([4096, 65536, 2 ** 21, 2 ** 29, 2 ** 30], 65536, 48), { granule: 65536, sizes: [65536, 2 ** 29] });
  assert.deepEqual(restrictPgsizes([4096, 65536, 2 ** 21, 2 ** 29, 2 ** 30], 4096, 48), { granule: 4096, sizes: [4096, 2 ** 21, 2 ** 30] });
  assert.deepEqual(restrictPgsizes([16384, 2 ** 25], 4096, 48).granule, 16384, 'smallest above PAGE_SIZE');
  assert.deepEqual(restrictPgsizes([4096, 2 ** 21], 65536, 48).granule, 4096, 'largest below PAGE_SIZE');
  assert.deepEqual(restrictPgsizes([65536, 2 ** 29, 2 ** 42], 65536, 52).sizes, [65536, 2 ** 29, 2 ** 42]);
  assert.deepEqual(restrictPgsizes([65536, 2 ** 29, 2 ** 42], 65536, 48).sizes, [65536, 2 ** 29]);
});

test('worked index examples (facts §1.2)', () => {
  const p4 = new ArmLpaePgtable({ pgsizes: [4096], ias: 48, oas: 48 });
  const idx = (pt: ArmLpaePgtable, iova: number, from: number) => [0, 1, 2, 3].slice(from).map((l) => pt.levelIndex(iova, l));
  assert.deepEqual(idx(p4, 0xffffe042, 0), [0, 3, 511, 510]);
  assert.deepEqual(idx(p4, 0x1234_5678_9abc, 0), [36, 209, 179, 393]);
  const p16 = new ArmLpaePgtable({ pgsizes: [16384], ias: 48, oas: 48 });
  assert.deepEqual(idx(p16, 0xffffe042, 0), [0, 0, 127, 2047]);
  const p64 = new ArmLpaePgtable({ pgsizes: [65536], ias: 48, oas: 48 });
  assert.deepEqual(idx(p64, 0xfffe1234, 1), [0, 7, 8190]);
  assert.deepEqual(idx(p64, 0x1234_5678_9abc, 1), [4, 4514, 5752]);
});

test('descriptor encoding: attribute bits, the 64K PTE example, MSI doorbell, 52-bit PA packing', () => {
  const pt = new ArmLpaePgtable({ pgsizes: [65536, 2 ** 29], ias: 48, oas: 48, kernelPageSize: 65536 });
  const low = (prot: number) => pt.protToPte(prot)[0] | 3;
  assert.equal(low(IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE), 0xf47);
  assert.equal(low(IOMMU_WRITE | IOMMU_CACHE), 0xf47);
  assert.equal(low(IOMMU_READ | IOMMU_CACHE), 0xfc7);
  assert.equal(low(IOMMU_WRITE), 0xe43);
  const [mlo, mhi] = pt.protToPte(IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_MMIO);
  assert.equal((BigInt(mhi) << 32n) | BigInt(mlo | 3), 0x0060_0000_0000_0e4bn);
  assert.equal(pt.map(0xfffe_0000, 0x9_1230_0000, 65536, 1, IOMMU_WRITE | IOMMU_CACHE).ret, 0);
  assert.equal(pt.leafPte(0xfffe_0000), 0x9_1230_0f47n);
  assert.equal(pt.map(0x2000_0000, 0x8000_0000, 2 ** 29, 1, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE).ret, 0);
  assert.equal(pt.leafPte(0x2000_0000) & 0xfffn, 0xf45n, 'block ends in 5 at level 2');
  const p52 = new ArmLpaePgtable({ pgsizes: [65536], ias: 52, oas: 52, kernelPageSize: 65536 });
  const [lo, hi] = p52.paddrToPte(0xf_1234_5678_0000);
  assert.equal((BigInt(hi) << 32n) | BigInt(lo), 0x1234_5678_f000n);
  assert.equal(p52.pteToPaddr(lo, hi), 0xf_1234_5678_0000);
  for (const g of [4096, 16384, 65536] as const) {
    const q = new ArmLpaePgtable({ pgsizes: [g], ias: 48, oas: 48, kernelPageSize: g });
    for (const pa of [0, g, 0x8000_0000, 0xfff_ffff_0000 - (0xfff_ffff_0000 % g)]) assert.equal(q.pteToPaddr(...q.paddrToPte(pa)), pa);
  }
  const regs = pt.s1Regs();
  assert.deepEqual([regs.tsz, regs.tg0, regs.sh, regs.irgn, regs.ips, regs.mair], [16, 1, 3, 1, 5, 0xf404_ff44n]);
});

test('map/unmap semantics: -EINVAL, -ERANGE, -EEXIST, block over table, split one level at a time', () => {
  const pt = new ArmLpaePgtable({ pgsizes: [4096, 2 ** 21, 2 ** 30], ias: 48, oas: 48 });
  assert.equal(pt.map(0, 0, 8192, 1, IOMMU_READ).ret, EINVAL);
  assert.equal(pt.map(2 ** 48, 0, 4096, 1, IOMMU_READ).ret, ERANGE);
  assert.equal(pt.map(0, 2 ** 48, 4096, 1, IOMMU_READ).ret, ERANGE);
  assert.equal(pt.map(0, 0, 4096, 1, IOMMU_NOEXEC).ret, EINVAL);
  assert.equal(pt.map(G1, 0x4000_0000, 4096, 4, IOMMU_READ).mapped, 4 * 4096, 'pgcount leaves in one call');
  const tablesBefore = pt.tableCount;
  assert.equal(pt.map(G1, 0x8000_0000, 2 ** 21, 1, IOMMU_READ).ret, 0, 'block over a table');
  assert.equal(pt.tableCount, tablesBefore - 1, 'the level-3 table is freed');
  assert.equal(pt.iovaToPhys(G1 + 4096 + 5), 0x8000_1005, 'the small mappings disappeared');
  assert.equal(pt.map(G1 + 4096, 0, 4096, 1, IOMMU_READ).ret, EEXIST, 'page inside a block');
  assert.equal(pt.map(2 * G1, 0x4000_0000, G1, 1, IOMMU_READ).ret, 0);
  assert.equal(pt.unmap(2 * G1 + 4096, 4096, 1), 4096);
  const w = pt.walk(2 * G1 + 2 ** 21 + 7);
  assert.equal(w.leafLevel, 2, 'split: 2M blocks beside the hole');
  assert.equal(pt.walk(2 * G1 + 8192).leafLevel, 3, '4K pages in the split 2M');
  assert.equal(pt.iovaToPhys(2 * G1 + 4096), 0);
  assert.equal(pt.iovaToPhys(2 * G1 + 8192 + 3), 0x4000_2003);
  assert.equal(pt.unmap(5 * G1, 4096, 1), 0, 'nothing there');
  assert.equal(pt.iovaToPhys(2 ** 48 + 2 * G1 + 8192 + 3), 0x4000_2003, 'no IAS check in the software walk');
});

// arm_lpae_run_tests(): 18 configurations × {S1, S2}.
function runSelftest(pgsizes: number[], ias: number, stage: 1 | 2): void {
  const pt = new ArmLpaePgtable({ pgsizes, ias, oas: 48, stage, coherentWalk: true });
  pt.selftestRunning = true;
  const sizes = pt.pgsizes;
  // 1. empty table
  for (const a of [42, G1 + 42, 2 * G1 + 42]) assert.equal(pt.iovaToPhys(a), 0);
  // 2. distinct mappings of each page size
  sizes.forEach((size, k) => {
    const iova = k * G1;
    assert.equal(pt.map(iova, iova, size, 1, IOMMU_READ | IOMMU_WRITE | IOMMU_NOEXEC | IOMMU_CACHE).ret, 0);
    assert.notEqual(pt.map(iova, iova + size, size, 1, IOMMU_READ | IOMMU_NOEXEC).ret, 0, 'overlap must fail');
    assert.equal(pt.iovaToPhys(iova + 42), iova + 42);
  });
  // 3. partial unmap
  const size = sizes[0];
  assert.equal(pt.unmap(G1 + size, size, 1), size);
  // 4. remap of partial unmap
  assert.equal(pt.map(G1 + size, size, size, 1, IOMMU_READ).ret, 0);
  assert.equal(pt.iovaToPhys(G1 + size + 42), size + 42);
  // 5. full unmap and remap
  sizes.forEach((sz, k) => {
    const iova = k * G1;
    assert.equal(pt.unmap(iova, sz, 1), sz);
    assert.equal(pt.iovaToPhys(iova + 42), 0);
    assert.equal(pt.map(iova, iova, sz, 1, IOMMU_WRITE).ret, 0);
    assert.equal(pt.iovaToPhys(iova + 42), iova + 42);
  });
  assert.equal(pt.warnings.length, 0, pt.warnings.join('; '));
  pt.free();
  assert.equal(pt.tableCount, 0);
}

test('io-pgtable-arm selftests: 18 configurations × S1 and S2 pass', () => {
  let pass = 0;
  for (const bitmap of [[4096, 2 ** 21, 2 ** 30], [16384, 2 ** 25], [65536, 2 ** 29]]) {
    for (const ias of [32, 36, 40, 42, 44, 48]) {
      for (const stage of [1, 2] as const) { runSelftest(bitmap, ias, stage); pass++; }
    }
  }
  assert.equal(pass, 36);
});
