// SPDX-License-Identifier: MIT
// checkPostImages(), the patch analysis of the CLI and the editor: per driver
// folder, only what can matter — and the same findings as parsing every
// post-image and every file of its folders whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testParser } from './testing/check';
import { Checker, compareFindings } from './engine';
import { DEFAULT_CONFIG } from './config';
import { parseDiff, postImages } from './patch';
import { checkPostImages, type FolderFile } from './patch-check';

const HEADER = `static inline u64 acme_iova_to_phys(struct acme *a, dma_addr_t dma)
{
	if (a->domain)
		return iommu_iova_to_phys(a->domain, dma);
	return dma;
}
`;

/** A patch adding one file that calls the folder's helper, one that names an API, one that does neither, in two folders. */
const PATCH = [
  ['drivers/acme/rx.c', 'void acme_rx(struct acme *a, u64 d)\n{\n\tput_page(virt_to_page(phys_to_virt(acme_iova_to_phys(a, d))));\n}\n'],
  ['drivers/acme/direct.c', 'void *acme_va(struct iommu_domain *dom, dma_addr_t d)\n{\n\treturn phys_to_virt(iommu_iova_to_phys(dom, d));\n}\n'],
  ['drivers/acme/plain.c', 'int acme_plain(int x)\n{\n\treturn x + 1;\n}\n'],
  ['drivers/other/o.c', 'void *o_va(struct iommu_domain *dom, dma_addr_t d)\n{\n\treturn __va(iommu_iova_to_phys(dom, d));\n}\n'],
]
  .map(([path, text]) => {
    const lines = text.split('\n').slice(0, -1);
    return `--- /dev/null\n+++ b/${path}\n@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}\n`;
  })
  .join('');

const TREE: Record<string, FolderFile[]> = {
  'drivers/acme': [
    { key: 'drivers/acme/acme.h', text: HEADER },
    { key: 'drivers/acme/unrelated.c', text: 'int acme_unrelated(void)\n{\n\treturn 0;\n}\n' },
  ],
  'drivers/other': [],
};

test('checkPostImages: per folder, with the folder\'s other files, the same findings as a whole parse of everything', async () => {
  const parser = await testParser();
  const images = postImages(parseDiff(PATCH), () => undefined);
  const asked: string[] = [];
  const got = checkPostImages(images, (dir, touched) => {
    asked.push(dir);
    assert.ok(TREE[dir].every((f) => !touched.has(f.key)));
    return TREE[dir];
  }, parser, DEFAULT_CONFIG);
  assert.deepEqual(asked.sort(), ['drivers/acme', 'drivers/other']);
  // The reference: every post-image and every folder file parsed whole, findings kept on added lines.
  const whole = new Checker(parser, DEFAULT_CONFIG);
  try {
    for (const img of images) whole.setFile(img.path, img.text);
    for (const list of Object.values(TREE)) for (const f of list) whole.setFile(f.key, f.text);
    const added = new Map(images.map((i) => [i.path, i.added]));
    const want = whole.check(images.map((i) => i.path)).filter((f) => added.get(f.path)?.has(f.line)).sort(compareFindings);
    assert.deepEqual(got, want);
  } finally {
    whole.project.dispose();
  }
  // The helper in the untouched header is what makes rx.c's line a finding.
  assert.ok(got.some((f) => f.path === 'drivers/acme/rx.c' && f.rule === 'linear-map-assumption'), JSON.stringify(got.map((f) => [f.path, f.rule])));
  assert.ok(got.some((f) => f.path === 'drivers/other/o.c'));
  assert.ok(!got.some((f) => f.path === 'drivers/acme/plain.c'));
});

test('without a tree, two hunks of one function are one body: a lookup in the first reaches its use in the second', async () => {
  const parser = await testParser();
  const sig = 'static struct sk_buff *acme_rx_skb(struct acme_priv *priv,';
  const diff = [
    '--- a/drivers/acme/acme_rx.c',
    '+++ b/drivers/acme/acme_rx.c',
    `@@ -20,6 +20,6 @@ ${sig}`,
    ' \tif (!len)',
    ' \t\treturn NULL;',
    '-\tpa = iommu_iova_to_phys(priv->dom, iova);',
    '+\tpa = iommu_iova_to_phys(priv->domain, iova);',
    ' \tif (pa) {',
    ' \t\tprefetch(priv);',
    ' \t\tpriv->stats.rx++;',
    `@@ -40,6 +40,6 @@ ${sig}`,
    ' \t\tpriv->stats.bytes += len;',
    ' \t}',
    ' ',
    '-\tva = page_address(pg);',
    '+\tva = phys_to_virt(pa);',
    ' \treturn build_skb(va, len);',
    ' }',
  ].join('\n');
  const images = postImages(parseDiff(diff), () => undefined);
  const text = images[0].text.split('\n');
  // One signature above the first hunk, the braces it leaves open (the function's and the if's) kept across the gap.
  assert.equal(text[18], 'static struct sk_buff *acme_rx_skb(struct acme_priv *priv) {');
  assert.equal(text[25], '', 'no closing brace after the first hunk');
  assert.equal(text[38], '', 'no second signature, no brace: the first hunk left the if open, the second closes it');
  const found = checkPostImages(images, () => [], parser, DEFAULT_CONFIG).map((f) => `${f.line}:${f.rule}`);
  assert.deepEqual(found, ['22:iova-phys-unchecked', '22:iova-reverse-lookup', '43:linear-map-assumption']);
});
