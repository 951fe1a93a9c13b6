//! GSP-RM's object API as the model implements it: clients, each with a
//! handle table of devices and subdevices, the controls those answer, and
//! the NV_STATUS codes real RM returns for bad requests (open-gpu-kernel-
//! modules `rmapi/alloc.c`, `rmapi/control.c`, `rmapi/free.c` semantics:
//! a client's handle is its own object; freeing an object frees its
//! children; handles are unique per client).

use super::config::RmConfig;
use super::gmmu::{GpuMemory, Phys};
use super::vaspace::VaSpaces;
use super::vgpu::{self, VgpuManager};
use crate::dev::host::{ChannelSetup, Host};
use crate::guest_mem::GuestMemory;
use crate::vram::VramView;
use log::warn;
use nvgsp_proto::gsp::calls::{
    AmpereChannelGpfifoA, AmpereDmaCopyB, CeGetFaultMethodBufferSize, ChannelBind, ChannelSchedule,
    Device0, EventKernelCallbackEx, EventSetNotification, FbGetInfoV2, FermiVaspaceA,
    FifoGetDeviceInfoTable, GpuGetEnginesV2, GpuGetInfoV2, GrGetInfoV2, InternalFifoGetNumChannels,
    InternalIntrGetKernelTable, RmClass, RmControl, Root, Subdevice0,
    VaspaceCopyServerReservedPdes,
};
use nvgsp_proto::gsp::class::{self, CtrlInfo};
use nvgsp_proto::gsp::fifo;
use nvgsp_proto::gsp::intr_table::IntrGetKernelTableParams;
use nvgsp_proto::gsp::vaspace;

use nvgsp_proto::gsp::status::*;
use nvgsp_proto::wire::Wire;
use std::collections::HashMap;

/// What GSP-RM keeps of a channel besides what it gave the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ChannelInfo {
    chid: u32,
    /// Its `NV2080_ENGINE_TYPE_*`, from the allocation.
    engine: u32,
    /// `NVA06F_CTRL_CMD_BIND` bound it to its engine's runlist.
    bound: bool,
    /// `NVA06F_CTRL_CMD_GPFIFO_SCHEDULE` enabled it.
    scheduled: bool,
}

/// One allocated object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Object {
    class: u32,
    parent: u32,
    /// Event objects: the `NV2080_NOTIFIERS_*` number they are for.
    notify_index: Option<u32>,
    /// Channels.
    channel: Option<ChannelInfo>,
    /// Objects of an engine class under a channel: that channel's ID.
    on_channel: Option<u32>,
    /// VA spaces: their root page directory, once the driver named it
    /// (`COPY_SERVER_RESERVED_PDES`), and where GSP-RM wrote its entry
    /// for its own range (cleared when the VA space goes).
    root: Option<Phys>,
    rm_pde: Option<Phys>,
}

impl Object {
    fn new(class: u32, parent: u32) -> Object {
        Object {
            class,
            parent,
            notify_index: None,
            channel: None,
            on_channel: None,
            root: None,
            rm_pde: None,
        }
    }
}

pub use nvgsp_proto::gsp::rpc::event::NV2080_NOTIFIERS_MAXCOUNT;

/// All clients and their objects.
pub struct Objects {
    clients: HashMap<u32, HashMap<u32, Object>>,
    /// Channel IDs of the runlist (`RmConfig::channels`).
    channels: u32,
    /// GSP-RM's own client; only it may run internal controls.
    internal_client: u32,
    /// `EVENT_SET_NOTIFICATION` state: (client, notifier) -> action.
    notifications: HashMap<(u32, u32), u32>,
    /// The guest's memory, where the driver's page tables and channel
    /// buffers are, and VRAM where GSP-RM's own directories are.
    mem: GpuMemory,
    /// The end of the VRAM GSP-RM leaves to clients.
    fb_end: u64,
    /// VA spaces given their reserved directories so far: where GSP-RM's
    /// own PD0 for the next one goes.
    vaspaces: u64,
    /// The roots of the VA spaces given their reserved directories, for
    /// the control port's probe.
    roots: VaSpaces,
    /// The host, where channels are set up to run.
    host: Host,
    /// The engines GSP-RM reports (`RmConfig::engines`).
    engines: Vec<u32>,
    /// The vGPU manager: SR-IOV mode, vGPU types, plugin tasks.
    pub vgpu: VgpuManager,
}

/// `NV_CHANNEL_ALLOC_PARAMS.internalFlags` PRIVILEGE (1:0): USER is 0
/// (`g_kernel_channel_nvoc.h`).
const INTERNAL_FLAGS_PRIVILEGE: u32 = 3;
/// `NVOS04_FLAGS_CHANNEL_DENY_PHYSICAL_MODE_CE` (bit 7, alloc_channel.h).
const NVOS04_FLAGS_DENY_PHYSICAL_MODE_CE: u32 = 1 << 7;

/// Control families every channel (GPFIFO) class answers besides its own:
/// KernelChannel exports the 0x906f, 0xa06f and 0xc36f controls to all of
/// them (open-gpu-kernel-modules 570.144 `g_kernel_channel_nvoc.c`, e.g.
/// 0xa06f0103, 0xa06f0104, 0xc36f0108).
const CHANNEL_CONTROL_FAMILIES: [u32; 3] = [0x906f, 0xa06f, 0xc36f];

/// Clients GSP-RM accepts before it runs out of resources.
const MAX_CLIENTS: usize = 4096;
/// Objects per client, likewise.
const MAX_OBJECTS: usize = 65536;

impl Default for Objects {
    /// No client; the default configuration's engines.
    fn default() -> Self {
        Objects {
            clients: HashMap::new(),
            channels: 0,
            internal_client: 0,
            notifications: HashMap::new(),
            mem: GpuMemory::default(),
            fb_end: 0,
            vaspaces: 0,
            roots: VaSpaces::default(),
            host: Host::default(),
            engines: RmConfig::default().engines,
            vgpu: VgpuManager::default(),
        }
    }
}

impl Objects {
    /// The table GSP-RM starts with: its own internal client, device and
    /// subdevice (`handles`, reported in the static info), on which the
    /// driver runs internal controls.
    pub fn with_internal_client(handles: (u32, u32, u32), channels: u32) -> Objects {
        let (client, device, subdevice) = handles;
        let mut objects = HashMap::new();
        objects.insert(client, Object::new(Root::CLASS, 0));
        objects.insert(device, Object::new(Device0::CLASS, client));
        objects.insert(subdevice, Object::new(Subdevice0::CLASS, device));
        let mut o = Objects::default();
        o.clients = HashMap::from([(client, objects)]);
        o.channels = channels;
        o.internal_client = client;
        o
    }

    /// Sets channels up in `host`, for a GPU with `engines`; the host's
    /// table is emptied first (a GSP-RM starts with no channels).
    pub fn with_host(mut self, host: Host, engines: Vec<u32>) -> Objects {
        host.clear();
        self.host = host;
        self.engines = engines;
        self
    }

    /// Gives the model the guest's memory and the end of the clients'
    /// VRAM, which channel allocations are checked against.
    pub fn with_memory(mut self, mem: GuestMemory, fb_end: u64) -> Objects {
        self.mem.sys = mem;
        self.fb_end = fb_end;
        self
    }

    /// Hosts vGPUs with `vgpu`.
    pub fn with_vgpu(mut self, vgpu: VgpuManager) -> Objects {
        self.vgpu = vgpu;
        self
    }

    /// Lets GSP-RM's walks read VRAM through `vram`.
    pub fn with_vram(mut self, vram: Option<VramView>) -> Objects {
        self.mem.vram = vram;
        self
    }

    /// Keeps the VA spaces' roots in `roots` (emptied first: a GSP-RM
    /// starts with none), until these objects go.
    pub fn sharing(mut self, roots: VaSpaces) -> Objects {
        roots.clear();
        self.roots = roots;
        self
    }

    /// The driver's live clients (not GSP-RM's own), sorted, with how
    /// many objects each holds besides itself.
    pub fn driver_clients(&self) -> Vec<(u32, usize)> {
        let mut v: Vec<(u32, usize)> = self
            .clients
            .iter()
            .filter(|(&c, _)| c != self.internal_client)
            .map(|(&c, objects)| (c, objects.len().saturating_sub(1)))
            .collect();
        v.sort_unstable();
        v
    }

    /// Number of live clients.
    #[cfg(test)]
    pub fn clients(&self) -> usize {
        self.clients.len()
    }

    /// GSP_RM_ALLOC.
    pub fn alloc(
        &mut self,
        h_client: u32,
        h_parent: u32,
        h_object: u32,
        class: u32,
        params: &[u8],
    ) -> u32 {
        match class {
            Root::CLASS | class::NV01_ROOT_CLIENT => {
                if h_object != h_client || h_client == 0 {
                    return NV_ERR_INVALID_OBJECT_HANDLE;
                }
                if self.clients.contains_key(&h_client) {
                    return NV_ERR_INSERT_DUPLICATE_NAME;
                }
                if self.clients.len() >= MAX_CLIENTS {
                    return NV_ERR_INSUFFICIENT_RESOURCES;
                }
                if !params.is_empty() && params.len() < <Root as RmClass>::Params::SIZE {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                }
                let mut objects = HashMap::new();
                objects.insert(h_client, Object::new(class, 0));
                self.clients.insert(h_client, objects);
                NV_OK
            }
            Device0::CLASS | Subdevice0::CLASS => {
                let (parents, min) = if class == Device0::CLASS {
                    (
                        &[Root::CLASS, class::NV01_ROOT_CLIENT][..],
                        <Device0 as RmClass>::Params::SIZE,
                    )
                } else {
                    (&[Device0::CLASS][..], <Subdevice0 as RmClass>::Params::SIZE)
                };
                if let Err(status) = self.check_new(h_client, h_parent, parents, h_object) {
                    return status;
                }
                if params.len() < min {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                }
                self.insert(h_client, h_object, Object::new(class, h_parent))
            }
            AmpereChannelGpfifoA::CLASS => {
                let parents = [Device0::CLASS, class::KEPLER_CHANNEL_GROUP_A];
                if let Err(status) = self.check_new(h_client, h_parent, &parents, h_object) {
                    return status;
                }
                let Some(p) = <AmpereChannelGpfifoA as RmClass>::Params::decode(params) else {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                };
                // The model takes only channel IDs the driver chose (what
                // CPU-RM and nouveau do), 1.. below the runlist's count.
                let Some(chid) = p.chid().filter(|&c| c >= 1 && c < self.channels) else {
                    return NV_ERR_INVALID_ARGUMENT;
                };
                let in_use = self
                    .clients
                    .values()
                    .flat_map(|o| o.values())
                    .any(|o| o.channel.is_some_and(|c| c.chid == chid));
                if in_use {
                    return NV_ERR_STATE_IN_USE;
                }
                // A vGPU's channel IDs are its own until its plugin task is
                // cleaned up (the status is the model's).
                if self.vgpu.holds_channel(chid) {
                    warn!("GSP-RM: channel {chid} belongs to a vGPU");
                    return NV_ERR_STATE_IN_USE;
                }
                // Its engine: one the GPU has, with a runlist. On a GPU
                // with per-runlist channel RAM (GA10x) RM makes the
                // channel's TSG with the channel's engine type and wants a
                // valid one (`kchannelConstruct`, kernel_channel.c:377,
                // :698-702); the status is the model's choice.
                let engine = p.engine_type;
                let Some(runlist) = self
                    .engines
                    .contains(&engine)
                    .then(|| super::config::runlist_of(&self.engines, engine))
                    .flatten()
                else {
                    warn!(
                        "GSP-RM: channel {chid}: engine type {engine:#x} is not one of the GPU's"
                    );
                    return NV_ERR_INVALID_ARGUMENT;
                };
                // Its VA space: one of this client's, whose page tables the
                // driver named; with none, the device's default one, which
                // GSP-RM owns and where nothing of the driver's is mapped.
                let Some(root) = (match self.vaspace_root(h_client, p.h_va_space) {
                    Ok(root) => root,
                    Err(status) => {
                        warn!(
                            "GSP-RM: channel {chid}: {:#x} is not a VA space",
                            p.h_va_space
                        );
                        return status;
                    }
                }) else {
                    warn!(
                        "GSP-RM: channel {chid}: GPFIFO at {:#x} unmapped: its VA space's page tables are GSP-RM's own (the driver named none of its)",
                        p.gp_fifo_offset
                    );
                    return NV_ERR_INVALID_ADDRESS;
                };
                if let Err((status, why)) =
                    super::channel_memory::check(&p, root, &self.mem, self.fb_end)
                {
                    warn!("GSP-RM: channel {chid} refused: {why}");
                    return status;
                }
                let mut o = Object::new(class, h_parent);
                o.channel = Some(ChannelInfo {
                    chid,
                    engine,
                    bound: false,
                    scheduled: false,
                });
                let status = self.insert(h_client, h_object, o);
                if status == NV_OK {
                    let userd = if p.userd_mem.address_space == class::ADDR_FBMEM {
                        Phys::Video(p.userd_mem.base)
                    } else {
                        Phys::Sys(p.userd_mem.base)
                    };
                    let deny = p.flags & NVOS04_FLAGS_DENY_PHYSICAL_MODE_CE != 0;
                    self.host.add(ChannelSetup {
                        client: h_client,
                        object: h_object,
                        chid,
                        engine,
                        runlist,
                        pdb: root,
                        userd,
                        gpfifo: p.gp_fifo_offset,
                        entries: p.gp_fifo_entries,
                        instance: p.instance_mem.base,
                        nonstall: super::config::non_stall_vector(engine),
                        // alloc_channel.h: DENY_PHYSICAL_MODE_CE "will always
                        // result in an unprivileged channel"; kernel_channel.c:
                        // a privileged (ADMIN or KERNEL) channel is one that
                        // may update page tables in physical mode.
                        privileged: p.internal_flags & INTERNAL_FLAGS_PRIVILEGE != 0 && !deny,
                        deny_physical_ce: deny,
                    });
                }
                status
            }
            AmpereDmaCopyB::CLASS => {
                let parents = [AmpereChannelGpfifoA::CLASS];
                if let Err(status) = self.check_new(h_client, h_parent, &parents, h_object) {
                    return status;
                }
                let Some(p) = <AmpereDmaCopyB as RmClass>::Params::decode(params) else {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                };
                let Some(chan) = self
                    .clients
                    .get(&h_client)
                    .and_then(|o| o.get(&h_parent))
                    .and_then(|o| o.channel)
                else {
                    return NV_ERR_INVALID_OBJECT_PARENT;
                };
                // NVB0B5_ALLOCATION_PARAMETERS (clb0b5sw.h): version 0
                // names a copy engine by index, version 1 by
                // NV2080_ENGINE_TYPE_COPYn (nouveau r535 `r535_ce_alloc`).
                let engine = match p.version {
                    0 => class::NV2080_ENGINE_TYPE_COPY0.checked_add(p.engine_type),
                    fifo::NVB0B5_ALLOCATION_PARAMETERS_VERSION_1 => Some(p.engine_type),
                    _ => None,
                };
                // The object runs on the channel's engine: the channel is
                // bound to that engine's runlist. That RM refuses another
                // engine, and with this status, is the model's choice.
                if engine != Some(chan.engine) {
                    warn!(
                        "GSP-RM: copy object {h_object:#x} on channel {}: version {} engine type {:#x}, the channel's engine is {:#x}",
                        chan.chid, p.version, p.engine_type, chan.engine
                    );
                    return NV_ERR_INVALID_ARGUMENT;
                }
                let mut o = Object::new(class, h_parent);
                o.on_channel = Some(chan.chid);
                let status = self.insert(h_client, h_object, o);
                if status == NV_OK {
                    self.host.object(chan.chid, class, true);
                }
                status
            }
            FermiVaspaceA::CLASS => {
                let parents = [Device0::CLASS, Subdevice0::CLASS];
                if let Err(status) = self.check_new(h_client, h_parent, &parents, h_object) {
                    return status;
                }
                let Some(p) = <FermiVaspaceA as RmClass>::Params::decode(params) else {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                };
                if p.index != vaspace::NV_VASPACE_ALLOCATION_INDEX_GPU_NEW
                    || !matches!(p.big_page_size, 0 | 0x10000)
                {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                if p.flags != 0 {
                    // Externally owned (BAR) VA spaces are beyond the model.
                    warn!("GSP-RM: VA space flags {:#x} not modelled", p.flags);
                    return NV_ERR_NOT_SUPPORTED;
                }
                self.insert(h_client, h_object, Object::new(class, h_parent))
            }
            EventKernelCallbackEx::CLASS | class::NV01_EVENT_OS_EVENT => {
                if let Err(status) = self.check_new(h_client, h_parent, &[], h_object) {
                    return status;
                }
                let Some(p) = <EventKernelCallbackEx as RmClass>::Params::decode(params) else {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                };
                let index = p.notify_index & 0xffff;
                if index >= NV2080_NOTIFIERS_MAXCOUNT || p.h_parent_client != h_client {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                let mut o = Object::new(class, h_parent);
                o.notify_index = Some(index);
                self.insert(h_client, h_object, o)
            }
            _ => NV_ERR_INVALID_CLASS,
        }
    }

    /// Whether `h_object` may be added to `h_client` under `h_parent`,
    /// whose class must be one of `parents` (any, if empty); RM's status
    /// if not.
    fn check_new(
        &self,
        h_client: u32,
        h_parent: u32,
        parents: &[u32],
        h_object: u32,
    ) -> Result<(), u32> {
        let objects = self.clients.get(&h_client).ok_or(NV_ERR_INVALID_CLIENT)?;
        match objects.get(&h_parent) {
            Some(p) if parents.is_empty() || parents.contains(&p.class) => {}
            _ => return Err(NV_ERR_INVALID_OBJECT_PARENT),
        }
        if h_object == 0 || objects.contains_key(&h_object) {
            return Err(NV_ERR_INSERT_DUPLICATE_NAME);
        }
        if objects.len() >= MAX_OBJECTS {
            return Err(NV_ERR_INSUFFICIENT_RESOURCES);
        }
        Ok(())
    }

    /// Adds `object` as `h_object` of `h_client` (checked by `check_new`).
    fn insert(&mut self, h_client: u32, h_object: u32, object: Object) -> u32 {
        match self.clients.get_mut(&h_client) {
            Some(objects) => {
                objects.insert(h_object, object);
                NV_OK
            }
            None => NV_ERR_INVALID_CLIENT,
        }
    }

    /// FREE: the object and everything below it; a client's own handle
    /// frees the client.
    pub fn free(&mut self, h_client: u32, h_object: u32) -> u32 {
        if h_object == h_client {
            self.notifications.retain(|&(c, _), _| c != h_client);
            self.roots.remove_client(h_client);
            return match self.clients.remove(&h_client) {
                Some(objects) => {
                    objects.values().for_each(|o| self.tear_down(o));
                    NV_OK
                }
                None => NV_ERR_INVALID_CLIENT,
            };
        }
        let Some(objects) = self.clients.get_mut(&h_client) else {
            return NV_ERR_INVALID_CLIENT;
        };
        if !objects.contains_key(&h_object) {
            return NV_ERR_INVALID_OBJECT_HANDLE;
        }
        let mut doomed = vec![h_object];
        let mut i = 0;
        while i < doomed.len() {
            let p = doomed[i];
            doomed.extend(
                objects
                    .iter()
                    .filter(|(_, o)| o.parent == p)
                    .map(|(&h, _)| h),
            );
            i += 1;
        }
        let gone: Vec<Object> = doomed.iter().filter_map(|h| objects.remove(h)).collect();
        doomed.iter().for_each(|&h| self.roots.remove(h_client, h));
        gone.iter().for_each(|o| self.tear_down(o));
        NV_OK
    }

    /// What GSP-RM undoes in the driver's memory as `o` goes: a VA space's
    /// entry for GSP-RM's own range.
    fn tear_down(&self, o: &Object) {
        if let Some(c) = o.channel {
            self.host.remove(c.chid);
        }
        if let Some(chid) = o.on_channel {
            self.host.object(chid, o.class, false);
        }
        if let Some(Phys::Sys(at)) = o.rm_pde {
            if let Err(e) = self.mem.sys.write(at, &0u64.to_le_bytes()) {
                warn!("GSP-RM: clearing its directory entry at {at:#x}: {e}");
            }
        }
    }

    /// GSP_RM_CONTROL: answers `cmd` on the object, rewriting `params` in
    /// place like RM does.
    pub fn control(
        &mut self,
        config: &RmConfig,
        h_client: u32,
        h_object: u32,
        cmd: u32,
        params: &mut [u8],
    ) -> u32 {
        let Some(objects) = self.clients.get(&h_client) else {
            return NV_ERR_INVALID_CLIENT;
        };
        let Some(&object) = objects.get(&h_object) else {
            return NV_ERR_INVALID_OBJECT_HANDLE;
        };
        // RM answers NULL commands before anything else (rmapi/control.c).
        if class::is_null_cmd(cmd) {
            return NV_OK;
        }
        let family = class::ctrl_cmd_class(cmd);
        if family != object.class
            && !(object.channel.is_some() && CHANNEL_CONTROL_FAMILIES.contains(&family))
        {
            return NV_ERR_INVALID_COMMAND;
        }
        if VgpuManager::is_vgpu_control(cmd) {
            let ctx = vgpu::Context {
                fb_end: self.fb_end,
                channels: self.channels,
                engines: &config.engines,
                pf_channels: self
                    .clients
                    .values()
                    .flat_map(|o| o.values())
                    .filter_map(|o| o.channel.map(|c| (c.engine, c.chid)))
                    .collect(),
            };
            let internal = h_client == self.internal_client;
            return self.vgpu.control(internal, cmd, params, &ctx);
        }
        match cmd {
            ChannelBind::CMD => {
                let Some(c) = object.channel else {
                    return NV_ERR_INVALID_COMMAND;
                };
                type P = <ChannelBind as RmControl>::Params;
                let Some(p) = P::decode(params).filter(|_| params.len() == P::SIZE) else {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                };
                // kchannelCtrlCmdBind binds the channel to the runlist of
                // the engine named; the model's channels stay on their
                // allocation's engine (a channel's runlist is fixed once
                // set), so another engine is refused.
                if p.engine_type != c.engine {
                    warn!(
                        "GSP-RM: BIND of channel {} to engine type {:#x}: it was allocated for {:#x}",
                        c.chid, p.engine_type, c.engine
                    );
                    return NV_ERR_INVALID_ARGUMENT;
                }
                self.update_channel(h_client, h_object, |c| c.bound = true);
                NV_OK
            }
            ChannelSchedule::CMD => {
                let Some(c) = object.channel else {
                    return NV_ERR_INVALID_COMMAND;
                };
                type P = <ChannelSchedule as RmControl>::Params;
                let Some(p) = P::decode(params).filter(|_| params.len() == P::SIZE) else {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                };
                // kchannelCtrlCmdGpFifoSchedule: a channel must be
                // schedulable, i.e. bound to a runlist
                // (`kchannelIsSchedulable_HAL`), else NV_ERR_INVALID_STATE.
                if p.enable != 0 && !c.bound {
                    warn!("GSP-RM: GPFIFO_SCHEDULE of channel {} before BIND", c.chid);
                    return NV_ERR_INVALID_STATE;
                }
                let on = p.enable != 0;
                self.update_channel(h_client, h_object, |c| c.scheduled = on);
                self.host.schedule(c.chid, on);
                NV_OK
            }
            FifoGetDeviceInfoTable::CMD => {
                if h_client != self.internal_client {
                    return NV_ERR_INSUFFICIENT_PERMISSIONS;
                }
                let table = config.device_info();
                rewrite(
                    params,
                    |p: &mut <FifoGetDeviceInfoTable as RmControl>::Params| {
                        let base = p.base_index as usize;
                        if !base.is_multiple_of(fifo::DEVICE_INFO_MAX_ENTRIES) {
                            return NV_ERR_INVALID_ARGUMENT;
                        }
                        let rest = table.get(base..).unwrap_or(&[]);
                        let n = rest.len().min(fifo::DEVICE_INFO_MAX_ENTRIES);
                        p.entries =
                            [fifo::Nv2080CtrlFifoDeviceEntry::ZERO; fifo::DEVICE_INFO_MAX_ENTRIES];
                        p.entries[..n].copy_from_slice(&rest[..n]);
                        p.num_entries = n as u32;
                        p.more = u8::from(rest.len() > n);
                        NV_OK
                    },
                )
            }
            GpuGetEnginesV2::CMD => {
                rewrite(params, |p: &mut <GpuGetEnginesV2 as RmControl>::Params| {
                    p.engine_count = config.engines.len().min(p.engine_list.len()) as u32;
                    for (slot, &e) in p.engine_list.iter_mut().zip(&config.engines) {
                        *slot = e;
                    }
                    NV_OK
                })
            }
            FbGetInfoV2::CMD => rewrite(params, |p: &mut <FbGetInfoV2 as RmControl>::Params| {
                let size = p.fb_info_list_size;
                fill(&mut p.fb_info_list, size, |i| config.fb_info(i))
            }),
            GpuGetInfoV2::CMD => rewrite(params, |p: &mut <GpuGetInfoV2 as RmControl>::Params| {
                let size = p.gpu_info_list_size;
                fill(&mut p.gpu_info_list, size, |i| config.gpu_info(i))
            }),
            EventSetNotification::CMD => {
                type P = <EventSetNotification as RmControl>::Params;
                let Some(p) = P::decode(params).filter(|_| params.len() == P::SIZE) else {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                };
                if p.event >= NV2080_NOTIFIERS_MAXCOUNT
                    || p.action > class::NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_REPEAT
                {
                    return NV_ERR_INVALID_ARGUMENT;
                }
                if p.action == class::NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_DISABLE {
                    self.notifications.remove(&(h_client, p.event));
                    return NV_OK;
                }
                // RM wants an event object bound to the subdevice first.
                let bound = objects
                    .values()
                    .any(|o| o.parent == h_object && o.notify_index == Some(p.event));
                if !bound {
                    return NV_ERR_INVALID_STATE;
                }
                self.notifications.insert((h_client, p.event), p.action);
                NV_OK
            }
            InternalFifoGetNumChannels::CMD => {
                if h_client != self.internal_client {
                    return NV_ERR_INSUFFICIENT_PERMISSIONS;
                }
                rewrite(
                    params,
                    |p: &mut class::Nv2080CtrlInternalFifoGetNumChannelsParams| {
                        p.num_channels = config.channels;
                        NV_OK
                    },
                )
            }
            InternalIntrGetKernelTable::CMD => {
                if h_client != self.internal_client {
                    return NV_ERR_INSUFFICIENT_PERMISSIONS;
                }
                rewrite(params, |p: &mut IntrGetKernelTableParams| {
                    let table = config.intr_table();
                    p.table_len = table.len() as u32;
                    for (slot, e) in p.table.iter_mut().zip(table) {
                        *slot = e;
                    }
                    NV_OK
                })
            }
            GrGetInfoV2::CMD => rewrite(params, |p: &mut <GrGetInfoV2 as RmControl>::Params| {
                let size = p.gr_info_list_size;
                fill(&mut p.gr_info_list, size, |i| config.gr_info(i))
            }),
            CeGetFaultMethodBufferSize::CMD => rewrite(
                params,
                |p: &mut <CeGetFaultMethodBufferSize as RmControl>::Params| {
                    p.size = super::channel_memory::METHOD_BUFFER_SIZE;
                    NV_OK
                },
            ),
            VaspaceCopyServerReservedPdes::CMD => {
                type P = <VaspaceCopyServerReservedPdes as RmControl>::Params;
                let Some(p) = P::decode(params).filter(|_| params.len() == P::SIZE) else {
                    return NV_ERR_INVALID_PARAM_STRUCT;
                };
                // GSP-RM's PD0 for the range, in the VRAM it keeps.
                let rm_pd0 =
                    self.fb_end + (self.vaspaces % super::bar1::VASPACE_PD0_PAGES) * 0x1000;
                match super::vaspace::copy_server_reserved_pdes(&p, &self.mem.sys, rm_pd0) {
                    Ok((root, rm_pde)) => {
                        self.vaspaces += 1;
                        if let Some(o) = self
                            .clients
                            .get_mut(&h_client)
                            .and_then(|o| o.get_mut(&h_object))
                        {
                            o.root = Some(root);
                            o.rm_pde = Some(rm_pde);
                            self.roots.insert(h_client, h_object, root);
                        }
                        NV_OK
                    }
                    Err((status, why)) => {
                        warn!("GSP-RM: COPY_SERVER_RESERVED_PDES on {h_object:#x}: {why}");
                        status
                    }
                }
            }
            _ => NV_ERR_NOT_SUPPORTED,
        }
    }
}

impl Objects {
    /// The root page directory of VA space `h` of `h_client` (`None` for
    /// none given, 0, or one whose tables the driver has not named);
    /// RM's status if `h` is no VA space.
    fn vaspace_root(&self, h_client: u32, h: u32) -> Result<Option<Phys>, u32> {
        if h == 0 {
            return Ok(None);
        }
        match self.clients.get(&h_client).and_then(|o| o.get(&h)) {
            None => Err(NV_ERR_OBJECT_NOT_FOUND),
            Some(o) if o.class != FermiVaspaceA::CLASS => Err(NV_ERR_INVALID_OBJECT_HANDLE),
            Some(o) => Ok(o.root),
        }
    }

    /// Changes channel object `h_object`'s state with `f`.
    fn update_channel(&mut self, h_client: u32, h_object: u32, f: impl FnOnce(&mut ChannelInfo)) {
        if let Some(c) = self
            .clients
            .get_mut(&h_client)
            .and_then(|o| o.get_mut(&h_object))
            .and_then(|o| o.channel.as_mut())
        {
            f(c);
        }
    }

    /// The channel ID of channel object `h_object` of `h_client`.
    #[cfg(test)]
    pub fn chid(&self, h_client: u32, h_object: u32) -> Option<u32> {
        Some(self.clients.get(&h_client)?.get(&h_object)?.channel?.chid)
    }

    /// The channel ID and `NV2080_ENGINE_TYPE_*` of channel object
    /// `h_object` of `h_client`.
    pub fn channel(&self, h_client: u32, h_object: u32) -> Option<(u32, u32)> {
        let c = self.clients.get(&h_client)?.get(&h_object)?.channel?;
        Some((c.chid, c.engine))
    }

    /// The event objects of `h_client` for notifier `index`, if the client
    /// enabled its notification.
    pub fn notified(&self, h_client: u32, index: u32) -> Vec<u32> {
        if !self.notifications.contains_key(&(h_client, index)) {
            return Vec::new();
        }
        let mut v: Vec<u32> = self
            .clients
            .get(&h_client)
            .into_iter()
            .flat_map(|o| o.iter())
            .filter(|(_, o)| o.notify_index == Some(index))
            .map(|(&h, _)| h)
            .collect();
        v.sort_unstable();
        v
    }
}

/// GSP-RM's objects going (GSP-RM stopped) take the VA spaces' roots
/// with them.
impl Drop for Objects {
    fn drop(&mut self) {
        self.roots.clear();
        self.host.clear();
    }
}

/// Decodes `params` as `T`, lets `f` answer, encodes it back; a size
/// mismatch is `NV_ERR_INVALID_PARAM_STRUCT`.
fn rewrite<T: Wire>(params: &mut [u8], f: impl FnOnce(&mut T) -> u32) -> u32 {
    if params.len() != T::SIZE {
        return NV_ERR_INVALID_PARAM_STRUCT;
    }
    let Some(mut p) = T::decode(params) else {
        return NV_ERR_INVALID_PARAM_STRUCT;
    };
    let status = f(&mut p);
    if p.encode(params).is_none() {
        return NV_ERR_INVALID_PARAM_STRUCT;
    }
    status
}

/// Answers the first `size` entries of an info list; an index RM does not
/// know is `NV_ERR_INVALID_ARGUMENT`, a size beyond the list
/// `NV_ERR_INVALID_PARAM_STRUCT`.
fn fill(list: &mut [CtrlInfo], size: u32, answer: impl Fn(u32) -> Option<u32>) -> u32 {
    if size as usize > list.len() {
        return NV_ERR_INVALID_PARAM_STRUCT;
    }
    for e in list.iter_mut().take(size as usize) {
        match answer(e.index) {
            Some(v) => e.data = v,
            None => return NV_ERR_INVALID_ARGUMENT,
        }
    }
    NV_OK
}

#[cfg(test)]
mod tests {
    use super::*;
    use nvgsp_proto::gsp::class::Nv2080CtrlGpuGetEnginesV2Params;
    use nvgsp_proto::gsp::gr_info::{self, GrGetInfoV2Params};

    /// Allocates the driver's client 0xc1 with device 0xd1 and subdevice
    /// 0x51.
    fn alloc_driver_client(o: &mut Objects) {
        let p0 = vec![0u8; class::Nv0000AllocParameters::SIZE];
        assert_eq!(o.alloc(0xc1, 0, 0xc1, class::NV01_ROOT, &p0), NV_OK);
        let p80 = vec![0u8; class::Nv0080AllocParameters::SIZE];
        assert_eq!(o.alloc(0xc1, 0xc1, 0xd1, class::NV01_DEVICE_0, &p80), NV_OK);
        let p2080 = vec![0u8; class::Nv2080AllocParameters::SIZE];
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0x51, class::NV20_SUBDEVICE_0, &p2080),
            NV_OK
        );
    }

    fn setup() -> (Objects, RmConfig) {
        let mut o = Objects::default();
        alloc_driver_client(&mut o);
        (o, RmConfig::default())
    }

    #[test]
    fn internal_controls_answer_only_gsp_rms_own_client() {
        let (c, _, sub) = super::super::config::INTERNAL_HANDLES;
        let mut o = Objects::with_internal_client((c, 0x5c00_0001, sub), 2048);
        let cfg = RmConfig {
            channels: 512,
            ..RmConfig::default()
        };
        let cmd = class::NV2080_CTRL_CMD_INTERNAL_FIFO_GET_NUM_CHANNELS;
        let mut p = [0u8; 8];
        assert_eq!(o.control(&cfg, c, sub, cmd, &mut p), NV_OK);
        assert_eq!(u32::from_le_bytes(p[4..].try_into().unwrap()), 512);
        // A client of the driver's own may not run it.
        alloc_driver_client(&mut o);
        assert_eq!(
            o.control(&cfg, 0xc1, 0x51, cmd, &mut p),
            NV_ERR_INSUFFICIENT_PERMISSIONS
        );
        assert_eq!(
            o.control(&cfg, c, sub, cmd, &mut [0u8; 4]),
            NV_ERR_INVALID_PARAM_STRUCT
        );
    }

    /// Guest memory at 1 MiB holding, as a driver would build them, a VA
    /// space's tables (PD3, PD2, PD1, PD0, PT at 1 MiB + 0..5 pages) that
    /// map the GPFIFO page (1 MiB + 5 pages) at [`GPFIFO_VA`], and the
    /// method buffer (1 MiB + 6 pages).
    fn memory_with_tables() -> GuestMemory {
        let gm = crate::guest_mem::test_memory(0x10_0000, 0x10000);
        let put = |at: u64, v: u64| gm.write(at, &v.to_le_bytes()).unwrap();
        let pde = |t: u64| (t >> 4) | (2 << 1) | (1 << 3);
        put(0x10_0000, pde(0x10_1000));
        put(0x10_1000, pde(0x10_2000));
        put(0x10_2000 + 2 * 8, pde(0x10_3000));
        put(0x10_3000 + 8, pde(0x10_4000));
        put(0x10_4000, (0x10_5000 >> 4) | (2 << 1) | 1);
        gm
    }

    /// 1 GiB: PD1 entry 2, the first page of its page table.
    const GPFIFO_VA: u64 = 0x4000_0000;

    /// `setup` with [`memory_with_tables`], 256 MiB of client VRAM and VA
    /// space 0xa1 under device 0xd1.
    fn setup_vaspace() -> (Objects, RmConfig) {
        let (o, cfg) = setup();
        let mut o = o.with_memory(memory_with_tables(), 0x1000_0000);
        o.channels = 512;
        let mut p = vec![0u8; vaspace::NvVaspaceAllocationParameters::SIZE];
        vaspace::NvVaspaceAllocationParameters::ZERO.encode(&mut p);
        assert_eq!(o.alloc(0xc1, 0xd1, 0xa1, class::FERMI_VASPACE_A, &p), NV_OK);
        (o, cfg)
    }

    /// The reserved-directory levels nouveau sends for the tables of
    /// [`memory_with_tables`].
    fn copy_params() -> vaspace::CopyServerReservedPdesParams {
        let mut p = vaspace::CopyServerReservedPdesParams::ZERO;
        p.page_size = 0x2000_0000;
        p.virt_addr_lo = 0x1_0000_0000;
        p.virt_addr_hi = 0x1_1fff_ffff;
        p.num_levels_to_copy = 3;
        for (i, (shift, size)) in [(47, 0x20), (38, 0x1000), (29, 0x1000)]
            .into_iter()
            .enumerate()
        {
            p.levels[i] = vaspace::ReservedPdeLevel {
                phys_address: 0x10_0000 + i as u64 * 0x1000,
                size,
                aperture: 4,
                page_shift: shift,
                _pad0: [0; 3],
            };
        }
        p
    }

    fn copy(o: &mut Objects, cfg: &RmConfig, p: &vaspace::CopyServerReservedPdesParams) -> u32 {
        let mut b = vec![0u8; vaspace::CopyServerReservedPdesParams::SIZE];
        p.encode(&mut b);
        let cmd = vaspace::NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES;
        o.control(cfg, 0xc1, 0xa1, cmd, &mut b)
    }

    /// Channel `chid`'s parameters as a driver gives them, with the memory
    /// of [`memory_with_tables`] and instance block and USERD at 16 MiB.
    fn channel_params(chid: Option<u32>) -> class::NvChannelAllocParams {
        let fb = |base, size| class::NvMemoryDescParams {
            base,
            size,
            address_space: class::ADDR_FBMEM,
            cache_attrib: 1,
        };
        class::NvChannelAllocParams {
            flags: chid.map_or(0, class::NvChannelAllocParams::chid_flags),
            h_va_space: 0xa1,
            gp_fifo_offset: GPFIFO_VA,
            gp_fifo_entries: 512,
            engine_type: class::NV2080_ENGINE_TYPE_COPY0,
            instance_mem: fb(0x100_0000, 0x1000),
            ramfc_mem: fb(0x100_0000, 0x200),
            userd_mem: fb(0x100_1000, 0x200),
            mthdbuf_mem: class::NvMemoryDescParams {
                base: 0x10_6000,
                size: u64::from(super::super::channel_memory::METHOD_BUFFER_SIZE),
                address_space: class::ADDR_SYSMEM,
                cache_attrib: 0,
            },
            ..class::NvChannelAllocParams::ZERO
        }
    }

    fn encoded(p: &class::NvChannelAllocParams) -> Vec<u8> {
        let mut b = vec![0u8; class::NvChannelAllocParams::SIZE];
        p.encode(&mut b);
        b
    }

    #[test]
    fn gsp_rm_takes_the_reserved_directories_of_a_chain() {
        let (mut o, cfg) = setup_vaspace();
        // Each rule GSP-RM or the chip has, broken once.
        let mut p = copy_params();
        p.virt_addr_lo += 0x1000;
        assert_eq!(copy(&mut o, &cfg, &p), NV_ERR_INVALID_ARGUMENT);
        let mut p = copy_params();
        p.num_levels_to_copy = 7;
        assert_eq!(copy(&mut o, &cfg, &p), NV_ERR_INVALID_ARGUMENT);
        let mut p = copy_params();
        p.levels[1].page_shift = 37;
        assert_eq!(copy(&mut o, &cfg, &p), NV_ERR_INVALID_ARGUMENT);
        let mut p = copy_params();
        p.levels[2].phys_address += 0x800;
        assert_eq!(copy(&mut o, &cfg, &p), NV_ERR_INVALID_ARGUMENT);
        let mut p = copy_params();
        p.levels[0].aperture = 2;
        assert_eq!(copy(&mut o, &cfg, &p), NV_ERR_INVALID_ARGUMENT);
        // Not one chain: PD2 does not name this PD1.
        let mut p = copy_params();
        p.levels[2].phys_address = 0x10_4000;
        assert_eq!(copy(&mut o, &cfg, &p), NV_ERR_INVALID_ARGUMENT);
        let mut p = copy_params();
        p.levels[1].aperture = 1;
        assert_eq!(copy(&mut o, &cfg, &p), NV_ERR_NOT_SUPPORTED);
        // The channel cannot use the VA space yet.
        let cls = class::AMPERE_CHANNEL_GPFIFO_A;
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf1, cls, &encoded(&channel_params(Some(9)))),
            NV_ERR_INVALID_ADDRESS
        );
        assert_eq!(copy(&mut o, &cfg, &copy_params()), NV_OK);
        // GSP-RM's own PD0 for its range, in its VRAM, in PD1 entry 8.
        assert_eq!(
            super::super::gmmu::directory_entry(&o.mem, Phys::Sys(0x10_2000), 2, 1 << 32),
            Ok(Some(Phys::Video(0x1000_0000)))
        );
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf1, cls, &encoded(&channel_params(Some(9)))),
            NV_OK
        );
        // Its entry goes with the VA space.
        assert_eq!(o.free(0xc1, 0xf1), NV_OK);
        assert_eq!(o.free(0xc1, 0xa1), NV_OK);
        assert_eq!(
            super::super::gmmu::directory_entry(&o.mem, Phys::Sys(0x10_2000), 2, 1 << 32),
            Ok(None)
        );
    }

    /// The control port's probe finds a VA space's root from the time
    /// the driver names its tables until it, its parent, its client or
    /// GSP-RM goes.
    #[test]
    fn the_probe_knows_the_va_spaces_with_tables() {
        let (o, cfg) = setup_vaspace();
        let roots = VaSpaces::default();
        roots.insert(0x99, 0x99, Phys::Sys(0));
        let mut o = o.sharing(roots.clone());
        assert_eq!(roots.root(0x99, 0x99), None, "a new GSP-RM knows none");
        assert_eq!(roots.root(0xc1, 0xa1), None);
        assert_eq!(copy(&mut o, &cfg, &copy_params()), NV_OK);
        assert_eq!(roots.root(0xc1, 0xa1), Some(Phys::Sys(0x10_0000)));
        assert_eq!(o.free(0xc1, 0xd1), NV_OK);
        assert_eq!(roots.root(0xc1, 0xa1), None);
        let mut p = vec![0u8; vaspace::NvVaspaceAllocationParameters::SIZE];
        vaspace::NvVaspaceAllocationParameters::ZERO.encode(&mut p);
        let p80 = vec![0u8; class::Nv0080AllocParameters::SIZE];
        assert_eq!(o.alloc(0xc1, 0xc1, 0xd1, class::NV01_DEVICE_0, &p80), NV_OK);
        assert_eq!(o.alloc(0xc1, 0xd1, 0xa1, class::FERMI_VASPACE_A, &p), NV_OK);
        assert_eq!(copy(&mut o, &cfg, &copy_params()), NV_OK);
        assert_eq!(o.free(0xc1, 0xc1), NV_OK);
        assert_eq!(roots.root(0xc1, 0xa1), None);
        assert_eq!(o.alloc(0xc1, 0, 0xc1, class::NV01_ROOT, &[]), NV_OK);
        assert_eq!(o.alloc(0xc1, 0xc1, 0xd1, class::NV01_DEVICE_0, &p80), NV_OK);
        assert_eq!(o.alloc(0xc1, 0xd1, 0xa1, class::FERMI_VASPACE_A, &p), NV_OK);
        assert_eq!(copy(&mut o, &cfg, &copy_params()), NV_OK);
        assert!(roots.root(0xc1, 0xa1).is_some());
        drop(o);
        assert_eq!(roots.root(0xc1, 0xa1), None, "GSP-RM's objects went");
    }

    #[test]
    fn channels_need_their_memory_and_a_va_space() {
        let (mut o, cfg) = setup_vaspace();
        assert_eq!(copy(&mut o, &cfg, &copy_params()), NV_OK);
        let cls = class::AMPERE_CHANNEL_GPFIFO_A;
        let mut next = 0xf1;
        // The guest's memory, shared: the closure below holds the model.
        let mem = o.mem.sys.clone();
        let mut try_with = |f: &dyn Fn(&mut class::NvChannelAllocParams)| {
            let mut p = channel_params(Some(9));
            f(&mut p);
            next += 1;
            o.alloc(0xc1, 0xd1, next, cls, &encoded(&p))
        };
        type Edit<'a> = &'a dyn Fn(&mut class::NvChannelAllocParams);
        let cases: [(&str, Edit, u32); 14] = [
            ("no VA space", &|p| p.h_va_space = 0, NV_ERR_INVALID_ADDRESS),
            (
                "no such object",
                &|p| p.h_va_space = 0xa9,
                NV_ERR_OBJECT_NOT_FOUND,
            ),
            (
                "not a VA space",
                &|p| p.h_va_space = 0x51,
                NV_ERR_INVALID_OBJECT_HANDLE,
            ),
            (
                "instance in sysmem",
                &|p| p.instance_mem.address_space = class::ADDR_SYSMEM,
                NV_ERR_INVALID_ARGUMENT,
            ),
            (
                "instance misaligned",
                &|p| p.instance_mem.base += 0x200,
                NV_ERR_INVALID_ARGUMENT,
            ),
            (
                "instance beyond the clients' VRAM",
                &|p| p.instance_mem.base = 0x1000_0000,
                NV_ERR_INVALID_ARGUMENT,
            ),
            (
                "RAMFC elsewhere",
                &|p| p.ramfc_mem.base += 0x200,
                NV_ERR_INVALID_ARGUMENT,
            ),
            (
                "USERD misaligned",
                &|p| p.userd_mem.base += 0x100,
                NV_ERR_INVALID_ARGUMENT,
            ),
            (
                "USERD in the instance block",
                &|p| p.userd_mem.base = p.instance_mem.base + 0x200,
                NV_ERR_INVALID_ARGUMENT,
            ),
            (
                "a method buffer of a page",
                &|p| p.mthdbuf_mem.size = 0x1000,
                NV_ERR_INVALID_ARGUMENT,
            ),
            (
                "no method buffer",
                &|p| p.mthdbuf_mem = class::NvMemoryDescParams::ZERO,
                NV_ERR_INVALID_ARGUMENT,
            ),
            (
                "GPFIFO entries",
                &|p| p.gp_fifo_entries = 500,
                NV_ERR_INVALID_ARGUMENT,
            ),
            (
                "GPFIFO not mapped",
                &|p| p.gp_fifo_offset = GPFIFO_VA + 0x1000,
                NV_ERR_INVALID_ADDRESS,
            ),
            (
                "GPFIFO past its page",
                &|p| p.gp_fifo_entries = 1024,
                NV_ERR_INVALID_ADDRESS,
            ),
        ];
        for (what, f, status) in cases {
            assert_eq!(try_with(f), status, "{what}");
        }
        // The ring's page must be memory the host can fetch from.
        let pte = 0x10_4000;
        for (page, aperture) in [(0x1000_0000u64, 0u64), (0x9000_0000, 2)] {
            let entry = (page >> 4) | (aperture << 1) | 1;
            mem.write(pte, &entry.to_le_bytes()).unwrap();
            assert_eq!(try_with(&|_| {}), NV_ERR_INVALID_ADDRESS, "{page:#x}");
        }
        // A sparse page (invalid, VOL): the host would fetch zeros.
        mem.write(pte, &(1u64 << 3).to_le_bytes()).unwrap();
        assert_eq!(try_with(&|_| {}), NV_ERR_INVALID_ADDRESS, "sparse");
        mem.write(pte, &((0x10_5000u64 >> 4) | (2 << 1) | 1).to_le_bytes())
            .unwrap();
        // USERD in system memory, as the core gives it.
        let sys_userd = |p: &mut class::NvChannelAllocParams| {
            p.userd_mem = class::NvMemoryDescParams {
                base: 0x10_7000,
                size: 0x200,
                address_space: class::ADDR_SYSMEM,
                cache_attrib: class::NV_MEMORY_CACHED,
            }
        };
        assert_eq!(try_with(&sys_userd), NV_OK);
    }

    fn control_of<T: Wire>(o: &mut Objects, cfg: &RmConfig, h: u32, cmd: u32, p: &T) -> u32 {
        let mut b = vec![0u8; T::SIZE];
        p.encode(&mut b);
        o.control(cfg, 0xc1, h, cmd, &mut b)
    }

    /// nouveau r535 `r535_chan_ramfc_write`'s order: BIND to the channel's
    /// engine, then GPFIFO_SCHEDULE; the controls are the channel
    /// family's (0xa06f) on a 0xc56f object, which the host then runs.
    #[test]
    fn channels_are_bound_then_scheduled() {
        let (o, cfg) = setup_vaspace();
        let host = Host::default();
        let mut o = o.with_host(host.clone(), cfg.engines.clone());
        assert_eq!(copy(&mut o, &cfg, &copy_params()), NV_OK);
        let cls = class::AMPERE_CHANNEL_GPFIFO_A;
        // An engine the GPU does not have.
        let mut p = channel_params(Some(9));
        p.engine_type = class::NV2080_ENGINE_TYPE_COPY0 + 7;
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf1, cls, &encoded(&p)),
            NV_ERR_INVALID_ARGUMENT
        );
        p.engine_type = class::NV2080_ENGINE_TYPE_NULL;
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf1, cls, &encoded(&p)),
            NV_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf1, cls, &encoded(&channel_params(Some(9)))),
            NV_OK
        );
        assert!(
            host.describe(9).contains("runlist 1 "),
            "{}",
            host.describe(9)
        );
        assert!(host.describe(9).contains("scheduled no"));
        let sched = |on| fifo::NvA06fCtrlGpfifoScheduleParams {
            enable: on,
            skip_submit: 0,
        };
        let bind = |e| fifo::NvA06fCtrlBindParams { engine_type: e };
        let (bcmd, scmd) = (ChannelBind::CMD, ChannelSchedule::CMD);
        assert_eq!(
            control_of(&mut o, &cfg, 0xf1, scmd, &sched(1)),
            NV_ERR_INVALID_STATE
        );
        let gr = class::NV2080_ENGINE_TYPE_GRAPHICS;
        assert_eq!(
            control_of(&mut o, &cfg, 0xf1, bcmd, &bind(gr)),
            NV_ERR_INVALID_ARGUMENT
        );
        let ce0 = class::NV2080_ENGINE_TYPE_COPY0;
        assert_eq!(control_of(&mut o, &cfg, 0xf1, bcmd, &bind(ce0)), NV_OK);
        assert_eq!(
            o.control(&cfg, 0xc1, 0xf1, scmd, &mut [1u8]),
            NV_ERR_INVALID_PARAM_STRUCT
        );
        assert_eq!(control_of(&mut o, &cfg, 0xf1, scmd, &sched(1)), NV_OK);
        assert!(host.describe(9).contains("scheduled yes"));
        // Not on other objects: the family is the channel's.
        assert_eq!(
            control_of(&mut o, &cfg, 0x51, bcmd, &bind(ce0)),
            NV_ERR_INVALID_COMMAND
        );
        // Another channel family control the model does not have.
        assert_eq!(
            o.control(&cfg, 0xc1, 0xf1, 0xc36f_0108, &mut [0u8; 4]),
            NV_ERR_NOT_SUPPORTED
        );
        assert_eq!(control_of(&mut o, &cfg, 0xf1, scmd, &sched(0)), NV_OK);
        assert!(host.describe(9).contains("scheduled no"));
        // Freed, the host forgets it.
        assert_eq!(o.free(0xc1, 0xf1), NV_OK);
        assert_eq!(host.describe(9), "unknown channel");
    }

    /// What GSP-RM sets up is what the host runs: the VA space's root,
    /// USERD, the ring; a doorbell with the channel's token then runs a
    /// semaphore release from a pushbuffer (in the ring's page here).
    #[test]
    fn a_scheduled_channel_runs_on_the_host() {
        use nvgsp_proto::host::{self as h, method as hm, sem_execute};
        let (o, cfg) = setup_vaspace();
        let host = Host::default();
        let mut o = o.with_host(host.clone(), cfg.engines.clone());
        let mem = o.mem.sys.clone();
        assert_eq!(copy(&mut o, &cfg, &copy_params()), NV_OK);
        let mut p = channel_params(Some(9));
        p.gp_fifo_entries = 256;
        p.userd_mem = class::NvMemoryDescParams {
            base: 0x10_7000,
            size: 0x200,
            address_space: class::ADDR_SYSMEM,
            cache_attrib: class::NV_MEMORY_CACHED,
        };
        let cls = class::AMPERE_CHANNEL_GPFIFO_A;
        assert_eq!(o.alloc(0xc1, 0xd1, 0xf1, cls, &encoded(&p)), NV_OK);
        let ce0 = class::NV2080_ENGINE_TYPE_COPY0;
        let bind = fifo::NvA06fCtrlBindParams { engine_type: ce0 };
        assert_eq!(
            control_of(&mut o, &cfg, 0xf1, ChannelBind::CMD, &bind),
            NV_OK
        );
        let hw = crate::dev::Hw::new(crate::dev::bar0::Bar0::new(
            nvgsp_proto::chip::ChipId::GA102_A1,
            256 << 20,
            Vec::new(),
        ));
        let _worker = host.start(hw, mem.clone()).unwrap();
        // The pushbuffer: a release of 0x5eed at the ring's page + 0xf00.
        let sem = GPFIFO_VA + 0xf00;
        let words = [
            h::inc(0, hm::SEM_ADDR_LO, 3).unwrap(),
            sem as u32,
            (sem >> 32) as u32,
            0x5eed,
            h::inc(0, hm::SEM_EXECUTE, 1).unwrap(),
            sem_execute::RELEASE,
        ];
        let pb: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        mem.write(0x10_5800, &pb).unwrap();
        let e = h::gp_entry(GPFIFO_VA + 0x800, words.len() as u32, false).unwrap();
        mem.write(0x10_5000, &e.to_le_bytes()).unwrap();
        mem.write(0x10_7000 + h::USERD_GP_PUT, &1u32.to_le_bytes())
            .unwrap();
        let token = h::doorbell_token(1, 9).unwrap();
        host.doorbell(token);
        std::thread::sleep(std::time::Duration::from_millis(50));
        assert_eq!(mem.read_u32(0x10_5f00).unwrap(), 0, "not scheduled yet");
        let sched = fifo::NvA06fCtrlGpfifoScheduleParams {
            enable: 1,
            skip_submit: 0,
        };
        assert_eq!(
            control_of(&mut o, &cfg, 0xf1, ChannelSchedule::CMD, &sched),
            NV_OK
        );
        host.doorbell(token);
        let start = std::time::Instant::now();
        while mem.read_u32(0x10_7000 + h::USERD_GP_GET).unwrap() != 1 {
            assert!(start.elapsed().as_secs() < 5, "{}", host.describe(9));
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(mem.read_u32(0x10_5f00).unwrap(), 0x5eed);
    }

    /// The copy object: under a channel of the same engine (nouveau r535
    /// `r535_ce_alloc`: version 1, `NV2080_ENGINE_TYPE_COPY0 + inst`),
    /// freed with it.
    #[test]
    fn copy_objects_live_under_a_channel_of_their_engine() {
        let (mut o, cfg) = setup_vaspace();
        assert_eq!(copy(&mut o, &cfg, &copy_params()), NV_OK);
        let cls = class::AMPERE_CHANNEL_GPFIFO_A;
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf1, cls, &encoded(&channel_params(Some(9)))),
            NV_OK
        );
        let ce = |version, engine_type| {
            let mut b = vec![0u8; 8];
            fifo::NvB0b5AllocationParameters {
                version,
                engine_type,
            }
            .encode(&mut b);
            b
        };
        let ce0 = class::NV2080_ENGINE_TYPE_COPY0;
        let k = class::AMPERE_DMA_COPY_B;
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xe1, k, &ce(1, ce0)),
            NV_ERR_INVALID_OBJECT_PARENT
        );
        assert_eq!(
            o.alloc(0xc1, 0xf1, 0xe1, k, &ce(1, ce0 + 1)),
            NV_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            o.alloc(0xc1, 0xf1, 0xe1, k, &ce(2, ce0)),
            NV_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            o.alloc(0xc1, 0xf1, 0xe1, k, &[0u8; 4]),
            NV_ERR_INVALID_PARAM_STRUCT
        );
        assert_eq!(o.alloc(0xc1, 0xf1, 0xe1, k, &ce(1, ce0)), NV_OK);
        assert_eq!(
            o.alloc(0xc1, 0xf1, 0xe2, k, &ce(0, 0)),
            NV_OK,
            "version 0: an index"
        );
        assert_eq!(o.free(0xc1, 0xf1), NV_OK);
        assert_eq!(
            o.free(0xc1, 0xe1),
            NV_ERR_INVALID_OBJECT_HANDLE,
            "gone with it"
        );
    }

    /// GET_DEVICE_INFO_TABLE on the internal subdevice: each engine of
    /// GET_ENGINES_V2 on its own runlist, as nouveau reads it.
    #[test]
    fn the_device_info_table_gives_each_engine_a_runlist() {
        let (c, _, sub) = super::super::config::INTERNAL_HANDLES;
        let mut o = Objects::with_internal_client((c, 0x5c00_0001, sub), 2048);
        let cfg = RmConfig::default();
        let cmd = FifoGetDeviceInfoTable::CMD;
        type P = fifo::Nv2080CtrlFifoGetDeviceInfoTableParams;
        let mut b = vec![0u8; P::SIZE];
        assert_eq!(o.control(&cfg, c, sub, cmd, &mut b), NV_OK);
        let p = P::decode(&b).unwrap();
        assert_eq!(p.num_entries as usize, cfg.engines.len());
        assert_eq!(p.more, 0);
        let e = |i: usize| {
            let d = &p.entries[i].engine_data;
            (
                d[fifo::ENGINE_INFO_TYPE_RM_ENGINE_TYPE],
                d[fifo::ENGINE_INFO_TYPE_RUNLIST],
            )
        };
        assert_eq!(e(0), (fifo::RM_ENGINE_TYPE_GR0, 0));
        assert_eq!(e(1), (fifo::RM_ENGINE_TYPE_COPY0, 1));
        assert_eq!(e(3), (fifo::RM_ENGINE_TYPE_COPY0 + 2, 3));
        let runlists: std::collections::HashSet<_> =
            (0..cfg.engines.len()).map(|i| e(i).1).collect();
        assert_eq!(runlists.len(), cfg.engines.len(), "one runlist each");
        let mut p2 = P::ZERO;
        p2.base_index = 5;
        let mut b = vec![0u8; P::SIZE];
        p2.encode(&mut b);
        assert_eq!(
            o.control(&cfg, c, sub, cmd, &mut b),
            NV_ERR_INVALID_ARGUMENT
        );
        p2.base_index = 32;
        p2.encode(&mut b);
        assert_eq!(o.control(&cfg, c, sub, cmd, &mut b), NV_OK);
        assert_eq!(P::decode(&b).unwrap().num_entries, 0);
        alloc_driver_client(&mut o);
        assert_eq!(
            o.control(&cfg, 0xc1, 0x51, cmd, &mut b),
            NV_ERR_INSUFFICIENT_PERMISSIONS
        );
    }

    /// A vGPU's channel IDs (of its plugin task, until the cleanup) are
    /// not the PF's to allocate, on any engine: one ID space.
    #[test]
    fn a_vgpus_channel_ids_are_not_the_pfs() {
        use nvgsp_proto::gsp::rpc::system_info::GspVfInfo;
        use nvgsp_proto::gsp::vgpu::{
            BootloadParams, NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK,
        };
        const MIB: u64 = 1 << 20;
        let (mut o, cfg) = setup_vaspace();
        assert_eq!(copy(&mut o, &cfg, &copy_params()), NV_OK);
        o.channels = 16;
        let booted = RmConfig {
            vram: 1 << 30,
            sriov: Some(crate::board::A10_SRIOV.with_vfs(1)),
            wpr_heap: Some(581 * MIB),
            vf_partitions: 1,
            ..RmConfig::default()
        };
        let info = GspVfInfo {
            total_vfs: 1,
            first_vf_offset: 4,
            b64bit_bar1: 1,
            b64bit_bar2: 1,
            ..GspVfInfo::ZERO
        };
        let mut m = VgpuManager::new(None, None);
        m.set_mode(vgpu::check_mode(&booted, Some(1), &info).unwrap());
        // GFID 1: 32 MiB at 64 MiB, a heap at 128 MiB, channels 10 and 11
        // of every engine.
        let mut p = BootloadParams::ZERO;
        p.gfid = 1;
        p.num_channels = 2;
        p.chid_offset = [10; nvgsp_proto::gsp::vgpu::MAX_ENGINES];
        p.num_guest_fb_segments = 1;
        p.guest_fb_phys_addr_list[0] = 64 * MIB;
        p.guest_fb_length_list[0] = 32 * MIB;
        p.plugin_heap_memory_phys_addr = 128 * MIB;
        p.plugin_heap_memory_length = 4 * MIB;
        let log = 130 * MIB;
        (p.init_task_log_buff_offset, p.init_task_log_buff_size) = (log, 0x1000);
        (p.vgpu_task_log_buff_offset, p.vgpu_task_log_buff_size) = (log + 0x1000, 0x1000);
        (p.kernel_log_buff_offset, p.kernel_log_buff_size) = (log + 0x2000, 0x1000);
        let mut b = vec![0u8; BootloadParams::SIZE];
        p.encode(&mut b).unwrap();
        let ctx = vgpu::Context {
            fb_end: o.fb_end,
            channels: o.channels,
            engines: &cfg.engines,
            pf_channels: Vec::new(),
        };
        let cmd = NV2080_CTRL_CMD_VGPU_MGR_INTERNAL_BOOTLOAD_GSP_VGPU_PLUGIN_TASK;
        assert_eq!(m.control(true, cmd, &mut b, &ctx), NV_OK);
        o.vgpu = m;
        let cls = class::AMPERE_CHANNEL_GPFIFO_A;
        let chan = |chid| encoded(&channel_params(Some(chid)));
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf1, cls, &chan(11)),
            NV_ERR_STATE_IN_USE
        );
        assert_eq!(o.alloc(0xc1, 0xd1, 0xf1, cls, &chan(12)), NV_OK);
    }

    #[test]
    fn channels_take_the_drivers_channel_id_once() {
        let (mut o, cfg) = setup_vaspace();
        assert_eq!(copy(&mut o, &cfg, &copy_params()), NV_OK);
        o.channels = 16;
        let chan = |chid: Option<u32>| encoded(&channel_params(chid));
        let cls = class::AMPERE_CHANNEL_GPFIFO_A;
        assert_eq!(o.alloc(0xc1, 0xd1, 0xf1, cls, &chan(Some(9))), NV_OK);
        assert_eq!(o.chid(0xc1, 0xf1), Some(9));
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf2, cls, &chan(Some(9))),
            NV_ERR_STATE_IN_USE
        );
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf2, cls, &chan(None)),
            NV_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf2, cls, &chan(Some(16))),
            NV_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf2, cls, &chan(Some(0))),
            NV_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            o.alloc(0xc1, 0x51, 0xf2, cls, &chan(Some(3))),
            NV_ERR_INVALID_OBJECT_PARENT
        );
        assert_eq!(
            o.alloc(0xc1, 0xd1, 0xf2, cls, &[0u8; 16]),
            NV_ERR_INVALID_PARAM_STRUCT
        );
        assert_eq!(o.free(0xc1, 0xf1), NV_OK);
        assert_eq!(o.alloc(0xc1, 0xd1, 0xf2, cls, &chan(Some(9))), NV_OK);
    }

    #[test]
    fn event_objects_and_notifications() {
        let (mut o, cfg) = setup();
        let ev = |index: u32, parent_client: u32| {
            let p = class::Nv0005AllocParameters {
                h_parent_client: parent_client,
                h_class: class::NV01_EVENT_KERNEL_CALLBACK_EX,
                notify_index: class::NV01_EVENT_CLIENT_RM | index,
                ..class::Nv0005AllocParameters::ZERO
            };
            let mut b = vec![0u8; class::Nv0005AllocParameters::SIZE];
            p.encode(&mut b);
            b
        };
        let cls = class::NV01_EVENT_KERNEL_CALLBACK_EX;
        assert_eq!(o.alloc(0xc1, 0x51, 0xe1, cls, &ev(35, 0xc1)), NV_OK);
        assert_eq!(
            o.alloc(0xc1, 0x51, 0xe2, cls, &ev(197, 0xc1)),
            NV_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            o.alloc(0xc1, 0x51, 0xe2, cls, &ev(35, 0xc2)),
            NV_ERR_INVALID_ARGUMENT
        );
        assert_eq!(
            o.alloc(0xc1, 0x51, 0xe2, cls, &[0u8; 8]),
            NV_ERR_INVALID_PARAM_STRUCT
        );
        let set = |event: u32, action: u32| {
            let p = class::Nv2080CtrlEventSetNotificationParams {
                event,
                action,
                ..class::Nv2080CtrlEventSetNotificationParams::ZERO
            };
            let mut b = vec![0u8; class::Nv2080CtrlEventSetNotificationParams::SIZE];
            p.encode(&mut b);
            b
        };
        let cmd = class::NV2080_CTRL_CMD_EVENT_SET_NOTIFICATION;
        assert_eq!(o.notified(0xc1, 35), Vec::<u32>::new());
        assert_eq!(
            o.control(&cfg, 0xc1, 0x51, cmd, &mut set(36, 2)),
            NV_ERR_INVALID_STATE
        );
        assert_eq!(
            o.control(&cfg, 0xc1, 0x51, cmd, &mut set(35, 3)),
            NV_ERR_INVALID_ARGUMENT
        );
        assert_eq!(o.control(&cfg, 0xc1, 0x51, cmd, &mut set(35, 2)), NV_OK);
        assert_eq!(o.notified(0xc1, 35), vec![0xe1]);
        assert_eq!(o.control(&cfg, 0xc1, 0x51, cmd, &mut set(35, 0)), NV_OK);
        assert_eq!(o.notified(0xc1, 35), Vec::<u32>::new());
        // Freeing the client forgets its notifications.
        assert_eq!(o.control(&cfg, 0xc1, 0x51, cmd, &mut set(35, 2)), NV_OK);
        assert_eq!(o.free(0xc1, 0xc1), NV_OK);
        assert_eq!(o.notified(0xc1, 35), Vec::<u32>::new());
    }

    #[test]
    fn handle_table_errors_are_rm_errors() {
        let (mut o, _) = setup();
        let p80 = vec![0u8; class::Nv0080AllocParameters::SIZE];
        assert_eq!(
            o.alloc(0xc1, 0, 0xc1, class::NV01_ROOT, &[]),
            NV_ERR_INSERT_DUPLICATE_NAME
        );
        assert_eq!(
            o.alloc(0xc2, 0xc2, 0xd1, class::NV01_DEVICE_0, &p80),
            NV_ERR_INVALID_CLIENT
        );
        assert_eq!(
            o.alloc(0xc1, 0x99, 0xd2, class::NV01_DEVICE_0, &p80),
            NV_ERR_INVALID_OBJECT_PARENT
        );
        assert_eq!(
            o.alloc(0xc1, 0xc1, 0xd1, class::NV01_DEVICE_0, &p80),
            NV_ERR_INSERT_DUPLICATE_NAME
        );
        assert_eq!(
            o.alloc(0xc1, 0xc1, 0xd2, class::NV01_DEVICE_0, &[]),
            NV_ERR_INVALID_PARAM_STRUCT
        );
        assert_eq!(
            o.alloc(0xc1, 0xc1, 0xd2, 0xdead, &p80),
            NV_ERR_INVALID_CLASS
        );
        // A subdevice needs a device parent.
        assert_eq!(
            o.alloc(0xc1, 0xc1, 0x52, class::NV20_SUBDEVICE_0, &[0; 4]),
            NV_ERR_INVALID_OBJECT_PARENT
        );
    }

    /// RM looks the client and the object up before anything else, then
    /// answers a NULL command whatever the object's class, then refuses a
    /// command of another class (open-gpu-kernel-modules
    /// `src/nvidia/src/kernel/rmapi/control.c`, as `control` models it).
    #[test]
    fn controls_are_refused_in_rms_order() {
        let (mut o, cfg) = setup();
        let null0 = class::NV0000_CTRL_CMD_NULL;
        let null2080 = class::NV2080_CTRL_CMD_NULL;
        assert_eq!(
            o.control(&cfg, 0xc2, 0xc2, null0, &mut []),
            NV_ERR_INVALID_CLIENT
        );
        assert_eq!(
            o.control(&cfg, 0xc1, 0xdead, null0, &mut []),
            NV_ERR_INVALID_OBJECT_HANDLE
        );
        assert_eq!(o.control(&cfg, 0xc1, 0xc1, null0, &mut []), NV_OK);
        assert_eq!(o.control(&cfg, 0xc1, 0x51, null2080, &mut []), NV_OK);
        // A subdevice command on the client object.
        assert_eq!(
            o.control(&cfg, 0xc1, 0xc1, GpuGetEnginesV2::CMD, &mut []),
            NV_ERR_INVALID_COMMAND
        );
    }

    #[test]
    fn free_cascades_and_client_free_takes_everything() {
        let (mut o, cfg) = setup();
        let mut p = vec![0u8; 0];
        assert_eq!(o.free(0xc1, 0xd1), NV_OK);
        assert_eq!(
            o.control(&cfg, 0xc1, 0x51, class::NV2080_CTRL_CMD_NULL, &mut p),
            NV_ERR_INVALID_OBJECT_HANDLE
        );
        assert_eq!(o.free(0xc1, 0xd1), NV_ERR_INVALID_OBJECT_HANDLE);
        assert_eq!(o.free(0xc1, 0xc1), NV_OK);
        assert_eq!(o.clients(), 0);
        assert_eq!(o.free(0xc1, 0xc1), NV_ERR_INVALID_CLIENT);
    }

    #[test]
    fn controls_answer_from_the_configuration() {
        let (mut o, cfg) = setup();
        let mut raw = vec![0u8; Nv2080CtrlGpuGetEnginesV2Params::SIZE];
        assert_eq!(
            o.control(
                &cfg,
                0xc1,
                0x51,
                class::NV2080_CTRL_CMD_GPU_GET_ENGINES_V2,
                &mut raw
            ),
            NV_OK
        );
        let p = Nv2080CtrlGpuGetEnginesV2Params::decode(&raw).unwrap();
        assert_eq!(p.engines(), &cfg.engines[..]);

        let mut raw = vec![0u8; GrGetInfoV2Params::SIZE];
        GrGetInfoV2Params::request(&[gr_info::GR_INFO_INDEX_LITTER_NUM_GPCS])
            .encode(&mut raw)
            .unwrap();
        assert_eq!(
            o.control(
                &cfg,
                0xc1,
                0x51,
                gr_info::NV2080_CTRL_CMD_GR_GET_INFO_V2,
                &mut raw
            ),
            NV_OK
        );
        let p = GrGetInfoV2Params::decode(&raw).unwrap();
        assert_eq!(
            p.get(gr_info::GR_INFO_INDEX_LITTER_NUM_GPCS),
            Some(cfg.gpcs)
        );

        // Wrong size, wrong class, unknown command, unknown index.
        let mut short = vec![0u8; 8];
        assert_eq!(
            o.control(
                &cfg,
                0xc1,
                0x51,
                class::NV2080_CTRL_CMD_FB_GET_INFO_V2,
                &mut short
            ),
            NV_ERR_INVALID_PARAM_STRUCT
        );
        assert_eq!(
            o.control(
                &cfg,
                0xc1,
                0xd1,
                class::NV2080_CTRL_CMD_FB_GET_INFO_V2,
                &mut raw
            ),
            NV_ERR_INVALID_COMMAND
        );
        assert_eq!(
            o.control(&cfg, 0xc1, 0x51, 0x2080_7777, &mut raw),
            NV_ERR_NOT_SUPPORTED
        );
        let mut raw = vec![0u8; GrGetInfoV2Params::SIZE];
        GrGetInfoV2Params::request(&[0x7fff])
            .encode(&mut raw)
            .unwrap();
        assert_eq!(
            o.control(
                &cfg,
                0xc1,
                0x51,
                gr_info::NV2080_CTRL_CMD_GR_GET_INFO_V2,
                &mut raw
            ),
            NV_ERR_INVALID_ARGUMENT
        );
    }

    /// The kernel interrupt table lists the copy engines' non-stall
    /// vectors, then the GSP's stall vector, and only for GSP-RM's own
    /// client (nouveau `r535_gsp_intr_get_table` asks on the internal
    /// subdevice).
    #[test]
    fn the_kernel_interrupt_table_names_the_gsps_vector() {
        use nvgsp_proto::gsp::intr_table::{self, entry};
        let (c, _, sub) = super::super::config::INTERNAL_HANDLES;
        let mut o = Objects::with_internal_client((c, 0x5c00_0001, sub), 2048);
        let cfg = RmConfig {
            gsp_intr_vector: 37,
            ..RmConfig::default()
        };
        let cmd = InternalIntrGetKernelTable::CMD;
        let mut p = vec![0u8; IntrGetKernelTableParams::SIZE];
        assert_eq!(o.control(&cfg, c, sub, cmd, &mut p), NV_OK);
        // Default engines: ce0, ce1, ce2, then the GSP.
        let e: Vec<_> = (0..8).map_while(|i| entry(&p, i)).collect();
        assert_eq!(e.len(), 4);
        assert_eq!(e[0].engine_idx, intr_table::MC_ENGINE_IDX_CE0);
        assert_eq!(e[0].vector_stall, intr_table::VECTOR_INVALID);
        assert_eq!(e[3].engine_idx, intr_table::MC_ENGINE_IDX_GSP);
        assert_eq!(e[3].vector_stall, 37);
        let mut short = vec![0u8; IntrGetKernelTableParams::SIZE - 4];
        assert_eq!(
            o.control(&cfg, c, sub, cmd, &mut short),
            NV_ERR_INVALID_PARAM_STRUCT
        );
        // A client of the driver's own may not ask.
        alloc_driver_client(&mut o);
        assert_eq!(
            o.control(&cfg, 0xc1, 0x51, cmd, &mut p),
            NV_ERR_INSUFFICIENT_PERMISSIONS
        );
    }
}
