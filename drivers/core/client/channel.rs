// SPDX-License-Identifier: GPL-2.0

//! [`Channel`]: a channel ID held by a client, and the channel's object
//! and memory in GSP-RM once made.

use kernel::{dma::Coherent, prelude::*};

use super::{
    vaspace::Mapping,
    Engine,
    Gpu,
    Handle,
    Placement,
    RmObject,
    VaSpace,
    Vram, //
};
use crate::{
    events::ChannelOwner,
    proto::{
        gsp::{
            calls::AmpereChannelGpfifoA,
            class::{
                self,
                NvChannelAllocParams,
                NvMemoryDescParams,
                ADDR_FBMEM,
                ADDR_SYSMEM,
                NV_MEMORY_CACHED,
                NV_MEMORY_UNCACHED, //
            },
        },
        wire::Wire,
    },
};
use kernel::num::casts::u32_as_usize;

/// GPFIFO entries of a channel's ring (8 bytes each: one 4 KiB page).
const GPFIFO_ENTRIES: u32 = 512;
/// The instance block: 4 KiB at a 4 KiB boundary (the chip's RAMIN
/// alignment); its first 0x200 bytes are RAMFC (open-gpu-doc
/// `ga100/dev_ram.ref.txt`; nouveau `gf100_chan_inst`).
const INST_SIZE: u64 = 0x1000;
/// RAMFC, at the instance block's start.
const RAMFC_SIZE: u64 = 0x200;
/// USERD: 0x200 bytes at a 0x200 boundary (nouveau `gv100_chan_userd`).
/// nouveau clears it in VRAM; the core, which cannot write VRAM yet,
/// gives each channel a zeroed page of system memory (the host reads
/// USERD's GP_PUT from either aperture).
const USERD_SIZE: u64 = 0x200;

/// What a channel's object in GSP-RM runs on: the memory nouveau r570
/// `r570_chan_alloc` gives a channel. Fields drop in order: the ring's
/// mapping before the ring.
struct ChannelMemory {
    /// The GPFIFO ring's mapping in the channel's VA space.
    ring_va: Mapping,
    /// The ring itself: only the mapping refers to it (until submission
    /// writes entries), and it must outlive it.
    _ring: Coherent<[u8]>,
    /// The fault method buffer, in system memory, and the size GSP-RM
    /// asked for.
    method_buffer: Coherent<[u8]>,
    method_buffer_size: u32,
    /// USERD, zeroed.
    userd: Coherent<[u8]>,
    /// The instance block, in VRAM (GSP-RM writes RAMFC and the page
    /// directory base into it; the core cannot clear it yet).
    instance: Vram,
}

impl ChannelMemory {
    fn new(gpu: &Gpu, vaspace: &VaSpace) -> Result<Self> {
        // What GSP-RM asked for when it booted (`GpuConfig`).
        let size = gpu.services()?.get().gpu.method_buffer_size();
        let instance = gpu.alloc_vram(INST_SIZE, INST_SIZE, Placement::Any)?;
        let (ring, method_buffer, userd) = {
            let guard = gpu.services()?;
            let dev = guard.get().pdev.as_ref();
            let ring =
                Coherent::<u8>::zeroed_slice(dev, u32_as_usize(GPFIFO_ENTRIES) * 8, GFP_KERNEL)?;
            let mb = Coherent::<u8>::zeroed_slice(dev, u32_as_usize(size), GFP_KERNEL)?;
            let userd = Coherent::<u8>::zeroed_slice(dev, 0x1000, GFP_KERNEL)?;
            (ring, mb, userd)
        };
        Ok(ChannelMemory {
            ring_va: vaspace.map(&ring)?,
            _ring: ring,
            method_buffer,
            method_buffer_size: size,
            userd,
            instance,
        })
    }

    /// The allocation parameters naming this memory.
    fn describe(&self, params: &mut NvChannelAllocParams) {
        let fb = |base, size| NvMemoryDescParams {
            base,
            size,
            address_space: ADDR_FBMEM,
            // As nouveau describes VRAM.
            cache_attrib: NV_MEMORY_UNCACHED,
        };
        let inst = self.instance.offset();
        params.gp_fifo_offset = self.ring_va.va();
        params.gp_fifo_entries = GPFIFO_ENTRIES;
        params.instance_mem = fb(inst, INST_SIZE);
        params.ramfc_mem = fb(inst, RAMFC_SIZE);
        params.userd_mem = NvMemoryDescParams {
            base: self.userd.dma_address(),
            size: USERD_SIZE,
            address_space: ADDR_SYSMEM,
            // Coherent system memory: the host must see the CPU's GP_PUT.
            cache_attrib: NV_MEMORY_CACHED,
        };
        params.mthdbuf_mem = NvMemoryDescParams {
            base: self.method_buffer.dma_address(),
            size: u64::from(self.method_buffer_size),
            address_space: ADDR_SYSMEM,
            cache_attrib: NV_MEMORY_CACHED,
        };
    }
}

/// A channel ID counted against the client kind's share; channel errors
/// GSP-RM reports for it go to this client only. Dropping it returns the
/// ID.
pub struct Channel {
    gpu: Gpu,
    id: u32,
    /// The channel's object in GSP-RM, freed before its memory and the
    /// ID are returned.
    gpfifo: Option<RmObject>,
    memory: Option<ChannelMemory>,
}

impl Channel {
    pub(super) fn new(gpu: &Gpu) -> Result<Self> {
        let guard = gpu.services()?;
        let services = guard.get();
        let partition = &services.partition;
        let id = partition.alloc_channel(gpu.client_kind())?;
        let owner = ChannelOwner {
            chid: id,
            client: gpu.rm_client(),
            object: Handle(0),
            kind: gpu.client_kind(),
        };
        if let Err(e) = services.gsp.rpc.events.own_channel(owner) {
            partition.free_channel(gpu.client_kind(), id);
            return Err(e);
        }
        Ok(Channel {
            gpu: gpu.clone(),
            id,
            gpfifo: None,
            memory: None,
        })
    }

    /// The channel ID.
    #[inline(never)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Whether the channel was given its object in GSP-RM (which a GPU
    /// reset may have taken since: then [`Channel::create_gpfifo`] makes
    /// it again).
    #[inline(never)]
    pub fn has_gpfifo(&self) -> bool {
        self.gpfifo.is_some()
    }

    /// Creates the channel's object in GSP-RM (`AMPERE_CHANNEL_GPFIFO_A`
    /// under the device) for `engine`, with this channel ID, in `vaspace`,
    /// so GSP-RM reports the channel's errors under it; returns its RM
    /// handle. The channel gets its memory as a chip needs it: an instance
    /// block in the client's VRAM, USERD, a fault method buffer, and a
    /// GPFIFO ring mapped in `vaspace`. The channel owns the object and
    /// the memory: the object is freed first, the memory and the ID
    /// after.
    ///
    /// After a GPU reset the object is gone and is created again with
    /// this call (the VA space's object is made again with it).
    ///
    /// # Errors
    ///
    /// `EBUSY` if the channel has its object already; `EINVAL` for a VA
    /// space of another [`Gpu`] handle's namespace; as [`Gpu::alloc_vram`]
    /// for VRAM; GSP-RM's refusal.
    #[inline(never)]
    pub fn create_gpfifo(&mut self, engine: Engine, vaspace: &VaSpace) -> Result<Handle> {
        if self.gpfifo.as_ref().is_some_and(|o| !o.is_lost()) {
            return Err(EBUSY);
        }
        if !vaspace.is_of(&self.gpu) {
            return Err(EINVAL);
        }
        // New memory: what a reset left (a lost object's) goes once the new
        // object is made. Until then the channel still says it had one, so
        // a failed attempt is made again after the next reset.
        let memory = ChannelMemory::new(&self.gpu, vaspace)?;
        let mut params = NvChannelAllocParams {
            flags: NvChannelAllocParams::chid_flags(self.id),
            engine_type: engine.type_number(),
            internal_flags: class::NV_CHANNEL_INTERNAL_FLAGS_USER,
            h_va_space: memory.ring_va.vaspace().handle()?.raw(),
            ..NvChannelAllocParams::ZERO
        };
        memory.describe(&mut params);
        let object = self.gpu.alloc_object::<AmpereChannelGpfifoA>(&params)?;
        let handle = object.handle();
        self.gpfifo = Some(object);
        self.memory = Some(memory);
        self.gpu
            .services()?
            .get()
            .gsp
            .rpc
            .events
            .set_channel_object(self.id, handle);
        Ok(handle)
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        drop(self.gpfifo.take());
        drop(self.memory.take());
        // The events and the partition went with an unbound GPU.
        if let Ok(guard) = self.gpu.services() {
            let s = guard.get();
            s.gsp.rpc.events.disown_channel(self.id);
            s.partition.free_channel(self.gpu.client_kind(), self.id);
        }
    }
}
