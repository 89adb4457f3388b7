// SPDX-License-Identifier: MIT
// The scan cache: per directory group, the fingerprint of its files (path,
// size, mtime) and the group's result, plus per file whether it can matter
// (so an unchanged file that cannot is not read again when a neighbour
// changed). A second scan of an unchanged tree reads no file; after a
// `git pull` (git rewrites only the files that changed) only the changed
// drivers are read and parsed again.
// Versioned by the tool's version and keyed by tree root and config.
// Each folder's per-file facts (`meta`, nine tenths of the file) are stored
// as JSON text of their own and parsed only for a folder that changed: a
// re-scan of an unchanged tree needs the fingerprints and findings alone.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { GroupFile, GroupResult } from './scan-group';
import { sameStamp, stampOf, type FileStamp } from './files';

const SCHEMA = 4;

export interface CacheData {
  schema: number;
  version: string;
  groups: Record<string, { fingerprint: string; result: GroupResult }>;
  /** A few files of the tree and their stamps at the last save (see treeTouched()). */
  probes?: Probe[];
}

/** A file by absolute path, with its stamp when the cache was written. */
export interface Probe extends FileStamp {
  abs: string;
}

/** Files sampled for the probes: enough to tell "most of the tree" from "a few drivers". */
const PROBES = 24;

/** Up to PROBES of `files`, spread evenly over them (the walk's order: across the tree). */
export function pickProbes(files: readonly Probe[]): Probe[] {
  const picked = files.length <= PROBES ? files : Array.from({ length: PROBES }, (_, i) => files[Math.floor(((i + 0.5) * files.length) / PROBES)]);
  return picked.map((f) => ({ ...stampOf(f), abs: f.abs }));
}

/**
 * Whether most of the probed files have new stamps (or are gone): the tree was
 * touched, checked out or restored from a CI cache on a fresh clone, and most
 * folders will need ripgrep's answer — so the scan starts it before its walk,
 * as a cold scan does. Only timing depends on it, never a result. A few stats.
 */
export function treeTouched(probes: readonly Probe[] | undefined): boolean {
  if (!probes?.length) return false;
  let changed = 0;
  for (const p of probes) {
    const st = statSync(p.abs, { throwIfNoEntry: false });
    if (!st || !sameStamp(stampOf(st), p)) changed++;
  }
  return changed * 2 > probes.length;
}

export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'iova-lens');
}

const sha = (x: unknown) => createHash('sha1').update(JSON.stringify(x)).digest('hex');

/** scan-<tree and config>-<build>.json: a new build replaces its tree's older file (saveCache). */
export function cacheFile(dir: string, treeRoot: string, version: string, config: unknown): string {
  return join(dir, `scan-${sha([treeRoot, config]).slice(0, 16)}-${sha(version).slice(0, 8)}.json`);
}

export function fingerprint(files: GroupFile[]): string {
  // The names as text, the stamps as their 8-byte doubles: printing 60k
  // mtimes in decimal cost a re-scan of drivers/ more than hashing them.
  const stamps = new Float64Array(files.length * 3);
  files.forEach((f, i) => {
    stamps[3 * i] = f.size;
    stamps[3 * i + 1] = f.mtimeMs;
    stamps[3 * i + 2] = f.ctimeMs;
  });
  // (The count first: with it, names and stamps cannot shift into each other.)
  return createHash('sha1')
    // (A context file — read for helpers, not reported — makes another result than the same file reported.)
    .update(`${files.length}\n${files.map((f) => `${f.context ? '~' : ''}${f.key}`).join('\0')}`)
    .update(new Uint8Array(stamps.buffer))
    .digest('hex');
}

/** A group as the file holds it: its result without `meta`, and `meta` as JSON text. */
interface StoredGroup {
  fingerprint: string;
  result: Omit<GroupResult, 'meta'>;
  meta: string;
}

/** The JSON text of a loaded result's `meta` while it has not been parsed: saved again as it is. */
const metaText = new WeakMap<GroupResult, string>();

export function loadCache(file: string, version: string): CacheData {
  try {
    const d = JSON.parse(readFileSync(file, 'utf8')) as { schema?: unknown; version?: unknown; groups?: Record<string, StoredGroup>; probes?: unknown };
    if (d.schema === SCHEMA && d.version === version && d.groups && typeof d.groups === 'object') {
      const groups: CacheData['groups'] = {};
      for (const [dir, g] of Object.entries(d.groups)) {
        // (A damaged entry: the whole cache is dropped, as an unreadable one is.)
        if (!g || typeof g.fingerprint !== 'string' || typeof g.meta !== 'string' || !g.result || typeof g.result !== 'object') throw new Error('bad entry');
        groups[dir] = { fingerprint: g.fingerprint, result: withLazyMeta(g.result, g.meta) };
      }
      return { schema: SCHEMA, version, groups, ...(validProbes(d.probes) ? { probes: d.probes } : {}) };
    }
  } catch {
    // Missing or unreadable cache: start afresh (a cache is never an error).
  }
  return { schema: SCHEMA, version, groups: {} };
}

function validProbes(x: unknown): x is Probe[] {
  return Array.isArray(x) && x.every((p) => p && typeof p.abs === 'string' && typeof p.size === 'number' && typeof p.mtimeMs === 'number' && typeof p.ctimeMs === 'number');
}

/** `result` with a `meta` parsed from `text` when first read (or replaced when first written). */
function withLazyMeta(result: Omit<GroupResult, 'meta'>, text: string): GroupResult {
  const r = result as GroupResult;
  const settle = (value: GroupResult['meta']) => {
    Object.defineProperty(r, 'meta', { value, writable: true, enumerable: true, configurable: true });
    metaText.delete(r);
    return value;
  };
  metaText.set(r, text);
  Object.defineProperty(r, 'meta', {
    enumerable: true,
    configurable: true,
    get: () => settle(JSON.parse(text) as GroupResult['meta']),
    set: settle,
  });
  return r;
}

/** What the file holds for a group: `meta` as its text, unparsed if it was never read. */
function stored(g: { fingerprint: string; result: GroupResult }): StoredGroup {
  const rest: Record<string, unknown> = {};
  // (Key by key: a spread or destructuring would read — parse — `meta`.)
  for (const k of Object.keys(g.result)) if (k !== 'meta') rest[k] = g.result[k as keyof GroupResult];
  return { fingerprint: g.fingerprint, result: rest as Omit<GroupResult, 'meta'>, meta: metaText.get(g.result) ?? JSON.stringify(g.result.meta) };
}

export function saveCache(file: string, data: CacheData, warn: (m: string) => void): void {
  /** The temporary file while it exists: removed when the save fails (a full cache's size, every run). */
  let tmp: string | undefined;
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    tmp = `${file}.${process.pid}.tmp`;
    const groups: Record<string, StoredGroup> = {};
    for (const [dir, g] of Object.entries(data.groups)) groups[dir] = stored(g);
    writeFileSync(tmp, JSON.stringify({ schema: data.schema, version: data.version, groups, ...(data.probes ? { probes: data.probes } : {}) }));
    renameSync(tmp, file);
    tmp = undefined;
    // The same tree's cache from other builds can never be read again.
    const name = basename(file);
    const tree = name.slice(0, name.lastIndexOf('-') + 1);
    for (const other of readdirSync(dirname(file))) {
      if (other !== name && other.startsWith(tree) && other.endsWith('.json')) rmSync(join(dirname(file), other), { force: true });
    }
  } catch (e) {
    if (tmp) rmSync(tmp, { force: true, recursive: true });
    warn(`iova-lens: cannot write the cache ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); next scan will be cold`);
  }
}
