// SPDX-License-Identifier: GPL-2.0

//! The transport's counters, which debugfs shows.

use kernel::sync::atomic::Atomic;

/// Counters for debugfs.
pub(crate) struct Stats {
    /// Calls that got their reply.
    pub(crate) calls: Atomic<u64>,
    /// Calls that timed out.
    pub(crate) timeouts: Atomic<u64>,
    /// Elements GSP-RM sent that failed validation.
    pub(crate) bad_messages: Atomic<u64>,
    /// Replies nobody waited for.
    pub(crate) unexpected: Atomic<u64>,
    /// Events received.
    pub(crate) events: Atomic<u64>,
    /// Sum of the round trips of `calls`, in nanoseconds.
    pub(crate) total_ns: Atomic<u64>,
    /// Of `total_ns`, the part until the doorbell write returned: the
    /// driver's own work and the trapped write, before any waiting.
    pub(crate) send_ns: Atomic<u64>,
    /// Times GSP-RM was found lost (crashed or hung).
    pub(crate) losses: Atomic<u64>,
    /// Recoveries that brought GSP-RM and the clients back.
    pub(crate) recoveries: Atomic<u64>,
    /// Pings the heartbeat sent to an idle GSP-RM.
    pub(crate) heartbeats: Atomic<u64>,
    /// Calls that polled for their reply, and those of them whose reply
    /// came within the spin (the rest slept until the interrupt).
    pub(crate) polls: Atomic<u64>,
    pub(crate) polled_replies: Atomic<u64>,
    /// Sum of the spins of `polled_replies`, in nanoseconds.
    pub(crate) poll_ns: Atomic<u64>,
    /// Doorbell writes (several commands may share one).
    pub(crate) doorbells: Atomic<u64>,
    /// Interrupts, and those with nothing left for the threaded handler.
    pub(crate) interrupts: Atomic<u64>,
    pub(crate) idle_interrupts: Atomic<u64>,
    /// Interrupts that carried a non-stall interrupt a watcher wanted.
    pub(crate) nonstall_interrupts: Atomic<u64>,
}

impl Stats {
    pub(crate) fn new() -> Self {
        Self {
            calls: Atomic::new(0),
            timeouts: Atomic::new(0),
            bad_messages: Atomic::new(0),
            unexpected: Atomic::new(0),
            events: Atomic::new(0),
            total_ns: Atomic::new(0),
            send_ns: Atomic::new(0),
            losses: Atomic::new(0),
            recoveries: Atomic::new(0),
            heartbeats: Atomic::new(0),
            polls: Atomic::new(0),
            polled_replies: Atomic::new(0),
            poll_ns: Atomic::new(0),
            doorbells: Atomic::new(0),
            interrupts: Atomic::new(0),
            idle_interrupts: Atomic::new(0),
            nonstall_interrupts: Atomic::new(0),
        }
    }
}
