// SPDX-License-Identifier: MIT
// Which functions of a driver folder a whole-tree scan parses (skim.ts skips
// the rest). A finding sits where a translation API is named, or in a caller
// of a helper whose summary carries a translation (or an unchecked IOMMU
// lookup) — see Project.translatingHelpers(). So the scan starts with the
// functions that name a translation API and what they call that can give an
// address its kind (a helper returning dma_map_single()'s handle, a vmalloc
// wrapper; not one declared void, which returns nothing), learns the
// folder's summaries, then adds the callers of the helpers that turned out
// to translate, and so on until nothing is added.
// Most callers of most translating code never need a parse: the probe
// routine that calls a function calling virt_to_page() is not parsed unless
// that function returns what it translated.
import { RELEVANT_RE } from './project';
import { DEFINE, type Unit } from './skim';
import { calledNames, callsTo } from './calls';

/** Names whose presence in a body makes it a place a finding can be reported (a translation step). */
export const TRANSLATE_RE = /\b(?:iommu_iova_to_phys|phys_to_virt|__va|bus_to_virt|phys_to_page|pfn_to_page|pfn_to_kaddr|virt_to_page|virt_to_head_page|virt_to_phys|__pa|__pa_symbol|virt_addr_valid|virt_to_bus|virt_to_pfn|remap_pfn_range)\b/;

/**
 * sg_set_buf()/sg_init_one() translate too (virt_to_page() of the buffer), but
 * crypto and network code calls them in hundreds of functions on kmalloc()
 * buffers: such a function is parsed only when it also allocates memory
 * outside the linear map itself (intel_th's msu.c, mthca, libsrp).
 */
export const SG_BUF_RE = /\b(?:sg_set_buf|sg_init_one)\b/;
export const NON_LINEAR_ALLOC_RE = /\b(?:dma_alloc_\w+|dmam_alloc_\w+|dma_zalloc_coherent|pci_z?alloc_consistent|dma_pool_z?alloc|v[mz]alloc\w*|kv[mzc]alloc\w*|vmap)\b|ioremap|memremap\b/;

/**
 * Whether a body names a translation step (see SG_BUF_RE for the scatterlist
 * ones; `sg`: its file names sg_set_buf/sg_init_one at all — most do not, and
 * their bodies are not searched again for them).
 */
export function translates(body: string, sg = true): boolean {
  return TRANSLATE_RE.test(body) || (sg && SG_BUF_RE.test(body) && NON_LINEAR_ALLOC_RE.test(body));
}


/** A signature that returns a DMA address (`static dma_addr_t mvpp2_rxdesc_dma_addr_get(…)`). */
const DMA_ADDR_T = /\bdma_addr_t\s+[A-Za-z_]\w*\s*$/;

interface Def {
  body: string;
  /** A function declared void: it returns nothing, so it is never a source for a caller. */
  returnsVoid: boolean;
  /** Declared to return a dma_addr_t: a source of a DMA address whatever its body names (a descriptor field's getter). */
  returnsDma?: boolean;
  /** What the body calls; worked out when first needed (most definitions never are). */
  calls?: Set<string>;
}

export class KeepPlan {
  /** Per name (functions and function-like macros; a name may be defined more than once). */
  private readonly defs = new Map<string, Def[]>();
  /** Per name: whether it names a DMA, allocation or mapping API, or calls (transitively) one that does — a possible source. */
  private readonly source = new Map<string, boolean>();
  readonly kept = new Set<string>();

  constructor(files: { text: string; units: Unit[] }[]) {
    const roots: string[] = [];
    let sg = false;
    const add = (name: string, body: string, returnsVoid = false, returnsDma = false) => {
      const def = returnsDma ? { body, returnsVoid, returnsDma } : { body, returnsVoid };
      const list = this.defs.get(name);
      if (list) list.push(def);
      else this.defs.set(name, [def]);
      if (translates(body, sg)) roots.push(name);
    };
    for (const { text, units } of files) {
      sg = text.includes('sg_set_buf') || text.includes('sg_init_one');
      for (const u of units) {
        if (u.kind === 'define' && u.name) add(u.name, text.slice(u.start, u.end));
        if (u.kind === 'fn' && u.name) add(u.name, text.slice(u.open + 1, u.close), u.returnsVoid, DMA_ADDR_T.test(text.slice(u.start, text.indexOf('(', u.start))));
        // Macros defined inside a function body, which are not units of their own.
        if (u.directive && u.kind !== 'pp') for (const m of text.slice(u.start, u.end).matchAll(DEFINE)) add(m[1], m[0]);
      }
    }
    this.keepWithSources(roots);
  }

  /** Whether a definition is parsed: its name is kept (every named one that translates is), or, unnamed, it translates. */
  readonly keep = (name: string | null, body: string): boolean => (name !== null ? this.kept.has(name) : translates(body));

  /**
   * Keeps the functions that call one of `helpers` (the folder's translating
   * helpers, once its summaries are learned) and the sources they call.
   * Returns the names newly kept.
   */
  grow(helpers: ReadonlySet<string>): string[] {
    if (helpers.size === 0) return [];
    const re = callsTo(helpers);
    const added: string[] = [];
    for (const [name, list] of this.defs) if (!this.kept.has(name) && list.some((d) => re.test(d.body))) added.push(name);
    return this.keepWithSources(added);
  }

  private callsOf(d: Def): Set<string> {
    d.calls ??= calledNames(d.body);
    return d.calls;
  }

  /** Some definition of the name may return a value (a macro always may). */
  private returnsSomething(name: string): boolean {
    return (this.defs.get(name) ?? []).some((d) => !d.returnsVoid);
  }

  /**
   * Whether a source is reachable from `name` through calls (a depth-first
   * search, each definition visited once). A "no" holds for everything the
   * search visited; a "yes" is remembered for the name asked about.
   */
  private isSource(name: string): boolean {
    const known = this.source.get(name);
    if (known !== undefined) return known;
    // Iterative: generated code can chain thousands of calls.
    const seen = new Set<string>([name]);
    const stack = [name];
    let yes = false;
    while (stack.length && !yes) {
      const n = stack.pop()!;
      const k = this.source.get(n);
      if (k !== undefined) {
        yes = k;
        continue;
      }
      const list = this.defs.get(n) ?? [];
      if (list.some((d) => d.returnsDma || RELEVANT_RE.test(d.body))) {
        this.source.set(n, true);
        yes = true;
        continue;
      }
      for (const d of list) {
        for (const c of this.callsOf(d)) {
          if (!seen.has(c) && this.defs.has(c)) {
            seen.add(c);
            stack.push(c);
          }
        }
      }
    }
    if (yes) this.source.set(name, true);
    else for (const n of seen) this.source.set(n, false);
    return yes;
  }

  /** Keeps `names` and, transitively, the sources they call; returns what was not kept before. */
  private keepWithSources(names: string[]): string[] {
    const added: string[] = [];
    const work: string[] = [];
    const take = (n: string) => {
      if (this.kept.has(n)) return;
      this.kept.add(n);
      added.push(n);
      work.push(n);
    };
    names.forEach(take);
    while (work.length) {
      for (const d of this.defs.get(work.pop()!) ?? []) for (const c of this.callsOf(d)) if (!this.kept.has(c) && this.returnsSomething(c) && this.isSource(c)) take(c);
    }
    return added;
  }
}
