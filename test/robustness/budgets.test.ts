// SPDX-License-Identifier: MIT
// Time and size budgets (issue 9): a file the analysis stops early on gets
// one `analysis-limit` notice, nesting too deep to walk is skipped rather than
// overflowing the stack, and no file yields more than 200 findings plus one
// summary line. The budget counts work units, not milliseconds, so these
// results are the same on every machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testParser, show } from '../../src/core/testing/check';
import { Checker } from '../../src/core/engine';
import { DEFAULT_CONFIG, parseConfig, type Config } from '../../src/core/config';
import { RULE_IDS } from '../../src/core/rules/index';
import { MAX_DEPTH, FILE_BUDGET } from '../../src/core/analysis/evaluate';
import { MAX_FINDINGS_PER_FILE, LIMIT_RULE, capPerFile } from '../../src/core/limits';
import { formatSarif } from '../../src/core/formats/sarif';
import type { Finding } from '../../src/core/types';

const PATH = 'drivers/net/ethernet/acme/acme_main.c';

async function run(text: string, opts: { budget?: number; config?: Config; max?: number } = {}): Promise<Finding[]> {
  const c = new Checker(await testParser(), opts.config ?? DEFAULT_CONFIG);
  if (opts.budget !== undefined) c.project.budget = opts.budget;
  if (opts.max !== undefined) c.maxFindingsPerFile = opts.max;
  try {
    c.setFile(PATH, text);
    return c.check();
  } finally {
    c.project.dispose();
  }
}

const ONE = `
static void *acme_to_virt(struct iommu_domain *d, dma_addr_t iova)
{
	return phys_to_virt(iommu_iova_to_phys(d, iova));
}
`;

/** n functions, each with one reverse lookup (3 findings each: a, c/zero…). */
function many(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `static void *acme_to_virt${i}(struct iommu_domain *d, dma_addr_t iova)\n{\n\treturn phys_to_virt(iommu_iova_to_phys(d, iova));\n}\n`;
  return s;
}

test('ordinary code stays far below the limits: no notice', async () => {
  const fs = await run(ONE);
  assert.ok(fs.length > 0, show(fs));
  assert.ok(!fs.some((f) => f.rule === LIMIT_RULE), show(fs));
  assert.ok(FILE_BUDGET >= 1_000_000 && MAX_DEPTH >= 200);
});

test('nesting deeper than MAX_DEPTH: no stack overflow, one info notice, shallow findings kept', async () => {
  for (const [name, text] of [
    // Deeper than the evaluator's MAX_DEPTH, but within what the parser is given
    // (limits.ts: lines up to 10,000 characters, brackets up to 1,000 deep).
    ['ifs', `void f(struct iommu_domain *d, dma_addr_t iova)\n{\n\tvoid *p;\n${'if (x) {\n'.repeat(900)} p = phys_to_virt(iommu_iova_to_phys(d, iova)); ${'}\n'.repeat(900)}\n}\n` + ONE],
    ['parens', `void *f(struct iommu_domain *d, dma_addr_t iova)\n{\n\treturn ${'(\n'.repeat(950)}iommu_iova_to_phys(d, iova)${')\n'.repeat(950)};\n}\n` + ONE],
    ['macro sum', `#define F(x) ${'phys_to_virt(x) + '.repeat(520)} 0\n` + ONE],
  ] as const) {
    const fs = await run(text);
    const notes = fs.filter((f) => f.rule === LIMIT_RULE);
    assert.equal(notes.length, 1, `${name}: ${show(fs)}`);
    assert.equal(notes[0].severity, 'info');
    assert.equal(notes[0].line, 1);
    assert.match(notes[0].message, new RegExp(`nested deeper than ${MAX_DEPTH} levels`));
    assert.ok(fs.some((f) => f.rule === 'iova-reverse-lookup' && f.function === 'acme_to_virt'), `${name}: the shallow helper is still analysed: ${show(fs)}`);
  }
});

test('text the parser must not see (a line over 10,000 characters, brackets over 1,000 deep) gets one notice and no parse', async () => {
  for (const [name, text] of [
    ['long line', `void *f(struct iommu_domain *d, dma_addr_t a) { return phys_to_virt(iommu_iova_to_phys(d, a)); } /* ${'x'.repeat(10_001)} */\n`],
    ['deep brackets', `int x = ${'(\n'.repeat(1001)}1${')'.repeat(1001)};\n` + ONE],
  ] as const) {
    const fs = await run(text);
    assert.deepEqual(fs.map((f) => f.rule), [LIMIT_RULE], `${name}: ${show(fs)}`);
    assert.match(fs[0].message, /not analysed: a line longer than 10,000 characters or brackets nested deeper than 1,000/);
  }
});

test('the per-file budget: deterministic notice, remaining functions skipped, same result every run', async () => {
  const text = many(50);
  const full = await run(text, { max: Infinity });
  assert.ok(!full.some((f) => f.rule === LIMIT_RULE));
  const a = await run(text, { budget: 400, max: Infinity });
  const b = await run(text, { budget: 400, max: Infinity });
  assert.deepEqual(a, b, 'the same budget stops at the same place');
  const notes = a.filter((f) => f.rule === LIMIT_RULE);
  assert.equal(notes.length, 1, show(a));
  assert.match(notes[0].message, /analysis stopped early/);
  const real = a.filter((f) => f.rule !== LIMIT_RULE);
  assert.ok(real.length > 0 && real.length < full.length, `${real.length} of ${full.length} findings before the budget ran out`);
  // Every finding under a budget is one the full analysis also makes.
  const key = (f: Finding) => `${f.rule}:${f.line}:${f.column}`;
  const fullKeys = new Set(full.map(key));
  for (const f of real) assert.ok(fullKeys.has(key(f)), key(f));
});

test('at most 200 findings per file, then one summary line at the first one left out', async () => {
  const fs = await run(many(150));
  const inFile = fs.filter((f) => f.path === PATH);
  assert.equal(inFile.length, MAX_FINDINGS_PER_FILE + 1);
  const last = inFile[inFile.length - 1];
  assert.equal(last.rule, LIMIT_RULE);
  assert.match(last.message, /^\d+ more findings in this file not shown \(at most 200 per file\)/);
  assert.ok(last.line >= inFile[inFile.length - 2].line);
  const uncapped = await run(many(150), { max: Infinity });
  assert.equal(Number(/^(\d+)/.exec(last.message)![1]), uncapped.length - MAX_FINDINGS_PER_FILE);
});

test('capPerFile caps each file on its own', () => {
  const f = (path: string, line: number): Finding => ({ path, line, column: 1, endLine: line, endColumn: 2, rule: 'iova-reverse-lookup', severity: 'warning', concerns: ['a'], function: null, message: 'm', chain: [], related: [] });
  const list = [...Array.from({ length: 5 }, (_, i) => f('a.c', i + 1)), ...Array.from({ length: 2 }, (_, i) => f('b.c', i + 1))];
  const out = capPerFile(list, 3, 'warning');
  assert.deepEqual(out.map((x) => `${x.path}:${x.line}:${x.rule}`), ['a.c:1:iova-reverse-lookup', 'a.c:2:iova-reverse-lookup', 'a.c:3:iova-reverse-lookup', 'a.c:4:analysis-limit', 'b.c:1:iova-reverse-lookup', 'b.c:2:iova-reverse-lookup']);
  assert.equal(out[3].severity, 'warning');
  assert.equal(capPerFile(list, 3, 'off').length, 5);
});

test('"analysis-limit" is configurable like a rule and appears in SARIF rule metadata', async () => {
  assert.ok(RULE_IDS.includes(LIMIT_RULE));
  const cfg = parseConfig(JSON.stringify({ rules: { 'analysis-limit': 'off' } }), '.iova-lens.json', RULE_IDS);
  const fs = await run(`void f(void)\n{\n${'{'.repeat(3000)}phys_to_virt(x);${'}'.repeat(3000)}\n}\n` + ONE, { config: cfg });
  assert.ok(!fs.some((f) => f.rule === LIMIT_RULE), show(fs));
  const warn = await run(`void f(void)\n{\n${'{'.repeat(3000)}phys_to_virt(x);${'}'.repeat(3000)}\n}\n` + ONE, { config: parseConfig('{"rules":{"analysis-limit":"warning"}}', 'x', RULE_IDS) });
  assert.equal(warn.find((f) => f.rule === LIMIT_RULE)?.severity, 'warning');
  const sarif = JSON.parse(formatSarif({ tool: 'iova-lens', version: 't', root: '/r', filesScanned: 1, durationMs: 0, findings: warn, errors: [] }));
  const rules = sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id);
  for (const r of sarif.runs[0].results) assert.ok(r.ruleIndex >= 0 && rules[r.ruleIndex] === r.ruleId, r.ruleId);
});
