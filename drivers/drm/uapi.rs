// SPDX-License-Identifier: GPL-2.0

//! The driver's view of its UAPI, `include/uapi/drm/nvgsp_drm.h`.
//!
//! The C header is the one source of the interface's numbers and layouts:
//! `uapi_bindings.rs` is generated from it (`scripts/gen-uapi`, checked by
//! `make lint`) and shared with nvgspctl. This module adds what bindgen
//! cannot take from the header's function-like macros: the ioctl numbers,
//! each built from its command number and its struct, whose size
//! `kernel::declare_drm_ioctls!` checks against the number.

#![allow(non_camel_case_types)]

use kernel::ioctl::{
    _IOW,
    _IOWR, //
};

mod bindings {
    #![allow(
        non_camel_case_types,
        non_upper_case_globals,
        dead_code,
        unreachable_pub,
        missing_docs,
        clippy::all
    )]
    include!("uapi_bindings.rs");
}

pub(crate) use bindings::*;

// Userspace fills the ioctl arguments: each is a struct of plain integers
// (checked at compile time, including that no field is left out).
kernel::impl_plain_struct!(drm_nvgsp_getparam {
    param: __u64,
    value: __u64
});
kernel::impl_plain_struct!(drm_nvgsp_gem_create {
    size: __u64,
    domain: __u32,
    flags: __u32,
    handle: __u32,
    pad: __u32
});
kernel::impl_plain_struct!(drm_nvgsp_gem_info {
    handle: __u32,
    domain: __u32,
    size: __u64,
    map_offset: __u64
});

kernel::impl_plain_struct!(drm_nvgsp_vm_init {
    flags: __u32,
    pad: __u32,
    va_start: __u64,
    va_end: __u64
});
kernel::impl_plain_struct!(drm_nvgsp_vm_bind_op {
    op: __u32,
    flags: __u32,
    handle: __u32,
    pad: __u32,
    addr: __u64,
    range: __u64,
    bo_offset: __u64
});
kernel::impl_plain_struct!(drm_nvgsp_vm_bind {
    op_count: __u32,
    flags: __u32,
    op_ptr: __u64,
    wait_count: __u32,
    sig_count: __u32,
    wait_ptr: __u64,
    sig_ptr: __u64,
    ops_done: __u32,
    pad: __u32
});

kernel::impl_plain_struct!(drm_nvgsp_channel_alloc {
    copy_engine: __u32,
    flags: __u32,
    channel: __u32,
    gpfifo_entries: __u32
});
kernel::impl_plain_struct!(drm_nvgsp_channel_free {
    channel: __u32,
    pad: __u32
});
kernel::impl_plain_struct!(drm_nvgsp_sync {
    flags: __u32,
    handle: __u32,
    timeline_value: __u64
});
kernel::impl_plain_struct!(drm_nvgsp_exec_push {
    va: __u64,
    va_len: __u32,
    flags: __u32
});
kernel::impl_plain_struct!(drm_nvgsp_exec {
    channel: __u32,
    push_count: __u32,
    wait_count: __u32,
    sig_count: __u32,
    wait_ptr: __u64,
    sig_ptr: __u64,
    push_ptr: __u64,
    flags: __u32,
    pad: __u32
});

/// `DRM_IOCTL_BASE` of include/uapi/drm/drm.h (`'d'`).
const DRM_IOCTL_BASE: u32 = b'd' as u32;
/// First driver-private ioctl number (include/uapi/drm/drm.h).
pub(crate) const DRM_COMMAND_BASE: u32 = 0x40;

/// `DRM_IOCTL_NVGSP_GETPARAM`.
pub(crate) const DRM_IOCTL_NVGSP_GETPARAM: u32 =
    _IOWR::<drm_nvgsp_getparam>(DRM_IOCTL_BASE, DRM_COMMAND_BASE + DRM_NVGSP_GETPARAM);
/// `DRM_IOCTL_NVGSP_GEM_CREATE`.
pub(crate) const DRM_IOCTL_NVGSP_GEM_CREATE: u32 =
    _IOWR::<drm_nvgsp_gem_create>(DRM_IOCTL_BASE, DRM_COMMAND_BASE + DRM_NVGSP_GEM_CREATE);
/// `DRM_IOCTL_NVGSP_GEM_INFO`.
pub(crate) const DRM_IOCTL_NVGSP_GEM_INFO: u32 =
    _IOWR::<drm_nvgsp_gem_info>(DRM_IOCTL_BASE, DRM_COMMAND_BASE + DRM_NVGSP_GEM_INFO);
/// `DRM_IOCTL_NVGSP_VM_INIT`.
pub(crate) const DRM_IOCTL_NVGSP_VM_INIT: u32 =
    _IOWR::<drm_nvgsp_vm_init>(DRM_IOCTL_BASE, DRM_COMMAND_BASE + DRM_NVGSP_VM_INIT);
/// `DRM_IOCTL_NVGSP_VM_BIND`.
pub(crate) const DRM_IOCTL_NVGSP_VM_BIND: u32 =
    _IOWR::<drm_nvgsp_vm_bind>(DRM_IOCTL_BASE, DRM_COMMAND_BASE + DRM_NVGSP_VM_BIND);
/// `DRM_IOCTL_NVGSP_CHANNEL_ALLOC`.
pub(crate) const DRM_IOCTL_NVGSP_CHANNEL_ALLOC: u32 =
    _IOWR::<drm_nvgsp_channel_alloc>(DRM_IOCTL_BASE, DRM_COMMAND_BASE + DRM_NVGSP_CHANNEL_ALLOC);
/// `DRM_IOCTL_NVGSP_CHANNEL_FREE`.
pub(crate) const DRM_IOCTL_NVGSP_CHANNEL_FREE: u32 =
    _IOW::<drm_nvgsp_channel_free>(DRM_IOCTL_BASE, DRM_COMMAND_BASE + DRM_NVGSP_CHANNEL_FREE);
/// `DRM_IOCTL_NVGSP_EXEC`.
pub(crate) const DRM_IOCTL_NVGSP_EXEC: u32 =
    _IOW::<drm_nvgsp_exec>(DRM_IOCTL_BASE, DRM_COMMAND_BASE + DRM_NVGSP_EXEC);
