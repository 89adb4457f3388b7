// SPDX-License-Identifier: MIT
// A finding's guard: the step of its chain whose result the code tests for 0
// around the use (`if (phys_addr) put_page(…)`, `if (!pa) return …;`), which
// the emulator's Replay honours. Only a test that holds on every path to the
// use counts; the CLI's JSON and SARIF never carry it (SPEC §1.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, show } from '../testing/check';
import { formatJson } from '../formats/json';
import type { Finding } from '../types';

const NICVF = ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'];

/** The linear-map-assumption finding of a snippet whose body is `body` after a lookup into `pa`. */
async function lma(body: string, lookup = 'pa = iommu_iova_to_phys(d, dma);'): Promise<Finding> {
  const code = `
static void acme_free(struct iommu_domain *d, dma_addr_t dma, int len)
{
	phys_addr_t pa;

	${lookup}
	${body}
}
`;
  const fs = await check(code, { rule: 'linear-map-assumption' });
  assert.equal(fs.length, 1, show(fs));
  return fs[0];
}

test('the nicvf sample: every finding of the guarded uses carries guard step 1 (the helper\'s result)', async () => {
  const dir = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'workspace', 'drivers', 'net', 'ethernet', 'cavium', 'thunder');
  const files: Record<string, string> = {};
  for (const f of ['nicvf_queues.c', 'nicvf_queues.h']) files[`drivers/net/ethernet/cavium/thunder/${f}`] = readFileSync(join(dir, f), 'utf8');
  const fs = await check(files);
  const got = fs.map((f) => `${f.path.split('/').pop()}:${f.line} ${f.rule} ${f.chain.join(',')} ${JSON.stringify(f.guard)}`);
  assert.deepEqual(got, [
    `nicvf_queues.c:50 linear-map-assumption ${NICVF.join(',')} {"step":1}`,
    'nicvf_queues.c:64 linear-map-assumption dma-handle,iova-to-phys|identity,phys-to-virt,cpu-access {"step":1}',
    `nicvf_queues.h:32 iova-reverse-lookup ${NICVF.join(',')} {"step":1}`,
    `nicvf_queues.h:33 dma-addr-as-phys ${NICVF.join(',')} {"step":1}`,
  ]);
  // The CLI's JSON contract has no such key.
  const json = formatJson({ tool: 'iova-lens', version: '0', root: '/', filesScanned: 2, durationMs: 0, findings: fs, errors: [] });
  assert.ok(!json.includes('"guard"'), json);
});

test('tests for 0 that hold at the use: if (pa), if (!pa) return, else-arm, &&, an order against 0, a conditional expression\'s arm, a switch\'s case 0', async () => {
  const chain = ['dma-handle', 'iova-to-phys', 'phys-to-virt', 'virt-to-page', 'put-page'];
  for (const body of [
    'if (pa)\n\t\tput_page(virt_to_page(phys_to_virt(pa)));',
    'if (pa != 0)\n\t\tput_page(virt_to_page(phys_to_virt(pa)));',
    'if (unlikely(!pa))\n\t\treturn;\n\tput_page(virt_to_page(phys_to_virt(pa)));',
    'if (pa == 0) {\n\t\tdev_err(dev, "no page");\n\t\treturn;\n\t}\n\tput_page(virt_to_page(phys_to_virt(pa)));',
    'if (!pa)\n\t\tdev_err(dev, "no page");\n\telse\n\t\tput_page(virt_to_page(phys_to_virt(pa)));',
    'if (pa && len)\n\t\tput_page(virt_to_page(phys_to_virt(pa)));',
    // An order against 0: true for `> 0`, `0 <`; false for `<= 0`.
    'if (pa > 0)\n\t\tput_page(virt_to_page(phys_to_virt(pa)));',
    'if (0 < pa)\n\t\tput_page(virt_to_page(phys_to_virt(pa)));',
    'if (pa <= 0)\n\t\treturn;\n\tput_page(virt_to_page(phys_to_virt(pa)));',
    // The arm of a conditional expression on the side of the test that says "not 0".
    'put_page(pa ? virt_to_page(phys_to_virt(pa)) : NULL);',
    'void *va = pa ? phys_to_virt(pa) : NULL;\n\n\tif (!va)\n\t\treturn;\n\tput_page(virt_to_page(va));',
    'void *va = !pa ? NULL : phys_to_virt(pa);\n\n\tif (va)\n\t\tput_page(virt_to_page(va));',
    // A switch with a case for 0 that stops there: its other arms see a value that is not 0.
    'switch (pa) {\n\tcase 0:\n\t\treturn;\n\tdefault:\n\t\tput_page(virt_to_page(phys_to_virt(pa)));\n\t}',
    'switch (pa) {\n\tcase 0x1000:\n\t\tput_page(virt_to_page(phys_to_virt(pa)));\n\t\tbreak;\n\tcase 0UL:\n\t\tbreak;\n\t}',
  ]) {
    const f = await lma(body);
    assert.deepEqual(f.chain, chain, body);
    assert.deepEqual(f.guard, { step: 1 }, body);
  }
});

test('no guard where the use can still see a 0: no test, a test that falls through, a warning, one path of two, ||, a switch without case 0 or falling through from it', async () => {
  for (const body of [
    'put_page(virt_to_page(phys_to_virt(pa)));',
    'if (!pa)\n\t\tdev_err(dev, "no page");\n\tput_page(virt_to_page(phys_to_virt(pa)));',
    'WARN_ON(!pa);\n\tput_page(virt_to_page(phys_to_virt(pa)));',
    'if (len) {\n\t\tif (!pa)\n\t\t\treturn;\n\t}\n\tput_page(virt_to_page(phys_to_virt(pa)));',
    'if (pa || len)\n\t\tput_page(virt_to_page(phys_to_virt(pa)));',
    // `>= 0` is true for 0; past a conditional expression its test holds on one side only.
    'if (pa >= 0)\n\t\tput_page(virt_to_page(phys_to_virt(pa)));',
    'len = pa ? len : 0;\n\tput_page(virt_to_page(phys_to_virt(pa)));',
    'void *va = pa ? NULL : phys_to_virt(pa);\n\n\tif (!va)\n\t\treturn;\n\tput_page(virt_to_page(va));',
    // A switch without a case for 0, or whose case 0 falls through into the use.
    'switch (pa) {\n\tcase 0x1000:\n\t\treturn;\n\tdefault:\n\t\tput_page(virt_to_page(phys_to_virt(pa)));\n\t}',
    'switch (pa) {\n\tcase 0:\n\t\tdev_err(dev, "no page");\n\tdefault:\n\t\tput_page(virt_to_page(phys_to_virt(pa)));\n\t}',
  ]) {
    const f = await lma(body);
    assert.equal(f.guard, undefined, `${body}: ${JSON.stringify(f.guard)}`);
  }
});

test('the identity fallback beside a tested lookup (nicvf\'s helper inline): the test covers the joined variable', async () => {
  const f = await lma('if (pa)\n\t\tput_page(virt_to_page(phys_to_virt(pa)));', 'pa = d ? iommu_iova_to_phys(d, dma) : dma;');
  assert.deepEqual(f.chain, NICVF);
  assert.deepEqual(f.guard, { step: 1 });
});

/** A helper that tests its lookup and returns NULL for a 0. */
const RX_VA = `
static void *acme_rx_va(struct iommu_domain *d, dma_addr_t dma)
{
	phys_addr_t pa = iommu_iova_to_phys(d, dma);

	if (!pa)
		return NULL;
	return phys_to_virt(pa);
}
`;

test('a helper that tests its lookup and converts only a non-zero one: its caller\'s chain has the test at the lookup', async () => {
  const fs = await check(RX_VA, { rule: 'linear-map-assumption' });
  assert.equal(fs.length, 1, show(fs));
  assert.deepEqual(fs[0].chain, ['dma-handle', 'iova-to-phys', 'phys-to-virt']);
  assert.deepEqual(fs[0].guard, { step: 1 });
});

test("a helper that returns NULL for its lookup's 0: the caller's chain has the test only if the caller tests that NULL (review of the guard)", async () => {
  const helper = RX_VA;
  const untested = await check(`${helper}\nstatic void acme_free(struct iommu_domain *d, dma_addr_t dma)\n{\n\tput_page(virt_to_page(acme_rx_va(d, dma)));\n}\n`, { rule: 'linear-map-assumption' });
  const use = untested.find((f) => f.chain.at(-1) === 'put-page');
  assert.ok(use, show(untested));
  assert.equal(use.guard, undefined, 'put_page(virt_to_page(NULL)) goes on: no guard');
  const tested = await check(`${helper}\nstatic void acme_free(struct iommu_domain *d, dma_addr_t dma)\n{\n\tvoid *va = acme_rx_va(d, dma);\n\n\tif (!va)\n\t\treturn;\n\tput_page(virt_to_page(va));\n}\n`, { rule: 'linear-map-assumption' });
  const use2 = tested.find((f) => f.chain.at(-1) === 'put-page');
  assert.ok(use2, show(tested));
  assert.deepEqual(use2.guard, { step: 1 }, "the caller's NULL test is the helper's test of its lookup");
});

test('no guard where what is tested is not the lookup itself: an offset added first, or phys_to_virt()\'s result (never 0)', async () => {
  for (const [body, lookup] of [
    ['if (!pa)\n\t\treturn;\n\tput_page(virt_to_page(phys_to_virt(pa)));', 'pa = iommu_iova_to_phys(d, dma & PAGE_MASK) + offset_in_page(dma);'],
    ['pa += 64;\n\tif (!pa)\n\t\treturn;\n\tput_page(virt_to_page(phys_to_virt(pa)));', undefined],
    ['pa |= 1;\n\tif (!pa)\n\t\treturn;\n\tput_page(virt_to_page(phys_to_virt(pa)));', undefined],
  ] as const) {
    const f = await lma(body, lookup);
    assert.equal(f.guard, undefined, `${lookup ?? ''} ${body}: ${JSON.stringify(f.guard)}`);
  }
  // Tested, then offset: the test was of the lookup.
  assert.deepEqual((await lma('if (!pa)\n\t\treturn;\n\tpa += 64;\n\tput_page(virt_to_page(phys_to_virt(pa)));')).guard, { step: 1 });
  const va = await check(`
static void acme_free(struct iommu_domain *d, dma_addr_t dma)
{
	void *va = phys_to_virt(iommu_iova_to_phys(d, dma));

	if (!va)
		return;
	put_page(virt_to_page(va));
}
`, { rule: 'linear-map-assumption' });
  assert.ok(va.length > 0, show(va));
  assert.ok(va.every((f) => f.guard === undefined), show(va));
});
