// SPDX-License-Identifier: MIT
// SPEC §1.1's silence list: a use "guarded by is_vmalloc_addr(), or that sits
// in the branch where the buffer came from the page allocator". The branch
// matters: `if (h == DMA_MAPPING_ERROR)` is the page-allocator branch, its
// else (or `if (h != DMA_MAPPING_ERROR)`) the mapped one; under
// `if (is_vmalloc_addr(p))` the buffer is vmalloc memory, in its else it is
// linear. (Silencing every use under any such `if` hid the mapped branch's
// `phys_to_virt(b->dma)` and a `virt_to_page()` right under is_vmalloc_addr().)
import { GUARD_RE } from '../analysis/api-tables';
import { closingParens, peelParens } from '../analysis/code-text';

/** What a condition that holds says of the buffer: in the linear map (page allocator), not, or cannot tell. */
type Sense = 'linear' | 'not-linear' | 'unknown';

/**
 * Whether an enclosing branch condition (as the evaluator records it: the
 * `if`'s condition text for its consequence, `!(…)` for its alternative)
 * silences a use. A condition too complex to read (`&&`, `||`, `?:`, an
 * assignment, a switch) keeps the use silent, as before: silence where unsure.
 */
export function guardSilences(guard: string): boolean {
  if (!GUARD_RE.test(guard)) return false;
  return senseOf(guard) !== 'not-linear';
}

function senseOf(cond: string): Sense {
  // Parentheses and `!` peeled by moving indices over one pairing of the parentheses (closingParens()).
  const pair = closingParens(cond);
  let [a, b] = peelParens(cond, pair, 0, cond.length);
  let negated = false;
  while (cond[a] === '!' && cond[a + 1] !== '=') {
    negated = !negated;
    [a, b] = peelParens(cond, pair, a + 1, b);
  }
  const s = cond.slice(a, b);
  if (/&&|\|\||\?|[^=!<>]=[^=]/.test(s)) return 'unknown';
  let sense: Sense = 'unknown';
  const cmp = /^([^=!]*?)\s*(==|!=)\s*([^=]*)$/.exec(s);
  if (cmp) {
    // The unmapped branch (DMA_MAPPING_ERROR, DMA_NONE) is the page allocator's.
    if (/\b(?:DMA_MAPPING_ERROR|DMA_NONE)\b/.test(cmp[1]) || /\b(?:DMA_MAPPING_ERROR|DMA_NONE)\b/.test(cmp[3])) sense = cmp[2] === '==' ? 'linear' : 'not-linear';
  } else if (/^is_vmalloc_addr\s*\(/.test(s) || /^(?:PageHighMem|is_highmem)\s*\(/.test(s)) sense = 'not-linear';
  else if (/^virt_addr_valid\s*\(/.test(s)) sense = 'linear';
  if (sense === 'unknown' || !negated) return sense;
  return sense === 'linear' ? 'not-linear' : 'linear';
}
