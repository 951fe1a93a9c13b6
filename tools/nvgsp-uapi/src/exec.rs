//! Channels and command submission: `DRM_IOCTL_NVGSP_CHANNEL_ALLOC`,
//! `_CHANNEL_FREE` and `_EXEC` (nvgsp_drm.h), typed and raw (every field
//! as given, for tests that send bad requests).

use std::fs::File;
use std::io;

use crate::{ioc, ioctl, iowr, sys as uapi, DRM_COMMAND_BASE, IOC_WRITE};

/// `DRM_IOW(nr, size)`.
const fn iow(nr: u32, size: usize) -> libc::c_ulong {
    ioc(IOC_WRITE, b'd', nr, size)
}

pub(crate) const DRM_IOCTL_NVGSP_CHANNEL_ALLOC: libc::c_ulong = iowr(
    DRM_COMMAND_BASE + uapi::DRM_NVGSP_CHANNEL_ALLOC,
    std::mem::size_of::<uapi::drm_nvgsp_channel_alloc>(),
);
pub(crate) const DRM_IOCTL_NVGSP_CHANNEL_FREE: libc::c_ulong = iow(
    DRM_COMMAND_BASE + uapi::DRM_NVGSP_CHANNEL_FREE,
    std::mem::size_of::<uapi::drm_nvgsp_channel_free>(),
);
pub(crate) const DRM_IOCTL_NVGSP_EXEC: libc::c_ulong = iow(
    DRM_COMMAND_BASE + uapi::DRM_NVGSP_EXEC,
    std::mem::size_of::<uapi::drm_nvgsp_exec>(),
);

/// A whole `DRM_IOCTL_NVGSP_CHANNEL_ALLOC` request, every field as given.
pub type ChannelAlloc = uapi::drm_nvgsp_channel_alloc;
/// A whole `DRM_IOCTL_NVGSP_CHANNEL_FREE` request.
pub type ChannelFree = uapi::drm_nvgsp_channel_free;
/// One push buffer segment of a job (`struct drm_nvgsp_exec_push`).
pub type Push = uapi::drm_nvgsp_exec_push;
/// One sync object a job waits for or signals (`struct drm_nvgsp_sync`).
/// (Not called `Sync`, which would hide the marker trait.)
pub type SyncEntry = uapi::drm_nvgsp_sync;
/// A whole `DRM_IOCTL_NVGSP_EXEC` request, every field as given.
pub type Exec = uapi::drm_nvgsp_exec;

/// `NVGSP_SYNC_SYNCOBJ`.
pub const SYNC_SYNCOBJ: u32 = uapi::NVGSP_SYNC_SYNCOBJ;
/// `NVGSP_SYNC_TIMELINE_SYNCOBJ`.
pub const SYNC_TIMELINE_SYNCOBJ: u32 = uapi::NVGSP_SYNC_TIMELINE_SYNCOBJ;

/// What `DRM_IOCTL_NVGSP_CHANNEL_ALLOC` made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelInfo {
    /// The channel's number in this file.
    pub channel: u32,
    /// The entries of its GPFIFO ring.
    pub gpfifo_entries: u32,
}

/// `DRM_IOCTL_NVGSP_CHANNEL_ALLOC`: a channel on copy engine
/// `copy_engine` (its index n: engine type 9 + n).
pub fn channel_alloc(f: &File, copy_engine: u32) -> io::Result<ChannelInfo> {
    let mut c = ChannelAlloc {
        copy_engine,
        flags: 0,
        channel: 0,
        gpfifo_entries: 0,
    };
    channel_alloc_raw(f, &mut c)?;
    Ok(ChannelInfo {
        channel: c.channel,
        gpfifo_entries: c.gpfifo_entries,
    })
}

/// `DRM_IOCTL_NVGSP_CHANNEL_ALLOC` as `c` says; the kernel fills in
/// `channel` and `gpfifo_entries`.
pub fn channel_alloc_raw(f: &File, c: &mut ChannelAlloc) -> io::Result<()> {
    ioctl(f, DRM_IOCTL_NVGSP_CHANNEL_ALLOC, c)
}

/// `DRM_IOCTL_NVGSP_CHANNEL_FREE`.
pub fn channel_free(f: &File, channel: u32) -> io::Result<()> {
    channel_free_raw(f, &mut ChannelFree { channel, pad: 0 })
}

/// `DRM_IOCTL_NVGSP_CHANNEL_FREE` as `c` says.
pub fn channel_free_raw(f: &File, c: &mut ChannelFree) -> io::Result<()> {
    ioctl(f, DRM_IOCTL_NVGSP_CHANNEL_FREE, c)
}

/// A push of `len` bytes at GPU VA `va`.
pub fn push(va: u64, len: u32) -> Push {
    Push {
        va,
        va_len: len,
        flags: 0,
    }
}

/// An entry naming binary sync object `handle` (its fence).
pub fn sync_binary(handle: u32) -> SyncEntry {
    SyncEntry {
        flags: SYNC_SYNCOBJ,
        handle,
        timeline_value: 0,
    }
}

/// An entry naming point `point` of timeline sync object `handle`.
pub fn sync_point(handle: u32, point: u64) -> SyncEntry {
    SyncEntry {
        flags: SYNC_TIMELINE_SYNCOBJ,
        handle,
        timeline_value: point,
    }
}

/// `DRM_IOCTL_NVGSP_EXEC`: a job on `channel` running `pushes` in order,
/// after the fences `waits` name; its fence goes to every entry of
/// `signals`.
pub fn exec(
    f: &File,
    channel: u32,
    pushes: &[Push],
    waits: &[SyncEntry],
    signals: &[SyncEntry],
) -> io::Result<()> {
    // An empty list is passed as a null pointer (the kernel reads nothing
    // of it).
    let ptr = |p: *const u8, n: usize| if n == 0 { 0 } else { p as u64 };
    let mut e = Exec {
        channel,
        push_count: pushes.len() as u32,
        wait_count: waits.len() as u32,
        sig_count: signals.len() as u32,
        wait_ptr: ptr(waits.as_ptr().cast(), waits.len()),
        sig_ptr: ptr(signals.as_ptr().cast(), signals.len()),
        push_ptr: ptr(pushes.as_ptr().cast(), pushes.len()),
        flags: 0,
        pad: 0,
    };
    exec_raw(f, &mut e)
}

/// `DRM_IOCTL_NVGSP_EXEC` as `e` says (the pointers are the caller's to
/// get right; the kernel only reads through them).
pub fn exec_raw(f: &File, e: &mut Exec) -> io::Result<()> {
    ioctl(f, DRM_IOCTL_NVGSP_EXEC, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_and_numbers_are_the_headers() {
        // As the C macros of nvgsp_drm.h compute them (checked with gcc).
        assert_eq!(DRM_IOCTL_NVGSP_CHANNEL_ALLOC, 0xc010_6445);
        assert_eq!(DRM_IOCTL_NVGSP_CHANNEL_FREE, 0x4008_6446);
        assert_eq!(DRM_IOCTL_NVGSP_EXEC, 0x4030_6447);
        assert_eq!(std::mem::size_of::<SyncEntry>(), 16);
        assert_eq!(std::mem::size_of::<Push>(), 16);
        let s = sync_point(7, 9);
        assert_eq!((s.flags, s.handle, s.timeline_value), (1, 7, 9));
        assert_eq!(sync_binary(3).flags, 0);
        let p = push(0x1000, 64);
        assert_eq!((p.va, p.va_len, p.flags), (0x1000, 64, 0));
    }

    #[test]
    fn calls_reach_the_kernel() {
        let f = File::open("/dev/null").unwrap();
        let enotty = |r: io::Result<()>| r.unwrap_err().raw_os_error() == Some(libc::ENOTTY);
        assert!(enotty(channel_alloc(&f, 0).map(|_| ())));
        assert!(enotty(channel_free(&f, 0)));
        assert!(enotty(exec(&f, 0, &[push(0, 4)], &[], &[sync_binary(1)])));
    }
}
