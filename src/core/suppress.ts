// SPDX-License-Identifier: MIT
// `/* iova-lens-ignore <rule-id>: <reason> */` on the line before a finding, or
// at the end of its line (SPEC §1.3). A reason is required, so suppressing is
// a decision a reviewer can read, and unused suppressions are reported so
// they do not rot.
import { lineIndex } from './lines';
import { commentSpans } from './analysis/code-text';

export interface Suppression {
  rule: string;
  reason: string;
  /** 1-based line of the comment. */
  line: number;
  column: number;
  endColumn: number;
  /** The line whose findings it silences. */
  target: number;
  /** Offset of the comment in the text. */
  index: number;
}

const MARK = 'iova-lens-ignore';

/** Whether a piece of a line holds nothing but blanks and one-line block comments. */
export function commentsOnly(text: string): boolean {
  return text.replace(/\/\*.*?\*\//g, '').trim() === '';
}

/**
 * Every `iova-lens-ignore` inside a comment: a block comment (one line, or a
 * kernel-style one over several, ` * ` in front of each line) or a `//` one.
 * Written wrong — no colon before the reason (`rule - why`), an upper-case id —
 * it is still found, so that it is reported (it silences nothing) instead of
 * being ignored without a word. Several rules may share one reason:
 * `iova-lens-ignore dma-addr-as-phys, linear-map-assumption: why`.
 */
export function findSuppressions(text: string): Suppression[] {
  if (!text.includes(MARK)) return [];
  const out: Suppression[] = [];
  const at = lineIndex(text);
  // (A real C lexer's comments: a `/*` inside a `//` comment or a string opens none, and a mark in
  // a string is no suppression.)
  const spans = commentSpans(text);
  let s = 0;
  for (let k = text.indexOf(MARK); k >= 0; k = text.indexOf(MARK, k + MARK.length)) {
    while (s < spans.length && spans[s].end <= k) s++;
    const c = spans[s];
    if (!c || c.start > k || !c.closed) continue;
    const bodyEnd = c.line ? c.end : c.end - 2;
    const { row, column } = at(c.start);
    const line = row + 1;
    const before = text.slice(c.start - column, c.start);
    // Alone on its line(s) — or after other comments only (`/* …ignore a: … */ /* …ignore b: … */`,
    // two rules silenced on the line below): it speaks about the line after the comment. After code:
    // about its own line.
    const alone = commentsOnly(before);
    const target = alone ? at(Math.max(c.start, c.end - 1)).row + 2 : line;
    const firstLineEnd = text.indexOf('\n', c.start);
    const endColumn = column + 1 + ((firstLineEnd < 0 || firstLineEnd > c.end ? c.end : firstLineEnd) - c.start);
    // The comment's words after the mark, its lines joined (a block comment's ` * ` prefixes dropped).
    const body = text
      .slice(k + MARK.length, bodyEnd)
      .split('\n')
      .map((l, i) => (i === 0 ? l : l.replace(/^\s*\*(?!\/)/, '')))
      .join(' ');
    const m = /^\s*([A-Za-z0-9_-]*(?:\s*,\s*[A-Za-z0-9_-]*)*)\s*(:?)\s*([^]*?)\s*$/.exec(body);
    if (!m) continue;
    const reason = m[2] ? m[3] : '';
    // (A list with empty places — `,,rule,:` — keeps its names; one with none is reported as naming no rule.)
    const rules = m[1].split(/\s*,\s*/).filter(Boolean);
    for (const rule of rules.length ? rules : ['']) out.push({ rule, reason, line, column: column + 1, endColumn, target, index: c.start });
  }
  return out;
}
