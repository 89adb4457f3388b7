// `iova-lens emulate`: --platforms, a scenario in text and JSON, --chain with
// --matrix, and usage errors (exit 2, one line).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runEmulate } from './emulate';
import { listPlatforms } from '../emulator/index';

function run(...args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runEmulate(args, { out: (s) => { out += s; }, err: (s) => { err += s; }, isTTY: false });
  return { code, out, err };
}

test('--platforms lists every preset (text and json)', () => {
  const t = run('--platforms');
  assert.equal(t.code, 0);
  const lines = t.out.trim().split('\n');
  assert.equal(lines.length, listPlatforms().length);
  assert.ok(lines.some((l) => l.startsWith('arm64-64k-smmuv3 ') && l.includes('[S1, S9, S11]')));
  const j = run('--platforms', '--format', 'json');
  const arr = JSON.parse(j.out) as { name: string; dmaOffset: string }[];
  assert.ok(arr.some((p) => p.name === 'arm64-64k-dma-ranges' && p.dmaOffset === '0x80000000'));
});

test('a scenario in text: trace, truth and outcome for people', () => {
  const r = run('S4');
  assert.equal(r.code, 0);
  assert.match(r.out, /^S4 — No IOMMU, dma-ranges offset/);
  assert.match(r.out, /translate phys_to_virt\(0x123_0780\) = 0xffff_ffff_8123_0780/);
  assert.match(r.out, /FAULT\s+cpu: Unable to handle kernel paging request/);
  assert.match(r.out, /outcome:\s+fault/);
});

test('a scenario in json: the SPEC §2 contract', () => {
  const r = run('emulate', 'S1', '--format', 'json');
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out);
  assert.equal(j.scenario, 'S1');
  assert.deepEqual(j.outcome, ['correct']);
  assert.deepEqual(j.truth, { pa: '0x912300782', va: '0xffff000892300782', page: '0xffffffdfc2248c00' });
  assert.equal(j.platform.name, 'arm64-64k-smmuv3');
  const walk = j.events.find((e: { op: string; iova?: string }) => e.op === 'walk' && e.iova === '0xfffe0782');
  const levels = walk.levels as { level: number; index: number; descriptor: string; next: string }[];
  assert.deepEqual(levels.map((l) => [l.level, l.index]), [[1, 0], [2, 7], [3, 8190]]);
  assert.ok(levels.slice(0, 2).every((l) => BigInt(l.descriptor) === (BigInt(l.next) | 3n)), 'table descriptors: next-table PA | 3');
  assert.equal(levels[2].descriptor, '0x912300f47');
  assert.equal(walk.out, '0x912300782');
  assert.ok(!/"0x[^"]*[A-F_]/.test(r.out), 'lowercase, no separators');
});

test('--chain with --platform, and --chain with --matrix (json rows without events)', () => {
  const one = run('--chain', 'dma-handle,iova-to-phys|identity,phys-to-virt,virt-to-page,put-page', '--platform', 'arm64-64k,iommu=smmuv3,domain=identity,era=2017', '--format', 'json');
  assert.equal(one.code, 0);
  const j1 = JSON.parse(one.out);
  assert.equal(j1.scenario, null);
  assert.ok(j1.outcome.includes('null'));
  const mx = run('--chain', 'dma-handle,iova-to-phys|identity,phys-to-virt,virt-to-page,put-page', '--matrix', '--format', 'json');
  assert.equal(mx.code, 0);
  const j = JSON.parse(mx.out);
  assert.deepEqual(j.chain, ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page']);
  assert.equal(j.rows.length, listPlatforms().length);
  assert.ok(j.rows.every((r: Record<string, unknown>) => !('events' in r) && Array.isArray(r.outcome)));
  const swi = j.rows.find((r: { platform: { name: string } }) => r.platform.name === 'arm64-64k-swiotlb-force');
  assert.deepEqual(swi.outcome, ['bounce-slot', 'leak']);
  const txt = run('--chain', 'dma-handle,identity,phys-to-virt', '--matrix');
  assert.equal(txt.code, 0);
  assert.match(txt.out, /arm64-64k-dma-ranges\s+fault/);
});

test('usage errors exit 2 with one line naming the bad part', () => {
  const cases: [string[], RegExp][] = [
    [['--chain', 'dma-handle,identity', '--platform', 'arm64-64k,iommu=bogus'], /iommu=bogus/],
    [['--chain', 'dma-handle,identity', '--platform', 'pdp11'], /unknown platform preset 'pdp11'/],
    [['--chain', 'dma-handle,warp'], /bad chain step 'warp'/],
    [['S13'], /unknown scenario 'S13'/],
    [['S1', '--format', 'xml'], /--format must be text or json/],
    [['--matrix'], /--matrix needs --chain/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['--chain'], /--chain needs a value/],
    [[], /usage:/],
  ];
  for (const [args, re] of cases) {
    const r = run(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.out, '');
    assert.match(r.err, re);
    assert.equal(r.err.trim().split('\n').length, 1, args.join(' '));
  }
});

test('--guard N: the code tests step N for 0 — the run, the matrix, the text and the errors', () => {
  const chain = 'dma-handle,iova-to-phys|identity,phys-to-virt,virt-to-page,put-page';
  const plain = JSON.parse(run('--chain', chain, '--platform', 'thunderx-2017-identity', '--format', 'json').out);
  assert.deepEqual(plain.outcome, ['null', 'fault']);
  assert.ok(!('guard' in plain), 'no guard key without --guard');
  const g = run('--chain', chain, '--guard', '1', '--platform', 'thunderx-2017-identity', '--format', 'json');
  assert.equal(g.code, 0);
  const j = JSON.parse(g.out);
  assert.deepEqual(j.outcome, ['null', 'leak']);
  assert.deepEqual(j.guard, { step: 1 });
  assert.ok(j.events.some((e: { op: string; note?: string }) => e.op === 'translate' && /gave 0 and the driver tests for it/.test(e.note ?? '')));
  assert.ok(!j.events.some((e: { op: string }) => e.op === 'fault'));
  const txt = run('--chain', chain, '--guard=1', '--platform', 'thunderx-2017-identity');
  assert.match(txt.out, /^guard:\s+the code tests iova-to-phys\|identity \(step 1\) for 0 and stops there on 0$/m);
  assert.match(txt.out, /outcome:\s+null, leak/);
  const mx = JSON.parse(run('--chain', chain, '--guard', '1', '--matrix', '--format', 'json').out);
  assert.deepEqual(mx.guard, { step: 1 });
  assert.deepEqual(mx.rows.find((r: { platform: { name: string } }) => r.platform.name === 'thunderx-2017-identity').outcome, ['null', 'leak']);
  assert.deepEqual(mx.rows.find((r: { platform: { name: string } }) => r.platform.name === 'arm64-64k-smmuv3').outcome, ['correct']);
  assert.match(run('--chain', chain, '--guard', '1', '--matrix').out, /thunderx-2017-identity\s+null, leak/);
  assert.match(run('--help').out, /--guard N\s+the code tests the result of chain step N/);
  for (const o of ['--chain STEPS', '--platform P', '--format F', '--platforms', '--matrix']) assert.match(run('--help').out, new RegExp(`^  ${o} `, 'm'), o);
  const bad: [string[], RegExp][] = [
    [['--chain', chain, '--guard', '4'], /bad guard step 4: put-page gives no value the code could test for 0/],
    [['--chain', chain, '--guard', '9'], /bad guard step .*from 1 to 4/],
    [['--chain', chain, '--guard', '0'], /bad guard step 0: expected a whole number from 1 to 4/],
    [['--chain', chain, '--guard', 'one'], /--guard takes a chain step number .*not 'one'/],
    [['--chain', chain, '--guard'], /--guard needs a value/],
    [['S2', '--guard', '1'], /--guard goes with --chain/],
    [['--guard', '1'], /--guard needs --chain STEPS/],
    [['--platforms', '--guard', '1'], /--platforms takes no scenario, chain, guard or matrix/],
  ];
  for (const [args, re] of bad) {
    const r = run(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.out, '');
    assert.match(r.err, re, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, args.join(' '));
  }
});
