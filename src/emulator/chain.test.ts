// The generic chain program and the matrix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChain, runMatrix, parsePlatform, listPlatforms, normaliseChain, toJson } from './index';

const NICVF = ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'];

test('the nicvf chain: correct with a DMA domain, wrong on identity/2017, dma-ranges, SWIOTLB', () => {
  const o = (spec: string) => runChain(NICVF, parsePlatform(spec)).outcome;
  assert.deepEqual(o('arm64-64k-smmuv3'), ['correct']);
  assert.deepEqual(o('arm64-64k'), ['correct'], 'no IOMMU, no offset: identity happens to work');
  assert.ok(o('thunderx-2017-identity').includes('null'));
  assert.ok(o('arm64-64k-dma-ranges').includes('fault'));
  assert.deepEqual(o('arm64-64k-swiotlb-force'), ['bounce-slot', 'leak']);
  assert.ok(o('arm64-64k-smmuv3-untrusted').includes('bounce-slot'));
  assert.ok(o('arm64-64k,iommu=smmuv3,domain=blocked').includes('null'));
});

test('the fixed pattern (pfn_to_page(PHYS_PFN(p)) on the driver\'s own linear VA) is correct everywhere it can run', () => {
  for (const p of listPlatforms()) {
    const r = runChain(['linear-va', 'virt-to-phys', 'pfn-to-page', 'page-address', 'cpu-access'], parsePlatform(p.name));
    assert.deepEqual(r.outcome, ['correct'], p.name);
  }
});

test('vmalloc, coherent and ioremap sources', () => {
  const v = runChain(['vmalloc-va', 'virt-to-page', 'put-page'], parsePlatform('arm64-4k'));
  assert.ok(v.outcome.includes('map-error') && v.outcome.includes('fault'));
  const c = runChain(['coherent-va', 'virt-to-phys', 'to-device'], parsePlatform('arm64-64k-smmuv3'));
  assert.ok(c.outcome.includes('fault') || c.outcome.includes('wrong-page'), c.outcome.join());
  assert.ok(c.truth.va! >= 0xffff8000_80000000n, 'dma-iommu remaps coherent memory into vmalloc space');
  const cd = runChain(['coherent-va', 'virt-to-phys', 'pfn-to-page', 'page-address', 'cpu-access'], parsePlatform('arm64-64k'));
  assert.deepEqual(cd.outcome, ['correct'], 'dma-direct coherent memory is in the linear map');
  const io = runChain(['ioremap-va', 'virt-to-page'], parsePlatform('arm64-64k'));
  assert.ok(io.outcome.includes('fault'));
  assert.equal(io.truth.page, null);
});

test('after-unmap chains: strict reuses the IOVA (wrong page), DMA_FQ gives 0 and a stale IOTLB', () => {
  const ch = ['dma-handle', 'dma-unmap', 'iova-to-phys', 'phys-to-virt', 'virt-to-page', 'put-page'];
  assert.ok(runChain(ch, parsePlatform('arm64-64k-smmuv3')).outcome.includes('wrong-page'));
  const fq = runChain(ch, parsePlatform('arm64-64k-smmuv3-fq')).outcome;
  assert.ok(fq.includes('null') && fq.includes('stale-iotlb'), fq.join());
});

test('iova-to-phys without a domain is a NULL dereference; identity without IOMMU is the DMA address', () => {
  assert.ok(runChain(['dma-handle', 'iova-to-phys', 'phys-to-virt'], parsePlatform('arm64-64k')).outcome.includes('fault'));
  const r = runChain(['dma-handle', 'identity', 'phys-to-virt', 'cpu-access'], parsePlatform('arm64-64k'));
  assert.deepEqual(r.outcome, ['correct']);
  assert.ok(r.events.some((e) => e.op === 'translate' && e.fn === 'identity'));
});

test('chain words: aliases accepted, bad words named', () => {
  assert.deepEqual(normaliseChain(['dma-handle', 'iova-to-phys|identity', '__va', 'virt_to_head_page', 'page_frag_free']),
    ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page']);
  assert.throws(() => normaliseChain(['phys-to-virt']), /bad chain source 'phys-to-virt'/);
  assert.throws(() => normaliseChain(['dma-handle', 'teleport']), /bad chain step 'teleport'/);
  // Alternatives: only the nicvf helper's choice. A `|` in the source ran the ioremap program unasked;
  // `put-page|cpu-access` ran put-page, "because" of the IOMMU domain.
  assert.deepEqual(normaliseChain(['dma-handle', 'identity|iova-to-phys']), ['dma-handle', 'identity|iova-to-phys']);
  assert.throws(() => normaliseChain(['dma-handle|linear-va', 'phys-to-virt']), /^Error: bad chain source 'dma-handle\|linear-va': a chain starts from one source$/);
  assert.throws(() => normaliseChain(['dma-handle', 'identity', 'put-page|cpu-access']), /bad chain step 'put-page\|cpu-access': the one choice a step can offer is iova-to-phys\|identity/);
  // Object's own names are words like any other, not its built-ins.
  assert.throws(() => normaliseChain(['dma-handle', '__proto__']), /bad chain step '__proto__'/);
  assert.throws(() => normaliseChain(['constructor']), /bad chain source 'constructor'/);
  // A pasted 100 KB word is not echoed whole.
  assert.throws(() => normaliseChain(['x'.repeat(100_000)]), (e: Error) => e.message.length < 200 && e.message.includes(`'${'x'.repeat(40)}…'`));
});

test('a chain that stops at the DMA address uses it as nothing: correct on every platform (its number being RAM or not is no verdict)', () => {
  for (const r of runMatrix(['dma-handle']).rows) assert.ok(!r.outcome.includes('wrong-page'), `${r.platform.name}: ${r.outcome.join(',')}`);
});

test('virt_addr_valid() of coherent memory (a linear-map-assumption chain) replays: its answer per platform is the point', () => {
  const m = runMatrix(['coherent-va', 'virt_addr_valid']);
  assert.deepEqual(m.chain, ['coherent-va', 'virt-addr-valid']);
  const answer = (name: string) => m.rows.find((r) => r.platform.name === name)?.answer;
  // dma-direct hands out the linear map; dma-iommu remaps a blocking allocation (iommu_dma_alloc_remap).
  assert.equal(answer('arm64-64k'), 'virt_addr_valid() = true');
  assert.equal(answer('arm64-64k-smmuv3'), 'virt_addr_valid() = false');
  for (const r of m.rows) assert.deepEqual(r.outcome, ['correct'], 'a test reads no wrong memory');
  assert.equal(runChain(['dma-handle', 'identity', 'phys-to-virt'], parsePlatform('arm64-64k')).answer, undefined);
});

test('matrix: one row per preset, no events, outcomes differ across platforms', () => {
  const mx = runMatrix(NICVF);
  assert.equal(mx.rows.length, listPlatforms().length);
  assert.ok(mx.rows.every((r) => r.events.length === 0 && r.outcome.length > 0));
  const words = new Set(mx.rows.flatMap((r) => r.outcome));
  for (const w of ['correct', 'null', 'fault', 'bounce-slot', 'wrong-page']) assert.ok(words.has(w as never), w);
});

test('verdicts follow the trace: an oops, a dead handle unmapped again, a lookup that drops the offset, PA 0 that is RAM', () => {
  const run = (chain: string[], spec: string) => runChain(chain, parsePlatform(spec));
  // put_page on a count already 0: the VM_BUG_ON row is an oops, not "correct".
  const twice = run(['dma-handle', 'iova-to-phys', 'put-page', 'put-page'], 'arm64-64k-smmuv3');
  assert.ok(twice.events.some((e) => e.op === 'fault' && e.event.startsWith('VM_BUG_ON')));
  assert.deepEqual(twice.outcome, ['fault']);
  // A second dma_unmap of the handle after the IOVA went to the next buffer removes that buffer's mapping.
  const unmap2 = run(['dma-handle', 'dma-unmap', 'dma-unmap'], 'arm64-64k-smmuv3');
  assert.deepEqual(unmap2.outcome, ['wrong-page']);
  assert.ok(unmap2.events.some((e) => e.op === 'translate' && /second unmap/.test(e.note ?? '')));
  // dma-direct does not notice a second unmap (no lookup): said in the trace, no verdict of its own.
  const direct = run(['dma-handle', 'dma-unmap', 'dma-unmap'], 'arm64-64k');
  assert.deepEqual(direct.outcome, ['correct']);
  assert.ok(direct.events.some((e) => e.op === 'translate' && /CONFIG_DMA_API_DEBUG/.test(e.note ?? '')));
  // Intel v5.3–v5.5 returns the page without the in-page offset: another buffer of that page is read.
  assert.deepEqual(run(NICVF, 'x86-intel-5.4').outcome, ['wrong-page']);
  assert.deepEqual(run(NICVF, 'x86-intel').outcome, ['correct']);
  // DRAM from PA 0 (ThunderX-class): the identity lookup's 0 is a page the code then reads — wrong page, not only "no answer".
  const zero = run(['dma-handle', 'iova-to-phys', 'phys-to-virt', 'cpu-access'], 'thunderx-numa-smmuv2,domain=identity,era=2017');
  assert.deepEqual(zero.outcome, ['wrong-page', 'null']);
  assert.ok(!run(['dma-handle', 'iova-to-phys', 'phys-to-virt', 'cpu-access'], 'thunderx-2017-identity').outcome.includes('wrong-page'), 'PA 0 not RAM: null (and the fault)');
  // The device write of a to-device step is a row of the trace.
  const dev = run(['vmalloc-va', 'virt-to-phys', 'to-device'], 'arm64-4k');
  assert.ok(dev.events.some((e) => e.op === 'translate' && e.fn === 'device write' && /not the buffer/.test(e.note ?? '')));
});

test('a vmalloc area starts on a page of its size: a 64K-page CPU access reads the buffer', () => {
  for (const spec of ['arm64-4k', 'arm64-64k', 'arm64-64k,page=16k']) {
    const r = runChain(['vmalloc-va', 'cpu-access'], parsePlatform(spec));
    const va = r.truth.va!;
    const page = spec.includes('16k') ? 0x4000n : spec.includes('64k') ? 0x10000n : 0x1000n;
    assert.equal(va % page, 0n, spec);
    assert.ok(r.outcome.includes('map-error') && !r.outcome.includes('wrong-page') && !r.outcome.includes('fault'), `${spec}: ${r.outcome.join()}`);
  }
});

// The code's test for 0 of a step's result (the checker's guard): `if (phys_addr) put_page(…)`.
const NICVF_GUARD = { step: 1 };

test('a guard on the lookup: on identity/2017 the driver skips put_page — null and a leaked page, no oops', () => {
  const pl = parsePlatform('thunderx-2017-identity');
  assert.deepEqual(runChain(NICVF, pl).outcome, ['null', 'fault'], 'without the test: put_page on a bogus struct page');
  const r = runChain(NICVF, pl, { guard: NICVF_GUARD });
  assert.deepEqual(r.outcome, ['null', 'leak']);
  assert.deepEqual(r.guard, NICVF_GUARD);
  assert.deepEqual(r.values, ['0x912300780', '0x0', 'skipped', 'skipped', 'skipped']);
  assert.ok(!r.events.some((e) => e.op === 'fault' || e.op === 'page-put'), 'nothing after the test ran');
  const skip = r.events.filter((e) => e.op === 'translate' && e.fn === 'note' && /gave 0 and the driver tests for it/.test(e.note ?? ''));
  assert.equal(skip.length, 1);
  assert.equal(skip[0].step, 1, 'the note belongs to the tested step');
  assert.match(skip[0].note!, /skips phys-to-virt → virt-to-page → put-page; put_page is not done/);
  // The early-return form before a CPU access (nicvf_get_rcv_skb): no put_page skipped, no leak to report.
  assert.deepEqual(runChain(['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'cpu-access'], pl, { guard: NICVF_GUARD }).outcome, ['null']);
  // DRAM from PA 0: without the test the 0 is a page the code reads (wrong page); with it, nothing is read.
  const zero = ['dma-handle', 'iova-to-phys', 'phys-to-virt', 'cpu-access'];
  const numa = parsePlatform('thunderx-numa-smmuv2,domain=identity,era=2017');
  assert.deepEqual(runChain(zero, numa).outcome, ['wrong-page', 'null']);
  assert.deepEqual(runChain(zero, numa, { guard: NICVF_GUARD }).outcome, ['null']);
  // JSON of the run says which step was tested (only when one was).
  assert.deepEqual((toJson(r) as { guard?: unknown }).guard, NICVF_GUARD);
  assert.ok(!('guard' in (toJson(runChain(NICVF, pl)) as object)));
});

test('a guard changes nothing where the tested value is not 0: the whole matrix with and without it', () => {
  const chains: [string[], number][] = [
    [NICVF, 1],
    [['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'cpu-access'], 1],
    [['dma-handle', 'dma-unmap', 'iova-to-phys', 'phys-to-virt', 'virt-to-page', 'put-page'], 2],
    [['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'], 3],
    [['linear-va', 'virt-to-phys', 'pfn-to-page', 'page-address', 'cpu-access'], 3],
  ];
  let zeros = 0;
  for (const [chain, step] of chains) {
    const plain = runMatrix(chain);
    const guarded = runMatrix(chain, { guard: { step } });
    assert.deepEqual(guarded.guard, { step });
    assert.equal(guarded.rows.length, plain.rows.length);
    plain.rows.forEach((p, i) => {
      const g = guarded.rows[i];
      const what = `${chain.join(',')} @${step} on ${p.platform.name}`;
      assert.equal(g.platform.name, p.platform.name);
      if (p.values?.[step] !== '0x0') {
        const { guard, ...rest } = g;
        assert.deepEqual(guard, { step }, what);
        assert.deepEqual(rest, p, what);
        return;
      }
      zeros++;
      // A 0 there: the run ends at the test — what it did before is the same, nothing after it happens.
      assert.deepEqual(g.values, [...p.values!.slice(0, step + 1), ...chain.slice(step + 1).map(() => 'skipped')], what);
      assert.deepEqual(g.truth, p.truth, what);
      assert.ok(g.outcome.includes('null') && !g.outcome.includes('fault') && !g.outcome.includes('wrong-page'), `${what}: ${g.outcome.join()}`);
      assert.equal(g.outcome.includes('leak'), chain.slice(step + 1).includes('put-page'), `${what}: ${g.outcome.join()}`);
      // (What happened before the test stays: a stale IOTLB at the unmap, a bounce.)
      for (const o of ['stale-iotlb', 'map-error'] as const) assert.equal(g.outcome.includes(o), p.outcome.includes(o), `${what}: ${o}`);
    });
  }
  assert.ok(zeros >= 4, `${zeros} rows where the tested value is 0 (identity/2017, BLOCKED, DMA_FQ after unmap, …)`);
});

test('a guard is checked against the chain: one-line errors', () => {
  const pl = parsePlatform('arm64-64k');
  const err = (guard: unknown) => {
    try {
      runChain(NICVF, pl, { guard: guard as { step: number } });
    } catch (e) {
      const m = (e as Error).message;
      assert.ok(!m.includes('\n') && m.length < 200, m);
      return m;
    }
    return 'accepted';
  };
  assert.match(err({ step: 0 }), /^bad guard step 0: expected a whole number from 1 to 4/);
  assert.match(err({ step: 5 }), /^bad guard step .*from 1 to 4 \(a step of this 5-word chain after its source\)$/);
  assert.match(err({ step: 2.5 }), /^bad guard step/);
  assert.match(err({ step: '1' }), /^bad guard step/);
  assert.match(err({ step: 4 }), /^bad guard step 4: put-page gives no value the code could test for 0$/);
  assert.match(err({ step: 1, extra: true }), /^bad guard \{"step":1,"extra":true\}: expected \{ "step": N \}/);
  for (const g of [null, 1, [1], 'step', {}]) assert.match(err(g), /^bad guard /, JSON.stringify(g));
  assert.equal(err({ step: 3 }), 'accepted', 'virt-to-page gives a value');
  assert.throws(() => runMatrix(NICVF, { guard: { step: 9 } }), /^Error: bad guard step/);
});
