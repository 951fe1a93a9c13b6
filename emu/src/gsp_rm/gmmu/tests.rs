//! The walk against tables written bit by bit from the format (not with
//! the driver's encoder).

use super::*;
use std::collections::HashMap;

/// Memory of 8-byte words, zero where nothing was put, unreadable at and
/// above `LIMIT` in either aperture.
#[derive(Default)]
struct Words(HashMap<Phys, u64>);

const LIMIT: u64 = 0x100_0000_0000;

impl Words {
    fn put(&mut self, at: Phys, v: u64) {
        self.0.insert(at, v);
    }
}

impl PhysMemory for Words {
    fn read_u64(&self, at: Phys) -> Result<u64, String> {
        if at.addr() >= LIMIT {
            return Err("beyond the test's memory".into());
        }
        Ok(self.0.get(&at).copied().unwrap_or(0))
    }
}

const VALID_BIT: u64 = 1;
const VOL_BIT: u64 = 1 << 3;
const PRIV_BIT: u64 = 1 << 5;

/// A directory entry (or PD0's small half) naming the 4 KiB aligned
/// table `t` in coherent system memory: aperture 2, address >> 12 at 8.
fn sys_dir(t: u64) -> u64 {
    ((t >> 12) << 8) | (2 << 1)
}

/// The same for a table in VRAM: aperture 1.
fn vid_dir(t: u64) -> u64 {
    ((t >> 12) << 8) | (1 << 1)
}

/// PD0's big half naming the 256-byte aligned big page table `t` in
/// system memory: aperture 2, address >> 8 at bit 4.
fn sys_big(t: u64) -> u64 {
    ((t >> 8) << 4) | (2 << 1)
}

/// A valid PTE of the page at `a` through `aperture`.
fn pte(aperture: u64, a: u64) -> u64 {
    ((a >> 12) << 8) | (aperture << 1) | VALID_BIT
}

const PD3: u64 = 0x1000;
const PD2: u64 = 0x2000;
const PD1: u64 = 0x3000;
const PD0: u64 = 0x4000;
const PT: u64 = 0x5000;
/// A big page table in the second 256 bytes of a page: only a decode
/// that shifts ADDRESS_BIG by 8 finds it.
const BIG: u64 = 0x6100;

/// PD3 0, PD2 5, PD1 2, PD0 0x2b, big PT 0x7 (VA 20:16), PT 0x79 (VA
/// 20:12), offset 0xabc.
const VA: u64 = (5 << 38) | (2 << 29) | (0x2b << 21) | (0x79 << 12) | 0xabc;

fn sys(a: u64) -> Phys {
    Phys::Sys(a)
}

/// Where PD0's entry for [`VA`] is.
fn pd0_entry() -> Phys {
    sys(PD0 + 0x2b * 16)
}

fn big_entry() -> Phys {
    sys(BIG + 7 * 8)
}

fn small_entry() -> Phys {
    sys(PT + 0x79 * 8)
}

/// PD3 to PD1 linked for [`VA`], PD0's entry empty.
fn chain() -> Words {
    let mut m = Words::default();
    m.put(sys(PD3), sys_dir(PD2));
    m.put(sys(PD2 + 5 * 8), sys_dir(PD1));
    m.put(sys(PD1 + 2 * 8), sys_dir(PD0));
    m
}

/// [`chain`] with PD0 naming the big table `big` and the small table
/// `small` (each if `Some`).
fn dual(big: Option<u64>, small: Option<u64>) -> Words {
    let mut m = chain();
    m.put(pd0_entry(), big.map_or(0, sys_big));
    m.put(pd0_entry().plus(8), small.map_or(0, sys_dir));
    m
}

fn go(m: &Words, va: u64) -> Result<Translation, Fault> {
    translate(m, sys(PD3), va)
}

fn mapped(t: Result<Translation, Fault>) -> Mapping {
    match t {
        Ok(Translation::Mapped(m)) => m,
        other => panic!("not a page: {other:?}"),
    }
}

fn fault(t: Result<Translation, Fault>) -> Fault {
    t.expect_err("not a fault")
}

#[test]
fn a_4k_page_through_five_levels() {
    let mut m = dual(None, Some(PT));
    m.put(small_entry(), pte(2, 0xabcd_e000));
    let p = mapped(go(&m, VA));
    assert_eq!(p.frame, sys(0xabcd_e000));
    assert_eq!(p.size, PageSize::Small);
    assert_eq!(p.at(VA), sys(0xabcd_eabc));
    assert_eq!(
        p.attrs,
        Attrs {
            coherent: true,
            ..Attrs::default()
        }
    );
    // A VRAM page.
    m.put(small_entry(), pte(0, 0x20_0000));
    assert_eq!(mapped(go(&m, VA)).at(VA), Phys::Video(0x20_0abc));
    // Not mapped: the PTE's VALID bit clear.
    m.put(small_entry(), pte(0, 0x20_0000) & !VALID_BIT);
    let f = fault(go(&m, VA));
    assert_eq!(f.level, Level::SmallPt);
    assert_eq!(f.reason(), "no-entry");
    assert_eq!(f.fault_type(), fault_type::PTE);
    // No PD0 entry at all.
    m.put(pd0_entry().plus(8), 0);
    let f = fault(go(&m, VA));
    assert_eq!((f.level, f.fault_type()), (Level::Pd0, fault_type::PDE));
}

#[test]
fn a_64k_page_in_a_256_byte_aligned_big_table() {
    let mut m = dual(Some(BIG), None);
    m.put(big_entry(), pte(0, 0x30_0000));
    let p = mapped(go(&m, VA));
    assert_eq!((p.frame, p.size), (Phys::Video(0x30_0000), PageSize::Big));
    assert_eq!(p.at(VA), Phys::Video(0x30_9abc));
    // The whole 64 KiB page, and only it.
    assert_eq!(
        mapped(go(&m, VA & !0xffff)).at(VA & !0xffff),
        Phys::Video(0x30_0000)
    );
    assert_eq!(fault(go(&m, VA + 0x1_0000)).level, Level::BigPt);
    // A frame that is not 64 KiB aligned.
    m.put(big_entry(), pte(0, 0x30_1000));
    let f = fault(go(&m, VA));
    assert_eq!((f.level, f.reason()), (Level::BigPt, "malformed"));
}

#[test]
fn a_2m_page_in_pd0() {
    let mut m = chain();
    m.put(pd0_entry(), pte(0, 0x4000_0000) | (1 << 6));
    // Whatever the high word holds, the entry is a PTE.
    m.put(pd0_entry().plus(8), sys_dir(PT));
    let p = mapped(go(&m, VA));
    assert_eq!(
        (p.size, p.at(VA)),
        (PageSize::Huge, Phys::Video(0x4007_9abc))
    );
    assert!(p.attrs.read_only);
    assert_eq!(p.size.bytes(), 2 << 20);
    // Not 2 MiB aligned: a malformed PTE of PD0.
    m.put(pd0_entry(), pte(0, 0x4010_0000));
    let f = fault(go(&m, VA));
    assert_eq!((f.level, f.reason()), (Level::Pd0, "malformed"));
    assert_eq!(f.fault_type(), fault_type::PTE);
}

/// gp100-mmu-format and nouveau: the big page PTE decides first.
#[test]
fn dual_tables_consult_the_big_page_entry_first() {
    let mut m = dual(Some(BIG), Some(PT));
    m.put(small_entry(), pte(2, 0x7777_7000));
    // Valid: the 64 KiB page, whatever the small table says.
    m.put(big_entry(), pte(0, 0x50_0000));
    assert_eq!(mapped(go(&m, VA)).size, PageSize::Big);
    // Unmapped (0): the small table decides.
    m.put(big_entry(), 0);
    assert_eq!(mapped(go(&m, VA)).frame, sys(0x7777_7000));
    // Invalid with VOL: sparse, the small table not read (it is
    // unreachable now: reading it would fault).
    let mut unreachable = dual(Some(BIG), Some(LIMIT));
    unreachable.put(big_entry(), VOL_BIT);
    assert_eq!(go(&unreachable, VA), Ok(Translation::Sparse(Level::BigPt)));
    m.put(big_entry(), VOL_BIT);
    assert_eq!(go(&m, VA), Ok(Translation::Sparse(Level::BigPt)));
    // Invalid with PRIVILEGE: no small page is valid, a fault even
    // though the small table maps the VA.
    m.put(big_entry(), PRIV_BIT);
    let f = fault(go(&m, VA));
    assert_eq!((f.level, f.reason()), (Level::BigPt, "small-blocked"));
    unreachable.put(big_entry(), PRIV_BIT);
    assert_eq!(fault(go(&unreachable, VA)).reason(), "small-blocked");
    // Unmapped and no small table: nothing maps the VA.
    let mut only_big = dual(Some(BIG), None);
    only_big.put(big_entry(), 0);
    let f = fault(go(&only_big, VA));
    assert_eq!((f.level, f.reason()), (Level::BigPt, "no-entry"));
    // Unmapped big PTE, the small table's page unmapped too.
    m.put(big_entry(), 0);
    m.put(small_entry(), 0);
    assert_eq!(fault(go(&m, VA)).level, Level::SmallPt);
}

#[test]
fn sparse_entries_at_every_level() {
    // A 4 KiB PTE, invalid with VOL.
    let mut m = dual(None, Some(PT));
    m.put(small_entry(), VOL_BIT);
    assert_eq!(go(&m, VA), Ok(Translation::Sparse(Level::SmallPt)));
    // PD0: both pointers invalid and VOL_BIG.
    let mut m = chain();
    m.put(pd0_entry(), VOL_BIT);
    assert_eq!(go(&m, VA), Ok(Translation::Sparse(Level::Pd0)));
    // VOL_SMALL alone does not make it sparse.
    m.put(pd0_entry(), 0);
    m.put(pd0_entry().plus(8), VOL_BIT);
    assert_eq!(fault(go(&m, VA)).reason(), "no-entry");
    // Not sparse while a pointer is valid: the small table decides.
    m.put(pd0_entry(), VOL_BIT);
    m.put(pd0_entry().plus(8), sys_dir(PT));
    m.put(small_entry(), pte(2, 0x8000));
    assert_eq!(mapped(go(&m, VA)).frame, sys(0x8000));
    // The directories above.
    for (level, at) in [
        (Level::Pd1, sys(PD1 + 2 * 8)),
        (Level::Pd2, sys(PD2 + 5 * 8)),
        (Level::Pd3, sys(PD3)),
    ] {
        m.put(at, VOL_BIT);
        assert_eq!(go(&m, VA), Ok(Translation::Sparse(level)), "{level:?}");
    }
    assert_eq!(
        Translation::Sparse(Level::Pd2).describe(VA),
        "sparse page 256g"
    );
}

#[test]
fn malformed_and_unreachable_entries() {
    // IS_PTE above PD0.
    let mut m = chain();
    m.put(sys(PD1 + 2 * 8), sys_dir(PD0) | 1);
    let f = fault(go(&m, VA));
    assert_eq!((f.level, f.reason()), (Level::Pd1, "malformed"));
    assert_eq!(f.fault_type(), fault_type::PDE);
    // A VRAM table address with the peer bits set.
    m.put(sys(PD1 + 2 * 8), vid_dir(PD0) | (1 << 33));
    assert_eq!(fault(go(&m, VA)).reason(), "malformed");
    // System memory at 2^47.
    m.put(sys(PD1 + 2 * 8), sys_dir(1 << 47));
    assert_eq!(fault(go(&m, VA)).reason(), "malformed");
    // A table the walk cannot read.
    m.put(sys(PD1 + 2 * 8), sys_dir(LIMIT));
    let f = fault(go(&m, VA));
    assert_eq!((f.level, f.reason()), (Level::Pd0, "unreachable"));
    assert_eq!(
        f.describe(),
        format!("fault pd0 unreachable at sys {:#x}", LIMIT + 0x2b * 16)
    );
    // Peer memory.
    let mut m = dual(None, Some(PT));
    m.put(small_entry(), pte(1, 0x1000));
    let f = fault(go(&m, VA));
    assert_eq!(
        (f.reason(), f.fault_type()),
        ("peer", fault_type::UNSUPPORTED_APERTURE)
    );
    // A sys page at 2^47; a video page with peer bits.
    m.put(small_entry(), pte(2, 1 << 47));
    assert_eq!(fault(go(&m, VA)).reason(), "malformed");
    m.put(small_entry(), pte(0, 0x1000) | (3 << 33));
    assert_eq!(fault(go(&m, VA)).reason(), "malformed");
    // Beyond 49 bits.
    let f = fault(go(&m, 1 << 49));
    assert_eq!((f.level, f.reason()), (Level::Pd3, "va-limit"));
    assert_eq!(f.fault_type(), fault_type::VA_LIMIT_VIOLATION);
    assert_eq!(f.describe(), "fault pd3 va-limit");
    // An empty root.
    assert_eq!(
        fault(go(&Words::default(), VA)).describe(),
        "fault pd3 no-entry entry 0x0"
    );
}

#[test]
fn each_attribute_bit_decodes() {
    let mut m = dual(None, Some(PT));
    let base = pte(0, 0x9000);
    let attrs = |m: &Words| mapped(go(m, VA)).attrs;
    let cases: [(u64, Attrs); 8] = [
        (
            1 << 3,
            Attrs {
                volatile: true,
                ..Attrs::default()
            },
        ),
        (
            1 << 4,
            Attrs {
                encrypted: true,
                ..Attrs::default()
            },
        ),
        (
            1 << 5,
            Attrs {
                privileged: true,
                ..Attrs::default()
            },
        ),
        (
            1 << 6,
            Attrs {
                read_only: true,
                ..Attrs::default()
            },
        ),
        (
            1 << 7,
            Attrs {
                atomic_disable: true,
                ..Attrs::default()
            },
        ),
        (
            0xa5 << 56,
            Attrs {
                kind: 0xa5,
                ..Attrs::default()
            },
        ),
        (
            0x8_0001 << 36,
            Attrs {
                comptagline: 0x8_0001,
                ..Attrs::default()
            },
        ),
        (0, Attrs::default()),
    ];
    for (bits, want) in cases {
        m.put(small_entry(), base | bits);
        assert_eq!(
            attrs(&m),
            Attrs {
                coherent: true,
                ..want
            },
            "{bits:#x}"
        );
    }
    // System memory: coherent (2) or not (3); no comptag line there.
    m.put(small_entry(), pte(3, 0x9000));
    assert!(!attrs(&m).coherent);
    m.put(small_entry(), pte(2, 0x9000));
    assert!(attrs(&m).coherent);
}

#[test]
fn answers_are_one_machine_readable_line() {
    let mut m = dual(None, Some(PT));
    m.put(small_entry(), pte(2, 0x1234_5000) | VOL_BIT);
    assert_eq!(
        go(&m, VA).unwrap().describe(VA),
        "sys 0x12345abc page 4k rw vol kind 0x0"
    );
    m.put(
        small_entry(),
        pte(3, 0x1234_5000) | (0x1f << 3) | (0x06 << 56),
    );
    assert_eq!(
        go(&m, VA).unwrap().describe(VA),
        "sys 0x12345abc page 4k ro priv vol noncoherent noatomic encrypted kind 0x6"
    );
    m.put(
        small_entry(),
        pte(0, 0x1234_5000) | (5 << 36) | (0xdb << 56),
    );
    assert_eq!(
        go(&m, VA).unwrap().describe(VA),
        "video 0x12345abc page 4k rw kind 0xdb comptag 0x5"
    );
    let f = fault(go(&dual(Some(BIG), None), VA));
    assert_eq!(f.describe(), "fault big-pt no-entry entry 0x0");
    assert_eq!(f.to_string(), "big-pt: invalid entry 0x0 (PTE fault)");
}

/// GSP-RM's PD0 for its range is in VRAM: a walk with VRAM reads it.
#[test]
fn tables_in_vram() {
    let gm = crate::guest_mem::test_memory(0x10_0000, 0x10000);
    let vram = crate::vram::Vram::new(1 << 20).unwrap().view().unwrap();
    let put_sys = |at: u64, v: u64| gm.write(at, &v.to_le_bytes()).unwrap();
    let put_vid = |at: u64, v: u64| vram.write(at, &v.to_le_bytes()).unwrap();
    // VA 4 GiB + 0x21_3000: PD3 0, PD2 0, PD1 8, PD0 1, PT 0x13.
    let va = 0x1_0021_3000;
    put_sys(0x10_0000, sys_dir(0x10_1000));
    put_sys(0x10_1000, sys_dir(0x10_2000));
    put_sys(0x10_2000 + 8 * 8, vid_dir(0x8_0000));
    put_vid(0x8_0000 + 16 + 8, vid_dir(0x9_0000));
    put_vid(0x9_0000 + 0x13 * 8, pte(2, 0x10_5000));
    let both = GpuMemory {
        sys: gm.clone(),
        vram: Some(vram.clone()),
    };
    assert_eq!(
        mapped(translate(&both, Phys::Sys(0x10_0000), va)).frame,
        Phys::Sys(0x10_5000)
    );
    // A host write through PRAMIN the walk does not see until a flush.
    vram.write_posted(0x9_0000 + 0x13 * 8, &pte(2, 0x10_6000).to_le_bytes())
        .unwrap();
    assert_eq!(
        mapped(translate(&both, Phys::Sys(0x10_0000), va)).frame,
        Phys::Sys(0x10_5000)
    );
    vram.flush();
    assert_eq!(
        mapped(translate(&both, Phys::Sys(0x10_0000), va)).frame,
        Phys::Sys(0x10_6000)
    );
    // Beyond VRAM.
    put_sys(0x10_2000 + 8 * 8, vid_dir(2 << 20));
    let f = fault(translate(&both, Phys::Sys(0x10_0000), va));
    assert_eq!((f.level, f.reason()), (Level::Pd0, "unreachable"));
    // Without VRAM, the walk says it cannot reach it.
    put_sys(0x10_2000 + 8 * 8, vid_dir(0x8_0000));
    let f = fault(translate(&gm, Phys::Sys(0x10_0000), va));
    assert!(f.to_string().contains("not reachable"), "{f}");
    let no_vram = GpuMemory {
        sys: gm,
        vram: None,
    };
    assert_eq!(
        fault(translate(&no_vram, Phys::Sys(0x10_0000), va)).reason(),
        "unreachable"
    );
}

#[test]
fn gsp_rm_writes_its_directory_entry() {
    let m = crate::guest_mem::test_memory(0x10_0000, 0x10000);
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
    assert!(directory_entry(&m, Phys::Sys(0x10_2000), 3, 0).is_err());
}
