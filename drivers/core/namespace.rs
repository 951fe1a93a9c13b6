// SPDX-License-Identifier: GPL-2.0

//! [`Namespace`]: a client's RM namespace in GSP-RM, and its notifier
//! event objects, which a recovery re-creates.

use kernel::{
    new_mutex,
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        Mutex, //
    },
};

use crate::{
    gsp::{
        enumerate::{
            self,
            RmHandles, //
        },
        rm, //
    },
    proto::{
        gsp::{
            calls::{
                EventKernelCallbackEx,
                EventSetNotification,
                Handle,
                RmClass,
                RmControl, //
            },
            class::{
                self,
                Nv0005AllocParameters,
                Nv2080CtrlEventSetNotificationParams, //
            },
        },
        partition::ClientKind,
    },
    services::{
        Services,
        ServicesGuard,
        ServicesLink, //
    },
    wire::Wire,
};

/// An RM event object bound to a notifier for a subscription.
pub(crate) struct EventObject {
    pub(crate) handle: Handle,
    pub(crate) notifier: u32,
    /// The GSP-RM instance it exists in.
    pub(crate) generation: u32,
}

/// The namespace's notifier subscriptions.
pub(crate) struct Notifiers {
    /// Subscriptions per notifier: GSP-RM notifies the namespace while a
    /// notifier has any.
    pub(crate) counts: KVec<(u32, u32)>,
    /// Their event objects.
    pub(crate) objects: KVec<EventObject>,
}

/// One RM namespace: an RM client with the GPU's device and subdevice,
/// the state behind a client's `Gpu` handle. The services list it so that
/// a recovery re-creates it under the same handles.
#[pin_data(PinnedDrop)]
pub(crate) struct Namespace {
    /// The services, until the GPU is unbound.
    pub(crate) link: Arc<ServicesLink>,
    pub(crate) kind: ClientKind,
    pub(crate) rm: RmHandles,
    pub(crate) next_object: Atomic<u32>,
    /// The GSP-RM instance the namespace exists in (`Rpc::generation`).
    generation: Atomic<u32>,
    /// Also serializes turning notification on and off, and a recovery
    /// re-creating them.
    #[pin]
    pub(crate) notifiers: Mutex<Notifiers>,
}

#[pinned_drop]
impl PinnedDrop for Namespace {
    fn drop(self: Pin<&mut Self>) {
        // Once the GPU is unbound its GSP-RM, and the namespace in it, are
        // gone, and so is the list.
        let Ok(guard) = self.link.access() else {
            return;
        };
        let s = guard.get();
        s.remove_namespace(&self);
        // Lost with its GSP-RM if a recovery did not re-create it.
        let generation = self.generation.load(Relaxed);
        if s.gsp.rpc.health.generation() == generation {
            s.free_rm(self.rm.client, self.rm.client, generation);
        }
    }
}

impl Namespace {
    /// Opens a new namespace in GSP-RM for a client of `kind` and lists
    /// it for recovery.
    pub(crate) fn open(kind: ClientKind, link: &Arc<ServicesLink>) -> Result<Arc<Self>> {
        let guard = link.access()?;
        let services = guard.get();
        let (_pass, generation) = services.enter()?;
        let rm = services.open_namespace()?;
        let ns = try_pin_init!(Namespace {
            link: link.clone(),
            kind,
            rm,
            next_object: Atomic::new(0),
            generation: Atomic::new(generation),
            notifiers <- new_mutex!(Notifiers {
                counts: KVec::new(),
                objects: KVec::new(),
            }),
        });
        let inner = match Arc::pin_init(ns, GFP_KERNEL) {
            Ok(inner) => inner,
            Err(e) => {
                // Never initialized, so not dropped: free the RM client here.
                let _ = services.close_namespace(rm.client);
                return Err(e);
            }
        };
        // SAFETY: the namespace's drop takes it off the list while the
        // link lets it; on failure it frees (or forgets) the namespace.
        unsafe { services.add_namespace(&inner, generation) }?;
        Ok(inner)
    }

    /// The services, until the GPU is unbound.
    ///
    /// # Errors
    ///
    /// `ENODEV` once the GPU is unbound.
    pub(crate) fn services(&self) -> Result<ServicesGuard<'_>> {
        self.link.access()
    }

    /// Whether something of GSP-RM instance `generation` still exists (not
    /// once the GPU is unbound).
    pub(crate) fn is_current(&self, generation: u32) -> bool {
        self.services()
            .is_ok_and(|s| s.get().gsp.rpc.health.generation() == generation)
    }

    /// Allocates `handle` of class `K` under `parent`.
    pub(crate) fn alloc<K: RmClass>(
        &self,
        parent: Handle,
        handle: Handle,
        params: &K::Params,
    ) -> Result {
        let guard = self.services()?;
        let s = guard.get();
        rm::alloc::<K>(
            &s.gsp.rpc,
            s.bar,
            s.dev,
            (self.rm.client, parent, handle),
            params,
        )
    }

    /// Runs control `C` on `target`.
    pub(crate) fn control<C: RmControl>(
        &self,
        target: Handle,
        params: &C::Params,
    ) -> Result<C::Params> {
        let guard = self.services()?;
        let s = guard.get();
        rm::control::<C>(&s.gsp.rpc, s.bar, s.dev, (self.rm.client, target), params)
    }

    /// Frees `handle`, an object of the namespace's current GSP-RM
    /// instance.
    pub(crate) fn free(&self, handle: Handle) {
        let generation = self.generation.load(Relaxed);
        if let Ok(guard) = self.services() {
            guard.get().free_rm(self.rm.client, handle, generation);
        }
    }

    /// Binds event object `handle` to `notifier` on the subdevice
    /// (nouveau r535 `device.c`).
    pub(crate) fn alloc_event_object(&self, handle: Handle, notifier: u32) -> Result {
        let params = Nv0005AllocParameters {
            h_parent_client: self.rm.client.raw(),
            h_class: EventKernelCallbackEx::CLASS,
            notify_index: class::NV01_EVENT_CLIENT_RM | notifier,
            ..Nv0005AllocParameters::ZERO
        };
        self.alloc::<EventKernelCallbackEx>(self.rm.subdevice, handle, &params)
    }

    /// Turns repeated notification of `notifier` on or off.
    pub(crate) fn set_notification(&self, notifier: u32, on: bool) -> Result {
        let params = Nv2080CtrlEventSetNotificationParams {
            event: notifier,
            action: if on {
                class::NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_REPEAT
            } else {
                class::NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_DISABLE
            },
            ..Nv2080CtrlEventSetNotificationParams::ZERO
        };
        self.control::<EventSetNotification>(self.rm.subdevice, &params)
            .map(|_| ())
    }

    /// Re-creates the namespace in GSP-RM instance `generation`, just
    /// booted by a recovery: the RM client, device and subdevice, the
    /// notifier event objects and their notification.
    pub(crate) fn reopen(&self, services: &Services<'_>, generation: u32) -> Result {
        let s = services;
        enumerate::alloc_namespace(&s.gsp.rpc, s.bar, s.dev, self.rm)?;
        let mut n = self.notifiers.lock();
        for o in n.objects.iter_mut() {
            self.alloc_event_object(o.handle, o.notifier)?;
            o.generation = generation;
        }
        for &(notifier, count) in n.counts.iter() {
            if count > 0 {
                self.set_notification(notifier, true)?;
            }
        }
        self.generation.store(generation, Relaxed);
        Ok(())
    }
}
