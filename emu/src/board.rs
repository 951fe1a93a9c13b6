//! The boards the emulator can be: which GA102 product the PCI function
//! is, and what follows from that (its identity, its VBIOS, whether it
//! offers SR-IOV virtual functions and what they look like).
//!
//! - [`Board::Rtx3090`], the default: a GeForce RTX 3090 (PCI 10de:2204,
//!   subsystem 10de:147d), no SR-IOV.
//! - [`Board::A10`]: an NVIDIA A10 (PCI 10de:2236, subsystem 10de:1482:
//!   pci.ids `GA102GL [A10]`, and `lspci -nn` as NVIDIA's GPU Operator
//!   documentation shows it, `NVIDIA Corporation GA102GL [A10]
//!   [10de:2236] (rev a1)`, `Subsystem: NVIDIA Corporation GA102GL [A10]
//!   [10de:1482]`), the data-center GA102 NVIDIA's vGPU software runs on
//!   (open-gpu-kernel-modules 570.144 `g_vgpu_chip_flags.h`: the A10-1B ..
//!   A10-24A types are `ENTRY(0x2236, ...)`), with the BARs of a real
//!   A10's `lspci` (BAR0 16 MiB, BAR1 32 GiB, BAR3 32 MiB: the emulator's
//!   BAR1 stays `--bar1`'s) and an SR-IOV capability ([`SriovFacts`]).

use crate::vbios;
use std::fmt;

/// The emulated board.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Board {
    /// GeForce RTX 3090: GA102, 10de:2204, no SR-IOV.
    #[default]
    Rtx3090,
    /// NVIDIA A10: GA102GL, 10de:2236, SR-IOV with [`A10_SRIOV`].
    A10,
}

impl Board {
    /// The board named `s` on the command line (`--board`).
    pub fn parse(s: &str) -> Option<Board> {
        match s {
            "rtx3090" => Some(Board::Rtx3090),
            "a10" => Some(Board::A10),
            _ => None,
        }
    }

    /// The PCI device ID of the physical function.
    pub const fn device_id(self) -> u16 {
        match self {
            Board::Rtx3090 => nvgsp_proto::pci::DEVICE_GA102,
            Board::A10 => 0x2236,
        }
    }

    /// Subsystem vendor and subsystem device ID of the physical function.
    pub const fn subsystem(self) -> (u16, u16) {
        match self {
            // An RTX 3090 Founders Edition's.
            Board::Rtx3090 => (nvgsp_proto::pci::VENDOR_NVIDIA, 0x147d),
            Board::A10 => (nvgsp_proto::pci::VENDOR_NVIDIA, 0x1482),
        }
    }

    /// The board's name as GSP-RM reports it (`gpuNameString`): RM's name
    /// of its PCI IDs (open-gpu-kernel-modules 570.144
    /// `g_nv_name_released.h`: `{ 0x2204, 0x0000, 0x0000, "NVIDIA GeForce
    /// RTX 3090" }`, `{ 0x2236, 0x1482, 0x10de, "NVIDIA A10" }`).
    pub const fn name(self) -> &'static str {
        match self {
            Board::Rtx3090 => "NVIDIA GeForce RTX 3090",
            Board::A10 => "NVIDIA A10",
        }
    }

    /// The board's VBIOS: its PCIR images name the board's device ID.
    pub const fn vbios(self) -> vbios::Config {
        match self {
            Board::Rtx3090 => vbios::Config::GA102,
            Board::A10 => vbios::Config::A10,
        }
    }

    /// The SR-IOV capability, if the board has one.
    pub const fn sriov(self) -> Option<SriovFacts> {
        match self {
            Board::Rtx3090 => None,
            Board::A10 => Some(A10_SRIOV),
        }
    }
}

impl fmt::Display for Board {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Board::Rtx3090 => "rtx3090",
            Board::A10 => "a10",
        })
    }
}

/// What a board's SR-IOV capability says, and what its virtual functions
/// (VFs) look like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SriovFacts {
    /// `TotalVFs`: the most VFs the function can enable.
    pub total_vfs: u16,
    /// `InitialVFs`.
    pub initial_vfs: u16,
    /// `First VF Offset`: the first VF's routing ID minus the PF's.
    pub first_vf_offset: u16,
    /// `VF Stride`.
    pub vf_stride: u16,
    /// `VF Device ID`: the device ID every VF has.
    pub vf_device_id: u16,
    /// `Supported Page Sizes` (bit n: 4 KiB << n).
    pub supported_page_sizes: u32,
    /// Size of each VF's BAR0 (32-bit, non-prefetchable): its register
    /// window.
    pub vf_bar0: u64,
    /// Size of each VF's BAR1 (64-bit, prefetchable): its FB aperture.
    pub vf_bar1: u64,
    /// Size of each VF's BAR3 (64-bit, prefetchable): its instance memory
    /// aperture (RM's "BAR2").
    pub vf_bar3: u64,
    /// MSI-X vectors of each VF.
    pub vf_msix_vectors: u16,
}

impl SriovFacts {
    /// The capability of a board whose first `vfs` VFs the emulator serves
    /// (`--vfs`): `TotalVFs` and `InitialVFs` say `vfs` (at most the
    /// board's, the caller's to check), so that the capability and QEMU's
    /// emulation of it, which counts the VF devices it was given, agree
    /// on what the guest and GSP-RM are told. With none served, the
    /// board's own.
    pub const fn with_vfs(self, vfs: u16) -> SriovFacts {
        if vfs == 0 {
            return self;
        }
        SriovFacts {
            total_vfs: vfs,
            initial_vfs: vfs,
            ..self
        }
    }
}

/// The A10's SR-IOV capability.
///
/// - `TotalVFs` and `InitialVFs` 32: an A40's (the GA102GL next to the A10)
///   `lspci` shows `[bcc v1] Single Root I/O Virtualization`, `Initial
///   VFs: 32, Total VFs: 32`, and 32 VFs; the A10's own count is not
///   published, but NVIDIA's vGPU software allows 32 vGPUs per GPU
///   (open-gpu-kernel-modules 570.144 `ctrla081.h`
///   `NVA081_MAX_VGPU_PER_PGPU`, `nv_sriov_defines.h`
///   `MAX_PARTITIONS_WITH_GFID`). GA102's reset value is 0x3f
///   (open-gpu-doc `manuals/ampere/ga102/dev_nv_xve3g_fn0.ref.txt`
///   `NV_XVE_SRIOV_CAP_HDR3_TOTAL_VFS_VAL`), which a board lowers.
/// - First VF offset 4, stride 1: `NV_XVE_SRIOV_CAP_HDR5_FIRST_VF_OFFSET_VAL`
///   and `_VF_STRIDE_ONE` in the same manual; A10 VFs sit at functions .4
///   on (OpenNebula's A10 examples).
/// - VF device ID 0x2236, the PF's: A10 VFs are 10de:2236, class 0302
///   (OpenNebula's examples), and a vGPU guest sees its VF as 10de:2236
///   with the vGPU type as subsystem (`g_nv_name_released.h`).
/// - Supported page sizes: the sizes the PCIe Base Specification's SR-IOV
///   capability requires of every PF (4K, 8K, 64K, 256K, 1M, 4M); the A10's are not
///   published.
/// - VF BAR0 (32-bit, non-prefetchable): 16 MiB, the model's choice (the
///   A10's is not published): it must hold the VF window
///   (`NV_VIRTUAL_FUNCTION_PRIV` and `NV_VIRTUAL_FUNCTION`,
///   0x0..0x3FFFF), the PCI config mirror at 0x88000 that guest RM
///   reaches through it (`gpuSanityCheckVirtRegAccess_TU102`) and the
///   `NV_VIRTUAL_FUNCTION_PRIV_JUMBO` block at 0x400000..0x42FFFF
///   (`manuals/ampere/ga102/dev_vm.ref.txt`); the PF's BAR0 is 16 MiB.
/// - VF BAR1 (64-bit, prefetchable): 64 MiB, GA102's as the manual gives
///   it: `NV_XVE_SRIOV_CAP_HDR10_VF_BAR1_BASE_ADR` is bits 31:26, the
///   upper dword all address (`_ADR_TYPE_64B`, `_PREFETCH_ENABLE`);
///   `--vf-bar1` sets another.
/// - VF BAR3 (64-bit, prefetchable, RM's "BAR2"): 16 MiB, likewise
///   (`NV_XVE_SRIOV_CAP_HDR12_VF_BAR2_BASE_ADR` bits 31:24).
/// - Six MSI-X vectors, the table at VF BAR0 0x10000 and the PBA at 0x20000
///   (`NV_VIRTUAL_FUNCTION_PRIV_MSIX_TABLE_ADDR_LO__SIZE_1` 6,
///   `NV_VIRTUAL_FUNCTION_PRIV_MSIX_PBA`, `dev_vm.ref.txt`).
pub const A10_SRIOV: SriovFacts = SriovFacts {
    total_vfs: 32,
    initial_vfs: 32,
    first_vf_offset: 4,
    vf_stride: 1,
    vf_device_id: 0x2236,
    supported_page_sizes: 0x553,
    vf_bar0: 16 << 20,
    vf_bar1: 64 << 20,
    vf_bar3: 16 << 20,
    vf_msix_vectors: 6,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boards_by_name() {
        assert_eq!(Board::parse("a10"), Some(Board::A10));
        assert_eq!(Board::parse("rtx3090"), Some(Board::Rtx3090));
        assert_eq!(Board::parse("A10"), None);
        assert_eq!(Board::default(), Board::Rtx3090);
        for b in [Board::A10, Board::Rtx3090] {
            assert_eq!(Board::parse(&b.to_string()), Some(b));
            assert_eq!(b.vbios().device_id, b.device_id());
        }
        assert_eq!(Board::Rtx3090.sriov(), None);
        assert_eq!(Board::A10.name(), "NVIDIA A10");
        let s = Board::A10.sriov().unwrap();
        assert_eq!(s.vf_device_id, Board::A10.device_id());
        for size in [s.vf_bar0, s.vf_bar1, s.vf_bar3] {
            assert!(size.is_power_of_two() && size >= 4096);
        }
        let four = s.with_vfs(4);
        assert_eq!((four.total_vfs, four.initial_vfs), (4, 4));
        assert_eq!(
            SriovFacts {
                total_vfs: 32,
                initial_vfs: 32,
                ..four
            },
            s
        );
        assert_eq!(s.with_vfs(0), s);
    }
}
