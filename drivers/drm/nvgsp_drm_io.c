// SPDX-License-Identifier: GPL-2.0
/*
 * GEM objects whose CPU mappings are I/O memory: VRAM objects, which the
 * CPU reaches through BAR1 (the core maps them there).
 *
 * Linux 7.3's Rust GEM has no such object: its objects are shmem-backed
 * (kernel::drm::gem::shmem), or base objects that cannot be mapped. A
 * VRAM object is made as a shmem object (whose file then stays empty) and
 * given these functions instead of the shmem ones: mmap maps I/O memory
 * (write-combined, no struct pages: VM_PFNMAP), a fault inserts the page
 * the driver names, and what would reach the shmem pages (export, vmap,
 * pin, sg tables) is refused. The driver's side is in kernel_gaps.rs.
 * This goes once the Rust DRM abstractions offer objects backed by I/O
 * memory.
 */

#include <drm/drm_device.h>
#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>
#include <linux/dma-buf.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mutex.h>

/* Rust (kernel_gaps.rs). */
int nvgsp_drm_io_mmap_prepare(struct drm_gem_object *obj);
int nvgsp_drm_io_fault(struct drm_gem_object *obj, u64 page,
		       void *fault);
int nvgsp_drm_io_wait(struct drm_gem_object *obj);

/* For Rust. */
void nvgsp_drm_io_insert(void *fault, u64 pfn);
int nvgsp_drm_io_object(struct drm_gem_object *obj);
void nvgsp_drm_io_zap(struct drm_gem_object *obj);
bool nvgsp_drm_io_get(struct drm_gem_object *obj);
void nvgsp_drm_io_put(struct drm_gem_object *obj);

/* One fault, as Rust passes it back to nvgsp_drm_io_insert(). */
struct nvgsp_io_fault {
	struct vm_fault *vmf;
	vm_fault_t ret;
};

/*
 * Rust maps the page, or says the GPU is being reset: then the fault waits
 * for the reset's end as TTM's faults wait for a busy object
 * (ttm_bo_vm_reserve): without the mm's lock when the fault may be retried,
 * else in place, once: a signal then lets the access fault again after it
 * is handled, and a reset still not over after the wait is SIGBUS.
 */
static vm_fault_t nvgsp_io_vm_fault(struct vm_fault *vmf)
{
	struct drm_gem_object *obj = vmf->vma->vm_private_data;
	/* The page of the object: vm_pgoff counts from the object's node. */
	unsigned long page = vmf->pgoff - drm_vma_node_start(&obj->vma_node);
	struct nvgsp_io_fault f = { .vmf = vmf, .ret = VM_FAULT_SIGBUS };

	if (!nvgsp_drm_io_fault(obj, page, &f))
		return f.ret;
	if (fault_flag_allow_retry_first(vmf->flags)) {
		if (!(vmf->flags & FAULT_FLAG_RETRY_NOWAIT)) {
			drm_gem_object_get(obj);
			release_fault_lock(vmf);
			nvgsp_drm_io_wait(obj);
			drm_gem_object_put(obj);
		}
		return VM_FAULT_RETRY;
	}
	if (nvgsp_drm_io_wait(obj))
		return VM_FAULT_NOPAGE;
	if (nvgsp_drm_io_fault(obj, page, &f))
		return VM_FAULT_SIGBUS;
	return f.ret;
}

/* Called by Rust, under its lock, with the page frame to map. */
void nvgsp_drm_io_insert(void *fault, u64 pfn)
{
	struct nvgsp_io_fault *f = fault;

	f->ret = vmf_insert_pfn(f->vmf->vma, f->vmf->address, pfn);
}

static const struct vm_operations_struct nvgsp_io_vm_ops = {
	.fault = nvgsp_io_vm_fault,
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static int nvgsp_io_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	int ret;

	/* Private writable mappings would need pages to copy: there are none. */
	if (vma_is_cow_mapping(vma))
		return -EINVAL;
	ret = nvgsp_drm_io_mmap_prepare(obj);
	if (ret)
		return ret;
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_writecombine(vm_get_page_prot(vma->vm_flags));
	vma->vm_page_prot = pgprot_decrypted(vma->vm_page_prot);
	vma->vm_ops = &nvgsp_io_vm_ops;
	return 0;
}

static struct dma_buf *nvgsp_io_export(struct drm_gem_object *obj, int flags)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static struct drm_gem_object_funcs nvgsp_io_funcs;
static DEFINE_MUTEX(nvgsp_io_funcs_lock);

/*
 * Makes @obj, a shmem object of this driver with no pages yet, an I/O
 * object. The functions are the shmem ones (free, open, close: the Rust
 * object's) with those that reach memory replaced.
 */
int nvgsp_drm_io_object(struct drm_gem_object *obj)
{
	int ret = 0;

	mutex_lock(&nvgsp_io_funcs_lock);
	if (!nvgsp_io_funcs.free) {
		nvgsp_io_funcs = *obj->funcs;
		nvgsp_io_funcs.mmap = nvgsp_io_mmap;
		nvgsp_io_funcs.vm_ops = &nvgsp_io_vm_ops;
		nvgsp_io_funcs.export = nvgsp_io_export;
		nvgsp_io_funcs.pin = NULL;
		nvgsp_io_funcs.unpin = NULL;
		nvgsp_io_funcs.get_sg_table = NULL;
		nvgsp_io_funcs.vmap = NULL;
		nvgsp_io_funcs.vunmap = NULL;
		nvgsp_io_funcs.evict = NULL;
		nvgsp_io_funcs.rss = NULL;
	} else if (nvgsp_io_funcs.free != obj->funcs->free) {
		/* Another kind of object: not one this was made for. */
		ret = -EINVAL;
	}
	if (!ret)
		obj->funcs = &nvgsp_io_funcs;
	mutex_unlock(&nvgsp_io_funcs_lock);
	return ret;
}

/* A reference on @obj, unless it is being freed (then it has no mapping). */
bool nvgsp_drm_io_get(struct drm_gem_object *obj)
{
	return kref_get_unless_zero(&obj->refcount);
}

void nvgsp_drm_io_put(struct drm_gem_object *obj)
{
	drm_gem_object_put(obj);
}

/* Takes away every CPU mapping of @obj (which the caller holds). */
void nvgsp_drm_io_zap(struct drm_gem_object *obj)
{
	drm_vma_node_unmap(&obj->vma_node, obj->dev->anon_inode->i_mapping);
}
