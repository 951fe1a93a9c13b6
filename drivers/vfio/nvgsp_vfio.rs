// SPDX-License-Identifier: GPL-2.0

//! nvgsp_vfio: the vGPU host client of nvgsp_core.
//!
//! It binds the auxiliary device `nvgsp_core.vfio.<id>` and, for now, reads
//! the GPU's identity through the core's client API. It must never depend on
//! DRM: it builds and loads in a kernel with `CONFIG_DRM=n`.

use kernel::{
    auxiliary,
    device::Core,
    prelude::*, //
};

use nvgsp_core::client::{
    self,
    ClientData, //
};

struct NvgspVfioDriver;

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
        Ok(NvgspVfioDriver)
    }
}

kernel::module_auxiliary_driver! {
    type: NvgspVfioDriver,
    name: "nvgsp_vfio",
    authors: ["nvgsp developers"],
    description: "vGPU host (VFIO) client of nvgsp_core",
    license: "GPL v2",
}
