// SPDX-License-Identifier: MIT
// Bad input to the CLI (issue 9): each gets one clear line on stderr and the
// rest of the work goes on — a missing path, a directory of binaries, a 20 MB
// file, a symlink loop, an unreadable file, a malformed .iova-lens.json (one
// line naming the key, exit 2), a malformed diff for `patch`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, chmodSync, rmSync, readFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLI, SAMPLE } from '../helpers';

const NICVF = readFileSync(join(SAMPLE, 'drivers/net/ethernet/cavium/thunder/nicvf_queues.h'), 'utf8');

function cli(args: string[], cwd: string, input?: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr, errLines: r.stderr.split('\n').filter(Boolean) };
}

function tree(): string {
  const d = mkdtempSync(join(tmpdir(), 'iova-lens-bad-'));
  mkdirSync(join(d, 'drivers', 'acme'), { recursive: true });
  writeFileSync(join(d, 'drivers', 'acme', 'good.h'), NICVF);
  return d;
}

test('scan: a missing path is a usage error on one line (exit 2)', () => {
  const d = tree();
  try {
    const r = cli(['scan', 'no/such/dir', '--format', 'json'], d);
    assert.equal(r.code, 2);
    assert.equal(r.errLines.length, 1, r.err);
    assert.match(r.errLines[0], /^iova-lens: no\/such\/dir: no such file or directory$/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('scan: binaries, a 20 MB file, a symlink loop and a dangling link are one error line each; the good file is still analysed', () => {
  const d = tree();
  try {
    const bin = join(d, 'drivers', 'acme', 'bin');
    mkdirSync(bin);
    for (let i = 0; i < 3; i++) writeFileSync(join(bin, `blob${i}.c`), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0, 0xff, i]));
    writeFileSync(join(d, 'drivers', 'acme', 'huge.c'), Buffer.alloc(20 * 1024 * 1024, 0x20));
    symlinkSync('.', join(d, 'drivers', 'acme', 'loop'));
    symlinkSync('loop2.c', join(d, 'drivers', 'acme', 'loop1.c'));
    symlinkSync('loop1.c', join(d, 'drivers', 'acme', 'loop2.c'));
    symlinkSync('/nonexistent/iova-lens', join(d, 'drivers', 'acme', 'dangling.c'));
    const r = cli(['scan', 'drivers', '--format', 'json', '--no-cache', '--jobs', '1'], d);
    assert.equal(r.code, 1, `findings in good.h decide the exit status: ${r.err}`);
    const j = JSON.parse(r.out);
    assert.ok(j.findings.some((f: { path: string }) => f.path === 'drivers/acme/good.h'), 'the readable file is analysed');
    const byPath = new Map<string, string>(j.errors.map((e: { path: string; message: string }) => [e.path, e.message]));
    for (let i = 0; i < 3; i++) assert.match(byPath.get(`drivers/acme/bin/blob${i}.c`) ?? '', /binary file/);
    assert.match(byPath.get('drivers/acme/huge.c') ?? '', /too large \(20\.0 MB > 8 MB\)/);
    assert.match(byPath.get('drivers/acme/loop1.c') ?? '', /symlink loop/);
    assert.match(byPath.get('drivers/acme/loop') ?? '', /symlink loop/);
    assert.match(byPath.get('drivers/acme/dangling.c') ?? '', /^dangling symlink \(its target does not exist\)$/);
    // stderr: one line per error, each naming the path.
    assert.equal(r.errLines.length, j.errors.length, r.err);
    for (const e of j.errors) assert.ok(r.errLines.some((l) => l.includes(e.path) && l.includes(e.message)), e.path);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('scan: a file name with a newline or an escape character stays on one gcc, text and stderr line each (JSON keeps the name as it is)', () => {
  const d = tree();
  try {
    const odd = 'odd\nname\x1b[31m.h';
    writeFileSync(join(d, 'drivers', 'acme', odd), NICVF);
    writeFileSync(join(d, 'drivers', 'acme', 'bin\nary.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0]));
    const gcc = cli(['scan', 'drivers', '--format', 'gcc', '--no-cache', '--jobs', '1'], d);
    const json = JSON.parse(cli(['scan', 'drivers', '--format', 'json', '--no-cache', '--jobs', '1'], d).out);
    const n = json.findings.filter((f: { path: string }) => f.path === `drivers/acme/${odd}`).length;
    assert.ok(n > 0, 'the oddly named header is analysed');
    const lines = gcc.out.split('\n').filter(Boolean);
    assert.equal(lines.length, json.findings.length, gcc.out);
    assert.equal(lines.filter((l) => l.startsWith('drivers/acme/odd\\nname\\x1b[31m.h:')).length, n, gcc.out);
    assert.ok(!gcc.out.includes('\x1b') && !gcc.err.includes('\x1b'), 'no escape character reaches the terminal');
    assert.equal(gcc.errLines.length, 1, gcc.err);
    assert.match(gcc.errLines[0], /^iova-lens: drivers\/acme\/bin\\nary\.c: binary file/);
    const text = cli(['scan', 'drivers', '--format', 'text', '--no-cache', '--jobs', '1'], d);
    assert.ok(text.out.split('\n').includes('drivers/acme/odd\\nname\\x1b[31m.h'), text.out);
    assert.ok(text.out.includes('error: drivers/acme/bin\\nary.c: binary file'), text.out);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('scan: an unreadable file is one error line', () => {
  const d = tree();
  try {
    const p = join(d, 'drivers', 'acme', 'secret.c');
    writeFileSync(p, 'int x;\n');
    chmodSync(p, 0o000);
    const args = ['scan', 'drivers', '--format', 'json', '--no-cache', '--jobs', '1'];
    let r: ReturnType<typeof cli>;
    if (process.getuid?.() !== 0) r = cli(args, d);
    else {
      // Root reads mode-000 files: the CLI runs as `nobody` instead, from a
      // copy of dist/ in the (now world-readable) temporary tree, so that
      // where the repository lives does not matter.
      for (const dir of [d, join(d, 'drivers'), join(d, 'drivers', 'acme')]) chmodSync(dir, 0o755);
      cpSync(dirname(CLI), join(d, 'dist'), { recursive: true });
      const n = spawnSync(process.execPath, [join(d, 'dist', 'cli.js'), ...args], { cwd: d, encoding: 'utf8', timeout: 60_000, uid: 65534, gid: 65534 });
      r = { code: n.status, out: n.stdout, err: n.stderr || String(n.error ?? ''), errLines: n.stderr.split('\n').filter(Boolean) };
    }
    const j = JSON.parse(r.out);
    assert.ok(j.errors.some((e: { path: string; message: string }) => e.path === 'drivers/acme/secret.c' && /permission denied/.test(e.message)), r.err);
    assert.ok(j.findings.length > 0);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

const BAD_CONFIGS: [string, string, RegExp][] = [
  ['unknown key', '{"rulez": {}}', /unknown key "rulez"/],
  ['rules not an object', '{"rules": 5}', /"rules" must be an object/],
  ['unknown rule', '{"rules": {"iova-reverse-lokup": "off"}}', /unknown rule "rules\.iova-reverse-lokup"/],
  ['bad severity', '{"rules": {"iova-reverse-lookup": "loud"}}', /"rules\.iova-reverse-lookup" must be one of off, info, warning, error/],
  ['include a string', '{"include": "drivers/**"}', /"include" must be an array of glob strings/],
  ['exclude with a number', '{"exclude": ["a", 1]}', /"exclude" must be an array of glob strings/],
  ['ownsTranslation an object', '{"ownsTranslation": {}}', /"ownsTranslation" must be an array of glob strings/],
  ['not an object', '[1, 2]', /the config must be a JSON object/],
  ['invalid JSON', '{"rules": {', /invalid JSON/],
];

for (const [what, text, re] of BAD_CONFIGS) {
  test(`scan: malformed .iova-lens.json (${what}) → one line naming it, exit 2`, () => {
    const d = tree();
    try {
      writeFileSync(join(d, '.iova-lens.json'), text);
      const r = cli(['scan', 'drivers', '--format', 'json', '--no-cache'], d);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.errLines.length, 1, r.err);
      assert.match(r.errLines[0], /^iova-lens: .*\.iova-lens\.json: /);
      assert.match(r.errLines[0], re);
      assert.equal(r.out, '', 'no report on a config error');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
}

const BAD_DIFFS: [string, string, RegExp][] = [
  ['not a diff', 'hello\nthis is not a patch\n', /no unified diff found/],
  ['hunk cut short', '--- a/drivers/acme/x.c\n+++ b/drivers/acme/x.c\n@@ -1,3 +1,4 @@\n int a;\n+int b;\n', /hunk of drivers\/acme\/x\.c ends early/],
  ['binary garbage', '\u0000\u0001\u0002PK\u0003\u0004', /no unified diff found/],
];

for (const [what, text, re] of BAD_DIFFS) {
  test(`patch: malformed diff (${what}) → one line, exit 2`, () => {
    const d = tree();
    try {
      const r = cli(['patch', '-'], d, text);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.errLines.length, 1, r.err);
      assert.match(r.errLines[0], /^iova-lens: stdin: /);
      assert.match(r.errLines[0], re);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
}

test('patch: empty input (what git format-patch writes for an empty commit) is one note, no finding, exit 0', () => {
  const d = tree();
  try {
    for (const text of ['', '\n\n']) {
      const r = cli(['patch', '-', '--format', 'json'], d, text);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(r.errLines, ['iova-lens: stdin: empty, no patch to check']);
      assert.deepEqual(JSON.parse(r.out).findings, []);
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('patch typed alone in a terminal (no file, nothing piped in) is a usage error, not a silent wait for input', () => {
  // A real terminal: `script` (util-linux, in every Debian) runs the CLI on a pseudo-terminal.
  const r = spawnSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} patch`, '/dev/null'], { encoding: 'utf8', input: '', timeout: 20_000 });
  assert.equal(r.status, 2, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /iova-lens: patch: no patch given: name a file, or pipe one/);
});

test('patch: a missing patch file is one line, exit 2', () => {
  const d = tree();
  try {
    const r = cli(['patch', 'nope.patch'], d);
    assert.equal(r.code, 2);
    assert.equal(r.errLines.length, 1, r.err);
    assert.match(r.errLines[0], /nope\.patch: cannot read the patch \(ENOENT\)/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('scan: a missing parser wasm is one line naming the file (exit 2), with or without worker threads', () => {
  const d = tree();
  const dist = mkdtempSync(join(tmpdir(), 'iova-lens-dist-'));
  try {
    cpSync(dirname(CLI), dist, { recursive: true });
    rmSync(join(dist, 'tree-sitter-c.wasm'));
    // Three driver folders, so that --jobs 2 starts worker threads.
    for (const drv of ['a', 'b', 'c']) {
      mkdirSync(join(d, 'drivers', drv), { recursive: true });
      writeFileSync(join(d, 'drivers', drv, 'x.h'), NICVF);
    }
    for (const jobs of ['1', '2']) {
      const r = spawnSync(process.execPath, [join(dist, 'cli.js'), 'scan', 'drivers', '--format', 'json', '--no-cache', '--jobs', jobs], { cwd: d, encoding: 'utf8', timeout: 60_000 });
      const lines = r.stderr.split('\n').filter(Boolean);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^iova-lens: cannot load the C parser: .*tree-sitter-c\.wasm is missing or unreadable \(ENOENT\)/);
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
    rmSync(dist, { recursive: true, force: true });
  }
});

test('a config or baseline that is a FIFO, /dev/zero, a dangling link or an empty name: one line, exit 2, no wait', () => {
  const d = tree();
  try {
    spawnSync('mkfifo', [join(d, 'fifo.json')]);
    symlinkSync('/dev/zero', join(d, 'zero.json'));
    for (const [args, why] of [
      [['--config', 'fifo.json'], /cannot read config \(not a regular file/],
      [['--config', 'zero.json'], /cannot read config \(not a regular file/],
      [['--config', ''], /--config needs a file/],
      [['--baseline', 'fifo.json'], /cannot read baseline \(not a regular file/],
      [['--baseline', 'zero.json'], /cannot read baseline \(not a regular file/],
    ] as [string[], RegExp][]) {
      const r = cli(['scan', 'drivers', '--no-cache', ...args], d);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.errLines.length, 1, r.err);
      assert.match(r.errLines[0], why);
    }
    // Found upward: a FIFO, then a dangling link, named .iova-lens.json.
    spawnSync('mkfifo', [join(d, '.iova-lens.json')]);
    let r = cli(['scan', 'drivers', '--no-cache'], d);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /\.iova-lens\.json: cannot read config \(not a regular file/);
    rmSync(join(d, '.iova-lens.json'));
    symlinkSync(join(d, 'gone.json'), join(d, '.iova-lens.json'));
    r = cli(['scan', 'drivers', '--no-cache'], d);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /\.iova-lens\.json: cannot read config \(dangling symlink\)/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('globs that would hang or crash the matcher are a config error naming the key (brace ranges, many wildcards, thousands of globs, an unbalanced [)', () => {
  const d = tree();
  try {
    for (const [cfg, why] of [
      [{ exclude: ['{1..9999999999}'] }, /"exclude": glob "\{1\.\.9999999999\}": brace ranges/],
      [{ include: ['*'.repeat(1) + 'a*'.repeat(40) + 'b'] }, /"include": glob .* has more than 16 wildcards/],
      [{ exclude: Array.from({ length: 5000 }, (_, i) => `x${i}/**`) }, /"exclude": 5000 globs; at most 1000/],
      [{ ownsTranslation: ['drivers/[iommu/**'] }, /"ownsTranslation": glob "drivers\/\[iommu\/\*\*" has an unbalanced \[ or \{/],
    ] as [object, RegExp][]) {
      writeFileSync(join(d, '.iova-lens.json'), JSON.stringify(cfg));
      const t0 = Date.now();
      const r = cli(['scan', 'drivers', '--no-cache'], d);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.errLines.length, 1, r.err);
      assert.match(r.errLines[0], why);
      assert.ok(Date.now() - t0 < 20_000);
    }
    // Well-formed globs still work: 1000 of them, braces and classes included.
    writeFileSync(join(d, '.iova-lens.json'), JSON.stringify({ exclude: [...Array.from({ length: 998 }, (_, i) => `x${i}/**`), '{a,b}/[xy]*.c', 'drivers/acme/**'] }));
    const ok = cli(['scan', 'drivers', '--no-cache', '--format', 'json'], d);
    assert.equal(ok.code, 0, ok.err);
    assert.equal(JSON.parse(ok.out).findings.length, 0);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('patch: a new file of 130,000 lines in one hunk does not overflow the stack; the series\' other patch is still reported', () => {
  const d = tree();
  try {
    const big = Array.from({ length: 130_000 }, (_, i) => `+int v${i};`);
    const text = [
      'diff --git a/drivers/acme/gen.h b/drivers/acme/gen.h', 'new file mode 100644', '--- /dev/null', '+++ b/drivers/acme/gen.h', `@@ -0,0 +1,${big.length} @@`, ...big,
      'diff --git a/drivers/acme/rx.c b/drivers/acme/rx.c', 'new file mode 100644', '--- /dev/null', '+++ b/drivers/acme/rx.c', '@@ -0,0 +1,4 @@',
      '+static void *acme_rx(struct iommu_domain *d, dma_addr_t iova)', '+{', '+\treturn phys_to_virt(iommu_iova_to_phys(d, iova));', '+}', '',
    ].join('\n');
    const r = cli(['patch', '-', '--format', 'gcc'], d, text);
    assert.equal(r.code, 1, r.err);
    assert.doesNotMatch(r.err, /internal error|RangeError/);
    assert.match(r.out, /drivers\/acme\/rx\.c:3:\d+: warning: .*\[iova-reverse-lookup\]/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('8,000 one-line translating functions (800 KB) are analysed whole on every run: the parser\'s limit counts steps, not milliseconds', () => {
  const d = tree();
  try {
    writeFileSync(join(d, 'drivers', 'acme', 'big.c'), Array.from({ length: 8000 }, (_, i) => `void *p${i}(struct iommu_domain *d, dma_addr_t i) { return phys_to_virt(iommu_iova_to_phys(d, i)); }\n`).join(''));
    const r = cli(['scan', 'drivers/acme/big.c', '--no-cache', '--format', 'json'], d);
    const j = JSON.parse(r.out);
    assert.ok(!j.findings.some((f: { rule: string; message: string }) => f.rule === 'analysis-limit' && /parser gave up/.test(f.message)), r.err);
    // 200 findings of the file, then the cap's one summary line.
    assert.equal(j.findings.length, 201);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('a function-like macro over 64 KB that names a translation is not analysed — and the file says so (analysis-limit), not silently', () => {
  const d = tree();
  try {
    const body = Array.from({ length: 2700 }, (_, k) => `\tx${k} = foo(bar, ${k}); \\\n`).join('');
    writeFileSync(join(d, 'drivers', 'acme', 'big.c'), `#define BIG(d, i) \\\n${body}\tphys_to_virt(iommu_iova_to_phys(d, i))\n`);
    const r = cli(['scan', 'drivers/acme/big.c', '--no-cache', '--format', 'gcc'], d);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^drivers\/acme\/big\.c:1:1: note: a function-like macro longer than 64 KB names a translation API and was not analysed .*\[analysis-limit\]$/m);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('messages stay one readable line: an option value starting with a dash, a binary baseline, a file just over 8 MB', () => {
  const d = tree();
  try {
    const jobs = cli(['scan', 'drivers', '--jobs', '-1'], d);
    assert.equal(jobs.code, 2);
    assert.equal(jobs.errLines.length, 1, jobs.err);
    writeFileSync(join(d, 'bin.json'), Buffer.from([0x7b, 0, 1, 2, 0x1b, 0x5b, 0x32, 0x4a]));
    const bl = cli(['scan', 'drivers', '--no-cache', '--baseline', 'bin.json'], d);
    assert.equal(bl.code, 2);
    assert.equal(bl.errLines.length, 1, bl.err);
    assert.doesNotMatch(bl.err.trimEnd(), /[\u0000-\u001f\u007f]/);
    writeFileSync(join(d, 'drivers', 'acme', 'big.c'), Buffer.alloc(8 * 1024 * 1024 + 15, 0x20));
    const big = cli(['scan', 'drivers', '--no-cache', '--format', 'json'], d);
    assert.match(big.err, /drivers\/acme\/big\.c: file too large \(8,388,623 bytes > 8 MB = 8,388,608\)/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
