//! Interrupt delivery: MSI-X vectors as the eventfds QEMU hands us.

use std::fs::File;
use std::io::{self, Write};

/// VFIO interrupt indices (linux/vfio.h `VFIO_PCI_*_IRQ_INDEX`).
pub const INDEX_MSIX: u32 = 2;
/// Number of interrupt indices a PCI device reports (INTx .. REQ).
pub const NUM_INDICES: u32 = 5;

/// The eventfd of each MSI-X vector, once QEMU has wired it.
pub struct Msix {
    vectors: Vec<Option<File>>,
}

impl Msix {
    /// A table of `count` unwired vectors.
    pub fn new(count: u16) -> Msix {
        Msix {
            vectors: (0..count).map(|_| None).collect(),
        }
    }

    /// Wires `fds` to vectors `start..start + fds.len()`, or unwires
    /// `start..start + count` when `fds` is empty.
    pub fn set(&mut self, start: u32, count: u32, fds: Vec<File>) -> io::Result<()> {
        let start = start as usize;
        let end = start
            .checked_add(count as usize)
            .filter(|&e| e <= self.vectors.len());
        let Some(end) = end else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "MSI-X vector range out of bounds",
            ));
        };
        if fds.is_empty() {
            self.vectors[start..end].iter_mut().for_each(|v| *v = None);
            return Ok(());
        }
        if fds.len() != end - start {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "MSI-X eventfd count mismatch",
            ));
        }
        for (slot, fd) in self.vectors[start..end].iter_mut().zip(fds) {
            *slot = Some(fd);
        }
        Ok(())
    }

    /// Unwires every vector (device reset).
    pub fn clear(&mut self) {
        self.vectors.iter_mut().for_each(|v| *v = None);
    }

    /// Signals `vector`; returns whether it was wired.
    pub fn fire(&mut self, vector: usize) -> bool {
        match self.vectors.get_mut(vector) {
            Some(Some(fd)) => fd.write_all(&1u64.to_ne_bytes()).is_ok(),
            _ => false,
        }
    }
}
