// SPDX-License-Identifier: MIT
// The CLI on the sample workspace: the JSON contract of SPEC §1.4, gcc and
// SARIF output, exit statuses and file errors — run as a user would run it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, symlinkSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO, SAMPLE } from '../helpers';

function run(args: string[], cwd = SAMPLE) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A kernel-like tree (MAINTAINERS at its root) holding one driver folder, drivers/<sub…>: its root and the folder. */
function driverTree(prefix: string, ...sub: string[]): { dir: string; drv: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const drv = join(dir, 'drivers', ...sub);
  mkdirSync(drv, { recursive: true });
  writeFileSync(join(dir, 'MAINTAINERS'), '');
  return { dir, drv };
}

/** `iova-lens scan . --format json` in `dir` (with the cache in `cache`, else none): its stdout. */
function jsonScan(dir: string, cache?: string, env: Record<string, string> = {}): string {
  return spawnSync(process.execPath, [CLI, 'scan', '.', '--format', 'json', ...(cache ? ['--cache-dir', cache] : ['--no-cache'])], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } }).stdout;
}

/** Each finding of a JSON report as `path:line:rule <- file:line,…` of its related locations. */
function withRelated(out: string): string[] {
  return (JSON.parse(out).findings as { path: string; line: number; rule: string; related: { path: string; line: number }[] }[]).map((f) => `${f.path}:${f.line}:${f.rule} <- ${f.related.map((r) => `${r.path.split('/').pop()}:${r.line}`).join(',')}`);
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
  // Each rule carries its page as help and the page's first paragraph as the full description,
  // which GitHub code scanning requires (Sarif.Multitool validate --rule-kind Ghas: GH2012) and shows beside an alert.
  for (const rule of run0.tool.driver.rules as { id: string; name: string; fullDescription: { text: string; markdown: string }; help: { text: string; markdown: string } }[]) {
    const page = readFileSync(join(REPO, 'src', 'core', 'rules', `${rule.id}.md`), 'utf8');
    assert.equal(rule.help.markdown, page, rule.id);
    assert.ok(rule.fullDescription.markdown.length > 40 && page.includes(rule.fullDescription.markdown.split(' ').slice(0, 4).join(' ')), rule.id);
    assert.doesNotMatch(rule.fullDescription.text, /\*\*|`/, rule.id);
    assert.ok(rule.help.text.startsWith(rule.fullDescription.text) && rule.help.text.endsWith(`/${rule.id}.md`), rule.id);
    assert.match(rule.name, /^[A-Z][A-Za-z]+$/);
  }
  assert.equal(run0.tool.driver.rules.find((x: { id: string }) => x.id === 'iova-reverse-lookup').name, 'IovaReverseLookup');
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
  // A --root that is no directory would make every output path absolute.
  for (const [root, why] of [['/no/such/root', 'no such directory'], ['drivers/net/ethernet/cavium/thunder/nicvf_queues.c', 'not a directory']]) {
    const r = run(['scan', 'drivers', '--root', root]);
    assert.equal(r.code, 2, root);
    assert.equal(r.err, `iova-lens: --root ${root}: ${why} (output paths are relative to it)\n`);
  }
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

test('a FIFO is one error line, never opened: in a folder and named on the command line (reading one waits forever)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-fifo-'));
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd', 'ok.c'), 'void *f(struct d *d, dma_addr_t a) { return phys_to_virt(iommu_iova_to_phys(d->dom, a)); }\n');
  assert.equal(spawnSync('mkfifo', [join(dir, 'd', 'pipe.c')]).status, 0);
  for (const env of [{}, { IOVA_LENS_NO_RG: '1' }]) {
    for (const args of [['d'], ['d/pipe.c', 'd/ok.c']]) {
      const r = spawnSync(process.execPath, [CLI, 'scan', ...args, '--format', 'json', '--no-cache'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20000 });
      assert.equal(r.error, undefined, `scan ${args.join(' ')} did not finish: ${r.error}`);
      assert.equal(r.status, 1, r.stderr);
      const j = JSON.parse(r.stdout);
      assert.deepEqual(j.errors, [{ path: 'd/pipe.c', message: 'not a regular file (a FIFO, socket or device is not read)' }], `scan ${args.join(' ')}`);
      assert.ok(j.findings.some((f: { path: string }) => f.path === 'd/ok.c'));
    }
  }
});

test('a suppression left behind when its code changed is reported, though the file names no translation API any more', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-stale-'));
  mkdirSync(join(dir, 'd'));
  writeFileSync(join(dir, 'd', 'a.c'), 'void *f(struct device *dev)\n{\n\t/* iova-lens-ignore linear-map-assumption: the pool is kmalloc\'d */\n\treturn dev;\n}\n');
  for (const env of [{}, { IOVA_LENS_NO_RG: '1' }]) {
    const r = spawnSync(process.execPath, [CLI, 'scan', 'd', '--format', 'gcc', '--no-cache', '--fail-on', 'info'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.stdout, 'd/a.c:3:2: note: unused suppression: no linear-map-assumption finding on the line after it [unused-suppression]\n', JSON.stringify(env));
    assert.equal(r.status, 1);
  }
});

test('--config kept outside the scanned folder (ci/lens.json): its globs and the default silence match paths from the tree root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-cfg-'));
  const src = 'void *foo_rx(struct device *dev, dma_addr_t d)\n{\n\treturn phys_to_virt(d);\n}\n';
  for (const d of ['drivers/foo', 'drivers/bar', 'drivers/iommu', 'ci']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'MAINTAINERS'), '');
  for (const f of ['drivers/foo/foo.c', 'drivers/bar/bar.c', 'drivers/iommu/own.c']) writeFileSync(join(dir, f), src);
  writeFileSync(join(dir, 'ci', 'lens.json'), '{"exclude":["drivers/foo/**"]}');
  const paths = (args: string[]) => {
    const r = run(['scan', ...args, '--format', 'json', '--no-cache'], dir);
    assert.equal(r.code, 1, r.err);
    return [...new Set(JSON.parse(r.out).findings.map((f: { path: string }) => f.path))];
  };
  assert.deepEqual(paths(['--config', 'ci/lens.json', '.']), ['drivers/bar/bar.c']);
  assert.deepEqual(paths(['--config', 'ci/lens.json', 'drivers']), ['drivers/bar/bar.c']);
  // The same file as the tree's own .iova-lens.json gives the same.
  writeFileSync(join(dir, '.iova-lens.json'), '{"exclude":["drivers/foo/**"]}');
  assert.deepEqual(paths(['.']), ['drivers/bar/bar.c']);
});

test('a .c file named alone is analysed with its folder\'s helpers (nicvf_queues.h) and reported alone; the cache keeps the two runs apart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-one-'));
  const thunder = 'drivers/net/ethernet/cavium/thunder';
  const lines = (args: string[]) => {
    const r = run(['scan', ...args, '--format', 'gcc', '--cache-dir', dir]);
    return r.out.trim().split('\n').filter(Boolean).map((l) => l.replace(/: warning: .* \[/, ' ['));
  };
  const alone = [`${thunder}/nicvf_queues.c:50:25 [linear-map-assumption]`, `${thunder}/nicvf_queues.c:64:9 [linear-map-assumption]`];
  // The rebuilt address comes from nicvf_iova_to_phys() in the header: without it the .c has no finding at all.
  assert.deepEqual(lines([`${thunder}/nicvf_queues.c`]), alone);
  const whole = lines([thunder]);
  assert.equal(whole.length, 4, whole.join('\n'));
  assert.deepEqual(whole.filter((l) => l.includes('.c:')), alone, 'the same findings on the .c as in a scan of its folder');
  assert.deepEqual(lines([`${thunder}/nicvf_queues.c`]), alone, 'from the cache');
  const json = JSON.parse(run(['scan', `${thunder}/nicvf_queues.c`, '--format', 'json', '--no-cache']).out);
  assert.equal(json.filesScanned, 1);
});

test('paths under different configs are a usage error whichever comes first (the first path\'s config was applied to all); --config settles it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-two-'));
  const src = 'void *foo_rx(struct device *dev, dma_addr_t d)\n{\n\treturn phys_to_virt(d);\n}\n';
  mkdirSync(join(dir, 'tree', 'drivers', 'foo'), { recursive: true });
  mkdirSync(join(dir, 'extra'));
  writeFileSync(join(dir, 'tree', 'drivers', 'foo', 'foo.c'), src);
  writeFileSync(join(dir, 'extra', 'x.c'), src);
  writeFileSync(join(dir, 'tree', '.iova-lens.json'), '{"rules":{"dma-addr-as-phys":"off","linear-map-assumption":"off"}}');
  const cwd = join(dir, 'tree');
  for (const args of [['drivers', '../extra'], ['../extra', 'drivers']]) {
    const r = run(['scan', ...args, '--no-cache'], cwd);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /^iova-lens: \S+ and \S+ are under different configs \(.*\.iova-lens\.json; none\)|\(none; .*\.iova-lens\.json\)/);
  }
  const settled = run(['scan', '../extra', 'drivers', '--config', '.iova-lens.json', '--no-cache', '--format', 'json'], cwd);
  assert.equal(settled.code, 0, settled.err);
  assert.equal(run(['scan', 'drivers', '--no-cache'], cwd).code, 0, 'one tree, its config');
});

test('columns count characters (SPEC §1.4): a character outside the BMP before a finding counts one, in scan and in patch mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-col-'));
  mkdirSync(join(dir, 'd'));
  const line = '\t/* \u{1F600} caf\u00e9 */ return phys_to_virt(d);';
  writeFileSync(join(dir, 'd', 'a.c'), `void *f(struct device *dev, dma_addr_t d)\n{\n${line}\n}\n`);
  const want = [...line].indexOf('p') + 1; // 1-based, in characters: the emoji is one
  const j = JSON.parse(run(['scan', 'd', '--format', 'json', '--no-cache'], dir).out);
  assert.ok(j.findings.length > 0);
  for (const f of j.findings) {
    assert.equal(f.line, 3);
    assert.equal(f.column, want, f.rule);
    assert.equal(f.endColumn, [...line].indexOf(';') + 1, f.rule);
  }
  const diff = `diff --git a/d/b.c b/d/b.c\nnew file mode 100644\n--- /dev/null\n+++ b/d/b.c\n@@ -0,0 +1,4 @@\n+void *f(struct device *dev, dma_addr_t d)\n+{\n+${line}\n+}\n`;
  const r = spawnSync(process.execPath, [CLI, 'patch', '-', '--format', 'json'], { cwd: dir, encoding: 'utf8', input: diff });
  const pj = JSON.parse(r.stdout);
  assert.ok(pj.findings.length > 0, r.stderr);
  for (const f of pj.findings) assert.equal(f.column, want, `patch: ${f.rule}`);
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
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 7, r.out);
  assert.deepEqual(lines.slice(5).map((l) => l.split(/\s+/).slice(0, 3).join(' ')), ['unused-suppression info (notice)', 'analysis-limit info (notice)']);
  const e = run(['explain', 'dma-addr-as-phys']);
  assert.equal(e.code, 0);
  assert.match(e.out, /^# dma-addr-as-phys/);
  // Every id a finding can carry has a page: its SARIF helpUri and the editor's link point there.
  for (const id of ['unused-suppression', 'analysis-limit']) {
    const n = run(['explain', id]);
    assert.equal(n.code, 0, n.err);
    assert.match(n.out, new RegExp(`^# ${id}\n[^]*## Wrong[^]*## Right`));
  }
  assert.equal(run(['explain', 'nope']).code, 2);
});

test('output whose reader went away (`| head -1`) ends quietly, not with an EPIPE stack trace', () => {
  // The reader closes its end at once: every write of the CLI meets a pipe nobody reads.
  for (const args of [['rules'], ['emulate', '--platforms'], ['scan', '.', '--format', 'json', '--no-cache']]) {
    const r = spawnSync('sh', ['-c', '"$0" "$@" | (exec 0<&-; sleep 0.5)', process.execPath, CLI, ...args], { cwd: SAMPLE, encoding: 'utf8' });
    assert.equal(r.stderr, '', args.join(' '));
    assert.equal(r.status, 0);
  }
});

test('SARIF uris are URI references: a file named with #, % or a space is percent-encoded, kernel paths\' + and , are not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-uri-'));
  const src = 'void *f(struct d *d, dma_addr_t a) { return phys_to_virt(iommu_iova_to_phys(d->dom, a)); }\n';
  for (const n of ['a#b%20.c', 'with space.c', 'x+y,z.c', 'caf\u00e9.c']) writeFileSync(join(dir, n), src);
  const s = JSON.parse(run(['scan', '.', '--format', 'sarif', '--no-cache'], dir).out);
  const uris = [...new Set(s.runs[0].results.map((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0].physicalLocation.artifactLocation.uri))].sort();
  assert.deepEqual(uris, ['a%23b%2520.c', 'caf%C3%A9.c', 'with%20space.c', 'x+y,z.c']);
  for (const u of uris as string[]) assert.equal(new URL(u, 'file:///t/').pathname.split('/').pop(), u, 'a path, no fragment or query');
  // A colon in the first segment would make `drv:a/x.c` a URI of scheme `drv` (RFC 3986 §4.2).
  mkdirSync(join(dir, 'drv:a'));
  writeFileSync(join(dir, 'drv:a', 'x:y.c'), src);
  const c = JSON.parse(run(['scan', 'drv:a', '--format', 'sarif', '--no-cache'], dir).out);
  const uri = c.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri;
  assert.equal(uri, 'drv%3Aa/x:y.c');
  assert.equal(new URL(uri, 'file:///t/').href, 'file:///t/drv%3Aa/x:y.c');
});

test('stdout that cannot be written (a full disk) is one line and exit 2, not a stack trace and not 1 ("findings")', { skip: !existsSync('/dev/full') }, () => {
  for (const args of [['rules'], ['scan', '.', '--format', 'json', '--no-cache']]) {
    const r = spawnSync('sh', ['-c', '"$0" "$@" > /dev/full', process.execPath, CLI, ...args], { cwd: SAMPLE, encoding: 'utf8' });
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stderr, 'iova-lens: cannot write the output (ENOSPC: no space left on device)\n');
  }
});

test('command-line odds a CI job meets: scan --help, an empty path or --baseline "" (an unset variable), a missing baseline before any work, a deleted current folder', () => {
  for (const h of ['--help', '-h']) {
    const r = run(['scan', h]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^iova-lens .*\n\nUsage:\n {2}iova-lens scan /);
  }
  assert.deepEqual(run(['scan', '']), { code: 2, out: '', err: 'iova-lens: scan: an empty path ("") names no file or folder\n' });
  assert.deepEqual(run(['scan', '.', '--baseline', '']), { code: 2, out: '', err: 'iova-lens: --baseline needs a file (an empty name would compare with nothing)\n' });
  // Read first: with IOVA_LENS_STATS the analysis would say it ran.
  const b = spawnSync(process.execPath, [CLI, 'scan', '.', '--no-cache', '--baseline', 'missing.json'], { cwd: SAMPLE, encoding: 'utf8', env: { ...process.env, IOVA_LENS_STATS: '1' } });
  assert.equal(b.status, 2);
  assert.equal(b.stderr, 'iova-lens: missing.json: cannot read baseline (no such file)\n');
  const gone = mkdtempSync(join(tmpdir(), 'iova-gone-'));
  const r = spawnSync('sh', ['-c', 'cd "$1" && rmdir "$1" && exec "$0" "$2" scan --no-cache --format gcc "$3"', process.execPath, gone, CLI, SAMPLE], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'iova-lens: the current folder no longer exists (ENOENT); cd to one that does\n');
});

test('a file named explicitly that is not .c/.h: a mailbox or a saved mail holding a diff is read as a patch, anything else is one error line (not C)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-ext-'));
  const c = 'void *f(struct d *d, dma_addr_t a) { return phys_to_virt(iommu_iova_to_phys(d->dom, a)); }\n';
  writeFileSync(join(dir, 'u.txt'), c);
  writeFileSync(join(dir, 'README.md'), '# hello\n');
  const diff = `From 1 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] x\n\n---\ndiff --git a/drivers/x/x.c b/drivers/x/x.c\nnew file mode 100644\n--- /dev/null\n+++ b/drivers/x/x.c\n@@ -0,0 +1 @@\n+${c}`;
  for (const n of ['series.mbx', 'mail.eml', 'saved.txt']) writeFileSync(join(dir, n), diff);
  const r = run(['scan', 'u.txt', 'README.md', '--format', 'json', '--no-cache'], dir);
  assert.equal(r.code, 2);
  const j = JSON.parse(r.out);
  assert.equal(j.filesScanned, 0);
  assert.deepEqual(j.errors, ['README.md', 'u.txt'].map((path) => ({ path, message: 'not a .c or .h file, nor a patch (.patch, .diff, .mbox, .mbx, .eml, or a file holding a unified diff): not scanned' })));
  for (const n of ['series.mbx', 'mail.eml', 'saved.txt']) {
    const p = run(['scan', n, '--format', 'gcc', '--no-cache'], dir);
    assert.equal(p.code, 1, p.err);
    // Placed on the patch's own added line, as a .patch is.
    assert.match(p.out, new RegExp(`^${n.replace('.', '\\.')}:10:\\d+: warning: drivers/x/x\\.c:1: `, 'm'));
  }
});

test('a dma_addr_t member declared in a header that names no API makes its field a DMA address — scan (cache cold and warm), patch mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-hdr-'));
  const drv = join(dir, 'drivers', 'net', 'acme');
  mkdirSync(drv, { recursive: true });
  writeFileSync(join(dir, 'MAINTAINERS'), '');
  const header = 'struct acme_priv {\n\tvoid *fw;\n\tdma_addr_t fw_dma;\n};\n';
  writeFileSync(join(drv, 'acme.h'), header);
  const dbg = '#include "acme.h"\n\nstatic void *acme_fw_view(struct acme_priv *priv)\n{\n\treturn phys_to_virt(priv->fw_dma);\n}\n';
  writeFileSync(join(drv, 'acme_dbg.c'), dbg);
  const brief = (out: string) => (JSON.parse(out).findings as { path: string; line: number; rule: string }[]).map((f) => `${f.path}:${f.line}:${f.rule}`);
  const want = ['drivers/net/acme/acme_dbg.c:5:dma-addr-as-phys', 'drivers/net/acme/acme_dbg.c:5:linear-map-assumption'];
  const cache = mkdtempSync(join(tmpdir(), 'iova-hdr-cache-'));
  for (const pass of ['cold', 'warm']) assert.deepEqual(brief(run(['scan', '.', '--format', 'json', '--cache-dir', cache], dir).out), want, pass);
  // The header loses its member: the cached result must not stay (its bytes changed).
  writeFileSync(join(drv, 'acme.h'), header.replace('dma_addr_t fw_dma', 'u64 fw_dma'));
  assert.deepEqual(brief(run(['scan', '.', '--format', 'json', '--cache-dir', cache], dir).out), []);
  // …and gains it back: a header that declared none must be read again, not kept by its old result.
  writeFileSync(join(drv, 'acme.h'), header);
  assert.deepEqual(brief(run(['scan', '.', '--format', 'json', '--cache-dir', cache], dir).out), want, 'the member is back');
  // Patch mode reads the header from the tree as the scan does.
  const patch = ['--- a/drivers/net/acme/acme_dbg.c', '+++ b/drivers/net/acme/acme_dbg.c', '@@ -5 +5 @@', '-\treturn phys_to_virt(priv->fw_dma);', '+\treturn phys_to_virt(priv->fw_dma + 64);', ''].join('\n');
  writeFileSync(join(dir, 'p.diff'), patch);
  writeFileSync(join(drv, 'acme_dbg.c'), dbg);
  const p = run(['patch', 'p.diff', '--tree', '.', '--format', 'json'], dir);
  assert.deepEqual(brief(p.out).map((x) => x.replace(/^.*?:/, '')), ['5:dma-addr-as-phys', '5:linear-map-assumption'], p.err);
});

test('a helper chain split over three files of the folder (use → helper0 → helper1 → the lookup) reaches its caller — scan and patch mode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-chain-'));
  const drv = join(dir, 'drivers', 'acme');
  mkdirSync(drv, { recursive: true });
  writeFileSync(join(dir, 'MAINTAINERS'), '');
  writeFileSync(join(drv, 'h.h'), 'u64 helper0(struct iommu_domain *d, dma_addr_t a);\nu64 helper1(struct iommu_domain *d, dma_addr_t a);\nu64 helper2(struct iommu_domain *d, dma_addr_t a);\n');
  writeFileSync(join(drv, 'f0.c'), '#include "h.h"\nu64 helper0(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn helper1(d, a);\n}\n');
  writeFileSync(join(drv, 'f1.c'), '#include "h.h"\nu64 helper1(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn helper2(d, a);\n}\n');
  writeFileSync(join(drv, 'f2.c'), '#include "h.h"\nu64 helper2(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn iommu_iova_to_phys(d, a);\n}\n');
  writeFileSync(join(drv, 'use.c'), '#include "h.h"\nvoid *use(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn phys_to_virt(helper0(d, a));\n}\n');
  const brief = (out: string) => (JSON.parse(out).findings as { path: string; line: number; rule: string }[]).map((f) => `${f.path.split('/').pop()}:${f.line}:${f.rule}`).sort();
  const s = run(['scan', '.', '--format', 'json', '--no-cache'], dir);
  assert.deepEqual(brief(s.out).filter((x) => x.startsWith('use.c')), ['use.c:4:iova-phys-unchecked', 'use.c:4:linear-map-assumption'], s.err);
  const patch = ['--- a/drivers/acme/use.c', '+++ b/drivers/acme/use.c', '@@ -4 +4 @@', '-\treturn phys_to_virt(helper0(d, a));', '+\treturn phys_to_virt(helper0(d, a + 0));', ''].join('\n');
  writeFileSync(join(dir, 'p.diff'), patch);
  const p = run(['patch', 'p.diff', '--tree', '.', '--format', 'json'], dir);
  assert.deepEqual(brief(p.out), ['use.c:4:iova-phys-unchecked', 'use.c:4:linear-map-assumption'], p.err);
});

test('a header read for its dma_addr_t members that also calls a translating helper is analysed whole (it was left declarations-only: two findings lost)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-hdr-call-'));
  const drv = join(dir, 'drivers', 'acme');
  mkdirSync(drv, { recursive: true });
  writeFileSync(join(dir, 'MAINTAINERS'), '');
  writeFileSync(join(drv, 'acme.c'), 'u64 acme_lookup(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn iommu_iova_to_phys(d, a);\n}\n');
  writeFileSync(join(drv, 'acme.h'), 'struct acme_priv { dma_addr_t fw_dma; struct iommu_domain *dom; };\nstatic inline void acme_free(struct acme_priv *p)\n{\n\tput_page(virt_to_page(acme_lookup(p->dom, p->fw_dma)));\n}\n');
  const brief = (out: string) => (JSON.parse(out).findings as { path: string; line: number; rule: string }[]).map((f) => `${f.path.split('/').pop()}:${f.line}:${f.rule}`).sort();
  for (const env of [{}, { IOVA_LENS_NO_SKIM: '1' }]) {
    const r = spawnSync(process.execPath, [CLI, 'scan', '.', '--format', 'json', '--no-cache'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
    assert.deepEqual(brief(r.stdout), ['acme.c:3:iova-reverse-lookup', 'acme.h:4:iova-phys-unchecked', 'acme.h:4:linear-map-assumption'], r.stderr);
  }
});

test('a field that a file naming no API gives coherent memory (ocrdma_hw.c) is followed where another converts it (ocrdma_verbs.c) — with and without ripgrep, cache warm and after edits, patch mode', () => {
  const { dir, drv } = driverTree('iova-xfield-', 'infiniband', 'acme');
  const hw = 'int acme_mbx_create_cq(struct device *dev, struct acme_cq *cq)\n{\n\tcq->va = dma_alloc_coherent(dev, cq->len, &cq->pa, GFP_KERNEL);\n\treturn cq->va ? 0 : -ENOMEM;\n}\n';
  writeFileSync(join(drv, 'acme_hw.c'), hw);
  const verbs = [
    'static int acme_alloc_ucontext(struct device *dev, struct acme_ctx *ctx)',
    '{',
    '\tctx->tbl.va = dma_alloc_coherent(dev, ctx->tbl.len, &ctx->tbl.pa, GFP_KERNEL);',
    '\treturn ctx->tbl.va ? 0 : -ENOMEM;',
    '}',
    '',
    'static void acme_copy_cq_uresp(struct acme_cq *cq, struct acme_uresp *uresp)',
    '{',
    '\turesp->page_addr[0] = virt_to_phys(cq->va);',
    '}',
    '',
  ].join('\n');
  writeFileSync(join(drv, 'acme_verbs.c'), verbs);
  const brief = withRelated;
  const want = ['drivers/infiniband/acme/acme_verbs.c:9:linear-map-assumption <- acme_hw.c:3'];
  const cache = mkdtempSync(join(tmpdir(), 'iova-xfield-cache-'));
  const scan = () => brief(jsonScan(dir, cache));
  for (const pass of ['cold', 'warm']) assert.deepEqual(scan(), want, pass);
  assert.deepEqual(brief(run(['scan', '.', '--format', 'json', '--no-cache'], dir).out), want);
  assert.deepEqual(brief(jsonScan(dir, undefined, { IOVA_LENS_NO_RG: '1' })), want, 'without ripgrep');
  // The allocation becomes kmalloc(): the cached result must not stay …
  writeFileSync(join(drv, 'acme_hw.c'), hw.replace('dma_alloc_coherent(dev, cq->len, &cq->pa, GFP_KERNEL)', 'kzalloc(cq->len, GFP_KERNEL)'));
  assert.deepEqual(scan(), [], 'kzalloc()');
  // … and a file that gives the field nothing yet starts to: the folder is analysed again.
  writeFileSync(join(drv, 'acme_hw.c'), hw);
  assert.deepEqual(scan(), want, 'back to dma_alloc_coherent()');
  // Patch mode reads the folder's other files from the tree as the scan does.
  const patch = ['--- a/drivers/infiniband/acme/acme_verbs.c', '+++ b/drivers/infiniband/acme/acme_verbs.c', '@@ -9 +9 @@', '-\turesp->page_addr[0] = virt_to_phys(cq->va);', '+\turesp->page_addr[0] = virt_to_phys(cq->va) + 0;', ''].join('\n');
  writeFileSync(join(dir, 'p.diff'), patch);
  const p = run(['patch', 'p.diff', '--tree', '.', '--format', 'json'], dir);
  assert.deepEqual(brief(p.out), want, p.err);
});

test('a driver\'s allocation wrapper defined in a file naming no API (genwqe card_utils.c) gives its memory where another file converts the result (card_dev.c:467) — cold and warm, without ripgrep, after edits, patch mode', () => {
  const { dir, drv } = driverTree('iova-xwrap-', 'misc', 'acme');
  const utils = 'void *__acme_alloc_consistent(struct acme_dev *cd, size_t size, dma_addr_t *dma_handle)\n{\n\tif (get_order(size) > MAX_PAGE_ORDER)\n\t\treturn NULL;\n\treturn dma_alloc_coherent(&cd->pci_dev->dev, size, dma_handle, GFP_KERNEL);\n}\n';
  writeFileSync(join(drv, 'acme_utils.c'), utils);
  const dev = [
    'static int acme_mmap(struct acme_dev *cd, struct vm_area_struct *vma, struct dma_mapping *dma_map)',
    '{',
    '\tunsigned long pfn, vsize = vma->vm_end - vma->vm_start;',
    '',
    '\tdma_map->k_vaddr = __acme_alloc_consistent(cd, vsize, &dma_map->dma_addr);',
    '\tif (dma_map->k_vaddr == NULL)',
    '\t\treturn -ENOMEM;',
    '\tpfn = virt_to_phys(dma_map->k_vaddr) >> PAGE_SHIFT;',
    '\treturn remap_pfn_range(vma, vma->vm_start, pfn, vsize, vma->vm_page_prot);',
    '}',
    '',
  ].join('\n');
  writeFileSync(join(drv, 'acme_dev.c'), dev);
  const brief = withRelated;
  const want = ['drivers/misc/acme/acme_dev.c:8:linear-map-assumption <- acme_dev.c:5,acme_utils.c:1'];
  const cache = mkdtempSync(join(tmpdir(), 'iova-xwrap-cache-'));
  const scan = () => brief(jsonScan(dir, cache));
  for (const pass of ['cold', 'warm']) assert.deepEqual(scan(), want, pass);
  assert.deepEqual(brief(jsonScan(dir, undefined, { IOVA_LENS_NO_RG: '1' })), want, 'without ripgrep');
  // The wrapper now returns kmalloc() memory (in the linear map): the cached result must not stay …
  writeFileSync(join(drv, 'acme_utils.c'), utils.replace('dma_alloc_coherent(&cd->pci_dev->dev, size, dma_handle, GFP_KERNEL)', 'kmalloc(size, GFP_KERNEL)'));
  assert.deepEqual(scan(), [], 'kmalloc()');
  // … and when it gives coherent memory again, the folder is analysed again.
  writeFileSync(join(drv, 'acme_utils.c'), utils);
  assert.deepEqual(scan(), want, 'back to dma_alloc_coherent()');
  // Patch mode reads the folder's other files from the tree as the scan does.
  writeFileSync(join(dir, 'p.diff'), ['--- a/drivers/misc/acme/acme_dev.c', '+++ b/drivers/misc/acme/acme_dev.c', '@@ -8 +8 @@', '-\tpfn = virt_to_phys(dma_map->k_vaddr) >> PAGE_SHIFT;', '+\tpfn = (virt_to_phys(dma_map->k_vaddr) >> PAGE_SHIFT);', ''].join('\n'));
  const p = run(['patch', 'p.diff', '--tree', '.', '--format', 'json'], dir);
  assert.deepEqual(brief(p.out), want, p.err);
});

test('a driver that allocates its own IOMMU domain in a file naming no translation API translates in it silently (SPEC §1.1) — scan cold and warm, without ripgrep, after edits, patch mode', () => {
  const { dir, drv } = driverTree('iova-xowner-', 'remoteproc', 'acme');
  writeFileSync(join(drv, 'acme.h'), 'struct acme_rproc { struct iommu_domain *domain; struct device *dev; };\n');
  const iommu = 'int acme_iommu_init(struct acme_rproc *r)\n{\n\tr->domain = iommu_domain_alloc(&platform_bus_type);\n\tif (!r->domain)\n\t\treturn -ENOMEM;\n\treturn iommu_attach_device(r->domain, r->dev);\n}\n';
  writeFileSync(join(drv, 'acme_iommu.c'), iommu);
  const main = 'static void *acme_da_to_va(struct acme_rproc *r, u64 da)\n{\n\tphys_addr_t pa = iommu_iova_to_phys(r->domain, da);\n\n\tif (!pa)\n\t\treturn NULL;\n\treturn phys_to_virt(pa);\n}\n';
  writeFileSync(join(drv, 'acme_main.c'), main);
  const rules = (out: string) => (JSON.parse(out).findings as { line: number; rule: string }[]).map((f) => `${f.line}:${f.rule}`);
  const cache = mkdtempSync(join(tmpdir(), 'iova-xowner-cache-'));
  const scan = () => rules(jsonScan(dir, cache));
  for (const pass of ['cold', 'warm']) assert.deepEqual(scan(), [], pass);
  assert.deepEqual(rules(jsonScan(dir, undefined, { IOVA_LENS_NO_RG: '1' })), [], 'without ripgrep');
  // The domain now comes from the device (borrowed): the lookup is a reverse lookup again, cache or not.
  writeFileSync(join(drv, 'acme_iommu.c'), iommu.replace('iommu_domain_alloc(&platform_bus_type)', 'iommu_get_domain_for_dev(r->dev)'));
  const borrowed = scan();
  assert.ok(borrowed.includes('3:iova-reverse-lookup'), borrowed.join());
  writeFileSync(join(drv, 'acme_iommu.c'), iommu);
  assert.deepEqual(scan(), [], 'the allocation back');
  // Patch mode reads the folder's other files from the tree as the scan does.
  writeFileSync(join(dir, 'p.diff'), ['--- a/drivers/remoteproc/acme/acme_main.c', '+++ b/drivers/remoteproc/acme/acme_main.c', '@@ -7 +7 @@', '-\treturn phys_to_virt(pa);', '+\treturn phys_to_virt(pa) + 0;', ''].join('\n'));
  const p = run(['patch', 'p.diff', '--tree', '.', '--format', 'json'], dir);
  assert.deepEqual(rules(p.out), [], p.err);
});

test('a file whose only device write is virt_to_phys() kept in a dma_addr_t field is scanned, as the editor checks it (fdma_api.c:110)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-physfield-'));
  mkdirSync(join(dir, 'drivers', 'acme'), { recursive: true });
  writeFileSync(join(dir, 'drivers', 'acme', 'fdma.c'), 'struct acme_fdma { void *dcbs; dma_addr_t dma; size_t size; };\n\nint acme_alloc_phys(struct acme_fdma *fdma, void *buf)\n{\n\tfdma->dma = virt_to_phys(buf);\n\treturn 0;\n}\n');
  const r = run(['scan', '.', '--format', 'gcc', '--no-cache'], dir);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /^drivers\/acme\/fdma\.c:5:2: warning: a CPU physical address \(virt_to_phys\/__pa\) is given to the device/);
});
