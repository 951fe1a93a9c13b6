// SPDX-License-Identifier: GPL-2.0

//! [`OwnedQueue`]: a workqueue of the core's own, so that unbinding a GPU
//! can wait for exactly that GPU's work (events, recovery) and no more.

use kernel::{
    bindings,
    prelude::*,
    workqueue, //
};

/// An unbound workqueue, destroyed (after running what is queued) on drop.
pub(crate) struct OwnedQueue(*mut bindings::workqueue_struct);

// SAFETY: workqueues may be used and destroyed from any thread.
unsafe impl Send for OwnedQueue {}
// SAFETY: as above.
unsafe impl Sync for OwnedQueue {}

impl OwnedQueue {
    /// A new workqueue called `name`.
    pub(crate) fn new(name: &'static CStr) -> Result<Self> {
        // SAFETY: `name` has no conversions and no further arguments are
        // passed; the result is checked.
        let wq = unsafe {
            bindings::alloc_workqueue_noprof(name.as_char_ptr(), bindings::wq_flags_WQ_UNBOUND, 0)
        };
        if wq.is_null() {
            return Err(ENOMEM);
        }
        Ok(Self(wq))
    }

    /// The queue, to enqueue work on.
    pub(crate) fn queue(&self) -> &workqueue::Queue {
        // SAFETY: `self.0` is a live workqueue until `drop`.
        unsafe { workqueue::Queue::from_raw(self.0) }
    }
}

impl Drop for OwnedQueue {
    fn drop(&mut self) {
        // SAFETY: allocated in `new`; destroying drains it first.
        unsafe { bindings::destroy_workqueue(self.0) };
    }
}
