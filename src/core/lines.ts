// SPDX-License-Identifier: MIT
// Offsets → line/column, for text the analysis did not get positions for from
// tree-sitter (suppression comments, skimmed field assignments, edit ranges).

/** Returns a function from a UTF-16 offset to its 0-based row and column. */
export function lineIndex(text: string): (index: number) => { row: number; column: number } {
  const starts = lineStarts(text);
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
  if (!text.includes('\r') || !LONE_CR.test(text)) return text;
  return text.replace(LONE_CR_G, '\n');
}

const LONE_CR = /\r(?!\n)/;
const LONE_CR_G = /\r(?!\n)/g;

type Columned = { path: string; line: number; column: number; endLine: number; endColumn: number; related: { path: string; line: number; column: number }[] };

/**
 * Findings with columns counted in characters (Unicode code points), as the
 * CLI's contract says (SPEC §1.4: "columns count characters"). The analysis
 * counts UTF-16 code units — what LSP and VS Code want — and the two differ
 * only after a character outside the BMP (an emoji in a comment) on the same
 * line; files without one are returned as they are.
 */
export function toCodePointColumns<T extends Columned>(findings: T[], textOf: (path: string) => string | undefined): T[] {
  return mapColumns(findings, textOf, (text, start, column) => column - (text.slice(start, start + column - 1).match(ASTRAL_G)?.length ?? 0));
}

/** The inverse: a CLI report's character columns as UTF-16 code units again (the editor shows a workspace scan's findings). */
export function toUtf16Columns<T extends Columned>(findings: T[], textOf: (path: string) => string | undefined): T[] {
  return mapColumns(findings, textOf, (text, start, column) => {
    let at = start;
    for (let k = 1; k < column && at < text.length; k++) at += text.codePointAt(at)! > 0xffff ? 2 : 1;
    return at - start + 1;
  });
}

function mapColumns<T extends Columned>(findings: T[], textOf: (path: string) => string | undefined, convert: (text: string, lineStart: number, column: number) => number): T[] {
  // Per path: its text and line starts when it holds a character outside the BMP, else null (columns stay).
  const files = new Map<string, { text: string; starts: number[] } | null>();
  const astral = (path: string) => {
    let f = files.get(path);
    if (f === undefined) {
      const text = textOf(path);
      f = text !== undefined && ASTRAL.test(text) ? { text, starts: lineStarts(text) } : null;
      files.set(path, f);
    }
    return f;
  };
  const col = (path: string, line: number, column: number): number => {
    const f = astral(path);
    const s = f?.starts[line - 1];
    return !f || s === undefined ? column : convert(f.text, s, column);
  };
  return findings.map((f) => {
    if (!astral(f.path) && !f.related.some((r) => astral(r.path))) return f;
    return {
      ...f,
      column: col(f.path, f.line, f.column),
      endColumn: col(f.path, f.endLine, f.endColumn),
      related: f.related.map((r) => ({ ...r, column: col(r.path, r.line, r.column) })),
    };
  });
}

const ASTRAL = /[\ud800-\udbff][\udc00-\udfff]/;
const ASTRAL_G = /[\ud800-\udbff][\udc00-\udfff]/g;

/** Offsets of the first character of each line (0-based rows). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}
