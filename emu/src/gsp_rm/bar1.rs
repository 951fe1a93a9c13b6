//! BAR1 as GSP-RM sets it up at each boot: a VA space of its own, in the
//! VRAM it keeps, bound to BAR1 in virtual mode.
//!
//! What GSP-RM does (OpenRM `kbusInitBar1_GM107` and
//! `kbusBar1InstBlkBind_TU102`, which run in GSP-RM when the kernel side
//! is a GSP client; see `docs/design/bar1.md` sections 1 and 2):
//! - it allocates BAR1's instance block and the VA space's root page
//!   directory (PD3) in its own memory, outside the usable VRAM it
//!   reports; the instance block's page directory words name the PD3
//!   (format version 2, 64 KiB big pages) and the VA limit, the BAR's
//!   size less one (`kbusInstBlkWriteAddrLimit_GP100`);
//! - it sparsifies the VA space, "so that stray CPU accesses do not
//!   fault": here PD3's first entry names a PD2 of GSP-RM's whose entries
//!   are all sparse (invalid with VOL, gp100-mmu-format);
//! - it binds the block (`NV_VIRTUAL_FUNCTION_PRIV_BAR1_BLOCK`: MODE
//!   virtual, TARGET video memory, PTR the block's address >> 12) and
//!   reports the PD3's address as `bar1PdeBase` in its static info, for
//!   the driver to point PD3's entries at its own tables (nouveau
//!   `r535_bar_bar1_init`, OpenRM `kbusPatchBar1Pdb_GSPCLIENT`);
//! - it unbinds at unload. Whether GSP-RM really puts BAR1 back in
//!   physical mode then is not published; the model leaves it unbound, so
//!   a driver that touches BAR1 after the unload is caught.
//!
//! The driver may write PD3's first entry only: BAR1's VA space (a BAR of
//! a few GiB at most) lies under it, since it spans 128 TiB; the rest of
//! the page is GSP-RM's and a write there a driver defect (`dev::pramin`,
//! `dev::reserved`: the model's choice). At an orderly unload
//! (`UNLOADING_GUEST_DRIVER`) the model checks that the driver gave that
//! entry back: that the GPU (flushed writes only) reads there what GSP-RM
//! wrote at boot. No source says GSP-RM needs it (nouveau r535 leaves its
//! own entry behind); it is the model's choice, after the core's design
//! (`docs/design/bar1.md` section 4: restore the saved PD3 entries before
//! `UNLOADING_GUEST_DRIVER`), so that tables the driver frees are not left
//! named by GSP-RM's page directory. A function reset is not checked: in a
//! recovery it comes while the driver's entry is legitimately in place,
//! and GSP-RM's next boot writes PD3 anew.
//!
//! Where: the model's GSP-RM keeps its own tables in its non-WPR heap (1
//! MiB at the end of the usable VRAM it reports, below WPR2): its PD0s
//! for the driver's VA spaces in the first [`VASPACE_PD0_PAGES`] pages
//! (`objects.rs`), BAR1's instance block, PD3 and PD2 in the last three.
//! Where a real GA102's GSP-RM puts them is not published (nouveau saves
//! that heap across suspend as "gsp-non-wpr", `r535_fbsr_suspend`).

use super::config::RmConfig;
use crate::dev::bar1::{block, ramin};
use crate::dev::reserved::RmReserved;
use crate::dev::{self, Hw, SharedHw};
use crate::gsp_rm::gmmu::Phys;
use log::{error, info, warn};

/// Pages of the non-WPR heap for GSP-RM's PD0s in the driver's VA spaces.
pub const VASPACE_PD0_PAGES: u64 = 253;

const PAGE: u64 = 0x1000;

/// A format 2 directory entry naming the table at `table` in VRAM:
/// aperture 1 (video memory) in 2:1, the address >> 12 in 32:8
/// (open-gpu-doc `tu104/dev_mmu.ref.txt` `NV_MMU_VER2_PDE_*`).
fn video_pde(table: u64) -> u64 {
    (table >> 12) << 8 | 1 << 1
}

/// A sparse directory entry: invalid (aperture 0) with VOL (bit 3).
const SPARSE_PDE: u64 = 1 << 3;

/// The bytes of PD3 the driver writes: its first entry.
const DRIVERS_PD3_ENTRY: u64 = 8;

/// Where GSP-RM keeps BAR1's structures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The instance block.
    pub inst: u64,
    /// PD3: `bar1PdeBase`.
    pub pd3: u64,
    /// GSP-RM's sparse PD2, which PD3's first entry names.
    pub pd2: u64,
}

impl Layout {
    /// The layout for `config`: the last three pages of the non-WPR heap,
    /// PD3 and PD2 swapping pages from one boot to the next, so that a
    /// driver that takes BAR1 back after a GSP-RM reboot must read
    /// `bar1PdeBase` again (nouveau r535 re-reads it at every resume; that
    /// GSP-RM moves it is the model's choice: no source says it stays).
    pub fn of(config: &RmConfig) -> Layout {
        let page = |i: u64| config.usable_end() + (VASPACE_PD0_PAGES + i) * PAGE;
        let (pd3, pd2) = if config.boot.is_multiple_of(2) {
            (page(2), page(1))
        } else {
            (page(1), page(2))
        };
        Layout {
            inst: page(0),
            pd3,
            pd2,
        }
    }

    /// PD3's first entry as GSP-RM writes it: its PD2.
    pub fn pd3_entry(&self) -> u64 {
        video_pde(self.pd2)
    }

    /// The value GSP-RM binds BAR1 with.
    pub fn block(&self) -> u32 {
        block::MODE_VIRTUAL
            | block::TARGET_VID_MEM << block::TARGET_SHIFT
            | (self.inst >> block::PTR_SHIFT) as u32 & block::PTR
    }
}

/// Writes `words` (little-endian u32s) at `at`.
fn put32(vram: &crate::vram::VramView, at: u64, words: &[u32]) -> Option<()> {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    vram.write(at, &bytes)
}

/// Sets BAR1 up as GSP-RM does when it boots: its tables written, its
/// memory declared, the TLB's old entries for the PD3 dropped, BAR1
/// bound. Returns the layout.
pub fn boot(hw: &SharedHw, config: &RmConfig) -> Result<Layout, String> {
    if config.usable_end() == 0 {
        return Err(format!(
            "no room for GSP-RM's heaps in {} MiB of VRAM",
            config.vram >> 20
        ));
    }
    let l = Layout::of(config);
    let mut h = dev::lock(hw);
    let vram = h.vram.clone().ok_or("no VRAM")?;
    let fail = || format!("BAR1's tables at {:#x} are beyond VRAM", l.inst);
    for t in [l.inst, l.pd3, l.pd2] {
        vram.write(t, &[0u8; PAGE as usize]).ok_or_else(fail)?;
    }
    let limit = config.bar1 - 1;
    let pdb = [
        block::TARGET_VID_MEM
            | ramin::USE_NEW_PT_FORMAT
            | ramin::BIG_PAGE_SIZE_64KB
            | (l.pd3 as u32 & ramin::ADDR_LO),
        (l.pd3 >> 32) as u32,
        limit as u32 | 0xfff,
        (limit >> 32) as u32,
    ];
    put32(&vram, l.inst + ramin::PAGE_DIR_BASE, &pdb).ok_or_else(fail)?;
    vram.write(l.pd3, &l.pd3_entry().to_le_bytes())
        .ok_or_else(fail)?;
    let sparse: Vec<u8> = (0..PAGE / 8)
        .flat_map(|_| SPARSE_PDE.to_le_bytes())
        .collect();
    vram.write(l.pd2, &sparse).ok_or_else(fail)?;
    if let Some(w) = h
        .bar0
        .wpr2()
        .filter(|w| w.start < l.pd2 + PAGE && l.inst < w.end)
    {
        // The usable VRAM the model reports assumes 570.144's image sizes
        // and nova-core's heap rule; a layout with a larger heap moves
        // WPR2 down over the non-WPR heap the model computed.
        error!(
            "GSP-RM: BAR1's tables at {:#x}..{:#x} overlap WPR2 {:#x}..{:#x}: the driver's layout is not the one the model assumes",
            l.inst,
            l.pd2 + PAGE,
            w.start,
            w.end
        );
    }
    h.rm_reserved = Some(RmReserved {
        range: config.usable_end()..config.vram,
        shared: l.pd3..l.pd3 + DRIVERS_PD3_ENTRY,
    });
    h.bar0.mmu.forget(Phys::Video(l.pd3));
    let b = h.bind_bar1(l.block())?;
    info!(
        "GSP-RM: BAR1 ({} MiB, sparse) bound to the instance block at {:#x}, PD3 (bar1PdeBase) at {}",
        (b.limit + 1) >> 20,
        b.inst,
        b.pdb
    );
    Ok(l)
}

/// GSP-RM unloads (`UNLOADING_GUEST_DRIVER`), having set BAR1 up as
/// `config` says: a driver defect if the driver did not give PD3's first
/// entry back; then BAR1 unbound, its memory no longer its own.
pub fn unload(hw: &SharedHw, config: &RmConfig) {
    let mut h = dev::lock(hw);
    let l = Layout::of(config);
    if h.bar0
        .bar1
        .binding()
        .is_some_and(|b| b.pdb == Phys::Video(l.pd3))
    {
        check_given_back(&mut h, &l);
    }
    h.unbind_bar1();
    h.rm_reserved = None;
}

/// Whether PD3's first entry reads for the GPU as GSP-RM wrote it at
/// boot; one warning and one defect if not.
fn check_given_back(h: &mut Hw, l: &Layout) {
    let Some(vram) = &h.vram else {
        return;
    };
    let (mut gpu, mut host) = ([0u8; 8], [0u8; 8]);
    if vram.read_gpu(l.pd3, &mut gpu).is_none() || vram.read(l.pd3, &mut host).is_none() {
        return;
    }
    let (gpu, host, want) = (
        u64::from_le_bytes(gpu),
        u64::from_le_bytes(host),
        l.pd3_entry(),
    );
    if gpu == want {
        return;
    }
    let unflushed = if host == want {
        " (written back through PRAMIN, but no FB flush completed since)"
    } else {
        ""
    };
    warn!(
        "GSP-RM: driver defect: BAR1's PD3 entry 0 was not given back to GSP-RM before it unloaded: the GPU reads {gpu:#x} at {:#x}{unflushed}, GSP-RM wrote {want:#x}",
        l.pd3
    );
    h.counters.defects += 1;
}
