// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from './webview-html';

const html = renderHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'bm9uY2U=', scriptUri: 'https://x/main.js', styleUri: 'https://x/emulator.css' });

test('renderHtml: strict CSP, nonce on the only script, no inline handlers or styles', () => {
  const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.equal(csp, "default-src 'none'; style-src https://x.vscode-cdn.net; img-src https://x.vscode-cdn.net data:; font-src https://x.vscode-cdn.net; script-src 'nonce-bm9uY2U='");
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handlers');
  assert.doesNotMatch(html, /\sstyle\s*=/i, 'no inline style attributes');
  assert.doesNotMatch(html, /<style/i);
  const scripts = html.match(/<script[^>]*>/g) ?? [];
  assert.deepEqual(scripts, ['<script nonce="bm9uY2U=" src="https://x/main.js">']);
});

test('renderHtml: the ids the webview code and the e2e tests use are all there', () => {
  for (const id of ['title', 'scenario', 'outcome', 'chain', 'truth', 'events', 'rows', 'rows-scroll', 'events-scroll', 'matrix', 'matrix-section', 'matrix-title',
    'source-link', 'pf-preset', 'pf-arch', 'pf-page', 'pf-iommu', 'pf-domain', 'pf-era', 'pf-offset', 'pf-swiotlb', 'pf-untrusted', 'pb-play', 'pb-step',
    'pb-end', 'pb-restart', 'pb-speed', 'address', 'address-form', 'address-result', 'walk-svg', 'map-svg', 'export', 'status', 'error']) {
    assert.equal((html.match(new RegExp(`id="${id}"`, 'g')) ?? []).length, 1, `#${id} exactly once`);
  }
  assert.match(html, /<h1 id="title">IOVA Lens Emulator<\/h1>/);
});

test('renderHtml: a fresh nonce changes only the nonce', () => {
  const other = renderHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'b3RoZXI=', scriptUri: 'https://x/main.js', styleUri: 'https://x/emulator.css' });
  assert.equal(other.replaceAll('b3RoZXI=', 'bm9uY2U='), html);
});
