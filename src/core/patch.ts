// SPDX-License-Identifier: MIT
// Unified diffs as kernel developers send them: `git format-patch` mboxes of
// several patches, b4 series, plain `git diff`. We rebuild each file's
// post-image — from the tree when we have it, else from the hunks' own lines
// placed at their post-image line numbers — and remember which lines the
// series added, so findings can be reported on added lines only.

import { frameFor, joinFrames, type Frame } from './hunk-frame';

export interface Hunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  /** Lines with their prefix: ' ' context, '-' removed, '+' added. */
  lines: string[];
  /** 0-based line of the diff text each hunk line came from (editors map findings back to the patch). */
  at: number[];
  /** What the header names after `@@ … @@`: git's function context (hunk-frame.ts). */
  section?: string;
}

export interface FileDiff {
  /** Post-image path (b/ side), or null when the file is deleted. */
  path: string | null;
  oldPath: string | null;
  hunks: Hunk[];
  /** Which patch of the series (0-based) it came from. */
  patch: number;
  /** The patch began with a `commit <sha>` line: `git log -p` or `git show` output, newest first unless `--reverse`. */
  log?: boolean;
  /** `copy from oldPath` (git -C): a new file made from the old one's pre-image; the old one stays. */
  copy?: boolean;
}

export class DiffError extends Error {}

/**
 * The diff without terminal colours: with `color.ui = always` in a gitconfig,
 * `git diff | iova-lens patch -` carries SGR escapes (`ESC[32m+…ESC[m`) on
 * every header and line, and no line would start as a diff line does.
 */
export function withoutColor(text: string): string {
  return text.includes('\x1b[') ? text.replace(/\x1b\[[0-9;]*m/g, '') : text;
}

/** `1 more added line`, `2 more old and 1 more added lines`: what a short hunk still owes (old = context or removed). */
function linesMore(oldLeft: number, newLeft: number): string {
  const o = Math.max(0, oldLeft);
  const n = Math.max(0, newLeft);
  // (A context line counts on both sides: what is owed on both is context, the rest removed or added.)
  const ctx = Math.min(o, n);
  const parts = [ctx && `${ctx} more context`, o - ctx && `${o - ctx} more removed`, n - ctx && `${n - ctx} more added`].filter(Boolean);
  return `${parts.join(' and ')} line${o + n - ctx === 1 ? '' : 's'}`;
}

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(?: (.*))?/;

/** Word-diff change marks, `[-old-]{+new+}`. */
const WORD_DIFF_RE = /\[-.*?-\]|\{\+.*?\+\}/;

function wordDiff(i: number): DiffError {
  return new DiffError(`line ${i + 1}: a word diff (git diff --word-diff) holds no added lines to check; give a plain unified diff (git diff, git format-patch)`);
}

/** The most lines a post-image can have: a file over 8 MB is not analysed (one byte per line). */
const MAX_POST_IMAGE_LINES = 8 * 1024 * 1024;

/** A `---`/`+++` path without its timestamp, unquoted; null for /dev/null. */
function headerPath(p: string): string | null {
  const t = p.replace(/\t.*$/, '').trim();
  if (t === '/dev/null') return null;
  return t.length > 1 && t[0] === '"' && t[t.length - 1] === '"' ? unquote(t.slice(1, -1)) : t;
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/**
 * git's quoting of a path with bytes outside printable ASCII, a quote or a
 * backslash (core.quotePath): `"a/dir \303\251/x.c"` — C escapes, octal for
 * each byte of the UTF-8 name.
 */
function unquote(q: string): string {
  // git quotes to printable ASCII; anything else was not written by git: taken as it is, without the quotes.
  if (/[^\x20-\x7e]/.test(q)) return q;
  const bytes = q.replace(/\\([0-7]{3}|.)/g, (_, e: string) => String.fromCharCode(e.length === 3 ? parseInt(e, 8) & 0xff : (ESCAPES[e] ?? e.charCodeAt(0))));
  return new TextDecoder().decode(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
}

/**
 * The tree paths of a `--- old` / `+++ new` pair, read as `patch -p1` reads
 * them (the kernel takes every patch with -p1): git's `a/` and `b/`, and the
 * two directory names of `diff -u linux.orig/… linux/…` or of quilt
 * (`linux-6.12.orig/drivers/…`), which differ in their first component only.
 * `prefix` carries the pair's first components to the new and deleted files
 * of the same patch, which have /dev/null on one side. `git diff
 * --no-prefix` paths, which have no such component, are kept as they are.
 */
function treePaths(oldRaw: string, newRaw: string, prefix: { old?: string; new?: string }, moved: boolean): { oldPath: string | null; path: string | null } {
  const o = headerPath(oldRaw);
  const n = headerPath(newRaw);
  // (A file git says it renamed or copied is not such a pair: `--- drivers/x.c` / `+++ sound/x.c` of `git diff
  // --no-prefix` is a move. git's own other prefixes — diff.mnemonicPrefix's `i/` `w/` `c/` — are such pairs.)
  if (!moved) learnPrefix(o, n, prefix);
  const strip = (x: string | null, side: 'old' | 'new') => {
    if (x === null) return null;
    if (/^[ab]\//.test(x)) return x.slice(2);
    const p = prefix[side];
    return p !== undefined && x.startsWith(`${p}/`) ? x.slice(p.length + 1) : x;
  };
  return { oldPath: strip(o, 'old'), path: strip(n, 'new') };
}

/**
 * The two paths of a `diff --git` line when it names one file (no rename):
 * git quotes a name with special bytes ("c/dir \303\251/x.c") but not one
 * with spaces, so `i/new sp.c i/new sp.c` splits where the two halves name
 * the same path after their first component.
 */
function gitHeaderPaths(rest: string): string[] | undefined {
  const q = /^("(?:[^"\\]|\\.)*")\s+("(?:[^"\\]|\\.)*")$/.exec(rest);
  if (q) return [headerPath(q[1])!, headerPath(q[2])!];
  const tail = (x: string) => x.slice(x.indexOf('/'));
  for (let i = rest.indexOf(' '); i > 0; i = rest.indexOf(' ', i + 1)) {
    const a = rest.slice(0, i);
    const b = rest.slice(i + 1);
    if (a.includes('/') && b.includes('/') && tail(a) === tail(b)) return [a, b];
  }
  return undefined;
}

/** Two paths that differ in their first component only (`c/drivers/x.c` `i/drivers/x.c`): those components are the prefixes. */
function learnPrefix(o: string | null, n: string | null, prefix: { old?: string; new?: string }): void {
  const first = (x: string) => x.slice(0, x.indexOf('/'));
  if (o !== null && n !== null && o.includes('/') && n.includes('/') && first(o) !== first(n) && o.slice(first(o).length) === n.slice(first(n).length)) {
    prefix.old = first(o);
    prefix.new = first(n);
  }
}

/**
 * The subject of a series' cover letter, `[PATCH 0/3]`, `[PATCH v2 00/12]`,
 * `[RFC PATCH net-next 0/5]`: a message that introduces the patches and
 * changes no file (git format-patch --cover-letter, b4, a mail client).
 */
const COVER_RE = /^Subject:.*\[[^\]]*\b0+\/\d+\]/i;

/**
 * Parses one or more patches (mbox, format-patch, git diff). Throws DiffError
 * when nothing looks like a diff (no hunk and no `diff --git` header). Empty
 * input and a series' cover letter alone are not errors: they are what `git
 * format-patch` writes for an empty commit and for `--cover-letter`, and a CI
 * job that checks every file of a series must not fail on them (checkpatch.pl
 * accepts a cover letter too). They change nothing, so there is nothing to check.
 */
export function parseDiff(text: string): FileDiff[] {
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop(); // the final newline is not a blank context line
  const out: FileDiff[] = [];
  let patch = 0;
  let cur: FileDiff | undefined;
  let hunk: Hunk | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  /** The hunk that ended just before the context lines being read (see the check below). */
  let ended: Hunk | undefined;
  /**
   * `diff --git` headers seen: a patch that only renames a file, changes its
   * mode or a binary file is a diff with no text hunks — nothing was added,
   * so nothing to report (exit 0, as checkpatch.pl), not "no diff found".
   */
  let gitFiles = 0;
  let covers = 0;
  /** `git log -p` commits seen: an empty commit's is a header alone, as format-patch's empty output. */
  let commits = 0;
  let log = false;
  /** The directory names of this patch's `diff -u old/ new/` pairs (treePaths). */
  let prefix: { old?: string; new?: string } = {};
  /** Lines of the last `diff --git` header, `rename from`/`copy from` line and `---`/`+++` pair (a pair is a move when the last two came after the previous pair). */
  let lastGit = -1;
  let lastMove = -1;
  /** The two paths of the last `diff --git` header (unquoted ones). */
  let gitPaths: string[] | undefined;
  /** The last move was a copy (`copy from`): the old file stays, and the copy starts from its pre-image. */
  let copied = false;
  /** The last move's `rename from`/`copy from` and `rename to`/`copy to` paths (tree paths: no prefix). */
  let moveFrom: string | null = null;
  let moveTo: string | null = null;
  let lastPair = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      const c = l[0];
      // `git diff --word-diff`/`--color-words` marks changes inside context lines: no added line to read.
      if (c === '~') throw wordDiff(i);
      // (A line the header has no room for ends the hunk early: a mail's `-- ` signature after a hunk
      // one added line short is not a removed line — counted as one, it made the message say "-1 old".)
      const room = c !== '-' || oldLeft > 0;
      if (c === ' ' || l === '') {
        hunk.lines.push(l === '' ? ' ' : l);
        hunk.at.push(i);
        oldLeft--;
        newLeft--;
        // A whole hunk of context lines, one with word-diff marks: a hunk always has a changed line
        // (C such as "[---:----]" in a string is only context next to one).
        if (oldLeft <= 0 && newLeft <= 0 && hunk.lines.every((x) => x[0] === ' ') && hunk.lines.some((x) => WORD_DIFF_RE.test(x))) throw wordDiff(i);
        continue;
      }
      if (room && c === '-') {
        hunk.lines.push(l);
        hunk.at.push(i);
        oldLeft--;
        continue;
      }
      if (c === '+') {
        hunk.lines.push(l);
        hunk.at.push(i);
        newLeft--;
        continue;
      }
      if (c === '\\') continue; // "\ No newline at end of file"
      // (--word-diff=plain writes every line of a hunk without a leading ' ', '+' or '-', its changes marked.)
      if (lines.slice(i, i + Math.max(oldLeft, newLeft)).some((x) => WORD_DIFF_RE.test(x))) throw wordDiff(i);
      throw new DiffError(`line ${i + 1}: hunk of ${cur?.path ?? cur?.oldPath} ends early (expected ${linesMore(oldLeft, newLeft)}; ${room ? "a line that starts with neither ' ', '+' nor '-'" : 'a line its header has no room for'}: a damaged patch, or a word diff such as --color-words)`);
    }
    // After a hunk's last counted line (and any context lines past it), another added or removed
    // line means the header's counts are too small (git apply: "corrupt patch"): its added lines
    // would be lost unread.
    const last = hunk ?? ended;
    if (last && ((l[0] === '+' && !l.startsWith('+++ ')) || (l[0] === '-' && !l.startsWith('--- ') && l !== '-- ' && l !== '--'))) {
      throw new DiffError(`line ${i + 1}: hunk of ${cur?.path ?? cur?.oldPath} has more lines than its header "@@ -${last.oldStart},${last.oldCount} +${last.newStart},${last.newCount} @@" says (a damaged patch)`);
    }
    ended = last && l[0] === ' ' ? last : undefined;
    hunk = undefined;
    if (/^From [0-9a-f]{40} /.test(l) || (l.startsWith('From ') && i > 0 && lines[i - 1] === '')) {
      if (out.length) patch++;
      cur = undefined;
      log = false;
      prefix = {};
      continue;
    }
    // git log's header (the next line names the author, or the parents of a merge) — not a stable backport's
    // "commit <sha> upstream." line in a format-patch body.
    if (/^commit [0-9a-f]{40}\b/.test(l) && /^(?:Author|Merge):/.test(lines[i + 1] ?? '')) {
      commits++;
      if (out.length) patch++;
      cur = undefined;
      log = true;
      prefix = {};
      continue;
    }
    if ((l.charCodeAt(0) | 32) === 115 /* S or s */ && COVER_RE.test(l)) {
      covers++;
      continue;
    }
    if (l.startsWith('diff --git ')) {
      gitFiles++;
      lastGit = i;
      cur = undefined;
      gitPaths = gitHeaderPaths(l.slice(11));
      continue;
    }
    if (l.startsWith('rename from ') || l.startsWith('copy from ')) {
      lastMove = i;
      copied = l.startsWith('copy from ');
      moveFrom = headerPath(l.slice(copied ? 10 : 12));
      moveTo = null;
      continue;
    }
    // (git writes a move's paths here without any prefix, whatever diff.mnemonicPrefix or --src-prefix put on its ---/+++ lines.)
    if (l.startsWith('rename to ') || l.startsWith('copy to ')) {
      moveTo = headerPath(l.slice(l.startsWith('copy to ') ? 8 : 10));
      continue;
    }
    if (l.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      const moved = lastGit > lastPair && lastMove > lastGit;
      // A new or deleted file may be the patch's first (or only) one: its `diff --git c/x i/x` line says
      // what `diff.mnemonicPrefix` or `--src-prefix`/`--dst-prefix` put before the paths (not a move's:
      // `diff --git drivers/x.c sound/x.c` of --no-prefix names two folders).
      if (!moved && gitPaths && lastGit > lastPair) learnPrefix(gitPaths[0], gitPaths[1], prefix);
      const paths = moved && moveFrom && moveTo ? { oldPath: moveFrom, path: moveTo } : treePaths(l.slice(4), lines[i + 1].slice(4), prefix, moved);
      cur = { ...paths, hunks: [], patch, ...(log ? { log } : {}), ...(moved && copied ? { copy: true } : {}) };
      lastPair = i;
      out.push(cur);
      i++;
      continue;
    }
    const m = HUNK_RE.exec(l);
    if (!m && cur && l.startsWith('@@')) throw new DiffError(`line ${i + 1}: unreadable hunk header ${JSON.stringify(l.slice(0, 60))} (expected "@@ -OLD,COUNT +NEW,COUNT @@")`);
    if (m && cur) {
      hunk = { oldStart: +m[1], oldCount: m[2] === undefined ? 1 : +m[2], newStart: +m[3], newCount: m[4] === undefined ? 1 : +m[4], lines: [], at: [] };
      const section = m[5]?.trim();
      if (section) hunk.section = section;
      oldLeft = hunk.oldCount;
      newLeft = hunk.newCount;
      cur.hunks.push(hunk);
    }
  }
  if (hunk && (oldLeft > 0 || newLeft > 0)) {
    throw new DiffError(`hunk of ${cur?.path ?? cur?.oldPath} ends early (expected ${linesMore(oldLeft, newLeft)})`);
  }
  if (out.length === 0 && gitFiles === 0 && covers === 0 && commits === 0 && text.trim() !== '') throw new DiffError('no unified diff found (expected "--- a/FILE", "+++ b/FILE" and "@@ … @@" hunks)');
  // `---`/`+++` pairs and not one hunk, and no `diff --git` header (a rename or mode change has none):
  // a diff cut short, not one that adds nothing (README: no hunk and no diff --git header is exit 2).
  if (out.length > 0 && gitFiles === 0 && out.every((f) => f.hunks.length === 0)) throw new DiffError(`no hunk found after the "---"/"+++" header of ${out[0].path ?? out[0].oldPath} (a diff cut short?)`);
  return out;
}

/** A post-image: its text and the 1-based line numbers the series added. */
export interface PostImage {
  path: string;
  text: string;
  added: Set<number>;
  /** Post-image line → 0-based line of the diff text, for added lines. */
  sources: Map<number, number>;
  /** Post-image line → the removed line an added one took the place of (replaced()). */
  before?: Map<number, string>;
  /** Set when a hunk did not apply to the tree's file and the hunks alone were used. */
  warning?: string;
  /** Lines written around a hunk read alone, from its header's function (hunk-frame.ts): no finding points there. */
  framed?: Set<number>;
}

interface Line {
  text: string;
  added: boolean;
  /** Written by frameHunks(), not the patch's or the tree's. */
  framed?: boolean;
  /** Diff line it came from (added lines). */
  src?: number;
  /** An added line that took a removed one's place (`-x` then `+y` in a hunk): the removed line's text. */
  was?: string;
}

/**
 * For each line of a hunk, the removed line an added one replaces: `-` lines
 * and the `+` lines after them pair up in order (a context line ends the
 * run). What the file said there before the patch (checkPostImages()).
 */
function replaced(h: Hunk): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  let pending: string[] = [];
  for (const l of h.lines) {
    if (l[0] === '-') pending.push(l.slice(1));
    else if (l[0] === ' ') pending = [];
    out.push(l[0] === '+' ? pending.shift() : undefined);
  }
  return out;
}

/** The filler between hunks placed without a tree (shared: never changed in place). */
const BLANK: Line = Object.freeze({ text: '', added: false });

/**
 * Where `lines` sit in `file`: at index `want` or within ±200 lines of it,
 * nearest first; -1 when not there. A CRLF file's lines end in `\r`, which
 * parseDiff took off the patch's (and a patch mailed with CRLF line ends
 * holds LF lines): the same line either way.
 */
function findLines(file: Line[], lines: string[], want: number): number {
  const same = (a: string, b: string) => a === b || (a.length === b.length + 1 && a.endsWith('\r') && a.startsWith(b));
  const fits = (at: number) => at >= 0 && at + lines.length <= file.length && lines.every((t, k) => same(file[at + k].text, t));
  for (let d = 0; d <= 200; d++) {
    if (fits(want + d)) return want + d;
    if (d > 0 && fits(want - d)) return want - d;
  }
  return -1;
}

/** Where a hunk's old lines (context and removed) sit in `file`, near its stated old line. */
function locate(file: Line[], h: Hunk, offset: number): number {
  const old = h.lines.filter((l) => l[0] !== '+').map((l) => l.slice(1));
  return findLines(file, old, Math.max(0, h.oldStart - 1 + offset - (h.oldCount === 0 ? -1 : 0)));
}

/** Where a hunk's post-image lines (context and added) sit in `file`, near its stated new line. */
function locateNew(file: Line[], h: Hunk, offset: number): number {
  const now = h.lines.filter((l) => l[0] !== '-').map((l) => l.slice(1));
  return findLines(file, now, Math.max(0, h.newStart - 1 + offset - (h.newCount === 0 ? -1 : 0)));
}

const PARTLY_APPLIED = (path: string) => `${path}: the tree's file holds this patch, but not every hunk's lines as the patch has them (a later patch changed them?); lines only those hunks added are not analysed`;

/**
 * The tree's file already holds the patch (`git format-patch -3 | iova-lens
 * patch - --tree .` at the branch's head, `git diff | …` on a working tree):
 * marks the lines each hunk added where its post-image lines are found.
 * Returns how many hunks were not found (a later patch of the series may have
 * changed their lines; what they added then shows in that patch's hunks).
 */
function markApplied(lines: Line[], d: FileDiff): { found: number; missing: number } {
  let found = 0;
  let missing = 0;
  for (const h of d.hunks) {
    const at = locateNew(lines, h, 0);
    if (at < 0) {
      missing++;
      continue;
    }
    found++;
    let k = at;
    const was = replaced(h);
    for (const [j, l] of h.lines.entries()) {
      if (l[0] === '-') continue;
      if (l[0] === '+') lines[k] = { ...lines[k], added: true, src: h.at[j], was: was[j] };
      k++;
    }
  }
  return { found, missing };
}

/**
 * `lines` with `d`'s hunks applied (added lines marked), or undefined when a
 * hunk's old lines are not there. `fit` adds up how far from their stated
 * lines the hunks were found.
 */
function applyHunks(file: Line[], d: FileDiff, fit?: { dist: number }): Line[] | undefined {
  let offset = 0;
  const lines = [...file];
  for (const h of d.hunks) {
    const at = locate(lines, h, offset);
    if (at < 0) return undefined;
    if (fit) fit.dist += Math.abs(at - Math.max(0, h.oldStart - 1 + offset - (h.oldCount === 0 ? -1 : 0)));
    // Context lines keep their provenance (added by an earlier patch of the series, or not).
    const repl: Line[] = [];
    let k = at;
    const was = replaced(h);
    for (const [j, l] of h.lines.entries()) {
      if (l[0] === '+') repl.push({ text: l.slice(1), added: true, src: h.at[j], was: was[j] });
      else {
        if (l[0] === ' ') repl.push(lines[k]);
        k++;
      }
    }
    const oldLen = h.lines.filter((l) => l[0] !== '+').length;
    spliceMany(lines, at, oldLen, repl);
    offset += repl.length - oldLen;
  }
  return lines;
}

/**
 * The file before `patches` (in series order): each one's hunks taken back
 * off, the last patch first; undefined when one is not there. `fit` adds up
 * how far from their stated lines the post-images were found.
 */
function unapply(file: Line[], patches: FileDiff[], fit?: { dist: number }): Line[] | undefined {
  let lines = [...file];
  for (const p of [...patches].reverse()) {
    for (const h of [...p.hunks].reverse()) {
      const at = locateNew(lines, h, 0);
      if (at < 0) return undefined;
      if (fit) fit.dist += Math.abs(at - Math.max(0, h.newStart - 1 - (h.newCount === 0 ? -1 : 0)));
      const old = h.lines.filter((l) => l[0] !== '+').map((l): Line => ({ text: l.slice(1), added: false }));
      lines = [...lines.slice(0, at), ...old, ...lines.slice(at + h.lines.filter((l) => l[0] !== '-').length)];
    }
  }
  return lines;
}

/** A tree file's text as the lines of a base (undefined: not in the tree). */
function asIs(text: string | undefined): { lines: Line[]; fromHead: boolean } | undefined {
  if (text === undefined) return undefined;
  return { lines: text === '' ? [] : text.split('\n').map((t): Line => ({ text: t, added: false })), fromHead: false };
}

/**
 * What a tree's file was before the series: the file itself (the tree holds
 * the base), or — the tree at the series' head — the file with the series
 * taken back off. Both are tried; the one whose hunks sit nearer where they
 * say wins, a tie going to the head (a `-U0` addition applies anywhere, and
 * at the head it would be added twice). `fromHead` when taken back off.
 */
function seriesBase(tree: Line[], patches: FileDiff[]): { lines: Line[]; fromHead: boolean } {
  if (patches.length === 0) return { lines: tree, fromHead: false };
  /** How far from their stated lines patches[from…] sit when applied in turn to `start` (Infinity: one does not apply). */
  const forward = (start: Line[], from = 0): number => {
    const fit = { dist: 0 };
    let lines: Line[] | undefined = start;
    for (const p of patches.slice(from)) if (!(lines = applyHunks(lines, p, fit))) return Infinity;
    return fit.dist;
  };
  // The tree may also sit part-way through the series (`git checkout` of a commit in the middle, or
  // `git am` stopped half-way): it holds the first k patches of this file. Each k is tried, the whole
  // series first: the one whose hunks sit nearest where they say wins, a tie going to the larger k.
  let best: { lines: Line[]; fromHead: boolean } = { lines: tree, fromHead: false };
  let bestDist = forward(tree);
  for (let k = patches.length; k >= 1; k--) {
    const back = { dist: 0 };
    const base = unapply(tree, patches.slice(0, k), back);
    if (!base) continue;
    const rest = k < patches.length ? forward(tree, k) : 0;
    const dist = back.dist + rest;
    // Part-way, every hunk sits exactly where it says (each patch was made on the one before): the
    // head of a series given in another order — newest-first `git log -p`, which postImages() tries
    // next — can look part-way with its hunks a few lines off, and would add a patch twice.
    // And the later patches' hunks must each hold an old line: a pure addition with no context (a new
    // file's, `-U0`) fits anywhere and proves nothing.
    // Nor may the tree hold a later patch already (appending commits, newest first: the older one's
    // context is still where it says in the head).
    const later = patches.slice(k);
    if (k < patches.length && (dist !== 0 || !later.every((p) => p.hunks.every((h) => h.lines.some((l) => l[0] !== '+'))) || later.some((p) => p.hunks.some((h) => h.lines.some((l) => l[0] === '+')) && markApplied([...tree], p).missing === 0))) continue;
    if (dist === Infinity || (best.fromHead ? dist >= bestDist : dist > bestDist) || forward(base) === Infinity) continue;
    best = { lines: base, fromHead: true };
    bestDist = dist;
  }
  return best;
}

/** How far from their stated lines `d`'s hunks' post-images sit in `lines` (Infinity when one is missing). */
function appliedDistance(lines: Line[], d: FileDiff): number {
  let sum = 0;
  for (const h of d.hunks) {
    const at = locateNew(lines, h, 0);
    if (at < 0) return Infinity;
    sum += Math.abs(at - Math.max(0, h.newStart - 1 - (h.newCount === 0 ? -1 : 0)));
  }
  return sum;
}

/**
 * How far from their stated lines `d`'s hunks' pre-images sit in `lines`;
 * Infinity when one is missing or is no line at all (a
 * pure addition's `-U0` pre-image fits anywhere and proves nothing).
 */
function baseDistance(lines: Line[], d: FileDiff): number {
  let sum = 0;
  for (const h of d.hunks) {
    if (!h.lines.some((l) => l[0] !== '+')) return Infinity;
    // (Each against the untouched file: old line numbers are the pre-image's.)
    const at = locate(lines, h, 0);
    if (at < 0) return Infinity;
    sum += Math.abs(at - Math.max(0, h.oldStart - 1 - (h.oldCount === 0 ? -1 : 0)));
  }
  return sum;
}

/** Whether `lines` holds the post-image of every hunk of every one of `patches` (each adding something). */
function holdsEvery(lines: Line[], patches: FileDiff[]): boolean {
  if (lines.length === 0 || patches.length === 0) return false;
  return patches.every((p) => p.hunks.some((h) => h.lines.some((l) => l[0] === '+')) && markApplied([...lines], p).missing === 0);
}

/**
 * Post-images of every file the diff touches. `readTree(path)` gives the
 * pre-image from the tree (or undefined without --tree / when absent).
 * Patches apply in the order given, except `git log -p` output, which lists
 * the newest commit first (unless `--reverse`): there the other order is
 * taken when it applies where the given one does not.
 */
export function postImages(diffs: FileDiff[], readTree: (path: string) => string | undefined, treeGiven = false): PostImage[] {
  const given = buildImages(diffs, readTree, treeGiven);
  if (!diffs.some((d) => d.log) || new Set(diffs.map((d) => d.patch)).size < 2) return given;
  const warned = (images: PostImage[]) => images.filter((i) => i.warning).length;
  if (warned(given) === 0) return given;
  // (Numbered in the order taken: patch numbers say which patch is earlier.)
  const last = Math.max(...diffs.map((d) => d.patch));
  const reversed = buildImages([...diffs].sort((a, b) => b.patch - a.patch).map((d) => ({ ...d, patch: last - d.patch })), readTree, treeGiven);
  return warned(reversed) < warned(given) ? reversed : given;
}

/** `treeGiven`: the caller named a tree (`--tree`), so a changed file that is not in it is worth a note. */
function buildImages(diffs: FileDiff[], readTree: (path: string) => string | undefined, treeGiven: boolean): PostImage[] {
  type Image = { lines: Line[]; exact: boolean; applied?: boolean; warning?: string };
  const images = new Map<string, Image>();
  const lastPatchOf = new Map<string, FileDiff>();
  for (const d of diffs) if (d.path) lastPatchOf.set(d.path, d);
  /** The images as the current patch found them (a copy in a patch is made from its source before that patch). */
  const atPatchStart = new Map<string, Image | undefined>();
  /** Each tree file as it was before the series (seriesBase), by path; memoised. */
  const bases = new Map<string, { lines: Line[]; fromHead: boolean } | undefined>();
  const baseFor = (path: string) => {
    if (!bases.has(path)) {
      const tree = asIs(readTree(path));
      bases.set(path, tree && seriesBase(tree.lines, diffs.filter((x) => x.path === path && (x.oldPath ?? x.path) === x.path)));
    }
    return bases.get(path);
  };
  let patch = -1;
  for (const d of diffs) {
    if (!d.path) continue;
    if (d.patch !== patch) {
      patch = d.patch;
      atPatchStart.clear();
    }
    if (!atPatchStart.has(d.path)) {
      const was = images.get(d.path);
      atPatchStart.set(d.path, was && { ...was, lines: [...was.lines] });
    }
    const src = d.oldPath ?? d.path;
    // A renamed file carries on from the old path's image; a copy starts from its source as this patch found
    // it — an earlier patch's image, else the tree's file.
    const renamed = !!d.oldPath && d.oldPath !== d.path && !d.copy;
    // (A source no patch before this one changed is the tree's file as it was before the series.)
    let copyOf = d.copy && d.oldPath ? (atPatchStart.has(d.oldPath) ? atPatchStart.get(d.oldPath) : images.get(d.oldPath)) : undefined;
    if (d.copy && d.oldPath && !copyOf) {
      const b = baseFor(d.oldPath);
      if (b) copyOf = { lines: b.lines, exact: true };
    }
    let img = images.get(d.path) ?? (renamed ? images.get(d.oldPath!) : copyOf && { ...copyOf, lines: [...copyOf.lines], applied: false });
    /** The image starts from the tree's file with the series taken back off (the tree is at the head). */
    let fromHead = false;
    if (!img) {
      // `diff -N` (diff -ruN old/ new/) names a new file by the path it would have had, with hunks from
      // line 0 of an empty file: it is new, not missing from the tree.
      const created = d.hunks.length > 0 && d.hunks.every((h) => h.oldStart === 0 && h.oldCount === 0);
      if (d.oldPath === null) img = { lines: [], exact: true };
      else {
        // (A renamed file's old path is the tree's only at the base: read as it is.)
        const b = src === d.path ? baseFor(src) : asIs(readTree(src));
        fromHead = !!b?.fromHead;
        img = b
          ? { lines: [...b.lines], exact: true }
          : created
            ? { lines: [], exact: true }
            : { lines: [], exact: false, warning: treeGiven ? `${src}: not in the tree; analysed the hunks' own lines` : undefined };
      }
    }
    // A tree at the head of the series holds what every patch of this file
    // added; a pure addition's pre-image (its context) is found there too, so
    // applying would add the lines a second time and shift what follows (a
    // newest-first `git log -p` reported past the end of the file).
    // (Unless the patch applies to it as a pre-image, nearer where its hunks say: with `git diff -U0` a
    // post-image is its added lines alone, and the same text a few lines off in the base is no proof.)
    // (Only where the file has this one patch: in a series, later patches move what an earlier one added.)
    const ofFile = diffs.filter((x) => x.path === d.path && (x.oldPath ?? x.path) === x.path);
    if (img.exact && !fromHead && !img.applied && !images.has(d.path) && d.hunks.length > 0 && holdsEvery(img.lines, ofFile) && !(ofFile.length === 1 && baseDistance(img.lines, d) < appliedDistance(img.lines, d))) img.applied = true;
    // The tree already holds this file's patches: only mark what each one added.
    if (img.applied) {
      if (markApplied(img.lines, d).missing) img.warning ??= PARTLY_APPLIED(d.path);
      images.set(d.path, img);
      continue;
    }
    if (img.exact) {
      const lines = applyHunks(img.lines, d);
      if (lines) {
        img.lines = lines;
        images.set(d.path, img);
        if (renamed) images.delete(d.oldPath!);
        continue;
      }
      img = { lines: [], exact: false, warning: `${d.path}: a hunk does not apply to the tree's file; analysed the hunks' own lines` };
    }
    // Not the pre-image (or, for a renamed file, no file by the old name): perhaps the tree's file is the
    // post-image — the patch is applied already — when this is the file's first patch.
    if (!images.has(d.path)) {
      const treeLines = readTree(d.path)?.split('\n').map((t): Line => ({ text: t, added: false }));
      const marked = treeLines ? markApplied(treeLines, d) : undefined;
      // The series' last patch of this file decides when none of this one's hunks is found as it is
      // (a later patch changed every line this one touched).
      const last = lastPatchOf.get(d.path);
      const headHolds = () => !!treeLines && !!last && last !== d && last.hunks.length > 0 && markApplied([...treeLines], last).missing === 0;
      if (treeLines && marked && (marked.found > 0 || headHolds())) {
        images.set(d.path, { lines: treeLines, exact: false, applied: true, warning: marked.missing ? PARTLY_APPLIED(d.path) : undefined });
        if (renamed) images.delete(d.oldPath!);
        continue;
      }
    }
    // No tree: place each hunk's post-image lines at their post-image numbers (a file over 8 MB is not
    // analysed, so no post-image has more lines: a larger number is a damaged hunk, not a file to build).
    for (const h of d.hunks) {
      if (h.newStart + h.newCount > MAX_POST_IMAGE_LINES) throw new DiffError(`hunk of ${d.path} starts at line ${h.newStart}: past the end of any file that can be analysed (8 MB)`);
    }
    // A later patch of the series: its old line numbers are the earlier patches' image's, so it is
    // applied to that image — what it inserts moves what follows, and an earlier patch's lines it
    // keeps as context stay added. (Written over it at their new numbers, they were lost or misplaced.)
    if (img.lines.length && (images.has(d.path) || renamed)) {
      img.lines = applySparse(img.lines, d);
      images.set(d.path, img);
      if (renamed) images.delete(d.oldPath!);
      continue;
    }
    const placed: Placed[] = [];
    for (const h of d.hunks) {
      let n = h.newStart - 1;
      const from = n;
      const was = replaced(h);
      for (const [j, l] of h.lines.entries()) {
        if (l[0] === '-') continue;
        while (img.lines.length <= n) img.lines.push(BLANK);
        img.lines[n] = l[0] === '+' ? { text: l.slice(1), added: true, src: h.at[j], was: was[j] } : { text: l.slice(1), added: false };
        n++;
      }
      placed.push({ hunk: h, from, to: n });
    }
    frameHunks(img.lines, placed);
    images.set(d.path, img);
  }
  const out: PostImage[] = [];
  for (const [path, img] of images) {
    const added = new Set<number>();
    const sources = new Map<number, number>();
    const before = new Map<number, string>();
    const framed = new Set<number>();
    img.lines.forEach((l, i) => {
      if (l.framed) framed.add(i + 1);
      if (!l.added) return;
      added.add(i + 1);
      if (l.src !== undefined) sources.set(i + 1, l.src);
      if (l.was !== undefined) before.set(i + 1, l.was);
    });
    out.push({ path, text: img.lines.map((l) => l.text).join('\n'), added, sources, before, warning: img.warning, ...(framed.size ? { framed } : {}) });
  }
  return out;
}

/**
 * `d`'s hunks applied to an image made of hunks alone (no tree): the lines
 * between hunks are unknown (BLANK), so nothing is matched — each hunk
 * replaces its old lines, counted from its stated old line, and shifts what
 * follows. A context line keeps the image's line (and whether an earlier
 * patch added it) where the texts agree, and fills a gap where it was unknown.
 */
function applySparse(lines: Line[], d: FileDiff): Line[] {
  const out: Line[] = [];
  const placed: Placed[] = [];
  let cursor = 0;
  for (const h of d.hunks) {
    const start = h.oldCount === 0 ? h.oldStart : h.oldStart - 1;
    for (; cursor < start; cursor++) out.push(lines[cursor] ?? BLANK);
    const from = out.length;
    let k = cursor;
    const was = replaced(h);
    for (const [j, l] of h.lines.entries()) {
      if (l[0] === '-') {
        k++;
        continue;
      }
      if (l[0] === '+') {
        out.push({ text: l.slice(1), added: true, src: h.at[j], was: was[j] });
        continue;
      }
      const prev = lines[k];
      out.push(prev && prev !== BLANK && prev.text === l.slice(1) ? prev : { text: l.slice(1), added: false });
      k++;
    }
    placed.push({ hunk: h, from, to: out.length });
    cursor = Math.max(cursor, k);
  }
  for (; cursor < lines.length; cursor++) out.push(lines[cursor]);
  frameHunks(out, placed);
  return out;
}

/** A hunk's post-image lines in an image built from hunks alone: [from, to). */
interface Placed {
  hunk: Hunk;
  from: number;
  to: number;
}

/** A line no hunk gave (between hunks), or one a frame already holds (a closing `}` an opening can share). */
function unknownLine(l: Line | undefined): boolean {
  return l === undefined || l === BLANK || !!l.framed;
}

/**
 * Each hunk that starts inside a function, read as that function's body: its
 * header's signature and `{` on the unknown line before it, the `}` still
 * open on the one after (frameFor()). A hunk with no unknown line on either
 * side that it needs is left as it is.
 */
function frameHunks(lines: Line[], placed: Placed[]): void {
  const put = (i: number, text: string) => {
    if (!text) return;
    while (lines.length <= i) lines.push(BLANK);
    const had = lines[i];
    lines[i] = { text: had?.framed ? `${had.text} ${text}` : text, added: false, framed: true };
  };
  /** The last hunk framed, whose closing braces are written when the next one is not the same body (joinFrames()). */
  let open: { frame: Frame; section?: string; at: number } | undefined;
  for (const { hunk, from, to } of placed) {
    const frame = from >= 1 && unknownLine(lines[from - 1]) ? frameFor(lines.slice(from, to).map((l) => l.text), hunk.section) : undefined;
    const usable = frame && (!frame.close || unknownLine(lines[to]));
    const join = usable && open ? joinFrames(open.frame, open.section, frame, hunk.section) : undefined;
    if (join !== undefined) {
      put(from - 1, join);
    } else {
      if (open) put(open.at, open.frame.close);
      if (usable) put(from - 1, frame.open);
    }
    open = usable ? { frame, section: hunk.section, at: to } : undefined;
  }
  if (open) put(open.at, open.frame.close);
}

/**
 * Findings of the post-images, kept on the lines the patch adds and moved to
 * where those lines are in the patch text itself — how the editor shows a
 * .patch file and `iova-lens scan x.patch` reports it (with `patchPath`; the
 * editor puts them on the patch document and keeps the post-image path). The
 * message starts with the post-image path:line; the column moves right by one for the `+`.
 */
export function inPatchText<F extends { path: string; line: number; column: number; endLine: number; endColumn: number; message: string; related?: { path: string; line: number; column: number }[] }>(findings: F[], images: PostImage[], patchPath?: string): F[] {
  const byPath = new Map(images.map((i) => [i.path, i]));
  const out: F[] = [];
  for (const f of findings) {
    const img = byPath.get(f.path);
    const src = img?.sources.get(f.line);
    if (src !== undefined) {
      out.push({ ...f, path: patchPath ?? f.path, line: src + 1, endLine: src + 1, column: f.column + 1, endColumn: f.endLine === f.line ? f.endColumn + 1 : f.column + 2, message: `${f.path}:${f.line}: ${f.message}` });
      continue;
    }
    // A finding on an unchanged line that an added line brings about (checkPostImages()): shown on that added line.
    const cause = f.related?.find((r) => r.path === f.path && img?.sources.has(r.line));
    if (!cause || !img) continue;
    const at = img.sources.get(cause.line)! + 1;
    out.push({ ...f, path: patchPath ?? f.path, line: at, endLine: at, column: cause.column + 1, endColumn: cause.column + 2, message: `${f.path}:${f.line}: ${f.message}` });
  }
  return out;
}

/**
 * `arr.splice(at, del, ...items)` for any number of items: a spread passes
 * each item as an argument, and a hunk of 130,000 added lines (a new file)
 * overflowed the call stack — the language server died on such a .patch.
 */
function spliceMany<T>(arr: T[], at: number, del: number, items: T[]): void {
  const CHUNK = 8192;
  arr.splice(at, del);
  for (let i = 0; i < items.length; i += CHUNK) arr.splice(at + i, 0, ...items.slice(i, i + CHUNK));
}
