// SPDX-License-Identifier: MIT
// The emulator webview panel. The host runs the emulator (src/emulator) and
// sends each run's JSON; the webview plays it back and draws it. Every
// message from the webview is validated (isWebviewToHost) and a malformed one
// is logged to the "IOVA Lens" output channel and answered with a `rejected`
// count. Restored after a reload by the serializer: the webview keeps its
// view state (setState) and asks for its runs again on `init`.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { renderHtml } from './webview-html';
import {
  describeRejected, isWebviewToHost, replayArgProblem, webviewGuardProblem,
  type AddressJson, type GuardJson, type HostToWebview, type PlatformInfo, type RegionJson, type ReplayArg, type RunJson, type SourceRef, type WebviewToHost,
} from '../protocol/emulator-messages';
import { addressOrError, traceFileName, traceFileText } from '../protocol/view-model';
import {
  addressViews, checkGuard, hex, listPlatforms, normaliseChain, listScenarios, parsePlatform, runChain, runMatrix, runProgram, runScenario, scenarioDoc, toJson,
  type Platform,
} from '../emulator/index';
import { COMMANDS } from '../protocol/lsp';

export const VIEW_TYPE = 'iovaLens.emulator';
const TITLE = 'IOVA Lens Emulator';

let log: vscode.OutputChannel | undefined;

function logLine(msg: string): void {
  const line = `[emulator] ${msg}`;
  if (log) log.appendLine(line); else console.warn(`IOVA Lens: ${line}`);
}

/** `guard`: the replayed finding's code tests that step's result for 0 (the chain program stops there on a 0). */
interface MatrixRequest { chain: string[]; origin: SourceRef | null; guard?: GuardJson }

function sameGuard(a: GuardJson | undefined, b: GuardJson | undefined): boolean {
  return a?.step === b?.step;
}

function regionsOf(p: Platform): RegionJson[] {
  return addressViews(0n, p).regions.map((r) => ({ name: r.name, start: hex(r.start), end: hex(r.end) }));
}

function platformInfos(): PlatformInfo[] {
  return listPlatforms().map((p) => ({
    name: p.name, description: p.description, arch: p.arch, pageSize: p.pageSize, iommu: p.iommu, domain: p.domain, era: p.era,
    dmaOffset: hex(p.dmaOffset), swiotlb: p.swiotlb, untrusted: p.untrusted, scenarios: [...p.scenarios],
  }));
}

export function matrixTitle(chain: string[], origin: SourceRef | null): string {
  if (!origin) return `Matrix: ${chain[0]} … on every platform`;
  return `${origin.rule} — ${origin.function ? `${origin.function}()` : 'top level'} line ${origin.line}`;
}

class EmulatorPanel {
  static current: EmulatorPanel | undefined;
  private ready = false;
  private pending: MatrixRequest | undefined;
  private lastRun: RunJson | undefined;
  private rejected = 0;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
  ) {
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')] };
    webview.html = renderHtml({
      cspSource: webview.cspSource,
      nonce: randomBytes(16).toString('base64'),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'emulator.css')).toString(),
    });
    webview.onDidReceiveMessage((m: unknown) => { void this.receive(m); });
    panel.onDidDispose(() => {
      if (EmulatorPanel.current === this) EmulatorPanel.current = undefined;
    });
  }

  private post(m: HostToWebview): void {
    if (m.type === 'run') this.lastRun = m.run;
    void this.panel.webview.postMessage(m);
  }

  private async receive(m: unknown): Promise<void> {
    if (!isWebviewToHost(m)) {
      this.rejected++;
      const why = webviewGuardProblem(m);
      logLine(`rejected a malformed message from the webview${why ? ` (${why})` : ''}: ${describeRejected(m)}`);
      this.post({ type: 'rejected', count: this.rejected });
      return;
    }
    const msg: WebviewToHost = m;
    try {
      switch (msg.type) {
        case 'ready': {
          this.ready = true;
          // A pending Replay is kept until the webview acts on it (runChain): a webview that is
          // reloaded meanwhile (moved, hidden and shown) gets it again with the next `ready`.
          const pending = this.pending;
          this.post({ type: 'init', scenarios: this.scenarios(), platforms: platformInfos(), restore: !pending });
          if (pending) this.postMatrix(pending, true);
          return;
        }
        case 'runScenario':
          this.post(this.scenario(msg.id));
          return;
        case 'runChain':
          // The webview opened the replayed matrix's first cell: the Replay has arrived.
          if (this.pending && this.pending.chain.join(' ') === msg.chain.join(' ') && sameGuard(this.pending.guard, msg.guard)) this.pending = undefined;
          this.post(this.chain(msg.chain, msg.platform, msg.guard));
          return;
        case 'runProgram':
          this.post(this.program(msg.id, msg.platform));
          return;
        case 'runMatrix':
          this.postMatrix({ chain: msg.chain, origin: msg.origin ?? null, ...(msg.guard ? { guard: msg.guard } : {}) }, false);
          return;
        case 'lookup':
          this.post(this.lookup(msg.requestId, msg.text, msg.platform));
          return;
        case 'revealSource':
          await this.reveal(msg.path, msg.line);
          return;
        case 'saveTrace':
          await this.saveTrace();
          return;
        default:
          assertNever(msg);
      }
    } catch (e) {
      this.post({ type: 'error', message: (e as Error).message });
    }
  }

  private scenarios() {
    return listScenarios().map((s) => ({ ...s, chain: scenarioDoc(s.id)?.chain ?? [] }));
  }

  private scenario(id: string): HostToWebview {
    const r = runScenario(id);
    return { type: 'run', source: 'scenario', run: toJson(r) as RunJson, regions: regionsOf(r.platform) };
  }

  /** A named driver program (a scenario's nicvf receive path) on another platform. */
  private program(id: string, platform: string): HostToWebview {
    const p = parsePlatform(platform);
    return { type: 'run', source: 'program', run: toJson(runProgram(id, p)) as RunJson, regions: regionsOf(p) };
  }

  private chain(chain: string[], platform: string, guard?: GuardJson): HostToWebview {
    const p = parsePlatform(platform);
    return { type: 'run', source: 'chain', run: toJson(runChain(chain, p, { guard })) as RunJson, regions: regionsOf(p) };
  }

  private postMatrix(r: MatrixRequest, autoOpen: boolean): void {
    const m = runMatrix(r.chain, { guard: r.guard });
    this.post({ type: 'matrix', chain: m.chain, ...(m.guard ? { guard: m.guard } : {}), rows: m.rows.map((x) => toJson(x) as RunJson), title: matrixTitle(m.chain, r.origin), origin: r.origin, autoOpen });
  }

  private lookup(requestId: number, text: string, platform: string): HostToWebview {
    const v = addressOrError(text);
    if (typeof v === 'string') return { type: 'address', requestId, result: null, error: v };
    const p = parsePlatform(platform);
    const a = addressViews(v, p);
    const result: AddressJson = {
      input: text, value: hex(v), platform: p.name,
      views: a.views.map((view) => ({ as: view.as, rows: view.rows.map((r) => ({ fn: r.fn, value: r.value === null ? null : hex(r.value), ...(r.note ? { note: r.note } : {}) })) })),
    };
    return { type: 'address', requestId, result };
  }

  /** Opens a source file the webview names, only inside a workspace folder. */
  private async reveal(path: string, line: number): Promise<void> {
    const uri = /^[a-z][a-z0-9+.-]*:\/\//i.test(path) ? vscode.Uri.parse(path, true) : vscode.Uri.file(path);
    if (!vscode.workspace.getWorkspaceFolder(uri)) {
      this.rejected++;
      logLine(`rejected revealSource outside the workspace: ${describeRejected(path)}`);
      this.post({ type: 'rejected', count: this.rejected });
      return;
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    const l = Math.min(Math.max(0, line - 1), Math.max(0, doc.lineCount - 1));
    const pos = new vscode.Position(l, 0);
    // Next to the panel, so the emulator stays in view.
    const column = this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
    await vscode.window.showTextDocument(doc, { viewColumn: column, selection: new vscode.Range(pos, pos), preserveFocus: false });
  }

  private async saveTrace(): Promise<void> {
    const run = this.lastRun;
    if (!run) { this.post({ type: 'error', message: 'no run to export yet' }); return; }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      title: 'Export the emulator trace as JSON',
      defaultUri: folder ? vscode.Uri.joinPath(folder, traceFileName(run)) : undefined,
      filters: { JSON: ['json'] },
      saveLabel: 'Export trace',
    });
    if (!target) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(traceFileText(run)));
    logLine(`trace exported to ${target.toString(true)}`);
    this.post({ type: 'saved', path: target.scheme === 'file' ? target.fsPath : target.toString(true) });
  }

  replay(r: MatrixRequest): void {
    let chain: string[];
    let guard: GuardJson | undefined;
    try {
      chain = normaliseChain(r.chain);
      guard = r.guard === undefined ? undefined : checkGuard(chain, r.guard);
    } catch (e) {
      this.post({ type: 'error', message: (e as Error).message });
      return;
    }
    this.pending = { chain, origin: r.origin, ...(guard ? { guard } : {}) };
    if (this.ready) this.postMatrix(this.pending, true);
  }

  static show(extensionUri: vscode.Uri): EmulatorPanel {
    if (EmulatorPanel.current) {
      // Reveal where it is: moving a webview to another group reloads it.
      EmulatorPanel.current.panel.reveal(EmulatorPanel.current.panel.viewColumn);
      return EmulatorPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, TITLE, vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
    });
    EmulatorPanel.current = new EmulatorPanel(panel, extensionUri);
    return EmulatorPanel.current;
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled message ${JSON.stringify(x)}`);
}

/**
 * Where a Replay comes from: the argument's `path`/`line`/`function` when the
 * language server sends them; otherwise the active editor's IOVA Lens
 * diagnostic of that rule under the cursor (the code action runs there).
 */
function originOf(arg: { rule?: string; path?: string; line?: number; function?: string | null }): SourceRef | null {
  const rule = arg.rule ?? 'finding';
  if (arg.path && arg.line) return { path: arg.path, line: arg.line, function: arg.function ?? null, rule };
  const ed = vscode.window.activeTextEditor;
  if (!ed) return null;
  const uri = ed.document.uri;
  const at = ed.selection.active;
  const diags = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'iova-lens' && (!arg.rule || String(typeof d.code === 'object' ? d.code.value : d.code) === arg.rule));
  const d = diags.find((x) => x.range.contains(at)) ?? diags.find((x) => x.range.start.line === at.line);
  if (!d) return null;
  const data = (d as vscode.Diagnostic & { data?: { function?: unknown } }).data;
  const fn = typeof data?.function === 'string' && /^[A-Za-z_]\w*$/.test(data.function) ? data.function : null;
  return { path: uri.scheme === 'file' ? uri.fsPath : uri.toString(), line: d.range.start.line + 1, function: arg.function ?? fn, rule };
}

export function registerEmulator(context: vscode.ExtensionContext, output?: vscode.OutputChannel): void {
  log = output;
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.openEmulator, () => {
      EmulatorPanel.show(context.extensionUri);
    }),
    vscode.commands.registerCommand(COMMANDS.replayInEmulator, (arg?: unknown) => {
      const why = arg === undefined ? undefined : replayArgProblem(arg);
      if (why !== undefined) {
        logLine(`Replay in emulator: ignored a malformed argument (${why}): ${describeRejected(arg)}`);
        EmulatorPanel.show(context.extensionUri);
        return;
      }
      const a = arg as ReplayArg | undefined;
      const origin = a ? originOf(a) : null;
      const panel = EmulatorPanel.show(context.extensionUri);
      if (a) panel.replay({ chain: a.chain, origin, ...(a.guard ? { guard: a.guard } : {}) });
    }),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        EmulatorPanel.current?.panel.dispose();
        EmulatorPanel.current = new EmulatorPanel(panel, context.extensionUri);
      },
    }),
  );
}
