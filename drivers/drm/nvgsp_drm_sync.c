// SPDX-License-Identifier: GPL-2.0
/*
 * Fences and sync objects for command submission.
 *
 * Linux 7.3's Rust has no dma_fence or drm_syncobj abstraction, and much
 * of their C API is static inline. These are the few calls the driver's
 * Rust side (kernel_gaps/sync.rs) makes, as plain functions. A job's fence
 * is a bare struct dma_fence with this file's ops and the fence's own
 * (inline) lock: with neither release nor wait in the ops, the last
 * reference frees it with kfree_rcu, and signalling it detaches it from
 * the ops (dma_fence_signal_timestamp_locked), so a signalled fence no
 * longer points into this module. This goes once upstream offers a Rust
 * dma_fence (DriverFence) and sync objects.
 */

#include <drm/drm_file.h>
#include <drm/drm_syncobj.h>
#include <linux/dma-fence.h>
#include <linux/dma-fence-chain.h>
#include <linux/jiffies.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

static const char *nvgsp_fence_driver_name(struct dma_fence *fence)
{
	return "nvgsp";
}

static const char *nvgsp_fence_timeline_name(struct dma_fence *fence)
{
	return "channel";
}

static const struct dma_fence_ops nvgsp_fence_ops = {
	.get_driver_name = nvgsp_fence_driver_name,
	.get_timeline_name = nvgsp_fence_timeline_name,
};

/* For Rust. */
u64 nvgsp_fence_context(void);
struct dma_fence *nvgsp_fence_new(u64 context, u64 seqno);
void nvgsp_fence_signal(struct dma_fence *fence, int error);
struct dma_fence *nvgsp_fence_get(struct dma_fence *fence);
void nvgsp_fence_put(struct dma_fence *fence);
long nvgsp_fence_wait(struct dma_fence *fence, bool intr, unsigned int ms);
int nvgsp_fence_status(struct dma_fence *fence);
int nvgsp_syncobj_fence(struct drm_file *file, u32 handle, u64 point,
			struct dma_fence **fence);
struct drm_syncobj *nvgsp_syncobj_find(struct drm_file *file, u32 handle);
void nvgsp_syncobj_put(struct drm_syncobj *syncobj);
void nvgsp_syncobj_install(struct drm_syncobj *syncobj,
			   struct dma_fence_chain *chain,
			   struct dma_fence *fence, u64 point);
struct dma_fence_chain *nvgsp_chain_alloc(void);
void nvgsp_chain_free(struct dma_fence_chain *chain);
void nvgsp_sync_quiesce(void);

/* One new fence context: a timeline whose fences signal in order. */
u64 nvgsp_fence_context(void)
{
	return dma_fence_context_alloc(1);
}

/* A new, unsignalled fence at @seqno of @context; NULL without memory. */
struct dma_fence *nvgsp_fence_new(u64 context, u64 seqno)
{
	struct dma_fence *fence = kzalloc_obj(*fence);

	if (fence)
		dma_fence_init64(fence, &nvgsp_fence_ops, NULL, context, seqno);
	return fence;
}

/* Signals @fence, with @error (negative) if not 0. Once per fence. */
void nvgsp_fence_signal(struct dma_fence *fence, int error)
{
	if (error)
		dma_fence_set_error(fence, error);
	dma_fence_signal(fence);
}

struct dma_fence *nvgsp_fence_get(struct dma_fence *fence)
{
	return dma_fence_get(fence);
}

void nvgsp_fence_put(struct dma_fence *fence)
{
	dma_fence_put(fence);
}

/*
 * Waits up to @ms for @fence (until a signal if @intr): > 0 once it
 * signalled, 0 if the time ran out, -ERESTARTSYS at a signal.
 */
long nvgsp_fence_wait(struct dma_fence *fence, bool intr, unsigned int ms)
{
	return dma_fence_wait_timeout(fence, intr, msecs_to_jiffies(ms));
}

/* 1 if @fence signalled without an error, 0 if not yet, else its error. */
int nvgsp_fence_status(struct dma_fence *fence)
{
	return dma_fence_get_status(fence);
}

/*
 * The fence of sync object @handle of @file, at timeline @point if not 0:
 * 0 and a reference in *@fence, -ENOENT for no such object, -EINVAL if it
 * has no fence (for that point) yet.
 */
int nvgsp_syncobj_fence(struct drm_file *file, u32 handle, u64 point,
			struct dma_fence **fence)
{
	return drm_syncobj_find_fence(file, handle, point, 0, fence);
}

/* A reference on sync object @handle of @file, or NULL. */
struct drm_syncobj *nvgsp_syncobj_find(struct drm_file *file, u32 handle)
{
	return drm_syncobj_find(file, handle);
}

void nvgsp_syncobj_put(struct drm_syncobj *syncobj)
{
	drm_syncobj_put(syncobj);
}

/*
 * Gives @syncobj @fence: as timeline @point with @chain (which it then
 * owns), or in place of its fence when @chain is NULL.
 */
void nvgsp_syncobj_install(struct drm_syncobj *syncobj,
			   struct dma_fence_chain *chain,
			   struct dma_fence *fence, u64 point)
{
	if (chain)
		drm_syncobj_add_point(syncobj, chain, fence, point);
	else
		drm_syncobj_replace_fence(syncobj, fence);
}

/* A timeline point's node, allocated before it is needed; NULL. */
struct dma_fence_chain *nvgsp_chain_alloc(void)
{
	return dma_fence_chain_alloc();
}

void nvgsp_chain_free(struct dma_fence_chain *chain)
{
	dma_fence_chain_free(chain);
}

/*
 * Waits until no one can be looking at this module's fence ops any more:
 * those who read a fence's ops do so under RCU, and every fence of the
 * driver has been signalled (so detached from them) before this is called.
 */
void nvgsp_sync_quiesce(void)
{
	synchronize_rcu();
}
