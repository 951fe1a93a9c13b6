//! The few DRM ioctls nvgspctl needs, with their wire structs.
//!
//! `DRM_IOCTL_VERSION` is from include/uapi/drm/drm.h; the nvgsp ioctls
//! mirror drivers/drm/include/uapi/drm/nvgsp_drm.h.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

const fn iowr(nr: u32, size: usize) -> libc::c_ulong {
    // _IOC(_IOC_READ | _IOC_WRITE, 'd', nr, size) on x86 and arm.
    ((3u32 << 30) | ((size as u32) << 16) | ((b'd' as u32) << 8) | nr) as libc::c_ulong
}

const DRM_COMMAND_BASE: u32 = 0x40;

/// `struct drm_version`.
#[repr(C)]
struct DrmVersion {
    major: i32,
    minor: i32,
    patchlevel: i32,
    name_len: usize,
    name: *mut u8,
    date_len: usize,
    date: *mut u8,
    desc_len: usize,
    desc: *mut u8,
}

/// `struct drm_nvgsp_getparam`.
#[repr(C)]
struct GetParam {
    param: u64,
    value: u64,
}

const DRM_IOCTL_VERSION: libc::c_ulong = iowr(0x00, std::mem::size_of::<DrmVersion>());
const DRM_IOCTL_NVGSP_GETPARAM: libc::c_ulong =
    iowr(DRM_COMMAND_BASE, std::mem::size_of::<GetParam>());

/// `NVGSP_PARAM_CHIPSET`.
pub const PARAM_CHIPSET: u64 = 1;
/// `NVGSP_PARAM_REVISION`.
pub const PARAM_REVISION: u64 = 2;
/// `NVGSP_PARAM_VRAM_SIZE`.
pub const PARAM_VRAM_SIZE: u64 = 3;
/// `NVGSP_PARAM_USABLE_VRAM_SIZE`.
pub const PARAM_USABLE_VRAM_SIZE: u64 = 4;
/// `NVGSP_PARAM_GPC_COUNT`.
pub const PARAM_GPC_COUNT: u64 = 5;
/// `NVGSP_PARAM_TPC_PER_GPC`.
pub const PARAM_TPC_PER_GPC: u64 = 6;
/// `NVGSP_PARAM_ENGINE_MASK`.
pub const PARAM_ENGINE_MASK: u64 = 7;

fn ioctl<T>(f: &File, req: libc::c_ulong, arg: &mut T) -> io::Result<()> {
    // SAFETY: `arg` is a live, exclusively borrowed `#[repr(C)]` struct whose
    // size is encoded in `req`, so the kernel reads and writes only within it.
    let r = unsafe { libc::ioctl(f.as_raw_fd(), req, arg as *mut T) };
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The name of the DRM driver behind `f`.
pub fn driver_name(f: &File) -> io::Result<String> {
    let mut name = vec![0u8; 64];
    let mut v = DrmVersion {
        major: 0,
        minor: 0,
        patchlevel: 0,
        name_len: name.len(),
        name: name.as_mut_ptr(),
        date_len: 0,
        date: std::ptr::null_mut(),
        desc_len: 0,
        desc: std::ptr::null_mut(),
    };
    ioctl(f, DRM_IOCTL_VERSION, &mut v)?;
    name.truncate(v.name_len.min(64));
    Ok(String::from_utf8_lossy(&name).into_owned())
}

/// `DRM_IOCTL_NVGSP_GETPARAM`.
pub fn getparam(f: &File, param: u64) -> io::Result<u64> {
    let mut p = GetParam { param, value: 0 };
    ioctl(f, DRM_IOCTL_NVGSP_GETPARAM, &mut p)?;
    Ok(p.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_numbers_match_the_kernel_headers() {
        // Values as computed by the C macros in drm.h / nvgsp_drm.h.
        assert_eq!(DRM_IOCTL_VERSION, 0xc040_6400);
        assert_eq!(DRM_IOCTL_NVGSP_GETPARAM, 0xc010_6440);
    }
}
