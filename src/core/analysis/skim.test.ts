// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { functionBodies, skim } from './skim';
import { keepFor } from './project';

const SRC = `#include <linux/io.h>
struct s { int a; } g = { 1 };
static const char *str = "{ not a body }";
/* void fake(void) { } */
static int a(struct priv *p)
{
	p->buf = kzalloc(64, GFP_KERNEL);
	p->n = 0;
	return 1;
}
static void *b(struct priv *p, dma_addr_t d)
{
	return phys_to_virt(d);
}
static void e(struct priv *p)
{
#ifdef X
	p->k = 2;
#endif
}
static void c(struct priv *p)
{
#ifdef X
	if (p) {
#else
	if (!p) {
#endif
		p->k = 1;
	}
}
static void d(struct priv *p) { free_it(b(p, 0)); }
`;

test('functionBodies finds top-level function bodies, not initializers, strings or comments', () => {
  const bodies = functionBodies(SRC);
  // c() opens two braces across #ifdef/#else and closes one: from there on nothing is a
  // closed body, so nothing after it can be blanked (the safe direction).
  assert.deepEqual(bodies.map((b) => b.name), ['a', 'b', 'e']);
  assert.equal(bodies.find((b) => b.name === 'e')!.directive, true);
});

test('skim blanks irrelevant bodies in place and keeps their field assignments', () => {
  const keep = keepFor([SRC]);
  const r = skim(SRC, keep);
  assert.equal(r.text.length, SRC.length);
  assert.equal(r.text.split('\n').length, SRC.split('\n').length);
  assert.ok(!r.text.includes('kzalloc'), 'a() is blanked');
  assert.ok(r.text.includes('phys_to_virt(d)'), 'b() names a translation API: kept');
  assert.ok(r.text.includes('p->k = 2'), 'e() holds preprocessor lines: never blanked');
  assert.ok(r.text.includes('p->k = 1'), 'c() has unbalanced braces across #if: never blanked');
  assert.ok(r.text.includes('free_it(b(p, 0))'), 'd() calls b(): kept');
  assert.deepEqual(r.fields.map((f) => `${f.base}.${f.field}=${f.callee ?? f.rhs}`), ['p.buf=kzalloc', 'p.n=0']);
  assert.equal(SRC.slice(r.fields[0].index, r.fields[0].index + 7), 'p->buf ');
});
