#!/usr/bin/env node
// `npm run probe:scaling`: looks for analysis time that grows faster than the
// input. Each shape below — a line of C, broken or not — is repeated to make a
// file of about 40 KB and one four times as long, and both go through the
// whole analysis: the fuzzer's analyser (the editor's way and a skimmed
// parse) and a scan worker's analyzeGroup() on a folder. Linear work takes
// about 4× as long on the long file; quadratic work takes 16×. A ratio over
// 8 is reported as superlinear, and the exit status is then 1. Nested shapes
// (a shape inside itself, 4× as deep) are held to 32×: there a value's chain
// grows with the depth by design, and what is looked for is work that doubles.
//
// The fuzzer (scripts/fuzz.mjs) finds a slow input by chance; this finds the
// shape behind it on purpose. Every shape here once took seconds, or is the
// kind that did: a `)` without its `(` before each body (topLevel() searched
// every unit before), `x]->va = p;` (a subscript scan to the start of the
// text), a field assigned and read a thousand times, a thousand lookups
// returned from one function.
//
//   node scripts/scaling.mjs [--size BYTES] [--only SUBSTRING]
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle, loadAnalyser, loadCore } from './fuzz.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const SIZE = Number(opt('--size', '40000'));
const ONLY = opt('--only', '');
if (!Number.isFinite(SIZE) || SIZE < 1000) {
  console.error('scaling: --size takes a number of bytes ≥ 1000');
  process.exit(2);
}

/** Ratio of the long file's time to the short one's above which growth is reported (linear: 4, quadratic: 16). */
const SUPERLINEAR = 8;
/** The same for nesting 4× as deep, where depth² is the model's (16): work that doubles per level is far more. */
const NESTED_LIMIT = 32;

// `#` becomes the repetition's index and `$` the next one (names that differ
// per copy); `inside`: the copies are the body of one function. Nesting deeper
// than 1,000 brackets is not analysed (limits.ts): such shapes time that test.
const SHAPES = [
  { c: 'x) { y(); }\n' },
  { c: 'virt_to_phys(q->va); r->b = vmalloc(4);\nx]->va = p;\n' },
  { c: 'virt_to_phys(q->va);\n', inside: true },
  { c: 'q->va = vmalloc(n);\n', inside: true },
  { c: 'p = phys_to_virt(iommu_iova_to_phys(d, a));\n', inside: true },
  { c: 'x = f(); virt_to_phys(x);\n', inside: true },
  { c: 'pa = iommu_iova_to_phys(d, a); if (!pa) return; ', inside: true },
  { c: 'switch (pa) { case 0: break; } ', inside: true },
  { c: 'if (pa) ', inside: true },
  { c: 'pa ? ', inside: true },
  { c: 'return ((', inside: true },
  { c: 'while (1) {', inside: true },
  { c: 'goto out;\nout:\n', inside: true },
  { c: 'int f(void) { return iommu_iova_to_phys(d, a); }\n', inside: true },
  { c: 'int f#(void) { return iommu_iova_to_phys(d, a); }\n' },
  { c: 'u64 f#(u64 a) { return f$(a); }\n' },
  { c: 'void *g#(struct p *p) { return phys_to_virt(iommu_iova_to_phys(p->d, p->a)); }\n' },
  { c: 'static void *w#(void) { return vmalloc(4); }\nvoid u#(struct q *q) { q->b# = w#(); virt_to_phys(q->b#); }\n' },
  { c: 'void h#(struct q *q) { q->va = dma_alloc_coherent(d, n, &q->h, 0); }\nvoid k#(struct q *q) { virt_to_phys(q->va); }\n' },
  { c: 'dma_addr_t m#(struct q *q) { return q->ring[#].addr; }\nvoid n#(struct q *q) { phys_to_virt(m#(q)); }\n' },
  { c: 'void z#(dma_addr_t a) { dma_unmap_single(d, a, n, 0); phys_to_virt(iommu_iova_to_phys(dom, a)); }\n' },
  { c: '#define M#(x) phys_to_virt(iommu_iova_to_phys(d, x))\n' },
  { c: 'struct s# { dma_addr_t a#; void *v#; };\n' },
  { c: '#if X\n' },
  { c: '#endif\n' },
  { c: '/*' },
  { c: '"' },
  { c: '\\\n' },
  { c: '{' },
  { c: '}' },
  { c: '(' },
  { c: ')' },
];

// Shapes nested into themselves (`@` is where the next level goes), 80 and 320 levels deep (the
// evaluator stops at 400, evaluate.ts MAX_DEPTH). A value carries every step below it, so a chain of
// lookups costs depth² (bounded by that limit); what this looks for is work that doubles per level —
// a ratio over NESTED_LIMIT, or the per-file analysis budget spent at the shallower depth.
const NESTED = [
  'iommu_iova_to_phys(@, a)',
  'iommu_iova_to_phys(d, @)',
  'phys_to_virt(@)',
  'virt_to_page(phys_to_virt(@))',
  '(@)',
  '(void *)@',
  'a ? @ : NULL',
  'f(@, @)',
];

function nestedFileOf(shape, depth) {
  let e = 'a';
  for (let i = 0; i < depth; i++) e = shape.replaceAll('@', e);
  return `void *acme_va(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn ${e};\n}\n`;
}

function fileOf(shape, n) {
  let out = '';
  // (One copy per line: a line over 10,000 characters is not analysed at all, limits.ts.)
  const line = shape.c.endsWith('\n') ? shape.c : `${shape.c}\n`;
  for (let i = 0; i < n; i++) out += line.replaceAll('#', String(i)).replaceAll('$', String(i + 1));
  return shape.inside ? `int g(void)\n{\n${out}\n}\n` : out;
}

await buildBundle();
const analyse = await loadAnalyser();
const { core, parser } = await loadCore();
const path = 'drivers/net/ethernet/scaling/scaling.c';

// The whole-tree scan's way too (analyzeGroup(), what each scan worker runs on a folder): the text as
// a file of a folder, beside a copy that names no translation API — a file the scan reads only for its
// field allocations, domain allocations and allocation wrappers.
const dir = mkdtempSync(join(tmpdir(), 'iova-scaling-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const NO_API = /\b(?:iommu_iova_to_phys|phys_to_virt|virt_to_phys|virt_to_page|__va|__pa|pfn_to_page|remap_pfn_range)\b/g;
function scan(text) {
  const files = [];
  for (const [name, body] of [['scaling.c', text], ['other.c', text.replace(NO_API, 'xlate')]]) {
    const abs = join(dir, name);
    writeFileSync(abs, body);
    files.push({ abs, key: `drivers/scaling/${name}`, ...stampOf(statSync(abs)) });
  }
  const t0 = performance.now();
  core.analyzeGroup(parser, core.DEFAULT_CONFIG, { dir: 'drivers/scaling', files });
  return performance.now() - t0;
}
const stampOf = (st) => ({ size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });

/** The slower way's time, best of two runs (the machine is noisy; the first run of a shape also pays for compiling its code paths). */
const once = (text) => Math.max(analyse(text, path).ms, scan(text));
const time = (text) => Math.min(once(text), once(text));

console.log(`scaling: each shape repeated to ~${(SIZE / 1000).toFixed(0)} KB and to 4× that; ratio of times (linear ≈ 4, quadratic ≈ 16; over ${SUPERLINEAR} is reported)`);
let bad = 0;

/** Times the short and the long text; reports a ratio over `limit` (or `also`, a reason found otherwise) as `word`. */
function compare(shortText, longText, limit, word, what, also = '') {
  const short = time(shortText);
  const long = time(longText);
  // (Under 20 ms the short run is mostly noise: its ratio is not read as growth.)
  const ratio = long / Math.max(short, 20);
  const slow = ratio > limit || also !== '';
  if (slow) bad++;
  console.log(`${slow ? word : '         ok'} ${ratio.toFixed(1).padStart(5)}× ${short.toFixed(0).padStart(6)} ms → ${long.toFixed(0).padStart(6)} ms  ${what}${also}`);
}

for (const shape of SHAPES) {
  if (ONLY && !shape.c.includes(ONLY)) continue;
  const n = Math.max(1, Math.round(SIZE / fileOf(shape, 1).length));
  compare(fileOf(shape, n), fileOf(shape, 4 * n), SUPERLINEAR, 'SUPERLINEAR', `×${String(4 * n).padStart(6)} ${shape.inside ? 'in one body ' : ''}${JSON.stringify(shape.c)}`);
}
/** Whether the analysis of a text ran out of its work budget (analysis-limit): at a few hundred levels, work that doubled. */
function overBudget(text) {
  const checker = new core.Checker(parser, core.DEFAULT_CONFIG);
  try {
    checker.setFile(path, text);
    return checker.check().some((f) => f.rule === 'analysis-limit' && /budget/.test(f.message));
  } finally {
    checker.project.dispose();
  }
}

for (const shape of NESTED) {
  if (ONLY && !shape.includes(ONLY)) continue;
  // (`f(@, @)` doubles its text per level: 8 and 10 levels are 4× the calls, on one line under 10,000 characters.)
  const doubles = shape.split('@').length > 2;
  const d = doubles ? 8 : 80;
  // (Work that doubles per level runs into the per-file budget long before it shows as time.)
  const budget = overBudget(nestedFileOf(shape, d)) ? ` (${d} levels run out of the analysis budget)` : '';
  compare(nestedFileOf(shape, d), nestedFileOf(shape, doubles ? d + 2 : 4 * d), NESTED_LIMIT, 'EXPONENTIAL', `nested ${JSON.stringify(shape)}`, budget);
}
console.log(bad ? `scaling: ${bad} shape(s) grew faster than linear` : 'scaling: every shape grew about linearly');
process.exitCode = bad ? 1 : 0;
