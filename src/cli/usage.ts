// SPDX-License-Identifier: MIT
// What `scan` and `patch` share before any analysis: the error that means
// exit 2 (bad usage, bad input), and finding and reading .iova-lens.json.
import { dirname, join, resolve, sep } from 'node:path';
import { parseConfig, DEFAULT_CONFIG, ConfigError, type Config } from '../core/config';
import { RULE_IDS } from '../core/rules/index';
import { findUp, MAX_CONFIG_BYTES, readTextFile } from './files';

/** Bad usage or bad input: one line on stderr, exit 2. */
export class UsageError extends Error {}

/**
 * The config for a scan starting at `start`: --config FILE, else
 * .iova-lens.json found upward. The folder of the file is the tree root (its
 * globs are relative to it) — except for a --config file that does not hold
 * `start` (`--config ci/lens.json` run from the tree): that file gives the
 * settings, and the tree root is found as without it (a .iova-lens.json
 * upward, else the caller's MAINTAINERS search), or its globs would match
 * no path of the tree and the default silence of drivers/iommu/** would not hold.
 */
export function loadConfigFor(start: string, explicit?: string): { config: Config; treeRoot?: string } {
  if (explicit !== undefined && explicit.trim() === '') throw new UsageError('--config needs a file (an empty name reads no config)');
  const found = findUp(start, '.iova-lens.json');
  const file = explicit ? resolve(explicit) : found ? join(found, '.iova-lens.json') : undefined;
  if (!file) return { config: DEFAULT_CONFIG };
  const r = readTextFile(file, MAX_CONFIG_BYTES);
  if ('error' in r) throw new ConfigError(`${file}: cannot read config (${r.error})`);
  const text = r.text;
  const dir = dirname(file);
  const holdsStart = start === dir || start.startsWith(dir.endsWith(sep) ? dir : dir + sep);
  return { config: parseConfig(text, file, RULE_IDS), treeRoot: !explicit || holdsStart ? dir : found };
}

/**
 * The config for a scan of several paths: the same whichever comes first.
 * Paths under different .iova-lens.json files (or one under a config and one
 * under none) would be checked by rules meant for another tree: a usage
 * error naming them, unless --config says which.
 */
export function loadConfigForPaths(paths: string[], explicit?: string): { config: Config; treeRoot?: string } {
  const starts = (paths.length ? paths : ['.']).map((p) => resolve(p));
  if (!explicit) {
    const byConfig = new Map<string, string>();
    starts.forEach((abs, i) => {
      const dir = findUp(abs, '.iova-lens.json');
      const key = dir ? join(dir, '.iova-lens.json') : '';
      if (!byConfig.has(key)) byConfig.set(key, paths[i] ?? '.');
    });
    if (byConfig.size > 1) {
      const [[a, pa], [b, pb]] = [...byConfig];
      throw new UsageError(`${pa} and ${pb} are under different configs (${a || 'none'}; ${b || 'none'}): scan them separately, or name one with --config`);
    }
  }
  return loadConfigFor(starts[0], explicit);
}
