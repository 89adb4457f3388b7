// One modelled machine: CPU address space, memory, SWIOTLB pool, IOMMU and
// the device, plus the DMA API as a driver calls it (kernel/dma/mapping.c
// dispatch → dma-direct with bus_dma_region / SWIOTLB, or dma-iommu).

import type { Platform } from './types';
import { machineDetails, type MachineDetails } from './platform';
import { makeCpuSpace, type CpuSpace } from './cpu-space';
import { Memory } from './memory';
import { Swiotlb, DMA_FROM_DEVICE, DMA_TO_DEVICE, DMA_BIDIRECTIONAL } from './swiotlb';
import { Iommu } from './iommu';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE } from './io-pgtable-arm';
import { Trace } from './trace';
import { hex, MASK64 } from './hex';

export const DMA_MAPPING_ERROR = MASK64;

export interface BusDmaRegion { cpuStart: bigint; dmaStart: bigint; size: bigint }

export class Machine {
  readonly trace: Trace;
  readonly det: MachineDetails;
  readonly cpu: CpuSpace;
  readonly mem: Memory;
  readonly swiotlb: Swiotlb | null;
  readonly iommu: Iommu | null;
  readonly region: BusDmaRegion | null;
  readonly cdTablePa: bigint;
  /** Microseconds since boot (drives the flush-queue timer). */
  now = 0;
  readonly dev = { coherent: true, dmaMask: (1n << 48n) - 1n, minAlignMask: 0, pci32bitWorkaround: true, cpu: 0 };
  /** dev_warn / WARN lines the kernel would print. */
  readonly log: string[] = [];

  constructor(readonly pl: Platform, record: boolean | Trace) {
    this.trace = typeof record === 'boolean' ? new Trace(record) : record;
    this.det = machineDetails(pl);
    this.cpu = makeCpuSpace(pl.arch, pl.pageSize, pl.era, this.det.ram);
    this.mem = new Memory(this.det.ram, this.cpu, this.trace);
    const first = this.det.ram[0];
    const last = this.det.ram[this.det.ram.length - 1];
    this.region = pl.dmaOffset !== 0n
      ? { cpuStart: first.start, dmaStart: first.start - pl.dmaOffset, size: last.start + last.size - first.start }
      : null;
    const on = this.trace.on;
    this.trace.on = false; // boot-time set-up is not part of the story
    // arm_smmu_alloc_cd_tables: the linear CD table of an SMMUv3 master.
    this.cdTablePa = pl.iommu === 'smmuv3' ? this.mem.allocPage('SMMUv3 CD table', 'kernel') << this.cpu.pageShift : 0n;
    this.swiotlb = pl.swiotlb === 'off' ? null : new Swiotlb(this.det.swiotlbBase, this.det.swiotlbSlots, this.mem, this.trace, pl.pageSize);
    this.iommu = pl.iommu === 'none' ? null : new Iommu(
      pl.iommu, pl.domain, pl.era, pl.pageSize, this.trace, () => this.now, this.det.transOps,
      pl.arch === 'arm32' || pl.arch === 'arm32-lpae' ? 32 : 48,
      () => Number(this.mem.allocPage('io-pgtable table', 'kernel') << this.cpu.pageShift),
      (pa) => { this.mem.putPage(BigInt(pa) >> this.cpu.pageShift); },
    );
    this.trace.on = on;
    this.mem.setCursor('driver', this.det.bufferPage);
    if (this.iommu && this.trace.on) this.attachEvent(this.iommu);
  }

  /** What attaching the device programmed: the STE (+ CD) on SMMUv3, S2CR (+ CBAR) on SMMUv2. */
  private attachEvent(io: Iommu): void {
    if (io.kind === 'smmuv3') {
      const [w0, w1] = io.steWords(this.cdTablePa);
      const cd = io.cdWords();
      const cdText = cd ? `; CD[0] = ${hex(cd[0])} ${hex(cd[1])} (TTB0) MAIR ${hex(cd[2])}` : '';
      this.trace.emit({ op: 'translate', fn: 'attach (STE)', in: BigInt(io.sid), out: w0, note: `STE[${hex(io.sid)}] = ${hex(w0)} ${hex(w1)}: Config=${(w0 >> 1n) & 7n} (${io.type === 'blocked' ? 'abort' : io.type === 'identity' ? 'bypass' : 'S1 translate'})${cdText}` });
    } else if (io.kind === 'smmuv2') {
      const t = io.s2crType();
      this.trace.emit({ op: 'translate', fn: 'attach (S2CR)', in: BigInt(io.sid), out: BigInt(io.s2crValue()), note: `S2CR.TYPE=${['TRANS', 'BYPASS', 'FAULT'][t]}${t === 0 ? `, CBAR = ${hex(io.cbarValue())} (S1 translate, S2 bypass)` : ''}` });
    } else {
      this.trace.emit({ op: 'translate', fn: 'attach', in: BigInt(io.sid), out: 0n, note: `${io.name}: ${io.type} domain` });
    }
  }

  // ---- time -------------------------------------------------------------------

  /** Lets time pass; the flush-queue timer (fq_flush_timeout) fires when due. */
  advance(us: number): void {
    this.now += us;
    const fq = this.iommu?.fq;
    if (fq && fq.timerAt !== null && this.now >= fq.timerAt) {
      fq.timerAt = null;
      this.fqFlush('fq_flush_timeout (10 ms timer)');
    }
  }

  private fqFlush(why: string): void {
    const io = this.iommu!;
    const fq = io.fq!;
    fq.startCnt++;
    io.flushAll();
    fq.finishCnt++;
    fq.flushes++;
    this.trace.emit({ op: 'unmap', api: 'flush_iotlb_all', iova: 0n, size: 0, note: `${why}: IOTLB invalidated, ${fq.entries.length} queued IOVA range(s) released` });
    this.fqRingFree();
  }

  private fqRingFree(): void {
    const io = this.iommu!;
    const fq = io.fq!;
    while (fq.entries.length && fq.entries[0].counter < fq.finishCnt) {
      const e = fq.entries.shift()!;
      io.iovad!.freeFast(e.pfn, e.pages, this.dev.cpu);
    }
  }

  /** queue_iova(): ring of IOVA_DEFAULT_FQ_SIZE slots, one kept empty (fq_full: tail + 1 == head). */
  private queueIova(pfn: number, pages: number): void {
    const fq = this.iommu!.fq!;
    this.fqRingFree();
    if (fq.entries.length >= 255) this.fqFlush('flush queue full');
    fq.entries.push({ pfn, pages, counter: fq.startCnt });
    if (fq.timerAt === null) fq.timerAt = this.now + 10_000;
  }

  // ---- what drivers see ------------------------------------------------------

  /** iommu_get_domain_for_dev(): NULL without an IOMMU group (and for Intel before default domains). */
  domainForDev(): Iommu | null {
    if (!this.iommu) return null;
    if (this.iommu.kind === 'intel' && this.pl.era === '2017') return null;
    return this.iommu;
  }

  /** dev->dma_iommu: DMA and DMA_FQ domains use dma-iommu; IDENTITY and no IOMMU use dma-direct. */
  usesDmaIommu(): boolean {
    return this.iommu !== null && (this.iommu.type === 'dma' || this.iommu.type === 'dma-fq');
  }

  // ---- dma-direct ----------------------------------------------------------------

  /** translate_phys_to_dma: DMA_MAPPING_ERROR when no region covers the PA. */
  physToDma(pa: bigint): bigint {
    const r = this.region;
    if (!r) return pa;
    if (pa >= r.cpuStart && pa - r.cpuStart < r.size) return r.dmaStart + (pa - r.cpuStart);
    return DMA_MAPPING_ERROR;
  }

  /** translate_dma_to_phys: (phys_addr_t)-1 when no region covers the DMA address. */
  dmaToPhys(dma: bigint): bigint {
    const r = this.region;
    if (!r) return dma;
    if (dma >= r.dmaStart && dma - r.dmaStart < r.size) return r.cpuStart + (dma - r.dmaStart);
    return MASK64;
  }

  private dmaCapable(dma: bigint, size: number): boolean {
    if (dma === DMA_MAPPING_ERROR) return false;
    let limit = this.dev.dmaMask;
    if (this.region) {
      const bus = this.region.dmaStart + this.region.size - 1n;
      if (bus < limit) limit = bus;
    }
    return dma + BigInt(size) - 1n <= limit;
  }

  private swiotlbMap(pa: bigint, size: number, dir: number, attrs: number): bigint {
    if (!this.swiotlb) return DMA_MAPPING_ERROR;
    const tlb = this.swiotlb.mapSingle(pa, size, 0, this.dev.minAlignMask, dir, attrs);
    if (tlb === null) return DMA_MAPPING_ERROR;
    const dma = this.physToDma(tlb);
    if (!this.dmaCapable(dma, size)) {
      this.swiotlb.unmapSingle(tlb, size, dir, attrs | 32);
      this.warn(`swiotlb addr ${hex(dma)}+${size} overflow`);
      return DMA_MAPPING_ERROR;
    }
    return dma;
  }

  warn(line: string): void {
    this.log.push(line);
    this.trace.emit({ op: 'fault', who: 'kernel', addr: 0n, event: 'WARN', note: line });
  }

  // ---- the DMA API ------------------------------------------------------------------

  /** dma_map_page_attrs(). Returns the DMA address or DMA_MAPPING_ERROR. */
  dmaMapPage(pfn: bigint, offset: number, size: number, dir: number, attrs: number, api = 'dma_map_page_attrs'): bigint {
    const pa = (pfn << this.cpu.pageShift) + BigInt(offset);
    const dma = this.usesDmaIommu() ? this.iommuDmaMap(pa, size, dir, attrs) : this.directMap(pa, size, dir, attrs);
    if (dma !== DMA_MAPPING_ERROR && this.trace.on && !this.usesDmaIommu()) {
      this.trace.emit({ op: 'map', api, pa, iova: dma, size, pte: null, note: `dma-direct: ${hex(pa)} → DMA ${hex(dma)}` });
    }
    this.trace.emit({ op: 'translate', fn: api, in: pa, out: dma, note: dma === DMA_MAPPING_ERROR ? 'DMA_MAPPING_ERROR' : undefined });
    return dma;
  }

  /** dma_map_single(): rejects vmalloc memory, else dma_map_page(virt_to_page(p), offset_in_page(p)). */
  dmaMapSingle(va: bigint, size: number, dir: number, attrs: number): bigint {
    if (this.cpu.isVmalloc(va)) {
      this.warn('rejecting DMA map of vmalloc memory');
      this.trace.emit({ op: 'translate', fn: 'dma_map_single_attrs', in: va, out: DMA_MAPPING_ERROR, note: 'is_vmalloc_addr → DMA_MAPPING_ERROR' });
      return DMA_MAPPING_ERROR;
    }
    const page = this.cpu.virtToPage(va);
    const pfn = this.cpu.pageToPfn(page);
    return this.dmaMapPage(pfn, Number(va % this.cpu.pageSize), size, dir, attrs, 'dma_map_single_attrs');
  }

  private directMap(pa: bigint, size: number, dir: number, attrs: number): bigint {
    if (this.pl.swiotlb === 'force' && this.swiotlb) return this.swiotlbMap(pa, size, dir, attrs);
    const dma = this.physToDma(pa);
    if (!this.dmaCapable(dma, size)) {
      if (this.swiotlb) return this.swiotlbMap(pa, size, dir, attrs);
      this.warn(`DMA addr ${hex(dma)}+${size} overflow (mask ${hex(this.dev.dmaMask)})`);
      return DMA_MAPPING_ERROR;
    }
    return dma;
  }

  /** dma_info_to_prot(). */
  private prot(dir: number): number {
    let p = this.dev.coherent ? IOMMU_CACHE : 0;
    if (dir === DMA_BIDIRECTIONAL) p |= IOMMU_READ | IOMMU_WRITE;
    else if (dir === DMA_TO_DEVICE) p |= IOMMU_READ;
    else if (dir === DMA_FROM_DEVICE) p |= IOMMU_WRITE;
    return p;
  }

  /** iommu_dma_map_page(): bounce for untrusted devices when phys|size is not granule aligned, then __iommu_dma_map. */
  private iommuDmaMap(pa: bigint, size: number, dir: number, attrs: number): bigint {
    const io = this.iommu!;
    const g = BigInt(io.granule);
    let phys = pa;
    let bounced = false;
    if (this.pl.untrusted && ((pa | BigInt(size)) & (g - 1n)) !== 0n) {
      if (!this.swiotlb) { this.warn('DMA bounce buffers are inactive, unable to map unaligned transaction.'); return DMA_MAPPING_ERROR; }
      const tlb = this.swiotlb.mapSingle(pa, size, io.granule - 1, this.dev.minAlignMask, dir, attrs);
      if (tlb === null) return DMA_MAPPING_ERROR;
      // Untrusted devices must not see stale data around the bounce buffer: padding zeroed.
      const start = tlb & ~(g - 1n);
      this.mem.zero(start, Number(tlb - start));
      const end = tlb + BigInt(size);
      const pend = (end + g - 1n) & ~(g - 1n);
      if (pend > end) this.mem.zero(end, Number(pend - end));
      phys = tlb;
      bounced = true;
    }
    const dma = this.iommuDmaMapRaw(phys, size, this.prot(dir));
    if (dma === DMA_MAPPING_ERROR && bounced) this.swiotlb!.unmapSingle(phys, size, dir, attrs);
    return dma;
  }

  /** __iommu_dma_map(): the device can reach the whole granule(s) around the buffer. */
  iommuDmaMapRaw(phys: bigint, size: number, prot: number): bigint {
    const io = this.iommu!;
    const g = BigInt(io.granule);
    const off = phys & (g - 1n);
    const len = (BigInt(size) + off + g - 1n) & ~(g - 1n);
    const iova = this.allocIova(len);
    if (iova === 0n) { this.warn('iommu_dma_alloc_iova failed'); return DMA_MAPPING_ERROR; }
    if (io.map(iova, phys - off, len, prot, 'iommu_map (dma-iommu)')) {
      io.iovad!.freeFast(Number(iova / g), Number(len / g), this.dev.cpu);
      return DMA_MAPPING_ERROR;
    }
    return iova + off;
  }

  /** iommu_dma_alloc_iova(): PCI devices try below 4 GiB first. */
  private allocIova(len: bigint): bigint {
    const io = this.iommu!;
    const g = io.granule;
    const pages = Number(len) / g;
    let limit = this.dev.dmaMask;
    const aperture = (1n << BigInt(io.ias)) - 1n;
    if (aperture < limit) limit = aperture;
    if (limit > 0xffff_ffffn && this.dev.pci32bitWorkaround) {
      const pfn = io.iovad!.allocFast(pages, Math.floor(0xffff_ffff / g), this.dev.cpu, false);
      if (pfn) return this.iovaEvent(BigInt(pfn) * BigInt(g), len);
      this.dev.pci32bitWorkaround = false;
      this.log.push(`Using ${limit.toString(2).length}-bit DMA addresses`);
    }
    const pfn = io.iovad!.allocFast(pages, Number(limit / BigInt(g)), this.dev.cpu);
    return pfn ? this.iovaEvent(BigInt(pfn) * BigInt(g), len) : 0n;
  }

  private iovaEvent(iova: bigint, len: bigint): bigint {
    if (this.trace.on) this.trace.emit({ op: 'alloc', what: 'IOVA (alloc_iova_fast)', pa: null, iova, va: null, size: Number(len), page: null });
    return iova;
  }

  /** dma_unmap_page_attrs(). */
  dmaUnmapPage(handle: bigint, size: number, dir: number, attrs: number): void {
    if (this.usesDmaIommu()) { this.iommuDmaUnmap(handle, size, dir, attrs); return; }
    const phys = this.dmaToPhys(handle);
    this.trace.emit({ op: 'unmap', api: 'dma_unmap_page_attrs', iova: handle, size, note: `dma-direct: dma_to_phys = ${hex(phys)}` });
    if (this.swiotlb && this.swiotlb.isSwiotlbBuffer(phys)) this.swiotlb.unmapSingle(phys, size, dir, attrs);
  }

  /** iommu_dma_unmap_page(): looks the handle up with iommu_iova_to_phys first; WARN_ON(!phys) → nothing. */
  private iommuDmaUnmap(handle: bigint, size: number, dir: number, attrs: number): void {
    const io = this.iommu!;
    const phys = io.iovaToPhys(handle, 'iommu_dma_unmap_page: iommu_iova_to_phys');
    if (phys === 0n) { this.warn(`iommu_dma_unmap_page: WARN_ON(!phys) for handle ${hex(handle)}`); return; }
    this.iommuDmaUnmapRaw(handle, size);
    if (this.swiotlb && this.swiotlb.isSwiotlbBuffer(phys)) this.swiotlb.unmapSingle(phys, size, dir, attrs);
  }

  /** __iommu_dma_unmap(): PTEs cleared now; strict → TLBI + IOVA freed; lazy → flush queue. */
  iommuDmaUnmapRaw(handle: bigint, size: number): void {
    const io = this.iommu!;
    const g = BigInt(io.granule);
    const off = handle & (g - 1n);
    const iova = handle - off;
    const len = (BigInt(size) + off + g - 1n) & ~(g - 1n);
    const done = io.unmap(iova, len, 'iommu_unmap_fast (dma-iommu)');
    if (BigInt(done) !== len) this.warn(`__iommu_dma_unmap: WARN_ON(unmapped ${done} != size ${len})`);
    const pfn = Number(iova / g);
    const pages = Number(len / g);
    if (io.fq) {
      this.queueIova(pfn, pages);
      this.trace.emit({ op: 'unmap', api: 'queue_iova', iova, size: Number(len), note: `DMA_FQ: no TLB invalidation yet; IOVA held in the flush queue until the timer (${(io.fq.timerAt ?? 0) / 1000} ms) or a full queue` });
    } else {
      io.invalidateRange(iova, len);
      io.iovad!.freeFast(pfn, pages, this.dev.cpu);
    }
  }

  // ---- the device -------------------------------------------------------------------

  /** The device writes `len` bytes at a DMA address. Returns the PA reached, or null (fault/abort). */
  deviceWrite(handle: bigint, len: number, label: string): bigint | null {
    let pa: bigint | null;
    if (this.iommu && this.iommu.type !== 'identity') pa = this.iommu.deviceAccess(handle, true);
    else {
      pa = this.dmaToPhys(handle);
      if (pa === MASK64) {
        this.trace.emit({ op: 'fault', who: 'device', addr: handle, event: 'bus error', note: `DMA address ${hex(handle)} is outside the dma-ranges window` });
        return null;
      }
    }
    if (pa === null) return null;
    if (!this.mem.isRam(pa)) {
      this.trace.emit({ op: 'fault', who: 'device', addr: pa, event: 'external abort', note: `device write to ${hex(pa)}: no RAM there` });
      return null;
    }
    this.mem.write(pa, len, label);
    return pa;
  }
}
