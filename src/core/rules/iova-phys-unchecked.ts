// SPDX-License-Identifier: MIT
// Concern (zero): iommu_iova_to_phys() returns 0 for an unmapped IOVA and for
// a BLOCKED domain (and, in 2017's arm-smmu, for identity domains). A result
// used without a test for 0 becomes phys_to_virt(0) = PAGE_OFFSET and a bogus
// struct page. Also: a NULL test on phys_to_virt()'s result can never fire.
import { chainOf, locKey, LINEAR_WORDS, USE_WORDS, type Val, type ApplyEvent } from '../analysis/model';
import { applyEvents, concernsOf, relatedOf, type RawFinding, type RuleContext, type RuleModule } from './rule';

export const rule: RuleModule = {
  meta: {
    id: 'iova-phys-unchecked',
    concerns: ['zero'],
    defaultSeverity: 'warning',
    short: 'An iommu_iova_to_phys() result is used without a test for 0.',
  },
  check(ctx: RuleContext): RawFinding[] {
    const roots = new Map<string, { uses: ApplyEvent[]; vals: Val[] }>();
    for (const e of applyEvents(ctx)) {
      if (!USE_WORDS.has(e.word) && !LINEAR_WORDS.has(e.word)) continue;
      for (const v of e.input) {
        if (!v.zeroAt) continue;
        const k = locKey(v.zeroAt);
        const cur = roots.get(k) ?? { uses: [], vals: [] };
        cur.uses.push(e);
        cur.vals.push(v);
        roots.set(k, cur);
      }
    }
    const out: RawFinding[] = [];
    for (const { uses, vals } of roots.values()) {
      const at = vals[0].zeroAt!;
      const first = uses[0];
      // The chain of the longest single path through this lookup.
      let li = 0;
      vals.forEach((v, i) => {
        if (v.steps.length > vals[li].steps.length) li = i;
      });
      out.push({
        loc: at,
        fn: first.fn,
        concerns: ['zero', ...concernsOf(vals).filter((c) => c === 'a')],
        chain: chainOf([vals[li]], [uses[li].word]),
        related: relatedOf(vals, at, uses.map((u) => ({ loc: u.loc, message: `used here without a test for 0 (${u.callee})` }))),
        message: 'the iommu_iova_to_phys() result may be 0 (IOVA not mapped, BLOCKED domain) and is used without a check',
      });
    }
    for (const r of ctx.results) {
      for (const e of r.events) {
        if (e.kind !== 'va-null-test') continue;
        out.push({
          loc: e.loc,
          fn: e.fn,
          concerns: ['zero'],
          chain: chainOf(e.input),
          related: relatedOf(e.input, e.loc),
          message: 'phys_to_virt() never returns NULL (phys_to_virt(0) is PAGE_OFFSET): this test cannot fire; test the physical address for 0 before converting it',
        });
      }
    }
    return out;
  },
};
