// SPDX-License-Identifier: GPL-2.0

//! The heartbeat: finds a hung GSP-RM while nobody calls it (mlx5's health
//! poll is the model). A crash shows itself (the GSP falcon raises HALT);
//! a hang only shows when a call goes unanswered. So whenever GSP-RM has
//! said nothing for [`timeouts::HEARTBEAT`] while it runs, the heartbeat
//! asks it the cheapest question there is (`NV0000_CTRL_CMD_NULL` on the
//! core's RM client), and
//! asks again at once while the answer times out: three silent timeouts
//! make it hung (`health.rs`), and the recovery starts. A hang is so found
//! within `HEARTBEAT` and two ticks (the silence is noticed at a tick, and
//! measured from the tick that last saw traffic), plus three `RPC`
//! timeouts, of GSP-RM's last message: 21 s.

use kernel::{
    new_condvar, new_mutex, pci,
    prelude::*,
    sync::{
        Arc,
        CondVar,
        Mutex, //
    },
    time::{
        msecs_to_jiffies,
        Delta,
        Instant,
        Monotonic, //
    },
    types::CovariantForLt,
    workqueue::{
        impl_has_work,
        new_work,
        Work,
        WorkItem, //
    },
};

use super::{
    health::{
        State,
        HANG_TIMEOUTS, //
    },
    Gsp,
};
use crate::{
    bar::{
        Bar0,
        BAR0_SIZE, //
    },
    kernel_gaps::{
        BoundRef,
        OwnedQueue, //
    },
    timeouts,
};

/// How often the heartbeat looks whether GSP-RM said anything: a quarter
/// of [`timeouts::HEARTBEAT`], so a silence is noticed within a quarter
/// period of its end.
const TICK: Delta = Delta::from_nanos(timeouts::HEARTBEAT.as_nanos() / 4);

/// The heartbeat's work: a loop that looks every [`TICK`] whether GSP-RM
/// was silent for a whole [`timeouts::HEARTBEAT`], until it is told to
/// stop.
#[pin_data]
struct Beat {
    #[pin]
    work: Work<Beat>,
    /// Set when the heartbeat is to end.
    #[pin]
    stop: Mutex<bool>,
    #[pin]
    wake: CondVar,
    gsp: BoundRef<CovariantForLt!(Gsp)>,
    bar: BoundRef<CovariantForLt!(pci::Bar<'_, BAR0_SIZE>)>,
}

impl_has_work! {
    impl HasWork<Self> for Beat { self.work }
}

impl WorkItem for Beat {
    type Pointer = Arc<Beat>;

    fn run(this: Arc<Beat>) {
        this.beat(this.gsp.get(), this.bar.get());
    }
}

impl Beat {
    /// Sleeps one tick; returns whether the heartbeat is to stop.
    fn sleep(&self) -> bool {
        let mut stop = self.stop.lock();
        if !*stop {
            let tick = u32::try_from(TICK.as_millis()).unwrap_or(u32::MAX);
            // A kworker gets no signals: this ends by timeout or by `stop`.
            let _ = self
                .wake
                .wait_interruptible_timeout(&mut stop, msecs_to_jiffies(tick));
        }
        *stop
    }

    fn beat(&self, gsp: &Gsp, bar: Bar0<'_>) {
        let rpc = &gsp.rpc;
        let mut heard = rpc.received();
        let mut heard_at = Instant::<Monotonic>::now();
        while !self.sleep() {
            if rpc.received() != heard || rpc.health.state() != State::Running {
                heard = rpc.received();
                heard_at = Instant::<Monotonic>::now();
                continue;
            }
            if heard_at.elapsed() < timeouts::HEARTBEAT {
                continue;
            }
            // Silent for a whole period: ask, and ask again while the
            // answer times out, until GSP-RM answers or is found lost.
            for _ in 0..HANG_TIMEOUTS {
                rpc.stats
                    .heartbeats
                    .fetch_add(1, kernel::sync::atomic::Relaxed);
                match gsp.ping(bar) {
                    Err(e) if e == ETIMEDOUT && !*self.stop.lock() => {}
                    _ => break,
                }
            }
            heard = rpc.received();
            heard_at = Instant::<Monotonic>::now();
        }
    }
}

/// A running heartbeat; dropping it stops it, waiting for a ping in
/// flight.
pub(crate) struct Heartbeat {
    beat: Arc<Beat>,
    // Dropped after `Drop::drop` told `beat` to stop: waits for it.
    _wq: OwnedQueue,
}

impl Heartbeat {
    /// Starts the heartbeat of GSP-RM `gsp` behind `bar`.
    ///
    /// # Safety
    ///
    /// The heartbeat must be dropped before `gsp` and `bar` are.
    pub(crate) unsafe fn start(gsp: &Gsp, bar: Bar0<'_>) -> Result<Self> {
        let beat = Arc::pin_init(
            pin_init!(Beat {
                work <- new_work!("nvgsp_core::gsp::heartbeat::Beat::work"),
                stop <- new_mutex!(false),
                wake <- new_condvar!(),
                // SAFETY: the heartbeat, and with it its work, is drained
                // before `gsp` and `bar` go (this function's contract).
                gsp: unsafe { BoundRef::new(gsp) },
                // SAFETY: as above.
                bar: unsafe { BoundRef::new(bar) },
            }),
            GFP_KERNEL,
        )?;
        let wq = OwnedQueue::new(c"nvgsp_heartbeat")?;
        wq.queue().enqueue(beat.clone()).map_err(|_| EBUSY)?;
        Ok(Self { beat, _wq: wq })
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        *self.beat.stop.lock() = true;
        self.beat.wake.notify_all();
    }
}
