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

mod pending;

use pending::Pending;
use std::fs::File;
use std::io;
use std::os::fd::FromRawFd;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex, MutexGuard};

/// The VRAM of the emulated GPU: owns the file.
pub struct Vram {
    file: File,
    size: u64,
    pending: Arc<Mutex<Pending>>,
}

impl Vram {
    /// Creates `size` bytes of zeroed VRAM.
    pub fn new(size: u64) -> io::Result<Vram> {
        // SAFETY: the name is a valid NUL-terminated string; the returned fd
        // is checked before use.
        let fd = unsafe { libc::memfd_create(c"nvgsp-vram".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        let file = unsafe { File::from_raw_fd(fd) };
        file.set_len(size)?;
        Ok(Vram {
            file,
            size,
            pending: Arc::default(),
        })
    }

    /// A handle on this VRAM for any thread.
    pub fn view(&self) -> io::Result<VramView> {
        Ok(VramView {
            file: Arc::new(self.file.try_clone()?),
            size: self.size,
            pending: self.pending.clone(),
        })
    }
}

/// VRAM as one thread reaches it: as the host sees it ([`VramView::read`])
/// or as the GPU's memory clients do ([`VramView::read_gpu`]). Cheap to
/// clone; every clone shares the pending host writes.
#[derive(Clone, Debug)]
pub struct VramView {
    file: Arc<File>,
    size: u64,
    pending: Arc<Mutex<Pending>>,
}

impl VramView {
    fn held(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
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
        self.file.read_exact_at(data, offset).ok()
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
        self.file.write_all_at(data, offset).ok()?;
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
        self.file.write_all_at(data, offset).ok()?;
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
        self.file.write_all_at(data, offset).ok()
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
