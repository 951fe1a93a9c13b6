// SPDX-License-Identifier: MIT
//
// Generated from drivers/drm/include/uapi/drm/nvgsp_drm.h by scripts/gen-uapi; do not edit. Command:
//   bindgen drivers/drm/include/uapi/drm/nvgsp_drm.h --use-core --no-doc-comments --allowlist-item drm_nvgsp_.*|NVGSP_.*|DRM_NVGSP_.* -- -I /usr/include/drm
// (the toolchain root's bindgen)

pub const NVGSP_PARAM_CHIPSET: u32 = 1;
pub const NVGSP_PARAM_REVISION: u32 = 2;
pub const NVGSP_PARAM_VRAM_SIZE: u32 = 3;
pub const NVGSP_PARAM_USABLE_VRAM_SIZE: u32 = 4;
pub const NVGSP_PARAM_GPC_COUNT: u32 = 5;
pub const NVGSP_PARAM_TPC_PER_GPC: u32 = 6;
pub const NVGSP_PARAM_ENGINE_MASK: u32 = 7;
pub const NVGSP_PARAM_VRAM_SHARE: u32 = 8;
pub const NVGSP_PARAM_VRAM_SHARE_USED: u32 = 9;
pub const NVGSP_PARAM_GEM_MAX_SIZE: u32 = 10;
pub const NVGSP_PARAM_PAGE_SIZES: u32 = 11;
pub const NVGSP_PARAM_VA_START: u32 = 12;
pub const NVGSP_PARAM_VA_END: u32 = 13;
pub const NVGSP_PARAM_VM_BIND_MAX_OPS: u32 = 14;
pub const NVGSP_PARAM_BAR1_SIZE: u32 = 15;
pub const NVGSP_PARAM_CHANNEL_MAX: u32 = 16;
pub const NVGSP_PARAM_GPFIFO_ENTRIES: u32 = 17;
pub const NVGSP_PARAM_EXEC_MAX_PUSH: u32 = 18;
pub const NVGSP_PARAM_EXEC_MAX_SYNC: u32 = 19;
pub const NVGSP_PARAM_JOB_TIMEOUT_MS: u32 = 20;
pub const NVGSP_PARAM_PUSH_MAX_SIZE: u32 = 21;
pub const NVGSP_GEM_DOMAIN_SYSTEM: u32 = 1;
pub const NVGSP_GEM_DOMAIN_VRAM: u32 = 2;
pub const NVGSP_VM_BIND_OP_MAP: u32 = 1;
pub const NVGSP_VM_BIND_OP_UNMAP: u32 = 2;
pub const NVGSP_VM_BIND_RUN_ASYNC: u32 = 1;
pub const NVGSP_SYNC_SYNCOBJ: u32 = 0;
pub const NVGSP_SYNC_TIMELINE_SYNCOBJ: u32 = 1;
pub const DRM_NVGSP_GETPARAM: u32 = 0;
pub const DRM_NVGSP_GEM_CREATE: u32 = 1;
pub const DRM_NVGSP_GEM_INFO: u32 = 2;
pub const DRM_NVGSP_VM_INIT: u32 = 3;
pub const DRM_NVGSP_VM_BIND: u32 = 4;
pub const DRM_NVGSP_CHANNEL_ALLOC: u32 = 5;
pub const DRM_NVGSP_CHANNEL_FREE: u32 = 6;
pub const DRM_NVGSP_EXEC: u32 = 7;
pub type __u32 = ::core::ffi::c_uint;
pub type __u64 = ::core::ffi::c_ulonglong;
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct drm_nvgsp_getparam {
    pub param: __u64,
    pub value: __u64,
}
#[allow(clippy::unnecessary_operation, clippy::identity_op)]
const _: () = {
    ["Size of drm_nvgsp_getparam"][::core::mem::size_of::<drm_nvgsp_getparam>() - 16usize];
    ["Alignment of drm_nvgsp_getparam"][::core::mem::align_of::<drm_nvgsp_getparam>() - 8usize];
    ["Offset of field: drm_nvgsp_getparam::param"]
        [::core::mem::offset_of!(drm_nvgsp_getparam, param) - 0usize];
    ["Offset of field: drm_nvgsp_getparam::value"]
        [::core::mem::offset_of!(drm_nvgsp_getparam, value) - 8usize];
};
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct drm_nvgsp_gem_create {
    pub size: __u64,
    pub domain: __u32,
    pub flags: __u32,
    pub handle: __u32,
    pub pad: __u32,
}
#[allow(clippy::unnecessary_operation, clippy::identity_op)]
const _: () = {
    ["Size of drm_nvgsp_gem_create"][::core::mem::size_of::<drm_nvgsp_gem_create>() - 24usize];
    ["Alignment of drm_nvgsp_gem_create"][::core::mem::align_of::<drm_nvgsp_gem_create>() - 8usize];
    ["Offset of field: drm_nvgsp_gem_create::size"]
        [::core::mem::offset_of!(drm_nvgsp_gem_create, size) - 0usize];
    ["Offset of field: drm_nvgsp_gem_create::domain"]
        [::core::mem::offset_of!(drm_nvgsp_gem_create, domain) - 8usize];
    ["Offset of field: drm_nvgsp_gem_create::flags"]
        [::core::mem::offset_of!(drm_nvgsp_gem_create, flags) - 12usize];
    ["Offset of field: drm_nvgsp_gem_create::handle"]
        [::core::mem::offset_of!(drm_nvgsp_gem_create, handle) - 16usize];
    ["Offset of field: drm_nvgsp_gem_create::pad"]
        [::core::mem::offset_of!(drm_nvgsp_gem_create, pad) - 20usize];
};
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct drm_nvgsp_gem_info {
    pub handle: __u32,
    pub domain: __u32,
    pub size: __u64,
    pub map_offset: __u64,
}
#[allow(clippy::unnecessary_operation, clippy::identity_op)]
const _: () = {
    ["Size of drm_nvgsp_gem_info"][::core::mem::size_of::<drm_nvgsp_gem_info>() - 24usize];
    ["Alignment of drm_nvgsp_gem_info"][::core::mem::align_of::<drm_nvgsp_gem_info>() - 8usize];
    ["Offset of field: drm_nvgsp_gem_info::handle"]
        [::core::mem::offset_of!(drm_nvgsp_gem_info, handle) - 0usize];
    ["Offset of field: drm_nvgsp_gem_info::domain"]
        [::core::mem::offset_of!(drm_nvgsp_gem_info, domain) - 4usize];
    ["Offset of field: drm_nvgsp_gem_info::size"]
        [::core::mem::offset_of!(drm_nvgsp_gem_info, size) - 8usize];
    ["Offset of field: drm_nvgsp_gem_info::map_offset"]
        [::core::mem::offset_of!(drm_nvgsp_gem_info, map_offset) - 16usize];
};
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct drm_nvgsp_vm_init {
    pub flags: __u32,
    pub pad: __u32,
    pub va_start: __u64,
    pub va_end: __u64,
}
#[allow(clippy::unnecessary_operation, clippy::identity_op)]
const _: () = {
    ["Size of drm_nvgsp_vm_init"][::core::mem::size_of::<drm_nvgsp_vm_init>() - 24usize];
    ["Alignment of drm_nvgsp_vm_init"][::core::mem::align_of::<drm_nvgsp_vm_init>() - 8usize];
    ["Offset of field: drm_nvgsp_vm_init::flags"]
        [::core::mem::offset_of!(drm_nvgsp_vm_init, flags) - 0usize];
    ["Offset of field: drm_nvgsp_vm_init::pad"]
        [::core::mem::offset_of!(drm_nvgsp_vm_init, pad) - 4usize];
    ["Offset of field: drm_nvgsp_vm_init::va_start"]
        [::core::mem::offset_of!(drm_nvgsp_vm_init, va_start) - 8usize];
    ["Offset of field: drm_nvgsp_vm_init::va_end"]
        [::core::mem::offset_of!(drm_nvgsp_vm_init, va_end) - 16usize];
};
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct drm_nvgsp_vm_bind_op {
    pub op: __u32,
    pub flags: __u32,
    pub handle: __u32,
    pub pad: __u32,
    pub addr: __u64,
    pub range: __u64,
    pub bo_offset: __u64,
}
#[allow(clippy::unnecessary_operation, clippy::identity_op)]
const _: () = {
    ["Size of drm_nvgsp_vm_bind_op"][::core::mem::size_of::<drm_nvgsp_vm_bind_op>() - 40usize];
    ["Alignment of drm_nvgsp_vm_bind_op"][::core::mem::align_of::<drm_nvgsp_vm_bind_op>() - 8usize];
    ["Offset of field: drm_nvgsp_vm_bind_op::op"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind_op, op) - 0usize];
    ["Offset of field: drm_nvgsp_vm_bind_op::flags"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind_op, flags) - 4usize];
    ["Offset of field: drm_nvgsp_vm_bind_op::handle"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind_op, handle) - 8usize];
    ["Offset of field: drm_nvgsp_vm_bind_op::pad"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind_op, pad) - 12usize];
    ["Offset of field: drm_nvgsp_vm_bind_op::addr"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind_op, addr) - 16usize];
    ["Offset of field: drm_nvgsp_vm_bind_op::range"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind_op, range) - 24usize];
    ["Offset of field: drm_nvgsp_vm_bind_op::bo_offset"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind_op, bo_offset) - 32usize];
};
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct drm_nvgsp_vm_bind {
    pub op_count: __u32,
    pub flags: __u32,
    pub op_ptr: __u64,
    pub wait_count: __u32,
    pub sig_count: __u32,
    pub wait_ptr: __u64,
    pub sig_ptr: __u64,
    pub ops_done: __u32,
    pub pad: __u32,
}
#[allow(clippy::unnecessary_operation, clippy::identity_op)]
const _: () = {
    ["Size of drm_nvgsp_vm_bind"][::core::mem::size_of::<drm_nvgsp_vm_bind>() - 48usize];
    ["Alignment of drm_nvgsp_vm_bind"][::core::mem::align_of::<drm_nvgsp_vm_bind>() - 8usize];
    ["Offset of field: drm_nvgsp_vm_bind::op_count"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind, op_count) - 0usize];
    ["Offset of field: drm_nvgsp_vm_bind::flags"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind, flags) - 4usize];
    ["Offset of field: drm_nvgsp_vm_bind::op_ptr"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind, op_ptr) - 8usize];
    ["Offset of field: drm_nvgsp_vm_bind::wait_count"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind, wait_count) - 16usize];
    ["Offset of field: drm_nvgsp_vm_bind::sig_count"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind, sig_count) - 20usize];
    ["Offset of field: drm_nvgsp_vm_bind::wait_ptr"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind, wait_ptr) - 24usize];
    ["Offset of field: drm_nvgsp_vm_bind::sig_ptr"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind, sig_ptr) - 32usize];
    ["Offset of field: drm_nvgsp_vm_bind::ops_done"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind, ops_done) - 40usize];
    ["Offset of field: drm_nvgsp_vm_bind::pad"]
        [::core::mem::offset_of!(drm_nvgsp_vm_bind, pad) - 44usize];
};
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct drm_nvgsp_channel_alloc {
    pub copy_engine: __u32,
    pub flags: __u32,
    pub channel: __u32,
    pub gpfifo_entries: __u32,
}
#[allow(clippy::unnecessary_operation, clippy::identity_op)]
const _: () = {
    ["Size of drm_nvgsp_channel_alloc"]
        [::core::mem::size_of::<drm_nvgsp_channel_alloc>() - 16usize];
    ["Alignment of drm_nvgsp_channel_alloc"]
        [::core::mem::align_of::<drm_nvgsp_channel_alloc>() - 4usize];
    ["Offset of field: drm_nvgsp_channel_alloc::copy_engine"]
        [::core::mem::offset_of!(drm_nvgsp_channel_alloc, copy_engine) - 0usize];
    ["Offset of field: drm_nvgsp_channel_alloc::flags"]
        [::core::mem::offset_of!(drm_nvgsp_channel_alloc, flags) - 4usize];
    ["Offset of field: drm_nvgsp_channel_alloc::channel"]
        [::core::mem::offset_of!(drm_nvgsp_channel_alloc, channel) - 8usize];
    ["Offset of field: drm_nvgsp_channel_alloc::gpfifo_entries"]
        [::core::mem::offset_of!(drm_nvgsp_channel_alloc, gpfifo_entries) - 12usize];
};
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct drm_nvgsp_channel_free {
    pub channel: __u32,
    pub pad: __u32,
}
#[allow(clippy::unnecessary_operation, clippy::identity_op)]
const _: () = {
    ["Size of drm_nvgsp_channel_free"][::core::mem::size_of::<drm_nvgsp_channel_free>() - 8usize];
    ["Alignment of drm_nvgsp_channel_free"]
        [::core::mem::align_of::<drm_nvgsp_channel_free>() - 4usize];
    ["Offset of field: drm_nvgsp_channel_free::channel"]
        [::core::mem::offset_of!(drm_nvgsp_channel_free, channel) - 0usize];
    ["Offset of field: drm_nvgsp_channel_free::pad"]
        [::core::mem::offset_of!(drm_nvgsp_channel_free, pad) - 4usize];
};
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct drm_nvgsp_sync {
    pub flags: __u32,
    pub handle: __u32,
    pub timeline_value: __u64,
}
#[allow(clippy::unnecessary_operation, clippy::identity_op)]
const _: () = {
    ["Size of drm_nvgsp_sync"][::core::mem::size_of::<drm_nvgsp_sync>() - 16usize];
    ["Alignment of drm_nvgsp_sync"][::core::mem::align_of::<drm_nvgsp_sync>() - 8usize];
    ["Offset of field: drm_nvgsp_sync::flags"]
        [::core::mem::offset_of!(drm_nvgsp_sync, flags) - 0usize];
    ["Offset of field: drm_nvgsp_sync::handle"]
        [::core::mem::offset_of!(drm_nvgsp_sync, handle) - 4usize];
    ["Offset of field: drm_nvgsp_sync::timeline_value"]
        [::core::mem::offset_of!(drm_nvgsp_sync, timeline_value) - 8usize];
};
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct drm_nvgsp_exec_push {
    pub va: __u64,
    pub va_len: __u32,
    pub flags: __u32,
}
#[allow(clippy::unnecessary_operation, clippy::identity_op)]
const _: () = {
    ["Size of drm_nvgsp_exec_push"][::core::mem::size_of::<drm_nvgsp_exec_push>() - 16usize];
    ["Alignment of drm_nvgsp_exec_push"][::core::mem::align_of::<drm_nvgsp_exec_push>() - 8usize];
    ["Offset of field: drm_nvgsp_exec_push::va"]
        [::core::mem::offset_of!(drm_nvgsp_exec_push, va) - 0usize];
    ["Offset of field: drm_nvgsp_exec_push::va_len"]
        [::core::mem::offset_of!(drm_nvgsp_exec_push, va_len) - 8usize];
    ["Offset of field: drm_nvgsp_exec_push::flags"]
        [::core::mem::offset_of!(drm_nvgsp_exec_push, flags) - 12usize];
};
#[repr(C)]
#[derive(Debug, Copy, Clone)]
pub struct drm_nvgsp_exec {
    pub channel: __u32,
    pub push_count: __u32,
    pub wait_count: __u32,
    pub sig_count: __u32,
    pub wait_ptr: __u64,
    pub sig_ptr: __u64,
    pub push_ptr: __u64,
    pub flags: __u32,
    pub pad: __u32,
}
#[allow(clippy::unnecessary_operation, clippy::identity_op)]
const _: () = {
    ["Size of drm_nvgsp_exec"][::core::mem::size_of::<drm_nvgsp_exec>() - 48usize];
    ["Alignment of drm_nvgsp_exec"][::core::mem::align_of::<drm_nvgsp_exec>() - 8usize];
    ["Offset of field: drm_nvgsp_exec::channel"]
        [::core::mem::offset_of!(drm_nvgsp_exec, channel) - 0usize];
    ["Offset of field: drm_nvgsp_exec::push_count"]
        [::core::mem::offset_of!(drm_nvgsp_exec, push_count) - 4usize];
    ["Offset of field: drm_nvgsp_exec::wait_count"]
        [::core::mem::offset_of!(drm_nvgsp_exec, wait_count) - 8usize];
    ["Offset of field: drm_nvgsp_exec::sig_count"]
        [::core::mem::offset_of!(drm_nvgsp_exec, sig_count) - 12usize];
    ["Offset of field: drm_nvgsp_exec::wait_ptr"]
        [::core::mem::offset_of!(drm_nvgsp_exec, wait_ptr) - 16usize];
    ["Offset of field: drm_nvgsp_exec::sig_ptr"]
        [::core::mem::offset_of!(drm_nvgsp_exec, sig_ptr) - 24usize];
    ["Offset of field: drm_nvgsp_exec::push_ptr"]
        [::core::mem::offset_of!(drm_nvgsp_exec, push_ptr) - 32usize];
    ["Offset of field: drm_nvgsp_exec::flags"]
        [::core::mem::offset_of!(drm_nvgsp_exec, flags) - 40usize];
    ["Offset of field: drm_nvgsp_exec::pad"]
        [::core::mem::offset_of!(drm_nvgsp_exec, pad) - 44usize];
};
