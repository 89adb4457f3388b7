// Emulator benchmark (not a test): iommu_iova_to_phys walks per second with
// event recording off, on a populated 4-level table (4K granule, ias 48).
// Needs the transpiled tests/sources: `node esbuild.mjs --tests` first.
//   node scripts/bench-emulator.mjs [seconds-per-case]
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const base = new URL('../out/src/emulator/', import.meta.url);
if (!existsSync(new URL('index.js', base))) {
  console.error('bench-emulator: out/src/emulator is missing; run `node esbuild.mjs --tests` first');
  process.exit(2);
}
const { ArmLpaePgtable } = require(new URL('io-pgtable-arm.js', base).pathname);
const { Machine } = require(new URL('machine.js', base).pathname);
const emu = require(new URL('index.js', base).pathname);

const secs = Number(process.argv[2] ?? 1);
let seed = 0x1234_5678;
const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };

// What dma-iommu builds: 65,536 4K pages allocated top-down below 4 GiB (256 MiB of IOVA space),
// plus 1,024 pages scattered over the 48-bit space so the upper levels have many tables too.
const pt = new ArmLpaePgtable({ pgsizes: [4096, 2 ** 21, 2 ** 30], ias: 48, oas: 48 });
const iovas = [];
for (let i = 0; i < 65536; i++) {
  const iova = 0xffff_f000 - i * 4096;
  pt.map(iova, 0x8_0000_0000 + ((i * 7919) % 65536) * 4096, 4096, 1, 3);
  iovas.push(iova);
}
let scattered = 0;
while (scattered < 1024) {
  const iova = (rnd() % 65536) * 2 ** 32 + (rnd() & 0xfffff000);
  if (iova >= 2 ** 32 && pt.map(iova, 0x9_0000_0000 + scattered * 4096, 4096, 1, 3).ret === 0) { iovas.push(iova); scattered++; }
}
const probes = Float64Array.from({ length: 1 << 20 }, (_, i) => iovas[rnd() % iovas.length] + (i & 0xfff));
console.log(`table: ${pt.levels} levels, ${pt.tableCount} tables, ${iovas.length} pages mapped`);

function measure(name, fn) {
  let n = 0;
  let sink = 0;
  fn(probes.subarray(0, 1 << 16)); // warm up
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < secs * 1000) { sink += fn(probes); n += probes.length; t = performance.now(); }
  const rate = n / ((t - t0) / 1000);
  console.log(`${name}: ${(rate / 1e6).toFixed(2)} M walks/s (${n.toLocaleString('en')} walks in ${((t - t0) / 1000).toFixed(2)} s)${sink === -1 ? '' : ''}`);
  return rate;
}

// 1. The core walk (arm_lpae_iova_to_phys) on exact numbers.
const core = measure('arm_lpae_iova_to_phys (core, number)', (arr) => {
  let s = 0;
  for (let i = 0; i < arr.length; i++) s += pt.iovaToPhys(arr[i]);
  return s;
});

// 2. The domain-level iommu_iova_to_phys with bigint addresses, recording off.
const m = new Machine(emu.parsePlatform('arm64-4k,iommu=smmuv3,domain=unmanaged'), false);
for (let i = 0; i < 4096; i++) m.iommu.map(BigInt(iovas[i]), BigInt(0x8_0000_0000 + i * 4096), 4096n, 3);
const big = Array.from({ length: 1 << 16 }, (_, i) => BigInt(iovas[i % 4096] + (i & 0xfff)));
let n2 = 0;
const t0 = performance.now();
let t = t0;
let s2 = 0n;
while (t - t0 < secs * 1000) { for (const b of big) s2 += m.iommu.iovaToPhys(b); n2 += big.length; t = performance.now(); }
const api = n2 / ((t - t0) / 1000);
console.log(`iommu_iova_to_phys (domain API, bigint, recording off): ${(api / 1e6).toFixed(2)} M walks/s`);

// 3. A recorded nicvf run of about 10k events (the webview's stream budget: < 50 ms).
const { Nicvf } = require(new URL('nicvf.js', base).pathname);
const e0 = performance.now();
const mm = new Machine(emu.parsePlatform('arm64-64k-smmuv3'), true);
const nic = new Nicvf(mm, 'check', 680);
nic.refill(680);
for (let i = 0; i < 680; i++) nic.receive();
nic.teardown();
console.log(`nicvf run with recording: ${mm.trace.events.length} events in ${(performance.now() - e0).toFixed(1)} ms`);

// 4. A recorded scenario run.
const r0 = performance.now();
const r = emu.runScenario('S1');
console.log(`S1 with recording: ${r.events.length} events in ${(performance.now() - r0).toFixed(1)} ms`);
console.log(core >= 5e6 ? `OK: ${(core / 1e6).toFixed(1)} M walks/s ≥ 5 M/s` : `BELOW TARGET: ${(core / 1e6).toFixed(1)} M walks/s < 5 M/s`);
