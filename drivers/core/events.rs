// SPDX-License-Identifier: GPL-2.0

//! Event dispatch: GSP-RM's asynchronous messages, routed to the clients
//! that subscribed to them.
//!
//! The threaded interrupt handler decodes each event once ([`Event::decode`])
//! and appends a copy to the queue of every matching subscription; each
//! subscription has a work item on the core's own unbound workqueue that
//! hands its queue, oldest first, to the client's handler. So delivery is
//! exactly once and in the order GSP-RM posted, in process context (the
//! handler may sleep), and a slow subscriber delays only itself: the message
//! queue is drained regardless, and other subscriptions' work runs in
//! parallel. The workqueue is destroyed, and so drained, when the GPU is
//! unbound.

use kernel::{
    device, new_mutex,
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        Mutex, //
    },
    workqueue::{
        impl_has_work,
        new_work,
        Work,
        WorkItem, //
    },
};

use crate::proto::gsp::{
    function::Function,
    rpc::event::{
        RpcOsErrorLog,
        RpcPostEvent,
        RpcRcTriggered,
        RpcUcodeLibosPrint,
        ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT, //
    },
};
mod nonstall;
mod notifier;
mod what;

pub use nonstall::ChannelWatcher;
pub(crate) use nonstall::{
    Nonstall,
    MAX_VECTORS as MAX_NONSTALL_VECTORS, //
};
pub use notifier::Notifier;
pub use what::{
    MmuFault,
    What,
    Xid, //
};

use crate::{
    kernel_gaps::OwnedQueue, //
    proto::gsp::{
        calls::Handle,
        vgpu::PluginTriggered, //
    },
    wire::Wire,
};

/// The kinds of event a subscription can ask for (bits of
/// [`EventKinds`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A notifier fired (`POST_EVENT`) on an event object of the client.
    Notify = 1 << 0,
    /// A channel error (`RC_TRIGGERED`) on a channel of the client.
    RcError = 1 << 1,
    /// A GSP-RM error report (`OS_ERROR_LOG`): on a channel of the client,
    /// or on no channel (GPU-wide).
    GspLog = 1 << 2,
    /// GSP-RM entered or left lockdown (`GSP_LOCKDOWN_NOTICE`).
    Lockdown = 1 << 3,
    /// A ucode's log buffer GSP-RM forwarded (`UCODE_LIBOS_PRINT`): LibOS
    /// print records, encoded; GPU-wide.
    GspPrint = 1 << 4,
    /// GSP-RM copied MMU faults to the shadow fault buffer
    /// (`MMU_FAULT_QUEUED`): its reader should look; GPU-wide.
    FaultQueued = 1 << 5,
    /// GSP-RM tells the vGPU host about the plugin task of a virtual
    /// function (`VGPU_GSP_PLUGIN_TRIGGERED`): started, stopped, crashed;
    /// GPU-wide.
    VgpuPlugin = 1 << 6,
}

/// A set of [`EventKind`]s.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventKinds(u32);

impl EventKinds {
    /// Every kind in `kinds`.
    pub fn of(kinds: &[EventKind]) -> Self {
        Self(kinds.iter().fold(0, |m, &k| m | k as u32))
    }

    fn has(self, k: EventKind) -> bool {
        self.0 & k as u32 != 0
    }
}

/// Payload bytes an [`Event`] carries inline; longer ones are shared.
const INLINE_PAYLOAD: usize = 24;

/// An event's payload: small ones inline (no allocation per subscriber),
/// larger ones shared between the subscribers' copies.
#[derive(Clone)]
enum Payload {
    Inline(u8, [u8; INLINE_PAYLOAD]),
    Shared(Arc<KVec<u8>>),
}

/// One event as GSP-RM posted it.
#[derive(Clone)]
pub struct Event {
    /// What happened.
    pub what: What,
    /// The RM client it concerns (0 for GPU-wide events).
    pub client: Handle,
    /// The RM object it concerns: the event object of a notification, the
    /// channel object of a channel error or error report, 0 otherwise.
    pub object: Handle,
    payload: Payload,
}

impl Event {
    /// Its kind.
    pub fn kind(&self) -> EventKind {
        self.what.kind()
    }

    /// The rest: `eventData`, an error report's text, a print's buffer.
    pub fn payload(&self) -> &[u8] {
        match &self.payload {
            Payload::Inline(n, b) => &b[..usize::from(*n)],
            Payload::Shared(v) => v,
        }
    }

    fn new(what: What, bytes: &[u8]) -> Result<Event> {
        let payload = match u8::try_from(bytes.len()) {
            Ok(n) if bytes.len() <= INLINE_PAYLOAD => {
                let mut b = [0u8; INLINE_PAYLOAD];
                b[..bytes.len()].copy_from_slice(bytes);
                Payload::Inline(n, b)
            }
            _ => {
                let mut v = KVec::new();
                v.extend_from_slice(bytes, GFP_KERNEL)?;
                Payload::Shared(Arc::new(v, GFP_KERNEL)?)
            }
        };
        Ok(Event {
            what,
            client: Handle(0),
            object: Handle(0),
            payload,
        })
    }

    /// Decodes the event message `function` with `payload`; `None` for
    /// events clients do not see, `Err` for a malformed one.
    pub(crate) fn decode(function: Function, payload: &[u8]) -> Result<Option<Event>> {
        let ev = match function {
            Function::PostEvent => {
                let (e, data) = RpcPostEvent::parse(payload).map_err(|_| EPROTO)?;
                // GSP-RM posts only on the notifiers the core bound event
                // objects to: any other index is a malformed message.
                let notifier = Notifier::new(e.notify_index).map_err(|_| EPROTO)?;
                Event {
                    client: Handle(e.h_client),
                    object: Handle(e.h_event),
                    ..Event::new(
                        What::Notify {
                            notifier,
                            data: e.data,
                        },
                        data,
                    )?
                }
            }
            Function::RcTriggered => {
                let (e, _) = RpcRcTriggered::parse(payload).map_err(|_| EPROTO)?;
                let fault =
                    (e.except_type == ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT).then(|| MmuFault {
                        address: e.mmu_fault_addr(),
                        fault_type: e.mmu_fault_type,
                    });
                let what = What::RcError {
                    xid: Xid(e.except_type),
                    channel: e.chid,
                    fault,
                };
                Event::new(what, &[])?
            }
            Function::OsErrorLog => {
                let e = RpcOsErrorLog::parse(payload).map_err(|_| EPROTO)?;
                let what = What::GspLog {
                    xid: Xid(e.except_type),
                    channel: What::report_channel(e.chid),
                };
                Event::new(what, e.message())?
            }
            Function::UcodeLibosPrint => {
                let (e, print) = RpcUcodeLibosPrint::parse(payload).map_err(|_| EPROTO)?;
                Event::new(
                    What::GspPrint {
                        ucode: e.ucode_eng_desc,
                    },
                    print,
                )?
            }
            Function::MmuFaultQueued => Event::new(What::FaultQueued, &[])?,
            Function::VgpuGspPluginTriggered => {
                let e = PluginTriggered::decode(payload).ok_or(EPROTO)?;
                Event::new(
                    What::VgpuPlugin {
                        gfid: e.gfid,
                        notify: e.notify_index,
                    },
                    &[],
                )?
            }
            Function::GspLockdownNotice => {
                let entered = *payload.first().ok_or(EPROTO)? != 0;
                Event::new(What::Lockdown { entered }, &[])?
            }
            _ => return Ok(None),
        };
        Ok(Some(ev))
    }
}

/// What a client does with its events; called in process context, one
/// event at a time, in order.
pub trait EventHandler: Send + Sync {
    /// One event.
    fn event(&self, event: &Event);
}

/// Which events a subscription receives.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Filter {
    pub(crate) kinds: EventKinds,
    /// The subscriber's RM client: events of other clients never match.
    pub(crate) client: Handle,
    /// Only this RM object's notifications, if set.
    pub(crate) object: Option<Handle>,
}

impl Filter {
    fn matches(&self, e: &Event) -> bool {
        if !self.kinds.has(e.kind()) {
            return false;
        }
        match e.what {
            What::Notify { .. } => {
                e.client == self.client && self.object.is_none_or(|o| o == e.object)
            }
            // Attributed to a client by the core before posting.
            What::RcError { .. } => e.client == self.client,
            // An error report on a channel goes to the client holding it
            // only (to none if nobody does); one on no channel is
            // GPU-wide.
            What::GspLog { channel, .. } => channel.is_none() || e.client == self.client,
            What::Lockdown { .. }
            | What::GspPrint { .. }
            | What::FaultQueued
            | What::VgpuPlugin { .. } => true,
        }
    }
}

/// A subscription's state, shared with its work item.
#[pin_data]
pub(crate) struct Subscriber {
    filter: Filter,
    /// Events not yet handed to the handler, oldest first (kvmalloc'ed:
    /// a stalled subscriber's queue may grow large).
    #[pin]
    queue: Mutex<KVVec<Event>>,
    /// The handler; `None` once the subscription is closed. Held while
    /// the handler runs, so closing waits for it.
    #[pin]
    handler: Mutex<Option<KBox<dyn EventHandler>>>,
    #[pin]
    work: Work<Subscriber>,
    /// Events dropped because no memory was left to queue them.
    lost: Atomic<u64>,
}

impl_has_work! {
    impl HasWork<Self> for Subscriber { self.work }
}

impl WorkItem for Subscriber {
    type Pointer = Arc<Subscriber>;

    fn run(this: Arc<Subscriber>) {
        loop {
            let batch = core::mem::take(&mut *this.queue.lock());
            if batch.is_empty() {
                return;
            }
            let handler = this.handler.lock();
            let Some(h) = handler.as_ref() else {
                return;
            };
            for e in batch.iter() {
                h.event(e);
            }
        }
    }
}

impl Subscriber {
    /// Stops delivery and drops the handler, waiting for a call in
    /// progress; queued events are discarded.
    pub(crate) fn close(&self) {
        let handler = self.handler.lock().take();
        drop(handler);
        self.queue.lock().clear();
    }
}

/// Who holds a channel ID: channel errors go to that client only.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChannelOwner {
    /// The channel ID.
    pub(crate) chid: u32,
    /// The RM client of the owner's namespace.
    pub(crate) client: Handle,
    /// The channel's object in GSP-RM, 0 until it has one.
    pub(crate) object: Handle,
    /// The owner's kind, for log lines.
    pub(crate) kind: crate::proto::partition::ClientKind,
}

/// The subscriptions of one GPU.
#[pin_data]
pub(crate) struct Dispatcher {
    #[pin]
    subscribers: Mutex<KVec<Arc<Subscriber>>>,
    /// The channel IDs clients hold.
    #[pin]
    owners: Mutex<KVec<ChannelOwner>>,
    wq: OwnedQueue,
    /// Events handed to at least one subscriber.
    pub(crate) delivered: Atomic<u64>,
    /// The non-stall interrupts' watchers.
    pub(crate) nonstall: Nonstall,
}

impl Dispatcher {
    pub(crate) fn new() -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            subscribers <- new_mutex!(KVec::new()),
            owners <- new_mutex!(KVec::new()),
            wq: OwnedQueue::new(c"nvgsp_events")?,
            delivered: Atomic::new(0),
            nonstall: Nonstall::new()?,
        })
    }

    /// Has the non-stall watchers told (from the threaded handler).
    pub(crate) fn nonstall_notify(&self) {
        self.nonstall.notify(self.wq.queue());
    }

    /// Adds a subscription delivering what `filter` matches to `handler`.
    pub(crate) fn subscribe(
        &self,
        filter: Filter,
        handler: KBox<dyn EventHandler>,
    ) -> Result<Arc<Subscriber>> {
        let sub = Arc::pin_init(
            try_pin_init!(Subscriber {
                filter,
                queue <- new_mutex!(KVVec::new()),
                handler <- new_mutex!(Some(handler)),
                work <- new_work!("nvgsp_core::events::Subscriber::work"),
                lost: Atomic::new(0),
            }),
            GFP_KERNEL,
        )?;
        self.subscribers.lock().push(sub.clone(), GFP_KERNEL)?;
        Ok(sub)
    }

    /// Removes `sub` and closes it.
    pub(crate) fn unsubscribe(&self, sub: &Arc<Subscriber>) {
        let mut subs = self.subscribers.lock();
        if let Some(i) = subs.iter().position(|s| Arc::ptr_eq(s, sub)) {
            let _ = subs.remove(i);
        }
        drop(subs);
        sub.close();
    }

    /// Records that `owner` holds its channel ID.
    pub(crate) fn own_channel(&self, owner: ChannelOwner) -> Result {
        self.owners.lock().push(owner, GFP_KERNEL)?;
        Ok(())
    }

    /// Records that channel `chid` has its object `object` in GSP-RM.
    pub(crate) fn set_channel_object(&self, chid: u32, object: Handle) {
        if let Some(o) = self.owners.lock().iter_mut().find(|o| o.chid == chid) {
            o.object = object;
        }
    }

    /// Forgets the owner of channel `chid`.
    pub(crate) fn disown_channel(&self, chid: u32) {
        let mut owners = self.owners.lock();
        if let Some(i) = owners.iter().position(|o| o.chid == chid) {
            let _ = owners.remove(i);
        }
    }

    /// Attributes a channel error or error report to the client holding
    /// its channel: sets `e.client` and `e.object` and returns the owner,
    /// if any.
    pub(crate) fn attribute(&self, e: &mut Event) -> Option<ChannelOwner> {
        let chid = e.what.channel()?;
        let owner = self.owners.lock().iter().find(|o| o.chid == chid).copied();
        if let Some(o) = owner {
            e.client = o.client;
            e.object = o.object;
        }
        owner
    }

    /// Queues `e` for every matching subscription. Called from the
    /// threaded interrupt handler, in GSP-RM's order.
    pub(crate) fn post(&self, dev: &device::Device, e: &Event) {
        let subs = self.subscribers.lock();
        let mut any = false;
        for s in subs.iter().filter(|s| s.filter.matches(e)) {
            any = true;
            let queued = s.queue.lock().push(e.clone(), GFP_KERNEL);
            if queued.is_err() {
                if s.lost.fetch_add(1, Relaxed) == 0 {
                    dev_err!(dev, "no memory to queue a GSP event: events lost\n");
                }
                continue;
            }
            // Already queued: the pending run takes this event as well.
            let _ = self.wq.queue().enqueue(s.clone());
        }
        if any {
            self.delivered.fetch_add(1, Relaxed);
        }
    }
}

#[kunit_tests(nvgsp_core_events)]
mod tests {
    use super::*;
    use crate::proto::{
        gsp::rpc::event::{
            RpcOsErrorLog,
            INVALID_CHID,
            NV2080_NOTIFIERS_MAXCOUNT, //
        },
        wire::Wire,
    };

    fn post_event(notify_index: u32, data: &[u8]) -> Result<Event> {
        let e = RpcPostEvent {
            h_client: 0xc1d0_0001,
            h_event: 0xbeef_0002,
            notify_index,
            data: 7,
            ..Default::default()
        };
        let mut buf = [0u8; 64];
        let n = e.encode_with(data, &mut buf).ok_or(EINVAL)?;
        Event::decode(Function::PostEvent, &buf[..n])?.ok_or(EINVAL)
    }

    fn rc_triggered(xid: u32) -> Result<Event> {
        let e = RpcRcTriggered {
            chid: 5,
            except_type: xid,
            mmu_fault_addr_lo: 0x2000,
            mmu_fault_addr_hi: 0x1,
            mmu_fault_type: 3,
            ..Default::default()
        };
        let mut buf = [0u8; RpcRcTriggered::SIZE];
        let n = e.encode_with(&[], &mut buf).ok_or(EINVAL)?;
        Event::decode(Function::RcTriggered, &buf[..n])?.ok_or(EINVAL)
    }

    fn error_log(chid: u32) -> Result<Event> {
        let e = RpcOsErrorLog {
            except_type: 13,
            chid,
            ..Default::default()
        };
        let mut buf = [0u8; RpcOsErrorLog::SIZE];
        e.encode(&mut buf).ok_or(EINVAL)?;
        Event::decode(Function::OsErrorLog, &buf)?.ok_or(EINVAL)
    }

    #[test]
    fn a_notification_names_its_notifier() -> Result {
        let e = post_event(5, &[1, 2, 3, 4])?;
        assert_eq!(e.kind(), EventKind::Notify);
        assert_eq!(e.client, Handle(0xc1d0_0001));
        assert_eq!(e.object, Handle(0xbeef_0002));
        assert_eq!(e.payload(), &[1, 2, 3, 4]);
        assert_eq!(
            e.what,
            What::Notify {
                notifier: Notifier::new(5)?,
                data: 7
            }
        );
        // GSP-RM has no notifier past its count: a malformed message.
        assert_eq!(
            post_event(NV2080_NOTIFIERS_MAXCOUNT, &[]).err(),
            Some(EPROTO)
        );
        Ok(())
    }

    #[test]
    fn only_an_mmu_fault_carries_an_address() -> Result {
        let e = rc_triggered(31)?;
        assert_eq!(
            e.what,
            What::RcError {
                xid: Xid(31),
                channel: 5,
                fault: Some(MmuFault {
                    address: 0x1_0000_2000,
                    fault_type: 3
                }),
            }
        );
        assert_eq!(e.what.channel(), Some(5));
        assert!(matches!(
            rc_triggered(43)?.what,
            What::RcError { fault: None, .. }
        ));
        Ok(())
    }

    #[test]
    fn a_report_on_no_channel_is_gpu_wide() -> Result {
        let wide = error_log(INVALID_CHID)?;
        assert_eq!(
            wide.what,
            What::GspLog {
                xid: Xid(13),
                channel: None
            }
        );
        let on3 = error_log(3)?;
        assert_eq!(on3.what.channel(), Some(3));
        // Another client's subscription sees the GPU-wide report only.
        let other = Filter {
            kinds: EventKinds::of(&[EventKind::GspLog]),
            client: Handle(0xc1d0_0009),
            object: None,
        };
        assert!(other.matches(&wide));
        assert!(!other.matches(&on3));
        Ok(())
    }
}
