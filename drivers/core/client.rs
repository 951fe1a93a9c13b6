// SPDX-License-Identifier: GPL-2.0

//! The client API: everything `nvgsp_drm` and `nvgsp_vfio` may use.
//!
//! The core registers one auxiliary device per client kind and GPU,
//! `nvgsp_core.<kind>.<id>`, carrying a [`Client`] as typed registration
//! data. A client driver fetches it with
//! `adev.registration_data::<nvgsp_core::client::ClientData>()`, reads the
//! GPU's identity from it and opens a [`Gpu`] handle, through which it
//! allocates VRAM ([`Vram`]), channel IDs ([`Channel`], with their object
//! in GSP-RM for an [`Engine`]) and notifier subscriptions ([`Notifier`])
//! in an RM namespace of its own. Every allocation is an RAII value that
//! holds a reference on the handle; when the last of them is dropped the
//! RM client goes with every object in it.
//!
//! Nothing a client holds borrows the core: the client data, the handle
//! and its allocations are reference-counted and reach the core's state
//! through a link that the core revokes when it unbinds from the GPU
//! (after it unbound the clients). Whatever a client still holds then
//! (e.g. through an open file) fails with `ENODEV`, and dropping it is
//! harmless.
//! VRAM and channels count against the client kind's share
//! (`partition/policy`); beyond it allocations fail with `ENOSPC`. Clients
//! never see BAR0 or the message queues.
//!
//! When GSP-RM crashes or hangs the core resets the GPU and boots it again
//! (`recovery.rs`). A client registers a [`ResetHandler`] with
//! [`Gpu::on_reset`] to be told, with the handle as context, before (`prepare`: calls fail with `EAGAIN`
//! until `done`, its channels' objects are gone) and after (`done`: its
//! namespace is back under the same handles; it rebuilds the rest, e.g.
//! [`Channel::create_gpfifo`] again). Handles, VRAM, channel IDs and
//! subscriptions survive a reset.
//!
//! No RM number crosses this API: engines, notifiers and RM handles are
//! types ([`Engine`], [`Notifier`], [`Handle`]), and each GSP-RM operation
//! a client needs is a method of its own.
//!
//! The methods are real exported functions, so `modinfo` shows the
//! client's dependency on `nvgsp_core` and the core cannot be unloaded
//! while a client is loaded.
//!
//! Nothing here names a GSP-RM firmware version or structure: those stay in
//! the core (Documentation/gpu/nova/core/guidelines.rst).
//!
//! # Examples
//!
//! ```ignore
//! fn probe(adev: &auxiliary::Device<Core<'_>>) -> Result {
//!     let client = adev.registration_data::<nvgsp_core::client::ClientData>()?;
//!     let chip = client.chip();
//!     dev_info!(adev, "bound to {} rev {:x}\n", chip.name(), chip.revision());
//!     let gpu = client.open()?;
//!     let buf = gpu.alloc_vram(SZ_2M as u64, SZ_2M as u64, Placement::Any)?;
//!     let chan = gpu.alloc_channel()?;
//!     dev_info!(adev, "VRAM at {:#x}, channel {}\n", buf.offset(), chan.id());
//!     Ok(())
//! }
//! ```

use kernel::{
    prelude::*,
    sync::Arc,
    types::CovariantForLt, //
};

use crate::{
    gpu,
    services::{
        Services,
        ServicesLink, //
    },
};

mod bar1;
mod channel;
mod handle;
mod object;
mod reset;
mod ring;
mod scrub;
mod subscription;
mod vaspace;
mod vgpu;
mod vram;

pub use crate::events::{
    ChannelWatcher,
    Event,
    EventHandler,
    EventKind,
    EventKinds,
    MmuFault,
    Notifier,
    What,
    Xid, //
};
pub use crate::gsp::config::{
    Engine,
    GpuConfig,
    MAX_ENGINES,
    MAX_USABLE_RANGES, //
};
pub use crate::partition::Placement;
pub use crate::proto::gsp::calls::Handle;
pub use crate::proto::partition::ClientKind;
pub use bar1::CpuMapping;
pub use channel::Channel;
pub use handle::Gpu;
pub(crate) use object::RmObject;
pub use reset::{
    ResetHandler,
    ResetNotifier, //
};
pub use ring::{
    Push,
    ENTRIES as GPFIFO_ENTRIES, //
};
pub use subscription::Subscription;
pub use vaspace::{
    Update,
    VaSpace, //
    CLIENT_VA_END,
    CLIENT_VA_START,
};
pub use vgpu::{
    Vgpu,
    VgpuManager,
    VgpuStart,
    VgpuType,
    MIN_PLUGIN_HEAP, //
};
pub use vram::Vram;

/// Module name the auxiliary devices are registered under.
pub const MODULE_NAME: &CStr = c"nvgsp_core";
/// Device name of the DRM client (`nvgsp_core.drm.<id>`).
pub const DRM: &CStr = c"drm";
/// Device name of the VFIO client (`nvgsp_core.vfio.<id>`).
pub const VFIO: &CStr = c"vfio";

/// Identity of the GPU a client is attached to.
#[derive(Clone, Copy, Debug)]
pub struct ChipInfo {
    spec: gpu::Spec,
}

impl ChipInfo {
    /// Chipset number, `architecture << 4 | implementation` (GA102 = 0x172).
    pub fn chipset(&self) -> u32 {
        self.spec.chipset as u32
    }

    /// Chipset name, e.g. "GA102".
    pub fn name(&self) -> &'static str {
        self.spec.chipset.name()
    }

    /// Silicon revision as `major << 4 | minor` (A1 = 0xa1).
    pub fn revision(&self) -> u8 {
        (self.spec.revision.major << 4) | (self.spec.revision.minor & 0xf)
    }
}

/// A client kind's attachment to one GPU: the registration data of its
/// auxiliary device. It lives as long as the auxiliary device is
/// registered, i.e. until the core unbinds from the GPU. Everything beyond
/// the GPU's identity goes through a [`Gpu`] handle from [`Client::open`].
pub struct Client {
    kind: ClientKind,
    spec: gpu::Spec,
    gpu: GpuConfig,
    link: Arc<ServicesLink>,
}

/// A client kind's share of the VRAM ([`Gpu::vram_share`]).
#[derive(Clone, Copy, Debug)]
pub struct VramShare {
    /// Bytes the kind may hold.
    pub limit: u64,
    /// Bytes the kind holds.
    pub used: u64,
}

/// The registration-data type tag clients pass to
/// `auxiliary::Device::registration_data`.
pub type ClientData = CovariantForLt!(Client);

impl Client {
    pub(crate) fn new(kind: ClientKind, services: &Services<'_>) -> Client {
        Client {
            kind,
            spec: services.spec,
            gpu: services.gpu,
            link: services.link.clone(),
        }
    }

    /// The configuration GSP-RM reported.
    #[inline(never)]
    pub fn gpu(&self) -> GpuConfig {
        self.gpu
    }

    /// The identity of the GPU.
    #[inline(never)]
    pub fn chip(&self) -> ChipInfo {
        ChipInfo { spec: self.spec }
    }

    /// Which client this is; its resource share follows from it.
    #[inline(never)]
    pub fn kind(&self) -> ClientKind {
        self.kind
    }

    /// Opens a handle on the GPU with an RM namespace of its own (an RM
    /// client with the GPU's device and subdevice). Everything allocated
    /// through the handle is returned when it is dropped.
    ///
    /// During a GPU reset, or when GSP-RM is lost while it opens, it waits
    /// up to 30 s for the reset to end and tries again (a client probing
    /// then would otherwise fail its probe). Not to be called from a
    /// [`ResetHandler`], which the reset waits for.
    ///
    /// # Errors
    ///
    /// `ENODEV` if the GPU was given up or unbound, `EAGAIN` if the reset
    /// took longer, or what GSP-RM answered.
    #[inline(never)]
    pub fn open(&self) -> Result<Gpu> {
        use kernel::time::{
            delay::fsleep,
            Delta,
            Instant,
            Monotonic, //
        };
        const WAIT: Delta = crate::timeouts::OPEN_DURING_RECOVERY;
        let start = Instant::<Monotonic>::now();
        let mut told = false;
        loop {
            let guard = self.link.access()?;
            let services = guard.get();
            let health = &services.gsp.rpc.health;
            health.wait_recovered(WAIT - start.elapsed(), || {
                if !told {
                    dev_info!(
                        services.dev,
                        "{} client waits for the GPU reset to end\n",
                        self.kind.name()
                    );
                    told = true;
                }
            })?;
            match Gpu::open(self.kind, &self.link) {
                // GSP-RM was lost meanwhile: a recovery is on its way.
                Err(e)
                    if (e == EAGAIN || (health.is_lost() && health.recovers()))
                        && start.elapsed() < WAIT =>
                {
                    drop(guard);
                    fsleep(Delta::from_millis(10));
                }
                r => return r,
            }
        }
    }
}
