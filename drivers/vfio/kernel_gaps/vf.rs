// SPDX-License-Identifier: GPL-2.0

//! The virtual functions' driver (`nvgsp_vfio_vf.c`) as the vGPU host
//! reaches it, and the calls it makes into Rust ([`crate::vf`]).
//!
//! Missing abstraction: a vfio-pci-core variant driver. vfio_pci_core
//! wants its `struct vfio_pci_core_device` as the PCI device's driver
//! data, which a Rust PCI driver owns, and Rust has no binding of it; so
//! the PCI driver, its VFIO device operations and its sysfs group are C,
//! and every decision is Rust's.
//!
//! # The C side's VF and who may touch it
//!
//! `struct nvgsp_vfio_vf` lives from a VF's probe to its remove. A
//! [`VfHandle`] points to it until the remove callback clears the
//! pointer (under its lock), which the C side's remove does before it
//! frees the VF; remove runs with the VF's device lock held. So:
//! - registering and unregistering the VF's VFIO device, which the C side
//!   does with the device lock held, need a [`VfLocked`], which holds the
//!   lock (or is lent by a callback that runs with it held): a holder that
//!   finds the pointer set reaches a live VF;
//! - [`VfHandle::notify_error`] holds the pointer's lock while it uses it.

use core::{
    ffi::{
        c_int,
        c_void, //
    },
    ptr::NonNull,
};

use kernel::{
    bindings,
    device::{
        self,
        Device, //
    },
    error::to_result,
    new_spinlock,
    page::PAGE_SIZE,
    prelude::*,
    sync::{
        aref::ARef,
        Arc,
        SpinLock, //
    },
    types::ForeignOwnable,
};

use crate::vf::{
    self,
    Attr,
    Vf,
    VfInfo, //
};

// Devices pass as `void *` (bindgen's `struct device` is not an FFI-safe
// Rust type), the C side's VF as `void *` too.
extern "C" {
    fn nvgsp_vfio_vf_driver_register() -> c_int;
    fn nvgsp_vfio_vf_driver_unregister();
    fn nvgsp_vfio_vdev_register(
        vf: *mut c_void,
        device_id: u16,
        subsystem_id: u16,
        bar1_size: u64,
    ) -> c_int;
    fn nvgsp_vfio_vdev_unregister(vf: *mut c_void, last: bool);
    fn nvgsp_vfio_vdev_notify_error(vf: *mut c_void);
    fn nvgsp_vfio_device_lock(dev: *mut c_void);
    fn nvgsp_vfio_device_unlock(dev: *mut c_void);
    fn nvgsp_vfio_pf_info(pf: *mut c_void, device_id: *mut u16, vf_bar1: *mut u64) -> c_int;
}

/// `dev` as the C side takes it.
fn raw<Ctx: device::DeviceContext>(dev: &Device<Ctx>) -> *mut c_void {
    core::ptr::from_ref(dev)
        .cast::<bindings::device>()
        .cast_mut()
        .cast()
}

/// Keeps the virtual functions' PCI driver registered until dropped.
pub(crate) struct VfDriver(());

impl VfDriver {
    /// Registers the driver: from now on it probes NVIDIA virtual
    /// functions.
    ///
    /// # Errors
    ///
    /// The PCI core's, e.g. `EBUSY` if it is registered already.
    pub(crate) fn register() -> Result<Self> {
        // SAFETY: registers the C side's static `struct pci_driver`; the
        // PCI core refuses a second registration of it.
        to_result(unsafe { nvgsp_vfio_vf_driver_register() })?;
        Ok(VfDriver(()))
    }
}

impl Drop for VfDriver {
    fn drop(&mut self) {
        // SAFETY: registered by `register`. Unregistering removes every
        // VF of the driver (their remove runs) before it returns.
        unsafe { nvgsp_vfio_vf_driver_unregister() };
    }
}

/// The physical function's facts the vGPU types depend on.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PfInfo {
    /// Its PCI device ID.
    pub(crate) device_id: u16,
    /// The size of each of its virtual functions' BAR1, in bytes (0 if it
    /// has no SR-IOV BAR1).
    pub(crate) vf_bar1: u64,
}

/// The facts of the physical function `pf` (the PCI device of the
/// auxiliary device the host is bound to).
///
/// Missing abstraction: the PCI device behind a `device::Device`, and the
/// SR-IOV BAR resources.
///
/// # Errors
///
/// `ENODEV` if `pf` is no PCI device.
pub(crate) fn pf_info(pf: &Device<device::Bound>) -> Result<PfInfo> {
    let mut device_id = 0u16;
    let mut vf_bar1 = 0u64;
    // SAFETY: `pf` is a bound device, alive for the call; the out
    // pointers are valid for writes.
    to_result(unsafe { nvgsp_vfio_pf_info(raw(pf), &mut device_id, &mut vf_bar1) })?;
    Ok(PfInfo { device_id, vf_bar1 })
}

/// The C side's `struct nvgsp_vfio_vf`.
#[derive(Clone, Copy)]
struct CVf(NonNull<c_void>);

// SAFETY: the C side's VF may be used from any thread; when it is alive is
// [`VfHandle`]'s to say.
unsafe impl Send for CVf {}

/// What the VMM is shown of a vGPU: the PCI IDs of its type and its BAR1.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VfioView {
    /// The PCI device ID.
    pub(crate) device_id: u16,
    /// The PCI subsystem ID (the subsystem vendor is NVIDIA).
    pub(crate) subsystem_id: u16,
    /// BAR1's size in bytes: a power of two, at most the VF's BAR1.
    pub(crate) bar1_size: u64,
}

/// A virtual function bound to the driver, as Rust reaches it: its device
/// (for log lines and its lock) and the C side's VF, until its remove.
#[pin_data]
pub(crate) struct VfHandle {
    dev: ARef<Device>,
    /// The C side's VF; `None` from its remove on.
    #[pin]
    c: SpinLock<Option<CVf>>,
}

/// The parts of a [`VfHandle`], as the VF's probe gives them.
pub(crate) struct VfHandleInit {
    dev: ARef<Device>,
    c: CVf,
}

impl VfHandleInit {
    /// The VF's device.
    pub(crate) fn device(&self) -> &Device {
        &self.dev
    }

    /// The handle.
    pub(crate) fn init(self) -> impl PinInit<VfHandle> {
        pin_init!(VfHandle {
            dev: self.dev,
            c <- new_spinlock!(Some(self.c), "nvgsp_vfio::VfHandle::c"),
        })
    }
}

impl VfHandle {
    /// The VF's device.
    pub(crate) fn device(&self) -> &Device {
        &self.dev
    }

    /// Takes the VF's device lock, which its remove and its sysfs writes
    /// hold (waiting for a remove in progress, which may wait for a VMM to
    /// let go of the VF's VFIO device).
    pub(crate) fn lock(&self) -> VfLocked<'_> {
        // SAFETY: `dev` holds a reference on the device, so it is alive.
        unsafe { nvgsp_vfio_device_lock(raw(&self.dev)) };
        VfLocked {
            vf: self,
            owned: true,
        }
    }

    /// Tells the VMM holding the VF's VFIO device, through its error
    /// eventfd, that the device was reset under it; nothing without one.
    pub(crate) fn notify_error(&self) {
        let c = self.c.lock();
        if let Some(c) = *c {
            // SAFETY: `c` is set: the remove callback, which clears it
            // under this lock before the C side frees the VF, has not run.
            unsafe { nvgsp_vfio_vdev_notify_error(c.0.as_ptr()) };
        }
    }

    /// The C side's VF, unless it was removed.
    fn c(&self) -> Result<CVf> {
        (*self.c.lock()).ok_or(ENODEV)
    }
}

/// The VF's device lock, held (the C side creates and destroys VFIO
/// devices only under it). Dropping it unlocks, unless it was lent by a
/// callback whose caller holds the lock.
pub(crate) struct VfLocked<'a> {
    vf: &'a VfHandle,
    owned: bool,
}

impl VfLocked<'_> {
    /// Registers the VF's VFIO device, showing the VMM `view`.
    ///
    /// # Errors
    ///
    /// `ENODEV` once the VF was removed; `EBUSY` if it is registered;
    /// `EINVAL` for a BAR1 size that is no power of two or beyond the
    /// VF's; `ENOMEM`; VFIO's refusal (e.g. `EINVAL`
    /// without an IOMMU, unless VFIO's no-IOMMU mode is enabled).
    pub(crate) fn register(&self, view: &VfioView) -> Result {
        let c = self.vf.c()?;
        // SAFETY: the device lock is held (`VfLocked`) and `c` was still
        // set: remove, which clears it before the C side frees the VF,
        // needs the lock, so the VF is alive for the call.
        to_result(unsafe {
            nvgsp_vfio_vdev_register(
                c.0.as_ptr(),
                view.device_id,
                view.subsystem_id,
                view.bar1_size,
            )
        })
    }

    /// Unregisters the VF's VFIO device if it is registered, waiting
    /// until no VMM holds it (VFIO asks it to let go through the
    /// device's request eventfd). Unless `last`, a new, unregistered
    /// device takes its place, for the VF's next vGPU.
    ///
    /// # Errors
    ///
    /// `ENODEV` once the VF was removed.
    pub(crate) fn unregister(&self, last: bool) -> Result {
        let c = self.vf.c()?;
        // SAFETY: as in `register`.
        unsafe { nvgsp_vfio_vdev_unregister(c.0.as_ptr(), last) };
        Ok(())
    }
}

impl Drop for VfLocked<'_> {
    fn drop(&mut self) {
        if self.owned {
            // SAFETY: taken by `VfHandle::lock`; `dev` holds a reference.
            unsafe { nvgsp_vfio_device_unlock(raw(&self.vf.dev)) };
        }
    }
}

/// A callback's result as the C side wants it: a count or a negative
/// errno.
fn to_ssize(r: Result<usize>) -> isize {
    match r {
        Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
        Err(e) => isize::try_from(e.to_errno()).unwrap_or(-1),
    }
}

/// Called by the C side's probe of a virtual function, with the VF's
/// device lock held: makes the VF's state, written to `*state`, or
/// returns a negative errno (`ENODEV`: its GPU has no vGPU host).
///
/// # Safety
///
/// `cvf` is the C side's VF, alive until [`nvgsp_vfio_vf_remove`] on the
/// state returns; `dev` is the VF's bound device; `state` is writable.
#[no_mangle]
unsafe extern "C" fn nvgsp_vfio_vf_probe(
    cvf: *mut c_void,
    dev: *mut c_void,
    pf_key: u32,
    index: u16,
    dbdf: u32,
    bar1_len: u64,
    state: *mut *mut c_void,
) -> c_int {
    let Some(c) = NonNull::new(cvf) else {
        return EINVAL.to_errno();
    };
    // SAFETY: `dev` is the VF's device, bound (its probe runs), so alive;
    // the reference taken keeps it alive after.
    let dev = unsafe { Device::get_device(dev.cast()) };
    let handle = VfHandleInit { dev, c: CVf(c) };
    let info = VfInfo {
        pf_key,
        index,
        dbdf,
        bar1_len,
    };
    match vf::probe(handle, info) {
        Ok(vf) => {
            // SAFETY: `state` is writable (this function's contract).
            unsafe { state.write(vf.into_foreign()) };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// Called by the C side's remove of a virtual function (or its failed
/// probe), with the VF's device lock held and its sysfs group removed:
/// destroys its vGPU and frees its state. The C side frees its VF after.
///
/// # Safety
///
/// `state` came from [`nvgsp_vfio_vf_probe`] and is not used after.
#[no_mangle]
unsafe extern "C" fn nvgsp_vfio_vf_remove(state: *mut c_void) {
    // SAFETY: `state` is probe's `Arc<Vf>`, given back once (contract).
    let vf = unsafe { <Arc<Vf> as ForeignOwnable>::from_foreign(state) };
    let handle = vf.handle();
    // The C side holds the device lock.
    vf::remove(
        &vf,
        &VfLocked {
            vf: handle,
            owned: false,
        },
    );
    *handle.c.lock() = None;
}

/// Called by the C side to show attribute `attr` of the VF's `nvidia`
/// group into `buf`: the byte count or a negative errno.
///
/// # Safety
///
/// `state` is a VF's from [`nvgsp_vfio_vf_probe`] (the group is removed
/// before its remove runs); `buf` is a sysfs page.
#[no_mangle]
unsafe extern "C" fn nvgsp_vfio_vf_show(state: *mut c_void, attr: c_int, buf: *mut u8) -> isize {
    // SAFETY: `state` is alive (contract).
    let vf = unsafe { <Arc<Vf> as ForeignOwnable>::borrow(state) };
    // SAFETY: sysfs hands show() a page, which nothing else uses now.
    let page = unsafe { core::slice::from_raw_parts_mut(buf, PAGE_SIZE) };
    let Some(attr) = Attr::from_index(attr) else {
        return to_ssize(Err(EINVAL));
    };
    to_ssize(vf::show(&vf, attr, page))
}

/// Called by the C side when `current_vgpu_type` is written, with the
/// VF's device lock held: `len` or a negative errno.
///
/// # Safety
///
/// As [`nvgsp_vfio_vf_show`]; `buf` holds `len` bytes.
#[no_mangle]
unsafe extern "C" fn nvgsp_vfio_vf_store(state: *mut c_void, buf: *const u8, len: usize) -> isize {
    // SAFETY: `state` is alive (contract).
    let vf = unsafe { <Arc<Vf> as ForeignOwnable>::borrow(state) };
    // SAFETY: sysfs passes `len` readable bytes.
    let text = unsafe { core::slice::from_raw_parts(buf, len) };
    // The C side holds the device lock.
    let locked = VfLocked {
        vf: vf.handle(),
        owned: false,
    };
    to_ssize(vf::store(&vf, &locked, text).map(|()| len))
}

/// Called by the C side's `open_device` (first open of the VF's VFIO
/// device): 0 or a negative errno.
///
/// # Safety
///
/// `state` is a VF's from [`nvgsp_vfio_vf_probe`]: its remove waits for
/// the VFIO device to be closed and unregistered.
#[no_mangle]
unsafe extern "C" fn nvgsp_vfio_vf_open(state: *mut c_void) -> c_int {
    // SAFETY: `state` is alive (contract).
    let vf = unsafe { <Arc<Vf> as ForeignOwnable>::borrow(state) };
    match vf::open(&vf) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Called by the C side's `close_device` (last close), or when its
/// `open_device` failed after [`nvgsp_vfio_vf_open`].
///
/// # Safety
///
/// As [`nvgsp_vfio_vf_open`].
#[no_mangle]
unsafe extern "C" fn nvgsp_vfio_vf_close(state: *mut c_void) {
    // SAFETY: `state` is alive (contract).
    let vf = unsafe { <Arc<Vf> as ForeignOwnable>::borrow(state) };
    vf::close(&vf);
}

/// Called by the C side on `VFIO_DEVICE_RESET`, before the function's
/// reset: 0 or a negative errno.
///
/// # Safety
///
/// As [`nvgsp_vfio_vf_open`] (the device is open).
#[no_mangle]
unsafe extern "C" fn nvgsp_vfio_vf_reset(state: *mut c_void) -> c_int {
    // SAFETY: `state` is alive (contract).
    let vf = unsafe { <Arc<Vf> as ForeignOwnable>::borrow(state) };
    match vf::reset(&vf) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}
