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
 * (NVGSP_PARAM_VRAM_SHARE). Nothing is evicted: once the share is full,
 * creating another VRAM object fails with ENOSPC until objects are freed.
 * This version of the driver does not create VRAM objects yet: such a
 * request fails with EOPNOTSUPP.
 */
#define NVGSP_GEM_DOMAIN_SYSTEM		(1 << 0)
#define NVGSP_GEM_DOMAIN_VRAM		(1 << 1)

/**
 * struct drm_nvgsp_gem_create - create a GEM object
 * @size: in, bytes; rounded up to whole CPU pages. Zero, or more than
 *        NVGSP_PARAM_GEM_MAX_SIZE, fails with EINVAL. ENOSPC if the
 *        device's mmap offset space (shared by all its files) is full.
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
 *              whole object (or a part of it, from the offset on)
 */
struct drm_nvgsp_gem_info {
	__u32 handle;
	__u32 domain;
	__u64 size;
	__u64 map_offset;
};

#define DRM_NVGSP_GETPARAM		0x00
#define DRM_NVGSP_GEM_CREATE		0x01
#define DRM_NVGSP_GEM_INFO		0x02

#define DRM_IOCTL_NVGSP_GETPARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVGSP_GETPARAM, struct drm_nvgsp_getparam)
#define DRM_IOCTL_NVGSP_GEM_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVGSP_GEM_CREATE, struct drm_nvgsp_gem_create)
#define DRM_IOCTL_NVGSP_GEM_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVGSP_GEM_INFO, struct drm_nvgsp_gem_info)

#if defined(__cplusplus)
}
#endif

#endif /* __NVGSP_DRM_H__ */
