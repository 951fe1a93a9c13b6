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
