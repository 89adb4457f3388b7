// SPDX-License-Identifier: MIT
// Loads web-tree-sitter and the C grammar from wasm bytes the caller read, so
// the core never touches the file system and every host (CLI, server, tests)
// decides where the wasm lives (beside the bundles in dist/).
import { Language, Parser, type Range, type Tree } from 'web-tree-sitter';

export interface WasmBytes {
  /** web-tree-sitter.wasm */
  runtime: Uint8Array;
  /** tree-sitter-c.wasm */
  grammar: Uint8Array;
}

export interface CParser {
  /**
   * Throws ParseTimeout when `timeoutMs` passes first (tree-sitter's progress
   * callback cancels the parse). `ranges`: parse only these parts of `text`
   * (nodes keep their positions in the whole text); an empty list parses nothing.
   */
  parse(text: string, old?: Tree, timeoutMs?: number, ranges?: Range[]): Tree;
  readonly language: Language;
}

export class ParseTimeout extends Error {}

let runtimeReady: Promise<void> | undefined;

export async function createParser(wasm: WasmBytes): Promise<CParser> {
  runtimeReady ??= Parser.init({ wasmBinary: wasm.runtime } as object);
  await runtimeReady;
  const language = await Language.load(wasm.grammar);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    language,
    parse(text: string, old?: Tree, timeoutMs?: number, ranges?: Range[]): Tree {
      // tree-sitter reads no included ranges as "the whole text".
      if (ranges && ranges.length === 0) text = '';
      const deadline = timeoutMs === undefined ? 0 : Date.now() + timeoutMs;
      // The callback is typed void but a `true` return cancels the parse (web-tree-sitter docs).
      const progressCallback = deadline ? ((() => Date.now() > deadline) as unknown as () => void) : undefined;
      const includedRanges = ranges?.length ? ranges : undefined;
      const tree = parser.parse(text, old ?? null, progressCallback || includedRanges ? { progressCallback, includedRanges } : undefined);
      if (!tree) {
        parser.reset();
        throw deadline && Date.now() > deadline ? new ParseTimeout(`parsing took more than ${timeoutMs} ms`) : new Error('tree-sitter returned no tree');
      }
      return tree;
    },
  };
}
