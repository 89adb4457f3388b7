// SPDX-License-Identifier: MIT
// Messages between the extension host and the emulator webview. The webview
// is untrusted input: every message it sends is checked by isWebviewToHost()
// before the host acts on it (type, every field, sizes; unknown keys are
// rejected). Addresses travel as "0x…" strings; the emulator works in bigint.

/**
 * The code tests the result of chain step `step` (1 = the first after the
 * source) for 0 and goes no further when it is 0 (`if (phys_addr) put_page(…)`):
 * the language server's finding says so, the emulator's chain program honours it.
 */
export interface GuardJson {
  step: number;
}

/** One emulator run in the JSON shape of SPEC §2 (emulator/index.ts toJson). */
export interface RunJson {
  scenario: string | null;
  /** A named driver program's run (the scenario's program on another platform). */
  program?: string;
  chain: string[];
  /** The chain ran with the code's test for 0 (a replayed finding's). */
  guard?: GuardJson;
  platform: Record<string, unknown> & { name: string };
  outcome: string[];
  truth: Record<string, string | null>;
  events: ({ op: string } & Record<string, unknown>)[];
}

export interface ScenarioInfo {
  id: string;
  title: string;
  platform: string;
  /** The scenario's program as a chain. */
  chain?: string[];
  /** The named driver program the platform picker re-runs on another platform (else the chain). */
  program?: string;
}

/** The fields of a platform the picker edits (dmaOffset as "0x…"). */
export interface PlatformFields {
  arch: string;
  pageSize: number;
  iommu: string;
  domain: string;
  era: string;
  dmaOffset: string;
  swiotlb: string;
  untrusted: boolean;
}

/** A platform preset as the picker shows it. */
export interface PlatformInfo extends PlatformFields {
  name: string;
  description: string;
  scenarios: string[];
}

/** Where a replayed finding comes from (the code action / hover link argument). */
export interface SourceRef {
  /** Absolute file system path or a URI string of the source file. */
  path: string;
  /** 1-based line. */
  line: number;
  function: string | null;
  rule: string;
}

/** A kernel virtual-address region of a platform (memory-map picture). */
export interface RegionJson {
  name: string;
  start: string;
  end: string;
}

/** The address box's answer: the value taken as a PA, a kernel VA and a DMA address. */
export interface AddressJson {
  input: string;
  value: string;
  platform: string;
  views: { as: 'pa' | 'va' | 'dma'; rows: { fn: string; value: string | null; note?: string }[] }[];
}

/** Host → webview. */
export type HostToWebview =
  | { type: 'init'; scenarios: ScenarioInfo[]; platforms: PlatformInfo[]; restore: boolean }
  | { type: 'run'; source: 'scenario' | 'chain' | 'program'; run: RunJson; rule?: string; regions: RegionJson[] }
  | { type: 'matrix'; chain: string[]; guard?: GuardJson; rows: RunJson[]; title: string; origin: SourceRef | null; autoOpen: boolean }
  | { type: 'address'; requestId: number; result: AddressJson | null; error?: string }
  | { type: 'saved'; path: string }
  | { type: 'rejected'; count: number }
  | { type: 'error'; message: string };

/** Webview → host. */
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'runScenario'; id: string }
  | { type: 'runChain'; chain: string[]; platform: string; guard?: GuardJson }
  | { type: 'runProgram'; id: string; platform: string }
  | { type: 'runMatrix'; chain: string[]; origin?: SourceRef; guard?: GuardJson }
  | { type: 'lookup'; requestId: number; text: string; platform: string }
  | { type: 'revealSource'; path: string; line: number }
  | { type: 'saveTrace' };

export type WebviewMessageType = WebviewToHost['type'];

/** Size limits of webview → host messages (anything larger is rejected). */
export const LIMITS = {
  chainSteps: 32,
  stepChars: 64,
  platformChars: 256,
  pathChars: 4096,
  functionChars: 256,
  ruleChars: 64,
  addressChars: 64,
  programChars: 40,
  maxLine: 10_000_000,
} as const;

const STEP_RE = /^[a-z-]+(\|[a-z-]+)*$/;
/** A named driver program's id (programs.ts: nicvf-2017, nicvf-fixed, …). */
const PROGRAM_RE = /^[a-z0-9][a-z0-9-]*$/;
const SCENARIO_RE = /^S(1[0-2]|[1-9])$/;
const PLATFORM_RE = /^[A-Za-z0-9_.,=+-]+$/;
const RULE_RE = /^[a-z0-9-]+$/;
const FUNCTION_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Exactly these keys (optional ones may be missing), nothing else. */
function keysOk(m: Obj, required: string[], optional: string[] = []): boolean {
  for (const k of required) if (!(k in m)) return false;
  for (const k of Object.keys(m)) if (!required.includes(k) && !optional.includes(k)) return false;
  return true;
}

function isStr(x: unknown, max: number, re?: RegExp): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= max && (!re || re.test(x));
}

function isInt(x: unknown, min: number, max: number): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= min && x <= max;
}

export function isChain(x: unknown): x is string[] {
  return Array.isArray(x) && x.length > 0 && x.length <= LIMITS.chainSteps && x.every((s) => isStr(s, LIMITS.stepChars, STEP_RE));
}

export function isPlatformSpec(x: unknown): x is string {
  return isStr(x, LIMITS.platformChars, PLATFORM_RE);
}

/** A path: no NUL or control characters, bounded. */
function isPath(x: unknown): x is string {
  // eslint-disable-next-line no-control-regex
  return isStr(x, LIMITS.pathChars) && !/[\u0000-\u001f]/.test(x);
}

/**
 * Why `x` is no guard for `chain` (one line), or undefined when it is one:
 * exactly `{ step }`, a whole number naming a step after the source. (Whether
 * that step gives a value to test is the emulator's to say: checkGuard.)
 */
export function guardProblem(x: unknown, chain: readonly unknown[]): string | undefined {
  if (!isObj(x) || !keysOk(x, ['step'])) return 'guard: expected { "step": N } and no other key';
  if (chain.length < 2) return 'guard: the chain has no step after its source to test';
  if (!isInt(x.step, 1, chain.length - 1)) {
    return `guard: step must be a whole number from 1 to ${chain.length - 1} (a step of the ${chain.length}-word chain after its source), not ${describeRejected(x.step)}`;
  }
  return undefined;
}

function guardOk(m: Obj): boolean {
  return m.guard === undefined || guardProblem(m.guard, m.chain as unknown[]) === undefined;
}

export function isSourceRef(x: unknown): x is SourceRef {
  if (!isObj(x) || !keysOk(x, ['path', 'line', 'function', 'rule'])) return false;
  return isPath(x.path) && isInt(x.line, 1, LIMITS.maxLine) && (x.function === null || isStr(x.function, LIMITS.functionChars, FUNCTION_RE)) && isStr(x.rule, LIMITS.ruleChars, RULE_RE);
}

export function isWebviewToHost(x: unknown): x is WebviewToHost {
  if (!isObj(x)) return false;
  const m = x;
  switch (m.type) {
    case 'ready':
    case 'saveTrace':
      return keysOk(m, ['type']);
    case 'runScenario':
      return keysOk(m, ['type', 'id']) && isStr(m.id, 3, SCENARIO_RE);
    case 'runChain':
      return keysOk(m, ['type', 'chain', 'platform'], ['guard']) && isChain(m.chain) && isPlatformSpec(m.platform) && guardOk(m);
    case 'runProgram':
      return keysOk(m, ['type', 'id', 'platform']) && isStr(m.id, LIMITS.programChars, PROGRAM_RE) && isPlatformSpec(m.platform);
    case 'runMatrix':
      return keysOk(m, ['type', 'chain'], ['origin', 'guard']) && isChain(m.chain) && (m.origin === undefined || isSourceRef(m.origin)) && guardOk(m);
    case 'lookup':
      return keysOk(m, ['type', 'requestId', 'text', 'platform']) && isInt(m.requestId, 0, Number.MAX_SAFE_INTEGER) && isStr(m.text, LIMITS.addressChars) && isPlatformSpec(m.platform);
    case 'revealSource':
      return keysOk(m, ['type', 'path', 'line']) && isPath(m.path) && isInt(m.line, 1, LIMITS.maxLine);
    default:
      return false;
  }
}

/**
 * The Replay command's argument: `{ chain, rule }` plus, when known,
 * `{ path, line, function }`, and `guard` when the code tests a step's result for 0.
 */
export interface ReplayArg {
  chain: string[];
  rule?: string;
  path?: string;
  line?: number;
  function?: string | null;
  guard?: GuardJson;
}

export function isReplayArg(x: unknown): x is ReplayArg {
  return replayArgProblem(x) === undefined;
}

/** Why `x` is no Replay argument (one line, for the log), or undefined when it is one. */
export function replayArgProblem(x: unknown): string | undefined {
  // Unknown extra keys are ignored here (the language server may add some); known ones are checked.
  if (!isObj(x)) return 'not an object';
  if (!isChain(x.chain)) return `chain: expected 1 to ${LIMITS.chainSteps} step words`;
  if (x.rule !== undefined && !isStr(x.rule, LIMITS.ruleChars, RULE_RE)) return 'rule: not a rule id';
  if (x.path !== undefined && !isPath(x.path)) return 'path: not a path';
  if (x.line !== undefined && !isInt(x.line, 1, LIMITS.maxLine)) return 'line: not a line number';
  if (x.function !== undefined && x.function !== null && !isStr(x.function, LIMITS.functionChars, FUNCTION_RE)) return 'function: not a C identifier';
  if (x.guard !== undefined) return guardProblem(x.guard, x.chain);
  return undefined;
}

/** Why the host rejected a webview message, when a guard is the reason (one line), else undefined. */
export function webviewGuardProblem(x: unknown): string | undefined {
  if (!isObj(x) || x.guard === undefined || (x.type !== 'runChain' && x.type !== 'runMatrix')) return undefined;
  return isChain(x.chain) ? guardProblem(x.guard, x.chain) : undefined;
}

/** A short, bounded description of a rejected message for the log (never the whole payload). */
export function describeRejected(x: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(x) ?? String(x);
  } catch {
    s = Object.prototype.toString.call(x);
  }
  return s.length > 200 ? `${s.slice(0, 200)}… (${s.length} chars)` : s;
}
