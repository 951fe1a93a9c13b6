//! PCI configuration space of the emulated GPU.
//!
//! QEMU's vfio-user-pci reads the whole space from us and virtualizes parts
//! of it (BAR addresses, the MSI-X table); what it forwards, we answer like a
//! real GA102 function would: a capability chain of power management and
//! MSI-X, BAR0 32-bit registers, BAR1 64-bit prefetchable VRAM aperture,
//! BAR3 64-bit prefetchable instance-memory aperture (a GA102 board's
//! `lspci -v`: Region 0 16M, Region 1 256M or more, Region 3 32M).

use nvgsp_proto::pci;

/// Size of the conventional configuration space.
pub const SIZE: usize = 256;

const CAP_PM: usize = 0x60;

/// Size of BAR3, the instance-memory aperture of a GA102 board.
pub const BAR3_SIZE: u64 = 32 << 20;

/// Where the guest placed the BARs and what the function says it is: what
/// GSP-RM is told in GSP_SET_SYSTEM_INFO.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PciView {
    /// Bus addresses of BAR0, BAR1 and BAR3 (0 while unassigned).
    pub bars: [u64; 3],
    /// Device id << 16 | vendor id.
    pub device_id: u32,
    /// Subsystem device id << 16 | subsystem vendor id.
    pub sub_device_id: u32,
    /// Revision id.
    pub revision_id: u32,
}
const CAP_MSIX: usize = 0xb0;

/// The configuration space: its bytes and which bits a write may change.
pub struct ConfigSpace {
    bytes: [u8; SIZE],
    writable: [u8; SIZE],
    bar_sizes: [u64; 6],
}

impl ConfigSpace {
    /// Builds the space of a GA102 function with a BAR1 of `bar1_size` bytes.
    pub fn new(bar1_size: u64) -> ConfigSpace {
        let mut c = ConfigSpace {
            bytes: [0; SIZE],
            writable: [0; SIZE],
            bar_sizes: [0; 6],
        };
        c.put16(0x00, pci::VENDOR_NVIDIA);
        c.put16(0x02, pci::DEVICE_GA102);
        c.put16(0x06, 1 << 4); // Status: capability list present.
        c.put32(0x08, (pci::CLASS_3D << 8) | 0xa1); // Class code, revision A1.
        c.put32(0x10, 0); // BAR0: 32-bit, non-prefetchable memory.
        c.put32(0x14, 0b1100); // BAR1: 64-bit, prefetchable memory (+ 0x18).
        c.put32(0x1c, 0b1100); // BAR3: 64-bit, prefetchable memory (+ 0x20).
        c.bar_sizes[0] = pci::BAR0_SIZE;
        c.bar_sizes[1] = bar1_size;
        c.bar_sizes[3] = BAR3_SIZE;
        c.put16(0x2c, pci::VENDOR_NVIDIA); // Subsystem vendor.
        c.put16(0x2e, 0x147d); // Subsystem device.
        c.bytes[0x34] = CAP_PM as u8;
        // Interrupt pin 0: the function offers MSI-X only.

        // Power management, version 3: D0 and D3hot (a D3hot to D0
        // transition resets the function: No_Soft_Reset is clear).
        c.bytes[CAP_PM] = 0x01;
        c.bytes[CAP_PM + 1] = CAP_MSIX as u8;
        c.put16(CAP_PM + 2, 0x0003);
        // MSI-X: table and PBA in BAR0 (BIR 0), as on real NVIDIA GPUs.
        c.bytes[CAP_MSIX] = 0x11;
        c.bytes[CAP_MSIX + 1] = 0;
        c.put16(CAP_MSIX + 2, pci::MSIX_VECTORS - 1);
        c.put32(CAP_MSIX + 4, pci::MSIX_TABLE_OFFSET);
        c.put32(CAP_MSIX + 8, pci::MSIX_PBA_OFFSET);

        // Writable bits: command (memory, bus master, INTx disable), cache
        // line size, latency timer, interrupt line, PMCSR power state and
        // the MSI-X enable and function-mask bits.
        c.writable[0x04] = 0x46;
        c.writable[0x05] = 0x04;
        c.writable[0x0c] = 0xff;
        c.writable[0x0d] = 0xff;
        c.writable[0x3c] = 0xff;
        c.writable[CAP_PM + 4] = 0x03;
        c.writable[CAP_MSIX + 3] = 0xc0;
        c
    }

    /// Where the BARs are and the function's identity.
    pub fn view(&self) -> PciView {
        let dw = |off: usize| {
            u64::from(u32::from_le_bytes(
                self.bytes[off..off + 4].try_into().unwrap_or([0; 4]),
            ))
        };
        let id =
            |off: usize| u32::from_le_bytes(self.bytes[off..off + 4].try_into().unwrap_or([0; 4]));
        PciView {
            bars: [
                dw(0x10) & !0xf,
                (dw(0x14) & !0xf) | dw(0x18) << 32,
                (dw(0x1c) & !0xf) | dw(0x20) << 32,
            ],
            // Vendor in the low half, device in the high one, as both
            // sit in config space (little-endian) and as GSP-RM takes them.
            device_id: id(0x00),
            sub_device_id: id(0x2c),
            revision_id: u32::from(self.bytes[0x08]),
        }
    }

    /// The power state PMCSR holds (0 = D0, 3 = D3hot).
    pub fn power_state(&self) -> u8 {
        self.bytes[CAP_PM + 4] & 0x03
    }

    fn put16(&mut self, off: usize, v: u16) {
        self.bytes[off..off + 2].copy_from_slice(&v.to_le_bytes());
    }

    fn put32(&mut self, off: usize, v: u32) {
        self.bytes[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Whether the MSI-X enable bit is set.
    pub fn msix_enabled(&self) -> bool {
        self.bytes[CAP_MSIX + 3] & 0x80 != 0
    }

    /// Reads `data.len()` bytes at `offset`; `None` if out of range.
    pub fn read(&self, offset: u64, data: &mut [u8]) -> Option<()> {
        let off = usize::try_from(offset).ok()?;
        let src = self.bytes.get(off..off.checked_add(data.len())?)?;
        data.copy_from_slice(src);
        Some(())
    }

    /// Writes `data` at `offset`, changing only writable bits; BAR writes
    /// follow the sizing protocol. `None` if out of range.
    pub fn write(&mut self, offset: u64, data: &[u8]) -> Option<()> {
        let off = usize::try_from(offset).ok()?;
        let end = off.checked_add(data.len())?;
        if end > SIZE {
            return None;
        }
        for (i, &b) in data.iter().enumerate() {
            let at = off + i;
            let m = self.writable[at];
            self.bytes[at] = (self.bytes[at] & !m) | (b & m);
        }
        // BARs: the address bits below the size read back as zero.
        for dw in (off & !3..end)
            .step_by(4)
            .filter(|d| (0x10..0x28).contains(d))
        {
            let mut staged = [0u8; 4];
            staged.copy_from_slice(&self.bytes[dw..dw + 4]);
            for (i, &b) in data.iter().enumerate() {
                if (dw..dw + 4).contains(&(off + i)) {
                    staged[off + i - dw] = b;
                }
            }
            let bar1_mask = !(self.bar_sizes[1] - 1);
            let bar3_mask = !(self.bar_sizes[3] - 1);
            let v = match (dw - 0x10) / 4 {
                0 => u32::from_le_bytes(staged) & !(pci::BAR0_SIZE as u32 - 1),
                1 => (u32::from_le_bytes(staged) & bar1_mask as u32 & !0xf) | 0b1100,
                2 => u32::from_le_bytes(staged) & (bar1_mask >> 32) as u32,
                3 => (u32::from_le_bytes(staged) & bar3_mask as u32 & !0xf) | 0b1100,
                4 => u32::from_le_bytes(staged) & (bar3_mask >> 32) as u32,
                _ => 0, // BAR5 is not implemented.
            };
            self.put32(dw, v);
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r32(c: &ConfigSpace, off: u64) -> u32 {
        let mut b = [0; 4];
        c.read(off, &mut b).unwrap();
        u32::from_le_bytes(b)
    }

    #[test]
    fn identity_and_capability_chain() {
        let c = ConfigSpace::new(256 << 20);
        assert_eq!(r32(&c, 0), 0x2204_10de);
        assert_eq!(r32(&c, 8) >> 8, 0x03_0200);
        let mut ids = Vec::new();
        let mut p = c.bytes[0x34] as usize;
        while p != 0 {
            ids.push(c.bytes[p]);
            p = c.bytes[p + 1] as usize;
        }
        assert_eq!(ids, [0x01, 0x11]);
        assert_eq!(
            r32(&c, CAP_MSIX as u64) >> 16,
            u32::from(pci::MSIX_VECTORS - 1)
        );
    }

    #[test]
    fn power_state_follows_pmcsr() {
        let mut c = ConfigSpace::new(256 << 20);
        assert_eq!(c.power_state(), 0);
        // No_Soft_Reset (bit 3) is read-only zero: D3hot to D0 resets.
        c.write(CAP_PM as u64 + 4, &[0x0b, 0]).unwrap();
        assert_eq!(c.power_state(), 3);
        assert_eq!(c.bytes[CAP_PM + 4] & 0x08, 0);
        c.write(CAP_PM as u64 + 4, &[0, 0]).unwrap();
        assert_eq!(c.power_state(), 0);
    }

    #[test]
    fn the_view_has_the_bars_the_guest_assigned_and_the_ids() {
        let mut c = ConfigSpace::new(256 << 20);
        c.write(0x10, &0xfd00_0000u32.to_le_bytes()).unwrap();
        c.write(0x14, &0xe000_000cu32.to_le_bytes()).unwrap();
        c.write(0x18, &0x1u32.to_le_bytes()).unwrap();
        c.write(0x1c, &0xf800_000cu32.to_le_bytes()).unwrap();
        let v = c.view();
        assert_eq!(v.bars, [0xfd00_0000, 0x1_e000_0000, 0xf800_0000]);
        assert_eq!(v.device_id, 0x2204_10de);
        assert_eq!(v.sub_device_id, 0x147d_10de);
        assert_eq!(v.revision_id, 0xa1);
    }

    #[test]
    fn bar_sizing_reports_sizes() {
        let mut c = ConfigSpace::new(256 << 20);
        c.write(0x10, &u32::MAX.to_le_bytes()).unwrap();
        assert_eq!(!(r32(&c, 0x10) & !0xf) + 1, 16 << 20);
        c.write(0x14, &u32::MAX.to_le_bytes()).unwrap();
        c.write(0x18, &u32::MAX.to_le_bytes()).unwrap();
        let bar1 = u64::from(r32(&c, 0x14) & !0xf) | (u64::from(r32(&c, 0x18)) << 32);
        assert_eq!(!bar1 + 1, 256 << 20);
        assert_eq!(r32(&c, 0x14) & 0xf, 0b1100);
    }

    #[test]
    fn read_only_bits_and_bounds() {
        let mut c = ConfigSpace::new(256 << 20);
        c.write(0, &[0xff; 4]).unwrap();
        assert_eq!(r32(&c, 0), 0x2204_10de);
        c.write(CAP_MSIX as u64 + 2, &[0xff, 0xff]).unwrap();
        assert!(c.msix_enabled());
        assert_eq!(r32(&c, CAP_MSIX as u64) >> 16 & 0x7ff, 7);
        assert!(c.read(255, &mut [0; 2]).is_none());
        assert!(c.write(u64::MAX, &[0]).is_none());
    }
}
