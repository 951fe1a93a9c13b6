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
//!
//! A board with SR-IOV (the A10, `crate::board`) has two extended
//! capabilities: Virtual Channel at 0x100, where GA102 has it
//! (`NV_XVE_VCCAP_HDR`), then the SR-IOV capability at 0xBCC, where
//! GA102's `NV_XVE_SRIOV_CAP_HDR3` (0xBD8, its `InitialVFs`/`TotalVFs`
//! dword, +0x0C) puts it (open-gpu-doc
//! `manuals/ampere/ga102/dev_nv_xve3g_fn0.ref.txt`; open-gpu-kernel-modules
//! `turing/tu102/dev_nv_xve.h`, `kbifCacheVFInfo_TU102`). The board's other
//! extended capabilities (power budgeting, LTR, L1 PM substates, AER,
//! Resizable BAR, ...) are not modelled, so SR-IOV is the last one, and the
//! space after it is free: QEMU, which shows the guest its own emulation of
//! a vfio-user PF's SR-IOV capability (built from the VF devices it was
//! given), appends an ARI capability there.
//!
//! A virtual function's space ([`ConfigSpace::virtual_function`]) is the
//! one a VMM sees of a VF through vfio: the vendor and device IDs, which a
//! VF itself reads as 0xffff (PCIe Base Specification, SR-IOV chapter), filled
//! in from the PF's (Linux `vfio_pci_config.c` `vfio_config_init`; QEMU
//! reads the VF device ID of its SR-IOV emulation from there), and BARs
//! showing their type bits (`vfio_bar_fixup`). The rest is the SR-IOV
//! specification's: Memory Space Enable and Interrupt Disable are
//! hardwired to 0 (the PF's VF MSE governs the VFs' memory space), only Bus
//! Master Enable is writable, no INTx, and a PCI Express Endpoint
//! capability offering FLR and an MSI-X capability (its table and PBA in
//! BAR0 at the VF window's `NV_VIRTUAL_FUNCTION_PRIV_MSIX_TABLE` 0x10000
//! and `_MSIX_PBA` 0x20000, open-gpu-doc `manuals/ampere/ga102/dev_vm.ref.txt`).

use crate::board::{Board, SriovFacts};
use nvgsp_proto::pci;

/// Size of the configuration space: a PCI Express function's 4 KiB (the
/// GeForce board has no extended capability: the dword at 0x100 is 0).
pub const SIZE: usize = 4096;

/// The Virtual Channel extended capability (GA102's `NV_XVE_VCCAP_HDR`).
const CAP_VC: usize = 0x100;
/// Size of a Virtual Channel capability with VC0 alone.
const CAP_VC_SIZE: usize = 0x1c;
/// The SR-IOV extended capability (GA102's `NV_XVE_SRIOV_CAP_HDR3`, 0xBD8,
/// is its +0x0C).
pub const CAP_SRIOV: usize = 0xbcc;
/// Size of the SR-IOV capability.
pub const CAP_SRIOV_SIZE: usize = 0x40;
// The room QEMU needs after it for the ARI capability it appends, and
// the Virtual Channel capability before it.
const _: () = assert!(CAP_SRIOV + CAP_SRIOV_SIZE + 8 <= SIZE);
const _: () = assert!(CAP_VC + CAP_VC_SIZE <= CAP_SRIOV);
/// `PCI_EXT_CAP_ID_VC`, `PCI_EXT_CAP_ID_SRIOV`.
const EXT_CAP_ID_VC: u32 = 0x0002;
const EXT_CAP_ID_SRIOV: u32 = 0x0010;
/// SR-IOV capability registers (PCIe Base Specification 9.3.3, Linux
/// `PCI_SRIOV_*`), offsets in the capability.
pub mod sriov {
    /// SR-IOV Control: VF Enable (0), VF Migration Enable (1), VF Migration
    /// Interrupt Enable (2), VF MSE (3), ARI Capable Hierarchy (4).
    pub const CTRL: usize = 0x08;
    /// `InitialVFs` (16 bits), then `TotalVFs`.
    pub const INITIAL_VF: usize = 0x0c;
    /// `TotalVFs`.
    pub const TOTAL_VF: usize = 0x0e;
    /// `NumVFs`.
    pub const NUM_VF: usize = 0x10;
    /// First VF Offset (16 bits), then VF Stride.
    pub const VF_OFFSET: usize = 0x14;
    /// VF Stride.
    pub const VF_STRIDE: usize = 0x16;
    /// VF Device ID.
    pub const VF_DID: usize = 0x1a;
    /// Supported Page Sizes.
    pub const SUP_PGSIZE: usize = 0x1c;
    /// System Page Size.
    pub const SYS_PGSIZE: usize = 0x20;
    /// VF BAR0; VF BARn at `BAR + 4 * n`.
    pub const BAR: usize = 0x24;
    /// The control bits software may write: VF Enable, VF MSE, ARI Capable
    /// Hierarchy (no VF migration: the capability offers none).
    pub const CTRL_WRITABLE: u16 = 1 << 0 | 1 << 3 | 1 << 4;
}

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

/// BAR register offsets: the header's BAR0.
const HEADER_BARS: usize = 0x10;
/// The memory type bits of a 64-bit prefetchable BAR.
const BAR_64_PREFETCH: u32 = 0b1100;

/// The configuration space: its bytes and which bits a write may change.
pub struct ConfigSpace {
    bytes: [u8; SIZE],
    writable: [u8; SIZE],
    bar_sizes: [u64; 6],
    /// The VF BARs' sizes in the SR-IOV capability, if there is one.
    vf_bar_sizes: Option<[u64; 6]>,
    /// A write asked for a Function Level Reset not yet carried out.
    flr: bool,
}

impl ConfigSpace {
    /// Builds the space of a GA102 function (the GeForce board) with a BAR1
    /// of `bar1_size` bytes.
    #[cfg(test)]
    pub fn new(bar1_size: u64) -> ConfigSpace {
        ConfigSpace::for_board(Board::Rtx3090, None, bar1_size)
    }

    /// Builds the space of `board`'s physical function with a BAR1 of
    /// `bar1_size` bytes: the board's identity, and an SR-IOV capability
    /// saying `sriov` if given one.
    pub fn for_board(board: Board, sriov: Option<&SriovFacts>, bar1_size: u64) -> ConfigSpace {
        let mut c = ConfigSpace::blank();
        c.put16(0x02, board.device_id());
        // BAR0: 32-bit, non-prefetchable memory; BAR1 (+ 0x18) and BAR3
        // (+ 0x20): 64-bit, prefetchable memory.
        c.bar_sizes = [pci::BAR0_SIZE, bar1_size, 0, BAR3_SIZE, 0, 0];
        c.put_bar_types(HEADER_BARS);
        let (sub_vendor, sub_device) = board.subsystem();
        c.put16(0x2c, sub_vendor);
        c.put16(0x2e, sub_device);
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
        if let Some(facts) = sriov {
            c.put_virtual_channel(CAP_SRIOV);
            c.put_sriov(facts);
        }
        c
    }

    /// The header every function shares: NVIDIA's vendor ID, the
    /// capability list, a 3D controller of revision A1.
    fn blank() -> ConfigSpace {
        let mut c = ConfigSpace {
            bytes: [0; SIZE],
            writable: [0; SIZE],
            bar_sizes: [0; 6],
            vf_bar_sizes: None,
            flr: false,
        };
        c.put16(0x00, pci::VENDOR_NVIDIA);
        c.put16(0x06, 1 << 4); // Status: capability list present.
        c.put32(0x08, (pci::CLASS_3D << 8) | 0xa1); // Class code, revision A1.
        c
    }

    /// Builds the space of a virtual function of `board`, whose SR-IOV
    /// capability says `facts` (see the module documentation).
    pub fn virtual_function(board: Board, facts: &SriovFacts) -> ConfigSpace {
        let mut c = ConfigSpace::blank();
        c.put16(0x02, facts.vf_device_id);
        c.bar_sizes = vf_bar_sizes(facts);
        c.put_bar_types(HEADER_BARS);
        // The subsystem IDs: the PF's (the model's choice until a vGPU
        // type, which a guest sees as the VF's subsystem ID, is given it).
        let (sub_vendor, sub_device) = board.subsystem();
        c.put16(0x2c, sub_vendor);
        c.put16(0x2e, sub_device);
        c.bytes[0x34] = CAP_EXP as u8;
        // PCI Express, version 2, Endpoint (flags 0x0002); no slot power.
        c.bytes[CAP_EXP] = 0x10;
        c.bytes[CAP_EXP + 1] = CAP_MSIX as u8;
        c.put16(CAP_EXP + 2, 0x0002);
        // DevCap: the PF's, FLR included (an A10 VF's is reset with it: the
        // vGPU RFC's `nvidia-vgpu` driver does so on open),
        // without a slot power limit.
        c.put32(
            CAP_EXP + 4,
            0x1 | 1 << 5 | 0x7 << 6 | 0x6 << 9 | 1 << 15 | 1 << 28,
        );
        c.put16(CAP_EXP + EXP_DEVCTL, 1 << 4 | 1 << 8 | 1 << 11 | 2 << 12);
        c.put32(CAP_EXP + 0x0c, 0x4 | 16 << 4 | 0x3 << 10);
        c.put16(CAP_EXP + 0x12, 0x4 | 16 << 4);
        c.put32(CAP_EXP + 0x24, 0xf | 1 << 4 | 1 << 11);
        c.put32(CAP_EXP + 0x2c, 0xf << 1);
        c.put16(CAP_EXP + 0x30, 0x4);
        // MSI-X: the VF window's table and PBA in BAR0.
        c.bytes[CAP_MSIX] = 0x11;
        c.put16(CAP_MSIX + 2, facts.vf_msix_vectors - 1);
        c.put32(CAP_MSIX + 4, VF_MSIX_TABLE_OFFSET);
        c.put32(CAP_MSIX + 8, VF_MSIX_PBA_OFFSET);
        // Writable: Bus Master Enable alone in the command register;
        // DevCtl as the PF's; MSI-X enable and function mask.
        c.writable[0x04] = 0x04;
        c.writable[CAP_EXP + EXP_DEVCTL] = 0xff;
        c.writable[CAP_EXP + EXP_DEVCTL + 1] = 0x7d;
        c.writable[CAP_MSIX + 3] = 0xc0;
        c
    }

    /// The type bits of BAR0 (32-bit memory), BAR1 and BAR3 (64-bit
    /// prefetchable memory) in the BAR registers at `at`.
    fn put_bar_types(&mut self, at: usize) {
        self.put32(at, 0);
        self.put32(at + 4, BAR_64_PREFETCH);
        self.put32(at + 12, BAR_64_PREFETCH);
    }

    /// A Virtual Channel capability at 0x100 with VC0 alone, no arbitration
    /// tables, VC0 enabled and mapping every traffic class (TC/VC bits 7:1
    /// writable), then `next`.
    fn put_virtual_channel(&mut self, next: usize) {
        self.put32(CAP_VC, EXT_CAP_ID_VC | 1 << 16 | (next as u32) << 20);
        // VC Resource Control (0): VC Enable, TC/VC map 0xff.
        self.put32(CAP_VC + 0x14, 1 << 31 | 0xff);
        self.writable[CAP_VC + 0x14] = 0xfe;
    }

    /// The SR-IOV capability, last in the chain.
    fn put_sriov(&mut self, facts: &SriovFacts) {
        use sriov::*;
        let at = CAP_SRIOV;
        self.put32(at, EXT_CAP_ID_SRIOV | 1 << 16);
        // SR-IOV Capabilities: no VF migration, no ARI preservation.
        self.put16(at + INITIAL_VF, facts.initial_vfs);
        self.put16(at + TOTAL_VF, facts.total_vfs);
        self.put16(at + VF_OFFSET, facts.first_vf_offset);
        self.put16(at + VF_STRIDE, facts.vf_stride);
        self.put16(at + VF_DID, facts.vf_device_id);
        self.put32(at + SUP_PGSIZE, facts.supported_page_sizes);
        // System Page Size: 4 KiB until software picks another.
        self.put32(at + SYS_PGSIZE, 1);
        let sizes = vf_bar_sizes(facts);
        self.vf_bar_sizes = Some(sizes);
        self.put_bar_types(at + BAR);
        self.writable[at + CTRL] = CTRL_WRITABLE as u8;
        self.writable[at + NUM_VF] = 0xff;
        self.writable[at + NUM_VF + 1] = 0xff;
        // One bit of the supported sizes; the register keeps what is
        // written (a value with another bit set is software's error,
        // SR-IOV chapter).
        for i in 0..4 {
            self.writable[at + SYS_PGSIZE + i] = (facts.supported_page_sizes >> (8 * i)) as u8;
        }
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
        let mut bars = vec![(HEADER_BARS, self.bar_sizes)];
        if let Some(sizes) = self.vf_bar_sizes {
            bars.push((CAP_SRIOV + sriov::BAR, sizes));
        }
        for (base, sizes) in bars {
            for dw in (off & !3..end)
                .step_by(4)
                .filter(|d| (base..base + 24).contains(d))
            {
                let mut staged = [0u8; 4];
                staged.copy_from_slice(&self.bytes[dw..dw + 4]);
                for (i, &b) in data.iter().enumerate() {
                    if (dw..dw + 4).contains(&(off + i)) {
                        staged[off + i - dw] = b;
                    }
                }
                let v = bar_value((dw - base) / 4, u32::from_le_bytes(staged), &sizes);
                self.put32(dw, v);
            }
        }
        Some(())
    }
}

/// BAR0 offset of a VF's MSI-X table: its window's
/// `NV_VIRTUAL_FUNCTION_PRIV_MSIX_TABLE_ADDR_LO(0)` (`dev_vm.ref.txt`).
pub const VF_MSIX_TABLE_OFFSET: u32 = 0x0001_0000;
/// BAR0 offset of a VF's MSI-X PBA: `NV_VIRTUAL_FUNCTION_PRIV_MSIX_PBA`.
pub const VF_MSIX_PBA_OFFSET: u32 = 0x0002_0000;

/// Each VF's BAR sizes by BAR index (BAR2 and BAR4 are the upper halves
/// of BAR1 and BAR3).
pub fn vf_bar_sizes(facts: &SriovFacts) -> [u64; 6] {
    [facts.vf_bar0, facts.vf_bar1, 0, facts.vf_bar3, 0, 0]
}

/// The value BAR register `index` (0..6, of a function laid out as GA102:
/// BAR0 32-bit memory, BAR1 and BAR3 64-bit prefetchable, BAR5 absent)
/// holds after `written` was written to it: the address bits below the
/// BAR's size read back as zero, the type bits stay.
fn bar_value(index: usize, written: u32, sizes: &[u64; 6]) -> u32 {
    let mask = |bar: usize| !(sizes[bar].max(16) - 1);
    match index {
        0 => written & mask(0) as u32 & !0xf,
        1 => (written & mask(1) as u32 & !0xf) | BAR_64_PREFETCH,
        2 => written & (mask(1) >> 32) as u32,
        3 => (written & mask(3) as u32 & !0xf) | BAR_64_PREFETCH,
        4 => written & (mask(3) >> 32) as u32,
        _ => 0, // BAR5 is not implemented.
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::A10_SRIOV;

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

    fn a10() -> ConfigSpace {
        ConfigSpace::for_board(Board::A10, Board::A10.sriov().as_ref(), 256 << 20)
    }

    /// The extended capabilities from 0x100: (offset, ID, version).
    fn ext_caps(c: &ConfigSpace) -> Vec<(usize, u32, u32)> {
        let mut caps = Vec::new();
        let mut p = 0x100;
        while p != 0 {
            let h = r32(c, p as u64);
            if h == 0 {
                break;
            }
            caps.push((p, h & 0xffff, h >> 16 & 0xf));
            p = (h >> 20) as usize;
        }
        caps
    }

    /// The A10's SR-IOV capability, byte for byte where GA102's manual puts
    /// it, last in the chain with room after it for QEMU's ARI capability.
    #[test]
    fn the_a10_has_an_sriov_capability_last() {
        let c = a10();
        assert_eq!(r32(&c, 0), 0x2236_10de);
        assert_eq!(r32(&c, 0x2c), 0x1482_10de);
        // The PF itself is unchanged otherwise: the same standard chain.
        let plain = ConfigSpace::new(256 << 20);
        assert_eq!(c.bytes[0x04..0x2e], plain.bytes[0x04..0x2e]);
        assert_eq!(c.bytes[0x30..0x100], plain.bytes[0x30..0x100]);
        // Virtual Channel at 0x100, then SR-IOV at 0xBCC, the last.
        assert_eq!(ext_caps(&c), [(0x100, 0x0002, 1), (0xbcc, 0x0010, 1)]);
        assert_eq!(r32(&c, 0xbcc) >> 20, 0, "SR-IOV ends the chain");
        let s = CAP_SRIOV as u64;
        assert_eq!(
            r32(&c, 0xbd8),
            32 << 16 | 32,
            "NV_XVE_SRIOV_CAP_HDR3: Total and InitialVFs"
        );
        assert_eq!(
            r32(&c, 0xbe0),
            1 << 16 | 4,
            "NV_XVE_SRIOV_CAP_HDR5: stride 1, offset 4"
        );
        assert_eq!(r32(&c, s + 4), 0, "no VF migration");
        assert_eq!(r32(&c, s + 8), 0, "control and status at reset");
        assert_eq!(r32(&c, s + 0x10), 0, "NumVFs 0, no dependency link");
        assert_eq!(r32(&c, s + 0x18) >> 16, 0x2236, "VF Device ID");
        assert_eq!(r32(&c, s + 0x1c), 0x553, "supported page sizes");
        assert_eq!(r32(&c, s + 0x20), 1, "system page size 4 KiB");
        // VF BARs: 0 32-bit memory, 1 and 3 64-bit prefetchable (0xBF0,
        // 0xBF4/0xBF8, 0xBFC/0xC00), 5 absent; no migration state array.
        let vf_bars: Vec<u32> = (0..6).map(|i| r32(&c, s + 0x24 + 4 * i)).collect();
        assert_eq!(vf_bars, [0, 0b1100, 0, 0b1100, 0, 0]);
        assert_eq!(r32(&c, s + 0x3c), 0);
        // Room after it (at least ARI's 8 bytes): nothing up to the end.
        let after = &c.bytes[CAP_SRIOV + CAP_SRIOV_SIZE..];
        assert!(after.len() >= 8 && after.iter().all(|&b| b == 0));
    }

    #[test]
    fn the_sriov_capability_takes_what_software_writes() {
        let mut c = a10();
        let s = CAP_SRIOV as u64;
        // VF BAR sizing: all ones reads back each VF's BAR size.
        for i in 0..6 {
            c.write(s + 0x24 + 4 * i, &u32::MAX.to_le_bytes()).unwrap();
        }
        let bar = |c: &ConfigSpace, i: u64| r32(c, s + 0x24 + 4 * i);
        let size64 = |lo: u32, hi: u32| !(u64::from(hi) << 32 | u64::from(lo & !0xf)) + 1;
        let facts = A10_SRIOV;
        assert_eq!(u64::from(!(bar(&c, 0) & !0xf)) + 1, facts.vf_bar0);
        assert_eq!(size64(bar(&c, 1), bar(&c, 2)), facts.vf_bar1);
        assert_eq!(size64(bar(&c, 3), bar(&c, 4)), facts.vf_bar3);
        assert_eq!(bar(&c, 1) & 0xf, 0b1100);
        assert_eq!(bar(&c, 5), 0);
        // VF Enable, VF MSE and ARI Capable Hierarchy are writable; the
        // migration bits are not.
        c.write(s + 8, &0xffffu16.to_le_bytes()).unwrap();
        assert_eq!(r32(&c, s + 8) & 0xffff, 0b1_1001);
        c.write(s + 0x10, &2u16.to_le_bytes()).unwrap();
        assert_eq!(r32(&c, s + 0x10), 2);
        // Only supported page sizes stick; the totals are read-only.
        c.write(s + 0x20, &0xffff_ffffu32.to_le_bytes()).unwrap();
        assert_eq!(r32(&c, s + 0x20), 0x553);
        c.write(s + 0x0c, &0u32.to_le_bytes()).unwrap();
        assert_eq!(r32(&c, s + 0x0c), 32 << 16 | 32);
    }

    #[test]
    fn the_geforce_board_has_no_sriov() {
        let c = ConfigSpace::for_board(Board::Rtx3090, None, 256 << 20);
        assert_eq!(ext_caps(&c), []);
        assert_eq!(c.bytes, ConfigSpace::new(256 << 20).bytes);
        // The A10 without an SR-IOV capability (not one the emulator serves,
        // but the capability is what decides).
        let c = ConfigSpace::for_board(Board::A10, None, 256 << 20);
        assert_eq!(ext_caps(&c), []);
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
