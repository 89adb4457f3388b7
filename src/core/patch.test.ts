// SPDX-License-Identifier: MIT
// The diff reader on damaged and odd input: whatever the text, it either
// reads it or says in one DiffError why not, and applying what it read to a
// tree never throws (the CLI turns a DiffError into one line and exit 2; any
// other exception would be an internal error with a stack trace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DiffError, parseDiff, postImages, withoutColor, type FileDiff } from './patch';
import { decodeMail } from './mail';

const piece = fc.constantFrom(
  'diff --git a/x.c b/x.c\n', '--- a/x.c\n', '+++ b/x.c\n', '--- /dev/null\n', '+++ /dev/null\n', '--- a/y.c\n', '+++ b/z.c\n',
  '@@ -1,2 +1,3 @@\n', '@@ -0,0 +1 @@\n', '@@ -5 +5,0 @@\n', '@@ -2,1 +2,1 @@ fn\n', ' ctx\n', '+add\n', '-del\n', '\n', '\r\n',
  '\\ No newline at end of file\n', 'From 1234567890123456789012345678901234567890 Mon Sep 17 00:00:00 2001\n', 'rename from a.c\n', 'rename to b.c\n',
  'Content-Transfer-Encoding: quoted-printable\n', '=3D', '=\n', 'x', `commit ${'a'.repeat(40)}\n`, 'Subject: [PATCH 0/2] x\n',
  // (Hunks framed as a function's body: a header naming one, body lines, braces.)
  '@@ -3,2 +3,3 @@ static int f(int a,\n', '@@ -9 +10,2 @@ void g(void)\n', ' \tx();\n', '+\ty(pa);\n', ' {\n', ' }\n', ' \t} else {\n', '+\tif (a) {\n',
);

test('property: any text is read or refused with a DiffError, and its post-images are built without an exception', () => {
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), fc.constantFrom(undefined, '', 'ctx\nctx\nadd\n', 'ctx\n'.repeat(300)), (parts, tree) => {
      let diffs;
      try {
        diffs = parseDiff(decodeMail(parts.join('')));
      } catch (e) {
        assert.ok(e instanceof DiffError, String(e));
        assert.ok(!(e as Error).message.includes('\n'), 'one line');
        return;
      }
      const images = postImages(diffs, () => tree);
      for (const img of images) {
        for (const n of img.added) assert.ok(n >= 1 && n <= img.text.split('\n').length, `added line ${n} is in the post-image`);
      }
      assertFramesOnlyFill(diffs, () => tree);
    }),
    { numRuns: 3000 },
  );
});

/** A frame only takes lines no hunk holds: without the headers' function names, every other line (and which are added) is the same. */
function assertFramesOnlyFill(diffs: FileDiff[], tree: (p: string) => string | undefined): void {
  const images = postImages(diffs, tree);
  const plain = postImages(diffs.map((d) => ({ ...d, hunks: d.hunks.map(({ section: _, ...h }) => h) })), tree);
  for (const [i, img] of images.entries()) {
    const other = plain[i].text.split('\n');
    img.text.split('\n').forEach((l, n) => {
      if (!img.framed?.has(n + 1)) assert.equal(l, other[n] ?? '', `line ${n + 1} of ${img.path}`);
    });
    assert.deepEqual([...img.added], [...plain[i].added]);
  }
}

test('property: hunks of function bodies, next to each other or a few lines apart, get frames only on the lines between them', () => {
  const bodyLine = fc.constantFrom('\tx();', '\t\ty(pa);', '{', '}', '\t}', '\tif (a) {', '\t} else {', '', 'out:', '#ifdef X');
  const hunk = fc.record({
    gap: fc.integer({ min: 0, max: 2 }),
    lines: fc.array(fc.tuple(fc.constantFrom(' ', ' ', '+', '-'), bodyLine), { minLength: 1, maxLength: 6 }),
    section: fc.constantFrom('static int acme_rx(struct acme *p,', 'void acme_tx(void)', 'struct acme {', ''),
  });
  fc.assert(
    fc.property(fc.array(hunk, { minLength: 1, maxLength: 4 }), (hunks) => {
      let o = 1;
      let n = 1;
      const text = ['--- a/drivers/acme/a.c', '+++ b/drivers/acme/a.c'];
      for (const h of hunks) {
        // (A context line first: each hunk has an old and a new line.)
        const lines: [string, string][] = [[' ', '\tctx();'], ...h.lines];
        o += h.gap;
        n += h.gap;
        const oc = lines.filter(([k]) => k !== '+').length;
        const nc = lines.filter(([k]) => k !== '-').length;
        text.push(`@@ -${o},${oc} +${n},${nc} @@${h.section ? ` ${h.section}` : ''}`, ...lines.map(([k, l]) => k + l));
        o += oc;
        n += nc;
      }
      assertFramesOnlyFill(parseDiff(text.join('\n') + '\n'), () => undefined);
    }),
    { numRuns: 2000 },
  );
});

test('empty input and a cover letter alone are no diff and no error; a message that only mentions a patch is refused', () => {
  const cover = (subject: string) => `From 1234567890123456789012345678901234567890 Mon Sep 17 00:00:00 2001\nFrom: A <a@b>\nSubject: ${subject}\n\n*** BLURB HERE ***\n\nA (1):\n  x: y\n\n x.c | 2 +-\n 1 file changed\n`;
  for (const text of ['', '\n', ' \r\n\t\n', cover('[PATCH 0/3] *** SUBJECT HERE ***'), cover('[PATCH v2 00/12] net: fix it'), cover('[RFC PATCH net-next 0/5] x'), cover('Re: [PATCH 0/2] x').replace('Subject', 'subject')]) {
    assert.deepEqual(parseDiff(text), [], JSON.stringify(text.slice(0, 60)));
  }
  // Patch 1 of 3, or a reply about patches, changes no file either, but is not a cover letter: no diff found.
  for (const subject of ['[PATCH 1/3] x: y', '[PATCH 10/12] x', 'about [PATCH] x', 'PATCH 0/3 without brackets']) {
    assert.throws(() => parseDiff(cover(subject)), DiffError, subject);
  }
  // A cover letter in front of the patches it announces changes nothing of them.
  const series = cover('[PATCH 0/1] x') + '\nFrom 1234567890123456789012345678901234567890 Mon Sep 17 00:00:00 2001\nSubject: [PATCH 1/1] x\n\n---\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n';
  assert.deepEqual(parseDiff(series).map((d) => [d.path, d.hunks.length]), [['x.c', 1]]);
});

test('git log -p output: each `commit <sha>` starts a patch of its own, marked as from a log', () => {
  const commit = (sha: string, from: string, to: string) =>
    `commit ${sha.repeat(40)} (HEAD -> main)\nAuthor: A <a@b>\nDate:   Thu Nov 26 02:00:00 2026 +0000\n\n    change\n\ndiff --git a/x.c b/x.c\nindex 1..2 100644\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-${from}\n+${to}\n`;
  // Newest first, as git log prints it: b → c after a → b.
  const diffs = parseDiff(commit('2', 'b', 'c') + '\n' + commit('1', 'a', 'b'));
  assert.deepEqual(diffs.map((d) => [d.patch, d.log, d.hunks[0].lines]), [[0, true, ['-b', '+c']], [1, true, ['-a', '+b']]]);
  const [img] = postImages(diffs, () => 'a\n');
  assert.equal(img.text, 'c\n');
  assert.equal(img.warning, undefined);
  // A stable backport's body starts with "commit <sha> upstream.": not a git log header.
  const stable = `From ${'1'.repeat(40)} Mon Sep 17 00:00:00 2001\nSubject: [PATCH 5.15] x\n\ncommit ${'2'.repeat(40)} upstream.\n\nfix\n---\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n`;
  assert.deepEqual(parseDiff(stable).map((d) => [d.patch, d.log]), [[0, undefined]]);
  // A format-patch mbox keeps its order (its patches are never newest first).
  assert.equal(parseDiff('From ' + '1'.repeat(40) + ' Mon Sep 17 00:00:00 2001\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n')[0].log, undefined);
});

test('paths are read as patch -p1 reads them: a/ b/, the two directory names of diff -u old/ new/ and quilt; --no-prefix kept', () => {
  const pair = (o: string, n: string, body = '@@ -1 +1 @@\n-a\n+b\n') => `--- ${o}\t2026-11-26 02:47:58.050607151 +0000\n+++ ${n}\t2026-11-26 02:47:58.054607151 +0000\n${body}`;
  const paths = (text: string) => parseDiff(text).map((d) => [d.oldPath, d.path]);
  assert.deepEqual(paths(pair('a/drivers/x.c', 'b/drivers/x.c')), [['drivers/x.c', 'drivers/x.c']]);
  assert.deepEqual(paths(pair('linux-6.12.orig/drivers/x.c', 'linux-6.12/drivers/x.c')), [['drivers/x.c', 'drivers/x.c']]);
  // `diff -ruN old new`: the new file's /dev/null side gives no pair; the patch's other files do.
  assert.deepEqual(paths(pair('old/drivers/x.c', 'new/drivers/x.c') + pair('/dev/null', 'new/drivers/y.c', '@@ -0,0 +1 @@\n+b\n') + pair('old/drivers/z.c', '/dev/null', '@@ -1 +0,0 @@\n-a\n')), [
    ['drivers/x.c', 'drivers/x.c'],
    [null, 'drivers/y.c'],
    ['drivers/z.c', null],
  ]);
  // git diff --no-prefix, and there a file moved to another top-level folder: nothing to strip.
  assert.deepEqual(paths(pair('drivers/x.c', 'drivers/x.c')), [['drivers/x.c', 'drivers/x.c']]);
  const move = 'diff --git drivers/x.c sound/x.c\nsimilarity index 90%\nrename from drivers/x.c\nrename to sound/x.c\nindex 1..2 100644\n';
  assert.deepEqual(paths(move + pair('drivers/x.c', 'sound/x.c')), [['drivers/x.c', 'sound/x.c']]);
  // diff.mnemonicPrefix: i/ (index), w/ (work tree), c/ (commit).
  assert.deepEqual(paths('diff --git i/drivers/x.c w/drivers/x.c\n' + pair('i/drivers/x.c', 'w/drivers/x.c')), [['drivers/x.c', 'drivers/x.c']]);
  assert.deepEqual(paths('diff --git drivers/x.c drivers/x.c\n' + pair('drivers/x.c', 'drivers/x.c') + 'diff --git a/y.c b/y.c\n' + pair('a/y.c', 'b/y.c')), [['drivers/x.c', 'drivers/x.c'], ['y.c', 'y.c']]);
});

test('with a tree named, a changed file that is not in it is a note (the hunks alone are analysed)', () => {
  const diffs = parseDiff('--- a/drivers/x.c\n+++ b/drivers/x.c\n@@ -1 +1 @@\n-a\n+b\n');
  assert.equal(postImages(diffs, () => undefined)[0].warning, undefined);
  assert.equal(postImages(diffs, () => undefined, true)[0].warning, "drivers/x.c: not in the tree; analysed the hunks' own lines");
  assert.equal(postImages(diffs, () => 'a\n', true)[0].warning, undefined);
});

test('withoutColor removes the SGR escapes git writes with color.ui = always, and nothing else', () => {
  assert.equal(withoutColor('\x1b[1mdiff --git a/x.c b/x.c\x1b[m\n\x1b[32m+\x1b[m\x1b[32mint a;\x1b[m\x1b[41m \x1b[m\n'), 'diff --git a/x.c b/x.c\n+int a; \n');
  const plain = '--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b [1m\n';
  assert.equal(withoutColor(plain), plain);
});

test('paths git quotes (non-ASCII bytes, quotes, backslashes) are unquoted', () => {
  const paths = (o: string, n: string) => parseDiff(`--- ${o}\t\n+++ ${n}\t\n@@ -1 +1 @@\n-a\n+b\n`).map((d) => [d.oldPath, d.path]);
  assert.deepEqual(paths('"a/drivers/dir \\303\\251/x y.c"', '"b/drivers/dir \\303\\251/x y.c"'), [['drivers/dir é/x y.c', 'drivers/dir é/x y.c']]);
  assert.deepEqual(paths('"a/q\\"t\\\\b\\t.c"', '"b/q\\"t\\\\b\\t.c"'), [['q"t\\b\t.c', 'q"t\\b\t.c']]);
  // Not git's quoting (a character git would have escaped): the quotes go, the rest is taken as written.
  assert.deepEqual(paths('"é\\303.c"', '"é\\303.c"'), [['é\\303.c', 'é\\303.c']]);
});

test('diff -ruN: a new file named by the path it would have had is new, not missing from the tree', () => {
  const text = '--- old/drivers/x.c\t1970-01-01 00:00:00.000000000 +0000\n+++ new/drivers/x.c\t2026-11-26 03:00:00.000000000 +0000\n@@ -0,0 +1,2 @@\n+int a;\n+int b;\n';
  const [img] = postImages(parseDiff(text), () => undefined, true);
  assert.equal(img.path, 'drivers/x.c');
  assert.equal(img.warning, undefined);
  assert.deepEqual([...img.added], [1, 2]);
  // A changed file (hunks from a line of an old file) that the tree lacks is still a note.
  const changed = postImages(parseDiff(text.replace('@@ -0,0 +1,2 @@\n+int a;', '@@ -1 +1,2 @@\n-int z;\n+int a;')), () => undefined, true);
  assert.match(changed[0].warning ?? '', /not in the tree/);
});

/** A patch that changes x.c (its hunk given) and copies x.c to y.c with one line changed (git -C). */
function changeAndCopy(xHunk: string[]): FileDiff[] {
  const copy = ['diff --git a/x.c b/y.c', 'similarity index 90%', 'copy from x.c', 'copy to y.c', '--- a/x.c', '+++ b/y.c', '@@ -1,3 +1,3 @@', ' int a;', '-int b;', '+int y_only;', ' int c;'];
  return parseDiff([...['diff --git a/x.c b/x.c', '--- a/x.c', '+++ b/x.c'], ...xHunk, ...copy, ''].join('\n'));
}

/** Post-image text, added lines and note per path, with `tree` as the tree's files. */
function imagesOf(diffs: FileDiff[], tree: Record<string, string>): Record<string, [string, number[], string | undefined]> {
  return Object.fromEntries(postImages(diffs, (p) => tree[p], true).map((i) => [i.path, [i.text, [...i.added], i.warning]]));
}

test('git -C: a copy starts from its source as the patch found it, and the source keeps its own changes', () => {
  const diffs = changeAndCopy(['@@ -1,3 +1,4 @@', ' int a;', '+int x_only;', ' int b;', ' int c;']);
  assert.deepEqual(diffs.map((d) => [d.oldPath, d.path, !!d.copy]), [['x.c', 'x.c', false], ['x.c', 'y.c', true]]);
  const fromBase = imagesOf(diffs, { 'x.c': 'int a;\nint b;\nint c;\n' });
  assert.deepEqual(fromBase['x.c'], ['int a;\nint x_only;\nint b;\nint c;\n', [2], undefined]);
  assert.deepEqual(fromBase['y.c'], ['int a;\nint y_only;\nint c;\n', [2], undefined]);
  // The tree at the head holds both files as the patch left them: the same lines are the added ones.
  assert.deepEqual(imagesOf(diffs, { 'x.c': fromBase['x.c'][0], 'y.c': fromBase['y.c'][0] }), fromBase);
  // The source's lines moved by the same patch: the copy still starts from the source before it.
  const moved = changeAndCopy(['@@ -1,3 +1,5 @@', '+int top1;', '+int top2;', ' int a;', ' int b;', ' int c;']);
  const movedBase = imagesOf(moved, { 'x.c': 'int a;\nint b;\nint c;\n' });
  assert.deepEqual(movedBase['y.c'], ['int a;\nint y_only;\nint c;\n', [2], undefined]);
  assert.deepEqual(imagesOf(moved, { 'x.c': movedBase['x.c'][0], 'y.c': movedBase['y.c'][0] }), movedBase);
});

test('a new file\'s prefix comes from its diff --git line (diff.mnemonicPrefix, --src-prefix/--dst-prefix), not a move\'s', () => {
  const newFile = (o: string, n: string) => `diff --git ${o}/drivers/x.c ${n}/drivers/x.c\nnew file mode 100644\n--- /dev/null\n+++ ${n}/drivers/x.c\n@@ -0,0 +1 @@\n+int a;\n`;
  assert.deepEqual(parseDiff(newFile('c', 'i')).map((d) => d.path), ['drivers/x.c']);
  assert.deepEqual(parseDiff(newFile('x', 'y')).map((d) => d.path), ['drivers/x.c']);
  const move = 'diff --git drivers/x.c sound/x.c\nsimilarity index 90%\nrename from drivers/x.c\nrename to sound/x.c\n--- drivers/x.c\n+++ sound/x.c\n@@ -1 +1 @@\n-a\n+b\n';
  assert.deepEqual(parseDiff(move + 'diff --git /dev/null sound/y.c\n--- /dev/null\n+++ sound/y.c\n@@ -0,0 +1 @@\n+int a;\n').map((d) => d.path), ['sound/x.c', 'sound/y.c']);
  // A move's own paths are its rename/copy lines', which git writes with no prefix at all: with
  // diff.mnemonicPrefix (c/ w/) or --src-prefix/--dst-prefix the ---/+++ lines' prefixes stayed on.
  for (const [o, n] of [['c', 'w'], ['old', 'new'], ['a', 'b']]) {
    for (const kind of ['rename', 'copy']) {
      const d = parseDiff(`diff --git ${o}/drivers/x.c ${n}/drivers/y.c\nsimilarity index 90%\n${kind} from drivers/x.c\n${kind} to drivers/y.c\n--- ${o}/drivers/x.c\n+++ ${n}/drivers/y.c\n@@ -1 +1 @@\n-a\n+b\n`);
      assert.deepEqual(d.map((x) => [x.oldPath, x.path, !!x.copy]), [['drivers/x.c', 'drivers/y.c', kind === 'copy']], `${o}/ ${n}/ ${kind}`);
    }
  }
});

test('a CRLF file in the tree takes a patch whose lines lost their CR (as git apply does)', () => {
  const tree = 'int f(void)\r\n{\r\n\treturn 0;\r\n}\r\n';
  for (const eol of ['\n', '\r\n']) {
    const diffs = parseDiff(['--- a/x.c', '+++ b/x.c', '@@ -2,3 +2,4 @@', ' {', '+\tg();', ' \treturn 0;', ' }', ''].join(eol));
    const [img] = postImages(diffs, () => tree, true);
    assert.equal(img.warning, undefined, JSON.stringify(eol));
    assert.deepEqual([...img.added], [3]);
  }
});

test('a hunk numbered past any file that can be analysed is one DiffError, not a post-image of a billion lines', () => {
  const diffs = parseDiff('--- a/x.c\n+++ b/x.c\n@@ -1 +2000000000 @@\n-a\n+b\n');
  assert.throws(() => postImages(diffs, () => undefined), (e: unknown) => e instanceof DiffError && /starts at line 2000000000: past the end of any file that can be analysed/.test((e as Error).message));
});

test('a word diff is refused in one line that says so (its changes sit inside context lines)', () => {
  const hunk = (body: string) => `--- a/x.c\n+++ b/x.c\n@@ -3,2 +3,2 @@\n${body}\n \tint b;\n`;
  for (const body of ['    void *p = [-NULL;-]{+phys_to_virt(iommu_iova_to_phys(dom, dma));+}', '~']) {
    assert.throws(() => parseDiff(hunk(body)), (e: unknown) => e instanceof DiffError && /a word diff \(git diff --word-diff\)/.test((e as Error).message));
  }
  // --word-diff=plain: no leading ' ' at all.
  assert.throws(() => parseDiff('--- a/x.c\n+++ b/x.c\n@@ -3,2 +3,2 @@\nstatic void *f(void)\n\treturn [-__va(h);-]{+page_address(p);+}\n'), /a word diff/);
  // C that looks a little like it is still C, and a real string next to a changed line (delta-v4l2.c).
  assert.doesNotThrow(() => parseDiff(hunk(' \tx = a[-1] + b[i - 1];')));
  assert.equal(parseDiff('--- a/x.c\n+++ b/x.c\n@@ -3,2 +3,2 @@\n #define DELTA_PREFIX "[---:----]"\n-int a;\n+int b;\n')[0].hunks.length, 1);
});

test('git diff -U0 against its base: a changed line whose new text is already a few lines off is applied, not taken as done', () => {
  const base = ['void f(void)', '{', '\tput_page(virt_to_page(phys_to_virt(pa)));', '}', '', 'void g(void)', '{', '\tput_page(p);', '}', ''].join('\n');
  const diffs = parseDiff('--- a/x.c\n+++ b/x.c\n@@ -8 +8 @@\n-\tput_page(p);\n+\tput_page(virt_to_page(phys_to_virt(pa)));\n');
  const [img] = postImages(diffs, () => base, true);
  assert.deepEqual([...img.added], [8], 'the new line 8, not the base\'s own line 3');
  // At the head the same patch is found applied, on the same line.
  const [head] = postImages(diffs, () => img.text, true);
  assert.deepEqual([...head.added], [8]);
});

test('a tree at the head of a series where a later patch changed a line an earlier one added: every added line is found', () => {
  const base = 'void f(void)\n{\n}\n';
  const series = [
    'From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001',
    'Subject: [PATCH 1/2] add',
    '',
    '--- a/x.c',
    '+++ b/x.c',
    '@@ -1,3 +1,5 @@',
    ' void f(void)',
    ' {',
    '+\tphys_addr_t phys = iommu_iova_to_phys(dom, dma);',
    '+\treturn phys_to_virt(phys);',
    ' }',
    'From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001',
    'Subject: [PATCH 2/2] change',
    '',
    '--- a/x.c',
    '+++ b/x.c',
    '@@ -2,3 +2,3 @@',
    ' {',
    ' \tphys_addr_t phys = iommu_iova_to_phys(dom, dma);',
    '-\treturn phys_to_virt(phys);',
    '+\treturn phys_to_virt(phys) + 1;',
    ' }',
    '',
  ].join('\n');
  const diffs = parseDiff(series);
  const [onBase] = postImages(diffs, () => base, true);
  assert.deepEqual([...onBase.added], [3, 4]);
  const [onHead] = postImages(diffs, () => onBase.text, true);
  assert.equal(onHead.text, onBase.text);
  assert.deepEqual([...onHead.added], [3, 4]);
  assert.equal(onHead.warning, undefined);
});

test('a -U0 series at its head: the later patch\'s lines above do not make the earlier one apply at a look-alike line', () => {
  const fn = (n: number) => [`int f${n}(void)`, '{', '\treturn 0;', '}'];
  const base = [...fn(2), ...fn(3), ...fn(4), ''].join('\n');
  const comments = Array.from({ length: 7 }, (_, i) => `+/* comment ${i} */`);
  const series = [
    'From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001',
    'Subject: [PATCH 1/2] bug',
    '',
    '--- a/x.c',
    '+++ b/x.c',
    '@@ -7 +7 @@ int f3(void)',
    '-\treturn 0;',
    '+\treturn (int)(long)virt_to_page(phys_to_virt(p->h));',
    'From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001',
    'Subject: [PATCH 2/2] comments',
    '',
    '--- a/x.c',
    '+++ b/x.c',
    '@@ -0,0 +1,7 @@',
    ...comments,
    '',
  ].join('\n');
  const diffs = parseDiff(series);
  const [onBase] = postImages(diffs, () => base, true);
  assert.deepEqual([...onBase.added], [1, 2, 3, 4, 5, 6, 7, 14]);
  const [onHead] = postImages(diffs, () => onBase.text, true);
  assert.equal(onHead.text, onBase.text);
  assert.deepEqual([...onHead.added], [1, 2, 3, 4, 5, 6, 7, 14]);
});

test('diff --git paths with spaces (unquoted) or quoted special bytes give the prefix of a new file', () => {
  const newFile = (header: string, plus: string) => `diff --git ${header}\nnew file mode 100644\n--- /dev/null\n+++ ${plus}\n@@ -0,0 +1 @@\n+int a;\n`;
  assert.deepEqual(parseDiff(newFile('c/drivers/new sp.c i/drivers/new sp.c', 'i/drivers/new sp.c')).map((d) => d.path), ['drivers/new sp.c']);
  assert.deepEqual(parseDiff(newFile('"c/drivers/new \\303\\251.c" "i/drivers/new \\303\\251.c"', '"i/drivers/new \\303\\251.c"')).map((d) => d.path), ['drivers/new \u00e9.c']);
});

test('a tree at the head of a series: taken back off before applying, in every order git prints it (insert between, then newest-first log)', () => {
  const base = 'static int g(int x)\n{\n\treturn x;\n}\n';
  const c1 = [
    '--- a/d.c', '+++ b/d.c', '@@ -1,3 +1,8 @@',
    '+static void *f(struct iommu_domain *dom, dma_addr_t dma)', '+{', '+\treturn phys_to_virt(iommu_iova_to_phys(dom, dma));', '+}', '+',
    ' static int g(int x)', ' {', ' \treturn x;',
  ];
  const c2 = ['--- a/d.c', '+++ b/d.c', '@@ -2,6 +2,7 @@', ' {', ' \treturn phys_to_virt(iommu_iova_to_phys(dom, dma));', ' }', '+/* x */', ' ', ' static int g(int x)', ' {'];
  const mail = (n: number, body: string[]) => [`From ${String(n).repeat(40)} Mon Sep 17 00:00:00 2001`, `Subject: [PATCH ${n}/2] c${n}`, '', ...body];
  const log = (n: number, body: string[]) => [`commit ${String(n).repeat(40)}`, 'Author: t <t@t>', '', `    c${n}`, '', ...body];
  const forms = {
    mbox: [...mail(1, c1), ...mail(2, c2), ''].join('\n'),
    'log -p': [...log(2, c2), ...log(1, c1), ''].join('\n'),
    'log -p --reverse': [...log(1, c1), ...log(2, c2), ''].join('\n'),
  };
  const [want] = postImages(parseDiff(forms.mbox), () => base, true);
  assert.deepEqual([...want.added], [1, 2, 3, 4, 5, 6]);
  for (const [name, text] of Object.entries(forms)) {
    for (const [where, tree] of [['base', base], ['head', want.text]]) {
      const [img] = postImages(parseDiff(text), () => tree, true);
      assert.equal(img.text, want.text, `${name} at the ${where}`);
      assert.deepEqual([...img.added], [...want.added], `${name} at the ${where}`);
      assert.equal(img.warning, undefined, `${name} at the ${where}`);
    }
  }
  // `git log -p` of an empty commit is a header alone: nothing to check, not "no diff".
  assert.deepEqual(parseDiff(log(3, []).join('\n')), []);
});

test('a hunk header whose counts are too small, or unreadable, is a damaged patch (git apply: corrupt), not added lines dropped unread', () => {
  const body = (h: string) => ['--- a/drivers/acme/rx.c', '+++ b/drivers/acme/rx.c', h, ' \treturn build_skb(va, LEN);', ' }', ' ', '+static void *acme_bad(struct iommu_domain *d, dma_addr_t iova)', '+{', '+\treturn phys_to_virt(iommu_iova_to_phys(d, iova));', '+}', '+', ' static void acme_teardown(struct acme_ring *ring)', ''].join('\n');
  assert.equal(parseDiff(body('@@ -50,4 +50,9 @@'))[0].hunks[0].lines.filter((l) => l[0] === '+').length, 5);
  for (const h of ['@@ -50,2 +50,3 @@', '@@ -50 +50 @@', '@@ -50,0 +50,0 @@']) assert.throws(() => parseDiff(body(h)), (e: unknown) => e instanceof DiffError && /has more lines than its header/.test(e.message), h);
  assert.throws(() => parseDiff(body('@@ --5,6 +-5,11 @@')), (e: unknown) => e instanceof DiffError && /unreadable hunk header/.test(e.message));
  // A format-patch signature after the last hunk is not a removed line.
  assert.equal(parseDiff(`${body('@@ -50,4 +50,9 @@')}-- \n2.39.5\n`).length, 1);
});

test('"---"/"+++" headers with no hunk at all, and no diff --git header, are a diff cut short (exit 2), not a patch that adds nothing', () => {
  assert.throws(() => parseDiff('--- a/drivers/acme/rx.c\n+++ b/drivers/acme/rx.c\n'), (e: unknown) => e instanceof DiffError && /no hunk found after the "---"\/"\+\+\+" header of drivers\/acme\/rx\.c/.test(e.message));
  // A rename (git header, no hunk) adds nothing: read, no error.
  assert.equal(parseDiff('diff --git a/x.c b/y.c\nsimilarity index 100%\nrename from x.c\nrename to y.c\n').length, 0);
});

test('a hunk one added line short, followed by a mail signature, says what it still owes (the `-- ` line is no removed line)', () => {
  const mail = '--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,4 @@\n int a;\n+int b;\n int c;\n-- \n2.39.0\n';
  assert.throws(
    () => parseDiff(mail),
    (e: unknown) => e instanceof DiffError && (e as Error).message.startsWith("line 7: hunk of x.c ends early (expected 1 more added line; a line its header has no room for:"),
  );
  assert.throws(() => parseDiff('--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n int a;\n'), /ends early \(expected 2 more context lines\)$/);
});

/** A two-patch series of one file: patch 1 adds a function at line 20, patch 2 adds a comment block right above it. */
function twoPatchSeries(): { mbox: string; base: string; mid: string; head: string } {
  const baseLines = Array.from({ length: 30 }, (_, i) => `int v${i + 1};`);
  const fn = ['static void *bad(struct d *d, dma_addr_t a)', '{', '\treturn phys_to_virt(iommu_iova_to_phys(d->dom, a));', '}'];
  const midLines = [...baseLines.slice(0, 19), ...fn, ...baseLines.slice(19)];
  const comment = ['/*', ' * bad(): the address of a received buffer', ' */'];
  const headLines = [...midLines.slice(0, 19), ...comment, ...midLines.slice(19)];
  const p1 = ['From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001', 'Subject: [PATCH 1/2] add', '', '---', 'diff --git a/x.c b/x.c', '--- a/x.c', '+++ b/x.c', '@@ -17,6 +17,10 @@', ...baseLines.slice(16, 19).map((l) => ` ${l}`), ...fn.map((l) => `+${l}`), ...baseLines.slice(19, 22).map((l) => ` ${l}`), ''];
  const p2 = ['From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001', 'Subject: [PATCH 2/2] comment', '', '---', 'diff --git a/x.c b/x.c', '--- a/x.c', '+++ b/x.c', '@@ -17,6 +17,9 @@', ...midLines.slice(16, 19).map((l) => ` ${l}`), ...comment.map((l) => `+${l}`), ...midLines.slice(19, 22).map((l) => ` ${l}`), ''];
  const text = (ls: string[]) => ls.join('\n') + '\n';
  return { mbox: [...p1, ...p2].join('\n'), base: text(baseLines), mid: text(midLines), head: text(headLines) };
}

test('a series without a tree: a later patch is applied to the earlier ones\' image — what it inserts moves their lines, which stay added', () => {
  const { mbox, head } = twoPatchSeries();
  const [img] = postImages(parseDiff(mbox), () => undefined);
  const lines = img.text.split('\n');
  // The function is at 23–26 in the series' result (the comment, 20–22, went in above it).
  assert.equal(lines[24], head.split('\n')[24]);
  assert.equal(lines[24], '\treturn phys_to_virt(iommu_iova_to_phys(d->dom, a));');
  assert.deepEqual([...img.added].sort((a, b) => a - b), [20, 21, 22, 23, 24, 25, 26]);
});

test('a tree part-way through a series (patch 1 applied, patch 2 not) gives the series\' result, as the base and the head do', () => {
  const { mbox, base, mid, head } = twoPatchSeries();
  const diffs = parseDiff(mbox);
  const want = imagesOf(diffs, { 'x.c': base });
  assert.equal(want['x.c'][0], head);
  assert.deepEqual(want['x.c'][1], [20, 21, 22, 23, 24, 25, 26]);
  assert.deepEqual(imagesOf(diffs, { 'x.c': head }), want);
  assert.deepEqual(imagesOf(diffs, { 'x.c': mid }), want);
});

test('without a tree, a hunk inside a function is framed as its body: the header\'s signature on the unknown line before, the open braces on the one after', () => {
  const diff = [
    '--- a/drivers/acme/acme.c',
    '+++ b/drivers/acme/acme.c',
    '@@ -20,4 +20,5 @@ static void acme_rx(struct acme *p,',
    '\tvoid *va;',
    ' ',
    '+\tva = phys_to_virt(iommu_iova_to_phys(p->domain, a));',
    '\tx(va);',
    ' \ty();',
    '@@ -40,3 +41,3 @@ struct acme_ring {',
    ' \tdma_addr_t dma;',
    '-\tvoid *va;',
    '+\tvoid *cpu;',
    ' };',
  ].join('\n').replace(/\n\t/g, '\n \t');
  const [img] = postImages(parseDiff(diff), () => undefined);
  const lines = img.text.split('\n');
  assert.equal(lines[18], 'static void acme_rx(struct acme *p) {', 'line 19, before the hunk');
  assert.deepEqual(lines.slice(19, 24), ['\tvoid *va;', '', '\tva = phys_to_virt(iommu_iova_to_phys(p->domain, a));', '\tx(va);', '\ty();']);
  assert.equal(lines[24], '}', 'line 25, after it');
  assert.deepEqual([...img.framed!], [19, 25]);
  assert.deepEqual([...img.added], [22, 42]);
  // A struct's hunk is left as it is (its header names no function).
  assert.deepEqual(lines.slice(39), ['', '\tdma_addr_t dma;', '\tvoid *cpu;', '};']);
  // With the tree's file there is nothing to frame.
  const at: Record<number, string> = { 20: '\tvoid *va;', 21: '', 22: '\tx(va);', 23: '\ty();', 40: '\tdma_addr_t dma;', 41: '\tvoid *va;', 42: '};' };
  const tree = Array.from({ length: 50 }, (_, i) => at[i + 1] ?? `/* ${i + 1} */`).join('\n');
  const [exact] = postImages(parseDiff(diff), () => tree);
  assert.equal(exact.framed, undefined);
  assert.equal(exact.text.split('\n')[18], '/* 19 */');
});
