//! `nvgspctl exec-bench ROUNDS [--files F] [--ce N]`: what an empty job
//! (no pushes) costs, from EXEC until its sync object signals.
//!
//! Without `--files`: one file, one channel on copy engine N (default 0),
//! ROUNDS times an EXEC signalling a binary sync object, then a wait for
//! it; prints the round trip's percentiles and the jobs per second of
//! the whole run:
//! `exec-bench: 1 file, R jobs, p50 X us, p99 Y us, J jobs/s`.
//!
//! With `--files F`: F threads, each with its own file and channel,
//! submit ROUNDS jobs each, job i signalling point i of the thread's
//! timeline sync object, keeping up to 64 in flight (before job i, point
//! i - 64 is waited for); the run ends when every last point signalled:
//! `exec-bench: F files, R jobs each, 64 in flight, J jobs/s` (J all of
//! them over the wall clock of the run). `--files 1` is this mode too
//! (one thread, pipelined), so `--files 4` against `--files 1` compares
//! like with like; only without `--files` are the jobs one at a time.
//!
//! A job that ends with an error fails the run.

use std::fs::File;
use std::io;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use nvgsp_uapi::{self as drm, syncobj, FenceStatus};

use crate::submit::{describe, wait_status};

/// Jobs each thread keeps in flight with `--files`.
pub const IN_FLIGHT: u64 = 64;
/// How long one wait may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The `p`-th percentile of sorted `v` (nearest rank), in microseconds.
fn percentile_us(v: &[Duration], p: usize) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let rank = (p * v.len()).div_ceil(100).clamp(1, v.len());
    v[rank - 1].as_secs_f64() * 1e6
}

/// One file, round trips.
pub fn round_trips(f: &File, rounds: u64, ce: u32) -> Result<(), String> {
    drm::vm_init(f).map_err(|e| format!("VM_INIT: {e}"))?;
    let ch = drm::channel_alloc(f, ce).map_err(|e| format!("CHANNEL_ALLOC(ce {ce}): {e}"))?;
    let s = syncobj::create(f, 0).map_err(|e| format!("SYNCOBJ_CREATE: {e}"))?;
    let job = || -> Result<(), String> {
        drm::exec(f, ch.channel, &[], &[], &[drm::sync_binary(s)])
            .map_err(|e| format!("EXEC: {e}"))?;
        syncobj::wait(f, &[s], TIMEOUT, 0).map_err(|e| format!("SYNCOBJ_WAIT: {e}"))?;
        Ok(())
    };
    // One before the clock starts.
    job()?;
    let mut times = Vec::with_capacity(rounds as usize);
    let start = Instant::now();
    for _ in 0..rounds {
        let t = Instant::now();
        job()?;
        times.push(t.elapsed());
    }
    let secs = start.elapsed().as_secs_f64();
    match syncobj::fence_status(f, s, 0).map_err(|e| format!("fence status: {e}"))? {
        FenceStatus::Signalled => {}
        st => return Err(format!("the last job's fence {}", describe(st))),
    }
    times.sort_unstable();
    println!(
        "exec-bench: 1 file, {rounds} jobs, p50 {:.1} us, p99 {:.1} us, {:.0} jobs/s",
        percentile_us(&times, 50),
        percentile_us(&times, 99),
        rounds as f64 / secs.max(1e-9)
    );
    let _ = drm::channel_free(f, ch.channel);
    Ok(())
}

/// One thread's file: ROUNDS jobs on a timeline, 64 in flight.
fn pipelined(f: &File, channel: u32, timeline: u32, rounds: u64) -> Result<(), String> {
    for i in 1..=rounds {
        if i > IN_FLIGHT {
            syncobj::timeline_wait(f, &[timeline], &[i - IN_FLIGHT], TIMEOUT, 0)
                .map_err(|e| format!("SYNCOBJ_TIMELINE_WAIT({}): {e}", i - IN_FLIGHT))?;
        }
        drm::exec(f, channel, &[], &[], &[drm::sync_point(timeline, i)])
            .map_err(|e| format!("EXEC of job {i}: {e}"))?;
    }
    syncobj::timeline_wait(f, &[timeline], &[rounds], TIMEOUT, 0)
        .map_err(|e| format!("SYNCOBJ_TIMELINE_WAIT({rounds}): {e}"))?;
    match syncobj::fence_status(f, timeline, rounds).map_err(|e| format!("fence status: {e}"))? {
        FenceStatus::Signalled => Ok(()),
        st => Err(format!("the last job's fence {}", describe(st))),
    }
}

/// `files` threads, pipelined.
pub fn threads(
    open: impl Fn() -> io::Result<File>,
    rounds: u64,
    files: usize,
    ce: u32,
) -> Result<(), String> {
    if files == 0 {
        return Err("--files must be at least 1".into());
    }
    // Files, VA spaces and channels first (GSP-RM calls), off the clock.
    let mut setup = Vec::with_capacity(files);
    for k in 0..files {
        let f = open().map_err(|e| format!("open (file {k}): {e}"))?;
        drm::vm_init(&f).map_err(|e| format!("VM_INIT (file {k}): {e}"))?;
        let ch = drm::channel_alloc(&f, ce)
            .map_err(|e| format!("CHANNEL_ALLOC(ce {ce}) (file {k}): {e}"))?;
        let t = syncobj::create(&f, 0).map_err(|e| format!("SYNCOBJ_CREATE: {e}"))?;
        // One job each before the clock starts.
        let s = syncobj::create(&f, 0).map_err(|e| format!("SYNCOBJ_CREATE: {e}"))?;
        drm::exec(&f, ch.channel, &[], &[], &[drm::sync_binary(s)])
            .map_err(|e| format!("EXEC (file {k}): {e}"))?;
        wait_status(&f, s, TIMEOUT)?;
        setup.push((f, ch.channel, t));
    }
    let barrier = Barrier::new(files + 1);
    let (results, secs) = std::thread::scope(|sc| {
        let handles: Vec<_> = setup
            .iter()
            .map(|(f, ch, t)| {
                let barrier = &barrier;
                sc.spawn(move || {
                    barrier.wait();
                    pipelined(f, *ch, *t, rounds)
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let results: Vec<Result<(), String>> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("bench thread panicked".into()))
            })
            .collect();
        (results, start.elapsed().as_secs_f64())
    });
    for (k, r) in results.into_iter().enumerate() {
        r.map_err(|e| format!("file {k}: {e}"))?;
    }
    println!(
        "exec-bench: {files} files, {rounds} jobs each, {IN_FLIGHT} in flight, {:.0} jobs/s",
        (files as u64 * rounds) as f64 / secs.max(1e-9)
    );
    for (f, ch, _) in &setup {
        let _ = drm::channel_free(f, *ch);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_in_microseconds() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        assert_eq!(percentile_us(&v, 50), 50.0);
        assert_eq!(percentile_us(&v, 99), 99.0);
        assert_eq!(percentile_us(&[], 50), 0.0);
    }
}
