// SPDX-License-Identifier: MIT
// Code actions on IOVA Lens diagnostics: suppress with a reason, show the rule
// doc, Replay in emulator, and the one mechanical fix that is always right:
// virt_to_page(phys_to_virt(p)) → pfn_to_page(PHYS_PFN(p)).
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DiagnosticData } from '../protocol/lsp';
import { COMMANDS } from '../protocol/lsp';
import { URI } from './uri';

const V2P_RE = /virt_to_page\s*\(\s*phys_to_virt\s*\(\s*([^()]*(?:\([^()]*\)[^()]*)*)\)\s*\)/;

export function codeActionsFor(doc: TextDocument, diagnostics: Diagnostic[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== 'iova-lens') continue;
    const data = d.data as DiagnosticData | undefined;
    const rule = String(d.code ?? data?.rule ?? '');
    const line = d.range.start.line;
    const lineText = doc.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
    const m = V2P_RE.exec(lineText);
    if (m && rule === 'linear-map-assumption') {
      out.push({
        title: `Replace with pfn_to_page(PHYS_PFN(${m[1].trim()}))`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: {
          changes: {
            [doc.uri]: [{ range: { start: { line, character: m.index }, end: { line, character: m.index + m[0].length } }, newText: `pfn_to_page(PHYS_PFN(${m[1].trim()}))` }],
          },
        },
      });
    }
    if (rule === 'unused-suppression' || rule === 'analysis-limit') continue;
    const indent = /^\s*/.exec(lineText)?.[0] ?? '';
    out.push({
      title: `Suppress ${rule} on this line (with a reason)…`,
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      command: { title: 'Suppress', command: 'iovaLens.suppress', arguments: [doc.uri, line, rule, indent] },
    });
    out.push({ title: `Show documentation for ${rule}`, kind: CodeActionKind.QuickFix, diagnostics: [d], command: { title: 'Show documentation', command: COMMANDS.showRuleDoc, arguments: [rule] } });
    if (data?.chain?.length) {
      const replay = { chain: data.chain, rule, path: URI.toPath(doc.uri), line: line + 1, function: data.function };
      out.push({ title: 'Replay in emulator', kind: CodeActionKind.QuickFix, diagnostics: [d], command: { title: 'Replay in emulator', command: COMMANDS.replayInEmulator, arguments: [replay] } });
    }
  }
  return out;
}
