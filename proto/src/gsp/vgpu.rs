// SPDX-License-Identifier: GPL-2.0
//! Hosting vGPUs: the GSP-RM controls through which the host gives GSP-RM
//! its vGPU types and starts and stops the vGPU plugin task of a virtual
//! function (gfid), the VMMU segment size guest memory is carved in, and
//! the event GSP-RM raises about a plugin task.
//!
//! Numbers and layouts are r570.144's: open-gpu-kernel-modules (tag
//! 570.144) `ctrl/ctrl2080/ctrl2080vgpumgrinternal.h`,
//! `ctrl/ctrl2080/ctrl2080gpu.h` (`GET_VMMU_SEGMENT_SIZE`),
//! `ctrl/ctrla081.h` (`NVA081_CTRL_VGPU_INFO`), `class/cla084_notification.h`
//! and `g_rpc-structures.h` (`rpc_vgpu_gsp_plugin_triggered_v17_00`);
//! sizes and offsets checked by compiling the headers (x86_64). The
//! controls go to GSP-RM's internal subdevice, as Kernel RM sends them
//! (`kernel_hostvgpudeviceapi.c`, `kernel_vgpu_mgr.c`).

/// `NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE`: the granule of guest
/// memory (`NV2080_CTRL_GPU_VMMU_SEGMENT_SIZE_32MB` .. `_512MB`).
pub const NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE: u32 = 0x2080_017e;
/// `..._BOOTLOAD_GSP_VGPU_PLUGIN_TASK`: starts a vGPU's plugin task.
pub const NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK: u32 = 0x2080_4001;
/// `..._SHUTDOWN_GSP_VGPU_PLUGIN_TASK`: stops it.
pub const NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK: u32 = 0x2080_4002;
/// `..._PGPU_ADD_VGPU_TYPE`: the vGPU types the physical GPU offers.
pub const NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_PGPU_ADD_VGPU_TYPE: u32 = 0x2080_4003;
/// `..._VGPU_PLUGIN_CLEANUP`: frees what a stopped plugin task held.
pub const NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP: u32 = 0x2080_4008;

/// The VMMU segment sizes GSP-RM may report (`ctrl2080gpu.h`).
pub const VMMU_SEGMENT_SIZES: [u64; 5] = [32 << 20, 64 << 20, 128 << 20, 256 << 20, 512 << 20];

/// `NV2080_CTRL_MAX_VMMU_SEGMENTS`: guest memory runs per vGPU.
pub const MAX_VMMU_SEGMENTS: usize = 384;
/// `NV2080_GPU_MAX_ENGINES` (= `NV2080_ENGINE_TYPE_LAST`): `chidOffset`'s
/// length, indexed by `NV2080_ENGINE_TYPE_*`.
pub const MAX_ENGINES: usize = 0x54;
/// `NVA081_MAX_VGPU_TYPES_PER_PGPU`.
pub const MAX_VGPU_TYPES: usize = 0x40;
/// `NVA081_MAX_VGPU_PER_PGPU`, also `MAX_PARTITIONS_WITH_GFID`
/// (`nv_sriov_defines.h`): gfids 1..=32.
pub const MAX_VGPUS: u32 = 32;
/// `NVA081_VGPU_STRING_BUFFER_SIZE`.
pub const VGPU_STRING_SIZE: usize = 32;

/// `NV_VGPU_MSG_EVENT_VGPU_GSP_PLUGIN_TRIGGERED` (`rpc_global_enums.h`):
/// GSP-RM tells the host about a plugin task.
pub const EVENT_VGPU_GSP_PLUGIN_TRIGGERED: u32 = 0x100d;
/// `NVA084_NOTIFIERS_PLUGIN_TASK_BOOTLOADED`.
pub const NOTIFY_PLUGIN_TASK_BOOTLOADED: u32 = 0;
/// `NVA084_NOTIFIERS_PLUGIN_TASK_UNLOADED`.
pub const NOTIFY_PLUGIN_TASK_UNLOADED: u32 = 1;
/// `NVA084_NOTIFIERS_PLUGIN_TASK_CRASHED`.
pub const NOTIFY_PLUGIN_TASK_CRASHED: u32 = 2;
/// `NVA084_NOTIFIERS_MAXCOUNT`.
pub const NOTIFY_MAX: u32 = 8;

crate::wire_struct! {
    /// `NV2080_CTRL_GPU_GET_VMMU_SEGMENT_SIZE_PARAMS`.
    pub struct GetVmmuSegmentSizeParams {
        /// `vmmuSegmentSize`: bytes.
        pub vmmu_segment_size: u64,
    }

    /// `..._BOOTLOAD_GSP_VGPU_PLUGIN_TASK_PARAMS` (6616 bytes).
    pub struct BootloadParams {
        /// `dbdf`: the virtual function's domain 31:16, bus 15:8, device
        /// 7:3, function 2:0.
        pub dbdf: u32,
        /// `gfid`: the virtual function's index + 1.
        pub gfid: u32,
        /// `vgpuType`: the type's ID.
        pub vgpu_type: u32,
        /// `vmPid`.
        pub vm_pid: u32,
        /// `swizzId`: the MIG instance (0 without MIG).
        pub swizz_id: u32,
        /// `numChannels`: the vGPU's channel IDs per engine.
        pub num_channels: u32,
        /// `numPluginChannels`: of which the plugin keeps.
        pub num_plugin_channels: u32,
        /// `chidOffset`: the first channel ID of the vGPU on each engine's
        /// runlist, by `NV2080_ENGINE_TYPE_*`.
        pub chid_offset: [u32; MAX_ENGINES],
        /// `bDisableDefaultSmcExecPartRestore` (NvBool).
        pub disable_default_smc_exec_part_restore: u8,
        /// Padding.
        pub _pad0: [u8; 3],
        /// `numGuestFbSegments`: runs in the lists below (1..=384).
        pub num_guest_fb_segments: u32,
        /// Padding.
        pub _pad1: u32,
        /// `guestFbPhysAddrList`: where each run of guest memory starts in
        /// VRAM, VMMU-segment aligned.
        pub guest_fb_phys_addr_list: [u64; MAX_VMMU_SEGMENTS],
        /// `guestFbLengthList`: each run's length, VMMU-segment aligned.
        pub guest_fb_length_list: [u64; MAX_VMMU_SEGMENTS],
        /// `pluginHeapMemoryPhysAddr`: the plugin task's heap in VRAM.
        pub plugin_heap_memory_phys_addr: u64,
        /// `pluginHeapMemoryLength`.
        pub plugin_heap_memory_length: u64,
        /// `ctrlBuffOffset`: the host's control page in the heap.
        pub ctrl_buff_offset: u64,
        /// `initTaskLogBuffOffset`: VRAM address of the init task's log.
        pub init_task_log_buff_offset: u64,
        /// `initTaskLogBuffSize`.
        pub init_task_log_buff_size: u64,
        /// `vgpuTaskLogBuffOffset`.
        pub vgpu_task_log_buff_offset: u64,
        /// `vgpuTaskLogBuffSize`.
        pub vgpu_task_log_buff_size: u64,
        /// `kernelLogBuffOffset`.
        pub kernel_log_buff_offset: u64,
        /// `kernelLogBuffSize`.
        pub kernel_log_buff_size: u64,
        /// `migRmHeapMemoryPhysAddr`.
        pub mig_rm_heap_memory_phys_addr: u64,
        /// `migRmHeapMemoryLength`.
        pub mig_rm_heap_memory_length: u64,
        /// `bDeviceProfilingEnabled` (NvBool).
        pub device_profiling_enabled: u8,
        /// Tail padding.
        pub _pad2: [u8; 7],
    }

    /// `..._SHUTDOWN_GSP_VGPU_PLUGIN_TASK_PARAMS` and
    /// `..._VGPU_PLUGIN_CLEANUP_PARAMS`: which plugin task.
    pub struct GfidParams {
        /// `gfid`.
        pub gfid: u32,
    }

    /// `NVA081_CTRL_VGPU_INFO` (5224 bytes): one vGPU type.
    pub struct VgpuInfo {
        /// `vgpuType`: the type's ID (0 is invalid).
        pub vgpu_type: u32,
        /// `vgpuName`: e.g. "NVIDIA A10-4Q", NUL-terminated.
        pub vgpu_name: [u8; VGPU_STRING_SIZE],
        /// `vgpuClass`: "Quadro", "Compute", "NVS", "GRID".
        pub vgpu_class: [u8; VGPU_STRING_SIZE],
        /// `vgpuSignature`.
        pub vgpu_signature: [u8; 128],
        /// `license`.
        pub license: [u8; 128],
        /// `maxInstance`: vGPUs of this type a GPU holds at most.
        pub max_instance: u32,
        /// `numHeads`.
        pub num_heads: u32,
        /// `maxResolutionX`.
        pub max_resolution_x: u32,
        /// `maxResolutionY`.
        pub max_resolution_y: u32,
        /// `maxPixels`.
        pub max_pixels: u32,
        /// `frlConfig`.
        pub frl_config: u32,
        /// `cudaEnabled`.
        pub cuda_enabled: u32,
        /// `eccSupported`.
        pub ecc_supported: u32,
        /// `gpuInstanceSize`: MIG only.
        pub gpu_instance_size: u32,
        /// `multiVgpuSupported`.
        pub multi_vgpu_supported: u32,
        /// Padding.
        pub _pad0: u32,
        /// `vdevId`: the vGPU's PCI device ID << 16 | its subsystem ID.
        pub vdev_id: u64,
        /// `pdevId`: the physical GPU's PCI device ID.
        pub pdev_id: u64,
        /// `profileSize`: bytes of guest memory the type is sold with.
        pub profile_size: u64,
        /// `fbLength`: bytes of guest memory.
        pub fb_length: u64,
        /// `gspHeapSize`: bytes of plugin heap.
        pub gsp_heap_size: u64,
        /// `fbReservation`.
        pub fb_reservation: u64,
        /// `mappableVideoSize`.
        pub mappable_video_size: u64,
        /// `encoderCapacity`.
        pub encoder_capacity: u32,
        /// Padding.
        pub _pad1: u32,
        /// `bar1Length`: the guest's BAR1, in MiB.
        pub bar1_length: u64,
        /// `frlEnable`.
        pub frl_enable: u32,
        /// `adapterName`.
        pub adapter_name: [u8; 64],
        /// `adapterName_Unicode`.
        pub adapter_name_unicode: [u16; 64],
        /// `shortGpuNameString`.
        pub short_gpu_name_string: [u8; 64],
        /// `licensedProductName`.
        pub licensed_product_name: [u8; 128],
        /// `vgpuExtraParams`.
        pub vgpu_extra_params: [u32; 1024],
        /// `ftraceEnable`.
        pub ftrace_enable: u32,
        /// `gpuDirectSupported`.
        pub gpu_direct_supported: u32,
        /// `nvlinkP2PSupported`.
        pub nvlink_p2p_supported: u32,
        /// `multiVgpuExclusive`.
        pub multi_vgpu_exclusive: u32,
        /// `exclusiveType`.
        pub exclusive_type: u32,
        /// `exclusiveSize`.
        pub exclusive_size: u32,
        /// `gpuInstanceProfileId`.
        pub gpu_instance_profile_id: u32,
        /// `placementSize`.
        pub placement_size: u32,
        /// `homogeneousPlacementCount`.
        pub homogeneous_placement_count: u32,
        /// `homogeneousPlacementIds`.
        pub homogeneous_placement_ids: [u32; MAX_VGPUS as usize],
        /// `heterogeneousPlacementCount`.
        pub heterogeneous_placement_count: u32,
        /// `heterogeneousPlacementIds`.
        pub heterogeneous_placement_ids: [u32; MAX_VGPUS as usize],
        /// Tail padding.
        pub _pad2: u32,
    }

    /// The head of `..._PGPU_ADD_VGPU_TYPE_PARAMS`; [`MAX_VGPU_TYPES`]
    /// [`VgpuInfo`]s follow it (334,344 bytes in all, see
    /// [`ADD_VGPU_TYPE_PARAMS_SIZE`]).
    pub struct AddVgpuTypeHead {
        /// `discardVgpuTypes` (NvBool): replace the types GSP-RM has.
        pub discard_vgpu_types: u8,
        /// Padding.
        pub _pad0: [u8; 3],
        /// `vgpuInfoCount`: entries used.
        pub vgpu_info_count: u32,
    }

    /// `rpc_vgpu_gsp_plugin_triggered_v17_00`: the payload of
    /// [`EVENT_VGPU_GSP_PLUGIN_TRIGGERED`].
    pub struct PluginTriggered {
        /// `gfid`.
        pub gfid: u32,
        /// `notifyIndex`: `NVA084_NOTIFIERS_*`.
        pub notify_index: u32,
    }
}

/// Size of `..._PGPU_ADD_VGPU_TYPE_PARAMS`: the head and all
/// [`MAX_VGPU_TYPES`] entries, used or not. It travels as one control
/// split over continuation records, and its reply the same way.
pub const ADD_VGPU_TYPE_PARAMS_SIZE: usize = <AddVgpuTypeHead as crate::wire::Wire>::SIZE
    + MAX_VGPU_TYPES * <VgpuInfo as crate::wire::Wire>::SIZE;

/// Where entry `i` of `..._PGPU_ADD_VGPU_TYPE_PARAMS` starts.
pub const fn add_vgpu_type_entry_offset(i: usize) -> usize {
    <AddVgpuTypeHead as crate::wire::Wire>::SIZE + i * <VgpuInfo as crate::wire::Wire>::SIZE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Wire;
    use core::mem::{offset_of, size_of};

    #[test]
    fn sizes_match_r570() {
        assert_eq!(size_of::<BootloadParams>(), 6616);
        assert_eq!(size_of::<VgpuInfo>(), 5224);
        assert_eq!(ADD_VGPU_TYPE_PARAMS_SIZE, 334_344);
        assert_eq!(size_of::<GfidParams>(), 4);
        assert_eq!(size_of::<GetVmmuSegmentSizeParams>(), 8);
        assert_eq!(size_of::<PluginTriggered>(), 8);
        assert_eq!(add_vgpu_type_entry_offset(1), 8 + 5224);
    }

    #[test]
    fn bootload_offsets_match_r570() {
        for (off, want) in [
            (offset_of!(BootloadParams, gfid), 4),
            (offset_of!(BootloadParams, num_plugin_channels), 24),
            (offset_of!(BootloadParams, chid_offset), 28),
            (
                offset_of!(BootloadParams, disable_default_smc_exec_part_restore),
                364,
            ),
            (offset_of!(BootloadParams, num_guest_fb_segments), 368),
            (offset_of!(BootloadParams, guest_fb_phys_addr_list), 376),
            (offset_of!(BootloadParams, guest_fb_length_list), 3448),
            (
                offset_of!(BootloadParams, plugin_heap_memory_phys_addr),
                6520,
            ),
            (offset_of!(BootloadParams, ctrl_buff_offset), 6536),
            (offset_of!(BootloadParams, kernel_log_buff_size), 6584),
            (offset_of!(BootloadParams, mig_rm_heap_memory_length), 6600),
            (offset_of!(BootloadParams, device_profiling_enabled), 6608),
        ] {
            assert_eq!(off, want);
        }
    }

    #[test]
    fn vgpu_info_offsets_match_r570() {
        for (off, want) in [
            (offset_of!(VgpuInfo, vgpu_name), 4),
            (offset_of!(VgpuInfo, vgpu_class), 36),
            (offset_of!(VgpuInfo, license), 196),
            (offset_of!(VgpuInfo, max_instance), 324),
            (offset_of!(VgpuInfo, multi_vgpu_supported), 360),
            (offset_of!(VgpuInfo, vdev_id), 368),
            (offset_of!(VgpuInfo, pdev_id), 376),
            (offset_of!(VgpuInfo, fb_length), 392),
            (offset_of!(VgpuInfo, gsp_heap_size), 400),
            (offset_of!(VgpuInfo, encoder_capacity), 424),
            (offset_of!(VgpuInfo, bar1_length), 432),
            (offset_of!(VgpuInfo, frl_enable), 440),
            (offset_of!(VgpuInfo, adapter_name), 444),
            (offset_of!(VgpuInfo, adapter_name_unicode), 508),
            (offset_of!(VgpuInfo, short_gpu_name_string), 636),
            (offset_of!(VgpuInfo, licensed_product_name), 700),
            (offset_of!(VgpuInfo, vgpu_extra_params), 828),
            (offset_of!(VgpuInfo, ftrace_enable), 4924),
            (offset_of!(VgpuInfo, placement_size), 4952),
            (offset_of!(VgpuInfo, homogeneous_placement_ids), 4960),
            (offset_of!(VgpuInfo, heterogeneous_placement_count), 5088),
            (offset_of!(VgpuInfo, heterogeneous_placement_ids), 5092),
        ] {
            assert_eq!(off, want);
        }
    }

    #[test]
    fn bootload_round_trips() {
        let mut p = BootloadParams::ZERO;
        p.gfid = 3;
        p.num_guest_fb_segments = 1;
        p.guest_fb_phys_addr_list[0] = 0x4000_0000;
        p.guest_fb_length_list[0] = 0x4000_0000;
        p.chid_offset[9] = 512;
        let mut b = [0u8; BootloadParams::SIZE];
        p.encode(&mut b).unwrap();
        assert_eq!(b[4], 3);
        assert_eq!(&b[376..384], &0x4000_0000u64.to_le_bytes());
        assert_eq!(&b[28 + 9 * 4..28 + 10 * 4], &512u32.to_le_bytes());
        assert_eq!(BootloadParams::decode(&b), Some(p));
    }
}
