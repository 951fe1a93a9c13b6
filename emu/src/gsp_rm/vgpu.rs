//! GSP-RM's vGPU manager: SR-IOV mode, the vGPU types, and the plugin
//! tasks it runs for the virtual functions (GFIDs).
//!
//! # SR-IOV mode
//!
//! GSP-RM hosts vGPUs only when booted for it: the heap with VF
//! partitions (booter_load, `dev::boot`), `RMSetSriovMode` = 1 in the
//! registry (open-gpu-kernel-modules 570.144 `nvrm_registry.h`; Kernel RM
//! sets it when SR-IOV is on, `gpu_registry.c`), and `GspSystemInfo`'s
//! `gspVFInfo` describing the board's SR-IOV capability as Kernel RM
//! caches it (`kbifCacheVFInfo_TU102`: `totalVFs`, `firstVFOffset`, the
//! first VF's BAR addresses and whether VF BAR1 and BAR3 are 64-bit; RM
//! never sets `b64bitBar0` on that path, and VF BAR0 is 32-bit anyway).
//! [`check_mode`] decides, at the end of GSP-RM's init; a mismatch fails
//! the init (GSP-RM halts). The VF BAR addresses cannot be checked: QEMU
//! emulates the PF's SR-IOV capability (the guest's VF BARs are QEMU's),
//! so the model does not see them. In SR-IOV mode the static info carries
//! `sriovCaps` and `sriovMaxGfid` ([`VgpuManager::fill_static_info`]),
//! which Kernel RM takes the VF BAR sizes and the GFID range from
//! (`gpu_gspclient.c` `gpuInitSriov_FWCLIENT`). Outside it, every vGPU
//! control fails with `NV_ERR_NOT_SUPPORTED`, as Kernel RM's own
//! `kernelhostvgpudeviceapiCtrlCmdBootloadVgpuTask` does without plugin
//! offload and as `gpuInitVmmuInfo` (`gpu.c`) reads a GPU with no VMMU.
//!
//! # The controls
//!
//! On GSP-RM's internal subdevice (the `VGPU_MGR_INTERNAL` controls carry
//! `RMCTRL_FLAGS_INTERNAL`: from any other client `NV_ERR_NOT_SUPPORTED`,
//! `rmapi/control.c`); `GET_VMMU_SEGMENT_SIZE` on any subdevice
//! (`NON_PRIVILEGED`, `g_subdevice_nvoc.c`). What GSP-RM checks of them is
//! not published; the rules below are the model's, each derived from what
//! the parameters mean and from Kernel RM's own checks where it has them,
//! with the NV_STATUS Kernel RM uses for the same fault where there is
//! one (cited at each rule) and the model's pick otherwise.
//!
//! A plugin task is running after BOOTLOAD, stopped after SHUTDOWN and
//! gone after CLEANUP (Kernel RM's teardown order,
//! `kernel_hostvgpudeviceapi.c` `destroyKernelHostVgpuDeviceShare`); its
//! guest memory, heap and channels stay reserved until CLEANUP. GSP-RM
//! tells the host with `VGPU_GSP_PLUGIN_TRIGGERED` (BOOTLOADED at the
//! start, UNLOADED at the stop), and writes the bootloaded magic into the
//! host's control page in the plugin heap, which the host polls (NVIDIA's
//! vGPU RFC v2 `rpc.c` `wait_vgpu_plugin_task_bootloaded`,
//! `dev_vgpu_gsp.h` `VGPU_CPU_GSP_CTRL_BUFF_REGION.message_seq_num`). The
//! plugin itself (the host's RPCs to it, the guest's) is not modelled.
//! When GSP-RM stops, crashes or is reset, its tasks end with it: the VFs'
//! BAR1s reach nothing and the next GSP-RM has none ([`Drop`]).

use super::config::{runlist_of, RmConfig};
use crate::board::SriovFacts;
use crate::dev::boot::wpr_rules::vgpu_heap_size_ok;
use crate::dev::sriov::{Segment, Sriov, VfChannels};
use crate::vram::VramView;
use log::{info, warn};
use nvgsp_proto::gsp::rpc::static_info::{GspStaticConfigInfo, Nv0080CtrlGpuGetSriovCapsParams};
use nvgsp_proto::gsp::rpc::system_info::GspVfInfo;
use nvgsp_proto::gsp::status::*;
use nvgsp_proto::gsp::vgpu::{
    add_vgpu_type_entry_offset, AddVgpuTypeHead, BootloadParams, GetVmmuSegmentSizeParams,
    GfidParams, PluginTriggered, VgpuInfo, ADD_VGPU_TYPE_PARAMS_SIZE, MAX_VGPUS, MAX_VGPU_TYPES,
    MAX_VMMU_SEGMENTS, NOTIFY_PLUGIN_TASK_BOOTLOADED, NOTIFY_PLUGIN_TASK_UNLOADED,
    NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE,
    NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK,
    NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_PGPU_ADD_VGPU_TYPE,
    NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK,
    NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP,
};
use nvgsp_proto::wire::Wire;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// The VMMU segment size the model's GSP-RM reports, 32 MiB: the model's
/// choice among `NV2080_CTRL_GPU_VMMU_SEGMENT_SIZE_32MB` .. `_512MB`
/// (`ctrl2080gpu.h`); GA102's is not published. The smallest keeps tests'
/// guest memory small.
pub const VMMU_SEGMENT_SIZE: u64 = 32 << 20;

/// The registry key that puts GSP-RM in SR-IOV mode (`nvrm_registry.h`
/// `NV_REG_STR_RM_SET_SRIOV_MODE`: 0 disabled, 1 enabled).
pub const REG_SRIOV_MODE: &str = "RMSetSriovMode";

/// `GSP_PLUGIN_BOOTLOADED`, which GSP-RM writes to the control page's
/// `message_seq_num` once the plugin task runs (RFC v2 `dev_vgpu_gsp.h`).
pub const PLUGIN_BOOTLOADED: u32 = 0x4e65_4a6f;
/// `message_seq_num`'s offset in `VGPU_CPU_GSP_CTRL_BUFF_REGION` (after
/// `version` and `message_type`).
pub const CTRL_MESSAGE_SEQ_NUM: u64 = 8;
/// `VGPU_CPU_GSP_CTRL_BUFF_REGION_SIZE`: the control page.
pub const CTRL_PAGE_SIZE: u64 = 4096;

/// What GSP-RM knows in SR-IOV mode.
#[derive(Clone, Copy, Debug)]
pub struct SriovMode {
    /// The board's SR-IOV capability.
    facts: SriovFacts,
    /// The heap's VF partitions: GFIDs 1..=this have one.
    partitions: u32,
    /// What `GSP_SET_SYSTEM_INFO` said of the VFs.
    vf_info: GspVfInfo,
}

/// Whether GSP-RM comes up in SR-IOV mode, from its boot (`config`: the
/// board, the heap and its partitions), the registry's `RMSetSriovMode`
/// (`key`) and `gspVFInfo`; an error fails the init. See the module
/// documentation.
pub fn check_mode(
    config: &RmConfig,
    key: Option<u32>,
    vf_info: &GspVfInfo,
) -> Result<Option<SriovMode>, String> {
    match key {
        None | Some(0) if config.vf_partitions == 0 => return Ok(None),
        None | Some(0) => {
            return Err(format!(
                "booted with {} VF heap partitions, but {REG_SRIOV_MODE} is not 1",
                config.vf_partitions
            ))
        }
        Some(1) => {}
        Some(v) => return Err(format!("{REG_SRIOV_MODE} is {v}: 0 or 1")),
    }
    let facts = config
        .sriov
        .ok_or_else(|| format!("{REG_SRIOV_MODE}=1 on a GPU without SR-IOV"))?;
    let heap = config.wpr_heap.unwrap_or(0);
    if config.vf_partitions == 0 || !vgpu_heap_size_ok(heap) {
        return Err(format!(
            "{REG_SRIOV_MODE}=1 needs the vGPU heap (581..1040 MiB) with VF partitions; booted \
             with {} MiB and {} partitions",
            heap >> 20,
            config.vf_partitions
        ));
    }
    // Bar0 of the capability is 32-bit, BAR1 and BAR3 (RM's "Bar1" and
    // "Bar2") 64-bit (`crate::pci_config`).
    let fields: [(&str, u64, u64); 5] = [
        ("totalVFs", vf_info.total_vfs.into(), facts.total_vfs.into()),
        (
            "firstVFOffset",
            vf_info.first_vf_offset.into(),
            facts.first_vf_offset.into(),
        ),
        ("b64bitBar0", vf_info.b64bit_bar0.into(), 0),
        ("b64bitBar1", vf_info.b64bit_bar1.into(), 1),
        ("b64bitBar2", vf_info.b64bit_bar2.into(), 1),
    ];
    for (name, got, want) in fields {
        if got != want {
            return Err(format!(
                "gspVFInfo.{name} is {got:#x}, the SR-IOV capability's is {want:#x}"
            ));
        }
    }
    Ok(Some(SriovMode {
        facts,
        partitions: config.vf_partitions.into(),
        vf_info: *vf_info,
    }))
}

/// Where a plugin task is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Running,
    Stopped,
}

/// A plugin task and what it holds until CLEANUP.
#[derive(Clone, Debug)]
struct Task {
    state: State,
    vgpu_type: u32,
    runs: Vec<Segment>,
    heap: Range<u64>,
    /// Channel IDs by `NV2080_ENGINE_TYPE_*`.
    channels: Vec<(u32, Range<u32>)>,
}

/// What a BOOTLOAD is checked against besides the other tasks.
pub struct Context<'a> {
    /// The end of the VRAM GSP-RM leaves to clients (it keeps the rest:
    /// its heaps, WPR2, the VGA workspace).
    pub fb_end: u64,
    /// Channel IDs per runlist.
    pub channels: u32,
    /// The GPU's engines (`NV2080_ENGINE_TYPE_*`), in runlist order.
    pub engines: &'a [u32],
    /// The channels GSP-RM allocated for the PF's clients: engine and ID.
    pub pf_channels: Vec<(u32, u32)>,
}

/// GSP-RM's vGPU manager; see the module documentation.
#[derive(Default)]
pub struct VgpuManager {
    sriov: Option<Arc<Sriov>>,
    vram: Option<VramView>,
    mode: Option<SriovMode>,
    types: Vec<VgpuInfo>,
    tasks: BTreeMap<u32, Task>,
    events: Vec<PluginTriggered>,
}

fn overlap(a: &Range<u64>, b: &Range<u64>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Refuses with `status`, logging why.
fn refuse(what: &str, status: u32, why: std::fmt::Arguments<'_>) -> u32 {
    warn!("GSP-RM: {what} refused ({}): {why}", status_name(status));
    status
}

/// Whether the string field `s` is NUL-terminated.
fn terminated(s: &[u8]) -> bool {
    s.contains(&0)
}

impl VgpuManager {
    /// The manager of a GSP-RM on a board whose SR-IOV state is `sriov`
    /// (if it has any), writing to VRAM through `vram`.
    pub fn new(sriov: Option<Arc<Sriov>>, vram: Option<VramView>) -> VgpuManager {
        VgpuManager {
            sriov,
            vram,
            mode: None,
            types: Vec::new(),
            tasks: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    /// GSP-RM came up in SR-IOV mode (`Some`) or not.
    pub fn set_mode(&mut self, mode: Option<SriovMode>) {
        if let Some(m) = &mode {
            info!(
                "GSP-RM: SR-IOV mode: {} VFs, {} VF heap partitions",
                m.facts.total_vfs, m.partitions
            );
        }
        self.mode = mode;
    }

    /// The static info's SR-IOV part: `sriovCaps` (`NV0080_CTRL_GPU_GET_SRIOV_CAPS`)
    /// and `sriovMaxGfid` (`gpuInitSriov_FWCLIENT` sets `maxGfid =
    /// totalVFs`), in SR-IOV mode. The VF BAR addresses are what
    /// `gspVFInfo` said; the feature flags are the model's choices (no
    /// source gives GA102's): SR-IOV enabled, not "heavy", no emulated VF
    /// TLB invalidate register, no client-allocated context buffers, no
    /// non-power-of-2 channel counts, no resizable VF BAR1.
    pub fn fill_static_info(&self, s: &mut GspStaticConfigInfo) {
        let Some(m) = &self.mode else {
            return;
        };
        s.sriov_caps = Nv0080CtrlGpuGetSriovCapsParams {
            total_vfs: m.facts.total_vfs.into(),
            first_vf_offset: m.facts.first_vf_offset.into(),
            first_vf_bar0_address: m.vf_info.first_vf_bar0_address,
            first_vf_bar1_address: m.vf_info.first_vf_bar1_address,
            first_vf_bar2_address: m.vf_info.first_vf_bar2_address,
            bar0_size: m.facts.vf_bar0,
            bar1_size: m.facts.vf_bar1,
            bar2_size: m.facts.vf_bar3,
            b64bit_bar0: 0,
            b64bit_bar1: 1,
            b64bit_bar2: 1,
            b_sriov_enabled: 1,
            ..Nv0080CtrlGpuGetSriovCapsParams::ZERO
        };
        s.sriov_max_gfid = m.facts.total_vfs.into();
    }

    /// The plugin task events raised since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<PluginTriggered> {
        std::mem::take(&mut self.events)
    }

    /// The GFIDs with a task (running or stopped).
    pub fn gfids(&self) -> Vec<u32> {
        self.tasks.keys().copied().collect()
    }

    /// Whether a vGPU holds channel ID `chid` (one ID space across the
    /// engines, see [`VgpuManager::control`]'s BOOTLOAD).
    pub fn holds_channel(&self, chid: u32) -> bool {
        self.tasks
            .values()
            .any(|t| t.channels.iter().any(|(_, r)| r.contains(&chid)))
    }

    /// Whether `cmd` is one of the manager's controls.
    pub fn is_vgpu_control(cmd: u32) -> bool {
        matches!(
            cmd,
            NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE
                | NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_PGPU_ADD_VGPU_TYPE
                | NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK
                | NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK
                | NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP
        )
    }

    /// Control `cmd` ([`VgpuManager::is_vgpu_control`]) on a subdevice of
    /// GSP-RM's internal client (`internal`) or another.
    pub fn control(
        &mut self,
        internal: bool,
        cmd: u32,
        params: &mut [u8],
        ctx: &Context<'_>,
    ) -> u32 {
        if cmd != NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE && !internal {
            return refuse(
                "a vGPU manager control",
                NV_ERR_NOT_SUPPORTED,
                format_args!(
                    "{cmd:#x} is internal (RMCTRL_FLAGS_INTERNAL): GSP-RM's own client only"
                ),
            );
        }
        if self.mode.is_none() {
            return refuse(
                "a vGPU control",
                NV_ERR_NOT_SUPPORTED,
                format_args!("{cmd:#x}: GSP-RM is not in SR-IOV mode"),
            );
        }
        match cmd {
            NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE => {
                let p = GetVmmuSegmentSizeParams {
                    vmmu_segment_size: VMMU_SEGMENT_SIZE,
                };
                if params.len() != GetVmmuSegmentSizeParams::SIZE || p.encode(params).is_none() {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                }
                NV_OK
            }
            NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_PGPU_ADD_VGPU_TYPE => self.add_types(params),
            NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK => {
                let Some(p) =
                    BootloadParams::decode(params).filter(|_| params.len() == BootloadParams::SIZE)
                else {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                };
                self.bootload(&p, ctx)
            }
            NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK
            | NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_VGPU_PLUGIN_CLEANUP => {
                let Some(p) =
                    GfidParams::decode(params).filter(|_| params.len() == GfidParams::SIZE)
                else {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                };
                if cmd == NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_SHUTDOWN_GSP_VGPU_PLUGIN_TASK {
                    self.shutdown(p.gfid)
                } else {
                    self.cleanup(p.gfid)
                }
            }
            _ => NV_ERR_NOT_SUPPORTED,
        }
    }

    /// `PGPU_ADD_VGPU_TYPE`: the types GSP-RM may start tasks of. With
    /// `discardVgpuTypes` they replace the ones it has (Kernel RM's
    /// `kvgpumgrSendAllVgpuTypesToGsp` sends them all that way), without
    /// they are added.
    fn add_types(&mut self, params: &[u8]) -> u32 {
        const WHAT: &str = "PGPU_ADD_VGPU_TYPE";
        if params.len() != ADD_VGPU_TYPE_PARAMS_SIZE {
            return NV_ERR_INVALID_PARAM_STRUCT;
        }
        let Some(head) = AddVgpuTypeHead::decode(params) else {
            return NV_ERR_INVALID_PARAM_STRUCT;
        };
        let count = head.vgpu_info_count as usize;
        // `vgpuInfo[NVA081_MAX_VGPU_TYPES_PER_PGPU]`.
        if count > MAX_VGPU_TYPES {
            return refuse(
                WHAT,
                NV_ERR_INVALID_ARGUMENT,
                format_args!("vgpuInfoCount {count} is more than the {MAX_VGPU_TYPES} entries"),
            );
        }
        let device = self
            .sriov
            .as_ref()
            .map_or(0, |s| u64::from(s.board().device_id()));
        let mut new = Vec::with_capacity(count);
        for i in 0..count {
            let Some(t) = params
                .get(add_vgpu_type_entry_offset(i)..)
                .and_then(VgpuInfo::decode)
            else {
                return NV_ERR_INVALID_PARAM_STRUCT;
            };
            if let Err(why) = check_type(&t, device) {
                return refuse(
                    WHAT,
                    NV_ERR_INVALID_ARGUMENT,
                    format_args!("entry {i} (type {}): {why}", t.vgpu_type),
                );
            }
            new.push(t);
        }
        let discard = head.discard_vgpu_types != 0;
        let kept = if discard { &[][..] } else { &self.types[..] };
        // Each type ID once among what GSP-RM would have.
        for (i, t) in new.iter().enumerate() {
            let again = kept
                .iter()
                .chain(&new[..i])
                .any(|k| k.vgpu_type == t.vgpu_type);
            if again {
                return refuse(
                    WHAT,
                    NV_ERR_INVALID_ARGUMENT,
                    format_args!("type {} is there twice", t.vgpu_type),
                );
            }
        }
        // Kernel RM refuses an addition to a full table with
        // NV_ERR_NOT_SUPPORTED (`kvgpumgrPgpuAddVgpuType`).
        if kept.len() + new.len() > MAX_VGPU_TYPES {
            return refuse(
                WHAT,
                NV_ERR_NOT_SUPPORTED,
                format_args!(
                    "{} types and {} more: at most {MAX_VGPU_TYPES}",
                    kept.len(),
                    new.len()
                ),
            );
        }
        if discard {
            self.types = new;
        } else {
            self.types.extend(new);
        }
        info!("GSP-RM: {} vGPU types", self.types.len());
        NV_OK
    }

    /// The task of `gfid`, if the GFID is one of a VF GSP-RM has a heap
    /// partition for; the status to refuse with otherwise.
    fn check_gfid(&self, what: &str, gfid: u32) -> Result<Option<&Task>, u32> {
        let Some(m) = &self.mode else {
            return Err(NV_ERR_NOT_SUPPORTED);
        };
        let total = u32::from(m.facts.total_vfs);
        if !(1..=total).contains(&gfid) {
            return Err(refuse(
                what,
                NV_ERR_INVALID_ARGUMENT,
                format_args!("GFID {gfid} is no VF's (1..={total})"),
            ));
        }
        Ok(self.tasks.get(&gfid))
    }

    /// `BOOTLOAD_GSP_VGPU_PLUGIN_TASK`: starts the plugin task of
    /// `p.gfid` with its guest memory, heap and channels, once each is
    /// found sound.
    fn bootload(&mut self, p: &BootloadParams, ctx: &Context<'_>) -> u32 {
        let gfid = p.gfid;
        let what = format!("BOOTLOAD of GFID {gfid}");
        let what = what.as_str();
        match self.check_gfid(what, gfid) {
            Err(status) => return status,
            // Kernel RM refuses a second bootload of a vGPU with
            // NV_ERR_INVALID_STATE (`!bGspPluginTaskInitialized`); a
            // stopped task must be cleaned up first.
            Ok(Some(t)) => {
                return refuse(
                    what,
                    NV_ERR_INVALID_STATE,
                    format_args!("its task is {:?}", t.state),
                )
            }
            Ok(None) => {}
        }
        let Some(mode) = self.mode else {
            return NV_ERR_NOT_SUPPORTED;
        };
        // Each GFID's task takes a partition of GSP-RM's heap.
        if gfid > mode.partitions {
            return refuse(
                what,
                NV_ERR_INSUFFICIENT_RESOURCES,
                format_args!("the heap has {} VF partitions", mode.partitions),
            );
        }
        let task = match self.check_bootload(p, ctx) {
            Ok(t) => t,
            Err((status, why)) => return refuse(what, status, format_args!("{why}")),
        };
        let channels: Vec<VfChannels> = task
            .channels
            .iter()
            .filter_map(|(e, r)| {
                runlist_of(ctx.engines, *e).map(|runlist| VfChannels {
                    runlist,
                    chids: r.clone(),
                })
            })
            .collect();
        if let Some(s) = &self.sriov {
            if let Err(e) = s.start_task(gfid, &task.runs, channels) {
                return refuse(what, NV_ERR_INVALID_STATE, format_args!("{e}"));
            }
        }
        // The plugin runs: the host's control page says so.
        let magic_at = task.heap.start + p.ctrl_buff_offset + CTRL_MESSAGE_SEQ_NUM;
        if let Some(v) = &self.vram {
            if v.write(magic_at, &PLUGIN_BOOTLOADED.to_le_bytes())
                .is_none()
            {
                warn!("GSP-RM: GFID {gfid}: its control page at {magic_at:#x} is not writable");
            }
        }
        info!(
            "GSP-RM: vGPU plugin task of GFID {gfid} running: type {}, {} MiB of guest memory in {} runs, heap {:#x}..{:#x}",
            task.vgpu_type,
            task.runs.iter().map(|s| s.size).sum::<u64>() >> 20,
            task.runs.len(),
            task.heap.start,
            task.heap.end
        );
        self.tasks.insert(gfid, task);
        self.events.push(PluginTriggered {
            gfid,
            notify_index: NOTIFY_PLUGIN_TASK_BOOTLOADED,
        });
        NV_OK
    }

    /// The checks of a BOOTLOAD's memory, type, heap and channels; the task
    /// they describe, or the status and reason to refuse with.
    fn check_bootload(&self, p: &BootloadParams, ctx: &Context<'_>) -> Result<Task, (u32, String)> {
        let arg = |why: String| (NV_ERR_INVALID_ARGUMENT, why);
        let in_use = |why: String| (NV_ERR_STATE_IN_USE, why);
        let seg = VMMU_SEGMENT_SIZE;
        // Kernel RM: 1..=NVA084_MAX_VMMU_SEGMENTS runs, NV_ERR_INVALID_ARGUMENT.
        let n = p.num_guest_fb_segments as usize;
        if !(1..=MAX_VMMU_SEGMENTS).contains(&n) {
            return Err(arg(format!(
                "numGuestFbSegments {n}: 1..={MAX_VMMU_SEGMENTS}"
            )));
        }
        let mut runs = Vec::with_capacity(n);
        for i in 0..n {
            let (at, len) = (p.guest_fb_phys_addr_list[i], p.guest_fb_length_list[i]);
            // Kernel RM: "guest fb segment PA or length is not VMMU
            // segment size aligned", NV_ERR_INVALID_ARGUMENT.
            if len == 0 || !at.is_multiple_of(seg) || !len.is_multiple_of(seg) {
                return Err(arg(format!(
                    "guest memory run {i} {at:#x}+{len:#x} is empty or not aligned to the {} MiB VMMU segment",
                    seg >> 20
                )));
            }
            let end = at.checked_add(len).filter(|&e| e <= ctx.fb_end);
            let Some(end) = end else {
                return Err(arg(format!(
                    "guest memory run {i} {at:#x}+{len:#x} is not in the VRAM GSP-RM leaves to clients (..{:#x})",
                    ctx.fb_end
                )));
            };
            let r = at..end;
            if let Some(j) = runs.iter().position(|s: &Segment| overlap(&s.range(), &r)) {
                return Err(arg(format!("guest memory runs {j} and {i} overlap")));
            }
            runs.push(Segment {
                vram: at,
                size: len,
            });
        }
        let fb: u64 = runs.iter().map(|s| s.size).sum();
        // Memory another vGPU holds, until its CLEANUP.
        for (g, t) in &self.tasks {
            let theirs = t.runs.iter().map(Segment::range).chain([t.heap.clone()]);
            for r in theirs {
                if let Some(s) = runs.iter().find(|s| overlap(&s.range(), &r)) {
                    return Err(in_use(format!(
                        "guest memory {:#x}+{:#x} overlaps GFID {g}'s {:#x}..{:#x}",
                        s.vram, s.size, r.start, r.end
                    )));
                }
            }
        }
        let heap_at = p.plugin_heap_memory_phys_addr;
        let heap_len = p.plugin_heap_memory_length;
        // The type: 0 (Kernel RM leaves it so) or one GSP-RM was given.
        if p.vgpu_type != 0 {
            // Kernel RM's `kvgpumgrGetVgpuTypeInfo` reports an unknown type
            // with NV_ERR_OBJECT_NOT_FOUND.
            let Some(t) = self.types.iter().find(|t| t.vgpu_type == p.vgpu_type) else {
                return Err((
                    NV_ERR_OBJECT_NOT_FOUND,
                    format!("vgpuType {} is not one GSP-RM was given", p.vgpu_type),
                ));
            };
            if fb != t.fb_length {
                return Err(arg(format!(
                    "{fb:#x} bytes of guest memory, type {} has {:#x}",
                    t.vgpu_type, t.fb_length
                )));
            }
            if heap_len < t.gsp_heap_size {
                return Err(arg(format!(
                    "a plugin heap of {heap_len:#x} bytes, type {} needs {:#x}",
                    t.vgpu_type, t.gsp_heap_size
                )));
            }
            let instances = self
                .tasks
                .values()
                .filter(|x| x.vgpu_type == t.vgpu_type)
                .count();
            if instances >= t.max_instance as usize {
                return Err((
                    NV_ERR_INSUFFICIENT_RESOURCES,
                    format!(
                        "type {} has its {} instances already",
                        t.vgpu_type, t.max_instance
                    ),
                ));
            }
        }
        // The plugin heap: inside the clients' VRAM, its own.
        let heap = heap_at
            .checked_add(heap_len)
            .filter(|&e| heap_len != 0 && e <= ctx.fb_end)
            .map(|e| heap_at..e)
            .ok_or_else(|| {
                arg(format!(
                    "plugin heap {heap_at:#x}+{heap_len:#x} is empty or not in the VRAM GSP-RM leaves to clients (..{:#x})",
                    ctx.fb_end
                ))
            })?;
        if runs.iter().any(|s| overlap(&s.range(), &heap)) {
            return Err(arg("the plugin heap overlaps the guest memory".into()));
        }
        for (g, t) in &self.tasks {
            if t.runs
                .iter()
                .map(Segment::range)
                .chain([t.heap.clone()])
                .any(|r| overlap(&r, &heap))
            {
                return Err(in_use(format!(
                    "the plugin heap overlaps GFID {g}'s memory"
                )));
            }
        }
        // The control page and the logs, inside the heap, apart. Kernel RM
        // refuses a log whose end is not below the heap's (`offset + size
        // >= length`, NV_ERR_INVALID_ARGUMENT) and hands GSP-RM the logs as
        // VRAM addresses, the control page as an offset in the heap.
        let ctrl = p
            .ctrl_buff_offset
            .checked_add(CTRL_PAGE_SIZE)
            .filter(|&e| e <= heap_len)
            .map(|e| heap_at + p.ctrl_buff_offset..heap_at + e)
            .ok_or_else(|| {
                arg(format!(
                    "the control page at heap offset {:#x} is not inside the heap",
                    p.ctrl_buff_offset
                ))
            })?;
        let mut areas = vec![("the control page", ctrl)];
        for (name, at, len) in [
            (
                "the init task log",
                p.init_task_log_buff_offset,
                p.init_task_log_buff_size,
            ),
            (
                "the vGPU task log",
                p.vgpu_task_log_buff_offset,
                p.vgpu_task_log_buff_size,
            ),
            (
                "the kernel log",
                p.kernel_log_buff_offset,
                p.kernel_log_buff_size,
            ),
        ] {
            let inside = at >= heap.start
                && at
                    .checked_add(len)
                    .is_some_and(|e| len != 0 && e < heap.end);
            if !inside {
                return Err(arg(format!(
                    "{name} {at:#x}+{len:#x} is empty or not inside the plugin heap {:#x}..{:#x}",
                    heap.start, heap.end
                )));
            }
            areas.push((name, at..at + len));
        }
        for (i, (a, ra)) in areas.iter().enumerate() {
            if let Some((b, _)) = areas[..i].iter().find(|(_, rb)| overlap(ra, rb)) {
                return Err(arg(format!("{a} overlaps {b}")));
            }
        }
        // Channels: `numChannels` IDs from `chidOffset[engine]` on each of
        // the GPU's engines (Kernel RM fills every engine's entry; the
        // model reads those of the engines the GPU has), inside the
        // runlist's IDs (1.., as GSP-RM's own channel allocations), held
        // by no other vGPU and no channel of the PF's. GSP-RM uses one
        // channel ID space across its engines ("per-runlist channel RAM is
        // disabled by default", `gsp_fw_heap.h`), as the model's own
        // channel allocations do, so an ID is another's on any engine.
        if p.num_plugin_channels > p.num_channels {
            return Err(arg(format!(
                "numPluginChannels {} is more than numChannels {}",
                p.num_plugin_channels, p.num_channels
            )));
        }
        let mut channels = Vec::new();
        if p.num_channels != 0 {
            for &e in ctx.engines {
                // `chidOffset[NV2080_GPU_MAX_ENGINES]`.
                let Some(&first) = p.chid_offset.get(e as usize) else {
                    continue;
                };
                let ids = first
                    .checked_add(p.num_channels)
                    .filter(|&end| first >= 1 && end <= ctx.channels)
                    .map(|end| first..end)
                    .ok_or_else(|| {
                        arg(format!(
                            "channels {first}+{} of engine {e:#x} are not inside the runlist's 1..{}",
                            p.num_channels, ctx.channels
                        ))
                    })?;
                if let Some(&(pe, chid)) = ctx.pf_channels.iter().find(|&&(_, c)| ids.contains(&c))
                {
                    return Err(in_use(format!(
                        "channel {chid} (of engine {pe:#x}) is one of the PF's"
                    )));
                }
                for (g, t) in &self.tasks {
                    if t.channels
                        .iter()
                        .any(|(_, r)| r.start < ids.end && ids.start < r.end)
                    {
                        return Err(in_use(format!(
                            "channels {}..{} of engine {e:#x} overlap GFID {g}'s",
                            ids.start, ids.end
                        )));
                    }
                }
                channels.push((e, ids));
            }
        }
        Ok(Task {
            state: State::Running,
            vgpu_type: p.vgpu_type,
            runs,
            heap,
            channels,
        })
    }

    /// `SHUTDOWN_GSP_VGPU_PLUGIN_TASK`: a running task stops; the VF's
    /// BAR1 reaches nothing from now on.
    fn shutdown(&mut self, gfid: u32) -> u32 {
        let what = format!("SHUTDOWN of GFID {gfid}");
        match self.check_gfid(&what, gfid) {
            Err(status) => return status,
            Ok(Some(t)) if t.state == State::Running => {}
            Ok(t) => {
                return refuse(
                    &what,
                    NV_ERR_INVALID_STATE,
                    format_args!("its task is {:?}", t.map(|t| t.state)),
                )
            }
        }
        if let Some(s) = &self.sriov {
            if let Err(e) = s.stop_task(gfid) {
                warn!("GSP-RM: SHUTDOWN of GFID {gfid}: {e}");
            }
        }
        if let Some(t) = self.tasks.get_mut(&gfid) {
            t.state = State::Stopped;
        }
        info!("GSP-RM: vGPU plugin task of GFID {gfid} stopped");
        self.events.push(PluginTriggered {
            gfid,
            notify_index: NOTIFY_PLUGIN_TASK_UNLOADED,
        });
        NV_OK
    }

    /// `VGPU_PLUGIN_CLEANUP`: a stopped task's memory, heap and channels
    /// are free again.
    fn cleanup(&mut self, gfid: u32) -> u32 {
        let what = format!("CLEANUP of GFID {gfid}");
        match self.check_gfid(&what, gfid) {
            Err(status) => return status,
            Ok(Some(t)) if t.state == State::Stopped => {}
            Ok(t) => {
                return refuse(
                    &what,
                    NV_ERR_INVALID_STATE,
                    format_args!("its task is {:?}", t.map(|t| t.state)),
                )
            }
        }
        self.tasks.remove(&gfid);
        info!("GSP-RM: vGPU plugin task of GFID {gfid} cleaned up");
        NV_OK
    }
}

/// What GSP-RM requires of a vGPU type on a board of PCI device `device`:
/// a type ID (`NVA081_CTRL_VGPU_CONFIG_INVALID_TYPE` is 0), the board's
/// device ID as `pdevId` and in `vdevId` (the vGPU's PCI device ID << 16 |
/// its subsystem ID: A10 types are `0x2236 << 16 | 0x14b6..`,
/// `g_nv_name_released.h`), guest memory in whole VMMU segments, 1 to
/// `NVA081_MAX_VGPU_PER_PGPU` instances, a plugin heap, and its strings
/// NUL-terminated.
fn check_type(t: &VgpuInfo, device: u64) -> Result<(), String> {
    if t.vgpu_type == 0 {
        return Err("vgpuType 0 is NVA081_CTRL_VGPU_CONFIG_INVALID_TYPE".into());
    }
    if t.pdev_id != device || t.vdev_id >> 16 != device {
        return Err(format!(
            "pdevId {:#x} / vdevId {:#x} do not name the GPU's device {device:#x}",
            t.pdev_id, t.vdev_id
        ));
    }
    if t.fb_length == 0 || !t.fb_length.is_multiple_of(VMMU_SEGMENT_SIZE) {
        return Err(format!(
            "fbLength {:#x} is not whole {} MiB VMMU segments",
            t.fb_length,
            VMMU_SEGMENT_SIZE >> 20
        ));
    }
    if !(1..=MAX_VGPUS).contains(&t.max_instance) {
        return Err(format!("maxInstance {}: 1..={MAX_VGPUS}", t.max_instance));
    }
    if t.gsp_heap_size == 0 {
        return Err("gspHeapSize is 0".into());
    }
    let strings: [(&str, &[u8]); 6] = [
        ("vgpuName", &t.vgpu_name),
        ("vgpuClass", &t.vgpu_class),
        ("license", &t.license),
        ("adapterName", &t.adapter_name),
        ("shortGpuNameString", &t.short_gpu_name_string),
        ("licensedProductName", &t.licensed_product_name),
    ];
    if let Some((name, _)) = strings.iter().find(|(_, s)| !terminated(s)) {
        return Err(format!("{name} is not NUL-terminated"));
    }
    if !t.adapter_name_unicode.contains(&0) {
        return Err("adapterName_Unicode is not NUL-terminated".into());
    }
    Ok(())
}

/// GSP-RM going (stopped, crashed, reset) takes its plugin tasks with it:
/// the VFs' BAR1s reach nothing, and the next GSP-RM starts with none.
impl Drop for VgpuManager {
    fn drop(&mut self) {
        let Some(s) = &self.sriov else {
            return;
        };
        let ended = s.end_all_tasks();
        if !ended.is_empty() {
            info!("GSP-RM: gone with the vGPU plugin tasks of GFIDs {ended:?}");
        }
    }
}

#[cfg(test)]
mod tests;
