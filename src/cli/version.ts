// SPDX-License-Identifier: MIT
// Injected by esbuild from package.json; unbundled tests (out/src/cli) read the file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

declare const __IOVA_LENS_VERSION__: string | undefined;

export const VERSION: string =
  typeof __IOVA_LENS_VERSION__ === 'string'
    ? __IOVA_LENS_VERSION__
    : (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
