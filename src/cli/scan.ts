// SPDX-License-Identifier: MIT
// `iova-lens scan`: discover, prefilter, parse what can matter, learn helper
// summaries across files, run the rules, print in the chosen format.
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync, writeFileSync } from 'node:fs';
import { resolve, join, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { compareFindings } from '../core/engine';
import { BaselineError, newFindings, parseBaseline, type BaselineEntry } from '../core/baseline';
import { isIncluded, ownsTranslation, type Config } from '../core/config';
import { formatJson } from '../core/formats/json';
import { formatGcc } from '../core/formats/gcc';
import { formatText } from '../core/formats/text';
import { formatSarif } from '../core/formats/sarif';
import { printable } from '../core/formats/printable';
import { ruleDoc } from './rule-docs';
import type { FileError, Finding, Severity } from '../core/types';
import { discover, findUp, readSource, readTextFile, relPath, stampOf, type Discovered, type FileStamp } from './files';
import { loadConfigForPaths, UsageError } from './usage';
import { analysePatch } from './patch';
import { DiffError, inPatchText } from '../core/patch';
import { ripgrepCounts } from './ripgrep';
import { loadParser } from '../server/wasm';
import { availableParallelism } from 'node:os';
import { slowestFolders, WorkerPool } from './pool';
import { analyzeGroup, needsParser, revalidate, shardOf, type GroupFile, type GroupResult, type GroupTask } from './scan-group';
import { cacheFile, defaultCacheDir, fingerprint, loadCache, pickProbes, saveCache, treeTouched, type CacheData } from './cache';
import { dirOf } from '../core/analysis/project';
import { VERSION, buildId } from './version';
import type { Io } from './io';

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** Workers started before ripgrep has said how much work there is (more join once it has). */
const EARLY_WORKERS = 2;
/** About one worker per this much code that can matter (bytes of the files the prefilter kept). */
const BYTES_PER_WORKER = 4 * 1024 * 1024;

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
      'no-cache': { type: 'boolean' },
      'cache-dir': { type: 'string' },
    },
  });
  const format = values.format ?? (io.isTTY ? 'text' : 'gcc');
  if (!['text', 'gcc', 'json', 'sarif'].includes(format)) throw new UsageError(`unknown --format ${format} (text, gcc, json, sarif)`);
  const failOn = (values['fail-on'] ?? 'warning') as Severity;
  if (!(failOn in RANK)) throw new UsageError(`unknown --fail-on ${failOn} (error, warning, info)`);
  const started = Date.now();
  const outRoot = resolve(values.root ?? '.');
  if (values.root !== undefined && !statSync(outRoot, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--root ${values.root}: ${existsSync(outRoot) ? 'not a directory' : 'no such directory'} (output paths are relative to it)`);
  }
  // (`scan "$DIR"` with DIR unset would otherwise scan the current folder without a word.)
  if (positionals.includes('')) throw new UsageError('scan: an empty path ("") names no file or folder');
  if (values.baseline === '') throw new UsageError('--baseline needs a file (an empty name would compare with nothing)');
  // Read before any work: a mistyped baseline path must not cost a whole-tree scan first.
  const baseline = values.baseline !== undefined ? loadBaseline(values.baseline) : undefined;
  const args = positionals.length ? positionals : ['.'];
  // SPEC §1.4: .patch/.diff files given explicitly are scanned as patches (findings on their added lines);
  // so are mailboxes (b4's .mbx). Another file named explicitly is not C: one error line, not an analysis.
  const kinds = new Map(args.map((p) => [p, argKind(p)]));
  const patchArgs = args.filter((p) => kinds.get(p) === 'patch');
  const paths = args.filter((p) => kinds.get(p) === 'source');
  const skipped: FileError[] = args.filter((p) => kinds.get(p) === 'other').map((p) => ({ path: relPath(outRoot, resolve(p)), message: 'not a .c or .h file, nor a patch (.patch, .diff, .mbox, .mbx, .eml, or a file holding a unified diff): not scanned' }));
  // (From the source paths: a .patch named first lives anywhere, its paths are the tree's.)
  const { config, treeRoot: cfgRoot } = loadConfigForPaths(paths, values.config);
  const treeRoot = cfgRoot ?? findUp(resolve(paths[0] ?? '.'), 'MAINTAINERS') ?? outRoot;
  // (In a sharded run the patches are the first shard's, so the union of the shards reports them once.)
  const shard = parseShard(values.shard);
  const patched = patchArgs.length && (shard?.i ?? 1) === 1 ? await scanPatches(patchArgs, treeRoot, outRoot, config) : { findings: [], errors: [], scanned: 0 };

  /**
   * Baseline, output and exit status for what was found. `nothing`: whether a
   * scan that read no file means "nothing could be scanned" (exit 2); a number
   * decides it for a shard, which sees only its part (see the end of runScan).
   */
  const emit = (found: Finding[], errors: FileError[], scanned: number, nothing: boolean | number): number => {
    let findings = [...found, ...patched.findings].sort(compareFindings);
    // (Named files that are not C are the first shard's, as patches are: the union of the shards lists them once.)
    errors = [...errors, ...((shard?.i ?? 1) === 1 ? skipped : []), ...patched.errors].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    scanned += patched.scanned;
    if (baseline) findings = newFindings(findings, baseline);
    for (const e of errors) io.err(`iova-lens: ${printable(e.path)}: ${e.message}`);
    const durationMs = Date.now() - started;
    const report = { tool: 'iova-lens' as const, version: VERSION, root: outRoot, filesScanned: scanned, durationMs, findings, errors };
    if (format === 'json') io.out(formatJson(report) + '\n');
    else if (format === 'sarif') io.out(formatSarif(report, ruleDoc) + '\n');
    else if (format === 'gcc') io.out(formatGcc(findings));
    else io.out(formatText(findings, errors, { color: io.isTTY, filesScanned: scanned, durationMs }));
    const failed = typeof nothing === 'number' ? nothing : nothing && scanned === 0 ? errors.length : 0;
    if (failed > 0) {
      io.err(`iova-lens: ${args.join(' ')}: nothing could be scanned (${failed === 1 ? 'the one file' : `all ${failed} files`} failed; see above)`);
      return 2;
    }
    return findings.some((f) => RANK[f.severity] >= RANK[failOn]) ? 1 : 0;
  };
  if (paths.length === 0) return emit([], [], 0, true);

  const jobs = values.jobs === undefined ? availableParallelism() : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw new UsageError(`--jobs must be a whole number from 1 to 256, not ${values.jobs}`);
  if (values['cache-dir'] !== undefined && values['cache-dir'].trim() === '') throw new UsageError('--cache-dir needs a folder (an empty one would put the cache in the current folder)');
  const cachePath = values['no-cache'] ? undefined : cacheFile(values['cache-dir'] ?? defaultCacheDir(), treeRoot, buildId(), config);
  const cache = cachePath ? loadCache(cachePath, buildId()) : undefined;

  // Wall and CPU time (all threads of this process; ripgrep is a child) per phase, for IOVA_LENS_STATS.
  const marks: [string, number, number][] = [];
  const mark = (name: string) => {
    const c = process.cpuUsage();
    marks.push([name, Date.now(), (c.user + c.system) / 1000]);
  };
  mark('start');
  // Nothing cached, or most of the tree touched since (the cache's probes):
  // most files will need the prefilter, so ripgrep starts now and searches
  // while this thread walks the tree.
  const cold = !cache || Object.keys(cache.groups).length === 0;
  const touched = !cold && treeTouched(cache.probes);
  const early = cold || touched ? ripgrepCounts(paths, process.cwd()) : undefined;
  if (io.errIsTTY) io.progress('iova-lens: listing files…');
  const found = discover(paths);
  mark('discover');
  if (found.missing.length) {
    await early;
    throw new UsageError(`${found.missing[0]}: no such file or directory`);
  }
  // SPEC §1.4: nothing to scan is exit 2 with one line naming the path and why.
  if (found.files.length === 0 && found.errors.length === 0) {
    await early;
    throw new UsageError(`${paths.join(' ')}: no .c or .h files to scan`);
  }

  const { groups, outPath, ownerFiles } = groupByFolder(found, contextFiles(paths, found), { treeRoot, outRoot, config, shard });
  const results: GroupResult[] = [];
  const tasks: GroupTask[] = [];
  /** Cached results of the folders whose file times changed (revalidate() may keep them). */
  const previous = new Map<string, GroupResult>();
  const prints = new Map<string, string>();
  for (const [dir, files] of groups) {
    // (Only a cache reads or keeps fingerprints: --no-cache hashes nothing.)
    const fp = cache ? fingerprint(files) : '';
    prints.set(dir, fp);
    const hit = cache?.groups[dir];
    if (hit && hit.fingerprint === fp) results.push(hit.result);
    else {
      tasks.push({ dir, files, known: hit?.result.meta });
      if (hit) previous.set(dir, hit.result);
    }
  }
  mark('group');
  // Workers load while ripgrep finishes when there is parsing ahead: folders
  // the cache knows nothing of. (Folders it knows may keep their result by
  // content; workers for what is left start after that check.) A warm
  // re-scan, or a folder or two, runs in this thread.
  const changed = tasks.length;
  let sameContent = 0;
  let workersUsed = 0;
  const startPool = (size: number) => (size > 1 ? new WorkerPool(join(__dirname, 'scan-worker.js'), config, size) : undefined);
  const unknown = tasks.length - previous.size;
  let pool = unknown > 2 ? startPool(Math.min(jobs, unknown, EARLY_WORKERS)) : undefined;
  try {
    // The prefilter only for what the cache cannot answer: an unchanged tree runs no search at all.
    if (io.errIsTTY && (early || tasks.length)) io.progress(`iova-lens: ${found.files.length} files, searching them for the translation APIs…`);
    const counts = early
      ? await early
      : tasks.length
        ? await ripgrepCounts(tasks.length === groups.size ? paths : tasks.map((t) => dirname(t.files[0].abs)), process.cwd(), tasks.length !== groups.size)
        : null;
    if (counts) for (const t of tasks) for (const f of t.files) f.maybe = counts.get(f.abs);
    mark('prefilter');
    // Folders whose files changed only in their times keep their result (content hashes).
    for (let i = tasks.length - 1; i >= 0; i--) {
      const prev = previous.get(tasks[i].dir);
      const kept = prev && revalidate(tasks[i], prev);
      if (kept) {
        results.push(kept);
        tasks.splice(i, 1);
        sameContent++;
      }
    }
    const parse: GroupTask[] = [];
    const quiet: GroupTask[] = [];
    for (const t of tasks) (needsParser(t) ? parse : quiet).push(t);
    // Largest groups first, so the last worker does not start a big driver late.
    // Cost ≈ the bytes that will be read and parsed: files the prefilter cannot rule out.
    const cost = (t: GroupTask) => t.files.reduce((n, f) => n + (f.maybe === false ? 64 : f.size), 0);
    parse.sort((x, y) => cost(y) - cost(x));
    // scripts/bench-floor.mjs replays exactly this work in one thread, to measure what it costs.
    if (process.env.IOVA_LENS_DUMP_TASKS) writeFileSync(process.env.IOVA_LENS_DUMP_TASKS, JSON.stringify({ config, parse }));
    // As many workers as the work is worth (--jobs is the most): each costs
    // about half a CPU-second of JIT warm-up and 25–30 MB, so a big machine
    // does not start 64 of them for drivers/' 20 MB of code that can matter.
    const worth = Math.min(parse.length, Math.max(2, Math.ceil(parse.reduce((n, t) => n + cost(t), 0) / BYTES_PER_WORKER)));
    const want = Math.min(jobs, worth);
    if (pool && want > pool.size) pool.grow(want - pool.size);
    if (!pool && parse.length > 2) pool = startPool(want);
    let done = 0;
    const tick = io.errIsTTY ? () => io.progress(`iova-lens: ${++done}/${parse.length} directories analysed`) : () => {};
    const parsed = pool ? pool.run(parse, tick) : undefined;
    // Awaited below, after the quiet folders; a failure meanwhile is not "unhandled".
    parsed?.catch(() => {});
    // Folders where nothing can matter (most of a tree) are settled here while
    // the workers parse — ripgrep has read their files (no API name, no NUL
    // byte): only the size limit is left — in slices, so the workers' queue
    // keeps moving.
    for (let i = 0; i < quiet.length; i++) {
      results.push(analyzeGroup(null, config, quiet[i]));
      if (parsed && i % 64 === 63) await new Promise((r) => setImmediate(r));
    }
    results.push(...(parsed ? await parsed : await runHere(parse, config, tick)));
    workersUsed = pool?.size ?? 0;
  } finally {
    await pool?.close();
  }
  mark('analysis');
  io.progress('');
  // An unchanged tree leaves the cache as it is: nothing to write.
  const unchanged = changed === 0 && (shard !== undefined || Object.keys(cache?.groups ?? {}).length === groups.size);
  if (cache && cachePath && !unchanged) {
    const groupsOut: CacheData['groups'] = shard ? { ...cache.groups } : {};
    for (const r of results) groupsOut[r.dir] = { fingerprint: prints.get(r.dir)!, result: r };
    saveCache(cachePath, { ...cache, groups: groupsOut, probes: pickProbes([...groups.values()].flat()) }, (m) => io.err(m));
  }
  // A file the walk could not read belongs to one shard, as the files it could (CI reports it once).
  const inShard = (abs: string) => !shard || shardOf(dirOf(relPath(treeRoot, abs)), shard.n) === shard.i;
  const errors: FileError[] = [
    ...found.errors.filter((e) => inShard(e.path)).map((e) => ({ path: relPath(outRoot, e.path), message: e.message })),
    ...results.flatMap((r) => r.errors.map((e) => ({ path: outPath.get(e.path) ?? e.path, message: e.message }))),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const scanned = results.reduce((n, r) => n + r.scanned, 0) + ownerFiles;
  if (process.env.IOVA_LENS_STATS) {
    io.err(`iova-lens stats: ${marks.slice(1).map(([k, t, c], i) => `${k} ${t - marks[i][1]} ms (cpu ${Math.round(c - marks[i][2])} ms)`).join(', ')}`);
    io.err(`iova-lens stats: ${groups.size} directories (${tasks.length} analysed, ${groups.size - tasks.length} from cache, ${sameContent} of them by content), ${scanned} files scanned, ${results.reduce((n, r) => n + r.parsed, 0)} parsed, jobs ${jobs}, workers ${workersUsed}${touched ? ', ripgrep started before the walk (most probes touched)' : ''}`);
  }
  const findings: Finding[] = results.flatMap((r) =>
    r.findings.map((f) => ({
      ...f,
      path: outPath.get(f.path) ?? f.path,
      related: f.related.map((x) => ({ ...x, path: outPath.get(x.path) ?? x.path })),
    })),
  );
  // Every file this run had to scan could not be read (binary, unreadable, too large, loops): nothing
  // was scanned. (A shard or an exclude that leaves nothing to scan is not that.)
  const attempted = ownerFiles + [...groups.values()].reduce((n, g) => n + g.length, 0);
  // A shard sees only its part: whether the run could scan nothing is the whole walk's to say (every
  // file it found failed there), the same in every shard — a binary file alone in one shard's folder
  // does not fail that CI job while the run as a whole scans.
  if (shard) return emit(findings, errors, scanned, found.files.length === 0 && patched.scanned === 0 ? found.errors.length : 0);
  return emit(findings, errors, scanned, attempted > 0 || found.files.length === 0);
}

/**
 * The files to scan by folder: one driver's analysis depends on its folder
 * alone. Files the config leaves out, or another shard's, are dropped; code
 * that owns the translation is counted and not read (it is never reported,
 * and no other driver's analysis depends on it). `outPath`: the output path of
 * each tree-relative key that differs from it (--root elsewhere).
 * (A function of its own: V8 optimises it, where the loop inside runScan,
 * an async function run once, stayed slow — a tree has 30k files.)
 */
function groupByFolder(
  found: Discovered,
  context: Map<string, FileStamp>,
  o: { treeRoot: string; outRoot: string; config: Config; shard: { i: number; n: number } | undefined },
): { groups: Map<string, GroupFile[]>; outPath: Map<string, string>; ownerFiles: number } {
  const groups = new Map<string, GroupFile[]>();
  const outPath = new Map<string, string>();
  let ownerFiles = 0;
  for (const abs of [...found.files, ...context.keys()]) {
    const key = relPath(o.treeRoot, abs);
    if (!isIncluded(o.config, key)) continue;
    const dir = dirOf(key);
    // (Each file counts in one shard only, so the shards' filesScanned add up to the whole run's.)
    if (o.shard && shardOf(dir, o.shard.n) !== o.shard.i) continue;
    if (ownsTranslation(o.config, key)) {
      ownerFiles++;
      continue;
    }
    const st = found.stats.get(abs) ?? context.get(abs)!;
    if (o.outRoot !== o.treeRoot) outPath.set(key, relPath(o.outRoot, abs));
    const file: GroupFile = { abs, key, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
    if (context.has(abs)) file.context = true;
    const list = groups.get(dir);
    if (list) list.push(file);
    else groups.set(dir, [file]);
  }
  return { groups, outPath, ownerFiles };
}

/**
 * What a path given on the command line is: a patch file (.patch, .diff, a
 * mailbox — b4 writes .mbx — or another file that holds a unified diff), a
 * source or folder to walk (.c/.h, a directory: a folder named x.patch is
 * walked; a missing path is discover()'s to report), or another file, which
 * is not C (`git diff --name-only | xargs iova-lens scan` names README.md).
 */
function argKind(p: string): 'patch' | 'source' | 'other' {
  let st;
  try {
    st = statSync(p);
  } catch {
    return 'source';
  }
  if (!st.isFile() || /\.[ch]$/.test(p)) return 'source';
  if (/\.(?:patch|diff|mbox|mbx|eml)$/i.test(p)) return 'patch';
  return holdsDiff(p) ? 'patch' : 'other';
}

/** Whether a file's first 256 KB hold a unified diff's `---`/`+++` header and a hunk (a .txt saved from a mail). */
function holdsDiff(p: string): boolean {
  let head: string;
  try {
    const fd = openSync(p, 'r');
    try {
      const buf = Buffer.alloc(256 * 1024);
      head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('latin1');
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // (unreadable: the patch reader says why)
  }
  return /^--- \S.*\r?\n\+\+\+ \S/m.test(head) && /^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/m.test(head);
}

/**
 * .patch/.diff files given to `scan`: each analysed as `iova-lens patch --tree
 * <tree root>` would, its findings placed on the patch's own added lines (path
 * = the patch file), as the editor shows them. A file that cannot be read or
 * is not a diff is one error line; the run goes on.
 */
async function scanPatches(files: string[], treeRoot: string, outRoot: string, config: Config): Promise<{ findings: Finding[]; errors: FileError[]; scanned: number }> {
  const parser = await loadParser();
  const findings: Finding[] = [];
  const errors: FileError[] = [];
  let scanned = 0;
  for (const file of files) {
    const abs = resolve(file);
    const path = relPath(outRoot, abs);
    const r = readSource(abs);
    if ('error' in r) {
      errors.push({ path, message: r.error });
      continue;
    }
    try {
      const { images, findings: found, warnings } = analysePatch(r.text, treeRoot, config, parser);
      findings.push(...inPatchText(found, images, path));
      for (const w of warnings) errors.push({ path, message: w });
      scanned++;
    } catch (e) {
      if (!(e instanceof DiffError)) throw e;
      errors.push({ path, message: e.message });
    }
  }
  return { findings, errors, scanned };
}

/** A previous JSON report, to keep only findings not in it (core/baseline.ts: rule + path + function + message, counted). */
function loadBaseline(file: string): BaselineEntry[] {
  const r = readTextFile(file);
  if ('error' in r) throw new UsageError(`${file}: cannot read baseline (${r.error})`);
  const text = r.text;
  try {
    return parseBaseline(text);
  } catch (e) {
    // (A binary file's bytes would reach the terminal through JSON.parse's message.)
    if (e instanceof BaselineError) throw new UsageError(`${file}: bad baseline: ${printable(e.message)}`);
    throw e;
  }
}

function parseShard(v: string | undefined): { i: number; n: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) throw new UsageError(`--shard must be I/N with 1 ≤ I ≤ N (e.g. 2/4), not ${v}`);
  // (--shard 1/1 is the whole run: it decides as the unsharded run does.)
  return n > 1 ? { i, n } : undefined;
}

/** Runs the groups in this thread (one job, or too little work to start workers for). */
async function runHere(tasks: GroupTask[], config: Config, tick: () => void): Promise<GroupResult[]> {
  if (tasks.length === 0) return [];
  const parser = await loadParser();
  const slow: [number, string][] = [];
  const out = tasks.map((t) => {
    const t0 = Date.now();
    const r = analyzeGroup(parser, config, t);
    slow.push([Date.now() - t0, t.dir]);
    tick();
    return r;
  });
  if (process.env.IOVA_LENS_STATS) process.stderr.write(`iova-lens stats: ${slowestFolders(slow)}\n`);
  return out;
}

/**
 * The other .c/.h files of the folders of files named alone on the command
 * line (`iova-lens scan drivers/…/nicvf_queues.c`): read for their helpers —
 * SPEC §1.2, a helper in a local header — but not reported. Files a named
 * folder already brings are not repeated; unreadable ones are left out
 * silently (they were not asked for). By absolute path, with their stamps.
 */
function contextFiles(paths: string[], found: Discovered): Map<string, FileStamp> {
  const out = new Map<string, FileStamp>();
  const have = new Set(found.files);
  const dirs = new Set<string>();
  for (const p of paths) {
    const abs = resolve(p);
    if (have.has(abs)) dirs.add(dirname(abs));
  }
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (!/\.[ch]$/.test(name)) continue;
      const abs = join(dir, name);
      if (have.has(abs) || out.has(abs)) continue;
      try {
        const st = statSync(abs);
        if (st.isFile()) out.set(abs, stampOf(st));
      } catch {
        // (a dangling link, a loop: not asked for, not reported)
      }
    }
  }
  return out;
}
