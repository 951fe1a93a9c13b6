//! `nvgspctl exec JOBS [--files F] [--ce N]`: empty jobs (no pushes) on
//! channels of F open files (default 1), ordered through sync objects.
//!
//! Each file gets a VA space (VM_INIT), a channel on copy engine N
//! (default 0), a timeline sync object and a binary one. Job i of a file
//! (i from 0) signals point i + 1 of the file's timeline; job 0 also
//! signals the file's binary object, and job 0 of file k > 0 waits for
//! the binary object of file k - 1, exported as a sync object file
//! (`SYNCOBJ_HANDLE_TO_FD`) and imported into file k (`FD_TO_HANDLE`):
//! a chain across the files. The jobs are submitted round robin across
//! the files; then point JOBS of every timeline is waited for (at most
//! 60 s and 1 ms a job), and checked:
//! - QUERY says JOBS (the last signalled point) and, with
//!   `LAST_SUBMITTED`, JOBS;
//! - every point 1..=JOBS is signalled: a TIMELINE_WAIT of all of them
//!   with timeout 0 returns at once;
//! - no fence has an error (the last point, the binary objects);
//! - the chain signalled in order: each file's job 0 fence signalled no
//!   earlier than the one it waited for (the fences' timestamps).
//!
//! Output: `exec: F files x JOBS jobs ok` (after `exec: all points
//! signalled in T ms`); else a line saying what is wrong and exit 1.

use std::fs::File;
use std::io;
use std::time::{Duration, Instant};

use nvgsp_uapi::{self as drm, syncobj, FenceStatus};

use crate::submit::describe;

/// One file's part.
struct Part {
    f: File,
    channel: u32,
    timeline: u32,
    binary: u32,
    /// The previous file's binary object, imported.
    prev: Option<u32>,
}

/// When the fence of binary object `handle` signalled (ns), from its sync
/// file.
fn signalled_at(f: &File, handle: u32) -> Result<u64, String> {
    let fd = syncobj::export_sync_file(f, handle, 0).map_err(|e| format!("export: {e}"))?;
    let fences = syncobj::sync_file_fences(&fd).map_err(|e| format!("SYNC_IOC_FILE_INFO: {e}"))?;
    fences
        .iter()
        .map(|i| i.timestamp_ns)
        .max()
        .ok_or_else(|| "a sync file without fences".into())
}

/// Runs it: `open` opens another file of the render node.
pub fn run(
    open: impl Fn() -> io::Result<File>,
    jobs: u64,
    files: usize,
    ce: u32,
) -> Result<(), String> {
    if jobs == 0 || files == 0 {
        return Err("JOBS and --files must be at least 1".into());
    }
    let mut parts: Vec<Part> = Vec::with_capacity(files);
    for k in 0..files {
        let f = open().map_err(|e| format!("open (file {k}): {e}"))?;
        drm::vm_init(&f).map_err(|e| format!("VM_INIT (file {k}): {e}"))?;
        let ch = drm::channel_alloc(&f, ce)
            .map_err(|e| format!("CHANNEL_ALLOC(ce {ce}) (file {k}): {e}"))?;
        let create = || syncobj::create(&f, 0).map_err(|e| format!("SYNCOBJ_CREATE: {e}"));
        let (timeline, binary) = (create()?, create()?);
        parts.push(Part {
            f,
            channel: ch.channel,
            timeline,
            binary,
            prev: None,
        });
    }
    let start = Instant::now();
    // Job 0 of each file, the chain: file k waits for file k - 1's.
    for k in 0..files {
        let p = &parts[k];
        let waits: Vec<_> = p.prev.map(drm::sync_binary).into_iter().collect();
        drm::exec(
            &p.f,
            p.channel,
            &[],
            &waits,
            &[drm::sync_point(p.timeline, 1), drm::sync_binary(p.binary)],
        )
        .map_err(|e| format!("EXEC of job 0 of file {k}: {e}"))?;
        if k + 1 < files {
            let fd = syncobj::export(&p.f, p.binary)
                .map_err(|e| format!("SYNCOBJ_HANDLE_TO_FD (file {k}): {e}"))?;
            let h = syncobj::import(&parts[k + 1].f, &fd)
                .map_err(|e| format!("SYNCOBJ_FD_TO_HANDLE (file {}): {e}", k + 1))?;
            parts[k + 1].prev = Some(h);
        }
    }
    for i in 1..jobs {
        for (k, p) in parts.iter().enumerate() {
            drm::exec(
                &p.f,
                p.channel,
                &[],
                &[],
                &[drm::sync_point(p.timeline, i + 1)],
            )
            .map_err(|e| format!("EXEC of job {i} of file {k}: {e}"))?;
        }
    }
    let timeout = Duration::from_secs(60) + Duration::from_millis(jobs);
    for (k, p) in parts.iter().enumerate() {
        match syncobj::timeline_wait(&p.f, &[p.timeline], &[jobs], timeout, 0) {
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(libc::ETIME) => {
                let at = syncobj::query(&p.f, &[p.timeline], 0)
                    .map(|v| v[0].to_string())
                    .unwrap_or_else(|e| format!("unknown ({e})"));
                println!(
                    "exec: file {k}: point {jobs} not signalled within {} s, the timeline is at {at}",
                    timeout.as_secs()
                );
                return Err("jobs did not complete".into());
            }
            Err(e) => return Err(format!("SYNCOBJ_TIMELINE_WAIT (file {k}): {e}")),
        }
    }
    println!(
        "exec: all points signalled in {} ms",
        start.elapsed().as_millis()
    );
    let mut wrong = Vec::new();
    let mut chain_at = Vec::new();
    for (k, p) in parts.iter().enumerate() {
        let q = |flags| {
            syncobj::query(&p.f, &[p.timeline], flags)
                .map(|v| v[0])
                .map_err(|e| format!("SYNCOBJ_QUERY (file {k}): {e}"))
        };
        let (signalled, submitted) = (q(0)?, q(syncobj::QUERY_LAST_SUBMITTED)?);
        if signalled != jobs || submitted != jobs {
            wrong.push(format!(
                "file {k}: QUERY says point {signalled} signalled, {submitted} submitted, not {jobs}"
            ));
        }
        // Every point up to the last: all signalled, now.
        let mut from = 1;
        while from <= jobs {
            let to = (from + 4095).min(jobs);
            let points: Vec<u64> = (from..=to).collect();
            let handles = vec![p.timeline; points.len()];
            match syncobj::timeline_signalled(&p.f, &handles, &points) {
                Ok(true) => {}
                Ok(false) => {
                    wrong.push(format!(
                        "file {k}: a point in {from}..={to} is not signalled, though {jobs} is"
                    ));
                    break;
                }
                Err(e) => return Err(format!("SYNCOBJ_TIMELINE_WAIT (file {k}): {e}")),
            }
            from = to + 1;
        }
        let last = syncobj::fence_status(&p.f, p.timeline, jobs)
            .map_err(|e| format!("fence status (file {k}, point {jobs}): {e}"))?;
        let first = syncobj::fence_status(&p.f, p.binary, 0)
            .map_err(|e| format!("fence status (file {k}, job 0): {e}"))?;
        for (what, st) in [("the last job", last), ("job 0", first)] {
            if st != FenceStatus::Signalled {
                wrong.push(format!("file {k}: {what}'s fence {}", describe(st)));
            }
        }
        chain_at.push(signalled_at(&p.f, p.binary)?);
    }
    for k in 1..files {
        if chain_at[k] < chain_at[k - 1] {
            wrong.push(format!(
                "file {k}: job 0 signalled {} ns before file {}'s job 0, which it waited for",
                chain_at[k - 1] - chain_at[k],
                k - 1
            ));
        }
    }
    if !wrong.is_empty() {
        for w in &wrong {
            println!("exec: {w}");
        }
        return Err(format!("{} checks failed", wrong.len()));
    }
    for p in &parts {
        let _ = drm::channel_free(&p.f, p.channel);
    }
    println!("exec: {files} files x {jobs} jobs ok");
    Ok(())
}
