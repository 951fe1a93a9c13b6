// SPDX-License-Identifier: GPL-2.0

//! Per-open-file state and the ioctl handlers.

use nvgsp_core::client::{
    Engine,
    Push,
    CLIENT_VA_END,
    CLIENT_VA_START, //
    GPFIFO_ENTRIES,
};

use kernel::{
    drm::{
        self,
        Registered, //
    },
    new_mutex,
    prelude::*,
    sync::{
        Arc,
        Mutex, //
    },
    uaccess::{
        UserPtr,
        UserSlice, //
    },
};

use crate::{
    channel::{
        Channel,
        Job,
        JOB_TIMEOUT_MS, //
    },
    driver::{
        dma_device,
        Binding,
        NvgspDevice,
        NvgspDrmDriver, //
    },
    gem,
    sync_lists::{
        read_list,
        BindTimeline,
        SyncLists,
        MAX_SYNC as EXEC_MAX_SYNC, //
    },
    uapi,
    vm::{
        FileVm,
        Op, //
    },
};

/// The most ops one `VM_BIND` takes (`NVGSP_PARAM_VM_BIND_MAX_OPS`): the
/// ioctl holds the VA space for all of them.
const VM_BIND_MAX_OPS: u32 = 4096;
/// The GPU page sizes VM_BIND maps with (`NVGSP_PARAM_PAGE_SIZES`).
const PAGE_SIZES: u64 = (4 << 10) | (64 << 10) | (2 << 20);
/// `VM_BIND` ranges and offsets are multiples of this.
const BIND_ALIGN: u64 = 4 << 10;

/// Channels one file may have (`NVGSP_PARAM_CHANNEL_MAX`).
const CHANNEL_MAX: usize = 16;
/// The most pushes one `EXEC` takes (`NVGSP_PARAM_EXEC_MAX_PUSH`): with
/// the core's own entry, a job fits a quarter of the ring.
const EXEC_MAX_PUSH: u32 = 127;
/// The largest push, in bytes: what a GPFIFO entry's length field holds
/// (21 bits of words).
const PUSH_MAX_SIZE: u32 = ((1 << 21) - 1) * 4;
/// Pushes are read at GPU VAs below this (GPFIFO entries hold 40 bits).
const PUSH_VA_END: u64 = 1 << 40;

/// State of one open file of the DRM device.
#[pin_data(PinnedDrop)]
pub(crate) struct File {
    /// The file's channels, by number; freed before the VA space.
    #[pin]
    channels: Mutex<FileChannels>,
    /// The file's VA space, once `VM_INIT` made it.
    #[pin]
    vm: Mutex<Option<FileVm>>,
    /// The fences of its ordered `VM_BIND`s.
    bind_timeline: BindTimeline,
}

/// A file's channels.
struct FileChannels {
    list: KVec<(u32, Arc<Channel>)>,
    /// The number the next channel gets.
    next: u32,
}

#[pinned_drop]
impl PinnedDrop for File {
    fn drop(self: Pin<&mut Self>) {
        let list = core::mem::take(&mut self.channels.lock().list);
        for (_, c) in list {
            c.free();
        }
    }
}

impl drm::file::DriverFile for File {
    type Driver = NvgspDrmDriver;

    fn open(_dev: &NvgspDevice) -> Result<Pin<KBox<Self>>> {
        KBox::pin_init(
            pin_init!(File {
                channels <- new_mutex!(FileChannels {
                    list: KVec::new(),
                    next: 1,
                }),
                vm <- new_mutex!(None),
                bind_timeline: BindTimeline::new(),
            }),
            GFP_KERNEL,
        )
    }
}

impl File {
    /// `DRM_IOCTL_NVGSP_GETPARAM`: one property of the GPU, as the core
    /// reported it at bind time, or of the DRM device's share now.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a parameter this driver does not know; `ENODEV` if the
    /// core is gone.
    pub(crate) fn get_param(
        dev: &NvgspDevice<Registered>,
        binding: &Binding,
        getparam: &mut uapi::drm_nvgsp_getparam,
        _file: &drm::File<File>,
    ) -> Result<u32> {
        let data = &**dev;
        let (chip, gpu) = (&data.chip, &data.gpu);
        // The numbers are small: one that does not fit 32 bits is unknown.
        getparam.value = match u32::try_from(getparam.param).unwrap_or(u32::MAX) {
            uapi::NVGSP_PARAM_CHIPSET => u64::from(chip.chipset()),
            uapi::NVGSP_PARAM_REVISION => u64::from(chip.revision()),
            uapi::NVGSP_PARAM_VRAM_SIZE => gpu.vram_size(),
            uapi::NVGSP_PARAM_USABLE_VRAM_SIZE => gpu.usable_vram(),
            uapi::NVGSP_PARAM_GPC_COUNT => u64::from(gpu.gpcs()),
            uapi::NVGSP_PARAM_TPC_PER_GPC => u64::from(gpu.tpcs_per_gpc()),
            uapi::NVGSP_PARAM_ENGINE_MASK => gpu.engine_mask(),
            uapi::NVGSP_PARAM_VRAM_SHARE => binding.gpu.vram_share()?.limit,
            uapi::NVGSP_PARAM_VRAM_SHARE_USED => binding.gpu.vram_share()?.used,
            uapi::NVGSP_PARAM_GEM_MAX_SIZE => gem::MAX_SIZE,
            uapi::NVGSP_PARAM_PAGE_SIZES => PAGE_SIZES,
            uapi::NVGSP_PARAM_VA_START => CLIENT_VA_START,
            uapi::NVGSP_PARAM_VA_END => CLIENT_VA_END,
            uapi::NVGSP_PARAM_VM_BIND_MAX_OPS => u64::from(VM_BIND_MAX_OPS),
            uapi::NVGSP_PARAM_BAR1_SIZE => binding.gpu.cpu_window_size()?,
            uapi::NVGSP_PARAM_CHANNEL_MAX => CHANNEL_MAX as u64,
            uapi::NVGSP_PARAM_GPFIFO_ENTRIES => u64::from(GPFIFO_ENTRIES),
            uapi::NVGSP_PARAM_EXEC_MAX_PUSH => u64::from(EXEC_MAX_PUSH),
            uapi::NVGSP_PARAM_EXEC_MAX_SYNC => u64::from(EXEC_MAX_SYNC),
            uapi::NVGSP_PARAM_JOB_TIMEOUT_MS => u64::from(JOB_TIMEOUT_MS),
            uapi::NVGSP_PARAM_PUSH_MAX_SIZE => u64::from(PUSH_MAX_SIZE),
            _ => return Err(EINVAL),
        };
        Ok(0)
    }

    /// `DRM_IOCTL_NVGSP_GEM_CREATE`: a new object and its handle.
    ///
    /// # Errors
    ///
    /// `EINVAL` for flags or padding that are not zero, a zero size or
    /// one over [`gem::MAX_SIZE`], or an unknown domain; `ENOMEM`;
    /// `ENOSPC` if the device's mmap offsets are used up or, for VRAM,
    /// the DRM share is full.
    pub(crate) fn gem_create(
        dev: &NvgspDevice<Registered>,
        binding: &Binding,
        req: &mut uapi::drm_nvgsp_gem_create,
        file: &drm::File<File>,
    ) -> Result<u32> {
        if req.flags != 0 || req.pad != 0 {
            return Err(EINVAL);
        }
        req.handle = gem::create(dev, &binding.vram, file, req.size, req.domain)?;
        Ok(0)
    }

    /// `DRM_IOCTL_NVGSP_GEM_INFO`: an object's domain, size and mmap
    /// offset.
    ///
    /// # Errors
    ///
    /// `ENOENT` for a handle this file does not have.
    pub(crate) fn gem_info(
        _dev: &NvgspDevice<Registered>,
        _binding: &Binding,
        req: &mut uapi::drm_nvgsp_gem_info,
        file: &drm::File<File>,
    ) -> Result<u32> {
        let info = gem::info(file, req.handle)?;
        req.domain = info.domain.to_uapi();
        req.size = info.size;
        req.map_offset = info.map_offset;
        Ok(0)
    }

    /// `DRM_IOCTL_NVGSP_VM_INIT`: the file's VA space.
    ///
    /// # Errors
    ///
    /// `EINVAL` for flags or padding that are not zero; `EEXIST` if the
    /// file has one; `ENOMEM`; what the core says (`ENODEV`, `EAGAIN`
    /// during a GPU reset).
    pub(crate) fn vm_init(
        dev: &NvgspDevice<Registered>,
        binding: &Binding,
        req: &mut uapi::drm_nvgsp_vm_init,
        file: &drm::File<File>,
    ) -> Result<u32> {
        if req.flags != 0 || req.pad != 0 {
            return Err(EINVAL);
        }
        let inner = file.inner();
        let mut vm = inner.vm.lock();
        if vm.is_some() {
            return Err(EEXIST);
        }
        let new = FileVm::new(dev, &binding.gpu, &binding.vaspaces)?;
        let range = new.range();
        *vm = Some(new);
        (req.va_start, req.va_end) = (range.start, range.end);
        Ok(0)
    }

    /// `DRM_IOCTL_NVGSP_VM_BIND`: map and unmap in the file's VA space.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a malformed request or op (logged at debug level: the
    /// op's index and why), `ENOENT` without `VM_INIT` or for a handle
    /// this file does not have, `EFAULT` for an op list userspace cannot
    /// read, `ENOSPC` past the file's page table budget, `EINTR` at a
    /// signal, `ENOMEM`, `EAGAIN` during a GPU reset, `ENODEV` once the
    /// GPU is gone.
    pub(crate) fn vm_bind(
        dev: &NvgspDevice<Registered>,
        _binding: &Binding,
        req: &mut uapi::drm_nvgsp_vm_bind,
        file: &drm::File<File>,
    ) -> Result<u32> {
        req.ops_done = 0;
        let ordered = req.flags == uapi::NVGSP_VM_BIND_RUN_ASYNC;
        if (req.flags != 0 && !ordered)
            || req.pad != 0
            || (!ordered
                && (req.wait_count != 0
                    || req.sig_count != 0
                    || req.wait_ptr != 0
                    || req.sig_ptr != 0))
        {
            pr_debug!("nvgsp_drm: VM_BIND: flags, reserved or padding fields not 0\n");
            return Err(EINVAL);
        }
        if req.wait_count > EXEC_MAX_SYNC || req.sig_count > EXEC_MAX_SYNC {
            pr_debug!("nvgsp_drm: VM_BIND: too many sync entries\n");
            return Err(EINVAL);
        }
        if req.op_count == 0 || req.op_count > VM_BIND_MAX_OPS {
            pr_debug!(
                "nvgsp_drm: VM_BIND: {} ops (1 to {VM_BIND_MAX_OPS})\n",
                req.op_count
            );
            return Err(EINVAL);
        }
        let size = core::mem::size_of::<uapi::drm_nvgsp_vm_bind_op>();
        let len = usize::try_from(req.op_count)
            .ok()
            .and_then(|n| n.checked_mul(size))
            .ok_or(EINVAL)?;
        let ptr = usize::try_from(req.op_ptr).map_err(|_| EFAULT)?;
        // All of the list is read before anything is locked: a read may
        // wait on userspace (a fault, userfaultfd) for as long as it likes.
        let mut reader = UserSlice::new(UserPtr::from_addr(ptr), len).reader();
        let mut raw_ops = VVec::with_capacity(usize::try_from(req.op_count)?, GFP_KERNEL)?;
        for _ in 0..req.op_count {
            raw_ops.push(reader.read::<uapi::drm_nvgsp_vm_bind_op>()?, GFP_KERNEL)?;
        }
        let order = if ordered {
            Some(SyncLists::read(
                file,
                (req.wait_ptr, req.wait_count),
                (req.sig_ptr, req.sig_count),
            )?)
        } else {
            None
        };
        // The ops take effect after what they wait for.
        if let Some(o) = &order {
            o.wait()?;
        }
        let inner = file.inner();
        let mut vm = inner.vm.lock();
        let vm = Option::as_mut(&mut *vm).ok_or(ENOENT)?;
        let mut ops = raw_ops.iter().enumerate();
        let (done, result) = vm.bind(dma_device(dev), || {
            let Some((index, raw)) = ops.next() else {
                return Ok(None);
            };
            let op = checked_op(file, raw).inspect_err(|e| {
                pr_debug!("nvgsp_drm: VM_BIND: op {} refused: {:?}\n", index, e);
            })?;
            Ok(Some(op))
        });
        req.ops_done = done;
        if let Some(o) = order {
            o.signal(&inner.bind_timeline, result)?;
        }
        result.map(|()| 0)
    }
}

impl File {
    /// `DRM_IOCTL_NVGSP_CHANNEL_ALLOC`: a channel on a copy engine, in
    /// the file's VA space.
    ///
    /// # Errors
    ///
    /// `EINVAL` for flags not 0; `ENOENT` without `VM_INIT`; `EMFILE`
    /// past [`CHANNEL_MAX`]; `ENODEV` for a copy engine that runs no
    /// channels; `ENOSPC` past the DRM share; `ENOMEM`; `EAGAIN` during a
    /// GPU reset.
    pub(crate) fn channel_alloc(
        _dev: &NvgspDevice<Registered>,
        binding: &Binding,
        req: &mut uapi::drm_nvgsp_channel_alloc,
        file: &drm::File<File>,
    ) -> Result<u32> {
        if req.flags != 0 {
            return Err(EINVAL);
        }
        let engine = Engine::copy(req.copy_engine).ok_or(ENODEV)?;
        let inner = file.inner();
        let vaspace = inner
            .vm
            .lock()
            .as_ref()
            .ok_or(ENOENT)?
            .vaspace()
            .ok_or(ENODEV)?;
        // The file's lock is held while the channel is made: the cap
        // holds, and numbers are not reused.
        let mut channels = inner.channels.lock();
        if channels.list.len() >= CHANNEL_MAX {
            return Err(EMFILE);
        }
        if !binding.channels.has_room() {
            return Err(ENOSPC);
        }
        let number = channels.next;
        let next = number.checked_add(1).ok_or(EMFILE)?;
        channels.list.reserve(1, GFP_KERNEL)?;
        let channel = Channel::new(&binding.gpu, &binding.channels, engine, vaspace)?;
        channels.list.push((number, channel), GFP_KERNEL)?;
        channels.next = next;
        req.channel = number;
        req.gpfifo_entries = GPFIFO_ENTRIES;
        Ok(0)
    }

    /// `DRM_IOCTL_NVGSP_CHANNEL_FREE`.
    ///
    /// # Errors
    ///
    /// `EINVAL` for padding not 0; `ENOENT` for a channel the file does
    /// not have.
    pub(crate) fn channel_free(
        _dev: &NvgspDevice<Registered>,
        _binding: &Binding,
        req: &mut uapi::drm_nvgsp_channel_free,
        file: &drm::File<File>,
    ) -> Result<u32> {
        if req.pad != 0 {
            return Err(EINVAL);
        }
        let inner = file.inner();
        let channel = {
            let mut channels = inner.channels.lock();
            let at = channels
                .list
                .iter()
                .position(|(n, _)| *n == req.channel)
                .ok_or(ENOENT)?;
            channels.list.remove(at).map_err(|_| ENOENT)?.1
        };
        channel.free();
        Ok(0)
    }

    /// `DRM_IOCTL_NVGSP_EXEC`: queues a job on a channel of the file.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a malformed request, push or sync entry, or a wait
    /// on a sync object without a fence; `ENOENT` for an unknown channel
    /// or sync object; `EFAULT` for a list that cannot be read; `EINTR`
    /// at a signal while the channel's queue is full; `ENOMEM`; `ENODEV`.
    pub(crate) fn exec(
        _dev: &NvgspDevice<Registered>,
        _binding: &Binding,
        req: &mut uapi::drm_nvgsp_exec,
        file: &drm::File<File>,
    ) -> Result<u32> {
        if req.flags != 0 || req.pad != 0 {
            pr_debug!("nvgsp_drm: EXEC: flags or padding not 0\n");
            return Err(EINVAL);
        }
        if req.push_count > EXEC_MAX_PUSH
            || req.wait_count > EXEC_MAX_SYNC
            || req.sig_count > EXEC_MAX_SYNC
        {
            pr_debug!("nvgsp_drm: EXEC: too many pushes or sync entries\n");
            return Err(EINVAL);
        }
        // Everything is read before anything is looked up or locked.
        let raw_pushes = read_list::<uapi::drm_nvgsp_exec_push>(req.push_ptr, req.push_count)?;
        let mut pushes = KVec::with_capacity(raw_pushes.len(), GFP_KERNEL)?;
        for p in raw_pushes.iter() {
            pushes.push(checked_push(p)?, GFP_KERNEL)?;
        }
        // The signals are prepared before the job is queued: nothing
        // fails after.
        let mut syncs = SyncLists::read(
            file,
            (req.wait_ptr, req.wait_count),
            (req.sig_ptr, req.sig_count),
        )?;
        let channel = file
            .inner()
            .channels
            .lock()
            .list
            .iter()
            .find(|(n, _)| *n == req.channel)
            .map(|(_, c)| c.clone())
            .ok_or(ENOENT)?;
        let waits = core::mem::take(&mut syncs.waits);
        let fence = channel.queue(Job { pushes, waits })?;
        syncs.install(&fence);
        Ok(0)
    }
}

/// The push `raw` names.
///
/// # Errors
///
/// `EINVAL` for flags not 0, a VA not 4-byte aligned or past 40 bits, or
/// a length that is not a multiple of 4 from 4 to [`PUSH_MAX_SIZE`].
fn checked_push(raw: &uapi::drm_nvgsp_exec_push) -> Result<Push> {
    let end = raw.va.checked_add(u64::from(raw.va_len)).ok_or(EINVAL)?;
    if raw.flags != 0
        || raw.va % 4 != 0
        || raw.va_len % 4 != 0
        || raw.va_len == 0
        || raw.va_len > PUSH_MAX_SIZE
        || end > PUSH_VA_END
    {
        pr_debug!(
            "nvgsp_drm: EXEC: bad push {:#x}+{:#x}\n",
            raw.va,
            raw.va_len
        );
        return Err(EINVAL);
    }
    Ok(Push {
        va: raw.va,
        dwords: raw.va_len / 4,
    })
}

/// The op `raw` asks for, with its object looked up in `file`.
///
/// # Errors
///
/// `EINVAL` for an unknown op, flags or padding not 0, a range or offset
/// not 4 KiB aligned, an empty or overflowing range, or one past the
/// object; `ENOENT` for a handle `file` does not have.
fn checked_op(file: &drm::File<File>, raw: &uapi::drm_nvgsp_vm_bind_op) -> Result<Op> {
    let aligned = |v: u64| v % BIND_ALIGN == 0;
    if raw.flags != 0
        || raw.pad != 0
        || raw.range == 0
        || !aligned(raw.addr)
        || !aligned(raw.range)
        || !aligned(raw.bo_offset)
        || raw.addr.checked_add(raw.range).is_none()
    {
        return Err(EINVAL);
    }
    match raw.op {
        uapi::NVGSP_VM_BIND_OP_MAP => {
            let obj = gem::lookup(file, raw.handle)?;
            let end = raw.bo_offset.checked_add(raw.range).ok_or(EINVAL)?;
            if end > gem::size_bytes(&obj) {
                return Err(EINVAL);
            }
            Ok(Op::Map {
                obj,
                addr: raw.addr,
                range: raw.range,
                offset: raw.bo_offset,
            })
        }
        uapi::NVGSP_VM_BIND_OP_UNMAP if raw.handle == 0 && raw.bo_offset == 0 => Ok(Op::Unmap {
            addr: raw.addr,
            range: raw.range,
        }),
        _ => Err(EINVAL),
    }
}
