//! The interrupt block of a falcon engine (GSP, SEC2); offsets in
//! `nvgsp_proto::falcon`.

use nvgsp_proto::falcon::{IRQDEST, IRQMASK, IRQMCLR, IRQMSET, IRQSCLR, IRQSSET, IRQSTAT};

/// Interrupt state of one falcon.
#[derive(Default)]
pub struct FalconIrq {
    stat: u32,
    mask: u32,
    dest: u32,
}

impl FalconIrq {
    /// Bits that currently interrupt the host.
    pub fn to_host(&self) -> u32 {
        self.stat & self.mask & self.dest
    }

    /// The engine itself raising interrupt bits (as its firmware does
    /// through IRQSSET).
    pub fn raise(&mut self, bits: u32) {
        self.stat |= bits;
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

    use nvgsp_proto::falcon::IRQ_SWGEN0;

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
