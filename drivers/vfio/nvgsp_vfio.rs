// SPDX-License-Identifier: GPL-2.0

//! nvgsp_vfio: the vGPU host client of nvgsp_core.
//!
//! Two drivers in one module:
//! - an auxiliary driver, bound to `nvgsp_core.vfio.<id>` of each GPU:
//!   when GSP-RM runs in SR-IOV mode it is the GPU's vGPU host
//!   ([`host`]): it gives GSP-RM the board's vGPU types ([`types`]) and
//!   starts and stops vGPUs through the core's client API;
//! - a PCI driver of the GPUs' virtual functions (`nvgsp_vfio_vf.c`, a
//!   vfio-pci-core variant driver, through [`kernel_gaps`]): on each VF it
//!   offers the types (`nvidia/creatable_vgpu_types`), creates a vGPU when
//!   one is chosen (`nvidia/current_vgpu_type`) and shows it to a VMM as
//!   the VF's VFIO device ([`vf`], following [`rules`]).
//!
//! It must never depend on DRM: it builds and loads in a kernel with
//! `CONFIG_DRM=n`. See `drivers/vfio/README.md`.

use kernel::{
    auxiliary,
    device::Core,
    driver::Registration,
    prelude::*,
    InPlaceModule, //
};

use nvgsp_core::client::{
    self,
    ClientData, //
};

mod host;
mod kernel_gaps;
mod rules;
mod types;
mod vf;

/// The auxiliary driver's data for one GPU: its vGPU host, if GSP-RM runs
/// in SR-IOV mode.
struct NvgspVfioDriver {
    _host: Option<host::HostRegistration>,
}

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <NvgspVfioDriver as auxiliary::Driver>::IdInfo,
    [(
        auxiliary::DeviceId::new(client::MODULE_NAME, client::VFIO),
        ()
    )]
);

impl auxiliary::Driver for NvgspVfioDriver {
    type IdInfo = ();
    type Data<'bound> = Self;
    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self, Error> + 'bound {
        let client = adev
            .registration_data::<ClientData>()
            .inspect_err(|e| dev_err!(adev, "no nvgsp_core client data: {:?}\n", e))?;
        let chip = client.chip();
        let gpu = client.gpu();
        dev_info!(
            adev,
            "vGPU host client bound to {} (chipset {:#x}, revision {:x})\n",
            chip.name(),
            chip.chipset(),
            chip.revision()
        );
        dev_info!(
            adev,
            "{} MiB VRAM, {} engines (mask {:#x})\n",
            gpu.vram_size() >> 20,
            gpu.engines().len(),
            gpu.engine_mask()
        );
        let host = if gpu.vfs() == 0 {
            dev_info!(adev, "GSP-RM is not in SR-IOV mode: no vGPUs on this GPU\n");
            None
        } else {
            Some(host::HostRegistration::new(adev, &client)?)
        };
        Ok(NvgspVfioDriver { _host: host })
    }
}

/// The module: the registry of vGPU hosts and the two drivers. Fields
/// drop in declaration order: the VFs' driver first (each VF's vGPU is
/// destroyed), then the auxiliary driver (the hosts go), then the
/// registry.
#[pin_data]
struct NvgspVfioModule {
    _vf_driver: kernel_gaps::VfDriver,
    #[pin]
    _driver: Registration<auxiliary::Adapter<NvgspVfioDriver>>,
    _registry: kernel_gaps::RegistryGuard,
}

impl InPlaceModule for NvgspVfioModule {
    fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            _registry: kernel_gaps::RegistryGuard::new()?,
            _driver <- Registration::new(c"nvgsp_vfio", module),
            // Last: a VF's probe finds its host in the registry.
            _vf_driver: kernel_gaps::VfDriver::register()?,
        })
    }
}

module! {
    type: NvgspVfioModule,
    name: "nvgsp_vfio",
    authors: ["nvgsp developers"],
    description: "vGPU host (VFIO) client of nvgsp_core",
    license: "GPL v2",
}
