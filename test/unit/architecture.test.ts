// SPDX-License-Identifier: MIT
// The layer fences of SPEC §4: only src/extension imports vscode; core and
// emulator do no Node I/O; the webview imports only protocol and emulator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from '../helpers';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (n.endsWith('.ts') && !n.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:import|export)[^'"]*from\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

test('only src/extension imports vscode', () => {
  for (const f of files(join(REPO, 'src'))) {
    const rel = relative(REPO, f);
    if (rel.startsWith('src/extension/')) continue;
    assert.ok(!imports(f).includes('vscode'), `${rel} imports vscode`);
  }
});

test('src/core and src/emulator import no Node I/O', () => {
  for (const dir of ['core', 'emulator']) {
    for (const f of files(join(REPO, 'src', dir))) {
      if (f.includes(`${join('src', 'core', 'testing')}`)) continue;
      for (const i of imports(f)) assert.ok(!/^(node:)?(fs|path|child_process|worker_threads|os|net|http)(\/|$)/.test(i), `${relative(REPO, f)} imports ${i}`);
    }
  }
});

test('the webview imports only protocol and emulator code', () => {
  for (const f of files(join(REPO, 'src', 'webview'))) {
    for (const i of imports(f)) assert.ok(i.startsWith('./') || i.startsWith('../protocol/') || i.startsWith('../emulator/'), `${relative(REPO, f)} imports ${i}`);
  }
});
