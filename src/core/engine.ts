// SPDX-License-Identifier: MIT
// Runs the rules over a project and turns their raw findings into the
// Finding contract: severity from config, owners of the translation silenced,
// suppressions applied (and unused ones reported), sorted, de-duplicated.
import type { CParser } from './parse/parser';
import { Project, blankAnnotations, extractFacts, ownsDomainIn, wrapperDefsIn, type ExtractOptions, type WrapperDef } from './analysis/project';
import { fieldAllocsInText, type LineFieldAlloc } from './analysis/field-lines';
import { KeepPlan, NON_LINEAR_ALLOC_RE, SG_BUF_RE } from './analysis/keep';
import { topLevel, type Unit } from './analysis/skim';
import { callsTo } from './analysis/calls';
import { RULES, RULE_IDS } from './rules/index';
import { DEFAULT_CONFIG, isIncluded, ownsTranslation, type Config } from './config';
import { findSuppressions } from './suppress';
import { capPerFile, limitNotice, MAX_FINDINGS_PER_FILE } from './limits';
import { lfForLoneCr } from './lines';
import type { Concern, Finding, Related, RuleId, Severity } from './types';

const DOCS_BASE = 'https://github.com/iova-lens/iova-lens/blob/main/src/core/rules/';

const KNOWN_RULES = new Set(RULE_IDS);

export function docUrl(rule: string): string {
  return `${DOCS_BASE}${rule}.md`;
}

export function compareFindings(a: Finding, b: Finding): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

function severityFor(cfg: Config, rule: RuleId, def: Severity): Severity | 'off' {
  return cfg.rules[rule] ?? def;
}

/** The order in which a line's other concerns are added to a finding's own. */
const CONCERN_ORDER: readonly Concern[] = ['a', 'b', 'c', 'zero', 'after-unmap'];

/**
 * SPEC §1.1: "A finding's `concerns` lists every concern its line shows" —
 * the rules report each at its own line, and a line where several rules
 * fire (`phys = iommu_iova_to_phys(dom, buf)` after the unmap: a, c, zero,
 * after-unmap) shows them all in every finding on it. The message ends with
 * the rule's own (`[a, c]`), as before.
 */
function withLineConcerns(findings: Finding[]): void {
  const byLine = new Map<string, Set<Concern>>();
  for (const f of findings) {
    const k = `${f.path}\0${f.line}`;
    const set = byLine.get(k) ?? new Set<Concern>();
    for (const c of f.concerns) set.add(c);
    byLine.set(k, set);
  }
  for (const f of findings) {
    const set = byLine.get(`${f.path}\0${f.line}`)!;
    // The message ends with its own rule's concerns: a baseline and SARIF fingerprints key on the
    // message, which must not change when another rule is turned off or fixed on the same line.
    f.message = `${f.message} [${f.concerns.join(', ')}]`;
    // (Its own first, as its rule gives them.)
    f.concerns = [...f.concerns, ...CONCERN_ORDER.filter((c) => set.has(c) && !f.concerns.includes(c))];
  }
}

// Tier 1: conversions that rebuild a CPU address — always worth a parse.
const REVERSE_RE = /\b(?:iommu_iova_to_phys|phys_to_virt|__va|bus_to_virt|phys_to_page|pfn_to_page|pfn_to_kaddr|remap_pfn_range)\b/;
// Tier 2: linear-map conversions matter only next to memory that may not be
// linear-mapped, or next to something written to the device.
const LINEAR_RE = /\b(?:virt_to_page|virt_to_head_page|virt_to_phys|__pa|virt_addr_valid|virt_to_bus|virt_to_pfn)\b/;
// (`ioremap`, `iomap`, `memremap\b`, `write[lq]`: any identifier containing them; outside \b…\b for speed.)
// (The allocations outside the linear map, as keep.ts has them, or a write to the device.)
const NON_LINEAR_RE = new RegExp(`${NON_LINEAR_ALLOC_RE.source}|\\b(?:cpu_to_[lb]e(?:32|64)|iowrite(?:32|64)\\w*|out_[bl]e(?:32|64)|regmap_write)\\b|iomap|write[lq]`);

/**
 * Cheap text test: can this file matter at all? (API names, or the name of a
 * helper learned elsewhere — or a suppression comment: one whose finding went
 * away with the code around it must still be reported, so it does not rot.)
 */
export function mayMatter(text: string, helperNames?: ReadonlySet<string>): boolean {
  if (REVERSE_RE.test(text) || text.includes('iova-lens-ignore')) return true;
  if (LINEAR_RE.test(text) && NON_LINEAR_RE.test(text)) return true;
  // `fdma->dma = virt_to_phys(buf)`: a CPU physical address kept where the driver keeps the DMA
  // addresses it programs (a dma_addr_t field, usb_request.dma) is a write to the device of its own.
  if (PHYS_FIELD_STORE_RE.test(text) && (DMA_ADDR_T_RE.test(text) || text.includes('usb_request'))) return true;
  // (sg_set_buf()/sg_init_one() matter only in a function that allocates outside the linear map: keep.ts.)
  if (SG_BUF_RE.test(text) && NON_LINEAR_ALLOC_RE.test(text) && sgNearAlloc(text)) return true;
  if (helperNames && helperNames.size) return callsRe(helperNames).test(text);
  return false;
}

/** A sg_set_buf()/sg_init_one() call with an allocation outside the linear map close enough to share its function. */
function sgNearAlloc(text: string): boolean {
  for (const m of text.matchAll(SG_BUF_ALL)) {
    if (NON_LINEAR_ALLOC_RE.test(text.slice(Math.max(0, m.index - SG_REACH), m.index + SG_REACH))) return true;
  }
  return false;
}

const SG_BUF_ALL = new RegExp(SG_BUF_RE.source, 'g');
/** Characters either side of the call (most kernel functions are shorter; a longer one is left out). */
const SG_REACH = 4000;

/**
 * A header that declares dma_addr_t members (`struct acme_ring { dma_addr_t
 * desc_dma; … }` in acme.h): the folder's other files learn from it which
 * fields hold DMA addresses — drivers declare their structs in headers that
 * name no translation API. Read for its struct declarations only
 * (Checker.setDeclarations), by the scan, the editor and patch mode alike.
 */
export function declaresDmaFields(path: string, text: string): boolean {
  return path.endsWith('.h') && text.length <= MAX_DECLARATIONS_CHARS && DMA_ADDR_T_RE.test(text);
}

const DMA_ADDR_T_RE = /\bdma_addr_t\b/;
/** A field given virt_to_phys()/__pa() of something, casts aside (dma-addr-as-phys's dma_addr_t field store). */
const PHYS_FIELD_STORE_RE = /(?:->|\.)\s*\w+\s*=\s*(?:\([^()]*\)\s*)?(?:virt_to_phys|__pa)\s*\(/;
/** Larger headers are generated register maps, not a driver's structs. */
export const MAX_DECLARATIONS_CHARS = 512 * 1024;

const callRes = new WeakMap<ReadonlySet<string>, RegExp>();

/** callsTo(names), built once per set. */
function callsRe(names: ReadonlySet<string>): RegExp {
  let re = callRes.get(names);
  if (!re) {
    re = callsTo(names);
    callRes.set(names, re);
  }
  return re;
}

export class Checker {
  readonly project = new Project();
  /** Findings per file before the rest become one summary line (limits.ts); Infinity for none. */
  maxFindingsPerFile = MAX_FINDINGS_PER_FILE;
  /** Internal errors of the last check() (a rule that threw); the CLI and server report them. */
  errors: string[] = [];

  constructor(
    private readonly parser: CParser,
    public config: Config = DEFAULT_CONFIG,
  ) {}

  /** Adds or replaces a file; a replaced file is reparsed incrementally from its previous tree. */
  setFile(path: string, raw: string, opts?: ExtractOptions): void {
    const text = lfForLoneCr(raw);
    const prev = this.project.files.get(path);
    // (Not when only part of it was parsed — a header read for its declarations that turns out to
    // call a translating helper is parsed whole now.)
    if (prev && prev.text === text && !opts && prev.parsedText !== undefined) return;
    this.project.add(extractFacts(this.parser, path, text, prev, opts));
  }

  /** A header for its dma_addr_t struct members only (declaresDmaFields): nothing else of it is parsed. */
  setDeclarations(path: string, raw: string): void {
    const whole = lfForLoneCr(raw);
    const text = blankAnnotations(whole);
    this.setFile(path, whole, { keep: () => false, blanked: { text, units: topLevel(text) } });
  }

  /**
   * Whole-tree scans: adds a driver folder's candidate files, parsing only
   * what can matter (keep.ts, skim.ts) — first the translating code and its
   * sources, then, round by round, the callers of the helpers that turned out
   * to translate, until no round adds one. Returns the folder's translating
   * helpers (for the caller's pass over the files that name no API).
   */
  setSkimmed(files: { key: string; text: string }[]): Set<string> {
    const plans = files.map((c) => {
      const whole = lfForLoneCr(c.text);
      const text = blankAnnotations(whole);
      return { key: c.key, text: whole, blanked: { text, units: topLevel(text) } };
    });
    const plan = new KeepPlan(plans.map((c) => c.blanked));
    for (const c of plans) this.setFile(c.key, c.text, { keep: plan.keep, blanked: c.blanked });
    for (;;) {
      const helpers = this.helperNames();
      const added = new Set(plan.grow(helpers));
      if (added.size === 0) return helpers;
      for (const c of plans) {
        if (c.blanked.units.some((u) => u.name !== null && added.has(u.name))) this.setFile(c.key, c.text, { keep: plan.keep, blanked: c.blanked });
      }
    }
  }

  /**
   * Adds, of `files`, those that name no API but call one of the translating
   * helpers — again while one so added makes a helper of its own translate
   * (use → helper0 in f0.c → helper1 in f1.c → the lookup in f2.c). Returns
   * the translating helpers then known. (The CLI's scan does the same on raw
   * bytes it reads lazily: scan-group.ts.)
   */
  addHelperCallers(files: { key: string; text: string }[]): Set<string> {
    let helpers = this.helperNames();
    // (Files parsed whole already are done; a skimmed one — a header read for its declarations — is not.)
    for (let rest = files.filter((f) => this.project.files.get(f.key)?.parsedText === undefined); helpers.size && rest.length; ) {
      const next = rest.filter((f) => !mayMatter(f.text, helpers));
      for (const f of rest) if (!next.includes(f)) this.setFile(f.key, f.text);
      if (next.length === rest.length) break;
      const grown = this.helperNames();
      if (grown.size === helpers.size) break;
      helpers = grown;
      rest = next;
    }
    return helpers;
  }

  /** setSkimmed() without skimming: every file parsed whole (the editor's way). */
  setWhole(files: { key: string; text: string }[]): Set<string> {
    for (const c of files) this.setFile(c.key, c.text);
    return this.helperNames();
  }

  removeFile(path: string): void {
    this.project.remove(path);
  }

  /** A file not analysed itself, for the field allocations its lines make (field-lines.ts); [] forgets them. */
  setExternalFields(path: string, allocs: readonly LineFieldAlloc[]): void {
    this.project.setExternalFields(path, allocs);
  }

  /** A file not analysed allocates an IOMMU domain (Project.setExternalOwner). */
  setExternalOwner(path: string, owns: boolean): void {
    this.project.setExternalOwner(path, owns);
  }

  /** What a file that is not analysed tells the analysis (the editor and patch mode hold its text): field allocations, domain ownership, allocation wrappers. */
  setOtherFile(path: string, text: string): void {
    this.project.setExternalFields(path, fieldAllocsInText(text));
    this.project.setExternalOwner(path, ownsDomainIn(text));
    this.project.setExternalWrappers(path, wrapperDefsIn(text));
  }

  /** Allocation wrappers a file not analysed defines (Project.setExternalWrappers; wrapperDefsIn() reads them). */
  setExternalWrappers(path: string, defs: Readonly<Record<string, WrapperDef>>): void {
    this.project.setExternalWrappers(path, defs);
  }

  hasFile(path: string): boolean {
    return this.project.files.has(path);
  }

  /**
   * Names of the project's helpers (functions and macros) whose summaries
   * matter at a call site — they return an IOMMU lookup, an identity
   * fallback or an address rebuilt through the linear map — for the second
   * prefilter pass over files that name no kernel API themselves.
   */
  helperNames(): Set<string> {
    return this.project.translatingHelpers();
  }

  /** Findings for the given files (default: all), using every file of the project for summaries. */
  check(paths?: Iterable<string>): Finding[] {
    const cfg = this.config;
    const report = new Set(paths ?? this.project.files.keys());
    // Only the reported files' driver folders: the analysis is folder-local.
    const dirs = new Set([...report].map((p) => this.project.files.get(p)?.dir).filter((d): d is string => d !== undefined));
    const results = this.project.run(this.project.filesIn(dirs));
    const out: Finding[] = [];
    const seen = new Set<string>();
    this.errors = [];
    for (const rule of RULES) {
      const sev = severityFor(cfg, rule.meta.id, rule.meta.defaultSeverity);
      if (sev === 'off') continue;
      let raws;
      try {
        raws = rule.check({ results });
      } catch (e) {
        // One broken rule must not take the others down; the host logs this.
        this.errors.push(`rule ${rule.meta.id} failed: ${(e as Error).stack ?? String(e)}`);
        continue;
      }
      for (const raw of raws) {
        const path = raw.loc.path;
        if (!report.has(path) || ownsTranslation(cfg, path) || !isIncluded(cfg, path)) continue;
        const key = `${rule.meta.id}@${path}:${raw.loc.line}:${raw.loc.column}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const related: Related[] = raw.related.map((r) => ({ path: r.loc.path, line: r.loc.line, column: r.loc.column, message: r.message }));
        out.push({
          path,
          line: raw.loc.line,
          column: raw.loc.column,
          endLine: raw.loc.endLine,
          endColumn: raw.loc.endColumn,
          rule: rule.meta.id,
          severity: sev,
          concerns: raw.concerns,
          function: raw.fn,
          message: raw.message,
          chain: raw.chain,
          related,
          // (The editor's: the CLI's formats list their fields and leave it out, SPEC §1.4.)
          ...(raw.guard ? { guard: raw.guard } : {}),
        });
      }
    }
    withLineConcerns(out);
    const limitSev = severityFor(cfg, 'analysis-limit', 'info');
    if (limitSev !== 'off') {
      for (const path of report) {
        const limit = this.project.files.get(path)?.limited;
        if (limit && !ownsTranslation(cfg, path) && isIncluded(cfg, path)) out.push(limitNotice(path, limit, limitSev));
      }
    }
    return capPerFile(this.applySuppressions(out, report).sort(compareFindings), this.maxFindingsPerFile, limitSev);
  }

  private applySuppressions(findings: Finding[], report: Set<string>): Finding[] {
    const out: Finding[] = [];
    const unusedSev = severityFor(this.config, 'unused-suppression', 'info');
    const byPath = new Map<string, Finding[]>();
    for (const f of findings) {
      const list = byPath.get(f.path);
      if (list) list.push(f);
      else byPath.set(f.path, [f]);
    }
    for (const path of report) {
      const file = this.project.files.get(path);
      const list = byPath.get(path) ?? [];
      const sups = file ? findSuppressions(file.text) : [];
      const used = new Set<number>();
      for (const f of list) {
        const i = sups.findIndex((s) => s.rule === f.rule && s.target >= f.line && s.target <= f.endLine);
        if (i >= 0 && sups[i].reason) used.add(i);
        else out.push(f);
      }
      // (A file the analysis stopped short in — a line over its limit, a parse too long — was not
      // checked, so "no finding on the line after it" would be a guess: its analysis-limit notice says so.)
      if (unusedSev === 'off' || ownsTranslation(this.config, path) || file?.limited) continue;
      let units: Unit[] | undefined;
      sups.forEach((s, i) => {
        if (used.has(i)) return;
        // A rule the config turns off has no findings to match: its suppressions are kept for when it
        // is turned back on, not reported as stale on every line.
        if (this.config.rules[s.rule as RuleId] === 'off' && s.reason) return;
        // The enclosing function as the lexer sees it (the same parsed whole or skimmed).
        units ??= topLevel(file!.text);
        const fn = units.find((u) => u.kind === 'fn' && u.open < s.index && s.index < u.close)?.name ?? null;
        // (No line number in the message: a baseline and SARIF fingerprints key on it, and must survive moved code.)
        const why = !s.rule
          ? 'names no rule (iova-lens-ignore <rule>: <reason>)'
          : !s.reason
          ? 'needs a reason after the rule id and a colon (iova-lens-ignore <rule>: <reason>)'
          : !KNOWN_RULES.has(s.rule)
            ? `unknown rule ${s.rule} (\`iova-lens rules\` lists them)`
            : `no ${s.rule} finding on ${s.target === s.line ? 'its line' : 'the line after it'}`;
        out.push({
          path,
          line: s.line,
          column: s.column,
          endLine: s.line,
          endColumn: s.endColumn,
          rule: 'unused-suppression',
          severity: unusedSev,
          concerns: [],
          function: fn,
          message: `unused suppression: ${why}`,
          chain: [],
          related: [],
        });
      });
    }
    return out;
  }
}
