// SPDX-License-Identifier: GPL-2.0

//! GEM objects backed by I/O memory (`nvgsp_drm_io.c`): a VRAM object is a shmem object
//! (whose file stays empty) given other object functions
//! ([`make_io_object`]), so that userspace maps it as the BAR1 range the
//! core mapped it at: mmap asks the driver to have that range
//! ([`crate::vram::mmap_prepare`]) and each fault asks it for the page
//! frame ([`crate::vram::fault`]). [`ObjectMappings`] takes an object's
//! CPU mappings away, before BAR1 is unmapped.

use core::ffi::{
    c_int,
    c_void, //
};

use kernel::{
    bindings,
    drm::gem::IntoGEMObject,
    prelude::*, //
};

use crate::gem::Object;

// `struct drm_gem_object *` and `struct drm_device *` pass as `void *`.
extern "C" {
    fn nvgsp_drm_io_object(obj: *mut c_void) -> c_int;
    fn nvgsp_drm_io_insert(fault: *mut c_void, pfn: u64);
    fn nvgsp_drm_io_get(obj: *mut c_void) -> bool;
    fn nvgsp_drm_io_put(obj: *mut c_void);
    fn nvgsp_drm_io_zap(obj: *mut c_void);
}

/// Makes `obj`, just made and not yet visible to userspace, an object the
/// CPU maps as I/O memory, with no pages of its own: it cannot be
/// exported, vmapped or pinned.
///
/// # Errors
///
/// `EINVAL` if `obj` is not of the kind this was first used with.
pub(crate) fn make_io_object(obj: &Object) -> Result {
    // SAFETY: `obj.as_raw()` is a valid, initialised GEM object of this
    // driver for as long as `obj` is borrowed; nothing else uses its
    // functions yet (no handle or mmap offset names it).
    kernel::error::to_result(unsafe { nvgsp_drm_io_object(obj.as_raw().cast()) })
}

/// One CPU page fault on an I/O object, as the C side passes it.
pub(crate) struct Fault(*mut c_void);

impl Fault {
    /// Maps page frame `pfn` where the fault happened; the fault's result
    /// is the insert's (without a call, the fault raises `SIGBUS`).
    pub(crate) fn insert(&self, pfn: u64) {
        // SAFETY: `self.0` is the C side's fault record, valid for the
        // duration of `nvgsp_drm_io_fault`, which is the only place a
        // `Fault` exists (it is borrowed there).
        unsafe { nvgsp_drm_io_insert(self.0, pfn) }
    }
}

/// Called by the C side's mmap of an I/O object, before it is mapped.
#[no_mangle]
extern "C" fn nvgsp_drm_io_mmap_prepare(obj: *mut bindings::drm_gem_object) -> c_int {
    // SAFETY: the C side calls this from the object functions
    // `make_io_object` installed, on an object of this driver that the
    // mmap holds a reference on.
    let obj = unsafe { Object::from_raw(obj) };
    match crate::vram::mmap_prepare(obj) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Called by the C side's fault handler of an I/O object: 1 if the GPU is
/// being reset (nothing mapped: the fault waits with
/// [`nvgsp_drm_io_wait`]), else 0.
#[no_mangle]
extern "C" fn nvgsp_drm_io_fault(
    obj: *mut bindings::drm_gem_object,
    page: u64,
    fault: *mut c_void,
) -> c_int {
    // SAFETY: as in `nvgsp_drm_io_mmap_prepare`: the faulting mapping
    // holds a reference on the object.
    let obj = unsafe { Object::from_raw(obj) };
    match crate::vram::fault(obj, page, &Fault(fault)) {
        crate::vram::Faulted::Done => 0,
        crate::vram::Faulted::Resetting => 1,
    }
}

/// Called by the C side's fault handler, holding a reference on the
/// object: waits until a GPU reset is over (or gives up); 1 if a signal
/// ended the wait, else 0.
#[no_mangle]
extern "C" fn nvgsp_drm_io_wait(obj: *mut bindings::drm_gem_object) -> c_int {
    // SAFETY: the C side holds a reference on the object.
    let obj = unsafe { Object::from_raw(obj) };
    c_int::from(crate::vram::wait_reset(obj))
}

/// The CPU mappings of one object, to take away. Holds no reference: its
/// owner drops it before the object is freed (`vram::VramStore`, whose
/// entry for an object its destructor removes, under the store's lock).
pub(crate) struct ObjectMappings(*mut c_void);

// SAFETY: the pointer is only passed to the C side, which may take the
// mappings away from any thread.
unsafe impl Send for ObjectMappings {}

impl ObjectMappings {
    /// Those of `obj`.
    pub(crate) fn new(obj: &Object) -> Self {
        ObjectMappings(obj.as_raw().cast())
    }

    /// A reference on the object, unless it is being freed (then no
    /// mapping of it is left: mappings hold references).
    pub(crate) fn hold(&self) -> Option<HeldObject> {
        // SAFETY: the object's memory is valid (see the type), whatever
        // its reference count.
        unsafe { nvgsp_drm_io_get(self.0) }.then_some(HeldObject(self.0))
    }
}

/// A reference on an I/O object, taken by [`ObjectMappings::hold`].
pub(crate) struct HeldObject(*mut c_void);

impl HeldObject {
    /// Takes every CPU mapping of the object away: the next access faults
    /// again.
    pub(crate) fn zap(&self) {
        // SAFETY: the reference keeps the object alive, and with it its
        // device (a holder of the object holds it: a file, a mapping of
        // one).
        unsafe { nvgsp_drm_io_zap(self.0) }
    }
}

impl Drop for HeldObject {
    fn drop(&mut self) {
        // SAFETY: the reference `hold` took. The object may go now, so
        // the caller holds none of the locks its destructor takes.
        unsafe { nvgsp_drm_io_put(self.0) }
    }
}
