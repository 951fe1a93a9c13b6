// SPDX-License-Identifier: GPL-2.0

//! Non-stall interrupts: an engine saying that some channel on it made
//! progress (a semaphore released, a `NON_STALL_INTERRUPT` method run). With
//! GSP-RM they come on the copy engines' non-stall vectors of the CPU
//! interrupt tree, which GSP-RM's kernel interrupt table names, not as a
//! GSP message; they name no channel (nouveau `ga100_fifo_nonstall_intr`
//! only says "this runlist"; its fence code then reads every channel's
//! semaphore). So every watcher hears every one, and looks at its own
//! channels' progress in memory.
//!
//! The hard handler acknowledges the enabled vectors before anything reads
//! a semaphore, so a release after the read signals again. While there
//! are watchers it reads the vectors' leaves first (one BAR read per
//! leaf), so the watchers hear only of real non-stall interrupts; without
//! watchers it clears them blindly (a write to a clear bit does nothing).
//! The watchers run on a work item of the core's event workqueue, not on
//! the interrupt thread, which must stay free to deliver GSP-RM's replies;
//! they run under the list's lock, so removing one waits for a round in
//! progress and none runs after [`Nonstall::unwatch`] returns.

use kernel::{
    io::{
        register::Array,
        Io, //
    },
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
    workqueue::{
        self,
        impl_has_work,
        new_work,
        Work,
        WorkItem, //
    },
};

use crate::{
    bar::Bar0,
    cpu_intr::{
        IntrVector,
        NV_CPU_INTR_LEAF, //
    },
};

/// Most non-stall vectors the core enables: one per copy engine.
pub(crate) const MAX_VECTORS: usize = 10;
/// An unused slot.
const NONE: u32 = u32::MAX;

/// A client's view of its channels' progress, told after each non-stall
/// interrupt, in process context, one round at a time. It must not drop
/// a [`crate::client::Channel`] of the same GPU, or wait for one to be
/// dropped or made (dropping one waits for a round in progress).
pub trait ChannelWatcher: Send + Sync {
    /// Some channel may have made progress.
    fn progress(&self);
}

/// The watchers, and the work item that tells them.
#[pin_data]
struct Watchers {
    /// By key.
    #[pin]
    list: Mutex<KVec<(u64, Arc<dyn ChannelWatcher>)>>,
    #[pin]
    work: Work<Watchers>,
}

impl_has_work! {
    impl HasWork<Self> for Watchers { self.work }
}

impl WorkItem for Watchers {
    type Pointer = Arc<Watchers>;

    fn run(this: Arc<Watchers>) {
        let list = this.list.lock();
        for (_, w) in list.iter() {
            w.progress();
        }
    }
}

/// The enabled non-stall vectors and the watchers.
pub(crate) struct Nonstall {
    /// Enabled vectors ([`NONE`] for an empty slot), read by the hard
    /// handler.
    vectors: [Atomic<u32>; MAX_VECTORS],
    watchers: Arc<Watchers>,
    /// How many watchers there are: the hard handler looks for non-stall
    /// interrupts only then.
    watched: Atomic<u32>,
    next: Atomic<u64>,
}

impl Nonstall {
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            vectors: [const { Atomic::new(NONE) }; MAX_VECTORS],
            watchers: Arc::pin_init(
                pin_init!(Watchers {
                    list <- new_mutex!(KVec::new()),
                    work <- new_work!("nvgsp_core::events::Nonstall::work"),
                }),
                GFP_KERNEL,
            )?,
            watched: Atomic::new(0),
            next: Atomic::new(0),
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

    /// The subtrees of the enabled vectors.
    pub(crate) fn subtrees(&self) -> u32 {
        self.vectors
            .iter()
            .filter_map(|slot| IntrVector::new(slot.load(Relaxed)))
            .fold(0, |m, v| m | crate::cpu_intr::subtrees_of(v))
    }

    /// Acknowledges the enabled vectors; returns whether one was pending
    /// and a watcher wants to hear of it. From the hard handler.
    pub(crate) fn ack(&self, bar: Bar0<'_>) -> bool {
        let watched = self.watched.load(Relaxed) != 0;
        // Each leaf read at most once: (index, its bits), the last read.
        let mut read: Option<(usize, u32)> = None;
        let mut pending = false;
        for slot in &self.vectors {
            let Some(v) = IntrVector::new(slot.load(Relaxed)) else {
                continue;
            };
            if !watched {
                v.ack(bar);
                continue;
            }
            let (leaf, bit) = v.leaf();
            let bits = match read {
                Some((l, bits)) if l == leaf => bits,
                _ => {
                    let bits =
                        NV_CPU_INTR_LEAF::try_at(leaf).map_or(0, |at| bar.read(at).vectors().get());
                    read = Some((leaf, bits));
                    bits
                }
            };
            if bits & bit != 0 {
                v.ack(bar);
                pending = true;
            }
        }
        pending
    }

    /// Has the watchers told (from the threaded handler): their work item
    /// runs on `wq`, once for any number of calls before it starts.
    pub(crate) fn notify(&self, wq: &workqueue::Queue) {
        let _ = wq.enqueue(self.watchers.clone());
    }

    /// Adds `watcher`; returns its key for [`Nonstall::unwatch`].
    pub(crate) fn watch(&self, watcher: Arc<dyn ChannelWatcher>) -> Result<u64> {
        let key = self.next.fetch_add(1, Relaxed);
        let mut list = self.watchers.list.lock();
        list.push((key, watcher), GFP_KERNEL)?;
        self.watched
            .store(u32::try_from(list.len()).unwrap_or(u32::MAX), Relaxed);
        Ok(key)
    }

    /// Removes the watcher `key` gave, after a round in progress (so it
    /// sleeps; no round calls it after this returns).
    pub(crate) fn unwatch(&self, key: u64) {
        let mut list = self.watchers.list.lock();
        list.retain(|(k, _)| *k != key);
        self.watched
            .store(u32::try_from(list.len()).unwrap_or(u32::MAX), Relaxed);
    }
}
