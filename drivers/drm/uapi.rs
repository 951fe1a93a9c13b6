// SPDX-License-Identifier: GPL-2.0

//! The driver's view of its UAPI, `include/uapi/drm/nvgsp_drm.h`.
//!
//! The C header is the interface userspace compiles against; this is its
//! Rust mirror, kept in the driver so that a new ioctl needs no kernel
//! rebuild. Each struct's size is checked against the size encoded in its
//! ioctl number by [`declare_ioctls!`](crate::ioctl), and
//! `tests/vm/uapi-header.sh` checks the numbers against the C header.

#![allow(non_camel_case_types)]

use kernel::ioctl::_IOWR;

/// `DRM_IOCTL_BASE` of include/uapi/drm/drm.h (`'d'`).
const DRM_IOCTL_BASE: u32 = b'd' as u32;
/// First driver-private ioctl number (include/uapi/drm/drm.h).
pub(crate) const DRM_COMMAND_BASE: u32 = 0x40;

/// `NVGSP_PARAM_CHIPSET`: chipset number, `architecture << 4 | implementation`.
pub(crate) const NVGSP_PARAM_CHIPSET: u64 = 1;
/// `NVGSP_PARAM_REVISION`: silicon revision, `major << 4 | minor`.
pub(crate) const NVGSP_PARAM_REVISION: u64 = 2;
/// `NVGSP_PARAM_VRAM_SIZE`: VRAM in bytes, as GSP-RM reports it.
pub(crate) const NVGSP_PARAM_VRAM_SIZE: u64 = 3;
/// `NVGSP_PARAM_USABLE_VRAM_SIZE`: VRAM GSP-RM leaves to the driver.
pub(crate) const NVGSP_PARAM_USABLE_VRAM_SIZE: u64 = 4;
/// `NVGSP_PARAM_GPC_COUNT`: graphics processing clusters.
pub(crate) const NVGSP_PARAM_GPC_COUNT: u64 = 5;
/// `NVGSP_PARAM_TPC_PER_GPC`: texture processing clusters per GPC.
pub(crate) const NVGSP_PARAM_TPC_PER_GPC: u64 = 6;
/// `NVGSP_PARAM_ENGINE_MASK`: bit n set if an engine of type n exists.
pub(crate) const NVGSP_PARAM_ENGINE_MASK: u64 = 7;

/// `struct drm_nvgsp_getparam`.
#[repr(C)]
pub(crate) struct drm_nvgsp_getparam {
    /// In: one of `NVGSP_PARAM_*`.
    pub(crate) param: u64,
    /// Out: the parameter's value.
    pub(crate) value: u64,
}

/// `DRM_NVGSP_GETPARAM`.
const DRM_NVGSP_GETPARAM: u32 = 0x00;

/// `DRM_IOCTL_NVGSP_GETPARAM`.
pub(crate) const DRM_IOCTL_NVGSP_GETPARAM: u32 =
    _IOWR::<drm_nvgsp_getparam>(DRM_IOCTL_BASE, DRM_COMMAND_BASE + DRM_NVGSP_GETPARAM);
