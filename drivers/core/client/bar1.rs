// SPDX-License-Identifier: GPL-2.0

//! [`CpuMapping`]: a client's VRAM as the CPU reaches it, through BAR1.
//!
//! BAR1 belongs to the core (`mmu/bar1.rs`). A client asks it to map a
//! [`Vram`] range and gets the CPU physical address to put in its users'
//! page tables (write-combined I/O memory). The mapping holds the VRAM:
//! dropping it unmaps BAR1 first and lets the VRAM go only once the GPU
//! can no longer reach it (during a GPU reset, when the reset is over).
//! Before dropping it the client must have taken the CPU's mappings of it
//! away (`unmap_mapping_range`).
//!
//! BAR1 is shared by all clients and small (256 MiB on most GA102 boards):
//! map what users map, not all VRAM.

use kernel::{
    prelude::*,
    sync::Arc, //
};

use super::{
    Gpu,
    Vram, //
};
use crate::mmu::bar1::{
    Bar1Range,
    KeepAlive, //
};

/// A [`Vram`] range mapped in BAR1.
pub struct CpuMapping {
    gpu: Gpu,
    range: Bar1Range,
    /// The VRAM (boxed ahead, so the drop allocates nothing).
    keep: Option<KeepAlive>,
}

impl Gpu {
    /// Bytes of BAR1, the CPU's window onto VRAM that all clients share;
    /// 0 if the GPU has none the core can use.
    ///
    /// # Errors
    ///
    /// `ENODEV` once the GPU is unbound.
    #[inline(never)]
    pub fn cpu_window_size(&self) -> Result<u64> {
        Ok(self.services()?.get().bar1.size())
    }

    /// Maps `vram` (64 KiB aligned, a multiple of 64 KiB) for the CPU.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a range not 64 KiB aligned, `ENOSPC` if BAR1 (or the
    /// core's memory for its page tables) is full, `ENODEV` if the GPU has
    /// no usable BAR1 or is unbound, `EAGAIN` while the GPU is being
    /// reset, `ENOMEM`.
    #[inline(never)]
    pub fn map_for_cpu(&self, vram: &Arc<Vram>) -> Result<CpuMapping> {
        let keep: KeepAlive = KBox::new(vram.clone(), GFP_KERNEL)?;
        let guard = self.services()?;
        let svc = guard.get();
        let range = svc.bar1.map(svc, vram.offset(), vram.size())?;
        Ok(CpuMapping {
            gpu: self.clone(),
            range,
            keep: Some(keep),
        })
    }
}

impl CpuMapping {
    /// The CPU physical address of the mapping's first byte.
    #[inline(never)]
    pub fn cpu_addr(&self) -> u64 {
        self.range.cpu_addr
    }

    /// Its size in bytes (the VRAM range's).
    #[inline(never)]
    pub fn size(&self) -> u64 {
        self.range.len
    }

    /// Its offset in BAR1.
    #[inline(never)]
    pub fn bar1_offset(&self) -> u64 {
        self.range.va
    }
}

impl Drop for CpuMapping {
    fn drop(&mut self) {
        let Some(keep) = self.keep.take() else {
            return;
        };
        // An unbound GPU took BAR1 and its VRAM with it.
        if let Ok(guard) = self.gpu.services() {
            let svc = guard.get();
            svc.bar1.unmap(svc, self.range, keep);
        }
    }
}
