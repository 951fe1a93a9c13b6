// SPDX-License-Identifier: GPL-2.0

//! [`ResetNotifier`]: a client's registration for GPU reset notifications.

use kernel::{
    prelude::*,
    sync::Arc, //
};

use super::{
    ClientKind,
    ResetHandler, //
};
use crate::{
    resets::ResetEntry,
    services::Services, //
};

/// Keeps a [`ResetHandler`] registered until dropped. Dropping it waits
/// for the handler if the core is calling it, and drops the handler.
pub struct ResetNotifier<'g> {
    services: &'g Services<'g>,
    entry: Arc<ResetEntry>,
}

impl<'g> ResetNotifier<'g> {
    pub(super) fn new(
        services: &'g Services<'g>,
        kind: ClientKind,
        handler: KBox<dyn ResetHandler>,
    ) -> Result<Self> {
        let entry = services.resets.add(kind, handler)?;
        Ok(ResetNotifier { services, entry })
    }
}

impl Drop for ResetNotifier<'_> {
    fn drop(&mut self) {
        self.services.resets.remove(&self.entry);
    }
}
