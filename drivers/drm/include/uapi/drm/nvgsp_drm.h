/* SPDX-License-Identifier: MIT */
/*
 * nvgsp DRM UAPI: the render-node interface of nvgsp_drm.ko.
 *
 * Not yet stable: it grows with the driver. Every ioctl takes a struct whose
 * reserved fields must be zero, so it can be extended without new numbers.
 */
#ifndef __NVGSP_DRM_H__
#define __NVGSP_DRM_H__

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/* Parameters of DRM_IOCTL_NVGSP_GETPARAM. */
/* Chipset number, architecture << 4 | implementation (GA102 = 0x172). */
#define NVGSP_PARAM_CHIPSET		1
/* Silicon revision, major << 4 | minor (A1 = 0xa1). */
#define NVGSP_PARAM_REVISION		2
/* VRAM in bytes, as GSP-RM reports it. */
#define NVGSP_PARAM_VRAM_SIZE		3
/* VRAM GSP-RM leaves to the driver, in bytes. */
#define NVGSP_PARAM_USABLE_VRAM_SIZE	4
/* Graphics processing clusters. */
#define NVGSP_PARAM_GPC_COUNT		5
/* Texture processing clusters per GPC. */
#define NVGSP_PARAM_TPC_PER_GPC		6
/*
 * Engines: bit n is set if the GPU has an engine of type n (NVIDIA's
 * NV2080_ENGINE_TYPE_* numbering: 1 graphics, 9.. copy, 0x13.. NVDEC,
 * 0x1b.. NVENC, 0x22 software, 0x26 SEC2, 0x2b NVJPG, 0x33 OFA).
 */
#define NVGSP_PARAM_ENGINE_MASK		7
/*
 * VRAM the DRM device may hand out, in bytes: its share of the VRAM the
 * core partitions between its clients. The administrator can change the
 * shares while the device is open (nvgsp_core's partition/policy), so a
 * value read now may be stale later.
 */
#define NVGSP_PARAM_VRAM_SHARE		8
/* VRAM the DRM device's objects hold now, in bytes (all files together). */
#define NVGSP_PARAM_VRAM_SHARE_USED	9
/* The largest GEM object DRM_IOCTL_NVGSP_GEM_CREATE makes, in bytes. */
#define NVGSP_PARAM_GEM_MAX_SIZE	10
/*
 * GPU page sizes VM_BIND maps with, as a mask of sizes in bytes (4 KiB,
 * 64 KiB, 2 MiB). Which one a mapping gets is the driver's choice: see
 * struct drm_nvgsp_vm_bind_op.
 */
#define NVGSP_PARAM_PAGE_SIZES		11
/* The first GPU VA userspace may bind (what VM_INIT reports). */
#define NVGSP_PARAM_VA_START		12
/* The end of the VA range userspace may bind (exclusive). */
#define NVGSP_PARAM_VA_END		13
/* The most ops one DRM_IOCTL_NVGSP_VM_BIND takes. */
#define NVGSP_PARAM_VM_BIND_MAX_OPS	14
/*
 * Bytes of BAR1, the window through which the CPU maps VRAM objects, that
 * mappings may take; all the GPU's clients share it (0 if the GPU has
 * none the driver can use).
 */
#define NVGSP_PARAM_BAR1_SIZE		15
/* Channels one file may have at once (DRM_IOCTL_NVGSP_CHANNEL_ALLOC). */
#define NVGSP_PARAM_CHANNEL_MAX		16
/* GPFIFO entries of a channel's ring: a job takes one per push. */
#define NVGSP_PARAM_GPFIFO_ENTRIES	17
/* The most pushes one DRM_IOCTL_NVGSP_EXEC takes. */
#define NVGSP_PARAM_EXEC_MAX_PUSH	18
/* The most wait or signal entries one DRM_IOCTL_NVGSP_EXEC takes. */
#define NVGSP_PARAM_EXEC_MAX_SYNC	19
/*
 * Milliseconds a job may run on the GPU before the driver gives up on it:
 * its fence signals ETIMEDOUT and its channel is made again.
 */
#define NVGSP_PARAM_JOB_TIMEOUT_MS	20
/* Bytes of the largest push (DRM_IOCTL_NVGSP_EXEC, va_len). */
#define NVGSP_PARAM_PUSH_MAX_SIZE	21

/**
 * struct drm_nvgsp_getparam - read one property of the GPU or the driver
 * @param: in, one of NVGSP_PARAM_*; unknown values fail with EINVAL
 * @value: out, the property's value
 */
struct drm_nvgsp_getparam {
	__u64 param;
	__u64 value;
};

/*
 * Where a GEM object's memory lives.
 *
 * NVGSP_GEM_DOMAIN_SYSTEM: pages of system memory, swappable while no one
 * uses them, mapped by the CPU as normal cached memory. Such objects can
 * be exported as dma-bufs (PRIME), which this device imports back as the
 * same object; this version of the driver cannot import other devices'
 * dma-bufs (EINVAL).
 *
 * NVGSP_GEM_DOMAIN_VRAM: the GPU's memory, from the DRM device's share
 * (NVGSP_PARAM_VRAM_SHARE), one contiguous range per object, its size
 * rounded up to 64 KiB (aligned to 2 MiB from 2 MiB on). Nothing is
 * evicted: once the share is full, creating another VRAM object fails
 * with ENOSPC until objects are freed (ENOMEM if the share has room but
 * no free range is large enough). A new object reads as zeroes: the CPU
 * clears it through BAR1 before its first mmap() or VM_BIND map, which
 * takes a while for a large one (and fails with EINTR if a signal comes
 * meanwhile, EAGAIN while the GPU is being reset, ENODEV if the GPU has no
 * usable BAR1). The CPU
 * maps a VRAM object through BAR1 (NVGSP_PARAM_BAR1_SIZE),
 * write-combined: reads are slow, and only shared mappings are allowed
 * (MAP_PRIVATE fails with EINVAL). The first mmap() of an object takes
 * its range of BAR1, held until the object is freed; when BAR1 is full,
 * mmap() fails with ENOSPC (ENODEV if the GPU has no usable BAR1, EAGAIN
 * while it is being reset, ENOMEM). While the GPU is reset after a
 * GSP-RM crash, an access to a mapping waits until the reset is over (a
 * few minutes at most, then SIGBUS); what VRAM held may be lost in a
 * reset.
 * VRAM objects cannot be exported (EOPNOTSUPP). When the GPU is unbound,
 * the memory is gone: a CPU mapping of it raises SIGBUS.
 */
#define NVGSP_GEM_DOMAIN_SYSTEM		(1 << 0)
#define NVGSP_GEM_DOMAIN_VRAM		(1 << 1)

/**
 * struct drm_nvgsp_gem_create - create a GEM object
 * @size: in, bytes; rounded up to whole CPU pages (VRAM objects: to
 *        64 KiB). Zero, or more than NVGSP_PARAM_GEM_MAX_SIZE, fails with
 *        EINVAL. ENOSPC if the device's mmap offset space (shared by all
 *        its files) is full.
 * @domain: in, exactly one of NVGSP_GEM_DOMAIN_*; else EINVAL
 * @flags: in, none defined yet: must be 0 (else EINVAL)
 * @handle: out, the object's handle in this file
 * @pad: must be 0 (else EINVAL)
 *
 * The object lives until its last handle is closed (GEM_CLOSE, or the
 * file is closed) and no mapping or dma-buf holds it.
 */
struct drm_nvgsp_gem_create {
	__u64 size;
	__u32 domain;
	__u32 flags;
	__u32 handle;
	__u32 pad;
};

/**
 * struct drm_nvgsp_gem_info - what a GEM object is, and how to map it
 * @handle: in, an object handle of this file (handles are per file: the
 *          same number in another file names that file's object, if any);
 *          a closed or unknown handle fails with ENOENT
 * @domain: out, its NVGSP_GEM_DOMAIN_*
 * @size: out, its size in bytes (a multiple of the CPU page size)
 * @map_offset: out, the offset to pass to mmap() on this file to map the
 *              object: a mapping starts at the object's start (this very
 *              offset) and may be shorter than the object; unmapping its
 *              front later keeps the rest where it was
 */
struct drm_nvgsp_gem_info {
	__u32 handle;
	__u32 domain;
	__u64 size;
	__u64 map_offset;
};

/**
 * struct drm_nvgsp_vm_init - give this file its GPU virtual address space
 * @flags: in, none defined yet: must be 0 (else EINVAL)
 * @pad: must be 0 (else EINVAL)
 * @va_start: out, the first VA userspace may bind
 * @va_end: out, the end of that range (exclusive)
 *
 * Each file has at most one VA space (a second VM_INIT fails with EEXIST),
 * and VM_BIND needs it (ENOENT before). The VA range userspace manages is
 * [va_start, va_end); the VAs below va_start are the kernel's (its own
 * mappings and GSP-RM's) and cannot be bound. The VA space, its page
 * tables and every mapping in it go when the file is closed. ENOSPC if
 * the device's files hold 1024 VA spaces already.
 *
 * The page tables of a file's mappings are kernel memory: they may take
 * at most 64 MiB per file, a 4 KiB table for each 2 MiB of VA in use
 * (32 GiB mapped densely, 16,000 scattered pages at worst); a map that
 * would take more fails with ENOSPC. Tables an unmap empties count until
 * the VM_BIND that emptied them ends.
 */
struct drm_nvgsp_vm_init {
	__u32 flags;
	__u32 pad;
	__u64 va_start;
	__u64 va_end;
};

/* Ops of DRM_IOCTL_NVGSP_VM_BIND. */
#define NVGSP_VM_BIND_OP_MAP		1
#define NVGSP_VM_BIND_OP_UNMAP		2

/**
 * struct drm_nvgsp_vm_bind_op - one mapping change
 * @op: NVGSP_VM_BIND_OP_MAP or _UNMAP (else EINVAL)
 * @flags: none defined yet: must be 0 (else EINVAL)
 * @handle: MAP: a GEM handle of this file (ENOENT if it names none);
 *          UNMAP: must be 0
 * @pad: must be 0
 * @addr: the GPU VA, a multiple of 4 KiB in [va_start, va_end)
 * @range: bytes, a nonzero multiple of 4 KiB; addr + range <= va_end
 * @bo_offset: MAP: where in the object the mapping starts, a multiple of
 *             4 KiB, with bo_offset + range <= the object's size;
 *             UNMAP: must be 0
 *
 * MAP maps the object's pages at [addr, addr + range). What was mapped
 * there before is unmapped first (a mapping the range cuts keeps its
 * other parts). UNMAP unmaps whatever is mapped in the range (nothing
 * mapped is not an error); again a mapping it cuts keeps the rest.
 *
 * The driver picks each GPU page's size: system memory is mapped in 4 KiB
 * pages; VRAM in the largest of 2 MiB, 64 KiB and 4 KiB that the VA, the
 * memory's address and the length left allow, so userspace that aligns
 * VAs and offsets to 2 MiB gets 2 MiB pages.
 */
struct drm_nvgsp_vm_bind_op {
	__u32 op;
	__u32 flags;
	__u32 handle;
	__u32 pad;
	__u64 addr;
	__u64 range;
	__u64 bo_offset;
};

/*
 * VM_BIND flags.
 *
 * NVGSP_VM_BIND_RUN_ASYNC: the binds are ordered with the file's jobs
 * through sync objects (struct drm_nvgsp_sync, as EXEC takes them): they
 * take effect after every fence the wait entries name has signalled
 * (whatever its result), and the signal entries get a fence that signals
 * once they took effect (with the bind's error, if it failed). So a job
 * that waited for nothing the bind waits for may still use the old
 * mappings, and a job that waits for the bind's fence sees the new ones.
 * This driver applies the ops in the ioctl, once the fences it waits for
 * have signalled (it waits for them, interruptibly): the ioctl returns
 * when they took effect, and the signal entries' fence has signalled.
 * Without the flag, the wait and signal fields must be 0.
 */
#define NVGSP_VM_BIND_RUN_ASYNC		(1 << 0)

/**
 * struct drm_nvgsp_vm_bind - change the mappings of this file's VA space
 * @op_count: in, ops in @op_ptr: 1 to NVGSP_PARAM_VM_BIND_MAX_OPS (else
 *            EINVAL)
 * @flags: in, 0 or NVGSP_VM_BIND_RUN_ASYNC
 * @op_ptr: in, user pointer to @op_count struct drm_nvgsp_vm_bind_op
 * @wait_count: in, with RUN_ASYNC: entries in @wait_ptr, 0 to
 *              NVGSP_PARAM_EXEC_MAX_SYNC (else 0)
 * @sig_count: in, with RUN_ASYNC: entries in @sig_ptr, likewise
 * @wait_ptr: in, with RUN_ASYNC: user pointer to @wait_count struct
 *            drm_nvgsp_sync (else 0)
 * @sig_ptr: in, with RUN_ASYNC: user pointer to @sig_count struct
 *           drm_nvgsp_sync (else 0)
 * @ops_done: out, how many ops took effect
 * @pad: must be 0
 *
 * The ops take effect in order, synchronously: when the ioctl returns the
 * GPU sees the new mappings. At the first op that fails the ioctl stops
 * with its error: the ops before it took effect (@ops_done of them), the
 * ops after it were not looked at. A failed op refused for its arguments
 * (EINVAL for a malformed op or a range outside [va_start, va_end),
 * ENOENT for an unknown handle) changed nothing; a map that failed while
 * mapping (ENOMEM, or ENOSPC past the file's page table budget, see
 * VM_INIT) leaves its range unmapped. ENOENT also without VM_INIT;
 * EFAULT if @op_ptr cannot be read (nothing is done then); EINTR if a
 * signal came (the ops before it took effect); EAGAIN while the GPU is
 * being reset and ENODEV once it is gone (the ops before took effect in
 * the page tables, but the GPU may not see them until a later VM_BIND
 * succeeds). With RUN_ASYNC, before any op: EINVAL for a malformed sync
 * entry or a wait with no fence, ENOENT for an unknown sync object,
 * EFAULT for a list that cannot be read, and EINTR (restarted) at a
 * signal while waiting; the signal entries get their fence only if the
 * ops were looked at (also when one failed).
 */
struct drm_nvgsp_vm_bind {
	__u32 op_count;
	__u32 flags;
	__u64 op_ptr;
	__u32 wait_count;
	__u32 sig_count;
	__u64 wait_ptr;
	__u64 sig_ptr;
	__u32 ops_done;
	__u32 pad;
};

/**
 * struct drm_nvgsp_channel_alloc - a channel on a copy engine
 * @copy_engine: in, the copy engine's index n (engine type 9 + n in
 *               NVGSP_PARAM_ENGINE_MASK); ENODEV for one the GPU does not
 *               run channels on
 * @flags: in, must be 0 (else EINVAL)
 * @channel: out, the channel's number in this file (numbers are not
 *           reused while the file is open)
 * @gpfifo_entries: out, the entries of its GPFIFO ring
 *
 * The channel runs in this file's VA space (VM_INIT first, else ENOENT):
 * its pushes are read, and its copies go, through this file's mappings.
 * It takes a channel ID and some VRAM from the DRM device's share (ENOSPC
 * when the share is used up; EMFILE past NVGSP_PARAM_CHANNEL_MAX for the
 * file). The channel's errors (a fault, a bad method) fail its running
 * jobs' fences, and the driver makes the channel again; they do not reach
 * any other file.
 */
struct drm_nvgsp_channel_alloc {
	__u32 copy_engine;
	__u32 flags;
	__u32 channel;
	__u32 gpfifo_entries;
};

/**
 * struct drm_nvgsp_channel_free - free a channel
 * @channel: in, a channel of this file (else ENOENT)
 * @pad: must be 0 (else EINVAL)
 *
 * Jobs not yet run are cancelled (their fences signal ECANCELED), those
 * running are stopped (their fences signal ECANCELED too), and the
 * channel's objects go before the ioctl returns.
 */
struct drm_nvgsp_channel_free {
	__u32 channel;
	__u32 pad;
};

/*
 * Kinds of struct drm_nvgsp_sync: a binary sync object (its fence is
 * replaced), or a point of a timeline sync object.
 */
#define NVGSP_SYNC_SYNCOBJ		0
#define NVGSP_SYNC_TIMELINE_SYNCOBJ	1

/**
 * struct drm_nvgsp_sync - one sync object a job waits for or signals
 * @flags: in, NVGSP_SYNC_SYNCOBJ or NVGSP_SYNC_TIMELINE_SYNCOBJ
 * @handle: in, the sync object's handle in this file
 * @timeline_value: in, the timeline point (timeline only, else 0)
 *
 * A wait names a fence the sync object (or its point) has when EXEC is
 * called: EINVAL if there is none yet.
 */
struct drm_nvgsp_sync {
	__u32 flags;
	__u32 handle;
	__u64 timeline_value;
};

/**
 * struct drm_nvgsp_exec_push - one push buffer segment of a job
 * @va: in, its GPU VA in this file's VA space, 4-byte aligned, below 2^40
 * @va_len: in, its length in bytes: a multiple of 4, 4 to
 *          NVGSP_PARAM_PUSH_MAX_SIZE
 * @flags: in, must be 0
 *
 * The host fetches the methods through the file's mappings when the job
 * runs; a push that is not mapped then faults the job.
 */
struct drm_nvgsp_exec_push {
	__u64 va;
	__u32 va_len;
	__u32 flags;
};

/**
 * struct drm_nvgsp_exec - queue a job on a channel
 * @channel: in, a channel of this file (else ENOENT)
 * @push_count: in, pushes in @push_ptr: 0 to NVGSP_PARAM_EXEC_MAX_PUSH
 *              (a job with none only orders its waits and signals)
 * @wait_count: in, entries in @wait_ptr: 0 to NVGSP_PARAM_EXEC_MAX_SYNC
 * @sig_count: in, entries in @sig_ptr: 0 to NVGSP_PARAM_EXEC_MAX_SYNC
 * @wait_ptr: in, user pointer to @wait_count struct drm_nvgsp_sync
 * @sig_ptr: in, user pointer to @sig_count struct drm_nvgsp_sync
 * @push_ptr: in, user pointer to @push_count struct drm_nvgsp_exec_push
 * @flags: in, must be 0
 * @pad: must be 0
 *
 * The job runs after every fence it waits for has signalled, and after
 * the channel's earlier jobs: jobs of a channel run and end in order. Its
 * fence, which the signal entries get when the ioctl returns, signals when
 * the GPU has run the job, with an error if it did not: EIO if the job
 * faulted or a fence it waited for signalled an error (then it does not
 * run), ETIMEDOUT if it ran past NVGSP_PARAM_JOB_TIMEOUT_MS, ECANCELED if
 * its channel was freed first or a job before it timed out, and EIO if the
 * GPU was reset meanwhile. A channel error fails every job running on the
 * channel then (EIO), not only the one that caused it.
 *
 * A channel holds up to 1024 jobs queued or running (waiting for their
 * fences, for room in its ring, or on the GPU); EXEC waits for room past
 * that. A job whose fences have not signalled after 40 s fails with
 * ETIMEDOUT without running. A job's timeout counts from
 * when the jobs before it on the channel ended. A job with no push still
 * goes through the channel (its fence signals once the jobs before it
 * ended). Closing the file frees its channels (see CHANNEL_FREE).
 *
 * Errors: EINVAL for a malformed request or entry (a timeline entry at
 * point 0 among them), or a wait with no fence; ENOENT for an unknown
 * channel or sync object; EFAULT if a list cannot be read; EINTR at a
 * signal while waiting for room; ENOMEM; ENODEV once the GPU is gone.
 * Nothing was queued then.
 */
struct drm_nvgsp_exec {
	__u32 channel;
	__u32 push_count;
	__u32 wait_count;
	__u32 sig_count;
	__u64 wait_ptr;
	__u64 sig_ptr;
	__u64 push_ptr;
	__u32 flags;
	__u32 pad;
};

#define DRM_NVGSP_GETPARAM		0x00
#define DRM_NVGSP_GEM_CREATE		0x01
#define DRM_NVGSP_GEM_INFO		0x02
#define DRM_NVGSP_VM_INIT		0x03
#define DRM_NVGSP_VM_BIND		0x04
#define DRM_NVGSP_CHANNEL_ALLOC		0x05
#define DRM_NVGSP_CHANNEL_FREE		0x06
#define DRM_NVGSP_EXEC			0x07

#define DRM_IOCTL_NVGSP_GETPARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVGSP_GETPARAM, struct drm_nvgsp_getparam)
#define DRM_IOCTL_NVGSP_GEM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVGSP_GEM_CREATE, struct drm_nvgsp_gem_create)
#define DRM_IOCTL_NVGSP_GEM_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVGSP_GEM_INFO, struct drm_nvgsp_gem_info)
#define DRM_IOCTL_NVGSP_VM_INIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVGSP_VM_INIT, struct drm_nvgsp_vm_init)
#define DRM_IOCTL_NVGSP_VM_BIND \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVGSP_VM_BIND, struct drm_nvgsp_vm_bind)
#define DRM_IOCTL_NVGSP_CHANNEL_ALLOC \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVGSP_CHANNEL_ALLOC, struct drm_nvgsp_channel_alloc)
#define DRM_IOCTL_NVGSP_CHANNEL_FREE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_NVGSP_CHANNEL_FREE, struct drm_nvgsp_channel_free)
#define DRM_IOCTL_NVGSP_EXEC \
	DRM_IOW(DRM_COMMAND_BASE + DRM_NVGSP_EXEC, struct drm_nvgsp_exec)

#if defined(__cplusplus)
}
#endif

#endif /* __NVGSP_DRM_H__ */
