// SPDX-License-Identifier: MIT
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadParser } from './wasm';
import { Workspace } from './workspace';

// A driver whose helper (in its header) rebuilds a CPU address from a DMA address: the .c file's finding needs the header.
const HEADER = '#include <linux/iommu.h>\nstatic inline u64 acme_to_phys(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn iommu_iova_to_phys(d, a);\n}\n';
const SOURCE = '#include "acme.h"\nvoid *acme_rx(struct iommu_domain *d, dma_addr_t a)\n{\n\treturn phys_to_virt(acme_to_phys(d, a));\n}\n';

function tree(drivers: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'iova-ws-'));
  for (const d of drivers) {
    mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, d, 'acme.h'), HEADER);
    writeFileSync(join(root, d, 'acme.c'), SOURCE);
  }
  return root;
}

test('opening a file reads its folder for the helpers; folders with no open file beyond the most recent few are dropped, and read again when needed', async () => {
  const parser = await loadParser();
  const root = tree(['a', 'b', 'c']);
  const logs: string[] = [];
  const ws = new Workspace(parser, root, [root], (m) => logs.push(m), 1);
  const open = (d: string) => {
    const abs = join(root, d, 'acme.c');
    ws.indexFolder(join(root, d));
    ws.setText(abs, SOURCE);
    return abs;
  };
  const a = open('a');
  const lookup = (abs: string) => ws.findingsFor(abs).filter((f) => f.rule === 'linear-map-assumption').length;
  assert.equal(lookup(a), 1, 'the header beside the file gives the helper');
  ws.closeText(a);
  const b = open('b');
  ws.closeText(b);
  assert.ok(ws.indexes(a) && ws.indexes(b), 'a is the one idle folder kept; b was being opened');
  const c = open('c');
  // Of the idle a and b, the least recently used (a) is dropped.
  assert.equal(ws.indexes(a), false);
  assert.equal(ws.indexes(b), true);
  assert.equal(ws.fileCount(), 4, 'b and c: two files each');
  assert.equal(lookup(c), 1);
  ws.closeText(c);
  // Reopened, a is read again and its finding is back; b is now the oldest idle folder.
  const a2 = open('a');
  assert.equal(lookup(a2), 1);
  assert.equal(ws.indexes(b), false);
  assert.equal(ws.indexes(c), true);
  assert.deepEqual(logs, []);
});

test('a patch over more folders than are kept idle still has every folder\'s helpers', async () => {
  const parser = await loadParser();
  const root = tree(['a', 'b']);
  const ws = new Workspace(parser, root, [root], () => {}, 0);
  const hunk = (d: string) =>
    `diff --git a/${d}/acme.c b/${d}/acme.c\n--- a/${d}/acme.c\n+++ b/${d}/acme.c\n@@ -3,3 +3,3 @@ void *acme_rx(struct iommu_domain *d, dma_addr_t a)\n {\n-\treturn phys_to_virt(acme_to_phys(d, a));\n+\treturn phys_to_virt(acme_to_phys(d, a + 0));\n }\n`;
  const r = ws.patchFindings(hunk('a') + hunk('b'));
  assert.equal(r.error, undefined);
  // Both added lines: the helper in each folder's acme.h makes them reverse lookups rebuilt through the linear map.
  assert.deepEqual(r.findings.filter((f) => f.rule === 'linear-map-assumption').map((f) => f.line).sort((x, y) => x - y), [7, 15]);
});
