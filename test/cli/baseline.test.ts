// SPDX-License-Identifier: MIT
// `iova-lens scan --baseline FILE` as CI adopts it: the report of today's
// tree is the baseline; moving code reports nothing, a new finding is
// reported even when an old one in the same function has the same message,
// and a broken baseline file is one line and exit 2. Also the SARIF side of
// the same question: results that share rule, path, function and message
// still get distinct fingerprints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO } from '../helpers';

const TXRX = 'drivers/net/ethernet/marvell/octeontx2/otx2_txrx.c';

function scan(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'scan', '.', '--no-cache', ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function tree(): { dir: string; known: string } {
  const dir = mkdtempSync(join(tmpdir(), 'iova-baseline-'));
  cpSync(join(REPO, 'test', 'fixtures', 'tree'), dir, { recursive: true });
  const r = scan(dir, '--format', 'json');
  assert.equal(r.code, 1, r.err);
  assert.ok(JSON.parse(r.out).findings.length >= 4);
  const known = join(dir, 'known.json');
  writeFileSync(known, r.out);
  return { dir, known };
}

test('--baseline: the same tree, and the tree with its code moved, report nothing (exit 0)', () => {
  const { dir, known } = tree();
  const same = scan(dir, '--baseline', known);
  assert.deepEqual([same.code, same.out, same.err], [0, '', '']);
  const file = join(dir, TXRX);
  writeFileSync(file, '/* moved */\n\n\n\n\n' + readFileSync(file, 'utf8'));
  const moved = scan(dir, '--baseline', known, '--format', 'json');
  assert.equal(moved.code, 0, moved.err);
  assert.deepEqual(JSON.parse(moved.out).findings, []);
});

test('--baseline: a second lookup in a function that already had one is new, though its message is the same', () => {
  const { dir, known } = tree();
  const file = join(dir, TXRX);
  const text = readFileSync(file, 'utf8');
  const added = text
    .replace('\tu64 pa = otx2_iova_to_phys(pfvf->iommu_domain, iova);\n', '\tu64 pa = otx2_iova_to_phys(pfvf->iommu_domain, iova);\n\tu64 pb;\n')
    .replace('\tput_page(virt_to_page(phys_to_virt(pa)));\n', '\tput_page(virt_to_page(phys_to_virt(pa)));\n\tpb = otx2_iova_to_phys(pfvf->iommu_domain, iova + 64);\n\tput_page(virt_to_page(phys_to_virt(pb)));\n');
  assert.notEqual(added, text, 'the fixture changed: update the test');
  writeFileSync(file, added);
  const all = scan(dir, '--format', 'gcc').out.trim().split('\n');
  const unchecked = all.filter((l) => l.startsWith(`${TXRX}:`) && l.endsWith('[iova-phys-unchecked]'));
  assert.equal(unchecked.length, 2, 'two unchecked lookups in otx2_free_rcv_seg() now, with one message');
  const r = scan(dir, '--baseline', known, '--format', 'gcc');
  assert.equal(r.code, 1, r.err);
  assert.deepEqual(r.out.trim().split('\n'), [`${TXRX}:15:7: warning: the iommu_iova_to_phys() result may be 0 (IOVA not mapped, BLOCKED domain) and is used without a check [zero, a] [iova-phys-unchecked]`]);
  assert.equal(added.split('\n')[14].trim(), 'pb = otx2_iova_to_phys(pfvf->iommu_domain, iova + 64);', 'line 15 is the added lookup');
});

test('--baseline: a file that is not a JSON report is one line naming it and why, exit 2', () => {
  const { dir } = tree();
  const cases: [string, RegExp][] = [
    ['{"findings": 3}', /bad baseline: not an iova-lens JSON report \("findings" is not an array/],
    ['scan output in gcc format\n', /bad baseline: not JSON/],
    ['{"findings": [{"rule": "r"}]}', /bad baseline: findings\[0\]\.path is not a string/],
  ];
  for (const [content, want] of cases) {
    const f = join(dir, 'bad.json');
    writeFileSync(f, content);
    const r = scan(dir, '--baseline', f);
    assert.equal(r.code, 2, content);
    assert.match(r.err, new RegExp(`^iova-lens: ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${want.source}`));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
  const missing = scan(dir, '--baseline', join(dir, 'none.json'));
  assert.equal(missing.code, 2);
  assert.match(missing.err, /none\.json: cannot read baseline \(no such file\)/);
});

test('SARIF: results that share rule, path, function and message get distinct fingerprints', () => {
  const { dir } = tree();
  const file = join(dir, TXRX);
  writeFileSync(file, readFileSync(file, 'utf8').replace('\tput_page(virt_to_page(phys_to_virt(pa)));\n', '\tput_page(virt_to_page(phys_to_virt(pa)));\n\tput_page(virt_to_page(phys_to_virt(otx2_iova_to_phys(pfvf->iommu_domain, iova + 64))));\n'));
  const r = scan(dir, '--format', 'sarif');
  const results = JSON.parse(r.out).runs[0].results as { ruleId: string; partialFingerprints: Record<string, string>; properties: { function: string }; message: { text: string } }[];
  const prints = results.map((x) => x.partialFingerprints['iovaLens/v1']);
  const keys = results.map((x) => `${x.ruleId}|${x.properties.function}|${x.message.text}`);
  assert.ok(new Set(keys).size < keys.length, 'the tree has results with the same rule, function and message');
  assert.equal(new Set(prints).size, prints.length, 'every result has its own fingerprint');
});
