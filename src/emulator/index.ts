// Public API of the emulator (SPEC §2). The webview and the CLI use only
// this file; keep the signatures stable.

import type { ChainGuard, EmuEvent, Platform, PlatformPreset, RunResult } from './types';
import { listPresets, parsePlatform as parse } from './platform';
import { runChainProgram, normaliseChain, checkGuard } from './chain';
import { findScenario, NICVF_CHAIN, runScenarioDef, scenarioDefs } from './scenarios';
import { hex } from './hex';
import { PROGRAMS, runProgramOn } from './programs';

export type {
  Arch, ChainGuard, DomainType, EmuEvent, Era, EventOp, IommuKind, Outcome, Platform, PlatformPreset, RunResult,
  SwiotlbMode, Truth, WalkLevel,
} from './types';
export { OUTCOMES } from './types';
export { hex, hexGrouped, parseNumber } from './hex';
export { SOURCES, STEPS, normaliseChain, checkGuard } from './chain';
export { addressViews, type AddressView } from './views';

/** Every platform preset: { name, description, scenarios, ...Platform fields }. */
export function listPlatforms(): PlatformPreset[] {
  return listPresets();
}

/** `preset[,key=value]...` → Platform. Throws Error with a one-line message naming the bad part. */
export function parsePlatform(spec: string): Platform {
  return parse(spec);
}

/** Runs scenario 'S1'..'S12'. Throws Error for an unknown id. */
export function runScenario(id: string, opts?: { record?: boolean }): RunResult {
  const s = findScenario(id);
  if (!s) throw new Error(`unknown scenario '${id}' (expected S1..S12)`);
  return runScenarioDef(s, opts?.record ?? true);
}

/**
 * Runs a chain (SPEC §1.2 step words) on a platform. Throws Error naming a bad
 * chain word or a bad guard. `guard`: the step whose result the code tests for
 * 0 — a 0 there ends the run, as the code skips the rest (ChainGuard).
 */
export function runChain(chain: string[], platform: Platform, opts?: { record?: boolean; guard?: ChainGuard }): RunResult {
  return runChainProgram(chain, platform, opts?.record ?? true, null, opts?.guard);
}

/** The chain on every platform preset (rows carry no events); `guard` as for runChain. */
export function runMatrix(chain: string[], opts?: { guard?: ChainGuard }): { chain: string[]; guard?: ChainGuard; rows: RunResult[] } {
  const norm = normaliseChain(chain);
  const guard = opts?.guard === undefined ? undefined : checkGuard(norm, opts.guard);
  const rows = listPresets().map((p) => ({ ...runChainProgram(norm, parse(p.name), false, null, guard), events: [] }));
  return { chain: norm, ...(guard ? { guard } : {}), rows };
}

/** Named driver programs (nicvf 2017 forms and the fixed form). */
export function listPrograms(): { id: string; title: string }[] {
  return PROGRAMS.map((p) => ({ id: p.id, title: p.title }));
}

/** Runs a named driver program on a platform. */
export function runProgram(id: string, platform: Platform, opts?: { record?: boolean }): RunResult {
  return runProgramOn(id, platform, opts?.record ?? true);
}

/** A named program on every platform preset (rows without events). */
export function runProgramMatrix(id: string): { program: string; rows: RunResult[] } {
  return { program: id, rows: listPresets().map((p) => ({ ...runProgramOn(id, parse(p.name), false), events: [] })) };
}

/**
 * The scenarios; `program`: the named program that is the scenario's driver
 * on another platform (the nicvf receive path of S1–S6 and S12), what the
 * panel re-runs when the user changes the platform.
 */
export function listScenarios(): { id: string; title: string; platform: string; program?: string }[] {
  return scenarioDefs().map((s) => ({ id: s.id, title: s.title, platform: s.platform, ...(s.chain.join() === NICVF_CHAIN.join() ? { program: 'nicvf-2017' } : {}) }));
}

/** Scenario documentation (what it shows, choices made where the facts are unsure). */
export function scenarioDoc(id: string): { id: string; title: string; platform: string; chain: string[]; doc: string } | null {
  const s = findScenario(id);
  return s ? { id: s.id, title: s.title, platform: s.platform, chain: [...s.chain], doc: s.doc } : null;
}

/** bigint → "0x…" recursively; everything else as is. */
function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return hex(v);
  if (Array.isArray(v)) return v.map(jsonValue);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = jsonValue(x);
    return o;
  }
  return v;
}

export function platformJson(p: Platform): Record<string, unknown> {
  return {
    name: p.name, arch: p.arch, pageSize: p.pageSize, iommu: p.iommu, domain: p.domain, era: p.era,
    dmaOffset: hex(p.dmaOffset), swiotlb: p.swiotlb, untrusted: p.untrusted,
  };
}

export function eventJson(e: EmuEvent): unknown { return jsonValue(e); }

/** The SPEC §2 JSON shape of one run: addresses as lowercase "0x…" strings. */
export function toJson(result: RunResult): unknown {
  return {
    scenario: result.scenario,
    ...(result.program ? { program: result.program } : {}),
    chain: [...result.chain],
    ...(result.guard ? { guard: { step: result.guard.step } } : {}),
    platform: platformJson(result.platform),
    outcome: [...result.outcome],
    truth: {
      pa: result.truth.pa === null ? null : hex(result.truth.pa),
      va: result.truth.va === null ? null : hex(result.truth.va),
      page: result.truth.page === null ? null : hex(result.truth.page),
    },
    events: result.events.map(eventJson),
  };
}
