//! The GSP-RM model: what runs on the GSP's RISC-V core once the boot
//! chain started it.
//!
//! A thread reads the driver's LibOS arguments, finds its queues, then
//! serves the command queue: each doorbell (`NV_PGSP_QUEUE_HEAD` write)
//! wakes it, it handles every complete command, writes replies and events
//! to the message queue in guest memory and raises SWGEN0 on the GSP falcon,
//! which the host sees as MSI-X vector 0.

pub mod bar1;
pub mod bursts;
pub mod channel_memory;
pub mod config;
pub mod faults;
pub mod gmmu;
pub mod objects;
pub mod queue;
pub mod vaspace;
pub mod vgpu;

use crate::dev::{self, SharedHw};
use crate::guest_mem::GuestMemory;
use log::{error, info, warn};
use nvgsp_proto::gsp::calls::{RmControl, SubdeviceNull};
use nvgsp_proto::gsp::function::Function;
use nvgsp_proto::gsp::rpc::{
    registry::Registry,
    rm::{RpcFree, RpcGspRmAlloc, RpcGspRmControl},
    system_info::{GspSystemInfo, GspVfInfo},
};
use nvgsp_proto::gsp::{msgq, status};
use nvgsp_proto::wire::Wire;
use queue::{QueueError, Queues, SharedMem};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use nvgsp_proto::gsp::libos::LIBOS_INTERRUPT_PROCESSOR_SUSPENDED as LIBOS_SUSPENDED;

use crate::control::Injection;
use bursts::Burst;
pub use config::RmConfig;
use faults::{Fault, FaultKind};
use nvgsp_proto::gsp::rpc::event::{RpcOsErrorLog, INVALID_CHID, OS_ERROR_LOG_STRING_LEN};
use objects::Objects;

/// Where the driver's LibOS arguments say the queues are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueArgs {
    /// `sharedMemPhysAddr`: the self-mapping page table.
    pub shared_mem: u64,
    /// `pageTableEntryCount`.
    pub pte_count: u32,
    /// `cmdQueueOffset`.
    pub cmd_off: u64,
    /// `statQueueOffset`.
    pub msg_off: u64,
}

enum Wake {
    Doorbell,
    /// The host stopped a channel on an error (`dev::host`).
    Host,
    Stop,
}

/// A running GSP-RM.
pub struct GspRm {
    wake: mpsc::Sender<Wake>,
    thread: Option<JoinHandle<()>>,
}

impl GspRm {
    /// Starts GSP-RM on queues described by `args`; fails (as GSP-RM's
    /// init would, before it ever answers) if they are unusable.
    pub fn start(
        mem: GuestMemory,
        hw: SharedHw,
        args: QueueArgs,
        config: RmConfig,
    ) -> Result<GspRm, QueueError> {
        let shm = SharedMem::new(mem.clone(), args.shared_mem, args.pte_count)?;
        let queues = Queues::init(shm, args.cmd_off, args.msg_off)?;
        let (wake, rx) = mpsc::channel();
        let host_wake = wake.clone();
        config.host.set_waker(move || {
            let _ = host_wake.send(Wake::Host);
        });
        let thread = std::thread::Builder::new()
            .name("gsp-rm".into())
            .spawn(move || Model::new(queues, hw, config, mem.clone()).run(rx, &mem))
            .map_err(|_| QueueError::BadHeader("cannot start the GSP-RM thread"))?;
        Ok(GspRm {
            wake,
            thread: Some(thread),
        })
    }

    /// The driver rang the doorbell.
    pub fn doorbell(&self) {
        let _ = self.wake.send(Wake::Doorbell);
    }
}

impl Drop for GspRm {
    fn drop(&mut self) {
        let _ = self.wake.send(Wake::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The thread's state.
struct Model {
    queues: Queues,
    hw: SharedHw,
    config: RmConfig,
    objects: Objects,
    seq_num: u32,
    got_system_info: bool,
    got_registry: bool,
    /// What GSP_SET_SYSTEM_INFO said of the virtual functions.
    vf_info: GspVfInfo,
    /// The registry's `RMSetSriovMode`, if it has one.
    sriov_key: Option<u32>,
    init_done: bool,
    unloaded: bool,
    /// A command split over several elements, being reassembled.
    split: Option<(msgq::Header, Vec<u8>, usize)>,
    /// When the CPU must have run the posted sequencer program by.
    sequencer_deadline: Option<Instant>,
    /// Event bursts under way (`--event-burst`), oldest first.
    bursts: std::collections::VecDeque<Burst>,
    /// Messages are being posted as a batch: interrupt once at its end.
    batching: bool,
    /// GSP-RM stopped answering (`--fault gsp-hang`).
    hung: bool,
    /// When GSP-RM last handled a command (`--fault gsp-crash-idle`).
    last_command: Instant,
    /// The doorbell rang since GSP-RM last looked at the command queue.
    rung: bool,
    /// The sequence number the next command element must carry.
    rx_seq_num: u32,
    /// A command element with the wrong sequence number stopped the queue.
    stalled: bool,
}

/// The host scratch register the sequencer program works on, and the value
/// it leaves there.
const SEQ_SCRATCH: u32 = crate::dev::bar0::reg::SW_SCRATCH_HOST.start;
const SEQ_DONE: u32 = 0x5ec0_0042;
/// How long GSP-RM waits for the CPU to run its sequencer program.
const SEQUENCER_TIMEOUT: Duration = Duration::from_secs(5);

/// The size a command's payload must reach, if its header says it is
/// larger than what arrived (an RM control or alloc whose parameters
/// continue in CONTINUATION_RECORD elements; nouveau r535
/// `r535_gsp_rpc_push`).
fn split_need(h: &msgq::Header, payload: &[u8]) -> Option<usize> {
    let need = match Function::try_from(h.function) {
        Ok(Function::GspRmControl) => RpcGspRmControl::declared_len(payload)?,
        Ok(Function::GspRmAlloc) => RpcGspRmAlloc::declared_len(payload)?,
        _ => return None,
    };
    (need > payload.len() && need <= msgq::MAX_RPC_LENGTH as usize).then_some(need)
}

impl Model {
    fn new(queues: Queues, hw: SharedHw, config: RmConfig, mem: GuestMemory) -> Model {
        let (vram, sriov) = {
            let h = dev::lock(&hw);
            (h.vram.clone(), h.sriov.clone())
        };
        Model {
            queues,
            hw,
            objects: Objects::with_internal_client(config::INTERNAL_HANDLES, config.channels)
                .with_memory(mem, config.usable_end())
                .with_vram(vram.clone())
                .sharing(config.vaspaces.clone())
                .with_host(config.host.clone(), config.engines.clone())
                .with_vgpu(vgpu::VgpuManager::new(sriov, vram)),
            config,
            seq_num: 0,
            got_system_info: false,
            got_registry: false,
            vf_info: GspVfInfo::ZERO,
            sriov_key: None,
            init_done: false,
            unloaded: false,
            split: None,
            sequencer_deadline: None,
            bursts: std::collections::VecDeque::new(),
            batching: false,
            hung: false,
            last_command: Instant::now(),
            // At its start GSP-RM takes what the driver queued before it
            // ran (nouveau r535 sends SET_SYSTEM_INFO and SET_REGISTRY
            // before the boot); from then on it looks only when rung.
            rung: true,
            rx_seq_num: 0,
            stalled: false,
        }
    }

    fn run(mut self, wake: mpsc::Receiver<Wake>, mem: &GuestMemory) {
        info!("GSP-RM: running, waiting for commands");
        let mut first = true;
        loop {
            // GSP-RM looks at the command queue only when the doorbell
            // (NV_PGSP_QUEUE_HEAD, nouveau r535 `r535_gsp_cmdq_push`) rang:
            // the write interrupts its core, and a command queued without
            // it waits. The timeout paces event bursts and looks at a
            // sequencer program's progress.
            let tick = if !self.bursts.is_empty() {
                0
            } else if self.sequencer_deadline.is_some() {
                5
            } else {
                100
            };
            match wake.recv_timeout(Duration::from_millis(tick)) {
                Ok(Wake::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Ok(Wake::Doorbell) => {
                    crate::trace::mark(crate::trace::Step::Wake);
                    self.rung = true;
                }
                Ok(Wake::Host) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            // GSP-RM's first sysmembar, early in its init, writes to the
            // sysmem flush page (NV_PFB_NISO_FLUSH_SYSMEM_ADDR); with none
            // registered, or one the GPU cannot reach, the write faults and
            // GSP-RM halts before it answers anything.
            if std::mem::take(&mut first) {
                if let Err(e) = self.sysmembar(mem) {
                    error!("GSP-RM: DMA fault {e}; halting");
                    self.halt();
                    break;
                }
                // Then it builds and binds BAR1's VA space, at every boot.
                if let Err(e) = bar1::boot(&self.hw, &self.config) {
                    warn!("GSP-RM: BAR1 stays unbound: {e}");
                }
            }
            if let Err(e) = self
                .take_injections()
                .and_then(|()| self.take_channel_errors())
            {
                error!("GSP-RM: {e}; halting");
                break;
            }
            if self.hung {
                continue;
            }
            // While the CPU runs the sequencer program GSP-RM is suspended.
            let served = match self.sequencer_deadline {
                Some(_) => match self.sequencer_done() {
                    Ok(true) => self.finish_init().and_then(|()| self.serve()),
                    Ok(false) => Ok(()),
                    Err(e) => Err(e),
                },
                None => self.serve().and_then(|()| self.pump_bursts()),
            };
            let served = served.and_then(|()| self.maybe_crash_idle());
            if let Err(e) = served {
                error!("GSP-RM: {e}; halting");
                break;
            }
            if self.unloaded {
                break;
            }
        }
        info!("GSP-RM: stopped");
    }

    /// Checks what the driver says of the GPU's place on the bus against
    /// what the function really is: the BAR addresses the guest assigned
    /// (read from config space, not from the driver), its ids, GA10x's PCI
    /// config mirror in BAR0 (nova-core `gpu/hal/tu102.rs`
    /// `pci_config_mirror_range`: 0x88000, 0x1000 bytes) and a user VA
    /// limit. GSP-RM maps the GPU through these; wrong ones would make it
    /// touch the wrong memory. Where the VMM said it plugged the function
    /// (`--pci-address`), `nvDomainBusDeviceFunc` must name it in GSP-RM's
    /// layout (open-gpu-kernel-modules `gpu.h` `NVGPU_BUSDEVICE_*`: domain
    /// 63:32, bus 15:8, device 7:0). That GSP-RM halts on a wrong one is
    /// the model's own strictness: no source says what it does.
    fn check_system_info(&self, info: &GspSystemInfo) -> Result<(), String> {
        let pci = dev::lock(&self.hw).pci;
        let fields: [(&str, u64, u64); 8] = [
            ("gpuPhysAddr (BAR0)", info.gpu_phys_addr, pci.bars[0]),
            ("gpuPhysFbAddr (BAR1)", info.gpu_phys_fb_addr, pci.bars[1]),
            (
                "gpuPhysInstAddr (BAR3)",
                info.gpu_phys_inst_addr,
                pci.bars[2],
            ),
            (
                "PCIDeviceID",
                info.pci_device_id.into(),
                pci.device_id.into(),
            ),
            (
                "PCISubDeviceID",
                info.pci_sub_device_id.into(),
                pci.sub_device_id.into(),
            ),
            (
                "PCIRevisionID",
                info.pci_revision_id.into(),
                pci.revision_id.into(),
            ),
            (
                "pciConfigMirrorBase",
                info.pci_config_mirror_base.into(),
                0x88000,
            ),
            (
                "pciConfigMirrorSize",
                info.pci_config_mirror_size.into(),
                0x1000,
            ),
        ];
        for (name, got, want) in fields {
            if got != want {
                return Err(format!("{name} is {got:#x}, the GPU's is {want:#x}"));
            }
        }
        if pci.bars.contains(&0) {
            return Err(format!(
                "the guest has not assigned every BAR ({:x?})",
                pci.bars
            ));
        }
        if let Some(id) = pci.routing_id {
            let (bus, device) = (id >> 8, (id >> 3) & 0x1f);
            let want = u64::from(bus) << 8 | u64::from(device);
            if info.nv_domain_bus_device_func != want {
                return Err(format!(
                    "nvDomainBusDeviceFunc is {:#x}, the GPU is at {bus:02x}:{device:02x}.{:x} ({want:#x})",
                    info.nv_domain_bus_device_func,
                    id & 7
                ));
            }
        }
        if info.max_user_va == 0 || !info.max_user_va.is_multiple_of(4096) {
            return Err(format!(
                "maxUserVa {:#x} is no page-aligned limit",
                info.max_user_va
            ));
        }
        Ok(())
    }

    /// One sysmembar: a write to the sysmem flush page, which must be
    /// registered and reachable by DMA.
    fn sysmembar(&self, mem: &GuestMemory) -> Result<(), String> {
        let page = dev::lock(&self.hw).bar0.sysmem_flush_page();
        if page == 0 {
            return Err("at its first sysmembar: no sysmem flush page registered".into());
        }
        mem.write(page, &[0u8; 4])
            .map_err(|e| format!("at its first sysmembar: sysmem flush page {page:#x}: {e}"))
    }

    /// Crashes GSP-RM: its RISC-V core halts with [`faults::GSP_CRASH_CODE`]
    /// in MAILBOX0 and the falcon raises HALT. The error stops the model.
    fn crash(&mut self, when: &str) -> Result<(), QueueError> {
        warn!("GSP-RM: fault injection: crash {when}");
        self.halt();
        Err(QueueError::BadHeader("fault injection: GSP-RM crashed"))
    }

    /// GSP-RM's RISC-V core halts with [`faults::GSP_CRASH_CODE`] in
    /// MAILBOX0 and the falcon raises HALT, as on any fatal error.
    fn halt(&mut self) {
        let mut hw = dev::lock(&self.hw);
        hw.bar0.gsp.riscv_active = false;
        hw.bar0.gsp.mailbox[0] = faults::GSP_CRASH_CODE;
        hw.raise_gsp(nvgsp_proto::falcon::IRQ_HALT);
    }

    /// Acts on what the control port queued, once GSP-RM is initialized
    /// (until then the injections wait). A hung GSP-RM can still crash;
    /// anything else sent to it is dropped.
    fn take_injections(&mut self) -> Result<(), QueueError> {
        if !self.init_done || self.sequencer_deadline.is_some() {
            return Ok(());
        }
        while let Some(i) = self.config.injections.take() {
            match i {
                Injection::Crash => return self.crash("on request"),
                _ if self.hung => warn!("GSP-RM: hung, ignoring {i:?}"),
                Injection::Hang => {
                    warn!("GSP-RM: fault injection: hang on request");
                    self.hung = true;
                }
                Injection::RcError {
                    xid,
                    client,
                    object,
                } => self.rc_error(xid, client, object)?,
                Injection::PmuPrint(text) => {
                    use nvgsp_proto::gsp::rpc::event::{RpcUcodeLibosPrint, UCODE_ENG_DESC_PMU};
                    let hdr = RpcUcodeLibosPrint {
                        ucode_eng_desc: UCODE_ENG_DESC_PMU,
                        libos_print_buf_size: 0,
                    };
                    let mut buf = vec![0u8; RpcUcodeLibosPrint::SIZE + text.len()];
                    if let Some(len) = hdr.encode_with(&text, &mut buf) {
                        info!("GSP-RM: forwarding a PMU print of {} bytes", text.len());
                        self.event(Function::UcodeLibosPrint as u32, &buf[..len])?;
                    }
                }
                Injection::FaultQueued => {
                    // The notice alone: the model has no shadow fault buffer.
                    info!("GSP-RM: posting MMU_FAULT_QUEUED");
                    self.event(Function::MmuFaultQueued as u32, &[])?;
                }
                Injection::OsError { xid, text } => {
                    warn!("GSP-RM: fault injection: Xid {xid} on no channel");
                    self.os_error_log(xid, 0, INVALID_CHID, &text)?;
                }
            }
        }
        Ok(())
    }

    /// Reports the errors the host stopped channels on, as GSP-RM reports
    /// a robust-channel error it handled: OS_ERROR_LOG, then RC_TRIGGERED
    /// with the channel's engine, and for an MMU fault the faulting VA and
    /// fault type (open-gpu-kernel-modules `_kgspRpcRCTriggered`, nouveau
    /// r570 `r570_fifo_rc_triggered`). The host already logged each.
    fn take_channel_errors(&mut self) -> Result<(), QueueError> {
        if !self.init_done || self.sequencer_deadline.is_some() {
            return Ok(());
        }
        while let Some(e) = self.config.host.take_error() {
            if self.hung {
                warn!(
                    "GSP-RM: hung, not reporting Xid {} on channel {}",
                    e.xid, e.chid
                );
                continue;
            }
            let text = format!("Xid {} on channel {}: {}", e.xid, e.chid, e.text);
            self.os_error_log(e.xid, e.runlist, e.chid, text.as_bytes())?;
            let (addr, fault_type) = e.fault.unwrap_or((0, 0));
            self.rc_triggered(e.engine, e.xid, e.chid, addr, fault_type)?;
        }
        Ok(())
    }

    /// A robust-channel error with Xid `xid` on the channel of `object`, as
    /// GSP-RM reports one: the Xid line (OS_ERROR_LOG), then the recovery
    /// notice (RC_TRIGGERED); an MMU fault (Xid 31) carries an address that
    /// names the channel, for the test to check.
    fn rc_error(&mut self, xid: u32, client: u32, object: u32) -> Result<(), QueueError> {
        use nvgsp_proto::gsp::rpc::event::ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT;
        let Some((chid, engine)) = self.objects.channel(client, object) else {
            warn!("GSP-RM: rc-error: client {client:#x} has no channel object {object:#x}");
            return Ok(());
        };
        warn!("GSP-RM: fault injection: Xid {xid} on channel {chid} (object {object:#x})");
        let text = format!("injected Xid {xid} on channel {chid}");
        let runlist = config::runlist_of(&self.config.engines, engine).unwrap_or(0);
        self.os_error_log(xid, runlist, chid, text.as_bytes())?;
        let addr: u64 = if xid == ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT {
            0xdead_0000_0000 | u64::from(chid) << 12
        } else {
            0
        };
        let fault_type = if addr != 0 {
            crate::gsp_rm::gmmu::fault_type::PTE
        } else {
            0
        };
        self.rc_triggered(engine, xid, chid, addr, fault_type)
    }

    /// Posts OS_ERROR_LOG: Xid `xid` on channel `chid` of runlist
    /// `runlist` with `text` (cut to what the report holds,
    /// NUL-terminated).
    fn os_error_log(
        &mut self,
        xid: u32,
        runlist: u32,
        chid: u32,
        text: &[u8],
    ) -> Result<(), QueueError> {
        let mut err_string = [0u8; OS_ERROR_LOG_STRING_LEN];
        let n = text.len().min(OS_ERROR_LOG_STRING_LEN - 1);
        err_string[..n].copy_from_slice(&text[..n]);
        let log = RpcOsErrorLog {
            except_type: xid,
            runlist_id: runlist,
            chid,
            err_string,
            preemptive_removal_previous_xid: 0,
        };
        let mut buf = vec![0u8; RpcOsErrorLog::SIZE];
        if log.encode(&mut buf).is_none() {
            return Ok(());
        }
        self.event(Function::OsErrorLog as u32, &buf)
    }

    /// Posts RC_TRIGGERED for Xid `xid` on channel `chid` of engine
    /// `engine` (`NV2080_ENGINE_TYPE_*`), with the fault's address and
    /// type for an MMU fault.
    fn rc_triggered(
        &mut self,
        engine: u32,
        xid: u32,
        chid: u32,
        addr: u64,
        fault_type: u32,
    ) -> Result<(), QueueError> {
        use nvgsp_proto::gsp::rpc::event::RpcRcTriggered;
        let rc = RpcRcTriggered {
            nv2080_engine_type: engine,
            chid,
            except_level: 2,
            except_type: xid,
            mmu_fault_addr_lo: addr as u32,
            mmu_fault_addr_hi: (addr >> 32) as u32,
            mmu_fault_type: fault_type,
            ..RpcRcTriggered::ZERO
        };
        let mut buf = vec![0u8; RpcRcTriggered::SIZE];
        let Some(len) = rc.encode_with(&[], &mut buf) else {
            return Ok(());
        };
        self.event(Function::RcTriggered as u32, &buf[..len])
    }

    /// `--fault gsp-crash-idle`: crashes once GSP-RM, initialized, has had
    /// no command for five seconds.
    fn maybe_crash_idle(&mut self) -> Result<(), QueueError> {
        let idle = self.init_done
            && self.sequencer_deadline.is_none()
            && self.bursts.is_empty()
            && self.last_command.elapsed() >= Duration::from_secs(5);
        if idle
            && Fault::fires_at(
                &self.config.faults,
                FaultKind::GspCrashIdle,
                self.config.boot,
            )
        {
            return self.crash("while idle");
        }
        Ok(())
    }

    /// Handles every command in the queue, if the doorbell rang.
    fn serve(&mut self) -> Result<(), QueueError> {
        if !std::mem::take(&mut self.rung) || self.stalled {
            return Ok(());
        }
        while let Some(element) = self.queues.next_command()? {
            let pages = (element.len() / msgq::PAGE_SIZE) as u32;
            // A command element GSP-RM cannot take (a bad checksum or
            // length), or one without the next sequence number, is left
            // unconsumed and nothing after it is read. This mirrors RM's own
            // msgq receive path, the CPU side's, whose GSP side is not
            // public (open-gpu-kernel-modules message_queue_cpu.c
            // `GspMsgQueueReceiveStatus`: "Bad checksum", "Bad sequence
            // number", NV_ERR_INVALID_DATA, not marked consumed).
            let (header, payload) = match msgq::parse_element(&element) {
                Ok(p) => p,
                Err(e) => {
                    error!(
                        "GSP-RM: malformed command element ({e:?}): the command queue stops here"
                    );
                    self.stalled = true;
                    return Ok(());
                }
            };
            if header.seq_num != self.rx_seq_num {
                error!(
                    "GSP-RM: command element with sequence number {}, expected {}: \
                     the command queue stops here",
                    header.seq_num, self.rx_seq_num
                );
                self.stalled = true;
                return Ok(());
            }
            self.queues.consume(pages)?;
            crate::trace::mark(crate::trace::Step::Command);
            self.last_command = Instant::now();
            self.rx_seq_num = self.rx_seq_num.wrapping_add(1);
            self.element(header, payload)?;
            if self.unloaded {
                return Ok(());
            }
        }
        Ok(())
    }

    /// One element: a whole command, or part of a split one.
    fn element(&mut self, h: msgq::Header, payload: &[u8]) -> Result<(), QueueError> {
        if h.function == Function::ContinuationRecord as u32 {
            let Some((head, mut data, need)) = self.split.take() else {
                warn!("GSP-RM: continuation record without a split command: dropped");
                return Ok(());
            };
            data.extend_from_slice(payload);
            if data.len() < need {
                self.split = Some((head, data, need));
                return Ok(());
            }
            data.truncate(need);
            return self.command(head, &data);
        }
        if self.split.take().is_some() {
            warn!("GSP-RM: a split command was interrupted: dropped");
        }
        match split_need(&h, payload) {
            Some(need) => {
                self.split = Some((h, payload.to_vec(), need));
                Ok(())
            }
            None => self.command(h, payload),
        }
    }

    fn command(&mut self, h: msgq::Header, payload: &[u8]) -> Result<(), QueueError> {
        let function = Function::try_from(h.function);
        match function {
            Ok(Function::GspSetSystemInfo) => match GspSystemInfo::decode(payload) {
                Some(info) => {
                    if let Err(e) = self.check_system_info(&info) {
                        error!("GSP-RM: GSP_SET_SYSTEM_INFO: {e}; halting");
                        self.halt();
                        return Err(QueueError::Halted("the system info is not the GPU's"));
                    }
                    info!(
                        "GSP-RM: system info: PCI {:08x}, BAR0 at {:#x}",
                        info.pci_device_id, info.gpu_phys_addr
                    );
                    self.vf_info = info.gsp_vf_info;
                    self.got_system_info = true;
                }
                None => warn!(
                    "GSP-RM: GSP_SET_SYSTEM_INFO of {} bytes is too short",
                    payload.len()
                ),
            },
            Ok(Function::SetRegistry) => match Registry::parse(payload) {
                Ok(r) => {
                    info!("GSP-RM: registry with {} entries", r.len());
                    self.sriov_key = r.dword(vgpu::REG_SRIOV_MODE);
                    self.got_registry = true;
                }
                Err(e) => warn!("GSP-RM: malformed SET_REGISTRY: {e:?}"),
            },
            Ok(Function::GetGspStaticInfo) => {
                let mut out =
                    vec![0u8; nvgsp_proto::gsp::rpc::static_info::GspStaticConfigInfo::SIZE];
                let mut info = self.config.static_info();
                self.objects.vgpu.fill_static_info(&mut info);
                info.encode(&mut out);
                if Fault::fires(&self.config.faults, FaultKind::StaticInfoError) {
                    warn!("GSP-RM: fault injection: GET_GSP_STATIC_INFO fails");
                    self.reply(h, status::NV_ERR_GENERIC, &[])?;
                } else {
                    self.reply(h, status::NV_OK, &out)?;
                }
            }
            Ok(Function::GspRmAlloc) => match RpcGspRmAlloc::parse(payload) {
                Ok((mut a, params)) => {
                    a.status = self
                        .objects
                        .alloc(a.h_client, a.h_parent, a.h_object, a.h_class, params);
                    let mut out = vec![0u8; payload.len()];
                    a.encode_with(params, &mut out);
                    self.reply(h, a.status, &out)?;
                }
                Err(e) => {
                    warn!("GSP-RM: malformed GSP_RM_ALLOC: {e:?}");
                    self.reply(h, status::NV_ERR_INVALID_ARGUMENT, payload)?;
                }
            },
            Ok(Function::GspRmControl) => match RpcGspRmControl::parse(payload) {
                Ok((mut c, params)) => {
                    let mut params = params.to_vec();
                    c.status = self.objects.control(
                        &self.config,
                        c.h_client,
                        c.h_object,
                        c.cmd,
                        &mut params,
                    );
                    let mut out = vec![0u8; payload.len()];
                    c.encode_with(&params, &mut out);
                    // The faults' target (`faults.rs`): NV2080_CTRL_CMD_NULL.
                    if c.cmd == <SubdeviceNull as RmControl>::CMD {
                        self.reply_with_faults(h, c.status, &out)?;
                    } else {
                        self.reply(h, c.status, &out)?;
                    }
                    if c.status == status::NV_OK {
                        self.start_burst(c.h_client, c.cmd, &params);
                    }
                    self.post_vgpu_events()?;
                }
                Err(e) => {
                    warn!("GSP-RM: malformed GSP_RM_CONTROL: {e:?}");
                    self.reply(h, status::NV_ERR_INVALID_ARGUMENT, payload)?;
                }
            },
            Ok(Function::Free) => match RpcFree::decode(payload) {
                Some(mut f) => {
                    f.params.status = self.objects.free(f.params.h_root, f.params.h_object_old);
                    let mut out = vec![0u8; RpcFree::SIZE];
                    f.encode(&mut out);
                    self.reply(h, f.params.status, &out)?;
                }
                None => {
                    warn!("GSP-RM: FREE of {} bytes is too short", payload.len());
                    self.reply(h, status::NV_ERR_INVALID_ARGUMENT, payload)?;
                }
            },
            Ok(Function::UnloadingGuestDriver) => {
                self.reply(h, status::NV_OK, &[])?;
                bar1::unload(&self.hw, &self.config);
                let mut hw = dev::lock(&self.hw);
                hw.bar0.gsp.mailbox[0] |= LIBOS_SUSPENDED;
                hw.bar0.gsp.riscv_active = false;
                self.unloaded = true;
                // What the driver did not free: a leak inside GSP-RM.
                let left: Vec<String> = self
                    .objects
                    .driver_clients()
                    .iter()
                    .map(|(c, n)| format!("{c:#x} ({n} objects)"))
                    .collect();
                let tasks = self.objects.vgpu.gfids();
                if !tasks.is_empty() {
                    info!("GSP-RM: unloaded with vGPU plugin tasks of GFIDs {tasks:?}");
                }
                if left.is_empty() {
                    info!("GSP-RM: unloaded by the driver");
                } else {
                    info!(
                        "GSP-RM: unloaded by the driver; RM clients left: {}",
                        left.join(", ")
                    );
                }
                return Ok(());
            }
            _ => {
                warn!("GSP-RM: function {} not supported", h.function);
                self.reply(h, status::NV_ERR_NOT_SUPPORTED, payload)?;
            }
        }
        if !self.init_done && self.got_system_info && self.got_registry {
            // SR-IOV mode or not, from the boot, the registry and the
            // system info; an inconsistent mix fails the init.
            match vgpu::check_mode(&self.config, self.sriov_key, &self.vf_info) {
                Ok(mode) => self.objects.vgpu.set_mode(mode),
                Err(e) => {
                    error!("GSP-RM: init: {e}; halting");
                    self.halt();
                    return Err(QueueError::Halted("SR-IOV mode does not match the boot"));
                }
            }
            self.init_done = true;
            if Fault::fires_at(
                &self.config.faults,
                FaultKind::GspCrashBoot,
                self.config.boot,
            ) {
                return self.crash("during its init");
            }
            if Fault::fires(&self.config.faults, FaultKind::NoInitDone) {
                warn!("GSP-RM: fault injection: no GSP_INIT_DONE");
                return Ok(());
            }
            // GSP-RM has the CPU run a register program for it
            // (GSP_RUN_CPU_SEQUENCER, nova-core `gsp/sequencer.rs`) and
            // goes on (`finish_init`) only once its effects are visible.
            self.run_cpu_sequencer()?;
        }
        Ok(())
    }

    /// The rest of init once the sequencer program ran: GSP-RM leaves its
    /// boot-time lockdown (GSP_LOCKDOWN_NOTICE, bLockdownEngaging = 0) and
    /// reports init done.
    fn finish_init(&mut self) -> Result<(), QueueError> {
        self.event(Function::GspLockdownNotice as u32, &[0])?;
        self.event(Function::GspInitDone as u32, &[])?;
        // Idle from here, not from the last command before the sequencer.
        self.last_command = Instant::now();
        info!("GSP-RM: init done ({} MiB VRAM)", self.config.vram >> 20);
        Ok(())
    }

    /// Posts GSP_RUN_CPU_SEQUENCER with a program of register operations on
    /// host scratch (write, modify, delay, poll, store) that ends, as the
    /// boot-time program of a real GA102 does, with CORE_RESUME: GSP-RM has
    /// saved its state and put SEC2-RTOS into SEC2 (the model's stand-in for
    /// the program's SEC2 loading steps); the CPU resets the GSP, hands it
    /// the LibOS arguments again and starts SEC2, whose RTOS resumes GSP-RM.
    /// [`Model::sequencer_done`] then sees the program's effects.
    fn run_cpu_sequencer(&mut self) -> Result<(), QueueError> {
        use nvgsp_proto::gsp::rpc::sequencer::{
            encode_sequence, sequence_len, RpcRunCpuSequencer, SeqCmd, SeqDelayUs, SeqRegModify,
            SeqRegPoll, SeqRegStore, SeqRegWrite,
        };
        let program = [
            SeqCmd::RegWrite(SeqRegWrite {
                addr: SEQ_SCRATCH,
                val: 0x5ec0_0001,
            }),
            SeqCmd::RegModify(SeqRegModify {
                addr: SEQ_SCRATCH,
                mask: 0xff,
                val: 0x42,
            }),
            SeqCmd::DelayUs(SeqDelayUs { val: 5 }),
            SeqCmd::RegPoll(SeqRegPoll {
                addr: SEQ_SCRATCH,
                mask: u32::MAX,
                val: SEQ_DONE,
                timeout: 1000,
                error: 0,
            }),
            SeqCmd::RegStore(SeqRegStore {
                addr: SEQ_SCRATCH,
                index: 0,
            }),
            SeqCmd::CoreResume,
        ];
        let mut buf = vec![0u8; sequence_len(64)];
        let Some(len) = encode_sequence(&program, 64, &mut buf) else {
            return Err(QueueError::BadHeader(
                "cannot encode the CPU sequencer program",
            ));
        };
        if Fault::fires(&self.config.faults, FaultKind::BadSequencer) {
            // The fourth command's opcode becomes one no release defines.
            let at = RpcRunCpuSequencer::SIZE + program[..3].iter().map(SeqCmd::len).sum::<usize>();
            warn!("GSP-RM: fault injection: an unknown opcode in the sequencer program");
            buf[at..at + 4].copy_from_slice(&0x77u32.to_le_bytes());
        }
        dev::lock(&self.hw).bar0.sec2.rtos_loaded = true;
        self.event(Function::GspRunCpuSequencer as u32, &buf[..len])?;
        self.sequencer_deadline = Some(Instant::now() + SEQUENCER_TIMEOUT);
        Ok(())
    }

    /// Whether the CPU ran the sequencer program: the scratch holds what
    /// the program leaves and SEC2-RTOS resumed GSP-RM. Fails once the
    /// program's deadline passed.
    fn sequencer_done(&mut self) -> Result<bool, QueueError> {
        let Some(deadline) = self.sequencer_deadline else {
            return Ok(true);
        };
        let done = {
            let hw = dev::lock(&self.hw);
            hw.bar0.read32(SEQ_SCRATCH) == SEQ_DONE
                && hw.bar0.read32(nvgsp_proto::falcon::BSI_SECURE_SCRATCH_14)
                    & nvgsp_proto::falcon::BSI_BOOT_STAGE_3_HANDOFF
                    != 0
                && hw.bar0.gsp.riscv_active
        };
        if done {
            self.sequencer_deadline = None;
            info!("GSP-RM: the CPU ran the sequencer program; resumed by SEC2-RTOS");
            return Ok(true);
        }
        if Instant::now() > deadline {
            self.sequencer_deadline = None;
            return Err(QueueError::BadHeader(
                "the CPU did not run the sequencer program",
            ));
        }
        Ok(false)
    }

    /// Posts VGPU_GSP_PLUGIN_TRIGGERED for each plugin task event the last
    /// control raised (`rpc_vgpu_gsp_plugin_triggered_v17_00`).
    fn post_vgpu_events(&mut self) -> Result<(), QueueError> {
        use nvgsp_proto::gsp::vgpu::{PluginTriggered, EVENT_VGPU_GSP_PLUGIN_TRIGGERED};
        for e in self.objects.vgpu.take_events() {
            let mut buf = [0u8; PluginTriggered::SIZE];
            if e.encode(&mut buf).is_some() {
                self.event(EVENT_VGPU_GSP_PLUGIN_TRIGGERED, &buf)?;
            }
        }
        Ok(())
    }

    /// Starts the configured event burst if `cmd` just enabled repeated
    /// notification of its notifier for `h_client`.
    fn start_burst(&mut self, h_client: u32, cmd: u32, params: &[u8]) {
        use nvgsp_proto::gsp::class;
        let Some(cfg) = self.config.event_burst else {
            return;
        };
        if cmd != class::NV2080_CTRL_CMD_EVENT_SET_NOTIFICATION {
            return;
        }
        let Some(p) = class::Nv2080CtrlEventSetNotificationParams::decode(params) else {
            return;
        };
        let running = self
            .bursts
            .iter()
            .any(|b| b.target() == (h_client, cfg.index));
        if p.event == cfg.index
            && p.action == class::NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_REPEAT
            && !running
        {
            let events = self.objects.notified(h_client, cfg.index);
            info!(
                "GSP-RM: event burst of {} for client {h_client:#x} (notifier {}, {} event objects)",
                cfg.count,
                cfg.index,
                events.len()
            );
            self.bursts.push_back(Burst::new(cfg, h_client, events));
        }
    }

    /// Posts the next slice of the oldest burst.
    fn pump_bursts(&mut self) -> Result<(), QueueError> {
        let Some(b) = self.bursts.front_mut() else {
            return Ok(());
        };
        // Notification turned off, or the event objects or client freed:
        // the source stops firing.
        let (client, index) = b.target();
        if self.objects.notified(client, index).is_empty() {
            info!("GSP-RM: event burst for client {client:#x} stopped: notification off");
            self.bursts.pop_front();
            return Ok(());
        }
        let Some(b) = self.bursts.front_mut() else {
            return Ok(());
        };
        let slice = b.slice();
        if b.done() {
            self.bursts.pop_front();
            info!("GSP-RM: event burst posted");
        }
        // Like GSP-RM, write the slice's messages, then interrupt once.
        self.batching = true;
        let posted = slice
            .iter()
            .try_for_each(|p| self.event(Function::PostEvent as u32, p));
        self.batching = false;
        dev::lock(&self.hw).raise_gsp_swgen0();
        posted
    }

    /// Sends the reply to command `h`, committing the armed message fault.
    fn reply_with_faults(
        &mut self,
        h: msgq::Header,
        result: u32,
        payload: &[u8],
    ) -> Result<(), QueueError> {
        let faults = self.config.faults.clone();
        let boot = self.config.boot;
        let fault = [
            FaultKind::BadChecksum,
            FaultKind::BadLength,
            FaultKind::OversizedCount,
            FaultKind::WrongSequence,
            FaultKind::UnknownFunction,
            FaultKind::NoReply,
            FaultKind::LateReply,
            FaultKind::DuplicateSequence,
            FaultKind::GspCrash,
            FaultKind::GspHang,
        ]
        .into_iter()
        .find(|&k| Fault::fires_at(&faults, k, boot));
        let Some(fault) = fault else {
            return self.reply(h, result, payload);
        };
        warn!(
            "GSP-RM: fault injection: {fault:?} in the reply to sequence {}",
            h.sequence
        );
        match fault {
            FaultKind::NoReply => return Ok(()),
            FaultKind::GspCrash => return self.crash("under RPC load"),
            FaultKind::GspHang => {
                self.hung = true;
                return Ok(());
            }
            FaultKind::LateReply => std::thread::sleep(Duration::from_secs(3)),
            FaultKind::UnknownFunction => self.send(0x7777, 0, status::NV_OK, &[])?,
            FaultKind::DuplicateSequence => self.reply(h, result, payload)?,
            _ => {}
        }
        let mut buf = vec![0u8; msgq::ELEMENT_SIZE_MAX];
        let len = msgq::encode(
            &mut buf,
            self.seq_num,
            h.function,
            h.sequence,
            result,
            payload,
        )
        .ok_or(QueueError::BadHeader("message too large for one element"))?;
        let put =
            |b: &mut [u8], off: usize, v: u32| b[off..off + 4].copy_from_slice(&v.to_le_bytes());
        let r = msgq::ELEMENT_HEADER_SIZE;
        match fault {
            FaultKind::BadChecksum => buf[32] ^= 0x5a,
            FaultKind::BadLength => put(&mut buf, r + 8, msgq::ELEMENT_SIZE_MAX as u32),
            FaultKind::OversizedCount => put(&mut buf, 40, 17),
            FaultKind::WrongSequence => put(&mut buf, r + 24, h.sequence.wrapping_add(1000)),
            _ => {}
        }
        if matches!(
            fault,
            FaultKind::BadLength | FaultKind::OversizedCount | FaultKind::WrongSequence
        ) {
            // Still a correctly checksummed element: only the field is wrong.
            put(&mut buf, 32, 0);
            let sum = msgq::checksum(&buf[..len]);
            put(&mut buf, 32, sum);
        }
        self.seq_num = self.seq_num.wrapping_add(1);
        self.post(&buf[..len])
    }

    /// Sends the reply to command `h`: same function and sequence.
    fn reply(&mut self, h: msgq::Header, result: u32, payload: &[u8]) -> Result<(), QueueError> {
        self.send(h.function, h.sequence, result, payload)
    }

    /// Posts an asynchronous event.
    fn event(&mut self, function: u32, payload: &[u8]) -> Result<(), QueueError> {
        self.send(function, 0, status::NV_OK, payload)
    }

    fn send(
        &mut self,
        function: u32,
        sequence: u32,
        result: u32,
        payload: &[u8],
    ) -> Result<(), QueueError> {
        let mut buf = vec![0u8; msgq::ELEMENT_SIZE_MAX];
        if payload.len() > msgq::MAX_PAYLOAD {
            // As GSP-RM splits a large message: a full first element whose
            // rpc.length covers everything, then continuation records.
            let (first, rest) = payload.split_at(msgq::MAX_PAYLOAD);
            let len = msgq::encode_split_head(
                &mut buf,
                self.seq_num,
                function,
                sequence,
                result,
                first,
                payload.len(),
            )
            .ok_or(QueueError::BadHeader("message too large"))?;
            self.seq_num = self.seq_num.wrapping_add(1);
            self.post(&buf[..len])?;
            for chunk in rest.chunks(msgq::MAX_PAYLOAD) {
                let len = msgq::encode(
                    &mut buf,
                    self.seq_num,
                    Function::ContinuationRecord as u32,
                    sequence,
                    result,
                    chunk,
                )
                .ok_or(QueueError::BadHeader("message too large"))?;
                self.seq_num = self.seq_num.wrapping_add(1);
                self.post(&buf[..len])?;
            }
            return Ok(());
        }
        let len = msgq::encode(&mut buf, self.seq_num, function, sequence, result, payload)
            .ok_or(QueueError::BadHeader("message too large for one element"))?;
        self.seq_num = self.seq_num.wrapping_add(1);
        self.post(&buf[..len])
    }

    /// Posts an encoded element and raises the interrupt.
    fn post(&mut self, element: &[u8]) -> Result<(), QueueError> {
        // Wait for room: the driver drains the queue from its interrupt.
        let mut tries = 0;
        loop {
            match self.queues.post(element) {
                Err(QueueError::Full) if tries < 25_000 => {
                    tries += 1;
                    dev::lock(&self.hw).raise_gsp_swgen0();
                    std::thread::sleep(Duration::from_micros(200));
                }
                r => break r?,
            }
        }
        if !self.batching {
            dev::lock(&self.hw).raise_gsp_swgen0();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
