// SPDX-License-Identifier: GPL-2.0

//! GSP-RM's health: one state machine under one lock, which decides who may
//! call GSP-RM and what a halted core or a silent GSP-RM means.
//!
//! ```text
//!            booted                 stopping
//! Booting ----------> Running ------------------> Stopping
//!    |                 |   |                          |
//!    | lose            |   | lose, no handler         | lose
//!    v                 |   v                          v
//!  Lost  <-------------+  Lost                       Lost
//!                      |
//!                      | lose, handler installed (fires it)
//!                      v
//!      +----> Recovering(Lost) --reset--> Recovering(Booting)
//!      |                                    |  booted
//!      | lose                               v
//!      +------------------------------ Recovering(Running) --recovered--> Running
//!
//!  Recovering(any) --give_up--> Dead
//!  Recovering(Booting) --lose--> Recovering(Lost)
//!  Recovering(Running) --stopping--> Recovering(Booting)
//! ```
//!
//! - `Booting`: the first boot, at probe. Calls go through; the GSP core
//!   halting is part of the boot chain (FWSEC, the boot ROM), not a crash.
//! - `Running`: calls go through; a halted core is a crash, calls timing
//!   out while GSP-RM says nothing are a hang.
//! - `Stopping`: the driver shuts a running GSP-RM down (unbind, or a
//!   boot that failed after GSP-RM's init). Calls go through; the core
//!   halts by design.
//! - `Lost`: GSP-RM crashed or hung and nobody recovers it: calls fail at
//!   once with `ENODEV`.
//! - `Recovering`: the core's recovery owns the GPU. Its own task calls
//!   (while the GSP-RM it boots is not lost); everyone else fails at once
//!   with `EAGAIN` rather than wait, so no client thread sits in the core,
//!   holding its own locks, while the recovery calls that client's reset
//!   handlers.
//! - `Dead`: the recovery gave up: `ENODEV` until the GPU is bound again.
//!
//! The state is changed only under the lock; hot paths read a copy of it
//! without the lock.

use kernel::{
    new_mutex,
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Mutex, //
    },
    task::Pid,
    time::{
        Delta,
        Instant,
        Monotonic, //
    },
};

/// Why GSP-RM no longer answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loss {
    /// Its RISC-V core halted (the falcon's HALT interrupt, or found
    /// halted after a call timed out).
    Crashed,
    /// Calls keep timing out while its core runs and it sends nothing.
    Hung,
}

/// Where the GSP-RM a recovery works with stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// Lost (the one that triggered the recovery, or one it booted).
    Lost,
    /// Booting, or being stopped after a failed boot.
    Booting,
    /// Booted: a halted core is a crash again.
    Running,
}

/// GSP-RM's state; see the module documentation for the transitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// The first boot, at probe.
    Booting,
    /// GSP-RM runs.
    Running,
    /// The driver shuts GSP-RM down.
    Stopping,
    /// GSP-RM crashed or hung; nobody recovers it.
    Lost(Loss),
    /// The core's recovery owns the GPU.
    Recovering(Attempt),
    /// The recovery gave up.
    Dead,
}

impl State {
    /// A small number for the lock-free copy.
    fn code(self) -> u32 {
        match self {
            State::Booting => 0,
            State::Running => 1,
            State::Stopping => 2,
            State::Lost(Loss::Crashed) => 3,
            State::Lost(Loss::Hung) => 4,
            State::Recovering(Attempt::Lost) => 5,
            State::Recovering(Attempt::Booting) => 6,
            State::Recovering(Attempt::Running) => 7,
            State::Dead => 8,
        }
    }

    fn from_code(code: u32) -> State {
        match code {
            0 => State::Booting,
            1 => State::Running,
            2 => State::Stopping,
            3 => State::Lost(Loss::Crashed),
            4 => State::Lost(Loss::Hung),
            5 => State::Recovering(Attempt::Lost),
            6 => State::Recovering(Attempt::Booting),
            7 => State::Recovering(Attempt::Running),
            _ => State::Dead,
        }
    }

    /// Whether the GSP-RM instance the driver talks to is gone: calls in
    /// flight fail with `ENODEV` instead of waiting for their timeout.
    pub(crate) fn instance_lost(self) -> bool {
        matches!(
            self,
            State::Lost(_) | State::Dead | State::Recovering(Attempt::Lost)
        )
    }

    /// Whether a halted GSP core means GSP-RM crashed (it is neither
    /// booting nor being stopped).
    pub(crate) fn halt_is_crash(self) -> bool {
        matches!(self, State::Running | State::Recovering(Attempt::Running))
    }
}

/// What follows a loss, for the log line that reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// The loss handler was started: the core resets the GPU.
    Recovery,
    /// The recovery in progress tries again.
    Retry,
    /// Nobody recovers it: the GPU is unusable until it is bound again.
    Unusable,
}

impl Next {
    /// What the log line says.
    pub(crate) fn says(self) -> &'static str {
        match self {
            Next::Recovery => "resetting the GPU",
            Next::Retry => "the recovery tries again",
            Next::Unusable => "the GPU is unusable until it is bound again",
        }
    }
}

/// What a loss of GSP-RM sets off (the core's recovery). Called under the
/// health lock: it must only queue work.
pub(crate) trait LossHandler: Send + Sync {
    /// GSP-RM was lost; the state is `Recovering(Lost)`.
    fn lost(&self);
}

/// Calls timing out in a row while GSP-RM sent nothing at all, its core
/// still running, that make the driver take GSP-RM for hung. (A lost or
/// malformed reply times out one call; GSP-RM is alive if it sends
/// anything.)
pub(crate) const HANG_TIMEOUTS: u32 = 3;

struct Inner {
    state: State,
    /// Calls in progress (not counting the recovering task's).
    in_flight: u32,
    /// The task recovering, while `Recovering`.
    recoverer: Option<Pid>,
    /// When GSP-RM was last found lost.
    lost_at: Instant<Monotonic>,
    /// What a loss sets off, if anything.
    handler: Option<KBox<dyn LossHandler>>,
}

/// GSP-RM's health for one GPU.
#[pin_data]
pub(crate) struct Health {
    #[pin]
    inner: Mutex<Inner>,
    /// `inner.state`, for reads without the lock.
    code: Atomic<u32>,
    /// Calls that timed out in a row with GSP-RM silent throughout (a
    /// counter beside the state, not part of it).
    silent_timeouts: Atomic<u32>,
    /// Counts the GSP-RM instances: bumped when one is lost, so RM handles
    /// from before can be told from current ones. Written under the lock.
    generation: Atomic<u32>,
}

/// Permission for one call; the call counts as in flight until it is
/// dropped.
pub(crate) struct Pass<'a> {
    health: &'a Health,
    counted: bool,
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        if self.counted {
            let mut s = self.health.inner.lock();
            s.in_flight = s.in_flight.saturating_sub(1);
        }
    }
}

impl Health {
    /// A GSP-RM about to boot for the first time.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            inner <- new_mutex!(Inner {
                state: State::Booting,
                in_flight: 0,
                recoverer: None,
                lost_at: Instant::<Monotonic>::now(),
                handler: None,
            }),
            code: Atomic::new(State::Booting.code()),
            silent_timeouts: Atomic::new(0),
            generation: Atomic::new(0),
        })
    }

    /// The state now (it may change as soon as this returns).
    pub(crate) fn state(&self) -> State {
        State::from_code(self.code.load(Relaxed))
    }

    fn set(&self, s: &mut Inner, state: State) {
        s.state = state;
        self.code.store(state.code(), Relaxed);
    }

    /// Whether the GSP-RM the driver talks to is gone.
    pub(crate) fn is_lost(&self) -> bool {
        self.state().instance_lost()
    }

    /// The current GSP-RM instance's number.
    pub(crate) fn generation(&self) -> u32 {
        self.generation.load(Relaxed)
    }

    /// When GSP-RM was last found lost.
    pub(crate) fn lost_at(&self) -> Instant<Monotonic> {
        self.inner.lock().lost_at
    }

    /// Lets a call through, or says why not.
    ///
    /// # Errors
    ///
    /// `EAGAIN` while another task recovers the GPU, `ENODEV` once GSP-RM
    /// is lost and nobody recovers it, or the recovery gave it up.
    pub(crate) fn enter(&self) -> Result<Pass<'_>> {
        let mut s = self.inner.lock();
        match s.state {
            State::Booting | State::Running | State::Stopping => {
                s.in_flight += 1;
                Ok(Pass {
                    health: self,
                    counted: true,
                })
            }
            State::Recovering(a) if s.recoverer == Some(kernel::current!().pid()) => {
                if a == Attempt::Lost {
                    return Err(ENODEV);
                }
                Ok(Pass {
                    health: self,
                    counted: false,
                })
            }
            State::Recovering(_) => Err(EAGAIN),
            State::Lost(_) | State::Dead => Err(ENODEV),
        }
    }

    /// GSP-RM finished its initialization: `Booting` to `Running`, or
    /// `Recovering(Booting)` to `Recovering(Running)`.
    pub(crate) fn booted(&self) {
        let mut s = self.inner.lock();
        match s.state {
            State::Booting => self.set(&mut s, State::Running),
            State::Recovering(Attempt::Booting) => {
                self.set(&mut s, State::Recovering(Attempt::Running))
            }
            _ => {}
        }
    }

    /// The driver stops GSP-RM on purpose (unload, or after a failed
    /// boot): its core halting is no crash from here on.
    pub(crate) fn stopping(&self) {
        let mut s = self.inner.lock();
        match s.state {
            State::Running => self.set(&mut s, State::Stopping),
            State::Recovering(Attempt::Running) => {
                self.set(&mut s, State::Recovering(Attempt::Booting))
            }
            _ => {}
        }
    }

    /// Marks GSP-RM lost, once per instance; starts the loss handler if
    /// one is installed and no recovery runs. Returns what happens next if
    /// this call found the loss (the caller says so in one log line and
    /// wakes whoever waits for GSP-RM), `None` if it was known.
    pub(crate) fn lose(&self, why: Loss) -> Option<Next> {
        let mut s = self.inner.lock();
        self.lose_locked(&mut s, why)
    }

    /// The GSP's core was found halted: GSP-RM crashed if it was running
    /// (decided under the lock, so a halt by design, after
    /// [`Self::stopping`], is never taken for one). As [`Self::lose`].
    pub(crate) fn halted(&self) -> Option<Next> {
        let mut s = self.inner.lock();
        if !s.state.halt_is_crash() {
            return None;
        }
        self.lose_locked(&mut s, Loss::Crashed)
    }

    fn lose_locked(&self, s: &mut Inner, why: Loss) -> Option<Next> {
        let next = match s.state {
            State::Booting | State::Stopping => State::Lost(why),
            State::Running if s.handler.is_some() => State::Recovering(Attempt::Lost),
            State::Running => State::Lost(why),
            // A loss during a recovery's own boot is that recovery's to
            // handle.
            State::Recovering(Attempt::Booting | Attempt::Running) => {
                State::Recovering(Attempt::Lost)
            }
            State::Recovering(Attempt::Lost) | State::Lost(_) | State::Dead => return None,
        };
        let fresh = matches!(s.state, State::Running);
        self.set(s, next);
        s.lost_at = Instant::<Monotonic>::now();
        self.silent_timeouts.store(0, Relaxed);
        self.generation.fetch_add(1, Relaxed);
        if fresh {
            if let Some(h) = s.handler.as_ref() {
                h.lost();
                return Some(Next::Recovery);
            }
        }
        Some(match next {
            State::Recovering(_) => Next::Retry,
            _ => Next::Unusable,
        })
    }

    /// A call timed out while GSP-RM's core runs: `silent` if GSP-RM sent
    /// nothing at all since the call was sent. Returns whether this makes
    /// GSP-RM hung ([`HANG_TIMEOUTS`] silent timeouts in a row); the
    /// caller then calls [`Self::lose`].
    pub(crate) fn timed_out(&self, silent: bool) -> bool {
        if !silent {
            self.silent_timeouts.store(0, Relaxed);
            return false;
        }
        self.silent_timeouts.fetch_add(1, Relaxed) + 1 >= HANG_TIMEOUTS
    }

    /// A call got its reply: GSP-RM is not silent.
    pub(crate) fn answered(&self) {
        if self.silent_timeouts.load(Relaxed) != 0 {
            self.silent_timeouts.store(0, Relaxed);
        }
    }

    /// Installs (or, with `None`, removes) what a loss sets off; returns
    /// the previous one, to be dropped outside the lock.
    pub(crate) fn set_loss_handler(
        &self,
        handler: Option<KBox<dyn LossHandler>>,
    ) -> Option<KBox<dyn LossHandler>> {
        core::mem::replace(&mut self.inner.lock().handler, handler)
    }

    /// Whether a loss is recovered from.
    pub(crate) fn recovers(&self) -> bool {
        self.inner.lock().handler.is_some()
    }

    /// Waits up to `timeout` for a recovery in progress to end, for
    /// callers that have nothing to hold up meanwhile (a client opening
    /// its first handle, in its probe); never from a reset handler.
    /// `on_wait` is called once, as the wait begins.
    ///
    /// # Errors
    ///
    /// `EAGAIN` if the recovery still runs after `timeout`, `ENODEV` if
    /// GSP-RM is lost for good.
    pub(crate) fn wait_recovered(&self, timeout: Delta, on_wait: impl FnOnce()) -> Result {
        let start = Instant::<Monotonic>::now();
        let mut on_wait = Some(on_wait);
        loop {
            match self.state() {
                State::Booting | State::Running | State::Stopping => return Ok(()),
                State::Lost(_) | State::Dead => return Err(ENODEV),
                State::Recovering(_) if start.elapsed() > timeout => return Err(EAGAIN),
                State::Recovering(_) => {}
            }
            if let Some(f) = on_wait.take() {
                f();
            }
            kernel::time::delay::fsleep(Delta::from_millis(10));
        }
    }

    /// Makes the current task the one recovering, and waits up to
    /// `timeout` until no other call is in flight (after a loss they all
    /// fail at once; a sender may wait for queue space up to its own
    /// timeout).
    ///
    /// # Errors
    ///
    /// `EBUSY` if calls are still in flight after `timeout`.
    pub(crate) fn quiesce(&self, timeout: Delta) -> Result {
        let start = Instant::<Monotonic>::now();
        loop {
            {
                let mut s = self.inner.lock();
                s.recoverer = Some(kernel::current!().pid());
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

    /// The recovery emptied the queues and boots GSP-RM again:
    /// `Recovering(_)` to `Recovering(Booting)`.
    pub(crate) fn rebooting(&self) {
        let mut s = self.inner.lock();
        if let State::Recovering(_) = s.state {
            self.set(&mut s, State::Recovering(Attempt::Booting));
            self.silent_timeouts.store(0, Relaxed);
        }
    }

    /// Ends a successful recovery: `Recovering(Running)` to `Running`, so
    /// calls go through again. If GSP-RM was lost meanwhile the state
    /// stays `Recovering(Lost)` and the recovery goes on; a loss after
    /// this finds `Running` and starts a new recovery, so none is missed.
    /// Returns whether the recovery ended.
    pub(crate) fn recovered(&self) -> bool {
        let mut s = self.inner.lock();
        if s.state != State::Recovering(Attempt::Running) {
            return false;
        }
        self.set(&mut s, State::Running);
        s.recoverer = None;
        true
    }

    /// The recovery gives GSP-RM up: `Dead`, calls fail with `ENODEV`.
    pub(crate) fn give_up(&self) {
        let mut s = self.inner.lock();
        self.set(&mut s, State::Dead);
        s.recoverer = None;
    }
}

#[kunit_tests(nvgsp_core_health)]
mod tests {
    use super::*;
    use kernel::sync::atomic::Atomic;

    /// A loss handler that counts how often it was started.
    struct Count(&'static Atomic<u32>);

    impl LossHandler for Count {
        fn lost(&self) {
            self.0.fetch_add(1, Relaxed);
        }
    }

    fn health() -> Result<Pin<KBox<Health>>> {
        KBox::pin_init(Health::new(), GFP_KERNEL)
    }

    #[test]
    fn boot_run_stop() -> Result {
        let h = health()?;
        assert_eq!(h.state(), State::Booting);
        // A halt while booting is the boot chain's.
        assert!(!h.state().halt_is_crash());
        drop(h.enter()?);
        h.booted();
        assert_eq!(h.state(), State::Running);
        assert!(h.state().halt_is_crash());
        h.stopping();
        assert_eq!(h.state(), State::Stopping);
        assert!(!h.state().halt_is_crash());
        drop(h.enter()?);
        Ok(())
    }

    #[test]
    fn lost_without_recovery() -> Result {
        let h = health()?;
        h.booted();
        let g = h.generation();
        assert_eq!(h.lose(Loss::Hung), Some(Next::Unusable));
        assert_eq!(h.state(), State::Lost(Loss::Hung));
        assert!(h.is_lost());
        assert_eq!(h.generation(), g + 1);
        // Found once per instance.
        assert_eq!(h.lose(Loss::Crashed), None);
        assert_eq!(h.generation(), g + 1);
        assert_eq!(h.enter().err(), Some(ENODEV));
        assert_eq!(h.wait_recovered(Delta::ZERO, || {}), Err(ENODEV));
        Ok(())
    }

    #[test]
    fn recovery_round_trip() -> Result {
        static FIRED: Atomic<u32> = Atomic::new(0);
        // The suite may run more than once in a boot.
        FIRED.store(0, Relaxed);
        let h = health()?;
        h.booted();
        assert!(h
            .set_loss_handler(Some(KBox::new(Count(&FIRED), GFP_KERNEL)?))
            .is_none());
        assert!(h.recovers());
        // A call in flight at the loss holds up the recovery.
        let pass = h.enter()?;
        assert_eq!(h.lose(Loss::Crashed), Some(Next::Recovery));
        assert_eq!(FIRED.load(Relaxed), 1);
        assert_eq!(h.state(), State::Recovering(Attempt::Lost));
        assert!(h.is_lost());
        // Nobody else calls while it recovers; it does not wait for them.
        assert_eq!(h.enter().err(), Some(EAGAIN));
        assert_eq!(h.quiesce(Delta::from_millis(20)), Err(EBUSY));
        drop(pass);
        h.quiesce(Delta::from_millis(20))?;
        // The recovering task: not while the instance is lost.
        assert_eq!(h.enter().err(), Some(ENODEV));
        h.rebooting();
        assert_eq!(h.state(), State::Recovering(Attempt::Booting));
        assert!(!h.is_lost() && !h.state().halt_is_crash());
        // Its own calls pass, uncounted.
        drop(h.enter()?);
        h.booted();
        assert_eq!(h.state(), State::Recovering(Attempt::Running));
        // Lost again while it booted: the recovery tries again, the
        // handler is not started twice.
        assert_eq!(h.lose(Loss::Crashed), Some(Next::Retry));
        assert_eq!(FIRED.load(Relaxed), 1);
        assert!(!h.recovered());
        h.rebooting();
        h.booted();
        assert!(h.recovered());
        assert_eq!(h.state(), State::Running);
        drop(h.enter()?);
        h.wait_recovered(Delta::ZERO, || {})?;
        // Removing the handler hands it back.
        assert!(h.set_loss_handler(None).is_some());
        assert_eq!(h.lose(Loss::Hung), Some(Next::Unusable));
        Ok(())
    }

    #[test]
    fn recovery_gives_up() -> Result {
        static FIRED: Atomic<u32> = Atomic::new(0);
        let h = health()?;
        h.booted();
        let _ = h.set_loss_handler(Some(KBox::new(Count(&FIRED), GFP_KERNEL)?));
        assert_eq!(h.lose(Loss::Hung), Some(Next::Recovery));
        assert_eq!(h.wait_recovered(Delta::from_millis(20), || {}), Err(EAGAIN));
        h.give_up();
        assert_eq!(h.state(), State::Dead);
        assert_eq!(h.enter().err(), Some(ENODEV));
        assert_eq!(h.lose(Loss::Crashed), None);
        Ok(())
    }

    #[test]
    fn hang_takes_three_silent_timeouts() -> Result {
        let h = health()?;
        assert!(!h.timed_out(true));
        assert!(!h.timed_out(true));
        // GSP-RM said something: the count starts again.
        assert!(!h.timed_out(false));
        assert!(!h.timed_out(true));
        h.answered();
        assert!(!h.timed_out(true));
        assert!(!h.timed_out(true));
        assert!(h.timed_out(true));
        Ok(())
    }
}
