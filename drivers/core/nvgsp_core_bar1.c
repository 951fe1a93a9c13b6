// SPDX-License-Identifier: GPL-2.0
/*
 * BAR1 write-combined: its whole range reserved as such (so the clients'
 * user mappings of BAR1 pages are write-combined, as nouveau's and
 * amdgpu's are: arch_io_reserve_memtype_wc() + arch_phys_wc_add()), and
 * the core's scratch piece of it mapped in the kernel to clear VRAM
 * through. Linux 7.3's Rust maps PCI BARs uncached only and has neither.
 */

#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/pci.h>
#include <linux/sched.h>

int nvgsp_core_bar1_reserve_wc(struct device *dev);
void nvgsp_core_bar1_release_wc(struct device *dev, int cookie);
void *nvgsp_core_bar1_map(struct device *dev, u64 off, u64 len);
void nvgsp_core_bar1_unmap(struct device *dev, void *base);
void nvgsp_core_bar1_zero(void *base, u64 off, u64 len);

/*
 * Records all of BAR1 as write-combined; returns the MTRR cookie (0 if
 * PAT alone does it), or a negative error if the range has another type
 * already (then user mappings get that type).
 */
int nvgsp_core_bar1_reserve_wc(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	resource_size_t start = pci_resource_start(pdev, 1);
	resource_size_t len = pci_resource_len(pdev, 1);
	int ret;

	ret = arch_io_reserve_memtype_wc(start, len);
	if (ret)
		return ret;
	return arch_phys_wc_add(start, len);
}

void nvgsp_core_bar1_release_wc(struct device *dev, int cookie)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	arch_phys_wc_del(cookie);
	arch_io_free_memtype_wc(pci_resource_start(pdev, 1),
				pci_resource_len(pdev, 1));
}

/* @len bytes of BAR1 from @off, write-combined; NULL if they cannot be mapped. */
void *nvgsp_core_bar1_map(struct device *dev, u64 off, u64 len)
{
	return (void __force *)pci_iomap_wc_range(to_pci_dev(dev), 1, off, len);
}

void nvgsp_core_bar1_unmap(struct device *dev, void *base)
{
	pci_iounmap(to_pci_dev(dev), (void __iomem __force *)base);
}

/*
 * Zeroes @len bytes (a multiple of 8) at @off of a mapping, 8 bytes a write
 * (not memset_io(), which may store a byte at a time: each a bus
 * transaction through an uncached path, and a trapped one under
 * emulation), and waits until the writes left the CPU.
 */
void nvgsp_core_bar1_zero(void *base, u64 off, u64 len)
{
	void __iomem *p = (void __iomem __force *)base + off;
	u64 i;

	for (i = 0; i + 8 <= len; i += 8) {
		writeq(0, p + i);
		if ((i & 0xffff) == 0)
			cond_resched();
	}
	wmb();
}
