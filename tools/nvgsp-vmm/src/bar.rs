//! BARs mapped into this process with vm-memory: a sysfs resource file's
//! (for `peek`), or a VFIO region's, as a VMM maps a device's BARs and
//! its guest memory.
//!
//! Every access to a mapping is volatile and of the width asked for: 32
//! bits for a register, 64 bits per word for bulk data.

use crate::vf::{Region, Vf};
use std::fs::OpenOptions;
use std::sync::Arc;
use vfio_bindings::bindings::vfio::{VFIO_REGION_INFO_FLAG_READ, VFIO_REGION_INFO_FLAG_WRITE};
use vm_memory::{FileOffset, MmapRegion, VolatileMemory};

/// A read-write shared mapping of `len` bytes of `file` from `start`.
fn map(file: FileOffset, len: usize, prot: i32) -> std::io::Result<MmapRegion> {
    MmapRegion::build(Some(file), len, prot, libc::MAP_SHARED).map_err(|e| match e {
        vm_memory::mmap::MmapRegionError::Mmap(io) => io,
        other => std::io::Error::other(other.to_string()),
    })
}

/// Reads the 32-bit register at `at` of a mapping.
fn load32(map: &MmapRegion, at: usize) -> Result<u32, String> {
    if !at.is_multiple_of(4) {
        return Err(format!("offset {at:#x} is not 4-byte aligned"));
    }
    map.get_ref::<u32>(at)
        .map(|r| r.load())
        .map_err(|_| format!("offset {at:#x} is outside the {}-byte BAR", map.len()))
}

/// A PCI memory BAR mapped from its sysfs resource file.
pub struct SysfsBar {
    map: MmapRegion,
}

impl SysfsBar {
    /// Maps the BAR behind `path` (read-write, shared).
    pub fn open(path: &str) -> Result<SysfsBar, String> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| format!("cannot open {path}: {e}"))?;
        let len = file
            .metadata()
            .map_err(|e| format!("cannot stat {path}: {e}"))?
            .len();
        let len = usize::try_from(len).map_err(|_| format!("{path} is too large"))?;
        if len == 0 {
            return Err(format!("{path} is an empty BAR"));
        }
        let map = map(
            FileOffset::new(file, 0),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
        )
        .map_err(|e| format!("cannot map {path}: {e}"))?;
        Ok(SysfsBar { map })
    }

    /// Reads the 32-bit register at `offset`.
    pub fn read32(&self, offset: u64) -> Result<u32, String> {
        let at = usize::try_from(offset).map_err(|_| "offset too large".to_string())?;
        load32(&self.map, at)
    }
}

/// One mapped area of a region.
struct Area {
    /// Its offset in the region.
    start: u64,
    map: MmapRegion,
}

/// How a region's bytes are reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// All of it through mappings.
    Mmap,
    /// Some through mappings, the rest by read/write on the device file.
    Partial,
    /// By read/write on the device file (vfio-ioctls' region_read and
    /// region_write).
    ReadWrite,
}

impl Access {
    /// `mmap`, `mmap partial`, `read/write`.
    pub fn name(&self) -> &'static str {
        match self {
            Access::Mmap => "mmap",
            Access::Partial => "mmap partial",
            Access::ReadWrite => "read/write",
        }
    }
}

/// The protection a region's flags allow.
fn prot(region: &Region) -> i32 {
    let mut prot = libc::PROT_NONE;
    if region.flags & VFIO_REGION_INFO_FLAG_READ != 0 {
        prot |= libc::PROT_READ;
    }
    if region.flags & VFIO_REGION_INFO_FLAG_WRITE != 0 {
        prot |= libc::PROT_WRITE;
    }
    prot
}

/// Maps `len` bytes of `region` from `start` (in the region): what a VMM
/// does, and what [`crate::commands`] tries past the region's end.
pub fn map_region(vf: &Vf, region: &Region, start: u64, len: u64) -> std::io::Result<MmapRegion> {
    let len = usize::try_from(len).map_err(|_| std::io::Error::from_raw_os_error(libc::E2BIG))?;
    let file = FileOffset::from_arc(Arc::clone(vf.file()), region.offset + start);
    map(file, len, prot(region))
}

/// A VFIO region (a BAR) of a VF, mapped where it may be.
pub struct Bar<'a> {
    vf: &'a Vf,
    region: Region,
    areas: Vec<Area>,
}

impl<'a> Bar<'a> {
    /// Maps the mappable areas of region `index`.
    pub fn new(vf: &'a Vf, index: u32) -> Result<Bar<'a>, String> {
        let region = vf.region(index);
        let mut areas = Vec::new();
        let mappable = if vf.mmap() {
            region.mmap_areas.as_slice()
        } else {
            &[]
        };
        for &(start, len) in mappable {
            let map = map_region(vf, &region, start, len).map_err(|e| {
                format!(
                    "cannot map {len:#x} bytes at {start:#x} of region {index}: {}",
                    crate::report::io_error(&e)
                )
            })?;
            areas.push(Area { start, map });
        }
        Ok(Bar { vf, region, areas })
    }

    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.region.size
    }

    /// How its bytes are reached.
    pub fn access(&self) -> Access {
        let mapped: u64 = self.areas.iter().map(|a| a.map.len() as u64).sum();
        match mapped {
            0 => Access::ReadWrite,
            m if m >= self.region.size => Access::Mmap,
            _ => Access::Partial,
        }
    }

    /// The mapping that holds `[offset, offset + len)`, and where in it.
    fn area(&self, offset: u64, len: usize) -> Option<(&MmapRegion, usize)> {
        self.areas.iter().find_map(|a| {
            let at = usize::try_from(offset.checked_sub(a.start)?).ok()?;
            (at.checked_add(len)? <= a.map.len()).then_some((&a.map, at))
        })
    }

    /// Reads the 32-bit register at `offset`.
    pub fn read32(&self, offset: u64) -> Result<u32, String> {
        match self.area(offset, 4) {
            Some((map, at)) => load32(map, at),
            None => {
                let mut b = [0u8; 4];
                self.vf
                    .device()
                    .region_read(self.region.index, &mut b, offset);
                Ok(u32::from_le_bytes(b))
            }
        }
    }

    /// Reads `words.len()` 64-bit words from `offset`.
    pub fn read_words(&self, offset: u64, words: &mut [u64]) {
        let len = 8 * words.len();
        if let Some((map, at)) = self.area(offset, len) {
            let slice = map.get_slice(at, len).expect("the area holds the range");
            slice.copy_to(words);
            return;
        }
        let mut bytes = vec![0u8; len];
        self.vf
            .device()
            .region_read(self.region.index, &mut bytes, offset);
        for (w, b) in words.iter_mut().zip(bytes.chunks_exact(8)) {
            *w = u64::from_le_bytes(b.try_into().expect("8-byte chunks"));
        }
    }

    /// Writes `words` from `offset`.
    pub fn write_words(&self, offset: u64, words: &[u64]) {
        let len = 8 * words.len();
        if let Some((map, at)) = self.area(offset, len) {
            let slice = map.get_slice(at, len).expect("the area holds the range");
            slice.copy_from(words);
            return;
        }
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.vf
            .device()
            .region_write(self.region.index, &bytes, offset);
    }
}
