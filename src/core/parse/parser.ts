// SPDX-License-Identifier: MIT
// Loads web-tree-sitter and the C grammar from wasm bytes the caller read, so
// the core never touches the file system and every host (CLI, server, tests)
// decides where the wasm lives (beside the bundles in dist/).
import { Language, Parser, type Tree } from 'web-tree-sitter';

export interface WasmBytes {
  /** web-tree-sitter.wasm */
  runtime: Uint8Array;
  /** tree-sitter-c.wasm */
  grammar: Uint8Array;
}

export interface CParser {
  parse(text: string, old?: Tree): Tree;
  readonly language: Language;
}

let runtimeReady: Promise<void> | undefined;

export async function createParser(wasm: WasmBytes): Promise<CParser> {
  runtimeReady ??= Parser.init({ wasmBinary: wasm.runtime } as object);
  await runtimeReady;
  const language = await Language.load(wasm.grammar);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    language,
    parse(text: string, old?: Tree): Tree {
      const tree = parser.parse(text, old ?? null);
      if (!tree) throw new Error('tree-sitter returned no tree');
      return tree;
    },
  };
}
