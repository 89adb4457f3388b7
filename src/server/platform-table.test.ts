// SPDX-License-Identifier: MIT
// The hover's table: what each step of a finding's chain returns on each platform, and the outcome,
// small enough for VS Code's hover (presets that end alike share a row).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { platformTable } from './platform-table';
import { listPlatforms, runMatrix } from '../emulator/index';

const NICVF = ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'];

/** The table's rows as { names, steps, outcome }, with plain hyphens and spaces back. */
function rows(md: string): { names: string[]; steps: string; outcome: string }[] {
  const lines = md.split('\n').filter((l) => l.startsWith('| ')).slice(1);
  return lines.map((l) => {
    const [left, steps] = l.replace(/\u2011/g, '-').replace(/\u00a0/g, ' ').slice(2, -2).split(' | ');
    const [, outcome, names] = /^\*\*([^*]+)\*\*: (.+)$/.exec(left)!;
    return { names: names.split(', '), steps, outcome };
  });
}

test('one row per group of platforms that end alike: the steps named against the buffer, then the outcome (SPEC §1.5)', () => {
  const md = platformTable(NICVF);
  const lines = md.split('\n');
  assert.equal(lines[0], '| outcome: platforms | each step returns |');
  assert.equal(lines[1], '|---|---|');
  const rs = rows(md);
  // Small: 8 rows for the 16 presets, and no 64-bit hex to widen it.
  assert.equal(rs.length, 8, md);
  assert.doesNotMatch(md, /0x[0-9a-f]/);
  // Every preset exactly once; names and outcomes break between words only (non-breaking hyphens).
  const names = rs.flatMap((r) => r.names);
  assert.deepEqual([...names].sort(), listPlatforms().map((p) => p.name).sort());
  for (const l of lines.slice(2)) if (l.startsWith('| ')) assert.doesNotMatch(l, /-|\S → |\S →$/, `a hyphen or space a line may break at: ${l}`);
  // What goes wrong first, where it is right last.
  assert.deepEqual(rs.map((r) => r.outcome === 'correct'), [false, false, false, false, false, false, true, true]);
  // Each preset's row has its outcome, and as many steps as ran there (up to the fault), as the emulator says.
  const m = runMatrix(NICVF);
  for (const r of m.rows) {
    const row = rs.find((x) => x.names.includes(r.platform.name))!;
    assert.equal(row.outcome, r.outcome.join(', '), r.platform.name);
    assert.equal(row.steps.split(' → ').length, r.values!.length - 1, `${r.platform.name}: ${row.steps} / ${r.values}`);
    // Each name says what the emulator's value is to the buffer.
    row.steps.split(' → ').forEach((t, i) => {
      const v = r.values![i + 1];
      const n = v.startsWith('0x') ? BigInt(v) : null;
      const truth = { PA: r.truth.pa, VA: r.truth.va, page: r.truth.page }[t.replace(/[≠⌊⌋]/g, '')];
      const why = `${r.platform.name} step ${i + 1}: ${t} for ${v}`;
      if (t === 'fault' || t === '—') assert.equal(v, t, why);
      else if (t === '0') assert.equal(n, 0n, why);
      else if (t.startsWith('≠')) assert.ok(n !== null && n !== truth, why);
      else if (t.startsWith('⌊')) assert.ok(n !== null && truth != null && n === truth - (truth % BigInt(r.platform.pageSize)) && n !== truth, why);
      else assert.equal(n, truth, why);
    });
  }
  const of = (name: string) => rs.find((x) => x.names.includes(name))!;
  // With a DMA domain the lookup finds the buffer, as the identity does where the handle is the PA.
  assert.deepEqual(of('arm64-64k-smmuv3'), of('arm64-64k'));
  assert.equal(of('arm64-64k-smmuv3').steps, 'PA → VA → page → —');
  assert.equal(of('arm64-64k-smmuv3').outcome, 'correct');
  // 2017 arm-smmu on an identity domain: the lookup returns 0, phys_to_virt(0) is no buffer address, put_page faults.
  assert.deepEqual(of('thunderx-2017-identity'), { names: ['thunderx-2017-identity'], steps: '0 → ≠VA → ≠page → fault', outcome: 'null, fault' });
  // Intel v5.3–v5.5: the lookup drops the in-page offset.
  assert.equal(of('x86-intel-5.4').steps, '⌊PA⌋ → ⌊VA⌋ → page → —');
  // The key under the table says what the names mean.
  assert.match(lines.at(-1)!, /^_PA, VA, page: the buffer's own · ⌊…⌋: rounded down to its page · ≠: another · —: gives no value_$/);
});

test('a test step shows its answer, a bad chain says why in one line', () => {
  const rs = rows(platformTable(['coherent-va', 'virt-addr-valid']));
  assert.equal(rs.length, 2);
  const of = (name: string) => rs.find((x) => x.names.includes(name))!;
  assert.deepEqual([of('arm64-64k-smmuv3').steps, of('arm64-64k-smmuv3').outcome], ['false', 'correct']);
  assert.deepEqual([of('arm64-64k').steps, of('arm64-64k').outcome], ['true', 'correct']);
  for (const r of runMatrix(['coherent-va', 'virt-addr-valid']).rows) assert.equal(`virt_addr_valid() = ${of(r.platform.name).steps}`, r.answer);
  assert.equal(platformTable(['teleport']), "_(emulator: bad chain source 'teleport' (expected one of dma-handle, coherent-va, vmalloc-va, ioremap-va, linear-va))_");
});

test('a step that faults ends the row there', () => {
  const rs = rows(platformTable(['dma-handle', 'iova-to-phys', 'phys-to-virt', 'cpu-access']));
  // No domain: iommu_iova_to_phys(NULL, …) faults at the first step; nothing after it runs.
  assert.deepEqual(rs.find((x) => x.names.includes('arm64-64k')), { names: ['arm64-64k', 'arm64-4k', 'arm64-64k-dma-ranges', 'arm64-64k-swiotlb-force'], steps: 'fault', outcome: 'fault' });
});

test('a finding whose code tests the lookup for 0 (nicvf_queues.c:50, `if (phys_addr) put_page(…)`): the steps after a 0 show as skipped, the rest as without the test', () => {
  const plain = rows(platformTable(NICVF));
  const md = platformTable(NICVF, { step: 1 });
  const rs = rows(md);
  const of = (list: typeof rs, name: string) => list.find((x) => x.names.includes(name))!;
  assert.deepEqual(of(rs, 'thunderx-2017-identity'), { names: ['thunderx-2017-identity'], steps: '0 → skipped → skipped → skipped', outcome: 'null, leak' });
  // Where the lookup is not 0 the test changes nothing.
  for (const p of listPlatforms()) if (p.name !== 'thunderx-2017-identity') assert.deepEqual(of(rs, p.name), of(plain, p.name), p.name);
  assert.match(md.split('\n').at(-1)!, /skipped: not run, the code tests for 0 first_$/);
});

test('the nicvf choice written the other way round (`identity|iova-to-phys`, where a helper returns the fallback first) gives the same table', () => {
  const other = ['dma-handle', 'identity|iova-to-phys', 'phys-to-virt', 'virt-to-page', 'put-page'];
  const a = rows(platformTable(NICVF)).map((r) => ({ ...r, names: [...r.names].sort() }));
  const b = rows(platformTable(other)).map((r) => ({ ...r, names: [...r.names].sort() }));
  assert.doesNotMatch(platformTable(other), /0x[0-9a-f]/);
  assert.deepEqual(b, a);
});
