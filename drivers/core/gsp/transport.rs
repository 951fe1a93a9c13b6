// SPDX-License-Identifier: GPL-2.0

//! Remote procedure calls to GSP-RM over the shared queues.
//!
//! A caller registers a waiter for a fresh sequence number, writes its
//! command under the send lock only and rings the doorbell after it
//! (commands pushed meanwhile by other callers share the ring). A caller
//! alone in flight then polls the status queue for its reply for a short
//! while, draining it itself; otherwise, or if the reply is slower, it
//! sleeps until the threaded interrupt handler drains the queue. Before
//! the core enabled the GSP's interrupt vector (GSP-RM's boot, until its
//! interrupt table is read), nothing interrupts: a waiter then wakes every
//! jiffy and drains the queue itself. Either
//! drains under the receive lock: each element is checked (`queues.rs`),
//! whole messages are put
//! together (`reassembly.rs`) and sent where the routing table says
//! (`routing.rs`): a reply to the waiter whose sequence and function match,
//! an event to the core or to the clients' subscriptions. Several callers
//! can therefore be in flight at once; no lock is held from send to reply.
//!
//! Everything GSP-RM sends is checked before use (checksum, lengths, element
//! count, function); a reply nobody waits for (late, duplicated, unknown)
//! is dropped with one log line. Whether GSP-RM may be called at all, and
//! what a timeout means, is GSP-RM's health (`health.rs`).

use kernel::{
    device,
    io::Io,
    new_condvar, new_mutex,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            Acquire,
            Atomic,
            Relaxed,
            Release, //
        },
        Arc,
        CondVar,
        CondVarTimeoutResult,
        Mutex,
        MutexGuard, //
    },
    time::{
        msecs_to_jiffies,
        Delta,
        Instant,
        Jiffies,
        Monotonic, //
    },
};

use kernel::num::casts::u32_as_usize;

mod doorbell;
mod poll;

use super::{
    health::{
        Health,
        Loss,
        Next,
        HANG_TIMEOUTS, //
    },
    queues::{
        PopError,
        Queues, //
    },
    reassembly::{
        Message,
        Problem,
        Reassembly, //
    },
    routing::{
        self,
        CoreEvent,
        Route, //
    },
    stats::Stats,
    waiters::{
        Reply,
        Waiters, //
    },
};
use crate::{
    bar::Bar0,
    cpu_intr::IntrVector,
    events::Dispatcher,
    falcon::{
        gsp::Gsp as GspEngine,
        Falcon, //
    },
    gsp::regs::NV_PGSP_QUEUE_HEAD,
    proto::gsp::{
        calls::{
            Call,
            Command, //
        },
        function::Function,
        msgq,
        status, //
    },
    timeouts,
};

/// [`Rpc::vector`] while no interrupt vector is enabled.
const NO_VECTOR: u32 = u32::MAX;

/// How long a waiter sleeps between draining the status queue itself
/// while no interrupt vector is enabled (GSP-RM's boot, before the core
/// has its interrupt table): one jiffy.
const SELF_DRAIN_JIFFIES: Jiffies = 1;

/// How many jiffies a waiter sleeps with `left` to go: all of it when an
/// interrupt wakes it, [`SELF_DRAIN_JIFFIES`] when it must drain itself.
fn wait_jiffies(left: Delta, draining: bool) -> Jiffies {
    let all = msecs_to_jiffies(u32::try_from(left.as_millis().max(1)).unwrap_or(u32::MAX));
    if draining {
        all.min(SELF_DRAIN_JIFFIES)
    } else {
        all
    }
}

/// Events the driver waits for, as bits of [`Pending::events`].
pub(crate) const EVENT_INIT_DONE: u32 = 1 << 0;
/// GSP-RM asked the CPU to run a sequencer program ([`Rpc::take_sequencer`]).
pub(crate) const EVENT_SEQUENCER: u32 = 1 << 1;

struct Pending {
    waiters: Waiters,
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
    reassembly: Reassembly,
    /// The element being handled, kept from drain to drain.
    buf: KVec<u8>,
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
    /// Wakes who waits for GSP-RM's boot events ([`Self::wait_any`]).
    #[pin]
    wake: CondVar,
    /// Where the events clients may subscribe to go.
    #[pin]
    pub(crate) events: Dispatcher,
    /// GSP-RM's health: who may call, and what a loss sets off.
    #[pin]
    pub(crate) health: Health,
    /// Elements taken from the status queue, well-formed or not: whether
    /// GSP-RM said anything at all.
    received: Atomic<u64>,
    /// A copy of the receive read pointer, for the interrupt handler
    /// ([`Self::has_unread`]), which cannot take the receive lock.
    read_copy: Atomic<u32>,
    /// Doorbell rings asked for and not yet done ([`Self::ring`]).
    rings: Atomic<u32>,
    /// The GSP's vector in the CPU interrupt tree once the core enabled
    /// it ([`NO_VECTOR`] before): until then nothing interrupts the core,
    /// and whoever waits for GSP-RM drains the status queue itself.
    vector: Atomic<u32>,
    /// Counters, shared with debugfs.
    pub(crate) stats: Arc<Stats>,
}

impl Rpc {
    /// A channel over freshly allocated queues of `dev`.
    pub(crate) fn new(dev: &device::Device<device::Bound>) -> impl PinInit<Self, Error> + '_ {
        try_pin_init!(Self {
            queues: Queues::new(dev)?,
            dev: dev.into(),
            tx <- new_mutex!(Tx { write: 0, seq_num: 0, sequence: 1 }),
            rx <- new_mutex!(Rx { read: 0, reassembly: Reassembly::default(), buf: KVec::new() }),
            pending <- new_mutex!(Pending { waiters: Waiters::default(), events: 0, sequencer: None }),
            wake <- new_condvar!(),
            events <- Dispatcher::new(),
            health <- Health::new(),
            received: Atomic::new(0),
            read_copy: Atomic::new(0),
            rings: Atomic::new(0),
            vector: Atomic::new(NO_VECTOR),
            stats: Arc::new(Stats::new(), GFP_KERNEL)?,
        })
    }

    /// Whether GSP-RM is gone: every call then fails at once with
    /// `ENODEV` instead of timing out.
    pub(crate) fn is_lost(&self) -> bool {
        self.health.is_lost()
    }

    /// The GSP's vector in the CPU interrupt tree, if the core enabled it.
    pub(crate) fn interrupt_vector(&self) -> Option<IntrVector> {
        IntrVector::new(self.vector.load(Acquire))
    }

    /// Records that the GSP's interrupt `vector` is enabled (`None`: that
    /// none is, and waiters drain the status queue themselves).
    pub(crate) fn set_interrupt_vector(&self, vector: Option<IntrVector>) {
        self.vector
            .store(vector.map_or(NO_VECTOR, IntrVector::raw), Release);
    }

    /// Whether waiters must drain the status queue themselves: no
    /// interrupt would wake them.
    fn self_draining(&self) -> bool {
        self.interrupt_vector().is_none()
    }

    /// Elements received from GSP-RM so far (any: it is not silent).
    pub(crate) fn received(&self) -> u64 {
        self.received.load(Relaxed)
    }

    /// The GSP falcon raised HALT: GSP-RM crashed if it was running and
    /// its core no longer is.
    pub(crate) fn gsp_halted(&self, bar: Bar0<'_>) {
        let gsp = Falcon::<GspEngine>::new(&self.dev, bar);
        if !gsp.riscv_active() {
            if let Some(next) = self.health.halted() {
                self.report_loss(Loss::Crashed, gsp.mailbox0(), next);
            }
        }
    }

    /// Marks GSP-RM lost ([`Health::lose`]), says so once, and fails
    /// every call in flight.
    pub(crate) fn lose(&self, why: Loss, mailbox0: u32) {
        if let Some(next) = self.health.lose(why) {
            self.report_loss(why, mailbox0, next);
        }
    }

    /// Says once that GSP-RM was lost and what follows; wakes every call.
    fn report_loss(&self, why: Loss, mailbox0: u32, next: Next) {
        self.stats.losses.fetch_add(1, Relaxed);
        match why {
            Loss::Crashed => dev_err!(
                self.dev,
                "GSP-RM crashed (its core halted, MAILBOX0 {:#x}): {}\n",
                mailbox0,
                next.says()
            ),
            Loss::Hung => dev_err!(
                self.dev,
                "GSP-RM hung ({} calls in a row timed out): {}\n",
                HANG_TIMEOUTS,
                next.says()
            ),
        }
        let pending = self.pending.lock();
        pending.waiters.wake_all();
        self.wake.notify_all();
    }

    /// Empties both queues and forgets every call, event and sequence
    /// number of the lost GSP-RM, for the next one to boot on. Only the
    /// recovering task calls this, with the GSP stopped and no other call
    /// in flight ([`Health::quiesce`]).
    ///
    /// # Errors
    ///
    /// What clearing the queue memory returned (logged).
    pub(crate) fn reset(&self) -> Result {
        let mut tx = self.tx.lock();
        let mut rx = self.rx.lock();
        self.queues
            .reset()
            .inspect_err(|e| dev_err!(self.dev, "cannot clear the GSP queues: {:?}\n", e))?;
        *tx = Tx {
            write: 0,
            seq_num: 0,
            sequence: 1,
        };
        rx.read = 0;
        self.read_copy.store(0, Release);
        rx.reassembly.reset();
        let mut pending = self.pending.lock();
        pending.waiters.clear();
        pending.events = 0;
        pending.sequencer = None;
        self.set_interrupt_vector(None);
        self.health.rebooting();
        Ok(())
    }

    /// After a call timed out: GSP-RM crashed if its core halted; hung if
    /// calls keep timing out while it says nothing (`silent`: nothing
    /// arrived since the call was sent).
    fn judge_timeout(&self, bar: Bar0<'_>, silent: bool) {
        let gsp = Falcon::<GspEngine>::new(&self.dev, bar);
        if !gsp.riscv_active() {
            self.lose(Loss::Crashed, gsp.mailbox0());
        } else if self.health.timed_out(silent) {
            self.lose(Loss::Hung, gsp.mailbox0());
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

    /// Encodes one element and pushes it once the queue has room (ringing
    /// the doorbell while it waits, so GSP-RM takes what is queued).
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
        let pages = u32::try_from(len.div_ceil(crate::proto::gsp::queue::GSP_PAGE_SIZE))?;
        let start = Instant::<Monotonic>::now();
        while self.queues.cmd_space(tx.write)? < pages {
            bar.write_reg(NV_PGSP_QUEUE_HEAD::zeroed());
            if self.is_lost() {
                return Err(ENODEV);
            }
            if start.elapsed() > timeouts::QUEUE_SPACE {
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
        Ok(())
    }

    /// Writes one command, split over continuation records if it does not
    /// fit one element (nouveau r535 `r535_gsp_rpc_push`); returns its
    /// sequence number and whether its waiter, if any, is the only call in
    /// flight. The waiter is registered before the first element is
    /// visible to GSP-RM.
    fn send(
        &self,
        bar: Bar0<'_>,
        function: u32,
        payload: &[u8],
        waiter: Option<Arc<CondVar>>,
    ) -> Result<(u32, bool)> {
        if self.is_lost() {
            return Err(ENODEV);
        }
        if payload.len() + msgq::RPC_HEADER_SIZE > u32_as_usize(msgq::MAX_RPC_LENGTH) {
            return Err(E2BIG);
        }
        let mut tx = self.tx.lock();
        // Lost while this waited for the lock: the queue is no one's.
        if self.is_lost() {
            return Err(ENODEV);
        }
        let sequence = tx.sequence;
        tx.sequence = tx.sequence.wrapping_add(1).max(1);
        let waits = waiter.is_some();
        let mut alone = false;
        if let Some(wake) = waiter {
            let mut pending = self.pending.lock();
            pending.waiters.add(sequence, function, wake)?;
            alone = pending.waiters.len() == 1;
        }
        let (first, rest) = payload.split_at(payload.len().min(msgq::MAX_PAYLOAD));
        let sent = self
            .push_element(&mut tx, bar, function, sequence, first)
            .and_then(|()| {
                rest.chunks(msgq::MAX_PAYLOAD).try_for_each(|chunk| {
                    self.push_element(
                        &mut tx,
                        bar,
                        u32::from(Function::ContinuationRecord),
                        sequence,
                        chunk,
                    )
                })
            });
        drop(tx);
        if let Err(e) = sent {
            if waits {
                self.pending.lock().waiters.remove(sequence);
            }
            return Err(e);
        }
        self.ring(bar);
        Ok((sequence, alone))
    }

    /// Sends command `F`, which GSP-RM does not answer, with `payload`.
    ///
    /// # Errors
    ///
    /// `ENODEV` once GSP-RM is lost, `EAGAIN` while the core recovers it,
    /// `EBUSY` if the command queue stays full.
    pub(crate) fn send_no_wait<F: Command>(&self, bar: Bar0<'_>, payload: &[u8]) -> Result {
        let _pass = self.health.enter()?;
        self.send(bar, u32::from(F::FUNCTION), payload, None)
            .map(|_| ())
    }

    /// Calls `F` with `payload` and waits for its reply.
    ///
    /// # Errors
    ///
    /// As [`Self::send_no_wait`]; `ETIMEDOUT` if no reply came within
    /// [`timeouts::RPC`]. A signal does not end the wait: GSP-RM carries
    /// out a call once sent, and the caller must know how it ended (an
    /// object made, memory GSP-RM still writes to) before it goes on.
    pub(crate) fn call<F: Call>(&self, bar: Bar0<'_>, payload: &[u8]) -> Result<Reply> {
        let function = F::FUNCTION;
        let start = Instant::<Monotonic>::now();
        let _pass = self.health.enter()?;
        if self.is_lost() {
            return Err(ENODEV);
        }
        let heard = self.received.load(Relaxed);
        let wake = Arc::pin_init(
            new_condvar!("nvgsp_core::gsp::waiters::Waiter::wake"),
            GFP_KERNEL,
        )?;
        let (sequence, alone) = self.send(bar, u32::from(function), payload, Some(wake.clone()))?;
        let sent = start.elapsed();
        // With other calls in flight the interrupt brings several replies
        // at once, and a spinning vCPU would only slow the other callers.
        if alone {
            self.poll(sequence);
        }
        let mut pending = self.pending.lock();
        loop {
            if let Some(reply) = pending.waiters.take(sequence) {
                drop(pending);
                let took = start.elapsed();
                self.health.answered();
                self.stats.calls.fetch_add(1, Relaxed);
                self.stats
                    .total_ns
                    .fetch_add(u64::try_from(took.as_nanos()).unwrap_or(0), Relaxed);
                self.stats
                    .send_ns
                    .fetch_add(u64::try_from(sent.as_nanos()).unwrap_or(0), Relaxed);
                return Ok(reply);
            }
            if !pending.waiters.has(sequence) {
                // Forgotten by a reset: GSP-RM went away meanwhile.
                return Err(ENODEV);
            }
            if self.is_lost() {
                pending.waiters.remove(sequence);
                return Err(ENODEV);
            }
            let left = timeouts::RPC - start.elapsed();
            if left <= Delta::ZERO {
                pending.waiters.remove(sequence);
                drop(pending);
                self.stats.timeouts.fetch_add(1, Relaxed);
                dev_err!(
                    self.dev,
                    "GSP RPC {} (sequence {}) timed out after {} ms\n",
                    function.name(),
                    sequence,
                    timeouts::RPC.as_millis()
                );
                self.judge_timeout(bar, self.received.load(Relaxed) == heard);
                return Err(ETIMEDOUT);
            }
            pending = self.sleep(&wake, pending, left);
        }
    }

    /// Waits until any event in `mask` arrived, or `timeout` passed;
    /// returns the events seen.
    ///
    /// # Errors
    ///
    /// `ENODEV` if GSP-RM is lost meanwhile, `ETIMEDOUT`.
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
            pending = self.sleep(&self.wake, pending, left);
        }
        Ok(pending.events & mask)
    }

    /// Sleeps on `cv` with `pending` released, for up to `left`: all of it
    /// when an interrupt wakes the waiters, one jiffy while none is enabled,
    /// after which the status queue is drained here. Returns the lock
    /// again.
    ///
    /// A signal does not cut the wait short for the caller (see
    /// [`Self::call`]). A pending signal ends every interruptible sleep at
    /// once, so the caller then naps [`timeouts::RPC_SIGNALLED_NAP`] at a time
    /// (uninterruptibly) between looks, rather than spin.
    fn sleep<'a>(
        &'a self,
        cv: &CondVar,
        mut pending: MutexGuard<'a, Pending>,
        left: Delta,
    ) -> MutexGuard<'a, Pending> {
        let draining = self.self_draining();
        let signalled = matches!(
            cv.wait_interruptible_timeout(&mut pending, wait_jiffies(left, draining)),
            CondVarTimeoutResult::Signal { .. }
        );
        if draining || signalled {
            drop(pending);
            if signalled {
                kernel::time::delay::fsleep(timeouts::RPC_SIGNALLED_NAP);
            }
            if draining {
                self.drain();
            }
            pending = self.pending.lock();
        }
        pending
    }

    /// The sequencer program GSP-RM posted, if one is waiting; clears
    /// [`EVENT_SEQUENCER`].
    pub(crate) fn take_sequencer(&self) -> Option<KVec<u8>> {
        let mut pending = self.pending.lock();
        pending.events &= !EVENT_SEQUENCER;
        pending.sequencer.take()
    }

    /// Counts and logs a message GSP-RM got wrong.
    fn bad(&self, what: kernel::fmt::Arguments<'_>) {
        self.stats.bad_messages.fetch_add(1, Relaxed);
        dev_err!(self.dev, "{}\n", what);
    }

    /// Handles everything in the status queue. Called from the threaded
    /// interrupt handler, and by waiters while no interrupt is enabled.
    pub(crate) fn drain(&self) {
        let mut rx = self.rx.lock();
        self.drain_locked(&mut rx);
    }

    /// [`Self::drain`] with the receive lock held.
    fn drain_locked(&self, rx: &mut Rx) {
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
                    self.read_copy.store(next, Release);
                    match msgq::parse_element(&element) {
                        Ok((h, payload)) => {
                            let step = rx.reassembly.push(h, payload);
                            step.problems().for_each(|p| self.report(p));
                            if let Some(m) = step.message {
                                self.dispatch(&m);
                            }
                        }
                        Err(e) => {
                            rx.reassembly.malformed();
                            self.bad(format_args!("GSP sent a malformed message: {:?}", e));
                        }
                    }
                }
                Err((e, next)) => {
                    rx.read = next;
                    match e {
                        PopError::WritePointer(w) => {
                            self.bad(format_args!(
                                "GSP status queue write pointer {} is out of range",
                                w
                            ));
                            break;
                        }
                        PopError::Element(pe) => {
                            rx.reassembly.malformed();
                            self.bad(format_args!("GSP sent a malformed message: {:?}", pe));
                        }
                        PopError::Kernel(ke) => {
                            self.stats.bad_messages.fetch_add(1, Relaxed);
                            dev_err!(self.dev, "cannot read the GSP status queue: {:?}\n", ke);
                            break;
                        }
                    }
                }
            }
        }
        self.read_copy.store(rx.read, Release);
        rx.buf = element;
    }

    /// Logs what reassembly found wrong.
    fn report(&self, p: Problem) {
        match p {
            Problem::OutOfOrder { got, expected } => self.bad(format_args!(
                "GSP message out of order: sequence number {}, expected {}: dropped",
                got, expected
            )),
            Problem::Orphan => self.bad(format_args!(
                "GSP sent a continuation record with no message to continue"
            )),
            Problem::Interrupted => self.bad(format_args!(
                "GSP interrupted a split message: the partial message is dropped"
            )),
            Problem::NoMemory(total) => dev_err!(
                self.dev,
                "no memory to reassemble a {}-byte GSP message\n",
                total
            ),
        }
    }

    /// Sends a whole message where the routing table says.
    fn dispatch(&self, m: &Message<'_>) {
        let h = m.header();
        let payload = m.payload();
        let Ok(function) = Function::try_from(h.function) else {
            self.bad(format_args!(
                "GSP sent a message with unknown function {:#x}",
                h.function
            ));
            return;
        };
        let route = routing::route(function);
        if route != Route::Reply {
            self.stats.events.fetch_add(1, Relaxed);
        }
        let bit = match route {
            Route::Reply => return self.complete(h, function, payload),
            Route::Core(CoreEvent::InitDone) => EVENT_INIT_DONE,
            Route::Core(CoreEvent::Sequencer) => {
                let mut copy = KVec::new();
                if copy.extend_from_slice(payload, GFP_KERNEL).is_err() {
                    dev_err!(self.dev, "no memory for GSP-RM's sequencer program\n");
                    return;
                }
                self.pending.lock().sequencer = Some(copy);
                EVENT_SEQUENCER
            }
            Route::Clients => {
                if routing::deliver(&self.dev, &self.events, function, payload).is_err() {
                    self.bad(format_args!(
                        "GSP sent a malformed {} event ({} bytes): dropped",
                        function.name(),
                        payload.len()
                    ));
                }
                0
            }
            Route::Ignored => {
                dev_dbg!(self.dev, "GSP event {} ignored\n", function.name());
                0
            }
        };
        if bit != 0 {
            self.pending.lock().events |= bit;
            self.wake.notify_all();
        }
    }

    /// Hands a reply to its waiter.
    fn complete(&self, h: &msgq::Header, function: Function, payload: &[u8]) {
        let mut copy = KVec::new();
        let reply = if copy.extend_from_slice(payload, GFP_KERNEL).is_err() {
            Reply {
                status: status::NV_ERR_NO_MEMORY,
                payload: KVec::new(),
            }
        } else {
            Reply {
                status: h.rpc_result,
                payload: copy,
            }
        };
        // The waiter is woken under the lock (`Waiters::complete`).
        let done = self
            .pending
            .lock()
            .waiters
            .complete(h.sequence, h.function, reply);
        if done.is_err() {
            self.stats.unexpected.fetch_add(1, Relaxed);
            dev_err!(
                self.dev,
                "GSP sent an unexpected reply {} (sequence {}): late, duplicated or unknown\n",
                function.name(),
                h.sequence
            );
        }
    }
}
