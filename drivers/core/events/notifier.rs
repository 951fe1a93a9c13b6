// SPDX-License-Identifier: GPL-2.0

//! [`Notifier`]: one of the GPU's notifiers a client can subscribe to.

use kernel::prelude::*;

use crate::proto::gsp::rpc::event::NV2080_NOTIFIERS_MAXCOUNT;

/// A notifier of the GPU's subdevice (`NV2080_NOTIFIERS_*`), which GSP-RM
/// posts when the event it stands for happens. Made by [`Notifier::new`],
/// which refuses indices GSP-RM does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Notifier(u32);

impl Notifier {
    /// Notifier number `index`.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the subdevice has no such notifier (197 of them in
    /// r570: `NV2080_NOTIFIERS_MAXCOUNT`).
    #[inline(never)]
    pub fn new(index: u32) -> Result<Notifier> {
        if index >= NV2080_NOTIFIERS_MAXCOUNT {
            return Err(EINVAL);
        }
        Ok(Notifier(index))
    }

    /// Its number.
    #[inline(never)]
    pub fn index(self) -> u32 {
        self.0
    }
}
