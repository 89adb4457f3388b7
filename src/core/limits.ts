// SPDX-License-Identifier: MIT
// Time and size budgets (issue 9): a file the analysis had to stop early on
// gets one `analysis-limit` notice, and no file floods the Problems panel —
// after MAX_FINDINGS_PER_FILE findings the rest become one summary line.
import type { Limit } from './analysis/evaluate';
import { FILE_BUDGET, MAX_DEPTH } from './analysis/evaluate';
import type { Finding, Severity } from './types';

export const LIMIT_RULE = 'analysis-limit' as const;
export const MAX_FINDINGS_PER_FILE = 200;

export const LIMIT_META = {
  id: LIMIT_RULE,
  concerns: [] as [],
  defaultSeverity: 'info' as Severity,
  short: 'The analysis of a file stopped early (budget or nesting limit) or its findings were capped.',
};

function notice(path: string, severity: Severity, message: string, at?: Finding): Finding {
  return {
    path,
    line: at?.line ?? 1,
    column: at?.column ?? 1,
    endLine: at?.line ?? 1,
    endColumn: at?.column ?? 1,
    rule: LIMIT_RULE,
    severity,
    concerns: [],
    function: at?.function ?? null,
    message,
    chain: [],
    related: [],
  };
}

/** The notice for a file whose analysis stopped early. */
/** Real kernel sources stay far below these (longest line in a candidate file of 6.12's drivers/: 271). */
export const MAX_LINE = 10_000;
export const MAX_BRACKETS = 1_000;
/**
 * A hang guard (SPEC §3: no file over 2 s): tree-sitter's error recovery can
 * explode on damaged text. Counted in parser steps (parser.ts), not time, so
 * the same file gives the same result on every machine: driver code takes
 * 6,000–10,000 steps per MB (igb_main.c 1,721 for 0.28 MB, tg3.c 4,038),
 * 20–40 µs each here — 60,000 is about 1.5–2 s. The most any .c/.h file of
 * 6.12's drivers/ and sound/ takes: 22,853 (rtw8852c_table.c, 1.8 MB).
 * parser.ts also counts re-reads of the text and caps the wall time (stepWallMs()).
 */
export const PARSE_STEPS = 60_000;

/**
 * Text the C parser must not see: tree-sitter's wasm build can corrupt its own
 * memory on some pathological inputs (found by the fuzzer: a 31k-character
 * line of nested statements next to 25k unclosed parentheses), after which
 * every later parse in the process fails. One linear scan keeps them out.
 */
/** The line-length half of pathologicalShape(), found with indexOf (fast on a whole file). */
export function hasLongLine(text: string): boolean {
  let prev = -1;
  for (;;) {
    const i = text.indexOf('\n', prev + 1);
    const end = i < 0 ? text.length : i;
    if (end - prev - 1 > MAX_LINE) return true;
    if (i < 0) return false;
    prev = i;
  }
}

export function pathologicalShape(text: string): boolean {
  let line = 0;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line = 0;
      continue;
    }
    if (++line > MAX_LINE) return true;
    if (c === 40 || c === 91 || c === 123) {
      if (++depth > MAX_BRACKETS) return true;
    } else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
  }
  return false;
}

export function limitNotice(path: string, limit: Limit, severity: Severity): Finding {
  return notice(
    path,
    severity,
    limit === 'parse'
      ? `not analysed: the C parser gave up (more than ${PARSE_STEPS.toLocaleString('en-US')} steps, re-reading the text over and over, or 1 s plus 1 ms per KB: generated or damaged code)`
      : limit === 'shape'
      ? `not analysed: a line longer than ${MAX_LINE.toLocaleString('en-US')} characters or brackets nested deeper than ${MAX_BRACKETS.toLocaleString('en-US')} (generated or damaged code); the C parser is not run on such text`
      : limit === 'macro'
      ? `a function-like macro longer than 64 KB names a translation API and was not analysed (generated code?); findings inside it may be missing`
      : limit === 'budget'
      ? `analysis stopped early: this file needs more than the per-file budget of ${FILE_BUDGET.toLocaleString('en-US')} analysis steps (generated or very large code?); findings after that point may be missing`
      : `code nested deeper than ${MAX_DEPTH} levels was skipped (generated code or an unbalanced brace?); findings inside it may be missing`,
  );
}

/**
 * At most `max` findings per file (findings sorted by path, line, column);
 * the ones after become one summary finding at the first one left out,
 * unless `severity` is 'off' (then they are dropped silently).
 */
export function capPerFile(sorted: Finding[], max: number, severity: Severity | 'off'): Finding[] {
  if (!Number.isFinite(max) || sorted.length <= max) return sorted;
  const out: Finding[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j < sorted.length && sorted[j].path === sorted[i].path) j++;
    if (j - i <= max) {
      for (let k = i; k < j; k++) out.push(sorted[k]);
    } else {
      for (let k = i; k < i + max; k++) out.push(sorted[k]);
      if (severity !== 'off') {
        const n = j - i - max;
        out.push(notice(sorted[i].path, severity, `${n} more finding${n === 1 ? '' : 's'} in this file not shown (at most ${max} per file); fix or suppress these first`, sorted[i + max]));
      }
    }
    i = j;
  }
  return out;
}
