// Platform presets and the override syntax (SPEC §2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listPlatforms, parsePlatform, listScenarios } from './index';

test('the SPEC example parses, fields as given', () => {
  const p = parsePlatform('arm64-64k,iommu=smmuv3,domain=identity,era=2017,dma-offset=0x80000000,swiotlb=force');
  assert.deepEqual({ ...p }, {
    name: 'arm64-64k,iommu=smmuv3,domain=identity,era=2017,dma-offset=0x80000000,swiotlb=force',
    arch: 'arm64', pageSize: 65536, iommu: 'smmuv3', domain: 'identity', era: '2017', dmaOffset: 0x8000_0000n, swiotlb: 'force', untrusted: false,
  });
});

test('every preset parses to itself; each scenario platform is a preset', () => {
  const names = listPlatforms().map((p) => p.name);
  for (const n of names) assert.equal(parsePlatform(n).name, n);
  for (const s of listScenarios()) assert.ok(names.includes(s.platform), s.platform);
  for (const p of listPlatforms()) assert.ok(p.description.length > 10);
});

test('iommu override without domain picks DMA; iommu=none clears the domain', () => {
  assert.equal(parsePlatform('arm64-64k,iommu=smmuv3').domain, 'dma');
  assert.equal(parsePlatform('arm64-64k-smmuv3,iommu=none').domain, 'none');
  assert.equal(parsePlatform('arm64-64k,page=4k').pageSize, 4096);
  assert.equal(parsePlatform('arm64-64k-smmuv3,untrusted').untrusted, true);
  assert.equal(parsePlatform('arm64-64k,dma-offset=-0xc0000000').dmaOffset, -0xc000_0000n);
});

test('bad parts are named in a one-line message', () => {
  const cases: [string, RegExp][] = [
    ['nope', /unknown platform preset 'nope'/],
    ['arm64-64k,colour=blue', /unknown platform override 'colour'/],
    ['arm64-64k,iommu=smmuv9', /iommu=smmuv9/],
    ['arm64-64k,domain=dma', /domain=dma needs an IOMMU/],
    ['arm64-64k,dma-offset=zz', /dma-offset=zz/],
    // dma_addr_t is u64: RAM cannot start below bus address 0 or end past 2^64.
    ['arm64-64k,dma-offset=0x1000000000000', /dma-offset=0x1000000000000 is larger than the start of RAM/],
    ['arm64-64k,dma-offset=-0xffffffff00000000', /past 64-bit bus addresses/],
    ['arm64-64k,page=8k', /page=8k/],
    ['arm64-64k-smmuv3,era=2017,domain=dma-fq', /dma-fq/],
    ['arm32-highmem,iommu=smmuv3', /smmuv3/],
    ['arm64-64k,era', /needs a value/],
    ['', /empty platform/],
  ];
  for (const [spec, re] of cases) {
    assert.throws(() => parsePlatform(spec), (e: Error) => re.test(e.message) && !e.message.includes('\n'), spec);
  }
});
