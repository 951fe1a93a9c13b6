//! The GPU MMU as the host sees it: the TLB the GPU's memory clients
//! translate through, and the registers that invalidate it.
//!
//! The TLB caches what walks found (the format is [`gmmu`]'s), per page
//! directory base (PDB, a VA space's root): directory entries that name
//! tables, per level and VA, and translations (pages and sparse ranges),
//! per page. A walk takes what is cached and reads only the rest, so a
//! driver that changes its page tables and does not invalidate keeps
//! seeing the old translation, as on the chip.
//!
//! What goes through the TLB: BAR1 accesses (`dev::bar1`); the control
//! port's `translate` probe of a VA space, which translates as a hub
//! client (a copy engine) would and fills the TLB as one would; the host's
//! fetches and the copy engine's accesses (`dev::host::access`). The probe of BAR1 (`translate bar1`) only peeks
//! ([`Mmu::peek`]): a TLB hit answers, else a walk through the cached
//! directory entries that caches nothing, since that probe is documented
//! as no access. What does not: GSP-RM's own reading of the driver's
//! tables (`gsp_rm::channel_memory`'s GPFIFO check, `gsp_rm::vaspace`'s
//! directory chain). RM walks a VA space's tables in software
//! (`mmuWalk`), reading memory, not through the GPU's TLB.
//!
//! The invalidate registers are the virtual function's window on the
//! MMU, which the CPU driver uses with GSP-RM (BAR0 0xB80000 +
//! `NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE*`: open-gpu-kernel-modules
//! `published/turing/tu102/dev_vm.h`, open-gpu-doc
//! `manuals/ampere/ga102/dev_vm.ref.txt`; written as
//! `kgmmuSetPdbToInvalidate_TU102` and `kgmmuCommitTlbInvalidate_TU102` in
//! `kern_gmmu_tu102.c` and nouveau `tu102_vmm_flush` do):
//!
//! - `INVALIDATE_PDB` (0xB830A0): ADDR 31:4, the PDB's address >> 12
//!   (`_ADDR_ALIGNMENT` 12; nouveau writes `addr >> 8`), APERTURE 1:1 (0
//!   video, 1 system memory);
//! - `INVALIDATE_UPPER_PDB` (0xB830A4): ADDR 19:0, the address bits above
//!   those (RM: `(addr >> 12) >> 28`, i.e. `addr >> 40`);
//! - `INVALIDATE` (0xB830B0): ALL_VA 0, ALL_PDB 1, HUBTLB_ONLY 2, REPLAY
//!   5:3, SYS_MEMBAR 6, ACK 8:7, CANCEL_CLIENT_ID 14:9, CANCEL_GPC_ID
//!   19:15, CANCEL_CLIENT_TYPE 20, USE_PASID 21, USE_SIZE 22, PROP_FLUSH 23,
//!   CACHE_LEVEL 26:24 (0 ALL, 1 PTE_ONLY, 2..=7 UP_TO_PDE0..=PDE5),
//!   TRIGGER 31. Writing TRIGGER invalidates; the driver polls until
//!   TRIGGER reads 0 (RM `kgmmuCheckPendingInvalidates_TU102`), which the
//!   model does at once.
//!
//! What the model does with each: ALL_PDB drops every PDB's entries, else
//! those of the PDB the two PDB registers name; CACHE_LEVEL says which
//! (PTE_ONLY the pages, UP_TO_PDE0 those and PD0's entries and 2 MiB
//! pages, ... ALL everything). The model has one TLB, the hub's, where
//! its only client (the probe) translates; GPC TLBs are not modelled, so
//! HUBTLB_ONLY changes nothing. A targeted invalidate (ALL_VA clear) would
//! need a VA, which the virtual function's registers do not hold (dev_vm.h
//! has no `INVALIDATE_VADDR`; `NV_PFB_PRI_MMU_INVALIDATE_VADDR` is the
//! physical function's): it is not modelled, logged as a warning, and
//! invalidates nothing, as does a PASID (ATS) invalidate. An emulator
//! that invalidated more than asked would hide the driver's missing
//! invalidates. Replay and cancel (REPLAY) concern the fault buffer, which
//! is not modelled: a warning, the TLB part done as asked. SYS_MEMBAR, ACK
//! and PROP_FLUSH have nothing to wait for in the model.
//!
//! `NV_PFB_PRI_MMU_INVALIDATE_SIZE` (0x100E68, open-gpu-doc
//! `manuals/turing/tu104/pri_mmu_hub.ref.txt`: VAL 5:0, GFID 31:26), which
//! nouveau `tu102_vmm_flush` clears before each invalidate, holds what is
//! written; only a targeted invalidate (USE_SIZE) would use it.

use super::SharedHw;
use crate::gsp_rm::gmmu::{
    self, DirectoryCache, Fault, GpuMemory, Level, Phys, PhysMemory, Translation,
};
use crate::gsp_rm::vaspace::VaSpaces;
use log::{debug, warn};
use std::collections::HashMap;

/// The virtual function's register window in BAR0
/// (`NV_VIRTUAL_FUNCTION_FULL_PHYS_OFFSET`).
const VF: u32 = 0x00b8_0000;
/// `NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_PDB` (the offset proto/ shares
/// with the core, pinned here against the published one).
pub const INVALIDATE_PDB: u32 = nvgsp_proto::mmu::INVALIDATE_PDB;
/// `NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_UPPER_PDB`.
pub const INVALIDATE_UPPER_PDB: u32 = nvgsp_proto::mmu::INVALIDATE_UPPER_PDB;
/// `NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE`.
pub const INVALIDATE: u32 = nvgsp_proto::mmu::INVALIDATE;
// dev_vm.h: the registers at 0x30a0, 0x30a4 and 0x30b0 of the window.
const _: () = assert!(INVALIDATE_PDB == VF + 0x30a0);
const _: () = assert!(INVALIDATE_UPPER_PDB == VF + 0x30a4);
const _: () = assert!(INVALIDATE == VF + 0x30b0);
/// `NV_PFB_PRI_MMU_INVALIDATE_SIZE`.
pub const INVALIDATE_SIZE: u32 = 0x0010_0e68;

/// `INVALIDATE_PDB`'s fields: ADDR 31:4, APERTURE 1:1.
const PDB_FIELDS: u32 = 0xffff_fff2;
const PDB_APERTURE_SYS: u32 = 1 << 1;
/// `INVALIDATE_UPPER_PDB`'s ADDR 19:0.
const UPPER_PDB_FIELDS: u32 = 0x000f_ffff;
/// `INVALIDATE_SIZE`'s VAL 5:0 and GFID 31:26.
const SIZE_FIELDS: u32 = 0xfc00_003f;

/// `INVALIDATE`'s fields.
pub mod field {
    /// ALL_VA.
    pub const ALL_VA: u32 = 1 << 0;
    /// ALL_PDB.
    pub const ALL_PDB: u32 = 1 << 1;
    /// HUBTLB_ONLY.
    pub const HUBTLB_ONLY: u32 = 1 << 2;
    /// REPLAY, 5:3.
    pub const REPLAY_SHIFT: u32 = 3;
    /// USE_PASID.
    pub const USE_PASID: u32 = 1 << 21;
    /// USE_SIZE.
    pub const USE_SIZE: u32 = 1 << 22;
    /// CACHE_LEVEL, 26:24.
    pub const CACHE_LEVEL_SHIFT: u32 = 24;
    /// CACHE_LEVEL_PTE_ONLY.
    #[cfg(test)]
    pub const PTE_ONLY: u32 = 1;
    /// CACHE_LEVEL_UP_TO_PDE0.
    #[cfg(test)]
    pub const UP_TO_PDE0: u32 = 2;
    /// TRIGGER.
    pub const TRIGGER: u32 = 1 << 31;
    /// The defined fields but TRIGGER (26:0; 30:27 are none).
    pub const READ_BACK: u32 = 0x07ff_ffff;
}

/// What a translation is cached under: the PDB, the level of the entry,
/// and the VA's bits above that level's span.
type Key = (Phys, Level, u64);

fn key(pdb: Phys, level: Level, va: u64) -> Key {
    (pdb, level, va >> level.shift())
}

/// The translations the MMU has cached.
#[derive(Debug, Default)]
pub struct Tlb {
    /// Directory entries that name tables (PD0's both words).
    dirs: HashMap<Key, [u64; 2]>,
    /// Pages and sparse ranges, under the level of the entry that said so.
    pages: HashMap<Key, Translation>,
}

/// A walk of one PDB, through the TLB's directory entries.
struct Cached<'a> {
    tlb: &'a mut Tlb,
    pdb: Phys,
}

impl DirectoryCache for Cached<'_> {
    fn get(&self, level: Level, va: u64) -> Option<[u64; 2]> {
        self.tlb.dirs.get(&key(self.pdb, level, va)).copied()
    }

    fn put(&mut self, level: Level, va: u64, entry: [u64; 2]) {
        self.tlb.dirs.insert(key(self.pdb, level, va), entry);
    }
}

/// A walk of one PDB that takes the TLB's directory entries and caches
/// nothing: a look, not an access.
struct Peek<'a> {
    tlb: &'a Tlb,
    pdb: Phys,
}

impl DirectoryCache for Peek<'_> {
    fn get(&self, level: Level, va: u64) -> Option<[u64; 2]> {
        self.tlb.dirs.get(&key(self.pdb, level, va)).copied()
    }

    fn put(&mut self, _: Level, _: u64, _: [u64; 2]) {}
}

impl Tlb {
    /// The translation of `va` under `pdb` the TLB holds, if any.
    fn cached(&self, pdb: Phys, va: u64) -> Option<Translation> {
        if va >> gmmu::VA_BITS != 0 {
            return None;
        }
        let levels = [
            Level::SmallPt,
            Level::BigPt,
            Level::Pd0,
            Level::Pd1,
            Level::Pd2,
            Level::Pd3,
        ];
        levels
            .into_iter()
            .find_map(|level| self.pages.get(&key(pdb, level, va)).copied())
    }

    /// Translates `va` in the VA space whose root is `pdb`: from the
    /// cache if it holds the page, else by a walk that reads what the
    /// cache lacks; caches what it found. Faults are not cached.
    pub fn translate<M: PhysMemory + ?Sized>(
        &mut self,
        mem: &M,
        pdb: Phys,
        va: u64,
    ) -> Result<Translation, Fault> {
        if let Some(t) = self.cached(pdb, va) {
            return Ok(t);
        }
        let t = gmmu::walk(mem, pdb, va, &mut Cached { tlb: self, pdb })?;
        self.pages.insert(key(pdb, t.level(), va), t);
        Ok(t)
    }

    /// What [`Tlb::translate`] would answer, leaving the cache as it is:
    /// the page if cached, else a walk through the cached directory
    /// entries that caches nothing.
    pub fn peek<M: PhysMemory + ?Sized>(
        &self,
        mem: &M,
        pdb: Phys,
        va: u64,
    ) -> Result<Translation, Fault> {
        match self.cached(pdb, va) {
            Some(t) => Ok(t),
            None => gmmu::walk(mem, pdb, va, &mut Peek { tlb: self, pdb }),
        }
    }

    /// Drops the entries of `pdb` (every PDB's with `None`) of levels
    /// ranked below `below` ([`Level::rank`]); returns how many.
    pub fn invalidate(&mut self, pdb: Option<Phys>, below: u32) -> usize {
        let doomed = |&(p, level, _): &Key| pdb.is_none_or(|d| d == p) && level.rank() < below;
        let before = self.len();
        self.dirs.retain(|k, _| !doomed(k));
        self.pages.retain(|k, _| !doomed(k));
        before - self.len()
    }

    /// Entries cached.
    pub fn len(&self) -> usize {
        self.dirs.len() + self.pages.len()
    }
}

/// The MMU's invalidate registers and its TLB.
#[derive(Debug, Default)]
pub struct Mmu {
    pdb: u32,
    upper_pdb: u32,
    invalidate: u32,
    size: u32,
    tlb: Tlb,
}

impl Mmu {
    /// Whether `off` is one of the MMU's registers.
    pub fn owns(off: u32) -> bool {
        matches!(
            off,
            INVALIDATE_PDB | INVALIDATE_UPPER_PDB | INVALIDATE | INVALIDATE_SIZE
        )
    }

    /// Reads register `off` ([`Mmu::owns`]): what was written, in its
    /// fields; `INVALIDATE`'s TRIGGER 0, the invalidate being done.
    pub fn read(&self, off: u32) -> Option<u32> {
        Some(match off {
            INVALIDATE_PDB => self.pdb,
            INVALIDATE_UPPER_PDB => self.upper_pdb,
            INVALIDATE => self.invalidate,
            INVALIDATE_SIZE => self.size,
            _ => return None,
        })
    }

    /// Writes register `off`; `false` if it is not the MMU's.
    pub fn write(&mut self, off: u32, v: u32) -> bool {
        match off {
            INVALIDATE_PDB => self.pdb = v & PDB_FIELDS,
            INVALIDATE_UPPER_PDB => self.upper_pdb = v & UPPER_PDB_FIELDS,
            INVALIDATE_SIZE => self.size = v & SIZE_FIELDS,
            INVALIDATE => {
                self.invalidate = v & field::READ_BACK;
                if v & field::TRIGGER != 0 {
                    self.trigger(v);
                }
            }
            _ => return false,
        }
        true
    }

    /// The PDB the two PDB registers name.
    pub fn pdb(&self) -> Phys {
        let addr = u64::from(self.pdb >> 4) << 12 | u64::from(self.upper_pdb) << 40;
        if self.pdb & PDB_APERTURE_SYS != 0 {
            Phys::Sys(addr)
        } else {
            Phys::Video(addr)
        }
    }

    fn trigger(&mut self, v: u32) {
        let replay = (v >> field::REPLAY_SHIFT) & 7;
        if replay != 0 {
            warn!(
                "mmu: invalidate {v:#010x} with REPLAY {replay}: fault replay and cancel are not modelled (no fault buffer); the TLB invalidate is done as asked"
            );
        }
        if v & field::USE_PASID != 0 {
            warn!("mmu: invalidate {v:#010x} by PASID (ATS) is not modelled: nothing invalidated");
            return;
        }
        if v & field::ALL_VA == 0 {
            warn!(
                "mmu: targeted invalidate {v:#010x} (ALL_VA clear{}) is not modelled: the virtual function's registers hold no VA; nothing invalidated",
                if v & field::USE_SIZE != 0 { ", USE_SIZE" } else { "" }
            );
            return;
        }
        let pdb = (v & field::ALL_PDB == 0).then(|| self.pdb());
        let below = match (v >> field::CACHE_LEVEL_SHIFT) & 7 {
            0 => u32::MAX,
            n => n,
        };
        let dropped = self.tlb.invalidate(pdb, below);
        debug!(
            "mmu: invalidate {v:#010x} of {}{}: {dropped} TLB entries dropped",
            pdb.map_or("every PDB".to_string(), |p| format!("PDB {p}")),
            if v & field::HUBTLB_ONLY != 0 {
                " in the hub TLB (the model's only one)"
            } else {
                ""
            }
        );
    }

    /// Drops every TLB entry of `pdb`: what GSP-RM invalidates after it
    /// builds a VA space of its own (BAR1's, at each boot).
    pub fn forget(&mut self, pdb: Phys) -> usize {
        self.tlb.invalidate(Some(pdb), u32::MAX)
    }

    /// Translates `va` as a hub client would, through the TLB.
    pub fn translate<M: PhysMemory + ?Sized>(
        &mut self,
        mem: &M,
        pdb: Phys,
        va: u64,
    ) -> Result<Translation, Fault> {
        self.tlb.translate(mem, pdb, va)
    }

    /// What [`Mmu::translate`] would answer, without filling the TLB.
    pub fn peek<M: PhysMemory + ?Sized>(
        &self,
        mem: &M,
        pdb: Phys,
        va: u64,
    ) -> Result<Translation, Fault> {
        self.tlb.peek(mem, pdb, va)
    }

    /// The TLB.
    #[cfg(test)]
    pub fn tlb(&self) -> &Tlb {
        &self.tlb
    }
}

/// The control port's probe: answers `translate` as the GPU's MMU
/// translates, through its TLB, for a VA space or BAR1, and `bar1`.
pub struct Probe {
    hw: SharedHw,
    mem: GpuMemory,
    vaspaces: VaSpaces,
    host: super::host::Host,
}

impl Probe {
    /// A probe of the MMU in `hw`, reading `mem`, for the VA spaces GSP-RM
    /// lists in `vaspaces`.
    pub fn new(hw: SharedHw, mem: GpuMemory, vaspaces: VaSpaces, host: super::host::Host) -> Probe {
        Probe {
            hw,
            mem,
            vaspaces,
            host,
        }
    }

    /// VRAM, if `len` bytes at `offset` are inside it and at most what a
    /// query may cover; else the answer saying why not.
    fn vram_range(&self, offset: u64, len: u64) -> Result<&crate::vram::VramView, String> {
        let vram = self.mem.vram.as_ref().ok_or("error no vram")?;
        if len > crate::control::VRAM_SUM_MAX
            || offset.checked_add(len).is_none_or(|e| e > vram.size())
        {
            return Err(format!(
                "error range past VRAM's {:#x} bytes or over 1 GiB",
                vram.size()
            ));
        }
        Ok(vram)
    }
}

impl crate::control::Queries for Probe {
    fn translate(&self, client: u32, vaspace: u32, va: u64) -> String {
        let Some(root) = self.vaspaces.root(client, vaspace) else {
            return "unknown vaspace".into();
        };
        let result = super::lock(&self.hw)
            .bar0
            .mmu
            .translate(&self.mem, root, va);
        match result {
            Ok(Translation::Mapped(m)) => {
                // What an 8-byte read there gets: tests compare it with
                // what they wrote where they mapped.
                let at = m.at(va & !7);
                let data = match self.mem.read_u64(at) {
                    Ok(d) => format!("{d:#x}"),
                    Err(_) => "unreadable".into(),
                };
                format!("{} data {data}", Translation::Mapped(m).describe(va))
            }
            Ok(t) => t.describe(va),
            Err(f) => f.describe(),
        }
    }

    fn translate_bar1(&self, offset: u64) -> String {
        super::lock(&self.hw).bar1_probe(&self.mem, offset)
    }

    fn bar1(&self) -> String {
        super::lock(&self.hw).bar1_summary()
    }

    fn channel(&self, chid: u32) -> String {
        self.host.describe(chid)
    }

    fn vram_fill(&self, offset: u64, len: u64, byte: u8) -> String {
        let vram = match self.vram_range(offset, len) {
            Ok(v) => v,
            Err(e) => return e,
        };
        let buf = vec![byte; 1 << 20];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(buf.len() as u64) as usize;
            if vram.write(offset + done, &buf[..n]).is_none() {
                return "error unwritable".into();
            }
            done += n as u64;
        }
        "filled".into()
    }

    fn vram_sum(&self, offset: u64, len: u64) -> String {
        use crate::control::{fnv1a, FNV_START};
        let vram = match self.vram_range(offset, len) {
            Ok(v) => v,
            Err(e) => return e,
        };
        let mut h = FNV_START;
        let mut buf = vec![0u8; 1 << 20];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(buf.len() as u64) as usize;
            if vram.read_gpu(offset + done, &mut buf[..n]).is_none() {
                return "error unreadable".into();
            }
            h = fnv1a(h, &buf[..n]);
            done += n as u64;
        }
        format!("fnv1a {h:#x}")
    }
}

#[cfg(test)]
mod tests;
