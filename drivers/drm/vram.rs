// SPDX-License-Identifier: GPL-2.0

//! VRAM objects' memory: one contiguous range of the DRM share per
//! object, and its CPU mapping through BAR1 (the core's), made at the
//! object's first mmap and kept until the object goes.
//!
//! Objects outlive the DRM registration (open files keep them), but the
//! memory, like every hold on the GPU, must not: the registration holds
//! it all in the [`VramStore`], which [`VramStore::revoke`] empties when
//! it ends: the CPU mappings are taken away first, then BAR1's, then the
//! VRAM goes; a later access to a mapping raises `SIGBUS`. An object holds
//! a key into the store ([`VramRef`]), never the memory itself.
//!
//! While the GPU is reset (GSP-RM crashed), BAR1 is GSP-RM's again and
//! then taken back: the CPU mappings are taken away at the start
//! ([`VramStore::suspend`]), and faults wait until the core is done
//! ([`VramStore::resume`]) to map the same pages again. What VRAM held
//! before the reset is the GPU's to keep or lose.

use kernel::{
    new_condvar, new_mutex,
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        CondVar,
        CondVarTimeoutResult,
        Mutex, //
    },
    time::msecs_to_jiffies,
};

use nvgsp_core::client::{
    CpuMapping,
    Gpu,
    Placement,
    ResetHandler,
    Vram, //
};

use crate::{
    gem::Object,
    kernel_gaps::{
        Fault,
        HeldObject,
        ObjectMappings, //
    },
};

use kernel::page::PAGE_SHIFT;
/// VRAM objects are made of 64 KiB pages (BAR1's and the GPU's big page).
pub(crate) const GRANULE: u64 = 64 << 10;
/// Objects from this size on are aligned to it (2 MiB GPU pages).
const HUGE: u64 = 2 << 20;
/// How long a fault waits for a GPU reset to end (the core gives up on
/// GSP-RM well before: its boot takes seconds).
const RESET_WAIT_MS: u32 = 60_000;

/// The VRAM of the DRM device's objects, while it is registered.
#[pin_data]
pub(crate) struct VramStore {
    /// `None` once revoked.
    #[pin]
    inner: Mutex<Option<Inner>>,
    /// Wakes faults that wait for a reset's end (or the revoke).
    #[pin]
    resumed: CondVar,
    /// Held while an object's memory is cleared (outside `inner`, which
    /// faults take), so no use of it starts before that ends.
    #[pin]
    clearing: Mutex<()>,
    next: Atomic<u64>,
}

struct Inner {
    /// Where the memory comes from.
    gpu: Gpu,
    /// A GPU reset is in progress: faults wait.
    resetting: bool,
    entries: KVec<Entry>,
}

impl Inner {
    /// References on the objects that may have CPU mappings, to take them
    /// away outside the lock (a reference dropped may free its object,
    /// whose destructor takes the lock). Under the lock, so no fault maps
    /// a page of them again until the lock's holder lets it.
    fn hold(&self) -> KVec<HeldObject> {
        let mut held = KVec::new();
        for m in self.entries.iter().filter_map(|e| e.mappings.as_ref()) {
            if let Some(h) = m.hold() {
                if held.reserve(1, GFP_KERNEL).is_err() {
                    // No memory to keep it: taken away here, and the
                    // reference leaked (its object stays): dropped under
                    // the lock, it could free the object, whose
                    // destructor takes the lock.
                    h.zap();
                    core::mem::forget(h);
                } else if let Err(kernel::alloc::kvec::PushError(h)) = held.push_within_capacity(h)
                {
                    h.zap();
                    core::mem::forget(h);
                }
            }
        }
        held
    }
}

/// One object's memory.
struct Entry {
    key: u64,
    /// The object's CPU mappings (once it is made), to take away before
    /// BAR1's.
    mappings: Option<ObjectMappings>,
    vram: Arc<Vram>,
    /// Whether the VRAM was cleared (before its first use: what its last
    /// owner left must not reach this one).
    cleared: bool,
    /// Its BAR1 mapping, once mmapped.
    cpu: Option<CpuMapping>,
}

impl VramStore {
    /// An empty store drawing from `gpu`'s share.
    pub(crate) fn new(gpu: Gpu) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(VramStore {
                inner <- new_mutex!(Some(Inner {
                    gpu,
                    resetting: false,
                    entries: KVec::new(),
                })),
                resumed <- new_condvar!(),
                clearing <- new_mutex!(()),
                next: Atomic::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// Allocates `size` bytes (a multiple of [`GRANULE`]) for an object.
    ///
    /// # Errors
    ///
    /// `ENOSPC` beyond the DRM share, `ENOMEM` if no free range is large
    /// enough, `ENODEV` once revoked.
    pub(crate) fn alloc(self: &Arc<Self>, size: u64) -> Result<VramRef> {
        let align = if size >= HUGE { HUGE } else { GRANULE };
        // Allocated and cleared outside the lock (clearing takes a while):
        // the handle is not kept.
        let gpu = self.inner.lock().as_ref().ok_or(ENODEV)?.gpu.clone();
        let vram = Arc::new(gpu.alloc_vram(size, align, Placement::Any)?, GFP_KERNEL)?;
        drop(gpu);
        let mut inner = self.inner.lock();
        // Revoked meanwhile: the VRAM goes back (outside the lock).
        let inner = Option::as_mut(&mut *inner).ok_or(ENODEV)?;
        inner.entries.reserve(1, GFP_KERNEL)?;
        let key = self.next.fetch_add(1, Relaxed);
        inner
            .entries
            .push_within_capacity(Entry {
                key,
                mappings: None,
                vram,
                cleared: false,
                cpu: None,
            })
            .map_err(|_| ENOMEM)?;
        Ok(VramRef {
            store: self.clone(),
            key,
        })
    }

    /// Runs `f` on the memory of `key`, if the store still holds it.
    fn with<R>(&self, key: u64, f: impl FnOnce(&Gpu, &mut Entry) -> R) -> Option<R> {
        let mut inner = self.inner.lock();
        let inner = Option::as_mut(&mut *inner)?;
        let entry = inner.entries.iter_mut().find(|e| e.key == key)?;
        Some(f(&inner.gpu, entry))
    }

    /// Frees the memory of `key` (its object is being freed: no CPU
    /// mapping of it is left).
    fn free(&self, key: u64) {
        let taken = {
            let mut inner = self.inner.lock();
            Option::as_mut(&mut *inner).and_then(|inner| {
                let at = inner.entries.iter().position(|e| e.key == key)?;
                inner.entries.remove(at).ok()
            })
        };
        // BAR1 unmapped, then the VRAM freed, outside the lock.
        drop(taken);
    }

    /// Frees all the memory for good: the CPU mappings of every object
    /// are taken away first (under the lock, so no fault maps a page
    /// again), then BAR1's and the VRAM.
    pub(crate) fn revoke(&self) {
        let (taken, held) = {
            let mut inner = self.inner.lock();
            let held = inner.as_ref().map(Inner::hold).unwrap_or_default();
            (inner.take(), held)
        };
        self.resumed.notify_all();
        // No fault maps a page from here on: what was mapped goes, then
        // BAR1's mappings and the VRAM.
        for h in held.iter() {
            h.zap();
        }
        drop(held);
        drop(taken);
    }

    /// A GPU reset starts: the CPU mappings are taken away, and faults
    /// wait for [`Self::resume`].
    fn suspend(&self) {
        let held = {
            let mut inner = self.inner.lock();
            let Some(i) = Option::as_mut(&mut *inner) else {
                return;
            };
            i.resetting = true;
            i.hold()
        };
        for h in held.iter() {
            h.zap();
        }
    }

    /// The reset is over (BAR1 is the core's again): faults go on.
    fn resume(&self) {
        if let Some(i) = Option::as_mut(&mut *self.inner.lock()) {
            i.resetting = false;
        }
        self.resumed.notify_all();
    }
}

/// Takes the CPU mappings away while the GPU is reset.
pub(crate) struct VramReset(pub(crate) Arc<VramStore>);

impl ResetHandler for VramReset {
    fn prepare(&self, _gpu: &Gpu) {
        self.0.suspend();
    }

    fn done(&self, _gpu: &Gpu) -> Result {
        self.0.resume();
        Ok(())
    }
}

/// An object's hold on its memory in the store; dropping it (with the
/// object) frees the memory.
pub(crate) struct VramRef {
    store: Arc<VramStore>,
    key: u64,
}

impl VramRef {
    /// The memory, cleared if it was not yet, while the store holds it
    /// (to map it for the GPU: the mapping keeps the object, and so the
    /// memory, until it is gone).
    ///
    /// # Errors
    ///
    /// `ENODEV` once the memory is gone; the clearing's (`EINTR`,
    /// `EAGAIN`, ...).
    pub(crate) fn memory(&self) -> Result<Arc<Vram>> {
        self.cleared()
    }

    /// Clears the memory before its first use; returns it.
    fn cleared(&self) -> Result<Arc<Vram>> {
        let _one = self.store.clearing.lock();
        let (vram, cleared) = self
            .store
            .with(self.key, |_, e| (e.vram.clone(), e.cleared))
            .ok_or(ENODEV)?;
        if !cleared {
            // Slow (the CPU writes it through BAR1): not under `inner`.
            vram.clear()?;
            self.store.with(self.key, |_, e| e.cleared = true);
        }
        Ok(vram)
    }

    /// Records `obj` as the object this is for (it holds this, and so
    /// outlives the store's entry), before anything can map it.
    pub(crate) fn adopt(&self, obj: &Object) {
        self.store.with(self.key, |_, e| {
            e.mappings = Some(ObjectMappings::new(obj));
        });
    }
}

impl Drop for VramRef {
    fn drop(&mut self) {
        self.store.free(self.key);
    }
}

/// Before `obj` (a VRAM object) is mmapped: maps its memory in BAR1 if it
/// is not yet.
///
/// # Errors
///
/// `ENOSPC` if BAR1 is full, `ENODEV` once the GPU is unbound (or has no
/// usable BAR1), `EAGAIN` while it is being reset, `ENOMEM`.
pub(crate) fn mmap_prepare(obj: &Object) -> Result {
    let r = obj.vram().ok_or(EINVAL)?;
    r.cleared()?;
    r.store
        .with(r.key, |gpu, e| {
            if e.cpu.is_none() {
                e.cpu = Some(gpu.map_for_cpu(&e.vram)?);
            }
            Ok(())
        })
        .unwrap_or(Err(ENODEV))
}

/// What [`fault`] did.
pub(crate) enum Faulted {
    /// Mapped the page, or left the fault to raise `SIGBUS` (the memory
    /// is gone).
    Done,
    /// Nothing: the GPU is being reset; the fault waits ([`wait_reset`]).
    Resetting,
}

/// A CPU fault on page `page` of `obj` (a VRAM object).
pub(crate) fn fault(obj: &Object, page: u64, fault: &Fault) -> Faulted {
    let Some(r) = obj.vram() else {
        return Faulted::Done;
    };
    let inner = r.store.inner.lock();
    let Some(inner) = inner.as_ref() else {
        return Faulted::Done;
    };
    if inner.resetting {
        return Faulted::Resetting;
    }
    let cpu = inner
        .entries
        .iter()
        .find(|e| e.key == r.key)
        .and_then(|e| e.cpu.as_ref());
    if let Some(cpu) = cpu.filter(|c| page < c.size() >> PAGE_SHIFT) {
        fault.insert((cpu.cpu_addr() >> PAGE_SHIFT) + page);
    }
    Faulted::Done
}

/// Waits until the GPU reset in progress is over, the memory is gone, a
/// signal comes, or [`RESET_WAIT_MS`] passed; whether a signal ended it.
pub(crate) fn wait_reset(obj: &Object) -> bool {
    let Some(r) = obj.vram() else {
        return false;
    };
    let store = &r.store;
    let mut guard = store.inner.lock();
    let mut left = msecs_to_jiffies(RESET_WAIT_MS);
    while guard.as_ref().is_some_and(|i| i.resetting) {
        match store.resumed.wait_interruptible_timeout(&mut guard, left) {
            CondVarTimeoutResult::Woken { jiffies } => left = jiffies,
            CondVarTimeoutResult::Signal { .. } => return true,
            CondVarTimeoutResult::Timeout => return false,
        }
    }
    false
}
