// SPDX-License-Identifier: MIT
// `--format json`: the stable contract of SPEC §1.4. Key order is fixed here.
import type { FileError, Finding } from '../types';

export interface ScanReport {
  tool: 'iova-lens';
  version: string;
  root: string;
  filesScanned: number;
  durationMs: number;
  findings: Finding[];
  errors: FileError[];
}

export function formatJson(r: ScanReport): string {
  const findings = r.findings.map((f) => ({
    path: f.path,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    rule: f.rule,
    severity: f.severity,
    concerns: f.concerns,
    function: f.function,
    message: f.message,
    chain: f.chain,
    related: f.related.map((x) => ({ path: x.path, line: x.line, message: x.message })),
  }));
  return JSON.stringify({ tool: r.tool, version: r.version, root: r.root, filesScanned: r.filesScanned, durationMs: r.durationMs, findings, errors: r.errors }, null, 2);
}
