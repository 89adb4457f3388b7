// The two simplest chains of the 2017 review (the Coccinelle baseline of npm run bench).
// spatch runs from outside the kernel tree: the tree's .cocciconfig asks for git grep.
@r1@
expression D, A;
position p;
@@
phys_to_virt@p(iommu_iova_to_phys(D, A))

@script:python depends on r1@
p << r1.p;
@@
print("%s:%s: phys_to_virt(iommu_iova_to_phys())" % (p[0].file, p[0].line))

@r2@
expression E;
position p;
@@
virt_to_page@p(phys_to_virt(E))

@script:python depends on r2@
p << r2.p;
@@
print("%s:%s: virt_to_page(phys_to_virt())" % (p[0].file, p[0].line))
