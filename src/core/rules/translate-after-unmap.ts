// SPDX-License-Identifier: MIT
// Concern (after-unmap): once dma_unmap_*() ran, the IOVA may be freed and
// reused (or is gone: iommu_iova_to_phys() returns 0); translating the same
// handle afterwards yields 0 or somebody else's page.
import type { ApplyEvent, AssignEvent } from '../analysis/model';
import { chainOf } from '../analysis/model';
import { relatedOf, type RawFinding, type RuleContext, type RuleModule } from './rule';

const TRANSLATE = new Set(['iova-to-phys', 'phys-to-virt', 'pfn-to-page']);

function exclusive(a: ApplyEvent, b: ApplyEvent): boolean {
  return a.branch.some((x) => b.branch.some((y) => x.node === y.node && x.arm !== y.arm));
}

/**
 * The handle inside a frame-number or alignment wrapper or under an offset
 * into the buffer: `PFN_DOWN(dma)`, `dma>>PAGE_SHIFT`, `dma+off`, `dma+i*PAGE_SIZE` → dma.
 */
function core(handle: string): string {
  let h = handle;
  for (;;) {
    const m = h.match(/^(?:PFN_DOWN|PHYS_PFN|__phys_to_pfn|ALIGN|ALIGN_DOWN)\((.*?)(?:,[^,()]*)?\)$/);
    if (m) h = m[1];
    else if (/>>(?:PAGE_SHIFT|\d+)$/.test(h)) h = h.replace(/>>(?:PAGE_SHIFT|\d+)$/, '');
    else if (/^[A-Za-z_][\w.>-]*\+[^+]/.test(h)) h = h.slice(0, h.indexOf('+'));
    else return h;
  }
}

/** The variable a handle is read through: `dma`, `buf->dma` → buf, `sg_dma_address(sg)` → sg. */
function baseName(handle: string): string {
  const inner = /^sg_dma_address\((.*)\)$/.exec(handle)?.[1] ?? handle;
  return inner.match(/^[A-Za-z_]\w*/)?.[0] ?? inner;
}

export const rule: RuleModule = {
  meta: {
    id: 'translate-after-unmap',
    concerns: ['after-unmap'],
    defaultSeverity: 'warning',
    short: 'A DMA handle is translated after dma_unmap_*() of the same handle.',
  },
  check(ctx: RuleContext): RawFinding[] {
    const out: RawFinding[] = [];
    for (const r of ctx.results) {
      const applies = r.events.filter((e): e is ApplyEvent => e.kind === 'apply');
      const assigns = r.events.filter((e): e is AssignEvent => e.kind === 'assign');
      const unmaps = applies.filter((e) => e.word === 'dma-unmap' && e.handleText);
      for (const t of applies) {
        if (!TRANSLATE.has(t.word) || !t.handleText) continue;
        const h = core(t.handleText);
        // (A new value of the handle — or of the variable it is read through — between the two makes it another mapping.)
        const u = unmaps.find(
          (x) => x.handleText === h && x.offset < t.offset && !exclusive(x, t) && !assigns.some((a) => a.offset > x.offset && a.offset < t.offset && (a.name === h || a.name === baseName(h))),
        );
        if (!u) continue;
        out.push({
          loc: t.loc,
          fn: t.fn,
          concerns: ['after-unmap'],
          chain: chainOf(t.input.length ? t.input : [{ src: 'dma-handle', key: '', steps: [] }], ['dma-unmap', t.word]),
          related: relatedOf(t.input, t.loc, [{ loc: u.loc, message: `${u.callee}() unmapped this handle here` }]),
          message: `${t.callee}() translates ${t.handleText} after ${u.callee}() unmapped it: the IOVA may already be freed (0) or reused for another buffer; translate before unmapping, or better, keep the CPU address`,
        });
      }
    }
    return out;
  },
};
