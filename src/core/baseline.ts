// SPDX-License-Identifier: MIT
// `iova-lens scan --baseline FILE` (SPEC §1.4): only the findings that are
// not in a previous JSON report, so a tree with known findings can adopt the
// check in CI. A finding is known by what stays when code moves — rule, path,
// enclosing function and message — not by its line number. The match is
// counted: a function that had one `phys_to_virt()` finding and now has two
// has one new finding (the same message twice is the usual case in a kernel
// tree: dpaa_eth.c's sg_fd_to_skb() has three). Which of them is new is
// decided by line: each known finding takes the nearest current one.

/** What a finding is known by, whatever its line (SARIF's fingerprints hash the same four fields). */
export interface Keyed {
  rule: string;
  path: string;
  function: string | null;
  message: string;
}

export interface BaselineEntry extends Keyed {
  line: number;
}

export class BaselineError extends Error {}

export function findingKey(f: Keyed): string {
  return `${f.rule}\0${f.path}\0${f.function ?? ''}\0${f.message}`;
}

/** The findings of a previous `--format json` report; a BaselineError says what is wrong with it, in one line. */
export function parseBaseline(text: string): BaselineEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new BaselineError(`not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new BaselineError('not an iova-lens JSON report (expected an object with "findings"; write one with --format json)');
  const findings = (doc as { findings?: unknown }).findings;
  if (!Array.isArray(findings)) throw new BaselineError('not an iova-lens JSON report ("findings" is not an array; write one with --format json)');
  return findings.map((f: unknown, i): BaselineEntry => {
    const bad = (what: string) => new BaselineError(`findings[${i}].${what}`);
    if (typeof f !== 'object' || f === null) throw new BaselineError(`findings[${i}] is not an object`);
    const x = f as Record<string, unknown>;
    for (const k of ['rule', 'path', 'message'] as const) if (typeof x[k] !== 'string') throw bad(`${k} is not a string`);
    if (x.function !== null && typeof x.function !== 'string') throw bad('function is neither a string nor null');
    if (!Number.isInteger(x.line) || (x.line as number) < 1) throw bad('line is not a line number');
    return { rule: x.rule as string, path: x.path as string, function: x.function as string | null, message: x.message as string, line: x.line as number };
  });
}

/**
 * The findings not accounted for by the baseline. Within one key, each known
 * finding takes the current finding nearest to its old line (closest pairs
 * first; on a tie, the earlier line), and what is left over is new.
 */
export function newFindings<T extends Keyed & { line: number }>(findings: T[], baseline: BaselineEntry[]): T[] {
  const known = new Map<string, number[]>();
  for (const b of baseline) {
    const k = findingKey(b);
    const lines = known.get(k);
    if (lines) lines.push(b.line);
    else known.set(k, [b.line]);
  }
  const byKey = new Map<string, number[]>();
  findings.forEach((f, i) => {
    const k = findingKey(f);
    if (!known.has(k)) return;
    const list = byKey.get(k);
    if (list) list.push(i);
    else byKey.set(k, [i]);
  });
  const matched = new Set<number>();
  for (const [k, current] of byKey) {
    const old = known.get(k)!;
    // Few findings share a key (a handful at most): all pairs, closest first.
    const pairs: { d: number; o: number; c: number }[] = [];
    for (let o = 0; o < old.length; o++) for (const c of current) pairs.push({ d: Math.abs(findings[c].line - old[o]), o, c });
    pairs.sort((a, b) => a.d - b.d || findings[a.c].line - findings[b.c].line || a.o - b.o);
    const usedOld = new Set<number>();
    for (const { o, c } of pairs) {
      if (usedOld.has(o) || matched.has(c)) continue;
      usedOld.add(o);
      matched.add(c);
    }
  }
  return findings.filter((_, i) => !matched.has(i));
}
