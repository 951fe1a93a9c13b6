// SPDX-License-Identifier: GPL-2.0

//! [`AuxDevices`]: the auxiliary devices the core registers for its
//! clients, one per client kind, each carrying a [`Client`].

use kernel::{
    auxiliary,
    device,
    new_mutex,
    prelude::*,
    sync::Mutex, //
};

use crate::{
    client::{
        self,
        Client,
        ClientData, //
    },
    proto::partition::{
        ClientKind,
        KINDS, //
    },
    services::{
        ClientDevices,
        Services, //
    },
};

/// One client's auxiliary device; unregistered (its client driver
/// unbound) when dropped.
type Registration<'bound> = auxiliary::Registration<'bound, ClientData>;

/// The clients' auxiliary devices of one GPU.
#[pin_data]
pub(crate) struct AuxDevices<'bound> {
    dev: &'bound device::Device,
    #[pin]
    list: Mutex<KVec<(ClientKind, Registration<'bound>)>>,
}

impl<'bound> AuxDevices<'bound> {
    pub(crate) fn new(dev: &'bound device::Device) -> impl PinInit<Self> + 'bound {
        pin_init!(Self {
            dev,
            list <- new_mutex!(KVec::new()),
        })
    }

    /// Registers the auxiliary device `nvgsp_core.<kind>.<id>` of
    /// `parent`, whose client reaches `services`.
    pub(crate) fn register(
        &self,
        parent: &'bound device::Device<device::Bound>,
        kind: ClientKind,
        id: u32,
        services: &Services<'_>,
    ) -> Result {
        let name = match kind {
            ClientKind::Drm => client::DRM,
            ClientKind::Vfio => client::VFIO,
        };
        let registration = Registration::new(
            parent,
            name,
            id,
            client::MODULE_NAME,
            Ok::<_, Error>(Client::new(kind, services)),
        )
        .inspect_err(|e| {
            dev_err!(
                parent,
                "cannot register auxiliary device {}: {:?}\n",
                name,
                e
            )
        })?;
        self.list.lock().push((kind, registration), GFP_KERNEL)?;
        Ok(())
    }

    /// Unregisters them all (the GPU is being unbound).
    pub(crate) fn unregister_all(&self) {
        let list = core::mem::take(&mut *self.list.lock());
        drop(list);
    }
}

impl ClientDevices for AuxDevices<'_> {
    fn unbind(&self, which: [bool; KINDS]) {
        loop {
            // Each is dropped outside the lock: unbinding runs the
            // client's remove, which may take a while.
            let next = {
                let mut list = self.list.lock();
                let i = list.iter().position(|(kind, _)| which[kind.index()]);
                i.and_then(|i| list.remove(i).ok())
            };
            let Some((kind, registration)) = next else {
                return;
            };
            dev_warn!(self.dev, "unbinding the {} client\n", kind.name());
            drop(registration);
        }
    }
}
