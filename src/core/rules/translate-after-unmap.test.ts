// SPDX-License-Identifier: MIT
// translate-after-unmap (concern after-unmap): a handle translated after
// dma_unmap_*() of the same handle on that path.
import { ruleTable } from '../testing/table';

ruleTable(
  'translate-after-unmap',
  [
    {
      name: 'iommu_iova_to_phys() after dma_unmap_page()',
      code: `
static void acme_free(struct acme_priv *p, dma_addr_t buf_addr)
{
	phys_addr_t pa;

	dma_unmap_page(p->dev, buf_addr, PAGE_SIZE, DMA_FROM_DEVICE);
	pa = iommu_iova_to_phys(p->domain, buf_addr); /*!*/
	if (pa)
		put_page(virt_to_page(phys_to_virt(pa)));
}
`,
      concerns: ['after-unmap', 'a', 'c'],
    },
    {
      name: 'phys_to_virt() of the handle after dma_unmap_page() (dpaa_eth)',
      code: `
static enum qman_cb_dqrr_result rx_default_dqrr(struct acme_priv *priv, const struct qm_fd *fd)
{
	dma_addr_t addr = qm_fd_addr(fd);
	void *vaddr;

	dma_unmap_page(priv->rx_dma_dev, addr, ACME_BP_RAW_SIZE, DMA_FROM_DEVICE);
	vaddr = phys_to_virt(addr); /*!*/
	prefetch(vaddr + qm_fd_get_offset(fd));
	return qman_cb_dqrr_consume;
}
`,
      chain: ['dma-handle', 'dma-unmap', 'phys-to-virt'],
    },
    {
      name: 'skb_free_frag(phys_to_virt(addr)) after unmapping it',
      code: `
static void acme_bp_free_pf(const struct acme_bp *bp, struct bm_buffer *bmb)
{
	dma_addr_t addr = bm_buf_addr(bmb);

	dma_unmap_page(bp->priv->rx_dma_dev, addr, ACME_BP_RAW_SIZE, DMA_FROM_DEVICE);
	skb_free_frag(phys_to_virt(addr)); /*!*/
}
`,
    },
    {
      name: 'through a helper that looks the handle up',
      code: `
static inline u64 acme_iova_to_phys(struct acme_priv *p, dma_addr_t dma_addr)
{
	if (p->domain)
		return iommu_iova_to_phys(p->domain, dma_addr);
	return dma_addr;
}

static void acme_drop(struct acme_priv *p, u64 iova)
{
	u64 pa;

	dma_unmap_single(p->dev, iova, RCV_LEN, DMA_FROM_DEVICE);
	pa = acme_iova_to_phys(p, iova); /*!*/
	put_page(virt_to_page(phys_to_virt(pa)));
}
`,
    },
    {
      name: 'the same struct field unmapped then translated',
      code: `
static void acme_clean(struct acme_priv *p, struct acme_buf *b)
{
	dma_unmap_single(p->dev, b->dma, b->len, DMA_TO_DEVICE);
	kfree(phys_to_virt(b->dma)); /*!*/
}
struct acme_buf { dma_addr_t dma; };
`,
    },
    {
      name: 'unmap and translation in the same loop body',
      code: `
static void acme_drain(struct acme_ring *r)
{
	int i;

	for (i = 0; i < r->count; i++) {
		dma_addr_t d = r->desc[i].addr;

		dma_unmap_single(r->dev, d, r->len, DMA_FROM_DEVICE);
		acme_dump(phys_to_virt(d)); /*!*/
	}
}
`,
    },
    {
      name: 'a debug dump reading the packet after unmap (greth)',
      code: `
static void acme_rx(struct acme_priv *g, struct acme_bd *bdp, int pkt_len)
{
	dma_unmap_single(g->dev, acme_read_bd(&bdp->addr), MAX_FRAME_SIZE, DMA_FROM_DEVICE);
	if (netif_msg_pktdata(g))
		acme_print_rx_packet(phys_to_virt(acme_read_bd(&bdp->addr)), pkt_len); /*!*/
}
`,
    },
    {
      name: 'pfn_to_page() of the unmapped handle',
      code: `
static void acme_release(struct device *dev, dma_addr_t dma)
{
	dma_unmap_page(dev, dma, PAGE_SIZE, DMA_BIDIRECTIONAL);
	__free_page(pfn_to_page(dma >> PAGE_SHIFT)); /*!*/
}
`,
    },
    {
      name: 'unmapped with dma_unmap_page_attrs(), looked up afterwards',
      code: `
static void acme_put(struct acme_priv *p, u64 buf_addr)
{
	dma_unmap_page_attrs(&p->pdev->dev, buf_addr, RCV_FRAG_LEN,
			     DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
	put_page(virt_to_page(phys_to_virt(iommu_iova_to_phys(p->domain, buf_addr)))); /*!*/
}
`,
    },
    {
      name: 'unmapped in a branch that jumps to a label, translated at the label',
      code: `
static void acme_rx(struct acme_priv *p, dma_addr_t h, int err)
{
	if (err) {
		dma_unmap_single(p->dev, h, p->len, DMA_FROM_DEVICE);
		goto out;
	}
	acme_count(p);
out:
	acme_dump(phys_to_virt(h)); /*!*/
}
`,
    },
    {
      name: 'an offset into the unmapped buffer is translated',
      code: `
static void acme_rx(struct acme_priv *p, dma_addr_t addr, unsigned int off)
{
	dma_unmap_single(p->dev, addr, p->len, DMA_FROM_DEVICE);
	acme_consume(p, phys_to_virt(addr + off)); /*!*/
}
`,
    },
    {
      name: 'sg_dma_address() of a scatterlist (or an sg_table) translated after dma_unmap_sg()/dma_unmap_sgtable()',
      code: `
static void acme_done(struct device *dev, struct scatterlist *sg, int n, void *out)
{
	dma_unmap_sg(dev, sg, n, DMA_FROM_DEVICE);
	memcpy(out, phys_to_virt(sg_dma_address(sg)), sg_dma_len(sg)); /*!*/
}

static void acme_done_table(struct device *dev, struct sg_table *sgt, void *out)
{
	dma_unmap_sgtable(dev, sgt, DMA_FROM_DEVICE, 0);
	memcpy(out, phys_to_virt(sg_dma_address(sgt->sgl)), 64); /*!*/
}
`,
      concerns: ['after-unmap', 'b', 'c'],
    },
    {
      name: 'unmap before an if, translation inside it',
      code: `
static void acme_done(struct acme_priv *p, dma_addr_t h, bool rx)
{
	dma_unmap_single(p->dev, h, p->len, DMA_FROM_DEVICE);
	if (rx) {
		void *va = phys_to_virt(h); /*!*/

		napi_gro_receive(&p->napi, build_skb(va, p->len));
	}
}
`,
    },
  ],
  [
    {
      name: 'translated before unmapping (the nicvf order)',
      code: `
void acme_free_rcv_buffer(struct acme_priv *p, u64 buf_addr)
{
	u64 phys_addr = iommu_iova_to_phys(p->domain, buf_addr);

	dma_unmap_page_attrs(&p->pdev->dev, buf_addr, RCV_FRAG_LEN, DMA_FROM_DEVICE, 0);
	if (phys_addr)
		put_page(virt_to_page(phys_to_virt(phys_addr)));
}
`,
    },
    {
      name: 'unmap and translation in different arms of an if',
      code: `
static void acme_done(struct acme_priv *p, dma_addr_t h, bool keep)
{
	if (keep)
		dma_unmap_single(p->dev, h, p->len, DMA_FROM_DEVICE);
	else
		acme_recycle(p, phys_to_virt(h));
}
`,
    },
    {
      name: 'the handle is refreshed between unmap and translation',
      code: `
static void acme_refill(struct acme_priv *p, struct acme_buf *b)
{
	dma_addr_t h = b->dma;

	dma_unmap_single(p->dev, h, p->len, DMA_FROM_DEVICE);
	h = dma_map_single(p->dev, b->va, p->len, DMA_FROM_DEVICE);
	acme_prefetch(phys_to_virt(h));
}
`,
    },
    {
      name: 'the handle is mapped again before pfn_to_page(PFN_DOWN(h))',
      code: `
static void acme_refill(struct acme_priv *p, struct acme_buf *b)
{
	dma_addr_t h = b->dma;

	dma_unmap_page(p->dev, h, PAGE_SIZE, DMA_FROM_DEVICE);
	h = dma_map_page(p->dev, b->page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	acme_note(pfn_to_page(PFN_DOWN(h)));
}
`,
    },
    {
      name: 'after dma_unmap_sg(): the CPU address kept in the scatterlist (sg_virt), or another list, or the list advanced',
      code: `
static void acme_done(struct device *dev, struct scatterlist *sg, struct scatterlist *other, int n, void *out)
{
	dma_unmap_sg(dev, sg, n, DMA_FROM_DEVICE);
	memcpy(out, sg_virt(sg), sg_dma_len(sg));
	acme_peek(phys_to_virt(sg_dma_address(other)));
	sg = sg_next(sg);
	acme_peek(phys_to_virt(sg_dma_address(sg)));
}
`,
    },
    {
      name: 'a different handle is translated',
      code: `
static void acme_swap(struct acme_priv *p, dma_addr_t old, dma_addr_t new)
{
	dma_unmap_single(p->dev, old, p->len, DMA_FROM_DEVICE);
	acme_prefetch(phys_to_virt(new));
}
`,
    },
    {
      name: 'the right way: the recorded page is freed after unmap',
      code: `
static void acme_free(struct acme_priv *p, struct acme_rx_buf *b)
{
	dma_unmap_page(p->dev, b->dma, PAGE_SIZE, DMA_FROM_DEVICE);
	put_page(b->page);
}
`,
    },
    {
      name: 'translation in a function that does not unmap',
      code: `
static void *acme_peek(dma_addr_t h)
{
	return phys_to_virt(h);
}

static void acme_unmap(struct device *dev, dma_addr_t h)
{
	dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
}
`,
    },
    {
      name: 'owner code (kernel/dma) may look at unmapped handles',
      code: { 'kernel/dma/debug-acme.c': `
static void acme_debug(struct device *dev, dma_addr_t h)
{
	dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
	pr_info("%p\\n", phys_to_virt(h));
	acme_check(phys_to_virt(h));
}
` },
    },
    {
      name: 'text in comments and strings',
      code: `
static void acme(struct device *dev, dma_addr_t h)
{
	dma_unmap_single(dev, h, 64, DMA_TO_DEVICE);
	/* never phys_to_virt(h) here: it was unmapped */
	pr_info("do not call phys_to_virt(h) after unmap\\n");
}
`,
    },
    {
      name: 'the translation is in the early-return arm before the unmap',
      code: `
static void acme_rx(struct acme_priv *p, dma_addr_t h, int err)
{
	if (err) {
		acme_dump(phys_to_virt(h));
		return;
	}
	dma_unmap_single(p->dev, h, p->len, DMA_FROM_DEVICE);
}
`,
    },
    {
      name: 'unmapped in an early-return branch, translated on the path that did not unmap',
      code: `
static void acme_rx(struct acme_priv *p, dma_addr_t h, int err)
{
	if (err) {
		dma_unmap_single(p->dev, h, p->len, DMA_FROM_DEVICE);
		return;
	}
	acme_dump(phys_to_virt(h));
}
`,
    },
    {
      name: 'switch cases: unmap in one case, translation in another',
      code: `
static void acme_event(struct acme_priv *p, dma_addr_t h, int ev)
{
	switch (ev) {
	case ACME_EV_DONE:
		dma_unmap_single(p->dev, h, p->len, DMA_FROM_DEVICE);
		break;
	case ACME_EV_PEEK:
		acme_dump(phys_to_virt(h));
		break;
	}
}
`,
    },
  ],
);
