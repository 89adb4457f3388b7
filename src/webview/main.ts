// SPDX-License-Identifier: MIT
// Browser side of the emulator panel: wires the views to the host messages.
// The host runs the emulator; this side plays the run back (player.ts),
// derives the translation rows (protocol/view-model.ts) and draws them.
// View state (what runs, cursor, selection, speed, address) is kept with
// setState so a hidden/restored or restarted panel comes back where it was.
import type { GuardJson, HostToWebview, PlatformInfo, RegionJson, RunJson, ScenarioInfo, SourceRef } from '../protocol/emulator-messages';
import { deriveRows, firstInteresting, guardText, hexGrouped, big, nextStop, runKey, visibleRowCount, type TranslationRow } from '../protocol/view-model';
import { AddressBox } from './address-box';
import { $, option, setText } from './dom';
import { EventsView } from './events-view';
import { getState, isHostMessage, post, saveState } from './host';
import { MatrixView } from './matrix-view';
import { drawMemoryMap } from './memory-map';
import { PlatformPicker } from './platform-picker';
import { Player } from './player';
import { installSelftest } from './selftest';
import { StreamView } from './stream-view';
import { drawWalk } from './walk-picture';

let scenarios: ScenarioInfo[] = [];
let presets: PlatformInfo[] = [];
let run: RunJson | null = null;
let regions: RegionJson[] = [];
let rows: TranslationRow[] = [];
let lastRow: TranslationRow | null | undefined;
let savedAt = 0;

const events = new EventsView();
const stream = new StreamView((r) => showRow(r));
// eslint-disable-next-line prefer-const
const player: Player = new Player(
  (cursor) => {
    events.update(cursor);
    address.cursor = cursor;
    stream.update(cursor, visibleRowCount(rows, cursor));
    // Persist the cursor when paused or at most twice a second while playing.
    const now = Date.now();
    if (run && (!player?.playing || now - savedAt > 500)) {
      savedAt = now;
      saveState({ cursor, key: runKey(run) });
    }
  },
  (cursor) => nextStop(rows, cursor, run?.events.length ?? 0),
  (speed) => saveState({ speed }),
);
const picker = new PlatformPicker((spec) => {
  if (!run) return;
  setText($('status'), `re-running the program on ${spec}…`);
  // A scenario's (or a program's) driver runs again on the new platform — S1's nicvf receive path, not
  // just its chain; any other run replays its chain.
  const program = run.program ?? scenarios.find((s) => s.id === run!.scenario)?.program;
  if (program) post({ type: 'runProgram', id: program, platform: spec });
  else post({ type: 'runChain', chain: run.chain, platform: spec, ...withGuard(run.guard) });
});
const address = new AddressBox(
  (requestId, text, platform) => post({ type: 'lookup', requestId, text, platform }),
  (text) => saveState({ address: text }),
);
const matrix = new MatrixView(
  (platform) => {
    const m = getState().matrix;
    if (m) post({ type: 'runChain', chain: m.chain, platform, ...withGuard(m.guard) });
  },
  (o: SourceRef) => post({ type: 'revealSource', path: o.path, line: o.line }),
  () => saveState({ matrix: undefined }),
);

/** `{ guard }` when there is one: messages and saved state carry the key only then. */
function withGuard(guard: GuardJson | undefined): { guard?: GuardJson } {
  return guard ? { guard } : {};
}

function showRow(r: TranslationRow | null): void {
  if (r === lastRow) return;
  lastRow = r;
  if (r) saveState({ selected: stream.selected ?? undefined });
  drawWalk(r);
  drawMemoryMap(run, regions, r);
  stream.detail(r);
  events.mark(r?.first ?? -1, r?.last ?? -1);
}

function renderRun(m: Extract<HostToWebview, { type: 'run' }>): void {
  run = m.run;
  regions = m.regions;
  rows = deriveRows(run);
  lastRow = undefined;
  const bad = run.outcome.some((o) => o !== 'correct');
  const outcome = $('outcome');
  setText(outcome, run.outcome.join(', ') || '—');
  outcome.className = bad ? 'bad' : 'good';
  document.body.dataset.outcome = run.outcome.join(' ');
  const p = run.platform;
  // (SWIOTLB in the words of its picker: off / when needed / force.)
  setText($('platform'), `platform: ${p.name} — ${String(p.arch)}, ${Number(p.pageSize) / 1024}K pages, IOMMU ${String(p.iommu)}${p.domain !== 'none' ? ` (${String(p.domain)})` : ''}, era ${String(p.era)}, dma-ranges offset ${String(p.dmaOffset)}, SWIOTLB ${p.swiotlb === 'on' ? 'when needed' : String(p.swiotlb)}${p.untrusted ? ', untrusted device' : ''}`);
  const what = run.scenario ? `${run.scenario} · ${scenarios.find((s) => s.id === run!.scenario)?.title ?? ''} · ` : run.program ? `program ${run.program} · ` : m.rule ? `${m.rule} · ` : 'chain program · ';
  setText($('chain'), `${what}chain: ${run.chain.join(' → ')}${run.guard ? ` · ${guardText(run.chain, run.guard)}` : ''}`);
  setText($('truth'), `truth (the buffer): PA ${hexGrouped(big(run.truth.pa))}, VA ${hexGrouped(big(run.truth.va))}, struct page ${hexGrouped(big(run.truth.page))}`);
  const sel = $<HTMLSelectElement>('scenario');
  if (run.scenario) sel.value = run.scenario; else sel.selectedIndex = -1;
  picker.showRun(run.platform);
  matrix.markOpen(run.scenario ? null : run.platform.name);
  events.load(run.events);
  stream.load(rows);
  address.setRun(run);
  setText($('rows-h'), `Translations (${rows.length}; ${rows.filter((r) => !r.ok).length} wrong)`);
  // Same run as before a reload: restore the cursor and the selection, paused.
  const st = getState();
  const key = runKey(run);
  saveState({ run: run.scenario ? { kind: 'scenario', id: run.scenario } : run.program ? { kind: 'program', id: run.program, platform: run.platform.name } : { kind: 'chain', chain: run.chain, platform: run.platform.name, ...withGuard(run.guard) } });
  if (st.key === key && typeof st.cursor === 'number') {
    player.load(run.events.length, st.cursor, false);
    if (typeof st.selected === 'number') stream.select(st.selected);
    if (typeof st.rowsScroll === 'number') stream.scrollTop = st.rowsScroll;
    if (typeof st.eventsScroll === 'number') events.scrollTop = st.eventsScroll;
  } else {
    saveState({ key, cursor: 0, selected: undefined, rowsScroll: undefined, eventsScroll: undefined });
    player.load(run.events.length, 0, true);
  }
  showRow(stream.current());
}

function restore(): void {
  const st = getState();
  if (typeof st.speed === 'number') player.setSpeed(st.speed);
  if (st.address) address.setText(st.address);
  if (st.matrix) post({ type: 'runMatrix', chain: st.matrix.chain, ...(st.matrix.origin ? { origin: st.matrix.origin } : {}), ...withGuard(st.matrix.guard) });
  const r = st.run;
  if (r?.kind === 'chain') post({ type: 'runChain', chain: r.chain, platform: r.platform, ...withGuard(r.guard) });
  else if (r?.kind === 'program') post({ type: 'runProgram', id: r.id, platform: r.platform });
  else post({ type: 'runScenario', id: r?.kind === 'scenario' ? r.id : 'S1' });
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const m = ev.data;
  if (!isHostMessage(m)) return;
  switch (m.type) {
    case 'init': {
      scenarios = m.scenarios;
      presets = m.platforms;
      $<HTMLSelectElement>('scenario').replaceChildren(...scenarios.map((s) => option(s.id, `${s.id} — ${s.title}`)));
      picker.setPresets(presets);
      if (m.restore) restore();
      break;
    }
    case 'run':
      setText($('error'), '');
      setText($('status'), '');
      renderRun(m);
      break;
    case 'matrix': {
      const cells = matrix.show(m, presets);
      saveState({ matrix: { chain: m.chain, ...(m.origin ? { origin: m.origin } : {}), ...withGuard(m.guard) } });
      document.body.dataset.matrix = 'shown';
      if (m.autoOpen && cells.length) post({ type: 'runChain', chain: m.chain, platform: cells[firstInteresting(cells)].platform, ...withGuard(m.guard) });
      if (m.autoOpen) $('matrix-section').scrollIntoView({ block: 'start' });
      break;
    }
    case 'address':
      address.answer(m.requestId, m.result, m.error);
      break;
    case 'saved':
      setText($('status'), `Trace saved to ${m.path}`);
      break;
    case 'rejected':
      setText($('status'), `The extension rejected ${m.count} malformed message${m.count === 1 ? '' : 's'} from this panel`);
      $('status').dataset.rejected = String(m.count);
      break;
    case 'error':
      setText($('status'), '');
      setText($('error'), m.message);
      break;
  }
});

$<HTMLSelectElement>('scenario').addEventListener('change', (e) => {
  post({ type: 'runScenario', id: (e.target as HTMLSelectElement).value });
});
$('open-matrix').addEventListener('click', () => {
  if (run) post({ type: 'runMatrix', chain: run.chain, ...withGuard(run.guard) });
});
$('export').addEventListener('click', () => post({ type: 'saveTrace' }));
$('rows-scroll').addEventListener('scroll', () => saveState({ rowsScroll: stream.scrollTop }), { passive: true });
$('events-scroll').addEventListener('scroll', () => saveState({ eventsScroll: events.scrollTop }), { passive: true });

installSelftest();
post({ type: 'ready' });
