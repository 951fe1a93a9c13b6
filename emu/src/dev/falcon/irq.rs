//! The interrupt block of a falcon engine (GSP, SEC2); offsets in
//! `nvgsp_proto::falcon`.

use nvgsp_proto::falcon::{
    INTR_RETRIGGER, IRQDEST, IRQMASK, IRQMCLR, IRQMSET, IRQSCLR, IRQSSET, IRQSTAT,
};

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
            o if o == INTR_RETRIGGER || o == INTR_RETRIGGER + 4 => 0,
            _ => return None,
        })
    }

    /// Writes the register at `off`; returns `Some(true)` when the falcon
    /// signals its interrupt vector (a host-routed cause newly raised, or
    /// a retrigger with one still latched), `None` if the register is not
    /// ours.
    pub fn write(&mut self, off: u32, v: u32) -> Option<bool> {
        let before = self.to_host();
        if off == INTR_RETRIGGER || off == INTR_RETRIGGER + 4 {
            return Some(v & 1 != 0 && before != 0);
        }
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

    /// A cause still latched signals again only when retriggered (nova-core's
    /// interrupt series: "clearing the tree leaf while a cause is still
    /// latched leaves no transition and no further vector").
    #[test]
    fn a_latched_cause_signals_again_only_on_retrigger() {
        let mut f = FalconIrq::default();
        f.write(IRQDEST, IRQ_SWGEN0);
        f.write(IRQMSET, IRQ_SWGEN0);
        assert_eq!(f.write(INTR_RETRIGGER, 1), Some(false), "nothing latched");
        assert_eq!(f.write(IRQSSET, IRQ_SWGEN0), Some(true));
        assert_eq!(f.write(IRQSSET, IRQ_SWGEN0), Some(false), "no transition");
        assert_eq!(f.write(INTR_RETRIGGER, 1), Some(true));
        assert_eq!(f.write(INTR_RETRIGGER, 0), Some(false));
        f.write(IRQSCLR, IRQ_SWGEN0);
        assert_eq!(f.write(INTR_RETRIGGER, 1), Some(false));
    }
}
