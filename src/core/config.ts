// SPDX-License-Identifier: MIT
// `.iova-lens.json` (SPEC §1.3): parsed and validated here so the CLI and the
// editor reject the same mistakes with the same one-line message.
import { Minimatch } from 'minimatch';
import type { RuleId, RuleSetting } from './types';

export interface Config {
  rules: Partial<Record<RuleId, RuleSetting>>;
  include: string[];
  exclude: string[];
  ownsTranslation: string[];
}

/**
 * Code that owns the translation: IOMMU drivers, dma-iommu and iommufd, the
 * DMA core, arch mm, VFIO (SPEC §1.1); plus the AGP GART drivers (the GART is
 * the chipset's own translation table, programmed by CPU physical address),
 * Xen's grant/swiotlb-xen code (the DMA layer of Xen guests) and the s390
 * channel subsystem drivers (channel I/O takes absolute addresses by design);
 * the arch DMA-API implementations outside arch/x/mm (parisc's pci-dma.c
 * frees __va(dma_handle) it made with virt_to_phys) and ALSA's buffer
 * allocator (it knows which buffer types record a physical address).
 */
export const DEFAULT_OWNS_TRANSLATION = [
  'drivers/iommu/**',
  'kernel/dma/**',
  'arch/*/mm/**',
  'drivers/vfio/**',
  'drivers/char/agp/**',
  'drivers/xen/**',
  'drivers/s390/**',
  'arch/*/kernel/**/*dma*',
  'arch/*/kernel/**/*iommu*',
  'sound/core/memalloc.c',
];

export const DEFAULT_CONFIG: Config = {
  rules: {},
  include: [],
  exclude: [],
  ownsTranslation: DEFAULT_OWNS_TRANSLATION,
};

export class ConfigError extends Error {}

const SETTINGS = new Set(['off', 'info', 'warning', 'error']);
const KEYS = new Set(['rules', 'include', 'exclude', 'ownsTranslation', '$schema']);

function stringArray(v: unknown, key: string, where: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ConfigError(`${where}: "${key}" must be an array of glob strings`);
  }
  const why = globsProblem(v as string[]);
  if (why) throw new ConfigError(`${where}: "${key}": ${why}`);
  return v as string[];
}

/** Globs a list may hold, and how long each may be: paths are matched against every one of them. */
export const MAX_GLOBS = 1000;
const MAX_GLOB_CHARS = 500;
const MAX_GLOB_STARS = 16;

/**
 * Why a list of globs cannot be used, in a few words, or undefined. Globs
 * compile to regular expressions that every path of a tree is matched
 * against: a brace range ({1..9999999999}) expands into billions of
 * alternatives, a glob of many `*` backtracks in cubic time, and thousands
 * of globs make a regular expression V8 refuses — each hung or crashed a
 * scan and the language server. An unbalanced [ or { matches only itself,
 * which is never what was meant.
 */
export function globsProblem(globs: readonly string[]): string | undefined {
  if (globs.length > MAX_GLOBS) return `${globs.length} globs; at most ${MAX_GLOBS}`;
  for (const g of globs) {
    const shown = g.length > 40 ? `${JSON.stringify(g.slice(0, 40))}…` : JSON.stringify(g);
    if (g.length > MAX_GLOB_CHARS) return `glob ${shown} is ${g.length} characters long; at most ${MAX_GLOB_CHARS}`;
    if (/\{[^{}]*\.\.[^{}]*\}/.test(g)) return `glob ${shown}: brace ranges ({1..9}) are not supported; list the names`;
    if ((g.match(/\*+/g) ?? []).length > MAX_GLOB_STARS) return `glob ${shown} has more than ${MAX_GLOB_STARS} wildcards`;
    if (unbalanced(g, '[', ']') || unbalanced(g, '{', '}')) return `glob ${shown} has an unbalanced [ or {`;
  }
  return undefined;
}

function unbalanced(g: string, open: string, close: string): boolean {
  let depth = 0;
  for (let i = 0; i < g.length; i++) {
    if (g[i] === '\\') i++;
    else if (g[i] === open) depth++;
    else if (g[i] === close && --depth < 0) return true;
  }
  return depth !== 0;
}

/**
 * Parses and validates a config object. `knownRules` guards against typos in
 * rule ids; `where` names the file in error messages.
 */
export function parseConfig(text: string, where: string, knownRules: readonly string[]): Config {
  // Editors on Windows save JSON with a byte-order mark; JSON.parse rejects it (and would name an invisible character).
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${where}: invalid JSON${jsonErrorDetail(text, (e as Error).message)}`);
  }
  return validateConfig(raw, where, knownRules);
}

/**
 * JSON.parse's message as one line, with the line and column when it gives a
 * position (its messages differ between Node versions, and some quote the
 * source, newlines and all), and a hint when the file has comments (a JSONC
 * habit from tsconfig.json and VS Code settings).
 */
function jsonErrorDetail(text: string, message: string): string {
  const pos = /at position (\d+)/.exec(message);
  let where = '';
  if (pos) {
    const before = text.slice(0, Number(pos[1]));
    const line = before.split('\n').length;
    where = ` at line ${line}, column ${before.length - before.lastIndexOf('\n')}`;
  }
  const what = message.replace(/\s*in JSON at position \d+.*$/s, '').replace(/\s+/g, ' ').trim();
  const comments = /^\s*(?:\/\/|\/\*)/m.test(text) ? '; comments are not allowed in JSON' : '';
  return `${where} (${what}${comments})`;
}

export function validateConfig(raw: unknown, where: string, knownRules: readonly string[]): Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${where}: the config must be a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!KEYS.has(k)) throw new ConfigError(`${where}: unknown key "${k}"`);
  }
  const cfg: Config = { ...DEFAULT_CONFIG, rules: {} };
  if (obj.rules !== undefined) {
    if (typeof obj.rules !== 'object' || obj.rules === null || Array.isArray(obj.rules)) {
      throw new ConfigError(`${where}: "rules" must be an object of rule id → off|info|warning|error`);
    }
    for (const [id, sev] of Object.entries(obj.rules as Record<string, unknown>)) {
      if (!knownRules.includes(id)) throw new ConfigError(`${where}: unknown rule "rules.${id}"`);
      if (typeof sev !== 'string' || !SETTINGS.has(sev)) {
        throw new ConfigError(`${where}: "rules.${id}" must be one of off, info, warning, error`);
      }
      cfg.rules[id as RuleId] = sev as RuleSetting;
    }
  }
  if (obj.include !== undefined) cfg.include = stringArray(obj.include, 'include', where);
  if (obj.exclude !== undefined) cfg.exclude = stringArray(obj.exclude, 'exclude', where);
  if (obj.ownsTranslation !== undefined) cfg.ownsTranslation = stringArray(obj.ownsTranslation, 'ownsTranslation', where);
  return cfg;
}

const compiled = new WeakMap<readonly string[], (path: string) => boolean>();

/**
 * Globs are compiled once, each list into one regular expression (minimatch's
 * own translation): a whole-tree scan matches every path against them.
 */
function matchAny(path: string, globs: readonly string[]): boolean {
  let test = compiled.get(globs);
  if (!test) {
    const ms = globs.map((g) => new Minimatch(g, { dot: true }));
    const res = ms.map((m) => m.makeRe());
    let re: RegExp | null | undefined;
    if (res.every((r): r is RegExp => r instanceof RegExp) && res.every((r) => r.flags === (res[0]?.flags ?? ''))) {
      try {
        re = res.length ? new RegExp(res.map((r) => `(?:${r.source})`).join('|'), res[0].flags) : null;
      } catch {
        re = undefined; // (too large for one expression: each glob alone)
      }
    }
    if (re !== undefined) test = (p) => re !== null && re.test(p);
    else {
      test = (p) => ms.some((m) => m.match(p));
    }
    compiled.set(globs, test);
  }
  return test(path);
}

/** Whether a root-relative path is analysed at all (include/exclude). */
export function isIncluded(cfg: Config, path: string): boolean {
  if (cfg.include.length > 0 && !matchAny(path, cfg.include)) return false;
  return !matchAny(path, cfg.exclude);
}

/** Whether a root-relative path belongs to code that owns the translation (always silent). */
export function ownsTranslation(cfg: Config, path: string): boolean {
  return matchAny(path, cfg.ownsTranslation);
}
