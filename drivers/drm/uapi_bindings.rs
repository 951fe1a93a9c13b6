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
pub const DRM_NVGSP_GETPARAM: u32 = 0;
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
