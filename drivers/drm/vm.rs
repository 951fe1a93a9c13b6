// SPDX-License-Identifier: GPL-2.0

//! A file's GPU virtual address space (`VM_INIT`, `VM_BIND`).
//!
//! GPUVM (`kernel::drm::gpuvm`, immediate mode) tracks the mappings: it
//! splits what a map or unmap cuts and calls back for each step. The page
//! tables are the core's ([`VaSpace`]): each step maps or unmaps there,
//! and the core invalidates the TLB when the whole request is done
//! ([`Update`]), before GPUVM drops its references on the unmapped
//! objects ([`GpuVm::deferred_cleanup`]), so no page is freed while the
//! GPU may still reach it.
//!
//! The core's VA space (its RM object and page tables) is held for the
//! file by the DRM registration ([`VaSpaces`]): it must not outlive the
//! binding, which open files do.

use kernel::{
    device::{
        self,
        Bound, //
    },
    drm::gpuvm::{
        DriverGpuVm,
        GpuVaAlloc,
        GpuVm,
        OpMap,
        OpMapRequest,
        OpMapped,
        OpRemap,
        OpRemapped,
        OpUnmap,
        OpUnmapped,
        UniqueRefGpuVm, //
    },
    new_mutex,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        Mutex, //
    },
};

use core::ops::Range;

use nvgsp_core::client::{
    Gpu,
    Update,
    VaSpace, //
};

use crate::{
    driver::{
        NvgspDevice,
        NvgspDrmDriver, //
    },
    gem::{
        self,
        Domain, //
    },
};

/// The most VA spaces the DRM device's files hold at once: each is an
/// object in GSP-RM, which every client of the GPU shares.
const MAX_VASPACES: usize = 1024;

/// The most bytes of page tables one file's mappings may take (kernel
/// memory, not charged to the process otherwise): a 4 KiB table per 2 MiB
/// of VA used, so 32 GiB mapped densely, or 16K separate pages at worst.
pub(crate) const TABLE_LIMIT: u64 = 64 << 20;

/// The VA spaces of the DRM device's files, by key, for as long as the
/// DRM device is registered: [`VaSpaces::revoke`] frees them all when it
/// ends.
#[pin_data]
pub(crate) struct VaSpaces {
    /// `None` once revoked.
    #[pin]
    list: Mutex<Option<KVec<(u64, VaSpace)>>>,
    next: Atomic<u64>,
}

impl VaSpaces {
    pub(crate) fn new() -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(VaSpaces {
                list <- new_mutex!(Some(KVec::new())),
                next: Atomic::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// Holds `vaspace`; returns its key.
    ///
    /// # Errors
    ///
    /// `ENOSPC` past [`MAX_VASPACES`], `ENODEV` once revoked, `ENOMEM`.
    fn add(&self, vaspace: VaSpace) -> Result<u64> {
        let key = self.next.fetch_add(1, Relaxed);
        let mut list = self.list.lock();
        let list = Option::as_mut(&mut *list).ok_or(ENODEV)?;
        if list.len() >= MAX_VASPACES {
            return Err(ENOSPC);
        }
        list.push((key, vaspace), GFP_KERNEL)?;
        Ok(key)
    }

    /// Whether another VA space may be held now.
    fn has_room(&self) -> bool {
        self.list
            .lock()
            .as_ref()
            .is_some_and(|l| l.len() < MAX_VASPACES)
    }

    /// The VA space of `key`.
    fn get(&self, key: u64) -> Option<VaSpace> {
        let list = self.list.lock();
        list.as_ref()?
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    }

    /// Gives up the VA space of `key`.
    fn remove(&self, key: u64) -> Option<VaSpace> {
        let mut list = self.list.lock();
        let list = Option::as_mut(&mut *list)?;
        let at = list.iter().position(|(k, _)| *k == key)?;
        Some(list.remove(at).ok()?.1)
    }

    /// Frees every VA space held, and holds no more.
    pub(crate) fn revoke(&self) {
        let taken = self.list.lock().take();
        // Freed here, outside the lock (each frees its object in GSP-RM).
        drop(taken);
    }
}

/// The GPUVM side of a file's VA space.
pub(crate) struct VmData;

/// What one GPUVM request's steps need.
pub(crate) struct Steps<'a> {
    /// The device the objects' pages are mapped for (to map them).
    dev: Option<&'a device::Device<Bound>>,
    /// The core's VA space being changed; `None` once the DRM device was
    /// unregistered: then only GPUVM's tracking is undone.
    update: Option<Update<'a>>,
    /// Mapping nodes allocated before the request: steps cannot fail for
    /// memory once they changed the tables.
    gpuvas: [Option<GpuVaAlloc<VmData>>; 3],
}

impl Steps<'_> {
    fn gpuva(&mut self) -> Result<GpuVaAlloc<VmData>> {
        self.gpuvas.iter_mut().find_map(Option::take).ok_or(ENOMEM)
    }

    fn give_back(&mut self, gpuva: GpuVaAlloc<VmData>) {
        if let Some(slot) = self.gpuvas.iter_mut().find(|s| s.is_none()) {
            *slot = Some(gpuva);
        }
    }

    fn unmap(&mut self, range: Range<u64>) -> Result {
        match self.update.as_mut() {
            Some(u) if range.end > range.start => u.unmap(range.start, range.end - range.start),
            _ => Ok(()),
        }
    }
}

/// Maps `len` bytes of system object `obj` from `offset` at `va`, its
/// pages' DMA segments in turn; `done` says how much was mapped.
fn map_pages(
    dev: &device::Device<Bound>,
    update: &mut Update<'_>,
    obj: &gem::Object,
    offset: u64,
    va: u64,
    len: u64,
    done: &mut u64,
) -> Result {
    // Made before the request (`FileVm::apply`): this only looks.
    let sgt = obj.sg_table(dev)?;
    let mut skip = offset;
    for seg in sgt.iter() {
        #[allow(clippy::useless_conversion)]
        let (mut addr, mut seg_len) = (seg.dma_address(), u64::from(seg.dma_len()));
        let cut = skip.min(seg_len);
        (addr, seg_len, skip) = (addr + cut, seg_len - cut, skip - cut);
        let n = seg_len.min(len - *done);
        if n == 0 {
            if *done == len {
                break;
            }
            continue;
        }
        update.map_system(va + *done, addr, n)?;
        *done += n;
    }
    if *done == len {
        Ok(())
    } else {
        Err(EINVAL)
    }
}

impl DriverGpuVm for VmData {
    type Driver = NvgspDrmDriver;
    type Object = gem::Object;
    type VaData = ();
    type VmBoData = ();
    type SmContext<'ctx> = Steps<'ctx>;

    fn sm_step_map<'op>(
        &mut self,
        op: OpMap<'op, Self>,
        steps: &mut Steps<'_>,
    ) -> Result<OpMapped<'op, Self>> {
        let (va, len) = (op.addr(), op.length());
        // Everything that can fail for memory first: once pages are
        // mapped, GPUVM must track them.
        let gpuva = steps.gpuva()?;
        let (Some(dev), Some(update)) = (steps.dev, steps.update.as_mut()) else {
            return Err(ENODEV);
        };
        let obj = op.obj();
        let end = op.gem_offset().checked_add(len).ok_or(EINVAL)?;
        if end > gem::size_bytes(obj) {
            return Err(EINVAL);
        }
        let mut done = 0;
        let mapped = match obj.domain() {
            Domain::System => map_pages(dev, update, obj, op.gem_offset(), va, len, &mut done),
            // One VRAM range: mapped whole or not at all.
            Domain::Vram => obj
                .vram()
                .ok_or(ENODEV)
                .and_then(|r| r.memory())
                .and_then(|vram| update.map_vram(va, &vram, op.gem_offset(), len)),
        };
        if let Err(e) = mapped {
            if done > 0 {
                // What this step mapped, whole pages: no table needed.
                let _ = update.unmap(va, done);
            }
            steps.give_back(gpuva);
            return Err(e);
        }
        Ok(op.insert(gpuva, pin_init::init_zeroed()))
    }

    fn sm_step_unmap<'op>(
        &mut self,
        op: OpUnmap<'op, Self>,
        steps: &mut Steps<'_>,
    ) -> Result<OpUnmapped<'op, Self>> {
        steps.unmap(op.va().range())?;
        let (unmapped, _removed) = op.remove();
        Ok(unmapped)
    }

    fn sm_step_remap<'op>(
        &mut self,
        op: OpRemap<'op, Self>,
        steps: &mut Steps<'_>,
    ) -> Result<OpRemapped<'op, Self>> {
        let whole = op.va_to_unmap().range();
        let start = op.prev().map_or(whole.start, |p| p.addr() + p.length());
        let end = op.next().map_or(whole.end, |n| n.addr());
        let (prev, next) = (steps.gpuva()?, steps.gpuva()?);
        // The parts kept stay mapped as they are; the core splits the
        // pages the cut goes through.
        if let Err(e) = steps.unmap(start..end) {
            steps.give_back(prev);
            steps.give_back(next);
            return Err(e);
        }
        let (remapped, ret) = op.remap(
            [prev, next],
            pin_init::init_zeroed(),
            pin_init::init_zeroed(),
        );
        if let Some(unused) = ret.unused_va {
            steps.give_back(unused);
        }
        Ok(remapped)
    }
}

/// One file's VA space.
pub(crate) struct FileVm {
    gpuvm: UniqueRefGpuVm<VmData>,
    /// GPUVM's view, for what does not change its tree.
    shared: ARef<GpuVm<VmData>>,
    /// Where the registration holds the core's VA space.
    vaspaces: Arc<VaSpaces>,
    key: u64,
    range: Range<u64>,
}

/// One `VM_BIND` op, checked against its object.
pub(crate) enum Op {
    /// Map `range` bytes of `obj` from `offset` at `addr`.
    Map {
        obj: ARef<gem::Object>,
        addr: u64,
        range: u64,
        offset: u64,
    },
    /// Unmap whatever is in `range` bytes at `addr`.
    Unmap { addr: u64, range: u64 },
}

impl FileVm {
    /// A VA space for a file of `dev`: the core's, held in `vaspaces`.
    pub(crate) fn new(dev: &NvgspDevice, gpu: &Gpu, vaspaces: &Arc<VaSpaces>) -> Result<Self> {
        // Refused before GSP-RM is asked, if the cap is reached already
        // (`add` checks again).
        if !vaspaces.has_room() {
            return Err(ENOSPC);
        }
        let vaspace = gpu.alloc_vaspace()?;
        vaspace.set_table_limit(TABLE_LIMIT);
        let range = vaspace.client_range();
        let key = vaspaces.add(vaspace)?;
        // GPUVM's reservation object: an object of its own (Tyr does so).
        let gpuvm = gem::root_object(dev).and_then(|root| {
            GpuVm::new::<Error, _>(c"nvgsp", dev, &*root, range.clone(), 0..0, VmData)
        });
        let gpuvm = gpuvm.inspect_err(|_| drop(vaspaces.remove(key)))?;
        let shared = ARef::from(&*gpuvm);
        Ok(FileVm {
            gpuvm,
            shared,
            vaspaces: vaspaces.clone(),
            key,
            range,
        })
    }

    /// The core's VA space, while the DRM device is registered.
    pub(crate) fn vaspace(&self) -> Option<VaSpace> {
        self.vaspaces.get(self.key)
    }

    /// The VA range userspace binds in.
    pub(crate) fn range(&self) -> Range<u64> {
        self.range.clone()
    }

    /// Applies the ops `next` gives, in order, until it gives `None` or
    /// one fails; the GPU sees the result when this returns. Returns how
    /// many took effect, and the first failure. A map that fails leaves
    /// its range unmapped.
    ///
    /// # Errors
    ///
    /// `next`'s error; `EINVAL` for a range outside [`Self::range`] or
    /// past the object; `ENOMEM`; `ENODEV` once the device is
    /// unregistered.
    pub(crate) fn bind(
        &mut self,
        dev: &device::Device<Bound>,
        mut next: impl FnMut() -> Result<Option<Op>>,
    ) -> (u32, Result) {
        let Some(vaspace) = self.vaspaces.get(self.key) else {
            return (0, Err(ENODEV));
        };
        let update = match vaspace.update() {
            Ok(u) => u,
            Err(e) => return (0, Err(e)),
        };
        let mut steps = Steps {
            dev: Some(dev),
            update: Some(update),
            gpuvas: [None, None, None],
        };
        let mut done = 0;
        let result = loop {
            let op = match next() {
                Ok(Some(op)) => op,
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            };
            // A signal stops a long list between ops (not after its last).
            if done > 0 && kernel::current!().signal_pending() {
                break Err(EINTR);
            }
            if let Err(e) = self.apply(&mut steps, op) {
                break Err(e);
            }
            done += 1;
        };
        // The core invalidates the TLB; only then may GPUVM let go of
        // what was unmapped (the objects' pages). If it could not, they
        // wait for the next change that ends well.
        let flushed = steps.update.take().map_or(Ok(()), Update::finish);
        drop(steps);
        if flushed.is_ok() {
            self.shared.deferred_cleanup();
        }
        (done, result.and(flushed))
    }

    fn apply(&mut self, steps: &mut Steps<'_>, op: Op) -> Result {
        let (addr, range) = match &op {
            Op::Map { addr, range, .. } | Op::Unmap { addr, range } => (*addr, *range),
        };
        let end = addr.checked_add(range).ok_or(EINVAL)?;
        if range == 0 || addr < self.range.start || end > self.range.end {
            return Err(EINVAL);
        }
        for slot in steps.gpuvas.iter_mut().filter(|s| s.is_none()) {
            *slot = Some(GpuVaAlloc::new(GFP_KERNEL)?);
        }
        match op {
            Op::Map { obj, offset, .. } => {
                // A VRAM object's memory cleared before its first use, and
                // a system object's pages pinned and mapped for the GPU,
                // now, before GPUVM unmaps what the new mapping replaces.
                if let Some(r) = obj.vram() {
                    r.memory()?;
                }
                if let Some(dev) = steps.dev.filter(|_| obj.domain() == Domain::System) {
                    obj.sg_table(dev)?;
                }
                let vm_bo = self.shared.obtain(&obj, ())?;
                let r = self.gpuvm.sm_map(OpMapRequest {
                    addr,
                    range,
                    gem_offset: offset,
                    vm_bo: &vm_bo,
                    context: steps,
                });
                if r.is_err() {
                    // Whatever of the range the failed request changed
                    // goes (a cut needs the nodes the map may have used).
                    for slot in steps.gpuvas.iter_mut().filter(|s| s.is_none()) {
                        *slot = GpuVaAlloc::new(GFP_KERNEL).ok();
                    }
                    let _ = self.gpuvm.sm_unmap(addr, range, steps);
                }
                r
            }
            Op::Unmap { .. } => self.gpuvm.sm_unmap(addr, range, steps),
        }
    }
}

impl Drop for FileVm {
    fn drop(&mut self) {
        // Unmap everything while the page tables are there (if the core
        // still has the GPU), then free the core's VA space.
        let vaspace = self.vaspaces.remove(self.key);
        {
            let mut steps = Steps {
                dev: None,
                update: vaspace.as_ref().and_then(|v| v.update().ok()),
                gpuvas: [None, None, None],
            };
            // The whole range: no mapping is cut, so no step allocates.
            if let Err(e) = self.gpuvm.sm_unmap(
                self.range.start,
                self.range.end - self.range.start,
                &mut steps,
            ) {
                pr_err!(
                    "nvgsp_drm: cannot unmap a closed file's VA space: {:?}\n",
                    e
                );
            }
            // A failed invalidate was logged. The GPU is being reset or
            // given up then, which ends its use of the pages; GPUVM's
            // tree must be empty before it goes.
            if let Some(update) = steps.update.take() {
                let _ = update.finish();
            }
        }
        self.shared.deferred_cleanup();
        drop(vaspace);
    }
}
