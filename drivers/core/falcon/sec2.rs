// SPDX-License-Identifier: GPL-2.0

//! The SEC2 falcon: booter_load and booter_unload run on it.

use kernel::io::register::RegisterBase;

use super::{
    FalconEngine,
    PFalcon2Base,
    PFalconBase, //
};

/// The SEC2 engine (`NV_PSEC`), base 0x840000 (nova-core `falcon/sec2.rs`).
pub(crate) struct Sec2(());

impl RegisterBase<PFalconBase> for Sec2 {
    const BASE: usize = 0x0084_0000;
}

impl RegisterBase<PFalcon2Base> for Sec2 {
    const BASE: usize = 0x0084_1000;
}

impl FalconEngine for Sec2 {
    const NAME: &'static str = "SEC2";
}
