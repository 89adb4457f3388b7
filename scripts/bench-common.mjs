// What the whole-tree benchmarks (bench.mjs, bench-floor.mjs) share: where
// the tree and the CLI are, timing a command with GNU time, medians.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TREE = join(REPO, '.cache', 'linux-6.12');
export const CLI = join(REPO, 'dist', 'cli.js');
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);
export const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Exits with a one-line reason unless dist/ is built; provides the kernel tree (scripts/corpus.mjs --fetch). */
export function needBuildAndTree(name) {
  if (!existsSync(CLI)) {
    console.error(`${name}: dist/cli.js is missing; run \`npm run build\` first`);
    process.exit(2);
  }
  if (!existsSync(join(TREE, 'drivers'))) {
    const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'corpus.mjs'), '--fetch'], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 2);
  }
}

export function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/**
 * Runs a command in the tree; returns wall seconds, and with GNU time its
 * peak RSS (MB) and CPU seconds (user + system, its children included): on a
 * 2-core machine a run whose CPU is twice its wall time had both cores to itself.
 */
export function timed(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = TIME
    ? spawnSync(TIME, ['-f', '%M %U %S', cmd, ...args], { cwd: TREE, encoding: 'utf8', maxBuffer: 1 << 30, ...opts })
    : spawnSync(cmd, args, { cwd: TREE, encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const [kb, user, sys] = TIME ? (r.stderr.trim().split('\n').pop() ?? '').trim().split(' ').map(Number) : [NaN, NaN, NaN];
  return { s, rss: kb / 1024, cpu: user + sys, out: r.stdout, status: r.status, err: r.stderr };
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
