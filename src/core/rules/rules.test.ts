// SPDX-License-Identifier: MIT
// Every registered rule is one module with its table test and its doc page,
// and the doc page has the fixed headings the editor and `explain` rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES, RULE_IDS, NOTICES } from './index';

/** src/core/rules in the repository (tests run from out/ or another build folder). */
function rulesDir(): string {
  let d = __dirname;
  for (let i = 0; i < 8; i++) {
    const c = join(d, 'src', 'core', 'rules');
    if (existsSync(join(c, 'index.ts'))) return c;
    d = join(d, '..');
  }
  throw new Error(`cannot find src/core/rules above ${__dirname}`);
}

const HEADINGS = ['## Why', '## Wrong', '## Right', '## Where it breaks', '## Suppress', '## References'];

test('five rules, registered in the SPEC order', () => {
  assert.deepEqual(
    RULES.map((r) => r.meta.id),
    ['iova-reverse-lookup', 'dma-addr-as-phys', 'linear-map-assumption', 'iova-phys-unchecked', 'translate-after-unmap'],
  );
  assert.ok(RULE_IDS.includes('unused-suppression'));
});

for (const n of NOTICES) {
  test(`${n.id}: a notice, with a doc page that shows the wrong and the right code`, () => {
    const md = readFileSync(join(rulesDir(), `${n.id}.md`), 'utf8');
    assert.equal(md.split('\n')[0], `# ${n.id}`);
    assert.match(md, /\n## Why\n[^]*\n## Wrong\n[^]*```[^]*\n## Right\n[^]*```/);
    assert.ok(RULE_IDS.includes(n.id));
  });
}

for (const r of RULES) {
  test(`${r.meta.id}: module, table test and doc page`, () => {
    const dir = rulesDir();
    const id = r.meta.id;
    for (const ext of ['.ts', '.test.ts', '.md']) assert.ok(existsSync(join(dir, id + ext)), `${id}${ext} is missing`);
    assert.ok(r.meta.short.length > 10);
    assert.ok(r.meta.concerns.length > 0);
    const md = readFileSync(join(dir, `${id}.md`), 'utf8');
    const lines = md.split('\n');
    assert.equal(lines[0], `# ${id}`, 'the page starts with "# <rule-id>"');
    let at = 0;
    for (const h of HEADINGS) {
      const i = lines.indexOf(h);
      assert.ok(i > at, `${id}.md: "${h}" missing or out of order`);
      at = i;
    }
    assert.match(md, /2017/, 'references the 2017 thread');
    assert.match(md, /Documentation\/core-api\/dma-api\.rst/);
    assert.match(md, /Documentation\/core-api\/dma-api-howto\.rst/);
    assert.match(md, new RegExp(`iova-lens-ignore ${id}: `), 'shows a suppression with a reason');
  });
}
