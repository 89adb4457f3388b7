// SPDX-License-Identifier: MIT
// Reads the tree-sitter wasm files from beside the running bundle (dist/).
// A missing file is a packaging bug: say which file and where we looked.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createParser, type CParser } from '../core/parse/parser';

export const WASM_FILES = ['web-tree-sitter.wasm', 'tree-sitter-c.wasm'] as const;

export class WasmMissingError extends Error {}

/** dist/ when bundled; the repo's dist/ when running unbundled tests from out/. */
export function defaultWasmDir(): string {
  const candidates = [__dirname, join(__dirname, '..', '..', '..', 'dist'), join(__dirname, '..', '..', 'dist')];
  return candidates.find((d) => existsSync(join(d, 'tree-sitter-c.wasm'))) ?? __dirname;
}

export async function loadParser(dir = defaultWasmDir()): Promise<CParser> {
  const read = (name: string): Uint8Array => {
    const p = join(dir, name);
    try {
      return readFileSync(p);
    } catch (e) {
      throw new WasmMissingError(`cannot load the C parser: ${p} is missing or unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); reinstall IOVA Lens or run \`npm run build\``);
    }
  };
  return createParser({ runtime: read('web-tree-sitter.wasm'), grammar: read('tree-sitter-c.wasm') });
}
