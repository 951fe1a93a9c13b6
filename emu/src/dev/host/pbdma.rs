//! The PBDMA: fetches a channel's GPFIFO entries from GP_GET up to the
//! GP_PUT it reads in USERD, fetches each entry's pushbuffer segment,
//! decodes its method headers and runs the methods: host methods here,
//! the others on the subchannel's object ([`super::ce`]).
//!
//! Formats in `nvgsp_proto::host` (open-gpu-doc `clc56f.h`); behaviour
//! from open-gpu-doc `manuals/ampere/ga100/dev_pbdma.ref.txt`:
//! - a control entry (LENGTH 0) other than NOP, or GP_PUT beyond the ring,
//!   is an error (`NV_PPBDMA_INTR_0_GPENTRY`, `_GPPTR`);
//! - a header with a SEC_OP the model does not run (the TERT_OP group,
//!   GRP2, RESERVED6) is an error (`_PBENTRY`); method data may continue
//!   into the next segment;
//! - host methods are those below 0x100; one the host does not have
//!   (0x10-0x1c included: Ampere's host has no SEMAPHOREA-D, memo B.4) is
//!   an error (`_METHOD`); `SET_OBJECT` must name a class of an object
//!   allocated under the channel (`INTR_*_HCE_ILLEGAL_CLASS`; the
//!   method has only NVCLASS 15:0), and a method at or above 0x100 needs
//!   a subchannel bound by one: the model's own stricter rule (the manual
//!   says host stores no subchannel-object mapping and no engine needs
//!   SetObject; nouveau always sends it);
//! - any method on subchannels 5-7 is a SW-class method, which GSP-RM
//!   would have to handle (`_DEVICE`): an error;
//! - an INC or ONE_INC header whose COUNT would take its methods past
//!   0x3ffc is an error at the header, before any of them runs
//!   (`_PBENTRY`);
//! - `SEM_EXECUTE` runs RELEASE (4 or 8 bytes of payload, 16 with a
//!   timestamp: the timestamp at 8 written before the payload at 0) and
//!   the ACQUIRE, STRICT_GEQ
//!   and CIRC_GEQ acquires; a misaligned address is an error
//!   (`_SEMAPHORE`); an unsatisfied acquire parks the channel;
//! - `NON_STALL_INTERRUPT` signals the vector of RAMFC's `INTR_NOTIFY`.
//!
//! Each error stops the channel with Xid 32 (`ROBUST_CHANNEL_PBDMA_ERROR`,
//! "invalid or corrupted push buffer stream"); a fault fetching is Xid 31
//! with the faulting VA. GP_GET is written back to USERD as each entry
//! completes. Engines run to completion as their method arrives, so WFI
//! and a release's WFI have nothing to wait for.

use super::access::{Ctx, Fault, Space};
use super::ce::Budget;
use super::{ce, Channel, ChannelError, ChannelSetup};
use crate::gsp_rm::gmmu::Phys;
use log::{debug, error};
use nvgsp_proto::host::{
    self, decode_gp_entry, decode_header, gp_opcode, method as m, sem_execute as sem, GpEntry,
    Header, SUBCHANNELS,
};

/// Xid 32, `ROBUST_CHANNEL_PBDMA_ERROR`.
pub const XID_PBDMA: u32 = nvgsp_proto::gsp::rpc::event::ROBUST_CHANNEL_PBDMA_ERROR;
/// Xid 31, `ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT`.
pub const XID_MMU: u32 = nvgsp_proto::gsp::rpc::event::ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT;

/// The address bits a fault buffer entry does not hold (ADDR_LO 31:12).
pub const FAULT_ADDR_LOW_BITS: u64 = 0xfff;

/// Why a channel stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The PBDMA found the stream bad.
    Pbdma(String),
    /// An access faulted, during `what`.
    Mmu(Fault, &'static str),
    /// The copy engine refused a launch or a method.
    Ce(String),
}

impl Stop {
    /// The error GSP-RM reports for this on channel `s`; logs the one
    /// line the emulator writes for it.
    pub fn into_error(self, s: &ChannelSetup) -> ChannelError {
        let (xid, fault, text) = match self {
            Stop::Pbdma(why) => (XID_PBDMA, None, why),
            Stop::Mmu(f, what) => (
                XID_MMU,
                Some((f.addr, f.fault_type)),
                format!("{what}: {f}"),
            ),
            Stop::Ce(why) => (ce::xid(s.engine), None, why),
        };
        let addr = fault.map_or(String::new(), |(a, _)| format!(" at {a:#x}"));
        error!(
            "host: channel {} (runlist {}) stopped: Xid {xid}{addr}: {text}",
            s.chid, s.runlist
        );
        // GSP-RM learns the address from the fault buffer entry's
        // ADDR_LO/ADDR_HI, which hold it 4 KiB-aligned (tu104
        // dev_mmu_fault.ref.txt); the log line above keeps it exact.
        let fault = fault.map(|(a, t)| (a & !FAULT_ADDR_LOW_BITS, t));
        ChannelError {
            chid: s.chid,
            engine: s.engine,
            runlist: s.runlist,
            xid,
            fault,
            text,
        }
    }
}

/// How a channel's turn ended.
#[derive(Debug)]
pub enum Outcome {
    /// GP_GET reached GP_PUT.
    Idle,
    /// A semaphore acquire is not satisfied yet.
    Parked,
    /// It has more work, after the others' turn.
    Yield,
    /// It stopped on an error.
    Stopped(Stop),
}

/// What a method asks of the PBDMA.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Go on.
    Continue,
    /// Stop here until the acquire is satisfied.
    Park,
    /// The turn's budget ran out: carry on at the channel's next turn.
    Yield,
}

/// A parked semaphore acquire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acquire {
    addr: u64,
    payload: u64,
    op: u32,
    wide: bool,
}

/// The method a header's data goes to, and how many dwords are left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Methods {
    subch: u32,
    method: u32,
    left: u32,
    /// INC (true) moves to the next method after each dword; ONE_INC
    /// after the first only.
    inc: bool,
    one_inc: bool,
}

/// A fetched pushbuffer segment.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Segment {
    va: u64,
    data: Vec<u32>,
    pos: usize,
}

/// The PBDMA's state for one channel (on a chip, in RAMFC while the
/// channel is off the PBDMA).
#[derive(Clone, Debug, Default)]
pub struct Pbdma {
    gp_get: u32,
    segment: Option<Segment>,
    methods: Option<Methods>,
    sem_addr: u64,
    sem_payload: u64,
    subch: [Option<u32>; SUBCHANNELS as usize],
    parked: Option<Acquire>,
}

impl Pbdma {
    /// GP_GET: the next entry to fetch.
    pub fn gp_get(&self) -> u32 {
        self.gp_get
    }

    /// The address of the semaphore a parked acquire waits on.
    pub fn parked(&self) -> Option<u64> {
        self.parked.map(|a| a.addr)
    }
}

/// Nanoseconds of the GPU's timer (PTIMER counts wall-clock time in ns).
pub fn timestamp() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// USERD's aperture and address as a physical space.
fn userd(setup: &ChannelSetup, off: u64) -> Result<(Space, u64), Stop> {
    let (space, a) = match setup.userd {
        Phys::Video(a) => (Space::Video, a),
        Phys::Sys(a) => (Space::Sys, a),
    };
    let at = a
        .checked_add(off)
        .ok_or_else(|| Stop::Pbdma(format!("USERD {a:#x}+{off:#x} overflows")))?;
    Ok((space, at))
}

/// Runs channel `c` for at most `budget` entries and a turn's work
/// ([`Budget::TURN`]).
pub(super) fn run(c: &mut Channel, ctx: &Ctx<'_>, budget: u32) -> Outcome {
    match run_inner(c, ctx, budget) {
        Ok(o) => o,
        Err(s) => Outcome::Stopped(s),
    }
}

fn run_inner(c: &mut Channel, ctx: &Ctx<'_>, budget: u32) -> Result<Outcome, Stop> {
    let space = Space::Virtual {
        pdb: c.setup.pdb,
        privileged: c.setup.privileged,
    };
    if let Some(a) = c.pbdma.parked {
        if !acquired(ctx, space, &a)? {
            return Ok(Outcome::Parked);
        }
        c.pbdma.parked = None;
    }
    let mut work = Budget::TURN;
    // A copy the last turn left under way goes on first.
    if c.ce.busy() && ce::resume(c, ctx, space, &mut work)? == Step::Yield {
        return Ok(Outcome::Yield);
    }
    let mut done = 0;
    loop {
        if c.pbdma.segment.is_none() {
            let (s, put_at) = userd(&c.setup, host::USERD_GP_PUT)?;
            let put = ctx
                .read_u32(s, put_at)
                .map_err(|f| Stop::Mmu(f, "reading GP_PUT in USERD"))?;
            c.gp_put = put;
            if put >= c.setup.entries {
                return Err(Stop::Pbdma(format!(
                    "GP_PUT {put} is beyond the GPFIFO's {} entries (GPPTR)",
                    c.setup.entries
                )));
            }
            if c.pbdma.gp_get == put {
                return Ok(Outcome::Idle);
            }
            if done >= budget || work.spent() {
                return Ok(Outcome::Yield);
            }
            if !fetch(c, ctx, space)? {
                advance(c, ctx)?;
                done += 1;
                continue;
            }
        }
        match execute(c, ctx, space, &mut work)? {
            Step::Park => return Ok(Outcome::Parked),
            Step::Yield => return Ok(Outcome::Yield),
            Step::Continue => {
                c.pbdma.segment = None;
                advance(c, ctx)?;
                done += 1;
            }
        }
    }
}

/// Fetches the entry at GP_GET and its segment; `false` for a NOP
/// control entry (nothing to run).
fn fetch(c: &mut Channel, ctx: &Ctx<'_>, space: Space) -> Result<bool, Stop> {
    let get = c.pbdma.gp_get;
    let at = c
        .setup
        .gpfifo
        .checked_add(u64::from(get) * host::GP_ENTRY_SIZE)
        .ok_or_else(|| {
            Stop::Pbdma(format!(
                "GPFIFO entry {get} of the ring at {:#x} overflows the address space",
                c.setup.gpfifo
            ))
        })?;
    let mut raw = [0u8; 8];
    ctx.read(space, at, &mut raw)
        .map_err(|f| Stop::Mmu(f, "fetching a GPFIFO entry"))?;
    let raw = u64::from_le_bytes(raw);
    let (va, dwords) = match decode_gp_entry(raw) {
        GpEntry::Control {
            opcode: gp_opcode::NOP,
            ..
        } => return Ok(false),
        GpEntry::Control { opcode, .. } => {
            return Err(Stop::Pbdma(format!(
                "GPFIFO entry {get} ({raw:#018x}): control opcode {opcode} (GPENTRY)"
            )))
        }
        GpEntry::Segment { va, dwords, .. } => (va, dwords),
    };
    let len = u64::from(dwords) * 4;
    if va + len > 1 << host::GP_ENTRY_VA_BITS {
        return Err(Stop::Pbdma(format!(
            "GPFIFO entry {get}: segment {va:#x}+{len:#x} crosses the end of the VA space (GPENTRY)"
        )));
    }
    let mut bytes = vec![0u8; len as usize];
    ctx.read(space, va, &mut bytes)
        .map_err(|f| Stop::Mmu(f, "fetching a pushbuffer segment"))?;
    let data = bytes
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .collect();
    c.pbdma.segment = Some(Segment { va, data, pos: 0 });
    Ok(true)
}

/// The entry at GP_GET is done: GP_GET moves on, and is written back.
fn advance(c: &mut Channel, ctx: &Ctx<'_>) -> Result<(), Stop> {
    c.pbdma.gp_get = (c.pbdma.gp_get + 1) % c.setup.entries;
    let (s, at) = userd(&c.setup, host::USERD_GP_GET)?;
    ctx.write(s, at, &c.pbdma.gp_get.to_le_bytes())
        .map_err(|f| Stop::Mmu(f, "writing GP_GET to USERD"))
}

/// Runs the current segment's methods from where it stopped.
fn execute(c: &mut Channel, ctx: &Ctx<'_>, space: Space, work: &mut Budget) -> Result<Step, Stop> {
    let Some(mut seg) = c.pbdma.segment.take() else {
        return Ok(Step::Continue);
    };
    let step = execute_segment(c, ctx, space, &mut seg, work);
    if matches!(step, Ok(Step::Park | Step::Yield)) {
        c.pbdma.segment = Some(seg);
    }
    step
}

fn execute_segment(
    c: &mut Channel,
    ctx: &Ctx<'_>,
    space: Space,
    seg: &mut Segment,
    work: &mut Budget,
) -> Result<Step, Stop> {
    loop {
        if work.spent() {
            return Ok(Step::Yield);
        }
        if let Some(mut ms) = c.pbdma.methods.take() {
            if ms.left == 0 {
                continue;
            }
            let Some(&data) = seg.data.get(seg.pos) else {
                // The data goes on in the next segment.
                c.pbdma.methods = Some(ms);
                return Ok(Step::Continue);
            };
            seg.pos += 1;
            let method = ms.method;
            ms.left -= 1;
            if ms.inc || ms.one_inc {
                ms.method += 4;
                ms.one_inc = false;
            }
            if ms.left > 0 {
                c.pbdma.methods = Some(ms);
            }
            match dispatch(c, ctx, space, ms.subch, method, data, work)? {
                Step::Continue => continue,
                step => return Ok(step),
            }
        }
        let Some(&raw) = seg.data.get(seg.pos) else {
            return Ok(Step::Continue);
        };
        let at = seg.va + 4 * seg.pos as u64;
        seg.pos += 1;
        let (subch, method, count, inc, one_inc) = match decode_header(raw) {
            Header::Nop => continue,
            Header::EndSegment => return Ok(Step::Continue),
            Header::Invalid(h) => {
                return Err(Stop::Pbdma(format!(
                    "method header {h:#010x} at {at:#x}: SEC_OP {} is not run (PBENTRY)",
                    h >> 29
                )))
            }
            Header::Immediate {
                subch,
                method,
                data,
            } => match dispatch(c, ctx, space, subch, method, data, work)? {
                Step::Continue => continue,
                step => return Ok(step),
            },
            Header::Inc {
                subch,
                method,
                count,
            } => (subch, method, count, true, false),
            Header::NonInc {
                subch,
                method,
                count,
            } => (subch, method, count, false, false),
            Header::OneInc {
                subch,
                method,
                count,
            } => (subch, method, count, false, true),
        };
        // The last method the header's data goes to must not pass
        // MAX_METHOD (PBENTRY): checked at the header, before any of its
        // methods run.
        let last = match (inc, one_inc) {
            (true, _) => u64::from(method) + 4 * u64::from(count.saturating_sub(1)),
            (_, true) if count > 1 => u64::from(method) + 4,
            _ => u64::from(method),
        };
        if last > u64::from(host::MAX_METHOD) {
            return Err(Stop::Pbdma(format!(
                "method header {raw:#010x} at {at:#x}: {count} methods from {method:#x} run past method {:#x} (PBENTRY)",
                host::MAX_METHOD
            )));
        }
        if count > 0 {
            c.pbdma.methods = Some(Methods {
                subch,
                method,
                left: count,
                inc,
                one_inc,
            });
        }
    }
}

/// Method `method` with `data` on subchannel `subch`.
fn dispatch(
    c: &mut Channel,
    ctx: &Ctx<'_>,
    space: Space,
    subch: u32,
    method: u32,
    data: u32,
    work: &mut Budget,
) -> Result<Step, Stop> {
    work.take(4);
    if subch >= host::FIRST_SW_SUBCHANNEL {
        return Err(Stop::Pbdma(format!(
            "method {method:#x} ({data:#x}) on subchannel {subch}: a software method (DEVICE)"
        )));
    }
    if method < host::FIRST_ENGINE_METHOD {
        return host_method(c, ctx, space, subch, method, data);
    }
    match c.pbdma.subch[subch as usize] {
        Some(nvgsp_proto::copy::AMPERE_DMA_COPY_B) => ce::method(c, ctx, space, method, data, work),
        Some(class) => Err(Stop::Pbdma(format!(
            "method {method:#x} for class {class:#x}, which the model has no engine for"
        ))),
        None => Err(Stop::Pbdma(format!(
            "method {method:#x} on subchannel {subch}, which no SET_OBJECT bound"
        ))),
    }
}

/// `MEM_OP_D`'s operations that only order or flush caches the model does
/// not have (clc56f.h `NVC56F_MEM_OP_D_OPERATION_*`: MEMBAR,
/// L2_PEERMEM_INVALIDATE, L2_SYSMEM_INVALIDATE, L2_CLEAN_COMPTAGS,
/// L2_FLUSH_DIRTY, L2_WAIT_FOR_SYS_PENDING_READS).
const MEM_OPS_WITHOUT_EFFECT: [u32; 6] = [5, 0xd, 0xe, 0xf, 0x10, 0x15];

fn host_method(
    c: &mut Channel,
    ctx: &Ctx<'_>,
    space: Space,
    subch: u32,
    method: u32,
    data: u32,
) -> Result<Step, Stop> {
    match method {
        m::SET_OBJECT => {
            // ga100 dev_pbdma.ref.txt NV_UDMA_OBJECT: NVCLASS 15:0 alone.
            let class = data & host::SET_OBJECT_NVCLASS_MASK;
            if !c.objects.contains(&class) {
                return Err(Stop::Pbdma(format!(
                    "SET_OBJECT {data:#x} on subchannel {subch}: no object of class {class:#x} on the channel's engine (HCE_ILLEGAL_CLASS)"
                )));
            }
            c.pbdma.subch[subch as usize] = Some(class);
        }
        m::NOP | m::SET_REFERENCE | m::WFI | m::YIELD => {}
        m::NON_STALL_INTERRUPT => nonstall(c, ctx),
        m::MEM_OP_A | m::MEM_OP_B | m::MEM_OP_C => {}
        m::MEM_OP_D => {
            let op = data >> host::MEM_OP_D_OPERATION_SHIFT;
            if !MEM_OPS_WITHOUT_EFFECT.contains(&op) {
                return Err(Stop::Pbdma(format!(
                    "MEM_OP_D operation {op:#x} is not modelled (TLB invalidates from a pushbuffer, access counters)"
                )));
            }
        }
        m::SEM_ADDR_LO => {
            c.pbdma.sem_addr = (c.pbdma.sem_addr & !0xffff_ffff) | u64::from(data & !3);
        }
        m::SEM_ADDR_HI => {
            c.pbdma.sem_addr = (c.pbdma.sem_addr & 0xffff_ffff) | u64::from(data & 0xff) << 32;
        }
        m::SEM_PAYLOAD_LO => {
            c.pbdma.sem_payload = (c.pbdma.sem_payload & !0xffff_ffff) | u64::from(data);
        }
        m::SEM_PAYLOAD_HI => {
            c.pbdma.sem_payload = (c.pbdma.sem_payload & 0xffff_ffff) | u64::from(data) << 32;
        }
        m::SEM_EXECUTE => return semaphore(c, ctx, space, data),
        _ => {
            return Err(Stop::Pbdma(format!(
                "method {method:#x} is below 0x100 but no host method (METHOD)"
            )))
        }
    }
    Ok(Step::Continue)
}

/// Signals the channel's non-stall vector.
pub(super) fn nonstall(c: &Channel, ctx: &Ctx<'_>) {
    match c.setup.nonstall {
        Some(v) => crate::dev::lock(ctx.hw).signal_vector(v),
        None => debug!(
            "host: channel {}: a non-stall interrupt, but its engine has no vector",
            c.setup.chid
        ),
    }
}

fn semaphore(c: &mut Channel, ctx: &Ctx<'_>, space: Space, data: u32) -> Result<Step, Stop> {
    let op = data & sem::OPERATION_MASK;
    let wide = data & sem::PAYLOAD_SIZE_64BIT != 0;
    let addr = c.pbdma.sem_addr;
    let payload = if wide {
        c.pbdma.sem_payload
    } else {
        c.pbdma.sem_payload & 0xffff_ffff
    };
    let misaligned = |align: u64| {
        Err(Stop::Pbdma(format!(
            "SEM_EXECUTE {data:#x}: semaphore address {addr:#x} is not {align}-byte aligned (SEMAPHORE)"
        )))
    };
    match op {
        sem::RELEASE => {
            let ts = data & sem::RELEASE_TIMESTAMP != 0;
            let align = if ts {
                16
            } else if wide {
                8
            } else {
                4
            };
            if !addr.is_multiple_of(align) {
                return misaligned(align);
            }
            let fault = |f| Stop::Mmu(f, "a semaphore release");
            if ts {
                // The timestamp (bytes 8..16) before the payload (0..8):
                // a waiter that sees the payload sees the timestamp
                // (dev_pbdma.ref.txt SEM_EXECUTE RELEASE_TIMESTAMP).
                ctx.write(space, addr + 8, &timestamp().to_le_bytes())
                    .map_err(fault)?;
            }
            let n = if wide || ts { 8 } else { 4 };
            ctx.write(space, addr, &payload.to_le_bytes()[..n])
                .map_err(fault)?;
            Ok(Step::Continue)
        }
        sem::ACQUIRE | sem::ACQ_STRICT_GEQ | sem::ACQ_CIRC_GEQ => {
            let align = if wide { 8 } else { 4 };
            if !addr.is_multiple_of(align) {
                return misaligned(align);
            }
            let a = Acquire {
                addr,
                payload,
                op,
                wide,
            };
            if acquired(ctx, space, &a)? {
                return Ok(Step::Continue);
            }
            debug!(
                "host: channel {} parked on semaphore {addr:#x} (waiting for {payload:#x})",
                c.setup.chid
            );
            c.pbdma.parked = Some(a);
            Ok(Step::Park)
        }
        _ => Err(Stop::Pbdma(format!(
            "SEM_EXECUTE {data:#x}: operation {op} (ACQ_AND, ACQ_NOR, REDUCTION) is not modelled"
        ))),
    }
}

/// Whether acquire `a` is satisfied now.
fn acquired(ctx: &Ctx<'_>, space: Space, a: &Acquire) -> Result<bool, Stop> {
    let mut b = [0u8; 8];
    let n = if a.wide { 8 } else { 4 };
    ctx.read(space, a.addr, &mut b[..n])
        .map_err(|f| Stop::Mmu(f, "a semaphore acquire"))?;
    let v = u64::from_le_bytes(b);
    Ok(match a.op {
        sem::ACQUIRE => v == a.payload,
        sem::ACQ_STRICT_GEQ => v >= a.payload,
        _ if a.wide => v.wrapping_sub(a.payload) as i64 >= 0,
        _ => (v as u32).wrapping_sub(a.payload as u32) as i32 >= 0,
    })
}
