//! The interrupt block of a falcon engine (GSP, SEC2).
//!
//! Offsets relative to the engine's base follow Linux 7.3
//! `drivers/gpu/nova-core/regs.rs` (`NV_PFALCON_FALCON_IRQS*`) and nouveau's
//! `nvkm/falcon/base.c`: IRQSSET +0x000, IRQSCLR +0x004, IRQSTAT +0x008,
//! IRQMSET +0x010, IRQMCLR +0x014, IRQMASK +0x018, IRQDEST +0x01c.

/// BAR0 base of the GSP falcon (`NV_PGSP`).
pub const GSP_BASE: u32 = 0x0011_0000;

const IRQSSET: u32 = 0x000;
const IRQSCLR: u32 = 0x004;
const IRQSTAT: u32 = 0x008;
const IRQMSET: u32 = 0x010;
const IRQMCLR: u32 = 0x014;
const IRQMASK: u32 = 0x018;
const IRQDEST: u32 = 0x01c;

/// Interrupt state of one falcon.
#[derive(Default)]
pub struct FalconIrq {
    stat: u32,
    mask: u32,
    dest: u32,
}

impl FalconIrq {
    /// Bits that currently interrupt the host.
    fn to_host(&self) -> u32 {
        self.stat & self.mask & self.dest
    }

    /// Reads the register at `off` from the engine base, if it is ours.
    pub fn read(&self, off: u32) -> Option<u32> {
        Some(match off {
            IRQSTAT => self.stat,
            IRQMASK => self.mask,
            IRQDEST => self.dest,
            IRQSSET | IRQSCLR | IRQMSET | IRQMCLR => 0,
            _ => return None,
        })
    }

    /// Writes the register at `off`; returns `Some(true)` when the write
    /// raised a new host interrupt, `None` if the register is not ours.
    pub fn write(&mut self, off: u32, v: u32) -> Option<bool> {
        let before = self.to_host();
        match off {
            IRQSSET => self.stat |= v,
            IRQSCLR => self.stat &= !v,
            IRQMSET => self.mask |= v,
            IRQMCLR => self.mask &= !v,
            IRQDEST => self.dest = v,
            IRQSTAT | IRQMASK => {}
            _ => return None,
        }
        Some(self.to_host() & !before != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SWGEN0, the software interrupt GSP-RM raises for the message queue.
    pub const IRQ_SWGEN0: u32 = 1 << 6;

    #[test]
    fn only_unmasked_host_routed_bits_interrupt() {
        let mut f = FalconIrq::default();
        assert_eq!(f.write(IRQSSET, IRQ_SWGEN0), Some(false));
        assert_eq!(f.read(IRQSTAT), Some(IRQ_SWGEN0));
        assert_eq!(f.write(IRQDEST, IRQ_SWGEN0), Some(false));
        assert_eq!(f.write(IRQMSET, IRQ_SWGEN0), Some(true));
        assert_eq!(f.write(IRQSCLR, IRQ_SWGEN0), Some(false));
        assert_eq!(f.read(IRQSTAT), Some(0));
        assert_eq!(f.read(0x100), None);
    }
}
