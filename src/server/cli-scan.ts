// SPDX-License-Identifier: MIT
// Scan Workspace runs the CLI's whole-tree scan (`iova-lens scan --format
// json`) in a child process: ripgrep's prefilter, skimmed parsing, worker
// threads and the persistent cache, as CI runs it. Indexing every file in the
// server instead took 54 s and 2.1 GB for a Linux tree (the server held a
// syntax tree of every file that can matter). The child's memory, and the V8
// flags pool.ts sets for short work, end with it; the server keeps only the
// findings. The child is our own bundle run by the server's own Node (or
// Electron as Node): no workspace content is executed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../core/config';
import type { FileError, Finding } from '../core/types';
import { defaultWasmDir } from './wasm';

export interface CliScan {
  findings: Finding[];
  errors: FileError[];
  cancelled: boolean;
}

export interface CliScanOptions {
  /** The tree's root: the report's paths are relative to it. */
  root: string;
  /** The folders to scan (the workspace folders in this tree). */
  paths: string[];
  /** The config in effect: .iova-lens.json with the editor's settings over it. */
  config: Config;
  /** A ripgrep binary for the first filter (InitOptions.ripgrep); else the CLI's `rg` on PATH. */
  ripgrep?: string;
  /** Called with a function that stops the scan (a cancelled request). */
  onCancel?: (cancel: () => void) => void;
  /** What the scan is doing (its progress lines), with the share of the driver folders analysed once it knows it. */
  onProgress?: (message: string, percent?: number) => void;
}

/** dist/cli.js beside the server (or the built one when the server runs from out/ in tests). */
function cliPath(): string {
  return join(defaultWasmDir(), 'cli.js');
}

/**
 * Runs the scan. Rejects with a one-line error when the CLI cannot run or
 * stops with a usage or config error (exit 2); per-file errors (unreadable,
 * too large) come back in `errors`, as in the CLI's report.
 */
export function scanWithCli(o: CliScanOptions): Promise<CliScan> {
  const cli = cliPath();
  if (!existsSync(cli)) return Promise.reject(new Error(`${cli} is missing (run npm run build)`));
  // (The scan runs in the tree's root: one deleted since the window opened is said as such, not as a spawn error.)
  if (!existsSync(o.root)) return Promise.reject(new Error(`${o.root}: no such directory`));
  // The editor's settings override .iova-lens.json (SPEC §1.3): the child gets the merged config as its --config.
  const dir = mkdtempSync(join(tmpdir(), 'iova-lens-scan-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(o.config));
  const args = [cli, 'scan', ...o.paths, '--format', 'json', '--root', o.root, '--config', configFile];
  return new Promise<CliScan>((resolve, reject) => {
    // (Inside VS Code the server's Node is Electron's: ELECTRON_RUN_AS_NODE makes it Node again.)
    // (IOVA_LENS_PROGRESS=lines: the progress a terminal would show, as lines on stderr.)
    const env = { ...process.env, ELECTRON_RUN_AS_NODE: '1', IOVA_LENS_PROGRESS: 'lines', ...(o.ripgrep ? { IOVA_LENS_RG: o.ripgrep } : {}) };
    const child = spawn(process.execPath, args, { cwd: o.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    let cancelled = false;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.setEncoding('utf8');
    let partial = '';
    child.stderr.on('data', (s: string) => {
      const lines = (partial + s).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const p = progressOf(line);
        if (p) o.onProgress?.(p.message, p.percent);
        // (Only the tail of the rest: one line per unreadable file of a big tree could be long.)
        else err = (err + line + '\n').slice(-64 * 1024);
      }
    });
    o.onCancel?.(() => {
      cancelled = true;
      child.kill();
    });
    const done = () => rmSync(dir, { recursive: true, force: true });
    child.on('error', (e) => {
      done();
      reject(new Error(`cannot run the scan (${process.execPath} ${cli}): ${e.message}`));
    });
    child.on('close', (code, signal) => {
      done();
      if (cancelled) return resolve({ findings: [], errors: [], cancelled: true });
      const lastLine = (err + partial).trim().split('\n').pop() ?? '';
      // Exit 0: no finding at the fail-on severity; 1: some; anything else is the CLI's error line.
      if (code !== 0 && code !== 1) return reject(new Error(lastLine ? lastLine.replace(/^iova-lens: /, '') : `the scan stopped (${signal ?? `exit code ${code}`})`));
      try {
        resolve({ ...parseReport(Buffer.concat(out).toString('utf8')), cancelled: false });
      } catch (e) {
        reject(new Error(`the scan's report is not readable: ${(e as Error).message}`));
      }
    });
  });
}

/** A progress line of the CLI (io.ts, scan.ts) as a message and, when it counts folders, a percentage; undefined for another line. */
export function progressOf(line: string): { message: string; percent?: number } | undefined {
  const m = /^iova-lens: (?:(\d+)\/(\d+) directories analysed|listing files…|\d+ files, searching them for the translation APIs…)$/.exec(line);
  if (!m) return undefined;
  const message = line.slice('iova-lens: '.length);
  return m[1] ? { message, percent: Math.floor((100 * Number(m[1])) / Math.max(1, Number(m[2]))) } : { message };
}

/** The CLI's JSON report (SPEC §1.4) as findings; its related locations have no column (the line's start). */
export function parseReport(text: string): { findings: Finding[]; errors: FileError[] } {
  const doc = JSON.parse(text) as { findings?: unknown; errors?: unknown };
  if (!Array.isArray(doc.findings) || !Array.isArray(doc.errors)) throw new Error('no "findings" and "errors" arrays');
  const findings = (doc.findings as (Omit<Finding, 'related'> & { related: Omit<Finding['related'][number], 'column'>[] })[]).map((f) => ({
    ...f,
    related: f.related.map((r) => ({ ...r, column: 1 })),
  }));
  return { findings, errors: doc.errors as FileError[] };
}
