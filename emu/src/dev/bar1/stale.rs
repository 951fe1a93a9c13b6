//! The stale-translation check: what BAR1's tables say now, next to what
//! the TLB answered for an access.
//!
//! A driver that changes a BAR1 mapping must invalidate the TLB before
//! the mapping is used (nouveau `tu102_vmm_flush` after every change;
//! OpenRM `kbusFlush_GM107` then `busInvalidate`). The model keeps the
//! TLB's semantics (a missing invalidate still answers the old way, as a
//! chip would), and on each BAR1 access compares that answer with a walk
//! of the tables as the GPU sees them (flushed), which no TLB caches: if
//! they differ the driver changed the mapping and used it without
//! invalidating. A chip would silently reach the old page; the model says
//! so, once per VA page.
//!
//! A walk per access would cost as much as the access, so what a walk
//! found is kept per 4 KiB VA page until the memory under the tables may
//! have changed: a change of VRAM's generation (a flush landing posted
//! writes, GSP-RM writing: `vram::VramView::generation`), or a BAR1 write
//! into a page the kept walks read an entry from (BAR1's data writes do
//! not move the generation). A walk that read an entry in system memory,
//! which the guest changes without the emulator seeing it, is not kept.

use crate::gsp_rm::gmmu::{self, Fault, GpuMemory, Phys, PhysMemory, Translation};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// The most walks kept before they are all dropped (one per 4 KiB page
/// of a 256 MiB BAR1), so that a guest cannot make the emulator hoard
/// memory.
const MAX_WALKS: usize = 1 << 16;

const PAGE_SHIFT: u32 = 12;

/// A walk's memory that notes where it read.
struct Noting<'a> {
    mem: &'a GpuMemory,
    read: RefCell<Vec<Phys>>,
}

impl PhysMemory for Noting<'_> {
    fn read_u64(&self, at: Phys) -> Result<u64, String> {
        self.read.borrow_mut().push(at);
        self.mem.read_u64(at)
    }
}

/// What the tables say, per VA page, while they stay as they were; the
/// pages already reported.
#[derive(Debug, Default)]
pub struct Fresh {
    /// The VRAM generation the kept walks were made at.
    generation: u64,
    /// Per 4 KiB VA page (VA >> 12), what a walk found.
    walks: HashMap<u64, Result<Translation, Fault>>,
    /// The 4 KiB VRAM pages (address >> 12) the kept walks read from.
    tables: HashSet<u64>,
    /// The VA pages reported stale: (start, size) of the TLB's answer.
    reported: HashSet<(u64, u64)>,
}

impl Fresh {
    /// Drops the kept walks.
    fn forget(&mut self) {
        self.walks.clear();
        self.tables.clear();
    }

    /// What a walk of the tables under `pdb` finds for `va` in `mem` as
    /// the GPU sees it at VRAM generation `generation`, without a TLB.
    pub fn walk(
        &mut self,
        mem: &GpuMemory,
        generation: u64,
        pdb: Phys,
        va: u64,
    ) -> Result<Translation, Fault> {
        if generation != self.generation {
            self.forget();
            self.generation = generation;
        }
        let page = va >> PAGE_SHIFT;
        if let Some(r) = self.walks.get(&page) {
            return r.clone();
        }
        let noting = Noting {
            mem,
            read: RefCell::default(),
        };
        let found = gmmu::translate(&noting, pdb, va);
        let read = noting.read.into_inner();
        let in_vram: Option<Vec<u64>> = read
            .iter()
            .map(|p| match p {
                Phys::Video(a) => Some(a >> PAGE_SHIFT),
                Phys::Sys(_) => None,
            })
            .collect();
        if let Some(pages) = in_vram {
            if self.walks.len() >= MAX_WALKS {
                self.forget();
            }
            self.tables.extend(pages);
            self.walks.insert(page, found.clone());
        }
        found
    }

    /// BAR1 wrote the VRAM `range`: the kept walks go if it holds an
    /// entry they read.
    pub fn wrote(&mut self, range: Range<u64>) {
        if range.is_empty() || self.tables.is_empty() {
            return;
        }
        let pages = range.start >> PAGE_SHIFT..=(range.end - 1) >> PAGE_SHIFT;
        if pages.into_iter().any(|p| self.tables.contains(&p)) {
            self.forget();
        }
    }

    /// Whether the VA page of `size` bytes at `start` is reported for the
    /// first time (and is reported from now on).
    pub fn first_report(&mut self, start: u64, size: u64) -> bool {
        self.reported.insert((start, size))
    }
}

/// The VA page `va` is in according to `t` (the TLB's answer): its start
/// and size; a 4 KiB page for a fault.
pub fn page_of(va: u64, t: &Result<Translation, Fault>) -> (u64, u64) {
    let size = match t {
        Ok(Translation::Mapped(m)) => m.size.bytes(),
        Ok(Translation::Sparse(level)) => 1 << level.shift(),
        Err(_) => 1 << PAGE_SHIFT,
    };
    (va & !(size - 1), size)
}

/// How the probe and the log word a translation or a fault at `va`.
pub fn describe(va: u64, t: &Result<Translation, Fault>) -> String {
    match t {
        Ok(t) => t.describe(va),
        Err(f) => f.describe(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vram::Vram;

    /// A PD3 at VRAM 0 whose first entry is sparse, then invalid.
    #[test]
    fn walks_are_kept_until_the_memory_under_them_changes() {
        let v = Vram::new(1 << 20).unwrap();
        let view = v.view().unwrap();
        let mem = GpuMemory {
            sys: Default::default(),
            vram: Some(view.clone()),
        };
        let sparse = 1u64 << 3;
        view.write(0, &sparse.to_le_bytes()).unwrap();
        let mut f = Fresh::default();
        let g = view.generation();
        let sparse_pd3 = Ok(Translation::Sparse(gmmu::Level::Pd3));
        assert_eq!(f.walk(&mem, g, Phys::Video(0), 0x1234), sparse_pd3);
        // Changed behind the kept walk (BAR1's data writes do not move the
        // generation): the walk stays until BAR1 says it wrote there.
        view.write_bar1(0, &0u64.to_le_bytes()).unwrap();
        assert_eq!(f.walk(&mem, g, Phys::Video(0), 0x1234), sparse_pd3);
        f.wrote(0x2000..0x2008);
        assert_eq!(f.walk(&mem, g, Phys::Video(0), 0x1234), sparse_pd3);
        f.wrote(0xff8..0x1008);
        let invalid = f.walk(&mem, g, Phys::Video(0), 0x1234);
        assert_eq!(invalid.unwrap_err().reason(), "no-entry");
        // A new generation: walked again.
        view.write(0, &sparse.to_le_bytes()).unwrap();
        assert!(f.walk(&mem, g, Phys::Video(0), 0x1234).is_err());
        let g = view.generation();
        assert_eq!(f.walk(&mem, g, Phys::Video(0), 0x1234), sparse_pd3);
        // A walk that read system memory is not kept (none is mapped here:
        // it faults reading the root).
        assert!(f.walk(&mem, g, Phys::Sys(0x1000), 0).is_err());
        assert!(!f.walks.contains_key(&0));
        assert_eq!(f.walks.len(), 1);
        // Each page is reported once.
        assert!(f.first_report(0x1000, 0x1000));
        assert!(!f.first_report(0x1000, 0x1000));
        assert!(f.first_report(0x1000, 0x1_0000));
    }

    #[test]
    fn pages_of_translations() {
        let fault = Err(Fault {
            level: gmmu::Level::SmallPt,
            why: gmmu::Why::NoEntry { entry: 0 },
        });
        assert_eq!(page_of(0x1_2345, &fault), (0x1_2000, 0x1000));
        let sparse = Ok(Translation::Sparse(gmmu::Level::Pd0));
        assert_eq!(page_of(0x1_2345, &sparse), (0, 2 << 20));
    }
}
