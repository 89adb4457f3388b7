// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from '../../src/extension/webview-html';
import { isWebviewToHost } from '../../src/protocol/emulator-messages';

test('the emulator panel HTML has a strict CSP with the nonce and no inline handlers', () => {
  const html = renderHtml({ cspSource: 'vscode-resource:', nonce: 'abc123', scriptUri: 'x/main.js', styleUri: 'x/e.css' });
  const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.ok(scripts.length > 0 && scripts.every((s) => s.includes('nonce="abc123"')));
});

test('messages from the webview are validated', () => {
  assert.ok(isWebviewToHost({ type: 'ready' }));
  assert.ok(isWebviewToHost({ type: 'runScenario', id: 'S12' }));
  assert.ok(isWebviewToHost({ type: 'runChain', chain: ['dma-handle', 'iova-to-phys|identity'], platform: 'arm64-4k' }));
  for (const bad of [null, 1, 'ready', {}, { type: 'ready', extra: 1 }, { type: 'runScenario', id: 'S13' }, { type: 'runScenario', id: 5 },
    { type: 'runChain', chain: [], platform: 'x' }, { type: 'runChain', chain: ['<script>'], platform: 'x' }, { type: 'runChain', chain: ['a'], platform: 7 }, { type: 'eval', code: '1' }]) {
    assert.equal(isWebviewToHost(bad), false, JSON.stringify(bad));
  }
});
