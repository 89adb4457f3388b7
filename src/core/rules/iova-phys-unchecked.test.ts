// SPDX-License-Identifier: MIT
// iova-phys-unchecked (concern zero): an iommu_iova_to_phys() result used
// without a test for 0, and NULL tests on phys_to_virt() that cannot fire.
import { ruleTable } from '../testing/table';

const OTX2_H = `
static inline u64 otx2_iova_to_phys(void *iommu_domain, dma_addr_t dma_addr)
{
	/* Translation is installed only when IOMMU is present */
	if (likely(iommu_domain))
		return iommu_iova_to_phys(iommu_domain, dma_addr);
	return dma_addr;
}
`;

ruleTable(
  'iova-phys-unchecked',
  [
    {
      name: 'through four levels of wrappers (the summary of each is learned in turn)',
      code: `
static u64 acme_h0(struct iommu_domain *d, dma_addr_t x)
{
	if (!d)
		return x;
	return iommu_iova_to_phys(d, x);
}
static u64 acme_h1(struct iommu_domain *d, dma_addr_t x) { return acme_h0(d, x); }
static u64 acme_h2(struct iommu_domain *d, dma_addr_t x) { return acme_h1(d, x); }
static u64 acme_h3(struct iommu_domain *d, dma_addr_t x) { return acme_h2(d, x); }
static void acme_free(struct iommu_domain *d, dma_addr_t x)
{
	put_page(virt_to_page(phys_to_virt(acme_h3(d, x)))); /*!*/
}
`,
    },
    {
      name: 'the lookup feeds phys_to_virt() directly',
      code: `
static void *acme_va(struct iommu_domain *d, dma_addr_t iova)
{
	return phys_to_virt(iommu_iova_to_phys(d, iova)); /*!*/
}
`,
      concerns: ['zero', 'a', 'c'],
      chain: ['dma-handle', 'iova-to-phys', 'phys-to-virt'],
    },
    {
      name: 'a helper result (otx2_iova_to_phys) used without a test, in the caller',
      code: {
        'drivers/net/ethernet/marvell/octeontx2/nic/otx2_txrx.h': OTX2_H,
        'drivers/net/ethernet/marvell/octeontx2/nic/otx2_common.c': `
static void otx2_free_bufs(struct otx2_nic *pfvf, struct otx2_pool *pool, u64 iova, int size)
{
	struct page *page;
	u64 pa;

	pa = otx2_iova_to_phys(pfvf->iommu_domain, iova); /*!*/
	page = virt_to_head_page(phys_to_virt(pa));
	put_page(page);
}
`,
      },
      chain: ['dma-handle', 'iova-to-phys', 'phys-to-virt', 'virt-to-page', 'put-page'],
    },
    {
      name: 'a local variable used without a test',
      code: `
static void acme_free(struct acme_priv *p, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(p->domain, iova); /*!*/

	put_page(virt_to_page(phys_to_virt(pa)));
}
`,
    },
    {
      name: 'a NULL test on phys_to_virt() that can never fire',
      code: `
static void acme_bufs_free(struct acme_pool *pool, u32 phys)
{
	u32 *vaddr;

	vaddr = phys_to_virt(phys);
	if (!vaddr) /*!*/
		return;
	kfree(vaddr);
}
`,
    },
    {
      name: 'IS_ERR_OR_NULL() / ZERO_OR_NULL_PTR() of phys_to_virt()\'s result: as pointless as !va',
      code: `
static void *acme_fw_va(phys_addr_t pa)
{
	void *va = phys_to_virt(pa);

	if (IS_ERR_OR_NULL(va)) /*!*/
		return NULL;
	if (ZERO_OR_NULL_PTR(va)) /*!*/
		return NULL;
	if (unlikely(IS_ERR_OR_NULL(va))) /*!*/
		return NULL;
	if (WARN_ON(IS_ERR_OR_NULL(va))) /*!*/
		return NULL;
	return va;
}
`,
    },
    {
      name: 'a NULL test on the result of a *_iova_to_virt() helper',
      code: `
static void *caam_iova_to_virt(struct iommu_domain *domain, dma_addr_t iova_addr)
{
	phys_addr_t phys_addr;

	phys_addr = domain ? iommu_iova_to_phys(domain, iova_addr) : iova_addr; /*!*/
	return phys_to_virt(phys_addr);
}

static void caam_rsp_cb(struct caam_priv *priv, const struct qm_fd *fd)
{
	struct caam_drv_req *drv_req;

	drv_req = caam_iova_to_virt(priv->domain, qm_fd_addr_get64(fd));
	if (unlikely(!drv_req)) { /*!*/
		pr_err("Can't find original request for caam response\\n");
		return;
	}
	drv_req->cbk(drv_req, 0);
}
`,
    },
    {
      name: 'used in build_skb() after a branch that did not test it',
      code: `
static struct sk_buff *acme_rx(struct acme_priv *p, dma_addr_t a, int len)
{
	phys_addr_t pa;

	pa = iommu_iova_to_phys(p->domain, a); /*!*/
	if (len > 128)
		len = 128;
	return build_skb(phys_to_virt(pa), len);
}
`,
    },
    {
      name: 'switched on, but no case for 0: the default arm uses it',
      code: `
static void *acme_va(struct iommu_domain *d, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova); /*!*/

	switch (pa & 0xfff) {
	case 0x800:
		return NULL;
	default:
		return phys_to_virt(pa);
	}
}
`,
    },
    {
      name: 'tested, but the branch for 0 only complains and falls through to the use',
      code: `
static void *acme_va(struct acme_priv *p, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(p->dom, iova); /*!*/

	if (!pa)
		dev_err(p->dev, "no mapping for %pad\\n", &iova);
	return phys_to_virt(pa);
}

static void acme_put(struct iommu_domain *d, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova); /*!*/

	WARN_ON_ONCE(!pa);
	put_page(virt_to_page(phys_to_virt(pa)));
}

static void acme_sync(struct iommu_domain *d, dma_addr_t iova, int len)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova); /*!*/

	if (pa)
		acme_count(pa);
	memset(phys_to_virt(pa), 0, len);
}

static void *acme_va2(struct iommu_domain *d, dma_addr_t iova, int strict)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova); /*!*/

	if (!pa && strict)
		return NULL;
	return phys_to_virt(pa);
}

static void acme_sync2(struct iommu_domain *d, dma_addr_t iova, int len)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova); /*!*/

	if (pa > 0)
		acme_count(pa);
	memset(phys_to_virt(pa), 0, len);
}
`,
    },
    {
      name: 'pfn_to_page() of an unchecked lookup',
      code: `
static struct page *acme_page(struct iommu_domain *d, dma_addr_t a)
{
	return pfn_to_page(PHYS_PFN(iommu_iova_to_phys(d, a))); /*!*/
}
`,
    },
    {
      name: 'a macro doing phys_to_virt() of the lookup',
      code: `
#define ACME_VA(d, a)	phys_to_virt(iommu_iova_to_phys(d, a)) /*!*/
`,
    },
    {
      name: 'a lookup stored in a struct field and used unchecked',
      code: `
static void acme_track(struct acme_buf *b, struct iommu_domain *d)
{
	b->pa = iommu_iova_to_phys(d, b->iova); /*!*/
	memcpy(b->shadow, phys_to_virt(b->pa), b->len);
}
`,
    },
    {
      name: 'a NULL test on a pointer that was NULL once but is always converted before the test',
      code: `
static int acme_rx(struct acme_priv *p, u64 pa)
{
	void *va = NULL;

	acme_prepare(p);
	va = phys_to_virt(pa);
	if (!va) /*!*/
		return -EINVAL;
	return 0;
}
`,
    },
    {
      name: 'a helper that tests its lookup but returns 0 for a failed one: the caller uses the 0 untested',
      code: `
static u64 acme_iova_to_phys(struct acme_priv *p, dma_addr_t iova)
{
	u64 pa = iommu_iova_to_phys(p->domain, iova);

	if (!pa) {
		netdev_warn(p->ndev, "bad iova\\n");
		return 0;
	}
	return pa;
}

static void acme_free(struct acme_priv *p, dma_addr_t iova)
{
	put_page(virt_to_page(phys_to_virt(acme_iova_to_phys(p, iova)))); /*!*/
}
`,
    },
    {
      name: 'a NULL test written as == NULL',
      code: `
static int acme_get(struct acme_dev *d, u64 pa)
{
	void *va = phys_to_virt(pa);

	if (va == NULL) /*!*/
		return -EINVAL;
	return acme_use(va);
}
`,
    },
  ],
  [
    {
      name: 'a NULL test on a helper that returns NULL on another path (if (!pa) return NULL; return phys_to_virt(pa);)',
      code: `
static void *acme_va(phys_addr_t pa)
{
	if (!pa)
		return NULL;
	return phys_to_virt(pa);
}

static int acme_use(void *buf)
{
	void *va = acme_va(virt_to_phys(buf));

	if (!va)
		return -ENOMEM;
	return 0;
}
`,
    },
    {
      name: 'the result is tested for 0 before use',
      code: `
static void *acme_va(struct iommu_domain *d, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova);

	if (!pa)
		return NULL;
	return phys_to_virt(pa);
}
`,
    },
    {
      name: 'tested in a WARN_ON()',
      code: `
static void acme_put(struct iommu_domain *d, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova);

	if (WARN_ON(!pa))
		return;
	put_page(virt_to_page(phys_to_virt(pa)));
}
`,
    },
    {
      name: 'tested in every shape that leaves the use on the non-zero path: WARN_ON() with continue, == 0 with goto, a disjunction, an else, BUG_ON(), a reassignment',
      code: `
static int acme_unpin(struct iommu_domain *d, dma_addr_t iova, dma_addr_t end, struct acme_priv *p)
{
	phys_addr_t phys, pa2, pa3, pa4, pa5, pa6;

	while (iova < end) {
		phys = iommu_iova_to_phys(d, iova);
		if (WARN_ON(!phys)) {
			iova += PAGE_SIZE;
			continue;
		}
		put_page(pfn_to_page(phys >> PAGE_SHIFT));
		iova += PAGE_SIZE;
	}
	pa2 = iommu_iova_to_phys(d, end);
	if (pa2 == 0)
		goto err;
	put_page(virt_to_page(phys_to_virt(pa2)));
	pa3 = iommu_iova_to_phys(d, end + 1);
	if (unlikely(!p || !pa3))
		return -EINVAL;
	acme_use(phys_to_virt(pa3));
	pa4 = iommu_iova_to_phys(d, end + 2);
	if (!pa4)
		dev_err(p->dev, "unmapped\\n");
	else
		acme_use(phys_to_virt(pa4));
	pa5 = iommu_iova_to_phys(d, end + 3);
	BUG_ON(!pa5);
	acme_use(phys_to_virt(pa5));
	pa6 = iommu_iova_to_phys(d, end + 4);
	if (!pa6)
		pa6 = p->fallback_phys;
	acme_use(phys_to_virt(pa6));
	return 0;
err:
	return -EFAULT;
}
`,
    },
    {
      name: 'tested with if (phys) around the use',
      code: `
void acme_free_rcv_buffer(struct acme_priv *p, u64 buf_addr)
{
	u64 phys_addr = iommu_iova_to_phys(p->domain, buf_addr);

	if (phys_addr)
		put_page(virt_to_page(phys_to_virt(phys_addr)));
}
`,
    },
    {
      name: 'tested as an order against 0: > 0 around the use, <= 0 before a return',
      code: `
void acme_free_rcv_buffer(struct acme_priv *p, u64 buf_addr)
{
	u64 phys_addr = iommu_iova_to_phys(p->domain, buf_addr);

	if (phys_addr > 0)
		put_page(virt_to_page(phys_to_virt(phys_addr)));
}

static void *acme_va(struct iommu_domain *d, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova);

	if (pa <= 0)
		return NULL;
	return phys_to_virt(pa);
}
`,
    },
    {
      name: 'tested in a switch with a case for 0 (case 0, case 0UL)',
      code: `
static void *acme_va(struct iommu_domain *d, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova);

	switch (pa) {
	case 0:
		return NULL;
	default:
		return phys_to_virt(pa);
	}
}

static struct page *acme_page(struct iommu_domain *d, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova);

	switch (pa) {
	case 0UL:
		pr_warn("acme: %pad not mapped\\n", &iova);
		break;
	default:
		return virt_to_page(phys_to_virt(pa));
	}
	return NULL;
}
`,
    },
    {
      name: 'tested in a ternary',
      code: `
static void *acme_va(struct iommu_domain *d, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova);

	return pa ? phys_to_virt(pa) : NULL;
}
`,
    },
    {
      name: 'only compared and printed',
      code: `
static bool acme_check(struct iommu_domain *d, dma_addr_t iova, phys_addr_t want)
{
	phys_addr_t pa = iommu_iova_to_phys(d, iova);

	dev_info(acme_dev, "%pad -> %pa\\n", &iova, &pa);
	return pa == want;
}
`,
    },
    {
      name: 'a NULL test on a kmalloc() pointer, not on phys_to_virt()',
      code: `
static int acme_alloc(struct acme_dev *d)
{
	void *va = kmalloc(64, GFP_KERNEL);

	if (!va)
		return -ENOMEM;
	d->pa = virt_to_phys(va);
	return 0;
}
`,
    },
    {
      name: 'owner code: drivers/iommu',
      code: { 'drivers/iommu/acme.c': `
static void *acme_walk(struct iommu_domain *d, dma_addr_t iova)
{
	return phys_to_virt(iommu_iova_to_phys(d, iova));
}
` },
    },
    {
      name: 'a helper whose callers test its result',
      code: {
        'drivers/net/ethernet/marvell/octeontx2/nic/otx2_txrx.h': OTX2_H,
        'drivers/net/ethernet/marvell/octeontx2/nic/otx2_txrx.c': `
static void otx2_rcv(struct otx2_nic *pfvf, u64 iova)
{
	u64 pa = otx2_iova_to_phys(pfvf->iommu_domain, iova);

	if (unlikely(!pa))
		return;
	put_page(virt_to_page(phys_to_virt(pa)));
}
`,
      },
    },
    {
      name: 'comments and strings',
      code: `
/* phys_to_virt(iommu_iova_to_phys(d, a)) may see 0 */
static void acme(void) { pr_info("if (!phys_to_virt(x))\\n"); }
`,
    },
    {
      name: 'the test on the physical address before converting is right',
      code: `
static void *acme_va(struct acme_pool *pool, u32 phys)
{
	if (!phys)
		return NULL;
	return phys_to_virt(phys);
}
`,
    },
    {
      name: 'a NULL test on a pointer that stays NULL on the path that did not convert',
      code: `
static int acme_rx(struct acme_priv *p, u64 pa)
{
	void *va = NULL;

	if (pa)
		va = phys_to_virt(pa);
	if (!va)
		return -EINVAL;
	acme_consume(p, va);
	return 0;
}

static int acme_tx(struct acme_priv *p, u64 pa)
{
	void *va;

	va = (void *)0;
	if (pa)
		va = phys_to_virt(pa);
	return va == NULL ? -EINVAL : 0;
}
`,
    },
  ],
);
