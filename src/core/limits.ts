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
export function limitNotice(path: string, limit: Limit, severity: Severity): Finding {
  return notice(
    path,
    severity,
    limit === 'budget'
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
