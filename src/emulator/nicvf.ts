// The ThunderX nicvf receive path (drivers/net/ethernet/cavium/thunder/
// nicvf_queues.c, non-XDP): refill with page carving and bulk references,
// receive through nicvf_iova_to_phys(), teardown. Variants:
//   'check'   the 6.12 code: `if (!phys_addr)` drops the packet (buffer neither unmapped nor released);
//   'nocheck' the same without the test (whether March 2017 had it is not verified, facts §7.5);
//   'fixed'   keeps its own dma → (page, offset) bookkeeping, never reverse-translates, and unmaps
//             without DMA_ATTR_SKIP_CPU_SYNC so a bounce buffer is copied back.

import { Machine, DMA_MAPPING_ERROR } from './machine';
import { DMA_ATTR_SKIP_CPU_SYNC, DMA_FROM_DEVICE } from './swiotlb';
import { classifyPa } from './judge';
import type { Outcome } from './types';
import { hex, MASK64 } from './hex';

export const RCV_FRAG_LEN = 1920; // SKB_DATA_ALIGN(1536 + NET_SKB_PAD) + SKB_DATA_ALIGN(sizeof(skb_shared_info)) = 1600 + 320
const SHINFO = 320;
const RCV_BUF_ALIGN = 128n; // NICVF_RCV_BUF_ALIGN_BYTES

export type NicvfVariant = 'check' | 'nocheck' | 'fixed';

interface Desc { bufAddr: bigint; dma: bigint; pfn: bigint; offset: number }

export interface PacketResult { index: number; rbPtr: bigint; phys: bigint; data: bigint | null; pa: bigint; outcome: Outcome[] }

export class Nicvf {
  readonly rbdr: Desc[] = [];
  readonly pgcache: ({ pfn: bigint } | null)[];
  pgidx = 0;
  pgalloc = 0;
  rbPage: bigint | null = null;
  rbPageOffset = 0;
  rbPageref = 0;
  /** Pages this driver ever allocated. */
  readonly pages = new Set<bigint>();
  /** The fixed driver's bookkeeping: DMA address it programmed → buffer. */
  private readonly book = new Map<bigint, Desc>();
  readonly bad = new Set<Outcome>();
  readonly packets: PacketResult[] = [];
  oops = false;
  /** nic->iommu_domain, sampled once at probe (nicvf_probe). */
  private readonly domain;
  readonly pgcnt: number;

  constructor(readonly m: Machine, readonly variant: NicvfVariant, readonly ringLen: number) {
    // pgcnt = roundup_pow_of_two(ring_len / (PAGE_SIZE / DMA_BUFFER_LEN))
    const per = Math.floor(Number(m.cpu.pageSize) / 1536);
    let n = Math.max(1, Math.floor(ringLen / per));
    let p = 1; while (p < n) p *= 2; n = p;
    this.pgcnt = n;
    this.pgcache = new Array(n).fill(null);
    this.domain = m.domainForDev();
  }

  private get ps(): number { return Number(this.m.cpu.pageSize); }

  /** nicvf_iova_to_phys(): domain ? iommu_iova_to_phys(domain, dma) : dma. */
  iovaToPhys(dma: bigint): bigint {
    if (this.domain) return this.domain.iovaToPhys(dma, 'nicvf_iova_to_phys → iommu_iova_to_phys');
    this.m.trace.emit({ op: 'translate', fn: 'nicvf_iova_to_phys', in: dma, out: dma, note: 'no IOMMU domain: the DMA address is returned as the physical address' });
    return dma;
  }

  /** nicvf_get_page(): commit the deferred references in bulk. */
  private getPage(): void {
    if (this.rbPage !== null && this.rbPageref) {
      this.m.mem.getPage(this.rbPage, this.rbPageref, `page_ref_add(${this.rbPageref}): one reference per further buffer`);
      this.rbPageref = 0;
    }
  }

  /** nicvf_alloc_page(): recycle a cached page whose count is 1, else a fresh one (cached while pgalloc < pgcnt). */
  private allocPage(): { pfn: bigint; cached: boolean } {
    const mem = this.m.mem;
    const slot = this.pgcache[this.pgidx];
    let pfn: bigint | null = slot ? slot.pfn : null;
    if (pfn !== null && mem.ref(pfn) !== 1) pfn = null;
    else if (pfn !== null) this.m.trace.emit({ op: 'translate', fn: 'note', in: 0n, out: 0n, note: `pgcache[${this.pgidx}]: page ${hex(pfn << this.m.cpu.pageShift)} has count 1 → recycled` });
    if (pfn === null) {
      // alloc_pages(GFP_KERNEL | __GFP_COMP | __GFP_NOWARN, 0) (nicvf_queues.c:122): no __GFP_HIGHMEM, so a
      // lowmem page even where the platform's buffer page is highmem (arm32-highmem's is: S8's generic driver).
      const lowmem = this.m.cpu.isLowmemPfn(this.m.det.bufferPage >> this.m.cpu.pageShift);
      pfn = mem.allocPage('nicvf receive page', lowmem ? 'driver' : 'kernel');
      this.pages.add(pfn);
      if (this.pgalloc >= this.pgcnt) return { pfn, cached: false };
      this.pgcache[this.pgidx] = { pfn };
      this.pgalloc++;
    }
    mem.getPage(pfn, 1, 'recycle reference held by the page cache');
    this.pgidx = (this.pgidx + 1) & (this.pgcnt - 1);
    return { pfn, cached: true };
  }

  /** nicvf_alloc_rcv_buffer() for one descriptor; false on failure. */
  private allocRcvBuffer(): boolean {
    if (!(this.rbPage !== null && this.rbPageOffset + RCV_FRAG_LEN <= this.ps)) {
      this.getPage();
      this.rbPage = null;
      this.rbPage = this.allocPage().pfn;
      this.rbPageOffset = 0;
    } else this.rbPageref++;
    const pfn = this.rbPage!;
    const dma = this.m.dmaMapPage(pfn, this.rbPageOffset, RCV_FRAG_LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
    if (dma === DMA_MAPPING_ERROR) {
      if (!this.rbPageOffset) this.m.mem.freePage(pfn, '__free_pages after a mapping error');
      this.rbPage = null;
      this.bad.add('map-error');
      return false;
    }
    const d: Desc = { bufAddr: dma & ~(RCV_BUF_ALIGN - 1n), dma, pfn, offset: this.rbPageOffset };
    this.rbdr.push(d);
    if (this.variant === 'fixed') this.book.set(dma, d);
    this.rbPageOffset += RCV_FRAG_LEN;
    return true;
  }

  /** nicvf_refill_rbdr(): fill `n` descriptors, then commit the deferred references. */
  refill(n: number): void {
    for (let i = 0; i < n; i++) if (!this.allocRcvBuffer()) break;
    this.getPage();
  }

  /**
   * The NIC takes the next descriptor, writes a packet at buf_addr + align_pad, and posts a CQE whose
   * rb0_ptr is that address; the driver runs nicvf_get_rcv_skb; the stack then frees the skb.
   */
  receive(pad = 2, len = 1400): PacketResult | null {
    if (this.oops) return null;
    const d = this.rbdr.shift();
    if (!d) return null;
    const m = this.m;
    const cpu = m.cpu;
    const index = this.packets.length;
    const label = `packet-${index}`;
    const rbPtr = d.bufAddr + BigInt(pad);
    m.deviceWrite(rbPtr, len, label);
    const truthPa = (d.pfn << cpu.pageShift) + BigInt(d.offset) + BigInt(pad);
    const res: PacketResult = { index, rbPtr, phys: 0n, data: null, pa: truthPa, outcome: [] };
    this.packets.push(res);
    const local = new Set<Outcome>();

    let phys: bigint;
    let data: bigint;
    let pfnForPut: bigint | null = null;
    if (this.variant === 'fixed') {
      const b = this.book.get(rbPtr - BigInt(pad))!;
      this.book.delete(b.dma);
      m.dmaUnmapPage(b.dma, RCV_FRAG_LEN, DMA_FROM_DEVICE, 0);
      phys = (b.pfn << cpu.pageShift) + BigInt(b.offset);
      data = cpu.isLowmemPfn(b.pfn) ? cpu.physToVirt(phys) : this.kmap(b.pfn) + BigInt(b.offset);
      m.trace.emit({ op: 'translate', fn: 'driver bookkeeping', in: rbPtr, out: data, note: 'page and offset recorded at refill time' });
      phys += BigInt(pad);
    } else {
      phys = this.iovaToPhys(rbPtr);
      res.phys = phys;
      if (phys === 0n) {
        local.add('null');
        if (this.variant === 'check') {
          m.trace.emit({ op: 'translate', fn: 'note', in: 0n, out: 0n, note: 'if (!phys_addr) return NULL: packet dropped; buffer neither unmapped nor released' });
          res.outcome = [...local];
          for (const o of local) this.bad.add(o);
          return res;
        }
      }
      m.dmaUnmapPage(rbPtr - BigInt(pad), RCV_FRAG_LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
      // `phys_addr - align_pad` is u64 arithmetic in the driver: a 0 lookup gives 0xffff_ffff_ffff_fffe, not -2.
      const start = (phys - BigInt(pad)) & MASK64;
      data = cpu.physToVirt(start);
      m.trace.emit({ op: 'translate', fn: 'phys_to_virt', in: start, out: data, note: cpu.isLinear(data) ? undefined : 'not a linear-map address' });
    }
    res.data = data;
    // build_skb(): writes skb_shared_info at the end of the buffer (CPU store).
    const pa = m.mem.cpuResolve(data);
    const shinfo = pa === null ? null : m.mem.cpuResolve(data + BigInt(RCV_FRAG_LEN - SHINFO));
    if (pa === null || shinfo === null) {
      m.trace.emit({ op: 'fault', who: 'cpu', addr: data, event: 'Unable to handle kernel paging request', note: `build_skb at virtual address ${hex(data)}` });
      local.add('fault');
      this.oops = true;
    } else {
      const seen = m.mem.read(pa + BigInt(pad));
      m.trace.emit({ op: 'translate', fn: 'build_skb', in: data, out: pa, note: `skb head on PFN ${hex(pa >> cpu.pageShift)}, data: ${seen ?? 'stale'}` });
      const c = classifyPa(m, pa, { pfn: d.pfn, offset: d.offset, size: RCV_FRAG_LEN, label }, true);
      if (c) local.add(c);
      if (this.variant !== 'fixed') {
        // The stack frees the skb: skb_free_frag → put_page(virt_to_head_page(data)).
        const page = cpu.virtToPage(data);
        if (!m.mem.validPagePtr(page)) {
          m.trace.emit({ op: 'fault', who: 'cpu', addr: page, event: 'Unable to handle kernel paging request', note: `put_page on ${hex(page)}` });
          local.add('fault');
          this.oops = true;
        } else pfnForPut = cpu.pageToPfn(page);
      } else pfnForPut = d.pfn;
      if (pfnForPut !== null) m.mem.putPage(pfnForPut, 'skb freed: page_frag_free');
    }
    if (local.size === 0) local.add('correct');
    res.outcome = [...local];
    for (const o of local) if (o !== 'correct') this.bad.add(o);
    return res;
  }

  private readonly kmaps = new Map<bigint, bigint>();
  /** kmap_local_page() for a highmem page (fixed driver). */
  private kmap(pfn: bigint): bigint {
    let va = this.kmaps.get(pfn);
    if (va === undefined) { va = this.m.mem.vmap([pfn], 'kmap'); this.kmaps.set(pfn, va); }
    return va;
  }

  /** nicvf_free_rbdr(): translate, unmap, put_page only if phys != 0; then drop the recycle references. */
  teardown(): void {
    if (this.oops) return;
    const m = this.m;
    const cpu = m.cpu;
    for (const d of this.rbdr) {
      if (this.variant === 'fixed') {
        m.dmaUnmapPage(d.dma, RCV_FRAG_LEN, DMA_FROM_DEVICE, 0);
        m.mem.putPage(d.pfn, 'teardown');
        continue;
      }
      const phys = this.iovaToPhys(d.bufAddr);
      m.dmaUnmapPage(d.bufAddr, RCV_FRAG_LEN, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
      if (phys) {
        const page = cpu.virtToPage(cpu.physToVirt(phys));
        if (!m.mem.validPagePtr(page)) {
          m.trace.emit({ op: 'fault', who: 'cpu', addr: page, event: 'Unable to handle kernel paging request', note: `teardown put_page on ${hex(page)}` });
          this.bad.add('fault');
          this.oops = true;
          return;
        }
        m.mem.putPage(cpu.pageToPfn(page), 'teardown');
      } else {
        this.bad.add('null');
      }
    }
    this.rbdr.length = 0;
    for (const s of this.pgcache) if (s && m.mem.ref(s.pfn) !== 0) m.mem.putPage(s.pfn, 'teardown: recycle reference');
  }

  /** Pages of this driver still holding references after teardown. */
  leakedPages(): bigint[] {
    return [...this.pages].filter((p) => this.m.mem.ref(p) > 0);
  }

  /** Flags the run's outcome on the machine's trace. */
  finish(): void {
    if (!this.oops && this.leakedPages().length) this.bad.add('leak');
    for (const o of this.bad) this.m.trace.flag(o);
    if (this.bad.size === 0 && !this.m.trace.outcome().some((o) => o !== 'correct')) this.m.trace.flag('correct');
  }
}
