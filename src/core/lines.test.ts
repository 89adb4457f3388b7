// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toCodePointColumns, toUtf16Columns } from './lines';

const at = (path: string, line: number, column: number, endColumn = column + 3) => ({ path, line, column, endLine: line, endColumn, related: [] as { path: string; line: number; column: number }[] });

test('columns after a character outside the BMP: UTF-16 units for the editor, characters for the CLI', () => {
  // Line 2: a two-unit emoji in a comment before the call.
  const text = 'int x;\n/* 🚀 */ p = phys_to_virt(a);\n';
  const utf16 = at('a.c', 2, text.split('\n')[1].indexOf('phys') + 1);
  assert.equal(utf16.column, 14);
  const chars = toCodePointColumns([utf16], () => text)[0];
  assert.equal(chars.column, 13, 'the emoji is one character');
  assert.equal(chars.endColumn, 16);
  assert.deepEqual(toUtf16Columns([chars], () => text)[0], utf16);
});

test('files without such a character keep their columns (and are not read twice)', () => {
  let reads = 0;
  const f = [at('b.c', 1, 5), at('b.c', 1, 9)];
  const out = toUtf16Columns(f, () => {
    reads++;
    return 'int phys_to_virt;\n';
  });
  assert.deepEqual(out, f);
  assert.equal(reads, 1);
});

test('toUtf16Columns undoes toCodePointColumns on any line', () => {
  const char = fc.constantFrom('a', ' ', 'é', '🚀', '\t', '𝔸');
  fc.assert(
    fc.property(fc.array(char, { minLength: 1, maxLength: 40 }), fc.nat(), (chars, k) => {
      const line = chars.join('');
      const text = `x\n${line}\n`;
      // A UTF-16 column on a character boundary of line 2.
      const boundaries = [0];
      for (const c of chars) boundaries.push(boundaries[boundaries.length - 1] + c.length);
      const column = boundaries[k % boundaries.length] + 1;
      const f = at('c.c', 2, column, column);
      assert.deepEqual(toUtf16Columns(toCodePointColumns([f], () => text), () => text)[0], f);
    }),
  );
});
