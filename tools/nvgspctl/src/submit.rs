//! What the command submission subcommands (`copy`, `exec`, `exec-bench`,
//! `exec-fault`, `exec-hang`) share: the driver's limits, objects bound at
//! fixed VAs, waiting for a job's sync object and reading its fence's
//! error, a small copy job that proves a channel works, and the options.

use std::collections::BTreeMap;
use std::fs::File;
use std::time::Duration;

use nvgsp_uapi::{self as drm, syncobj, FenceStatus, GemCreate, Mapping};

use crate::fuzz::errno_name;
use crate::gem::fill;
use crate::push::{PushBuf, CE_SUBCHANNEL};

/// 2 MiB: where the objects' VAs are aligned (the largest GPU page).
pub const VA_ALIGN: u64 = 2 << 20;

/// The driver's limits of command submission (`NVGSP_PARAM_*`).
#[derive(Clone, Copy, Debug)]
pub struct Params {
    /// `EXEC_MAX_PUSH`.
    pub max_push: u64,
    /// `PUSH_MAX_SIZE`, bytes.
    pub push_max_size: u64,
    /// `JOB_TIMEOUT_MS`.
    pub job_timeout_ms: u64,
}

impl Params {
    /// Reads them from `f`.
    pub fn read(f: &File) -> Result<Params, String> {
        let get = |p, name: &str| drm::getparam(f, p).map_err(|e| format!("GETPARAM({name}): {e}"));
        Ok(Params {
            max_push: get(drm::PARAM_EXEC_MAX_PUSH, "EXEC_MAX_PUSH")?,
            push_max_size: get(drm::PARAM_PUSH_MAX_SIZE, "PUSH_MAX_SIZE")?,
            job_timeout_ms: get(drm::PARAM_JOB_TIMEOUT_MS, "JOB_TIMEOUT_MS")?,
        })
    }

    /// How long a job may take at most before its fence must have
    /// signalled (with ETIMEDOUT at worst): twice the job timeout and
    /// 10 s.
    pub fn job_deadline(&self) -> Duration {
        Duration::from_millis(self.job_timeout_ms.saturating_mul(2)) + Duration::from_secs(10)
    }
}

/// VAs handed out from the start of the range, each 2 MiB-aligned.
pub struct Vas {
    next: u64,
    end: u64,
}

impl Vas {
    /// From `start` (rounded up to 2 MiB) to `end`.
    pub fn new(start: u64, end: u64) -> Vas {
        Vas {
            next: start.next_multiple_of(VA_ALIGN),
            end,
        }
    }

    /// A range of `size` bytes (at least 2 MiB, the next one starts 2 MiB
    /// aligned).
    pub fn take(&mut self, size: u64) -> Result<u64, String> {
        let va = self.next;
        let len = size.max(1).next_multiple_of(VA_ALIGN);
        match va.checked_add(len) {
            Some(e) if e <= self.end => {
                self.next = e;
                Ok(va)
            }
            _ => Err(format!("no VA left for {size:#x} bytes at {va:#x}")),
        }
    }
}

/// A GEM object bound whole at a GPU VA, mapped by the CPU if it is in
/// system memory.
pub struct Object {
    /// Where it is bound.
    pub va: u64,
    /// Its CPU mapping (system memory only).
    pub map: Option<Mapping>,
}

impl Object {
    /// A new object of `size` bytes in `domain`, bound at a VA of `vas`.
    pub fn new(f: &File, size: u64, domain: u32, vas: &mut Vas) -> Result<Object, String> {
        let what = if domain == drm::DOMAIN_VRAM {
            "vram"
        } else {
            "system"
        };
        let handle = drm::gem_create(
            f,
            GemCreate {
                size,
                domain,
                ..GemCreate::default()
            },
        )
        .map_err(|e| format!("GEM_CREATE({what}, {size}): {e}"))?;
        let info = drm::gem_info(f, handle).map_err(|e| format!("GEM_INFO: {e}"))?;
        let va = vas.take(info.size)?;
        let (_, r) = drm::vm_bind(f, &[drm::bind_map(handle, va, info.size, 0)]);
        r.map_err(|e| format!("VM_BIND of the {what} object at {va:#x}: {e}"))?;
        let map = if domain == drm::DOMAIN_SYSTEM {
            Some(crate::gem::map_whole(f, info.map_offset, info.size)?)
        } else {
            None
        };
        Ok(Object { va, map })
    }

    /// Its CPU mapping.
    pub fn map(&self) -> Result<&Mapping, String> {
        self.map
            .as_ref()
            .ok_or_else(|| "a VRAM object has no mapping here".to_string())
    }
}

/// How a fence stands, for a line of output: `ok`, `pending` or
/// `error -5 (EIO)`.
pub fn describe(s: FenceStatus) -> String {
    match s {
        FenceStatus::Signalled => "ok".into(),
        FenceStatus::Pending => "pending".into(),
        FenceStatus::Error(e) => format!("error {e} ({})", errno_name(-e)),
    }
}

/// Waits up to `timeout` for the fence of binary sync object `handle`,
/// then reads its status (error included).
pub fn wait_status(f: &File, handle: u32, timeout: Duration) -> Result<FenceStatus, String> {
    match syncobj::wait(f, &[handle], timeout, 0) {
        Ok(_) => {}
        Err(e) if e.raw_os_error() == Some(libc::ETIME) => {
            return Err(format!(
                "its fence did not signal within {:.1} s",
                timeout.as_secs_f64()
            ))
        }
        Err(e) => return Err(format!("SYNCOBJ_WAIT: {e}")),
    }
    syncobj::fence_status(f, handle, 0).map_err(|e| format!("the fence's sync file: {e}"))
}

/// The pushes (`drm_nvgsp_exec_push`) of `p` written at `offset` bytes
/// into `push`, cut to the driver's push size.
pub fn pushes_of(
    p: &PushBuf,
    push: &Object,
    offset: usize,
    params: &Params,
) -> Result<Vec<drm::Push>, String> {
    let max = usize::try_from(params.push_max_size).unwrap_or(usize::MAX);
    let segs = p
        .segments(max)
        .ok_or_else(|| format!("a group of methods exceeds PUSH_MAX_SIZE {max}"))?;
    if segs.len() as u64 > params.max_push {
        return Err(format!(
            "{} pushes of at most {max} bytes, more than EXEC_MAX_PUSH {}",
            segs.len(),
            params.max_push
        ));
    }
    push.map()?.write_at(offset, &p.bytes());
    Ok(segs
        .iter()
        .map(|r| {
            drm::push(
                push.va + (offset + 4 * r.start) as u64,
                (4 * (r.end - r.start)) as u32,
            )
        })
        .collect())
}

/// A job that copies 64 KiB between two new system objects on `channel`,
/// waited for: its fence's status and whether the data arrived. Proves
/// the channel runs pushes (an empty job need not reach the GPU).
pub fn copy_job(
    f: &File,
    channel: u32,
    vas: &mut Vas,
    params: &Params,
) -> Result<(FenceStatus, bool), String> {
    const LEN: u64 = 64 << 10;
    let src = Object::new(f, LEN, drm::DOMAIN_SYSTEM, vas)?;
    let dst = Object::new(f, LEN, drm::DOMAIN_SYSTEM, vas)?;
    let push = Object::new(f, 4096, drm::DOMAIN_SYSTEM, vas)?;
    let mut data = vec![0u8; LEN as usize];
    fill(&mut data, 0x636f_7079);
    src.map()?.write(&data);
    dst.map()?.write(&vec![0x5a; LEN as usize]);
    let mut p = PushBuf::new();
    p.set_object(CE_SUBCHANNEL, nvgsp_proto::copy::AMPERE_DMA_COPY_B);
    p.copy(src.va, dst.va, LEN);
    let pushes = pushes_of(&p, &push, 0, params)?;
    let s = syncobj::create(f, 0).map_err(|e| format!("SYNCOBJ_CREATE: {e}"))?;
    drm::exec(f, channel, &pushes, &[], &[drm::sync_binary(s)])
        .map_err(|e| format!("EXEC of a copy job: {e}"))?;
    let st = wait_status(f, s, params.job_deadline())?;
    let same = dst.map()?.read_all() == data;
    let _ = syncobj::destroy(f, s);
    Ok((st, same))
}

/// A size: decimal or 0x hex, with an optional K, M or G suffix (powers
/// of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bad = || format!("bad size '{s}'");
    let (num, shift) = match s.as_bytes().last() {
        Some(b'k' | b'K') => (&s[..s.len() - 1], 10),
        Some(b'm' | b'M') => (&s[..s.len() - 1], 20),
        Some(b'g' | b'G') => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    let v = match num.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => num.parse(),
    }
    .map_err(|_| bad())?;
    v.checked_mul(1 << shift).ok_or_else(bad)
}

/// Splits `args` into positional arguments and `--name value` options
/// (only those in `known`).
pub fn options<'a>(
    args: &[&'a str],
    known: &[&str],
) -> Result<(Vec<&'a str>, BTreeMap<String, &'a str>), String> {
    let mut pos = Vec::new();
    let mut opts = BTreeMap::new();
    let mut it = args.iter();
    while let Some(&a) = it.next() {
        if let Some(name) = a.strip_prefix("--") {
            if !known.contains(&name) {
                return Err(format!("unknown option '{a}'"));
            }
            let v = it.next().ok_or_else(|| format!("{a} needs a value"))?;
            opts.insert(name.to_string(), *v);
        } else {
            pos.push(a);
        }
    }
    Ok((pos, opts))
}

/// Option `name` of `opts` as a number, `default` without it.
pub fn number_option(
    opts: &BTreeMap<String, &str>,
    name: &str,
    default: u64,
) -> Result<u64, String> {
    match opts.get(name) {
        None => Ok(default),
        Some(v) => parse_size(v).map_err(|_| format!("bad --{name} '{v}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_options() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("0x1000"), Ok(4096));
        assert_eq!(parse_size("64K"), Ok(64 << 10));
        assert_eq!(parse_size("3m"), Ok(3 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert!(parse_size("M").is_err());
        assert!(parse_size("1T").is_err());
        assert!(parse_size("99999999999999G").is_err());
        let (pos, opts) = options(&["8", "--ce", "1", "--files", "3"], &["ce", "files"]).unwrap();
        assert_eq!(pos, ["8"]);
        assert_eq!(number_option(&opts, "ce", 0), Ok(1));
        assert_eq!(number_option(&opts, "files", 1), Ok(3));
        assert_eq!(number_option(&opts, "other", 7), Ok(7));
        assert!(options(&["--ce"], &["ce"]).is_err());
        assert!(options(&["--bogus", "1"], &["ce"]).is_err());
    }

    #[test]
    fn vas_are_2m_aligned_and_bounded() {
        let mut v = Vas::new(0x10_0010_0000, 0x10_0100_0000);
        assert_eq!(v.take(4096), Ok(0x10_0020_0000));
        assert_eq!(v.take(3 << 20), Ok(0x10_0040_0000));
        assert_eq!(v.take(0), Ok(0x10_0080_0000));
        assert!(v.take(16 << 20).is_err());
        assert_eq!(describe(FenceStatus::Error(-5)), "error -5 (EIO)");
        assert_eq!(describe(FenceStatus::Signalled), "ok");
    }
}
