// SPDX-License-Identifier: GPL-2.0

//! Page tables in VRAM, written through BAR0's window onto it (the HAL's
//! `vram_write32s`), as nouveau writes its instmem page tables before BAR2
//! is up (`nv50_instobj_wr32_slow`) and nova-core's MM series writes
//! BAR1's (`mm/pramin.rs`).
//!
//! Each table is kept as a copy in system memory, which [`PageTables`]
//! reads and writes; the owner then writes what changed to VRAM
//! ([`VramTable::write_out`], every table after those it names), flushes
//! and invalidates. So reads never cross the window (a round trip to the
//! GPU each), and the copy is what a rebuild after a GPU reset writes
//! again.
//!
//! [`PageTables`]: super::page_tables::PageTables

use core::cell::Cell;

use kernel::prelude::*;

use kernel::num::casts::usize_as_u64;

use super::page_tables::{
    TableAlloc,
    TableMemory,
    TABLE_SIZE, //
};
use crate::{
    bar::Bar0,
    hal::GpuHal,
    num::{
        lower_32_bits,
        upper_32_bits, //
    },
    proto::mmu::Aperture,
};

/// Words of a table.
const WORDS: usize = TABLE_SIZE / 8;

/// One table in VRAM: its copy, and which words of it VRAM lacks. Its
/// owner keeps it under one lock (it is `Send`, not `Sync`).
pub(crate) struct VramTable {
    /// Its VRAM offset.
    addr: u64,
    /// What the table holds.
    copy: KVec<Cell<u64>>,
    /// One bit per word: changed since it was last written out.
    dirty: KVec<Cell<u64>>,
    /// One bit per word: VRAM holds a valid entry there (its low word is
    /// not zero), which a new one must not be mixed with.
    valid: KVec<Cell<u64>>,
    /// The words that are the core's: all for a table it made, those it
    /// read for one it was given (the rest are someone else's).
    owned: usize,
}

impl VramTable {
    /// The table at `addr`, which someone else made: its first `entries`
    /// words are read through the window, and only those are the core's
    /// to change.
    pub(crate) fn existing(
        bar: Bar0<'_>,
        hal: &dyn GpuHal,
        addr: u64,
        entries: usize,
    ) -> Result<Self> {
        let mut table = Self::zeroed(addr)?;
        table.owned = entries.min(WORDS);
        for (i, word) in table.copy.iter().enumerate().take(table.owned) {
            let at = addr + usize_as_u64(i) * 8;
            let lo = hal.vram_read32(bar, at)?;
            let hi = hal.vram_read32(bar, at + 4)?;
            word.set(u64::from(hi) << 32 | u64::from(lo));
            if lo != 0 {
                set_bit(&table.valid, i, true);
            }
        }
        // VRAM holds what was read.
        for bits in table.dirty.iter() {
            bits.set(0);
        }
        Ok(table)
    }

    /// A table at `addr` whose copy is all zero and all to be written.
    fn zeroed(addr: u64) -> Result<Self> {
        let mut copy = KVec::with_capacity(WORDS, GFP_KERNEL)?;
        for _ in 0..WORDS {
            copy.push(Cell::new(0), GFP_KERNEL)?;
        }
        let mut dirty = KVec::with_capacity(WORDS / 64, GFP_KERNEL)?;
        let mut valid = KVec::with_capacity(WORDS / 64, GFP_KERNEL)?;
        for _ in 0..WORDS / 64 {
            dirty.push(Cell::new(u64::MAX), GFP_KERNEL)?;
            valid.push(Cell::new(0), GFP_KERNEL)?;
        }
        Ok(VramTable {
            addr,
            copy,
            dirty,
            valid,
            owned: WORDS,
        })
    }

    /// Marks the core's words to be written again (after a reset of the
    /// GPU).
    pub(crate) fn touch_all(&self) {
        for i in 0..self.owned {
            self.mark(i);
        }
    }

    fn mark(&self, word: usize) {
        set_bit(&self.dirty, word, true);
    }

    /// Writes the words that changed to VRAM, in two 32-bit writes each
    /// (nouveau `nvkm_wo64`, OpenRM `kbusMemAccessBar0Window_GM107`):
    /// an entry that becomes valid gets its high word first and the low
    /// one (with the valid or aperture bits) last; one that is cleared
    /// its low word first; one that replaces a valid entry is cleared
    /// first, so no walk sees half of each. The caller holds the one lock
    /// the window's users take, and flushes afterwards.
    pub(crate) fn write_out(&self, bar: Bar0<'_>, hal: &dyn GpuHal) -> Result {
        let mut writes = KVec::new();
        for (chunk, bits) in self.dirty.iter().enumerate() {
            let mut pending = bits.get();
            while pending != 0 {
                let bit = pending.trailing_zeros();
                pending &= pending - 1;
                let word = chunk * 64 + bit as usize;
                if word >= self.owned {
                    continue;
                }
                let v = self.copy.get(word).map_or(0, |w| w.get());
                let at = self.addr + usize_as_u64(word) * 8;
                let (lo, hi) = (lower_32_bits(v), upper_32_bits(v));
                if lo != 0 {
                    if bit_set(&self.valid, word) {
                        writes.push((at, 0), GFP_KERNEL)?;
                    }
                    writes.push((at + 4, hi), GFP_KERNEL)?;
                    writes.push((at, lo), GFP_KERNEL)?;
                } else {
                    writes.push((at, lo), GFP_KERNEL)?;
                    writes.push((at + 4, hi), GFP_KERNEL)?;
                }
            }
        }
        // One table: one position of the window for all of it.
        hal.vram_write32s(bar, &writes)?;
        for (i, bits) in self.dirty.iter().enumerate() {
            let mut done = bits.get();
            while done != 0 {
                let word = i * 64 + done.trailing_zeros() as usize;
                done &= done - 1;
                if word < self.owned {
                    let lo = self.copy.get(word).map_or(0, |w| lower_32_bits(w.get()));
                    set_bit(&self.valid, word, lo != 0);
                }
            }
            bits.set(0);
        }
        Ok(())
    }
}

/// Sets or clears bit `i` of `bits`.
fn set_bit(bits: &[Cell<u64>], i: usize, on: bool) {
    if let Some(b) = bits.get(i / 64) {
        let mask = 1 << (i % 64);
        b.set(if on { b.get() | mask } else { b.get() & !mask });
    }
}

/// Whether bit `i` of `bits` is set.
fn bit_set(bits: &[Cell<u64>], i: usize) -> bool {
    bits.get(i / 64)
        .is_some_and(|b| b.get() & 1 << (i % 64) != 0)
}

impl TableMemory for VramTable {
    fn addr(&self) -> u64 {
        self.addr
    }

    fn aperture(&self) -> Aperture {
        Aperture::Video
    }

    fn read(&self, off: usize) -> Result<u64> {
        if !off.is_multiple_of(8) {
            return Err(EINVAL);
        }
        self.copy.get(off / 8).map(|w| w.get()).ok_or(EINVAL)
    }

    fn write(&self, off: usize, v: u64) -> Result {
        if !off.is_multiple_of(8) || off / 8 >= self.owned {
            return Err(EINVAL);
        }
        let word = self.copy.get(off / 8).ok_or(EINVAL)?;
        word.set(v);
        self.mark(off / 8);
        Ok(())
    }

    fn publish(&self) {
        // Written out later, each table after those it names.
    }
}

/// Tables carved, one after the other, from a VRAM range the core keeps
/// for itself; they are not given back (their owner keeps its tables
/// once made).
pub(crate) struct VramTables {
    /// The next table's offset.
    next: Cell<u64>,
    /// The range's end.
    end: u64,
}

impl VramTables {
    /// Tables from `next..end`.
    pub(crate) fn new(next: u64, end: u64) -> Self {
        VramTables {
            next: Cell::new(next),
            end,
        }
    }

    /// Where the next table would go.
    pub(crate) fn next(&self) -> u64 {
        self.next.get()
    }
}

impl TableAlloc for VramTables {
    type Mem = VramTable;

    /// A table whose every word is yet to be written (VRAM holds whatever
    /// it held: the GPU must read zeroes).
    ///
    /// # Errors
    ///
    /// `ENOSPC` once the range is used up.
    fn alloc(&self) -> Result<VramTable> {
        let addr = self.next.get();
        let size = usize_as_u64(TABLE_SIZE);
        if addr.checked_add(size).is_none_or(|end| end > self.end) {
            return Err(ENOSPC);
        }
        let table = VramTable::zeroed(addr)?;
        self.next.set(addr + size);
        Ok(table)
    }
}
