// SPDX-License-Identifier: MIT
// The memory map: the kernel's virtual regions (linear map, vmalloc,
// vmemmap, …; schematic bands, not to scale) and the physical address space
// (linear scale, SWIOTLB slots of the run), with the current row's addresses
// and the truth marked.
import type { RegionJson, RunJson } from '../protocol/emulator-messages';
import { big, hexGrouped, layoutPaMap, layoutVaMap, type TranslationRow } from '../protocol/view-model';
import { $, s } from './dom';

const H = 280;
const VA_X = 4;
const VA_W = 150;
const PA_X = 250;
const PA_W = 40;

export function drawMemoryMap(run: RunJson | null, regionsJson: RegionJson[], row: TranslationRow | null): void {
  const svg = $('map-svg') as unknown as SVGSVGElement;
  svg.replaceChildren();
  if (!run) return;
  const regions = regionsJson.map((r) => ({ name: r.name, start: big(r.start) ?? 0n, end: big(r.end) ?? 0n }));
  const ok = (k: string) => row?.cells.find((c) => c.key === k)?.ok ?? null;
  // A value that is the buffer's gets one mark ("VA = buffer"); otherwise both are marked.
  const pair = (label: string, got: bigint | null, truth: bigint | null, good: boolean | null) => (got !== null && truth !== null && good === true
    ? [{ label: `${label} = buffer`, addr: got, ok: true as boolean | null }]
    : [{ label, addr: got, ok: good }, { label: `buffer ${label}`, addr: truth, ok: true as boolean | null }]);
  const vaMarks = row ? [...pair('VA', row.va, row.truth.va, ok('va')), ...pair('page', row.page, row.truth.page, ok('page'))] : [];
  const top = 14;
  svg.append(s('text', { x: VA_X, y: 10, class: 'wsmall' }, 'kernel VA (schematic)'));
  svg.append(s('text', { x: PA_X - 30, y: 10, class: 'wsmall' }, 'physical'));
  const va = layoutVaMap(regions, vaMarks, H - top);
  for (const b of va.bands) {
    const g = s('g', { class: 'band' });
    g.append(s('rect', { x: VA_X, y: top + b.y, width: VA_W, height: b.h }));
    g.append(s('text', { x: VA_X + 4, y: top + b.y + 13, class: 'wsmall' }, b.name.length > 24 ? `${b.name.slice(0, 23)}…` : b.name));
    g.append(s('title', {}, `${b.name}: ${hexGrouped(b.start)} – ${hexGrouped(b.end)}`));
    svg.append(g);
  }
  const used: number[] = [];
  const mark = (x: number, y: number, label: string, cls: string, dir: 1 | -1, tip: string): void => {
    const g = s('g', { class: `mark ${cls}` });
    const yy = top + Math.max(0, Math.min(H - top, y));
    // keep labels of nearby marks apart
    let ly = yy + 4;
    while (used.some((u) => Math.abs(u - ly) < 11)) ly += 11;
    used.push(ly);
    g.append(s('path', { d: dir === 1 ? `M${x} ${yy} l8 -5 v10 z` : `M${x} ${yy} l-8 -5 v10 z` }));
    g.append(s('text', { x: dir === 1 ? x + 10 : x - 10, y: ly, class: 'wsmall', 'text-anchor': dir === 1 ? 'start' : 'end' }, label));
    g.append(s('title', {}, tip));
    svg.append(g);
  };
  for (const m of va.marks) mark(VA_X + VA_W, m.y, `${m.label}${m.band ? '' : ' (outside)'}`, m.ok === null ? 'na' : m.ok ? 'ok' : 'bad', 1, `${m.label} ${hexGrouped(m.addr)}${m.band ? ` in ${m.band}` : ': outside every region'}`);
  // physical column
  const slots = run.events.filter((e) => e.op === 'bounce').map((e) => big(e.tlb)).filter((x): x is bigint => x !== null);
  const paMarks = row
    ? [...pair('PA', row.pa, row.truth.pa, ok('pa')), ...(slots.length ? [{ label: 'SWIOTLB slot', addr: slots[0], ok: null }] : [])]
    : [];
  const pa = layoutPaMap(paMarks, H - top);
  svg.append(s('rect', { x: PA_X, y: top, width: PA_W, height: H - top, class: 'band pa' }));
  svg.append(s('text', { x: PA_X + PA_W + 4, y: top + 10, class: 'wsmall' }, hexGrouped(pa.top)));
  svg.append(s('text', { x: PA_X + PA_W + 4, y: H, class: 'wsmall' }, '0x0'));
  for (const m of pa.marks) mark(PA_X, m.y, m.label, m.ok === null ? 'na' : m.ok ? 'ok' : 'bad', -1, `${m.label} ${hexGrouped(m.addr)}`);
  svg.setAttribute('viewBox', `0 0 380 ${H + 4}`);
  svg.setAttribute('height', String(H + 4));
}
