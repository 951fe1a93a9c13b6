// SPDX-License-Identifier: GPL-2.0

//! debugfs: `/sys/kernel/debug/nvgsp/<pci device>/` with `rpc` (RPC
//! counters and the mean round trip) and `gpu` (the enumerated
//! configuration).

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
};

use crate::{
    client::{
        engine_name,
        GpuConfig, //
    },
    gsp::rpc::Stats,
};

/// The module's debugfs directory, `nvgsp`. Set in module init before the
/// driver is registered and cleared after it is unregistered, so probe and
/// remove always see it set (the pattern of nova-core's `DEBUGFS_ROOT`).
static mut ROOT: Option<Dir> = None;

/// Owns [`ROOT`] for the module's lifetime.
pub(crate) struct RootGuard(());

impl RootGuard {
    /// Creates the `nvgsp` directory.
    pub(crate) fn new() -> Self {
        let dir = Dir::new(c"nvgsp");
        // SAFETY: module init runs before the driver is registered, so no
        // probe reads `ROOT` concurrently.
        unsafe { ROOT = Some(dir) };
        RootGuard(())
    }
}

impl Drop for RootGuard {
    fn drop(&mut self) {
        // SAFETY: dropped after the driver is unregistered (field order of
        // the module struct): no device uses `ROOT` any more.
        unsafe { ROOT = None };
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
        writeln!(f, "timeouts: {}", s.timeouts.load(Relaxed))?;
        writeln!(f, "bad_messages: {}", s.bad_messages.load(Relaxed))?;
        writeln!(f, "unexpected_replies: {}", s.unexpected.load(Relaxed))?;
        writeln!(f, "events: {}", s.events.load(Relaxed))
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
            write!(f, " {}", engine_name(e))?;
        }
        writeln!(f)
    }
}

/// One GPU's debugfs directory.
#[pin_data]
pub(crate) struct GpuDebugfs {
    #[pin]
    _rpc: File<RpcView>,
    #[pin]
    _gpu: File<GpuView>,
    _dir: Dir,
}

impl GpuDebugfs {
    /// Creates `nvgsp/<name>/{rpc,gpu}`.
    pub(crate) fn new<'a>(
        name: &'a CStr,
        stats: Arc<Stats>,
        gpu: GpuConfig,
    ) -> impl PinInit<Self, Error> + 'a {
        #[allow(static_mut_refs)]
        // SAFETY: `ROOT` is only written in module init and exit, when no
        // device is bound (see `RootGuard`).
        let root = unsafe { ROOT.as_ref() };
        let dir = root.map_or_else(|| Dir::new(name), |r| r.subdir(name));
        pin_init::pin_init_scope(move || {
            Ok(try_pin_init!(Self {
                _rpc <- dir.read_only_file(c"rpc", RpcView(stats)),
                _gpu <- dir.read_only_file(c"gpu", GpuView(gpu)),
                _dir: dir,
            }))
        })
    }
}
