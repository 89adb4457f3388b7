// SPDX-License-Identifier: MIT
// linear-map-assumption (concern c): linear-map conversions on memory that
// need not be in the linear map.
import { ruleTable } from '../testing/table';
import { OWNED_DOMAIN_FW_LOAD } from '../testing/snippets';

ruleTable(
  'linear-map-assumption',
  [
    {
      name: 'virt_to_page(phys_to_virt()) of an address rebuilt through the nicvf helper',
      code: {
        'drivers/net/ethernet/cavium/thunder/nicvf_queues.h': `
static inline u64 nicvf_iova_to_phys(struct nicvf *nic, dma_addr_t dma_addr)
{
	if (nic->iommu_domain)
		return iommu_iova_to_phys(nic->iommu_domain, dma_addr);
	return dma_addr;
}
`,
        'drivers/net/ethernet/cavium/thunder/nicvf_queues.c': `
void nicvf_free_rcv_buffer(struct nicvf *nic, u64 buf_addr)
{
	u64 phys_addr = nicvf_iova_to_phys(nic, buf_addr);

	if (phys_addr)
		put_page(virt_to_page(phys_to_virt(phys_addr))); /*!*/
}
`,
      },
      concerns: ['a', 'b', 'c'],
      chain: ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'],
    },
    {
      name: 'two conversions of the same rebuilt address are one finding',
      code: `
static struct page *acme_rx_page(struct acme_priv *p, dma_addr_t iova, unsigned int *offset)
{
	phys_addr_t pa = iommu_iova_to_phys(p->domain, iova);
	struct page *page;

	if (!pa)
		return NULL;
	page = virt_to_page(phys_to_virt(pa)); /*!*/
	*offset = phys_to_virt(pa) - page_address(page);
	return page;
}
`,
    },
    {
      name: 'virt_to_page() of dma_alloc_coherent() memory handed to sg_set_page()',
      code: `
static int acme_spi_dma_init(struct acme_spi *dma, struct device *dev)
{
	dma->rx_buf_virt = dma_alloc_coherent(dev, PAGE_SIZE, &dma->rx_buf_dma, GFP_KERNEL);
	if (!dma->rx_buf_virt)
		return -ENOMEM;
	return 0;
}

static void acme_spi_handle_dma(struct acme_spi *dma, struct scatterlist *sg, int size)
{
	sg_set_page(sg, virt_to_page(dma->rx_buf_virt), size, 0); /*!*/
}
`,
      chain: ['coherent-va', 'virt-to-page'],
    },
    {
      name: 'coherent memory aligned by PTR_ALIGN(), ALIGN() or an offset is still coherent memory',
      code: `
struct acme_state { struct device *dev; void *cmds; void *raw; dma_addr_t raw_dma; };

static int acme_a1(struct acme_state *ms, size_t sz)
{
	ms->raw = dma_alloc_coherent(ms->dev, sz + 15, &ms->raw_dma, GFP_KERNEL);
	ms->cmds = PTR_ALIGN(ms->raw, 16);
	return virt_to_page(ms->cmds) != NULL; /*!*/
}

static void *acme_a2(struct device *dev, size_t sz, dma_addr_t *h)
{
	void *raw = dma_alloc_coherent(dev, sz + 15, h, GFP_KERNEL);
	void *p = (void *)ALIGN((unsigned long)raw, 16);

	return page_address(virt_to_page(p + 16)); /*!*/
}
`,
      chain: ['coherent-va', 'virt-to-page'],
    },
    {
      name: 'sg_set_buf()/sg_init_one() of coherent memory the function allocates: they take virt_to_page() of the buffer (intel_th msu.c:1011, libsrp.c:228)',
      code: `
struct acme_buf { void *va; dma_addr_t dma; };

static int acme_alloc_window(struct device *dev, struct sg_table *sgt, int n)
{
	struct scatterlist *sg_ptr;
	void *block;
	int i;

	for_each_sg(sgt->sgl, sg_ptr, n, i) {
		block = dma_alloc_coherent(dev, PAGE_SIZE, &sg_dma_address(sg_ptr), GFP_KERNEL);
		if (!block)
			return -ENOMEM;
		sg_set_buf(sg_ptr, block, PAGE_SIZE); /*!*/
	}
	return n;
}

static int acme_indirect(struct device *dev, struct scatterlist *dummy, size_t len)
{
	dma_addr_t token;
	void *md = dma_alloc_coherent(dev, len, &token, GFP_KERNEL);

	if (!md)
		return -ENOMEM;
	sg_init_one(dummy, md, len); /*!*/
	sg_dma_address(dummy) = token;
	return 0;
}
`,
      chain: ['coherent-va', 'virt-to-page'],
    },
    {
      name: 'an allocation kept in a local, then in a field: the field holds what the local got (ntb_transport.c ntb_alloc_mw_buffer())',
      code: `
struct acme_mw { void *virt_addr; dma_addr_t dma_addr; size_t size; };

static int acme_alloc_mw(struct device *dev, struct acme_mw *mw)
{
	dma_addr_t dma_addr;
	void *virt_addr;

	virt_addr = dma_alloc_attrs(dev, mw->size, &dma_addr, GFP_KERNEL, DMA_ATTR_FORCE_CONTIGUOUS);
	if (!virt_addr)
		return -ENOMEM;
	mw->virt_addr = virt_addr;
	mw->dma_addr = dma_addr;
	return 0;
}

static dma_addr_t acme_rx_map(struct device *dma_dev, struct acme_mw *mw, size_t len)
{
	return dma_map_page(dma_dev, virt_to_page(mw->virt_addr), 0, len, DMA_TO_DEVICE); /*!*/
}
`,
      chain: ['coherent-va', 'virt-to-page'],
    },
    {
      name: 'a local given another local or an aligned one, and a field given another field plus an offset (ntb_transport.c: virt_addr = PTR_ALIGN(alloc_addr, align); qp->rx_buff = mw->virt_addr + rx_size * n)',
      code: `
struct acme_mw { void *alloc_addr; void *virt_addr; size_t alloc_size; };
struct acme_qp { void *rx_buff; unsigned int rx_max_frame, rx_index; };

static int acme_alloc_mw(struct device *dev, struct acme_mw *mw, size_t align)
{
	void *alloc_addr, *virt_addr;
	dma_addr_t dma_addr;

	alloc_addr = dma_alloc_attrs(dev, mw->alloc_size, &dma_addr, GFP_KERNEL, DMA_ATTR_FORCE_CONTIGUOUS);
	if (!alloc_addr)
		return -ENOMEM;
	virt_addr = alloc_addr;
	if (!IS_ALIGNED(dma_addr, align))
		virt_addr = PTR_ALIGN(alloc_addr, align);
	mw->alloc_addr = alloc_addr;
	mw->virt_addr = virt_addr;
	return 0;
}

static void acme_qp_init(struct acme_qp *qp, struct acme_mw *mw, unsigned int rx_size, unsigned int n)
{
	qp->rx_buff = (void *)(mw->virt_addr + rx_size * n);
}

static dma_addr_t acme_rx_map(struct device *dma_dev, struct acme_qp *qp, size_t len)
{
	void *offset = qp->rx_buff + qp->rx_max_frame * qp->rx_index;

	return dma_map_page(dma_dev, virt_to_page(offset), 0, len, DMA_TO_DEVICE); /*!*/
}
`,
      chain: ['coherent-va', 'virt-to-page'],
    },
    {
      name: 'virt_to_phys() of coherent memory reported to user space',
      code: `
static int acme_alloc_ucontext(struct acme_ctx *ctx, struct device *dev, struct acme_uresp *resp)
{
	ctx->tbl.va = dma_alloc_coherent(dev, ctx->tbl.len, &ctx->tbl.pa, GFP_KERNEL);
	if (!ctx->tbl.va)
		return -ENOMEM;
	resp->tbl_page = virt_to_phys(ctx->tbl.va); /*!*/
	return 0;
}
`,
    },
    {
      name: 'remap_pfn_range(virt_to_phys(vmalloc()))',
      code: `
static int acme_mmap(struct file *f, struct vm_area_struct *vma)
{
	void *buf = vmalloc_user(ACME_BUF_SIZE);

	return remap_pfn_range(vma, vma->vm_start, virt_to_phys(buf) >> PAGE_SHIFT, /*!*/
			       ACME_BUF_SIZE, vma->vm_page_prot);
}
`,
      chain: ['vmalloc-va', 'virt-to-phys'],
    },
    {
      name: 'virt_to_page() of ioremap() memory',
      code: `
static void acme_fb_reserve(struct acme_fb *fb, resource_size_t base, size_t size)
{
	void __iomem *va = ioremap(base, size);

	SetPageReserved(virt_to_page(va)); /*!*/
}
`,
    },
    {
      name: 'phys_to_virt() of a raw DMA handle: one finding, its chain on to put_page()',
      code: `
static void acme_free_rx(dma_addr_t dma)
{
	put_page(virt_to_page(phys_to_virt(dma))); /*!*/
}
`,
      chain: ['dma-handle', 'phys-to-virt', 'virt-to-page', 'put-page'],
    },
    {
      name: 'virt_to_phys() of registers mapped by the ioremap family (of_iomap, devm_platform_get_and_ioremap_resource, pci_ioremap_bar; udc-xilinx.c)',
      code: `
static int acme_udc_probe(struct platform_device *pdev, struct acme_udc *udc)
{
	udc->addr = devm_platform_get_and_ioremap_resource(pdev, 0, NULL);
	return 0;
}

static void acme_udc_dma_send(struct acme_udc *udc, struct acme_ep *ep)
{
	u32 *eprambase = (u32 __force *)(udc->addr + ep->rambase);
	dma_addr_t dst = virt_to_phys(eprambase); /*!*/

	acme_dma_start(udc, dst);
}

static phys_addr_t acme_of_regs(struct device_node *np)
{
	void __iomem *regs = of_iomap(np, 0);

	return virt_to_phys(regs); /*!*/
}

static phys_addr_t acme_bar(struct pci_dev *pdev)
{
	void __iomem *bar = pci_ioremap_bar(pdev, 0);

	return __pa(bar); /*!*/
}
`,
    },
    {
      name: 'virt_addr_valid() of dma_pool memory',
      code: `
static void acme_free(struct acme_dev *d)
{
	void *v = dma_pool_alloc(d->pool, GFP_KERNEL, &d->v_dma);

	if (v && virt_addr_valid(v)) /*!*/
		kfree(v);
}
`,
    },
    {
      name: 'phys_to_virt() of a raw DMA handle from the completion',
      code: `
static void acme_clean_tx(struct acme_priv *priv, const struct qm_fd *fd)
{
	dma_addr_t addr = qm_fd_addr(fd);
	void *vaddr = phys_to_virt(addr); /*!*/

	skb_free_frag(vaddr);
}
`,
      concerns: ['b', 'c'],
    },
    {
      name: 'the caam helper: a rebuilt address returned through phys_to_virt()',
      code: `
static void *caam_iova_to_virt(struct iommu_domain *domain, dma_addr_t iova_addr)
{
	phys_addr_t phys_addr;

	phys_addr = domain ? iommu_iova_to_phys(domain, iova_addr) : iova_addr;

	return phys_to_virt(phys_addr); /*!*/
}
`,
      concerns: ['a', 'b', 'c'],
    },
    {
      name: 'a coherent buffer added to a gen_pool by virt_to_phys()',
      code: `
static int acme_create_genpool(struct acme_info *cfv, struct device *dev)
{
	cfv->alloc_addr = dma_alloc_coherent(dev, cfv->allocsz, &cfv->alloc_dma, GFP_KERNEL);
	return gen_pool_add_virt(cfv->genpool, (unsigned long)cfv->alloc_addr,
				 (phys_addr_t)virt_to_phys(cfv->alloc_addr), /*!*/
				 cfv->allocsz, -1);
}
`,
    },
    {
      name: 'virt_to_page() right under is_vmalloc_addr(): the guard is the wrong way round',
      code: `
static struct page *acme_buf_page(struct acme_priv *p)
{
	void *buf = vmalloc(SZ_64K);

	if (is_vmalloc_addr(buf))
		return virt_to_page(buf); /*!*/
	return NULL;
}
`,
    },
    {
      name: 'the is_vmalloc_addr() test kept in a local: its vmalloc branch is still the wrong one, and a reassigned local no guard',
      code: `
static struct page *acme_buf_page(size_t len)
{
	void *buf = kvmalloc(len, GFP_KERNEL);
	bool vm = is_vmalloc_addr(buf);

	if (vm)
		return virt_to_page(buf); /*!*/
	return NULL;
}

static struct page *acme_other_page(size_t len)
{
	void *buf = kvmalloc(len, GFP_KERNEL);
	bool vm = is_vmalloc_addr(buf);

	vm = len > PAGE_SIZE;
	if (!vm)
		return virt_to_page(buf); /*!*/
	return NULL;
}

struct acme { bool vmalloc; void *other; };

static struct page *acme_member_page(struct acme *p, size_t len)
{
	void *buf = kvmalloc(len, GFP_KERNEL);
	bool vmalloc = is_vmalloc_addr(p->other);

	if (!p->vmalloc) /* the member, not the local */
		return virt_to_page(buf); /*!*/
	return NULL;
}

static struct page *acme_inner_page(size_t len, void *other, int x)
{
	void *buf = kvmalloc(len, GFP_KERNEL);
	bool vm = len > 4096;

	if (x) {
		bool vm = is_vmalloc_addr(other); /* another vm, gone at the brace */
		pr_info("%d\n", vm);
	}
	if (!vm)
		return virt_to_page(buf); /*!*/
	return NULL;
}
`,
    },
    {
      name: 'a field given the result of the driver\'s own allocation wrapper (return dma_alloc_coherent(…), or a local given one) holds that memory',
      code: `
struct acme_priv { struct device *dev; void *ring; dma_addr_t ring_dma; void *tbl; };

static void *acme_ring_alloc(struct acme_priv *p, size_t size)
{
	return dma_alloc_coherent(p->dev, size, &p->ring_dma, GFP_KERNEL);
}

static void *acme_tbl_alloc(size_t size)
{
	void *t = vzalloc(size);

	if (!t)
		return NULL;
	return t;
}

static int acme_init(struct acme_priv *p)
{
	p->ring = acme_ring_alloc(p, 4096);
	p->tbl = acme_tbl_alloc(8192);
	return p->ring && p->tbl ? 0 : -ENOMEM;
}

static int acme_mmap(struct acme_priv *p, struct vm_area_struct *vma)
{
	return remap_pfn_range(vma, vma->vm_start, virt_to_phys(p->ring) >> PAGE_SHIFT, 4096, vma->vm_page_prot); /*!*/
}

static struct page *acme_tbl_page(struct acme_priv *p)
{
	return virt_to_page(p->tbl); /*!*/
}
`,
    },
  ],
  [
    {
      name: 'virt_addr_valid() telling vmalloc memory from kmalloc memory',
      code: `
static struct page *acme_buf_page(size_t len, bool big)
{
	void *p = big ? vmalloc(len) : kmalloc(len, GFP_KERNEL);

	if (!virt_addr_valid(p))
		return vmalloc_to_page(p);
	return virt_to_page(p);
}
`,
    },
    {
      name: 'a field given another field whose assignments disagree (vmalloc() in one place, kmalloc() in another), and a local given a kmalloc() local',
      code: `
struct acme_ring { void *base; void *cur; void *bounce; };

static void acme_ring_alloc(struct acme_ring *r, size_t len, bool big)
{
	if (big)
		r->base = vmalloc(len);
	else
		r->base = kmalloc(len, GFP_KERNEL);
	r->cur = r->base + 64;
}

static void acme_bounce_alloc(struct acme_ring *r, size_t len)
{
	void *p, *q;

	p = kmalloc(len, GFP_KERNEL);
	q = p;
	q = q + 16;
	r->bounce = q;
}

static struct page *acme_pages(struct acme_ring *r)
{
	get_page(virt_to_page(r->bounce));
	return virt_to_page(r->cur);
}
`,
    },
    {
      name: 'fields given each other (a cycle says nothing)',
      code: `
struct acme_a { void *x; };
struct acme_b { void *y; };

static void acme_swap(struct acme_a *a, struct acme_b *b)
{
	a->x = b->y + 8;
	b->y = a->x;
}

static struct page *acme_page(struct acme_a *a)
{
	return virt_to_page(a->x);
}
`,
    },
    {
      name: 'a driver translating in a domain it allocated and mapped itself (SPEC silence list)',
      code: OWNED_DOMAIN_FW_LOAD,
    },
    {
      name: 'the is_vmalloc_addr() test kept in a bool local (net/ceph, block/blk-map.c, xfs): its else is the linear branch',
      code: `
static struct page *acme_buf_page(size_t len, size_t off)
{
	void *buf = kvmalloc(len, GFP_KERNEL);
	const bool is_vmalloc = is_vmalloc_addr(buf);
	struct page *page;

	if (is_vmalloc)
		page = vmalloc_to_page(buf + off);
	else
		page = virt_to_page(buf + off);
	if (!is_vmalloc)
		get_page(virt_to_page(buf));
	return is_vmalloc ? vmalloc_to_page(buf) : virt_to_page(buf);
}

static struct page *acme_shadowed(size_t len, int x)
{
	void *buf = kvmalloc(len, GFP_KERNEL);
	bool vm = is_vmalloc_addr(buf);

	if (x) {
		bool vm = false; /* an inner vm: the outer one still holds the test */
		pr_info("%d\n", vm);
	}
	if (vm)
		return vmalloc_to_page(buf);
	return virt_to_page(buf);
}
`,
    },
    {
      name: 'is_vmalloc_addr() in a ternary picks the conversion (the rule doc\'s own Right example)',
      code: `
static struct page *acme_buf_page(size_t sz)
{
	void *p = kvmalloc(sz, GFP_KERNEL);
	struct page *page;

	page = is_vmalloc_addr(p) ? vmalloc_to_page(p) : virt_to_page(p);
	return page;
}
`,
    },
    {
      name: 'a negated is_vmalloc_addr() guard: virt_to_page() in its branch',
      code: `
static struct page *acme_buf_page(void *buf)
{
	void *v = kvmalloc(SZ_1M, GFP_KERNEL);

	if (!is_vmalloc_addr(v))
		return virt_to_page(v);
	return vmalloc_to_page(v);
}
`,
    },
    {
      name: 'is_vmalloc_addr() guard with an early return: what follows is the linear case',
      code: `
static struct page *acme_buf_page(void *buf)
{
	void *v = kvmalloc(SZ_1M, GFP_KERNEL);

	if (is_vmalloc_addr(v))
		return vmalloc_to_page(v);
	return virt_to_page(v);
}
`,
    },
    {
      name: 'is_vmalloc_addr() guard, the linear case in the else branch',
      code: `
static struct page *acme_buf_page(void *buf)
{
	void *v = kvmalloc(SZ_1M, GFP_KERNEL);

	if (is_vmalloc_addr(v))
		return vmalloc_to_page(v);
	else
		return virt_to_page(v);
}
`,
    },
    {
      name: 'virt_to_phys() of kmalloc memory recorded at allocation and turned back later',
      code: `
static int acme_ring_alloc(struct acme_ring *r)
{
	r->va = kzalloc(r->size, GFP_KERNEL);
	if (!r->va)
		return -ENOMEM;
	r->pa = virt_to_phys(r->va);
	return 0;
}

static void *acme_ring_entry(struct acme_ring *r, unsigned int i)
{
	return phys_to_virt(r->pa + i * r->stride);
}
`,
    },
    {
      name: 'an offset-based *_to_virt helper from a recorded ring base',
      code: `
struct acme_ring { void *base; dma_addr_t base_dma; };

static inline void *acme_dma_to_virt(struct acme_ring *r, dma_addr_t dma)
{
	return r->base + (dma - r->base_dma);
}

static void acme_complete(struct acme_ring *r, dma_addr_t dma)
{
	struct acme_desc *d = acme_dma_to_virt(r, dma);

	d->status = 0;
}
`,
    },
    {
      name: 'sg_set_buf()/sg_init_one() of kmalloc() memory, a static buffer, a buffer of unknown origin — and, by design, of a coherent field allocated in another function (crypto and network code calls them in hundreds of functions)',
      code: `
struct acme_buf { void *va; dma_addr_t dma; };

static int acme_alloc(struct device *dev, struct acme_buf *b)
{
	b->va = dma_alloc_coherent(dev, 4096, &b->dma, GFP_KERNEL);
	return b->va ? 0 : -ENOMEM;
}

static void acme_queue(struct scatterlist *sg, struct acme_buf *b)
{
	sg_init_one(sg, b->va, 4096);
}

static u8 acme_static[64];

static int acme_prep(struct device *dev, struct scatterlist *sg, void *unknown)
{
	void *buf = kmalloc(256, GFP_KERNEL);
	dma_addr_t h = dma_map_single(dev, buf, 256, DMA_TO_DEVICE);

	sg_set_buf(sg, buf, 256);
	sg_init_one(sg + 1, acme_static, sizeof(acme_static));
	sg_set_buf(sg + 2, unknown, 16);
	return dma_mapping_error(dev, h);
}
`,
    },
    {
      name: 'a local given kmalloc() on one path and dma_alloc_coherent() on another, then kept in a field: its kind depends on the path',
      code: `
struct acme_buf { void *va; dma_addr_t dma; };

static int acme_alloc(struct device *dev, struct acme_buf *b, bool coherent)
{
	void *va;

	if (coherent)
		va = dma_alloc_coherent(dev, 4096, &b->dma, GFP_KERNEL);
	else
		va = kmalloc(4096, GFP_KERNEL);
	b->va = va;
	return va ? 0 : -ENOMEM;
}

static struct page *acme_page(struct acme_buf *b)
{
	return virt_to_page(b->va);
}
`,
    },
    {
      name: 'the page allocator: __get_free_pages() then virt_to_page()',
      code: `
static int acme_alloc_table(struct acme_dev *d)
{
	unsigned long va = __get_free_pages(GFP_KERNEL, 1);

	d->table_page = virt_to_page((void *)va);
	return 0;
}
`,
    },
    {
      name: 'the if-arm that allocated from the page allocator (the other arm used ioremap)',
      code: `
static int acme_fb_probe(struct acme_fb *fb, unsigned long base, unsigned long size)
{
	unsigned long virtual_start, page;

	if (base) {
		virtual_start = (unsigned long)ioremap(base, size);
	} else {
		virtual_start = (unsigned long)__get_free_pages(GFP_DMA, get_order(size));
		for (page = virtual_start; page < PAGE_ALIGN(virtual_start + size); page += PAGE_SIZE)
			SetPageReserved(virt_to_page(page));
	}
	return 0;
}
`,
    },
    {
      name: 'a field filled from kmalloc() in one place and memremap() in another says nothing',
      code: `
static int acme_synic_alloc(struct acme_cpu *c)
{
	c->msg_page = (void *)get_zeroed_page(GFP_ATOMIC);
	return 0;
}

static void acme_synic_enable(struct acme_cpu *c, u64 base)
{
	if (acme_root_partition) {
		c->msg_page = memremap(base, PAGE_SIZE, MEMREMAP_WB);
	} else {
		acme_hv_set_gpa(virt_to_phys(c->msg_page));
	}
}
`,
    },
    {
      name: 'dma_mmap_coherent() instead of remap_pfn_range(virt_to_phys())',
      code: `
static int acme_mmap(struct acme_dev *d, struct vm_area_struct *vma)
{
	d->va = dma_alloc_coherent(d->dev, d->size, &d->dma, GFP_KERNEL);
	return dma_mmap_coherent(d->dev, vma, d->va, d->dma, d->size);
}
`,
    },
    {
      name: 'a debug print of virt_to_phys() of coherent memory',
      code: `
static void acme_dump(struct acme_q *q, struct device *dev)
{
	q->queue = dma_alloc_coherent(dev, q->size, &q->dma_addr, GFP_KERNEL);
	pr_debug("queue va %p pa 0x%llx\\n", q->queue, (unsigned long long)virt_to_phys(q->queue));
}
`,
    },
    {
      name: 'the same code under drivers/iommu is silent',
      code: { 'drivers/iommu/acme-iommu.c': `
static void *acme_iommu_table(struct acme_iommu *i)
{
	i->va = dma_alloc_coherent(i->dev, SZ_4K, &i->dma, GFP_KERNEL);
	return virt_to_page(i->va);
}
` },
    },
    {
      name: 'dma_alloc_noncoherent() memory is in the linear map',
      code: `
static struct page *acme_nc_page(struct acme_obj *o)
{
	void *vaddr = dma_alloc_noncoherent(o->dev, o->size, &o->dma, DMA_BIDIRECTIONAL, GFP_KERNEL);

	return virt_to_page(vaddr);
}
`,
    },
  ],
);
