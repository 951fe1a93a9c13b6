// SPDX-License-Identifier: GPL-2.0

//! [`RmObject`]: an RM object in a client's namespace.

use super::Gpu;

/// Where an RM object goes, or what a control addresses.
#[derive(Clone, Copy)]
pub enum RmParent<'o> {
    /// The namespace's device (`NV01_DEVICE_0`).
    Device,
    /// The namespace's subdevice (`NV20_SUBDEVICE_0`).
    Subdevice,
    /// An object the client allocated.
    Object(&'o RmObject<'o>),
}

/// An RM object the client allocated; dropping it frees it (and its
/// children) in GSP-RM.
///
/// A GPU reset takes it with the GSP-RM it lived in ([`RmObject::is_lost`]);
/// dropping it then frees nothing.
pub struct RmObject<'g> {
    gpu: Gpu<'g>,
    handle: u32,
    class: u32,
    /// The GSP-RM instance it was made in.
    generation: u32,
}

impl<'g> RmObject<'g> {
    pub(super) fn new(gpu: Gpu<'g>, handle: u32, class: u32, generation: u32) -> Self {
        RmObject {
            gpu,
            handle,
            class,
            generation,
        }
    }

    /// Whether it went with a GSP-RM that was lost (the GPU was reset
    /// since it was made).
    #[inline(never)]
    pub fn is_lost(&self) -> bool {
        !self.gpu.is_current(self.generation)
    }

    /// Its RM handle.
    #[inline(never)]
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// Its RM class.
    #[inline(never)]
    pub fn class(&self) -> u32 {
        self.class
    }
}

impl Drop for RmObject<'_> {
    fn drop(&mut self) {
        self.gpu.free_object(self.handle, self.generation);
    }
}
