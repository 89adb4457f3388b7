// SPDX-License-Identifier: MIT
// The emulator webview panel: the host runs the emulator (src/emulator) and
// sends each run's JSON; the webview renders it. Restored after a reload by
// the serializer; the host re-sends state when the webview says "ready".
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { renderHtml } from './webview-html';
import { isWebviewToHost, type HostToWebview, type WebviewToHost } from '../protocol/emulator-messages';
import { listScenarios, listPlatforms, runScenario, runChain, parsePlatform, toJson } from '../emulator/index';
import { COMMANDS } from '../protocol/lsp';

export const VIEW_TYPE = 'iovaLens.emulator';

interface Replay {
  chain: string[];
  rule?: string;
}

class EmulatorPanel {
  static current: EmulatorPanel | undefined;
  private last: HostToWebview | undefined;

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
    webview.onDidReceiveMessage((m: unknown) => this.receive(m));
    panel.onDidDispose(() => {
      if (EmulatorPanel.current === this) EmulatorPanel.current = undefined;
    });
  }

  private post(m: HostToWebview): void {
    if (m.type === 'run') this.last = m;
    void this.panel.webview.postMessage(m);
  }

  private receive(m: unknown): void {
    if (!isWebviewToHost(m)) {
      console.warn('IOVA Lens: ignored malformed message from the emulator webview');
      return;
    }
    const msg: WebviewToHost = m;
    try {
      switch (msg.type) {
        case 'ready':
          this.post({ type: 'init', scenarios: listScenarios(), platforms: listPlatforms().map((p) => p.name) });
          this.post(this.last ?? this.scenario('S1'));
          return;
        case 'runScenario':
          this.post(this.scenario(msg.id));
          return;
        case 'runChain':
          this.post(this.chain({ chain: msg.chain }, msg.platform));
          return;
      }
    } catch (e) {
      this.post({ type: 'error', message: (e as Error).message });
    }
  }

  private scenario(id: string): HostToWebview {
    return { type: 'run', source: 'scenario', run: toJson(runScenario(id)) as never };
  }

  chain(r: Replay, platform?: string): HostToWebview {
    const p = parsePlatform(platform ?? listPlatforms()[0].name);
    return { type: 'run', source: 'chain', run: toJson(runChain(r.chain, p)) as never, rule: r.rule };
  }

  replay(r: Replay): void {
    try {
      this.post(this.chain(r));
    } catch (e) {
      this.post({ type: 'error', message: (e as Error).message });
    }
  }

  static show(extensionUri: vscode.Uri): EmulatorPanel {
    if (EmulatorPanel.current) {
      EmulatorPanel.current.panel.reveal(vscode.ViewColumn.Beside);
      return EmulatorPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'IOVA Lens Emulator', vscode.ViewColumn.Beside, { enableScripts: true });
    EmulatorPanel.current = new EmulatorPanel(panel, extensionUri);
    return EmulatorPanel.current;
  }
}

function isReplay(x: unknown): x is Replay {
  return typeof x === 'object' && x !== null && Array.isArray((x as Replay).chain) && (x as Replay).chain.every((s) => typeof s === 'string');
}

export function registerEmulator(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.openEmulator, () => {
      EmulatorPanel.show(context.extensionUri);
    }),
    vscode.commands.registerCommand(COMMANDS.replayInEmulator, (arg?: unknown) => {
      const panel = EmulatorPanel.show(context.extensionUri);
      if (isReplay(arg)) panel.replay(arg);
    }),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        EmulatorPanel.current = new EmulatorPanel(panel, context.extensionUri);
      },
    }),
  );
}
