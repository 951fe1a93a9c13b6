// SPDX-License-Identifier: GPL-2.0

//! The GSP falcon: FWSEC runs on it, then GSP-RM on its RISC-V core.

use kernel::io::register::RegisterBase;

use super::{
    FalconEngine,
    PFalcon2Base,
    PFalconBase, //
};

/// The GSP engine (`NV_PGSP`), base 0x110000 on every GSP-era chip.
pub(crate) struct Gsp(());

impl RegisterBase<PFalconBase> for Gsp {
    const BASE: usize = 0x0011_0000;
}

impl RegisterBase<PFalcon2Base> for Gsp {
    const BASE: usize = 0x0011_1000;
}

impl FalconEngine for Gsp {
    const NAME: &'static str = "GSP";
}
