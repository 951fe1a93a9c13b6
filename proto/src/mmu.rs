// SPDX-License-Identifier: GPL-2.0
//! The GPU MMU's page table format version 2 (Pascal to Ampere; GA102),
//! as the driver writes it: five levels over a 49-bit VA, each entry
//! naming the next level's table or, at the last, a 4 KiB page.
//!
//! | level | VA bits | entries | entry size |
//! |-------|---------|---------|------------|
//! | PD3   | 48:47   | 4       | 8          |
//! | PD2   | 46:38   | 512     | 8          |
//! | PD1   | 37:29   | 512     | 8          |
//! | PD0   | 28:21   | 256     | 16 (dual: big-page half, then small) |
//! | PT    | 20:12   | 512     | 8          |
//!
//! Sources: NVIDIA open-gpu-doc `manuals/turing/tu104/dev_mmu.ref.txt`
//! (`NV_MMU_VER2_PDE_*`, `NV_MMU_VER2_DUAL_PDE_*`, `NV_MMU_VER2_PTE_*`) and
//! `pascal/gp100-mmu-format.pdf`; nouveau `nvkm/subdev/mmu/vmmgp100.c`
//! (`gp100_vmm_pde`, `gp100_vmm_pd0_pde`, `gp100_vmm_pgt_pte`).

/// A 4 KiB page, the only page size the driver maps so far.
pub const PAGE_SHIFT: u32 = 12;
/// Bytes of a 4 KiB page.
pub const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
/// Levels of the format.
pub const LEVELS: usize = 5;
/// The VA bits the format translates.
pub const VA_BITS: u32 = 49;

/// One level: the lowest VA bit its index covers, the index's width and
/// the size of one entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Level {
    /// VA bit where the level's index starts (what one entry spans).
    pub shift: u32,
    /// Bits of the index.
    pub bits: u32,
    /// Bytes per entry.
    pub entry_size: u64,
}

impl Level {
    /// Entries in a table of this level.
    pub const fn entries(self) -> u64 {
        1 << self.bits
    }

    /// Bytes of a table of this level.
    pub const fn table_size(self) -> u64 {
        self.entries() * self.entry_size
    }

    /// The index of `va` in a table of this level.
    pub const fn index(self, va: u64) -> u64 {
        (va >> self.shift) & (self.entries() - 1)
    }
}

/// PD3, PD2, PD1, PD0 and the 4 KiB page table, root first.
pub const FORMAT: [Level; LEVELS] = [
    Level {
        shift: 47,
        bits: 2,
        entry_size: 8,
    },
    Level {
        shift: 38,
        bits: 9,
        entry_size: 8,
    },
    Level {
        shift: 29,
        bits: 9,
        entry_size: 8,
    },
    Level {
        shift: 21,
        bits: 8,
        entry_size: 16,
    },
    Level {
        shift: 12,
        bits: 9,
        entry_size: 8,
    },
];

/// Where a table or page is, as entries name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aperture {
    /// VRAM.
    Video,
    /// Coherent system memory (snooped).
    SysCoherent,
    /// Non-coherent system memory.
    SysNonCoherent,
}

/// `NV_MMU_VER2_PDE_IS_PTE` (bit 0) is 0 in a directory entry.
/// `NV_MMU_VER2_PDE_APERTURE` (2:1): INVALID 0, VIDEO_MEMORY 1,
/// SYSTEM_COHERENT_MEMORY 2, SYSTEM_NON_COHERENT_MEMORY 3.
const PDE_APERTURE_SHIFT: u32 = 1;
/// `NV_MMU_VER2_PDE_VOL` (3): volatile (not cached in the GPU's L2).
const PDE_VOL: u64 = 1 << 3;
/// `NV_MMU_VER2_PTE_VALID` (0).
const PTE_VALID: u64 = 1;
/// `NV_MMU_VER2_PTE_APERTURE` (2:1): VIDEO_MEMORY 0, PEER_MEMORY 1,
/// SYSTEM_COHERENT_MEMORY 2, SYSTEM_NON_COHERENT_MEMORY 3.
const PTE_APERTURE_SHIFT: u32 = 1;
/// `NV_MMU_VER2_PTE_VOL` (3).
const PTE_VOL: u64 = 1 << 3;

/// The address field of both entry kinds: bits 53:8 hold the address's
/// bits 57:12 (the 4 KiB frame), so the entry holds `addr >> 4`.
const fn frame(addr: u64) -> u64 {
    (addr >> PAGE_SHIFT) << 8
}

/// A directory entry (PD3, PD2, PD1; and each half of a PD0 entry) naming
/// the 4 KiB-aligned table at `addr` in `aperture`; system memory tables
/// are marked volatile, as nouveau marks them.
pub const fn pde(aperture: Aperture, addr: u64) -> u64 {
    let (code, vol) = match aperture {
        Aperture::Video => (1, 0),
        Aperture::SysCoherent => (2, PDE_VOL),
        Aperture::SysNonCoherent => (3, PDE_VOL),
    };
    frame(addr) | (code << PDE_APERTURE_SHIFT) | vol
}

/// A valid page table entry mapping the 4 KiB page at `addr` in
/// `aperture`, read-write, kind 0 (pitch); system memory volatile.
pub const fn pte(aperture: Aperture, addr: u64) -> u64 {
    let (code, vol) = match aperture {
        Aperture::Video => (0, 0),
        Aperture::SysCoherent => (2, PTE_VOL),
        Aperture::SysNonCoherent => (3, PTE_VOL),
    };
    frame(addr) | (code << PTE_APERTURE_SHIFT) | vol | PTE_VALID
}

/// `GMMU_APERTURE_*` (open-gpu-kernel-modules `gmmu_fmt.h`), as the
/// levels of `COPY_SERVER_RESERVED_PDES` name where a table is.
pub const fn gmmu_aperture(aperture: Aperture) -> u32 {
    match aperture {
        Aperture::Video => 1,
        Aperture::SysNonCoherent => 3,
        Aperture::SysCoherent => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_cover_the_va() {
        assert_eq!(FORMAT[0].shift + FORMAT[0].bits, VA_BITS);
        for w in FORMAT.windows(2) {
            assert_eq!(w[1].shift + w[1].bits, w[0].shift);
        }
        assert_eq!(FORMAT[LEVELS - 1].shift, PAGE_SHIFT);
        assert_eq!(FORMAT[0].table_size(), 0x20);
        for l in &FORMAT[1..] {
            assert_eq!(l.table_size(), 0x1000);
        }
        // GSP-RM's range, 4 GiB: PD3 0, PD2 0, PD1 8.
        let va = 0x1_0000_0000;
        let idx: [u64; 3] = core::array::from_fn(|i| FORMAT[i].index(va));
        assert_eq!(idx, [0, 0, 8]);
    }

    #[test]
    fn entries_as_nouveau_writes_them() {
        // gp100_vmm_pde: addr >> 4 | aperture << 1 (| VOL for system memory).
        assert_eq!(pde(Aperture::Video, 0x12_3456_7000), 0x1_2345_6700 | 2);
        assert_eq!(pde(Aperture::SysCoherent, 0x1000), 0x100 | 4 | 8);
        // gp100_vmm_pgt_pte: VALID, aperture, addr >> 4.
        assert_eq!(pte(Aperture::SysCoherent, 0x8000), 0x800 | 4 | 8 | 1);
        assert_eq!(pte(Aperture::Video, 0x8000), 0x801);
    }
}
