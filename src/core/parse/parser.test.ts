// SPDX-License-Identifier: MIT
// The parser's hang guard counts steps, not time: the same text is parsed, or
// given up on, the same way on every run and machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testParser } from '../testing/check';
import { ParseTimeout } from './parser';

const TEXT = Array.from({ length: 400 }, (_, i) => `void *p${i}(struct iommu_domain *d, dma_addr_t a) { return phys_to_virt(iommu_iova_to_phys(d, a)); }\n`).join('');

test('a parse needing more steps than allowed gives up, the same at every try; enough steps parse it', async () => {
  const parser = await testParser();
  for (let k = 0; k < 3; k++) assert.throws(() => parser.parse(TEXT, undefined, 20), ParseTimeout);
  // The smallest budget that parses this text, found once, works every time; one step less never does.
  let lo = 1;
  let hi = 100_000;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    try {
      parser.parse(TEXT, undefined, mid).delete();
      hi = mid;
    } catch (e) {
      if (!(e instanceof ParseTimeout)) throw e;
      lo = mid + 1;
    }
  }
  assert.ok(lo > 20 && lo < 100_000, `needs ${lo} steps`);
  for (let k = 0; k < 3; k++) {
    parser.parse(TEXT, undefined, lo).delete();
    assert.throws(() => parser.parse(TEXT, undefined, lo - 1), ParseTimeout);
  }
});
