// SPDX-License-Identifier: GPL-2.0

//! Who may call GSP-RM. While it runs, anyone. While the core recovers
//! from a crash or hang, only the task doing the recovery: everyone else
//! fails at once with `EAGAIN` ("the GPU is being reset, try again")
//! instead of touching queues and state that are being rebuilt. Once the
//! core gave the GPU up, nobody: `ENODEV`.
//!
//! Failing fast rather than waiting keeps a client thread from sitting
//! in the core, holding its own locks, while the core calls that client's
//! reset handlers. The one exception is a client opening its first handle
//! in its probe ([`Gate::wait_open`]): it holds nothing a handler needs.
//! It must not be called from a reset handler, which the recovery waits
//! for.

use kernel::{
    new_mutex,
    prelude::*,
    sync::Mutex,
    task::Task,
    time::{
        Delta,
        Instant,
        Monotonic, //
    },
};

/// Where GSP-RM stands for callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Calls go through.
    Up,
    /// The core is resetting the GPU and booting GSP-RM again.
    Recovering,
    /// Recovery failed: the GPU is unusable until it is bound again.
    Dead,
}

struct State {
    phase: Phase,
    /// Calls in progress (not counting the recovering task's).
    in_flight: u32,
    /// The task recovering, while [`Phase::Recovering`].
    recoverer: *const kernel::bindings::task_struct,
}

// SAFETY: `recoverer` is only compared with the current task, never
// dereferenced.
unsafe impl Send for State {}

/// The gate in front of every RPC.
#[pin_data]
pub(crate) struct Gate {
    #[pin]
    state: Mutex<State>,
}

/// Permission for one call; the call counts as in flight until it is
/// dropped.
pub(crate) struct Pass<'a> {
    gate: &'a Gate,
    counted: bool,
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        if self.counted {
            let mut s = self.gate.state.lock();
            s.in_flight = s.in_flight.saturating_sub(1);
        }
    }
}

impl Gate {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            state <- new_mutex!(State {
                phase: Phase::Up,
                in_flight: 0,
                recoverer: core::ptr::null(),
            }),
        })
    }

    /// Lets a call through, or says why not.
    ///
    /// # Errors
    ///
    /// `EAGAIN` while another task recovers the GPU, `ENODEV` once it was
    /// given up.
    pub(crate) fn enter(&self) -> Result<Pass<'_>> {
        let me = Task::current_raw().cast_const();
        let mut s = self.state.lock();
        match s.phase {
            Phase::Up => {
                s.in_flight += 1;
                Ok(Pass {
                    gate: self,
                    counted: true,
                })
            }
            Phase::Recovering if s.recoverer == me => Ok(Pass {
                gate: self,
                counted: false,
            }),
            Phase::Recovering => Err(EAGAIN),
            Phase::Dead => Err(ENODEV),
        }
    }

    /// Waits up to `timeout` for a recovery in progress to end, for
    /// callers that have nothing to hold up meanwhile (a client opening
    /// its first handle, in its probe); never from a reset handler.
    /// `on_wait` is called once, as the wait begins.
    ///
    /// # Errors
    ///
    /// `EAGAIN` if the recovery still runs after `timeout`, `ENODEV` if it
    /// gave the GPU up.
    pub(crate) fn wait_open(&self, timeout: Delta, on_wait: impl FnOnce()) -> Result {
        let start = Instant::<Monotonic>::now();
        let mut on_wait = Some(on_wait);
        loop {
            match self.state.lock().phase {
                Phase::Up => return Ok(()),
                Phase::Dead => return Err(ENODEV),
                Phase::Recovering if start.elapsed() > timeout => return Err(EAGAIN),
                Phase::Recovering => {}
            }
            if let Some(f) = on_wait.take() {
                f();
            }
            kernel::time::delay::fsleep(Delta::from_millis(10));
        }
    }

    /// `Up` to `Recovering`: later calls fail with `EAGAIN`. Returns
    /// whether the phase changed (a recovery is not begun twice).
    pub(crate) fn begin_recovery(&self) -> bool {
        let mut s = self.state.lock();
        if s.phase != Phase::Up {
            return false;
        }
        s.phase = Phase::Recovering;
        true
    }

    /// Makes the current task the one recovering, and waits up to
    /// `timeout` until no other call is in flight (after a loss they all
    /// fail at once; a sender may wait for queue space up to two seconds).
    ///
    /// # Errors
    ///
    /// `EBUSY` if calls are still in flight after `timeout`.
    pub(crate) fn quiesce(&self, timeout: Delta) -> Result {
        let start = Instant::<Monotonic>::now();
        loop {
            {
                let mut s = self.state.lock();
                s.recoverer = Task::current_raw().cast_const();
                if s.in_flight == 0 {
                    return Ok(());
                }
            }
            if start.elapsed() > timeout {
                return Err(EBUSY);
            }
            kernel::time::delay::fsleep(Delta::from_millis(1));
        }
    }

    /// Ends a successful recovery: calls go through again, unless
    /// `lost_again()` (checked under the gate's lock) says GSP-RM was lost
    /// meanwhile; then the phase stays `Recovering` and the recovery goes
    /// on. A loss after this check finds the phase `Up` and starts a new
    /// recovery, so none is missed. Returns whether the gate opened.
    pub(crate) fn open_unless(&self, lost_again: impl Fn() -> bool) -> bool {
        let mut s = self.state.lock();
        if lost_again() {
            return false;
        }
        s.phase = Phase::Up;
        s.recoverer = core::ptr::null();
        true
    }

    /// Gives the GPU up: calls fail with `ENODEV` for good.
    pub(crate) fn close(&self) {
        let mut s = self.state.lock();
        s.phase = Phase::Dead;
        s.recoverer = core::ptr::null();
    }
}
