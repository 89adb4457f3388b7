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
