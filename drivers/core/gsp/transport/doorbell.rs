// SPDX-License-Identifier: GPL-2.0

//! The doorbell: rung once for every command pushed, outside the send
//! lock, by one caller for all who pushed while it rang.

use kernel::{
    io::Io,
    prelude::*,
    sync::atomic::{
        Full,
        Relaxed, //
    },
};

use super::Rpc;
use crate::{
    bar::Bar0,
    gsp::regs::NV_PGSP_QUEUE_HEAD, //
};

impl Rpc {
    /// Rings the doorbell for what was pushed, outside the send lock.
    /// GSP-RM serves the command queue up to its write pointer at each
    /// ring (nouveau r535 `r535_gsp_cmdq_push`), so commands pushed while
    /// another caller rings ride on that caller's next ring: it rings
    /// again until no request came in during its last ring.
    pub(super) fn ring(&self, bar: Bar0<'_>) {
        if self.rings.fetch_add(1, Full) != 0 {
            return;
        }
        let mut covered = 1;
        loop {
            bar.write_reg(NV_PGSP_QUEUE_HEAD::zeroed());
            self.stats.doorbells.fetch_add(1, Relaxed);
            // Fully ordered either way: a request counted after this ring
            // started gets another ring, after its command was pushed.
            let asked = self.rings.fetch_sub(covered, Full);
            if asked == covered {
                return;
            }
            covered = asked - covered;
        }
    }
}
