// SPDX-License-Identifier: GPL-2.0
//! RPC function numbers (`NV_VGPU_MSG_FUNCTION_*`, sent by the CPU and
//! echoed in replies) and event numbers (`NV_VGPU_MSG_EVENT_*`, posted by
//! GSP-RM unprompted).
//!
//! Numbers from nova-core `r570_144/bindings.rs` (`_bindgen_ty_2`,
//! `_bindgen_ty_3`), cross-checked with NVIDIA `gsp_abi_check.c` (570.144).
//! [`Function`] covers the functions the driver or nova/nouveau send and
//! every event 570.144 defines; other numbers are [`UnknownFunction`].

/// `NV_VGPU_MSG_FUNCTION_NUM_FUNCTIONS`: one past the last function number.
pub const NV_VGPU_MSG_FUNCTION_NUM_FUNCTIONS: u32 = 227;
/// `NV_VGPU_MSG_EVENT_FIRST_EVENT`: event numbers start here.
pub const NV_VGPU_MSG_EVENT_FIRST_EVENT: u32 = 0x1000;
/// `NV_VGPU_MSG_EVENT_NUM_EVENTS`: one past the last event number.
pub const NV_VGPU_MSG_EVENT_NUM_EVENTS: u32 = 4131;

/// A function or event number that [`Function`] does not list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownFunction(pub u32);

macro_rules! functions {
    ($($(#[$m:meta])* $variant:ident = $value:literal, $name:literal;)*) => {
        /// An RPC function or event number.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum Function {
            $($(#[$m])* $variant = $value,)*
        }

        impl Function {
            /// Every listed function and event, in declaration order.
            pub const ALL: &'static [Function] = &[$(Function::$variant),*];

            /// The NVIDIA name without its `NV_VGPU_MSG_FUNCTION_` or
            /// `NV_VGPU_MSG_EVENT_` prefix, for logs.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Function::$variant => $name,)*
                }
            }
        }

        impl TryFrom<u32> for Function {
            type Error = UnknownFunction;

            fn try_from(value: u32) -> Result<Self, UnknownFunction> {
                match value {
                    $($value => Ok(Function::$variant),)*
                    _ => Err(UnknownFunction(value)),
                }
            }
        }
    };
}

functions! {
    /// `NOP`.
    Nop = 0, "NOP";
    /// `SET_GUEST_SYSTEM_INFO`.
    SetGuestSystemInfo = 1, "SET_GUEST_SYSTEM_INFO";
    /// `ALLOC_ROOT`.
    AllocRoot = 2, "ALLOC_ROOT";
    /// `ALLOC_DEVICE`.
    AllocDevice = 3, "ALLOC_DEVICE";
    /// `ALLOC_MEMORY`.
    AllocMemory = 4, "ALLOC_MEMORY";
    /// `ALLOC_CTX_DMA`.
    AllocCtxDma = 5, "ALLOC_CTX_DMA";
    /// `ALLOC_CHANNEL_DMA`.
    AllocChannelDma = 6, "ALLOC_CHANNEL_DMA";
    /// `MAP_MEMORY`.
    MapMemory = 7, "MAP_MEMORY";
    /// `BIND_CTX_DMA`.
    BindCtxDma = 8, "BIND_CTX_DMA";
    /// `ALLOC_OBJECT`.
    AllocObject = 9, "ALLOC_OBJECT";
    /// `FREE`: free an RM object (`rpc_free_v03_00`).
    Free = 10, "FREE";
    /// `LOG`: a log line from GSP-RM (`rpc_log_v03_00`).
    Log = 11, "LOG";
    /// `DUP_OBJECT`.
    DupObject = 21, "DUP_OBJECT";
    /// `ALLOC_EVENT`.
    AllocEvent = 23, "ALLOC_EVENT";
    /// `UNLOADING_GUEST_DRIVER`: shut GSP-RM down (`rpc_unloading_guest_driver_v1F_07`).
    UnloadingGuestDriver = 47, "UNLOADING_GUEST_DRIVER";
    /// `GET_STATIC_INFO`.
    GetStaticInfo = 51, "GET_STATIC_INFO";
    /// `SET_PAGE_DIRECTORY`.
    SetPageDirectory = 54, "SET_PAGE_DIRECTORY";
    /// `GET_GSP_STATIC_INFO`: read `GspStaticConfigInfo_t`.
    GetGspStaticInfo = 65, "GET_GSP_STATIC_INFO";
    /// `UPDATE_BAR_PDE`.
    UpdateBarPde = 70, "UPDATE_BAR_PDE";
    /// `CONTINUATION_RECORD`: the next part of a message split over elements.
    ContinuationRecord = 71, "CONTINUATION_RECORD";
    /// `GSP_SET_SYSTEM_INFO`: send `GspSystemInfo`.
    GspSetSystemInfo = 72, "GSP_SET_SYSTEM_INFO";
    /// `SET_REGISTRY`: send `PACKED_REGISTRY_TABLE`.
    SetRegistry = 73, "SET_REGISTRY";
    /// `GSP_INIT_POST_OBJGPU`.
    GspInitPostObjgpu = 74, "GSP_INIT_POST_OBJGPU";
    /// `SUBDEV_EVENT_SET_NOTIFICATION`.
    SubdevEventSetNotification = 75, "SUBDEV_EVENT_SET_NOTIFICATION";
    /// `GSP_RM_CONTROL`: an RM control call (`rpc_gsp_rm_control_v03_00`).
    GspRmControl = 76, "GSP_RM_CONTROL";
    /// `GET_STATIC_INFO2`.
    GetStaticInfo2 = 77, "GET_STATIC_INFO2";
    /// `DUMP_PROTOBUF_COMPONENT`.
    DumpProtobufComponent = 78, "DUMP_PROTOBUF_COMPONENT";
    /// `UNSET_PAGE_DIRECTORY`.
    UnsetPageDirectory = 79, "UNSET_PAGE_DIRECTORY";
    /// `GET_CONSOLIDATED_STATIC_INFO`.
    GetConsolidatedStaticInfo = 80, "GET_CONSOLIDATED_STATIC_INFO";
    /// `GMMU_REGISTER_FAULT_BUFFER`.
    GmmuRegisterFaultBuffer = 81, "GMMU_REGISTER_FAULT_BUFFER";
    /// `GMMU_UNREGISTER_FAULT_BUFFER`.
    GmmuUnregisterFaultBuffer = 82, "GMMU_UNREGISTER_FAULT_BUFFER";
    /// `CTRL_SET_VGPU_FB_USAGE`.
    CtrlSetVgpuFbUsage = 85, "CTRL_SET_VGPU_FB_USAGE";
    /// `GSP_RM_ALLOC`: allocate an RM object (`rpc_gsp_rm_alloc_v03_00`).
    GspRmAlloc = 103, "GSP_RM_ALLOC";
    /// `CTRL_FB_GET_INFO_V2`.
    CtrlFbGetInfoV2 = 142, "CTRL_FB_GET_INFO_V2";
    /// `DISABLE_CHANNELS`.
    DisableChannels = 178, "DISABLE_CHANNELS";
    /// `SAVE_HIBERNATION_DATA`.
    SaveHibernationData = 181, "SAVE_HIBERNATION_DATA";
    /// `RESTORE_HIBERNATION_DATA`.
    RestoreHibernationData = 182, "RESTORE_HIBERNATION_DATA";
    /// `INVALIDATE_TLB`.
    InvalidateTlb = 200, "INVALIDATE_TLB";
    /// `ECC_NOTIFIER_WRITE_ACK`.
    EccNotifierWriteAck = 202, "ECC_NOTIFIER_WRITE_ACK";
    /// `RM_API_CONTROL`.
    RmApiControl = 204, "RM_API_CONTROL";
    /// `GET_STATIC_DATA`.
    GetStaticData = 207, "GET_STATIC_DATA";
    /// `CTRL_GPU_GET_INFO_V2`.
    CtrlGpuGetInfoV2 = 209, "CTRL_GPU_GET_INFO_V2";
    /// `GET_BRAND_CAPS`.
    GetBrandCaps = 210, "GET_BRAND_CAPS";
    /// `CTRL_CMD_INTERNAL_CONTROL_GSP_TRACE`.
    CtrlCmdInternalControlGspTrace = 213, "CTRL_CMD_INTERNAL_CONTROL_GSP_TRACE";

    /// Event `GSP_INIT_DONE`: GSP-RM finished booting.
    GspInitDone = 4097, "GSP_INIT_DONE";
    /// Event `GSP_RUN_CPU_SEQUENCER`: run a register sequence (`rpc_run_cpu_sequencer_v17_00`).
    GspRunCpuSequencer = 4098, "GSP_RUN_CPU_SEQUENCER";
    /// Event `POST_EVENT`: an RM event notification (`rpc_post_event_v17_00`).
    PostEvent = 4099, "POST_EVENT";
    /// Event `RC_TRIGGERED`: robust-channel recovery (`rpc_rc_triggered_v17_02`).
    RcTriggered = 4100, "RC_TRIGGERED";
    /// Event `MMU_FAULT_QUEUED`.
    MmuFaultQueued = 4101, "MMU_FAULT_QUEUED";
    /// Event `OS_ERROR_LOG`: an Xid (`rpc_os_error_log_v17_00`).
    OsErrorLog = 4102, "OS_ERROR_LOG";
    /// Event `RG_LINE_INTR`.
    RgLineIntr = 4103, "RG_LINE_INTR";
    /// Event `GPUACCT_PERFMON_UTIL_SAMPLES`.
    GpuacctPerfmonUtilSamples = 4104, "GPUACCT_PERFMON_UTIL_SAMPLES";
    /// Event `SIM_READ`.
    SimRead = 4105, "SIM_READ";
    /// Event `SIM_WRITE`.
    SimWrite = 4106, "SIM_WRITE";
    /// Event `SEMAPHORE_SCHEDULE_CALLBACK`.
    SemaphoreScheduleCallback = 4107, "SEMAPHORE_SCHEDULE_CALLBACK";
    /// Event `UCODE_LIBOS_PRINT`.
    UcodeLibosPrint = 4108, "UCODE_LIBOS_PRINT";
    /// Event `VGPU_GSP_PLUGIN_TRIGGERED`.
    VgpuGspPluginTriggered = 4109, "VGPU_GSP_PLUGIN_TRIGGERED";
    /// Event `PERF_GPU_BOOST_SYNC_LIMITS_CALLBACK`.
    PerfGpuBoostSyncLimitsCallback = 4110, "PERF_GPU_BOOST_SYNC_LIMITS_CALLBACK";
    /// Event `PERF_BRIDGELESS_INFO_UPDATE`.
    PerfBridgelessInfoUpdate = 4111, "PERF_BRIDGELESS_INFO_UPDATE";
    /// Event `VGPU_CONFIG`.
    VgpuConfig = 4112, "VGPU_CONFIG";
    /// Event `DISPLAY_MODESET`.
    DisplayModeset = 4113, "DISPLAY_MODESET";
    /// Event `EXTDEV_INTR_SERVICE`.
    ExtdevIntrService = 4114, "EXTDEV_INTR_SERVICE";
    /// Event `NVLINK_INBAND_RECEIVED_DATA_256`.
    NvlinkInbandReceivedData256 = 4115, "NVLINK_INBAND_RECEIVED_DATA_256";
    /// Event `NVLINK_INBAND_RECEIVED_DATA_512`.
    NvlinkInbandReceivedData512 = 4116, "NVLINK_INBAND_RECEIVED_DATA_512";
    /// Event `NVLINK_INBAND_RECEIVED_DATA_1024`.
    NvlinkInbandReceivedData1024 = 4117, "NVLINK_INBAND_RECEIVED_DATA_1024";
    /// Event `NVLINK_INBAND_RECEIVED_DATA_2048`.
    NvlinkInbandReceivedData2048 = 4118, "NVLINK_INBAND_RECEIVED_DATA_2048";
    /// Event `NVLINK_INBAND_RECEIVED_DATA_4096`.
    NvlinkInbandReceivedData4096 = 4119, "NVLINK_INBAND_RECEIVED_DATA_4096";
    /// Event `TIMED_SEMAPHORE_RELEASE`.
    TimedSemaphoreRelease = 4120, "TIMED_SEMAPHORE_RELEASE";
    /// Event `NVLINK_IS_GPU_DEGRADED`.
    NvlinkIsGpuDegraded = 4121, "NVLINK_IS_GPU_DEGRADED";
    /// Event `PFM_REQ_HNDLR_STATE_SYNC_CALLBACK`.
    PfmReqHndlrStateSyncCallback = 4122, "PFM_REQ_HNDLR_STATE_SYNC_CALLBACK";
    /// Event `NVLINK_FAULT_UP`.
    NvlinkFaultUp = 4123, "NVLINK_FAULT_UP";
    /// Event `GSP_LOCKDOWN_NOTICE`.
    GspLockdownNotice = 4124, "GSP_LOCKDOWN_NOTICE";
    /// Event `MIG_CI_CONFIG_UPDATE`.
    MigCiConfigUpdate = 4125, "MIG_CI_CONFIG_UPDATE";
    /// Event `UPDATE_GSP_TRACE`.
    UpdateGspTrace = 4126, "UPDATE_GSP_TRACE";
    /// Event `NVLINK_FATAL_ERROR_RECOVERY`.
    NvlinkFatalErrorRecovery = 4127, "NVLINK_FATAL_ERROR_RECOVERY";
    /// Event `GSP_POST_NOCAT_RECORD`.
    GspPostNocatRecord = 4128, "GSP_POST_NOCAT_RECORD";
    /// Event `FECS_ERROR`.
    FecsError = 4129, "FECS_ERROR";
    /// Event `RECOVERY_ACTION`.
    RecoveryAction = 4130, "RECOVERY_ACTION";
}

impl Function {
    /// Whether this is an event GSP-RM posts on its own
    /// (`NV_VGPU_MSG_EVENT_*`) rather than a function the CPU calls.
    pub const fn is_event(self) -> bool {
        self as u32 >= NV_VGPU_MSG_EVENT_FIRST_EVENT
    }
}

impl From<Function> for u32 {
    fn from(f: Function) -> u32 {
        f as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_numbers() {
        // bindings.rs NV_VGPU_MSG_FUNCTION_* (the brief's list) and
        // gsp_abi_check.c ABI_CHECK_ENUM_VAL_EQ lines.
        let expect: &[(Function, u32)] = &[
            (Function::Nop, 0),
            (Function::SetGuestSystemInfo, 1),
            (Function::AllocRoot, 2),
            (Function::AllocDevice, 3),
            (Function::AllocMemory, 4),
            (Function::AllocCtxDma, 5),
            (Function::AllocChannelDma, 6),
            (Function::MapMemory, 7),
            (Function::BindCtxDma, 8),
            (Function::AllocObject, 9),
            (Function::Free, 10),
            (Function::Log, 11),
            (Function::DupObject, 21),
            (Function::AllocEvent, 23),
            (Function::UnloadingGuestDriver, 47),
            (Function::GetStaticInfo, 51),
            (Function::SetPageDirectory, 54),
            (Function::GetGspStaticInfo, 65),
            (Function::UpdateBarPde, 70),
            (Function::ContinuationRecord, 71),
            (Function::GspSetSystemInfo, 72),
            (Function::SetRegistry, 73),
            (Function::GspInitPostObjgpu, 74),
            (Function::SubdevEventSetNotification, 75),
            (Function::GspRmControl, 76),
            (Function::GetStaticInfo2, 77),
            (Function::DumpProtobufComponent, 78),
            (Function::UnsetPageDirectory, 79),
            (Function::GetConsolidatedStaticInfo, 80),
            (Function::GmmuRegisterFaultBuffer, 81),
            (Function::GmmuUnregisterFaultBuffer, 82),
            (Function::CtrlSetVgpuFbUsage, 85),
            (Function::GspRmAlloc, 103),
            (Function::CtrlFbGetInfoV2, 142),
            (Function::DisableChannels, 178),
            (Function::SaveHibernationData, 181),
            (Function::RestoreHibernationData, 182),
            (Function::InvalidateTlb, 200),
            (Function::EccNotifierWriteAck, 202),
            (Function::RmApiControl, 204),
            (Function::GetStaticData, 207),
            (Function::CtrlGpuGetInfoV2, 209),
            (Function::GetBrandCaps, 210),
            (Function::CtrlCmdInternalControlGspTrace, 213),
            // NV_VGPU_MSG_EVENT_*: FIRST_EVENT = 4096, then in order.
            (Function::GspInitDone, 4097),
            (Function::GspRunCpuSequencer, 4098),
            (Function::PostEvent, 4099),
            (Function::RcTriggered, 4100),
            (Function::MmuFaultQueued, 4101),
            (Function::OsErrorLog, 4102),
            (Function::RgLineIntr, 4103),
            (Function::GpuacctPerfmonUtilSamples, 4104),
            (Function::SimRead, 4105),
            (Function::SimWrite, 4106),
            (Function::SemaphoreScheduleCallback, 4107),
            (Function::UcodeLibosPrint, 4108),
            (Function::VgpuGspPluginTriggered, 4109),
            (Function::PerfGpuBoostSyncLimitsCallback, 4110),
            (Function::PerfBridgelessInfoUpdate, 4111),
            (Function::VgpuConfig, 4112),
            (Function::DisplayModeset, 4113),
            (Function::ExtdevIntrService, 4114),
            (Function::NvlinkInbandReceivedData256, 4115),
            (Function::NvlinkInbandReceivedData512, 4116),
            (Function::NvlinkInbandReceivedData1024, 4117),
            (Function::NvlinkInbandReceivedData2048, 4118),
            (Function::NvlinkInbandReceivedData4096, 4119),
            (Function::TimedSemaphoreRelease, 4120),
            (Function::NvlinkIsGpuDegraded, 4121),
            (Function::PfmReqHndlrStateSyncCallback, 4122),
            (Function::NvlinkFaultUp, 4123),
            (Function::GspLockdownNotice, 4124),
            (Function::MigCiConfigUpdate, 4125),
            (Function::UpdateGspTrace, 4126),
            (Function::NvlinkFatalErrorRecovery, 4127),
            (Function::GspPostNocatRecord, 4128),
            (Function::FecsError, 4129),
            (Function::RecoveryAction, 4130),
        ];
        assert_eq!(expect.len(), Function::ALL.len());
        for &(f, n) in expect {
            assert_eq!(u32::from(f), n, "{}", f.name());
            assert_eq!(Function::try_from(n), Ok(f));
        }
        assert_eq!(NV_VGPU_MSG_EVENT_FIRST_EVENT, 4096);
        assert_eq!(NV_VGPU_MSG_EVENT_NUM_EVENTS, 4131);
        assert_eq!(NV_VGPU_MSG_FUNCTION_NUM_FUNCTIONS, 227);
        // Every event 4097..4131 is listed.
        for n in NV_VGPU_MSG_EVENT_FIRST_EVENT + 1..NV_VGPU_MSG_EVENT_NUM_EVENTS {
            assert!(Function::try_from(n).is_ok_and(Function::is_event), "{n}");
        }
    }

    #[test]
    fn names_and_unknowns() {
        assert_eq!(Function::GspRmControl.name(), "GSP_RM_CONTROL");
        assert_eq!(Function::GspInitDone.name(), "GSP_INIT_DONE");
        assert!(!Function::SetRegistry.is_event());
        assert!(Function::OsErrorLog.is_event());
        for n in [12, 226, 227, 4096, 4131, u32::MAX] {
            assert_eq!(Function::try_from(n), Err(UnknownFunction(n)));
        }
        // Names are unique and non-empty.
        for (i, a) in Function::ALL.iter().enumerate() {
            assert!(!a.name().is_empty());
            for b in &Function::ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
                assert_ne!(*a as u32, *b as u32);
            }
        }
    }
}
