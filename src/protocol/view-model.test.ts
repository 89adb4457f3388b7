// SPDX-License-Identifier: MIT
// The webview's view model on real emulator runs: translation rows and their
// green/red cells, playback stops, virtual window, platform specs, matrix,
// address box, memory-map layout, trace export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listPlatforms, parsePlatform, runChain, runMatrix, runScenario, toJson } from '../emulator/index';
import type { RunJson } from './emulator-messages';
import {
  addressLines, adjustFields, big, deriveRows, eventDetail, fieldsOf, firstInteresting, hexGrouped, iovaView, layoutPaMap, layoutVaMap,
  guardText, matrixCells, nextStop, parseAddress, addressOrError, platformSpec, runKey, traceFileName, traceFileText, virtualWindow, visibleRowCount,
} from './view-model';

const NICVF = ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'];
const scenario = (id: string) => toJson(runScenario(id)) as RunJson;
const chain = (platform: string, c = NICVF) => toJson(runChain(c, parsePlatform(platform))) as RunJson;
const cell = (r: ReturnType<typeof deriveRows>[number], k: string) => r.cells.find((c) => c.key === k)!;

test('S1 (IOMMU DMA domain): every translation row is green, with the walk', () => {
  const rows = deriveRows(scenario('S1'));
  assert.ok(rows.length >= 68, `${rows.length} rows`);
  assert.ok(rows.every((r) => r.ok), rows.find((r) => !r.ok)?.reason);
  const r1 = rows[1];
  assert.equal(cell(r1, 'device').text, '0xfffe_0782');
  assert.equal(cell(r1, 'pa').text, '0x9_1230_0782');
  assert.equal(cell(r1, 'pa').ok, true);
  assert.equal(r1.walk?.length, 3);
  assert.equal(cell(r1, 'walk').text, 'L1[0] → L2[7] → L3[8190]');
  assert.equal(cell(r1, 'va').ok, true);
  assert.equal(cell(r1, 'page').ok, true);
  assert.equal(cell(r1, 'ref').ok, true);
  assert.equal(r1.reason, 'matches the truth');
});

test('S4 (dma-ranges offset): the nicvf row is red — wrong page, outside the linear map, fault', () => {
  const run = scenario('S4');
  const rows = deriveRows(run);
  const bad = rows.find((r) => r.fn === 'nicvf_iova_to_phys')!;
  assert.equal(bad.ok, false);
  assert.equal(cell(bad, 'pa').ok, false);
  assert.match(cell(bad, 'pa').reason, /another page \(buffer at 0x8123_0782\)/);
  assert.equal(cell(bad, 'va').ok, false);
  assert.equal(cell(bad, 'va').reason, 'outside the linear map');
  assert.match(bad.fault ?? '', /Unable to handle kernel paging request/);
  // the dma_to_phys row (what the driver should have used) is green
  const good = rows.find((r) => r.fn === 'dma_to_phys')!;
  assert.equal(cell(good, 'pa').ok, true);
});

test('S2 (identity, 2017): iova_to_phys returns 0 — red with the NULL reason', () => {
  const rows = deriveRows(scenario('S2'));
  assert.ok(rows.length > 0 && rows.every((r) => !r.ok));
  assert.equal(cell(rows[0], 'pa').text, '0x0');
  assert.equal(cell(rows[0], 'pa').reason, 'IOVA → PA returned 0 (NULL)');
});

test('S5 / S6: bounce slot, not your page', () => {
  for (const id of ['S5', 'S6']) {
    const rows = deriveRows(scenario(id));
    assert.ok(rows.length > 0);
    for (const r of rows) assert.equal(cell(r, 'pa').reason, 'bounce slot, not your page', `${id} row ${r.n}`);
  }
});

test('S9: after unmap the walk stops (IOVA unmapped: 0), then the reused IOVA maps another page', () => {
  const rows = deriveRows(scenario('S9'));
  assert.equal(cell(rows[0], 'device').reason, 'IOVA unmapped: walk stops at L3');
  assert.equal(cell(rows[0], 'pa').text, '0x0');
  assert.equal(cell(rows[1], 'walk').reason, 'maps another page');
});

test('every scenario and every preset yields rows without throwing; wrong runs have a red row', () => {
  for (let i = 1; i <= 12; i++) {
    const run = scenario(`S${i}`);
    const rows = deriveRows(run);
    if (!run.outcome.every((o) => o === 'correct') && rows.length) assert.ok(rows.some((r) => !r.ok) || run.outcome.includes('leak') || run.outcome.includes('stale-iotlb'), `S${i}`);
    for (const r of rows) assert.ok(r.cells.length === 6 && r.cells.every((c) => c.ok !== false || c.reason.length > 0));
  }
  for (const p of listPlatforms()) {
    const run = chain(p.name);
    const rows = deriveRows(run);
    assert.equal(rows.length, 1, p.name);
    const correct = run.outcome.every((o) => o === 'correct');
    if (!correct) assert.equal(rows[0].ok, false, `${p.name}: ${run.outcome} vs ${rows[0].reason}`);
    // A correct outcome may still show a red intermediate VA: on highmem phys_to_virt() is outside the
    // linear map although virt_to_page() gets the right struct page back by arithmetic (S8).
    else assert.ok(rows[0].cells.every((c) => c.ok !== false || c.key === 'va'), `${p.name}: ${rows[0].reason}`);
  }
});

test('playback: visible rows follow the cursor; step goes to the end of the next row', () => {
  const run = scenario('S1');
  const rows = deriveRows(run);
  assert.equal(visibleRowCount(rows, 0), 0);
  assert.equal(visibleRowCount(rows, rows[0].first + 1), 1);
  assert.equal(visibleRowCount(rows, run.events.length), rows.length);
  const s1 = nextStop(rows, 0, run.events.length);
  assert.equal(s1, rows[0].last + 1);
  assert.equal(nextStop(rows, s1, run.events.length), rows[1].last + 1);
  assert.equal(nextStop(rows, run.events.length, run.events.length), run.events.length);
});

test('virtual window: a 10k list renders a screenful', () => {
  const w = virtualWindow(100_000, 300, 22, 10_000);
  assert.ok(w.end - w.start < 40, `${w.end - w.start} rows`);
  assert.equal(w.padTop, w.start * 22);
  assert.equal(w.padTop + (w.end - w.start) * 22 + w.padBottom, 10_000 * 22);
  assert.ok(w.start * 22 <= 100_000 && w.end * 22 >= 100_300);
  assert.deepEqual(virtualWindow(0, 300, 22, 0), { start: 0, end: 0, padTop: 0, padBottom: 0 });
  const end = virtualWindow(10_000 * 22, 300, 22, 10_000);
  assert.equal(end.end, 10_000);
});

test('parseAddress: hex with or without 0x and _', () => {
  assert.equal(parseAddress('0x9_1230_0782'), 0x9_1230_0782n);
  assert.equal(parseAddress('912300782'), 0x9_1230_0782n);
  assert.equal(parseAddress(' FFFF_0000_1230_0780 '), 0xffff_0000_1230_0780n);
  for (const bad of ['', 'xyz', '0x', '0x1_0000_0000_0000_0000', '-1', '12g']) assert.equal(parseAddress(bad), null, bad);
  // Leading zeros are the same address; the error says what is wrong.
  assert.equal(parseAddress('0x00000000000000000001'), 1n);
  assert.match(String(addressOrError('0x1_0000_0000_0000_0000')), /has more than 64 bits \(17 hex digits\)/);
  assert.match(String(addressOrError('-1')), /'-1' is not a hex address/);
  assert.equal(addressOrError(`0x9_1230${'_'.repeat(60)}0782`), 0x9_1230_0782n);
  assert.equal(hexGrouped(0x9_1230_0782n), '0x9_1230_0782');
  assert.equal(big('0x10'), 16n);
  assert.equal(big('10'), null);
});

test('platform spec: preset plus the fields that differ', () => {
  const p = listPlatforms().find((x) => x.name === 'arm64-64k')!;
  const base = fieldsOf({ ...p, dmaOffset: '0x0' });
  assert.equal(platformSpec('arm64-64k', base, base), 'arm64-64k');
  const f = adjustFields({ ...base, iommu: 'smmuv3' }, 'iommu');
  assert.equal(f.domain, 'dma');
  const spec = platformSpec('arm64-64k', base, { ...f, domain: 'identity', era: '2017', dmaOffset: '0x8000_0000', swiotlb: 'force', untrusted: true });
  assert.equal(spec, 'arm64-64k,iommu=smmuv3,domain=identity,era=2017,dma-offset=0x80000000,swiotlb=force,untrusted=yes');
  assert.doesNotThrow(() => parsePlatform(platformSpec('arm64-64k', base, { ...base, dmaOffset: '80000000' })));
  assert.equal(adjustFields({ ...f, iommu: 'none' }, 'iommu').domain, 'none');
  assert.equal(adjustFields({ ...base, arch: 'arm32' }, 'arch').pageSize, 4096);
});

test('matrix cells: nicvf chain outcomes per platform; the first interesting cell is a wrong one', () => {
  const m = runMatrix(NICVF);
  const rows = m.rows.map((r) => toJson(r) as RunJson);
  const cells = matrixCells(rows, listPlatforms());
  const by = (n: string) => cells.find((c) => c.platform === n)!;
  assert.ok(by('thunderx-2017-identity').outcome.includes('null'));
  assert.ok(by('arm64-64k-dma-ranges').outcome.includes('fault'));
  assert.ok(by('arm64-64k-swiotlb-force').outcome.includes('bounce-slot'));
  assert.deepEqual(by('arm64-64k-smmuv3').outcome, ['correct']);
  assert.equal(by('arm64-64k-smmuv3').ok, true);
  assert.ok(by('arm64-64k-smmuv3').description.length > 0);
  assert.equal(cells[firstInteresting(cells)].ok, false);
});

test('address box: the run\'s mapping and walk for an IOVA; host views flattened', () => {
  const run = scenario('S1');
  const rows = deriveRows(run);
  const v = iovaView(run, 0xfffe_0782n, rows[1].last + 1);
  assert.equal(v.pa, 0x9_1230_0782n);
  assert.equal(v.walk?.levels.length, 3);
  assert.equal(v.unmapped, true); // the row's own unmap comes right after its walk
  assert.equal(iovaView(run, 0xfffe_0782n, rows[1].first).unmapped, false);
  assert.equal(iovaView(run, 0x1234n).map, null);
  const lines = addressLines({ input: 'x', value: '0x1', platform: 'p', views: [{ as: 'pa', rows: [{ fn: 'phys_to_virt', value: '0xffff000892300782', note: 'linear map' }, { fn: 'RAM', value: null }] }] });
  assert.deepEqual(lines[0], { space: 'as a PA', fn: 'phys_to_virt', value: '0xffff_0008_9230_0782', note: 'linear map' });
  assert.equal(lines[1].value, '');
});

test('memory map layout: marks land in their region band, PA scale covers every mark', () => {
  const regions = [{ name: 'linear map', start: 0xffff_0000_0000_0000n, end: 0xffff_8000_0000_0000n }, { name: 'vmemmap', start: 0xffff_ffdf_c000_0000n, end: 0xffff_ffff_c000_0000n }];
  const l = layoutVaMap(regions, [{ label: 'VA', addr: 0xffff_0008_9230_0780n, ok: true }, { label: 'bad', addr: 0xffff_ffff_f000_0000n, ok: false }, { label: 'none', addr: null, ok: null }], 200);
  assert.equal(l.bands.length, 2);
  assert.equal(l.marks.length, 2);
  assert.equal(l.marks[0].band, 'linear map');
  const band = l.bands.find((b) => b.name === 'linear map')!;
  assert.ok(l.marks[0].y >= band.y && l.marks[0].y <= band.y + band.h);
  assert.equal(l.marks[1].band, null);
  const pa = layoutPaMap([{ label: 'PA', addr: 0x100_1230_0000n, ok: true }], 200);
  assert.ok(pa.top > 0x100_1230_0000n);
  assert.ok(pa.marks[0].y >= 0 && pa.marks[0].y <= 200);
});

test('trace export: SPEC §2 JSON of the run, named after scenario and platform', () => {
  const run = scenario('S4');
  const text = traceFileText(run);
  const back = JSON.parse(text);
  assert.equal(back.scenario, 'S4');
  assert.deepEqual(back.outcome, ['fault']);
  assert.equal(back.events.length, run.events.length);
  assert.match(JSON.stringify(back.truth), /"pa":"0x81230782"/);
  assert.equal(traceFileName(run), 'iova-lens-trace-S4-arm64-64k-dma-ranges.json');
  assert.equal(traceFileName(chain('arm64-64k,swiotlb=force')), 'iova-lens-trace-chain-arm64-64k.json');
  assert.notEqual(runKey(run), runKey(chain('arm64-64k-dma-ranges')));
});

test('event details are one line for every op', () => {
  for (const id of ['S1', 'S5', 'S10']) {
    for (const e of scenario(id).events) {
      const d = eventDetail(e);
      assert.ok(d.length > 0 && !d.includes('\n'), `${e.op}: ${d}`);
    }
  }
});

test('event details name an IOVA an IOVA, and write a mapping IOVA → PA', () => {
  const events = scenario('S1').events;
  const alloc = events.find((e) => e.op === 'alloc' && /^IOVA/.test(String(e.what)))!;
  assert.match(eventDetail(alloc), /^IOVA \(alloc_iova_fast\): IOVA 0x/);
  const map = events.find((e) => e.op === 'map')!;
  assert.match(eventDetail(map), /: IOVA 0x[0-9a-f_]+ → PA 0x[0-9a-f_]+ \(/);
});

test('a PA in the buffer\'s page but without its offset (Intel v5.3..v5.5) is red, as the run\'s verdict (wrong-page)', () => {
  const run = chain('x86-intel-5.4');
  const rows = deriveRows(run);
  const pa = rows.map((r) => r.cells.find((c) => c.key === 'pa')!).find((c) => /offset lost/.test(c.reason));
  assert.ok(pa, rows.map((r) => r.cells.map((c) => `${c.key}:${c.reason}`).join(' | ')).join('\n'));
  assert.equal(pa.ok, false);
  assert.deepEqual(run.outcome, ['wrong-page']);
});

test('a guarded replay (the code tests the lookup for 0): its rows stop at the 0 with the skip as a note; its own key; one line saying what is tested', () => {
  const g = toJson(runChain(NICVF, parsePlatform('thunderx-2017-identity'), { guard: { step: 1 } })) as RunJson;
  assert.deepEqual(g.guard, { step: 1 });
  assert.deepEqual(g.outcome, ['null', 'leak']);
  const rows = deriveRows(g);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].ok, false);
  assert.equal(cell(rows[0], 'pa').text, '0x0');
  assert.equal(rows[0].fault, null, 'no oops: nothing after the test ran');
  assert.ok(rows[0].notes.some((n) => /gave 0 and the driver tests for it: it skips phys-to-virt → virt-to-page → put-page/.test(n)), rows[0].notes.join(' | '));
  const plain = chain('thunderx-2017-identity');
  assert.notEqual(runKey(g), runKey(plain), 'a cursor saved for the unguarded run is not restored on the guarded one');
  assert.equal(guardText(g.chain, g.guard!), 'the code tests iova-to-phys|identity (step 1) for 0 and stops there on 0');
  // The matrix's cells: the guarded identity/2017 row is null + leak, the first cell worth opening is still a wrong one.
  const cells = matrixCells(runMatrix(NICVF, { guard: { step: 1 } }).rows.map((r) => toJson(r) as RunJson), listPlatforms());
  assert.deepEqual(cells.find((c) => c.platform === 'thunderx-2017-identity')!.outcome, ['null', 'leak']);
  assert.equal(cells[firstInteresting(cells)].ok, false);
});
