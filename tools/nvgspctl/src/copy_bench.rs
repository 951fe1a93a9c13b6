//! `nvgspctl copy-bench SIZE ROUNDS [--ce N]`: the copy engine's bandwidth
//! from VRAM to system memory against the guest CPU's `memcpy`.
//!
//! One file: a VRAM object and a system object of SIZE bytes, bound at
//! 2 MiB aligned VAs, a system object for the pushes, a channel on copy
//! engine N (default 0). The VRAM object is not filled: its contents do
//! not matter, and the driver clears it (through BAR1, slowly in the
//! emulator) when it is bound, before the clock starts. A job copies the
//! VRAM object into the system object (1 MiB launches, `push.rs`) and
//! signals a binary sync object; one job off the clock (its data is
//! checked: the cleared VRAM, zeroes), then ROUNDS of them, each timed
//! from EXEC until its sync object is signalled, as userspace sees it.
//! Then ROUNDS `memcpy`s of SIZE bytes between two heap buffers of the
//! guest (both written before, so their pages exist), each timed.
//!
//! Output (MB/s of the median round of each):
//! `copy-bench: SIZE bytes x ROUNDS: engine vram->sys X MB/s, memcpy Y MB/s (medians)`
//! and before it how long the VRAM object's bind (its clearing) took:
//! `copy-bench: vram object bound and cleared in T ms`.
//!
//! A job whose fence ends with an error fails the run.

use std::fs::File;
use std::hint::black_box;
use std::time::{Duration, Instant};

use nvgsp_uapi::{self as drm, syncobj, FenceStatus};

use crate::push::{PushBuf, CE_SUBCHANNEL};
use crate::submit::{describe, pushes_of, wait_status, Object, Params, Vas};

/// The median of `v` (sorts it; the lower middle of an even count).
fn median(v: &mut [Duration]) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v.sort_unstable();
    v[(v.len() - 1) / 2]
}

/// MB/s of `bytes` in `t`.
fn mb_per_s(bytes: u64, t: Duration) -> f64 {
    bytes as f64 / t.as_secs_f64().max(1e-9) / 1e6
}

/// Runs it on `f`.
pub fn run(f: &File, size: u64, rounds: u32, ce: u32) -> Result<(), String> {
    if size == 0 || rounds == 0 {
        return Err("SIZE and ROUNDS must be at least 1".into());
    }
    let len = usize::try_from(size).map_err(|_| "SIZE too large".to_string())?;
    let params = Params::read(f)?;
    let range = drm::vm_init(f).map_err(|e| format!("VM_INIT: {e}"))?;
    let mut vas = Vas::new(range.start, range.end);
    let start = Instant::now();
    let vram = Object::new(f, size, drm::DOMAIN_VRAM, &mut vas)?;
    println!(
        "copy-bench: vram object bound and cleared in {} ms",
        start.elapsed().as_millis()
    );
    let sys = Object::new(f, size, drm::DOMAIN_SYSTEM, &mut vas)?;
    // Not what the cleared VRAM holds: a copy that did not happen shows.
    sys.map()?.write(&vec![0x5a; len]);

    let mut p = PushBuf::new();
    p.set_object(CE_SUBCHANNEL, nvgsp_proto::copy::AMPERE_DMA_COPY_B);
    p.copy(vram.va, sys.va, size);
    let push = Object::new(
        f,
        (p.len_bytes() as u64).next_multiple_of(4096),
        drm::DOMAIN_SYSTEM,
        &mut vas,
    )?;
    // The same pushes every round.
    let pushes = pushes_of(&p, &push, 0, &params)?;
    let ch = drm::channel_alloc(f, ce).map_err(|e| format!("CHANNEL_ALLOC(ce {ce}): {e}"))?;
    let s = syncobj::create(f, 0).map_err(|e| format!("SYNCOBJ_CREATE: {e}"))?;
    let deadline = params.job_deadline();
    let job = || -> Result<(), String> {
        drm::exec(f, ch.channel, &pushes, &[], &[drm::sync_binary(s)])
            .map_err(|e| format!("EXEC: {e}"))?;
        syncobj::wait(f, &[s], deadline, 0).map_err(|e| format!("SYNCOBJ_WAIT: {e}"))?;
        Ok(())
    };

    // One off the clock, checked.
    job()?;
    match wait_status(f, s, deadline)? {
        FenceStatus::Signalled => {}
        st => return Err(format!("the first copy's fence {}", describe(st))),
    }
    if let Some(at) = sys.map()?.read_all().iter().position(|&b| b != 0) {
        return Err(format!(
            "the system object is not the cleared VRAM after a copy: offset {at:#x} is nonzero"
        ));
    }
    let mut engine = Vec::with_capacity(rounds as usize);
    for _ in 0..rounds {
        let t = Instant::now();
        job()?;
        engine.push(t.elapsed());
    }
    match wait_status(f, s, deadline)? {
        FenceStatus::Signalled => {}
        st => return Err(format!("the last copy's fence {}", describe(st))),
    }
    let _ = drm::channel_free(f, ch.channel);
    let _ = syncobj::destroy(f, s);

    // The guest's memcpy, between buffers whose pages exist.
    let src = vec![0xa5u8; len];
    let mut dst = vec![0x5au8; len];
    let mut cpu = Vec::with_capacity(rounds as usize);
    for _ in 0..rounds {
        let t = Instant::now();
        dst.copy_from_slice(black_box(&src));
        black_box(&mut dst);
        cpu.push(t.elapsed());
    }
    if dst != src {
        return Err("memcpy: the buffers differ".into());
    }

    println!(
        "copy-bench: {size} bytes x {rounds}: engine vram->sys {:.1} MB/s, memcpy {:.1} MB/s (medians)",
        mb_per_s(size, median(&mut engine)),
        mb_per_s(size, median(&mut cpu))
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_rates() {
        let ms = Duration::from_millis;
        assert_eq!(median(&mut [ms(3), ms(1), ms(2)]), ms(2));
        assert_eq!(median(&mut [ms(4), ms(1), ms(3), ms(2)]), ms(2));
        assert_eq!(median(&mut []), Duration::ZERO);
        assert_eq!(mb_per_s(64_000_000, Duration::from_secs(2)), 32.0);
    }
}
