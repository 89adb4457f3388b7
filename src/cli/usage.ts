// SPDX-License-Identifier: MIT
// What `scan` and `patch` share before any analysis: the error that means
// exit 2 (bad usage, bad input), and finding and reading .iova-lens.json.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseConfig, DEFAULT_CONFIG, ConfigError, type Config } from '../core/config';
import { RULE_IDS } from '../core/rules/index';
import { findUp } from './files';

/** Bad usage or bad input: one line on stderr, exit 2. */
export class UsageError extends Error {}

/** The config for a scan starting at `start`: --config FILE, else .iova-lens.json found upward (its folder is the tree root). */
export function loadConfigFor(start: string, explicit?: string): { config: Config; treeRoot?: string } {
  const file = explicit ? resolve(explicit) : (() => {
    const dir = findUp(start, '.iova-lens.json');
    return dir ? join(dir, '.iova-lens.json') : undefined;
  })();
  if (!file) return { config: DEFAULT_CONFIG };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read config (${(e as NodeJS.ErrnoException).code})`);
  }
  return { config: parseConfig(text, file, RULE_IDS), treeRoot: dirname(file) };
}
