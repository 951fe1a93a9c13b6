// SPDX-License-Identifier: GPL-2.0
/*
 * The virtual functions' driver of nvgsp_vfio: a vfio-pci-core variant
 * driver (as drivers/vfio/pci/xe and nvgrace-gpu are) whose VFIO device is
 * a vGPU.
 *
 * Linux 7.3's Rust has no vfio-pci-core abstraction, and vfio_pci_core
 * needs its struct vfio_pci_core_device as the PCI device's driver data,
 * which a Rust PCI driver owns. So this file is the PCI driver of the
 * virtual functions, the VFIO device operations and the "nvidia" sysfs
 * group, and nothing else: every decision (which vGPU types, whether one
 * can be created or destroyed, opened or reset) is Rust's (vf.rs, through
 * kernel_gaps/vf.rs), called with the Rust state the VF's probe returned.
 * It goes once Rust can host a vfio-pci-core driver.
 *
 * Lifetimes:
 * - struct nvgsp_vfio_vf lives from probe to remove; Rust's state of the
 *   VF (vf->state) is created by probe and freed by remove.
 * - struct nvgsp_vfio_vdev is the VFIO device. A vfio_device can be
 *   registered once only (vfio_main.c keeps it in its device set until
 *   its last reference goes), so the VF has a new one per vGPU: probe
 *   allocates the first, unregistered; creating a vGPU registers it;
 *   destroying one unregisters it and puts a new, unregistered one in its
 *   place (nvgsp_vfio_vdev_fresh()). vf->vdev and the driver data change
 *   only under the VF's device lock (sysfs writes, remove, and the PF's
 *   teardown take it) while the device is not registered; AER's
 *   error_detected reads the driver data under the same lock.
 * - The VMM's view, set before registration, is fixed for the device's
 *   life: PCI device and subsystem IDs of the vGPU type, and BAR1 of the
 *   type's size, emulated in config space as nvgrace-gpu emulates its
 *   BARs.
 */

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/vfio_pci_core.h>

struct nvgsp_vfio_vf;

/* The VFIO device of one vGPU (see the top of the file). */
struct nvgsp_vfio_vdev {
	struct vfio_pci_core_device core;
	struct nvgsp_vfio_vf *vf;
	/* Registered once (successfully or not): never again. */
	bool used;
	/* Registered now. */
	bool registered;
	/* What the VMM sees, set before registration. */
	u16 device_id;
	u16 subsystem_id;
	u64 bar1_size;
	/* BAR1's type bits, as the VF's BAR1 has them. */
	u32 bar1_flags;
	/* The VMM's view of the BAR1 registers (0x14, and 0x18 if 64-bit). */
	__le64 bar1_reg;
};

#define NVGSP_VFIO_ATTRS 2

/* One virtual function bound to the driver. */
struct nvgsp_vfio_vf {
	struct pci_dev *pdev;
	/* Rust's state of the VF, from probe to remove. */
	void *state;
	/*
	 * The VF's VFIO device (see the top of the file); replaced under
	 * @lock, which nvgsp_vfio_vdev_notify_error() holds while it uses it.
	 */
	struct nvgsp_vfio_vdev *vdev;
	/* Guards @vdev against nvgsp_vfio_vdev_notify_error(). */
	spinlock_t lock;
	/* The "nvidia" group, whose attributes find the VF by container_of. */
	struct device_attribute attr[NVGSP_VFIO_ATTRS];
	struct attribute *attrs[NVGSP_VFIO_ATTRS + 1];
	struct attribute_group group;
};

/* Rust (kernel_gaps/vf.rs). */
int nvgsp_vfio_vf_probe(struct nvgsp_vfio_vf *vf, struct device *dev, u32 pf_key,
			u16 index, u32 dbdf, u64 bar1_len, void **state);
void nvgsp_vfio_vf_remove(void *state);
ssize_t nvgsp_vfio_vf_show(void *state, int attr, char *buf);
ssize_t nvgsp_vfio_vf_store(void *state, const char *buf, size_t len);
int nvgsp_vfio_vf_open(void *state);
void nvgsp_vfio_vf_close(void *state);
int nvgsp_vfio_vf_reset(void *state);

/* For Rust. */
int nvgsp_vfio_vf_driver_register(void);
void nvgsp_vfio_vf_driver_unregister(void);
int nvgsp_vfio_vdev_register(struct nvgsp_vfio_vf *vf, u16 device_id, u16 subsystem_id,
			     u64 bar1_size);
void nvgsp_vfio_vdev_unregister(struct nvgsp_vfio_vf *vf, bool last);
void nvgsp_vfio_vdev_notify_error(struct nvgsp_vfio_vf *vf);
void nvgsp_vfio_device_lock(struct device *dev);
void nvgsp_vfio_device_unlock(struct device *dev);
int nvgsp_vfio_pf_info(struct device *pf, u16 *device_id, u64 *vf_bar1);

static struct nvgsp_vfio_vdev *to_vdev(struct vfio_device *core_vdev)
{
	return container_of(core_vdev, struct nvgsp_vfio_vdev, core.vdev);
}

/* The size of BAR @index as the VMM sees it: BAR1's is the vGPU type's. */
static u64 nvgsp_vfio_bar_size(struct nvgsp_vfio_vdev *v, unsigned int index)
{
	if (index == VFIO_PCI_BAR1_REGION_INDEX)
		return v->bar1_size;
	return pci_resource_len(v->core.pdev, index);
}

/*
 * Whether @count bytes at @pos of a BAR region lie inside the BAR; if not,
 * says so (rate-limited) and returns -EINVAL. Other regions pass.
 */
static int nvgsp_vfio_check_bar(struct nvgsp_vfio_vdev *v, u64 pos, u64 count,
				const char *what)
{
	unsigned int index = VFIO_PCI_OFFSET_TO_INDEX(pos);
	u64 off = pos & VFIO_PCI_OFFSET_MASK;
	u64 size;

	if (index > VFIO_PCI_BAR5_REGION_INDEX)
		return 0;
	size = nvgsp_vfio_bar_size(v, index);
	if (off < size && count <= size - off)
		return 0;
	dev_warn_ratelimited(&v->core.pdev->dev,
			     "VMM %s of %llu bytes at BAR%u offset %#llx: outside the BAR (%#llx bytes), refused\n",
			     what, count, index, off, size);
	return -EINVAL;
}

static int nvgsp_vfio_open_device(struct vfio_device *core_vdev)
{
	struct nvgsp_vfio_vdev *v = to_vdev(core_vdev);
	int ret;

	ret = nvgsp_vfio_vf_open(v->vf->state);
	if (ret)
		return ret;
	ret = vfio_pci_core_enable(&v->core);
	if (ret) {
		nvgsp_vfio_vf_close(v->vf->state);
		return ret;
	}
	v->bar1_reg = 0;
	vfio_pci_core_finish_enable(&v->core);
	/* The core refuses to disable SR-IOV while a VF is assigned. */
	pci_set_dev_assigned(v->core.pdev);
	return 0;
}

static void nvgsp_vfio_close_device(struct vfio_device *core_vdev)
{
	struct nvgsp_vfio_vdev *v = to_vdev(core_vdev);

	pci_clear_dev_assigned(v->core.pdev);
	vfio_pci_core_close_device(core_vdev);
	nvgsp_vfio_vf_close(v->vf->state);
}

static long nvgsp_vfio_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
			     unsigned long arg)
{
	struct nvgsp_vfio_vdev *v = to_vdev(core_vdev);
	int ret;

	switch (cmd) {
	case VFIO_DEVICE_RESET:
		/* The vGPU first (GSP-RM), then the function (vfio_pci_core). */
		ret = nvgsp_vfio_vf_reset(v->vf->state);
		if (ret)
			return ret;
		v->bar1_reg = 0;
		break;
	case VFIO_DEVICE_IOEVENTFD:
		/*
		 * Not offered: vfio_pci_core_ioctl() reads the request from
		 * user memory again, so a bounds check here could be raced
		 * past (BAR1 is smaller than the VF's). A VMM then traps the
		 * writes instead.
		 */
		return -ENOTTY;
	}
	return vfio_pci_core_ioctl(core_vdev, cmd, arg);
}

static int nvgsp_vfio_get_region_info(struct vfio_device *core_vdev,
				      struct vfio_region_info *info,
				      struct vfio_info_cap *caps)
{
	struct nvgsp_vfio_vdev *v = to_vdev(core_vdev);
	int ret;

	ret = vfio_pci_ioctl_get_region_info(core_vdev, info, caps);
	if (!ret && info->index == VFIO_PCI_BAR1_REGION_INDEX)
		info->size = v->bar1_size;
	return ret;
}

/* BAR1's registers as the VMM reads them: its address bits, the flags. */
static u64 nvgsp_vfio_bar1_value(struct nvgsp_vfio_vdev *v)
{
	return (le64_to_cpu(v->bar1_reg) & ~(v->bar1_size - 1)) | v->bar1_flags;
}

static unsigned int nvgsp_vfio_bar1_reg_size(struct nvgsp_vfio_vdev *v)
{
	return v->bar1_flags & PCI_BASE_ADDRESS_MEM_TYPE_64 ? 8 : 4;
}

/*
 * A read of config space, with the vGPU type's IDs and BAR1 put over what
 * vfio_pci_core read.
 */
static ssize_t nvgsp_vfio_config_read(struct nvgsp_vfio_vdev *v, char __user *buf,
				      size_t count, loff_t *ppos)
{
	const struct {
		unsigned int offset;
		unsigned int size;
		u64 value;
	} fields[] = {
		{ PCI_DEVICE_ID, 2, v->device_id },
		{ PCI_SUBSYSTEM_VENDOR_ID, 2, PCI_VENDOR_ID_NVIDIA },
		{ PCI_SUBSYSTEM_ID, 2, v->subsystem_id },
		{ PCI_BASE_ADDRESS_1, nvgsp_vfio_bar1_reg_size(v), nvgsp_vfio_bar1_value(v) },
	};
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK;
	ssize_t ret;
	int i;

	ret = vfio_pci_core_read(&v->core.vdev, buf, count, ppos);
	if (ret <= 0)
		return ret;
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		__le64 le = cpu_to_le64(fields[i].value);
		size_t n, reg_off;
		loff_t buf_off;

		if (!vfio_pci_core_range_intersect_range(pos, ret, fields[i].offset,
							 fields[i].size, &buf_off, &n,
							 &reg_off))
			continue;
		if (copy_to_user(buf + buf_off, (u8 *)&le + reg_off, n)) {
			*ppos -= ret;
			return -EFAULT;
		}
	}
	return ret;
}

/*
 * A write of config space: BAR1's registers are ours (a write that starts
 * before them is cut short there); the IDs are read-only in
 * vfio_pci_config.c, which drops writes to them.
 */
static ssize_t nvgsp_vfio_config_write(struct nvgsp_vfio_vdev *v, const char __user *buf,
				       size_t count, loff_t *ppos)
{
	u64 pos = *ppos & VFIO_PCI_OFFSET_MASK;
	u64 start = PCI_BASE_ADDRESS_1, end = start + nvgsp_vfio_bar1_reg_size(v);
	size_t n;

	if (pos >= start && pos < end) {
		n = min_t(u64, count, end - pos);
		if (copy_from_user((u8 *)&v->bar1_reg + (pos - start), buf, n))
			return -EFAULT;
		*ppos += n;
		return n;
	}
	if (pos < start && count > start - pos)
		count = start - pos;
	return vfio_pci_core_write(&v->core.vdev, buf, count, ppos);
}

static ssize_t nvgsp_vfio_read(struct vfio_device *core_vdev, char __user *buf,
			       size_t count, loff_t *ppos)
{
	struct nvgsp_vfio_vdev *v = to_vdev(core_vdev);
	int ret;

	if (VFIO_PCI_OFFSET_TO_INDEX(*ppos) == VFIO_PCI_CONFIG_REGION_INDEX)
		return nvgsp_vfio_config_read(v, buf, count, ppos);
	ret = nvgsp_vfio_check_bar(v, *ppos, count, "read");
	if (ret)
		return ret;
	return vfio_pci_core_read(core_vdev, buf, count, ppos);
}

static ssize_t nvgsp_vfio_write(struct vfio_device *core_vdev, const char __user *buf,
				size_t count, loff_t *ppos)
{
	struct nvgsp_vfio_vdev *v = to_vdev(core_vdev);
	int ret;

	if (VFIO_PCI_OFFSET_TO_INDEX(*ppos) == VFIO_PCI_CONFIG_REGION_INDEX)
		return nvgsp_vfio_config_write(v, buf, count, ppos);
	ret = nvgsp_vfio_check_bar(v, *ppos, count, "write");
	if (ret)
		return ret;
	return vfio_pci_core_write(core_vdev, buf, count, ppos);
}

static int nvgsp_vfio_mmap(struct vfio_device *core_vdev, struct vm_area_struct *vma)
{
	struct nvgsp_vfio_vdev *v = to_vdev(core_vdev);
	u64 pos = (u64)vma->vm_pgoff << PAGE_SHIFT;
	int ret;

	ret = nvgsp_vfio_check_bar(v, pos, vma->vm_end - vma->vm_start, "mmap");
	if (ret)
		return ret;
	return vfio_pci_core_mmap(core_vdev, vma);
}

static const struct vfio_device_ops nvgsp_vfio_ops = {
	.name = "nvgsp-vfio",
	.init = vfio_pci_core_init_dev,
	.release = vfio_pci_core_release_dev,
	.open_device = nvgsp_vfio_open_device,
	.close_device = nvgsp_vfio_close_device,
	.ioctl = nvgsp_vfio_ioctl,
	.get_region_info_caps = nvgsp_vfio_get_region_info,
	.device_feature = vfio_pci_core_ioctl_feature,
	.read = nvgsp_vfio_read,
	.write = nvgsp_vfio_write,
	.mmap = nvgsp_vfio_mmap,
	/*
	 * A VF removed (SR-IOV disabled, the VF or the PF unbound) while a
	 * VMM holds its device: vfio_unregister_group_dev() waits for the VMM
	 * and asks it, through this, to let go (the request eventfd QEMU
	 * answers with a hot-unplug).
	 */
	.request = vfio_pci_core_request,
	.match = vfio_pci_core_match,
	.match_token_uuid = vfio_pci_core_match_token_uuid,
	.bind_iommufd = vfio_iommufd_physical_bind,
	.unbind_iommufd = vfio_iommufd_physical_unbind,
	.attach_ioas = vfio_iommufd_physical_attach_ioas,
	.detach_ioas = vfio_iommufd_physical_detach_ioas,
};

static struct nvgsp_vfio_vdev *nvgsp_vfio_vdev_alloc(struct nvgsp_vfio_vf *vf)
{
	struct nvgsp_vfio_vdev *v;

	v = vfio_alloc_device(nvgsp_vfio_vdev, core.vdev, &vf->pdev->dev, &nvgsp_vfio_ops);
	if (!IS_ERR(v))
		v->vf = vf;
	return v;
}

/*
 * Makes vf->vdev a VFIO device that was never registered: a vfio_device
 * is registered once at most (vfio_main.c keeps it in its device set
 * until its last reference goes, also after a failed registration), so a
 * used one is put and a new one takes its place. Called with the VF's
 * device lock held.
 */
static int nvgsp_vfio_vdev_fresh(struct nvgsp_vfio_vf *vf)
{
	struct nvgsp_vfio_vdev *old = vf->vdev, *next;

	if (!old->used)
		return 0;
	next = nvgsp_vfio_vdev_alloc(vf);
	if (IS_ERR(next))
		return PTR_ERR(next);
	spin_lock(&vf->lock);
	vf->vdev = next;
	dev_set_drvdata(&vf->pdev->dev, &next->core);
	spin_unlock(&vf->lock);
	vfio_put_device(&old->core.vdev);
	return 0;
}

/*
 * Registers the VF's VFIO device, showing the VMM a vGPU of PCI device
 * @device_id and subsystem @subsystem_id (vendor NVIDIA's) whose BAR1 is
 * @bar1_size bytes (a power of two, at most the VF's). Called with the
 * VF's device lock held.
 */
int nvgsp_vfio_vdev_register(struct nvgsp_vfio_vf *vf, u16 device_id, u16 subsystem_id,
			     u64 bar1_size)
{
	unsigned long flags = pci_resource_flags(vf->pdev, PCI_STD_RESOURCES + 1);
	struct nvgsp_vfio_vdev *v;
	int ret;

	if (vf->vdev->registered)
		return -EBUSY;
	if (!bar1_size || !is_power_of_2(bar1_size) ||
	    bar1_size > pci_resource_len(vf->pdev, PCI_STD_RESOURCES + 1))
		return -EINVAL;
	ret = nvgsp_vfio_vdev_fresh(vf);
	if (ret)
		return ret;
	v = vf->vdev;
	v->used = true;
	v->device_id = device_id;
	v->subsystem_id = subsystem_id;
	v->bar1_size = bar1_size;
	v->bar1_flags = PCI_BASE_ADDRESS_SPACE_MEMORY;
	if (flags & IORESOURCE_MEM_64)
		v->bar1_flags |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	if (flags & IORESOURCE_PREFETCH)
		v->bar1_flags |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	v->bar1_reg = 0;
	ret = vfio_pci_core_register_device(&v->core);
	v->registered = !ret;
	return ret;
}

/*
 * Unregisters the VF's VFIO device if it is registered, waiting for a VMM
 * that holds it. Unless @last (the VF is being removed, or left without
 * vGPUs for good), a new device takes its place now (if that fails, at the
 * next registration). Called with the VF's device lock held.
 */
void nvgsp_vfio_vdev_unregister(struct nvgsp_vfio_vf *vf, bool last)
{
	struct nvgsp_vfio_vdev *v = vf->vdev;

	if (v->registered) {
		vfio_pci_core_unregister_device(&v->core);
		v->registered = false;
	}
	if (!last)
		nvgsp_vfio_vdev_fresh(vf);
}

/*
 * Tells the VMM holding the VF's VFIO device that the device was reset
 * under it (GSP-RM was lost and its vGPU started again), through the error
 * eventfd as vfio_pci_core_aer_err_detected() does: QEMU stops the guest
 * with an error. Nothing happens without a VMM (no eventfd). Called under
 * the Rust lock that remove takes before the VF goes.
 */
void nvgsp_vfio_vdev_notify_error(struct nvgsp_vfio_vf *vf)
{
	struct vfio_pci_eventfd *eventfd;

	spin_lock(&vf->lock);
	rcu_read_lock();
	eventfd = rcu_dereference(vf->vdev->core.err_trigger);
	if (eventfd)
		eventfd_signal(eventfd->ctx);
	rcu_read_unlock();
	spin_unlock(&vf->lock);
}

void nvgsp_vfio_device_lock(struct device *dev)
{
	device_lock(dev);
}

void nvgsp_vfio_device_unlock(struct device *dev)
{
	device_unlock(dev);
}

/*
 * The PCI device ID of the physical function @pf and the size of each of
 * its virtual functions' BAR1 (the SR-IOV BAR1 resource spans them all).
 */
int nvgsp_vfio_pf_info(struct device *pf, u16 *device_id, u64 *vf_bar1)
{
	struct pci_dev *pdev;
	int total;

	if (!dev_is_pci(pf))
		return -ENODEV;
	pdev = to_pci_dev(pf);
	*device_id = pdev->device;
	*vf_bar1 = 0;
	total = pci_sriov_get_totalvfs(pdev);
	if (pdev->is_physfn && total > 0)
		*vf_bar1 = pci_resource_len(pdev, PCI_IOV_RESOURCES + 1) / total;
	return 0;
}

/* The attributes of the "nvidia" group, in vf->attr[]. */
enum {
	NVGSP_VFIO_CREATABLE,
	NVGSP_VFIO_CURRENT,
};

static ssize_t nvgsp_vfio_creatable_show(struct device *dev, struct device_attribute *attr,
					 char *buf)
{
	struct nvgsp_vfio_vf *vf =
		container_of(attr, struct nvgsp_vfio_vf, attr[NVGSP_VFIO_CREATABLE]);

	return nvgsp_vfio_vf_show(vf->state, NVGSP_VFIO_CREATABLE, buf);
}

static ssize_t nvgsp_vfio_current_show(struct device *dev, struct device_attribute *attr,
				       char *buf)
{
	struct nvgsp_vfio_vf *vf =
		container_of(attr, struct nvgsp_vfio_vf, attr[NVGSP_VFIO_CURRENT]);

	return nvgsp_vfio_vf_show(vf->state, NVGSP_VFIO_CURRENT, buf);
}

static ssize_t nvgsp_vfio_current_store(struct device *dev, struct device_attribute *attr,
					const char *buf, size_t len)
{
	struct nvgsp_vfio_vf *vf =
		container_of(attr, struct nvgsp_vfio_vf, attr[NVGSP_VFIO_CURRENT]);
	ssize_t ret;

	/*
	 * The device lock serializes creation and destruction with remove,
	 * which holds it while it removes this attribute, waiting for this
	 * call: take it without waiting, and have the write restarted while
	 * remove runs (as lock_device_hotplug_sysfs() does).
	 */
	if (!device_trylock(dev)) {
		usleep_range(5000, 10000);
		return restart_syscall();
	}
	ret = nvgsp_vfio_vf_store(vf->state, buf, len);
	device_unlock(dev);
	return ret;
}

static void nvgsp_vfio_group_init(struct nvgsp_vfio_vf *vf)
{
	struct device_attribute *creatable = &vf->attr[NVGSP_VFIO_CREATABLE];
	struct device_attribute *current_type = &vf->attr[NVGSP_VFIO_CURRENT];

	sysfs_attr_init(&creatable->attr);
	creatable->attr.name = "creatable_vgpu_types";
	creatable->attr.mode = 0444;
	creatable->show = nvgsp_vfio_creatable_show;
	sysfs_attr_init(&current_type->attr);
	current_type->attr.name = "current_vgpu_type";
	current_type->attr.mode = 0644;
	current_type->show = nvgsp_vfio_current_show;
	current_type->store = nvgsp_vfio_current_store;
	vf->attrs[NVGSP_VFIO_CREATABLE] = &creatable->attr;
	vf->attrs[NVGSP_VFIO_CURRENT] = &current_type->attr;
	vf->group.name = "nvidia";
	vf->group.attrs = vf->attrs;
}

static int nvgsp_vfio_vf_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct pci_dev *pf = pci_physfn(pdev);
	struct nvgsp_vfio_vf *vf;
	u32 pf_key, dbdf;
	int ret;

	/* Physical functions are nvgsp_core's. */
	if (!pdev->is_virtfn)
		return -ENODEV;
	vf = kzalloc_obj(*vf, GFP_KERNEL);
	if (!vf)
		return -ENOMEM;
	vf->pdev = pdev;
	spin_lock_init(&vf->lock);
	vf->vdev = nvgsp_vfio_vdev_alloc(vf);
	if (IS_ERR(vf->vdev)) {
		ret = PTR_ERR(vf->vdev);
		goto out_free;
	}
	/* As nvgsp_core names its auxiliary devices: domain, bus, devfn. */
	pf_key = (u32)pci_domain_nr(pf->bus) << 16 | pci_dev_id(pf);
	dbdf = (u32)pci_domain_nr(pdev->bus) << 16 | pci_dev_id(pdev);
	ret = nvgsp_vfio_vf_probe(vf, &pdev->dev, pf_key, (u16)pci_iov_vf_id(pdev), dbdf,
				  pci_resource_len(pdev, PCI_STD_RESOURCES + 1), &vf->state);
	if (ret)
		goto out_put;
	dev_set_drvdata(&pdev->dev, &vf->vdev->core);
	nvgsp_vfio_group_init(vf);
	ret = device_add_group(&pdev->dev, &vf->group);
	if (ret) {
		pci_err(pdev, "cannot add the nvidia sysfs group: %d\n", ret);
		nvgsp_vfio_vf_remove(vf->state);
		goto out_put;
	}
	return 0;

out_put:
	vfio_put_device(&vf->vdev->core.vdev);
out_free:
	kfree(vf);
	return ret;
}

static void nvgsp_vfio_vf_pci_remove(struct pci_dev *pdev)
{
	struct vfio_pci_core_device *core = dev_get_drvdata(&pdev->dev);
	struct nvgsp_vfio_vf *vf = container_of(core, struct nvgsp_vfio_vdev, core)->vf;

	/* Waits for attribute calls in progress; none after. */
	device_remove_group(&pdev->dev, &vf->group);
	/* Destroys the vGPU, unregistering its VFIO device. */
	nvgsp_vfio_vf_remove(vf->state);
	vfio_put_device(&vf->vdev->core.vdev);
	kfree(vf);
}

/* NVIDIA 3D controllers: the virtual functions of GSP-RM GPUs. */
static const struct pci_device_id nvgsp_vfio_vf_ids[] = {
	{
		.vendor = PCI_VENDOR_ID_NVIDIA,
		.device = PCI_ANY_ID,
		.subvendor = PCI_ANY_ID,
		.subdevice = PCI_ANY_ID,
		.class = PCI_CLASS_DISPLAY_3D << 8,
		.class_mask = 0xffffff,
	},
	{}
};

static struct pci_driver nvgsp_vfio_vf_driver = {
	.name = KBUILD_MODNAME,
	.id_table = nvgsp_vfio_vf_ids,
	.probe = nvgsp_vfio_vf_pci_probe,
	.remove = nvgsp_vfio_vf_pci_remove,
	.err_handler = &vfio_pci_core_err_handlers,
	.driver_managed_dma = true,
};

int nvgsp_vfio_vf_driver_register(void)
{
	return pci_register_driver(&nvgsp_vfio_vf_driver);
}

void nvgsp_vfio_vf_driver_unregister(void)
{
	pci_unregister_driver(&nvgsp_vfio_vf_driver);
}
