//! BAR1: the CPU's window on GPU memory, translated by the GPU's MMU.
//!
//! Under GSP-RM, BAR1 is in virtual mode: an offset into the BAR is a VA
//! in the VA space of BAR1's instance block, which GSP-RM allocates and
//! binds (`NV_VIRTUAL_FUNCTION_PRIV_BAR1_BLOCK`, open-gpu-kernel-modules
//! `published/turing/tu102/dev_vm.h` and `kbusBar1InstBlkBind_TU102`:
//! PTR 27:0 the block's address >> 12, TARGET 29:28, MODE 31 virtual).
//! The kernel driver never writes the binding (nouveau r535
//! `r535_bar_bar1_init` leaves 0xB80F40 alone; OpenRM's kernel build stubs
//! `kbusBar1InstBlkBind`): it only points the root directory's entries,
//! in the PD3 page GSP-RM reports as `bar1PdeBase`, at page tables of its
//! own (see `docs/design/bar1.md`). A write of the binding is a driver
//! defect here: it is refused (no effect), logged and counted. On a chip
//! the write would take effect (tinygrad `runtime/support/nv/ip.py`
//! switches BAR1 to physical mode through `NV_PBUS_BAR1_BLOCK` after GSP
//! init) and leave GSP-RM out of step; the model keeps GSP-RM's.
//!
//! The instance block's page directory words (open-gpu-kernel-modules
//! `published/pascal/gp100/dev_ram.h`, which GA102's header no longer
//! lists): at byte 0x200 `PAGE_DIR_BASE_TARGET` 1:0, `_VOL` 2,
//! `USE_NEW_PT_FORMAT` 10, `BIG_PAGE_SIZE` 11 (1: 64 KiB),
//! `PAGE_DIR_BASE_LO` 31:12; 0x204 `_HI`; 0x208 `ADR_LIMIT_LO` 31:12
//! (RM writes the limit's low word `| 0xfff`,
//! `kbusInstBlkWriteAddrLimit_GP100`: the last byte's address); 0x20c
//! `_HI`. The chip reads the block when it is bound; the model latches
//! the page directory base and the limit then.
//!
//! An access translates through the hub TLB (`dev::mmu`) with the block's
//! page directory base, split at page boundaries (an access never spans
//! two translations):
//! - a page: the bytes go to VRAM or, through the system memory
//!   apertures, to guest memory; a write through a `READ_ONLY` PTE, or a
//!   page in WPR2 or in GSP-RM's reserved memory (`dev::reserved`), is
//!   refused;
//! - a sparse range (gp100-mmu-format: invalid with VOL): reads 0, writes
//!   are dropped, no fault; RM keeps all of BAR1 sparse that it has not
//!   mapped (OpenRM `kbusInitBar1_GM107`), so a stray access is harmless;
//! - anything else (an invalid entry, a VA past the limit, an unbound
//!   BAR1) is a fault: the access is refused (reads 0, writes dropped),
//!   logged as an error and counted. What a chip returns to the CPU then
//!   is not published (RM avoids the case by keeping BAR1 sparse).
//!
//! A BAR1 read also flushes the host's posted writes (`vram::pending`):
//! nouveau `r535_bar_flush` flushes by reading through BAR2, OpenRM
//! `kbusFlushSingle_GV100` by reading FB through a BAR mapping. The read's
//! own translation comes first, with what the MMU saw until then.
//!
//! Each access's translation is also checked against the tables as the
//! GPU sees them ([`stale`]): a TLB answer that differs (the driver
//! changed a mapping, the change reached the GPU with a flush, and the
//! mapping was used without an invalidate) is a driver defect, logged
//! once per VA page; the access still goes where the TLB says, as on a
//! chip. A change not yet flushed is no difference: the GPU does not see
//! it either.
//!
//! The control port's probe (`translate bar1`) is no access: it answers
//! from a TLB hit if there is one, else from a walk that fills nothing
//! ([`super::mmu::Mmu::peek`]), and counts nothing.

mod stale;

use super::reserved::{self, Zone};
use super::Hw;
use crate::gsp_rm::gmmu::{Fault, GpuMemory, Mapping, PageSize, Phys, Translation};
use crate::guest_mem::GuestMemory;
use log::{debug, error, warn};
use nvgsp_proto::bus;
use stale::Fresh;
use std::fmt;
use std::ops::Range;

/// `NV_PBUS_BAR1_BLOCK` (and the VF register)'s fields.
pub mod block {
    /// PTR 27:0: the instance block's address >> 12.
    pub const PTR: u32 = 0x0fff_ffff;
    /// `_PTR`'s shift (`GF100_BUS_INSTANCEBLOCK_SHIFT`).
    pub const PTR_SHIFT: u32 = 12;
    /// TARGET 29:28.
    pub const TARGET_SHIFT: u32 = 28;
    /// `_TARGET_VID_MEM`.
    pub const TARGET_VID_MEM: u32 = 0;
    /// MODE 31: `_VIRTUAL` (through the instance block's page tables).
    pub const MODE_VIRTUAL: u32 = 1 << 31;
}

/// The instance block's words the MMU reads for BAR1 (`NV_RAMIN_*`).
pub mod ramin {
    /// Byte offset of `PAGE_DIR_BASE_TARGET` .. `_LO` (word 128);
    /// `PAGE_DIR_BASE_HI`, `ADR_LIMIT_LO` and `_HI` are the next three
    /// words.
    pub const PAGE_DIR_BASE: u64 = 128 * 4;
    /// `PAGE_DIR_BASE_TARGET` 1:0: 0 video, 2 and 3 system memory.
    pub const TARGET: u32 = 3;
    /// `USE_NEW_PT_FORMAT` (page table format version 2).
    pub const USE_NEW_PT_FORMAT: u32 = 1 << 10;
    /// `BIG_PAGE_SIZE_64KB`.
    pub const BIG_PAGE_SIZE_64KB: u32 = 1 << 11;
    /// `PAGE_DIR_BASE_LO` and `ADR_LIMIT_LO`: address bits 31:12.
    pub const ADDR_LO: u32 = 0xffff_f000;
}

/// The model's reason for refusing a driver's write of the binding.
pub const BINDING_IS_GSP_RMS: &str = "GSP-RM owns the BAR1/BAR2 binding";

/// BAR1 as bound: what the MMU read from the instance block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The instance block.
    pub inst: u64,
    /// Its page directory base: the root (PD3) of BAR1's VA space.
    pub pdb: Phys,
    /// The last valid offset (`ADR_LIMIT`).
    pub limit: u64,
}

/// The binding registers: BAR1's as GSP-RM wrote it, BAR2's (not
/// modelled: it reads 0), their bind status (nothing is ever pending);
/// and, while bound, what the stale-translation check keeps.
#[derive(Debug, Default)]
pub struct Bar1 {
    block: u32,
    binding: Option<Binding>,
    fresh: Fresh,
}

impl Bar1 {
    /// Whether `off` is one of the binding registers: the virtual
    /// function's and the legacy `NV_PBUS_*` ones (open-gpu-doc
    /// `turing/tu104/dev_bus.ref.txt`), which the model takes as the
    /// same binding.
    pub fn owns(off: u32) -> bool {
        matches!(
            off,
            bus::BAR1_BLOCK
                | bus::BAR2_BLOCK
                | bus::BIND_STATUS
                | bus::PBUS_BAR1_BLOCK
                | bus::PBUS_BAR2_BLOCK
        )
    }

    /// Reads binding register `off`.
    pub fn read(&self, off: u32) -> Option<u32> {
        Some(match off {
            bus::BAR1_BLOCK | bus::PBUS_BAR1_BLOCK => self.block,
            bus::BAR2_BLOCK | bus::PBUS_BAR2_BLOCK | bus::BIND_STATUS => 0,
            _ => return None,
        })
    }

    /// The binding, if BAR1 is bound in virtual mode.
    pub fn binding(&self) -> Option<Binding> {
        self.binding
    }
}

/// The instance block's page directory base and limit, from its words
/// at [`ramin::PAGE_DIR_BASE`] (four: base low and high, limit low and
/// high).
pub fn decode_instance_block(w: [u32; 4]) -> Result<(Phys, u64), String> {
    if w[0] & ramin::USE_NEW_PT_FORMAT == 0 {
        return Err(format!(
            "page directory word {:#010x} without USE_NEW_PT_FORMAT: the model walks format 2 only",
            w[0]
        ));
    }
    if w[0] & ramin::BIG_PAGE_SIZE_64KB == 0 {
        return Err(format!(
            "page directory word {:#010x} asks for 128 KiB big pages, which format 2 lacks",
            w[0]
        ));
    }
    let base = u64::from(w[1]) << 32 | u64::from(w[0] & ramin::ADDR_LO);
    let pdb = match w[0] & ramin::TARGET {
        0 => Phys::Video(base),
        2 | 3 => Phys::Sys(base),
        t => return Err(format!("page directory target {t} is undefined")),
    };
    let limit = u64::from(w[3]) << 32 | u64::from(w[2] & ramin::ADDR_LO) | 0xfff;
    Ok((pdb, limit))
}

/// What the host's accesses did that a test asserts on: the control
/// port's `bar1` query. Kept across function resets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// BAR1 accesses refused: unbound, past the limit, an MMU fault, a
    /// read-only page written, a page in protected memory.
    pub faults: u64,
    /// BAR1 accesses that went (in part) to a sparse range.
    pub sparse: u64,
    /// Driver defects: binding writes, PRAMIN accesses refused or landing
    /// in GSP-RM's reserved memory (BAR1's PD3 beyond its first entry
    /// included), BAR1 pages used through a stale translation, BAR1's PD3
    /// entry not given back to GSP-RM when it unloads.
    pub defects: u64,
}

/// Why a BAR1 access was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// BAR1 is not bound.
    Unbound,
    /// The offset is past the instance block's limit.
    Limit {
        /// The limit (the last valid offset).
        limit: u64,
    },
    /// The MMU faulted.
    Fault(Fault),
    /// A write through a read-only PTE.
    ReadOnly {
        /// Where the page is.
        at: Phys,
    },
    /// The page is in WPR2 or GSP-RM's reserved memory.
    Protected {
        /// Where.
        at: Phys,
        /// Which.
        zone: Zone,
    },
    /// Nothing backs the address.
    Unreachable {
        /// Where.
        at: Phys,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Unbound => write!(f, "BAR1 is not bound (GSP-RM is not running)"),
            Refusal::Limit { limit } => write!(
                f,
                "beyond the instance block's limit {limit:#x} (VA_LIMIT_VIOLATION fault)"
            ),
            Refusal::Fault(fault) => write!(f, "MMU fault: {fault}"),
            Refusal::ReadOnly { at } => write!(f, "the page at {at} is read-only"),
            Refusal::Protected { at, zone } => write!(
                f,
                "the page at {at} is in {}",
                if *zone == Zone::Wpr2 {
                    "WPR2"
                } else {
                    "GSP-RM's reserved memory"
                }
            ),
            Refusal::Unreachable { at } => write!(f, "nothing backs {at}"),
        }
    }
}

impl Refusal {
    /// The probe's answer for a refused translation: `unbound`, or the
    /// fault as `translate` words it.
    pub fn describe(&self) -> String {
        match self {
            Refusal::Unbound => "unbound".into(),
            Refusal::Limit { .. } => "fault pd3 va-limit".into(),
            Refusal::Fault(f) => f.describe(),
            other => format!("refused {other}"),
        }
    }
}

/// One BAR1 access.
enum Access<'a> {
    Read(&'a mut [u8]),
    Write(&'a [u8]),
}

impl Access<'_> {
    fn len(&self) -> usize {
        match self {
            Access::Read(d) => d.len(),
            Access::Write(d) => d.len(),
        }
    }

    fn is_write(&self) -> bool {
        matches!(self, Access::Write(_))
    }

    fn name(&self) -> &'static str {
        if self.is_write() {
            "write"
        } else {
            "read"
        }
    }
}

/// Bytes from `va` to the end of its `span`-byte aligned block.
fn rest_of(va: u64, span: u64) -> u64 {
    span - (va & (span - 1))
}

impl Hw {
    /// Binds BAR1 to the instance block `value` names (GSP-RM's write of
    /// `NV_VIRTUAL_FUNCTION_PRIV_BAR1_BLOCK`): the MMU reads the block's
    /// page directory base and limit. Unbinds if it cannot.
    pub fn bind_bar1(&mut self, value: u32) -> Result<Binding, String> {
        self.bar0.bar1 = Bar1 {
            block: value,
            ..Bar1::default()
        };
        if value & block::MODE_VIRTUAL == 0 {
            return Err("physical mode is not modelled".into());
        }
        let target = (value >> block::TARGET_SHIFT) & 3;
        if target != block::TARGET_VID_MEM {
            return Err(format!(
                "instance block target {target}: the model reads instance blocks in VRAM only"
            ));
        }
        let inst = u64::from(value & block::PTR) << block::PTR_SHIFT;
        let vram = self.vram.as_ref().ok_or("no VRAM")?;
        let mut b = [0u8; 16];
        vram.read_gpu(inst + ramin::PAGE_DIR_BASE, &mut b)
            .ok_or_else(|| format!("instance block {inst:#x} beyond VRAM"))?;
        let w = std::array::from_fn(|i| u32::from_le_bytes([0, 1, 2, 3].map(|j| b[4 * i + j])));
        let (pdb, limit) = decode_instance_block(w)?;
        let binding = Binding { inst, pdb, limit };
        self.bar0.bar1.binding = Some(binding);
        Ok(binding)
    }

    /// Leaves BAR1 unbound (GSP-RM unloaded).
    pub fn unbind_bar1(&mut self) {
        self.bar0.bar1 = Bar1::default();
    }

    /// The binding, if `va` is inside it.
    fn bar1_bound(&self, va: u64) -> Result<Binding, Refusal> {
        let b = self.bar0.bar1.binding().ok_or(Refusal::Unbound)?;
        if va > b.limit {
            return Err(Refusal::Limit { limit: b.limit });
        }
        Ok(b)
    }

    /// Translates BAR1 offset `va` as the MMU does for a host access,
    /// through the hub TLB.
    pub fn bar1_translate(&mut self, mem: &GpuMemory, va: u64) -> Result<Translation, Refusal> {
        let b = self.bar1_bound(va)?;
        self.bar0
            .mmu
            .translate(mem, b.pdb, va)
            .map_err(Refusal::Fault)
    }

    /// What [`Hw::bar1_translate`] would answer, leaving the TLB as it is.
    pub fn bar1_peek(&self, mem: &GpuMemory, va: u64) -> Result<Translation, Refusal> {
        let b = self.bar1_bound(va)?;
        self.bar0.mmu.peek(mem, b.pdb, va).map_err(Refusal::Fault)
    }

    /// The stale-translation check ([`stale`]) of an access (`what`) at
    /// `va` the TLB answered `tlb` for: if a walk of the tables as the GPU
    /// sees them now says otherwise, a driver defect, logged and counted
    /// once per VA page.
    fn bar1_check_fresh(
        &mut self,
        mem: &GpuMemory,
        va: u64,
        tlb: &Result<Translation, Refusal>,
        what: &str,
    ) {
        let tlb = match tlb {
            Ok(t) => Ok(*t),
            Err(Refusal::Fault(f)) => Err(f.clone()),
            Err(_) => return,
        };
        let Some(b) = self.bar0.bar1.binding() else {
            return;
        };
        let generation = self.vram.as_ref().map_or(0, |v| v.generation());
        let fresh = self.bar0.bar1.fresh.walk(mem, generation, b.pdb, va);
        if fresh == tlb {
            return;
        }
        let (start, size) = stale::page_of(va, &tlb);
        if !self.bar0.bar1.fresh.first_report(start, size) {
            return;
        }
        warn!(
            "bar1: driver defect: stale BAR1 translation: the driver changed a mapping without invalidating: a {what} at offset {va:#x} went through the TLB to {}, where the tables say {}",
            stale::describe(va, &tlb),
            stale::describe(va, &fresh)
        );
        self.counters.defects += 1;
    }

    /// Where `len` bytes at `va`, inside page `m`, land for a host access
    /// (`write` or not), or why the access is refused.
    fn bar1_target(&self, m: &Mapping, va: u64, len: u64, write: bool) -> Result<Phys, Refusal> {
        let at = m.at(va);
        if write && m.attrs.read_only {
            return Err(Refusal::ReadOnly { at });
        }
        if let Phys::Video(a) = at {
            let size = self.vram.as_ref().map_or(0, |v| v.size());
            if a.checked_add(len).is_none_or(|end| end > size) {
                return Err(Refusal::Unreachable { at });
            }
            let zone = reserved::zone(a..a + len, self.bar0.wpr2(), self.rm_reserved.as_ref());
            if zone != Zone::Free {
                return Err(Refusal::Protected { at, zone });
            }
        }
        Ok(at)
    }

    /// Moves the bytes `range` of `access` to or from `at`.
    fn bar1_io(
        &self,
        sys: &GuestMemory,
        at: Phys,
        access: &mut Access<'_>,
        range: Range<usize>,
    ) -> Result<(), Refusal> {
        let vram = self.vram.as_ref();
        let done = match (at, access) {
            (Phys::Video(a), Access::Read(d)) => vram.and_then(|v| v.read(a, &mut d[range])),
            (Phys::Video(a), Access::Write(d)) => vram.and_then(|v| v.write_bar1(a, &d[range])),
            (Phys::Sys(a), Access::Read(d)) => sys.read(a, &mut d[range]).ok(),
            (Phys::Sys(a), Access::Write(d)) => sys.write(a, &d[range]).ok(),
        };
        done.ok_or(Refusal::Unreachable { at })
    }

    /// One access at BAR1 offset `offset` (system memory pages reached
    /// through `sys`): translated piece by piece, each translation checked
    /// against the tables, refused or sparse bytes read as 0; one error
    /// line and one count for a refused access.
    fn bar1_access(&mut self, sys: &GuestMemory, offset: u64, mut access: Access<'_>) {
        let mem = GpuMemory {
            sys: sys.clone(),
            vram: self.vram.clone(),
        };
        let len = access.len();
        let write = access.is_write();
        let mut refused = None;
        let mut sparse = false;
        let mut done = 0;
        while done < len {
            let va = offset + done as u64;
            let left = (len - done) as u64;
            let translated = self.bar1_translate(&mem, va);
            self.bar1_check_fresh(&mem, va, &translated, access.name());
            let (n, result) = match translated {
                Ok(Translation::Mapped(m)) => {
                    let n = rest_of(va, m.size.bytes()).min(left);
                    let range = done..done + n as usize;
                    let r = self.bar1_target(&m, va, n, write).and_then(|at| {
                        self.bar1_io(sys, at, &mut access, range)?;
                        Ok(at)
                    });
                    // A write into a table the check walked: walk again.
                    if let (true, Ok(Phys::Video(a))) = (write, &r) {
                        self.bar0.bar1.fresh.wrote(*a..*a + n);
                    }
                    (n, r.map(|_| true))
                }
                Ok(Translation::Sparse(level)) => {
                    sparse = true;
                    (rest_of(va, 1 << level.shift()).min(left), Ok(false))
                }
                Err(r) => (rest_of(va, PageSize::Small.bytes()).min(left), Err(r)),
            };
            let n = n as usize;
            let moved = result.unwrap_or_else(|r| {
                refused.get_or_insert(r);
                false
            });
            if let (false, Access::Read(d)) = (moved, &mut access) {
                d[done..done + n].fill(0);
            }
            done += n;
        }
        let what = access.name();
        if let Some(r) = refused {
            error!("bar1 fault: {what} of {len} bytes at offset {offset:#x} refused: {r}");
            self.counters.faults += 1;
        }
        if sparse {
            debug!("bar1: {what} of {len} bytes at offset {offset:#x} in a sparse range");
            self.counters.sparse += 1;
        }
        if !access.is_write() {
            let flushed = self.vram.as_ref().map_or(0, |v| v.flush());
            if flushed != 0 {
                debug!("bar1: the read flushed {flushed} words of posted writes");
            }
        }
    }

    /// A CPU read of BAR1 at `offset` into `data`.
    pub fn bar1_read(&mut self, sys: &GuestMemory, offset: u64, data: &mut [u8]) {
        self.bar1_access(sys, offset, Access::Read(data));
    }

    /// A CPU write of `data` to BAR1 at `offset`.
    pub fn bar1_write(&mut self, sys: &GuestMemory, offset: u64, data: &[u8]) {
        self.bar1_access(sys, offset, Access::Write(data));
    }

    /// The control port's `translate bar1 OFFSET`: the translation as
    /// `translate` answers it, with `data D`, what an aligned 8-byte read
    /// there gets (`unreadable` if nothing backs it), or `refused ZONE`
    /// for a page in protected memory. A look, not an access: the TLB
    /// stays as it was, nothing is counted or flushed.
    pub fn bar1_probe(&self, mem: &GpuMemory, va: u64) -> String {
        let m = match self.bar1_peek(mem, va) {
            Ok(Translation::Mapped(m)) => m,
            Ok(t) => return t.describe(va),
            Err(r) => return r.describe(),
        };
        let at = va & !7;
        let data = match self.bar1_target(&m, at, 8, false) {
            Err(Refusal::Protected { zone, .. }) => format!("refused {}", zone.name()),
            Err(_) => "data unreadable".into(),
            Ok(p) => {
                let mut b = [0u8; 8];
                let mut access = Access::Read(&mut b);
                match self.bar1_io(&mem.sys, p, &mut access, 0..8) {
                    Ok(()) => format!("data {:#x}", u64::from_le_bytes(b)),
                    Err(_) => "data unreadable".into(),
                }
            }
        };
        format!("{} {data}", Translation::Mapped(m).describe(va))
    }

    /// The control port's `bar1`: `size S pdb video|sys A faults F sparse
    /// N defects D`, or `size S unbound faults ...`; numbers in hex but the
    /// counts.
    pub fn bar1_summary(&self) -> String {
        let c = self.counters;
        let bound = match self.bar0.bar1.binding() {
            Some(b) => format!("pdb {}", b.pdb),
            None => "unbound".into(),
        };
        format!(
            "size {:#x} {bound} faults {} sparse {} defects {}",
            self.bar1_size, c.faults, c.sparse, c.defects
        )
    }
}

#[cfg(test)]
mod tests;
