// SPDX-License-Identifier: GPL-2.0

//! Where each whole message from GSP-RM goes: the declared routing table
//! (a reply to its caller, an event the core handles itself, an event for
//! the clients' subscriptions, or one nobody takes), and the core's own log
//! line for the events clients get (GSP-RM's error reports and channel
//! errors, naming the client that holds the channel).

use kernel::{
    device,
    prelude::*, //
};

use crate::{
    events::{
        ChannelOwner,
        Dispatcher,
        Event,
        What, //
    },
    proto::gsp::{
        function::Function, //
    },
};

/// An event the core handles itself, during GSP-RM's boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CoreEvent {
    /// `GSP_INIT_DONE`: GSP-RM finished its initialization.
    InitDone,
    /// `GSP_RUN_CPU_SEQUENCER`: GSP-RM asks the CPU to run a register
    /// program.
    Sequencer,
}

/// Where a message goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// A reply: to the call waiting for its sequence number.
    Reply,
    /// To the core itself.
    Core(CoreEvent),
    /// To the clients' subscriptions (decoded by `Event::decode`).
    Clients,
    /// An event nobody takes: noted at debug level.
    Ignored,
}

/// The routing table: every event GSP-RM posts is named here (as mlx5
/// `events.c` declares its notifier table).
pub(crate) fn route(function: Function) -> Route {
    match function {
        Function::GspInitDone => Route::Core(CoreEvent::InitDone),
        Function::GspRunCpuSequencer => Route::Core(CoreEvent::Sequencer),
        Function::PostEvent
        | Function::RcTriggered
        | Function::OsErrorLog
        | Function::UcodeLibosPrint
        | Function::MmuFaultQueued
        | Function::GspLockdownNotice
        | Function::VgpuGspPluginTriggered => Route::Clients,
        f if f.is_event() => Route::Ignored,
        _ => Route::Reply,
    }
}

/// Hands a client event to the subscriptions after attributing it to the
/// client holding its channel and logging it.
///
/// # Errors
///
/// `EPROTO` (or `ENOMEM`) if the event does not decode: the caller counts
/// and logs it as a bad message.
pub(crate) fn deliver(
    dev: &device::Device,
    events: &Dispatcher,
    function: Function,
    payload: &[u8],
) -> kernel::error::Result {
    match Event::decode(function, payload)? {
        Some(mut e) => {
            let owner = events.attribute(&mut e);
            log_event(dev, &e, owner);
            events.post(dev, &e);
        }
        None => dev_dbg!(dev, "GSP event {} ignored\n", function.name()),
    }
    Ok(())
}

/// What the core says in its own log about an event, whoever subscribed:
/// GSP-RM's error reports and channel errors (naming the client that holds
/// the channel), one line each.
fn log_event(dev: &device::Device, e: &Event, owner: Option<ChannelOwner>) {
    let text = || kernel::str::BStr::from_bytes(e.payload());
    match e.what {
        What::GspLog { xid, channel } => match (owner, channel) {
            (Some(o), Some(chid)) => dev_warn!(
                dev,
                "{} client (RM client {:#x}): GSP-RM reports {} on channel {} (object {:#x}): {}\n",
                o.kind.name(),
                o.client,
                xid,
                chid,
                o.object,
                text()
            ),
            (_, None) => dev_warn!(dev, "GSP-RM reports {}: {}\n", xid, text()),
            (None, Some(chid)) => dev_warn!(
                dev,
                "GSP-RM reports {} on channel {}, which no client holds: {}\n",
                xid,
                chid,
                text()
            ),
        },
        What::RcError {
            xid,
            channel,
            fault,
        } => match (owner, fault) {
            (Some(o), Some(f)) => dev_warn!(
                dev,
                "{} client (RM client {:#x}): {} ({}) at {:#x} on channel {} (object {:#x})\n",
                o.kind.name(),
                o.client,
                xid.name(),
                xid,
                f.address,
                channel,
                o.object
            ),
            (Some(o), None) => dev_warn!(
                dev,
                "{} client (RM client {:#x}): {} ({}) on channel {} (object {:#x})\n",
                o.kind.name(),
                o.client,
                xid.name(),
                xid,
                channel,
                o.object
            ),
            (None, _) => dev_warn!(
                dev,
                "GSP-RM reports {} ({}) on channel {}, which no client holds\n",
                xid.name(),
                xid,
                channel
            ),
        },
        What::GspPrint { ucode } => dev_dbg!(
            dev,
            "GSP-RM forwards {} bytes of log from ucode {:#x}\n",
            e.payload().len(),
            ucode
        ),
        What::VgpuPlugin { gfid, notify } => dev_dbg!(
            dev,
            "GSP-RM: vGPU plugin task of gfid {} reports {}\n",
            gfid,
            notify
        ),
        What::Notify { .. } | What::Lockdown { .. } | What::FaultQueued => {}
    }
}

#[kunit_tests(nvgsp_core_routing)]
mod tests {
    use super::*;

    #[test]
    fn every_event_is_routed() {
        // Calls get replies.
        assert_eq!(route(Function::GspRmControl), Route::Reply);
        assert_eq!(route(Function::GetGspStaticInfo), Route::Reply);
        assert_eq!(route(Function::Free), Route::Reply);
        // The boot's events stay in the core.
        assert_eq!(
            route(Function::GspInitDone),
            Route::Core(CoreEvent::InitDone)
        );
        assert_eq!(
            route(Function::GspRunCpuSequencer),
            Route::Core(CoreEvent::Sequencer)
        );
        // What clients may subscribe to.
        assert_eq!(route(Function::PostEvent), Route::Clients);
        assert_eq!(route(Function::RcTriggered), Route::Clients);
        assert_eq!(route(Function::OsErrorLog), Route::Clients);
        // Every event of the table's function list is routed somewhere
        // other than a waiter.
        let mut n = Function::GspInitDone as u32;
        while let Ok(f) = Function::try_from(n) {
            assert!(route(f) != Route::Reply);
            n += 1;
        }
    }
}
