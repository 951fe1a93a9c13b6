// SPDX-License-Identifier: GPL-2.0

//! [`Subscription`]: a client's standing request for GSP-RM events.

use kernel::sync::Arc;

use super::{
    Gpu,
    RmObject, //
};
use crate::events::Subscriber;

/// Delivery of the events a client subscribed to, until dropped. Dropping
/// it waits for a handler call in progress and drops the handler; events
/// not yet delivered are discarded. A handler must not drop its own
/// subscription.
pub struct Subscription<'g> {
    gpu: Gpu<'g>,
    sub: Arc<Subscriber>,
    /// The RM event object of a notifier subscription; freed after
    /// notification is turned off.
    event_object: Option<(RmObject<'g>, u32)>,
}

impl<'g> Subscription<'g> {
    pub(super) fn new(
        gpu: &Gpu<'g>,
        sub: Arc<Subscriber>,
        event_object: Option<(RmObject<'g>, u32)>,
    ) -> Self {
        Subscription {
            gpu: gpu.clone(),
            sub,
            event_object,
        }
    }
}

impl Drop for Subscription<'_> {
    fn drop(&mut self) {
        if let Some((_, notifier)) = &self.event_object {
            self.gpu.put_notifier(*notifier);
        }
        drop(self.event_object.take());
        self.gpu.services().gsp.rpc.events.unsubscribe(&self.sub);
    }
}
