// SPDX-License-Identifier: MIT
// Concern (a): a CPU address (VA or struct page) rebuilt from a device address
// through iommu_iova_to_phys(), in a driver that borrowed the DMA API's domain
// and had the CPU address when it allocated the buffer. Reported once per
// lookup (the root), with every caller's rebuild as related locations.
import { chainWithGuard, locKey, USE_WORDS, LINEAR_WORDS, type Val, type ApplyEvent } from '../analysis/model';
import type { FnResult } from '../analysis/evaluate';
import { applyEvents, concernsOf, relatedOf, type RawFinding, type RuleContext, type RuleModule } from './rule';

/** Uses of one lookup looked at for its finding (its longest chain, its related places), at most. */
const MAX_USES = 256;

export const rule: RuleModule = {
  meta: {
    id: 'iova-reverse-lookup',
    concerns: ['a'],
    defaultSeverity: 'warning',
    short: 'A CPU address is rebuilt from a device address through iommu_iova_to_phys().',
  },
  check(ctx: RuleContext): RawFinding[] {
    const uses = applyEvents(ctx).filter((e) => USE_WORDS.has(e.word) || LINEAR_WORDS.has(e.word));
    // Index the uses by the location of every step their inputs went through,
    // once: matching each lookup against every use was quadratic (seconds on
    // generated code with thousands of lookups).
    const usesByStep = new Map<string, ApplyEvent[]>();
    for (const u of uses) {
      const keys = new Set<string>();
      for (const v of u.input) for (const s of v.steps) keys.add(locKey(s.loc));
      for (const k of keys) {
        const list = usesByStep.get(k);
        if (list) list.push(u);
        else usesByStep.set(k, [u]);
      }
    }
    // What a function returns through each lookup, and its identity fallbacks, indexed once per
    // function: filtering all its returns for each lookup was quadratic in a function with thousands.
    const indexed = new Map<FnResult, { vals: Val[]; byStep: Map<string, number[]>; identity: number[] }>();
    const returnedThrough = (r: FnResult, key: string): Val[] => {
      let x = indexed.get(r);
      if (!x) {
        x = { vals: r.returns.map((ret) => ret.val), byStep: new Map(), identity: [] };
        x.vals.forEach((v, i) => {
          const keys = new Set(v.steps.map((st) => locKey(st.loc)));
          for (const k of keys) {
            const list = x!.byStep.get(k);
            if (list) list.push(i);
            else x!.byStep.set(k, [i]);
          }
          if (v.steps.some((st) => st.word === 'identity')) x!.identity.push(i);
        });
        indexed.set(r, x);
      }
      // (In the order of the returns, as the filter gave them.)
      const at = [...new Set([...(x.byStep.get(key) ?? []), ...x.identity])].sort((a, b) => a - b);
      return at.map((i) => x!.vals[i]);
    };
    // Each value's step locations, once (a use is matched against each lookup it went through).
    const keysOf = new Map<Val, Set<string>>();
    const stepKeys = (v: Val): Set<string> => {
      let k = keysOf.get(v);
      if (!k) keysOf.set(v, (k = new Set(v.steps.map((s) => locKey(s.loc)))));
      return k;
    };
    const out: RawFinding[] = [];
    for (const r of ctx.results) {
      for (const ev of r.events) {
        if (ev.kind !== 'lookup' || !ev.borrowed) continue;
        const key = locKey(ev.loc);
        // (The first uses of the lookup, in code order: a chain nested hundreds of calls deep uses each of
        // its lookups at every level above it, and looking at them all, for each lookup, took seconds.)
        const hits: ApplyEvent[] = (usesByStep.get(key) ?? []).slice(0, MAX_USES);
        if (hits.length === 0 && !ev.returned) continue; // only logged or compared: no CPU address is rebuilt
        // The longest chain through this root tells the whole story.
        let best: { vals: Val[]; word?: string } = { vals: [] };
        let bestLen = -1;
        for (const h of hits) {
          const vals = h.input.filter((v) => v.src === 'dma-handle' || stepKeys(v).has(key));
          const len = Math.max(...vals.map((v) => v.steps.length));
          if (len > bestLen) {
            best = { vals, word: h.word };
            bestLen = len;
          }
        }
        const returnedVals = returnedThrough(r, key);
        const vals = best.vals.length ? best.vals : returnedVals;
        // (The chain, and its test for 0, of the longest use: what Replay runs.)
        const { chain, guard } = chainWithGuard(vals, best.word ? [best.word] : []);
        const short = chain.length < 2;
        if (short) chain.splice(0, chain.length, 'dma-handle', 'iova-to-phys');
        const allVals = [...hits.flatMap((h) => h.input), ...returnedVals];
        const related = relatedOf(allVals, ev.loc, [
          ...hits.map((h) => ({ loc: h.loc, message: `the rebuilt address is used here (${h.callee}${h.fn ? ` in ${h.fn}` : ''})` })),
          ...(ev.domainLoc ? [{ loc: ev.domainLoc, message: "the domain is borrowed from the DMA API (iommu_get_domain_for_dev), not one the driver allocated" }] : []),
        ]);
        const concerns = concernsOf(vals, best.word);
        if (!concerns.includes('a')) concerns.unshift('a');
        out.push({
          loc: ev.loc,
          fn: ev.fn,
          concerns,
          chain,
          ...(guard && !short ? { guard } : {}),
          related,
          message:
            'iommu_iova_to_phys() reverses a DMA address the driver mapped itself: record the page or virtual address when the buffer is allocated and look it up instead',
        });
      }
    }
    return out;
  },
};
