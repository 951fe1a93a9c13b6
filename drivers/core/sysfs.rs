// SPDX-License-Identifier: GPL-2.0

//! The GPU configuration as sysfs attributes (`<pci device>/gsp/*`): name,
//! chipset, firmware_version, engines, vram_size, usable_vram_size, gpcs,
//! tpcs_per_gpc. The attributes themselves live in `nvgsp_core_sysfs.c`
//! (Rust has no device-attribute abstraction yet); this file hands it the
//! values.

use kernel::{
    bindings,
    device,
    error::to_result,
    prelude::*, //
};

use crate::client::{
    engine_name,
    GpuConfig, //
};

/// Mirror of `struct nvgsp_sysfs_info` in `nvgsp_core_sysfs.c`.
#[repr(C)]
struct SysfsInfo {
    name: [u8; 64],
    chipset: [u8; 16],
    firmware: [u8; 16],
    engines: [u8; 256],
    vram_size: u64,
    usable_vram_size: u64,
    gpcs: u32,
    tpcs_per_gpc: u32,
}

extern "C" {
    // `dev` is a `struct device *`; passed untyped because bindgen's
    // `struct device` is not FFI-safe as a Rust type.
    fn nvgsp_sysfs_add(dev: *mut core::ffi::c_void, info: *const SysfsInfo) -> core::ffi::c_int;
}

/// Copies `s` into `dst`, truncated, NUL-terminated.
fn put(dst: &mut [u8], s: &[u8]) -> usize {
    let n = s.len().min(dst.len().saturating_sub(1));
    dst[..n].copy_from_slice(&s[..n]);
    n
}

/// Adds the `gsp` attribute group to `dev`; it goes away when the driver
/// unbinds (device-managed).
pub(crate) fn add(
    dev: &device::Device<device::Bound>,
    chipset: &str,
    firmware: &str,
    gpu: &GpuConfig,
) -> Result {
    let mut info = SysfsInfo {
        name: [0; 64],
        chipset: [0; 16],
        firmware: [0; 16],
        engines: [0; 256],
        vram_size: gpu.vram_size(),
        usable_vram_size: gpu.usable_vram(),
        gpcs: gpu.gpcs(),
        tpcs_per_gpc: gpu.tpcs_per_gpc(),
    };
    put(&mut info.name, gpu.name().as_bytes());
    put(&mut info.chipset, chipset.as_bytes());
    put(&mut info.firmware, firmware.as_bytes());
    let mut at = 0;
    for (i, &e) in gpu.engines().iter().enumerate() {
        if i > 0 {
            at += put(&mut info.engines[at..], b" ");
        }
        at += put(&mut info.engines[at..], engine_name(e).as_bytes());
    }
    let raw = core::ptr::from_ref(dev)
        .cast::<bindings::device>()
        .cast_mut()
        .cast::<core::ffi::c_void>();
    // `raw` points to the bound device (`device::Device` is a transparent
    // wrapper of `struct device`) and `info` is a valid
    // `struct nvgsp_sysfs_info`, which the C side copies before returning.
    // SAFETY: both pointers are valid for the duration of the call.
    let ret = unsafe { nvgsp_sysfs_add(raw, &info) };
    to_result(ret).inspect_err(|e| dev_err!(dev, "cannot add the gsp sysfs attributes: {:?}\n", e))
}
