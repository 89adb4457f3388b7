// SPDX-License-Identifier: MIT
// Whole-file text tests (does this driver allocate its own IOMMU domain, does
// it use the DMA API) must not be answered by a comment or a string: a
// comment saying "we never call iommu_domain_alloc()" switched
// iova-reverse-lookup off for the whole driver folder.

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
      end = lineCommentEnd(text, i + 2);
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

/** A `//` comment runs to a newline not preceded by a backslash. */
function lineCommentEnd(text: string, i: number): number {
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
    i += c === 92 ? 2 : 1;
  }
  return n;
}
