// SPDX-License-Identifier: GPL-2.0

//! A workqueue of the driver's own.
//!
//! Missing abstraction: an owned `alloc_workqueue()` queue;
//! `kernel::workqueue` offers only the system queues. The channels' job
//! runners sleep on it while their jobs run, and unbinding destroys it,
//! which waits for them: no work of this module runs after the unbind.

use core::ptr::NonNull;

use kernel::{
    bindings,
    prelude::*,
    workqueue, //
};

/// An unbound workqueue, destroyed (after running what is queued) on drop.
pub(crate) struct OwnedQueue(NonNull<bindings::workqueue_struct>);

// SAFETY: workqueues may be used and destroyed from any thread.
unsafe impl Send for OwnedQueue {}
// SAFETY: as above; `&OwnedQueue` only enqueues.
unsafe impl Sync for OwnedQueue {}

impl OwnedQueue {
    /// A new unbound workqueue called `name`, with a rescuer: fences
    /// others may wait for in reclaim depend on its work.
    pub(crate) fn new(name: &'static CStr) -> Result<Self> {
        // SAFETY: `name` has no conversions and no further arguments are
        // passed; the result is checked.
        let wq = unsafe {
            bindings::alloc_workqueue_noprof(
                name.as_char_ptr(),
                bindings::wq_flags_WQ_UNBOUND | bindings::wq_flags_WQ_MEM_RECLAIM,
                0,
            )
        };
        NonNull::new(wq).map(Self).ok_or(ENOMEM)
    }

    /// The queue, to enqueue work on.
    pub(crate) fn queue(&self) -> &workqueue::Queue {
        // SAFETY: `self.0` is a live workqueue until `drop`.
        unsafe { workqueue::Queue::from_raw(self.0.as_ptr()) }
    }
}

impl Drop for OwnedQueue {
    fn drop(&mut self) {
        // SAFETY: allocated in `new`; destroying drains it first.
        unsafe { bindings::destroy_workqueue(self.0.as_ptr()) };
    }
}
