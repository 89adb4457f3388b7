#!/usr/bin/env node
// The kernel corpus (SPEC §4, issue 4): makes Debian's linux-source-6.12
// available, unpacks it into the git-ignored .cache/linux-6.12/, and scans
// drivers/ and sound/ with the built CLI.
//
//   node scripts/corpus.mjs --fetch     only provide the tree (install + unpack)
//   node scripts/corpus.mjs             provide the tree, then scan (JSON on stdout)
//   node scripts/corpus.mjs --out FILE  … and write the JSON report to FILE
//
// The tree is unpacked once; a marker file records which tarball it came from.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = 'linux-source-6.12';
const VERSION = '6.12.117-1~deb12u1';
const TARBALL = `/usr/src/${PACKAGE}.tar.xz`;
const TREE = join(REPO, '.cache', 'linux-6.12');
const MARKER = join(TREE, '.iova-lens-unpacked');
const APT = ['apt-get', '-o', 'DPkg::Lock::Timeout=600', 'install', '-y'];

const args = process.argv.slice(2);
const fetchOnly = args.includes('--fetch');
const outIdx = args.indexOf('--out');
const outFile = outIdx >= 0 ? args[outIdx + 1] : undefined;

function log(msg) {
  process.stderr.write(`corpus: ${msg}\n`);
}

function run(cmd, argv, opts = {}) {
  log(`$ ${[cmd, ...argv].join(' ')}`);
  return spawnSync(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
}

function ensureTarball() {
  if (existsSync(TARBALL)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    log(`${TARBALL} is missing. Install it with:`);
    log(`  sudo ${APT.join(' ')} ${PACKAGE}=${VERSION}`);
    process.exit(2);
  }
  let r = run(APT[0], [...APT.slice(1), `${PACKAGE}=${VERSION}`]);
  if (r.status !== 0 || !existsSync(TARBALL)) {
    log(`pinned ${PACKAGE}=${VERSION} is not installable here; falling back to the newest ${PACKAGE}`);
    r = run(APT[0], [...APT.slice(1), PACKAGE]);
  }
  if (r.status !== 0 || !existsSync(TARBALL)) {
    log(`apt-get could not provide ${TARBALL}`);
    process.exit(2);
  }
}

function tarballStamp() {
  const st = statSync(TARBALL);
  return `${TARBALL} ${st.size} ${Math.floor(st.mtimeMs)}`;
}

function ensureTree() {
  ensureTarball();
  const stamp = tarballStamp();
  if (existsSync(MARKER) && readFileSync(MARKER, 'utf8').trim() === stamp) {
    log(`using the unpacked tree in ${TREE}`);
    return;
  }
  const tmp = `${TREE}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const t0 = Date.now();
  const r = run('tar', ['-xJf', TARBALL, '-C', tmp, '--strip-components=1']);
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    log('tar failed');
    process.exit(2);
  }
  writeFileSync(join(tmp, '.iova-lens-unpacked'), stamp + '\n');
  rmSync(TREE, { recursive: true, force: true });
  renameSync(tmp, TREE);
  log(`unpacked ${TARBALL} into ${TREE} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function scan() {
  const cli = join(REPO, 'dist', 'cli.js');
  if (!existsSync(cli)) {
    log('dist/cli.js is missing; run `npm run build` first');
    process.exit(2);
  }
  const argv = [cli, 'scan', 'drivers', 'sound', '--format', 'json', '--root', TREE];
  log(`$ (cd ${TREE} && node ${argv.join(' ')})`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, argv, { cwd: TREE, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'inherit'] });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0 && r.status !== 1) {
    log(`scan failed with status ${r.status}`);
    process.exit(r.status ?? 2);
  }
  const report = JSON.parse(r.stdout);
  const perRule = {};
  for (const f of report.findings) perRule[f.rule] = (perRule[f.rule] ?? 0) + 1;
  log(`scanned ${report.filesScanned} files in ${secs} s: ${report.findings.length} findings ${JSON.stringify(perRule)}`);
  if (outFile) writeFileSync(outFile, r.stdout);
  else process.stdout.write(r.stdout);
}

ensureTree();
if (!fetchOnly) scan();
