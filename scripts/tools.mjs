#!/usr/bin/env node
// Makes the toolchain for `npm start` and the end-to-end tests exist in the
// git-ignored `.tools/` folder (SPEC §4):
//   (a) system packages: /usr/bin/chromium, and — only when code-server still
//       has to be built — code-server's native build deps. As root they are
//       installed with apt-get; otherwise ensureTools() throws an Error whose
//       message is the one `sudo apt-get install -y …` line to run.
//   (b) Node 24 from the npm registry (package node-linux-<arch>) in .tools/node24
//   (c) code-server (pinned) installed with Node 24 in .tools/code-server (cached).
//
// Importable:  import { ensureTools } from './tools.mjs'
// CLI:         node scripts/tools.mjs ensure | paths
//
// Environment: IOVA_TOOLS_DIR overrides the tools folder; IOVA_CHROMIUM the browser.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TOOLS_DIR = resolve(process.env.IOVA_TOOLS_DIR || join(ROOT, '.tools'));
export const NODE_VERSION = '24.11.1';
export const CODE_SERVER_VERSION = '4.139.1';
export const CHROMIUM = process.env.IOVA_CHROMIUM || '/usr/bin/chromium';
/** apt packages code-server's `npm install` needs to compile its native modules. */
export const BUILD_DEPS = ['build-essential', 'libkrb5-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'libx11-dev', 'pkg-config', 'python3'];
const APT_LOCK = ['-o', 'DPkg::Lock::Timeout=600'];

const nodeArch = { x64: 'x64', arm64: 'arm64' }[process.arch] ?? process.arch;
const NODE_PKG = `node-linux-${nodeArch}`;

/** Directory holding Node 24's `node` binary. */
export function node24BinDir() { return join(TOOLS_DIR, 'node24', 'bin'); }
/** Absolute path of the Node 24 executable. */
export function node24Bin() { return join(node24BinDir(), 'node'); }
/** The code-server package directory (lib/vscode lives below it). */
export function codeServerDir() { return join(TOOLS_DIR, 'code-server', 'node_modules', 'code-server'); }
/** The `code-server` launcher (a `#!/usr/bin/env node` script: run it with toolsEnv()). */
export function codeServerBin() { return join(TOOLS_DIR, 'code-server', 'node_modules', '.bin', 'code-server'); }
/** code-server's entry script, to run as `node24Bin() codeServerEntry() …`. */
export function codeServerEntry() { return join(codeServerDir(), 'out', 'node', 'entry.js'); }
/** The bundled VS Code server (supports --enable-smoke-test-driver, extensionTestsPath). */
export function serverMainJs() { return join(codeServerDir(), 'lib', 'vscode', 'out', 'server-main.js'); }
export function chromiumPath() { return CHROMIUM; }
/**
 * Environment with Node 24 first on PATH (npm and code-server's children use it),
 * without what an outer `npm start`/`npm test` exported about ITS node: npm
 * passes npm_config_user_agent ("… node/v20 …") down, the inner npm keeps it,
 * and code-server's postinstall reads the Node version from it.
 */
export function toolsEnv(base = process.env) {
  const env = { ...base, PATH: `${node24BinDir()}:${base.PATH ?? '/usr/bin:/bin'}` };
  for (const k of Object.keys(env)) {
    if (/^npm_(config_user_agent|node_execpath|execpath|lifecycle_|package_|command$)/i.test(k) || k === 'NODE') delete env[k];
  }
  return env;
}

const t0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
let quiet = false;
function log(msg) { if (!quiet) console.error(`[tools +${secs(Date.now() - t0)}] ${msg}`); }

function run(cmd, args, opts = {}) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = quiet ? `\n${String(r.stdout ?? '').slice(-2000)}${String(r.stderr ?? '').slice(-4000)}` : '';
    throw new Error(`\`${cmd} ${args.join(' ')}\` failed with exit code ${r.status ?? r.signal}${tail}`);
  }
  return r;
}

// ---------------------------------------------------------------- (a) apt ---

/** Names of the given Debian packages that are not installed (all of them if dpkg is absent). */
export function missingDebPackages(pkgs) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package}\t${db:Status-Status}\n', ...pkgs], { encoding: 'utf8' });
  if (r.error) return [...pkgs];
  const ok = new Set(r.stdout.split('\n').filter((l) => l.endsWith('\tinstalled')).map((l) => l.split('\t')[0].split(':')[0]));
  return pkgs.filter((p) => !ok.has(p));
}

function codeServerCached() {
  try {
    const pj = JSON.parse(readFileSync(join(codeServerDir(), 'package.json'), 'utf8'));
    return pj.version === CODE_SERVER_VERSION && existsSync(join(TOOLS_DIR, 'code-server', '.complete')) && existsSync(serverMainJs());
  } catch { return false; }
}

/** The apt packages still missing for what ensureTools() has left to do. */
export function missingSystemPackages() {
  const missing = [];
  if (!existsSync(CHROMIUM)) missing.push('chromium');
  if (!codeServerCached()) missing.push(...missingDebPackages(BUILD_DEPS));
  return [...new Set(missing)];
}

/** The one line a non-root user has to run. */
export function aptLine(pkgs) { return `sudo apt-get install -y ${pkgs.join(' ')}`; }

export function ensureSystemPackages() {
  const missing = missingSystemPackages();
  if (missing.length === 0) { log('system packages present (chromium' + (codeServerCached() ? '' : ', code-server build deps') + ')'); return; }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    const err = new Error(aptLine(missing));
    err.code = 'IOVA_MISSING_SYSTEM_PACKAGES';
    err.missing = missing;
    throw err;
  }
  const start = Date.now();
  log(`installing system packages as root: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', [...APT_LOCK, 'update'], { env });
  run('apt-get', [...APT_LOCK, 'install', '-y', ...missing], { env });
  const still = missingSystemPackages();
  if (still.length) throw new Error(`apt-get install finished but still missing: ${still.join(' ')}`);
  log(`system packages installed in ${secs(Date.now() - start)}`);
}

// -------------------------------------------------------------- (b) node ---

function nodeVersionOk() {
  if (!existsSync(node24Bin())) return false;
  const r = spawnSync(node24Bin(), ['-v'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === `v${NODE_VERSION}`;
}

export function ensureNode24() {
  if (nodeVersionOk()) { log(`node v${NODE_VERSION} cached in ${join(TOOLS_DIR, 'node24')}`); return node24Bin(); }
  const start = Date.now();
  const dir = join(TOOLS_DIR, 'node24');
  const tmp = join(TOOLS_DIR, `tmp-node-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  log(`fetching Node ${NODE_VERSION} from the npm registry (${NODE_PKG})`);
  run('npm', ['pack', `${NODE_PKG}@${NODE_VERSION}`, '--pack-destination', tmp, '--silent'], { cwd: tmp });
  const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack ${NODE_PKG}@${NODE_VERSION} produced no tarball`);
  mkdirSync(dir, { recursive: true });
  run('tar', ['xzf', join(tmp, tgz), '-C', dir, '--strip-components=1']);
  rmSync(tmp, { recursive: true, force: true });
  if (!nodeVersionOk()) throw new Error(`${node24Bin()} is not v${NODE_VERSION} after unpacking`);
  log(`node v${NODE_VERSION} ready in ${secs(Date.now() - start)}`);
  return node24Bin();
}

// ------------------------------------------------------- (c) code-server ---

export function ensureCodeServer() {
  if (codeServerCached()) { log(`code-server ${CODE_SERVER_VERSION} cached in ${join(TOOLS_DIR, 'code-server')}`); return codeServerBin(); }
  const start = Date.now();
  const dir = join(TOOLS_DIR, 'code-server');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'iova-lens-tools', private: true }, null, 2) + '\n');
  log(`installing code-server ${CODE_SERVER_VERSION} with Node ${NODE_VERSION} (compiles native modules; ~2 min on 2 cores)`);
  // npm is a `#!/usr/bin/env node` script: with node24 first on PATH it runs
  // on Node 24, and so do the install scripts (node-gyp builds for Node 24).
  run('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--no-audit', '--no-fund', '--no-save', '--loglevel=error'],
    { cwd: dir, env: toolsEnv() });
  // (--version writes a default config file first: keep it inside .tools)
  const r = spawnSync(node24Bin(), [codeServerEntry(), '--version'],
    { encoding: 'utf8', env: toolsEnv({ ...process.env, CODE_SERVER_CONFIG: join(dir, 'config.yaml') }) });
  const versionLine = r.stdout.split('\n').find((l) => l.startsWith(`${CODE_SERVER_VERSION} `));
  if (r.status !== 0 || !versionLine) {
    throw new Error(`code-server --version did not report ${CODE_SERVER_VERSION}: ${r.stdout}${r.stderr}`);
  }
  if (!existsSync(serverMainJs())) throw new Error(`code-server install lacks ${serverMainJs()}`);
  writeFileSync(join(dir, '.complete'), `${CODE_SERVER_VERSION}\n`);
  log(`code-server ${versionLine} installed in ${secs(Date.now() - start)}`);
  return codeServerBin();
}

// ------------------------------------------------------- profile / args ---

/** User settings seeded into every fresh profile (recipe gotcha 10). */
export const SEED_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'workbench.tips.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'chat.disableAIFeatures': true,
  'git.openRepositoryInParentFolders': 'never',
};

/** Creates `<dir>/user-data` (with User/settings.json) and `<dir>/extensions`; wipes what was there. */
export function freshProfile(dir) {
  rmSync(dir, { recursive: true, force: true });
  const userDataDir = join(dir, 'user-data');
  const extensionsDir = join(dir, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(SEED_SETTINGS, null, 2) + '\n');
  return { dir, userDataDir, extensionsDir, config: join(dir, 'config.yaml') };
}

/** `code-server --install-extension <vsix>` into a profile; throws with the output on failure. */
export function installVsix(vsix, profile) {
  const r = spawnSync(node24Bin(), [codeServerEntry(), '--config', profile.config, '--user-data-dir', profile.userDataDir,
    '--extensions-dir', profile.extensionsDir, '--install-extension', vsix], { encoding: 'utf8', env: toolsEnv() });
  const out = `${r.stdout}${r.stderr}`;
  if (r.status !== 0 || !/successfully installed/i.test(out)) throw new Error(`installing ${vsix} failed (exit ${r.status}):\n${out}`);
  return out.trim();
}

/** argv (after node24) for code-server serving `folder` on 127.0.0.1:port without auth. */
export function codeServerArgv({ port, profile, folder }) {
  return [codeServerEntry(), '--config', profile.config, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--user-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir, folder];
}

/** argv (after node24) for the bundled VS Code server with the smoke-test driver (extensionTestsPath support). */
export function serverMainArgv({ port, profile }) {
  return [serverMainJs(), '--host', '127.0.0.1', '--port', String(port), '--without-connection-token',
    '--accept-server-license-terms', '--enable-smoke-test-driver', '--disable-telemetry', '--disable-workspace-trust',
    '--user-data-dir', profile.userDataDir, '--server-data-dir', profile.userDataDir, '--extensions-dir', profile.extensionsDir];
}

// ------------------------------------------------------------------ lock ---

function pidAlive(pid) { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } }

/** Serialises concurrent ensureTools() calls (e.g. two e2e test files run in parallel). */
async function withLock(fn) {
  mkdirSync(TOOLS_DIR, { recursive: true });
  const lock = join(TOOLS_DIR, '.lock');
  const deadline = Date.now() + 30 * 60_000;
  let said = false;
  for (;;) {
    try { mkdirSync(lock); writeFileSync(join(lock, 'pid'), String(process.pid)); break; } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let owner = NaN;
      try { owner = Number(readFileSync(join(lock, 'pid'), 'utf8')); } catch { /* being written */ }
      let age = 0;
      try { age = Date.now() - statSync(lock).mtimeMs; } catch { continue; }
      const stale = owner > 0 ? !pidAlive(owner) : age > 10_000;
      if (stale) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (held by pid ${owner})`);
      if (!said) { log(`waiting for another tools install (pid ${owner}) to finish`); said = true; }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try { return await fn(); } finally { rmSync(lock, { recursive: true, force: true }); }
}

/**
 * Node 24 alone (tests that run the CLI under it need no code-server), under
 * the same lock as ensureTools(), so a parallel e2e test never sees it half unpacked.
 */
export async function ensureNode(opts = {}) {
  quiet = !!opts.quiet;
  return withLock(async () => ensureNode24());
}

/**
 * Makes sure everything exists; returns the paths. Throws (never skips) when
 * something cannot be provided; for missing system packages as non-root the
 * message is the one `sudo apt-get install -y …` line.
 * @param {{quiet?: boolean}} [opts]
 */
export async function ensureTools(opts = {}) {
  quiet = !!opts.quiet;
  return withLock(async () => {
    const start = Date.now();
    ensureSystemPackages();
    ensureNode24();
    ensureCodeServer();
    log(`toolchain ready in ${secs(Date.now() - start)}`);
    return paths();
  });
}

export function paths() {
  return {
    root: ROOT, toolsDir: TOOLS_DIR, node: node24Bin(), nodeBinDir: node24BinDir(),
    codeServer: codeServerBin(), codeServerEntry: codeServerEntry(), serverMain: serverMainJs(), chromium: chromiumPath(),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const cmd = process.argv[2] ?? 'ensure';
  if (cmd === 'ensure') {
    try {
      const p = await ensureTools();
      console.log(JSON.stringify(p, null, 2));
    } catch (e) {
      if (e.code === 'IOVA_MISSING_SYSTEM_PACKAGES') {
        console.error(`IOVA Lens needs system packages that are not installed (${e.missing.join(', ')}). Run:\n\n  ${e.message}\n`);
      } else console.error(`tools: ${e.message}`);
      process.exit(1);
    }
  } else if (cmd === 'paths') {
    console.log(JSON.stringify(paths(), null, 2));
  } else {
    console.error('usage: node scripts/tools.mjs [ensure|paths]');
    process.exit(2);
  }
}
