// SPDX-License-Identifier: MIT
// The engine around the rules: suppressions, .iova-lens.json, macros,
// cross-file helpers, broken C, the fixture contract and the wasm loader.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { check, show, testParser } from './testing/check';
import { Checker, mayMatter, compareFindings, docUrl } from './engine';
import { parseConfig, validateConfig, ConfigError, DEFAULT_CONFIG } from './config';
import { RULE_IDS } from './rules/index';
import { findSuppressions } from './suppress';
import { loadParser, WasmMissingError } from '../server/wasm';
import type { CParser } from './parse/parser';
import type { Finding } from './types';

/** One driver file's findings, parsed whole (the editor's way) or skimmed (a whole-tree scan's). */
function checkOneFile(parser: CParser, text: string, skim: boolean): Finding[] {
  const checker = new Checker(parser, DEFAULT_CONFIG);
  try {
    const files = [{ key: 'drivers/acme/acme.c', text }];
    if (skim) checker.setSkimmed(files);
    else checker.setWhole(files);
    return checker.check();
  } finally {
    checker.project.dispose();
  }
}

const HELPER = `
static void *acme_iova_to_virt(struct iommu_domain *domain, dma_addr_t iova)
{
	return phys_to_virt(iommu_iova_to_phys(domain, iova));
}
`;

/** Two functions v() and w() with the same reverse lookup, each under its own comment (line 4 and line 9 on). */
function twoLookups(commentV: string, commentW: string): string {
  const fn = (name: string, comment: string) => `static void *${name}(struct iommu_domain *d, dma_addr_t a)\n{\n\t${comment}\n\treturn phys_to_virt(iommu_iova_to_phys(d, a));\n}\n`;
  return `\n${fn('v', commentV)}${fn('w', commentW)}`;
}

describe('suppressions', () => {
  test('a suppression on the line before silences its rule there, and only that rule', async () => {
    const fs = await check(`
static void *acme_iova_to_virt(struct iommu_domain *domain, dma_addr_t iova)
{
	/* iova-lens-ignore iova-reverse-lookup: our own UNMANAGED domain, see acme_attach() */
	return phys_to_virt(iommu_iova_to_phys(domain, iova));
}
`);
    assert.ok(!fs.some((f) => f.rule === 'iova-reverse-lookup'), show(fs));
    assert.ok(fs.some((f) => f.rule === 'iova-phys-unchecked' && f.line === 5), show(fs));
    assert.ok(!fs.some((f) => f.rule === 'unused-suppression'), show(fs));
  });

  test('a suppression at the end of the line', async () => {
    const fs = await check(`
static void *v(struct iommu_domain *d, dma_addr_t a)
{
	return phys_to_virt(iommu_iova_to_phys(d, a)); // iova-lens-ignore iova-phys-unchecked: mapped two lines above
}
`);
    assert.ok(!fs.some((f) => f.rule === 'iova-phys-unchecked' || f.rule === 'unused-suppression'), show(fs));
  });

  test('an unused suppression is reported where it is written', async () => {
    const fs = await check(`
static int acme_ok(void)
{
	/* iova-lens-ignore linear-map-assumption: nothing here any more */
	return 0;
}
`);
    assert.equal(fs.length, 1, show(fs));
    assert.equal(fs[0].rule, 'unused-suppression');
    assert.equal(fs[0].line, 4);
    assert.equal(fs[0].function, 'acme_ok', 'the enclosing function, as for every finding (a baseline keys on it)');
    assert.equal(fs[0].message, 'unused suppression: no linear-map-assumption finding on the line after it', 'no line number: moved code keeps its key');
  });

  test('a suppression without a reason does not silence and is reported', async () => {
    const fs = await check(`
static void *v(struct iommu_domain *d, dma_addr_t a)
{
	/* iova-lens-ignore iova-reverse-lookup */
	return phys_to_virt(iommu_iova_to_phys(d, a));
}
`);
    assert.ok(fs.some((f) => f.rule === 'iova-reverse-lookup' && f.line === 5), show(fs));
    const u = fs.find((f) => f.rule === 'unused-suppression');
    assert.ok(u, show(fs));
    assert.match(u!.message, /needs a reason/);
  });

  test('rule severity off also turns off its findings, unused-suppression can be turned off', async () => {
    const fs = await check(HELPER, { config: { rules: { 'iova-reverse-lookup': 'off', 'iova-phys-unchecked': 'error' } } });
    assert.ok(!fs.some((f) => f.rule === 'iova-reverse-lookup'));
    assert.equal(fs.find((f) => f.rule === 'iova-phys-unchecked')?.severity, 'error');
    const none = await check('/* iova-lens-ignore dma-addr-as-phys: stale */\nint x;\n', { config: { rules: { 'unused-suppression': 'off' } } });
    assert.deepEqual(none, []);
  });

  test('a reason may hold `*` (C prose: "struct page *"), a kernel-style comment may span lines, and several rules may share a reason', async () => {
    const fs = await check(twoLookups('/* iova-lens-ignore iova-phys-unchecked: callers pass a struct page * only for mapped iovas */', '/*\n\t * iova-lens-ignore iova-reverse-lookup, iova-phys-unchecked: our own\n\t * UNMANAGED domain, never an identity one (acme_attach())\n\t */'));
    // Each comment silences the rules it names and only those.
    assert.deepEqual(fs.map((f) => `${f.line}:${f.rule}`), ['5:linear-map-assumption', '5:iova-reverse-lookup', '13:linear-map-assumption'], show(fs));
  });

  test('a suppression written wrong is reported, not ignored without a word: no colon, an unknown (upper-case) rule id', async () => {
    const fs = await check(twoLookups('/* iova-lens-ignore iova-reverse-lookup - our own domain */', '/* iova-lens-ignore IOVA-REVERSE-LOOKUP: our own domain */'));
    const unused = fs.filter((f) => f.rule === 'unused-suppression').map((f) => `${f.line}: ${f.message}`);
    assert.deepEqual(unused, [
      '4: unused suppression: needs a reason after the rule id and a colon (iova-lens-ignore <rule>: <reason>)',
      '9: unused suppression: unknown rule IOVA-REVERSE-LOOKUP (`iova-lens rules` lists them)',
    ]);
    assert.ok(fs.some((f) => f.rule === 'iova-reverse-lookup' && f.line === 5) && fs.some((f) => f.rule === 'iova-reverse-lookup' && f.line === 10), show(fs));
  });

  test('a file the analysis stopped short in (a line over the limit) says so, and calls none of its suppressions unused', async () => {
    const fs = await check(`
static void *v(struct iommu_domain *d, dma_addr_t a)
{
	/* iova-lens-ignore linear-map-assumption: ${'x'.repeat(12_000)} */
	return phys_to_virt(iommu_iova_to_phys(d, a));
}
`);
    assert.deepEqual(fs.map((f) => f.rule), ['analysis-limit'], show(fs));
  });

  test('the suppressions of a rule the config turns off are not reported as unused (kept for when it is on again)', async () => {
    const src = `
static struct page *v(size_t size)
{
	void *p = vmalloc(size);
	/* iova-lens-ignore linear-map-assumption: only on lowmem configs */
	return virt_to_page(p);
}
`;
    assert.deepEqual(await check(src, { config: { rules: { 'linear-map-assumption': 'off' } } }), []);
    assert.deepEqual(await check(src), []);
  });

  test('comments are found as the C lexer finds them: a /* inside a // comment opens none, a mark in a string is no suppression', () => {
    const text = '// see drivers/*.c for more\nint a;\n// iova-lens-ignore iova-phys-unchecked: checked by caller\nint b;\nconst char *s = "/* iova-lens-ignore dma-addr-as-phys: no */";\n';
    assert.deepEqual(
      findSuppressions(text).map((x) => [x.rule, x.reason, x.line, x.target]),
      [['iova-phys-unchecked', 'checked by caller', 3, 4]],
    );
    // A string continued by a backslash, LF or CRLF, still holds the next line.
    for (const eol of ['\n', '\r\n']) assert.deepEqual(findSuppressions(`pr_info("abc\\${eol}/* iova-lens-ignore dma-addr-as-phys: no */");${eol}int x;${eol}`), []);
    // Empty places in a rule list are skipped; a list of none is reported as naming no rule.
    assert.deepEqual(findSuppressions('/* iova-lens-ignore ,,linear-map-assumption,: x */\n').map((x) => x.rule), ['linear-map-assumption']);
    assert.deepEqual(findSuppressions('/* iova-lens-ignore : x */\n').map((x) => x.rule), ['']);
  });

  test('findSuppressions parses rule, reason and target line', () => {
    const s = findSuppressions('int a;\n/* iova-lens-ignore dma-addr-as-phys: 1:1 SoC */\nint b; // iova-lens-ignore linear-map-assumption: page allocator\n');
    assert.deepEqual(
      s.map((x) => [x.rule, x.reason, x.line, x.target]),
      [
        ['dma-addr-as-phys', '1:1 SoC', 2, 3],
        ['linear-map-assumption', 'page allocator', 3, 3],
      ],
    );
  });
});

describe('.iova-lens.json', () => {
  test('a valid config', () => {
    const c = parseConfig(
      JSON.stringify({ rules: { 'dma-addr-as-phys': 'error' }, include: ['drivers/**'], exclude: ['**/asic_reg/**'], ownsTranslation: ['drivers/iommu/**'] }),
      '.iova-lens.json',
      RULE_IDS,
    );
    assert.equal(c.rules['dma-addr-as-phys'], 'error');
    assert.deepEqual(c.exclude, ['**/asic_reg/**']);
  });
  const bad: [string, unknown, RegExp][] = [
    ['unknown key', { rulez: {} }, /unknown key "rulez"/],
    ['unknown rule', { rules: { 'iova-reverse-lookups': 'off' } }, /rules\.iova-reverse-lookups/],
    ['wrong severity', { rules: { 'dma-addr-as-phys': 'loud' } }, /"rules\.dma-addr-as-phys" must be one of/],
    ['rules not an object', { rules: ['x'] }, /"rules" must be an object/],
    ['include not an array', { include: 'drivers/**' }, /"include" must be an array/],
    ['exclude with a number', { exclude: [1] }, /"exclude" must be an array/],
    ['ownsTranslation not an array', { ownsTranslation: true }, /"ownsTranslation" must be an array/],
    ['not an object', [1, 2], /must be a JSON object/],
  ];
  for (const [name, raw, re] of bad) {
    test(`rejects: ${name}`, () => {
      assert.throws(() => validateConfig(raw, '/tree/.iova-lens.json', RULE_IDS), (e: Error) => e instanceof ConfigError && re.test(e.message) && e.message.startsWith('/tree/.iova-lens.json'));
    });
  }
  test('rejects invalid JSON with the file name', () => {
    assert.throws(() => parseConfig('{ "rules": ', 'x/.iova-lens.json', RULE_IDS), /x\/\.iova-lens\.json: invalid JSON/);
  });
  test('invalid JSON is one line, with line and column when JSON.parse gives a position, and a hint for comments', () => {
    const msg = (text: string) => {
      try {
        parseConfig(text, 'x/.iova-lens.json', RULE_IDS);
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        return e.message;
      }
      assert.fail(`accepted: ${text}`);
    };
    const comment = msg('{\n  // quiet the zero rule\n  "rules": { "iova-phys-unchecked": "off" }\n}\n');
    assert.match(comment, /; comments are not allowed in JSON\)$/);
    const trailing = msg('{\n  "rules": {\n    "iova-phys-unchecked": "off",\n  }\n}\n');
    for (const m of [comment, trailing, msg('{\n"rules":\n\n nope }'), msg('not json\nat all\n')]) assert.ok(!m.includes('\n'), m);
    // Node 20 and later name a position for a trailing comma: line 4, column 3 is the `}` after it.
    assert.match(trailing, /^x\/\.iova-lens\.json: invalid JSON at line 4, column 3 \(/);
  });
  test('a byte-order mark before the JSON is not an error', () => {
    assert.equal(parseConfig('\ufeff{"rules": {"iova-phys-unchecked": "off"}}', 'x/.iova-lens.json', RULE_IDS).rules['iova-phys-unchecked'], 'off');
  });
  test('include and exclude apply to reported paths', async () => {
    const files = { 'drivers/a/x.c': HELPER, 'drivers/b/asic_reg/y.c': HELPER };
    const fs = await check(files, { config: { exclude: ['**/asic_reg/**'] } });
    assert.ok(fs.length > 0 && fs.every((f) => f.path === 'drivers/a/x.c'), show(fs));
    const only = await check(files, { config: { include: ['drivers/b/**'] } });
    assert.ok(only.length > 0 && only.every((f) => f.path === 'drivers/b/asic_reg/y.c'), show(only));
  });
});

describe('analysis', () => {
  test('a macro calling a helper macro', async () => {
    const fs = await check(`
#define ACME_PA(d, a)		iommu_iova_to_phys((d), (a))
#define ACME_VA(d, a)		phys_to_virt(ACME_PA(d, a))

static void acme_rx(struct acme_priv *p, dma_addr_t a)
{
	memcpy(p->buf, ACME_VA(p->domain, a), 64);
}
`);
    assert.ok(fs.some((f) => f.rule === 'iova-reverse-lookup' && f.line === 2), show(fs));
  });

  test('cross-file: a caller in another file of the driver is a related location', async () => {
    const fs = await check({
      'drivers/net/ethernet/acme/acme_util.c': `
void *acme_iova_to_virt(struct acme_priv *p, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(p->domain, iova);

	return phys_to_virt(pa);
}
`,
      'drivers/net/ethernet/acme/acme.h': 'void *acme_iova_to_virt(struct acme_priv *p, dma_addr_t iova);\n',
      'drivers/net/ethernet/acme/acme_rx.c': `
#include "acme.h"
static void acme_rx(struct acme_priv *p, dma_addr_t a, int len)
{
	struct sk_buff *skb = build_skb(acme_iova_to_virt(p, a), len);

	napi_gro_receive(&p->napi, skb);
}
`,
    });
    const f = fs.find((x) => x.rule === 'iova-reverse-lookup');
    assert.ok(f, show(fs));
    assert.equal(f!.path, 'drivers/net/ethernet/acme/acme_util.c');
    assert.ok(f!.related.some((r) => r.path === 'drivers/net/ethernet/acme/acme_rx.c' && r.line === 5), JSON.stringify(f!.related));
    assert.deepEqual(f!.chain, ['dma-handle', 'iova-to-phys', 'phys-to-virt', 'cpu-access']);
  });

  test('the domain source is a related location', async () => {
    const fs = await check(`
static int acme_probe(struct acme_priv *p)
{
	p->domain = iommu_get_domain_for_dev(p->dev);
	return 0;
}

static void *acme_va(struct acme_priv *p, dma_addr_t a)
{
	return phys_to_virt(iommu_iova_to_phys(p->domain, a));
}
`);
    const f = fs.find((x) => x.rule === 'iova-reverse-lookup')!;
    assert.ok(f.related.some((r) => r.line === 4 && /borrowed/.test(r.message)), JSON.stringify(f.related));
  });

  test('broken C still yields findings for the parts that parse', async () => {
    const fs = await check(`
static int acme_broken(struct acme_priv *p {
	int x = ;
	return container_of(p, struct acme_priv, dev
}

static void *acme_va(struct iommu_domain *d, dma_addr_t iova)
{
	struct acme_priv *p = container_of(d, struct acme_priv, domain);
	(__force __be16)p->vlan;
	return phys_to_virt(iommu_iova_to_phys(d, iova));
}

#ifdef CONFIG_ACME
static void half(void) {
	if (x)
#else
	if (y)
#endif
		put_page(virt_to_page(phys_to_virt(iommu_iova_to_phys(d, q))));
}
`);
    assert.ok(fs.some((f) => f.rule === 'iova-reverse-lookup' && f.line === 11), show(fs));
  });

  test('lines that end in a lone CR, LF or CRLF give the same lines, columns and suppressions, parsed whole or skimmed', async () => {
    const parser = await testParser();
    const src = `/* vendor drop */
#include <linux/dma-mapping.h>

static void *acme_va(struct iommu_domain *d, dma_addr_t a)
{
	/* iova-lens-ignore iova-phys-unchecked: the domain is never an identity one here */
	return phys_to_virt(iommu_iova_to_phys(d, a));
}
`;
    const view = (fs: { line: number; column: number; endLine: number; endColumn: number; rule: string }[]) => fs.map((f) => `${f.rule} ${f.line}:${f.column}-${f.endLine}:${f.endColumn}`).join('\n');
    const run = (text: string, skim: boolean) => view(checkOneFile(parser, text, skim));
    const lf = run(src, false);
    assert.match(lf, /iova-reverse-lookup 7:22-7:46/, lf);
    assert.doesNotMatch(lf, /iova-phys-unchecked|unused-suppression/, lf);
    for (const [name, text] of [['CR', src.replace(/\n/g, '\r')], ['CRLF', src.replace(/\n/g, '\r\n')]]) {
      for (const skim of [false, true]) assert.equal(run(text, skim), lf, `${name}${skim ? ' skimmed' : ''}`);
    }
  });

  test('a whole-tree scan (skimmed parse) finds what the editor (whole parse) finds: random files of macros, helpers and callers', async () => {
    const parser = await testParser();
    const findings = (text: string, skim: boolean) => show(checkOneFile(parser, text, skim));
    // Top-level pieces of a driver file; k numbers them, j names an earlier or later macro.
    const piece = fc.oneof(
      fc.constant('#include <linux/dma-mapping.h>'),
      fc.constant('/* a comment */'),
      fc.nat(3).map((k) => `#define ACME_VA${k}(d, a) phys_to_virt(iommu_iova_to_phys((d), (a)))`),
      fc.nat(3).map((k) => `#define acme_pa${k}(p, a) \\\n\t((p)->domain ? iommu_iova_to_phys((p)->domain, (a)) : (a))`),
      fc.nat(3).map((k) => `static int acme_open${k}(struct acme_priv *p)\n{\n\treturn 0;\n}`),
      fc.nat(3).map((k) => `static void acme_rx${k}(struct acme_priv *p, dma_addr_t dma)\n{\n\tacme_consume(p, phys_to_virt(dma));\n}`),
      fc.tuple(fc.nat(3), fc.nat(3)).map(([k, j]) => `static void acme_free${k}(struct acme_priv *p, dma_addr_t iova)\n{\n\tu64 pa = acme_pa${j}(p, iova);\n\n\tput_page(virt_to_page(phys_to_virt(pa)));\n}`),
      fc.tuple(fc.nat(3), fc.nat(3)).map(([k, j]) => `static struct page *acme_pg${k}(struct acme_priv *p, dma_addr_t a)\n{\n\treturn virt_to_page(ACME_VA${j}(p->domain, a));\n}`),
      fc.constant('struct acme_buf {\n\tdma_addr_t dma;\n\tvoid *va;\n};'),
    );
    const file = fc.tuple(fc.array(fc.tuple(piece, fc.constantFrom('\n', '\n\n', '')), { minLength: 1, maxLength: 8 }), fc.constantFrom('\n', '\r\n')).map(([ps, eol]) => ps.map(([p, sep]) => p + '\n' + sep).join('').replace(/\n/g, eol));
    fc.assert(
      fc.property(file, (text) => {
        assert.equal(findings(text, true), findings(text, false), text);
      }),
      { numRuns: 300 },
    );
  });

  test('a getter declared to return dma_addr_t is kept by the skim (mvpp2_rxdesc_dma_addr_get()): a byte-swapped descriptor field read through it is found alike skimmed and parsed', async () => {
    const parser = await testParser();
    const text = `
struct acme_desc { __le32 buf_dma_addr; };

static void acme_desc_set(struct acme_desc *d, dma_addr_t dma_addr)
{
	d->buf_dma_addr = cpu_to_le32(dma_addr);
}

static dma_addr_t acme_desc_dma_get(struct acme_desc *d)
{
	return le32_to_cpu(d->buf_dma_addr);
}

static void *acme_rx_hdr(struct acme_desc *d)
{
	phys_addr_t phys_addr = acme_desc_dma_get(d);

	return phys_to_virt(phys_addr);
}
`;
    const whole = show(checkOneFile(parser, text, false));
    assert.match(whole, /:18 dma-addr-as-phys/);
    assert.equal(show(checkOneFile(parser, text, true)), whole);
  });

  test('a field given another field plus an offset is read alike from a skipped body (skim) and a parsed one', async () => {
    const parser = await testParser();
    const findings = (text: string, skim: boolean) => show(checkOneFile(parser, text, skim));
    for (const value of ['mw->virt_addr + 64', '(void *)(mw->virt_addr + 64)', '(u8 *)mw->virt_addr + off * 2', '(mw->virt_addr)', 'mw[1].virt_addr + (off + 1)']) {
      const text = `
struct acme_mw { void *virt_addr; };
struct acme_qp { void *rx_buff; };

static int acme_alloc(struct device *dev, struct acme_mw *mw, dma_addr_t *dma)
{
	void *a = dma_alloc_coherent(dev, SZ_64K, dma, GFP_KERNEL);
	void *v;

	v = a;
	mw->virt_addr = PTR_ALIGN(v, 4096);
	return 0;
}

static void acme_init(struct acme_qp *qp, struct acme_mw *mw, size_t off)
{
	qp->rx_buff = ${value};
}

static struct page *acme_page(struct acme_qp *qp)
{
	return virt_to_page(qp->rx_buff);
}
`;
      const whole = findings(text, false);
      assert.match(whole, /linear-map-assumption/, `${value}: ${whole}`);
      assert.equal(findings(text, true), whole, value);
    }
  });

  test('a function still being typed at the end of the file (no closing braces yet) is analysed', async () => {
    const fs = await check(`
static void acme_tx(struct acme_priv *p)
{
	acme_kick(p);
}

static void acme_rx(struct acme_priv *p, dma_addr_t dma)
{
	acme_consume(p, phys_to_virt(dma));
	if (p->x) {
		acme_more(p);
`);
    assert.ok(fs.some((f) => f.rule === 'dma-addr-as-phys' && f.line === 9 && f.function === 'acme_rx'), show(fs));
  });

  test('mayMatter: API names and learned helper names, not other text', () => {
    assert.ok(mayMatter('x = phys_to_virt(a);'));
    assert.ok(!mayMatter('int main(void) { return 0; }'));
    assert.ok(mayMatter('v = acme_iova_to_virt(p, a);', new Set(['acme_iova_to_virt'])));
  });

  test('helperNames() lists only helpers that translate', async () => {
    const parser = await testParser();
    const c = new Checker(parser, DEFAULT_CONFIG);
    c.setFile('drivers/x/a.c', `${HELPER}\nstatic int acme_plain(int a) { return a + 1; }\nstatic void *acme_va(void *p) { return virt_to_page(p); }\n`);
    assert.deepEqual([...c.helperNames()].sort(), ['acme_iova_to_virt', 'acme_va']);
    c.project.dispose();
  });

  test("a driver function named like a kernel API (fuzzed text: virt_to_phys() and virt_to_page() calling each other) is no helper: the API's meaning is used at its calls", async () => {
    const parser = await testParser();
    const c = new Checker(parser, DEFAULT_CONFIG);
    c.setFile('drivers/x/a.c', `${HELPER}
static phys_addr_t virt_to_phys(void *p) { return page_to_phys(virt_to_page(p)); }
static struct page *virt_to_page(void *p) { return pfn_to_page(virt_to_phys(p) >> PAGE_SHIFT); }
static void *acme_va(void *p) { return phys_to_virt(virt_to_phys(p)); }
`);
    assert.deepEqual([...c.helperNames()].sort(), ['acme_iova_to_virt', 'acme_va']);
    c.project.dispose();
  });

  test('findings are sorted and carry the contract fields', async () => {
    const fs = await check({ 'drivers/b.c': HELPER, 'drivers/a.c': HELPER });
    assert.deepEqual([...fs].sort(compareFindings), fs);
    for (const f of fs) {
      assert.ok(f.line >= 1 && f.column >= 1 && f.endLine >= f.line);
      assert.ok(['error', 'warning', 'info'].includes(f.severity));
    }
    assert.match(docUrl('dma-addr-as-phys'), /dma-addr-as-phys\.md$/);
  });
});

describe('the sample workspace (a contract with the editor and the e2e tests)', () => {
  test('exactly the five findings', async () => {
    let root = __dirname;
    while (!existsSync(join(root, 'test', 'fixtures', 'workspace'))) root = join(root, '..');
    const ws = join(root, 'test', 'fixtures', 'workspace');
    const paths = [
      'drivers/net/ethernet/cavium/thunder/nicvf_queues.h',
      'drivers/net/ethernet/cavium/thunder/nicvf_queues.c',
      'drivers/net/ethernet/acme/acme_rx.c',
    ];
    const files: Record<string, string> = {};
    for (const p of paths) files[p] = readFileSync(join(ws, p), 'utf8');
    const fs = await check(files);
    assert.deepEqual(
      fs.map((f) => `${f.path.split('/').pop()}:${f.line} ${f.rule}`),
      [
        'nicvf_queues.c:50 linear-map-assumption',
        'nicvf_queues.c:64 linear-map-assumption',
        'nicvf_queues.h:32 iova-reverse-lookup',
        'nicvf_queues.h:33 dma-addr-as-phys',
      ],
    );
    const rl = fs.find((f) => f.rule === 'iova-reverse-lookup')!;
    assert.deepEqual(rl.concerns, ['a', 'b', 'c']);
    assert.deepEqual(rl.chain, ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page']);
  });
});

describe('the wasm loader', () => {
  test('a missing wasm is a WasmMissingError naming the path', async () => {
    await assert.rejects(loadParser('/nonexistent/iova-lens-dist'), (e: Error) => {
      assert.ok(e instanceof WasmMissingError);
      assert.match(e.message, /\/nonexistent\/iova-lens-dist\/web-tree-sitter\.wasm/);
      return true;
    });
  });
});

test('the editor: an allocation wrapper in a file that is not analysed (setOtherFile) gives its memory where the driver converts its result; kmalloc() memory does not', async () => {
  const parser = await testParser();
  const dev = 'static int acme_mmap(struct acme_dev *cd, struct vm_area_struct *vma, struct dma_mapping *m)\n{\n\tm->k_vaddr = __acme_alloc(cd, 4096, &m->dma_addr);\n\treturn remap_pfn_range(vma, vma->vm_start, virt_to_phys(m->k_vaddr) >> PAGE_SHIFT, 4096, vma->vm_page_prot);\n}\n';
  const utils = 'void *__acme_alloc(struct acme_dev *cd, size_t size, dma_addr_t *h)\n{\n\treturn dma_alloc_coherent(cd->dev, size, h, GFP_KERNEL);\n}\n';
  const checker = new Checker(parser, DEFAULT_CONFIG);
  try {
    const rules = () => checker.check().map((f) => `${f.path.split('/').pop()}:${f.line}:${f.rule}`);
    checker.setFile('drivers/misc/acme/acme_dev.c', dev);
    assert.deepEqual(rules(), [], 'the wrapper unknown');
    checker.setOtherFile('drivers/misc/acme/acme_utils.c', utils);
    assert.deepEqual(rules(), ['acme_dev.c:4:linear-map-assumption']);
    checker.setOtherFile('drivers/misc/acme/acme_utils.c', utils.replace('dma_alloc_coherent(cd->dev, size, h, GFP_KERNEL)', 'kmalloc(size, GFP_KERNEL)'));
    assert.deepEqual(rules(), [], 'kmalloc() memory');
    // A wrapper of another driver's folder is not this driver's.
    checker.setOtherFile('drivers/misc/acme/acme_utils.c', '');
    checker.setOtherFile('drivers/misc/other/other_utils.c', utils);
    assert.deepEqual(rules(), [], 'another folder');
  } finally {
    checker.project.dispose();
  }
});

test('a field assigned in many places: a finding names the first 64 of them, in file order (the analysis keeps no more per field read)', async () => {
  const parser = await testParser();
  // 100 functions give q->va coherent memory, 100 convert it: one finding per converting function.
  let text = '';
  for (let i = 0; i < 100; i++) text += `void acme_get${i}(struct acme_q *q)\n{\n\tq->va = dma_alloc_coherent(q->dev, 4096, &q->dma, GFP_KERNEL);\n}\n`;
  for (let i = 0; i < 100; i++) text += `phys_addr_t acme_pa${i}(struct acme_q *q)\n{\n\treturn virt_to_phys(q->va);\n}\n`;
  const findings = checkOneFile(parser, text, false).filter((f) => f.rule === 'linear-map-assumption');
  assert.equal(findings.length, 100);
  for (const f of findings) {
    const from = f.related.filter((r) => r.message === 'the buffer comes from here (coherent-va)').map((r) => r.line);
    assert.deepEqual(from, Array.from({ length: 64 }, (_, i) => 3 + 4 * i));
  }
});

test('a lookup\'s domain argument is evaluated once (with the call\'s other arguments): lookups nested 14 deep in domain position are analysed, not cut off by the budget', async () => {
  const parser = await testParser();
  let e = 'd';
  for (let i = 0; i < 14; i++) e = `iommu_iova_to_phys(${e}, a)`;
  const text = `void *acme_va(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn phys_to_virt(${e});\n}\n`;
  // (Each level evaluated its domain twice, through the call and again for where the domain came from: 2^14.)
  const found = checkOneFile(parser, text, false).map((f) => `${f.line}:${f.column}:${f.rule}`);
  assert.deepEqual(found, ['3:9:linear-map-assumption', '3:22:iova-phys-unchecked', '3:22:iova-reverse-lookup']);
});
