// SPDX-License-Identifier: GPL-2.0

//! Audited wrappers over kernel abstractions that Linux 7.3's Rust API
//! does not offer yet. Every `unsafe impl Send`/`Sync` of the core lives
//! here, each under the name of the abstraction whose absence it stands
//! in for, so that the day the kernel grows it, one item goes.

use core::{
    marker::PhantomData,
    ops::Deref,
    ptr::NonNull, //
};

use kernel::{
    bindings,
    maple_tree::MapleTreeAlloc,
    new_condvar,
    new_mutex,
    prelude::*,
    sync::{
        CondVar,
        Mutex, //
    },
    types::{
        CovariantForLt,
        ForeignOwnable, //
    },
    workqueue, //
};

/// A borrow of pinned, bound driver data that a kernel callback may hold.
///
/// Missing abstraction: scoped registrations. Work items
/// (`workqueue::Work`), debugfs files and C callbacks (sysfs attributes)
/// take `'static` data only, while the core's per-GPU state lives in the
/// PCI driver's `Data<'bound>`. Whoever makes a `BoundRef` promises that
/// its target outlives it (e.g. the work is drained, or the file removed,
/// before the target is dropped).
///
/// `F` names the target type for any lifetime ([`CovariantForLt`]), so a
/// reference handed out never outlives the `BoundRef` it came from.
pub(crate) struct BoundRef<F: CovariantForLt> {
    target: NonNull<F::Of<'static>>,
}

// SAFETY: a `BoundRef` only hands out shared references to its target,
// which is `Sync`, so moving it to another thread shares the target.
unsafe impl<F: CovariantForLt> Send for BoundRef<F> where for<'a> F::Of<'a>: Sync {}
// SAFETY: as above.
unsafe impl<F: CovariantForLt> Sync for BoundRef<F> where for<'a> F::Of<'a>: Sync {}

impl<F: CovariantForLt> Clone for BoundRef<F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F: CovariantForLt> Copy for BoundRef<F> {}

impl<F: CovariantForLt> BoundRef<F> {
    /// Borrows `target` beyond its lifetime.
    ///
    /// # Safety
    ///
    /// `target` must stay alive and in place until the returned value and
    /// every copy of it are gone.
    pub(crate) unsafe fn new<'a>(target: &'a F::Of<'a>) -> Self {
        Self {
            target: NonNull::from(target).cast(),
        }
    }

    /// The target.
    pub(crate) fn get(&self) -> &F::Of<'_> {
        // SAFETY: the target outlives `self` (`new`'s contract), so a
        // reference for as long as `self` is borrowed is valid.
        F::cast_ref(unsafe { self.target.as_ref() })
    }
}

/// Revocable access to bound driver data for users that sleep while they
/// use it.
///
/// Missing abstraction: a `Revocable` with sleepable readers (SRCU). The
/// kernel's `Revocable` and `Devres` hold an RCU read lock while the data
/// is accessed, but a client's GSP-RM call waits for a reply. Here each
/// access is counted; [`SleepableRevocable::revoke`] refuses new accesses
/// and waits for those in progress, after which every access fails with
/// `ENODEV`. The core hands this to its clients so that a handle that
/// outlives the GPU's unbind gets `ENODEV`, never a dangling reference.
#[pin_data]
pub(crate) struct SleepableRevocable<F: CovariantForLt> {
    #[pin]
    state: Mutex<Access>,
    #[pin]
    idle: CondVar,
    _target: PhantomData<F>,
}

/// Whether the target is reachable, and how many use it.
struct Access {
    /// The target, between `arm` and `revoke`.
    target: Option<NonNull<()>>,
    users: usize,
}

// SAFETY: the pointer in `Access` is only turned into shared references
// to a `Sync` target (`SleepableRevocable::access`).
unsafe impl Send for Access {}

// SAFETY: the target is only reached through shared references, and
// `F::Of<'_>` is `Sync`; the bookkeeping is under a mutex.
unsafe impl<F: CovariantForLt> Send for SleepableRevocable<F> where for<'a> F::Of<'a>: Sync {}
// SAFETY: as above.
unsafe impl<F: CovariantForLt> Sync for SleepableRevocable<F> where for<'a> F::Of<'a>: Sync {}

impl<F: CovariantForLt> SleepableRevocable<F> {
    /// Not yet armed: every access fails with `ENODEV`.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            state <- new_mutex!(Access {
                target: None,
                users: 0,
            }),
            idle <- new_condvar!(),
            _target: PhantomData,
        })
    }

    /// Makes `target` reachable.
    ///
    /// # Safety
    ///
    /// `target` must stay alive and in place until [`Self::revoke`] has
    /// returned, and `revoke` must be called before it goes.
    pub(crate) unsafe fn arm<'a>(&self, target: &'a F::Of<'a>) {
        self.state.lock().target = Some(NonNull::from(target).cast());
    }

    /// Access to the target until the guard is dropped.
    ///
    /// # Errors
    ///
    /// `ENODEV` before `arm` or once `revoke` has begun.
    pub(crate) fn access(&self) -> Result<RevocableGuard<'_, F>> {
        let mut s = self.state.lock();
        let target = s.target.ok_or(ENODEV)?;
        s.users += 1;
        Ok(RevocableGuard {
            owner: self,
            target: target.cast(),
        })
    }

    /// Refuses new accesses and waits until none is in progress. A guard
    /// held by the caller itself would wait forever: it must hold none.
    pub(crate) fn revoke(&self) {
        let mut s = self.state.lock();
        s.target = None;
        while s.users > 0 {
            self.idle.wait(&mut s);
        }
    }
}

/// An access in progress ([`SleepableRevocable::access`]).
pub(crate) struct RevocableGuard<'r, F: CovariantForLt> {
    owner: &'r SleepableRevocable<F>,
    target: NonNull<F::Of<'static>>,
}

impl<F: CovariantForLt> RevocableGuard<'_, F> {
    /// The target, for as long as the guard is borrowed (not `Deref`: a
    /// reference the target holds must not outlive the guard either).
    pub(crate) fn get(&self) -> &F::Of<'_> {
        // SAFETY: the target stays alive until `revoke` returns (`arm`'s
        // contract), which waits for this guard; shortening its lifetime
        // to the guard's borrow is sound for a covariant `F`.
        F::cast_ref(unsafe { self.target.as_ref() })
    }
}

impl<F: CovariantForLt> Drop for RevocableGuard<'_, F> {
    fn drop(&mut self) {
        let mut s = self.owner.state.lock();
        s.users -= 1;
        if s.users == 0 {
            self.owner.idle.notify_all();
        }
    }
}

/// A workqueue of the driver's own, destroyed (after running what is
/// queued) on drop, so that unbinding a GPU waits for exactly that GPU's
/// work.
///
/// Missing abstraction: an owned `alloc_workqueue()` queue;
/// `kernel::workqueue` offers only the system queues.
pub(crate) struct OwnedQueue(NonNull<bindings::workqueue_struct>);

// SAFETY: workqueues may be used and destroyed from any thread.
unsafe impl Send for OwnedQueue {}
// SAFETY: as above; `&OwnedQueue` only enqueues.
unsafe impl Sync for OwnedQueue {}

impl OwnedQueue {
    /// A new unbound workqueue called `name`.
    pub(crate) fn new(name: &'static CStr) -> Result<Self> {
        // SAFETY: `name` has no conversions and no further arguments are
        // passed; the result is checked.
        let wq = unsafe {
            bindings::alloc_workqueue_noprof(name.as_char_ptr(), bindings::wq_flags_WQ_UNBOUND, 0)
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

/// A maple tree that may be shared between threads.
///
/// Missing abstraction: `Send`/`Sync` for `kernel::maple_tree::MapleTree`.
/// The C maple tree serializes its users with its own spinlock and may be
/// used from any thread; what it owns must be `Send`.
#[pin_data]
pub(crate) struct SyncMapleTreeAlloc<T: ForeignOwnable> {
    #[pin]
    tree: MapleTreeAlloc<T>,
}

// SAFETY: see `SyncMapleTreeAlloc`: the tree locks itself, and its
// entries are `Send`.
unsafe impl<T: ForeignOwnable + Send> Send for SyncMapleTreeAlloc<T> {}
// SAFETY: as above.
unsafe impl<T: ForeignOwnable + Send> Sync for SyncMapleTreeAlloc<T> {}

impl<T: ForeignOwnable> SyncMapleTreeAlloc<T> {
    /// An empty tree.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            tree <- MapleTreeAlloc::new(),
        })
    }
}

impl<T: ForeignOwnable> Deref for SyncMapleTreeAlloc<T> {
    type Target = MapleTreeAlloc<T>;

    fn deref(&self) -> &Self::Target {
        &self.tree
    }
}

/// What the C side returned for a sysfs attribute group it added, to
/// remove it again.
///
/// Missing abstraction: sysfs attribute groups with show/store callbacks
/// (`device_add_group()`) in Rust; the core adds them in C
/// (`nvgsp_core_partition.c`).
pub(crate) struct CGroupHandle {
    /// The `struct device` the group was added to.
    pub(crate) dev: *mut core::ffi::c_void,
    /// The C side's handle for the group.
    pub(crate) handle: *mut core::ffi::c_void,
}

// SAFETY: the pointers are only passed back to the C side to remove the
// group, which it allows from any thread.
unsafe impl Send for CGroupHandle {}
// SAFETY: `CGroupHandle` has no `&self` methods.
unsafe impl Sync for CGroupHandle {}

extern "C" {
    // `dev` is the PCI device's `struct device *`, passed untyped (see
    // `sysfs.rs`); `base` a `void __iomem *`.
    fn nvgsp_core_bar1_reserve_wc(dev: *mut core::ffi::c_void) -> core::ffi::c_int;
    fn nvgsp_core_bar1_release_wc(dev: *mut core::ffi::c_void, cookie: core::ffi::c_int);
    fn nvgsp_core_bar1_map(
        dev: *mut core::ffi::c_void,
        off: u64,
        len: u64,
    ) -> *mut core::ffi::c_void;
    fn nvgsp_core_bar1_unmap(dev: *mut core::ffi::c_void, base: *mut core::ffi::c_void);
    fn nvgsp_core_bar1_zero(base: *mut core::ffi::c_void, off: u64, len: u64);
}

/// BAR1 recorded as write-combined (so user mappings of its pages are),
/// and a piece of it mapped in the kernel (`nvgsp_core_bar1.c`).
///
/// Missing abstraction: a write-combined mapping of part of a PCI BAR, the
/// memory type reservation of a BAR and `writeq` over a range
/// (`kernel::pci::Bar` maps a whole BAR uncached).
pub(crate) struct Bar1Aperture {
    /// The PCI device's `struct device`; bound while this lives.
    dev: NonNull<core::ffi::c_void>,
    /// The piece mapped, from BAR1's offset `off`.
    base: NonNull<core::ffi::c_void>,
    off: u64,
    len: u64,
    /// The write-combining record, if made (`None`: user mappings get
    /// whatever type the range had).
    wc: Option<core::ffi::c_int>,
}

// SAFETY: the pointers are only passed to the C side, which may use the
// mapping from any thread.
unsafe impl Send for Bar1Aperture {}
// SAFETY: `zero` writes device memory through the mapping; its callers
// serialise their use of the piece.
unsafe impl Sync for Bar1Aperture {}

impl Bar1Aperture {
    /// Records BAR1 of `pdev` as write-combined and maps `len` bytes of it
    /// from `off`.
    ///
    /// # Safety
    ///
    /// `pdev` must stay bound until the returned value is dropped.
    pub(crate) unsafe fn new(
        pdev: &kernel::pci::Device<kernel::device::Bound>,
        off: u64,
        len: u64,
    ) -> Result<Self> {
        let dev: &kernel::device::Device<kernel::device::Bound> = pdev.as_ref();
        let raw = core::ptr::from_ref(dev)
            .cast::<bindings::device>()
            .cast_mut()
            .cast::<core::ffi::c_void>();
        let dev = NonNull::new(raw).ok_or(EINVAL)?;
        // SAFETY: `raw` is the bound PCI device's `struct device`
        // (`device::Device` is a transparent wrapper of it).
        let cookie = unsafe { nvgsp_core_bar1_reserve_wc(raw) };
        let wc = (cookie >= 0).then_some(cookie);
        // SAFETY: as above.
        let base = unsafe { nvgsp_core_bar1_map(raw, off, len) };
        let Some(base) = NonNull::new(base) else {
            if let Some(cookie) = wc {
                // SAFETY: the record just made, of the still bound device.
                unsafe { nvgsp_core_bar1_release_wc(raw, cookie) };
            }
            return Err(ENOMEM);
        };
        Ok(Bar1Aperture {
            dev,
            base,
            off,
            len,
            wc,
        })
    }

    /// Whether user mappings of BAR1 are write-combined.
    pub(crate) fn write_combined(&self) -> bool {
        self.wc.is_some()
    }

    /// Zeroes `len` bytes at BAR1 offset `off`, inside the mapped piece.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a range outside the piece.
    pub(crate) fn zero(&self, off: u64, len: u64) -> Result {
        let end = off.checked_add(len).ok_or(EINVAL)?;
        if off < self.off || end > self.off + self.len {
            return Err(EINVAL);
        }
        // SAFETY: the range lies inside the mapping, which lives as long
        // as `self`.
        unsafe { nvgsp_core_bar1_zero(self.base.as_ptr(), off - self.off, len) };
        Ok(())
    }
}

impl Drop for Bar1Aperture {
    fn drop(&mut self) {
        // SAFETY: `base` is the mapping `new` made of `dev`, and `wc` its
        // record, `dev` still bound (`new`'s contract).
        unsafe {
            nvgsp_core_bar1_unmap(self.dev.as_ptr(), self.base.as_ptr());
            if let Some(cookie) = self.wc {
                nvgsp_core_bar1_release_wc(self.dev.as_ptr(), cookie);
            }
        }
    }
}

/// The SR-IOV layout of a physical function, as GSP-RM wants it in
/// `GSP_VF_INFO` (`nvgsp_core_sriov.c`, whose struct this mirrors).
///
/// Missing abstraction: the SR-IOV capability's fields and the virtual
/// functions' BAR resources (Linux 7.3 has `sriov_get_totalvfs()` only).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SriovLayout {
    /// Where the first virtual function's BARs 0, 1 and 2 are (NVIDIA's
    /// numbering: the registers, VRAM, and the one after).
    pub(crate) vf_bar: [u64; 3],
    /// TotalVFs.
    pub(crate) total_vfs: u16,
    /// First VF Offset: the first VF's routing ID less the PF's.
    pub(crate) first_vf_offset: u16,
    /// Whether each of those BARs is 64-bit.
    pub(crate) vf_bar_64bit: [u8; 3],
    pad: u8,
}

extern "C" {
    fn nvgsp_core_vfs_assigned(dev: *mut core::ffi::c_void) -> core::ffi::c_int;
    fn nvgsp_core_sriov_layout(
        dev: *mut core::ffi::c_void,
        out: *mut SriovLayout,
    ) -> core::ffi::c_int;
}

/// The SR-IOV layout of the PCI function `dev`, or `None` if it has no
/// SR-IOV capability (or no virtual functions), or if the virtual
/// functions' BARs got no addresses (logged: they cannot be enabled).
pub(crate) fn sriov_layout(
    pdev: &kernel::pci::Device<kernel::device::Bound>,
) -> Option<SriovLayout> {
    let dev: &kernel::device::Device<kernel::device::Bound> = pdev.as_ref();
    let raw = core::ptr::from_ref(dev)
        .cast::<bindings::device>()
        .cast_mut()
        .cast::<core::ffi::c_void>();
    let mut out = SriovLayout::default();
    // SAFETY: `raw` is the bound PCI device's `struct device`
    // (`device::Device` is a transparent wrapper of it), and `out` a valid
    // `SriovLayout`, which has the C struct's layout.
    let ret = unsafe { nvgsp_core_sriov_layout(raw, &mut out) };
    if ret == ENXIO.to_errno() {
        kernel::dev_warn!(
            dev,
            "SR-IOV: the virtual functions' BARs have no addresses (no room in the bridge window); no vGPUs\n"
        );
    }
    (ret == 0).then_some(out)
}

/// How many virtual functions of the PCI function `pdev` are assigned to a
/// guest (`pci_vfs_assigned()`, `nvgsp_core_sriov.c`): a VMM holds their
/// VFIO devices open.
///
/// Missing abstraction: `pci_vfs_assigned()`.
pub(crate) fn vfs_assigned(pdev: &kernel::pci::Device<kernel::device::Bound>) -> u32 {
    let dev: &kernel::device::Device<kernel::device::Bound> = pdev.as_ref();
    let raw = core::ptr::from_ref(dev)
        .cast::<bindings::device>()
        .cast_mut()
        .cast::<core::ffi::c_void>();
    // SAFETY: `raw` is the bound PCI device's `struct device`
    // (`device::Device` is a transparent wrapper of it); the call only
    // reads its virtual functions' flags.
    let n = unsafe { nvgsp_core_vfs_assigned(raw) };
    u32::try_from(n).unwrap_or(0)
}
