//! Interrupt delivery: MSI-X vectors as the eventfds QEMU hands us.

use std::fs::File;
use std::io::{self, Write};
use vfio_bindings::bindings::vfio::{
    VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_DATA_EVENTFD, VFIO_IRQ_SET_DATA_NONE,
};

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

    /// Applies a client's `VFIO_DEVICE_SET_IRQS` on interrupt `index`:
    /// MSI-X vectors wired to eventfds or all unwired; nothing else exists
    /// (a function with MSI-X only, the PF's and the VFs' alike). Returns
    /// whether vectors were wired, so the caller can deliver what is
    /// already pending.
    pub fn set_irqs(
        &mut self,
        index: u32,
        flags: u32,
        start: u32,
        count: u32,
        fds: Vec<File>,
    ) -> io::Result<bool> {
        let invalid = |msg: &str| io::Error::new(io::ErrorKind::InvalidInput, msg.to_string());
        if index != INDEX_MSIX {
            return if count == 0 {
                Ok(false)
            } else {
                Err(invalid("only MSI-X interrupts exist"))
            };
        }
        if flags & VFIO_IRQ_SET_ACTION_TRIGGER == 0 {
            return Err(invalid("only ACTION_TRIGGER is supported"));
        }
        if flags & VFIO_IRQ_SET_DATA_EVENTFD != 0 {
            self.set(start, count, fds)?;
            Ok(true)
        } else if flags & VFIO_IRQ_SET_DATA_NONE != 0 && count == 0 {
            self.clear();
            Ok(false)
        } else {
            Err(invalid("unsupported SET_IRQS data type"))
        }
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
