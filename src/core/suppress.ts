// SPDX-License-Identifier: MIT
// `/* iova-lens-ignore <rule-id>: <reason> */` on the line before a finding, or
// at the end of its line (SPEC §1.3). A reason is required, so suppressing is
// a decision a reviewer can read, and unused suppressions are reported so
// they do not rot.
import { lineIndex } from './lines';

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

const RE = /\/\*\s*iova-lens-ignore\s+([a-z-]+)\s*(?::\s*([^*]*?))?\s*\*\/|\/\/\s*iova-lens-ignore\s+([a-z-]+)\s*(?::\s*(.*?))?\s*$/gm;

export function findSuppressions(text: string): Suppression[] {
  if (!text.includes('iova-lens-ignore')) return [];
  const out: Suppression[] = [];
  const at = lineIndex(text);
  for (const m of text.matchAll(RE)) {
    const idx = m.index ?? 0;
    const { row, column } = at(idx);
    const line = row + 1;
    const before = text.slice(idx - column, idx);
    // Alone on its line: it speaks about the next line. After code: about its own line.
    const target = before.trim() === '' ? line + 1 : line;
    out.push({
      rule: m[1] ?? m[3],
      reason: (m[2] ?? m[4] ?? '').trim(),
      line,
      column: column + 1,
      endColumn: column + 1 + m[0].length,
      target,
      index: idx,
    });
  }
  return out;
}
