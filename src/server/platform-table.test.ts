// SPDX-License-Identifier: MIT
// The hover's table: what each step of a finding's chain returns on each platform, and the outcome.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { platformTable } from './platform-table';
import { listPlatforms } from '../emulator/index';

const NICVF = ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'];

test('one row per platform: the value after each word of the chain, then the outcome (SPEC §1.5)', () => {
  const lines = platformTable(NICVF).split('\n');
  assert.equal(lines[0], '| platform | dma-handle | iova-to-phys / identity | phys-to-virt | virt-to-page | put-page | outcome |');
  assert.equal(lines.length, 2 + listPlatforms().length);
  const row = (name: string) => lines.find((l) => l.startsWith(`| ${name} |`))!.split(' | ');
  // With a DMA domain the handle is an IOVA and the lookup finds the buffer.
  assert.deepEqual(row('arm64-64k-smmuv3').slice(1), ['`0xffff0780`', '`0x912300780`', '`0xffff000892300780`', '`0xffffffdfc2248c00`', '—', 'correct |']);
  // 2017 arm-smmu on an identity domain: the lookup returns 0, phys_to_virt(0) is PAGE_OFFSET, put_page faults.
  const id = row('thunderx-2017-identity');
  assert.equal(id[2], '`0x0`');
  assert.equal(id[5], 'fault');
  assert.equal(id[6], 'null, fault |');
});

test('a test step shows its answer, a bad chain says why in one line', () => {
  assert.match(platformTable(['coherent-va', 'virt-addr-valid']), /\| arm64-64k-smmuv3 \| `0x[0-9a-f]+` \| — \| correct — virt_addr_valid\(\) = false \|/);
  assert.equal(platformTable(['teleport']), "_(emulator: bad chain source 'teleport' (expected one of dma-handle, coherent-va, vmalloc-va, ioremap-va, linear-va))_");
});
