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
//! A PD0 entry is two words: its big half (bits 63:0) names a big page
//! table ([`BIG_PT`]: VA 20:16, 32 entries of 64 KiB pages, 256 bytes) or
//! is itself the PTE of a 2 MiB page (`IS_PTE`, bit 0, set); its small
//! half (bits 127:64) names a 4 KiB page table ([`FORMAT`]'s last level).
//!
//! Sources: NVIDIA open-gpu-doc `manuals/turing/tu104/dev_mmu.ref.txt`
//! (`NV_MMU_VER2_PDE_*`, `NV_MMU_VER2_DUAL_PDE_*`, `NV_MMU_VER2_PTE_*`) and
//! `pascal/gp100-mmu-format.pdf`; nouveau `nvkm/subdev/mmu/vmmgp100.c`
//! (`gp100_vmm_pde`, `gp100_vmm_pd0_pde`, `gp100_vmm_pgt_pte`).

/// A 4 KiB page, the smallest.
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

/// The big page table a PD0 entry's big half names: 64 KiB pages over
/// VA 20:16 (GA102's big page size; `NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_SHIFT`
/// is 8: the table is 256-byte aligned).
pub const BIG_PT: Level = Level {
    shift: 16,
    bits: 5,
    entry_size: 8,
};

/// The index of PD0 in [`FORMAT`].
pub const PD0: usize = 3;

/// The page sizes a GA102 maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageSize {
    /// 4 KiB, a PTE in a page table.
    Small,
    /// 64 KiB, a PTE in a big page table.
    Big,
    /// 2 MiB, a PTE in PD0 itself.
    Huge,
}

impl PageSize {
    /// The largest first, as a mapping chooses.
    pub const ALL: [PageSize; 3] = [PageSize::Huge, PageSize::Big, PageSize::Small];

    /// log2 of its bytes.
    pub const fn shift(self) -> u32 {
        match self {
            PageSize::Small => PAGE_SHIFT,
            PageSize::Big => BIG_PT.shift,
            PageSize::Huge => FORMAT[PD0].shift,
        }
    }

    /// Its bytes.
    pub const fn bytes(self) -> u64 {
        1 << self.shift()
    }

    /// The largest page that maps `va` to `addr` with `len` bytes left:
    /// both aligned to it and `len` at least as long (nouveau picks the
    /// same way, from the largest page its VMM allows).
    pub const fn largest(va: u64, addr: u64, len: u64) -> PageSize {
        let mut i = 0;
        while i < Self::ALL.len() {
            let p = Self::ALL[i];
            if (va | addr) & (p.bytes() - 1) == 0 && len >= p.bytes() {
                return p;
            }
            i += 1;
        }
        PageSize::Small
    }
}

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

/// A directory entry (PD3, PD2, PD1; and the small half of a PD0 entry)
/// naming the 4 KiB-aligned table at `addr` in `aperture`; system memory
/// tables are marked volatile, as nouveau marks them.
pub const fn pde(aperture: Aperture, addr: u64) -> u64 {
    let (code, vol) = pde_target(aperture);
    frame(addr) | (code << PDE_APERTURE_SHIFT) | vol
}

/// The big half of a PD0 entry naming the big page table at `addr`
/// (256-byte aligned) in `aperture`: its address field is 53:4 with shift
/// 8 (`NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_SYS`, `_BIG_SHIFT`), so it holds
/// `addr >> 4` with bits 11:8 kept (nouveau `gp100_vmm_pde` writes
/// `addr >> 4` for every table).
pub const fn big_pde(aperture: Aperture, addr: u64) -> u64 {
    let (code, vol) = pde_target(aperture);
    ((addr >> 4) & BIG_ADDRESS_FIELD) | (code << PDE_APERTURE_SHIFT) | vol
}

/// Bits 53:4 of a big PDE (the address's bits 57:8).
const BIG_ADDRESS_FIELD: u64 = ((1 << 54) - 1) & !0xf;

/// A directory entry's `APERTURE` code and `VOL` bit for `aperture`.
const fn pde_target(aperture: Aperture) -> (u64, u64) {
    match aperture {
        Aperture::Video => (1, 0),
        Aperture::SysCoherent => (2, PDE_VOL),
        Aperture::SysNonCoherent => (3, PDE_VOL),
    }
}

/// A valid page table entry mapping the page at `addr` in `aperture`,
/// read-write, kind 0 (pitch); system memory volatile. The same for
/// every size: a 64 KiB page's in a big page table, a 2 MiB page's in the
/// big half of a PD0 entry (where `VALID` is `IS_PTE`), `addr` aligned to
/// the page.
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

/// `NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_PDB`, in BAR0: the PDB whose
/// translations an invalidate drops (the virtual function's window at
/// 0xB80000 onto the MMU; open-gpu-kernel-modules
/// `published/turing/tu102/dev_vm.h`, nouveau `tu102_vmm_flush`).
pub const INVALIDATE_PDB: u32 = 0x00b8_30a0;
/// `NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE_UPPER_PDB`.
pub const INVALIDATE_UPPER_PDB: u32 = 0x00b8_30a4;
/// `NV_VIRTUAL_FUNCTION_PRIV_MMU_INVALIDATE`.
pub const INVALIDATE: u32 = 0x00b8_30b0;

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
        // A big page table at a 256-byte boundary keeps address bits 11:8.
        assert_eq!(big_pde(Aperture::SysCoherent, 0x1_2300), 0x1230 | 4 | 8);
        assert_eq!(
            big_pde(Aperture::Video, 0x1000),
            pde(Aperture::Video, 0x1000)
        );
        // gp100_vmm_pd0_pte: a 2 MiB PTE is a PTE like any other.
        assert_eq!(pte(Aperture::SysCoherent, 0x20_0000), 0x2_0000 | 0xd);
    }

    #[test]
    fn page_sizes_chosen_by_alignment_and_length() {
        assert_eq!(BIG_PT.table_size(), 0x100);
        assert_eq!(BIG_PT.shift + BIG_PT.bits, FORMAT[PD0].shift);
        assert_eq!(PageSize::Big.bytes(), 0x1_0000);
        assert_eq!(PageSize::Huge.bytes(), 0x20_0000);
        assert_eq!(
            PageSize::largest(0x20_0000, 0x4000_0000, 0x20_0000),
            PageSize::Huge
        );
        // Aligned but too short, or long enough but misaligned on either side.
        assert_eq!(
            PageSize::largest(0x20_0000, 0x4000_0000, 0x1f_0000),
            PageSize::Big
        );
        assert_eq!(
            PageSize::largest(0x21_0000, 0x4000_0000, 0x40_0000),
            PageSize::Big
        );
        assert_eq!(
            PageSize::largest(0x20_0000, 0x4001_0000, 0x40_0000),
            PageSize::Big
        );
        assert_eq!(
            PageSize::largest(0x20_1000, 0x4000_0000, 0x40_0000),
            PageSize::Small
        );
        assert_eq!(
            PageSize::largest(0x20_0000, 0x4000_0000, 0xf000),
            PageSize::Small
        );
    }
}
