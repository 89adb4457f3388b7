// SPDX-License-Identifier: MIT
// The parser's hang guard counts steps and re-reads of the text, not time: the
// same text is parsed, or given up on, the same way on every run and machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testParser } from '../testing/check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PARSE_STEPS } from '../limits';
import { ParseTimeout, readBudget } from './parser';
import { REPO } from '../../../test/helpers';

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

test("error recovery that re-reads damaged text over and over is stopped by a count of reads, not by the clock: the same at every try", async () => {
  // A fuzzed driver file (scripts/fuzz.mjs) on which tree-sitter re-lexes the same text ~120 times per KB in few steps: 4 s before this count.
  const text = readFileSync(join(REPO, 'test', 'fixtures', 'regressions', 'slow-58d4e386f28a.c'), 'utf8');
  const parser = await testParser();
  for (let k = 0; k < 3; k++) {
    const e = (() => {
      try {
        parser.parse(text, undefined, PARSE_STEPS).delete();
      } catch (err) {
        return err;
      }
    })();
    assert.ok(e instanceof ParseTimeout, 'the parse is given up');
    assert.equal(e.reason, 'reads');
  }
  assert.ok(readBudget(text.length) < 2000, `budget ${readBudget(text.length)} reads for ${text.length} characters`);
});

test('the read count leaves real driver code alone: a large file of many functions parses in full within its budget', async () => {
  const parser = await testParser();
  const big = TEXT.repeat(40); // 4 MB of functions, more than any driver .c file
  const tree = parser.parse(big, undefined, PARSE_STEPS);
  try {
    assert.equal(tree.rootNode.namedChildCount, 16_000);
    assert.equal(tree.rootNode.hasError, false);
  } finally {
    tree.delete();
  }
});
