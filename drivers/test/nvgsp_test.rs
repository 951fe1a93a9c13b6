// SPDX-License-Identifier: GPL-2.0

//! nvgsp_test: a test-only client of nvgsp_core, for the scenarios that
//! drive the client API directly (resource partitioning).
//!
//! It binds the auxiliary devices of both client kinds,
//! `nvgsp_core.{drm,vfio}.<id>`, in place of `nvgsp_drm` and `nvgsp_vfio`,
//! so its allocations count against those kinds' shares. It is never
//! installed for MODALIAS loading; tests `insmod` it. Each bound device
//! gets `/sys/kernel/debug/<auxiliary device>/ctl`:
//!
//! - write `vram SIZE [ALIGN]`, `fill-vram SIZE`, `channel`,
//!   `channel-object [ceN]` (a channel ID and its GPFIFO object in GSP-RM,
//!   on the graphics engine or copy engine N), `submit N` (N empty jobs
//!   on the last channel, waited for: how many, and how many non-stall
//!   interrupts its watcher heard),
//!   `fill-channels`, `free-vram`, `free-channels`,
//!   `subscribe NOTIFIER [hold]` (`hold`: the handler holds on to its
//!   first event until `release`), `release`, `subscribe-errors` (channel
//!   errors of the client's channels), `subscribe-gsp` (GSP-RM's error
//!   reports, ucode prints and shadow fault buffer notices), `unsubscribe`
//!   or `free`;
//! - write `load N`: N rounds of a NULL control, a 64 KiB VRAM allocation
//!   and a channel with its GPFIFO object, each freed again, counting
//!   what succeeded and the errors by errno (without holding the state, so
//!   it runs next to other commands); `clear-load` zeroes the counts;
//!   `ping` makes and drops a notifier subscription (RPCs that are not
//!   NULL controls, which the emulator's faults hit); `fail-reset`: the next reset's
//!   `done` fails, so the core unbinds this client; `keep`: at unbind, a
//!   clone of the GPU handle is kept on a work item until the core has
//!   unbound too, and what it then answers is logged;
//! - read the client's RM client handle, the reset notifications (prepare, done, GPFIFO objects rebuilt
//!   in `done`), the load counts, the holdings, the events received (count, numbering errors,
//!   first and last arrival) and the last command's result: `ok ...` or
//!   `error ERRNO` (a fill reports how many it got and the errno that
//!   stopped it).
//!
//! Events are checked against the numbering of the emulator's bursts:
//! each carries its number in `data` and in its 4 bytes of payload.

use kernel::{
    auxiliary,
    debugfs::{
        Dir,
        File, //
    },
    device::Core,
    new_mutex,
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc,
        Mutex, //
    },
    time::{
        Instant,
        Monotonic, //
    },
    uaccess::UserSliceReader, //
};

use nvgsp_core::client::{
    self,
    Channel,
    ChannelWatcher,
    ClientData,
    Engine,
    Event,
    EventHandler,
    EventKind,
    EventKinds,
    Gpu,
    Notifier,
    Placement,
    ResetHandler,
    ResetNotifier,
    Subscription,
    VaSpace,
    Vram,
    What, //
};

/// What the event handler saw.
struct Counter {
    start: Instant<Monotonic>,
    count: Atomic<u64>,
    /// The number the next event must carry.
    next: Atomic<u32>,
    /// Events out of numbering order, or whose payload disagrees.
    errors: Atomic<u64>,
    first_ns: Atomic<u64>,
    last_ns: Atomic<u64>,
    /// Set while the handler is to hold on to its first event (a stalled
    /// subscriber), until `release` or five minutes pass.
    hold: Atomic<bool>,
}

/// The handler the test client subscribes with.
struct Recorder(Arc<Counter>);

impl EventHandler for Recorder {
    fn event(&self, e: &Event) {
        let c = &self.0;
        let ns = c.start.elapsed().as_nanos() as u64;
        if c.count.fetch_add(1, Relaxed) == 0 {
            c.first_ns.store(ns, Relaxed);
            let held_since = Instant::<Monotonic>::now();
            while c.hold.load(Relaxed) && held_since.elapsed() < kernel::time::Delta::from_secs(300)
            {
                kernel::time::delay::fsleep(kernel::time::Delta::from_millis(10));
            }
        }
        c.last_ns.store(ns, Relaxed);
        let want = c.next.load(Relaxed);
        let What::Notify { data, .. } = e.what else {
            c.errors.fetch_add(1, Relaxed);
            return;
        };
        if data != want || e.payload() != data.to_le_bytes() {
            c.errors.fetch_add(1, Relaxed);
        }
        c.next.store(data.wrapping_add(1), Relaxed);
    }
}

/// The channel errors the client was told about.
struct Faults {
    count: Atomic<u64>,
    /// The last one's Xid, channel, channel object and MMU fault address.
    xid: Atomic<u32>,
    chid: Atomic<u32>,
    object: Atomic<u32>,
    addr: Atomic<u64>,
}

/// The handler of `subscribe-errors`.
struct FaultRecorder(Arc<Faults>);

impl EventHandler for FaultRecorder {
    fn event(&self, e: &Event) {
        let f = &self.0;
        let What::RcError {
            xid,
            channel,
            fault,
        } = e.what
        else {
            return;
        };
        f.xid.store(xid.0, Relaxed);
        f.chid.store(channel, Relaxed);
        f.object.store(e.object.raw(), Relaxed);
        f.addr.store(fault.map_or(0, |f| f.address), Relaxed);
        f.count.fetch_add(1, Relaxed);
    }
}

/// What `subscribe-gsp` saw: counts by kind, the last error report's
/// Xid, channel and channel object, and the last print.
#[pin_data]
struct GspNotes {
    logs: Atomic<u64>,
    log_xid: Atomic<u32>,
    log_chid: Atomic<u32>,
    log_object: Atomic<u32>,
    prints: Atomic<u64>,
    faults_queued: Atomic<u64>,
    #[pin]
    print: Mutex<KVec<u8>>,
}

/// The handler of `subscribe-gsp`.
struct GspRecorder(Arc<GspNotes>);

impl EventHandler for GspRecorder {
    fn event(&self, e: &Event) {
        let n = &self.0;
        match e.what {
            What::GspLog { xid, channel } => {
                n.log_xid.store(xid.0, Relaxed);
                // No channel reads as GSP-RM spells it: INVALID_CHID, all ones.
                n.log_chid.store(channel.unwrap_or(u32::MAX), Relaxed);
                n.log_object.store(e.object.raw(), Relaxed);
                n.logs.fetch_add(1, Relaxed);
            }
            What::GspPrint { .. } => {
                let mut p = n.print.lock();
                p.clear();
                let _ = p.extend_from_slice(e.payload(), GFP_KERNEL);
                n.prints.fetch_add(1, Relaxed);
            }
            What::FaultQueued => {
                n.faults_queued.fetch_add(1, Relaxed);
            }
            _ => {}
        }
    }
}

/// What the reset handler saw.
struct Resets {
    prepares: Atomic<u32>,
    dones: Atomic<u32>,
    /// GPFIFO objects made again in `done`.
    rebuilt: Atomic<u32>,
    /// Make the next `done` fail.
    fail: Atomic<bool>,
}

/// The client's reset handler: rebuilds its channels' GPFIFO objects.
/// (The state does not hold the handler's registration, `TestClient`
/// does: the handler may hold the state.)
struct Resetter {
    state: Arc<State>,
}

impl ResetHandler for Resetter {
    fn prepare(&self, _gpu: &Gpu) {
        self.state.resets.prepares.fetch_add(1, Relaxed);
    }

    fn done(&self, _gpu: &Gpu) -> Result {
        let counts = &self.state.resets;
        counts.dones.fetch_add(1, Relaxed);
        if counts.fail.xchg(false, Relaxed) {
            return Err(EIO);
        }
        let mut held = self.state.held.lock();
        let Some(vaspace) = held.vaspace.clone() else {
            return Ok(());
        };
        for c in held.channels.iter_mut() {
            if let (true, Some(engine)) = (c.has_gpfifo(), c.engine()) {
                match c.create_gpfifo(engine, &vaspace) {
                    Ok(_) => {
                        counts.rebuilt.fetch_add(1, Relaxed);
                    }
                    // Made again already (a command after the gate opened).
                    Err(e) if e == EBUSY => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

/// A handler that ignores its events (`ping`).
struct Ignore;

impl EventHandler for Ignore {
    fn event(&self, _: &Event) {}
}

/// Outcomes of `load` operations.
struct LoadCounts {
    ok: Atomic<u64>,
    eagain: Atomic<u64>,
    enodev: Atomic<u64>,
    etimedout: Atomic<u64>,
    other: Atomic<u64>,
}

impl LoadCounts {
    fn count<T>(&self, r: &Result<T>) {
        let c = match r {
            Ok(_) => &self.ok,
            Err(e) if *e == EAGAIN => &self.eagain,
            Err(e) if *e == ENODEV => &self.enodev,
            Err(e) if *e == ETIMEDOUT => &self.etimedout,
            Err(_) => &self.other,
        };
        c.fetch_add(1, Relaxed);
        if r.is_err() {
            // Back off: let the core's recovery have the CPU.
            kernel::time::delay::fsleep(kernel::time::Delta::from_millis(20));
        }
    }
}

/// One round of `load`.
fn load_round(gpu: &Gpu, n: &LoadCounts) {
    n.count(&gpu.ping());
    n.count(&gpu.alloc_vram(64 << 10, 0, Placement::Any));
    match gpu.alloc_channel() {
        Ok(mut c) => n.count(
            &gpu.alloc_vaspace()
                .and_then(|vaspace| c.create_gpfifo(Engine::GRAPHICS, &vaspace)),
        ),
        Err(e) => n.count::<()>(&Err(e)),
    }
}

/// What one bound client holds.
struct Held {
    /// The VA space of the channels with objects, made with the first.
    vaspace: Option<VaSpace>,
    vram: KVec<Vram>,
    channels: KVec<Channel>,
    subscriptions: KVec<Subscription>,
    counter: Option<Arc<Counter>>,
    faults: Option<Arc<Faults>>,
    gsp: Option<Arc<GspNotes>>,
    /// Counts the non-stall interrupts the last channel `submit` used was
    /// told of.
    progress: Option<Arc<Progress>>,
    /// The last command's result.
    last: (i64, i64, i32),
}

/// Counts what a channel's watcher hears.
struct Progress {
    calls: Atomic<u64>,
}

impl ChannelWatcher for Progress {
    fn progress(&self) {
        self.calls.fetch_add(1, Relaxed);
    }
}

/// Submits `n` empty jobs (the core's completion release alone) to `c`,
/// each as soon as the ring has room, and waits until the last is done:
/// returns how many were done and how many non-stall interrupts the
/// channel's watcher was told of, or the errno that stopped it.
fn submit_empty(c: &mut Channel, progress: &mut Option<Arc<Progress>>, n: u64) -> (i64, i64, i32) {
    let watcher = match progress {
        Some(p) => p.clone(),
        None => {
            let p = match Arc::new(
                Progress {
                    calls: Atomic::new(0),
                },
                GFP_KERNEL,
            ) {
                Ok(p) => p,
                Err(e) => return (-1, 0, errno(e.into())),
            };
            if let Err(e) = c.watch(p.clone()) {
                return (-1, 0, errno(e));
            }
            *progress = Some(p.clone());
            p
        }
    };
    let before = watcher.calls.load(Relaxed);
    let mut last = 0;
    for _ in 0..n {
        let mut tries = 0;
        last = loop {
            match c.submit(&[]) {
                Ok(seq) => break seq,
                Err(e) if e == EBUSY && tries < 2000 => {
                    tries += 1;
                    kernel::time::delay::fsleep(kernel::time::Delta::from_millis(1));
                }
                Err(e) => return (-1, 0, errno(e)),
            }
        };
    }
    for _ in 0..5000 {
        if c.completed() >= last {
            let heard = watcher.calls.load(Relaxed) - before;
            return (
                i64::try_from(n).unwrap_or(-1),
                i64::try_from(heard).unwrap_or(-1),
                0,
            );
        }
        kernel::time::delay::fsleep(kernel::time::Delta::from_millis(1));
    }
    (-1, 0, errno(ETIMEDOUT))
}

/// One bound client: its GPU handle and holdings.
#[pin_data]
struct State {
    resets: Resets,
    /// Keep a handle past the unbind (`keep`).
    keep: Atomic<bool>,
    load: LoadCounts,
    gpu: Gpu,
    #[pin]
    held: Mutex<Held>,
}

/// The `ctl` file's data: the state of the device it belongs to.
struct Ctl(Arc<State>);

impl Ctl {
    fn state(&self) -> &State {
        &self.0
    }
}

fn errno(e: Error) -> i32 {
    e.to_errno()
}

fn show(ctl: &Ctl, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
    let state = ctl.state();
    writeln!(f, "rm_client: {:#x}", state.gpu.rm_client())?;
    let r = &state.resets;
    writeln!(
        f,
        "resets: prepare {} done {} rebuilt {}",
        r.prepares.load(Relaxed),
        r.dones.load(Relaxed),
        r.rebuilt.load(Relaxed)
    )?;
    let l = &state.load;
    writeln!(
        f,
        "load: ok {} eagain {} enodev {} etimedout {} other {}",
        l.ok.load(Relaxed),
        l.eagain.load(Relaxed),
        l.enodev.load(Relaxed),
        l.etimedout.load(Relaxed),
        l.other.load(Relaxed)
    )?;
    let held = state.held.lock();
    let bytes: u64 = held.vram.iter().map(|v| v.size()).sum();
    writeln!(f, "vram_allocs: {}", held.vram.len())?;
    writeln!(f, "vram_bytes: {bytes}")?;
    writeln!(f, "channels: {}", held.channels.len())?;
    writeln!(f, "subscriptions: {}", held.subscriptions.len())?;
    if let Some(c) = &held.counter {
        writeln!(
            f,
            "events: {} errors: {} first_ns: {} last_ns: {}",
            c.count.load(Relaxed),
            c.errors.load(Relaxed),
            c.first_ns.load(Relaxed),
            c.last_ns.load(Relaxed)
        )?;
    }
    if let Some(x) = &held.faults {
        writeln!(
            f,
            "channel_errors: {} xid: {} chid: {} object: {:#x} addr: {:#x}",
            x.count.load(Relaxed),
            x.xid.load(Relaxed),
            x.chid.load(Relaxed),
            x.object.load(Relaxed),
            x.addr.load(Relaxed)
        )?;
    }
    if let Some(n) = &held.gsp {
        writeln!(
            f,
            "gsp: logs {} xid {} chid {:#x} object {:#x} prints {} faults_queued {} print: {}",
            n.logs.load(Relaxed),
            n.log_xid.load(Relaxed),
            n.log_chid.load(Relaxed),
            n.log_object.load(Relaxed),
            n.prints.load(Relaxed),
            n.faults_queued.load(Relaxed),
            core::str::from_utf8(&n.print.lock()).unwrap_or("(not text)")
        )?;
    }
    match held.last {
        (a, b, 0) => writeln!(f, "last: ok {a} {b}"),
        (n, _, e) if n >= 0 => writeln!(f, "last: ok {n} error {e}"),
        (_, _, e) => writeln!(f, "last: error {e}"),
    }
}

fn number(s: Option<&str>) -> Result<u64> {
    let s = s.ok_or(EINVAL)?;
    let (digits, shift) = match s.as_bytes().last() {
        Some(b'K') => (&s[..s.len() - 1], 10),
        Some(b'M') => (&s[..s.len() - 1], 20),
        Some(b'G') => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    let n: u64 = digits.parse().map_err(|_| EINVAL)?;
    n.checked_mul(1 << shift).ok_or(EINVAL)
}

fn command(ctl: &Ctl, r: &mut UserSliceReader) -> Result {
    let mut buf = [0u8; 64];
    let n = r.len().min(buf.len());
    r.read_slice(&mut buf[..n])?;
    let text = core::str::from_utf8(&buf[..n]).map_err(|_| EINVAL)?;
    let mut words = text.split_whitespace();
    let state = ctl.state();
    let gpu = &state.gpu;
    match text.split_whitespace().next() {
        Some("load") => {
            let rounds = number(words.nth(1))?;
            for _ in 0..rounds {
                load_round(gpu, &state.load);
            }
            return Ok(());
        }
        Some("ping") => {
            // Four RPCs, none a NULL control: a notifier subscription
            // made and dropped.
            let handler = KBox::new(Ignore, GFP_KERNEL)?;
            return gpu.subscribe_notifier(Notifier::new(1)?, handler).map(drop);
        }
        Some("clear-load") => {
            let l = &state.load;
            for c in [&l.ok, &l.eagain, &l.enodev, &l.etimedout, &l.other] {
                c.store(0, Relaxed);
            }
            return Ok(());
        }
        Some("fail-reset") => {
            state.resets.fail.store(true, Relaxed);
            return Ok(());
        }
        Some("keep") => {
            state.keep.store(true, Relaxed);
            return Ok(());
        }
        _ => {}
    }
    let mut held = state.held.lock();
    // (first value, second value, errno); a negative first value means
    // the command failed outright.
    let result = match words.next() {
        Some("vram") => {
            let size = number(words.next())?;
            let align = words.next().map_or(Ok(0), |w| number(Some(w)))?;
            match gpu.alloc_vram(size, align, Placement::Any) {
                Ok(v) => {
                    let r = (v.offset() as i64, v.size() as i64, 0);
                    held.vram.push(v, GFP_KERNEL)?;
                    r
                }
                Err(e) => (-1, 0, errno(e)),
            }
        }
        Some("fill-vram") => {
            let size = number(words.next())?;
            let mut got = 0;
            loop {
                match gpu.alloc_vram(size, 0, Placement::Any) {
                    Ok(v) => {
                        held.vram.push(v, GFP_KERNEL)?;
                        got += 1;
                    }
                    Err(e) => break (got, 0, errno(e)),
                }
            }
        }
        Some("channel") => match gpu.alloc_channel() {
            Ok(c) => {
                let r = (i64::from(c.id()), 0, 0);
                held.channels.push(c, GFP_KERNEL)?;
                r
            }
            Err(e) => (-1, 0, errno(e)),
        },
        Some("channel-object") => match gpu.alloc_channel() {
            // A channel with its GPFIFO object in GSP-RM (graphics engine,
            // or copy engine N for `ceN`), in the client's VA space.
            Ok(mut c) => match held
                .vaspace
                .clone()
                .map_or_else(|| gpu.alloc_vaspace(), Ok)
                .and_then(|vaspace| {
                    let engine = match words.next() {
                        None => Engine::GRAPHICS,
                        Some(w) => w
                            .strip_prefix("ce")
                            .and_then(|n| n.parse().ok())
                            .and_then(Engine::copy)
                            .ok_or(EINVAL)?,
                    };
                    let handle = c.create_gpfifo(engine, &vaspace)?;
                    held.vaspace = Some(vaspace);
                    Ok(handle)
                }) {
                Ok(handle) => {
                    let r = (i64::from(c.id()), i64::from(handle.raw()), 0);
                    held.channels.push(c, GFP_KERNEL)?;
                    r
                }
                Err(e) => (-1, 0, errno(e)),
            },
            Err(e) => (-1, 0, errno(e)),
        },
        Some("submit") => {
            let n = number(words.next())?;
            let h = &mut *held;
            match h.channels.last_mut() {
                Some(c) => submit_empty(c, &mut h.progress, n),
                None => (-1, 0, errno(ENOENT)),
            }
        }
        Some("fill-channels") => {
            let mut got = 0;
            loop {
                match gpu.alloc_channel() {
                    Ok(c) => {
                        held.channels.push(c, GFP_KERNEL)?;
                        got += 1;
                    }
                    Err(e) => break (got, 0, errno(e)),
                }
            }
        }
        Some("subscribe") => {
            let notifier = u32::try_from(number(words.next())?).map_err(|_| EINVAL)?;
            let hold = match words.next() {
                None => false,
                Some("hold") => true,
                Some(_) => return Err(EINVAL),
            };
            let counter = Arc::new(
                Counter {
                    start: Instant::now(),
                    count: Atomic::new(0),
                    next: Atomic::new(0),
                    errors: Atomic::new(0),
                    first_ns: Atomic::new(0),
                    last_ns: Atomic::new(0),
                    hold: Atomic::new(hold),
                },
                GFP_KERNEL,
            )?;
            let handler = KBox::new(Recorder(counter.clone()), GFP_KERNEL)?;
            match Notifier::new(notifier).and_then(|n| gpu.subscribe_notifier(n, handler)) {
                Ok(s) => {
                    held.subscriptions.push(s, GFP_KERNEL)?;
                    held.counter = Some(counter);
                    (0, 0, 0)
                }
                Err(e) => (-1, 0, errno(e)),
            }
        }
        Some("subscribe-errors") => {
            let faults = Faults {
                count: Atomic::new(0),
                xid: Atomic::new(0),
                chid: Atomic::new(0),
                object: Atomic::new(0),
                addr: Atomic::new(0),
            };
            let faults = Arc::new(faults, GFP_KERNEL)?;
            let handler = KBox::new(FaultRecorder(faults.clone()), GFP_KERNEL)?;
            match gpu.subscribe(EventKinds::of(&[EventKind::RcError]), handler) {
                Ok(s) => {
                    held.subscriptions.push(s, GFP_KERNEL)?;
                    held.faults = Some(faults);
                    (0, 0, 0)
                }
                Err(e) => (-1, 0, errno(e)),
            }
        }
        Some("subscribe-gsp") => {
            let notes = Arc::pin_init(
                pin_init!(GspNotes {
                    logs: Atomic::new(0),
                    log_xid: Atomic::new(0),
                    log_chid: Atomic::new(0),
                    log_object: Atomic::new(0),
                    prints: Atomic::new(0),
                    faults_queued: Atomic::new(0),
                    print <- new_mutex!(KVec::new()),
                }),
                GFP_KERNEL,
            )?;
            let handler = KBox::new(GspRecorder(notes.clone()), GFP_KERNEL)?;
            let kinds = [
                EventKind::GspLog,
                EventKind::GspPrint,
                EventKind::FaultQueued,
            ];
            match gpu.subscribe(EventKinds::of(&kinds), handler) {
                Ok(s) => {
                    held.subscriptions.push(s, GFP_KERNEL)?;
                    held.gsp = Some(notes);
                    (0, 0, 0)
                }
                Err(e) => (-1, 0, errno(e)),
            }
        }
        Some("release") => {
            if let Some(c) = &held.counter {
                c.hold.store(false, Relaxed);
            }
            (0, 0, 0)
        }
        Some("unsubscribe") => {
            // A held handler would keep the drop waiting: let it go first.
            if let Some(c) = &held.counter {
                c.hold.store(false, Relaxed);
            }
            held.subscriptions.clear();
            (0, 0, 0)
        }
        Some("free-vram") => {
            held.vram.clear();
            (0, 0, 0)
        }
        Some("free-channels") => {
            held.channels.clear();
            (0, 0, 0)
        }
        Some("free") => {
            if let Some(c) = &held.counter {
                c.hold.store(false, Relaxed);
            }
            held.subscriptions.clear();
            held.vram.clear();
            held.channels.clear();
            held.vaspace = None;
            (0, 0, 0)
        }
        _ => return Err(EINVAL),
    };
    held.last = result;
    Ok(())
}

impl Drop for Held {
    fn drop(&mut self) {
        // A held handler would keep the subscription's drop waiting.
        if let Some(c) = &self.counter {
            c.hold.store(false, Relaxed);
        }
    }
}

/// The driver's data for one bound device. Field order is drop order:
/// the reset handler goes first (a call in progress is waited for), then
/// the file.
struct TestClient {
    _reset: ResetNotifier,
    _ctl: Pin<KBox<File<Ctl>>>,
    _dir: Dir,
    _state: Arc<State>,
}

impl Drop for TestClient {
    fn drop(&mut self) {
        if self._state.keep.load(Relaxed) {
            keep_past_unbind(self._state.gpu.clone());
        }
    }
}

/// Holds `gpu` past the client's unbind, as a client's open file would:
/// it calls GSP-RM through it back to back while the core unbinds from the
/// GPU, so calls are in flight when the core revokes its link; from then
/// on the handle must answer `ENODEV` (not reach freed state) and drop
/// harmlessly. Logs what it saw. (Module unload does not wait for this
/// work: the scenario waits for its last line.)
fn keep_past_unbind(gpu: Gpu) {
    let spawned = kernel::workqueue::system_long().try_spawn(GFP_KERNEL, move || {
        let start = Instant::<Monotonic>::now();
        let mut answered = 0u64;
        // Up to 10 s for the core's unbind, which follows the clients'.
        let ping = loop {
            match gpu.ping() {
                Ok(()) if start.elapsed() < kernel::time::Delta::from_secs(10) => answered += 1,
                r => break r,
            }
        };
        let errno = |r: Result| r.err().map_or(0, Error::to_errno);
        let vram = gpu.alloc_vram(4096, 0, Placement::Any).map(drop);
        let channel = gpu.alloc_channel().map(drop);
        pr_info!(
            "kept handle after unbind: {} calls answered, then ping {} after {} ms, vram {}, channel {}\n",
            answered,
            errno(ping),
            start.elapsed().as_millis(),
            errno(vram),
            errno(channel)
        );
        drop(gpu);
        pr_info!("kept handle dropped\n");
    });
    if spawned.is_err() {
        pr_err!("no memory to keep a handle past unbind\n");
    }
}

struct NvgspTestDriver;

kernel::auxiliary_device_table!(
    AUX_TABLE,
    <NvgspTestDriver as auxiliary::Driver>::IdInfo,
    [
        (
            auxiliary::DeviceId::new(client::MODULE_NAME, client::DRM),
            ()
        ),
        (
            auxiliary::DeviceId::new(client::MODULE_NAME, client::VFIO),
            ()
        ),
    ]
);

impl auxiliary::Driver for NvgspTestDriver {
    type IdInfo = ();
    type Data<'bound> = TestClient;
    const ID_TABLE: auxiliary::IdTable<Self::IdInfo> = &AUX_TABLE;

    fn probe<'bound>(
        adev: &'bound auxiliary::Device<Core<'_>>,
        _info: &'bound Self::IdInfo,
    ) -> impl PinInit<TestClient, Error> + 'bound {
        let client = adev
            .registration_data::<ClientData>()
            .inspect_err(|e| dev_err!(adev, "no nvgsp_core client data: {:?}\n", e))?;
        let gpu = client.open()?;
        let state = Arc::pin_init(
            try_pin_init!(State {
                keep: Atomic::new(false),
                resets: Resets {
                    prepares: Atomic::new(0),
                    dones: Atomic::new(0),
                    rebuilt: Atomic::new(0),
                    fail: Atomic::new(false),
                },
                load: LoadCounts {
                    ok: Atomic::new(0),
                    eagain: Atomic::new(0),
                    enodev: Atomic::new(0),
                    etimedout: Atomic::new(0),
                    other: Atomic::new(0),
                },
                gpu,
                held <- new_mutex!(Held {
                    vaspace: None,
                    vram: KVec::new(),
                    channels: KVec::new(),
                    subscriptions: KVec::new(),
                    counter: None,
                    faults: None,
                    gsp: None,
                    progress: None,
                    last: (0, 0, 0),
                }),
            }),
            GFP_KERNEL,
        )?;
        let reset = state.gpu.on_reset(KBox::new(
            Resetter {
                state: state.clone(),
            },
            GFP_KERNEL,
        )?)?;
        let dir = Dir::new(adev.as_ref().name());
        let ctl = KBox::pin_init(
            dir.read_write_callback_file(c"ctl", Ctl(state.clone()), &show, &command),
            GFP_KERNEL,
        )?;
        dev_info!(
            adev,
            "test client ({}) with RM client {:#x}\n",
            client.kind().name(),
            state.gpu.rm_client()
        );
        Ok(TestClient {
            _reset: reset,
            _ctl: ctl,
            _dir: dir,
            _state: state,
        })
    }
}

kernel::module_auxiliary_driver! {
    type: NvgspTestDriver,
    name: "nvgsp_test",
    authors: ["nvgsp developers"],
    description: "Test-only client of nvgsp_core (resource partitioning scenarios)",
    license: "GPL v2",
}
