// Property test: random map / unmap / iova_to_phys sequences on io-pgtable-arm
// against a simple reference model (a Map from 4K page to PA, plus which 2M
// ranges hold a block or a table), ≥ 1 M operations, 0 divergence. And the
// chain program with a guard against the same chain without one (at the end).
// The reference encodes the kernel's rules (facts §1.4): -EEXIST over a leaf,
// a block over a table drops everything under it, a block-sized unmap of a
// table frees it, a page unmapped out of a block splits the block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ArmLpaePgtable, EEXIST, IOMMU_READ, IOMMU_WRITE } from './io-pgtable-arm';
import { hex, listPlatforms, parsePlatform, runChain, SOURCES, STEPS, toJson } from './index';

const K4 = 4096;
const M2 = 2 ** 21;
const WINDOW_2M = 32; // IOVAs in [0, 64 MiB): dense enough for collisions
const BASE = 0x3_0000_0000; // a window away from IOVA 0, under two top-level entries

type Op =
  | { k: 'map4k'; page: number; pa: number }
  | { k: 'map2m'; blk: number; pa: number }
  | { k: 'unmap4k'; page: number }
  | { k: 'unmap2m'; blk: number }
  | { k: 'xlate'; page: number; off: number };

const pageArb = fc.integer({ min: 0, max: WINDOW_2M * 512 - 1 });
const blkArb = fc.integer({ min: 0, max: WINDOW_2M - 1 });
const paArb = fc.integer({ min: 1, max: 2 ** 23 - 1 }); // PA page frame number (4K), up to 32 GiB
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 30, arbitrary: fc.record({ k: fc.constant('map4k' as const), page: pageArb, pa: paArb }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('map2m' as const), blk: blkArb, pa: paArb }) },
  { weight: 20, arbitrary: fc.record({ k: fc.constant('unmap4k' as const), page: pageArb }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('unmap2m' as const), blk: blkArb }) },
  { weight: 45, arbitrary: fc.record({ k: fc.constant('xlate' as const), page: pageArb, off: fc.integer({ min: 0, max: K4 - 1 }) }) },
);

class Reference {
  /** 4K page index → output PA of that page. */
  readonly pages = new Map<number, number>();
  /** 2M ranges mapped by a block. */
  readonly blocks = new Set<number>();
  /** 2M ranges whose level-2 entry is a table. */
  readonly tables = new Set<number>();

  private clearRange(blk: number): void { for (let p = blk * 512; p < blk * 512 + 512; p++) this.pages.delete(p); }

  map4k(page: number, pa: number): number {
    const blk = page >> 9;
    if (this.blocks.has(blk) || this.pages.has(page)) return EEXIST;
    this.tables.add(blk);
    this.pages.set(page, pa);
    return 0;
  }
  map2m(blk: number, pa: number): number {
    if (this.blocks.has(blk)) return EEXIST;
    this.clearRange(blk);
    this.tables.delete(blk);
    this.blocks.add(blk);
    for (let i = 0; i < 512; i++) this.pages.set(blk * 512 + i, pa + i * K4);
    return 0;
  }
  unmap4k(page: number): number {
    const blk = page >> 9;
    if (this.blocks.has(blk)) { this.blocks.delete(blk); this.tables.add(blk); this.pages.delete(page); return K4; }
    if (!this.pages.has(page)) return 0;
    this.pages.delete(page);
    return K4;
  }
  unmap2m(blk: number): number {
    if (!this.blocks.has(blk) && !this.tables.has(blk)) return 0;
    this.blocks.delete(blk);
    this.tables.delete(blk);
    this.clearRange(blk);
    return M2;
  }
  xlate(page: number, off: number): number {
    const pa = this.pages.get(page);
    return pa === undefined ? 0 : pa + off;
  }
}

function runOps(ops: Op[]): void {
  const pt = new ArmLpaePgtable({ pgsizes: [K4, M2, 2 ** 30], ias: 48, oas: 48 });
  pt.selftestRunning = true;
  const ref = new Reference();
  const prot = IOMMU_READ | IOMMU_WRITE;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    let got: number;
    let want: number;
    switch (op.k) {
      case 'map4k': got = pt.map(BASE + op.page * K4, op.pa * K4, K4, 1, prot).ret; want = ref.map4k(op.page, op.pa * K4); break;
      case 'map2m': {
        const pa = Math.floor(op.pa / 512) * M2;
        got = pt.map(BASE + op.blk * M2, pa, M2, 1, prot).ret; want = ref.map2m(op.blk, pa); break;
      }
      case 'unmap4k': got = pt.unmap(BASE + op.page * K4, K4, 1); want = ref.unmap4k(op.page); break;
      case 'unmap2m': got = pt.unmap(BASE + op.blk * M2, M2, 1); want = ref.unmap2m(op.blk); break;
      case 'xlate': got = pt.iovaToPhys(BASE + op.page * K4 + op.off); want = ref.xlate(op.page, op.off); break;
    }
    if (got !== want) assert.fail(`divergence at op ${i} ${JSON.stringify(op)}: table ${got}, reference ${want}`);
  }
}

const RUNS = 10_000;
const OPS = 100;

test(`io-pgtable-arm vs reference model: ${RUNS} sequences × ${OPS} ops (${(RUNS * OPS).toLocaleString('en')} ops)`, () => {
  let ops = 0;
  fc.assert(fc.property(fc.array(opArb, { minLength: OPS, maxLength: OPS }), (seq) => { runOps(seq); ops += seq.length; }), { numRuns: RUNS, seed: 0x10a1e5 });
  assert.ok(ops >= 1_000_000, `${ops} operations`);
});

test('reference model catches a wrong table (the property can fail)', () => {
  const pt = new ArmLpaePgtable({ pgsizes: [K4, M2, 2 ** 30], ias: 48, oas: 48 });
  pt.map(BASE, 0x1000, K4, 1, IOMMU_READ);
  const ref = new Reference();
  ref.map4k(0, 0x2000); // a different PA
  assert.notEqual(pt.iovaToPhys(BASE + 5), ref.xlate(0, 5));
});

test('decode(encode(pa)) == pa for every granule (52-bit PA with 64K)', () => {
  const tabs = [
    new ArmLpaePgtable({ pgsizes: [K4], ias: 48, oas: 48 }),
    new ArmLpaePgtable({ pgsizes: [16384], ias: 48, oas: 48 }),
    new ArmLpaePgtable({ pgsizes: [65536], ias: 52, oas: 52, kernelPageSize: 65536 }),
  ];
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 }), fc.bigInt({ min: 0n, max: (1n << 52n) - 1n }), (i, pa) => {
    const pt = tabs[i];
    const bits = pt.granule === 65536 ? 52n : 48n;
    const g = BigInt(pt.granule);
    const p = Number((pa & ((1n << bits) - 1n)) / g * g);
    assert.equal(pt.pteToPaddr(...pt.paddrToPte(p)), p);
  }), { numRuns: 20_000 });
});

test('the software walk ignores IOVA bits above ias (aliasing), 64K granule', () => {
  const pt = new ArmLpaePgtable({ pgsizes: [65536, 2 ** 29], ias: 48, oas: 48, kernelPageSize: 65536 });
  for (let i = 0; i < 64; i++) pt.map(0xffff_0000 - i * 0x1_0000, 0x9_0000_0000 + i * 0x1_0000, 65536, 1, IOMMU_WRITE);
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 15 }), (iova, hi) => {
    assert.equal(pt.iovaToPhys(iova + hi * 2 ** 48), pt.iovaToPhys(iova));
  }), { numRuns: 20_000 });
});

// The chain program with a guard (the code's test for 0 of one step's result) against the same run
// without it, as the reference: where the tested value is not 0 the runs are identical, event for
// event; where it is 0 the guarded run is the unguarded one's trace up to that step, then the skip.
const SOURCE_ARB = fc.constantFrom(...SOURCES);
const STEP_ARB = fc.constantFrom(...STEPS, 'iova-to-phys|identity');
const VALUE_STEPS = new Set(['iova-to-phys', 'identity', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-phys', 'virt-to-page', 'pfn-to-page', 'page-address']);

test('chain program: a guard changes nothing where the tested value is not 0, and cuts the trace where it is', () => {
  const presets = listPlatforms().map((p) => parsePlatform(p.name));
  let cut = 0;
  fc.assert(fc.property(SOURCE_ARB, fc.array(STEP_ARB, { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: presets.length - 1 }), fc.nat(), (src, steps, pi, gi) => {
    const chain = [src, ...steps];
    const at = chain.map((w, i) => i).filter((i) => i > 0 && VALUE_STEPS.has(chain[i]));
    fc.pre(at.length > 0);
    const step = at[gi % at.length];
    const pl = presets[pi];
    const plain = runChain(chain, pl);
    const guarded = runChain(chain, pl, { guard: { step } });
    assert.deepEqual(toJson(runChain(chain, pl, { guard: { step } })), toJson(guarded), 'deterministic');
    if (plain.values?.[step] !== '0x0') {
      const { guard, ...rest } = guarded;
      assert.deepEqual(guard, { step });
      assert.deepEqual(rest, plain);
      return;
    }
    cut++;
    const end = plain.events.findIndex((e) => e.step !== undefined && e.step > step);
    const before = end < 0 ? plain.events : plain.events.slice(0, end);
    assert.deepEqual(guarded.events.slice(0, -1), before);
    const last = guarded.events[guarded.events.length - 1];
    assert.ok(last.op === 'translate' && last.fn === 'note' && last.step === step && /gave 0 and the driver tests for it/.test(last.note ?? ''), JSON.stringify(last, (_k, v) => (typeof v === 'bigint' ? hex(v) : v)));
    assert.ok(guarded.outcome.includes('null') && !guarded.outcome.includes('correct'));
  }), { numRuns: 3000, seed: 0x9a4d });
  assert.ok(cut > 50, `${cut} runs cut by their guard`);
});
