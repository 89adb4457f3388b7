// SPDX-License-Identifier: MIT
// guardSilences(): which enclosing branch conditions silence a linear-map use
// (SPEC §1.1: "guarded by is_vmalloc_addr(), or in the branch where the buffer
// came from the page allocator").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardSilences } from './guards';

test('the branch where the buffer is linear silences; the vmalloc or mapped branch does not', () => {
  for (const g of ['h == DMA_MAPPING_ERROR', '!(h != DMA_MAPPING_ERROR)', '!(is_vmalloc_addr(p))', ' ( !is_vmalloc_addr(p) ) ', 'virt_addr_valid(p)', 'is_vmalloc_addr(p) && len']) {
    assert.equal(guardSilences(g), true, g);
  }
  for (const g of ['is_vmalloc_addr(p)', '((is_vmalloc_addr(p)))', '!!is_vmalloc_addr(p)', 'h != DMA_MAPPING_ERROR', '!virt_addr_valid(p)', 'len > 4', 'PageHighMem(page)']) {
    assert.equal(guardSilences(g), false, g);
  }
});

test('deep parentheses and negations are peeled in one pass (each level was a scan of its own: 30k deep took 3 s)', () => {
  const deep = (n: number, inner: string) => '('.repeat(n) + inner + ')'.repeat(n);
  assert.equal(guardSilences(deep(50_000, 'is_vmalloc_addr(p)')), false);
  assert.equal(guardSilences(deep(50_000, '!is_vmalloc_addr(p)')), true);
  assert.equal(guardSilences('!('.repeat(20_001) + 'is_vmalloc_addr(p)' + ')'.repeat(20_001)), true, 'an odd number of negations');
  // Unbalanced: nothing is peeled that does not pair.
  assert.equal(guardSilences('(is_vmalloc_addr(p)'), true, 'unreadable: silent where unsure');
});
