// SPDX-License-Identifier: MIT
// Whole-tree behaviour of `iova-lens scan`: golden output in every format,
// shards whose union is the whole, the same findings whatever --jobs, with or
// without ripgrep, and a second scan served from the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, cpSync, utimesSync, readdirSync, mkdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO } from '../helpers';

const TREE = join(REPO, 'test', 'fixtures', 'tree');
const GOLDEN = join(REPO, 'test', 'cli', 'golden');

function scan(args: string[], env: Record<string, string> = {}, cwd = TREE) {
  const r = spawnSync(process.execPath, [CLI, 'scan', ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Drops what changes from run to run: absolute root, duration, version. */
function normalize(out: string): string {
  return out
    .replace(/"root": "[^"]*"/g, '"root": "<root>"')
    .replace(/"durationMs": \d+/g, '"durationMs": 0')
    .replace(/"version": "[^"]*"/g, '"version": "<v>"')
    .replace(/"uri": "file:\/\/[^"]*"/g, '"uri": "file://<root>/"')
    // A rule's page in SARIF (help.markdown; its own test compares it with the page): not the format.
    .replace(/("markdown": )"# (?:[^"\\]|\\.)*"/g, '$1"<rule page>"')
    .replace(/\(\d+\.\d+ s\)/g, '(<t> s)');
}

for (const format of ['gcc', 'json', 'sarif', 'text']) {
  test(`golden: scan --format ${format} on the fixture tree`, () => {
    const r = scan(['.', '--format', format, '--no-cache']);
    assert.equal(r.code, 1, r.err);
    const got = normalize(r.out);
    const file = join(GOLDEN, `tree.${format}`);
    if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, got);
    assert.equal(got, readFileSync(file, 'utf8'), `${file} differs; rerun with UPDATE_GOLDEN=1 after checking the change`);
  });
}

function keys(out: string): string[] {
  return (JSON.parse(out).findings as { path: string; line: number; column: number; rule: string }[]).map((f) => `${f.path}:${f.line}:${f.column}:${f.rule}`);
}

test('the union of --shard 1/3, 2/3, 3/3 equals the unsharded run, and shards do not overlap', () => {
  const whole = keys(scan(['.', '--format', 'json', '--no-cache']).out);
  assert.ok(whole.length >= 9);
  const parts = [1, 2, 3].map((i) => keys(scan(['.', '--format', 'json', '--no-cache', '--shard', `${i}/3`]).out));
  const union = parts.flat().sort();
  assert.deepEqual(union, [...whole].sort());
  assert.equal(new Set(union).size, union.length);
  assert.equal(scan(['.', '--shard', '4/3']).code, 2);
  assert.equal(scan(['.', '--shard', 'x']).code, 2);
});

test('shards add up in the JSON too: filesScanned sums to the whole run, each file error is in one shard, and a shard whose only file is binary exits as the whole run does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-shard-'));
  cpSync(TREE, dir, { recursive: true });
  // Files that fail: in the walk (a dangling link) and when read (binary), in folders of their own.
  mkdirSync(join(dir, 'drivers', 'bad1'));
  writeFileSync(join(dir, 'drivers', 'bad1', 'blob.c'), 'x\0y');
  mkdirSync(join(dir, 'drivers', 'bad2'));
  symlinkSync('nowhere.c', join(dir, 'drivers', 'bad2', 'dangling.c'));
  const whole = JSON.parse(scan(['.', '--format', 'json', '--no-cache'], {}, dir).out);
  const wholeCode = scan(['.', '--format', 'gcc', '--no-cache'], {}, dir).code;
  assert.equal(wholeCode, 1);
  assert.equal(whole.errors.length, 2);
  let files = 0;
  const errors: string[] = [];
  for (let i = 1; i <= 9; i++) {
    const r = scan(['.', '--format', 'json', '--no-cache', '--shard', `${i}/9`], {}, dir);
    const j = JSON.parse(r.out);
    files += j.filesScanned;
    errors.push(...j.errors.map((e: { path: string }) => e.path));
    // (Before: the shard holding blob.c alone said "nothing could be scanned" and exited 2.)
    assert.ok(r.code === 0 || r.code === 1, `shard ${i}/9 exited ${r.code}: ${r.err}`);
  }
  assert.equal(files, whole.filesScanned);
  assert.deepEqual(errors.sort(), whole.errors.map((e: { path: string }) => e.path).sort());
});

test('--jobs 1, --jobs 2, the no-ripgrep and the no-skim paths give the same findings', () => {
  const a = scan(['.', '--format', 'json', '--no-cache', '--jobs', '1']).out;
  const b = scan(['.', '--format', 'json', '--no-cache', '--jobs', '2']).out;
  const c = scan(['.', '--format', 'json', '--no-cache', '--jobs', '2'], { IOVA_LENS_NO_RG: '1' }).out;
  const d = scan(['.', '--format', 'json', '--no-cache'], { IOVA_LENS_NO_SKIM: '1' }).out;
  assert.deepEqual(keys(a), keys(b));
  assert.deepEqual(keys(a), keys(c));
  // Skimming (parsing only the bodies that can matter) changes nothing in the output.
  assert.equal(normalize(d), normalize(a));
  assert.equal(scan(['.', '--jobs', '0']).code, 2);
  const noDir = scan(['.', '--cache-dir', '']);
  assert.equal(noDir.code, 2);
  assert.match(noDir.err, /--cache-dir needs a folder/);
});

test('IOVA_LENS_RG names the ripgrep to run (the editor passes VS Code\'s own); one that cannot run leaves the scan to Node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-rg-'));
  const log = join(dir, 'ran');
  const wrapper = join(dir, 'my-rg');
  // (A wrapper that says it ran, then is whatever rg PATH has, or fails as a missing one would.)
  writeFileSync(wrapper, `#!/bin/sh\necho ran >> '${log}'\nexec rg "$@"\n`, { mode: 0o755 });
  const plain = scan(['.', '--format', 'json', '--no-cache']).out;
  const viaWrapper = scan(['.', '--format', 'json', '--no-cache'], { IOVA_LENS_RG: wrapper });
  assert.ok(existsSync(log), 'the named ripgrep ran');
  assert.deepEqual(keys(viaWrapper.out), keys(plain));
  const missing = scan(['.', '--format', 'json', '--no-cache'], { IOVA_LENS_RG: join(dir, 'no-such-rg') });
  assert.deepEqual(keys(missing.out), keys(plain));
  assert.equal(missing.err, '', 'a ripgrep that cannot run is no error: Node reads the files');
});

test('a second scan comes from the cache; a changed driver is analysed again', () => {
  const tree = mkdtempSync(join(tmpdir(), 'iova-cache-tree-'));
  cpSync(TREE, tree, { recursive: true });
  const cacheDir = mkdtempSync(join(tmpdir(), 'iova-cache-'));
  const env = { IOVA_LENS_STATS: '1' };
  const first = scan(['.', '--format', 'json', '--cache-dir', cacheDir], env, tree);
  assert.match(first.err, /\((\d+) analysed, 0 from cache, 0 of them by content\)/);
  const second = scan(['.', '--format', 'json', '--cache-dir', cacheDir], env, tree);
  assert.match(second.err, /\(0 analysed, (\d+) from cache, 0 of them by content\)/);
  assert.deepEqual(keys(second.out), keys(first.out));
  // New times, same bytes (a fresh clone restoring a CI cache, a touch): nothing is analysed again.
  const later = new Date(Date.now() + 60_000);
  const touchAll = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) touchAll(p);
      else if (/\.[ch]$/.test(e.name)) utimesSync(p, later, later);
    }
  };
  touchAll(tree);
  const touched = scan(['.', '--format', 'json', '--cache-dir', cacheDir], env, tree);
  const folders = Number(/\((\d+) analysed/.exec(first.err)![1]);
  assert.match(touched.err, new RegExp(`\\(0 analysed, ${folders} from cache, ${folders} of them by content\\)`));
  assert.deepEqual(keys(touched.out), keys(first.out));
  // Most of the cache's probe files had new times: ripgrep was started before the walk, as in a cold scan
  // (and only then: not in the cold scan, which always does, nor in the unchanged re-scan).
  assert.match(touched.err, /ripgrep started before the walk \(most probes touched\)/);
  for (const r of [first, second]) assert.doesNotMatch(r.err, /ripgrep started before the walk/);
  // Edit one driver: only its directory is analysed again, and its new finding shows.
  const f = join(tree, 'drivers/crypto/caam/qi_like.c');
  writeFileSync(f, readFileSync(f, 'utf8') + '\nstatic void *bad(struct iommu_domain *d, dma_addr_t a) { return phys_to_virt(iommu_iova_to_phys(d, a)); }\n');
  utimesSync(f, new Date(), new Date(Date.now() + 5000));
  const third = scan(['.', '--format', 'json', '--cache-dir', cacheDir], env, tree);
  assert.match(third.err, /\(1 analysed, \d+ from cache, 0 of them by content\)/);
  assert.doesNotMatch(third.err, /ripgrep started before the walk/, 'one driver changed: ripgrep for its folder only, after the walk');
  assert.ok(keys(third.out).some((k) => k.startsWith('drivers/crypto/caam/qi_like.c')));
});

test('the cache sees bytes rewritten with size and mtime kept (ctime), and a save that fails leaves no temporary file', () => {
  const tree = mkdtempSync(join(tmpdir(), 'iova-stamp-'));
  mkdirSync(join(tree, 'drv'));
  const f = join(tree, 'drv', 'a.c');
  writeFileSync(f, 'void *a(dma_addr_t h)\n{\n\treturn       0;\n}\n');
  const when = new Date('2024-01-01T00:00:00Z');
  utimesSync(f, when, when);
  const cacheDir = mkdtempSync(join(tmpdir(), 'iova-cache-'));
  const first = scan(['.', '--format', 'json', '--cache-dir', cacheDir], {}, tree);
  assert.deepEqual(keys(first.out), []);
  const { size } = statSync(f);
  writeFileSync(f, 'void *a(dma_addr_t h)\n{\n\treturn __va(h);\n}\n');
  utimesSync(f, when, when);
  assert.equal(statSync(f).size, size);
  assert.equal(statSync(f).mtimeMs, when.getTime());
  const second = scan(['.', '--format', 'json', '--cache-dir', cacheDir], {}, tree);
  assert.deepEqual(keys(second.out), keys(scan(['.', '--format', 'json', '--no-cache'], {}, tree).out));
  assert.ok(keys(second.out).length > 0, 'the new finding, not the cached nothing');
  // The cache file's name taken by a folder: one warning line each run, and no *.tmp left behind.
  for (const name of readdirSync(cacheDir)) {
    rmSync(join(cacheDir, name));
    mkdirSync(join(cacheDir, name));
  }
  writeFileSync(f, 'void *a(dma_addr_t h)\n{\n\treturn  __va(h);\n}\n');
  const failed = scan(['.', '--format', 'json', '--cache-dir', cacheDir], {}, tree);
  assert.match(failed.err, /cannot write the cache .* \(EISDIR\); next scan will be cold/);
  assert.deepEqual(readdirSync(cacheDir).filter((n) => n.endsWith('.tmp')), []);
});

test('the content hash keeps a folder only while its other files still call none of its translating helpers', () => {
  const tree = mkdtempSync(join(tmpdir(), 'iova-cache-helpers-'));
  cpSync(TREE, tree, { recursive: true });
  const cacheDir = mkdtempSync(join(tmpdir(), 'iova-cache-'));
  const env = { IOVA_LENS_STATS: '1' };
  const dir = join(tree, 'drivers/net/ethernet/freescale/dpaa2');
  const quiet = join(dir, 'dpaa2-stats.c');
  const write = (text: string, at: number) => {
    writeFileSync(quiet, text);
    utimesSync(quiet, new Date(at), new Date(at));
  };
  write('#include "dpaa2-eth.h"\nint dpaa2_stats(struct dpaa2_eth_priv *priv) { return priv->count; }\n', Date.now());
  const first = scan(['.', '--format', 'json', '--cache-dir', cacheDir], env, tree);
  assert.ok(!keys(first.out).some((k) => k.startsWith('drivers/net/ethernet/freescale/dpaa2/dpaa2-stats.c')));
  // New bytes that still call no helper (and name no API): the folder keeps its result.
  write('#include "dpaa2-eth.h"\nint dpaa2_stats(struct dpaa2_eth_priv *priv) { return priv->count + 1; }\n', Date.now() + 10_000);
  const second = scan(['.', '--format', 'json', '--cache-dir', cacheDir], env, tree);
  assert.match(second.err, /\(0 analysed, \d+ from cache, 1 of them by content\)/);
  // Now it calls dpaa2_iova_to_virt() (as dpaa2-rx.c does): the folder is analysed again.
  write(
    '#include "dpaa2-eth.h"\nstatic void dpaa2_drop(struct dpaa2_eth_priv *priv, dma_addr_t addr)\n{\n\tvoid *vaddr;\n\n\tvaddr = dpaa2_iova_to_virt(priv->iommu_domain, addr);\n\tprefetch(vaddr);\n\tfree_pages((unsigned long)vaddr, 0);\n}\n',
    Date.now() + 20_000,
  );
  const third = scan(['.', '--format', 'json', '--cache-dir', cacheDir], env, tree);
  assert.match(third.err, /\(1 analysed, \d+ from cache, 0 of them by content\)/);
  assert.deepEqual(keys(third.out), keys(scan(['.', '--format', 'json', '--no-cache'], env, tree).out), 'the same as without a cache');
});

test('a cache written by another build of the same version is not read, and is replaced', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'iova-cache-build-'));
  const env = { IOVA_LENS_STATS: '1' };
  const first = scan(['.', '--format', 'json', '--cache-dir', cacheDir], env);
  assert.match(first.err, /\(\d+ analysed, 0 from cache/);
  const before = readdirSync(cacheDir);
  assert.equal(before.length, 1);
  // The same package version, other code: a development build, a patched install.
  const dist = mkdtempSync(join(tmpdir(), 'iova-lens-dist-'));
  cpSync(join(REPO, 'dist'), dist, { recursive: true });
  writeFileSync(join(dist, 'cli.js'), readFileSync(join(dist, 'cli.js'), 'utf8') + '\n// another build\n');
  const r = spawnSync(process.execPath, [join(dist, 'cli.js'), 'scan', '.', '--format', 'json', '--cache-dir', cacheDir], { cwd: TREE, encoding: 'utf8', env: { ...process.env, ...env } });
  assert.match(r.stderr, /\(\d+ analysed, 0 from cache/, 'nothing read from the other build\'s cache');
  assert.deepEqual(keys(r.stdout), keys(first.out));
  const after = readdirSync(cacheDir);
  assert.equal(after.length, 1, after.join(', '));
  assert.notEqual(after[0], before[0], 'the older build\'s file was replaced');
});

test('--jobs is the most workers: a small tree gets the workers its work is worth, with the same findings', () => {
  const env = { IOVA_LENS_STATS: '1' };
  const many = scan(['.', '--format', 'json', '--no-cache', '--jobs', '8'], env);
  assert.match(many.err, /jobs 8, workers 2\b/, many.err);
  const one = scan(['.', '--format', 'json', '--no-cache', '--jobs', '1'], env);
  assert.match(one.err, /jobs 1, workers 0\b/, 'one job: the main thread, no worker');
  assert.deepEqual(keys(many.out), keys(one.out));
});
