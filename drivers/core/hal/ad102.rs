// SPDX-License-Identifier: GPL-2.0

//! AD10x: booted as GA102 is; only GSP-RM's signature section differs
//! (nouveau `ad102_gsp` uses the GA102 boot with `.fwsignature_ad10x`).

use super::{
    ga102::{
        booter_layout_ga102,
        fb_layout_ga102,
        PCI_CONFIG_MIRROR_GA102, //
    },
    GpuHal,
};
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

pub(super) struct Ad102;

impl GpuHal for Ad102 {
    fn fb_layout(&self, fb_size: u64, bootloader: u64, elf: u64) -> Option<FbLayout> {
        fb_layout_ga102(fb_size, bootloader, elf)
    }

    fn booter_layout(&self, hs: &HsFirmware<'_>) -> pfw::Result<HsLoadLayout> {
        booter_layout_ga102(hs)
    }

    fn gsp_signature_section(&self) -> &'static str {
        ".fwsignature_ad10x"
    }

    fn pci_config_mirror(&self) -> (u32, u32) {
        PCI_CONFIG_MIRROR_GA102
    }
}

const AD102: Ad102 = Ad102;
pub(super) const AD102_HAL: &dyn GpuHal = &AD102;
