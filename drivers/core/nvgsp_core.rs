// SPDX-License-Identifier: GPL-2.0

//! nvgsp_core: the core of the nvgsp driver for GSP-era NVIDIA GPUs.
//!
//! It owns the PCI function and every register, and serves its clients
//! (`nvgsp_drm`, `nvgsp_vfio`) over the auxiliary bus through the API in
//! [`client`].

use kernel::{
    driver::Registration,
    pci,
    prelude::*,
    InPlaceModule, //
};

mod aux_devices;
mod bar;
pub mod client;
mod cpu_intr;
mod debugfs;
mod dma;
mod driver;
mod events;
mod falcon;
mod gfw;
mod gpu;
mod gsp;
mod hal;
mod intr;
mod kernel_gaps;
mod mmu;
mod namespace;
mod num;
mod partition;
mod poll;
mod proto;
mod recovery;
mod regs;
mod resets;
mod services;
mod sysfs;
mod timeouts;
mod vbios;

/// The wire-structure support of `proto/`, where its macro expects it.
pub(crate) use proto::wire;

/// The client kinds the module parameters enable.
pub(crate) struct ClientKinds {
    /// Register `nvgsp_core.drm.<id>`.
    pub(crate) drm: bool,
    /// Register `nvgsp_core.vfio.<id>`.
    pub(crate) vfio: bool,
}

/// Reads the `drm` and `vfio` module parameters. A kernel without DRM (the
/// minimal vGPU host) gets no DRM client device, whatever the parameter says.
pub(crate) fn clients() -> ClientKinds {
    ClientKinds {
        drm: module_parameters::drm.value() && cfg!(CONFIG_DRM),
        vfio: module_parameters::vfio.value(),
    }
}

/// Whether a lost GSP-RM is recovered (the `recover` module parameter).
pub(crate) fn recovery_enabled() -> bool {
    module_parameters::recover.value()
}

/// The partition policy a newly bound GPU starts with (the `partition`
/// module parameter, in `nvgsp_core_partition.c`).
pub(crate) fn partition_policy(dev: &kernel::device::Device) -> proto::partition::Policy {
    sysfs::partition_param(dev)
}

#[pin_data]
struct NvgspCoreModule {
    #[pin]
    _driver: Registration<pci::Adapter<driver::NvgspCoreDriver>>,
    // Dropped after the driver is unregistered (declaration order).
    _debugfs_root: debugfs::RootGuard,
}

impl InPlaceModule for NvgspCoreModule {
    fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _debugfs_root: debugfs::RootGuard::new(),
            _driver <- Registration::new(client::MODULE_NAME, module),
        })
    }
}

module! {
    type: NvgspCoreModule,
    name: "nvgsp_core",
    authors: ["nvgsp developers"],
    description: "Core driver for GSP-era NVIDIA GPUs: hardware owner for the nvgsp clients",
    license: "GPL v2",
    params: {
        drm: bool {
            default: true,
            description: "Register the DRM client's auxiliary device (nvgsp_core.drm.<id>) if the kernel has DRM",
        },
        vfio: bool {
            default: true,
            description: "Register the VFIO client's auxiliary device (nvgsp_core.vfio.<id>)",
        },
        recover: bool {
            default: true,
            description: "Reset the GPU and boot GSP-RM again when it crashes or hangs (0: the GPU stays unusable until it is bound again)",
        },
    },
}
