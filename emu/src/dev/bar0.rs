//! BAR0, the register aperture: decodes accesses and routes them to units.

use super::falcon::FalconIrq;
use nvgsp_proto::chip::{self, ChipId};
use nvgsp_proto::falcon;

/// What a register write asks of the device beyond storing a value.
#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing further.
    None,
    /// Raise this MSI-X vector.
    Interrupt(usize),
}

/// The offset of `off` within the GSP falcon's interrupt block, if it is in it.
fn gsp_offset(off: u32) -> Option<u32> {
    off.checked_sub(falcon::GSP_BASE).filter(|&r| r < 0x100)
}

/// The registers of the modelled GPU.
pub struct Bar0 {
    chip: ChipId,
    gsp_irq: FalconIrq,
}

impl Bar0 {
    /// Registers of `chip` in their reset state.
    pub fn new(chip: ChipId) -> Bar0 {
        Bar0 {
            chip,
            gsp_irq: FalconIrq::default(),
        }
    }

    /// Returns every register to its reset value.
    pub fn reset(&mut self) {
        *self = Bar0::new(self.chip);
    }

    /// The MSI-X vectors whose interrupt sources are asserted now. Sources
    /// are levels, so one still asserted when the host enables delivery
    /// interrupts then.
    pub fn asserted_vectors(&self) -> impl Iterator<Item = usize> {
        (self.gsp_irq.to_host() != 0).then_some(0).into_iter()
    }

    /// Reads the 32-bit register at `off` (4-byte aligned). Registers the
    /// model does not implement read as zero.
    pub fn read32(&self, off: u32) -> u32 {
        match off {
            chip::NV_PMC_BOOT_0 => self.chip.boot0(),
            chip::NV_PMC_BOOT_42 => self.chip.boot42(),
            o => gsp_offset(o)
                .and_then(|r| self.gsp_irq.read(r))
                .unwrap_or(0),
        }
    }

    /// Writes the 32-bit register at `off` (4-byte aligned).
    pub fn write32(&mut self, off: u32, v: u32) -> Effect {
        match gsp_offset(off).and_then(|r| self.gsp_irq.write(r, v)) {
            Some(true) => Effect::Interrupt(0),
            _ => Effect::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nvgsp_proto::falcon::IRQ_SWGEN0 as SWGEN0;

    #[test]
    fn identifies_as_ga102() {
        let b = Bar0::new(ChipId::GA102_A1);
        assert_eq!(b.read32(0), 0x1720_00a1);
        assert_eq!(ChipId::from_boot42(b.read32(0xa00)), ChipId::GA102_A1);
        assert_eq!(b.read32(0x1234), 0);
    }

    #[test]
    fn gsp_swgen0_interrupts_vector_0() {
        let mut b = Bar0::new(ChipId::GA102_A1);
        assert_eq!(b.write32(0x11001c, SWGEN0), Effect::None);
        assert_eq!(b.write32(0x110010, SWGEN0), Effect::None);
        assert_eq!(b.write32(0x110000, SWGEN0), Effect::Interrupt(0));
        assert_eq!(b.read32(0x110008), SWGEN0);
        assert_eq!(b.asserted_vectors().collect::<Vec<_>>(), [0]);
        b.reset();
        assert_eq!(b.asserted_vectors().count(), 0);
        assert_eq!(b.read32(0x110008), 0);
    }
}
