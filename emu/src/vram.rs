//! VRAM: a shared-memory file that backs BAR1.
//!
//! QEMU maps the same file into the guest, so the guest reaches VRAM through
//! BAR1 without a round trip to us per access. Threads other than the
//! device's read it through a [`VramView`], a second descriptor on the same
//! file.

use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// The VRAM of the emulated GPU, mapped into this process.
pub struct Vram {
    file: File,
    ptr: *mut u8,
    size: usize,
}

// SAFETY: `Vram` owns its mapping; the pointer is only dereferenced through
// `read`/`write`, which bounds-check and copy, so moving the owner to another
// thread is sound.
unsafe impl Send for Vram {}

impl Vram {
    /// Creates `size` bytes of zeroed, shareable VRAM.
    pub fn new(size: u64) -> io::Result<Vram> {
        let len =
            usize::try_from(size).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: the name is a valid NUL-terminated string; the returned fd
        // is checked before use.
        let fd = unsafe { libc::memfd_create(c"nvgsp-vram".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let file = unsafe { File::from_raw_fd(fd) };
        file.set_len(size)?;
        // SAFETY: mapping a file we own with a length it has; the result is
        // checked for MAP_FAILED.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Vram {
            file,
            ptr: ptr.cast(),
            size: len,
        })
    }

    /// The descriptor QEMU maps BAR1 from.
    pub fn fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size as u64
    }

    fn range(&self, offset: u64, len: usize) -> Option<usize> {
        let off = usize::try_from(offset).ok()?;
        (off.checked_add(len)? <= self.size).then_some(off)
    }

    /// Copies VRAM at `offset` into `data`; `None` if out of range.
    pub fn read(&self, offset: u64, data: &mut [u8]) -> Option<()> {
        let off = self.range(offset, data.len())?;
        // SAFETY: `range` checked that `off..off + len` lies in the mapping;
        // the guest may write concurrently, which can tear the copy but never
        // leaves the mapping.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.add(off), data.as_mut_ptr(), data.len()) };
        Some(())
    }

    /// A read-only handle on the same VRAM for other threads (the GSP-RM
    /// model, the control port's probe).
    pub fn view(&self) -> io::Result<VramView> {
        Ok(VramView {
            file: Arc::new(self.file.try_clone()?),
            size: self.size as u64,
        })
    }

    /// Copies `data` into VRAM at `offset`; `None` if out of range.
    pub fn write(&self, offset: u64, data: &[u8]) -> Option<()> {
        let off = self.range(offset, data.len())?;
        // SAFETY: as in `read`, the destination lies in the mapping.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.add(off), data.len()) };
        Some(())
    }
}

impl Drop for Vram {
    fn drop(&mut self) {
        // SAFETY: `ptr`/`size` describe the mapping made in `new`, unmapped
        // once here.
        unsafe { libc::munmap(self.ptr.cast(), self.size) };
    }
}

/// VRAM as another thread reads it: `pread(2)` on the file BAR1 maps, so
/// it sees what the guest wrote through BAR1 and what the device wrote.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct VramView {
    file: Arc<File>,
    size: u64,
}

impl VramView {
    /// Copies VRAM at `offset` into `data`; `None` if out of range.
    pub fn read(&self, offset: u64, data: &mut [u8]) -> Option<()> {
        let end = offset.checked_add(data.len() as u64)?;
        if end > self.size {
            return None;
        }
        self.file.read_exact_at(data, offset).ok()
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_reads_what_the_device_wrote() {
        let v = Vram::new(1 << 20).unwrap();
        let view = v.view().unwrap();
        v.write(0x8_0000, &0x1122_3344_5566_7788u64.to_le_bytes())
            .unwrap();
        let mut b = [0u8; 8];
        view.read(0x8_0000, &mut b).unwrap();
        assert_eq!(u64::from_le_bytes(b), 0x1122_3344_5566_7788);
        assert_eq!(view.size(), 1 << 20);
        assert!(view.read((1 << 20) - 4, &mut b).is_none());
        assert!(view.read(u64::MAX - 2, &mut b).is_none());
    }

    #[test]
    fn read_write_and_bounds() {
        let v = Vram::new(64 << 20).unwrap();
        v.write(4096, b"nvgsp").unwrap();
        let mut b = [0; 5];
        v.read(4096, &mut b).unwrap();
        assert_eq!(&b, b"nvgsp");
        assert!(v.read((64 << 20) - 2, &mut b).is_none());
        assert!(v.write(u64::MAX, b"x").is_none());
    }
}
