// SPDX-License-Identifier: MIT
// Status bar item with the number of IOVA Lens findings in the Problems panel.
import * as vscode from 'vscode';
import type { StatusParams } from '../protocol/lsp';

export function registerStatus(context: vscode.ExtensionContext): (s: StatusParams) => void {
  const item = vscode.window.createStatusBarItem('iovaLens.status', vscode.StatusBarAlignment.Left, 50);
  item.name = 'IOVA Lens';
  item.command = 'workbench.actions.view.problems';
  item.text = '$(search) IOVA Lens';
  item.show();
  context.subscriptions.push(item);
  return (s) => {
    item.text = s.indexing ? '$(sync~spin) IOVA Lens' : `$(search) IOVA Lens: ${s.findings}`;
    // (The server analyses the drivers with a file open; Scan Workspace reads the rest through the CLI.)
    const analysed = `${s.files} file${s.files === 1 ? '' : 's'} that can matter analysed in the drivers with a file open`;
    item.tooltip = s.indexing ? `IOVA Lens: scanning the workspace… · ${analysed}` : `${s.findings} IOVA Lens problem${s.findings === 1 ? '' : 's'} in the Problems panel · ${analysed}; Scan Workspace reads the rest`;
  };
}
