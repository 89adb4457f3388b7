// SPDX-License-Identifier: MIT
// Finding and reading the files to scan. Every file that cannot be read
// (unreadable, binary, over 8 MB, symlink loop) becomes one error line and the
// run goes on; invalid UTF-8 is decoded leniently and still analysed.
import { readdirSync, readFileSync, realpathSync, statSync, lstatSync, type Dirent } from 'node:fs';
import { join, relative, resolve, sep, dirname } from 'node:path';
import type { FileError } from '../core/types';

export const MAX_BYTES = 8 * 1024 * 1024;
const SOURCE_RE = /\.(c|h)$/;
const SKIP_DIRS = new Set(['.git', 'node_modules', '.tools', '.cache', '.pc']);

export interface Discovered {
  files: string[];
  /** size and mtime of each file, from the walk's own stat (no second stat). */
  stats: Map<string, FileStamp>;
  errors: FileError[];
  missing: string[];
}

export function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** What Node's readdir puts in a name whose bytes are not UTF-8: such a path cannot be opened again as a string. */
const LOST = '\ufffd';
const NOT_UTF8 = 'name is not valid UTF-8 (it cannot be opened by that name; rename it to scan it)';

/** Absolute paths of the .c/.h files under the given paths (files given explicitly are taken as they are). */
/**
 * What the cache keys an unchanged file on: size, mtime and ctime. The ctime
 * moves on every change of the inode, also those that keep size and mtime: a
 * `chmod` (a file that could not be read now can, or the reverse), bytes
 * rewritten and the mtime put back (`touch -r`, some editors and tools), as
 * git's index knows. A changed ctime only sends the file to the content hash.
 */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export function stampOf(st: { size: number; mtimeMs: number; ctimeMs: number }): FileStamp {
  return { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

/** Whether a file's stamp is the one the cache remembers. */
export function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

export function discover(paths: string[]): Discovered {
  const files: string[] = [];
  const stats = new Map<string, FileStamp>();
  const errors: FileError[] = [];
  const missing: string[] = [];
  const seenDirs = new Set<string>();
  // Real paths of the directories being walked (this one and its ancestors):
  // a symlink back to one of them is a loop; a symlink to a directory walked
  // elsewhere (the kernel's scripts/dtc/include-prefixes/*) is read there, once.
  const walking = new Set<string>();
  // `real`: the directory's real path when the caller knows it (reached by
  // plain directories from a resolved root) — only symlinks cost a realpath.
  const walk = (dir: string, real?: string) => {
    if (real === undefined) {
      try {
        real = realpathSync.native(dir);
      } catch (e) {
        errors.push({ path: dir, message: `cannot resolve directory (${(e as NodeJS.ErrnoException).code})` });
        return;
      }
    }
    if (walking.has(real)) {
      errors.push({ path: dir, message: 'symlink loop (links back to a folder that contains it)' });
      return;
    }
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    walking.add(real);
    try {
      walkEntries(dir, real);
    } finally {
      walking.delete(real);
    }
  };
  const walkEntries = (dir: string, real: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      errors.push({ path: dir, message: code === 'ENOENT' && dir.includes(LOST) ? NOT_UTF8 : `cannot read directory (${code})` });
      return;
    }
    for (const ent of entries) {
      const name = ent.name;
      if (SKIP_DIRS.has(name)) continue;
      // Plain files that are not C sources need no stat at all (most of a kernel tree's non-.c/.h files).
      if (ent.isFile() && !SOURCE_RE.test(name)) continue;
      // (Not path.join: these parts need no normalising, and a tree has 30k of them.)
      const p = sep === '/' ? `${dir}/${name}` : join(dir, name);
      if (ent.isDirectory()) {
        walk(p, sep === '/' ? `${real}/${name}` : join(real, name));
        continue;
      }
      let st;
      try {
        st = statSync(p);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const lost = code === 'ENOENT' && name.includes(LOST);
        if (SOURCE_RE.test(name) || code === 'ELOOP' || lost) errors.push({ path: p, message: lost ? NOT_UTF8 : statError(code, ent.isSymbolicLink()) });
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (SOURCE_RE.test(name)) {
        if (st.isFile()) {
          files.push(p);
          stats.set(p, stampOf(st));
        } else errors.push({ path: p, message: NOT_REGULAR });
      }
    }
  };
  for (const raw of paths) {
    const p = resolve(raw);
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const entry = code === 'ELOOP' ? undefined : lstatSync(p, { throwIfNoEntry: false });
      if (code === 'ELOOP' || entry) errors.push({ path: p, message: statError(code, !!entry?.isSymbolicLink()) });
      else missing.push(raw);
      continue;
    }
    if (st.isDirectory()) walk(p);
    // (A FIFO or device is never opened: reading one blocks, or never ends.)
    else if (!st.isFile()) errors.push({ path: p, message: NOT_REGULAR });
    else {
      files.push(p);
      stats.set(p, stampOf(st));
    }
  }
  return { files: [...new Set(files)], stats, errors, missing };
}

export type ReadResult = { text: string; size: number } | { error: string };

export function readSource(abs: string): ReadResult {
  const r = readRaw(abs);
  return 'error' in r ? r : { text: decodeUtf8(r.buf), size: r.buf.length };
}

/** Invalid UTF-8 is decoded leniently (U+FFFD) and still analysed. */
export function decodeUtf8(buf: Buffer): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(buf);
}

/**
 * The bytes of a source file, or why it cannot be scanned. Whole-tree scans
 * prefilter on a latin1 view of these bytes (identifiers are ASCII) and pay
 * for UTF-8 decoding only on the few files that can matter.
 */
export function readRaw(abs: string): { buf: Buffer } | { error: string } {
  let buf: Buffer;
  try {
    const st = statSync(abs);
    if (!st.isFile()) return { error: NOT_REGULAR };
    if (st.size > MAX_BYTES) return { error: tooLarge(st.size) };
    buf = readFileSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'EACCES' ? 'permission denied' : code === 'ELOOP' ? 'symlink loop' : `cannot read (${code ?? (e as Error).message})` };
  }
  if (buf.length > MAX_BYTES) return { error: 'file too large (> 8 MB)' };
  const probe = buf.subarray(0, 8192);
  if (probe.includes(0)) return { error: 'binary file (contains NUL bytes)' };
  return { buf };
}

const NOT_REGULAR = 'not a regular file (a FIFO, socket or device is not read)';

function tooLarge(size: number): string {
  const mb = (size / 1048576).toFixed(1);
  // (Just over the limit rounds to "8.0 MB > 8 MB": then the bytes say it.)
  return mb === '8.0' ? `file too large (${size.toLocaleString('en-US')} bytes > 8 MB = 8,388,608)` : `file too large (${mb} MB > 8 MB)`;
}

/**
 * readRaw()'s error for a file ripgrep read whole and found no NUL byte in
 * (ripgrep.ts): only its size can keep it from being scanned.
 */
export function sizeError(size: number): string | undefined {
  return size > MAX_BYTES ? tooLarge(size) : undefined;
}

/** The tree root of SPEC §1.3: the folder with .iova-lens.json, else the nearest kernel tree (MAINTAINERS) upward. */
export function findUp(start: string, name: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    // (An entry, not a readable file: a dangling link named .iova-lens.json is the tree's config, which
    // then says why it cannot be read, rather than being passed over for a config further up.)
    if (isEntry(join(dir, name))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export function relPath(root: string, abs: string): string {
  // The common case of a whole-tree scan (31k paths) without path.relative()'s normalisation.
  if (sep === '/' && abs.length > root.length + 1 && abs.startsWith(root) && abs.charCodeAt(root.length) === 47 && !abs.includes('/.', root.length)) return abs.slice(root.length + 1);
  const r = relative(root, abs);
  return toPosix(r.startsWith('..') ? abs : r);
}

/** A config is a few lines: more than this is not one (a link to /dev/zero, a log file). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * A small text file the user names (a config, a baseline): its text, or why
 * it cannot be read, in a few words. Only a regular file is opened — a FIFO
 * waits forever for a writer and /dev/zero never ends; a dangling link and a
 * link loop are said as such.
 */
export function readTextFile(path: string, maxBytes = Infinity): { text: string } | { error: string } {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return { error: 'is a directory' };
    if (!st.isFile()) return { error: NOT_REGULAR };
    if (st.size > maxBytes) return { error: `too large (${st.size.toLocaleString('en-US')} bytes; at most ${maxBytes.toLocaleString('en-US')})` };
    return { text: readFileSync(path, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) return { error: 'dangling symlink' };
    return { error: code === 'ELOOP' ? 'symlink loop' : code === 'EACCES' ? 'permission denied' : code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message) };
  }
}

/** Why a directory entry cannot be stat'ed, in words: a link to nothing is named as one. */
function statError(code: string | undefined, isLink: boolean): string {
  if (code === 'ELOOP') return 'symlink loop';
  if (code === 'ENOENT' && isLink) return 'dangling symlink (its target does not exist)';
  if (code === 'EACCES') return 'permission denied';
  return `cannot stat (${code})`;
}

/** Whether a directory entry exists by that name (a dangling link does; a path through a file does not). */
function isEntry(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
