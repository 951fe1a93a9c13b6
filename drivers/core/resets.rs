// SPDX-License-Identifier: GPL-2.0

//! The clients' reset handlers: what the recovery (`recovery.rs`) tells
//! before it resets the GPU and after GSP-RM runs again.

use kernel::{
    new_mutex,
    prelude::*,
    sync::{
        Arc,
        Mutex, //
    },
};

use crate::proto::partition::{
    ClientKind,
    KINDS, //
};

/// What the recovery tells a client: the client API's `ResetHandler`
/// with the handle it was registered on (`client/reset.rs`).
pub(crate) trait ResetTarget: Send + Sync {
    /// GSP-RM was lost; the GPU is about to be reset.
    fn prepare(&self);

    /// GSP-RM runs again with the client's namespace back.
    fn done(&self) -> Result;
}

/// A registered reset handler.
pub(crate) struct ResetEntry {
    kind: ClientKind,
    handler: KBox<dyn ResetTarget>,
}

/// The reset handlers of one GPU's clients. The lock is held while
/// handlers run, so dropping a registration waits for its handler.
#[pin_data]
pub(crate) struct Resets {
    #[pin]
    entries: Mutex<KVec<Arc<ResetEntry>>>,
}

impl Resets {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            entries <- new_mutex!(KVec::new()),
        })
    }

    /// Registers `handler` of a client of `kind`.
    pub(crate) fn add(
        &self,
        kind: ClientKind,
        handler: KBox<dyn ResetTarget>,
    ) -> Result<Arc<ResetEntry>> {
        let entry = Arc::new(ResetEntry { kind, handler }, GFP_KERNEL)?;
        self.entries.lock().push(entry.clone(), GFP_KERNEL)?;
        Ok(entry)
    }

    /// Unregisters `entry`, waiting for its handler if it runs.
    pub(crate) fn remove(&self, entry: &Arc<ResetEntry>) {
        let mut entries = self.entries.lock();
        if let Some(i) = entries.iter().position(|e| Arc::ptr_eq(e, entry)) {
            let _ = entries.remove(i);
        }
    }

    /// Tells every client to prepare for the reset.
    pub(crate) fn prepare(&self) {
        for e in self.entries.lock().iter() {
            e.handler.prepare();
        }
    }

    /// Calls every `done` handler; returns the kinds of the clients whose
    /// rebuild failed for their own reasons. Errors that mean GSP-RM is
    /// going away again (`ETIMEDOUT` before a hang is declared, `EAGAIN`,
    /// `ENODEV`) are no verdict on the client: the next recovery tells it
    /// again.
    pub(crate) fn done(&self) -> [bool; KINDS] {
        let mut failed = [false; KINDS];
        for e in self.entries.lock().iter() {
            match e.handler.done() {
                Err(err) if err != ETIMEDOUT && err != EAGAIN && err != ENODEV => {
                    failed[e.kind.index()] = true;
                }
                _ => {}
            }
        }
        failed
    }
}
