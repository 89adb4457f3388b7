// SPDX-License-Identifier: MIT
// iova-reverse-lookup (concern a): a CPU address rebuilt from a device address
// through iommu_iova_to_phys() in a driver that borrowed the DMA API's domain.
import { ruleTable } from '../testing/table';
import { OWNED_DOMAIN_FW_LOAD } from '../testing/snippets';

const NICVF_H = `/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef NICVF_QUEUES_H
#define NICVF_QUEUES_H
struct nicvf {
	struct pci_dev		*pdev;
	struct iommu_domain	*iommu_domain;
};

static inline u64 nicvf_iova_to_phys(struct nicvf *nic, dma_addr_t dma_addr)
{
	/* Translation is installed only when IOMMU is present */
	if (nic->iommu_domain)
		return iommu_iova_to_phys(nic->iommu_domain, dma_addr);
	return dma_addr;
}
#endif
`;

const NICVF_C = `// SPDX-License-Identifier: GPL-2.0-only
#include "nicvf_queues.h"

static void nicvf_free_rbdr(struct nicvf *nic, struct rbdr *rbdr)
{
	u64 buf_addr, phys_addr;
	int head = rbdr->head;

	while (head != rbdr->tail) {
		desc = GET_RBDR_DESC(rbdr, head);
		buf_addr = desc->buf_addr;
		phys_addr = nicvf_iova_to_phys(nic, buf_addr);
		dma_unmap_page_attrs(&nic->pdev->dev, buf_addr, RCV_FRAG_LEN,
				     DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
		if (phys_addr)
			put_page(virt_to_page(phys_to_virt(phys_addr)));
		head = (head + 1) & (rbdr->dmem.q_len - 1);
	}
}

int nicvf_probe(struct pci_dev *pdev)
{
	struct nicvf *nic = pci_get_drvdata(pdev);

	nic->iommu_domain = iommu_get_domain_for_dev(&pdev->dev);
	return 0;
}
`;

const DPAA2_H = `/* SPDX-License-Identifier: GPL-2.0 */
struct dpaa2_eth_priv {
	struct iommu_domain *iommu_domain;
	struct net_device *net_dev;
};
void *dpaa2_iova_to_virt(struct iommu_domain *domain, dma_addr_t iova_addr);
`;

const DPAA2_ETH_C = `// SPDX-License-Identifier: (GPL-2.0+ OR BSD-3-Clause)
#include "dpaa2-eth.h"

void *dpaa2_iova_to_virt(struct iommu_domain *domain,
			 dma_addr_t iova_addr)
{
	phys_addr_t phys_addr;

	phys_addr = domain ? iommu_iova_to_phys(domain, iova_addr) : iova_addr; /*!*/

	return phys_to_virt(phys_addr);
}

static int dpaa2_eth_probe(struct fsl_mc_device *dpni_dev)
{
	struct dpaa2_eth_priv *priv = netdev_priv(net_dev);

	priv->iommu_domain = iommu_get_domain_for_dev(dev);
	return 0;
}
`;

const DPAA2_XSK_C = `// SPDX-License-Identifier: (GPL-2.0+ OR BSD-3-Clause)
#include "dpaa2-eth.h"

static void dpaa2_xsk_run_xdp(struct dpaa2_eth_priv *priv, const struct dpaa2_fd *fd)
{
	dma_addr_t addr = dpaa2_fd_get_addr(fd);
	void *vaddr;

	vaddr = dpaa2_iova_to_virt(priv->iommu_domain, addr);
	prefetch(vaddr + dpaa2_fd_get_offset(fd));
}
`;

ruleTable(
  'iova-reverse-lookup',
  [
    {
      name: 'phys_to_virt(iommu_iova_to_phys()) on the domain borrowed from the DMA API',
      code: `
static void *acme_rx_va(struct device *dev, dma_addr_t iova)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	return phys_to_virt(iommu_iova_to_phys(dom, iova)); /*!*/
}
`,
      concerns: ['a', 'c', 'zero'],
      chain: ['dma-handle', 'iova-to-phys', 'phys-to-virt'],
    },
    {
      name: 'the nicvf helper in a local header, its caller in the .c (the 2017 case)',
      code: { 'drivers/net/ethernet/cavium/thunder/nicvf_queues.h': NICVF_H, 'drivers/net/ethernet/cavium/thunder/nicvf_queues.c': NICVF_C },
      expect: [
        {
          path: 'drivers/net/ethernet/cavium/thunder/nicvf_queues.h',
          line: 13,
          concerns: ['a', 'b', 'c'],
          chain: ['dma-handle', 'iova-to-phys|identity', 'phys-to-virt', 'virt-to-page', 'put-page'],
          fn: 'nicvf_iova_to_phys',
        },
      ],
    },
    {
      name: 'a helper in another .c of the driver exported through a header (dpaa2_iova_to_virt)',
      code: {
        'drivers/net/ethernet/freescale/dpaa2/dpaa2-eth.h': DPAA2_H,
        'drivers/net/ethernet/freescale/dpaa2/dpaa2-eth.c': DPAA2_ETH_C,
        'drivers/net/ethernet/freescale/dpaa2/dpaa2-xsk.c': DPAA2_XSK_C,
      },
      concerns: ['a', 'b', 'c', 'zero'],
    },
    {
      name: 'a helper macro written as a GNU statement expression, in a header; its caller in the .c',
      code: {
        'drivers/net/ethernet/acme/acme.h': `
#define acme_iova_to_phys(p, a) ({ \\
	u64 __pa = (p)->domain ? iommu_iova_to_phys((p)->domain, (a)) : (a); /*!*/ \\
	__pa; })
`,
        'drivers/net/ethernet/acme/acme.c': `
static void acme_free(struct acme_priv *p, u64 iova)
{
	u64 pa = acme_iova_to_phys(p, iova);

	if (pa)
		put_page(virt_to_page(phys_to_virt(pa)));
}

static void *acme_peek(struct acme_priv *p, u64 iova)
{
	u64 pa = ({ iommu_iova_to_phys(p->domain, iova); }); /*!*/

	return pa ? phys_to_virt(pa) : NULL;
}
`,
      },
    },
    {
      name: 'a comment or string that names iommu_domain_alloc() does not make the driver own its domain',
      code: {
        'drivers/net/ethernet/acme/acme_main.c': `
/*
 * Unlike vfio we never call iommu_domain_alloc(): the DMA API owns the
 * domain, and iommu_paging_domain_alloc( is not for us either.
 */
static const char acme_note[] = "no iommu_domain_alloc(dev) here";
`,
        'drivers/net/ethernet/acme/acme_rx.c': `
static void *acme_rx_va(struct acme_priv *priv, dma_addr_t iova)
{
	// iommu_domain_alloc() is vfio's business
	return phys_to_virt(iommu_iova_to_phys(priv->domain, iova)); /*!*/
}
`,
      },
      concerns: ['a', 'c', 'zero'],
    },
    {
      name: 'through a local variable and a struct field set in the probe function',
      code: `
struct acme_priv { struct iommu_domain *domain; struct device *dev; };

static int acme_probe(struct platform_device *pdev)
{
	struct acme_priv *priv = platform_get_drvdata(pdev);

	priv->domain = iommu_get_domain_for_dev(&pdev->dev);
	return 0;
}

static void acme_free_buf(struct acme_priv *priv, dma_addr_t addr)
{
	phys_addr_t pa;
	struct page *page;

	pa = iommu_iova_to_phys(priv->domain, addr); /*!*/
	if (!pa)
		return;
	page = virt_to_page(phys_to_virt(pa));
	put_page(page);
}
`,
      chain: ['dma-handle', 'iova-to-phys', 'phys-to-virt', 'virt-to-page', 'put-page'],
    },
    {
      name: 'a function-like macro doing the lookup',
      code: `
#define ACME_IOVA_TO_VIRT(d, a)	phys_to_virt(iommu_iova_to_phys((d), (a))) /*!*/

static void acme_rx(struct acme_priv *priv, dma_addr_t addr, int len)
{
	void *va = ACME_IOVA_TO_VIRT(priv->domain, addr);

	memcpy(priv->scratch, va, len);
}
`,
    },
    {
      name: 'pfn_to_page(PHYS_PFN(lookup)) to reach the struct page',
      code: `
static struct page *acme_iova_page(struct device *dev, dma_addr_t iova)
{
	struct iommu_domain *domain = iommu_get_domain_for_dev(dev);
	phys_addr_t phys = iommu_iova_to_phys(domain, iova); /*!*/

	if (!phys)
		return NULL;
	return pfn_to_page(PHYS_PFN(phys));
}
`,
    },
    {
      name: 'likely() and READ_ONCE() do not derail the data flow',
      code: `
static struct sk_buff *acme_build(struct acme_rxq *rxq, u64 iova, int len)
{
	struct iommu_domain *dom = READ_ONCE(rxq->domain);
	phys_addr_t pa = 0;

	rxq->domain = iommu_get_domain_for_dev(rxq->dev);
	if (likely(dom))
		pa = iommu_iova_to_phys(dom, iova); /*!*/
	if (unlikely(!pa))
		return NULL;
	return build_skb(phys_to_virt(pa), len);
}
`,
    },
    {
      name: 'inside list_for_each_entry() with container_of()',
      code: `
static void acme_flush(struct acme_dev *adev)
{
	struct acme_buf *b, *tmp;
	struct acme_ring *ring = container_of(adev->ring, struct acme_ring, common);

	list_for_each_entry_safe(b, tmp, &ring->busy, list) {
		phys_addr_t pa = iommu_iova_to_phys(iommu_get_domain_for_dev(adev->dev), b->iova); /*!*/

		if (pa)
			put_page(virt_to_head_page(phys_to_virt(pa)));
		list_del(&b->list);
	}
}
`,
    },
    {
      name: 'both sides of #ifdef: the lookup under CONFIG_IOMMU_API is seen',
      code: `
#ifdef CONFIG_IOMMU_API
static inline void *acme_to_virt(struct acme_priv *p, dma_addr_t a)
{
	return phys_to_virt(iommu_iova_to_phys(p->domain, a)); /*!*/
}
#else
static inline void *acme_to_virt(struct acme_priv *p, dma_addr_t a)
{
	return phys_to_virt(a);
}
#endif
`,
    },
    {
      name: 'static copies of the same helper in two files: each is reported',
      code: {
        'drivers/net/ethernet/acme/a.c': `
static void *acme_iova_to_virt(struct iommu_domain *domain, dma_addr_t iova)
{
	return phys_to_virt(iommu_iova_to_phys(domain, iova)); /*!*/
}
`,
        'drivers/net/ethernet/acme/b.c': `
static void *acme_iova_to_virt(struct iommu_domain *domain, dma_addr_t iova)
{
	phys_addr_t pa = domain ? iommu_iova_to_phys(domain, iova) : iova; /*!*/

	return phys_to_virt(pa);
}
`,
      },
    },
    {
      name: 'a helper that returns the lookup (no caller in the project)',
      code: `
u64 acme_iova_to_phys(struct acme_priv *priv, dma_addr_t dma_addr)
{
	if (!priv->iommu_domain)
		return dma_addr;
	return iommu_iova_to_phys(priv->iommu_domain, dma_addr); /*!*/
}
`,
      concerns: ['a', 'b'],
    },
    {
      name: 'the amdgpu debugfs iomem path: loff_t through a ternary to pfn_to_page',
      code: `
static ssize_t acme_iomem_read(struct file *f, char __user *buf, size_t size, loff_t *pos)
{
	struct acme_device *adev = file_inode(f)->i_private;
	struct iommu_domain *dom;
	ssize_t result = 0;

	dom = iommu_get_domain_for_dev(adev->dev);
	while (size) {
		phys_addr_t addr = *pos & PAGE_MASK;
		struct page *p;
		void *ptr;

		addr = dom ? iommu_iova_to_phys(dom, addr) : addr; /*!*/
		p = pfn_to_page(PFN_DOWN(addr));
		ptr = kmap_local_page(p);
		kunmap_local(ptr);
		size -= 1;
	}
	return result;
}
`,
    },
  ],
  [
    {
      name: 'IOMMU drivers own the translation (drivers/iommu/**)',
      code: { 'drivers/iommu/arm/arm-smmu/acme-smmu.c': `
static void *acme_smmu_walk(struct iommu_domain *dom, dma_addr_t iova)
{
	return phys_to_virt(iommu_iova_to_phys(dom, iova));
}
` },
    },
    {
      name: 'VFIO owns its domains (drivers/vfio/**)',
      code: { 'drivers/vfio/vfio_iommu_type1.c': `
static struct page *vfio_pin(struct vfio_domain *d, dma_addr_t iova)
{
	return pfn_to_page(iommu_iova_to_phys(d->domain, iova) >> PAGE_SHIFT);
}
` },
    },
    {
      name: 'iommufd and the DMA core are silent too',
      code: {
        'drivers/iommu/iommufd/pages.c': `
static void *iopt_va(struct iommu_domain *domain, unsigned long iova)
{
	return phys_to_virt(iommu_iova_to_phys(domain, iova));
}
`,
        'kernel/dma/acme.c': `
void *dma_acme_va(struct device *dev, dma_addr_t a)
{
	return phys_to_virt(iommu_iova_to_phys(iommu_get_dma_domain(dev), a));
}
`,
      },
    },
    {
      name: 'an UNMANAGED domain the driver allocated with iommu_paging_domain_alloc()',
      code: OWNED_DOMAIN_FW_LOAD,
    },
    {
      name: 'an UNMANAGED domain allocated with iommu_domain_alloc() in another file of the driver',
      code: {
        'drivers/remoteproc/acme_rproc.c': `
static int acme_rproc_attach(struct acme_rproc *rp)
{
	rp->domain = iommu_domain_alloc(&platform_bus_type);
	return iommu_attach_device(rp->domain, rp->dev);
}
`,
        'drivers/remoteproc/acme_rproc_elf.c': `
void *acme_rproc_da_to_va(struct acme_rproc *rp, u64 da)
{
	phys_addr_t pa = iommu_iova_to_phys(rp->domain, da);

	return pa ? phys_to_virt(pa) : NULL;
}
`,
      },
    },
    {
      name: 'iommu_get_domain_for_dev() used only for ->type',
      code: `
static bool acme_iommu_bypassed(struct device *dev)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	return !dom || dom->type == IOMMU_DOMAIN_IDENTITY;
}
`,
    },
    {
      name: 'iommu_get_domain_for_dev() used only for pgsize_bitmap',
      code: `
static unsigned long acme_min_page(struct device *dev)
{
	struct iommu_domain *dom = iommu_get_domain_for_dev(dev);

	if (dom)
		return 1UL << __ffs(dom->pgsize_bitmap);
	return PAGE_SIZE;
}
`,
    },
    {
      name: 'a lookup only printed, never turned into a CPU address',
      code: `
static void acme_dump_fault(struct acme_priv *priv, dma_addr_t iova)
{
	phys_addr_t pa = iommu_iova_to_phys(priv->domain, iova);

	dev_err(priv->dev, "fault at %pad (phys %pa)\\n", &iova, &pa);
}
`,
    },
    {
      name: 'comments and strings mention the pattern',
      code: `
/*
 * We used to do phys_to_virt(iommu_iova_to_phys(domain, iova)) here, which
 * is wrong (see the 2017 ThunderX thread); keep the page instead.
 */
static void acme_rx_done(struct acme_rx_buf *b)
{
	pr_debug("no phys_to_virt(iommu_iova_to_phys()) here\\n");
	put_page(b->page); // not put_page(virt_to_page(phys_to_virt(iommu_iova_to_phys(d, a))))
}
`,
    },
    {
      name: 'the right way: the page is recorded at allocation time',
      code: `
static int acme_refill(struct acme_rxq *q, struct acme_rx_buf *b)
{
	b->page = dev_alloc_page();
	if (!b->page)
		return -ENOMEM;
	b->dma = dma_map_page(q->dev, b->page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(q->dev, b->dma)) {
		__free_page(b->page);
		return -ENOMEM;
	}
	return 0;
}

static struct sk_buff *acme_rx(struct acme_rxq *q, struct acme_rx_buf *b, int len)
{
	dma_unmap_page(q->dev, b->dma, PAGE_SIZE, DMA_FROM_DEVICE);
	return build_skb(page_address(b->page), len);
}
`,
    },
    {
      name: 'ownsTranslation from .iova-lens.json replaces the default list',
      code: { 'drivers/accel/acme/acme_mmu.c': `
static void *acme_mmu_va(struct iommu_domain *dom, dma_addr_t iova)
{
	return phys_to_virt(iommu_iova_to_phys(dom, iova));
}
` },
      opts: { config: { ownsTranslation: ['drivers/accel/acme/**'] } },
    },
  ],
);
