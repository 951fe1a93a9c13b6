// SPDX-License-Identifier: GPL-2.0
//! `GspFwWprMeta`: the 256-byte descriptor of the WPR2 layout that the CPU
//! hands to Booter and the GSP bootloader, and the heap-sizing parameters
//! that go with it.
//!
//! Layout from nova-core `r570_144/bindings.rs` and nouveau
//! `r570/nvrm/gsp.h` (both from NVIDIA `gsp_fw_wpr_meta.h`, 570.144);
//! offsets cross-checked with NVIDIA `gsp_abi_check.c` (570.144).

use super::super::wire::Wire;

/// `GSP_FW_WPR_META_MAGIC` (bindings.rs: `-2577556379034558285` as i64,
/// nouveau gsp.h: `0xdc3aae21371a60b3ULL`).
pub const GSP_FW_WPR_META_MAGIC: u64 = 0xdc3a_ae21_371a_60b3;
/// `GSP_FW_WPR_META_REVISION` (bindings.rs: 1).
pub const GSP_FW_WPR_META_REVISION: u64 = 1;
/// `verified` once Booter has checked the image (gsp.h comment:
/// "0xa0a0a0a0a0a0a0a0 -> verified").
pub const GSP_FW_WPR_META_VERIFIED: u64 = 0xa0a0_a0a0_a0a0_a0a0;

/// `GSP_FW_HEAP_PARAM_OS_SIZE_LIBOS2` (bindings.rs: 0).
pub const GSP_FW_HEAP_PARAM_OS_SIZE_LIBOS2: u64 = 0;
/// `GSP_FW_HEAP_PARAM_OS_SIZE_LIBOS3_BAREMETAL` (bindings.rs: 22 MiB).
pub const GSP_FW_HEAP_PARAM_OS_SIZE_LIBOS3_BAREMETAL: u64 = 22 << 20;
/// `GSP_FW_HEAP_PARAM_BASE_RM_SIZE_TU10X`, Turing to Ada (bindings.rs: 8 MiB).
pub const GSP_FW_HEAP_PARAM_BASE_RM_SIZE_TU10X: u64 = 8 << 20;
/// `GSP_FW_HEAP_PARAM_BASE_RM_SIZE_GH100`, Hopper and later (14 MiB).
pub const GSP_FW_HEAP_PARAM_BASE_RM_SIZE_GH100: u64 = 14 << 20;
/// `GSP_FW_HEAP_PARAM_SIZE_PER_GB_FB` (bindings.rs: 96 KiB).
pub const GSP_FW_HEAP_PARAM_SIZE_PER_GB_FB: u64 = 96 << 10;
/// `GSP_FW_HEAP_PARAM_CLIENT_ALLOC_SIZE`: 48 KiB x 2048 channels (96 MiB).
pub const GSP_FW_HEAP_PARAM_CLIENT_ALLOC_SIZE: u64 = (48 << 10) * 2048;
/// `GSP_FW_HEAP_SIZE_VGPU_DEFAULT` (bindings.rs: 609222656 = 581 MiB).
pub const GSP_FW_HEAP_SIZE_VGPU_DEFAULT: u64 = 581 << 20;
/// `GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS2_MIN_MB` (64).
pub const GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS2_MIN_MB: u64 = 64;
/// `GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS2_MAX_MB` (256).
pub const GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS2_MAX_MB: u64 = 256;
/// `GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MIN_MB` (bindings.rs and
/// gsp_abi_check.c: 88; NVIDIA `gsp_fw_heap.h` adds 12 + 70 only in
/// "Bullseye" builds, the variant nouveau's excerpt copied).
pub const GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MIN_MB: u64 = 88;
/// `GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MAX_MB` (280).
pub const GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MAX_MB: u64 = 280;

crate::wire_struct! {
    /// The second union of `GspFwWprMeta` (32 bytes at offset 208), as its
    /// first variant: the partition-RPC and ELF section fields. The second
    /// variant (crash-report queue) overlays the same bytes; see
    /// [`GspFwWprMeta::crash_report_queue`]. Both are zero in a normal boot.
    pub struct WprMetaPartitionInfo {
        /// `partitionRpcAddr`.
        pub partition_rpc_addr: u64,
        /// `partitionRpcRequestOffset`.
        pub partition_rpc_request_offset: u16,
        /// `partitionRpcReplyOffset`.
        pub partition_rpc_reply_offset: u16,
        /// `elfCodeOffset`.
        pub elf_code_offset: u32,
        /// `elfDataOffset` (low half of `sysmemAddrOfCrashReportQueue`).
        pub elf_data_offset: u32,
        /// `elfCodeSize` (high half of `sysmemAddrOfCrashReportQueue`).
        pub elf_code_size: u32,
        /// `elfDataSize` (also `sizeOfCrashReportQueue`).
        pub elf_data_size: u32,
        /// `lsUcodeVersion`.
        pub ls_ucode_version: u32,
    }

    /// `GspFwWprMeta`.
    ///
    /// The first union (offset 72) is modelled as its boot-time variant
    /// (`sysmemAddrOfSignature`, `sizeOfSignature`); the resume-time variant
    /// is reached through [`GspFwWprMeta::heap_free_list_wpr_offset`].
    pub struct GspFwWprMeta {
        /// `magic`: [`GSP_FW_WPR_META_MAGIC`].
        pub magic: u64,
        /// `revision`: [`GSP_FW_WPR_META_REVISION`].
        pub revision: u64,
        /// `sysmemAddrOfRadix3Elf`: DMA address of the radix3 page table of the GSP-RM ELF.
        pub sysmem_addr_of_radix3_elf: u64,
        /// `sizeOfRadix3Elf`.
        pub size_of_radix3_elf: u64,
        /// `sysmemAddrOfBootloader`.
        pub sysmem_addr_of_bootloader: u64,
        /// `sizeOfBootloader`.
        pub size_of_bootloader: u64,
        /// `bootloaderCodeOffset`.
        pub bootloader_code_offset: u64,
        /// `bootloaderDataOffset`.
        pub bootloader_data_offset: u64,
        /// `bootloaderManifestOffset`.
        pub bootloader_manifest_offset: u64,
        /// `sysmemAddrOfSignature` (union 1, boot variant).
        pub sysmem_addr_of_signature: u64,
        /// `sizeOfSignature` (union 1, boot variant).
        pub size_of_signature: u64,
        /// `gspFwRsvdStart`.
        pub gsp_fw_rsvd_start: u64,
        /// `nonWprHeapOffset`.
        pub non_wpr_heap_offset: u64,
        /// `nonWprHeapSize`.
        pub non_wpr_heap_size: u64,
        /// `gspFwWprStart`.
        pub gsp_fw_wpr_start: u64,
        /// `gspFwHeapOffset`.
        pub gsp_fw_heap_offset: u64,
        /// `gspFwHeapSize`.
        pub gsp_fw_heap_size: u64,
        /// `gspFwOffset`: where the bootloader finds the ELF.
        pub gsp_fw_offset: u64,
        /// `bootBinOffset`.
        pub boot_bin_offset: u64,
        /// `frtsOffset`.
        pub frts_offset: u64,
        /// `frtsSize`.
        pub frts_size: u64,
        /// `gspFwWprEnd`.
        pub gsp_fw_wpr_end: u64,
        /// `fbSize`.
        pub fb_size: u64,
        /// `vgaWorkspaceOffset`.
        pub vga_workspace_offset: u64,
        /// `vgaWorkspaceSize`.
        pub vga_workspace_size: u64,
        /// `bootCount`.
        pub boot_count: u64,
        /// Union 2 (offset 208).
        pub partition: WprMetaPartitionInfo,
        /// `gspFwHeapVfPartitionCount`.
        pub gsp_fw_heap_vf_partition_count: u8,
        /// `flags`.
        pub flags: u8,
        /// `padding[2]`, zero.
        pub padding: [u8; 2],
        /// `pmuReservedSize`.
        pub pmu_reserved_size: u32,
        /// `verified`: 0, or [`GSP_FW_WPR_META_VERIFIED`].
        pub verified: u64,
    }
}

impl GspFwWprMeta {
    /// `gspFwHeapFreeListWprOffset`: the first union's resume variant, the
    /// low 32 bits of the bytes at offset 72 (little endian).
    pub const fn heap_free_list_wpr_offset(&self) -> u32 {
        self.sysmem_addr_of_signature as u32
    }

    /// Sets `gspFwHeapFreeListWprOffset`, zeroing `unused0` and `unused1`.
    pub fn set_heap_free_list_wpr_offset(&mut self, offset: u32) {
        self.sysmem_addr_of_signature = u64::from(offset);
        self.size_of_signature = 0;
    }

    /// The second union's crash-report variant:
    /// (`sysmemAddrOfCrashReportQueue`, `sizeOfCrashReportQueue`).
    pub const fn crash_report_queue(&self) -> (u64, u32) {
        let p = &self.partition;
        (
            (p.elf_data_offset as u64) | ((p.elf_code_size as u64) << 32),
            p.elf_data_size,
        )
    }

    /// Whether `magic` and `revision` are the published values.
    pub const fn is_valid_header(&self) -> bool {
        self.magic == GSP_FW_WPR_META_MAGIC && self.revision == GSP_FW_WPR_META_REVISION
    }
}

/// Size of [`GspFwWprMeta`] in bytes ("Pad structure to exactly 256 bytes").
pub const GSP_FW_WPR_META_SIZE: usize = GspFwWprMeta::SIZE;

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn published_constants() {
        // bindings.rs: GSP_FW_WPR_META_MAGIC: i64 = -2577556379034558285.
        assert_eq!(GSP_FW_WPR_META_MAGIC as i64, -2_577_556_379_034_558_285);
        assert_eq!(GSP_FW_WPR_META_REVISION, 1);
        // bindings.rs heap parameters.
        assert_eq!(GSP_FW_HEAP_PARAM_OS_SIZE_LIBOS3_BAREMETAL, 23_068_672);
        assert_eq!(GSP_FW_HEAP_PARAM_BASE_RM_SIZE_TU10X, 8_388_608);
        assert_eq!(GSP_FW_HEAP_PARAM_BASE_RM_SIZE_GH100, 14_680_064);
        assert_eq!(GSP_FW_HEAP_PARAM_SIZE_PER_GB_FB, 98_304);
        assert_eq!(GSP_FW_HEAP_PARAM_CLIENT_ALLOC_SIZE, 100_663_296);
        assert_eq!(GSP_FW_HEAP_SIZE_VGPU_DEFAULT, 609_222_656);
        assert_eq!(GSP_FW_HEAP_PARAM_OS_SIZE_LIBOS2, 0);
        assert_eq!(GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS2_MIN_MB, 64);
        assert_eq!(GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS2_MAX_MB, 256);
        assert_eq!(GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MIN_MB, 88);
        assert_eq!(GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MAX_MB, 280);
    }

    #[test]
    fn layout() {
        // Derived: nine u64 (0..72), union of two 16-byte structs (72..88),
        // fifteen u64 (88..208), union of two 32-byte structs (208..240),
        // u8, u8, u8[2], u32 (240..248), u64 (248..256).
        // gsp_abi_check.c (570.144) pins the same numbers.
        assert_eq!(size_of::<GspFwWprMeta>(), 256);
        assert_eq!(GSP_FW_WPR_META_SIZE, 256);
        assert_eq!(offset_of!(GspFwWprMeta, magic), 0);
        assert_eq!(offset_of!(GspFwWprMeta, revision), 8);
        assert_eq!(offset_of!(GspFwWprMeta, sysmem_addr_of_radix3_elf), 16);
        assert_eq!(offset_of!(GspFwWprMeta, size_of_radix3_elf), 24);
        assert_eq!(offset_of!(GspFwWprMeta, sysmem_addr_of_bootloader), 32);
        assert_eq!(offset_of!(GspFwWprMeta, size_of_bootloader), 40);
        assert_eq!(offset_of!(GspFwWprMeta, bootloader_code_offset), 48);
        assert_eq!(offset_of!(GspFwWprMeta, bootloader_data_offset), 56);
        assert_eq!(offset_of!(GspFwWprMeta, bootloader_manifest_offset), 64);
        assert_eq!(offset_of!(GspFwWprMeta, sysmem_addr_of_signature), 72);
        assert_eq!(offset_of!(GspFwWprMeta, size_of_signature), 80);
        assert_eq!(offset_of!(GspFwWprMeta, gsp_fw_rsvd_start), 88);
        assert_eq!(offset_of!(GspFwWprMeta, non_wpr_heap_offset), 96);
        assert_eq!(offset_of!(GspFwWprMeta, non_wpr_heap_size), 104);
        assert_eq!(offset_of!(GspFwWprMeta, gsp_fw_wpr_start), 112);
        assert_eq!(offset_of!(GspFwWprMeta, gsp_fw_heap_offset), 120);
        assert_eq!(offset_of!(GspFwWprMeta, gsp_fw_heap_size), 128);
        assert_eq!(offset_of!(GspFwWprMeta, gsp_fw_offset), 136);
        assert_eq!(offset_of!(GspFwWprMeta, boot_bin_offset), 144);
        assert_eq!(offset_of!(GspFwWprMeta, frts_offset), 152);
        assert_eq!(offset_of!(GspFwWprMeta, frts_size), 160);
        assert_eq!(offset_of!(GspFwWprMeta, gsp_fw_wpr_end), 168);
        assert_eq!(offset_of!(GspFwWprMeta, fb_size), 176);
        assert_eq!(offset_of!(GspFwWprMeta, vga_workspace_offset), 184);
        assert_eq!(offset_of!(GspFwWprMeta, vga_workspace_size), 192);
        assert_eq!(offset_of!(GspFwWprMeta, boot_count), 200);
        assert_eq!(offset_of!(GspFwWprMeta, partition), 208);
        assert_eq!(
            offset_of!(GspFwWprMeta, gsp_fw_heap_vf_partition_count),
            240
        );
        assert_eq!(offset_of!(GspFwWprMeta, flags), 241);
        assert_eq!(offset_of!(GspFwWprMeta, padding), 242);
        assert_eq!(offset_of!(GspFwWprMeta, pmu_reserved_size), 244);
        assert_eq!(offset_of!(GspFwWprMeta, verified), 248);

        // Union 2, first variant: u64, u16, u16, five u32 = 32 bytes.
        assert_eq!(size_of::<WprMetaPartitionInfo>(), 32);
        assert_eq!(
            offset_of!(WprMetaPartitionInfo, partition_rpc_request_offset),
            8
        );
        assert_eq!(
            offset_of!(WprMetaPartitionInfo, partition_rpc_reply_offset),
            10
        );
        assert_eq!(offset_of!(WprMetaPartitionInfo, elf_code_offset), 12);
        assert_eq!(offset_of!(WprMetaPartitionInfo, elf_data_offset), 16);
        assert_eq!(offset_of!(WprMetaPartitionInfo, elf_code_size), 20);
        assert_eq!(offset_of!(WprMetaPartitionInfo, elf_data_size), 24);
        assert_eq!(offset_of!(WprMetaPartitionInfo, ls_ucode_version), 28);
    }

    #[test]
    fn round_trip_and_union_views() {
        let mut m = GspFwWprMeta {
            magic: GSP_FW_WPR_META_MAGIC,
            revision: GSP_FW_WPR_META_REVISION,
            fb_size: 0x6_0000_0000,
            gsp_fw_heap_vf_partition_count: 3,
            pmu_reserved_size: 0x1234,
            verified: GSP_FW_WPR_META_VERIFIED,
            ..GspFwWprMeta::ZERO
        };
        m.partition.elf_data_offset = 0x8765_4321;
        m.partition.elf_code_size = 0x1;
        m.partition.elf_data_size = 0x4000;
        assert!(m.is_valid_header());
        assert_eq!(m.crash_report_queue(), (0x1_8765_4321, 0x4000));

        let mut b = [0u8; 256];
        m.encode(&mut b).unwrap();
        assert_eq!(&b[..8], &GSP_FW_WPR_META_MAGIC.to_le_bytes());
        assert_eq!(&b[176..184], &0x6_0000_0000u64.to_le_bytes());
        assert_eq!(b[240], 3);
        assert_eq!(&b[244..248], &0x1234u32.to_le_bytes());
        // sysmemAddrOfCrashReportQueue sits at union offset 16 (208 + 16).
        assert_eq!(&b[224..232], &0x1_8765_4321u64.to_le_bytes());
        assert_eq!(GspFwWprMeta::decode(&b), Some(m));
        assert_eq!(GspFwWprMeta::decode(&b[..255]), None);

        m.set_heap_free_list_wpr_offset(0xabcd);
        m.encode(&mut b).unwrap();
        assert_eq!(
            &b[72..88],
            &[0xcd, 0xab, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(m.heap_free_list_wpr_offset(), 0xabcd);

        m.magic ^= 1;
        assert!(!m.is_valid_header());
    }
}
