// SPDX-License-Identifier: MIT
// Hover on a flagged call: the chain, what each platform makes of it, and
// links to the rule doc and to Replay in emulator.
import type { Hover, Position } from 'vscode-languageserver/node';
import type { Finding } from '../core/types';
import { platformTable } from './platform-table';
import { docHref } from './docs';
import { guardText } from '../protocol/view-model';

/** `absPath` turns a finding's tree-relative path into the file's path, for Replay's link back to the code. */
/** Finding text quotes source code (handle expressions): never let it become Markdown or HTML. */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}\[\]()#+!|~]/g, (c) => `\\${c}`);
}

/**
 * `commandLinks`: the client runs iovaLens.* commands (VS Code); elsewhere a `command:` link is dead text.
 * `withMessage`: repeat the finding's message (not where the client shows it in the hover already, InitOptions).
 */
export function hoverFor(findings: Finding[], pos: Position, absPath: (p: string) => string = (p) => p, commandLinks = true, withMessage = true): Hover | null {
  const line = pos.line + 1;
  const col = pos.character + 1;
  const hits = findings.filter((f) => f.line <= line && line <= f.endLine && (f.line !== line || f.column <= col) && (f.endLine !== line || col <= f.endColumn));
  if (hits.length === 0) return null;
  const parts: string[] = [];
  for (const f of hits) {
    const replay = `command:iovaLens.replayInEmulator?${encodeURIComponent(JSON.stringify([{ chain: f.chain, rule: f.rule, path: absPath(f.path), line: f.line, function: f.function, ...(f.guard ? { guard: f.guard } : {}) }]))}`;
    parts.push(
      `**IOVA Lens · \`${f.rule}\`** (${f.concerns.join(', ')})\n\n${withMessage ? `${escapeMarkdown(f.message)}\n\n` : ''}` +
        (f.chain.length ? `Chain: \`${f.chain.join(' → ')}\`${f.guard ? ` (${guardText(f.chain, f.guard)})` : ''}\n\n${platformTable(f.chain, f.guard)}\n\n` : '') +
        `[Rule documentation](${docHref(f.rule)})` + (commandLinks ? ` · [Replay in emulator](${replay})` : ''),
    );
  }
  return { contents: { kind: 'markdown', value: parts.join('\n\n---\n\n') } };
}
