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
//  2. Index: the workspace is the whole drivers/net/ethernet; time from
//     `initialized` to the server's log "IOVA Lens: indexed N files …", and
//     whether the diagnostics of a file opened right after `initialized`
//     arrive before the index is built.
//
// Usage: node scripts/bench-lsp.mjs [--edits 60] [--spacing 300] [--file <rel path in corpus>] [--json out.json]
//   npm script (suggested): "bench:lsp": "npm run build && node scripts/bench-lsp.mjs"
// Needs dist/ (npm run build) and .cache/linux-6.12 (node scripts/corpus.mjs --fetch).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const INDEX_REL = opt('index-dir', 'drivers/net/ethernet');
const JSON_OUT = opt('json', undefined);

if (!existsSync(SERVER)) { console.error('bench-lsp: dist/server.js is missing; run `npm run build`'); process.exit(2); }
if (!existsSync(join(CORPUS, FILE_REL))) {
  console.error(`bench-lsp: ${join(CORPUS, FILE_REL)} is missing; run \`node scripts/corpus.mjs --fetch\``);
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

class Client {
  constructor() {
    this.buf = Buffer.alloc(0);
    this.id = 0;
    this.pending = new Map();
    this.listeners = new Set();
    this.proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, IOVA_LENS_TIMING: '1' } });
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
    const indexed = c.next('window/logMessage', (p) => /IOVA Lens: indexed \d+ files/.test(p.message));
    c.notify('initialized', {});
    const [ilog] = await indexed;
    console.log(`[typing] ${ilog.message}`);
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
    if (r.setText) console.log(`[typing] server setText (incremental reparse):        ${fmt(r.setText)}`);
    if (r.analysis) console.log(`[typing] server analysis (findingsFor):             ${fmt(r.analysis)}`);
    if (r.analysisPlusSetText) console.log(`[typing] server reparse + analysis:                 ${fmt(r.analysisPlusSetText)}`);
    if (!r.analysis) console.log('[typing] (no server timing lines: this dist/server.js predates IOVA_LENS_TIMING)');
    return r;
  } finally {
    await c.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// -------------------------------------------------------------- 2. index ---

async function index() {
  const folder = join(CORPUS, INDEX_REL);
  const file = join(CORPUS, FILE_REL);
  const uri = pathToFileURL(file).toString();
  console.log(`[index] workspace: ${INDEX_REL} of Linux 6.12 (${folder}); open file: ${FILE_REL}`);
  const c = new Client();
  try {
    await c.initialize(folder);
    const progress = [];
    c.on((msg, t) => { if (msg.method === '$/progress') progress.push([msg.params.value.kind, t, msg.params.value.title ?? msg.params.value.message ?? '']); });
    const indexed = c.next('window/logMessage', (p) => /IOVA Lens: indexed \d+ files/.test(p.message), 300_000);
    const diags = c.next('textDocument/publishDiagnostics', (p) => p.uri === uri, 300_000);
    const t0 = now();
    c.notify('initialized', {});
    c.notify('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: 1, text: readFileSync(file, 'utf8') } });
    const [[, tDiag], [ilog, tIdx]] = await Promise.all([diags, indexed]);
    const begin = progress.find((p) => p[0] === 'begin');
    const end = progress.find((p) => p[0] === 'end');
    const r = {
      folder: INDEX_REL, indexMs: tIdx - t0, serverLog: ilog.message, firstDiagnosticsMs: tDiag - t0,
      diagnosticsBeforeIndexEnd: tDiag < tIdx, progressBegin: begin && { ms: begin[1] - t0, title: begin[2] }, progressEndMs: end && end[1] - t0,
      progressReports: progress.filter((p) => p[0] === 'report').length,
    };
    console.log(`[index] initialized → "${ilog.message}": ${(r.indexMs / 1000).toFixed(2)} s`);
    console.log(`[index] work-done progress: begin at ${f1(r.progressBegin?.ms)} ms ("${r.progressBegin?.title}"), ${r.progressReports} reports, end at ${f1(r.progressEndMs)} ms`);
    console.log(`[index] first publishDiagnostics of the open file: ${f1(r.firstDiagnosticsMs)} ms after initialized — ${r.diagnosticsBeforeIndexEnd ? 'BEFORE' : 'AFTER'} the index was built`);
    return r;
  } finally {
    await c.close();
  }
}

console.log(`[machine] ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other jobs inflate the figures), node ${process.version}`);
const typingResult = await typing();
const indexResult = await index();
const targets = [
  ['publish median ≤ 200 ms', typingResult.latency.median <= 200],
  ['publish p95 ≤ 400 ms', typingResult.latency.p95 <= 400],
  ['analysis median ≤ 10 ms', typingResult.analysis ? typingResult.analysis.median <= 10 : undefined],
  ['index < 30 s', indexResult.indexMs < 30_000],
  ['open file diagnosed before the index is built', indexResult.diagnosticsBeforeIndexEnd],
];
console.log('[targets] ' + targets.map(([n, ok]) => `${n}: ${ok === undefined ? 'n/a' : ok ? 'met' : 'MISSED'}`).join(' · '));
if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ typing: typingResult, index: indexResult, node: process.version }, null, 2) + '\n');
