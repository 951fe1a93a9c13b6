//! The VFIO ioctls nvgsp-vmm needs and vfio-ioctls does not give it, on
//! vfio-bindings' types. This is the crate's only `unsafe` code.
//!
//! - `VFIO_DEVICE_GET_INFO`: vfio-ioctls keeps the device's flags to itself.
//! - `VFIO_DEVICE_RESET`: vfio-ioctls' `reset()` drops the result.
//! - The group path: vfio-ioctls' `VfioContainer` opens `/dev/vfio/<id>`
//!   and insists on the type1v2 IOMMU, so it cannot open a no-IOMMU group
//!   (`/dev/vfio/noiommu-<id>`, whose container takes only
//!   `VFIO_NOIOMMU_IOMMU`). The container and group ioctls here get the
//!   device's file descriptor, which then goes to vfio-ioctls.
//!
//! Each wrapper passes the kernel a file it owns and a structure of the
//! size the ioctl's number encodes (or none), and turns -1 into the errno.

use std::ffi::CStr;
use std::fs::File;
use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd};
use vfio_bindings::bindings::vfio::{vfio_device_info, vfio_group_status, VFIO_BASE, VFIO_TYPE};
use vmm_sys_util::ioctl::{
    ioctl, ioctl_with_mut_ref, ioctl_with_ptr, ioctl_with_ref, ioctl_with_val,
};
use vmm_sys_util::ioctl_io_nr;

// The numbers of include/uapi/linux/vfio.h: _IO(VFIO_TYPE, VFIO_BASE + n).
ioctl_io_nr!(VFIO_GET_API_VERSION, VFIO_TYPE.into(), VFIO_BASE);
ioctl_io_nr!(VFIO_CHECK_EXTENSION, VFIO_TYPE.into(), VFIO_BASE + 1);
ioctl_io_nr!(VFIO_SET_IOMMU, VFIO_TYPE.into(), VFIO_BASE + 2);
ioctl_io_nr!(VFIO_GROUP_GET_STATUS, VFIO_TYPE.into(), VFIO_BASE + 3);
ioctl_io_nr!(VFIO_GROUP_SET_CONTAINER, VFIO_TYPE.into(), VFIO_BASE + 4);
ioctl_io_nr!(VFIO_GROUP_GET_DEVICE_FD, VFIO_TYPE.into(), VFIO_BASE + 6);
ioctl_io_nr!(VFIO_DEVICE_GET_INFO, VFIO_TYPE.into(), VFIO_BASE + 7);
ioctl_io_nr!(VFIO_DEVICE_RESET, VFIO_TYPE.into(), VFIO_BASE + 11);

/// An ioctl's return value, or the errno it set.
fn check(ret: i32) -> io::Result<i32> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// The size of a uAPI structure, for its `argsz` field.
fn argsz<T>() -> u32 {
    u32::try_from(size_of::<T>()).expect("uAPI structures are small")
}

/// `VFIO_DEVICE_GET_INFO`: the device's flags and region and IRQ counts.
pub fn device_info(device: &File) -> io::Result<vfio_device_info> {
    let mut info = vfio_device_info {
        argsz: argsz::<vfio_device_info>(),
        ..Default::default()
    };
    // SAFETY: `device` is an open file; the kernel writes at most `argsz`
    // bytes into `info`, a live `vfio_device_info` of that size.
    check(unsafe { ioctl_with_mut_ref(device, VFIO_DEVICE_GET_INFO(), &mut info) })?;
    Ok(info)
}

/// `VFIO_DEVICE_RESET`.
pub fn reset(device: &File) -> io::Result<()> {
    // SAFETY: `device` is an open file; the ioctl takes no argument.
    check(unsafe { ioctl(device, VFIO_DEVICE_RESET()) }).map(drop)
}

/// `VFIO_GET_API_VERSION` of a container.
pub fn api_version(container: &File) -> io::Result<i32> {
    // SAFETY: `container` is an open file; the ioctl takes no argument.
    check(unsafe { ioctl(container, VFIO_GET_API_VERSION()) })
}

/// `VFIO_CHECK_EXTENSION`: whether a container supports IOMMU type `kind`.
pub fn check_extension(container: &File, kind: u32) -> io::Result<bool> {
    // SAFETY: `container` is an open file; the argument is a plain value.
    check(unsafe { ioctl_with_val(container, VFIO_CHECK_EXTENSION(), kind.into()) }).map(|r| r > 0)
}

/// `VFIO_SET_IOMMU`: the container's IOMMU type.
pub fn set_iommu(container: &File, kind: u32) -> io::Result<()> {
    // SAFETY: `container` is an open file; the argument is a plain value.
    check(unsafe { ioctl_with_val(container, VFIO_SET_IOMMU(), kind.into()) }).map(drop)
}

/// `VFIO_GROUP_GET_STATUS`: the group's flags.
pub fn group_status(group: &File) -> io::Result<u32> {
    let mut status = vfio_group_status {
        argsz: argsz::<vfio_group_status>(),
        flags: 0,
    };
    // SAFETY: `group` is an open file; the kernel writes at most `argsz`
    // bytes into `status`, a live `vfio_group_status` of that size.
    check(unsafe { ioctl_with_mut_ref(group, VFIO_GROUP_GET_STATUS(), &mut status) })?;
    Ok(status.flags)
}

/// `VFIO_GROUP_SET_CONTAINER`: puts the group into the container.
pub fn group_set_container(group: &File, container: &File) -> io::Result<()> {
    let fd = container.as_raw_fd();
    // SAFETY: `group` is an open file; the kernel reads one `int` (a file
    // descriptor, which it looks up and checks itself) from `fd`.
    check(unsafe { ioctl_with_ref(group, VFIO_GROUP_SET_CONTAINER(), &fd) }).map(drop)
}

/// `VFIO_GROUP_GET_DEVICE_FD`: a file of the group's device `name`.
pub fn group_device(group: &File, name: &CStr) -> io::Result<File> {
    // SAFETY: `group` is an open file; the kernel reads a NUL-terminated
    // string from `name`, which outlives the call.
    let fd = check(unsafe { ioctl_with_ptr(group, VFIO_GROUP_GET_DEVICE_FD(), name.as_ptr()) })?;
    // SAFETY: on success the ioctl returns a new file descriptor that
    // nothing else owns; the `File` takes it over and closes it.
    Ok(unsafe { File::from_raw_fd(fd) })
}
