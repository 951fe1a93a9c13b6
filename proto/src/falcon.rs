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
