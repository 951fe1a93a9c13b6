// SPDX-License-Identifier: GPL-2.0
//! RM object classes, their allocation parameters, and the control calls
//! (`GSP_RM_CONTROL` commands) the driver makes, with their parameters.
//!
//! Sources: NVIDIA open-gpu-kernel-modules at tag 570.144 (`class/cl*.h`,
//! `nvos.h`, `ctrl/ctrl2080/ctrl2080{gpu,fb,event,base}.h`,
//! `ctrl/ctrlxxxx.h`, `rmapi/control.h`, `rmapi/rmapi.h`), nouveau
//! `r535/nvrm/{client,device,event}.h`, `r570/nvrm/client.h` and
//! nova-core `r570_144/bindings.rs`; sizes and offsets cross-checked with
//! NVIDIA `gsp_abi_check.c` (570.144) where it lists them.
//!
//! Benchmark control: [`BENCH_CONTROL`] is [`NV2080_CTRL_CMD_NULL`]. RM
//! answers every "NULL" command (`NVXXXX_CTRL_CMD_NULL`, or category 0 and
//! index 0 of any class) with `NV_OK` at the top of `_rmapiRmControl()`
//! (rmapi/control.c), before any lookup, so it measures exactly the RPC
//! round trip: queue write, GSP dispatch, reply. It takes no parameters.
//! Because the check comes before handle validation, it does not prove the
//! handles are valid.

use super::super::wire::Wire;

// ---------------------------------------------------------------------------
// Classes.

/// `NV01_ROOT` (cl0000.h): an RM client; nouveau allocates clients with it.
pub const NV01_ROOT: u32 = 0x0000;
/// `NV01_ROOT_NON_PRIV` (cl0001.h).
pub const NV01_ROOT_NON_PRIV: u32 = 0x0001;
/// `NV01_ROOT_CLIENT` (nvos.h, g_allclasses.h).
pub const NV01_ROOT_CLIENT: u32 = 0x0041;
/// `NV01_EVENT` (cl0005.h).
pub const NV01_EVENT: u32 = 0x0005;
/// `NV01_MEMORY_SYSTEM` (cl003e.h).
pub const NV01_MEMORY_SYSTEM: u32 = 0x003e;
/// `NV01_MEMORY_LOCAL_USER` (cl0040.h): video memory.
pub const NV01_MEMORY_LOCAL_USER: u32 = 0x0040;
/// `NV04_DISPLAY_COMMON` (cl0073.h).
pub const NV04_DISPLAY_COMMON: u32 = 0x0073;
/// `NV01_EVENT_OS_EVENT` (nvos.h).
pub const NV01_EVENT_OS_EVENT: u32 = 0x0079;
/// `NV01_EVENT_KERNEL_CALLBACK_EX` (nvos.h): the event class nouveau
/// allocates under a subdevice.
pub const NV01_EVENT_KERNEL_CALLBACK_EX: u32 = 0x007e;
/// `NV01_DEVICE_0` (cl0080.h): a GPU device.
pub const NV01_DEVICE_0: u32 = 0x0080;
/// `NV01_MEMORY_LIST_SYSTEM` (cl0081.h, nouveau fbsr.h).
pub const NV01_MEMORY_LIST_SYSTEM: u32 = 0x0081;
/// `NV01_MEMORY_LIST_FBMEM` (cl0082.h, nouveau fbsr.h).
pub const NV01_MEMORY_LIST_FBMEM: u32 = 0x0082;
/// `NV20_SUBDEVICE_0` (cl2080.h): a GPU subdevice.
pub const NV20_SUBDEVICE_0: u32 = 0x2080;
/// `NV50_THIRD_PARTY_P2P` (cl503c.h).
pub const NV50_THIRD_PARTY_P2P: u32 = 0x503c;
/// `NV50_MEMORY_VIRTUAL` (cl50a0.h).
pub const NV50_MEMORY_VIRTUAL: u32 = 0x50a0;
/// `GF100_SUBDEVICE_MASTER` (cl90e6.h).
pub const GF100_SUBDEVICE_MASTER: u32 = 0x90e6;
/// `FERMI_VASPACE_A` (cl90f1.h): a GPU virtual address space.
pub const FERMI_VASPACE_A: u32 = 0x90f1;
/// `KEPLER_CHANNEL_GROUP_A` (cla06c.h): a TSG.
pub const KEPLER_CHANNEL_GROUP_A: u32 = 0xa06c;
/// `VOLTA_USERMODE_A` (clc361.h).
pub const VOLTA_USERMODE_A: u32 = 0xc361;
/// `TURING_USERMODE_A` (clc461.h).
pub const TURING_USERMODE_A: u32 = 0xc461;
/// `TURING_CHANNEL_GPFIFO_A` (clc46f.h).
pub const TURING_CHANNEL_GPFIFO_A: u32 = 0xc46f;
/// `AMPERE_USERMODE_A` (clc561.h).
pub const AMPERE_USERMODE_A: u32 = 0xc561;
/// `AMPERE_CHANNEL_GPFIFO_A` (clc56f.h).
pub const AMPERE_CHANNEL_GPFIFO_A: u32 = 0xc56f;
/// `TURING_A` (clc597.h): 3D.
pub const TURING_A: u32 = 0xc597;
/// `TURING_DMA_COPY_A` (clc5b5.h).
pub const TURING_DMA_COPY_A: u32 = 0xc5b5;
/// `TURING_COMPUTE_A` (clc5c0.h).
pub const TURING_COMPUTE_A: u32 = 0xc5c0;
/// `HOPPER_USERMODE_A` (clc661.h).
pub const HOPPER_USERMODE_A: u32 = 0xc661;
/// `AMPERE_A` (clc697.h).
pub const AMPERE_A: u32 = 0xc697;
/// `AMPERE_DMA_COPY_A` (clc6b5.h).
pub const AMPERE_DMA_COPY_A: u32 = 0xc6b5;
/// `AMPERE_COMPUTE_A` (clc6c0.h).
pub const AMPERE_COMPUTE_A: u32 = 0xc6c0;
/// `AMPERE_B` (clc797.h): GA10x 3D.
pub const AMPERE_B: u32 = 0xc797;
/// `AMPERE_DMA_COPY_B` (clc7b5.h): GA10x copy engine.
pub const AMPERE_DMA_COPY_B: u32 = 0xc7b5;
/// `AMPERE_COMPUTE_B` (clc7c0.h): GA10x compute.
pub const AMPERE_COMPUTE_B: u32 = 0xc7c0;
/// `HOPPER_CHANNEL_GPFIFO_A` (clc86f.h).
pub const HOPPER_CHANNEL_GPFIFO_A: u32 = 0xc86f;
/// `HOPPER_DMA_COPY_A` (clc8b5.h).
pub const HOPPER_DMA_COPY_A: u32 = 0xc8b5;
/// `ADA_A` (clc997.h).
pub const ADA_A: u32 = 0xc997;
/// `ADA_COMPUTE_A` (clc9c0.h).
pub const ADA_COMPUTE_A: u32 = 0xc9c0;
/// `HOPPER_A` (clcb97.h).
pub const HOPPER_A: u32 = 0xcb97;
/// `HOPPER_COMPUTE_A` (clcbc0.h).
pub const HOPPER_COMPUTE_A: u32 = 0xcbc0;

// ---------------------------------------------------------------------------
// Allocation parameters.

/// `NV_PROC_NAME_MAX_LENGTH` (cl0000.h).
pub const NV_PROC_NAME_MAX_LENGTH: usize = 100;

/// `NV_DEVICE_ALLOCATION_VAMODE_OPTIONAL_MULTIPLE_VASPACES` (nvos.h), the default.
pub const NV_DEVICE_ALLOCATION_VAMODE_OPTIONAL_MULTIPLE_VASPACES: u32 = 0;
/// `NV_DEVICE_ALLOCATION_VAMODE_SINGLE_VASPACE`.
pub const NV_DEVICE_ALLOCATION_VAMODE_SINGLE_VASPACE: u32 = 1;
/// `NV_DEVICE_ALLOCATION_VAMODE_MULTIPLE_VASPACES`.
pub const NV_DEVICE_ALLOCATION_VAMODE_MULTIPLE_VASPACES: u32 = 2;
/// `NV_DEVICE_ALLOCATION_FLAGS_NONE`.
pub const NV_DEVICE_ALLOCATION_FLAGS_NONE: u32 = 0;
/// `NV_DEVICE_ALLOCATION_FLAGS_VASPACE_SIZE`: `vaSpaceSize` is valid.
pub const NV_DEVICE_ALLOCATION_FLAGS_VASPACE_SIZE: u32 = 0x8;

/// `NV01_EVENT_BROADCAST` (nvos.h), flag in `notifyIndex`.
pub const NV01_EVENT_BROADCAST: u32 = 0x8000_0000;
/// `NV01_EVENT_SUBDEVICE_SPECIFIC`.
pub const NV01_EVENT_SUBDEVICE_SPECIFIC: u32 = 0x2000_0000;
/// `NV01_EVENT_WITHOUT_EVENT_DATA`.
pub const NV01_EVENT_WITHOUT_EVENT_DATA: u32 = 0x1000_0000;
/// `NV01_EVENT_NONSTALL_INTR`.
pub const NV01_EVENT_NONSTALL_INTR: u32 = 0x0800_0000;
/// `NV01_EVENT_CLIENT_RM`: the event goes to the CPU-side RM (nouveau ORs
/// it into `notifyIndex`).
pub const NV01_EVENT_CLIENT_RM: u32 = 0x0400_0000;

crate::wire_struct! {
    /// `NV0000_ALLOC_PARAMETERS` (cl0000.h, 570.144): allocation parameters
    /// of [`NV01_ROOT`].
    pub struct Nv0000AllocParameters {
        /// `hClient`: the new client's handle (nouveau passes the object's handle).
        pub h_client: u32,
        /// `processID` (nouveau: `~0`).
        pub process_id: u32,
        /// `processName`.
        pub process_name: [u8; NV_PROC_NAME_MAX_LENGTH],
        /// Padding before the aligned `pOsPidInfo`.
        pub _pad0: [u8; 4],
        /// `pOsPidInfo` (NvP64, 8-aligned).
        pub p_os_pid_info: u64,
    }

    /// `NV0080_ALLOC_PARAMETERS` (cl0080.h): allocation parameters of
    /// [`NV01_DEVICE_0`].
    pub struct Nv0080AllocParameters {
        /// `deviceId`.
        pub device_id: u32,
        /// `hClientShare` (nouveau: the client handle).
        pub h_client_share: u32,
        /// `hTargetClient`.
        pub h_target_client: u32,
        /// `hTargetDevice`.
        pub h_target_device: u32,
        /// `flags`: `NV_DEVICE_ALLOCATION_FLAGS_*`.
        pub flags: u32,
        /// Padding before the aligned u64s.
        pub _pad0: u32,
        /// `vaSpaceSize`.
        pub va_space_size: u64,
        /// `vaStartInternal`.
        pub va_start_internal: u64,
        /// `vaLimitInternal`.
        pub va_limit_internal: u64,
        /// `vaMode`: `NV_DEVICE_ALLOCATION_VAMODE_*`.
        pub va_mode: u32,
        /// Tail padding.
        pub _pad1: u32,
    }

    /// `NV2080_ALLOC_PARAMETERS` (cl2080.h): allocation parameters of
    /// [`NV20_SUBDEVICE_0`].
    pub struct Nv2080AllocParameters {
        /// `subDeviceId`.
        pub sub_device_id: u32,
    }

    /// `NV0005_ALLOC_PARAMETERS` (cl0005.h): allocation parameters of the
    /// event classes ([`NV01_EVENT_KERNEL_CALLBACK_EX`], ...).
    pub struct Nv0005AllocParameters {
        /// `hParentClient`.
        pub h_parent_client: u32,
        /// `hSrcResource`.
        pub h_src_resource: u32,
        /// `hClass`.
        pub h_class: u32,
        /// `notifyIndex`: event number ORed with `NV01_EVENT_*` flags.
        pub notify_index: u32,
        /// `data` (NvP64).
        pub data: u64,
    }
}

// ---------------------------------------------------------------------------
// Control commands.

/// `NVXXXX_CTRL_CMD_NULL` (ctrlxxxx.h): does nothing, valid for all classes.
pub const NVXXXX_CTRL_CMD_NULL: u32 = 0x0000_0000;
/// `NV0000_CTRL_CMD_NULL` (ctrl0000base.h).
pub const NV0000_CTRL_CMD_NULL: u32 = 0x0000_0000;
/// `NV0080_CTRL_CMD_NULL` (ctrl0080base.h).
pub const NV0080_CTRL_CMD_NULL: u32 = 0x0080_0000;
/// `NV2080_CTRL_CMD_NULL` (ctrl2080base.h): "This command does nothing."
pub const NV2080_CTRL_CMD_NULL: u32 = 0x2080_0000;
/// The control the RPC benchmark sends (see the module documentation).
pub const BENCH_CONTROL: u32 = NV2080_CTRL_CMD_NULL;

/// The class a control command belongs to (`NVXXXX_CTRL_CMD_CLASS`, 31:16).
pub const fn ctrl_cmd_class(cmd: u32) -> u32 {
    cmd >> 16
}

/// `NVXXXX_CTRL_CMD_CATEGORY` (13:8).
pub const fn ctrl_cmd_category(cmd: u32) -> u32 {
    (cmd >> 8) & 0x3f
}

/// `NVXXXX_CTRL_CMD_INDEX` (7:0).
pub const fn ctrl_cmd_index(cmd: u32) -> u32 {
    cmd & 0xff
}

/// `RMCTRL_IS_NULL_CMD()` (rmapi/control.h): RM answers such a command with
/// `NV_OK` and does nothing else.
pub const fn is_null_cmd(cmd: u32) -> bool {
    cmd == NVXXXX_CTRL_CMD_NULL || (ctrl_cmd_category(cmd) == 0 && ctrl_cmd_index(cmd) == 0)
}

crate::wire_struct! {
    /// `NVXXXX_CTRL_XXX_INFO` (ctrlxxxx.h), alias `NV2080_CTRL_GPU_INFO` and
    /// `NV2080_CTRL_FB_INFO`: one (index, value) pair of an info list.
    pub struct CtrlInfo {
        /// `index`: a `*_INFO_INDEX_*` value.
        pub index: u32,
        /// `data`: filled in by RM.
        pub data: u32,
    }
}

/// Looks `index` up in the first `size` entries of an info list the other
/// side returned; `size` is clamped to the list.
fn info_lookup(list: &[CtrlInfo], size: u32, index: u32) -> Option<u32> {
    list.iter()
        .take(size as usize)
        .find(|e| e.index == index)
        .map(|e| e.data)
}

/// `NV2080_CTRL_CMD_GPU_GET_INFO_V2` (ctrl2080gpu.h).
pub const NV2080_CTRL_CMD_GPU_GET_INFO_V2: u32 = 0x2080_0102;
/// `NV2080_CTRL_GPU_INFO_MAX_LIST_SIZE`.
pub const NV2080_CTRL_GPU_INFO_MAX_LIST_SIZE: usize = 0x41;
/// `NV2080_CTRL_GPU_INFO_INDEX_ECID_LO32`.
pub const NV2080_CTRL_GPU_INFO_INDEX_ECID_LO32: u32 = 0x01;
/// `NV2080_CTRL_GPU_INFO_INDEX_ECID_HI32`.
pub const NV2080_CTRL_GPU_INFO_INDEX_ECID_HI32: u32 = 0x02;
/// `NV2080_CTRL_GPU_INFO_INDEX_MINOR_REVISION_EXT`.
pub const NV2080_CTRL_GPU_INFO_INDEX_MINOR_REVISION_EXT: u32 = 0x04;
/// `NV2080_CTRL_GPU_INFO_INDEX_SYSMEM_ACCESS`.
pub const NV2080_CTRL_GPU_INFO_INDEX_SYSMEM_ACCESS: u32 = 0x1f;
/// `NV2080_CTRL_GPU_INFO_INDEX_GPU_SMC_MODE`.
pub const NV2080_CTRL_GPU_INFO_INDEX_GPU_SMC_MODE: u32 = 0x2a;
/// `NV2080_CTRL_GPU_INFO_INDEX_SPLIT_VAS_MGMT_SERVER_CLIENT_RM`.
pub const NV2080_CTRL_GPU_INFO_INDEX_SPLIT_VAS_MGMT_SERVER_CLIENT_RM: u32 = 0x2b;
/// `NV2080_CTRL_GPU_INFO_INDEX_GPU_SM_VERSION`.
pub const NV2080_CTRL_GPU_INFO_INDEX_GPU_SM_VERSION: u32 = 0x2c;
/// `NV2080_CTRL_GPU_INFO_INDEX_GPU_FLA_CAPABILITY`.
pub const NV2080_CTRL_GPU_INFO_INDEX_GPU_FLA_CAPABILITY: u32 = 0x2d;
/// `NV2080_CTRL_GPU_INFO_INDEX_PER_RUNLIST_CHANNEL_RAM`.
pub const NV2080_CTRL_GPU_INFO_INDEX_PER_RUNLIST_CHANNEL_RAM: u32 = 0x2f;
/// `NV2080_CTRL_GPU_INFO_INDEX_GPU_ATS_CAPABILITY`.
pub const NV2080_CTRL_GPU_INFO_INDEX_GPU_ATS_CAPABILITY: u32 = 0x30;
/// `NV2080_CTRL_GPU_INFO_INDEX_DISPLAY_ENABLED`.
pub const NV2080_CTRL_GPU_INFO_INDEX_DISPLAY_ENABLED: u32 = 0x34;
/// `NV2080_CTRL_GPU_INFO_INDEX_DMABUF_CAPABILITY`.
pub const NV2080_CTRL_GPU_INFO_INDEX_DMABUF_CAPABILITY: u32 = 0x3d;

crate::wire_struct! {
    /// `NV2080_CTRL_GPU_GET_INFO_V2_PARAMS`.
    pub struct Nv2080CtrlGpuGetInfoV2Params {
        /// `gpuInfoListSize`: entries used in `gpuInfoList`.
        pub gpu_info_list_size: u32,
        /// `gpuInfoList`: the caller fills `index`, RM fills `data`.
        pub gpu_info_list: [CtrlInfo; NV2080_CTRL_GPU_INFO_MAX_LIST_SIZE],
    }
}

impl Nv2080CtrlGpuGetInfoV2Params {
    /// A request for `indices` (at most the list size; extra are dropped).
    pub fn request(indices: &[u32]) -> Self {
        let mut p = Self::ZERO;
        for (slot, &index) in p.gpu_info_list.iter_mut().zip(indices) {
            slot.index = index;
            p.gpu_info_list_size += 1;
        }
        p
    }

    /// The value RM returned for `index`, if it is in the used part of the list.
    pub fn get(&self, index: u32) -> Option<u32> {
        info_lookup(&self.gpu_info_list, self.gpu_info_list_size, index)
    }
}

/// `NV2080_CTRL_CMD_FB_GET_INFO_V2` (ctrl2080fb.h).
pub const NV2080_CTRL_CMD_FB_GET_INFO_V2: u32 = 0x2080_1303;
/// `NV2080_CTRL_FB_INFO_MAX_LIST_SIZE`.
pub const NV2080_CTRL_FB_INFO_MAX_LIST_SIZE: usize = 0x39;
/// `NV2080_CTRL_FB_INFO_INDEX_BAR1_SIZE` (KiB).
pub const NV2080_CTRL_FB_INFO_INDEX_BAR1_SIZE: u32 = 0x05;
/// `NV2080_CTRL_FB_INFO_INDEX_RAM_SIZE`: framebuffer memory physically
/// present, in KiB.
pub const NV2080_CTRL_FB_INFO_INDEX_RAM_SIZE: u32 = 0x07;
/// `NV2080_CTRL_FB_INFO_INDEX_TOTAL_RAM_SIZE` (KiB).
pub const NV2080_CTRL_FB_INFO_INDEX_TOTAL_RAM_SIZE: u32 = 0x08;
/// `NV2080_CTRL_FB_INFO_INDEX_HEAP_SIZE`: RAM available for user
/// allocations (total less RM's reservations), in KiB.
pub const NV2080_CTRL_FB_INFO_INDEX_HEAP_SIZE: u32 = 0x09;
/// `NV2080_CTRL_FB_INFO_INDEX_MAPPABLE_HEAP_SIZE` (KiB).
pub const NV2080_CTRL_FB_INFO_INDEX_MAPPABLE_HEAP_SIZE: u32 = 0x0a;
/// `NV2080_CTRL_FB_INFO_INDEX_BUS_WIDTH`.
pub const NV2080_CTRL_FB_INFO_INDEX_BUS_WIDTH: u32 = 0x0b;
/// `NV2080_CTRL_FB_INFO_INDEX_RAM_TYPE`: `NV2080_CTRL_FB_INFO_RAM_TYPE_*`.
pub const NV2080_CTRL_FB_INFO_INDEX_RAM_TYPE: u32 = 0x0d;
/// `NV2080_CTRL_FB_INFO_INDEX_HEAP_BASE_KB`.
pub const NV2080_CTRL_FB_INFO_INDEX_HEAP_BASE_KB: u32 = 0x11;
/// `NV2080_CTRL_FB_INFO_INDEX_HEAP_FREE`: free heap, in KiB.
pub const NV2080_CTRL_FB_INFO_INDEX_HEAP_FREE: u32 = 0x16;
/// `NV2080_CTRL_FB_INFO_INDEX_FBP_MASK`.
pub const NV2080_CTRL_FB_INFO_INDEX_FBP_MASK: u32 = 0x1a;
/// `NV2080_CTRL_FB_INFO_INDEX_L2CACHE_SIZE`.
pub const NV2080_CTRL_FB_INFO_INDEX_L2CACHE_SIZE: u32 = 0x1b;
/// `NV2080_CTRL_FB_INFO_INDEX_BAR1_AVAIL_SIZE` (KiB).
pub const NV2080_CTRL_FB_INFO_INDEX_BAR1_AVAIL_SIZE: u32 = 0x1d;
/// `NV2080_CTRL_FB_INFO_INDEX_HEAP_START` (KiB).
pub const NV2080_CTRL_FB_INFO_INDEX_HEAP_START: u32 = 0x1e;
/// `NV2080_CTRL_FB_INFO_INDEX_USABLE_RAM_SIZE` (KiB).
pub const NV2080_CTRL_FB_INFO_INDEX_USABLE_RAM_SIZE: u32 = 0x20;
/// `NV2080_CTRL_FB_INFO_INDEX_IS_ZERO_FB`.
pub const NV2080_CTRL_FB_INFO_INDEX_IS_ZERO_FB: u32 = 0x36;
/// `NV2080_CTRL_FB_INFO_RAM_TYPE_GDDR6`.
pub const NV2080_CTRL_FB_INFO_RAM_TYPE_GDDR6: u32 = 0x11;
/// `NV2080_CTRL_FB_INFO_RAM_TYPE_GDDR6X`: GA10x boards.
pub const NV2080_CTRL_FB_INFO_RAM_TYPE_GDDR6X: u32 = 0x12;
/// `NV2080_CTRL_FB_INFO_RAM_TYPE_HBM3`.
pub const NV2080_CTRL_FB_INFO_RAM_TYPE_HBM3: u32 = 0x14;

crate::wire_struct! {
    /// `NV2080_CTRL_FB_GET_INFO_V2_PARAMS`.
    pub struct Nv2080CtrlFbGetInfoV2Params {
        /// `fbInfoListSize`.
        pub fb_info_list_size: u32,
        /// `fbInfoList`.
        pub fb_info_list: [CtrlInfo; NV2080_CTRL_FB_INFO_MAX_LIST_SIZE],
    }
}

impl Nv2080CtrlFbGetInfoV2Params {
    /// A request for `indices` (at most the list size; extra are dropped).
    pub fn request(indices: &[u32]) -> Self {
        let mut p = Self::ZERO;
        for (slot, &index) in p.fb_info_list.iter_mut().zip(indices) {
            slot.index = index;
            p.fb_info_list_size += 1;
        }
        p
    }

    /// The value RM returned for `index`, if it is in the used part of the list.
    pub fn get(&self, index: u32) -> Option<u32> {
        info_lookup(&self.fb_info_list, self.fb_info_list_size, index)
    }
}

/// `NV2080_CTRL_CMD_INTERNAL_FIFO_GET_NUM_CHANNELS` (ctrl2080internal.h,
/// 570.144): the channel IDs of a runlist. CPU-RM sends it to GSP-RM's
/// internal client and subdevice (kernel_fifo.c); it is privileged.
pub const NV2080_CTRL_CMD_INTERNAL_FIFO_GET_NUM_CHANNELS: u32 = 0x2080_0a61;

crate::wire_struct! {
    /// `NV2080_CTRL_INTERNAL_FIFO_GET_NUM_CHANNELS_PARAMS`.
    pub struct Nv2080CtrlInternalFifoGetNumChannelsParams {
        /// `runlistId`.
        pub runlist_id: u32,
        /// `numChannels`: RM's answer.
        pub num_channels: u32,
    }
}

/// `NV2080_CTRL_CMD_GPU_GET_ENGINES_V2` (ctrl2080gpu.h).
pub const NV2080_CTRL_CMD_GPU_GET_ENGINES_V2: u32 = 0x2080_0170;
/// `NV2080_GPU_MAX_ENGINES_LIST_SIZE` (= `NV2080_ENGINE_TYPE_LAST`).
pub const NV2080_GPU_MAX_ENGINES_LIST_SIZE: usize = 0x54;
/// `NV2080_ENGINE_TYPE_NULL` (cl2080_notification.h).
pub const NV2080_ENGINE_TYPE_NULL: u32 = 0x00;
/// `NV2080_ENGINE_TYPE_GRAPHICS` (= GR0).
pub const NV2080_ENGINE_TYPE_GRAPHICS: u32 = 0x01;
/// `NV2080_ENGINE_TYPE_COPY0`; COPY1..COPY9 follow (0x0a..0x12).
pub const NV2080_ENGINE_TYPE_COPY0: u32 = 0x09;
/// `NV2080_ENGINE_TYPE_NVDEC0` (= BSP); NVDEC1..7 follow.
pub const NV2080_ENGINE_TYPE_NVDEC0: u32 = 0x13;
/// `NV2080_ENGINE_TYPE_NVENC0` (= MSENC); NVENC1, NVENC2 follow.
pub const NV2080_ENGINE_TYPE_NVENC0: u32 = 0x1b;
/// `NV2080_ENGINE_TYPE_SW`.
pub const NV2080_ENGINE_TYPE_SW: u32 = 0x22;
/// `NV2080_ENGINE_TYPE_SEC2`.
pub const NV2080_ENGINE_TYPE_SEC2: u32 = 0x26;
/// `NV2080_ENGINE_TYPE_HOST`.
pub const NV2080_ENGINE_TYPE_HOST: u32 = 0x27;
/// `NV2080_ENGINE_TYPE_NVJPEG0` (= NVJPG).
pub const NV2080_ENGINE_TYPE_NVJPEG0: u32 = 0x2b;
/// `NV2080_ENGINE_TYPE_OFA0` (= OFA).
pub const NV2080_ENGINE_TYPE_OFA0: u32 = 0x33;
/// `NV2080_ENGINE_TYPE_LAST`.
pub const NV2080_ENGINE_TYPE_LAST: u32 = 0x54;

crate::wire_struct! {
    /// `NV2080_CTRL_GPU_GET_ENGINES_V2_PARAMS`.
    pub struct Nv2080CtrlGpuGetEnginesV2Params {
        /// `engineCount`: entries used in `engineList`.
        pub engine_count: u32,
        /// `engineList`: `NV2080_ENGINE_TYPE_*` values.
        pub engine_list: [u32; NV2080_GPU_MAX_ENGINES_LIST_SIZE],
    }
}

impl Nv2080CtrlGpuGetEnginesV2Params {
    /// The used part of the engine list (count clamped to the list).
    pub fn engines(&self) -> &[u32] {
        let n = (self.engine_count as usize).min(NV2080_GPU_MAX_ENGINES_LIST_SIZE);
        &self.engine_list[..n]
    }
}

/// `NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO` (ctrl2080fb.h).
pub const NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO: u32 = 0x2080_1320;
/// `NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_MAX_ENTRIES`.
pub const NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_MAX_ENTRIES: usize = 16;
/// `NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_MEM_TYPES`.
pub const NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_MEM_TYPES: usize = 17;

crate::wire_struct! {
    /// `NV2080_CTRL_CMD_FB_GET_FB_REGION_FB_REGION_INFO`: one region.
    pub struct FbRegionInfo {
        /// `base`: first byte.
        pub base: u64,
        /// `limit`: last byte (inclusive).
        pub limit: u64,
        /// `reserved`: bytes RM may need inside the region.
        pub reserved: u64,
        /// `performance`: relative, higher is faster.
        pub performance: u32,
        /// `supportCompressed` (NvBool).
        pub support_compressed: u8,
        /// `supportISO` (NvBool).
        pub support_iso: u8,
        /// `bProtected` (NvBool).
        pub b_protected: u8,
        /// `blackList` (NvBool per surface type; deprecated).
        pub black_list: [u8; NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_MEM_TYPES],
    }

    /// `NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_PARAMS`.
    pub struct Nv2080CtrlFbGetFbRegionInfoParams {
        /// `numFBRegions`: entries used in `fbRegion`.
        pub num_fb_regions: u32,
        /// Padding before the 8-aligned array.
        pub _pad0: u32,
        /// `fbRegion`.
        pub fb_region: [FbRegionInfo; NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_MAX_ENTRIES],
    }
}

impl FbRegionInfo {
    /// The region as a half-open byte range, if `limit >= base` and the end
    /// does not overflow.
    pub fn range(&self) -> Option<core::ops::Range<u64>> {
        if self.limit < self.base {
            return None;
        }
        self.limit.checked_add(1).map(|end| self.base..end)
    }

    /// nova-core's "usable" test (`usable_fb_regions()`): not reserved, not
    /// protected, supports compression and ISO.
    pub fn is_usable(&self) -> bool {
        self.reserved == 0
            && self.b_protected == 0
            && self.support_compressed != 0
            && self.support_iso != 0
    }
}

impl Nv2080CtrlFbGetFbRegionInfoParams {
    /// The used, well-formed regions (count clamped to the array, regions
    /// with `limit < base` skipped).
    pub fn regions(&self) -> impl Iterator<Item = &FbRegionInfo> {
        self.fb_region
            .iter()
            .take(self.num_fb_regions as usize)
            .filter(|r| r.range().is_some())
    }

    /// The usable regions as byte ranges (see [`FbRegionInfo::is_usable`]).
    pub fn usable_ranges(&self) -> impl Iterator<Item = core::ops::Range<u64>> + '_ {
        self.regions()
            .filter(|r| r.is_usable())
            .filter_map(FbRegionInfo::range)
    }
}

crate::wire_struct! {
    /// `NV_MEMORY_DESC_PARAMS` (alloc_channel.h, 570.144).
    pub struct NvMemoryDescParams {
        /// `base`.
        pub base: u64,
        /// `size`.
        pub size: u64,
        /// `addressSpace`.
        pub address_space: u32,
        /// `cacheAttrib`.
        pub cache_attrib: u32,
    }

    /// `NV_CHANNEL_ALLOC_PARAMS` (`NV_CHANNELGPFIFO_ALLOCATION_PARAMETERS`,
    /// alloc_channel.h, 570.144; nouveau r570 `nvrm/fifo.h`): allocation
    /// parameters of [`AMPERE_CHANNEL_GPFIFO_A`]. The channel ID the CPU
    /// driver chose travels in `flags` ([`NvChannelAllocParams::chid`]).
    pub struct NvChannelAllocParams {
        /// `hObjectError`.
        pub h_object_error: u32,
        /// `hObjectBuffer` (no longer used).
        pub h_object_buffer: u32,
        /// `gpFifoOffset`: GPU VA of the GPFIFO ring.
        pub gp_fifo_offset: u64,
        /// `gpFifoEntries`.
        pub gp_fifo_entries: u32,
        /// `flags`: `NVOS04_FLAGS_*`.
        pub flags: u32,
        /// `hContextShare`.
        pub h_context_share: u32,
        /// `hVASpace`.
        pub h_va_space: u32,
        /// `hUserdMemory[NV_MAX_SUBDEVICES]`.
        pub h_userd_memory: [u32; 8],
        /// `userdOffset[NV_MAX_SUBDEVICES]`.
        pub userd_offset: [u64; 8],
        /// `engineType`: `NV2080_ENGINE_TYPE_*`.
        pub engine_type: u32,
        /// `cid`: RM's unique channel number (output).
        pub cid: u32,
        /// `subDeviceId`.
        pub sub_device_id: u32,
        /// `hObjectEccError`.
        pub h_object_ecc_error: u32,
        /// `instanceMem`.
        pub instance_mem: NvMemoryDescParams,
        /// `userdMem`.
        pub userd_mem: NvMemoryDescParams,
        /// `ramfcMem`.
        pub ramfc_mem: NvMemoryDescParams,
        /// `mthdbufMem`.
        pub mthdbuf_mem: NvMemoryDescParams,
        /// `hPhysChannelGroup` (reserved).
        pub h_phys_channel_group: u32,
        /// `internalFlags`: privilege and notifier types.
        pub internal_flags: u32,
        /// `errorNotifierMem`.
        pub error_notifier_mem: NvMemoryDescParams,
        /// `eccErrorNotifierMem`.
        pub ecc_error_notifier_mem: NvMemoryDescParams,
        /// `ProcessID`.
        pub process_id: u32,
        /// `SubProcessID`.
        pub sub_process_id: u32,
        /// `encryptIv`.
        pub encrypt_iv: [u32; 3],
        /// `decryptIv`.
        pub decrypt_iv: [u32; 3],
        /// `hmacNonce`.
        pub hmac_nonce: [u32; 8],
        /// `tpcConfigID`.
        pub tpc_config_id: u32,
        /// Tail padding.
        pub _pad: u32,
    }
}

/// `NVOS04_FLAGS_USERD_INDEX_VALUE` (10:8): the channel ID modulo 8.
const NVOS04_USERD_INDEX_SHIFT: u32 = 8;
/// `NVOS04_FLAGS_USERD_INDEX_PAGE_VALUE` (20:12): the channel ID / 8.
const NVOS04_USERD_INDEX_PAGE_SHIFT: u32 = 12;
/// `NVOS04_FLAGS_USERD_INDEX_PAGE_FIXED` (21): the driver chose the ID.
pub const NVOS04_FLAGS_USERD_INDEX_PAGE_FIXED: u32 = 1 << 21;
/// `internalFlags` of a user channel: PRIVILEGE USER, no error notifiers
/// (nouveau r570 `r570_chan_alloc`).
pub const NV_CHANNEL_INTERNAL_FLAGS_USER: u32 = 0x14;

impl NvChannelAllocParams {
    /// `flags` naming channel ID `chid` as the driver's choice, as CPU-RM
    /// and nouveau set them (kernel_channel.c; USERD_INDEX_FIXED stays 0).
    pub const fn chid_flags(chid: u32) -> u32 {
        ((chid % 8) << NVOS04_USERD_INDEX_SHIFT)
            | (((chid / 8) & 0x1ff) << NVOS04_USERD_INDEX_PAGE_SHIFT)
            | NVOS04_FLAGS_USERD_INDEX_PAGE_FIXED
    }

    /// The channel ID the driver chose, if `flags` name one.
    pub const fn chid(&self) -> Option<u32> {
        if self.flags & NVOS04_FLAGS_USERD_INDEX_PAGE_FIXED == 0 {
            return None;
        }
        let page = (self.flags >> NVOS04_USERD_INDEX_PAGE_SHIFT) & 0x1ff;
        let index = (self.flags >> NVOS04_USERD_INDEX_SHIFT) & 7;
        Some(page * 8 + index)
    }
}

/// `NV2080_CTRL_CMD_CE_GET_FAULT_METHOD_BUFFER_SIZE` (ctrl2080ce.h; nouveau
/// r535 `nvrm/fifo.h`): the size of the method buffer every channel is
/// given (`mthdbufMem`), where the host saves a faulting engine's methods.
pub const NV2080_CTRL_CMD_CE_GET_FAULT_METHOD_BUFFER_SIZE: u32 = 0x2080_2a08;

crate::wire_struct! {
    /// `NV2080_CTRL_CE_GET_FAULT_METHOD_BUFFER_SIZE_PARAMS`.
    pub struct Nv2080CtrlCeGetFaultMethodBufferSizeParams {
        /// `size`: bytes.
        pub size: u32,
    }
}

/// `NV_MEMORY_DESC_PARAMS.addressSpace` values (`NV_ADDRESS_SPACE`,
/// open-gpu-kernel-modules `nvos.h`): system memory.
pub const ADDR_SYSMEM: u32 = 1;
/// VRAM (nouveau r570 `r570_chan_alloc` gives instance, USERD and RAMFC
/// memory in it).
pub const ADDR_FBMEM: u32 = 2;
/// `NV_MEMORY_DESC_PARAMS.cacheAttrib` values (`nv_memory_type.h`):
/// cached (coherent system memory).
pub const NV_MEMORY_CACHED: u32 = 0;
/// Uncached (how nouveau describes VRAM).
pub const NV_MEMORY_UNCACHED: u32 = 1;

/// `NV2080_CTRL_CMD_EVENT_SET_NOTIFICATION` (ctrl2080event.h).
pub const NV2080_CTRL_CMD_EVENT_SET_NOTIFICATION: u32 = 0x2080_0301;
/// `NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_DISABLE`.
pub const NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_DISABLE: u32 = 0;
/// `NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_SINGLE`.
pub const NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_SINGLE: u32 = 1;
/// `NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_REPEAT` (nouveau uses this).
pub const NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_REPEAT: u32 = 2;

crate::wire_struct! {
    /// `NV2080_CTRL_EVENT_SET_NOTIFICATION_PARAMS`.
    pub struct Nv2080CtrlEventSetNotificationParams {
        /// `event`: an `NV2080_NOTIFIERS_*` number.
        pub event: u32,
        /// `action`: `NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_*`.
        pub action: u32,
        /// `bNotifyState` (NvBool).
        pub b_notify_state: u8,
        /// Padding.
        pub _pad0: [u8; 3],
        /// `info32`.
        pub info32: u32,
        /// `info16`.
        pub info16: u16,
        /// Tail padding.
        pub _pad1: [u8; 2],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn class_ids() {
        // cl*.h / nvos.h at 570.144.
        assert_eq!(NV01_ROOT, 0x0);
        assert_eq!(NV01_ROOT_CLIENT, 0x41);
        assert_eq!(NV01_DEVICE_0, 0x80);
        assert_eq!(NV20_SUBDEVICE_0, 0x2080);
        assert_eq!(NV01_EVENT_KERNEL_CALLBACK_EX, 0x7e);
        assert_eq!(FERMI_VASPACE_A, 0x90f1);
        assert_eq!(KEPLER_CHANNEL_GROUP_A, 0xa06c);
        assert_eq!(AMPERE_CHANNEL_GPFIFO_A, 0xc56f);
        assert_eq!(AMPERE_DMA_COPY_B, 0xc7b5);
        assert_eq!(AMPERE_COMPUTE_B, 0xc7c0);
        assert_eq!(AMPERE_B, 0xc797);
        assert_eq!(NV01_MEMORY_LIST_FBMEM, 0x82);
        assert_eq!(NV01_EVENT_CLIENT_RM, 0x0400_0000);
    }

    #[test]
    fn control_numbers() {
        // ctrl2080*.h at 570.144: (interface id << 8) | message id.
        assert_eq!(NV2080_CTRL_CMD_GPU_GET_INFO_V2, 0x2080_0102);
        assert_eq!(NV2080_CTRL_CMD_FB_GET_INFO_V2, 0x2080_1303);
        assert_eq!(NV2080_CTRL_CMD_GPU_GET_ENGINES_V2, 0x2080_0170);
        assert_eq!(NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO, 0x2080_1320);
        assert_eq!(NV2080_CTRL_CMD_EVENT_SET_NOTIFICATION, 0x2080_0301);
        assert_eq!(NV2080_CTRL_CMD_NULL, 0x2080_0000);
        assert_eq!(BENCH_CONTROL, NV2080_CTRL_CMD_NULL);
        assert_eq!(NV2080_CTRL_FB_INFO_INDEX_RAM_SIZE, 7);
        assert_eq!(NV2080_CTRL_FB_INFO_INDEX_HEAP_SIZE, 9);
        assert_eq!(NV2080_CTRL_FB_INFO_INDEX_HEAP_FREE, 0x16);
        assert_eq!(NV2080_CTRL_FB_INFO_INDEX_USABLE_RAM_SIZE, 0x20);
        assert_eq!(NV2080_CTRL_GPU_INFO_MAX_LIST_SIZE, 65);
        assert_eq!(NV2080_CTRL_FB_INFO_MAX_LIST_SIZE, 57);
        assert_eq!(
            NV2080_GPU_MAX_ENGINES_LIST_SIZE as u32,
            NV2080_ENGINE_TYPE_LAST
        );

        assert!(is_null_cmd(NVXXXX_CTRL_CMD_NULL));
        assert!(is_null_cmd(NV0080_CTRL_CMD_NULL));
        assert!(is_null_cmd(NV2080_CTRL_CMD_NULL));
        assert!(!is_null_cmd(NV2080_CTRL_CMD_GPU_GET_INFO_V2));
        assert!(!is_null_cmd(NV2080_CTRL_CMD_FB_GET_INFO_V2));
        assert_eq!(ctrl_cmd_class(NV2080_CTRL_CMD_FB_GET_INFO_V2), 0x2080);
        assert_eq!(ctrl_cmd_category(NV2080_CTRL_CMD_FB_GET_INFO_V2), 0x13);
        assert_eq!(ctrl_cmd_index(NV2080_CTRL_CMD_FB_GET_INFO_V2), 0x03);
    }

    #[test]
    fn alloc_param_layouts() {
        // NV0000: u32, u32, char[100] (8..108), pad to 112, NvP64 = 120.
        // gsp_abi_check.c: size 120, hClient 0, processID 4, processName 8,
        // pOsPidInfo 112.
        assert_eq!(size_of::<Nv0000AllocParameters>(), 120);
        assert_eq!(offset_of!(Nv0000AllocParameters, process_id), 4);
        assert_eq!(offset_of!(Nv0000AllocParameters, process_name), 8);
        assert_eq!(offset_of!(Nv0000AllocParameters, p_os_pid_info), 112);
        // NV0080: five u32 (0..20), pad, three u64 (24..48), u32, pad = 56.
        // gsp_abi_check.c: size 56, flags 16, vaSpaceSize 24, vaMode 48.
        assert_eq!(size_of::<Nv0080AllocParameters>(), 56);
        assert_eq!(offset_of!(Nv0080AllocParameters, h_client_share), 4);
        assert_eq!(offset_of!(Nv0080AllocParameters, h_target_client), 8);
        assert_eq!(offset_of!(Nv0080AllocParameters, h_target_device), 12);
        assert_eq!(offset_of!(Nv0080AllocParameters, flags), 16);
        assert_eq!(offset_of!(Nv0080AllocParameters, va_space_size), 24);
        assert_eq!(offset_of!(Nv0080AllocParameters, va_start_internal), 32);
        assert_eq!(offset_of!(Nv0080AllocParameters, va_limit_internal), 40);
        assert_eq!(offset_of!(Nv0080AllocParameters, va_mode), 48);
        // NV2080: one u32; gsp_abi_check.c: 4.
        assert_eq!(size_of::<Nv2080AllocParameters>(), 4);
        // NV0005: four u32 and an NvP64; gsp_abi_check.c: 24, data at 16.
        assert_eq!(size_of::<Nv0005AllocParameters>(), 24);
        assert_eq!(offset_of!(Nv0005AllocParameters, notify_index), 12);
        assert_eq!(offset_of!(Nv0005AllocParameters, data), 16);
    }

    #[test]
    fn channel_alloc_params_layout() {
        // alloc_channel.h at 570.144, offsets as gcc lays them out.
        assert_eq!(size_of::<NvMemoryDescParams>(), 24);
        assert_eq!(size_of::<NvChannelAllocParams>(), 0x170);
        assert_eq!(offset_of!(NvChannelAllocParams, flags), 0x14);
        assert_eq!(offset_of!(NvChannelAllocParams, h_userd_memory), 0x20);
        assert_eq!(offset_of!(NvChannelAllocParams, userd_offset), 0x40);
        assert_eq!(offset_of!(NvChannelAllocParams, engine_type), 0x80);
        assert_eq!(offset_of!(NvChannelAllocParams, cid), 0x84);
        assert_eq!(offset_of!(NvChannelAllocParams, instance_mem), 0x90);
        assert_eq!(offset_of!(NvChannelAllocParams, mthdbuf_mem), 0xd8);
        assert_eq!(offset_of!(NvChannelAllocParams, h_phys_channel_group), 0xf0);
        assert_eq!(offset_of!(NvChannelAllocParams, internal_flags), 0xf4);
        assert_eq!(offset_of!(NvChannelAllocParams, error_notifier_mem), 0xf8);
        assert_eq!(offset_of!(NvChannelAllocParams, process_id), 0x128);
        assert_eq!(offset_of!(NvChannelAllocParams, hmac_nonce), 0x148);
        assert_eq!(offset_of!(NvChannelAllocParams, tpc_config_id), 0x168);
        for chid in [1, 7, 8, 9, 2047] {
            let p = NvChannelAllocParams {
                flags: NvChannelAllocParams::chid_flags(chid),
                ..NvChannelAllocParams::ZERO
            };
            assert_eq!(p.chid(), Some(chid));
        }
        assert_eq!(
            NvChannelAllocParams::chid_flags(9),
            (1 << 8) | (1 << 12) | (1 << 21)
        );
        assert_eq!(NvChannelAllocParams::ZERO.chid(), None);
    }

    #[test]
    fn control_param_layouts() {
        // ctrl2080internal.h: {runlistId, numChannels}, 8 bytes.
        assert_eq!(size_of::<Nv2080CtrlInternalFifoGetNumChannelsParams>(), 8);
        assert_eq!(
            offset_of!(Nv2080CtrlInternalFifoGetNumChannelsParams, num_channels),
            4
        );
        assert_eq!(
            ctrl_cmd_class(NV2080_CTRL_CMD_INTERNAL_FIFO_GET_NUM_CHANNELS),
            0x2080
        );
        assert_eq!(size_of::<CtrlInfo>(), 8);
        // u32 + 0x41 * 8 = 524.
        assert_eq!(size_of::<Nv2080CtrlGpuGetInfoV2Params>(), 524);
        assert_eq!(offset_of!(Nv2080CtrlGpuGetInfoV2Params, gpu_info_list), 4);
        // u32 + 0x39 * 8 = 460.
        assert_eq!(size_of::<Nv2080CtrlFbGetInfoV2Params>(), 460);
        assert_eq!(offset_of!(Nv2080CtrlFbGetInfoV2Params, fb_info_list), 4);
        // u32 + 0x54 * 4 = 340.
        assert_eq!(size_of::<Nv2080CtrlGpuGetEnginesV2Params>(), 340);
        assert_eq!(offset_of!(Nv2080CtrlGpuGetEnginesV2Params, engine_list), 4);
        // Three u64, u32, three NvBool, NvBool[17] = 48 (no tail padding).
        // gsp_abi_check.c: 48; base 0, limit 8, reserved 16, performance 24,
        // supportCompressed 28, supportISO 29, bProtected 30, blackList 31.
        assert_eq!(size_of::<FbRegionInfo>(), 48);
        assert_eq!(offset_of!(FbRegionInfo, limit), 8);
        assert_eq!(offset_of!(FbRegionInfo, reserved), 16);
        assert_eq!(offset_of!(FbRegionInfo, performance), 24);
        assert_eq!(offset_of!(FbRegionInfo, support_compressed), 28);
        assert_eq!(offset_of!(FbRegionInfo, support_iso), 29);
        assert_eq!(offset_of!(FbRegionInfo, b_protected), 30);
        assert_eq!(offset_of!(FbRegionInfo, black_list), 31);
        // u32, pad, 16 * 48 = 776; gsp_abi_check.c: 776, fbRegion at 8.
        assert_eq!(size_of::<Nv2080CtrlFbGetFbRegionInfoParams>(), 776);
        assert_eq!(offset_of!(Nv2080CtrlFbGetFbRegionInfoParams, fb_region), 8);
        // gsp_abi_check.c: 20; event 0, action 4, bNotifyState 8, info32 12,
        // info16 16.
        assert_eq!(size_of::<Nv2080CtrlEventSetNotificationParams>(), 20);
        assert_eq!(
            offset_of!(Nv2080CtrlEventSetNotificationParams, b_notify_state),
            8
        );
        assert_eq!(offset_of!(Nv2080CtrlEventSetNotificationParams, info32), 12);
        assert_eq!(offset_of!(Nv2080CtrlEventSetNotificationParams, info16), 16);
    }

    #[test]
    fn info_lists() {
        let mut p = Nv2080CtrlFbGetInfoV2Params::request(&[
            NV2080_CTRL_FB_INFO_INDEX_RAM_SIZE,
            NV2080_CTRL_FB_INFO_INDEX_HEAP_SIZE,
        ]);
        assert_eq!(p.fb_info_list_size, 2);
        p.fb_info_list[0].data = 24 << 20;
        p.fb_info_list[1].data = 23 << 20;
        let mut b = [0u8; 460];
        p.encode(&mut b).unwrap();
        assert_eq!(&b[..12], &[2, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0x80, 1]);
        let q = Nv2080CtrlFbGetInfoV2Params::decode(&b).unwrap();
        assert_eq!(q.get(NV2080_CTRL_FB_INFO_INDEX_RAM_SIZE), Some(24 << 20));
        assert_eq!(q.get(NV2080_CTRL_FB_INFO_INDEX_HEAP_FREE), None);
        assert_eq!(Nv2080CtrlFbGetInfoV2Params::decode(&b[..459]), None);
        // A hostile size is clamped to the list.
        b[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        let q = Nv2080CtrlFbGetInfoV2Params::decode(&b).unwrap();
        assert_eq!(q.get(NV2080_CTRL_FB_INFO_INDEX_HEAP_SIZE), Some(23 << 20));
        assert_eq!(q.get(12345), None);

        let too_many = [1u32; 100];
        let g = Nv2080CtrlGpuGetInfoV2Params::request(&too_many);
        assert_eq!(
            g.gpu_info_list_size as usize,
            NV2080_CTRL_GPU_INFO_MAX_LIST_SIZE
        );
        assert_eq!(g.get(1), Some(0));

        let mut e = Nv2080CtrlGpuGetEnginesV2Params::ZERO;
        e.engine_count = 3;
        e.engine_list[..3].copy_from_slice(&[1, 9, 0x13]);
        assert_eq!(e.engines(), &[1, 9, 0x13]);
        e.engine_count = 1000;
        assert_eq!(e.engines().len(), NV2080_GPU_MAX_ENGINES_LIST_SIZE);
    }

    #[test]
    fn fb_regions() {
        let mut p = Nv2080CtrlFbGetFbRegionInfoParams::ZERO;
        let usable = FbRegionInfo {
            base: 0,
            limit: 0x1_ffff_ffff,
            support_compressed: 1,
            support_iso: 1,
            ..FbRegionInfo::ZERO
        };
        p.fb_region[0] = usable;
        p.fb_region[1] = FbRegionInfo {
            b_protected: 1,
            base: 0x2_0000_0000,
            limit: 0x2_0fff_ffff,
            ..usable
        };
        p.fb_region[2] = FbRegionInfo {
            base: 10,
            limit: 5,
            ..usable
        };
        p.fb_region[3] = FbRegionInfo {
            base: 0,
            limit: u64::MAX,
            ..usable
        };
        p.fb_region[4] = usable;
        p.num_fb_regions = 4;
        let mut b = [0u8; 776];
        p.encode(&mut b).unwrap();
        assert_eq!(&b[8 + 48 + 30..8 + 48 + 31], &[1]);
        let q = Nv2080CtrlFbGetFbRegionInfoParams::decode(&b).unwrap();
        assert_eq!(q.regions().count(), 2);
        let mut it = q.usable_ranges();
        assert_eq!(it.next(), Some(0..0x2_0000_0000));
        assert_eq!(it.next(), None);
        let mut q = q;
        q.num_fb_regions = u32::MAX;
        // Region 4 counts now; the eleven zero entries are well-formed
        // (0..1) but not usable.
        assert_eq!(q.regions().count(), 14);
        assert_eq!(q.usable_ranges().count(), 2);
    }
}
