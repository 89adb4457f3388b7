// SPDX-License-Identifier: MIT
// Comments where the text, not the parser, meets them. Whole-file text tests
// (does this driver allocate its own IOMMU domain, does it use the DMA API)
// must not be answered by a comment or a string: a comment saying "we never
// call iommu_domain_alloc()" switched iova-reverse-lookup off for the whole
// driver folder. And comments inside a #define are blanked before parsing.

/**
 * Whether `re` (global) matches `text` somewhere outside comments, string
 * and character literals. One pass: the lexer resumes where the previous
 * match left it, so the cost is the text's length however many matches
 * there are (`dma_addr_t` is in many comments of a DMA driver).
 */
export function matchesInCode(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  let at = 0; // lexer position: code starts here
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = codeUpTo(text, at, m.index);
    if (end === m.index) return true;
    // m.index is inside a comment or literal that ends at `end`: look again from there.
    at = end;
    re.lastIndex = Math.max(end, m.index + 1);
  }
  return false;
}

/** A comment of a text: [start, end); `line` for a `//` one (it ends at its logical line's end); `closed`: a block one has its `*\/`. */
export interface CommentSpan {
  start: number;
  end: number;
  line: boolean;
  closed: boolean;
}

/**
 * The comments of a text, in order, as the C lexer sees them: a `/*` inside a
 * `//` comment or a string opens nothing, and a `//` inside a block comment
 * is part of it.
 */
export function commentSpans(text: string): CommentSpan[] {
  const out: CommentSpan[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const e = text.indexOf('*/', i + 2);
      const end = e < 0 ? n : e + 2;
      out.push({ start: i, end, line: false, closed: e >= 0 });
      i = end;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const end = logicalLineEnd(text, i + 2);
      out.push({ start: i, end, line: true, closed: true });
      i = end;
    } else if (c === 34 /* " */ || c === 39 /* ' */) i = literalEnd(text, i + 1, c);
    else i++;
  }
  return out;
}

/**
 * Lexes `text` from `from` (in code) towards `to`: returns `to` when `to` is
 * in code, else the offset just past the comment or literal holding it.
 */
function codeUpTo(text: string, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    let end = -1;
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const e = text.indexOf('*/', i + 2);
      end = e < 0 ? text.length : e + 2;
    } else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      end = logicalLineEnd(text, i + 2);
    } else if (c === 34 /* " */ || c === 39 /* ' */) {
      end = literalEnd(text, i + 1, c);
    }
    if (end < 0) {
      i++;
      continue;
    }
    if (end > to) return end;
    i = end;
  }
  return to;
}

/**
 * The newline that ends the logical line going on at `i` — one not preceded
 * by a backslash (before CRLF's CR too) — or the end: where a `//` comment or
 * a preprocessor directive ends.
 */
export function logicalLineEnd(text: string, i: number): number {
  for (;;) {
    const nl = text.indexOf('\n', i);
    if (nl < 0) return text.length;
    const last = text.charCodeAt(nl - 1) === 13 ? nl - 2 : nl - 1;
    if (text.charCodeAt(last) !== 92 /* \ */) return nl;
    i = nl + 1;
  }
}

/** One past the closing quote `q` of a literal whose text starts at `i` (a newline ends an unclosed one). */
function literalEnd(text: string, i: number, q: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === q) return i + 1;
    if (c === 10) return i;
    // (A backslash joins the next line to this one, CRLF or LF.)
    i += c !== 92 ? 1 : text.charCodeAt(i + 1) === 13 && text.charCodeAt(i + 2) === 10 ? 3 : 2;
  }
  return n;
}

/**
 * `/* … *\/` comments inside a #define, blanked to spaces (newlines and the
 * continuation backslashes kept, so offsets and lines stay). tree-sitter's C
 * grammar ends a macro's body at a comment in its middle: `#define M(a) do {
 * \ f(a); /* why *\/ \ g(a); \ } while (0)` had the body `do { f(a);` and
 * the helper was lost. (The preprocessor removes comments before it reads
 * the directive.)
 */
export function blankMacroComments(text: string): string {
  let out = '';
  let at = 0;
  // Comments come in order, so the line each is on, whether that line is a
  // #define's, and the quotes before it are found walking forward: asked
  // afresh for each comment, a 10,000-character line of comments (damaged
  // text) cost its length squared — 1.3 s for one fuzzed file.
  let lineStart = 0;
  let scanned = 0; // offsets before this are placed in lines
  let define: boolean | undefined; // of the line at lineStart, once asked
  let quoteAt = 0; // the quote count below holds for [lineStart, quoteAt)
  let quotes = 0;
  const defineStarts = new Map<number, boolean>();
  for (let i = text.indexOf('/*'); i >= 0; i = text.indexOf('/*', i)) {
    for (let nl = text.indexOf('\n', scanned); nl >= 0 && nl < i; nl = text.indexOf('\n', nl + 1)) {
      lineStart = nl + 1;
      define = undefined;
      quoteAt = lineStart;
      quotes = 0;
    }
    scanned = i;
    const close = text.indexOf('*/', i + 2);
    const end = close < 0 ? text.length : close + 2;
    define ??= inDefine(text, lineStart, defineStarts);
    if (define) {
      // `#define PAT "/*"`: an odd count of quotes before `i` on its line.
      for (; quoteAt < i; quoteAt++) {
        const c = text.charCodeAt(quoteAt);
        if (c === 92) quoteAt++;
        else if (c === 34) quotes++;
      }
      if (quotes % 2 === 0) {
        out += text.slice(at, i) + text.slice(i, end).replace(/\\(?=\r?\n)|[^\r\n]/g, (c) => (c === '\\' ? c : ' '));
        at = end;
      }
    }
    i = end;
  }
  return at === 0 ? text : out + text.slice(at);
}

/**
 * Whether the line starting at `start` is a #define line or one of its
 * continuation lines. `known` holds the answer for line starts already
 * asked, so a long macro's lines do not each walk back to its first.
 */
function inDefine(text: string, start: number, known: Map<number, boolean>): boolean {
  const asked = start;
  let answer: boolean | undefined;
  // Back over continuation lines to the directive's first line.
  for (let n = 0; start > 1 && n < 1000; n++) {
    const prevEnd = text.charCodeAt(start - 2) === 13 ? start - 3 : start - 2;
    if (text.charCodeAt(prevEnd) !== 92 /* \\ */) break;
    start = text.lastIndexOf('\n', prevEnd - 1) + 1;
    answer = known.get(start);
    if (answer !== undefined) break;
  }
  answer ??= DEFINE_LINE.test(text.slice(start, start + 80));
  known.set(asked, answer);
  return answer;
}

const DEFINE_LINE = /^[ \t]*#[ \t]*define\b/;

/**
 * For each `(` of a text, the offset of its `)` (-1 when it has none), found
 * in one pass: peeling `((((…))))` then moves indices (peelParens()), where
 * a scan of the text per level was quadratic — a fuzzed 30k-deep return took
 * 4 s.
 */
export function closingParens(text: string): Int32Array {
  const pair = new Int32Array(text.length).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40) open.push(i);
    else if (c === 41 && open.length) pair[open.pop()!] = i;
  }
  return pair;
}

/**
 * `text[start, end)` past the whitespace around it and the parentheses that
 * enclose all of it, however deep (`pair`: closingParens(text)): its new bounds.
 */
export function peelParens(text: string, pair: Int32Array, start: number, end: number): [number, number] {
  for (;;) {
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    if (text[start] !== '(' || pair[start] !== end - 1) return [start, end];
    start++;
    end--;
  }
}
