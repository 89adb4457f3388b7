// SPDX-License-Identifier: MIT
// matchesInCode(): a whole-file text test answered by code only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { blankMacroComments, matchesInCode } from './code-text';

const RE = /\biommu_domain_alloc\s*\(/g;

test('matchesInCode: code matches; comments, strings and character literals do not', () => {
  const rows: [string, boolean][] = [
    ['d = iommu_domain_alloc(bus);', true],
    ['/* iommu_domain_alloc() */', false],
    ['// iommu_domain_alloc()\n', false],
    ['// a comment that goes on \\\n iommu_domain_alloc(bus)\nx;', false],
    ['// a comment\r\nd = iommu_domain_alloc(bus);', true],
    ['pr_info("iommu_domain_alloc(%d)", x);', false],
    ['pr_info("\\"iommu_domain_alloc(");', false],
    ["c = '\"'; d = iommu_domain_alloc(bus);", true],
    ['/* one */ x = "two"; /* iommu_domain_alloc( */ d = iommu_domain_alloc(b);', true],
    ['s = "unclosed\nd = iommu_domain_alloc(bus);', true],
    ['/* never closed iommu_domain_alloc(', false],
    ['', false],
  ];
  for (const [text, want] of rows) assert.equal(matchesInCode(RE, text), want, JSON.stringify(text));
});

test('matchesInCode agrees with a test of the text with its comments and literals removed (random C-ish text)', () => {
  // Pieces whose kind is known: the answer is whether a code piece holds the name.
  const code = fc.constantFrom('x = 1;', 'd = iommu_domain_alloc(bus);', 'a / b * c;', 'p->q', '\n', ' ', 'iommu_domain_alloc (dev)', 'y = a/ *b;');
  const comment = fc.constantFrom('/* iommu_domain_alloc( */', '/* "quote\' */', '// iommu_domain_alloc(\n', '/***/', '/* a\nb */');
  const literal = fc.constantFrom('"iommu_domain_alloc("', '"/* not a comment"', "'\\''", '"a\\"iommu_domain_alloc(\\""', "'x'", '"//"');
  const piece = fc.oneof(code.map((t) => ({ t, code: true })), comment.map((t) => ({ t, code: false })), literal.map((t) => ({ t, code: false })));
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 12 }), (ps) => {
      // Joined with spaces so that no two pieces make a new token (`/` then `*`).
      const text = ps.map((p) => p.t).join(' ');
      const want = ps.some((p) => p.code && /\biommu_domain_alloc\s*\(/.test(p.t));
      assert.equal(matchesInCode(RE, text), want, JSON.stringify(text));
    }),
    { numRuns: 2000 },
  );
});

test('blankMacroComments: comments inside a #define (and its continuation lines) become spaces, offsets and lines kept; others stay', () => {
  const src = [
    '/* file comment */',
    '#define M(p, a) do { \\',
    '\tf(a); /* why */ \\',
    '\t/* two \\',
    '\t   lines */ g(a); \\',
    '} while (0)',
    'int x; /* code comment */',
    '#define PAT "/*" /* real */',
    '  # define N(a) (a) /* indented */',
    '',
  ].join('\n');
  const out = blankMacroComments(src);
  assert.equal(out.length, src.length);
  assert.deepEqual(out.split('\n').map((l) => l.length), src.split('\n').map((l) => l.length), 'every line keeps its length');
  assert.deepEqual(out.split('\n'), [
    '/* file comment */',
    '#define M(p, a) do { \\',
    '\tf(a);           \\',
    '\t       \\',
    '             g(a); \\',
    '} while (0)',
    'int x; /* code comment */',
    '#define PAT "/*" /* real */',
    '  # define N(a) (a)               ',
    '',
  ]);
  assert.equal(blankMacroComments('int x; /* no macro */\n'), 'int x; /* no macro */\n');
  const crlf = '#define M(a) f(a); /* c */ \\\r\n\tg(a)\r\n';
  assert.equal(blankMacroComments(crlf), '#define M(a) f(a);         \\\r\n\tg(a)\r\n');
});

/** blankMacroComments as it was first written: each comment's line, #define and quotes asked afresh (quadratic on a long line of comments, but plainly right). */
function blankMacroCommentsByLine(text: string): string {
  const inDefine = (i: number) => {
    let start = text.lastIndexOf('\n', i - 1) + 1;
    for (let n = 0; start > 1 && n < 1000; n++) {
      const prevEnd = text.charCodeAt(start - 2) === 13 ? start - 3 : start - 2;
      if (text.charCodeAt(prevEnd) !== 92) break;
      start = text.lastIndexOf('\n', prevEnd - 1) + 1;
    }
    return /^[ \t]*#[ \t]*define\b/.test(text.slice(start, start + 80));
  };
  const inString = (i: number) => {
    let quotes = 0;
    for (let j = text.lastIndexOf('\n', i - 1) + 1; j < i; j++) {
      const c = text.charCodeAt(j);
      if (c === 92) j++;
      else if (c === 34) quotes++;
    }
    return quotes % 2 === 1;
  };
  let out = '';
  let at = 0;
  for (let i = text.indexOf('/*'); i >= 0; i = text.indexOf('/*', i)) {
    const close = text.indexOf('*/', i + 2);
    const end = close < 0 ? text.length : close + 2;
    if (inDefine(i) && !inString(i)) {
      out += text.slice(at, i) + text.slice(i, end).replace(/\\(?=\r?\n)|[^\r\n]/g, (c) => (c === '\\' ? c : ' '));
      at = end;
    }
    i = end;
  }
  return at === 0 ? text : out + text.slice(at);
}

test('blankMacroComments walks forward once and answers as asking each comment afresh did (random macro-ish text)', () => {
  const piece = fc.constantFrom('#define M(a) ', '  # define X ', '#if 1', 'f(a);', '/*', '*/', '/* c */', '"', '\\"', '\\', '\\\n', '\\\r\n', '\n', '\r\n', ' ', 'x', '"/*"', '//');
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
      const text = parts.join('');
      assert.equal(blankMacroComments(text), blankMacroCommentsByLine(text));
    }),
    { numRuns: 3000 },
  );
});

test('blankMacroComments on a 10,000-character line of comments in a #define (damaged text) blanks them all', () => {
  const line = '#define M(a) f(a); ' + '/* c */ "x" '.repeat(2_000);
  const out = blankMacroComments(`${line}\nint y; /* kept */\n`);
  assert.equal(out.length, line.length + 19, "offsets kept");
  assert.ok(!out.slice(0, line.length).includes('/*'));
  assert.equal((out.slice(0, line.length).match(/"x"/g) ?? []).length, 2_000);
  assert.ok(out.endsWith('int y; /* kept */\n'));
});
