// SPDX-License-Identifier: MIT
// Messages between the extension host and the emulator webview. The webview
// is untrusted input: every message it sends is checked by isWebviewToHost()
// before the host acts on it. Addresses travel as "0x…" strings.

/** One emulator run in the JSON shape of SPEC §2 (emulator/index.ts toJson). */
export interface RunJson {
  scenario: string | null;
  chain: string[];
  platform: Record<string, unknown> & { name: string };
  outcome: string[];
  truth: Record<string, string | null>;
  events: ({ op: string } & Record<string, unknown>)[];
}

export interface ScenarioInfo {
  id: string;
  title: string;
  platform: string;
}

/** Host → webview. */
export type HostToWebview =
  | { type: 'init'; scenarios: ScenarioInfo[]; platforms: string[] }
  | { type: 'run'; source: 'scenario' | 'chain'; run: RunJson; rule?: string }
  | { type: 'error'; message: string };

/** Webview → host. */
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'runScenario'; id: string }
  | { type: 'runChain'; chain: string[]; platform: string };

const STEP_RE = /^[a-z-]+(\|[a-z-]+)*$/;

export function isWebviewToHost(x: unknown): x is WebviewToHost {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return Object.keys(m).length === 1;
    case 'runScenario':
      return typeof m.id === 'string' && /^S(1[0-2]|[1-9])$/.test(m.id);
    case 'runChain':
      return (
        Array.isArray(m.chain) &&
        m.chain.length > 0 &&
        m.chain.length <= 32 &&
        m.chain.every((s) => typeof s === 'string' && s.length <= 64 && STEP_RE.test(s)) &&
        typeof m.platform === 'string' &&
        m.platform.length <= 256
      );
    default:
      return false;
  }
}
