//! The TLB, its invalidate registers and the probe.

use super::*;
use crate::dev::bar0::{Bar0, Effect};
use crate::dev::Hw;
use crate::guest_mem::GuestMemory;
use nvgsp_proto::chip::ChipId;

/// 128 KiB of guest memory at 1 MiB.
fn memory() -> GuestMemory {
    crate::guest_mem::test_memory(0x10_0000, 0x2_0000)
}

fn put(gm: &GuestMemory, at: u64, v: u64) {
    gm.write(at, &v.to_le_bytes()).unwrap();
}

/// A directory entry naming the system memory table `t` (aperture 2).
fn dir(t: u64) -> u64 {
    ((t >> 12) << 8) | (2 << 1)
}

/// A valid PTE of the system memory page `a`.
fn pte(a: u64) -> u64 {
    ((a >> 12) << 8) | (2 << 1) | 1
}

/// 1 GiB + 5 pages: PD3 0, PD2 0, PD1 2, PD0 0, PT 5.
const VA: u64 = 0x4000_5000;

/// A VA space at `base` (PD3, PD2, PD1, PD0, PT in its first five pages)
/// mapping [`VA`] to `page`. Returns its PDB and where the PTE is.
fn vaspace(gm: &GuestMemory, base: u64, page: u64) -> (Phys, u64) {
    put(gm, base, dir(base + 0x1000));
    put(gm, base + 0x1000, dir(base + 0x2000));
    put(gm, base + 0x2000 + 2 * 8, dir(base + 0x3000));
    put(gm, base + 0x3000 + 8, dir(base + 0x4000));
    let at = base + 0x4000 + 5 * 8;
    put(gm, at, pte(page));
    (Phys::Sys(base), at)
}

fn frame(t: Result<Translation, Fault>) -> Option<Phys> {
    match t {
        Ok(Translation::Mapped(m)) => Some(m.frame),
        _ => None,
    }
}

/// Invalidates through the registers, as RM and nouveau do: the PDB
/// (unless ALL_PDB), then INVALIDATE with TRIGGER.
fn invalidate(mmu: &mut Mmu, pdb: Phys, v: u32) {
    let (addr, sys) = match pdb {
        Phys::Sys(a) => (a, PDB_APERTURE_SYS),
        Phys::Video(a) => (a, 0),
    };
    assert!(mmu.write(INVALIDATE_PDB, (addr >> 8) as u32 | sys));
    assert!(mmu.write(INVALIDATE_UPPER_PDB, (addr >> 40) as u32));
    assert!(mmu.write(INVALIDATE, v | field::TRIGGER));
    assert_eq!(mmu.read(INVALIDATE).unwrap() & field::TRIGGER, 0);
}

const ALL: u32 = field::ALL_VA;

#[test]
fn registers_read_back_in_their_fields() {
    let mut b = Bar0::new(ChipId::GA102_A1, 256 << 20, Vec::new());
    let mem = GuestMemory::default();
    // nouveau tu102_vmm_flush: the PDB's address >> 8, aperture in bit 1.
    let pdb = 0x12_3456_7000u64;
    assert_eq!(
        b.write32(INVALIDATE_PDB, (pdb >> 8) as u32 | 2 | 0xd, &mem),
        Effect::None
    );
    assert_eq!(b.read32(INVALIDATE_PDB), (pdb >> 8) as u32 | 2);
    b.write32(INVALIDATE_UPPER_PDB, 0xfff_fabc, &mem);
    assert_eq!(b.read32(INVALIDATE_UPPER_PDB), 0xf_fabc);
    assert_eq!(b.mmu.pdb(), Phys::Sys((0xf_fabc << 40) | 0x12_3456_7000));
    b.write32(INVALIDATE_PDB, (pdb >> 8) as u32, &mem);
    assert_eq!(b.mmu.pdb(), Phys::Video((0xf_fabc << 40) | pdb));
    // TRIGGER reads 0 once done (at once); the other fields read back.
    assert_eq!(b.write32(INVALIDATE, 0xf500_0047, &mem), Effect::None);
    assert_eq!(b.read32(INVALIDATE), 0x0500_0047);
    b.write32(INVALIDATE_SIZE, 0xffff_ffff, &mem);
    assert_eq!(b.read32(INVALIDATE_SIZE), 0xfc00_003f);
    // Neighbours stay unmodelled.
    for off in [INVALIDATE_PDB + 8, INVALIDATE + 4] {
        assert_eq!(b.lookup(off), None, "{off:#x}");
        assert_eq!(b.write32(off, 0, &mem), Effect::Unmodelled);
    }
    // A reset clears the registers and the TLB.
    b.reset();
    assert_eq!(b.read32(INVALIDATE_PDB), 0);
    assert_eq!(b.read32(INVALIDATE_UPPER_PDB), 0);
    assert_eq!(b.read32(INVALIDATE), 0);
}

/// The point of the TLB: without an invalidate the MMU keeps translating
/// as the tables were.
#[test]
fn an_unmap_without_an_invalidate_keeps_the_old_translation() {
    let gm = memory();
    let (pdb, at) = vaspace(&gm, 0x10_0000, 0x10_f000);
    let mut mmu = Mmu::default();
    assert_eq!(
        frame(mmu.translate(&gm, pdb, VA)),
        Some(Phys::Sys(0x10_f000))
    );
    put(&gm, at, 0);
    assert_eq!(
        frame(mmu.translate(&gm, pdb, VA)),
        Some(Phys::Sys(0x10_f000))
    );
    // The whole 4 KiB page is cached, not only the VA.
    assert_eq!(
        mmu.translate(&gm, pdb, VA + 0xfff)
            .map(|t| t.describe(VA + 0xfff)),
        Ok("sys 0x10ffff page 4k rw kind 0x0".to_string())
    );
    invalidate(&mut mmu, pdb, ALL);
    assert_eq!(mmu.tlb().len(), 0);
    let f = mmu.translate(&gm, pdb, VA).unwrap_err();
    assert_eq!((f.level, f.reason()), (Level::SmallPt, "no-entry"));
    // Faults are not cached: a new mapping is seen without an invalidate.
    put(&gm, at, pte(0x10_e000));
    assert_eq!(
        frame(mmu.translate(&gm, pdb, VA)),
        Some(Phys::Sys(0x10_e000))
    );
}

#[test]
fn an_invalidate_drops_exactly_the_named_pdbs_entries() {
    let gm = memory();
    let (a, at_a) = vaspace(&gm, 0x10_0000, 0x10_f000);
    let (b, at_b) = vaspace(&gm, 0x10_8000, 0x10_f000);
    let mut mmu = Mmu::default();
    for pdb in [a, b] {
        assert_eq!(
            frame(mmu.translate(&gm, pdb, VA)),
            Some(Phys::Sys(0x10_f000))
        );
    }
    put(&gm, at_a, pte(0x10_d000));
    put(&gm, at_b, pte(0x10_d000));
    // The same address in VRAM is another PDB: nothing of either goes.
    let before = mmu.tlb().len();
    invalidate(&mut mmu, Phys::Video(0x10_0000), ALL);
    assert_eq!(mmu.tlb().len(), before);
    invalidate(&mut mmu, a, ALL | field::HUBTLB_ONLY);
    assert_eq!(frame(mmu.translate(&gm, a, VA)), Some(Phys::Sys(0x10_d000)));
    assert_eq!(frame(mmu.translate(&gm, b, VA)), Some(Phys::Sys(0x10_f000)));
    // ALL_PDB: every PDB, whatever the PDB registers say.
    invalidate(&mut mmu, Phys::Video(0), ALL | field::ALL_PDB);
    assert_eq!(frame(mmu.translate(&gm, b, VA)), Some(Phys::Sys(0x10_d000)));
}

#[test]
fn targeted_and_pasid_invalidates_drop_nothing() {
    let gm = memory();
    let (pdb, at) = vaspace(&gm, 0x10_0000, 0x10_f000);
    let mut mmu = Mmu::default();
    mmu.translate(&gm, pdb, VA).unwrap();
    put(&gm, at, 0);
    let cached = mmu.tlb().len();
    for v in [0, field::ALL_PDB | field::USE_SIZE, ALL | field::USE_PASID] {
        invalidate(&mut mmu, pdb, v);
        assert_eq!(mmu.tlb().len(), cached, "{v:#x}");
    }
    assert!(frame(mmu.translate(&gm, pdb, VA)).is_some());
    // A replay or cancel still invalidates as asked.
    invalidate(&mut mmu, pdb, ALL | (3 << field::REPLAY_SHIFT));
    assert!(mmu.translate(&gm, pdb, VA).is_err());
}

/// CACHE_LEVEL: PTE_ONLY leaves the directory entries cached, so a walk
/// still goes through a PD0 entry the driver has since changed.
#[test]
fn cache_level_limits_what_goes() {
    let gm = memory();
    let base = 0x10_0000;
    let (pdb, _) = vaspace(&gm, base, 0x10_f000);
    let mut mmu = Mmu::default();
    mmu.translate(&gm, pdb, VA).unwrap();
    // PD0 now names another page table, mapping another page.
    put(&gm, base + 0x5000 + 5 * 8, pte(0x10_c000));
    put(&gm, base + 0x3000 + 8, dir(base + 0x5000));
    let level = |l: u32| ALL | (l << field::CACHE_LEVEL_SHIFT);
    invalidate(&mut mmu, pdb, level(field::PTE_ONLY));
    // The old page table, read afresh: still the old page.
    assert_eq!(
        frame(mmu.translate(&gm, pdb, VA)),
        Some(Phys::Sys(0x10_f000))
    );
    put(&gm, base + 0x4000 + 5 * 8, pte(0x10_b000));
    invalidate(&mut mmu, pdb, level(field::PTE_ONLY));
    assert_eq!(
        frame(mmu.translate(&gm, pdb, VA)),
        Some(Phys::Sys(0x10_b000))
    );
    invalidate(&mut mmu, pdb, level(field::UP_TO_PDE0));
    assert_eq!(
        frame(mmu.translate(&gm, pdb, VA)),
        Some(Phys::Sys(0x10_c000))
    );
    // A 2 MiB page is PD0's: PTE_ONLY keeps it, UP_TO_PDE0 drops it.
    put(&gm, base + 0x3000 + 16, pte(0x20_0000) & !(2 << 1));
    let huge = VA + (2 << 20);
    assert_eq!(
        frame(mmu.translate(&gm, pdb, huge)),
        Some(Phys::Video(0x20_0000))
    );
    put(&gm, base + 0x3000 + 16, 0);
    invalidate(&mut mmu, pdb, level(field::PTE_ONLY));
    assert!(mmu.translate(&gm, pdb, huge).is_ok());
    invalidate(&mut mmu, pdb, level(field::UP_TO_PDE0));
    assert!(mmu.translate(&gm, pdb, huge).is_err());
    // UP_TO_PDE3 and the levels beyond format 2's drop everything.
    for l in [5, 6, 7, 0] {
        mmu.translate(&gm, pdb, VA).unwrap();
        invalidate(&mut mmu, pdb, level(l));
        assert_eq!(mmu.tlb().len(), 0, "{l}");
    }
}

/// A peek answers as a translation would (a cached page, else a walk
/// through the cached directory entries) and caches nothing.
#[test]
fn a_peek_caches_nothing() {
    let gm = memory();
    let base = 0x10_0000;
    let (pdb, _) = vaspace(&gm, base, 0x10_f000);
    let mut mmu = Mmu::default();
    assert_eq!(frame(mmu.peek(&gm, pdb, VA)), Some(Phys::Sys(0x10_f000)));
    assert_eq!(mmu.tlb().len(), 0);
    mmu.translate(&gm, pdb, VA).unwrap();
    let cached = mmu.tlb().len();
    // PD0 now names another table, the old one another page: the cached
    // page answers; once it is dropped (PTE_ONLY), the cached PD0 entry
    // leads to the old table.
    put(&gm, base + 0x5000 + 5 * 8, pte(0x10_c000));
    put(&gm, base + 0x3000 + 8, dir(base + 0x5000));
    put(&gm, base + 0x4000 + 5 * 8, pte(0x10_b000));
    assert_eq!(frame(mmu.peek(&gm, pdb, VA)), Some(Phys::Sys(0x10_f000)));
    invalidate(
        &mut mmu,
        pdb,
        ALL | (field::PTE_ONLY << field::CACHE_LEVEL_SHIFT),
    );
    let dirs = mmu.tlb().len();
    assert!(dirs < cached);
    assert_eq!(frame(mmu.peek(&gm, pdb, VA)), Some(Phys::Sys(0x10_b000)));
    assert_eq!(mmu.tlb().len(), dirs);
    // A fault, as translate would say it.
    assert_eq!(
        mmu.peek(&gm, pdb, VA + 0x1000).unwrap_err().reason(),
        "no-entry"
    );
    assert_eq!(mmu.tlb().len(), dirs);
}

#[test]
fn the_probe_translates_through_the_tlb() {
    use crate::control::Queries;
    let gm = memory();
    let (pdb, at) = vaspace(&gm, 0x10_0000, 0x10_f000);
    let hw = Hw::new(Bar0::new(ChipId::GA102_A1, 256 << 20, Vec::new()));
    let vaspaces = VaSpaces::default();
    vaspaces.insert(0xc1d0_0001, 0xcaf0_0002, pdb);
    let mem = GpuMemory {
        sys: gm.clone(),
        vram: None,
    };
    let probe = Probe::new(hw.clone(), mem, vaspaces.clone(), Default::default());
    // The data is the aligned u64 around the VA, in the page.
    put(&gm, 0x10_f120, 0x1122_3344_5566_7788);
    assert_eq!(
        probe.translate(0xc1d0_0001, 0xcaf0_0002, VA + 0x123),
        "sys 0x10f123 page 4k rw kind 0x0 data 0x1122334455667788"
    );
    assert_eq!(
        probe.translate(0xc1d0_0001, 0xcaf0_0003, VA),
        "unknown vaspace"
    );
    assert_eq!(
        probe.translate(0xc1d0_0002, 0xcaf0_0002, VA),
        "unknown vaspace"
    );
    // Unmapped without an invalidate: the TLB still answers.
    put(&gm, at, 0);
    assert_eq!(
        probe.translate(0xc1d0_0001, 0xcaf0_0002, VA),
        "sys 0x10f000 page 4k rw kind 0x0 data 0x0"
    );
    let mem0 = GuestMemory::default();
    {
        let mut h = crate::dev::lock(&hw);
        h.bar0.write32(INVALIDATE_PDB, (0x10_0000 >> 8) | 2, &mem0);
        h.bar0.write32(INVALIDATE, ALL | field::TRIGGER, &mem0);
    }
    assert_eq!(
        probe.translate(0xc1d0_0001, 0xcaf0_0002, VA),
        "fault pt no-entry entry 0x0"
    );
    assert_eq!(
        probe.translate(0xc1d0_0001, 0xcaf0_0002, 1 << 49),
        "fault pd3 va-limit"
    );
    vaspaces.remove(0xc1d0_0001, 0xcaf0_0002);
    assert_eq!(
        probe.translate(0xc1d0_0001, 0xcaf0_0002, VA),
        "unknown vaspace"
    );
}
