// The IOMMU: a domain (type, page table, IOVA allocator, flush queue), the
// SMMUv3 / SMMUv2 / AMD / Intel front ends as the device sees them (STE or
// S2CR, IOTLB, faults with their event names) and iommu_iova_to_phys() by
// era and driver (facts §4).

import { ArmLpaePgtable, IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE } from './io-pgtable-arm';
import { IovaDomain } from './iova';
import { X86Pgtable } from './x86-pgtable';
import type { DomainType, Era, IommuKind, WalkLevel } from './types';
import type { Trace } from './trace';
import { hex } from './hex';

const MSI_IOVA_BASE = 0x0800_0000; // arm-smmu(-v3) software MSI window
const MSI_IOVA_LENGTH = 0x10_0000;

/** include/linux/iommu.h domain type values (for display). */
export const DOMAIN_TYPE_VALUE: Record<DomainType, number> = { blocked: 0, unmanaged: 1, dma: 3, 'dma-fq': 11, identity: 4, none: -1 };

/** Flush queue of dma-iommu (IOVA_DEFAULT_FQ_SIZE 256, IOVA_DEFAULT_FQ_TIMEOUT 10 ms). */
export class FlushQueue {
  static readonly SIZE = 256;
  static readonly TIMEOUT_US = 10_000;
  readonly entries: { pfn: number; pages: number; counter: number }[] = [];
  startCnt = 0;
  finishCnt = 0;
  timerAt: number | null = null;
  flushes = 0;
}

export interface IotlbEntry { pa: number; ro: boolean }

export class Iommu {
  readonly pgtable: ArmLpaePgtable | X86Pgtable | null;
  readonly granule: number;
  readonly iovad: IovaDomain | null;
  readonly fq: FlushQueue | null;
  readonly ias: number;
  /** The IOTLB as the device's transactions see it: IOVA granule → output granule. */
  readonly iotlb = new Map<number, IotlbEntry>();
  /** StreamID of the device (SMMUv3 STE index / SMMUv2 SMR match). */
  readonly sid = 0x100;
  private readonly iasDiv: number;
  private readonly iasMask: bigint;

  constructor(
    readonly kind: Exclude<IommuKind, 'none'>,
    readonly type: DomainType,
    readonly era: Era,
    kernelPageSize: number,
    private readonly trace: Trace,
    private readonly now: () => number,
    readonly transOps: boolean,
    armIas: number,
    allocTable: (bytes: number) => number,
    freeTable: (pa: number, bytes: number) => void,
  ) {
    const paging = type === 'dma' || type === 'dma-fq' || type === 'unmanaged';
    if (kind === 'intel' || kind === 'amd') {
      this.pgtable = paging ? new X86Pgtable(kind) : null;
      this.granule = 4096;
      this.ias = 48;
    } else {
      // arm_smmu_domain_finalise: stage 1, ias = min(48, VA_BITS) (v3) / 32 on 32-bit ARM (v2 with
      // a 32-bit kernel: ias from the CPU's VA size); oas from the SMMU (48 here, 40 for 32-bit ARM).
      const ias = armIas;
      this.ias = ias;
      this.pgtable = paging
        ? new ArmLpaePgtable({
          pgsizes: [4096, 16384, 65536, 2 ** 21, 2 ** 25, 2 ** 29, 2 ** 30], ias, oas: 48, stage: 1, coherentWalk: true,
          kernelPageSize, allocTable, freeTable,
        })
        : null;
      this.granule = this.pgtable ? (this.pgtable as ArmLpaePgtable).granule : kernelPageSize;
    }
    this.iasDiv = 2 ** this.ias;
    this.iasMask = (1n << BigInt(this.ias)) - 1n;
    // iommu_dma_init_domain: granule = smallest page size; start_pfn 1; MSI window reserved (Arm).
    this.iovad = type === 'dma' || type === 'dma-fq' ? new IovaDomain(this.granule, 1) : null;
    if (this.iovad && (kind === 'smmuv3' || kind === 'smmuv2')) {
      this.iovad.reserve(MSI_IOVA_BASE / this.granule, (MSI_IOVA_BASE + MSI_IOVA_LENGTH) / this.granule - 1);
    }
    this.fq = type === 'dma-fq' ? new FlushQueue() : null;
  }

  get name(): string {
    return { smmuv3: 'arm-smmu-v3', smmuv2: 'arm-smmu', amd: 'AMD-Vi', intel: 'Intel VT-d' }[this.kind];
  }

  /**
   * SMMUv3 STE words 0-1 as arm_smmu_make_{abort,bypass,cdtable}_ste build them (arm-smmu-v3.c):
   * abort V=1 Config=0; bypass V=1 Config=4 SHCFG=incoming; translate V=1 Config=5, linear CD table,
   * S1DSS=SSID0, walk attributes WBRA/WBRA/ISH, S1STALLD.
   */
  steWords(cdTablePa: bigint): [bigint, bigint] {
    if (this.type === 'blocked') return [1n, 0n];
    if (this.type === 'identity') return [1n | (4n << 1n), 1n << 44n];
    const w0 = 1n | (5n << 1n) | (cdTablePa & (((1n << 52n) - 1n) & ~0x3fn));
    const w1 = 2n | (1n << 2n) | (1n << 4n) | (3n << 6n) | (1n << 27n);
    return [w0, w1];
  }

  /** SMMUv3 context descriptor words 0, 1, 3 (arm_smmu_make_s1_cd): TCR fields, TTB0, MAIR. ASID 1. */
  cdWords(): [bigint, bigint, bigint] | null {
    const pt = this.pgtable;
    if (!(pt instanceof ArmLpaePgtable)) return null;
    const r = pt.s1Regs();
    const w0 = BigInt(r.tsz) | (BigInt(r.tg0) << 6n) | (BigInt(r.irgn) << 8n) | (BigInt(r.orgn) << 10n) | (BigInt(r.sh) << 12n)
      | (1n << 30n) /* EPD1 */ | (1n << 31n) /* V */ | (BigInt(r.ips) << 32n) | (1n << 41n) /* AA64 */
      | (1n << 45n) /* R */ | (1n << 46n) /* A */ | (1n << 47n) /* ASET */ | (1n << 48n) /* ASID 1 */;
    return [w0, r.ttbr & (((1n << 52n) - 1n) & ~0xfn), r.mair];
  }

  /** SMMUv2 S2CR (TYPE 17:16, CBNDX 7:0) and CBAR (TYPE 17:16: 1 = S1 translate, S2 bypass). */
  s2crValue(): number { return (this.s2crType() << 16) >>> 0; }
  /**
   * CBAR of a stage-1 context bank (arm-smmu.c:595-607, arm-smmu.h:124-136): TYPE 17:16 = 1 (S1
   * translate, S2 bypass), and for stage 1 the weakest bypass attributes, BPSHCFG 9:8 = NSH (3) and
   * MEMATTR 15:12 = WB (0xf), which the TCR and PTEs override; an SMMUv2 keeps no IRPTNDX there.
   */
  cbarValue(): number { return ((1 << 16) | (0xf << 12) | (3 << 8)) >>> 0; }

  /** SMMUv3 STE word 0 (V, Config) as the driver builds it for this domain type. */
  steWord0(): bigint {
    const cfg = this.type === 'blocked' ? 0n : this.type === 'identity' ? 4n : 5n;
    return 1n | (cfg << 1n);
  }
  /** SMMUv2 S2CR.TYPE: 0 TRANS, 1 BYPASS, 2 FAULT. */
  s2crType(): number { return this.type === 'blocked' ? 2 : this.type === 'identity' ? 1 : 0; }

  // ---- map / unmap (iommu_map / iommu_unmap_fast) -----------------------------------

  /** iommu_map(): split into the largest page sizes that fit (iommu_pgsize). Returns 0 or -errno. */
  map(iova: bigint, pa: bigint, size: bigint, prot: number, api = 'iommu_map'): number {
    const pt = this.pgtable;
    if (!pt) return -22;
    let i = Number(iova);
    let p = Number(pa);
    let left = Number(size);
    while (left > 0) {
      let ret: number;
      let sz: number;
      if (pt instanceof ArmLpaePgtable) {
        sz = pt.pgsizes.filter((s) => s <= left && i % s === 0 && p % s === 0).pop() ?? 0;
        if (!sz) return -22;
        ret = pt.map(i, p, sz, 1, prot).ret;
      } else {
        sz = 4096;
        ret = pt.map(i, p, prot);
      }
      if (ret) {
        this.trace.emit({ op: 'fault', who: 'kernel', addr: BigInt(i), event: ret === -34 ? 'map: -ERANGE' : ret === -17 ? 'map: -EEXIST' : 'map: -EINVAL', note: `${api} of ${hex(i)} failed (${ret})` });
        // iommu_map_nosync: "unroll mapping in case something went wrong" (iommu.c:2501) — what was mapped goes.
        if (i > Number(iova)) this.unmap(iova, BigInt(i) - iova, `${api} unroll`);
        return ret;
      }
      i += sz;
      p += sz;
      left -= sz;
    }
    if (this.trace.on) {
      const pte = pt instanceof ArmLpaePgtable ? pt.leafPte(Number(iova)) : pt.walk(Number(iova)).pte;
      this.trace.emit({ op: 'map', api, pa, iova, size: Number(size), pte, note: `${this.name} ${this.type} domain: ${hex(iova)} → ${hex(pa)} (${Number(size) / 1024} KiB), prot ${protName(prot)}` });
    }
    return 0;
  }

  /** iommu_unmap_fast(): PTEs are cleared at once; TLB invalidation is up to the caller (strict) or the flush queue. */
  unmap(iova: bigint, size: bigint, api = 'iommu_unmap'): number {
    const pt = this.pgtable;
    if (!pt) return 0;
    let i = Number(iova);
    let left = Number(size);
    let done = 0;
    while (left > 0) {
      let n: number;
      if (pt instanceof ArmLpaePgtable) {
        // iommu_pgsize(domain, iova, iova, left): the largest page size the
        // address is aligned to and that fits what is left — not the size of
        // what is mapped there (io-pgtable splits a block, or frees a table, to match).
        const sz = pt.pgsizes.filter((s) => s <= left && i % s === 0).pop();
        if (!sz) break;
        n = pt.unmap(i, sz, 1);
      } else n = pt.unmap(i);
      if (!n) break;
      i += n;
      left -= n;
      done += n;
    }
    this.trace.emit({ op: 'unmap', api, iova, size: done, note: done === Number(size) ? undefined : `unmapped ${done} of ${Number(size)} bytes` });
    return done;
  }

  /** iommu_iotlb_sync / TLBI by range: what strict (DMA) domains do at every unmap. */
  invalidateRange(iova: bigint, size: bigint): void {
    const g = this.granule;
    for (let k = Math.floor(Number(iova) / g); k < Math.ceil((Number(iova) + Number(size)) / g); k++) this.iotlb.delete(k);
  }

  /** flush_iotlb_all (CMD_TLBI_NH_ASID + CMD_SYNC / TLBIASID). */
  flushAll(): void { this.iotlb.clear(); }

  // ---- iommu_iova_to_phys by era ---------------------------------------------------

  /**
   * What iommu_iova_to_phys(domain, iova) returns (facts §4):
   * 6.12 core (13b6eb6e1c98, v5.15): IDENTITY → iova, BLOCKED → 0, else the driver's op.
   * Before: the driver decides — arm-smmu(-v3) 2017 returns 0 for identity (no pgtbl_ops),
   * after bdf95923086f the IOVA; AMD returns the IOVA (PAGE_MODE_NONE); Intel drops the
   * in-page offset before 77a1bce84bba (v5.6).
   */
  iovaToPhys(iova: bigint, fn = 'iommu_iova_to_phys'): bigint {
    const out = this.iovaToPhysInner(iova);
    if (this.trace.on) this.trace.emit({ op: 'translate', fn, in: iova, out, note: `${this.name}, ${this.type} domain, era ${this.era}` });
    return out;
  }

  private iovaToPhysInner(iova: bigint): bigint {
    const t = this.type;
    const modernCore = this.era === '6.12';
    if (modernCore) {
      if (t === 'identity') { this.note('core: IOMMU_DOMAIN_IDENTITY → returns the IOVA unchanged'); return iova; }
      if (t === 'blocked') { this.note('core: IOMMU_DOMAIN_BLOCKED → 0'); return 0n; }
      return this.driverOp(iova);
    }
    if (t === 'identity') {
      if (this.kind === 'amd') { this.note('amd_iommu_iova_to_phys: PAGE_MODE_NONE → iova'); return iova; }
      if (this.kind === 'intel') { this.note('intel si_domain with hardware pass-through: empty table → 0 [recall]'); return 0n; }
      if (this.era === '2017') { this.note(`${this.name}: identity domain has no pgtbl_ops → 0 (before bdf95923086f)`); return 0n; }
      this.note(`${this.name}: domain->type == IOMMU_DOMAIN_IDENTITY → iova (bdf95923086f)`);
      return iova;
    }
    if (t === 'blocked') return 0n;
    return this.driverOp(iova);
  }

  private note(s: string): void {
    if (this.trace.on) this.trace.emit({ op: 'translate', fn: 'note', in: 0n, out: 0n, note: s });
  }

  private driverOp(iova: bigint): bigint {
    const pt = this.pgtable;
    if (!pt) return 0n;
    if (pt instanceof X86Pgtable) return this.x86IovaToPhys(pt, iova);
    if (this.kind === 'smmuv2' && this.transOps) return this.atos(iova);
    return this.swWalk(pt, iova, 'arm_lpae_iova_to_phys');
  }

  /** arm_lpae_iova_to_phys: bits above ias vanish in the start-level index. */
  swWalk(pt: ArmLpaePgtable, iova: bigint, fn: string): bigint {
    const n = Number(iova & this.iasMask);
    if (!this.trace.on) return BigInt(pt.iovaToPhys(n));
    const w = pt.walk(n);
    this.trace.emit({ op: 'walk', iova, levels: w.levels, out: BigInt(w.out), note: fn });
    return BigInt(w.out);
  }

  /**
   * arm_smmu_iova_to_phys_hard: ATS1PR → PAR. PAR.F → "translation fault!" and 0; else
   * (PAR & GENMASK(39,12)) | (iova & 0xfff): PA bits above 39 are lost. The hardware lookup may hit
   * the IOTLB (implementation-defined [recall]); this model lets it.
   */
  private atos(iova: bigint): bigint {
    const pt = this.pgtable as ArmLpaePgtable;
    const n = Number(iova & this.iasMask);
    const hit = this.iotlb.get(Math.floor(n / this.granule));
    let pa: number | null;
    if (hit) pa = hit.pa + (n % this.granule);
    else {
      const w = pt.walk(n);
      this.trace.emit({ op: 'walk', iova, levels: w.levels, out: BigInt(w.out), note: 'SMMUv2 ATS1PR hardware walk' });
      pa = w.leafLevel >= 0 ? w.out : null;
    }
    if (iova >= BigInt(this.iasDiv)) pa = null; // the hardware checks the input range
    if (pa === null) {
      this.trace.emit({ op: 'fault', who: 'smmu', addr: iova, event: 'PAR.F', note: 'arm_smmu_iova_to_phys_hard: translation fault!' });
      return 0n;
    }
    const par = BigInt(pa) & ((1n << 40n) - 1n) & ~0xfffn; // GENMASK(39,12)
    const out = par | (iova & 0xfffn);
    if (this.trace.on) this.trace.emit({ op: 'translate', fn: 'arm_smmu_iova_to_phys_hard', in: iova, out, note: `CB_PAR = ${hex(BigInt(pa) & ~0xfffn)}; kept bits 39:12` });
    return out;
  }

  private x86IovaToPhys(pt: X86Pgtable, iova: bigint): bigint {
    const n = Number(iova & ((1n << 48n) - 1n));
    const w = pt.walk(n);
    this.trace.emit({ op: 'walk', iova, levels: w.levels, out: pt.present(w.pte) ? X86Pgtable.addr(w.pte) : 0n, note: pt.vendor === 'intel' ? 'pfn_to_dma_pte' : 'fetch_pte' });
    if (pt.vendor === 'amd') {
      if (!pt.present(w.pte)) return 0n;
      return X86Pgtable.addr(w.pte) | (iova & 0xfffn);
    }
    // intel_iommu_iova_to_phys
    if (this.era === '2017' || this.era === '5.4' || this.era === 'patched') return X86Pgtable.addr(w.pte); // no offset, no present check
    if (!pt.present(w.pte)) return 0n;
    return X86Pgtable.addr(w.pte) + (iova & 0xfffn);
  }

  /** Fast path for benchmarks and the property test: the driver's software walk, no events. */
  iovaToPhysFast(iova: number): number {
    const pt = this.pgtable;
    if (pt instanceof ArmLpaePgtable) return pt.iovaToPhys(iova % this.iasDiv);
    return 0;
  }

  // ---- the device's view ---------------------------------------------------------------

  /**
   * A device transaction at `iova` through this IOMMU: PA, or null when it faults / aborts.
   * IOTLB first (so a stale entry after a lazy unmap still works), then the table walk.
   */
  deviceAccess(iova: bigint, write: boolean): bigint | null {
    const t = this.type;
    if (t === 'identity') return iova;
    const v3 = this.kind === 'smmuv3';
    if (t === 'blocked') {
      if (v3) this.trace.emit({ op: 'fault', who: 'smmu', addr: iova, event: 'abort STE', note: 'STE.Config = abort: transaction terminated, no event recorded' });
      else if (this.kind === 'smmuv2') this.trace.emit({ op: 'fault', who: 'smmu', addr: iova, event: 'S2CR.TYPE=FAULT', note: 'stream mapped to FAULT: global fault' });
      else this.trace.emit({ op: 'fault', who: 'smmu', addr: iova, event: 'DMA blocked', note: `${this.name}: blocked domain` });
      return null;
    }
    if (iova >= BigInt(this.iasDiv)) {
      this.deviceFault(iova, write, 'translation', 'IOVA beyond the input size (T0SZ), TTB1 disabled');
      return null;
    }
    const n = Number(iova);
    const key = Math.floor(n / this.granule);
    const hit = this.iotlb.get(key);
    if (hit) {
      if (write && hit.ro) { this.deviceFault(iova, write, 'permission', 'write to a read-only page (IOTLB)'); return null; }
      return BigInt(hit.pa + (n % this.granule));
    }
    const pt = this.pgtable;
    if (!pt) return null;
    if (pt instanceof X86Pgtable) {
      const w = pt.walk(n);
      if (!pt.present(w.pte)) { this.deviceFault(iova, write, 'translation', 'not present'); return null; }
      const pa = X86Pgtable.addr(w.pte) + (iova & 0xfffn);
      this.iotlb.set(key, { pa: Number(X86Pgtable.addr(w.pte)), ro: false });
      return pa;
    }
    const w = pt.walk(n);
    if (this.trace.on) this.trace.emit({ op: 'walk', iova, levels: w.levels, out: BigInt(w.out), note: `${this.name} table walk for a device ${write ? 'write' : 'read'} (IOTLB miss)` });
    if (w.leafLevel < 0) { this.deviceFault(iova, write, 'translation', 'invalid descriptor'); return null; }
    const ro = (w.lo & (1 << 7)) !== 0;
    if (write && ro) { this.deviceFault(iova, write, 'permission', 'write to AP[2]=1 (read-only)'); return null; }
    this.iotlb.set(key, { pa: w.out - (n % this.granule), ro });
    return BigInt(w.out);
  }

  private deviceFault(iova: bigint, write: boolean, kind: 'translation' | 'permission', why: string): void {
    let event: string;
    let note: string;
    if (this.kind === 'smmuv3') {
      event = kind === 'translation' ? 'F_TRANSLATION' : 'F_PERMISSION';
      const id = kind === 'translation' ? 0x10 : 0x13;
      note = `event 0x${id.toString(16)} received: SID ${hex(this.sid)}, ${write ? 'write' : 'read'} (RnW=${write ? 0 : 1}), input address ${hex(iova)} — ${why}`;
    } else if (this.kind === 'smmuv2') {
      event = kind === 'translation' ? 'FSR.TF' : 'FSR.PF';
      const fsr = kind === 'translation' ? 0x2 : 0x8;
      note = `Unhandled context fault: fsr=0x${fsr.toString(16)}, iova=${hex(iova)}, fsynr=0x${write ? '10' : '0'}, cbfrsynra=${hex(this.sid)}, cb=0 — ${why}`;
    } else {
      event = this.kind === 'intel' ? 'DMAR fault' : 'IO_PAGE_FAULT';
      note = `${this.name}: ${kind} fault at ${hex(iova)} — ${why}`;
    }
    this.trace.emit({ op: 'fault', who: 'smmu', addr: iova, event, note });
  }
}

export function protName(prot: number): string {
  const parts: string[] = [];
  if (prot & IOMMU_READ) parts.push('R');
  if (prot & IOMMU_WRITE) parts.push('W');
  if (prot & IOMMU_CACHE) parts.push('CACHE');
  if (prot & 8) parts.push('NOEXEC');
  if (prot & 16) parts.push('MMIO');
  if (prot & 32) parts.push('PRIV');
  return parts.join('|') || '0';
}

export type { WalkLevel };
