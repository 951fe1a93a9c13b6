// SPDX-License-Identifier: GPL-2.0

//! [`Channel`]: a channel ID held by a client.

use kernel::prelude::*;

use super::Gpu;

/// A channel ID counted against the client kind's share; dropping it
/// returns the ID.
pub struct Channel<'g> {
    gpu: Gpu<'g>,
    id: u32,
}

impl<'g> Channel<'g> {
    pub(super) fn new(gpu: &Gpu<'g>) -> Result<Self> {
        let id = gpu.services().partition.alloc_channel(gpu.client_kind())?;
        Ok(Channel {
            gpu: gpu.clone(),
            id,
        })
    }

    /// The channel ID.
    #[inline(never)]
    pub fn id(&self) -> u32 {
        self.id
    }
}

impl Drop for Channel<'_> {
    fn drop(&mut self) {
        self.gpu
            .services()
            .partition
            .free_channel(self.gpu.client_kind(), self.id);
    }
}
