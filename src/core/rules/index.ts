// SPDX-License-Identifier: MIT
// The rule registry, in the order `iova-lens rules` lists them.
import type { RuleModule } from './rule';
import { rule as iovaReverseLookup } from './iova-reverse-lookup';
import { rule as dmaAddrAsPhys } from './dma-addr-as-phys';
import { rule as linearMapAssumption } from './linear-map-assumption';
import { rule as iovaPhysUnchecked } from './iova-phys-unchecked';
import { rule as translateAfterUnmap } from './translate-after-unmap';
import { LIMIT_META } from '../limits';

export const RULES: readonly RuleModule[] = [iovaReverseLookup, dmaAddrAsPhys, linearMapAssumption, iovaPhysUnchecked, translateAfterUnmap];

/** The two notices about IOVA Lens itself: findings, configurable and documented like rules, but about no DMA concern. */
export const NOTICES = [
  { id: 'unused-suppression', concerns: [] as [], defaultSeverity: 'info' as const, short: 'A suppression comment that no longer matches a finding, or gives no reason.' },
  LIMIT_META,
] as const;

/** Every id a config may name, including the suppression bookkeeping rule and the analysis-limit notice. */
export const RULE_IDS: readonly string[] = [...RULES.map((r) => r.meta.id), ...NOTICES.map((n) => n.id)];

export function ruleById(id: string): RuleModule | undefined {
  return RULES.find((r) => r.meta.id === id);
}
