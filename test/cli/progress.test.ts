// SPDX-License-Identifier: MIT
// The progress line of `iova-lens scan` (issue 6): on a terminal, stderr
// shows what the scan is doing and how many driver folders are done, then
// the line is cleared; without a terminal nothing of it is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runScan } from '../../src/cli/scan';
import type { Io } from '../../src/cli/io';
import { spawnSync } from 'node:child_process';
import { CLI, REPO } from '../helpers';

const TREE = join(REPO, 'test', 'fixtures', 'tree');

function io(tty: boolean) {
  const progress: string[] = [];
  const out: string[] = [];
  const it: Io = { out: (s) => out.push(s), err: () => {}, progress: (s) => progress.push(s), isTTY: false, errIsTTY: tty };
  return { it, progress, out };
}

test('on a terminal: listing, searching, n/N folders analysed, then cleared', async () => {
  const cwd = process.cwd();
  process.chdir(TREE);
  try {
    const { it, progress, out } = io(true);
    await runScan(['.', '--format', 'json', '--no-cache', '--jobs', '1'], it);
    assert.equal(progress[0], 'iova-lens: listing files…');
    assert.match(progress[1], /^iova-lens: \d+ files, searching them for the translation APIs…$/);
    const counts = progress.slice(2, -1);
    assert.ok(counts.length > 0, progress.join('\n'));
    counts.forEach((p, i) => assert.equal(p, `iova-lens: ${i + 1}/${counts.length} directories analysed`));
    assert.equal(progress[progress.length - 1], '', 'the line is cleared at the end');
    assert.ok(JSON.parse(out.join('')).findings.length > 0);
  } finally {
    process.chdir(cwd);
  }
});

test('without a terminal: no progress at all', async () => {
  const cwd = process.cwd();
  process.chdir(TREE);
  try {
    const { it, progress } = io(false);
    await runScan(['.', '--format', 'json', '--no-cache', '--jobs', '1'], it);
    assert.deepEqual(progress.filter(Boolean), []);
  } finally {
    process.chdir(cwd);
  }
});

test('IOVA_LENS_PROGRESS=lines: the same progress as lines on a stderr that is no terminal (the editor\'s Scan Workspace reads them); unset, none', () => {
  const run = (env: Record<string, string>) => spawnSync(process.execPath, [CLI, 'scan', '.', '--format', 'json', '--no-cache', '--jobs', '1'], { cwd: TREE, encoding: 'utf8', env: { ...process.env, ...env } });
  const lines = run({ IOVA_LENS_PROGRESS: 'lines' });
  assert.equal(lines.status, 1, lines.stderr);
  const err = lines.stderr.trim().split('\n');
  assert.equal(err[0], 'iova-lens: listing files…');
  assert.match(err[1], /^iova-lens: \d+ files, searching them for the translation APIs…$/);
  const counts = err.slice(2);
  assert.ok(counts.length > 0);
  counts.forEach((p, i) => assert.equal(p, `iova-lens: ${i + 1}/${counts.length} directories analysed`));
  assert.ok(!lines.stderr.includes('\x1b'), 'no terminal escapes');
  assert.deepEqual(JSON.parse(lines.stdout).findings, JSON.parse(run({}).stdout).findings);
  const quiet = run({ IOVA_LENS_PROGRESS: '' });
  assert.equal(quiet.stderr, '');
});
