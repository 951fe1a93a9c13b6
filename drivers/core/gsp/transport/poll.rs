// SPDX-License-Identifier: GPL-2.0

//! Polling for a reply: a caller alone in flight spins for its reply,
//! draining the status queue itself, instead of waiting for the interrupt
//! and the two wakeups it costs.

use kernel::{
    processor::cpu_relax,
    sync::atomic::{
        Acquire,
        Relaxed,
        Release, //
    },
    time::{
        Instant,
        Monotonic, //
    },
};

use super::Rpc;
use crate::timeouts;

impl Rpc {
    /// Polls for the reply to `sequence` for up to [`timeouts::RPC_POLL`],
    /// draining the status queue itself, if it is the only call in flight. A reply that comes within the
    /// spin is handled without waiting for the interrupt; the interrupt
    /// then finds the queue empty.
    pub(super) fn poll(&self, sequence: u32) {
        if self.polling.cmpxchg(false, true, Acquire).is_err() {
            return;
        }
        // With other calls in flight the interrupt brings several replies
        // at once, and a spinning vCPU would only slow the other callers.
        if self.pending.lock().waiters.len() > 1 {
            self.polling.store(false, Release);
            return;
        }
        self.stats.polls.fetch_add(1, Relaxed);
        let start = Instant::<Monotonic>::now();
        let mut heard = self.received.load(Relaxed);
        while start.elapsed() < timeouts::RPC_POLL && !self.is_lost() {
            let mut drained = false;
            if let Some(mut rx) = self.rx.try_lock() {
                if self.queues.has_message(rx.read) {
                    self.drain_locked(&mut rx);
                    drained = true;
                }
            }
            // Whoever took the messages (this caller or the interrupt's
            // thread), a new one may be the reply.
            let now = self.received.load(Relaxed);
            if now != heard {
                heard = now;
                if self.pending.lock().waiters.answered(sequence) {
                    if drained {
                        self.stats.polled_replies.fetch_add(1, Relaxed);
                        let ns = u64::try_from(start.elapsed().as_nanos()).unwrap_or(0);
                        self.stats.poll_ns.fetch_add(ns, Relaxed);
                    }
                    break;
                }
            }
            cpu_relax();
        }
        self.polling.store(false, Release);
    }

    /// Whether the status queue holds something no one took yet; may say
    /// so for a message being taken right now, never the other way round
    /// once a drain is done. For the interrupt handler: when a caller
    /// polling ([`Self::poll`]) took the replies, the threaded handler
    /// need not run.
    pub(crate) fn has_unread(&self) -> bool {
        self.queues.has_message(self.read_copy.load(Acquire))
    }
}
