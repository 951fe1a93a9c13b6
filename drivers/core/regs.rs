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

use crate::proto::{
    bus as proto_bus,
    chip as proto_chip,
    host as proto_host,
    mmu as proto_mmu, //
};

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

register! {
    /// The root page directory (PDB) of the VA space whose translations
    /// [`NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE`] drops: address bits
    /// 39:12 and its aperture (open-gpu-kernel-modules
    /// `published/turing/tu102/dev_vm.h`; OpenRM
    /// `kgmmuSetPdbToInvalidate_TU102`; nouveau `tu102_vmm_flush`).
    pub(crate) NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_PDB(u32) @ 0x00b830a0 {
        /// PDB address bits 39:12.
        31:4    addr;
        /// Where the PDB is: false video memory, true system memory.
        1:1     aperture_sys => bool;
    }

    /// The PDB's address bits 59:40.
    pub(crate) NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_UPPER_PDB(u32) @ 0x00b830a4 {
        19:0    addr;
    }

    /// Starts a TLB invalidate; `trigger` reads back false once it is done.
    pub(crate) NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE(u32) @ 0x00b830b0 {
        /// Set to start; cleared by the MMU when done.
        31:31   trigger => bool;
        /// Only the hub's TLB (not the GPCs').
        2:2     hubtlb_only => bool;
        /// Every VA space, whatever the PDB registers say.
        1:1     all_pdb => bool;
        /// Every VA of the VA space (else only the one named elsewhere).
        0:0     all_va => bool;
    }
}

const _: () = assert!(
    NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_PDB::OFFSET == u32_as_usize(proto_mmu::INVALIDATE_PDB)
);
const _: () = assert!(
    NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_UPPER_PDB::OFFSET
        == u32_as_usize(proto_mmu::INVALIDATE_UPPER_PDB)
);
const _: () =
    assert!(NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE::OFFSET == u32_as_usize(proto_mmu::INVALIDATE));

register! {
    /// `NV_VIRTUAL_FUNCTION_DOORBELL`: tells the host a channel has new
    /// GPFIFO entries. Written with the channel's work-submit token
    /// (runlist in 22:16, channel ID in 11:0: open-gpu-kernel-modules
    /// `published/ampere/ga100/dev_ctrl.h` `NV_CTRL_VF_DOORBELL_*`;
    /// nouveau `tu102_chan_doorbell_handle`). It is the VF window's
    /// 0x30090 (`dev_vm.ref.txt`), at 0xB80000 on the physical function
    /// (CPU-RM `kfifoUpdateUsermodeDoorbell_TU102` with
    /// `gpuGetVirtRegPhysOffset_TU102`).
    pub(crate) NV_VIRTUAL_FUNCTION_DOORBELL(u32) @ 0x00bb0090 {
        31:0    handle;
    }
}

const _: () = assert!(NV_VIRTUAL_FUNCTION_DOORBELL::OFFSET == u32_as_usize(proto_host::DOORBELL));

register! {
    /// Where the PRAMIN window (BAR0 0x700000, 1 MiB) looks into memory
    /// (open-gpu-doc `turing/tu104/dev_bus.ref.txt`; nouveau
    /// `nv50_instmem_set_bar0_window_addr`; nova-core's MM series uses it
    /// from Turing to Ada).
    pub(crate) NV_PBUS_BAR0_WINDOW(u32) @ 0x00001700 {
        /// 0 video memory, 2 coherent and 3 non-coherent system memory.
        25:24   target;
        /// The window's start >> 16 (64 KiB units).
        23:0    base;
    }

    /// Pushes writes made through BAR0 and BAR1 to memory ahead of what
    /// the GPU reads next (open-gpu-kernel-modules
    /// `published/maxwell/gm107/dev_flush.h`; nouveau `g84_bar_flush`).
    pub(crate) NV_UFLUSH_FB_FLUSH(u32) @ 0x00070000 {
        /// Reads true until the flush is done.
        1:1     outstanding => bool;
        /// Written true to start one.
        0:0     pending => bool;
    }
}

const _: () = assert!(NV_PBUS_BAR0_WINDOW::OFFSET == u32_as_usize(proto_bus::BAR0_WINDOW));
const _: () = assert!(NV_UFLUSH_FB_FLUSH::OFFSET == u32_as_usize(proto_bus::FB_FLUSH));
