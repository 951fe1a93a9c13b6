// SPDX-License-Identifier: GPL-2.0

//! The client API: everything `nvgsp_drm` and `nvgsp_vfio` may use.
//!
//! The core registers one auxiliary device per client kind and GPU,
//! `nvgsp_core.<kind>.<id>`, carrying a [`Client`] as typed registration
//! data. A client driver fetches it with
//! `adev.registration_data::<nvgsp_core::client::ClientData>()`, reads the
//! GPU's identity from it and opens a [`Gpu`] handle, through which it
//! allocates VRAM ([`Vram`]), channel IDs ([`Channel`]) and RM objects
//! ([`RmObject`]) in an RM namespace of its own. Every allocation is an
//! RAII value borrowing the handle, so a client cannot leak past its
//! unbind: dropping the handle frees its RM client with every object in it.
//! VRAM and channels count against the client kind's share
//! (`partition/policy`); beyond it allocations fail with `ENOSPC`. Clients
//! never see BAR0 or the message queues.
//!
//! When GSP-RM crashes or hangs the core resets the GPU and boots it again
//! (`recovery.rs`). A client registers a [`ResetHandler`] with
//! [`Gpu::on_reset`] to be told before (`prepare`: calls fail with `EAGAIN`
//! until `done`, its RM objects are gone) and after (`done`: its namespace
//! is back under the same handles; it rebuilds the rest). Handles, VRAM,
//! channel IDs and subscriptions survive a reset.
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
    types::CovariantForLt, //
};

use crate::{
    gpu,
    services::Services, //
};

mod channel;
mod handle;
mod object;
mod reset;
mod subscription;
mod vram;

pub use crate::events::{
    Event,
    EventHandler,
    EventKind,
    EventKinds, //
};
pub use crate::partition::Placement;
pub use crate::proto::partition::ClientKind;
pub use crate::recovery::ResetHandler;
pub use channel::Channel;
pub use handle::Gpu;
pub(crate) use handle::Namespace;
pub use object::{
    RmObject,
    RmParent, //
};
pub use reset::ResetNotifier;
pub use subscription::Subscription;
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

/// Most engines a [`GpuConfig`] lists.
pub const MAX_ENGINES: usize = 32;
/// Most usable VRAM ranges a [`GpuConfig`] keeps.
pub const MAX_USABLE_RANGES: usize = 4;

/// The GPU's configuration as GSP-RM enumerated it at boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpuConfig {
    pub(crate) name: [u8; 64],
    pub(crate) vram_size: u64,
    pub(crate) usable_vram: u64,
    pub(crate) gpcs: u32,
    pub(crate) tpcs_per_gpc: u32,
    pub(crate) engines: [u32; MAX_ENGINES],
    pub(crate) engine_count: usize,
    pub(crate) usable: [(u64, u64); MAX_USABLE_RANGES],
    pub(crate) usable_count: usize,
    pub(crate) channels: u32,
}

impl GpuConfig {
    /// The board's name as GSP-RM reports it, e.g. "NVIDIA GeForce RTX 3090".
    pub fn name(&self) -> &str {
        let len = self
            .name
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(self.name.len());
        core::str::from_utf8(&self.name[..len]).unwrap_or("?")
    }

    /// VRAM in bytes.
    pub fn vram_size(&self) -> u64 {
        self.vram_size
    }

    /// VRAM GSP-RM leaves to the driver, in bytes.
    pub fn usable_vram(&self) -> u64 {
        self.usable_vram
    }

    /// Number of GPCs.
    pub fn gpcs(&self) -> u32 {
        self.gpcs
    }

    /// TPCs per GPC.
    pub fn tpcs_per_gpc(&self) -> u32 {
        self.tpcs_per_gpc
    }

    /// The engines, as `NV2080_ENGINE_TYPE_*` numbers.
    pub fn engines(&self) -> &[u32] {
        &self.engines[..self.engine_count.min(MAX_ENGINES)]
    }

    /// Channel IDs GSP-RM offers the driver.
    pub fn channels(&self) -> u32 {
        self.channels
    }

    /// The VRAM ranges GSP-RM leaves to the driver, as VRAM offsets.
    pub fn usable_ranges(&self) -> impl Iterator<Item = core::ops::Range<u64>> + '_ {
        self.usable[..self.usable_count.min(MAX_USABLE_RANGES)]
            .iter()
            .map(|&(s, e)| s..e)
    }

    /// The engines as a bit mask of their type numbers (types 0..=63).
    pub fn engine_mask(&self) -> u64 {
        self.engines()
            .iter()
            .filter(|&&e| e < 64)
            .fold(0, |m, &e| m | (1u64 << e))
    }
}

/// Short name of engine type `t` (cl2080.h `NV2080_ENGINE_TYPE_*`).
pub fn engine_name(t: u32) -> &'static str {
    const NAMES: &[(u32, &str)] = &[
        (0x01, "gr"),
        (0x09, "ce0"),
        (0x0a, "ce1"),
        (0x0b, "ce2"),
        (0x0c, "ce3"),
        (0x0d, "ce4"),
        (0x13, "nvdec0"),
        (0x14, "nvdec1"),
        (0x15, "nvdec2"),
        (0x1b, "nvenc0"),
        (0x1c, "nvenc1"),
        (0x22, "sw"),
        (0x26, "sec2"),
        (0x27, "host"),
        (0x2b, "nvjpg0"),
        (0x33, "ofa0"),
    ];
    NAMES
        .iter()
        .find(|(n, _)| *n == t)
        .map_or("unknown", |&(_, s)| s)
}

/// A client kind's attachment to one GPU: the registration data of its
/// auxiliary device. It lives as long as the auxiliary device is
/// registered, i.e. until the core unbinds from the GPU. Everything beyond
/// the GPU's identity goes through a [`Gpu`] handle from [`Client::open`].
pub struct Client<'a> {
    kind: ClientKind,
    services: &'a Services<'a>,
}

/// How long [`Client::open`] waits for a GPU reset to end: more than the
/// three boot attempts of a recovery take.
const OPEN_WAIT_MS: i64 = 30_000;

/// The registration-data type tag clients pass to
/// `auxiliary::Device::registration_data`.
pub type ClientData = CovariantForLt!(Client<'_>);

impl<'a> Client<'a> {
    pub(crate) fn new(kind: ClientKind, services: &'a Services<'a>) -> Client<'a> {
        Client { kind, services }
    }

    /// The configuration GSP-RM reported.
    #[inline(never)]
    pub fn gpu(&self) -> GpuConfig {
        self.services.gpu
    }

    /// The identity of the GPU.
    #[inline(never)]
    pub fn chip(&self) -> ChipInfo {
        ChipInfo {
            spec: self.services.spec,
        }
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
    /// `ENODEV` if the GPU was given up, `EAGAIN` if the reset took
    /// longer, or what GSP-RM answered.
    #[inline(never)]
    pub fn open(&self) -> Result<Gpu<'a>> {
        use kernel::time::{
            delay::fsleep,
            Delta,
            Instant,
            Monotonic, //
        };
        let rpc = &self.services.gsp.rpc;
        let start = Instant::<Monotonic>::now();
        let mut told = false;
        loop {
            let left = OPEN_WAIT_MS - start.elapsed().as_millis();
            rpc.gate.wait_open(Delta::from_millis(left), || {
                if !told {
                    dev_info!(
                        self.services.dev,
                        "{} client waits for the GPU reset to end\n",
                        self.kind.name()
                    );
                    told = true;
                }
            })?;
            match Gpu::open(self.kind, self.services) {
                // GSP-RM was lost meanwhile: a recovery is on its way.
                Err(e)
                    if (e == EAGAIN || (rpc.is_lost() && rpc.recovers()))
                        && start.elapsed().as_millis() < OPEN_WAIT_MS =>
                {
                    fsleep(Delta::from_millis(10));
                }
                r => return r,
            }
        }
    }
}
