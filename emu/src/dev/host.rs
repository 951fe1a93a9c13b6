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
//! The host thread holds the channel table while it runs a channel, so
//! GSP-RM's changes to the table (a FREE, a SCHEDULE) wait for the method
//! under way, as RM's preemption of a channel waits for it to leave the
//! PBDMA; a doorbell never waits.
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
use std::collections::{HashMap, HashSet, VecDeque};
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
    /// `internalFlags` PRIVILEGE is not USER.
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
    /// The Xid (`ROBUST_CHANNEL_*`).
    pub xid: u32,
    /// For an MMU fault: the faulting VA and the `NV_PFAULT_FAULT_TYPE_*`.
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

/// The host's queued doorbells.
#[derive(Default)]
struct Work {
    tokens: VecDeque<u32>,
    stop: bool,
}

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

    /// GSP-RM freed channel `chid` (the host stops it first).
    pub fn remove(&self, chid: u32) {
        self.channels().remove(&chid);
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
        locked(&self.0.work).tokens.push_back(token);
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
                if w.tokens.is_empty() && !w.stop && !busy {
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
                w.tokens.drain(..).collect()
            };
            let vram = super::lock(&hw).vram.clone();
            let gpu = GpuMemory {
                sys: mem.clone(),
                vram,
            };
            let ctx = access::Ctx { hw: &hw, mem: &gpu };
            let mut channels = self.channels();
            for t in tokens {
                self.ring(&mut channels, t, &mut logged);
            }
            let mut ids: Vec<u32> = channels
                .iter()
                .filter(|(_, c)| {
                    c.scheduled && c.error.is_none() && (c.rung || c.pbdma.parked().is_some())
                })
                .map(|(&id, _)| id)
                .collect();
            ids.sort_unstable();
            (parked, busy) = (false, false);
            for id in ids {
                let Some(c) = channels.get_mut(&id) else {
                    continue;
                };
                match pbdma::run(c, &ctx, ENTRIES_PER_TURN) {
                    pbdma::Outcome::Idle => c.rung = false,
                    pbdma::Outcome::Parked => parked = true,
                    pbdma::Outcome::Yield => busy = true,
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
        if logged.insert(token) {
            warn!("host: doorbell {token:#x} dropped: {why} (logged once per token)");
        } else {
            debug!("host: doorbell {token:#x} dropped: {why}");
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
