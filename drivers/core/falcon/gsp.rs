// SPDX-License-Identifier: GPL-2.0

//! The GSP falcon: FWSEC runs on it, then GSP-RM on its RISC-V core.

use kernel::{
    io::{
        register::{
            RegisterBase,
            WithBase, //
        },
        Io, //
    },
    prelude::*, //
};

use super::{
    FalconEngine,
    PFalcon2Base,
    PFalconBase,
    NV_PFALCON_FALCON_INTR_RETRIGGER,
    NV_PFALCON_FALCON_IRQDEST,
    NV_PFALCON_FALCON_IRQMSET, //
};
use crate::bar::Bar0;

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

/// Routes the GSP falcon's SWGEN0 (messages) and HALT (GSP-RM crashed) to
/// the host and unmasks them; done again after every GSP engine reset.
pub(crate) fn route_swgen0(bar: Bar0<'_>) {
    bar.update(NV_PFALCON_FALCON_IRQDEST::of::<Gsp>(), |r| {
        r.with_swgen0(true).with_halt(true)
    });
    bar.write(
        WithBase::of::<Gsp>(),
        NV_PFALCON_FALCON_IRQMSET::zeroed()
            .with_swgen0(true)
            .with_halt(true),
    );
}

/// Has the GSP falcon signal its vector again if HALT or SWGEN0 is still
/// latched: acknowledging the vector in the CPU interrupt tree while a
/// cause stays set leaves no transition to signal (nouveau `r535_gsp_intr`
/// retriggers after handling).
pub(crate) fn retrigger_intr(bar: Bar0<'_>) {
    bar.write(
        WithBase::of::<Gsp>().at(0),
        NV_PFALCON_FALCON_INTR_RETRIGGER::zeroed().with_trigger(true),
    );
}
