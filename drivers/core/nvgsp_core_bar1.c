// SPDX-License-Identifier: GPL-2.0
/*
 * BAR1 as the core writes through it: mapped write-combined (which also
 * makes the clients' user mappings of BAR1 pages write-combined: they
 * share the memory type PAT records for the range), and VRAM cleared
 * through it. Linux 7.3's Rust maps PCI BARs uncached only and has no
 * memset_io.
 */

#include <linux/io.h>
#include <linux/pci.h>

void *nvgsp_core_bar1_map(struct device *dev);
void nvgsp_core_bar1_unmap(struct device *dev, void *base);
void nvgsp_core_bar1_zero(void *base, u64 off, u64 len);

/* All of BAR1, write-combined; NULL if it cannot be mapped. */
void *nvgsp_core_bar1_map(struct device *dev)
{
	return (void __force *)pci_iomap_wc(to_pci_dev(dev), 1, 0);
}

void nvgsp_core_bar1_unmap(struct device *dev, void *base)
{
	pci_iounmap(to_pci_dev(dev), (void __iomem __force *)base);
}

/*
 * Zeroes @len bytes (a multiple of 8) at @off of BAR1, 8 bytes a write (not
 * memset_io(), which may store a byte at a time: each is a bus transaction
 * through an uncached path, and a trapped one under emulation), and waits
 * until the writes left the CPU.
 */
void nvgsp_core_bar1_zero(void *base, u64 off, u64 len)
{
	void __iomem *p = (void __iomem __force *)base + off;
	u64 i;

	for (i = 0; i + 8 <= len; i += 8)
		writeq(0, p + i);
	wmb();
}
