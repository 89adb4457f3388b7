// `iova-lens emulate`: runs a scenario or a chain in the emulator and prints
// the trace and the outcome (SPEC §2). JSON is the contract; text is for people.

import {
  listPlatforms, listScenarios, parsePlatform, runChain, runMatrix, runScenario, toJson, scenarioDoc,
  hex, hexGrouped, platformJson, type EmuEvent, type RunResult,
} from '../emulator/index';
import { guardText } from '../protocol/view-model';

export interface EmulateIO { out(s: string): void; err(s: string): void; isTTY: boolean }

const USAGE = 'usage: iova-lens emulate S1..S12 | --chain STEPS [--guard N] [--platform P] [--matrix] [--format text|json] | --platforms';
/** `--help`: the usage line and what the less obvious options mean. */
const HELP = `${USAGE}
  --chain STEPS  a source word, then steps, comma-separated (dma-handle,iova-to-phys|identity,phys-to-virt,virt-to-page,put-page)
  --guard N      the code tests the result of chain step N (1 = the first after the source) for 0 and
                 goes no further on 0, as \`if (phys_addr) put_page(...)\` does: a 0 there ends the run
  --matrix       the chain on every platform preset
  --platform P   a preset (see --platforms), optionally with overrides:
                 arm64-64k,iommu=smmuv3,domain=identity,era=2017,dma-offset=0x80000000,swiotlb=force
  --format F     text (the trace, default) or json
  --platforms    list the presets and the scenarios each one runs
`;

class UsageError extends Error {}

interface Opts { scenario?: string; chain?: string[]; guard?: number; platform?: string; format: 'text' | 'json'; matrix: boolean; platforms: boolean; help: boolean }

function parseArgs(args: string[]): Opts {
  const o: Opts = { format: 'text', matrix: false, platforms: false, help: false };
  const a = args[0] === 'emulate' ? args.slice(1) : args;
  const value = (i: number, name: string): string => {
    const v = a[i + 1];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
    return v;
  };
  for (let i = 0; i < a.length; i++) {
    const arg = a[i];
    let [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const take = (): string => { if (inline !== undefined) return inline; const v = value(i, name); i++; return v; };
    switch (name) {
      case '--chain': o.chain = take().split(',').map((s) => s.trim()).filter(Boolean); break;
      case '--platform': o.platform = take(); break;
      case '--guard': {
        const g = take();
        if (!/^\d{1,3}$/.test(g)) throw new UsageError(`--guard takes a chain step number (1 = the first step after the source), not '${g.length > 40 ? `${g.slice(0, 40)}…` : g}'`);
        o.guard = Number(g);
        break;
      }
      case '--format': {
        const f = take();
        if (f !== 'text' && f !== 'json') throw new UsageError(`--format must be text or json, not '${f}'`);
        o.format = f;
        break;
      }
      case '--matrix': o.matrix = true; break;
      case '--platforms': o.platforms = true; break;
      case '-h': case '--help': o.help = true; break;
      default:
        if (name.startsWith('-')) throw new UsageError(`unknown option '${name}'`);
        if (o.scenario) throw new UsageError(`unexpected argument '${arg}'`);
        o.scenario = arg;
        inline = undefined;
    }
  }
  return o;
}

function eventText(e: EmuEvent): string {
  const h = hexGrouped;
  const step = e.step !== undefined ? `[${e.step}] ` : '';
  const n = e.note ? `  — ${e.note}` : '';
  switch (e.op) {
    case 'alloc': return `${step}alloc     ${e.what}: ${e.iova !== undefined ? `iova ${h(e.iova)}` : `pa ${e.pa === null ? '-' : h(e.pa)}`}${e.va !== null ? ` va ${h(e.va)}` : ''} size ${e.size}${e.page !== null ? ` page ${h(e.page)}` : ''}${n}`;
    case 'free': return `${step}free      ${e.what}: pa ${h(e.pa)} size ${e.size}${n}`;
    case 'map': return `${step}map       ${e.api}: ${h(e.iova)} → ${h(e.pa)} size ${e.size}${e.pte !== null ? ` pte ${h(e.pte)}` : ''}${n}`;
    case 'unmap': return `${step}unmap     ${e.api}: ${h(e.iova)} size ${e.size}${n}`;
    case 'walk': return `${step}walk      ${h(e.iova)}: ${e.levels.map((l) => `L${l.level}[${l.index}]=${h(l.descriptor)}`).join(' → ')} ⇒ ${h(e.out)}${n}`;
    case 'translate': return e.fn === 'note' || e.fn === 'choose' ? `${step}          ${e.note ?? ''}` : `${step}translate ${e.fn}(${h(e.in)}) = ${h(e.out)}${n}`;
    case 'bounce': return `${step}bounce    ${e.dir} slot ${e.slot}: orig ${h(e.orig)} tlb ${h(e.tlb)} size ${e.size}${n}`;
    case 'page-get': return `${step}page-get  ${h(e.page)} (pfn ${h(e.pfn)}) count ${e.count}${n}`;
    case 'page-put': return `${step}page-put  ${h(e.page)} (pfn ${h(e.pfn)}) count ${e.count}${n}`;
    case 'fault': return `${step}FAULT     ${e.who}: ${e.event} at ${h(e.addr)}${n}`;
  }
}

function runText(r: RunResult, title?: string): string {
  const lines: string[] = [];
  if (r.scenario) lines.push(`${r.scenario}${title ? ` — ${title}` : ''}`);
  const p = r.platform;
  lines.push(`platform: ${p.name} (${p.arch}, ${p.pageSize / 1024}K pages, iommu=${p.iommu}, domain=${p.domain}, era=${p.era}, dma-offset=${hex(p.dmaOffset)}, swiotlb=${p.swiotlb}${p.untrusted ? ', untrusted' : ''})`);
  lines.push(`chain:    ${r.chain.join(' → ')}`);
  if (r.guard) lines.push(`guard:    ${guardText(r.chain, r.guard)}`);
  lines.push('');
  for (const e of r.events) lines.push(eventText(e));
  lines.push('');
  const t = r.truth;
  lines.push(`truth:    pa ${t.pa === null ? '-' : hexGrouped(t.pa)}  va ${t.va === null ? '-' : hexGrouped(t.va)}  page ${t.page === null ? '-' : hexGrouped(t.page)}`);
  lines.push(`outcome:  ${r.outcome.join(', ')}${r.answer ? ` (${r.answer})` : ''}`);
  return lines.join('\n') + '\n';
}

export function runEmulate(args: string[], io: EmulateIO): number {
  let o: Opts;
  try {
    o = parseArgs(args);
  } catch (e) {
    io.err(`iova-lens emulate: ${(e as Error).message}\n`);
    return 2;
  }
  if (o.help) { io.out(HELP); return 0; }
  const fail = (msg: string): number => { io.err(`iova-lens emulate: ${msg}\n`); return 2; };
  try {
    if (o.platforms) {
      if (o.scenario || o.chain || o.matrix || o.guard !== undefined) return fail('--platforms takes no scenario, chain, guard or matrix');
      const ps = listPlatforms();
      if (o.format === 'json') {
        io.out(JSON.stringify(ps.map((p) => ({ ...platformJson(p), description: p.description, scenarios: p.scenarios })), null, 2) + '\n');
      } else {
        const w = Math.max(...ps.map((p) => p.name.length));
        for (const p of ps) io.out(`${p.name.padEnd(w)}  ${p.description}${p.scenarios.length ? ` [${p.scenarios.join(', ')}]` : ''}\n`);
      }
      return 0;
    }
    if (o.scenario && o.chain) return fail('give a scenario or --chain, not both');
    if (o.scenario) {
      if (o.platform) return fail('--platform goes with --chain (a scenario has its own platform)');
      if (o.matrix) return fail('--matrix goes with --chain');
      if (o.guard !== undefined) return fail('--guard goes with --chain (a scenario\'s driver has its own tests)');
      if (!/^S([1-9]|1[0-2])$/i.test(o.scenario)) return fail(`unknown scenario '${o.scenario}' (expected S1..S12)`);
      const r = runScenario(o.scenario.toUpperCase());
      const doc = scenarioDoc(r.scenario!);
      io.out(o.format === 'json' ? JSON.stringify(toJson(r), null, 2) + '\n' : runText(r, doc?.title));
      return 0;
    }
    if (o.chain) {
      if (o.chain.length === 0) return fail('--chain needs at least a source word');
      const guard = o.guard === undefined ? undefined : { step: o.guard };
      if (o.matrix) {
        if (o.platform) return fail('--matrix runs every preset; drop --platform');
        const mx = runMatrix(o.chain, { guard });
        if (o.format === 'json') {
          io.out(JSON.stringify({ chain: mx.chain, ...(mx.guard ? { guard: mx.guard } : {}), rows: mx.rows.map((r) => { const j = toJson(r) as Record<string, unknown>; delete j.events; delete j.guard; return j; }) }, null, 2) + '\n');
        } else {
          const w = Math.max(...mx.rows.map((r) => r.platform.name.length));
          io.out(`chain: ${mx.chain.join(' → ')}\n${mx.guard ? `guard: ${guardText(mx.chain, mx.guard)}\n` : ''}\n`);
          for (const r of mx.rows) io.out(`${r.platform.name.padEnd(w)}  ${r.outcome.join(', ')}${r.answer ? ` (${r.answer})` : ''}\n`);
        }
        return 0;
      }
      const pl = parsePlatform(o.platform ?? 'arm64-64k-smmuv3');
      const r = runChain(o.chain, pl, { guard });
      io.out(o.format === 'json' ? JSON.stringify(toJson(r), null, 2) + '\n' : runText(r));
      return 0;
    }
    if (o.matrix) return fail('--matrix needs --chain STEPS');
    if (o.guard !== undefined) return fail('--guard needs --chain STEPS');
    if (o.platform) return fail('--platform needs --chain STEPS');
    io.err(USAGE + '\n');
    return 2;
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]);
  }
}

export { listScenarios };
