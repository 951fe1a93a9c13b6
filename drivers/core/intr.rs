// SPDX-License-Identifier: GPL-2.0

//! The GPU's interrupt: one MSI-X vector, on which GSP signals the host by
//! raising its falcon's software interrupt 0 (SWGEN0), as nouveau's r535
//! `gsp.c` handles it. The hard handler acknowledges SWGEN0; the threaded
//! handler drains GSP-RM's message queue.

use kernel::{
    io::{
        poll::read_poll_timeout,
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
};

/// State shared between the interrupt handler and the rest of the core.
///
/// The handler only reads and acknowledges registers and counts; it never
/// sleeps.
pub(crate) struct GspInterrupt<'bound> {
    bar: Bar0<'bound>,
    rpc: &'bound Rpc,
    swgen0: Atomic<u32>,
}

impl<'bound> GspInterrupt<'bound> {
    /// Handler state for the GPU behind `bar`, whose messages go to `rpc`.
    pub(crate) fn new(bar: Bar0<'bound>, rpc: &'bound Rpc) -> Self {
        Self {
            bar,
            rpc,
            swgen0: Atomic::new(0),
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
        // The MSI-X vector is the GSP's alone and SWGEN0 is the only source
        // routed to it, so the status need not be read: one MMIO write per
        // interrupt, the least an RPC can cost beyond its doorbell.
        // Acknowledge before draining: a message posted after this raises
        // SWGEN0 again, so none is left behind.
        self.bar.write(
            WithBase::of::<Gsp>(),
            NV_PFALCON_FALCON_IRQSCLR::zeroed().with_swgen0(true),
        );
        self.swgen0.fetch_add(1, Relaxed);
        ThreadedIrqReturn::WakeThread
    }

    fn handle_threaded(&self) -> IrqReturn {
        self.rpc.drain();
        // The vector is masked while this runs (ONESHOT), so reading the
        // status here costs one read per batch of messages, not per RPC.
        if self.bar.read(NV_PFALCON_FALCON_IRQSTAT::of::<Gsp>()).halt() {
            self.bar.write(
                WithBase::of::<Gsp>(),
                NV_PFALCON_FALCON_IRQSCLR::zeroed().with_halt(true),
            );
            self.rpc.gsp_halted(self.bar);
        }
        IrqReturn::Handled
    }
}
