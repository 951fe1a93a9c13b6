// SPDX-License-Identifier: GPL-2.0

//! GA102 and the other GA10x chips after GA100: FWSEC-FRTS from the VBIOS
//! and booter on SEC2 (nova-core `gsp/hal/tu102.rs` and
//! `fb/hal/ga102.rs`, nouveau r535 `gsp.c`). AD10x boots the same way;
//! only the section of GSP-RM's file holding its signature differs
//! (nouveau `ad102_gsp`).

use kernel::{
    dma::DmaMask,
    io::Io,
    prelude::*,
    time::Delta, //
};

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
use crate::{
    bar::Bar0,
    gsp::regs::{
        NV_PFB_NISO_FLUSH_SYSMEM_ADDR,
        NV_PFB_NISO_FLUSH_SYSMEM_ADDR_HI, //
    },
    num::{
        lower_32_bits,
        upper_32_bits, //
    },
    poll::read_poll_timeout,
    proto::bus::{
        PRAMIN,
        PRAMIN_SIZE, //
    },
    regs::{
        NV_PBUS_BAR0_WINDOW,
        NV_UFLUSH_FB_FLUSH,
        NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE,
        NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_PDB,
        NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_UPPER_PDB, //
    },
};

/// `NV_PBUS_BAR0_WINDOW_TARGET_VID_MEM`.
const WINDOW_VID_MEM: u32 = 0;

/// The 1 MiB-aligned base of the window that reaches VRAM offset `addr`
/// (nouveau `nv50_instobj_wr32_slow`: data at 0x700000 plus the rest).
fn window_base(addr: u64) -> u64 {
    let size = u64::from(PRAMIN_SIZE);
    addr / size * size
}

/// Points the window at `base` (from [`window_base`]).
fn set_window(bar: Bar0<'_>, base: u64) -> Result {
    bar.write_reg(
        NV_PBUS_BAR0_WINDOW::zeroed()
            .try_with_base(u32::try_from(base >> 16).map_err(|_| EINVAL)?)?
            .try_with_target(WINDOW_VID_MEM)?,
    );
    Ok(())
}

/// The BAR0 offset that reaches VRAM offset `addr` (4-byte aligned)
/// through a window at `base`.
fn in_window(addr: u64, base: u64) -> Result<usize> {
    if !addr.is_multiple_of(4) {
        return Err(EINVAL);
    }
    usize::try_from(u64::from(PRAMIN) + (addr - base)).map_err(|_| EINVAL)
}

/// The GA102 way, with the signature section of the chip's generation.
pub(super) struct Ga102 {
    signature_section: &'static str,
}

impl GpuHal for Ga102 {
    fn fb_layout(&self, fb_size: u64, bootloader: u64, elf: u64, vgpu: bool) -> Option<FbLayout> {
        if vgpu {
            FbLayout::ga102_vgpu(fb_size, bootloader, elf)
        } else {
            FbLayout::ga102(fb_size, bootloader, elf)
        }
    }

    fn booter_layout(&self, hs: &HsFirmware<'_>) -> pfw::Result<HsLoadLayout> {
        // nova-core `BooterFirmware::new`, after GA100.
        hs.ga102_layout()
    }

    fn gsp_signature_section(&self) -> &'static str {
        self.signature_section
    }

    fn dma_mask(&self) -> DmaMask {
        // 47 bits from Turing to Ada (nova-core `Tu102` `dma_mask`;
        // nouveau `tu102_fb` `dma_bits`).
        DmaMask::new::<47>()
    }

    fn pci_config_mirror(&self) -> (u32, u32) {
        // Where GA10x and later mirror PCI config space in BAR0.
        (0x088000, 0x089000)
    }

    fn write_sysmem_flush_page(&self, bar: Bar0<'_>, addr: u64) -> Result {
        // The high bits first, then the low ones (nova-core
        // `fb/hal/ga100.rs` `write_sysmem_flush_page_ga100`).
        bar.write_reg(
            NV_PFB_NISO_FLUSH_SYSMEM_ADDR_HI::zeroed()
                .try_with_adr_63_40(upper_32_bits(addr) >> 8)?,
        );
        bar.write_reg(
            NV_PFB_NISO_FLUSH_SYSMEM_ADDR::zeroed().with_adr_39_08(lower_32_bits(addr >> 8)),
        );
        Ok(())
    }

    fn invalidate_tlb(&self, bar: Bar0<'_>, pdb: u64, sys: bool) -> Result {
        // Turing's registers (nouveau `tu102_vmm_flush`, OpenRM
        // `kgmmuInvalidateTlb_TU102`): no invalidate may be pending when
        // the PDB is written; then the PDB, and the trigger for all of
        // the VA space's addresses in every TLB.
        let idle = || {
            read_poll_timeout(
                || Ok(bar.read(NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE)),
                |r| !r.trigger(),
                Delta::from_micros(1),
                crate::timeouts::TLB_INVALIDATE,
            )
        };
        idle()?;
        bar.write_reg(
            NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_PDB::zeroed()
                .try_with_addr(lower_32_bits(pdb >> 12) & 0x0fff_ffff)?
                .with_aperture_sys(sys),
        );
        bar.write_reg(
            NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_UPPER_PDB::zeroed()
                .try_with_addr(upper_32_bits(pdb) >> 8)?,
        );
        bar.write_reg(
            NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE::zeroed()
                .with_all_va(true)
                .with_trigger(true),
        );
        idle()?;
        Ok(())
    }

    fn vram_read32(&self, bar: Bar0<'_>, addr: u64) -> Result<u32> {
        let base = window_base(addr);
        set_window(bar, base)?;
        bar.try_read32(in_window(addr, base)?)
    }

    fn vram_write32s(&self, bar: Bar0<'_>, writes: &[(u64, u32)]) -> Result {
        let mut window = None;
        for &(addr, v) in writes {
            let base = window_base(addr);
            if window != Some(base) {
                set_window(bar, base)?;
                window = Some(base);
            }
            bar.try_write32(v, in_window(addr, base)?)?;
        }
        Ok(())
    }

    fn fb_flush(&self, bar: Bar0<'_>) -> Result {
        // nouveau `g84_bar_flush` (which r535's BAR code uses before BAR2
        // is up, "needed on R570"): start one, wait until nothing is
        // outstanding.
        bar.write_reg(NV_UFLUSH_FB_FLUSH::zeroed().with_pending(true));
        read_poll_timeout(
            || Ok(bar.read(NV_UFLUSH_FB_FLUSH)),
            |r| !r.outstanding(),
            Delta::from_micros(1),
            crate::timeouts::FB_FLUSH,
        )?;
        Ok(())
    }

    fn read_sysmem_flush_page(&self, bar: Bar0<'_>) -> u64 {
        u64::from(bar.read(NV_PFB_NISO_FLUSH_SYSMEM_ADDR).adr_39_08()) << 8
            | u64::from(bar.read(NV_PFB_NISO_FLUSH_SYSMEM_ADDR_HI).adr_63_40().get()) << 40
    }
}

const GA102: Ga102 = Ga102 {
    signature_section: ".fwsignature_ga10x",
};
pub(super) const GA102_HAL: &dyn GpuHal = &GA102;

const AD102: Ga102 = Ga102 {
    signature_section: ".fwsignature_ad10x",
};
pub(super) const AD102_HAL: &dyn GpuHal = &AD102;
