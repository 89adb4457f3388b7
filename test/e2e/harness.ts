/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Shared helpers for the end-to-end tests in real VS Code (see
// ../shared/e2e-recipe.md): the toolchain (scripts/tools.mjs), code-server
// with the packaged .vsix (phase A), the bundled VS Code server with the
// smoke-test driver for extension-host tests (phase B), Chromium through
// playwright-core, screenshots, and workbench helpers.
//
// Compiled to out/test/e2e/harness.js: at run time __dirname is
// out/test/e2e, so the repo root is three levels up.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, ConsoleMessage, FrameLocator, Locator, Page } from 'playwright-core';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const WORKSPACE = path.join(ROOT, 'test', 'fixtures', 'workspace');
export const RESULTS = path.join(ROOT, 'test-results');
export const SHOTS = path.join(RESULTS, 'screenshots');
export const LOGS = path.join(RESULTS, 'logs');
export const EXTENSION_ID = 'iova-lens.iova-lens';

const T0 = Date.now();
export function log(msg: string): void {
  console.log(`[e2e +${((Date.now() - T0) / 1000).toFixed(1)} s] ${msg}`);
}

// ------------------------------------------------------------- toolchain ---

export interface Profile { dir: string; userDataDir: string; extensionsDir: string; config: string }
export interface ToolPaths {
  root: string; toolsDir: string; node: string; nodeBinDir: string;
  codeServer: string; codeServerEntry: string; serverMain: string; chromium: string;
}
interface ToolsModule {
  ensureTools(opts?: { quiet?: boolean }): Promise<ToolPaths>;
  toolsEnv(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  freshProfile(dir: string): Profile;
  installVsix(vsix: string, profile: Profile): string;
  codeServerArgv(o: { port: number; profile: Profile; folder: string }): string[];
  serverMainArgv(o: { port: number; profile: Profile }): string[];
}

let toolsModule: Promise<ToolsModule> | undefined;
export function tools(): Promise<ToolsModule> {
  // scripts/tools.mjs is ESM with top-level await: load it with a real import().
  toolsModule ??= import(pathToFileURL(path.join(ROOT, 'scripts', 'tools.mjs')).href) as Promise<ToolsModule>;
  return toolsModule;
}

/**
 * Provides Node 24, code-server and Chromium (installing apt packages as
 * root). Never skips: when something cannot be provided this throws, and for
 * missing system packages as non-root the message is the one
 * `sudo apt-get install -y …` line to run.
 */
let toolsReady: Promise<ToolPaths> | undefined;
export function ensureTools(): Promise<ToolPaths> {
  toolsReady ??= (async () => {
    const t = await tools();
    const start = Date.now();
    const p = await t.ensureTools();
    log(`toolchain ready in ${((Date.now() - start) / 1000).toFixed(1)} s`);
    return p;
  })();
  return toolsReady;
}

// ------------------------------------------------------------- processes ---

export function freePort(): Promise<number> {
  if (process.env.IOVA_E2E_PORT) return Promise.resolve(Number(process.env.IOVA_E2E_PORT));
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Server {
  port: number; url: string; pid: number; logFile: string; profile: Profile;
  /** The last lines of the server's log. */
  logTail(n?: number): string;
  stop(): Promise<void>;
}

function alive(pgid: number): boolean {
  try { process.kill(-pgid, 0); return true; } catch { return false; }
}

/** Stops a whole process group (recipe gotcha 9): TERM, wait, then KILL. */
export async function killGroup(pgid: number, graceMs = 8000): Promise<void> {
  if (!alive(pgid)) return;
  try { process.kill(-pgid, 'SIGTERM'); } catch { /* gone */ }
  const deadline = Date.now() + graceMs;
  while (alive(pgid) && Date.now() < deadline) await sleep(100);
  if (alive(pgid)) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
    while (alive(pgid)) await sleep(50);
  }
}

export function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

/** Spawns `node24 argv…` in its own session (setsid via `detached`), output to a log file. */
async function spawnServer(name: string, argv: string[], readyPath: string, port: number, profile: Profile,
  env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const t = await tools();
  const paths = await ensureTools();
  fs.mkdirSync(LOGS, { recursive: true });
  const logFile = path.join(LOGS, `${name}.log`);
  const fd = fs.openSync(logFile, 'w');
  const start = Date.now();
  const child: ChildProcess = spawn(paths.node, argv, {
    cwd: ROOT, detached: true, stdio: ['ignore', fd, fd], env: t.toolsEnv({ ...process.env, ...env }),
  });
  fs.closeSync(fd);
  const pid = child.pid!;
  let exited: string | undefined;
  child.on('exit', (code, sig) => { exited = `exited with ${code ?? sig}`; });
  const logTail = (n = 40) => {
    try {
      return fs.readFileSync(logFile, 'utf8').split('\n').filter((l) => !/open-vsx\.org|ENOTFOUND/.test(l)).slice(-n).join('\n');
    } catch { return ''; }
  };
  const server: Server = {
    port, pid, logFile, profile, url: `http://127.0.0.1:${port}`, logTail,
    stop: async () => {
      await killGroup(pid);
      log(`${name} (pgid ${pid}) stopped`);
    },
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`${name} ${exited} before it was ready; log ${logFile}:\n${logTail()}`);
    try {
      const res = await fetch(`${server.url}${readyPath}`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${name} not ready on ${server.url}${readyPath} after 90 s; log ${logFile}:\n${logTail()}`);
    }
    await sleep(150);
  }
  log(`${name} ready on ${server.url} in ${((Date.now() - start) / 1000).toFixed(1)} s (pgid ${pid}, log ${path.relative(ROOT, logFile)})`);
  return server;
}

/** A fresh temporary profile (user-data-dir with seeded settings + extensions-dir). */
export async function newProfile(tag: string): Promise<Profile> {
  const t = await tools();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `iova-e2e-${tag}-`));
  return t.freshProfile(dir);
}

/**
 * Packages the extension from the current dist/ (built by `npm test`'s
 * pretest) exactly as a user gets it: scripts/package.mjs (the second half of
 * `npm run package`: vsce on a staging copy) → iova-lens.vsix at the repo root.
 */
export function packageVsix(): string {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) {
    throw new Error('dist/extension.js is missing: run `npm run build` (npm test does it in pretest)');
  }
  // A private file per run: two test runs on one machine must not remove each other's .vsix.
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'iova-vsix-')), 'iova-lens.vsix');
  const start = Date.now();
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 || !fs.existsSync(out)) throw new Error(`packaging (node scripts/package.mjs) failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  log(`packaged ${out} (${(fs.statSync(out).size / 1024).toFixed(0)} KB) in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return out;
}

/**
 * A private copy of the sample workspace (test/fixtures/workspace) in a fresh
 * temporary folder, for tests that edit, save or add files: the fixtures are
 * never modified in place. Returns the copy's path (…/iova-ws-<tag>-XXXX/workspace);
 * `removeWorkspaceCopy` deletes it.
 */
export function copyWorkspace(tag: string, extra: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `iova-ws-${tag}-`));
  const ws = path.join(dir, 'workspace');
  fs.cpSync(WORKSPACE, ws, { recursive: true });
  for (const [rel, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
    fs.writeFileSync(path.join(ws, rel), text);
  }
  log(`copied the sample workspace to ${ws}`);
  return ws;
}

export function removeWorkspaceCopy(ws: string): void {
  if (ws.startsWith(os.tmpdir()) && path.basename(ws) === 'workspace') fs.rmSync(path.dirname(ws), { recursive: true, force: true });
}

/** Settings for restricted mode: workspace trust on, never prompt (so the folder stays untrusted), banner shown. */
export const RESTRICTED_MODE_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'always',
  'security.workspace.trust.untrustedFiles': 'open',
};

/**
 * Phase A: code-server (the product a user runs) with the packaged .vsix installed, serving the sample workspace.
 * `restricted`: started WITHOUT --disable-workspace-trust and with trust enabled in the
 * user settings, the folder never trusted → VS Code's restricted mode.
 */
export async function startCodeServer(vsix: string, folder = WORKSPACE, opts: { restricted?: boolean; settings?: Record<string, unknown> } = {}): Promise<Server> {
  const t = await tools();
  await ensureTools();
  const profile = await newProfile(opts.restricted ? 'cs-restricted' : 'cs');
  const extraSettings = { ...(opts.restricted ? RESTRICTED_MODE_SETTINGS : {}), ...(opts.settings ?? {}) };
  if (Object.keys(extraSettings).length) {
    const file = path.join(profile.userDataDir, 'User', 'settings.json');
    const seeded = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...seeded, ...extraSettings }, null, 2) + '\n');
  }
  const start = Date.now();
  const out = t.installVsix(vsix, profile);
  log(`installed ${path.basename(vsix)} in ${((Date.now() - start) / 1000).toFixed(1)} s: ${out.split('\n').pop()}`);
  const port = await freePort();
  let argv = t.codeServerArgv({ port, profile, folder });
  if (opts.restricted) argv = argv.filter((a) => a !== '--disable-workspace-trust');
  const server = await spawnServer(opts.restricted ? 'code-server-restricted' : 'code-server', argv, '/healthz', port, profile);
  const stop = server.stop;
  server.stop = async () => { await stop(); fs.rmSync(profile.dir, { recursive: true, force: true }); };
  return server;
}

/** Phase B: code-server's bundled VS Code server with --enable-smoke-test-driver (honours the URL payload). */
export async function startServerMain(env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const t = await tools();
  await ensureTools();
  const profile = await newProfile('sm');
  const port = await freePort();
  const server = await spawnServer('server-main', t.serverMainArgv({ port, profile }), '/version', port, profile, env);
  const stop = server.stop;
  server.stop = async () => { await stop(); fs.rmSync(profile.dir, { recursive: true, force: true }); };
  return server;
}

/** URL opening `folder`, optionally with the extension development/tests payload (recipe step 2b). */
export function workbenchUrl(server: Server, folder = WORKSPACE, dev?: { extensionDevelopmentPath: string; extensionTestsPath?: string }): string {
  let url = `${server.url}/?folder=${encodeURIComponent(folder)}`;
  if (dev) {
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload: [string, string][] = [['extensionDevelopmentPath', remote(dev.extensionDevelopmentPath)]];
    if (dev.extensionTestsPath) payload.push(['extensionTestsPath', remote(dev.extensionTestsPath)]);
    url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }
  return url;
}

// --------------------------------------------------------------- browser ---

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface BrowserSession { browser: Browser; page: Page; console: string[]; close(): Promise<void> }

export async function launchBrowser(): Promise<BrowserSession> {
  const paths = await ensureTools();
  const { chromium } = await import('playwright-core');
  const start = Date.now();
  const browser = await chromium.launch({ executablePath: paths.chromium, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const lines: string[] = [];
  page.on('console', (m: ConsoleMessage) => { lines.push(`[${m.type()}] ${m.text()}`); });
  page.on('pageerror', (e) => { lines.push(`[pageerror] ${e.message}`); });
  log(`chromium launched in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  return {
    browser, page, console: lines,
    close: async () => { await browser.close().catch(() => undefined); },
  };
}

let shotCounter = 0;
/** Saves test-results/screenshots/<prefix>-NN-<name>.png and returns its path. */
export async function screenshot(page: Page, name: string, prefix = 'ui'): Promise<string> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${prefix}-${String(++shotCounter).padStart(2, '0')}-${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file }).catch((e) => log(`screenshot ${file} failed: ${e}`));
  log(`screenshot ${path.relative(ROOT, file)}`);
  return file;
}

// ------------------------------------------------------ workbench helpers ---

/** Opens the workbench URL and waits for the workbench and the explorer to show the workspace. */
export async function openWorkbench(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
}

function escapeRe(s: string): string { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

const quickInput = (page: Page) => page.locator('.quick-input-widget input');

/**
 * Presses `key` until `target` shows (three tries). A keypress that lands
 * while the workbench is moving focus is dropped now and then — seen with
 * Ctrl+. in the editor tests — and a single press would then wait for nothing.
 */
export async function pressUntilVisible(page: Page, key: string, target: Locator): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press(key);
    try {
      await target.waitFor({ state: 'visible', timeout: attempt < 3 ? 8_000 : 30_000 });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      log(`${key} showed nothing (attempt ${attempt}); pressing it again`);
    }
  }
}
const quickRows = (page: Page) => page.locator('.quick-input-list .monaco-list-row');

/** Quick Open (Ctrl+P) `name`, pick the row whose file name is exactly `name`, wait until its tab is active. */
export async function openFile(page: Page, name: string): Promise<void> {
  await pressUntilVisible(page, 'Control+P', quickInput(page));
  await quickInput(page).fill(name);
  const row = quickRows(page).filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(name)}$`) }) }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
  await activeTab(page, name).waitFor({ state: 'visible' });
  await page.locator('.editor-instance .view-lines').first().waitFor({ state: 'visible' });
}

export function activeTab(page: Page, name: string): Locator {
  return page.locator('.tabs-container .tab.active', { hasText: name });
}

/** The active editor (the one whose view-lines are focused/visible in the active group). */
export function activeEditor(page: Page): Locator {
  return page.locator('.editor-group-container.active .editor-instance');
}

/** Runs a command from the palette by its title as shown ("IOVA Lens: Open Emulator"). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await pressUntilVisible(page, 'F1', quickInput(page));
  await quickInput(page).fill(`>${title}`);
  const row = quickRows(page).filter({ hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Shows the Problems panel (Ctrl+Shift+M when not already visible). */
export async function showProblems(page: Page): Promise<void> {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) await page.keyboard.press('Control+Shift+M');
  await panel.waitFor({ state: 'visible' });
}

/** innerText of every row of the Problems panel (file rows and marker rows). */
export async function problemsRows(page: Page): Promise<string[]> {
  await showProblems(page);
  return page.locator('.markers-panel .monaco-list-row').evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText));
}

/** Polls the Problems panel until `pred(rows)` holds; returns the rows (throws with the last rows on timeout). */
export async function waitForProblems(page: Page, pred: (rows: string[]) => boolean, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: string[] = [];
  for (;;) {
    rows = await problemsRows(page);
    if (pred(rows)) return rows;
    if (Date.now() > deadline) throw new Error(`Problems panel did not reach the expected state in ${timeoutMs / 1000} s; rows:\n${rows.join('\n---\n') || '(none)'}`);
    await sleep(250);
  }
}

/** The emulator webview's content document (two iframes deep: iframe.webview.ready → #active-frame). */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator(`iframe.webview.ready[src*="extensionId=${EXTENSION_ID}"]`).frameLocator('#active-frame');
}

// ------------------------------------------------- extension-host suite ---

export const SUITE_PREFIX = '[iova-e2e]';
export interface SuiteCase { name: string; ok: boolean; error?: string }
export interface SuiteResult { exitCode: number | undefined; cases: SuiteCase[]; done: boolean; console: string[]; seconds: number }

/** Parses `[iova-e2e] ok <name>` / `[iova-e2e] not ok <name> :: <json error>` lines. */
export function parseSuiteLine(text: string): SuiteCase | 'done' | undefined {
  const i = text.indexOf(`${SUITE_PREFIX} `);
  if (i < 0) return undefined;
  const rest = text.slice(i + SUITE_PREFIX.length + 1);
  const m = /^(ok|not ok|done)(?: (.*))?$/s.exec(rest.split('\n')[0].trimEnd());
  if (!m) return undefined;
  if (m[1] === 'done') return 'done';
  const body = m[2] ?? '';
  if (m[1] === 'ok') return { name: body, ok: true };
  const sep = body.indexOf(' :: ');
  if (sep < 0) return { name: body, ok: false, error: '(no error text)' };
  let error = body.slice(sep + 4);
  try { error = JSON.parse(error) as string; } catch { /* keep raw */ }
  return { name: body.slice(0, sep), ok: false, error };
}

/**
 * Phase B: loads the extension from `extensionDevelopmentPath` (unpackaged,
 * dist/ must be built) in the real node extension host of the bundled VS Code
 * server and runs the test-electron-style module `extensionTestsPath`; the
 * workbench reports its exit code through window.codeAutomationExit.
 */
export async function runExtensionHostSuite(opts: { extensionDevelopmentPath: string; extensionTestsPath: string; timeoutMs?: number }): Promise<SuiteResult> {
  // The suite edits and creates files (quick fix, suppression, a .patch): it gets its own copy of the workspace.
  const folder = copyWorkspace('exthost');
  const server = await startServerMain({ IOVA_E2E: '1' });
  const session = await launchBrowser();
  const start = Date.now();
  const cases: SuiteCase[] = [];
  let done = false;
  try {
    const { page } = session;
    let resolveExit!: (code: number) => void;
    const exited = new Promise<number>((r) => { resolveExit = r; });
    await page.exposeFunction('codeAutomationExit', (code: number) => { resolveExit(code); });
    page.on('console', (m) => {
      const c = parseSuiteLine(m.text());
      if (c === 'done') done = true;
      else if (c && !cases.some((x) => x.name === c.name)) { cases.push(c); log(`ext-host: ${c.ok ? 'ok' : 'not ok'} ${c.name}`); }
    });
    await page.goto(workbenchUrl(server, folder, opts), { waitUntil: 'domcontentloaded', timeout: 60_000 });
    const timeoutMs = opts.timeoutMs ?? 180_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), timeoutMs); });
    const exitCode = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    await screenshot(page, exitCode === 0 ? 'done' : 'failed', 'exthost');
    if (exitCode === undefined) log(`ext-host suite did not call codeAutomationExit within ${timeoutMs / 1000} s`);
    else log(`ext-host suite exited with ${exitCode} after ${((Date.now() - start) / 1000).toFixed(1)} s`);
    await sleep(200); // let trailing console messages arrive
    return { exitCode, cases, done, console: session.console, seconds: (Date.now() - start) / 1000 };
  } catch (e) {
    await screenshot(session.page, 'error', 'exthost');
    throw e;
  } finally {
    await session.close();
    await server.stop();
    removeWorkspaceCopy(folder);
    fs.mkdirSync(LOGS, { recursive: true });
    fs.writeFileSync(path.join(LOGS, 'exthost-console.log'), session.console.join('\n') + '\n');
  }
}

// ------------------------------------------------------------ assertions ---

/** Retries `fn` until it stops throwing (or rethrows its last error after `timeoutMs`). */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try { return await fn(); } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await sleep(intervalMs);
  }
}

/** Ctrl+G to a 1-based line so it is rendered (the editor virtualises lines). */
export async function goToLine(page: Page, line: number): Promise<void> {
  // Focus the editor by clicking near the top of the editor element itself: its
  // box never scrolls (clicking .view-lines at (5,5) after the editor has
  // scrolled makes Playwright scroll the virtualised view away and miss).
  await activeEditor(page).click({ position: { x: 120, y: 8 } });
  await pressUntilVisible(page, 'Control+G', quickInput(page));
  await quickInput(page).fill(`:${line}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/**
 * 1-based line numbers (as shown in the gutter) that carry a squiggle of the
 * given class in the active editor, matched by screen position.
 */
export async function squiggleLines(page: Page, cls = 'squiggly-warning'): Promise<number[]> {
  return activeEditor(page).evaluate((editor, c) => {
    const nums = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].map((e) => {
      const r = e.getBoundingClientRect();
      return { n: Number((e.textContent ?? '').trim()), top: r.top, bottom: r.bottom };
    });
    const out: number[] = [];
    for (const s of editor.querySelectorAll(`.view-overlays .${c}`)) {
      const r = s.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const y = (r.top + r.bottom) / 2;
      const hit = nums.find((n) => y >= n.top && y <= n.bottom);
      if (hit && !out.includes(hit.n)) out.push(hit.n);
    }
    return out.sort((a, b) => a - b);
  }, cls);
}
