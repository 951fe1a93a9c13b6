//! `--trace-rpc`: timestamps of the steps of each RPC as the device sees
//! them, to find where a round trip's time goes (`make bench` prints the
//! summary). The steps, in the order of one call:
//!
//! 1. `Doorbell`: the driver wrote `NV_PGSP_QUEUE_HEAD` (a trapped BAR0
//!    write reaching the device);
//! 2. `Wake`: GSP-RM's thread woke for it, and `Command`: it took a
//!    command off the queue (several, if they shared the doorbell);
//! 3. `Msi`: GSP-RM posted the reply and its SWGEN0, through the CPU
//!    interrupt tree, fired MSI-X vector 0;
//! 4. `Ack`: the driver's interrupt handler cleared SWGEN0 (IRQSCLR);
//! 5. `Stat`: it read the GSP falcon's IRQSTAT;
//! 6. the next `Doorbell`: the reply reached the caller, which called again
//!    (a caller that polls for its reply may get there before 4 and 5).
//!
//! A `Trigger` is the driver raising a vector itself through the tree
//! (the interrupt self-test, `make bench`'s interrupt round trip): its
//! `Msi` is no reply's, and the per-interrupt figures leave it out.
//!
//! Every [`HOST_SAMPLE_EVERY`] commands the host's CPU counters are read
//! (`/proc/stat`), and a third line says how busy the host's CPUs were
//! while calls came alone and while several shared a doorbell: on a
//! machine whose guest, QEMU and emulator share few cores, that bounds
//! what more callers can gain.
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

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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
    /// The driver raised a vector itself (`LEAF_TRIGGER`).
    Trigger,
}

static ENABLED: AtomicBool = AtomicBool::new(false);
static MARKS: OnceLock<Mutex<Vec<(Instant, Step)>>> = OnceLock::new();

/// Most marks kept (a benchmark run makes far fewer).
const MAX_MARKS: usize = 1 << 20;

/// Commands between two samples of the host's CPU counters.
const HOST_SAMPLE_EVERY: usize = 256;

/// The host's CPU counters: when, busy ticks, all ticks.
type HostSample = (Instant, u64, u64);

static HOST: OnceLock<Mutex<Vec<HostSample>>> = OnceLock::new();
static COMMANDS: AtomicUsize = AtomicUsize::new(0);

/// The host's busy and total CPU ticks, from the first line of
/// `/proc/stat` (user nice system idle iowait irq softirq steal).
fn host_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    parse_cpu_line(stat.lines().next()?)
}

fn parse_cpu_line(line: &str) -> Option<(u64, u64)> {
    let mut f = line.split_whitespace();
    if f.next()? != "cpu" {
        return None;
    }
    let v: Vec<u64> = f.take(8).map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let [user, nice, system, idle, iowait, irq, softirq, steal] = v[..] else {
        return None;
    };
    let busy = user + nice + system + irq + softirq + steal;
    Some((busy, busy + idle + iowait))
}

/// Starts recording.
pub fn enable() {
    MARKS.get_or_init(|| Mutex::new(Vec::with_capacity(1 << 16)));
    HOST.get_or_init(|| Mutex::new(Vec::new()));
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
    if step == Step::Command
        && COMMANDS
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(HOST_SAMPLE_EVERY)
    {
        if let (Some(h), Some((busy, total))) = (HOST.get(), host_ticks()) {
            let mut v = h.lock().unwrap_or_else(|p| p.into_inner());
            if v.len() < MAX_MARKS {
                v.push((Instant::now(), busy, total));
            }
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
    let host = HOST.get()?.lock().unwrap_or_else(|p| p.into_inner());
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    Some(format!(
        "{}\n{}\n{}",
        summarize(&marks),
        summarize_all(&marks),
        summarize_host(&marks, &host, cpus)
    ))
}

/// How busy the host's `cpus` were between consecutive samples, split by
/// whether the calls in between came alone (under 1.1 per doorbell) or
/// shared doorbells (1.3 or more); intervals longer than a second span
/// idle time between runs and are left out.
fn summarize_host(marks: &[(Instant, Step)], host: &[HostSample], cpus: usize) -> String {
    // [alone, shared]: busy ticks, all ticks.
    let mut sums = [(0u64, 0u64); 2];
    let mut at = 0;
    for pair in host.windows(2) {
        let ((t0, b0, a0), (t1, b1, a1)) = (pair[0], pair[1]);
        let (mut commands, mut doorbells) = (0usize, 0usize);
        while at < marks.len() && marks[at].0 < t1 {
            if marks[at].0 >= t0 {
                match marks[at].1 {
                    Step::Command => commands += 1,
                    Step::Doorbell => doorbells += 1,
                    _ => {}
                }
            }
            at += 1;
        }
        if t1.duration_since(t0).as_secs_f64() > 1.0 || doorbells == 0 || a1 <= a0 {
            continue;
        }
        let per = commands as f64 / doorbells as f64;
        let class = if per < 1.1 {
            0
        } else if per >= 1.3 {
            1
        } else {
            continue;
        };
        sums[class].0 += b1.saturating_sub(b0);
        sums[class].1 += a1 - a0;
    }
    let busy = |(b, a): (u64, u64)| {
        if a == 0 {
            "-".to_string()
        } else {
            format!("{:.2}", cpus as f64 * b as f64 / a as f64)
        }
    };
    format!(
        "rpc trace: host cpus busy (of {cpus}): {} while calls came alone, {} while they shared doorbells",
        busy(sums[0]),
        busy(sums[1])
    )
}

/// Every call: commands per doorbell and per interrupt, and the latency
/// from an interrupt to its handler (median and 90th percentile).
fn summarize_all(marks: &[(Instant, Step)]) -> String {
    let count = |step| marks.iter().filter(|(_, s)| *s == step).count();
    let (commands, doorbells, msis) = (
        count(Step::Command),
        count(Step::Doorbell),
        count(Step::Msi).saturating_sub(count(Step::Trigger)),
    );
    let mut latency: Vec<u128> = Vec::new();
    for (i, (t, s)) in marks.iter().enumerate() {
        if *s != Step::Msi {
            continue;
        }
        // An interrupt the driver raised itself is no reply's.
        let triggered = marks[..i]
            .iter()
            .rev()
            .find(|(_, s)| !matches!(s, Step::Ack | Step::Stat))
            .is_some_and(|(_, s)| *s == Step::Trigger);
        if triggered {
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
    fn host_busy_by_how_calls_came() {
        assert_eq!(
            parse_cpu_line("cpu  10 1 5 80 4 0 0 0 0 0"),
            Some((16, 100))
        );
        assert_eq!(parse_cpu_line("cpu0 10 1 5 80 4 0 0 0"), None);
        assert_eq!(parse_cpu_line("cpu 1 2"), None);
        let t0 = Instant::now();
        let at = |ms| t0 + Duration::from_millis(ms);
        let mut m = vec![];
        // 0-100 ms: calls alone; 100-200 ms: two per doorbell; 200-2200
        // ms: nothing (a pause between runs).
        for k in 0..10 {
            m.push((at(k * 10), Step::Doorbell));
            m.push((at(k * 10 + 1), Step::Command));
        }
        for k in 0..10 {
            m.push((at(100 + k * 10), Step::Doorbell));
            m.push((at(100 + k * 10 + 1), Step::Command));
            m.push((at(100 + k * 10 + 2), Step::Command));
        }
        let host = [
            (at(0), 0, 0),
            (at(100), 50, 100),
            (at(200), 140, 200),
            (at(2200), 140, 2200),
        ];
        assert_eq!(
            summarize_host(&m, &host, 2),
            "rpc trace: host cpus busy (of 2): 1.00 while calls came alone, 1.80 while they shared doorbells"
        );
        assert_eq!(
            summarize_host(&m, &host[..2], 4),
            "rpc trace: host cpus busy (of 4): 2.00 while calls came alone, - while they shared doorbells"
        );
    }

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
        // And an interrupt the driver raised itself, handled after 50 us.
        for (k, s) in [Step::Trigger, Step::Msi, Step::Ack, Step::Stat]
            .iter()
            .enumerate()
        {
            m.push((at(4000 + k as u64 * 50), *s));
        }
        let all = summarize_all(&m);
        // Four commands, five doorbells, three interrupts of replies (the
        // triggered one, handled after 50 us, counts nowhere): handled
        // after 200 us, 300 us (the second call's Msi at 1300, its Ack at
        // 1600) and never (the last one).
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
