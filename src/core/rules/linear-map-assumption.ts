// SPDX-License-Identifier: MIT
// Concern (c): a linear-map conversion (phys_to_virt, __va, virt_to_page,
// virt_to_phys, virt_addr_valid) on memory that need not be in the linear map:
// an address rebuilt from a device address, or memory from the coherent
// allocator, vmalloc, ioremap/memremap.
import { chainWithGuard, isReconstructed, isRawDma, locKey, LINEAR_WORDS, type Loc, type Val, type ApplyEvent } from '../analysis/model';
import { applyEvents, concernsOf, guarded, relatedOf, type RawFinding, type RuleContext, type RuleModule } from './rule';

const NOT_LINEAR_SOURCES = new Set(['coherent-va', 'vmalloc-va', 'ioremap-va']);
const SOURCE_TEXT: Record<string, string> = {
  'coherent-va': 'dma_alloc_coherent()/dma_pool memory may be a vmap remap (non-coherent arm64, CMA, highmem)',
  'vmalloc-va': 'vmalloc()/kvmalloc() memory lives in the vmalloc area, not the linear map',
  'ioremap-va': 'ioremap()/memremap() addresses are not in the linear map',
};

/** The first linear-map step after the address became suspicious: that is where the concern arises. */
function firstLinear(v: Val): Loc | undefined {
  const start = v.steps.findIndex((s) => s.word === 'iova-to-phys' || s.word === 'identity');
  return v.steps.slice(start + 1).find((s) => LINEAR_WORDS.has(s.word))?.loc;
}

/** What a value is, for grouping: the step before the conversion, else where it was defined. */
function rootOf(v: Val): string {
  const last = v.steps[v.steps.length - 1];
  if (last) return locKey(last.loc);
  return v.origin ? locKey(v.origin) : v.key;
}

/** A DMA handle taken straight into the linear map (phys_to_virt(dma)), and what follows from it. */
function rawIntoLinear(v: Val): boolean {
  return v.src === 'dma-handle' && !isReconstructed(v) && (LINEAR_WORDS.has(v.steps[0]?.word ?? '') || v.steps[0]?.word === 'pfn-to-page');
}

function suspicious(v: Val, e: ApplyEvent): boolean {
  // (What follows a raw handle's conversion is suspicious too: it is only ever a later use of
  // that finding's root — virt_to_page(), put_page() — whose chain runs on to it.)
  if (isReconstructed(v) || isRawDma(v) || rawIntoLinear(v)) return true;
  // `if (virt_addr_valid(p)) … else vmalloc_to_page(p)` is how code tells the kinds apart:
  // for vmalloc and ioremap addresses it answers false, rightly. (For coherent
  // memory its answer depends on the platform's remapping: still reported.)
  if (e.word === 'virt-addr-valid' && (v.src === 'vmalloc-va' || v.src === 'ioremap-va')) return false;
  return NOT_LINEAR_SOURCES.has(v.src) && e.word !== 'phys-to-virt' && !v.steps.some((s) => LINEAR_WORDS.has(s.word) || s.word === 'pfn-to-page' || s.word === 'page-address');
}

export const rule: RuleModule = {
  meta: {
    id: 'linear-map-assumption',
    concerns: ['c'],
    defaultSeverity: 'warning',
    short: 'A linear-map conversion is applied to memory that need not be in the linear map.',
  },
  check(ctx: RuleContext): RawFinding[] {
    const roots = new Map<string, { e: ApplyEvent; vals: Val[]; later: ApplyEvent[] }>();
    const later: { root: string; e: ApplyEvent; vals: Val[] }[] = [];
    // SPEC §1.1's silence list: a driver translating in a domain it allocated
    // itself (an UNMANAGED domain it maps into) knows what it mapped there.
    const owned = new Set<string>();
    for (const r of ctx.results) for (const ev of r.events) if (ev.kind === 'lookup' && !ev.borrowed) owned.add(locKey(ev.loc));
    const throughOwned = (v: Val) => owned.size > 0 && v.steps.some((s) => s.word === 'iova-to-phys' && owned.has(locKey(s.loc)));
    for (const e of applyEvents(ctx)) {
      if (!LINEAR_WORDS.has(e.word) && !['put-page', 'cpu-access', 'pfn-to-page', 'page-address'].includes(e.word)) continue;
      if (guarded(e)) continue;
      const vals = e.input.filter((v) => suspicious(v, e) && !throughOwned(v));
      if (vals.length === 0) continue;
      const earlier = vals.map(firstLinear).find((l) => l !== undefined);
      if (earlier) later.push({ root: locKey(earlier), e, vals });
      else if (LINEAR_WORDS.has(e.word)) {
        const k = locKey(e.loc);
        const cur = roots.get(k);
        if (cur) cur.vals.push(...vals);
        else roots.set(k, { e, vals, later: [] });
      }
    }
    for (const l of later) roots.get(l.root)?.later.push(l.e);
    // Once per root: conversions in one function of the same address (the
    // same helper call, lookup or allocation) are one finding at the first,
    // with the others as related locations.
    const grouped = new Map<string, { e: ApplyEvent; vals: Val[]; later: ApplyEvent[]; others: ApplyEvent[] }>();
    for (const r of [...roots.values()].sort((x, y) => x.e.offset - y.e.offset)) {
      const k = `${r.e.loc.path}|${r.e.fn}|${[...new Set(r.vals.map(rootOf))].sort().join(',')}`;
      const g = grouped.get(k);
      if (g) {
        g.others.push(r.e);
        g.later.push(...r.later);
      } else grouped.set(k, { ...r, others: [] });
    }
    const out: RawFinding[] = [];
    for (const { e, vals, later: after0, others } of grouped.values()) {
      const after = [...after0, ...others];
      // The longest chain through this root (e.g. on to virt_to_page and put_page).
      let chainVals = vals;
      let tail = [e.word];
      for (const a of after) {
        const cand = a.input.filter((v) => v.steps.some((s) => locKey(s.loc) === locKey(e.loc)));
        if (cand.length && Math.max(...cand.map((v) => v.steps.length)) + 1 > Math.max(...chainVals.map((v) => v.steps.length)) + tail.length) {
          chainVals = cand;
          tail = [a.word];
        }
      }
      const src = vals.find((v) => NOT_LINEAR_SOURCES.has(v.src))?.src;
      const why = src && !vals.some(isReconstructed) ? SOURCE_TEXT[src] : 'the address was rebuilt from a device address and need not be in the linear map (highmem, vmalloc, dma_alloc_coherent remaps, ioremap)';
      const concerns = concernsOf(chainVals, e.word);
      if (!concerns.includes('c')) concerns.push('c');
      out.push({
        loc: e.loc,
        fn: e.fn,
        concerns: (['a', 'b', 'c'] as const).filter((c) => concerns.includes(c)),
        // (`if (phys_addr) put_page(virt_to_page(phys_to_virt(phys_addr)))`: the chain, and the step the code
        // tests for 0 when it does — the replay stops where the code does.)
        ...chainWithGuard(chainVals, tail),
        related: relatedOf(chainVals, e.loc, after.map((a) => ({ loc: a.loc, message: `then ${a.callee}()` }))),
        message: `${e.callee}() assumes a linear-map address: ${why}`,
      });
    }
    return out;
  },
};
