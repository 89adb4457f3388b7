// SPDX-License-Identifier: MIT
// Offsets → line/column, for text the analysis did not get positions for from
// tree-sitter (suppression comments, skimmed field assignments, edit ranges).

/** Returns a function from a UTF-16 offset to its 0-based row and column. */
export function lineIndex(text: string): (index: number) => { row: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: index - starts[lo] };
  };
}

/**
 * Text whose lines end in a lone CR (old Mac files, some vendor drops) with
 * each such CR turned into LF. tree-sitter counts rows at LF only, so such a
 * file was one long row: findings at 1:744 where an editor, LSP (which ends
 * lines at CR, LF or CRLF) and gcc (whose preprocessor does too) say line 32.
 * One character for one keeps every offset, so byte ranges, suppressions and
 * edits stay the same; CRLF is left alone (its rows are already right).
 */
export function lfForLoneCr(text: string): string {
  const cr = text.indexOf('\r');
  if (cr < 0 || !LONE_CR.test(text)) return text;
  return text.replace(LONE_CR_G, '\n');
}

const LONE_CR = /\r(?!\n)/;
const LONE_CR_G = /\r(?!\n)/g;
