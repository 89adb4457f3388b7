// Named driver programs the webview's matrix and the CLI can run on any
// platform: the nicvf receive path in its 2017 form (with and without the
// `!phys_addr` check) and in a fixed form with its own page bookkeeping.

import { Machine } from './machine';
import { Nicvf, type NicvfVariant } from './nicvf';
import { NICVF_CHAIN } from './scenarios';
import type { Platform, RunResult } from './types';

export const PROGRAMS: { id: string; title: string; variant: NicvfVariant }[] = [
  { id: 'nicvf-2017', title: 'nicvf receive path as reviewed (nicvf_iova_to_phys, drops a packet when it returns 0)', variant: 'check' },
  { id: 'nicvf-2017-nocheck', title: 'nicvf receive path without the `if (!phys_addr)` test', variant: 'nocheck' },
  { id: 'nicvf-fixed', title: 'nicvf with its own dma → (page, offset) bookkeeping, no reverse translation, no SKIP_CPU_SYNC at unmap', variant: 'fixed' },
];

/** Refill a 68-buffer ring, receive 68 packets, refill, tear down. Truth: buffer 1 of the first page. */
export function runProgramOn(id: string, pl: Platform, record: boolean): RunResult {
  const p = PROGRAMS.find((x) => x.id === id);
  if (!p) throw new Error(`unknown program '${id}' (expected ${PROGRAMS.map((x) => x.id).join(', ')})`);
  const m = new Machine(pl, record);
  const nic = new Nicvf(m, p.variant, 68);
  nic.refill(68);
  for (let i = 0; i < 68; i++) nic.receive();
  if (!nic.oops) nic.refill(68);
  nic.teardown();
  nic.finish();
  const cpu = m.cpu;
  const d1 = nic.packets[1];
  const pa = d1 ? d1.pa : null;
  const pfn = pa === null ? null : pa >> cpu.pageShift;
  return {
    scenario: null,
    program: p.id,
    chain: p.variant === 'fixed' ? ['dma-handle', 'dma-unmap', 'cpu-access', 'put-page'] : [...NICVF_CHAIN],
    platform: pl,
    outcome: m.trace.outcome(),
    truth: { pa, va: pa !== null && cpu.isLowmemPfn(pfn!) ? cpu.physToVirt(pa) : null, page: pfn === null ? null : cpu.pfnToPage(pfn) },
    events: m.trace.events,
  };
}
