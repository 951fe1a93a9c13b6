// SPDX-License-Identifier: GPL-2.0

//! The auxiliary driver and the DRM device it registers.
//!
//! The DRM device's parent is the GPU's PCI device, not the auxiliary
//! device this driver binds: userspace finds DRM devices by their bus
//! (libdrm's `drmGetDevices2` lists only the buses it knows, PCI among
//! them and the auxiliary bus not), and GEM will map its pages for DMA
//! against the parent, which must be the device that does the DMA. The registration stays this driver's:
//! it ends at this driver's unbind, before its module can go.

use kernel::{
    auxiliary,
    device::{
        self,
        Bound,
        Core,
        DeviceContext, //
    },
    devres::Devres,
    drm::{
        self,
        ioctl, //
    },
    pci,
    prelude::*,
    sync::Arc,
};

use nvgsp_core::client::{
    self,
    ChipInfo,
    ClientData,
    Event,
    EventHandler,
    EventKind,
    EventKinds,
    Gpu,
    GpuConfig,
    ResetNotifier,
    Subscription,
    What, //
};

use crate::{
    channel::{
        ChannelReset,
        Channels, //
    },
    file::File,
    gem,
    vm::VaSpaces,
    vram::{
        VramReset,
        VramStore, //
    },
};

/// The DRM driver.
pub(crate) struct NvgspDrmDriver;

/// The driver's state for one bound auxiliary device: the DRM device's
/// registration on the PCI device, dropped (the DRM device unplugged) when
/// the auxiliary device is unbound.
pub(crate) struct NvgspDrm {
    /// The files' channels (the registration's), revoked before the
    /// registration ends: that waits for the ioctls under way, one of
    /// which may be waiting for room in a channel's queue.
    channels: Arc<Channels>,
    _registration: Devres<drm::Registration<'static, NvgspDrmDriver>>,
}

impl Drop for NvgspDrm {
    fn drop(&mut self) {
        self.channels.revoke();
    }
}

/// The DRM device of this driver.
pub(crate) type NvgspDevice<Ctx = drm::Normal> = drm::Device<NvgspDrmDriver, Ctx>;

const INFO: drm::DriverInfo = drm::DriverInfo {
    major: 0,
    minor: 1,
    patchlevel: 0,
    name: c"nvgsp",
    desc: c"nvgsp: NVIDIA GSP-RM GPUs",
};

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <NvgspDrmDriver as auxiliary::Driver>::IdInfo,
    [(
        auxiliary::DeviceId::new(client::MODULE_NAME, client::DRM),
        ()
    )]
);

impl auxiliary::Driver for NvgspDrmDriver {
    type IdInfo = ();
    type Data<'bound> = NvgspDrm;
    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let client = adev
            .registration_data::<ClientData>()
            .inspect_err(|e| dev_err!(adev, "no nvgsp_core client data: {:?}\n", e))?;
        let chip: ChipInfo = client.chip();
        let gpu = client.gpu();
        let handle = client
            .open()
            .inspect_err(|e| dev_err!(adev, "cannot open the GPU: {:?}\n", e))?;
        let pdev: &pci::Device<_> = adev
            .parent()
            .try_into()
            .inspect_err(|_| dev_err!(adev, "the GPU is not a PCI device\n"))?;
        let drm = drm::UnregisteredDevice::<Self>::new(pdev, Ok::<_, Error>(GpuData { chip, gpu }))
            .inspect_err(|e| dev_err!(adev, "cannot allocate the DRM device: {:?}\n", e))?;
        // The handle is the registration's data: it goes at unbind, with
        // the registration, however long open files keep the DRM device.
        let vram = VramStore::new(handle.clone())?;
        let reset = handle.on_reset(KBox::new(VramReset(vram.clone()), GFP_KERNEL)?)?;
        let channels = Channels::new()?;
        let channel_reset =
            handle.on_reset(KBox::new(ChannelReset(channels.clone()), GFP_KERNEL)?)?;
        let errors = handle.subscribe(
            EventKinds::of(&[EventKind::RcError]),
            KBox::new(ChannelErrors(channels.clone()), GFP_KERNEL)?,
        )?;
        let binding = Binding {
            _reset: reset,
            _channel_reset: channel_reset,
            _errors: errors,
            channels: channels.clone(),
            vram,
            gpu: handle,
            vaspaces: VaSpaces::new()?,
        };
        let registration =
            drm::Registration::new_devres(pdev.as_ref(), drm, Ok::<_, Error>(binding), 0)
                .inspect_err(|e| dev_err!(adev, "cannot register the DRM device: {:?}\n", e))?;
        dev_info!(
            adev,
            "DRM device registered for {} with {} MiB VRAM\n",
            chip.name(),
            gpu.vram_size() >> 20
        );
        Ok(NvgspDrm {
            channels,
            _registration: registration,
        })
    }
}

/// The DRM device's hold on the GPU while it is registered: its handle
/// (its RM namespace and the DRM share of the partitioned resources) and
/// the files' VA spaces. Open files outlive it; what they hold of the GPU
/// must not, so it is reached only through this (in ioctls), and the VA
/// spaces go with it.
pub(crate) struct Binding {
    /// The CPU mappings' part in GPU resets; first to go.
    _reset: ResetNotifier,
    /// The channels' part in GPU resets.
    _channel_reset: ResetNotifier,
    /// The channel errors GSP-RM reports, for the channels.
    _errors: Subscription,
    /// The files' channels.
    pub(crate) channels: Arc<Channels>,
    /// The handle on the GPU.
    pub(crate) gpu: Gpu,
    /// The files' VA spaces.
    pub(crate) vaspaces: Arc<VaSpaces>,
    /// The VRAM objects' memory.
    pub(crate) vram: Arc<VramStore>,
}

impl Drop for Binding {
    fn drop(&mut self) {
        // Before the handle: they are objects in its namespace. The
        // channels first (they run in the VA spaces), then the VA spaces
        // (they may map VRAM), then the VRAM.
        self.channels.revoke();
        self.vaspaces.revoke();
        self.vram.revoke();
        // Every fence of the device signalled (the channels' last): no one
        // looks at the fence functions once this returns.
        crate::kernel_gaps::quiesce_fences();
    }
}

/// Hands the channel errors GSP-RM reports on the DRM device's channels
/// (the core sends it only those of its namespace) to the channel's owner.
struct ChannelErrors(Arc<Channels>);

impl EventHandler for ChannelErrors {
    fn event(&self, event: &Event) {
        if let What::RcError { channel, .. } = event.what {
            self.0.channel_error(channel, event.object);
        }
    }
}

/// The device that does the GPU's DMA (the PCI device, bound while `dev`
/// is registered): objects' pages are mapped for it.
pub(crate) fn dma_device<'a>(dev: &'a NvgspDevice<drm::Registered>) -> &'a device::Device<Bound> {
    let pdev: &pci::Device<Bound> = dev.as_ref();
    pdev.as_ref()
}

/// What the DRM device knows about its GPU: the identity and the
/// configuration the core enumerated from GSP-RM.
pub(crate) struct GpuData {
    /// Chip identity.
    pub(crate) chip: ChipInfo,
    /// GSP-RM's view of the GPU.
    pub(crate) gpu: GpuConfig,
}

#[vtable]
impl drm::Driver for NvgspDrmDriver {
    type Data = GpuData;
    /// See [`Binding`]. Never clone its handle into a file's or an
    /// object's state: those outlive the unbind, and the handle (its RM
    /// client in GSP-RM) must not.
    type RegistrationData<'a> = Binding;
    type File = File;
    type Object = gem::Object;
    type ParentDevice<Ctx: DeviceContext> = pci::Device<Ctx>;

    const INFO: drm::DriverInfo = INFO;
    const FEAT_RENDER: bool = true;
    const FEAT_SYNCOBJ: bool = true;
    const FEAT_SYNCOBJ_TIMELINE: bool = true;

    // The argument structs and numbers come from this driver's UAPI
    // header (`crate::uapi`), so the UAPI grows without a kernel rebuild.
    kernel::declare_drm_ioctls! {
        uapi = crate::uapi;
        (NVGSP_GETPARAM, drm_nvgsp_getparam, ioctl::RENDER_ALLOW, File::get_param),
        (NVGSP_GEM_CREATE, drm_nvgsp_gem_create, ioctl::RENDER_ALLOW, File::gem_create),
        (NVGSP_GEM_INFO, drm_nvgsp_gem_info, ioctl::RENDER_ALLOW, File::gem_info),
        (NVGSP_VM_INIT, drm_nvgsp_vm_init, ioctl::RENDER_ALLOW, File::vm_init),
        (NVGSP_VM_BIND, drm_nvgsp_vm_bind, ioctl::RENDER_ALLOW, File::vm_bind),
        (NVGSP_CHANNEL_ALLOC, drm_nvgsp_channel_alloc, ioctl::RENDER_ALLOW, File::channel_alloc),
        (NVGSP_CHANNEL_FREE, drm_nvgsp_channel_free, ioctl::RENDER_ALLOW, File::channel_free),
        (NVGSP_EXEC, drm_nvgsp_exec, ioctl::RENDER_ALLOW, File::exec),
    }
}
