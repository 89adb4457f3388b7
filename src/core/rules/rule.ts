// SPDX-License-Identifier: MIT
// What a rule module is: its metadata (id, concerns, default severity,
// descriptions) and a checker over the evaluated functions. Rules consume the
// events of analysis/evaluate.ts, never the source text.
import type { ChainGuard, Concern, RuleId, Severity } from '../types';
import type { FnResult } from '../analysis/evaluate';
import { guardSilences } from './guards';
import type { ApplyEvent, Loc, Val } from '../analysis/model';

export interface RuleMeta {
  id: RuleId;
  concerns: Concern[];
  defaultSeverity: Severity;
  /** One line, for `iova-lens rules` and SARIF shortDescription. */
  short: string;
}

export interface RawRelated {
  loc: Loc;
  message: string;
}

export interface RawFinding {
  loc: Loc;
  fn: string | null;
  message: string;
  chain: string[];
  concerns: Concern[];
  related: RawRelated[];
  /** The chain step whose result the code tests for 0 before going on (model.ts chainWithGuard). */
  guard?: ChainGuard;
}

export interface RuleContext {
  /** Every evaluated function of the project (callers in other files included). */
  results: FnResult[];
}

export interface RuleModule {
  meta: RuleMeta;
  check(ctx: RuleContext): RawFinding[];
}

export function applyEvents(ctx: RuleContext): ApplyEvent[] {
  const out: ApplyEvent[] = [];
  for (const r of ctx.results) for (const e of r.events) if (e.kind === 'apply') out.push(e);
  return out;
}

/** The SPEC's silence list: uses in the linear branch of is_vmalloc_addr(), in DMA_MAPPING_ERROR/DMA_NONE branches, … (guards.ts) */
export function guarded(e: ApplyEvent): boolean {
  return e.guards.some(guardSilences);
}

/** Concerns a chain of values shows, in the fixed order of the vocabulary. */
export function concernsOf(vals: Val[], extraWord?: string): Concern[] {
  const words = new Set<string>();
  for (const v of vals) for (const s of v.steps) words.add(s.word);
  if (extraWord) words.add(extraWord);
  const out: Concern[] = [];
  if (words.has('iova-to-phys')) out.push('a');
  if (words.has('identity') || vals.some((v) => v.src === 'dma-handle' && !v.steps.some((s) => s.word === 'iova-to-phys'))) out.push('b');
  if (['phys-to-virt', 'virt-to-page', 'virt-to-phys', 'virt-addr-valid'].some((w) => words.has(w))) out.push('c');
  return out;
}

const DESCRIBE: Record<string, string> = {
  'iova-to-phys': 'iommu_iova_to_phys() turns the device address into a physical address',
  identity: 'identity fallback: the DMA address is taken as the physical address',
  'phys-to-virt': 'phys_to_virt() assumes the linear map',
  'virt-to-page': 'virt_to_page() assumes a linear-map address',
  'virt-to-phys': 'virt_to_phys() assumes a linear-map address',
  'virt-addr-valid': 'virt_addr_valid() on an address that is not from the linear map',
  'pfn-to-page': 'pfn_to_page() on a frame rebuilt from the device address',
  'page-address': 'page_address() of the rebuilt page',
  'put-page': 'a page reference is dropped on the rebuilt page',
  'cpu-access': 'the CPU touches the rebuilt address',
  'to-device': 'written to the device as a DMA address',
  'dma-unmap': 'the handle is unmapped here',
};

/** Related locations shown per finding at most (generated code can chain thousands). */
export const MAX_RELATED = 64;

/**
 * Places the values' steps are looked at, per finding, at most. Values of a
 * chain nested hundreds of calls deep on one line carry hundreds of steps
 * each, all on that line: none adds a place, and looking at every step of
 * every value for each of the chain's findings took seconds.
 */
const MAX_RELATED_VISITS = 4096;

/** Related locations: every step of the values after `from`, plus extra places, de-duplicated. */
export function relatedOf(vals: Val[], exclude: Loc, extra: RawRelated[] = []): RawRelated[] {
  const out: RawRelated[] = [];
  const seen = new Set<string>([`${exclude.path}:${exclude.line}`]);
  // (Values extend each other's steps: most places come again as the same object, seen without a key.)
  const seenLoc = new Set<Loc>();
  let visits = 0;
  const add = (loc: Loc, message: string | (() => string)) => {
    if (out.length >= MAX_RELATED || seenLoc.has(loc)) return;
    seenLoc.add(loc);
    const k = `${loc.path}:${loc.line}`;
    if (seen.has(k)) return;
    seen.add(k);
    out.push({ loc, message: typeof message === 'string' ? message : message() });
  };
  for (const v of vals) {
    if (out.length >= MAX_RELATED || visits >= MAX_RELATED_VISITS) break;
    visits += 1 + v.steps.length;
    if (v.origin) add(v.origin, v.src === 'dma-handle' ? 'the device address comes from here' : `the buffer comes from here (${v.src})`);
    if (v.wrapper) add(v.wrapper.loc, `${v.wrapper.name}() returns this memory (${v.src})`);
    for (const s of v.steps) add(s.loc, () => `${DESCRIBE[s.word] ?? s.word}${s.fn ? ` (in ${s.fn})` : ''}`);
  }
  for (const e of extra) {
    if (out.length >= MAX_RELATED) break;
    add(e.loc, e.message);
  }
  return out;
}

export function describe(word: string): string {
  return DESCRIBE[word] ?? word;
}
