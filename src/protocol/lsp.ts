// SPDX-License-Identifier: MIT
// Custom messages between the extension and the language server, and the
// data a diagnostic carries so hover, code actions and Replay need no re-analysis.
import type { ChainGuard, Concern, RuleId } from '../core/types';

export const SERVER_NAME = 'IOVA Lens';

/** Attached to every published Diagnostic as `data`. */
export interface DiagnosticData {
  rule: RuleId;
  concerns: Concern[];
  chain: string[];
  function: string | null;
  /** The code tests that chain step's result for 0 around the use (Finding.guard): Replay stops there on a 0. */
  guard?: ChainGuard;
}

/** The settings the extension sends to the server (workspace/configuration section `iovaLens`). */
export interface ServerSettings {
  enable: boolean;
  run: 'onType' | 'onSave';
  rules: Record<string, string>;
  include: string[];
  exclude: string[];
}

export const DEFAULT_SETTINGS: ServerSettings = { enable: true, run: 'onType', rules: {}, include: [], exclude: [] };

/**
 * `initializationOptions` of the `initialize` request. The VS Code extension
 * sets `clientCommands`: it implements the iovaLens.* commands (a reason asked
 * for in an input box, the rule doc in a preview, the emulator). Another
 * client (Neovim, eglot) has none of them: its code actions carry their edit
 * and its hovers no command links.
 */
export interface InitOptions {
  clientCommands?: boolean;
  /**
   * The client shows each diagnostic's message in the hover itself (VS Code
   * does, above the provider's hover): the server's hover then leaves it out
   * rather than print it twice in a hover ≈ 250 px tall.
   */
  diagnosticsInHover?: boolean;
  /**
   * A ripgrep binary for Scan Workspace's first filter (VS Code ships one;
   * ripgrep is seldom on PATH where VS Code runs): the CLI is given it as
   * IOVA_LENS_RG. Without it the CLI looks for `rg` on PATH, and without that
   * Node reads every file.
   */
  ripgrep?: string;
}

/** Server → client: analysis status for the status bar item. */
export const STATUS_NOTIFICATION = 'iovaLens/status';
export interface StatusParams {
  /** Diagnostics published, all files (the Problems panel's count). */
  findings: number;
  /** Files the server analyses itself (those of the folders with a document opened). */
  files: number;
  /** A workspace scan is running. */
  indexing: boolean;
}

/** Client → server: scan every C file of the workspace. */
export const SCAN_WORKSPACE_REQUEST = 'iovaLens/scanWorkspace';
/** Its parameters: a work-done progress token (LSP), for "n/N directories analysed" as `$/progress`. */
export interface ScanWorkspaceParams {
  workDoneToken?: string | number;
}
export interface ScanWorkspaceResult {
  /** Files with at least one finding. */
  files: number;
  findings: number;
  cancelled: boolean;
}

/** Command ids contributed by the extension (package.json `contributes.commands`). */
export const COMMANDS = {
  openEmulator: 'iovaLens.openEmulator',
  scanWorkspace: 'iovaLens.scanWorkspace',
  restartServer: 'iovaLens.restartServer',
  showRuleDoc: 'iovaLens.showRuleDoc',
  replayInEmulator: 'iovaLens.replayInEmulator',
} as const;
