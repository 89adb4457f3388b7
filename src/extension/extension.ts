// SPDX-License-Identifier: MIT
// Activation: registers each feature (one file per feature). The language
// server is started here; its analysis runs in its own process, so the
// editor never waits on it.
import * as vscode from 'vscode';
import { startClient, stopClient } from './client';
import { registerEmulator } from './emulator-panel';
import { registerCommands } from './commands';
import { registerStatus } from './status';

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('IOVA Lens');
  context.subscriptions.push(output);
  registerEmulator(context);
  registerCommands(context, output);
  const status = registerStatus(context);
  await startClient(context, output, status);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
