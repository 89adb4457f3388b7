// SPDX-License-Identifier: MIT
// Whole-tree scans parse only what can matter. A candidate driver file is
// mostly code the analysis never looks at: functions that name no
// translation API and call no function that does, register tables, ops
// structs, prototypes, includes, macros that translate nothing. Tree-sitter
// is given only the ranges that can matter (its "included ranges": the lexer
// jumps over the rest, and every node keeps its position in the file) —
// parsing cost is proportional to what the lexer walks, blank space included.
// What the skipped function bodies would have told the analysis —
// assignments to struct fields — is collected here by a lexer; struct
// definitions that declare a dma_addr_t field are kept for their field names.
// The editor never skims: it parses everything.

import { logicalLineEnd } from './code-text';

export interface SkimmedField {
  field: string;
  base: string;
  /** The base is a variable (`td->next`), not a member (`priv->rx.buf`): its declaration may say its struct. */
  variable: boolean;
  callee: string | null;
  rhs: string;
  index: number;
  /** The function the assignment is in: [start, end) offsets (its declarations say what the names are). */
  fn: [number, number];
}

export interface Skim {
  /** [start, end) offsets of the text to parse, in order, not overlapping. */
  ranges: [number, number][];
  fields: SkimmedField[];
}

/** One top-level piece of a file, as a cheap lexer sees it. */
export interface Unit {
  kind: 'fn' | 'decl' | 'define' | 'pp' | 'open';
  /** Offsets of the first character and one past the last. */
  start: number;
  end: number;
  /** fn: the function's name; define: the function-like macro's name. */
  name: string | null;
  /** fn: offsets of `{` and of the matching `}`. */
  open: number;
  close: number;
  /** The unit holds a preprocessor line: braces may not balance per branch. */
  directive: boolean;
  /** fn: declared to return `void`. */
  returnsVoid: boolean;
}

/**
 * Splits a file into top-level units: function definitions (a `{` at depth 0
 * right after a `)`, up to its `}`), declarations (up to a `;` at depth 0),
 * preprocessor lines, and — when braces never balance again (a `{` opened on
 * both sides of an #if) — one `open` unit running to the end of the file.
 */
export function topLevel(text: string): Unit[] {
  const out: Unit[] = [];
  let depth = 0;
  let lastSig = -1; // offset of the last significant character at depth 0
  let start = -1; // first character of the pending unit, -1 when none
  let open = -1;
  let directive = false;
  const n = text.length;
  let i = 0;
  let lineStart = true;
  const close = (kind: Unit['kind'], end: number, name: string | null = null, o = -1, c = -1, returnsVoid = false) => {
    out.push({ kind, start, end, name, open: o, close: c, directive, returnsVoid });
    start = -1;
    open = -1;
    directive = false;
  };
  while (i < n) {
    if (depth > 0 && !lineStart) {
      // Inside braces (most of a file) only comments, quotes, braces and
      // preprocessor lines matter: jump to the next one (to the `#` of a line
      // that starts with one; other lines are not stopped at).
      INSIDE.lastIndex = i;
      const m = INSIDE.exec(text);
      if (!m) break;
      i = m.index;
      if (text.charCodeAt(i) === 10) {
        i += m[0].length - 1;
        lineStart = true;
      }
    }
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    if (lineStart && c === 35 /* # */) {
      // A preprocessor line (with continuations).
      const from = i;
      i = logicalLineEnd(text, i);
      if (start >= 0) directive = true;
      else {
        start = from;
        const m = DEFINE_START.exec(text.slice(from, Math.min(i, from + 300)));
        close(m ? 'define' : 'pp', i, m ? m[1] : null);
      }
      continue;
    }
    lineStart = false;
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (start < 0) start = i;
    if (c === 34 || c === 39) {
      i = quotedEnd(text, i, c);
      if (depth === 0) lastSig = i - 1;
      continue;
    }
    if (c === 123 /* { */) {
      if (depth === 0) open = lastSig >= 0 && text.charCodeAt(lastSig) === 41 /* ) */ ? i : -1;
      depth++;
    } else if (c === 125 /* } */) {
      if (depth > 0) depth--;
      if (depth === 0 && open >= 0) {
        const { name, returnsVoid } = nameBefore(text, start, open);
        close('fn', i + 1, name, open, i, returnsVoid);
        lastSig = i;
        i++;
        continue;
      }
    } else if (c === 59 /* ; */ && depth === 0) {
      close('decl', i + 1);
      lastSig = i;
      i++;
      continue;
    }
    if (depth === 0) lastSig = i;
    i++;
  }
  if (start >= 0) close('open', n);
  return out;
}

const INSIDE = /["'/{}]|\n[ \t\r\f\v]*#/g;
const DEFINE_START = /^#[ \t]*define[ \t]+([A-Za-z_]\w*)\(/;

// (topLevel's loop is the hottest code of a whole-tree scan's first second:
// what is rare in it lives in these helpers, so that the optimising compiler,
// which each worker runs anew, has less to compile.)

/** One past the closing quote of the literal that opens at `i` with `q` (a newline ends an unclosed one). */
function quotedEnd(text: string, i: number, q: number): number {
  const n = text.length;
  i++;
  while (i < n && text.charCodeAt(i) !== q && text.charCodeAt(i) !== 10) i += text.charCodeAt(i) === 92 ? 2 : 1;
  return i + 1;
}

/**
 * The function's name — the identifier before the `(` matching the last `)`
 * before the body, within the unit that starts at `from` — and whether the
 * word before the name is `void` (no `*`): such a function returns nothing,
 * so no summary of it can matter to a caller.
 */
function nameBefore(text: string, from: number, open: number): { name: string | null; returnsVoid: boolean } {
  let i = open - 1;
  while (i >= from && text.charCodeAt(i) !== 41) i--;
  let d = 0;
  for (; i >= from; i--) {
    const c = text.charCodeAt(i);
    if (c === 41) d++;
    else if (c === 40) {
      d--;
      if (d === 0) break;
    }
  }
  // (An unbalanced `)` finds no `(` in its unit: no name. Searching on into the units before made
  // a file of many such units quadratic.)
  if (i < from) return { name: null, returnsVoid: false };
  let e = i - 1;
  while (e >= 0 && isJsSpace(text.charCodeAt(e))) e--;
  let s = e;
  while (s >= 0 && isWord(text.charCodeAt(s))) s--;
  const id = text.slice(s + 1, e + 1);
  if (!/^[A-Za-z_]\w*$/.test(id)) return { name: null, returnsVoid: false };
  while (s >= 0 && isJsSpace(text.charCodeAt(s))) s--;
  return { name: id, returnsVoid: s >= 3 && text.slice(s - 3, s + 1) === 'void' && !(s >= 4 && isWord(text.charCodeAt(s - 4))) };
}

/** What `/\s/` matches, by code unit (nameBefore runs for every function of a candidate file). */
function isJsSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Function bodies among the units (what keepFor() weighs). */
export function functionBodies(text: string, units = topLevel(text)): { name: string | null; open: number; close: number; directive: boolean }[] {
  return units.filter((u) => u.kind === 'fn');
}

/** A function-like macro definition, with its continuation lines. */
export const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^\n\\]|\\\r?\n)*/gm;

/**
 * `base->field = rhs;`, `base[i].field |= rhs;` … in code: what the regex
 * /\b([A-Za-z_]\w*)\s*(?:\[[^\]\n]*\]\s*)?(?:->|\.)\s*([A-Za-z_]\w*)\s*(?:[-+*\/|&^%]|<<|>>)?=(?!=)\s*([^;]*);/g
 * finds, found faster: that regex tries to start at every identifier of the
 * body; this one starts at `->` and `.` and checks the base by looking back.
 * (They differ only where an index expression holds an assignment itself —
 * `a[p->x = 1].y = 2;` — which the regex reads as one assignment to a[].y.)
 */
export function fieldAssignments(body: string): { base: string; field: string; rhs: string; index: number }[] {
  const out: { base: string; field: string; rhs: string; index: number }[] = [];
  const re = /(?:->|\.)\s*([A-Za-z_]\w*)\s*(?:[-+*/|&^%]|<<|>>)?=(?!=)\s*([^;]*);/g;
  let floor = 0; // the regex resumes after its last match: no match starts before
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const start = baseStart(body, m.index, floor);
    if (start < 0) {
      re.lastIndex = m.index + 1;
      continue;
    }
    out.push({ base: /^\w+/.exec(body.slice(start, m.index))![0], field: m[1], rhs: m[2], index: start });
    floor = re.lastIndex;
  }
  return out;
}

const isWord = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;

/** Start of `ident \s* ([…] \s*)?` ending right before `op` and not before `floor`, or -1 (leftmost, as the regex). */
function baseStart(text: string, op: number, floor: number): number {
  let j = op - 1;
  while (j >= floor && isSpace(text.charCodeAt(j))) j--;
  if (j < floor || text.charCodeAt(j) !== 93 /* ] */) return identEnding(text, j, floor);
  // `[^\]\n]*` lets the bracket group hold `[`: every `[` back to the previous `]` or newline may open it; the leftmost that follows an identifier wins.
  let k = j - 1;
  while (k >= floor && text.charCodeAt(k) !== 93 && text.charCodeAt(k) !== 10) k--;
  for (let b = k + 1; b < j; b++) {
    if (text.charCodeAt(b) !== 91 /* [ */) continue;
    let e = b - 1;
    while (e >= floor && isSpace(text.charCodeAt(e))) e--;
    const s = identEnding(text, e, floor);
    if (s >= 0) return s;
  }
  return -1;
}

/** Start of the identifier whose last character is at `end` (a whole word, not starting with a digit, not before `floor`), or -1. */
function identEnding(text: string, end: number, floor: number): number {
  let s = end;
  while (s >= 0 && isWord(text.charCodeAt(s))) s--;
  s++;
  if (s > end || s < floor) return -1;
  const c = text.charCodeAt(s);
  return c >= 48 && c <= 57 ? -1 : s;
}

/**
 * The ranges of a file the analysis reads: function definitions and
 * function-like macros for which `keep(name, text)` holds (a function also
 * when a macro defined inside it is kept), struct definitions declaring a
 * dma_addr_t field, and everything from a unit whose braces never close
 * (a `{` opened on both sides of an #if) to the end. Also returns the field
 * assignments seen in the function bodies left out.
 */
export function skim(text: string, keep: (name: string | null, body: string) => boolean, units = topLevel(text)): Skim {
  const ranges: [number, number][] = [];
  const fields: SkimmedField[] = [];
  for (const u of units) {
    let kept: boolean;
    if (u.kind === 'fn') {
      const body = text.slice(u.open + 1, u.close);
      // A macro defined inside the body is parsed with it.
      kept = keep(u.name, body) || (u.directive && [...body.matchAll(DEFINE)].some((m) => keep(m[1], m[0])));
      if (!kept) {
        let fn: [number, number] | undefined;
        for (const m of fieldAssignments(body)) {
          const rhs = m.rhs.trim();
          const bare = rhs.replace(/^\((?:[^()]|\([^()]*\))*\)\s*/, '');
          const index = u.open + 1 + m.index;
          fields.push({ base: m.base, variable: !isMember(text, index), field: m.field, rhs, callee: /^([A-Za-z_]\w*)\s*\(/.exec(bare)?.[1] ?? null, index, fn: (fn ??= [u.start, u.end]) });
        }
      }
    } else if (u.kind === 'define') kept = keep(u.name, text.slice(u.start, u.end));
    else if (u.kind === 'decl') {
      const decl = text.slice(u.start, u.end);
      kept = decl.includes('dma_addr_t') && DMA_STRUCT.test(decl);
    }
    else kept = u.kind === 'open';
    if (!kept) continue;
    // A macro's range takes its newline: the directive ends there. Without
    // it the lexer went on from the macro's last character into the next
    // kept range, and read that function's first line as the macro's body.
    const end = u.kind === 'define' && text.charCodeAt(u.end) === 10 ? u.end + 1 : u.end;
    const last = ranges[ranges.length - 1];
    // Ranges only blank space apart are one: tree-sitter pays per range (a
    // jump and a fresh read of the text), 8,000 one-line functions parsed
    // 2.5× slower as 8,000 ranges than as one.
    if (last && (last[1] === u.start || onlySpace(text, last[1], u.start))) last[1] = end;
    else ranges.push([u.start, end]);
  }
  return { ranges, fields };
}

/** The identifier at `index` follows `->` or `.`: a member, not a variable. */
function isMember(text: string, index: number): boolean {
  let j = index - 1;
  while (j >= 0 && isSpace(text.charCodeAt(j))) j--;
  const c = text.charCodeAt(j);
  return c === 46 /* . */ || (c === 62 /* > */ && text.charCodeAt(j - 1) === 45); /* -> */
}

function onlySpace(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** The text tree-sitter sees under `ranges`: the rest blanked (spaces; newlines kept). For tests and debugging. */
export function visible(text: string, ranges: [number, number][]): string {
  let out = '';
  let at = 0;
  for (const [s, e] of ranges) {
    out += text.slice(at, s).replace(/[^\n]/g, ' ') + text.slice(s, e);
    at = e;
  }
  return out + text.slice(at).replace(/[^\n]/g, ' ');
}

/** A declaration with braces that names dma_addr_t: a struct whose dma_addr_t fields the analysis records. */
const DMA_STRUCT = /\{[^]*\bdma_addr_t\b/;
