// SPDX-License-Identifier: GPL-2.0

//! PCI binding: claims NVIDIA display/3D functions, maps BAR0, identifies
//! the chip and registers the auxiliary devices of the clients.

use kernel::{
    auxiliary,
    device::Core,
    pci::{
        self,
        Class,
        ClassMask,
        Vendor, //
    },
    prelude::*,
    sizes::SZ_16M, //
};

use crate::{
    client::{
        self,
        Client,
        ClientData, //
    },
    gpu::Spec, //
};

/// Size of BAR0, the register aperture, on every GSP-era chip.
const BAR0_SIZE: usize = SZ_16M;

/// The mapped register aperture.
pub(crate) type Bar0<'a> = &'a pci::Bar<'a, BAR0_SIZE>;

/// The core's state for one bound GPU.
///
/// Fields drop in declaration order: the auxiliary devices go first, so no
/// client can run once the BAR is unmapped.
pub(crate) struct NvgspCore<'bound> {
    _drm: Option<auxiliary::Registration<'bound, ClientData>>,
    _vfio: Option<auxiliary::Registration<'bound, ClientData>>,
    _bar: pci::Bar<'bound, BAR0_SIZE>,
}

/// The PCI driver.
pub(crate) struct NvgspCoreDriver;

kernel::pci_device_table!(
    PCI_TABLE,
    <NvgspCoreDriver as pci::Driver>::IdInfo,
    [
        // GSP-era NVIDIA GPUs are VGA or 3D controllers (as nova-core).
        (
            pci::DeviceId::from_class_and_vendor(
                Class::DISPLAY_VGA,
                ClassMask::ClassSubclass,
                Vendor::NVIDIA
            ),
            ()
        ),
        (
            pci::DeviceId::from_class_and_vendor(
                Class::DISPLAY_3D,
                ClassMask::ClassSubclass,
                Vendor::NVIDIA
            ),
            ()
        ),
    ]
);

/// Registers the auxiliary device `nvgsp_core.<name>.<id>` if `enabled`.
fn register_client<'bound>(
    pdev: &'bound pci::Device<Core<'_>>,
    enabled: bool,
    name: &CStr,
    id: u32,
    spec: Spec,
) -> Result<Option<auxiliary::Registration<'bound, ClientData>>> {
    if !enabled {
        return Ok(None);
    }
    auxiliary::Registration::new(pdev.as_ref(), name, id, client::MODULE_NAME, Ok::<_, Error>(Client::new(spec)))
        .inspect_err(|e| dev_err!(pdev, "cannot register auxiliary device {}: {:?}\n", name, e))
        .map(Some)
}

impl pci::Driver for NvgspCoreDriver {
    type IdInfo = ();
    type Data<'bound> = NvgspCore<'bound>;
    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        pdev.enable_device_mem()
            .inspect_err(|e| dev_err!(pdev, "cannot enable the device: {:?}\n", e))?;
        pdev.set_master();

        let bar = pdev
            .iomap_region_sized::<BAR0_SIZE>(0, c"nvgsp_core/bar0")
            .inspect_err(|e| dev_err!(pdev, "cannot map BAR0: {:?}\n", e))?;
        let spec = Spec::new(&bar).inspect_err(|_| dev_err!(pdev, "unsupported or unknown chip\n"))?;
        dev_info!(
            pdev,
            "NVIDIA {} ({:?}), revision {:X}{:x}\n",
            spec.chipset.name(),
            spec.chipset.arch(),
            spec.revision.major,
            spec.revision.minor
        );

        // One id per PCI function, the same for all of its clients (as mlx5):
        // bus and devfn, which are unique within the PCI domain and stable
        // across rebinds.
        let id = u32::from(pdev.dev_id());
        let params = crate::clients();
        Ok(NvgspCore {
            _drm: register_client(pdev, params.drm, client::DRM, id, spec)?,
            _vfio: register_client(pdev, params.vfio, client::VFIO, id, spec)?,
            _bar: bar,
        })
    }
}
