//! VRAM: a shared-memory file (memfd) that holds the emulated GPU's video
//! memory.
//!
//! Nothing maps it into the guest: the guest reaches VRAM only the ways a
//! GA102 offers, BAR1 (trapped, translated by the MMU: `dev::bar1`) and
//! the PRAMIN window in BAR0 (`dev::pramin`). Every thread reads and writes
//! it through a [`VramView`] (`pread(2)`/`pwrite(2)` on a descriptor of the
//! same file), so the device, the GSP-RM model and the control port see
//! one memory.
//!
//! Two views of it exist, because the host's writes reach memory through
//! a posted path that the GPU's own memory clients are not ordered with
//! ([`pending`]): the host (CPU) sees its PRAMIN writes at once, the GPU's
//! MMU and GSP-RM only after an FB flush.
//!
//! While GSP-RM runs a vGPU, the part of its guest memory the virtual
//! function's BAR1 reaches lives in the VF's own file, which QEMU maps
//! ([`redirect`]): every view reads and writes those ranges there.

mod pending;
pub mod redirect;

use pending::Pending;
use redirect::{Backing, Redirects};
use std::ffi::CStr;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::fd::FromRawFd;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard};

/// A shared-memory file (memfd) of `size` zero bytes named `name`.
///
/// # Errors
///
/// The system calls'.
pub fn memfd(name: &CStr, size: u64) -> io::Result<File> {
    // SAFETY: the name is a valid NUL-terminated string; the returned fd
    // is checked before use.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    let file = unsafe { File::from_raw_fd(fd) };
    file.set_len(size)?;
    Ok(file)
}

/// Bytes of a page of the files, as the kernel allocates them.
const PAGE: u64 = 4096;

/// Writes `data` at `offset` of `file`, each whole page of zeroes by
/// punching it rather than writing it: the bytes read back are the same,
/// and clearing memory (a copy-engine scrub of a vGPU's gigabytes) gives
/// the model's memory back instead of taking it.
fn write_at(file: &File, data: &[u8], offset: u64) -> io::Result<()> {
    // Whether the whole page at `i` of `data` is there and all zero (64
    // bytes at a time: the inner fold has no branch to stop it
    // vectorizing).
    let zero_page = |i: usize| {
        data.get(i..i + PAGE as usize)
            .is_some_and(|p| p.chunks(64).all(|c| c.iter().fold(0u8, |a, &b| a | b) == 0))
    };
    let mut at = 0usize;
    while at < data.len() {
        let pos = offset + at as u64;
        if pos.is_multiple_of(PAGE) && zero_page(at) {
            // A run of whole zero pages.
            let mut end = at + PAGE as usize;
            while zero_page(end) {
                end += PAGE as usize;
            }
            redirect::punch(file, pos, (end - at) as u64)?;
            at = end;
        } else {
            // Up to the next whole zero page, in one write.
            let mut end =
                (at + usize::try_from(PAGE - pos % PAGE).unwrap_or(usize::MAX)).min(data.len());
            while end < data.len() && !zero_page(end) {
                end = (end + PAGE as usize).min(data.len());
            }
            file.write_all_at(&data[at..end], pos)?;
            at = end;
        }
    }
    Ok(())
}

/// The VRAM of the emulated GPU: owns the file.
pub struct Vram {
    file: File,
    size: u64,
    pending: Arc<Mutex<Pending>>,
    redirects: Arc<RwLock<Redirects>>,
}

impl Vram {
    /// Creates `size` bytes of zeroed VRAM.
    pub fn new(size: u64) -> io::Result<Vram> {
        Ok(Vram {
            file: memfd(c"nvgsp-vram", size)?,
            size,
            pending: Arc::default(),
            redirects: Arc::default(),
        })
    }

    /// A handle on this VRAM for any thread.
    pub fn view(&self) -> io::Result<VramView> {
        Ok(VramView {
            file: Arc::new(self.file.try_clone()?),
            size: self.size,
            pending: self.pending.clone(),
            redirects: self.redirects.clone(),
        })
    }
}

/// VRAM as one thread reaches it: as the host sees it ([`VramView::read`])
/// or as the GPU's memory clients do ([`VramView::read_gpu`]). Cheap to
/// clone; every clone shares the pending host writes.
///
/// Lock order: the pending writes, then the redirect table (each access
/// takes it to read; installing and removing a redirect take it alone).
#[derive(Clone, Debug)]
pub struct VramView {
    file: Arc<File>,
    size: u64,
    pending: Arc<Mutex<Pending>>,
    redirects: Arc<RwLock<Redirects>>,
}

impl VramView {
    fn held(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn redirected(&self) -> RwLockReadGuard<'_, Redirects> {
        self.redirects.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the bytes at `offset` where they are: VRAM, or a redirect's
    /// file.
    fn pread(&self, offset: u64, data: &mut [u8]) -> Option<()> {
        let r = self.redirected();
        if r.is_empty() {
            return self.file.read_exact_at(data, offset).ok();
        }
        r.split(offset, data.len(), |at, n, b| {
            let d = &mut data[at..at + n];
            match b {
                Backing::Vram => self.file.read_exact_at(d, offset + at as u64),
                Backing::File(f, o) => f.read_exact_at(d, o),
            }
            .ok()
        })
    }

    /// Writes `data` at `offset` where the bytes are.
    fn pwrite(&self, offset: u64, data: &[u8]) -> Option<()> {
        let r = self.redirected();
        if r.is_empty() {
            return write_at(&self.file, data, offset).ok();
        }
        r.split(offset, data.len(), |at, n, b| {
            let d = &data[at..at + n];
            match b {
                Backing::Vram => write_at(&self.file, d, offset + at as u64),
                Backing::File(f, o) => write_at(f, d, o),
            }
            .ok()
        })
    }

    /// Serves each of `pieces` (a VRAM range, and where in `file` it goes)
    /// from `file` from now on: what VRAM holds there moves into the file
    /// ([`redirect`]).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a piece outside VRAM, empty, or overlapping
    /// another or a range already redirected (nothing changes); the move's
    /// I/O error.
    pub fn redirect(&self, pieces: &[(Range<u64>, u64)], file: &Arc<File>) -> io::Result<()> {
        if pieces.iter().any(|(r, _)| r.end > self.size) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a redirected range lies outside VRAM",
            ));
        }
        let mut t = self.redirects.write().unwrap_or_else(|e| e.into_inner());
        t.install(&self.file, pieces, file)
    }

    /// Ends every redirect to `file`: its bytes move back into VRAM.
    ///
    /// # Errors
    ///
    /// The move's I/O error; the redirects end either way.
    pub fn end_redirect(&self, file: &Arc<File>) -> io::Result<()> {
        let mut t = self.redirects.write().unwrap_or_else(|e| e.into_inner());
        t.remove(&self.file, file)
    }

    fn inside(&self, offset: u64, len: usize) -> bool {
        offset
            .checked_add(len as u64)
            .is_some_and(|end| end <= self.size)
    }

    /// Copies VRAM at `offset` into `data` as the host (the CPU, through
    /// PRAMIN or BAR1) reads it: with its own posted writes. `None` if out
    /// of range.
    pub fn read(&self, offset: u64, data: &mut [u8]) -> Option<()> {
        if !self.inside(offset, data.len()) {
            return None;
        }
        self.pread(offset, data)
    }

    /// Copies VRAM at `offset` into `data` as the GPU's memory clients
    /// read it (the MMU's page table walks, GSP-RM): without the host's
    /// writes not yet flushed. `None` if out of range.
    pub fn read_gpu(&self, offset: u64, data: &mut [u8]) -> Option<()> {
        let held = self.held();
        self.read(offset, data)?;
        held.overlay(offset, data);
        Some(())
    }

    /// Writes `data` at `offset` where every reader sees it at once: the
    /// GPU's own writes (GSP-RM's). A change of what the GPU sees
    /// ([`VramView::generation`]). `None` if out of range.
    pub fn write(&self, offset: u64, data: &[u8]) -> Option<()> {
        if !self.inside(offset, data.len()) {
            return None;
        }
        let mut held = self.held();
        self.pwrite(offset, data)?;
        held.patch(offset, data);
        held.changed();
        Some(())
    }

    /// Writes `data` at `offset` as data written through BAR1: every
    /// reader sees it at once (BAR1 writes are not posted in the model),
    /// but the generation stays, so that BAR1's many data writes do not
    /// make its stale-translation check walk again; that check watches
    /// its own writes for the tables it read (`dev::bar1`). `None` if out
    /// of range.
    pub fn write_bar1(&self, offset: u64, data: &[u8]) -> Option<()> {
        if !self.inside(offset, data.len()) {
            return None;
        }
        let mut held = self.held();
        self.pwrite(offset, data)?;
        held.patch(offset, data);
        Some(())
    }

    /// Writes `data` at `offset` as a posted host write through PRAMIN:
    /// the host reads it back at once, the GPU's memory clients only after
    /// [`VramView::flush`]. `None` if out of range.
    pub fn write_posted(&self, offset: u64, data: &[u8]) -> Option<()> {
        if !self.inside(offset, data.len()) {
            return None;
        }
        let mut held = self.held();
        held.hold(offset, data.len(), |word, old| {
            self.read(word, old).is_some()
        });
        self.pwrite(offset, data)
    }

    /// Makes every posted host write visible to the GPU's memory clients
    /// at once (a read that flushes, a reset); returns how many 8-byte
    /// words were pending.
    pub fn flush(&self) -> usize {
        self.held().clear()
    }

    /// An FB flush starts: it covers the host writes posted until now,
    /// with the bytes they wrote, which the GPU's clients see once it
    /// completes ([`VramView::finish_flush`]). Returns how many 8-byte
    /// words are in flight.
    pub fn start_flush(&self) -> usize {
        let mut held = self.held();
        held.start_flush(|w, now| self.read(w, now).is_some())
    }

    /// The FB flush in flight completes: what it covered is the GPU's
    /// view; writes posted since it started stay pending. Returns how many
    /// 8-byte words landed.
    pub fn finish_flush(&self) -> usize {
        let mut held = self.held();
        held.finish_flush(|w, now| self.read(w, now).is_some())
    }

    /// A number that changes whenever what the GPU's clients see of VRAM
    /// changes, but for data written through BAR1
    /// ([`VramView::write_bar1`]): a flush landing, GSP-RM's writes.
    pub fn generation(&self) -> u64 {
        self.held().generation()
    }

    /// The 8-byte words with host writes not yet flushed.
    #[cfg(test)]
    pub fn pending(&self) -> usize {
        self.held().len()
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u64_at(read: impl Fn(u64, &mut [u8]) -> Option<()>, at: u64) -> u64 {
        let mut b = [0u8; 8];
        read(at, &mut b).unwrap();
        u64::from_le_bytes(b)
    }

    /// Whole pages of zeroes are punched, the rest written: what reads
    /// back is what was written, and zeroing memory allocates nothing.
    #[test]
    fn zero_pages_are_punched() {
        let f = memfd(c"test", 1 << 20).unwrap();
        f.write_all_at(&[7u8; 5 * PAGE as usize], 0).unwrap();
        let allocated = |f: &File| {
            use std::os::unix::fs::MetadataExt;
            f.metadata().unwrap().blocks() * 512
        };
        assert_eq!(allocated(&f), 5 * PAGE);
        // Zeroes from the middle of page 0 to the middle of page 4: pages
        // 1-3 are punched, the ends of 0 and 4 written.
        let mut d = vec![0u8; 4 * PAGE as usize];
        d[100] = 9;
        write_at(&f, &d, PAGE / 2).unwrap();
        let mut back = vec![0u8; 5 * PAGE as usize];
        f.read_exact_at(&mut back, 0).unwrap();
        let mut want = vec![7u8; 5 * PAGE as usize];
        want[PAGE as usize / 2..PAGE as usize / 2 + d.len()].copy_from_slice(&d);
        assert_eq!(back, want);
        assert_eq!(allocated(&f), 2 * PAGE);
        // Data, a zero page, data, a zero tail shorter than a page, into
        // a fresh file: the data pages alone are allocated.
        let g = memfd(c"test", 1 << 20).unwrap();
        let mut d = vec![0u8; 3 * PAGE as usize + 100];
        d[..PAGE as usize].fill(1);
        d[2 * PAGE as usize..3 * PAGE as usize].fill(2);
        write_at(&g, &d, 0).unwrap();
        let mut back = vec![9u8; d.len()];
        g.read_exact_at(&mut back, 0).unwrap();
        assert_eq!(back, d);
        assert_eq!(allocated(&g), 3 * PAGE);
    }

    #[test]
    fn views_share_the_memory_and_check_bounds() {
        let v = Vram::new(1 << 20).unwrap();
        let (a, b) = (v.view().unwrap(), v.view().unwrap());
        a.write(0x8_0000, &0x1122_3344_5566_7788u64.to_le_bytes())
            .unwrap();
        assert_eq!(u64_at(|o, d| b.read(o, d), 0x8_0000), 0x1122_3344_5566_7788);
        assert_eq!(b.size(), 1 << 20);
        let mut d = [0u8; 8];
        assert!(b.read((1 << 20) - 4, &mut d).is_none());
        assert!(b.read(u64::MAX - 2, &mut d).is_none());
        assert!(b.read_gpu((1 << 20) - 4, &mut d).is_none());
        assert!(a.write(u64::MAX, b"x").is_none());
        assert!(a.write_posted((1 << 20) - 1, b"xy").is_none());
    }

    /// A redirected range is the file's for every view and every kind of
    /// access, across its edges; ending the redirect puts the bytes back.
    #[test]
    fn a_redirected_range_is_the_files_for_every_view() {
        let v = Vram::new(1 << 20).unwrap();
        let (a, b) = (v.view().unwrap(), v.view().unwrap());
        let vf = Arc::new(memfd(c"t-vf", 0x4000).unwrap());
        a.write(0x2000, &[5; 8]).unwrap();
        b.redirect(&[(0x2000..0x3000, 0x1000)], &vf).unwrap();
        assert_eq!(u64_at(|o, d| a.read(o, d), 0x2000), 0x0505_0505_0505_0505);
        // A write through the file (the VF's mapping) is VRAM's for all.
        vf.write_all_at(&[6; 4], 0x1004).unwrap();
        assert_eq!(
            u64_at(|o, d| b.read_gpu(o, d), 0x2000),
            0x0606_0606_0505_0505
        );
        // Writes of every kind land in the file, straddling the edge too.
        a.write_bar1(0x1ffc, &[1; 8]).unwrap();
        b.write(0x2ffc, &[2; 8]).unwrap();
        a.write_posted(0x2008, &[3; 8]).unwrap();
        let mut f = [0u8; 8];
        vf.read_exact_at(&mut f, 0x1000).unwrap();
        assert_eq!(f, [1, 1, 1, 1, 6, 6, 6, 6]);
        vf.read_exact_at(&mut f, 0x1ffc).unwrap();
        assert_eq!(f, [2, 2, 2, 2, 0, 0, 0, 0]);
        // The posted write is the host's at once, the GPU's at the flush.
        assert_eq!(u64_at(|o, d| a.read(o, d), 0x2008), 0x0303_0303_0303_0303);
        assert_eq!(u64_at(|o, d| a.read_gpu(o, d), 0x2008), 0);
        a.flush();
        assert_eq!(
            u64_at(|o, d| a.read_gpu(o, d), 0x2008),
            0x0303_0303_0303_0303
        );
        // Outside the range, VRAM; a range beyond VRAM or taken is refused.
        assert_eq!(u64_at(|o, d| a.read(o, d), 0x3000), 0x0202_0202);
        assert!(a
            .redirect(&[((1 << 20) - 8..(1 << 20) + 8, 0)], &vf)
            .is_err());
        assert!(a.redirect(&[(0x2800..0x3800, 0)], &vf).is_err());
        b.end_redirect(&vf).unwrap();
        vf.write_all_at(&[0xee; 8], 0x1000).unwrap();
        assert_eq!(u64_at(|o, d| a.read(o, d), 0x2000), 0x0606_0606_0101_0101);
    }

    /// A posted write is the host's at once and the GPU's after a flush;
    /// a visible write (GSP-RM's, or BAR1 data) is everyone's at once and
    /// supersedes what it overwrites of a posted one.
    #[test]
    fn posted_writes_reach_the_gpu_at_the_flush() {
        let v = Vram::new(1 << 20).unwrap();
        let (host, gpu) = (v.view().unwrap(), v.view().unwrap());
        host.write(0x1000, &1u64.to_le_bytes()).unwrap();
        host.write_posted(0x1000, &2u32.to_le_bytes()).unwrap();
        host.write_posted(0x1004, &3u32.to_le_bytes()).unwrap();
        assert_eq!(u64_at(|o, d| host.read(o, d), 0x1000), 0x3_0000_0002);
        assert_eq!(u64_at(|o, d| gpu.read_gpu(o, d), 0x1000), 1);
        assert_eq!(host.pending(), 1);
        // A visible write to the high half: the GPU sees it, and still the
        // old low half.
        gpu.write(0x1004, &7u32.to_le_bytes()).unwrap();
        assert_eq!(u64_at(|o, d| gpu.read_gpu(o, d), 0x1000), 0x7_0000_0001);
        assert_eq!(u64_at(|o, d| host.read(o, d), 0x1000), 0x7_0000_0002);
        // Unaligned and straddling reads overlay the right bytes.
        let mut b = [0u8; 4];
        gpu.read_gpu(0x1002, &mut b).unwrap();
        assert_eq!(b, [0, 0, 7, 0]);
        assert_eq!(gpu.flush(), 1);
        assert_eq!(u64_at(|o, d| gpu.read_gpu(o, d), 0x1000), 0x7_0000_0002);
        assert_eq!(host.flush(), 0);
    }

    /// An FB flush lands at its completion what was posted before it
    /// started; the generation moves with what the GPU sees, not with
    /// BAR1's data writes.
    #[test]
    fn an_fb_flush_lands_at_its_completion() {
        let v = Vram::new(1 << 20).unwrap();
        let (host, gpu) = (v.view().unwrap(), v.view().unwrap());
        let g0 = gpu.generation();
        host.write_posted(0x2000, &5u64.to_le_bytes()).unwrap();
        assert_eq!(host.start_flush(), 1);
        host.write_posted(0x2008, &6u64.to_le_bytes()).unwrap();
        assert_eq!(u64_at(|o, d| gpu.read_gpu(o, d), 0x2000), 0);
        assert_eq!(gpu.generation(), g0);
        assert_eq!(host.finish_flush(), 1);
        assert_eq!(u64_at(|o, d| gpu.read_gpu(o, d), 0x2000), 5);
        assert_eq!(u64_at(|o, d| gpu.read_gpu(o, d), 0x2008), 0);
        let g1 = gpu.generation();
        assert_ne!(g1, g0);
        host.write_bar1(0x3000, &[1; 8]).unwrap();
        assert_eq!(gpu.generation(), g1);
        assert_eq!(
            u64_at(|o, d| gpu.read_gpu(o, d), 0x3000),
            0x0101_0101_0101_0101
        );
        host.write(0x3000, &[2; 8]).unwrap();
        assert_ne!(gpu.generation(), g1);
        assert!(host.write_bar1(1 << 20, b"x").is_none());
    }
}
