// SPDX-License-Identifier: MIT
// The IOVA Lens language server: `node dist/server.js --stdio`. Serves VS Code
// (through the extension) and any other LSP client (Neovim, Emacs eglot).
// Keeps a workspace index of the files that can matter, so helper summaries
// from other files apply (nicvf_queues.h's helper at its call sites in .c).
import {
  createConnection,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  DiagnosticSeverity,
  DiagnosticTag,
  CodeActionKind,
  FileChangeType,
  DidChangeWatchedFilesNotification,
  MessageType,
  ShowMessageNotification,
  ResponseError,
  ErrorCodes,
  type CancellationToken,
  type Diagnostic,
  type InitializeParams,
  type CodeAction,
  type Hover,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { URI } from './uri';
import { sanitizeSettings, type Workspace } from './workspace';
import { Trees } from './trees';
import { hoverFor } from './hover';
import { codeActionsFor } from './code-actions';
import { DEFAULT_SETTINGS, STATUS_NOTIFICATION, SCAN_WORKSPACE_REQUEST, type DiagnosticData, type InitOptions, type ScanWorkspaceParams, type ScanWorkspaceResult, type ServerSettings, type StatusParams } from '../protocol/lsp';
import type { Finding } from '../core/types';
import { loadParser } from './wasm';
import { docHref } from './docs';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
/** The trees the open files belong to (trees.ts); undefined until the parser has loaded. */
let trees: Trees | undefined;
let settings: ServerSettings = DEFAULT_SETTINGS;
let hasConfigCapability = false;
/** The client runs the iovaLens.* commands (the VS Code extension says so in InitOptions). */
let clientCommands = false;
let diagnosticsInHover = false;
/** The client's ripgrep (InitOptions.ripgrep), for Scan Workspace. */
let ripgrep: string | undefined;
const DEBOUNCE_MS = 100;
let timer: NodeJS.Timeout | undefined;
/** A workspace scan is running (the status bar item spins); another was asked for meanwhile. */
let scanning = false;
let rescanPending = false;
/** IOVA_LENS_TIMING=1: log per-document analysis times (read by scripts/bench-lsp.mjs). */
const TIMING = !!process.env.IOVA_LENS_TIMING;

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

function toDiagnostic(f: Finding, uriOf: (path: string) => string): Diagnostic {
  const data: DiagnosticData = { rule: f.rule, concerns: f.concerns, chain: f.chain, function: f.function, ...(f.guard ? { guard: f.guard } : {}) };
  return {
    range: { start: { line: f.line - 1, character: f.column - 1 }, end: { line: f.endLine - 1, character: f.endColumn - 1 } },
    severity: SEVERITY[f.severity],
    source: 'iova-lens',
    code: f.rule,
    codeDescription: { href: docHref(f.rule) },
    message: f.message,
    relatedInformation: f.related.map((r) => ({
      location: { uri: uriOf(r.path), range: { start: { line: r.line - 1, character: Math.max(0, r.column - 1) }, end: { line: r.line - 1, character: Math.max(0, r.column - 1) } } },
      message: r.message,
    })),
    // (A stale suppression is dead text: clients grey it out, as they do unused code.)
    ...(f.rule === 'unused-suppression' ? { tags: [DiagnosticTag.Unnecessary] } : {}),
    data,
  };
}

/**
 * A message the user should see, as a notification: vscode-languageserver's
 * showWarningMessage() is a window/showMessageRequest, which a client must
 * answer — Neovim opens a "Request Actions" prompt with nothing to choose.
 */
function tell(type: MessageType, message: string): void {
  void connection.sendNotification(ShowMessageNotification.type, { type, message });
}

/** The client can be asked to watch files (LSP 3.16 dynamic registration); VS Code's extension also watches itself. */
let canWatch = false;

connection.onInitialize(async (params: InitializeParams) => {
  if (lifecycle !== 'new') throw new ResponseError(ErrorCodes.InvalidRequest, 'IOVA Lens: initialize was already answered');
  lifecycle = 'running';
  hasConfigCapability = !!params.capabilities.workspace?.configuration;
  canWatch = !!params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration;
  const init = params.initializationOptions as InitOptions | null | undefined;
  clientCommands = init?.clientCommands === true;
  diagnosticsInHover = init?.diagnosticsInHover === true;
  // (A path from the client, run as the scan's first filter: only a string naming an existing file.)
  ripgrep = typeof init?.ripgrep === 'string' && init.ripgrep !== '' && existsSync(init.ripgrep) ? init.ripgrep : undefined;
  if (ripgrep) connection.console.log(`IOVA Lens: Scan Workspace filters with ${ripgrep}`);
  const folders = params.workspaceFolders?.map((f) => URI.toPath(f.uri)) ?? (params.rootUri ? [URI.toPath(params.rootUri)] : []);
  try {
    const parser = await loadParser();
    trees = new Trees(parser, folders, (msg) => connection.console.error(msg));
    for (const ws of trees.all()) if (ws.configError) tell(MessageType.Warning, `IOVA Lens: ${ws.configError}`);
  } catch (e) {
    // No parser means no diagnostics: say so loudly, once, where the user looks.
    connection.console.error(`IOVA Lens: ${(e as Error).message}`);
    tell(MessageType.Error, `IOVA Lens: ${(e as Error).message}`);
  }
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    },
    serverInfo: { name: 'iova-lens' },
  };
});

connection.onInitialized(async () => {
  // Neovim and eglot send workspace/didChangeWatchedFiles only for what the server asks them to watch:
  // without this an edit of .iova-lens.json or of a helper's header on disk went unnoticed.
  // (The VS Code extension watches them itself, synchronize.fileEvents: not twice.)
  if (canWatch && !clientCommands) {
    await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{c,h}' }, { globPattern: '**/.iova-lens.json' }] }).catch((e: Error) => connection.console.warn(`IOVA Lens: the client would not watch files (${e.message}): edits on disk are seen when a file is opened or saved`));
  }
  if (hasConfigCapability) await refreshSettings();
  if (!trees) return;
  // Nothing is indexed up front: an open document's driver folder is read when it is opened
  // (trees.ts), the rest of the workspace by Scan Workspace (cli-scan.ts).
  markAllDirty();
  publishAll();
});

async function refreshSettings(): Promise<void> {
  try {
    const raw: unknown = await connection.workspace.getConfiguration('iovaLens');
    settings = trees ? trees.setEditorSettings(raw) : sanitizeSettings(raw, (m) => connection.console.warn(m));
  } catch (e) {
    connection.console.error(`IOVA Lens: cannot read settings: ${(e as Error).message}`);
  }
}

connection.onDidChangeConfiguration(async (p) => {
  const before = analysisSettings();
  // A client that cannot answer workspace/configuration (some eglot and
  // Neovim setups) pushes the settings here: { iovaLens: { … } }.
  if (hasConfigCapability) await refreshSettings();
  else {
    const pushed = (p.settings as Record<string, unknown> | null | undefined)?.iovaLens;
    // (A section of the wrong type is ignored in one line, as a wrong-typed setting is — it does not reset them all.)
    if (pushed !== undefined && (pushed === null || typeof pushed !== 'object' || Array.isArray(pushed))) connection.console.warn(`IOVA Lens: ignoring settings.iovaLens = ${JSON.stringify(pushed)?.slice(0, 80)} (not an object of iovaLens.* settings)`);
    else if (pushed !== undefined) settings = trees ? trees.setEditorSettings(pushed) : sanitizeSettings(pushed, (m) => connection.console.warn(m));
  }
  markAllDirty();
  publishAll();
  if (analysisSettings() !== before) rescanIfScanned();
});

/** The settings a workspace scan's findings depend on. */
function analysisSettings(): string {
  return JSON.stringify([settings.rules, settings.include, settings.exclude]);
}

function schedule(): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(publishAll, DEBOUNCE_MS);
}

/** Documents whose new text is not applied yet: typing bursts are applied once, when the debounce fires. */
const pending = new Map<string, TextDocument>();
/** Driver folders (folderOf()) whose open documents need new diagnostics; null = every open document. */
let dirtyDirs: Set<string> | null = null;

/** A file's driver folder, told apart from the same folder of another tree. */
function folderOf(ws: Workspace, path: string): string {
  return `${ws.root}\0${ws.dirOf(path)}`;
}
/** Files outside the open documents that the last workspace scan published diagnostics for. */
let scanned = new Set<string>();

/** Diagnostics currently published, per URI: the status bar shows their sum, as the Problems panel does. */
const published = new Map<string, number>();

function send(uri: string, diagnostics: Diagnostic[]): void {
  if (diagnostics.length) published.set(uri, diagnostics.length);
  else published.delete(uri);
  void connection.sendDiagnostics({ uri, diagnostics });
}

function sendStatus(): void {
  let findings = 0;
  for (const n of published.values()) findings += n;
  const status: StatusParams = { findings, files: trees?.fileCount() ?? 0, indexing: scanning };
  void connection.sendNotification(STATUS_NOTIFICATION, status);
}

function markAllDirty(): void {
  dirtyDirs = null;
}

function publishAll(): void {
  timer = undefined;
  if (!trees) return;
  const dirs = dirtyDirs;
  for (const doc of pending.values()) {
    const t0 = TIMING ? performance.now() : 0;
    // One document the server cannot take (a client's didOpen without its text, a binary file)
    // is one log line; the others are analysed, and the server goes on.
    const why = unusable(doc);
    if (why) {
      connection.console.warn(`IOVA Lens: ${doc.uri}: ${why}; not analysed`);
      continue;
    }
    const path = URI.toPath(doc.uri);
    try {
      const ws = trees.for(path);
      ws.setText(path, doc.getText());
      dirs?.add(folderOf(ws, path));
    } catch (e) {
      connection.console.error(`IOVA Lens: ${path}: cannot be analysed: ${(e as Error).message}`);
    }
    if (TIMING) connection.console.log(`IOVA Lens: timing setText ${doc.uri} v${doc.version} ${(performance.now() - t0).toFixed(2)} ms`);
  }
  pending.clear();
  dirtyDirs = new Set();
  for (const doc of documents.all()) {
    if (unusable(doc)) {
      send(doc.uri, []);
      continue;
    }
    // Only documents of the drivers that changed: the analysis is folder-local.
    const ws = isPatch(doc.uri) ? trees.forPatch(URI.toPath(doc.uri)) : trees.for(URI.toPath(doc.uri));
    if (dirs && !isPatch(doc.uri) && !dirs.has(folderOf(ws, URI.toPath(doc.uri)))) continue;
    if (isPatch(doc.uri)) {
      let r: ReturnType<Workspace['patchFindings']>;
      try {
        r = settings.enable ? ws.patchFindings(doc.getText()) : { findings: [] };
      } catch (e) {
        connection.console.error(`IOVA Lens: ${URI.toPath(doc.uri)}: cannot be analysed: ${(e as Error).message}`);
        r = { findings: [] };
      }
      if ('error' in r && r.error) connection.console.warn(`IOVA Lens: ${URI.toPath(doc.uri)}: ${r.error}`);
      const diags = diagnosticsOf(r.findings, ws);
      // Hunks that no longer apply to the workspace are analysed alone; say so instead of going quiet.
      for (const w of 'warnings' in r ? (r.warnings ?? []) : []) {
        diags.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: DiagnosticSeverity.Information, source: 'iova-lens', message: `IOVA Lens: ${w}` });
      }
      send(doc.uri, diags);
      continue;
    }
    if (!(doc.languageId === 'c' || doc.languageId === 'cpp' || /\.[ch]$/.test(doc.uri))) continue;
    const path = URI.toPath(doc.uri);
    let diags: Diagnostic[] = [];
    if (settings.enable) {
      try {
        const t0 = TIMING ? performance.now() : 0;
        diags = diagnosticsOf(ws.findingsFor(path), ws);
        if (TIMING) connection.console.log(`IOVA Lens: timing analysis ${doc.uri} v${doc.version} ${(performance.now() - t0).toFixed(2)} ms`);
      } catch (e) {
        connection.console.error(`IOVA Lens: analysis of ${path} failed: ${(e as Error).stack ?? e}`);
      }
    }
    send(doc.uri, diags);
  }
  // Closed files the workspace scan reported: when their driver changes (a header edited, a file
  // changed on disk) their Problems entries and the status count follow, as an open file's do.
  if (scanned.size) {
    const open = new Set(documents.all().map((d) => d.uri));
    for (const uri of scanned) {
      if (open.has(uri)) continue;
      const path = URI.toPath(uri);
      // (A folder not analysed here keeps the scan's findings until the next scan.)
      const ws = trees.find(path);
      if (!ws?.indexes(path) || (dirs && !dirs.has(folderOf(ws, path)))) continue;
      let diags: Diagnostic[] = [];
      try {
        if (settings.enable) diags = diagnosticsOf(ws.findingsFor(path), ws);
      } catch (e) {
        connection.console.error(`IOVA Lens: analysis of ${path} failed: ${(e as Error).message}`);
      }
      send(uri, diags);
    }
  }
  sendStatus();
}

/** Findings as LSP diagnostics, related locations as their tree's URIs. */
function diagnosticsOf(findings: Finding[], ws: Workspace): Diagnostic[] {
  return findings.map((f) => toDiagnostic(f, (p) => ws.uriOf(p)));
}

/** Why a document cannot be analysed (its text is no string, or it is binary as the CLI decides: a NUL in the first 8 KB), or undefined. */
function unusable(doc: TextDocument): string | undefined {
  const text: unknown = doc.getText();
  if (typeof text !== 'string') return 'the client sent no text for it';
  if (text.slice(0, 8192).includes('\0')) return 'binary file (contains NUL bytes)';
  return undefined;
}

function isPatch(uri: string): boolean {
  return /\.(patch|diff)$/.test(uri);
}


function update(doc: TextDocument): void {
  if (!isPatch(doc.uri)) pending.set(doc.uri, doc);
  schedule();
}

documents.onDidOpen((e) => update(e.document));
documents.onDidChangeContent((e) => {
  if (settings.run === 'onSave') return;
  update(e.document);
});
documents.onDidSave((e) => update(e.document));
connection.onDidChangeWatchedFiles((p) => {
  let configChanged = false;
  for (const c of p.changes) {
    const path = URI.toPath(c.uri);
    // .iova-lens.json is read by the editor as by the CLI: an edit takes effect at once.
    const config = trees?.all().find((ws) => ws.isConfigFile(path));
    if (config) {
      config.loadFileConfig();
      if (config.configError) tell(MessageType.Warning, `IOVA Lens: ${config.configError}`);
      configChanged = true;
      continue;
    }
    if (!/\.[ch]$/.test(c.uri)) continue;
    const ws = trees?.find(path);
    if (!ws) continue;
    // A folder the last workspace scan reported on is read now, so that its Problems entries follow the disk.
    if (!ws.indexes(path) && scannedFolders.has(folderOf(ws, path))) ws.indexFolder(dirname(path));
    else ws.fileChanged(path, c.type === FileChangeType.Deleted);
    dirtyDirs?.add(folderOf(ws, path));
  }
  if (configChanged) {
    markAllDirty();
    rescanIfScanned();
  }
  schedule();
});
documents.onDidClose((e) => {
  pending.delete(e.document.uri);
  if (!isPatch(e.document.uri) && trees) {
    const path = URI.toPath(e.document.uri);
    const ws = trees.for(path);
    // The file is the disk's again: its driver's other open files are checked against that.
    ws.closeText(path);
    dirtyDirs?.add(folderOf(ws, path));
    schedule();
    // A file the workspace scan reported keeps findings in Problems after it is closed — the disk's.
    if (scanned.has(e.document.uri)) {
      send(e.document.uri, settings.enable ? diagnosticsOf(ws.findingsFor(path), ws) : []);
      sendStatus();
      return;
    }
  }
  if (!scanned.has(e.document.uri)) send(e.document.uri, []);
  sendStatus();
});

/** LSP's lifecycle: requests before `initialize` get ServerNotInitialized, after `shutdown` InvalidRequest, and `initialize` is answered once. */
let lifecycle: 'new' | 'running' | 'shut' = 'new';
function assertRunning(): void {
  if (lifecycle === 'new') throw new ResponseError(ErrorCodes.ServerNotInitialized, 'IOVA Lens: the server is not initialized yet (send initialize first)');
  if (lifecycle === 'shut') throw new ResponseError(ErrorCodes.InvalidRequest, 'IOVA Lens: the server is shutting down');
}
connection.onShutdown(() => {
  lifecycle = 'shut';
});

connection.onHover((p): Hover | null => {
  assertRunning();
  // (Malformed params — no document, no position — get no hover, not an internal error.)
  if (!trees || !settings.enable || typeof p?.textDocument?.uri !== 'string' || !Number.isInteger(p.position?.line)) return null;
  const doc = documents.get(p.textDocument.uri);
  if (!doc || unusable(doc)) return null;
  if (pending.has(doc.uri)) publishAll();
  const ws = isPatch(doc.uri) ? trees.forPatch(URI.toPath(doc.uri)) : trees.for(URI.toPath(doc.uri));
  const findings = isPatch(doc.uri) ? ws.patchFindings(doc.getText()).findings : ws.findingsFor(URI.toPath(doc.uri));
  return hoverFor(findings, p.position, (k) => ws.abs(k), clientCommands, !diagnosticsInHover);
});

connection.onCodeAction((p): CodeAction[] => {
  assertRunning();
  if (typeof p?.textDocument?.uri !== 'string' || !Array.isArray(p.context?.diagnostics)) return [];
  const doc = documents.get(p.textDocument.uri);
  if (!doc || unusable(doc)) return [];
  return codeActionsFor(doc, p.context.diagnostics.filter((d) => d && typeof d === 'object' && d.range), clientCommands);
});

connection.onRequest(SCAN_WORKSPACE_REQUEST, async (params: ScanWorkspaceParams | null, token: CancellationToken): Promise<ScanWorkspaceResult> => {
  assertRunning();
  // (Work-done progress when the client gave a token: VS Code's notification, Neovim's $/progress.)
  const progress = connection.window.attachWorkDoneProgress(typeof params?.workDoneToken === 'string' || typeof params?.workDoneToken === 'number' ? params.workDoneToken : undefined);
  progress.begin('IOVA Lens: scanning workspace', 0, undefined, true);
  try {
    return await scanWorkspace(token, (message, percent) => progress.report(percent ?? 0, message));
  } finally {
    progress.done();
  }
});

/** The folders (folderOf()) of the last workspace scan's findings: a change on disk there is followed. */
let scannedFolders = new Set<string>();

/**
 * Scan Workspace: every tree's workspace folders through the CLI, in a child
 * process (cli-scan.ts); the folders analysed here (a document of them was
 * opened) by this analysis. Every finding goes to the Problems panel, not
 * only the open files'.
 */
async function scanWorkspace(token?: CancellationToken, onProgress?: (message: string, percent?: number) => void): Promise<ScanWorkspaceResult> {
  if (!trees) return { files: 0, findings: 0, cancelled: false };
  scanning = true;
  sendStatus();
  const byUri = new Map<string, Diagnostic[]>();
  const folders = new Set<string>();
  try {
    for (const ws of trees.all()) {
      const t0 = Date.now();
      const r = await ws.scan({ onCancel: (cancel) => token?.onCancellationRequested(cancel), onProgress, ripgrep });
      if (r.cancelled || token?.isCancellationRequested) return { files: 0, findings: 0, cancelled: true };
      // (Unreadable, binary, oversized files: one line each in the log, as the CLI prints them.)
      for (const e of r.errors) connection.console.warn(`IOVA Lens: ${ws.abs(e.path)}: ${e.message}`);
      connection.console.log(`IOVA Lens: scanned ${ws.root}: ${r.findings.length} findings in ${Date.now() - t0} ms`);
      for (const f of r.findings) {
        const uri = ws.uriOf(f.path);
        const list = byUri.get(uri) ?? [];
        list.push(toDiagnostic(f, (p) => ws.uriOf(p)));
        byUri.set(uri, list);
        folders.add(folderOf(ws, ws.abs(f.path)));
      }
    }
  } catch (e) {
    const message = `IOVA Lens: Scan Workspace failed: ${(e as Error).message}`;
    connection.console.error(message);
    throw new ResponseError(ErrorCodes.InternalError, message);
  } finally {
    scanning = false;
    sendStatus();
    if (rescanPending) {
      rescanPending = false;
      setImmediate(rescanIfScanned);
    }
  }
  const open = new Set(documents.all().map((d) => d.uri));
  for (const uri of scanned) if (!byUri.has(uri) && !open.has(uri)) send(uri, []);
  for (const [uri, diags] of byUri) send(uri, diags);
  scanned = new Set(byUri.keys());
  scannedFolders = folders;
  const findings = [...byUri.values()].reduce((n, d) => n + d.length, 0);
  sendStatus();
  return { files: byUri.size, findings, cancelled: false };
}

/** The config or the settings changed: a workspace scan's findings in folders not analysed here are the CLI's, so it runs again. */
function rescanIfScanned(): void {
  if (scanned.size === 0) return;
  // (One running now used the old config: run again when it ends.)
  if (scanning) {
    rescanPending = true;
    return;
  }
  scanWorkspace().catch(() => {}); // (Said in the log by scanWorkspace.)
}

documents.listen(connection);
connection.listen();
