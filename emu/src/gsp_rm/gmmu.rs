//! The GPU MMU's page table walk: the model's own decoder of page table
//! format version 2 (Pascal to Ampere; GA102), written from the public
//! format, not with the driver's encoder in proto/. The chip's MMU (the
//! TLB in `dev::mmu`, which the control port's probe translates through)
//! and GSP-RM's own reading of the driver's tables both walk with it.
//!
//! Sources: NVIDIA open-gpu-doc `manuals/turing/tu104/dev_mmu.ref.txt`
//! (`NV_MMU_VER2_*`, the field positions) and `pascal/gp100-mmu-format.pdf`
//! (what the fields mean: sparse entries, the dual page tables, address
//! widths); open-gpu-kernel-modules `published/pascal/gp100/dev_mmu.h`
//! (`NV_MMU_VER2_PTE_ENCRYPTED`) and `kern_gmmu_fmt_gp10x.c`
//! (`kgmmuFmtInitLevels_GP10X`: the levels, pages only in PD0 and the page
//! tables); nouveau `nvkm/subdev/mmu/vmmgp100.c` and `vmm.c` (how a driver
//! uses them).
//!
//! | level  | VA bits | entries | entry bytes                         |
//! |--------|---------|---------|-------------------------------------|
//! | PD3    | 48:47   | 4       | 8                                   |
//! | PD2    | 46:38   | 512     | 8                                   |
//! | PD1    | 37:29   | 512     | 8                                   |
//! | PD0    | 28:21   | 256     | 16 (dual), or a 2 MiB PTE           |
//! | big PT | 20:16   | 32      | 8, 64 KiB pages (a 256-byte table)  |
//! | PT     | 20:12   | 512     | 8, 4 KiB pages                      |
//!
//! A directory entry above PD0: IS_PTE at bit 0 ("should be 0 for all
//! levels", gp100-mmu-format: format 2 has no pages there, so the model
//! takes a set bit as a malformed entry and faults), APERTURE 2:1 (0
//! invalid, 1 video, 2 coherent and 3 non-coherent system memory), VOL 3,
//! the next table's address >> 12 in ADDRESS_SYS 53:8, or for video memory
//! in ADDRESS_VID 32:8 (35:33 being a peer index, `_PEER_0` only).
//!
//! PD0's entry: if bit 0 of its low word is set it is the PTE of a 2 MiB
//! page (the high word unused: nouveau `gp100_vmm_pd0_pte` writes 0).
//! Else the low word names the big page table, APERTURE_BIG 2:1, VOL_BIG
//! 3, its address >> 8 in ADDRESS_BIG 53:4 (video: 32:4;
//! `NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_SHIFT` 8, a big table being 32 entries
//! of 8 bytes), and the high word the 4 KiB page table, APERTURE_SMALL
//! 66:65, VOL_SMALL 67, its address >> 12 in ADDRESS_SMALL 117:72 (video:
//! 96:72): bits 2:1, 3 and 53:8 of the high word.
//!
//! A PTE: VALID 0, APERTURE 2:1 (0 video, 1 peer, 2 coherent, 3
//! non-coherent system memory), VOL 3, ENCRYPTED 4 (gp100's dev_mmu.h;
//! tu104's manual leaves the bit undefined and gp100-mmu-format says "do
//! not use"), PRIVILEGE 5, READ_ONLY 6, ATOMIC_DISABLE 7, the page's 4 KiB
//! frame in ADDRESS_SYS 53:8, or ADDRESS_VID 32:8 with PEER 35:33;
//! COMPTAGLINE 55:36 (tu104; video memory only, as it shares the bits of
//! ADDRESS_SYS), KIND 63:56. gp100-mmu-format lists each page size's
//! alignment (4 KiB, 64 KiB, 2 MiB).
//!
//! What the entries mean (gp100-mmu-format):
//! - "If the PDE or PTE is invalid and VOL is high, the MMU treats the
//!   range mapped by the PDE or PTE as sparse": accesses go to a dummy
//!   page, "an ACK to naive clients", no fault. The walk answers
//!   [`Translation::Sparse`] and leaves the access to its client.
//! - PD0 is sparse only when both its pointers are invalid and VOL_BIG is
//!   set: "the lowest level PDE cannot be sparse if either or both
//!   pointers are valid".
//! - Where PD0 names a big page table its PTE decides first: valid, a
//!   64 KiB page; invalid with VOL, sparse; invalid with PRIVILEGE, "no
//!   small page PTEs in this range are valid", a fault without looking at
//!   the 4 KiB table; invalid without either, the 4 KiB table decides, if
//!   PD0 names one. nouveau relies on the same: `gp100_vmm_lpt_invalid`
//!   ("VALID_FALSE + PRIV tells the MMU to ignore corresponding SPTEs"),
//!   `gp100_vmm_pgt_sparse` ("VALID_FALSE + VOL tells the MMU to treat the
//!   PTE as sparse"), and `vmm.c` `nvkm_vmm_ref_sptes` and
//!   `nvkm_vmm_unref_sptes` leave a big PTE 0 where 4 KiB PTEs below it
//!   are in use. An invalid PTE with both VOL and PRIVILEGE is not
//!   described; the model takes it as sparse.
//! - "The hardware supports 47 bits of sysmem addresses."
//!
//! Where the chip's behaviour is not published the model refuses, as a
//! malformed entry of that level, what no correct driver writes: a 64 KiB
//! or 2 MiB page whose frame is not aligned to its size (whether the chip
//! ignores the low bits or uses them is not said), a video address with
//! the peer bits 35:33 set (tu104's ADDRESS_VID ends at bit 32, 128 GiB,
//! beyond any GA102's VRAM; gp100-mmu-format shares PA 39:37 with PEER), a
//! system memory address of 47 bits or more. A peer memory page is beyond
//! the model.

use crate::guest_mem::GuestMemory;
use crate::vram::VramView;
use std::fmt;

/// A physical location as an entry names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phys {
    /// Video memory at this offset.
    Video(u64),
    /// System memory at this bus address.
    Sys(u64),
}

impl Phys {
    /// The same aperture, `by` bytes on.
    pub fn plus(self, by: u64) -> Phys {
        match self {
            Phys::Video(a) => Phys::Video(a + by),
            Phys::Sys(a) => Phys::Sys(a + by),
        }
    }

    /// The address, whatever the aperture.
    pub fn addr(self) -> u64 {
        match self {
            Phys::Video(a) | Phys::Sys(a) => a,
        }
    }
}

impl fmt::Display for Phys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Phys::Video(a) => write!(f, "video {a:#x}"),
            Phys::Sys(a) => write!(f, "sys {a:#x}"),
        }
    }
}

/// Memory a walk reads its tables from.
pub trait PhysMemory {
    /// The little-endian u64 at `at`; `Err` says why it cannot be read.
    fn read_u64(&self, at: Phys) -> Result<u64, String>;
}

/// System memory alone: a table in VRAM is out of its reach.
impl PhysMemory for GuestMemory {
    fn read_u64(&self, at: Phys) -> Result<u64, String> {
        match at {
            Phys::Sys(a) => GuestMemory::read_u64(self, a).map_err(|e| e.to_string()),
            Phys::Video(a) => Err(format!("VRAM at {a:#x} is not reachable here")),
        }
    }
}

/// What the GPU's memory clients reach: system memory through the DMA
/// windows, and VRAM where the caller has it, as the GPU sees it (without
/// the host's posted writes not yet flushed: `vram::pending`).
#[derive(Clone, Default)]
pub struct GpuMemory {
    /// System memory.
    pub sys: GuestMemory,
    /// VRAM, if reachable from this thread.
    pub vram: Option<VramView>,
}

impl PhysMemory for GpuMemory {
    fn read_u64(&self, at: Phys) -> Result<u64, String> {
        match (at, &self.vram) {
            (Phys::Sys(_), _) => PhysMemory::read_u64(&self.sys, at),
            (Phys::Video(a), Some(v)) => {
                let mut b = [0u8; 8];
                v.read_gpu(a, &mut b).ok_or_else(|| {
                    format!("VRAM read at {a:#x} beyond its {:#x} bytes", v.size())
                })?;
                Ok(u64::from_le_bytes(b))
            }
            (Phys::Video(a), None) => Err(format!("VRAM at {a:#x} is not reachable here")),
        }
    }
}

/// The VA bits the format translates.
pub const VA_BITS: u32 = 49;
/// The system memory address bits the hardware emits (gp100-mmu-format).
pub const SYS_ADDR_BITS: u32 = 47;

/// A level of the walk, root first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Page directory 3, the root (VA 48:47).
    Pd3,
    /// Page directory 2 (VA 46:38).
    Pd2,
    /// Page directory 1 (VA 37:29).
    Pd1,
    /// Page directory 0 (VA 28:21): dual entries or 2 MiB pages.
    Pd0,
    /// The big page table (VA 20:16): 64 KiB pages.
    BigPt,
    /// The page table (VA 20:12): 4 KiB pages.
    SmallPt,
}

impl Level {
    /// The directories above PD0, root first.
    pub const UPPER: [Level; 3] = [Level::Pd3, Level::Pd2, Level::Pd1];

    /// log2 of the VA range one entry of this level covers.
    pub const fn shift(self) -> u32 {
        match self {
            Level::Pd3 => 47,
            Level::Pd2 => 38,
            Level::Pd1 => 29,
            Level::Pd0 => 21,
            Level::BigPt => 16,
            Level::SmallPt => 12,
        }
    }

    const fn index_bits(self) -> u32 {
        match self {
            Level::Pd3 => 2,
            Level::Pd2 | Level::Pd1 | Level::SmallPt => 9,
            Level::Pd0 => 8,
            Level::BigPt => 5,
        }
    }

    const fn entry_bytes(self) -> u64 {
        match self {
            Level::Pd0 => 16,
            _ => 8,
        }
    }

    /// The level's rank in an invalidate's `CACHE_LEVEL`: 0 for the page
    /// tables (`PTE_ONLY` drops those), 1 for PD0 (`UP_TO_PDE0`) to 4 for
    /// PD3 (`UP_TO_PDE3`). nouveau `gp100_vmm_flush` counts the same way
    /// (`5 - depth`, depth 0 for a change in the root).
    pub const fn rank(self) -> u32 {
        match self {
            Level::BigPt | Level::SmallPt => 0,
            Level::Pd0 => 1,
            Level::Pd1 => 2,
            Level::Pd2 => 3,
            Level::Pd3 => 4,
        }
    }

    /// Its name in logs and the probe's answers.
    pub const fn name(self) -> &'static str {
        match self {
            Level::Pd3 => "pd3",
            Level::Pd2 => "pd2",
            Level::Pd1 => "pd1",
            Level::Pd0 => "pd0",
            Level::BigPt => "big-pt",
            Level::SmallPt => "pt",
        }
    }
}

/// A page size of the format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageSize {
    /// 4 KiB, in a page table.
    Small,
    /// 64 KiB, in a big page table.
    Big,
    /// 2 MiB, a PTE in PD0.
    Huge,
}

impl PageSize {
    /// Bytes in a page.
    pub const fn bytes(self) -> u64 {
        1 << self.level().shift()
    }

    /// The level holding such pages.
    pub const fn level(self) -> Level {
        match self {
            PageSize::Small => Level::SmallPt,
            PageSize::Big => Level::BigPt,
            PageSize::Huge => Level::Pd0,
        }
    }
}

/// `4k`, `64k`, `2m`, `512m`, `256g`, `128t`: the span of `1 << shift`
/// bytes, as the probe answers it.
fn span_name(shift: u32) -> String {
    match shift {
        40.. => format!("{}t", 1u64 << (shift - 40)),
        30.. => format!("{}g", 1u64 << (shift - 30)),
        20.. => format!("{}m", 1u64 << (shift - 20)),
        _ => format!("{}k", 1u64 << shift.saturating_sub(10)),
    }
}

/// What a PTE says of its page besides where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Attrs {
    /// READ_ONLY: writes fault.
    pub read_only: bool,
    /// PRIVILEGE: non-privileged requests fault.
    pub privileged: bool,
    /// VOL: not cached in L2 (ignored for video memory).
    pub volatile: bool,
    /// ATOMIC_DISABLE: atomics fault.
    pub atomic_disable: bool,
    /// ENCRYPTED ("do not use").
    pub encrypted: bool,
    /// System memory through the coherent aperture (2) rather than the
    /// non-coherent one (3); true for video memory, the GPU's own.
    pub coherent: bool,
    /// KIND 63:56.
    pub kind: u8,
    /// COMPTAGLINE 55:36 (video memory only; 0 for system memory).
    pub comptagline: u32,
}

/// A page a VA is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// Where the page starts.
    pub frame: Phys,
    /// Its size.
    pub size: PageSize,
    /// Its attributes.
    pub attrs: Attrs,
}

impl Mapping {
    /// Where `va` lands in the page.
    pub fn at(&self, va: u64) -> Phys {
        self.frame.plus(va & (self.size.bytes() - 1))
    }
}

/// A successful translation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Translation {
    /// The VA is in a page.
    Mapped(Mapping),
    /// The VA is in a sparse range, whose entry is of this level (the
    /// range is that entry's span): no fault, accesses go to a dummy page.
    Sparse(Level),
}

impl Translation {
    /// The level of the entry that decided.
    pub fn level(&self) -> Level {
        match self {
            Translation::Mapped(m) => m.size.level(),
            Translation::Sparse(l) => *l,
        }
    }

    /// The probe's answer for `va` (see `control.rs`): `sys|video ADDR
    /// page SIZE rw|ro [priv] [vol] [noncoherent] [noatomic] [encrypted]
    /// kind K [comptag C]`, or `sparse page SPAN`; numbers in hex.
    pub fn describe(&self, va: u64) -> String {
        let m = match self {
            Translation::Sparse(l) => return format!("sparse page {}", span_name(l.shift())),
            Translation::Mapped(m) => m,
        };
        let a = &m.attrs;
        let mut s = format!(
            "{} page {} {}",
            m.at(va),
            span_name(m.size.level().shift()),
            if a.read_only { "ro" } else { "rw" }
        );
        for (on, word) in [
            (a.privileged, " priv"),
            (a.volatile, " vol"),
            (!a.coherent, " noncoherent"),
            (a.atomic_disable, " noatomic"),
            (a.encrypted, " encrypted"),
        ] {
            if on {
                s.push_str(word);
            }
        }
        s.push_str(&format!(" kind {:#x}", a.kind));
        if a.comptagline != 0 {
            s.push_str(&format!(" comptag {:#x}", a.comptagline));
        }
        s
    }
}

/// Why a walk stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// The VA has bits above the format's 49.
    VaLimit {
        /// The VA.
        va: u64,
    },
    /// The entry is invalid (and not sparse).
    NoEntry {
        /// The entry (PD0's: the word that decided).
        entry: u64,
    },
    /// An invalid big page PTE with PRIVILEGE: no 4 KiB PTE of its range
    /// is valid.
    SmallBlocked {
        /// The big page PTE.
        entry: u64,
    },
    /// An entry the format does not allow.
    Malformed {
        /// The entry.
        entry: u64,
        /// What is wrong with it.
        what: &'static str,
    },
    /// A page in a peer GPU's memory: beyond the model.
    Peer {
        /// The PTE.
        entry: u64,
    },
    /// The table could not be read.
    Unreachable {
        /// Where the entry is.
        at: Phys,
        /// Why it could not be read.
        why: String,
    },
}

/// Where and why a walk stopped: what the chip would report as an MMU
/// fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The level whose entry stopped the walk.
    pub level: Level,
    /// Why.
    pub why: Why,
}

/// `NV_PFAULT_FAULT_TYPE_*` (open-gpu-doc `dev_fault.ref.txt`).
pub mod fault_type {
    /// A directory entry.
    pub const PDE: u32 = 0;
    /// A page table entry.
    pub const PTE: u32 = 2;
    /// The VA is beyond the VA space.
    pub const VA_LIMIT_VIOLATION: u32 = 3;
    /// A non-privileged access to a `PRIVILEGE` page.
    pub const PRIV_VIOLATION: u32 = 5;
    /// A write to a `READ_ONLY` page.
    pub const RO_VIOLATION: u32 = 6;
    /// An access to memory the requester may not reach.
    pub const REGION_VIOLATION: u32 = 0xd;
    /// An aperture the access cannot use.
    pub const UNSUPPORTED_APERTURE: u32 = 0xa;
}

impl Fault {
    /// A short word for the probe's answers.
    pub fn reason(&self) -> &'static str {
        match self.why {
            Why::VaLimit { .. } => "va-limit",
            Why::NoEntry { .. } => "no-entry",
            Why::SmallBlocked { .. } => "small-blocked",
            Why::Malformed { .. } => "malformed",
            Why::Peer { .. } => "peer",
            Why::Unreachable { .. } => "unreachable",
        }
    }

    /// The `NV_PFAULT_FAULT_TYPE_*` an MMU fault report would carry: PDE
    /// for a directory's entry, PTE for a page's (PD0's 2 MiB PTE
    /// included). Peer memory, which the model lacks, is reported as an
    /// unsupported aperture.
    pub fn fault_type(&self) -> u32 {
        match self.why {
            Why::VaLimit { .. } => fault_type::VA_LIMIT_VIOLATION,
            Why::Peer { .. } => fault_type::UNSUPPORTED_APERTURE,
            Why::Malformed { entry, .. } if self.level == Level::Pd0 && entry & 1 != 0 => {
                fault_type::PTE
            }
            _ if self.level.rank() == 0 => fault_type::PTE,
            _ => fault_type::PDE,
        }
    }

    /// The probe's answer: `fault LEVEL REASON`, then `entry E` or `at
    /// sys|video A` where there is one; numbers in hex.
    pub fn describe(&self) -> String {
        let mut s = format!("fault {} {}", self.level.name(), self.reason());
        match &self.why {
            Why::VaLimit { .. } => {}
            Why::NoEntry { entry }
            | Why::SmallBlocked { entry }
            | Why::Malformed { entry, .. }
            | Why::Peer { entry } => s.push_str(&format!(" entry {entry:#x}")),
            Why::Unreachable { at, .. } => s.push_str(&format!(" at {at}")),
        }
        s
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = self.level.name();
        match &self.why {
            Why::VaLimit { va } => write!(f, "VA {va:#x} beyond {VA_BITS} bits"),
            Why::NoEntry { entry } => write!(f, "{level}: invalid entry {entry:#x}"),
            Why::SmallBlocked { entry } => write!(
                f,
                "{level}: invalid big page entry {entry:#x} with PRIVILEGE: no 4 KiB page of its range is valid"
            ),
            Why::Malformed { entry, what } => write!(f, "{level}: entry {entry:#x}: {what}"),
            Why::Peer { entry } => write!(
                f,
                "{level}: entry {entry:#x} maps peer memory (not modelled)"
            ),
            Why::Unreachable { at, why } => write!(f, "{level}: entry at {at}: {why}"),
        }?;
        let kind = match self.fault_type() {
            fault_type::PDE => "PDE",
            fault_type::PTE => "PTE",
            fault_type::VA_LIMIT_VIOLATION => "VA_LIMIT_VIOLATION",
            _ => "UNSUPPORTED_APERTURE",
        };
        write!(f, " ({kind} fault)")
    }
}

/// Directory entries a walk may take from a cache (the TLB's) rather than
/// from memory: PD3 to PD1 entries as `[entry, 0]`, PD0's as both words.
/// Only entries that name tables are put.
pub trait DirectoryCache {
    /// The cached entry of `level` for `va`.
    fn get(&self, level: Level, va: u64) -> Option<[u64; 2]>;
    /// Caches the entry of `level` for `va`.
    fn put(&mut self, level: Level, va: u64, entry: [u64; 2]);
}

/// Memory only.
struct Uncached;

impl DirectoryCache for Uncached {
    fn get(&self, _: Level, _: u64) -> Option<[u64; 2]> {
        None
    }
    fn put(&mut self, _: Level, _: u64, _: [u64; 2]) {}
}

const VALID: u64 = 1 << 0;
const VOL: u64 = 1 << 3;
const ENCRYPTED: u64 = 1 << 4;
const PRIVILEGE: u64 = 1 << 5;
const READ_ONLY: u64 = 1 << 6;
const ATOMIC_DISABLE: u64 = 1 << 7;

/// Bits `hi:lo` of `v`.
const fn bits(v: u64, hi: u32, lo: u32) -> u64 {
    (v >> lo) & ((1 << (hi - lo + 1)) - 1)
}

/// A system memory address: ADDRESS_SYS (53:`lo`) << `shift`, below the
/// 47 bits the hardware emits.
fn sys_addr(entry: u64, lo: u32, shift: u32) -> Result<u64, Why> {
    let a = bits(entry, 53, lo) << shift;
    if a >> SYS_ADDR_BITS != 0 {
        return Err(Why::Malformed {
            entry,
            what: "a system memory address of 47 bits or more",
        });
    }
    Ok(a)
}

/// A video memory address: ADDRESS_VID (32:`lo`) << `shift`, the peer
/// index (35:33) 0.
fn video_addr(entry: u64, lo: u32, shift: u32) -> Result<u64, Why> {
    if bits(entry, 35, 33) != 0 {
        return Err(Why::Malformed {
            entry,
            what: "a video memory address with peer bits 35:33 set",
        });
    }
    Ok(bits(entry, 32, lo) << shift)
}

/// Where the entry for `va` is in `table`, a table of `level`.
fn entry_of(table: Phys, level: Level, va: u64) -> Phys {
    let index = bits(va, level.shift() + level.index_bits() - 1, level.shift());
    table.plus(index * level.entry_bytes())
}

fn read<M: PhysMemory + ?Sized>(mem: &M, level: Level, at: Phys) -> Result<u64, Fault> {
    mem.read_u64(at).map_err(|why| Fault {
        level,
        why: Why::Unreachable { at, why },
    })
}

/// What a directory entry above PD0 leads to.
enum Next {
    Table(Phys),
    Sparse,
}

fn decode_pde(entry: u64) -> Result<Next, Why> {
    if entry & 1 != 0 {
        return Err(Why::Malformed {
            entry,
            what: "IS_PTE set: format 2 has no pages above PD0",
        });
    }
    Ok(match bits(entry, 2, 1) {
        0 if entry & VOL != 0 => Next::Sparse,
        0 => return Err(Why::NoEntry { entry }),
        1 => Next::Table(Phys::Video(video_addr(entry, 8, 12)?)),
        _ => Next::Table(Phys::Sys(sys_addr(entry, 8, 12)?)),
    })
}

/// The page a valid PTE of `size` maps.
fn decode_pte(entry: u64, size: PageSize) -> Result<Mapping, Why> {
    let aperture = bits(entry, 2, 1);
    let frame = match aperture {
        0 => Phys::Video(video_addr(entry, 8, 12)?),
        1 => return Err(Why::Peer { entry }),
        _ => Phys::Sys(sys_addr(entry, 8, 12)?),
    };
    if frame.addr() & (size.bytes() - 1) != 0 {
        return Err(Why::Malformed {
            entry,
            what: "a page address not aligned to the page's size",
        });
    }
    Ok(Mapping {
        frame,
        size,
        attrs: Attrs {
            read_only: entry & READ_ONLY != 0,
            privileged: entry & PRIVILEGE != 0,
            volatile: entry & VOL != 0,
            atomic_disable: entry & ATOMIC_DISABLE != 0,
            encrypted: entry & ENCRYPTED != 0,
            coherent: aperture != 3,
            kind: bits(entry, 63, 56) as u8,
            comptagline: if aperture == 0 {
                bits(entry, 55, 36) as u32
            } else {
                0
            },
        },
    })
}

/// A PTE of `level` (a page table's) as the walk takes it: a page, a
/// sparse range, or `None` if invalid.
fn page_or_sparse(entry: u64, level: Level, size: PageSize) -> Result<Option<Translation>, Fault> {
    if entry & VALID != 0 {
        return decode_pte(entry, size)
            .map(|m| Some(Translation::Mapped(m)))
            .map_err(|why| Fault { level, why });
    }
    Ok((entry & VOL != 0).then_some(Translation::Sparse(level)))
}

/// Translates `va` through the tables under `root` (a PD3), reading every
/// entry from `mem`.
pub fn translate<M: PhysMemory + ?Sized>(
    mem: &M,
    root: Phys,
    va: u64,
) -> Result<Translation, Fault> {
    walk(mem, root, va, &mut Uncached)
}

/// Translates `va` through the tables under `root`, taking directory
/// entries from `cache` where it has them and giving it those read.
pub fn walk<M: PhysMemory + ?Sized, C: DirectoryCache + ?Sized>(
    mem: &M,
    root: Phys,
    va: u64,
    cache: &mut C,
) -> Result<Translation, Fault> {
    if va >> VA_BITS != 0 {
        return Err(Fault {
            level: Level::Pd3,
            why: Why::VaLimit { va },
        });
    }
    let mut table = root;
    for level in Level::UPPER {
        let entry = match cache.get(level, va) {
            Some([e, _]) => e,
            None => read(mem, level, entry_of(table, level, va))?,
        };
        match decode_pde(entry).map_err(|why| Fault { level, why })? {
            Next::Table(t) => table = t,
            Next::Sparse => return Ok(Translation::Sparse(level)),
        }
        cache.put(level, va, [entry, 0]);
    }
    let level = Level::Pd0;
    let [lo, hi] = match cache.get(level, va) {
        Some(e) => e,
        None => {
            let at = entry_of(table, level, va);
            [read(mem, level, at)?, read(mem, level, at.plus(8))?]
        }
    };
    let fault = |why| Fault { level, why };
    if lo & 1 != 0 {
        return decode_pte(lo, PageSize::Huge)
            .map(Translation::Mapped)
            .map_err(fault);
    }
    let big = match bits(lo, 2, 1) {
        0 => None,
        1 => Some(Phys::Video(video_addr(lo, 4, 8).map_err(fault)?)),
        _ => Some(Phys::Sys(sys_addr(lo, 4, 8).map_err(fault)?)),
    };
    let small = match bits(hi, 2, 1) {
        0 => None,
        1 => Some(Phys::Video(video_addr(hi, 8, 12).map_err(fault)?)),
        _ => Some(Phys::Sys(sys_addr(hi, 8, 12).map_err(fault)?)),
    };
    if big.is_none() && small.is_none() {
        return if lo & VOL != 0 {
            Ok(Translation::Sparse(level))
        } else {
            Err(fault(Why::NoEntry { entry: lo }))
        };
    }
    cache.put(level, va, [lo, hi]);
    if let Some(t) = big {
        let level = Level::BigPt;
        let pte = read(mem, level, entry_of(t, level, va))?;
        if let Some(t) = page_or_sparse(pte, level, PageSize::Big)? {
            return Ok(t);
        }
        if pte & PRIVILEGE != 0 {
            return Err(Fault {
                level,
                why: Why::SmallBlocked { entry: pte },
            });
        }
        if small.is_none() {
            return Err(Fault {
                level,
                why: Why::NoEntry { entry: pte },
            });
        }
    }
    // PD0 names a table: if not the big one, the small one.
    let Some(t) = small else {
        return Err(fault(Why::NoEntry { entry: hi }));
    };
    let level = Level::SmallPt;
    let pte = read(mem, level, entry_of(t, level, va))?;
    page_or_sparse(pte, level, PageSize::Small)?.ok_or(Fault {
        level,
        why: Why::NoEntry { entry: pte },
    })
}

/// Reads the entry for `va` in `table`, a directory above PD0 (`level`
/// 0 for PD3 to 2 for PD1): the table it names, `None` for an invalid or
/// sparse one.
pub fn directory_entry<M: PhysMemory + ?Sized>(
    mem: &M,
    table: Phys,
    level: usize,
    va: u64,
) -> Result<Option<Phys>, String> {
    let l = *Level::UPPER
        .get(level)
        .ok_or_else(|| format!("level {level} is no directory above PD0"))?;
    let entry = read(mem, l, entry_of(table, l, va)).map_err(|f| f.to_string())?;
    match decode_pde(entry) {
        Ok(Next::Table(t)) => Ok(Some(t)),
        Ok(Next::Sparse) | Err(Why::NoEntry { .. }) => Ok(None),
        Err(why) => Err(Fault { level: l, why }.to_string()),
    }
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
    let l = *Level::UPPER
        .get(level)
        .ok_or_else(|| format!("level {level} is no directory above PD0"))?;
    let at = entry_of(table, l, va);
    let Phys::Sys(a) = at else {
        return Err("the model writes directories in system memory only".into());
    };
    // Aperture 1 (video memory), the table's address >> 12 at bits 32:8.
    let entry = ((next >> 12) << 8) | (1 << 1);
    mem.write(a, &entry.to_le_bytes())
        .map_err(|e| format!("page directory write at {a:#x}: {e}"))?;
    Ok(at)
}

#[cfg(test)]
mod tests;
