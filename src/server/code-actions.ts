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
import { commentsOnly, findSuppressions } from '../core/suppress';

const V2P_RE = /virt_to_page\s*\(\s*phys_to_virt\s*\(\s*([^()]*(?:\([^()]*\)[^()]*)*)\)\s*\)/g;

/** Lines a call may span and still get the fix (`virt_to_page(\n\tphys_to_virt(pa))`). */
const CALL_LINES = 6;

/**
 * The virt_to_page(phys_to_virt(x)) that holds the diagnostic's start (a line
 * may have two), read from its line and the few after it: its offsets in the
 * document and the argument, on one line.
 */
function v2pAt(doc: TextDocument, line: number, character: number): { start: number; end: number; arg: string } | undefined {
  const from = doc.offsetAt({ line, character: 0 });
  const text = doc.getText({ start: { line, character: 0 }, end: { line: line + CALL_LINES, character: 0 } });
  const at = doc.offsetAt({ line, character }) - from;
  for (const m of text.matchAll(V2P_RE)) {
    if (m.index <= at && at < m.index + m[0].length) return { start: from + m.index, end: from + m.index + m[0].length, arg: m[1].replace(/\s*\r?\n\s*/g, ' ').trim() };
  }
  return undefined;
}

/** An `iova-lens-ignore` comment alone on line `n` (comments only), which silences the line after it. */
function suppressionLine(text: string): boolean {
  return text.includes('iova-lens-ignore') && commentsOnly(text);
}

/** What a suppression made by a plain edit says until its author writes the reason. */
export const REASON_PLACEHOLDER = 'TODO say why this is safe here';

export function codeActionsFor(doc: TextDocument, diagnostics: Diagnostic[], clientCommands = true): CodeAction[] {
  const out: CodeAction[] = [];
  const patch = /\.(patch|diff)$/.test(doc.uri);
  /** The document's suppressions, read once when a Suppress action needs them. */
  let sups: ReturnType<typeof findSuppressions> | undefined;
  for (const d of diagnostics) {
    if (d.source !== 'iova-lens') continue;
    const data = d.data as DiagnosticData | undefined;
    const rule = String(d.code ?? data?.rule ?? '');
    // (A note without a rule — a hunk that does not apply — has nothing to suppress or document.)
    if (!rule) continue;
    const line = d.range.start.line;
    const textOf = (n: number) => rawLine(doc, n).replace(/\r?\n$/, '');
    const lineText = textOf(line);
    const m = rule === 'linear-map-assumption' ? v2pAt(doc, line, d.range.start.character) : undefined;
    if (m) {
      out.push({
        title: `Replace with pfn_to_page(PHYS_PFN(${m.arg}))`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [d],
        isPreferred: true,
        edit: {
          changes: {
            [doc.uri]: [{ range: { start: doc.positionAt(m.start), end: doc.positionAt(m.end) }, newText: `pfn_to_page(PHYS_PFN(${m.arg}))` }],
          },
        },
      });
    }
    if (rule === 'unused-suppression') {
      const removal = removeComment(doc, d);
      if (removal) out.push({ title: removal.newText ? 'Remove the stale rule from the suppression comment' : 'Remove the unused suppression comment', kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true, edit: { changes: { [doc.uri]: [removal] } } });
      continue;
    }
    if (rule === 'analysis-limit') continue;
    // Not in a .patch (a comment line there is no + line: the patch would no longer apply); in the source.
    if (!patch) {
      const indent = /^\s*/.exec(lineText)?.[0] ?? '';
      // Inside a #define a comment line of its own would end the macro: the comment goes at the end of
      // the line, before its continuation backslash.
      const inMacro = /\\\s*$/.test(lineText) || /\\\s*$/.test(textOf(line - 1));
      // A comment above already silences rules here: a line of its own would sit between them, and that
      // one would silence the new comment line instead of the code. A one-line /* */ comment line is
      // joined; after a `//` or a block comment over several lines the new one goes at the line's end.
      const above = !inMacro && (sups ??= findSuppressions(doc.getText())).some((x) => x.target === line + 1 && x.line !== x.target);
      const joins = above && suppressionLine(textOf(line - 1));
      const target = joins ? line - 1 : line;
      const at = inMacro ? (/\s*\\\s*$/.exec(lineText)?.index ?? lineText.length) : joins ? textOf(line - 1).length : above ? lineText.length : undefined;
      if (clientCommands) {
        out.push({
          title: `Suppress ${rule} on this line (with a reason)…`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          command: { title: 'Suppress', command: 'iovaLens.suppress', arguments: at === undefined ? [doc.uri, line, rule, indent] : [doc.uri, target, rule, indent, at] },
        });
      } else {
        const comment = `/* iova-lens-ignore ${rule}: ${REASON_PLACEHOLDER} */`;
        // In the document's own line endings (a CRLF file stays CRLF).
        const eol = eolNear(doc, line);
        out.push({
          title: `Suppress ${rule} on this line (then write the reason)`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [d],
          edit: { changes: { [doc.uri]: [at === undefined ? { range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}${comment}${eol}` } : { range: { start: { line: target, character: at }, end: { line: target, character: at } }, newText: ` ${comment}` }] } },
        });
      }
    }
    if (!clientCommands) continue;
    out.push({ title: `Show documentation for ${rule}`, kind: CodeActionKind.QuickFix, diagnostics: [d], command: { title: 'Show documentation', command: COMMANDS.showRuleDoc, arguments: [rule] } });
    if (data?.chain?.length) {
      const replay = { chain: data.chain, rule, path: URI.toPath(doc.uri), line: line + 1, function: data.function, ...(data.guard ? { guard: data.guard } : {}) };
      out.push({ title: 'Replay in emulator', kind: CodeActionKind.QuickFix, diagnostics: [d], command: { title: 'Replay in emulator', command: COMMANDS.replayInEmulator, arguments: [replay] } });
    }
  }
  return out;
}

/**
 * The edit that deletes an unused suppression's comment: its whole line when
 * the comment is all there is on it, else the comment and the space before
 * it. None for a comment over several lines (the diagnostic marks its first).
 */
function removeComment(doc: TextDocument, d: Diagnostic): { range: Diagnostic['range']; newText: string } | undefined {
  const line = d.range.start.line;
  const text = rawLine(doc, line).replace(/\r?\n$/, '');
  const start = d.range.start.character;
  const rest = text.slice(start);
  // A comment naming several rules (`a, b: why`) of which one is stale: only that name goes.
  const stale = /\bno (\S+) finding\b|\bunknown rule (\S+)/.exec(d.message);
  const list = /iova-lens-ignore\s+([A-Za-z0-9_-]+(?:\s*,\s*[A-Za-z0-9_-]+)+)/.exec(rest);
  if (list) {
    const names = list[1].split(/\s*,\s*/);
    const gone = stale?.[1] ?? stale?.[2];
    if (!gone || !names.includes(gone)) return undefined;
    const from = start + list.index + list[0].length - list[1].length;
    return { range: { start: { line, character: from }, end: { line, character: from + list[1].length } }, newText: names.filter((x) => x !== gone).join(', ') };
  }
  const len = rest.startsWith('//') ? rest.length : rest.indexOf('*/') + 2;
  if (len < 2 || !/^\/[/*]/.test(rest)) return undefined;
  const end = start + len;
  if (text.slice(0, start).trim() === '' && text.slice(end).trim() === '') return { range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, newText: '' };
  const from = text.slice(0, start).trimEnd().length;
  return { range: { start: { line, character: from }, end: { line, character: end } }, newText: '' };
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
