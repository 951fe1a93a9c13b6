//! The fuzzer's command submission: CHANNEL_ALLOC, CHANNEL_FREE and EXEC
//! with random pushes, waits and signals, and the DRM sync objects they
//! name (create, destroy, waits, CPU signals and resets, sharing between
//! the files, sync files of their fences).
//!
//! The model per file: its channels, its sync objects and what fence each
//! holds (none, a plain fence, a timeline whose head is point N, or
//! unknown once the object is shared with another file), followed through
//! every call that gives an object a fence: CREATE_SIGNALED, SIGNAL,
//! TIMELINE_SIGNAL, RESET, an EXEC's signal entries (the fuzzer's and the
//! child's own jobs), by the rules of Linux 7.3's `drm_syncobj.c` and
//! `dma-fence-chain.c` (see [`Fence`]). Whatever it cannot follow makes
//! the object's fence unknown (an object shared between handles or files)
//! or the file's sync objects unknown (a file the child shares, a raw
//! EXEC, VM_BIND or SYNCOBJ_CREATE that may have made or signalled
//! objects); then both outcomes are accepted. From it the fuzzer knows
//! what the header promises of each request: EINVAL for a malformed
//! request or entry (counts past `EXEC_MAX_PUSH` or `EXEC_MAX_SYNC`, a
//! push not 4-byte aligned, at or past 2^40, of a length not a multiple
//! of 4 or outside 4..=`PUSH_MAX_SIZE`, flags set, a sync entry of
//! another kind, a binary entry with a point, a timeline entry at point
//! 0, a wait with no fence), ENOENT for an unknown channel or sync
//! object, EFAULT for a list it cannot read; success otherwise. What the
//! header leaves open (whether a point added out of order is refused, the
//! order of the checks) is not checked. The fuzzer's own waits are
//! bounded: SYNCOBJ waits poll or end within 2 ms (absolute timeouts).
//!
//! Jobs that reach the GPU (with pushes) are at most [`GPU_JOBS_PER_SEC`]
//! a second: each that fails costs the driver a channel recovery. Their
//! pushes are in the file's push object (a system object bound at a VA
//! of its own, bound again before each use: the fuzzer's unmaps take it
//! away) or at random VAs (faults); they copy inside the push object or
//! between random VAs, release and acquire semaphores, send host methods,
//! copy engine methods without `SET_OBJECT` or random words; rarely an
//! acquire that never comes (the job timeout). Their outcome is the
//! driver's to handle, not checked here; the kernel's log and checkers
//! judge it.

use std::time::Instant;

use nvgsp_uapi::{self as drm, request, syncobj, Mapping, Push, SyncEntry};

use super::*;
use crate::push::{
    header, PushBuf, CE_SUBCHANNEL, HOST_SUBCHANNEL, SEC_OP_IMMD, SEC_OP_NON_INC, SEC_OP_ONE_INC,
};

/// Jobs with pushes the fuzzer sends a second, at most.
const GPU_JOBS_PER_SEC: f64 = 10.0;
/// The push object's size and its slots (one job's program each).
const PUSH_OBJ: u64 = 64 << 10;
const SLOT: usize = 4096;
const SLOTS: usize = 8;
/// Where in the push object copies go (its upper half).
const COPY_AREA: u64 = 32 << 10;
/// The most channels a file keeps (when `CHANNEL_MAX` is larger).
const CHANNELS_KEPT: usize = 6;
/// The most sync objects a file keeps.
const SYNCOBJS_KEPT: usize = 48;
/// `sizeof(struct drm_nvgsp_exec_push)` and of `drm_nvgsp_sync`.
const ENTRY: usize = 16;
/// The fuzzer's "hang": a job that never ends on its own, at most once in
/// this many seconds.
const HANG_EVERY_SECS: u64 = 20;

/// What the fuzzer knows of a sync object's fence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Fence {
    /// None (a wait on it is EINVAL).
    None,
    /// One that is no timeline.
    Plain,
    /// A timeline (a `dma_fence_chain`) whose head's sequence number is
    /// this: the highest point added since it last was none or plain.
    Chain(u64),
    /// Unknown (shared with another file, or a raw request touched it).
    Unknown,
}

impl Fence {
    /// Whether a wait for `point` (0: the object's fence, whatever it
    /// is) finds a fence (`drm_syncobj_find_fence`, and the first pass
    /// of `drm_syncobj_array_wait_timeout`: no fence, or
    /// `dma_fence_chain_find_seqno` failing, is EINVAL without
    /// `WAIT_FOR_SUBMIT`); `None` if unknown.
    fn has(self, point: u64) -> Option<bool> {
        match self {
            Fence::None => Some(false),
            // A point of a fence that is no chain: none.
            Fence::Plain => Some(point == 0),
            // A chain has every point up to its head's number.
            Fence::Chain(head) => Some(point <= head),
            Fence::Unknown => None,
        }
    }

    /// The fence after timeline point `point` is added
    /// (`drm_syncobj_add_point`, `dma_fence_chain_init`): a chain whose
    /// head is `point` on no fence or a plain one, and on a chain the
    /// higher of its head and `point` (a point added out of order starts
    /// a new context at the old head's number).
    fn add_point(self, point: u64) -> Fence {
        match self {
            Fence::Unknown => Fence::Unknown,
            Fence::Chain(head) => Fence::Chain(head.max(point)),
            Fence::None | Fence::Plain => Fence::Chain(point),
        }
    }
}

/// A sync object of a file.
#[derive(Clone, Copy, Debug)]
pub(super) struct SyncObj {
    handle: u32,
    fence: Fence,
}

/// A file's push object.
pub(super) struct PushObj {
    handle: u32,
    va: u64,
    map: Mapping,
    next: usize,
}

/// What the fuzzer knows of a file's channels and sync objects.
#[derive(Default)]
pub(super) struct FileSubmit {
    channels: Vec<u32>,
    freed: Vec<u32>,
    syncobjs: Vec<SyncObj>,
    destroyed: Vec<u32>,
    /// Channels may exist, or be gone, unknown to the model (a raw
    /// request).
    pub(super) chan_tainted: bool,
    /// Sync objects may exist or hold fences unknown to the model.
    pub(super) sync_tainted: bool,
    push: Option<PushObj>,
}

/// The driver's limits, read once.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    pub(super) max_push: u32,
    pub(super) max_sync: u32,
    pub(super) push_max: u32,
    pub(super) channel_max: u32,
    pub(super) gpfifo_entries: u64,
    pub(super) job_timeout_ms: u64,
    /// Copy engines the GPU has: bit n for copy engine n.
    engines: u32,
}

/// What took effect.
#[derive(Default)]
pub(super) struct SubmitReached {
    channels: u64,
    frees: u64,
    jobs: u64,
    gpu_jobs: u64,
    checked: u64,
    syncobjs: u64,
    waits: u64,
    shared: u64,
    fence_errors: u64,
}

/// The fuzzer's submission state.
pub(super) struct Submit {
    pub(super) limits: Limits,
    /// Per copy engine: whether CHANNEL_ALLOC took it (once seen).
    ce_works: [Option<bool>; 32],
    tokens: f64,
    refilled: Instant,
    last_hang: Option<Instant>,
    reached: SubmitReached,
}

impl Submit {
    /// Reads the limits through `f`.
    pub(super) fn new(f: &File) -> Result<Submit, String> {
        let get = |p, name: &str| drm::getparam(f, p).map_err(|e| format!("GETPARAM({name}): {e}"));
        let small = |v: u64, name: &str| u32::try_from(v).map_err(|_| format!("{name} {v}"));
        let mask = get(drm::PARAM_ENGINE_MASK, "ENGINE_MASK")?;
        Ok(Submit {
            limits: Limits {
                max_push: small(
                    get(drm::PARAM_EXEC_MAX_PUSH, "EXEC_MAX_PUSH")?,
                    "EXEC_MAX_PUSH",
                )?,
                max_sync: small(
                    get(drm::PARAM_EXEC_MAX_SYNC, "EXEC_MAX_SYNC")?,
                    "EXEC_MAX_SYNC",
                )?,
                push_max: small(
                    get(drm::PARAM_PUSH_MAX_SIZE, "PUSH_MAX_SIZE")?,
                    "PUSH_MAX_SIZE",
                )?,
                channel_max: small(get(drm::PARAM_CHANNEL_MAX, "CHANNEL_MAX")?, "CHANNEL_MAX")?,
                gpfifo_entries: get(drm::PARAM_GPFIFO_ENTRIES, "GPFIFO_ENTRIES")?,
                job_timeout_ms: get(drm::PARAM_JOB_TIMEOUT_MS, "JOB_TIMEOUT_MS")?,
                // NV2080_ENGINE_TYPE_COPY0.. 9: bits 9..=18.
                engines: ((mask >> 9) & 0x3ff) as u32,
            },
            ce_works: [None; 32],
            tokens: GPU_JOBS_PER_SEC,
            refilled: Instant::now(),
            last_hang: None,
            reached: SubmitReached::default(),
        })
    }

    /// The summary line.
    pub(super) fn summary(&self) -> String {
        let r = &self.reached;
        format!(
            "fuzz: submission: {} channels, {} channels freed, {} jobs, {} jobs with pushes, {} jobs checked, {} sync objects, {} waits, {} sync objects shared, {} fence errors seen",
            r.channels, r.frees, r.jobs, r.gpu_jobs, r.checked, r.syncobjs, r.waits, r.shared, r.fence_errors
        )
    }

    /// Takes a token for a job that reaches the GPU, if there is one.
    fn token(&mut self) -> bool {
        let now = Instant::now();
        let dt = now.duration_since(self.refilled).as_secs_f64();
        self.refilled = now;
        self.tokens = (self.tokens + dt * GPU_JOBS_PER_SEC).min(GPU_JOBS_PER_SEC);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What a sync entry promises, in a request otherwise good.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Entry {
    Ok,
    Bad(u32),
    Unknown,
}

/// The errors EXEC may give for what the fuzzer cannot tell.
const X_ANY_EXEC: u32 = X_EINVAL | X_ENOENT | X_EFAULT;

impl Fuzz {
    /// One submission call.
    pub(super) fn submit_step(&mut self) {
        match self.rng.below(100) {
            0..=9 => self.channel_alloc(),
            10..=14 => self.channel_free(),
            15..=54 => self.exec(),
            55..=62 => self.syncobj_create(),
            63..=67 => self.syncobj_destroy(),
            68..=79 => self.syncobj_wait(),
            80..=87 => self.syncobj_cpu(),
            88..=92 => self.syncobj_share(),
            _ => self.fence_status(),
        }
    }

    /// Whether the model of file `fi`'s channels holds.
    fn channels_known(&self, fi: usize) -> bool {
        let f = &self.files[fi];
        !f.tainted && !f.sub.chan_tainted
    }

    /// Whether the model of file `fi`'s sync objects holds.
    fn syncobjs_known(&self, fi: usize) -> bool {
        let f = &self.files[fi];
        !f.tainted && !f.sub.sync_tainted
    }

    /// What sync object `h` of file `fi` holds: `Some(None)` no such
    /// object, `None` unknown.
    fn sync_state(&self, fi: usize, h: u32) -> Option<Option<Fence>> {
        if !self.syncobjs_known(fi) {
            return None;
        }
        let f = &self.files[fi].sub;
        Some(f.syncobjs.iter().find(|s| s.handle == h).map(|s| s.fence))
    }

    fn random_number(&mut self) -> u32 {
        match self.rng.below(3) {
            0 => self.rng.pick(&[0, 1, 2, 3, u32::MAX, 1 << 31, 0x7fff_ffff]),
            1 => self.rng.below(64) as u32,
            _ => self.rng.next() as u32,
        }
    }

    /// A channel number for file `fi`: one of its own, a freed one, or
    /// another.
    fn pick_channel(&mut self, fi: usize) -> u32 {
        let r = self.rng.below(100);
        let s = &self.files[fi].sub;
        if r < 80 && !s.channels.is_empty() {
            let i = self.rng.index(s.channels.len());
            return self.files[fi].sub.channels[i];
        }
        if r < 88 && !s.freed.is_empty() {
            let i = self.rng.index(s.freed.len());
            return self.files[fi].sub.freed[i];
        }
        self.random_number()
    }

    /// A sync object handle for file `fi`: one of its own, a destroyed
    /// one, another file's, or another number.
    fn pick_syncobj(&mut self, fi: usize) -> u32 {
        let r = self.rng.below(100);
        let s = &self.files[fi].sub;
        if r < 80 && !s.syncobjs.is_empty() {
            let i = self.rng.index(s.syncobjs.len());
            return self.files[fi].sub.syncobjs[i].handle;
        }
        if r < 86 && !s.destroyed.is_empty() {
            let i = self.rng.index(s.destroyed.len());
            return self.files[fi].sub.destroyed[i];
        }
        if r < 92 {
            let other = self.file_index();
            let o = &self.files[other].sub;
            if !o.syncobjs.is_empty() {
                let i = self.rng.index(o.syncobjs.len());
                return self.files[other].sub.syncobjs[i].handle;
            }
        }
        self.random_number()
    }

    /// A copy engine index: mostly one the GPU has.
    fn pick_ce(&mut self) -> u32 {
        let engines = self.sub.limits.engines;
        if engines != 0 && self.rng.chance(85) {
            let have: Vec<u32> = (0..10).filter(|n| engines & (1 << n) != 0).collect();
            return self.rng.pick(&have);
        }
        self.rng.pick(&[
            0,
            1,
            2,
            3,
            9,
            10,
            31,
            32,
            64,
            1 << 16,
            u32::MAX,
            0x8000_0009,
        ])
    }

    fn channel_alloc(&mut self) {
        let fi = self.file_index();
        let channel_max = self.sub.limits.channel_max as usize;
        let keep = channel_max.clamp(1, CHANNELS_KEPT);
        if self.files[fi].sub.channels.len() >= keep && channel_max > CHANNELS_KEPT {
            return self.channel_free();
        }
        let ce = self.pick_ce();
        let flags = if self.rng.chance(8) {
            self.rng.interesting() as u32 | 1
        } else {
            0
        };
        let mut c = drm::ChannelAlloc {
            copy_engine: ce,
            flags,
            channel: 0xdead,
            gpfifo_entries: 0xbeef,
        };
        let r = drm::channel_alloc_raw(&self.files[fi].file, &mut c);
        self.counts.record(&r);
        let e = errno(&r);
        let known = self.channels_known(fi);
        let vm = self.files[fi].vm;
        let held = self.files[fi].sub.channels.len();
        let has = ce < 32 && self.sub.limits.engines & (1 << ce) != 0;
        let works = if ce < 32 {
            self.sub.ce_works[ce as usize]
        } else {
            None
        };
        let mut errs = 0;
        if flags != 0 {
            errs |= X_EINVAL;
        }
        if vm == Vm::No {
            errs |= X_ENOENT;
        }
        if !has || works == Some(false) {
            errs |= X_ENODEV;
        }
        // Whether the GPU runs channels on an engine it has: the first
        // answer says (nothing else in the header may refuse it).
        let maybe_nodev = if has && works.is_none() { X_ENODEV } else { 0 };
        if known && held >= channel_max {
            errs |= X_EMFILE;
        }
        let unknown = !known || vm == Vm::Maybe;
        let expect = match (errs, unknown) {
            (0, false) if maybe_nodev != 0 => Expect::OkOr(maybe_nodev),
            (0, false) => Expect::Ok,
            (0, true) => Expect::Unknown,
            (s, false) => Expect::Fail(s | maybe_nodev),
            (s, true) => Expect::Fail(s | X_ENOENT | X_EMFILE | X_ENODEV),
        };
        self.check(
            &format!("CHANNEL_ALLOC(ce {ce}, flags {flags:#x})"),
            e,
            expect,
        );
        if has
            && flags == 0
            && vm == Vm::Yes
            && known
            && held < channel_max
            && (e == 0 || e == libc::ENODEV)
        {
            self.sub.ce_works[ce as usize] = Some(e == 0);
        }
        if r.is_ok() {
            self.sub.reached.channels += 1;
            let gp = u64::from(c.gpfifo_entries);
            if gp != self.sub.limits.gpfifo_entries {
                self.unexpected(format!(
                    "CHANNEL_ALLOC: a ring of {gp} entries, GETPARAM said {}",
                    self.sub.limits.gpfifo_entries
                ));
            }
            let s = &mut self.files[fi].sub;
            if s.channels.contains(&c.channel) && known {
                self.unexpected(format!(
                    "CHANNEL_ALLOC gave channel {}, which the file has",
                    c.channel
                ));
            }
            let s = &mut self.files[fi].sub;
            s.freed.retain(|&x| x != c.channel);
            s.channels.push(c.channel);
        }
    }

    fn channel_free(&mut self) {
        let fi = self.file_index();
        let ch = self.pick_channel(fi);
        let pad = if self.rng.chance(8) {
            self.rng.interesting() as u32 | 1
        } else {
            0
        };
        let r = drm::channel_free_raw(
            &self.files[fi].file,
            &mut drm::ChannelFree { channel: ch, pad },
        );
        self.counts.record(&r);
        let known = self.channels_known(fi);
        let has = self.files[fi].sub.channels.contains(&ch);
        let expect = match (known, has, pad) {
            (false, _, 0) => Expect::Unknown,
            (false, _, _) => Expect::Fail(X_EINVAL | X_ENOENT),
            (true, true, 0) => Expect::Ok,
            (true, true, _) => Expect::Fail(X_EINVAL),
            (true, false, 0) => Expect::Fail(X_ENOENT),
            (true, false, _) => Expect::Fail(X_EINVAL | X_ENOENT),
        };
        self.check(
            &format!("CHANNEL_FREE({ch}, pad {pad:#x})"),
            errno(&r),
            expect,
        );
        if r.is_ok() {
            self.sub.reached.frees += 1;
            let s = &mut self.files[fi].sub;
            s.channels.retain(|&x| x != ch);
            if s.freed.len() >= 16 {
                s.freed.remove(0);
            }
            s.freed.push(ch);
        }
    }

    /// File `fi`'s push object, made (and tracked as one of its objects)
    /// if need be, bound at its VA again: its VA, or `None` if that
    /// failed.
    fn push_object(&mut self, fi: usize) -> Option<u64> {
        if self.files[fi].vm != Vm::Yes {
            return None;
        }
        // The fuzzer may have closed its handle (the mapping keeps the
        // object, but it cannot be bound again).
        if let Some(p) = &self.files[fi].sub.push {
            if self.files[fi].obj(p.handle).is_none() {
                self.files[fi].sub.push = None;
            }
        }
        if self.files[fi].sub.push.is_none() {
            self.make_room(fi, PUSH_OBJ);
            let f = &self.files[fi].file;
            let h = drm::gem_create(
                f,
                GemCreate {
                    size: PUSH_OBJ,
                    domain: drm::DOMAIN_SYSTEM,
                    ..GemCreate::default()
                },
            );
            self.counts.record(&h);
            let h = h.ok()?;
            self.track(fi, h, PUSH_OBJ);
            let f = &self.files[fi].file;
            let info = drm::gem_info(f, h).ok()?;
            let map = Mapping::new(f, info.map_offset, PUSH_OBJ as usize).ok()?;
            // Into the VA range, away from its start (a hot region), and
            // below 2^40 (where pushes must be).
            let span = (self.va.end - self.va.start) / 2;
            let va = (self.va.start + span.min(1 << 38)) / (2 * MIB) * (2 * MIB) + 6 * MIB;
            if va + PUSH_OBJ > (1 << 40).min(self.va.end) {
                return None;
            }
            self.files[fi].sub.push = Some(PushObj {
                handle: h,
                va,
                map,
                next: 0,
            });
        }
        let p = self.files[fi].sub.push.as_ref()?;
        let (h, va) = (p.handle, p.va);
        let (_, r) = drm::vm_bind(&self.files[fi].file, &[drm::bind_map(h, va, PUSH_OBJ, 0)]);
        self.counts.record(&r);
        if let Some(o) = self.files[fi].objs.iter_mut().find(|o| o.handle == h) {
            o.bound = true;
        }
        r.ok().map(|_| va)
    }

    /// A program for a job in a slot of file `fi`'s push object (bound at
    /// `va`): the push naming it.
    fn push_program(&mut self, fi: usize, va: u64) -> Option<Push> {
        let mut p = PushBuf::new();
        let class = nvgsp_proto::copy::AMPERE_DMA_COPY_B;
        let hang_ok = self
            .sub
            .last_hang
            .is_none_or(|t| t.elapsed().as_secs() >= HANG_EVERY_SECS);
        // A semaphore word of the slot's own (the program goes to the
        // next slot), so jobs in flight together use different ones.
        let slot = self.files[fi]
            .sub
            .push
            .as_ref()
            .map_or(0, |p| p.next % SLOTS);
        let sem = va + PUSH_OBJ - 8 * (1 + slot as u64);
        match self.rng.below(100) {
            0..=34 => {
                // A copy inside the push object's copy area.
                p.set_object(CE_SUBCHANNEL, class);
                let len = 4 * (1 + self.rng.below(1024));
                let src = va + COPY_AREA + 4 * self.rng.below(1024);
                let dst = va + COPY_AREA + 4 * self.rng.below(1024);
                p.copy(src, dst, len.min(PUSH_OBJ - (src.max(dst) - va)));
            }
            35..=49 => {
                // A copy between random VAs (faults, mostly).
                p.set_object(CE_SUBCHANNEL, class);
                let len = 1 + self.rng.below(64 << 10);
                let (src, dst) = (self.gen_addr(len), self.gen_addr(len));
                p.copy(src, dst, len);
            }
            50..=64 => {
                // A release, then an acquire it satisfies; host methods.
                let payload = self.rng.next() as u32;
                p.inc(
                    HOST_SUBCHANNEL,
                    nvgsp_proto::host::method::SEM_ADDR_LO,
                    &[
                        sem as u32,
                        (sem >> 32) as u32 & 0xff,
                        payload,
                        0,
                        nvgsp_proto::host::sem_execute::RELEASE,
                    ],
                );
                p.end_group();
                p.sem_acquire(sem, payload);
                p.inc(
                    HOST_SUBCHANNEL,
                    nvgsp_proto::host::method::NON_STALL_INTERRUPT,
                    &[0],
                );
                p.inc(HOST_SUBCHANNEL, nvgsp_proto::host::method::WFI, &[0]);
                p.end_group();
            }
            65..=79 => {
                // Copy engine NOPs (on a subchannel an earlier job may or
                // may not have bound) and a host NOP as an immediate.
                if self.rng.chance(50) {
                    p.set_object(CE_SUBCHANNEL, class);
                }
                let n = 1 + self.rng.below(8) as u32;
                let mut w = vec![header(
                    SEC_OP_NON_INC,
                    CE_SUBCHANNEL,
                    nvgsp_proto::copy::method::NOP,
                    n,
                )];
                w.extend(std::iter::repeat_n(0, n as usize));
                w.push(header(
                    SEC_OP_IMMD,
                    HOST_SUBCHANNEL,
                    nvgsp_proto::host::method::NOP,
                    0,
                ));
                // OFFSET_IN_UPPER, then OFFSET_IN_LOWER.
                let upper = nvgsp_proto::copy::method::OFFSET_IN_UPPER;
                w.extend([header(SEC_OP_ONE_INC, CE_SUBCHANNEL, upper, 2), 0, 0]);
                p.raw(&w);
            }
            80..=98 => {
                // Random words.
                let n = 1 + self.rng.below(64) as usize;
                let w: Vec<u32> = (0..n).map(|_| self.rng.next() as u32).collect();
                p.raw(&w);
            }
            _ if hang_ok => {
                // An acquire that never comes: the job times out.
                self.sub.last_hang = Some(Instant::now());
                p.sem_acquire(sem, 0x0bad_0bad);
            }
            _ => p.raw(&[0]),
        }
        let words = p.words().to_vec();
        self.write_program(fi, va, &words)
    }

    /// Writes `words` into the next slot of file `fi`'s push object.
    fn write_program(&mut self, fi: usize, va: u64, words: &[u32]) -> Option<Push> {
        let push_max = self.sub.limits.push_max as usize;
        let p = self.files[fi].sub.push.as_mut()?;
        let slot = p.next % SLOTS;
        p.next += 1;
        let n = words.len().min(SLOT / 4).min(push_max / 4).max(1);
        let bytes: Vec<u8> = words[..n.min(words.len())]
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect();
        if bytes.is_empty() {
            return None;
        }
        p.map.write_at(slot * SLOT, &bytes);
        Some(drm::push(va + (slot * SLOT) as u64, bytes.len() as u32))
    }

    /// A push for a job of file `fi`: one that reaches the GPU (if a
    /// token allows: in the push object or at a random VA), or a
    /// malformed one; and what the header says of it.
    fn gen_push(&mut self, fi: usize) -> Option<(Push, Entry)> {
        let push_max = u64::from(self.sub.limits.push_max);
        if self.rng.chance(12) {
            let mut p = drm::push(
                self.gen_addr(4096) & !3,
                4 * (1 + self.rng.below(16)) as u32,
            );
            match self.rng.below(7) {
                0 => p.va |= 1 + self.rng.below(3),
                1 => p.va = (1 << 40) + 4 * self.rng.below(1024),
                2 => p.va = u64::MAX - 3,
                3 => p.va_len = 0,
                4 => p.va_len = 4 * (1 + self.rng.below(16)) as u32 + 1 + self.rng.below(3) as u32,
                5 => {
                    p.va_len = self
                        .rng
                        .pick(&[push_max + 4, u64::from(u32::MAX - 3), 1 << 30])
                        .min(u64::from(u32::MAX)) as u32;
                    if u64::from(p.va_len) <= push_max {
                        p.va_len = u32::MAX;
                    }
                }
                _ => p.flags = self.rng.interesting() as u32 | 1,
            }
            return Some((p, Entry::Bad(X_EINVAL)));
        }
        if !self.sub.token() {
            return None;
        }
        if self.rng.chance(70) {
            if let Some(va) = self.push_object(fi) {
                return self.push_program(fi, va).map(|p| (p, Entry::Ok));
            }
        }
        // At a random VA: unmapped (a fault), or a fuzzer object's pages
        // (zeros are NOPs; tags and random values are not).
        let len = 4 * (1 + self.rng.below((push_max / 4).clamp(1, 1024)));
        let va = self.gen_addr(len) & !3 & ((1 << 40) - 1);
        let va = if va + len > 1 << 40 { 0 } else { va };
        // One outside [va_start, va_end) (the kernel's VAs below): the
        // header says only "in this file's VA space, below 2^40".
        let inside = va >= self.va.start && va + len <= self.va.end;
        let verdict = if inside { Entry::Ok } else { Entry::Unknown };
        Some((drm::push(va, len as u32), verdict))
    }

    /// A wait or signal entry for file `fi`, what it promises, and (for a
    /// signal) what its object holds after the job; `model` is the
    /// objects' fences as the entries before left them.
    fn gen_sync(
        &mut self,
        fi: usize,
        wait: bool,
        model: &mut Vec<(u32, Fence)>,
    ) -> (SyncEntry, Entry) {
        let h = self.pick_syncobj(fi);
        let state = match self.sync_state(fi, h) {
            None => None,
            Some(None) => Some(None),
            Some(Some(f)) => Some(Some(
                model
                    .iter()
                    .rev()
                    .find(|(x, _)| *x == h)
                    .map_or(f, |&(_, f)| f),
            )),
        };
        let head = match state {
            Some(Some(Fence::Chain(p))) => p,
            _ => 0,
        };
        let r = self.rng.below(100);
        let mut e = if r < 4 {
            SyncEntry {
                flags: self.rng.pick(&[2, 3, 0x100, u32::MAX, 1 << 31]),
                handle: h,
                timeline_value: 0,
            }
        } else if r < 8 {
            let mut s = drm::sync_binary(h);
            s.timeline_value = 1 + self.rng.below(100);
            s
        } else if r < 11 {
            drm::sync_point(h, 0)
        } else if wait {
            match state {
                Some(Some(Fence::Chain(p))) if self.rng.chance(75) => {
                    let point = if self.rng.chance(90) {
                        1 + self.rng.below(p)
                    } else {
                        p + 1 + self.rng.below(4)
                    };
                    drm::sync_point(h, point)
                }
                _ if self.rng.chance(85) => drm::sync_binary(h),
                _ => drm::sync_point(h, 1 + self.rng.below(8)),
            }
        } else if self.rng.chance(50) {
            drm::sync_binary(h)
        } else if self.rng.chance(90) {
            drm::sync_point(h, head + 1 + self.rng.below(3))
        } else {
            drm::sync_point(h, self.rng.below(head + 1).max(1))
        };
        if self.rng.chance(2) {
            e.handle = self.random_number();
        }
        let fence = match self.sync_state(fi, e.handle) {
            None => None,
            Some(None) => Some(None),
            Some(Some(f)) => Some(Some(
                model
                    .iter()
                    .rev()
                    .find(|(x, _)| *x == e.handle)
                    .map_or(f, |&(_, f)| f),
            )),
        };
        // The entry's own form (`sync_point` in the driver, before the
        // object is looked up).
        let timeline = e.flags == drm::SYNC_TIMELINE_SYNCOBJ;
        let well_formed = match e.flags {
            drm::SYNC_SYNCOBJ => e.timeline_value == 0,
            // The header: a timeline entry at point 0 is malformed.
            drm::SYNC_TIMELINE_SYNCOBJ => e.timeline_value != 0,
            _ => false,
        };
        let point = if timeline { e.timeline_value } else { 0 };
        let verdict = match fence {
            // Malformed and no such object: the header leaves open which
            // is found first.
            Some(None) if !well_formed => Entry::Bad(X_EINVAL | X_ENOENT),
            Some(None) => Entry::Bad(X_ENOENT),
            _ if !well_formed => Entry::Bad(X_EINVAL),
            None => Entry::Unknown,
            Some(Some(f)) if wait => match f.has(point) {
                Some(true) => Entry::Ok,
                Some(false) => Entry::Bad(X_EINVAL),
                None => Entry::Unknown,
            },
            // A binary signal replaces whatever fence the object has.
            Some(Some(_)) if !timeline => Entry::Ok,
            // A point added out of order (at or below the head, or to an
            // object whose head is unknown): the header does not say.
            Some(Some(Fence::Chain(head))) if point <= head => Entry::Unknown,
            Some(Some(Fence::Unknown)) => Entry::Unknown,
            Some(Some(_)) => Entry::Ok,
        };
        if !wait {
            // What the object holds after the job, should EXEC succeed
            // (then every entry was well formed and named an object): the
            // job's fence in place of its own, or added as a point.
            let after = match fence {
                _ if !well_formed => Fence::Unknown,
                Some(Some(Fence::Unknown)) | None | Some(None) => Fence::Unknown,
                Some(Some(_)) if !timeline => Fence::Plain,
                Some(Some(f)) => f.add_point(point),
            };
            model.push((e.handle, after));
        }
        (e, verdict)
    }

    /// EXEC on a channel of a file, its lists in the scratch area: pushes
    /// at the first page, waits at the second, signals at the third (each
    /// followed by sparse random bytes), or at an address the kernel
    /// cannot read.
    fn exec(&mut self) {
        let fi = self.file_index();
        let channel = self.pick_channel(fi);
        let limits = self.sub.limits;
        let mut pushes = Vec::new();
        let mut push_verdicts = Vec::new();
        let n_push = match self.rng.below(100) {
            0..=54 => 0,
            55..=94 => 1,
            _ => 2 + self.rng.below(3) as usize,
        };
        for _ in 0..n_push.min(limits.max_push as usize).min(64) {
            if let Some((p, ok)) = self.gen_push(fi) {
                push_verdicts.push(ok);
                pushes.push(p);
            }
        }
        let mut model = Vec::new();
        let mut entries = Vec::new();
        let mut lists = [Vec::new(), Vec::new()];
        for (li, wait) in [(0, true), (1, false)] {
            let n = match self.rng.below(100) {
                0..=44 => 0,
                45..=84 => 1,
                _ => 2 + self.rng.below(3) as usize,
            };
            for _ in 0..n.min(limits.max_sync as usize).min(64) {
                let (e, v) = self.gen_sync(fi, wait, &mut model);
                lists[li].push(e);
                entries.push(v);
            }
        }
        let [waits, signals] = lists;
        // The scratch area: sparse random bytes, then the lists.
        self.scratch.fill(&mut self.rng, ARG_LEN, true);
        let base = self.scratch.arg();
        let at = [base, base.wrapping_add(4096), base.wrapping_add(8192)];
        // SAFETY: each list is at most 64 entries (1 KiB) at the start of
        // its own page of the argument pages, which only raw pointers
        // reach.
        unsafe {
            for (i, p) in pushes.iter().enumerate() {
                std::ptr::write_unaligned(at[0].add(i * ENTRY).cast::<Push>(), *p);
            }
            for (i, w) in waits.iter().enumerate() {
                std::ptr::write_unaligned(at[1].add(i * ENTRY).cast::<SyncEntry>(), *w);
            }
            for (i, s) in signals.iter().enumerate() {
                std::ptr::write_unaligned(at[2].add(i * ENTRY).cast::<SyncEntry>(), *s);
            }
        }
        let mut e = drm::Exec {
            channel,
            push_count: pushes.len() as u32,
            wait_count: waits.len() as u32,
            sig_count: signals.len() as u32,
            push_ptr: at[0] as u64,
            wait_ptr: at[1] as u64,
            sig_ptr: at[2] as u64,
            flags: 0,
            pad: 0,
        };
        // Bytes of each list's page and those after it, to the guard.
        let readable = [4 * PAGE, 3 * PAGE, 2 * PAGE];
        let mut unreadable = [false; 3];
        let mut beyond = false;
        let mut header_bad = false;
        match self.rng.below(100) {
            0..=85 => {}
            86..=90 => {
                // A list at an address the kernel cannot read.
                let which = self.rng.index(3);
                let addr = self.scratch.unreadable(&mut self.rng, 16);
                match which {
                    0 => e.push_ptr = addr,
                    1 => e.wait_ptr = addr,
                    _ => e.sig_ptr = addr,
                }
                unreadable[which] = true;
            }
            91..=94 => {
                // Entries past those given: the random bytes after them.
                match self.rng.below(3) {
                    0 => e.push_count += 1 + self.rng.below(3) as u32,
                    1 => e.wait_count += 1 + self.rng.below(3) as u32,
                    _ => e.sig_count += 1 + self.rng.below(3) as u32,
                }
                beyond = true;
            }
            _ => {
                // Counts past the limits.
                let big = |rng: &mut Rng, max: u32| {
                    rng.pick(&[
                        max.saturating_add(1),
                        max.saturating_add(7),
                        u32::MAX,
                        1 << 31,
                        1 << 20,
                    ])
                };
                match self.rng.below(3) {
                    0 => e.push_count = big(&mut self.rng, limits.max_push),
                    1 => e.wait_count = big(&mut self.rng, limits.max_sync),
                    _ => e.sig_count = big(&mut self.rng, limits.max_sync),
                }
                header_bad = true;
            }
        }
        // Empty job, bad channel number and so on; the job runs on the GPU
        // if it has pushes and all is well.
        let r = drm::exec_raw(&self.files[fi].file, &mut e);
        self.counts.record(&r);
        let got = errno(&r);
        // What the header promises.
        let counts = [e.push_count, e.wait_count, e.sig_count];
        let mut errs = 0;
        let mut unknown = false;
        if header_bad {
            errs |= X_EINVAL;
        }
        for i in 0..3 {
            let bytes = u64::from(counts[i]) * ENTRY as u64;
            if counts[i] > 0 && (unreadable[i] || bytes > readable[i]) {
                errs |= X_EFAULT;
            }
        }
        if beyond {
            unknown = true;
        }
        if !self.channels_known(fi) {
            unknown = true;
        } else if !self.files[fi].sub.channels.contains(&channel) {
            errs |= X_ENOENT;
        }
        for v in push_verdicts.iter().chain(&entries) {
            match v {
                Entry::Ok => {}
                Entry::Bad(s) => errs |= s,
                Entry::Unknown => unknown = true,
            }
        }
        let expect = match (errs, unknown) {
            (0, false) => Expect::Ok,
            (0, true) => Expect::Unknown,
            (s, false) => Expect::Fail(s),
            (s, true) => Expect::Fail(s | X_ANY_EXEC),
        };
        if !matches!(expect, Expect::Unknown) {
            self.sub.reached.checked += 1;
        }
        self.check(
            &format!(
                "EXEC(channel {channel}, {} pushes, {} waits, {} signals; {:?} {:?} {:?})",
                e.push_count, e.wait_count, e.sig_count, pushes, waits, signals
            ),
            got,
            expect,
        );
        if got != 0 {
            return;
        }
        self.sub.reached.jobs += 1;
        if !pushes.is_empty() {
            self.sub.reached.gpu_jobs += 1;
        }
        // The signals' objects hold the job's fence now (if the model
        // holds at all).
        let s = &mut self.files[fi].sub;
        for (h, after) in model {
            if let Some(o) = s.syncobjs.iter_mut().find(|o| o.handle == h) {
                if o.fence != Fence::Unknown {
                    o.fence = after;
                }
            }
        }
        if beyond {
            // Entries the fuzzer did not write may have signalled any
            // object.
            s.sync_tainted = true;
        }
    }

    fn syncobj_create(&mut self) {
        let fi = self.file_index();
        if self.files[fi].sub.syncobjs.len() >= SYNCOBJS_KEPT {
            return self.syncobj_destroy();
        }
        let flags = match self.rng.below(100) {
            0..=59 => 0,
            60..=94 => syncobj::CREATE_SIGNALED,
            _ => self.rng.interesting() as u32 | 2,
        };
        let r = syncobj::create(&self.files[fi].file, flags);
        self.counts.record(&r);
        let expect = if flags & !syncobj::CREATE_SIGNALED != 0 {
            Expect::Fail(X_EINVAL)
        } else {
            Expect::Ok
        };
        self.check(
            &format!("SYNCOBJ_CREATE(flags {flags:#x})"),
            errno(&r),
            expect,
        );
        let Ok(h) = r else { return };
        self.sub.reached.syncobjs += 1;
        let s = &mut self.files[fi].sub;
        if s.syncobjs.iter().any(|o| o.handle == h) {
            s.sync_tainted = true;
        }
        s.destroyed.retain(|&x| x != h);
        s.syncobjs.push(SyncObj {
            handle: h,
            fence: if flags & syncobj::CREATE_SIGNALED != 0 {
                Fence::Plain
            } else {
                Fence::None
            },
        });
    }

    fn syncobj_destroy(&mut self) {
        let fi = self.file_index();
        let h = self.pick_syncobj(fi);
        let pad = if self.rng.chance(8) {
            self.rng.interesting() as u32 | 1
        } else {
            0
        };
        let mut d = [h, pad];
        // SAFETY: `d` is a live `struct drm_syncobj_destroy`, the size the
        // request encodes.
        let r = unsafe {
            drm::raw_ioctl(
                &self.files[fi].file,
                request::SYNCOBJ_DESTROY,
                d.as_mut_ptr().cast(),
            )
        };
        self.counts.record(&r);
        // DRM: EINVAL for padding and for an unknown handle alike.
        let expect = match (self.sync_state(fi, h), pad) {
            (Some(Some(_)), 0) => Expect::Ok,
            (_, p) if p != 0 => Expect::Fail(X_EINVAL),
            (Some(None), _) => Expect::Fail(X_EINVAL),
            _ => Expect::Unknown,
        };
        self.check(
            &format!("SYNCOBJ_DESTROY({h}, pad {pad:#x})"),
            errno(&r),
            expect,
        );
        if r.is_ok() {
            let s = &mut self.files[fi].sub;
            s.syncobjs.retain(|o| o.handle != h);
            if s.destroyed.len() >= 16 {
                s.destroyed.remove(0);
            }
            s.destroyed.push(h);
        }
    }

    /// A wait (binary or timeline) of a few objects, polling or for at
    /// most 2 ms.
    fn syncobj_wait(&mut self) {
        let fi = self.file_index();
        let n = 1 + self.rng.below(4) as usize;
        let timeline = self.rng.chance(50);
        let mut handles = Vec::with_capacity(n);
        let mut points = Vec::with_capacity(n);
        for _ in 0..n {
            let h = self.pick_syncobj(fi);
            let p = match self.sync_state(fi, h) {
                Some(Some(Fence::Chain(p))) if timeline && self.rng.chance(85) => {
                    1 + self.rng.below(p)
                }
                _ if timeline && self.rng.chance(20) => 1 + self.rng.below(8),
                _ => 0,
            };
            handles.push(h);
            points.push(p);
        }
        let flags = match self.rng.below(10) {
            0..=3 => 0,
            4..=6 => syncobj::WAIT_ALL,
            7 => syncobj::WAIT_FOR_SUBMIT,
            8 => syncobj::WAIT_ALL | syncobj::WAIT_FOR_SUBMIT,
            _ => self.rng.pick(&[
                syncobj::WAIT_AVAILABLE,
                syncobj::WAIT_DEADLINE,
                1 << 4,
                u32::MAX,
            ]),
        };
        let timeout = if self.rng.chance(60) {
            0
        } else {
            syncobj::deadline(Duration::from_micros(self.rng.below(2000)))
        };
        let r = if timeline {
            let mut w = syncobj::TimelineWait {
                handles: handles.as_ptr() as u64,
                points: points.as_ptr() as u64,
                timeout_nsec: timeout,
                count_handles: n as u32,
                flags,
                deadline_nsec: syncobj::deadline(Duration::from_micros(100)) as u64,
                ..syncobj::TimelineWait::default()
            };
            syncobj::timeline_wait_raw(&self.files[fi].file, &mut w)
        } else {
            let mut w = syncobj::Wait {
                handles: handles.as_ptr() as u64,
                timeout_nsec: timeout,
                count_handles: n as u32,
                flags,
                deadline_nsec: syncobj::deadline(Duration::from_micros(100)) as u64,
                ..syncobj::Wait::default()
            };
            syncobj::wait_raw(&self.files[fi].file, &mut w)
        };
        self.counts.record(&r);
        let valid = syncobj::WAIT_ALL
            | syncobj::WAIT_FOR_SUBMIT
            | syncobj::WAIT_DEADLINE
            | if timeline { syncobj::WAIT_AVAILABLE } else { 0 };
        let mut errs = 0;
        let mut unknown = false;
        if flags & !valid != 0 {
            errs |= X_EINVAL;
        }
        let submit = flags & (syncobj::WAIT_FOR_SUBMIT | syncobj::WAIT_AVAILABLE) != 0;
        for (&h, &p) in handles.iter().zip(&points) {
            match self.sync_state(fi, h) {
                None | Some(Some(Fence::Unknown)) => unknown = true,
                Some(None) => errs |= X_ENOENT,
                Some(Some(f)) => {
                    if f.has(p) == Some(false) && !submit {
                        errs |= X_EINVAL;
                    }
                }
            }
        }
        let expect = match (errs, unknown) {
            (0, false) => Expect::OkOr(X_ETIME),
            (0, true) => Expect::Unknown,
            (s, false) => Expect::Fail(s),
            (s, true) => Expect::Fail(s | X_ENOENT | X_EINVAL),
        };
        self.check(
            &format!(
                "SYNCOBJ_{}WAIT({handles:?} {points:?}, flags {flags:#x})",
                if timeline { "TIMELINE_" } else { "" }
            ),
            errno(&r),
            expect,
        );
        if r.is_ok() {
            self.sub.reached.waits += 1;
        }
    }

    /// SIGNAL, RESET or TIMELINE_SIGNAL of a few objects by the CPU.
    fn syncobj_cpu(&mut self) {
        let fi = self.file_index();
        let n = 1 + self.rng.below(3) as usize;
        let handles: Vec<u32> = (0..n).map(|_| self.pick_syncobj(fi)).collect();
        let what = self.rng.below(3);
        let mut points = Vec::new();
        let r = match what {
            0 => syncobj::signal(&self.files[fi].file, &handles),
            1 => syncobj::reset(&self.files[fi].file, &handles),
            _ => {
                for &h in &handles {
                    let head = match self.sync_state(fi, h) {
                        Some(Some(Fence::Chain(p))) => p,
                        _ => 0,
                    };
                    points.push(head + 1 + self.rng.below(2));
                }
                syncobj::timeline_signal(&self.files[fi].file, &handles, &points)
            }
        };
        self.counts.record(&r);
        // (`count_handles` is never 0 here, the one EINVAL these have.)
        let states: Vec<_> = handles.iter().map(|&h| self.sync_state(fi, h)).collect();
        let expect = if states.iter().any(|s| s.is_none()) {
            Expect::Unknown
        } else if states.contains(&Some(None)) {
            Expect::Fail(X_ENOENT)
        } else {
            Expect::Ok
        };
        self.check(
            &format!(
                "SYNCOBJ {} of {handles:?} {points:?}",
                ["SIGNAL", "RESET", "TIMELINE_SIGNAL"][what as usize]
            ),
            errno(&r),
            expect,
        );
        // SIGNAL gives the objects their fences one by one and stops at
        // the first it cannot allocate (ENOMEM): those before it have
        // one. The others change nothing when they fail (the objects are
        // looked up and every allocation made first).
        let partly = what == 0 && errno(&r) == libc::ENOMEM;
        if r.is_err() && !partly {
            return;
        }
        let s = &mut self.files[fi].sub;
        // In order: a handle may be named twice.
        for (i, &h) in handles.iter().enumerate() {
            if let Some(o) = s.syncobjs.iter_mut().find(|o| o.handle == h) {
                o.fence = match what {
                    _ if partly => Fence::Unknown,
                    _ if o.fence == Fence::Unknown => Fence::Unknown,
                    0 => Fence::Plain,
                    1 => Fence::None,
                    _ => o.fence.add_point(points[i]),
                };
            }
        }
    }

    /// A sync object of one file exported and imported into another (or
    /// the same): both handles name one object, whose fence the model no
    /// longer follows.
    fn syncobj_share(&mut self) {
        let from = self.file_index();
        let to = self.file_index();
        let h = self.pick_syncobj(from);
        let r = syncobj::export(&self.files[from].file, h);
        self.counts.record(&r);
        let expect = match self.sync_state(from, h) {
            Some(Some(_)) => Expect::Ok,
            Some(None) => Expect::Fail(X_ENOENT | X_EINVAL),
            None => Expect::Unknown,
        };
        self.check(&format!("SYNCOBJ_HANDLE_TO_FD({h})"), errno(&r), expect);
        let Ok(fd) = r else { return };
        let r = syncobj::import(&self.files[to].file, &fd);
        self.counts.record(&r);
        self.check(
            "SYNCOBJ_FD_TO_HANDLE of a sync object file",
            errno(&r),
            Expect::Ok,
        );
        let Ok(new) = r else { return };
        self.sub.reached.shared += 1;
        for (fi, handle) in [(from, h), (to, new)] {
            let s = &mut self.files[fi].sub;
            match s.syncobjs.iter_mut().find(|o| o.handle == handle) {
                Some(o) => o.fence = Fence::Unknown,
                None => {
                    s.destroyed.retain(|&x| x != handle);
                    s.syncobjs.push(SyncObj {
                        handle,
                        fence: Fence::Unknown,
                    });
                }
            }
        }
    }

    /// The fence of an object (or of a timeline point) as a sync file, and
    /// what it says.
    fn fence_status(&mut self) {
        let fi = self.file_index();
        let h = self.pick_syncobj(fi);
        let state = self.sync_state(fi, h);
        let point = match state {
            Some(Some(Fence::Chain(p))) if self.rng.chance(70) => 1 + self.rng.below(p),
            _ if self.rng.chance(10) => 1 + self.rng.below(8),
            _ => 0,
        };
        let r = syncobj::export_sync_file(&self.files[fi].file, h, point);
        self.counts.record(&r);
        // `drm_syncobj_export_sync_file`: ENOENT for no object, EINVAL for
        // no fence at that point.
        let expect = match state {
            None => Expect::Unknown,
            Some(None) => Expect::Fail(X_ENOENT),
            Some(Some(f)) => match f.has(point) {
                Some(true) => Expect::Ok,
                Some(false) => Expect::Fail(X_EINVAL),
                None => Expect::Unknown,
            },
        };
        self.check(
            &format!("SYNCOBJ_HANDLE_TO_FD({h}, sync file of point {point})"),
            errno(&r),
            expect,
        );
        let Ok(fd) = r else { return };
        let r = syncobj::sync_file_fences(&fd);
        self.counts.record(&r);
        self.check("SYNC_IOC_FILE_INFO", errno(&r), Expect::Ok);
        if let Ok(fences) = r {
            if fences
                .iter()
                .any(|f| matches!(f.status, drm::FenceStatus::Error(_)))
            {
                self.sub.reached.fence_errors += 1;
            }
        }
    }

    /// The child's own file `fi`: a channel and a few jobs left running
    /// when it is killed.
    pub(super) fn child_jobs(&mut self, fi: usize) {
        let engines = self.sub.limits.engines;
        let Some(ce) = (0..10).find(|n| engines & (1 << n) != 0) else {
            return;
        };
        let Ok(ch) = drm::channel_alloc(&self.files[fi].file, ce) else {
            return;
        };
        self.files[fi].sub.channels.push(ch.channel);
        let Ok(s) = syncobj::create(&self.files[fi].file, 0) else {
            return;
        };
        self.files[fi].sub.syncobjs.push(SyncObj {
            handle: s,
            fence: Fence::None,
        });
        for i in 0..1 + self.rng.below(4) {
            let pushes: Vec<Push> = if i == 0 {
                self.push_object(fi)
                    .and_then(|va| self.push_program(fi, va))
                    .into_iter()
                    .collect()
            } else {
                Vec::new()
            };
            let waits: Vec<SyncEntry> = if i > 0 {
                vec![drm::sync_point(s, i)]
            } else {
                Vec::new()
            };
            let r = drm::exec(
                &self.files[fi].file,
                ch.channel,
                &pushes,
                &waits,
                &[drm::sync_point(s, i + 1)],
            );
            self.counts.record(&r);
            if r.is_err() {
                break;
            }
            // The object has the job's fence as point i + 1 now.
            if let Some(o) = self.files[fi]
                .sub
                .syncobjs
                .iter_mut()
                .find(|o| o.handle == s)
            {
                o.fence = o.fence.add_point(i + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Fence;

    #[test]
    fn waits_find_what_drm_syncobj_finds() {
        assert_eq!(Fence::None.has(0), Some(false));
        assert_eq!(Fence::Plain.has(0), Some(true));
        assert_eq!(Fence::Plain.has(1), Some(false));
        assert_eq!(Fence::Chain(3).has(0), Some(true));
        assert_eq!(Fence::Chain(3).has(3), Some(true));
        assert_eq!(Fence::Chain(3).has(4), Some(false));
        assert_eq!(Fence::Unknown.has(0), None);
    }

    #[test]
    fn points_added_as_dma_fence_chain_init_adds_them() {
        assert_eq!(Fence::None.add_point(5), Fence::Chain(5));
        assert_eq!(Fence::Plain.add_point(2), Fence::Chain(2));
        assert_eq!(Fence::Chain(2).add_point(5), Fence::Chain(5));
        // Out of order: the head keeps the higher number.
        assert_eq!(Fence::Chain(5).add_point(4), Fence::Chain(5));
        assert_eq!(Fence::Chain(5).add_point(4).has(5), Some(true));
        assert_eq!(Fence::Unknown.add_point(1), Fence::Unknown);
    }
}
