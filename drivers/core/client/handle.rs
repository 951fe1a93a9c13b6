// SPDX-License-Identifier: GPL-2.0

//! [`Gpu`]: a client's open handle on its GPU and its RM namespace.

use kernel::{
    prelude::*,
    sync::{
        atomic::Relaxed,
        Arc, //
    },
};

use super::{
    Channel,
    ClientKind,
    EventHandler,
    EventKind,
    EventKinds,
    Notifier,
    Placement,
    ResetHandler,
    ResetNotifier,
    RmObject,
    Subscription,
    VaSpace,
    Vram,
    VramShare, //
};
use crate::{
    events::Filter,
    namespace::{
        EventObject,
        Namespace, //
    },
    proto::gsp::calls::{
        Empty,
        Handle,
        RmClass,
        RmControl,
        SubdeviceNull, //
    },
    services::{
        ServicesGuard,
        ServicesLink, //
    },
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
pub struct Gpu {
    inner: Arc<Namespace>,
}

impl Gpu {
    pub(super) fn open(kind: ClientKind, link: &Arc<ServicesLink>) -> Result<Gpu> {
        Ok(Gpu {
            inner: Namespace::open(kind, link)?,
        })
    }

    /// The core's services, until the GPU is unbound.
    ///
    /// # Errors
    ///
    /// `ENODEV` once the GPU is unbound.
    pub(super) fn services(&self) -> Result<ServicesGuard<'_>> {
        self.inner.services()
    }

    /// How the handle reaches the services.
    pub(super) fn link(&self) -> &Arc<ServicesLink> {
        &self.inner.link
    }

    pub(super) fn client_kind(&self) -> ClientKind {
        self.inner.kind
    }

    /// The handle of this namespace's RM client (as the core's log lines
    /// and GSP-RM's events name it).
    #[inline(never)]
    pub fn rm_client(&self) -> Handle {
        self.inner.rm.client
    }

    /// One round trip to GSP-RM that does nothing (`NV2080_CTRL_CMD_NULL`
    /// on the namespace's subdevice): whether GSP-RM answers this client.
    ///
    /// # Errors
    ///
    /// As [`Gpu::alloc_channel`]'s GSP-RM calls: `EAGAIN` while the GPU is
    /// being reset, `ENODEV` once it is unusable, `ETIMEDOUT` if GSP-RM
    /// does not answer.
    #[inline(never)]
    pub fn ping(&self) -> Result {
        self.inner
            .control::<SubdeviceNull>(self.inner.rm.subdevice, &Empty)
            .map(|_| ())
    }

    /// This client kind's VRAM share now, and what the kind (every handle
    /// of it) holds of it. The share follows the partition policy, which
    /// the administrator can change at any time.
    ///
    /// # Errors
    ///
    /// `ENODEV` once the GPU is unbound.
    #[inline(never)]
    pub fn vram_share(&self) -> Result<VramShare> {
        let kind = self.client_kind().index();
        let accounting = self.services()?.get().partition.accounting();
        Ok(VramShare {
            limit: accounting.limits[kind].vram,
            used: accounting.usage[kind].vram,
        })
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
    pub fn alloc_vram(&self, size: u64, align: u64, placement: Placement) -> Result<Vram> {
        Vram::new(self, size, align, placement)
    }

    /// Allocates a GPU virtual address space for channels
    /// ([`Channel::create_gpfifo`]).
    ///
    /// # Errors
    ///
    /// `ENOMEM`; GSP-RM's refusal; `EAGAIN` while the GPU is being reset,
    /// `ENODEV` once it is unusable.
    #[inline(never)]
    pub fn alloc_vaspace(&self) -> Result<VaSpace> {
        VaSpace::new(self)
    }

    /// Allocates a channel ID.
    ///
    /// # Errors
    ///
    /// `ENOSPC` beyond the client kind's share, `ENOMEM` if none is free.
    #[inline(never)]
    pub fn alloc_channel(&self) -> Result<Channel> {
        Channel::new(self)
    }

    /// Allocates an RM object of class `K` under the namespace's device
    /// with `params`; the core picks its handle (the client API's typed
    /// operations, e.g. [`Channel::create_gpfifo`], are built on this).
    ///
    /// # Errors
    ///
    /// RM's refusal as an errno; `EAGAIN` while the GPU is being reset,
    /// `ENODEV` once it is unusable.
    pub(super) fn alloc_object<K: RmClass>(&self, params: &K::Params) -> Result<RmObject> {
        self.alloc_object_under::<K>(None, params)
    }

    /// As [`Gpu::alloc_object`], under `parent` (an object of this
    /// namespace, e.g. a channel for its engine object) if given. The
    /// child must be dropped before its parent: RM frees children with
    /// their parent, and the child's own FREE would then name a handle
    /// that is gone.
    pub(super) fn alloc_object_under<K: RmClass>(
        &self,
        parent: Option<&RmObject>,
        params: &K::Params,
    ) -> Result<RmObject> {
        let ns = &*self.inner;
        let guard = ns.services()?;
        let services = guard.get();
        let (_pass, generation) = services.enter()?;
        let handle = self.new_handle();
        ns.alloc::<K>(parent.map_or(ns.rm.device, |p| p.handle()), handle, params)?;
        Ok(RmObject::new(self.clone(), handle, K::CLASS, generation))
    }

    /// Runs control `C` on the namespace's object `target`.
    ///
    /// # Errors
    ///
    /// RM's refusal as an errno; `EAGAIN` while the GPU is being reset,
    /// `ENODEV` once it is unusable.
    pub(super) fn control_on<C: RmControl>(
        &self,
        target: Handle,
        params: &C::Params,
    ) -> Result<C::Params> {
        self.inner.control::<C>(target, params)
    }

    /// Whether `other` is a handle on the same namespace.
    pub(super) fn same_namespace(&self, other: &Gpu) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    fn new_handle(&self) -> Handle {
        Handle(OBJECT_HANDLE_BASE | (self.inner.next_object.fetch_add(1, Relaxed) & 0xff_ffff))
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
    ) -> Result<Subscription> {
        let filter = Filter {
            kinds,
            client: self.inner.rm.client,
            object: None,
        };
        let sub = self
            .services()?
            .get()
            .gsp
            .rpc
            .events
            .subscribe(filter, handler)?;
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
        notifier: Notifier,
        handler: KBox<dyn EventHandler>,
    ) -> Result<Subscription> {
        let notifier = notifier.index();
        let ns = &*self.inner;
        let guard = ns.services()?;
        let services = guard.get();
        let events = &services.gsp.rpc.events;
        let (_pass, generation) = services.enter()?;
        let handle = self.new_handle();
        ns.alloc_event_object(handle, notifier)?;
        // Registered before GSP-RM starts notifying, so nothing is missed.
        let filter = Filter {
            kinds: EventKinds::of(&[EventKind::Notify]),
            client: ns.rm.client,
            object: Some(handle),
        };
        let sub = match events.subscribe(filter, handler) {
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
            events.unsubscribe(&sub);
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
                    events.unsubscribe(&sub);
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
    pub(super) fn put_notifier(&self, handle: Handle, notifier: u32) {
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
    pub(super) fn free_object(&self, handle: Handle, generation: u32) {
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
    pub fn on_reset(&self, handler: KBox<dyn ResetHandler>) -> Result<ResetNotifier> {
        ResetNotifier::new(self, handler)
    }
}
