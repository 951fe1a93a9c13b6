// SPDX-License-Identifier: GPL-2.0
//! Where GSP-RM's pieces go in VRAM on a GA102-class chip booted through
//! FWSEC and booter, top down from the end of VRAM: VGA workspace, FRTS
//! (WPR2's top, written by FWSEC-FRTS), the RISC-V bootloader, the GSP-RM
//! ELF, the GSP-RM heap, the `GspFwWprMeta` (WPR2's start), and below WPR2
//! the non-WPR heap.
//!
//! The driver computes this to fill `GspFwWprMeta`; booter_load (the
//! emulator) checks the metadata it gets against the same rules. Rules and
//! sizes from Linux 7.3 `drivers/gpu/nova-core/fb.rs` (`FbRanges::new`),
//! `fb/hal/tu102.rs` and `gsp/fw.rs` (`LibosParams`, `GspFwHeapParams`),
//! which follow OpenRM's `kgspCalculateFbLayout`.

use super::wpr_meta::{
    GspFwWprMeta, GSP_FW_HEAP_PARAM_BASE_RM_SIZE_TU10X, GSP_FW_HEAP_PARAM_CLIENT_ALLOC_SIZE,
    GSP_FW_HEAP_PARAM_OS_SIZE_LIBOS3_BAREMETAL, GSP_FW_HEAP_PARAM_SIZE_PER_GB_FB,
    GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MAX_MB,
    GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MIN_MB, GSP_FW_WPR_META_MAGIC,
    GSP_FW_WPR_META_REVISION,
};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// The PRAMIN window at the end of VRAM that holds the VGA workspace when
/// the board reports none (nova `NV_PRAMIN_SIZE`).
pub const VGA_WORKSPACE_SIZE: u64 = MIB;
/// FRTS size on TU102..AD10x (nova `frts_size_tu102`).
pub const FRTS_SIZE: u64 = MIB;
/// Non-WPR heap size on TU102..AD10x (nova `non_wpr_heap_size_tu102`).
pub const NON_WPR_HEAP_SIZE: u64 = MIB;
/// GSP-RM heap alignment (nova `GSP_HEAP_ALIGNMENT`).
const HEAP_ALIGN: u64 = MIB;
/// The GSP-RM heap when GSP-RM hosts vGPUs (booted in SR-IOV mode), 581
/// MiB: r570.144 `GSP_FW_HEAP_SIZE_VGPU_DEFAULT` (Linux 7.3 nova-core
/// `LibosParams::vgpu_wpr_heap_size`, used instead of the bare-metal size).
pub const GSP_FW_HEAP_SIZE_VGPU_DEFAULT: u64 = 609_222_656;

/// A half-open range of VRAM offsets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FbRange {
    /// First byte.
    pub start: u64,
    /// One past the last byte.
    pub end: u64,
}

impl FbRange {
    /// Bytes in the range (zero for a range that ends before it starts,
    /// as hostile metadata can describe).
    pub const fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the range is empty.
    pub const fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// The VRAM layout of one boot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FbLayout {
    /// All of VRAM.
    pub fb: FbRange,
    /// The VGA workspace at the end of VRAM.
    pub vga_workspace: FbRange,
    /// FWSEC's FRTS region, the top of WPR2.
    pub frts: FbRange,
    /// The GSP-RM RISC-V bootloader.
    pub boot: FbRange,
    /// The GSP-RM ELF image.
    pub elf: FbRange,
    /// The GSP-RM heap.
    pub heap: FbRange,
    /// WPR2 as a whole.
    pub wpr2: FbRange,
    /// The heap below WPR2.
    pub non_wpr_heap: FbRange,
}

const fn align_down(v: u64, a: u64) -> u64 {
    v & !(a - 1)
}

const fn align_up(v: u64, a: u64) -> u64 {
    (v + a - 1) & !(a - 1)
}

/// The GSP-RM heap size LIBOS3 (GA102 and later) needs for `fb_size` bytes
/// of VRAM: the OS carveout, RM's boot memory, one client, and management
/// overhead per GiB, clamped to the supported range (nova
/// `LibosParams::wpr_heap_size`).
pub const fn wpr_heap_size_libos3(fb_size: u64) -> u64 {
    let overhead = align_up(
        GSP_FW_HEAP_PARAM_SIZE_PER_GB_FB * fb_size.div_ceil(GIB),
        HEAP_ALIGN,
    );
    let size = GSP_FW_HEAP_PARAM_OS_SIZE_LIBOS3_BAREMETAL
        + GSP_FW_HEAP_PARAM_BASE_RM_SIZE_TU10X
        + align_up(GSP_FW_HEAP_PARAM_CLIENT_ALLOC_SIZE, HEAP_ALIGN)
        + overhead;
    let min = GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MIN_MB * MIB;
    // nova clamps to `max - 1` (an exclusive range's last value).
    let max = GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MAX_MB * MIB - 1;
    if size < min {
        min
    } else if size > max {
        max
    } else {
        size
    }
}

impl FbLayout {
    /// The layout for `fb_size` bytes of VRAM, a bootloader of
    /// `bootloader_size` bytes and an ELF image of `elf_size` bytes, or
    /// `None` if they do not fit.
    pub const fn ga102(fb_size: u64, bootloader_size: u64, elf_size: u64) -> Option<FbLayout> {
        Self::ga102_with_heap(
            fb_size,
            bootloader_size,
            elf_size,
            wpr_heap_size_libos3(fb_size),
        )
    }

    /// The layout of a boot in which GSP-RM hosts vGPUs: the same, with
    /// the vGPU heap ([`GSP_FW_HEAP_SIZE_VGPU_DEFAULT`]).
    pub const fn ga102_vgpu(fb_size: u64, bootloader_size: u64, elf_size: u64) -> Option<FbLayout> {
        Self::ga102_with_heap(
            fb_size,
            bootloader_size,
            elf_size,
            GSP_FW_HEAP_SIZE_VGPU_DEFAULT,
        )
    }

    const fn ga102_with_heap(
        fb_size: u64,
        bootloader_size: u64,
        elf_size: u64,
        heap_size: u64,
    ) -> Option<FbLayout> {
        let fb = FbRange {
            start: 0,
            end: fb_size,
        };
        if fb_size < 64 * MIB {
            return None;
        }
        let vga_workspace = FbRange {
            start: fb_size - VGA_WORKSPACE_SIZE,
            end: fb_size,
        };
        let frts_start = align_down(vga_workspace.start, 128 * KIB) - FRTS_SIZE;
        let frts = FbRange {
            start: frts_start,
            end: frts_start + FRTS_SIZE,
        };
        let Some(b) = frts.start.checked_sub(bootloader_size) else {
            return None;
        };
        let boot_start = align_down(b, 4 * KIB);
        let boot = FbRange {
            start: boot_start,
            end: boot_start + bootloader_size,
        };
        let Some(e) = boot.start.checked_sub(elf_size) else {
            return None;
        };
        let elf_start = align_down(e, 64 * KIB);
        let elf = FbRange {
            start: elf_start,
            end: elf_start + elf_size,
        };
        let Some(h) = elf.start.checked_sub(heap_size) else {
            return None;
        };
        let heap = FbRange {
            start: align_down(h, MIB),
            end: align_down(elf.start, MIB),
        };
        let Some(w) = heap.start.checked_sub(GspFwWprMeta::SIZE_U64) else {
            return None;
        };
        let wpr2 = FbRange {
            start: align_down(w, MIB),
            end: frts.end,
        };
        let Some(n) = wpr2.start.checked_sub(NON_WPR_HEAP_SIZE) else {
            return None;
        };
        let non_wpr_heap = FbRange {
            start: n,
            end: wpr2.start,
        };
        Some(FbLayout {
            fb,
            vga_workspace,
            frts,
            boot,
            elf,
            heap,
            wpr2,
            non_wpr_heap,
        })
    }
}

/// Where the driver put the images booter_load reads from system memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SysmemImages {
    /// Level-0 page of the radix3 table mapping the ELF image.
    pub radix3: u64,
    /// Size of the ELF image (`.fwimage`).
    pub elf_size: u64,
    /// The bootloader image.
    pub bootloader: u64,
    /// Its size.
    pub bootloader_size: u64,
    /// Code, data and manifest offsets within it.
    pub bootloader_offsets: (u64, u64, u64),
    /// The signature for this chip (`.fwsignature_ga10x`).
    pub signature: u64,
    /// Its size.
    pub signature_size: u64,
}

impl GspFwWprMeta {
    /// Size of the structure, as a VRAM size.
    pub const SIZE_U64: u64 = core::mem::size_of::<GspFwWprMeta>() as u64;

    /// The metadata of a first boot with layout `l` and images `s` (nova
    /// `GspFwWprMeta::from_ranges`).
    pub const fn for_boot(l: &FbLayout, s: &SysmemImages) -> GspFwWprMeta {
        let mut m = <GspFwWprMeta as super::super::wire::Wire>::ZERO;
        m.magic = GSP_FW_WPR_META_MAGIC;
        m.revision = GSP_FW_WPR_META_REVISION;
        m.sysmem_addr_of_radix3_elf = s.radix3;
        m.size_of_radix3_elf = s.elf_size;
        m.sysmem_addr_of_bootloader = s.bootloader;
        m.size_of_bootloader = s.bootloader_size;
        m.bootloader_code_offset = s.bootloader_offsets.0;
        m.bootloader_data_offset = s.bootloader_offsets.1;
        m.bootloader_manifest_offset = s.bootloader_offsets.2;
        m.sysmem_addr_of_signature = s.signature;
        m.size_of_signature = s.signature_size;
        m.gsp_fw_rsvd_start = l.non_wpr_heap.start;
        m.non_wpr_heap_offset = l.non_wpr_heap.start;
        m.non_wpr_heap_size = l.non_wpr_heap.len();
        m.gsp_fw_wpr_start = l.wpr2.start;
        m.gsp_fw_heap_offset = l.heap.start;
        m.gsp_fw_heap_size = l.heap.len();
        m.gsp_fw_offset = l.elf.start;
        m.boot_bin_offset = l.boot.start;
        m.frts_offset = l.frts.start;
        m.frts_size = l.frts.len();
        m.gsp_fw_wpr_end = align_down(l.vga_workspace.start, 128 * KIB);
        m.fb_size = l.fb.len();
        m.vga_workspace_offset = l.vga_workspace.start;
        m.vga_workspace_size = l.vga_workspace.len();
        m
    }

    /// The layout these metadata describe, as booter_load reconstructs it
    /// for its checks.
    pub const fn layout(&self) -> FbLayout {
        FbLayout {
            fb: FbRange {
                start: 0,
                end: self.fb_size,
            },
            vga_workspace: FbRange {
                start: self.vga_workspace_offset,
                end: self
                    .vga_workspace_offset
                    .wrapping_add(self.vga_workspace_size),
            },
            frts: FbRange {
                start: self.frts_offset,
                end: self.frts_offset.wrapping_add(self.frts_size),
            },
            boot: FbRange {
                start: self.boot_bin_offset,
                end: self.boot_bin_offset.wrapping_add(self.size_of_bootloader),
            },
            elf: FbRange {
                start: self.gsp_fw_offset,
                end: self.gsp_fw_offset.wrapping_add(self.size_of_radix3_elf),
            },
            heap: FbRange {
                start: self.gsp_fw_heap_offset,
                end: self.gsp_fw_heap_offset.wrapping_add(self.gsp_fw_heap_size),
            },
            wpr2: FbRange {
                start: self.gsp_fw_wpr_start,
                end: self.frts_offset.wrapping_add(self.frts_size),
            },
            non_wpr_heap: FbRange {
                start: self.non_wpr_heap_offset,
                end: self
                    .non_wpr_heap_offset
                    .wrapping_add(self.non_wpr_heap_size),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_size_follows_libos3_rules() {
        // 22 MiB carveout + 8 MiB RM + 96 MiB client + 1 MiB per GiB
        // (96 KiB rounded up), clamped to 88..280 MiB.
        assert_eq!(wpr_heap_size_libos3(256 * MIB), (22 + 8 + 96 + 1) * MIB);
        assert_eq!(wpr_heap_size_libos3(24 * GIB), (22 + 8 + 96 + 3) * MIB);
        assert_eq!(wpr_heap_size_libos3(4096 * GIB), 280 * MIB - 1);
    }

    #[test]
    fn ga102_layout_is_ordered_aligned_and_round_trips() {
        let elf = 0x3c9_9000;
        let l = FbLayout::ga102(1 << 30, 0x5000, elf).unwrap();
        assert_eq!(
            l.vga_workspace,
            FbRange {
                start: (1 << 30) - MIB,
                end: 1 << 30
            }
        );
        assert_eq!(l.frts.end, l.vga_workspace.start);
        assert_eq!(l.frts.len(), MIB);
        assert!(l.boot.end <= l.frts.start && l.boot.start.is_multiple_of(4 * KIB));
        assert!(l.elf.end <= l.boot.start && l.elf.start.is_multiple_of(64 * KIB));
        assert!(l.heap.end <= l.elf.start && l.heap.start.is_multiple_of(MIB));
        assert!(l.wpr2.start + GspFwWprMeta::SIZE_U64 <= l.heap.start);
        assert_eq!(l.wpr2.end, l.frts.end);
        assert_eq!(l.non_wpr_heap.end, l.wpr2.start);
        let s = SysmemImages {
            elf_size: elf,
            bootloader_size: 0x5000,
            ..Default::default()
        };
        let m = GspFwWprMeta::for_boot(&l, &s);
        assert!(m.is_valid_header());
        assert_eq!(m.layout(), l);
        assert_eq!(m.gsp_fw_wpr_end, l.frts.end);
    }

    #[test]
    fn vgpu_layout_has_the_vgpu_heap() {
        let elf = 0x3c9_9000;
        let bare = FbLayout::ga102(8 * GIB, 0x5000, elf).unwrap();
        let vgpu = FbLayout::ga102_vgpu(8 * GIB, 0x5000, elf).unwrap();
        // The heap's start is aligned down to a MiB; 581 MiB is a whole MiB.
        assert_eq!(vgpu.heap.len(), GSP_FW_HEAP_SIZE_VGPU_DEFAULT);
        assert!(vgpu.heap.len() > bare.heap.len());
        assert_eq!(
            (vgpu.elf, vgpu.boot, vgpu.frts),
            (bare.elf, bare.boot, bare.frts)
        );
        assert!(vgpu.wpr2.start < bare.wpr2.start);
        // 512 MiB of VRAM cannot hold the vGPU heap.
        assert_eq!(FbLayout::ga102_vgpu(512 * MIB, 0x5000, elf), None);
    }

    #[test]
    fn too_little_vram_has_no_layout() {
        assert_eq!(FbLayout::ga102(32 * MIB, 0x5000, 0x100_0000), None);
        assert_eq!(FbLayout::ga102(64 * MIB, 0x5000, 0x3c9_9000), None);
    }
}
