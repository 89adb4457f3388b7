// SPDX-License-Identifier: MIT
// The checker's public vocabulary, shared by the CLI, the language server and
// the tests. Positions are 1-based; columns count UTF-16 code units (a tab is
// one), endColumn is exclusive — the JSON contract of SPEC §1.4.

export type Severity = 'error' | 'warning' | 'info';
export type RuleSetting = Severity | 'off';

/** The five concern codes of the 2017 review (SPEC intro). */
export type Concern = 'a' | 'b' | 'c' | 'zero' | 'after-unmap';

export type RuleId =
  | 'iova-reverse-lookup'
  | 'dma-addr-as-phys'
  | 'linear-map-assumption'
  | 'iova-phys-unchecked'
  | 'translate-after-unmap'
  | 'unused-suppression'
  /** A file's analysis stopped early, or its findings were capped (src/core/limits.ts). */
  | 'analysis-limit';

export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Related {
  path: string;
  line: number;
  column: number;
  message: string;
}

export interface Finding extends Span {
  path: string;
  rule: RuleId;
  severity: Severity;
  concerns: Concern[];
  /** Enclosing function or function-like macro, null at file scope. */
  function: string | null;
  message: string;
  /** Step words of SPEC §1.2, e.g. ["dma-handle", "iova-to-phys|identity", "phys-to-virt"]. */
  chain: string[];
  related: Related[];
  /**
   * The code tests a chain step's result for 0 around the flagged use and goes
   * no further when it is 0 (`if (phys_addr) put_page(…)`, `if (!pa) return;`):
   * the emulator's replay stops there. Only for the editor (diagnostic data,
   * hover, Replay); never in the CLI's JSON or SARIF (SPEC §1.4).
   */
  guard?: ChainGuard;
}

/** `step`: index into the finding's chain (≥ 1) of the step whose result is tested for non-zero. */
export interface ChainGuard {
  step: number;
}

export interface FileError {
  path: string;
  message: string;
}

/** A source file handed to the analysis: a root-relative path with '/' and its text. */
export interface SourceFile {
  path: string;
  text: string;
}
