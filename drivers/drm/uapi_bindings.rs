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
pub const NVGSP_GEM_DOMAIN_SYSTEM: u32 = 1;
pub const NVGSP_GEM_DOMAIN_VRAM: u32 = 2;
pub const DRM_NVGSP_GETPARAM: u32 = 0;
pub const DRM_NVGSP_GEM_CREATE: u32 = 1;
pub const DRM_NVGSP_GEM_INFO: u32 = 2;
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
