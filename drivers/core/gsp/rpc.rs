// SPDX-License-Identifier: GPL-2.0

//! Remote procedure calls to GSP-RM over the shared queues.
//!
//! A caller registers a waiter for a fresh sequence number, writes its
//! command under the send lock only, rings the doorbell and sleeps. The
//! threaded interrupt handler drains the status queue under the receive
//! lock, hands each reply to the waiter whose sequence and function match,
//! and records events. Several callers can therefore be in flight at once;
//! no lock is held from send to reply.
//!
//! Everything GSP-RM sends is checked before use (checksum, lengths, element
//! count, function); a reply nobody waits for (late, duplicated, unknown)
//! is dropped with one log line.

use kernel::{
    device,
    io::Io,
    new_condvar, new_mutex,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        CondVar,
        CondVarTimeoutResult,
        Mutex, //
    },
    time::{
        msecs_to_jiffies,
        Delta,
        Instant,
        Monotonic, //
    },
};

use super::{
    gate::Gate,
    queues::{
        PopError,
        Queues, //
    },
};
use crate::{
    driver::Bar0,
    events::{
        ChannelOwner,
        Dispatcher,
        Event,
        EventKind, //
    },
    gsp::regs::NV_PGSP_QUEUE_HEAD,
    proto::gsp::{
        function::Function,
        msgq,
        rpc::event::{
            xid_name,
            INVALID_CHID, //
        },
        status, //
    },
};

/// How long a call waits for its reply.
// TIMEOUT: GSP-RM answers in microseconds on hardware; the emulated GSP in
// milliseconds. Two seconds means GSP-RM is gone or the reply was lost.
pub(crate) const RPC_TIMEOUT: Delta = Delta::from_secs(2);

/// How long a sender waits for room in the command queue.
const QUEUE_SPACE_TIMEOUT: Delta = Delta::from_secs(2);

/// Events the driver waits for, as bits of [`Pending::events`].
pub(crate) const EVENT_INIT_DONE: u32 = 1 << 0;
/// GSP-RM asked the CPU to run a sequencer program ([`Rpc::take_sequencer`]).
pub(crate) const EVENT_SEQUENCER: u32 = 1 << 1;

/// Calls timing out in a row while GSP-RM sent nothing at all, its core
/// still running, that make the driver take GSP-RM for hung. (A lost or
/// malformed reply times out one call; GSP-RM is alive if it sends
/// anything.)
const HANG_TIMEOUTS: u32 = 3;

/// Why GSP-RM no longer answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lost {
    /// Its RISC-V core halted (the falcon's HALT interrupt, or found
    /// halted after a call timed out).
    Crashed = 1,
    /// Calls keep timing out while its core runs.
    Hung = 2,
}

/// A reply from GSP-RM.
pub(crate) struct Reply {
    /// `rpc_result`: the NV_STATUS of the call.
    pub(crate) status: u32,
    /// The payload after the RPC header.
    pub(crate) payload: KVec<u8>,
}

struct Waiter {
    sequence: u32,
    function: u32,
    reply: Option<Reply>,
}

struct Pending {
    waiters: KVec<Waiter>,
    events: u32,
    sequencer: Option<KVec<u8>>,
}

struct Tx {
    write: u32,
    seq_num: u32,
    sequence: u32,
}

struct Rx {
    read: u32,
    /// A message GSP-RM split over several elements: its header, the
    /// payload so far, and the payload's full size.
    split: Option<(msgq::Header, KVec<u8>, usize)>,
    /// The element sequence number the next message must carry, once the
    /// first one set it.
    seq_num: Option<u32>,
    /// The element being handled, kept from drain to drain.
    buf: KVec<u8>,
}

/// Counters for debugfs.
pub(crate) struct Stats {
    /// Calls that got their reply.
    pub(crate) calls: Atomic<u64>,
    /// Calls that timed out.
    pub(crate) timeouts: Atomic<u64>,
    /// Elements GSP-RM sent that failed validation.
    pub(crate) bad_messages: Atomic<u64>,
    /// Replies nobody waited for.
    pub(crate) unexpected: Atomic<u64>,
    /// Events received.
    pub(crate) events: Atomic<u64>,
    /// Sum of the round trips of `calls`, in nanoseconds.
    pub(crate) total_ns: Atomic<u64>,
    /// Times GSP-RM was found lost (crashed or hung).
    pub(crate) losses: Atomic<u64>,
    /// Recoveries that brought GSP-RM and the clients back.
    pub(crate) recoveries: Atomic<u64>,
}

impl Stats {
    fn new() -> Self {
        Self {
            calls: Atomic::new(0),
            timeouts: Atomic::new(0),
            bad_messages: Atomic::new(0),
            unexpected: Atomic::new(0),
            events: Atomic::new(0),
            total_ns: Atomic::new(0),
            losses: Atomic::new(0),
            recoveries: Atomic::new(0),
        }
    }
}

/// The RPC channel to GSP-RM.
#[pin_data]
pub(crate) struct Rpc {
    dev: ARef<device::Device>,
    queues: Queues,
    #[pin]
    tx: Mutex<Tx>,
    #[pin]
    rx: Mutex<Rx>,
    #[pin]
    pending: Mutex<Pending>,
    #[pin]
    wake: CondVar,
    /// Where the events clients may subscribe to go.
    #[pin]
    pub(crate) events: Dispatcher,
    /// Who may call: everyone, only the recovery, or nobody.
    #[pin]
    pub(crate) gate: Gate,
    /// What to do when GSP-RM is lost: queue the core's recovery (none
    /// while booting at probe, unloading, or with recovery turned off).
    #[pin]
    recovery: Mutex<Option<crate::recovery::Trigger>>,
    /// When GSP-RM was last found lost.
    #[pin]
    lost_at: Mutex<Instant<Monotonic>>,
    /// Counts the GSP-RM instances: bumped when one is lost, so RM handles
    /// from before can be told from current ones.
    generation: Atomic<u32>,
    /// Why GSP-RM is gone ([`Lost`]), 0 while it answers.
    lost: Atomic<u32>,
    /// GSP-RM finished its init and is not being unloaded: only then does
    /// a halted GSP mean a crash (FWSEC and the boot ROM halt by design).
    running: Atomic<bool>,
    /// Calls that timed out in a row with GSP-RM silent throughout.
    timeouts_in_a_row: Atomic<u32>,
    /// Elements taken from the status queue, well-formed or not: whether
    /// GSP-RM said anything at all.
    received: Atomic<u64>,
    /// Counters, shared with debugfs.
    pub(crate) stats: Arc<Stats>,
}

/// What the core says in its own log about an event, whoever subscribed:
/// GSP-RM's error reports and channel errors (naming the client that holds
/// the channel), one line each.
fn log_event(dev: &device::Device, e: &Event, owner: Option<ChannelOwner>) {
    match e.kind {
        EventKind::GspLog => match owner {
            Some(o) => dev_warn!(
                dev,
                "{} client (RM client {:#x}): GSP-RM reports Xid {} on channel {} (object {:#x}): {}\n",
                o.kind.name(),
                o.client,
                e.code,
                e.data,
                o.object,
                kernel::str::BStr::from_bytes(e.payload())
            ),
            None if e.data == INVALID_CHID => dev_warn!(
                dev,
                "GSP-RM reports Xid {}: {}\n",
                e.code,
                kernel::str::BStr::from_bytes(e.payload())
            ),
            None => dev_warn!(
                dev,
                "GSP-RM reports Xid {} on channel {}, which no client holds: {}\n",
                e.code,
                e.data,
                kernel::str::BStr::from_bytes(e.payload())
            ),
        },
        EventKind::RcError => {
            let what = xid_name(e.code);
            let at = e
                .payload()
                .get(..8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes);
            match (owner, at) {
                (Some(o), Some(addr)) => dev_warn!(
                    dev,
                    "{} client (RM client {:#x}): {} (Xid {}) at {:#x} on channel {} (object {:#x})\n",
                    o.kind.name(),
                    o.client,
                    what,
                    e.code,
                    addr,
                    e.data,
                    o.object
                ),
                (Some(o), None) => dev_warn!(
                    dev,
                    "{} client (RM client {:#x}): {} (Xid {}) on channel {} (object {:#x})\n",
                    o.kind.name(),
                    o.client,
                    what,
                    e.code,
                    e.data,
                    o.object
                ),
                (None, _) => dev_warn!(
                    dev,
                    "GSP-RM reports {} (Xid {}) on channel {}, which no client holds\n",
                    what,
                    e.code,
                    e.data
                ),
            }
        }
        EventKind::GspPrint => dev_dbg!(
            dev,
            "GSP-RM forwards {} bytes of log from ucode {:#x}\n",
            e.payload().len(),
            e.code
        ),
        EventKind::Notify | EventKind::Lockdown | EventKind::FaultQueued => {}
    }
}

fn function_name(f: u32) -> &'static str {
    Function::try_from(f).map_or("unknown", Function::name)
}

impl Rpc {
    /// A channel over freshly allocated queues of `dev`.
    pub(crate) fn new(dev: &device::Device<device::Bound>) -> impl PinInit<Self, Error> + '_ {
        try_pin_init!(Self {
            queues: Queues::new(dev)?,
            dev: dev.into(),
            tx <- new_mutex!(Tx { write: 0, seq_num: 0, sequence: 1 }),
            rx <- new_mutex!(Rx { read: 0, split: None, seq_num: None, buf: KVec::new() }),
            pending <- new_mutex!(Pending { waiters: KVec::new(), events: 0, sequencer: None }),
            wake <- new_condvar!(),
            events <- Dispatcher::new(),
            gate <- Gate::new(),
            recovery <- new_mutex!(None),
            lost_at <- new_mutex!(Instant::<Monotonic>::now()),
            generation: Atomic::new(0),
            lost: Atomic::new(0),
            running: Atomic::new(false),
            timeouts_in_a_row: Atomic::new(0),
            received: Atomic::new(0),
            stats: Arc::new(Stats::new(), GFP_KERNEL)?,
        })
    }

    /// Whether GSP-RM is gone: every call then fails at once with
    /// `ENODEV` instead of timing out.
    pub(crate) fn is_lost(&self) -> bool {
        self.lost.load(Relaxed) != 0
    }

    /// Records whether GSP-RM runs (between its init and its unload).
    pub(crate) fn set_running(&self, running: bool) {
        self.running.store(running, Relaxed);
    }

    /// The GSP falcon raised HALT: GSP-RM crashed if it was running and
    /// its core no longer is.
    pub(crate) fn gsp_halted(&self, bar: Bar0<'_>) {
        let gsp = crate::falcon::Falcon::<crate::falcon::gsp::Gsp>::new(&self.dev, bar);
        if self.running.load(Relaxed) && !gsp.riscv_active() {
            self.lose(Lost::Crashed, gsp.mailbox0());
        }
    }

    /// Marks GSP-RM gone (once per instance; said in one log line), fails
    /// every call in flight and starts the core's recovery if it has one.
    pub(crate) fn lose(&self, why: Lost, mailbox0: u32) {
        if self.lost.cmpxchg(0, why as u32, Relaxed).is_err() {
            return;
        }
        *self.lost_at.lock() = Instant::<Monotonic>::now();
        self.generation.fetch_add(1, Relaxed);
        self.stats.losses.fetch_add(1, Relaxed);
        let recovery = self.recovery.lock();
        let then = if recovery.is_some() {
            "resetting the GPU"
        } else {
            "the GPU is unusable until it is bound again"
        };
        match why {
            Lost::Crashed => dev_err!(
                self.dev,
                "GSP-RM crashed (its core halted, MAILBOX0 {:#x}): {}\n",
                mailbox0,
                then
            ),
            Lost::Hung => dev_err!(
                self.dev,
                "GSP-RM hung ({} calls in a row timed out): {}\n",
                HANG_TIMEOUTS,
                then
            ),
        }
        {
            let _guard = self.pending.lock();
            self.wake.notify_all();
        }
        // A loss during a recovery's own boot is that recovery's to handle.
        if let Some(trigger) = recovery.as_ref() {
            if self.gate.begin_recovery() {
                trigger.fire();
            }
        }
    }

    /// Installs (or, with `None`, removes) what a loss triggers; returns
    /// the previous one, to be dropped outside the lock.
    pub(crate) fn set_recovery(
        &self,
        trigger: Option<crate::recovery::Trigger>,
    ) -> Option<crate::recovery::Trigger> {
        core::mem::replace(&mut *self.recovery.lock(), trigger)
    }

    /// Whether a loss of GSP-RM is recovered from (not while booting at
    /// probe, unloading, or with recovery turned off).
    pub(crate) fn recovers(&self) -> bool {
        self.recovery.lock().is_some()
    }

    /// When GSP-RM was last found lost.
    pub(crate) fn lost_at(&self) -> Instant<Monotonic> {
        *self.lost_at.lock()
    }

    /// The current GSP-RM instance's number (see [`Self::lose`]).
    pub(crate) fn generation(&self) -> u32 {
        self.generation.load(Relaxed)
    }

    /// Empties both queues and forgets every call, event and sequence
    /// number of the lost GSP-RM, for the next one to boot on. Only the
    /// recovering task calls this, with the GSP stopped and no other call
    /// in flight ([`Gate::quiesce`]).
    pub(crate) fn reset(&self) -> Result {
        let mut tx = self.tx.lock();
        let mut rx = self.rx.lock();
        self.set_running(false);
        self.queues.reset()?;
        *tx = Tx {
            write: 0,
            seq_num: 0,
            sequence: 1,
        };
        rx.read = 0;
        rx.split = None;
        rx.seq_num = None;
        let mut pending = self.pending.lock();
        pending.waiters.clear();
        pending.events = 0;
        pending.sequencer = None;
        self.timeouts_in_a_row.store(0, Relaxed);
        self.lost.store(0, Relaxed);
        Ok(())
    }

    /// After a call timed out: GSP-RM crashed if its core halted; hung if
    /// calls keep timing out while it says nothing (`silent`: nothing
    /// arrived since the call was sent).
    fn judge_timeout(&self, bar: Bar0<'_>, silent: bool) {
        let gsp = crate::falcon::Falcon::<crate::falcon::gsp::Gsp>::new(&self.dev, bar);
        if !gsp.riscv_active() {
            self.lose(Lost::Crashed, gsp.mailbox0());
        } else if !silent {
            self.timeouts_in_a_row.store(0, Relaxed);
        } else if self.timeouts_in_a_row.fetch_add(1, Relaxed) + 1 >= HANG_TIMEOUTS {
            self.lose(Lost::Hung, gsp.mailbox0());
        }
    }

    /// The device the channel belongs to, for log lines.
    pub(crate) fn device(&self) -> &device::Device {
        &self.dev
    }

    /// Bus address of the shared queue region.
    pub(crate) fn queues_dma_address(&self) -> u64 {
        self.queues.dma_address()
    }

    /// Encodes and writes one command; returns its sequence number.
    /// Encodes one element and pushes it once the queue has room; rings
    /// the doorbell.
    fn push_element(
        &self,
        tx: &mut Tx,
        bar: Bar0<'_>,
        function: u32,
        sequence: u32,
        payload: &[u8],
    ) -> Result {
        let len = msgq::element_len(payload.len()).ok_or(E2BIG)?;
        let mut element = KVec::from_elem(0u8, len, GFP_KERNEL)?;
        let pages = len.div_ceil(crate::proto::gsp::queue::GSP_PAGE_SIZE) as u32;
        let start = Instant::<Monotonic>::now();
        while self.queues.cmd_space(tx.write)? < pages {
            if self.is_lost() {
                return Err(ENODEV);
            }
            if start.elapsed() > QUEUE_SPACE_TIMEOUT {
                dev_err!(
                    self.dev,
                    "GSP command queue full: GSP-RM does not consume commands\n"
                );
                return Err(EBUSY);
            }
            kernel::time::delay::fsleep(Delta::from_micros(100));
        }
        msgq::encode(
            &mut element,
            tx.seq_num,
            function,
            sequence,
            msgq::RPC_RESULT_PENDING,
            payload,
        )
        .ok_or(EINVAL)?;
        tx.write = self.queues.push(tx.write, &element)?;
        tx.seq_num = tx.seq_num.wrapping_add(1);
        bar.write_reg(NV_PGSP_QUEUE_HEAD::zeroed());
        Ok(())
    }

    /// Writes one command, split over continuation records if it does not
    /// fit one element (nouveau r535 `r535_gsp_rpc_push`); returns its
    /// sequence number. The waiter, if any, is registered before the first
    /// element is visible to GSP-RM.
    fn send(&self, bar: Bar0<'_>, function: u32, payload: &[u8], waiter: bool) -> Result<u32> {
        if self.is_lost() {
            return Err(ENODEV);
        }
        if payload.len() + msgq::RPC_HEADER_SIZE > msgq::MAX_RPC_LENGTH as usize {
            return Err(E2BIG);
        }
        let mut tx = self.tx.lock();
        // Lost while this waited for the lock: the queue is no one's.
        if self.is_lost() {
            return Err(ENODEV);
        }
        let sequence = tx.sequence;
        tx.sequence = tx.sequence.wrapping_add(1).max(1);
        if waiter {
            self.pending.lock().waiters.push(
                Waiter {
                    sequence,
                    function,
                    reply: None,
                },
                GFP_KERNEL,
            )?;
        }
        let (first, rest) = payload.split_at(payload.len().min(msgq::MAX_PAYLOAD));
        let sent = self
            .push_element(&mut tx, bar, function, sequence, first)
            .and_then(|()| {
                rest.chunks(msgq::MAX_PAYLOAD).try_for_each(|chunk| {
                    self.push_element(
                        &mut tx,
                        bar,
                        Function::ContinuationRecord as u32,
                        sequence,
                        chunk,
                    )
                })
            });
        drop(tx);
        if let Err(e) = sent {
            if waiter {
                let mut pending = self.pending.lock();
                if let Some(i) = pending.waiters.iter().position(|w| w.sequence == sequence) {
                    let _ = pending.waiters.remove(i);
                }
            }
            return Err(e);
        }
        Ok(sequence)
    }

    /// Sends a command that has no reply; `ENODEV` once GSP-RM is lost,
    /// `EAGAIN` while the core recovers it.
    pub(crate) fn send_no_wait(&self, bar: Bar0<'_>, function: Function, payload: &[u8]) -> Result {
        let _pass = self.gate.enter()?;
        self.send(bar, function as u32, payload, false).map(|_| ())
    }

    /// Calls `function` and waits for its reply.
    pub(crate) fn call(&self, bar: Bar0<'_>, function: Function, payload: &[u8]) -> Result<Reply> {
        let start = Instant::<Monotonic>::now();
        let _pass = self.gate.enter()?;
        if self.is_lost() {
            return Err(ENODEV);
        }
        let heard = self.received.load(Relaxed);
        let sequence = self.send(bar, function as u32, payload, true)?;
        let mut pending = self.pending.lock();
        loop {
            let idx = pending.waiters.iter().position(|w| w.sequence == sequence);
            let Some(idx) = idx else {
                return Err(EINVAL);
            };
            if pending.waiters[idx].reply.is_some() {
                let w = pending.waiters.remove(idx)?;
                let took = start.elapsed();
                self.timeouts_in_a_row.store(0, Relaxed);
                self.stats.calls.fetch_add(1, Relaxed);
                self.stats
                    .total_ns
                    .fetch_add(took.as_nanos() as u64, Relaxed);
                return w.reply.ok_or(EINVAL);
            }
            if self.is_lost() {
                pending.waiters.remove(idx)?;
                return Err(ENODEV);
            }
            let left = RPC_TIMEOUT - start.elapsed();
            if left <= Delta::ZERO {
                pending.waiters.remove(idx)?;
                drop(pending);
                self.stats.timeouts.fetch_add(1, Relaxed);
                dev_err!(
                    self.dev,
                    "GSP RPC {} (sequence {}) timed out after {} ms\n",
                    function.name(),
                    sequence,
                    RPC_TIMEOUT.as_millis()
                );
                self.judge_timeout(bar, self.received.load(Relaxed) == heard);
                return Err(ETIMEDOUT);
            }
            let jiffies = msecs_to_jiffies(left.as_millis().max(1) as u32);
            if let CondVarTimeoutResult::Signal { .. } =
                self.wake.wait_interruptible_timeout(&mut pending, jiffies)
            {
                if let Some(i) = pending.waiters.iter().position(|w| w.sequence == sequence) {
                    pending.waiters.remove(i)?;
                }
                return Err(ERESTARTSYS);
            }
        }
    }

    /// Waits until any event in `mask` arrived, or `timeout` passed;
    /// returns the events seen.
    pub(crate) fn wait_any(&self, mask: u32, timeout: Delta) -> Result<u32> {
        let start = Instant::<Monotonic>::now();
        let mut pending = self.pending.lock();
        while pending.events & mask == 0 {
            if self.is_lost() {
                return Err(ENODEV);
            }
            let left = timeout - start.elapsed();
            if left <= Delta::ZERO {
                return Err(ETIMEDOUT);
            }
            let jiffies = msecs_to_jiffies(left.as_millis().max(1) as u32);
            if let CondVarTimeoutResult::Signal { .. } =
                self.wake.wait_interruptible_timeout(&mut pending, jiffies)
            {
                return Err(ERESTARTSYS);
            }
        }
        Ok(pending.events & mask)
    }

    /// The sequencer program GSP-RM posted, if one is waiting; clears
    /// [`EVENT_SEQUENCER`].
    pub(crate) fn take_sequencer(&self) -> Option<KVec<u8>> {
        let mut pending = self.pending.lock();
        pending.events &= !EVENT_SEQUENCER;
        pending.sequencer.take()
    }

    /// Handles everything in the status queue. Called from the threaded
    /// interrupt handler.
    pub(crate) fn drain(&self) {
        let mut rx = self.rx.lock();
        let mut element = core::mem::take(&mut rx.buf);
        loop {
            let popped = self.queues.pop(rx.read, &mut element);
            if !matches!(popped, Ok(None)) {
                self.received.fetch_add(1, Relaxed);
            }
            match popped {
                Ok(None) => break,
                Ok(Some(next)) => {
                    rx.read = next;
                    match msgq::parse_element(&element) {
                        Ok((h, payload)) => {
                            let expected = rx.seq_num.unwrap_or(h.seq_num);
                            // Resynchronise on whatever arrived, so one bad
                            // number costs one message and one line.
                            rx.seq_num = Some(h.seq_num.wrapping_add(1));
                            if h.seq_num != expected {
                                self.stats.bad_messages.fetch_add(1, Relaxed);
                                dev_err!(
                                    self.dev,
                                    "GSP message out of order: sequence number {}, expected {}: dropped\n",
                                    h.seq_num,
                                    expected
                                );
                                continue;
                            }
                            self.assemble(&mut rx, h, payload)
                        }
                        Err(e) => {
                            // Its sequence number cannot be trusted either:
                            // take the next good message's.
                            rx.seq_num = None;
                            self.stats.bad_messages.fetch_add(1, Relaxed);
                            dev_err!(self.dev, "GSP sent a malformed message: {:?}\n", e);
                        }
                    }
                }
                Err((e, next)) => {
                    rx.read = next;
                    self.stats.bad_messages.fetch_add(1, Relaxed);
                    match e {
                        PopError::WritePointer(w) => {
                            dev_err!(
                                self.dev,
                                "GSP status queue write pointer {} is out of range\n",
                                w
                            );
                            break;
                        }
                        PopError::Element(pe) => {
                            rx.seq_num = None;
                            dev_err!(self.dev, "GSP sent a malformed message: {:?}\n", pe);
                        }
                        PopError::Kernel(ke) => {
                            dev_err!(self.dev, "cannot read the GSP status queue: {:?}\n", ke);
                            break;
                        }
                    }
                }
            }
        }
        rx.buf = element;
    }

    /// Passes whole messages on and reassembles split ones: the first
    /// element's `rpc.length` covers the whole message, CONTINUATION_RECORD
    /// elements carry the rest.
    fn assemble(&self, rx: &mut Rx, h: msgq::Header, payload: &[u8]) {
        if h.function == Function::ContinuationRecord as u32 {
            let Some((head, mut data, total)) = rx.split.take() else {
                self.stats.bad_messages.fetch_add(1, Relaxed);
                dev_err!(
                    self.dev,
                    "GSP sent a continuation record with no message to continue\n"
                );
                return;
            };
            if data.extend_from_slice(payload, GFP_KERNEL).is_err() {
                dev_err!(
                    self.dev,
                    "no memory to reassemble a {}-byte GSP message\n",
                    total
                );
                return;
            }
            if data.len() < total {
                rx.split = Some((head, data, total));
            } else {
                data.truncate(total);
                self.dispatch(head, &data);
            }
            return;
        }
        if rx.split.take().is_some() {
            self.stats.bad_messages.fetch_add(1, Relaxed);
            dev_err!(
                self.dev,
                "GSP interrupted a split message: the partial message is dropped\n"
            );
        }
        let total = (h.length as usize).saturating_sub(msgq::RPC_HEADER_SIZE);
        if total > payload.len() {
            let mut data = KVec::new();
            if data.extend_from_slice(payload, GFP_KERNEL).is_err() {
                dev_err!(
                    self.dev,
                    "no memory to reassemble a {}-byte GSP message\n",
                    total
                );
                return;
            }
            rx.split = Some((h, data, total));
            return;
        }
        self.dispatch(h, payload)
    }

    fn dispatch(&self, h: msgq::Header, payload: &[u8]) {
        let Ok(function) = Function::try_from(h.function) else {
            self.stats.bad_messages.fetch_add(1, Relaxed);
            dev_err!(
                self.dev,
                "GSP sent a message with unknown function {:#x}\n",
                h.function
            );
            return;
        };
        if function.is_event() {
            self.stats.events.fetch_add(1, Relaxed);
            let bit = match function {
                Function::GspInitDone => EVENT_INIT_DONE,
                Function::GspRunCpuSequencer => {
                    let mut copy = KVec::new();
                    if copy.extend_from_slice(payload, GFP_KERNEL).is_err() {
                        dev_err!(self.dev, "no memory for GSP-RM's sequencer program\n");
                        return;
                    }
                    self.pending.lock().sequencer = Some(copy);
                    EVENT_SEQUENCER
                }
                _ => {
                    match Event::decode(function, payload) {
                        Ok(Some(mut e)) => {
                            let owner = self.events.attribute(&mut e);
                            log_event(&self.dev, &e, owner);
                            self.events.post(&self.dev, &e)
                        }
                        Ok(None) => dev_dbg!(self.dev, "GSP event {} ignored\n", function.name()),
                        Err(_) => {
                            self.stats.bad_messages.fetch_add(1, Relaxed);
                            dev_err!(
                                self.dev,
                                "GSP sent a malformed {} event ({} bytes): dropped\n",
                                function.name(),
                                payload.len()
                            );
                        }
                    }
                    0
                }
            };
            if bit != 0 {
                self.pending.lock().events |= bit;
                self.wake.notify_all();
            }
            return;
        }
        let mut pending = self.pending.lock();
        let waiter = pending
            .waiters
            .iter_mut()
            .find(|w| w.sequence == h.sequence && w.function == h.function && w.reply.is_none());
        let Some(waiter) = waiter else {
            drop(pending);
            self.stats.unexpected.fetch_add(1, Relaxed);
            dev_err!(
                self.dev,
                "GSP sent an unexpected reply {} (sequence {}): late, duplicated or unknown\n",
                function_name(h.function),
                h.sequence
            );
            return;
        };
        let mut copy = KVec::new();
        if copy.extend_from_slice(payload, GFP_KERNEL).is_err() {
            waiter.reply = Some(Reply {
                status: status::NV_ERR_NO_MEMORY,
                payload: KVec::new(),
            });
        } else {
            waiter.reply = Some(Reply {
                status: h.rpc_result,
                payload: copy,
            });
        }
        drop(pending);
        self.wake.notify_all();
    }
}
