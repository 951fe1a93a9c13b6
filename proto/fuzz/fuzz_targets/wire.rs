// SPDX-License-Identifier: GPL-2.0
//! `Wire::decode` of every fixed structure one side reads from the other
//! (queue and RPC headers and payloads, parameter blocks, boot structures,
//! firmware and VBIOS headers).
//!
//! The first byte picks the type, the rest is decoded. For each: it
//! decodes exactly when the input holds `SIZE` bytes (`SIZE` equal to the
//! Rust layout's size), encodes back to those bytes, writes nothing past
//! `SIZE`, refuses a shorter buffer, and `ZERO`/`Default` encode to zeros.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nvgsp_proto::firmware::bin_hdr::BinHdr;
use nvgsp_proto::firmware::elf::{Elf64Header, Elf64SectionHeader};
use nvgsp_proto::firmware::hs::{HsHeaderV2, HsLoadHeaderV2, HsLoadHeaderV2App, HsMetaData};
use nvgsp_proto::firmware::riscv::RiscvUcodeDesc;
use nvgsp_proto::firmware::vbios::appif::{
    AppifEntryV1, AppifHeaderV1, DmemMapperV3, FrtsRegionDesc, ReadVbiosDesc,
};
use nvgsp_proto::firmware::vbios::bit::{BitFalconDataV2, BitHeader, BitToken};
use nvgsp_proto::firmware::vbios::rom::{Npde, PciRomHeader, Pcir};
use nvgsp_proto::firmware::vbios::ucode_desc::FalconUcodeDescV3;
use nvgsp_proto::firmware::vbios::ucode_table::FalconUcodeTableHdrV1;
use nvgsp_proto::gsp::args::{
    GspArgumentsCached, GspProfilerArgs, GspSrInitArguments, MessageQueueInitArguments,
};
use nvgsp_proto::gsp::class::{
    CtrlInfo, FbRegionInfo, Nv0000AllocParameters, Nv0005AllocParameters, Nv0080AllocParameters,
    Nv2080AllocParameters, Nv2080CtrlEventSetNotificationParams, Nv2080CtrlFbGetFbRegionInfoParams,
    Nv2080CtrlFbGetInfoV2Params, Nv2080CtrlGpuGetEnginesV2Params, Nv2080CtrlGpuGetInfoV2Params,
};
use nvgsp_proto::gsp::gr_info::{GrGetInfoV2Params, GrRouteInfo};
use nvgsp_proto::gsp::libos::LibosMemoryRegionInitArgument;
use nvgsp_proto::gsp::msgq::{GspMsgQueueElement, RpcMessageHeader};
use nvgsp_proto::gsp::queue::{MsgqRxHeader, MsgqTxHeader};
use nvgsp_proto::gsp::rpc::event::{
    RpcGspLockdownNotice, RpcLog, RpcOsErrorLog, RpcPostEvent, RpcRcTriggered, RpcUcodeLibosPrint,
};
use nvgsp_proto::gsp::rpc::registry::{PackedRegistryEntry, PackedRegistryTable};
use nvgsp_proto::gsp::rpc::rm::{Nvos00Parameters, RpcFree, RpcGspRmAlloc, RpcGspRmControl};
use nvgsp_proto::gsp::rpc::sequencer::{
    GspSequencerBufferCmd, RpcRunCpuSequencer, SeqDelayUs, SeqRegModify, SeqRegPoll, SeqRegStore,
    SeqRegWrite,
};
use nvgsp_proto::gsp::rpc::static_info::{
    EcidManufacturingInfo, FwWprLayoutOffset, GspStaticConfigInfo, Nv0080CtrlGpuGetSriovCapsParams,
    Nv2080CtrlBiosGetSkuInfoParams, Nv2080CtrlGpuGetGidInfoParams,
    VirtualDisplayGetMaxResolutionParams, VirtualDisplayGetNumHeadsParams,
};
use nvgsp_proto::gsp::rpc::system_info::{
    AcpiMethodData, BusInfo, CapsMethodData, DodMethodData, GspPcieConfigReg, GspSystemInfo,
    GspVfInfo, JtMethodData, MuxMethodData, MuxMethodDataElement,
};
use nvgsp_proto::gsp::rpc::unload::RpcUnloadingGuestDriver;
use nvgsp_proto::gsp::wpr_meta::{GspFwWprMeta, WprMetaPartitionInfo};
use nvgsp_proto::wire::Wire;
use nvgsp_proto_fuzz::round_trip;

fn check<T: Wire + PartialEq + core::fmt::Debug + Default>(b: &[u8]) {
    assert_eq!(T::SIZE, core::mem::size_of::<T>());
    round_trip::<T>(b);
    let mut z = vec![0xffu8; T::SIZE];
    T::ZERO.encode(&mut z).unwrap();
    assert!(z.iter().all(|&x| x == 0));
    assert_eq!(T::default(), T::ZERO);
}

macro_rules! types {
    ($sel:expr, $b:expr; $($t:ty),* $(,)?) => {{
        let fns: &[fn(&[u8])] = &[$(check::<$t>),*];
        fns[usize::from($sel) % fns.len()]($b)
    }};
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, b)) = data.split_first() else {
        return;
    };
    types!(sel, b;
        // Queue elements and shared memory.
        GspMsgQueueElement, RpcMessageHeader, MsgqTxHeader, MsgqRxHeader,
        LibosMemoryRegionInitArgument, GspArgumentsCached, MessageQueueInitArguments,
        GspSrInitArguments, GspProfilerArgs, GspFwWprMeta, WprMetaPartitionInfo,
        // RPC payloads.
        RpcGspRmAlloc, RpcGspRmControl, Nvos00Parameters, RpcFree, RpcUnloadingGuestDriver,
        RpcOsErrorLog, RpcPostEvent, RpcRcTriggered, RpcGspLockdownNotice, RpcUcodeLibosPrint,
        RpcLog, PackedRegistryTable, PackedRegistryEntry, RpcRunCpuSequencer, SeqRegWrite,
        SeqRegModify, SeqRegPoll, SeqDelayUs, SeqRegStore, GspSequencerBufferCmd,
        GspSystemInfo, BusInfo, DodMethodData, JtMethodData, MuxMethodDataElement,
        MuxMethodData, CapsMethodData, AcpiMethodData, GspVfInfo, GspPcieConfigReg,
        GspStaticConfigInfo, Nv2080CtrlGpuGetGidInfoParams, Nv2080CtrlBiosGetSkuInfoParams,
        Nv0080CtrlGpuGetSriovCapsParams, VirtualDisplayGetNumHeadsParams,
        VirtualDisplayGetMaxResolutionParams, EcidManufacturingInfo, FwWprLayoutOffset,
        // Allocation and control parameters.
        Nv0000AllocParameters, Nv0080AllocParameters, Nv2080AllocParameters,
        Nv0005AllocParameters, CtrlInfo, Nv2080CtrlGpuGetInfoV2Params,
        Nv2080CtrlFbGetInfoV2Params, Nv2080CtrlGpuGetEnginesV2Params, FbRegionInfo,
        Nv2080CtrlFbGetFbRegionInfoParams, Nv2080CtrlEventSetNotificationParams,
        GrRouteInfo, GrGetInfoV2Params,
        // Firmware files and the VBIOS.
        BinHdr, HsHeaderV2, HsLoadHeaderV2, HsLoadHeaderV2App, HsMetaData, RiscvUcodeDesc,
        Elf64Header, Elf64SectionHeader, PciRomHeader, Pcir, Npde, BitHeader, BitToken,
        BitFalconDataV2, FalconUcodeTableHdrV1, FalconUcodeDescV3, AppifHeaderV1, AppifEntryV1,
        DmemMapperV3, ReadVbiosDesc, FrtsRegionDesc,
        // Plain integers and arrays.
        u8, u16, u32, u64, i32, [u32; 3], [CtrlInfo; 2],
    )
});
