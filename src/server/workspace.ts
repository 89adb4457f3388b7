// SPDX-License-Identifier: MIT
// The server's view of a tree: one Checker holding the files that can matter
// of every driver folder a document was opened in (the analysis is
// folder-local: a helper in nicvf_queues.h applies in nicvf_queues.c, not in
// another driver), the open documents with their live text. The rest of the
// workspace is not read until Scan Workspace, which runs the CLI (cli-scan.ts).
import { dirname, join, isAbsolute, relative } from 'node:path';
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { Checker, declaresDmaFields, mayMatter } from '../core/engine';
import { DEFAULT_CONFIG, globsProblem, parseConfig, type Config } from '../core/config';
import { RULE_IDS } from '../core/rules/index';
import type { CParser } from '../core/parse/parser';
import type { Finding, RuleId, RuleSetting } from '../core/types';
import { inPatchText, parseDiff, postImages } from '../core/patch';
import { checkPostImages } from '../core/patch-check';
import { dirOf } from '../core/analysis/project';
import { MAX_CONFIG_BYTES, readSource, readTextFile, toPosix } from '../cli/files';
import { toUtf16Columns } from '../core/lines';
import type { FileError } from '../core/types';
import { scanWithCli, type CliScan, type CliScanOptions } from './cli-scan';
import { DEFAULT_SETTINGS, type ServerSettings } from '../protocol/lsp';
import { URI } from './uri';

/** Folders with no open document that stay analysed (Workspace.evictIdle()). */
export const MAX_IDLE_FOLDERS = 24;

/** One tree's analysis (trees.ts says which files belong to it): its config, its index, its open documents. */
export class Workspace {
  private readonly checker: Checker;
  private fileConfig: Config = DEFAULT_CONFIG;
  private editor: ServerSettings | undefined;
  private readonly open = new Set<string>();
  /** Folders indexFolder() has read (absolute) with the keys of their files, least recently used first. */
  private readonly foldersRead = new Map<string, string[]>();
  /** The same folders as keys (root-relative). */
  private readonly indexedDirs = new Set<string>();

  /**
   * `root`: the tree's root (paths are relative to it); `folders`: the
   * workspace folders in it, which scan() covers; `maxIdleFolders`: how many
   * folders with no open document stay analysed (evictIdle()).
   */
  constructor(
    private readonly parser: CParser,
    readonly root: string,
    private readonly folders: string[],
    private readonly log: (msg: string) => void,
    private readonly maxIdleFolders = MAX_IDLE_FOLDERS,
  ) {
    this.checker = new Checker(parser, DEFAULT_CONFIG);
    this.loadFileConfig();
  }

  /** Why the tree's .iova-lens.json could not be used (the server shows it), or undefined. */
  configError: string | undefined;

  /** (Re)reads the tree root's .iova-lens.json — at start and whenever the file changes, is created or deleted. */
  loadFileConfig(): void {
    const file = join(this.root, '.iova-lens.json');
    this.fileConfig = DEFAULT_CONFIG;
    this.configError = undefined;
    // (Read as the CLI reads it: a FIFO or /dev/zero named .iova-lens.json must not hang the server.)
    const r = lstatSync(file, { throwIfNoEntry: false }) ? readTextFile(file, MAX_CONFIG_BYTES) : undefined;
    try {
      if (r && 'error' in r) throw new Error(`${file}: cannot read config (${r.error})`);
      if (r) this.fileConfig = parseConfig(r.text, file, RULE_IDS);
    } catch (e) {
      this.configError = `${(e as Error).message} — using defaults`;
      this.log(`IOVA Lens: ${this.configError}`);
    }
    this.applyConfig();
  }

  /** Whether `abs` is the tree's config file. */
  isConfigFile(abs: string): boolean {
    return abs === join(this.root, '.iova-lens.json');
  }

  /** Editor settings override `.iova-lens.json` (SPEC §1.3). */
  /** Settings come from the user's JSON: anything of the wrong type is ignored with one log line. */
  setEditorSettings(raw: unknown, log = this.log): ServerSettings {
    const s = sanitizeSettings(raw, log);
    this.editor = s;
    this.applyConfig();
    return s;
  }

  private applyConfig(): void {
    const rules: Partial<Record<RuleId, RuleSetting>> = { ...this.fileConfig.rules };
    for (const [k, v] of Object.entries(this.editor?.rules ?? {})) {
      if (RULE_IDS.includes(k) && ['off', 'info', 'warning', 'error'].includes(v)) rules[k as RuleId] = v as RuleSetting;
      else this.log(`IOVA Lens: ignoring setting iovaLens.rules.${k} = ${JSON.stringify(v)} (unknown rule or severity)`);
    }
    this.checker.config = {
      ...this.fileConfig,
      rules,
      include: this.editor?.include?.length ? this.editor.include : this.fileConfig.include,
      exclude: this.editor?.exclude?.length ? this.editor.exclude : this.fileConfig.exclude,
    };
  }

  key(abs: string): string {
    const r = relative(this.root, abs);
    return r.startsWith('..') || isAbsolute(r) ? toPosix(abs) : toPosix(r);
  }

  abs(key: string): string {
    return key.startsWith('/') ? key : join(this.root, key);
  }

  uriOf(key: string): string {
    return URI.fromPath(this.abs(key));
  }

  fileCount(): number {
    return this.checker.project.files.size;
  }

  /** The driver folder of a file (the unit of re-analysis). */
  dirOf(abs: string): string {
    return dirOf(this.key(abs));
  }

  /** Whether the file's folder is analysed here (a document of it was opened), not only by a workspace scan. */
  indexes(abs: string): boolean {
    return this.indexedDirs.has(this.dirOf(abs));
  }

  /**
   * The .c/.h of a folder — a driver, the unit of analysis — read when a
   * document of it is first opened (or a patch touches it), so that the
   * document gets its helpers (nicvf_queues.h for nicvf_queues.c), as
   * `iova-lens scan one-file.c` reads them. Not the subfolders: a file at a
   * kernel tree's top would otherwise read the whole tree.
   */
  indexFolder(dir: string, evict = true): void {
    const read = this.foldersRead.get(dir);
    if (read) {
      // (Most recently used last.)
      this.foldersRead.delete(dir);
      this.foldersRead.set(dir, read);
      return;
    }
    const keys: string[] = [];
    this.foldersRead.set(dir, keys);
    this.indexedDirs.add(this.key(dir));
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => /\.[ch]$/.test(n)).sort();
    } catch (e) {
      this.log(`IOVA Lens: ${dir}: cannot list the folder for helpers (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    // (At once, not in slices: the file's first diagnostics need them, and one folder is small.)
    const later: { key: string; text: string }[] = [];
    for (const p of names.map((n) => join(dir, n))) {
      keys.push(this.key(p));
      if (isFile(p)) this.indexOne(p, later);
    }
    this.indexLater(later);
    if (evict) this.evictIdle(new Set([dir]));
  }

  /**
   * A day of reading drivers opens many folders, each ≈ 3.5 MB of syntax
   * trees and facts: beyond the `maxIdleFolders` most recently used that hold
   * no open document, a folder is dropped, and read again if a file of it is
   * opened. (Its closed files keep the diagnostics last published for them.)
   */
  private evictIdle(reading: ReadonlySet<string>): void {
    const busy = new Set([...this.open].map((k) => dirOf(k)));
    // (The folders being read are about to be used: a document of them is opened next, or a patch is checked.)
    const idle = [...this.foldersRead.keys()].filter((d) => !reading.has(d) && !busy.has(this.key(d)));
    for (const dir of idle.slice(0, Math.max(0, idle.length - this.maxIdleFolders))) {
      const dk = this.key(dir);
      for (const key of new Set([...this.foldersRead.get(dir)!, ...this.checker.project.filesIn(new Set([dk]))])) this.checker.removeFile(key);
      this.foldersRead.delete(dir);
      this.indexedDirs.delete(dk);
    }
  }

  /**
   * Scan Workspace for this tree: its workspace folders through the CLI
   * (cli-scan.ts), except the folders analysed here, whose findings come
   * from this analysis — with the open documents' live text.
   */
  async scan(o: Pick<CliScanOptions, 'onCancel' | 'onProgress' | 'ripgrep'> = {}): Promise<CliScan> {
    const cli: CliScan = this.folders.length ? await scanWithCli({ root: this.root, paths: this.folders, config: this.checker.config, ...o }) : { findings: [], errors: [], cancelled: false };
    if (cli.cancelled) return cli;
    const fromCli = cli.findings.filter((f) => !this.indexedDirs.has(dirOf(f.path)));
    // (The report counts columns in characters, the editor in UTF-16 units: they differ after an emoji.)
    const errors: FileError[] = cli.errors.filter((e) => !this.indexedDirs.has(dirOf(e.path)));
    return { findings: [...toUtf16Columns(fromCli, (p) => diskText(this.abs(p))), ...this.checker.check()], errors, cancelled: false };
  }

  /** Indexes a file that can matter by itself; keeps one that may call a helper for indexLater(). */
  private indexOne(abs: string, later: { key: string; text: string }[]): void {
    const key = this.key(abs);
    if (this.open.has(key)) return;
    const r = readSource(abs);
    if ('error' in r) {
      this.log(`IOVA Lens: ${abs}: ${r.error}`);
      return;
    }
    if (mayMatter(r.text)) this.checker.setFile(key, r.text);
    else {
      if (declaresDmaFields(key, r.text)) this.checker.setDeclarations(key, r.text);
      // (As a whole-tree scan: a field another file converts may be given its memory here — field-lines.ts.)
      else this.checker.setOtherFile(key, r.text);
      if (r.text.length < 512 * 1024) later.push({ key, text: r.text });
    }
  }

  /** The files that name no translation API but call one of the helpers now known (Checker.addHelperCallers). */
  private indexLater(later: { key: string; text: string }[]): void {
    this.checker.addHelperCallers(later);
  }

  setText(abs: string, text: string): void {
    const key = this.key(abs);
    this.open.add(key);
    this.checker.setFile(key, text);
  }

  closeText(abs: string): void {
    const key = this.key(abs);
    this.open.delete(key);
    const r = existsSync(abs) ? readSource(abs) : { error: 'gone' };
    this.fromDisk(key, r);
  }

  findingsFor(abs: string): Finding[] {
    const key = this.key(abs);
    if (!this.checker.hasFile(key)) return [];
    const out = this.checker.check([key]);
    for (const e of this.checker.errors) this.log(`IOVA Lens: ${e}`);
    return out;
  }

  /**
   * Findings on the lines a .patch/.diff adds, positioned in the patch file
   * itself. Hunks are applied to the workspace's files when they apply; the
   * driver's other indexed files give the helpers.
   */
  patchFindings(text: string): { findings: Finding[]; error?: string; warnings?: string[] } {
    let diffs;
    try {
      diffs = parseDiff(text);
    } catch (e) {
      return { findings: [], error: (e as Error).message };
    }
    const images = postImages(diffs, (p) => diskText(join(this.root, p))).filter((i) => /\.[ch]$/.test(i.path));
    // The driver's other files give the helpers (a folder the patch creates has none); each folder is analysed as `iova-lens patch` does.
    // (All of them before any is dropped: a series may touch more folders than are kept idle.)
    const dirs = new Set([...new Set(images.map((i) => dirname(this.abs(i.path))))].filter((d) => existsSync(d)));
    for (const dir of dirs) this.indexFolder(dir, false);
    this.evictIdle(dirs);
    const indexed = this.checker.project;
    const others = (dir: string, touched: ReadonlySet<string>) =>
      indexed
        .filesIn(new Set([dir]))
        .filter((p) => !touched.has(p))
        .map((p) => ({ key: p, text: indexed.files.get(p)!.text }));
    const errors: string[] = [];
    const findings = checkPostImages(images, others, this.parser, this.checker.config, errors);
    for (const e of errors) this.log(`IOVA Lens: ${e}`);
    return { findings: inPatchText(findings, images), warnings: images.map((i) => i.warning).filter((w): w is string => !!w) };
  }

  /** A file changed on disk (not open in the editor): keep the folders analysed here fresh (others are read when needed). */
  fileChanged(abs: string, deleted: boolean): void {
    const key = this.key(abs);
    if (this.open.has(key) || !this.indexedDirs.has(dirOf(key))) return;
    if (deleted) {
      this.checker.removeFile(key);
      return;
    }
    this.fromDisk(key, readSource(abs));
  }

  /** A file as the disk has it: analysed, read for its dma_addr_t members only, or not kept. */
  private fromDisk(key: string, r: ReturnType<typeof readSource>): void {
    if ('text' in r && mayMatter(r.text, this.checker.helperNames())) this.checker.setFile(key, r.text);
    else if ('text' in r && declaresDmaFields(key, r.text)) this.checker.setDeclarations(key, r.text);
    else if ('text' in r) {
      // (A save that leaves its field lines as they were changes nothing: setExternalFields() compares.)
      if (this.checker.hasFile(key)) this.checker.removeFile(key);
      this.checker.setOtherFile(key, r.text);
    } else this.checker.removeFile(key);
  }
}

/** A file's text as the disk has it, or undefined when it cannot be read as source (readSource() says why). */
function diskText(abs: string): string | undefined {
  const r = readSource(abs);
  return 'text' in r ? r.text : undefined;
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Editor settings with every wrong-typed key replaced by its default (and said once in the log). */
export function sanitizeSettings(raw: unknown, log: (m: string) => void): ServerSettings {
  const s = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const out: ServerSettings = { ...DEFAULT_SETTINGS };
  const bad = (key: string, why: string) => log(`IOVA Lens: ignoring setting iovaLens.${key}: ${why}`);
  if (s.enable !== undefined) {
    if (typeof s.enable === 'boolean') out.enable = s.enable;
    else bad('enable', 'must be true or false');
  }
  if (s.run !== undefined) {
    if (s.run === 'onType' || s.run === 'onSave') out.run = s.run;
    else bad('run', 'must be "onType" or "onSave"');
  }
  if (s.rules !== undefined && s.rules !== null) {
    if (typeof s.rules === 'object' && !Array.isArray(s.rules)) out.rules = s.rules as Record<string, string>;
    else bad('rules', 'must be an object of rule id → off|info|warning|error');
  }
  for (const k of ['include', 'exclude'] as const) {
    if (s[k] === undefined) continue;
    const why = isStrings(s[k]) ? globsProblem(s[k]) : 'must be an array of glob strings';
    if (why) bad(k, why);
    else out[k] = s[k] as string[];
  }
  return out;
}

/** A regular file (through links). A symlink loop next to the file is no file — statSync() throws ELOOP even with throwIfNoEntry: false. */
function isFile(p: string): boolean {
  try {
    return !!statSync(p, { throwIfNoEntry: false })?.isFile();
  } catch {
    return false;
  }
}
