// SPDX-License-Identifier: GPL-2.0

//! [`PageTables`]: one GPU VA space's page tables, which the driver owns
//! (with GSP-RM, the kernel driver does: nouveau r535 `vmm.c`), in
//! coherent system memory. The format allows system memory tables
//! (directory entries and the instance block name an aperture); nouveau
//! keeps them in VRAM, which the core cannot write yet (it has no BAR2 or
//! PRAMIN path), so the core keeps them in memory it can.
//!
//! A mapping of VRAM uses the largest page its VA, its address and what is
//! left of its length allow: 2 MiB as a PTE in PD0, 64 KiB in a big page
//! table (a PD0 entry's big half), 4 KiB in a page table (the small half).
//! System memory is mapped in 4 KiB pages only, as nouveau maps host
//! memory (`gp100_vmm_page`: 64 KiB and 2 MiB pages are `SVxC`, VRAM
//! only). An unmap that cuts a page keeps the rest of it mapped with
//! smaller pages, each switch published by one 8-byte store after a DMA
//! write barrier: a 2 MiB PTE becomes a big page table of the same 32
//! pages; a 64 KiB page's surviving 4 KiB pages are written in the small
//! table before its big PTE is cleared (a cleared big PTE sends the walk
//! to the small table: nouveau `nvkm_vmm_unref_sptes`).
//!
//! Tables are 4 KiB each (a big page table uses the first 256 bytes), made
//! as mappings need them. The GPU caches directory entries, so a table
//! may be unlinked only when the owner invalidates the TLB afterwards
//! (`mmu/tlb.rs`): by default tables stay linked once made, empty or not.
//! With [`PageTables::retiring`], a table left empty is unlinked and kept
//! until [`PageTables::flushed`] says the TLB was invalidated since.

use kernel::{
    device,
    dma::Coherent,
    prelude::*,
    sync::barrier::{
        dma_mb,
        Write, //
    },
};

use crate::{
    dma::{
        read_u64,
        write_u64, //
    },
    proto::mmu::{
        self,
        Aperture,
        PageSize,
        BIG_PT,
        FORMAT,
        LEVELS,
        PD0, //
    },
};
use kernel::num::casts::{
    arch::u64_as_usize,
    usize_as_u64, //
};

/// Bytes of every table the core makes (PD3 uses its first 0x20, a big
/// page table its first 0x100).
pub(crate) const TABLE_SIZE: usize = 0x1000;
/// [`TABLE_SIZE`] as the bytes held are counted.
const TABLE_BYTES: u64 = 0x1000;
const _: () = assert!(TABLE_BYTES == usize_as_u64(TABLE_SIZE));

/// Memory a table lives in: its address and single 8-byte loads and
/// stores.
pub(crate) trait TableMemory {
    /// Its address in [`Self::aperture`].
    fn addr(&self) -> u64;
    /// Where it is, as the directory entry naming it says: coherent
    /// system memory unless said otherwise.
    fn aperture(&self) -> Aperture {
        Aperture::SysCoherent
    }
    /// The u64 at `off`.
    fn read(&self, off: usize) -> Result<u64>;
    /// Stores `v` at `off` in one store (the GPU may read it at any time).
    fn write(&self, off: usize, v: u64) -> Result;
    /// Orders the stores before it ahead of those after it, for the GPU
    /// (`dma_wmb`): called before the store that publishes what the
    /// earlier ones wrote.
    fn publish(&self);
}

/// Where new tables come from.
pub(crate) trait TableAlloc {
    /// The memory of one table.
    type Mem: TableMemory;
    /// A zeroed table of [`TABLE_SIZE`] bytes.
    fn alloc(&self) -> Result<Self::Mem>;
}

impl TableMemory for Coherent<[u8]> {
    fn addr(&self) -> u64 {
        self.dma_address()
    }

    fn read(&self, off: usize) -> Result<u64> {
        read_u64(self, off)
    }

    fn write(&self, off: usize, v: u64) -> Result {
        write_u64(self, off, v)
    }

    fn publish(&self) {
        dma_mb(Write);
    }
}

/// Tables in coherent memory of the GPU's PCI device.
pub(crate) struct DeviceTables<'a>(pub(crate) &'a device::Device<device::Bound>);

impl TableAlloc for DeviceTables<'_> {
    type Mem = Coherent<[u8]>;

    fn alloc(&self) -> Result<Coherent<[u8]>> {
        Coherent::<u8>::zeroed_slice(self.0, TABLE_SIZE, GFP_KERNEL)
    }
}

/// No new tables: for unmaps that cut no page (exactly a mapping's own
/// range), which need none.
pub(crate) struct NoTables<M>(core::marker::PhantomData<M>);

impl<M> NoTables<M> {
    pub(crate) fn new() -> Self {
        NoTables(core::marker::PhantomData)
    }
}

impl<M: TableMemory> TableAlloc for NoTables<M> {
    type Mem = M;

    fn alloc(&self) -> Result<M> {
        Err(ENOMEM)
    }
}

/// One table, and the tables its entries name.
struct Table<M> {
    mem: M,
    /// Entries in use: valid PTEs, or named tables and 2 MiB PTEs.
    live: u32,
    /// (entry index, table): the next level's tables; in PD0, the small
    /// page tables (small halves).
    children: KVec<(u64, KBox<Table<M>>)>,
    /// PD0 only: the big page tables (big halves).
    big: KVec<(u64, KBox<Table<M>>)>,
}

fn position<M>(list: &KVec<(u64, KBox<Table<M>>)>, index: u64) -> Option<usize> {
    list.iter().position(|(i, _)| *i == index)
}

/// `NV_MMU_VER2_PTE_ADDRESS_*` (53:8): the frame a PTE maps.
const PTE_ADDRESS: u64 = ((1 << 54) - 1) & !0xff;

/// The page an entry maps, if it is a valid PTE (`NV_MMU_VER2_PTE_VALID`,
/// which in PD0's big half is `IS_PTE`): the entry and the page's
/// address.
fn page_of(entry: u64) -> Option<(u64, u64)> {
    (entry & 1 != 0).then_some((entry, (entry & PTE_ADDRESS) << 4))
}

/// `pte` moved to `addr`, its other fields (aperture, volatile, kind,
/// privilege, read-only) kept.
fn moved(pte: u64, addr: u64) -> u64 {
    (pte & !PTE_ADDRESS) | ((addr >> 4) & PTE_ADDRESS)
}

/// Bytes of a PD0 entry (two halves of 8).
const PD0_ENTRY: u64 = 16;

impl<M: TableMemory> Table<M> {
    /// A new table, not counted in the bytes held until it is linked.
    fn new(alloc: &impl TableAlloc<Mem = M>) -> Result<Self> {
        Ok(Table {
            mem: alloc.alloc()?,
            live: 0,
            children: KVec::new(),
            big: KVec::new(),
        })
    }

    /// Links `table` at `off` of this table, under entry `index` of
    /// `list`, with `entry`: the table's contents are published first.
    /// Fails with nothing linked.
    fn link(
        &mut self,
        big: bool,
        index: u64,
        off: u64,
        table: KBox<Table<M>>,
        entry: u64,
        bytes: &mut u64,
    ) -> Result<usize> {
        let list = if big {
            &mut self.big
        } else {
            &mut self.children
        };
        list.push((index, table), GFP_KERNEL)?;
        let at = list.len() - 1;
        self.mem.publish();
        if let Err(e) = self.mem.write(u64_as_usize(off), entry) {
            let list = if big {
                &mut self.big
            } else {
                &mut self.children
            };
            let _ = list.pop();
            return Err(e);
        }
        *bytes += TABLE_BYTES;
        Ok(at)
    }

    /// The table entry `index` of this level-`level` table names (for
    /// PD0: its small half), made and linked if missing.
    ///
    /// # Errors
    ///
    /// `EBUSY` if the entry names something the core did not make (GSP-RM's
    /// own tables), `ENOMEM`.
    fn child(
        &mut self,
        alloc: &impl TableAlloc<Mem = M>,
        bytes: &mut u64,
        level: usize,
        index: u64,
    ) -> Result<&mut Table<M>> {
        let at = match position(&self.children, index) {
            Some(at) => at,
            None => {
                let off = if level == PD0 {
                    index * PD0_ENTRY + 8
                } else {
                    index * FORMAT[level].entry_size
                };
                if self.mem.read(u64_as_usize(off))? != 0 {
                    return Err(EBUSY);
                }
                let table = KBox::new(Table::new(alloc)?, GFP_KERNEL)?;
                let entry = mmu::pde(table.mem.aperture(), table.mem.addr());
                let at = self.link(false, index, off, table, entry, bytes)?;
                self.live += 1;
                at
            }
        };
        Ok(&mut self.children[at].1)
    }

    /// PD0 only: the big page table of entry `index`, made and linked if
    /// missing. A 2 MiB PTE there is replaced by the same 32 pages.
    fn big_child(
        &mut self,
        alloc: &impl TableAlloc<Mem = M>,
        bytes: &mut u64,
        index: u64,
    ) -> Result<&mut Table<M>> {
        if let Some(at) = position(&self.big, index) {
            return Ok(&mut self.big[at].1);
        }
        let off = index * PD0_ENTRY;
        let old = self.mem.read(u64_as_usize(off))?;
        let huge = page_of(old);
        if huge.is_none() && old != 0 {
            return Err(EBUSY);
        }
        let mut table = KBox::new(Table::new(alloc)?, GFP_KERNEL)?;
        if let Some((pte, addr)) = huge {
            let step = PageSize::Big.bytes();
            for i in 0..BIG_PT.entries() {
                let off = u64_as_usize(i * BIG_PT.entry_size);
                table.mem.write(off, moved(pte, addr + i * step))?;
            }
            table.live = 32;
        }
        let entry = mmu::big_pde(table.mem.aperture(), table.mem.addr());
        // One store: the walk sees the 2 MiB page or the same pages in
        // the big table, never neither.
        let at = self.link(true, index, off, table, entry, bytes)?;
        if huge.is_none() {
            self.live += 1;
        }
        Ok(&mut self.big[at].1)
    }
}

/// A VA space's tables, rooted at a PD3.
pub(crate) struct PageTables<M> {
    root: Table<M>,
    /// Bytes of tables held, retired ones included.
    bytes: u64,
    /// Whether emptied tables are unlinked (the owner invalidates the TLB
    /// after each change and says so with [`Self::flushed`]).
    retiring: bool,
    /// Tables unlinked since the last TLB invalidate.
    retired: KVec<KBox<Table<M>>>,
}

impl<M: TableMemory> PageTables<M> {
    /// An empty VA space; its tables stay linked once made.
    pub(crate) fn new(alloc: &impl TableAlloc<Mem = M>) -> Result<Self> {
        let root = Table::new(alloc)?;
        Ok(PageTables {
            root,
            bytes: TABLE_BYTES,
            retiring: false,
            retired: KVec::new(),
        })
    }

    /// A VA space rooted at `root`, a PD3 someone else made (GSP-RM's, for
    /// BAR1): the entries it has stay, and an entry the core is to use must
    /// read 0 first ([`Self::directories`] and [`Self::map`] refuse to
    /// replace what they did not make).
    pub(crate) fn with_root(root: M) -> Self {
        PageTables {
            root: Table {
                mem: root,
                live: 0,
                children: KVec::new(),
                big: KVec::new(),
            },
            bytes: 0,
            retiring: false,
            retired: KVec::new(),
        }
    }

    /// The root's memory.
    pub(crate) fn root(&self) -> &M {
        &self.root.mem
    }

    /// Moves the root to `mem` (a copy of it, made elsewhere), keeping the
    /// tables it names; returns the old memory.
    pub(crate) fn replace_root(&mut self, mem: M) -> M {
        core::mem::replace(&mut self.root.mem, mem)
    }

    /// Calls `f` on every table, each after the tables it names and the
    /// root last (to write them all again, bottom up).
    pub(crate) fn for_each_table(&self, f: &mut impl FnMut(&M) -> Result) -> Result {
        fn walk<M>(t: &Table<M>, f: &mut impl FnMut(&M) -> Result) -> Result {
            for (_, c) in Iterator::chain(t.children.iter(), t.big.iter()) {
                walk(c, f)?;
            }
            f(&t.mem)
        }
        for t in self.retired.iter() {
            walk(t, f)?;
        }
        walk(&self.root, f)
    }

    /// Unlinks tables an unmap empties from now on: for an owner that
    /// invalidates the TLB after its changes.
    pub(crate) fn retiring(mut self) -> Self {
        self.retiring = true;
        self
    }

    /// Bytes of table memory held.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Frees the tables retired before the TLB invalidate that just
    /// completed.
    pub(crate) fn flushed(&mut self) {
        let freed = usize_as_u64(self.retired.len()) * TABLE_BYTES;
        self.retired.clear();
        self.bytes -= freed;
    }

    /// Makes the directories down to `depth` levels below the root for
    /// `va` and holds them (no unmap retires them: GSP-RM names its own
    /// tables in the last one); returns their bus addresses, the root's
    /// first.
    pub(crate) fn directories(
        &mut self,
        alloc: &impl TableAlloc<Mem = M>,
        va: u64,
        depth: usize,
    ) -> Result<KVec<u64>> {
        let mut out = KVec::new();
        out.push(self.root.mem.addr(), GFP_KERNEL)?;
        let mut table = &mut self.root;
        for (level, l) in FORMAT.iter().enumerate().take(depth.min(PD0)) {
            table = table.child(alloc, &mut self.bytes, level, l.index(va))?;
            out.push(table.mem.addr(), GFP_KERNEL)?;
        }
        table.live += 1;
        Ok(out)
    }

    /// Maps `len` bytes at `addr` in `aperture` at `va`: VRAM each step
    /// with the largest page that fits, system memory in 4 KiB pages.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a range not 4 KiB aligned, empty or past the VA;
    /// `EBUSY` if part of it is mapped, or a directory on its way names
    /// tables the core did not make (nothing of it is mapped then);
    /// `ENOMEM`. Directories made on the way stay.
    pub(crate) fn map(
        &mut self,
        alloc: &impl TableAlloc<Mem = M>,
        va: u64,
        addr: u64,
        len: u64,
        aperture: Aperture,
    ) -> Result {
        check_range(va, len)?;
        if addr % mmu::PAGE_SIZE != 0 || addr.checked_add(len).is_none() {
            return Err(EINVAL);
        }
        let mut done = 0;
        while done < len {
            let page = match aperture {
                Aperture::Video => PageSize::largest(va + done, addr + done, len - done),
                Aperture::SysCoherent | Aperture::SysNonCoherent => PageSize::Small,
            };
            let pte = mmu::pte(aperture, addr + done);
            match self.map_page(alloc, va + done, pte, page) {
                Ok(mapped) => done += mapped.bytes(),
                Err(e) => {
                    if done > 0 {
                        // Exactly what this call mapped: no page is cut.
                        let _ = self.unmap(&NoTables::new(), va, done);
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Maps one page of at most `page`'s size with `pte` at `va`; returns
    /// the size it mapped: a 2 MiB entry that names tables (with pages
    /// elsewhere in them, or kept linked empty) takes 64 KiB pages.
    fn map_page(
        &mut self,
        alloc: &impl TableAlloc<Mem = M>,
        va: u64,
        pte: u64,
        page: PageSize,
    ) -> Result<PageSize> {
        let bytes = &mut self.bytes;
        let mut pd0 = &mut self.root;
        for (level, l) in FORMAT.iter().enumerate().take(PD0) {
            pd0 = pd0.child(alloc, bytes, level, l.index(va))?;
        }
        let index = FORMAT[PD0].index(va);
        let off = u64_as_usize(index * PD0_ENTRY);
        let (big_half, small_half) = (pd0.mem.read(off)?, pd0.mem.read(off + 8)?);
        if page_of(big_half).is_some() {
            return Err(EBUSY);
        }
        let page = match page {
            PageSize::Huge if big_half != 0 || small_half != 0 => PageSize::Big,
            p => p,
        };
        match page {
            PageSize::Huge => {
                pd0.mem.write(off, pte)?;
                pd0.live += 1;
            }
            PageSize::Big => {
                // No 4 KiB page of the 64 KiB may be mapped either.
                if let Some(at) = position(&pd0.children, index) {
                    let small = &pd0.children[at].1;
                    let first = FORMAT[LEVELS - 1].index(va);
                    for i in first..first + 16 {
                        if page_of(small.mem.read(u64_as_usize(i * 8))?).is_some() {
                            return Err(EBUSY);
                        }
                    }
                }
                let table = pd0.big_child(alloc, bytes, index)?;
                let off = u64_as_usize(BIG_PT.index(va) * BIG_PT.entry_size);
                if page_of(table.mem.read(off)?).is_some() {
                    return Err(EBUSY);
                }
                table.mem.write(off, pte)?;
                table.live += 1;
            }
            PageSize::Small => {
                if let Some(at) = position(&pd0.big, index) {
                    let off = u64_as_usize(BIG_PT.index(va) * BIG_PT.entry_size);
                    if page_of(pd0.big[at].1.mem.read(off)?).is_some() {
                        return Err(EBUSY);
                    }
                }
                let table = pd0.child(alloc, bytes, PD0, index)?;
                let off = u64_as_usize(FORMAT[LEVELS - 1].index(va) * 8);
                if page_of(table.mem.read(off)?).is_some() {
                    return Err(EBUSY);
                }
                table.mem.write(off, pte)?;
                table.live += 1;
            }
        }
        Ok(page)
    }

    /// Unmaps whatever is mapped in `len` bytes at `va`. A page the range
    /// cuts keeps its other part mapped, with smaller pages (`alloc` gives
    /// the tables for them). Tables left empty are retired if the tables
    /// are [`Self::retiring`].
    ///
    /// # Errors
    ///
    /// `EINVAL` for a range not 4 KiB aligned, empty or past the VA;
    /// `ENOMEM` if a cut page needs a table and none can be had: that page
    /// stays whole, and parts of the rest of the range may stay mapped
    /// (unmapping the same range again finishes it).
    pub(crate) fn unmap(&mut self, alloc: &impl TableAlloc<Mem = M>, va: u64, len: u64) -> Result {
        check_range(va, len)?;
        let mut ctx = Unmap {
            alloc,
            bytes: &mut self.bytes,
            retiring: self.retiring,
            retired: &mut self.retired,
        };
        ctx.directory(&mut self.root, 0, va, va + len)
    }
}

fn check_range(va: u64, len: u64) -> Result {
    let end = va.checked_add(len).ok_or(EINVAL)?;
    if len == 0 || (va | len) % mmu::PAGE_SIZE != 0 || end > 1 << mmu::VA_BITS {
        return Err(EINVAL);
    }
    Ok(())
}

/// One unmap's state, through its walk.
struct Unmap<'a, A: TableAlloc> {
    alloc: &'a A,
    bytes: &'a mut u64,
    retiring: bool,
    retired: &'a mut KVec<KBox<Table<A::Mem>>>,
}

impl<A: TableAlloc> Unmap<'_, A> {
    /// Whether an emptied table is to be unlinked now: only when the
    /// owner flushes, and with room to keep it until then (else it stays
    /// linked, which the GPU accepts).
    fn may_retire(&mut self) -> bool {
        self.retiring && self.retired.reserve(1, GFP_KERNEL).is_ok()
    }

    /// Keeps `table`, just unlinked, until the next invalidate
    /// ([`Self::may_retire`] made room for it).
    fn retire(&mut self, table: KBox<Table<A::Mem>>) {
        if let Err(kernel::alloc::kvec::PushError(t)) = self.retired.push_within_capacity(table) {
            // Not reached after `may_retire`; leaked rather than freed
            // under the GPU's TLB.
            core::mem::forget(t);
        }
    }

    /// [`PageTables::unmap`] of `va..end` in `table`, of level `level`
    /// above PD0.
    fn directory(&mut self, table: &mut Table<A::Mem>, level: usize, va: u64, end: u64) -> Result {
        let span = 1u64 << FORMAT[level].shift;
        let mut at = va;
        while at < end {
            let next = ((at / span) + 1).saturating_mul(span).min(end);
            let index = FORMAT[level].index(at);
            if let Some(pos) = position(&table.children, index) {
                let child = &mut table.children[pos].1;
                if level + 1 == PD0 {
                    self.pd0(child, at, next)?;
                } else {
                    self.directory(child, level + 1, at, next)?;
                }
                if child.live == 0 && self.may_retire() {
                    let off = index * FORMAT[level].entry_size;
                    table.mem.write(u64_as_usize(off), 0)?;
                    let (_, child) = table.children.remove(pos).map_err(|_| EINVAL)?;
                    table.live -= 1;
                    self.retire(child);
                }
            }
            at = next;
        }
        Ok(())
    }

    /// The PD0 part: 2 MiB entries, big and small page tables.
    fn pd0(&mut self, pd0: &mut Table<A::Mem>, va: u64, end: u64) -> Result {
        let span = PageSize::Huge.bytes();
        let mut at = va;
        while at < end {
            let base = at & !(span - 1);
            let next = (base + span).min(end);
            let index = FORMAT[PD0].index(at);
            let off = u64_as_usize(index * PD0_ENTRY);
            if page_of(pd0.mem.read(off)?).is_some() {
                if at == base && next == base + span {
                    pd0.mem.write(off, 0)?;
                    pd0.live -= 1;
                    at = next;
                    continue;
                }
                // Cut: the same pages in a big table first.
                pd0.big_child(self.alloc, self.bytes, index)?;
            }
            if position(&pd0.big, index).is_some() {
                self.big(pd0, index, at, next)?;
            }
            if let Some(pos) = position(&pd0.children, index) {
                let small = &mut pd0.children[pos].1;
                clear(
                    small,
                    FORMAT[LEVELS - 1].index(at),
                    (next - at) / mmu::PAGE_SIZE,
                )?;
                if small.live == 0 && self.may_retire() {
                    pd0.mem.write(off + 8, 0)?;
                    let (_, t) = pd0.children.remove(pos).map_err(|_| EINVAL)?;
                    pd0.live -= 1;
                    self.retire(t);
                }
            }
            at = next;
        }
        Ok(())
    }

    /// The 64 KiB pages of PD0 entry `index` in `va..end`: cleared, or
    /// for one the range cuts, its other 4 KiB pages moved to the small
    /// table first.
    fn big(&mut self, pd0: &mut Table<A::Mem>, index: u64, va: u64, end: u64) -> Result {
        let span = PageSize::Big.bytes();
        let mut at = va;
        while at < end {
            let base = at & !(span - 1);
            let next = (base + span).min(end);
            let pos = position(&pd0.big, index).ok_or(EINVAL)?;
            let off = u64_as_usize(BIG_PT.index(at) * BIG_PT.entry_size);
            if let Some((pte, addr)) = page_of(pd0.big[pos].1.mem.read(off)?) {
                if at != base || next != base + span {
                    let small = pd0.child(self.alloc, self.bytes, PD0, index)?;
                    let mut page = base;
                    while page < base + span {
                        if page < at || page >= next {
                            let o = u64_as_usize(FORMAT[LEVELS - 1].index(page) * 8);
                            small.mem.write(o, moved(pte, addr + (page - base)))?;
                            small.live += 1;
                        }
                        page += mmu::PAGE_SIZE;
                    }
                }
                let big = &mut pd0.big[pos].1;
                // The 4 KiB pages are in place before the walk goes to them.
                big.mem.publish();
                big.mem.write(off, 0)?;
                big.live -= 1;
            }
            at = next;
        }
        let pos = position(&pd0.big, index).ok_or(EINVAL)?;
        if pd0.big[pos].1.live == 0 && self.may_retire() {
            pd0.mem.write(u64_as_usize(index * PD0_ENTRY), 0)?;
            let (_, t) = pd0.big.remove(pos).map_err(|_| EINVAL)?;
            pd0.live -= 1;
            self.retire(t);
        }
        Ok(())
    }
}

/// Clears the valid PTEs among `count` entries of `table` from `first`.
fn clear<M: TableMemory>(table: &mut Table<M>, first: u64, count: u64) -> Result {
    for i in first..first + count {
        let off = u64_as_usize(i * 8);
        if page_of(table.mem.read(off)?).is_some() {
            table.mem.write(off, 0)?;
            table.live -= 1;
        }
    }
    Ok(())
}

#[kunit_tests(nvgsp_core_page_tables)]
mod tests {
    use super::*;
    use core::cell::{
        Cell,
        RefCell, //
    };
    use kernel::sync::Arc;

    const K4: u64 = 0x1000;
    const K64: u64 = 0x1_0000;
    const M2: u64 = 0x20_0000;
    const TABLE: u64 = TABLE_BYTES;
    const VRAM: Aperture = Aperture::Video;
    const SYS: Aperture = Aperture::SysCoherent;

    /// A table's words, shared between the table and the test's registry
    /// so the test can walk entries the way the GPU does.
    struct Words(KVec<Cell<u64>>);

    struct FakeMem {
        addr: u64,
        words: Arc<Words>,
        publishes: Arc<Cell<u32>>,
    }

    impl TableMemory for FakeMem {
        fn addr(&self) -> u64 {
            self.addr
        }

        fn read(&self, off: usize) -> Result<u64> {
            Ok(self.words.0.get(off / 8).ok_or(EINVAL)?.get())
        }

        fn write(&self, off: usize, v: u64) -> Result {
            self.words.0.get(off / 8).ok_or(EINVAL)?.set(v);
            Ok(())
        }

        fn publish(&self) {
            self.publishes.set(self.publishes.get() + 1);
        }
    }

    /// Tables at made-up bus addresses from 0x1000_0000, remembered by
    /// address; fails once `left` runs out.
    struct FakeAlloc {
        tables: RefCell<KVec<(u64, Arc<Words>)>>,
        left: Cell<u32>,
        publishes: Arc<Cell<u32>>,
    }

    impl FakeAlloc {
        fn new() -> Result<Self> {
            Ok(FakeAlloc {
                tables: RefCell::new(KVec::new()),
                left: Cell::new(u32::MAX),
                publishes: Arc::new(Cell::new(0), GFP_KERNEL)?,
            })
        }

        /// The word at bus address `at`, as the GPU would read it.
        fn word(&self, at: u64) -> u64 {
            // `try_borrow`: `borrow`'s panic path is not one objtool
            // knows ends a function.
            let Ok(tables) = self.tables.try_borrow() else {
                return 0;
            };
            let base = at & !(TABLE - 1);
            tables
                .iter()
                .find(|(a, _)| *a == base)
                .and_then(|(_, w)| w.0.get(u64_as_usize((at - base) / 8)))
                .map_or(0, |c| c.get())
        }
    }

    impl TableAlloc for FakeAlloc {
        type Mem = FakeMem;

        fn alloc(&self) -> Result<FakeMem> {
            let left = self.left.get();
            if left == 0 {
                return Err(ENOMEM);
            }
            self.left.set(left - 1);
            let mut words = KVec::new();
            for _ in 0..TABLE_SIZE / 8 {
                words.push(Cell::new(0), GFP_KERNEL)?;
            }
            let words = Arc::new(Words(words), GFP_KERNEL)?;
            let mut tables = self.tables.try_borrow_mut().map_err(|_| EBUSY)?;
            let addr = 0x1000_0000 + usize_as_u64(tables.len()) * TABLE;
            tables.push((addr, words.clone()), GFP_KERNEL)?;
            Ok(FakeMem {
                addr,
                words,
                publishes: self.publishes.clone(),
            })
        }
    }

    /// Bits 53:8 of an entry as a 4 KiB frame's address, and 53:4 as a
    /// 256-byte aligned big page table's (dev_mmu.ref.txt: the big half's
    /// address field, shifted by 8).
    fn frame(e: u64) -> u64 {
        ((e >> 8) & ((1 << 46) - 1)) << 12
    }
    fn big_table(e: u64) -> u64 {
        ((e >> 4) & ((1 << 50) - 1)) << 8
    }

    /// What the GPU's walk finds for `va`: the address, the page size and
    /// the PTE's aperture code, written from the format, apart from the
    /// code under test.
    fn translate(a: &FakeAlloc, pt: &PageTables<FakeMem>, va: u64) -> Option<(u64, u64, u64)> {
        let mut table = pt.root.mem.addr();
        for l in &FORMAT[..PD0] {
            let e = a.word(table + l.index(va) * 8);
            // IS_PTE set above PD0, or aperture INVALID: no translation.
            if e & 1 != 0 || (e >> 1) & 3 == 0 {
                return None;
            }
            table = frame(e);
        }
        let at = table + FORMAT[PD0].index(va) * 16;
        let (big, small) = (a.word(at), a.word(at + 8));
        let found = |e: u64, size: u64| (frame(e) + va % size, size, (e >> 1) & 3);
        if big & 1 != 0 {
            return Some(found(big, M2));
        }
        if (big >> 1) & 3 != 0 {
            let lpte = a.word(big_table(big) + BIG_PT.index(va) * 8);
            if lpte & 1 != 0 {
                return Some(found(lpte, K64));
            }
        }
        if (small >> 1) & 3 != 0 {
            let spte = a.word(frame(small) + FORMAT[LEVELS - 1].index(va) * 8);
            if spte & 1 != 0 {
                return Some(found(spte, K4));
            }
        }
        None
    }

    const VA: u64 = 0x40_0000_0000;
    const PA: u64 = 0x8000_0000;

    #[test]
    fn vram_takes_the_largest_page_system_memory_4k() -> Result {
        let a = FakeAlloc::new()?;
        let mut pt = PageTables::new(&a)?;
        pt.map(&a, VA, PA, M2 + K64 + K4, VRAM)?;
        assert_eq!(translate(&a, &pt, VA), Some((PA, M2, 0)));
        assert_eq!(
            translate(&a, &pt, VA + M2 - K4),
            Some((PA + M2 - K4, M2, 0))
        );
        assert_eq!(
            translate(&a, &pt, VA + M2 + 0x8000),
            Some((PA + M2 + 0x8000, K64, 0))
        );
        assert_eq!(
            translate(&a, &pt, VA + M2 + K64),
            Some((PA + M2 + K64, K4, 0))
        );
        assert_eq!(translate(&a, &pt, VA + M2 + K64 + K4), None);
        assert_eq!(translate(&a, &pt, VA - K4), None);
        // Root, PD2, PD1, PD0 (both entries), a big and a small table.
        assert_eq!(pt.bytes(), 6 * TABLE);
        // Misaligned by 4 KiB on one side: small pages all the way.
        pt.map(&a, VA + 8 * M2, PA + K4, M2, VRAM)?;
        assert_eq!(
            translate(&a, &pt, VA + 8 * M2 + K64),
            Some((PA + K4 + K64, K4, 0))
        );
        // System memory, aligned for 2 MiB: 4 KiB pages, system aperture.
        pt.map(&a, VA + 16 * M2, PA, M2, SYS)?;
        assert_eq!(
            translate(&a, &pt, VA + 16 * M2 + K64),
            Some((PA + K64, K4, 2))
        );
        Ok(())
    }

    #[test]
    fn a_cut_page_keeps_the_rest() -> Result {
        let a = FakeAlloc::new()?;
        let mut pt = PageTables::new(&a)?.retiring();
        pt.map(&a, VA, PA, M2, VRAM)?;
        let hole = VA + K64 + 2 * K4;
        let before = a.publishes.get();
        pt.unmap(&a, hole, K4)?;
        // Each switch (2 MiB to big table, 64 KiB to small pages, and the
        // small table's link) after a barrier.
        assert!(a.publishes.get() >= before + 3);
        let mut off = 0;
        while off < M2 {
            let got = translate(&a, &pt, VA + off);
            if VA + off == hole {
                assert_eq!(got, None);
            } else {
                let size = if off / K64 == 1 { K4 } else { K64 };
                assert_eq!(got, Some((PA + off, size, 0)));
            }
            off += K4;
        }
        // Unmapping the rest retires the big and small tables and PD0's
        // chain; after the flush only the root is held, and the whole
        // 2 MiB maps as one page again.
        pt.unmap(&a, VA, M2)?;
        assert_eq!(translate(&a, &pt, VA + K64), None);
        assert_eq!(translate(&a, &pt, VA), None);
        pt.flushed();
        assert_eq!(pt.bytes(), TABLE);
        pt.map(&a, VA, PA, M2, VRAM)?;
        assert_eq!(translate(&a, &pt, VA + K64), Some((PA + K64, M2, 0)));
        Ok(())
    }

    #[test]
    fn without_a_flush_tables_stay_linked() -> Result {
        let a = FakeAlloc::new()?;
        let mut pt = PageTables::new(&a)?;
        pt.map(&a, VA + K64, PA, K4, SYS)?;
        let five = 5 * TABLE;
        assert_eq!(pt.bytes(), five);
        pt.unmap(&a, VA + K64, K4)?;
        assert_eq!(translate(&a, &pt, VA + K64), None);
        // Still linked from the root: the GPU may hold the walk.
        assert_ne!(a.word(pt.root.mem.addr() + FORMAT[0].index(VA) * 8), 0);
        pt.flushed();
        assert_eq!(pt.bytes(), five);
        // A 2 MiB page over the kept small table takes 64 KiB pages.
        pt.map(&a, VA, PA, M2, VRAM)?;
        assert_eq!(translate(&a, &pt, VA + K4), Some((PA + K4, K64, 0)));
        assert_eq!(
            translate(&a, &pt, VA + M2 - K4),
            Some((PA + M2 - K4, K64, 0))
        );
        Ok(())
    }

    #[test]
    fn overlaps_are_refused_and_undone() -> Result {
        let a = FakeAlloc::new()?;
        let mut pt = PageTables::new(&a)?;
        pt.map(&a, VA + K64, PA, K64, VRAM)?;
        for (va, len) in [(VA + K64 + K4, K4), (VA, M2), (VA + K64, K64)] {
            assert_eq!(pt.map(&a, va, PA + M2, len, VRAM), Err(EBUSY));
        }
        // A 4 KiB page mapped, then a 64 KiB page over it.
        pt.map(&a, VA + 4 * K64 + K4, PA, K4, VRAM)?;
        assert_eq!(pt.map(&a, VA + 4 * K64, PA, K64, VRAM), Err(EBUSY));
        // A map whose second half collides leaves nothing of its first.
        assert_eq!(pt.map(&a, VA, 2 * PA, 2 * K64, VRAM), Err(EBUSY));
        assert_eq!(translate(&a, &pt, VA), None);
        assert_eq!(translate(&a, &pt, VA + K64), Some((PA, K64, 0)));
        Ok(())
    }

    #[test]
    fn held_directories_survive_unmaps() -> Result {
        let a = FakeAlloc::new()?;
        let mut pt = PageTables::new(&a)?.retiring();
        let gsp = 0x1_0000_0000;
        let dirs = pt.directories(&a, gsp, 2)?;
        assert_eq!(dirs.len(), 3);
        pt.map(&a, gsp - M2, PA, K4, SYS)?;
        pt.unmap(&a, 0, gsp)?;
        // The PD2's entry still names the held PD1.
        assert_eq!(frame(a.word(dirs[1] + FORMAT[1].index(gsp) * 8)), dirs[2]);
        // An entry the core did not make (GSP-RM's, in that PD1) is
        // never overwritten.
        let pd1_entry = dirs[2] + FORMAT[2].index(gsp) * 8;
        pt.directories(&a, gsp, 2)?;
        let tables = a.tables.try_borrow().map_err(|_| EBUSY)?;
        let pd1 = tables
            .iter()
            .find(|(at, _)| *at == dirs[2])
            .map(|(_, w)| w.clone());
        drop(tables);
        let pd1 = pd1.ok_or(EINVAL)?;
        pd1.0[u64_as_usize((pd1_entry - dirs[2]) / 8)].set(0x1234_0004);
        assert_eq!(pt.map(&a, gsp, PA, K4, SYS), Err(EBUSY));
        assert_eq!(a.word(pd1_entry), 0x1234_0004);
        Ok(())
    }

    #[test]
    fn bad_ranges_and_no_memory() -> Result {
        let a = FakeAlloc::new()?;
        let mut pt = PageTables::new(&a)?;
        assert_eq!(pt.map(&a, VA + 1, PA, K4, SYS), Err(EINVAL));
        assert_eq!(pt.map(&a, VA, PA + 8, K4, SYS), Err(EINVAL));
        assert_eq!(pt.map(&a, VA, PA, 0, SYS), Err(EINVAL));
        assert_eq!(pt.map(&a, (1 << 49) - K4, PA, 2 * K4, SYS), Err(EINVAL));
        assert_eq!(pt.map(&a, VA, !0xfff_u64, 2 * K4, SYS), Err(EINVAL));
        assert_eq!(pt.unmap(&a, !0xfff_u64, 2 * K4), Err(EINVAL));
        // The top of the VA maps; an unmap of nothing is fine.
        pt.map(&a, (1 << 49) - M2, PA, M2, VRAM)?;
        pt.unmap(&a, VA, M2)?;
        // Out of table memory: refused, nothing mapped, no bytes counted
        // for tables that were not linked.
        let held = pt.bytes();
        a.left.set(2);
        assert_eq!(pt.map(&a, VA, PA, K4, SYS), Err(ENOMEM));
        assert_eq!(translate(&a, &pt, VA), None);
        assert_eq!(pt.bytes(), held + 2 * TABLE);
        // Cutting a 2 MiB page needs a big table: refused, left whole.
        a.left.set(u32::MAX);
        pt.map(&a, VA + 4 * M2, PA, M2, VRAM)?;
        a.left.set(0);
        assert_eq!(pt.unmap(&a, VA + 4 * M2, K4), Err(ENOMEM));
        assert_eq!(translate(&a, &pt, VA + 4 * M2), Some((PA, M2, 0)));
        // With the big table but no small one: the cut 64 KiB stays.
        a.left.set(1);
        assert_eq!(pt.unmap(&a, VA + 4 * M2, K4), Err(ENOMEM));
        assert_eq!(translate(&a, &pt, VA + 4 * M2), Some((PA, K64, 0)));
        assert_eq!(
            translate(&a, &pt, VA + 4 * M2 + K64),
            Some((PA + K64, K64, 0))
        );
        Ok(())
    }
}
