// SPDX-License-Identifier: GPL-2.0

//! The GPU's interrupt: one MSI-X vector, on which GSP signals the host by
//! raising its falcon's software interrupt 0 (SWGEN0), as nouveau's r535
//! `gsp.c` handles it. The hard handler reads the status and acknowledges
//! SWGEN0; the threaded handler drains GSP-RM's message queue and handles
//! HALT, and is not woken when a caller polling for its reply took every
//! message already.

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
    falcon::{
        gsp::Gsp,
        NV_PFALCON_FALCON_IRQSCLR,
        NV_PFALCON_FALCON_IRQSSET,
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
    swgen0: Atomic<u32>,
    /// The hard handler saw HALT; the thread handles it.
    halt: Atomic<bool>,
}

impl<'bound> GspInterrupt<'bound> {
    /// Handler state for the GPU behind `bar`, whose messages go to `rpc`.
    pub(crate) fn new(bar: Bar0<'bound>, rpc: &'bound Rpc) -> Self {
        Self {
            bar,
            rpc,
            swgen0: Atomic::new(0),
            halt: Atomic::new(false),
        }
    }

    /// Number of GSP software interrupts handled so far.
    pub(crate) fn count(&self) -> u32 {
        self.swgen0.load(Relaxed)
    }

    /// Routes SWGEN0 to the host, raises it and waits for the handler: proves
    /// the MSI-X path from GSP to this driver works before anything relies
    /// on it.
    ///
    /// # Errors
    ///
    /// `ETIMEDOUT` if no interrupt arrives within [`crate::timeouts::IRQ_SELF_TEST`].
    pub(crate) fn self_test(&self) -> Result<Delta> {
        let before = self.count();
        crate::falcon::gsp::route_swgen0(self.bar);
        let start = kernel::time::Instant::<kernel::time::Monotonic>::now();
        self.bar.write(
            WithBase::of::<Gsp>(),
            NV_PFALCON_FALCON_IRQSSET::zeroed().with_swgen0(true),
        );
        read_poll_timeout(
            || Ok(self.count()),
            |&n| n != before,
            Delta::from_micros(50),
            crate::timeouts::IRQ_SELF_TEST,
        )?;
        Ok(start.elapsed())
    }
}

impl irq::ThreadedHandler for GspInterrupt<'_> {
    fn handle(&self) -> ThreadedIrqReturn {
        // Acknowledge before draining: a message posted after this raises
        // SWGEN0 again, so none is left behind. Reading the status after
        // the write flushes it to the device, so every message published
        // before the acknowledgement is in the queue when the handler
        // looks at it below. HALT stays set for the threaded handler.
        self.bar.write(
            WithBase::of::<Gsp>(),
            NV_PFALCON_FALCON_IRQSCLR::zeroed().with_swgen0(true),
        );
        let status = self.bar.read(NV_PFALCON_FALCON_IRQSTAT::of::<Gsp>());
        self.swgen0.fetch_add(1, Relaxed);
        if status.halt() {
            self.halt.store(true, Relaxed);
        }
        self.rpc.stats.interrupts.fetch_add(1, Relaxed);
        // A caller polling for its reply may have taken every message
        // already (`Rpc::poll`): then there is nothing for the thread.
        if status.halt() || self.rpc.has_unread() {
            ThreadedIrqReturn::WakeThread
        } else {
            self.rpc.stats.idle_interrupts.fetch_add(1, Relaxed);
            ThreadedIrqReturn::Handled
        }
    }

    fn handle_threaded(&self) -> IrqReturn {
        self.rpc.drain();
        if self.halt.xchg(false, Relaxed) {
            self.bar.write(
                WithBase::of::<Gsp>(),
                NV_PFALCON_FALCON_IRQSCLR::zeroed().with_halt(true),
            );
            self.rpc.gsp_halted(self.bar);
        }
        IrqReturn::Handled
    }
}
