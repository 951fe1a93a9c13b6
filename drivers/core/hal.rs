// SPDX-License-Identifier: GPL-2.0

//! The chip seam: what differs between the GPUs the core boots, one method
//! per concern, one implementation per first chip with that behaviour
//! (nova-core's `hal/` is the model). [`of`] picks the implementation by
//! architecture with no catch-all arm, so a new [`Architecture`] breaks the
//! build here until someone decides what it is.
//!
//! GA102 is the first implementation; AD10x is the same one with its own
//! firmware signature section. A GH100 (FSP boot, another VRAM layout)
//! adds a file here and an arm in [`of`].

use kernel::{
    dma::DmaMask,
    prelude::*, //
};

use crate::{
    bar::Bar0,
    gpu::{
        Architecture,
        Chipset, //
    },
    proto::{
        firmware::{
            self as pfw,
            hs::{
                HsFirmware,
                HsLoadLayout, //
            },
        },
        gsp::fb_layout::FbLayout,
    },
};

mod ga102;

/// What differs per chip.
pub(crate) trait GpuHal: Sync {
    /// Where FRTS, the GSP-RM images, its heap and WPR2 go in `fb_size`
    /// bytes of VRAM, for a bootloader of `bootloader` bytes and a GSP-RM
    /// ELF image of `elf` bytes; `None` if they do not fit.
    /// With `vgpu`, GSP-RM is to host vGPUs and gets the larger heap.
    fn fb_layout(&self, fb_size: u64, bootloader: u64, elf: u64, vgpu: bool) -> Option<FbLayout>;

    /// How booter's HS image is loaded into SEC2.
    fn booter_layout(&self, hs: &HsFirmware<'_>) -> pfw::Result<HsLoadLayout>;

    /// The section of the GSP-RM firmware file holding this chip's
    /// signature (nouveau `gsp->fws.rm` `sig_section`).
    fn gsp_signature_section(&self) -> &'static str;

    /// The BAR0 window (start, end) mirroring PCI config space, which
    /// GSP-RM is told in SET_SYSTEM_INFO (nova-core
    /// `Chipset::pci_config_mirror_range`).
    fn pci_config_mirror(&self) -> (u32, u32);

    /// Registers `addr` as the sysmem flush page, the page the GPU writes
    /// to for a sysmembar (0 unregisters it); nova-core `FbHal`
    /// `write_sysmem_flush_page`. Fails if `addr` does not fit the
    /// registers.
    fn write_sysmem_flush_page(&self, bar: Bar0<'_>, addr: u64) -> Result;

    /// The sysmem flush page registered now.
    fn read_sysmem_flush_page(&self, bar: Bar0<'_>) -> u64;

    /// The bus addresses the GPU can reach (its DMA mask).
    fn dma_mask(&self) -> DmaMask;

    /// Drops every translation the GPU's TLBs hold for the VA space whose
    /// root directory is at `pdb` (in system memory if `sys`), after its
    /// page tables changed, and waits until that is done. One invalidate
    /// at a time: the caller serialises them.
    ///
    /// # Errors
    ///
    /// `ETIMEDOUT` if the MMU does not finish (or did not finish the one
    /// before).
    fn invalidate_tlb(&self, bar: Bar0<'_>, pdb: u64, sys: bool) -> Result;

    /// Reads the u32 at VRAM offset `addr` (4-byte aligned) through BAR0's
    /// window onto VRAM. The window is one for the whole GPU: the caller
    /// holds the one lock every user of it takes.
    ///
    /// # Errors
    ///
    /// `EINVAL` for an address the window cannot reach or not aligned.
    fn vram_read32(&self, bar: Bar0<'_>, addr: u64) -> Result<u32>;

    /// Writes each `(addr, v)` of `writes` (VRAM offsets, 4-byte
    /// aligned), in order, through the window, as [`Self::vram_read32`];
    /// the window moves only when the next write is outside it. The GPU
    /// may not see them before [`Self::fb_flush`].
    fn vram_write32s(&self, bar: Bar0<'_>, writes: &[(u64, u32)]) -> Result;

    /// Makes the writes the CPU made through BAR0 and BAR1 visible to the
    /// GPU's own reads (page table walks), and waits until that is done.
    ///
    /// # Errors
    ///
    /// `ETIMEDOUT` if the flush does not finish.
    fn fb_flush(&self, bar: Bar0<'_>) -> Result;
}

/// The implementation for `chipset`.
///
/// # Errors
///
/// `ENOTSUPP` for a chip whose GSP-RM boot the core does not implement
/// (Turing and GA100 boot differently, Hopper through its FSP).
pub(crate) fn of(chipset: Chipset) -> Result<&'static dyn GpuHal> {
    match chipset.arch() {
        Architecture::Ampere if chipset == Chipset::GA100 => Err(ENOTSUPP),
        Architecture::Ampere => Ok(ga102::GA102_HAL),
        Architecture::Ada => Ok(ga102::AD102_HAL),
        Architecture::Turing | Architecture::Hopper => Err(ENOTSUPP),
    }
}
