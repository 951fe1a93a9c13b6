// SPDX-License-Identifier: GPL-2.0

//! The module's vGPU hosts, one per physical function the auxiliary driver
//! is bound to, where the virtual functions' probes find theirs.
//!
//! Missing abstraction: a statically initialized mutex. A
//! `kernel::sync::global_lock!` needs an `unsafe` initialization once,
//! before any use; [`RegistryGuard`] does it, at module init before
//! either driver is registered, and [`hosts`] refuses to lock it before.

use core::ops::{
    Deref,
    DerefMut, //
};

use kernel::{
    prelude::*,
    sync::{
        atomic::{
            Acquire,
            AtomicFlag,
            Release, //
        },
        Arc,
        GlobalGuard, //
    },
};

use crate::host::Host;

kernel::sync::global_lock! {
    // SAFETY: initialized by `RegistryGuard::new`, once, in module init;
    // `hosts` locks it only after (`INITIALIZED`).
    unsafe(uninit) static HOSTS: Mutex<KVec<Arc<Host>>> = KVec::new();
}

/// Whether [`HOSTS`] is initialized.
static INITIALIZED: AtomicFlag = AtomicFlag::new(false);

/// Keeps the registry usable for the module's lifetime: made in module
/// init before the drivers are registered, dropped after they are
/// unregistered (by then every host left it).
pub(crate) struct RegistryGuard(());

impl RegistryGuard {
    /// Initializes the registry. Module init calls it once, before
    /// anything can run in parallel.
    ///
    /// # Errors
    ///
    /// `EBUSY` if it was initialized before.
    pub(crate) fn new() -> Result<Self> {
        if INITIALIZED.load(Acquire) {
            return Err(EBUSY);
        }
        // SAFETY: not initialized before (`INITIALIZED`, which only this
        // function sets, in module init: no other thread runs it).
        unsafe { HOSTS.init() };
        INITIALIZED.store(true, Release);
        Ok(RegistryGuard(()))
    }
}

impl Drop for RegistryGuard {
    fn drop(&mut self) {
        // Empty by now (each host leaves it when its PF is unbound); what
        // is left is freed, so nothing outlives the module.
        drop(core::mem::take(&mut *HOSTS.lock()));
    }
}

/// The registry, locked (the hosts, in the order they came).
pub(crate) struct Hosts(GlobalGuard<HOSTS>);

impl Deref for Hosts {
    type Target = KVec<Arc<Host>>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Hosts {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// The registry, locked; `None` before module init made it.
pub(crate) fn hosts() -> Option<Hosts> {
    INITIALIZED.load(Acquire).then(|| Hosts(HOSTS.lock()))
}
