// SPDX-License-Identifier: MIT
// Concern (b): a DMA (bus) address taken as a CPU physical address — the
// identity fallback `d ? iommu_iova_to_phys(d, a) : a`, phys_to_virt() or
// pfn_to_page() of a DMA handle, or a CPU physical address written to the
// device where a mapped DMA address belongs.
import { chainOf, chainWithGuard, isRawDma, locKey, LINEAR_WORDS, USE_WORDS, type ApplyEvent, type Val } from '../analysis/model';
import { applyEvents, concernsOf, guarded, MAX_RELATED, relatedOf, type RawFinding, type RuleContext, type RuleModule } from './rule';

export const rule: RuleModule = {
  meta: {
    id: 'dma-addr-as-phys',
    concerns: ['b'],
    defaultSeverity: 'warning',
    short: 'A DMA address is used as a CPU physical address (or the reverse).',
  },
  check(ctx: RuleContext): RawFinding[] {
    const out: RawFinding[] = [];
    const events = applyEvents(ctx);
    // 1. Identity fallbacks: roots are the identity steps, wherever they flow.
    const identities = new Map<string, { vals: Val[]; word?: string; fn: string | null }>();
    const consider = (vals: Val[], word: string | undefined) => {
      for (const v of vals) {
        const s = v.steps.find((x) => x.word === 'identity');
        if (!s) continue;
        const k = locKey(s.loc);
        const cur = identities.get(k);
        if (!cur || Math.max(...cur.vals.map((x) => x.steps.length)) < v.steps.length) identities.set(k, { vals, word, fn: s.fn });
      }
    };
    for (const r of ctx.results) consider(r.returns.map((x) => x.val), undefined);
    for (const e of events) consider(e.input, e.word);
    for (const [, it] of identities) {
      const s = it.vals.flatMap((v) => v.steps).find((x) => x.word === 'identity')!;
      out.push({
        loc: s.loc,
        fn: it.fn,
        // The fallback line shows b (and c when the result is then fed to the linear map), not a.
        concerns: concernsOf(it.vals.filter((v) => v.steps.some((x) => x.word === 'identity')), it.word).filter((c) => c !== 'a'),
        ...chainWithGuard(it.vals, it.word ? [it.word] : []),
        related: relatedOf(it.vals, s.loc),
        message:
          'identity fallback: without an IOMMU domain the DMA address is returned as a physical address, but bus addresses differ from CPU physical addresses (dma-ranges offsets, SWIOTLB bounce buffers, memory encryption)',
      });
    }
    // 2. phys_to_virt()/pfn_to_page() of a raw DMA handle — once per handle and function.
    // Its chain runs on to the furthest use of what it made (virt_to_page(), put_page(),
    // build_skb()…), as iova-reverse-lookup's does (SPEC §1.2: the steps "to the use").
    const usesByStep = new Map<string, ApplyEvent[]>();
    for (const u of events) {
      if (!USE_WORDS.has(u.word) && !LINEAR_WORDS.has(u.word)) continue;
      const keys = new Set<string>();
      for (const v of u.input) for (const st of v.steps) keys.add(locKey(st.loc));
      for (const k of keys) usesByStep.set(k, [...(usesByStep.get(k) ?? []), u]);
    }
    const furthest = (e: ApplyEvent, raw: Val[]): { vals: Val[]; word: string } => {
      const key = locKey(e.loc);
      let best = { vals: raw, word: e.word };
      let bestLen = Math.max(...raw.map((v) => v.steps.length)) + 1;
      for (const h of usesByStep.get(key) ?? []) {
        if (h === e) continue;
        const vals = h.input.filter((v) => v.steps.some((st) => locKey(st.loc) === key));
        const len = vals.length ? Math.max(...vals.map((v) => v.steps.length)) + 1 : 0;
        if (len > bestLen) {
          best = { vals, word: h.word };
          bestLen = len;
        }
      }
      return best;
    };
    const seenRaw = new Set<string>();
    for (const e of [...events].sort((x, y) => x.offset - y.offset)) {
      if ((e.word !== 'phys-to-virt' && e.word !== 'pfn-to-page') || guarded(e)) continue;
      // pfn_to_page() takes a frame number: only a DMA address shifted into one is misused
      // (pfn_to_page(dma >> PAGE_SHIFT)); a dma_addr_t variable reused for a pfn is not.
      // phys_to_page() takes the address itself.
      const raw = e.input.filter((v) => isRawDma(v) && (e.word !== 'pfn-to-page' || v.pfn || e.callee === 'phys_to_page'));
      if (raw.length === 0) continue;
      const rootKey = `${e.loc.path}|${e.fn}|${e.word}|${[...new Set(raw.map((v) => (v.origin ? locKey(v.origin) : v.key)))].sort().join(',')}`;
      if (seenRaw.has(rootKey)) continue;
      seenRaw.add(rootKey);
      out.push({
        loc: e.loc,
        fn: e.fn,
        concerns: concernsOf(raw, e.word),
        chain: ((f) => chainOf(f.vals, [f.word]))(furthest(e, raw)),
        related: relatedOf(raw, e.loc),
        message: `${e.callee}() of a DMA address treats it as a CPU physical address; with a dma-ranges offset, SWIOTLB or an IOMMU it is not — ${e.callee === 'remap_pfn_range' ? 'map the buffer to user space with dma_mmap_coherent() (ALSA: snd_pcm_lib_default_mmap())' : 'keep the CPU address from allocation time'}`,
      });
    }
    // 3. A CPU physical address written to the device in place of a mapped DMA address —
    // in a file that deals in DMA addresses (its device is a DMA master; cache
    // controllers, hypervisor calls and coprocessors take CPU addresses by design),
    // and only when no mapped DMA address reaches the same place on another path
    // (virtio's vring_map_one_sg() picks virt_to_phys() only without the DMA API).
    // virt_to_bus() says by its name that its result is for a bus master: wherever it is.
    // Once per root (the virt_to_phys()): a physical address written as two halves
    // (`lower_32_bits(pa)`, `upper_32_bits(pa)`) or to two registers is one finding, the other stores related.
    const byRoot = new Map<string, RawFinding>();
    for (const r of ctx.results) {
      for (const e of r.events) {
      if (e.kind !== 'apply' || e.word !== 'to-device' || guarded(e)) continue;
      // (A DMA address turned into a pointer and back — `virt_to_bus(bus_to_virt(cmdptr))` — was
      // reported where it was first taken for a CPU address, with this write as its chain's end.)
      const isPhys = (v: Val) => v.src !== 'dma-handle' && v.steps.length > 0 && v.steps[v.steps.length - 1].word === 'virt-to-phys';
      const phys = e.input.filter(isPhys);
      if (phys.length === 0 || phys.length !== e.input.length) continue;
      if (!r.usesDmaApi && !phys.every((v) => v.steps[v.steps.length - 1].callee === 'virt_to_bus')) continue;
      const root = `${e.loc.path}|${e.fn}|${[...new Set(phys.map((v) => locKey(v.steps[v.steps.length - 1].loc)))].sort().join(',')}`;
      const first = byRoot.get(root);
      if (first) {
        if (first.related.length < MAX_RELATED && !first.related.some((x) => x.loc.line === e.loc.line && x.loc.path === e.loc.path)) first.related.push({ loc: e.loc, message: 'given to the device here too' });
        continue;
      }
      const finding: RawFinding = {
        loc: e.loc,
        fn: e.fn,
        concerns: ['b'],
        chain: chainOf(phys, ['to-device']),
        related: relatedOf(phys, e.loc, e.deviceMemory ? [{ loc: e.deviceMemory, message: 'the store lands in coherent DMA memory, which the device reads: allocated here' }] : []),
        message: 'a CPU physical address (virt_to_phys/__pa) is given to the device as a DMA address; map the buffer with the DMA API (dma_map_single) and program the returned dma_addr_t',
      };
      byRoot.set(root, finding);
      out.push(finding);
      }
    }
    return out;
  },
};
