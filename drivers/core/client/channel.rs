// SPDX-License-Identifier: GPL-2.0

//! [`Channel`]: a channel ID held by a client, and the channel's object
//! and memory in GSP-RM once made.

use kernel::{
    dma::Coherent,
    io::Io,
    prelude::*,
    sync::{
        barrier::{
            dma_mb,
            Read, //
        },
        Arc,
    },
};

use super::{
    ring::{
        self,
        Push,
        Ring, //
    },
    vaspace::Mapping,
    ChannelWatcher,
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
            calls::{
                AmpereChannelGpfifoA,
                AmpereDmaCopyB,
                ChannelBind,
                ChannelSchedule, //
            },
            class::{
                self,
                NvChannelAllocParams,
                NvMemoryDescParams,
                ADDR_FBMEM,
                ADDR_SYSMEM,
                NV_MEMORY_CACHED,
                NV_MEMORY_UNCACHED, //
            },
            fifo::{
                NvA06fCtrlBindParams,
                NvA06fCtrlGpfifoScheduleParams,
                NvB0b5AllocationParameters,
                NVB0B5_ALLOCATION_PARAMETERS_VERSION_1, //
            },
        },
        host::{
            doorbell_token,
            USERD_SIZE as USERD_BYTES, //
        },
        wire::Wire,
    },
    regs::NV_VIRTUAL_FUNCTION_DOORBELL,
};
use kernel::num::casts::u32_as_usize;

/// The instance block: 4 KiB at a 4 KiB boundary (the chip's RAMIN
/// alignment); its first 0x200 bytes are RAMFC (open-gpu-doc
/// `ga100/dev_ram.ref.txt`; nouveau `gf100_chan_inst`).
const INST_SIZE: u64 = 0x1000;
/// RAMFC, at the instance block's start.
const RAMFC_SIZE: u64 = 0x200;
/// USERD: 0x200 bytes at a 0x200 boundary (nouveau `gv100_chan_userd`).
/// nouveau clears it in VRAM; the core gives each channel a zeroed page
/// of system memory (the host reads USERD's GP_PUT from either
/// aperture), which the CPU writes without a BAR1 mapping.
const USERD_SIZE: u64 = USERD_BYTES;

/// What a channel's object in GSP-RM runs on: the memory nouveau r570
/// `r570_chan_alloc` gives a channel, and the core's semaphore and
/// completion segments. Fields drop in order: the mappings before the
/// memory they map.
struct ChannelMemory {
    /// The GPFIFO ring's mapping in the channel's VA space.
    ring_va: Mapping,
    /// The core's area's mapping.
    area_va: Mapping,
    /// The ring, USERD and the core's area.
    ring: Ring,
    /// The fault method buffer, in system memory, and the size GSP-RM
    /// asked for.
    method_buffer: Coherent<[u8]>,
    method_buffer_size: u32,
    /// The instance block, in VRAM (GSP-RM writes RAMFC and the page
    /// directory base into it).
    instance: Vram,
}

impl ChannelMemory {
    /// New memory, whose submissions are numbered from `next` on.
    fn new(gpu: &Gpu, vaspace: &VaSpace, next: u64) -> Result<Self> {
        // What GSP-RM asked for when it booted (`GpuConfig`).
        let size = gpu.services()?.get().gpu.method_buffer_size();
        let instance = gpu.alloc_vram(INST_SIZE, INST_SIZE, Placement::Any)?;
        let (ring, method_buffer, userd, area) = {
            let guard = gpu.services()?;
            let dev = guard.get().pdev.as_ref();
            let ring =
                Coherent::<u8>::zeroed_slice(dev, u32_as_usize(ring::ENTRIES) * 8, GFP_KERNEL)?;
            let mb = Coherent::<u8>::zeroed_slice(dev, u32_as_usize(size), GFP_KERNEL)?;
            let userd = Coherent::<u8>::zeroed_slice(dev, 0x1000, GFP_KERNEL)?;
            let area = Coherent::<u8>::zeroed_slice(dev, ring::AREA_SIZE, GFP_KERNEL)?;
            (ring, mb, userd, area)
        };
        let ring_va = vaspace.map(&ring)?;
        let area_va = vaspace.map(&area)?;
        Ok(ChannelMemory {
            ring_va,
            area_va,
            ring: Ring::new(ring, userd, area, next)?,
            method_buffer,
            method_buffer_size: size,
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
        params.gp_fifo_entries = ring::ENTRIES;
        params.instance_mem = fb(inst, INST_SIZE);
        params.ramfc_mem = fb(inst, RAMFC_SIZE);
        params.userd_mem = NvMemoryDescParams {
            base: self.ring.userd_memory().dma_address(),
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
    /// The copy engine's object under the channel (copy-engine channels
    /// only), freed before the channel's.
    copy: Option<RmObject>,
    /// The channel's object in GSP-RM, freed before its memory and the
    /// ID are returned.
    gpfifo: Option<RmObject>,
    memory: Option<ChannelMemory>,
    /// What the doorbell is written with for this channel, once it is
    /// scheduled.
    token: Option<u32>,
    /// The first sequence number of submissions to a channel made next.
    next: u64,
    /// The key of the channel's watcher of non-stall interrupts.
    watcher: Option<u64>,
    /// The engine of its last object.
    engine: Option<Engine>,
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
            copy: None,
            gpfifo: None,
            memory: None,
            token: None,
            next: 1,
            watcher: None,
            engine: None,
        })
    }

    /// The channel ID.
    #[inline(never)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The engine the channel's object was made for, if it was made.
    #[inline(never)]
    pub fn engine(&self) -> Option<Engine> {
        self.engine
    }

    /// Whether the channel was given its object in GSP-RM (which a GPU
    /// reset may have taken since: then [`Channel::create_gpfifo`] makes
    /// it again).
    #[inline(never)]
    pub fn has_gpfifo(&self) -> bool {
        self.gpfifo.is_some()
    }

    /// Whether the channel has no object in the current GSP-RM (never
    /// made, destroyed, or lost in a GPU reset).
    pub(super) fn is_lost(&self) -> bool {
        self.gpfifo.as_ref().is_none_or(|o| o.is_lost())
    }

    /// Creates the channel's object in GSP-RM (`AMPERE_CHANNEL_GPFIFO_A`
    /// under the device) for `engine`, with this channel ID, in `vaspace`,
    /// so GSP-RM reports the channel's errors under it; returns its RM
    /// handle. The channel gets its memory as a chip needs it: an instance
    /// block in the client's VRAM, USERD, a fault method buffer, and a
    /// GPFIFO ring mapped in `vaspace`. Then it is bound to its engine's
    /// runlist and scheduled, and a copy engine's channel gets the
    /// engine's object (`AMPERE_DMA_COPY_B`) under it, as nouveau r535
    /// `r535_chan_ramfc_write` and `r535_ce_alloc` do. The channel owns
    /// the objects and the memory: the objects are freed first, the
    /// memory and the ID after.
    ///
    /// After a GPU reset the objects are gone and are created again with
    /// this call (the VA space's object is made again with it).
    ///
    /// # Errors
    ///
    /// `EBUSY` if the channel has its object already; `EINVAL` for a VA
    /// space of another [`Gpu`] handle's namespace; `ENODEV` for an
    /// engine the host's device table gave no runlist; as
    /// [`Gpu::alloc_vram`] for VRAM; GSP-RM's refusal.
    #[inline(never)]
    pub fn create_gpfifo(&mut self, engine: Engine, vaspace: &VaSpace) -> Result<Handle> {
        if self.gpfifo.as_ref().is_some_and(|o| !o.is_lost()) {
            return Err(EBUSY);
        }
        if !vaspace.is_of(&self.gpu) {
            return Err(EINVAL);
        }
        let runlist = self
            .gpu
            .services()?
            .get()
            .gpu
            .runlist_of(engine)
            .ok_or(ENODEV)?;
        // nouveau `tu102_chan_doorbell_handle`; CPU-RM
        // `kfifoGenerateWorkSubmitTokenHal_GA100`.
        let token = doorbell_token(runlist, self.id).ok_or(EINVAL)?;
        // New memory: what a reset left (a lost object's) goes once the new
        // object is made. Until then the channel still says it had one, so
        // a failed attempt is made again after the next reset.
        if let Some(old) = &self.memory {
            self.next = old.ring.next();
        }
        let memory = ChannelMemory::new(&self.gpu, vaspace, self.next)?;
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
        // Dropped on an error: the object (the copy object first), then
        // the memory.
        let copy = self.make_runnable(engine, &object)?;
        // What a reset left goes now (a lost object is not freed).
        drop(self.copy.take());
        self.copy = copy;
        self.gpfifo = Some(object);
        self.memory = Some(memory);
        self.engine = Some(engine);
        self.token = Some(token);
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

impl Channel {
    /// Frees the channel's objects in GSP-RM, which stops the host on it
    /// (RM preempts a channel it frees), and then its memory; keeps its
    /// ID, its watcher and its sequence numbers. What was submitted and
    /// not finished never completes: the client fails it first. Then
    /// [`Channel::create_gpfifo`] makes the channel anew, as after a
    /// channel error (an MMU fault leaves the channel unusable) or a job
    /// that never ends.
    #[inline(never)]
    pub fn destroy_gpfifo(&mut self) {
        drop(self.copy.take());
        drop(self.gpfifo.take());
        self.token = None;
        if let Some(memory) = self.memory.take() {
            self.next = memory.ring.next();
        }
    }

    /// Binds the channel `object` to `engine`'s runlist, schedules it, and
    /// gives a copy engine's channel the engine's object.
    fn make_runnable(&self, engine: Engine, object: &RmObject) -> Result<Option<RmObject>> {
        let target = object.handle();
        self.gpu.control_on::<ChannelBind>(
            target,
            &NvA06fCtrlBindParams {
                engine_type: engine.type_number(),
            },
        )?;
        self.gpu.control_on::<ChannelSchedule>(
            target,
            &NvA06fCtrlGpfifoScheduleParams {
                enable: 1,
                skip_submit: 0,
            },
        )?;
        if engine.copy_index().is_none() {
            return Ok(None);
        }
        let params = NvB0b5AllocationParameters {
            version: NVB0B5_ALLOCATION_PARAMETERS_VERSION_1,
            engine_type: engine.type_number(),
        };
        self.gpu
            .alloc_object_under::<AmpereDmaCopyB>(Some(object), &params)
            .map(Some)
    }

    /// Hands `pushes` to the host, followed by the core's release of the
    /// submission's sequence number, and rings the doorbell; returns the
    /// sequence number, which [`Channel::completed`] reaches once the
    /// host ran all of it. Submissions on a channel run in order.
    ///
    /// # Errors
    ///
    /// `ENODEV` for a channel without its objects (never made, or lost in
    /// a GPU reset: make it again); `EAGAIN` while the GPU is being reset;
    /// `EINVAL` for an empty or too long segment or a VA beyond 40 bits;
    /// `E2BIG` for more segments than the ring holds; `EBUSY` while the
    /// ring is full (wait for progress).
    #[inline(never)]
    pub fn submit(&mut self, pushes: &[Push]) -> Result<u64> {
        let token = self.token.ok_or(ENODEV)?;
        // The pass is held from before the ring is written until the
        // doorbell rang: a failed submission queued nothing.
        let guard = self.gpu.services()?;
        let services = guard.get();
        let (_pass, _) = services.enter()?;
        if self.gpfifo.as_ref().is_none_or(|o| o.is_lost()) {
            return Err(ENODEV);
        }
        let memory = self.memory.as_mut().ok_or(ENODEV)?;
        let seq = memory.ring.submit(memory.area_va.va(), pushes)?;
        services
            .bar
            .write_reg(NV_VIRTUAL_FUNCTION_DOORBELL::zeroed().with_handle(token));
        Ok(seq)
    }

    /// The last sequence number the host finished on this channel (0
    /// before the first), as its semaphore says, and never past the last
    /// one submitted. The channel's pushbuffers can write the semaphore
    /// too (it is mapped in their VA space): only the client's own jobs
    /// are at stake. After a GPU reset the channel made again goes on
    /// from where the lost one was given to: what was submitted and not
    /// finished then never ran, yet a later submission's release counts
    /// past it, so a client fails its unfinished submissions before it
    /// submits again: once the GPU was reset
    /// ([`super::ResetHandler::done`]; until then the engines may still
    /// run them).
    #[inline(never)]
    pub fn completed(&self) -> u64 {
        let last = self.next_seq().saturating_sub(1);
        let done = self.memory.as_ref().map_or(last, |m| m.ring.completed());
        // What the host wrote before the release is read after it.
        dma_mb(Read);
        done.min(last)
    }

    /// The sequence number the next submission gets.
    fn next_seq(&self) -> u64 {
        self.memory.as_ref().map_or(self.next, |m| m.ring.next())
    }

    /// Has `watcher` told of every non-stall interrupt until the channel
    /// goes (it then looks at [`Channel::completed`]).
    ///
    /// # Errors
    ///
    /// `EBUSY` if the channel has a watcher already; `ENOMEM`; `ENODEV`
    /// once the GPU is unbound.
    #[inline(never)]
    pub fn watch(&mut self, watcher: Arc<dyn ChannelWatcher>) -> Result {
        if self.watcher.is_some() {
            return Err(EBUSY);
        }
        let guard = self.gpu.services()?;
        let services = guard.get();
        // Only the copy engines' non-stall vectors are the core's.
        let engine = self.engine.ok_or(ENODEV)?;
        engine
            .copy_index()
            .and_then(|n| services.gpu.ce_nonstall_vector(n))
            .ok_or(ENODEV)?;
        let key = services.gsp.rpc.events.nonstall.watch(watcher)?;
        self.watcher = Some(key);
        Ok(())
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        if let (Some(key), Ok(guard)) = (self.watcher.take(), self.gpu.services()) {
            guard.get().gsp.rpc.events.nonstall.unwatch(key);
        }
        drop(self.copy.take());
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
