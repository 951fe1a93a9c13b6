// SPDX-License-Identifier: GPL-2.0
/*
 * The resource partition's module parameter and sysfs attributes.
 *
 * Rust-for-Linux has neither string module parameters nor device
 * attributes yet, so this small C file owns them and calls back into Rust
 * (drivers/core/sysfs.rs) for every value: "partition" is the policy a
 * newly bound GPU starts with; /sys/bus/pci/devices/<bdf>/partition/ holds
 * the policy (writable), the totals, and each client kind's limits and use.
 */

#include <linux/device.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

static char partition[128] = "drm=50%,vfio=50%";
module_param_string(partition, partition, sizeof(partition), 0444);
MODULE_PARM_DESC(partition,
		 "VRAM and channel shares of the client kinds, KIND=VRAM[/CHANNELS],... "
		 "(e.g. drm=50%,vfio=50% or drm=1G/64,vfio=512M/32)");

/* The policy a GPU starts with (the module parameter, NUL-terminated). */
const char *nvgsp_partition_param(void);
const char *nvgsp_partition_param(void)
{
	return partition;
}

/* In Rust (sysfs.rs): attribute @id's value into @buf, or a negative errno. */
ssize_t nvgsp_partition_show(const void *ctx, int id, char *buf);
/* In Rust: applies the policy in @buf; @len or a negative errno. */
ssize_t nvgsp_partition_store(const void *ctx, const char *buf, size_t len);

static const char *const nvgsp_partition_names[] = {
	"policy",
	"vram_total",
	"channels_total",
	"drm_vram_limit",
	"drm_vram_used",
	"drm_channels_limit",
	"drm_channels_used",
	"vfio_vram_limit",
	"vfio_vram_used",
	"vfio_channels_limit",
	"vfio_channels_used",
};

#define NVGSP_PARTITION_ATTRS ARRAY_SIZE(nvgsp_partition_names)

struct nvgsp_partition_attr {
	struct device_attribute attr;
	const void *ctx;
	int id;
};

struct nvgsp_partition_sysfs {
	struct attribute_group group;
	struct attribute *attrs[NVGSP_PARTITION_ATTRS + 1];
	struct nvgsp_partition_attr a[NVGSP_PARTITION_ATTRS];
};

static ssize_t nvgsp_partition_attr_show(struct device *dev, struct device_attribute *attr,
					 char *buf)
{
	struct nvgsp_partition_attr *pa = container_of(attr, struct nvgsp_partition_attr, attr);

	return nvgsp_partition_show(pa->ctx, pa->id, buf);
}

static ssize_t nvgsp_partition_attr_store(struct device *dev, struct device_attribute *attr,
					  const char *buf, size_t len)
{
	struct nvgsp_partition_attr *pa = container_of(attr, struct nvgsp_partition_attr, attr);

	return nvgsp_partition_store(pa->ctx, buf, len);
}

/*
 * Adds the "partition" group to @dev, its attributes calling back with
 * @ctx; returns the group's handle for nvgsp_partition_sysfs_remove(), or
 * an ERR_PTR.
 */
void *nvgsp_partition_sysfs_add(struct device *dev, const void *ctx);
void *nvgsp_partition_sysfs_add(struct device *dev, const void *ctx)
{
	struct nvgsp_partition_sysfs *s = kzalloc(sizeof(*s), GFP_KERNEL);
	int i, ret;

	if (!s)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < NVGSP_PARTITION_ATTRS; i++) {
		struct nvgsp_partition_attr *pa = &s->a[i];

		sysfs_attr_init(&pa->attr.attr);
		pa->attr.attr.name = nvgsp_partition_names[i];
		pa->attr.attr.mode = i == 0 ? 0644 : 0444;
		pa->attr.show = nvgsp_partition_attr_show;
		pa->attr.store = i == 0 ? nvgsp_partition_attr_store : NULL;
		pa->ctx = ctx;
		pa->id = i;
		s->attrs[i] = &pa->attr.attr;
	}
	s->group.name = "partition";
	s->group.attrs = s->attrs;
	ret = device_add_group(dev, &s->group);
	if (ret) {
		kfree(s);
		return ERR_PTR(ret);
	}
	return s;
}

/* Removes the group; returns once no attribute call is in progress. */
void nvgsp_partition_sysfs_remove(struct device *dev, void *handle);
void nvgsp_partition_sysfs_remove(struct device *dev, void *handle)
{
	struct nvgsp_partition_sysfs *s = handle;

	device_remove_group(dev, &s->group);
	kfree(s);
}
