//! [`Mapping`]: a CPU mapping of a GEM object or a dma-buf.

use std::io;
use std::os::fd::AsRawFd;

/// A shared mapping of `len` bytes of the DRM file at `offset`.
pub struct Mapping {
    ptr: *mut u8,
    len: usize,
}

impl Mapping {
    /// Maps `len` bytes of `f` (the DRM file, or a dma-buf) at `offset`,
    /// readable and writable.
    pub fn new(f: &impl AsRawFd, offset: u64, len: usize) -> io::Result<Mapping> {
        let ptr = mmap(f, offset, len, libc::MAP_SHARED)?;
        Ok(Mapping {
            ptr: ptr.cast(),
            len,
        })
    }

    /// Whether `f` lets `len` bytes at `offset` be mapped private and
    /// writable (copy on write); the mapping, if made, is undone at once.
    pub fn try_private(f: &impl AsRawFd, offset: u64, len: usize) -> io::Result<()> {
        let ptr = mmap(f, offset, len, libc::MAP_PRIVATE)?;
        // SAFETY: exactly the mapping just made, which nothing uses.
        unsafe { libc::munmap(ptr, len) };
        Ok(())
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it maps nothing.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A copy of the mapped bytes. The memory is shared (with the device,
    /// other mappings and other processes), so it is only ever copied
    /// through the raw pointer, never lent out as a Rust slice.
    pub fn read_all(&self) -> Vec<u8> {
        self.read_at(0, self.len)
    }

    /// A copy of `len` bytes at `offset` (what the mapping has of them).
    pub fn read_at(&self, offset: usize, len: usize) -> Vec<u8> {
        let offset = offset.min(self.len);
        let n = len.min(self.len - offset);
        let mut out = vec![0u8; n];
        // SAFETY: `ptr + offset` maps `n` readable bytes (`offset + n <=
        // len`) for as long as `self` lives; `out` is a distinct
        // allocation of `n` bytes.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.add(offset), out.as_mut_ptr(), n) };
        out
    }

    /// Writes `data` at `offset` of the mapping (what fits of it).
    pub fn write_at(&self, offset: usize, data: &[u8]) {
        let offset = offset.min(self.len);
        let n = data.len().min(self.len - offset);
        // SAFETY: `ptr + offset` maps `n` writable bytes (`offset + n <=
        // len`) for as long as `self` lives; `data` is a distinct
        // allocation.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.add(offset), n) };
    }

    /// Writes `data` at the start of the mapping (at most its length).
    pub fn write(&self, data: &[u8]) {
        let n = data.len().min(self.len);
        // SAFETY: `ptr` maps `len >= n` writable bytes for as long as
        // `self` lives; `data` is a distinct allocation.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr, n) };
    }
}

/// A new readable and writable mapping of `len` bytes of `f` at `offset`
/// with `flags` (`MAP_SHARED` or `MAP_PRIVATE`), where the kernel puts it.
fn mmap(
    f: &impl AsRawFd,
    offset: u64,
    len: usize,
    flags: libc::c_int,
) -> io::Result<*mut libc::c_void> {
    let off =
        libc::off_t::try_from(offset).map_err(|_| io::Error::from_raw_os_error(libc::EOVERFLOW))?;
    // SAFETY: a new mapping chosen by the kernel (never MAP_FIXED); it
    // aliases no Rust object, and its owner unmaps exactly it.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            flags,
            f.as_raw_fd(),
            off,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(ptr)
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`len` are exactly the mapping `new` made.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}
