// SPDX-License-Identifier: MIT
// Rule docs ship inside the extension (dist/docs) and open in VS Code.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export function docHref(rule: string): string {
  return pathToFileURL(join(__dirname, 'docs', `${rule}.md`)).toString();
}
