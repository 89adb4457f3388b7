#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Editor latency benchmark (issue 7 targets) with a plain stdio LSP client
// against `node dist/server.js --stdio`, as Neovim or eglot would drive it:
//
//  1. As you type: the workspace is a temporary copy of one kernel driver
//     folder (default drivers/net/ethernet/intel/igb of Linux 6.12, whose
//     igb_main.c has > 10,000 lines). The big file is opened, then N
//     one-character edits (didChange, incremental ranges) are sent, spaced
//     out; for each, the time from sending didChange to receiving
//     publishDiagnostics for that document (debounce included). With
//     IOVA_LENS_TIMING=1 the server logs its own setText (incremental
//     reparse) and analysis times per version; they are collected too.
//  2. Workspace: the workspace is the whole drivers/ (--workspace-dir). The
//     server reads nothing up front; the time from `initialized` to the
//     diagnostics of a file opened right away (its driver folder is read
//     then), then Scan Workspace twice (the CLI in a child process: cold
//     cache, then warm), and the peak RSS of the server and of the scan.
//     (Before the scan ran the CLI, the server indexed every file: 26.7 s
//     and 1.25 GB for drivers/, 54 s and 2.1 GB for the whole tree.)
//
// Usage: node scripts/bench-lsp.mjs [--edits 60] [--spacing 300] [--file <rel path in corpus>] [--workspace-dir drivers] [--json out.json]
//   npm script (suggested): "bench:lsp": "npm run build && node scripts/bench-lsp.mjs"
// Needs dist/ (npm run build) and .cache/linux-6.12 (node scripts/corpus.mjs --fetch).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = join(ROOT, 'dist', 'server.js');
const CORPUS = join(ROOT, '.cache', 'linux-6.12');

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : dflt; };
const EDITS = Number(opt('edits', 60));
const SPACING_MS = Number(opt('spacing', 300));
const FILE_REL = opt('file', 'drivers/net/ethernet/intel/igb/igb_main.c');
const WORKSPACE_REL = opt('workspace-dir', 'drivers');
const JSON_OUT = opt('json', undefined);

if (!existsSync(SERVER)) { console.error('bench-lsp: dist/server.js is missing; run `npm run build`'); process.exit(2); }
if (!existsSync(join(CORPUS, FILE_REL))) {
  console.error(`bench-lsp: ${join(CORPUS, FILE_REL)} is missing; run \`node scripts/corpus.mjs --fetch\``);
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

class Client {
  constructor(env = {}) {
    this.buf = Buffer.alloc(0);
    this.id = 0;
    this.pending = new Map();
    this.listeners = new Set();
    this.proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, IOVA_LENS_TIMING: '1', ...env } });
    this.proc.stdout.on('data', (d) => this.onData(d));
    this.stderr = '';
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
  }

  onData(d) {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const sep = this.buf.indexOf('\r\n\r\n');
      if (sep < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, sep).toString())?.[1]);
      if (this.buf.length < sep + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(sep + 4, sep + 4 + len).toString());
      this.buf = this.buf.subarray(sep + 4 + len);
      const t = now();
      if (msg.id !== undefined && msg.method === undefined) {
        this.pending.get(msg.id)?.(msg.result);
        this.pending.delete(msg.id);
      } else if (msg.id !== undefined && msg.method) {
        // workspace/configuration → defaults; window/workDoneProgress/create → ok
        this.send({ jsonrpc: '2.0', id: msg.id, result: msg.method === 'workspace/configuration' ? (msg.params.items ?? [null]).map(() => null) : null });
      } else {
        for (const l of [...this.listeners]) l(msg, t);
      }
    }
  }

  send(m) {
    const s = JSON.stringify(m);
    this.proc.stdin.write(`Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`);
  }

  request(method, params) {
    const id = ++this.id;
    this.send({ jsonrpc: '2.0', id, method, params });
    return new Promise((res) => this.pending.set(id, res));
  }

  notify(method, params) { this.send({ jsonrpc: '2.0', method, params }); }

  on(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }

  /** Resolves with [params, time] of the first notification `method` with pred(params) true. */
  next(method, pred = () => true, ms = 120_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { off(); reject(new Error(`no ${method} within ${ms} ms; server stderr: ${this.stderr.slice(-2000)}`)); }, ms);
      const off = this.on((msg, t) => {
        if (msg.method === method && pred(msg.params)) { clearTimeout(timer); off(); resolve([msg.params, t]); }
      });
    });
  }

  async initialize(folder) {
    const uri = pathToFileURL(folder).toString();
    const r = await this.request('initialize', {
      processId: process.pid, rootUri: uri, workspaceFolders: [{ uri, name: basename(folder) }],
      capabilities: { window: { workDoneProgress: true }, textDocument: { synchronization: { didSave: true }, publishDiagnostics: {} } },
    });
    return r;
  }

  async close() {
    await Promise.race([this.request('shutdown', null), sleep(2000)]);
    this.notify('exit', null);
    await Promise.race([new Promise((r) => this.proc.once('exit', r)), sleep(2000)]);
    this.proc.kill();
  }
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { n: s.length, min: s[0], median: q(0.5), p95: q(0.95), max: s[s.length - 1], mean: s.reduce((a, b) => a + b, 0) / s.length };
}
const f1 = (x) => (x === undefined ? 'n/a' : x.toFixed(1));
const fmt = (st) => `median ${f1(st.median)} ms, p95 ${f1(st.p95)} ms (min ${f1(st.min)}, max ${f1(st.max)}, mean ${f1(st.mean)}, n=${st.n})`;

// ------------------------------------------------------------- 1. typing ---

async function typing() {
  const driverRel = dirname(FILE_REL);
  const tmp = mkdtempSync(join(tmpdir(), 'iova-bench-lsp-'));
  const ws = join(tmp, basename(driverRel));
  cpSync(join(CORPUS, driverRel), ws, { recursive: true });
  const file = join(ws, basename(FILE_REL));
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  console.log(`[typing] workspace: copy of ${driverRel} (${ws}); ${basename(FILE_REL)}: ${lines.length} lines, ${(text.length / 1024).toFixed(0)} KB`);
  const c = new Client();
  const timing = new Map(); // version -> { setText, analysis }
  c.on((msg) => {
    if (msg.method !== 'window/logMessage') return;
    const m = /timing (setText|analysis) (\S+) v(\d+) ([\d.]+) ms/.exec(msg.params.message);
    if (!m || m[2] !== uri) return;
    const v = Number(m[3]);
    const e = timing.get(v) ?? {};
    e[m[1]] = Number(m[4]);
    timing.set(v, e);
  });
  const uri = pathToFileURL(file).toString();
  try {
    await c.initialize(ws);
    c.notify('initialized', {});
    let t0 = now();
    const first = c.next('textDocument/publishDiagnostics', (p) => p.uri === uri);
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text } });
    const [d0, t1] = await first;
    console.log(`[typing] didOpen → first publishDiagnostics: ${f1(t1 - t0)} ms (${d0.diagnostics.length} diagnostics; analysis ${f1(timing.get(1)?.analysis)} ms, setText ${f1(timing.get(1)?.setText)} ms)`);
    await sleep(SPACING_MS);

    // One-character edits spread over the file: insert a space at the end of a
    // line, then (next edit) delete it again, so the text stays the kernel's.
    const latencies = [];
    const analysis = [];
    const setText = [];
    let version = 1;
    let pendingDelete;
    const nonEmpty = lines.map((l, i) => [l, i]).filter(([l]) => l.trim().length > 0).map(([, i]) => i);
    for (let k = 0; k < EDITS; k++) {
      let change;
      if (pendingDelete) {
        const { line, ch } = pendingDelete;
        change = { range: { start: { line, character: ch }, end: { line, character: ch + 1 } }, rangeLength: 1, text: '' };
        pendingDelete = undefined;
      } else {
        const line = nonEmpty[Math.floor(((k * 7919) % 997) / 997 * nonEmpty.length)];
        const ch = lines[line].length;
        change = { range: { start: { line, character: ch }, end: { line, character: ch } }, rangeLength: 0, text: ' ' };
        pendingDelete = { line, ch };
      }
      version++;
      const got = c.next('textDocument/publishDiagnostics', (p) => p.uri === uri, 30_000);
      t0 = now();
      c.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
      const [, t] = await got;
      latencies.push(t - t0);
      await sleep(20); // the timing lines precede publishDiagnostics; let them land
      const tm = timing.get(version);
      if (tm?.analysis !== undefined) analysis.push(tm.analysis);
      if (tm?.setText !== undefined) setText.push(tm.setText);
      await sleep(SPACING_MS);
    }
    const r = { file: FILE_REL, lines: lines.length, edits: EDITS, spacingMs: SPACING_MS, latency: stats(latencies),
      analysis: analysis.length ? stats(analysis) : undefined, setText: setText.length ? stats(setText) : undefined,
      analysisPlusSetText: analysis.length && setText.length === analysis.length ? stats(analysis.map((a, i) => a + setText[i])) : undefined };
    console.log(`[typing] ${EDITS} one-character edits, ${SPACING_MS} ms apart`);
    console.log(`[typing] didChange → publishDiagnostics (the server's 100 ms debounce included): ${fmt(r.latency)}`);
    if (r.setText) console.log(`[typing] server setText (reparse + the file's facts):  ${fmt(r.setText)}`);
    if (r.analysis) console.log(`[typing] server analysis (findingsFor):             ${fmt(r.analysis)}`);
    if (r.analysisPlusSetText) console.log(`[typing] server reparse + analysis:                 ${fmt(r.analysisPlusSetText)}`);
    if (!r.analysis) console.log('[typing] (no server timing lines: this dist/server.js predates IOVA_LENS_TIMING)');
    return r;
  } finally {
    await c.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------- 2. workspace ---

/** VmHWM (peak RSS) of a process, in MB; undefined when /proc does not say. */
function peakMb(pid) {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** Polls the resident size of `pid`'s children (the scan's child process) until stopped; returns the largest, in MB. */
function watchChildren(pid) {
  let max = 0;
  const timer = setInterval(() => {
    try {
      for (const t of readdirSync(`/proc/${pid}/task`)) {
        for (const child of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
          const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child}/status`, 'utf8'))?.[1]) / 1024;
          if (rss > max) max = rss;
        }
      }
    } catch {
      // (A child that ended between the listing and the read.)
    }
  }, 50);
  return () => {
    clearInterval(timer);
    return max;
  };
}

async function workspace() {
  const folder = join(CORPUS, WORKSPACE_REL);
  const file = join(CORPUS, FILE_REL);
  const uri = pathToFileURL(file).toString();
  console.log(`[workspace] ${WORKSPACE_REL} of Linux 6.12 (${folder}); open file: ${FILE_REL}`);
  // (A cache of its own: the first scan is cold, the second warm.)
  const cache = mkdtempSync(join(tmpdir(), 'iova-bench-lsp-cache-'));
  const c = new Client({ XDG_CACHE_HOME: cache });
  try {
    await c.initialize(folder);
    const diags = c.next('textDocument/publishDiagnostics', (p) => p.uri === uri, 300_000);
    const t0 = now();
    c.notify('initialized', {});
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: readFileSync(file, 'utf8') } });
    const [, tDiag] = await diags;
    const r = { folder: WORKSPACE_REL, firstDiagnosticsMs: tDiag - t0, serverAfterOpenMb: peakMb(c.proc.pid), scans: [] };
    console.log(`[workspace] initialized → first publishDiagnostics of the open file: ${f1(r.firstDiagnosticsMs)} ms; server peak RSS ${f1(r.serverAfterOpenMb)} MB`);
    const logs = [];
    c.on((msg) => { if (msg.method === 'window/logMessage' && /IOVA Lens: scanned /.test(msg.params.message)) logs.push(msg.params.message); });
    for (const kind of ['cold', 'warm']) {
      const stop = watchChildren(c.proc.pid);
      const t1 = now();
      const res = await c.request('iovaLens/scanWorkspace', {});
      const ms = now() - t1;
      const scan = { kind, ms, findings: res?.findings, files: res?.files, scanPeakMb: stop(), serverPeakMb: peakMb(c.proc.pid) };
      r.scans.push(scan);
      console.log(`[workspace] Scan Workspace (${kind} cache): ${(ms / 1000).toFixed(2)} s, ${scan.findings} findings in ${scan.files} files; scan process peak RSS ${f1(scan.scanPeakMb)} MB, server peak RSS ${f1(scan.serverPeakMb)} MB (server log: ${logs.splice(0).join('; ')})`);
    }
    return r;
  } finally {
    await c.close();
    rmSync(cache, { recursive: true, force: true });
  }
}

console.log(`[machine] ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other jobs inflate the figures), node ${process.version}`);
const typingResult = await typing();
const workspaceResult = await workspace();
const [cold, warm] = workspaceResult.scans;
const targets = [
  ['publish median ≤ 200 ms', typingResult.latency.median <= 200],
  ['publish p95 ≤ 400 ms', typingResult.latency.p95 <= 400],
  ['analysis median ≤ 10 ms', typingResult.analysis ? typingResult.analysis.median <= 10 : undefined],
  ['open file diagnosed ≤ 2 s after start', workspaceResult.firstDiagnosticsMs <= 2000],
  ['Scan Workspace (cold) < 30 s', cold.ms < 30_000],
  ['server peak RSS ≤ 500 MB', Math.max(workspaceResult.serverAfterOpenMb ?? 0, cold.serverPeakMb ?? 0, warm.serverPeakMb ?? 0) <= 500],
];
console.log('[targets] ' + targets.map(([n, ok]) => `${n}: ${ok === undefined ? 'n/a' : ok ? 'met' : 'MISSED'}`).join(' · '));
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ typing: typingResult, workspace: workspaceResult, node: process.version }, null, 2) + '\n');
