//! The GSP-RM model driven the way the driver drives it: shared memory in a
//! file-backed guest memory, commands written to the queue, messages read.

use super::*;
use crate::dev::bar0::Bar0;
use crate::dev::Hw;
use nvgsp_proto::chip::ChipId;
use nvgsp_proto::falcon::IRQ_SWGEN0;
use nvgsp_proto::gsp::msgq::{PAGE_SIZE, RPC_RESULT_PENDING};
use std::time::Instant;

const BASE: u64 = 0x10_0000;
const PAGES: u64 = 1 + 0x40 + 0x40;
const CMDQ: u64 = 0x1000;
const MSGQ: u64 = CMDQ + 0x40 * 0x1000;

/// A driver-side view of the queues, with its own pointers.
struct Driver {
    mem: GuestMemory,
    hw: SharedHw,
    rm: Option<GspRm>,
    write: u32,
    read: u32,
    seq: u32,
    /// The next command element's `seqNum`, from 0 (nouveau r535
    /// `r535_gsp_cmdq_push`: `cmd->seqNum = gsp->cmdq.seq++`).
    seq_num: u32,
    /// Ring the doorbell after each command.
    ring: bool,
}

/// Where the guest put the BARs, and the function's ids.
const PCI: crate::pci_config::PciView = crate::pci_config::PciView {
    bars: [0xfd00_0000, 0xe000_0000, 0xf800_0000],
    device_id: 0x2204_10de,
    sub_device_id: 0x147d_10de,
    revision_id: 0xa1,
    // 01:00.0, behind the first root port.
    routing_id: Some(0x100),
};

/// GSP_SET_SYSTEM_INFO as the driver fills it in for [`PCI`].
fn system_info() -> Vec<u8> {
    let mut info = GspSystemInfo::ZERO;
    info.gpu_phys_addr = PCI.bars[0];
    info.gpu_phys_fb_addr = PCI.bars[1];
    info.gpu_phys_inst_addr = PCI.bars[2];
    info.nv_domain_bus_device_func = 0x100;
    info.max_user_va = (1 << 47) - 4096;
    info.pci_config_mirror_base = 0x88000;
    info.pci_config_mirror_size = 0x1000;
    info.pci_device_id = PCI.device_id;
    info.pci_sub_device_id = PCI.sub_device_id;
    info.pci_revision_id = PCI.revision_id;
    let mut out = vec![0u8; GspSystemInfo::SIZE];
    info.encode(&mut out).unwrap();
    out
}

/// The sysmem flush page, after the queues.
const FLUSH_PAGE: u64 = BASE + PAGES * 0x1000;

fn guest_memory() -> GuestMemory {
    let gm = GuestMemory::default();
    let f = crate::guest_mem::backing_file((PAGES + 1) * 0x1000);
    gm.map(BASE, (PAGES + 1) * 0x1000, f, 0).unwrap();
    gm
}

impl Driver {
    fn new() -> Driver {
        Driver::with_config(RmConfig::default())
    }

    fn with_config(config: RmConfig) -> Driver {
        Driver::with_header(config, |_| {}).unwrap()
    }

    /// A driver whose command queue TX header (version, size, msgSize,
    /// msgCount, writePtr, flags, rxHdrOff, entryOff, as nouveau
    /// `r535_gsp_shared_init` writes it) `edit` changed first.
    fn with_header(
        config: RmConfig,
        edit: impl FnOnce(&mut [u32; 8]),
    ) -> Result<Driver, QueueError> {
        Driver::with_hw(config, edit, |_| {})
    }

    /// [`Driver::with_header`] on hardware `setup` completed first (VRAM,
    /// SR-IOV).
    fn with_hw(
        config: RmConfig,
        edit: impl FnOnce(&mut [u32; 8]),
        setup: impl FnOnce(&mut Hw),
    ) -> Result<Driver, QueueError> {
        let mem = guest_memory();
        for i in 0..PAGES {
            mem.write(BASE + i * 8, &(BASE + i * 0x1000).to_le_bytes())
                .unwrap();
        }
        let mut words = [0u32, 0x40000, 0x1000, 0x3f, 0, 1, 0x20, 0x1000];
        edit(&mut words);
        for (i, w) in words.iter().enumerate() {
            mem.write(BASE + CMDQ + i as u64 * 4, &w.to_le_bytes())
                .unwrap();
        }
        let mut bar0 = Bar0::new(ChipId::GA102_A1, 256 << 20, Vec::new());
        // The driver unmasks SWGEN0 towards the host and registers the
        // sysmem flush page.
        bar0.write32(0x110010, IRQ_SWGEN0, &mem);
        bar0.write32(0x11001c, IRQ_SWGEN0, &mem);
        bar0.write32(0x100c10, (FLUSH_PAGE >> 8) as u32, &mem);
        let hw = Hw::new(bar0);
        dev::lock(&hw).pci = PCI;
        setup(&mut dev::lock(&hw));
        let args = QueueArgs {
            shared_mem: BASE,
            pte_count: PAGES as u32,
            cmd_off: CMDQ,
            msg_off: MSGQ,
        };
        let rm = GspRm::start(mem.clone(), hw.clone(), args, config)?;
        Ok(Driver {
            mem,
            hw,
            rm: Some(rm),
            write: 0,
            read: 0,
            seq: 0,
            seq_num: 0,
            ring: true,
        })
    }

    fn send(&mut self, function: u32, payload: &[u8]) -> u32 {
        if payload.len() > msgq::MAX_PAYLOAD {
            // The command in the first element, the rest in continuation
            // records (nouveau r535_gsp_rpc_push).
            let (first, rest) = payload.split_at(msgq::MAX_PAYLOAD);
            let seq = self.send(function, first);
            for chunk in rest.chunks(msgq::MAX_PAYLOAD) {
                self.send(Function::ContinuationRecord as u32, chunk);
            }
            return seq;
        }
        let mut buf = vec![0u8; msgq::ELEMENT_SIZE_MAX];
        self.seq += 1;
        let len = msgq::encode(
            &mut buf,
            self.seq_num,
            function,
            self.seq,
            RPC_RESULT_PENDING,
            payload,
        )
        .unwrap();
        self.seq_num += 1;
        // Wait for room: GSP-RM's read pointer (in the message queue's
        // header) must leave the element's pages free.
        let pages = len.div_ceil(PAGE_SIZE) as u32;
        let start = Instant::now();
        loop {
            let gsp_read = self.mem.read_u32(BASE + MSGQ + 0x20).unwrap();
            let free = (gsp_read + 0x3f - self.write - 1) % 0x3f;
            if free >= pages {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "GSP-RM does not drain the command queue"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        for chunk in buf[..len].chunks(PAGE_SIZE) {
            let at = BASE + CMDQ + 0x1000 + u64::from(self.write) * 0x1000;
            self.mem.write(at, chunk).unwrap();
            self.write = (self.write + 1) % 0x3f;
        }
        self.mem
            .write(BASE + CMDQ + 16, &self.write.to_le_bytes())
            .unwrap();
        if self.ring {
            self.doorbell();
        }
        self.seq
    }

    fn doorbell(&self) {
        self.rm.as_ref().unwrap().doorbell();
    }

    /// Whether a message arrives within `wait`.
    fn message_within(&self, wait: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < wait {
            if self.pending() > 0 {
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        false
    }

    /// Queue elements GSP-RM posted that were not received yet.
    fn pending(&self) -> u32 {
        let gsp_write = self.mem.read_u32(BASE + MSGQ + 16).unwrap();
        (gsp_write + 0x3f - self.read) % 0x3f
    }

    /// Waits for the next message and returns its header and payload.
    fn receive(&mut self) -> (msgq::Header, Vec<u8>) {
        let start = Instant::now();
        loop {
            let gsp_write = self.mem.read_u32(BASE + MSGQ + 16).unwrap();
            if gsp_write != self.read {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "no message from GSP-RM"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        let mut first = vec![0u8; PAGE_SIZE];
        let entry = |i: u32| BASE + MSGQ + 0x1000 + u64::from(i) * 0x1000;
        self.mem.read(entry(self.read), &mut first).unwrap();
        let count = u32::from_le_bytes(first[40..44].try_into().unwrap());
        let mut buf = Vec::new();
        for i in 0..count {
            let mut page = vec![0u8; PAGE_SIZE];
            self.mem
                .read(entry((self.read + i) % 0x3f), &mut page)
                .unwrap();
            buf.extend_from_slice(&page);
        }
        self.read = (self.read + count) % 0x3f;
        self.mem
            .write(BASE + CMDQ + 0x20, &self.read.to_le_bytes())
            .unwrap();
        let (h, p) = msgq::parse_element(&buf).unwrap();
        (h, p.to_vec())
    }
}

#[test]
fn init_sequence_then_init_done_with_interrupt() {
    init(&mut Driver::new());
}

/// Takes GSP-RM through its init as the driver does, checking each step.
fn init(d: &mut Driver) {
    init_with(d, &system_info(), &[("RMDevidCheckIgnore", 1)]);
}

/// [`init`] with the system info `info` and the registry `registry`.
fn init_with(d: &mut Driver, info: &[u8], registry: &[(&str, u32)]) {
    // A short system info and a malformed registry do not count.
    d.send(Function::GspSetSystemInfo as u32, &[0u8; 64]);
    d.send(Function::SetRegistry as u32, &[0xffu8; 8]);
    d.send(Function::GspSetSystemInfo as u32, info);
    send_registry(d, registry);
    // GSP-RM asks the CPU to run its register program and waits for it.
    let (h, p) = d.receive();
    assert_eq!(h.function, Function::GspRunCpuSequencer as u32);
    assert_eq!(h.seq_num, 0, "nothing was sent before the init events");
    let seq = nvgsp_proto::gsp::rpc::sequencer::Sequence::parse(&p).unwrap();
    assert_eq!(seq.validate(), Ok(6));
    let last = seq.iter().last().unwrap().unwrap();
    assert_eq!(last, nvgsp_proto::gsp::rpc::sequencer::SeqCmd::CoreResume);
    assert!(
        dev::lock(&d.hw).bar0.sec2.rtos_loaded,
        "SEC2-RTOS is loaded for CORE_RESUME"
    );
    // The program's register effects alone do not finish init: GSP-RM
    // waits to be resumed.
    let scratch = crate::dev::bar0::reg::SW_SCRATCH_HOST.start;
    dev::lock(&d.hw).bar0.write32(scratch, 0x5ec0_0042, &d.mem);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(d.pending(), 0, "nothing posted before the resume");
    {
        // What SEC2-RTOS does when CORE_RESUME starts it.
        let mut hw = dev::lock(&d.hw);
        hw.bar0.gsp.riscv_active = true;
        hw.bar0.set_boot_stage_3_handoff(true);
    }
    let (h, p) = d.receive();
    assert_eq!(
        (h.function, p),
        (Function::GspLockdownNotice as u32, vec![0u8])
    );
    let (h, _) = d.receive();
    assert_eq!(h.function, Function::GspInitDone as u32);
    assert_eq!(h.rpc_result, status::NV_OK);
    assert_eq!(dev::lock(&d.hw).bar0.gsp.irq.to_host(), IRQ_SWGEN0);
}

/// Sends SET_REGISTRY with `entries`.
fn send_registry(d: &mut Driver, entries: &[(&str, u32)]) {
    let mut reg = vec![0u8; 1024];
    let len = nvgsp_proto::gsp::rpc::registry::encode_registry(entries, &mut reg).unwrap();
    d.send(Function::SetRegistry as u32, &reg[..len]);
}

#[test]
fn control_port_injections_wait_for_init_then_act_in_order() {
    use crate::control::Injection;
    use nvgsp_proto::gsp::rpc::event::{RpcUcodeLibosPrint, UCODE_ENG_DESC_PMU};
    let config = RmConfig::default();
    let injections = config.injections.clone();
    injections.push(Injection::PmuPrint(b"early".to_vec()));
    let mut d = Driver::with_config(config);
    // The print waits for init: init checks nothing else came first.
    init(&mut d);
    let (h, p) = d.receive();
    assert_eq!(h.function, Function::UcodeLibosPrint as u32);
    let (hdr, text) = RpcUcodeLibosPrint::parse(&p).unwrap();
    assert_eq!(
        (hdr.ucode_eng_desc, text),
        (UCODE_ENG_DESC_PMU, &b"early"[..])
    );
    // No such channel object: GSP-RM reports nothing.
    injections.push(Injection::RcError {
        xid: 13,
        client: 0xc1,
        object: 0xbad,
    });
    injections.push(Injection::FaultQueued);
    let (h, p) = d.receive();
    assert_eq!((h.function, p.len()), (Function::MmuFaultQueued as u32, 0));
    // Hung, GSP-RM answers nothing.
    injections.push(Injection::Hang);
    std::thread::sleep(Duration::from_millis(300));
    d.send(Function::GetGspStaticInfo as u32, &[]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(d.pending(), 0);
}

#[test]
fn unsupported_function_gets_an_error_reply_with_its_sequence() {
    let mut d = Driver::new();
    let seq = d.send(999, b"hello");
    let (h, p) = d.receive();
    assert_eq!(
        (h.function, h.sequence, h.rpc_result),
        (999, seq, status::NV_ERR_NOT_SUPPORTED)
    );
    assert_eq!(p, b"hello");
}

#[test]
fn unloading_suspends_the_processor() {
    let mut d = Driver::new();
    d.send(Function::UnloadingGuestDriver as u32, &[0u8; 8]);
    let (h, _) = d.receive();
    assert_eq!(h.function, Function::UnloadingGuestDriver as u32);
    let start = Instant::now();
    while dev::lock(&d.hw).bar0.gsp.mailbox[0] & LIBOS_SUSPENDED == 0 {
        assert!(start.elapsed() < Duration::from_secs(5));
        std::thread::sleep(Duration::from_millis(1));
    }
    drop(d.rm.take());
}

#[test]
fn a_page_table_that_does_not_map_itself_is_refused() {
    let mem = guest_memory();
    let hw = Hw::new(Bar0::new(ChipId::GA102_A1, 256 << 20, Vec::new()));
    let args = QueueArgs {
        shared_mem: BASE,
        pte_count: PAGES as u32,
        cmd_off: CMDQ,
        msg_off: MSGQ,
    };
    assert!(GspRm::start(mem, hw, args, RmConfig::default()).is_err());
}

#[test]
fn static_info_and_rm_objects_over_the_queue() {
    use nvgsp_proto::gsp::class;
    use nvgsp_proto::gsp::rpc::static_info::GspStaticConfigInfo;
    let mut d = Driver::new();
    let seq = d.send(Function::GetGspStaticInfo as u32, &[]);
    let (h, p) = d.receive();
    assert_eq!(
        (h.function, h.sequence, h.rpc_result),
        (Function::GetGspStaticInfo as u32, seq, 0)
    );
    let info = GspStaticConfigInfo::decode(&p).unwrap();
    assert_eq!(info.fb_length, 256 << 20);
    assert_eq!(info.gpu_short_name(), b"GA102");

    let alloc = |h_parent, h_object, class, params: &[u8]| {
        let a = RpcGspRmAlloc {
            h_client: 0xc1,
            h_parent,
            h_object,
            h_class: class,
            ..RpcGspRmAlloc::ZERO
        };
        let mut buf = vec![0u8; RpcGspRmAlloc::SIZE_WITHOUT_PARAMS + params.len()];
        a.encode_with(params, &mut buf).unwrap();
        buf
    };
    d.send(
        Function::GspRmAlloc as u32,
        &alloc(
            0,
            0xc1,
            class::NV01_ROOT,
            &[0; class::Nv0000AllocParameters::SIZE],
        ),
    );
    assert_eq!(d.receive().0.rpc_result, 0);
    // The same client again is a duplicate: RM's status in both places.
    d.send(
        Function::GspRmAlloc as u32,
        &alloc(
            0,
            0xc1,
            class::NV01_ROOT,
            &[0; class::Nv0000AllocParameters::SIZE],
        ),
    );
    let (h, p) = d.receive();
    assert_eq!(h.rpc_result, status::NV_ERR_INSERT_DUPLICATE_NAME);
    assert_eq!(
        RpcGspRmAlloc::parse(&p).unwrap().0.status,
        status::NV_ERR_INSERT_DUPLICATE_NAME
    );
    let mut free = vec![0u8; RpcFree::SIZE];
    RpcFree::new(0xc1, 0xc1).encode(&mut free).unwrap();
    d.send(Function::Free as u32, &free);
    assert_eq!(d.receive().0.rpc_result, 0);
    d.send(Function::Free as u32, &free);
    assert_eq!(d.receive().0.rpc_result, status::NV_ERR_INVALID_CLIENT);
}

#[test]
fn large_controls_split_both_ways() {
    use nvgsp_proto::gsp::class;
    let mut d = Driver::new();
    let alloc = RpcGspRmAlloc {
        h_client: 0xc1,
        h_object: 0xc1,
        h_class: class::NV01_ROOT,
        ..RpcGspRmAlloc::ZERO
    };
    let p0 = [0u8; class::Nv0000AllocParameters::SIZE];
    let mut buf = vec![0u8; RpcGspRmAlloc::SIZE_WITHOUT_PARAMS + p0.len()];
    alloc.encode_with(&p0, &mut buf).unwrap();
    d.send(Function::GspRmAlloc as u32, &buf);
    assert_eq!(d.receive().0.rpc_result, 0);
    // A NULL control with 150,000 bytes of parameters: three elements each
    // way, the reply echoing the parameters.
    let params: Vec<u8> = (0..150_000u32).map(|i| (i * 7) as u8).collect();
    let ctrl = RpcGspRmControl {
        h_client: 0xc1,
        h_object: 0xc1,
        cmd: class::NV0000_CTRL_CMD_NULL,
        ..RpcGspRmControl::ZERO
    };
    let mut buf = vec![0u8; RpcGspRmControl::SIZE_WITHOUT_PARAMS + params.len()];
    ctrl.encode_with(&params, &mut buf).unwrap();
    let seq = d.send(Function::GspRmControl as u32, &buf);
    let (h, first) = d.receive();
    assert_eq!(
        (h.function, h.sequence, h.rpc_result),
        (Function::GspRmControl as u32, seq, 0)
    );
    assert_eq!(h.length as usize, msgq::RPC_HEADER_SIZE + buf.len());
    let mut whole = first;
    while whole.len() < buf.len() {
        let (c, p) = d.receive();
        assert_eq!(c.function, Function::ContinuationRecord as u32);
        whole.extend_from_slice(&p);
    }
    let (r, out) = RpcGspRmControl::parse(&whole).unwrap();
    assert_eq!(r.status, 0);
    assert_eq!(out, &params[..]);
}

/// GSP-RM serves the command queue only when the doorbell rings: a
/// command queued without it gets no reply, however long it waits, and
/// the doorbell brings the reply at once.
#[test]
fn commands_wait_for_the_doorbell() {
    let mut d = Driver::new();
    init(&mut d);
    d.ring = false;
    let seq = d.send(Function::GetGspStaticInfo as u32, &[]);
    assert!(
        !d.message_within(Duration::from_millis(400)),
        "GSP-RM answered a command whose doorbell never rang"
    );
    d.doorbell();
    let (h, _) = d.receive();
    assert_eq!(
        (h.function, h.sequence),
        (Function::GetGspStaticInfo as u32, seq)
    );
}

/// A command element whose `seqNum` is not the next one stops the queue:
/// it is not consumed, it and everything after it go unanswered.
#[test]
fn a_command_with_the_wrong_sequence_number_stops_the_queue() {
    let mut d = Driver::new();
    init(&mut d);
    d.send(Function::GetGspStaticInfo as u32, &[]);
    assert_eq!(d.receive().0.function, Function::GetGspStaticInfo as u32);
    d.seq_num += 1;
    d.send(Function::GetGspStaticInfo as u32, &[]);
    assert!(!d.message_within(Duration::from_millis(300)));
    d.seq_num -= 2;
    d.send(Function::GetGspStaticInfo as u32, &[]);
    assert!(
        !d.message_within(Duration::from_millis(300)),
        "GSP-RM read past an element it did not consume"
    );
}

/// GSP-RM links the driver's command queue as msgq.c `msgqRxLink` does:
/// each header field it checks, wrong, keeps GSP-RM from starting.
#[test]
fn command_queue_headers_rxlink_refuses() {
    let bad: [(usize, u32, &str); 6] = [
        (0, 1, "version"),
        (1, 0x3f000, "size"),
        (2, 0x800, "msgSize"),
        (3, 0x3e, "msgCount"),
        (6, 0x10, "rxHdrOff"),
        (7, 0x20, "entryOff"),
    ];
    for (field, value, name) in bad {
        let r = Driver::with_header(RmConfig::default(), |w| w[field] = value);
        assert!(r.is_err(), "a command queue with a wrong {name} was linked");
    }
    assert!(Driver::with_header(RmConfig::default(), |_| {}).is_ok());
}

/// Without MSGQ_FLAGS_SWAP_RX in the driver's header the link is not
/// swapped: GSP-RM's read pointer into the command queue goes into the
/// command queue's own RX header, not the message queue's.
#[test]
fn an_unswapped_link_puts_the_read_pointer_in_the_command_queue() {
    let mut d = Driver::with_header(RmConfig::default(), |w| w[5] = 0).unwrap();
    d.send(Function::GspSetSystemInfo as u32, &[0u8; 64]);
    let start = Instant::now();
    while d.mem.read_u32(BASE + CMDQ + 0x20).unwrap() != 1 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "read pointer not published"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(d.mem.read_u32(BASE + MSGQ + 0x20).unwrap(), 0);
}

/// GSP-RM's first sysmembar needs the sysmem flush page: with none
/// registered it halts (HALT raised, its crash code in MAILBOX0) and never
/// answers.
#[test]
fn no_sysmem_flush_page_halts_gsp_rm() {
    let mut d = Driver::new();
    {
        let mut hw = dev::lock(&d.hw);
        hw.bar0.gsp.riscv_active = true;
    }
    drop(d.rm.take());
    dev::lock(&d.hw).bar0.write32(0x100c10, 0, &d.mem);
    let args = QueueArgs {
        shared_mem: BASE,
        pte_count: PAGES as u32,
        cmd_off: CMDQ,
        msg_off: MSGQ,
    };
    d.rm = Some(GspRm::start(d.mem.clone(), d.hw.clone(), args, RmConfig::default()).unwrap());
    d.send(Function::GspSetSystemInfo as u32, &[0u8; 64]);
    assert!(!d.message_within(Duration::from_millis(300)));
    let hw = dev::lock(&d.hw);
    assert!(!hw.bar0.gsp.riscv_active, "GSP-RM kept running");
    assert_eq!(hw.bar0.gsp.mailbox[0], faults::GSP_CRASH_CODE);
}

/// GSP_SET_SYSTEM_INFO must describe the GPU as the guest really placed
/// it: a BAR address, an id, its bus address or the config mirror wrong
/// halts GSP-RM.
#[test]
fn a_system_info_that_is_not_the_gpus_halts_gsp_rm() {
    type Edit = fn(&mut GspSystemInfo);
    let edits: [(&str, Edit); 6] = [
        ("BAR0", |i| i.gpu_phys_addr = 0),
        ("BAR3", |i| i.gpu_phys_inst_addr += 0x1000),
        ("device id", |i| i.pci_device_id = 0x1234_10de),
        ("config mirror", |i| i.pci_config_mirror_base = 0),
        ("bus number", |i| i.nv_domain_bus_device_func = 0x200),
        // pci_dev_id()'s layout (devfn in 7:0) where GSP-RM's wants the
        // device number: differs for any device but 0.
        ("device number", |i| i.nv_domain_bus_device_func = 0x108),
    ];
    for (what, edit) in edits {
        let mut d = Driver::new();
        let mut info = GspSystemInfo::decode(&system_info()).unwrap();
        edit(&mut info);
        let mut bytes = vec![0u8; GspSystemInfo::SIZE];
        info.encode(&mut bytes).unwrap();
        d.send(Function::GspSetSystemInfo as u32, &bytes);
        wait_halted(&d, what);
    }
}

/// Waits until GSP-RM halted with its crash code; fails after 5 s, naming
/// `what` it should have refused.
fn wait_halted(d: &Driver, what: &str) {
    let start = Instant::now();
    while dev::lock(&d.hw).bar0.gsp.mailbox[0] != faults::GSP_CRASH_CODE {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "GSP-RM took a wrong {what}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// At a device and function other than 0, GSP-RM's layout of the bus
/// address (device in 7:0, no function: open-gpu-kernel-modules `gpu.h`)
/// and `pci_dev_id()`'s (devfn in 7:0) differ: GSP-RM takes its own.
#[test]
fn the_bus_address_is_in_gsp_rms_layout() {
    for (value, accepted) in [(0x1f1c, true), (0x1fe7, false)] {
        let mut d = Driver::new();
        // 1f:1c.7.
        dev::lock(&d.hw).pci.routing_id = Some(0x1fe7);
        let mut info = GspSystemInfo::decode(&system_info()).unwrap();
        info.nv_domain_bus_device_func = value;
        let mut bytes = vec![0u8; GspSystemInfo::SIZE];
        info.encode(&mut bytes).unwrap();
        d.send(Function::GspSetSystemInfo as u32, &bytes);
        if accepted {
            let mut reg = vec![0u8; 256];
            let len = nvgsp_proto::gsp::rpc::registry::encode_registry(&[], &mut reg).unwrap();
            d.send(Function::SetRegistry as u32, &reg[..len]);
            let (h, _) = d.receive();
            assert_eq!(h.function, Function::GspRunCpuSequencer as u32);
        } else {
            wait_halted(&d, "pci_dev_id() layout");
        }
    }
}

/// An error the host stopped a channel on reaches the driver as GSP-RM
/// reports one: OS_ERROR_LOG, then RC_TRIGGERED with the channel's
/// engine and, for an MMU fault, the VA and fault type.
#[test]
fn host_errors_become_rc_triggered() {
    use crate::dev::host::ChannelError;
    use nvgsp_proto::gsp::rpc::event::{RpcOsErrorLog, RpcRcTriggered};
    let config = RmConfig::default();
    let host = config.host.clone();
    let mut d = Driver::with_config(config);
    init(&mut d);
    let ce1 = nvgsp_proto::gsp::class::NV2080_ENGINE_TYPE_COPY0 + 1;
    for (xid, fault) in [(31, Some((0x1_2345_6000u64, 6u32))), (40, None)] {
        host.report(ChannelError {
            chid: 7,
            engine: ce1,
            runlist: 3,
            xid,
            fault,
            text: "test".into(),
        });
        let (h, p) = d.receive();
        assert_eq!(h.function, Function::OsErrorLog as u32);
        let log = RpcOsErrorLog::decode(&p).unwrap();
        assert_eq!((log.except_type, log.runlist_id, log.chid), (xid, 3, 7));
        let (h, p) = d.receive();
        assert_eq!(h.function, Function::RcTriggered as u32);
        let rc = RpcRcTriggered::decode(&p).unwrap();
        let (addr, ty) = fault.unwrap_or((0, 0));
        assert_eq!(
            (rc.nv2080_engine_type, rc.chid, rc.except_type),
            (ce1, 7, xid)
        );
        assert_eq!(
            (
                u64::from(rc.mmu_fault_addr_hi) << 32 | u64::from(rc.mmu_fault_addr_lo),
                rc.mmu_fault_type
            ),
            (addr, ty)
        );
    }
}

mod vgpu;
