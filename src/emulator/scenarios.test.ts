// S1–S12: the addresses and outcomes of emulator-facts.md §8 and SPEC §2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScenario, listScenarios, toJson, parsePlatform, runChain } from './index';
import type { EmuEvent, RunResult } from './types';
import { Arm64Space } from './cpu-space';

type Ev<K extends EmuEvent['op']> = Extract<EmuEvent, { op: K }>;
const evs = <K extends EmuEvent['op']>(r: RunResult, op: K): Ev<K>[] => r.events.filter((e): e is Ev<K> => e.op === op);
const translate = (r: RunResult, fn: string | RegExp) => evs(r, 'translate').filter((e) => (typeof fn === 'string' ? e.fn === fn : fn.test(e.fn)));
const has = (r: RunResult, ...words: string[]) => { for (const w of words) assert.ok(r.outcome.includes(w as never), `${r.scenario}: outcome ${r.outcome.join(',')} lacks ${w}`); };

test('twelve scenarios, each on a preset that parses', () => {
  const list = listScenarios();
  assert.deepEqual(list.map((s) => s.id), ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9', 'S10', 'S11', 'S12']);
  for (const s of list) assert.equal(parsePlatform(s.platform).name, s.platform);
});

test('S1: DMA domain — IOVA 0xFFFE_0780, PTE 0x9_1230_0F47 at L1=0/L2=7/L3=8190, correct PA, refs 35 → 1', () => {
  const r = runScenario('S1');
  assert.deepEqual(r.outcome, ['correct']);
  assert.equal(r.truth.pa, 0x9_1230_0782n);
  assert.equal(r.truth.va, 0xffff0008_92300782n);
  assert.equal(r.truth.page, 0xffffffdf_c2248c00n);
  const m = translate(r, 'dma_map_page_attrs').find((e) => e.in === 0x9_1230_0780n);
  assert.equal(m?.out, 0xfffe_0780n);
  assert.equal(translate(r, 'dma_map_page_attrs').find((e) => e.in === 0x9_1230_0000n)?.out, 0xffff_0000n);
  const map = evs(r, 'map').find((e) => e.iova === 0xfffe_0000n)!;
  assert.equal(map.pa, 0x9_1230_0000n);
  assert.equal(map.pte, 0x9_1230_0f47n);
  const walk = evs(r, 'walk').find((e) => e.iova === 0xfffe_0782n)!;
  assert.deepEqual(walk.levels.map((l) => [l.level, l.index]), [[1, 0], [2, 7], [3, 8190]]);
  assert.equal(walk.levels[2].descriptor, 0x9_1230_0f47n);
  assert.equal(walk.out, 0x9_1230_0782n);
  assert.equal(translate(r, /nicvf_iova_to_phys/).find((e) => e.in === 0xfffe_0782n)?.out, 0x9_1230_0782n);
  assert.ok(translate(r, 'build_skb').some((e) => e.out >> 16n === 0x91230n), 'skb on PFN 0x91230');
  const counts = [...evs(r, 'page-get'), ...evs(r, 'page-put')].filter((e) => e.pfn === 0x91230n).map((e) => e.count);
  assert.ok(counts.includes(35), 'refill leaves 1 + 33 + 1 = 35 references');
  assert.ok(counts.includes(1), 'back to the recycle reference');
  assert.equal(counts[counts.length - 1], 0, 'teardown releases the page');
  assert.ok(r.events.some((e) => e.note?.includes('recycled')), 'page recycled on the second refill');
});

test('S2: identity domain, 2017 arm-smmu → iova_to_phys 0: null, leak (drop) and fault (no check)', () => {
  const r = runScenario('S2');
  has(r, 'null', 'leak', 'fault');
  assert.ok(!r.outcome.includes('correct'));
  assert.equal(translate(r, 'dma_map_page_attrs').find((e) => e.in === 0x9_1230_0780n)?.out, 0x9_1230_0780n, 'dma-direct: DMA = PA');
  assert.equal(translate(r, /nicvf_iova_to_phys/).find((e) => e.in === 0x9_1230_0782n)?.out, 0n);
  assert.ok(evs(r, 'fault').some((e) => e.event === 'Unable to handle kernel paging request'));
  // The driver's `phys_addr - align_pad` is u64: 0 - 2 is 0xffff_ffff_ffff_fffe (it was -0x2 in the trace and JSON).
  const rebuilt = translate(r, 'phys_to_virt');
  assert.ok(rebuilt.length > 0 && rebuilt.every((e) => e.in >= 0n), rebuilt.map((e) => e.in).join(' '));
  assert.ok(rebuilt.some((e) => e.in === 0xffff_ffff_ffff_fffen));
  // phys_to_virt(0) = (0 - PHYS_OFFSET) | PAGE_OFFSET: outside the linear map in the 2017 layout,
  // PAGE_OFFSET itself when DRAM starts at 0 (facts §8 S2).
  const old = new Arm64Space(65536, 0x8000_0000n, 'pre-5.4');
  assert.equal(old.physToVirt(0n), 0xffffffff_80000000n);
  assert.equal(new Arm64Space(65536, 0n, 'pre-5.4').physToVirt(0n), 0xffff8000_00000000n);
  assert.equal(new Arm64Space(65536, 0n, '6.12').physToVirt(0n), 0xffff0000_00000000n);
});

test('S3: identity domain after bdf95923086f / 6.12 core → the IOVA, correct', () => {
  const r = runScenario('S3');
  assert.deepEqual(r.outcome, ['correct']);
  assert.equal(translate(r, /nicvf_iova_to_phys/).find((e) => e.in === 0x9_1230_0782n)?.out, 0x9_1230_0782n);
  const patched = runChain(['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'], parsePlatform('thunderx-patched-identity'));
  assert.deepEqual(patched.outcome, ['correct']);
  const old = runChain(['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'], parsePlatform('thunderx-2017-identity'));
  assert.ok(old.outcome.includes('null'));
});

test('S4: dma-ranges offset — CQE 0x0123_0782 taken as PA → 0xffffffff_8123078x, fault; dma_to_phys = 0x8123_0782', () => {
  const r = runScenario('S4');
  has(r, 'fault');
  assert.equal(translate(r, 'dma_map_page_attrs').find((e) => e.in === 0x8123_0780n)?.out, 0x0123_0780n);
  assert.equal(translate(r, 'dma_to_phys')[0].in, 0x0123_0782n);
  assert.equal(translate(r, 'dma_to_phys')[0].out, 0x8123_0782n);
  assert.equal(translate(r, 'phys_to_virt')[0].out, 0xffffffff_81230780n);
  const a64 = new Arm64Space(65536, 0x8000_0000n, '6.12');
  const a4 = new Arm64Space(4096, 0x8000_0000n, '6.12');
  assert.equal(a64.physToVirt(0x0123_0782n), 0xffffffff_81230782n);
  assert.equal(a64.virtToPage(0xffffffff_81230782n), 0x0000001f_bfe048c0n);
  assert.equal(a4.virtToPage(0xffffffff_81230782n), 0x000001ff_be048c00n);
  assert.equal(a64.isLinear(0xffffffff_81230782n), false);
});

test('S5: swiotlb=force — slot 5 at 0xFBC0_2800, reverse lookup lands in the bounce slot; leak; bad page; slot reuse', () => {
  const r = runScenario('S5');
  has(r, 'bounce-slot', 'leak');
  const b = evs(r, 'bounce').find((e) => e.dir === 'to-slot' && e.orig === 0x9_1230_0780n)!;
  assert.equal(b.slot, 5);
  assert.equal(b.tlb, 0xfbc0_2800n);
  assert.equal(translate(r, 'dma_map_page_attrs').find((e) => e.in === 0x9_1230_0780n)?.out, 0xfbc0_2800n);
  assert.equal(translate(r, /nicvf_iova_to_phys/).find((e) => e.in === 0xfbc0_2802n)?.out, 0xfbc0_2802n);
  assert.ok(translate(r, 'build_skb').some((e) => e.out >> 16n === 0xfbc0n), 'skb on the pool page PFN 0xFBC0');
  assert.ok(evs(r, 'bounce').some((e) => e.dir === 'from-slot' && e.slot === 5 && e.size === 0), 'SKIP_CPU_SYNC: nothing copied back');
  assert.ok(evs(r, 'fault').some((e) => e.event === 'BUG: Bad page state'));
  assert.ok(r.events.some((e) => e.note?.includes('slot 5 reused') && e.note.includes('next-mapping-data')));
});

test('S6: untrusted device — dma-iommu bounces, iova_to_phys returns the slot', () => {
  const r = runScenario('S6');
  has(r, 'bounce-slot');
  const t = translate(r, /nicvf_iova_to_phys/).find((e) => e.in === 0xfffe_0002n)!;
  assert.ok(t.out >= 0xfbc0_0000n && t.out < 0xfbc0_0000n + (64n << 20n), 'a SWIOTLB pool address');
  assert.equal(t.out & 0xffffn, 2n, 'alloc_align_mask 0xFFFF: granule-aligned slot');
  assert.ok(evs(r, 'map').some((e) => e.pa === t.out - 2n), 'the slot page is what the IOMMU maps');
});

test('S7: vmalloc buffer — map-error; virt_to_phys 0x9254_5000 (unrelated page), virt_to_page past vmemmap', () => {
  const r = runScenario('S7');
  has(r, 'map-error', 'wrong-page');
  assert.equal(r.truth.va, 0xffff8000_92345000n);
  assert.ok(evs(r, 'fault').some((e) => e.note === 'rejecting DMA map of vmalloc memory'));
  assert.equal(translate(r, 'virt_to_phys')[0].out, 0x9254_5000n);
  const a4 = new Arm64Space(4096, 0x8000_0000n, '6.12');
  assert.equal(a4.kimageVoffset, 0xffff7fff_ffe00000n);
  assert.equal(a4.virtToPage(0xffff8000_92345000n), 0xffffffff_c248d140n);
  assert.ok(a4.virtToPage(0xffff8000_92345000n) >= a4.VMEMMAP_END);
});

test('S8: highmem on 32-bit ARM — 0xF001_0000 faults, 0xF234_5000 is another page, struct page still right; LPAE drops the high word', () => {
  const r = runScenario('S8');
  has(r, 'wrong-page', 'fault');
  const p2v = translate(r, 'phys_to_virt');
  assert.deepEqual(p2v.map((e) => [e.in, e.out]), [[0xb001_0000n, 0xf001_0000n], [0xb234_5000n, 0xf234_5000n]]);
  assert.ok(evs(r, 'fault').some((e) => e.addr === 0xf001_0000n));
  assert.ok(translate(r, 'virt_to_page').every((e) => e.note === 'the right struct page (arithmetic)'));
  const l = runChain(['dma-handle', 'iova-to-phys', 'phys-to-virt', 'cpu-access'], parsePlatform('arm32-lpae'));
  assert.equal(translate(l, 'phys_to_virt')[0].in, 0x8_8000_1000n);
  assert.equal(translate(l, 'phys_to_virt')[0].out, 0xc000_1000n);
  assert.ok(l.outcome.includes('wrong-page'));
});

test('S9: after unmap — 0 in a strict domain, then the reused IOVA gives the new buffer', () => {
  const r = runScenario('S9');
  has(r, 'null', 'wrong-page');
  const maps = translate(r, 'dma_map_page_attrs');
  assert.equal(maps[0].out, maps[1].out, 'rcache LIFO hands back the same IOVA');
  const looks = translate(r, 'iommu_iova_to_phys');
  assert.equal(looks[0].out, 0n);
  assert.equal(looks[1].out, maps[1].in, 'the stale handle now translates to buffer B');
  assert.ok(evs(r, 'fault').some((e) => e.note?.includes('WARN_ON(!phys)')), 'double unmap warns');
});

test('S10: DMA_FQ — PTE gone at once, stale IOTLB lets the device write the freed page, IOVA not reused; timer flush → F_TRANSLATION', () => {
  const r = runScenario('S10');
  has(r, 'null', 'stale-iotlb');
  const maps = translate(r, 'dma_map_page_attrs');
  assert.notEqual(maps[0].out, maps[1].out);
  assert.ok(evs(r, 'fault').some((e) => e.event === 'stale IOTLB' && e.note?.includes('someone else')));
  assert.ok(evs(r, 'unmap').some((e) => e.api === 'flush_iotlb_all' && e.note?.includes('fq_flush_timeout')));
  assert.ok(evs(r, 'fault').some((e) => e.event === 'F_TRANSLATION' && e.addr === maps[0].out));
});

test('S11: IOVA above ias — software walk aliases, device faults, map -ERANGE', () => {
  const r = runScenario('S11');
  has(r, 'fault');
  assert.equal(translate(r, 'iommu_iova_to_phys').find((e) => e.in === 0x1_0000_fffe_0782n)?.out, 0x9_1230_0782n);
  assert.ok(evs(r, 'fault').some((e) => e.event === 'F_TRANSLATION' && e.addr === 0x1_0000_fffe_0782n));
  assert.ok(evs(r, 'fault').some((e) => e.event === 'map: -ERANGE'));
});

test('S12: SMMUv2 ATOS keeps PA bits 39:12 — 0x1230_0782 instead of 0x100_1230_0782', () => {
  const r = runScenario('S12');
  has(r, 'wrong-page');
  assert.equal(r.truth.pa, 0x100_1230_0782n);
  assert.equal(translate(r, 'arm_smmu_iova_to_phys_hard').find((e) => e.in === 0xfffe_0782n)?.out, 0x1230_0782n);
  assert.ok(evs(r, 'walk').some((e) => e.iova === 0xfffe_0782n && e.out === 0x100_1230_0782n), 'the software walk has the full PA');
});

test('toJson: SPEC §2 shape, lowercase 0x strings, no bigint left', () => {
  const j = toJson(runScenario('S4')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(j), ['scenario', 'chain', 'platform', 'outcome', 'truth', 'events']);
  assert.deepEqual(Object.keys(j.platform as object), ['name', 'arch', 'pageSize', 'iommu', 'domain', 'era', 'dmaOffset', 'swiotlb', 'untrusted']);
  assert.equal((j.platform as Record<string, unknown>).dmaOffset, '0x80000000');
  const s = JSON.stringify(j);
  assert.ok(!/0x[0-9a-f]*[A-F_]/.test(s));
  for (const e of j.events as Record<string, unknown>[]) assert.ok(['alloc', 'free', 'map', 'unmap', 'walk', 'translate', 'bounce', 'page-get', 'page-put', 'fault'].includes(e.op as string));
});

test('deterministic and recording can be switched off', () => {
  const a = JSON.stringify(toJson(runScenario('S1')));
  const b = JSON.stringify(toJson(runScenario('S1')));
  assert.equal(a, b);
  const off = runScenario('S1', { record: false });
  assert.equal(off.events.length, 0);
  assert.deepEqual(off.outcome, ['correct']);
});

test('an IOVA range from the allocator is an IOVA in the events, never a PA (a reader of `pa` took it for one)', () => {
  const r = runScenario('S1');
  const a = r.events.find((e) => e.op === 'alloc' && e.what.startsWith('IOVA'));
  assert.ok(a && a.op === 'alloc');
  assert.equal(a.pa, null);
  assert.equal(a.iova, 0xffff_0000n);
});
