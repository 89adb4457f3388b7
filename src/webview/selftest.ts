// SPDX-License-Identifier: MIT
// Test hook for the end-to-end suite: a page script cannot reach the host
// (acquireVsCodeApi() works once, and this bundle holds it), so the suite
// dispatches `iova-lens:selftest-malformed` on the webview's window and this
// code posts a FIXED set of malformed messages. The host must reject every
// one (it logs them to the "IOVA Lens" output channel and answers with a
// `rejected` count the panel shows). The hook cannot send anything else, so
// it gives a script in the webview no power it would not have anyway.
import { LIMITS } from '../protocol/emulator-messages';
import { postRaw } from './host';

export const SELFTEST_EVENT = 'iova-lens:selftest-malformed';

export function malformedMessages(): unknown[] {
  return [
    null,
    'ready',
    { type: 'eval', code: 'process.exit(1)' },
    { type: 'runScenario', id: 'S99' },
    { type: 'runScenario', id: 'S1', extra: true },
    { type: 'runChain', chain: ['dma-handle'], platform: 'x'.repeat(LIMITS.platformChars + 1) },
    { type: 'runChain', chain: Array.from({ length: LIMITS.chainSteps + 1 }, () => 'identity'), platform: 'arm64-4k' },
    { type: 'revealSource', path: '/etc/passwd', line: 0 },
    { type: 'lookup', requestId: -1, text: '0x1', platform: 'arm64-4k' },
    // A guard past the chain's end (the checker's guard names a step after the source).
    { type: 'runChain', chain: ['dma-handle', 'iova-to-phys'], platform: 'arm64-4k', guard: { step: 7 } },
  ];
}

export function installSelftest(): void {
  window.addEventListener(SELFTEST_EVENT, () => {
    for (const m of malformedMessages()) postRaw(m);
  });
}
