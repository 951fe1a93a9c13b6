//! `nvgspctl fuzz SECONDS SEED`: random calls on the nvgsp render node for
//! SECONDS seconds, from a PRNG (xorshift64*) seeded with SEED: the seed
//! makes every choice, while when the child is forked and killed and when
//! signal storms come follow the clock, so a rerun with the same seed
//! makes the same kinds of calls, not the very same sequence. Nothing is
//! printed per call (the guest's console is
//! slow): at the end one summary line counts the calls by outcome, a second
//! one what took effect deep in the driver, a third what command
//! submission reached (`fuzz: submission: ...`), and a line per unexpected
//! result (if any; then the exit status is 1). Also the rate at which jobs
//! reach the GPU is the clock's (see [`submit`]).
//!
//! The mix (see [`Fuzz::step`]):
//! - raw requests: driver ioctl numbers `DRM_COMMAND_BASE + 0x00..0x0f`
//!   with random direction and size bits, the argument random or sparse
//!   bytes (mostly zero, some fields interesting values, so they pass the
//!   first checks), at a valid buffer, one ending at a guard page, or at
//!   NULL, unmapped, read-only, kernel or non-canonical addresses; and the
//!   real requests with their own size at such addresses;
//! - well-formed-ish requests of each real ioctl: GETPARAM of known and
//!   unknown params, GEM_CREATE of interesting sizes, domains, flags and
//!   padding, GEM_INFO and GEM_CLOSE of live, closed, another file's and
//!   random handles, VM_INIT (also again), VM_BIND of 1..16 MAP/UNMAP ops
//!   at VAs in a few hot regions of the VA range (where level boundaries
//!   of the page tables are), at its edges and outside it, with handles,
//!   offsets, ranges, flags and padding mostly valid and sometimes not, the
//!   op list at valid memory, NULL, bad addresses, or shorter than
//!   `op_count` (ending at a guard page), now and then the sync list
//!   fields without `RUN_ASYNC` (EINVAL) or `RUN_ASYNC` without sync
//!   entries (an ordered bind), and now and then an unmap of the whole
//!   range;
//! - CPU mappings of objects (whole, or their first pages) through the
//!   render node, touched (and checked against other mappings of the same
//!   pages), cut from either end, moved and grown with mremap, unmapped;
//!   mmaps of random offsets, lengths, protections and flags (touched
//!   through the kernel, which fails a bad page with EFAULT, never with a
//!   signal);
//! - PRIME: exports of random handles with random flags, imports into
//!   either file of this device's dma-bufs, another device's (udmabuf)
//!   and of descriptors that are no dma-buf, mmaps of the dma-bufs;
//! - two open files of the node doing the same (handles of the other
//!   file, its objects imported), one reopened now and then while
//!   mappings, dma-bufs and bindings of its objects are alive;
//! - command submission ([`submit`]): CHANNEL_ALLOC (copy engines the
//!   GPU has and others, flags, past `CHANNEL_MAX`) and CHANNEL_FREE of
//!   live, freed and random channels; EXEC of empty jobs and of jobs with
//!   pushes (at most ten a second reach the GPU: copies, semaphores, host
//!   methods, random words, faults, now and then a job that only the
//!   driver's timeout ends), waits and signals of binary and timeline sync
//!   objects, malformed entries, counts past the limits, lists the kernel
//!   cannot read; DRM sync objects created, destroyed, waited for
//!   (polling or briefly), signalled and reset by the CPU, shared between
//!   the files, their fences read through sync files;
//! - signal storms: for a second or two now and then, SIGALRM every
//!   0.2 to 2 ms with a handler and without SA_RESTART, as a timer or
//!   profiler of a real program would: a VM_BIND list stops between ops
//!   (EINTR), and a GSP-RM call the driver made must still end as GSP-RM
//!   ends it (no reply left unclaimed);
//! - a forked child that uses the same open files (the same `drm_file`s:
//!   its calls race with ours) and one of its own with objects mapped
//!   and bound, killed with SIGKILL after a random while.
//!
//! Memory stays bounded (the guest is small): objects that are mapped,
//! bound or exported are at most 4 MiB (a bind pins all of the object's
//! pages; an mmap fetches them all), a file holding more than 16 MiB of
//! objects that may still be alive is reopened, CPU mappings and kept
//! dma-bufs hold at most 16 MiB each; larger objects (up to the 4 GiB
//! GEM maximum) live in a third file only while one step looks at them
//! (GEM_INFO, an export closed at once, a bind and an mmap past their end)
//! and are closed in the same step.
//!
//! The fuzzer checks what the UAPI header promises where its own model
//! knows the state: a valid GEM_CREATE succeeds and GEM_INFO gives its
//! size, closed handles give ENOENT, VM_INIT once and EEXIST after, a
//! VM_BIND stops at its first bad op with `ops_done` ops done, two
//! mappings of the same object pages see the same bytes, and so on. It
//! passes bad pointers only to the kernel and never dereferences them:
//! the kernel writes only into its own buffers (anonymous memory reached
//! through raw pointers only).

use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nvgsp_uapi::{self as drm, request, BindOp, GemCreate, VmBind};

mod submit;

/// Whether command submission is in the mix: yes, unless
/// `NVGSP_FUZZ_SUBMIT=0` is in the environment.
fn submit_enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("NVGSP_FUZZ_SUBMIT").is_none_or(|v| v != "0"))
}

const PAGE: u64 = 4096;
const MIB: u64 = 1 << 20;
/// The largest object that is mapped, bound or exported.
const SMALL_MAX: u64 = 4 * MIB;
/// Bytes of objects a file may keep alive before it is reopened.
const FILE_BUDGET: u64 = 16 * MIB;
/// Bytes of objects CPU mappings may keep alive.
const MAP_BUDGET: u64 = 16 * MIB;
/// Bytes of objects kept dma-bufs may keep alive.
const DMABUF_BUDGET: u64 = 16 * MIB;
/// What a killed child may have left in the files it shared.
const CHILD_LEFT: u64 = 8 * MIB;
/// `sizeof(struct drm_nvgsp_vm_bind_op)`.
const OP_SIZE: usize = std::mem::size_of::<BindOp>();
/// The scratch area: 4 pages of argument buffer, a guard page, a
/// read-only page of zeros, a read-only page with a plausible GEM_CREATE
/// request in it, another guard page.
const SCRATCH_PAGES: usize = 8;
const ARG_LEN: usize = 4 * PAGE as usize;
/// `DRM_CLOEXEC | DRM_RDWR`: the flags PRIME_HANDLE_TO_FD takes.
const PRIME_FLAGS: u32 = libc::O_CLOEXEC as u32 | libc::O_RDWR as u32;

/// xorshift64*, seeded through splitmix64.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// In `0..n` (0 if `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    /// True `pct` times in 100.
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.index(from.len())]
    }

    /// A value from the edges of the integer types, of pages and of the
    /// GPU's address widths, or a random one.
    fn interesting(&mut self) -> u64 {
        const VALUES: [u64; 24] = [
            0,
            1,
            4095,
            4096,
            4097,
            8192,
            65536,
            2 << 20,
            (2 << 20) + 4096,
            4 << 20,
            (1 << 32) - 4096,
            1 << 32,
            (1 << 32) + 4096,
            4 << 30,
            1 << 40,
            1 << 47,
            (1 << 47) - 4096,
            (1 << 48) - 1,
            1 << 48,
            1 << 63,
            u64::MAX - 4095,
            u64::MAX - 1,
            u64::MAX,
            0x8000_0000,
        ];
        match self.below(4) {
            0 => self.next(),
            1 => self.next() & !(PAGE - 1),
            _ => self.pick(&VALUES),
        }
    }

    /// Mostly 0, else an interesting value: a field of a request that
    /// should get past the checks most of the time.
    fn mostly_zero(&mut self, pct_nonzero: u64) -> u64 {
        if self.chance(pct_nonzero) {
            self.interesting()
        } else {
            0
        }
    }
}

/// The call count, for the fatal-signal handler.
static CALLS: AtomicU64 = AtomicU64::new(0);
/// What the fuzzer is doing, for the fatal-signal handler.
static DOING: AtomicU64 = AtomicU64::new(0);
const DOING_NAMES: [&str; 4] = [
    "",
    "touching a mapping of an object",
    "touching a mapping (dma-buf, or a file's closed object)",
    "?",
];

/// A signal in a mapping the kernel gave (SIGBUS, SIGSEGV): says so, with
/// the call count, and ends the process (a driver that maps a page it
/// cannot back is a finding; the fuzzer only touches what it was given).
extern "C" fn fatal_signal(sig: libc::c_int) {
    let mut msg = [0u8; 160];
    let mut n = 0;
    let mut put = |s: &[u8]| {
        for &b in s {
            if n < msg.len() {
                msg[n] = b;
                n += 1;
            }
        }
    };
    put(b"fuzz: unexpected: signal ");
    put(if sig == libc::SIGBUS {
        b"SIGBUS"
    } else {
        b"SIGSEGV"
    });
    put(b" while ");
    let doing = DOING.load(Ordering::Relaxed) as usize;
    put(DOING_NAMES[doing.min(DOING_NAMES.len() - 1)].as_bytes());
    put(b" after call ");
    let mut digits = [0u8; 20];
    let (mut v, mut d) = (CALLS.load(Ordering::Relaxed), 0);
    loop {
        digits[d] = b'0' + (v % 10) as u8;
        d += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    digits[..d].reverse();
    put(&digits[..d]);
    put(b"\n");
    // SAFETY: write(2) and _exit(2) are async-signal-safe; `msg` is ours.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), n);
        libc::_exit(3);
    }
}

extern "C" fn ignore_signal(_: libc::c_int) {}

/// Sends SIGALRM every `us` microseconds (0: stops).
fn set_timer(us: u64) {
    let us = libc::suseconds_t::try_from(us).unwrap_or(1000);
    let t = libc::timeval {
        tv_sec: 0,
        tv_usec: us,
    };
    let it = libc::itimerval {
        it_interval: t,
        it_value: t,
    };
    // SAFETY: plain system call on a local value.
    unsafe { libc::setitimer(libc::ITIMER_REAL, &it, std::ptr::null_mut()) };
}

fn install_signal_handlers() {
    // SAFETY: as below; the handler does nothing. No SA_RESTART: calls
    // that stop at a signal end with EINTR.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = ignore_signal as *const () as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        libc::sigaction(libc::SIGALRM, &sa, std::ptr::null_mut());
    }
    for sig in [libc::SIGBUS, libc::SIGSEGV] {
        // SAFETY: a zeroed sigaction is valid; the handler only calls
        // async-signal-safe functions.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = fatal_signal as *const () as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// Whether a file's VA space exists, as far as the fuzzer knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Vm {
    No,
    Yes,
    /// A VM_INIT whose reply could not be written back (EFAULT) or a raw
    /// request of it: it may have made one.
    Maybe,
}

/// An object a file has a handle for.
struct Obj {
    handle: u32,
    size: u64,
    /// Named in a VM_BIND map: its pages are pinned and the VA space may
    /// hold it after its handle is closed.
    bound: bool,
    map_offset: Option<u64>,
}

/// One open file of the render node and what the fuzzer knows of it.
struct DrmFile {
    file: File,
    /// Distinguishes files across reopens (mappings name objects by file
    /// and handle).
    id: u64,
    objs: Vec<Obj>,
    /// Handles closed and not given out again since.
    closed: Vec<u32>,
    vm: Vm,
    /// Bytes of objects that may still be alive through this file.
    charge: u64,
    /// Handles may exist that the fuzzer does not know (a child used the
    /// file, or a raw request may have made an object): no checks of
    /// handle state on it.
    tainted: bool,
    /// Its channels and sync objects.
    sub: submit::FileSubmit,
}

impl DrmFile {
    fn obj(&self, handle: u32) -> Option<&Obj> {
        self.objs.iter().find(|o| o.handle == handle)
    }

    /// What a handle names here: `Some(Some(size))` a live object,
    /// `Some(None)` nothing, `None` unknown.
    fn classify(&self, handle: u32) -> Option<Option<u64>> {
        if self.tainted {
            return None;
        }
        Some(self.obj(handle).map(|o| o.size))
    }

    fn forget_closed(&mut self, handle: u32) {
        self.closed.retain(|&h| h != handle);
    }
}

/// A CPU mapping made by mmap on a DRM file or a dma-buf.
struct Map {
    ptr: *mut u8,
    len: usize,
    writable: bool,
    /// Of a known object from a known page on, within it: the CPU may
    /// touch it (a fault there is a driver bug).
    known: bool,
    /// (file id, handle, first object page): pages of one object that
    /// other mappings of it must agree with. `None` once that handle is
    /// closed (the number may name another object later) or a child may
    /// write to the object.
    obj: Option<(u64, u32, u64)>,
    /// Bytes of objects it keeps alive.
    charge: u64,
}

/// An exported object kept as a dma-buf.
struct DmaBuf {
    fd: OwnedFd,
    size: u64,
}

/// What took effect, to show the mix got past the argument checks.
#[derive(Default)]
struct Reached {
    objects: u64,
    big_objects: u64,
    vram_objects: u64,
    gpu_maps: u64,
    gpu_unmaps: u64,
    binds_checked: u64,
    cpu_maps: u64,
    cpu_touches: u64,
    exports: u64,
    imports: u64,
    reopens: u64,
    children: u64,
    storms: u64,
    interrupted: u64,
}

/// The scratch area (see [`SCRATCH_PAGES`]), reached only through raw
/// pointers: the kernel writes into it.
struct Scratch {
    base: *mut u8,
}

impl Scratch {
    fn new() -> io::Result<Scratch> {
        let len = SCRATCH_PAGES * PAGE as usize;
        // SAFETY: a new private anonymous mapping that aliases nothing.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let base = base.cast::<u8>();
        let s = Scratch { base };
        // A plausible GEM_CREATE request (8 KiB of system memory) in the
        // second read-only page: a raw call at it makes an object, then
        // fails to write the handle back.
        let req = s.page(6);
        // SAFETY: page 6 is inside the mapping and still writable.
        unsafe {
            std::ptr::write_unaligned(req.cast::<u64>(), 8192);
            std::ptr::write_unaligned(req.add(8).cast::<u32>(), drm::DOMAIN_SYSTEM);
        }
        let protect = |page: usize, prot| {
            // SAFETY: changes the protection of one of our own pages, which
            // no Rust reference points into.
            let r = unsafe { libc::mprotect(s.page(page).cast(), PAGE as usize, prot) };
            if r < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        };
        protect(4, libc::PROT_NONE)?;
        protect(5, libc::PROT_READ)?;
        protect(6, libc::PROT_READ)?;
        protect(7, libc::PROT_NONE)?;
        Ok(s)
    }

    fn page(&self, n: usize) -> *mut u8 {
        self.base.wrapping_add(n * PAGE as usize)
    }

    fn arg(&self) -> *mut u8 {
        self.base
    }

    /// Where `len` bytes of argument end at the first guard page.
    fn arg_at_guard(&self, len: usize) -> *mut u8 {
        self.page(4).wrapping_sub(len.min(ARG_LEN))
    }

    fn fill(&self, rng: &mut Rng, len: usize, sparse: bool) {
        let len = len.min(ARG_LEN);
        for i in (0..len).step_by(8) {
            let v = if sparse {
                rng.mostly_zero(30)
            } else {
                rng.next()
            };
            let bytes = v.to_le_bytes();
            let n = (len - i).min(8);
            // SAFETY: `i + n <= len <= ARG_LEN`: inside the argument pages,
            // which only raw pointers reach.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(i), n) };
        }
    }

    /// An address the kernel cannot read `len` bytes at (all of them).
    fn unreadable(&self, rng: &mut Rng, len: usize) -> u64 {
        loop {
            let a = self.bad(rng, len);
            if a != self.page(5) as u64 && a != self.page(6) as u64 {
                return a;
            }
        }
    }

    /// An address the kernel cannot use for `len` bytes (whole or in
    /// part), or can read but not write.
    fn bad(&self, rng: &mut Rng, len: usize) -> u64 {
        let a = |p: *mut u8| p as u64;
        let choices = [
            0,
            8,
            0x1000,
            0xfff8,
            a(self.page(4)),
            a(self.page(4)) - (len.clamp(1, 8) as u64 - 1).min(7),
            a(self.page(5)),
            a(self.page(6)),
            a(self.page(7)),
            0xffff_8880_0000_0000,
            0xffff_ffff_ff60_0000,
            0x8000_0000_0000_0000,
            1 << 47,
            u64::MAX - 7,
            u64::MAX,
        ];
        rng.pick(&choices)
    }
}

/// How a call ended, by errno (0 for success).
#[derive(Default)]
struct Counts {
    calls: u64,
    by: BTreeMap<i32, u64>,
}

impl Counts {
    fn record<T>(&mut self, r: &io::Result<T>) {
        self.calls += 1;
        CALLS.store(self.calls, Ordering::Relaxed);
        let key = match r {
            Ok(_) => 0,
            Err(e) => e.raw_os_error().unwrap_or(-1),
        };
        *self.by.entry(key).or_default() += 1;
    }
}

/// The name of errno `e` (positive), as `<errno.h>` has it.
pub(crate) fn errno_name(e: i32) -> String {
    let name = match e {
        0 => "ok",
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::ENXIO => "ENXIO",
        libc::E2BIG => "E2BIG",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::EMFILE => "EMFILE",
        libc::ENOTTY => "ENOTTY",
        libc::EFBIG => "EFBIG",
        libc::ENOSPC => "ENOSPC",
        libc::ERANGE => "ERANGE",
        libc::ENOSYS => "ENOSYS",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ETIMEDOUT => "ETIMEDOUT",
        libc::ETIME => "ETIME",
        libc::ECANCELED => "ECANCELED",
        libc::EDEADLK => "EDEADLK",
        _ => return format!("E{e}"),
    };
    name.into()
}

fn errno(r: &io::Result<impl Sized>) -> i32 {
    match r {
        Ok(_) => 0,
        Err(e) => e.raw_os_error().unwrap_or(-1),
    }
}

/// Errors an op or a request may end with, as a set.
const X_EINVAL: u32 = 1;
const X_ENOENT: u32 = 2;
const X_EFAULT: u32 = 4;
const X_EEXIST: u32 = 8;
const X_EOPNOTSUPP: u32 = 16;
const X_ENODEV: u32 = 32;
const X_EMFILE: u32 = 64;
const X_ETIME: u32 = 128;
/// Any other error.
const X_OTHER: u32 = 1 << 31;

fn xset(e: i32) -> u32 {
    match e {
        libc::EINVAL => X_EINVAL,
        libc::ENOENT => X_ENOENT,
        libc::EFAULT => X_EFAULT,
        libc::EEXIST => X_EEXIST,
        libc::EOPNOTSUPP => X_EOPNOTSUPP,
        libc::ENODEV => X_ENODEV,
        libc::EMFILE => X_EMFILE,
        libc::ETIME => X_ETIME,
        _ => X_OTHER,
    }
}

/// What the UAPI says an op does: succeed, fail with one of a set,
/// either, or the fuzzer does not know.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expect {
    Ok,
    Fail(u32),
    OkOr(u32),
    Unknown,
}

fn round_up(size: u64) -> u64 {
    size.div_ceil(PAGE) * PAGE
}

fn mmap_raw(
    fd: RawFd,
    len: usize,
    prot: libc::c_int,
    flags: libc::c_int,
    offset: u64,
) -> io::Result<*mut u8> {
    // SAFETY: a new mapping chosen by the kernel (never MAP_FIXED), which
    // aliases no Rust object; only raw pointers reach it.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            prot,
            flags,
            fd,
            offset as libc::off_t,
        )
    };
    if p == libc::MAP_FAILED {
        Err(io::Error::last_os_error())
    } else {
        Ok(p.cast())
    }
}

fn cvt(r: libc::c_int) -> io::Result<libc::c_int> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(r)
    }
}

/// The fuzzer's state.
struct Fuzz {
    rng: Rng,
    path: String,
    seed: u64,
    files: Vec<DrmFile>,
    /// The file large objects live in, for one step each.
    big: Option<DrmFile>,
    maps: Vec<Map>,
    dmabufs: Vec<DmaBuf>,
    /// Another device's dma-buf (udmabuf), if the kernel has udmabuf.
    foreign: Option<OwnedFd>,
    /// A pipe: the kernel touches mappings by copying through it.
    pipe: (OwnedFd, OwnedFd),
    scratch: Scratch,
    va: Range<u64>,
    hot: Vec<u64>,
    max_ops: u32,
    /// Command submission's limits and what it reached.
    sub: submit::Submit,
    counts: Counts,
    reached: Reached,
    unexpected: Vec<String>,
    unexpected_total: u64,
    /// What the children found, counted in memory shared with them.
    children_unexpected: &'static AtomicU64,
    next_file_id: u64,
    /// Parent: the child running and when to kill it; when to fork the
    /// next.
    child: Option<(libc::pid_t, Instant)>,
    next_fork: Instant,
    /// Child: the parent's pid.
    parent: Option<libc::pid_t>,
    /// While a signal storm is on: when it ends; else when the next one
    /// starts.
    storm_until: Option<Instant>,
    next_storm: Instant,
    deadline: Instant,
}

impl Fuzz {
    fn open_file(&mut self) -> io::Result<DrmFile> {
        let file = crate::open(&self.path)?;
        self.next_file_id += 1;
        Ok(DrmFile {
            file,
            id: self.next_file_id,
            objs: Vec::new(),
            closed: Vec::new(),
            vm: Vm::No,
            charge: 0,
            tainted: false,
            sub: submit::FileSubmit::default(),
        })
    }

    fn unexpected(&mut self, what: String) {
        self.unexpected_total += 1;
        if self.parent.is_some() {
            // A child says it at once: nobody reads its state after it
            // is killed.
            eprintln!("fuzz: unexpected (child): {what}");
            self.children_unexpected.fetch_add(1, Ordering::Relaxed);
        } else if self.unexpected.len() < 20 {
            self.unexpected.push(what);
        }
    }

    /// Checks an outcome against the UAPI's promise: `ok` says whether it
    /// must succeed, else `errs` which errors it may fail with. ENOMEM is
    /// always allowed (the guest is small), ENOSPC where success was
    /// expected (a budget ran out), and EINTR (a signal of the
    /// storm interrupted the call: it must have had no effect, which the
    /// next calls check).
    fn check(&mut self, what: &str, got: i32, expect: Expect) {
        if got == libc::EINTR {
            // A signal of the storm: the call may not have been made.
            self.reached.interrupted += 1;
            return;
        }
        // Out of memory, or of a documented budget (mmap offsets, VA
        // spaces, page tables): allowed where success was expected.
        let may_succeed = matches!(expect, Expect::Ok | Expect::OkOr(_));
        if got == libc::ENOMEM || (got == libc::ENOSPC && may_succeed) {
            return;
        }
        let fine = match expect {
            Expect::Unknown => true,
            Expect::Ok => got == 0,
            Expect::Fail(set) => got != 0 && xset(got) & set != 0,
            Expect::OkOr(set) => got == 0 || xset(got) & set != 0,
        };
        if !fine {
            self.unexpected(format!("{what}: {} (expected {expect:?})", errno_name(got)));
        }
    }

    fn file_index(&mut self) -> usize {
        self.rng.index(self.files.len())
    }

    /// Reopens file `fi` (whatever its objects' mappings, dma-bufs and
    /// bindings elsewhere), with a VA space most of the time.
    fn reopen(&mut self, fi: usize) {
        let new = match self.open_file() {
            Ok(f) => f,
            Err(e) => {
                self.unexpected(format!("reopen: {e}"));
                return;
            }
        };
        for m in &mut self.maps {
            if m.obj.is_some_and(|(id, _, _)| id == self.files[fi].id) {
                m.obj = None;
            }
        }
        // The old one closes here, its VA space and handles with it.
        self.files[fi] = new;
        self.reached.reopens += 1;
        if self.rng.chance(85) {
            let r = drm::vm_init(&self.files[fi].file);
            self.counts.record(&r);
            self.check("VM_INIT of a new file", errno(&r), Expect::Ok);
            if r.is_ok() {
                self.files[fi].vm = Vm::Yes;
            }
        }
    }

    /// Makes room for `size` more bytes in file `fi`.
    fn make_room(&mut self, fi: usize, size: u64) {
        if self.files[fi].charge + size > FILE_BUDGET {
            self.reopen(fi);
        }
    }

    /// A handle for file `fi`: one of its objects, a closed one, one of
    /// another file's, or a random number.
    fn pick_handle(&mut self, fi: usize) -> u32 {
        let f = &self.files[fi];
        let r = self.rng.below(100);
        if r < 65 && !f.objs.is_empty() {
            let i = self.rng.index(f.objs.len());
            return self.files[fi].objs[i].handle;
        }
        if r < 75 && !f.closed.is_empty() {
            let i = self.rng.index(f.closed.len());
            return self.files[fi].closed[i];
        }
        if r < 85 {
            let other = self.file_index();
            if !self.files[other].objs.is_empty() {
                let i = self.rng.index(self.files[other].objs.len());
                return self.files[other].objs[i].handle;
            }
        }
        match self.rng.below(4) {
            0 => self.rng.pick(&[0, 1, 2, 3, u32::MAX, 1 << 31, 0x7fff_ffff]),
            1 => self.rng.below(64) as u32,
            _ => self.rng.next() as u32,
        }
    }

    /// Records that `handle` of file `fi` was closed (GEM_CLOSE said ok).
    fn closed(&mut self, fi: usize, handle: u32) {
        let f = &mut self.files[fi];
        if let Some(at) = f.objs.iter().position(|o| o.handle == handle) {
            let o = f.objs.remove(at);
            // An object no VA space may hold goes with its handle (or with
            // the mappings and dma-bufs that hold it, counted there).
            if !o.bound {
                f.charge = f.charge.saturating_sub(o.size);
            }
        }
        if f.closed.len() >= 32 {
            f.closed.remove(0);
        }
        f.closed.push(handle);
        let id = f.id;
        for m in &mut self.maps {
            if m.obj.is_some_and(|(i, h, _)| i == id && h == handle) {
                m.obj = None;
            }
        }
    }

    /// Tracks a new handle of file `fi` for an object of `size` bytes.
    fn track(&mut self, fi: usize, handle: u32, size: u64) {
        let f = &mut self.files[fi];
        f.forget_closed(handle);
        if f.obj(handle).is_none() {
            f.objs.push(Obj {
                handle,
                size,
                bound: false,
                map_offset: None,
            });
            f.charge += size;
        }
    }

    fn step(&mut self) {
        if submit_enabled() && self.rng.chance(15) {
            return self.submit_step();
        }
        match self.rng.below(1000) {
            0..=129 => self.raw_random(),
            130..=169 => self.raw_real_at_bad_address(),
            170..=209 => self.getparam(),
            210..=299 => self.gem_create(),
            300..=314 => self.gem_create_big(),
            315..=369 => self.gem_info(),
            370..=389 => self.vm_init(),
            390..=629 => self.vm_bind(),
            630..=689 => self.gem_close(),
            690..=739 => self.mmap_object(),
            740..=779 => self.mmap_random(),
            780..=819 => self.touch(),
            820..=854 => self.munmap_or_mremap(),
            855..=889 => self.prime_export(),
            890..=929 => self.prime_import(),
            930..=949 => self.dmabuf_mmap(),
            950..=969 => self.dmabuf_close(),
            _ => {
                if self.rng.chance(15) {
                    let fi = self.file_index();
                    self.reopen(fi);
                } else {
                    self.raw_random();
                }
            }
        }
    }

    /// A driver ioctl number with random direction and size bits, its
    /// argument random or sparse bytes, mostly at valid memory.
    fn raw_random(&mut self) {
        let cmd = self.rng.below(16) as u32;
        let nr = drm::COMMAND_BASE + cmd;
        let dir = self.rng.below(4) as u32;
        let real = [16usize, 24, 24, 24, 48, 16, 8, 48];
        let size = match self.rng.below(4) {
            0 => real.get(cmd as usize).copied().unwrap_or(16),
            1 => self.rng.below(65) as usize,
            2 => self.rng.below(0x4000) as usize,
            _ => self.rng.pick(&[
                0, 1, 4, 8, 12, 15, 16, 17, 23, 24, 25, 47, 48, 49, 64, 4096, 0x3fff,
            ]),
        };
        let sparse = self.rng.chance(60);
        self.scratch.fill(&mut self.rng, size, sparse);
        let at_guard = self.rng.chance(30);
        let good = if at_guard {
            self.scratch.arg_at_guard(size)
        } else {
            self.scratch.arg()
        };
        if sparse && cmd == 4 && size >= 16 && self.rng.chance(50) {
            // A VM_BIND whose op list is the rest of the buffer.
            // SAFETY: bytes 8..16 of the argument, inside the buffer.
            unsafe {
                std::ptr::write_unaligned(good.add(8).cast::<u64>(), good as u64 + 48);
            }
        }
        if cmd == 1 && size > 0 {
            // No large object from a raw GEM_CREATE (it could be bound):
            // its size field is kept under 4 MiB.
            // SAFETY: the first `min(size, 8)` bytes are in the buffer.
            unsafe {
                if size > 2 {
                    *good.add(2) &= 0x3f;
                }
                for i in 3..size.min(8) {
                    *good.add(i) = 0;
                }
            }
        }
        if (cmd == 5 || cmd == 6) && size >= 8 {
            // No channel made or freed behind the model's back (their
            // `flags`/`pad` at bytes 4..8 set: EINVAL), which would stop
            // its checks of the file's channels until it is reopened.
            // SAFETY: byte 4 of the argument, inside the buffer.
            unsafe { *good.add(4) |= 1 };
        }
        if cmd == 7 && size >= 4 {
            // Nor a job on one of the file's channels (channel numbers
            // from 0xff000000 on).
            // SAFETY: byte 3 of the argument, inside the buffer.
            unsafe { *good.add(3) = 0xff };
        }
        let ptr = if self.rng.chance(80) {
            good as u64
        } else {
            self.scratch.bad(&mut self.rng, size)
        };
        // A VM_BIND with RUN_ASYNC and signal entries may give any of the
        // file's sync objects a fence (the kernel sees zeros past `size`;
        // the read-only pages hold no such request).
        let word = |at: usize| {
            // SAFETY: bytes `at..at + 4 <= size` of the argument, inside
            // the buffer.
            (at + 4 <= size)
                .then(|| unsafe { std::ptr::read_unaligned(good.add(at).cast::<u32>()) })
        };
        let signals = cmd == 4
            && ptr == good as u64
            && word(4) == Some(drm::sys::NVGSP_VM_BIND_RUN_ASYNC)
            && word(20).is_some_and(|n| n != 0);
        let fi = self.file_index();
        let req = drm::drm_request(dir, nr, size);
        // SAFETY: `ptr` is the scratch buffer, which has `size` bytes
        // after it (up to its guard page) and which only raw pointers
        // reach, or an address the kernel cannot write to.
        let r = unsafe { drm::raw_ioctl(&self.files[fi].file, req, ptr as *mut libc::c_void) };
        self.counts.record(&r);
        self.after_raw(fi, cmd, &r);
        if signals {
            self.files[fi].sub.sync_tainted = true;
        }
    }

    /// What a raw request of the driver's command `cmd` may have done to
    /// file `fi`.
    fn after_raw(&mut self, fi: usize, cmd: u32, r: &io::Result<libc::c_int>) {
        let e = errno(r);
        let f = &mut self.files[fi];
        match cmd {
            // An object may exist whose handle the fuzzer does not know.
            1 if e == 0 || e == libc::EFAULT => {
                f.tainted = true;
                f.charge += SMALL_MAX;
            }
            3 if e == 0 => f.vm = Vm::Yes,
            3 if e == libc::EFAULT && f.vm == Vm::No => f.vm = Vm::Maybe,
            // Ops may have bound any of its objects.
            4 => f.objs.iter_mut().for_each(|o| o.bound = true),
            // A channel may exist, or be gone, that the model does not
            // know of (a made one whose number was not written back).
            5 if e == 0 || e == libc::EFAULT => f.sub.chan_tainted = true,
            6 if e == 0 => f.sub.chan_tainted = true,
            // A job may have signalled any sync object.
            7 if e == 0 => f.sub.sync_tainted = true,
            _ => {}
        }
    }

    /// A real request, with its own size and direction, at an address the
    /// kernel cannot read or write (or can only read).
    fn raw_real_at_bad_address(&mut self) {
        let (cmd, size, req) = self.rng.pick(&[
            (0u32, 16usize, request::GETPARAM),
            (1, 24, request::GEM_CREATE),
            (2, 24, request::GEM_INFO),
            (3, 24, request::VM_INIT),
            (4, 48, request::VM_BIND),
            (5, 16, request::CHANNEL_ALLOC),
            (6, 8, request::CHANNEL_FREE),
            (7, 48, request::EXEC),
            (0x100, 8, request::GEM_CLOSE),
            (0x101, 12, request::PRIME_HANDLE_TO_FD),
            (0x102, 12, request::PRIME_FD_TO_HANDLE),
            (0x103, 8, request::SYNCOBJ_CREATE),
            (0x104, 8, request::SYNCOBJ_DESTROY),
            (0x105, 40, request::SYNCOBJ_WAIT),
            (0x106, 24, request::SYNCOBJ_QUERY),
        ]);
        let ptr = self.scratch.bad(&mut self.rng, size);
        let fi = self.file_index();
        // SAFETY: an address that is not mapped, read-only, or not a
        // user address: the kernel writes nothing of ours.
        let r = unsafe { drm::raw_ioctl(&self.files[fi].file, req, ptr as *mut libc::c_void) };
        self.counts.record(&r);
        let ro = [self.scratch.page(5) as u64, self.scratch.page(6) as u64];
        if ro.contains(&ptr) && (cmd == 6 || cmd == 7) {
            // Requests the kernel only reads (DRM_IOW): what the page
            // holds is a request as good as any (channel 0, no lists).
            self.check(
                "a request at a read-only address",
                errno(&r),
                Expect::Unknown,
            );
        } else if ro.contains(&ptr) {
            // Read-only: a request that succeeds cannot write back.
            self.check(
                "a request at a read-only address",
                errno(&r),
                Expect::Fail(X_EFAULT | X_EINVAL | X_ENOENT | X_OTHER),
            );
        } else {
            self.check(
                "a request at an unusable address",
                errno(&r),
                Expect::Fail(X_EFAULT),
            );
        }
        if cmd < 0x100 {
            self.after_raw(fi, cmd, &r);
        } else if cmd == 0x103 && r.is_err() {
            // A sync object made, its handle not written back: not one the
            // model knows, and (unlike GEM handles) numbers are reused, so
            // handles it thinks free may name one.
            self.files[fi].sub.sync_tainted = true;
        }
    }

    fn getparam(&mut self) {
        let param = match self.rng.below(5) {
            0..=2 => self.rng.below(u64::from(drm::PARAM_LAST) + 3),
            3 => self.rng.pick(&[
                u64::from(u32::MAX),
                (1 << 32) | 1,
                1 << 32,
                u64::MAX,
                u64::from(drm::PARAM_LAST),
                u64::from(drm::PARAM_LAST) + 1,
            ]),
            _ => self.rng.next(),
        };
        let mut p = drm::sys::drm_nvgsp_getparam {
            param,
            value: 0xdead_beef,
        };
        let fi = self.file_index();
        // SAFETY: `p` is a live local of the size the request encodes.
        let r = unsafe {
            drm::raw_ioctl(
                &self.files[fi].file,
                request::GETPARAM,
                (&mut p as *mut drm::sys::drm_nvgsp_getparam).cast(),
            )
        };
        self.counts.record(&r);
        let known = (1..=u64::from(drm::PARAM_LAST)).contains(&param);
        let expect = if known {
            Expect::Ok
        } else {
            Expect::Fail(X_EINVAL)
        };
        self.check(&format!("GETPARAM({param:#x})"), errno(&r), expect);
        if r.is_ok() {
            let want = match param as u32 {
                drm::PARAM_VA_START => Some(self.va.start),
                drm::PARAM_VA_END => Some(self.va.end),
                drm::PARAM_VM_BIND_MAX_OPS => Some(u64::from(self.max_ops)),
                drm::PARAM_GEM_MAX_SIZE => Some(4 << 30),
                drm::PARAM_EXEC_MAX_PUSH => Some(u64::from(self.sub.limits.max_push)),
                drm::PARAM_EXEC_MAX_SYNC => Some(u64::from(self.sub.limits.max_sync)),
                drm::PARAM_PUSH_MAX_SIZE => Some(u64::from(self.sub.limits.push_max)),
                drm::PARAM_CHANNEL_MAX => Some(u64::from(self.sub.limits.channel_max)),
                drm::PARAM_GPFIFO_ENTRIES => Some(self.sub.limits.gpfifo_entries),
                drm::PARAM_JOB_TIMEOUT_MS => Some(self.sub.limits.job_timeout_ms),
                _ => None,
            };
            if want.is_some_and(|w| w != p.value) {
                self.unexpected(format!(
                    "GETPARAM({param}) = {:#x}, was {want:#x?}",
                    p.value
                ));
            }
        }
    }

    /// A size for a small object.
    fn small_size(&mut self) -> u64 {
        match self.rng.below(10) {
            0 => self
                .rng
                .pick(&[1, 4095, 4096, 4097, 8192, 65535, 65536, 65537]),
            1 => self
                .rng
                .pick(&[2 * MIB - PAGE, 2 * MIB, 2 * MIB + 1, 4 * MIB - 1, 4 * MIB]),
            2 => 1 + self.rng.below(SMALL_MAX),
            _ => PAGE * (1 + self.rng.below(64)),
        }
    }

    fn gem_create(&mut self) {
        let fi = self.file_index();
        let mut req = GemCreate {
            size: self.small_size(),
            domain: drm::DOMAIN_SYSTEM,
            flags: 0,
            pad: 0,
        };
        match self.rng.below(20) {
            0 => req.domain = self.rng.pick(&[0, 2, 3, 4, 0x80, u32::MAX, 1 << 31]),
            1 => req.flags = self.rng.interesting() as u32 | 1,
            2 => req.pad = self.rng.interesting() as u32 | 1,
            3 => {
                req.size = self
                    .rng
                    .pick(&[0, 1 << 63, u64::MAX, (4 << 30) + 1, 1 << 47])
            }
            4 => req.domain = drm::DOMAIN_VRAM,
            _ => {}
        }
        let mut errs = 0;
        if req.flags != 0 || req.pad != 0 || req.size == 0 || req.size > 4 << 30 {
            errs |= X_EINVAL;
        }
        if req.domain != drm::DOMAIN_SYSTEM && req.domain != drm::DOMAIN_VRAM {
            errs |= X_EINVAL;
        }
        self.make_room(fi, round_up(req.size.min(SMALL_MAX)));
        let r = drm::gem_create(&self.files[fi].file, req);
        self.counts.record(&r);
        let expect = if errs == 0 {
            Expect::Ok
        } else {
            Expect::Fail(errs)
        };
        let what = format!("GEM_CREATE({req:?})");
        match r {
            // VRAM objects (the CPU maps them through BAR1, trapped by the
            // emulator: slow) are made and freed at once.
            Ok(h) if errs == 0 && req.domain == drm::DOMAIN_VRAM => {
                self.reached.vram_objects += 1;
                let r = drm::gem_close(&self.files[fi].file, h);
                self.counts.record(&r);
            }
            Ok(h) if errs == 0 => {
                self.reached.objects += 1;
                self.track(fi, h, round_up(req.size));
            }
            Ok(h) => {
                self.check(&what, 0, expect);
                let r = drm::gem_close(&self.files[fi].file, h);
                self.counts.record(&r);
            }
            Err(e) => self.check(&what, e.raw_os_error().unwrap_or(-1), expect),
        }
    }

    /// A large object in the third file, looked at and closed at once.
    fn gem_create_big(&mut self) {
        match self.big.take() {
            Some(big) => {
                self.big_object(&big);
                self.big = Some(big);
            }
            None => self.gem_create(),
        }
    }

    fn big_object(&mut self, big: &DrmFile) {
        let size = match self.rng.below(3) {
            0 => SMALL_MAX + PAGE * (1 + self.rng.below(1 << 20)),
            1 => self.rng.below(u64::MAX),
            _ => self.rng.pick(&[
                4 << 30,
                (4 << 30) - PAGE,
                (4 << 30) - 1,
                (4 << 30) + 1,
                (4 << 30) + PAGE,
                (2 << 30) + 1,
                1 << 30,
                64 * MIB,
                SMALL_MAX + 1,
                (1 << 32) + (1 << 31),
                1 << 40,
                1 << 47,
                (1 << 48) - 1,
                1 << 63,
                u64::MAX - PAGE + 1,
                u64::MAX,
            ]),
        };
        let req = GemCreate {
            size,
            domain: drm::DOMAIN_SYSTEM,
            ..GemCreate::default()
        };
        let r = drm::gem_create(&big.file, req);
        self.counts.record(&r);
        let valid = size > 0 && size <= 4 << 30;
        let expect = if valid {
            Expect::Ok
        } else {
            Expect::Fail(X_EINVAL)
        };
        self.check(&format!("GEM_CREATE of {size:#x} bytes"), errno(&r), expect);
        let Ok(h) = r else { return };
        self.reached.big_objects += 1;
        let rounded = round_up(size);
        let info = drm::gem_info(&big.file, h);
        self.counts.record(&info);
        match &info {
            Ok(i) if i.size == rounded && i.domain == drm::DOMAIN_SYSTEM => {}
            Ok(i) => self.unexpected(format!(
                "GEM_INFO of a {size:#x}-byte object: {} bytes, domain {}",
                i.size, i.domain
            )),
            Err(e) => self.unexpected(format!("GEM_INFO of a new object: {e}")),
        }
        if self.rng.chance(30) {
            // Exported, and the dma-buf closed at once (nothing may map it).
            let r = drm::prime_export(&big.file, h);
            self.counts.record(&r);
            self.check("PRIME export of a new object", errno(&r), Expect::Ok);
        }
        if self.rng.chance(30) {
            // Bound past its end: refused before its pages are pinned.
            let offset = self
                .rng
                .pick(&[rounded, rounded + PAGE, u64::MAX - PAGE + 1, 1 << 63]);
            let addr = self.va.start + PAGE * self.rng.below(1024);
            let op = drm::bind_map(h, addr, PAGE * (1 + self.rng.below(16)), offset);
            let (done, r) = drm::vm_bind(&big.file, &[op]);
            self.counts.record(&r);
            self.check(
                "VM_BIND past an object's end",
                errno(&r),
                Expect::Fail(X_EINVAL),
            );
            if done != 0 {
                self.unexpected(format!("VM_BIND past an object's end: {done} ops done"));
            }
        }
        if let (true, Ok(i)) = (self.rng.chance(30), &info) {
            // An mmap longer than the object: refused before its pages are
            // fetched.
            let len = rounded.saturating_add(PAGE * (1 + self.rng.below(4)));
            if let Ok(len) = usize::try_from(len) {
                let r = mmap_raw(
                    big.file.as_raw_fd(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    i.map_offset,
                );
                self.counts.record(&r);
                if let Ok(p) = r {
                    self.unexpected(format!(
                        "mmap of {len:#x} bytes of a {rounded:#x}-byte object"
                    ));
                    // SAFETY: the mapping just made, never touched.
                    unsafe { libc::munmap(p.cast(), len) };
                }
            }
        }
        let r = drm::gem_close(&big.file, h);
        self.counts.record(&r);
        self.check("GEM_CLOSE of a new object", errno(&r), Expect::Ok);
    }

    fn gem_info(&mut self) {
        let fi = self.file_index();
        let h = self.pick_handle(fi);
        let r = drm::gem_info(&self.files[fi].file, h);
        self.counts.record(&r);
        let f = &self.files[fi];
        let state = f.classify(h);
        let expect = match state {
            Some(Some(_)) => Expect::Ok,
            Some(None) => Expect::Fail(X_ENOENT),
            None => Expect::Unknown,
        };
        self.check(&format!("GEM_INFO({h})"), errno(&r), expect);
        if let (Ok(i), Some(Some(size))) = (&r, state) {
            let f = &mut self.files[fi];
            let Some(o) = f.objs.iter_mut().find(|o| o.handle == h) else {
                return;
            };
            let moved = o.map_offset.is_some_and(|m| m != i.map_offset);
            o.map_offset = Some(i.map_offset);
            if i.size != size || i.domain != drm::DOMAIN_SYSTEM || moved || i.map_offset % PAGE != 0
            {
                self.unexpected(format!(
                    "GEM_INFO({h}): size {:#x} (created {size:#x}), domain {}, offset {:#x}{}",
                    i.size,
                    i.domain,
                    i.map_offset,
                    if moved { " (moved)" } else { "" }
                ));
            }
        }
    }

    fn vm_init(&mut self) {
        let fi = self.file_index();
        let mut v = drm::sys::drm_nvgsp_vm_init {
            flags: 0,
            pad: 0,
            va_start: 0x5a5a,
            va_end: 0xa5a5,
        };
        if self.rng.chance(15) {
            v.flags = self.rng.interesting() as u32 | 1;
        }
        if self.rng.chance(15) {
            v.pad = self.rng.interesting() as u32 | 1;
        }
        // SAFETY: `v` is a live local of the size the request encodes.
        let r = unsafe {
            drm::raw_ioctl(
                &self.files[fi].file,
                request::VM_INIT,
                (&mut v as *mut drm::sys::drm_nvgsp_vm_init).cast(),
            )
        };
        self.counts.record(&r);
        let f = &mut self.files[fi];
        let bad = v.flags != 0 || v.pad != 0;
        // Another process may have made the VA space of a shared file.
        let vm = if f.tainted { Vm::Maybe } else { f.vm };
        let expect = match (bad, vm) {
            (true, Vm::No) => Expect::Fail(X_EINVAL),
            // Which check is first the UAPI does not say.
            (true, Vm::Yes) => Expect::Fail(X_EINVAL | X_EEXIST),
            (false, Vm::No) => Expect::Ok,
            (false, Vm::Yes) => Expect::Fail(X_EEXIST),
            (_, Vm::Maybe) => Expect::Unknown,
        };
        let e = errno(&r);
        if e == 0 || e == libc::EEXIST {
            f.vm = Vm::Yes;
        }
        self.check(
            &format!("VM_INIT(flags {:#x}, pad {:#x})", v.flags, v.pad),
            e,
            expect,
        );
        if e == 0 && (v.va_start..v.va_end) != self.va {
            self.unexpected(format!(
                "VM_INIT: {:#x}..{:#x}, GETPARAM said {:#x?}",
                v.va_start, v.va_end, self.va
            ));
        }
    }

    /// A GPU VA for an op of `range` bytes: mostly in a hot region.
    fn gen_addr(&mut self, range: u64) -> u64 {
        let r = self.rng.below(100);
        if r < 80 {
            let base = self.rng.pick(&self.hot);
            let align = self.rng.pick(&[PAGE, PAGE, PAGE, 64 << 10, 2 * MIB]);
            return base + (self.rng.below(32 * MIB) / align) * align;
        }
        if r < 86 {
            let end = self.va.end;
            return self.rng.pick(&[
                end.wrapping_sub(range),
                end.wrapping_sub(range).wrapping_add(PAGE),
                self.va.start.wrapping_sub(PAGE),
                self.va.start.wrapping_sub(range),
            ]);
        }
        if r < 92 {
            let (s, e) = (self.va.start, self.va.end);
            return self.rng.pick(&[
                s - PAGE,
                s,
                e,
                e - PAGE,
                0,
                1 << 32,
                1 << 47,
                (1 << 48) - PAGE,
                u64::MAX - PAGE + 1,
                1 << 63,
            ]);
        }
        if r < 97 {
            let span = (self.va.end - self.va.start) / PAGE;
            return self.va.start + PAGE * self.rng.below(span);
        }
        let base = self.rng.pick(&self.hot);
        base + 1 + self.rng.below(PAGE - 1)
    }

    /// One VM_BIND op for file `fi` and what the UAPI says of it.
    fn gen_op(&mut self, fi: usize) -> (BindOp, Expect) {
        let r = self.rng.below(100);
        let mut op = if r < 55 {
            let h = self.pick_handle(fi);
            let size = self.files[fi].obj(h).map_or(MIB, |o| o.size);
            let pages = size / PAGE;
            let offset = match self.rng.below(100) {
                0..=59 => 0,
                60..=84 => PAGE * self.rng.below(pages),
                85..=89 => size,
                90..=92 => PAGE * self.rng.below(pages) + 1 + self.rng.below(PAGE - 1),
                93..=94 => u64::MAX - PAGE + 1,
                _ => self.rng.interesting(),
            };
            let left = size.saturating_sub(offset) / PAGE;
            let range = match self.rng.below(100) {
                0..=69 => PAGE * (1 + self.rng.below(left.max(1))),
                70..=79 => (left * PAGE).max(PAGE),
                80..=84 => 0,
                85..=87 => PAGE * (1 + self.rng.below(16)) - 1 - self.rng.below(PAGE - 1),
                88..=91 => (left + 1) * PAGE,
                _ => self.rng.interesting(),
            };
            let addr = self.gen_addr(range);
            drm::bind_map(h, addr, range, offset)
        } else if r < 92 {
            let range = match self.rng.below(100) {
                0..=79 => PAGE * (1 + self.rng.below(2048)),
                80..=89 => 2 * MIB * (1 + self.rng.below(8)),
                _ => self.rng.interesting(),
            };
            let addr = self.gen_addr(range);
            let mut op = drm::bind_unmap(addr, range);
            if self.rng.chance(5) {
                op.handle = self.pick_handle(fi);
            }
            if self.rng.chance(5) {
                op.bo_offset = self.rng.interesting();
            }
            op
        } else if r < 96 {
            drm::bind_unmap(self.va.start, self.va.end - self.va.start)
        } else {
            let mut op = drm::bind_unmap(self.gen_addr(PAGE), PAGE);
            op.op = self.rng.pick(&[0, 3, 4, 0x101, u32::MAX, 1 << 31]);
            op.handle = self.pick_handle(fi);
            op
        };
        if self.rng.chance(4) {
            op.flags = self.rng.interesting() as u32 | 1;
        }
        if self.rng.chance(4) {
            op.pad = self.rng.interesting() as u32 | 1;
        }
        let expect = self.expect_op(fi, &op);
        (op, expect)
    }

    /// What the UAPI header says `op` does in file `fi`'s VA space.
    fn expect_op(&self, fi: usize, op: &BindOp) -> Expect {
        let aligned = |v: u64| v.is_multiple_of(PAGE);
        let mut errs = 0;
        let mut unknown = false;
        let end = op.addr.checked_add(op.range);
        if op.flags != 0
            || op.pad != 0
            || op.range == 0
            || !aligned(op.addr)
            || !aligned(op.range)
            || !aligned(op.bo_offset)
            || end.is_none()
        {
            errs |= X_EINVAL;
        }
        let outside = end.is_none_or(|e| op.addr < self.va.start || e > self.va.end);
        match op.op {
            drm::sys::NVGSP_VM_BIND_OP_MAP => {
                match self.files[fi].classify(op.handle) {
                    Some(Some(size)) => {
                        if op.bo_offset.checked_add(op.range).is_none_or(|e| e > size) {
                            errs |= X_EINVAL;
                        }
                    }
                    Some(None) => errs |= X_ENOENT,
                    None => unknown = true,
                }
                if outside {
                    errs |= X_EINVAL;
                }
            }
            drm::sys::NVGSP_VM_BIND_OP_UNMAP => {
                if op.handle != 0 || op.bo_offset != 0 || outside {
                    errs |= X_EINVAL;
                }
            }
            _ => errs |= X_EINVAL,
        }
        match (errs, unknown) {
            (0, true) => Expect::Unknown,
            (0, false) => Expect::Ok,
            (e, true) => Expect::Fail(e | X_ENOENT),
            (e, false) => Expect::Fail(e),
        }
    }

    fn vm_bind(&mut self) {
        let fi = self.file_index();
        let most = if self.rng.chance(80) { 4 } else { 16 };
        let n = 1 + self.rng.below(most) as usize;
        let mut ops = Vec::with_capacity(n);
        let mut expects = Vec::with_capacity(n);
        for _ in 0..n {
            let (op, e) = self.gen_op(fi);
            ops.push(op);
            expects.push(e);
        }
        // Where the ops go: the buffer's start, or ending at the guard
        // page (then an op_count past them reads the guard: EFAULT).
        let at_guard = self.rng.chance(30);
        let len = n * OP_SIZE;
        let buf = if at_guard {
            self.scratch.arg_at_guard(len)
        } else {
            self.scratch.arg()
        };
        if !at_guard {
            // What follows the ops, should op_count go past them.
            let fill = ARG_LEN.min(len + 4 * OP_SIZE);
            self.scratch.fill(&mut self.rng, fill, true);
        }
        for (i, op) in ops.iter().enumerate() {
            // SAFETY: `buf + len` is within the argument pages.
            unsafe { std::ptr::write_unaligned(buf.add(i * OP_SIZE).cast::<BindOp>(), *op) };
        }
        let mut readable = n as u64;
        let mut count = n as u32;
        let mut op_ptr = buf as u64;
        match self.rng.below(100) {
            0..=79 => {}
            80..=87 => {
                // Past the ops given.
                count = if at_guard {
                    n as u32 + 1 + self.rng.below(8) as u32
                } else {
                    n as u32 + 1 + self.rng.below(4) as u32
                };
                if !at_guard {
                    readable = u64::MAX; // the rest of the buffer: unknown ops
                }
            }
            88..=93 => {
                op_ptr = self.scratch.unreadable(&mut self.rng, len);
                readable = 0;
            }
            _ => {
                count = self
                    .rng
                    .pick(&[0, self.max_ops + 1, u32::MAX, 1 << 31, self.max_ops]);
                // The argument pages end at a guard page: past them the
                // list cannot be read (the kernel reads it whole first).
                readable = if at_guard {
                    n as u64
                } else {
                    (ARG_LEN / OP_SIZE) as u64
                };
            }
        }
        let mut b = VmBind {
            op_count: count,
            flags: 0,
            op_ptr,
            wait_count: 0,
            sig_count: 0,
            wait_ptr: 0,
            sig_ptr: 0,
            ops_done: 0xdead,
            pad: 0,
        };
        if self.rng.chance(8) {
            match self.rng.below(7) {
                0 => b.flags = self.rng.interesting() as u32 | 1,
                1 => b.wait_count = self.rng.interesting() as u32 | 1,
                2 => b.sig_count = self.rng.interesting() as u32 | 1,
                3 => b.wait_ptr = self.rng.interesting() | 1,
                4 => b.sig_ptr = self.rng.interesting() | 1,
                5 => b.pad = self.rng.interesting() as u32 | 1,
                // Ordered, with no sync entries.
                _ => b.flags = drm::sys::NVGSP_VM_BIND_RUN_ASYNC,
            }
        }
        let r = drm::vm_bind_raw(&self.files[fi].file, &mut b);
        self.counts.record(&r);
        let e = errno(&r);
        let done = b.ops_done;
        // The model: maps named objects may be bound (pinned) now; ops
        // read past those given (the buffer's random rest) may bind any.
        let f = &mut self.files[fi];
        if readable == u64::MAX {
            f.objs.iter_mut().for_each(|o| o.bound = true);
        }
        for op in &ops {
            if op.op == drm::sys::NVGSP_VM_BIND_OP_MAP {
                if let Some(o) = f.objs.iter_mut().find(|o| o.handle == op.handle) {
                    o.bound = true;
                }
            }
        }
        if e != libc::EFAULT || done != 0 {
            let took = (done as usize).min(n);
            for op in &ops[..took] {
                match op.op {
                    drm::sys::NVGSP_VM_BIND_OP_MAP => self.reached.gpu_maps += 1,
                    _ => self.reached.gpu_unmaps += 1,
                }
            }
        }
        // What the UAPI says of the whole request.
        let f = &self.files[fi];
        if e == libc::EINTR {
            self.reached.interrupted += 1;
        }
        // Out of memory, or of the file's page table budget (ENOSPC), or
        // a signal: allowed anywhere (the ops before took effect).
        let benign = [libc::ENOMEM, libc::ENOSPC, libc::EINTR];
        if f.tainted || f.vm == Vm::Maybe || benign.contains(&e) {
            return;
        }
        // RUN_ASYNC (ordered binds) takes sync lists; with none (all the
        // fuzzer sends with it) it binds as a bind without it does.
        let ordered = b.flags == drm::sys::NVGSP_VM_BIND_RUN_ASYNC;
        let header_bad = (b.flags != 0 && !ordered)
            || b.pad != 0
            || (!ordered
                && (b.wait_count != 0 || b.sig_count != 0 || b.wait_ptr != 0 || b.sig_ptr != 0))
            || count == 0
            || count > self.max_ops;
        let no_vm = f.vm == Vm::No;
        let expect: Option<(u32, u32)> = if header_bad || no_vm {
            let mut set = 0;
            if header_bad {
                set |= X_EINVAL;
            }
            if no_vm {
                set |= X_ENOENT;
                if readable == 0 {
                    set |= X_EFAULT;
                }
            }
            Some((0, set))
        } else {
            let mut verdict = None;
            let mut i = 0u32;
            loop {
                if i == count {
                    verdict = Some((i, 0));
                    break;
                }
                if u64::from(i) >= readable {
                    verdict = Some((i, X_EFAULT));
                    break;
                }
                match expects.get(i as usize) {
                    Some(Expect::Ok) => i += 1,
                    Some(Expect::Fail(set)) => {
                        verdict = Some((i, *set));
                        break;
                    }
                    _ => break,
                }
            }
            verdict
        };
        let Some((want_done, set)) = expect else {
            return;
        };
        self.reached.binds_checked += 1;
        let fine = if set == 0 {
            e == 0 && done == count
        } else {
            e != 0 && xset(e) & set != 0 && done == want_done
        };
        // A list that cannot be read whole may also be refused before any
        // op is looked at.
        let fine = fine || (readable < u64::from(count) && e == libc::EFAULT && done == 0);
        if !fine {
            self.unexpected(format!(
                "VM_BIND of {count} ops at {op_ptr:#x} (flags {:#x}, reserved {} {} {:#x} {:#x}, pad {}): {} with {done} done, expected {} done and {}; ops {:?}",
                b.flags,
                b.wait_count,
                b.sig_count,
                b.wait_ptr,
                b.sig_ptr,
                b.pad,
                errno_name(e),
                want_done,
                if set == 0 { "ok".into() } else { format!("errors {set:#x}") },
                ops.iter()
                    .map(|o| format!(
                        "{}:{:#x}/{:#x}/h{}/off{:#x}/fl{:#x}/pad{:#x}",
                        o.op, o.addr, o.range, o.handle, o.bo_offset, o.flags, o.pad
                    ))
                    .collect::<Vec<_>>()
            ));
        }
        if e == 0 && done == count {
            // An unmap of the whole range lets go of every closed object.
            let all = ops.iter().any(|o| {
                o.op == drm::sys::NVGSP_VM_BIND_OP_UNMAP
                    && o.addr == self.va.start
                    && o.range == self.va.end - self.va.start
            });
            if all && ops.iter().all(|o| o.op == drm::sys::NVGSP_VM_BIND_OP_UNMAP) {
                let f = &mut self.files[fi];
                let live: u64 = f.objs.iter().map(|o| o.size).sum();
                f.charge = f.charge.min(live);
            }
        }
    }

    fn gem_close(&mut self) {
        let fi = self.file_index();
        let h = self.pick_handle(fi);
        let pad = if self.rng.chance(10) {
            self.rng.interesting() as u32 | 1
        } else {
            0
        };
        let mut c = [h, pad];
        // SAFETY: `c` is a live local of the size the request encodes
        // (`struct drm_gem_close`), which the kernel only reads.
        let r = unsafe {
            drm::raw_ioctl(
                &self.files[fi].file,
                request::GEM_CLOSE,
                c.as_mut_ptr().cast(),
            )
        };
        self.counts.record(&r);
        let state = self.files[fi].classify(h);
        // DRM's GEM_CLOSE says EINVAL for a handle the file does not have.
        let expect = match (state, pad) {
            (Some(Some(_)), 0) => Expect::Ok,
            (Some(None), _) => Expect::Fail(X_EINVAL),
            _ => Expect::Unknown,
        };
        self.check(&format!("GEM_CLOSE({h}, pad {pad})"), errno(&r), expect);
        if r.is_ok() {
            self.closed(fi, h);
        }
    }

    /// Keeps a mapping, unmapping others to stay in budget.
    fn keep_map(&mut self, m: Map) {
        while !self.maps.is_empty()
            && self.maps.iter().map(|m| m.charge).sum::<u64>() + m.charge > MAP_BUDGET
        {
            let i = self.rng.index(self.maps.len());
            let old = self.maps.swap_remove(i);
            self.unmap(old);
        }
        self.maps.push(m);
    }

    fn unmap(&mut self, m: Map) {
        // SAFETY: a mapping made by mmap that nothing else refers to.
        let r = cvt(unsafe { libc::munmap(m.ptr.cast(), m.len) });
        self.counts.record(&r);
    }

    /// An object of a file mapped through the file (whole, or its first
    /// pages), touched by the CPU and compared with other mappings of its
    /// pages.
    fn mmap_object(&mut self) {
        let fi = self.file_index();
        if self.files[fi].objs.is_empty() {
            return self.gem_create();
        }
        let i = self.rng.index(self.files[fi].objs.len());
        let (h, size) = (self.files[fi].objs[i].handle, self.files[fi].objs[i].size);
        let info = drm::gem_info(&self.files[fi].file, h);
        self.counts.record(&info);
        let info = match info {
            Ok(i) => i,
            Err(e) => {
                if !self.files[fi].tainted {
                    self.unexpected(format!("GEM_INFO of live handle {h}: {e}"));
                }
                return;
            }
        };
        let pages = size / PAGE;
        // DRM maps an object from its offset on (its first pages); the
        // offset of a page inside it names no object (mmap_random tries).
        let first = 0;
        let count = if self.rng.chance(70) {
            pages - first
        } else {
            1 + self.rng.below(pages - first)
        };
        let len = (count * PAGE) as usize;
        let writable = self.rng.chance(85);
        let prot = if writable {
            libc::PROT_READ | libc::PROT_WRITE
        } else {
            libc::PROT_READ
        };
        let populate = if self.rng.chance(10) {
            libc::MAP_POPULATE
        } else {
            0
        };
        let r = mmap_raw(
            self.files[fi].file.as_raw_fd(),
            len,
            prot,
            libc::MAP_SHARED | populate,
            info.map_offset + first * PAGE,
        );
        self.counts.record(&r);
        let ptr = match r {
            Ok(p) => p,
            Err(e) => {
                let benign = [Some(libc::ENOMEM), Some(libc::EINTR)];
                if !self.files[fi].tainted && !benign.contains(&e.raw_os_error()) {
                    self.unexpected(format!(
                        "mmap of pages {first}..{} of a {size:#x}-byte object: {e}",
                        first + count
                    ));
                }
                return;
            }
        };
        self.reached.cpu_maps += 1;
        let id = self.files[fi].id;
        let m = Map {
            ptr,
            len,
            writable,
            known: true,
            obj: (!self.files[fi].tainted).then_some((id, h, first)),
            charge: size,
        };
        self.touch_known(&m);
        self.compare(&m);
        self.keep_map(m);
    }

    /// The CPU reads (and writes back) a few pages of a mapping of known
    /// pages.
    fn touch_known(&mut self, m: &Map) {
        let pages = m.len / PAGE as usize;
        DOING.store(
            if m.charge != 0 && m.obj.is_none() {
                2
            } else {
                1
            },
            Ordering::Relaxed,
        );
        for page in [0, pages - 1, self.rng.index(pages)] {
            let at = m
                .ptr
                .wrapping_add(page * PAGE as usize + 8 * self.rng.index(512));
            // SAFETY: inside a live mapping the kernel gave for whole pages
            // of an object; shared memory, so volatile, through raw
            // pointers only.
            unsafe {
                let v = std::ptr::read_volatile(at.cast::<u64>());
                if m.writable {
                    std::ptr::write_volatile(at.cast::<u64>(), v);
                }
            }
        }
        DOING.store(0, Ordering::Relaxed);
        self.reached.cpu_touches += 1;
    }

    /// Writes a random value through `m` and reads it through every other
    /// mapping of the same object page.
    fn compare(&mut self, m: &Map) {
        let Some((id, h, first)) = m.obj else { return };
        if !m.writable {
            return;
        }
        let pages = (m.len / PAGE as usize) as u64;
        let page = first + self.rng.below(pages);
        let word = self.rng.below(PAGE / 8) * 8;
        let value = self.rng.next();
        let at = |m: &Map, page: u64| {
            m.ptr
                .wrapping_add(((page - m.obj.map_or(0, |o| o.2)) * PAGE + word) as usize)
                .cast::<u64>()
        };
        DOING.store(1, Ordering::Relaxed);
        // SAFETY: `page` is one of `m`'s pages, mapped writable.
        unsafe { std::ptr::write_volatile(at(m, page), value) };
        let mut seen = Vec::new();
        for other in &self.maps {
            let Some((oid, oh, ofirst)) = other.obj else {
                continue;
            };
            let opages = (other.len / PAGE as usize) as u64;
            if oid == id && oh == h && (ofirst..ofirst + opages).contains(&page) {
                // SAFETY: `page` is one of `other`'s pages, mapped.
                seen.push(unsafe { std::ptr::read_volatile(at(other, page)) });
            }
        }
        DOING.store(0, Ordering::Relaxed);
        if let Some(v) = seen.into_iter().find(|&v| v != value) {
            self.unexpected(format!(
                "two mappings of page {page} of object {h} disagree: wrote {value:#x}, read {v:#x}"
            ));
        }
    }

    /// The kernel copies a mapping's first and last bytes out and back in
    /// (a bad page fails the copy with EFAULT instead of a signal).
    fn touch_by_kernel(&mut self, ptr: *mut u8, len: usize, writable: bool) {
        let n = len.min(64);
        let (r, w) = (self.pipe.0.as_raw_fd(), self.pipe.1.as_raw_fd());
        let mut sink = [0u8; 64];
        for off in [0, len - n] {
            let p = ptr.wrapping_add(off);
            // SAFETY: the kernel reads `n` bytes at `p` (EFAULT if it
            // cannot); `p` is in a mapping only raw pointers reach.
            let got = unsafe { libc::write(w, p.cast(), n) };
            if got > 0 {
                let target = if writable { p } else { sink.as_mut_ptr() };
                // SAFETY: writes at most `got <= n` bytes at `target`: the
                // bytes just read from there, or the local sink.
                unsafe { libc::read(r, target.cast(), got as usize) };
            }
            // Whatever is left in the pipe goes to the sink.
            // SAFETY: reads into the local sink, within its length.
            while unsafe { libc::read(r, sink.as_mut_ptr().cast(), sink.len()) } > 0 {}
        }
        self.reached.cpu_touches += 1;
    }

    /// An mmap of the render node or a dma-buf at a random offset, length,
    /// protection and flags.
    fn mmap_random(&mut self) {
        let use_dmabuf = !self.dmabufs.is_empty() && self.rng.chance(20);
        let fi = self.file_index();
        let fd = if use_dmabuf {
            let i = self.rng.index(self.dmabufs.len());
            self.dmabufs[i].fd.as_raw_fd()
        } else {
            self.files[fi].file.as_raw_fd()
        };
        let offset = match self.rng.below(10) {
            0..=4 => {
                let f = &self.files[fi];
                let near = f
                    .objs
                    .iter()
                    .filter_map(|o| o.map_offset.map(|m| (m, o.size)))
                    .collect::<Vec<_>>();
                if near.is_empty() || use_dmabuf {
                    PAGE * self.rng.below(1024)
                } else {
                    let (m, size) = self.rng.pick(&near);
                    let d = self.rng.pick(&[0, PAGE, size, size - PAGE, size + PAGE]);
                    if self.rng.chance(50) {
                        m.wrapping_add(d)
                    } else {
                        m.wrapping_sub(d)
                    }
                }
            }
            5..=6 => self.rng.interesting(),
            7 => (1 << 32) + PAGE * self.rng.below(1 << 28),
            8 => PAGE * self.rng.below(64) + 1 + self.rng.below(PAGE - 1),
            _ => self.rng.next() & !(PAGE - 1),
        };
        let len = match self.rng.below(10) {
            0 => self.rng.pick(&[0, 1, PAGE - 1, 1 << 40, !(PAGE - 1)]),
            1..=5 => PAGE * (1 + self.rng.below(4)),
            _ => PAGE * (1 + self.rng.below(1024)),
        };
        let prot = self.rng.pick(&[
            libc::PROT_READ | libc::PROT_WRITE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::PROT_READ,
            libc::PROT_WRITE,
            libc::PROT_NONE,
            libc::PROT_READ | libc::PROT_EXEC,
        ]);
        let flags = self.rng.pick(&[
            libc::MAP_SHARED,
            libc::MAP_SHARED,
            libc::MAP_SHARED,
            libc::MAP_PRIVATE,
            libc::MAP_SHARED | libc::MAP_POPULATE,
            libc::MAP_SHARED_VALIDATE,
            libc::MAP_SHARED | libc::MAP_NORESERVE,
        ]);
        let Ok(len) = usize::try_from(len) else {
            return;
        };
        let r = mmap_raw(fd, len, prot, flags, offset);
        self.counts.record(&r);
        let Ok(ptr) = r else { return };
        self.reached.cpu_maps += 1;
        if prot & libc::PROT_READ != 0 && len >= 64 {
            self.touch_by_kernel(ptr, len, prot & libc::PROT_WRITE != 0);
        }
        let m = Map {
            ptr,
            len,
            writable: false,
            known: false,
            obj: None,
            charge: SMALL_MAX,
        };
        if self.rng.chance(50) {
            self.keep_map(m);
        } else {
            self.unmap(m);
        }
    }

    /// Touches a kept mapping.
    fn touch(&mut self) {
        if self.maps.is_empty() {
            return self.mmap_object();
        }
        let i = self.rng.index(self.maps.len());
        let m = &self.maps[i];
        let (ptr, len, known, writable) = (m.ptr, m.len, m.known, m.writable);
        if known {
            let m = self.maps.swap_remove(i);
            self.touch_known(&m);
            self.compare(&m);
            self.maps.push(m);
        } else if len >= 64 {
            self.touch_by_kernel(ptr, len, writable);
        }
    }

    /// Unmaps a kept mapping, whole or a page at either end (the rest
    /// stays), or moves it, or tries to grow it.
    fn munmap_or_mremap(&mut self) {
        if self.maps.is_empty() {
            return self.mmap_random();
        }
        let i = self.rng.index(self.maps.len());
        let pages = self.maps[i].len / PAGE as usize;
        match self.rng.below(6) {
            0 | 1 => {
                let m = self.maps.swap_remove(i);
                self.unmap(m);
            }
            2 if pages > 1 => {
                // The first page goes; the rest is the same object from
                // the next page on.
                let m = &mut self.maps[i];
                // SAFETY: the first page of our own mapping.
                let r = cvt(unsafe { libc::munmap(m.ptr.cast(), PAGE as usize) });
                if r.is_ok() {
                    m.ptr = m.ptr.wrapping_add(PAGE as usize);
                    m.len -= PAGE as usize;
                    if let Some(o) = &mut m.obj {
                        o.2 += 1;
                    }
                }
                self.counts.record(&r);
            }
            3 if pages > 1 => {
                let m = &mut self.maps[i];
                let last = m.ptr.wrapping_add(m.len - PAGE as usize);
                // SAFETY: the last page of our own mapping.
                let r = cvt(unsafe { libc::munmap(last.cast(), PAGE as usize) });
                if r.is_ok() {
                    m.len -= PAGE as usize;
                }
                self.counts.record(&r);
            }
            4 => {
                // Moved elsewhere (the kernel picks where).
                let m = &mut self.maps[i];
                // SAFETY: moves our own mapping; no reference into it.
                let p = unsafe {
                    libc::mremap(
                        m.ptr.cast(),
                        m.len,
                        m.len + PAGE as usize,
                        libc::MREMAP_MAYMOVE,
                    )
                };
                let r = if p == libc::MAP_FAILED {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(())
                };
                if r.is_ok() {
                    // Grown past what the object may have: CPU touches
                    // only through the kernel from now on.
                    m.ptr = p.cast();
                    m.len += PAGE as usize;
                    m.known = false;
                    m.obj = None;
                }
                self.counts.record(&r);
            }
            _ => {
                // Shrunk in place, or moved (same length, new place).
                let m = &mut self.maps[i];
                let new_len = if pages > 1 {
                    m.len - PAGE as usize
                } else {
                    m.len
                };
                // SAFETY: resizes or moves our own mapping.
                let p = unsafe { libc::mremap(m.ptr.cast(), m.len, new_len, libc::MREMAP_MAYMOVE) };
                let r = if p == libc::MAP_FAILED {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(())
                };
                if r.is_ok() {
                    m.ptr = p.cast();
                    m.len = new_len;
                }
                self.counts.record(&r);
            }
        }
    }

    fn prime_export(&mut self) {
        let fi = self.file_index();
        let h = self.pick_handle(fi);
        let flags = if self.rng.chance(85) {
            PRIME_FLAGS
        } else {
            self.rng.pick(&[
                0,
                libc::O_RDWR as u32,
                libc::O_CLOEXEC as u32,
                1,
                u32::MAX,
                1 << 31,
            ])
        };
        let mut p = [h, flags, u32::MAX];
        // SAFETY: `p` is a live local of the size the request encodes
        // (`struct drm_prime_handle`).
        let r = unsafe {
            drm::raw_ioctl(
                &self.files[fi].file,
                request::PRIME_HANDLE_TO_FD,
                p.as_mut_ptr().cast(),
            )
        };
        self.counts.record(&r);
        let state = self.files[fi].classify(h);
        if let (Some(None), Ok(_)) = (state, &r) {
            self.unexpected(format!(
                "PRIME export of handle {h}, which names nothing: ok"
            ));
        }
        if let (Some(Some(_)), PRIME_FLAGS) = (state, flags) {
            self.check(
                &format!("PRIME export of handle {h}"),
                errno(&r),
                Expect::Ok,
            );
        }
        if r.is_err() {
            return;
        }
        // SAFETY: the kernel just gave us this descriptor.
        let fd = unsafe { OwnedFd::from_raw_fd(p[2] as RawFd) };
        self.reached.exports += 1;
        // A dma-buf's size is its end.
        // SAFETY: lseek on a descriptor we own.
        let end = unsafe { libc::lseek(fd.as_raw_fd(), 0, libc::SEEK_END) };
        let size = u64::try_from(end).unwrap_or(u64::MAX);
        if let Some(Some(known)) = self.files[fi].classify(h) {
            if known != size {
                self.unexpected(format!(
                    "PRIME export of handle {h} ({known:#x} bytes): a dma-buf of {size:#x} bytes"
                ));
            }
        }
        // Only a dma-buf exported as it should be (read-write) is kept
        // to be mapped and imported.
        if size > SMALL_MAX || flags != PRIME_FLAGS || self.rng.chance(30) {
            return; // closed here
        }
        while !self.dmabufs.is_empty()
            && self.dmabufs.iter().map(|d| d.size).sum::<u64>() + size > DMABUF_BUDGET
        {
            let i = self.rng.index(self.dmabufs.len());
            self.dmabufs.swap_remove(i);
        }
        self.dmabufs.push(DmaBuf { fd, size });
    }

    fn prime_import(&mut self) {
        let fi = self.file_index();
        let r = self.rng.below(100);
        let (fd, kind) = if r < 65 && !self.dmabufs.is_empty() {
            let i = self.rng.index(self.dmabufs.len());
            (self.dmabufs[i].fd.as_raw_fd(), 0)
        } else if r < 75 && self.foreign.is_some() {
            (self.foreign.as_ref().map_or(-1, |f| f.as_raw_fd()), 1)
        } else {
            let other = self.file_index();
            let fds = [
                -1,
                0,
                1 << 20,
                i32::MAX,
                self.pipe.0.as_raw_fd(),
                self.files[other].file.as_raw_fd(),
            ];
            (self.rng.pick(&fds), 2)
        };
        let flags = if self.rng.chance(90) {
            0
        } else {
            self.rng.interesting() as u32
        };
        let mut p = [0u32, flags, fd as u32];
        // SAFETY: `p` is a live local of the size the request encodes.
        let r = unsafe {
            drm::raw_ioctl(
                &self.files[fi].file,
                request::PRIME_FD_TO_HANDLE,
                p.as_mut_ptr().cast(),
            )
        };
        self.counts.record(&r);
        match kind {
            0 if flags == 0 => self.check(
                "PRIME import of this device's dma-buf",
                errno(&r),
                Expect::Ok,
            ),
            1 => self.check(
                "PRIME import of another device's dma-buf",
                errno(&r),
                Expect::Fail(X_EINVAL),
            ),
            2 if r.is_ok() => {
                self.unexpected(format!("PRIME import of descriptor {fd}: ok"));
            }
            _ => {}
        }
        if r.is_err() {
            return;
        }
        self.reached.imports += 1;
        let h = p[0];
        let info = drm::gem_info(&self.files[fi].file, h);
        self.counts.record(&info);
        match info {
            Ok(i) => {
                self.track(fi, h, i.size);
                if i.size > SMALL_MAX {
                    self.unexpected(format!("imported handle {h}: {:#x} bytes", i.size));
                }
            }
            Err(e) => {
                // (Another process sharing the file may have closed it.)
                if !self.files[fi].tainted {
                    self.unexpected(format!("GEM_INFO of imported handle {h}: {e}"));
                }
                self.files[fi].tainted = true;
            }
        }
    }

    /// A kept dma-buf mapped through its own descriptor.
    fn dmabuf_mmap(&mut self) {
        if self.dmabufs.is_empty() {
            return self.prime_export();
        }
        let i = self.rng.index(self.dmabufs.len());
        let size = self.dmabufs[i].size;
        let whole = self.rng.chance(70);
        let (offset, len) = if whole {
            (0, size)
        } else {
            (
                PAGE * self.rng.below(size / PAGE + 2),
                PAGE * (1 + self.rng.below(size / PAGE + 2)),
            )
        };
        let r = mmap_raw(
            self.dmabufs[i].fd.as_raw_fd(),
            len as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            offset,
        );
        self.counts.record(&r);
        // EACCES if the object's first export was read-only: DRM keeps one
        // dma-buf per object, whatever the flags of later exports.
        if whole && errno(&r) != libc::EACCES {
            self.check("mmap of a whole dma-buf", errno(&r), Expect::Ok);
        }
        let Ok(ptr) = r else { return };
        self.reached.cpu_maps += 1;
        let m = Map {
            ptr,
            len: len as usize,
            writable: true,
            known: whole,
            obj: None,
            charge: size,
        };
        if whole {
            self.touch_known(&m);
        } else {
            self.touch_by_kernel(ptr, len as usize, true);
        }
        self.keep_map(m);
    }

    fn dmabuf_close(&mut self) {
        if !self.dmabufs.is_empty() {
            let i = self.rng.index(self.dmabufs.len());
            self.dmabufs.swap_remove(i);
        }
    }

    /// Parent: kills the child when its time is up, forks the next one
    /// when it is time.
    fn children(&mut self, now: Instant) {
        if let Some((pid, kill_at)) = self.child {
            if now >= kill_at {
                self.reap(pid);
            }
            return;
        }
        if now >= self.next_fork && now + Duration::from_secs(1) < self.deadline {
            self.fork_child(now);
        }
    }

    fn reap(&mut self, pid: libc::pid_t) {
        // SAFETY: signals and waits for our own child.
        let status = unsafe {
            libc::kill(pid, libc::SIGKILL);
            let mut status = 0;
            while libc::waitpid(pid, &mut status, 0) < 0
                && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR)
            {}
            status
        };
        self.child = None;
        if libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGKILL {
            self.reached.children += 1;
        } else {
            self.unexpected(format!(
                "child ended before it was killed (status {status:#x})"
            ));
        }
        // What it may have left in the files it shared.
        for f in &mut self.files {
            f.charge += CHILD_LEFT;
        }
    }

    fn fork_child(&mut self, now: Instant) {
        let seed = self.rng.next();
        let parent = std::process::id() as libc::pid_t;
        // SAFETY: the program is single-threaded; the child only goes on
        // with this state and ends with _exit.
        let pid = unsafe { libc::fork() };
        match pid {
            0 => {
                self.become_child(seed, parent);
                self.run_loop();
                // SAFETY: ends the child without running the parent's
                // destructors (its files close with the process).
                unsafe { libc::_exit(0) };
            }
            p if p > 0 => {
                let life = Duration::from_millis(200 + self.rng.below(2500));
                self.child = Some((p, now + life));
                self.next_fork = now + life + Duration::from_millis(self.rng.below(4000));
                // The child may close, make and write anything through the
                // files and mappings it shares.
                for f in &mut self.files {
                    f.tainted = true;
                }
                for m in &mut self.maps {
                    m.obj = None;
                }
            }
            _ => {
                self.next_fork = now + Duration::from_secs(5);
            }
        }
    }

    /// The child's start: its own PRNG, no copy of the parent's mappings,
    /// no access to the large objects' file, and a file of its own with
    /// objects mapped and bound, before it goes on like the parent (on
    /// the shared files too) until it is killed.
    fn become_child(&mut self, seed: u64, parent: libc::pid_t) {
        self.rng = Rng::new(seed);
        self.parent = Some(parent);
        self.child = None;
        // The parent goes on using the files both have.
        for f in &mut self.files {
            f.tainted = true;
        }
        for m in &mut self.maps {
            m.obj = None;
        }
        self.storm_until = None;
        for m in std::mem::take(&mut self.maps) {
            self.unmap(m);
        }
        self.big = None;
        let mut pipe = [0; 2];
        // SAFETY: pipe2 writes two descriptors into `pipe`.
        if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } == 0 {
            // SAFETY: the two new descriptors are ours alone.
            self.pipe = unsafe { (OwnedFd::from_raw_fd(pipe[0]), OwnedFd::from_raw_fd(pipe[1])) };
        }
        // Killed long before; this only ends it should the parent die.
        self.deadline += Duration::from_secs(10);
        let Ok(mut own) = self.open_file() else {
            return;
        };
        if drm::vm_init(&own.file).is_ok() {
            own.vm = Vm::Yes;
        }
        self.files.push(own);
        let fi = self.files.len() - 1;
        for _ in 0..1 + self.rng.below(4) {
            let size = PAGE * (1 + self.rng.below(256));
            let Ok(h) = drm::gem_create(
                &self.files[fi].file,
                GemCreate {
                    size,
                    domain: drm::DOMAIN_SYSTEM,
                    ..GemCreate::default()
                },
            ) else {
                continue;
            };
            self.track(fi, h, size);
            if let Ok(info) = drm::gem_info(&self.files[fi].file, h) {
                if let Ok(ptr) = mmap_raw(
                    self.files[fi].file.as_raw_fd(),
                    size as usize,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    info.map_offset,
                ) {
                    let m = Map {
                        ptr,
                        len: size as usize,
                        writable: true,
                        known: true,
                        obj: None,
                        charge: size,
                    };
                    self.touch_known(&m);
                    self.maps.push(m);
                }
            }
            let addr = self.hot[0] + 2 * MIB * self.rng.below(16);
            let _ = drm::vm_bind(&self.files[fi].file, &[drm::bind_map(h, addr, size, 0)]);
            if let Some(o) = self.files[fi].objs.iter_mut().find(|o| o.handle == h) {
                o.bound = true;
            }
        }
        // A channel with jobs still running when the child is killed.
        if self.files[fi].vm == Vm::Yes {
            self.child_jobs(fi);
        }
    }

    /// Turns the signal storm on and off: SIGALRM every 0.2 to 2 ms, with
    /// a handler that does nothing and no SA_RESTART, so calls that sleep
    /// in the kernel (GSP-RM calls: VM_INIT, a file's release) are
    /// interrupted as a program's timer or profiler would interrupt them.
    fn storm(&mut self, now: Instant) {
        let interval = match self.storm_until {
            Some(end) if now >= end => {
                self.storm_until = None;
                self.next_storm = now + Duration::from_millis(1000 + self.rng.below(4000));
                0
            }
            None if now >= self.next_storm && now < self.deadline => {
                let on = Duration::from_millis(300 + self.rng.below(2000));
                self.storm_until = Some(now + on);
                self.reached.storms += 1;
                200 + self.rng.below(1800)
            }
            _ => return,
        };
        set_timer(interval);
    }

    fn run_loop(&mut self) {
        let mut n = 0u64;
        loop {
            n += 1;
            if n.is_multiple_of(16) {
                let now = Instant::now();
                if now >= self.deadline {
                    break;
                }
                self.storm(now);
                match self.parent {
                    Some(p) => {
                        // SAFETY: getppid has no preconditions.
                        if unsafe { libc::getppid() } != p {
                            break;
                        }
                    }
                    None => self.children(now),
                }
            }
            self.step();
        }
    }
}

/// A counter in memory shared with the children forked later, zero.
fn shared_counter() -> io::Result<&'static AtomicU64> {
    // SAFETY: a new shared anonymous page (zeroed) that aliases nothing;
    // it is never unmapped, so the reference lives as long as the process.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            PAGE as usize,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(&*p.cast::<AtomicU64>())
    }
}

/// `nvgspctl fuzz SECONDS SEED` on the render node at `path`.
pub fn run(path: &str, seconds: u64, seed: u64) -> Result<(), String> {
    let open = |what: &str| crate::open(path).map_err(|e| format!("{path}: open ({what}): {e}"));
    let first = open("first file")?;
    let get = |param, name| {
        drm::getparam(&first, param).map_err(|e| format!("{path}: GETPARAM({name}): {e}"))
    };
    let va = get(drm::PARAM_VA_START, "VA_START")?..get(drm::PARAM_VA_END, "VA_END")?;
    let max_ops = get(drm::PARAM_VM_BIND_MAX_OPS, "VM_BIND_MAX_OPS")?;
    let max_ops = u32::try_from(max_ops).map_err(|_| format!("VM_BIND_MAX_OPS {max_ops}"))?;
    if va.start % (2 * MIB) != 0 || va.end <= va.start + 64 * MIB {
        return Err(format!("unusable VA range {va:#x?}"));
    }
    let sub = submit::Submit::new(&first).map_err(|e| format!("{path}: {e}"))?;
    let mut pipe = [0; 2];
    // SAFETY: pipe2 writes two descriptors into `pipe`.
    cvt(unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) })
        .map_err(|e| format!("pipe: {e}"))?;
    // SAFETY: the two new descriptors are ours alone.
    let pipe = unsafe { (OwnedFd::from_raw_fd(pipe[0]), OwnedFd::from_raw_fd(pipe[1])) };
    let scratch = Scratch::new().map_err(|e| format!("scratch memory: {e}"))?;
    let mut rng = Rng::new(seed);
    // Hot regions: the range's start and end and a few level boundaries
    // of the page tables (1 GiB, 512 GiB) inside it, and a random spot.
    let mut hot = vec![va.start, va.end - 48 * MIB];
    for b in [9u64 << 30, 1 << 39, 3 << 39, 17 << 30] {
        if b - 16 * MIB >= va.start && b + 32 * MIB <= va.end {
            hot.push(b - 16 * MIB);
        }
    }
    let span = (va.end - va.start - 64 * MIB) / (2 * MIB);
    hot.push(va.start + 2 * MIB * rng.below(span));
    let now = Instant::now();
    let mut f = Fuzz {
        rng,
        path: path.to_string(),
        seed,
        files: Vec::new(),
        big: None,
        maps: Vec::new(),
        dmabufs: Vec::new(),
        foreign: drm::foreign_dmabuf(PAGE).ok(),
        pipe,
        scratch,
        va,
        hot,
        max_ops,
        sub,
        counts: Counts::default(),
        reached: Reached::default(),
        unexpected: Vec::new(),
        unexpected_total: 0,
        children_unexpected: shared_counter().map_err(|e| format!("shared memory: {e}"))?,
        next_file_id: 0,
        child: None,
        next_fork: now + Duration::from_millis(1000),
        parent: None,
        storm_until: None,
        next_storm: now + Duration::from_millis(2000),
        deadline: now + Duration::from_secs(seconds),
    };
    drop(first);
    for _ in 0..2 {
        let mut file = f.open_file().map_err(|e| format!("{path}: open: {e}"))?;
        drm::vm_init(&file.file).map_err(|e| format!("{path}: VM_INIT: {e}"))?;
        file.vm = Vm::Yes;
        f.files.push(file);
    }
    let mut big = f.open_file().map_err(|e| format!("{path}: open: {e}"))?;
    drm::vm_init(&big.file).map_err(|e| format!("{path}: VM_INIT: {e}"))?;
    big.vm = Vm::Yes;
    f.big = Some(big);
    install_signal_handlers();

    f.run_loop();
    set_timer(0);
    if let Some((pid, _)) = f.child {
        f.reap(pid);
    }
    let elapsed = now.elapsed().as_secs();
    // Everything goes before the summary: mappings, dma-bufs, files.
    for m in std::mem::take(&mut f.maps) {
        f.unmap(m);
    }
    f.dmabufs.clear();
    f.files.clear();
    f.big = None;

    let mut by: Vec<(i32, u64)> = f.counts.by.iter().map(|(&e, &n)| (e, n)).collect();
    by.sort_by_key(|&(e, n)| (e == 0, std::cmp::Reverse(n)));
    let errors: Vec<String> = by
        .iter()
        .filter(|(e, _)| *e != 0)
        .map(|&(e, n)| format!("{} {n}", errno_name(e)))
        .collect();
    let ok = f.counts.by.get(&0).copied().unwrap_or(0);
    println!(
        "fuzz: {} calls in {elapsed} s, seed {}, errors: {} ok {ok}",
        f.counts.calls,
        f.seed,
        errors.join(" ")
    );
    let r = &f.reached;
    println!(
        "fuzz: took effect: {} objects, {} large objects, {} VRAM objects, {} GPU maps, {} GPU unmaps, {} binds checked, {} CPU mappings, {} touches, {} exports, {} imports, {} files reopened, {} children killed, {} signal storms, {} calls interrupted",
        r.objects,
        r.big_objects,
        r.vram_objects,
        r.gpu_maps,
        r.gpu_unmaps,
        r.binds_checked,
        r.cpu_maps,
        r.cpu_touches,
        r.exports,
        r.imports,
        r.reopens,
        r.children,
        r.storms,
        r.interrupted
    );
    println!("{}", f.sub.summary());
    for u in &f.unexpected {
        println!("fuzz: unexpected: {u}");
    }
    let children = f.children_unexpected.load(Ordering::Relaxed);
    if children > 0 {
        println!("fuzz: unexpected: {children} results in children (above)");
    }
    if f.unexpected_total + children > 0 {
        return Err(format!(
            "{} unexpected results (seed {seed})",
            f.unexpected_total + children
        ));
    }
    Ok(())
}
