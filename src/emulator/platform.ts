// Platform presets and the override syntax of SPEC §2:
//   arm64-64k,iommu=smmuv3,domain=identity,era=2017,dma-offset=0x80000000,swiotlb=force
// A Platform holds only the nine public fields; the machine details a preset
// implies (RAM banks, where the driver's page sits, SWIOTLB pool, SMMU
// features) are looked up from the preset name by machineDetails().

import type { Arch, DomainType, Era, IommuKind, Platform, PlatformPreset, SwiotlbMode } from './types';
import { hex, MASK64, parseNumber } from './hex';

export interface RamBank { start: bigint; size: bigint }

/** What a preset implies beyond the public fields. */
export interface MachineDetails {
  ram: RamBank[];
  /** PA of the page the driver allocates first (facts §8: 0x9_1230_0000). */
  bufferPage: bigint;
  /** Offset of the buffer the scenario follows inside that page (nicvf buffer 1 = 0x780). */
  bufferOffset: number;
  swiotlbBase: bigint;
  swiotlbSlots: number;
  /** SMMUv2 ARM_SMMU_FEAT_TRANS_OPS: iova_to_phys uses the hardware ATOS path for stage-1 domains. */
  transOps: boolean;
}

const G = 1n << 30n;

const ARM64_RAM: RamBank[] = [
  { start: 0x8000_0000n, size: 2n * G },
  { start: 0x8_8000_0000n, size: 30n * G },
];

const DEFAULT_DETAILS: Record<Arch, MachineDetails> = {
  arm64: { ram: ARM64_RAM, bufferPage: 0x9_1230_0000n, bufferOffset: 0x780, swiotlbBase: 0xfbc0_0000n, swiotlbSlots: 32768, transOps: false },
  // Facts §6.3: PHYS_OFFSET 0x8000_0000, 2 GiB; the packet page of S8 sits in highmem.
  arm32: { ram: [{ start: 0x8000_0000n, size: 2n * G }], bufferPage: 0xb001_0000n, bufferOffset: 0, swiotlbBase: 0xab00_0000n, swiotlbSlots: 32768, transOps: false },
  'arm32-lpae': {
    ram: [{ start: 0x8000_0000n, size: 2n * G }, { start: 0x8_8000_0000n, size: 2n * G }],
    bufferPage: 0x8_8000_1000n, bufferOffset: 0, swiotlbBase: 0xab00_0000n, swiotlbSlots: 32768, transOps: false,
  },
  x86_64: { ram: [{ start: 0n, size: 2n * G }, { start: 0x1_0000_0000n, size: 30n * G }], bufferPage: 0x1_1230_0000n, bufferOffset: 0x780, swiotlbBase: 0x7bc0_0000n, swiotlbSlots: 32768, transOps: false },
};

interface PresetDef { preset: PlatformPreset; details?: Partial<MachineDetails> }

function p(name: string, description: string, scenarios: string[], f: Partial<Platform> & { arch: Arch; pageSize: number }, details?: Partial<MachineDetails>): PresetDef {
  const preset: PlatformPreset = {
    name, description, scenarios,
    arch: f.arch, pageSize: f.pageSize, iommu: f.iommu ?? 'none', domain: f.domain ?? 'none', era: f.era ?? '6.12',
    dmaOffset: f.dmaOffset ?? 0n, swiotlb: f.swiotlb ?? 'on', untrusted: f.untrusted ?? false,
  };
  return { preset, details };
}

// ThunderX-class memory: DRAM from PA 0 on node 0, node 1 at 1 TiB [recall, facts §8 S2/S12].
const THUNDERX_RAM: RamBank[] = [
  { start: 0n, size: 64n * G },
  { start: 0x100_0000_0000n, size: 64n * G },
];

const PRESETS: PresetDef[] = [
  p('arm64-64k', 'arm64, 48-bit VA, 64K pages, no IOMMU (dma-direct), Linux 6.12', [], { arch: 'arm64', pageSize: 65536 }),
  p('arm64-4k', 'arm64, 48-bit VA, 4K pages, no IOMMU (dma-direct), Linux 6.12', ['S7'], { arch: 'arm64', pageSize: 4096 }),
  p('arm64-64k-smmuv3', 'arm64 64K, SMMUv3, DMA domain (strict), Linux 6.12', ['S1', 'S9', 'S11'],
    { arch: 'arm64', pageSize: 65536, iommu: 'smmuv3', domain: 'dma' }),
  p('arm64-64k-smmuv3-fq', 'arm64 64K, SMMUv3, DMA_FQ domain (iommu.strict=0, 256 entries / 10 ms flush queue)', ['S10'],
    { arch: 'arm64', pageSize: 65536, iommu: 'smmuv3', domain: 'dma-fq' }),
  p('arm64-64k-smmuv3-identity', 'arm64 64K, SMMUv3, IDENTITY domain (iommu.passthrough=1), Linux 6.12 core', ['S3'],
    { arch: 'arm64', pageSize: 65536, iommu: 'smmuv3', domain: 'identity' }),
  p('thunderx-2017-identity', 'ThunderX-like arm64 64K, arm-smmu (v2), IDENTITY domain, 2017 driver before bdf95923086f', ['S2'],
    { arch: 'arm64', pageSize: 65536, iommu: 'smmuv2', domain: 'identity', era: '2017' }),
  p('thunderx-patched-identity', 'ThunderX-like arm64 64K, arm-smmu (v2), IDENTITY domain, after bdf95923086f (v4.12..v5.14)', ['S3'],
    { arch: 'arm64', pageSize: 65536, iommu: 'smmuv2', domain: 'identity', era: 'patched' }),
  p('arm64-64k-dma-ranges', 'arm64 64K, no IOMMU, dma-ranges {cpu 0x8000_0000 → bus 0x0, 2 GiB}', ['S4'],
    { arch: 'arm64', pageSize: 65536, dmaOffset: 0x8000_0000n },
    { ram: [{ start: 0x8000_0000n, size: 2n * G }], bufferPage: 0x8123_0000n }),
  p('arm64-64k-swiotlb-force', 'arm64 64K, no IOMMU, swiotlb=force (every dma-direct map bounces)', ['S5'],
    { arch: 'arm64', pageSize: 65536, swiotlb: 'force' }),
  p('arm64-64k-smmuv3-untrusted', 'arm64 64K, SMMUv3 DMA domain, untrusted (external-facing) PCI device', ['S6'],
    { arch: 'arm64', pageSize: 65536, iommu: 'smmuv3', domain: 'dma', untrusted: true }),
  p('arm32-highmem', '32-bit ARM, VMSPLIT_3G, 2 GiB RAM (768 MiB lowmem), arm-smmu (v2) DMA domain', ['S8'],
    { arch: 'arm32', pageSize: 4096, iommu: 'smmuv2', domain: 'dma' }),
  p('arm32-lpae', '32-bit ARM with LPAE, RAM above 4 GiB, arm-smmu (v2) DMA domain', ['S8'],
    { arch: 'arm32-lpae', pageSize: 4096, iommu: 'smmuv2', domain: 'dma' }),
  p('thunderx-numa-smmuv2', 'ThunderX-like 2-node arm64 64K (node 1 at 1 TiB), arm-smmu (v2) with TRANS_OPS (ATOS), DMA domain', ['S12'],
    { arch: 'arm64', pageSize: 65536, iommu: 'smmuv2', domain: 'dma' },
    { ram: THUNDERX_RAM, bufferPage: 0x100_1230_0000n, transOps: true }),
  p('x86-intel', 'x86_64, 4K pages, Intel VT-d, DMA domain, Linux 6.12', [],
    { arch: 'x86_64', pageSize: 4096, iommu: 'intel', domain: 'dma' }),
  p('x86-intel-5.4', 'x86_64, Intel VT-d DMA domain, v5.3..v5.5 (iova_to_phys drops the in-page offset)', [],
    { arch: 'x86_64', pageSize: 4096, iommu: 'intel', domain: 'dma', era: '5.4' }),
  p('x86-amd', 'x86_64, 4K pages, AMD-Vi, DMA domain, Linux 6.12', [],
    { arch: 'x86_64', pageSize: 4096, iommu: 'amd', domain: 'dma' }),
];

const BY_NAME = new Map(PRESETS.map((d) => [d.preset.name, d]));

export function listPresets(): PlatformPreset[] {
  return PRESETS.map((d) => ({ ...d.preset, scenarios: [...d.preset.scenarios] }));
}

export function presetNames(): string[] {
  return PRESETS.map((d) => d.preset.name);
}

function basePlatform(def: PresetDef): Platform {
  const { name, arch, pageSize, iommu, domain, era, dmaOffset, swiotlb, untrusted } = def.preset;
  return { name, arch, pageSize, iommu, domain, era, dmaOffset, swiotlb, untrusted };
}

const ARCHES: Arch[] = ['arm64', 'arm32', 'arm32-lpae', 'x86_64'];
const IOMMUS: IommuKind[] = ['none', 'smmuv3', 'smmuv2', 'amd', 'intel'];
const DOMAINS: DomainType[] = ['none', 'dma', 'dma-fq', 'identity', 'blocked', 'unmanaged'];
const ERAS: Era[] = ['2017', 'patched', '5.4', '6.12'];
const SWIOTLBS: SwiotlbMode[] = ['off', 'on', 'force'];

function oneOf<T extends string>(key: string, value: string, allowed: readonly T[]): T {
  const v = value.toLowerCase();
  const alias: Record<string, string> = { 'dma_fq': 'dma-fq', 'passthrough': 'identity', 'bypass': 'identity', 'noforce': 'off', 'v3': 'smmuv3', 'v2': 'smmuv2', 'arm-smmu-v3': 'smmuv3', 'arm-smmu': 'smmuv2', 'vt-d': 'intel', 'amd-vi': 'amd' };
  const w = (alias[v] ?? v) as T;
  if (!allowed.includes(w)) throw new Error(`bad platform value ${key}=${value} (expected one of ${allowed.join(', ')})`);
  return w;
}

/** Parses `preset[,key=value]...`; throws Error with a one-line message naming the bad part. */
export function parsePlatform(spec: string): Platform {
  const parts = spec.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new Error('empty platform (expected a preset name, see --platforms)');
  const def = BY_NAME.get(parts[0]);
  if (!def) throw new Error(`unknown platform preset '${parts[0]}' (see --platforms)`);
  const pl = basePlatform(def);
  const given = new Set<string>();
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? '' : part.slice(eq + 1);
    if (given.has(key)) throw new Error(`platform override '${key}' given twice`);
    given.add(key);
    const need = () => { if (eq < 0 || value === '') throw new Error(`platform override '${key}' needs a value (${key}=...)`); };
    switch (key) {
      case 'arch': need(); pl.arch = oneOf(key, value, ARCHES); break;
      case 'page': case 'page-size': case 'pagesize': {
        need();
        const n = parseNumber(value);
        if (n === null || ![4096n, 16384n, 65536n].includes(n)) throw new Error(`bad platform value ${key}=${value} (expected 4k, 16k or 64k)`);
        pl.pageSize = Number(n);
        break;
      }
      case 'iommu': need(); pl.iommu = oneOf(key, value, IOMMUS); break;
      case 'domain': need(); pl.domain = oneOf(key, value, DOMAINS); break;
      case 'era': need(); pl.era = oneOf(key, value, ERAS); break;
      case 'dma-offset': case 'dma_offset': {
        need();
        const n = parseNumber(value);
        if (n === null) throw new Error(`bad platform value ${key}=${value} (expected a number such as 0x80000000)`);
        pl.dmaOffset = n;
        break;
      }
      case 'swiotlb': need(); pl.swiotlb = oneOf(key, value, SWIOTLBS); break;
      case 'untrusted': {
        const v = value.toLowerCase();
        if (eq < 0 || ['1', 'yes', 'true', 'on'].includes(v)) pl.untrusted = true;
        else if (['0', 'no', 'false', 'off'].includes(v)) pl.untrusted = false;
        else throw new Error(`bad platform value untrusted=${value} (expected yes or no)`);
        break;
      }
      default:
        throw new Error(`unknown platform override '${key}' (expected arch, page, iommu, domain, era, dma-offset, swiotlb, untrusted)`);
    }
  }
  // An IOMMU switched on without a domain gets the arm64 default (DMA, strict); switched off, no domain.
  if (given.has('iommu') && !given.has('domain')) {
    if (pl.iommu === 'none') pl.domain = 'none';
    else if (pl.domain === 'none') pl.domain = 'dma';
  }
  if (given.has('arch') && !given.has('page') && !given.has('page-size') && !given.has('pagesize') && pl.arch !== 'arm64') pl.pageSize = 4096;
  validate(pl);
  pl.name = parts.join(',');
  return pl;
}

export function validate(pl: Platform): void {
  if (pl.arch !== 'arm64' && pl.pageSize !== 4096) throw new Error(`page=${pl.pageSize / 1024}k is not possible on ${pl.arch} (4k only)`);
  if (pl.iommu === 'none' && pl.domain !== 'none') throw new Error(`domain=${pl.domain} needs an IOMMU (iommu=none)`);
  if (pl.iommu !== 'none' && pl.domain === 'none') throw new Error(`domain=none with iommu=${pl.iommu} (use iommu=none for a device without IOMMU)`);
  if ((pl.iommu === 'intel' || pl.iommu === 'amd') && pl.arch !== 'x86_64') throw new Error(`iommu=${pl.iommu} needs arch=x86_64`);
  if ((pl.iommu === 'smmuv3' || pl.iommu === 'smmuv2') && pl.arch === 'x86_64') throw new Error(`iommu=${pl.iommu} is an Arm SMMU (not on x86_64)`);
  if (pl.iommu === 'smmuv3' && pl.arch !== 'arm64') throw new Error('iommu=smmuv3 needs arch=arm64');
  if (pl.domain === 'dma-fq' && (pl.era === '2017' || pl.era === 'patched' || pl.era === '5.4')) throw new Error(`domain=dma-fq did not exist in era ${pl.era} (IOMMU_DOMAIN_DMA_FQ came with v5.15)`);
  if (pl.domain === 'blocked' && (pl.era === '2017' || pl.era === 'patched')) throw new Error(`domain=blocked was not allocatable in era ${pl.era}`);
  if (pl.arch !== 'arm64' && pl.dmaOffset !== 0n && pl.dmaOffset < 0n && -pl.dmaOffset > (1n << 40n)) throw new Error(`dma-offset=${hex(pl.dmaOffset)} is out of range`);
  // The model's dma-ranges covers all of RAM (bus = CPU physical - offset):
  // an offset past RAM's start, or one pushing its end past 64 bits, is no
  // window a devicetree can describe (dma_addr_t is u64; the DMA addresses
  // came out negative, and dma_capable() accepted them).
  if (pl.dmaOffset !== 0n) {
    const ram = machineDetails(pl).ram;
    const first = ram[0].start;
    const end = ram[ram.length - 1].start + ram[ram.length - 1].size;
    if (first - pl.dmaOffset < 0n) throw new Error(`dma-offset=${hex(pl.dmaOffset)} is larger than the start of RAM (${hex(first)}): RAM would start below bus address 0`);
    if (end - pl.dmaOffset > MASK64 + 1n) throw new Error(`dma-offset=${hex(pl.dmaOffset)} puts the end of RAM (${hex(end)}) past 64-bit bus addresses`);
  }
  if (pl.untrusted && pl.iommu === 'none') throw new Error('untrusted needs an IOMMU (it only changes dma-iommu)');
}

/** The machine details implied by a platform's preset (the part of the name before the first comma). */
export function machineDetails(pl: Platform): MachineDetails {
  const base = BY_NAME.get(pl.name.split(',')[0]);
  const arch = pl.arch;
  const d: MachineDetails = { ...DEFAULT_DETAILS[arch] };
  if (base && base.preset.arch === arch && base.details) Object.assign(d, base.details);
  return d;
}
