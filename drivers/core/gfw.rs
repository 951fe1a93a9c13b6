// SPDX-License-Identifier: GPL-2.0

//! GFW boot, a.k.a. devinit: the GPU's own firmware from the VBIOS runs
//! after power-on and after every reset, sets up the memory controller and
//! writes the usable VRAM size; until it is done the GSP falcon is its and
//! the driver must not start a ucode (nova-core `gpu/hal/tu102.rs`
//! `wait_gfw_boot_completion`).

use kernel::{
    device,
    io::{
        Io, //
    },
    prelude::*,
    time::Delta, //
};

use crate::{
    bar::Bar0,
    gsp::regs::{
        NV_PGC6_AON_SECURE_SCRATCH_GROUP_05_0_GFW_BOOT,
        NV_PGC6_AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK, //
    },
    poll::read_poll_timeout,
    timeouts,
};

/// Waits until GFW boot has completed: the privilege level mask says the
/// host may read the progress register (FWSEC lowered it), and it reads
/// 0xff. Before the mask is lowered the progress register is not read.
///
/// # Errors
///
/// `ETIMEDOUT` after [`timeouts::GFW_BOOT`], with one log line.
pub(crate) fn wait_boot_completion(dev: &device::Device, bar: Bar0<'_>) -> Result {
    read_poll_timeout(
        || {
            Ok(bar
                .read(NV_PGC6_AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK)
                .read_protection_level0()
                && bar
                    .read(NV_PGC6_AON_SECURE_SCRATCH_GROUP_05_0_GFW_BOOT)
                    .progress()
                    == 0xff)
        },
        |&done| done,
        Delta::from_millis(1),
        timeouts::GFW_BOOT,
    )
    .map(|_| ())
    .inspect_err(|_| {
        dev_err!(
            dev,
            "GFW boot (devinit) did not complete within {} ms\n",
            timeouts::GFW_BOOT.as_millis()
        )
    })
}
