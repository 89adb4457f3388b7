// SPDX-License-Identifier: MIT
// The hover on a flagged call: title, message (unless the client shows it in
// the hover itself), chain, the platform table and the links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hoverFor } from './hover';
import type { Finding } from '../core/types';

const F: Finding = {
  path: 'drivers/acme/acme.c', line: 3, column: 9, endLine: 3, endColumn: 21,
  rule: 'linear-map-assumption', severity: 'warning', concerns: ['c'], function: 'acme_rx',
  message: 'phys_to_virt() assumes a linear-map address', chain: ['dma-handle', 'iova-to-phys', 'phys-to-virt'], related: [],
};
const value = (...a: [boolean?, boolean?]) => (hoverFor([F], { line: 2, character: 10 }, (p) => `/w/${p}`, ...a)!.contents as { value: string }).value;

test('hover: the message once — in the hover for clients that show diagnostics apart (Neovim, eglot), left to VS Code where it shows them in the hover', () => {
  const withMessage = value(false, true);
  assert.match(withMessage, /^\*\*IOVA Lens · `linear-map-assumption`\*\* \(c\)\n\nphys\\_to\\_virt\\\(\\\) assumes a linear-map address\n\nChain: /);
  const vscode = value(true, false);
  assert.match(vscode, /^\*\*IOVA Lens · `linear-map-assumption`\*\* \(c\)\n\nChain: `dma-handle → iova-to-phys → phys-to-virt`/);
  assert.doesNotMatch(vscode, /assumes a linear-map address/);
  for (const v of [withMessage, vscode]) {
    assert.match(v, /\| outcome: platforms \| each step returns \|/);
    assert.match(v, /\[Rule documentation\]\(/);
  }
  assert.match(vscode, /\[Replay in emulator\]\(command:iovaLens\.replayInEmulator\?/);
  assert.doesNotMatch(withMessage, /command:/);
});
