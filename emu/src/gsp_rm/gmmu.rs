//! The GPU MMU reading the driver's page tables, as GSP-RM and the chip
//! do: the model's own decoder of page table format version 2, written
//! from the public format (NVIDIA open-gpu-doc
//! `manuals/turing/tu104/dev_mmu.ref.txt`, `NV_MMU_VER2_*`; nouveau
//! `nvkm/subdev/mmu/vmmgp100.c`), not with the driver's encoder in
//! proto/.
//!
//! Five levels over a 49-bit VA: PD3 (VA 48:47), PD2 (46:38), PD1 (37:29)
//! of 8-byte directory entries, PD0 (28:21) of 16-byte dual entries (the
//! big-page table's half first, then the 4 KiB one's), and 4 KiB page
//! tables (20:12). A directory entry: IS_PTE at bit 0, the aperture at
//! 2:1 (0 invalid, 1 VRAM, 2 coherent and 3 non-coherent system memory),
//! the table's 4 KiB frame at 53:8. A page table entry: VALID at bit 0,
//! the aperture at 2:1 (0 VRAM, 1 peer, 2 and 3 system memory), the
//! frame at 53:8.
//!
//! Only tables in system memory are read: the model has no VRAM
//! contents on GSP-RM's side yet, so a walk that meets a table in VRAM
//! says so rather than inventing one.

use crate::guest_mem::GuestMemory;

/// A physical location as an entry names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phys {
    /// Video memory at this offset.
    Video(u64),
    /// System memory at this bus address.
    Sys(u64),
}

impl Phys {
    /// The same aperture, `by` bytes on.
    fn plus(self, by: u64) -> Phys {
        match self {
            Phys::Video(a) => Phys::Video(a + by),
            Phys::Sys(a) => Phys::Sys(a + by),
        }
    }
}

/// (first VA bit, index bits, entry bytes) of PD3, PD2, PD1, PD0, PT.
const LEVELS: [(u32, u32, u64); 5] = [(47, 2, 8), (38, 9, 8), (29, 9, 8), (21, 8, 16), (12, 9, 8)];

/// The 4 KiB frame of an entry (bits 53:8), as a byte address.
fn frame(entry: u64) -> u64 {
    ((entry >> 8) & ((1 << 46) - 1)) << 12
}

/// Where the entry for `va` is in `table`, a table of `level`.
fn entry_of(table: Phys, level: usize, va: u64) -> Phys {
    let (shift, bits, size) = LEVELS[level];
    table.plus(((va >> shift) & ((1 << bits) - 1)) * size)
}

fn read_u64(mem: &GuestMemory, at: Phys) -> Result<u64, String> {
    match at {
        Phys::Sys(a) => mem
            .read_u64(a)
            .map_err(|e| format!("page table read at system address {a:#x}: {e}")),
        Phys::Video(a) => Err(format!(
            "page table in VRAM at {a:#x}: the model reads tables in system memory only"
        )),
    }
}

/// What a directory entry names: the next table, or nothing.
fn decode_pde(entry: u64) -> Result<Option<Phys>, String> {
    if entry & 1 != 0 {
        return Err(format!(
            "directory entry {entry:#x} maps a large page (not modelled)"
        ));
    }
    Ok(match (entry >> 1) & 3 {
        0 => None,
        1 => Some(Phys::Video(frame(entry))),
        _ => Some(Phys::Sys(frame(entry))),
    })
}

/// Reads the entry for `va` in `table`, a directory of `level` above PD0.
pub fn directory_entry(
    mem: &GuestMemory,
    table: Phys,
    level: usize,
    va: u64,
) -> Result<Option<Phys>, String> {
    decode_pde(read_u64(mem, entry_of(table, level, va))?)
}

/// Writes the entry for `va` in `table` (a directory of `level` above
/// PD0, in system memory) to name the table at `next` in VRAM: what
/// GSP-RM does to the driver's PD1 for its own range. Returns where the
/// entry is.
pub fn write_video_pde(
    mem: &GuestMemory,
    table: Phys,
    level: usize,
    va: u64,
    next: u64,
) -> Result<Phys, String> {
    let at = entry_of(table, level, va);
    let Phys::Sys(a) = at else {
        return Err("the model writes directories in system memory only".into());
    };
    let entry = ((next >> 12) << 8) | (1 << 1);
    mem.write(a, &entry.to_le_bytes())
        .map_err(|e| format!("page directory write at {a:#x}: {e}"))?;
    Ok(at)
}

/// Translates `va` through the tables under `root` (a PD3) to the 4 KiB
/// page it maps; `Err` says where the walk stopped.
pub fn translate(mem: &GuestMemory, root: Phys, va: u64) -> Result<Phys, String> {
    if va >> 49 != 0 {
        return Err(format!("VA {va:#x} beyond 49 bits"));
    }
    let mut table = root;
    for level in 0..4 {
        let at = entry_of(table, level, va);
        // PD0's entries are dual: the first half, whose bit 0 says whether
        // the entry is a 2 MiB page, names the 64 KiB page table; the
        // second (aperture 66:65, frame 117:72) the 4 KiB one.
        let entry = if level == 3 {
            let (big, small) = (read_u64(mem, at)?, read_u64(mem, at.plus(8))?);
            if big & 1 != 0 {
                return Err(format!("VA {va:#x}: PD0 maps a 2 MiB page (not modelled)"));
            }
            if small & 6 == 0 && big & 6 != 0 {
                return Err(format!(
                    "VA {va:#x}: PD0 names only a 64 KiB page table (not modelled)"
                ));
            }
            // The small half has no IS_PTE bit of its own.
            small & !1
        } else {
            read_u64(mem, at)?
        };
        table = decode_pde(entry)?
            .ok_or_else(|| format!("VA {va:#x}: no table at level {level} (entry {entry:#x})"))?;
    }
    let pte = read_u64(mem, entry_of(table, 4, va))?;
    if pte & 1 == 0 {
        return Err(format!("VA {va:#x}: page not mapped (entry {pte:#x})"));
    }
    let page = frame(pte) | (va & 0xfff);
    match (pte >> 1) & 3 {
        0 => Ok(Phys::Video(page)),
        1 => Err(format!("VA {va:#x}: maps peer memory (not modelled)")),
        _ => Ok(Phys::Sys(page)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 64 KiB of guest memory at 1 MiB.
    fn memory() -> GuestMemory {
        let gm = GuestMemory::default();
        let f = crate::guest_mem::backing_file(0x10000);
        gm.map(0x10_0000, 0x10000, f, 0).unwrap();
        gm
    }

    fn put(mem: &GuestMemory, at: u64, v: u64) {
        mem.write(at, &v.to_le_bytes()).unwrap();
    }

    /// A system memory directory entry naming `table`, as nouveau's
    /// `gp100_vmm_pde` writes one (aperture 2, VOL).
    fn sys_pde(table: u64) -> u64 {
        (table >> 4) | (2 << 1) | (1 << 3)
    }

    #[test]
    fn walks_five_levels_to_a_page() {
        let m = memory();
        let (pd3, pd2, pd1, pd0, pt) = (0x10_0000, 0x10_1000, 0x10_2000, 0x10_3000, 0x10_4000);
        // VA 0x4000_5123 (1 GiB + 5 pages): PD3 0, PD2 0, PD1 2, PD0 0, PT 5.
        let va = 0x4000_5123;
        put(&m, pd3, sys_pde(pd2));
        put(&m, pd2, sys_pde(pd1));
        put(&m, pd1 + 2 * 8, sys_pde(pd0));
        put(&m, pd0 + 8, sys_pde(pt));
        put(&m, pt + 5 * 8, (0xabcd_e000 >> 4) | (2 << 1) | 1);
        assert_eq!(
            translate(&m, Phys::Sys(pd3), va),
            Ok(Phys::Sys(0xabcd_e123))
        );
        // A VRAM page.
        put(&m, pt + 5 * 8, (0x20_0000 >> 4) | 1);
        assert_eq!(
            translate(&m, Phys::Sys(pd3), va),
            Ok(Phys::Video(0x20_0123))
        );
        // Not mapped: the PTE's VALID bit clear, then no PD0 small half.
        put(&m, pt + 5 * 8, 0x20_0000 >> 4);
        assert!(translate(&m, Phys::Sys(pd3), va)
            .unwrap_err()
            .contains("not mapped"));
        put(&m, pd0 + 8, 0);
        assert!(translate(&m, Phys::Sys(pd3), va)
            .unwrap_err()
            .contains("level 3"));
        // A 2 MiB page (IS_PTE in PD0's first half) is beyond the model.
        put(&m, pd0, 1);
        assert!(translate(&m, Phys::Sys(pd3), va)
            .unwrap_err()
            .contains("2 MiB"));
        put(&m, pd0, 0);
        // A table in VRAM is beyond the model, and says so.
        put(&m, pd0 + 8, (0x30_0000 >> 4) | (1 << 1));
        assert!(translate(&m, Phys::Sys(pd3), va)
            .unwrap_err()
            .contains("VRAM"));
        assert!(translate(&m, Phys::Sys(pd3), 1 << 49).is_err());
    }

    #[test]
    fn gsp_rm_writes_its_directory_entry() {
        let m = memory();
        // PD1's entry for 4 GiB is its ninth.
        let at = write_video_pde(&m, Phys::Sys(0x10_2000), 2, 1 << 32, 0x7f_f000).unwrap();
        assert_eq!(at, Phys::Sys(0x10_2000 + 8 * 8));
        assert_eq!(
            directory_entry(&m, Phys::Sys(0x10_2000), 2, 1 << 32),
            Ok(Some(Phys::Video(0x7f_f000)))
        );
        assert_eq!(
            directory_entry(&m, Phys::Sys(0x10_2000), 2, 7 << 29),
            Ok(None)
        );
    }
}
