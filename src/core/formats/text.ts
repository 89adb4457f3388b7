// SPDX-License-Identifier: MIT
// Text output for people: grouped by file, the chain spelled out, related
// lines indented beneath. Colour only when the caller says the stream is a TTY.
import type { FileError, Finding } from '../types';
import { printable } from './printable';

export function formatText(findings: Finding[], errors: FileError[], opts: { color: boolean; filesScanned: number; durationMs: number }): string {
  const c = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const sevColor = { error: '31', warning: '33', info: '36' } as const;
  const out: string[] = [];
  let current = '';
  for (const f of findings) {
    if (f.path !== current) {
      if (current) out.push('');
      out.push(c('1;4', printable(f.path)));
      current = f.path;
    }
    out.push(`  ${f.line}:${f.column}  ${c(sevColor[f.severity], f.severity)}  ${f.message}  ${c('2', f.rule)}${f.function ? c('2', `  in ${f.function}()`) : ''}`);
    if (f.chain.length) out.push(`      chain: ${f.chain.join(' → ')}`);
    for (const r of f.related) out.push(c('2', `      ${printable(r.path)}:${r.line}: ${r.message}`));
  }
  for (const e of errors) out.push(c('31', `error: ${printable(e.path)}: ${e.message}`));
  const n = findings.length;
  out.push('');
  out.push(`${n} finding${n === 1 ? '' : 's'} in ${opts.filesScanned} file${opts.filesScanned === 1 ? '' : 's'} (${(opts.durationMs / 1000).toFixed(2)} s)${errors.length ? `, ${errors.length} file error${errors.length === 1 ? '' : 's'}` : ''}`);
  return out.join('\n') + '\n';
}
