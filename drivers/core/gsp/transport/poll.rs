// SPDX-License-Identifier: GPL-2.0

//! Polling for a reply: a caller alone in flight spins for its reply,
//! draining the status queue itself, instead of waiting for the interrupt
//! and the two wakeups it costs.

use kernel::{
    processor::cpu_relax,
    sync::atomic::{
        Acquire,
        Relaxed, //
    },
    time::{
        Instant,
        Monotonic, //
    },
};

use super::Rpc;
use crate::timeouts;

impl Rpc {
    /// Polls for the reply to `sequence`, the only call in flight (so one
    /// caller at most polls), for up to [`timeouts::RPC_POLL`], draining
    /// the status queue itself. A reply that comes within the spin is
    /// handled without waiting for the interrupt; the interrupt then finds
    /// the queue empty.
    pub(super) fn poll(&self, sequence: u32) {
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
