// SPDX-License-Identifier: MIT
// The shared tester of the rule tables and the engine tests: loads the C
// parser once (from the wasm files in node_modules, or from a directory via
// src/server/wasm.ts loadParser), runs a Checker over a few in-memory files and
// returns the findings. Test-only: it reads the file system, the core does not.
import { readFileSync } from 'node:fs';
import { createParser, type CParser } from '../parse/parser';
import { Checker } from '../engine';
import { DEFAULT_CONFIG, type Config } from '../config';
import type { Finding } from '../types';

let parserPromise: Promise<CParser> | undefined;

/** The parser, loaded once per process from node_modules (tests run unbundled from out/). */
export function testParser(): Promise<CParser> {
  parserPromise ??= createParser({
    runtime: readFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm')),
    grammar: readFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm')),
  });
  return parserPromise;
}

export interface CheckOptions {
  config?: Partial<Config>;
  /** Only report findings for these paths (default: every file given). */
  paths?: string[];
  /** Keep only findings of this rule. */
  rule?: string;
}

/** Default path of a single snippet: an ordinary network driver. */
export const SNIPPET_PATH = 'drivers/net/ethernet/acme/acme_main.c';

/** Runs the checker over `files` (path → text, or one snippet) and returns its findings. */
export async function check(files: Record<string, string> | string, opts: CheckOptions = {}): Promise<Finding[]> {
  const parser = await testParser();
  const map = typeof files === 'string' ? { [SNIPPET_PATH]: files } : files;
  const checker = new Checker(parser, { ...DEFAULT_CONFIG, ...opts.config });
  try {
    for (const [p, t] of Object.entries(map)) checker.setFile(p, t);
    const out = checker.check(opts.paths);
    return opts.rule ? out.filter((f) => f.rule === opts.rule) : out;
  } finally {
    checker.project.dispose();
  }
}

/** 1-based line numbers of the lines carrying `marker` (default `/*!*\/`) in a text. */
export function markedLines(text: string, marker = '/*!*/'): number[] {
  const out: number[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.includes(marker)) out.push(i + 1);
  });
  return out;
}

/** A compact one-line view of findings for assertion messages. */
export function show(fs: Finding[]): string {
  return fs.length === 0 ? '(no findings)' : fs.map((f) => `${f.path}:${f.line} ${f.rule} [${f.concerns.join(',')}] ${f.chain.join(',')} (${f.function})`).join('\n');
}
