// CPU address spaces: the layout values and worked examples of facts §6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Arm64Space, Arm32Space } from './cpu-space';

test('arm64 6.12 layout, 4K and 64K pages (struct page = 64 bytes)', () => {
  const a4 = new Arm64Space(4096, 0x8000_0000n, '6.12');
  const a64 = new Arm64Space(65536, 0x8000_0000n, '6.12');
  for (const a of [a4, a64]) {
    assert.equal(a.PAGE_OFFSET, 0xffff0000_00000000n);
    assert.equal(a.PAGE_END, 0xffff8000_00000000n);
    assert.equal(a.vmallocStart, 0xffff8000_80000000n);
    assert.equal(a.VMEMMAP_END, 0xffffffff_c0000000n);
  }
  assert.equal(a4.vmallocEnd, 0xfffffdff_bf800000n);
  assert.equal(a64.vmallocEnd, 0xffffffdf_bf800000n);
  assert.equal(a4.VMEMMAP_START, 0xfffffdff_c0000000n);
  assert.equal(a64.VMEMMAP_START, 0xffffffdf_c0000000n);
});

test('arm64 worked examples (PHYS_OFFSET 0x8000_0000)', () => {
  const a4 = new Arm64Space(4096, 0x8000_0000n, '6.12');
  const a64 = new Arm64Space(65536, 0x8000_0000n, '6.12');
  assert.equal(a4.physToVirt(0x8123_4567n), 0xffff0000_01234567n);
  assert.equal(a4.pfnToPage(0x81234n), 0xfffffdff_c0048d00n);
  assert.equal(a64.pfnToPage(0x8123n), 0xffffffdf_c00048c0n);
  assert.equal(a4.physToVirt(0x8_8000_1234n), 0xffff0008_00001234n);
  assert.equal(a4.pfnToPage(0x880001n), 0xfffffdff_e0000040n);
  assert.equal(a64.pfnToPage(0x88000n), 0xffffffdf_c2000000n);
  assert.equal(a4.virtToPage(a4.physToVirt(0x8123_4567n)), a4.pfnToPage(0x81234n));
  assert.equal(a4.physToVirt(0x0123_4000n), 0xffffffff_81234000n);
  assert.equal(a4.isLinear(0xffffffff_81234000n), false);
  assert.equal(a4.virtToPage(0xffffffff_81234000n), 0x000001ff_be048d00n);
  assert.equal(a64.virtToPage(0xffffffff_81234000n), 0x0000001f_bfe048c0n);
  assert.equal(a64.physToVirt(0x9_1230_0000n), 0xffff0008_92300000n);
  assert.equal(a64.pfnToPage(0x91230n), 0xffffffdf_c2248c00n);
  assert.equal(a64.pageToPhys(0xffffffdf_c2248c00n), 0x9_1230_0000n);
  assert.equal(a64.pageAddress(0xffffffdf_c2248c00n), 0xffff0008_92300000n);
  assert.equal(a64.virtToPhys(0xffff0008_92300780n), 0x9_1230_0780n);
});

test('PHYS_OFFSET is DRAM start rounded down to ARM64_MEMSTART_ALIGN', () => {
  assert.equal(new Arm64Space(65536, 0x8_a000_0000n, '6.12').physOffset, 0x8_a000_0000n, '512 MiB with 64K');
  assert.equal(new Arm64Space(4096, 0x8_a000_0000n, '6.12').physOffset, 0x8_8000_0000n, '1 GiB with 4K');
});

test('pre-5.4 arm64 layout: linear map in the upper half', () => {
  const a = new Arm64Space(65536, 0x8000_0000n, 'pre-5.4');
  assert.equal(a.PAGE_OFFSET, 0xffff8000_00000000n);
  assert.equal(a.physToVirt(0x9_1230_0000n), 0xffff8008_92300000n);
  assert.equal(a.virtToPhys(0xffff8008_92300000n), 0x9_1230_0000n);
  assert.equal(a.VMEMMAP_START, 0xffff8000_00000000n - (1n << 37n));
  assert.equal(a.pageAddress(a.virtToPage(0xffff8008_92300000n)), 0xffff8008_92300000n);
  assert.equal(a.virtToPage(0xffff8008_92300000n), a.pfnToPage(0x91230n));
});

test('32-bit ARM: lowmem/highmem boundaries and phys_to_virt of highmem / LPAE addresses', () => {
  const a = new Arm32Space(false, [{ start: 0x8000_0000n, size: 2n << 30n }]);
  assert.equal(a.highMemory, 0xf000_0000n);
  assert.equal(a.vmallocStart, 0xf080_0000n);
  assert.equal(a.physToVirt(0xa000_1000n), 0xe000_1000n);
  assert.equal(a.isLinear(0xe000_1000n), true);
  assert.equal(a.physToVirt(0xb001_0000n), 0xf001_0000n);
  assert.equal(a.isLinear(0xf001_0000n), false);
  assert.equal(a.isVmalloc(0xf001_0000n), false, 'guard gap');
  assert.equal(a.isVmalloc(0xf234_5000n), true);
  assert.equal(a.virtToPage(0xf001_0000n), a.pfnToPage(0xb0010n), 'right struct page by arithmetic');
  assert.equal(a.pageAddress(a.pfnToPage(0xb0010n)), 0n, 'highmem: no permanent mapping');
  const l = new Arm32Space(true, [{ start: 0x8000_0000n, size: 2n << 30n }, { start: 0x8_8000_0000n, size: 2n << 30n }]);
  assert.equal(l.physToVirt(0x8_8000_1000n), 0xc000_1000n);
  assert.equal(l.virtToPhys(0xc000_1000n), 0x8000_1000n);
});
