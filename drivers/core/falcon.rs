// SPDX-License-Identifier: GPL-2.0

//! Falcon engines (GSP, SEC2): the register block every falcon has at its
//! engine base.
//!
//! Offsets follow Linux 7.3 `drivers/gpu/nova-core/regs.rs`
//! (`NV_PFALCON_FALCON_*`) and nouveau's `nvkm/falcon/base.c`.

use kernel::io::{
    register,
    register::{
        Register,
        RegisterBase, //
    },
};

use crate::proto::falcon as proto;

pub(crate) mod gsp;

/// Address family of the `PFALCON` block of an engine.
pub(crate) struct PFalconBase(());

register! {
    /// Interrupt status set: writing 1 raises an interrupt bit.
    pub(crate) NV_PFALCON_FALCON_IRQSSET(u32) @ PFalconBase + 0x00000000 {
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }

    /// Interrupt status clear: writing 1 clears an interrupt bit.
    pub(crate) NV_PFALCON_FALCON_IRQSCLR(u32) @ PFalconBase + 0x00000004 {
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }

    /// Interrupt status: which interrupts are pending.
    pub(crate) NV_PFALCON_FALCON_IRQSTAT(u32) @ PFalconBase + 0x00000008 {
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }

    /// Interrupt mask set: writing 1 enables an interrupt.
    pub(crate) NV_PFALCON_FALCON_IRQMSET(u32) @ PFalconBase + 0x00000010 {
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }

    /// Interrupt mask clear: writing 1 disables an interrupt.
    pub(crate) NV_PFALCON_FALCON_IRQMCLR(u32) @ PFalconBase + 0x00000014 {
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }

    /// Interrupt destination: a set bit routes that interrupt to the host.
    pub(crate) NV_PFALCON_FALCON_IRQDEST(u32) @ PFalconBase + 0x0000001c {
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }
}

const _: () = {
    assert!(<gsp::Gsp as RegisterBase<PFalconBase>>::BASE == proto::GSP_BASE as usize);
    assert!(NV_PFALCON_FALCON_IRQSSET::OFFSET == proto::IRQSSET as usize);
    assert!(NV_PFALCON_FALCON_IRQSCLR::OFFSET == proto::IRQSCLR as usize);
    assert!(NV_PFALCON_FALCON_IRQSTAT::OFFSET == proto::IRQSTAT as usize);
    assert!(NV_PFALCON_FALCON_IRQMSET::OFFSET == proto::IRQMSET as usize);
    assert!(NV_PFALCON_FALCON_IRQMCLR::OFFSET == proto::IRQMCLR as usize);
    assert!(NV_PFALCON_FALCON_IRQDEST::OFFSET == proto::IRQDEST as usize);
    assert!(1u32 << *NV_PFALCON_FALCON_IRQSTAT::SWGEN0_RANGE.start() == proto::IRQ_SWGEN0);
};
