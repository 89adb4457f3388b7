// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { declaredIn } from './declared';

test('dma_addr_t scalars: parameters, locals, lists and initializers; not pointers', () => {
  const d = declaredIn(`static int acme(struct device *dev, dma_addr_t iova, size_t len)
{
	dma_addr_t a, b = f(x, y), c[4];
	dma_addr_t *handles;
	u64 other;
	dma_addr_t addr = (dma_addr_t)td->next;
	return 0;
}`);
  assert.deepEqual([...d.dma].sort(), ['a', 'addr', 'b', 'c', 'iova']);
});

test('struct pointers: parameters and locals, one tag each; a name declared with two tags is left out', () => {
  const d = declaredIn(`static void acme(struct pch_udc_request *req, struct device *dev)
{
	struct pch_udc_data_dma_desc *td = req->td_data, *last;
	struct acme_a *x;
	struct acme_b *x;
	struct acme_ring ring;
	const struct acme_ops *ops;
}`);
  assert.deepEqual(Object.fromEntries(d.structs), { req: 'pch_udc_request', dev: 'device', td: 'pch_udc_data_dma_desc', last: 'pch_udc_data_dma_desc', ring: 'acme_ring', ops: 'acme_ops' });
});

test('odd text: no declarations, unbalanced brackets, a very long initializer', () => {
  assert.deepEqual(declaredIn('').dma.size, 0);
  assert.deepEqual([...declaredIn('dma_addr_t x = (a[1 , 2').dma], ['x']);
  assert.deepEqual([...declaredIn(`dma_addr_t y[] = {${'1,'.repeat(5000)}}, z;`).dma], ['y']);
  assert.deepEqual([...declaredIn('struct').structs], []);
});
