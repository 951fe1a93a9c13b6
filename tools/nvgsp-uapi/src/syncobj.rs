//! DRM sync objects (the core DRM ioctls `DRM_IOCTL_SYNCOBJ_*`, which the
//! driver has as a `DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE` device), and
//! what a fence's sync file says of it (`SYNC_IOC_FILE_INFO`).
//!
//! Structs and numbers: Linux 7.3 `include/uapi/drm/drm.h`
//! (`struct drm_syncobj_*`, `DRM_IOCTL_SYNCOBJ_*`; the toolchain root's
//! older `/usr/include/drm/drm.h` lacks `drm_syncobj_handle.point`) and
//! `include/uapi/linux/sync_file.h`. Semantics: `drivers/gpu/drm/drm_syncobj.c`
//! and `drivers/dma-buf/sync_file.c` of the same tree.
//!
//! What a wait says of errors: `DRM_IOCTL_SYNCOBJ_WAIT` and `_TIMELINE_WAIT`
//! (`drm_syncobj_array_wait_timeout`) only look at whether each fence is
//! signalled (`dma_fence_is_signaled`), never at its error: a fence that
//! signalled with an error (a faulted job's EIO, a timed-out job's
//! ETIMEDOUT) ends the wait with 0, as a good one does. The wait's own
//! timeout is `ETIME` (not `ETIMEDOUT`); a handle without a fence (or a
//! timeline point not yet added) is `EINVAL` unless `WAIT_FOR_SUBMIT`. A
//! fence's error is learnt from a sync file of it: [`fence_status`].

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use crate::{ioc, ioctl, iowr, IOC_READ, IOC_WRITE};

/// `DRM_SYNCOBJ_CREATE_SIGNALED`: the new object holds a signalled fence.
pub const CREATE_SIGNALED: u32 = 1 << 0;
/// `DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL`.
pub const WAIT_ALL: u32 = 1 << 0;
/// `DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT`: a handle without a fence
/// yet is waited for, not refused.
pub const WAIT_FOR_SUBMIT: u32 = 1 << 1;
/// `DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE` (timeline waits only).
pub const WAIT_AVAILABLE: u32 = 1 << 2;
/// `DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE`.
pub const WAIT_DEADLINE: u32 = 1 << 3;
/// `DRM_SYNCOBJ_QUERY_FLAGS_LAST_SUBMITTED`: the last point added, not
/// the last signalled.
pub const QUERY_LAST_SUBMITTED: u32 = 1 << 0;
/// `DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE`.
pub const EXPORT_SYNC_FILE: u32 = 1 << 0;
/// `DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_TIMELINE`: export the fence of
/// `point`.
pub const EXPORT_TIMELINE: u32 = 1 << 1;

/// `struct drm_syncobj_create`.
#[repr(C)]
struct Create {
    handle: u32,
    flags: u32,
}

/// `struct drm_syncobj_destroy`.
#[repr(C)]
struct Destroy {
    handle: u32,
    pad: u32,
}

/// `struct drm_syncobj_handle` (7.3: with `point`).
#[repr(C)]
struct Handle {
    handle: u32,
    flags: u32,
    fd: i32,
    pad: u32,
    point: u64,
}

/// `struct drm_syncobj_transfer`.
#[repr(C)]
struct Transfer {
    src_handle: u32,
    dst_handle: u32,
    src_point: u64,
    dst_point: u64,
    flags: u32,
    pad: u32,
}

/// `struct drm_syncobj_wait`, every field as given.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Wait {
    /// User pointer to `count_handles` u32 handles.
    pub handles: u64,
    /// Absolute `CLOCK_MONOTONIC` time in ns; 0 polls.
    pub timeout_nsec: i64,
    /// Handles.
    pub count_handles: u32,
    /// `WAIT_*`.
    pub flags: u32,
    /// Out: the first signalled (without `WAIT_ALL`).
    pub first_signaled: u32,
    /// Must be 0.
    pub pad: u32,
    /// With `WAIT_DEADLINE`: a deadline hint.
    pub deadline_nsec: u64,
}

/// `struct drm_syncobj_timeline_wait`, every field as given.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct TimelineWait {
    /// User pointer to `count_handles` u32 handles.
    pub handles: u64,
    /// User pointer to `count_handles` u64 points.
    pub points: u64,
    /// Absolute `CLOCK_MONOTONIC` time in ns; 0 polls.
    pub timeout_nsec: i64,
    /// Handles.
    pub count_handles: u32,
    /// `WAIT_*`.
    pub flags: u32,
    /// Out: the first signalled (without `WAIT_ALL`).
    pub first_signaled: u32,
    /// Must be 0.
    pub pad: u32,
    /// With `WAIT_DEADLINE`: a deadline hint.
    pub deadline_nsec: u64,
}

/// `struct drm_syncobj_array`.
#[repr(C)]
struct Array {
    handles: u64,
    count_handles: u32,
    pad: u32,
}

/// `struct drm_syncobj_timeline_array`.
#[repr(C)]
struct TimelineArray {
    handles: u64,
    points: u64,
    count_handles: u32,
    flags: u32,
}

/// `struct sync_file_info` (include/uapi/linux/sync_file.h).
#[repr(C)]
struct SyncFileInfo {
    name: [u8; 32],
    status: i32,
    flags: u32,
    num_fences: u32,
    pad: u32,
    sync_fence_info: u64,
}

/// `struct sync_fence_info`.
#[repr(C)]
#[derive(Clone, Copy)]
struct SyncFenceInfo {
    obj_name: [u8; 32],
    driver_name: [u8; 32],
    status: i32,
    flags: u32,
    timestamp_ns: u64,
}

pub(crate) const DRM_IOCTL_SYNCOBJ_CREATE: libc::c_ulong =
    iowr(0xbf, std::mem::size_of::<Create>());
pub(crate) const DRM_IOCTL_SYNCOBJ_DESTROY: libc::c_ulong =
    iowr(0xc0, std::mem::size_of::<Destroy>());
pub(crate) const DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD: libc::c_ulong =
    iowr(0xc1, std::mem::size_of::<Handle>());
pub(crate) const DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE: libc::c_ulong =
    iowr(0xc2, std::mem::size_of::<Handle>());
pub(crate) const DRM_IOCTL_SYNCOBJ_WAIT: libc::c_ulong = iowr(0xc3, std::mem::size_of::<Wait>());
pub(crate) const DRM_IOCTL_SYNCOBJ_RESET: libc::c_ulong = iowr(0xc4, std::mem::size_of::<Array>());
pub(crate) const DRM_IOCTL_SYNCOBJ_SIGNAL: libc::c_ulong = iowr(0xc5, std::mem::size_of::<Array>());
pub(crate) const DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT: libc::c_ulong =
    iowr(0xca, std::mem::size_of::<TimelineWait>());
pub(crate) const DRM_IOCTL_SYNCOBJ_QUERY: libc::c_ulong =
    iowr(0xcb, std::mem::size_of::<TimelineArray>());
pub(crate) const DRM_IOCTL_SYNCOBJ_TRANSFER: libc::c_ulong =
    iowr(0xcc, std::mem::size_of::<Transfer>());
pub(crate) const DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL: libc::c_ulong =
    iowr(0xcd, std::mem::size_of::<TimelineArray>());
/// `_IOWR('>', 4, struct sync_file_info)`.
pub(crate) const SYNC_IOC_FILE_INFO: libc::c_ulong = ioc(
    IOC_READ | IOC_WRITE,
    b'>',
    4,
    std::mem::size_of::<SyncFileInfo>(),
);

/// `DRM_IOCTL_SYNCOBJ_CREATE` with `flags` ([`CREATE_SIGNALED`]): the new
/// object's handle in `f`.
pub fn create(f: &File, flags: u32) -> io::Result<u32> {
    let mut c = Create { handle: 0, flags };
    ioctl(f, DRM_IOCTL_SYNCOBJ_CREATE, &mut c)?;
    Ok(c.handle)
}

/// `DRM_IOCTL_SYNCOBJ_DESTROY` (an unknown handle is `EINVAL`).
pub fn destroy(f: &File, handle: u32) -> io::Result<()> {
    let mut d = Destroy { handle, pad: 0 };
    ioctl(f, DRM_IOCTL_SYNCOBJ_DESTROY, &mut d)
}

/// `CLOCK_MONOTONIC` now, in ns (the clock of the waits' timeouts).
pub fn monotonic_ns() -> i64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut t) };
    t.tv_sec
        .saturating_mul(1_000_000_000)
        .saturating_add(t.tv_nsec)
}

/// The absolute timeout of a wait of `timeout` from now.
pub fn deadline(timeout: Duration) -> i64 {
    let ns = i64::try_from(timeout.as_nanos()).unwrap_or(i64::MAX);
    monotonic_ns().saturating_add(ns)
}

/// Makes `call` again while it fails with `EINTR` (the timeouts are
/// absolute, so a restart waits no longer than the first call would).
fn restarting(mut call: impl FnMut() -> io::Result<()>) -> io::Result<()> {
    loop {
        match call() {
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            r => return r,
        }
    }
}

/// `DRM_IOCTL_SYNCOBJ_WAIT` for `handles` (binary: their current fences)
/// with `flags` ([`WAIT_ALL`], [`WAIT_FOR_SUBMIT`]) for at most
/// `timeout` (`ETIME` then): the index of the first signalled (without
/// `WAIT_ALL`). A fence signalled with an error counts as signalled.
pub fn wait(f: &File, handles: &[u32], timeout: Duration, flags: u32) -> io::Result<u32> {
    let mut w = Wait {
        handles: handles.as_ptr() as u64,
        timeout_nsec: deadline(timeout),
        count_handles: handles.len() as u32,
        flags,
        ..Wait::default()
    };
    restarting(|| wait_raw(f, &mut w))?;
    Ok(w.first_signaled)
}

/// `DRM_IOCTL_SYNCOBJ_WAIT` as `w` says (its pointer is the caller's to
/// get right; the kernel only reads through it).
pub fn wait_raw(f: &File, w: &mut Wait) -> io::Result<()> {
    ioctl(f, DRM_IOCTL_SYNCOBJ_WAIT, w)
}

/// `DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT` for point `points[i]` of
/// `handles[i]` (point 0: the object's current fence), as [`wait`].
pub fn timeline_wait(
    f: &File,
    handles: &[u32],
    points: &[u64],
    timeout: Duration,
    flags: u32,
) -> io::Result<u32> {
    if handles.len() != points.len() {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let mut w = TimelineWait {
        handles: handles.as_ptr() as u64,
        points: points.as_ptr() as u64,
        timeout_nsec: deadline(timeout),
        count_handles: handles.len() as u32,
        flags,
        ..TimelineWait::default()
    };
    restarting(|| timeline_wait_raw(f, &mut w))?;
    Ok(w.first_signaled)
}

/// `DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT` as `w` says.
pub fn timeline_wait_raw(f: &File, w: &mut TimelineWait) -> io::Result<()> {
    ioctl(f, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, w)
}

/// A poll (timeout 0) of `DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT`: whether all of
/// the points are signalled now (`ETIME` is `Ok(false)`).
pub fn timeline_signalled(f: &File, handles: &[u32], points: &[u64]) -> io::Result<bool> {
    if handles.len() != points.len() {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let mut w = TimelineWait {
        handles: handles.as_ptr() as u64,
        points: points.as_ptr() as u64,
        timeout_nsec: 0,
        count_handles: handles.len() as u32,
        flags: WAIT_ALL,
        ..TimelineWait::default()
    };
    match timeline_wait_raw(f, &mut w) {
        Ok(()) => Ok(true),
        Err(e) if e.raw_os_error() == Some(libc::ETIME) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `DRM_IOCTL_SYNCOBJ_QUERY`: each handle's last signalled point (with
/// [`QUERY_LAST_SUBMITTED`]: its last point added); 0 for an object whose
/// fence is no timeline.
pub fn query(f: &File, handles: &[u32], flags: u32) -> io::Result<Vec<u64>> {
    let mut points = vec![0u64; handles.len()];
    let mut q = TimelineArray {
        handles: handles.as_ptr() as u64,
        points: points.as_mut_ptr() as u64,
        count_handles: handles.len() as u32,
        flags,
    };
    ioctl(f, DRM_IOCTL_SYNCOBJ_QUERY, &mut q)?;
    Ok(points)
}

/// `DRM_IOCTL_SYNCOBJ_SIGNAL`: each object gets a signalled fence.
pub fn signal(f: &File, handles: &[u32]) -> io::Result<()> {
    let mut a = Array {
        handles: handles.as_ptr() as u64,
        count_handles: handles.len() as u32,
        pad: 0,
    };
    ioctl(f, DRM_IOCTL_SYNCOBJ_SIGNAL, &mut a)
}

/// `DRM_IOCTL_SYNCOBJ_RESET`: each object loses its fence.
pub fn reset(f: &File, handles: &[u32]) -> io::Result<()> {
    let mut a = Array {
        handles: handles.as_ptr() as u64,
        count_handles: handles.len() as u32,
        pad: 0,
    };
    ioctl(f, DRM_IOCTL_SYNCOBJ_RESET, &mut a)
}

/// `DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL`: point `points[i]` of `handles[i]`
/// is added, signalled.
pub fn timeline_signal(f: &File, handles: &[u32], points: &[u64]) -> io::Result<()> {
    if handles.len() != points.len() {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    let mut a = TimelineArray {
        handles: handles.as_ptr() as u64,
        points: points.as_ptr() as u64,
        count_handles: handles.len() as u32,
        flags: 0,
    };
    ioctl(f, DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, &mut a)
}

/// `DRM_IOCTL_SYNCOBJ_TRANSFER`: the fence of `src_point` of `src` (0: its
/// fence) to `dst_point` of `dst` (0: replaces its fence).
pub fn transfer(
    f: &File,
    src: u32,
    src_point: u64,
    dst: u32,
    dst_point: u64,
    flags: u32,
) -> io::Result<()> {
    let mut t = Transfer {
        src_handle: src,
        dst_handle: dst,
        src_point,
        dst_point,
        flags,
        pad: 0,
    };
    ioctl(f, DRM_IOCTL_SYNCOBJ_TRANSFER, &mut t)
}

/// A new descriptor the kernel returned.
fn owned(fd: i32) -> OwnedFd {
    // SAFETY: a descriptor the kernel just gave this process; nothing else
    // owns it.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// `DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD`: the sync object itself as a file
/// (another DRM file imports it with [`import`], and both then name the
/// same object).
pub fn export(f: &File, handle: u32) -> io::Result<OwnedFd> {
    let mut h = Handle {
        handle,
        flags: 0,
        fd: -1,
        pad: 0,
        point: 0,
    };
    ioctl(f, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &mut h)?;
    Ok(owned(h.fd))
}

/// `DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE` of a sync object file: its handle in
/// `f`.
pub fn import(f: &File, fd: &impl AsRawFd) -> io::Result<u32> {
    let mut h = Handle {
        handle: 0,
        flags: 0,
        fd: fd.as_raw_fd(),
        pad: 0,
        point: 0,
    };
    ioctl(f, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &mut h)?;
    Ok(h.handle)
}

/// `DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD` with `EXPORT_SYNC_FILE`: a sync file
/// of the object's fence, or (`point` not 0, with `TIMELINE`) of that
/// timeline point's. `EINVAL` if there is no such fence.
pub fn export_sync_file(f: &File, handle: u32, point: u64) -> io::Result<OwnedFd> {
    let mut h = Handle {
        handle,
        flags: EXPORT_SYNC_FILE | if point != 0 { EXPORT_TIMELINE } else { 0 },
        fd: -1,
        pad: 0,
        point,
    };
    ioctl(f, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &mut h)?;
    Ok(owned(h.fd))
}

/// Where a fence stands (`sync_file_info.status`: 0 active, 1 signalled,
/// < 0 signalled with that error).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FenceStatus {
    /// Not signalled yet.
    Pending,
    /// Signalled without an error.
    Signalled,
    /// Signalled with this error (negative, e.g. `-libc::EIO`).
    Error(i32),
}

impl FenceStatus {
    /// From a `status` of `SYNC_IOC_FILE_INFO`.
    pub fn from_raw(status: i32) -> FenceStatus {
        match status {
            0 => FenceStatus::Pending,
            s if s > 0 => FenceStatus::Signalled,
            e => FenceStatus::Error(e),
        }
    }

    /// What the fences of a sync file say together: the first error if
    /// any has one, else pending if any is, else signalled.
    pub fn combine(statuses: impl IntoIterator<Item = FenceStatus>) -> FenceStatus {
        let mut all = FenceStatus::Signalled;
        for s in statuses {
            match s {
                FenceStatus::Error(_) => return s,
                FenceStatus::Pending => all = FenceStatus::Pending,
                FenceStatus::Signalled => {}
            }
        }
        all
    }
}

/// One fence of a sync file (`struct sync_fence_info`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FenceInfo {
    /// Its timeline's name (a signalled fence's driver may be detached:
    /// then the kernel names none).
    pub timeline: String,
    /// Its driver's name.
    pub driver: String,
    /// Where it stands.
    pub status: FenceStatus,
    /// When it signalled (`CLOCK_MONOTONIC` ns), 0 if it has not.
    pub timestamp_ns: u64,
}

/// A NUL-terminated name.
fn name(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// `SYNC_IOC_FILE_INFO` on sync file `fd`: each fence it holds, a fence
/// array or chain unwrapped (`dma_fence_unwrap_for_each`: a timeline
/// point's own fence, then its chain's earlier fences that have not
/// signalled).
pub fn sync_file_fences(fd: &impl AsRawFd) -> io::Result<Vec<FenceInfo>> {
    let info = |n: u32, at: u64| SyncFileInfo {
        name: [0; 32],
        status: 0,
        flags: 0,
        num_fences: n,
        pad: 0,
        sync_fence_info: at,
    };
    let call = |i: &mut SyncFileInfo| {
        // SAFETY: `i` is a live `struct sync_file_info` of the size the
        // request encodes; its `sync_fence_info` is null or points at
        // `num_fences` entries the caller owns.
        let r = unsafe { libc::ioctl(fd.as_raw_fd(), SYNC_IOC_FILE_INFO, i as *mut SyncFileInfo) };
        if r < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    };
    // The count first (num_fences 0), then the fences. A chain only loses
    // links (those that signalled), so the count cannot grow meanwhile;
    // a few tries all the same.
    for _ in 0..4 {
        let mut first = info(0, 0);
        call(&mut first)?;
        let n = first.num_fences.max(1);
        let empty = SyncFenceInfo {
            obj_name: [0; 32],
            driver_name: [0; 32],
            status: 0,
            flags: 0,
            timestamp_ns: 0,
        };
        let mut fences = vec![empty; n as usize];
        let mut all = info(n, fences.as_mut_ptr() as u64);
        match call(&mut all) {
            Ok(()) => {
                fences.truncate(all.num_fences as usize);
                return Ok(fences
                    .iter()
                    .map(|f| FenceInfo {
                        timeline: name(&f.obj_name),
                        driver: name(&f.driver_name),
                        status: FenceStatus::from_raw(f.status),
                        timestamp_ns: f.timestamp_ns,
                    })
                    .collect());
            }
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::from_raw_os_error(libc::EINVAL))
}

/// Where the fence of sync object `handle` (point 0), or of its timeline
/// point `point`, stands, error included: the fence exported as a sync
/// file (`HANDLE_TO_FD` with `EXPORT_SYNC_FILE`, and `TIMELINE` for a
/// point, which 7.3 takes: no transfer to a binary object needed) and
/// its fences read with `SYNC_IOC_FILE_INFO` (with room for them: asked
/// for none, the ioctl gives the status of the sync file's own fence,
/// which for a timeline point is the chain node's, whose error is always
/// 0).
///
/// Limits (Linux 7.3): a timeline point that has signalled and is not the
/// object's last is found no more (`dma_fence_chain_find_seqno` walks past
/// signalled links, and `drm_syncobj_find_fence` gives a signalled stub
/// fence then): its status reads `Signalled` whatever its error was. A
/// binary object's fence, and a timeline's last point, keep theirs.
/// `EINVAL` if the object has no fence (or no such point yet).
pub fn fence_status(f: &File, handle: u32, point: u64) -> io::Result<FenceStatus> {
    let fd = export_sync_file(f, handle, point)?;
    let fences = sync_file_fences(&fd)?;
    Ok(FenceStatus::combine(fences.iter().map(|i| i.status)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_linux_7_3s() {
        // As the C macros of Linux 7.3's drm.h and sync_file.h compute
        // them (checked with gcc).
        assert_eq!(DRM_IOCTL_SYNCOBJ_CREATE, 0xc008_64bf);
        assert_eq!(DRM_IOCTL_SYNCOBJ_DESTROY, 0xc008_64c0);
        assert_eq!(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, 0xc018_64c1);
        assert_eq!(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, 0xc018_64c2);
        assert_eq!(DRM_IOCTL_SYNCOBJ_WAIT, 0xc028_64c3);
        assert_eq!(DRM_IOCTL_SYNCOBJ_RESET, 0xc010_64c4);
        assert_eq!(DRM_IOCTL_SYNCOBJ_SIGNAL, 0xc010_64c5);
        assert_eq!(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, 0xc030_64ca);
        assert_eq!(DRM_IOCTL_SYNCOBJ_QUERY, 0xc018_64cb);
        assert_eq!(DRM_IOCTL_SYNCOBJ_TRANSFER, 0xc020_64cc);
        assert_eq!(DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL, 0xc018_64cd);
        assert_eq!(SYNC_IOC_FILE_INFO, 0xc038_3e04);
        assert_eq!(std::mem::size_of::<SyncFenceInfo>(), 0x50);
    }

    #[test]
    fn statuses_combine_error_first() {
        use FenceStatus::*;
        assert_eq!(FenceStatus::from_raw(1), Signalled);
        assert_eq!(FenceStatus::from_raw(0), Pending);
        assert_eq!(FenceStatus::from_raw(-5), Error(-5));
        assert_eq!(FenceStatus::combine([Signalled, Signalled]), Signalled);
        assert_eq!(FenceStatus::combine([Signalled, Pending]), Pending);
        assert_eq!(
            FenceStatus::combine([Pending, Error(-110), Error(-5)]),
            Error(-110)
        );
        assert_eq!(FenceStatus::combine([]), Signalled);
        assert_eq!(name(b"nvgsp\0\0junk"), "nvgsp");
    }

    #[test]
    fn calls_reach_the_kernel() {
        // Not a DRM device: every call is the kernel's ENOTTY (no retry
        // loop, no crash on the way).
        let f = File::open("/dev/null").unwrap();
        let enotty = |r: io::Result<()>| r.unwrap_err().raw_os_error() == Some(libc::ENOTTY);
        assert!(enotty(create(&f, 0).map(|_| ())));
        assert!(enotty(
            wait(&f, &[1], Duration::from_millis(1), 0).map(|_| ())
        ));
        assert!(enotty(
            timeline_wait(&f, &[1], &[2], Duration::ZERO, 0).map(|_| ())
        ));
        assert!(enotty(query(&f, &[1], 0).map(|_| ())));
        assert!(enotty(fence_status(&f, 1, 0).map(|_| ())));
        assert!(enotty(sync_file_fences(&f).map(|_| ())));
        assert!(timeline_signalled(&f, &[1], &[]).is_err());
    }

    #[test]
    fn deadlines_are_ahead_of_now() {
        let now = monotonic_ns();
        let d = deadline(Duration::from_secs(1));
        assert!(d >= now + 1_000_000_000);
        assert_eq!(deadline(Duration::MAX), i64::MAX);
    }
}
