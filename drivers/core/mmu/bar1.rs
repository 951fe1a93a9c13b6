// SPDX-License-Identifier: GPL-2.0

//! [`Bar1`]: the CPU's window onto VRAM. BAR1 is a GPU VA space of its
//! own, which GSP-RM binds (its instance block, the binding register
//! `NV_VIRTUAL_FUNCTION_PRIV_BAR1_BLOCK` and the root directory, PD3, are
//! GSP-RM's); the kernel driver owns everything below PD3. The core takes
//! it over as nouveau r535 (`r535_bar_bar1_init` wraps
//! `GspStaticConfigInfo.bar1PdeBase` as its PD3) and OpenRM's kernel side
//! (`kbusPatchBar1Pdb_GSPCLIENT`) do: it points PD3's first entry at its
//! own PD2, keeps the tables in the VRAM it keeps for itself, writes them
//! through BAR0's window, and after each change flushes (`fb_flush`, "kbusFlush BEFORE
//! busInvalidate") and invalidates the TLB with PD3 as the PDB. The core
//! never writes the binding register. When it lets BAR1 go it puts GSP-RM's
//! entry back (nouveau leaves its own).
//!
//! A mapping takes a VA range of BAR1 for a VRAM range of a client's;
//! the client maps `cpu_addr()` into user space. Pages are 2 MiB where VA
//! and VRAM are both aligned, else 64 KiB (OpenRM maps BAR1 with 64 KiB
//! pages at least, `kbusDetermineBar1Force64KBMapping_IMPL`), so the
//! tables stay few: they are made once and kept (the core's VRAM holds
//! about 500), and a mapping that needs a table when none is left gets
//! `ENOSPC`.

use kernel::{
    new_mutex,
    prelude::*,
    sync::Mutex, //
};

use super::{
    page_tables::{
        NoTables,
        PageTables,
        TableMemory, //
    },
    vram_tables::{
        VramTable,
        VramTables, //
    },
};
use crate::{
    hal::GpuHal,
    kernel_gaps::Bar1Aperture,
    proto::mmu::{
        Aperture,
        PageSize,
        FORMAT,
        PD0, //
    },
    services::Services,
};

/// BAR1's last bytes, where [`Bar1::zero`] maps VRAM to clear it; not
/// given to clients.
const SCRATCH: u64 = 2 << 20;
/// What [`Bar1::zero`] clears at a time: the BAR1 writes of one piece are
/// on their way (posted) until the FB flush after it, which waits for
/// them, so a piece must drain well within the flush's timeout on a slow
/// bus, and others get BAR1 (and a recovery its turn) in between.
const CLEAR_PIECE: u64 = 256 << 10;

/// Something a client keeps alive until its mapping is gone from the
/// GPU's view (the VRAM it maps).
pub(crate) type KeepAlive = KBox<dyn Send>;

/// The core's BAR1.
#[pin_data]
pub(crate) struct Bar1 {
    #[pin]
    state: Mutex<Option<Live>>,
}

/// BAR1 while the core holds it.
struct Live {
    hal: &'static dyn GpuHal,
    /// BAR1's CPU physical address and its size.
    cpu_base: u64,
    size: u64,
    /// BAR1 mapped in the kernel, to clear VRAM through.
    aperture: Bar1Aperture,
    /// GSP-RM's PD3 (the PDB to invalidate) and its first entry, put back
    /// at the end.
    pdb: u64,
    saved: u64,
    tables: PageTables<VramTable>,
    /// Where the tables start in VRAM, the next one's offset, and where
    /// they must end.
    tables_start: u64,
    next_table: u64,
    tables_end: u64,
    /// Mappings: (VA, bytes, VRAM offset), by VA.
    maps: KVec<(u64, u64, u64)>,
    /// Unmaps a recovery held up, done when BAR1 is taken back or by the
    /// next map or unmap after it; their VRAM is kept until then.
    deferred: KVec<(u64, u64, KeepAlive)>,
}

/// A mapping [`Bar1::map`] made.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Bar1Range {
    /// Its VA in BAR1 (its offset in the BAR).
    pub(crate) va: u64,
    /// Its bytes.
    pub(crate) len: u64,
    /// Where the CPU reaches it (BAR1's physical address plus `va`).
    pub(crate) cpu_addr: u64,
}

impl Bar1 {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Bar1 {
            state <- new_mutex!(None),
        })
    }

    /// Takes BAR1 over from GSP-RM: points PD3's first entry at the core's
    /// PD2 and makes the directories down to PD0. Logs why it cannot.
    ///
    /// # Errors
    ///
    /// `EPROTO` if GSP-RM's PD3 address is not one it could be, `ENODEV`
    /// if the function has no BAR1, `ENOSPC` if the core has no VRAM for
    /// tables, and what the MMU or the window say.
    pub(crate) fn take(&self, svc: &Services<'_>) -> Result {
        let mut state = self.state.lock();
        let live = take(svc).inspect_err(|e| {
            dev_err!(
                svc.dev,
                "BAR1 cannot be set up ({:?}): VRAM cannot be mapped by the CPU\n",
                e
            )
        })?;
        *state = Some(live);
        Ok(())
    }

    /// Bytes of BAR1 clients may map (all but the scratch range); 0 if
    /// it is not set up.
    pub(crate) fn size(&self) -> u64 {
        self.state.lock().as_ref().map_or(0, |l| l.size - SCRATCH)
    }

    /// Maps `len` bytes of VRAM at `offset` (both 64 KiB aligned) into
    /// BAR1.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a range not 64 KiB aligned or empty, `ENODEV` if
    /// BAR1 is not set up, `ENOSPC` if BAR1 or the core's table memory
    /// has no room, `EAGAIN` during a recovery, and what the MMU says.
    pub(crate) fn map(&self, svc: &Services<'_>, offset: u64, len: u64) -> Result<Bar1Range> {
        let big = PageSize::Big.bytes();
        if len == 0 || !offset.is_multiple_of(big) || !len.is_multiple_of(big) {
            return Err(EINVAL);
        }
        let mut state = self.state.lock();
        let live = (*state).as_mut().ok_or(ENODEV)?;
        let (_pass, _) = svc.enter()?;
        live.drain(svc);
        let huge = PageSize::Huge.bytes();
        let align = if len >= huge && offset.is_multiple_of(huge) {
            huge
        } else {
            big
        };
        let (va, at) = live.find(len, align)?;
        live.map_at(svc, va, offset, len)?;
        // `find` made room.
        if live
            .maps
            .insert_within_capacity(at, (va, len, offset))
            .is_err()
        {
            let _ = live.tables.unmap(&NoTables::new(), va, len);
            let _ = live.sync(svc);
            return Err(ENOMEM);
        }
        Ok(Bar1Range {
            va,
            len,
            cpu_addr: live.cpu_base + va,
        })
    }

    /// Writes zeroes over `len` bytes of VRAM at `offset` (both 64 KiB
    /// aligned), through BAR1's scratch range, a piece at a time (BAR1 is
    /// free for others, and a recovery may start, between pieces).
    ///
    /// # Errors
    ///
    /// `EINVAL` for a range not 64 KiB aligned, `EINTR` if a signal is
    /// pending between pieces, `ENODEV` if BAR1 is not set up, `EAGAIN`
    /// during a recovery, `ENOSPC` if the core has no memory for a table,
    /// and what the MMU says.
    pub(crate) fn zero(&self, svc: &Services<'_>, offset: u64, len: u64) -> Result {
        let big = PageSize::Big.bytes();
        if !offset.is_multiple_of(big) || !len.is_multiple_of(big) {
            return Err(EINVAL);
        }
        let mut done = 0;
        while done < len {
            if kernel::current!().signal_pending() {
                return Err(EINTR);
            }
            let n = (len - done).min(CLEAR_PIECE);
            let mut state = self.state.lock();
            let live = (*state).as_mut().ok_or(ENODEV)?;
            let (_pass, _) = svc.enter()?;
            live.drain(svc);
            let scratch = live.size - SCRATCH;
            // Whatever a failed piece left there goes first (nothing, as a
            // rule: then this changes nothing).
            live.tables.unmap(&NoTables::new(), scratch, SCRATCH)?;
            live.map_at(svc, scratch, offset + done, n)?;
            let zeroed = live.aperture.zero(scratch, n);
            // The FB flush before the invalidate lands the writes.
            live.tables.unmap(&NoTables::new(), scratch, n)?;
            live.sync(svc)?;
            zeroed?;
            done += n;
        }
        Ok(())
    }

    /// Does the unmaps a recovery held up, once calls go through again.
    pub(crate) fn drain(&self, svc: &Services<'_>) {
        let mut state = self.state.lock();
        let Some(live) = (*state).as_mut() else {
            return;
        };
        if let Ok(_pass) = svc.enter() {
            live.drain(svc);
        }
    }

    /// Unmaps `range`; `keep` (the VRAM it mapped) is dropped once the
    /// GPU can no longer reach it through BAR1: now, or, during a
    /// recovery, when it ends. The client zapped the CPU's mappings of it
    /// first.
    pub(crate) fn unmap(&self, svc: &Services<'_>, range: Bar1Range, keep: KeepAlive) {
        let mut state = self.state.lock();
        let Some(live) = (*state).as_mut() else {
            return;
        };
        match svc.enter() {
            Ok(_pass) => {
                live.drain(svc);
                live.unmap(svc, range.va, range.len, keep);
            }
            Err(e) if e == EAGAIN => {
                if let Err(kernel::alloc::kvec::PushError((_, _, keep))) = live
                    .deferred
                    .push_within_capacity((range.va, range.len, keep))
                {
                    if live.deferred.reserve(1, GFP_KERNEL).is_ok() {
                        let _ = live
                            .deferred
                            .push_within_capacity((range.va, range.len, keep));
                    } else {
                        // Kept forever rather than freed under the GPU.
                        core::mem::forget(keep);
                    }
                }
            }
            // The GPU was given up: nothing reaches the memory any more.
            Err(_) => live.forget(range.va),
        }
    }

    /// After a recovery booted GSP-RM again, whose BAR1 page directory is
    /// at `pdb` (it may have moved): takes BAR1 over again, writes every
    /// table again from the core's copies, and does the unmaps the
    /// recovery held up.
    ///
    /// # Errors
    ///
    /// `EPROTO` for a `pdb` that cannot be GSP-RM's, and what the MMU or
    /// the window say (logged). The mappings stay as they were, for the
    /// next attempt.
    pub(crate) fn retake(&self, svc: &Services<'_>, pdb: u64) -> Result {
        let mut state = self.state.lock();
        let Some(live) = (*state).as_mut() else {
            return Ok(());
        };
        live.retake(svc, pdb)
            .inspect_err(|e| dev_err!(svc.dev, "recovery: BAR1 cannot be set up again ({:?})\n", e))
    }

    /// Gives BAR1 back to GSP-RM (its PD3 entry as it was), with every
    /// mapping gone.
    pub(crate) fn release(&self, svc: &Services<'_>) {
        let Some(mut live) = self.state.lock().take() else {
            return;
        };
        let deferred = core::mem::take(&mut live.deferred);
        if !live.maps.is_empty() {
            dev_warn!(svc.dev, "BAR1 released with {} mappings\n", live.maps.len());
        }
        if live.tables.root().write(0, live.saved).is_ok() {
            let _ = live.sync(svc);
        }
        drop(deferred);
    }
}

/// Checks that `pdb`, where GSP-RM says BAR1's page directory is, can be:
/// a page of VRAM it did not give the driver.
fn check_pdb(svc: &Services<'_>, pdb: u64) -> Result {
    let in_usable = svc
        .gpu
        .usable_ranges()
        .any(|r| r.start <= pdb && pdb < r.end);
    if pdb == 0 || !pdb.is_multiple_of(0x1000) || pdb >= svc.gpu.vram_size || in_usable {
        dev_err!(
            svc.dev,
            "GSP-RM reports BAR1's page directory at {:#x}, which is not in its own VRAM\n",
            pdb
        );
        return Err(EPROTO);
    }
    Ok(())
}

/// [`Bar1::take`].
fn take(svc: &Services<'_>) -> Result<Live> {
    let pdb = svc.gpu.bar1_pde_base;
    let pdev = svc.pdev;
    check_pdb(svc, pdb)?;
    let size = pdev.resource_len(1)?;
    let cpu_base = pdev.resource_start(1)?;
    if size < 4 * SCRATCH {
        return Err(ENODEV);
    }
    // SAFETY: the aperture is dropped with BAR1's state, at the latest
    // in `Bar1::release`, when the services go, before the device
    // unbinds.
    let aperture = unsafe { Bar1Aperture::new(pdev, size - SCRATCH, SCRATCH) }?;
    if !aperture.write_combined() {
        dev_warn!(
            svc.dev,
            "BAR1 cannot be made write-combined: CPU mappings of VRAM are slower\n"
        );
    }
    let range = svc.partition.core_range();
    if range.is_empty() {
        return Err(ENOSPC);
    }
    let hal = crate::hal::of(svc.spec.chipset)?;
    // The core owns PD3's first entry only.
    let root = VramTable::existing(svc.bar, hal, pdb, 1)?;
    let saved = root.read(0)?;
    // GSP-RM's PD2 under this entry goes out of BAR1's view, as with
    // nouveau; nothing maps BAR1 yet.
    root.write(0, 0)?;
    let mut live = Live {
        hal,
        cpu_base,
        size,
        aperture,
        pdb,
        saved,
        tables: PageTables::with_root(root),
        tables_start: range.start,
        next_table: range.start,
        tables_end: range.end,
        maps: KVec::new(),
        deferred: KVec::new(),
    };
    let made = live.directories().and_then(|()| live.sync(svc));
    if let Err(e) = made {
        let _ = live.tables.root().write(0, saved);
        let _ = live.sync(svc);
        return Err(e);
    }
    Ok(live)
}

impl Live {
    /// Makes PD2, PD1 and PD0 for the start of BAR1.
    fn directories(&mut self) -> Result {
        let alloc = VramTables::new(self.next_table, self.tables_end);
        let made = self.tables.directories(&alloc, 0, PD0);
        self.next_table = alloc.next();
        made.map(|_| ())
    }

    /// Maps `len` bytes of VRAM at `offset` at `va` and makes the GPU see
    /// it; nothing of it stays mapped if that fails.
    fn map_at(&mut self, svc: &Services<'_>, va: u64, offset: u64, len: u64) -> Result {
        let alloc = VramTables::new(self.next_table, self.tables_end);
        let mapped = self.tables.map(&alloc, va, offset, len, Aperture::Video);
        self.next_table = alloc.next();
        mapped?;
        if let Err(e) = self.sync(svc) {
            // Nothing reached the new entries yet: clear them again.
            let _ = self.tables.unmap(&NoTables::new(), va, len);
            let _ = self.sync(svc);
            return Err(e);
        }
        Ok(())
    }

    /// Makes what the tables say the GPU's view: flush, then invalidate
    /// BAR1's translations.
    fn sync(&self, svc: &Services<'_>) -> Result {
        // The tables' changes, each table after those it names.
        self.tables
            .for_each_table(&mut |t| t.write_out(svc.bar, self.hal))?;
        self.hal
            .fb_flush(svc.bar)
            .inspect_err(|e| dev_err!(svc.dev, "FB flush for BAR1 failed: {:?}\n", e))?;
        // The caller holds the recovery pass.
        svc.tlb
            .invalidate(svc.dev, svc.bar, self.hal, self.pdb, false, || Ok(()))
    }

    /// A free VA range of `len` bytes aligned to `align`, and where it goes
    /// in `maps` (which has room for it then).
    ///
    /// # Errors
    ///
    /// `ENOSPC` if BAR1 has no such range, `ENOMEM`.
    fn find(&mut self, len: u64, align: u64) -> Result<(u64, usize)> {
        self.maps.reserve(1, GFP_KERNEL)?;
        let mut start = 0u64;
        for (i, &(va, l, _)) in self.maps.iter().enumerate() {
            if start.checked_add(len).ok_or(ENOSPC)? <= va {
                return Ok((start, i));
            }
            start = (va + l).checked_next_multiple_of(align).ok_or(ENOSPC)?;
        }
        match start.checked_add(len) {
            Some(end) if end <= self.size - SCRATCH => Ok((start, self.maps.len())),
            _ => Err(ENOSPC),
        }
    }

    /// Unmaps `va..va + len` with the recovery pass held.
    fn unmap(&mut self, svc: &Services<'_>, va: u64, len: u64, keep: KeepAlive) {
        // Exactly a mapping's range: no page is cut, no table needed.
        let cleared = self.tables.unmap(&NoTables::new(), va, len);
        match cleared.and_then(|()| self.sync(svc)) {
            Ok(()) => {
                self.forget(va);
                drop(keep);
            }
            Err(e) => {
                // The GPU may still reach the memory: neither it nor the
                // VA is given back.
                dev_err!(
                    svc.dev,
                    "BAR1 unmap of {:#x}+{:#x} failed ({:?}): its VRAM is kept\n",
                    va,
                    len,
                    e
                );
                core::mem::forget(keep);
            }
        }
    }

    /// Takes the mapping at `va` off the list.
    fn forget(&mut self, va: u64) {
        if let Some(i) = self.maps.iter().position(|&(v, _, _)| v == va) {
            let _ = self.maps.remove(i);
        }
    }

    /// [`Bar1::retake`].
    fn retake(&mut self, svc: &Services<'_>, pdb: u64) -> Result {
        check_pdb(svc, pdb)?;
        // GSP-RM's entry in its new PD3, which the core's replaces again.
        let root = VramTable::existing(svc.bar, self.hal, pdb, 1)?;
        let saved = root.read(0)?;
        root.write(0, self.tables.root().read(0)?)?;
        let _old = self.tables.replace_root(root);
        (self.pdb, self.saved) = (pdb, saved);
        self.tables.for_each_table(&mut |t| {
            t.touch_all();
            Ok(())
        })?;
        self.sync(svc)?;
        self.drain(svc);
        Ok(())
    }

    /// Does the unmaps a recovery held up (calls go through again).
    fn drain(&mut self, svc: &Services<'_>) {
        for (va, len, keep) in core::mem::take(&mut self.deferred) {
            self.unmap(svc, va, len, keep);
        }
    }
}

/// The levels [`Bar1::take`] makes below the root.
const _: () = assert!(PD0 == 3 && FORMAT.len() == 5);

impl core::fmt::Debug for Bar1 {
    /// debugfs `bar1`: `size S pdb P tables T` (BAR1's bytes, GSP-RM's
    /// PD3, the bytes of the core's VRAM its tables took), then one line
    /// per mapping, `va V len L vram O`; `unavailable` if BAR1 is not set
    /// up.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = self.state.lock();
        let Some(live) = state.as_ref() else {
            return writeln!(f, "unavailable");
        };
        writeln!(
            f,
            "size {:#x} pdb {:#x} tables {:#x}",
            live.size,
            live.pdb,
            live.next_table - live.tables_start
        )?;
        for &(va, len, vram) in live.maps.iter() {
            writeln!(f, "va {va:#x} len {len:#x} vram {vram:#x}")?;
        }
        Ok(())
    }
}
