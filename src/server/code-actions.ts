// SPDX-License-Identifier: MIT
// Code actions on IOVA Lens diagnostics: suppress with a reason, show the rule
// doc, Replay in emulator, and the one mechanical fix that is always right:
// virt_to_page(phys_to_virt(p)) → pfn_to_page(PHYS_PFN(p)). The first three
// are commands the VS Code extension implements; for any other client
// (`clientCommands` false) Suppress is a plain edit with a reason to fill in,
// and the other two are left out (the diagnostic's codeDescription links the
// doc; there is no emulator outside VS Code).
import { CodeActionKind, type CodeAction, type Diagnostic } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { DiagnosticData } from '../protocol/lsp';
import { COMMANDS } from '../protocol/lsp';
import { URI } from './uri';

const V2P_RE = /virt_to_page\s*\(\s*phys_to_virt\s*\(\s*([^()]*(?:\([^()]*\)[^()]*)*)\)\s*\)/g;

/** The virt_to_page(phys_to_virt(x)) on the line that holds the diagnostic's start (a line may have two). */
function v2pAt(lineText: string, character: number): RegExpExecArray | undefined {
  for (const m of lineText.matchAll(V2P_RE)) if (m.index <= character && character < m.index + m[0].length) return m as RegExpExecArray;
  return undefined;
}

/** What a suppression made by a plain edit says until its author writes the reason. */
export const REASON_PLACEHOLDER = 'TODO say why this is safe here';

export function codeActionsFor(doc: TextDocument, diagnostics: Diagnostic[], clientCommands = true): CodeAction[] {
  const out: CodeAction[] = [];
  const patch = /\.(patch|diff)$/.test(doc.uri);
  for (const d of diagnostics) {
    if (d.source !== 'iova-lens') continue;
    const data = d.data as DiagnosticData | undefined;
    const rule = String(d.code ?? data?.rule ?? '');
    // (A note without a rule — a hunk that does not apply — has nothing to suppress or document.)
    if (!rule) continue;
    const line = d.range.start.line;
    const textOf = (n: number) => rawLine(doc, n).replace(/\r?\n$/, '');
    const lineText = textOf(line);
    const m = v2pAt(lineText, d.range.start.character);
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
    // Not in a .patch (a comment line there is no + line: the patch would no longer apply); in the source.
    if (!patch) {
      const indent = /^\s*/.exec(lineText)?.[0] ?? '';
      // Inside a #define a comment line of its own would end the macro: the comment goes at the end of
      // the line, before its continuation backslash.
      const inMacro = /\\\s*$/.test(lineText) || /\\\s*$/.test(textOf(line - 1));
      const at = inMacro ? (/\s*\\\s*$/.exec(lineText)?.index ?? lineText.length) : undefined;
      if (clientCommands) {
        out.push({
          title: `Suppress ${rule} on this line (with a reason)…`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          command: { title: 'Suppress', command: 'iovaLens.suppress', arguments: at === undefined ? [doc.uri, line, rule, indent] : [doc.uri, line, rule, indent, at] },
        });
      } else {
        const comment = `/* iova-lens-ignore ${rule}: ${REASON_PLACEHOLDER} */`;
        // In the document's own line endings (a CRLF file stays CRLF).
        const eol = eolNear(doc, line);
        out.push({
          title: `Suppress ${rule} on this line (then write the reason)`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          edit: { changes: { [doc.uri]: [at === undefined ? { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}${comment}${eol}` } : { range: { start: { line, character: at }, end: { line, character: at } }, newText: ` ${comment}` }] } },
        });
      }
    }
    if (!clientCommands) continue;
    out.push({ title: `Show documentation for ${rule}`, kind: CodeActionKind.QuickFix, diagnostics: [d], command: { title: 'Show documentation', command: COMMANDS.showRuleDoc, arguments: [rule] } });
    if (data?.chain?.length) {
      const replay = { chain: data.chain, rule, path: URI.toPath(doc.uri), line: line + 1, function: data.function };
      out.push({ title: 'Replay in emulator', kind: CodeActionKind.QuickFix, diagnostics: [d], command: { title: 'Replay in emulator', command: COMMANDS.replayInEmulator, arguments: [replay] } });
    }
  }
  return out;
}

/** Line `n` with its line break (empty before the first line). */
function rawLine(doc: TextDocument, n: number): string {
  return n < 0 ? '' : doc.getText({ start: { line: n, character: 0 }, end: { line: n + 1, character: 0 } });
}

/** The line break of line `n` (or of the line before, when `n` is the last line and has none). */
function eolNear(doc: TextDocument, n: number): string {
  for (const raw of [rawLine(doc, n), rawLine(doc, n - 1)]) if (raw.endsWith('\n')) return raw.endsWith('\r\n') ? '\r\n' : '\n';
  return '\n';
}
