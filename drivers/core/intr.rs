// SPDX-License-Identifier: GPL-2.0

//! The GPU's interrupt: one MSI-X vector, which the CPU interrupt tree
//! (`cpu_intr.rs`) sends when the GSP's vector is pending. GSP signals
//! the host by raising its falcon's software interrupt 0 (SWGEN0), as
//! nouveau's r535 `gsp.c` handles it. The hard handler acknowledges the
//! vector in the tree, then SWGEN0, and reads the status (its one BAR
//! read, which also flushes the two writes); the threaded
//! handler drains GSP-RM's message queue and handles HALT, and is not
//! woken when a caller polling for its reply took every message already.
//!
//! The copy engines' non-stall vectors come on the same MSI-X vector:
//! the hard handler acknowledges them too (`events/nonstall.rs`), and the
//! thread has their watchers told on a work item.
//!
//! Until the core claims the GSP's vector (after GSP-RM told it which
//! one, `gsp/intr_table.rs`), the handler claims nothing; from then on
//! it claims every interrupt of its MSI-X vector, which nothing else
//! sends.

use kernel::{
    io::{
        register::WithBase,
        Io, //
    },
    irq::{
        self,
        IrqReturn,
        ThreadedIrqReturn, //
    },
    prelude::*,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
    time::Delta, //
};

use crate::{
    bar::Bar0,
    cpu_intr::IntrVector,
    falcon::{
        gsp::Gsp,
        NV_PFALCON_FALCON_IRQSCLR,
        NV_PFALCON_FALCON_IRQSTAT, //
    },
    gsp::transport::Rpc,
    poll::read_poll_timeout,
};

/// State shared between the interrupt handler and the rest of the core.
///
/// The handler only reads and acknowledges registers and counts; it never
/// sleeps.
pub(crate) struct GspInterrupt<'bound> {
    bar: Bar0<'bound>,
    rpc: &'bound Rpc,
    /// The hard handler saw HALT; the thread handles it.
    halt: Atomic<bool>,
    /// The hard handler saw a non-stall interrupt a watcher wants.
    nonstall: Atomic<bool>,
}

impl<'bound> GspInterrupt<'bound> {
    /// Handler state for the GPU behind `bar`, whose messages go to `rpc`.
    pub(crate) fn new(bar: Bar0<'bound>, rpc: &'bound Rpc) -> Self {
        Self {
            bar,
            rpc,
            halt: Atomic::new(false),
            nonstall: Atomic::new(false),
        }
    }
}

/// Signals the GSP's `vector` through the tree's trigger register and
/// waits for the handler: proves the path from the CPU interrupt tree to
/// this driver's MSI-X vector works before anything relies on it (the
/// GSP falcon's own path into the tree is proved by GSP-RM's next
/// message). Done at each boot of GSP-RM, once its vector is enabled.
///
/// # Errors
///
/// `ETIMEDOUT` if no interrupt arrives within [`crate::timeouts::IRQ_SELF_TEST`].
pub(crate) fn self_test(bar: Bar0<'_>, rpc: &Rpc, vector: IntrVector) -> Result<Delta> {
    signal_and_wait(bar, rpc, vector, Delta::from_micros(50))
}

/// As [`self_test`], spinning instead of sleeping between looks: the
/// time from one trapped write to the handler having run, the floor of
/// an RPC's reply path without GSP-RM's work (`make bench`).
///
/// # Errors
///
/// `ETIMEDOUT` as [`self_test`].
pub(crate) fn round_trip(bar: Bar0<'_>, rpc: &Rpc, vector: IntrVector) -> Result<Delta> {
    signal_and_wait(bar, rpc, vector, Delta::ZERO)
}

/// Triggers `vector` and waits, looking every `poll` (zero: spinning),
/// until the handler counted an interrupt.
fn signal_and_wait(bar: Bar0<'_>, rpc: &Rpc, vector: IntrVector, poll: Delta) -> Result<Delta> {
    let before = rpc.stats.interrupts.load(Relaxed);
    let start = kernel::time::Instant::<kernel::time::Monotonic>::now();
    vector.trigger(bar)?;
    read_poll_timeout(
        || Ok(rpc.stats.interrupts.load(Relaxed)),
        |&n| n != before,
        poll,
        crate::timeouts::IRQ_SELF_TEST,
    )?;
    Ok(start.elapsed())
}

impl irq::ThreadedHandler for GspInterrupt<'_> {
    fn handle(&self) -> ThreadedIrqReturn {
        // Acknowledge the vector in the tree first, then SWGEN0: a message
        // posted after the SWGEN0 clear raises it anew, which signals the
        // vector again. Reading the status flushes both writes to the
        // device, so every message posted before the clear (including
        // one between the two writes, which raised nothing new) is in the
        // queue when the handler looks at it below. HALT stays set for
        // the threaded handler.
        let Some(vector) = self.rpc.interrupt_vector() else {
            return ThreadedIrqReturn::None;
        };
        // The vectors share the message: their subtrees are unarmed while
        // they are acknowledged and armed again at the end, so one
        // signalled meanwhile sends it anew (`cpu_intr::rearm`).
        let subtrees = crate::cpu_intr::subtrees_of(vector) | self.rpc.events.nonstall.subtrees();
        crate::cpu_intr::unarm(self.bar, subtrees);
        // Every vector the core enabled is acknowledged without reading
        // the leaves (a BAR read costs more than the whole handler's
        // writes); each cause is then looked for where it leaves its
        // trace: GSP-RM's queue, the channels' semaphores.
        vector.ack(self.bar);
        let nonstall = self.rpc.events.nonstall.ack(self.bar);
        if nonstall {
            self.nonstall.store(true, Relaxed);
            self.rpc.stats.nonstall_interrupts.fetch_add(1, Relaxed);
        }
        self.bar.write(
            WithBase::of::<Gsp>(),
            NV_PFALCON_FALCON_IRQSCLR::zeroed().with_swgen0(true),
        );
        let status = self.bar.read(NV_PFALCON_FALCON_IRQSTAT::of::<Gsp>());
        if status.halt() {
            self.halt.store(true, Relaxed);
        }
        crate::cpu_intr::rearm(self.bar, subtrees);
        self.rpc.stats.interrupts.fetch_add(1, Relaxed);
        // A caller polling for its reply may have taken every message
        // already (`Rpc::poll`): then there is nothing for the thread.
        if status.halt() || self.rpc.has_unread() || nonstall {
            ThreadedIrqReturn::WakeThread
        } else {
            self.rpc.stats.idle_interrupts.fetch_add(1, Relaxed);
            ThreadedIrqReturn::Handled
        }
    }

    fn handle_threaded(&self) -> IrqReturn {
        self.rpc.drain();
        if self.nonstall.xchg(false, Relaxed) {
            self.rpc.events.nonstall_notify();
        }
        if self.halt.xchg(false, Relaxed) {
            self.bar.write(
                WithBase::of::<Gsp>(),
                NV_PFALCON_FALCON_IRQSCLR::zeroed().with_halt(true),
            );
            // The vector was acknowledged while HALT stayed latched:
            // whatever is still set signals again (nouveau `r535_gsp_intr`).
            crate::falcon::gsp::retrigger_intr(self.bar);
            self.rpc.gsp_halted(self.bar);
        }
        IrqReturn::Handled
    }
}
