// SPDX-License-Identifier: MIT
// A set of files analysed together: the facts of each file, the helper
// summaries learned across all of them (a helper in nicvf_queues.h applies
// at its call sites in nicvf_queues.c), and the per-driver facts about struct
// fields (where a domain or a coherent buffer stored in a field came from).
import { Edit, type Node, type Range, type Tree } from 'web-tree-sitter';
import type { CParser } from '../parse/parser';
import { findFunctions, findMacros, macroSource, type FnInfo } from './functions';
import { hasLongLine, pathologicalShape, PARSE_STEPS } from '../limits';
import { skim, topLevel, type SkimmedField, type Unit } from './skim';
import { lineIndex } from '../lines';
import { calledNames, callsTo } from './calls';
import { ParseTimeout } from '../parse/parser';
import { evaluateFunction, FILE_BUDGET, type Budget, type FieldFacts, type FnResult, type Limit, type Summary, calleeName, fieldBaseOf } from './evaluate';
import { answeredByApi, KERNEL_DMA_FIELD_NAMES, KERNEL_DMA_FIELDS, PASS_THROUGH, SOURCES, STEPS } from './api-tables';
import type { Loc, Source } from './model';
import { blankMacroComments, closingParens, matchesInCode, peelParens } from './code-text';
import { declaredIn, type Declared } from './declared';
import { RESET, wrappedCalls, type LineFieldAlloc } from './field-lines';

export interface FileFacts {
  /** The text as parsed (annotations blanked); kept for incremental reparses. */
  parsedText?: string;
  /** Why the text was not parsed (pathological shape, parser timeout): the file gets one analysis-limit notice. */
  shape?: Limit;
  /** Per-function results of the last evaluation and what they depended on (see Project.evaluateFile). */
  /** Per function (position + text): its last result, the work it cost, and what it depended on (see evaluateFile). */
  fnCache?: Map<string, { r: FnResult; cost: number; tag: string }>;
  path: string;
  dir: string;
  text: string;
  tree: Tree;
  /** Trees parsed from macro bodies, freed with the file. */
  extraTrees: Tree[];
  fns: FnInfo[];
  /**
   * `base->field = <value>` assignments; src undefined when the value is of no
   * known kind by itself (what its declarations say is worked out per driver, on demand).
   */
  fieldSources: FieldSource[];
  dmaFields: Set<string>;
  /**
   * What each parsed `dma_addr_t` member declaration added to dmaFields, at
   * its offset: an edit re-reads only the declarations around it (reuseFieldFacts()).
   */
  fieldDecls?: { offset: number; names: string[] }[];
  ownsDomain: boolean;
  /** The file deals in DMA addresses (dma_addr_t, dma_map_*, dma_alloc_*, dma_pool_*, dma_set_mask, ALSA's snd_dma_alloc_*pages). */
  usesDmaApi: boolean;
  /** Set by the last evaluation when it stopped early (budget spent, nesting too deep). */
  limited?: Limit;
  /** A function-like macro that names a translation was too long to analyse (MAX_MACRO_CHARS). */
  skippedMacro?: 'macro';
}

export interface FieldSource {
  field: string;
  base: string;
  /** The base is a variable (`td->next`), whose declaration may say its struct; not a member (`priv->rx.buf`). */
  variable: boolean;
  /** The skimmed function around the assignment: [start, end) offsets in the file. */
  fn?: [number, number];
  /** A parsed assignment's offset: its function is looked up only if its declarations are asked about (fnOf()). */
  at?: number;
  /** A parsed assignment's [start, end) offsets, kept (`at` is cleared once looked up): an edit moves them (reuseFieldFacts()). */
  span?: [number, number];
  src?: Source;
  /** The value is this variable: a DMA address if the function declares it dma_addr_t. */
  viaIdent?: string;
  /** The value is this field's: a DMA address if the driver declares the field dma_addr_t. */
  viaField?: string;
  /** A skimmed value's text, read as viaIdent/viaField when first needed (valueText()). */
  rhs?: string;
  /** The value is what this function of the driver returns (an allocation wrapper: helperAllocKind()). */
  viaCall?: string;
  loc: Loc;
}

export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

const FIELD_ASSIGN_SOURCES = new Set<Source>(['domain-borrowed', 'domain-owned', 'coherent-va', 'vmalloc-va', 'ioremap-va', 'linear-va', 'dma-handle']);

/**
 * Kernel annotations that are macros expanding to nothing (sparse address
 * spaces, section and inlining attributes). tree-sitter cannot know that:
 * `void __iomem *va = ioremap(...)` parses as a declaration of `__iomem`
 * followed by `*va = ...`. They are blanked to spaces before parsing, so
 * offsets, lines and columns stay those of the file.
 */
const ANNOTATIONS = /\b(?:__iomem|__user|__rcu|__force|__percpu|__kernel|__bitwise|__must_check|__maybe_unused|__always_unused|__always_inline|__init|__exit|__initdata|__initconst|__cold|__hot|__ro_after_init|__read_mostly|noinline|__noreturn|__visible|__weak)\b/g;

export function blankAnnotations(text: string): string {
  return blankMacroComments(text.replace(ANNOTATIONS, (m) => ' '.repeat(m.length)));
}


// What makes a driver own its IOMMU domain, and use the DMA API (in code, not in comments).
// ALSA drivers allocate their DMA buffers through ALSA's wrappers of the DMA
// API (snd_dma_alloc_pages(), managed PCM buffers) and may never name it.
const OWNS_DOMAIN_RE = /\biommu_(paging_)?domain_alloc(_flags)?\s*\(/g;

/** Whether C text allocates an IOMMU domain (in code, not a comment or string): the driver owns what it translates in. */
export function ownsDomainIn(text: string): boolean {
  return text.includes('domain_alloc') && matchesInCode(OWNS_DOMAIN_RE, text);
}
const USES_DMA_API_RE = /\bdma_addr_t\b|\bdma_(?:map|alloc|pool)_\w+\s*\(|\bdma_set_(?:mask|coherent_mask|mask_and_coherent)\s*\(|\bsnd_(?:dma|devm)_alloc_\w*pages\w*\s*\(|\bsnd_pcm_(?:set_managed_buffer|lib_preallocate_pages)\w*\s*\(/g;

/** Longest macro body parsed as a helper (see extractFacts). */
export const MAX_MACRO_CHARS = 64 * 1024;

export interface ExtractOptions {
  /** Whole-tree scans: which functions and macros to parse at all (see skim.ts, keep.ts); the rest is skipped. */
  keep?: (name: string | null, body: string) => boolean;
  /** The file's text with annotations blanked and its topLevel(), when the caller has them already. */
  blanked?: { text: string; units: Unit[] };
}

export function extractFacts(parser: CParser, path: string, text: string, previous?: FileFacts, opts: ExtractOptions = {}): FileFacts {
  // Pathological text is never handed to the parser (see pathologicalShape); the file is reported as not analysed.
  // A skimmed file is judged by the ranges the parser would see (the long-line test is cheap on the whole text).
  let limit: Limit | undefined;
  let parsed = '';
  let skimmed: ReturnType<typeof skim> | undefined;
  if (opts.keep && !hasLongLine(text)) {
    parsed = opts.blanked?.text ?? blankAnnotations(text);
    skimmed = skim(parsed, opts.keep, opts.blanked?.units);
    if (skimmed.ranges.some(([s, e]) => pathologicalShape(parsed.slice(s, e)))) limit = 'shape';
  } else if (pathologicalShape(text)) limit = 'shape';
  else parsed = blankAnnotations(text);
  if (limit) {
    parsed = '';
    skimmed = undefined;
  }
  if (skimmed || limit) previous = undefined;
  const pos = skimmed ? lineIndex(text) : undefined;
  let tree: Tree;
  let edited: { previous: FileFacts; edit: Edit; changed: Range[] } | undefined;
  try {
    if (previous && previous.parsedText !== undefined && !previous.shape) {
      // As-you-type: tell tree-sitter what changed and reparse with the old tree (≈ 10× faster).
      const old = previous.tree.copy();
      const edit = editBetween(previous.parsedText, parsed);
      old.edit(edit);
      try {
        tree = parser.parse(parsed, old, PARSE_STEPS);
        if (previous.fieldDecls) edited = { previous, edit, changed: old.getChangedRanges(tree) };
      } finally {
        old.delete();
      }
    } else {
      tree = parser.parse(parsed, undefined, PARSE_STEPS, skimmed && pos && rangesOf(pos, skimmed.ranges));
    }
  } catch (e) {
    if (!(e instanceof ParseTimeout)) throw e;
    limit = 'parse';
    parsed = '';
    tree = parser.parse('');
  }
  const shape = limit;
  const facts: FileFacts = {
    shape,
    fnCache: previous?.fnCache,
    // A tree of included ranges is no base for an incremental reparse of the whole text.
    parsedText: skimmed ? undefined : parsed,
    path,
    dir: dirOf(path),
    text,
    tree,
    extraTrees: [],
    fns: findFunctions(tree.rootNode),
    fieldSources: [],
    dmaFields: new Set(),
    ownsDomain: matchesInCode(OWNS_DOMAIN_RE, text),
    usesDmaApi: matchesInCode(USES_DMA_API_RE, text),
  };
  const macros = findMacros(tree.rootNode).filter((m) => /\w\s*\(/.test(m.body));
  // Only macros that name a translation API — or call a macro or function of
  // this file that does — can matter; register headers define thousands of
  // others, and parsing each of them is most of such a file's cost.
  const wanted = new Set(macros.filter((m) => RELEVANT_RE.test(m.body)).map((m) => m.name));
  for (const fn of facts.fns) if (RELEVANT_RE.test(text.slice(fn.start, fn.end))) wanted.add(fn.name);
  const macroCalls = new Map(macros.map((m) => [m, [...calledNames(m.body)]]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of macros) {
      if (wanted.has(m.name)) continue;
      if (macroCalls.get(m)!.some((c) => wanted.has(c))) {
        wanted.add(m.name);
        grew = true;
      }
    }
  }
  for (const m of macros) {
    if (!wanted.has(m.name)) continue;
    // A macro body of more than 64 KB is generated code (register tables);
    // parsing it again would double the file's cost. One that names a
    // translation is not analysed then — said in the file's notice, not silently.
    if (m.body.length > MAX_MACRO_CHARS) {
      facts.skippedMacro ??= 'macro';
      continue;
    }
    const { text: src, prefix } = macroSource(m);
    let mt: Tree;
    try {
      mt = parser.parse(src, undefined, PARSE_STEPS);
    } catch (e) {
      if (e instanceof ParseTimeout) continue;
      throw e;
    }
    facts.extraTrees.push(mt);
    const fdef = mt.rootNode.namedChildren.find((c) => c?.type === 'function_definition');
    const body = fdef?.childForFieldName('body');
    if (!body) continue;
    facts.fns.push({
      name: m.name,
      body,
      params: m.params.map((p) => ({ name: p, type: '' })),
      isMacro: true,
      start: m.start,
      end: m.end,
      mapRow: (row, column) => (row === 0 ? { row: m.row, column: m.column + column - prefix.length } : { row: m.row + row, column }),
    });
  }
  facts.fieldDecls = [];
  if (edited && !limit) reuseFieldFacts(tree, facts, edited.previous, edited.edit, edited.changed);
  else collectFieldFacts(tree.rootNode, facts);
  if (skimmed && pos) addSkimmedFields(skimmed.fields, facts, pos);
  return facts;
}

/** Offsets → tree-sitter ranges (rows and columns as well). */
function rangesOf(pos: (index: number) => { row: number; column: number }, spans: [number, number][]): Range[] {
  return spans.map(([s, e]) => ({ startIndex: s, endIndex: e, startPosition: pos(s), endPosition: pos(e) }));
}

/** Field assignments from skipped bodies, classified as collectFieldFacts() does. */
function addSkimmedFields(fields: SkimmedField[], facts: FileFacts, pos: (index: number) => { row: number; column: number }): void {
  if (fields.length === 0) return;
  const at = (index: number) => {
    const p = pos(index);
    return { line: p.row + 1, column: p.column + 1 };
  };
  for (const f of fields) {
    if (RESET.test(f.rhs)) continue;
    const p = at(f.index);
    // (A value that is no call is read for a variable or a field only if asked: see valueText().)
    const aligned = f.callee && ALIGNS.has(f.callee) ? firstArgOf(stripCasts(f.rhs)) : undefined;
    const kind = aligned !== undefined ? { rhs: aligned } : f.callee ? orViaCall(assignedKind(f.callee, null), f.callee) : { rhs: f.rhs };
    facts.fieldSources.push({ field: f.field, base: f.base, variable: f.variable, fn: f.fn, ...kind, loc: { path: facts.path, line: p.line, column: p.column, endLine: p.line, endColumn: p.column + 1 } });
  }
}

/**
 * What each local of a function holds when the function gives it only known
 * sources (`virt_addr = dma_alloc_attrs(…); mw->virt_addr = virt_addr;`):
 * read from its text in one pass, every assignment to a name must be the same
 * kind of call (NULL and 0 aside), or another local that holds that kind —
 * as it is, moved by an offset or aligned (ntb_transport.c: `virt_addr =
 * alloc_addr;` and `virt_addr = PTR_ALIGN(alloc_addr, align);`); anything
 * else — a parameter, an unknown call — makes the name say nothing (null).
 * (Text-level, like the skim: `a = b` means the same in every branch.)
 */
export function localSources(body: string): Map<string, Source | null> {
  const given = new Map<string, (Source | string | null)[]>();
  for (const m of body.matchAll(LOCAL_ASSIGN)) {
    const name = m[1];
    const list = given.get(name) ?? [];
    given.set(name, list);
    if (list.includes(null)) continue;
    let rhs = stripCasts(m[2]);
    if (RESET.test(rhs)) continue;
    // (The value's text ends at its first comma: `PTR_ALIGN(alloc_addr` is all there is of the call.)
    const call = /^([A-Za-z_]\w*)\s*\(([^,()]*)/.exec(rhs);
    if (call && ALIGNS.has(call[1])) rhs = call[2];
    const callee = call && !ALIGNS.has(call[1]) ? call[1] : undefined;
    const src = callee ? SOURCES[callee] : undefined;
    const local = callee ? undefined : leftOfPlus(stripCasts(rhs));
    // (`p = p + stride` moves the pointer within what it holds: no new kind.)
    if (local === name) continue;
    // (A local is marked by its name, told from a Source word by the '-' every kind word has.)
    list.push(src && FIELD_ASSIGN_SOURCES.has(src) ? src : local !== undefined && /^[A-Za-z_]\w*$/.test(local) ? local : null);
  }
  const out = new Map<string, Source | null>();
  const kindOf = (name: string): Source | null => {
    const known = out.get(name);
    if (known !== undefined) return known;
    out.set(name, null);
    const list = given.get(name);
    let kind: Source | null = null;
    if (list?.length) {
      const kinds = list.map((x) => (x === null ? null : x.includes('-') ? (x as Source) : kindOf(x)));
      kind = kinds[0] !== null && kinds.every((k) => k === kinds[0]) ? kinds[0] : null;
    }
    out.set(name, kind);
    return kind;
  };
  for (const name of given.keys()) kindOf(name);
  return out;
}

/**
 * Calls whose value is their first argument's, of the same kind: an alignment
 * within what it points into, or a byte-order conversion — a descriptor field
 * is `__le32`/`__le64` (`last->next = cpu_to_le32(dma_addr)` gives it a DMA
 * address as much as `last->next = dma_addr` does).
 */
const ALIGNS = new Set(['PTR_ALIGN', 'PTR_ALIGN_DOWN', 'ALIGN', 'ALIGN_DOWN', 'PAGE_ALIGN', 'cpu_to_le32', 'cpu_to_le64', 'cpu_to_be32', 'cpu_to_be64', '__cpu_to_le32', '__cpu_to_le64']);

/** `PTR_ALIGN((void *)v, 16)` → `(void *)v`: a call's first argument, or undefined when the text is no such call. */
function firstArgOf(text: string): string | undefined {
  const open = /^[A-Za-z_]\w*\s*\(/.exec(text);
  if (!open) return undefined;
  let depth = 0;
  for (let i = open[0].length; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    else if ((c === ',' || c === ')') && depth === 0) return text.slice(open[0].length, i);
  }
  return undefined;
}

/** `(u32)(unsigned long)x` → `x`: the casts in front of a value's text, and parentheses around all of it. */
function stripCasts(text: string): string {
  // One pass to pair the parentheses, then only indices move (closingParens()).
  const pair = closingParens(text);
  let [s, e] = peelParens(text, pair, 0, text.length);
  for (;;) {
    CAST_AT.lastIndex = s;
    const m = CAST_AT.exec(text);
    if (!m || s + m[0].length >= e) return text.slice(s, e);
    [s, e] = peelParens(text, pair, s + m[0].length, e);
  }
}

/** A cast: a parenthesized type name (`(void __iomem *)`, `(struct acme_desc *)`, `(unsigned long)`). */
const CAST = /^\(\s*(?:(?:const|volatile|struct|union|enum|unsigned|signed)\s+)*[A-Za-z_]\w*(?:\s+[A-Za-z_]\w*)*[\s*]*\)\s*/;
/** CAST at a given offset (lastIndex). */
const CAST_AT = new RegExp(CAST.source.slice(1), 'y');

/** What an assignment's value is when it is no call: a variable or another field (skimmed ones are read from their text). */
function valueOf(s: FieldSource): { viaIdent?: string; viaField?: string } {
  return s.rhs !== undefined ? valueText(s.rhs) : s;
}

/** Per file: wrappedCalls() of its text. */
const wrappedCache = new WeakMap<FileFacts, Set<string>>();
function wrappedCallsOf(f: FileFacts): Set<string> {
  let w = wrappedCache.get(f);
  if (!w) wrappedCache.set(f, (w = wrappedCalls(f.text)));
  return w;
}

/** Per file: its top-level units as the skim's lexer sees them (wrapperKind()). */
const unitsCache = new WeakMap<FileFacts, Unit[]>();
function unitsOf(f: FileFacts): Unit[] {
  let u = unitsCache.get(f);
  if (!u) unitsCache.set(f, (u = topLevel(f.text)));
  return u;
}

type FnFacts = { range: [number, number]; declared: Declared; locals?: Map<string, Source | null> };
/** Per file (its facts are replaced on every edit) and function start: what the function declares and gives its locals. */
const fnFactsCache = new WeakMap<FileFacts, { fns?: FnInfo[]; byStart: Map<number, FnFacts> }>();

/**
 * The function an assignment is in: the skim's unit, or the parsed function
 * around its offset — found once (kept in `s.fn`), by a binary search over the
 * file's functions in file order.
 */
function fnOf(f: FileFacts, s: FieldSource, c: { fns?: FnInfo[] }): [number, number] | undefined {
  if (s.fn || s.at === undefined) return s.fn;
  const fns = (c.fns ??= f.fns.filter((x) => !x.isMacro).sort((x, y) => x.start - y.start));
  let lo = 0;
  let hi = fns.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fns[mid].start <= s.at) lo = mid;
    else hi = mid - 1;
  }
  const fn = fns[lo];
  if (fn && fn.start <= s.at && s.at < fn.end) s.fn = [fn.start, fn.end];
  s.at = undefined;
  return s.fn;
}

/** What the function around a field assignment declares and gives its locals, read once per function. */
function fnFacts(f: FileFacts, s: FieldSource): FnFacts | undefined {
  let c = fnFactsCache.get(f);
  if (!c) fnFactsCache.set(f, (c = { byStart: new Map() }));
  const fn = fnOf(f, s, c);
  if (!fn) return undefined;
  let d = c.byStart.get(fn[0]);
  if (!d) c.byStart.set(fn[0], (d = { range: fn, declared: declaredIn(f.text.slice(fn[0], fn[1])) }));
  return d;
}

/** The struct of an assignment's base variable, by its function's declarations. */
function structAt(f: FileFacts, s: FieldSource): string | undefined {
  return s.variable ? fnFacts(f, s)?.declared.structs.get(s.base) : undefined;
}

/** What a variable assigned to a field holds: a DMA address by its declared type, or the one kind of allocation its function gives it. */
function variableKind(f: FileFacts, s: FieldSource, name: string): Source | null {
  const d = fnFacts(f, s);
  if (!d) return null;
  if (d.declared.dma.has(name)) return 'dma-handle';
  d.locals ??= localSources(f.text.slice(d.range[0], d.range[1]));
  return d.locals.get(name) ?? null;
}

/** `name = value` (not `==`, not a member's `->name =`), the value up to `;` or `,`. */
const LOCAL_ASSIGN = /(?<![\w.>])([A-Za-z_]\w*)\s*=(?!=)\s*([^;,]*)/g;

/**
 * A skimmed assignment's value text, past its casts and an added offset
 * (`mw->virt_addr + rx_size * n`, as the parsed `+`'s leftmost operand): a
 * variable, or the last field of a member access.
 */
function valueText(rhs: string): { viaIdent?: string; viaField?: string } {
  const bare = leftOfPlus(stripCasts(rhs));
  if (/^[A-Za-z_]\w*$/.test(bare)) return { viaIdent: bare };
  const m = /^[A-Za-z_][\w\s[\].>-]*?(?:->|\.)\s*([A-Za-z_]\w*)$/.exec(bare);
  return m ? { viaField: m[1] } : {};
}

/** `a->b + c * d` → `a->b `: the text before the first `+` outside brackets (`++` is no addition). */
function leftOfPlus(text: string): string {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '+' && depth === 0) {
      if (text[i + 1] === '+' || text[i - 1] === '+') return text;
      return stripCasts(text.slice(0, i));
    }
  }
  return text;
}

/**
 * What a field is given: the source of a known call; or a variable or another
 * field whose declaration decides — looked up per driver, only for the fields
 * some analysed code reads (see fieldFacts()).
 */
function assignedKind(callee: string | null, value: { ident: string } | { field: string } | null): { src?: Source; viaIdent?: string; viaField?: string } {
  if (callee) {
    const src = SOURCES[callee] ?? (callee === 'virt_to_phys' || callee === '__pa' ? 'linear-va' : undefined);
    return src && FIELD_ASSIGN_SOURCES.has(src) ? { src } : {};
  }
  if (!value) return {};
  return 'ident' in value ? { viaIdent: value.ident } : { viaField: value.field };
}

/** A call that is no known source: perhaps the driver's own allocation wrapper (FieldSource.viaCall). */
function orViaCall(kind: { src?: Source; viaIdent?: string; viaField?: string }, callee: string): { src?: Source; viaIdent?: string; viaField?: string; viaCall?: string } {
  return kind.src || PASS_THROUGH.has(callee) || STEPS[callee] ? kind : { viaCall: callee };
}

/**
 * What a function returns when every `return` gives the same kind of memory
 * outside the linear map — a call of its allocator, or a local given one —
 * NULL, 0 and ERR_PTR() aside: an allocation wrapper (`return
 * dma_alloc_coherent(…)`), read off its text as localSources() reads locals.
 */
export function returnedSource(body: string): Source | null {
  let kind: Source | null = null;
  let locals: Map<string, Source | null> | undefined;
  for (const m of body.matchAll(RETURN)) {
    const v = stripCasts(m[1]);
    if (v === '' || RESET.test(v)) continue;
    const call = /^([A-Za-z_]\w*)\s*\(/.exec(v);
    let k: Source | null = null;
    if (call) {
      const src = SOURCES[call[1]];
      k = src && FIELD_ASSIGN_SOURCES.has(src) ? src : null;
    } else if (/^[A-Za-z_]\w*$/.test(v)) k = (locals ??= localSources(body)).get(v) ?? null;
    if (k === null || (kind !== null && k !== kind)) return null;
    kind = k;
  }
  return kind;
}

const RETURN = /\breturn\b\s*([^;]*);/g;

/** A call of an allocator a wrapper may return (SOURCES of a kind a field can hold): a file naming none defines no wrapper. */
const WRAPPED_CALL = new RegExp(`\\b(?:${Object.keys(SOURCES).filter((k) => FIELD_ASSIGN_SOURCES.has(SOURCES[k])).join('|')})\\s*\\(`);

/**
 * The allocation wrappers a file defines (top-level functions whose returns
 * all give one kind of memory: returnedSource()), by name — for a file that
 * is not analysed: genwqe's card_utils.c defines __genwqe_alloc_consistent(),
 * whose dma_alloc_coherent() memory card_dev.c hands to virt_to_phys(). Two
 * definitions of a name that disagree give null. `names`: only these (a
 * whole-tree scan asks for the calls whose results its analysed files
 * convert; the editor for all).
 */
export function wrapperDefsIn(text: string, names?: ReadonlySet<string>): Record<string, WrapperDef> {
  const out: Record<string, WrapperDef> = {};
  if (names && ![...names].some((n) => text.includes(n))) return out;
  if (!WRAPPED_CALL.test(text)) return out;
  const clean = blankAnnotations(text);
  let line = 1;
  let counted = 0; // newlines are counted up to here
  for (const u of topLevel(clean)) {
    if (u.kind !== 'fn' || !u.name || (names && !names.has(u.name))) continue;
    const body = clean.slice(u.open + 1, u.close);
    const src = WRAPPED_CALL.test(body) ? returnedSource(body) : null;
    if (src === null) continue;
    const at = nameAt(clean, u.name, u.start);
    for (let i = clean.indexOf('\n', counted); i >= 0 && i < at; i = clean.indexOf('\n', i + 1)) line++;
    counted = at;
    const had = out[u.name];
    out[u.name] = had === undefined ? { src, line } : had && had.src === src ? had : null;
  }
  return out;
}

/** Where a function's name is in its definition from `from` on: followed by `(`, not part of a longer word (`struct foo *foo(`). */
function nameAt(text: string, name: string, from: number): number {
  for (let i = text.indexOf(name, from); i >= 0; i = text.indexOf(name, i + 1)) {
    if (i > 0 && /\w/.test(text[i - 1])) continue;
    if (/^\s*\(/.test(text.slice(i + name.length, i + name.length + 40))) return i;
  }
  return from;
}

/** What a file's allocation wrapper returns and the line of its name; null where two definitions disagree. */
export type WrapperDef = { src: Source; line: number } | null;

function loc(path: string, n: Node): Loc {
  return { path, line: n.startPosition.row + 1, column: n.startPosition.column + 1, endLine: n.endPosition.row + 1, endColumn: n.endPosition.column + 1 };
}

/** Locations in file order (path, line, column). */
function cmpLoc(a: Loc, b: Loc): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.column - b.column;
}

/** A value past its casts and parentheses. */
function stripped(n: Node | null): Node | null {
  for (let t = n?.type; n && (t === 'cast_expression' || t === 'parenthesized_expression'); t = n?.type) n = n.childForFieldName('value') ?? n.namedChildren[n.namedChildren.length - 1] ?? null;
  return n;
}

/**
 * `x->field = dma_alloc_coherent(...)` and `dma_addr_t field;` anywhere in the
 * file — or only those that start in `within` (reuseFieldFacts()).
 */
function collectFieldFacts(root: Node, facts: FileFacts, within?: Range): void {
  // tree-sitter finds the nodes that can matter in its own code and only those
  // are marshalled. (descendantsOfType walks the tree with a cursor; a query
  // for the same nodes ran its pattern matcher over every node: ~20 % slower.
  // Given a range, it steps over the subtrees before it and stops after it.)
  const nodes = within ? root.descendantsOfType(FIELD_FACT_TYPES, within.startPosition, within.endPosition) : root.descendantsOfType(FIELD_FACT_TYPES);
  for (const node of nodes) {
    if (within && (node.startIndex < within.startIndex || node.startIndex >= within.endIndex)) continue;
    const t = node.type;
    if (t === 'assignment_expression') {
      const a = node;
      const left = a.childForFieldName('left');
      // Most assignments are to variables: nothing more to read.
      if (left?.type !== 'field_expression') continue;
      let right = stripped(a.childForFieldName('right'));
      if (!right) continue;
      const field = left.childForFieldName('field')?.text;
      if (!field) continue;
      // NULL, 0 and ERR_PTR() resets say nothing about what the field holds.
      if (RESET.test(right.text)) continue;
      let rt: string | undefined = right.type;
      let callee = rt === 'call_expression' ? calleeName(right) : null;
      // `base + offset`, `PTR_ALIGN(base, n)`: a pointer or a DMA address moved within its buffer is still one (valueText()).
      let v: Node | null = right;
      if (callee && ALIGNS.has(callee)) {
        v = stripped(right.childForFieldName('arguments')?.namedChildren[0] ?? null);
        rt = v?.type;
        callee = null;
      }
      while (v && rt === 'binary_expression' && v.childForFieldName('operator')?.text === '+') {
        v = stripped(v.childForFieldName('left'));
        rt = v?.type;
      }
      const value = !v ? null : rt === 'identifier' ? { ident: v.text } : rt === 'field_expression' ? { field: v.childForFieldName('field')?.text ?? '' } : null;
      const kind = callee ? orViaCall(assignedKind(callee, value), callee) : assignedKind(callee, value);
      const { base, variable } = fieldBaseOf(left);
      facts.fieldSources.push({ field, base, variable, at: a.startIndex, span: [a.startIndex, a.endIndex], ...kind, loc: loc(facts.path, a) });
    } else if (t === 'field_declaration') {
      const f = node;
      if (!/\bdma_addr_t\b/.test(f.childForFieldName('type')?.text ?? '')) continue;
      // Each field by name, and as `struct.field` (`*.field` in an unnamed struct): a base of a known struct type is looked up by both.
      const owner = f.parent?.parent;
      const struct = owner && (owner.type === 'struct_specifier' || owner.type === 'union_specifier') ? owner.childForFieldName('name')?.text ?? '*' : '*';
      const names: string[] = [];
      for (const d of f.namedChildren) {
        if (d?.type !== 'field_identifier') continue;
        names.push(d.text, `${struct}.${d.text}`);
      }
      for (const n of names) facts.dmaFields.add(n);
      facts.fieldDecls?.push({ offset: f.startIndex, names });
    }
  }
}

/** `x->field = …` (an assignment whose left side is a field) and `dma_addr_t field;` in a struct. */
const FIELD_FACT_TYPES = ['assignment_expression', 'field_declaration'];

/**
 * As-you-type: the field facts of a file after an edit, from those of the
 * text before it. Only the top-level definitions the edit or tree-sitter's
 * changed ranges touch are read again; every assignment and member
 * declaration outside them is the previous one, moved by the edit (its text,
 * and the tree under its top-level definition, are the same). Reading every
 * assignment of a 10,000-line driver again took most of a keystroke's time.
 */
function reuseFieldFacts(tree: Tree, facts: FileFacts, previous: FileFacts, edit: Edit, changed: Range[]): void {
  let from = edit.startIndex;
  let to = edit.newEndIndex;
  for (const r of changed) {
    from = Math.min(from, r.startIndex);
    to = Math.max(to, r.endIndex);
  }
  // Out to the top-level nodes around both ends (a function, a struct, an #ifdef block), those
  // that only touch an end included: error recovery may split a definition there (`p->x = …`
  // with its `p` deleted starts a top-level node of its own right after the edit).
  const top = tree.rootNode;
  const c = top.walk();
  try {
    if (c.gotoFirstChildForIndex(Math.max(0, from - 1))) from = Math.min(from, c.startIndex);
    c.reset(top);
    if (c.gotoFirstChildForIndex(to) && c.startIndex <= to) to = Math.max(to, c.endIndex);
  } finally {
    c.delete();
  }
  const delta = edit.newEndIndex - edit.oldEndIndex;
  const oldTo = to - delta;
  const pos = lineIndex(facts.text);
  collectFieldFacts(top, facts, { startIndex: from, endIndex: to, startPosition: pos(from), endPosition: pos(to) });
  const moved = (s: FieldSource): FieldSource => {
    const [a, b] = s.span!;
    const span: [number, number] = [a + delta, b + delta];
    const p = pos(span[0]);
    const q = pos(span[1]);
    const { fn: _fn, ...rest } = s;
    return { ...rest, at: span[0], span, loc: { path: facts.path, line: p.row + 1, column: p.column + 1, endLine: q.row + 1, endColumn: q.column + 1 } };
  };
  const fresh = facts.fieldSources;
  const kept = previous.fieldSources.filter((s) => s.span);
  facts.fieldSources = [
    ...kept.filter((s) => s.span![0] < from).map((s) => ({ ...s, at: s.span![0] })),
    ...fresh,
    ...kept.filter((s) => s.span![0] >= oldTo).map(moved),
  ];
  const decls = facts.fieldDecls!;
  facts.fieldDecls = [
    ...previous.fieldDecls!.filter((d) => d.offset < from),
    ...decls,
    ...previous.fieldDecls!.filter((d) => d.offset >= oldTo).map((d) => ({ offset: d.offset + delta, names: d.names })),
  ];
  facts.dmaFields = new Set(facts.fieldDecls.flatMap((d) => d.names));
}

/** The single edit that turns `a` into `b` (common prefix and suffix), as tree-sitter wants it. */
export function editBetween(a: string, b: string): Edit {
  let start = 0;
  const max = Math.min(a.length, b.length);
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let ea = a.length;
  let eb = b.length;
  while (ea > start && eb > start && a.charCodeAt(ea - 1) === b.charCodeAt(eb - 1)) {
    ea--;
    eb--;
  }
  // (Rows counted up to the three offsets only: a line index of both texts was a tenth of a keystroke in a big file.)
  const startPosition = pointAt(a, { row: 0, column: 0 }, 0, start);
  return new Edit({ startIndex: start, oldEndIndex: ea, newEndIndex: eb, startPosition, oldEndPosition: pointAt(a, startPosition, start, ea), newEndPosition: pointAt(b, startPosition, start, eb) });
}

/** The row and column of offset `to` of `text`, counting on from `from` at offset `at` (at ≤ to). */
function pointAt(text: string, from: { row: number; column: number }, at: number, to: number): { row: number; column: number } {
  let row = from.row;
  let lineStart = at - from.column;
  for (let i = text.indexOf('\n', at); i >= 0 && i < to; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: to - lineStart };
}

export function disposeFacts(f: FileFacts): void {
  f.tree.delete();
  for (const t of f.extraTrees) t.delete();
}

export class Project {
  readonly files = new Map<string, FileFacts>();
  /** Work units per file (evaluate.ts Budget); tests lower it. */
  budget = FILE_BUDGET;
  /**
   * Per driver folder: its helper summaries and the last round's results.
   * Analysis is folder-local (see lookupSummary), so an edit in one driver
   * re-analyses that driver only — in the editor as in a whole-tree scan.
   */
  private dirs = new Map<string, DirState>();

  add(f: FileFacts): void {
    const old = this.files.get(f.path);
    if (old) disposeFacts(old);
    this.files.set(f.path, f);
    const prev = this.dirs.get(f.dir);
    this.dirs.delete(f.dir);
    // (A file parsed now gives its field assignments and domain allocations itself: what its lines said is dropped.)
    const hadFields = this.external.delete(f.path);
    const hadWrappers = this.externalWrappers.delete(f.path);
    const wasExternal = this.externalOwners.delete(f.path) || hadFields || hadWrappers;
    // As-you-type: when the edit left the file's driver-wide facts alone, the
    // folder can be re-learned from where it was (only this file evaluated again).
    if (old && prev && !wasExternal && sameDriverFacts(old, f)) {
      const w = this.warm.get(f.dir);
      this.warm.set(f.dir, { prev: w?.prev ?? prev, changed: new Set([...(w?.changed ?? []), f.path]) });
    } else {
      this.fieldCache.delete(f.dir);
      this.warm.delete(f.dir);
      this.bumpVersion(f.dir);
    }
  }

  /** Per folder, bumped whenever its driver-wide facts may have changed: part of every cached result's tag. */
  private versions = new Map<string, number>();

  private bumpVersion(dir: string): void {
    this.versions.set(dir, (this.versions.get(dir) ?? 0) + 1);
  }

  private versionOf(dir: string): string {
    return String(this.versions.get(dir) ?? 0);
  }

  /** Folders invalidated by edits that kept their driver-wide facts: the previous state and the changed files. */
  private warm = new Map<string, { prev: DirState; changed: Set<string> }>();

  /**
   * The field allocations of a file that is not analysed itself, as lines of
   * its text say them (field-lines.ts): the driver's field facts count them.
   * An empty list forgets the file's.
   */
  setExternalFields(path: string, allocs: readonly LineFieldAlloc[]): void {
    const dir = dirOf(path);
    if (allocs.length === 0 && !this.external.has(path)) return;
    if (allocs.length === 0) this.external.delete(path);
    else {
      const sources = allocs.map((a): FieldSource => ({ field: a.field, base: a.base, variable: a.variable, src: a.src, loc: { path, line: a.line, column: a.column, endLine: a.line, endColumn: a.column + 1 } }));
      // (The editor says it again for every save of such a file: the same lines change nothing.)
      const had = this.external.get(path);
      if (had && JSON.stringify(had.sources) === JSON.stringify(sources)) return;
      this.external.set(path, { dir, sources });
    }
    this.fieldCache.delete(dir);
    this.dirs.delete(dir);
    this.warm.delete(dir);
    this.bumpVersion(dir);
  }

  /** Field allocations read off the lines of files that are not analysed (setExternalFields), by path. */
  private external = new Map<string, { dir: string; sources: FieldSource[] }>();

  /**
   * Whether a file that is not analysed allocates an IOMMU domain
   * (ownsDomainIn()): a remoteproc or GPU driver allocates its UNMANAGED
   * domain in one file and translates in another, and a lookup in a domain
   * the driver owns is no reverse lookup (SPEC §1.1).
   */
  setExternalOwner(path: string, owns: boolean): void {
    if (owns === this.externalOwners.has(path)) return;
    if (owns) this.externalOwners.add(path);
    else this.externalOwners.delete(path);
    const dir = dirOf(path);
    this.dirs.delete(dir);
    this.warm.delete(dir);
    this.bumpVersion(dir);
  }

  /** Files not analysed that allocate an IOMMU domain (setExternalOwner), by path. */
  private externalOwners = new Set<string>();

  /**
   * The allocation wrappers a file that is not analysed defines
   * (wrapperDefsIn()): a call of one, in a file of the folder that converts
   * its result (wrappedCalls()), gives its memory. An empty record forgets
   * the file's.
   */
  setExternalWrappers(path: string, defs: Readonly<Record<string, WrapperDef>>): void {
    const had = this.externalWrappers.get(path);
    const none = Object.keys(defs).length === 0;
    if (none ? !had : had && JSON.stringify(had.defs) === JSON.stringify(defs)) return;
    const dir = dirOf(path);
    if (none) this.externalWrappers.delete(path);
    else this.externalWrappers.set(path, { dir, defs: { ...defs } });
    this.fieldCache.delete(dir);
    this.dirs.delete(dir);
    this.warm.delete(dir);
    this.bumpVersion(dir);
  }

  /** Allocation wrappers defined by files that are not analysed (setExternalWrappers), by path. */
  private externalWrappers = new Map<string, { dir: string; defs: Record<string, WrapperDef> }>();

  /**
   * What a call of `name` returns, by the definitions in the folder's files
   * that are not analysed (every one must agree), and where the first of them
   * (by path) is; or undefined.
   */
  private externalWrapper(dir: string, name: string): { src: Source; loc: Loc } | undefined {
    let found: { src: Source; loc: Loc } | undefined;
    for (const [path, e] of this.externalWrappers) {
      if (e.dir !== dir || !(name in e.defs)) continue;
      const d = e.defs[name];
      if (d === null || (found && d.src !== found.src)) return undefined;
      // (A line, not a column: the editor counts UTF-16 units, the scan a file's bytes.)
      if (!found || path < found.loc.path) found = { src: d.src, loc: { path, line: d.line, column: 1, endLine: d.line, endColumn: 1 } };
    }
    return found;
  }

  /**
   * Per folder, the calls whose results its analysed files convert through
   * the linear map (wrappedCalls()): a whole-tree scan looks for their
   * definitions in the driver's files it does not analyse.
   */
  wrappersWanted(dir: string): Set<string> {
    const out = new Set<string>();
    for (const f of this.files.values()) if (f.dir === dir) for (const n of wrappedCallsOf(f)) out.add(n);
    return out;
  }

  remove(path: string): void {
    this.setExternalFields(path, []);
    this.setExternalOwner(path, false);
    this.setExternalWrappers(path, {});
    const old = this.files.get(path);
    if (old) {
      disposeFacts(old);
      this.fieldCache.delete(old.dir);
      this.dirs.delete(old.dir);
      this.warm.delete(old.dir);
      this.bumpVersion(old.dir);
    }
    this.files.delete(path);
  }

  /** Paths of the files in the given folders. */
  filesIn(dirs: ReadonlySet<string>): string[] {
    return [...this.files.values()].filter((f) => dirs.has(f.dir)).map((f) => f.path);
  }

  dispose(): void {
    for (const f of this.files.values()) disposeFacts(f);
    this.files.clear();
    this.external.clear();
    this.externalOwners.clear();
    this.externalWrappers.clear();
  }

  /** Per-driver field facts: a driver is the folder of the file. */
  private fieldCache = new Map<string, FieldFacts>();

  private fieldFacts(dir: string): FieldFacts {
    const hit = this.fieldCache.get(dir);
    if (hit) return hit;
    const dma = new Set<string>();
    for (const f of this.files.values()) if (f.dir === dir) for (const d of f.dmaFields) dma.add(d);
    const isDmaField = (field: string, struct?: string) =>
      struct ? dma.has(`${struct}.${field}`) || dma.has(`*.${field}`) || KERNEL_DMA_FIELDS.has(`${struct}.${field}`) : dma.has(field) || KERNEL_DMA_FIELD_NAMES.has(field);
    // By the base's text (`td.next`) and, when a read's base has a known struct, by that struct
    // (`udc_data_dma.next`), whatever variable wrote it. What declarations say — the struct of an
    // assignment's base, the type of a variable assigned — is read on demand: a driver has
    // thousands of field assignments, its analysed code reads a few fields.
    // (`file` is absent for an assignment read off a line of a file not analysed: its kind is its call's.)
    type Assigned = { s: FieldSource; file?: FileFacts; kind?: Source | null; struct?: string | null };
    const kindOf = (x: Assigned): Source | null => {
      if (x.kind === undefined) {
        // (null while it is worked out: fields given each other, `a->x = b->y; b->y = a->x`, say nothing.)
        x.kind = null;
        const { viaIdent, viaField } = valueOf(x.s);
        x.kind =
          x.s.src ??
          (viaIdent !== undefined && x.file
            ? variableKind(x.file, x.s, viaIdent)
            : viaField !== undefined
              ? isDmaField(viaField)
                ? 'dma-handle'
                : fieldKind(viaField)
              : x.s.viaCall !== undefined
                ? wrapperKind(x.s.viaCall)
                : null);
      }
      return x.kind;
    };
    // A field given the driver's own allocation wrapper's result: what the wrapper returns, once per name.
    const byWrapper = new Map<string, Source | null>();
    const wrapperKind = (name: string): Source | null => {
      let k = byWrapper.get(name);
      if (k === undefined) byWrapper.set(name, (k = this.wrapperKind(dir, name)));
      return k;
    };
    // Another field given (`qp->rx_buff = mw->virt_addr + off`): what every assignment in the driver
    // to a field of that name agrees on — the base of the value is not read, so only a unanimous kind counts.
    const byName = new Map<string, Source | null>();
    const fieldKind = (name: string): Source | null => {
      let k = byName.get(name);
      if (k === undefined) {
        byName.set(name, null);
        const list = byField.get(name) ?? [];
        k = list.length ? kindOf(list[0]) : null;
        if (k !== null && list.some((x) => kindOf(x) !== k)) k = null;
        byName.set(name, k);
      }
      return k;
    };
    const structOf = (x: Assigned): string | null => (x.struct ??= (x.file && structAt(x.file, x.s)) || null);
    const byField = new Map<string, Assigned[]>();
    const note = (x: Assigned) => {
      const list = byField.get(x.s.field);
      if (list) list.push(x);
      else byField.set(x.s.field, [x]);
    };
    for (const f of this.files.values()) if (f.dir === dir) for (const s of f.fieldSources) note({ s, file: f });
    // (Only where no analysed file assigns the field through the same base: then those assignments are what
    // the analysis reads — as a whole-tree scan, which looks for the others only then (convertedUnassigned()).)
    for (const e of this.external.values()) {
      if (e.dir !== dir) continue;
      for (const s of e.sources) if (!(byField.get(s.field) ?? []).some((x) => x.file && x.s.base === s.base)) note({ s });
    }
    const known = new Map<string, { src: Source; loc: Loc }[]>();
    const sources = (field: string, base: string, struct?: string): { src: Source; loc: Loc }[] => {
      const k = `${struct ?? ''}|${base}.${field}`;
      let out = known.get(k);
      if (out) return out;
      // A base of known struct: every assignment to that struct's field, and those through a base of
      // the same name whose struct is not known — not another struct's field of the same name.
      const all = byField.get(field) ?? [];
      const list = struct ? all.filter((x) => (structOf(x) ?? (x.s.base === base ? struct : null)) === struct) : all.filter((x) => x.s.base === base);
      // Every assignment must agree on the kind; otherwise the field's kind depends on the path.
      const kind = list.length ? kindOf(list[0]) : null;
      // (In file order: a skimmed file lists its parsed functions' assignments before its skipped ones'.)
      out = kind === null || list.some((x) => kindOf(x) !== kind) ? [] : list.map((x) => ({ src: kind, loc: x.s.loc })).sort((a, b) => cmpLoc(a.loc, b.loc)).slice(0, MAX_FIELD_SOURCES);
      known.set(k, out);
      return out;
    };
    const facts: FieldFacts = { sources, isDmaField };
    this.fieldCache.set(dir, facts);
    return facts;
  }

  /**
   * What the driver's function `name` returns, when it is an allocation
   * wrapper of memory outside the linear map (returnedSource()); every
   * definition of it in the folder's analysed files must agree. Read only when
   * an analysed read asks what a field given its result holds.
   */
  private wrapperKind(dir: string, name: string): Source | null {
    let kind: Source | null = null;
    for (const f of this.files.values()) {
      if (f.dir !== dir || !f.text.includes(name)) continue;
      for (const u of unitsOf(f)) {
        if (u.kind !== 'fn' || u.name !== name) continue;
        const k = returnedSource(f.text.slice(u.open + 1, u.close));
        if (k === null || (kind !== null && k !== kind)) return null;
        kind = k;
      }
    }
    return kind;
  }

  private driverOwnsDomain(dir: string): boolean {
    for (const f of this.files.values()) if (f.dir === dir && f.ownsDomain) return true;
    for (const p of this.externalOwners) if (dirOf(p) === dir) return true;
    return false;
  }

  /** Every function of every file, with the summaries learned; rules see callers in other files. */
  runAll(): FnResult[] {
    return this.run(this.files.keys());
  }

  private lookupSummary(name: string, path: string, dir: string): Summary | undefined {
    const c = this.dirs.get(dir)?.summaries.get(name);
    if (!c || c.length === 0) return undefined;
    // A driver's helpers live in its own folder (nicvf_queues.h, otx2_common.h,
    // dpaa2-eth.h): resolving within the folder keeps the analysis of one
    // driver independent of the others, so whole-tree scans split across
    // workers and CI shards give the same findings as one process.
    return (c.find((s) => s.path === path) ?? c[0])?.summary;
  }

  /**
   * A function's result depends on its own text and position, the folder's
   * driver-wide facts (`version`) and the summaries of the functions it calls
   * (`sigs`, by name): when none of these changed it is not evaluated again —
   * as-you-type, only the function being edited is; in a learning round, only
   * the callers of helpers whose summary the last round changed.
   */
  private evaluateFile(f: FileFacts, helpers: RegExp | null, version: string, sigs: ReadonlyMap<string, string>): FnResult[] {
    const reuse = f.fnCache;
    const cache = new Map<string, { r: FnResult; cost: number; tag: string }>();
    const fields = this.fieldFacts(f.dir);
    const owns = this.driverOwnsDomain(f.dir);
    // Only functions that name a translation API, a DMA handle, a non-linear
    // allocator or one of the driver's translating helpers can produce an
    // event or a summary that matters; the rest of a 10k-line driver is skipped.
    // One budget for the whole file (see Budget): deterministic, so every
    // round of learnSummaries and every host stops at the same place.
    const budget: Budget = { left: this.budget };
    const out: FnResult[] = [];
    let limited: Limit | undefined;
    for (const fn of f.fns) {
      if (!isRelevant(f, fn, helpers)) continue;
      if (budget.left <= 0) {
        limited = 'budget';
        break;
      }
      // Where the function is in the file (its findings' lines), and its text. A macro's body is parsed on
      // its own, from row 0: its place in the file comes from mapRow.
      const at = fn.mapRow ? fn.mapRow(fn.body.startPosition.row, fn.body.startPosition.column) : fn.body.startPosition;
      const key = `${at.row}:${at.column}:${f.text.slice(fn.start, fn.end)}`;
      let tag = version;
      for (const name of calleesOf(f, fn)) {
        const sig = name === fn.name ? undefined : sigs.get(name);
        if (sig !== undefined) tag += `|${name}=${sig}`;
      }
      const hit = reuse?.get(key);
      if (hit && hit.tag === tag && !hit.r.limited) {
        budget.left -= hit.cost;
        cache.set(key, hit);
        out.push(hit.r);
        continue;
      }
      const before = budget.left;
      const r = evaluateFunction({
        path: f.path,
        fn,
        fields,
        driverOwnsDomain: owns,
        usesDmaApi: f.usesDmaApi,
        summary: (name) => (name === fn.name ? undefined : this.lookupSummary(name, f.path, f.dir)),
        // (Only for the calls this file converts the result of: what a file's analysis reads stays in its own text.)
        wrapper: (name) => (wrappedCallsOf(f).has(name) ? this.externalWrapper(f.dir, name) : undefined),
        budget,
      });
      if (r.limited && limited !== 'budget') limited = r.limited;
      cache.set(key, { r, cost: before - budget.left, tag });
      out.push(r);
    }
    f.limited = f.shape ?? limited ?? f.skippedMacro;
    f.fnCache = cache;
    return out;
  }

  /**
   * Learns the helper summaries of the folders of `paths`, then returns the
   * per-function results of those files.
   */
  run(paths: Iterable<string>): FnResult[] {
    const out: FnResult[] = [];
    for (const p of paths) {
      const f = this.files.get(p);
      if (!f) continue;
      const st = this.learn(f.dir);
      // At a fixpoint the last round's results are exactly the final ones.
      out.push(...(st.results.get(p) ?? this.evaluateFile(f, st.helperRe, this.versionOf(f.dir), st.sigs)));
    }
    return out;
  }

  /**
   * Names of helpers whose summary matters at a call site: they return an
   * address looked up in the IOMMU, rebuilt through the linear map, or one of
   * the identity fallbacks. A file that calls one of them must be analysed
   * even when it names no kernel API itself.
   */
  translatingHelpers(): Set<string> {
    const out = new Set<string>();
    for (const dir of new Set([...this.files.values()].map((f) => f.dir))) {
      for (const [name, list] of this.learn(dir).summaries) {
        if (list.some((s) => s.summary.returns.some((v) => v.zeroAt !== undefined || v.steps.length > 0))) out.add(name);
      }
    }
    return out;
  }

  private learn(dir: string): DirState {
    const hit = this.dirs.get(dir);
    if (hit) return hit;
    const files = [...this.files.values()].filter((f) => f.dir === dir);
    const warm = this.warm.get(dir);
    this.warm.delete(dir);
    if (warm && warm.prev.results.size) {
      // Evaluate only the edited files against the summaries the folder had; if
      // that changes no summary, every other file's results still hold.
      const st: DirState = { summaries: warm.prev.summaries, helperRe: warm.prev.helperRe, results: new Map(), sig: warm.prev.sig, sigs: warm.prev.sigs };
      this.dirs.set(dir, st);
      const results = new Map<string, FnResult[]>();
      let complete = true;
      for (const f of files) {
        const old = warm.changed.has(f.path) ? undefined : warm.prev.results.get(f.path);
        if (!old && !warm.changed.has(f.path)) complete = false;
        results.set(f.path, old ?? this.evaluateFile(f, st.helperRe, this.versionOf(dir), st.sigs));
      }
      const next = summariesOf(results, this.files);
      if (complete && signature(next) === warm.prev.sig) {
        st.summaries = next;
        st.results = results;
        return st;
      }
      this.dirs.delete(dir);
    }
    const st: DirState = { summaries: new Map(), helperRe: null, results: new Map(), sig: '', sigs: new Map() };
    this.dirs.set(dir, st);
    let sig = '';
    // Rounds until one learns nothing new (a helper calling a helper calling a
    // helper … each round learns one level), keeping that round's results; at
    // most SUMMARY_ROUNDS (a chain of wrappers deeper than that is not followed).
    for (let round = 0; round < SUMMARY_ROUNDS; round++) {
      const next = new Map<string, { path: string; dir: string; summary: Summary }[]>();
      const results = new Map<string, FnResult[]>();
      for (const f of files) {
        const rs = this.evaluateFile(f, st.helperRe, this.versionOf(dir), st.sigs);
        results.set(f.path, rs);
        addSummaries(next, rs, f.path, f.dir);
      }
      const nextSigs = signatures(next);
      const nextSig = joinSignatures(nextSigs);
      const fixpoint = nextSig === sig;
      st.summaries = next;
      st.sigs = nextSigs;
      sig = nextSig;
      st.sig = sig;
      if (fixpoint) {
        st.results = results;
        break;
      }
      st.results = new Map();
      const names = [...next.keys()];
      st.helperRe = names.length ? callsTo(names) : null;
    }
    return st;
  }
}

/**
 * The places a field's value is said to come from, at most (the first, in
 * file order): as many as a finding lists (rules/rule.ts MAX_RELATED). Every
 * read of the field carries them, so a driver that assigns one field in a
 * thousand places and reads it in a thousand made a million values.
 */
const MAX_FIELD_SOURCES = 64;

/** Helper levels learned (rounds of learnSummaries): drivers wrap a lookup in up to four or five helpers. */
const SUMMARY_ROUNDS = 6;

/** Names whose presence makes a function worth evaluating (see evaluateFile). */
// (`ioremap` and `memremap\b` stand for any identifier containing them: testing them outside \b…\b is 3x faster.)
export const RELEVANT_RE = /\b(?:iommu_\w+|phys_to_virt|__va|__pa|bus_to_virt|virt_to_\w+|sg_set_buf|sg_init_one|phys_to_page|pfn_to_\w+|page_address|page_to_virt|kmap\w*|dma_\w+|dmam_\w+|pci_(?:un)?map_\w+|pci_\w*alloc_consistent|(?:pci|pcim|of|devm_of|fwnode)_iomap\w*|sg_dma_address|page_pool_get_dma_addr\w*|qm_(?:fd|sg)_addr\w*|qm_sg_entry_get64|dpaa2_(?:fd|sg|fl)_get_addr|xsk_buff_\w+_dma|remap_pfn_range|v[mz]alloc\w*|kv[mzc]alloc\w*|vmap|virt_addr_valid)\b|ioremap|memremap\b/;

const relevance = new WeakMap<FnInfo, boolean>();

function isRelevant(f: FileFacts, fn: FnInfo, helpers: RegExp | null): boolean {
  let base = relevance.get(fn);
  if (base === undefined) {
    base = RELEVANT_RE.test(f.text.slice(fn.start, fn.end));
    relevance.set(fn, base);
  }
  return base || (helpers !== null && helpers.test(f.text.slice(fn.start, fn.end)));
}

/** The summaries a set of per-file results defines (what the learning rounds collect). */
function summariesOf(results: Map<string, FnResult[]>, files: Map<string, FileFacts>): Map<string, { path: string; dir: string; summary: Summary }[]> {
  const next = new Map<string, { path: string; dir: string; summary: Summary }[]>();
  for (const [path, rs] of results) {
    const dir = files.get(path)?.dir ?? '';
    addSummaries(next, rs, path, dir);
  }
  return next;
}

/** The summaries of a file's functions that return something (what the learning rounds collect). */
function addSummaries(into: Map<string, { path: string; dir: string; summary: Summary }[]>, rs: FnResult[], path: string, dir: string): void {
  for (const r of rs) {
    if (r.returns.length === 0 || answeredByApi(r.name)) continue;
    const list = into.get(r.name) ?? [];
    list.push({ path, dir, summary: { returns: r.returns.map((x) => x.val) } });
    into.set(r.name, list);
  }
}

/** Facts of a file that other files of its driver see: struct field sources and types, domain ownership. */
function sameDriverFacts(a: FileFacts, b: FileFacts): boolean {
  if (a.dir !== b.dir || a.ownsDomain !== b.ownsDomain || a.usesDmaApi !== b.usesDmaApi) return false;
  if (a.dmaFields.size !== b.dmaFields.size || [...a.dmaFields].some((x) => !b.dmaFields.has(x))) return false;
  // (With the line of a known source: a caller's finding names it as a related location.)
  // (So does a value whose declaration makes it a DMA address, or may: another field's.)
  const key = (f: FileFacts) =>
    f.fieldSources
      .map((x) => {
        const { viaIdent, viaField } = valueOf(x);
        const dmaVar = viaIdent !== undefined && variableKind(f, x, viaIdent) !== null;
        return `${x.variable ? (structAt(f, x) ?? '') : '.'}:${x.base}.${x.field}=${x.src ?? viaField ?? viaIdent ?? (x.viaCall ? `${x.viaCall}()` : '')}${x.src || viaField || dmaVar || x.viaCall ? `@${x.loc.line}:${x.loc.column}` : ''}`;
      })
      .sort()
      .join('\n');
  // (And what its allocation wrappers return: a field given one's result holds that — wrapperKind().)
  return key(a) === key(b) && wrappers(a) === wrappers(b);
}

/** A file's allocation wrappers and what each returns (returnedSource()), as one string; once per file's facts (an edit compares the new facts with the old, whose string is kept). */
function wrappers(f: FileFacts): string {
  let w = wrappersCache.get(f);
  if (w === undefined) {
    w = !f.text.includes('return')
      ? ''
      : unitsOf(f)
          .filter((u) => u.kind === 'fn' && u.name !== null)
          .map((u) => {
            const k = returnedSource(f.text.slice(u.open + 1, u.close));
            return k ? `${u.name}=${k}` : '';
          })
          .filter(Boolean)
          .join(',');
    wrappersCache.set(f, w);
  }
  return w;
}

const wrappersCache = new WeakMap<FileFacts, string>();

interface DirState {
  /** signature() of `summaries`, to see whether an edit changed any. */
  sig: string;
  /** The same, per helper name (what a caller's cached result depends on). */
  sigs: Map<string, string>;
  summaries: Map<string, { path: string; dir: string; summary: Summary }[]>;
  helperRe: RegExp | null;
  /** Per-file results of the last round, valid when that round was a fixpoint. */
  results: Map<string, FnResult[]>;
}

/** A compact, order-independent fingerprint of each name's summaries. */
function signatures(m: Map<string, { path: string; summary: Summary }[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, list] of m) {
    const parts = list.map(
      (s) =>
        `${s.path}:` +
        s.summary.returns.map((v) => `${v.src}/${v.param ?? ''}/${v.key}/${v.zeroAt ? 'z' : ''}${v.nonZeroAfter ?? ''}/${v.nullGuardAfter ?? ''}/${v.arithAt ?? ''}/${v.steps.map((x) => `${x.word}@${x.loc.line}:${x.loc.column}`).join(',')}`).join(';'),
    );
    out.set(name, parts.sort().join('\n'));
  }
  return out;
}

/** All summaries' fingerprint, to detect the fixpoint. */
function joinSignatures(sigs: Map<string, string>): string {
  return [...sigs].map(([name, sig]) => `${name}@${sig}`).sort().join('\n');
}

/** A fingerprint of all summaries (see signatures). */
function signature(m: Map<string, { path: string; summary: Summary }[]>): string {
  return joinSignatures(signatures(m));
}

const callees = new WeakMap<FnInfo, string[]>();

/** Names a function calls (text-level: every `name(`), sorted and unique. */
function calleesOf(f: FileFacts, fn: FnInfo): string[] {
  let list = callees.get(fn);
  if (!list) {
    list = [...calledNames(f.text.slice(fn.start, fn.end))].sort();
    callees.set(fn, list);
  }
  return list;
}
