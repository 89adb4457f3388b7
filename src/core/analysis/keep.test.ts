// SPDX-License-Identifier: MIT
// Which functions a whole-tree scan parses (keep.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { functionBodies, topLevel } from './skim';
import { KeepPlan } from './keep';
import { blankAnnotations } from './project';

function keptNames(src: string, plan: KeepPlan): (string | null)[] {
  const units = topLevel(blankAnnotations(src));
  return functionBodies(src, units).filter((b) => plan.keep(b.name, src.slice(b.open + 1, b.close))).map((b) => b.name);
}

function planOf(src: string): KeepPlan {
  return new KeepPlan([{ text: src, units: topLevel(blankAnnotations(src)) }]);
}

test('KeepPlan: first the translating code and its sources, then callers of the helpers that translate', () => {
  const src = `static dma_addr_t map_it(struct priv *p) { return dma_map_single(p->dev, p->buf, 64, DMA_TO_DEVICE); }
static dma_addr_t wrap(struct priv *p) { return map_it(p); }
static void *rx(struct priv *p) { return phys_to_virt(wrap(p)); }
static int poll(struct priv *p) { return rx(p) != NULL; }
static int napi(struct priv *p) { return poll(p); }
static void unrelated_dma(struct priv *p) { dma_unmap_single(p->dev, p->h, 64, DMA_TO_DEVICE); }
static int probe(struct priv *p) { unrelated_dma(p); return 0; }
`;
  const units = topLevel(blankAnnotations(src));
  const plan = new KeepPlan([{ text: src, units }]);
  const kept = () => keptNames(src, plan);
  assert.deepEqual(kept(), ['map_it', 'wrap', 'rx'], 'rx() translates; wrap() and map_it() give its address a kind');
  assert.deepEqual(plan.grow(new Set(['rx'])), ['poll'], 'rx() turned out to translate: its callers are parsed next');
  assert.deepEqual(plan.grow(new Set(['rx'])), [], 'nothing new');
  assert.deepEqual(plan.grow(new Set(['rx', 'poll'])), ['napi']);
  assert.ok(!kept().includes('probe') && !kept().includes('unrelated_dma'), 'DMA code that reaches no translation is never parsed');
});

test('KeepPlan: a callee declared void is never a source (summaries are of return values)', () => {
  const src = `static void fill(struct priv *p) { p->buf = dma_alloc_coherent(p->dev, 64, &p->h, GFP_KERNEL); }
static void *get(struct priv *p) { return dma_alloc_coherent(p->dev, 64, &p->h, GFP_KERNEL); }
static struct page *pg(struct priv *p) { fill(p); return virt_to_page(get(p)); }
`;
  assert.deepEqual(keptNames(src, planOf(src)), ['get', 'pg']);
});

test('KeepPlan: sources through wrappers of wrappers and call cycles, without running away', () => {
  const src = `static dma_addr_t m0(struct priv *p) { return dma_map_single(p->dev, p->b, 64, DMA_TO_DEVICE); }
static dma_addr_t m1(struct priv *p) { return m0(p); }
static dma_addr_t m2(struct priv *p) { return p->again ? m2(p) : m1(p); }
static int a(struct priv *p) { return b(p); }
static int b(struct priv *p) { return a(p); }
static void *rx(struct priv *p) { a(p); return phys_to_virt(m2(p)); }
`;
  assert.deepEqual(keptNames(src, planOf(src)), ['m0', 'm1', 'm2', 'rx'], 'a() and b() call each other but reach no API');
});
