// SPDX-License-Identifier: MIT
// Hover on a flagged call: the chain, what each platform makes of it, and
// links to the rule doc and to Replay in emulator.
import type { Hover, Position } from 'vscode-languageserver/node';
import type { Finding } from '../core/types';
import { platformTable } from './platform-table';
import { docHref } from './docs';

export function hoverFor(findings: Finding[], pos: Position): Hover | null {
  const line = pos.line + 1;
  const col = pos.character + 1;
  const hits = findings.filter((f) => f.line <= line && line <= f.endLine && (f.line !== line || f.column <= col) && (f.endLine !== line || col <= f.endColumn));
  if (hits.length === 0) return null;
  const parts: string[] = [];
  for (const f of hits) {
    const replay = `command:iovaLens.replayInEmulator?${encodeURIComponent(JSON.stringify([{ chain: f.chain, rule: f.rule }]))}`;
    parts.push(
      `**IOVA Lens · \`${f.rule}\`** (${f.concerns.join(', ')})\n\n${f.message}\n\n` +
        (f.chain.length ? `Chain: \`${f.chain.join(' → ')}\`\n\n${platformTable(f.chain)}\n\n` : '') +
        `[Rule documentation](${docHref(f.rule)}) · [Replay in emulator](${replay})`,
    );
  }
  return { contents: { kind: 'markdown', value: parts.join('\n\n---\n\n') } };
}
