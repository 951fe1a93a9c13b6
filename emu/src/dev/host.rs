//! The host (FIFO): the channels GSP-RM made runnable, the doorbell that
//! tells it a channel has work, and the PBDMA and copy engine that run
//! that work, on a thread of their own.
//!
//! GSP-RM owns the channel table (on a chip: the channel RAM, the
//! runlists and each channel's RAMFC, which it writes when the channel is
//! allocated, bound and scheduled; open-gpu-kernel-modules
//! `kernel_channel.c`, nouveau r535 `r535_chan_ramfc_write`); the model's
//! GSP-RM keeps this one ([`Host::add`], [`Host::schedule`],
//! [`Host::remove`]). The driver reaches the host only through the
//! doorbell register (`nvgsp_proto::host::DOORBELL`, BAR0 0xBB0090,
//! written with `runlist << 16 | chid`), USERD's GP_PUT and the memory the
//! channel's VA space maps.
//!
//! A doorbell write returns at once, as an MMIO write does on a chip: it
//! only queues the token and wakes the host thread ([`Worker`]). That
//! thread checks the token (an unknown token, or a channel that is not
//! scheduled, is dropped and logged once: a chip ignores it), then runs
//! the channel: [`pbdma`] fetches GPFIFO entries and pushbuffer segments
//! through the channel's VA space (the hub TLB, `dev::mmu`, as any GPU
//! client translates), executes host methods, hands methods at or above
//! 0x100 to the subchannel's object, the copy engine ([`ce`]), and writes
//! GP_GET back to USERD. A semaphore acquire that is not satisfied parks
//! the channel; it is looked at again on each doorbell and every
//! [`PARKED_POLL`].
//!
//! The host thread holds the channel table for one channel's turn at a
//! time, and a turn is bounded (`ENTRIES_PER_TURN` GPFIFO entries, and
//! [`ce::Budget::TURN`]: 4 MiB or 4096 lines of copying); a copy that
//! needs more keeps its progress in the channel's copy engine state and
//! goes on at the next turn. So GSP-RM's changes to the table (an ALLOC,
//! a FREE, a SCHEDULE) and the control port wait at most one turn, as
//! RM's preemption of a channel waits for it to leave the PBDMA; a FREE
//! between turns drops the channel with its copy half done. A doorbell
//! never waits.
//!
//! An error stops the channel for good (until GSP-RM frees it) and is
//! queued for GSP-RM ([`Host::take_error`]), whose thread reports it as
//! GSP-RM does (OS_ERROR_LOG, RC_TRIGGERED); the host thread only wakes
//! it. What the driver learns, it learns from GSP-RM's messages.

pub mod access;
pub mod ce;
pub mod pbdma;

use super::SharedHw;
use crate::gsp_rm::gmmu::{GpuMemory, Phys};
use crate::guest_mem::GuestMemory;
use log::{debug, warn};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often a parked semaphore acquire is looked at again without a
/// doorbell.
pub const PARKED_POLL: Duration = Duration::from_millis(10);
/// GPFIFO entries a channel runs before the others get their turn.
const ENTRIES_PER_TURN: u32 = 64;

/// What GSP-RM sets up for a channel when it allocates it: on a chip, its
/// channel RAM entry, instance block and RAMFC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelSetup {
    /// The RM client owning the channel object.
    pub client: u32,
    /// The channel object.
    pub object: u32,
    /// The channel ID.
    pub chid: u32,
    /// Its `NV2080_ENGINE_TYPE_*`.
    pub engine: u32,
    /// The runlist of that engine.
    pub runlist: u32,
    /// Its VA space's root page directory (the instance block's PDB).
    pub pdb: Phys,
    /// USERD.
    pub userd: Phys,
    /// The GPFIFO ring's VA.
    pub gpfifo: u64,
    /// Entries in the ring (a power of two).
    pub entries: u32,
    /// The instance block (VRAM).
    pub instance: u64,
    /// The vector `NON_STALL_INTERRUPT` and the engine's non-blocking
    /// interrupts signal (RAMFC's `INTR_NOTIFY`, which GSP-RM sets to the
    /// engine's non-stall vector), if the engine has one.
    pub nonstall: Option<u32>,
    /// `internalFlags` PRIVILEGE is not USER (ADMIN or KERNEL) and the
    /// channel was not allocated with `DENY_PHYSICAL_MODE_CE` (which
    /// "will always result in an unprivileged channel", alloc_channel.h):
    /// it may reach `PRIVILEGE` pages and use the copy engine's physical
    /// mode.
    pub privileged: bool,
    /// `NVOS04_FLAGS_CHANNEL_DENY_PHYSICAL_MODE_CE`.
    pub deny_physical_ce: bool,
}

/// An error that stopped a channel, for GSP-RM to report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelError {
    /// The channel ID.
    pub chid: u32,
    /// The channel's `NV2080_ENGINE_TYPE_*`.
    pub engine: u32,
    /// The channel's runlist.
    pub runlist: u32,
    /// The Xid (`ROBUST_CHANNEL_*`).
    pub xid: u32,
    /// For an MMU fault: the faulting VA's 4 KiB page (what the fault
    /// buffer's ADDR_LO/ADDR_HI hold) and the `NV_PFAULT_FAULT_TYPE_*`.
    pub fault: Option<(u64, u32)>,
    /// What happened, for the error log's text.
    pub text: String,
}

/// A channel as the host holds it.
struct Channel {
    setup: ChannelSetup,
    scheduled: bool,
    /// Copy engine objects GSP-RM allocated under the channel, by class.
    objects: Vec<u32>,
    /// A doorbell named it since it last ran out of work.
    rung: bool,
    pbdma: pbdma::Pbdma,
    ce: ce::CopyEngine,
    /// The Xid and address that stopped it.
    error: Option<(u32, Option<u64>)>,
    /// GP_PUT as last read from USERD.
    gp_put: u32,
}

impl Channel {
    fn new(setup: ChannelSetup) -> Channel {
        Channel {
            setup,
            scheduled: false,
            objects: Vec::new(),
            rung: false,
            pbdma: pbdma::Pbdma::default(),
            ce: ce::CopyEngine::default(),
            error: None,
            gp_put: 0,
        }
    }
}

/// The host's rung doorbells: a pending bit per (runlist, chid), as
/// channel RAM has, so ringing a doorbell again before the host looked
/// adds nothing (at most 128 runlists x 4096 channels); a token with
/// bits outside RUNLIST_ID and VECTOR is counted, the last one kept.
#[derive(Default)]
struct Work {
    pending: BTreeSet<u32>,
    /// Malformed tokens since the host thread last looked, and the last.
    malformed: u64,
    last_malformed: u32,
    stop: bool,
}

/// Dropped doorbell tokens the host warns about (once each); past that
/// many, drops are logged at debug level only.
const LOGGED_TOKENS: usize = 64;

/// A function that wakes GSP-RM's thread.
type Waker = Box<dyn Fn() + Send>;

#[derive(Default)]
struct Shared {
    channels: Mutex<HashMap<u32, Channel>>,
    work: Mutex<Work>,
    rung: Condvar,
    errors: Mutex<VecDeque<ChannelError>>,
    waker: Mutex<Option<Waker>>,
}

/// The host's channel table and doorbell queue, shared by GSP-RM (which
/// sets channels up), the device (the doorbell register), the host thread
/// and the control port. Cheap to clone.
#[derive(Clone, Default)]
pub struct Host(Arc<Shared>);

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Host({} channels)", self.channels().len())
    }
}

impl PartialEq for Host {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Host {}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Host {
    fn channels(&self) -> MutexGuard<'_, HashMap<u32, Channel>> {
        locked(&self.0.channels)
    }

    /// GSP-RM allocated a channel (not yet scheduled).
    pub fn add(&self, setup: ChannelSetup) {
        self.channels().insert(setup.chid, Channel::new(setup));
    }

    /// GSP-RM freed channel `chid` (the host stops it first): errors of
    /// it not reported yet go with it, so none is reported for a freed
    /// channel (or for a later channel with its ID).
    pub fn remove(&self, chid: u32) {
        let mut channels = self.channels();
        channels.remove(&chid);
        // Under the table's lock: the host thread reports with it held.
        locked(&self.0.errors).retain(|e| e.chid != chid);
    }

    /// GSP-RM stopped: its channels are gone.
    pub fn clear(&self) {
        self.channels().clear();
        locked(&self.0.errors).clear();
    }

    /// GSP-RM put channel `chid` on its runlist (`GPFIFO_SCHEDULE`
    /// enable) or took it off.
    pub fn schedule(&self, chid: u32, on: bool) {
        if let Some(c) = self.channels().get_mut(&chid) {
            c.scheduled = on;
            // Work queued before it was scheduled runs at the next doorbell.
        }
    }

    /// GSP-RM allocated (`added`) or freed an object of `class` under
    /// channel `chid`.
    pub fn object(&self, chid: u32, class: u32, added: bool) {
        if let Some(c) = self.channels().get_mut(&chid) {
            if added {
                c.objects.push(class);
            } else if let Some(i) = c.objects.iter().position(|&k| k == class) {
                c.objects.remove(i);
            }
        }
    }

    /// Has `wake` called when an error waits for GSP-RM.
    pub fn set_waker(&self, wake: impl Fn() + Send + 'static) {
        *locked(&self.0.waker) = Some(Box::new(wake));
    }

    /// The oldest error GSP-RM has not reported yet.
    pub fn take_error(&self) -> Option<ChannelError> {
        locked(&self.0.errors).pop_front()
    }

    /// Queues `e` for GSP-RM and wakes it: the host thread's hand-off.
    pub fn report(&self, e: ChannelError) {
        locked(&self.0.errors).push_back(e);
        if let Some(w) = locked(&self.0.waker).as_ref() {
            w();
        }
    }

    /// The doorbell register was written with `token`: queued for the
    /// host thread; returns at once.
    pub fn doorbell(&self, token: u32) {
        {
            let mut w = locked(&self.0.work);
            if nvgsp_proto::host::token_fields(token).is_some() {
                w.pending.insert(token);
            } else {
                w.malformed += 1;
                w.last_malformed = token;
            }
        }
        self.0.rung.notify_one();
    }

    /// The control port's `channel CHID`: `scheduled yes|no gp_get G
    /// gp_put P error none|xid X [addr A] parked no|yes [at A]`, or
    /// `unknown channel`.
    pub fn describe(&self, chid: u32) -> String {
        let channels = self.channels();
        let Some(c) = channels.get(&chid) else {
            return "unknown channel".into();
        };
        let error = match c.error {
            None => "none".to_string(),
            Some((xid, None)) => format!("xid {xid}"),
            Some((xid, Some(a))) => format!("xid {xid} addr {a:#x}"),
        };
        let parked = match c.pbdma.parked() {
            None => "no".to_string(),
            Some(a) => format!("yes at {a:#x}"),
        };
        format!(
            "runlist {} engine {:#x} scheduled {} gp_get {} gp_put {} error {error} parked {parked}",
            c.setup.runlist,
            c.setup.engine,
            if c.scheduled { "yes" } else { "no" },
            c.pbdma.gp_get(),
            c.gp_put,
        )
    }

    /// Starts the host thread, which runs channels on `hw` with guest
    /// memory `mem`.
    pub fn start(&self, hw: SharedHw, mem: GuestMemory) -> std::io::Result<Worker> {
        locked(&self.0.work).stop = false;
        let host = self.clone();
        let thread = std::thread::Builder::new()
            .name("host".into())
            .spawn(move || host.run(hw, mem))?;
        Ok(Worker {
            host: self.clone(),
            thread: Some(thread),
        })
    }

    fn run(&self, hw: SharedHw, mem: GuestMemory) {
        let mut logged: HashSet<u32> = HashSet::new();
        let mut parked = false;
        let mut busy = false;
        loop {
            let tokens: Vec<u32> = {
                let mut w = locked(&self.0.work);
                if w.pending.is_empty() && w.malformed == 0 && !w.stop && !busy {
                    w = if parked {
                        self.0
                            .rung
                            .wait_timeout(w, PARKED_POLL)
                            .unwrap_or_else(|e| e.into_inner())
                            .0
                    } else {
                        self.0.rung.wait(w).unwrap_or_else(|e| e.into_inner())
                    };
                }
                if w.stop {
                    return;
                }
                if w.malformed > 0 {
                    let (n, t) = (w.malformed, w.last_malformed);
                    w.malformed = 0;
                    self.dropped(&mut logged, t, "bits outside RUNLIST_ID and VECTOR", n);
                }
                std::mem::take(&mut w.pending).into_iter().collect()
            };
            let vram = super::lock(&hw).vram.clone();
            let gpu = GpuMemory {
                sys: mem.clone(),
                vram,
            };
            let ctx = access::Ctx { hw: &hw, mem: &gpu };
            let runnable = |c: &Channel| {
                c.scheduled && c.error.is_none() && (c.rung || c.pbdma.parked().is_some())
            };
            let mut ids: Vec<u32> = {
                let mut channels = self.channels();
                for t in tokens {
                    self.ring(&mut channels, t, &mut logged);
                }
                channels
                    .iter()
                    .filter(|(_, c)| runnable(c))
                    .map(|(&id, _)| id)
                    .collect()
            };
            ids.sort_unstable();
            (parked, busy) = (false, false);
            for id in ids {
                // The table is held for one channel's turn (bounded by
                // ENTRIES_PER_TURN and ce::Budget::TURN), then let go, so
                // GSP-RM and the control port wait at most that long.
                let mut channels = self.channels();
                // Freed, descheduled or stopped since the round began.
                let Some(c) = channels.get_mut(&id).filter(|c| runnable(c)) else {
                    continue;
                };
                match pbdma::run(c, &ctx, ENTRIES_PER_TURN) {
                    pbdma::Outcome::Idle => c.rung = false,
                    pbdma::Outcome::Parked => parked = true,
                    pbdma::Outcome::Yield => {
                        c.rung = true;
                        busy = true;
                    }
                    pbdma::Outcome::Stopped(stop) => {
                        let e = stop.into_error(&c.setup);
                        c.error = Some((e.xid, e.fault.map(|(a, _)| a)));
                        c.rung = false;
                        self.report(e);
                    }
                }
            }
        }
    }

    /// A doorbell with `token`: marks its channel as having work, or
    /// drops it (logged once per token).
    fn ring(&self, channels: &mut HashMap<u32, Channel>, token: u32, logged: &mut HashSet<u32>) {
        use nvgsp_proto::host::token_fields;
        let found = token_fields(token).and_then(|(runlist, chid)| {
            channels
                .get_mut(&chid)
                .filter(|c| c.setup.runlist == runlist)
        });
        let why = match found {
            Some(c) if c.scheduled && c.error.is_none() => {
                c.rung = true;
                return;
            }
            Some(c) if c.error.is_some() => "its channel stopped on an error",
            Some(_) => "its channel is not scheduled",
            None => "no channel has it",
        };
        self.dropped(logged, token, why, 1);
    }

    /// `n` doorbells with `token` (the last of them) were dropped for
    /// `why`: a warning once per token for the first [`LOGGED_TOKENS`]
    /// tokens, else a debug line.
    fn dropped(&self, logged: &mut HashSet<u32>, token: u32, why: &str, n: u64) {
        let times = if n > 1 {
            format!(" ({n} times)")
        } else {
            String::new()
        };
        if logged.len() < LOGGED_TOKENS && logged.insert(token) {
            warn!("host: doorbell {token:#x} dropped{times}: {why} (logged once per token)");
            if logged.len() == LOGGED_TOKENS {
                warn!("host: {LOGGED_TOKENS} dropped doorbell tokens logged; later ones at debug level");
            }
        } else {
            debug!("host: doorbell {token:#x} dropped{times}: {why}");
        }
    }
}

/// The running host thread; stops it when dropped.
pub struct Worker {
    host: Host,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        locked(&self.host.0.work).stop = true;
        self.host.0.rung.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests;
