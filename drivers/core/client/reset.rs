// SPDX-License-Identifier: GPL-2.0

//! [`ResetNotifier`]: a client's registration for GPU reset notifications.

use kernel::{
    prelude::*,
    sync::Arc, //
};

use super::Gpu;
use crate::{
    resets::{
        ResetEntry,
        ResetTarget, //
    },
    services::ServicesLink,
};

/// What a client does when the GPU is reset under it. Called in process
/// context from the core's recovery, one client after the other, with the
/// handle the handler was registered on; a handler must not register or
/// drop reset handlers itself, and must not hold its own
/// [`ResetNotifier`] (that would keep both alive for good).
pub trait ResetHandler: Send + Sync {
    /// GSP-RM was lost: calls fail with `EAGAIN` from now until
    /// [`Self::done`], and every RM object the client made is gone (its
    /// VRAM, channel IDs and subscriptions stay). Stop submitting work.
    fn prepare(&self, gpu: &Gpu);

    /// GSP-RM runs again and the client's RM namespace (its RM client,
    /// device, subdevice and notifier subscriptions) is back under the
    /// same handles. Rebuild the rest (channels' objects, own RM objects).
    ///
    /// # Errors
    ///
    /// Any error: the client cannot recover, and the core unbinds it.
    fn done(&self, gpu: &Gpu) -> Result;
}

/// A handler with the handle it gets as context.
struct Registered {
    handler: KBox<dyn ResetHandler>,
    gpu: Gpu,
}

impl ResetTarget for Registered {
    fn prepare(&self) {
        self.handler.prepare(&self.gpu);
    }

    fn done(&self) -> Result {
        self.handler.done(&self.gpu)
    }
}

/// Keeps a [`ResetHandler`] registered until dropped. Dropping it waits
/// for the handler if the core is calling it, and drops the handler.
pub struct ResetNotifier {
    link: Arc<ServicesLink>,
    entry: Arc<ResetEntry>,
}

impl ResetNotifier {
    pub(super) fn new(gpu: &Gpu, handler: KBox<dyn ResetHandler>) -> Result<Self> {
        let registered = KBox::new(
            Registered {
                handler,
                gpu: gpu.clone(),
            },
            GFP_KERNEL,
        )?;
        let entry = gpu
            .services()?
            .get()
            .resets
            .add(gpu.client_kind(), registered)?;
        Ok(ResetNotifier {
            link: gpu.link().clone(),
            entry,
        })
    }
}

impl Drop for ResetNotifier {
    fn drop(&mut self) {
        // The handlers went with an unbound GPU.
        if let Ok(guard) = self.link.access() {
            guard.get().resets.remove(&self.entry);
        }
    }
}
