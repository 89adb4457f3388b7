// SPDX-License-Identifier: MIT
// What the kernel APIs do to an address, as the evaluator needs to know it.
// Names are matched exactly; wrappers that only change width or endianness
// pass the value through.
import type { Source } from './model';

/** Calls whose result is a fresh address of a known kind. */
export const SOURCES: Record<string, Source> = {
  dma_map_single: 'dma-handle',
  dma_map_single_attrs: 'dma-handle',
  dma_map_page: 'dma-handle',
  dma_map_page_attrs: 'dma-handle',
  dma_map_resource: 'dma-handle',
  pci_map_single: 'dma-handle',
  pci_map_page: 'dma-handle',
  sg_dma_address: 'dma-handle',
  page_pool_get_dma_addr: 'dma-handle',
  page_pool_get_dma_addr_netmem: 'dma-handle',
  // Frame and scatter-gather accessors of DPAA/DPAA2 (include/soc/fsl) and AF_XDP: the
  // address a descriptor holds is the DMA address the hardware used.
  qm_fd_addr: 'dma-handle',
  qm_fd_addr_get64: 'dma-handle',
  qm_sg_addr: 'dma-handle',
  qm_sg_entry_get64: 'dma-handle',
  dpaa2_fd_get_addr: 'dma-handle',
  dpaa2_sg_get_addr: 'dma-handle',
  dpaa2_fl_get_addr: 'dma-handle',
  xsk_buff_xdp_get_dma: 'dma-handle',
  xsk_buff_xdp_get_frame_dma: 'dma-handle',
  xsk_buff_raw_get_dma: 'dma-handle',
  dma_alloc_coherent: 'coherent-va',
  dmam_alloc_coherent: 'coherent-va',
  dma_alloc_attrs: 'coherent-va',
  dma_alloc_wc: 'coherent-va',
  dma_zalloc_coherent: 'coherent-va',
  pci_alloc_consistent: 'coherent-va',
  pci_zalloc_consistent: 'coherent-va',
  dma_pool_alloc: 'coherent-va',
  dma_pool_zalloc: 'coherent-va',
  vmalloc: 'vmalloc-va',
  vzalloc: 'vmalloc-va',
  vmalloc_user: 'vmalloc-va',
  vmalloc_32: 'vmalloc-va',
  vmalloc_32_user: 'vmalloc-va',
  vmalloc_node: 'vmalloc-va',
  vzalloc_node: 'vmalloc-va',
  vmap: 'vmalloc-va',
  kvmalloc: 'vmalloc-va',
  kvzalloc: 'vmalloc-va',
  kvcalloc: 'vmalloc-va',
  kvmalloc_array: 'vmalloc-va',
  ioremap: 'ioremap-va',
  ioremap_wc: 'ioremap-va',
  ioremap_cache: 'ioremap-va',
  ioremap_uc: 'ioremap-va',
  devm_ioremap: 'ioremap-va',
  devm_ioremap_wc: 'ioremap-va',
  devm_ioremap_resource: 'ioremap-va',
  devm_platform_ioremap_resource: 'ioremap-va',
  devm_platform_ioremap_resource_byname: 'ioremap-va',
  devm_platform_get_and_ioremap_resource: 'ioremap-va',
  of_iomap: 'ioremap-va',
  devm_of_iomap: 'ioremap-va',
  of_ioremap: 'ioremap-va',
  fwnode_iomap: 'ioremap-va',
  ioremap_wt: 'ioremap-va',
  ioremap_np: 'ioremap-va',
  devm_ioremap_uc: 'ioremap-va',
  devm_ioremap_np: 'ioremap-va',
  acpi_os_ioremap: 'ioremap-va',
  pci_ioremap_bar: 'ioremap-va',
  pci_ioremap_wc_bar: 'ioremap-va',
  pci_iomap_range: 'ioremap-va',
  pci_iomap: 'ioremap-va',
  pcim_iomap: 'ioremap-va',
  memremap: 'ioremap-va',
  devm_memremap: 'ioremap-va',
  dma_alloc_noncoherent: 'linear-va',
  kmalloc: 'linear-va',
  kzalloc: 'linear-va',
  kcalloc: 'linear-va',
  kmalloc_array: 'linear-va',
  devm_kmalloc: 'linear-va',
  devm_kzalloc: 'linear-va',
  __get_free_pages: 'linear-va',
  __get_free_page: 'linear-va',
  get_zeroed_page: 'linear-va',
  page_frag_alloc: 'linear-va',
  napi_alloc_frag: 'linear-va',
  netdev_alloc_frag: 'linear-va',
  iommu_get_domain_for_dev: 'domain-borrowed',
  iommu_get_dma_domain: 'domain-borrowed',
  iommu_domain_alloc: 'domain-owned',
  iommu_paging_domain_alloc: 'domain-owned',
  iommu_paging_domain_alloc_flags: 'domain-owned',
};

/** dma_alloc_coherent(dev, size, &handle, gfp): the handle out-parameter's index. */
export const HANDLE_OUT_PARAM: Record<string, number> = {
  dma_alloc_coherent: 2,
  dmam_alloc_coherent: 2,
  dma_alloc_attrs: 2,
  dma_alloc_wc: 2,
  dma_zalloc_coherent: 2,
  pci_alloc_consistent: 2,
  pci_zalloc_consistent: 2,
  dma_pool_alloc: 2,
  dma_pool_zalloc: 2,
};

/** Translation steps: callee → chain word, and which argument carries the address. */
export const STEPS: Record<string, { word: string; arg: number }> = {
  iommu_iova_to_phys: { word: 'iova-to-phys', arg: 1 },
  phys_to_virt: { word: 'phys-to-virt', arg: 0 },
  __va: { word: 'phys-to-virt', arg: 0 },
  bus_to_virt: { word: 'phys-to-virt', arg: 0 },
  virt_to_phys: { word: 'virt-to-phys', arg: 0 },
  __pa: { word: 'virt-to-phys', arg: 0 },
  virt_to_bus: { word: 'virt-to-phys', arg: 0 },
  __pa_symbol: { word: 'virt-to-phys', arg: 0 },
  virt_to_page: { word: 'virt-to-page', arg: 0 },
  virt_to_head_page: { word: 'virt-to-page', arg: 0 },
  // sg_set_buf()/sg_init_one() take virt_to_page() of the buffer (and BUG_ON(!virt_addr_valid()) with CONFIG_DEBUG_SG).
  sg_set_buf: { word: 'virt-to-page', arg: 1 },
  sg_init_one: { word: 'virt-to-page', arg: 1 },
  virt_to_pfn: { word: 'virt-to-page', arg: 0 },
  virt_addr_valid: { word: 'virt-addr-valid', arg: 0 },
  pfn_to_page: { word: 'pfn-to-page', arg: 0 },
  phys_to_page: { word: 'pfn-to-page', arg: 0 },
  pfn_to_kaddr: { word: 'phys-to-virt', arg: 0 },
  page_address: { word: 'page-address', arg: 0 },
  page_to_virt: { word: 'page-address', arg: 0 },
  kmap: { word: 'page-address', arg: 0 },
  kmap_atomic: { word: 'page-address', arg: 0 },
  kmap_local_page: { word: 'page-address', arg: 0 },
  kmap_local_pfn: { word: 'page-address', arg: 0 },
};

/** Where the address is finally used: freed as a page, touched by the CPU, or handed to the device. */
export const SINKS: Record<string, { word: string; arg: number }> = {
  put_page: { word: 'put-page', arg: 0 },
  __free_page: { word: 'put-page', arg: 0 },
  page_frag_free: { word: 'put-page', arg: 0 },
  skb_free_frag: { word: 'put-page', arg: 0 },
  free_page: { word: 'put-page', arg: 0 },
  build_skb: { word: 'cpu-access', arg: 0 },
  napi_build_skb: { word: 'cpu-access', arg: 0 },
  build_skb_around: { word: 'cpu-access', arg: 1 },
  skb_add_rx_frag: { word: 'cpu-access', arg: 2 },
  skb_fill_page_desc: { word: 'cpu-access', arg: 2 },
  memcpy: { word: 'cpu-access', arg: 1 },
  memset: { word: 'cpu-access', arg: 0 },
  prefetch: { word: 'cpu-access', arg: 0 },
  net_prefetch: { word: 'cpu-access', arg: 0 },
  xdp_prepare_buff: { word: 'cpu-access', arg: 1 },
  dma_sync_single_for_cpu: { word: 'cpu-access', arg: 1 },
  writel: { word: 'to-device', arg: 0 },
  writel_relaxed: { word: 'to-device', arg: 0 },
  writeq: { word: 'to-device', arg: 0 },
  writeq_relaxed: { word: 'to-device', arg: 0 },
  iowrite32: { word: 'to-device', arg: 0 },
  iowrite64: { word: 'to-device', arg: 0 },
  lo_hi_writeq: { word: 'to-device', arg: 0 },
  hi_lo_writeq: { word: 'to-device', arg: 0 },
  __raw_writel: { word: 'to-device', arg: 0 },
  __raw_writeq: { word: 'to-device', arg: 0 },
  lo_hi_writeq_relaxed: { word: 'to-device', arg: 0 },
  hi_lo_writeq_relaxed: { word: 'to-device', arg: 0 },
  iowrite32be: { word: 'to-device', arg: 0 },
  iowrite64be: { word: 'to-device', arg: 0 },
  iowrite64_lo_hi: { word: 'to-device', arg: 0 },
  iowrite64_hi_lo: { word: 'to-device', arg: 0 },
  // PowerPC's accessors take the address first (out_be32(&regs->bdp, v)); regmap_write(map, reg, v).
  out_be32: { word: 'to-device', arg: 1 },
  out_le32: { word: 'to-device', arg: 1 },
  out_be64: { word: 'to-device', arg: 1 },
  out_le64: { word: 'to-device', arg: 1 },
  regmap_write: { word: 'to-device', arg: 2 },
  // A page frame mapped into user space (an mmap handler): the frame of a DMA address is not the buffer's.
  // (Not io_remap_pfn_range: it maps I/O memory — SRAM, a BAR — by its resource address, rightly, even
  // when the driver keeps that in a dma_addr_t, as ALSA's runtime->dma_addr of on-chip buffers.)
  remap_pfn_range: { word: 'pfn-to-page', arg: 2 },
};

/**
 * dma_addr_t fields of structs the kernel declares outside any driver folder
 * (include/linux/usb.h, scatterlist.h, sound/pcm.h, sound/memalloc.h), which
 * drivers read: a driver folder's own struct declarations cannot say what
 * they are. By `struct.field`; KERNEL_DMA_FIELD_NAMES are the names distinct
 * enough to count when the base's struct is not known (`addr` is not).
 */
export const KERNEL_DMA_FIELDS = new Set(['urb.transfer_dma', 'urb.setup_dma', 'scatterlist.dma_address', 'snd_dma_buffer.addr', 'snd_pcm_runtime.dma_addr', 'snd_compr_runtime.dma_addr', 'usb_request.dma']);
export const KERNEL_DMA_FIELD_NAMES = new Set(['transfer_dma', 'setup_dma', 'dma_address']);

/** Members of kernel structs whose type is that struct (`substream->runtime`, `substream->dma_buffer.addr`). */
export const KERNEL_MEMBER_STRUCTS: Record<string, string> = { runtime: 'snd_pcm_runtime', dma_buffer: 'snd_dma_buffer', req: 'usb_request' };

/** dma_unmap_*(dev, handle, …): the handle is argument 1. */
export const UNMAPS = new Set([
  'dma_unmap_single',
  'dma_unmap_single_attrs',
  'dma_unmap_page',
  'dma_unmap_page_attrs',
  'dma_unmap_resource',
  'pci_unmap_single',
  'pci_unmap_page',
]);

/**
 * dma_unmap_sg*(dev, sg, …) and dma_unmap_sgtable(dev, sgt, …): what they
 * unmap is read back as sg_dma_address(sg) (of sgt->sgl for a table).
 */
export const SG_UNMAPS = new Set(['dma_unmap_sg', 'dma_unmap_sg_attrs', 'pci_unmap_sg', 'dma_unmap_sgtable']);

/**
 * Reads of device registers and device memory: an address read back from
 * the device (a DMA engine's current-descriptor pointer, a buffer descriptor's
 * buffer pointer) is the bus address the device uses.
 */
export const MMIO_READS = new Set([
  'readl', 'readl_relaxed', 'readq', 'readq_relaxed', '__raw_readl', '__raw_readq', 'ioread32', 'ioread64',
  'ioread32be', 'ioread64be', 'lo_hi_readq', 'hi_lo_readq', 'lo_hi_readq_relaxed', 'hi_lo_readq_relaxed',
  'in_be32', 'in_le32', 'in_be64', 'in_le64',
]);

/** Calls that return their (first) argument's address, possibly re-typed or re-ordered. */
export const PASS_THROUGH = new Set([
  'cpu_to_le64', 'cpu_to_le32', 'le64_to_cpu', 'le32_to_cpu', 'cpu_to_be64', 'cpu_to_be32', 'be64_to_cpu', 'be32_to_cpu',
  'lower_32_bits', 'upper_32_bits', 'PHYS_PFN', 'PFN_DOWN', 'PFN_PHYS', '__phys_to_pfn', '__pfn_to_phys', 'PAGE_ALIGN',
  'ALIGN', 'ALIGN_DOWN', 'PTR_ALIGN', 'PTR_ALIGN_DOWN', 'READ_ONCE', 'likely', 'unlikely', '__le64_to_cpu', '__cpu_to_le64',
]);

/** Conversions of an address into a page frame number. */
export const PFN_CONVERT = new Set(['PHYS_PFN', 'PFN_DOWN', '__phys_to_pfn']);

/** Wrappers whose result is a value written in device byte order: the value goes to a descriptor. */
export const DEVICE_ORDER = new Set(['cpu_to_le64', 'cpu_to_le32', 'cpu_to_be64', 'cpu_to_be32', '__cpu_to_le64']);

/** Condition calls that guard the linear-map use (SPEC §1.1 silence list). */
export const GUARD_RE = /\bis_vmalloc_addr\b|\bDMA_MAPPING_ERROR\b|\bDMA_NONE\b|\bvirt_addr_valid\b|\bPageHighMem\b|\bis_highmem\b/;

/**
 * Names the evaluator answers from the tables above before it looks for a
 * helper's summary (Evaluator.call): a driver function of such a name is
 * never consulted as a helper, so it is not learned as one. (A fuzzed file
 * that defined virt_to_phys() and virt_to_page() calling each other learned
 * a longer summary for them every round, and every round re-evaluated their
 * callers: 2–3 s for one file.)
 */
export function answeredByApi(name: string): boolean {
  return Object.hasOwn(STEPS, name) || Object.hasOwn(SINKS, name) || Object.hasOwn(SOURCES, name) || MMIO_READS.has(name) || PASS_THROUGH.has(name);
}
