// SPDX-License-Identifier: GPL-2.0

//! [`VaSpace`]: a GPU virtual address space held by a client, for its
//! channels.
//!
//! With GSP-RM the kernel driver owns a VA space's page tables; GSP-RM
//! has a `FERMI_VASPACE_A` object for it and is told where the
//! directories above its own range are (the server-reserved 512 MiB at
//! 4 GiB, where it maps channel context buffers), as nouveau r535
//! `r535_mmu_vaspace_new` does with
//! `NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES`.

use kernel::{
    dma::Coherent,
    new_mutex,
    prelude::*,
    sync::{
        Arc,
        Mutex, //
    },
};

use super::{
    Gpu,
    Handle,
    RmObject, //
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
};
use kernel::num::casts::usize_as_u64;

/// The levels above GSP-RM's 512 MiB entry: PD3, PD2, PD1.
const RESERVED_LEVELS: usize = 3;
/// The core's own mappings (channel rings) go in slots of this size from
/// [`SLOTS_START`], below GSP-RM's range.
const SLOT_SIZE: u64 = 64 << 10;
/// 1 GiB.
const SLOTS_START: u64 = 1 << 30;

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

/// Fields drop in order: GSP-RM's object goes before the tables it uses
/// (GSP-RM writes its entry in the PD1 as it tears the VA space down).
struct State {
    /// The VA space's object in GSP-RM; a GPU reset takes it, and it is
    /// made again when next needed.
    object: Option<RmObject>,
    tables: PageTables<Coherent<[u8]>>,
    /// The directories above GSP-RM's range, root first.
    reserved: [u64; RESERVED_LEVELS],
    /// The first slot never given out. Slots are not reused: the GPU may
    /// cache a translation, and the core has no TLB invalidate yet
    /// (nouveau `tu102_vmm_flush`), so a VA once mapped stays unused
    /// after its mapping goes.
    next: u64,
}

impl VaSpace {
    pub(super) fn new(gpu: &Gpu) -> Result<VaSpace> {
        let (tables, reserved) = {
            let guard = gpu.services()?;
            let dev = guard.get().pdev.as_ref();
            let alloc = DeviceTables(dev);
            let mut tables = PageTables::new(&alloc)?;
            let dirs = tables.directories(&alloc, SERVER_RM_VA_START, RESERVED_LEVELS - 1)?;
            let reserved: [u64; RESERVED_LEVELS] = dirs[..].try_into().map_err(|_| EINVAL)?;
            (tables, reserved)
        };
        let inner = Arc::pin_init(
            try_pin_init!(Inner {
                gpu: gpu.clone(),
                state <- new_mutex!(State {
                    object: None,
                    tables,
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
        let mut state = self.vaspace.inner.state.lock();
        // Exactly what `map` mapped: no page is cut, no table needed.
        if let Err(e) = state.tables.unmap(&NoTables::new(), self.va, self.len) {
            pr_err!("nvgsp: cannot unmap a core mapping: {:?}\n", e);
        }
    }
}
