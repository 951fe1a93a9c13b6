//! Wire formats and register facts shared by the nvgsp kernel modules and by
//! `nvgsp-emu`.
//!
//! Everything here is plain `core` Rust with no dependencies, so the same
//! source files are compiled into `nvgsp_core.ko` (as modules of the driver
//! crate, see `drivers/core/nvgsp_core.rs`) and into the emulator. The values
//! are pinned by tests against their published sources, so a mistake cannot
//! hide by being made identically on both sides.
//!
//! The one exception is `build` (cargo feature `build`, always on in this
//! crate's tests): builders of firmware files and VBIOS images for tests,
//! the fuzz seeds and the emulator. It allocates, and it is declared only
//! here, so none of the files the kernel module includes can reach it.

#![no_std]

// The builders allocate; only they need `alloc`.
#[cfg(any(test, feature = "build"))]
extern crate alloc;

#[cfg(any(test, feature = "build"))]
pub mod build;
pub mod bus;
pub mod chip;
pub mod copy;
pub mod falcon;
pub mod firmware;
pub mod gsp;
pub mod host;
pub mod intr;
pub mod mmu;
pub mod partition;
pub mod pci;
pub mod wire;
