//! `NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES` as GSP-RM takes it:
//! the kernel driver owns a VA space's page tables and tells GSP-RM where
//! the directories above GSP-RM's own range (`SPLIT_VAS_SERVER_RM_MANAGED`,
//! 512 MiB at 4 GiB, where it maps channel context buffers) are; GSP-RM
//! then points the PD1 entry of that range at a PD0 of its own, in VRAM
//! it reserved. Until then the VA space cannot hold a channel.
//!
//! What nouveau sends (r535 `r535_mmu_vaspace_new`, used by r570 too):
//! page size 512 MiB, the range 4 GiB..4.5 GiB ("some parts of RM expect
//! the server-reserved area to be in a specific location"), three levels
//! root first (PD3: 0x20 bytes, page shift 47; PD2 and PD1: 0x1000 bytes,
//! shifts 38 and 29). Layout and constants: nouveau `nvkm/subdev/gsp/rm/
//! r535/nvrm/vmm.h`; `GMMU_APERTURE` numbering (1 video, 3 and 4 system
//! memory): open-gpu-kernel-modules `gmmu_fmt.h`. RM
//! (`gvaspaceCopyServerReservedPdes`, `mmuWalkReserveEntries`) refuses
//! with `NV_ERR_INVALID_ARGUMENT` more than six levels, a page size that
//! is not a power of two, a range not aligned to it and a level shift the
//! format lacks; it takes tables in VRAM and in system memory. It does not
//! check the levels' sizes, nor that they form one chain, but a chain
//! that does not lead from the root to GSP-RM's entry leaves GSP-RM's
//! mappings (the channels' context buffers) out of the tables the chip
//! walks: the model refuses that here, where the chip would fault later.
//! GSP-RM writes its PD1 entry when it first maps into its range; the
//! model writes it at once.

use super::gmmu::{self, Phys};
use crate::guest_mem::GuestMemory;
use nvgsp_proto::gsp::status::{NV_ERR_INVALID_ARGUMENT, NV_ERR_NOT_SUPPORTED};
use nvgsp_proto::gsp::vaspace::CopyServerReservedPdesParams;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The VA spaces whose page tables GSP-RM knows: each one's root page
/// directory (its PDB), by RM client and `FERMI_VASPACE_A` handle. GSP-RM's
/// objects keep it; the control port's probe reads it. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct VaSpaces(Arc<Mutex<HashMap<(u32, u32), Phys>>>);

impl PartialEq for VaSpaces {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for VaSpaces {}

impl VaSpaces {
    fn map(&self) -> MutexGuard<'_, HashMap<(u32, u32), Phys>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records VA space `h` of `client`, whose root is `root`.
    pub fn insert(&self, client: u32, h: u32, root: Phys) {
        self.map().insert((client, h), root);
    }

    /// Forgets VA space `h` of `client`.
    pub fn remove(&self, client: u32, h: u32) {
        self.map().remove(&(client, h));
    }

    /// Forgets every VA space of `client`.
    pub fn remove_client(&self, client: u32) {
        self.map().retain(|&(c, _), _| c != client);
    }

    /// Forgets them all.
    pub fn clear(&self) {
        self.map().clear();
    }

    /// The root of VA space `h` of `client`.
    pub fn root(&self, client: u32, h: u32) -> Option<Phys> {
        self.map().get(&(client, h)).copied()
    }
}

/// GSP-RM's range: 512 MiB at 4 GiB.
const RANGE: (u64, u64) = (0x1_0000_0000, 0x2000_0000);
/// (page shift, bytes) of the levels GSP-RM takes, root first.
const LEVELS: [(u8, u64); 3] = [(47, 0x20), (38, 0x1000), (29, 0x1000)];

/// Checks `p` against the driver's directories in `mem`, and points the
/// range's PD1 entry at GSP-RM's own PD0 at `rm_pd0` (VRAM). Returns the
/// VA space's root and where that entry is; `Err` is RM's status and what
/// was wrong.
pub fn copy_server_reserved_pdes(
    p: &CopyServerReservedPdesParams,
    mem: &GuestMemory,
    rm_pd0: u64,
) -> Result<(Phys, Phys), (u32, String)> {
    let bad = |what: String| Err((NV_ERR_INVALID_ARGUMENT, what));
    let (start, size) = RANGE;
    if p.page_size != size || p.virt_addr_lo != start || p.virt_addr_hi != start + size - 1 {
        return bad(format!(
            "range {:#x}..={:#x} in {:#x}-byte pages, not GSP-RM's 512 MiB at 4 GiB",
            p.virt_addr_lo, p.virt_addr_hi, p.page_size
        ));
    }
    if p.num_levels_to_copy as usize != LEVELS.len() {
        return bad(format!(
            "{} levels, not the three above a 512 MiB entry",
            p.num_levels_to_copy
        ));
    }
    let mut tables = [Phys::Sys(0); 3];
    for (i, ((shift, bytes), l)) in LEVELS.iter().zip(&p.levels).enumerate() {
        if l.page_shift != *shift || l.size == 0 {
            return bad(format!(
                "level {i}: shift {} ({:#x} bytes), not {shift} ({bytes:#x} bytes)",
                l.page_shift, l.size
            ));
        }
        if l.phys_address == 0 || !l.phys_address.is_multiple_of(0x1000) {
            return bad(format!(
                "level {i}: table at {:#x}, not 4 KiB aligned",
                l.phys_address
            ));
        }
        tables[i] = match l.aperture {
            3 | 4 => Phys::Sys(l.phys_address),
            1 => {
                return Err((
                    NV_ERR_NOT_SUPPORTED,
                    format!("level {i}: a table in VRAM (the model writes GSP-RM's entry in system memory only)"),
                ))
            }
            a => return bad(format!("level {i}: aperture {a}")),
        };
    }
    // The levels must be one chain: each names the next for the range.
    for i in 0..2 {
        let next = gmmu::directory_entry(mem, tables[i], i, start)
            .map_err(|e| (NV_ERR_INVALID_ARGUMENT, e))?;
        if next != Some(tables[i + 1]) {
            return bad(format!(
                "level {i}: its entry for {start:#x} names {next:?}, not level {}'s table",
                i + 1
            ));
        }
    }
    let rm_pde = gmmu::write_video_pde(mem, tables[2], 2, start, rm_pd0)
        .map_err(|e| (NV_ERR_INVALID_ARGUMENT, e))?;
    Ok((tables[0], rm_pde))
}
