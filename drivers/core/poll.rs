// SPDX-License-Identifier: GPL-2.0

//! Polling with a timeout that a stall cannot fake.
//!
//! `kernel::io::poll::read_poll_timeout` gives up when the time is past
//! right after a sample that did not satisfy the condition. If the CPU is
//! taken away between that sample and the clock check (preemption, an
//! interrupt storm, a vCPU the host did not run), the time runs out on a
//! stale sample, however fast the hardware was: a falcon core switch that
//! takes microseconds then "times out" after 10 ms. The C macro avoids this
//! by sampling once more after the timeout; so does this wrapper.

use kernel::{
    io::poll,
    prelude::*,
    time::Delta, //
};

/// As `kernel::io::poll::read_poll_timeout`, with one more sample after the
/// timeout: `ETIMEDOUT` only if that one fails the condition too. `op`
/// must be a plain read (sampled again) that never fails with `ETIMEDOUT`
/// itself.
#[track_caller]
pub(crate) fn read_poll_timeout<Op, Cond, T>(
    mut op: Op,
    mut cond: Cond,
    sleep_delta: Delta,
    timeout_delta: Delta,
) -> Result<T>
where
    Op: FnMut() -> Result<T>,
    Cond: FnMut(&T) -> bool,
{
    match poll::read_poll_timeout(&mut op, &mut cond, sleep_delta, timeout_delta) {
        Err(e) if e == ETIMEDOUT => {
            let val = op()?;
            if cond(&val) {
                Ok(val)
            } else {
                Err(ETIMEDOUT)
            }
        }
        r => r,
    }
}
