// SPDX-License-Identifier: GPL-2.0

//! [`Scrubber`]: a copy-engine channel that writes zeroes over VRAM, so
//! that memory a vGPU is given holds nothing of its last user.
//!
//! VRAM keeps what was written to it until something overwrites it, and a
//! VF reaches its guest memory directly: the host has to clear that memory
//! before a VM sees it. The CPU's way (BAR1, [`Vram::clear`]) is far too
//! slow for gigabytes; a copy engine is what RM's scrubber and NVIDIA's
//! vGPU RFC v2 use. `AMPERE_DMA_COPY_B` needs a source, so the scrubber
//! copies a zeroed 64 KiB system page to the start of the range, then
//! doubles the cleared part by copying it onto what follows (each launch
//! `NON_PIPELINED`, so it reads what the previous one wrote, clc7b5.h
//! `DATA_TRANSFER_TYPE`), up to [`CHUNK`], and then copies that chunk
//! over the rest. A 1 GiB range takes 26 launches.
//!
//! The channel is an ordinary client channel (unprivileged, virtual
//! addresses): the range is mapped in the scrubber's own VA space while it
//! is cleared. The scrubber belongs to the vfio client's vGPU manager and
//! counts against the vfio kind's share (one channel ID, the channel's
//! instance block).

use kernel::{
    dma::Coherent,
    new_condvar, new_mutex,
    prelude::*,
    sync::{
        Arc,
        CondVar,
        CondVarTimeoutResult,
        Mutex, //
    },
    time::{
        delay::fsleep,
        msecs_to_jiffies,
        Delta,
        Instant,
        Monotonic, //
    },
};

use kernel::num::casts::usize_as_u64;

use super::{
    vaspace::Mapping,
    Channel,
    ChannelWatcher,
    Engine,
    Gpu,
    Push,
    VaSpace,
    Vram,
    CLIENT_VA_START, //
};
use crate::{
    dma::write_u32,
    proto::{
        copy::{
            self,
            method as ce,
            LaunchDma,
            AMPERE_DMA_COPY_B, //
        },
        host::{
            self,
            SET_OBJECT_NVCLASS_MASK, //
        },
    },
    timeouts,
};

/// The zeroed system page the first launch copies from.
const ZERO_SIZE: usize = 64 << 10;
/// The pushbuffer: 16,384 words, room for [`LAUNCHES_PER_PUSH`] launches.
const PUSH_SIZE: usize = 64 << 10;
/// Words of one launch: two method headers and nine data words.
const LAUNCH_WORDS: usize = 11;
/// Words of the pushbuffer's start (`SET_OBJECT`).
const HEAD_WORDS: usize = 2;
/// Launches one pushbuffer holds.
const LAUNCHES_PER_PUSH: usize = (PUSH_SIZE / 4 - HEAD_WORDS) / LAUNCH_WORDS;
/// The most bytes one launch copies once the cleared part is this large
/// (`LINE_LENGTH_IN` is 32 bits).
const CHUNK: u64 = 64 << 20;
/// Where the range being cleared is mapped.
const WINDOW: u64 = CLIENT_VA_START;
/// The subchannel the copy object is bound to (nouveau's and NVK's CE
/// subchannel).
const SUBCHANNEL: u32 = 4;

/// One copy: `len` bytes from `src` to `dst`, offsets from the start of
/// the range being cleared (`None`: from the zero page).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Launch {
    pub(super) src: Option<u64>,
    pub(super) dst: u64,
    pub(super) len: u64,
}

/// The launches that clear `size` bytes: the zero page onto the start,
/// then the cleared part doubled up to [`CHUNK`], then chunks. Each
/// launch reads only what launches before it wrote.
pub(super) fn plan(size: u64) -> impl Iterator<Item = Launch> {
    let zero = size.min(usize_as_u64(ZERO_SIZE));
    let first = (zero > 0).then_some(Launch {
        src: None,
        dst: 0,
        len: zero,
    });
    let mut done = zero;
    Iterator::chain(
        first.into_iter(),
        core::iter::from_fn(move || {
            if done >= size {
                return None;
            }
            let len = done.min(CHUNK).min(size - done);
            let l = Launch {
                src: Some(0),
                dst: done,
                len,
            };
            done += len;
            Some(l)
        }),
    )
}

/// Wakes the scrubber when the copy engine's non-stall interrupt says
/// its channel may have moved on.
#[pin_data]
struct Wake {
    #[pin]
    lock: Mutex<()>,
    #[pin]
    cond: CondVar,
}

impl ChannelWatcher for Wake {
    fn progress(&self) {
        // Under the lock: the waiter checks and sleeps under it, so no
        // wake-up falls between the two.
        let _guard = self.lock.lock();
        self.cond.notify_all();
    }
}

/// A copy-engine channel and what its pushbuffers need.
pub(super) struct Scrubber {
    /// Dropped first: it runs in the VA space.
    channel: Channel,
    engine: Engine,
    wake: Arc<Wake>,
    push_va: Mapping,
    zero_va: Mapping,
    push: Coherent<[u8]>,
    _zero: Coherent<[u8]>,
    vaspace: VaSpace,
    /// Bytes mapped at [`WINDOW`].
    window: u64,
}

impl Scrubber {
    /// A scrubber on the first copy engine GSP-RM gave a runlist and a
    /// non-stall vector, with a channel ID and an instance block from
    /// `gpu`'s share.
    ///
    /// # Errors
    ///
    /// `ENODEV` without such a copy engine; those of allocating a
    /// channel, VRAM and a VA space; GSP-RM's refusal.
    pub(super) fn new(gpu: &Gpu) -> Result<Self> {
        let engine = {
            let guard = gpu.services()?;
            let config = guard.get().gpu;
            config
                .engines()
                .iter()
                .copied()
                .find(|&e| {
                    e.copy_index()
                        .is_some_and(|n| config.ce_nonstall_vector(n).is_some())
                        && config.runlist_of(e).is_some()
                })
                .ok_or(ENODEV)?
        };
        let (push, zero) = {
            let guard = gpu.services()?;
            let dev = guard.get().pdev.as_ref();
            (
                Coherent::<u8>::zeroed_slice(dev, PUSH_SIZE, GFP_KERNEL)?,
                Coherent::<u8>::zeroed_slice(dev, ZERO_SIZE, GFP_KERNEL)?,
            )
        };
        let vaspace = gpu.alloc_vaspace()?;
        let push_va = vaspace.map(&push)?;
        let zero_va = vaspace.map(&zero)?;
        let mut channel = gpu.alloc_channel()?;
        channel.create_gpfifo(engine, &vaspace)?;
        let wake = Arc::pin_init(
            pin_init!(Wake {
                lock <- new_mutex!(()),
                cond <- new_condvar!(),
            }),
            GFP_KERNEL,
        )?;
        channel.watch(wake.clone())?;
        Ok(Scrubber {
            channel,
            engine,
            wake,
            push_va,
            zero_va,
            push,
            _zero: zero,
            vaspace,
            window: 0,
        })
    }

    /// Writes zeroes over all of `vram` and waits until the copy engine
    /// is done.
    ///
    /// # Errors
    ///
    /// `ETIMEDOUT` if the engine did not finish in time (logged; the
    /// channel is made anew for the next scrub), `EAGAIN` during a GPU
    /// reset, and those of mapping the range and submitting. A signal
    /// does not end the wait.
    pub(super) fn clear(&mut self, vram: &Vram) -> Result {
        let size = vram.size();
        if size == 0 {
            return Ok(());
        }
        // What an earlier clear could not unmap goes first.
        self.unmap_window()?;
        let mapped = {
            let mut update = self.vaspace.update()?;
            update.map_vram(WINDOW, vram, 0, size)?;
            self.window = size;
            update.finish()
        };
        let r = mapped.and_then(|()| self.run(size));
        // Unmapped whatever happened: the range goes back to its owner.
        r.and(self.unmap_window())
    }

    /// Unmaps what the window maps, if anything.
    fn unmap_window(&mut self) -> Result {
        if self.window == 0 {
            return Ok(());
        }
        let r = self.vaspace.update().and_then(|mut u| {
            u.unmap(WINDOW, self.window)?;
            // Out of the tables: an invalidate that fails now (during a
            // GPU reset) is made up by the next update's, and nothing
            // runs in the VA space meanwhile.
            self.window = 0;
            let _ = u.finish();
            Ok(())
        });
        r.inspect_err(|e| pr_err!("nvgsp: the scrubber cannot unmap its window: {:?}\n", e))
    }

    /// Submits the launches clearing the `size` bytes mapped at
    /// [`WINDOW`], a pushbuffer at a time, and waits for each.
    fn run(&mut self, size: u64) -> Result {
        let timeout = timeouts::scrub(size);
        let start = Instant::<Monotonic>::now();
        let mut launches = plan(size).peekable();
        while launches.peek().is_some() {
            let words = self.write_push(&mut launches)?;
            let seq = self.submit(words)?;
            self.wait(seq, start, timeout, size)?;
        }
        Ok(())
    }

    /// Writes `SET_OBJECT` and as many of `launches` as the pushbuffer
    /// holds; returns its length in words.
    fn write_push(
        &self,
        launches: &mut core::iter::Peekable<impl Iterator<Item = Launch>>,
    ) -> Result<usize> {
        let mut words = KVec::with_capacity(PUSH_SIZE / 4, GFP_KERNEL)?;
        words.push(
            host::inc(SUBCHANNEL, host::method::SET_OBJECT, 1).ok_or(EINVAL)?,
            GFP_KERNEL,
        )?;
        words.push(AMPERE_DMA_COPY_B & SET_OBJECT_NVCLASS_MASK, GFP_KERNEL)?;
        let zero = self.zero_va.va();
        for l in launches.by_ref().take(LAUNCHES_PER_PUSH) {
            let src = l.src.map_or(zero, |s| WINDOW + s);
            let dst = WINDOW + l.dst;
            let len = u32::try_from(l.len).map_err(|_| EINVAL)?;
            // OFFSET_IN_UPPER .. LINE_COUNT: 0x400..0x41c, consecutive.
            words.extend_from_slice(
                &[
                    host::inc(SUBCHANNEL, ce::OFFSET_IN_UPPER, 8).ok_or(EINVAL)?,
                    copy::upper(src),
                    copy::lower(src),
                    copy::upper(dst),
                    copy::lower(dst),
                    len,
                    len,
                    len,
                    1,
                    host::inc(SUBCHANNEL, ce::LAUNCH_DMA, 1).ok_or(EINVAL)?,
                    LaunchDma::pitch_copy(false).encode(),
                ],
                GFP_KERNEL,
            )?;
        }
        for (i, w) in words.iter().enumerate() {
            write_u32(&self.push, i * 4, *w)?;
        }
        Ok(words.len())
    }

    /// Submits the pushbuffer's first `words` words, making the channel's
    /// object again if a GPU reset took it.
    fn submit(&mut self, words: usize) -> Result<u64> {
        let push = Push {
            va: self.push_va.va(),
            dwords: u32::try_from(words).map_err(|_| EINVAL)?,
        };
        match self.channel.submit(&[push]) {
            Err(e) if e == ENODEV => {
                self.channel.destroy_gpfifo();
                self.channel.create_gpfifo(self.engine, &self.vaspace)?;
                self.channel.submit(&[push])
            }
            r => r,
        }
    }

    /// Waits until the channel finished `seq`, at most until `timeout`
    /// after `start`.
    fn wait(&mut self, seq: u64, start: Instant<Monotonic>, timeout: Delta, size: u64) -> Result {
        let mut guard = self.wake.lock.lock();
        while self.channel.completed() < seq {
            // A GPU reset took the channel, and what it was to run.
            if self.channel.is_lost() {
                return Err(EAGAIN);
            }
            let left = timeout - start.elapsed();
            if left.is_negative() || left.is_zero() {
                drop(guard);
                pr_err!(
                    "nvgsp: the copy engine did not clear {} MiB in {} ms\n",
                    size >> 20,
                    timeout.as_millis()
                );
                self.channel.destroy_gpfifo();
                return Err(ETIMEDOUT);
            }
            // Woken by the engine's non-stall interrupt; a tick at most
            // in case it is lost.
            let ms = u32::try_from(left.as_millis().clamp(1, 100)).unwrap_or(100);
            if let CondVarTimeoutResult::Signal { .. } = self
                .wake
                .cond
                .wait_interruptible_timeout(&mut guard, msecs_to_jiffies(ms))
            {
                // A signal does not stop a scrub (a VMM killed while its
                // vGPU is reset on the last close has one pending): the
                // wait goes on by polling, bounded by the timeout.
                drop(guard);
                fsleep(Delta::from_millis(1));
                guard = self.wake.lock.lock();
            }
        }
        Ok(())
    }
}

#[kunit_tests(nvgsp_core_scrub)]
mod tests {
    use super::*;

    /// Checks that the launches of `size` cover it exactly, each reading
    /// only what was cleared before it.
    fn covers(size: u64) -> Result<usize> {
        let mut cleared = 0u64;
        let mut n = 0;
        for l in plan(size) {
            if l.dst != cleared || l.len == 0 || l.len > u64::from(u32::MAX) {
                return Err(EINVAL);
            }
            match l.src {
                None if l.len as usize <= ZERO_SIZE => {}
                Some(s) if s + l.len <= cleared => {}
                _ => return Err(EINVAL),
            }
            cleared += l.len;
            n += 1;
        }
        if cleared != size {
            return Err(EINVAL);
        }
        Ok(n)
    }

    #[test]
    fn plans_cover_the_range() -> Result {
        assert_eq!(covers(0)?, 0);
        assert_eq!(covers(4096)?, 1);
        assert_eq!(covers(64 << 10)?, 1);
        assert_eq!(covers((64 << 10) + 4096)?, 2);
        // 64 KiB doubled ten times to 64 MiB, then 15 chunks.
        assert_eq!(covers(1 << 30)?, 1 + 10 + 15);
        assert_eq!(covers((3 << 30) + (5 << 12))?, 1 + 10 + 48);
        assert_eq!(covers(24 << 30)?, 1 + 10 + 383);
        Ok(())
    }

    #[test]
    fn a_launch_fits_a_pushbuffer() {
        assert!(HEAD_WORDS + LAUNCHES_PER_PUSH * LAUNCH_WORDS <= PUSH_SIZE / 4);
        assert!(LAUNCHES_PER_PUSH >= 400);
    }
}
