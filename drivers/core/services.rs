// SPDX-License-Identifier: GPL-2.0

//! What the core serves its clients for one GPU: the booted GSP-RM (for RM
//! namespaces and objects) and the partitioned VRAM and channel IDs. The
//! client API (`client.rs`) is a thin typed layer over this.

use kernel::{
    device, new_mutex, pci,
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        Mutex, //
    },
    types::CovariantForLt,
};

use crate::{
    bar::Bar0,
    gpu::Spec,
    gsp::{
        config::GpuConfig,
        enumerate::{
            self,
            RmHandles, //
        },
        health::Pass,
        rm,
        running::Running,
        Gsp, //
    },
    kernel_gaps::{
        BoundRef,
        RevocableGuard,
        SleepableRevocable, //
    },
    mmu::{
        bar1::Bar1,
        listing::VaSpaceList,
        tlb::Tlb, //
    },
    namespace::Namespace,
    partition::{
        Partition,
        Show, //
    },
    proto::{
        gsp::calls::Handle,
        partition::KINDS, //
    },
    resets::Resets,
};

/// The RM client handles of clients' namespaces: `CLIENT_HANDLE_BASE + n`
/// (the core's own is `enumerate::CORE_HANDLES.client`, n = 1).
const CLIENT_HANDLE_BASE: u32 = 0xc1e0_0000;

/// An open namespace, as the services list it for recovery: a namespace
/// leaves the list before it is freed (or, once the services are revoked,
/// the list is not read again).
type NsRef = BoundRef<CovariantForLt!(Namespace)>;

/// An RM object whose free met a recovery (`EAGAIN`): it is freed once
/// calls go through again, if it still exists in that GSP-RM instance.
#[derive(Clone, Copy)]
struct Orphan {
    client: Handle,
    /// The object, or `client` for the whole namespace.
    object: Handle,
    /// The GSP-RM instance it exists in.
    generation: u32,
}

/// The clients' auxiliary devices, which the binding layer registers; a
/// recovery unbinds those that cannot go on.
pub(crate) trait ClientDevices: Send + Sync {
    /// Unregisters the auxiliary devices of the client kinds set in
    /// `which`, one at a time (each unbinds its client driver).
    fn unbind(&self, which: [bool; KINDS]);
}

/// The services as the clients reach them: revoked when the GPU is
/// unbound, after which a client's calls fail with `ENODEV`.
pub(crate) type ServicesLt = CovariantForLt!(Services<'_>);
/// See [`ServicesLt`].
pub(crate) type ServicesLink = SleepableRevocable<ServicesLt>;
/// An access to the services through a [`ServicesLink`].
pub(crate) type ServicesGuard<'r> = RevocableGuard<'r, ServicesLt>;

/// The core's services for one bound GPU.
#[pin_data(PinnedDrop)]
pub(crate) struct Services<'a> {
    pub(crate) pdev: &'a pci::Device<device::Bound>,
    pub(crate) dev: &'a device::Device,
    pub(crate) bar: Bar0<'a>,
    pub(crate) gsp: &'a Gsp,
    /// What GSP-RM runs with (its unload bundle), replaced by a recovery.
    pub(crate) running: &'a Running<'a>,
    pub(crate) spec: Spec,
    pub(crate) gpu: GpuConfig,
    #[pin]
    pub(crate) partition: Partition,
    /// The last RM client handle number given out.
    next_client: Atomic<u32>,
    /// The clients' open namespaces, which a recovery re-creates.
    #[pin]
    namespaces: Mutex<KVec<NsRef>>,
    /// RM objects to free once a recovery in progress lets calls through.
    #[pin]
    orphans: Mutex<KVec<Orphan>>,
    /// The clients' reset handlers.
    #[pin]
    pub(crate) resets: Resets,
    /// The GPU's TLB invalidate.
    #[pin]
    pub(crate) tlb: Tlb,
    /// The clients' VA spaces, for debugfs.
    #[pin]
    pub(crate) vaspaces: VaSpaceList,
    /// The CPU's window onto VRAM.
    #[pin]
    pub(crate) bar1: Bar1,
    /// The clients' auxiliary devices; a recovery may unbind them.
    pub(crate) clients: &'a dyn ClientDevices,
    /// How clients reach the services, until they are dropped.
    pub(crate) link: Arc<ServicesLink>,
    /// Set once the GPU is being unbound: a recovery stops.
    closing: Atomic<bool>,
}

#[pinned_drop]
impl PinnedDrop for Services<'_> {
    fn drop(self: Pin<&mut Self>) {
        self.stop_recovery();
        // What clients still hold fails with `ENODEV` from here on.
        self.link.revoke();
        // Before GSP-RM unloads: its BAR1 as it was.
        self.bar1.release(&self);
    }
}

impl<'a> Services<'a> {
    pub(crate) fn new(
        pdev: &'a pci::Device<device::Bound>,
        bar: Bar0<'a>,
        gsp: &'a Gsp,
        running: &'a Running<'a>,
        clients: &'a dyn ClientDevices,
        spec: Spec,
        policy: crate::proto::partition::Policy,
    ) -> impl PinInit<Self, Error> + 'a {
        let gpu = running.gpu;
        let dev = pdev.as_ref();
        let mut ranges: [core::ops::Range<u64>; crate::gsp::config::MAX_USABLE_RANGES] =
            core::array::from_fn(|_| 0..0);
        let mut n = 0;
        for (slot, r) in ranges.iter_mut().zip(gpu.usable_ranges()) {
            *slot = r;
            n += 1;
        }
        try_pin_init!(Self {
            pdev,
            dev,
            bar,
            gsp,
            running,
            spec,
            gpu,
            partition <- Partition::new(&ranges[..n], gpu.channels(), policy, |policy, e, fallback| {
                dev_err!(
                    dev,
                    "partition policy {} does not fit this GPU ({}); using {}\n",
                    Show(policy),
                    Show(e),
                    Show(fallback)
                );
            }),
            next_client: Atomic::new(1),
            namespaces <- new_mutex!(KVec::new()),
            orphans <- new_mutex!(KVec::new()),
            resets <- Resets::new(),
            tlb <- Tlb::new(),
            vaspaces <- VaSpaceList::new(),
            bar1 <- Bar1::new(),
            clients,
            link: Arc::pin_init(ServicesLink::new(), GFP_KERNEL)?,
            closing: Atomic::new(false),
        })
    }

    /// Whether the GPU is being unbound.
    pub(crate) fn closing(&self) -> bool {
        self.closing.load(Relaxed)
    }

    /// Lets the clients reach the services through [`Services::link`].
    pub(crate) fn open_link(self: Pin<&Self>) {
        // SAFETY: the services are pinned, and `Services::drop` revokes
        // the link before anything of theirs goes.
        unsafe { self.link.arm(&self) };
    }

    /// Ends recovery for good (the GPU is being unbound), waiting for one
    /// in progress.
    pub(crate) fn stop_recovery(&self) {
        self.closing.store(true, Relaxed);
        drop(self.gsp.rpc.health.set_loss_handler(None));
    }

    /// Lets a client operation that creates something in GSP-RM call it
    /// (`Health::enter`); returns the pass and the GSP-RM instance the
    /// creation belongs to (no recovery can complete while the pass is
    /// held).
    ///
    /// # Errors
    ///
    /// `EAGAIN` during a recovery, `ENODEV` once the GPU was given up.
    pub(crate) fn enter(&self) -> Result<(Pass<'_>, u32)> {
        let pass = self.gsp.rpc.health.enter()?;
        Ok((pass, self.gsp.rpc.health.generation()))
    }

    /// Allocates a new RM namespace: a client, the device and subdevice.
    pub(crate) fn open_namespace(&self) -> Result<RmHandles> {
        let n = self.next_client.fetch_add(1, Relaxed).wrapping_add(1);
        let h = RmHandles {
            client: Handle(CLIENT_HANDLE_BASE | (n & 0xffff)),
            ..enumerate::CORE_HANDLES
        };
        enumerate::alloc_namespace(&self.gsp.rpc, self.bar, self.dev, h)?;
        Ok(h)
    }

    /// Frees RM client `client` and every object in it.
    pub(crate) fn close_namespace(&self, client: Handle) -> Result {
        rm::free(&self.gsp.rpc, self.bar, self.dev, client, client)
    }

    /// Frees RM object `object` (the namespace if it is `client`) of GSP-RM
    /// instance `generation`. A free during a recovery (`EAGAIN`) is done
    /// once calls go through again, so a namespace the recovery re-created, or an
    /// event object in it, does not stay behind in GSP-RM.
    pub(crate) fn free_rm(&self, client: Handle, object: Handle, generation: u32) {
        // Other failures were logged by rm::free.
        if rm::free(&self.gsp.rpc, self.bar, self.dev, client, object) == Err(EAGAIN) {
            let orphan = Orphan {
                client,
                object,
                generation,
            };
            if self.orphans.lock().push(orphan, GFP_KERNEL).is_err() {
                dev_warn!(
                    self.dev,
                    "no memory to remember RM object {object:#x}: it stays in GSP-RM until the GPU is reset\n"
                );
            }
        }
    }

    /// Frees what [`Services::free_rm`] could not during the recovery that
    /// just ended; what went with a GSP-RM lost since is
    /// forgotten.
    pub(crate) fn free_orphans(&self) {
        let orphans = core::mem::take(&mut *self.orphans.lock());
        let current = self.gsp.rpc.health.generation();
        // Objects before namespaces, which free what they hold; an object
        // of a namespace freed as well needs no free of its own.
        let live = |o: &&Orphan| o.generation == current;
        let freed_with_client = |o: &Orphan| {
            orphans
                .iter()
                .any(|c| c.object == c.client && c.client == o.client)
        };
        for o in orphans.iter().filter(live) {
            if o.object != o.client && !freed_with_client(o) {
                let _ = rm::free(&self.gsp.rpc, self.bar, self.dev, o.client, o.object);
            }
        }
        for o in orphans.iter().filter(live) {
            if o.object == o.client {
                let _ = rm::free(&self.gsp.rpc, self.bar, self.dev, o.client, o.client);
            }
        }
    }

    /// Lists `ns` for recovery, if it exists in GSP-RM instance
    /// `generation`, the current one.
    ///
    /// # Errors
    ///
    /// `EAGAIN` if GSP-RM was lost since (a recovery missed it).
    ///
    /// # Safety
    ///
    /// `ns` must call [`Services::remove_namespace`] before it is freed,
    /// unless the services' link is revoked by then.
    pub(crate) unsafe fn add_namespace(&self, ns: &Namespace, generation: u32) -> Result {
        let mut list = self.namespaces.lock();
        if self.gsp.rpc.health.generation() != generation {
            return Err(EAGAIN);
        }
        // SAFETY: this function's contract; the list is only read by a
        // recovery, which ends before the link is revoked.
        list.push(unsafe { NsRef::new(ns) }, GFP_KERNEL)?;
        Ok(())
    }

    /// Takes `ns` off the recovery list (it is being freed).
    pub(crate) fn remove_namespace(&self, ns: &Namespace) {
        let mut list = self.namespaces.lock();
        if let Some(i) = list.iter().position(|r| core::ptr::eq(r.get(), ns)) {
            let _ = list.remove(i);
        }
    }

    /// Re-creates every listed namespace in the GSP-RM just booted.
    pub(crate) fn reopen_namespaces(&self) -> Result {
        let generation = self.gsp.rpc.health.generation();
        let list = self.namespaces.lock();
        for r in list.iter() {
            r.get().reopen(self, generation)?;
        }
        Ok(())
    }
}
