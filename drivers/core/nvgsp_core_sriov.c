// SPDX-License-Identifier: GPL-2.0
/*
 * The SR-IOV layout of a physical function, as GSP-RM wants it in
 * GSP_VF_INFO: how many virtual functions it has, the routing ID offset
 * of the first, and where the first one's BARs are. Linux 7.3's Rust PCI
 * API has neither the SR-IOV capability's fields nor the VF BAR
 * resources (PCI_IOV_RESOURCES).
 */

#include <linux/pci.h>

/* Mirrors `SriovLayout` in kernel_gaps.rs. */
struct nvgsp_sriov_layout {
	u64 vf_bar[3];
	u16 total_vfs;
	u16 first_vf_offset;
	u8 vf_bar_64bit[3];
	u8 pad;
};

int nvgsp_core_sriov_layout(struct device *dev, struct nvgsp_sriov_layout *out);

/*
 * NVIDIA's BARs 0, 1 and 2 are the first three BARs of the function: BAR0
 * (32-bit registers), BAR1 (64-bit, VRAM) and the one after it, whose
 * register index depends on BAR1's width. Returns -ENODEV without SR-IOV,
 * -ENXIO if a VF BAR got no address.
 */
int nvgsp_core_sriov_layout(struct device *dev, struct nvgsp_sriov_layout *out)
{
	struct pci_dev *pdev = to_pci_dev(dev);
	int pos, res = 0, i;

	memset(out, 0, sizeof(*out));
	if (!pdev->is_physfn)
		return -ENODEV;
	pos = pci_find_ext_capability(pdev, PCI_EXT_CAP_ID_SRIOV);
	if (!pos)
		return -ENODEV;
	out->total_vfs = pci_sriov_get_totalvfs(pdev);
	pci_read_config_word(pdev, pos + PCI_SRIOV_VF_OFFSET, &out->first_vf_offset);
	if (!out->total_vfs)
		return -ENODEV;
	for (i = 0; i < 3 && res < PCI_SRIOV_NUM_BARS; i++) {
		int r = PCI_IOV_RESOURCES + res;
		bool is64 = pci_resource_flags(pdev, r) & IORESOURCE_MEM_64;

		/* A VF BAR the bridge window had no room for has no flags. */
		if (!pci_resource_start(pdev, r) || !pci_resource_len(pdev, r))
			return -ENXIO;
		out->vf_bar[i] = pci_resource_start(pdev, r);
		out->vf_bar_64bit[i] = is64;
		res += is64 ? 2 : 1;
	}
	return 0;
}

/*
 * How many of the physical function's virtual functions are assigned to a
 * guest (PCI_DEV_FLAGS_ASSIGNED, which nvgsp_vfio sets while a VMM holds a
 * VF's VFIO device open): disabling SR-IOV would pull them from under it.
 */
int nvgsp_core_vfs_assigned(struct device *dev);
int nvgsp_core_vfs_assigned(struct device *dev)
{
	return pci_vfs_assigned(to_pci_dev(dev));
}
