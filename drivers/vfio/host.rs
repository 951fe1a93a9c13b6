// SPDX-License-Identifier: GPL-2.0

//! The vGPU host of one GPU: what the auxiliary driver, bound to the GPU's
//! `nvgsp_core.vfio.<id>`, keeps while GSP-RM runs in SR-IOV mode.
//!
//! At bind ([`HostRegistration::new`]) it gives GSP-RM the board's vGPU
//! types that fit the vfio kind's share ([`crate::types`]), subscribes to
//! GSP-RM's plugin events and registers for GPU resets, and enters the
//! module's registry, where the GPU's virtual functions find it when they
//! probe ([`find`]). Each VF bound to the virtual functions' driver has a
//! slot; a VF's vGPU ([`Vgpu`], from [`VgpuManager::start`]) lives in its
//! slot.
//!
//! # Locks
//!
//! In the order they nest:
//! 1. a VF's device lock ([`VfLocked`]): held by the VF's remove and its
//!    sysfs writes, taken by the host's teardown; one vGPU creation or
//!    destruction per VF at a time;
//! 2. VFIO's device-set lock, around a VFIO device's open and close;
//! 3. the host's `state` mutex: the VFs' slots and their vGPUs. Held over
//!    GSP-RM calls (creation, reset, restart), never over the
//!    registration or unregistration of a VFIO device (VFIO's locks are
//!    taken there, and unregistering waits for the VMM to close the
//!    device, which takes this lock);
//! 4. a VF's handle lock ([`crate::kernel_gaps::VfHandle`]), to signal its
//!    VMM.
//!
//! The core's recovery calls [`OnReset`] with no lock of ours held; its
//! `done` takes `state`, and GSP-RM calls under `state` fail at once with
//! `EAGAIN` during a reset rather than wait for it.
//!
//! # Lifetimes
//!
//! A host is shared by its registration (the auxiliary driver's data), the
//! registry, its reset handler and its VFs. Unbinding the auxiliary
//! driver ([`HostRegistration`]'s drop) takes it out of the registry,
//! stops its event and reset handlers, and has each VF leave it
//! ([`crate::vf::Vf::leave`]): its vGPU is destroyed (waiting for a VMM
//! that holds it) and the VF stays bound without a host. When nvgsp_core
//! unbinds from the GPU it disables SR-IOV first, so the VFs are removed
//! before the host goes.

use kernel::{
    auxiliary,
    device::{
        Core,
        Device, //
    },
    new_mutex,
    prelude::*,
    sync::{
        aref::ARef,
        Arc,
        Mutex, //
    },
};

use nvgsp_core::client::{
    Client,
    Event,
    EventHandler,
    EventKind,
    EventKinds,
    Gpu,
    ResetHandler,
    ResetNotifier,
    Subscription,
    Vgpu,
    VgpuManager,
    VgpuStart,
    VgpuType,
    What, //
};

use crate::{
    kernel_gaps::{
        self,
        VfLocked,
        VfioView, //
    },
    rules::{
        self,
        Occupancy, //
    },
    types::{
        self,
        Budget,
        Names, //
    },
    vf::Vf,
};

/// `NVA084_NOTIFIERS_PLUGIN_TASK_CRASHED` (open-gpu-kernel-modules
/// `cla084_notification.h`): a `VGPU_GSP_PLUGIN_TRIGGERED` event's
/// notification that the plugin task of a vGPU crashed.
const PLUGIN_TASK_CRASHED: u32 = 2;

/// Why a vGPU is destroyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Removal {
    /// `current_vgpu_type` was written 0: refused while a VMM holds the
    /// VFIO device; the VF gets a new VFIO device for its next vGPU.
    Asked,
    /// The VF is removed: waits for the VMM.
    VfGone,
    /// The host goes: waits for the VMM; the VF has no vGPU after.
    HostGone,
}

/// A VF's vGPU with what the host keeps of it.
struct Running {
    vgpu: Vgpu,
    /// Its type, BAR1 sized for the VF.
    vgpu_type: VgpuType,
    /// A VMM holds its VFIO device open.
    open: bool,
    /// Its VFIO device is being unregistered: it does not open again.
    closing: bool,
}

/// A VF of the GPU bound to the virtual functions' driver.
struct Slot {
    vf: Arc<Vf>,
    vgpu: Option<Running>,
}

/// What the host's lock guards.
struct HostState {
    /// GSP-RM's vGPU manager; `None` once the host goes (nothing is
    /// created, and no VF joins, after).
    manager: Option<VgpuManager>,
    slots: KVec<Slot>,
    /// From a GPU reset's start until the new GSP-RM has the types and
    /// the tasks again ([`Host::restart_all`]): a vGPU cannot be reset
    /// meanwhile (its type is unknown to GSP-RM until then).
    restarting: bool,
}

impl HostState {
    fn slot(&mut self, vf: &Vf) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| core::ptr::eq(&*s.vf, vf))
    }

    fn running(&mut self, vf: &Vf) -> Option<&mut Running> {
        self.slot(vf).and_then(|s| s.vgpu.as_mut())
    }

    /// The GPU's vGPUs as the rules see them for `vf`.
    fn occupancy(&self, vf: &Vf) -> Occupancy {
        let mut occ = Occupancy::default();
        for s in self.slots.iter() {
            let Some(r) = &s.vgpu else {
                continue;
            };
            occ.add(r.vgpu_type.id);
            if core::ptr::eq(&*s.vf, vf) {
                occ.this = Some(r.vgpu_type.id);
            }
        }
        occ
    }
}

/// The vGPU host of one GPU.
#[pin_data]
pub(crate) struct Host {
    /// Its key in the registry: the PF's auxiliary device ID.
    key: u32,
    /// The auxiliary device, for log lines.
    dev: ARef<Device>,
    /// The types GSP-RM was given.
    types: KVec<VgpuType>,
    #[pin]
    state: Mutex<HostState>,
}

/// The host of the GPU whose key is `pf_key`, if it has one.
pub(crate) fn find(pf_key: u32) -> Option<Arc<Host>> {
    kernel_gaps::hosts()?
        .iter()
        .find(|h| h.key == pf_key)
        .cloned()
}

impl Host {
    /// Has `vf` join the host.
    ///
    /// # Errors
    ///
    /// `ENODEV` if the host is going; `ENOMEM`.
    pub(crate) fn attach(&self, vf: &Arc<Vf>) -> Result {
        let mut s = self.state.lock();
        if s.manager.is_none() {
            return Err(ENODEV);
        }
        s.slots.push(
            Slot {
                vf: vf.clone(),
                vgpu: None,
            },
            GFP_KERNEL,
        )?;
        Ok(())
    }

    /// Destroys `vf`'s vGPU, waiting for its VMM, and takes the VF out.
    pub(crate) fn detach(&self, vf: &Vf, locked: &VfLocked<'_>, why: Removal) {
        // Logged by `destroy`; the slot goes regardless.
        let _ = self.destroy(vf, locked, why);
        let mut s = self.state.lock();
        s.slots.retain(|x| !core::ptr::eq(&*x.vf, vf));
    }

    /// Writes `vf`'s `creatable_vgpu_types`.
    pub(crate) fn write_creatable(
        &self,
        vf: &Vf,
        w: &mut impl core::fmt::Write,
    ) -> core::fmt::Result {
        let occ = self.state.lock().occupancy(vf);
        rules::write_creatable(w, &self.types, &occ)
    }

    /// The type of `vf`'s vGPU; 0 for none.
    pub(crate) fn current_type(&self, vf: &Vf) -> u32 {
        self.state.lock().running(vf).map_or(0, |r| r.vgpu_type.id)
    }

    /// Creates a vGPU of type `id` on `vf`: starts it in GSP-RM, then
    /// registers the VF's VFIO device. A failure undoes both.
    ///
    /// # Errors
    ///
    /// `ENODEV` for an unknown type (or a host going away), `EINVAL` if the
    /// GPU's vGPUs are of another type, `ENOSPC` if it holds as many of the
    /// type as it can, `EBUSY` if the VF has a vGPU; those of
    /// [`VgpuManager::start`] (`ENOSPC` beyond the vfio share, `ENOMEM`,
    /// GSP-RM's refusal, `EAGAIN` during a GPU reset) and of
    /// [`VfLocked::register`].
    pub(crate) fn create(&self, vf: &Vf, locked: &VfLocked<'_>, id: u32) -> Result {
        let dev = vf.device();
        let info = *vf.info();
        let mut guard = self.state.lock();
        let s = &mut *guard;
        let Some(manager) = &s.manager else {
            dev_err!(
                dev,
                "cannot create a vGPU: the GPU's vGPU host is going away\n"
            );
            return Err(ENODEV);
        };
        let occ = s.occupancy(vf);
        let t = rules::check_create(&self.types, &occ, id).map_err(|r| {
            dev_err!(dev, "vGPU type {} refused: {}\n", id, r);
            r.errno()
        })?;
        let mut vgpu_type = *t;
        vgpu_type.bar1_mib = vgpu_type.bar1_mib.min(info.bar1_len >> 20);
        let view = match rules::vfio_ids(&vgpu_type) {
            Some((device_id, subsystem_id)) if vgpu_type.bar1_mib != 0 => VfioView {
                device_id,
                subsystem_id,
                bar1_size: vgpu_type.bar1_mib << 20,
            },
            _ => {
                dev_err!(
                    dev,
                    "{}: no VFIO view of it on this virtual function (IDs, BAR1)\n",
                    t.name
                );
                return Err(EINVAL);
            }
        };
        let start = VgpuStart {
            gfid: u32::from(info.index) + 1,
            dbdf: info.dbdf,
            vgpu_type,
        };
        let vgpu = manager
            .start(&start)
            .inspect_err(|e| dev_err!(dev, "cannot create a {} vGPU: {:?}\n", t.name, e))?;
        let fb_at = vgpu.fb().0;
        let Some(slot) = s.slot(vf) else {
            // Not reached: a bound VF has its slot until its remove.
            return Err(ENODEV);
        };
        slot.vgpu = Some(Running {
            vgpu,
            vgpu_type,
            open: false,
            closing: false,
        });
        drop(guard);

        // Without the lock: VFIO's locks are taken here, and the VFIO
        // device's open takes ours under them.
        if let Err(e) = locked.register(&view) {
            let hint = if e == EINVAL {
                " (without an IOMMU, VFIO needs its enable_unsafe_noiommu_mode)"
            } else {
                ""
            };
            dev_err!(
                dev,
                "cannot register the VFIO device of the {} vGPU: {:?}{}\n",
                vgpu_type.name,
                e,
                hint
            );
            let mut s = self.state.lock();
            let undone = s.slot(vf).and_then(|x| x.vgpu.take());
            // Stops the plugin task and gives memory and channels back.
            drop(undone);
            return Err(e);
        }
        dev_info!(
            dev,
            "vGPU {} (type {}) created: gfid {}, {} MiB guest memory at VRAM {:#x}, {} MiB BAR1, {} channels\n",
            vgpu_type.name,
            vgpu_type.id,
            start.gfid,
            vgpu_type.fb_length >> 20,
            fb_at,
            vgpu_type.bar1_mib,
            vgpu_type.channels
        );
        Ok(())
    }

    /// Destroys `vf`'s vGPU, if it has one: unregisters its VFIO device,
    /// then stops it in GSP-RM and gives its memory and channels back.
    ///
    /// # Errors
    ///
    /// With [`Removal::Asked`]: `EBUSY` while a VMM holds the VFIO device.
    /// `ENODEV` if the VF was removed meanwhile (not reached: its remove
    /// waits for the device lock the caller holds).
    pub(crate) fn destroy(&self, vf: &Vf, locked: &VfLocked<'_>, why: Removal) -> Result {
        let dev = vf.device();
        let name = {
            let mut s = self.state.lock();
            let Some(r) = s.running(vf) else {
                return Ok(());
            };
            if why == Removal::Asked {
                rules::check_destroy(r.open).map_err(|refusal| {
                    dev_err!(
                        dev,
                        "vGPU {} not destroyed: {}\n",
                        r.vgpu_type.name,
                        refusal
                    );
                    refusal.errno()
                })?;
            }
            r.closing = true;
            r.vgpu_type.name
        };
        // Without the lock: unregistering waits for a VMM that holds the
        // device (VFIO signals its request eventfd), whose close takes it.
        if let Err(e) = locked.unregister(why != Removal::Asked) {
            dev_err!(dev, "vGPU {} not destroyed: {:?}\n", name, e);
            if let Some(r) = self.state.lock().running(vf) {
                r.closing = false;
            }
            return Err(e);
        }
        let mut s = self.state.lock();
        let gone = s.slot(vf).and_then(|x| x.vgpu.take());
        // Under the lock, so that what it gives back is free before the
        // next creation looks.
        drop(gone);
        drop(s);
        dev_info!(dev, "vGPU {} destroyed\n", name);
        Ok(())
    }

    /// `vf`'s VFIO device is opened.
    ///
    /// # Errors
    ///
    /// `ENODEV` without a vGPU (or while it is destroyed), `EBUSY` if it
    /// is open already, `EAGAIN` during a GPU reset; those of
    /// [`Vgpu::reset`] for a vGPU not ready for a VMM.
    pub(crate) fn open(&self, vf: &Vf) -> Result {
        let mut s = self.state.lock();
        let restarting = s.restarting;
        let r = s.running(vf).ok_or(ENODEV)?;
        if r.closing {
            return Err(ENODEV);
        }
        if r.open {
            return Err(EBUSY);
        }
        if r.vgpu.needs_reset() {
            if restarting {
                dev_info!(
                    vf.device(),
                    "vGPU {} not opened: the GPU is being reset\n",
                    r.vgpu_type.name
                );
                return Err(EAGAIN);
            }
            // The reset at the last close failed, or its task was not
            // started again after a GPU reset: a VMM gets the vGPU only
            // cleared and running.
            r.vgpu.reset().inspect_err(|e| {
                dev_err!(
                    vf.device(),
                    "vGPU {} not opened: it cannot be reset: {:?}\n",
                    r.vgpu_type.name,
                    e
                )
            })?;
        }
        r.open = true;
        Ok(())
    }

    /// `vf`'s VFIO device is closed: its vGPU is reset, so that the next
    /// VMM finds nothing of the last one's (unless it is being destroyed).
    pub(crate) fn close(&self, vf: &Vf) {
        let mut s = self.state.lock();
        let restarting = s.restarting;
        let Some(r) = s.running(vf) else {
            return;
        };
        r.open = false;
        if r.closing {
            return;
        }
        if restarting {
            // Cleared when the GPU reset starts the task again.
            r.vgpu.clear_before_next_start();
            return;
        }
        if let Err(e) = r.vgpu.reset() {
            // Started again by the next reset or GPU recovery.
            dev_err!(
                vf.device(),
                "vGPU {} not reset after its VMM closed it: {:?}\n",
                r.vgpu_type.name,
                e
            );
        }
    }

    /// Resets `vf`'s vGPU (`VFIO_DEVICE_RESET`).
    ///
    /// # Errors
    ///
    /// `ENODEV` without a vGPU, `EAGAIN` during a GPU reset; those of
    /// [`Vgpu::reset`].
    pub(crate) fn reset(&self, vf: &Vf) -> Result {
        let mut s = self.state.lock();
        if s.restarting {
            return Err(EAGAIN);
        }
        let r = s.running(vf).ok_or(ENODEV)?;
        r.vgpu.reset().inspect_err(|e| {
            dev_err!(
                vf.device(),
                "cannot reset vGPU {}: {:?}\n",
                r.vgpu_type.name,
                e
            )
        })
    }

    /// After a GPU reset: gives the new GSP-RM the vGPU types (it knows
    /// none), starts every vGPU's plugin task again and tells the VMMs that
    /// hold one, as a device reset they did not ask for (their error
    /// eventfd; QEMU stops the guest).
    fn restart_all(&self) {
        let mut s = self.state.lock();
        s.restarting = false;
        if let Some(manager) = &s.manager {
            if let Err(e) = manager.set_types(&self.types) {
                // The restarts below fail then, and say so.
                dev_err!(
                    self.dev,
                    "GPU reset: GSP-RM refused the vGPU types: {:?}\n",
                    e
                );
            }
        }
        let (mut restarted, mut failed, mut told) = (0u32, 0u32, 0u32);
        for slot in s.slots.iter_mut() {
            let Some(r) = &mut slot.vgpu else {
                continue;
            };
            match r.vgpu.restart() {
                Ok(()) => restarted += 1,
                Err(e) => {
                    failed += 1;
                    dev_err!(
                        slot.vf.device(),
                        "vGPU {} not started again after the GPU reset: {:?}\n",
                        r.vgpu_type.name,
                        e
                    );
                }
            }
            if r.open {
                slot.vf.handle().notify_error();
                told += 1;
            }
        }
        drop(s);
        if restarted + failed != 0 {
            dev_info!(
                self.dev,
                "GPU reset: {} vGPUs started again, {} failed; {} VMMs told through their error eventfd\n",
                restarted,
                failed,
                told
            );
        }
    }

    /// The host goes: no creation from now on, and every VF leaves it.
    fn teardown(&self) {
        let manager = self.state.lock().manager.take();
        loop {
            let next = self.state.lock().slots.first().map(|s| s.vf.clone());
            let Some(vf) = next else {
                break;
            };
            // Takes its slot out, whatever happened to the VF meanwhile.
            vf.leave(self);
        }
        drop(manager);
    }
}

/// Logs GSP-RM's notices about plugin tasks: a crash as an error.
struct PluginEvents {
    dev: ARef<Device>,
}

impl EventHandler for PluginEvents {
    fn event(&self, event: &Event) {
        if let What::VgpuPlugin { gfid, notify } = event.what {
            if notify == PLUGIN_TASK_CRASHED {
                dev_err!(
                    self.dev,
                    "GSP-RM: the plugin task of the vGPU on virtual function {} (gfid {}) crashed\n",
                    gfid.wrapping_sub(1),
                    gfid
                );
            } else {
                dev_dbg!(
                    self.dev,
                    "GSP-RM: vGPU plugin task of gfid {}: notice {}\n",
                    gfid,
                    notify
                );
            }
        }
    }
}

/// Gives GSP-RM the types and starts the vGPUs again after a GPU reset
/// ([`Host::restart_all`]).
struct OnReset(Arc<Host>);

impl ResetHandler for OnReset {
    /// GSP-RM lost the plugin tasks; the vGPUs' memory and channels stay.
    fn prepare(&self, _gpu: &Gpu) {
        self.0.state.lock().restarting = true;
    }

    fn done(&self, _gpu: &Gpu) -> Result {
        // A vGPU that does not start again is said in the log and to its
        // VMM; the other vGPUs and the host go on.
        self.0.restart_all();
        Ok(())
    }
}

/// A GPU's vGPU host, from the auxiliary driver's bind to its unbind.
pub(crate) struct HostRegistration {
    host: Arc<Host>,
    events: Option<Subscription>,
    reset: Option<ResetNotifier>,
}

impl HostRegistration {
    /// Makes the host of the GPU of `client` (in SR-IOV mode), bound to
    /// `adev`: gives GSP-RM the board's vGPU types that fit the vfio share.
    ///
    /// # Errors
    ///
    /// Those of opening the GPU and of its vGPU manager, GSP-RM's refusal
    /// of the types, `EBUSY` if the GPU has a host already, `ENOMEM`.
    pub(crate) fn new(adev: &auxiliary::Device<Core<'_>>, client: &Client) -> Result<Self> {
        let dev: ARef<Device> = adev.as_ref().into();
        let gpu = client.open()?;
        let manager = gpu.vgpu_manager()?;
        let pf = kernel_gaps::pf_info(adev.parent())?;
        // What the vGPUs may have: the share less what the manager holds
        // already (its scrubber's instance block; its channel is out of
        // `channel_limit`).
        let share = gpu.vram_share()?;
        let budget = Budget {
            vram: share.limit.saturating_sub(share.used),
            segment: manager.segment_size(),
            channels: manager.channel_limit()?,
            vf_bar1: pf.vf_bar1,
        };
        let (types, left_out) = match types::table(pf.device_id) {
            Some(facts) => types::offered(facts, pf.device_id, &budget)?,
            None => {
                dev_info!(
                    adev,
                    "no vGPU types known for the board 10de:{:04x}\n",
                    pf.device_id
                );
                (KVec::new(), 0)
            }
        };
        manager
            .set_types(&types)
            .inspect_err(|e| dev_err!(adev, "GSP-RM refused the vGPU types: {:?}\n", e))?;
        dev_info!(
            adev,
            "vGPU types offered: {}; {} left out (one instance beyond the vfio share of {} MiB and {} channels, or VF BAR1 of {} MiB)\n",
            Names(&types),
            left_out,
            budget.vram >> 20,
            budget.channels,
            budget.vf_bar1 >> 20
        );
        let host_dev = dev.clone();
        let host = Arc::pin_init(
            pin_init!(Host {
                key: adev.id(),
                dev: host_dev,
                types,
                state <- new_mutex!(
                    HostState {
                        manager: Some(manager),
                        slots: KVec::new(),
                        restarting: false,
                    },
                    "nvgsp_vfio::Host::state"
                ),
            }),
            GFP_KERNEL,
        )?;
        let events = gpu.subscribe(
            EventKinds::of(&[EventKind::VgpuPlugin]),
            KBox::new(PluginEvents { dev }, GFP_KERNEL)?,
        )?;
        let reset = gpu.on_reset(KBox::new(OnReset(host.clone()), GFP_KERNEL)?)?;
        // Last: from here on the GPU's VFs find the host.
        let mut hosts = kernel_gaps::hosts().ok_or(ENODEV)?;
        if hosts.iter().any(|h| h.key == host.key) {
            dev_err!(adev, "this GPU has a vGPU host already\n");
            return Err(EBUSY);
        }
        hosts.push(host.clone(), GFP_KERNEL)?;
        Ok(HostRegistration {
            host,
            events: Some(events),
            reset: Some(reset),
        })
    }
}

impl Drop for HostRegistration {
    fn drop(&mut self) {
        // No VF finds the host from now on.
        if let Some(mut hosts) = kernel_gaps::hosts() {
            hosts.retain(|h| !Arc::ptr_eq(h, &self.host));
        }
        // No event or reset handler runs after these (each waits for one in
        // progress).
        drop(self.events.take());
        drop(self.reset.take());
        self.host.teardown();
    }
}
