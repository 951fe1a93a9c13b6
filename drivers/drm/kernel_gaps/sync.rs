// SPDX-License-Identifier: GPL-2.0

//! Fences and sync objects (`nvgsp_drm_sync.c`).
//!
//! Missing abstractions: Linux 7.3's Rust has neither `dma_fence` nor
//! `drm_syncobj`. This follows the shape of the `DriverFence` abstraction
//! posted for 7.4: a fence the driver signals exactly once, with a result,
//! and that signals `ECANCELED` if dropped unsignalled ([`JobFence`]);
//! references on any fence ([`Fence`]); and what a submission does with a
//! file's sync objects: take the fence a wait names ([`Fence::of_syncobj`])
//! and, prepared before the job is queued so that nothing can fail after,
//! give the job's fence to a signal entry ([`Signal`]).

use core::{
    ffi::{
        c_int,
        c_long,
        c_uint,
        c_void, //
    },
    ptr::NonNull,
};

use kernel::{
    drm,
    prelude::*, //
};

use crate::file::File;

// `struct dma_fence *`, `struct drm_syncobj *`, `struct dma_fence_chain
// *` and `struct drm_file *` pass as `void *`.
extern "C" {
    fn nvgsp_fence_context() -> u64;
    fn nvgsp_fence_new(context: u64, seqno: u64) -> *mut c_void;
    fn nvgsp_fence_signal(fence: *mut c_void, error: c_int);
    fn nvgsp_fence_get(fence: *mut c_void) -> *mut c_void;
    fn nvgsp_fence_put(fence: *mut c_void);
    fn nvgsp_fence_wait(fence: *mut c_void, intr: bool, ms: c_uint) -> c_long;
    fn nvgsp_fence_status(fence: *mut c_void) -> c_int;
    fn nvgsp_syncobj_fence(
        file: *mut c_void,
        handle: u32,
        point: u64,
        fence: *mut *mut c_void,
    ) -> c_int;
    fn nvgsp_syncobj_find(file: *mut c_void, handle: u32) -> *mut c_void;
    fn nvgsp_syncobj_put(syncobj: *mut c_void);
    fn nvgsp_syncobj_install(
        syncobj: *mut c_void,
        chain: *mut c_void,
        fence: *mut c_void,
        point: u64,
    );
    fn nvgsp_chain_alloc() -> *mut c_void;
    fn nvgsp_chain_free(chain: *mut c_void);
    fn nvgsp_sync_quiesce();
}

/// A reference on a `dma_fence` (this driver's or another's).
pub(crate) struct Fence(NonNull<c_void>);

// SAFETY: a fence reference may be used and dropped on any thread; the
// fence locks itself.
unsafe impl Send for Fence {}
// SAFETY: as above; `&Fence` only waits and reads the status.
unsafe impl Sync for Fence {}

impl Fence {
    /// The fence sync object `handle` of `file` has (at timeline `point`
    /// if not 0).
    ///
    /// # Errors
    ///
    /// `ENOENT` for no such sync object, `EINVAL` if it has no fence (for
    /// that point) yet.
    pub(crate) fn of_syncobj(file: &drm::File<File>, handle: u32, point: u64) -> Result<Fence> {
        let mut fence = core::ptr::null_mut();
        // SAFETY: `file` is a live DRM file of a driver with sync objects
        // (`FEAT_SYNCOBJ`, so its table is set up); on success `fence`
        // holds a reference that is then ours (on failure it is not read).
        kernel::error::to_result(unsafe {
            nvgsp_syncobj_fence(file.as_raw().cast(), handle, point, &mut fence)
        })?;
        NonNull::new(fence).map(Fence).ok_or(EINVAL)
    }

    /// Waits up to `ms` milliseconds (not interruptible) for the fence;
    /// whether it signalled.
    pub(crate) fn wait(&self, ms: u32) -> bool {
        // SAFETY: `self` holds a reference on the fence.
        unsafe { nvgsp_fence_wait(self.0.as_ptr(), false, ms) > 0 }
    }

    /// Waits for the fence until a signal comes.
    ///
    /// # Errors
    ///
    /// `ERESTARTSYS` at a signal.
    pub(crate) fn wait_interruptible(&self) -> Result {
        loop {
            // SAFETY: `self` holds a reference on the fence.
            let r = unsafe { nvgsp_fence_wait(self.0.as_ptr(), true, 10_000) };
            match r {
                0 => continue,
                r if r > 0 => return Ok(()),
                r => return Err(Error::from_errno(i32::try_from(r).unwrap_or(-4))),
            }
        }
    }

    /// `None` until the fence signalled; then its result.
    pub(crate) fn status(&self) -> Option<Result> {
        // SAFETY: `self` holds a reference on the fence.
        match unsafe { nvgsp_fence_status(self.0.as_ptr()) } {
            0 => None,
            e if e < 0 => Some(Err(Error::from_errno(e))),
            _ => Some(Ok(())),
        }
    }
}

impl Clone for Fence {
    fn clone(&self) -> Self {
        // SAFETY: `self` holds a reference, so the fence is live; the
        // new one is the clone's.
        Fence(unsafe { NonNull::new_unchecked(nvgsp_fence_get(self.0.as_ptr())) })
    }
}

impl Drop for Fence {
    fn drop(&mut self) {
        // SAFETY: the reference this holds.
        unsafe { nvgsp_fence_put(self.0.as_ptr()) }
    }
}

/// A timeline of fences that signal in the order of their sequence
/// numbers (one per channel).
pub(crate) struct FenceContext {
    id: u64,
}

impl FenceContext {
    /// A new timeline.
    pub(crate) fn new() -> Self {
        // SAFETY: no preconditions.
        let id = unsafe { nvgsp_fence_context() };
        FenceContext { id }
    }

    /// A new, unsignalled fence of this timeline at `seqno`. The caller
    /// signals the fences of a timeline in the order of `seqno`.
    ///
    /// # Errors
    ///
    /// `ENOMEM`.
    pub(crate) fn fence(&self, seqno: u64) -> Result<JobFence> {
        // SAFETY: no preconditions; the result is checked.
        let raw = unsafe { nvgsp_fence_new(self.id, seqno) };
        Ok(JobFence(Some(Fence(NonNull::new(raw).ok_or(ENOMEM)?))))
    }
}

/// A fence of this driver, signalled exactly once: by
/// [`JobFence::signal`], or with `ECANCELED` when dropped unsignalled.
pub(crate) struct JobFence(Option<Fence>);

impl JobFence {
    /// A reference on the fence, to hand out.
    pub(crate) fn fence(&self) -> Option<Fence> {
        self.0.clone()
    }

    /// Signals the fence, with `result`'s error if any.
    pub(crate) fn signal(mut self, result: Result) {
        Self::signal_raw(self.0.take(), result);
    }

    fn signal_raw(fence: Option<Fence>, result: Result) {
        if let Some(fence) = fence {
            let error = result.err().map_or(0, |e| e.to_errno());
            // SAFETY: `fence` is a reference on a fence this driver made
            // and has not signalled (a `JobFence` signals once: it is
            // consumed, or dropped, doing so).
            unsafe { nvgsp_fence_signal(fence.0.as_ptr(), error) }
        }
    }
}

impl Drop for JobFence {
    fn drop(&mut self) {
        Self::signal_raw(self.0.take(), Err(ECANCELED));
    }
}

/// A timeline point's node, allocated before the job is queued.
struct ChainNode(NonNull<c_void>);

impl ChainNode {
    fn new() -> Result<Self> {
        // SAFETY: no preconditions; the result is checked.
        NonNull::new(unsafe { nvgsp_chain_alloc() })
            .map(ChainNode)
            .ok_or(ENOMEM)
    }
}

impl Drop for ChainNode {
    fn drop(&mut self) {
        // SAFETY: allocated by `new` and never given away (`Signal::install`
        // forgets it when it does).
        unsafe { nvgsp_chain_free(self.0.as_ptr()) }
    }
}

/// A sync object a job will signal: looked up, and for a timeline point
/// its node allocated, before the job is queued.
pub(crate) struct Signal {
    syncobj: NonNull<c_void>,
    point: Option<(u64, ChainNode)>,
}

// SAFETY: a sync object reference and an unused chain node may be used
// and dropped on any thread.
unsafe impl Send for Signal {}

impl Signal {
    /// Sync object `handle` of `file`, to be given a fence in place of
    /// its own (`point` `None`) or as timeline point `point`.
    ///
    /// # Errors
    ///
    /// `ENOENT` for no such sync object; `ENOMEM`.
    pub(crate) fn new(file: &drm::File<File>, handle: u32, point: Option<u64>) -> Result<Self> {
        let point = match point {
            Some(p) => Some((p, ChainNode::new()?)),
            None => None,
        };
        // SAFETY: as in `Fence::of_syncobj`; the reference taken is ours.
        let raw = unsafe { nvgsp_syncobj_find(file.as_raw().cast(), handle) };
        Ok(Signal {
            syncobj: NonNull::new(raw).ok_or(ENOENT)?,
            point,
        })
    }

    /// Gives the sync object `fence`.
    pub(crate) fn install(mut self, fence: &Fence) {
        let (chain, point) = match self.point.take() {
            Some((p, node)) => {
                let raw = node.0.as_ptr();
                // The sync object owns the node from here on.
                core::mem::forget(node);
                (raw, p)
            }
            None => (core::ptr::null_mut(), 0),
        };
        // SAFETY: `self` holds a reference on the sync object; `fence`
        // one on the fence, which the sync object takes its own of; the
        // chain node is unused and passes to the sync object.
        unsafe { nvgsp_syncobj_install(self.syncobj.as_ptr(), chain, fence.0.as_ptr(), point) }
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        // SAFETY: the reference `new` took.
        unsafe { nvgsp_syncobj_put(self.syncobj.as_ptr()) }
    }
}

/// Waits until nothing can still be looking at the driver's fence
/// functions. Called at unbind, once every fence of the device signalled,
/// before the module may go.
pub(crate) fn quiesce_fences() {
    // SAFETY: no preconditions (it sleeps: called in process context).
    unsafe { nvgsp_sync_quiesce() }
}
