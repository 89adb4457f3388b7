// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { convertedUnassigned, fieldAllocsInLine, fieldAllocsInText, fieldAllocsOf, wrappedCalls } from './field-lines';
import { wrapperDefsIn } from './project';

const show = (line: string) => fieldAllocsInLine(line, 1).map((a) => `${a.base}${a.variable ? '' : '(member)'}.${a.field}=${a.src}@${a.column}`);

test('a field given coherent, vmalloc or ioremap memory on one line, with its base as the parser names it', () => {
  assert.deepEqual(show('\tq->va = dma_alloc_coherent(&dev->nic_info.pdev->dev, q->size, &q->dma,'), ['q.va=coherent-va@2']);
  assert.deepEqual(show('\tdev->av_tbl.pbl.va = dma_alloc_coherent(&pdev->dev, PAGE_SIZE,'), ['pbl(member).va=coherent-va@2']);
  assert.deepEqual(show('\tqp->sq.va = (void *)dma_alloc_coherent(&pdev->dev, len, &pa, GFP_KERNEL);'), ['sq(member).va=coherent-va@2']);
  assert.deepEqual(show('\tring[i].desc = vzalloc(size);'), ['ring.desc=vmalloc-va@2']);
  assert.deepEqual(show('\tpriv->q[n]->regs = devm_ioremap(dev, res->start, 0x100);'), ['q(member).regs=ioremap-va@2']);
  assert.deepEqual(show('\ta->x = vmalloc(n); b.y = (u8 __iomem *) (ioremap(base, 4));'), ['a.x=vmalloc-va@2', 'b.y=ioremap-va@21']);
});

test('what is no such assignment: other allocators, comparisons, locals, comments', () => {
  assert.deepEqual(show('\tq->va = kzalloc(len, GFP_KERNEL);'), [], 'linear-map memory');
  assert.deepEqual(show('\tif (q->va == dma_alloc_coherent(d, 1, &h, 0))'), [], 'a comparison');
  assert.deepEqual(show('\tva = dma_alloc_coherent(d, len, &h, GFP_KERNEL);'), [], 'a local (the parser reads those in analysed files)');
  assert.deepEqual(show('\tq->va = my_dma_alloc_coherent(d, len);'), [], 'another function');
  assert.deepEqual(show('\t/* q->va = dma_alloc_coherent(d, len, &h, 0); */'), []);
  assert.deepEqual(show('\t * q->va = dma_alloc_coherent(d, len, &h, 0);'), []);
  assert.deepEqual(show('\tx = 1; // q->va = vmalloc(n);'), []);
  assert.deepEqual(show('\t/* old */ q->va = vmalloc(n);'), ['q.va=vmalloc-va@12'], 'after a closed comment it is code');
});

test('fieldAllocsInText numbers lines as the file does, and finds what fieldAllocsInLine finds on each line', () => {
  const text = '#include <x.h>\n\nstatic int f(struct q *q)\n{\n\tq->va = dma_alloc_coherent(d, n, &q->dma, 0);\r\n\tq->vm = vmalloc(n); q->io = ioremap(a, 4);\n}\n';
  assert.deepEqual(
    fieldAllocsInText(text).map((a) => `${a.line}:${a.column} ${a.field}`),
    ['5:2 va', '6:2 vm', '6:22 io'],
  );
  const lineOf = fc.constantFrom('\tq->va = dma_alloc_coherent(d, n, &h, 0);', '\tp->m.buf = vmalloc(n);', '\tint x = 0;', '', '/* q->va = vmalloc(1); */', '\tr[i].regs = ioremap(a, 4); s->t = vzalloc(2);');
  fc.assert(
    fc.property(fc.array(lineOf, { maxLength: 12 }), (lines) => {
      const perLine = lines.flatMap((l, i) => fieldAllocsInLine(l, i + 1));
      assert.deepEqual(fieldAllocsInText(lines.join('\n')), perLine);
    }),
  );
});

test('convertedUnassigned: fields converted directly through a base that the texts never give a value through it', () => {
  const verbs = [
    'static void f(struct acme_cq *cq, struct acme_qp *qp, struct acme_ctx *ctx)',
    '{',
    '\tresp->page = virt_to_phys(cq->va);',
    '\tresp->sq = virt_to_phys((void *)qp->sq.va);',
    '\tresp->tbl = virt_to_phys(ctx->tbl.va);',
    '\tpage = virt_to_page(&ring[i]->desc[2]);',
    '\tctx->tbl.va = dma_alloc_coherent(d, n, &h, GFP_KERNEL);',
    '\tcq->va = NULL;',
    '\tmr->hwmr.va = addr;',
    '}',
  ].join('\n');
  assert.deepEqual([...convertedUnassigned([verbs])].sort(), ['cq.va', 'ring.desc', 'sq.va']);
  assert.deepEqual([...convertedUnassigned([verbs, 'void g(struct acme_cq *cq) { cq->va = vmalloc(4); }'])].sort(), ['ring.desc', 'sq.va'], 'assigned in another text');
  assert.deepEqual([...convertedUnassigned(['x = virt_to_phys(buf);'])], [], 'no field');
  // A subscript's `[` is looked for in its own statement: broken text does not make `a->va` assigned
  // (searching on to the start of the text made a file of many such lines quadratic).
  assert.deepEqual([...convertedUnassigned(['virt_to_phys(a->va); b = a[0; x]->va = p;'])], ['a.va']);
  assert.deepEqual([...convertedUnassigned(['virt_to_phys(q->va);\n' + 'x]->va = p;\n'.repeat(20000)])], ['q.va']);
});

test('fieldAllocsOf finds what fieldAllocsInText finds for those fields', () => {
  const lineOf = fc.constantFrom('\tq->va = dma_alloc_coherent(d, n, &h, 0);', '\tp->m.buf = vmalloc(n);', '\tq->va == vmalloc(1);', '\tq->vaddr = vmalloc(1);', '', '/* q->va = vmalloc(1); */', '\tr[i].va[2] = ioremap(a, 4); s->buf = vzalloc(2);', '\tx = q->va;');
  fc.assert(
    fc.property(fc.array(lineOf, { maxLength: 12 }), fc.subarray(['va', 'buf', 'regs']), (lines, names) => {
      const text = lines.join('\n');
      const fields = new Set(names);
      assert.deepEqual(fieldAllocsOf(text, fields), fieldAllocsInText(text).filter((a) => fields.has(a.field)));
    }),
  );
});

test('wrappedCalls(): the calls whose results the text converts through the linear map, as variables or members', () => {
  const calls = (text: string) => [...wrappedCalls(text)].sort();
  assert.deepEqual(calls('\tdma_map->k_vaddr = __genwqe_alloc_consistent(cd, vsize,\n\t\t&dma_map->dma_addr);\n\tpfn = virt_to_phys(dma_map->k_vaddr) >> PAGE_SHIFT;'), ['__genwqe_alloc_consistent']);
  assert.deepEqual(calls('\tbuf = (void *) acme_ring_alloc(p, len);\n\tpage = virt_to_page(buf);'), ['acme_ring_alloc']);
  assert.deepEqual(calls('\tunsigned long va = acme_alloc(n);\n\n\tpage = virt_to_page((void *)va);'), ['acme_alloc'], 'a declaration, a cast at the conversion');
  assert.deepEqual(calls('\tmybuf = acme_alloc(n);\n\tpage = virt_to_page(buf);'), [], 'a longer name');
  assert.deepEqual(calls('\tq -> va = acme_alloc(q);\n\tpa = __pa( q->va );'), ['acme_alloc'], 'spaces around -> and in the call');
  assert.deepEqual(calls('\tbuf = dma_alloc_coherent(d, n, &h, GFP_KERNEL);\n\tpage = virt_to_page(buf);'), [], 'an allocator the analysis knows');
  assert.deepEqual(calls('\tbuf = acme_alloc(n);\n\tpage = virt_to_page(other);'), [], 'another variable converted');
  assert.deepEqual(calls('\tif (buf == acme_alloc(n))\n\t\tpage = virt_to_page(buf);'), [], 'a comparison');
  assert.deepEqual(calls('\tp->buf = acme_alloc(n);\n\tpage = virt_to_page(q->buf);'), [], 'the same field through another base');
  assert.deepEqual(calls('\tx.buf = acme_alloc(n);\n\tpage = virt_to_page(buf);'), [], 'a member is no variable of its name');
  // Kernel functions and macros a driver's folder never defines: not looked for.
  assert.deepEqual(calls('\tp = container_of(h, struct acme, h);\n\tq = PTR_ALIGN(raw, 64);\n\tr = alloc_pages_exact(n, GFP_KERNEL);\n\tpa = __pa(p) + __pa(q) + __pa(r);'), []);
});

test('wrapperDefsIn(): a file\'s allocation wrappers (every return one kind of memory), by name', () => {
  const utils = 'void *acme_alloc(struct acme *a, size_t n, dma_addr_t *h)\n{\n\tif (n > 4096)\n\t\treturn NULL;\n\treturn dma_alloc_coherent(a->dev, n, h, GFP_KERNEL);\n}\n\nstatic void *acme_big(size_t n)\n{\n\tvoid *p = vzalloc(n);\n\n\treturn p;\n}\n\nint acme_count(void)\n{\n\treturn 3;\n}\n';
  assert.deepEqual(wrapperDefsIn(utils), { acme_alloc: { src: 'coherent-va', line: 1 }, acme_big: { src: 'vmalloc-va', line: 8 } });
  assert.deepEqual(wrapperDefsIn(utils, new Set(['acme_big'])), { acme_big: { src: 'vmalloc-va', line: 8 } }, 'only the names asked for');
  // The line of the name, not of the return type before it (nor the name in `struct acme_buf *`).
  assert.deepEqual(wrapperDefsIn('/* ring */\nstruct acme_buf *\nacme_buf(size_t n)\n{\n\treturn vzalloc(n);\n}\n'), { acme_buf: { src: 'vmalloc-va', line: 3 } });
  assert.deepEqual(wrapperDefsIn(utils, new Set(['acme_other'])), {}, 'a name the file does not hold');
  assert.deepEqual(wrapperDefsIn('int acme_count(void)\n{\n\treturn 3;\n}\n'), {}, 'no allocator named');
  // Two definitions (#ifdef arms) that disagree say nothing.
  const twice = '#ifdef CONFIG_ACME_VM\nvoid *acme_buf(size_t n)\n{\n\treturn vmalloc(n);\n}\n#else\nvoid *acme_buf(size_t n)\n{\n\treturn dma_alloc_coherent(NULL, n, NULL, 0);\n}\n#endif\n';
  assert.deepEqual(wrapperDefsIn(twice), { acme_buf: null });
  // Casts and parentheses around the returned call, however deep (peeled in one pass: a fuzzed
  // 30k-deep return took 4 s when each level was a scan of its own).
  const deep = (n: number) => `void *acme_deep(size_t n)\n{\n\treturn ${'('.repeat(n)}(void *) vzalloc(n)${')'.repeat(n)};\n}\n`;
  assert.deepEqual(wrapperDefsIn(deep(2)), { acme_deep: { src: 'vmalloc-va', line: 1 } });
  assert.deepEqual(wrapperDefsIn(deep(50_000)), { acme_deep: { src: 'vmalloc-va', line: 1 } });
  assert.deepEqual(wrapperDefsIn('void *acme_odd(size_t n)\n{\n\treturn ((vzalloc(n));\n}\n'), {}, 'unbalanced: no call is read out of it');
});
