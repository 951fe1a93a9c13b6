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
}

impl Drop for Vram {
    fn drop(&mut self) {
        // The partition went with an unbound GPU.
        if let Ok(guard) = self.gpu.services() {
            guard.get().partition.free_vram(self.offset);
        }
    }
}
