// SPDX-License-Identifier: MIT
// The CLI on the sample workspace: the JSON contract of SPEC §1.4, gcc and
// SARIF output, exit statuses and file errors — run as a user would run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, chmodSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, SAMPLE } from '../helpers';

function run(args: string[], cwd = SAMPLE) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('scan --format json follows the contract on the nicvf sample', () => {
  const r = run(['scan', '.', '--format', 'json']);
  assert.equal(r.code, 1, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(Object.keys(j), ['tool', 'version', 'root', 'filesScanned', 'durationMs', 'findings', 'errors']);
  assert.equal(j.tool, 'iova-lens');
  assert.equal(j.root, SAMPLE);
  assert.equal(j.filesScanned, 3);
  const keys = ['path', 'line', 'column', 'endLine', 'endColumn', 'rule', 'severity', 'concerns', 'function', 'message', 'chain', 'related'];
  for (const f of j.findings) assert.deepEqual(Object.keys(f), keys);
  const brief = j.findings.map((f: { path: string; line: number; rule: string }) => `${f.path.split('/').pop()}:${f.line}:${f.rule}`);
  assert.deepEqual(brief, [
    'nicvf_queues.c:50:linear-map-assumption',
    'nicvf_queues.c:64:linear-map-assumption',
    'nicvf_queues.h:32:iova-reverse-lookup',
    'nicvf_queues.h:33:dma-addr-as-phys',
  ]);
  const h = j.findings.find((f: { rule: string }) => f.rule === 'iova-reverse-lookup');
  assert.equal(h.path, 'drivers/net/ethernet/cavium/thunder/nicvf_queues.h');
  assert.equal(h.function, 'nicvf_iova_to_phys');
  assert.equal(h.column, 10);
  assert.deepEqual(h.concerns, ['a', 'b', 'c']);
  assert.deepEqual(h.chain, ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page']);
  assert.ok(h.related.some((x: { path: string; line: number }) => x.path.endsWith('nicvf_queues.c') && x.line === 50));
  assert.ok(!j.findings.some((f: { path: string }) => f.path.includes('acme')), 'correct code stays silent');
});

test('scan --format gcc prints path:line:col: warning: message [rule]', () => {
  const r = run(['scan', 'drivers', '--format', 'gcc']);
  assert.equal(r.code, 1);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.match(lines[2], /^drivers\/net\/ethernet\/cavium\/thunder\/nicvf_queues\.h:32:10: warning: .* \[iova-reverse-lookup\]$/);
});

test('scan --format sarif is SARIF 2.1.0 with rules, code flows and fingerprints', () => {
  const r = run(['scan', '.', '--format', 'sarif']);
  const s = JSON.parse(r.out);
  assert.equal(s.version, '2.1.0');
  const run0 = s.runs[0];
  assert.ok(run0.tool.driver.rules.some((x: { id: string; helpUri: string }) => x.id === 'iova-reverse-lookup' && x.helpUri.endsWith('iova-reverse-lookup.md')));
  assert.equal(run0.results.length, 4);
  for (const res of run0.results) assert.match(res.partialFingerprints['iovaLens/v1'], /^[0-9a-f]{16}$/);
  assert.ok(run0.results.every((x: { codeFlows?: unknown[] }) => x.codeFlows && x.codeFlows.length === 1));
});

test('exit 0 on a clean tree, 2 on a missing path and on a bad config', () => {
  assert.equal(run(['scan', 'drivers/net/ethernet/acme', '--format', 'json']).code, 0);
  const missing = run(['scan', 'no/such/dir']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no\/such\/dir: no such file or directory/);
  const dir = mkdtempSync(join(tmpdir(), 'iova-cfg-'));
  writeFileSync(join(dir, '.iova-lens.json'), JSON.stringify({ rules: { 'iova-reverse-lookup': 'loud' } }));
  writeFileSync(join(dir, 'a.c'), 'int x;\n');
  const bad = run(['scan', '.'], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /rules\.iova-reverse-lookup/);
});

test('exit 2 when nothing could be scanned: no .c/.h files, or every one failed (one line naming the path and why)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-none-'));
  mkdirSync(join(dir, 'empty'));
  mkdirSync(join(dir, 'bad'));
  writeFileSync(join(dir, 'empty', 'README'), 'not C\n');
  writeFileSync(join(dir, 'bad', 'blob.c'), Buffer.from([0x7f, 0x45, 0, 1]));
  const empty = run(['scan', 'empty', '--format', 'json', '--no-cache'], dir);
  assert.equal(empty.code, 2);
  assert.equal(empty.err.trim(), 'iova-lens: empty: no .c or .h files to scan');
  const bad = run(['scan', 'bad', '--format', 'json', '--no-cache'], dir);
  assert.equal(bad.code, 2);
  assert.deepEqual(bad.err.trim().split('\n'), ['iova-lens: bad/blob.c: binary file (contains NUL bytes)', 'iova-lens: bad: nothing could be scanned (the one file failed; see above)']);
  assert.equal(JSON.parse(bad.out).errors.length, 1, 'the report is still printed');
  // A shard that gets no folder has nothing to scan, which is not an error.
  mkdirSync(join(dir, 'one'));
  writeFileSync(join(dir, 'one', 'a.c'), 'int a;\n');
  const shards = [1, 2].map((i) => run(['scan', 'one', '--format', 'json', '--no-cache', '--shard', `${i}/2`], dir));
  assert.deepEqual(shards.map((r) => r.code), [0, 0]);
  assert.deepEqual(shards.map((r) => JSON.parse(r.out).filesScanned).sort(), [0, 1], 'one shard had the folder, the other nothing');
});

test('a symlink to a folder walked elsewhere is no error, and its files are read once (the kernel\'s scripts/dtc/include-prefixes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-alias-'));
  mkdirSync(join(dir, 'real'));
  writeFileSync(join(dir, 'real', 'a.c'), 'void *f(struct d *d, dma_addr_t a) { return phys_to_virt(iommu_iova_to_phys(d->dom, a)); }\n');
  symlinkSync('real', join(dir, 'zalias'));
  const r = run(['scan', '.', '--format', 'json', '--no-cache'], dir);
  assert.equal(r.err, '');
  const j = JSON.parse(r.out);
  assert.deepEqual(j.errors, []);
  assert.equal(j.filesScanned, 1);
  assert.ok(j.findings.length > 0 && j.findings.every((f: { path: string }) => f.path === 'real/a.c'));
});

test('unreadable, binary and looping files are reported one line each and the run goes on', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-bad-'));
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd', 'bin.c'), Buffer.from([0x69, 0x6e, 0x74, 0, 1, 2]));
  writeFileSync(join(dir, 'd', 'latin1.c'), Buffer.concat([Buffer.from('/* caf\xe9 */\nvoid *f(struct d *d, dma_addr_t a) { return phys_to_virt(iommu_iova_to_phys(d->dom, a)); }\n', 'latin1')]));
  symlinkSync('loop.c', join(dir, 'd', 'loop.c'));
  const r = run(['scan', 'd', '--format', 'json'], dir);
  const j = JSON.parse(r.out);
  assert.equal(r.code, 1, 'the latin-1 file is still analysed');
  const msgs = j.errors.map((e: { path: string; message: string }) => `${e.path.split('/').pop()}: ${e.message}`).sort();
  assert.deepEqual(msgs, ['bin.c: binary file (contains NUL bytes)', 'loop.c: symlink loop']);
  assert.ok(j.findings.some((f: { path: string }) => f.path === 'd/latin1.c'));
  assert.equal(r.err.trim().split('\n').length, 2, r.err);
  chmodSync(join(dir, 'd'), 0o755);
});

test('a file or folder whose name is not UTF-8 is one line saying so, and the rest is scanned', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-name-'));
  const src = '/* ok */\nvoid *f(struct d *d, dma_addr_t a) { return phys_to_virt(iommu_iova_to_phys(d->dom, a)); }\n';
  // Names as raw bytes (latin-1 "café"): Node's readdir gives them back with U+FFFD.
  const raw = (...parts: (string | number[])[]) => Buffer.concat([Buffer.from(`${dir}/`), ...parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p)))]);
  writeFileSync(raw('caf', [0xe9], '.c'), src);
  mkdirSync(raw('dir', [0xe9]));
  writeFileSync(raw('dir', [0xe9], '/x.c'), src);
  writeFileSync(join(dir, 'ok.c'), src);
  for (const env of [{}, { IOVA_LENS_NO_RG: '1' }]) {
    const r = spawnSync(process.execPath, [CLI, 'scan', '.', '--format', 'json', '--no-cache'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 1, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.errors.map((e: { path: string; message: string }) => e.message), [
      'name is not valid UTF-8 (it cannot be opened by that name; rename it to scan it)',
      'name is not valid UTF-8 (it cannot be opened by that name; rename it to scan it)',
    ]);
    assert.deepEqual(j.errors.map((e: { path: string }) => e.path).sort(), ['caf\ufffd.c', 'dir\ufffd']);
    assert.ok(j.findings.length > 0 && j.findings.every((f: { path: string }) => f.path === 'ok.c'));
  }
});

test('binary files are found the same with ripgrep, without it and with an old one: a NUL in the head, a name before the NUL, a binary named on the command line; a NUL past the head is still text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-nul-'));
  mkdirSync(join(dir, 'd'));
  const reverse = 'void *f(struct d *d, dma_addr_t a) { return phys_to_virt(iommu_iova_to_phys(d->dom, a)); }\n';
  // ripgrep leaves a file out of its counts when it meets a NUL anywhere; our "binary" is a NUL in the first 8 KB.
  writeFileSync(join(dir, 'd', 'head.c'), Buffer.from([0x69, 0x6e, 0x74, 0, 1, 2]));
  writeFileSync(join(dir, 'd', 'named.c'), Buffer.concat([Buffer.from(reverse), Buffer.from([0, 0xff])]));
  writeFileSync(join(dir, 'd', 'late.c'), Buffer.concat([Buffer.from(reverse), Buffer.alloc(9000, 0x20), Buffer.from('\n'), Buffer.from([0]), Buffer.from('\n')]));
  writeFileSync(join(dir, 'd', 'plain.c'), 'int plain;\n');
  writeFileSync(join(dir, 'lone.c'), Buffer.from([0x69, 0, 0x6e]));
  // A ripgrep older than 12 knows no --include-zero: it says so on stderr and exits 2.
  const oldRg = join(dir, 'old-rg');
  mkdirSync(oldRg);
  writeFileSync(join(oldRg, 'rg'), `#!/bin/sh\ntouch '${join(oldRg, 'ran')}'\necho "error: Found argument '--include-zero' which wasn't expected" >&2\nexit 2\n`, { mode: 0o755 });
  const results = (['rg', 'no rg', 'old rg'] as const).map((how) => {
    const env = { ...process.env };
    delete env.IOVA_LENS_NO_RG;
    if (how === 'no rg') env.IOVA_LENS_NO_RG = '1';
    if (how === 'old rg') env.PATH = `${oldRg}:${env.PATH}`;
    const r = spawnSync(process.execPath, [CLI, 'scan', 'd', 'lone.c', '--format', 'json', '--no-cache'], { cwd: dir, encoding: 'utf8', env });
    const j = JSON.parse(r.stdout);
    return {
      code: r.status,
      scanned: j.filesScanned,
      errors: j.errors.map((e: { path: string; message: string }) => `${e.path}: ${e.message}`),
      findings: [...new Set(j.findings.map((f: { path: string }) => f.path))],
    };
  });
  assert.deepEqual(results[0], {
    code: 1,
    scanned: 2,
    errors: ['d/head.c: binary file (contains NUL bytes)', 'd/named.c: binary file (contains NUL bytes)', 'lone.c: binary file (contains NUL bytes)'],
    findings: ['d/late.c'],
  });
  assert.deepEqual(results[1], results[0], 'without ripgrep');
  assert.ok(existsSync(join(oldRg, 'ran')), 'the old ripgrep was the one run');
  assert.deepEqual(results[2], results[0], 'with a ripgrep that rejects --include-zero');
});

test('rules and explain', () => {
  const r = run(['rules']);
  assert.equal(r.code, 0);
  assert.equal(r.out.trim().split('\n').length, 5);
  const e = run(['explain', 'dma-addr-as-phys']);
  assert.equal(e.code, 0);
  assert.match(e.out, /^# dma-addr-as-phys/);
  assert.equal(run(['explain', 'nope']).code, 2);
});
