// iommu_iova_to_phys() by era and driver (facts §4.2), the device's view
// (IOTLB, faults with SMMU event names), the IOVA allocator and SWIOTLB.
import { test } from 'node:test';
import { X86Pgtable } from './x86-pgtable';
import { IOMMU_READ, IOMMU_WRITE } from './io-pgtable-arm';
import assert from 'node:assert/strict';
import { Machine } from './machine';
import { parsePlatform } from './platform';
import { IovaDomain } from './iova';
import { Swiotlb, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC } from './swiotlb';
import { Memory } from './memory';
import { Trace } from './trace';
import { Arm64Space } from './cpu-space';

/** Maps one buffer and asks iommu_iova_to_phys about handle+2. */
function lookup(spec: string): { pa: bigint; dma: bigint; out: bigint; m: Machine } {
  const m = new Machine(parsePlatform(spec), true);
  const pfn = m.mem.allocPage('buf');
  const dma = m.dmaMapPage(pfn, 0x780, 1920, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
  const pa = (pfn << m.cpu.pageShift) + 0x782n;
  const d = m.domainForDev();
  return { pa, dma, out: d ? d.iovaToPhys(dma + 2n) : -1n, m };
}

test('arm-smmu(-v3): identity → 0 in 2017, IOVA after bdf95923086f and in 6.12; DMA → walk; BLOCKED → 0', () => {
  for (const iommu of ['smmuv2', 'smmuv3']) {
    const old = lookup(`arm64-64k,iommu=${iommu},domain=identity,era=2017`);
    assert.equal(old.dma, old.pa - 2n, 'identity: dma-direct, DMA = PA');
    assert.equal(old.out, 0n);
    const patched = lookup(`arm64-64k,iommu=${iommu},domain=identity,era=patched`);
    assert.equal(patched.out, patched.dma + 2n);
    const now = lookup(`arm64-64k,iommu=${iommu},domain=identity`);
    assert.equal(now.out, now.dma + 2n);
    const dma = lookup(`arm64-64k,iommu=${iommu},domain=dma`);
    assert.notEqual(dma.dma, dma.pa - 2n);
    assert.equal(dma.out, dma.pa);
    assert.equal(lookup(`arm64-64k,iommu=${iommu},domain=blocked`).out, 0n);
    const un = new Machine(parsePlatform(`arm64-64k,iommu=${iommu},domain=unmanaged`), false);
    assert.equal(un.iommu!.map(0x1000_0000n, 0x9_0000_0000n, 0x10000n, 3), 0);
    assert.equal(un.iommu!.iovaToPhys(0x1000_1234n), 0x9_0000_1234n);
  }
});

test('AMD and Intel variants', () => {
  const amd = lookup('x86-amd');
  assert.equal(amd.out, amd.pa);
  assert.equal(lookup('x86-amd,domain=identity,era=patched').out, lookup('x86-amd,domain=identity,era=patched').dma + 2n);
  const intel = lookup('x86-intel');
  assert.equal(intel.out, intel.pa, '6.12: page address + offset');
  const i54 = lookup('x86-intel-5.4');
  assert.equal(i54.out, i54.pa & ~0xfffn, 'v5.3..v5.5: the in-page offset is dropped');
  const i17 = lookup('x86-intel,era=2017');
  assert.equal(i17.out, -1n, 'no default domain: iommu_get_domain_for_dev() is NULL');
  assert.equal(lookup('x86-intel,domain=identity').out, lookup('x86-intel,domain=identity').dma + 2n);
});

test('SMMUv3 device view: F_TRANSLATION for unmapped, F_PERMISSION for a write to read-only, abort STE records nothing', () => {
  const m = new Machine(parsePlatform('arm64-64k-smmuv3'), true);
  const io = m.iommu!;
  assert.equal(io.steWord0(), 0xbn, 'V=1, Config=5 (S1 translate)');
  assert.equal(m.deviceWrite(0x1234_0000n, 64, 'x'), null);
  assert.equal(m.trace.events.at(-1)!.op === 'fault' && (m.trace.events.at(-1) as { event: string }).event, 'F_TRANSLATION');
  io.map(0x2000_0000n, 0x9_0000_0000n, 0x10000n, 1 | 4);
  assert.equal(m.deviceWrite(0x2000_0010n, 64, 'x'), null);
  assert.equal((m.trace.events.at(-1) as { event: string }).event, 'F_PERMISSION');
  const b = new Machine(parsePlatform('arm64-64k-smmuv3,domain=blocked'), true);
  assert.equal(b.iommu!.steWord0(), 1n, 'V=1, Config=0 (abort)');
  assert.equal(b.deviceWrite(0x1000n, 4, 'x'), null);
  const v2 = new Machine(parsePlatform('arm64-64k,iommu=smmuv2'), true);
  assert.equal(v2.deviceWrite(0x1234_0000n, 64, 'x'), null);
  assert.equal((v2.trace.events.at(-1) as { event: string }).event, 'FSR.TF');
});

test('IOVA allocator: top-down 1-granule allocations, size alignment, rcache LIFO reuse', () => {
  const d = new IovaDomain(65536);
  const lim = 0xffff;
  assert.deepEqual([d.allocFast(1, lim), d.allocFast(1, lim), d.allocFast(1, lim)], [0xffff, 0xfffe, 0xfffd]);
  const d4 = new IovaDomain(4096);
  const l4 = 0xfffff;
  assert.equal(d4.allocFast(1, l4) * 4096, 0xffff_f000);
  const three = d4.allocFast(3, l4);
  assert.equal(three % 4, 0, 'a 3-page request becomes 4 pages aligned to 16 KiB');
  d.freeFast(0xffff, 1);
  assert.equal(d.allocFast(1, lim), 0xffff, 'the just-freed IOVA comes straight back');
  d.freeFast(0xfffe, 1);
  d.freeFast(0xfffd, 1);
  assert.equal(d.allocFast(1, lim), 0xfffd, 'LIFO');
  assert.equal(d.allocIova(1, 0), 0, 'nothing below start_pfn 1: IOVA 0 is never handed out');
});

test('IOVA allocator walks down from its cached node, as iova.c does: alignment holes above it stay, a failure retries from the limit', () => {
  const lim = 0xffff;
  const d = new IovaDomain(65536);
  // 1, 3 (→ 4, aligned) and 1 granules: the third goes below the second, not into the hole at 0xfffc..0xfffe.
  assert.deepEqual([d.allocIova(1, lim), d.allocIova(4, lim), d.allocIova(1, lim)], [0xffff, 0xfff8, 0xfff7]);
  // Freeing the lowest range moves the cached node up: the same IOVA comes back.
  d.freeIova(0xfff7);
  assert.equal(d.allocIova(1, lim), 0xfff7);
  // Nothing left below the cached node (start_pfn 0xfff0): the retry walks from the limit down to just above it.
  const r = new IovaDomain(65536, 0xfff0);
  assert.deepEqual([r.allocIova(1, lim), r.allocIova(4, lim), r.allocIova(4, lim), r.allocIova(4, lim)], [0xffff, 0xfff8, 0xfff4, 0xfff0]);
  assert.equal(r.allocIova(1, lim), 0xfffe, 'the hole above, found by the retry');
  assert.equal(r.allocIova(2, lim), 0xfffc);
  assert.equal(r.allocIova(2, lim), 0, 'full (and max32_alloc_size is 2 now)');
  r.freeIova(0xfff4);
  assert.equal(r.allocIova(2, lim), 0xfff6, 'a free below 4 GiB lifts max32_alloc_size; the walk from the cached node finds the freed range');
});

test('iommu_map unrolls a partial map on failure; iommu_unmap picks page sizes by alignment (iommu_pgsize), splitting a block or freeing a table', () => {
  const io = new Machine(parsePlatform('arm64-64k-smmuv3,domain=unmanaged'), false).iommu!;
  assert.equal(io.map(0x1001_0000n, 0x9_0001_0000n, 0x1_0000n, 3), 0);
  assert.equal(io.map(0x1000_0000n, 0x9_0000_0000n, 0x2_0000n, 3), -17, 'the second granule exists: -EEXIST');
  assert.equal(io.iovaToPhys(0x1000_0000n), 0n, 'the first granule it mapped was unmapped again (iommu.c:2501)');
  assert.equal(io.iovaToPhys(0x1001_0000n), 0x9_0001_0000n, 'what was there before stays');
  // A 512M block, then 128K out of its middle: the block is split, 128K come back.
  assert.equal(io.map(0x2000_0000n, 0x9_0000_0000n, 0x2000_0000n, 3), 0);
  assert.equal(io.unmap(0x2010_0000n, 0x2_0000n), 0x2_0000);
  assert.equal(io.iovaToPhys(0x2010_0000n), 0n);
  assert.equal(io.iovaToPhys(0x2012_0000n), 0x9_0012_0000n, 'the rest of the block is still mapped, as pages');
  // 512M over a table holding a few pages: one 512M unmap frees the table.
  const io2 = new Machine(parsePlatform('arm64-64k-smmuv3,domain=unmanaged'), false).iommu!;
  for (const off of [0n, 0x1_0000n, 0x10_0000n]) io2.map(0x2000_0000n + off, 0x9_0000_0000n + off, 0x1_0000n, 3);
  assert.equal(io2.unmap(0x2000_0000n, 0x2000_0000n), 0x2000_0000);
  assert.equal(io2.iovaToPhys(0x2010_0000n), 0n);
});

test('dma-iommu: 64K granule, PCI 32-bit first, MSI window reserved, first maps at 0xFFFF_0000, 0xFFFE_0000', () => {
  const m = new Machine(parsePlatform('arm64-64k-smmuv3'), false);
  const p = m.mem.allocPage('x');
  assert.equal(m.dmaMapPage(p, 0, 1920, DMA_FROM_DEVICE, 0), 0xffff_0000n);
  assert.equal(m.dmaMapPage(p, 0x780, 1920, DMA_FROM_DEVICE, 0), 0xfffe_0780n);
});

test('SWIOTLB: 2 KiB slots, next-fit, orig_addr, copy in at map, copy back only without SKIP_CPU_SYNC', () => {
  const t = new Trace(true);
  const cpu = new Arm64Space(65536, 0x8000_0000n, '6.12');
  const mem = new Memory([{ start: 0x8000_0000n, size: 2n << 30n }, { start: 0x8_8000_0000n, size: 30n << 30n }], cpu, t);
  const sw = new Swiotlb(0xfbc0_0000n, 32768, mem, t, 65536);
  assert.equal(mem.ref(0xfbc0n), 1, 'pool pages are PG_reserved with count 1');
  assert.ok(mem.page(0xfbc0n).reserved);
  mem.write(0x9_1230_0780n, 1920, 'orig');
  const a = sw.mapSingle(0x9_1230_0780n, 1920, 0, 0, DMA_FROM_DEVICE, 0)!;
  assert.equal(a, 0xfbc0_0000n, 'no min_align_mask: slot aligned, low bits not preserved');
  assert.equal(mem.read(a), 'orig', 'copied in at map time even for DMA_FROM_DEVICE');
  assert.equal(sw.origOf(a + 2n), 0x9_1230_0782n);
  const b = sw.mapSingle(0x9_1230_0000n, 5000, 0, 0, DMA_FROM_DEVICE, 0)!;
  assert.equal(b, 0xfbc0_0800n, 'next fit: 3 slots from slot 1');
  assert.equal(sw.slot(3).orig, 0x9_1230_0000n + 4096n);
  mem.write(a, 64, 'device');
  sw.unmapSingle(a, 1920, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
  assert.equal(mem.read(0x9_1230_0780n), 'orig', 'SKIP_CPU_SYNC: no copy back');
  const c = sw.mapSingle(0x9_1230_0780n, 1920, 0, 0, DMA_FROM_DEVICE, 0)!;
  assert.equal(c, 0xfbc0_2000n);
  mem.write(c, 64, 'device2');
  sw.unmapSingle(c, 1920, DMA_FROM_DEVICE, 0);
  assert.equal(mem.read(0x9_1230_0780n), 'device2');
  const big = sw.mapSingle(0x9_0000_0000n, 65536, 0, 0, DMA_FROM_DEVICE, 0)!;
  assert.equal(big % 65536n, 0n, 'page-sized streaming maps are page aligned');
  const al = sw.mapSingle(0x9_0000_0780n, 1920, 0xffff, 0, DMA_FROM_DEVICE, 0)!;
  assert.equal(al % 65536n, 0n, 'alloc_align_mask 0xFFFF (dma-iommu, untrusted)');
});

test('SWIOTLB as swiotlb.c sizes and offsets it: an untrusted bounce takes its whole IOVA granule; min_align_mask keeps the low bits, pads whole slots and copies back to the right address', () => {
  const t = new Trace(false);
  const fresh = () => {
    const mem = new Memory([{ start: 0x8000_0000n, size: 2n << 30n }, { start: 0x8_8000_0000n, size: 30n << 30n }], new Arm64Space(65536, 0x8000_0000n, '6.12'), t);
    return { mem, sw: new Swiotlb(0xfbc0_0000n, 32768, mem, t, 65536) };
  };
  // dma-iommu bounces an untrusted device's 1920 bytes with alloc_align_mask = granule - 1: 64 KiB, 32 slots
  // (swiotlb.c:1425), so that the granule the IOMMU maps holds no one else's data.
  let { sw } = fresh();
  const u = sw.mapSingle(0x9_1230_0780n, 1920, 0xffff, 0, DMA_FROM_DEVICE, 0)!;
  assert.equal(u, 0xfbc0_0000n);
  assert.equal(sw.usedSlots(), 32);
  assert.equal(sw.mapSingle(0x9_1230_0000n, 1920, 0, 0, DMA_FROM_DEVICE, 0), 0xfbc1_0000n, 'the next bounce lands outside that granule');
  sw.unmapSingle(u, 1920, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
  assert.equal(sw.usedSlots(), 1, 'all 32 released');
  // An NVMe-style min_align_mask 0xfff: bit 11 of the original (0x…e00) is matched by the slot, not by a pad.
  let mem: Memory;
  ({ sw, mem } = fresh());
  const n = sw.mapSingle(0x9_1230_0e00n, 512, 0, 0xfff, DMA_FROM_DEVICE, 0)!;
  assert.equal(n, 0xfbc0_0e00n, 'slot 1 (its address has bit 11 set) + 0x600');
  mem.write(n, 64, 'device');
  sw.unmapSingle(n, 512, DMA_FROM_DEVICE, 0);
  assert.equal(mem.read(0x9_1230_0e00n), 'device', 'copied back to the original, not 0x600 past it');
  assert.equal(sw.usedSlots(), 0);
  // With a min_align_mask an 8 KiB map is not forced to a page boundary (swiotlb.c:1067).
  ({ sw } = fresh());
  assert.equal(sw.mapSingle(0x9_1230_0800n, 8192, 0, 0xfff, DMA_FROM_DEVICE, 0), 0xfbc0_0800n);
  // A 0x1e00 offset under a 0x1fff mask and a 4 KiB alloc alignment: one pad slot before the mapping.
  ({ sw } = fresh());
  const p = sw.mapSingle(0x9_1230_1e00n, 256, 0xfff, 0x1fff, DMA_FROM_DEVICE, 0)!;
  assert.equal(p, 0xfbc0_1e00n, 'the low 13 bits kept: slot 2 (bit 12 set, 4 KiB aligned) is the pad, the mapping starts in slot 3 at offset 0x600');
  assert.equal(sw.origOf(p), 0x9_1230_1e00n);
  assert.equal(sw.usedSlots(), 2);
  sw.unmapSingle(p, 256, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
  assert.equal(sw.usedSlots(), 0, 'the pad slot goes too');
});

test('dma-direct: dma-ranges translate both ways; outside the window → error / -1', () => {
  const m = new Machine(parsePlatform('arm64-64k-dma-ranges'), false);
  assert.equal(m.physToDma(0x8123_4000n), 0x0123_4000n);
  assert.equal(m.dmaToPhys(0x0123_4000n), 0x8123_4000n);
  assert.equal(m.dmaToPhys(0x9000_0000n), (1n << 64n) - 1n);
  assert.equal(m.physToDma(0x1_2000_0000n), (1n << 64n) - 1n);
});

test('flush queue: 255 usable ring slots, a full queue flushes at once', () => {
  const m = new Machine(parsePlatform('arm64-64k-smmuv3-fq'), false);
  const p = m.mem.allocPage('x');
  const h: bigint[] = [];
  for (let i = 0; i < 300; i++) h.push(m.dmaMapPage(p, 0, 1920, DMA_FROM_DEVICE, 0));
  for (const x of h) m.dmaUnmapPage(x, 1920, DMA_FROM_DEVICE, 0);
  const fq = m.iommu!.fq!;
  assert.equal(fq.flushes, 1);
  assert.equal(fq.entries.length, 300 - 255);
  m.advance(10_000);
  assert.equal(fq.flushes, 2, 'the 10 ms timer flushes the rest');
  assert.equal(fq.entries.length, 0);
});

test('SMMUv3 STE / CD words and SMMUv2 S2CR as the drivers build them', () => {
  const m = new Machine(parsePlatform('arm64-64k-smmuv3'), true);
  const io = m.iommu!;
  const [w0, w1] = io.steWords(0xa000_0000n);
  assert.equal(w0, 0xa000_0000n | 0xbn);
  assert.equal(w1 & 3n, 2n, 'S1DSS = SSID0');
  const cd = io.cdWords()!;
  assert.equal(cd[0] & 0x3fn, 16n, 'T0SZ = 64 - 48');
  assert.equal((cd[0] >> 6n) & 3n, 1n, 'TG0 = 64K');
  assert.equal((cd[0] >> 32n) & 7n, 5n, 'IPS = 48 bits');
  assert.equal((cd[0] >> 31n) & 1n, 1n, 'V');
  assert.equal(cd[2], 0xf404_ff44n);
  assert.deepEqual(new Machine(parsePlatform('arm64-64k-smmuv3-identity'), false).iommu!.steWords(0n), [9n, 1n << 44n]);
  assert.equal(new Machine(parsePlatform('thunderx-2017-identity'), false).iommu!.s2crValue(), 0x10000);
  // A stage-1 context bank: TYPE = S1 translate + S2 bypass, BPSHCFG = NSH, MEMATTR = WB (arm-smmu.c:595-607).
  assert.equal(new Machine(parsePlatform('thunderx-numa-smmuv2'), false).iommu!.cbarValue(), 0x1_f300);
  assert.ok(m.trace.events.some((e) => e.op === 'translate' && e.fn === 'attach (STE)'));
});

test('the IOVA rcache hands out only a range that ends at or below the limit (iova.c:392, :871)', () => {
  const d = new IovaDomain(65536);
  const a = d.allocFast(2, 0xfffff);
  assert.equal(a, 0xffffe);
  d.freeFast(a, 2);
  // 0xffffe..0xfffff would end past a limit of 0xffffe: the cache is passed over, the tree gives a range below it.
  const b = d.allocFast(2, 0xffffe);
  assert.ok(b !== 0 && b + 1 <= 0xffffe, `got ${b.toString(16)}`);
  // With room below the limit the cached range comes back (LIFO), as before.
  assert.equal(d.allocFast(2, 0xfffff), 0xffffe);
});

test('AMD v1 tables start with 3 levels and grow by one for an IOVA past them (amd/io_pgtable.c:570, :180); Intel walks 4', () => {
  const amd = new X86Pgtable('amd');
  assert.equal(amd.map(0xffff_f000, 0x1_1230_0000, IOMMU_READ | IOMMU_WRITE), 0);
  const w = amd.walk(0xffff_f780);
  assert.deepEqual(w.levels.map((l) => [l.level, l.index]), [[3, 3], [2, 511], [1, 511]]);
  assert.equal(X86Pgtable.addr(w.pte), 0x1_1230_0000n);
  // Past 2^39: a fourth level above, the old root its entry 0 — what was mapped is still found.
  assert.equal(amd.map(2 ** 40, 0x2000_0000, IOMMU_READ), 0);
  assert.deepEqual(amd.walk(0xffff_f780).levels.map((l) => [l.level, l.index]), [[4, 0], [3, 3], [2, 511], [1, 511]]);
  assert.equal(X86Pgtable.addr(amd.walk(2 ** 40).pte), 0x2000_0000n);
  const intel = new X86Pgtable('intel');
  intel.map(0xffff_f000, 0x1_1230_0000, IOMMU_READ);
  assert.equal(intel.walk(0xffff_f780).levels.length, 4);
});
