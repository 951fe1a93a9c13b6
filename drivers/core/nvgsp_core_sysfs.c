// SPDX-License-Identifier: GPL-2.0
/*
 * The GPU configuration GSP-RM reported, as read-only sysfs attributes in
 * the "gsp" group of the PCI device (/sys/bus/pci/devices/<bdf>/gsp/).
 *
 * Rust-for-Linux has no device-attribute abstraction yet, so this small
 * C file owns the attributes: the Rust core hands it a copy of the values
 * at probe (nvgsp_sysfs_add()), and the group and its memory are
 * device-managed, removed when the driver unbinds. The layout of struct
 * nvgsp_sysfs_info is mirrored by drivers/core/sysfs.rs.
 */

#include <linux/device.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

struct nvgsp_sysfs_info {
	char name[64];
	char chipset[16];
	char firmware[16];
	char engines[256];
	u64 vram_size;
	u64 usable_vram_size;
	u32 gpcs;
	u32 tpcs_per_gpc;
};

struct nvgsp_sysfs {
	struct nvgsp_sysfs_info info;
	struct attribute_group group;
	struct attribute *attrs[9];
	struct dev_ext_attribute ext[8];
};

static ssize_t nvgsp_show_str(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct dev_ext_attribute *ea = container_of(attr, struct dev_ext_attribute, attr);

	return sysfs_emit(buf, "%s\n", (const char *)ea->var);
}

static ssize_t nvgsp_show_u64(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct dev_ext_attribute *ea = container_of(attr, struct dev_ext_attribute, attr);

	return sysfs_emit(buf, "%llu\n", *(const u64 *)ea->var);
}

static ssize_t nvgsp_show_u32(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct dev_ext_attribute *ea = container_of(attr, struct dev_ext_attribute, attr);

	return sysfs_emit(buf, "%u\n", *(const u32 *)ea->var);
}

static void nvgsp_attr(struct nvgsp_sysfs *s, int i, const char *name, void *var,
		       ssize_t (*show)(struct device *, struct device_attribute *, char *))
{
	struct dev_ext_attribute *ea = &s->ext[i];

	sysfs_attr_init(&ea->attr.attr);
	ea->attr.attr.name = name;
	ea->attr.attr.mode = 0444;
	ea->attr.show = show;
	ea->var = var;
	s->attrs[i] = &ea->attr.attr;
}

/* Adds the "gsp" group to @dev with a copy of @info; 0 or a negative errno. */
int nvgsp_sysfs_add(struct device *dev, const struct nvgsp_sysfs_info *info);
int nvgsp_sysfs_add(struct device *dev, const struct nvgsp_sysfs_info *info)
{
	struct nvgsp_sysfs *s = devm_kzalloc(dev, sizeof(*s), GFP_KERNEL);

	if (!s)
		return -ENOMEM;
	s->info = *info;
	s->info.name[sizeof(s->info.name) - 1] = 0;
	s->info.chipset[sizeof(s->info.chipset) - 1] = 0;
	s->info.firmware[sizeof(s->info.firmware) - 1] = 0;
	s->info.engines[sizeof(s->info.engines) - 1] = 0;
	nvgsp_attr(s, 0, "name", s->info.name, nvgsp_show_str);
	nvgsp_attr(s, 1, "chipset", s->info.chipset, nvgsp_show_str);
	nvgsp_attr(s, 2, "firmware_version", s->info.firmware, nvgsp_show_str);
	nvgsp_attr(s, 3, "engines", s->info.engines, nvgsp_show_str);
	nvgsp_attr(s, 4, "vram_size", &s->info.vram_size, nvgsp_show_u64);
	nvgsp_attr(s, 5, "usable_vram_size", &s->info.usable_vram_size, nvgsp_show_u64);
	nvgsp_attr(s, 6, "gpcs", &s->info.gpcs, nvgsp_show_u32);
	nvgsp_attr(s, 7, "tpcs_per_gpc", &s->info.tpcs_per_gpc, nvgsp_show_u32);
	s->group.name = "gsp";
	s->group.attrs = s->attrs;
	return devm_device_add_group(dev, &s->group);
}
