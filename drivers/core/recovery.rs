// SPDX-License-Identifier: GPL-2.0

//! Recovery from a lost GSP-RM (crashed or hung, as `gsp/transport.rs`
//! detects it and `gsp/health.rs` records it): the core tells every client to prepare, resets the GPU, boots
//! GSP-RM again, re-creates each open RM namespace under the same handles
//! (with its notifier event objects and their notification), and tells the
//! clients it is done so they rebuild what they had in GSP-RM. While this
//! runs, calls fail with `EAGAIN` (`gsp/health.rs`), except that a client
//! opening its GPU handle waits for the end. Clients whose rebuild
//! fails are unbound; if GSP-RM cannot be booted again, every client is
//! unbound and calls fail with `ENODEV` until the GPU is bound again.
//!
//! The reset is a reset of the PCI function (the kernel picks the method
//! the function offers); where there is none, the GSP falcon is reset, and
//! WPR2, if left, is removed by FWSEC-SB and booter_unload as at unbind.
//! Either leaves the GPU as GSP-RM's first boot found it.

use kernel::{
    bindings, device,
    error::to_result,
    pci,
    prelude::*,
    sync::Arc,
    workqueue::{
        impl_has_work,
        new_work,
        Work,
        WorkItem, //
    },
};

use crate::{
    falcon::{
        gsp::Gsp as GspEngine,
        Falcon, //
    },
    gsp::{health::LossHandler, regs},
    kernel_gaps::{
        BoundRef,
        OwnedQueue, //
    },
    proto::partition::KINDS,
    services::{
        Services,
        ServicesLt, //
    },
    timeouts,
};

/// Boots of GSP-RM tried before the GPU is given up (it may crash again
/// while booting).
const ATTEMPTS: u32 = 3;

/// The recovery's work item.
#[pin_data]
pub(crate) struct RecoveryWork {
    #[pin]
    work: Work<RecoveryWork>,
    services: BoundRef<ServicesLt>,
}

impl_has_work! {
    impl HasWork<Self> for RecoveryWork { self.work }
}

impl WorkItem for RecoveryWork {
    type Pointer = Arc<RecoveryWork>;

    fn run(this: Arc<RecoveryWork>) {
        this.services.get().recover();
    }
}

/// What a lost GSP-RM fires: the recovery, on a workqueue of its own.
/// Dropping it waits for a recovery in progress.
pub(crate) struct Trigger {
    work: Arc<RecoveryWork>,
    wq: OwnedQueue,
}

impl Trigger {
    /// A trigger for the recovery of `services`.
    ///
    /// # Safety
    ///
    /// The trigger must be dropped before `services` are.
    pub(crate) unsafe fn new(services: &Services<'_>) -> Result<Self> {
        // SAFETY: the trigger, and with it its workqueue, is dropped (and
        // so drained) before `services` go (this function's contract).
        let services = unsafe { BoundRef::new(services) };
        Ok(Self {
            work: Arc::pin_init(
                pin_init!(RecoveryWork {
                    work <- new_work!("nvgsp_core::recovery::RecoveryWork::work"),
                    services,
                }),
                GFP_KERNEL,
            )?,
            wq: OwnedQueue::new(c"nvgsp_recovery")?,
        })
    }

    /// Queues the recovery (once, if it is queued already).
    pub(crate) fn fire(&self) {
        let _ = self.wq.queue().enqueue(self.work.clone());
    }
}

impl LossHandler for Trigger {
    fn lost(&self) {
        self.fire();
    }
}

/// Resets the PCI function with whatever method it offers (on GA102
/// boards, which set No_Soft_Reset: FLR, else a secondary bus reset; the
/// kernel saves and restores its config space, MSI-X included), without
/// waiting for the device lock.
fn reset_function(pdev: &pci::Device<device::Bound>) -> Result {
    let raw = core::ptr::from_ref(pdev)
        .cast::<bindings::pci_dev>()
        .cast_mut();
    // SAFETY: `pci::Device` is a transparent wrapper of the bound, live
    // `struct pci_dev`; the call takes the device lock itself (trylock:
    // `EAGAIN` while an unbind holds it, which then waits for this work).
    to_result(unsafe { bindings::pci_try_reset_function(raw) })
}

impl Services<'_> {
    /// Has a lost GSP-RM recovered from now on (`recover` module
    /// parameter).
    pub(crate) fn enable_recovery(self: Pin<&Self>) -> Result {
        // SAFETY: `Services::drop` removes the trigger, and so waits for
        // its work, before anything of the services goes; they are pinned.
        let trigger = unsafe { Trigger::new(&self)? };
        drop(
            self.gsp
                .rpc
                .health
                .set_loss_handler(Some(KBox::new(trigger, GFP_KERNEL)?)),
        );
        Ok(())
    }

    /// Recovers from the loss of GSP-RM; runs on the recovery workqueue.
    fn recover(&self) {
        let rpc = &self.gsp.rpc;
        let lost_at = rpc.health.lost_at();
        self.resets.prepare();
        // GSP-RM may be lost again after it booted and before calls go
        // through: then boot again.
        let mut generation = None;
        for _ in 0..ATTEMPTS {
            if !self.reboot() {
                break;
            }
            let g = rpc.health.generation();
            if rpc.health.recovered() {
                self.free_orphans();
                generation = Some(g);
                break;
            }
        }
        let Some(generation) = generation else {
            rpc.health.give_up();
            if !self.closing() {
                dev_err!(
                    self.dev,
                    "cannot recover GSP-RM: the GPU is unusable until it is bound again; unbinding its clients\n"
                );
            }
            self.unbind_clients([true; KINDS]);
            return;
        };
        let failed = self.resets.done();
        // BAR1 unmaps that came in while calls still failed.
        self.bar1.drain(self);
        if rpc.health.generation() != generation {
            // Lost again while the clients rebuilt: their failures are
            // no verdict, and the recovery queued since tells them again.
            return;
        }
        dev_info!(
            self.dev,
            "GSP-RM recovered: clients resumed {} ms after the loss\n",
            lost_at.elapsed().as_millis()
        );
        rpc.stats
            .recoveries
            .fetch_add(1, kernel::sync::atomic::Relaxed);
        self.unbind_clients(failed);
    }

    /// Resets the GPU and boots GSP-RM again, up to [`ATTEMPTS`] times;
    /// re-creates the clients' namespaces. Whether GSP-RM runs after.
    fn reboot(&self) -> bool {
        let rpc = &self.gsp.rpc;
        if rpc.health.quiesce(timeouts::RECOVERY_QUIESCE).is_err() {
            dev_err!(self.dev, "recovery: calls to the lost GSP-RM do not end\n");
            self.stop_gsp_logged();
            return false;
        }
        for attempt in 1..=ATTEMPTS {
            if self.closing() {
                break;
            }
            if let Err(e) = self.stop_gsp() {
                dev_err!(self.dev, "recovery: cannot reset the GPU: {:?}\n", e);
                return false;
            }
            if rpc.reset().is_err() {
                return false;
            }
            let booted = self
                .gsp
                // In SR-IOV mode again if the first boot was.
                .boot(self.pdev, self.bar, self.spec, self.gpu.vfs() != 0)
                .and_then(|(gpu, bundle)| {
                    *self.running.bundle.lock() = Some(bundle);
                    if !gpu.same_gpu(&self.gpu) {
                        dev_err!(
                            self.dev,
                            "recovery: GSP-RM came back with another configuration\n"
                        );
                        return Err(EIO);
                    }
                    self.reopen_namespaces()?;
                    // Clients' CPU mappings of VRAM need BAR1 back: an
                    // attempt that cannot take it fails as a boot would.
                    self.bar1.retake(self, gpu.bar1_pde_base)
                });
            match booted {
                Ok(()) => return true,
                Err(e) => dev_err!(
                    self.dev,
                    "recovery: attempt {} of {} failed: {:?}\n",
                    attempt,
                    ATTEMPTS,
                    e
                ),
            }
        }
        self.stop_gsp_logged();
        false
    }

    /// [`Self::stop_gsp`] when giving up: a failure is only logged.
    fn stop_gsp_logged(&self) {
        if let Err(e) = self.stop_gsp() {
            dev_err!(self.dev, "recovery: cannot stop GSP-RM: {:?}\n", e);
        }
    }

    /// Stops what is left of GSP-RM and leaves the GPU as its first boot
    /// found it: a reset of the PCI function, or, if the function offers
    /// none (or its lock is taken: an unbind is under way), a reset of the
    /// GSP falcon. WPR2, if still there, is removed as unbind does it
    /// (FWSEC-SB, booter_unload).
    fn stop_gsp(&self) -> Result {
        self.gsp.rpc.health.stopping();
        self.gsp.disable_interrupt(self.bar);
        let bundle = self.running.bundle.lock().take();
        match reset_function(self.pdev) {
            // GFW boot runs again after the reset: no ucode before it ends.
            Ok(()) => crate::gfw::wait_boot_completion(self.dev, self.bar)?,
            Err(e) => {
                dev_warn!(
                    self.dev,
                    "recovery: no PCI function reset ({:?}): resetting the GSP instead\n",
                    e
                );
                if let Err(e) = Falcon::<GspEngine>::new(self.dev, self.bar).reset() {
                    if let Some(b) = &bundle {
                        let _ = b.unregister_flush_page(self.bar);
                    }
                    return Err(e);
                }
            }
        }
        // A failed boot put the GPU back itself (no bundle left).
        let Some(bundle) = bundle else {
            return Ok(());
        };
        if regs::wpr2_range(self.bar).is_none() {
            return bundle.unregister_flush_page(self.bar);
        }
        bundle.run(self.dev, self.bar)
    }

    /// Unbinds the clients of the kinds set in `which`.
    fn unbind_clients(&self, which: [bool; KINDS]) {
        self.clients.unbind(which);
    }
}
