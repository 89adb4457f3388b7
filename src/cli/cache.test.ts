// SPDX-License-Identifier: MIT
// The scan cache's file: a re-scan of an unchanged tree parses only the
// folders' fingerprints and findings — each folder's per-file facts stay text
// until that folder changed — and writes back, for the folders it did not
// touch, the very text it read; its probes tell a touched tree from a few
// changed drivers before the walk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint, loadCache, pickProbes, saveCache, treeTouched, type CacheData } from './cache';
import type { GroupFile, GroupResult } from './scan-group';

const result = (dir: string, files: number): GroupResult => ({
  dir,
  findings: [],
  errors: [],
  scanned: files,
  parsed: 0,
  meta: Object.fromEntries(Array.from({ length: files }, (_, i) => [`${dir}/f${i}.c`, { size: 100 + i, mtimeMs: 1.5e12 + i / 3, ctimeMs: 1.5e12, candidate: i === 0, ...(i === 0 ? { hash: 'ab'.repeat(20) } : {}) }])),
});

function saved(data: CacheData): string {
  const file = join(mkdtempSync(join(tmpdir(), 'iova-cache-')), 'scan.json');
  const warnings: string[] = [];
  saveCache(file, data, (m) => warnings.push(m));
  assert.deepEqual(warnings, []);
  return file;
}

test('a loaded folder keeps its per-file facts unparsed until they are read, and gives them whole then', () => {
  const a = result('drivers/a', 3);
  const file = saved({ schema: 4, version: 'v1', groups: { 'drivers/a': { fingerprint: 'fa', result: a } } });
  const back = loadCache(file, 'v1');
  const r = back.groups['drivers/a'].result;
  assert.equal(r.scanned, 3);
  assert.equal(typeof Object.getOwnPropertyDescriptor(r, 'meta')?.get, 'function', 'not parsed on load');
  assert.deepEqual(r.meta, a.meta);
  assert.equal(Object.getOwnPropertyDescriptor(r, 'meta')?.get, undefined, 'parsed once, then a plain value');
  assert.equal(r.meta, r.meta);
});

test('saving again writes the folders not read as they were, and those read or replaced as they are now', () => {
  const file = saved({ schema: 4, version: 'v1', groups: { 'drivers/a': { fingerprint: 'fa', result: result('drivers/a', 2) }, 'drivers/b': { fingerprint: 'fb', result: result('drivers/b', 2) } } });
  const text = readFileSync(file, 'utf8');
  const back = loadCache(file, 'v1');
  assert.equal(readFileSync(saved(back), 'utf8'), text, 'nothing read: the same bytes');
  // A folder whose facts were read is written from them; one given a new result, from that.
  void back.groups['drivers/a'].result.meta;
  const b2 = result('drivers/b', 1);
  back.groups['drivers/b'] = { fingerprint: 'fb2', result: b2 };
  const again = loadCache(saved(back), 'v1');
  assert.deepEqual(again.groups['drivers/a'].result.meta, result('drivers/a', 2).meta);
  assert.deepEqual(again.groups['drivers/b'].result.meta, b2.meta);
  assert.equal(again.groups['drivers/b'].fingerprint, 'fb2');
  // Writing a loaded result's meta before reading it replaces it.
  const r = again.groups['drivers/a'].result;
  r.meta = {};
  assert.deepEqual(loadCache(saved(again), 'v1').groups['drivers/a'].result.meta, {});
});

test('a cache of another build, another schema or with a damaged folder entry is not used (a cold scan, no error)', () => {
  const file = saved({ schema: 4, version: 'v1', groups: { 'drivers/a': { fingerprint: 'fa', result: result('drivers/a', 1) } } });
  assert.deepEqual(loadCache(file, 'v2').groups, {});
  const stored = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...stored, schema: 3 }));
  assert.deepEqual(loadCache(file, 'v1').groups, {});
  for (const bad of [{ fingerprint: 'fa', result: {} }, { fingerprint: 'fa', meta: '{}' }, null, { result: {}, meta: '{}' }]) {
    writeFileSync(file, JSON.stringify({ ...stored, groups: { 'drivers/a': bad } }));
    assert.deepEqual(loadCache(file, 'v1').groups, {}, JSON.stringify(bad));
  }
  writeFileSync(file, '{"schema": 4, "version": "v1", "groups": {"drivers/a": {"fingerprint": "fa", "res');
  assert.deepEqual(loadCache(file, 'v1').groups, {});
});

test('a folder\'s fingerprint changes with any name, size, mtime, ctime or context mark of its files, and only then', () => {
  const files: GroupFile[] = [
    { abs: '/t/d/a.c', key: 'd/a.c', size: 10, mtimeMs: 1732645123456.1234, ctimeMs: 1732645123456.1234 },
    { abs: '/t/d/b.h', key: 'd/b.h', size: 20, mtimeMs: 1732645123457, ctimeMs: 1732645123458 },
  ];
  const base = fingerprint(files);
  assert.equal(fingerprint(files.map((f) => ({ ...f, maybe: true }))), base, 'the prefilter answer is not part of it');
  const variants: GroupFile[][] = [
    [{ ...files[0], key: 'd/a2.c' }, files[1]],
    [{ ...files[0], size: 11 }, files[1]],
    [{ ...files[0], mtimeMs: files[0].mtimeMs + 0.001 }, files[1]],
    [files[0], { ...files[1], ctimeMs: files[1].ctimeMs + 1 }],
    [{ ...files[0], context: true }, files[1]],
    [files[0]],
    // (Names and stamps are hashed apart: the same bytes split otherwise are another folder.)
    [{ ...files[0], key: 'd/a.c\0d/b.h' }],
  ];
  const prints = variants.map(fingerprint);
  for (const p of prints) assert.notEqual(p, base);
  assert.equal(new Set(prints).size, prints.length);
});

test('probes: a few files spread over the tree, saved and loaded with the cache; "touched" when most of them changed or went away', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-probes-'));
  const files = Array.from({ length: 100 }, (_, i) => {
    const abs = join(dir, `f${String(i).padStart(3, '0')}.c`);
    writeFileSync(abs, `int x${i};\n`);
    const st = statSync(abs);
    return { abs, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
  });
  const probes = pickProbes(files);
  assert.equal(probes.length, 24);
  assert.equal(new Set(probes.map((p) => p.abs)).size, 24);
  assert.ok(probes[0].abs < probes[23].abs && probes[0].abs.endsWith('f002.c') && probes[23].abs.endsWith('f097.c'), 'spread from the first to the last');
  assert.deepEqual(pickProbes(files.slice(0, 3)).map((p) => p.abs), files.slice(0, 3).map((f) => f.abs));
  const back = loadCache(saved({ schema: 4, version: 'v1', groups: {}, probes }), 'v1');
  assert.deepEqual(back.probes, probes);
  assert.equal(treeTouched(back.probes), false, 'nothing changed');
  assert.equal(treeTouched(undefined), false);
  assert.equal(treeTouched([]), false);
  const later = new Date(Date.now() + 60_000);
  probes.slice(0, 12).forEach((p) => utimesSync(p.abs, later, later));
  assert.equal(treeTouched(probes), false, 'half is not most');
  utimesSync(probes[12].abs, later, later);
  assert.equal(treeTouched(probes), true, '13 of 24');
  assert.equal(treeTouched([{ ...probes[20], abs: join(dir, 'gone.c') }]), true, 'a probe that is gone has changed');
  // A damaged probe list is left out; the groups still load.
  const file = saved({ schema: 4, version: 'v1', groups: { 'drivers/a': { fingerprint: 'fa', result: result('drivers/a', 1) } } });
  writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), probes: [{ abs: 1 }] }));
  const damaged = loadCache(file, 'v1');
  assert.equal(damaged.probes, undefined);
  assert.equal(Object.keys(damaged.groups).length, 1);
});
