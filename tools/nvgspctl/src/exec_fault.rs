//! `nvgspctl exec-fault [--ce N]` and `nvgspctl exec-hang [--ce N]`: a job
//! that fails on the GPU, and the channel afterwards.
//!
//! `exec-fault`: a job whose one push is at a VA nothing is bound at
//! (64 MiB into the VA range); its fence must signal with an error (the
//! header says EIO). Output:
//! `exec-fault: job with its push at unmapped VA 0xV: fence error -5 (EIO)`
//!
//! `exec-hang`: a job whose push makes the host acquire a semaphore, a
//! word of a system object that stays 0, until it equals 1: never. Its
//! fence is waited for up to 2 x `NVGSP_PARAM_JOB_TIMEOUT_MS` + 10 s and
//! must signal with an error (the header says ETIMEDOUT). Output:
//! `exec-hang: job acquiring 0xV == 1: fence error -110 (ETIMEDOUT) after S s (job timeout T ms)`
//!
//! Then, for both, on the same channel (which the driver made again): an
//! empty job, and a job that copies 64 KiB (an empty job need not reach
//! the GPU), each of which must end without error, the copy's data
//! arrived:
//! `exec-fault: empty job after it: fence ok`
//! `exec-fault: copy job after it: fence ok, data ok`
//! (`exec-hang:` likewise). Exit 1 if the first job's fence has no error
//! or the later ones are not right.

use std::fs::File;
use std::time::Instant;

use nvgsp_uapi::{self as drm, syncobj, FenceStatus};

use crate::push::PushBuf;
use crate::submit::{copy_job, describe, pushes_of, wait_status, Object, Params, Vas};

/// Which failure.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A push at an unmapped VA.
    Fault,
    /// A semaphore acquire never satisfied.
    Hang,
}

/// Runs it on `f`.
pub fn run(f: &File, kind: Kind, ce: u32) -> Result<(), String> {
    let name = match kind {
        Kind::Fault => "exec-fault",
        Kind::Hang => "exec-hang",
    };
    let params = Params::read(f)?;
    let range = drm::vm_init(f).map_err(|e| format!("VM_INIT: {e}"))?;
    // The unmapped VA first, 64 MiB in; the objects from 128 MiB on.
    let unmapped = range.start.next_multiple_of(2 << 20) + (64 << 20);
    let mut vas = Vas::new(unmapped + (64 << 20), range.end);
    let ch = drm::channel_alloc(f, ce).map_err(|e| format!("CHANNEL_ALLOC(ce {ce}): {e}"))?;
    let s = syncobj::create(f, 0).map_err(|e| format!("SYNCOBJ_CREATE: {e}"))?;
    let start = Instant::now();
    let (what, sem) = match kind {
        Kind::Fault => {
            drm::exec(
                f,
                ch.channel,
                &[drm::push(unmapped, 64)],
                &[],
                &[drm::sync_binary(s)],
            )
            .map_err(|e| format!("EXEC of a push at {unmapped:#x}: {e}"))?;
            (
                format!("job with its push at unmapped VA {unmapped:#x}"),
                None,
            )
        }
        Kind::Hang => {
            let sem = Object::new(f, 4096, drm::DOMAIN_SYSTEM, &mut vas)?;
            sem.map()?.write(&[0; 8]);
            let push = Object::new(f, 4096, drm::DOMAIN_SYSTEM, &mut vas)?;
            let mut p = PushBuf::new();
            p.sem_acquire(sem.va, 1);
            let pushes = pushes_of(&p, &push, 0, &params)?;
            drm::exec(f, ch.channel, &pushes, &[], &[drm::sync_binary(s)])
                .map_err(|e| format!("EXEC of a semaphore acquire: {e}"))?;
            let what = format!("job acquiring {:#x} == 1", sem.va);
            (what, Some((sem, push)))
        }
    };
    let st = wait_status(f, s, params.job_deadline()).map_err(|e| format!("the {what}: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    match kind {
        Kind::Fault => println!("{name}: {what}: fence {}", describe(st)),
        Kind::Hang => println!(
            "{name}: {what}: fence {} after {secs:.1} s (job timeout {} ms)",
            describe(st),
            params.job_timeout_ms
        ),
    }
    let mut wrong = Vec::new();
    if !matches!(st, FenceStatus::Error(_)) {
        wrong.push(format!("the {what} ended without an error"));
    }
    if let Some((sem, _)) = &sem {
        if sem.map()?.read_at(0, 4) != [0; 4] {
            wrong.push("the semaphore word changed".into());
        }
    }
    let empty = syncobj::create(f, 0).map_err(|e| format!("SYNCOBJ_CREATE: {e}"))?;
    drm::exec(f, ch.channel, &[], &[], &[drm::sync_binary(empty)])
        .map_err(|e| format!("EXEC of an empty job after it: {e}"))?;
    let st = wait_status(f, empty, params.job_deadline())
        .map_err(|e| format!("the empty job after it: {e}"))?;
    println!("{name}: empty job after it: fence {}", describe(st));
    if st != FenceStatus::Signalled {
        wrong.push("the empty job after it failed".into());
    }
    let (st, same) = copy_job(f, ch.channel, &mut vas, &params)
        .map_err(|e| format!("the copy job after it: {e}"))?;
    println!(
        "{name}: copy job after it: fence {}, data {}",
        describe(st),
        if same { "ok" } else { "WRONG" }
    );
    if st != FenceStatus::Signalled || !same {
        wrong.push("the copy job after it failed".into());
    }
    let _ = drm::channel_free(f, ch.channel);
    if !wrong.is_empty() {
        return Err(wrong.join("; "));
    }
    Ok(())
}
