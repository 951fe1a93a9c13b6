// SPDX-License-Identifier: GPL-2.0

//! GA102 and the other GA10x chips after GA100: FWSEC-FRTS from the VBIOS
//! and booter on SEC2 (nova-core `gsp/hal/tu102.rs` and
//! `fb/hal/ga102.rs`, nouveau r535 `gsp.c`).

use super::GpuHal;
use crate::proto::{
    firmware::{
        self as pfw,
        hs::{
            HsFirmware,
            HsLoadLayout, //
        },
    },
    gsp::fb_layout::FbLayout,
};

pub(super) struct Ga102;

/// The VRAM layout of GA102 (`proto/src/gsp/fb_layout.rs`), which later
/// chips share.
pub(super) fn fb_layout_ga102(fb_size: u64, bootloader: u64, elf: u64) -> Option<FbLayout> {
    FbLayout::ga102(fb_size, bootloader, elf)
}

/// Booter's load layout after GA100 (nova-core `BooterFirmware::new`).
pub(super) fn booter_layout_ga102(hs: &HsFirmware<'_>) -> pfw::Result<HsLoadLayout> {
    hs.ga102_layout()
}

/// Where GA10x and later mirror PCI config space in BAR0.
pub(super) const PCI_CONFIG_MIRROR_GA102: (u32, u32) = (0x088000, 0x089000);

impl GpuHal for Ga102 {
    fn fb_layout(&self, fb_size: u64, bootloader: u64, elf: u64) -> Option<FbLayout> {
        fb_layout_ga102(fb_size, bootloader, elf)
    }

    fn booter_layout(&self, hs: &HsFirmware<'_>) -> pfw::Result<HsLoadLayout> {
        booter_layout_ga102(hs)
    }

    fn gsp_signature_section(&self) -> &'static str {
        ".fwsignature_ga10x"
    }

    fn pci_config_mirror(&self) -> (u32, u32) {
        PCI_CONFIG_MIRROR_GA102
    }
}

const GA102: Ga102 = Ga102;
pub(super) const GA102_HAL: &dyn GpuHal = &GA102;
