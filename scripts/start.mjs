#!/usr/bin/env node
// `npm start`: installs what is needed, builds and packages the extension,
// and opens real VS Code (code-server, pinned, run on Node 24 from .tools/)
// with the packaged iova-lens.vsix installed on the sample workspace.
// Stays in the foreground; Ctrl+C stops code-server (its whole process group).
//
// Environment: PORT (default: a free port), IOVA_TOOLS_DIR (default .tools/).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const T0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const say = (msg) => console.log(`[start +${secs(Date.now() - T0)}] ${msg}`);

async function phase(name, fn) {
  const start = Date.now();
  say(`${name} …`);
  const r = await fn();
  say(`${name}: done in ${secs(Date.now() - start)}`);
  return r;
}

function sh(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` failed with exit code ${r.status ?? r.signal}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

const groupAlive = (pgid) => { try { process.kill(-pgid, 0); return true; } catch { return false; } };
async function stopGroup(pgid) {
  if (!groupAlive(pgid)) return;
  try { process.kill(-pgid, 'SIGTERM'); } catch { /* gone */ }
  const deadline = Date.now() + 8000;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (groupAlive(pgid)) { try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ } }
}

async function main() {
  const tools = await import('./tools.mjs');
  const { ROOT } = tools;
  process.chdir(ROOT);
  const workspace = join(ROOT, 'test', 'fixtures', 'workspace');
  const vsix = join(ROOT, 'iova-lens.vsix');

  if (!existsSync(join(ROOT, 'node_modules'))) {
    await phase('npm ci (node_modules is missing)', () => sh('npm', ['ci', '--no-audit', '--no-fund']));
  }
  await phase('build + package the extension (npm run package)', () => sh('npm', ['run', '--silent', 'package']));
  if (!existsSync(vsix)) throw new Error(`npm run package did not produce ${vsix}`);
  say(`${vsix} (${(statSync(vsix).size / 1024).toFixed(0)} KB)`);

  let paths;
  try {
    paths = await phase('toolchain: chromium/build deps, Node 24, code-server (cached in .tools/)', () => tools.ensureTools());
  } catch (e) {
    if (e.code === 'IOVA_MISSING_SYSTEM_PACKAGES') {
      console.error(`\nIOVA Lens needs system packages that are not installed (${e.missing.join(', ')}). Run:\n\n  ${e.message}\n\nthen \`npm start\` again.`);
      process.exit(1);
    }
    throw e;
  }

  const profile = await phase('fresh profile + install iova-lens.vsix', () => {
    const p = tools.freshProfile(join(tools.TOOLS_DIR, 'start-profile'));
    console.log(tools.installVsix(vsix, p).split('\n').pop());
    return p;
  });

  const port = process.env.PORT ? Number(process.env.PORT) : await freePort();
  const started = Date.now();
  say(`starting code-server on 127.0.0.1:${port}`);
  // detached: the server gets its own process group (setsid), stopped as a whole.
  const child = spawn(paths.node, tools.codeServerArgv({ port, profile, folder: workspace }), {
    cwd: ROOT, detached: true, stdio: ['ignore', 'inherit', 'inherit'], env: tools.toolsEnv(),
  });
  let exitCode;
  const exited = new Promise((r) => child.on('exit', (code, sig) => { exitCode = code ?? (sig ? 1 : 0); r(exitCode); }));
  let stopping = false;
  const stop = async (sig) => {
    if (stopping) return;
    stopping = true;
    say(`${sig}: stopping code-server (process group ${child.pid})`);
    await stopGroup(child.pid);
    process.exit(0);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));

  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`code-server exited with ${exitCode} before it was ready`);
    try { if ((await fetch(`${base}/healthz`)).ok) break; } catch { /* not yet */ }
    if (Date.now() - started > 90_000) { await stopGroup(child.pid); throw new Error('code-server did not answer /healthz within 90 s'); }
    await new Promise((r) => setTimeout(r, 150));
  }
  const url = `${base}/?folder=${encodeURIComponent(workspace)}`;
  say(`code-server ready in ${secs(Date.now() - started)}`);
  const line = '='.repeat(Math.min(100, url.length + 4));
  console.log(`\n${line}\n  IOVA Lens is running in VS Code (code-server ${tools.CODE_SERVER_VERSION}) — open:\n\n  ${url}\n\n  Open drivers/net/ethernet/cavium/thunder/nicvf_queues.h; run "IOVA Lens: Open Emulator" from F1.\n  Ctrl+C stops it. Total ${secs(Date.now() - T0)} from \`npm start\`.\n${line}\n`);

  if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) {
    const opener = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
    opener.on('error', (e) => say(`could not run xdg-open (${e.message}); open the URL above yourself`));
    opener.unref();
  } else {
    say('no DISPLAY/WAYLAND_DISPLAY: not opening a browser; open the URL above (e.g. through an SSH tunnel to the port)');
  }
  const code = await exited;
  if (!stopping) { say(`code-server exited with ${code}`); process.exit(code); }
}

main().catch((e) => { console.error(`npm start: ${e.message}`); process.exit(1); });
