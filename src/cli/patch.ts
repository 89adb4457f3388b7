// SPDX-License-Identifier: MIT
// `iova-lens patch [FILE...|-] [--tree DIR]`: findings on the lines a patch (or
// a series) adds, like checkpatch.pl prints them. With --tree the hunks are
// applied to the tree's files and the driver's other files are analysed too,
// so a helper in its header is understood.
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDiff, postImages, withoutColor, DiffError, type PostImage } from '../core/patch';
import { checkPostImages, type FolderFile } from '../core/patch-check';
import { toCodePointColumns } from '../core/lines';
import { decodeMail } from '../core/mail';
import { formatGcc } from '../core/formats/gcc';
import { formatJson } from '../core/formats/json';
import { formatSarif } from '../core/formats/sarif';
import { ruleDoc } from './rule-docs';
import { formatText } from '../core/formats/text';
import type { Finding, Severity } from '../core/types';
import type { Config } from '../core/config';
import type { CParser } from '../core/parse/parser';
import { loadParser } from '../server/wasm';
import { readSource } from './files';
import { loadConfigFor, UsageError } from './usage';
import { VERSION } from './version';
import type { Io } from './io';

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export const NO_TREE_HINT = 'iova-lens: no --tree: each hunk is read alone, in the function its header names; --tree DIR (the tree the patch applies to), or a patch made with -W, shows the checker what lies outside the hunks';

/** `stdinIsTTY`: nothing is piped in — `iova-lens patch` typed alone would wait for a patch to be typed. */
export async function runPatch(argv: string[], io: Io, stdin: () => string, stdinIsTTY = false): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { tree: { type: 'string' }, format: { type: 'string' }, config: { type: 'string' }, 'fail-on': { type: 'string' } },
  });
  const started = Date.now();
  const format = values.format ?? 'gcc';
  if (!['text', 'gcc', 'json', 'sarif'].includes(format)) throw new UsageError(`unknown --format ${format} (text, gcc, json, sarif)`);
  const failOn = (values['fail-on'] ?? 'warning') as Severity;
  if (!(failOn in RANK)) throw new UsageError(`unknown --fail-on ${failOn} (error, warning, info)`);
  if (positionals.length === 0 && stdinIsTTY) throw new UsageError('patch: no patch given: name a file, or pipe one (git format-patch -1 --stdout | iova-lens patch -)');
  if (positionals.length > 1 && positionals.includes('-')) throw new UsageError('patch: `-` (stdin) cannot be given with patch files');
  // Several files are one series in the order given, as `git am 00*.patch` takes them.
  const sources = positionals.length ? positionals : ['-'];
  const src = sources.length === 1 ? sources[0] : `${sources.length} patch files`;
  const texts: string[] = [];
  for (const s of sources) {
    let t: string;
    try {
      t = s === '-' ? stdin() : readFileSync(s, 'utf8');
    } catch (e) {
      throw new UsageError(`${s}: cannot read the patch (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    // (Not an error: `git format-patch` of an empty commit writes nothing. But
    // say so, in case the pipe was meant to carry something.)
    if (t.trim() === '') io.err(`iova-lens: ${s === '-' ? 'stdin' : s}: empty, no patch to check`);
    // Each file of a series is read alone first, so that a damaged one, or one that is no diff at all
    // (`iova-lens patch out/*` picking up a junk file), is named with its own line number — in the
    // series they would be lines of all the files run together, or a junk file would pass unnoticed.
    if (sources.length > 1) {
      try {
        parseDiff(decodeMail(withoutColor(t)));
      } catch (e) {
        if (e instanceof DiffError) throw new UsageError(`${s}: ${e.message}`);
        throw e;
      }
    }
    texts.push(t);
  }
  // (A file that does not end in a newline must not run into the next one's first line.)
  const text = texts.map((t) => (t === '' || t.endsWith('\n') ? t : t + '\n')).join('');
  const tree = values.tree ? resolve(values.tree) : undefined;
  if (tree && !existsSync(tree)) throw new UsageError(`--tree ${values.tree}: no such directory`);
  if (tree && !statSync(tree).isDirectory()) throw new UsageError(`--tree ${values.tree}: not a directory (give the kernel tree the patch applies to)`);
  const { config } = loadConfigFor(tree ?? process.cwd(), values.config);
  let analysed: PatchAnalysis;
  try {
    analysed = analysePatch(text, tree, config, await loadParser());
  } catch (e) {
    if (e instanceof DiffError) throw new UsageError(`${src === '-' ? 'stdin' : src}: ${e.message}`);
    throw e;
  }
  for (const w of analysed.warnings) io.err(`iova-lens: ${w}`);
  const { images, findings } = analysed;
  // (For the reviewer at a terminal: what the patch alone cannot show. Not in a CI log or a pipe.)
  if (!tree && images.length && io.errIsTTY) io.err(NO_TREE_HINT);
  const report = { tool: 'iova-lens' as const, version: VERSION, root: tree ?? process.cwd(), filesScanned: images.length, durationMs: Date.now() - started, findings, errors: [] };
  if (format === 'json') io.out(formatJson(report) + '\n');
  else if (format === 'sarif') io.out(formatSarif(report, ruleDoc) + '\n');
  else if (format === 'text') io.out(formatText(findings, [], { color: io.isTTY, filesScanned: images.length, durationMs: report.durationMs }));
  else io.out(formatGcc(findings));
  return findings.some((f) => RANK[f.severity] >= RANK[failOn]) ? 1 : 0;
}

/**
 * A path a patch names that stays inside the tree: relative, no `..` part
 * (`git apply` and `patch -p1` refuse those too) — a patch piped into CI must
 * not make the tool read files outside the checkout.
 */
function inTree(p: string): boolean {
  return !isAbsolute(p) && !p.split(/[\\/]/).includes('..');
}

export interface PatchAnalysis {
  /** The post-images of the .c/.h files the patch touches. */
  images: PostImage[];
  /** Findings on added lines, at their post-image paths and lines, sorted. */
  findings: Finding[];
  /** Hunks that did not apply to the tree (the hunk alone was analysed). */
  warnings: string[];
}

/**
 * A patch, a series or a mailbox (decoded as git am would), analysed: with a
 * tree, the hunks are applied to its files and the driver's other files are
 * read too, so a helper in its header is understood. Throws DiffError when
 * the text is not a diff.
 */
export function analysePatch(text: string, tree: string | undefined, config: Config, parser: CParser): PatchAnalysis {
  // A message saved or piped from a mailbox may be quoted-printable, base64 or a MIME attachment;
  // git's output may be coloured (color.ui = always).
  const diffs = parseDiff(decodeMail(withoutColor(text)));
  const readTree = (p: string): string | undefined => {
    if (!tree || !inTree(p)) return undefined;
    const r = readSource(join(tree, p));
    return 'text' in r ? r.text : undefined;
  };
  const images = postImages(diffs, readTree, tree !== undefined).filter((i) => /\.[ch]$/.test(i.path));
  // The driver's other files, from the tree: its helpers and struct declarations.
  const others = (dir: string, touched: ReadonlySet<string>): FolderFile[] => {
    if (!tree || !inTree(dir)) return [];
    let names: string[];
    try {
      names = readdirSync(join(tree, dir)).filter((n) => /\.[ch]$/.test(n));
    } catch {
      return [];
    }
    const out: FolderFile[] = [];
    for (const n of names) {
      const key = dir ? `${dir}/${n}` : n;
      if (touched.has(key)) continue;
      const r = readSource(join(tree, key));
      if ('text' in r) out.push({ key, text: r.text });
    }
    return out;
  };
  // Columns in characters (the CLI's contract); related locations elsewhere in the tree are read again only if needed.
  const byPath = new Map(images.map((i) => [i.path, i.text]));
  const findings = toCodePointColumns(checkPostImages(images, others, parser, config), (p) => (byPath.has(p) ? byPath.get(p) : readTree(p)));
  return { images, findings, warnings: images.map((i) => i.warning).filter((w): w is string => !!w) };
}
