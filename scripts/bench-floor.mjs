#!/usr/bin/env node
// `npm run bench:floor`: where a cold `iova-lens scan drivers` spends its CPU,
// and how fast it could be on this machine if nothing but the work itself
// were paid for. A cold scan keeps every core busy from start to end, so its
// wall time is about its CPU seconds divided by the cores: the way to a
// faster scan is less CPU, and this script says which part is which.
//
//  1. the cold scan itself (dist/cli.js, no cache), median of BENCH_RUNS;
//  2. ripgrep alone, with the scan's own prefilter arguments;
//  3. the analysis alone: the scan's parse folders (dumped by the scan with
//     IOVA_LENS_DUMP_TASKS) replayed in one thread, with the workers' V8
//     flags, several passes in each of BENCH_RUNS processes — the first pass
//     pays the JIT warm-up that each worker isolate pays, the later ones are
//     the steady state;
//  4. the main thread's own CPU (Linux per-thread counters): start-up, the
//     walk, grouping, the quiet folders, merging, output;
//  5. the rest by difference: worker start-up, V8's helper threads, noise.
// Then: the bound with no JIT warm-up and both cores busy throughout, and
// (when spatch is installed) what a ≥ 3× lead over Coccinelle would need.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLI, REPO, RUNS, TIME, TREE, have, median, needBuildAndTree, timed } from './bench-common.mjs';

const PASSES = 6;
if (!TIME) {
  console.error('bench-floor: needs GNU time (/usr/bin/time, apt-get install time) for CPU seconds');
  process.exit(2);
}
needBuildAndTree('bench-floor');

const work = mkdtempSync(join(tmpdir(), 'iova-floor-'));
try {
  // The analysis modules as plain CommonJS (the bundles export nothing), inside the repository so
  // that they find node_modules (out-*/ is git-ignored).
  const out = join(REPO, `out-floor-${process.pid}`);
  const b = spawnSync(process.execPath, [join(REPO, 'esbuild.mjs'), '--tests'], { cwd: REPO, env: { ...process.env, IOVA_OUT: out }, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 2);

  // The main thread's own CPU, from Linux's per-thread counters (in USER_HZ, 100 per second) at exit.
  const preload = join(work, 'main-cpu.cjs');
  writeFileSync(
    preload,
    `if (require('worker_threads').isMainThread) process.on('exit', () => {
      const s = require('fs').readFileSync('/proc/thread-self/stat', 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      process.stderr.write('main-thread-cpu ' + (Number(f[11]) + Number(f[12])) / 100 + '\\n');
    });\n`,
  );
  // 1. The cold scan (no cache: its write is the same in every run), and once more to dump its parse folders.
  const scans = [];
  for (let i = 0; i < RUNS; i++) {
    const r = timed(process.execPath, ['-r', preload, CLI, 'scan', 'drivers', '--no-cache', '--format', 'json'], { env: { ...process.env, IOVA_LENS_STATS: '1' } });
    if (r.status !== 0 && r.status !== 1) {
      console.error(`bench-floor: the scan failed (${r.status}): ${r.err.slice(-400)}`);
      process.exit(1);
    }
    scans.push(r);
  }
  const workers = Number(/workers (\d+)/.exec(scans[0].err)?.[1] ?? availableParallelism());
  const tasksFile = join(work, 'tasks.json');
  timed(process.execPath, [CLI, 'scan', 'drivers', '--no-cache', '--format', 'json'], { env: { ...process.env, IOVA_LENS_DUMP_TASKS: tasksFile } });

  // 2. ripgrep alone, as the scan runs it (src/cli/ripgrep.ts).
  const { PREFILTER_NAMES } = await import(pathToFileURL(join(out, 'src', 'cli', 'ripgrep.js')).href);
  const rgArgs = ['--count', '--include-zero', '-uu', '-L', '-w', '--no-messages', '--no-config', '-g', '*.[ch]', ...PREFILTER_NAMES.flatMap((n) => ['-e', n]), '--', join(TREE, 'drivers')];
  const rg = have('rg') ? median(Array.from({ length: RUNS }, () => timed('rg', rgArgs).cpu)) : 0;

  // 3. The analysis in one thread, in a child with the workers' V8 flags.
  const replay = `
    const { tuneForShortWork } = require(${JSON.stringify(join(out, 'src', 'cli', 'pool.js'))});
    tuneForShortWork();
    const { analyzeGroup } = require(${JSON.stringify(join(out, 'src', 'cli', 'scan-group.js'))});
    const { loadParser } = require(${JSON.stringify(join(out, 'src', 'server', 'wasm.js'))});
    const { config, parse } = JSON.parse(require('fs').readFileSync(${JSON.stringify(tasksFile)}, 'utf8'));
    loadParser(${JSON.stringify(join(REPO, 'dist'))}).then((parser) => {
      const cpu = [];
      for (let p = 0; p < ${PASSES}; p++) {
        const c0 = process.cpuUsage();
        for (const t of parse) analyzeGroup(parser, config, t);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1e6);
      }
      console.log(JSON.stringify({ folders: parse.length, cpu }));
    });`;
  // A fresh process each time (a first pass is one sample; this machine is noisy): medians over all.
  const firsts = [];
  const laters = [];
  let folders = 0;
  for (let i = 0; i < RUNS; i++) {
    const a = spawnSync(process.execPath, ['-e', replay], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (a.status !== 0) {
      console.error(`bench-floor: the replay failed: ${a.stderr.slice(-400)}`);
      process.exit(1);
    }
    const r = JSON.parse(a.stdout.trim().split('\n').pop());
    folders = r.folders;
    firsts.push(r.cpu[0]);
    laters.push(...r.cpu.slice(1));
  }
  const steady = median(laters);
  const warmup = Math.max(0, median(firsts) - steady);

  const wall = median(scans.map((r) => r.s));
  const total = median(scans.map((r) => r.cpu));
  const main = median(scans.map((r) => Number(/main-thread-cpu ([\d.]+)/.exec(r.err)?.[1] ?? NaN)));
  const rest = total - rg - steady - workers * warmup - main;
  const f = (x) => x.toFixed(2);
  console.log(`\nbench-floor: cold \`iova-lens scan drivers\` (no cache), median of ${RUNS}: ${f(wall)} s wall, ${f(total)} CPU-s on ${availableParallelism()} cores (${workers} workers)`);
  console.log('| part | CPU s | share |');
  console.log('|---|---:|---:|');
  const row = (what, x) => console.log(`| ${what} | ${f(x)} | ${((100 * x) / total).toFixed(0)} % |`);
  row(have('rg') ? 'ripgrep prefilter (alone, same arguments)' : 'ripgrep prefilter: rg is not installed (the workers read every file instead)', rg);
  row(`analysis of the ${folders} parse folders, steady state (one thread, median of passes 2–${PASSES} of ${RUNS} processes)`, steady);
  row(`JIT warm-up: first pass − steady state (${f(warmup)}) × ${workers} worker isolates`, workers * warmup);
  row("main thread: Node start-up, walk and stat, grouping, ripgrep's answer, the quiet folders, merging, output", main);
  row('the rest: worker start-up, V8 helper threads (by difference, so it also takes up the drift of the machine’s speed between measurements)', rest);
  const cores = availableParallelism();
  const bound = (total - workers * warmup) / cores;
  console.log(`\nWith no JIT warm-up and all ${cores} cores busy throughout, the scan would take ≥ ${f(bound)} s; with nothing but ripgrep and the steady-state analysis, ≥ ${f((rg + steady) / cores)} s.`);
  if (have('spatch')) {
    const cocci = join(REPO, 'test', 'bench', 'two-chains.cocci');
    const sp = timed('spatch', ['--sp-file', cocci, '--dir', join(TREE, 'drivers'), '-j', '2', '--very-quiet'], { cwd: tmpdir() });
    console.log(`spatch (1 run): ${f(sp.s)} s wall, ${f(sp.cpu)} CPU-s. ≥ 3× faster means ≤ ${f(sp.s / 3)} s, i.e. about ≤ ${f((sp.s / 3) * cores)} CPU-s at full use of ${cores} cores (now ${f(total)}).`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  rmSync(join(REPO, `out-floor-${process.pid}`), { recursive: true, force: true });
}
