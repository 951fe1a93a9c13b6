//! GSP-RM hosting vGPUs, driven through its queues: SR-IOV mode decided at
//! init, the vGPU controls on its internal subdevice, their events, and
//! plugin tasks ending with GSP-RM.

use super::*;
use crate::board::{Board, SriovFacts, A10_SRIOV};
use crate::control::Injection;
use crate::dev::sriov::Sriov;
use crate::vram::Vram;
use nvgsp_proto::gsp::rpc::static_info::GspStaticConfigInfo;
use nvgsp_proto::gsp::vgpu::{
    add_vgpu_type_entry_offset, AddVgpuTypeHead, BootloadParams, GfidParams, PluginTriggered,
    VgpuInfo, ADD_VGPU_TYPE_PARAMS_SIZE, EVENT_VGPU_GSP_PLUGIN_TRIGGERED,
    NOTIFY_PLUGIN_TASK_BOOTLOADED, NOTIFY_PLUGIN_TASK_UNLOADED,
};
use std::sync::Arc;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const SEG: u64 = crate::gsp_rm::vgpu::VMMU_SEGMENT_SIZE;
const VFS: u16 = 2;
/// GSP-RM's internal client and subdevice.
const INTERNAL: (u32, u32) = (config::INTERNAL_HANDLES.0, config::INTERNAL_HANDLES.2);

fn facts() -> SriovFacts {
    A10_SRIOV.with_vfs(VFS)
}

/// An A10 booted to host vGPUs: the vGPU heap with a partition per VF.
fn sriov_config() -> RmConfig {
    RmConfig {
        vram: GIB,
        sriov: Some(facts()),
        wpr_heap: Some(581 * MIB),
        vf_partitions: VFS as u8,
        ..RmConfig::default()
    }
}

/// The A10's VRAM and SR-IOV state, shared by the GSP-RMs a test starts.
struct Board10 {
    _vram: Vram,
    view: crate::vram::VramView,
    sriov: Arc<Sriov>,
}

impl Board10 {
    fn new() -> Board10 {
        let vram = Vram::new(GIB).unwrap();
        let view = vram.view().unwrap();
        let sriov =
            Arc::new(Sriov::new(Board::A10, facts(), ChipId::GA102_A1, view.clone()).unwrap());
        Board10 {
            _vram: vram,
            view,
            sriov,
        }
    }

    /// A GSP-RM on this board with `config`.
    fn gsp_rm(&self, config: RmConfig) -> Driver {
        let (view, sriov) = (self.view.clone(), self.sriov.clone());
        Driver::with_hw(
            config,
            |_| {},
            move |hw| {
                hw.vram = Some(view);
                hw.sriov = Some(sriov);
            },
        )
        .unwrap()
    }
}

/// GSP_SET_SYSTEM_INFO with `gspVFInfo` as Kernel RM fills it from the
/// A10's capability, `edit`ed.
fn sriov_system_info(edit: impl FnOnce(&mut GspSystemInfo)) -> Vec<u8> {
    let mut info = GspSystemInfo::decode(&system_info()).unwrap();
    let vf = &mut info.gsp_vf_info;
    vf.total_vfs = VFS.into();
    vf.first_vf_offset = 4;
    vf.first_vf_bar0_address = 0xf100_0000;
    vf.first_vf_bar1_address = 0x80_0000_0000;
    vf.first_vf_bar2_address = 0x88_0000_0000;
    vf.b64bit_bar1 = 1;
    vf.b64bit_bar2 = 1;
    edit(&mut info);
    let mut out = vec![0u8; GspSystemInfo::SIZE];
    info.encode(&mut out).unwrap();
    out
}

/// GSP_RM_CONTROL `cmd` on `client`'s `object` with `params`; its status
/// and the parameters GSP-RM sent back (reassembled if split).
fn control(
    d: &mut Driver,
    (client, object): (u32, u32),
    cmd: u32,
    params: &[u8],
) -> (u32, Vec<u8>) {
    let c = RpcGspRmControl {
        h_client: client,
        h_object: object,
        cmd,
        ..RpcGspRmControl::ZERO
    };
    let mut buf = vec![0u8; RpcGspRmControl::SIZE_WITHOUT_PARAMS + params.len()];
    c.encode_with(params, &mut buf).unwrap();
    let seq = d.send(Function::GspRmControl as u32, &buf);
    let (h, first) = d.receive();
    assert_eq!(
        (h.function, h.sequence),
        (Function::GspRmControl as u32, seq)
    );
    let mut whole = first;
    while whole.len() < buf.len() {
        let (c, p) = d.receive();
        assert_eq!(c.function, Function::ContinuationRecord as u32);
        whole.extend_from_slice(&p);
    }
    let (r, out) = RpcGspRmControl::parse(&whole).unwrap();
    assert_eq!(r.status, h.rpc_result);
    (r.status, out.to_vec())
}

fn gfid_params(gfid: u32) -> [u8; 4] {
    let mut b = [0u8; 4];
    GfidParams { gfid }.encode(&mut b).unwrap();
    b
}

/// GFID `gfid`'s task: 64 MiB at 64 MiB, a 4 MiB heap at 16 MiB laid out
/// as the RFC's host lays it out, 32 channels from 64 on every engine.
fn bootload_params(gfid: u32) -> Vec<u8> {
    let mut p = BootloadParams::ZERO;
    p.gfid = gfid;
    p.num_channels = 32;
    p.num_plugin_channels = 1;
    p.chid_offset = [64; nvgsp_proto::gsp::vgpu::MAX_ENGINES];
    p.num_guest_fb_segments = 1;
    p.guest_fb_phys_addr_list[0] = 2 * SEG;
    p.guest_fb_length_list[0] = 2 * SEG;
    p.plugin_heap_memory_phys_addr = 16 * MIB;
    p.plugin_heap_memory_length = 4 * MIB;
    let log = 16 * MIB + 3 * 4096 + 2 * MIB + 4096;
    (p.init_task_log_buff_offset, p.init_task_log_buff_size) = (log, 128 << 10);
    (p.vgpu_task_log_buff_offset, p.vgpu_task_log_buff_size) = (log + (128 << 10), 256 << 10);
    (p.kernel_log_buff_offset, p.kernel_log_buff_size) = (log + (384 << 10), 64 << 10);
    let mut b = vec![0u8; BootloadParams::SIZE];
    p.encode(&mut b).unwrap();
    b
}

/// The next message: VGPU_GSP_PLUGIN_TRIGGERED, as (gfid, notifyIndex).
fn plugin_event(d: &mut Driver) -> (u32, u32) {
    let (h, p) = d.receive();
    assert_eq!(h.function, EVENT_VGPU_GSP_PLUGIN_TRIGGERED);
    let e = PluginTriggered::decode(&p).unwrap();
    (e.gfid, e.notify_index)
}

/// Booted to host vGPUs and asked to (`RMSetSriovMode` = 1), GSP-RM comes
/// up in SR-IOV mode: the static info has the VFs' capability, the VMMU
/// segment size is 32 MiB.
#[test]
fn sriov_mode_reports_the_vfs_and_the_segment_size() {
    let b = Board10::new();
    let mut d = b.gsp_rm(sriov_config());
    init_with(
        &mut d,
        &sriov_system_info(|_| {}),
        &[("RMDevidCheckIgnore", 1), ("RMSetSriovMode", 1)],
    );
    d.send(Function::GetGspStaticInfo as u32, &[]);
    let (_, p) = d.receive();
    let s = GspStaticConfigInfo::decode(&p).unwrap();
    assert_eq!(
        (s.sriov_caps.total_vfs, s.sriov_caps.first_vf_offset),
        (2, 4)
    );
    assert_eq!(s.sriov_caps.bar1_size, A10_SRIOV.vf_bar1);
    assert_eq!(s.sriov_caps.first_vf_bar2_address, 0x88_0000_0000);
    assert_eq!((s.sriov_caps.b_sriov_enabled, s.sriov_max_gfid), (1, 2));
    // The usable VRAM ends below the larger heap.
    let bare = RmConfig {
        vram: GIB,
        ..RmConfig::default()
    };
    assert!(sriov_config().usable_end() + 450 * MIB < bare.usable_end());
    let cmd = nvgsp_proto::gsp::vgpu::NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE;
    let (status, out) = control(&mut d, INTERNAL, cmd, &[0; 8]);
    assert_eq!(
        (status, u64::from_le_bytes(out.try_into().unwrap())),
        (0, 32 * MIB)
    );
}

/// Without SR-IOV mode, every vGPU control is NV_ERR_NOT_SUPPORTED and
/// the static info has no SR-IOV capability.
#[test]
fn without_sriov_mode_vgpu_controls_are_not_supported() {
    use nvgsp_proto::gsp::vgpu as v;
    let b = Board10::new();
    let mut d = b.gsp_rm(RmConfig {
        vram: GIB,
        sriov: Some(facts()),
        ..RmConfig::default()
    });
    init_with(&mut d, &sriov_system_info(|_| {}), &[("RMSetSriovMode", 0)]);
    d.send(Function::GetGspStaticInfo as u32, &[]);
    let s = GspStaticConfigInfo::decode(&d.receive().1).unwrap();
    assert_eq!((s.sriov_caps.total_vfs, s.sriov_max_gfid), (0, 0));
    let calls: [(u32, Vec<u8>); 5] = [
        (v::NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE, vec![0; 8]),
        (
            v::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_PGPU_ADD_VGPU_TYPE,
            vec![0; ADD_VGPU_TYPE_PARAMS_SIZE],
        ),
        (
            v::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK,
            bootload_params(1),
        ),
        (
            v::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK,
            gfid_params(1).to_vec(),
        ),
        (
            v::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP,
            gfid_params(1).to_vec(),
        ),
    ];
    for (cmd, params) in calls {
        let (status, _) = control(&mut d, INTERNAL, cmd, &params);
        assert_eq!(status, status::NV_ERR_NOT_SUPPORTED, "{cmd:#x}");
    }
    assert!(b.sriov.vf(0).unwrap().task().is_none());
}

/// A boot, registry and system info that do not agree on SR-IOV fail
/// GSP-RM's init: it halts.
#[test]
fn an_sriov_mode_that_does_not_match_the_boot_halts_gsp_rm() {
    type Edit = fn(&mut GspSystemInfo);
    let keep: Edit = |_| {};
    let cases: [(&str, RmConfig, Option<u32>, Edit); 5] = [
        (
            "RMSetSriovMode without the vGPU heap",
            RmConfig {
                vram: GIB,
                sriov: Some(facts()),
                ..RmConfig::default()
            },
            Some(1),
            keep,
        ),
        (
            "the vGPU heap without RMSetSriovMode",
            sriov_config(),
            None,
            keep,
        ),
        ("totalVFs of the board", sriov_config(), Some(1), |i| {
            i.gsp_vf_info.total_vfs = 32
        }),
        ("firstVFOffset 0", sriov_config(), Some(1), |i| {
            i.gsp_vf_info.first_vf_offset = 0
        }),
        ("a 32-bit VF BAR1", sriov_config(), Some(1), |i| {
            i.gsp_vf_info.b64bit_bar1 = 0
        }),
    ];
    for (what, config, key, edit) in cases {
        let b = Board10::new();
        let mut d = b.gsp_rm(config);
        d.send(Function::GspSetSystemInfo as u32, &sriov_system_info(edit));
        let entries: Vec<(&str, u32)> = key.map(|k| ("RMSetSriovMode", k)).into_iter().collect();
        send_registry(&mut d, &entries);
        wait_halted(&d, what);
        assert!(!d.message_within(Duration::from_millis(100)), "{what}");
    }
}

/// PGPU_ADD_VGPU_TYPE's 334,344 bytes travel in six elements each way:
/// GSP-RM reassembles the command and splits its reply the same way.
#[test]
fn add_vgpu_type_travels_split_both_ways() {
    let b = Board10::new();
    let mut d = b.gsp_rm(sriov_config());
    init_with(&mut d, &sriov_system_info(|_| {}), &[("RMSetSriovMode", 1)]);
    let mut p = vec![0u8; ADD_VGPU_TYPE_PARAMS_SIZE];
    AddVgpuTypeHead {
        discard_vgpu_types: 1,
        vgpu_info_count: 64,
        ..AddVgpuTypeHead::ZERO
    }
    .encode(&mut p)
    .unwrap();
    for i in 0..64 {
        let mut t = VgpuInfo::ZERO;
        t.vgpu_type = 588 + i as u32;
        t.vgpu_name[..13].copy_from_slice(b"NVIDIA A10-1B");
        t.max_instance = 24;
        t.vdev_id = 0x2236_14b6;
        t.pdev_id = 0x2236;
        t.fb_length = 2 * SEG;
        t.gsp_heap_size = 4 * MIB;
        t.encode(&mut p[add_vgpu_type_entry_offset(i)..]).unwrap();
    }
    let cmd = nvgsp_proto::gsp::vgpu::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_PGPU_ADD_VGPU_TYPE;
    let (status, out) = control(&mut d, INTERNAL, cmd, &p);
    assert_eq!(status, 0);
    assert_eq!(out, p, "the parameters come back whole");
    // The last entry arrived: a type of it can be started.
    let mut bl = BootloadParams::decode(&bootload_params(1)).unwrap();
    bl.vgpu_type = 588 + 63;
    let mut bytes = vec![0u8; BootloadParams::SIZE];
    bl.encode(&mut bytes).unwrap();
    let cmd =
        nvgsp_proto::gsp::vgpu::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK;
    assert_eq!(control(&mut d, INTERNAL, cmd, &bytes).0, 0);
}

/// BOOTLOAD, SHUTDOWN and CLEANUP over the queue: each reply, then the
/// plugin event (BOOTLOADED, UNLOADED) for the GFID; the VF's BAR1
/// reaches the guest memory while the task runs.
#[test]
fn plugin_tasks_raise_their_events() {
    use nvgsp_proto::gsp::vgpu as v;
    let b = Board10::new();
    let mut d = b.gsp_rm(sriov_config());
    init_with(&mut d, &sriov_system_info(|_| {}), &[("RMSetSriovMode", 1)]);
    let boot = v::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK;
    assert_eq!(control(&mut d, INTERNAL, boot, &bootload_params(2)).0, 0);
    assert_eq!(plugin_event(&mut d), (2, NOTIFY_PLUGIN_TASK_BOOTLOADED));
    assert!(b.sriov.vf(1).unwrap().task().is_some());
    let mut magic = [0u8; 4];
    b.view.read(16 * MIB + 8, &mut magic).unwrap();
    assert_eq!(
        u32::from_le_bytes(magic),
        crate::gsp_rm::vgpu::PLUGIN_BOOTLOADED
    );
    let shut = v::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK;
    assert_eq!(control(&mut d, INTERNAL, shut, &gfid_params(2)).0, 0);
    assert_eq!(plugin_event(&mut d), (2, NOTIFY_PLUGIN_TASK_UNLOADED));
    assert!(b.sriov.vf(1).unwrap().task().is_none());
    let clean = v::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP;
    assert_eq!(control(&mut d, INTERNAL, clean, &gfid_params(2)).0, 0);
    assert!(!d.message_within(Duration::from_millis(100)), "no event");
}

/// A GSP-RM crash ends every plugin task: the VF's BAR1 reaches nothing,
/// and the GSP-RM booted next has no task to stop; the host starts them
/// again.
#[test]
fn a_crash_ends_the_plugin_tasks() {
    use nvgsp_proto::gsp::vgpu as v;
    let b = Board10::new();
    let config = sriov_config();
    let injections = config.injections.clone();
    let mut d = b.gsp_rm(config);
    init_with(&mut d, &sriov_system_info(|_| {}), &[("RMSetSriovMode", 1)]);
    let boot = v::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK;
    assert_eq!(control(&mut d, INTERNAL, boot, &bootload_params(1)).0, 0);
    assert_eq!(plugin_event(&mut d), (1, NOTIFY_PLUGIN_TASK_BOOTLOADED));
    let bar1 = b.sriov.bar1_file(0).unwrap().clone();
    std::os::unix::fs::FileExt::write_all_at(&*bar1, &[9; 8], 0).unwrap();
    injections.push(Injection::Crash);
    wait_halted(&d, "a crash");
    let start = Instant::now();
    while b.sriov.vf(0).unwrap().task().is_some() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the task outlived GSP-RM"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut word = [0u8; 8];
    std::os::unix::fs::FileExt::read_exact_at(&*bar1, &mut word, 0).unwrap();
    assert_eq!(word, [0; 8], "the VF's BAR1 reaches nothing");
    b.view.read(2 * SEG, &mut word).unwrap();
    assert_eq!(word, [9; 8], "the guest's bytes are in VRAM");
    drop(d);
    // The next GSP-RM: no task to stop, a new one starts.
    let mut d = b.gsp_rm(sriov_config());
    init_with(&mut d, &sriov_system_info(|_| {}), &[("RMSetSriovMode", 1)]);
    let shut = v::NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK;
    assert_eq!(
        control(&mut d, INTERNAL, shut, &gfid_params(1)).0,
        status::NV_ERR_INVALID_STATE
    );
    assert_eq!(control(&mut d, INTERNAL, boot, &bootload_params(1)).0, 0);
    assert_eq!(plugin_event(&mut d), (1, NOTIFY_PLUGIN_TASK_BOOTLOADED));
}
