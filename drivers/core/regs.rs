// SPDX-License-Identifier: GPL-2.0

//! Registers shared by several units of the core.
//!
//! Layouts follow Linux 7.3 `drivers/gpu/nova-core/regs.rs`; each offset is
//! checked at compile time against the table in `proto/src/chip.rs` that the
//! emulator serves, so the two sides cannot drift apart.

use kernel::io::{
    register,
    register::Register, //
};

use kernel::num::casts::u32_as_usize;

use crate::proto::chip as proto_chip;

register! {
    /// Legacy chip identification: architecture bits and silicon revision.
    pub(crate) NV_PMC_BOOT_0(u32) @ 0x00000000 {
        /// Architecture, bits 4:0.
        28:24   architecture_0;
        /// Implementation within the architecture.
        23:20   implementation;
        /// Architecture, bit 5.
        8:8     architecture_1;
        /// Major silicon revision.
        7:4     major_revision;
        /// Minor silicon revision.
        3:0     minor_revision;
    }

    /// Chip identification of Fermi and later chips.
    pub(crate) NV_PMC_BOOT_42(u32) @ 0x00000a00 {
        /// Architecture (0x16 Turing, 0x17 Ampere, ...).
        29:24   architecture;
        /// Implementation within the architecture.
        23:20   implementation;
        /// Major silicon revision.
        19:16   major_revision;
        /// Minor silicon revision.
        15:12   minor_revision;
    }
}

const _: () = assert!(NV_PMC_BOOT_0::OFFSET == u32_as_usize(proto_chip::NV_PMC_BOOT_0));
const _: () = assert!(NV_PMC_BOOT_42::OFFSET == u32_as_usize(proto_chip::NV_PMC_BOOT_42));
