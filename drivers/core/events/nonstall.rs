// SPDX-License-Identifier: GPL-2.0

//! Non-stall interrupts: an engine saying that some channel on it made
//! progress (a semaphore released, a `NON_STALL_INT` method run). With
//! GSP-RM they come on the copy engines' non-stall vectors of the CPU
//! interrupt tree, which GSP-RM's kernel interrupt table names, not as a
//! GSP message; they name no channel (nouveau `ga100_fifo_nonstall_intr`
//! only says "this runlist"; its fence code then reads every channel's
//! semaphore). So every watcher hears every one, and looks at its own
//! channels' progress in memory.
//!
//! The hard handler acknowledges the enabled vectors without reading the
//! leaves (a write to a clear bit does nothing) before anything reads a
//! semaphore, so a release after the read signals again; the threaded
//! handler calls the watchers.

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
    bar::Bar0,
    cpu_intr::IntrVector, //
};

/// Most non-stall vectors the core enables: one per copy engine.
pub(crate) const MAX_VECTORS: usize = 10;
/// An unused slot.
const NONE: u32 = u32::MAX;

/// A client's view of its channels' progress, told after each non-stall
/// interrupt (in process context: it may sleep, but must not drop a
/// [`crate::client::Channel`] of the same GPU, or wait for one to be
/// dropped).
pub trait ChannelWatcher: Send + Sync {
    /// Some channel may have made progress.
    fn progress(&self);
}

/// The enabled non-stall vectors and the watchers.
#[pin_data]
pub(crate) struct Nonstall {
    /// Enabled vectors ([`NONE`] for an empty slot), read by the hard
    /// handler.
    vectors: [Atomic<u32>; MAX_VECTORS],
    /// Watchers by key, each with the channel ID it watches.
    #[pin]
    watchers: Mutex<KVec<(u64, Arc<dyn ChannelWatcher>)>>,
    /// How many watchers there are: the hard handler wakes the thread only
    /// then.
    watched: Atomic<u32>,
    next: Atomic<u64>,
    /// Interrupts handed to watchers (debugfs).
    pub(crate) rounds: Atomic<u64>,
}

impl Nonstall {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            vectors: [const { Atomic::new(NONE) }; MAX_VECTORS],
            watchers <- new_mutex!(KVec::new()),
            watched: Atomic::new(0),
            next: Atomic::new(0),
            rounds: Atomic::new(0),
        })
    }

    /// Enables `vectors` in the tree and acknowledges them from now on.
    pub(crate) fn enable(&self, bar: Bar0<'_>, vectors: impl Iterator<Item = IntrVector>) {
        for (slot, v) in self.vectors.iter().zip(vectors) {
            slot.store(v.raw(), Relaxed);
            v.enable(bar);
        }
    }

    /// Disables the vectors at their leaves (their subtrees stay as the
    /// GSP's vector leaves them: they may share it).
    pub(crate) fn disable(&self, bar: Bar0<'_>) {
        for slot in &self.vectors {
            let v = slot.xchg(NONE, Relaxed);
            if let Some(v) = IntrVector::new(v) {
                v.disable_leaf(bar);
            }
        }
    }

    /// Acknowledges every enabled vector; returns whether a watcher
    /// wants to hear of it. From the hard handler.
    pub(crate) fn ack(&self, bar: Bar0<'_>) -> bool {
        for slot in &self.vectors {
            if let Some(v) = IntrVector::new(slot.load(Relaxed)) {
                v.ack(bar);
            }
        }
        self.watched.load(Relaxed) != 0
    }

    /// Tells every watcher (from the threaded handler). Called outside
    /// the list's lock, so a watcher being removed may hear one more.
    pub(crate) fn notify(&self) {
        if self.watched.load(Relaxed) == 0 {
            return;
        }
        let now = {
            let list = self.watchers.lock();
            let mut now = KVec::new();
            if now.reserve(list.len(), GFP_KERNEL).is_err() {
                // Nothing lost: the next interrupt tells them.
                return;
            }
            for (_, w) in list.iter() {
                let _ = now.push_within_capacity(w.clone());
            }
            now
        };
        self.rounds.fetch_add(1, Relaxed);
        for w in &now {
            w.progress();
        }
    }

    /// Adds `watcher`; returns its key for [`Nonstall::unwatch`].
    pub(crate) fn watch(&self, watcher: Arc<dyn ChannelWatcher>) -> Result<u64> {
        let key = self.next.fetch_add(1, Relaxed);
        let mut list = self.watchers.lock();
        list.push((key, watcher), GFP_KERNEL)?;
        self.watched
            .store(u32::try_from(list.len()).unwrap_or(u32::MAX), Relaxed);
        Ok(key)
    }

    /// Removes the watcher `key` gave.
    pub(crate) fn unwatch(&self, key: u64) {
        let mut list = self.watchers.lock();
        list.retain(|(k, _)| *k != key);
        self.watched
            .store(u32::try_from(list.len()).unwrap_or(u32::MAX), Relaxed);
    }
}
