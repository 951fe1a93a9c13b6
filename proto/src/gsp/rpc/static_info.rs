// SPDX-License-Identifier: GPL-2.0
//! `GET_GSP_STATIC_INFO` payload: `GspStaticConfigInfo_t`, complete with
//! every nested structure. The CPU sends a zeroed one; GSP-RM returns it
//! filled.
//!
//! Layout from nova-core `r570_144/bindings.rs` and nouveau
//! `r570/nvrm/gsp.h` (NVIDIA `gsp_static_config.h`, 570.144); offsets
//! cross-checked with NVIDIA `gsp_abi_check.c` (570.144).

use super::super::class::{FbRegionInfo, Nv2080CtrlFbGetFbRegionInfoParams};
use super::c_str;

/// `NV0080_CTRL_GR_CAPS_TBL_SIZE`.
pub const NV0080_CTRL_GR_CAPS_TBL_SIZE: usize = 23;
/// `NV2080_GPU_MAX_GID_LENGTH`.
pub const NV2080_GPU_MAX_GID_LENGTH: usize = 0x100;
/// `NV2080_GPU_MAX_NAME_STRING_LENGTH`.
pub const NV2080_GPU_MAX_NAME_STRING_LENGTH: usize = 0x40;
/// `NVGPU_ENGINE_CAPS_MASK_ARRAY_MAX` in 570.144 (`engineCaps` has 3 words).
pub const NVGPU_ENGINE_CAPS_MASK_ARRAY_MAX: usize = 3;
/// `MAX_GROUP_COUNT` (`ecidInfo` entries).
pub const MAX_GROUP_COUNT: usize = 2;

crate::wire_struct! {
    /// `NV2080_CTRL_GPU_GET_GID_INFO_PARAMS`.
    pub struct Nv2080CtrlGpuGetGidInfoParams {
        /// `index`.
        pub index: u32,
        /// `flags`.
        pub flags: u32,
        /// `length`: bytes of `data` in use.
        pub length: u32,
        /// `data`: the GPU UUID (binary or ASCII, per `flags`).
        pub data: [u8; NV2080_GPU_MAX_GID_LENGTH],
    }

    /// `NV2080_CTRL_BIOS_GET_SKU_INFO_PARAMS`.
    pub struct Nv2080CtrlBiosGetSkuInfoParams {
        /// `BoardID`.
        pub board_id: u32,
        /// `chipSKU` (`char[9]`).
        pub chip_sku: [u8; 9],
        /// `chipSKUMod` (`char[5]`).
        pub chip_sku_mod: [u8; 5],
        /// Padding.
        pub _pad0: [u8; 2],
        /// `skuConfigVersion`.
        pub sku_config_version: u32,
        /// `project` (`char[5]`).
        pub project: [u8; 5],
        /// `projectSKU` (`char[5]`).
        pub project_sku: [u8; 5],
        /// `CDP` (`char[6]`).
        pub cdp: [u8; 6],
        /// `projectSKUMod` (`char[2]`).
        pub project_sku_mod: [u8; 2],
        /// Padding.
        pub _pad1: [u8; 2],
        /// `businessCycle`.
        pub business_cycle: u32,
    }

    /// `NV0080_CTRL_GPU_GET_SRIOV_CAPS_PARAMS`.
    pub struct Nv0080CtrlGpuGetSriovCapsParams {
        /// `totalVFs`.
        pub total_vfs: u32,
        /// `firstVfOffset`.
        pub first_vf_offset: u32,
        /// `vfFeatureMask`.
        pub vf_feature_mask: u32,
        /// Padding.
        pub _pad0: u32,
        /// `FirstVFBar0Address`.
        pub first_vf_bar0_address: u64,
        /// `FirstVFBar1Address`.
        pub first_vf_bar1_address: u64,
        /// `FirstVFBar2Address`.
        pub first_vf_bar2_address: u64,
        /// `bar0Size`.
        pub bar0_size: u64,
        /// `bar1Size`.
        pub bar1_size: u64,
        /// `bar2Size`.
        pub bar2_size: u64,
        /// `b64bitBar0` (NvBool).
        pub b64bit_bar0: u8,
        /// `b64bitBar1` (NvBool).
        pub b64bit_bar1: u8,
        /// `b64bitBar2` (NvBool).
        pub b64bit_bar2: u8,
        /// `bSriovEnabled` (NvBool).
        pub b_sriov_enabled: u8,
        /// `bSriovHeavyEnabled` (NvBool).
        pub b_sriov_heavy_enabled: u8,
        /// `bEmulateVFBar0TlbInvalidationRegister` (NvBool).
        pub b_emulate_vf_bar0_tlb_invalidation_register: u8,
        /// `bClientRmAllocatedCtxBuffer` (NvBool).
        pub b_client_rm_allocated_ctx_buffer: u8,
        /// `bNonPowerOf2ChannelCountSupported` (NvBool).
        pub b_non_power_of2_channel_count_supported: u8,
        /// `bVfResizableBAR1Supported` (NvBool).
        pub b_vf_resizable_bar1_supported: u8,
        /// Tail padding.
        pub _pad1: [u8; 7],
    }

    /// `VIRTUAL_DISPLAY_GET_NUM_HEADS_PARAMS`.
    pub struct VirtualDisplayGetNumHeadsParams {
        /// `numHeads`.
        pub num_heads: u32,
        /// `maxNumHeads`.
        pub max_num_heads: u32,
    }

    /// `VIRTUAL_DISPLAY_GET_MAX_RESOLUTION_PARAMS`.
    pub struct VirtualDisplayGetMaxResolutionParams {
        /// `headIndex`.
        pub head_index: u32,
        /// `maxHResolution`.
        pub max_h_resolution: u32,
        /// `maxVResolution`.
        pub max_v_resolution: u32,
    }

    /// `EcidManufacturingInfo`.
    pub struct EcidManufacturingInfo {
        /// `ecidLow`.
        pub ecid_low: u32,
        /// `ecidHigh`.
        pub ecid_high: u32,
        /// `ecidExtended`.
        pub ecid_extended: u32,
    }

    /// `FW_WPR_LAYOUT_OFFSET`.
    pub struct FwWprLayoutOffset {
        /// `nonWprHeapOffset`.
        pub non_wpr_heap_offset: u64,
        /// `frtsOffset`.
        pub frts_offset: u64,
    }

    /// `GspStaticConfigInfo_t`.
    pub struct GspStaticConfigInfo {
        /// `grCapsBits`.
        pub gr_caps_bits: [u8; NV0080_CTRL_GR_CAPS_TBL_SIZE],
        /// Padding.
        pub _pad0: u8,
        /// `gidInfo`.
        pub gid_info: Nv2080CtrlGpuGetGidInfoParams,
        /// `SKUInfo`.
        pub sku_info: Nv2080CtrlBiosGetSkuInfoParams,
        /// Padding.
        pub _pad1: [u8; 4],
        /// `fbRegionInfoParams`.
        pub fb_region_info_params: Nv2080CtrlFbGetFbRegionInfoParams,
        /// `sriovCaps`.
        pub sriov_caps: Nv0080CtrlGpuGetSriovCapsParams,
        /// `sriovMaxGfid`.
        pub sriov_max_gfid: u32,
        /// `engineCaps`.
        pub engine_caps: [u32; NVGPU_ENGINE_CAPS_MASK_ARRAY_MAX],
        /// `poisonFuseEnabled` (NvBool).
        pub poison_fuse_enabled: u8,
        /// Padding.
        pub _pad2: [u8; 7],
        /// `fb_length`: bytes of framebuffer.
        pub fb_length: u64,
        /// `fbio_mask`.
        pub fbio_mask: u64,
        /// `fb_bus_width`.
        pub fb_bus_width: u32,
        /// `fb_ram_type`: `NV2080_CTRL_FB_INFO_RAM_TYPE_*`.
        pub fb_ram_type: u32,
        /// `fbp_mask`.
        pub fbp_mask: u64,
        /// `l2_cache_size`.
        pub l2_cache_size: u32,
        /// `gpuNameString`: NUL-terminated ASCII.
        pub gpu_name_string: [u8; NV2080_GPU_MAX_NAME_STRING_LENGTH],
        /// `gpuShortNameString`.
        pub gpu_short_name_string: [u8; NV2080_GPU_MAX_NAME_STRING_LENGTH],
        /// `gpuNameString_Unicode` (UTF-16).
        pub gpu_name_string_unicode: [u16; NV2080_GPU_MAX_NAME_STRING_LENGTH],
        /// `bGpuInternalSku` (NvBool).
        pub b_gpu_internal_sku: u8,
        /// `bIsQuadroGeneric` (NvBool).
        pub b_is_quadro_generic: u8,
        /// `bIsQuadroAd` (NvBool).
        pub b_is_quadro_ad: u8,
        /// `bIsNvidiaNvs` (NvBool).
        pub b_is_nvidia_nvs: u8,
        /// `bIsVgx` (NvBool).
        pub b_is_vgx: u8,
        /// `bGeforceSmb` (NvBool).
        pub b_geforce_smb: u8,
        /// `bIsTitan` (NvBool).
        pub b_is_titan: u8,
        /// `bIsTesla` (NvBool).
        pub b_is_tesla: u8,
        /// `bIsMobile` (NvBool).
        pub b_is_mobile: u8,
        /// `bIsGc6Rtd3Allowed` (NvBool).
        pub b_is_gc6_rtd3_allowed: u8,
        /// `bIsGc8Rtd3Allowed` (NvBool).
        pub b_is_gc8_rtd3_allowed: u8,
        /// `bIsGcOffRtd3Allowed` (NvBool).
        pub b_is_gc_off_rtd3_allowed: u8,
        /// `bIsGcoffLegacyAllowed` (NvBool).
        pub b_is_gcoff_legacy_allowed: u8,
        /// `bIsMigSupported` (NvBool).
        pub b_is_mig_supported: u8,
        /// `RTD3GC6TotalBoardPower`.
        pub rtd3_gc6_total_board_power: u16,
        /// `RTD3GC6PerstDelay`.
        pub rtd3_gc6_perst_delay: u16,
        /// Padding.
        pub _pad3: [u8; 2],
        /// `bar1PdeBase`.
        pub bar1_pde_base: u64,
        /// `bar2PdeBase`.
        pub bar2_pde_base: u64,
        /// `bVbiosValid` (NvBool).
        pub b_vbios_valid: u8,
        /// Padding.
        pub _pad4: [u8; 3],
        /// `vbiosSubVendor`.
        pub vbios_sub_vendor: u32,
        /// `vbiosSubDevice`.
        pub vbios_sub_device: u32,
        /// `bPageRetirementSupported` (NvBool).
        pub b_page_retirement_supported: u8,
        /// `bSplitVasBetweenServerClientRm` (NvBool).
        pub b_split_vas_between_server_client_rm: u8,
        /// `bClRootportNeedsNosnoopWAR` (NvBool).
        pub b_cl_rootport_needs_nosnoop_war: u8,
        /// Padding.
        pub _pad5: u8,
        /// `displaylessMaxHeads`.
        pub displayless_max_heads: VirtualDisplayGetNumHeadsParams,
        /// `displaylessMaxResolution`.
        pub displayless_max_resolution: VirtualDisplayGetMaxResolutionParams,
        /// Padding.
        pub _pad6: [u8; 4],
        /// `displaylessMaxPixels`.
        pub displayless_max_pixels: u64,
        /// `hInternalClient`: GSP-RM's own client, for internal controls.
        pub h_internal_client: u32,
        /// `hInternalDevice`.
        pub h_internal_device: u32,
        /// `hInternalSubdevice`.
        pub h_internal_subdevice: u32,
        /// `bSelfHostedMode` (NvBool).
        pub b_self_hosted_mode: u8,
        /// `bAtsSupported` (NvBool).
        pub b_ats_supported: u8,
        /// `bIsGpuUefi` (NvBool).
        pub b_is_gpu_uefi: u8,
        /// `bIsEfiInit` (NvBool).
        pub b_is_efi_init: u8,
        /// `ecidInfo`.
        pub ecid_info: [EcidManufacturingInfo; MAX_GROUP_COUNT],
        /// `fwWprLayoutOffset`.
        pub fw_wpr_layout_offset: FwWprLayoutOffset,
    }
}

impl GspStaticConfigInfo {
    /// `gpuNameString` up to its NUL.
    pub fn gpu_name(&self) -> &[u8] {
        c_str(&self.gpu_name_string)
    }

    /// `gpuShortNameString` up to its NUL.
    pub fn gpu_short_name(&self) -> &[u8] {
        c_str(&self.gpu_short_name_string)
    }

    /// The used, well-formed FB regions (see
    /// [`Nv2080CtrlFbGetFbRegionInfoParams::regions`]).
    pub fn fb_regions(&self) -> impl Iterator<Item = &FbRegionInfo> {
        self.fb_region_info_params.regions()
    }

    /// The usable FB regions as byte ranges, as nova-core
    /// `usable_fb_regions()` selects them.
    pub fn usable_fb_ranges(&self) -> impl Iterator<Item = core::ops::Range<u64>> + '_ {
        self.fb_region_info_params.usable_ranges()
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::super::wire::Wire;
    use super::*;
    use core::mem::{offset_of, size_of};

    extern crate std;
    use std::vec;

    #[test]
    fn nested_layouts() {
        // 3 * 4 + 256 = 268 (gsp_abi_check.c: 268, data at 12).
        assert_eq!(size_of::<Nv2080CtrlGpuGetGidInfoParams>(), 268);
        assert_eq!(offset_of!(Nv2080CtrlGpuGetGidInfoParams, data), 12);
        // gsp_abi_check.c: SKU info 48; chipSKU 4, chipSKUMod 13,
        // skuConfigVersion 20, project 24, projectSKU 29, CDP 34,
        // projectSKUMod 40, businessCycle 44.
        assert_eq!(size_of::<Nv2080CtrlBiosGetSkuInfoParams>(), 48);
        assert_eq!(offset_of!(Nv2080CtrlBiosGetSkuInfoParams, chip_sku), 4);
        assert_eq!(offset_of!(Nv2080CtrlBiosGetSkuInfoParams, chip_sku_mod), 13);
        assert_eq!(
            offset_of!(Nv2080CtrlBiosGetSkuInfoParams, sku_config_version),
            20
        );
        assert_eq!(offset_of!(Nv2080CtrlBiosGetSkuInfoParams, project), 24);
        assert_eq!(offset_of!(Nv2080CtrlBiosGetSkuInfoParams, project_sku), 29);
        assert_eq!(offset_of!(Nv2080CtrlBiosGetSkuInfoParams, cdp), 34);
        assert_eq!(
            offset_of!(Nv2080CtrlBiosGetSkuInfoParams, project_sku_mod),
            40
        );
        assert_eq!(
            offset_of!(Nv2080CtrlBiosGetSkuInfoParams, business_cycle),
            44
        );
        // gsp_abi_check.c: SRIOV caps 80; FirstVFBar0Address 16, bar2Size 56,
        // b64bitBar0 64, bVfResizableBAR1Supported 72.
        assert_eq!(size_of::<Nv0080CtrlGpuGetSriovCapsParams>(), 80);
        assert_eq!(
            offset_of!(Nv0080CtrlGpuGetSriovCapsParams, first_vf_bar0_address),
            16
        );
        assert_eq!(offset_of!(Nv0080CtrlGpuGetSriovCapsParams, bar2_size), 56);
        assert_eq!(offset_of!(Nv0080CtrlGpuGetSriovCapsParams, b64bit_bar0), 64);
        assert_eq!(
            offset_of!(
                Nv0080CtrlGpuGetSriovCapsParams,
                b_vf_resizable_bar1_supported
            ),
            72
        );
        assert_eq!(size_of::<VirtualDisplayGetNumHeadsParams>(), 8);
        assert_eq!(size_of::<VirtualDisplayGetMaxResolutionParams>(), 12);
        assert_eq!(size_of::<EcidManufacturingInfo>(), 12);
        assert_eq!(size_of::<FwWprLayoutOffset>(), 16);
    }

    #[test]
    fn static_info_layout() {
        // Derived from gsp.h field by field (see the padding fields);
        // gsp_abi_check.c (570.144) pins the same offsets, size >= 1656.
        assert_eq!(size_of::<GspStaticConfigInfo>(), 1656);
        let o = [
            (offset_of!(GspStaticConfigInfo, gr_caps_bits), 0),
            (offset_of!(GspStaticConfigInfo, gid_info), 24),
            (offset_of!(GspStaticConfigInfo, sku_info), 292),
            (offset_of!(GspStaticConfigInfo, fb_region_info_params), 344),
            (offset_of!(GspStaticConfigInfo, sriov_caps), 1120),
            (offset_of!(GspStaticConfigInfo, sriov_max_gfid), 1200),
            (offset_of!(GspStaticConfigInfo, engine_caps), 1204),
            (offset_of!(GspStaticConfigInfo, poison_fuse_enabled), 1216),
            (offset_of!(GspStaticConfigInfo, fb_length), 1224),
            (offset_of!(GspStaticConfigInfo, fbio_mask), 1232),
            (offset_of!(GspStaticConfigInfo, fb_bus_width), 1240),
            (offset_of!(GspStaticConfigInfo, fb_ram_type), 1244),
            (offset_of!(GspStaticConfigInfo, fbp_mask), 1248),
            (offset_of!(GspStaticConfigInfo, l2_cache_size), 1256),
            (offset_of!(GspStaticConfigInfo, gpu_name_string), 1260),
            (offset_of!(GspStaticConfigInfo, gpu_short_name_string), 1324),
            (
                offset_of!(GspStaticConfigInfo, gpu_name_string_unicode),
                1388,
            ),
            (offset_of!(GspStaticConfigInfo, b_gpu_internal_sku), 1516),
            (offset_of!(GspStaticConfigInfo, b_is_quadro_generic), 1517),
            (offset_of!(GspStaticConfigInfo, b_is_quadro_ad), 1518),
            (offset_of!(GspStaticConfigInfo, b_is_nvidia_nvs), 1519),
            (offset_of!(GspStaticConfigInfo, b_is_vgx), 1520),
            (offset_of!(GspStaticConfigInfo, b_geforce_smb), 1521),
            (offset_of!(GspStaticConfigInfo, b_is_titan), 1522),
            (offset_of!(GspStaticConfigInfo, b_is_tesla), 1523),
            (offset_of!(GspStaticConfigInfo, b_is_mobile), 1524),
            (offset_of!(GspStaticConfigInfo, b_is_gc6_rtd3_allowed), 1525),
            (offset_of!(GspStaticConfigInfo, b_is_gc8_rtd3_allowed), 1526),
            (
                offset_of!(GspStaticConfigInfo, b_is_gc_off_rtd3_allowed),
                1527,
            ),
            (
                offset_of!(GspStaticConfigInfo, b_is_gcoff_legacy_allowed),
                1528,
            ),
            (offset_of!(GspStaticConfigInfo, b_is_mig_supported), 1529),
            (
                offset_of!(GspStaticConfigInfo, rtd3_gc6_total_board_power),
                1530,
            ),
            (offset_of!(GspStaticConfigInfo, rtd3_gc6_perst_delay), 1532),
            (offset_of!(GspStaticConfigInfo, bar1_pde_base), 1536),
            (offset_of!(GspStaticConfigInfo, bar2_pde_base), 1544),
            (offset_of!(GspStaticConfigInfo, b_vbios_valid), 1552),
            (offset_of!(GspStaticConfigInfo, vbios_sub_vendor), 1556),
            (offset_of!(GspStaticConfigInfo, vbios_sub_device), 1560),
            (
                offset_of!(GspStaticConfigInfo, b_page_retirement_supported),
                1564,
            ),
            (
                offset_of!(GspStaticConfigInfo, b_split_vas_between_server_client_rm),
                1565,
            ),
            (
                offset_of!(GspStaticConfigInfo, b_cl_rootport_needs_nosnoop_war),
                1566,
            ),
            (offset_of!(GspStaticConfigInfo, displayless_max_heads), 1568),
            (
                offset_of!(GspStaticConfigInfo, displayless_max_resolution),
                1576,
            ),
            (
                offset_of!(GspStaticConfigInfo, displayless_max_pixels),
                1592,
            ),
            (offset_of!(GspStaticConfigInfo, h_internal_client), 1600),
            (offset_of!(GspStaticConfigInfo, h_internal_device), 1604),
            (offset_of!(GspStaticConfigInfo, h_internal_subdevice), 1608),
            (offset_of!(GspStaticConfigInfo, b_self_hosted_mode), 1612),
            (offset_of!(GspStaticConfigInfo, b_ats_supported), 1613),
            (offset_of!(GspStaticConfigInfo, b_is_gpu_uefi), 1614),
            (offset_of!(GspStaticConfigInfo, b_is_efi_init), 1615),
            (offset_of!(GspStaticConfigInfo, ecid_info), 1616),
            (offset_of!(GspStaticConfigInfo, fw_wpr_layout_offset), 1640),
        ];
        for (i, (got, want)) in o.iter().enumerate() {
            assert_eq!(got, want, "field {i}");
        }
    }

    #[test]
    fn round_trip_and_readers() {
        let mut s = GspStaticConfigInfo::ZERO;
        s.gpu_name_string[..16].copy_from_slice(b"NVIDIA RTX A6000");
        s.fb_length = 48 << 30;
        s.h_internal_client = 0xc1e0_0002;
        s.fw_wpr_layout_offset.frts_offset = 0xbff0_0000;
        s.fb_region_info_params.num_fb_regions = 2;
        s.fb_region_info_params.fb_region[0] = FbRegionInfo {
            base: 0,
            limit: 0xbfdf_ffff,
            support_compressed: 1,
            support_iso: 1,
            ..FbRegionInfo::ZERO
        };
        s.fb_region_info_params.fb_region[1] = FbRegionInfo {
            base: 0xbfe0_0000,
            limit: 0xbfff_ffff,
            reserved: 0x20_0000,
            ..FbRegionInfo::ZERO
        };
        let mut b = vec![0u8; GspStaticConfigInfo::SIZE];
        s.encode(&mut b).unwrap();
        assert_eq!(&b[1260..1276], b"NVIDIA RTX A6000");
        assert_eq!(&b[1224..1232], &(48u64 << 30).to_le_bytes());
        assert_eq!(&b[1600..1604], &0xc1e0_0002u32.to_le_bytes());
        assert_eq!(&b[1648..1656], &0xbff0_0000u64.to_le_bytes());
        // fbRegion[0].limit at 344 + 8 + 8.
        assert_eq!(&b[360..368], &0xbfdf_ffffu64.to_le_bytes());

        let t = GspStaticConfigInfo::decode(&b).unwrap();
        assert_eq!(t, s);
        assert_eq!(t.gpu_name(), b"NVIDIA RTX A6000");
        assert_eq!(t.gpu_short_name(), b"");
        assert_eq!(t.fb_regions().count(), 2);
        let mut usable = t.usable_fb_ranges();
        assert_eq!(usable.next(), Some(0..0xbfe0_0000));
        assert_eq!(usable.next(), None);
        assert_eq!(GspStaticConfigInfo::decode(&b[..1655]), None);
    }
}
