// SPDX-License-Identifier: MIT
// The diff reader on damaged and odd input: whatever the text, it either
// reads it or says in one DiffError why not, and applying what it read to a
// tree never throws (the CLI turns a DiffError into one line and exit 2; any
// other exception would be an internal error with a stack trace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DiffError, parseDiff, postImages, withoutColor } from './patch';
import { decodeMail } from './mail';

const piece = fc.constantFrom(
  'diff --git a/x.c b/x.c\n', '--- a/x.c\n', '+++ b/x.c\n', '--- /dev/null\n', '+++ /dev/null\n', '--- a/y.c\n', '+++ b/z.c\n',
  '@@ -1,2 +1,3 @@\n', '@@ -0,0 +1 @@\n', '@@ -5 +5,0 @@\n', '@@ -2,1 +2,1 @@ fn\n', ' ctx\n', '+add\n', '-del\n', '\n', '\r\n',
  '\\ No newline at end of file\n', 'From 1234567890123456789012345678901234567890 Mon Sep 17 00:00:00 2001\n', 'rename from a.c\n', 'rename to b.c\n',
  'Content-Transfer-Encoding: quoted-printable\n', '=3D', '=\n', 'x', `commit ${'a'.repeat(40)}\n`, 'Subject: [PATCH 0/2] x\n',
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
      for (const img of postImages(diffs, () => tree)) {
        for (const n of img.added) assert.ok(n >= 1 && n <= img.text.split('\n').length, `added line ${n} is in the post-image`);
      }
    }),
    { numRuns: 3000 },
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
