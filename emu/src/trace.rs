//! `--trace-rpc`: timestamps of the steps of each RPC as the device sees
//! them, to find where a round trip's time goes (`make bench` prints the
//! summary). The steps, in the order of one call:
//!
//! 1. `Doorbell`: the driver wrote `NV_PGSP_QUEUE_HEAD` (a trapped BAR0
//!    write reaching the device);
//! 2. `Wake`: GSP-RM's thread woke for it, and `Command`: it took a
//!    command off the queue (several, if they shared the doorbell);
//! 3. `Msi`: GSP-RM posted the reply and its SWGEN0 fired MSI-X vector 0;
//! 4. `Stat`: the driver's interrupt handler read the GSP falcon's IRQSTAT;
//! 5. `Ack`: it cleared SWGEN0 (IRQSCLR);
//! 6. the next `Doorbell`: the reply reached the caller, which called again
//!    (a caller that polls for its reply may get there before 4 and 5).
//!
//! The first summary line counts only calls made alone: one `Wake`, one
//! `Command` and one `Msi` between a doorbell and the next (so the
//! 8-caller runs of `make bench`, whose commands share doorbells, hardly
//! contribute), and gives the median time from the doorbell to each step,
//! in microseconds. The second covers every call: how many commands shared
//! a doorbell and an interrupt, and how long an interrupt took to reach
//! the driver's handler (`Msi` to the next `Ack`), which bounds what a call
//! that waits for its interrupt can cost. Off, it costs one relaxed load
//! per mark.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// A step of an RPC round trip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The doorbell write arrived.
    Doorbell,
    /// GSP-RM's thread woke for it.
    Wake,
    /// GSP-RM took a command off the queue.
    Command,
    /// The reply's interrupt fired.
    Msi,
    /// The driver read the interrupt status.
    Stat,
    /// The driver acknowledged the interrupt.
    Ack,
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static MARKS: OnceLock<Mutex<Vec<(Instant, Step)>>> = OnceLock::new();

/// Most marks kept (a benchmark run makes far fewer).
const MAX_MARKS: usize = 1 << 20;

/// Starts recording.
pub fn enable() {
    MARKS.get_or_init(|| Mutex::new(Vec::with_capacity(1 << 16)));
    ENABLED.store(true, Ordering::Relaxed);
}

/// Records `step` now, if tracing is on.
pub fn mark(step: Step) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    if let Some(m) = MARKS.get() {
        let mut v = m.lock().unwrap_or_else(|p| p.into_inner());
        if v.len() < MAX_MARKS {
            v.push((Instant::now(), step));
        }
    }
}

/// The medians of each step of the clean cycles, as a log line; `None`
/// when tracing is off.
pub fn summary() -> Option<String> {
    if !ENABLED.load(Ordering::Relaxed) {
        return None;
    }
    let marks = MARKS.get()?.lock().unwrap_or_else(|p| p.into_inner());
    Some(format!("{}\n{}", summarize(&marks), summarize_all(&marks)))
}

/// Every call: commands per doorbell and per interrupt, and the latency
/// from an interrupt to its handler (median and 90th percentile).
fn summarize_all(marks: &[(Instant, Step)]) -> String {
    let count = |step| marks.iter().filter(|(_, s)| *s == step).count();
    let (commands, doorbells, msis) = (
        count(Step::Command),
        count(Step::Doorbell),
        count(Step::Msi),
    );
    let mut latency: Vec<u128> = Vec::new();
    for (i, (t, s)) in marks.iter().enumerate() {
        if *s != Step::Msi {
            continue;
        }
        let handled = marks[i + 1..]
            .iter()
            .take_while(|(_, s)| *s != Step::Msi)
            .find(|(_, s)| *s == Step::Ack);
        if let Some((at, _)) = handled {
            latency.push(at.duration_since(*t).as_micros());
        }
    }
    latency.sort_unstable();
    let pick = |num: usize| latency.get(latency.len() * num / 10).copied().unwrap_or(0);
    let per = |n: usize| {
        if n == 0 {
            0.0
        } else {
            commands as f64 / n as f64
        }
    };
    format!(
        "rpc trace: all {commands} calls, {:.2} per doorbell, {:.2} per interrupt; us from an interrupt to its handler: median {} p90 {}",
        per(doorbells),
        per(msis),
        pick(5),
        pick(9)
    )
}

fn summarize(marks: &[(Instant, Step)]) -> String {
    let doorbells: Vec<usize> = (0..marks.len())
        .filter(|&i| marks[i].1 == Step::Doorbell)
        .collect();
    // Microseconds from the doorbell to: wake, msi, stat, ack, next doorbell.
    let mut after: [Vec<u128>; 5] = Default::default();
    for pair in doorbells.windows(2) {
        let (first, next) = (pair[0], pair[1]);
        let t0 = marks[first].0;
        let us = |t: Instant| t.duration_since(t0).as_micros();
        let between = &marks[first + 1..next];
        let only = |step| between.iter().filter(|(_, s)| *s == step).count() == 1;
        if !only(Step::Wake) || !only(Step::Command) || !only(Step::Msi) {
            continue;
        }
        let find = |step| between.iter().find(|(_, s)| *s == step).map(|(t, _)| *t);
        let (Some(wake), Some(msi)) = (find(Step::Wake), find(Step::Msi)) else {
            continue;
        };
        // The interrupt's handling may run past the next doorbell: the first
        // of each after this reply's interrupt, before the next one's.
        let msi_at = first
            + 1
            + between
                .iter()
                .position(|(_, s)| *s == Step::Msi)
                .unwrap_or(0);
        let handled = marks[msi_at + 1..]
            .iter()
            .take_while(|(_, s)| *s != Step::Msi);
        let (mut stat, mut ack) = (None, None);
        for (t, s) in handled {
            match s {
                Step::Stat if stat.is_none() => stat = Some(*t),
                Step::Ack if ack.is_none() => ack = Some(*t),
                _ => {}
            }
        }
        let (Some(stat), Some(ack)) = (stat, ack) else {
            continue;
        };
        for (v, t) in after.iter_mut().zip([wake, msi, stat, ack, marks[next].0]) {
            v.push(us(t));
        }
    }
    let median = |v: &mut Vec<u128>| {
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    let [a, b, c, d, e] = &mut after;
    let n = a.len();
    format!(
        "rpc trace: {n} calls made alone, median us after the doorbell: wake {} reply-msi {} irq-stat {} irq-ack {} next-doorbell {}",
        median(a),
        median(b),
        median(c),
        median(d),
        median(e)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn only_calls_made_alone_count() {
        let t0 = Instant::now();
        let at = |us| t0 + Duration::from_micros(us);
        let mut m = vec![];
        // Two calls alone, steps 100 us apart; the second one's caller
        // polled and rang again before the interrupt was handled.
        let calls: [&[Step]; 2] = [
            &[
                Step::Doorbell,
                Step::Wake,
                Step::Command,
                Step::Msi,
                Step::Stat,
                Step::Ack,
            ],
            &[
                Step::Doorbell,
                Step::Wake,
                Step::Command,
                Step::Msi,
                Step::Doorbell,
                Step::Stat,
            ],
        ];
        for (c, order) in calls.iter().enumerate() {
            for (k, s) in order.iter().enumerate() {
                m.push((at(c as u64 * 1000 + k as u64 * 100), *s));
            }
        }
        m.push((at(1600), Step::Ack));
        // Then two commands sharing a doorbell, served in one wake.
        let shared = [
            Step::Doorbell,
            Step::Wake,
            Step::Command,
            Step::Command,
            Step::Msi,
            Step::Doorbell,
        ];
        for (k, s) in shared.iter().enumerate() {
            m.push((at(3000 + k as u64 * 10), *s));
        }
        let all = summarize_all(&m);
        // Four commands, five doorbells, three interrupts: handled after
        // 200 us, 300 us (the second call's Msi at 1300, its Ack at 1600)
        // and never (the last one).
        assert_eq!(
            all,
            "rpc trace: all 4 calls, 0.80 per doorbell, 1.33 per interrupt; us from an interrupt to its handler: median 300 p90 300"
        );
        let s = summarize(&m);
        assert!(s.contains("2 calls made alone"), "{s}");
        assert!(
            s.contains("wake 100 reply-msi 300 irq-stat 500 irq-ack 600 next-doorbell 1000"),
            "{s}"
        );
    }
}
