// SPDX-License-Identifier: MIT
// Injected by esbuild from package.json; unbundled tests (out/src/cli) read the file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

declare const __IOVA_LENS_VERSION__: string | undefined;

export const VERSION: string =
  typeof __IOVA_LENS_VERSION__ === 'string'
    ? __IOVA_LENS_VERSION__
    : (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;

let build: string | undefined;

/**
 * The version plus a fingerprint of the running code (the bundle this is part
 * of), for the scan cache: two builds that share a version number but analyse
 * differently (a development build, a patched package) never share results.
 */
export function buildId(): string {
  if (build === undefined) {
    let code = '';
    try {
      code = createHash('sha1').update(readFileSync(__filename)).digest('hex').slice(0, 12);
    } catch {
      // Not readable (an unusual packaging): the version alone keys the cache.
    }
    build = code ? `${VERSION}+${code}` : VERSION;
  }
  return build;
}
