// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameFor, joinFrames, signatureOf } from './hunk-frame';

/** The two lines of a frame. */
const lines = (...a: Parameters<typeof frameFor>) => {
  const f = frameFor(...a);
  return f && { open: f.open, close: f.close };
};

test('signatureOf: the hunk header as a whole signature, cut parameter lists closed; not a struct, a macro or a statement', () => {
  const cases: [string, string | undefined][] = [
    ['void nicvf_free_rcv_buffer(struct nicvf *nic, u64 buf_addr)', 'void nicvf_free_rcv_buffer(struct nicvf *nic, u64 buf_addr)'],
    // git cuts the line at 80 bytes; a kernel signature goes on over several lines.
    ['static struct sk_buff *nicvf_rb_ptr_to_skb(struct nicvf *nic,', 'static struct sk_buff *nicvf_rb_ptr_to_skb(struct nicvf *nic)'],
    ['static int otx2_alloc_buffer(struct otx2_nic *pfvf, struct otx2_cq_queue *cq, dma_a', 'static int otx2_alloc_buffer(struct otx2_nic *pfvf, struct otx2_cq_queue *cq, dma_a)'],
    ['int acme_probe(', 'int acme_probe()'],
    ['static void (*pick(int n))(int', 'static void (*pick(int n))(int)'],
    ['struct acme_ring {', undefined],
    ['static const struct of_device_id acme_of_match[] = {', undefined],
    ['#define ACME_RX(x) phys_to_virt(x)', undefined],
    ['int acme_count;', undefined],
    ['if (phys_addr)', undefined],
    ['EXPORT_SYMBOL(acme_rx);', undefined],
    ['', undefined],
  ];
  for (const [section, want] of cases) assert.equal(signatureOf(section), want, section);
});

test('frameFor: a hunk inside a function gets its signature and the braces its own lines leave open', () => {
  const sig = 'static void acme_rx(struct acme *p, dma_addr_t a)';
  // Statements, then the function's end.
  assert.deepEqual(lines(['\tstruct page *pg;', '', '\tva = phys_to_virt(pa);', '\tput_page(pg);', '}'], sig), { open: `${sig} {`, close: '' });
  // Statements only: the function is closed after the hunk.
  assert.deepEqual(lines(['\tx();', '\tva = phys_to_virt(pa);', '\ty();'], sig), { open: `${sig} {`, close: '}' });
  // The hunk starts two blocks deep (closes an if, then the loop) and opens an else it does not close.
  assert.deepEqual(lines(['\t\t\tx();', '\t\t}', '\t}', '\tif (pa) {', '\t\tva = phys_to_virt(pa);'], sig), { open: `${sig} {{{`, close: '}}' });
  // `} else {` goes down before it goes up; braces in strings, characters and comments do not count.
  assert.deepEqual(lines(['\t\tx(); /* } */', '\t} else {', '\t\tpr_info("}}");', "\t\tc = '}';", '\t}', '}'], sig), { open: `${sig} {{`, close: '' });
  // A label at column 0 and a preprocessor line are part of a body.
  assert.deepEqual(lines(['#ifdef CONFIG_ACME', '\tx();', '#endif', 'out:', '\treturn;', '}'], sig), { open: `${sig} {`, close: '' });
  // The hunk starts at the body's `{` (the signature's last lines are above it): the signature alone.
  assert.deepEqual(lines(['{', '\tphys_addr_t pa;', '', '\tpa = iommu_iova_to_phys(d, a);', '\treturn phys_to_virt(pa);', '}'], sig), { open: sig, close: '' });
  assert.deepEqual(lines(['{', '\tphys_addr_t pa;', '', '\tpa = iommu_iova_to_phys(d, a);'], sig), { open: sig, close: '}' });
  // After the function's end the hunk may go on at file scope: what it leaves open is closed after it.
  assert.deepEqual(lines(['\tx();', '}', '', 'static void acme_tx(struct acme *p)', '{', '\ty();'], sig), { open: `${sig} {`, close: '}' });
});

test('frameFor: no frame where the hunk does not start inside a function, or the header names none', () => {
  const sig = 'static void acme_rx(struct acme *p, dma_addr_t a)';
  assert.equal(frameFor(['}', '', 'static int acme_tx(void)', '{'], sig), undefined, 'starts with the end of the function before');
  assert.equal(frameFor(['static int acme_tx(void)', '{', '\tx();'], sig), undefined, 'starts at file scope');
  assert.equal(frameFor(['\t.probe = acme_probe,', 'int acme_count;', '\tx();'], sig), undefined, 'file-scope code before the end');
  assert.equal(frameFor(['\tx();'], 'struct acme_ring {'), undefined, 'a struct');
  assert.equal(frameFor(['\tx();'], undefined), undefined, 'no header text');
  assert.equal(frameFor(['', '#if 0', ''], sig), undefined, 'no code');
  // A kernel-doc comment above the next function (its lines indented by one space): file scope.
  assert.equal(frameFor([' * @p: the device {', ' *', ' * Return: 0 on success'], sig), undefined, 'a kernel-doc comment');
  assert.deepEqual(lines(['\t/*', '\t * a comment in the body {', '\t */', '\tx();'], sig), { open: `${sig} {`, close: '}' }, 'a comment in a body');
});

test('joinFrames: consecutive hunks of one function are one body, the braces between taking the depth the first left to the one the next needs', () => {
  const sig = 'static void acme_rx(struct acme *p, dma_addr_t a)';
  const first = frameFor(['\tpa = iommu_iova_to_phys(p->domain, a);', '\tif (pa) {', '\t\tx();'], sig)!;
  assert.equal(first.left, 2);
  // The next hunk starts one block deep and closes it: it needs 2 open, as the first left.
  assert.equal(joinFrames(first, sig, frameFor(['\t\ty(pa);', '\t}', '\tva = phys_to_virt(pa);'], sig)!, sig), '');
  // It starts at the function's own level: one brace closed between.
  assert.equal(joinFrames(first, sig, frameFor(['\tva = phys_to_virt(pa);'], sig)!, sig), '}');
  // Three blocks deep: one more opened between.
  assert.equal(joinFrames(first, sig, frameFor(['\t\t\tz();', '\t\t}', '\t}', '\tw();'], sig)!, sig), '{');
  // Another function, a hunk that ends the function, or one that opens a body: no join.
  assert.equal(joinFrames(first, sig, frameFor(['\tx();'], 'static void acme_tx(struct acme *p)')!, 'static void acme_tx(struct acme *p)'), undefined);
  assert.equal(joinFrames(frameFor(['\tx();', '}'], sig)!, sig, frameFor(['\ty();'], sig)!, sig), undefined);
  assert.equal(joinFrames(first, sig, frameFor(['{', '\ty();'], sig)!, sig), undefined);
});
