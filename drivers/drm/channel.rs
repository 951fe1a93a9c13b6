// SPDX-License-Identifier: GPL-2.0

//! A file's channel on a copy engine, and the jobs it runs
//! (`CHANNEL_ALLOC`, `EXEC`).
//!
//! A job is queued with the fences it waits for and gets a fence of the
//! channel's timeline. The channel's runner (a work item on the device's
//! queue, [`Channels`]) takes the jobs in order: it waits for a job's
//! fences, hands its pushes to the core's channel ([`CoreChannel::submit`])
//! and stays while jobs run, to notice the one that runs too long. The
//! core tells the channel's watcher of each non-stall interrupt; the
//! watcher reads how far the host got and signals the fences of the jobs
//! it finished, in order.
//!
//! When a job fails (a channel error GSP-RM reports: an MMU fault, a bad
//! method; or the timeout) the jobs running fail, and the runner frees the
//! channel's objects in GSP-RM and makes them again
//! ([`CoreChannel::destroy_gpfifo`]): the channel goes on with the jobs
//! queued after. A GPU reset fails the jobs running and the core makes
//! the channels again. Jobs of one channel run and end in order; their
//! fences signal in that order, failed ones included.
//!
//! What the channel holds of the GPU (the core's channel, its VA space)
//! it holds until the DRM device is unregistered: [`Channels::revoke`].

use kernel::{
    new_condvar, new_mutex,
    prelude::*,
    sync::{
        atomic::{
            Acquire,
            Atomic,
            Release, //
        },
        Arc,
        CondVar,
        Mutex,
        MutexGuard, //
    },
    time::{
        msecs_to_jiffies,
        Delta,
        Instant,
        Monotonic, //
    },
    workqueue::{
        impl_has_work,
        new_work,
        Work,
        WorkItem, //
    },
};

use nvgsp_core::client::{
    Channel as CoreChannel,
    ChannelWatcher,
    Engine,
    Gpu,
    Handle,
    Push,
    ResetHandler,
    VaSpace, //
};

use crate::kernel_gaps::{
    Fence,
    FenceContext,
    JobFence,
    OwnedQueue, //
};

/// How long a job may run (`NVGSP_PARAM_JOB_TIMEOUT_MS`).
pub(crate) const JOB_TIMEOUT_MS: u32 = 10_000;
/// How long a job may wait for one of its fences before it fails with
/// `ETIMEDOUT` (not run).
const WAIT_TIMEOUT_MS: u32 = 4 * JOB_TIMEOUT_MS;
/// How often a runner waiting for a fence looks at its channel.
const WAIT_SLICE_MS: u32 = 50;
/// Jobs queued, per channel: not yet handed to the host, or not yet
/// finished; `EXEC` waits for room past it.
const QUEUE_MAX: usize = 1024;
/// The most channels the DRM device's files hold at once.
const MAX_CHANNELS: usize = 1024;

/// One job: pushes to run after fences.
pub(crate) struct Job {
    /// The push buffer segments.
    pub(crate) pushes: KVec<Push>,
    /// The fences it waits for.
    pub(crate) waits: KVec<Fence>,
}

/// A job waiting its turn.
struct Queued {
    job: Job,
    fence: JobFence,
    /// Since when the runner waits for its fences.
    waiting: Option<Instant<Monotonic>>,
}

/// A job handed to the host, or failed before it: its fence signals when
/// the host finished sequence number `seq` (the jobs before it).
struct Running {
    seq: u64,
    fence: JobFence,
    /// The job's error if it failed before it was handed over.
    error: Option<Error>,
    /// When it was handed over, or when the jobs before it ended: the
    /// start of its time on the engine.
    since: Instant<Monotonic>,
}

/// Why the jobs running on a channel fail.
#[derive(Clone, Copy)]
enum Failure {
    /// A channel error GSP-RM reported.
    ChannelError,
    /// The oldest ran past [`JOB_TIMEOUT_MS`].
    Timeout,
}

struct State {
    /// The core's channel; `None` once revoked or freed.
    core: Option<CoreChannel>,
    /// The VA space it runs in, to make it again.
    vaspace: Option<VaSpace>,
    /// Its channel ID (for channel errors).
    chid: u32,
    queued: KVec<Queued>,
    running: KVec<Running>,
    /// The sequence number of the next job's fence.
    next_fence: u64,
    /// The last sequence number handed to the host.
    last_seq: u64,
    /// A channel error was reported and not handled yet.
    error: bool,
    /// A GPU reset is under way: nothing is handed over.
    resetting: bool,
    /// The runner is queued or running.
    runner: bool,
    /// Freed, or the device unregistered: nothing more is queued.
    revoked: bool,
    /// The runner is making the channel again (its core channel is out).
    remaking: bool,
    /// The channel's object in GSP-RM, which its errors name.
    object: Handle,
}

/// A channel of a file.
#[pin_data]
pub(crate) struct Channel {
    #[pin]
    state: Mutex<State>,
    /// Progress, room in the queue, an error, the end.
    #[pin]
    changed: CondVar,
    #[pin]
    run: Work<Channel>,
    timeline: FenceContext,
    engine: Engine,
    /// The device's channels, to run on and to leave.
    owner: Arc<Channels>,
}

impl_has_work! {
    impl HasWork<Self> for Channel { self.run }
}

/// Tells a channel of non-stall interrupts.
struct Progress(Arc<Channel>);

impl ChannelWatcher for Progress {
    fn progress(&self) {
        let mut s = self.0.state.lock();
        self.0.complete(&mut s);
    }
}

impl Channel {
    /// A channel on `engine` in `vaspace`, held by `owner` until freed.
    ///
    /// # Errors
    ///
    /// `ENOSPC` past the device's channels or its share of channel IDs or
    /// VRAM; `ENODEV` for an engine without a runlist or non-stall
    /// interrupts; `ENOMEM`; `EAGAIN` during a GPU reset.
    pub(crate) fn new(
        gpu: &Gpu,
        owner: &Arc<Channels>,
        engine: Engine,
        vaspace: VaSpace,
    ) -> Result<Arc<Self>> {
        let resets = owner.resets();
        let mut core = gpu.alloc_channel()?;
        let object = core.create_gpfifo(engine, &vaspace)?;
        let chid = core.id();
        let channel = Arc::pin_init(
            pin_init!(Channel {
                state <- new_mutex!(State {
                    core: None,
                    vaspace: None,
                    chid,
                    queued: KVec::new(),
                    running: KVec::new(),
                    next_fence: 1,
                    last_seq: 0,
                    error: false,
                    resetting: false,
                    runner: false,
                    revoked: false,
                    remaking: false,
                    object,
                }),
                changed <- new_condvar!(),
                run <- new_work!("nvgsp_drm::Channel::run"),
                timeline: FenceContext::new(),
                engine,
                owner: owner.clone(),
            }),
            GFP_KERNEL,
        )?;
        core.watch(Arc::new(Progress(channel.clone()), GFP_KERNEL)?)?;
        {
            let mut s = channel.state.lock();
            s.last_seq = core.completed();
            s.core = Some(core);
            s.vaspace = Some(vaspace);
        }
        if let Err(e) = owner.add(channel.clone()) {
            // Breaks the watcher's reference cycle.
            channel.free();
            return Err(e);
        }
        if owner.resets() != resets {
            // A GPU reset passed before the channel was listed: its object
            // is lost. The runner makes it again once the reset is over.
            channel.channel_error();
        }
        Ok(channel)
    }

    /// Queues `job`; returns its fence. Waits while the queue is full.
    ///
    /// # Errors
    ///
    /// `ENODEV` for a freed channel or an unregistered device; `EINTR`
    /// at a signal while waiting; `ENOMEM`.
    pub(crate) fn queue(self: &Arc<Self>, job: Job) -> Result<Fence> {
        let mut s = self.state.lock();
        while !s.revoked && s.queued.len() + s.running.len() >= QUEUE_MAX {
            if self.changed.wait_interruptible(&mut s) {
                return Err(EINTR);
            }
        }
        if s.revoked {
            return Err(ENODEV);
        }
        let fence = self.timeline.fence(s.next_fence)?;
        let out = fence.fence().ok_or(ENOMEM)?;
        s.queued.push(
            Queued {
                job,
                fence,
                waiting: None,
            },
            GFP_KERNEL,
        )?;
        s.next_fence += 1;
        self.start(&mut s);
        // A runner waiting for its running jobs hands this one over now.
        self.changed.notify_all();
        Ok(out)
    }

    /// Frees the channel: jobs queued are cancelled, those running fail,
    /// and the core's channel goes (its objects in GSP-RM, its ID).
    pub(crate) fn free(self: &Arc<Self>) {
        self.owner.remove(self);
        self.revoke();
    }

    /// Lets the GPU go: as [`Channel::free`], without leaving the list.
    fn revoke(&self) {
        let (core, vaspace, queued, running) = {
            let mut s = self.state.lock();
            s.revoked = true;
            // A remake under way gives the channel back first.
            while s.remaking {
                self.changed.wait(&mut s);
            }
            let taken = (
                s.core.take(),
                s.vaspace.take(),
                core::mem::take(&mut s.queued),
                core::mem::take(&mut s.running),
            );
            self.changed.notify_all();
            taken
        };
        // Outside the lock: dropping the core's channel waits for its
        // watcher, which takes it. The host has stopped on the channel
        // once it is gone: only then do its jobs' fences signal, in
        // order, the running jobs first.
        drop(core);
        drop(vaspace);
        for r in running {
            r.fence.signal(Err(r.error.unwrap_or(ECANCELED)));
        }
        drop(queued);
    }

    /// Whether an error GSP-RM reported on channel `chid`, object
    /// `object`, is this channel's (not a former object's).
    fn is(&self, chid: u32, object: Handle) -> bool {
        let s = self.state.lock();
        s.chid == chid && s.object == object && !s.revoked
    }

    /// GSP-RM reported an error on the channel: its runner fails the
    /// jobs running and makes it again.
    fn channel_error(self: &Arc<Self>) {
        let mut s = self.state.lock();
        if !s.revoked {
            s.error = true;
            self.start(&mut s);
            self.changed.notify_all();
        }
    }

    /// Has the runner run, unless it runs already.
    fn start(self: &Arc<Self>, s: &mut MutexGuard<'_, State>) {
        if s.runner {
            return;
        }
        if self.owner.enqueue(self.clone()) {
            s.runner = true;
        }
    }

    /// Signals the fences of the jobs the host finished, in order.
    fn complete(&self, s: &mut MutexGuard<'_, State>) {
        let Some(core) = s.core.as_ref() else {
            return;
        };
        let done = core.completed();
        let mut any = false;
        while s.running.first().is_some_and(|r| r.seq <= done) {
            if let Ok(r) = s.running.remove(0) {
                r.fence.signal(r.error.map_or(Ok(()), Err));
                any = true;
            }
        }
        if any {
            // The job now first runs from now on: its time starts.
            if let Some(r) = s.running.first_mut() {
                r.since = Instant::now();
            }
            self.changed.notify_all();
        }
    }

    /// Fails every running job with `why`, in order.
    fn fail_running(s: &mut MutexGuard<'_, State>, why: Failure) {
        let mut first = true;
        for r in core::mem::take(&mut s.running) {
            let e = match (r.error, why) {
                (Some(e), _) => e,
                (None, Failure::Timeout) if first => {
                    first = false;
                    ETIMEDOUT
                }
                (None, Failure::Timeout) => ECANCELED,
                (None, Failure::ChannelError) => EIO,
            };
            r.fence.signal(Err(e));
        }
    }

    /// The runner: hands the queued jobs over in order and watches the
    /// running ones, until there are none.
    fn run_jobs(self: &Arc<Self>) {
        let mut s = self.state.lock();
        loop {
            if s.revoked {
                break;
            }
            self.complete(&mut s);
            let failure = if s.resetting {
                // The reset makes the channel again.
                None
            } else if s.error {
                Some(Failure::ChannelError)
            } else {
                s.running
                    .iter()
                    .find(|r| r.error.is_none())
                    .filter(|r| r.since.elapsed() >= Delta::from_millis(JOB_TIMEOUT_MS.into()))
                    .map(|_| Failure::Timeout)
            };
            if let Some(why) = failure {
                s = self.remake(s, why);
                continue;
            }
            if !s.resetting && !s.queued.is_empty() {
                s = self.hand_over(s);
                continue;
            }
            if s.running.is_empty() && (s.queued.is_empty() || s.resetting) {
                break;
            }
            // Jobs run: wait for progress, or for the oldest's timeout.
            let left = s.running.first().map_or(i64::from(JOB_TIMEOUT_MS), |r| {
                i64::from(JOB_TIMEOUT_MS) - r.since.elapsed().as_millis()
            });
            let ms = u32::try_from(left.clamp(1, i64::from(JOB_TIMEOUT_MS))).unwrap_or(1);
            let _ = self
                .changed
                .wait_interruptible_timeout(&mut s, msecs_to_jiffies(ms));
        }
        s.runner = false;
    }

    /// Hands the first queued job over, after its fences; returns the
    /// lock again.
    fn hand_over<'a>(&'a self, mut s: MutexGuard<'a, State>) -> MutexGuard<'a, State> {
        let Some(first) = s.queued.first_mut() else {
            return s;
        };
        let mut error = None;
        // Its fences are waited for without the lock, a slice at a time:
        // the jobs running meanwhile still complete and time out.
        if let Some(fence) = first.job.waits.iter().find(|f| f.status().is_none()) {
            let fence = fence.clone();
            let since = *first.waiting.get_or_insert_with(Instant::now);
            if since.elapsed() < Delta::from_millis(WAIT_TIMEOUT_MS.into()) {
                drop(s);
                fence.wait(WAIT_SLICE_MS);
                return self.state.lock();
            }
            error = Some(ETIMEDOUT);
        }
        // Its place among the running jobs first: once handed over, the
        // job must be there.
        if s.running.reserve(1, GFP_KERNEL).is_err() {
            drop(s);
            kernel::time::delay::fsleep(Delta::from_millis(WAIT_SLICE_MS.into()));
            return self.state.lock();
        }
        let Ok(queued) = s.queued.remove(0) else {
            return s;
        };
        self.changed.notify_all();
        // A fence that signalled an error fails the job: it does not run.
        error = error.or_else(|| {
            queued
                .job
                .waits
                .iter()
                .find_map(|f| f.status().and_then(Result::err))
                .map(|_| EIO)
        });
        let since = Instant::<Monotonic>::now();
        let seq = match error {
            Some(_) => Ok(s.last_seq),
            None => match s.core.as_mut() {
                Some(core) => core.submit(&queued.job.pushes),
                None => Err(ENODEV),
            },
        };
        let (seq, error) = match seq {
            Ok(seq) => (seq, error),
            // The ring is full, or the GPU is being reset: back to the
            // front (the room it left), until there is progress.
            Err(e) if e == EBUSY || e == EAGAIN => {
                if s.queued.insert_within_capacity(0, queued).is_err() {
                    pr_err!("a job lost its place in its queue\n");
                }
                let _ = self
                    .changed
                    .wait_interruptible_timeout(&mut s, msecs_to_jiffies(WAIT_SLICE_MS));
                return s;
            }
            Err(e) => {
                pr_debug!("channel {}: a job was refused: {:?}\n", s.chid, e);
                (s.last_seq, Some(EIO))
            }
        };
        s.last_seq = seq;
        // Room was reserved above.
        let _ = s.running.push_within_capacity(Running {
            seq,
            fence: queued.fence,
            error,
            since,
        });
        s
    }

    /// Frees the channel's objects in GSP-RM (the host stops on it), fails
    /// the jobs that were running for `why`, and makes the objects again;
    /// returns the lock again.
    fn remake<'a>(&'a self, mut s: MutexGuard<'a, State>, why: Failure) -> MutexGuard<'a, State> {
        s.error = false;
        let (Some(mut core), Some(vaspace)) = (s.core.take(), s.vaspace.take()) else {
            return s;
        };
        let mut running = core::mem::take(&mut s.running);
        let resets = self.owner.resets();
        s.remaking = true;
        // Errors GSP-RM reports on the object being freed are not the new
        // object's.
        s.object = Handle(0);
        drop(s);
        // Without the lock: freeing waits for GSP-RM, and the watcher
        // takes the lock.
        core.destroy_gpfifo();
        {
            let mut s = self.state.lock();
            // In order, and before the jobs queued after them.
            core::mem::swap(&mut s.running, &mut running);
            Self::fail_running(&mut s, why);
            s.running = running;
        }
        let made = if self.owner.resets() == resets {
            core.create_gpfifo(self.engine, &vaspace)
        } else {
            Err(EAGAIN)
        };
        let mut s = self.state.lock();
        match made {
            Ok(object) => {
                s.object = object;
                if matches!(why, Failure::Timeout) {
                    pr_info!("channel {}: a job timed out; channel made again\n", s.chid);
                }
            }
            // A GPU reset began meanwhile: made again after it.
            Err(e) if e == EAGAIN => s.error = true,
            // Its jobs fail (`ENODEV` from the core) until a GPU reset
            // makes it again.
            Err(e) => pr_err!("channel {}: cannot make it again: {:?}\n", s.chid, e),
        }
        if self.owner.resets() != resets {
            // The reset's end may have passed the channel while it was
            // out: make it again (once the reset is over).
            s.error = true;
        }
        s.last_seq = core.completed().max(s.last_seq);
        // Back in place even when it is being freed: `revoke` waits for
        // the remake, then takes it (the objects go before it returns).
        s.core = Some(core);
        s.vaspace = Some(vaspace);
        s.remaking = false;
        self.changed.notify_all();
        if s.error && !s.revoked {
            // Not at once: the reset needs time.
            let _ = self
                .changed
                .wait_interruptible_timeout(&mut s, msecs_to_jiffies(WAIT_SLICE_MS));
        }
        s
    }
}

impl WorkItem for Channel {
    type Pointer = Arc<Channel>;

    fn run(this: Arc<Channel>) {
        this.run_jobs();
    }
}

/// The channels of the DRM device's files, and the queue their runners
/// run on, for as long as the DRM device is registered:
/// [`Channels::revoke`] frees them all when it ends.
#[pin_data]
pub(crate) struct Channels {
    /// `None` once revoked.
    #[pin]
    list: Mutex<Option<(KVec<Arc<Channel>>, OwnedQueue)>>,
    /// GPU resets begun: channels made or remade across one are made
    /// again after it.
    resets: Atomic<u64>,
}

impl Channels {
    pub(crate) fn new() -> Result<Arc<Self>> {
        let queue = OwnedQueue::new(c"nvgsp_drm_jobs")?;
        Arc::pin_init(
            pin_init!(Channels {
                list <- new_mutex!(Some((KVec::new(), queue))),
                resets: Atomic::new(0),
            }),
            GFP_KERNEL,
        )
    }

    /// GPU resets begun so far.
    fn resets(&self) -> u64 {
        self.resets.load(Acquire)
    }

    /// Whether another channel may be made now.
    pub(crate) fn has_room(&self) -> bool {
        self.list
            .lock()
            .as_ref()
            .is_some_and(|(l, _)| l.len() < MAX_CHANNELS)
    }

    fn add(&self, channel: Arc<Channel>) -> Result {
        let mut list = self.list.lock();
        let (list, _) = Option::as_mut(&mut *list).ok_or(ENODEV)?;
        if list.len() >= MAX_CHANNELS {
            return Err(ENOSPC);
        }
        list.push(channel, GFP_KERNEL)?;
        Ok(())
    }

    fn remove(&self, channel: &Arc<Channel>) {
        let mut list = self.list.lock();
        if let Some((list, _)) = Option::as_mut(&mut *list) {
            if let Some(at) = list.iter().position(|c| Arc::ptr_eq(c, channel)) {
                let _ = list.remove(at);
            }
        }
    }

    /// Runs `channel`'s runner; whether it was queued.
    fn enqueue(&self, channel: Arc<Channel>) -> bool {
        let list = self.list.lock();
        match list.as_ref() {
            Some((_, queue)) => queue.queue().enqueue(channel).is_ok(),
            None => false,
        }
    }

    /// Every channel, for a moment.
    fn all(&self) -> KVec<Arc<Channel>> {
        let list = self.list.lock();
        let mut all = KVec::new();
        if let Some((l, _)) = list.as_ref() {
            for c in l.iter() {
                if all.push(c.clone(), GFP_KERNEL).is_err() {
                    break;
                }
            }
        }
        all
    }

    /// Tells the channel with ID `chid` and object `object` that GSP-RM
    /// reported an error on it.
    pub(crate) fn channel_error(&self, chid: u32, object: Handle) {
        if let Some(c) = self.all().into_iter().find(|c| c.is(chid, object)) {
            c.channel_error();
        }
    }

    /// Frees every channel, waits for their runners, and holds no more.
    pub(crate) fn revoke(&self) {
        let taken = self.list.lock().take();
        if let Some((list, queue)) = taken {
            for c in list.iter() {
                c.revoke();
            }
            // Destroying the queue waits for the runners.
            drop(queue);
        }
    }
}

/// The channels' part in GPU resets.
pub(crate) struct ChannelReset(pub(crate) Arc<Channels>);

impl ResetHandler for ChannelReset {
    /// Stops handing jobs over. The jobs running fail once the GPU was
    /// reset (`done`): until then the engines may still run them.
    fn prepare(&self, _gpu: &Gpu) {
        self.0.resets.fetch_add(1, Release);
        for c in self.0.all() {
            c.state.lock().resetting = true;
        }
    }

    /// Has every channel's runner fail its running jobs and make the
    /// channel again (outside the channel's lock: that takes RPCs). A
    /// channel that cannot be made fails its jobs; the others go on, so
    /// this never fails.
    fn done(&self, _gpu: &Gpu) -> Result {
        for c in self.0.all() {
            let mut s = c.state.lock();
            s.resetting = false;
            s.error = true;
            c.start(&mut s);
            c.changed.notify_all();
        }
        Ok(())
    }
}
