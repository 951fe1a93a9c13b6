// SPDX-License-Identifier: GPL-2.0

//! What the vGPU host needs of the kernel that Linux 7.3's Rust does not
//! offer, as thin, audited layers over the C side (`nvgsp_vfio_vf.c`): the
//! only files of the client with `unsafe`. Each is shaped so an upstream
//! abstraction can replace it:
//!
//! - [`registry`]: the module's hosts, in a mutex in a `static` (nothing
//!   else reaches both the auxiliary driver and the virtual functions'
//!   driver);
//! - [`vf`]: the virtual functions' driver, a vfio-pci-core variant
//!   driver in C (Rust has no vfio-pci-core abstraction), calling the
//!   vGPU host's Rust for every decision.

mod registry;
mod vf;

pub(crate) use registry::{
    hosts,
    RegistryGuard, //
};
pub(crate) use vf::{
    pf_info,
    VfDriver,
    VfHandle,
    VfHandleInit,
    VfLocked,
    VfioView, //
};
