// SPDX-License-Identifier: MIT
// The emulator webview's view model: pure functions from a run's JSON (SPEC
// §2) to what the panel shows. No DOM and no vscode, so node tests import it
// directly; the webview bundle imports it too.
//
// A *translation row* follows one device address back to the CPU side:
// device address → IOMMU walk (levels) → PA → phys_to_virt VA → struct page →
// refcount. Rows are derived from the event stream; each cell is judged
// against the truth of that row (the buffer the driver really mapped for
// that device address), green or red with a one-line reason.
import type { AddressJson, GuardJson, PlatformFields, RunJson } from './emulator-messages';

export type Ev = RunJson['events'][number];

export interface WalkLevelView {
  level: number;
  index: number;
  descriptor: string;
  next: string;
  valid: boolean;
}

export type CellKey = 'device' | 'walk' | 'pa' | 'va' | 'page' | 'ref';

export interface Cell {
  key: CellKey;
  /** What is shown ("0x…", "L1[0] → L2[7] → L3[8191]", "34"), or '—' when the row has no such value. */
  text: string;
  /** true: matches the truth; false: does not (reason says why); null: nothing to judge. */
  ok: boolean | null;
  reason: string;
  /** Index of the event that produced the value (the cell is shown once playback passes it). */
  event: number;
}

export interface TranslationRow {
  /** 0-based row number. */
  n: number;
  /** The event that opens the row (the device → PA translation). */
  first: number;
  /** Last event of the row (inclusive). */
  last: number;
  fn: string;
  device: bigint | null;
  pa: bigint | null;
  va: bigint | null;
  page: bigint | null;
  walk: WalkLevelView[] | null;
  walkOut: bigint | null;
  truth: { pa: bigint | null; va: bigint | null; page: bigint | null };
  cells: Cell[];
  /** Fault raised inside the row, if any. */
  fault: string | null;
  /** Notes of the row's events (one line each). */
  notes: string[];
  ok: boolean;
  /** One-line summary of the first red cell (or 'matches the truth'). */
  reason: string;
}

export const CELL_LABELS: Record<CellKey, string> = {
  device: 'device address',
  walk: 'IOMMU walk',
  pa: 'PA',
  va: 'phys_to_virt VA',
  page: 'struct page',
  ref: 'refcount',
};
export const CELL_ORDER: CellKey[] = ['device', 'walk', 'pa', 'va', 'page', 'ref'];

// ----------------------------------------------------------- addresses ---

/** "0x…" (or null) → bigint (or null). Malformed → null. */
export function big(x: unknown): bigint | null {
  if (typeof x !== 'string' || !/^-?0x[0-9a-f]+$/i.test(x)) return null;
  return x.startsWith('-') ? -BigInt(x.slice(1)) : BigInt(x);
}

export function hex(v: bigint | null): string {
  if (v === null) return '—';
  return v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

/** 0x9_1230_0782: groups of four hex digits, as the kernel people write them. */
export function hexGrouped(v: bigint | null): string {
  if (v === null) return '—';
  if (v < 0n) return `-${hexGrouped(-v)}`;
  const s = v.toString(16);
  let out = '';
  for (let i = s.length; i > 0; i -= 4) out = s.slice(Math.max(0, i - 4), i) + (out ? `_${out}` : '');
  return `0x${out}`;
}

/**
 * What the user typed in the address box → bigint. Hex always ("0x" optional),
 * "_" and spaces allowed as separators, at most 64 bits. null when it is not one.
 */
export function parseAddress(text: string): bigint | null {
  const v = addressOrError(text);
  return typeof v === 'bigint' ? v : null;
}

/** The address a box's text gives, or why it gives none (one line, for the box's error). */
export function addressOrError(text: string): bigint | string {
  const t = text.trim();
  const s = t.toLowerCase().replace(/[_\s]/g, '').replace(/^0x/, '');
  const shown = t.length > 40 ? `${t.slice(0, 40)}…` : t;
  if (!/^[0-9a-f]+$/.test(s)) return `'${shown}' is not a hex address (0x… or hex digits, "_" allowed)`;
  // (Leading zeros are still the same address.)
  const digits = s.replace(/^0+(?=.)/, '');
  if (digits.length > 16) return `'${shown}' has more than 64 bits (${digits.length} hex digits)`;
  return BigInt(`0x${digits}`);
}

// ------------------------------------------------------ event details ---

/** One-line human text of an event (events list). */
export function eventDetail(e: Ev): string {
  const parts: string[] = [];
  const g = (k: string): string => {
    const v = e[k];
    const b = big(v);
    return b !== null ? hexGrouped(b) : String(v);
  };
  switch (e.op) {
    case 'translate':
      parts.push(`${String(e.fn)}(${g('in')}) = ${g('out')}`);
      break;
    case 'walk': {
      const levels = Array.isArray(e.levels) ? (e.levels as Record<string, unknown>[]) : [];
      parts.push(`${g('iova')}: ${levels.map((l) => `L${String(l.level)}[${String(l.index)}]=${hexGrouped(big(l.descriptor))}`).join(' → ')} ⇒ ${g('out')}`);
      break;
    }
    case 'map':
      // (IOVA → PA, as the walk, the address box and the CLI write a mapping.)
      parts.push(`${String(e.api)}: IOVA ${g('iova')} → PA ${g('pa')} (${String(e.size)} B)`);
      break;
    case 'unmap':
      parts.push(`${String(e.api)}: ${g('iova')} (${String(e.size)} B)`);
      break;
    case 'alloc':
      // (The IOVA allocator's event carries an IOVA, no PA.)
      parts.push(`${String(e.what)}: ${e.iova !== undefined && e.iova !== null ? `IOVA ${g('iova')}` : `PA ${g('pa')}`}${e.va ? `, VA ${g('va')}` : ''}${e.page ? `, page ${g('page')}` : ''} (${String(e.size)} B)`);
      break;
    case 'free':
      parts.push(`${String(e.what)}: PA ${g('pa')}`);
      break;
    case 'bounce':
      parts.push(`${String(e.dir)} slot ${String(e.slot)}: orig ${g('orig')} ↔ ${g('tlb')}`);
      break;
    case 'page-get':
    case 'page-put':
      parts.push(`page ${g('page')} (pfn ${g('pfn')}) count ${String(e.count)}`);
      break;
    case 'fault':
      parts.push(`${String(e.who)}: ${String(e.event)} at ${g('addr')}`);
      break;
    default:
      for (const [k, v] of Object.entries(e)) if (k !== 'op' && k !== 'note' && k !== 'step') parts.push(`${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  if (typeof e.note === 'string' && e.note) parts.push(`— ${e.note}`);
  return parts.join(' ');
}

// ------------------------------------------------------ translation rows ---

const DEVICE_TO_PA = /(^|→ )(iommu_iova_to_phys|nicvf_iova_to_phys|identity|dma_to_phys)$|^nicvf_iova_to_phys\b/;

/** Is this event a device address → PA translation that opens a row? */
export function opensRow(e: Ev): boolean {
  if (e.op !== 'translate' || typeof e.fn !== 'string') return false;
  if (/unmap|^note$|^choose$/.test(e.fn)) return false;
  return DEVICE_TO_PA.test(e.fn);
}

interface MapRec { pa: bigint; iova: bigint; size: bigint; at: number }

function pageShiftOf(run: RunJson): bigint {
  const ps = Number(run.platform.pageSize ?? 4096);
  return BigInt(Math.max(12, Math.round(Math.log2(ps > 0 ? ps : 4096))));
}

/** The truth for one device address: the buffer the driver mapped to it. */
interface SlotRec { start: bigint; end: bigint; orig: bigint | null }

function truthFor(run: RunJson, device: bigint, before: number, maps: MapRec[], allocs: Ev[], shift: bigint, slots: SlotRec[]): TranslationRow['truth'] {
  const runTruth = { pa: big(run.truth.pa), va: big(run.truth.va), page: big(run.truth.page) };
  const candidates = maps.filter((m) => m.at < before && device >= m.iova && device < m.iova + m.size);
  let pa: bigint | null = null;
  if (candidates.length) {
    const computed = candidates.map((m) => m.pa + (device - m.iova));
    pa = runTruth.pa !== null && computed.includes(runTruth.pa) ? runTruth.pa : computed[computed.length - 1];
  }
  if (pa === null) return runTruth;
  // A mapping of a bounce slot (dma-iommu for untrusted devices): the buffer is the slot's original.
  const slot = slots.find((x) => pa! >= x.start && pa! < x.end && x.orig !== null);
  if (slot) pa = slot.orig! + (pa - slot.start);
  let va: bigint | null = null;
  let page: bigint | null = null;
  for (const a of allocs) {
    const apa = big(a.pa);
    const size = BigInt(Number(a.size ?? 0));
    if (apa === null || pa < apa || pa >= apa + size) continue;
    const ava = big(a.va);
    if (ava !== null) va = ava + (pa - apa);
    if (pa >> shift === apa >> shift) page = big(a.page);
    break;
  }
  if (runTruth.pa !== null && pa >> shift === runTruth.pa >> shift) {
    va ??= runTruth.va !== null ? runTruth.va + (pa - runTruth.pa) : null;
    page ??= runTruth.page;
  }
  return { pa, va, page };
}

function noteOf(e: Ev): string | null {
  return typeof e.note === 'string' && e.note ? e.note : null;
}

/** Derives the translation rows of a run (see the file comment). */
export function deriveRows(run: RunJson): TranslationRow[] {
  const ev = run.events;
  const shift = pageShiftOf(run);
  const maps: MapRec[] = [];
  const allocs: Ev[] = [];
  const slots: SlotRec[] = [];
  const anchors: number[] = [];
  ev.forEach((e, i) => {
    if (e.op === 'map') {
      const pa = big(e.pa);
      const iova = big(e.iova);
      if (pa !== null && iova !== null) maps.push({ pa, iova, size: BigInt(Number(e.size ?? 0)), at: i });
    } else if (e.op === 'alloc') allocs.push(e);
    else if (e.op === 'bounce') {
      const tlb = big(e.tlb);
      if (tlb !== null) slots.push({ start: tlb, end: tlb + BigInt(Number(e.size ?? 0)), orig: big(e.orig) });
    }
    if (opensRow(e)) anchors.push(i);
  });
  const inSlot = (pa: bigint) => slots.some((s) => pa >= s.start && pa < s.end);
  const rows: TranslationRow[] = [];
  anchors.forEach((at, n) => {
    const e = ev[at];
    const last = n + 1 < anchors.length ? anchors[n + 1] - 1 : ev.length - 1;
    const device = big(e.in);
    const pa = big(e.out);
    // The walk that produced it: a walk of the same IOVA just before (hardware lookups may sit between).
    let walkAt = -1;
    for (let j = at - 1; j >= Math.max(0, at - 4); j--) {
      if (ev[j].op === 'walk' && big(ev[j].iova) === device) { walkAt = j; break; }
      if (opensRow(ev[j])) break;
    }
    const first = walkAt >= 0 ? walkAt : at;
    const walk: WalkLevelView[] | null = walkAt >= 0 && Array.isArray(ev[walkAt].levels)
      ? (ev[walkAt].levels as Record<string, unknown>[]).map((l) => ({
        level: Number(l.level), index: Number(l.index), descriptor: String(l.descriptor), next: String(l.next), valid: big(l.descriptor) !== 0n,
      }))
      : null;
    const walkOut = walkAt >= 0 ? big(ev[walkAt].out) : null;
    const truth = device !== null ? truthFor(run, device, at, maps, allocs, shift, slots) : { pa: null, va: null, page: null };
    let va: bigint | null = null; let vaAt = -1; let vaNote: string | null = null;
    let page: bigint | null = null; let pageAt = -1; let pageNote: string | null = null;
    let ref: number | null = null; let refAt = -1; let refPage: bigint | null = null; let refNote: string | null = null;
    let fault: string | null = null; let faultAt = -1;
    const notes: string[] = [];
    const hwNote = at > 0 && ev[at - 1].op === 'translate' && /_hard$/.test(String(ev[at - 1].fn)) ? noteOf(ev[at - 1]) : null;
    for (let j = first; j <= last; j++) {
      const x = ev[j];
      const note = noteOf(x);
      if (x.op === 'translate') {
        if (x.fn === 'phys_to_virt' && va === null) { va = big(x.out); vaAt = j; vaNote = note; }
        else if ((x.fn === 'virt_to_page' || x.fn === 'pfn_to_page') && page === null) { page = big(x.out); pageAt = j; pageNote = note; }
        else if (x.fn === 'note' && note) notes.push(note);
        else if (j !== at && note && x.fn !== 'choose' && !/iova_to_phys|_hard$/.test(String(x.fn))) notes.push(`${String(x.fn)}: ${note}`);
      } else if ((x.op === 'page-put' || x.op === 'page-get') && ref === null) {
        ref = Number(x.count); refAt = j; refPage = big(x.page); refNote = note;
        if (page === null) { page = refPage; pageAt = j; }
      } else if (x.op === 'fault' && fault === null) {
        fault = `${String(x.event)}${note ? `: ${note}` : ''}`; faultAt = j;
      }
    }
    const cells: Cell[] = [];
    const tPage = truth.pa !== null ? truth.pa >> shift : null;
    // device address
    const walkStop = walk?.find((l) => !l.valid);
    cells.push({
      key: 'device', text: hexGrouped(device), event: at,
      ok: walkStop ? false : null,
      reason: walkStop ? `IOVA unmapped: walk stops at L${walkStop.level}` : 'what the device gave back',
    });
    // walk
    if (walk) {
      const okWalk = walkOut !== null && tPage !== null && walkOut >> shift === tPage;
      cells.push({
        key: 'walk', text: walk.map((l) => `L${l.level}[${l.index}]`).join(' → '), event: walkAt,
        ok: walkOut === null || tPage === null ? null : okWalk,
        reason: walkStop ? `invalid descriptor at L${walkStop.level}` : okWalk ? `maps to the buffer's page` : walkOut !== null && inSlot(walkOut) ? 'maps a bounce slot, not your page' : 'maps another page',
      });
    } else {
      cells.push({ key: 'walk', text: '—', ok: null, event: at, reason: hwNote ?? (/identity/.test(String(e.fn)) || /no IOMMU/.test(noteOf(e) ?? '') ? 'no IOMMU walk: the DMA address is taken as the PA' : 'no page-table walk') });
    }
    // PA
    let paOk: boolean | null = null; let paReason = '';
    if (pa === null) { paReason = 'no value'; }
    else if (truth.pa === null) { paReason = 'no truth to compare'; }
    else if (pa === truth.pa) { paOk = true; paReason = 'the buffer\'s PA'; }
    else if (pa === 0n) { paOk = false; paReason = 'IOVA → PA returned 0 (NULL)'; }
    // The page is right (virt_to_page/put_page are fine), the offset is not: the data read there is
    // another buffer's (Intel before v5.6 dropped the in-page offset) — wrong, as the run's verdict says.
    else if (pa >> shift === truth.pa >> shift) { paOk = false; paReason = `same page, offset lost: the buffer is at ${hexGrouped(truth.pa)} — right for the page, wrong for reading the data`; }
    else if (inSlot(pa)) { paOk = false; paReason = 'bounce slot, not your page'; }
    else { paOk = false; paReason = hwNote ? `another page: ${hwNote}` : `another page (buffer at ${hexGrouped(truth.pa)})`; }
    cells.push({ key: 'pa', text: hexGrouped(pa), ok: paOk, reason: paReason, event: at });
    // VA
    if (vaAt >= 0) {
      let ok: boolean | null = null; let reason = '';
      if (vaNote && /not a linear|beyond high_memory|not a lowmem/.test(vaNote)) { ok = false; reason = 'outside the linear map'; }
      else if (truth.va !== null && va === truth.va) { ok = true; reason = 'the buffer\'s VA'; }
      else if (truth.va !== null && va !== null && va >> shift === truth.va >> shift) { ok = true; reason = 'the buffer\'s page in the linear map'; }
      else if (truth.va === null) { ok = null; reason = 'the buffer has no linear-map VA (highmem)'; }
      else if (pa !== null && inSlot(pa)) { ok = false; reason = 'VA of the bounce slot'; }
      else { ok = false; reason = `another VA (buffer at ${hexGrouped(truth.va)})`; }
      cells.push({ key: 'va', text: hexGrouped(va), ok, reason: vaNote && ok !== false ? vaNote : reason, event: vaAt });
    } else cells.push({ key: 'va', text: '—', ok: null, reason: 'not computed', event: at });
    // struct page
    if (pageAt >= 0) {
      let ok: boolean | null = null; let reason = '';
      if (pageNote && /not a valid/.test(pageNote)) { ok = false; reason = 'not a valid struct page'; }
      else if (truth.page !== null && page === truth.page) { ok = true; reason = 'the buffer\'s struct page'; }
      else if (truth.page === null) reason = 'no truth to compare';
      else { ok = false; reason = pa !== null && inSlot(pa) ? 'the SWIOTLB pool\'s page' : 'another struct page'; }
      cells.push({ key: 'page', text: hexGrouped(page), ok, reason, event: pageAt });
    } else cells.push({ key: 'page', text: '—', ok: null, reason: 'not computed', event: at });
    // refcount
    if (refAt >= 0) {
      const mine = truth.page !== null && refPage === truth.page;
      const ok = fault !== null && faultAt > refAt - 1 && /page|put_page/i.test(fault) ? false : mine;
      cells.push({ key: 'ref', text: String(ref), ok, reason: ok ? (refNote ?? 'the buffer\'s reference') : fault && !mine ? fault : mine ? (fault ?? 'refcount problem') : 'drops a reference on a page the driver does not own', event: refAt });
    } else if (fault !== null && /put_page|struct page/.test(fault)) {
      cells.push({ key: 'ref', text: '✗', ok: false, reason: fault, event: faultAt });
    } else cells.push({ key: 'ref', text: '—', ok: null, reason: notes.find((x) => /dropped|leak/.test(x)) ?? 'no page reference taken or dropped', event: at });
    const firstBad = cells.find((c) => c.ok === false);
    rows.push({
      n, first, last, fn: String(e.fn), device, pa, va, page, walk, walkOut, truth, cells, fault, notes,
      ok: !firstBad && fault === null,
      reason: firstBad ? `${CELL_LABELS[firstBad.key]}: ${firstBad.reason}` : fault ?? 'matches the truth',
    });
  });
  return rows;
}

/** Rows whose first event has been played (cursor = number of events shown). */
export function visibleRowCount(rows: TranslationRow[], cursor: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].first < cursor) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** The cursor after "step": the end of the next row (or the end of the run). */
export function nextStop(rows: TranslationRow[], cursor: number, total: number): number {
  for (const r of rows) if (r.last + 1 > cursor) return r.last + 1;
  return total;
}

// ------------------------------------------------------ virtual lists ---

export interface Window {
  start: number;
  end: number;
  padTop: number;
  padBottom: number;
}

/** Which items of a fixed-row-height list to render for a scroll position. */
export function virtualWindow(scrollTop: number, viewport: number, rowHeight: number, count: number, overscan = 8): Window {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, padTop: 0, padBottom: 0 };
  const first = Math.max(0, Math.floor(Math.max(0, scrollTop) / rowHeight) - overscan);
  const visible = Math.ceil(Math.max(viewport, rowHeight) / rowHeight) + 2 * overscan;
  const start = Math.min(first, Math.max(0, count - 1));
  const end = Math.min(count, start + visible);
  return { start, end, padTop: start * rowHeight, padBottom: (count - end) * rowHeight };
}

// ------------------------------------------------------------ platform ---

export const ARCH_VALUES = ['arm64', 'arm32', 'arm32-lpae', 'x86_64'] as const;
export const PAGE_VALUES = [4096, 16384, 65536] as const;
export const IOMMU_VALUES = ['none', 'smmuv2', 'smmuv3', 'intel', 'amd'] as const;
export const DOMAIN_VALUES = ['none', 'dma', 'dma-fq', 'identity', 'blocked', 'unmanaged'] as const;
export const ERA_VALUES = ['2017', 'patched', '5.4', '6.12'] as const;
export const SWIOTLB_VALUES = ['off', 'on', 'force'] as const;

export type { PlatformFields };

export function fieldsOf(p: Record<string, unknown>): PlatformFields {
  return {
    arch: String(p.arch), pageSize: Number(p.pageSize), iommu: String(p.iommu), domain: String(p.domain), era: String(p.era),
    dmaOffset: String(p.dmaOffset ?? '0x0'), swiotlb: String(p.swiotlb), untrusted: p.untrusted === true,
  };
}

/**
 * The platform spec (`preset,key=value…`, SPEC §2) for fields set in the
 * picker: the preset plus an override for every field that differs from it.
 */
export function platformSpec(preset: string, base: PlatformFields, f: PlatformFields): string {
  const parts = [preset];
  if (f.arch !== base.arch) parts.push(`arch=${f.arch}`);
  if (f.pageSize !== base.pageSize) parts.push(`page=${f.pageSize / 1024}k`);
  if (f.iommu !== base.iommu) parts.push(`iommu=${f.iommu}`);
  if (f.domain !== base.domain) parts.push(`domain=${f.domain}`);
  if (f.era !== base.era) parts.push(`era=${f.era}`);
  const off = parseAddress(f.dmaOffset) ?? 0n;
  if (off !== (parseAddress(base.dmaOffset) ?? 0n)) parts.push(`dma-offset=${hex(off)}`);
  if (f.swiotlb !== base.swiotlb) parts.push(`swiotlb=${f.swiotlb}`);
  if (f.untrusted !== base.untrusted) parts.push(`untrusted=${f.untrusted ? 'yes' : 'no'}`);
  return parts.join(',');
}

/** Keeps the picker's fields consistent after one of them changed (the emulator rejects the rest with a reason). */
export function adjustFields(f: PlatformFields, changed: keyof PlatformFields): PlatformFields {
  const out = { ...f };
  if (changed === 'iommu') {
    if (out.iommu === 'none') { out.domain = 'none'; out.untrusted = false; }
    else if (out.domain === 'none') out.domain = 'dma';
  }
  if (changed === 'domain' && out.domain !== 'none' && out.iommu === 'none') out.iommu = out.arch === 'x86_64' ? 'intel' : 'smmuv3';
  if (changed === 'arch' && out.arch !== 'arm64') out.pageSize = 4096;
  return out;
}

// -------------------------------------------------------------- matrix ---

export const GOOD_OUTCOMES = new Set(['correct']);

export interface MatrixCell {
  platform: string;
  description: string;
  outcome: string[];
  ok: boolean;
  label: string;
}

export function matrixCells(rows: RunJson[], presets: { name: string; description: string }[]): MatrixCell[] {
  return rows.map((r) => {
    const name = r.platform.name;
    const ok = r.outcome.length > 0 && r.outcome.every((o) => GOOD_OUTCOMES.has(o));
    return { platform: name, description: presets.find((p) => p.name === name)?.description ?? '', outcome: [...r.outcome], ok, label: r.outcome.join(', ') || '—' };
  });
}

/** The first cell worth opening: the first platform where the chain goes wrong (else the first). */
export function firstInteresting(cells: MatrixCell[]): number {
  const i = cells.findIndex((c) => !c.ok);
  return i >= 0 ? i : 0;
}

// -------------------------------------------------------- address box ---

export interface IovaView {
  /** The run's mapping that covers the address (map event), if any. */
  map: { api: string; iova: bigint; pa: bigint; size: number; event: number } | null;
  /** PA the mapping gives for the address. */
  pa: bigint | null;
  /** The last walk of the same IOMMU page in the run. */
  walk: { levels: WalkLevelView[]; out: bigint | null; iova: bigint; event: number } | null;
  unmapped: boolean;
}

/** The address taken as an IOVA / DMA address of the current run (up to event `upTo`, the playback cursor): its mapping, and the walk the run did for that page. */
export function iovaView(run: RunJson, addr: bigint, upTo = run.events.length): IovaView {
  const shift = pageShiftOf(run);
  let map: IovaView['map'] = null;
  let unmapped = false;
  let walk: IovaView['walk'] = null;
  run.events.forEach((e, i) => {
    if (i >= upTo) return;
    if (e.op === 'map') {
      const iova = big(e.iova); const pa = big(e.pa); const size = Number(e.size ?? 0);
      if (iova !== null && pa !== null && addr >= iova && addr < iova + BigInt(size)) { map = { api: String(e.api), iova, pa, size, event: i }; unmapped = false; }
    } else if (e.op === 'unmap') {
      const iova = big(e.iova); const size = BigInt(Number(e.size ?? 0));
      if (iova !== null && addr >= iova && addr < iova + (size > 0n ? size : 1n)) unmapped = true;
    } else if (e.op === 'walk') {
      const iova = big(e.iova);
      if (iova !== null && iova >> shift === addr >> shift && Array.isArray(e.levels)) {
        walk = {
          iova, out: big(e.out), event: i,
          levels: (e.levels as Record<string, unknown>[]).map((l) => ({ level: Number(l.level), index: Number(l.index), descriptor: String(l.descriptor), next: String(l.next), valid: big(l.descriptor) !== 0n })),
        };
      }
    }
  });
  const m = map as IovaView['map'];
  return { map: m, pa: m ? m.pa + (addr - m.iova) : null, walk, unmapped };
}

/** Flattens the host's address answer to [space, function, value, note] lines. */
export function addressLines(a: AddressJson): { space: string; fn: string; value: string; note: string }[] {
  const space = { pa: 'as a PA', va: 'as a kernel VA', dma: 'as a DMA address' } as const;
  return a.views.flatMap((v) => v.rows.map((r) => ({ space: space[v.as], fn: r.fn, value: r.value === null ? '' : hexGrouped(big(r.value)), note: r.note ?? '' })));
}

// ---------------------------------------------------------- memory map ---

export interface MapBand { name: string; start: bigint; end: bigint; y: number; h: number }
export interface MapMark { label: string; addr: bigint; y: number; band: string | null; ok: boolean | null }

/**
 * The kernel VA map as equal-height bands (schematic: the regions differ by
 * orders of magnitude) with marks placed proportionally inside their band.
 */
export function layoutVaMap(regions: { name: string; start: bigint; end: bigint }[], marks: { label: string; addr: bigint | null; ok: boolean | null }[], height: number): { bands: MapBand[]; marks: MapMark[] } {
  const sorted = [...regions].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const n = Math.max(1, sorted.length);
  const bh = height / n;
  // Highest address on top, as kernel docs draw it.
  const bands = sorted.map((r, i) => ({ ...r, y: (n - 1 - i) * bh, h: bh }));
  const out: MapMark[] = [];
  for (const m of marks) {
    if (m.addr === null) continue;
    const b = bands.find((x) => m.addr! >= x.start && m.addr! < x.end);
    if (!b) { out.push({ label: m.label, addr: m.addr, y: m.addr < (sorted[0]?.start ?? 0n) ? height : 0, band: null, ok: m.ok }); continue; }
    const span = b.end - b.start;
    const frac = span > 0n ? Number(((m.addr - b.start) * 1000n) / span) / 1000 : 0;
    out.push({ label: m.label, addr: m.addr, y: b.y + b.h - frac * b.h, band: b.name, ok: m.ok });
  }
  return { bands, marks: out };
}

/** Physical-address column: linear scale from 0 to the next power of two above every mark. */
export function layoutPaMap(marks: { label: string; addr: bigint | null; ok: boolean | null }[], height: number): { top: bigint; marks: MapMark[] } {
  let top = 1n << 32n;
  for (const m of marks) if (m.addr !== null) while (m.addr >= top) top <<= 1n;
  const out = marks.filter((m) => m.addr !== null).map((m) => ({
    label: m.label, addr: m.addr!, band: null, ok: m.ok,
    y: height - (Number((m.addr! * 10000n) / top) / 10000) * height,
  }));
  return { top, marks: out };
}

// ------------------------------------------------------------- export ---

/** The trace file written by "Export trace": the run's SPEC §2 JSON, pretty-printed. */
export function traceFileText(run: RunJson): string {
  return `${JSON.stringify(run, null, 2)}\n`;
}

export function traceFileName(run: RunJson): string {
  const what = run.scenario ?? 'chain';
  const plat = run.platform.name.split(',')[0].replace(/[^A-Za-z0-9._-]+/g, '_');
  return `iova-lens-trace-${what}-${plat}.json`;
}

/** Key identifying what a run shows, to restore view state (cursor, row) for the same run only. */
export function runKey(run: RunJson): string {
  return run.scenario ? `scenario:${run.scenario}` : run.program ? `program:${run.program}@${run.platform.name}` : `chain:${run.chain.join(' ')}${run.guard ? ` guard:${run.guard.step}` : ''}@${run.platform.name}`;
}

/**
 * What a guard means, in one line: `the code tests iova-to-phys|identity (step 1) for 0 and stops there on 0`
 * (the webview's chain line, `iova-lens emulate`, the hover).
 */
export function guardText(chain: string[], guard: GuardJson): string {
  return `the code tests ${chain[guard.step] ?? `step ${guard.step}`} (step ${guard.step}) for 0 and stops there on 0`;
}
