// SPDX-License-Identifier: MIT
// The link to the extension host: the one acquireVsCodeApi() handle, typed
// posting, the persisted view state (setState/getState), and a shape check
// of incoming messages (the host is trusted, but a malformed message must
// not break the view).
import { guardProblem, type GuardJson, type HostToWebview, type SourceRef, type WebviewToHost } from '../protocol/emulator-messages';

export type RunRef = { kind: 'scenario'; id: string } | { kind: 'chain'; chain: string[]; platform: string; guard?: GuardJson } | { kind: 'program'; id: string; platform: string };

/** What the panel remembers across hide/show and VS Code restarts (view state only; the host re-runs). */
export interface SavedState {
  v: 1;
  run?: RunRef;
  matrix?: { chain: string[]; origin?: SourceRef; guard?: GuardJson };
  /** runKey() of the run the cursor/selection belong to. */
  key?: string;
  cursor?: number;
  selected?: number;
  speed?: number;
  rowsScroll?: number;
  eventsScroll?: number;
  address?: string;
}

const api = acquireVsCodeApi<SavedState>();

export function post(m: WebviewToHost): void {
  api.postMessage(m);
}

/** Test hook only: posts a value that is not a valid message (see selftest.ts). */
export function postRaw(m: unknown): void {
  api.postMessage(m);
}

let state: SavedState = (() => {
  const s = api.getState();
  return s && typeof s === 'object' && s.v === 1 ? s : { v: 1 };
})();

export function getState(): SavedState {
  return state;
}

export function saveState(patch: Partial<SavedState>): void {
  state = { ...state, ...patch, v: 1 };
  api.setState(state);
}

export function isHostMessage(x: unknown): x is HostToWebview {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  switch (m.type) {
    case 'init':
      return Array.isArray(m.scenarios) && Array.isArray(m.platforms);
    case 'run': {
      const r = m.run as Record<string, unknown> | undefined;
      return !!r && Array.isArray(r.outcome) && Array.isArray(r.events) && Array.isArray(r.chain) && typeof r.platform === 'object' && (r.guard === undefined || guardProblem(r.guard, r.chain) === undefined);
    }
    case 'matrix':
      return Array.isArray(m.rows) && Array.isArray(m.chain) && typeof m.title === 'string' && (m.guard === undefined || guardProblem(m.guard, m.chain) === undefined);
    case 'address':
      return typeof m.requestId === 'number';
    case 'saved':
      return typeof m.path === 'string';
    case 'rejected':
      return typeof m.count === 'number';
    case 'error':
      return typeof m.message === 'string';
    default:
      return false;
  }
}
