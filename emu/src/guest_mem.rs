//! Guest memory as the device sees it: the DMA windows QEMU shares over
//! vfio-user (`VFIO_USER_DMA_MAP` with a file descriptor), mapped with
//! rust-vmm's `vm-memory`, addressed by IOVA (the guest-physical address
//! without an IOMMU).
//!
//! Everything the GSP model and the falcon DMA engines read or write goes
//! through here, so an address the driver never mapped is a clean error,
//! not a crash.

use std::fs::File;
use std::io;
use std::sync::{Arc, Mutex};
use vm_memory::{
    Bytes, FileOffset, GuestAddress, GuestAddressSpace, GuestMemoryAtomic, GuestMemoryMmap,
    GuestMemoryRegion, GuestRegionMmap,
};

/// Why a guest-memory access failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("DMA {what} of {len} bytes at {addr:#x} is outside the guest's shared memory")]
pub struct DmaFault {
    /// "read" or "write".
    pub what: &'static str,
    /// The IOVA of the access.
    pub addr: u64,
    /// Its length.
    pub len: usize,
}

/// The shared DMA windows; cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct GuestMemory {
    mem: GuestMemoryAtomic<GuestMemoryMmap>,
    windows: Arc<Mutex<Vec<Arc<GuestRegionMmap>>>>,
}

impl Default for GuestMemory {
    fn default() -> Self {
        GuestMemory {
            mem: GuestMemoryAtomic::new(GuestMemoryMmap::new()),
            windows: Arc::default(),
        }
    }
}

impl GuestMemory {
    /// Maps `size` bytes of `file` at `offset` as the window at `iova`.
    pub fn map(&self, iova: u64, size: u64, file: File, offset: u64) -> io::Result<()> {
        let size = usize::try_from(size).map_err(|_| io::Error::other("DMA window too large"))?;
        let region = GuestRegionMmap::from_range(
            GuestAddress(iova),
            size,
            Some(FileOffset::new(file, offset)),
        )
        .map_err(|e| io::Error::other(format!("cannot map DMA window: {e}")))?;
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        windows.push(Arc::new(region));
        self.publish(&mut windows)
    }

    /// Removes the windows inside `iova..iova+size`, or all with `None`.
    pub fn unmap(&self, range: Option<(u64, u64)>) -> io::Result<()> {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        match range {
            None => windows.clear(),
            Some((iova, size)) => {
                let end = iova.saturating_add(size);
                windows.retain(|w| {
                    let start = w.start_addr().0;
                    !(start >= iova && start.saturating_add(w.len()) <= end)
                });
            }
        }
        self.publish(&mut windows)
    }

    fn publish(&self, windows: &mut [Arc<GuestRegionMmap>]) -> io::Result<()> {
        windows.sort_by_key(|w| w.start_addr().0);
        let collection = if windows.is_empty() {
            GuestMemoryMmap::new()
        } else {
            GuestMemoryMmap::from_arc_regions(windows.to_vec())
                .map_err(|e| io::Error::other(format!("overlapping DMA windows: {e}")))?
        };
        self.mem
            .lock()
            .map_err(|_| io::Error::other("guest memory lock poisoned"))?
            .replace(collection);
        Ok(())
    }

    /// Reads `buf.len()` bytes at `addr`.
    pub fn read(&self, addr: u64, buf: &mut [u8]) -> Result<(), DmaFault> {
        self.mem
            .memory()
            .read_slice(buf, GuestAddress(addr))
            .map_err(|_| DmaFault {
                what: "read",
                addr,
                len: buf.len(),
            })
    }

    /// Writes `buf` at `addr`.
    pub fn write(&self, addr: u64, buf: &[u8]) -> Result<(), DmaFault> {
        self.mem
            .memory()
            .write_slice(buf, GuestAddress(addr))
            .map_err(|_| DmaFault {
                what: "write",
                addr,
                len: buf.len(),
            })
    }

    /// Reads a little-endian u32 at `addr`.
    #[cfg(test)]
    pub fn read_u32(&self, addr: u64) -> Result<u32, DmaFault> {
        let mut b = [0u8; 4];
        self.read(addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Reads a little-endian u64 at `addr`.
    pub fn read_u64(&self, addr: u64) -> Result<u64, DmaFault> {
        let mut b = [0u8; 8];
        self.read(addr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }
}

/// For tests: an unlinked, zero-filled file of `size` bytes, standing in
/// for the memfd QEMU shares guest RAM through.
#[cfg(test)]
pub fn backing_file(size: u64) -> File {
    let path = std::env::temp_dir().join(format!(
        "nvgsp-guest-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    f.set_len(size).unwrap();
    f
}

/// For tests: guest memory of `size` bytes at bus address `base`, backed
/// by a [`backing_file`].
#[cfg(test)]
pub fn test_memory(base: u64, size: u64) -> GuestMemory {
    let gm = GuestMemory::default();
    gm.map(base, size, backing_file(size), 0).unwrap();
    gm
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memfd(size: usize) -> File {
        backing_file(size as u64)
    }

    #[test]
    fn windows_map_read_write_and_unmap() {
        let gm = GuestMemory::default();
        assert!(gm.read_u32(0x1000).is_err());
        gm.map(0x10_0000, 0x2000, memfd(0x3000), 0x1000).unwrap();
        gm.write(0x10_0ffe, &[1, 2, 3, 4]).unwrap();
        assert_eq!(gm.read_u32(0x10_0ffe).unwrap(), 0x0403_0201);
        // Crossing the end of the window is a fault, not a short access.
        assert_eq!(
            gm.read_u64(0x10_1ffc),
            Err(DmaFault {
                what: "read",
                addr: 0x10_1ffc,
                len: 8
            })
        );
        gm.unmap(Some((0x10_0000, 0x2000))).unwrap();
        assert!(gm.read_u32(0x10_0ffe).is_err());
    }
}
