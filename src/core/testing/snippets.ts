// SPDX-License-Identifier: MIT
// Driver code more than one rule's table uses.

/** A remoteproc-style driver translating in an UNMANAGED domain it allocated and mapped itself (SPEC §1.1 silence list). */
export const OWNED_DOMAIN_FW_LOAD = `
static int acme_fw_load(struct acme_rproc *rp, struct device *dev)
{
	struct iommu_domain *domain = iommu_paging_domain_alloc(dev);
	phys_addr_t pa;

	if (IS_ERR(domain))
		return PTR_ERR(domain);
	iommu_attach_device(domain, dev);
	iommu_map(domain, rp->da, page_to_phys(rp->page), SZ_64K, IOMMU_READ, GFP_KERNEL);
	pa = iommu_iova_to_phys(domain, rp->da);
	memcpy(phys_to_virt(pa), rp->fw, rp->fw_size);
	return 0;
}
`;
