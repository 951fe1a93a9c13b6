// SPDX-License-Identifier: GPL-2.0

//! [`VaSpace`]: a GPU virtual address space held by a client, for its
//! channels and for the client's own mappings ([`VaSpace::update`], in
//! [`VaSpace::client_range`]).
//!
//! With GSP-RM the kernel driver owns a VA space's page tables; GSP-RM
//! has a `FERMI_VASPACE_A` object for it and is told where the
//! directories above its own range are (the server-reserved 512 MiB at
//! 4 GiB, where it maps channel context buffers), as nouveau r535
//! `r535_mmu_vaspace_new` does with
//! `NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES`.

use core::ops::Range;

use kernel::{
    dma::Coherent,
    new_mutex,
    num::casts::usize_as_u64,
    prelude::*,
    sync::{
        Arc,
        Mutex,
        MutexGuard, //
    },
};

use super::{
    Gpu,
    Handle,
    RmObject,
    Vram, //
};
use crate::{
    mmu::page_tables::{DeviceTables, NoTables, PageTables},
    proto::{
        gsp::{
            calls::{
                FermiVaspaceA,
                VaspaceCopyServerReservedPdes, //
            },
            vaspace::{
                CopyServerReservedPdesParams,
                NvVaspaceAllocationParameters,
                ReservedPdeLevel,
                NV_VASPACE_ALLOCATION_INDEX_GPU_NEW,
                SERVER_RM_VA_SIZE,
                SERVER_RM_VA_START, //
            },
        },
        mmu::{
            gmmu_aperture,
            Aperture,
            FORMAT,
            PAGE_SIZE, //
        },
        wire::Wire,
    },
    services::ServicesGuard,
};

/// The levels above GSP-RM's 512 MiB entry: PD3, PD2, PD1.
const RESERVED_LEVELS: usize = 3;
/// The core's own mappings (channel rings) go in slots of this size from
/// [`SLOTS_START`], below GSP-RM's range.
const SLOT_SIZE: u64 = 64 << 10;
/// 1 GiB.
const SLOTS_START: u64 = 1 << 30;
/// Where a client's own range ([`VaSpace::client_range`]) starts: past
/// GSP-RM's range, 4 GiB aligned.
pub const CLIENT_VA_START: u64 = 8 << 30;
/// Where it ends: the first of PD3's four 128 TiB entries is the client's.
pub const CLIENT_VA_END: u64 = 1 << 47;
const _: () = assert!(SERVER_RM_VA_START + SERVER_RM_VA_SIZE <= CLIENT_VA_START);

/// A GPU VA space: its page tables and its object in GSP-RM. Clones share
/// it; the last one dropped frees both (after the channels using it,
/// which hold clones).
#[derive(Clone)]
pub struct VaSpace {
    inner: Arc<Inner>,
}

#[pin_data]
struct Inner {
    gpu: Gpu,
    #[pin]
    state: Mutex<State>,
}

/// A VA space's entry in the services' list (debugfs), removed when
/// dropped.
struct Listed {
    gpu: Gpu,
    object: Handle,
}

impl Drop for Listed {
    fn drop(&mut self) {
        if let Ok(guard) = self.gpu.services() {
            guard
                .get()
                .vaspaces
                .remove(self.gpu.rm_client(), self.object);
        }
    }
}

/// Fields drop in order: GSP-RM's object goes before the tables it uses
/// (GSP-RM writes its entry in the PD1 as it tears the VA space down).
struct State {
    /// The object's entry in the debugfs list.
    listed: Option<Listed>,
    /// The VA space's object in GSP-RM; a GPU reset takes it, and it is
    /// made again when next needed.
    object: Option<RmObject>,
    /// Drops the TLBs' translations of the VA space once nothing uses it,
    /// before its tables go (their memory may become another VA space's).
    _flush: FlushOnDrop,
    tables: PageTables<Coherent<[u8]>>,
    /// The most bytes of tables a client's mappings may take
    /// ([`VaSpace::set_table_limit`]).
    table_limit: u64,
    /// Whether the tables changed since the last invalidate that
    /// completed (one that failed leaves it set, for the next).
    stale: bool,
    /// The directories above GSP-RM's range, root first.
    reserved: [u64; RESERVED_LEVELS],
    /// The first slot never given out. Slots are not reused (a VA space
    /// has 48K of them, and a channel takes one).
    next: u64,
}

impl VaSpace {
    pub(super) fn new(gpu: &Gpu) -> Result<VaSpace> {
        let (tables, reserved) = {
            let guard = gpu.services()?;
            let dev = guard.get().pdev.as_ref();
            let alloc = DeviceTables(dev);
            // Every change is followed by a TLB invalidate (`Update`,
            // `Mapping`), so emptied tables can go.
            let mut tables = PageTables::new(&alloc)?.retiring();
            let dirs = tables.directories(&alloc, SERVER_RM_VA_START, RESERVED_LEVELS - 1)?;
            let reserved: [u64; RESERVED_LEVELS] = dirs[..].try_into().map_err(|_| EINVAL)?;
            (tables, reserved)
        };
        let inner = Arc::pin_init(
            try_pin_init!(Inner {
                gpu: gpu.clone(),
                state <- new_mutex!(State {
                    listed: None,
                    object: None,
                    _flush: FlushOnDrop {
                        gpu: gpu.clone(),
                        pdb: reserved[0],
                    },
                    tables,
                    table_limit: u64::MAX,
                    stale: false,
                    reserved,
                    next: SLOTS_START,
                }),
            }),
            GFP_KERNEL,
        )?;
        let vaspace = VaSpace { inner };
        vaspace.handle()?;
        Ok(vaspace)
    }

    /// The VA space's handle in GSP-RM, made (again, after a GPU reset)
    /// if needed.
    ///
    /// # Errors
    ///
    /// GSP-RM's refusal, `EAGAIN` during a reset, `ENODEV` once unusable.
    pub(super) fn handle(&self) -> Result<Handle> {
        let mut state = self.inner.state.lock();
        if let Some(o) = state.object.as_ref().filter(|o| !o.is_lost()) {
            return Ok(o.handle());
        }
        state.listed = None;
        state.object = None;
        let gpu = &self.inner.gpu;
        let params = NvVaspaceAllocationParameters {
            index: NV_VASPACE_ALLOCATION_INDEX_GPU_NEW,
            ..NvVaspaceAllocationParameters::ZERO
        };
        let object = gpu.alloc_object::<FermiVaspaceA>(&params)?;
        let mut copy = CopyServerReservedPdesParams {
            page_size: SERVER_RM_VA_SIZE,
            virt_addr_lo: SERVER_RM_VA_START,
            virt_addr_hi: SERVER_RM_VA_START + SERVER_RM_VA_SIZE - 1,
            num_levels_to_copy: u32::try_from(RESERVED_LEVELS).map_err(|_| EINVAL)?,
            ..CopyServerReservedPdesParams::ZERO
        };
        for (i, (slot, &addr)) in copy.levels.iter_mut().zip(&state.reserved).enumerate() {
            *slot = ReservedPdeLevel {
                phys_address: addr,
                size: FORMAT[i].table_size(),
                aperture: gmmu_aperture(Aperture::SysCoherent),
                // The span of one entry of the level: its first VA bit.
                page_shift: u8::try_from(FORMAT[i].shift).map_err(|_| EINVAL)?,
                _pad0: [0; 3],
            };
        }
        gpu.control_on::<VaspaceCopyServerReservedPdes>(object.handle(), &copy)?;
        let handle = object.handle();
        state.object = Some(object);
        if let Ok(guard) = gpu.services() {
            let kind = gpu.client_kind();
            guard.get().vaspaces.add(kind, gpu.rm_client(), handle);
            state.listed = Some(Listed {
                gpu: gpu.clone(),
                object: handle,
            });
        }
        Ok(handle)
    }

    /// Maps `mem` (at most 64 KiB) at a VA of the core's choosing below
    /// GSP-RM's range (a slot never used before in this VA space); the
    /// mapping lasts until the returned [`Mapping`] is dropped.
    ///
    /// # Errors
    ///
    /// `EINVAL` for memory larger than a slot, `ENOSPC` when the slots are
    /// used up, `ENOMEM`, `ENODEV` once the GPU is unbound.
    pub(super) fn map(&self, mem: &Coherent<[u8]>) -> Result<Mapping> {
        let len = usize_as_u64(mem.size());
        if len == 0 || len > SLOT_SIZE {
            return Err(EINVAL);
        }
        let guard = self.inner.gpu.services()?;
        let dev = guard.get().pdev.as_ref();
        let mut state = self.inner.state.lock();
        let va = state.next;
        if va + SLOT_SIZE > SERVER_RM_VA_START {
            return Err(ENOSPC);
        }
        state.next += SLOT_SIZE;
        let len = len.next_multiple_of(PAGE_SIZE);
        let alloc = DeviceTables(dev);
        state
            .tables
            .map(&alloc, va, mem.dma_address(), len, Aperture::SysCoherent)?;
        // The GPU may have cached the slot's absence (nouveau flushes
        // after every map, too). Without that the mapping is not made.
        if let Err(e) = invalidate(&guard, &mut state) {
            let _ = state.tables.unmap(&NoTables::new(), va, len);
            return Err(e);
        }
        Ok(Mapping {
            vaspace: self.clone(),
            va,
            len,
        })
    }
}

/// A mapping [`VaSpace::map`] made; dropping it unmaps it.
pub(super) struct Mapping {
    vaspace: VaSpace,
    va: u64,
    len: u64,
}

impl Mapping {
    /// Its GPU VA.
    pub(super) fn va(&self) -> u64 {
        self.va
    }

    /// Its VA space.
    pub(super) fn vaspace(&self) -> &VaSpace {
        &self.vaspace
    }
}

impl VaSpace {
    /// Whether the VA space belongs to `gpu`'s namespace (RM handles are
    /// only meaningful there).
    pub(super) fn is_of(&self, gpu: &Gpu) -> bool {
        self.inner.gpu.same_namespace(gpu)
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        let services = self.vaspace.inner.gpu.services();
        let mut state = self.vaspace.inner.state.lock();
        // Exactly what `map` mapped: no page is cut, no table needed.
        if let Err(e) = state.tables.unmap(&NoTables::new(), self.va, self.len) {
            pr_err!("nvgsp: cannot unmap a core mapping: {:?}\n", e);
        }
        // Without the services the GPU is unbound: nothing walks the
        // tables any more. A failed invalidate was logged; the tables it
        // would have freed stay until the next one.
        if let Ok(guard) = services {
            let _ = invalidate(&guard, &mut state);
        }
    }
}

/// Invalidates the TLB for the VA space of `state` after a change; frees
/// the tables the change retired once that is done.
///
/// # Errors
///
/// `EAGAIN` during a recovery (no register is touched while the function
/// resets; the reset empties the TLBs, but what waits for an invalidate
/// waits for the next one), `ENODEV` once the GPU is given up,
/// `ETIMEDOUT`.
fn invalidate(services: &ServicesGuard<'_>, state: &mut State) -> Result {
    state.stale = true;
    invalidate_pdb(services, state.reserved[0])?;
    state.stale = false;
    state.tables.flushed();
    Ok(())
}

/// Invalidates the TLB for the VA space rooted at `pdb`, if the GPU is
/// usable (see [`invalidate`]).
fn invalidate_pdb(services: &ServicesGuard<'_>, pdb: u64) -> Result {
    let s = services.get();
    let hal = crate::hal::of(s.spec.chipset)?;
    s.tlb.invalidate(s.dev, s.bar, hal, pdb, true, || s.enter())
}

/// See [`State::_flush`].
struct FlushOnDrop {
    gpu: Gpu,
    pdb: u64,
}

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        // Unbound or unusable: nothing runs on the GPU any more.
        if let Ok(guard) = self.gpu.services() {
            let _ = invalidate_pdb(&guard, self.pdb);
        }
    }
}

impl VaSpace {
    /// The VA range the client maps in with [`VaSpace::update`]; the
    /// core's own mappings (channel rings) and GSP-RM's lie below it.
    #[inline(never)]
    pub fn client_range(&self) -> Range<u64> {
        CLIENT_VA_START..CLIENT_VA_END
    }

    /// Bytes of page tables the VA space holds now (system memory).
    #[inline(never)]
    pub fn table_bytes(&self) -> u64 {
        self.inner.state.lock().tables.bytes()
    }

    /// Limits the page tables the client's mappings may make the VA
    /// space hold to `bytes`: a map past it fails with `ENOSPC`.
    #[inline(never)]
    pub fn set_table_limit(&self, bytes: u64) {
        self.inner.state.lock().table_limit = bytes;
    }

    /// Starts a change of the client's mappings: other changes wait until
    /// it ends, with the TLB invalidated ([`Update::finish`], or when it
    /// is dropped).
    ///
    /// # Errors
    ///
    /// `ENODEV` once the GPU is unbound.
    #[inline(never)]
    pub fn update(&self) -> Result<Update<'_>> {
        let services = self.inner.gpu.services()?;
        let state = self.inner.state.lock();
        Ok(Update {
            vaspace: self,
            services,
            state,
        })
    }
}

/// A change of a VA space's client mappings ([`VaSpace::update`]). The
/// mappings take effect for the GPU when it ends.
pub struct Update<'a> {
    vaspace: &'a VaSpace,
    services: ServicesGuard<'a>,
    state: MutexGuard<'a, State>,
}

impl Update<'_> {
    /// Checks that `len` bytes at `va` are page aligned and in the
    /// client's range.
    fn check(&self, va: u64, len: u64) -> Result {
        let end = va.checked_add(len).ok_or(EINVAL)?;
        let range = self.vaspace.client_range();
        if len == 0 || (va | len) % PAGE_SIZE != 0 || va < range.start || end > range.end {
            return Err(EINVAL);
        }
        Ok(())
    }

    fn map(&mut self, va: u64, addr: u64, len: u64, aperture: Aperture) -> Result {
        self.check(va, len)?;
        let dev = self.services.get().pdev.as_ref();
        let alloc = DeviceTables(dev);
        // A failed map leaves nothing of it mapped, but may have unmapped
        // what it had mapped so far, which the GPU may have cached.
        self.state.stale = true;
        self.state.tables.map(&alloc, va, addr, len, aperture)?;
        if self.state.tables.bytes() > self.state.table_limit {
            // Exactly what was mapped: no page is cut. The tables it
            // made go at the invalidate.
            let _ = self.state.tables.unmap(&alloc, va, len);
            return Err(ENOSPC);
        }
        Ok(())
    }

    /// Maps `len` bytes of system memory at bus address `addr` (pages the
    /// client mapped for DMA by the GPU's PCI device) at `va`, in 4 KiB
    /// pages.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a range not page aligned or outside the client's
    /// range; `EBUSY` if part of it is mapped; `ENOSPC` past the table
    /// limit; `ENOMEM`.
    #[inline(never)]
    pub fn map_system(&mut self, va: u64, addr: u64, len: u64) -> Result {
        self.map(va, addr, len, Aperture::SysCoherent)
    }

    /// Maps `len` bytes of `vram` from `offset` in it at `va`, each step
    /// with the largest page (2 MiB, 64 KiB, 4 KiB) that the VA, the VRAM
    /// address and the length left allow. The client keeps `vram` until
    /// the mapping is gone (unmapped, and an update finished since).
    ///
    /// # Errors
    ///
    /// `EINVAL` for a range not page aligned, outside the client's range
    /// or past `vram`'s end; `EBUSY` if part of it is mapped; `ENOSPC`
    /// past the table limit; `ENOMEM`.
    #[inline(never)]
    pub fn map_vram(&mut self, va: u64, vram: &Vram, offset: u64, len: u64) -> Result {
        let end = offset.checked_add(len).ok_or(EINVAL)?;
        if end > vram.size() || offset % PAGE_SIZE != 0 {
            return Err(EINVAL);
        }
        self.map(va, vram.offset() + offset, len, Aperture::Video)
    }

    /// Unmaps whatever is mapped in `len` bytes at `va`; a page the range
    /// cuts keeps its other part mapped.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a range not page aligned or outside the client's
    /// range; `ENOMEM` if a cut page needs a table (unmapping the same
    /// range again finishes it).
    #[inline(never)]
    pub fn unmap(&mut self, va: u64, len: u64) -> Result {
        self.check(va, len)?;
        let dev = self.services.get().pdev.as_ref();
        self.state.stale = true;
        self.state.tables.unmap(&DeviceTables(dev), va, len)
    }

    /// Ends the change: invalidates the TLB, so the GPU sees it.
    ///
    /// # Errors
    ///
    /// As the invalidate: `EAGAIN` during a GPU reset, `ENODEV` once the
    /// GPU is unusable, `ETIMEDOUT` (logged). The GPU may then still use
    /// the old translations: memory unmapped by the change must be kept
    /// until a later change ends well.
    #[inline(never)]
    pub fn finish(mut self) -> Result {
        self.flush()
    }

    fn flush(&mut self) -> Result {
        // Also a change an earlier update could not make the GPU see.
        if !self.state.stale {
            return Ok(());
        }
        invalidate(&self.services, &mut self.state)
    }
}

impl Drop for Update<'_> {
    fn drop(&mut self) {
        // Logged where it failed.
        let _ = self.flush();
    }
}
