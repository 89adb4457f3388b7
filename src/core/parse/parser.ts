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
   * the machine was), or, with `maxSteps`, reads the text more often than
   * readBudget() allows or runs longer than stepWallMs(): in error recovery
   * on damaged text one step can take 80 ms (a fuzzed file made 120 steps in
   * 8 s), so steps alone are no hang guard.
   * `ranges`: parse only these parts of `text` (nodes keep their positions
   * in the whole text); an empty list parses nothing.
   */
  parse(text: string, old?: Tree, maxSteps?: number, ranges?: Range[]): Tree;
  readonly language: Language;
}

export class ParseTimeout extends Error {
  constructor(
    message: string,
    /** Which limit stopped it: `steps` and `reads` are counted (the same on every machine), `time` is the wall clock. */
    readonly reason: 'steps' | 'reads' | 'time',
  ) {
    super(message);
  }
}

/**
 * The wall-clock cap of a step-limited parse, for damaged text whose steps
 * are slow without re-reading it (a fuzzed sh_eth.c: 587 KB, 5,082 steps,
 * 220 reads, 2 s; SPEC §3 allows a file 2 s). 1 s plus 1 ms per KB parsed,
 * at most 4 s: the slowest whole parse of any .c/.h file in 6.12's drivers/
 * and sound/ here is 0.61 s for rtw8852c_table.c (1.8 MB of tables, which a
 * scan never parses; cap 2.8 s), and every file's cap is at least 4.5× its
 * time alone — room for a machine busy with other work (five such parses at
 * once on 2 cores took 1.5 s each), since a cap that fires on real code
 * makes findings depend on the machine. Damaged text of up to about 1 MB
 * stays within SPEC's 2 s.
 */
export function stepWallMs(chars: number): number {
  return Math.min(4_000, 1_000 + Math.ceil(chars / 1024));
}

/**
 * How many times a step-limited parse may ask for text. tree-sitter reads
 * its input 5,119 characters at a time from where its lexer stands, and
 * reads again only when the lexer moves out of that window: on driver code
 * that is at most 0.4 reads per KB (all 34,038 .c/.h files of 6.12's
 * drivers/ and sound/: at most 2,110 reads, for a 6.3 MB register header;
 * small files ≤ 24). On damaged text, error recovery goes back and re-lexes
 * the same text over and over, at 38–120 reads per KB, with few and cheap
 * steps: a fuzzed 187 KB dm-crypt.c took 11,463 reads and 1.8 s in 1,425
 * steps. Counted, like steps, so every machine gives the same result; ten
 * times the worst driver file's rate, and each included range may cost a
 * read to jump to it.
 */
export function readBudget(chars: number, ranges = 0): number {
  return 64 + 2 * ranges + Math.ceil((4 * chars) / 1024);
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
    parse(text: string, old?: Tree, maxSteps?: number, ranges?: Range[]): Tree {
      // tree-sitter reads no included ranges as "the whole text".
      if (ranges && ranges.length === 0) text = '';
      let steps = 0;
      let reads = 0;
      const includedRanges = ranges?.length ? ranges : undefined;
      // (What is parsed: the included ranges only, when there are some.)
      const chars = includedRanges ? includedRanges.reduce((n, r) => n + (r.endIndex - r.startIndex), 0) : text.length;
      const maxReads = readBudget(chars, includedRanges?.length);
      const maxMs = stepWallMs(chars);
      const deadline = maxSteps !== undefined ? Date.now() + maxMs : 0;
      const over = (): ParseTimeout['reason'] | undefined =>
        maxSteps === undefined ? undefined : steps > maxSteps ? 'steps' : reads > maxReads ? 'reads' : Date.now() > deadline ? 'time' : undefined;
      // The callback is typed void but a `true` return cancels the parse (web-tree-sitter docs).
      const progressCallback = maxSteps !== undefined ? ((() => (++steps, over() !== undefined)) as unknown as () => void) : undefined;
      // What web-tree-sitter does with a string (and copies 10 KB of), counted; the
      // tree keeps it for node.text, so it hands out the rest of the text as before.
      const input = maxSteps !== undefined ? (index: number) => (++reads, text.slice(index)) : text;
      const tree = parser.parse(input, old ?? null, progressCallback || includedRanges ? { progressCallback, includedRanges } : undefined);
      if (!tree) {
        parser.reset();
        const why = over();
        throw why ? new ParseTimeout(`parsing needed more than ${maxSteps} steps, ${maxReads} reads or ${maxMs} ms`, why) : new Error('tree-sitter returned no tree');
      }
      return tree;
    },
  };
}
