// SPDX-License-Identifier: GPL-2.0

//! The sync entries of `EXEC` and ordered `VM_BIND` (`struct
//! drm_nvgsp_sync`): reading them, and ordering the binds with the file's
//! jobs through them.

use kernel::{
    drm,
    prelude::*,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
    transmute::FromBytes,
    uaccess::{
        UserPtr,
        UserSlice, //
    },
};

use crate::{
    file::File,
    kernel_gaps::{
        Fence,
        FenceContext,
        JobFence,
        Signal, //
    },
    uapi,
};

/// The most wait or signal entries one request takes
/// (`NVGSP_PARAM_EXEC_MAX_SYNC`).
pub(crate) const MAX_SYNC: u32 = 64;

/// Reads `count` entries of `T` at user address `ptr`.
///
/// # Errors
///
/// `EFAULT` if they cannot be read; `EINVAL` for a size that overflows.
pub(crate) fn read_list<T: FromBytes>(ptr: u64, count: u32) -> Result<KVec<T>> {
    let mut list = KVec::with_capacity(usize::try_from(count)?, GFP_KERNEL)?;
    if count == 0 {
        return Ok(list);
    }
    let len = usize::try_from(count)
        .ok()
        .and_then(|n| n.checked_mul(core::mem::size_of::<T>()))
        .ok_or(EINVAL)?;
    let ptr = usize::try_from(ptr).map_err(|_| EFAULT)?;
    let mut reader = UserSlice::new(UserPtr::from_addr(ptr), len).reader();
    for _ in 0..count {
        list.push(reader.read::<T>()?, GFP_KERNEL)?;
    }
    Ok(list)
}

/// The timeline point a sync entry names (`None` for a binary one).
///
/// # Errors
///
/// `EINVAL` for an unknown kind, a binary one with a point, or a
/// timeline one at point 0.
fn sync_point(raw: &uapi::drm_nvgsp_sync) -> Result<Option<u64>> {
    match raw.flags {
        uapi::NVGSP_SYNC_SYNCOBJ if raw.timeline_value == 0 => Ok(None),
        uapi::NVGSP_SYNC_TIMELINE_SYNCOBJ if raw.timeline_value != 0 => {
            Ok(Some(raw.timeline_value))
        }
        _ => {
            pr_debug!("bad sync entry\n");
            Err(EINVAL)
        }
    }
}

/// What a request (`EXEC`, an ordered `VM_BIND`) waits for and signals:
/// the fences of its wait entries, and the sync objects of its signal
/// entries, prepared so that giving them a fence cannot fail.
pub(crate) struct SyncLists {
    pub(crate) waits: KVec<Fence>,
    pub(crate) signals: KVec<Signal>,
}

impl SyncLists {
    /// The `wait_count` entries at `wait_ptr` and the `sig_count` at
    /// `sig_ptr`, looked up in `file` before anything is done.
    ///
    /// # Errors
    ///
    /// `EFAULT` for a list that cannot be read; `EINVAL` for a malformed
    /// entry or a wait with no fence; `ENOENT` for an unknown sync object;
    /// `ENOMEM`.
    pub(crate) fn read(
        file: &drm::File<File>,
        (wait_ptr, wait_count): (u64, u32),
        (sig_ptr, sig_count): (u64, u32),
    ) -> Result<Self> {
        let raw_waits = read_list::<uapi::drm_nvgsp_sync>(wait_ptr, wait_count)?;
        let raw_sigs = read_list::<uapi::drm_nvgsp_sync>(sig_ptr, sig_count)?;
        let mut waits = KVec::with_capacity(raw_waits.len(), GFP_KERNEL)?;
        for w in raw_waits.iter() {
            let point = sync_point(w)?.unwrap_or(0);
            waits.push(Fence::of_syncobj(file, w.handle, point)?, GFP_KERNEL)?;
        }
        let mut signals = KVec::with_capacity(raw_sigs.len(), GFP_KERNEL)?;
        for s in raw_sigs.iter() {
            signals.push(Signal::new(file, s.handle, sync_point(s)?)?, GFP_KERNEL)?;
        }
        Ok(SyncLists { waits, signals })
    }

    /// Gives every signal entry `fence`.
    pub(crate) fn install(self, fence: &Fence) {
        for s in self.signals {
            s.install(fence);
        }
    }

    /// Waits for every fence (whatever its result).
    ///
    /// # Errors
    ///
    /// `ERESTARTSYS` at a signal (nothing was done).
    pub(crate) fn wait(&self) -> Result {
        self.waits.iter().try_for_each(Fence::wait_interruptible)
    }

    /// Gives the signal entries a fence of `timeline` that has signalled,
    /// with the ops' `result`.
    ///
    /// # Errors
    ///
    /// `ENOMEM` (the ops took effect; the sync objects are not signalled).
    pub(crate) fn signal(self, timeline: &BindTimeline, result: Result) -> Result {
        let fence = timeline.fence()?;
        let Some(out) = fence.fence() else {
            return Err(ENOMEM);
        };
        fence.signal(result);
        self.install(&out);
        Ok(())
    }
}

/// The timeline of a file's ordered `VM_BIND`s.
pub(crate) struct BindTimeline {
    context: FenceContext,
    next: Atomic<u64>,
}

impl BindTimeline {
    pub(crate) fn new() -> Self {
        BindTimeline {
            context: FenceContext::new(),
            next: Atomic::new(1),
        }
    }

    /// The next fence, unsignalled. Binds are done under the VA space's
    /// lock and signalled at once, in the order of their numbers.
    fn fence(&self) -> Result<JobFence> {
        self.context.fence(self.next.fetch_add(1, Relaxed))
    }
}
