// SPDX-License-Identifier: MIT
// The scan cache: per directory group, the fingerprint of its files (path,
// size, mtime) and the group's result, plus per file whether it can matter
// (so an unchanged file that cannot is not read again when a neighbour
// changed). A second scan of an unchanged tree reads no file; after a
// `git pull` (git rewrites only the files that changed) only the changed
// drivers are read and parsed again.
// Versioned by the tool's version and keyed by tree root and config.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { GroupFile, GroupResult } from './scan-group';

const SCHEMA = 3;

export interface CacheData {
  schema: number;
  version: string;
  groups: Record<string, { fingerprint: string; result: GroupResult }>;
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
  return createHash('sha1')
    // (A context file — read for helpers, not reported — makes another result than the same file reported.)
    .update(files.map((f) => `${f.context ? '~' : ''}${f.key}\0${f.size}\0${f.mtimeMs}\0${f.ctimeMs}\n`).join(''))
    .digest('hex');
}

export function loadCache(file: string, version: string): CacheData {
  try {
    const d = JSON.parse(readFileSync(file, 'utf8')) as CacheData;
    if (d.schema === SCHEMA && d.version === version && d.groups && typeof d.groups === 'object') return d;
  } catch {
    // Missing or unreadable cache: start afresh (a cache is never an error).
  }
  return { schema: SCHEMA, version, groups: {} };
}

export function saveCache(file: string, data: CacheData, warn: (m: string) => void): void {
  /** The temporary file while it exists: removed when the save fails (a full cache's size, every run). */
  let tmp: string | undefined;
  try {
    mkdirSync(join(file, '..'), { recursive: true });
    tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
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
