// SPDX-License-Identifier: GPL-2.0

//! [`Vram`]: a contiguous VRAM range held by a client.

use kernel::prelude::*;

use super::{
    Gpu,
    Placement, //
};

/// A VRAM range counted against the client kind's share; dropping it
/// returns the range. It keeps its [`Gpu`] handle's namespace alive.
pub struct Vram {
    gpu: Gpu,
    offset: u64,
    size: u64,
}

impl Vram {
    pub(super) fn new(gpu: &Gpu, size: u64, align: u64, placement: Placement) -> Result<Self> {
        let (offset, size) = gpu.services()?.get().partition.alloc_vram(
            gpu.client_kind(),
            size,
            align,
            placement,
        )?;
        Ok(Vram {
            gpu: gpu.clone(),
            offset,
            size,
        })
    }

    /// The range's VRAM offset.
    #[inline(never)]
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Its size in bytes.
    #[inline(never)]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Writes zeroes over the range: a new range holds what its last
    /// owner (or the GPU's boot) left, which a client must not hand to
    /// another user as it is. The CPU writes them through BAR1, a piece at
    /// a time (the copy engine is not used yet).
    ///
    /// # Errors
    ///
    /// `EINVAL` for a range not 64 KiB aligned, `ENODEV` once the GPU is
    /// unbound or if it has no usable BAR1, `EAGAIN` while it is being
    /// reset, `ENOSPC` if the core has no memory for BAR1's tables.
    #[inline(never)]
    pub fn clear(&self) -> Result {
        let guard = self.gpu.services()?;
        let svc = guard.get();
        svc.bar1.zero(svc, self.offset, self.size)
    }
}

impl Drop for Vram {
    fn drop(&mut self) {
        // The partition went with an unbound GPU.
        if let Ok(guard) = self.gpu.services() {
            guard.get().partition.free_vram(self.offset);
        }
    }
}
