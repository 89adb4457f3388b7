// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fieldAssignments, functionBodies, skim, topLevel, visible } from './skim';
import { KeepPlan } from './keep';

const SRC = `#include <linux/io.h>
struct s { int a; } g = { 1 };
struct ring { dma_addr_t handle; void *va; };
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

test('a function that defines a kept macro is kept with it', () => {
  const src = `static void setup(struct priv *p)
{
#define RX_VA(p, d) phys_to_virt(d)
	p->ready = 1;
}
static void other(struct priv *p)
{
#ifdef CONFIG_X
	p->x = 1;
#endif
}
`;
  const units = topLevel(src);
  const plan = new KeepPlan([{ text: src, units }]);
  const text = visible(src, skim(src, plan.keep, units).ranges);
  assert.ok(text.includes('#define RX_VA'), 'setup() holds RX_VA, which translates');
  assert.ok(!text.includes('p->x = 1'), 'other() does not');
});

test('functionBodies finds top-level function bodies, not initializers, strings or comments', () => {
  const bodies = functionBodies(SRC);
  // c() opens two braces across #ifdef/#else and closes one: from there on nothing is a
  // closed body, so nothing after it can be blanked (the safe direction).
  assert.deepEqual(bodies.map((b) => b.name), ['a', 'b', 'e']);
  assert.equal(bodies.find((b) => b.name === 'e')!.directive, true);
});

test('skim keeps only what can matter, in place, and the skipped bodies\' field assignments', () => {
  const plan = new KeepPlan([{ text: SRC, units: topLevel(SRC) }]);
  plan.grow(new Set(['b']));
  const r = skim(SRC, plan.keep);
  const text = visible(SRC, r.ranges);
  assert.equal(text.length, SRC.length);
  assert.equal(text.split('\n').length, SRC.split('\n').length);
  assert.ok(!text.includes('kzalloc'), 'a() is left out');
  assert.ok(!text.includes('static int a('), 'a() is left out with its signature');
  assert.ok(!text.includes('#include'), 'preprocessor lines outside definitions are left out');
  assert.ok(!text.includes('g = { 1 }'), 'initializers are left out');
  assert.ok(text.includes('struct ring { dma_addr_t handle;'), 'a struct with a dma_addr_t field is kept');
  assert.ok(text.includes('phys_to_virt(d)'), 'b() names a translation API: kept');
  assert.ok(!text.includes('p->k = 2'), 'e() holds preprocessor lines but translates nothing: left out');
  assert.ok(text.includes('p->k = 1'), 'c() has unbalanced braces across #if: kept to the end of the file');
  assert.ok(text.includes('free_it(b(p, 0))'), 'd() calls b(): kept');
  assert.deepEqual(r.fields.map((f) => `${f.base}.${f.field}=${f.callee ?? f.rhs}`), ['p.buf=kzalloc', 'p.n=0', 'p.k=2']);
  assert.equal(SRC.slice(r.fields[0].index, r.fields[0].index + 7), 'p->buf ');
});

test('fieldAssignments finds what the one-regex definition finds (random statements among C-ish noise)', () => {
  const REFERENCE = /\b([A-Za-z_]\w*)\s*(?:\[[^\]\n]*\]\s*)?(?:->|\.)\s*([A-Za-z_]\w*)\s*(?:[-+*/|&^%]|<<|>>)?=(?!=)\s*([^;]*);/g;
  const ident = fc.constantFrom('p', 'q_1', '_x', 'dma', '9p', 'a1');
  const ws = fc.constantFrom('', ' ', '\n', '\t ');
  // Index expressions hold no assignment (the one place the two differ: `a[p->x = 1].y = 2;`, which is not C anyone writes).
  const index = fc.oneof(fc.constant(''), fc.tuple(ws, fc.constantFrom('[i]', '[ 2*n ]', '[f(x)]', '[]')).map(([w, i]) => w + i));
  const statement = fc
    .tuple(ident, index, ws, fc.constantFrom('->', '.'), ws, ident, ws, fc.constantFrom('=', '|=', '<<=', '==', '!=', '+='), ws, fc.constantFrom('vmalloc(n)', '0', 'p->q', '(void *)f(x)', 'a.b = c'), fc.constantFrom(';', ''))
    .map((parts) => parts.join(''));
  const noise = fc.constantFrom('p', 'x', '9', '->', '.', ' ', '\n', '=', '==', ';', '(', ')', '*', '-', '"', '/', '1.5');
  fc.assert(
    fc.property(fc.array(fc.oneof(statement, noise), { maxLength: 30 }), (parts) => {
      const text = parts.join('');
      const want = [...text.matchAll(REFERENCE)].map((m) => ({ base: m[1], field: m[2], rhs: m[3], index: m.index }));
      assert.deepEqual(fieldAssignments(text), want, JSON.stringify(text));
    }),
    { numRuns: 20000 },
  );
});

test('topLevel sees a preprocessor line inside a body however it is indented, and only at the start of a line', () => {
  const body = (inner: string) => `static void f(struct priv *p)\n{\n\tp->a = 1;\n${inner}\n\tp->b = 2;\n}\nstatic int g;\n`;
  for (const lead of ['#', '\t#', '  \t #', '\r\n#', '\f#', '\v  #', '\n\n\t#']) {
    const units = topLevel(body(`${lead}ifdef X\n\tp->c = 3;${lead}endif`));
    assert.equal(units[0].kind, 'fn', JSON.stringify(lead));
    assert.equal(units[0].directive, true, `directive after ${JSON.stringify(lead)}`);
    assert.equal(units[1].kind, 'decl');
  }
  // Not at the start of a line (after code, a comment or inside a string or a comment): not a directive.
  for (const inner of ['\tp->s = "#x";', '\tp->c = 3; # x', '\t/* c */ #x', '\t/*\n\t#ifdef X\n\t*/', '\t// #ifdef X']) {
    const units = topLevel(body(inner));
    assert.equal(units[0].directive, false, `no directive in ${JSON.stringify(inner)}`);
    assert.equal(units.length, 2);
  }
});

test('topLevel names a function and sees `void` across any whitespace JavaScript calls \\s (Unicode spaces included)', () => {
  const spaces = [...'\t\n\v\f\r \u00a0\u1680\u2000\u2005\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'];
  const ws = fc.array(fc.constantFrom(...spaces), { minLength: 1, maxLength: 4 }).map((a) => a.join(''));
  fc.assert(
    fc.property(ws, ws, fc.boolean(), (a, b, isVoid) => {
      const src = `static${a}${isVoid ? 'void' : 'int'}${a}name_1${b}(int x) { x = 1; }\n`;
      const fn = topLevel(src).find((u) => u.kind === 'fn');
      assert.equal(fn?.name, 'name_1');
      assert.equal(fn?.returnsVoid, isVoid);
    }),
    { numRuns: 500 },
  );
  // A zero-width space is not whitespace: the name cannot be read past it.
  assert.equal(topLevel('static void f\u200b(int x) { }\n').find((u) => u.kind === 'fn')?.name, null);
});

test('topLevel looks for a function\'s name in its own unit only: a `)` without its `(` gives none (it once searched the units before, which made such a file quadratic)', () => {
  // `int g(int a;` ends a declaration; the broken unit after it is no function g.
  const units = topLevel('int g(int a;\nx) { return 0; }\nstatic int h(void) { return 1; }\n');
  assert.deepEqual(
    units.map((u) => [u.kind, u.name]),
    [['decl', null], ['fn', null], ['fn', 'h']],
  );
  // The fuzzer's case: thousands of such units (a repeated chunk) keep the names of the well-formed ones.
  const chunk = 'y) { z(); }\nstatic void *k(void) { return 0; }\n';
  const many = topLevel('int f(int a;\n' + chunk.repeat(5000)).filter((u) => u.kind === 'fn');
  assert.equal(many.length, 10000);
  assert.deepEqual([...new Set(many.map((u) => u.name))], [null, 'k']);
});

test('kept units only blank space apart are one range (tree-sitter pays per range); a comment or a skipped unit between keeps them apart', () => {
  const a = 'void *a(dma_addr_t x) { return phys_to_virt(x); }\n';
  const b = 'void *b(dma_addr_t x) { return phys_to_virt(x); }\n';
  const keepAll = () => true;
  assert.equal(skim(`${a}\n\n  \t\n${b}`, keepAll).ranges.length, 1);
  assert.equal(skim(`${a}/* between */\n${b}`, keepAll).ranges.length, 2);
  const text = `${a}\nint c(void) { return 0; }\n\n${b}`;
  const r = skim(text, (name) => name !== 'c');
  assert.equal(r.ranges.length, 2);
  assert.ok(!visible(text, r.ranges).includes('int c'));
});
