//! `--trace-rpc`: timestamps of the steps of each RPC as the device sees
//! them, to find where a round trip's time goes (`make bench` prints the
//! summary). The steps, in the order of one call:
//!
//! 1. `Doorbell`: the driver wrote `NV_PGSP_QUEUE_HEAD` (a trapped BAR0
//!    write reaching the device);
//! 2. `Wake`: GSP-RM's thread woke for it;
//! 3. `Msi`: GSP-RM posted the reply and its SWGEN0 fired MSI-X vector 0;
//! 4. `Ack`: the driver's interrupt handler cleared SWGEN0 (IRQSCLR);
//! 5. `Stat`: the driver read the GSP falcon's IRQSTAT;
//! 6. the next `Doorbell`: the reply reached the caller, which called again.
//!
//! Only cycles that run exactly in that order (one caller) are summed; the
//! summary gives each step's median in microseconds. Off, it costs one
//! relaxed load per mark.

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
    /// The reply's interrupt fired.
    Msi,
    /// The driver acknowledged the interrupt.
    Ack,
    /// The driver read the interrupt status.
    Stat,
}

const STEPS: [Step; 5] = [Step::Doorbell, Step::Wake, Step::Msi, Step::Ack, Step::Stat];

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
    Some(summarize(&marks))
}

fn summarize(marks: &[(Instant, Step)]) -> String {
    // Segment i runs from STEPS[i] to STEPS[i + 1] (the last to the next
    // doorbell).
    let mut segs: [Vec<u128>; 5] = Default::default();
    let mut i = 0;
    while i + STEPS.len() < marks.len() {
        let cycle = &marks[i..=i + STEPS.len()];
        let clean = cycle
            .iter()
            .zip(STEPS.iter().chain([Step::Doorbell].iter()))
            .all(|((_, s), want)| s == want);
        if clean {
            for (k, seg) in segs.iter_mut().enumerate() {
                seg.push(cycle[k + 1].0.duration_since(cycle[k].0).as_micros());
            }
            i += STEPS.len();
        } else {
            i += 1;
        }
    }
    let median = |v: &mut Vec<u128>| {
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    let [a, b, c, d, e] = &mut segs;
    let n = a.len();
    format!(
        "rpc trace: {n} single-caller cycles, median us: doorbell->wake {} wake->msi {} msi->ack {} ack->stat {} stat->next-doorbell {}",
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
    fn only_clean_cycles_count() {
        let t0 = Instant::now();
        let at = |us| t0 + Duration::from_micros(us);
        let mut m = vec![];
        // Two clean cycles 100 us apart per step, then a noisy one.
        for c in 0..2u64 {
            for (k, s) in STEPS.iter().enumerate() {
                m.push((at(c * 1000 + k as u64 * 100), *s));
            }
        }
        m.push((at(2000), Step::Doorbell));
        m.push((at(2050), Step::Doorbell));
        m.push((at(2100), Step::Msi));
        let s = summarize(&m);
        assert!(s.contains("2 single-caller cycles"), "{s}");
        assert!(s.contains("doorbell->wake 100 wake->msi 100 msi->ack 100 ack->stat 100 stat->next-doorbell 600"), "{s}");
    }
}
