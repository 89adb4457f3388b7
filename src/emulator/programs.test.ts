// The nicvf programs on every preset: the fixed form is right everywhere,
// the reviewed form breaks exactly where the facts say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runProgramMatrix, runProgram, parsePlatform, listPrograms, listScenarios, toJson } from './index';

test('nicvf-fixed: correct on every platform preset (no leak, no wrong page)', () => {
  const mx = runProgramMatrix('nicvf-fixed');
  for (const r of mx.rows) assert.deepEqual(r.outcome, ['correct'], r.platform.name);
});

test('nicvf-2017: breaks on identity/2017, dma-ranges, SWIOTLB, untrusted, ATOS ≥ 1 TiB, Intel 5.4', () => {
  const byName = new Map(runProgramMatrix('nicvf-2017').rows.map((r) => [r.platform.name, r.outcome.join(',')]));
  assert.equal(byName.get('arm64-64k-smmuv3'), 'correct');
  assert.equal(byName.get('arm64-64k-smmuv3-identity'), 'correct');
  assert.equal(byName.get('thunderx-2017-identity'), 'null,leak');
  assert.equal(byName.get('arm64-64k-dma-ranges'), 'fault');
  // The skb is built on the SWIOTLB pool page: its first put is a Bad page state (count 1 → 0, not
  // freed), the next packet's put on it the VM_BUG_ON of a count already 0 — an oops.
  assert.equal(byName.get('arm64-64k-swiotlb-force'), 'bounce-slot,fault,leak');
  assert.equal(byName.get('arm64-64k-smmuv3-untrusted'), 'bounce-slot,leak');
  // nicvf's pages come from alloc_pages(GFP_KERNEL | __GFP_COMP, 0) (nicvf_queues.c:122): lowmem, so the
  // 32-bit ARM presets' highmem buffer page (S8's generic driver) is not the driver's — phys_to_virt() is right there.
  assert.equal(byName.get('arm32-highmem'), 'correct');
  assert.equal(byName.get('arm32-lpae'), 'correct');
  assert.equal(byName.get('thunderx-numa-smmuv2'), 'wrong-page,fault,leak');
  assert.equal(byName.get('x86-intel-5.4'), 'wrong-page,fault,leak', 'offset dropped: phys - align_pad lands in the previous page');
  assert.equal(runProgram('nicvf-2017-nocheck', parsePlatform('thunderx-2017-identity')).outcome.join(','), 'null,fault');
  assert.equal(listPrograms().length, 3);
  assert.throws(() => runProgram('e1000', parsePlatform('arm64-64k')), /unknown program 'e1000'/);
});

test('fixed form with SWIOTLB: the bounce buffer is copied back, the CPU reads the packet', () => {
  const r = runProgram('nicvf-fixed', parsePlatform('arm64-64k-swiotlb-force'));
  assert.ok(r.events.some((e) => e.op === 'bounce' && e.dir === 'from-slot' && e.size === 1920));
  assert.ok(r.events.some((e) => e.op === 'translate' && e.fn === 'build_skb' && e.note?.includes('data: packet-1')));
});

test('the nicvf scenarios name their program: the panel re-runs it on another platform (S1 on identity/2017 is S2\'s receive path)', () => {
  const withProgram = listScenarios().filter((s) => s.program).map((s) => s.id);
  assert.deepEqual(withProgram, ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S12']);
  const r = runProgram('nicvf-2017', parsePlatform('arm64-64k-smmuv3,domain=identity,era=2017'));
  assert.equal(r.program, 'nicvf-2017');
  assert.ok(r.outcome.includes('null'), r.outcome.join(','));
  assert.equal((toJson(r) as { program?: string }).program, 'nicvf-2017');
});
