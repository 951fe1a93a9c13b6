// SPDX-License-Identifier: GPL-2.0

//! Registers the GSP boot and RPC use outside the falcons (Linux 7.3
//! `drivers/gpu/nova-core/gsp/regs.rs`, `regs.rs`, `fb/regs.rs`), checked
//! against `proto/src/falcon.rs` where the emulator has them.

use kernel::io::{
    register,
    register::Register, //
};

use kernel::num::casts::u32_as_usize;

use crate::proto::falcon as proto;

register! {
    /// GSP-RM's doorbell: the driver writes it after adding commands.
    pub(crate) NV_PGSP_QUEUE_HEAD(u32) @ 0x00110c00 {
        31:0    address => u32;
    }

    /// Bits 39:8 of the sysmem flush page's bus address: where the GPU
    /// writes for a sysmembar (nova-core `fb/regs.rs`).
    pub(crate) NV_PFB_NISO_FLUSH_SYSMEM_ADDR(u32) @ 0x00100c10 {
        31:0    adr_39_08 => u32;
    }

    /// Bits 63:40 of the sysmem flush page's bus address (GA100 and later).
    pub(crate) NV_PFB_NISO_FLUSH_SYSMEM_ADDR_HI(u32) @ 0x00100c40 {
        23:0    adr_63_40;
    }

    /// Whether the host may read `NV_PGC6_AON_SECURE_SCRATCH_GROUP_05`
    /// (GFW boot's progress): set once FWSEC lowered its protection
    /// (nova-core `regs.rs`).
    pub(crate) NV_PGC6_AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK(u32) @ 0x00118128 {
        0:0     read_protection_level0 => bool;
    }

    /// GFW boot's progress: 0xff once devinit completed.
    pub(crate) NV_PGC6_AON_SECURE_SCRATCH_GROUP_05_0_GFW_BOOT(u32) @ 0x00118234 {
        7:0     progress => u8;
    }

    /// Usable VRAM in MiB, as the VBIOS's devinit found it.
    pub(crate) NV_USABLE_FB_SIZE_IN_MB(u32) @ 0x001183a4 {
        31:0    value => u32;
    }

    /// Start of WPR2, bits 39:12 of the address in 31:4.
    pub(crate) NV_PFB_PRI_MMU_WPR2_ADDR_LO(u32) @ 0x001fa824 {
        31:4    lo_val;
    }

    /// Last 4 KiB page of WPR2, bits 39:12 of the address in 31:4.
    pub(crate) NV_PFB_PRI_MMU_WPR2_ADDR_HI(u32) @ 0x001fa828 {
        31:4    hi_val;
    }

    /// SW scratch 0xe: FWSEC-FRTS's error code in bits 31:16.
    pub(crate) NV_PBUS_SW_SCRATCH_0E(u32) @ 0x00001438 {
        31:16   frts_err_code;
    }

    /// Boot progress SEC2-RTOS reports; bit 26 once it resumed GSP-RM for
    /// the CPU sequencer's CORE_RESUME.
    pub(crate) NV_PGC6_BSI_SECURE_SCRATCH_14(u32) @ 0x001180f8 {
        26:26   boot_stage_3_handoff => bool;
    }
}

const _: () = assert!(NV_PGSP_QUEUE_HEAD::OFFSET == u32_as_usize(proto::GSP_QUEUE_HEAD));
const _: () =
    assert!(NV_PGC6_BSI_SECURE_SCRATCH_14::OFFSET == u32_as_usize(proto::BSI_SECURE_SCRATCH_14));
const _: () = assert!(1 << 26 == proto::BSI_BOOT_STAGE_3_HANDOFF);

/// WPR2 as `start..end`, if FWSEC-FRTS set it up: the HI register holds
/// the exclusive end, zero when there is no WPR2 (nova-core `fb.rs`
/// `wpr2_range`).
pub(crate) fn wpr2_range(bar: crate::bar::Bar0<'_>) -> Option<core::ops::Range<u64>> {
    use kernel::io::Io;
    let hi = u64::from(bar.read(NV_PFB_PRI_MMU_WPR2_ADDR_HI).hi_val().get());
    if hi == 0 {
        return None;
    }
    let lo = u64::from(bar.read(NV_PFB_PRI_MMU_WPR2_ADDR_LO).lo_val().get());
    Some(lo << 12..hi << 12)
}
