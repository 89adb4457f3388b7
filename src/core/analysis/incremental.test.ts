// SPDX-License-Identifier: MIT
// As-you-type: an edited file is reparsed from its previous tree, and the
// result is the same as a fresh parse (tree and findings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadParser } from '../../server/wasm';
import { Checker } from '../engine';
import { editBetween } from './project';

const SAMPLE = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'workspace', 'drivers', 'net', 'ethernet', 'cavium', 'thunder');

test('editBetween finds the one changed range', () => {
  const e = editBetween('ab\ncd\nef', 'ab\ncXd\nef');
  assert.deepEqual([e.startIndex, e.oldEndIndex, e.newEndIndex], [4, 4, 5]);
  assert.deepEqual(e.startPosition, { row: 1, column: 1 });
});

test('incremental reparse gives the same tree and findings as a fresh parse, for random edits', async () => {
  const parser = await loadParser();
  const header = readFileSync(join(SAMPLE, 'nicvf_queues.h'), 'utf8');
  const source = readFileSync(join(SAMPLE, 'nicvf_queues.c'), 'utf8');
  const key = 'drivers/net/ethernet/cavium/thunder/nicvf_queues.c';
  const hkey = 'drivers/net/ethernet/cavium/thunder/nicvf_queues.h';
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.nat(8), fc.constantFrom('', ' ', 'x', ';', '}', '{', '(', '\n', 'phys_to_virt(', '/*')), { minLength: 1, maxLength: 6 }), async (edits) => {
      const live = new Checker(parser);
      live.setFile(hkey, header);
      let text = source;
      live.setFile(key, text);
      for (const [pos, del, ins] of edits) {
        const at = pos % (text.length + 1);
        text = text.slice(0, at) + ins + text.slice(Math.min(text.length, at + del));
        live.setFile(key, text);
      }
      const fresh = new Checker(parser);
      fresh.setFile(hkey, header);
      fresh.setFile(key, text);
      // Error recovery may label the inside of an ERROR node differently after an
      // incremental parse (a tree-sitter property); where the text parses cleanly
      // the trees must be identical, and the findings must always be.
      const freshRoot = fresh.project.files.get(key)!.tree.rootNode;
      if (!freshRoot.hasError) assert.equal(live.project.files.get(key)!.tree.rootNode.toString(), freshRoot.toString());
      assert.deepEqual(live.check(), fresh.check());
      live.project.dispose();
      fresh.project.dispose();
    }),
    { numRuns: Number(process.env.INC_RUNS ?? 60), seed: Number(process.env.INC_SEED ?? 20261125) },
  );
});

test('edits that move a macro, or a field assignment another function\'s finding points at, give the fresh lines', async () => {
  const parser = await loadParser();
  const key = 'drivers/foo/foo.c';
  const cases = [
    {
      // The macro's body is parsed on its own (row 0): its findings must still follow it down.
      text: '#include <linux/iommu.h>\n#define LOOKUP(dom, d) phys_to_virt(iommu_iova_to_phys(dom, d))\n\nstatic void *f(struct iommu_domain *dom, dma_addr_t d)\n{\n\treturn LOOKUP(dom, d);\n}\n',
      at: () => 0,
    },
    {
      // use()'s finding names setup()'s assignment as where the buffer came from.
      text: 'struct priv { void *buf; dma_addr_t h; struct device *dev; };\n\nstatic struct page *use(struct priv *p)\n{\n\treturn virt_to_page(p->buf);\n}\n\nstatic int setup(struct priv *p)\n{\n\tp->buf = dma_alloc_coherent(p->dev, 4096, &p->h, GFP_KERNEL);\n\treturn 0;\n}\n',
      at: (t: string) => t.indexOf('static int setup'),
    },
  ];
  for (const c of cases) {
    const live = new Checker(parser);
    live.setFile(key, c.text);
    assert.ok(live.check().length > 0);
    const at = c.at(c.text);
    const moved = c.text.slice(0, at) + '\n\n\n' + c.text.slice(at);
    live.setFile(key, moved);
    const fresh = new Checker(parser);
    fresh.setFile(key, moved);
    assert.deepEqual(live.check(), fresh.check());
    live.project.dispose();
    fresh.project.dispose();
  }
});
