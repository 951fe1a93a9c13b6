//! `nvgspctl copy SIZE [--ce N]`: SIZE bytes through the copy engine,
//! system memory to VRAM and back, in two jobs ordered by a sync object.
//!
//! Objects A (system, filled with a seeded xorshift pattern), B (VRAM) and
//! C (system, filled with 0x5a so a copy that did not happen shows), each
//! SIZE bytes, and a system object for the pushes, are bound at 2 MiB
//! aligned VAs from `NVGSP_PARAM_VA_START` on. On a channel of copy engine
//! N (default 0), job 1 copies A to B and signals binary sync object S1;
//! job 2 waits for S1, copies B to C and signals S2. S2 is waited for (at
//! most 60 s), both fences' errors are read, and C is compared with A.
//!
//! Output:
//! `copy: SIZE bytes sys->vram->sys ok, fnv1a64 0xH, vram va 0xV, 2 jobs of L launches, T ms`
//! where H is the 64-bit FNV-1a hash of A's SIZE bytes, in the form the
//! emulator's control port answers `vram-sum OFFSET LEN` (`fnv1a 0xH`),
//! so a test can compare it with the hash of B's VRAM; V is B's GPU VA.
//! A job whose fence has an error: `copy: job N fence error -E (NAME)`,
//! exit 1. A difference: `copy: C differs from A at offset 0xO: ...`,
//! exit 1.

use std::fs::File;
use std::time::{Duration, Instant};

use nvgsp_uapi::{self as drm, syncobj, FenceStatus};

use crate::gem::{checksum, fill};
use crate::push::{PushBuf, CE_SUBCHANNEL};
use crate::submit::{describe, pushes_of, Object, Params, Vas};

/// How long the two jobs may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The first offset where `a` and `b` differ.
pub fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or((a.len() != b.len()).then(|| a.len().min(b.len())))
}

/// Runs it on `f`.
pub fn run(f: &File, size: u64, ce: u32) -> Result<(), String> {
    if size == 0 {
        return Err("SIZE must be at least 1".into());
    }
    let len = usize::try_from(size).map_err(|_| "SIZE too large".to_string())?;
    let params = Params::read(f)?;
    let range = drm::vm_init(f).map_err(|e| format!("VM_INIT: {e}"))?;
    let mut vas = Vas::new(range.start, range.end);
    let a = Object::new(f, size, drm::DOMAIN_SYSTEM, &mut vas)?;
    let b = Object::new(f, size, drm::DOMAIN_VRAM, &mut vas)?;
    let c = Object::new(f, size, drm::DOMAIN_SYSTEM, &mut vas)?;
    let mut data = vec![0u8; len];
    fill(&mut data, size ^ 0x636f_7079_5f41);
    a.map()?.write(&data);
    c.map()?.write(&vec![0x5a; len]);

    let class = nvgsp_proto::copy::AMPERE_DMA_COPY_B;
    let mut p1 = PushBuf::new();
    p1.set_object(CE_SUBCHANNEL, class);
    let launches = p1.copy(a.va, b.va, size);
    let mut p2 = PushBuf::new();
    p2.set_object(CE_SUBCHANNEL, class);
    p2.copy(b.va, c.va, size);
    let push_len = (p1.len_bytes() + p2.len_bytes()) as u64;
    let push = Object::new(
        f,
        push_len.next_multiple_of(4096),
        drm::DOMAIN_SYSTEM,
        &mut vas,
    )?;
    let pushes1 = pushes_of(&p1, &push, 0, &params)?;
    let pushes2 = pushes_of(&p2, &push, p1.len_bytes(), &params)?;

    let ch = drm::channel_alloc(f, ce).map_err(|e| format!("CHANNEL_ALLOC(ce {ce}): {e}"))?;
    let s1 = syncobj::create(f, 0).map_err(|e| format!("SYNCOBJ_CREATE: {e}"))?;
    let s2 = syncobj::create(f, 0).map_err(|e| format!("SYNCOBJ_CREATE: {e}"))?;
    let start = Instant::now();
    drm::exec(f, ch.channel, &pushes1, &[], &[drm::sync_binary(s1)])
        .map_err(|e| format!("EXEC of job 1 (A to B): {e}"))?;
    drm::exec(
        f,
        ch.channel,
        &pushes2,
        &[drm::sync_binary(s1)],
        &[drm::sync_binary(s2)],
    )
    .map_err(|e| format!("EXEC of job 2 (B to C): {e}"))?;
    let waited = syncobj::wait(f, &[s2], TIMEOUT, 0);
    let ms = start.elapsed().as_millis();
    let status = |s| syncobj::fence_status(f, s, 0).map_err(|e| format!("fence status: {e}"));
    let (st1, st2) = (status(s1)?, status(s2)?);
    if let Err(e) = waited {
        if e.raw_os_error() == Some(libc::ETIME) {
            return Err(format!(
                "job 2 did not end within {} s (job 1 {}, job 2 {})",
                TIMEOUT.as_secs(),
                describe(st1),
                describe(st2)
            ));
        }
        return Err(format!("SYNCOBJ_WAIT: {e}"));
    }
    let mut failed = false;
    for (n, st) in [(1, st1), (2, st2)] {
        if st != FenceStatus::Signalled {
            println!("copy: job {n} fence {}", describe(st));
            failed = true;
        }
    }
    if failed {
        return Err("a job failed".into());
    }
    let back = c.map()?.read_at(0, len);
    if let Some(at) = first_difference(&data, &back) {
        println!(
            "copy: C differs from A at offset {at:#x}: wrote {:#04x}, read {:#04x}",
            data[at],
            back.get(at).copied().unwrap_or(0)
        );
        return Err(format!("the copy differs from offset {at:#x} on"));
    }
    println!(
        "copy: {size} bytes sys->vram->sys ok, fnv1a64 {:#x}, vram va {:#x}, 2 jobs of {launches} launches, {ms} ms",
        checksum(&data),
        b.va
    );
    let _ = drm::channel_free(f, ch.channel);
    let _ = syncobj::destroy(f, s1);
    let _ = syncobj::destroy(f, s2);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_found_at_their_first_byte() {
        assert_eq!(first_difference(b"abcd", b"abcd"), None);
        assert_eq!(first_difference(b"abcd", b"abxd"), Some(2));
        assert_eq!(first_difference(b"abcd", b"ab"), Some(2));
        // The emulator's hash (emu/src/control.rs fnv1a): "a".
        assert_eq!(checksum(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(format!("{:#x}", 0x00ab_u64), "0xab");
    }
}
