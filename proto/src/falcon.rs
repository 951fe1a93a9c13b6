// SPDX-License-Identifier: GPL-2.0
//! Falcon engines: where their register blocks are and the interrupt
//! registers every falcon has.
//!
//! Offsets follow Linux 7.3 `drivers/gpu/nova-core/regs.rs`
//! (`NV_PFALCON_FALCON_IRQS*`), `falcon/gsp.rs` and `falcon/sec2.rs`, and
//! nouveau's `nvkm/falcon/base.c`.

/// BAR0 base of the GSP falcon (`NV_PGSP`).
pub const GSP_BASE: u32 = 0x0011_0000;
/// BAR0 base of the SEC2 falcon (`NV_PSEC`).
pub const SEC2_BASE: u32 = 0x0084_0000;

/// Interrupt status set: writing 1 raises an interrupt bit.
pub const IRQSSET: u32 = 0x000;
/// Interrupt status clear: writing 1 clears an interrupt bit.
pub const IRQSCLR: u32 = 0x004;
/// Interrupt status.
pub const IRQSTAT: u32 = 0x008;
/// Interrupt mask set.
pub const IRQMSET: u32 = 0x010;
/// Interrupt mask clear.
pub const IRQMCLR: u32 = 0x014;
/// Interrupt mask.
pub const IRQMASK: u32 = 0x018;
/// Interrupt destination: a set bit routes that interrupt to the host.
pub const IRQDEST: u32 = 0x01c;

/// Software interrupt 0, which GSP-RM raises for its message queue.
pub const IRQ_SWGEN0: u32 = 1 << 6;
/// IRQSTAT bit 4, `HALT`: the falcon's CPU halted; for the GSP while
/// GSP-RM runs, that it crashed (open-gpu-kernel-modules 570.144
/// `kgspService_TU102`).
pub const IRQ_HALT: u32 = 1 << 4;

/// `NV_PFALCON_FALCON_INTR_RETRIGGER(0)` (GA100 and later; open-gpu-kernel-modules
/// `ampere/ga102/dev_falcon_v4.h`, nouveau `ga100_flcn_intr_retrigger`):
/// writing bit 0 has the falcon signal its interrupt vector again if a
/// host-routed cause is still latched.
pub const INTR_RETRIGGER: u32 = 0x3e8;

/// BAR0 base of the GSP falcon's second register block (`PFalcon2Base`,
/// RISC-V and boot-ROM registers).
pub const GSP_BASE2: u32 = 0x0011_1000;
/// BAR0 base of the SEC2 falcon's second register block.
pub const SEC2_BASE2: u32 = 0x0084_1000;

/// `NV_PFALCON_FALCON_MAILBOX0`: software mailbox, in and out of a ucode.
pub const MAILBOX0: u32 = 0x040;
/// `NV_PFALCON_FALCON_MAILBOX1`.
pub const MAILBOX1: u32 = 0x044;
/// `NV_PFALCON_FALCON_OS`: version of the application the falcon runs.
pub const OS: u32 = 0x080;
/// `NV_PFALCON_FALCON_RM`: the driver writes BOOT_0 here before a boot.
pub const RM: u32 = 0x084;
/// `NV_PFALCON_FALCON_HWCFG2`.
pub const HWCFG2: u32 = 0x0f4;
/// HWCFG2: reset completed (GA102+).
pub const HWCFG2_RESET_READY: u32 = 1 << 31;
/// HWCFG2: memory scrubbing still in progress.
pub const HWCFG2_MEM_SCRUBBING: u32 = 1 << 12;
/// HWCFG2: the engine has a RISC-V core.
pub const HWCFG2_RISCV: u32 = 1 << 10;
/// `NV_PFALCON_FALCON_CPUCTL`.
pub const CPUCTL: u32 = 0x100;
/// CPUCTL: start the falcon CPU.
pub const CPUCTL_STARTCPU: u32 = 1 << 1;
/// CPUCTL: the falcon CPU is halted.
pub const CPUCTL_HALTED: u32 = 1 << 4;
/// CPUCTL: CPUCTL_ALIAS is the control register to use.
pub const CPUCTL_ALIAS_EN: u32 = 1 << 6;
/// `NV_PFALCON_FALCON_BOOTVEC`: IMEM address the CPU starts at.
pub const BOOTVEC: u32 = 0x104;
/// `NV_PFALCON_FALCON_DMACTL`.
pub const DMACTL: u32 = 0x10c;
/// `NV_PFALCON_FALCON_DMATRFBASE`: DMA source address bits 39:8.
pub const DMATRFBASE: u32 = 0x110;
/// `NV_PFALCON_FALCON_DMATRFMOFFS`: destination offset in IMEM/DMEM.
pub const DMATRFMOFFS: u32 = 0x114;
/// `NV_PFALCON_FALCON_DMATRFCMD`: starts one transfer.
pub const DMATRFCMD: u32 = 0x118;
/// DMATRFCMD: the transfer engine is idle.
pub const DMATRFCMD_IDLE: u32 = 1 << 1;
/// DMATRFCMD: the destination is IMEM (else DMEM).
pub const DMATRFCMD_IMEM: u32 = 1 << 4;
/// DMATRFCMD: bits 10:8 give the size as `4 << n` bytes (6 = 256 B).
pub const DMATRFCMD_SIZE_SHIFT: u32 = 8;
/// `NV_PFALCON_FALCON_DMATRFFBOFFS`: offset from DMATRFBASE.
pub const DMATRFFBOFFS: u32 = 0x11c;
/// `NV_PFALCON_FALCON_DMATRFBASE1`: DMA source address bits 48:40.
pub const DMATRFBASE1: u32 = 0x128;
/// `NV_PFALCON_FALCON_CPUCTL_ALIAS`.
pub const CPUCTL_ALIAS: u32 = 0x130;
/// `NV_PFALCON_FALCON_ENGINE`: bit 0 holds the engine in reset.
pub const ENGINE: u32 = 0x3c0;
/// `NV_PFALCON_FBIF_TRANSCFG(i)`: DMA target of context i.
pub const FBIF_TRANSCFG: u32 = 0x600;
/// `NV_PFALCON_FBIF_CTL`.
pub const FBIF_CTL: u32 = 0x624;

/// `NV_PFALCON2_FALCON_MOD_SEL` (second block): signature algorithm.
pub const MOD_SEL: u32 = 0x180;
/// `NV_PFALCON2_FALCON_BROM_CURR_UCODE_ID`.
pub const BROM_CURR_UCODE_ID: u32 = 0x198;
/// `NV_PFALCON2_FALCON_BROM_ENGIDMASK`.
pub const BROM_ENGIDMASK: u32 = 0x19c;
/// `NV_PFALCON2_FALCON_BROM_PARAADDR(0)`: DMEM offset of the signature.
pub const BROM_PARAADDR: u32 = 0x210;
/// `NV_PRISCV_RISCV_CPUCTL` (second block, GA102+).
pub const RISCV_CPUCTL: u32 = 0x388;
/// RISCV_CPUCTL: the RISC-V core is active.
pub const RISCV_CPUCTL_ACTIVE: u32 = 1 << 7;
/// RISCV_CPUCTL: the RISC-V core is halted.
pub const RISCV_CPUCTL_HALTED: u32 = 1 << 4;
/// `NV_PRISCV_RISCV_BCR_CTRL` (second block, GA102+): boot core select.
pub const RISCV_BCR_CTRL: u32 = 0x668;

/// `NV_PGSP_QUEUE_HEAD(0)`: the driver's doorbell to GSP-RM after it
/// wrote to the command queue.
pub const GSP_QUEUE_HEAD: u32 = 0x0011_0c00;

/// `NV_PGC6_BSI_SECURE_SCRATCH_14`: boot progress SEC2-RTOS reports when it
/// resumed GSP-RM for the CPU sequencer's `CORE_RESUME` (Linux 7.3
/// nova-core `regs.rs`, nouveau r535 `r535_gsp_msg_run_cpu_sequencer`).
pub const BSI_SECURE_SCRATCH_14: u32 = 0x0011_80f8;
/// `BSI_SECURE_SCRATCH_14` bit 26, `boot_stage_3_handoff`: GSP-RM resumed.
pub const BSI_BOOT_STAGE_3_HANDOFF: u32 = 1 << 26;

/// IMEM and DMEM sizes of the GA102 GSP and SEC2 falcons the model offers.
pub const IMEM_SIZE: usize = 0x1_0000;
/// See [`IMEM_SIZE`].
pub const DMEM_SIZE: usize = 0x1_0000;

/// `NV_FUSE_OPT_FPF_SEC2_UCODE1_VERSION(0)`: fuse versions of SEC2 ucode ids
/// 1..=16, one u32 each; the highest set bit selects a heavy-secure
/// ucode's signature (nova-core `regs.rs`).
pub const FUSE_SEC2_UCODE1_VERSION: u32 = 0x0082_4140;

/// `NV_FUSE_OPT_FPF_GSP_UCODE1_VERSION(0)`: fuse versions of GSP ucode ids
/// 1..=16 (FWSEC runs on the GSP: its engine id mask is 0x400), one u32
/// each, read like the SEC2 ones (nova-core `regs.rs`,
/// `signature_reg_fuse_version_ga102`).
pub const FUSE_GSP_UCODE1_VERSION: u32 = 0x0082_41c0;
/// Number of `NV_FUSE_OPT_FPF_*_UCODE<id>_VERSION` registers per engine
/// (nova-core `NV_FUSE_OPT_FPF_SIZE`).
pub const FUSE_UCODE_COUNT: usize = 16;
