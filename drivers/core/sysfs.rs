// SPDX-License-Identifier: GPL-2.0

//! sysfs: the GPU configuration (`<pci device>/gsp/*`: name, chipset,
//! firmware_version, engines, vram_size, usable_vram_size, gpcs,
//! tpcs_per_gpc) and the resource partition (`<pci device>/partition/*`).
//! The attributes themselves live in `nvgsp_core_sysfs.c` and
//! `nvgsp_core_partition.c` (Rust has no device-attribute abstraction
//! yet); this file hands them the values.

use kernel::{
    bindings,
    device,
    error::to_result,
    prelude::*,
    types::CovariantForLt, //
};

use crate::{
    client::{
        GpuConfig, //
    },
    kernel_gaps::{
        BoundRef,
        CGroupHandle, //
    },
    partition::{
        ApplyError,
        Partition,
        Show, //
    },
    proto::partition::Policy,
};

/// Mirror of `struct nvgsp_sysfs_info` in `nvgsp_core_sysfs.c`.
#[repr(C)]
struct SysfsInfo {
    name: [u8; 64],
    chipset: [u8; 16],
    firmware: [u8; 16],
    engines: [u8; 256],
    vram_size: u64,
    usable_vram_size: u64,
    gpcs: u32,
    tpcs_per_gpc: u32,
}

extern "C" {
    // `dev` is a `struct device *`; passed untyped because bindgen's
    // `struct device` is not FFI-safe as a Rust type.
    fn nvgsp_sysfs_add(dev: *mut core::ffi::c_void, info: *const SysfsInfo) -> core::ffi::c_int;
}

/// Copies `s` into `dst`, truncated, NUL-terminated.
fn put(dst: &mut [u8], s: &[u8]) -> usize {
    let n = s.len().min(dst.len().saturating_sub(1));
    dst[..n].copy_from_slice(&s[..n]);
    n
}

/// Adds the `gsp` attribute group to `dev`; it goes away when the driver
/// unbinds (device-managed).
pub(crate) fn add(
    dev: &device::Device<device::Bound>,
    chipset: &str,
    firmware: &str,
    gpu: &GpuConfig,
) -> Result {
    let mut info = SysfsInfo {
        name: [0; 64],
        chipset: [0; 16],
        firmware: [0; 16],
        engines: [0; 256],
        vram_size: gpu.vram_size(),
        usable_vram_size: gpu.usable_vram(),
        gpcs: gpu.gpcs(),
        tpcs_per_gpc: gpu.tpcs_per_gpc(),
    };
    put(&mut info.name, gpu.name().as_bytes());
    put(&mut info.chipset, chipset.as_bytes());
    put(&mut info.firmware, firmware.as_bytes());
    let mut at = 0;
    for (i, &e) in gpu.engines().iter().enumerate() {
        if i > 0 {
            at += put(&mut info.engines[at..], b" ");
        }
        at += put(&mut info.engines[at..], e.name().as_bytes());
    }
    let raw = core::ptr::from_ref(dev)
        .cast::<bindings::device>()
        .cast_mut()
        .cast::<core::ffi::c_void>();
    // `raw` points to the bound device (`device::Device` is a transparent
    // wrapper of `struct device`) and `info` is a valid
    // `struct nvgsp_sysfs_info`, which the C side copies before returning.
    // SAFETY: both pointers are valid for the duration of the call.
    let ret = unsafe { nvgsp_sysfs_add(raw, &info) };
    to_result(ret).inspect_err(|e| dev_err!(dev, "cannot add the gsp sysfs attributes: {:?}\n", e))
}

/// The `partition` group's callback context.
struct PartitionCtx {
    dev: BoundRef<CovariantForLt!(device::Device)>,
    partition: BoundRef<CovariantForLt!(Partition)>,
}

/// The `<pci device>/partition/` attributes (`nvgsp_core_partition.c`):
/// `policy` (read-write), `vram_total`, `channels_total` and, per client
/// kind, `<kind>_{vram,channels}_{limit,used}`. Dropping it removes them.
pub(crate) struct PartitionGroup {
    group: CGroupHandle,
    _ctx: KBox<PartitionCtx>,
}

extern "C" {
    fn nvgsp_partition_param() -> *const core::ffi::c_char;
    fn nvgsp_partition_sysfs_add(
        dev: *mut core::ffi::c_void,
        ctx: *const core::ffi::c_void,
    ) -> *mut core::ffi::c_void;
    fn nvgsp_partition_sysfs_remove(dev: *mut core::ffi::c_void, handle: *mut core::ffi::c_void);
}

fn raw_dev(dev: &device::Device) -> *mut core::ffi::c_void {
    core::ptr::from_ref(dev)
        .cast::<bindings::device>()
        .cast_mut()
        .cast()
}

impl PartitionGroup {
    /// Adds the group to `dev`.
    ///
    /// # Safety
    ///
    /// `dev` and `partition` must outlive the returned group.
    pub(crate) unsafe fn add(dev: &device::Device, partition: &Partition) -> Result<Self> {
        // SAFETY: `dev` and `partition` outlive the group (this function's
        // contract), which owns the context.
        let (dev_ref, partition_ref) = unsafe { (BoundRef::new(dev), BoundRef::new(partition)) };
        let ctx = KBox::new(
            PartitionCtx {
                dev: dev_ref,
                partition: partition_ref,
            },
            GFP_KERNEL,
        )?;
        let raw = raw_dev(dev);
        // SAFETY: `raw` is a bound device; `ctx` stays allocated, like the
        // objects it points to, until the group is removed (`Drop`).
        let handle = unsafe { nvgsp_partition_sysfs_add(raw, core::ptr::from_ref(&*ctx).cast()) };
        let handle = kernel::error::from_err_ptr(handle).inspect_err(|e| {
            dev_err!(dev, "cannot add the partition sysfs attributes: {:?}\n", e)
        })?;
        Ok(PartitionGroup {
            group: CGroupHandle { dev: raw, handle },
            _ctx: ctx,
        })
    }
}

impl Drop for PartitionGroup {
    fn drop(&mut self) {
        // SAFETY: `handle` came from `nvgsp_partition_sysfs_add` on `dev`,
        // which outlives `self` (`PartitionGroup::add`).
        unsafe { nvgsp_partition_sysfs_remove(self.group.dev, self.group.handle) };
    }
}

/// The policy named by the `partition` module parameter; the default if it
/// does not parse (said once in the log).
pub(crate) fn partition_param(dev: &device::Device) -> Policy {
    // SAFETY: the parameter is a NUL-terminated buffer of the module.
    let param = unsafe { CStr::from_char_ptr(nvgsp_partition_param().cast()) };
    let text = param.to_str().unwrap_or("");
    Policy::parse(text).unwrap_or_else(|e| {
        dev_err!(
            dev,
            "partition={} refused ({}); using {}\n",
            text,
            Show(e),
            Show(Policy::default())
        );
        Policy::default()
    })
}

/// A `core::fmt::Write` into a byte buffer that stops at its end.
struct BufWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl core::fmt::Write for BufWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Called by `nvgsp_core_partition.c` to show attribute `id`.
///
/// # Safety
///
/// `ctx` is the group's `PartitionCtx`; `buf` is a sysfs page.
#[no_mangle]
unsafe extern "C" fn nvgsp_partition_show(
    ctx: *const core::ffi::c_void,
    id: core::ffi::c_int,
    buf: *mut u8,
) -> isize {
    use core::fmt::Write;
    // SAFETY: `ctx` is the live `PartitionCtx` of the group, whose
    // references are valid while the group exists (`PartitionGroup::add`).
    let ctx = unsafe { &*ctx.cast::<PartitionCtx>() };
    let partition = ctx.partition.get();
    // SAFETY: sysfs hands show() a buffer of PAGE_SIZE bytes.
    let page = unsafe { core::slice::from_raw_parts_mut(buf, kernel::page::PAGE_SIZE) };
    let mut w = BufWriter { buf: page, len: 0 };
    let a = partition.accounting();
    let r = match id {
        0 => writeln!(w, "{}", a.policy),
        1 => writeln!(w, "{}", a.vram_total),
        2 => writeln!(w, "{}", a.channels_total),
        3..=10 => {
            let i = (id - 3) as usize;
            let (kind, what) = (i / 4, i % 4);
            let (l, u) = (a.limits[kind], a.usage[kind]);
            let v = [l.vram, u.vram, l.channels, u.channels][what];
            writeln!(w, "{v}")
        }
        _ => return EINVAL.to_errno() as isize,
    };
    match r {
        Ok(()) => w.len as isize,
        Err(_) => EINVAL.to_errno() as isize,
    }
}

/// Called by `nvgsp_core_partition.c` when `policy` is written.
///
/// # Safety
///
/// `ctx` is the group's `PartitionCtx`; `buf` holds `len` bytes.
#[no_mangle]
unsafe extern "C" fn nvgsp_partition_store(
    ctx: *const core::ffi::c_void,
    buf: *const u8,
    len: usize,
) -> isize {
    // SAFETY: as in `nvgsp_partition_show`.
    let ctx = unsafe { &*ctx.cast::<PartitionCtx>() };
    let (dev, partition) = (ctx.dev.get(), ctx.partition.get());
    // SAFETY: sysfs passes `len` readable bytes.
    let bytes = unsafe { core::slice::from_raw_parts(buf, len) };
    let Ok(text) = core::str::from_utf8(bytes) else {
        dev_err!(dev, "partition policy refused: not text\n");
        return EINVAL.to_errno() as isize;
    };
    let text = text.trim();
    let policy = match Policy::parse(text) {
        Ok(p) => p,
        Err(e) => {
            dev_err!(dev, "partition policy '{}' refused: {}\n", text, Show(e));
            return EINVAL.to_errno() as isize;
        }
    };
    match partition.apply(policy) {
        Ok(()) => {
            dev_info!(dev, "partition policy now {}\n", Show(policy));
            len as isize
        }
        Err(ApplyError::Policy(e)) => {
            dev_err!(dev, "partition policy '{}' refused: {}\n", text, Show(e));
            EINVAL.to_errno() as isize
        }
        Err(ApplyError::WouldOrphan(kind)) => {
            dev_err!(
                dev,
                "partition policy '{}' refused: {} holds more than that share\n",
                text,
                kind.name()
            );
            EBUSY.to_errno() as isize
        }
    }
}
