//! `nvgspctl exec-bind [--ce N]`: an ordered (`RUN_ASYNC`) VM_BIND between
//! two jobs, through sync objects.
//!
//! Job A acquires a semaphore (a word of a system object) and then copies
//! a source object into a first destination; it signals sync object S1.
//! A VM_BIND with `NVGSP_VM_BIND_RUN_ASYNC` that waits for S1 unmaps the
//! source and signals S2. Job B waits for S2 and copies the source into a
//! second destination. The VM_BIND is called from another thread and the
//! semaphore released a moment after, so job A is still waiting when the
//! unbind is asked for: A must still read the old mapping (its copy
//! arrives whole), and B must fault (its fence signals EIO, its
//! destination untouched). Output:
//! `exec-bind: copy before the unbind: fence ok, data ok`
//! `exec-bind: unbind ordered after it: fence ok`
//! `exec-bind: copy after the unbind: fence error -5 (EIO), destination untouched`
//! Exit 1 if any of it is otherwise.

use std::fs::File;
use std::time::Duration;

use nvgsp_uapi::{self as drm, syncobj, FenceStatus, VmBind};

use crate::gem::fill;
use crate::push::{PushBuf, CE_SUBCHANNEL};
use crate::submit::{describe, pushes_of, wait_status, Object, Params, Vas};

/// Bytes each copy moves.
const LEN: u64 = 1 << 20;

/// Runs it on `f`.
pub fn run(f: &File, ce: u32) -> Result<(), String> {
    let params = Params::read(f)?;
    let range = drm::vm_init(f).map_err(|e| format!("VM_INIT: {e}"))?;
    let mut vas = Vas::new(range.start.next_multiple_of(2 << 20), range.end);
    let ch = drm::channel_alloc(f, ce).map_err(|e| format!("CHANNEL_ALLOC(ce {ce}): {e}"))?;
    let src = Object::new(f, LEN, drm::DOMAIN_SYSTEM, &mut vas)?;
    let dst1 = Object::new(f, LEN, drm::DOMAIN_SYSTEM, &mut vas)?;
    let dst2 = Object::new(f, LEN, drm::DOMAIN_SYSTEM, &mut vas)?;
    let sem = Object::new(f, 4096, drm::DOMAIN_SYSTEM, &mut vas)?;
    let push = Object::new(f, 64 << 10, drm::DOMAIN_SYSTEM, &mut vas)?;
    let mut data = vec![0u8; LEN as usize];
    fill(&mut data, 0x6269_6e64);
    src.map()?.write(&data);
    let blank = vec![0x5au8; LEN as usize];
    dst1.map()?.write(&blank);
    dst2.map()?.write(&blank);
    sem.map()?.write(&[0; 8]);
    let create = || syncobj::create(f, 0).map_err(|e| format!("SYNCOBJ_CREATE: {e}"));
    let (s1, s2, s3) = (create()?, create()?, create()?);

    // Job A: wait for the semaphore, then copy src -> dst1.
    let mut a = PushBuf::new();
    a.set_object(CE_SUBCHANNEL, nvgsp_proto::copy::AMPERE_DMA_COPY_B);
    a.sem_acquire(sem.va, 1);
    a.copy(src.va, dst1.va, LEN);
    let pushes = pushes_of(&a, &push, 0, &params)?;
    drm::exec(f, ch.channel, &pushes, &[], &[drm::sync_binary(s1)])
        .map_err(|e| format!("EXEC of job A: {e}"))?;

    // The VM_BIND waits for job A in the ioctl (or later): it is called
    // from another thread, and the semaphore released a moment after.
    let bind = std::thread::scope(|scope| {
        let binder = scope.spawn(|| {
            let ops = [drm::bind_unmap(src.va, LEN)];
            let waits = [drm::sync_binary(s1)];
            let signals = [drm::sync_binary(s2)];
            let mut b = VmBind {
                op_count: ops.len() as u32,
                flags: drm::sys::NVGSP_VM_BIND_RUN_ASYNC,
                op_ptr: ops.as_ptr() as u64,
                wait_count: waits.len() as u32,
                sig_count: signals.len() as u32,
                wait_ptr: waits.as_ptr() as u64,
                sig_ptr: signals.as_ptr() as u64,
                ops_done: 0,
                pad: 0,
            };
            drm::vm_bind_raw(f, &mut b)
        });
        std::thread::sleep(Duration::from_millis(300));
        let released = sem.map().map(|m| m.write(&1u64.to_le_bytes()));
        (binder.join(), released)
    });
    match bind {
        (Ok(Ok(())), Ok(())) => {}
        (Ok(Err(e)), _) => return Err(format!("ordered VM_BIND unmap: {e}")),
        (Err(_), _) => return Err("the VM_BIND thread panicked".into()),
        (_, Err(e)) => return Err(e),
    }

    // Job B: after the unbind, copy src -> dst2.
    let mut bb = PushBuf::new();
    bb.set_object(CE_SUBCHANNEL, nvgsp_proto::copy::AMPERE_DMA_COPY_B);
    bb.copy(src.va, dst2.va, LEN);
    let pushes = pushes_of(&bb, &push, 32 << 10, &params)?;
    drm::exec(
        f,
        ch.channel,
        &pushes,
        &[drm::sync_binary(s2)],
        &[drm::sync_binary(s3)],
    )
    .map_err(|e| format!("EXEC of job B: {e}"))?;

    let deadline = params.job_deadline();
    let st1 = wait_status(f, s1, deadline).map_err(|e| format!("job A: {e}"))?;
    let same1 = dst1.map()?.read_all() == data;
    println!(
        "exec-bind: copy before the unbind: fence {}, data {}",
        describe(st1),
        if same1 { "ok" } else { "WRONG" }
    );
    let st2 = wait_status(f, s2, deadline).map_err(|e| format!("the VM_BIND: {e}"))?;
    println!(
        "exec-bind: unbind ordered after it: fence {}",
        describe(st2)
    );
    let st3 = wait_status(f, s3, deadline).map_err(|e| format!("job B: {e}"))?;
    let untouched = dst2.map()?.read_all() == blank;
    println!(
        "exec-bind: copy after the unbind: fence {}, destination {}",
        describe(st3),
        if untouched { "untouched" } else { "WRITTEN" }
    );
    let _ = drm::channel_free(f, ch.channel);
    if st1 != FenceStatus::Signalled
        || !same1
        || st2 != FenceStatus::Signalled
        || !matches!(st3, FenceStatus::Error(_))
        || !untouched
    {
        return Err("the VM_BIND was not ordered between the jobs".into());
    }
    Ok(())
}
