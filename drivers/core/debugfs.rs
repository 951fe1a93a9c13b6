// SPDX-License-Identifier: GPL-2.0

//! debugfs: `/sys/kernel/debug/nvgsp/<pci device>/` with `rpc` (RPC
//! counters and the mean round trip), `gpu` (the enumerated configuration),
//! and two probes for tests and benchmarks: each read of `bar0_read` does
//! one BAR0 register read, each read of `rpc_null` one RPC of a control
//! that does nothing (`NV2080_CTRL_CMD_NULL`), each read of `rpc_large` one
//! such control with 150,000 bytes of parameters (split over several queue
//! elements both ways), each read of `intr_round_trip` one interrupt of
//! the GSP's vector raised by the driver itself (an RPC's reply path
//! without GSP-RM); all print the operation's own duration in
//! nanoseconds. `partition` shows the resource partition's accounting,
//! `vaspaces` the clients' VA spaces by RM handle (`mmu/listing.rs`).
//! `bar1` BAR1's mappings and where in VRAM they go (`mmu/bar1.rs`).

use kernel::{
    debugfs::{
        Dir,
        File, //
    },
    prelude::*,
    sync::{
        atomic::Relaxed,
        Arc, //
    },
    types::CovariantForLt,
};

use crate::{
    bar::Bar0,
    client::{
        GpuConfig, //
    },
    gsp::{
        stats::Stats,
        Gsp, //
    },
    kernel_gaps::BoundRef,
    mmu::{
        bar1::Bar1,
        listing::VaSpaceList, //
    },
    partition::Partition,
    proto::partition::ClientKind,
    regs::NV_PMC_BOOT_0,
};
use kernel::{
    io::Io,
    time::{
        Instant,
        Monotonic, //
    },
};

kernel::sync::global_lock! {
    // SAFETY: initialized by `RootGuard::new`, in module init, before the
    // driver is registered and so before any other use.
    unsafe(uninit) static ROOT: Mutex<Option<Dir>> = None;
}

/// Owns the module's debugfs directory, `nvgsp` (in [`ROOT`], under its
/// lock), for the module's lifetime: set in module init before the driver
/// is registered and removed after it is unregistered, so probe and remove
/// always find it.
pub(crate) struct RootGuard(());

impl RootGuard {
    /// Creates the `nvgsp` directory.
    pub(crate) fn new() -> Self {
        // SAFETY: module init runs once, before anything else uses `ROOT`.
        unsafe { ROOT.init() };
        *ROOT.lock() = Some(Dir::new(c"nvgsp"));
        RootGuard(())
    }
}

impl Drop for RootGuard {
    fn drop(&mut self) {
        let dir = ROOT.lock().take();
        drop(dir);
    }
}

/// The `rpc` file's contents.
struct RpcView(Arc<Stats>);

impl core::fmt::Debug for RpcView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let s = &self.0;
        let calls = s.calls.load(Relaxed);
        let mean_ns = s.total_ns.load(Relaxed).checked_div(calls).unwrap_or(0);
        writeln!(f, "calls: {calls}")?;
        writeln!(f, "mean_round_trip_ns: {mean_ns}")?;
        writeln!(
            f,
            "mean_send_ns: {}",
            s.send_ns.load(Relaxed).checked_div(calls).unwrap_or(0)
        )?;
        writeln!(f, "timeouts: {}", s.timeouts.load(Relaxed))?;
        writeln!(f, "bad_messages: {}", s.bad_messages.load(Relaxed))?;
        writeln!(f, "unexpected_replies: {}", s.unexpected.load(Relaxed))?;
        writeln!(f, "events: {}", s.events.load(Relaxed))?;
        writeln!(f, "gsp_rm_losses: {}", s.losses.load(Relaxed))?;
        writeln!(f, "recoveries: {}", s.recoveries.load(Relaxed))?;
        writeln!(f, "heartbeats: {}", s.heartbeats.load(Relaxed))?;
        let polled = s.polled_replies.load(Relaxed);
        writeln!(f, "polls: {}", s.polls.load(Relaxed))?;
        writeln!(f, "polled_replies: {polled}")?;
        writeln!(
            f,
            "mean_poll_ns: {}",
            s.poll_ns.load(Relaxed).checked_div(polled).unwrap_or(0)
        )?;
        writeln!(f, "doorbells: {}", s.doorbells.load(Relaxed))?;
        writeln!(f, "interrupts: {}", s.interrupts.load(Relaxed))?;
        writeln!(f, "idle_interrupts: {}", s.idle_interrupts.load(Relaxed))?;
        writeln!(
            f,
            "nonstall_interrupts: {}",
            s.nonstall_interrupts.load(Relaxed)
        )
    }
}

/// The `gpu` file's contents.
struct GpuView(GpuConfig);

impl core::fmt::Debug for GpuView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let g = &self.0;
        writeln!(f, "name: {}", g.name())?;
        writeln!(f, "vram_size: {}", g.vram_size())?;
        writeln!(f, "usable_vram_size: {}", g.usable_vram())?;
        writeln!(f, "gpcs: {}", g.gpcs())?;
        writeln!(f, "tpcs_per_gpc: {}", g.tpcs_per_gpc())?;
        write!(f, "engines:")?;
        for &e in g.engines() {
            write!(f, " {}", e.name())?;
        }
        writeln!(f)
    }
}

/// What the probe files reach: the BAR and GSP of one bound GPU.
#[derive(Clone, Copy)]
pub(crate) struct Target {
    bar: BoundRef<CovariantForLt!(kernel::pci::Bar<'_, { crate::bar::BAR0_SIZE }>)>,
    gsp: BoundRef<CovariantForLt!(Gsp)>,
}

impl Target {
    /// # Safety
    ///
    /// `bar` and `gsp` must stay valid until every file created with this
    /// target is removed. `NvgspCore` guarantees it: its debugfs directory
    /// is its first field, dropped before the GSP and the BAR, and removing
    /// a debugfs file waits for reads in progress.
    pub(crate) unsafe fn new(bar: Bar0<'_>, gsp: &Gsp) -> Self {
        // SAFETY: this function's contract.
        unsafe {
            Self {
                bar: BoundRef::new(bar),
                gsp: BoundRef::new(gsp),
            }
        }
    }

    fn get(&self) -> (Bar0<'_>, &Gsp) {
        (self.bar.get(), self.gsp.get())
    }
}

/// Runs `op` and prints its duration in nanoseconds and its outcome.
fn timed(f: &mut core::fmt::Formatter<'_>, op: impl FnOnce() -> Result) -> core::fmt::Result {
    let start = Instant::<Monotonic>::now();
    let r = op();
    let ns = start.elapsed().as_nanos();
    match r {
        Ok(()) => write!(f, "{ns} ok"),
        Err(e) => write!(f, "{ns} error {}", e.to_errno()),
    }
}

/// `bar0_read`: one read of `NV_PMC_BOOT_0` per file read.
struct Bar0Probe(Target);

impl core::fmt::Debug for Bar0Probe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (bar, _) = self.0.get();
        let start = Instant::<Monotonic>::now();
        let boot0 = bar.read(NV_PMC_BOOT_0).into_raw();
        let ns = start.elapsed().as_nanos();
        write!(f, "{ns} {boot0:#010x}")
    }
}

/// `rpc_null`: one `NV2080_CTRL_CMD_NULL` RPC per file read.
struct RpcNullProbe(Target);

impl core::fmt::Debug for RpcNullProbe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (bar, gsp) = self.0.get();
        timed(f, || gsp.null_control(bar))
    }
}

/// `intr_round_trip`: one interrupt of the GSP's vector, raised through
/// the tree's trigger register, per file read; the reader spins until the
/// handler ran.
struct IntrRoundTripProbe(Target);

impl core::fmt::Debug for IntrRoundTripProbe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (bar, gsp) = self.0.get();
        timed(f, || gsp.interrupt_round_trip(bar))
    }
}

/// `rpc_large`: one NULL control with 150,000 bytes of parameters per
/// file read, split over three queue elements each way.
struct RpcLargeProbe(Target);

impl core::fmt::Debug for RpcLargeProbe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (bar, gsp) = self.0.get();
        timed(f, || gsp.large_null_control(bar, 150_000))
    }
}

/// `partition`: the policy, the totals and each client kind's limits and
/// holdings.
struct PartitionView(BoundRef<CovariantForLt!(Partition)>);

impl core::fmt::Debug for PartitionView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let a = self.0.get().accounting();
        writeln!(f, "policy: {}", a.policy)?;
        writeln!(f, "vram_total: {}", a.vram_total)?;
        writeln!(f, "channels_total: {}", a.channels_total)?;
        for kind in ClientKind::ALL {
            let (l, u) = (a.limits[kind.index()], a.usage[kind.index()]);
            writeln!(
                f,
                "{}: vram {}/{} in {} allocations, channels {}/{}, refused {}",
                kind.name(),
                u.vram,
                l.vram,
                u.vram_allocs,
                u.channels,
                l.channels,
                u.refused
            )?;
        }
        Ok(())
    }
}

/// `vaspaces`: the clients' VA spaces by RM handle.
struct VaSpacesView(BoundRef<CovariantForLt!(VaSpaceList)>);

impl core::fmt::Debug for VaSpacesView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.get().fmt(f)
    }
}

/// `bar1`: BAR1's mappings (`mmu/bar1.rs`).
struct Bar1View(BoundRef<CovariantForLt!(Bar1)>);

impl core::fmt::Debug for Bar1View {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.get().fmt(f)
    }
}

/// One GPU's debugfs directory.
#[pin_data]
pub(crate) struct GpuDebugfs {
    #[pin]
    _rpc: File<RpcView>,
    #[pin]
    _gpu: File<GpuView>,
    #[pin]
    _bar0_read: File<Bar0Probe>,
    #[pin]
    _rpc_null: File<RpcNullProbe>,
    #[pin]
    _rpc_large: File<RpcLargeProbe>,
    #[pin]
    _intr_round_trip: File<IntrRoundTripProbe>,
    #[pin]
    _partition: File<PartitionView>,
    #[pin]
    _vaspaces: File<VaSpacesView>,
    #[pin]
    _bar1: File<Bar1View>,
    _dir: Dir,
}

impl GpuDebugfs {
    /// Creates `nvgsp/<name>/`.
    ///
    /// # Safety
    ///
    /// `partition`, `vaspaces` and `bar1` must stay valid until the
    /// returned directory is dropped (removing a file waits for reads in
    /// progress).
    pub(crate) unsafe fn new<'a>(
        name: &'a CStr,
        stats: Arc<Stats>,
        gpu: GpuConfig,
        target: Target,
        partition: &Partition,
        vaspaces: &VaSpaceList,
        bar1: &Bar1,
    ) -> impl PinInit<Self, Error> + 'a {
        // SAFETY: `partition` outlives the directory (this function's
        // contract), and with it the file.
        let partition = PartitionView(unsafe { BoundRef::new(partition) });
        // SAFETY: as `partition`.
        let vaspaces = VaSpacesView(unsafe { BoundRef::new(vaspaces) });
        // SAFETY: as `partition`.
        let bar1 = Bar1View(unsafe { BoundRef::new(bar1) });
        let dir = ROOT
            .lock()
            .as_ref()
            .map_or_else(|| Dir::new(name), |r| r.subdir(name));
        pin_init::pin_init_scope(move || {
            Ok(try_pin_init!(Self {
                _rpc <- dir.read_only_file(c"rpc", RpcView(stats)),
                _gpu <- dir.read_only_file(c"gpu", GpuView(gpu)),
                _bar0_read <- dir.read_only_file(c"bar0_read", Bar0Probe(target)),
                _rpc_null <- dir.read_only_file(c"rpc_null", RpcNullProbe(target)),
                _rpc_large <- dir.read_only_file(c"rpc_large", RpcLargeProbe(target)),
                _intr_round_trip <- dir.read_only_file(c"intr_round_trip", IntrRoundTripProbe(target)),
                _partition <- dir.read_only_file(c"partition", partition),
                _vaspaces <- dir.read_only_file(c"vaspaces", vaspaces),
                _bar1 <- dir.read_only_file(c"bar1", bar1),
                _dir: dir,
            }))
        })
    }
}
