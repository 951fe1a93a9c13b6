// SPDX-License-Identifier: GPL-2.0

//! [`Subscription`]: a client's standing request for GSP-RM events.

use kernel::sync::Arc;

use super::Gpu;
use crate::{
    events::Subscriber,
    proto::gsp::calls::Handle, //
};

/// Delivery of the events a client subscribed to, until dropped. Dropping
/// it waits for a handler call in progress and drops the handler; events
/// not yet delivered are discarded. A handler must not drop its own
/// subscription.
pub struct Subscription {
    gpu: Gpu,
    sub: Arc<Subscriber>,
    /// The RM event object and notifier of a notifier subscription; freed
    /// after notification is turned off.
    event_object: Option<(Handle, u32)>,
}

impl Subscription {
    pub(super) fn new(
        gpu: &Gpu,
        sub: Arc<Subscriber>,
        event_object: Option<(Handle, u32)>,
    ) -> Self {
        Subscription {
            gpu: gpu.clone(),
            sub,
            event_object,
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        if let Some((handle, notifier)) = self.event_object.take() {
            self.gpu.put_notifier(handle, notifier);
        }
        // The dispatcher, and the handler with it, went with an unbound
        // GPU.
        if let Ok(guard) = self.gpu.services() {
            guard.get().gsp.rpc.events.unsubscribe(&self.sub);
        }
    }
}
