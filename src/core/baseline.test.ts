// SPDX-License-Identifier: MIT
// --baseline: known findings by rule + path + function + message, counted,
// nearest line first; a broken baseline file is one line saying what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BaselineError, newFindings, parseBaseline, type BaselineEntry } from './baseline';

type F = { rule: string; path: string; function: string | null; message: string; line: number };
const P2V = 'phys_to_virt() assumes a linear-map address: …';
const f = (line: number, over: Partial<F> = {}): F => ({ rule: 'linear-map-assumption', path: 'drivers/x/a.c', function: 'rx', message: P2V, line, ...over });
const lines = (xs: F[]) => xs.map((x) => x.line);

test('known findings stay known when code moves; a changed rule, path, function or message is new', () => {
  const base: BaselineEntry[] = [f(100), f(200, { function: 'tx' })];
  assert.deepEqual(newFindings([f(140), f(260, { function: 'tx' })], base), [], 'lines shifted');
  for (const [what, changed] of [
    ['rule', f(100, { rule: 'dma-addr-as-phys' })],
    ['path', f(100, { path: 'drivers/x/b.c' })],
    ['function', f(100, { function: 'rx_one' })],
    ['file scope', f(100, { function: null })],
    ['message', f(100, { message: 'virt_to_page() assumes a linear-map address: …' })],
  ] as const) assert.deepEqual(lines(newFindings([changed], base)), [100], what);
});

test('counted: one more finding with the same key is new — the one farthest from the known lines', () => {
  // The function had one phys_to_virt() finding at line 100; a patch adds another at 40 and the old one moves to 103.
  assert.deepEqual(lines(newFindings([f(40), f(103)], [f(100)])), [40]);
  // Three known (dpaa_eth.c's sg_fd_to_skb() has three with one message), four now.
  assert.deepEqual(lines(newFindings([f(1814), f(1825), f(1850), f(1897)], [f(1814), f(1825), f(1897)])), [1850]);
  // Fewer than known: nothing new (fixed ones are simply gone).
  assert.deepEqual(newFindings([f(10)], [f(10), f(20)]), []);
  // Equally near: the earlier current line takes the known one.
  assert.deepEqual(lines(newFindings([f(90), f(110)], [f(100)])), [110]);
});

const arbF = fc.record({
  rule: fc.constantFrom('linear-map-assumption', 'dma-addr-as-phys'),
  path: fc.constantFrom('a.c', 'b.h'),
  function: fc.constantFrom('rx', 'tx', null),
  message: fc.constantFrom(P2V, 'other'),
  line: fc.integer({ min: 1, max: 500 }),
});

test('property: a report against its own baseline, with every line moved, has nothing new; k added findings give exactly k', () => {
  fc.assert(
    fc.property(fc.array(arbF, { maxLength: 30 }), fc.array(arbF, { maxLength: 10 }), fc.integer({ min: -50, max: 50 }), (known, added, shift) => {
      const moved = known.map((x) => ({ ...x, line: Math.max(1, x.line + shift) }));
      assert.deepEqual(newFindings(moved, known), []);
      const now = [...moved, ...added];
      const fresh = newFindings(now, known);
      assert.equal(fresh.length, added.length);
      // What is reported is a sub-multiset of the report (nothing invented, nothing twice).
      for (const x of fresh) assert.ok(now.includes(x));
      assert.equal(new Set(fresh).size, fresh.length);
    }),
    { numRuns: 300 },
  );
});

test('a baseline that is not an iova-lens JSON report is one line saying what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['not json', /^not JSON \(/],
    ['[]', /expected an object with "findings"/],
    ['{"findings": 3}', /"findings" is not an array/],
    ['{"findings": [1]}', /^findings\[0\] is not an object$/],
    ['{"findings": [{"path": "a.c", "function": null, "message": "m", "line": 1}]}', /^findings\[0\]\.rule is not a string$/],
    ['{"findings": [{"rule": "r", "path": "a.c", "function": 3, "message": "m", "line": 1}]}', /^findings\[0\]\.function is neither a string nor null$/],
    ['{"findings": [{"rule": "r", "path": "a.c", "function": null, "message": "m", "line": 0}]}', /^findings\[0\]\.line is not a line number$/],
  ];
  for (const [text, want] of cases) {
    assert.throws(() => parseBaseline(text), (e: unknown) => e instanceof BaselineError && want.test(e.message) && !e.message.includes('\n'), text);
  }
  // A real report's extra fields are fine; an empty report knows nothing.
  assert.deepEqual(parseBaseline('{"tool":"iova-lens","findings":[{"path":"a.c","line":3,"column":1,"rule":"r","function":"fn","message":"m","chain":[]}],"errors":[]}'), [{ rule: 'r', path: 'a.c', function: 'fn', message: 'm', line: 3 }]);
  assert.deepEqual(parseBaseline('{"findings": []}'), []);
});
