// SPDX-License-Identifier: MIT
// dma-addr-as-phys (concern b): a DMA address taken as a CPU physical address,
// or a CPU physical address handed to the device in place of a DMA address.
import { ruleTable } from '../testing/table';

ruleTable(
  'dma-addr-as-phys',
  [
    {
      name: 'identity fallback in a helper: if (!domain) return dma',
      code: `
static inline u64 otx2_iova_to_phys(void *iommu_domain, dma_addr_t dma_addr)
{
	/* Translation is installed only when IOMMU is present */
	if (likely(iommu_domain))
		return iommu_iova_to_phys(iommu_domain, dma_addr);
	return dma_addr; /*!*/
}
`,
      chain: ['dma-handle', 'iova-to-phys|identity'],
    },
    {
      name: 'identity fallback written as an if/else assignment: reported at the fallback',
      code: `
static void *acme_iova_to_virt(struct acme_priv *p, dma_addr_t iova)
{
	phys_addr_t pa;

	if (p->domain)
		pa = iommu_iova_to_phys(p->domain, iova);
	else
		pa = iova; /*!*/
	return phys_to_virt(pa);
}
`,
      concerns: ['b', 'c'],
      chain: ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt'],
    },
    {
      name: 'identity fallback as the initial value, the lookup assigned over it',
      code: `
static phys_addr_t acme_dma_to_phys(struct acme_priv *p, dma_addr_t dma)
{
	phys_addr_t pa = dma; /*!*/

	if (p->domain)
		pa = iommu_iova_to_phys(p->domain, dma);
	return pa;
}
`,
    },
    {
      name: 'identity fallback in a ternary (caam_iova_to_virt)',
      code: `
static void *caam_iova_to_virt(struct iommu_domain *domain, dma_addr_t iova_addr)
{
	phys_addr_t phys_addr;

	phys_addr = domain ? iommu_iova_to_phys(domain, iova_addr) : iova_addr; /*!*/

	return phys_to_virt(phys_addr);
}
`,
      concerns: ['b', 'c', 'a', 'zero'],
      chain: ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt'],
    },
    {
      name: 'phys_to_virt() of a dma_addr_t read back from a descriptor',
      code: `
static void acme_rx(struct acme_ring *ring, struct acme_rxd *rxd, int len)
{
	dma_addr_t dma_addr = le32_to_cpu(rxd->addr);

	acme_swap(phys_to_virt(ALIGN(dma_addr, 4)), len); /*!*/
}
`,
      concerns: ['b', 'c'],
      chain: ['dma-handle', 'phys-to-virt'],
    },
    {
      name: 'phys_to_virt() of a raw DMA handle: the chain runs on to the use (virt_to_page, put_page), as after a lookup',
      code: `
static void acme_free_rx(dma_addr_t dma)
{
	put_page(virt_to_page(phys_to_virt(dma))); /*!*/
}
`,
      concerns: ['b', 'c'],
      chain: ['dma-handle', 'phys-to-virt', 'virt-to-page', 'put-page'],
    },
    {
      name: 'a struct field declared dma_addr_t, read through a pointer to that struct',
      code: `
struct acme_desc { dma_addr_t addr; u32 len; };
struct acme_region { phys_addr_t addr; size_t size; };

static void *acme_desc_va(struct acme_desc *desc)
{
	return phys_to_virt(desc->addr); /*!*/
}
`,
    },
    {
      name: 'phys_to_page() of a DMA handle (it takes an address, not a frame number)',
      code: `
static void acme_free_rx(struct acme_priv *p, dma_addr_t dma)
{
	dma_unmap_page(p->dev, dma, PAGE_SIZE, DMA_FROM_DEVICE);
	put_page(phys_to_page(dma)); /*!*/
}
`,
    },
    {
      name: 'a u32 the function passes to dma_sync_single_for_*() as the handle, also fed to phys_to_virt() (greth)',
      code: `
static void acme_tx(struct acme_priv *p, struct acme_bd *bdp, struct sk_buff *skb)
{
	u32 dma_addr = acme_read_bd(&bdp->addr);

	memcpy((unsigned char *)phys_to_virt(dma_addr), skb->data, skb->len); /*!*/
	dma_sync_single_for_device(p->dev, dma_addr, skb->len, DMA_TO_DEVICE);
}
`,
    },
    {
      name: 'a dma_addr_t field of a kernel struct declared outside the driver (urb->transfer_dma)',
      code: `
static void acme_hcd_fill(struct acme_hcd *hcd, struct urb *urb)
{
	if (!urb->transfer_buffer && urb->transfer_buffer_length)
		urb->transfer_buffer = phys_to_virt(urb->transfer_dma); /*!*/
}
`,
    },
    {
      name: 'phys_to_virt(sg_dma_address())',
      code: `
static void acme_copy(struct acme_req *req, struct scatterlist *s)
{
	void *p = phys_to_virt(sg_dma_address(s)); /*!*/

	memcpy(req->buf, p, req->actual);
}
`,
    },
    {
      name: 'pfn_to_page(dma >> PAGE_SHIFT)',
      code: `
static struct page *acme_dma_page(struct acme_buf *b)
{
	return pfn_to_page(b->dma_handle >> PAGE_SHIFT); /*!*/
}

struct acme_buf { dma_addr_t dma_handle; };
`,
      chain: ['dma-handle', 'pfn-to-page'],
    },
    {
      name: 'a fake scatterlist built from a DMA address: pfn_to_page(PFN_DOWN(dma_src))',
      code: `
static struct dma_async_tx_descriptor *
acme_prep_dma_memcpy(struct dma_chan *chan, dma_addr_t dma_dest, dma_addr_t dma_src, size_t len, unsigned long flags)
{
	struct scatterlist sgl;

	sg_init_table(&sgl, 1);
	sg_set_page(&sgl, pfn_to_page(PFN_DOWN(dma_src)), len, /*!*/
		    offset_in_page(dma_src));
	sg_dma_address(&sgl) = dma_src;
	return acme_prep_sg(chan, &sgl, 1, &dma_dest, DMA_MEM_TO_MEM, flags);
}
`,
    },
    {
      name: 'virt_to_phys() of a kmalloc buffer written into a descriptor',
      code: `
static int acme_post(struct acme_ring *ring, struct acme_desc *desc, size_t len)
{
	void *buf = kmalloc(len, GFP_KERNEL);
	dma_addr_t unused;

	if (!buf)
		return -ENOMEM;
	desc->addr = cpu_to_le64(virt_to_phys(buf)); /*!*/
	return 0;
}
`,
      chain: ['linear-va', 'virt-to-phys', 'to-device'],
    },
    {
      name: 'virt_to_phys() written into a descriptor array element (a BDL: both halves, one finding) or through a pointer',
      code: `
static int acme_setup_bdl(void *area, __le32 *bdl, dma_addr_t unused)
{
	phys_addr_t addr = virt_to_phys(area);

	bdl[0] = cpu_to_le32(lower_32_bits(addr)); /*!*/
	bdl[1] = cpu_to_le32(upper_32_bits(addr)); /* the same root: related */
	return 0;
}

static void acme_post_one(__le64 *ring, void *buf)
{
	*ring = cpu_to_le64(virt_to_phys(buf)); /*!*/
}

/* a pointer held in a struct declared elsewhere, a static buffer (mesh.c): still virt_to_phys() to the device */
static void acme_post_area(struct snd_dma_buffer *dmab, __le32 *bdl)
{
	static char acme_extra[64];

	bdl[2] = cpu_to_le32(lower_32_bits(virt_to_phys(dmab->area))); /*!*/
	writel(virt_to_phys(acme_extra), bdl + 4); /*!*/
}
`,
    },
    {
      name: 'a plain store of virt_to_phys() into a dma_alloc_coherent() ring: native-endian descriptors (tsi108_eth.c:1335), through a field, a local pointer to an element, or pointer arithmetic',
      code: `
struct acme_rx_desc { u32 buf0; u32 misc; };
struct acme_priv { struct device *dev; struct acme_rx_desc *rxring; dma_addr_t rxdma; struct sk_buff *rxskbs[64]; };

static int acme_open(struct acme_priv *data, int n)
{
	int i;

	data->rxring = dma_alloc_coherent(data->dev, n * sizeof(*data->rxring), &data->rxdma, GFP_KERNEL);
	if (!data->rxring)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		data->rxskbs[i] = netdev_alloc_skb_ip_align(NULL, 1536);
		data->rxring[i].buf0 = virt_to_phys(data->rxskbs[i]->data); /*!*/
		data->rxring[i].misc = 1;
	}
	return 0;
}

static void acme_refill_one(struct acme_priv *data, int i, void *buf)
{
	struct acme_rx_desc *desc = &data->rxring[i];

	desc->buf0 = virt_to_phys(buf); /*!*/
}

static void acme_fill_table(struct device *dev, void *buf, int i)
{
	dma_addr_t t;
	u32 *tbl = dma_alloc_coherent(dev, 4096, &t, GFP_KERNEL);

	*(tbl + i) = (u32)virt_to_phys(buf); /*!*/
	tbl[i + 1] = 0;
}
`,
      chain: ['linear-va', 'virt-to-phys', 'to-device'],
    },
    {
      name: 'a __le32 descriptor field given DMA addresses through cpu_to_le32(), read back through le32_to_cpu()',
      code: `
struct acme_td { __le32 next; u32 buf; };

static void acme_link(struct acme_td *last, dma_addr_t dma_addr)
{
	last->next = cpu_to_le32(dma_addr);
}

static struct acme_td *acme_walk(struct acme_td *td)
{
	td = phys_to_virt(le32_to_cpu(td->next)); /*!*/
	return td;
}
`,
    },
    {
      name: 'a physical address written as two halves is one finding (once per root), the second store related',
      code: `
struct acme_desc { __le32 addr_lo; __le32 addr_hi; };
struct acme_ring { struct acme_desc *desc; dma_addr_t desc_dma; };

static void acme_post(struct acme_ring *r, int i, void *buf)
{
	phys_addr_t pa = virt_to_phys(buf);

	r->desc[i].addr_lo = cpu_to_le32(lower_32_bits(pa)); /*!*/
	r->desc[i].addr_hi = cpu_to_le32(upper_32_bits(pa));
}
`,
    },
    {
      name: 'bus_to_virt() of a parameter of any type: a u32 is a bus address by the API\'s contract too',
      code: `
static u32 acme_status(u32 cmdptr)
{
	struct acme_cmd *cp = bus_to_virt(cmdptr); /*!*/

	return cp->status;
}
`,
    },
    {
      name: 'virt_to_bus()/bus_to_virt(): bus addresses by the API\'s own name, in a file that names no DMA API (bmac.c, mace.c); the round trip is reported once, where the device address became a pointer',
      code: `
struct acme_cmd { __le16 req_count; __le16 command; __le32 phy_addr; __le32 cmd_dep; };
struct acme_priv { struct acme_cmd *tx_cmds; volatile struct acme_dbdma_regs __iomem *td; };

static void acme_start_tx(struct acme_priv *bp, void *data, struct acme_cmd *cp)
{
	cp->phy_addr = cpu_to_le32(virt_to_bus(data)); /*!*/
	out_le32(&bp->td->cmdptr, virt_to_bus(bp->tx_cmds)); /*!*/
}

static void acme_rxdma_intr(struct acme_priv *bp, volatile struct acme_dbdma_regs __iomem *rd)
{
	struct acme_cmd *cp = bus_to_virt(le32_to_cpu(rd->cmdptr)); /*!*/

	out_le32(&rd->cmdptr, virt_to_bus(cp));
}
`,
    },
    {
      name: 'a dma_pool descriptor chain walked with phys_to_virt() through another variable than the one its links were written through (pch_udc.c, snps_udc_core.c)',
      code: `
struct acme_desc { u32 status; u32 dataptr; u32 next; };
struct acme_req { struct acme_desc *td_data; dma_addr_t td_data_phys; unsigned chain_len; };

static int acme_create_chain(struct dma_pool *pool, struct acme_req *req, int n)
{
	struct acme_desc *td = req->td_data, *last;
	dma_addr_t dma_addr;
	int i;

	for (i = 1; i < n; i++) {
		last = td;
		td = dma_pool_alloc(pool, GFP_ATOMIC, &dma_addr);
		if (!td)
			return -ENOMEM;
		last->next = dma_addr;
	}
	td->next = req->td_data_phys;
	return 0;
}

static void acme_start_rx(struct acme_req *req)
{
	struct acme_desc *td_data = req->td_data;

	while (!(td_data->status & 1))
		td_data = phys_to_virt(td_data->next); /*!*/
}

static void acme_free_chain(struct acme_req *req)
{
	struct acme_desc *td = req->td_data;

	td->next = 0x00;
	req->chain_len = 1;
}
`,
      chain: ['dma-handle', 'phys-to-virt'],
    },
    {
      name: 'the kernel\'s frame-descriptor accessors return the DMA address the hardware used: qm_fd_addr(), dpaa2_sg_get_addr(), xsk_buff_xdp_get_dma() (dpaa_eth.c:1395)',
      code: `
static void acme_fd_release(struct acme_priv *priv, const struct qm_fd *fd)
{
	void *vaddr = phys_to_virt(qm_fd_addr(fd)); /*!*/

	dma_unmap_page(priv->rx_dma_dev, qm_fd_addr(fd), 4096, DMA_FROM_DEVICE);
	acme_release(virt_to_page(vaddr));
}

static void *acme_sg_va(const struct dpaa2_sg_entry *sge)
{
	return phys_to_virt(dpaa2_sg_get_addr(sge)); /*!*/
}

static void *acme_xsk_va(struct xdp_buff *xdp)
{
	return __va(xsk_buff_xdp_get_dma(xdp)); /*!*/
}
`,
    },
    {
      name: 'virt_to_phys() kept where the driver keeps DMA addresses: its own dma_addr_t field, or usb_request.dma (mv_u3d_core.c:1909, fdma_api.c:110)',
      code: `
struct acme_fdma { void *dcbs; dma_addr_t dma; size_t size; };
struct acme_req { struct usb_request req; };
struct acme_udc { struct acme_req *status_req; };

static int acme_alloc_phys(struct acme_fdma *fdma)
{
	fdma->dcbs = kzalloc(fdma->size, GFP_KERNEL);
	if (!fdma->dcbs)
		return -ENOMEM;
	fdma->dma = virt_to_phys(fdma->dcbs); /*!*/
	return 0;
}

static void acme_status_req(struct acme_udc *u3d)
{
	u3d->status_req->req.buf = (char *)u3d->status_req + sizeof(struct acme_req);
	u3d->status_req->req.dma = virt_to_phys(u3d->status_req->req.buf); /*!*/
}
`,
      chain: ['linear-va', 'virt-to-phys', 'to-device'],
    },
    {
      name: 'an address read back from the device (a buffer descriptor in device memory, a DMA engine register) is a bus address (fsl_qe_udc.c:843)',
      code: `
struct acme_bd { u32 status; u32 buf; };

static void *acme_rx_frame(struct acme_bd __iomem *bd)
{
	return phys_to_virt(in_be32(&bd->buf)); /*!*/
}

static void acme_dump(void __iomem *base)
{
	unsigned long desc = readl_relaxed(base + 0x200);
	u32 *d = phys_to_virt(desc); /*!*/

	pr_info("%x\\n", d[0]);
}
`,
      chain: ['dma-handle', 'phys-to-virt'],
    },
    {
      name: 'PowerPC and big-endian register writes: out_be32/out_le32 (address first), iowrite32be, hi_lo_writeq_relaxed, regmap_write (ucc_geth.c, mesh.c)',
      code: `
static void acme_qe_start(struct acme_priv *p, struct acme_regs __iomem *regs, dma_addr_t unused)
{
	out_be32(&regs->bd_ring_base, (u32) virt_to_phys(p->tx_ring)); /*!*/
	out_le32(&regs->cmdptr, virt_to_phys(p->cmds)); /*!*/
	iowrite32be(virt_to_phys(p->rx_ring), &regs->rx_base); /*!*/
	hi_lo_writeq_relaxed(virt_to_phys(p->ctx), &regs->ctx); /*!*/
	regmap_write(p->map, ACME_REG_BASE, virt_to_phys(p->tbl)); /*!*/
	out_be32(&regs->len, p->len);
}
`,
      chain: ['linear-va', 'virt-to-phys', 'to-device'],
    },
    {
      name: 'ALSA: a buffer from snd_dma_alloc_pages() given to the device by virt_to_phys() (the file names no dma_* API; hda-loader-skl.c)',
      code: `
static int acme_cldma_setup_bdle(struct snd_dma_buffer *dmab_data, __le32 *bdl, int size)
{
	phys_addr_t addr = virt_to_phys(dmab_data->area);

	bdl[0] = cpu_to_le32(lower_32_bits(addr)); /*!*/
	bdl[1] = cpu_to_le32(upper_32_bits(addr));
	bdl[2] = cpu_to_le32(size);
	return 1;
}

static int acme_cldma_prepare(struct device *dev, struct snd_dma_buffer *dmab, __le32 *bdl, int size)
{
	int ret = snd_dma_alloc_pages(SNDRV_DMA_TYPE_DEV, dev, size, dmab);

	if (ret < 0)
		return ret;
	return acme_cldma_setup_bdle(dmab, bdl, size);
}
`,
      chain: ['linear-va', 'virt-to-phys', 'to-device'],
    },
    {
      name: 'virt_to_phys() of a page-allocator table programmed into a register',
      code: `
static int acme_lcla_allocate(struct acme_base *base)
{
	base->lcla_pool.base = (void *)__get_free_pages(GFP_KERNEL, 2);
	base->lcla_pool.dma_addr = dma_map_single(base->dev, base->lcla_pool.base,
						  SZ_1K, DMA_TO_DEVICE);
	writel(virt_to_phys(base->lcla_pool.base), /*!*/
	       base->virtbase + ACME_DREG_LCLA);
	return 0;
}
`,
    },
    {
      name: 'the nicvf helper in a header and its callers (fallback line reported once)',
      code: {
        'drivers/net/ethernet/cavium/thunder/nicvf_queues.h': `
static inline u64 nicvf_iova_to_phys(struct nicvf *nic, dma_addr_t dma_addr)
{
	if (nic->iommu_domain)
		return iommu_iova_to_phys(nic->iommu_domain, dma_addr);
	return dma_addr; /*!*/
}
`,
        'drivers/net/ethernet/cavium/thunder/nicvf_queues.c': `
void nicvf_free_rcv_buffer(struct nicvf *nic, u64 buf_addr)
{
	u64 phys_addr = nicvf_iova_to_phys(nic, buf_addr);

	if (phys_addr)
		put_page(virt_to_page(phys_to_virt(phys_addr)));
}

struct sk_buff *nicvf_get_rcv_skb(struct nicvf *nic, u64 buf_addr, int len)
{
	u64 phys_addr = nicvf_iova_to_phys(nic, buf_addr);

	return build_skb(phys_to_virt(phys_addr), len);
}
`,
      },
      concerns: ['b', 'c'],
      chain: ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'],
    },
    {
      name: 'a DMA pool chain walked with phys_to_virt(td->next), once per handle',
      code: `
static void acme_free_dma_chain(struct acme_dev *dev, struct acme_req *req)
{
	struct acme_td *td = req->td_data;
	dma_addr_t addr = (dma_addr_t)td->next;
	unsigned int i;

	for (i = req->chain_len; i > 1; --i) {
		td = phys_to_virt(addr); /*!*/
		addr2 = (dma_addr_t)td->next;
		dma_pool_free(dev->data_requests, td, addr);
		if (i == 2)
			td = phys_to_virt(addr);
		addr = addr2;
	}
}
`,
    },
    {
      name: 'dma_map_single(phys_to_virt(dma_addr)) in both arms of an if',
      code: `
static int acme_dma_program(struct device *dev, dma_addr_t dma_addr, u32 len, int tx)
{
	if (tx)
		dma_map_single(dev, phys_to_virt(dma_addr), len, DMA_TO_DEVICE); /*!*/
	else
		dma_map_single(dev, phys_to_virt(dma_addr), len, DMA_FROM_DEVICE);
	return 0;
}
`,
    },
    {
      name: 'the mapped branch of a DMA_MAPPING_ERROR test (!=, or the else of ==) is no page-allocator branch',
      code: `
struct acme_buf { dma_addr_t dma; };

static void acme_free_buf(struct acme_buf *b)
{
	if (b->dma != DMA_MAPPING_ERROR)
		free_page((unsigned long)phys_to_virt(b->dma)); /*!*/
}

static void acme_recycle_buf(struct acme_buf *b)
{
	if (b->dma == DMA_MAPPING_ERROR)
		free_page((unsigned long)b->va);
	else
		put_page(virt_to_page(phys_to_virt(b->dma))); /*!*/
}
`,
    },
    {
      name: 'an mmap handler maps the frame of a DMA address (ALSA runtime->dma_addr, dma_buffer.addr, a dma_addr_t argument)',
      code: `
static int acme_pcm_mmap(struct snd_pcm_substream *substream, struct vm_area_struct *vma)
{
	return remap_pfn_range(vma, vma->vm_start, /*!*/
			       substream->runtime->dma_addr >> PAGE_SHIFT,
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static int acme_buf_mmap(struct snd_pcm_substream *substream, struct vm_area_struct *vma)
{
	return remap_pfn_range(vma, vma->vm_start, substream->dma_buffer.addr >> PAGE_SHIFT, /*!*/
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static int acme_off_mmap(struct snd_pcm_substream *substream, struct vm_area_struct *vma)
{
	struct snd_pcm_runtime *runtime = substream->runtime;

	return remap_pfn_range(vma, vma->vm_start, (runtime->dma_addr + (vma->vm_pgoff << PAGE_SHIFT)) >> PAGE_SHIFT, /*!*/
			       vma->vm_end - vma->vm_start, vma->vm_page_prot);
}

static int acme_ring_mmap(struct vm_area_struct *vma, dma_addr_t dma)
{
	return remap_pfn_range(vma, vma->vm_start, dma >> PAGE_SHIFT, PAGE_SIZE, vma->vm_page_prot); /*!*/
}

/* a driver's own member named like ALSA's: its struct declares the dma_addr_t */
struct acme_rt { dma_addr_t dma; void *va; };
struct acme { struct device *dev; struct acme_rt *runtime; };

static void *acme_runtime_va(struct acme *p)
{
	return phys_to_virt(p->runtime->dma); /*!*/
}
`,
    },
  ],
  [
    {
      name: 'a field named like a dma_addr_t field of another struct: its own struct declares it phys_addr_t',
      code: `
struct acme_desc { dma_addr_t addr; u32 len; };
struct acme_region { phys_addr_t addr; size_t size; };

static void *acme_region_va(struct acme_region *region)
{
	return phys_to_virt(region->addr);
}
`,
    },
    {
      name: 'a plain store of virt_to_phys() into memory the device does not read (kmalloc), and of a mapped handle into a coherent ring',
      code: `
struct acme_desc { u32 buf0; u32 misc; };
struct acme_sw { phys_addr_t phys; void *va; };
struct acme_priv { struct device *dev; struct acme_desc *ring; dma_addr_t ring_dma; struct acme_sw *sw; };

static int acme_setup(struct acme_priv *p, void *buf, int i)
{
	p->sw = kcalloc(64, sizeof(*p->sw), GFP_KERNEL);
	p->ring = dma_alloc_coherent(p->dev, 4096, &p->ring_dma, GFP_KERNEL);
	p->sw[i].phys = virt_to_phys(buf);
	p->ring[i].buf0 = dma_map_single(p->dev, buf, 2048, DMA_FROM_DEVICE);
	p->ring[i].misc = p->sw[i].phys != 0;
	return 0;
}
`,
    },
    {
      name: 'another struct\'s field of the same name read through a variable of the same name: its own struct is never given a DMA address',
      code: `
struct acme_txbuf { u64 addr; unsigned int len; };
struct acme_frag { struct page *page; u64 addr; };

static int acme_tx_map(struct device *dev, struct acme_txbuf *b, void *data)
{
	b->addr = dma_map_single(dev, data, b->len, DMA_TO_DEVICE);
	return dma_mapping_error(dev, b->addr);
}

static void *acme_frag_va(struct acme_frag *b)
{
	return phys_to_virt(b->addr);
}
`,
    },
    {
      name: 'virt_to_phys() kept in a field that is no dma_addr_t (a physical address for firmware or the CPU)',
      code: `
struct acme_ctx { void *buf; u64 buf_ra; phys_addr_t paddr; dma_addr_t dma; };

static void acme_setup(struct acme_ctx *ctx, struct device *dev)
{
	ctx->buf_ra = virt_to_phys(ctx->buf);
	ctx->paddr = __pa(ctx->buf);
	ctx->dma = dma_map_single(dev, ctx->buf, 64, DMA_TO_DEVICE);
}
`,
    },
    {
      name: 'register values that are no address taken to phys_to_virt(): a status word printed, a pointer variable given a read',
      code: `
static void acme_status(struct acme_priv *p)
{
	u32 st = readl(p->regs + 4);
	void *q = (void *)readl(p->regs + 8);

	pr_info("status %x\\n", st);
	acme_use(virt_to_phys(q));
}
`,
    },
    {
      name: 'the page-allocator branch written as the else of != DMA_MAPPING_ERROR',
      code: `
struct acme_buf { dma_addr_t dma; };

static void acme_free_buf(struct device *dev, struct acme_buf *b)
{
	if (b->dma != DMA_MAPPING_ERROR)
		dma_unmap_page(dev, b->dma, PAGE_SIZE, DMA_FROM_DEVICE);
	else
		free_page((unsigned long)phys_to_virt(b->dma));
}
`,
    },
    {
      name: 'the page-allocator path after an early return from the mapped branch',
      code: `
struct acme_buf { dma_addr_t dma; };

static void acme_free_buf(struct device *dev, struct acme_buf *b)
{
	if (b->dma != DMA_MAPPING_ERROR) {
		dma_unmap_page(dev, b->dma, PAGE_SIZE, DMA_FROM_DEVICE);
		return;
	}
	free_page((unsigned long)phys_to_virt(b->dma));
}
`,
    },
    {
      name: 'the DMA_MAPPING_ERROR branch: the buffer came from the page allocator',
      code: `
static void acme_free_buf(struct acme_buf *b)
{
	if (b->dma == DMA_MAPPING_ERROR)
		free_page((unsigned long)phys_to_virt(b->dma));
}
struct acme_buf { dma_addr_t dma; };
`,
    },
    {
      name: 'virt_to_phys() given to a hypervisor call (no DMA API in the file)',
      code: `
static long acme_hv_register(void *buf)
{
	struct acme_hv_desc *desc = (void *)__get_free_page(GFP_KERNEL);

	desc->phys_addr = cpu_to_be64(virt_to_phys(buf));
	return plpar_hcall_norets(H_ACME, virt_to_phys(desc));
}
`,
    },
    {
      name: 'a cache controller programmed by physical address',
      code: { 'drivers/cache/acme_cache.c': `
static void acme_cache_op(unsigned long start, unsigned long end, void __iomem *base)
{
	unsigned long pa;

	while (end > start) {
		pa = virt_to_phys((void *)start);
		writel(pa, base + ACME_L2C_ACC);
		start += L1_CACHE_BYTES;
	}
}
` },
    },
    {
      name: 'virtio-style: virt_to_phys() only on the path without the DMA API',
      code: `
static dma_addr_t acme_map_one(struct acme_vq *vq, void *cpu_addr, size_t size)
{
	if (!vq->use_dma_api)
		return (dma_addr_t)virt_to_phys(cpu_addr);
	return dma_map_single(vq->dev, cpu_addr, size, DMA_TO_DEVICE);
}

static void acme_add(struct acme_vq *vq, struct acme_desc *desc, void *buf, size_t len)
{
	dma_addr_t addr = acme_map_one(vq, buf, len);

	desc->addr = cpu_to_le64(addr);
}
`,
    },
    {
      name: 'a dma_addr_t variable reused for a pfn: pfn_to_page(addr) takes a frame number',
      code: `
static void acme_pgt_pfn(struct acme_vmm *vmm, u64 *pfn, struct device *dev)
{
	dma_addr_t addr;

	addr = *pfn >> ACME_PFN_ADDR_SHIFT;
	addr = dma_map_page(dev, pfn_to_page(addr), 0, PAGE_SIZE, DMA_BIDIRECTIONAL);
}
`,
    },
    {
      name: 'the right way: the device gets the mapped handle, the CPU keeps its pointer',
      code: `
static int acme_post(struct acme_ring *ring, struct acme_desc *desc, void *buf, size_t len)
{
	dma_addr_t dma = dma_map_single(ring->dev, buf, len, DMA_TO_DEVICE);

	if (dma_mapping_error(ring->dev, dma))
		return -ENOMEM;
	desc->addr = cpu_to_le64(dma);
	ring->va[ring->head] = buf;
	return 0;
}
`,
    },
    {
      name: 'code owning the translation: kernel/dma, arch mm, an arch\'s DMA-API code elsewhere, ALSA\'s buffer allocator',
      code: {
        'arch/parisc/kernel/pci-dma.c': `
void arch_dma_free(struct device *dev, size_t size, void *vaddr, dma_addr_t dma_handle, unsigned long attrs)
{
	free_pages((unsigned long)__va(dma_handle), get_order(size));
}
`,
        'sound/core/memalloc.c': `
static int snd_dma_continuous_mmap(struct snd_dma_buffer *dmab, struct vm_area_struct *area)
{
	return remap_pfn_range(area, area->vm_start, dmab->addr >> PAGE_SHIFT, area->vm_end - area->vm_start, area->vm_page_prot);
}
`,
        'kernel/dma/direct.c': `
static void *dma_direct_va(struct device *dev, dma_addr_t dma_addr)
{
	return phys_to_virt(dma_to_phys(dev, dma_addr));
}
`,
        'arch/arm64/mm/dma-acme.c': `
void *acme_dma_va(dma_addr_t dma) { return phys_to_virt(dma); }
`,
      },
    },
    {
      name: 'a helper with no identity fallback (it fails without a domain)',
      code: `
static phys_addr_t acme_iova_to_phys(struct iommu_domain *domain, dma_addr_t iova)
{
	if (!domain)
		return 0;
	return iommu_iova_to_phys(domain, iova);
}
`,
    },
    {
      name: 'phys_to_virt() of a physical address from the page allocator',
      code: `
static void *acme_table_va(struct acme_dev *d)
{
	phys_addr_t pa = page_to_phys(d->table_page);

	return phys_to_virt(pa);
}
`,
    },
    {
      name: 'text in comments and strings',
      code: `
/* Do not use phys_to_virt(dma_handle) or pfn_to_page(dma >> PAGE_SHIFT). */
static void acme_note(void)
{
	pr_warn("phys_to_virt(dma_handle) is not portable\\n");
}
`,
    },
    {
      name: 'printing a DMA address through a conversion is not a use',
      code: `
static void acme_dump(struct acme_ring *r)
{
	pr_debug("ring va %p pa %llx\\n", r->va, (u64)virt_to_phys(r->va));
	dev_dbg(r->dev, "desc %p\\n", phys_to_virt(r->dma));
}
struct acme_ring { dma_addr_t dma; };
`,
    },
    {
      name: 'mmap of a BAR held in a dma_addr_t local (usnic), of a page, of a field named addr of an unknown struct, io_remap_pfn_range of on-chip SRAM',
      code: `
static int acme_bar_mmap(struct acme_dev *d, struct vm_area_struct *vma)
{
	dma_addr_t bus_addr = d->bar->bus_addr;

	return remap_pfn_range(vma, vma->vm_start, bus_addr >> PAGE_SHIFT, d->bar->len, vma->vm_page_prot);
}

static int acme_page_mmap(struct acme_dev *d, struct vm_area_struct *vma)
{
	return remap_pfn_range(vma, vma->vm_start, page_to_pfn(d->page), PAGE_SIZE, vma->vm_page_prot);
}

static int acme_res_mmap(struct acme_dev *d, struct vm_area_struct *vma)
{
	return remap_pfn_range(vma, vma->vm_start, d->res->addr >> PAGE_SHIFT, PAGE_SIZE, vma->vm_page_prot);
}

static int acme_bar0_mmap(struct acme_dev *d, struct vm_area_struct *vma)
{
	dma_addr_t base = pci_resource_start(d->pdev, 0);

	return remap_pfn_range(vma, vma->vm_start, base >> PAGE_SHIFT, PAGE_SIZE, vma->vm_page_prot);
}

static int acme_sram_mmap(struct snd_pcm_substream *substream, struct vm_area_struct *vma)
{
	/* on-chip SRAM kept in runtime->dma_addr: I/O memory, mapped by its resource address */
	return io_remap_pfn_range(vma, vma->vm_start, substream->runtime->dma_addr >> PAGE_SHIFT, PAGE_SIZE, vma->vm_page_prot);
}
`,
    },
  ],
);
