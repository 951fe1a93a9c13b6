// SPDX-License-Identifier: GPL-2.0

//! [`RmObject`]: an RM object in a client's namespace.

use super::Gpu;
use crate::proto::gsp::calls::Handle;

/// An RM object allocated for a client (a channel's GPFIFO object);
/// dropping it frees it (and its children) in GSP-RM.
///
/// A GPU reset takes it with the GSP-RM it lived in ([`RmObject::is_lost`]);
/// dropping it then frees nothing.
pub(crate) struct RmObject {
    gpu: Gpu,
    handle: Handle,
    class: u32,
    /// The GSP-RM instance it was made in.
    generation: u32,
}

impl RmObject {
    pub(super) fn new(gpu: Gpu, handle: Handle, class: u32, generation: u32) -> Self {
        RmObject {
            gpu,
            handle,
            class,
            generation,
        }
    }

    /// Whether it went with a GSP-RM that was lost (the GPU was reset
    /// since it was made).
    pub(crate) fn is_lost(&self) -> bool {
        !self.gpu.is_current(self.generation)
    }

    /// Its RM handle.
    pub(crate) fn handle(&self) -> Handle {
        self.handle
    }

    /// Its RM class.
    #[expect(dead_code)]
    pub(crate) fn class(&self) -> u32 {
        self.class
    }
}

impl Drop for RmObject {
    fn drop(&mut self) {
        self.gpu.free_object(self.handle, self.generation);
    }
}
