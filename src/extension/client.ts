// SPDX-License-Identifier: MIT
// Starts dist/server.js over IPC with vscode-languageclient. A missing wasm or
// a crash shows up in the "IOVA Lens" output channel; the client restarts a
// crashed server (its default error handler, up to 4 times in 3 minutes).
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { STATUS_NOTIFICATION, type InitOptions, type StatusParams } from '../protocol/lsp';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

let client: LanguageClient | undefined;

export function getClient(): LanguageClient | undefined {
  return client;
}

export async function startClient(context: vscode.ExtensionContext, output: vscode.OutputChannel, onStatus: (s: StatusParams) => void): Promise<void> {
  const module = context.asAbsolutePath('dist/server.js');
  for (const wasm of ['dist/tree-sitter-c.wasm', 'dist/web-tree-sitter.wasm']) {
    if (!existsSync(context.asAbsolutePath(wasm))) {
      const msg = `IOVA Lens: ${context.asAbsolutePath(wasm)} is missing — the C parser cannot load and no diagnostics will appear. Reinstall the extension.`;
      output.appendLine(msg);
      void vscode.window.showErrorMessage(msg);
    }
  }
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'file', pattern: '**/*.{c,h}' },
      { scheme: 'file', pattern: '**/*.{patch,diff}' },
    ],
    synchronize: { configurationSection: 'iovaLens', fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.c,*.h,.iova-lens.json}') },
    outputChannel: output,
    // Hover links may run our own commands only (Replay in emulator, the rule doc); no HTML.
    markdown: { isTrusted: { enabledCommands: ['iovaLens.replayInEmulator', 'iovaLens.showRuleDoc'] }, supportHtml: false },
    diagnosticCollectionName: 'iova-lens',
    // This client implements the iovaLens.* commands the server's code actions and hover links name.
    initializationOptions: { clientCommands: true, diagnosticsInHover: true, ripgrep: vscodeRipgrep() } satisfies InitOptions,
  };
  client = new LanguageClient('iovaLens', 'IOVA Lens', serverOptions, clientOptions);
  context.subscriptions.push(client.onNotification(STATUS_NOTIFICATION, (s: StatusParams) => onStatus(s)));
  await client.start();
}

/**
 * The ripgrep VS Code ships (its search uses it), for Scan Workspace: where
 * VS Code runs, rg is seldom on PATH. Its place in the install has moved
 * between releases and builds (code-server bundles every platform's).
 */
export function vscodeRipgrep(): string | undefined {
  const exe = process.platform === 'win32' ? 'rg.exe' : 'rg';
  const root = vscode.env.appRoot;
  const candidates = [
    join(root, 'node_modules', '@vscode', 'ripgrep', 'bin', exe),
    join(root, 'node_modules.asar.unpacked', '@vscode', 'ripgrep', 'bin', exe),
    join(root, 'node_modules', '@vscode', 'ripgrep-universal', 'bin', `${process.platform}-${process.arch}`, exe),
  ];
  return candidates.find((p) => existsSync(p));
}

export async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop();
}

export async function restartClient(): Promise<void> {
  if (client) await client.restart();
}
