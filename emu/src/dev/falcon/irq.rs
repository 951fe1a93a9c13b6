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

    /// Reads the register at `off` from the engine base, if it is ours.
    pub fn read(&self, off: u32) -> Option<u32> {
        Some(match off {
            IRQSTAT => self.stat,
            IRQMASK => self.mask,
            IRQDEST => self.dest,
            IRQSSET | IRQSCLR | IRQMSET | IRQMCLR => 0,
            // Write-only triggers.
            o if o == INTR_RETRIGGER || o == INTR_RETRIGGER + 4 => 0,
            _ => return None,
        })
    }

    /// Writes the register at `off`; returns `Some(true)` when the falcon
    /// signals its interrupt vector, `None` if the register is not ours.
    ///
    /// The host-routed causes form one line into the CPU interrupt tree,
    /// signalled when it rises: while any cause stays latched, a new one
    /// signals nothing, and only `INTR_RETRIGGER(0)` signals a line still
    /// up (OpenRM `kflcnIntrRetrigger_GA100`: "Retrigger an interrupt
    /// message from the engine to the NV_CTRL tree"; nouveau retriggers
    /// after every GSP interrupt it handled). `INTR_RETRIGGER(1)` belongs
    /// to a second output the model does not have.
    pub fn write(&mut self, off: u32, v: u32) -> Option<bool> {
        let before = self.to_host();
        if off == INTR_RETRIGGER {
            return Some(v & 1 != 0 && before != 0);
        }
        if off == INTR_RETRIGGER + 4 {
            return Some(false);
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
        Some(before == 0 && self.to_host() != 0)
    }

    /// Latches `bits` as the engine does (its firmware through IRQSSET, or
    /// the CPU halting); returns whether the host line rose.
    pub fn latch(&mut self, bits: u32) -> bool {
        let before = self.to_host();
        self.stat |= bits;
        before == 0 && self.to_host() != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use nvgsp_proto::falcon::{IRQ_HALT, IRQ_SWGEN0};

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
        assert_eq!(f.write(INTR_RETRIGGER + 4, 1), Some(false));
        f.write(IRQSCLR, IRQ_SWGEN0);
        assert_eq!(f.write(INTR_RETRIGGER, 1), Some(false));
    }

    /// The routed causes are one line: a HALT left latched (a ucode that
    /// ended) keeps every later SWGEN0 from signalling until it is cleared.
    #[test]
    fn a_stale_halt_silences_swgen0() {
        let mut f = FalconIrq::default();
        assert!(!f.latch(IRQ_HALT), "not routed yet");
        f.write(IRQDEST, IRQ_SWGEN0 | IRQ_HALT);
        assert_eq!(f.write(IRQMSET, IRQ_SWGEN0 | IRQ_HALT), Some(true));
        assert!(!f.latch(IRQ_SWGEN0));
        f.write(IRQSCLR, IRQ_SWGEN0 | IRQ_HALT);
        assert!(f.latch(IRQ_SWGEN0));
    }
}
