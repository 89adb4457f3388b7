// SPDX-License-Identifier: MIT
// Activation: registers each feature (one file per feature). The language
// server is started here; its analysis runs in its own process, so the
// editor never waits on it.
import * as vscode from 'vscode';
import { startClient, stopClient, vscodeRipgrep } from './client';
import { registerEmulator } from './emulator-panel';
import { registerCommands } from './commands';
import { registerStatus } from './status';

/** What activate() returns to other extensions and to the extension-host tests. */
export interface IovaLensApi {
  /** Time activate() took before returning, in ms (the language server starts in the background). */
  activationMs: number;
  /** Resolves when the language server is running. */
  ready: Promise<void>;
  /** The ripgrep VS Code ships, which Scan Workspace runs (undefined when this VS Code has none where it is looked for). */
  ripgrep: string | undefined;
}

export function activate(context: vscode.ExtensionContext): IovaLensApi {
  const t0 = performance.now();
  const output = vscode.window.createOutputChannel('IOVA Lens');
  context.subscriptions.push(output);
  registerEmulator(context, output);
  registerCommands(context, output);
  const status = registerStatus(context);
  // Do not hold activation for the server: it starts in the background.
  const ready = startClient(context, output, status).catch((e: Error) => {
    output.appendLine(`IOVA Lens: the language server did not start: ${e.message}`);
  });
  const activationMs = performance.now() - t0;
  output.appendLine(`IOVA Lens activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, ready, ripgrep: vscodeRipgrep() };
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
