//! The vGPU manager's rules, one refusal per rule: each row starts from a
//! request the manager takes and breaks one thing, so that a rule taken
//! away lets its row through.

use super::*;
use crate::board::{Board, A10_SRIOV};
use crate::vram::Vram;
use nvgsp_proto::chip::ChipId;
use nvgsp_proto::gsp::class::{NV2080_ENGINE_TYPE_COPY0, NV2080_ENGINE_TYPE_GRAPHICS};
use nvgsp_proto::gsp::vgpu::{NOTIFY_PLUGIN_TASK_BOOTLOADED, NOTIFY_PLUGIN_TASK_UNLOADED};
use std::os::unix::fs::FileExt;

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const SEG: u64 = VMMU_SEGMENT_SIZE;
/// The end of the clients' VRAM the tests' GSP-RM reports.
const FB_END: u64 = 512 * MIB;
/// VFs served (`--vfs 4`).
const VFS: u16 = 4;
const CE0: u32 = NV2080_ENGINE_TYPE_COPY0;
const ENGINES: [u32; 3] = [NV2080_ENGINE_TYPE_GRAPHICS, CE0, CE0 + 1];
/// A channel the PF's client holds on CE0.
const PF_CHANNEL: (u32, u32) = (CE0, 300);
/// The test type: two segments of guest memory, a 4 MiB heap.
const TYPE: u32 = 588;
const DEVICE: u64 = 0x2236;

fn facts() -> SriovFacts {
    A10_SRIOV.with_vfs(VFS)
}

/// The boot of an A10 hosting vGPUs: the vGPU heap, `partitions`.
fn config(partitions: u8) -> RmConfig {
    RmConfig {
        vram: GIB,
        sriov: Some(facts()),
        wpr_heap: Some(581 * MIB),
        vf_partitions: partitions,
        ..RmConfig::default()
    }
}

/// `gspVFInfo` as Kernel RM fills it from the capability.
fn vf_info() -> GspVfInfo {
    GspVfInfo {
        total_vfs: VFS.into(),
        first_vf_offset: 4,
        first_vf_bar0_address: 0xf000_0000,
        first_vf_bar1_address: 0x40_0000_0000,
        first_vf_bar2_address: 0x48_0000_0000,
        b64bit_bar0: 0,
        b64bit_bar1: 1,
        b64bit_bar2: 1,
        ..GspVfInfo::ZERO
    }
}

/// A manager in SR-IOV mode over an A10's VFs, and what it runs against.
struct Fixture {
    vram: Vram,
    sriov: Arc<Sriov>,
    m: VgpuManager,
}

impl Fixture {
    fn new(partitions: u8) -> Fixture {
        crate::logger::init(false);
        let vram = Vram::new(GIB).unwrap();
        let sriov = Arc::new(
            Sriov::new(Board::A10, facts(), ChipId::GA102_A1, vram.view().unwrap()).unwrap(),
        );
        let mut m = VgpuManager::new(Some(sriov.clone()), Some(vram.view().unwrap()));
        let mode = check_mode(&config(partitions), Some(1), &vf_info()).unwrap();
        assert!(mode.is_some());
        m.set_mode(mode);
        Fixture { vram, sriov, m }
    }

    fn ctx() -> Context<'static> {
        Context {
            fb_end: FB_END,
            channels: 2048,
            engines: &ENGINES,
            pf_channels: vec![PF_CHANNEL],
        }
    }

    fn call(&mut self, internal: bool, cmd: u32, params: &mut [u8]) -> u32 {
        self.m.control(internal, cmd, params, &Fixture::ctx())
    }

    fn bootload(&mut self, p: &BootloadParams) -> u32 {
        let mut b = vec![0u8; BootloadParams::SIZE];
        p.encode(&mut b).unwrap();
        self.call(
            true,
            NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK,
            &mut b,
        )
    }

    fn gfid_call(&mut self, cmd: u32, gfid: u32) -> u32 {
        let mut b = [0u8; 4];
        GfidParams { gfid }.encode(&mut b).unwrap();
        self.call(true, cmd, &mut b)
    }

    fn shutdown(&mut self, gfid: u32) -> u32 {
        self.gfid_call(
            NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK,
            gfid,
        )
    }

    fn cleanup(&mut self, gfid: u32) -> u32 {
        self.gfid_call(NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP, gfid)
    }

    fn add_types(&mut self, discard: bool, types: &[VgpuInfo]) -> u32 {
        let mut b = add_types_params(discard, types);
        self.call(
            true,
            NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_PGPU_ADD_VGPU_TYPE,
            &mut b,
        )
    }

    fn vram_u64(&self, at: u64) -> u64 {
        let mut b = [0u8; 8];
        self.vram.view().unwrap().read(at, &mut b).unwrap();
        u64::from_le_bytes(b)
    }

    fn bar1_u64(&self, gfid: u32, at: u64) -> u64 {
        let mut b = [0u8; 8];
        let f = self.sriov.bar1_file(gfid as u16 - 1).unwrap();
        f.read_exact_at(&mut b, at).unwrap();
        u64::from_le_bytes(b)
    }
}

fn add_types_params(discard: bool, types: &[VgpuInfo]) -> Vec<u8> {
    let mut b = vec![0u8; ADD_VGPU_TYPE_PARAMS_SIZE];
    AddVgpuTypeHead {
        discard_vgpu_types: discard.into(),
        vgpu_info_count: types.len() as u32,
        ..AddVgpuTypeHead::ZERO
    }
    .encode(&mut b)
    .unwrap();
    for (i, t) in types.iter().enumerate() {
        t.encode(&mut b[add_vgpu_type_entry_offset(i)..]).unwrap();
    }
    b
}

/// A vGPU type GSP-RM takes: type `id` of the A10.
fn vgpu_type(id: u32) -> VgpuInfo {
    let mut t = VgpuInfo::ZERO;
    t.vgpu_type = id;
    t.vgpu_name[..13].copy_from_slice(b"NVIDIA A10-1B");
    t.vgpu_class[..3].copy_from_slice(b"NVS");
    t.max_instance = 2;
    t.vdev_id = DEVICE << 16 | 0x14b6;
    t.pdev_id = DEVICE;
    t.fb_length = 2 * SEG;
    t.profile_size = 2 * SEG;
    t.gsp_heap_size = 4 * MIB;
    t.bar1_length = 64;
    t
}

/// GFID `gfid`'s task as the host sends it: two segments at `at` and
/// `at` + 64 MiB, a 4 MiB heap at `heap` with the RFC's layout (the
/// control page first, the logs after 3 pages, 2 MiB and a page), 32
/// channels on every engine from `chid`.
fn params(gfid: u32, at: u64, heap: u64, chid: u32) -> BootloadParams {
    let mut p = BootloadParams::ZERO;
    p.gfid = gfid;
    p.num_channels = 32;
    p.num_plugin_channels = 1;
    p.chid_offset = [chid; nvgsp_proto::gsp::vgpu::MAX_ENGINES];
    p.num_guest_fb_segments = 2;
    p.guest_fb_phys_addr_list[0] = at;
    p.guest_fb_length_list[0] = SEG;
    p.guest_fb_phys_addr_list[1] = at + 2 * SEG;
    p.guest_fb_length_list[1] = SEG;
    p.plugin_heap_memory_phys_addr = heap;
    p.plugin_heap_memory_length = 4 * MIB;
    let log = heap + 3 * 4096 + 2 * MIB + 4096;
    p.init_task_log_buff_offset = log;
    p.init_task_log_buff_size = 128 << 10;
    p.vgpu_task_log_buff_offset = log + (128 << 10);
    p.vgpu_task_log_buff_size = 256 << 10;
    p.kernel_log_buff_offset = log + (384 << 10);
    p.kernel_log_buff_size = 64 << 10;
    p
}

/// GFID 1's good request: memory at 64 MiB and 128 MiB, heap at 16 MiB,
/// channels 64..96.
fn good() -> BootloadParams {
    params(1, 2 * SEG, 16 * MIB, 64)
}

/// GFID 2's task, running beside: memory at 256 and 320 MiB, heap at 24
/// MiB, channels 128..160.
fn neighbour() -> BootloadParams {
    params(2, 8 * SEG, 24 * MIB, 128)
}

#[test]
fn sriov_mode_follows_the_boot_the_registry_and_gspvfinfo() {
    let info = vf_info();
    // Off: no key or 0, and no partitions.
    assert!(check_mode(&RmConfig::default(), None, &info)
        .unwrap()
        .is_none());
    assert!(check_mode(&RmConfig::default(), Some(0), &info)
        .unwrap()
        .is_none());
    assert!(check_mode(&config(4), Some(1), &info).unwrap().is_some());
    type Case = (&'static str, RmConfig, Option<u32>, fn(&mut GspVfInfo));
    let keep: fn(&mut GspVfInfo) = |_| {};
    let cases: [Case; 10] = [
        ("partitions without the key", config(4), None, keep),
        ("the key 0 with partitions", config(4), Some(0), keep),
        ("a key of 2", config(4), Some(2), keep),
        (
            "no SR-IOV",
            RmConfig {
                sriov: None,
                ..config(4)
            },
            Some(1),
            keep,
        ),
        ("no partitions", config(0), Some(1), keep),
        (
            "the bare-metal heap",
            RmConfig {
                wpr_heap: Some(170 * MIB),
                ..config(4)
            },
            Some(1),
            keep,
        ),
        ("totalVFs", config(4), Some(1), |i| i.total_vfs = 32),
        ("firstVFOffset", config(4), Some(1), |i| {
            i.first_vf_offset = 1
        }),
        ("b64bitBar1", config(4), Some(1), |i| i.b64bit_bar1 = 0),
        ("b64bitBar2", config(4), Some(1), |i| i.b64bit_bar2 = 0),
    ];
    for (what, cfg, key, edit) in cases {
        let mut i = info;
        edit(&mut i);
        assert!(check_mode(&cfg, key, &i).is_err(), "{what}");
    }
    let mut i = info;
    i.b64bit_bar0 = 1;
    assert!(check_mode(&config(4), Some(1), &i).is_err(), "b64bitBar0");
}

#[test]
fn the_static_info_has_the_sriov_caps_in_sriov_mode_only() {
    let f = Fixture::new(4);
    let mut s = GspStaticConfigInfo::ZERO;
    f.m.fill_static_info(&mut s);
    let c = s.sriov_caps;
    assert_eq!(
        (c.total_vfs, c.first_vf_offset, s.sriov_max_gfid),
        (4, 4, 4)
    );
    assert_eq!(
        (c.bar0_size, c.bar1_size, c.bar2_size),
        (A10_SRIOV.vf_bar0, A10_SRIOV.vf_bar1, A10_SRIOV.vf_bar3)
    );
    assert_eq!(c.first_vf_bar1_address, 0x40_0000_0000);
    assert_eq!(
        (
            c.b64bit_bar0,
            c.b64bit_bar1,
            c.b64bit_bar2,
            c.b_sriov_enabled
        ),
        (0, 1, 1, 1)
    );
    let mut s = GspStaticConfigInfo::ZERO;
    VgpuManager::default().fill_static_info(&mut s);
    assert_eq!((s.sriov_caps.total_vfs, s.sriov_max_gfid), (0, 0));
}

#[test]
fn outside_sriov_mode_or_from_another_client_every_control_is_unsupported() {
    let mut m = VgpuManager::default();
    let cmds = [
        NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE,
        NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_PGPU_ADD_VGPU_TYPE,
        NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK,
        NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK,
        NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP,
    ];
    for cmd in cmds {
        assert!(VgpuManager::is_vgpu_control(cmd));
        let mut b = vec![0u8; ADD_VGPU_TYPE_PARAMS_SIZE];
        assert_eq!(
            m.control(true, cmd, &mut b, &Fixture::ctx()),
            NV_ERR_NOT_SUPPORTED,
            "{cmd:#x}"
        );
    }
    // In SR-IOV mode: the segment size for anyone, the rest for GSP-RM's
    // own client only.
    let mut f = Fixture::new(4);
    let mut b = [0u8; 8];
    assert_eq!(
        f.call(false, NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE, &mut b),
        NV_OK
    );
    assert_eq!(u64::from_le_bytes(b), 32 * MIB);
    assert_eq!(
        f.call(
            false,
            NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE,
            &mut [0; 4]
        ),
        NV_ERR_INVALID_PARAM_STRUCT
    );
    let mut p = vec![0u8; BootloadParams::SIZE];
    good().encode(&mut p).unwrap();
    let cmd = NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK;
    assert_eq!(f.call(false, cmd, &mut p), NV_ERR_NOT_SUPPORTED);
    assert!(f.m.gfids().is_empty());
    assert_eq!(f.call(true, cmd, &mut p), NV_OK);
    assert!(!VgpuManager::is_vgpu_control(0x2080_4004));
}

#[test]
fn add_vgpu_type_refuses_each_bad_entry() {
    type Edit = fn(&mut VgpuInfo);
    let rows: [(&str, Edit); 14] = [
        ("type ID 0", |t| t.vgpu_type = 0),
        ("pdevId", |t| t.pdev_id = 0x2204),
        ("vdevId", |t| t.vdev_id = 0x2204 << 16 | 0x14b6),
        ("vdevId's upper bits", |t| t.vdev_id |= 1 << 40),
        ("fbLength 0", |t| t.fb_length = 0),
        ("fbLength not whole segments", |t| t.fb_length = SEG + MIB),
        ("maxInstance 0", |t| t.max_instance = 0),
        ("maxInstance 33", |t| t.max_instance = 33),
        ("gspHeapSize 0", |t| t.gsp_heap_size = 0),
        ("vgpuName", |t| t.vgpu_name = [b'x'; 32]),
        ("vgpuClass", |t| t.vgpu_class = [b'x'; 32]),
        ("license", |t| t.license = [b'x'; 128]),
        ("shortGpuNameString", |t| {
            t.short_gpu_name_string = [b'x'; 64]
        }),
        ("adapterName_Unicode", |t| {
            t.adapter_name_unicode = [0x41; 64]
        }),
    ];
    let mut f = Fixture::new(4);
    for (what, edit) in rows {
        let mut t = vgpu_type(TYPE);
        edit(&mut t);
        assert_eq!(f.add_types(true, &[t]), NV_ERR_INVALID_ARGUMENT, "{what}");
    }
    for (what, edit) in [
        ("adapterName", (|t| t.adapter_name = [b'x'; 64]) as Edit),
        ("licensedProductName", |t| {
            t.licensed_product_name = [b'x'; 128]
        }),
    ] {
        let mut t = vgpu_type(TYPE);
        edit(&mut t);
        assert_eq!(f.add_types(true, &[t]), NV_ERR_INVALID_ARGUMENT, "{what}");
    }
    assert!(f.m.types.is_empty(), "nothing was taken");
    // The count: at most 64 entries.
    let mut b = add_types_params(true, &[vgpu_type(TYPE)]);
    b[4..8].copy_from_slice(&65u32.to_le_bytes());
    let cmd = NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_PGPU_ADD_VGPU_TYPE;
    assert_eq!(f.call(true, cmd, &mut b), NV_ERR_INVALID_ARGUMENT);
    // The whole parameter block, or nothing.
    assert_eq!(
        f.call(true, cmd, &mut b[..ADD_VGPU_TYPE_PARAMS_SIZE - 8]),
        NV_ERR_INVALID_PARAM_STRUCT
    );
    // A type ID twice in one request.
    let twice = [vgpu_type(TYPE), vgpu_type(TYPE)];
    assert_eq!(f.add_types(true, &twice), NV_ERR_INVALID_ARGUMENT);
    assert!(f.m.types.is_empty());
}

#[test]
fn add_vgpu_type_replaces_or_adds() {
    let mut f = Fixture::new(4);
    assert_eq!(f.add_types(true, &[vgpu_type(1), vgpu_type(2)]), NV_OK);
    // Adding: a new ID goes, one GSP-RM has is refused.
    assert_eq!(f.add_types(false, &[vgpu_type(3)]), NV_OK);
    assert_eq!(f.add_types(false, &[vgpu_type(2)]), NV_ERR_INVALID_ARGUMENT);
    let ids = |f: &Fixture| f.m.types.iter().map(|t| t.vgpu_type).collect::<Vec<_>>();
    assert_eq!(ids(&f), [1, 2, 3]);
    // Discarding replaces them all, the same IDs included.
    assert_eq!(f.add_types(true, &[vgpu_type(2)]), NV_OK);
    assert_eq!(ids(&f), [2]);
    // 64 at most: a full table takes no more (Kernel RM's status).
    let full: Vec<VgpuInfo> = (100..164).map(vgpu_type).collect();
    assert_eq!(f.add_types(true, &full), NV_OK);
    assert_eq!(f.add_types(false, &[vgpu_type(7)]), NV_ERR_NOT_SUPPORTED);
    assert_eq!(f.m.types.len(), 64);
    assert_eq!(f.add_types(true, &[]), NV_OK);
    assert!(f.m.types.is_empty());
}

#[test]
fn bootload_refuses_each_unsound_request() {
    type Edit = fn(&mut BootloadParams);
    let arg = NV_ERR_INVALID_ARGUMENT;
    let in_use = NV_ERR_STATE_IN_USE;
    let rows: [(&str, Edit, u32); 35] = [
        ("GFID 0", |p| p.gfid = 0, arg),
        ("GFID beyond TotalVFs", |p| p.gfid = 5, arg),
        ("no memory runs", |p| p.num_guest_fb_segments = 0, arg),
        ("385 memory runs", |p| p.num_guest_fb_segments = 385, arg),
        (
            "a run's address off the segment",
            |p| p.guest_fb_phys_addr_list[0] += MIB,
            arg,
        ),
        (
            "a run's length off the segment",
            |p| p.guest_fb_length_list[1] += MIB,
            arg,
        ),
        (
            "an empty run",
            |p| {
                p.num_guest_fb_segments = 3;
                p.guest_fb_phys_addr_list[2] = 12 * SEG;
            },
            arg,
        ),
        (
            "a run in GSP-RM's VRAM",
            |p| {
                p.guest_fb_phys_addr_list[1] = FB_END - SEG;
                p.guest_fb_length_list[1] = 2 * SEG;
            },
            arg,
        ),
        (
            "a run past VRAM's end",
            |p| {
                p.guest_fb_phys_addr_list[1] = u64::MAX - SEG + 1;
            },
            arg,
        ),
        (
            "runs overlapping",
            |p| {
                p.guest_fb_phys_addr_list[1] = p.guest_fb_phys_addr_list[0];
            },
            arg,
        ),
        (
            "a run over GFID 2's memory",
            |p| {
                p.guest_fb_phys_addr_list[1] = 10 * SEG;
            },
            in_use,
        ),
        (
            "a run over GFID 2's heap",
            |p| {
                p.guest_fb_phys_addr_list[0] = 0;
            },
            in_use,
        ),
        (
            "an unknown type",
            |p| p.vgpu_type = TYPE + 1,
            NV_ERR_OBJECT_NOT_FOUND,
        ),
        (
            "memory other than the type's",
            |p| {
                p.vgpu_type = TYPE;
                p.guest_fb_length_list[1] = 2 * SEG;
            },
            arg,
        ),
        (
            "a heap smaller than the type's",
            |p| {
                p.vgpu_type = TYPE;
                p.plugin_heap_memory_length = 3 * MIB;
                p.kernel_log_buff_offset -= MIB;
                p.vgpu_task_log_buff_offset -= MIB;
                p.init_task_log_buff_offset -= MIB;
            },
            arg,
        ),
        ("an empty heap", |p| p.plugin_heap_memory_length = 0, arg),
        (
            "a heap in GSP-RM's VRAM",
            |p| {
                p.plugin_heap_memory_phys_addr = FB_END - MIB;
            },
            arg,
        ),
        (
            "a heap in the guest memory",
            |p| {
                p.plugin_heap_memory_phys_addr = 2 * SEG + MIB;
                p.init_task_log_buff_offset += 2 * SEG + MIB - 16 * MIB;
                p.vgpu_task_log_buff_offset += 2 * SEG + MIB - 16 * MIB;
                p.kernel_log_buff_offset += 2 * SEG + MIB - 16 * MIB;
            },
            arg,
        ),
        (
            "a heap over GFID 2's",
            |p| {
                p.plugin_heap_memory_phys_addr = 22 * MIB;
                p.init_task_log_buff_offset -= 2 * MIB;
                p.vgpu_task_log_buff_offset -= 2 * MIB;
                p.kernel_log_buff_offset -= 2 * MIB;
            },
            in_use,
        ),
        (
            "the control page past the heap",
            |p| {
                p.ctrl_buff_offset = 4 * MIB - 2048;
            },
            arg,
        ),
        (
            "a log before the heap",
            |p| p.init_task_log_buff_offset = 15 * MIB,
            arg,
        ),
        (
            "a log ending at the heap's end",
            |p| {
                p.kernel_log_buff_offset = 20 * MIB - (64 << 10);
            },
            arg,
        ),
        ("an empty log", |p| p.vgpu_task_log_buff_size = 0, arg),
        (
            "a log over the control page",
            |p| {
                p.init_task_log_buff_offset = 16 * MIB;
            },
            arg,
        ),
        (
            "logs overlapping",
            |p| {
                p.vgpu_task_log_buff_offset = p.init_task_log_buff_offset + 4096;
            },
            arg,
        ),
        (
            "more plugin channels than channels",
            |p| p.num_plugin_channels = 33,
            arg,
        ),
        ("channel 0", |p| p.chid_offset[CE0 as usize + 1] = 0, arg),
        (
            "channels past the runlist's",
            |p| p.chid_offset[NV2080_ENGINE_TYPE_GRAPHICS as usize] = 2030,
            arg,
        ),
        (
            "a PF channel",
            |p| p.chid_offset[CE0 as usize] = PF_CHANNEL.1 - 4,
            in_use,
        ),
        (
            "a PF channel of another engine",
            |p| p.chid_offset[NV2080_ENGINE_TYPE_GRAPHICS as usize] = PF_CHANNEL.1,
            in_use,
        ),
        (
            "GFID 2's channels",
            |p| p.chid_offset[CE0 as usize + 1] = 150,
            in_use,
        ),
        (
            "the max instances of the type",
            |p| {
                p.vgpu_type = TYPE + 10;
            },
            NV_ERR_INSUFFICIENT_RESOURCES,
        ),
        ("GFID 2 again", |p| *p = neighbour(), NV_ERR_INVALID_STATE),
        (
            "no heap partition",
            |p| p.gfid = 4,
            NV_ERR_INSUFFICIENT_RESOURCES,
        ),
        (
            "a log past the heap",
            |p| {
                p.kernel_log_buff_offset = 20 * MIB;
            },
            arg,
        ),
    ];
    // Three partitions for four VFs: GFID 4 has none.
    let mut f = Fixture::new(3);
    let mut one = vgpu_type(TYPE + 10);
    one.max_instance = 1;
    assert_eq!(f.add_types(true, &[vgpu_type(TYPE), one]), NV_OK);
    let mut n = neighbour();
    n.vgpu_type = TYPE + 10;
    assert_eq!(f.bootload(&n), NV_OK);
    f.m.take_events();
    for (what, edit, status) in rows {
        let mut p = good();
        edit(&mut p);
        assert_eq!(f.bootload(&p), status, "{what}");
        assert_eq!(f.m.gfids(), [2], "{what}: no task started");
        assert!(f.sriov.vf(0).unwrap().task().is_none(), "{what}");
        assert!(f.m.take_events().is_empty(), "{what}");
    }
    // Engines the GPU lacks are not read; a type of the right size goes.
    let mut p = good();
    p.chid_offset[0x30] = 0;
    p.vgpu_type = TYPE;
    assert_eq!(f.bootload(&p), NV_OK);
    let mut b = vec![0u8; BootloadParams::SIZE - 1];
    assert_eq!(
        f.call(
            true,
            NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK,
            &mut b
        ),
        NV_ERR_INVALID_PARAM_STRUCT
    );
}

/// BOOTLOAD, SHUTDOWN, CLEANUP in order, each with its event and its
/// effect on the VF; out of order, each is refused with
/// NV_ERR_INVALID_STATE.
#[test]
fn a_plugin_task_runs_stops_and_is_cleaned_up() {
    let mut f = Fixture::new(4);
    let p = good();
    // The host left a word in the guest memory.
    f.vram
        .view()
        .unwrap()
        .write(2 * SEG + 8, &[0x11; 8])
        .unwrap();
    assert_eq!(f.shutdown(1), NV_ERR_INVALID_STATE, "nothing to stop");
    assert_eq!(f.cleanup(1), NV_ERR_INVALID_STATE, "nothing to clean");
    assert_eq!(f.shutdown(0), NV_ERR_INVALID_ARGUMENT);
    assert_eq!(f.cleanup(5), NV_ERR_INVALID_ARGUMENT);
    assert_eq!(f.bootload(&p), NV_OK);
    let ev = |notify_index| PluginTriggered {
        gfid: 1,
        notify_index,
    };
    assert_eq!(f.m.take_events(), [ev(NOTIFY_PLUGIN_TASK_BOOTLOADED)]);
    // The control page says the plugin runs.
    let mut magic = [0u8; 4];
    f.vram
        .view()
        .unwrap()
        .read(16 * MIB + 8, &mut magic)
        .unwrap();
    assert_eq!(u32::from_le_bytes(magic), PLUGIN_BOOTLOADED);
    // The VF's BAR1 reaches the guest memory, as VRAM holds it, run after
    // run; what the guest writes is VRAM's.
    assert_eq!(f.bar1_u64(1, 8), 0x1111_1111_1111_1111);
    let bar = f.sriov.bar1_file(0).unwrap().clone();
    bar.write_all_at(&0xabcdu64.to_le_bytes(), SEG + 16)
        .unwrap();
    assert_eq!(f.vram_u64(4 * SEG + 16), 0xabcd);
    {
        let vf = f.sriov.vf(0).unwrap();
        let t = vf.task().unwrap();
        assert_eq!(t.backed, (2 * SEG).min(facts().vf_bar1));
        // The channels on each engine's runlist (its index in the list).
        let runlists: Vec<(u32, Range<u32>)> = t
            .channels
            .iter()
            .map(|c| (c.runlist, c.chids.clone()))
            .collect();
        assert_eq!(runlists, [(0, 64..96), (1, 64..96), (2, 64..96)]);
    }
    assert_eq!(f.bootload(&p), NV_ERR_INVALID_STATE, "running");
    assert_eq!(f.cleanup(1), NV_ERR_INVALID_STATE, "still running");
    assert!(f.m.holds_channel(64) && !f.m.holds_channel(96));

    assert_eq!(f.shutdown(1), NV_OK);
    assert_eq!(f.m.take_events(), [ev(NOTIFY_PLUGIN_TASK_UNLOADED)]);
    assert!(f.sriov.vf(0).unwrap().task().is_none());
    assert_eq!(f.bar1_u64(1, SEG + 16), 0, "the BAR reaches nothing");
    assert_eq!(f.vram_u64(4 * SEG + 16), 0xabcd, "the bytes stay in VRAM");
    assert_eq!(f.shutdown(1), NV_ERR_INVALID_STATE, "stopped already");
    assert_eq!(f.bootload(&p), NV_ERR_INVALID_STATE, "not cleaned up");
    // Its memory and channels are held until the cleanup.
    let mut other = params(2, 2 * SEG, 24 * MIB, 128);
    assert_eq!(f.bootload(&other), NV_ERR_STATE_IN_USE);
    assert!(f.m.holds_channel(64));

    assert_eq!(f.cleanup(1), NV_OK);
    assert!(f.m.take_events().is_empty());
    assert!(!f.m.holds_channel(64));
    other.gfid = 2;
    assert_eq!(f.bootload(&other), NV_OK, "the memory is free again");
    assert_eq!(f.bar1_u64(2, SEG + 16), 0xabcd, "what the host left");
    assert_eq!(f.bootload(&p), NV_ERR_STATE_IN_USE);
    assert_eq!(f.cleanup(1), NV_ERR_INVALID_STATE, "gone");
}

/// Two vGPUs' BARs and memories stay apart, and the PF's VRAM around
/// them holds nothing of theirs.
#[test]
fn vgpus_are_isolated() {
    let mut f = Fixture::new(4);
    assert_eq!(f.bootload(&good()), NV_OK);
    assert_eq!(f.bootload(&neighbour()), NV_OK);
    let bar = |g: u16| f.sriov.bar1_file(g - 1).unwrap().clone();
    for off in (0..2 * SEG).step_by((SEG / 4) as usize) {
        bar(1).write_all_at(&[0x5a; 8], off).unwrap();
    }
    let mut seen = vec![0u8; (2 * SEG) as usize];
    bar(2).read_exact_at(&mut seen, 0).unwrap();
    assert!(
        seen.iter().all(|&b| b == 0),
        "GFID 2 sees nothing of GFID 1"
    );
    // Outside GFID 1's runs, VRAM holds none of it.
    let v = f.vram.view().unwrap();
    let mut chunk = vec![0u8; (4 * MIB) as usize];
    let mut hits = Vec::new();
    for base in (0..FB_END).step_by(chunk.len()) {
        v.read(base, &mut chunk).unwrap();
        hits.extend(
            chunk
                .chunks(8)
                .enumerate()
                .filter(|(_, c)| *c == [0x5a; 8])
                .map(|(i, _)| base + i as u64 * 8),
        );
    }
    assert_eq!(hits.len(), 8);
    assert!(hits
        .iter()
        .all(|&a| (2 * SEG..3 * SEG).contains(&a) || (4 * SEG..5 * SEG).contains(&a)));
}

/// GSP-RM going takes its tasks along: the VFs' BARs reach nothing, and
/// the bytes stay in VRAM.
#[test]
fn gsp_rm_going_ends_its_tasks() {
    let mut f = Fixture::new(4);
    assert_eq!(f.bootload(&good()), NV_OK);
    f.sriov
        .bar1_file(0)
        .unwrap()
        .write_all_at(&[7; 8], 0)
        .unwrap();
    let Fixture { vram, sriov, m } = f;
    drop(m);
    assert!(sriov.vf(0).unwrap().task().is_none());
    let mut b = [0u8; 8];
    sriov
        .bar1_file(0)
        .unwrap()
        .read_exact_at(&mut b, 0)
        .unwrap();
    assert_eq!(b, [0; 8]);
    vram.view().unwrap().read(2 * SEG, &mut b).unwrap();
    assert_eq!(b, [7; 8]);
}
