// SPDX-License-Identifier: GPL-2.0

//! A virtual function bound to the virtual functions' driver
//! (`nvgsp_vfio_vf.c`, through [`crate::kernel_gaps`]): what its
//! callbacks do.
//!
//! A VF finds its GPU's [`Host`] at probe (none: the probe fails with
//! `ENODEV`) and keeps it until its remove, or until the host goes first
//! (its PF's vfio client was unbound: the VF stays bound, without vGPUs,
//! until it is removed or bound again). Its sysfs group `nvidia` holds
//! `creatable_vgpu_types` and `current_vgpu_type`; writing a type ID to
//! the latter creates a vGPU of that type and registers the VF's VFIO
//! device, writing 0 destroys it ([`Host::create`], [`Host::destroy`]).

use core::fmt;

use kernel::{
    device::Device,
    new_mutex,
    prelude::*,
    sync::{
        Arc,
        Mutex, //
    },
};

use crate::{
    host::{
        self,
        Host,
        Removal, //
    },
    kernel_gaps::{
        VfHandle,
        VfHandleInit,
        VfLocked, //
    },
    rules,
};

/// What the VF's probe knows of it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct VfInfo {
    /// Its PF's key in the host registry (the PF's auxiliary device ID:
    /// domain << 16 | bus << 8 | devfn).
    pub(crate) pf_key: u32,
    /// Its index among its PF's virtual functions (its gfid - 1).
    pub(crate) index: u16,
    /// Its domain << 16 | bus << 8 | devfn, as GSP-RM names it.
    pub(crate) dbdf: u32,
    /// Its BAR1's size, in bytes.
    pub(crate) bar1_len: u64,
}

/// A virtual function bound to the driver. Shared by its C side (from
/// probe to remove) and its host's list of VFs (from probe to remove, or
/// until the host goes).
#[pin_data]
pub(crate) struct Vf {
    #[pin]
    handle: VfHandle,
    info: VfInfo,
    /// Its GPU's host; `None` once it was removed or the host went.
    /// Taken under the VF's device lock.
    #[pin]
    host: Mutex<Option<Arc<Host>>>,
}

/// The attributes of the VF's `nvidia` group, as the C side numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Attr {
    /// `creatable_vgpu_types`.
    Creatable,
    /// `current_vgpu_type`.
    Current,
}

impl Attr {
    /// The attribute the C side numbers `index`.
    pub(crate) fn from_index(index: core::ffi::c_int) -> Option<Attr> {
        match index {
            0 => Some(Attr::Creatable),
            1 => Some(Attr::Current),
            _ => None,
        }
    }
}

impl Vf {
    /// Its handle on the C side.
    pub(crate) fn handle(&self) -> &VfHandle {
        &self.handle
    }

    /// Its device, for log lines.
    pub(crate) fn device(&self) -> &Device {
        self.handle.device()
    }

    /// What its probe knew of it.
    pub(crate) fn info(&self) -> &VfInfo {
        &self.info
    }

    /// Its host, if it still has one.
    fn host(&self) -> Option<Arc<Host>> {
        self.host.lock().clone()
    }

    /// Leaves its host (the host goes): its vGPU is destroyed, waiting for
    /// a VMM that holds it.
    pub(crate) fn leave(self: &Arc<Self>, host: &Host) {
        let locked = self.handle.lock();
        // Its remove may have come first and left already; then this does
        // nothing.
        host.detach(self, &locked, Removal::HostGone);
        // Kept until now: the VMM's close, which the detach waits for,
        // reaches the host through it.
        let gone = self.host.lock().take();
        drop(locked);
        drop(gone);
    }
}

/// Probes a virtual function: finds its GPU's host and joins it.
///
/// # Errors
///
/// `ENODEV` if its GPU has no vGPU host; `ENOMEM`.
pub(crate) fn probe(handle: VfHandleInit, info: VfInfo) -> Result<Arc<Vf>> {
    let Some(host) = host::find(info.pf_key) else {
        dev_info!(
            handle.device(),
            "no vGPU host for this virtual function (nvgsp_vfio is not bound to its GPU, or the GPU hosts no vGPUs): not bound\n"
        );
        return Err(ENODEV);
    };
    let joined = host.clone();
    let vf = Arc::pin_init(
        pin_init!(Vf {
            handle <- handle.init(),
            info,
            host <- new_mutex!(Some(joined), "nvgsp_vfio::Vf::host"),
        }),
        GFP_KERNEL,
    )?;
    host.attach(&vf).inspect_err(|_| {
        dev_info!(
            vf.device(),
            "its GPU's vGPU host is going away: not bound\n"
        )
    })?;
    Ok(vf)
}

/// Removes a virtual function: destroys its vGPU (waiting for a VMM that
/// holds its VFIO device) and leaves its host.
pub(crate) fn remove(vf: &Arc<Vf>, locked: &VfLocked<'_>) {
    if let Some(host) = vf.host() {
        host.detach(vf, locked, Removal::VfGone);
    }
    // Kept until now: the VMM's close, which the detach waits for, reaches
    // the host through it.
    let gone = vf.host.lock().take();
    drop(gone);
}

/// A `fmt::Write` into a sysfs page that fails past its end.
struct PageWriter<'a> {
    page: &'a mut [u8],
    len: usize,
}

impl fmt::Write for PageWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        self.page
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Shows attribute `attr` into `page`: the byte count.
///
/// # Errors
///
/// `EFBIG` if it does not fit the page.
pub(crate) fn show(vf: &Vf, attr: Attr, page: &mut [u8]) -> Result<usize> {
    use core::fmt::Write;
    let mut w = PageWriter { page, len: 0 };
    let host = vf.host();
    let written = match (attr, host) {
        (Attr::Creatable, Some(host)) => host.write_creatable(vf, &mut w),
        // Without a host, nothing can be created.
        (Attr::Creatable, None) => Ok(()),
        (Attr::Current, host) => {
            writeln!(w, "{}", host.map_or(0, |h| h.current_type(vf)))
        }
    };
    written.map_err(|_| EFBIG)?;
    Ok(w.len)
}

/// A write of `current_vgpu_type`: a type ID creates a vGPU of it, 0
/// destroys the VF's.
///
/// # Errors
///
/// `EINVAL` for no decimal number; `ENODEV` without a host; those of
/// [`Host::create`] and [`Host::destroy`].
pub(crate) fn store(vf: &Vf, locked: &VfLocked<'_>, text: &[u8]) -> Result {
    let Some(id) = rules::parse_type_id(text) else {
        dev_err!(
            vf.device(),
            "current_vgpu_type: want a vGPU type ID in decimal (0 for none)\n"
        );
        return Err(EINVAL);
    };
    let Some(host) = vf.host() else {
        dev_err!(
            vf.device(),
            "current_vgpu_type: the GPU's vGPU host is gone (bind the virtual function again)\n"
        );
        return Err(ENODEV);
    };
    if id == 0 {
        host.destroy(vf, locked, Removal::Asked)
    } else {
        host.create(vf, locked, id)
    }
}

/// The VF's VFIO device is opened (its first open).
///
/// # Errors
///
/// `ENODEV` without a vGPU, `EBUSY` if it is open already.
pub(crate) fn open(vf: &Vf) -> Result {
    vf.host().ok_or(ENODEV)?.open(vf)
}

/// The VF's VFIO device is closed (its last close).
pub(crate) fn close(vf: &Vf) {
    if let Some(host) = vf.host() {
        host.close(vf);
    }
}

/// `VFIO_DEVICE_RESET`: resets the VF's vGPU.
///
/// # Errors
///
/// `ENODEV` without a vGPU; GSP-RM's refusal; `EAGAIN` during a GPU
/// reset.
pub(crate) fn reset(vf: &Vf) -> Result {
    vf.host().ok_or(ENODEV)?.reset(vf)
}
