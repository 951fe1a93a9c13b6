// SPDX-License-Identifier: GPL-2.0
//! BAR0 registers around BAR1 and VRAM access from the CPU: the PRAMIN
//! window (a 1 MiB view of VRAM in BAR0 that the driver writes BAR1's page
//! tables through), the FB flush that makes those writes visible to the
//! MMU, and the BAR1 binding that belongs to GSP-RM.
//!
//! Sources: open-gpu-doc `manuals/turing/tu104/dev_bus.ref.txt` and
//! open-gpu-kernel-modules `published/maxwell/gm107/dev_bus.h`,
//! `dev_ram.h`, `dev_flush.h`, `published/turing/tu102/dev_vm.h`; nouveau
//! `nvkm/subdev/instmem/nv50.c` (`nv50_instobj_wr32_slow`),
//! `nvkm/subdev/bar/g84.c` (`g84_bar_flush`), `bar/tu102.c`.

/// `NV_PBUS_BAR0_WINDOW`: where in memory the PRAMIN window looks.
/// BASE (23:0) is the address >> 16 (64 KiB units); TARGET (25:24) is
/// the aperture ([`WINDOW_TARGET_VID_MEM`] and the system ones).
pub const BAR0_WINDOW: u32 = 0x0000_1700;
/// `NV_PBUS_BAR0_WINDOW_BASE` is 23:0.
pub const WINDOW_BASE_MASK: u32 = 0x00ff_ffff;
/// `NV_PBUS_BAR0_WINDOW_BASE_SHIFT`: the base is in 64 KiB units.
pub const WINDOW_BASE_SHIFT: u32 = 16;
/// `NV_PBUS_BAR0_WINDOW_TARGET` (25:24) shift.
pub const WINDOW_TARGET_SHIFT: u32 = 24;
/// `NV_PBUS_BAR0_WINDOW_TARGET_VID_MEM`.
pub const WINDOW_TARGET_VID_MEM: u32 = 0;
/// `NV_PBUS_BAR0_WINDOW_TARGET_SYS_MEM_COHERENT`.
pub const WINDOW_TARGET_SYS_COH: u32 = 2;
/// `NV_PBUS_BAR0_WINDOW_TARGET_SYS_MEM_NONCOHERENT`.
pub const WINDOW_TARGET_SYS_NONCOH: u32 = 3;

/// `NV_PRAMIN`: the 1 MiB window itself, BAR0 offsets
/// `PRAMIN..PRAMIN + PRAMIN_SIZE`.
pub const PRAMIN: u32 = 0x0070_0000;
/// Bytes of the PRAMIN window.
pub const PRAMIN_SIZE: u32 = 0x0010_0000;

/// `NV_UFLUSH_FB_FLUSH`: written 1 to push the writes made through BAR0
/// and BAR1 to memory ahead of what the MMU reads next; bit 1
/// (`_OUTSTANDING`) reads 1 until that is done.
pub const FB_FLUSH: u32 = 0x0007_0000;
/// `NV_UFLUSH_FB_FLUSH_OUTSTANDING`.
pub const FB_FLUSH_OUTSTANDING: u32 = 1 << 1;

/// `NV_VIRTUAL_FUNCTION_PRIV_BAR1_BLOCK`: BAR1's instance block. GSP-RM
/// binds it; the kernel driver never writes it. PTR 27:0 (address >> 12),
/// TARGET 29:28, MODE 31 (1: virtual, through the block's page tables).
pub const BAR1_BLOCK: u32 = 0x00b8_0f40;
/// `NV_VIRTUAL_FUNCTION_PRIV_BAR2_BLOCK`.
pub const BAR2_BLOCK: u32 = 0x00b8_0f48;
/// `NV_VIRTUAL_FUNCTION_PRIV_BIND_STATUS`: BAR1_PENDING 0,
/// BAR1_OUTSTANDING 1, BAR2_PENDING 2, BAR2_OUTSTANDING 3.
pub const BIND_STATUS: u32 = 0x00b8_0f50;
/// The legacy `NV_PBUS_BAR1_BLOCK`, also GSP-RM's.
pub const PBUS_BAR1_BLOCK: u32 = 0x0000_1704;
/// The legacy `NV_PBUS_BAR2_BLOCK`, also GSP-RM's.
pub const PBUS_BAR2_BLOCK: u32 = 0x0000_1714;
