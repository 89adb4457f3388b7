// SPDX-License-Identifier: MIT
// One directory (one driver) of a whole-tree scan: read its files, keep those
// that can matter, learn the driver's helper summaries, pick up the files
// that only call those helpers, run the rules. The analysis of a directory
// depends on that directory alone, so groups run in any order, on any worker
// thread or CI shard, and the union of the parts equals the whole.
import { Checker, declaresDmaFields, mayMatter, MAX_DECLARATIONS_CHARS } from '../core/engine';

const DMA_ADDR_T = Buffer.from('dma_addr_t');
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../core/config';
import type { CParser } from '../core/parse/parser';
import type { FileError, Finding } from '../core/types';
import { readRaw, decodeUtf8, sameStamp, sizeError, stampOf, type FileStamp } from './files';
import { namesIn } from '../core/analysis/calls';
import { ownsDomainIn, wrapperDefsIn, type WrapperDef } from '../core/analysis/project';
import { convertedUnassigned, fieldAllocsOf, fieldKey, type LineFieldAlloc } from '../core/analysis/field-lines';
import { toCodePointColumns } from '../core/lines';

export interface GroupFile extends FileStamp {
  abs: string;
  /** Tree-root-relative path (analysis key; owner globs match on it). */
  key: string;
  /**
   * From the ripgrep prefilter: true, it names a translation API; false, rg
   * read it whole and it names none and holds no NUL byte (it is not opened
   * again; only its size can make it an error); undefined, not known (it is
   * read whole, with every check).
   */
  maybe?: boolean;
  /**
   * Read for the folder's helpers only: a file named alone on the command
   * line is analysed with its folder's other files (nicvf_queues.c needs the
   * helper in nicvf_queues.h), and only it is reported — no findings, errors
   * or count for these.
   */
  context?: boolean;
}

/** What the cache remembers per file, so an unchanged file that cannot matter is not even read again. */
export interface FileMeta extends FileStamp {
  candidate: boolean;
  /** sha1 of the bytes of a file that was read whole (see revalidate()). */
  hash?: string;
  /** Why the file could not be scanned (binary, too large, …). */
  error?: string;
  /** A file not analysed whose lines give a wanted field memory outside the linear map (field-lines.ts): what they say. */
  fields?: LineFieldAlloc[];
  /** A file not analysed that allocates an IOMMU domain (ownsDomainIn()), in a folder that looks IOVAs up. */
  owner?: boolean;
  /** A file not analysed that defines allocation wrappers whose results the analysed files convert (wrapperDefsIn()): what they return. */
  wrappers?: Record<string, WrapperDef>;
}

export interface GroupTask {
  dir: string;
  files: GroupFile[];
  /** Per-file facts of the previous run (cache), by key. */
  known?: Record<string, FileMeta>;
}

export interface GroupResult {
  dir: string;
  /** The folder's translating helpers: a file that starts calling one must be analysed (see revalidate()). */
  helpers?: string[];
  /** Fields (fieldKey()) converted but not assigned by the analysed files: a file that starts allocating one matters (revalidate()). */
  wanted?: string[];
  /** The analysed files look up IOVAs and allocate no domain: a file that starts or stops allocating one matters (revalidate()). */
  lookups?: boolean;
  /** Calls whose results the analysed files convert (Project.wrappersWanted()): a file that starts or stops defining one as an allocation wrapper matters (revalidate()). */
  wrappers?: string[];
  /** Keys of the files read as context only (GroupFile.context): a result for another report set is another result. */
  context?: string[];
  findings: Finding[];
  /** Errors with tree-relative paths. */
  errors: FileError[];
  scanned: number;
  parsed: number;
  meta: Record<string, FileMeta>;
}

/** Whether a group needs the parser: some file may matter (not ruled out by rg or by the cache). */
export function needsParser(task: GroupTask): boolean {
  return task.files.some((f) => {
    const prev = task.known?.[f.key];
    // (A file that could not be read before is read again, as analyzeGroup does: it may matter now.)
    return f.maybe !== false && !(prev && !prev.candidate && !prev.error && sameStamp(prev, f));
  });
}

/** `parser` may be null for a group that does not need it (needsParser). */
export function analyzeGroup(parser: CParser | null, config: Config, task: GroupTask): GroupResult {
  const checker = parser ? new Checker(parser, config) : undefined;
  const errors: FileError[] = [];
  const meta: Record<string, FileMeta> = {};
  // Files that cannot matter on their own; their text is not kept (a tree's
  // register headers run to hundreds of MB) and is read again only if this
  // driver turns out to have translating helpers.
  const others: GroupFile[] = [];
  const candidates: { key: string; text: string }[] = [];
  let scanned = 0;
  try {
    for (const f of task.files) {
      const prev = task.known?.[f.key];
      if (prev && !prev.candidate && !prev.error && sameStamp(prev, f)) {
        meta[f.key] = prev;
        if (!f.context) scanned++;
        others.push(f);
        continue;
      }
      if (f.maybe === false) {
        const err = sizeError(f.size);
        if (err) {
          if (!f.context) errors.push({ path: f.key, message: err });
          meta[f.key] = { ...stampOf(f), candidate: false, error: err };
          continue;
        }
        if (!f.context) scanned++;
        meta[f.key] = { ...stampOf(f), candidate: false };
        others.push(f);
        continue;
      }
      const r = readRaw(f.abs);
      if ('error' in r) {
        if (!f.context) errors.push({ path: f.key, message: r.error });
        meta[f.key] = { ...stampOf(f), candidate: false, error: r.error };
        continue;
      }
      if (!f.context) scanned++;
      const candidate = mayMatter(r.buf.toString('latin1'));
      meta[f.key] = { ...stampOf(f), candidate, hash: sha1(r.buf) };
      if (candidate) candidates.push({ key: f.key, text: decodeUtf8(r.buf) });
      else others.push(f);
    }
    if (candidates.length === 0) return { dir: task.dir, ...contextOf(task), findings: [], errors, scanned, parsed: 0, meta };
    if (!checker) throw new Error(`${task.dir}: a file may matter but no parser was given`);
    // Fields the candidates convert through the linear map but never assign: the driver's other files may give
    // them memory outside the linear map (ocrdma_hw.c allocates what ocrdma_verbs.c converts). Their lines are
    // read for those names only (field-lines.ts), before any parsing, so that the first analysis has them.
    const wanted = convertedUnassigned(candidates.map((c) => c.text));
    // A driver that looks up IOVAs may allocate its own domain in another file (remoteproc, GPU): a lookup
    // in a domain it owns is no reverse lookup. Only such folders read their other files for it, by bytes first.
    const lookups = needsOwner(candidates);
    // (One read per file for both: allocations of wanted fields live in .c files — a driver's headers are
    // mostly declarations and generated registers — a domain allocation anywhere.)
    for (const f of wanted.size || lookups ? others : []) {
      const allocates = wanted.size > 0 && !f.key.endsWith('.h');
      if (!allocates && !lookups) continue;
      let buf: Buffer;
      try {
        buf = readFileSync(f.abs);
      } catch {
        continue; // (Read once already, or by ripgrep: a file gone since then gives nothing.)
      }
      const found = allocates ? wantedAllocsIn(buf, wanted) : [];
      if (found.length) {
        checker.setExternalFields(f.key, found);
        meta[f.key] = { ...meta[f.key], fields: found };
      }
      if (lookups && ownsDomainBytes(buf)) {
        checker.setExternalOwner(f.key, true);
        meta[f.key] = { ...meta[f.key], owner: true };
      }
    }
    // The folder's headers that name no API but declare dma_addr_t members: which fields hold DMA addresses.
    for (const f of others) {
      if (!f.key.endsWith('.h') || f.size > MAX_DECLARATIONS_CHARS) continue;
      const r = readRaw(f.abs);
      // (A byte search first: most headers name no dma_addr_t, and need no string.)
      if ('error' in r || !r.buf.includes(DMA_ADDR_T) || !declaresDmaFields(f.key, r.buf.toString('latin1'))) continue;
      checker.setDeclarations(f.key, decodeUtf8(r.buf));
      meta[f.key] = { ...meta[f.key], hash: sha1(r.buf) };
    }
    // Parse only what can matter (Checker.setSkimmed); IOVA_LENS_NO_SKIM=1 parses every file whole (to compare).
    let helpers = process.env.IOVA_LENS_NO_SKIM ? checker.setWhole(candidates) : checker.setSkimmed(candidates);
    // Last passes: files of this driver that name no API but call one of its translating helpers,
    // as Checker.addHelperCallers() adds them — here on bytes read only when a helper's name is in them.
    let rest = others;
    while (helpers.size && rest.length) {
      // Most of these files name no helper at all: a literal search of the raw
      // bytes rules them out before any decoding (a call `name(` in the decoded
      // text needs the name's ASCII bytes in the file).
      const named = namesIn(helpers);
      const next: GroupFile[] = [];
      for (const f of rest) {
        const r = readRaw(f.abs);
        const text = 'error' in r || !named.test(r.buf.toString('latin1')) ? undefined : decodeUtf8(r.buf);
        if (text === undefined || 'error' in r || !mayMatter(text, helpers)) {
          next.push(f);
          continue;
        }
        checker.setFile(f.key, text);
        meta[f.key] = { ...meta[f.key], candidate: true, hash: sha1(r.buf) };
      }
      if (next.length === rest.length) break;
      const grown = checker.helperNames();
      if (grown.size === helpers.size) break;
      helpers = grown;
      rest = next;
    }
    const report = task.files.some((f) => f.context) ? task.files.filter((f) => !f.context).map((f) => f.key) : undefined;
    // Calls whose results the analysed files convert through the linear map may be the driver's
    // allocation wrappers, defined in a file not analysed (genwqe's card_utils.c): those files are
    // searched for the names, by bytes first.
    const wrappers = checker.project.wrappersWanted(task.dir);
    for (const f of wrappers.size ? others : []) {
      if (checker.hasFile(f.key)) continue;
      let buf: Buffer;
      try {
        buf = readFileSync(f.abs);
      } catch {
        continue; // (Read once already, or by ripgrep: a file gone since then gives nothing.)
      }
      const defs = wrappersIn(buf, wrappers);
      if (Object.keys(defs).length === 0) continue;
      checker.setExternalWrappers(f.key, defs);
      meta[f.key] = { ...meta[f.key], wrappers: defs };
    }
    const parsed = checker.project.files.size;
    // Columns in characters, as the CLI's contract says (the editor keeps UTF-16 units).
    const findings = toCodePointColumns(checker.check(report), (p) => checker.project.files.get(p)?.text);
    return { dir: task.dir, ...contextOf(task), findings, errors, scanned, parsed, meta, helpers: [...helpers].sort(), ...(wanted.size ? { wanted: [...wanted].sort() } : {}), ...(lookups ? { lookups } : {}), ...(wrappers.size ? { wrappers: [...wrappers].sort() } : {}) };
  } finally {
    checker?.project.dispose();
  }
}

function contextOf(task: GroupTask): { context?: string[] } {
  const keys = task.files.filter((f) => f.context).map((f) => f.key);
  return keys.length ? { context: keys } : {};
}

/** readRaw()'s error for a file, or undefined when it reads. */
function readError(abs: string): string | undefined {
  const r = readRaw(abs);
  return 'error' in r ? r.error : undefined;
}

function sha1(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex');
}

/**
 * The content hash behind the cache's (path, size, mtime) key: a folder whose
 * files changed only in their times (a fresh clone restoring a CI cache, a
 * `touch`, a branch switched there and back) keeps its previous result when
 * every file that was analysed has the same bytes, and every other file that
 * changed still names no translation API (`maybe`, from the prefilter) and
 * calls none of the folder's translating helpers. Returns the previous result
 * with the new times, or undefined when the folder must be analysed again.
 * Only the changed files are read.
 */
export function revalidate(task: GroupTask, previous: GroupResult): GroupResult | undefined {
  const known = previous.meta;
  if (Object.keys(known).length !== task.files.length) return undefined;
  if ((previous.context ?? []).join('\0') !== (contextOf(task).context ?? []).join('\0')) return undefined;
  const helpers = previous.helpers?.length ? new Set(previous.helpers) : undefined;
  const helperBytes = (previous.helpers ?? []).map((h) => Buffer.from(h, 'latin1'));
  const analysed = Object.values(known).some((m) => m.candidate);
  const wanted = previous.wanted?.length ? new Set(previous.wanted) : undefined;
  const wrappers = previous.wrappers?.length ? new Set(previous.wrappers) : undefined;
  const meta: Record<string, FileMeta> = {};
  for (const f of task.files) {
    const m = known[f.key];
    if (!m) return undefined;
    meta[f.key] = { ...m, ...stampOf(f) };
    if (sameStamp(m, f)) continue;
    // A file that could not be scanned must fail the same way (its error line is part of the result).
    if (m.error) {
      const now = f.maybe === false ? sizeError(f.size) : readError(f.abs);
      if (now !== m.error) return undefined;
      continue;
    }
    if (m.hash) {
      const r = readRaw(f.abs);
      if ('error' in r || sha1(r.buf) !== m.hash) return undefined;
      continue;
    }
    // A file that was not analysed: it must still name no API and call no translating helper
    // (nor, a header of a folder that was analysed, declare dma_addr_t members).
    if (f.maybe === true) return undefined;
    const declares = analysed && f.key.endsWith('.h');
    // (Only .c files are read for the wanted fields, as analyzeGroup() reads them.)
    const allocates = wanted && !f.key.endsWith('.h');
    const matters = f.maybe === undefined || helpers || declares;
    if (matters || allocates || previous.lookups || wrappers) {
      const r = readRaw(f.abs);
      if ('error' in r) return undefined;
      // A file ripgrep read whole and found no API name in can matter only by calling one of the
      // folder's helpers (or, a header, by its dma_addr_t members): without a helper's name in its
      // bytes it is ruled out undecoded — as analyzeGroup() passes it over (most files of a
      // folder with helpers).
      const named = f.maybe !== false || declares || helperBytes.some((b) => r.buf.includes(b));
      if (matters && named) {
        const text = r.buf.toString('latin1');
        if (mayMatter(text, helpers) || (declares && declaresDmaFields(f.key, text))) return undefined;
      }
      // (Its lines must give the wanted fields what they gave before — nothing, for most files.)
      if (allocates && JSON.stringify(wantedAllocsIn(r.buf, wanted)) !== JSON.stringify(m.fields ?? [])) return undefined;
      if (previous.lookups && ownsDomainBytes(r.buf) !== !!m.owner) return undefined;
      // (And define the wrappers whose results the analysed files convert as before — none, for most files.)
      if (wrappers && !sameDefs(wrappersIn(r.buf, wrappers), m.wrappers ?? {})) return undefined;
    } else if (sizeError(f.size)) return undefined;
  }
  return { ...previous, meta };
}

/** wrapperDefsIn() of a file's bytes, a byte search for the names first (most files define none of them). */
function wrappersIn(buf: Buffer, names: ReadonlySet<string>): Record<string, WrapperDef> {
  for (const n of names) if (buf.includes(n, 0, 'latin1')) return wrapperDefsIn(buf.toString('latin1'), names);
  return {};
}

function sameDefs(a: Readonly<Record<string, WrapperDef>>, b: Readonly<Record<string, WrapperDef>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b && JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

const DOMAIN_ALLOC = Buffer.from('domain_alloc');
const IOVA_TO_PHYS = 'iommu_iova_to_phys';

/** The candidates look up IOVAs (iommu_iova_to_phys) and none allocates a domain: the other files may. */
function needsOwner(candidates: { text: string }[]): boolean {
  return candidates.some((c) => c.text.includes(IOVA_TO_PHYS)) && !candidates.some((c) => ownsDomainIn(c.text));
}

/** Whether a file's bytes allocate an IOMMU domain (a byte search first: almost none name one). */
function ownsDomainBytes(buf: Buffer): boolean {
  return buf.includes(DOMAIN_ALLOC) && ownsDomainIn(buf.toString('latin1'));
}

/** Per wanted set (fieldKey()s): its fields, and `->field`/`.field` as bytes. */
const namesOf = new WeakMap<ReadonlySet<string>, { fields: Set<string>; bytes: Buffer[] }>();

/**
 * The assignments in a file's bytes that give a wanted field (fieldKey())
 * memory outside the linear map. A byte search for `->va`/`.va` first: most
 * files name none of the wanted fields and are never decoded.
 */
function wantedAllocsIn(buf: Buffer, wanted: ReadonlySet<string>): LineFieldAlloc[] {
  let names = namesOf.get(wanted);
  if (!names) {
    const fields = new Set([...wanted].map((k) => k.slice(k.indexOf('.') + 1)));
    namesOf.set(wanted, (names = { fields, bytes: [...fields].flatMap((n) => [Buffer.from(`->${n}`, 'latin1'), Buffer.from(`.${n}`, 'latin1')]) }));
  }
  if (!names.bytes.some((n) => buf.includes(n))) return [];
  return fieldAllocsOf(buf.toString('latin1'), names.fields).filter((a) => wanted.has(fieldKey(a.base, a.field)));
}

/** Stable shard of a directory: the same on every machine and run. */
export function shardOf(dir: string, n: number): number {
  let h = 2166136261;
  for (let i = 0; i < dir.length; i++) h = Math.imul(h ^ dir.charCodeAt(i), 16777619) >>> 0;
  return (h % n) + 1;
}
