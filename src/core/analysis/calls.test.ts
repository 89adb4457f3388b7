// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { calledNames, callsTo, namesIn } from './calls';

test('calledNames and callsTo see calls as text', () => {
  assert.deepEqual([...calledNames('x = foo (a, bar(b)); if (c) baz();')].sort(), ['bar', 'baz', 'foo', 'if']);
  const re = callsTo(['nicvf_iova_to_phys', 'a.b']);
  assert.ok(re.test('buf = nicvf_iova_to_phys (nic, iova);'));
  assert.ok(!re.test('buf = my_nicvf_iova_to_phys(nic, iova);'), 'a longer name is another function');
  assert.ok(!re.test('p = nicvf_iova_to_phys;'), 'naming is not calling');
  assert.ok(!re.test('ab(x)'), 'names are literals, not patterns');
});

// scan-group.ts rules out files with namesIn() on their raw bytes read as
// latin1 before decoding them as UTF-8 for callsTo(): that is sound only if
// every UTF-8 text callsTo() matches has its bytes matched by namesIn().
test('namesIn on latin1 bytes holds whenever callsTo holds on the UTF-8 text (property)', () => {
  const names = ['nicvf_iova_to_phys', 'rx_buf', 'q'];
  const utf8 = (x: string) => Buffer.from(x, 'utf8');
  // Text around the call: names, spaces (Unicode ones too), word characters, and raw (often invalid) bytes.
  const noise = fc
    .array(fc.oneof(fc.constantFrom(...names, ' ', '\u00a0', '\u2000', '\n', 'x', '_', 'é', ';', 'nicvf_', '(').map(utf8), fc.uint8Array({ minLength: 1, maxLength: 3 }).map((b) => Buffer.from(b))), { maxLength: 6 })
    .map((parts) => Buffer.concat(parts));
  // Half the inputs are built around a call `name <gap> (`, so the implication is exercised.
  const call = fc.tuple(noise, fc.constantFrom(...names), fc.constantFrom('', ' ', '\t', '\u00a0', '\u2000', '\n '), noise).map(([a, n, gap, b]) => Buffer.concat([a, utf8(`${n}${gap}(`), b]));
  const bytes = fc.oneof(call, noise);
  const calls = callsTo(names);
  const quick = namesIn(names);
  let hits = 0;
  fc.assert(
    fc.property(bytes, (buf) => {
      const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
      if (calls.test(text)) {
        hits++;
        assert.ok(quick.test(buf.toString('latin1')), JSON.stringify([...buf]));
      }
    }),
    { numRuns: 5000 },
  );
  assert.ok(hits > 1000, `only ${hits} inputs held a call`);
});
