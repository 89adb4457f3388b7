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
  CodeActionKind,
  FileChangeType,
  type Diagnostic,
  type InitializeParams,
  type CodeAction,
  type Hover,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from './uri';
import { Workspace, sanitizeSettings } from './workspace';
import { hoverFor } from './hover';
import { codeActionsFor } from './code-actions';
import { DEFAULT_SETTINGS, STATUS_NOTIFICATION, SCAN_WORKSPACE_REQUEST, type DiagnosticData, type ServerSettings, type StatusParams } from '../protocol/lsp';
import type { Finding } from '../core/types';
import { loadParser } from './wasm';
import { docHref } from './docs';

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
let workspace: Workspace | undefined;
let settings: ServerSettings = DEFAULT_SETTINGS;
let hasConfigCapability = false;
const DEBOUNCE_MS = 150;
let timer: NodeJS.Timeout | undefined;
let indexing = false;
/** IOVA_LENS_TIMING=1: log per-document analysis times (read by scripts/bench-lsp.mjs). */
const TIMING = !!process.env.IOVA_LENS_TIMING;

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

function toDiagnostic(f: Finding, uriOf: (path: string) => string): Diagnostic {
  const data: DiagnosticData = { rule: f.rule, concerns: f.concerns, chain: f.chain, function: f.function };
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
    data,
  };
}

connection.onInitialize(async (params: InitializeParams) => {
  hasConfigCapability = !!params.capabilities.workspace?.configuration;
  const folders = params.workspaceFolders?.map((f) => URI.toPath(f.uri)) ?? (params.rootUri ? [URI.toPath(params.rootUri)] : []);
  try {
    const parser = await loadParser();
    workspace = new Workspace(parser, folders, (msg) => connection.console.error(msg));
  } catch (e) {
    // No parser means no diagnostics: say so loudly, once, where the user looks.
    connection.console.error(`IOVA Lens: ${(e as Error).message}`);
    connection.window.showErrorMessage(`IOVA Lens: ${(e as Error).message}`);
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
  if (hasConfigCapability) await refreshSettings();
  if (!workspace) return;
  const t0 = Date.now();
  // Diagnostics of open files do not wait for the index: publish now, again when it is built.
  publishAll();
  indexing = true;
  const progress = await connection.window.createWorkDoneProgress().catch(() => undefined);
  progress?.begin('IOVA Lens: indexing the workspace', 0, 'reading C files', false);
  const n = await workspace.indexFolders((done, total) => progress?.report(Math.round((100 * done) / Math.max(1, total)), `${done}/${total} files`));
  progress?.done();
  indexing = false;
  connection.console.log(`IOVA Lens: indexed ${n} files that can matter in ${Date.now() - t0} ms`);
  publishAll();
});

async function refreshSettings(): Promise<void> {
  try {
    const raw: unknown = await connection.workspace.getConfiguration('iovaLens');
    settings = workspace ? workspace.setEditorSettings(raw) : sanitizeSettings(raw, (m) => connection.console.warn(m));
  } catch (e) {
    connection.console.error(`IOVA Lens: cannot read settings: ${(e as Error).message}`);
  }
}

connection.onDidChangeConfiguration(async () => {
  await refreshSettings();
  publishAll();
});

function schedule(): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(publishAll, DEBOUNCE_MS);
}

function publishAll(): void {
  timer = undefined;
  if (!workspace) return;
  let total = 0;
  for (const doc of documents.all()) {
    if (isPatch(doc.uri)) {
      const r = settings.enable ? workspace.patchFindings(doc.getText()) : { findings: [] };
      if ('error' in r && r.error) connection.console.warn(`IOVA Lens: ${URI.toPath(doc.uri)}: ${r.error}`);
      const diags = r.findings.map((f) => toDiagnostic(f, (p) => workspace!.uriOf(p)));
      total += diags.length;
      void connection.sendDiagnostics({ uri: doc.uri, diagnostics: diags });
      continue;
    }
    if (!(doc.languageId === 'c' || doc.languageId === 'cpp' || /\.[ch]$/.test(doc.uri))) continue;
    const path = URI.toPath(doc.uri);
    let diags: Diagnostic[] = [];
    if (settings.enable) {
      try {
        const t0 = TIMING ? performance.now() : 0;
        diags = workspace.findingsFor(path).map((f) => toDiagnostic(f, (p) => workspace!.uriOf(p)));
        if (TIMING) connection.console.log(`IOVA Lens: timing analysis ${doc.uri} v${doc.version} ${(performance.now() - t0).toFixed(2)} ms`);
      } catch (e) {
        connection.console.error(`IOVA Lens: analysis of ${path} failed: ${(e as Error).stack ?? e}`);
      }
    }
    total += diags.length;
    void connection.sendDiagnostics({ uri: doc.uri, diagnostics: diags });
  }
  const status: StatusParams = { findings: total, files: workspace.fileCount(), indexing };
  void connection.sendNotification(STATUS_NOTIFICATION, status);
}

function isPatch(uri: string): boolean {
  return /\.(patch|diff)$/.test(uri);
}

function update(doc: TextDocument): void {
  const t0 = TIMING ? performance.now() : 0;
  if (!isPatch(doc.uri)) workspace?.setText(URI.toPath(doc.uri), doc.getText());
  if (TIMING) connection.console.log(`IOVA Lens: timing setText ${doc.uri} v${doc.version} ${(performance.now() - t0).toFixed(2)} ms`);
  schedule();
}

documents.onDidOpen((e) => update(e.document));
documents.onDidChangeContent((e) => {
  if (settings.run === 'onSave') return;
  update(e.document);
});
documents.onDidSave((e) => update(e.document));
connection.onDidChangeWatchedFiles((p) => {
  for (const c of p.changes) {
    if (!/\.[ch]$/.test(c.uri)) continue;
    workspace?.fileChanged(URI.toPath(c.uri), c.type === FileChangeType.Deleted);
  }
  schedule();
});
documents.onDidClose((e) => {
  if (!isPatch(e.document.uri)) workspace?.closeText(URI.toPath(e.document.uri));
  void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
});

connection.onHover((p): Hover | null => {
  if (!workspace) return null;
  const doc = documents.get(p.textDocument.uri);
  if (!doc) return null;
  const findings = isPatch(doc.uri) ? workspace.patchFindings(doc.getText()).findings : workspace.findingsFor(URI.toPath(doc.uri));
  return hoverFor(findings, p.position, (k) => workspace!.abs(k));
});

connection.onCodeAction((p): CodeAction[] => {
  const doc = documents.get(p.textDocument.uri);
  if (!doc) return [];
  return codeActionsFor(doc, p.context.diagnostics);
});

connection.onRequest(SCAN_WORKSPACE_REQUEST, async () => {
  if (!workspace) return { files: 0, findings: 0 };
  await workspace.indexFolders();
  return { files: workspace.fileCount(), findings: workspace.allFindings().length };
});

documents.listen(connection);
connection.listen();
