//! PCI configuration space of the emulated GPU.
//!
//! QEMU's vfio-user-pci reads the whole space from us and virtualizes parts
//! of it (BAR addresses, the MSI-X table); what it forwards, we answer like a
//! real GA102 function would: a capability chain of power management, PCI
//! Express and MSI-X, BAR0 32-bit registers, BAR1 64-bit prefetchable VRAM
//! aperture, BAR3 64-bit prefetchable instance-memory aperture (a GA102
//! board's `lspci -v`: Region 0 16M, Region 1 256M or more, Region 3 32M).
//!
//! Resets are a GA102's: power management says No_Soft_Reset (a D3hot to
//! D0 transition keeps the function's state) and the Express capability,
//! a version 2 Legacy Endpoint at 0x78 as on GA102 boards, offers Function
//! Level Reset, so the kernel resets the function with FLR (or a
//! secondary bus reset through the port above it), as on hardware. An FLR
//! is requested by writing DevCtl's Initiate FLR bit (PCIe Base 3.0
//! 7.8.4; Linux `pcie_flr`), which reads back 0. QEMU forwards config
//! writes to the server and resets nothing itself (hw/vfio `vfio_pci_write_config`).

use nvgsp_proto::pci;

/// Size of the configuration space: a PCI Express function's 4 KiB (no
/// extended capability is modelled: the dword at 0x100 is 0).
pub const SIZE: usize = 4096;

const CAP_PM: usize = 0x60;
/// The PCI Express capability, where GA102 boards have it.
const CAP_EXP: usize = 0x78;
/// Size of a version 2 PCI Express capability.
const CAP_EXP_SIZE: usize = 0x3c;
/// `PCI_EXP_DEVCTL`'s offset in the capability.
const EXP_DEVCTL: usize = 0x08;
/// `PCI_EXP_DEVCTL_BCR_FLR`: Initiate Function Level Reset.
const DEVCTL_BCR_FLR: u16 = 1 << 15;
/// `PCI_PM_CTRL_NO_SOFT_RESET` in PMCSR.
const PMCSR_NO_SOFT_RESET: u8 = 1 << 3;

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
    /// Bus << 8 | device << 3 | function, where the VMM plugged the
    /// function, if known (see `Options::pci_address`).
    pub routing_id: Option<u16>,
}
const CAP_MSIX: usize = CAP_EXP + CAP_EXP_SIZE;

/// The configuration space: its bytes and which bits a write may change.
pub struct ConfigSpace {
    bytes: [u8; SIZE],
    writable: [u8; SIZE],
    bar_sizes: [u64; 6],
    /// A write asked for a Function Level Reset not yet carried out.
    flr: bool,
}

impl ConfigSpace {
    /// Builds the space of a GA102 function with a BAR1 of `bar1_size` bytes.
    pub fn new(bar1_size: u64) -> ConfigSpace {
        let mut c = ConfigSpace {
            bytes: [0; SIZE],
            writable: [0; SIZE],
            bar_sizes: [0; 6],
            flr: false,
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

        // Power management, version 3: D0 and D3hot; No_Soft_Reset set,
        // as on NVIDIA boards: leaving D3hot resets nothing.
        c.bytes[CAP_PM] = 0x01;
        c.bytes[CAP_PM + 1] = CAP_EXP as u8;
        c.put16(CAP_PM + 2, 0x0003);
        c.bytes[CAP_PM + 4] = PMCSR_NO_SOFT_RESET;
        // PCI Express, version 2, Legacy Endpoint (flags 0x0012).
        c.bytes[CAP_EXP] = 0x10;
        c.bytes[CAP_EXP + 1] = CAP_MSIX as u8;
        c.put16(CAP_EXP + 2, 0x0012);
        // DevCap: 256-byte payloads, extended tags, L0s unlimited, L1 under
        // 64 us, role-based errors, FLR, a 75 W slot.
        c.put32(
            CAP_EXP + 4,
            0x1 | 1 << 5 | 0x7 << 6 | 0x6 << 9 | 1 << 15 | 75 << 18 | 1 << 28,
        );
        // DevCtl: relaxed ordering, extended tags, no snoop, 512-byte reads.
        c.put16(CAP_EXP + EXP_DEVCTL, 1 << 4 | 1 << 8 | 1 << 11 | 2 << 12);
        // LnkCap: 16 GT/s, x16, ASPM L0s and L1; LnkSta: trained at that.
        c.put32(CAP_EXP + 0x0c, 0x4 | 16 << 4 | 0x3 << 10);
        c.put16(CAP_EXP + 0x12, 0x4 | 16 << 4);
        // DevCap2: completion timeout ranges A-D and its disable, LTR.
        c.put32(CAP_EXP + 0x24, 0xf | 1 << 4 | 1 << 11);
        // LnkCap2: 2.5, 5, 8 and 16 GT/s; LnkCtl2: target 16 GT/s.
        c.put32(CAP_EXP + 0x2c, 0xf << 1);
        c.put16(CAP_EXP + 0x30, 0x4);
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
        // DevCtl: error reporting, relaxed ordering, payload, extended
        // tags, aux power, no snoop, read request size (Initiate FLR is
        // taken apart in `write`).
        c.writable[CAP_EXP + EXP_DEVCTL] = 0xff;
        c.writable[CAP_EXP + EXP_DEVCTL + 1] = 0x7d;
        c.writable[CAP_MSIX + 3] = 0xc0;
        c
    }

    /// Whether a write asked for a Function Level Reset since the last
    /// call; the device carries it out.
    pub fn take_flr(&mut self) -> bool {
        std::mem::take(&mut self.flr)
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
            routing_id: None,
        }
    }

    /// The power state PMCSR holds (0 = D0, 3 = D3hot).
    #[cfg(test)]
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
            if at == CAP_EXP + EXP_DEVCTL + 1 && b & (DEVCTL_BCR_FLR >> 8) as u8 != 0 {
                self.flr = true;
            }
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
        assert_eq!(ids, [0x01, 0x10, 0x11]);
        // A version 2 Legacy Endpoint offering FLR; no extended capability.
        assert_eq!(r32(&c, CAP_EXP as u64) >> 16, 0x0012);
        assert_ne!(r32(&c, CAP_EXP as u64 + 4) & 1 << 28, 0);
        assert_eq!(r32(&c, 0x100), 0);
        assert_eq!(
            r32(&c, CAP_MSIX as u64) >> 16,
            u32::from(pci::MSIX_VECTORS - 1)
        );
    }

    #[test]
    fn power_state_follows_pmcsr() {
        let mut c = ConfigSpace::new(256 << 20);
        assert_eq!(c.power_state(), 0);
        // No_Soft_Reset (bit 3) is read-only one: D3hot to D0 resets
        // nothing.
        c.write(CAP_PM as u64 + 4, &[0x03, 0]).unwrap();
        assert_eq!(c.power_state(), 3);
        assert_eq!(c.bytes[CAP_PM + 4] & 0x08, 0x08);
        c.write(CAP_PM as u64 + 4, &[0, 0]).unwrap();
        assert_eq!(c.power_state(), 0);
        assert_eq!(c.bytes[CAP_PM + 4] & 0x08, 0x08);
        assert!(!c.take_flr());
    }

    /// Linux `pcie_flr`: a 16-bit DevCtl write with Initiate FLR set asks
    /// for the reset once; the bit reads back 0, the other bits as written.
    #[test]
    fn devctl_initiates_flr() {
        let mut c = ConfigSpace::new(256 << 20);
        let devctl = (CAP_EXP + EXP_DEVCTL) as u64;
        let before = u16::from_le_bytes([c.bytes[devctl as usize], c.bytes[devctl as usize + 1]]);
        c.write(devctl, &(before | DEVCTL_BCR_FLR).to_le_bytes())
            .unwrap();
        assert!(c.take_flr());
        assert!(!c.take_flr());
        assert_eq!(r32(&c, devctl) & 0xffff, u32::from(before));
        c.write(devctl, &before.to_le_bytes()).unwrap();
        assert!(!c.take_flr());
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
        assert!(c.read(SIZE as u64 - 1, &mut [0; 2]).is_none());
        assert!(c.write(u64::MAX, &[0]).is_none());
    }
}
