// SPDX-License-Identifier: GPL-2.0

//! [`Gpu`]: a client's open handle on its GPU and its RM namespace.

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

use super::{
    Channel,
    ClientKind,
    EventHandler,
    EventKind,
    EventKinds,
    Placement,
    ResetHandler,
    ResetNotifier,
    RmObject,
    RmParent,
    Subscription,
    Vram, //
};
use crate::{
    events::Filter,
    gsp::{
        enumerate::{
            self,
            RmHandles, //
        },
        rm, //
    },
    proto::gsp::class::{
        self,
        Nv0005AllocParameters,
        Nv2080CtrlEventSetNotificationParams, //
    },
    services::Services,
    wire::Wire,
};

/// The first handle the core gives a client's own RM objects.
const OBJECT_HANDLE_BASE: u32 = 0xcf00_0000;

/// A client's handle on its GPU, from [`super::Client::open`]. It owns an
/// RM client with the GPU's device and subdevice, shared by its clones and
/// by everything allocated through it (VRAM, channels, RM objects); when
/// the last of them is dropped the RM client is freed and, with it, every
/// RM object the client made.
///
/// After a GPU reset ([`ResetHandler`]) the handle stays valid: the core
/// re-creates the namespace and its notifier subscriptions under the same
/// handles; the client's own RM objects are gone and are made again.
#[derive(Clone)]
pub struct Gpu<'a> {
    inner: Arc<Namespace<'a>>,
}

/// `NV2080_NOTIFIERS_MAXCOUNT` (cl2080_notification.h, 570.144).
const NOTIFIERS: u32 = 197;

/// An RM event object bound to a notifier for a subscription.
struct EventObject {
    handle: u32,
    notifier: u32,
    /// The GSP-RM instance it exists in.
    generation: u32,
}

/// The namespace's notifier subscriptions.
struct Notifiers {
    /// Subscriptions per notifier: GSP-RM notifies the namespace while a
    /// notifier has any.
    counts: KVec<(u32, u32)>,
    /// Their event objects.
    objects: KVec<EventObject>,
}

/// The state behind a [`Gpu`] handle: one RM namespace.
#[pin_data(PinnedDrop)]
pub(crate) struct Namespace<'a> {
    services: &'a Services<'a>,
    kind: ClientKind,
    rm: RmHandles,
    next_object: Atomic<u32>,
    /// The GSP-RM instance the namespace exists in (`Rpc::generation`).
    generation: Atomic<u32>,
    /// Also serializes turning notification on and off, and a recovery
    /// re-creating them.
    #[pin]
    notifiers: Mutex<Notifiers>,
}

#[pinned_drop]
impl PinnedDrop for Namespace<'_> {
    fn drop(self: Pin<&mut Self>) {
        self.services.remove_namespace(&self);
        // Lost with its GSP-RM if a recovery did not re-create it.
        let generation = self.generation.load(Relaxed);
        if self.is_current(generation) {
            self.services
                .free_rm(self.rm.client, self.rm.client, generation);
        }
    }
}

impl<'a> Namespace<'a> {
    /// Whether something of GSP-RM instance `generation` still exists.
    fn is_current(&self, generation: u32) -> bool {
        self.services.gsp.rpc.generation() == generation
    }

    fn alloc(&self, parent: u32, handle: u32, class: u32, params: &[u8]) -> Result {
        let s = self.services;
        rm::alloc(
            &s.gsp.rpc,
            s.bar,
            s.dev,
            (self.rm.client, parent, handle, class),
            params,
        )
    }

    fn control(&self, target: u32, cmd: u32, params: &[u8]) -> Result<KVec<u8>> {
        let s = self.services;
        rm::control(
            &s.gsp.rpc,
            s.bar,
            s.dev,
            (self.rm.client, target),
            cmd,
            params,
        )
    }

    /// Frees `handle`, an object of the namespace's current GSP-RM
    /// instance.
    fn free(&self, handle: u32) {
        let generation = self.generation.load(Relaxed);
        self.services.free_rm(self.rm.client, handle, generation);
    }

    /// Binds event object `handle` to `notifier` on the subdevice
    /// (nouveau r535 `device.c`).
    fn alloc_event_object(&self, handle: u32, notifier: u32) -> Result {
        let params = Nv0005AllocParameters {
            h_parent_client: self.rm.client,
            h_class: class::NV01_EVENT_KERNEL_CALLBACK_EX,
            notify_index: class::NV01_EVENT_CLIENT_RM | notifier,
            ..Nv0005AllocParameters::ZERO
        };
        let mut buf = [0u8; Nv0005AllocParameters::SIZE];
        params.encode(&mut buf).ok_or(EINVAL)?;
        self.alloc(
            self.rm.subdevice,
            handle,
            class::NV01_EVENT_KERNEL_CALLBACK_EX,
            &buf,
        )
    }

    /// Turns repeated notification of `notifier` on or off.
    fn set_notification(&self, notifier: u32, on: bool) -> Result {
        let params = Nv2080CtrlEventSetNotificationParams {
            event: notifier,
            action: if on {
                class::NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_REPEAT
            } else {
                class::NV2080_CTRL_EVENT_SET_NOTIFICATION_ACTION_DISABLE
            },
            ..Nv2080CtrlEventSetNotificationParams::ZERO
        };
        let mut buf = [0u8; Nv2080CtrlEventSetNotificationParams::SIZE];
        params.encode(&mut buf).ok_or(EINVAL)?;
        self.control(
            self.rm.subdevice,
            class::NV2080_CTRL_CMD_EVENT_SET_NOTIFICATION,
            &buf,
        )
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

impl<'a> Gpu<'a> {
    pub(super) fn open(kind: ClientKind, services: &'a Services<'a>) -> Result<Gpu<'a>> {
        let (_pass, generation) = services.enter()?;
        let rm = services.open_namespace()?;
        let ns = try_pin_init!(Namespace {
            services,
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
        // On failure the namespace's drop frees (or forgets) it.
        services.add_namespace(&inner, generation)?;
        Ok(Gpu { inner })
    }

    pub(super) fn services(&self) -> &'a Services<'a> {
        self.inner.services
    }

    pub(super) fn client_kind(&self) -> ClientKind {
        self.inner.kind
    }

    /// The handle of this namespace's RM client.
    #[inline(never)]
    pub fn rm_client(&self) -> u32 {
        self.inner.rm.client
    }

    /// Allocates `size` bytes of contiguous VRAM (rounded up to 4 KiB) at a
    /// multiple of `align` (a power of two; 0 for 4 KiB), placed as
    /// `placement` says.
    ///
    /// # Errors
    ///
    /// `ENOSPC` beyond the client kind's share, `ENOMEM` if no free range
    /// is large enough, `EINVAL` for a zero size, a bad alignment or an
    /// empty placement.
    #[inline(never)]
    pub fn alloc_vram(&self, size: u64, align: u64, placement: Placement) -> Result<Vram<'a>> {
        Vram::new(self, size, align, placement)
    }

    /// Allocates a channel ID.
    ///
    /// # Errors
    ///
    /// `ENOSPC` beyond the client kind's share, `ENOMEM` if none is free.
    #[inline(never)]
    pub fn alloc_channel(&self) -> Result<Channel<'a>> {
        Channel::new(self)
    }

    /// Allocates an RM object of `class` under `parent` with the class's
    /// allocation parameters `params`; the core picks its handle.
    ///
    /// # Errors
    ///
    /// RM's refusal as an errno; `EAGAIN` while the GPU is being reset,
    /// `ENODEV` once it is unusable.
    #[inline(never)]
    pub fn alloc_object(
        &self,
        parent: RmParent<'_>,
        class: u32,
        params: &[u8],
    ) -> Result<RmObject<'a>> {
        let ns = &*self.inner;
        let (_pass, generation) = ns.services.enter()?;
        let handle = self.new_handle();
        ns.alloc(self.parent_handle(parent), handle, class, params)?;
        Ok(RmObject::new(self.clone(), handle, class, generation))
    }

    fn new_handle(&self) -> u32 {
        OBJECT_HANDLE_BASE | (self.inner.next_object.fetch_add(1, Relaxed) & 0xff_ffff)
    }

    /// Runs RM control `cmd` on `target` with `params`; returns what RM
    /// wrote back (the same size).
    ///
    /// # Errors
    ///
    /// As [`Gpu::alloc_object`].
    #[inline(never)]
    pub fn control(&self, target: RmParent<'_>, cmd: u32, params: &[u8]) -> Result<KVec<u8>> {
        self.inner.control(self.parent_handle(target), cmd, params)
    }

    fn parent_handle(&self, p: RmParent<'_>) -> u32 {
        match p {
            RmParent::Device => self.inner.rm.device,
            RmParent::Subdevice => self.inner.rm.subdevice,
            RmParent::Object(o) => o.handle(),
        }
    }

    /// Subscribes `handler` to the events of `kinds` that concern this
    /// handle's RM namespace or the whole GPU. Channel errors
    /// ([`EventKind::RcError`], MMU faults among them) go only to the
    /// handle that holds the channel ([`Gpu::alloc_channel`]).
    #[inline(never)]
    pub fn subscribe(
        &self,
        kinds: EventKinds,
        handler: KBox<dyn EventHandler>,
    ) -> Result<Subscription<'a>> {
        let filter = Filter {
            kinds,
            client: self.inner.rm.client,
            object: None,
        };
        let sub = self.services().gsp.rpc.events.subscribe(filter, handler)?;
        Ok(Subscription::new(self, sub, None))
    }

    /// Subscribes `handler` to notifier `notifier` (`NV2080_NOTIFIERS_*`,
    /// below 197) of the GPU: the core binds an RM event object to the
    /// subdevice and has GSP-RM notify it every time (nouveau r535
    /// `device.c`), until the handle's last subscription to it goes. A
    /// GPU reset does not end it.
    #[inline(never)]
    pub fn subscribe_notifier(
        &self,
        notifier: u32,
        handler: KBox<dyn EventHandler>,
    ) -> Result<Subscription<'a>> {
        if notifier >= NOTIFIERS {
            return Err(EINVAL);
        }
        let ns = &*self.inner;
        let (_pass, generation) = ns.services.enter()?;
        let handle = self.new_handle();
        ns.alloc_event_object(handle, notifier)?;
        // Registered before GSP-RM starts notifying, so nothing is missed.
        let filter = Filter {
            kinds: EventKinds::of(&[EventKind::Notify]),
            client: ns.rm.client,
            object: Some(handle),
        };
        let sub = match self.services().gsp.rpc.events.subscribe(filter, handler) {
            Ok(sub) => sub,
            Err(e) => {
                if ns.is_current(generation) {
                    ns.free(handle);
                }
                return Err(e);
            }
        };
        let mut n = ns.notifiers.lock();
        // Recorded under the lock a recovery takes: recorded in time to be
        // re-created, or refused as lost.
        let recorded = if ns.is_current(generation) {
            n.objects
                .push(
                    EventObject {
                        handle,
                        notifier,
                        generation,
                    },
                    GFP_KERNEL,
                )
                .map_err(Error::from)
        } else {
            Err(EAGAIN)
        };
        if let Err(e) = recorded {
            drop(n);
            self.services().gsp.rpc.events.unsubscribe(&sub);
            if ns.is_current(generation) {
                ns.free(handle);
            }
            return Err(e);
        }
        let first = match n.counts.iter_mut().find(|(m, _)| *m == notifier) {
            Some((_, c)) => {
                *c += 1;
                false
            }
            None => {
                if let Err(e) = n.counts.push((notifier, 1), GFP_KERNEL) {
                    // Dropping the subscription would miscount: undo here.
                    let _ = n.objects.pop();
                    drop(n);
                    self.services().gsp.rpc.events.unsubscribe(&sub);
                    if ns.is_current(generation) {
                        ns.free(handle);
                    }
                    return Err(e.into());
                }
                true
            }
        };
        // From here on, dropping the subscription gives its count back.
        let subscription = Subscription::new(self, sub, Some((handle, notifier)));
        let enabled = if first {
            ns.set_notification(notifier, true)
        } else {
            Ok(())
        };
        drop(n);
        enabled.map(|()| subscription)
    }

    /// Ends a notifier subscription: gives back its count of `notifier`
    /// (the last one turns GSP-RM's notification off) and frees its event
    /// object `handle`, unless both went with a lost GSP-RM.
    pub(super) fn put_notifier(&self, handle: u32, notifier: u32) {
        let ns = &*self.inner;
        let mut n = ns.notifiers.lock();
        let Some(i) = n.objects.iter().position(|o| o.handle == handle) else {
            return;
        };
        let live = n
            .objects
            .remove(i)
            .is_ok_and(|o| ns.is_current(o.generation));
        if let Some(i) = n.counts.iter().position(|(m, _)| *m == notifier) {
            n.counts[i].1 -= 1;
            if n.counts[i].1 == 0 {
                let _ = n.counts.remove(i);
                if live {
                    // Failure is logged; the event object goes regardless.
                    let _ = ns.set_notification(notifier, false);
                }
            }
        }
        drop(n);
        if live {
            ns.free(handle);
        }
    }

    /// Frees RM object `handle` made in GSP-RM instance `generation`,
    /// unless it went with a lost GSP-RM.
    pub(super) fn free_object(&self, handle: u32, generation: u32) {
        if self.is_current(generation) {
            self.inner.free(handle);
        }
    }

    /// Whether something made in GSP-RM instance `generation` still
    /// exists.
    pub(super) fn is_current(&self, generation: u32) -> bool {
        self.inner.is_current(generation)
    }

    /// Registers `handler` for GPU resets: the core calls it before it
    /// resets the GPU after GSP-RM was lost, and after it booted GSP-RM
    /// again, until the returned registration is dropped.
    #[inline(never)]
    pub fn on_reset(&self, handler: KBox<dyn ResetHandler>) -> Result<ResetNotifier<'a>> {
        ResetNotifier::new(self.services(), self.client_kind(), handler)
    }
}
