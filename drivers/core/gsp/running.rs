// SPDX-License-Identifier: GPL-2.0

//! [`Running`]: GSP-RM booted on a bound GPU, shut down when dropped.

use kernel::{
    device::Core,
    new_mutex,
    pci,
    prelude::*,
    sync::Mutex, //
};

use super::{
    config::GpuConfig,
    heartbeat::Heartbeat,
    Gsp,
    UnloadBundle, //
};
use crate::{
    bar::Bar0,
    gpu::Spec, //
};

/// GSP-RM running, watched by its heartbeat; dropping it stops the
/// heartbeat and shuts GSP-RM down.
pub(crate) struct Running<'bound> {
    pub(crate) dev: &'bound kernel::device::Device,
    pub(crate) bar: Bar0<'bound>,
    pub(crate) gsp: &'bound Gsp,
    /// What GSP-RM reported at probe.
    pub(crate) gpu: GpuConfig,
    /// What hands the GPU back at unbind; a recovery replaces it, and
    /// takes it if GSP-RM cannot be booted again (the GPU was handed
    /// back then).
    pub(crate) bundle: Pin<KBox<Mutex<Option<UnloadBundle>>>>,
    /// Stopped (taken) before GSP-RM is shut down.
    heartbeat: Option<Heartbeat>,
}

impl<'bound> Running<'bound> {
    /// Boots GSP-RM and starts its heartbeat.
    ///
    /// # Safety
    ///
    /// The result must be dropped before `gsp` and `bar` are (the
    /// heartbeat keeps using them until then).
    pub(crate) unsafe fn new(
        pdev: &'bound pci::Device<Core<'_>>,
        bar: Bar0<'bound>,
        gsp: &'bound Gsp,
        spec: Spec,
        vgpu_host: bool,
    ) -> Result<Self> {
        let slot = KBox::pin_init(new_mutex!(None), GFP_KERNEL)?;
        let (gpu, bundle) = gsp.boot(pdev, bar, spec, vgpu_host)?;
        *slot.lock() = Some(bundle);
        // From here on, dropping `running` (on error too) shuts GSP-RM
        // down.
        let mut running = Running {
            dev: pdev.as_ref(),
            bar,
            gsp,
            gpu,
            bundle: slot,
            heartbeat: None,
        };
        // SAFETY: `Running` drops the heartbeat first in its `drop`, before
        // the borrows of `gsp` and `bar` end (this function's contract).
        running.heartbeat = Some(unsafe { Heartbeat::start(gsp, bar) }?);
        Ok(running)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        drop(self.heartbeat.take());
        let bundle = self.bundle.lock().take();
        if let Some(bundle) = bundle {
            // Errors are logged by unload(); the device goes away regardless.
            let _ = self.gsp.unload(self.dev, self.bar, &bundle);
        } else {
            // A recovery that gave up stopped GSP-RM already.
            self.gsp.disable_interrupt(self.bar);
        }
    }
}
