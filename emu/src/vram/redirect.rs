//! VRAM ranges whose bytes live in another file: a virtual function's
//! BAR1 memory (`dev::sriov`).
//!
//! A VF's BAR1 is served to QEMU as an mmap of a file of its own (a
//! memfd), so that the guest's accesses go straight to memory instead of
//! a vfio-user message each. While GSP-RM runs a vGPU on the VF, the part
//! of its guest memory (FB) that the VF's BAR1 reaches must be the same
//! bytes whoever reads them: the guest through the mapping, GSP-RM, the
//! copy engines, PRAMIN and the PF's BAR1 through VRAM. So for that time
//! those VRAM ranges are *redirected*: every VRAM access there reads and
//! writes the VF's file instead (at the guest FB address, which is the VF
//! BAR1 offset), and VRAM itself holds nothing there.
//!
//! Installing a redirect moves what VRAM held into the file (a chip's VF
//! reaches what the VRAM holds: scrubbing it is the host's job, as RM's
//! scrub-on-free and NVIDIA's vGPU RFC's copy-engine scrub do), then
//! punches the VRAM range; removing one moves the file's bytes back into
//! VRAM (they stay there, as on a chip, until the host scrubs them). Both
//! happen under the table's write lock, so no VRAM access sees the move
//! half done. Only the ranges are redirected: the rest of VRAM and the
//! rest of the file are untouched, so one VF's file never holds another
//! VF's or the PF's bytes.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

/// One redirected VRAM range and where its bytes are.
#[derive(Debug)]
struct Redirect {
    /// The VRAM range.
    vram: Range<u64>,
    /// The file holding its bytes.
    file: Arc<File>,
    /// Where in the file `vram.start` is.
    at: u64,
}

/// Where a piece of an access lies: VRAM itself, or a file at an offset.
pub enum Backing<'a> {
    /// The VRAM file, at the access's own offset.
    Vram,
    /// Another file, at this offset.
    File(&'a File, u64),
}

/// The redirected ranges, sorted by VRAM address, disjoint.
#[derive(Debug, Default)]
pub struct Redirects(Vec<Redirect>);

/// Bytes moved at a time when a redirect is installed or removed.
const CHUNK: usize = 1 << 20;

impl Redirects {
    /// Whether nothing is redirected.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Walks `offset..offset + len` piece by piece: `f` gets each piece's
    /// start in the access, its length and its backing. Stops at the
    /// first `None` from `f`.
    pub fn split(
        &self,
        offset: u64,
        len: usize,
        mut f: impl FnMut(usize, usize, Backing<'_>) -> Option<()>,
    ) -> Option<()> {
        let mut done = 0usize;
        while done < len {
            let at = offset.checked_add(done as u64)?;
            let left = (len - done) as u64;
            // The first redirect that ends after `at`.
            let i = self.0.partition_point(|r| r.vram.end <= at);
            let n = match self.0.get(i) {
                Some(r) if r.vram.start <= at => {
                    let n = left.min(r.vram.end - at);
                    f(
                        done,
                        n as usize,
                        Backing::File(&r.file, r.at + (at - r.vram.start)),
                    )?;
                    n
                }
                next => {
                    let n = next.map_or(left, |r| left.min(r.vram.start - at));
                    f(done, n as usize, Backing::Vram)?;
                    n
                }
            };
            done += n as usize;
        }
        Some(())
    }

    /// Redirects each of `pieces` (a VRAM range and where it goes in
    /// `file`) of `vram` to `file`: moves what VRAM holds there into the
    /// file, then punches the VRAM range.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if a piece is empty, overlaps another or one already
    /// redirected (nothing changes then); an I/O error of the move.
    pub fn install(
        &mut self,
        vram: &File,
        pieces: &[(Range<u64>, u64)],
        file: &Arc<File>,
    ) -> io::Result<()> {
        let overlap = |a: &Range<u64>, b: &Range<u64>| a.start < b.end && b.start < a.end;
        for (i, (r, _)) in pieces.iter().enumerate() {
            let taken = self.0.iter().any(|x| overlap(&x.vram, r))
                || pieces[..i].iter().any(|(p, _)| overlap(p, r));
            if r.is_empty() || taken {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("VRAM {:#x}..{:#x} cannot be redirected", r.start, r.end),
                ));
            }
        }
        for (r, at) in pieces {
            move_bytes(vram, r.start, file, *at, r.end - r.start)?;
            punch(vram, r.start, r.end - r.start)?;
            self.0.push(Redirect {
                vram: r.clone(),
                file: file.clone(),
                at: *at,
            });
        }
        self.0.sort_by_key(|r| r.vram.start);
        Ok(())
    }

    /// Ends every redirect to `file`: moves the bytes back into `vram`.
    /// The file keeps its copy (its owner punches it).
    ///
    /// # Errors
    ///
    /// An I/O error of the move; the redirects are gone either way.
    pub fn remove(&mut self, vram: &File, file: &Arc<File>) -> io::Result<()> {
        let (gone, kept): (Vec<Redirect>, Vec<Redirect>) = std::mem::take(&mut self.0)
            .into_iter()
            .partition(|r| Arc::ptr_eq(&r.file, file));
        self.0 = kept;
        let mut result = Ok(());
        for r in gone {
            let moved = move_bytes(&r.file, r.at, vram, r.vram.start, r.vram.end - r.vram.start);
            result = result.and(moved);
        }
        result
    }
}

/// Copies `len` bytes from `src` at `from` to `dst` at `to`, leaving out
/// the holes of `src` and zero chunks (`dst` is zero there: a hole just
/// punched), so that moving a large, mostly untouched memory is quick and
/// allocates nothing.
fn move_bytes(src: &File, from: u64, dst: &File, to: u64, len: u64) -> io::Result<()> {
    let end = from + len;
    let mut buf = vec![0u8; CHUNK.min(usize::try_from(len).unwrap_or(CHUNK))];
    let mut at = from;
    while at < end {
        // The next stretch of data, up to the hole after it.
        let Some(data) = seek(src, at, libc::SEEK_DATA)?.filter(|&d| d < end) else {
            break;
        };
        let hole = seek(src, data, libc::SEEK_HOLE)?.unwrap_or(end).min(end);
        let mut pos = data;
        while pos < hole {
            let n = buf
                .len()
                .min(usize::try_from(hole - pos).unwrap_or(usize::MAX));
            let chunk = &mut buf[..n];
            src.read_exact_at(chunk, pos)?;
            if chunk.iter().any(|&b| b != 0) {
                dst.write_all_at(chunk, to + (pos - from))?;
            }
            pos += n as u64;
        }
        at = hole;
    }
    Ok(())
}

/// `lseek(2)` of `file` to the next data (`SEEK_DATA`) or hole
/// (`SEEK_HOLE`) at or after `offset`; `None` if there is none (`ENXIO`).
/// Only positional I/O is used on these files, so the offset it leaves
/// does not matter.
fn seek(file: &File, offset: u64, whence: libc::c_int) -> io::Result<Option<u64>> {
    let off = i64::try_from(offset)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "offset beyond i64"))?;
    // SAFETY: `lseek` acts on the open file `file` owns, with plain
    // integer arguments; it reads and writes no memory of this process.
    let r = unsafe { libc::lseek(file.as_raw_fd(), off, whence) };
    if r >= 0 {
        return Ok(Some(r as u64));
    }
    let e = io::Error::last_os_error();
    if e.raw_os_error() == Some(libc::ENXIO) {
        Ok(None)
    } else {
        Err(e)
    }
}

/// Makes `len` bytes of `file` at `offset` zero, giving their memory back
/// (`fallocate(2)` `FALLOC_FL_PUNCH_HOLE`): a mapping of the file stays
/// valid and reads zeros there.
///
/// # Errors
///
/// The system call's, or `InvalidInput` for a range beyond `i64`.
pub fn punch(file: &File, offset: u64, len: u64) -> io::Result<()> {
    let too_far = || io::Error::new(io::ErrorKind::InvalidInput, "range beyond i64");
    let off = i64::try_from(offset).map_err(|_| too_far())?;
    let n = i64::try_from(len).map_err(|_| too_far())?;
    if n == 0 {
        return Ok(());
    }
    // SAFETY: `fallocate` acts on the open file `file` owns, with plain
    // integer arguments; it reads and writes no memory of this process.
    let r = unsafe {
        libc::fallocate(
            file.as_raw_fd(),
            libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
            off,
            n,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vram::memfd;

    #[test]
    fn pieces_split_at_the_redirects() {
        let vram = memfd(c"t-vram", 1 << 20).unwrap();
        let vf = Arc::new(memfd(c"t-vf", 1 << 16).unwrap());
        vram.write_all_at(&[7; 16], 0x1000).unwrap();
        let mut r = Redirects::default();
        r.install(&vram, &[(0x1000..0x2000, 0x4000), (0x8000..0x9000, 0)], &vf)
            .unwrap();
        // The bytes moved, and VRAM holds nothing there.
        let mut b = [0u8; 16];
        vf.read_exact_at(&mut b, 0x4000).unwrap();
        assert_eq!(b, [7; 16]);
        vram.read_exact_at(&mut b, 0x1000).unwrap();
        assert_eq!(b, [0; 16]);
        let mut seen = Vec::new();
        r.split(0xff8, 0x8010, |s, n, b| {
            seen.push((
                s,
                n,
                match b {
                    Backing::Vram => None,
                    Backing::File(_, at) => Some(at),
                },
            ));
            Some(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                (0, 8, None),
                (8, 0x1000, Some(0x4000)),
                (0x1008, 0x6000, None),
                (0x7008, 0x1000, Some(0)),
                (0x8008, 8, None),
            ]
        );
        // Overlapping or empty pieces are refused, nothing changes.
        for bad in [
            vec![(0x1800..0x2800, 0)],
            vec![(0x3000..0x3000, 0)],
            vec![(0x3000..0x4000, 0), (0x3800..0x3900, 0)],
        ] {
            assert!(r.install(&vram, &bad, &vf).is_err());
        }
        assert_eq!(r.0.len(), 2);
        // Removal moves the bytes back.
        vf.write_all_at(&[9; 4], 0x4008).unwrap();
        r.remove(&vram, &vf).unwrap();
        assert!(r.is_empty());
        vram.read_exact_at(&mut b, 0x1000).unwrap();
        assert_eq!(b, [7, 7, 7, 7, 7, 7, 7, 7, 9, 9, 9, 9, 7, 7, 7, 7]);
    }

    /// Moving skips holes and zero chunks and lands every byte of data.
    #[test]
    fn moves_copy_the_data_alone() {
        let src = memfd(c"t-src", 64 << 20).unwrap();
        let dst = memfd(c"t-dst", 64 << 20).unwrap();
        for at in [0x1000u64, 5 << 20, (64 << 20) - 8] {
            src.write_all_at(&at.to_le_bytes(), at).unwrap();
        }
        move_bytes(&src, 0x1000, &dst, 0, (64 << 20) - 0x1000).unwrap();
        let mut b = [0u8; 8];
        for at in [0x1000u64, 5 << 20, (64 << 20) - 8] {
            dst.read_exact_at(&mut b, at - 0x1000).unwrap();
            assert_eq!(u64::from_le_bytes(b), at);
        }
        // Only the pages with data were written: after the first, the
        // next data is the page of the second.
        assert_eq!(
            seek(&dst, 0x10_0000, libc::SEEK_DATA).unwrap(),
            Some((5 << 20) - 0x1000)
        );
    }

    #[test]
    fn punching_zeroes() {
        let f = memfd(c"t-punch", 1 << 16).unwrap();
        f.write_all_at(&[1; 0x3000], 0).unwrap();
        punch(&f, 0x1000, 0x1000).unwrap();
        let mut b = [0u8; 0x3000];
        f.read_exact_at(&mut b, 0).unwrap();
        assert!(b[..0x1000].iter().all(|&x| x == 1));
        assert!(b[0x1000..0x2000].iter().all(|&x| x == 0));
        assert!(b[0x2000..].iter().all(|&x| x == 1));
        assert!(punch(&f, u64::MAX, 1).is_err());
    }
}
