// SPDX-License-Identifier: MIT
// The kernel corpus (issue 4): scans drivers/ and sound/ of Debian's
// linux-source-6.12 with the built CLI and compares the findings with the
// hand-reviewed test/corpus/expected.tsv, keyed on path + function + rule +
// the line's text (not line numbers). Skipped, with the command that
// provides the tree, when .cache/linux-6.12/ is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadParser } from '../../src/server/wasm';
import { Workspace } from '../../src/server/workspace';
import { toCodePointColumns } from '../../src/core/lines';
import { parseDiff, postImages } from '../../src/core/patch';
import { checkPostImages } from '../../src/core/patch-check';
import { DEFAULT_CONFIG } from '../../src/core/config';

function repoRoot(): string {
  let d = __dirname;
  for (let i = 0; i < 8; i++) {
    const p = join(d, 'package.json');
    if (existsSync(p) && JSON.parse(readFileSync(p, 'utf8')).name === 'iova-lens') return d;
    d = join(d, '..');
  }
  throw new Error(`cannot find the iova-lens repository above ${__dirname}`);
}

const ROOT = repoRoot();
const TREE = join(ROOT, '.cache', 'linux-6.12');
const CLI = join(ROOT, 'dist', 'cli.js');
const FETCH = 'node scripts/corpus.mjs --fetch';
const present = existsSync(join(TREE, '.iova-lens-unpacked')) && existsSync(join(TREE, 'drivers'));
const skip = present ? false : `kernel tree ${TREE} is absent; provide it with \`${FETCH}\``;

interface JsonFinding {
  path: string;
  line: number;
  rule: string;
  function: string | null;
  concerns: string[];
}

function scan(paths: string[]): { findings: JsonFinding[]; filesScanned: number; ms: number } {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [CLI, 'scan', ...paths, '--format', 'json', '--root', TREE], {
    cwd: TREE,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const ms = Date.now() - t0;
  assert.ok(r.status === 0 || r.status === 1, `scan exited ${r.status}: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  return { findings: out.findings, filesScanned: out.filesScanned, ms };
}

const lineCache = new Map<string, string[]>();
function lineText(path: string, line: number): string {
  let lines = lineCache.get(path);
  if (!lines) {
    lines = readFileSync(join(TREE, path), 'utf8').split('\n');
    lineCache.set(path, lines);
  }
  return (lines[line - 1] ?? '').trim().replace(/\t/g, ' ');
}

const key = (path: string, fn: string, rule: string, text: string) => [path, fn, rule, text].join('\t');

function expectedRows(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const l of readFileSync(join(ROOT, 'test', 'corpus', 'expected.tsv'), 'utf8').split('\n')) {
    if (!l || l.startsWith('#') || l.startsWith('path\t')) continue;
    const [path, fn, rule, text, reason] = l.split('\t');
    assert.ok(reason && reason.trim().length > 10, `expected.tsv row without a reason: ${l}`);
    const k = key(path, fn, rule, text);
    rows.set(k, (rows.get(k) ?? 0) + 1);
  }
  return rows;
}

test('corpus: drivers/ and sound/ of linux 6.12 match the reviewed findings', { skip }, (t) => {
  const { findings, filesScanned, ms } = scan(['drivers', 'sound']);
  const perRule: Record<string, number> = {};
  for (const f of findings) perRule[f.rule] = (perRule[f.rule] ?? 0) + 1;
  t.diagnostic(`scanned ${filesScanned} files in ${(ms / 1000).toFixed(1)} s: ${findings.length} findings ${JSON.stringify(perRule)}`);

  const got = new Map<string, { n: number; where: string[] }>();
  for (const f of findings) {
    const k = key(f.path, f.function ?? '', f.rule, lineText(f.path, f.line));
    const g = got.get(k) ?? { n: 0, where: [] };
    g.n++;
    g.where.push(`${f.path}:${f.line}`);
    got.set(k, g);
  }
  const want = expectedRows();
  const extra: string[] = [];
  const missing: string[] = [];
  for (const [k, g] of got) {
    const n = want.get(k) ?? 0;
    if (g.n > n) extra.push(`+ ${g.where.join(', ')}  ${k.replace(/\t/g, ' | ')}${n ? ` (${g.n} found, ${n} expected)` : ''}`);
  }
  for (const [k, n] of want) {
    const g = got.get(k)?.n ?? 0;
    if (n > g) missing.push(`- ${k.replace(/\t/g, ' | ')}${g ? ` (${g} found, ${n} expected)` : ''}`);
  }
  assert.ok(
    extra.length === 0 && missing.length === 0,
    `findings differ from test/corpus/expected.tsv (review each by reading the code; fix the checker or add a row with a reason):\n` +
      [...extra.sort(), ...missing.sort()].join('\n'),
  );

  // The families the 2017 pattern spawned.
  const families: [string, RegExp][] = [
    ['ThunderX nicvf', /^drivers\/net\/ethernet\/cavium\/thunder\/nicvf_/],
    ['Marvell otx2', /^drivers\/net\/ethernet\/marvell\/octeontx2\/nic\//],
    ['NXP dpaa2-eth', /^drivers\/net\/ethernet\/freescale\/dpaa2\/dpaa2-eth\.c$/],
    ['NXP dpaa2-switch', /^drivers\/net\/ethernet\/freescale\/dpaa2\/dpaa2-switch\.c$/],
    ['CAAM qi', /^drivers\/crypto\/caam\/qi\.c$/],
    ['CAAM qi2', /^drivers\/crypto\/caam\/caamalg_qi2\.c$/],
    ['amdgpu_ttm debugfs iomem', /^drivers\/gpu\/drm\/amd\/amdgpu\/amdgpu_ttm\.c$/],
    ['DPAA1 dpaa_eth', /^drivers\/net\/ethernet\/freescale\/dpaa\/dpaa_eth\.c$/],
  ];
  for (const [name, re] of families) assert.ok(findings.some((f) => re.test(f.path)), `family not found: ${name}`);
  for (const f of findings) assert.ok(!/^drivers\/(iommu|vfio)\//.test(f.path), `finding in owner code: ${f.path}:${f.line}`);
});

test('corpus: silent where the code owns the translation', { skip }, (t) => {
  const archMm = readdirSync(join(TREE, 'arch'))
    .map((a) => join('arch', a, 'mm'))
    .filter((p) => existsSync(join(TREE, p)));
  const { findings, filesScanned, ms } = scan(['drivers/iommu', 'drivers/vfio', 'kernel/dma', ...archMm]);
  t.diagnostic(`scanned ${filesScanned} owner files in ${(ms / 1000).toFixed(1)} s`);
  assert.deepEqual(
    findings.map((f) => `${f.path}:${f.line} ${f.rule}`),
    [],
  );
});

test('corpus: the editor\'s own analysis of every drivers/ folder the CLI parses gives the CLI\'s findings (Scan Workspace shows both)', { skip }, async (t) => {
  // The CLI says which folders it parses (IOVA_LENS_DUMP_TASKS); the editor reads each one as opening a file of it does.
  const tasks = join(mkdtempSync(join(tmpdir(), 'iova-corpus-')), 'tasks.json');
  const r = spawnSync(process.execPath, [CLI, 'scan', 'drivers', '--format', 'json', '--no-cache', '--root', TREE], { cwd: TREE, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, IOVA_LENS_DUMP_TASKS: tasks } });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  const line = (f: { path: string; line: number; column: number; rule: string; message: string }) => `${f.path}:${f.line}:${f.column} ${f.rule} ${f.message}`;
  const cli = (JSON.parse(r.stdout).findings as (JsonFinding & { column: number; message: string })[]).filter((f) => f.rule !== 'analysis-limit');
  const dirs: string[] = JSON.parse(readFileSync(tasks, 'utf8')).parse.map((x: { dir: string }) => x.dir);
  const parser = await loadParser();
  const differ: string[] = [];
  for (const dir of dirs) {
    const ws = new Workspace(parser, TREE, [TREE], () => {}, Infinity);
    ws.indexFolder(join(TREE, dir));
    const mine = readdirSync(join(TREE, dir))
      .filter((n) => /\.[ch]$/.test(n))
      .flatMap((n) => ws.findingsFor(join(TREE, dir, n)));
    // (The CLI counts columns in characters, the editor in UTF-16 units.)
    const editor = new Set(toCodePointColumns(mine, (p) => readFileSync(join(TREE, p), 'utf8')).filter((f) => f.rule !== 'analysis-limit').map(line));
    const want = new Set(cli.filter((f) => dirname(f.path) === dir).map(line));
    for (const x of editor) if (!want.has(x)) differ.push(`editor only: ${x}`);
    for (const x of want) if (!editor.has(x)) differ.push(`CLI only: ${x}`);
  }
  t.diagnostic(`${dirs.length} folders compared, ${cli.length} CLI findings`);
  assert.ok(dirs.length > 200, `the CLI parsed ${dirs.length} folders`);
  assert.deepEqual(differ, []);
});

test('corpus: patch without a tree on patches that add back each finding\'s line — never a finding the whole file lacks, and the ones whose hunk holds the chain', { skip }, async (t) => {
  // A git repository of the files with findings, each finding's line an empty statement in the base;
  // `git diff` (with the kernel's diff=cpp hunk headers) adds them back, as a mailed patch would.
  const { findings } = scan(['drivers', 'sound']);
  const byFile = new Map<string, Set<number>>();
  for (const f of findings) byFile.set(f.path, (byFile.get(f.path) ?? new Set()).add(f.line));
  const repo = mkdtempSync(join(tmpdir(), 'iova-corpus-patch-'));
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', '-c', 'core.autocrlf=false', ...args], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 28 });
  git('init', '-q');
  writeFileSync(join(repo, '.gitattributes'), '*.c diff=cpp\n*.h diff=cpp\n');
  for (const [p, lines] of byFile) {
    mkdirSync(join(repo, dirname(p)), { recursive: true });
    writeFileSync(join(repo, p), readFileSync(join(TREE, p), 'utf8').split('\n').map((l, i) => (lines.has(i + 1) ? l.replace(/\S.*$/, ';') : l)).join('\n'));
  }
  git('add', '.');
  git('commit', '-qm', 'base');
  for (const p of byFile.keys()) writeFileSync(join(repo, p), readFileSync(join(TREE, p), 'utf8'));
  const parser = await loadParser(join(ROOT, 'dist'));
  // The default 3 lines of context, and -W (--function-context: each hunk holds its whole function).
  for (const [how, args, least] of [['git diff', [], 67], ['git diff -W', ['-W'], 121]] as const) {
    let found = 0;
    const extra: string[] = [];
    for (const p of byFile.keys()) {
      // (Columns in characters, as the CLI's: the post-image's lines with findings are the tree's.)
      const got = toCodePointColumns(checkPostImages(postImages(parseDiff(git('diff', ...args, '--', p)), () => undefined), () => [], parser, DEFAULT_CONFIG), (f) => readFileSync(join(TREE, f), 'utf8'));
      const want = findings.filter((f) => f.path === p) as (JsonFinding & { column: number })[];
      for (const g of got) {
        if (want.some((w) => w.rule === g.rule && w.line === g.line && w.column === g.column)) found++;
        else extra.push(`${g.path}:${g.line}:${g.column} ${g.rule}`);
      }
    }
    t.diagnostic(`${how}: ${found} of ${findings.length} findings found from the patch alone (${byFile.size} files)`);
    assert.deepEqual(extra, [], `${how}: a finding of the patch alone that the whole file does not have`);
    // (67 and 121 when written: those whose hunk holds the value's source — a parameter of the function the hunk header
    // names, or a line of its context. Fewer means hunks are read as less than they were.)
    assert.ok(found >= least, `${how}: only ${found} of ${findings.length} found from the patch alone`);
  }
});
