// SPDX-License-Identifier: MIT
// The hover's small table (SPEC §1.5): the finding's chain run by the emulator
// on each platform preset — what each step returns there, and the outcome —
// so the reviewer sees where it breaks and why.
//
// It has to fit VS Code's hover: 500 px wide at the least, ≈ 250 px tall
// (scrolling past that), under the diagnostic's own message and related
// locations. One row per preset with a column of 64-bit hex per step did not:
// 16 rows, names wrapping over three or four lines, a horizontal scroll bar.
// So, presentation only (the emulator's results are shown as they are,
// nothing is judged again here):
//  * Each value is named by what it is to the buffer the chain follows (the
//    run's truth): `PA`, `VA`, `page` — the buffer's own physical address,
//    kernel address, struct page; `⌊PA⌋`/`⌊VA⌋` — that address rounded down to
//    its page (Intel v5.3–v5.5's lookup, or page_address()); `0`; `≠PA`, `≠VA`,
//    `≠page` — another one; `fault` — the step faults and the chain stops
//    there; `—` — a step that gives no value (put-page, cpu-access, …); a test
//    (virt_addr_valid()) shows its answer, `true`/`false`; `skipped` — not
//    run: the code tested an earlier step's result for 0 and stopped. The hex is one click
//    away (Replay in emulator) and says less at a glance than "≠PA".
//  * The source's own value is left out (unless its mapping failed): what a
//    DMA handle is — the PA on one platform, an IOVA or a bus address on
//    another — shows in what the first step makes of it.
//  * Presets with the same outcome and the same names step by step share one
//    row: the nicvf chain is 8 rows instead of 16. Rows where the chain goes
//    wrong come first: they are what the finding is about, and a long list of
//    presets where it is right would push them out of the short hover.
//  * Two columns: the outcome (bold) then the presets' names; and the steps,
//    left to right in one cell, `0 → ≠VA → ≠page → fault`, under the chain
//    printed just above the table. A column per step needs a header per step,
//    and five of them next to the names do not fit; an outcome column of its
//    own took the last 40 px of a 500 px hover.
//  * Hyphens in names are non-breaking (U+2011): a name is never split over
//    two lines (`arm64-` / `64k-` / `smmuv3`); lines break between names. The
//    steps are joined by no-break spaces: that cell is one line, the names
//    take the rest of the width.
import { runMatrix, type ChainGuard, type RunResult } from '../emulator/index';

/** What a chain word gives, for naming its value against the truth. */
type Kind = 'dma' | 'phys' | 'va' | 'page';

function kindOf(word: string, first: boolean): Kind | null {
  if (first) return word === 'dma-handle' ? 'dma' : 'va';
  // (The nicvf helper's choice comes in either order: `identity|iova-to-phys` where the fallback is written first.)
  if (word.split('|').every((w) => ['iova-to-phys', 'identity', 'virt-to-phys'].includes(w))) return 'phys';
  if (word === 'phys-to-virt' || word === 'page-address') return 'va';
  if (word === 'virt-to-page' || word === 'pfn-to-page') return 'page';
  return null; // an action or a test: its value is '—'
}

/** Non-breaking hyphens: a name or an outcome word stays on one line. */
const NB = (s: string): string => s.replace(/-/g, '\u2011');

/** One value of the run (hex, '—' or 'fault') named against the run's truth. */
function token(r: RunResult, word: string, i: number, lastTest: number): string {
  const v = r.values?.[i];
  if (v === undefined) return '';
  if (v === 'fault') return 'fault';
  if (v === '—') {
    // (The run records one answer, that of its last test.)
    const a = i === lastTest ? /= (\w+)$/.exec(r.answer ?? '')?.[1] : undefined;
    return a ?? '—';
  }
  if (!v.startsWith('0x')) return v;
  const n = BigInt(v);
  if (n === 0n) return '0';
  const mask = ~(BigInt(r.platform.pageSize) - 1n);
  const near = (t: bigint | null, name: string): string => (t === n ? name : t !== null && (t & mask) === n ? `⌊${name}⌋` : `≠${name}`);
  switch (kindOf(word, i === 0)) {
    case 'dma': case 'phys': return near(r.truth.pa, 'PA');
    case 'va': return near(r.truth.va, 'VA');
    case 'page': return r.truth.page === n ? 'page' : '≠page';
    default: return v;
  }
}

/** `guard`: the finding's code tests that step's result for 0 (a 0 there skips the rest). */
export function platformTable(chain: string[], guard?: ChainGuard): string {
  let m: ReturnType<typeof runMatrix>;
  try {
    m = runMatrix(chain, guard ? { guard } : undefined);
  } catch (e) {
    return `_(emulator: ${(e as Error).message})_`;
  }
  const lastTest = m.chain.lastIndexOf('virt-addr-valid');
  // A row is an outcome and the steps' names; its presets in preset order.
  const groups = new Map<string, { names: string[]; steps: string; outcome: string }>();
  const used = new Set<string>();
  for (const r of m.rows) {
    const tokens = r.values?.[0] === 'fault' ? ['fault'] : m.chain.map((w, i) => token(r, w, i, lastTest)).slice(1).filter((t) => t !== '');
    for (const t of tokens) used.add(t);
    const steps = tokens.join('\u00a0→\u00a0');
    const outcome = r.outcome.join(', ');
    const key = `${steps}\n${outcome}`;
    const g = groups.get(key) ?? { names: [], steps, outcome };
    g.names.push(r.platform.name);
    groups.set(key, g);
  }
  const ordered = [...groups.values()].sort((a, b) => Number(a.outcome === 'correct') - Number(b.outcome === 'correct'));
  const lines = ['| outcome: platforms | each step returns |', '|---|---|'];
  for (const g of ordered) lines.push(`| **${NB(g.outcome)}**: ${g.names.map(NB).join(', ')} | ${g.steps} |`);
  // The key names only what the table uses.
  const any = (re: RegExp) => [...used].some((t) => re.test(t));
  const key = [
    any(/^(PA|VA|page)$/) ? "PA, VA, page: the buffer's own" : '',
    any(/⌊/) ? '⌊…⌋: rounded down to its page' : '',
    any(/≠/) ? '≠: another' : '',
    used.has('—') ? '—: gives no value' : '',
    used.has('skipped') ? 'skipped: not run, the code tests for 0 first' : '',
  ].filter(Boolean);
  return lines.join('\n') + (key.length ? `\n\n_${key.join(' · ')}_` : '');
}
