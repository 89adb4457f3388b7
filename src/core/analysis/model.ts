// SPDX-License-Identifier: MIT
// The abstract values the data-flow evaluator tracks. A value remembers where
// the address came from (its source), every translation step it went through
// (with the line of each step, for related locations and the emulator chain),
// and whether it may still be the 0 that iommu_iova_to_phys() returns.

export interface Loc {
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** Source words of SPEC §1.2, plus the internal ones the rules need. */
export type Source =
  | 'dma-handle'
  | 'coherent-va'
  | 'vmalloc-va'
  | 'ioremap-va'
  | 'linear-va'
  | 'param'
  | 'domain-borrowed'
  | 'domain-owned';

export interface Step {
  /** Chain word (SPEC §1.2): iova-to-phys, identity, phys-to-virt, … */
  word: string;
  loc: Loc;
  /** Enclosing function of the step, for messages. */
  fn: string | null;
  /** The callee as written, e.g. "virt_to_page". */
  callee: string;
}

export interface Val {
  src: Source;
  /** Set while the value is still the function's own parameter (summaries substitute it). */
  param?: number;
  /** Identity of the untransformed input; equal keys let us see identity fallbacks. */
  key: string;
  steps: Step[];
  /** Where a possibly-0 iommu_iova_to_phys() result entered this function. */
  zeroAt?: Loc;
  /**
   * Such a possibly-0 result was tested for non-zero here (`if (pa) …`, `if (!pa)
   * return …;`) after this many of its steps: the code goes no further with a 0.
   * (The emulator's replay honours it: chainWithGuard().)
   */
  nonZeroAfter?: number;
  /**
   * A helper's result (orNull) whose helper tested its lookup after this many
   * steps and returned NULL then: a caller's NULL test of it is that test
   * (nonZeroAfter then); untested, the caller goes on with the NULL.
   */
  nullGuardAfter?: number;
  /** After this many steps the value went through `+ off`, `| bit`, … (a test of it is no test of a 0 lookup). */
  arithAt?: number;
  /** Location where the value was defined, e.g. the dma_alloc_coherent() call. */
  origin?: Loc;
  /** The allocation wrapper, defined in a file that is not analysed, whose call at `origin` gave the memory. */
  wrapper?: { name: string; loc: Loc };
  /** Known only from a declared type or field name, not from a call the analysis saw. */
  weak?: boolean;
  /** Shifted into a page frame number (>> PAGE_SHIFT, PFN_DOWN, PHYS_PFN). */
  pfn?: boolean;
  /** A helper's result that is NULL (or 0) on another of its paths: a NULL test on it can fire. */
  orNull?: boolean;
}

/** A translation-relevant call seen while evaluating a function. */
export interface ApplyEvent {
  kind: 'apply';
  word: string;
  callee: string;
  loc: Loc;
  fn: string | null;
  input: Val[];
  /** Enclosing conditions' text, innermost last, for the guard silences. */
  guards: string[];
  /** Branch path (if-node id + arm) for mutual-exclusion checks. */
  branch: BranchArm[];
  /** Text of the handle argument, for translate-after-unmap. */
  handleText?: string;
  /** Start offset in the file, for ordering within a function. */
  offset: number;
  /** to-device by a plain store: where the coherent memory it lands in was allocated. */
  deviceMemory?: Loc;
}

/** A NULL test on a phys_to_virt() result, which can never fire. */
export interface VaNullTestEvent {
  kind: 'va-null-test';
  loc: Loc;
  fn: string | null;
  input: Val[];
}

/** Reassignment of a variable, so after-unmap knows a handle was refreshed. */
export interface AssignEvent {
  kind: 'assign';
  name: string;
  offset: number;
}

/** An iommu_iova_to_phys() call: the root the a-rule reports on. */
export interface LookupEvent {
  kind: 'lookup';
  loc: Loc;
  fn: string | null;
  /** The driver borrowed the DMA API's domain (not an UNMANAGED domain it allocated). */
  borrowed: boolean;
  /** Where that domain came from, when the analysis can see it. */
  domainLoc?: Loc;
  /** The looked-up result is returned from the function (a helper). */
  returned: boolean;
  /** The result flows into a CPU-address rebuild, CPU access or the device inside this function. */
  usedInside: boolean;
}

export type Event = ApplyEvent | VaNullTestEvent | AssignEvent | LookupEvent;

export interface BranchArm {
  node: number;
  arm: number;
}

/** Words that turn an address into a CPU address through the linear map (concern c). */
export const LINEAR_WORDS = new Set(['phys-to-virt', 'virt-to-page', 'virt-to-phys', 'virt-addr-valid']);
/** Words that rebuild a CPU address (VA or struct page) from a physical one. */
export const REBUILD_WORDS = new Set(['phys-to-virt', 'pfn-to-page', 'virt-to-page', 'page-address']);
/** Words where the address is finally used. */
export const USE_WORDS = new Set([...REBUILD_WORDS, 'cpu-access', 'put-page', 'to-device']);

export function isReconstructed(v: Val): boolean {
  return v.steps.some((s) => s.word === 'iova-to-phys' || s.word === 'identity');
}

/** A DMA address used raw as a physical address: a handle that went through no translation. */
export function isRawDma(v: Val): boolean {
  return v.src === 'dma-handle' && !v.steps.some((s) => s.word === 'iova-to-phys' || s.word === 'identity' || s.word === 'phys-to-virt' || s.word === 'virt-to-page' || s.word === 'pfn-to-page' || s.word === 'page-address');
}

export function locKey(l: Loc): string {
  return `${l.path}:${l.line}:${l.column}`;
}

export function sameLoc(a: Loc, b: Loc): boolean {
  return a.path === b.path && a.line === b.line && a.column === b.column;
}

/**
 * The chain of SPEC §1.2 for a set of values that reach the same place: the
 * source word, then each step; where alternatives differ at a position the
 * words are joined with '|' (the nicvf helper: "iova-to-phys|identity").
 */
export function chainOf(vals: Val[], extra: string[] = []): string[] {
  return chainWithGuard(vals, extra).chain;
}

/**
 * chainOf(), and the step of that chain whose result the code tests for 0
 * before it goes on (`if (phys_addr) put_page(virt_to_page(phys_to_virt(phys_addr)))`:
 * step 1, the lookup) — when every value that could be a lookup's 0 was so
 * tested, at the same step. A value still possibly 0 (`zeroAt`) on some path
 * means no guard: the replay must not skip what that path does. The result
 * has a `guard` key only when there is one, so a finding can spread it.
 */
export function chainWithGuard(vals: Val[], extra: string[] = []): { chain: string[]; guard?: { step: number } } {
  if (vals.length === 0) return { chain: extra };
  // A parameter of unknown kind is named by what is done to it first: a CPU
  // address when it goes through virt_to_phys()/virt_to_page(), else a device address.
  const srcWord = (v: Val): string =>
    v.src === 'param' && ['virt-to-phys', 'virt-to-page', 'virt-addr-valid'].includes(v.steps[0]?.word ?? '')
      ? 'linear-va'
      : v.src === 'param' || v.src.startsWith('domain')
        ? 'dma-handle'
        : v.src;
  const seqs = vals.map((v) => [srcWord(v), ...v.steps.map((s) => s.word), ...extra]);
  const len = Math.max(...seqs.map((s) => s.length));
  // Align on the longest sequence; shorter alternatives are padded from the end
  // so that the steps after the fork (phys-to-virt, …) line up.
  const longest = seqs.find((s) => s.length === len)!;
  const out: string[] = [];
  for (let i = 0; i < len; i++) {
    const words = new Set<string>();
    for (const s of seqs) {
      const j = i - (len - s.length);
      if (j >= 0 && (i === 0 || j > 0)) words.add(s[j]);
      else if (i === 0) words.add(s[0]);
    }
    const ordered = [...words].sort((x, y) => (x === longest[i] ? -1 : y === longest[i] ? 1 : x.localeCompare(y)));
    out.push(ordered.join('|'));
  }
  // Where each aligned position lands once repeated words are merged.
  const at: number[] = [];
  const chain: string[] = [];
  out.forEach((w, i) => {
    if (i === 0 || w !== out[i - 1]) chain.push(w);
    at.push(chain.length - 1);
  });
  let guard: number | undefined;
  for (let k = 0; k < vals.length; k++) {
    const v = vals[k];
    // (A helper's NULL for a 0 lookup that the use does not test: the replay must not stop.)
    if (v.zeroAt || v.nullGuardAfter !== undefined) return { chain };
    const n = v.nonZeroAfter;
    if (n === undefined || n < 1 || n > v.steps.length) continue;
    // The tested value is word n of its sequence (after the source), aligned from the end.
    const step = at[len - seqs[k].length + n];
    if (step < 1 || (guard !== undefined && guard !== step) || !chain[step].split('|').includes(v.steps[n - 1].word)) return { chain };
    guard = step;
  }
  return guard !== undefined ? { chain, guard: { step: guard } } : { chain };
}
