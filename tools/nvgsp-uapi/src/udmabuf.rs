//! A dma-buf of another device, made by udmabuf: what a driver must refuse
//! to import when it cannot map foreign memory.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use crate::{ioc, IOC_WRITE};

/// `struct udmabuf_create` (include/uapi/linux/udmabuf.h).
#[repr(C)]
struct UdmabufCreate {
    memfd: u32,
    flags: u32,
    offset: u64,
    size: u64,
}

/// `_IOW('u', 0x42, struct udmabuf_create)`.
pub(crate) const UDMABUF_CREATE: libc::c_ulong =
    ioc(IOC_WRITE, b'u', 0x42, std::mem::size_of::<UdmabufCreate>());

/// A dma-buf of another device: `len` bytes (a multiple of the page
/// size, as udmabuf wants) of a sealed memfd turned into a dma-buf by
/// udmabuf (`/dev/udmabuf`; `NotFound` without it).
pub fn foreign_dmabuf(len: u64) -> io::Result<std::os::fd::OwnedFd> {
    use std::os::fd::FromRawFd;
    // SAFETY: a plain system call with a NUL-terminated name.
    let memfd = unsafe { libc::memfd_create(c"nvgsp-uapi".as_ptr(), libc::MFD_ALLOW_SEALING) };
    if memfd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `memfd` is the new descriptor just returned; only this owns it.
    let memfd = unsafe { std::os::fd::OwnedFd::from_raw_fd(memfd) };
    let memfile = File::from(memfd);
    memfile.set_len(len)?;
    // SAFETY: plain fcntl on a descriptor `memfile` owns.
    if unsafe { libc::fcntl(memfile.as_raw_fd(), libc::F_ADD_SEALS, libc::F_SEAL_SHRINK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    let dev = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/udmabuf")?;
    let mut c = UdmabufCreate {
        memfd: memfile.as_raw_fd() as u32,
        flags: 0,
        offset: 0,
        size: len,
    };
    // SAFETY: `c` is a live `#[repr(C)]` struct whose size `UDMABUF_CREATE`
    // encodes; on success the kernel returns a new descriptor.
    let fd = unsafe {
        libc::ioctl(
            dev.as_raw_fd(),
            UDMABUF_CREATE,
            &mut c as *mut UdmabufCreate,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the new dma-buf descriptor the kernel just returned.
    Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) })
}
