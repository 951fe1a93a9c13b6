// SPDX-License-Identifier: GPL-2.0

//! BAR0, the register aperture: every register access of the core goes
//! through it.

use kernel::{
    pci,
    sizes::SZ_16M, //
};

/// Size of BAR0 on every GSP-era chip.
pub(crate) const BAR0_SIZE: usize = SZ_16M;

/// The mapped register aperture.
pub(crate) type Bar0<'a> = &'a pci::Bar<'a, BAR0_SIZE>;
