// SPDX-License-Identifier: GPL-2.0

//! The client API: everything `nvgsp_drm` and `nvgsp_vfio` may use.
//!
//! The core registers one auxiliary device per client kind and GPU,
//! `nvgsp_core.<kind>.<id>`, carrying a [`Client`] as typed registration
//! data. A client driver fetches it with
//! `adev.registration_data::<nvgsp_core::client::ClientData>()` and calls the
//! methods below. The methods are real exported functions, so `modinfo`
//! shows the client's dependency on `nvgsp_core` and the core cannot be
//! unloaded while a client is loaded.
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
//!     Ok(())
//! }
//! ```

use kernel::{
    prelude::*,
    types::CovariantForLt, //
};

use crate::gpu;

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

/// A client's handle on one GPU: the registration data of its auxiliary
/// device. It lives as long as the auxiliary device is registered, i.e.
/// until the core unbinds from the GPU.
pub struct Client {
    chip: ChipInfo,
}

/// The registration-data type tag clients pass to
/// `auxiliary::Device::registration_data`.
pub type ClientData = CovariantForLt!(Client);

impl Client {
    pub(crate) fn new(spec: gpu::Spec) -> Client {
        Client {
            chip: ChipInfo { spec },
        }
    }

    /// The identity of the GPU.
    #[inline(never)]
    pub fn chip(&self) -> ChipInfo {
        self.chip
    }
}
