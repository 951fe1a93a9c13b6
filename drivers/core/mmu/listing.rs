// SPDX-License-Identifier: GPL-2.0

//! [`VaSpaceList`]: the clients' VA spaces by their RM handles, for
//! debugfs (`vaspaces`): what a test needs to ask the GPU about a client's
//! mappings.

use kernel::{
    new_mutex,
    prelude::*,
    sync::Mutex, //
};

use crate::proto::{
    gsp::calls::Handle,
    partition::ClientKind, //
};

/// One listed VA space.
#[derive(Clone, Copy)]
struct Entry {
    kind: ClientKind,
    client: Handle,
    object: Handle,
}

/// The VA spaces that have an object in GSP-RM now.
#[pin_data]
pub(crate) struct VaSpaceList {
    #[pin]
    list: Mutex<KVec<Entry>>,
}

impl VaSpaceList {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(VaSpaceList {
            list <- new_mutex!(KVec::new()),
        })
    }

    /// Lists the VA space `object` of RM client `client`, of a client of
    /// `kind`. Without memory it is not listed (debugfs only).
    pub(crate) fn add(&self, kind: ClientKind, client: Handle, object: Handle) {
        let _ = self.list.lock().push(
            Entry {
                kind,
                client,
                object,
            },
            GFP_KERNEL,
        );
    }

    /// Unlists the VA space `object` of `client`.
    pub(crate) fn remove(&self, client: Handle, object: Handle) {
        let mut list = self.list.lock();
        if let Some(at) = list
            .iter()
            .position(|e| e.client == client && e.object == object)
        {
            let _ = list.remove(at);
        }
    }
}

impl core::fmt::Debug for VaSpaceList {
    /// One line per VA space: `<kind> client <handle> vaspace <handle>`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for e in self.list.lock().iter() {
            writeln!(
                f,
                "{} client {:#010x} vaspace {:#010x}",
                e.kind.name(),
                e.client.raw(),
                e.object.raw()
            )?;
        }
        Ok(())
    }
}
