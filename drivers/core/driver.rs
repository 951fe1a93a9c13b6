// SPDX-License-Identifier: GPL-2.0

//! PCI binding: claims NVIDIA display/3D functions, maps BAR0, identifies
//! the chip and registers the auxiliary devices of the clients.

use kernel::{
    device::Core,
    dma::Device as _,
    irq,
    pci::{
        self,
        Class,
        ClassMask,
        IrqType,
        IrqTypes,
        Vendor, //
    },
    prelude::*,
};

use crate::{
    aux_devices::AuxDevices,
    bar::{
        Bar0,
        BAR0_SIZE, //
    },
    client::ClientKind,
    gpu::Spec,
    gsp::Gsp,
    intr::GspInterrupt,
    services::Services, //
};

/// The core's state for one bound GPU.
///
/// Fields are initialized in the order `probe` writes them (BAR, chip,
/// shared memory, vectors, interrupt, GSP boot, clients) and dropped in
/// declaration order, after `drop` ended recovery and unregistered the
/// clients' auxiliary devices: the services go first, revoking what
/// clients still hold, so no client reaches GSP-RM once it stops; GSP-RM
/// is shut down while the interrupt still delivers its reply; the
/// interrupt handler is gone before the vectors, the shared memory and
/// the BAR it uses.
#[pin_data(PinnedDrop)]
pub(crate) struct NvgspCore<'bound> {
    #[pin]
    _debugfs: crate::debugfs::GpuDebugfs,
    _partition_sysfs: crate::sysfs::PartitionGroup,
    #[pin]
    services: Services<'bound>,
    #[pin]
    clients: AuxDevices<'bound>,
    _running: crate::gsp::running::Running<'bound>,
    #[pin]
    irq: irq::ThreadedRegistration<'bound, GspInterrupt<'bound>>,
    #[pin]
    vectors: pci::IrqVectorRegistration<'bound>,
    #[pin]
    gsp: Gsp,
    spec: Spec,
    #[pin]
    bar: pci::Bar<'bound, BAR0_SIZE>,
}

#[pinned_drop]
impl PinnedDrop for NvgspCore<'_> {
    fn drop(self: Pin<&mut Self>) {
        // No recovery may unbind a client or reset the GPU from here on;
        // then the clients go, before the services they use.
        self.services.stop_recovery();
        self.clients.unregister_all();
    }
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

/// The id of the function's auxiliary devices, the same for all of its
/// clients (as mlx5): `domain << 16 | bus << 8 | devfn`, unique per PCI
/// function and stable across rebinds.
///
/// # Errors
///
/// `EINVAL` if the PCI domain does not fit in 16 bits (e.g. Intel VMD
/// domains).
fn client_id(pdev: &pci::Device<Core<'_>>) -> Result<u32> {
    // The device name is "<domain>:<bus>:<dev>.<fn>", the domain in hex.
    let name = pdev.as_ref().name().to_bytes();
    let hex = name.split(|&b| b == b':').next().ok_or(EINVAL)?;
    let mut domain: u32 = 0;
    for &c in hex {
        let digit = char::from(c).to_digit(16).ok_or(EINVAL)?;
        domain = domain
            .checked_mul(16)
            .and_then(|d| d.checked_add(digit))
            .ok_or(EINVAL)?;
    }
    if domain > 0xffff {
        return Err(EINVAL);
    }
    Ok((domain << 16) | u32::from(pdev.dev_id()))
}

impl pci::Driver for NvgspCoreDriver {
    type IdInfo = ();
    type Data<'bound> = NvgspCore<'bound>;
    const ID_TABLE: pci::IdTable<Self::IdInfo> = &PCI_TABLE;

    fn probe<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        _info: Option<&'bound Self::IdInfo>,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        pin_init::pin_init_scope(move || {
            // A virtual function is a vGPU's, served by nvgsp_vfio; the
            // core binds physical functions only.
            if pdev.is_virtfn() {
                return Err(ENODEV);
            }
            pdev.enable_device_mem()
                .inspect_err(|e| dev_err!(pdev, "cannot enable the device: {:?}\n", e))?;
            pdev.set_master();
            let id = client_id(pdev).inspect_err(|_| {
                dev_err!(
                    pdev,
                    "PCI domain above 0xffff: no auxiliary device id for it\n"
                )
            })?;
            let kinds = crate::clients();

            Ok(try_pin_init!(NvgspCore {
                bar: pdev
                    .iomap_region_sized::<BAR0_SIZE>(0, c"nvgsp_core/bar0")
                    .inspect_err(|e| dev_err!(pdev, "cannot map BAR0: {:?}\n", e))?,
                spec: Spec::new(pdev.as_ref(), &bar)?,
                _: {
                    dev_info!(
                        pdev,
                        "NVIDIA {} ({:?}), revision {:X}{:x}\n",
                        spec.chipset.name(),
                        spec.chipset.arch(),
                        spec.revision.major,
                        spec.revision.minor
                    );
                },
                // Before any DMA memory is made: the GPU reaches more than
                // the 32 bits a PCI function starts with (a chip the core
                // cannot boot fails in the boot, with its message).
                _: {
                    if let Ok(hal) = crate::hal::of(spec.chipset) {
                        let mask = hal.dma_mask();
                        // SAFETY: in probe, before `gsp` and the clients: no DMA memory yet.
                        let set = unsafe { pdev.dma_set_mask_and_coherent(mask) };
                        set.inspect_err(|e| dev_err!(pdev, "cannot set the DMA mask: {:?}\n", e))?;
                    }
                },
                gsp <- Gsp::new(pdev.as_ref()),
                vectors: pdev
                    .alloc_irq_vectors(1, 1, IrqTypes::default().with(IrqType::MsiX))
                    .inspect_err(|e| dev_err!(pdev, "cannot allocate an MSI-X vector: {:?}\n", e))?,
                // SAFETY: `bar`, `gsp` and `vectors` are initialized before
                // this expression (initializer order), live at pinned, stable
                // addresses, and are dropped after `irq` (declaration order).
                irq <- unsafe {
                    let bar: Bar0<'bound> = &*core::ptr::from_ref(&*bar);
                    let gsp: &'bound Gsp = &*core::ptr::from_ref(&*gsp);
                    let vectors: &'bound pci::IrqVectorRegistration<'bound> =
                        &*core::ptr::from_ref(&*vectors);
                    let vector = vectors
                        .index(0)
                        .inspect_err(|e| dev_err!(pdev, "no MSI-X vector 0: {:?}\n", e))?;
                    irq::ThreadedRegistration::new(
                        vector.into(),
                        // ONESHOT keeps a masking chip's line masked while the thread
                        // drains; the MSI-X chip needs none (the kernel drops the flag
                        // for it): an interrupt while the thread runs runs it again.
                        irq::Flags::ONESHOT,
                        c"nvgsp_core",
                        Ok::<_, Error>(GspInterrupt::new(bar, &gsp.rpc)),
                    )
                },
                // SAFETY: `bar` and `gsp` are initialized, pinned, and
                // dropped after `_running` (declaration order).
                _running: unsafe {
                    let bar: Bar0<'bound> = &*core::ptr::from_ref(&*bar);
                    let gsp: &'bound Gsp = &*core::ptr::from_ref(&*gsp);
                    // GSP-RM hosts vGPUs only for the vGPU host client.
                    crate::gsp::running::Running::new(pdev, bar, gsp, *spec, kinds.vfio)?
                },
                _: {
                    crate::sysfs::add(
                        pdev.as_ref(),
                        spec.chipset.name(),
                        crate::gsp::fw::GSP_RM_VERSION,
                        &_running.gpu,
                    )?;
                },
                clients <- AuxDevices::new(pdev.as_ref()),
                // SAFETY: `_running` and `clients` are initialized, and
                // dropped after `services` (declaration order).
                services <- unsafe {
                    let running: &'bound crate::gsp::running::Running<'bound> = &*core::ptr::from_ref(&*_running);
                    let clients: &'bound AuxDevices<'bound> = &*core::ptr::from_ref(&*clients);
                    Services::new(
                        pdev,
                        running.bar,
                        running.gsp,
                        running,
                        clients,
                        *spec,
                        crate::partition_policy(pdev.as_ref()),
                    )
                },
                _: {
                    // SAFETY: `services` is pinned in place and outlives
                    // what it registers (`Services::drop`).
                    let services: Pin<&'bound Services<'bound>> =
                        unsafe { Pin::new_unchecked(&*core::ptr::from_ref(&*services)) };
                    // Logged if it fails: the GPU works without CPU
                    // mappings of VRAM.
                    let _ = services.bar1.take(&services);
                    services.open_link();
                    // Recovery first: a client probing now may already
                    // meet a lost GSP-RM.
                    if crate::recovery_enabled() {
                        services.enable_recovery()?;
                    }
                },
                // SAFETY: `_partition_sysfs` is dropped before `services`
                // (declaration order), and removing the group waits for
                // the attribute calls in progress.
                _partition_sysfs: unsafe {
                    crate::sysfs::PartitionGroup::add(pdev.as_ref(), &services.partition)?
                },
                // SAFETY: `_debugfs` is the first field of `NvgspCore`,
                // dropped before the GSP, BAR and services it points to.
                _debugfs <- unsafe {
                    crate::debugfs::GpuDebugfs::new(
                        pdev.as_ref().name(),
                        _running.gsp.rpc.stats.clone(),
                        _running.gpu,
                        crate::debugfs::Target::new(_running.bar, _running.gsp),
                        &services.partition,
                        &services.vaspaces,
                        &services.bar1,
                    )
                },
                // Last, so that nothing fails after a client was bound: the
                // fields of a failed probe drop without `NvgspCore::drop`,
                // the services (revoking the link) before the clients.
                _: {
                    for (kind, enabled) in [(ClientKind::Drm, kinds.drm), (ClientKind::Vfio, kinds.vfio)] {
                        if !enabled {
                            continue;
                        }
                        if let Err(e) = clients.register(pdev.as_ref(), kind, id, &services) {
                            clients.unregister_all();
                            return Err(e);
                        }
                    }
                },
            }))
        })
    }

    /// Virtual functions go before the GPU's state: their vGPUs run on it.
    fn unbind<'bound>(pdev: &'bound pci::Device<Core<'_>>, _this: Pin<&Self::Data<'bound>>) {
        if pdev.num_vf() != 0 {
            pdev.disable_sriov();
            dev_info!(pdev, "SR-IOV disabled at unbind\n");
        }
    }

    const HAS_SRIOV_CONFIGURE: bool = true;

    /// `sriov_numvfs`: enables `num_vfs` virtual functions for vGPUs, or
    /// disables them (0).
    fn sriov_configure<'bound>(
        pdev: &'bound pci::Device<Core<'_>>,
        this: Pin<&Self::Data<'bound>>,
        num_vfs: u16,
    ) -> Result<u16> {
        if num_vfs == 0 {
            // A guest's VFIO device would be pulled from under its VMM
            // (unbind still disables SR-IOV: it cannot be refused).
            let assigned = crate::kernel_gaps::vfs_assigned(pdev);
            if assigned != 0 {
                dev_err!(
                    pdev,
                    "cannot disable SR-IOV: {} virtual functions are assigned to guests (their VFIO devices are open)\n",
                    assigned
                );
                return Err(EBUSY);
            }
            pdev.disable_sriov();
            dev_info!(pdev, "SR-IOV disabled\n");
            return Ok(0);
        }
        let vfs = this._running.gpu.vfs();
        if vfs == 0 {
            dev_err!(
                pdev,
                "cannot enable virtual functions: GSP-RM was not booted in SR-IOV mode (no SR-IOV capability, or the vfio client disabled)\n"
            );
            return Err(EOPNOTSUPP);
        }
        if num_vfs > vfs {
            dev_err!(
                pdev,
                "cannot enable {} virtual functions: GSP-RM hosts at most {}\n",
                num_vfs,
                vfs
            );
            return Err(ERANGE);
        }
        pdev.enable_sriov(num_vfs).inspect_err(|e| {
            dev_err!(
                pdev,
                "cannot enable {} virtual functions: {:?}\n",
                num_vfs,
                e
            )
        })?;
        dev_info!(pdev, "SR-IOV enabled: {} virtual functions\n", num_vfs);
        Ok(num_vfs)
    }
}
