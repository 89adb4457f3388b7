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
import { lineIndex } from '../lines';

const SAMPLE = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'workspace', 'drivers', 'net', 'ethernet', 'cavium', 'thunder');

test('editBetween finds the one changed range', () => {
  const e = editBetween('ab\ncd\nef', 'ab\ncXd\nef');
  assert.deepEqual([e.startIndex, e.oldEndIndex, e.newEndIndex], [4, 4, 5]);
  assert.deepEqual(e.startPosition, { row: 1, column: 1 });
});

test('editBetween\'s positions are those a line index of each text gives', () => {
  const text = fc.array(fc.constantFrom('a', 'b', '\n', ' ', '🚀', '\t'), { maxLength: 30 }).map((x) => x.join(''));
  fc.assert(
    fc.property(text, text, (a, b) => {
      const e = editBetween(a, b);
      const pa = lineIndex(a);
      const pb = lineIndex(b);
      assert.deepEqual([e.startPosition, e.oldEndPosition, e.newEndPosition], [pa(e.startIndex), pa(e.oldEndIndex), pb(e.newEndIndex)]);
      assert.equal(a.slice(0, e.startIndex) + b.slice(e.startIndex, e.newEndIndex) + a.slice(e.oldEndIndex), b);
    }),
    { numRuns: 2000, seed: 20261127 },
  );
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

test('as-you-type field facts: re-reading only the definitions around an edit gives what reading the whole new tree gives', async () => {
  const parser = await loadParser();
  const key = 'drivers/net/acme/acme.c';
  const source = [
    '// SPDX-License-Identifier: GPL-2.0',
    'struct acme_ring {',
    '\tdma_addr_t desc_dma; /* 🚀 */',
    '\tvoid *desc;',
    '\tstruct { dma_addr_t inner_dma; } sub;',
    '};',
    '',
    'static int acme_alloc(struct acme_priv *priv, struct device *dev)',
    '{',
    '\tpriv->ring.desc = dma_alloc_coherent(dev, SZ, &priv->ring.desc_dma, GFP_KERNEL);',
    '\tpriv->buf = vmalloc(SZ); /* é */ priv->va = ioremap(base, SZ);',
    '\tpriv->pa = virt_to_phys(priv->ring.desc);',
    '\treturn 0;',
    '}',
    '',
    '#ifdef CONFIG_ACME_DEBUG',
    'static void acme_dbg(struct acme_priv *priv)',
    '{',
    '\tpriv->dbg = PTR_ALIGN(priv->buf, 64);',
    '\tpriv->dbg_dma = priv->ring.desc_dma + 16;',
    '}',
    '#endif',
    '',
    'struct acme_tx { dma_addr_t tx_dma; u32 len; };',
    '',
    'static void acme_tx(struct acme_priv *priv, struct sk_buff *skb)',
    '{',
    '\tstruct acme_tx *tx = priv->tx;',
    '\ttx->tx_dma = dma_map_single(priv->dev, skb->data, skb->len, DMA_TO_DEVICE);',
    '\tpriv->last = phys_to_virt(tx->tx_dma);',
    '}',
    '',
  ].join('\n');
  const facts = (c: Checker) => {
    const f = c.project.files.get(key)!;
    return {
      sources: f.fieldSources.map(({ at: _a, fn: _f, ...s }) => s),
      dma: [...f.dmaFields].sort(),
      decls: f.fieldDecls,
    };
  };
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.nat(6), fc.constantFrom('', ' ', 'x', ';', '}', '{', '\n', '\n\n', '🚀', 'é', '/*', '*/', 'p->f = vmalloc(1);', 'dma_addr_t z;', '#endif\n')), { minLength: 1, maxLength: 6 }), async (edits) => {
      // Two checkers take the same edits; the second forgets the previous field facts before each, so it reads the whole new tree.
      const reuse = new Checker(parser);
      const whole = new Checker(parser);
      let text = source;
      reuse.setFile(key, text);
      whole.setFile(key, text);
      for (const [pos, del, ins] of edits) {
        const at = pos % (text.length + 1);
        const next = text.slice(0, at) + ins + text.slice(Math.min(text.length, at + del));
        if (next === text) continue; // (An unchanged text is not parsed again at all.)
        text = next;
        reuse.setFile(key, text);
        delete whole.project.files.get(key)!.fieldDecls;
        whole.setFile(key, text);
        assert.equal(reuse.project.files.get(key)!.tree.rootNode.toString(), whole.project.files.get(key)!.tree.rootNode.toString());
        assert.deepEqual(facts(reuse), facts(whole), `after ${JSON.stringify([at, del, ins])}`);
      }
      // And a fresh parse agrees where the text parses cleanly.
      const fresh = new Checker(parser);
      fresh.setFile(key, text);
      if (!fresh.project.files.get(key)!.tree.rootNode.hasError) assert.deepEqual(facts(reuse), facts(fresh));
      reuse.project.dispose();
      whole.project.dispose();
      fresh.project.dispose();
    }),
    // (The example: a `;` over `\tp` of `priv->last = …` leaves `riv->last = …` a top-level node of its own, just after the edit.)
    { numRuns: Number(process.env.INC_RUNS ?? 150), seed: Number(process.env.INC_SEED ?? 20261126), examples: [[[[907367547, 6, 'x'], [486472514, 5, ';']]]] },
  );
});
