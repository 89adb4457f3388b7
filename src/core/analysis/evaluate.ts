// SPDX-License-Identifier: MIT
// Evaluates one function over the abstract values of model.ts: follows
// addresses through locals, struct fields, casts, arithmetic and ternaries,
// records every translation step as an event, and collects what the function
// returns (its summary). Statements are walked in source order and branches
// are joined, which is what a reviewer does when reading the code.
import type { Node } from 'web-tree-sitter';
import type { FnInfo } from './functions';
import { NON_LINEAR_ALLOC_RE } from './keep';
import { GUARD_RE, HANDLE_OUT_PARAM, KERNEL_MEMBER_STRUCTS, PASS_THROUGH, MMIO_READS, PFN_CONVERT, SG_UNMAPS, SINKS, SOURCES, STEPS, UNMAPS, DEVICE_ORDER } from './api-tables';
import type { ApplyEvent, BranchArm, Event, Loc, LookupEvent, Source, Val } from './model';

export interface Summary {
  /** What the function returns, parameters left symbolic. */
  returns: Val[];
}

export interface FieldFacts {
  /**
   * Known sources of values assigned to `base->field` in this driver, with
   * where — to that field of `struct` through any variable, when the base's
   * struct is known. Empty when the assignments disagree (a field filled from
   * vmalloc() in one place and kmalloc() in another tells us nothing).
   */
  sources(field: string, base: string, struct?: string): { src: Source; loc: Loc }[];
  /**
   * The field is declared dma_addr_t in a struct of this driver — in `struct`
   * itself when the base's struct type is known (a `phys_addr_t addr` of
   * another struct is no DMA address because some descriptor's `addr` is).
   */
  isDmaField(field: string, struct?: string): boolean;
}

export interface EvalEnv {
  path: string;
  fn: FnInfo;
  summary(name: string): Summary | undefined;
  /** What a call of `name` returns, and where, when a file that is not analysed defines it as an allocation wrapper (Project.setExternalWrappers). */
  wrapper?(name: string): { src: Source; loc: Loc } | undefined;
  fields: FieldFacts;
  /** Some file of this driver allocates its own IOMMU domain (an UNMANAGED domain it owns). */
  driverOwnsDomain: boolean;
  /** The file deals in DMA addresses (dma_addr_t, dma_map_*, dma_alloc_*, ALSA's buffer allocators): its device is a DMA master. */
  usesDmaApi?: boolean;
  /** Work left for the file (shared by its functions); see Budget. */
  budget?: Budget;
}

/**
 * The per-file analysis budget, in units of work (one per statement or
 * expression node evaluated, plus the bookkeeping of each translation step).
 * Counting work rather than milliseconds keeps the result the same on every
 * machine and run. When it runs out, the function being evaluated keeps what
 * was learned so far, the file's remaining functions are skipped, and the
 * engine reports one `analysis-limit` notice for the file.
 */
export interface Budget {
  left: number;
}

/** Work units per file: far above any file of Linux 6.12's drivers/ (see test/robustness/budgets.test.ts). */
export const FILE_BUDGET = 2_000_000;
/**
 * Deepest nesting of statements and expressions evaluated; deeper subtrees
 * (a 5000-term macro sum, 1000 nested ifs) are skipped rather than overflow the stack.
 */
export const MAX_DEPTH = 400;

/** Why the analysis of a function stopped early. */
export type Limit = 'budget' | 'depth' | 'shape' | 'parse' | 'macro';

/** Thrown (and caught in run()) when the budget runs out. */
const OUT_OF_BUDGET = Symbol('out of budget');

export interface FnResult {
  name: string;
  path: string;
  isMacro: boolean;
  returns: { val: Val; loc: Loc }[];
  events: Event[];
  /** The file uses the DMA API (see EvalEnv.usesDmaApi). */
  usesDmaApi: boolean;
  /** Set when the evaluation stopped early (budget spent, nesting too deep): the result is partial. */
  limited?: Limit;
}

interface Binding {
  val: Val;
  loc: Loc;
}

const DMA_TYPE = /\bdma_addr_t\b/;
/** The tag of a declared struct or union type (`struct acme_desc *`). */
const STRUCT_TAG = /\b(?:struct|union)\s+([A-Za-z_]\w*)/;
/** Logging and formatting calls: what is printed is not a use of the address. */
const LOGGING = /^(printk|pr_[a-z_]+|dev_(?:dbg|info|notice|warn|err|crit|alert|emerg|printk|err_probe|[a-z]+_ratelimited|[a-z]+_once)|netdev_(?:dbg|info|notice|warn|err|crit|alert|emerg|printk)|netif_(?:dbg|info|notice|warn|err|vdbg)|seq_printf|snprintf|scnprintf|sprintf|trace_[a-z0-9_]+|drm_(?:dbg|info|warn|err|printf)[a-z_]*|DRM_[A-Z_]+)$/;

type VarState = Map<string, Binding[]>;

function cloneState(s: VarState): VarState {
  const out: VarState = new Map();
  for (const [k, v] of s) out.set(k, v.slice());
  return out;
}

/**
 * Values a variable may hold at once. Real code has a handful; repeated or
 * generated loops could otherwise grow the lists with every join (the fuzzer
 * found a 500 KB input that took minutes).
 */
export const MAX_BINDINGS = 32;

/** The state after one of several paths ran: a variable holds what any path left in it. */
const HANDLE_ARG = /\b(?:dma_sync_single(?:_range)?_for_(?:cpu|device)|dma_unmap_(?:single|page)(?:_attrs)?|pci_unmap_(?:single|page)|pci_dma_sync_single_for_(?:cpu|device))\s*\(\s*(?:[^,()]|\([^()]*\))*,\s*([A-Za-z_]\w*)\s*[,)]/g;

/** Identifiers passed as the handle (argument 1) of the DMA API's sync and unmap calls in a function's text. */
function handleArgNames(text: string): Set<string> {
  const out = new Set<string>();
  if (!text.includes('dma_') && !text.includes('pci_')) return out;
  for (const m of text.matchAll(HANDLE_ARG)) out.add(m[1]);
  return out;
}

/**
 * The state key that says a variable may hold NULL (or 0) here: set by an
 * assignment of a null constant, kept through joins (a key any path has is
 * in the join), cleared by the next assignment. (No C expression's text
 * starts with a NUL character.)
 */
const NULLABLE = '\0null:';

/** `NULL`, `0`, `(void *)0`, `((void *)NULL)`. */
function isNullConst(n: Node): boolean {
  let e: Node | null = n;
  for (let i = 0; e && i < 8; i++) {
    if (e.type === 'parenthesized_expression') e = e.namedChildren[0] ?? null;
    else if (e.type === 'cast_expression') e = e.childForFieldName('value');
    else break;
  }
  if (!e) return false;
  return e.type === 'null' || (e.type === 'number_literal' && /^0+[uUlL]*$/.test(e.text)) || (e.type === 'identifier' && e.text === 'NULL');
}

/**
 * What a branch condition says of values tested against 0: the names that
 * are non-zero where it holds (`pa`, `pa != 0`, `a && b`) and where it does
 * not (`!pa`, `pa == 0`, `WARN_ON(!a || !b)`), and every name so tested.
 * Parentheses, likely()/unlikely() and WARN_ON()/WARN() are looked through.
 */
function zeroTests(n: Node, depth = 0): { whenTrue: string[]; whenFalse: string[]; names: string[] } | undefined {
  if (depth > 32) return undefined;
  const e = strip(n);
  switch (e.type) {
    case 'identifier':
    case 'field_expression':
      return { whenTrue: [e.text], whenFalse: [], names: [e.text] };
    case 'unary_expression': {
      const arg = e.childForFieldName('argument');
      const inner = e.childForFieldName('operator')?.text === '!' && arg ? zeroTests(arg, depth + 1) : undefined;
      return inner && { whenTrue: inner.whenFalse, whenFalse: inner.whenTrue, names: inner.names };
    }
    case 'call_expression': {
      const callee = calleeName(e);
      const arg = e.childForFieldName('arguments')?.namedChildren[0];
      return callee && arg && /^(likely|unlikely|WARN_ON|WARN_ON_ONCE|WARN|WARN_ONCE)$/.test(callee) ? zeroTests(arg, depth + 1) : undefined;
    }
    case 'binary_expression': {
      const op = e.childForFieldName('operator')?.text;
      const l = e.childForFieldName('left');
      const r = e.childForFieldName('right');
      if (!l || !r) return undefined;
      if (op === '==' || op === '!=') {
        const x = isNullConst(r) ? zeroTests(l, depth + 1) : isNullConst(l) ? zeroTests(r, depth + 1) : undefined;
        if (!x || x.names.length !== 1 || x.whenTrue.length !== 1) return undefined;
        return op === '!=' ? x : { whenTrue: [], whenFalse: x.whenTrue, names: x.names };
      }
      // An order against 0 is a test for 0 too: `pa > 0` or `pa < 0` true, `pa <= 0` or `pa >= 0`
      // false, leave a value that is not 0, whatever its sign (`0 < pa` is `pa > 0`).
      if (op === '>' || op === '<' || op === '<=' || op === '>=') {
        const x = isNullConst(r) ? zeroTests(l, depth + 1) : isNullConst(l) ? zeroTests(r, depth + 1) : undefined;
        if (!x || x.names.length !== 1 || x.whenTrue.length !== 1) return undefined;
        return op === '>' || op === '<' ? x : { whenTrue: [], whenFalse: x.whenTrue, names: x.names };
      }
      if (op !== '&&' && op !== '||') return undefined;
      const a = zeroTests(l, depth + 1) ?? { whenTrue: [], whenFalse: [], names: [] };
      const b = zeroTests(r, depth + 1) ?? { whenTrue: [], whenFalse: [], names: [] };
      const names = [...a.names, ...b.names];
      if (names.length === 0) return undefined;
      // Both hold after `a && b`; neither after `!(a || b)`.
      return op === '&&' ? { whenTrue: [...a.whenTrue, ...b.whenTrue], whenFalse: [], names } : { whenTrue: [], whenFalse: [...a.whenFalse, ...b.whenFalse], names };
    }
    default:
      return undefined;
  }
}

/**
 * In this state, `names` are known not to be 0: their values no longer carry a
 * lookup's possible 0, and remember the test (after how many of their steps),
 * so the emulator's replay can stop where the code does — when what is tested
 * is the lookup's result itself: not `pa + off` (an offset makes a 0 lookup
 * non-zero) nor `phys_to_virt(pa)` (never 0). A helper's result that is NULL
 * where its own lookup was 0 (nullGuardAfter) is tested here by the NULL test.
 */
function nonZero(state: VarState, names: string[]): void {
  for (const name of names) {
    const b = state.get(name);
    if (!b?.some((x) => x.val.zeroAt || x.val.nullGuardAfter !== undefined)) continue;
    state.set(name, b.map((x) => {
      const v = x.val;
      if (v.nullGuardAfter !== undefined && !v.zeroAt) return { val: { ...v, nullGuardAfter: undefined, nonZeroAfter: v.nullGuardAfter }, loc: x.loc };
      if (!v.zeroAt) return x;
      const last = v.steps[v.steps.length - 1]?.word;
      const lookup = (last === 'iova-to-phys' || last === 'identity') && v.arithAt !== v.steps.length;
      return { val: { ...v, zeroAt: undefined, ...(lookup ? { nonZeroAfter: v.steps.length } : {}) }, loc: x.loc };
    }));
  }
}

function joinStates(states: VarState[]): VarState {
  if (states.length === 1) return states[0];
  const out: VarState = new Map();
  for (const st of states) {
    for (const [k, v] of st) {
      const cur = out.get(k);
      if (!cur) out.set(k, v.slice(0, MAX_BINDINGS));
      else for (const b of v) if (cur.length < MAX_BINDINGS && !cur.some((c) => c.val === b.val)) cur.push(b);
    }
  }
  return out;
}

/** Whether a `case …:` arm ends in a statement that leaves it (break, return, goto, …), not falling into the next. */
function armStops(arm: Node): boolean {
  const kids = arm.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
  const last = kids[kids.length - 1];
  return !!last && last !== arm.childForFieldName('value') && exits(last);
}

/** Whether a statement always leaves the enclosing block (return, goto, break, continue, BUG()). */
function exits(n: Node | null, depth = 0): boolean {
  if (!n || depth > MAX_DEPTH) return false;
  switch (n.type) {
    case 'return_statement':
    case 'goto_statement':
    case 'break_statement':
    case 'continue_statement':
      return true;
    case 'else_clause':
      return exits(n.namedChildren.find((c) => c && c.type !== 'comment') ?? null, depth + 1);
    case 'compound_statement': {
      const kids = n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
      return kids.length > 0 && exits(kids[kids.length - 1], depth + 1);
    }
    case 'if_statement': {
      const alt = n.childForFieldName('alternative');
      return !!alt && exits(n.childForFieldName('consequence'), depth + 1) && exits(alt, depth + 1);
    }
    case 'expression_statement': {
      const c = n.namedChildren[0];
      return !!c && c.type === 'call_expression' && /^(BUG|panic|unreachable)$/.test(calleeName(c) ?? '');
    }
    default:
      return false;
  }
}

export function evaluateFunction(env: EvalEnv): FnResult {
  return new Evaluator(env).run();
}

class Evaluator {
  private vars: VarState = new Map();
  private readonly types = new Map<string, string>();
  private readonly tested = new Set<string>();
  private readonly events: Event[] = [];
  private readonly returns: { val: Val; loc: Loc }[] = [];
  private readonly branch: BranchArm[] = [];
  private readonly guards: string[] = [];
  /** Locals holding a guard's test (`bool vm = is_vmalloc_addr(buf);`): a condition naming one is that test. */
  private readonly guardVars = new Map<string, string>();
  private readonly lookups: { ev: LookupEvent; vals: Val[] }[] = [];
  private depth = 0;
  /** Some path returns NULL or 0 (see run()). */
  private returnsZero = false;
  /** Names the body passes as a DMA handle (isHandleVar), read on first need. */
  private handleNames: Set<string> | undefined;
  /** How many early-exit ifs the current statement sits after (see block()). */
  private elseDepth = 0;
  /** The function names an allocation outside the linear map (see call(): sg_set_buf()). */
  private allocates: boolean | undefined;
  /** A variable was given a value that may be 0 (a lookup's): branch conditions are read for tests of it. */
  private zeroSeen = false;
  private limited: Limit | undefined;

  constructor(private readonly env: EvalEnv) {}

  /** A copy of a state, paid for by the budget (one unit per variable). */
  private clone(st: VarState): VarState {
    this.spend(st.size);
    return cloneState(st);
  }

  /** Spends `cost` units of the file's budget; throws OUT_OF_BUDGET when none is left. */
  private spend(cost: number): void {
    const b = this.env.budget;
    if (b && (b.left -= cost) < 0) throw OUT_OF_BUDGET;
  }

  run(): FnResult {
    const { fn } = this.env;
    fn.params.forEach((p, i) => {
      if (!p.name) return;
      this.types.set(p.name, p.type);
      const src: Source = DMA_TYPE.test(p.type) || this.isHandleVar(p.name, p.type) ? 'dma-handle' : 'param';
      this.bind(p.name, { src, param: i, key: `p:${i}`, steps: [] }, this.loc(fn.body));
    });
    try {
      this.stmt(fn.body);
    } catch (e) {
      if (e !== OUT_OF_BUDGET) throw e;
      this.limited = 'budget';
    }
    this.markIdentity(this.returns);
    // `if (!pa) return 0; return pa;`: the helper tested its lookup, but hands the
    // 0 on to its caller — who must test it (the lookup's zero travels on).
    // (And `if (!pa) return NULL; return phys_to_virt(pa);`: the caller's NULL test can fire.)
    if (this.returnsZero) {
      for (const r of this.returns) {
        const last = r.val.steps[r.val.steps.length - 1];
        if (!r.val.zeroAt && last && (last.word === 'iova-to-phys' || last.word === 'identity')) r.val = { ...r.val, zeroAt: last.loc };
        // The helper's own test of its lookup guards its caller only if the caller tests the NULL it then returns.
        const { nonZeroAfter, ...rest } = r.val;
        r.val = { ...rest, orNull: true, ...(nonZeroAfter !== undefined ? { nullGuardAfter: nonZeroAfter } : {}) };
      }
    }
    // A lookup whose value is returned or used decides whether the a-rule has a root here.
    // (The returned lookups gathered once: testing every return for each lookup was quadratic in a
    // function with thousands of both.)
    const returnedLookups = new Set<Loc>();
    for (const r of this.returns) for (const s of r.val.steps) if (s.word === 'iova-to-phys') returnedLookups.add(s.loc);
    for (const l of this.lookups) l.ev.returned = returnedLookups.has(l.ev.loc);
    const out: FnResult = { name: fn.name, path: this.env.path, isMacro: fn.isMacro, returns: this.returns, events: this.events, usesDmaApi: !!this.env.usesDmaApi };
    if (this.limited) out.limited = this.limited;
    return out;
  }

  // ---- locations -------------------------------------------------------

  private loc(n: Node): Loc {
    const map = this.env.fn.mapRow;
    const s = map ? map(n.startPosition.row, n.startPosition.column) : n.startPosition;
    const e = map ? map(n.endPosition.row, n.endPosition.column) : n.endPosition;
    return { path: this.env.path, line: s.row + 1, column: s.column + 1, endLine: e.row + 1, endColumn: e.column + 1 };
  }

  // ---- statements ------------------------------------------------------

  // Every Node getter is a call into the parser's wasm (~0.2 µs): a node's
  // type is read once and handed on (`t`) rather than read again by each callee.
  private stmt(n: Node | null, t?: string): void {
    if (!n) return;
    if (this.depth >= MAX_DEPTH) {
      this.limited ??= 'depth';
      return;
    }
    this.spend(1);
    this.depth++;
    try {
      this.stmtNode(n, t ?? n.type);
    } finally {
      this.depth--;
    }
  }

  private stmtNode(n: Node, type: string): void {
    switch (type) {
      case 'compound_statement':
        this.block(n.namedChildren, 0, n.namedChildren.length);
        return;
      case 'translation_unit':
      case 'labeled_statement':
      case 'case_statement':
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_else':
      case 'preproc_elifdef':
        for (const c of n.namedChildren) if (c) this.stmtOrExpr(c);
        return;
      case 'declaration':
        this.declaration(n);
        return;
      case 'expression_statement':
        for (const c of n.namedChildren) if (c) this.expr(c);
        return;
      case 'return_statement': {
        const e = n.namedChildren[0];
        if (e) for (const v of this.expr(e)) this.returns.push({ val: v, loc: this.loc(n) });
        if (e && isNullConst(e)) this.returnsZero = true;
        return;
      }
      case 'if_statement': {
        const cond = n.childForFieldName('condition');
        // A value tested against 0 is non-zero in one arm only: `if (!pa) dev_err(…);`
        // falls through with pa still possibly 0, `if (!pa) return …;` does not.
        // (Read only where a value that may be 0 exists: most functions look nothing up.)
        const zero = cond && this.zeroSeen ? zeroTests(cond) : undefined;
        const untested = zero ? zero.names.filter((x) => !this.tested.has(x)) : [];
        if (cond) this.condition(cond);
        for (const x of untested) this.tested.delete(x);
        const text = this.guardText(cond);
        // Each arm starts from the state before the if; the states of the arms
        // that fall through are joined (an arm that returns leaves no trace).
        const before = this.clone(this.vars);
        const cons = n.childForFieldName('consequence');
        if (zero) nonZero(this.vars, zero.whenTrue);
        this.inBranch(n.id, 0, text, () => this.stmt(cons));
        const afterCons = this.vars;
        this.vars = this.clone(before);
        if (zero) nonZero(this.vars, zero.whenFalse);
        const alt = n.childForFieldName('alternative');
        // (The alternative's guard is the negated condition: rules/guards.ts reads which branch is which.)
        if (alt) this.inBranch(n.id, 1, `!(${text})`, () => this.stmt(alt));
        const live: VarState[] = [];
        if (!exits(cons)) live.push(afterCons);
        if (!alt || !exits(alt)) live.push(this.vars);
        this.vars = live.length ? joinStates(live) : this.vars;
        // `if (d) pa = iommu_iova_to_phys(d, iova); else pa = iova;` (or `pa = iova;
        // if (d) pa = …`): where the arms meet, the variable holds the lookup or
        // the DMA address itself — an identity fallback, at its assignment.
        if (live.length > 1 && this.lookups.length) for (const b of this.vars.values()) if (b.length > 1) this.markIdentity(b);
        return;
      }
      case 'else_clause':
        for (const c of n.namedChildren) if (c) this.stmt(c);
        return;
      case 'while_statement':
      case 'do_statement':
      case 'for_statement': {
        let before: VarState | undefined;
        for (const f of ['initializer', 'condition', 'update']) {
          const c = n.childForFieldName(f);
          if (!c) continue;
          if (f === 'condition') this.condition(c);
          else this.stmtOrExpr(c);
          if (f === 'initializer') before = this.clone(this.vars);
        }
        // The body may run zero times.
        before ??= this.clone(this.vars);
        this.stmt(n.childForFieldName('body'));
        this.vars = joinStates([before, this.vars]);
        return;
      }
      case 'switch_statement': {
        const cond = n.childForFieldName('condition');
        const arms = n.childForFieldName('body')?.namedChildren ?? [];
        // `switch (pa) { case 0: … }` tests pa for 0 as `if (!pa)` does; a switch without that case does not.
        const zeroArm = arms.findIndex((c) => c?.type === 'case_statement' && ZERO_RE.test(c.childForFieldName('value')?.text ?? ''));
        const zero = cond && zeroArm >= 0 && this.zeroSeen ? zeroTests(cond) : undefined;
        if (cond && zeroArm >= 0) this.condition(cond);
        else if (cond) this.expr(cond);
        // The other arms see a value that is not 0 — those after case 0 only when it stops there
        // (`case 0: dev_err(…);` falls through into the next arm with the 0).
        const stops = zeroArm >= 0 && armStops(arms[zeroArm]!);
        const before = this.clone(this.vars);
        const live: VarState[] = [before];
        arms.forEach((c, i) => {
          if (!c) return;
          this.vars = this.clone(before);
          if (zero && i !== zeroArm && (i < zeroArm || stops)) nonZero(this.vars, zero.whenTrue);
          this.inBranch(n.id, i, cond?.text ?? '', () => this.stmt(c));
          live.push(this.vars);
        });
        this.vars = joinStates(live);
        return;
      }
      case 'comment':
      case 'string_literal':
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_include':
      case 'preproc_call':
      case 'goto_statement':
      case 'break_statement':
      case 'continue_statement':
        return;
      default:
        // Macro-shaped statements (list_for_each_entry(...) { }, ERROR nodes): walk what is inside.
        for (const c of n.namedChildren) if (c) this.stmtOrExpr(c);
    }
  }

  /**
   * The statements kids[from..to) of a block. After an `if` without else
   * whose branch leaves (`if (is_vmalloc_addr(v)) return vmalloc_to_page(v);`,
   * `if (h != DMA_MAPPING_ERROR) { dma_unmap_page(…); return; }`), what
   * follows runs only when its condition is false: it is that if's else, for
   * the guards and for the branch paths that tell exclusive code apart — up
   * to the next label, where a goto may land from anywhere.
   */
  private block(kids: (Node | null)[], from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const c = kids[i];
      if (!c) continue;
      const t = c.type;
      this.stmtOrExpr(c, t);
      // (Each such if nests the rest one level deeper: a long run of `if (ret) return ret;` stops nesting at a bound.)
      if (t !== 'if_statement' || i + 1 >= to || this.elseDepth >= MAX_DEPTH || c.childForFieldName('alternative') || !exits(c.childForFieldName('consequence'))) continue;
      let end = i + 1;
      while (end < to && kids[end]?.type !== 'labeled_statement') end++;
      const cond = this.guardText(c.childForFieldName('condition'));
      this.elseDepth++;
      try {
        this.inBranch(c.id, 1, `!(${cond})`, () => this.block(kids, i + 1, end));
      } finally {
        this.elseDepth--;
      }
      i = end - 1;
    }
  }

  private stmtOrExpr(n: Node, type?: string): void {
    const t = type ?? n.type;
    if (t.endsWith('_statement') || t === 'declaration' || t.startsWith('preproc_') || t === 'ERROR' || t === 'else_clause') {
      this.stmt(n, t);
    } else if (t === 'comment') {
      // comments never count
    } else {
      this.expr(n, t);
    }
  }

  /**
   * Remembers (or forgets) that local `name` now holds a guard's test. Only a
   * local of the function's own block holds one (`const bool is_vmalloc =
   * is_vmalloc_addr(buf);` at the top): a declaration in an inner block is
   * another variable that ends with its block, and leaves the outer one as
   * it was; an assignment anywhere makes it something else.
   */
  private noteGuard(name: string, value: Node | null, declared?: Node): void {
    if (declared && declared.parent?.id !== this.env.fn.body.id) return;
    const text = value?.text;
    if (text !== undefined && GUARD_RE.test(text)) this.guardVars.set(name, `(${text})`);
    else if (this.guardVars.size) this.guardVars.delete(name);
  }

  /**
   * A branch condition's text, with the locals that hold a guard's test
   * written out (rules/guards.ts reads text) — variables, not struct members
   * of the same name (`p->vmalloc`).
   */
  private guardText(cond: Node | null): string {
    const text = cond?.text ?? '';
    return this.guardVars.size ? text.replace(/(?<!(?:\.|->)\s*)\b[A-Za-z_]\w*\b/g, (w) => this.guardVars.get(w) ?? w) : text;
  }

  private inBranch(node: number, arm: number, guard: string, body: () => void): void {
    this.branch.push({ node, arm });
    this.guards.push(guard);
    try {
      body();
    } finally {
      this.branch.pop();
      this.guards.pop();
    }
  }

  private declaration(n: Node): void {
    const type = n.childForFieldName('type')?.text ?? '';
    for (const d of n.namedChildren) {
      if (!d) continue;
      const t = d.type;
      if (t === 'init_declarator') {
        const name = nameOf(d.childForFieldName('declarator'));
        const value = d.childForFieldName('value');
        if (name) this.types.set(name, type);
        if (name && value) {
          const ptr = d.childForFieldName('declarator')?.type === 'pointer_declarator';
          if (ptr) this.types.set(name, type + ' *');
          const vals = this.expr(value);
          this.noteGuard(name, value, n);
          this.assignName(name, vals, this.loc(d), d.startIndex, isNullConst(value), !typeSaysLittle(value));
        } else if (value) this.expr(value);
      } else if (t === 'identifier' || t === 'pointer_declarator' || t === 'array_declarator') {
        const name = nameOf(d);
        if (name) this.types.set(name, t === 'pointer_declarator' ? type + ' *' : type);
      }
    }
  }

  // ---- expressions -----------------------------------------------------

  /**
   * Records identifiers tested in a condition (so a 0 result counts as checked) and NULL tests of VAs.
   * `mark` false: only the NULL tests (a bare `WARN_ON(!pa);` warns, and the code goes on).
   */
  private condition(n: Node, mark = true): void {
    this.expr(n);
    // Nodes to visit and their types (read once, when a node is pushed).
    const stack: Node[] = [n];
    const types: string[] = [n.type];
    while (stack.length) {
      const c = stack.pop()!;
      const t = types.pop()!;
      if (mark && (t === 'identifier' || t === 'field_expression' || t === 'subscript_expression')) this.tested.add(c.text);
      if (t === 'unary_expression' && c.text.startsWith('!')) this.vaNullTest(c, c.namedChildren[0]);
      // (A call reached as an argument — `unlikely(IS_ERR_OR_NULL(va))`, `WARN_ON(…)` — or as the condition itself.)
      if (t === 'call_expression' && NULL_TESTS.has(calleeName(c) ?? '')) this.vaNullTest(c, c.childForFieldName('arguments')?.namedChildren[0] ?? null);
      if (t === 'binary_expression') {
        const op = c.childForFieldName('operator')?.text;
        const r = c.childForFieldName('right');
        if ((op === '==' || op === '!=') && r && /^(NULL|0)$/.test(r.text)) this.vaNullTest(c, c.childForFieldName('left'));
      }
      for (const k of c.namedChildren) {
        const kt = k?.type;
        // IS_ERR_OR_NULL(va) / ZERO_OR_NULL_PTR(va): as pointless on phys_to_virt()'s result as `!va`.
        if (k && kt === 'call_expression' && NULL_TESTS.has(calleeName(k) ?? '')) this.vaNullTest(k, k.childForFieldName('arguments')?.namedChildren[0] ?? null);
        if (k && kt !== 'call_expression') {
          stack.push(k);
          types.push(kt!);
        }
      }
      if (t === 'call_expression') {
        const args = c.childForFieldName('arguments');
        if (args) {
          for (const k of args.namedChildren) {
            if (!k) continue;
            stack.push(k);
            types.push(k.type);
          }
        }
      }
    }
  }

  private vaNullTest(test: Node, operand: Node | null): void {
    if (!operand) return;
    const inner = strip(operand);
    let vals: Val[];
    if (inner.type === 'call_expression') {
      const callee = calleeName(inner);
      if (!callee || STEPS[callee]?.word !== 'phys-to-virt') return;
      vals = [{ src: 'linear-va', key: 'va', steps: [{ word: 'phys-to-virt', loc: this.loc(inner), fn: this.env.fn.name, callee }] }];
    } else {
      // `void *va = NULL; if (pa) va = phys_to_virt(pa); if (!va) …`: on some path it is still NULL, and the test can fire.
      if (this.vars.has(NULLABLE + inner.text)) return;
      vals = this.peek(inner);
    }
    if (vals.length > 0 && vals.every((v) => !v.orNull && v.steps.length > 0 && v.steps[v.steps.length - 1].word === 'phys-to-virt')) {
      this.events.push({ kind: 'va-null-test', loc: this.loc(test), fn: this.env.fn.name, input: vals });
    }
  }

  /** Values of an lvalue without side effects (no events). */
  private peek(n: Node): Val[] {
    const k = n.text;
    const b = this.vars.get(k);
    return b ? b.map((x) => x.val) : [];
  }

  private expr(n: Node, t?: string): Val[] {
    if (this.depth >= MAX_DEPTH) {
      this.limited ??= 'depth';
      return [];
    }
    this.spend(1);
    this.depth++;
    try {
      return this.exprNode(n, t ?? n.type);
    } finally {
      this.depth--;
    }
  }

  private exprNode(n: Node, type: string): Val[] {
    switch (type) {
      case 'identifier':
        return this.readVar(n.text, n, true);
      case 'field_expression':
        this.exprChildren(n.childForFieldName('argument'));
        return this.readField(n);
      case 'subscript_expression': {
        this.expr(n.childForFieldName('argument')!);
        const idx = n.childForFieldName('index');
        if (idx) this.expr(idx);
        return this.readVar(n.text, n, false);
      }
      case 'parenthesized_expression':
      case 'cast_expression': {
        const v = n.childForFieldName('value') ?? n.namedChildren[n.namedChildren.length - 1];
        return v ? this.expr(v) : [];
      }
      case 'compound_statement': {
        // A GNU statement expression `({ u64 pa = …; pa; })` (kernel helper
        // macros are written so): its statements run, and its value is that
        // of its last expression statement.
        const kids = n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
        const last = kids[kids.length - 1];
        const value = last?.type === 'expression_statement' ? last.namedChildren[0] : null;
        for (const c of value ? kids.slice(0, -1) : kids) this.stmtOrExpr(c);
        return value ? this.expr(value) : [];
      }
      case 'call_expression':
        return this.call(n);
      case 'assignment_expression':
        return this.assignment(n);
      case 'conditional_expression': {
        const cond = n.childForFieldName('condition');
        if (cond) this.condition(cond);
        const parts: Binding[] = [];
        // Each arm is a branch of the condition, as an if's are (guards: `is_vmalloc_addr(p) ? vmalloc_to_page(p) : virt_to_page(p)`),
        // and, as an if's, sees what its side of a test for 0 says (`pa ? phys_to_virt(pa) : NULL`).
        const text = this.guardText(cond);
        // (Only where a value that may be 0 exists, as for an if: most functions look nothing up.)
        const zero = cond && this.zeroSeen ? zeroTests(cond) : undefined;
        const before = zero ? this.clone(this.vars) : undefined;
        const after: VarState[] = [];
        ['consequence', 'alternative'].forEach((f, arm) => {
          const c = n.childForFieldName(f);
          if (before && zero) {
            this.vars = this.clone(before);
            nonZero(this.vars, arm === 0 ? zero.whenTrue : zero.whenFalse);
          }
          if (c) this.inBranch(n.id, arm, arm === 0 ? text : `!(${text})`, () => {
            for (const v of this.expr(c)) parts.push({ val: v, loc: this.loc(c) });
          });
          if (before) after.push(this.vars);
        });
        // Past the expression: both arms' states joined, the tested names as they were before it — the test
        // held inside the arms only. (As before arms saw it: a name tested in a condition counts as checked
        // for iova-phys-unchecked wherever it is read next, but it guards no replay.)
        if (before && zero) {
          this.vars = joinStates(after);
          for (const name of zero.names) {
            const b = before.get(name);
            if (b) this.vars.set(name, b);
          }
        }
        this.markIdentity(parts);
        this.textIdentity(n, parts);
        return parts.map((p) => p.val);
      }
      case 'binary_expression': {
        const op = n.childForFieldName('operator')?.text ?? '';
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (op === '&&' || op === '||') {
          if (l) this.condition(l);
          if (r) this.condition(r);
          return [];
        }
        const lv = l ? this.expr(l) : [];
        const rv = r ? this.expr(r) : [];
        if (op === '>>') return lv.map((v) => ({ ...v, pfn: true }));
        // (An offset or a flag bit makes a 0 non-zero: a test of the sum is no test of the lookup; arithAt.)
        if (['+', '-', '|', '^'].includes(op)) return [...lv, ...rv].map((v) => ({ ...v, arithAt: v.steps.length }));
        if (op === '&' || op === '<<') return [...lv, ...rv];
        return [];
      }
      case 'unary_expression':
        this.exprChildren(n);
        return [];
      case 'pointer_expression': {
        const arg = n.childForFieldName('argument');
        const vals = arg ? this.expr(arg) : [];
        if (n.text.startsWith('&')) return vals.length || arg?.type !== 'subscript_expression' ? vals : this.elementOf(arg);
        // *p: the CPU dereferences the address.
        if (vals.length) this.apply('cpu-access', '*', n, vals);
        return [];
      }
      case 'comma_expression': {
        let last: Val[] = [];
        for (const c of n.namedChildren) if (c) last = this.expr(c);
        return last;
      }
      case 'update_expression':
      case 'sizeof_expression':
      case 'number_literal':
      case 'string_literal':
      case 'concatenated_string':
      case 'char_literal':
      case 'true':
      case 'false':
      case 'null':
      case 'comment':
        return [];
      default:
        this.exprChildren(n);
        return [];
    }
  }

  private exprChildren(n: Node | null): void {
    if (!n) return;
    for (const c of n.namedChildren) if (c) this.stmtOrExpr(c);
  }

  /** `ident`: `n` is an identifier (a dma_addr_t variable not assigned here is still a device address). */
  private readVar(name: string, n: Node, ident: boolean): Val[] {
    const b = this.vars.get(name);
    if (b) {
      // Assigned in this function: what was assigned is all we know (even nothing).
      const vals = b.map((x) => x.val);
      return this.tested.has(name) ? vals.map((v) => (v.zeroAt ? { ...v, zeroAt: undefined } : v)) : vals;
    }
    if (ident && (DMA_TYPE.test(this.types.get(name) ?? '') || this.isHandleVar(name, this.types.get(name) ?? ''))) {
      return [{ src: 'dma-handle', key: `v:${name}`, steps: [], origin: this.loc(n) }];
    }
    return [];
  }

  /**
   * A variable the function hands to dma_sync_single_for_*() or dma_unmap_*()
   * as the handle holds a DMA address, whatever its declared type (greth keeps
   * them in a u32 read back from the descriptor and passes the same variable
   * to phys_to_virt()). Not a pointer: that is a CPU address by its type.
   */
  private isHandleVar(name: string, type: string): boolean {
    this.handleNames ??= handleArgNames(this.env.fn.body.text);
    return this.handleNames.has(name) && !type.includes('*');
  }

  private readField(n: Node): Val[] {
    const text = n.text;
    if (this.vars.has(text)) return this.readVar(text, n, false);
    const field = n.childForFieldName('field')?.text;
    if (!field) return [];
    const fb = fieldBaseOf(n);
    const known = this.env.fields.sources(field, fb.base, fb.variable ? STRUCT_TAG.exec(this.types.get(fb.base) ?? '')?.[1] : undefined);
    if (known.length) return known.map((k) => ({ src: k.src, key: `f:${field}`, steps: [], origin: k.loc }));
    // Declared dma_addr_t somewhere in the driver: a device address, but only by its name.
    // (A struct guessed from a kernel member's name — a driver's own `->runtime` is not ALSA's — may also
    // be the driver's: then the field's name alone decides, as for any base of unknown type.)
    if (this.declaredDma(n, field)) return [{ src: 'dma-handle', key: `f:${field}`, steps: [], origin: this.loc(n), weak: true }];
    return [];
  }

  /** `base->field` is declared dma_addr_t in the driver (or is a kernel struct's DMA address: usb_request.dma). */
  private declaredDma(n: Node, field: string): boolean {
    const base = n.childForFieldName('argument');
    const struct = this.structOf(base);
    return this.env.fields.isDmaField(field, struct) || (struct !== undefined && base?.type === 'field_expression' && this.env.fields.isDmaField(field));
  }

  /**
   * The struct a field's base is declared as (`struct acme_region *region` →
   * acme_region), when it is a declared name, or a kernel struct's member of
   * known type (`substream->runtime`).
   */
  private structOf(base: Node | null): string | undefined {
    if (base?.type === 'field_expression') return KERNEL_MEMBER_STRUCTS[base.childForFieldName('field')?.text ?? ''];
    if (base?.type !== 'identifier') return undefined;
    return STRUCT_TAG.exec(this.types.get(base.text) ?? '')?.[1];
  }

  private bind(name: string, val: Val, loc: Loc): void {
    if (val.zeroAt || val.nullGuardAfter !== undefined) this.zeroSeen = true;
    const list = this.vars.get(name) ?? [];
    list.push({ val, loc });
    this.vars.set(name, list);
  }

  /**
   * `byType`: a dma_addr_t variable given a value of unknown kind still holds
   * a device address — from a call (a helper's result), but not from a field
   * the driver's folder does not declare: `dma_addr_t bus_addr =
   * bar->bus_addr` holds a BAR's resource address (usnic), the local's type
   * says less than the field's unknown declaration.
   */
  private assignName(name: string, vals: Val[], loc: Loc, offset: number, maybeNull = false, byType = true): void {
    // Each branch arm has its own copy of the state, so an assignment replaces.
    this.vars.delete(name);
    this.vars.delete(NULLABLE + name);
    this.tested.delete(name);
    if (maybeNull) this.vars.set(NULLABLE + name, []);
    // A pointer variable holds a CPU address: a dma_addr_t known only by a field's name is not one.
    const type = this.types.get(name) ?? '';
    if (type.includes('*')) vals = vals.filter((v) => !v.weak);
    // A dma_addr_t assigned from a call we know nothing about is still a device address.
    if (vals.length === 0 && ((byType && DMA_TYPE.test(type) && !type.includes('*')) || this.isHandleVar(name, type))) vals = [{ src: 'dma-handle', key: `v:${name}@${offset}`, steps: [], origin: loc }];
    for (const v of vals.length > MAX_BINDINGS ? vals.slice(0, MAX_BINDINGS) : vals) this.bind(name, v, loc);
    if (vals.length === 0 && !this.vars.has(name)) this.vars.set(name, []);
    this.events.push({ kind: 'assign', name, offset });
  }

  private assignment(n: Node): Val[] {
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    const op = n.childForFieldName('operator')?.text ?? '=';
    const vals = right ? this.expr(right) : [];
    if (!left) return vals;
    if (left.type !== 'identifier') this.exprChildren(left.childForFieldName('argument') ?? null);
    const key = left.type === 'pointer_expression' ? left.text : left.text;
    // (`pa += off`: as `pa + off`, a test of it is no test of the lookup — arithAt.)
    const arith = op === '+=' || op === '-=' || op === '|=' || op === '^=';
    const merged = op === '=' ? vals : [...this.peek(left), ...vals].map((v) => (arith ? { ...v, arithAt: v.steps.length } : v));
    if (left.type === 'identifier') this.noteGuard(key, op === '=' ? right : null);
    this.assignName(key, merged, this.loc(n), n.startIndex, op === '=' ? !!right && isNullConst(right) : this.vars.has(NULLABLE + key), !(right && typeSaysLittle(right)));
    // desc->addr = cpu_to_le64(virt_to_phys(buf)): an address written, in device byte order, into a
    // descriptor — a field, an array element (bdl[0]) or through a pointer (*ring).
    if ((left.type === 'field_expression' || left.type === 'subscript_expression' || left.type === 'pointer_expression') && right && vals.length) {
      const r = strip(right);
      const order = r.type === 'call_expression' ? calleeName(r) : null;
      if (order && DEVICE_ORDER.has(order)) this.apply('to-device', order, n, vals);
      // A plain store is a write to the device when it lands in memory the device
      // reads: a dma_alloc_coherent()/dma_pool ring (tsi108's `rxring[i].buf0 = virt_to_phys(…)`,
      // native-endian descriptors). Elsewhere it records an address for the CPU's own use.
      else if (op === '=') {
        const ring = this.deviceMemory(left);
        if (ring) this.apply('to-device', 'a store into coherent DMA memory', n, vals, undefined, ring);
        // `req.dma = virt_to_phys(buf)`: a CPU physical address kept where the driver keeps the DMA
        // addresses it programs (a dma_addr_t field; usb_request.dma, which the UDC core programs).
        else if (left.type === 'field_expression' && vals.every((v) => v.src !== 'dma-handle' && v.steps[v.steps.length - 1]?.word === 'virt-to-phys')) {
          const field = left.childForFieldName('field')?.text;
          if (field && this.declaredDma(left, field)) this.apply('to-device', `a dma_addr_t field (${field})`, n, vals);
        }
      }
    }
    return vals;
  }

  /**
   * `&buf[i]`: an address inside the buffer `buf` points to, of the same kind
   * (a coherent ring's descriptor, a byte of a vmalloc area). Not for an array
   * of DMA handles, whose elements' addresses are CPU addresses.
   */
  private elementOf(sub: Node): Val[] {
    const a = sub.childForFieldName('argument');
    return (a ? this.pointerVals(a) : []).filter((v) => v.steps.length === 0 && v.src !== 'dma-handle' && !v.pfn);
  }

  /**
   * Where the target of a store `P->f`, `P[i]`, `*P` (or a `.member` inside
   * one) lives, when P holds a dma_alloc_coherent()/dma_pool address: the
   * place that buffer came from. Reads only what is known (no events).
   */
  private deviceMemory(left: Node): Loc | undefined {
    let n: Node | null = left;
    while (n?.type === 'field_expression' && n.childForFieldName('operator')?.text === '.') n = n.childForFieldName('argument');
    const t = n?.type;
    if (!n || (t !== 'field_expression' && t !== 'subscript_expression' && t !== 'pointer_expression')) return undefined;
    const p = n.childForFieldName('argument');
    const ring = p ? this.pointerVals(p).find((v) => v.src === 'coherent-va' && v.steps.length === 0) : undefined;
    return ring ? (ring.origin ?? this.loc(p!)) : undefined;
  }

  /** What a pointer expression `p`, `s->ring`, `p + i`, `(T *)p` is known to hold, without events. */
  private pointerVals(p: Node): Val[] {
    const base = strip(p);
    switch (base.type) {
      case 'identifier':
        return this.readVar(base.text, base, true);
      case 'field_expression':
        return this.readField(base);
      case 'binary_expression': {
        const op = base.childForFieldName('operator')?.text;
        const l = base.childForFieldName('left');
        return (op === '+' || op === '-') && l ? this.pointerVals(l) : [];
      }
      default:
        return [];
    }
  }

  private call(n: Node): Val[] {
    const callee = calleeName(n);
    if (callee && LOGGING.test(callee)) return [];
    const argNodes: Node[] = [];
    const args: Val[][] = [];
    for (const a of n.childForFieldName('arguments')?.namedChildren ?? []) {
      const t = a?.type;
      if (!a || t === 'comment') continue;
      argNodes.push(a);
      args.push(this.expr(a, t));
    }
    if (!callee) {
      this.expr(n.childForFieldName('function')!);
      return [];
    }
    // BUG_ON(!pa) stops there; WARN_ON(!pa) as a statement only warns (as a branch condition the if decides).
    if (/^(WARN_ON|WARN_ON_ONCE|BUG_ON|WARN|WARN_ONCE|unlikely|likely)$/.test(callee) && argNodes[0]) this.condition(argNodes[0], callee === 'BUG_ON');

    const step = STEPS[callee];
    // sg_set_buf()/sg_init_one() count where the function allocates outside the linear map itself
    // (keep.ts: crypto and network code calls them on kmalloc() buffers in hundreds of functions).
    if (step && (callee === 'sg_set_buf' || callee === 'sg_init_one') && !(this.allocates ??= NON_LINEAR_ALLOC_RE.test(this.env.fn.body.text))) return [];
    if (step) {
      const input = args[step.arg] ?? [];
      const handle = argNodes[step.arg] ? handleOf(argNodes[step.arg]) : undefined;
      if (step.word === 'iova-to-phys') {
        this.apply('iova-to-phys', callee, n, input, handle);
        return this.lookup(n, callee, input, argNodes[0], args[0]);
      }
      // virt_to_phys() of a pointer we know nothing of (a field of a struct declared elsewhere, a static
      // buffer) still makes a CPU physical address of what the code takes for linear-map memory: written to
      // a descriptor or a register, it is one (mesh.c, mac53c94.c give the controller virt_to_phys() of theirs).
      // bus_to_virt()'s argument is a bus (DMA) address by the API's own contract, whatever else is known of it
      // (bmac.c, mace.c: the DBDMA engine's command pointer read back from the device).
      const unknown: Source | undefined = input.length > 0 || !argNodes[step.arg] ? undefined : step.word === 'virt-to-phys' ? 'linear-va' : callee === 'bus_to_virt' ? 'dma-handle' : undefined;
      // (Also a parameter of no known kind — `u32 cmdptr` — given to bus_to_virt(): it is a bus address.)
      const from = unknown
        ? [{ src: unknown, key: `u:${argNodes[step.arg].startIndex}`, steps: [], origin: this.loc(argNodes[step.arg]) }]
        : callee === 'bus_to_virt'
          ? input.map((v) => (v.src === 'param' && v.steps.length === 0 ? { ...v, src: 'dma-handle' as Source, param: undefined, origin: v.origin ?? this.loc(argNodes[step.arg]) } : v))
          : input;
      this.apply(step.word, callee, n, from, handle);
      return from.map((v) => ({ ...v, steps: [...v.steps, this.stepAt(step.word, callee, n)] }));
    }
    const sink = SINKS[callee];
    if (sink) {
      const input = args[sink.arg] ?? [];
      if (input.length) this.apply(sink.word, callee, n, input);
      return [];
    }
    // (Weak: a pointer variable given it is a CPU address by its type, whatever was read.)
    if (MMIO_READS.has(callee)) return [{ src: 'dma-handle', key: `r:${n.startIndex}`, steps: [], origin: this.loc(n), weak: true }];
    if (UNMAPS.has(callee) && argNodes[1]) {
      this.apply('dma-unmap', callee, n, args[1] ?? [], handleOf(argNodes[1]));
      return [];
    }
    if (SG_UNMAPS.has(callee) && argNodes[1]) {
      const sg = handleOf(argNodes[1]);
      this.apply('dma-unmap', callee, n, [], `sg_dma_address(${callee === 'dma_unmap_sgtable' ? `${sg}->sgl` : sg})`);
      return [];
    }
    const src = SOURCES[callee];
    if (src) {
      const out = HANDLE_OUT_PARAM[callee];
      const h = out !== undefined ? argNodes[out] : undefined;
      if (h && h.type === 'pointer_expression' && h.text.startsWith('&')) {
        const target = h.childForFieldName('argument');
        if (target) this.assignName(target.text, [{ src: 'dma-handle', key: `c:${h.startIndex}`, steps: [], origin: this.loc(n) }], this.loc(n), n.startIndex);
      }
      return [{ src, key: `c:${n.startIndex}`, steps: [], origin: this.loc(n) }];
    }
    if (PASS_THROUGH.has(callee)) {
      const vals = args[0] ?? [];
      return PFN_CONVERT.has(callee) ? vals.map((v) => ({ ...v, pfn: true })) : vals;
    }
    const sum = this.env.summary(callee);
    if (sum && sum.returns.length) {
      // A helper that looks its parameter up in the IOMMU is a translation of that argument here.
      const p = sum.returns.find((r) => r.param !== undefined && r.steps.some((s) => s.word === 'iova-to-phys'))?.param;
      if (p !== undefined && argNodes[p]) this.apply('iova-to-phys', callee, n, args[p] ?? [], handleOf(argNodes[p]));
      return this.instantiate(sum, args, n);
    }
    // The driver's allocation wrapper in a file not analysed: its memory, as if allocated here.
    const wrapped = sum ? undefined : this.env.wrapper?.(callee);
    if (wrapped) return [{ src: wrapped.src, key: `c:${n.startIndex}`, steps: [], origin: this.loc(n), wrapper: { name: callee, loc: wrapped.loc } }];
    return [];
  }

  private stepAt(word: string, callee: string, n: Node) {
    return { word, loc: this.loc(n), fn: this.env.fn.name, callee };
  }

  private lookup(n: Node, callee: string, input: Val[], domainNode: Node | undefined, domainVals: Val[] | undefined): Val[] {
    const loc = this.loc(n);
    const step = { word: 'iova-to-phys', loc, fn: this.env.fn.name, callee };
    const base: Val[] = input.length ? input : [{ src: 'dma-handle', key: `e:${((a) => (a ? handleOf(a) : ''))(n.childForFieldName('arguments')?.namedChildren[1])}`, steps: [] }];
    const out = base.map((v) => ({ ...v, src: (v.src === 'param' ? 'dma-handle' : v.src) as Source, steps: [...v.steps, step], zeroAt: loc }));
    const dom = domainNode ? this.domainOf(domainNode, domainVals ?? []) : { borrowed: !this.env.driverOwnsDomain };
    const ev: LookupEvent = { kind: 'lookup', loc, fn: this.env.fn.name, borrowed: dom.borrowed, domainLoc: dom.loc, returned: false, usedInside: false };
    this.events.push(ev);
    this.lookups.push({ ev, vals: out });
    return out;
  }

  /**
   * Where the domain passed to iommu_iova_to_phys() came from. `evaluated`:
   * the argument's value as the call worked it out — a call there is not run
   * again (its events were counted twice, and a lookup nested in the domain of
   * a lookup doubled the work at each level).
   */
  private domainOf(n: Node, evaluated: Val[]): { borrowed: boolean; loc?: Loc } {
    const inner = strip(n);
    const t = inner.type;
    let vals: Val[] = [];
    if (t === 'call_expression') vals = evaluated;
    else vals = t === 'field_expression' ? this.readField(inner) : this.readVar(inner.text, inner, t === 'identifier');
    const dom = vals.filter((v) => v.src === 'domain-borrowed' || v.src === 'domain-owned');
    if (dom.some((v) => v.src === 'domain-owned')) return { borrowed: false, loc: dom.find((v) => v.src === 'domain-owned')?.origin };
    if (dom.length) return { borrowed: true, loc: dom[0].origin };
    return { borrowed: !this.env.driverOwnsDomain };
  }

  private instantiate(sum: Summary, args: Val[][], n: Node): Val[] {
    const loc = this.loc(n);
    const out: Val[] = [];
    for (const r of sum.returns) {
      // A possibly-0 lookup the helper returns as is: the caller must test it.
      // One the helper already fed to phys_to_virt() was used (and is reported) there.
      const last = r.steps[r.steps.length - 1]?.word;
      const zeroAt = r.zeroAt && (last === 'iova-to-phys' || last === 'identity') ? loc : undefined;
      if (r.param === undefined) {
        out.push({ ...r, zeroAt });
        continue;
      }
      const actual = args[r.param] ?? [];
      if (actual.length === 0) {
        // Unknown argument: keep what the helper knows (a dma_addr_t parameter, or one it looked up).
        if (r.src !== 'param') out.push({ ...r, param: undefined, key: `a:${n.startIndex}:${r.param}`, zeroAt });
        continue;
      }
      for (const a of actual) {
        const src: Source = a.src === 'param' && r.src === 'dma-handle' ? 'dma-handle' : a.src;
        // (A test for 0 inside the helper counts its steps after the argument's.)
        const at = (k: number | undefined) => (k === undefined ? undefined : a.steps.length + k);
        out.push({
          ...a, src, steps: [...a.steps, ...r.steps], zeroAt: zeroAt ?? a.zeroAt, ...(r.orNull ? { orNull: true } : {}),
          ...(r.nonZeroAfter !== undefined ? { nonZeroAfter: at(r.nonZeroAfter) } : {}),
          ...(r.nullGuardAfter !== undefined ? { nullGuardAfter: at(r.nullGuardAfter) } : {}),
          ...(r.arithAt !== undefined ? { arithAt: at(r.arithAt) } : {}),
        });
      }
    }
    return out;
  }

  /**
   * Values chosen at run time (a ternary's arms, a function's returns): when
   * one arm is iommu_iova_to_phys(X) and another is X itself, the second is
   * an identity fallback — the DMA address taken as physical (concern b).
   */
  private markIdentity(parts: Binding[]): void {
    const looked = new Set<string>();
    for (const p of parts) {
      const last = p.val.steps[p.val.steps.length - 1];
      if (last?.word === 'iova-to-phys') looked.add(p.val.key + '#' + (p.val.steps.length - 1));
    }
    if (looked.size === 0) return;
    for (const p of parts) {
      if (looked.has(p.val.key + '#' + p.val.steps.length) && !p.val.steps.some((s) => s.word === 'iova-to-phys' || s.word === 'identity')) {
        p.val = {
          ...p.val,
          src: p.val.src === 'param' ? 'dma-handle' : p.val.src,
          steps: [...p.val.steps, { word: 'identity', loc: p.loc, fn: this.env.fn.name, callee: '' }],
        };
      }
    }
  }

  /**
   * `d ? iommu_iova_to_phys(d, x) : x` where x is of no known kind (a u64, a
   * loff_t): the other arm is still the same address taken as physical.
   */
  private textIdentity(n: Node, parts: Binding[]): void {
    if (parts.some((p) => p.val.steps.some((s) => s.word === 'identity'))) return;
    const arms = [n.childForFieldName('consequence'), n.childForFieldName('alternative')];
    for (let i = 0; i < 2; i++) {
      const look = arms[i] ? strip(arms[i]!) : null;
      const other = arms[1 - i];
      if (!look || !other || look.type !== 'call_expression' || calleeName(look) !== 'iommu_iova_to_phys') continue;
      const arg = look.childForFieldName('arguments')?.namedChildren.filter((a) => a && a.type !== 'comment')[1];
      if (!arg || normalize(arg.text) !== normalize(strip(other).text)) continue;
      const loc = this.loc(other);
      const step = { word: 'identity', loc, fn: this.env.fn.name, callee: '' };
      const same = parts.filter((p) => p.loc.line === loc.line && p.loc.column === loc.column);
      if (same.length) for (const p of same) p.val = { ...p.val, src: 'dma-handle', steps: [...p.val.steps, step] };
      else parts.push({ val: { src: 'dma-handle', key: `e:${normalize(arg.text)}`, steps: [step], origin: loc }, loc });
    }
  }

  private apply(word: string, callee: string, n: Node, input: Val[], handleText?: string, deviceMemory?: Loc): void {
    // The loop over the lookups below is the one cost that grows with the function's size.
    this.spend(1 + this.lookups.length);
    const ev: ApplyEvent = {
      kind: 'apply',
      word,
      callee,
      loc: this.loc(n),
      fn: this.env.fn.name,
      input,
      guards: [...this.guards],
      branch: [...this.branch],
      handleText,
      offset: n.startIndex,
      ...(deviceMemory ? { deviceMemory } : {}),
    };
    this.events.push(ev);
    for (const l of this.lookups) {
      if (word !== 'dma-unmap' && input.some((v) => v.steps.some((s) => s.loc === l.ev.loc))) l.ev.usedInside = true;
    }
  }
}

/** Macros that test a pointer for NULL (among other things): a test of phys_to_virt()'s result by one cannot fire for its NULL part. */
const NULL_TESTS = new Set(['IS_ERR_OR_NULL', 'ZERO_OR_NULL_PTR']);
/** A case label for 0: `case 0:`, `case 0UL:`, `case 0x0:`. */
const ZERO_RE = /^\(?\s*(?:0|0x0+)[uUlL]*\s*\)?$/;

/** The struct a field is read from, by name: `ring->desc` → ring, `priv->rx.buf` → rx, `q[i].va` → q. */
export function fieldBase(fe: Node): string {
  return fieldBaseOf(fe).base;
}

/** fieldBase(), and whether that base is a variable (`td->next`, `ring[i].addr`) rather than a member (`priv->rx.buf`). */
export function fieldBaseOf(fe: Node): { base: string; variable: boolean } {
  let a = fe.childForFieldName('argument');
  // (The type is read once per node: each read is a call into the parser's wasm.)
  let t = a?.type;
  while (a && (t === 'subscript_expression' || t === 'parenthesized_expression' || t === 'pointer_expression' || t === 'cast_expression')) {
    a = t === 'subscript_expression' || t === 'pointer_expression' ? a.childForFieldName('argument') : (a.childForFieldName('value') ?? a.namedChildren[a.namedChildren.length - 1]);
    t = a?.type;
  }
  if (!a) return { base: '', variable: false };
  if (t === 'field_expression') return { base: a.childForFieldName('field')?.text ?? '', variable: false };
  return t === 'identifier' ? { base: a.text, variable: true } : { base: '', variable: false };
}

function strip(n: Node): Node {
  let c = n;
  for (let t = c.type; (t === 'parenthesized_expression' || t === 'cast_expression') && c.namedChildren.length; t = c.type) {
    c = (c.childForFieldName('value') ?? c.namedChildren[c.namedChildren.length - 1])!;
  }
  return c;
}

export function calleeName(n: Node): string | null {
  const f = n.childForFieldName('function');
  return f && f.type === 'identifier' ? f.text : null;
}

function nameOf(d: Node | null): string | null {
  let n = d;
  while (n && n.type !== 'identifier') n = n.childForFieldName('declarator') ?? n.namedChildren[0] ?? null;
  return n?.text ?? null;
}

/** Longest argument text compared as a handle; longer ones (generated code) are never the same handle. */
const MAX_HANDLE_CHARS = 512;

/** An argument's handle text: its text unless too long (each nested call would copy it again: quadratic). */
function handleOf(n: Node): string {
  return n.endIndex - n.startIndex > MAX_HANDLE_CHARS ? `\u0000long@${n.startIndex}` : normalize(n.text);
}

/** Handle text for comparing arguments: whitespace and casts do not matter. */
export function normalize(text: string): string {
  return text.replace(/\s+/g, '').replace(/^\((?:dma_addr_t|u64|u32|phys_addr_t|unsigned long)\)/, '');
}

/** Calls that return a CPU physical (resource) address: a dma_addr_t local given one holds no DMA address. */
const RESOURCE_ADDR = /^(?:pci_resource_start|pci_resource_end|resource_start)$/;

/** A value whose kind a dma_addr_t local's type must not decide (see assignName's byType). */
function typeSaysLittle(n: Node): boolean {
  if (isFieldRead(n)) return true;
  const c = strip(n);
  return c.type === 'call_expression' && RESOURCE_ADDR.test(calleeName(c) ?? '');
}

/** A struct field's value as it is (`bar->bus_addr`); a cast (`(dma_addr_t)td->next`) says what the author holds it for. */
function isFieldRead(n: Node): boolean {
  let c: Node | null = n;
  while (c?.type === 'parenthesized_expression') c = c.namedChildren[0];
  return c?.type === 'field_expression';
}
