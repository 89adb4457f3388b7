// SPDX-License-Identifier: MIT
// `path:line:col: warning: message [rule]` — what quickfix lists and
// checkpatch users expect. Related locations follow as `note:` lines.
import type { Finding } from '../types';
import { printable } from './printable';

const WORD = { error: 'error', warning: 'warning', info: 'note' } as const;

export function formatGcc(findings: Finding[], withNotes = false): string {
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${printable(f.path)}:${f.line}:${f.column}: ${WORD[f.severity]}: ${f.message} [${f.rule}]`);
    if (withNotes) for (const r of f.related) lines.push(`${printable(r.path)}:${r.line}:1: note: ${r.message}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
