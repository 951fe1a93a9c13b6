// SPDX-License-Identifier: GPL-2.0

//! [`PageTables`]: one GPU VA space's page tables, which the driver owns
//! (with GSP-RM, the kernel driver does: nouveau r535 `vmm.c`), in
//! coherent system memory. The format allows system memory tables
//! (directory entries and the instance block name an aperture); nouveau
//! keeps them in VRAM, which the core cannot write yet (it has no BAR2 or
//! PRAMIN path), so the core keeps them in memory it can.
//!
//! Tables are 4 KiB each, made as mappings need them and freed with the
//! VA space; only 4 KiB pages are mapped. The GPU caches translations, and
//! nothing invalidates its TLB yet: the VA space ([`crate::client::VaSpace`])
//! never maps a VA again once it was unmapped.

use kernel::{device, dma::Coherent, prelude::*};

use crate::{
    dma::write_u64,
    proto::mmu::{
        self,
        Aperture,
        FORMAT,
        LEVELS, //
    },
};
use kernel::num::casts::arch::u64_as_usize;

/// Bytes of every table the core makes (PD3 uses its first 0x20).
const TABLE_SIZE: usize = 0x1000;

/// One table and the tables its entries name.
struct Table {
    mem: Coherent<[u8]>,
    /// (entry index, table) of the entries set, for levels above the PT.
    children: KVec<(u64, KBox<Table>)>,
}

impl Table {
    fn new(dev: &device::Device<device::Bound>) -> Result<Self> {
        Ok(Table {
            mem: Coherent::<u8>::zeroed_slice(dev, TABLE_SIZE, GFP_KERNEL)?,
            children: KVec::new(),
        })
    }

    fn addr(&self) -> u64 {
        self.mem.dma_address()
    }

    /// The table entry `index` names, made (and entered here) if missing;
    /// `level` is this table's level.
    fn child(
        &mut self,
        dev: &device::Device<device::Bound>,
        level: usize,
        index: u64,
    ) -> Result<&mut Table> {
        let at = match self.children.iter().position(|(i, _)| *i == index) {
            Some(at) => at,
            None => {
                let table = KBox::new(Table::new(dev)?, GFP_KERNEL)?;
                let entry = mmu::pde(Aperture::SysCoherent, table.addr());
                // PD0's 16-byte entries are dual: the 4 KiB table's half
                // is the second (the 64 KiB one's stays invalid).
                let size = FORMAT[level].entry_size;
                let half = if size == 16 { 8 } else { 0 };
                let off = u64_as_usize(index * size + half);
                self.children.push((index, table), GFP_KERNEL)?;
                write_u64(&self.mem, off, entry)?;
                self.children.len() - 1
            }
        };
        Ok(&mut self.children[at].1)
    }
}

/// A VA space's tables, rooted at a PD3.
pub(crate) struct PageTables {
    root: Table,
}

impl PageTables {
    /// An empty VA space.
    pub(crate) fn new(dev: &device::Device<device::Bound>) -> Result<Self> {
        Ok(PageTables {
            root: Table::new(dev)?,
        })
    }

    /// Makes the directories down to `depth` levels below the root for
    /// `va`; returns their bus addresses, the root's first.
    pub(crate) fn directories(
        &mut self,
        dev: &device::Device<device::Bound>,
        va: u64,
        depth: usize,
    ) -> Result<KVec<u64>> {
        let mut out = KVec::new();
        out.push(self.root.addr(), GFP_KERNEL)?;
        let mut table = &mut self.root;
        for (level, l) in FORMAT.iter().enumerate().take(depth.min(LEVELS - 1)) {
            table = table.child(dev, level, l.index(va))?;
            out.push(table.addr(), GFP_KERNEL)?;
        }
        Ok(out)
    }

    /// Maps the 4 KiB page at bus address `page` (system memory) at `va`.
    ///
    /// # Errors
    ///
    /// `EINVAL` for an unaligned or out-of-range address, `ENOMEM`.
    pub(crate) fn map(
        &mut self,
        dev: &device::Device<device::Bound>,
        va: u64,
        page: u64,
    ) -> Result {
        if va % mmu::PAGE_SIZE != 0 || page % mmu::PAGE_SIZE != 0 || va >> mmu::VA_BITS != 0 {
            return Err(EINVAL);
        }
        let mut table = &mut self.root;
        for (level, l) in FORMAT[..LEVELS - 1].iter().enumerate() {
            table = table.child(dev, level, l.index(va))?;
        }
        let off = u64_as_usize(FORMAT[LEVELS - 1].index(va) * 8);
        write_u64(&table.mem, off, mmu::pte(Aperture::SysCoherent, page))
    }

    /// Unmaps the page at `va`, if mapped.
    pub(crate) fn unmap(&mut self, va: u64) {
        let mut table = &self.root;
        for l in &FORMAT[..LEVELS - 1] {
            let index = l.index(va);
            match table.children.iter().find(|(i, _)| *i == index) {
                Some((_, t)) => table = t,
                None => return,
            }
        }
        let off = u64_as_usize(FORMAT[LEVELS - 1].index(va) * 8);
        // In range by construction: the index is below 512.
        let _ = write_u64(&table.mem, off, 0);
    }
}
