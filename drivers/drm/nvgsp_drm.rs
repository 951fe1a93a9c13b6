// SPDX-License-Identifier: GPL-2.0

//! nvgsp_drm: the DRM client of nvgsp_core.
//!
//! It binds the auxiliary device `nvgsp_core.drm.<id>` and registers a DRM
//! device with a render node. It never touches the GPU itself: everything it
//! reports comes from the core's client API.

mod channel;
mod driver;
mod file;
mod gem;
mod kernel_gaps;
mod sync_lists;
mod uapi;
mod vm;
mod vram;

kernel::module_auxiliary_driver! {
    type: driver::NvgspDrmDriver,
    name: "nvgsp_drm",
    authors: ["nvgsp developers"],
    description: "DRM client of nvgsp_core",
    license: "GPL v2",
}
