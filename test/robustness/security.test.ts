// SPDX-License-Identifier: MIT
// Security review (issue 9): the webview's CSP and localResourceRoots, no
// eval/new Function in any shipped bundle, no markup built from a file name
// (`<img src=x onerror=alert(1)>.c`) in any CLI output, hover command links
// only to our own commands, and webview messages of the wrong shape or size
// rejected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO, SAMPLE } from '../helpers';
import { renderHtml } from '../../src/extension/webview-html';
import { hoverFor } from '../../src/server/hover';
import { isWebviewToHost, describeRejected } from '../../src/protocol/emulator-messages';
import type { Finding } from '../../src/core/types';

const EVIL = '<img src=x onerror=alert(1)>';

test('webview HTML: default-src none, scripts only by nonce, no inline handlers, no unsafe-*', () => {
  const html = renderHtml({ cspSource: 'vscode-resource:', nonce: 'abc123', scriptUri: 'vscode-resource:/main.js', styleUri: 'vscode-resource:/e.css' });
  const csp = /Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /^default-src 'none';/);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});

test('emulator panel: localResourceRoots are dist/webview and media only, scripts enabled only there', () => {
  const src = readFileSync(join(REPO, 'src', 'extension', 'emulator-panel.ts'), 'utf8');
  const roots = [...src.matchAll(/localResourceRoots:\s*\[([^\]]*)\]/g)].map((m) => m[1].replace(/\s+/g, ''));
  assert.ok(roots.length >= 1, 'localResourceRoots is set wherever a webview is configured');
  for (const r of roots) assert.equal(r, "vscode.Uri.joinPath(extensionUri,'dist','webview'),vscode.Uri.joinPath(extensionUri,'media')");
  assert.doesNotMatch(src, /enableCommandUris:\s*true/);
});

test('no eval, new Function or Function() in the sources or the shipped bundles', () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, n.name);
      if (n.isDirectory()) walk(p);
      else if (/\.(ts|js)$/.test(n.name) && !/\.test\.ts$/.test(n.name)) files.push(p);
    }
  };
  walk(join(REPO, 'src'));
  const dist = join(REPO, 'dist');
  assert.ok(existsSync(join(dist, 'server.js')), 'dist/ is built (npm test builds it)');
  for (const n of ['extension.js', 'server.js', 'cli.js', 'scan-worker.js', join('webview', 'main.js')]) files.push(join(dist, n));
  // Allow-listed, exactly: web-tree-sitter's emscripten dynamic-linking glue
  // evals the EM_ASM/EM_JS snippets a loaded side module carries. The only
  // side module we load is dist/tree-sitter-c.wasm, which has none, so these
  // lines never run; they are matched by their full text, not by file.
  const ALLOWED = ['ASM_CONSTS[start] = eval(func);', 'moduleExports[name] = eval(func);'];
  const bad = /(?<![\w$.])eval\s*\(|\bnew\s+Function\b|(?<![\w$.])Function\s*\(/g;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(bad)) {
      const lineStart = text.lastIndexOf('\n', m.index) + 1;
      const lineEnd = text.indexOf('\n', m.index);
      const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).trim();
      assert.ok(ALLOWED.includes(line), `${f}: dynamic code outside the allow-list: ${line.slice(0, 200)}`);
    }
  }
  // The extension host and webview bundles carry no tree-sitter glue at all.
  for (const n of ['extension.js', join('webview', 'main.js')]) assert.doesNotMatch(readFileSync(join(dist, n), 'utf8'), bad);
});

test(`a file named ${EVIL}.c goes through text, gcc, json and sarif output as plain text`, () => {
  const d = mkdtempSync(join(tmpdir(), 'iova-lens-xss-'));
  try {
    mkdirSync(join(d, 'drivers', 'acme'), { recursive: true });
    const name = `${EVIL}.c`;
    writeFileSync(join(d, 'drivers', 'acme', name), readFileSync(join(SAMPLE, 'drivers/net/ethernet/cavium/thunder/nicvf_queues.h'), 'utf8'));
    const run = (fmt: string) => spawnSync(process.execPath, [CLI, 'scan', 'drivers', '--format', fmt, '--no-cache', '--jobs', '1'], { cwd: d, encoding: 'utf8' });
    const json = JSON.parse(run('json').stdout);
    assert.ok(json.findings.length > 0);
    for (const f of json.findings) assert.equal(f.path, `drivers/acme/${name}`, 'the name is data, kept verbatim as a JSON string');
    const sarif = JSON.parse(run('sarif').stdout);
    for (const r of sarif.runs[0].results) {
      // A URI reference, as SARIF requires: percent-encoded, and exactly the name once decoded.
      const uri = r.locations[0].physicalLocation.artifactLocation.uri;
      assert.equal(uri, 'drivers/acme/%3Cimg%20src=x%20onerror=alert(1)%3E.c');
      assert.equal(decodeURIComponent(uri), `drivers/acme/${name}`);
      assert.doesNotMatch(r.message.text, /<img/, 'messages carry no file names');
    }
    // gcc and text: plain lines, the name verbatim at the start; nothing else is generated around it.
    for (const line of run('gcc').stdout.trim().split('\n')) assert.ok(line.startsWith(`drivers/acme/${name}:`), line);
    const text = run('text').stdout;
    assert.ok(text.includes(`drivers/acme/${name}`));
    assert.doesNotMatch(text, /<\/?(a|script|span|div)\b/i, 'text output builds no markup');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

function finding(over: Partial<Finding>): Finding {
  return { path: `drivers/acme/${EVIL}.c`, line: 3, column: 5, endLine: 3, endColumn: 40, rule: 'iova-reverse-lookup', severity: 'warning', concerns: ['a'], function: 'f', message: 'iommu_iova_to_phys() reverses a DMA address [a]', chain: ['dma-handle', 'iova-to-phys', 'phys-to-virt'], related: [], ...over };
}

test('hover: the only command links are to iovaLens.* commands, with JSON-encoded arguments', () => {
  const h = hoverFor([finding({})], { line: 2, character: 10 });
  assert.ok(h);
  const md = (h!.contents as { value: string }).value;
  const links = [...md.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length >= 1);
  for (const l of links) {
    if (l.startsWith('command:')) assert.match(l, /^command:iovaLens\.[A-Za-z]+(\?[A-Za-z0-9%._~!*'()-]*)?$/, l);
    else assert.match(l, /^file:\/\//, l);
  }
  assert.doesNotMatch(md, /<img|<script/i, 'the file name is not in the hover');
});

test('hover: markup or a command link inside a finding message is shown as text, not followed', () => {
  // translate-after-unmap quotes the handle expression from the source in its message.
  const h = hoverFor([finding({ rule: 'translate-after-unmap', message: `phys_to_virt() translates h[0](command:workbench.action.terminal.new)${EVIL} after dma_unmap_single() unmapped it` })], { line: 2, character: 10 });
  const md = (h!.contents as { value: string }).value;
  const commands = [...md.matchAll(/\]\((command:[^)\s]*)/g)].map((m) => m[1]);
  const foreign = commands.filter((c) => !c.startsWith('command:iovaLens.'));
  const html = /<img/.test(md);
  assert.deepEqual(foreign, [], 'no command link but ours');
  assert.equal(html, false, 'no raw HTML');
});

test('webview → host messages of the wrong shape or size are rejected, and describing them is bounded', () => {
  const bad: unknown[] = [
    null, 42, 'ready', [], { type: 'nope' }, { type: 'ready', extra: 1 }, { type: 'runScenario', id: 'S13' }, { type: 'runScenario', id: 4 },
    { type: 'runChain', chain: 'dma-handle', platform: 'arm64' }, { type: 'runChain', chain: Array(33).fill('identity'), platform: 'arm64' },
    { type: 'runChain', chain: ['x'.repeat(65)], platform: 'arm64' }, { type: 'runChain', chain: ['<img>'], platform: 'arm64' },
    { type: 'runChain', chain: ['identity'], platform: 'a'.repeat(257) }, { type: 'runChain', chain: ['identity'], platform: 'arm64;rm -rf' },
    { type: 'lookup', requestId: -1, text: '0x1', platform: 'arm64' }, { type: 'lookup', requestId: 1, text: '1'.repeat(65), platform: 'arm64' },
    { type: 'revealSource', path: 'a\u0000b', line: 1 }, { type: 'revealSource', path: 'x'.repeat(4097), line: 1 }, { type: 'revealSource', path: 'a.c', line: 0 },
    { type: 'revealSource', path: 'a.c', line: 1.5 }, { type: 'runMatrix', chain: ['identity'], origin: { path: 'a.c', line: 1, function: 'f(', rule: 'r' } },
  ];
  for (const m of bad) assert.equal(isWebviewToHost(m), false, describeRejected(m));
  assert.equal(isWebviewToHost({ type: 'ready' }), true);
  const cyclic: Record<string, unknown> = { type: 'x' };
  cyclic.self = cyclic;
  assert.equal(isWebviewToHost(cyclic), false);
  assert.ok(describeRejected(cyclic).length <= 220);
  let deep: unknown = 0;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.equal(isWebviewToHost({ type: 'runChain', chain: deep, platform: 'arm64' }), false);
  assert.ok(describeRejected(deep).length <= 220);
  assert.ok(describeRejected({ type: 'lookup', text: 'x'.repeat(50_000_000) }).length <= 220);
});
