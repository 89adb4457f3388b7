// SPDX-License-Identifier: MIT
// `iova-lens patch` on a real `git format-patch` series of the nicvf code:
// only added lines are reported, with post-image paths and line numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, SAMPLE } from '../helpers';
import { NO_TREE_HINT, runPatch } from '../../src/cli/patch';
import type { Io } from '../../src/cli/io';

const NICVF = 'drivers/net/ethernet/cavium/thunder/nicvf_queues.c';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' });
}

/** A repo whose first commit has a correct teardown; the next two patches bring in the 2017 code. */
function series(): { repo: string; mbox: string } {
  const repo = mkdtempSync(join(tmpdir(), 'iova-patch-'));
  cpSync(SAMPLE, repo, { recursive: true });
  const file = join(repo, NICVF);
  const wrong = readFileSync(file, 'utf8');
  const right = wrong.replace('		put_page(virt_to_page(phys_to_virt(phys_addr)));\n', '		put_page(nic->rb_page);\n').replace('	data = phys_to_virt(phys_addr);\n', '	data = page_address(nic->rb_page);\n');
  writeFileSync(file, right);
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'base');
  writeFileSync(file, right.replace('		put_page(nic->rb_page);\n', '		put_page(virt_to_page(phys_to_virt(phys_addr)));\n'));
  git(repo, 'commit', '-qam', 'net: thunderx: free receive pages by address');
  writeFileSync(file, wrong);
  git(repo, 'commit', '-qam', 'net: thunderx: build skbs from the DMA address');
  const mbox = git(repo, 'format-patch', '--stdout', 'HEAD~2');
  git(repo, 'checkout', '-q', 'HEAD~2');
  return { repo, mbox };
}

function patch(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [CLI, 'patch', ...args], { encoding: 'utf8', input });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('patch --tree: a format-patch series reports the added lines, gcc format', () => {
  const { repo, mbox } = series();
  const f = join(repo, 'series.mbox');
  writeFileSync(f, mbox);
  const r = patch([f, '--tree', repo]);
  assert.equal(r.code, 1, r.err);
  const lines = r.out.trim().split('\n');
  assert.deepEqual(
    lines.map((l) => l.replace(/: warning: .* \[/, ' [')),
    [`${NICVF}:50:25 [linear-map-assumption]`, `${NICVF}:64:9 [linear-map-assumption]`],
  );
});

test('patch from stdin without a tree analyses the hunks alone', () => {
  const { mbox } = series();
  const r = patch(['-', '--format', 'json'], mbox);
  const j = JSON.parse(r.out);
  // Without the header the helper is unknown, but phys_to_virt() of a value
  // from an unknown call is not flagged: precision over recall.
  assert.ok(j.findings.every((x: { path: string }) => x.path === NICVF));
  assert.equal(r.code, j.findings.length ? 1 : 0);
});

test('a diff that is not a diff is a usage error naming the input', () => {
  const r = patch(['-'], 'hello\nworld\n');
  assert.equal(r.code, 2);
  assert.match(r.err, /stdin: no unified diff found/);
  const broken = patch(['-'], '--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,3 @@\n x\n');
  assert.equal(broken.code, 2);
  assert.match(broken.err, /hunk of x\.c ends early/);
  assert.equal(patch(['/no/such.patch']).code, 2);
});

test('a series of files: one that is no diff, or a damaged one, is named with its own line number (not the files run together, not passed over)', () => {
  const { repo, mbox } = series();
  const good = join(repo, '0001.patch');
  writeFileSync(good, mbox);
  const junk = join(repo, 'junk.txt');
  writeFileSync(junk, 'hello\nworld\n');
  const damaged = join(repo, '0002.patch');
  writeFileSync(damaged, '--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,4 @@\n x\n+y\n z\n-- \n2.39.0\n');
  const j = patch([good, junk, '--tree', repo]);
  assert.equal(j.code, 2);
  assert.equal(j.err, `iova-lens: ${junk}: no unified diff found (expected "--- a/FILE", "+++ b/FILE" and "@@ … @@" hunks)\n`);
  const d = patch([good, damaged, '--tree', repo]);
  assert.equal(d.code, 2);
  assert.match(d.err, new RegExp(`^iova-lens: ${damaged.replace(/[.]/g, '\\.')}: line 7: hunk of x\\.c ends early \\(expected 1 more added line;`));
});

test('a patch with no text hunks (rename, mode change, binary file) reports nothing and exits 0', () => {
  // Real `git format-patch` output: CI runs the check on every commit of a series, and
  // a commit that only moves a file or updates firmware must not fail it.
  const repo = mkdtempSync(join(tmpdir(), 'iova-patch-nohunk-'));
  cpSync(SAMPLE, repo, { recursive: true });
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'base');
  git(repo, 'mv', NICVF, NICVF.replace('nicvf_queues.c', 'nicvf_rx.c'));
  git(repo, 'commit', '-qm', 'net: thunderx: rename the queue code');
  execFileSync('chmod', ['+x', join(repo, NICVF.replace('nicvf_queues.c', 'nicvf_rx.c'))]);
  git(repo, 'commit', '-qam', 'mode only');
  writeFileSync(join(repo, 'drivers', 'fw.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'firmware');
  const mbox = git(repo, 'format-patch', '--binary', '--stdout', 'HEAD~3');
  assert.match(mbox, /rename from .*nicvf_queues\.c/);
  assert.match(mbox, /new mode 100755/);
  assert.match(mbox, /GIT binary patch/);
  assert.doesNotMatch(mbox, /^@@ /m, 'the series has no text hunk at all');
  for (const format of ['gcc', 'json']) {
    const r = patch(['-', '--format', format], mbox);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    if (format === 'json') assert.deepEqual(JSON.parse(r.out).findings, []);
    else assert.equal(r.out, '');
  }
  // Each patch alone, too (a CI job checks one commit at a time).
  for (const one of mbox.split(/^(?=From [0-9a-f]{40} )/m).filter(Boolean)) assert.equal(patch(['-'], one).code, 0, one.slice(0, 300));
});

test('a series checked file by file: the cover letter and an empty commit report nothing and exit 0', () => {
  // `git format-patch --cover-letter -o out/` then `for p in out/*.patch; do iova-lens patch $p; done`, or
  // one commit at a time with `git format-patch -1 --stdout`, which writes nothing for an empty commit.
  const { repo } = series();
  git(repo, 'checkout', '-q', '-');
  git(repo, 'commit', '-q', '--allow-empty', '-m', 'empty: a merge note');
  const out = join(repo, 'out');
  git(repo, 'format-patch', '-q', '--cover-letter', '-o', out, 'HEAD~3');
  const files = readdirSync(out).sort();
  assert.equal(files[0], '0000-cover-letter.patch');
  const codes = files.map((f) => [f, patch([join(out, f), '--tree', repo]).code]);
  // The cover letter, the two patches (with findings) and the empty commit, which format-patch writes as an empty file.
  assert.deepEqual(codes, [['0000-cover-letter.patch', 0], [files[1], 1], [files[2], 1], ['0003-empty-a-merge-note.patch', 0]]);
  assert.equal(readFileSync(join(out, files[3]), 'utf8'), '');
  const cover = patch([join(out, files[0]), '--format', 'json']);
  assert.equal(cover.err, '');
  assert.deepEqual(JSON.parse(cover.out).findings, []);
  const empty = git(repo, 'format-patch', '-1', '--stdout', 'HEAD');
  assert.equal(empty, '', 'format-patch writes nothing for an empty commit');
  const r = patch(['-', '--tree', repo], empty);
  assert.equal(r.code, 0);
  assert.equal(r.out, '');
  assert.equal(r.err, 'iova-lens: stdin: empty, no patch to check\n');
  // The same cover letter mailed and piped from mutt: known by its subject, not its file name.
  assert.equal(patch(['-'], readFileSync(join(out, files[0]), 'utf8')).code, 0);
  // All the files at once (`iova-lens patch out/*.patch`, as `git am out/*.patch`): one series, in the order given.
  const all = patch([...files.map((f) => join(out, f)), '--tree', repo]);
  assert.equal(all.code, 1, all.err);
  assert.deepEqual(all.out.trim().split('\n').map((l) => l.replace(/: warning: .* \[/, ' [')), [`${NICVF}:50:25 [linear-map-assumption]`, `${NICVF}:64:9 [linear-map-assumption]`]);
  assert.equal(all.err, `iova-lens: ${join(out, files[3])}: empty, no patch to check\n`);
  // (It was: the first file checked, the others ignored without a word.)
  assert.equal(patch([join(out, files[0]), join(out, files[1]), '--tree', repo]).code, 1, 'the second file is read');
  const mixed = patch([join(out, files[1]), '-'], '');
  assert.equal(mixed.code, 2);
  assert.match(mixed.err, /`-` \(stdin\) cannot be given with patch files/);
  const notDir = patch([join(out, files[1]), '--tree', join(out, files[2])]);
  assert.equal(notDir.code, 2);
  assert.match(notDir.err, /--tree .*0002-.*: not a directory/);
});

/** Quoted-printable as a mail server writes it: `=` and bytes ≥ 0x80 as =XX, lines wrapped at 76 with a soft break. */
function toQuotedPrintable(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const enc = [...Buffer.from(line, 'utf8')].map((b) => (b === 61 || b >= 0x80 ? `=${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b))).join('');
      const out: string[] = [];
      let rest = enc;
      while (rest.length > 75) {
        let cut = 75;
        if (rest.lastIndexOf('=', cut) > cut - 3) cut = rest.lastIndexOf('=', cut); // never split an =XX
        out.push(`${rest.slice(0, cut)}=`);
        rest = rest.slice(cut);
      }
      out.push(rest);
      return out.join('\n');
    })
    .join('\n');
}

/** Each message of a format-patch mbox re-encoded as a mail server or mailer would send it. */
function reencode(mbox: string, how: 'qp' | 'base64' | 'attachment'): string {
  return mbox
    .split(/^(?=From [0-9a-f]{40} )/m)
    .filter(Boolean)
    .map((msg) => {
      const cut = msg.indexOf('\n\n');
      const head = msg.slice(0, cut).replace(/^Content-Transfer-Encoding:.*\n?/im, '').replace(/^Content-Type:.*\n?/im, '').replace(/^MIME-Version:.*\n?/im, '');
      const body = msg.slice(cut + 2);
      if (how === 'qp') return `${head}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n${toQuotedPrintable(body)}`;
      const b64 = Buffer.from(body).toString('base64').replace(/(.{76})/g, '$1\n');
      if (how === 'base64') return `${head}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\n${b64}\n`;
      return `${head}\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="=-b0undary"\n\n--=-b0undary\nContent-Type: text/plain\n\nThe patch is attached.\n--=-b0undary\nContent-Type: text/x-patch; name=p.patch\nContent-Transfer-Encoding: base64\n\n${b64}\n--=-b0undary--\n`;
    })
    .join('\n');
}

test('patch mode reads mail as it arrives: quoted-printable, base64 and an attached patch give the same findings', () => {
  const { repo, mbox } = series();
  const plain = patch(['-', '--tree', repo], mbox);
  assert.equal(plain.code, 1, plain.err);
  assert.equal(plain.out.trim().split('\n').length, 2);
  for (const how of ['qp', 'base64', 'attachment'] as const) {
    const mail = reencode(mbox, how);
    assert.ok(!mail.includes('phys_to_virt(phys_addr)') || how === 'qp', `${how}: the series is really encoded`);
    if (how === 'qp') assert.match(mail, /=3D|=\n/, 'quoted-printable has escapes or soft breaks');
    const r = patch(['-', '--tree', repo], mail);
    assert.deepEqual([r.code, r.out, r.err], [plain.code, plain.out, plain.err], how);
  }
});

test('scan given a .patch file reports on the lines the patch itself adds, as the editor shows it; a .diff that is no diff is one error line', () => {
  const { repo, mbox } = series();
  writeFileSync(join(repo, 'series.patch'), mbox);
  const byPatchMode = patch([join(repo, 'series.patch'), '--tree', repo, '--format', 'json']);
  const want = JSON.parse(byPatchMode.out).findings as { path: string; line: number; rule: string }[];
  assert.equal(want.length, 2);
  const r = spawnSync(process.execPath, [CLI, 'scan', 'series.patch', '--format', 'json', '--no-cache'], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.filesScanned, 1);
  const patchLines = mbox.split('\n');
  assert.deepEqual(
    j.findings.map((f: { path: string; rule: string; message: string }) => [f.path, f.rule, f.message.split(': ')[0]]),
    want.map((w) => ['series.patch', w.rule, `${w.path}:${w.line}`]),
  );
  for (const f of j.findings as { line: number; column: number }[]) {
    const text = patchLines[f.line - 1];
    assert.equal(text[0], '+', `line ${f.line} of the patch is an added line: ${text}`);
    assert.match(text.slice(f.column - 1), /^phys_to_virt\(/, `the column points at the call in the patch: ${text}`);
  }
  // With the tree's own files: both reports, and a .diff that is not a diff is one error line (the run goes on).
  writeFileSync(join(repo, 'notes.diff'), 'just notes\n');
  const both = spawnSync(process.execPath, [CLI, 'scan', 'series.patch', 'notes.diff', 'drivers', '--format', 'gcc', '--no-cache'], { cwd: repo, encoding: 'utf8' });
  assert.equal(both.status, 1, both.stderr);
  const out = both.stdout.trim().split('\n');
  assert.ok(out.some((l) => l.startsWith('series.patch:')) && out.some((l) => l.startsWith('drivers/')), both.stdout);
  assert.deepEqual(both.stderr.trim().split('\n'), ['iova-lens: notes.diff: no unified diff found (expected "--- a/FILE", "+++ b/FILE" and "@@ … @@" hunks)']);
  // Sharded: the patch is reported by one shard, so the union of the shards is the whole run.
  const shards = ['1/2', '2/2'].flatMap((sh) => spawnSync(process.execPath, [CLI, 'scan', 'series.patch', 'drivers', '--format', 'gcc', '--no-cache', '--shard', sh], { cwd: repo, encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean));
  const whole = spawnSync(process.execPath, [CLI, 'scan', 'series.patch', 'drivers', '--format', 'gcc', '--no-cache'], { cwd: repo, encoding: 'utf8' }).stdout.trim().split('\n');
  assert.deepEqual(shards.sort(), whole.sort());
});

test('a patch that adds a whole tree reports exactly what scan reports on that tree (the per-folder prefilter loses nothing)', () => {
  const repo = mkdtempSync(join(tmpdir(), 'iova-patch-all-'));
  git(repo, 'init', '-q');
  git(repo, 'commit', '-q', '--allow-empty', '-m', 'empty');
  cpSync(join(SAMPLE, 'drivers'), join(repo, 'drivers'), { recursive: true });
  cpSync(join(SAMPLE, '..', 'tree', 'drivers'), join(repo, 'drivers'), { recursive: true });
  // A file that names no translation API and is flagged only through its driver's helper.
  mkdirSync(join(repo, 'drivers', 'net', 'hc'), { recursive: true });
  writeFileSync(join(repo, 'drivers', 'net', 'hc', 'hc.h'), 'static inline u64 hc_iova_to_phys(struct hc *hc, dma_addr_t iova)\n{\n\treturn iommu_iova_to_phys(hc->domain, iova);\n}\n');
  writeFileSync(join(repo, 'drivers', 'net', 'hc', 'hc_rx.c'), '#include "hc.h"\n\nstatic void hc_rx_one(struct hc *hc, dma_addr_t iova)\n{\n\tu64 pa = hc_iova_to_phys(hc, iova);\n\n\twriteq(pa, hc->reg + HC_RX_ADDR);\n}\n');
  git(repo, 'add', '.');
  const diff = git(repo, 'diff', '--cached');
  const brief = (out: string) => (JSON.parse(out).findings as { path: string; line: number; column: number; rule: string; message: string }[]).map((f) => `${f.path}:${f.line}:${f.column} ${f.rule} ${f.message}`);
  const scanned = spawnSync(process.execPath, [CLI, 'scan', 'drivers', '--format', 'json', '--no-cache'], { cwd: repo, encoding: 'utf8' });
  const patched = patch(['-', '--format', 'json'], diff);
  assert.equal(patched.code, 1, patched.err);
  assert.ok(brief(scanned.stdout).length >= 8, scanned.stdout);
  assert.ok(brief(scanned.stdout).some((f) => f.startsWith('drivers/net/hc/hc_rx.c:5:')), 'the helper caller is flagged');
  assert.deepEqual(brief(patched.out), brief(scanned.stdout));
});

test('patch --tree on a tree that already holds the series (format-patch at the branch head, git diff of a working tree) reports the same as on its base', () => {
  const { repo, mbox } = series();
  const onBase = patch(['-', '--tree', repo], mbox);
  assert.equal(onBase.code, 1, onBase.err);
  git(repo, 'checkout', '-q', '-'); // back to the branch head: the tree is the series' post-image
  const onHead = patch(['-', '--tree', repo], mbox);
  assert.deepEqual([onHead.code, onHead.out, onHead.err], [onBase.code, onBase.out, ''], 'README: git format-patch -3 --stdout | iova-lens patch - --tree .');
  // `git diff | iova-lens patch - --tree .` on uncommitted work (zero context too): the working tree is the post-image.
  git(repo, 'reset', '-q', '--soft', 'HEAD~2');
  git(repo, 'reset', '-q');
  for (const context of ['-U3', '-U0']) {
    const d = git(repo, 'diff', context);
    const r = patch(['-', '--tree', repo], d);
    assert.deepEqual([r.code, r.out, r.err], [onBase.code, onBase.out, ''], context);
  }
  // A file that holds neither image still says so, and the hunks alone are analysed.
  writeFileSync(join(repo, NICVF), 'int unrelated;\n');
  const neither = patch(['-', '--tree', repo], mbox);
  assert.match(neither.err, /a hunk does not apply to the tree's file; analysed the hunks' own lines/);
});

test('patch --tree: a renamed and changed file is found at its new name, on the base and on the head', () => {
  const { repo } = series();
  git(repo, 'checkout', '-q', '-');
  const renamed = NICVF.replace('nicvf_queues.c', 'nicvf_rx.c');
  git(repo, 'mv', NICVF, renamed);
  const before = readFileSync(join(repo, renamed), 'utf8');
  const after = before.replace('\tdata = phys_to_virt(phys_addr);\n', '\tdata = phys_to_virt(phys_addr); /* the rx buffer */\n');
  assert.notEqual(after, before);
  writeFileSync(join(repo, renamed), after);
  git(repo, 'commit', '-qam', 'net: thunderx: rename the rx code');
  const one = git(repo, 'format-patch', '-1', '--stdout', '-M');
  assert.match(one, /rename from .*nicvf_queues\.c/);
  assert.match(one, /^\+\tdata = phys_to_virt\(phys_addr\); \/\* the rx buffer \*\//m);
  const onHead = patch(['-', '--tree', repo, '--format', 'json'], one);
  git(repo, 'checkout', '-q', 'HEAD~1');
  const onBase = patch(['-', '--tree', repo, '--format', 'json'], one);
  assert.equal(onHead.err, '');
  assert.equal(onBase.err, '');
  assert.equal(JSON.parse(onBase.out).findings.length, 1, onBase.out);
  assert.deepEqual(JSON.parse(onHead.out).findings, JSON.parse(onBase.out).findings);
});

/** series() at its head, plus a third commit that appends `comment` to `line` (a line one of the two patches added). */
function seriesAndComment(line: string, comment: string): string {
  const { repo } = series();
  git(repo, 'checkout', '-q', '-');
  const file = join(repo, NICVF);
  const text = readFileSync(file, 'utf8');
  const changed = text.replace(`${line}\n`, `${line} ${comment}\n`);
  assert.notEqual(changed, text);
  writeFileSync(file, changed);
  git(repo, 'commit', '-qam', 'net: thunderx: comment');
  return repo;
}

test('patch --tree at the head of a series whose later patch changes an earlier patch\'s line: the series is taken back off the head, the same findings as on the base', () => {
  const repo = seriesAndComment('\t\tput_page(virt_to_page(phys_to_virt(phys_addr)));', '/* rx page */');
  const mbox = git(repo, 'format-patch', '--stdout', 'HEAD~3');
  const onHead = patch(['-', '--tree', repo], mbox);
  git(repo, 'checkout', '-q', 'HEAD~3');
  const onBase = patch(['-', '--tree', repo], mbox);
  assert.equal(onBase.err, '');
  assert.equal(onBase.out.trim().split('\n').length, 2, onBase.out);
  assert.equal(onHead.out, onBase.out);
  assert.equal(onHead.err, '', 'nothing lost, nothing to note');
});

test('git log -p and git show output: commits are patches of their own, newest first or --reverse, on the base and on the head', () => {
  // A reviewer's `git log -p origin/master.. | iova-lens patch - --tree .`: the third commit changes a line the
  // second added, so the commits only apply one after the other, in the right order. It was read as one patch:
  // "a hunk does not apply", and the findings were lost.
  const repo = seriesAndComment('\tdata = phys_to_virt(phys_addr);', '/* rx */');
  const mbox = git(repo, 'format-patch', '--stdout', 'HEAD~3');
  const newestFirst = git(repo, 'log', '-p', 'HEAD~3..HEAD');
  const oldestFirst = git(repo, 'log', '-p', '--reverse', 'HEAD~3..HEAD');
  assert.match(newestFirst, /^commit [0-9a-f]{40}/);
  const findings = (input: string) => {
    const r = patch(['-', '--tree', repo, '--format', 'json'], input);
    assert.equal(r.code, 1, r.err);
    return { findings: JSON.parse(r.out).findings, err: r.err };
  };
  const onHead = [findings(newestFirst), findings(oldestFirst), findings(mbox)];
  git(repo, 'checkout', '-q', 'HEAD~3');
  const onBase = [findings(newestFirst), findings(oldestFirst), findings(mbox)];
  assert.equal(onBase[2].findings.length, 2);
  for (const r of [...onBase, ...onHead]) assert.deepEqual(r.findings, onBase[2].findings);
  for (const r of onBase) assert.equal(r.err, '');
  // `git show` of one commit is one patch (the last: its added line is the tree's line 64).
  git(repo, 'checkout', '-q', '-');
  const show = patch(['-', '--tree', repo, '--format', 'json'], git(repo, 'show', 'HEAD'));
  assert.deepEqual(JSON.parse(show.out).findings.map((f: { line: number }) => f.line), [64]);
});

test('commits that only append to a file: on the head, newest first, no line is counted twice (a finding was past the end of the file)', () => {
  const repo = mkdtempSync(join(tmpdir(), 'iova-append-'));
  mkdirSync(join(repo, 'drivers', 'foo'), { recursive: true });
  const file = join(repo, 'drivers', 'foo', 'foo.c');
  let text = '#include <linux/dma-mapping.h>\n\nstruct foo_buf { dma_addr_t dma; };\n';
  writeFileSync(file, text);
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'base');
  for (const [fn, conv] of [['foo_a', 'phys_to_virt'], ['foo_b', '__va']]) {
    text += `\nvoid *${fn}(struct foo_buf *b)\n{\n\treturn ${conv}(b->dma);\n}\n`;
    writeFileSync(file, text);
    git(repo, 'commit', '-qam', fn);
  }
  const lines = (input: string) => JSON.parse(patch(['-', '--tree', repo, '--format', 'json'], input).out).findings.map((f: { line: number; rule: string }) => `${f.line} ${f.rule}`);
  const want = ['7 dma-addr-as-phys', '7 linear-map-assumption', '12 dma-addr-as-phys', '12 linear-map-assumption'];
  const inputs = [git(repo, 'log', '-p', 'HEAD~2..HEAD'), git(repo, 'log', '-p', '--reverse', 'HEAD~2..HEAD'), git(repo, 'format-patch', '--stdout', 'HEAD~2')];
  for (const input of inputs) assert.deepEqual(lines(input), want, 'on the head');
  git(repo, 'checkout', '-q', 'HEAD~2');
  for (const input of inputs) assert.deepEqual(lines(input), want, 'on the base');
});

test('a quilt or `diff -u linux.orig/ linux/` patch applies to the tree like a git one; a file the tree lacks is a note', () => {
  const { repo, mbox } = series();
  const git1 = patch(['-', '--tree', repo, '--format', 'json'], mbox);
  // The same two patches as quilt writes them (directory names instead of a/ and b/, timestamps).
  const quilt = mbox
    .replace(/^diff --git .*\n(?:index .*\n)?/gm, '')
    .replace(/^--- a\/(.*)$/gm, '--- linux-6.12.orig/$1\t2026-11-26 02:00:00.000000000 +0000')
    .replace(/^\+\+\+ b\/(.*)$/gm, '+++ linux-6.12/$1\t2026-11-26 02:00:01.000000000 +0000');
  assert.match(quilt, /^\+\+\+ linux-6\.12\/drivers\//m);
  const r = patch(['-', '--tree', repo, '--format', 'json'], quilt);
  assert.equal(r.err, '');
  assert.equal(JSON.parse(git1.out).findings.length, 2);
  assert.deepEqual(JSON.parse(r.out).findings, JSON.parse(git1.out).findings);
  // A tree without the file: the hunks alone, and a note saying so (it was silent).
  const other = mkdtempSync(join(tmpdir(), 'iova-patch-other-'));
  const elsewhere = patch(['-', '--tree', other], mbox);
  assert.match(elsewhere.err, /^iova-lens: drivers\/net\/ethernet\/cavium\/thunder\/nicvf_queues\.c: not in the tree; analysed the hunks' own lines$/m);
});

test('coloured git output (color.ui = always) gives the same findings as plain output', () => {
  const { repo, mbox } = series();
  git(repo, 'checkout', '-q', '-');
  const coloured = git(repo, '-c', 'color.ui=always', 'log', '-p', '--reverse', 'HEAD~2..HEAD');
  assert.match(coloured, /\x1b\[/);
  git(repo, 'checkout', '-q', 'HEAD~2');
  const plain = patch(['-', '--tree', repo, '--format', 'json'], mbox);
  const r = patch(['-', '--tree', repo, '--format', 'json'], coloured);
  assert.equal(r.err, '');
  assert.equal(JSON.parse(plain.out).findings.length, 2);
  assert.deepEqual(JSON.parse(r.out).findings, JSON.parse(plain.out).findings);
});

test('a file whose name git quotes (non-ASCII) is found in the tree and reported by its name', () => {
  // It was read as `"b/drivers/dir \303\251/x y.c"`, not a .c file: nothing analysed, exit 0, silently.
  const repo = mkdtempSync(join(tmpdir(), 'iova-patch-quoted-'));
  const dir = join(repo, 'drivers', 'dir é');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'x y.c'), 'void *f(u64 a)\n{\n\treturn NULL;\n}\n');
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'base');
  writeFileSync(join(dir, 'x y.c'), 'void *f(struct iommu_domain *d, u64 a)\n{\n\treturn phys_to_virt(iommu_iova_to_phys(d, a));\n}\n');
  const diff = git(repo, 'diff');
  assert.match(diff, /^\+\+\+ "b\/drivers\/dir \\303\\251\/x y\.c"/m);
  const r = patch(['-', '--tree', repo, '--format', 'json'], diff);
  assert.equal(r.code, 1, r.err);
  assert.equal(r.err, '');
  const found = JSON.parse(r.out).findings as { path: string; line: number }[];
  assert.deepEqual([...new Set(found.map((f) => `${f.path}:${f.line}`))], ['drivers/dir é/x y.c:3']);
  // The same with git's mnemonic prefixes (i/ and w/ for `git diff`) and with none.
  for (const opt of ['diff.mnemonicPrefix=true', 'diff.noprefix=true']) {
    const other = git(repo, '-c', opt, 'diff');
    assert.doesNotMatch(other, /^\+\+\+ "b\//m);
    assert.deepEqual(JSON.parse(patch(['-', '--tree', repo, '--format', 'json'], other).out).findings, found, opt);
  }
});

test('a patch that brings a bug about on an unchanged line is reported there (dma_unmap_page() added before an existing translation); one that only adds a use of an existing finding is not', () => {
  const repo = mkdtempSync(join(tmpdir(), 'iova-patch-caused-'));
  mkdirSync(join(repo, 'drivers', 'acme'), { recursive: true });
  writeFileSync(join(repo, 'MAINTAINERS'), '');
  const file = join(repo, 'drivers', 'acme', 'acme.c');
  const base = [
    'void *acme_rx(struct device *dev, struct iommu_domain *dom, dma_addr_t dma)',
    '{',
    '\tphys_addr_t pa;',
    '',
    '\tpa = iommu_iova_to_phys(dom, dma);',
    '\tif (!pa)',
    '\t\treturn NULL;',
    '\treturn phys_to_virt(pa);',
    '}',
    '',
  ].join('\n');
  writeFileSync(file, base);
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'base');
  writeFileSync(file, base.replace('\tpa = iommu_iova_to_phys(dom, dma);\n', '\tdma_unmap_page(dev, dma, 2048, DMA_FROM_DEVICE);\n\tpa = iommu_iova_to_phys(dom, dma);\n'));
  const unmap = git(repo, 'diff');
  const rules = (r: { out: string }) => (JSON.parse(r.out).findings as { line: number; rule: string; related: { line: number }[] }[]).map((f) => `${f.line}:${f.rule}`);
  // With the tree, and with the hunk alone (its context then must hold the whole function): the
  // translation after the added unmap, at its own (unchanged) line.
  for (const [args, input] of [[['-', '--tree', repo, '--format', 'json'], unmap], [['-', '--format', 'json'], git(repo, 'diff', '-U10')]] as const) {
    const r = patch([...args], input);
    assert.deepEqual(rules(r), ['6:translate-after-unmap'], `${args.join(' ')}: ${r.out}`);
    assert.equal(r.code, 1);
  }
  // `scan x.patch` shows it on the added line that brings it about.
  writeFileSync(join(repo, 'unmap.patch'), unmap);
  const s = spawnSync(process.execPath, [CLI, 'scan', 'unmap.patch', '--format', 'gcc', '--no-cache'], { cwd: repo, encoding: 'utf8' });
  assert.match(s.stdout, /^unmap\.patch:\d+:\d+: warning: drivers\/acme\/acme\.c:6: \S+ translates dma after dma_unmap_page\(\)/m);
  // A patch that only edits the existing unmap call: the finding was there before — not the patch's.
  git(repo, 'checkout', '-q', '.');
  writeFileSync(file, base.replace('\tpa = iommu_iova_to_phys(dom, dma);\n', '\tdma_unmap_page(dev, dma, PAGE_SIZE, DMA_FROM_DEVICE);\n\tpa = iommu_iova_to_phys(dom, dma);\n'));
  git(repo, 'commit', '-qam', 'unmap');
  writeFileSync(file, readFileSync(file, 'utf8').replace('PAGE_SIZE', '2048'));
  const edit = patch(['-', '--tree', repo, '--format', 'json'], git(repo, 'diff'));
  assert.deepEqual(rules(edit), [], edit.out);
  git(repo, 'checkout', '-q', '.');
  git(repo, 'reset', '-q', '--hard', 'HEAD~1');
  // A line that only uses what an existing finding made: not the patch's bug.
  writeFileSync(file, base.replace('\treturn phys_to_virt(pa);\n', '\tmemset(phys_to_virt(pa), 0, 64);\n\treturn phys_to_virt(pa);\n'));
  const use = git(repo, 'diff');
  const u = patch(['-', '--tree', repo, '--format', 'json'], use);
  assert.ok(rules(u).every((x) => x.startsWith('8:')), u.out);
});

test('--tree: a patch path with .. or an absolute one is not read outside the tree (git apply refuses them too)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iova-patch-escape-'));
  mkdirSync(join(dir, 'tree', 'drivers'), { recursive: true });
  const src = 'void *f(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn phys_to_virt(iommu_iova_to_phys(d, a));\n}\n';
  writeFileSync(join(dir, 'outside.c'), '/* outside */\n'.repeat(10) + src);
  for (const path of ['../outside.c', join(dir, 'outside.c')]) {
    const diff = `--- a/${path}\n+++ b/${path}\n@@ -13 +13 @@\n-\treturn phys_to_virt(iommu_iova_to_phys(d, a));\n+\treturn phys_to_virt(iommu_iova_to_phys(d, a)); \n`;
    const r = patch(['-', '--tree', join(dir, 'tree'), '--format', 'json'], diff);
    assert.match(r.err, /not in the tree; analysed the hunks' own lines/, `${path}: ${r.err}`);
    // (Read from the tree, the outside file's function would give findings at line 13.)
    assert.deepEqual(JSON.parse(r.out).findings, [], path);
  }
});

test('patch without a tree: a hunk inside a function is read as that function\'s body (git\'s hunk header names it), with the findings the whole file gives on the added line', () => {
  const repo = mkdtempSync(join(tmpdir(), 'iova-patch-frame-'));
  const file = 'drivers/net/ethernet/acme/acme_rx.c';
  mkdirSync(join(repo, 'drivers/net/ethernet/acme'), { recursive: true });
  // A signature over two lines, and enough of a body that the hunk's context holds no line of it.
  const body = (use: string) =>
    [
      '// SPDX-License-Identifier: GPL-2.0',
      'static struct sk_buff *acme_rx_skb(struct acme_priv *priv,',
      '\t\t\t\t   dma_addr_t iova, unsigned int len)',
      '{',
      '\tstruct sk_buff *skb;',
      '\tphys_addr_t pa;',
      '\tvoid *va;',
      '',
      '\tif (!len)',
      '\t\treturn NULL;',
      '\tpa = iommu_iova_to_phys(priv->domain, iova);',
      '\tprefetch(priv);',
      '\tpriv->stats.rx++;',
      use,
      '\tskb = build_skb(va, len);',
      '\tif (!skb)',
      '\t\treturn NULL;',
      '\treturn skb;',
      '}',
      '',
    ].join('\n');
  writeFileSync(join(repo, file), body('\tva = NULL;'));
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'base');
  writeFileSync(join(repo, file), body('\tva = phys_to_virt(pa);'));
  git(repo, 'commit', '-qam', 'acme: build the skb on the looked-up address');
  const mbox = git(repo, 'format-patch', '--stdout', 'HEAD~1');
  assert.match(mbox, /^@@ -11,7 \+11,7 @@ static struct sk_buff \*acme_rx_skb\(struct acme_priv \*priv,$/m, 'git names the function in the hunk header');
  const r = patch(['-', '--format', 'json'], mbox);
  assert.equal(r.code, 1, r.err);
  const got = JSON.parse(r.out).findings as { rule: string; line: number; column: number; function: string; related: { line: number }[] }[];
  // The whole file, scanned: the base has no finding, so all the head's are the patch's (the lookup on
  // line 11 is one the added use on line 14 brings about).
  const scan = () => JSON.parse(spawnSync(process.execPath, [CLI, 'scan', '--root', repo, join(repo, file), '--format', 'json', '--no-cache'], { encoding: 'utf8' }).stdout).findings as typeof got;
  const want = scan();
  assert.deepEqual([...new Set(want.map((f) => f.line))], [11, 14]);
  git(repo, 'checkout', '-q', 'HEAD~1');
  assert.deepEqual(scan(), []);
  assert.deepEqual(
    got.map((f) => [f.rule, f.line, f.column, f.function]),
    want.map((f) => [f.rule, f.line, f.column, f.function]),
  );
  assert.ok(got.every((f) => f.function === 'acme_rx_skb'));
  // The frame (the header's signature on line 10) is no line of the file: no related location points there.
  assert.ok(got.every((f) => f.related.every((x) => x.line !== 10)), JSON.stringify(got.map((f) => f.related)));
});

test('patch without --tree, at a terminal: one line on stderr says what the hunks alone cannot show; not in a pipe, and not with --tree', async () => {
  const { repo, mbox } = series();
  const f = join(repo, 'series.mbox');
  writeFileSync(f, mbox);
  const run = async (args: string[], tty: boolean) => {
    const err: string[] = [];
    const out: string[] = [];
    const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), progress: () => {}, isTTY: false, errIsTTY: tty };
    const code = await runPatch(args, io, () => '');
    return { code, err, out: out.join('') };
  };
  const alone = await run([f], true);
  assert.deepEqual(alone.err, [NO_TREE_HINT]);
  assert.match(NO_TREE_HINT, /^iova-lens: no --tree: .* -W/);
  assert.deepEqual((await run([f], false)).err, [], 'in a pipe');
  const withTree = await run([f, '--tree', repo], true);
  assert.deepEqual(withTree.err, [], 'with --tree');
  assert.equal(withTree.code, 1, 'the tree shows the findings');
});
