// SPDX-License-Identifier: MIT
// `iova-lens scan`: discover, prefilter, parse what can matter, learn helper
// summaries across files, run the rules, print in the chosen format.
import { readFileSync } from 'node:fs';
import { resolve, join, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Checker, mayMatter, compareFindings } from '../core/engine';
import { parseConfig, DEFAULT_CONFIG, ConfigError, isIncluded, type Config } from '../core/config';
import { RULE_IDS } from '../core/rules/index';
import { formatJson } from '../core/formats/json';
import { formatGcc } from '../core/formats/gcc';
import { formatText } from '../core/formats/text';
import { formatSarif } from '../core/formats/sarif';
import type { FileError, Finding, Severity } from '../core/types';
import { discover, readSource, findUp, relPath } from './files';
import { loadParser } from '../server/wasm';
import { VERSION } from './version';
import type { Io } from './io';

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export class UsageError extends Error {}

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

export async function runScan(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      root: { type: 'string' },
      config: { type: 'string' },
      jobs: { type: 'string' },
      shard: { type: 'string' },
      'fail-on': { type: 'string' },
      baseline: { type: 'string' },
    },
  });
  const format = values.format ?? (io.isTTY ? 'text' : 'gcc');
  if (!['text', 'gcc', 'json', 'sarif'].includes(format)) throw new UsageError(`unknown --format ${format} (text, gcc, json, sarif)`);
  const failOn = (values['fail-on'] ?? 'warning') as Severity;
  if (!(failOn in RANK)) throw new UsageError(`unknown --fail-on ${failOn} (error, warning, info)`);
  const started = Date.now();
  const outRoot = resolve(values.root ?? '.');
  const paths = positionals.length ? positionals : ['.'];
  const { config, treeRoot: cfgRoot } = loadConfigFor(resolve(paths[0]), values.config);
  const treeRoot = cfgRoot ?? findUp(resolve(paths[0]), 'MAINTAINERS') ?? outRoot;

  const found = discover(paths);
  if (found.missing.length) throw new UsageError(`${found.missing[0]}: no such file or directory`);
  const errors: FileError[] = found.errors.map((e) => ({ path: relPath(outRoot, e.path), message: e.message }));
  const parser = await loadParser();
  const checker = new Checker(parser, config);
  const outPath = new Map<string, string>();
  const unparsed: { key: string; text: string }[] = [];
  let scanned = 0;
  const progress = io.errIsTTY ? (n: number) => io.progress(`iova-lens: ${n}/${found.files.length} files`) : () => {};
  for (const abs of found.files) {
    const key = relPath(treeRoot, abs);
    if (!isIncluded(config, key)) continue;
    const r = readSource(abs);
    if ('error' in r) {
      errors.push({ path: relPath(outRoot, abs), message: r.error });
      continue;
    }
    scanned++;
    if (scanned % 500 === 0) progress(scanned);
    outPath.set(key, relPath(outRoot, abs));
    if (mayMatter(r.text)) checker.setFile(key, r.text);
    else if (/\w\s*\(/.test(r.text) && r.text.length < 512 * 1024) unparsed.push({ key, text: r.text });
  }
  // Second pass: files that call a helper learned in the first pass (e.g. a
  // *_iova_to_phys() wrapper defined in another file of the driver).
  const helpers = checker.helperNames();
  for (const u of unparsed) if (mayMatter(u.text, helpers)) checker.setFile(u.key, u.text);
  io.progress('');
  let findings: Finding[] = checker.check().map((f) => ({
    ...f,
    path: outPath.get(f.path) ?? f.path,
    related: f.related.map((r) => ({ ...r, path: outPath.get(r.path) ?? r.path })),
  }));
  checker.project.dispose();
  findings.sort(compareFindings);
  if (values.baseline) findings = applyBaseline(findings, values.baseline);
  for (const e of errors) io.err(`iova-lens: ${e.path}: ${e.message}`);
  const durationMs = Date.now() - started;
  const report = { tool: 'iova-lens' as const, version: VERSION, root: outRoot, filesScanned: scanned, durationMs, findings, errors };
  if (format === 'json') io.out(formatJson(report) + '\n');
  else if (format === 'sarif') io.out(formatSarif(report) + '\n');
  else if (format === 'gcc') io.out(formatGcc(findings));
  else io.out(formatText(findings, errors, { color: io.isTTY, filesScanned: scanned, durationMs }));
  return findings.some((f) => RANK[f.severity] >= RANK[failOn]) ? 1 : 0;
}

/** Keep only findings not in a previous JSON report (rule + path + function + line text). */
function applyBaseline(findings: Finding[], file: string): Finding[] {
  let prev: { findings?: { rule: string; path: string; function: string | null; message: string }[] };
  try {
    prev = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file}: cannot read baseline (${(e as Error).message})`);
  }
  const key = (f: { rule: string; path: string; function: string | null; message: string }) => `${f.rule}\0${f.path}\0${f.function}\0${f.message}`;
  const known = new Set((prev.findings ?? []).map(key));
  return findings.filter((f) => !known.has(key(f)));
}
