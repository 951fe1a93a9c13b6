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

/**
 * struct drm_nvgsp_getparam - read one property of the GPU
 * @param: in, one of NVGSP_PARAM_*; unknown values fail with EINVAL
 * @value: out, the property's value
 */
struct drm_nvgsp_getparam {
	__u64 param;
	__u64 value;
};

#define DRM_NVGSP_GETPARAM		0x00

#define DRM_IOCTL_NVGSP_GETPARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVGSP_GETPARAM, struct drm_nvgsp_getparam)

#if defined(__cplusplus)
}
#endif

#endif /* __NVGSP_DRM_H__ */
