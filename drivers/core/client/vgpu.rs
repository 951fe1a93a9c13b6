// SPDX-License-Identifier: GPL-2.0

//! Hosting vGPUs: the vfio client's part of the core.
//!
//! On a GPU whose GSP-RM was booted in SR-IOV mode, the vGPU host gives
//! GSP-RM its vGPU types ([`VgpuManager::set_types`]) and starts a vGPU
//! on a virtual function ([`VgpuManager::start`]): the core carves the
//! vGPU's guest memory (whole VMMU segments), its plugin heap and a run of
//! channel IDs out of the vfio kind's share, and has GSP-RM start the
//! vGPU's plugin task with them (`BOOTLOAD_GSP_VGPU_PLUGIN_TASK`).
//! The guest memory is cleared by a copy engine ([`Scrubber`]) before
//! each start and each reset, so a VM never sees what the memory held
//! before (another vGPU's guest, or its own previous run); it is not
//! cleared when a vGPU goes, since a start clears whatever it is given.
//! Dropping the [`Vgpu`] stops and cleans up the task
//! (`SHUTDOWN_GSP_VGPU_PLUGIN_TASK`, `VGPU_PLUGIN_CLEANUP`, in open RM's
//! order) and gives everything back.
//!
//! Parameter blocks are kilobytes (and `PGPU_ADD_VGPU_TYPE`'s 334 KB): they
//! are written as bytes into heap buffers at their r570.144 offsets, never
//! built on the kernel stack.

use core::{
    mem::offset_of,
    ops::Range, //
};

use kernel::{
    new_mutex,
    prelude::*,
    sync::{
        Arc,
        Mutex, //
    },
};

use super::{
    scrub::Scrubber,
    ClientKind,
    Gpu,
    Placement,
    Vram, //
};
use crate::{
    gsp::rm,
    proto::gsp::{
        calls::{
            PgpuAddVgpuType,
            VgpuBootloadPluginTask,
            VgpuPluginCleanup,
            VgpuShutdownPluginTask, //
        },
        vgpu::{
            add_vgpu_type_entry_offset,
            AddVgpuTypeHead,
            BootloadParams,
            GfidParams,
            VgpuInfo,
            ADD_VGPU_TYPE_PARAMS_SIZE,
            MAX_ENGINES,
            MAX_VGPUS,
            MAX_VGPU_TYPES,
            VGPU_STRING_SIZE, //
        },
    },
    wire::Wire,
};

/// The plugin task's logs in its heap, after the control, response,
/// message, migration and error pages (Zhi Wang's vGPU RFC v2
/// `init_gsp_rm_constraints`: 3 x 4 KiB, 2 MiB, 4 KiB), as VRAM
/// addresses (open RM `kernelhostvgpudeviceapiCtrlCmdBootloadVgpuTask`).
const INIT_LOG_OFFSET: u64 = 3 * 4096 + (2 << 20) + 4096;
const INIT_LOG_SIZE: u64 = 128 << 10;
const VGPU_LOG_SIZE: u64 = 256 << 10;
const KERNEL_LOG_SIZE: u64 = 64 << 10;
/// The heap a plugin task needs at least: its pages and logs.
pub const MIN_PLUGIN_HEAP: u64 = INIT_LOG_OFFSET + INIT_LOG_SIZE + VGPU_LOG_SIZE + KERNEL_LOG_SIZE;

/// A vGPU type as the host offers it to GSP-RM: the fields of
/// `NVA081_CTRL_VGPU_INFO` the host sets.
#[derive(Clone, Copy, Debug)]
pub struct VgpuType {
    /// Its ID (nonzero), as `creatable_vgpu_types` lists it.
    pub id: u32,
    /// Its name, e.g. "NVIDIA A10-4Q" (at most 31 bytes).
    pub name: &'static str,
    /// Its class, e.g. "Quadro" (at most 31 bytes).
    pub class: &'static str,
    /// vGPUs of this type the GPU holds at most.
    pub max_instance: u32,
    /// Display heads.
    pub num_heads: u32,
    /// Largest resolution, width and height.
    pub max_resolution: (u32, u32),
    /// The vGPU's PCI device ID << 16 | its subsystem ID.
    pub vdev_id: u64,
    /// The physical GPU's PCI device ID.
    pub pdev_id: u64,
    /// Bytes of guest memory.
    pub fb_length: u64,
    /// Bytes of plugin heap.
    pub gsp_heap_size: u64,
    /// The guest's BAR1, in MiB.
    pub bar1_mib: u64,
    /// Channel IDs per engine.
    pub channels: u32,
}

/// What GSP-RM needs to start a vGPU.
#[derive(Clone, Copy, Debug)]
pub struct VgpuStart {
    /// The virtual function's index + 1 (1..=32).
    pub gfid: u32,
    /// The virtual function's domain << 16 | bus << 8 | devfn.
    pub dbdf: u32,
    /// Its type.
    pub vgpu_type: VgpuType,
}

/// GSP-RM's vGPU manager, for the vfio client of a GPU in SR-IOV mode.
pub struct VgpuManager {
    gpu: Gpu,
    segment: u64,
    scrubber: Arc<Mutex<Scrubber>>,
}

impl Gpu {
    /// GSP-RM's vGPU manager.
    ///
    /// # Errors
    ///
    /// `EPERM` for a client other than the vfio one, `EOPNOTSUPP` if
    /// GSP-RM was not booted in SR-IOV mode, `ENODEV` once the GPU is
    /// unbound or if it has no copy engine to clear guest memory with;
    /// those of making the scrubber's channel (a channel ID and an
    /// instance block of the vfio share).
    #[inline(never)]
    pub fn vgpu_manager(&self) -> Result<VgpuManager> {
        if self.client_kind() != ClientKind::Vfio {
            return Err(EPERM);
        }
        let segment = self.services()?.get().gpu.vmmu_segment;
        if segment == 0 {
            return Err(EOPNOTSUPP);
        }
        let scrubber = Scrubber::new(self).inspect_err(|e| {
            if let Ok(guard) = self.services() {
                dev_err!(
                    guard.get().dev,
                    "no vGPU host: no copy-engine channel to clear guest memory with: {:?}\n",
                    e
                );
            }
        })?;
        let scrubber = Arc::pin_init(new_mutex!(scrubber), GFP_KERNEL)?;
        Ok(VgpuManager {
            gpu: self.clone(),
            segment,
            scrubber,
        })
    }
}

/// Writes `v` at `off` of `buf`.
fn put<T: Wire>(buf: &mut [u8], off: usize, v: T) -> Result {
    v.encode(buf.get_mut(off..).ok_or(EINVAL)?).ok_or(EINVAL)
}

/// Writes `s` NUL-terminated into the `VGPU_STRING_SIZE` bytes at `off`.
fn put_str(buf: &mut [u8], off: usize, s: &str) -> Result {
    if s.len() >= VGPU_STRING_SIZE {
        return Err(EINVAL);
    }
    buf.get_mut(off..off + s.len())
        .ok_or(EINVAL)?
        .copy_from_slice(s.as_bytes());
    Ok(())
}

impl VgpuManager {
    /// The granule of a vGPU's guest memory.
    pub fn segment_size(&self) -> u64 {
        self.segment
    }

    /// Channel IDs the vGPUs may hold: the vfio kind's share of the
    /// partition (which the administrator can change) less the
    /// scrubber's channel. Every vGPU's run of channels counts against
    /// it: what a host divides between the instances of a type.
    ///
    /// # Errors
    ///
    /// `ENODEV` once the GPU is unbound.
    #[inline(never)]
    pub fn channel_limit(&self) -> Result<u64> {
        let accounting = self.gpu.services()?.get().partition.accounting();
        Ok(accounting.limits[ClientKind::Vfio.index()]
            .channels
            .saturating_sub(1))
    }

    /// Gives GSP-RM `types`, replacing those it had
    /// (`PGPU_ADD_VGPU_TYPE` with `discardVgpuTypes`, as open RM's
    /// `kvgpumgrSendAllVgpuTypesToGsp`).
    ///
    /// # Errors
    ///
    /// `EINVAL` for more than 64 types or a name too long; GSP-RM's
    /// refusal; `ENOMEM`.
    #[inline(never)]
    pub fn set_types(&self, types: &[VgpuType]) -> Result {
        if types.len() > MAX_VGPU_TYPES {
            return Err(EINVAL);
        }
        let mut buf = KVVec::from_elem(0u8, ADD_VGPU_TYPE_PARAMS_SIZE, GFP_KERNEL)?;
        let head = AddVgpuTypeHead {
            discard_vgpu_types: 1,
            vgpu_info_count: u32::try_from(types.len()).map_err(|_| EINVAL)?,
            ..AddVgpuTypeHead::ZERO
        };
        put(&mut buf, 0, head)?;
        for (i, t) in types.iter().enumerate() {
            let at = add_vgpu_type_entry_offset(i);
            put(&mut buf, at + offset_of!(VgpuInfo, vgpu_type), t.id)?;
            put_str(&mut buf, at + offset_of!(VgpuInfo, vgpu_name), t.name)?;
            put_str(&mut buf, at + offset_of!(VgpuInfo, vgpu_class), t.class)?;
            put(
                &mut buf,
                at + offset_of!(VgpuInfo, max_instance),
                t.max_instance,
            )?;
            put(&mut buf, at + offset_of!(VgpuInfo, num_heads), t.num_heads)?;
            put(
                &mut buf,
                at + offset_of!(VgpuInfo, max_resolution_x),
                t.max_resolution.0,
            )?;
            put(
                &mut buf,
                at + offset_of!(VgpuInfo, max_resolution_y),
                t.max_resolution.1,
            )?;
            put(
                &mut buf,
                at + offset_of!(VgpuInfo, max_pixels),
                t.max_resolution.0.saturating_mul(t.max_resolution.1),
            )?;
            put(&mut buf, at + offset_of!(VgpuInfo, vdev_id), t.vdev_id)?;
            put(&mut buf, at + offset_of!(VgpuInfo, pdev_id), t.pdev_id)?;
            put(
                &mut buf,
                at + offset_of!(VgpuInfo, profile_size),
                t.fb_length,
            )?;
            put(&mut buf, at + offset_of!(VgpuInfo, fb_length), t.fb_length)?;
            put(
                &mut buf,
                at + offset_of!(VgpuInfo, gsp_heap_size),
                t.gsp_heap_size,
            )?;
            put(&mut buf, at + offset_of!(VgpuInfo, bar1_length), t.bar1_mib)?;
        }
        let guard = self.gpu.services()?;
        let s = guard.get();
        rm::control_bytes::<PgpuAddVgpuType>(&s.gsp.rpc, s.bar, s.dev, s.gpu.internal, &buf)
            .map(|_| ())
    }

    /// Starts a vGPU: its guest memory (cleared), plugin heap and
    /// channels from the vfio kind's share, and its plugin task in
    /// GSP-RM.
    ///
    /// # Errors
    ///
    /// `ENOSPC` beyond the vfio kind's share, `ENOMEM` if VRAM or channel
    /// IDs have no free run large enough, `EINVAL` for a gfid outside
    /// 1..=32 or a type without memory, heap or channels; those of
    /// clearing the memory (`ETIMEDOUT`); GSP-RM's refusal;
    /// `EAGAIN` while the GPU is being reset.
    #[inline(never)]
    pub fn start(&self, req: &VgpuStart) -> Result<Vgpu> {
        let t = &req.vgpu_type;
        if !(1..=MAX_VGPUS).contains(&req.gfid)
            || t.channels == 0
            || t.gsp_heap_size < MIN_PLUGIN_HEAP
        {
            return Err(EINVAL);
        }
        let fb_length = t.fb_length.next_multiple_of(self.segment);
        if fb_length == 0 {
            return Err(EINVAL);
        }
        let fb = self
            .gpu
            .alloc_vram(fb_length, self.segment, Placement::Any)?;
        let heap = self.gpu.alloc_vram(t.gsp_heap_size, 0, Placement::Any)?;
        let channels = self
            .gpu
            .services()?
            .get()
            .partition
            .alloc_channel_range(ClientKind::Vfio, t.channels)?;
        let mut vgpu = Vgpu {
            gpu: self.gpu.clone(),
            scrubber: self.scrubber.clone(),
            gfid: req.gfid,
            dbdf: req.dbdf,
            type_id: t.id,
            fb,
            heap,
            channels,
            generation: None,
            dirty: true,
        };
        vgpu.scrub()?;
        vgpu.bootload()?;
        Ok(vgpu)
    }
}

/// A vGPU whose plugin task GSP-RM runs, with what it holds. Dropping it
/// stops the task and gives everything back.
pub struct Vgpu {
    gpu: Gpu,
    scrubber: Arc<Mutex<Scrubber>>,
    gfid: u32,
    dbdf: u32,
    type_id: u32,
    fb: Vram,
    heap: Vram,
    channels: Range<u32>,
    /// The GSP-RM instance the task runs in; `None` while it runs in none
    /// (not yet started, or lost with its GSP-RM).
    generation: Option<u32>,
    /// Whether the guest memory must be cleared before the task starts
    /// again (a reset could not clear it).
    dirty: bool,
}

impl Vgpu {
    /// Its gfid.
    pub fn gfid(&self) -> u32 {
        self.gfid
    }

    /// Its guest memory: VRAM offset and size.
    pub fn fb(&self) -> (u64, u64) {
        (self.fb.offset(), self.fb.size())
    }

    /// Its channel IDs.
    pub fn channels(&self) -> Range<u32> {
        self.channels.clone()
    }

    /// Whether its plugin task runs in the current GSP-RM.
    pub fn is_running(&self) -> bool {
        self.generation.is_some_and(|g| self.gpu.is_current(g))
    }

    /// Whether a VMM may be given the vGPU only after a [`Vgpu::reset`]:
    /// its task does not run, or its memory is still to be cleared (a
    /// reset failed part way).
    pub fn needs_reset(&self) -> bool {
        !self.is_running() || self.dirty
    }

    /// Has the guest memory cleared before the task next starts
    /// ([`Vgpu::restart`], [`Vgpu::reset`]): for a VMM that let go of the
    /// vGPU while it could not be reset (during a GPU reset).
    pub fn clear_before_next_start(&mut self) {
        self.dirty = true;
    }

    /// Starts its plugin task again, in a GSP-RM that lost it (after a GPU
    /// reset), with the same memory (kept as the guest left it, unless a
    /// reset before could not clear it), heap and channels.
    ///
    /// # Errors
    ///
    /// Those of clearing the memory; GSP-RM's refusal; `EAGAIN` while the
    /// GPU is being reset.
    #[inline(never)]
    pub fn restart(&mut self) -> Result {
        if self.is_running() {
            return Ok(());
        }
        self.generation = None;
        self.scrub()?;
        self.bootload()
    }

    /// Resets the vGPU, as a reset of its virtual function asks: stops
    /// its plugin task, clears its guest memory (the next VM on the VF
    /// may be another tenant's) and has GSP-RM start the task again with
    /// the same memory, heap and channels.
    ///
    /// # Errors
    ///
    /// GSP-RM's refusal to stop the task (nothing is cleared then);
    /// those of clearing the memory, after which the task stays stopped
    /// (a later reset tries again); GSP-RM's refusal to start it;
    /// `EAGAIN` while the GPU is being reset (the task is then started
    /// again by [`Vgpu::restart`] after it).
    #[inline(never)]
    pub fn reset(&mut self) -> Result {
        // Whatever fails below, the memory is cleared before the task
        // next starts; nothing is cleared while the task may still run
        // and write.
        self.dirty = true;
        self.shutdown()?;
        self.scrub()?;
        self.bootload()
    }

    /// Clears the guest memory with the copy engine, if it is to be.
    fn scrub(&mut self) -> Result {
        if !self.dirty {
            return Ok(());
        }
        self.scrubber.lock().clear(&self.fb).inspect_err(|e| {
            pr_err!(
                "nvgsp: cannot clear the guest memory of vGPU {}: {:?}\n",
                self.gfid,
                e
            )
        })?;
        self.dirty = false;
        Ok(())
    }

    /// `BOOTLOAD_GSP_VGPU_PLUGIN_TASK` (the fields open RM and the RFC v2
    /// host set).
    fn bootload(&mut self) -> Result {
        let mut p = KVec::from_elem(0u8, BootloadParams::SIZE, GFP_KERNEL)?;
        let chans = u32::try_from(self.channels.len()).map_err(|_| EINVAL)?;
        put(&mut p, offset_of!(BootloadParams, dbdf), self.dbdf)?;
        put(&mut p, offset_of!(BootloadParams, gfid), self.gfid)?;
        put(&mut p, offset_of!(BootloadParams, vgpu_type), self.type_id)?;
        put(&mut p, offset_of!(BootloadParams, num_channels), chans)?;
        put(
            &mut p,
            offset_of!(BootloadParams, num_plugin_channels),
            1u32,
        )?;
        let chid_offset = offset_of!(BootloadParams, chid_offset);
        for engine in 0..MAX_ENGINES {
            put(&mut p, chid_offset + 4 * engine, self.channels.start)?;
        }
        put(
            &mut p,
            offset_of!(BootloadParams, num_guest_fb_segments),
            1u32,
        )?;
        put(
            &mut p,
            offset_of!(BootloadParams, guest_fb_phys_addr_list),
            self.fb.offset(),
        )?;
        put(
            &mut p,
            offset_of!(BootloadParams, guest_fb_length_list),
            self.fb.size(),
        )?;
        let heap = self.heap.offset();
        put(
            &mut p,
            offset_of!(BootloadParams, plugin_heap_memory_phys_addr),
            heap,
        )?;
        put(
            &mut p,
            offset_of!(BootloadParams, plugin_heap_memory_length),
            self.heap.size(),
        )?;
        put(&mut p, offset_of!(BootloadParams, ctrl_buff_offset), 0u64)?;
        let init = heap + INIT_LOG_OFFSET;
        let vgpu_log = init + INIT_LOG_SIZE;
        let kernel_log = vgpu_log + VGPU_LOG_SIZE;
        put(
            &mut p,
            offset_of!(BootloadParams, init_task_log_buff_offset),
            init,
        )?;
        put(
            &mut p,
            offset_of!(BootloadParams, init_task_log_buff_size),
            INIT_LOG_SIZE,
        )?;
        put(
            &mut p,
            offset_of!(BootloadParams, vgpu_task_log_buff_offset),
            vgpu_log,
        )?;
        put(
            &mut p,
            offset_of!(BootloadParams, vgpu_task_log_buff_size),
            VGPU_LOG_SIZE,
        )?;
        put(
            &mut p,
            offset_of!(BootloadParams, kernel_log_buff_offset),
            kernel_log,
        )?;
        put(
            &mut p,
            offset_of!(BootloadParams, kernel_log_buff_size),
            KERNEL_LOG_SIZE,
        )?;

        let guard = self.gpu.services()?;
        let s = guard.get();
        let (_pass, generation) = s.enter()?;
        rm::control_bytes::<VgpuBootloadPluginTask>(&s.gsp.rpc, s.bar, s.dev, s.gpu.internal, &p)?;
        self.generation = Some(generation);
        Ok(())
    }

    /// Stops its plugin task and frees what GSP-RM holds for it, if it
    /// runs in the current GSP-RM (a task lost with its GSP-RM is
    /// stopped).
    ///
    /// # Errors
    ///
    /// GSP-RM's refusal to stop it (logged by the RM call): the task may
    /// still run, and is taken to.
    fn shutdown(&mut self) -> Result {
        let Some(generation) = self.generation else {
            return Ok(());
        };
        let Ok(guard) = self.gpu.services() else {
            self.generation = None;
            return Ok(());
        };
        let s = guard.get();
        if !self.gpu.is_current(generation) {
            self.generation = None;
            return Ok(());
        }
        let gfid = GfidParams { gfid: self.gfid };
        rm::control::<VgpuShutdownPluginTask>(&s.gsp.rpc, s.bar, s.dev, s.gpu.internal, &gfid)?;
        self.generation = None;
        // Cleanup only after a stop (open RM's order); a failure is logged
        // by the RM call, and the task is stopped.
        let _ = rm::control::<VgpuPluginCleanup>(&s.gsp.rpc, s.bar, s.dev, s.gpu.internal, &gfid);
        Ok(())
    }
}

impl Drop for Vgpu {
    fn drop(&mut self) {
        // Logged by the RM call; the memory and channels go back anyway
        // (GSP-RM refusing to stop a task it runs is its own defect).
        let _ = self.shutdown();
        if let Ok(guard) = self.gpu.services() {
            guard
                .get()
                .partition
                .free_channel_range(ClientKind::Vfio, self.channels.clone());
        }
        // `fb` and `heap` give their VRAM back as they drop.
    }
}
