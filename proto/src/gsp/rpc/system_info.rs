// SPDX-License-Identifier: GPL-2.0
//! `GSP_SET_SYSTEM_INFO` payload: `GspSystemInfo` and the structures it
//! nests (`BUSINFO`, `ACPI_METHOD_DATA` and its parts, `GSP_VF_INFO`,
//! `GSP_PCIE_CONFIG_REG`).
//!
//! Layouts from nova-core `r570_144/bindings.rs` and nouveau
//! `r570/nvrm/gsp.h` (NVIDIA `gsp_static_config.h`, 570.144); offsets
//! cross-checked with NVIDIA `gsp_abi_check.c` (570.144). Nova fills the
//! physical BAR addresses, `nvDomainBusDeviceFunc`, `maxUserVa`, the PCI
//! config mirror range and the PCI ids, and leaves the rest zero.

/// `NV0073_CTRL_SYSTEM_ACPI_ID_MAP_MAX_DISPLAYS`.
pub const NV0073_CTRL_SYSTEM_ACPI_ID_MAP_MAX_DISPLAYS: usize = 16;

/// `maxUserVa` as nova sets it: `(1 << 47) - 4096`.
pub const DEFAULT_MAX_USER_VA: u64 = (1 << 47) - 4096;

crate::wire_struct! {
    /// `BUSINFO`: PCI ids of a bridge or chipset.
    pub struct BusInfo {
        /// `deviceID`.
        pub device_id: u16,
        /// `vendorID`.
        pub vendor_id: u16,
        /// `subdeviceID`.
        pub subdevice_id: u16,
        /// `subvendorID`.
        pub subvendor_id: u16,
        /// `revisionID`.
        pub revision_id: u8,
        /// Tail padding.
        pub _pad0: u8,
    }

    /// `DOD_METHOD_DATA`.
    pub struct DodMethodData {
        /// `status` (NV_STATUS).
        pub status: u32,
        /// `acpiIdListLen`.
        pub acpi_id_list_len: u32,
        /// `acpiIdList`.
        pub acpi_id_list: [u32; NV0073_CTRL_SYSTEM_ACPI_ID_MAP_MAX_DISPLAYS],
    }

    /// `JT_METHOD_DATA`.
    pub struct JtMethodData {
        /// `status` (NV_STATUS).
        pub status: u32,
        /// `jtCaps`.
        pub jt_caps: u32,
        /// `jtRevId`.
        pub jt_rev_id: u16,
        /// `bSBIOSCaps` (NvBool).
        pub b_sbios_caps: u8,
        /// Tail padding.
        pub _pad0: u8,
    }

    /// `MUX_METHOD_DATA_ELEMENT`.
    pub struct MuxMethodDataElement {
        /// `acpiId`.
        pub acpi_id: u32,
        /// `mode`.
        pub mode: u32,
        /// `status` (NV_STATUS).
        pub status: u32,
    }

    /// `MUX_METHOD_DATA`.
    pub struct MuxMethodData {
        /// `tableLen`.
        pub table_len: u32,
        /// `acpiIdMuxModeTable`.
        pub acpi_id_mux_mode_table: [MuxMethodDataElement; NV0073_CTRL_SYSTEM_ACPI_ID_MAP_MAX_DISPLAYS],
        /// `acpiIdMuxPartTable`.
        pub acpi_id_mux_part_table: [MuxMethodDataElement; NV0073_CTRL_SYSTEM_ACPI_ID_MAP_MAX_DISPLAYS],
        /// `acpiIdMuxStateTable`.
        pub acpi_id_mux_state_table: [MuxMethodDataElement; NV0073_CTRL_SYSTEM_ACPI_ID_MAP_MAX_DISPLAYS],
    }

    /// `CAPS_METHOD_DATA`.
    pub struct CapsMethodData {
        /// `status` (NV_STATUS).
        pub status: u32,
        /// `optimusCaps`.
        pub optimus_caps: u32,
    }

    /// `ACPI_METHOD_DATA`.
    pub struct AcpiMethodData {
        /// `bValid` (NvBool).
        pub b_valid: u8,
        /// Padding.
        pub _pad0: [u8; 3],
        /// `dodMethodData`.
        pub dod_method_data: DodMethodData,
        /// `jtMethodData`.
        pub jt_method_data: JtMethodData,
        /// `muxMethodData`.
        pub mux_method_data: MuxMethodData,
        /// `capsMethodData`.
        pub caps_method_data: CapsMethodData,
    }

    /// `GSP_VF_INFO`: SR-IOV virtual function layout.
    pub struct GspVfInfo {
        /// `totalVFs`.
        pub total_vfs: u32,
        /// `firstVFOffset`.
        pub first_vf_offset: u32,
        /// `FirstVFBar0Address`.
        pub first_vf_bar0_address: u64,
        /// `FirstVFBar1Address`.
        pub first_vf_bar1_address: u64,
        /// `FirstVFBar2Address`.
        pub first_vf_bar2_address: u64,
        /// `b64bitBar0` (NvBool).
        pub b64bit_bar0: u8,
        /// `b64bitBar1` (NvBool).
        pub b64bit_bar1: u8,
        /// `b64bitBar2` (NvBool).
        pub b64bit_bar2: u8,
        /// Tail padding.
        pub _pad0: [u8; 5],
    }

    /// `GSP_PCIE_CONFIG_REG`.
    pub struct GspPcieConfigReg {
        /// `linkCap`: PCIe link capabilities.
        pub link_cap: u32,
    }

    /// `GspSystemInfo`: what the CPU tells GSP-RM about the platform.
    pub struct GspSystemInfo {
        /// `gpuPhysAddr`: BAR0 physical address.
        pub gpu_phys_addr: u64,
        /// `gpuPhysFbAddr`: BAR1 physical address.
        pub gpu_phys_fb_addr: u64,
        /// `gpuPhysInstAddr`: BAR2/3 physical address.
        pub gpu_phys_inst_addr: u64,
        /// `gpuPhysIoAddr`.
        pub gpu_phys_io_addr: u64,
        /// `nvDomainBusDeviceFunc`: where the GPU is on the bus, domain
        /// 63:32, bus 15:8, device 7:0, no function (open-gpu-kernel-modules
        /// `gpu.h` `NVGPU_BUSDEVICE_*`).
        pub nv_domain_bus_device_func: u64,
        /// `simAccessBufPhysAddr`.
        pub sim_access_buf_phys_addr: u64,
        /// `notifyOpSharedSurfacePhysAddr`.
        pub notify_op_shared_surface_phys_addr: u64,
        /// `pcieAtomicsOpMask`.
        pub pcie_atomics_op_mask: u64,
        /// `consoleMemSize`.
        pub console_mem_size: u64,
        /// `maxUserVa` (nova: [`DEFAULT_MAX_USER_VA`]).
        pub max_user_va: u64,
        /// `pciConfigMirrorBase`.
        pub pci_config_mirror_base: u32,
        /// `pciConfigMirrorSize`.
        pub pci_config_mirror_size: u32,
        /// `PCIDeviceID`: device id << 16 | vendor id.
        pub pci_device_id: u32,
        /// `PCISubDeviceID`: subsystem device << 16 | subsystem vendor.
        pub pci_sub_device_id: u32,
        /// `PCIRevisionID`.
        pub pci_revision_id: u32,
        /// `pcieAtomicsCplDeviceCapMask`.
        pub pcie_atomics_cpl_device_cap_mask: u32,
        /// `oorArch`.
        pub oor_arch: u8,
        /// Padding.
        pub _pad0: [u8; 7],
        /// `clPdbProperties`.
        pub cl_pdb_properties: u64,
        /// `Chipset`.
        pub chipset: u32,
        /// `bGpuBehindBridge` (NvBool).
        pub b_gpu_behind_bridge: u8,
        /// `bFlrSupported` (NvBool).
        pub b_flr_supported: u8,
        /// `b64bBar0Supported` (NvBool).
        pub b64b_bar0_supported: u8,
        /// `bMnocAvailable` (NvBool).
        pub b_mnoc_available: u8,
        /// `chipsetL1ssEnable`.
        pub chipset_l1ss_enable: u32,
        /// `bUpstreamL0sUnsupported` (NvBool).
        pub b_upstream_l0s_unsupported: u8,
        /// `bUpstreamL1Unsupported` (NvBool).
        pub b_upstream_l1_unsupported: u8,
        /// `bUpstreamL1PorSupported` (NvBool).
        pub b_upstream_l1_por_supported: u8,
        /// `bUpstreamL1PorMobileOnly` (NvBool).
        pub b_upstream_l1_por_mobile_only: u8,
        /// `bSystemHasMux` (NvBool).
        pub b_system_has_mux: u8,
        /// `upstreamAddressValid`.
        pub upstream_address_valid: u8,
        /// `FHBBusInfo`.
        pub fhb_bus_info: BusInfo,
        /// `chipsetIDInfo`.
        pub chipset_id_info: BusInfo,
        /// Padding.
        pub _pad1: [u8; 2],
        /// `acpiMethodData`.
        pub acpi_method_data: AcpiMethodData,
        /// `hypervisorType`.
        pub hypervisor_type: u32,
        /// `bIsPassthru` (NvBool).
        pub b_is_passthru: u8,
        /// Padding.
        pub _pad2: [u8; 7],
        /// `sysTimerOffsetNs`.
        pub sys_timer_offset_ns: u64,
        /// `gspVFInfo`.
        pub gsp_vf_info: GspVfInfo,
        /// `bIsPrimary` (NvBool).
        pub b_is_primary: u8,
        /// `isGridBuild` (NvBool).
        pub is_grid_build: u8,
        /// Padding.
        pub _pad3: [u8; 2],
        /// `pcieConfigReg`.
        pub pcie_config_reg: GspPcieConfigReg,
        /// `gridBuildCsp`.
        pub grid_build_csp: u32,
        /// `bPreserveVideoMemoryAllocations` (NvBool).
        pub b_preserve_video_memory_allocations: u8,
        /// `bTdrEventSupported` (NvBool).
        pub b_tdr_event_supported: u8,
        /// `bFeatureStretchVblankCapable` (NvBool).
        pub b_feature_stretch_vblank_capable: u8,
        /// `bEnableDynamicGranularityPageArrays` (NvBool).
        pub b_enable_dynamic_granularity_page_arrays: u8,
        /// `bClockBoostSupported` (NvBool).
        pub b_clock_boost_supported: u8,
        /// `bRouteDispIntrsToCPU` (NvBool).
        pub b_route_disp_intrs_to_cpu: u8,
        /// Padding.
        pub _pad4: [u8; 6],
        /// `hostPageSize`.
        pub host_page_size: u64,
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
        // Four u16 + u8, padded to 2: 10. gsp_abi_check.c: BUSINFO 10,
        // revisionID at 8.
        assert_eq!(size_of::<BusInfo>(), 10);
        assert_eq!(offset_of!(BusInfo, subvendor_id), 6);
        assert_eq!(offset_of!(BusInfo, revision_id), 8);
        // 4 + 4 + 16 * 4 = 72 (gsp_abi_check.c DOD_METHOD_DATA 72).
        assert_eq!(size_of::<DodMethodData>(), 72);
        // 4 + 4 + 2 + 1, padded to 12 (JT_METHOD_DATA 12, bSBIOSCaps 10).
        assert_eq!(size_of::<JtMethodData>(), 12);
        assert_eq!(offset_of!(JtMethodData, b_sbios_caps), 10);
        // 12 and 4 + 3 * 16 * 12 = 580 (tables at 4, 196, 388).
        assert_eq!(size_of::<MuxMethodDataElement>(), 12);
        assert_eq!(size_of::<MuxMethodData>(), 580);
        assert_eq!(offset_of!(MuxMethodData, acpi_id_mux_part_table), 196);
        assert_eq!(offset_of!(MuxMethodData, acpi_id_mux_state_table), 388);
        assert_eq!(size_of::<CapsMethodData>(), 8);
        // 1 + 3 pad + 72 + 12 + 580 + 8 = 676 (ACPI_METHOD_DATA 676:
        // dod 4, jt 76, mux 88, caps 668).
        assert_eq!(size_of::<AcpiMethodData>(), 676);
        assert_eq!(offset_of!(AcpiMethodData, dod_method_data), 4);
        assert_eq!(offset_of!(AcpiMethodData, jt_method_data), 76);
        assert_eq!(offset_of!(AcpiMethodData, mux_method_data), 88);
        assert_eq!(offset_of!(AcpiMethodData, caps_method_data), 668);
        // 4 + 4 + 3 * 8 + 3, padded to 40 (GSP_VF_INFO 40, b64bitBar0 32).
        assert_eq!(size_of::<GspVfInfo>(), 40);
        assert_eq!(offset_of!(GspVfInfo, first_vf_bar0_address), 8);
        assert_eq!(offset_of!(GspVfInfo, b64bit_bar0), 32);
        assert_eq!(size_of::<GspPcieConfigReg>(), 4);
    }

    #[test]
    fn system_info_layout() {
        // Derived from gsp.h field by field; gsp_abi_check.c (570.144) pins
        // the same offsets (size >= 920; 928 with the 8-aligned tail).
        assert_eq!(size_of::<GspSystemInfo>(), 928);
        let o = [
            (offset_of!(GspSystemInfo, gpu_phys_addr), 0),
            (offset_of!(GspSystemInfo, gpu_phys_fb_addr), 8),
            (offset_of!(GspSystemInfo, gpu_phys_inst_addr), 16),
            (offset_of!(GspSystemInfo, gpu_phys_io_addr), 24),
            (offset_of!(GspSystemInfo, nv_domain_bus_device_func), 32),
            (offset_of!(GspSystemInfo, sim_access_buf_phys_addr), 40),
            (
                offset_of!(GspSystemInfo, notify_op_shared_surface_phys_addr),
                48,
            ),
            (offset_of!(GspSystemInfo, pcie_atomics_op_mask), 56),
            (offset_of!(GspSystemInfo, console_mem_size), 64),
            (offset_of!(GspSystemInfo, max_user_va), 72),
            (offset_of!(GspSystemInfo, pci_config_mirror_base), 80),
            (offset_of!(GspSystemInfo, pci_config_mirror_size), 84),
            (offset_of!(GspSystemInfo, pci_device_id), 88),
            (offset_of!(GspSystemInfo, pci_sub_device_id), 92),
            (offset_of!(GspSystemInfo, pci_revision_id), 96),
            (
                offset_of!(GspSystemInfo, pcie_atomics_cpl_device_cap_mask),
                100,
            ),
            (offset_of!(GspSystemInfo, oor_arch), 104),
            (offset_of!(GspSystemInfo, cl_pdb_properties), 112),
            (offset_of!(GspSystemInfo, chipset), 120),
            (offset_of!(GspSystemInfo, b_gpu_behind_bridge), 124),
            (offset_of!(GspSystemInfo, b_flr_supported), 125),
            (offset_of!(GspSystemInfo, b64b_bar0_supported), 126),
            (offset_of!(GspSystemInfo, b_mnoc_available), 127),
            (offset_of!(GspSystemInfo, chipset_l1ss_enable), 128),
            (offset_of!(GspSystemInfo, b_upstream_l0s_unsupported), 132),
            (offset_of!(GspSystemInfo, b_upstream_l1_unsupported), 133),
            (offset_of!(GspSystemInfo, b_upstream_l1_por_supported), 134),
            (
                offset_of!(GspSystemInfo, b_upstream_l1_por_mobile_only),
                135,
            ),
            (offset_of!(GspSystemInfo, b_system_has_mux), 136),
            (offset_of!(GspSystemInfo, upstream_address_valid), 137),
            (offset_of!(GspSystemInfo, fhb_bus_info), 138),
            (offset_of!(GspSystemInfo, chipset_id_info), 148),
            (offset_of!(GspSystemInfo, acpi_method_data), 160),
            (offset_of!(GspSystemInfo, hypervisor_type), 836),
            (offset_of!(GspSystemInfo, b_is_passthru), 840),
            (offset_of!(GspSystemInfo, sys_timer_offset_ns), 848),
            (offset_of!(GspSystemInfo, gsp_vf_info), 856),
            (offset_of!(GspSystemInfo, b_is_primary), 896),
            (offset_of!(GspSystemInfo, is_grid_build), 897),
            (offset_of!(GspSystemInfo, pcie_config_reg), 900),
            (offset_of!(GspSystemInfo, grid_build_csp), 904),
            (
                offset_of!(GspSystemInfo, b_preserve_video_memory_allocations),
                908,
            ),
            (offset_of!(GspSystemInfo, b_tdr_event_supported), 909),
            (
                offset_of!(GspSystemInfo, b_feature_stretch_vblank_capable),
                910,
            ),
            (
                offset_of!(GspSystemInfo, b_enable_dynamic_granularity_page_arrays),
                911,
            ),
            (offset_of!(GspSystemInfo, b_clock_boost_supported), 912),
            (offset_of!(GspSystemInfo, b_route_disp_intrs_to_cpu), 913),
            (offset_of!(GspSystemInfo, host_page_size), 920),
        ];
        for (i, (got, want)) in o.iter().enumerate() {
            assert_eq!(got, want, "field {i}");
        }
        // Fits one queue element with both headers (nova: < GSP_PAGE_SIZE).
        const { assert!(GspSystemInfo::SIZE + 48 + 32 <= 0x1000) };
        assert_eq!(DEFAULT_MAX_USER_VA, 0x7fff_ffff_f000);
    }

    #[test]
    fn round_trip() {
        let mut s = GspSystemInfo::ZERO;
        s.gpu_phys_addr = 0xfb00_0000;
        s.gpu_phys_fb_addr = 0x38_0000_0000;
        s.pci_device_id = (0x2204 << 16) | 0x10de;
        s.max_user_va = DEFAULT_MAX_USER_VA;
        s.fhb_bus_info.revision_id = 0xa1;
        s.acpi_method_data.caps_method_data.optimus_caps = 0x1234;
        s.gsp_vf_info.b64bit_bar2 = 1;
        s.host_page_size = 4096;
        let mut b = vec![0u8; GspSystemInfo::SIZE];
        s.encode(&mut b).unwrap();
        assert_eq!(&b[88..92], &[0xde, 0x10, 0x04, 0x22]);
        assert_eq!(b[138 + 8], 0xa1);
        assert_eq!(&b[160 + 668 + 4..160 + 672 + 4], &0x1234u32.to_le_bytes());
        assert_eq!(b[856 + 34], 1);
        assert_eq!(&b[920..928], &4096u64.to_le_bytes());
        assert_eq!(GspSystemInfo::decode(&b), Some(s));
        assert_eq!(GspSystemInfo::decode(&b[..927]), None);
    }
}
