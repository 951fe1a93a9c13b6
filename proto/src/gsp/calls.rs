// SPDX-License-Identifier: GPL-2.0
//! Every RPC function, RM class and RM control the project uses, as a type
//! carrying its number and its parameter (and reply) types. The core calls
//! through them (`rpc.call::<GetGspStaticInfo>()`, `rm::control::<C>()`),
//! the emulator dispatches on the same constants, so a number is written
//! once. RM object handles are [`Handle`]s, not bare integers.
//!
//! Numbers and layouts are those of the r570.144 headers (see `class.rs`,
//! `gr_info.rs`, `function.rs` and `rpc/` for their sources).

use super::{
    class, fifo,
    function::Function,
    gr_info, intr_table,
    rpc::{
        rm::{RpcGspRmAlloc, RpcGspRmControl},
        static_info::GspStaticConfigInfo,
    },
    vaspace, vgpu,
};
use crate::wire::Wire;

/// An RM object handle (`NvHandle`): a client, or an object within one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Handle(pub u32);

impl Handle {
    /// The handle as RM's wire structures carry it.
    pub const fn raw(self) -> u32 {
        self.0
    }
}

impl core::fmt::LowerHex for Handle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::LowerHex::fmt(&self.0, f)
    }
}

/// A payload of no bytes (a control or reply without parameters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Empty;

impl Wire for Empty {
    const SIZE: usize = 0;
    const ZERO: Self = Empty;
    fn decode(_: &[u8]) -> Option<Self> {
        Some(Empty)
    }
    fn encode(&self, _: &mut [u8]) -> Option<()> {
        Some(())
    }
}

/// An RPC function the CPU sends GSP-RM.
pub trait RpcFunction {
    /// Its number.
    const FUNCTION: Function;
}

/// An RPC the caller waits for: GSP-RM answers with the same function and
/// sequence number.
pub trait Call: RpcFunction {
    /// What the reply's payload holds.
    type Reply;
}

/// An RPC GSP-RM takes without answering.
pub trait Command: RpcFunction {}

macro_rules! rpc {
    ($($(#[$m:meta])* $name:ident = $f:ident, $kind:ident $(($reply:ty))?;)*) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name;
        impl RpcFunction for $name {
            const FUNCTION: Function = Function::$f;
        }
        rpc!(@$kind $name $($reply)?);
    )*};
    (@Call $name:ident $reply:ty) => {
        impl Call for $name {
            type Reply = $reply;
        }
    };
    (@Command $name:ident) => {
        impl Command for $name {}
    };
}

rpc! {
    /// `GET_GSP_STATIC_INFO`: GSP-RM's static configuration.
    GetGspStaticInfo = GetGspStaticInfo, Call(GspStaticConfigInfo);
    /// `GSP_SET_SYSTEM_INFO`: the host's description of the GPU, at boot.
    SetSystemInfo = GspSetSystemInfo, Command;
    /// `SET_REGISTRY`: registry keys, at boot.
    SetRegistry = SetRegistry, Command;
    /// `GSP_RM_ALLOC`: allocates an RM object.
    RmAlloc = GspRmAlloc, Call(RpcGspRmAlloc);
    /// `GSP_RM_CONTROL`: runs an RM control.
    RmControlCall = GspRmControl, Call(RpcGspRmControl);
    /// `FREE`: frees an RM object and what is below it.
    Free = Free, Call(Empty);
    /// `UNLOADING_GUEST_DRIVER`: GSP-RM shuts down.
    UnloadingGuestDriver = UnloadingGuestDriver, Call(Empty);
}

/// An RM control command.
pub trait RmControl {
    /// `NVxxxx_CTRL_CMD_*`: the class in bits 31:16.
    const CMD: u32;
    /// Its parameters, which RM writes back.
    type Params: Wire;
}

/// An RM class.
pub trait RmClass {
    /// The class number.
    const CLASS: u32;
    /// Its allocation parameters.
    type Params: Wire;
}

macro_rules! typed {
    ($trait:ident, $konst:ident: $($(#[$m:meta])* $name:ident = $num:expr, $params:ty;)*) => {$(
        $(#[$m])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name;
        impl $trait for $name {
            const $konst: u32 = $num;
            type Params = $params;
        }
    )*};
}

typed! { RmControl, CMD:
    /// `NV0000_CTRL_CMD_NULL` on a client: does nothing, hands its
    /// parameters back (any size).
    ClientNull = class::NV0000_CTRL_CMD_NULL, Empty;
    /// `NV2080_CTRL_CMD_NULL` on a subdevice: the cheapest round trip.
    SubdeviceNull = class::NV2080_CTRL_CMD_NULL, Empty;
    /// `NV2080_CTRL_CMD_GPU_GET_ENGINES_V2`: the engine list.
    GpuGetEnginesV2 = class::NV2080_CTRL_CMD_GPU_GET_ENGINES_V2,
        class::Nv2080CtrlGpuGetEnginesV2Params;
    /// `NV2080_CTRL_CMD_GPU_GET_INFO_V2`: GPU facts by index.
    GpuGetInfoV2 = class::NV2080_CTRL_CMD_GPU_GET_INFO_V2, class::Nv2080CtrlGpuGetInfoV2Params;
    /// `NV2080_CTRL_CMD_FB_GET_INFO_V2`: framebuffer facts by index.
    FbGetInfoV2 = class::NV2080_CTRL_CMD_FB_GET_INFO_V2, class::Nv2080CtrlFbGetInfoV2Params;
    /// `NV2080_CTRL_CMD_GR_GET_INFO_V2`: graphics-engine facts by index.
    GrGetInfoV2 = gr_info::NV2080_CTRL_CMD_GR_GET_INFO_V2, gr_info::GrGetInfoV2Params;
    /// `NV2080_CTRL_CMD_INTERNAL_FIFO_GET_NUM_CHANNELS`: the channel IDs of
    /// a runlist (on GSP-RM's internal subdevice).
    InternalFifoGetNumChannels = class::NV2080_CTRL_CMD_INTERNAL_FIFO_GET_NUM_CHANNELS,
        class::Nv2080CtrlInternalFifoGetNumChannelsParams;
    /// `NV2080_CTRL_CMD_INTERNAL_INTR_GET_KERNEL_TABLE`: the interrupt
    /// vectors the kernel driver handles (on GSP-RM's internal subdevice).
    InternalIntrGetKernelTable = intr_table::NV2080_CTRL_CMD_INTERNAL_INTR_GET_KERNEL_TABLE,
        intr_table::IntrGetKernelTableParams;
    /// `NV2080_CTRL_CMD_EVENT_SET_NOTIFICATION`: turns a notifier's
    /// notification on or off.
    EventSetNotification = class::NV2080_CTRL_CMD_EVENT_SET_NOTIFICATION,
        class::Nv2080CtrlEventSetNotificationParams;
    /// `NV2080_CTRL_CMD_CE_GET_FAULT_METHOD_BUFFER_SIZE`: how much method
    /// buffer each channel needs.
    CeGetFaultMethodBufferSize = class::NV2080_CTRL_CMD_CE_GET_FAULT_METHOD_BUFFER_SIZE,
        class::Nv2080CtrlCeGetFaultMethodBufferSizeParams;
    /// `NVA06F_CTRL_CMD_BIND`: binds a channel to its engine's runlist.
    ChannelBind = fifo::NVA06F_CTRL_CMD_BIND, fifo::NvA06fCtrlBindParams;
    /// `NVA06F_CTRL_CMD_GPFIFO_SCHEDULE`: lets the host run a channel.
    ChannelSchedule = fifo::NVA06F_CTRL_CMD_GPFIFO_SCHEDULE, fifo::NvA06fCtrlGpfifoScheduleParams;
    /// `NV2080_CTRL_CMD_FIFO_GET_DEVICE_INFO_TABLE`: the engines' runlists
    /// (on GSP-RM's internal subdevice).
    FifoGetDeviceInfoTable = fifo::NV2080_CTRL_CMD_FIFO_GET_DEVICE_INFO_TABLE,
        fifo::Nv2080CtrlFifoGetDeviceInfoTableParams;
    /// `NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE`: the granule guest
    /// memory of a vGPU is carved in.
    GpuGetVmmuSegmentSize = vgpu::NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE,
        vgpu::GetVmmuSegmentSizeParams;
    /// `..._VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK`: starts a
    /// vGPU's plugin task (on GSP-RM's internal subdevice).
    VgpuBootloadPluginTask = vgpu::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK,
        vgpu::BootloadParams;
    /// `..._VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK`: stops it.
    VgpuShutdownPluginTask = vgpu::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK,
        vgpu::GfidParams;
    /// `..._VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP`: frees what a stopped
    /// task held.
    VgpuPluginCleanup = vgpu::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP,
        vgpu::GfidParams;
    /// `..._VGPU_MGR_INTERNAL_PGPU_ADD_VGPU_TYPE`: the vGPU types. Its
    /// 334,344 bytes of parameters are built as bytes
    /// ([`vgpu::ADD_VGPU_TYPE_PARAMS_SIZE`]), not as one value.
    PgpuAddVgpuType = vgpu::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_PGPU_ADD_VGPU_TYPE, Empty;
    /// `NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES`: where the
    /// driver's directories above GSP-RM's own VA range are.
    VaspaceCopyServerReservedPdes = vaspace::NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES,
        vaspace::CopyServerReservedPdesParams;
}

typed! { RmClass, CLASS:
    /// `NV01_ROOT`: an RM client.
    Root = class::NV01_ROOT, class::Nv0000AllocParameters;
    /// `NV01_DEVICE_0`: the GPU device under a client.
    Device0 = class::NV01_DEVICE_0, class::Nv0080AllocParameters;
    /// `NV20_SUBDEVICE_0`: the GPU subdevice under a device.
    Subdevice0 = class::NV20_SUBDEVICE_0, class::Nv2080AllocParameters;
    /// `NV01_EVENT_KERNEL_CALLBACK_EX`: an event object bound to a
    /// notifier.
    EventKernelCallbackEx = class::NV01_EVENT_KERNEL_CALLBACK_EX, class::Nv0005AllocParameters;
    /// `AMPERE_CHANNEL_GPFIFO_A`: a host channel.
    AmpereChannelGpfifoA = class::AMPERE_CHANNEL_GPFIFO_A, class::NvChannelAllocParams;
    /// `AMPERE_DMA_COPY_B`: a copy engine's object, under a channel.
    AmpereDmaCopyB = class::AMPERE_DMA_COPY_B, fifo::NvB0b5AllocationParameters;
    /// `FERMI_VASPACE_A`: a GPU virtual address space.
    FermiVaspaceA = class::FERMI_VASPACE_A, vaspace::NvVaspaceAllocationParameters;
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::format;

    #[test]
    fn numbers_are_the_headers() {
        assert_eq!(<GetGspStaticInfo as RpcFunction>::FUNCTION as u32, 65);
        assert_eq!(<RmControlCall as RpcFunction>::FUNCTION as u32, 76);
        assert_eq!(<SubdeviceNull as RmControl>::CMD, 0x2080_0000);
        assert_eq!(<GrGetInfoV2 as RmControl>::CMD, 0x2080_1228);
        assert_eq!(<EventSetNotification as RmControl>::CMD, 0x2080_0301);
        assert_eq!(<AmpereChannelGpfifoA as RmClass>::CLASS, 0xc56f);
        assert_eq!(<Subdevice0 as RmClass>::CLASS, 0x2080);
        assert_eq!(format!("{:#x}", Handle(0xc1e0_0002)), "0xc1e00002");
    }
}
