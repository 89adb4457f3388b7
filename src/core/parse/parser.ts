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
   * Throws ParseTimeout when the parse needs more than `maxSteps` steps
   * (calls of tree-sitter's progress callback, which it makes every hundred
   * or so parser operations: a count of work, the same on every machine and
   * run — a wall-clock limit alone made a file's findings depend on how busy
   * the machine was), or, with `maxSteps`, runs longer than STEP_WALL_MS:
   * in error recovery on damaged text one step can take 80 ms (a fuzzed
   * file made 120 steps in 8 s), so steps alone are no hang guard.
   * `ranges`: parse only these parts of `text` (nodes keep their positions
   * in the whole text); an empty list parses nothing.
   */
  parse(text: string, old?: Tree, maxSteps?: number, ranges?: Range[]): Tree;
  readonly language: Language;
}

export class ParseTimeout extends Error {}

/**
 * The wall-clock cap of a step-limited parse: over twice what the step limit
 * takes on driver code here (limits.ts), so that it decides only for damaged
 * text whose steps are slow.
 */
export const STEP_WALL_MS = 4_000;

let runtimeReady: Promise<void> | undefined;

export async function createParser(wasm: WasmBytes): Promise<CParser> {
  runtimeReady ??= Parser.init({ wasmBinary: wasm.runtime } as object);
  await runtimeReady;
  const language = await Language.load(wasm.grammar);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    language,
    parse(text: string, old?: Tree, maxSteps?: number, ranges?: Range[]): Tree {
      // tree-sitter reads no included ranges as "the whole text".
      if (ranges && ranges.length === 0) text = '';
      let steps = 0;
      const deadline = maxSteps !== undefined ? Date.now() + STEP_WALL_MS : 0;
      // The callback is typed void but a `true` return cancels the parse (web-tree-sitter docs).
      const progressCallback = maxSteps !== undefined ? ((() => ++steps > maxSteps || Date.now() > deadline) as unknown as () => void) : undefined;
      const includedRanges = ranges?.length ? ranges : undefined;
      const tree = parser.parse(text, old ?? null, progressCallback || includedRanges ? { progressCallback, includedRanges } : undefined);
      if (!tree) {
        parser.reset();
        throw maxSteps !== undefined && (steps > maxSteps || Date.now() > deadline) ? new ParseTimeout(`parsing needed more than ${maxSteps} steps or ${STEP_WALL_MS} ms`) : new Error('tree-sitter returned no tree');
      }
      return tree;
    },
  };
}
