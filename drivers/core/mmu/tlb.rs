// SPDX-License-Identifier: GPL-2.0

//! [`Tlb`]: invalidating the GPU's TLBs after a VA space's page tables
//! change, one invalidate at a time (the MMU has one set of invalidate
//! registers). With GSP-RM the kernel driver does this for the tables it
//! owns (nouveau r535 keeps `tu102_vmm_flush`).

use kernel::{
    device,
    new_mutex,
    prelude::*,
    sync::Mutex, //
};

use crate::{
    bar::Bar0,
    hal::GpuHal, //
};

/// The GPU's TLB invalidate.
#[pin_data]
pub(crate) struct Tlb {
    /// Held through one invalidate's register sequence.
    #[pin]
    lock: Mutex<()>,
}

impl Tlb {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Tlb {
            lock <- new_mutex!(()),
        })
    }

    /// Drops the TLBs' translations of the VA space whose root directory
    /// is at `pdb` (in system memory if `sys`, else in VRAM), and waits
    /// until they are gone.
    /// `enter` lets the register accesses through (the recovery gate),
    /// asked once this invalidate's turn came: a caller waiting for its
    /// turn holds up no recovery.
    ///
    /// # Errors
    ///
    /// What `enter` says (`EAGAIN` during a recovery, `ENODEV` once the
    /// GPU is given up); `ETIMEDOUT` (logged) if the MMU does not finish.
    /// The old translations may then still be used, so memory they reach
    /// must not be freed.
    pub(crate) fn invalidate<P>(
        &self,
        dev: &device::Device,
        bar: Bar0<'_>,
        hal: &dyn GpuHal,
        pdb: u64,
        sys: bool,
        enter: impl FnOnce() -> Result<P>,
    ) -> Result {
        let _one = self.lock.lock();
        let _pass = enter()?;
        hal.invalidate_tlb(bar, pdb, sys).inspect_err(|e| {
            dev_err!(
                dev,
                "TLB invalidate for the VA space at {:#x} failed: {:?}\n",
                pdb,
                e
            )
        })
    }
}
