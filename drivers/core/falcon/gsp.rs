// SPDX-License-Identifier: GPL-2.0

//! The GSP falcon.

use kernel::io::register::RegisterBase;

use super::PFalconBase;

/// The GSP engine (`NV_PGSP`), base 0x110000 on every GSP-era chip.
pub(crate) struct Gsp(());

impl RegisterBase<PFalconBase> for Gsp {
    const BASE: usize = 0x0011_0000;
}
