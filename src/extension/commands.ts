// SPDX-License-Identifier: MIT
// Commands: show a rule's doc, suppress with a reason, scan the workspace,
// restart the server.
import * as vscode from 'vscode';
import { WorkDoneProgress } from 'vscode-languageclient/node';
import { COMMANDS, SCAN_WORKSPACE_REQUEST, type ScanWorkspaceParams, type ScanWorkspaceResult } from '../protocol/lsp';
import { getClient, restartClient } from './client';

const RULE_ID = /^[a-z][a-z-]{2,40}$/;
/** Scan Workspace runs so far (each gets its own progress token). */
let scans = 0;

export function registerCommands(context: vscode.ExtensionContext, output: vscode.OutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.showRuleDoc, async (rule?: string) => {
      const id = typeof rule === 'string' && RULE_ID.test(rule) ? rule : await vscode.window.showQuickPick(['iova-reverse-lookup', 'dma-addr-as-phys', 'linear-map-assumption', 'iova-phys-unchecked', 'translate-after-unmap'], { placeHolder: 'Rule' });
      if (!id) return;
      const uri = vscode.Uri.joinPath(context.extensionUri, 'dist', 'docs', `${id}.md`);
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    }),
    // `at`: a column on the line — the comment goes there, at the end of the line (inside a #define); else on a line of its own above.
    vscode.commands.registerCommand('iovaLens.suppress', async (uri: string, line: number, rule: string, indent: string, at?: number) => {
      const reason = await vscode.window.showInputBox({
        prompt: `Why is ${rule} wrong here? The reason goes into the suppression comment.`,
        placeHolder: 'e.g. the buffer comes from alloc_pages() and is always in the linear map',
        validateInput: (v) => (v.trim().length < 3 ? 'A short reason is required' : v.includes('*/') ? 'The reason cannot contain */' : undefined),
      });
      if (!reason) return;
      const target = vscode.Uri.parse(uri);
      const doc = await vscode.workspace.openTextDocument(target);
      const comment = `/* iova-lens-ignore ${rule}: ${reason.trim()} */`;
      const edit = new vscode.WorkspaceEdit();
      if (typeof at === 'number') edit.insert(target, new vscode.Position(line, at), ` ${comment}`);
      // In the document's own line endings (a CRLF file stays CRLF).
      else edit.insert(target, new vscode.Position(line, 0), `${indent}${comment}${doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n'}`);
      await vscode.workspace.applyEdit(edit);
    }),
    vscode.commands.registerCommand(COMMANDS.scanWorkspace, async () => {
      const client = getClient();
      if (!client) return;
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'IOVA Lens: scanning workspace', cancellable: true }, async (progress, token) => {
        let r: ScanWorkspaceResult;
        // The server reports what the scan does ("120/259 directories analysed") as LSP work-done progress.
        const workDoneToken = `iovaLens.scan.${++scans}`;
        let shown = 0;
        const sub = client.onProgress(WorkDoneProgress.type, workDoneToken, (v) => {
          if (v.kind !== 'report') return;
          const increment = v.percentage !== undefined && v.percentage > shown ? v.percentage - shown : undefined;
          if (increment) shown = v.percentage!;
          progress.report({ message: v.message, increment });
        });
        try {
          r = (await client.sendRequest(SCAN_WORKSPACE_REQUEST, { workDoneToken } satisfies ScanWorkspaceParams, token)) as ScanWorkspaceResult;
        } catch (e) {
          // (The server says what failed in one line: the CLI's config or usage error, a missing build.)
          if (token.isCancellationRequested) return;
          output.appendLine((e as Error).message);
          void vscode.window.showErrorMessage((e as Error).message);
          return;
        } finally {
          sub.dispose();
        }
        if (r.cancelled || token.isCancellationRequested) {
          output.appendLine('Workspace scan cancelled');
          return;
        }
        output.appendLine(`Scanned workspace: ${r.findings} findings in ${r.files} files`);
        void vscode.window.showInformationMessage(`IOVA Lens: ${r.findings} finding${r.findings === 1 ? '' : 's'} in ${r.files} file${r.files === 1 ? '' : 's'}`);
      });
    }),
    vscode.commands.registerCommand(COMMANDS.restartServer, () => restartClient()),
  );
}
