// SPDX-License-Identifier: GPL-2.0

//! [`Channel`]: a channel ID held by a client.

use kernel::prelude::*;

use super::{
    Engine,
    Gpu,
    Handle,
    RmObject, //
};
use crate::{
    events::ChannelOwner,
    proto::{
        gsp::{
            calls::AmpereChannelGpfifoA,
            class::{
                self,
                NvChannelAllocParams, //
            },
        },
        wire::Wire,
    },
};

/// A channel ID counted against the client kind's share; channel errors
/// GSP-RM reports for it go to this client only. Dropping it returns the
/// ID.
pub struct Channel {
    gpu: Gpu,
    id: u32,
    /// The channel's object in GSP-RM, freed before the ID is returned.
    gpfifo: Option<RmObject>,
}

impl Channel {
    pub(super) fn new(gpu: &Gpu) -> Result<Self> {
        let guard = gpu.services()?;
        let services = guard.get();
        let partition = &services.partition;
        let id = partition.alloc_channel(gpu.client_kind())?;
        let owner = ChannelOwner {
            chid: id,
            client: gpu.rm_client(),
            object: Handle(0),
            kind: gpu.client_kind(),
        };
        if let Err(e) = services.gsp.rpc.events.own_channel(owner) {
            partition.free_channel(gpu.client_kind(), id);
            return Err(e);
        }
        Ok(Channel {
            gpu: gpu.clone(),
            id,
            gpfifo: None,
        })
    }

    /// The channel ID.
    #[inline(never)]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Whether the channel was given its object in GSP-RM (which a GPU
    /// reset may have taken since: then [`Channel::create_gpfifo`] makes
    /// it again).
    #[inline(never)]
    pub fn has_gpfifo(&self) -> bool {
        self.gpfifo.is_some()
    }

    /// Creates the channel's object in GSP-RM (`AMPERE_CHANNEL_GPFIFO_A`
    /// under the device) for `engine`, with this channel ID, so GSP-RM
    /// reports the channel's errors under it; returns its RM handle. The channel owns the object: it is freed
    /// before the ID goes back. Its GPFIFO, USERD and instance memory are
    /// not set up yet.
    ///
    /// After a GPU reset the object is gone and is created again with
    /// this call.
    ///
    /// # Errors
    ///
    /// `EBUSY` if the channel has its object already.
    #[inline(never)]
    pub fn create_gpfifo(&mut self, engine: Engine) -> Result<Handle> {
        if self.gpfifo.as_ref().is_some_and(|o| !o.is_lost()) {
            return Err(EBUSY);
        }
        let params = NvChannelAllocParams {
            flags: NvChannelAllocParams::chid_flags(self.id),
            engine_type: engine.type_number(),
            internal_flags: class::NV_CHANNEL_INTERNAL_FLAGS_USER,
            ..NvChannelAllocParams::ZERO
        };
        let object = self.gpu.alloc_object::<AmpereChannelGpfifoA>(&params)?;
        let handle = object.handle();
        self.gpfifo = Some(object);
        self.gpu
            .services()?
            .get()
            .gsp
            .rpc
            .events
            .set_channel_object(self.id, handle);
        Ok(handle)
    }
}

impl Drop for Channel {
    fn drop(&mut self) {
        drop(self.gpfifo.take());
        // The events and the partition went with an unbound GPU.
        if let Ok(guard) = self.gpu.services() {
            let s = guard.get();
            s.gsp.rpc.events.disown_channel(self.id);
            s.partition.free_channel(self.gpu.client_kind(), self.id);
        }
    }
}
