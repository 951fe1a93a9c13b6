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
    RmObject,
    RmParent,
    Subscription,
    Vram, //
};
use crate::{
    events::Filter,
    gsp::{
        enumerate::RmHandles,
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
#[derive(Clone)]
pub struct Gpu<'a> {
    inner: Arc<Namespace<'a>>,
}

/// `NV2080_NOTIFIERS_MAXCOUNT` (cl2080_notification.h, 570.144).
const NOTIFIERS: u32 = 197;

/// The state behind a [`Gpu`] handle.
#[pin_data(PinnedDrop)]
struct Namespace<'a> {
    services: &'a Services<'a>,
    kind: ClientKind,
    rm: RmHandles,
    next_object: Atomic<u32>,
    /// Subscriptions per notifier: GSP-RM notifies the namespace while a
    /// notifier has any. Also serializes turning notification on and off.
    #[pin]
    notifiers: Mutex<KVec<(u32, u32)>>,
}

#[pinned_drop]
impl PinnedDrop for Namespace<'_> {
    fn drop(self: Pin<&mut Self>) {
        // Failure is logged by rm::free; the namespace goes away regardless.
        let _ = self.services.close_namespace(self.rm.client);
    }
}

impl<'a> Gpu<'a> {
    pub(super) fn open(kind: ClientKind, services: &'a Services<'a>) -> Result<Gpu<'a>> {
        let rm = services.open_namespace()?;
        let ns = try_pin_init!(Namespace {
            services,
            kind,
            rm,
            next_object: Atomic::new(0),
            notifiers <- new_mutex!(KVec::new()),
        });
        match Arc::pin_init(ns, GFP_KERNEL) {
            Ok(inner) => Ok(Gpu { inner }),
            Err(e) => {
                // Never initialized, so not dropped: free the RM client here.
                let _ = services.close_namespace(rm.client);
                Err(e)
            }
        }
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
    #[inline(never)]
    pub fn alloc_object(
        &self,
        parent: RmParent<'_>,
        class: u32,
        params: &[u8],
    ) -> Result<RmObject<'a>> {
        let ns = &*self.inner;
        let handle = OBJECT_HANDLE_BASE | (ns.next_object.fetch_add(1, Relaxed) & 0xff_ffff);
        let parent = self.parent_handle(parent);
        let s = ns.services;
        rm::alloc(
            &s.gsp.rpc,
            s.bar,
            s.dev,
            (ns.rm.client, parent, handle, class),
            params,
        )?;
        Ok(RmObject::new(self.clone(), handle, class))
    }

    /// Runs RM control `cmd` on `target` with `params`; returns what RM
    /// wrote back (the same size).
    #[inline(never)]
    pub fn control(&self, target: RmParent<'_>, cmd: u32, params: &[u8]) -> Result<KVec<u8>> {
        let s = self.inner.services;
        rm::control(
            &s.gsp.rpc,
            s.bar,
            s.dev,
            (self.inner.rm.client, self.parent_handle(target)),
            cmd,
            params,
        )
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
    /// `device.c`), until the handle's last subscription to it goes.
    #[inline(never)]
    pub fn subscribe_notifier(
        &self,
        notifier: u32,
        handler: KBox<dyn EventHandler>,
    ) -> Result<Subscription<'a>> {
        if notifier >= NOTIFIERS {
            return Err(EINVAL);
        }
        let params = Nv0005AllocParameters {
            h_parent_client: self.inner.rm.client,
            h_class: class::NV01_EVENT_KERNEL_CALLBACK_EX,
            notify_index: class::NV01_EVENT_CLIENT_RM | notifier,
            ..Nv0005AllocParameters::ZERO
        };
        let mut buf = [0u8; Nv0005AllocParameters::SIZE];
        params.encode(&mut buf).ok_or(EINVAL)?;
        let object = self.alloc_object(
            RmParent::Subdevice,
            class::NV01_EVENT_KERNEL_CALLBACK_EX,
            &buf,
        )?;
        // Registered before GSP-RM starts notifying, so nothing is missed.
        let filter = Filter {
            kinds: EventKinds::of(&[EventKind::Notify]),
            client: self.inner.rm.client,
            object: Some(object.handle()),
        };
        let sub = self.services().gsp.rpc.events.subscribe(filter, handler)?;
        let mut counts = self.inner.notifiers.lock();
        let first = match counts.iter_mut().find(|(n, _)| *n == notifier) {
            Some((_, c)) => {
                *c += 1;
                false
            }
            None => {
                if let Err(e) = counts.push((notifier, 1), GFP_KERNEL) {
                    drop(counts);
                    self.services().gsp.rpc.events.unsubscribe(&sub);
                    return Err(e.into());
                }
                true
            }
        };
        // From here on, dropping the subscription gives its count back.
        let subscription = Subscription::new(self, sub, Some((object, notifier)));
        let enabled = if first {
            self.set_notification(notifier, true)
        } else {
            Ok(())
        };
        drop(counts);
        enabled.map(|()| subscription)
    }

    /// Gives back one subscription's count of `notifier`; the last one
    /// turns GSP-RM's notification off.
    pub(super) fn put_notifier(&self, notifier: u32) {
        let mut counts = self.inner.notifiers.lock();
        let Some(i) = counts.iter().position(|(n, _)| *n == notifier) else {
            return;
        };
        counts[i].1 -= 1;
        if counts[i].1 == 0 {
            let _ = counts.remove(i);
            // Failure is logged; the event objects go away regardless.
            let _ = self.set_notification(notifier, false);
        }
    }

    /// Turns repeated notification of `notifier` on or off.
    pub(super) fn set_notification(&self, notifier: u32, on: bool) -> Result {
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
            RmParent::Subdevice,
            class::NV2080_CTRL_CMD_EVENT_SET_NOTIFICATION,
            &buf,
        )
        .map(|_| ())
    }

    pub(super) fn free_object(&self, handle: u32) {
        let s = self.inner.services;
        // RM logged the reason; nothing more a destructor can do.
        let _ = rm::free(&s.gsp.rpc, s.bar, s.dev, self.inner.rm.client, handle);
    }
}
