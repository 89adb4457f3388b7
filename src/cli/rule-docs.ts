// SPDX-License-Identifier: MIT
// The rule pages (src/core/rules/*.md, copied to dist/docs by the build):
// `iova-lens explain RULE` prints one, and SARIF carries each as the rule's
// help so code-scanning services show it beside an alert.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function docsDir(): string {
  const c = [join(__dirname, 'docs'), join(__dirname, '..', '..', '..', 'src', 'core', 'rules')];
  return c.find((d) => existsSync(d)) ?? c[0];
}

/** A rule's page, or undefined when it cannot be read (SARIF then goes without help; `explain` says why). */
export function ruleDoc(id: string): string | undefined {
  try {
    return readFileSync(join(docsDir(), `${id}.md`), 'utf8');
  } catch {
    return undefined;
  }
}
