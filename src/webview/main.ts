// SPDX-License-Identifier: MIT
// Browser side of the emulator panel: renders the runs the host sends.
// Messages are validated here too (the host is trusted, but a malformed
// message must not break the view), and the selected scenario is kept with
// setState so a hidden/restored panel comes back where it was.
import type { HostToWebview, RunJson } from '../protocol/emulator-messages';

interface ViewState {
  scenario?: string;
}

const vscode = acquireVsCodeApi<ViewState>();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const GOOD = new Set(['correct']);

function text(el: HTMLElement, s: string): void {
  el.textContent = s;
}

function detail(e: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (k === 'op') continue;
    if (k === 'levels' && Array.isArray(v)) {
      parts.push(
        'walk: ' +
          v
            .map((l: Record<string, unknown>) => `L${String(l.level)}[${String(l.index)}]=${String(l.descriptor)}→${String(l.next)}`)
            .join('  '),
      );
    } else parts.push(`${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  }
  return parts.join('  ');
}

function renderRun(run: RunJson, rule?: string): void {
  const outcome = $('outcome');
  text(outcome, run.outcome.join(', '));
  outcome.className = run.outcome.every((o) => GOOD.has(o)) ? 'good' : 'bad';
  text($('platform'), `platform: ${run.platform.name}`);
  text($('chain'), `${run.scenario ? `${run.scenario} · ` : ''}${rule ? `${rule} · ` : ''}chain: ${run.chain.join(' → ')}`);
  text($('truth'), `truth: ${Object.entries(run.truth).map(([k, v]) => `${k} ${v ?? '—'}`).join(', ')}`);
  const body = $('events').querySelector('tbody')!;
  body.replaceChildren();
  const frag = document.createDocumentFragment();
  run.events.forEach((e, i) => {
    const tr = document.createElement('tr');
    tr.className = 'event';
    tr.dataset.op = e.op;
    for (const s of [String(i + 1), e.op, detail(e)]) {
      const td = document.createElement('td');
      td.textContent = s;
      tr.appendChild(td);
    }
    frag.appendChild(tr);
  });
  body.appendChild(frag);
  const sel = $<HTMLSelectElement>('scenario');
  if (run.scenario) sel.value = run.scenario;
}

function isHostMessage(x: unknown): x is HostToWebview {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as { type?: unknown; run?: { outcome?: unknown; events?: unknown } };
  if (m.type === 'run') return Array.isArray(m.run?.outcome) && Array.isArray(m.run?.events);
  return m.type === 'init' || m.type === 'error';
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const m = ev.data;
  if (!isHostMessage(m)) return;
  switch (m.type) {
    case 'init': {
      const sel = $<HTMLSelectElement>('scenario');
      sel.replaceChildren(
        ...m.scenarios.map((s) => {
          const o = document.createElement('option');
          o.value = s.id;
          o.textContent = `${s.id} — ${s.title}`;
          return o;
        }),
      );
      const saved = vscode.getState()?.scenario;
      if (saved) {
        sel.value = saved;
        vscode.postMessage({ type: 'runScenario', id: saved });
      }
      break;
    }
    case 'run':
      text($('error'), '');
      renderRun(m.run, m.rule);
      break;
    case 'error':
      text($('error'), m.message);
      break;
  }
});

$<HTMLSelectElement>('scenario').addEventListener('change', (e) => {
  const id = (e.target as HTMLSelectElement).value;
  vscode.setState({ scenario: id });
  vscode.postMessage({ type: 'runScenario', id });
});

vscode.postMessage({ type: 'ready' });
