// The generic driver program built from a finding's chain (SPEC §1.2):
// a source word, then translation steps, run on any platform. The program
// allocates a real buffer (the truth), produces the source value the way a
// driver would, applies each step with the kernel's arithmetic and judges
// every value against the truth.

import { Machine, DMA_MAPPING_ERROR } from './machine';
import type { ChainGuard, Outcome, Platform, RunResult, Truth } from './types';
import { DMA_ATTR_SKIP_CPU_SYNC, DMA_FROM_DEVICE } from './swiotlb';
import { classifyPa, type Buffer } from './judge';
import { hex } from './hex';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE } from './io-pgtable-arm';

export const SOURCES = ['dma-handle', 'coherent-va', 'vmalloc-va', 'ioremap-va', 'linear-va'] as const;
export const STEPS = ['iova-to-phys', 'identity', 'phys-to-virt', 'virt-to-phys', 'virt-to-page', 'virt-addr-valid', 'pfn-to-page', 'page-address', 'dma-unmap', 'cpu-access', 'put-page', 'to-device'] as const;

const ALIASES: Record<string, string> = {
  '__va': 'phys-to-virt', 'phys_to_virt': 'phys-to-virt', '__pa': 'virt-to-phys', 'virt_to_phys': 'virt-to-phys',
  'virt_to_head_page': 'virt-to-page', 'virt-to-head-page': 'virt-to-page', 'virt_to_page': 'virt-to-page',
  'phys_to_page': 'pfn-to-page', 'phys-to-page': 'pfn-to-page', 'PHYS_PFN': 'pfn-to-page', 'phys-pfn': 'pfn-to-page', 'pfn_to_page': 'pfn-to-page',
  'page_frag_free': 'put-page', 'page-frag-free': 'put-page', 'skb_free_frag': 'put-page', 'skb-free-frag': 'put-page', 'put_page': 'put-page',
  'iommu_iova_to_phys': 'iova-to-phys', 'virt_addr_valid': 'virt-addr-valid', 'page_address': 'page-address', 'dma_unmap': 'dma-unmap', 'dma-unmap-page': 'dma-unmap', 'dma-unmap-single': 'dma-unmap',
};

/** A word of the user's as an error message quotes it: a pasted 100 KB chain is not echoed whole. */
function quoted(w: string): string {
  return `'${w.length > 40 ? `${w.slice(0, 40)}…` : w}'`;
}

/**
 * Normalises and validates a chain; throws Error naming the bad word. The
 * one choice a step may offer is the nicvf helper's `iova-to-phys|identity`
 * (a lookup when the device has a domain, else the address itself): any
 * other alternative — or one in the source — would run a program nobody
 * named.
 */
export function normaliseChain(chain: string[]): string[] {
  if (chain.length === 0) throw new Error('empty chain (expected a source such as dma-handle, then steps)');
  return chain.map((w, i) => {
    // (Own keys only: `__proto__` or `constructor` typed as a step is a bad word, not Object's.)
    const alias = (a: string) => (Object.hasOwn(ALIASES, a) ? ALIASES[a] : undefined);
    const alts = w.split('|').map((a) => a.trim()).map((a) => alias(a) ?? alias(a.toLowerCase()) ?? a.toLowerCase());
    for (const a of alts) {
      const ok = i === 0 ? (SOURCES as readonly string[]).includes(a) : (STEPS as readonly string[]).includes(a);
      if (!ok) {
        throw new Error(i === 0
          ? `bad chain source ${quoted(a)} (expected one of ${SOURCES.join(', ')})`
          : `bad chain step ${quoted(a)} (expected one of ${STEPS.join(', ')})`);
      }
    }
    if (alts.length > 1) {
      if (i === 0) throw new Error(`bad chain source ${quoted(w)}: a chain starts from one source`);
      if (alts.length !== 2 || !alts.includes('iova-to-phys') || !alts.includes('identity')) {
        throw new Error(`bad chain step ${quoted(w)}: the one choice a step can offer is iova-to-phys|identity (the lookup when the device has an IOMMU domain, else the address itself)`);
      }
    }
    return alts.join('|');
  });
}

type Kind = 'dma' | 'phys' | 'va' | 'page' | 'none';

/** Steps that act on the value rather than give a new one (and virt-addr-valid, a test: its answer is RunResult.answer). */
const ACTIONS = new Set(['dma-unmap', 'cpu-access', 'put-page', 'to-device', 'virt-addr-valid']);

/** A rejected value as an error line shows it: its JSON, cut short (or String() of what JSON cannot say). */
function brief(x: unknown, max: number): string {
  try {
    return JSON.stringify(x)?.slice(0, max) ?? String(x);
  } catch {
    return String(x);
  }
}

/**
 * Checks a guard (the code's test for 0 of a step's result) against a
 * normalised chain; throws Error with a one-line message. The tested step
 * is one that gives a value: a step after the source, not an action.
 */
export function checkGuard(chain: string[], guard: unknown): ChainGuard {
  const shown = brief(guard, 60);
  if (typeof guard !== 'object' || guard === null || Array.isArray(guard) || Object.keys(guard).join() !== 'step') {
    throw new Error(`bad guard ${shown}: expected { "step": N }, N the index of the chain step whose result the code tests for 0`);
  }
  const step = (guard as { step: unknown }).step;
  if (chain.length < 2) throw new Error(`bad guard ${shown}: the chain has no step after its source to test`);
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 1 || step >= chain.length) {
    throw new Error(`bad guard step ${brief(step, 40)}: expected a whole number from 1 to ${chain.length - 1} (a step of this ${chain.length}-word chain after its source)`);
  }
  const w = chain[step];
  if (w.split('|').every((a) => ACTIONS.has(a))) throw new Error(`bad guard step ${step}: ${w} gives no value the code could test for 0`);
  return { step };
}

const LEN = 1920; // nicvf RCV_FRAG_LEN: the buffer every chain follows

/**
 * `guard`: the code tests that step's result for 0 and, when it is 0, does
 * nothing more (`if (phys_addr) put_page(…)`): the run ends there and the
 * steps after it are skipped — a put_page skipped leaves the buffer's
 * reference held (leak). A non-zero result goes on as without the guard.
 */
export function runChainProgram(chainIn: string[], pl: Platform, record: boolean, scenario: string | null = null, guardIn?: ChainGuard): RunResult {
  const chain = normaliseChain(chainIn);
  const guard = guardIn === undefined ? undefined : checkGuard(chain, guardIn);
  const m = new Machine(pl, record);
  const t = m.trace;
  const cpu = m.cpu;
  const det = m.det;
  const src = chain[0];
  let buf: Buffer;
  let cur: { kind: Kind; v: bigint } = { kind: 'none', v: 0n };
  let handle: bigint | null = null;
  const truth: Truth = { pa: null, va: null, page: null };
  const bad = new Set<Outcome>();
  let putDone = false;
  /** A guard's 0 ended the run before a put_page: the buffer's reference is never dropped. */
  let putSkipped = false;
  /** A guard's 0 ended the run: the code did nothing more (no fault, nothing left to judge). */
  let skipped = false;
  /** A dma-unmap step has run: the handle is dead (a second unmap is a bug of its own). */
  let unmapped = false;
  let stopped = false;
  let mmio = false;
  let answer: string | undefined;

  t.step = 0;
  const pagePa = det.bufferPage;
  const offset = det.bufferOffset;
  if (src === 'dma-handle' || src === 'linear-va') {
    let pfn: bigint;
    if (src === 'linear-va' && !cpu.isLowmemPfn(pagePa >> cpu.pageShift)) pfn = m.mem.allocPage('kmalloc page (lowmem)', 'kernel');
    else pfn = m.mem.allocPage(src === 'dma-handle' ? 'receive buffer page' : 'kmalloc / page allocator page');
    buf = { pfn, offset: src === 'dma-handle' ? offset : 0, size: LEN, label: 'packet-A' };
    const pa = (pfn << cpu.pageShift) + BigInt(buf.offset);
    truth.pa = pa;
    truth.page = cpu.pfnToPage(pfn);
    truth.va = cpu.isLowmemPfn(pfn) ? cpu.physToVirt(pa) : null;
    if (src === 'dma-handle') {
      const dma = m.dmaMapPage(pfn, buf.offset, LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
      if (dma === DMA_MAPPING_ERROR) { bad.add('map-error'); stopped = true; }
      else {
        handle = dma;
        if (m.deviceWrite(dma, LEN, buf.label) === null) bad.add('fault');
        cur = { kind: 'dma', v: dma };
      }
    } else {
      m.mem.write(pa, LEN, buf.label);
      cur = truth.va !== null ? { kind: 'va', v: truth.va } : { kind: 'none', v: 0n };
    }
  } else if (src === 'vmalloc-va') {
    const va = m.mem.vmalloc(BigInt(LEN), 'vmalloc buffer');
    const pa = m.mem.vmallocToPhys(va)!;
    buf = { pfn: pa >> cpu.pageShift, offset: Number(pa % cpu.pageSize), size: LEN, label: 'packet-A' };
    m.mem.write(pa, LEN, buf.label);
    truth.pa = pa; truth.va = va; truth.page = cpu.pfnToPage(buf.pfn);
    cur = { kind: 'va', v: va };
    // Such a buffer is often handed to the DMA API too: dma_map_single rejects it.
    const dma = m.dmaMapSingle(va, LEN, DMA_FROM_DEVICE, 0);
    if (dma === DMA_MAPPING_ERROR) bad.add('map-error'); else handle = dma;
  } else if (src === 'coherent-va') {
    // dma_alloc_coherent: dma-iommu remaps the pages into vmalloc space (iommu_dma_alloc_remap);
    // dma-direct on a coherent device returns the linear-map address.
    const pfn = m.mem.allocPage('dma_alloc_coherent page');
    buf = { pfn, offset: 0, size: LEN, label: 'packet-A' };
    const pa = pfn << cpu.pageShift;
    let va: bigint;
    if (m.usesDmaIommu()) {
      va = m.mem.vmap([pfn], 'dma_alloc_coherent remap');
      handle = m.iommuDmaMapRaw(pa, Number(cpu.pageSize), IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE);
    } else {
      va = cpu.isLowmemPfn(pfn) ? cpu.physToVirt(pa) : m.mem.vmap([pfn], 'dma_alloc_coherent remap (highmem)');
      handle = m.physToDma(pa);
    }
    t.emit({ op: 'alloc', what: 'dma_alloc_coherent', pa, va, size: Number(cpu.pageSize), page: cpu.pfnToPage(pfn), note: `cpu_addr ${hex(va)}, dma_handle ${hex(handle)}` });
    m.mem.write(pa, LEN, buf.label);
    truth.pa = pa; truth.va = va; truth.page = cpu.pfnToPage(pfn);
    cur = { kind: 'va', v: va };
  } else {
    // ioremap of a device BAR: MMIO, no struct page, VA in the vmalloc area.
    const bar = 0x40_0000_0000n + (cpu.arch === 'arm32' ? -0x3f_e000_0000n : 0n);
    const va = m.mem.vmap([bar >> cpu.pageShift], 'ioremap (device BAR)');
    mmio = true;
    buf = { pfn: bar >> cpu.pageShift, offset: 0, size: LEN, label: 'mmio' };
    t.emit({ op: 'alloc', what: 'ioremap', pa: bar, va, size: Number(cpu.pageSize), page: null, note: 'MMIO: no RAM, no struct page' });
    truth.pa = bar; truth.va = va; truth.page = null;
    cur = { kind: 'va', v: va };
  }

  const flagPa = (pa: bigint, exact = true): void => {
    const c = classifyPa(m, pa, buf, exact);
    if (c) bad.add(c);
  };

  // What the chain holds after each word (the hover's per-step table).
  const values: string[] = [stopped ? 'fault' : cur.kind === 'none' ? '—' : hex(cur.v)];
  // After page_address() the code holds the page's start; it adds the offset itself, so only the page is judged.
  let pageBase = false;
  for (let i = 1; i < chain.length && !stopped; i++) {
    t.step = i;
    const wasPageBase: boolean = pageBase;
    pageBase = false;
    let step = chain[i];
    if (step.includes('|')) {
      // (normaliseChain() allows this one choice only.) The nicvf helper: iommu_iova_to_phys when the device has a domain, else the DMA address itself.
      step = m.domainForDev() ? 'iova-to-phys' : 'identity';
      t.emit({ op: 'translate', fn: 'choose', in: 0n, out: 0n, note: `${chain[i]}: takes ${step} here (${m.domainForDev() ? 'iommu_get_domain_for_dev() != NULL' : 'no IOMMU domain'})` });
    }
    const v = cur.v;
    switch (step) {
      case 'iova-to-phys': {
        const d = m.domainForDev();
        if (!d) {
          t.emit({ op: 'fault', who: 'cpu', addr: 0n, event: 'NULL pointer dereference', note: 'iommu_iova_to_phys(NULL, …): the device has no IOMMU domain' });
          bad.add('fault'); stopped = true; break;
        }
        const out = d.iovaToPhys(v);
        if (out === 0n) bad.add('null');
        // The reverse lookup's answer is judged exactly: the right page without the in-page offset
        // (Intel v5.3–v5.5) reads another buffer carved from that page (facts §8, extras).
        else if (cur.kind === 'dma') flagPa(out, !wasPageBase);
        cur = { kind: 'phys', v: out };
        break;
      }
      case 'identity':
        t.emit({ op: 'translate', fn: 'identity', in: v, out: v, note: 'the DMA address taken as a physical address' });
        cur = { kind: 'phys', v };
        break;
      case 'phys-to-virt': {
        const out = cpu.physToVirt(v);
        t.emit({ op: 'translate', fn: 'phys_to_virt', in: v, out, note: cpu.isLinear(out) ? undefined : 'not a linear-map address' });
        cur = { kind: 'va', v: out };
        pageBase = wasPageBase;
        break;
      }
      case 'virt-to-phys': {
        const out = cpu.virtToPhys(v);
        t.emit({ op: 'translate', fn: 'virt_to_phys', in: v, out, note: cpu.isLinear(v) ? undefined : cpu.arch === 'arm64' ? 'non-linear address: kernel-image formula (__kimg_to_phys)' : 'not a lowmem address' });
        cur = { kind: 'phys', v: out };
        pageBase = wasPageBase;
        break;
      }
      case 'virt-to-page': {
        const out = cpu.virtToPage(v);
        t.emit({ op: 'translate', fn: 'virt_to_page', in: v, out, note: m.mem.validPagePtr(out) ? undefined : 'not a valid struct page' });
        cur = { kind: 'page', v: out };
        break;
      }
      case 'virt-addr-valid': {
        // A test, not a conversion: the address goes on as it is. Its answer is the finding's point —
        // for coherent memory it depends on whether the platform remapped the buffer (dma-iommu: vmap).
        const valid = cpu.isLinear(v) && m.mem.isRam(cpu.virtToPhys(v));
        answer = `virt_addr_valid() = ${valid}`;
        t.emit({ op: 'translate', fn: 'virt_addr_valid', in: v, out: valid ? 1n : 0n, note: valid ? 'true: a linear-map address here' : 'false: not a linear-map address here (a driver that branches on it takes another path on this platform)' });
        break;
      }
      case 'pfn-to-page': {
        const pfn = cur.kind === 'phys' || cur.kind === 'dma' ? v >> cpu.pageShift : v;
        const out = cpu.pfnToPage(pfn);
        t.emit({ op: 'translate', fn: 'pfn_to_page', in: pfn, out });
        cur = { kind: 'page', v: out };
        break;
      }
      case 'page-address': {
        const out = cpu.pageAddress(v);
        t.emit({ op: 'translate', fn: 'page_address', in: v, out, note: out === 0n ? 'highmem page without a kmap: NULL' : undefined });
        if (out === 0n) bad.add('null');
        cur = { kind: 'va', v: out };
        pageBase = true;
        break;
      }
      case 'dma-unmap': {
        if (handle === null) { t.emit({ op: 'translate', fn: 'note', in: 0n, out: 0n, note: 'nothing mapped to unmap' }); break; }
        if (unmapped) {
          // The handle is dead: iommu_dma_unmap_page() looks it up again — 0 (WARN_ON(!phys), nothing
          // done), or, once the IOVA went to the next buffer, that buffer's page: its live mapping is torn down.
          const d = m.domainForDev();
          const now = d && m.usesDmaIommu() ? d.iovaToPhys(handle) : null;
          m.dmaUnmapPage(handle, LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
          t.emit({ op: 'translate', fn: 'note', in: handle, out: now ?? 0n, note: now === null ? 'second unmap of the same handle (dma-direct does not notice; CONFIG_DMA_API_DEBUG reports it)' : now === 0n ? 'second unmap of the same handle: WARN_ON(!phys) in iommu_dma_unmap_page' : 'second unmap of the same handle: the IOVA now maps another buffer, whose mapping this removes' });
          if (now !== null) bad.add(now === 0n ? 'null' : 'wrong-page');
          break;
        }
        unmapped = true;
        m.dmaUnmapPage(handle, LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
        // The receive path goes on: the next buffer is mapped (refill) and receives a packet.
        const other = m.mem.allocPage('next receive buffer page');
        const dma2 = m.dmaMapPage(other, 0, LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
        if (dma2 !== DMA_MAPPING_ERROR) m.deviceWrite(dma2, LEN, 'packet-B');
        // A late DMA to the old handle: a stale IOTLB entry (lazy flush) still lets it through.
        if (m.iommu && m.iommu.fq && m.iommu.iotlb.has(Math.floor(Number(handle) / m.iommu.granule))) {
          t.emit({ op: 'fault', who: 'device', addr: handle, event: 'stale IOTLB', note: 'PTE cleared, TLB not yet invalidated (flush queue): the device can still write to the old page' });
          bad.add('stale-iotlb');
        }
        break;
      }
      case 'cpu-access': {
        const va = cur.kind === 'page' ? cpu.pageAddress(v) : v;
        const pa = m.mem.cpuResolve(va);
        if (pa === null) {
          t.emit({ op: 'fault', who: 'cpu', addr: va, event: 'Unable to handle kernel paging request', note: `at virtual address ${hex(va)}` });
          bad.add('fault'); stopped = true; break;
        }
        if (mmio) {
          t.emit({ op: 'fault', who: 'cpu', addr: va, event: 'unexpected MMIO access', note: 'plain load/store on an MMIO address' });
          break;
        }
        t.emit({ op: 'translate', fn: 'cpu access', in: va, out: pa, note: `reads ${m.mem.read(pa) ?? 'stale data'}` });
        flagPa(pa, !(wasPageBase || cur.kind === 'page'));
        pageBase = wasPageBase;
        break;
      }
      case 'put-page': {
        const page = cur.kind === 'page' ? v : cur.kind === 'phys' ? cpu.pfnToPage(v >> cpu.pageShift) : cpu.virtToPage(v);
        if (!m.mem.validPagePtr(page)) {
          t.emit({ op: 'fault', who: 'cpu', addr: page, event: 'Unable to handle kernel paging request', note: `put_page on ${hex(page)}: not a struct page` });
          bad.add('fault'); stopped = true; break;
        }
        const pfn = cpu.pageToPfn(page);
        m.mem.putPage(pfn, pfn === buf.pfn ? 'the buffer\'s reference' : 'drops a reference on a page the driver does not own');
        putDone = true;
        if (pfn !== buf.pfn) flagPa(pfn << cpu.pageShift, false);
        break;
      }
      case 'to-device': {
        const pa = m.deviceWrite(v, 64, 'device-write');
        if (pa === null) { bad.add('fault'); break; }
        t.emit({ op: 'translate', fn: 'device write', in: v, out: pa, note: classifyPa(m, pa, buf, !wasPageBase) === null ? 'reaches the buffer' : 'the device writes this address: not the buffer' });
        flagPa(pa, !wasPageBase);
        break;
      }
    }
    values.push(stopped ? 'fault' : ACTIONS.has(step) ? '—' : hex(cur.v));
    if (guard && guard.step === i && !stopped && !ACTIONS.has(step) && cur.v === 0n) {
      // `if (phys_addr) put_page(…)` / `if (!phys_addr) return NULL;`: the driver sees the 0 and stops.
      const rest = chain.slice(i + 1);
      putSkipped = rest.includes('put-page');
      skipped = true;
      bad.add('null');
      t.emit({
        op: 'translate', fn: 'note', in: cur.v, out: 0n,
        note: `${step} gave 0 and the driver tests for it: it skips ${rest.length ? rest.join(' → ') : 'nothing (the test is the last step)'}${putSkipped ? '; put_page is not done, so the buffer\'s page reference is never dropped (leak)' : ''}`,
      });
      for (let k = i + 1; k < chain.length; k++) values.push('skipped');
      break;
    }
  }
  t.step = undefined;

  // A value left at the end of the chain is compared with the truth.
  const last = chain[chain.length - 1];
  if (!stopped && !skipped && !['cpu-access', 'put-page', 'to-device', 'dma-unmap'].includes(last)) {
    if (cur.kind === 'phys' && cur.v !== 0n) flagPa(cur.v);
    else if (cur.kind === 'va' && cur.v !== 0n) {
      const pa = m.mem.cpuResolve(cur.v);
      if (pa === null) { if (!mmio) bad.add('fault'); } else flagPa(pa, !pageBase);
    } else if (cur.kind === 'page') {
      if (!m.mem.validPagePtr(cur.v)) bad.add('fault'); else flagPa(cpu.pageToPfn(cur.v) << cpu.pageShift, false);
    }
    // (A DMA address left as it is was used as nothing: whether its number happens to be RAM says nothing.)
  }
  if ((putDone || putSkipped) && m.mem.ref(buf!.pfn) > 0) bad.add('leak');
  for (const o of bad) t.flag(o);
  // (The machine may have flagged on its own: a put_page on a count already 0 is an oops.)
  if (bad.size === 0 && t.outcome().length === 0) t.flag('correct');
  return { scenario, chain, ...(guard ? { guard } : {}), platform: pl, outcome: t.outcome(), truth, events: t.events, ...(answer ? { answer } : {}), values };
}
