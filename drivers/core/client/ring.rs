// SPDX-License-Identifier: GPL-2.0

//! A channel's GPFIFO ring as the CPU fills it, and how the core learns
//! that the host finished a submission.
//!
//! Each submission is the client's pushbuffer segments followed by one
//! segment of the core's own: a host semaphore release of the
//! submission's sequence number (64 bits, so it never wraps), a system
//! membar, and `NON_STALL_INTERRUPT` (nouveau `gv100_fence_emit32`, which
//! NVK's kernel side relies on too). So the channel's semaphore says how
//! far the host got, in memory the CPU reads, and the engine's non-stall
//! vector says when to look ([`crate::events::ChannelWatcher`]).
//!
//! The ring, USERD and the semaphore page are coherent system memory;
//! GP_PUT is written after the entries (with a DMA write barrier), the
//! doorbell after GP_PUT (`writel` orders it after earlier stores).

use kernel::{
    dma::Coherent,
    prelude::*,
    sync::barrier::{
        dma_mb,
        Write, //
    },
};

use kernel::num::casts::{
    u32_as_usize,
    usize_as_u64, //
};

use crate::{
    dma::{
        read_u32,
        read_u64,
        write_u32,
        write_u64, //
    },
    proto::host::{
        self,
        method,
        sem_execute,
        GP_ENTRY_MAX_DWORDS,
        USERD_GP_GET,
        USERD_GP_PUT, //
    },
};

/// GPFIFO entries of a channel's ring (8 bytes each: one 4 KiB page).
pub const ENTRIES: u32 = 512;
/// Where the semaphore is in the core's area (16 bytes, room for a
/// release with a timestamp).
const SEMAPHORE_AT: usize = 0;
/// Where the completion segments start in the core's area.
const SEGMENTS_AT: usize = 0x1000;
/// Bytes of one completion segment.
const SEGMENT_SIZE: usize = 64;
/// Completion segments: one per submission in flight at most (each
/// takes at least one entry, and one entry always stays free).
const SEGMENTS: usize = ENTRIES as usize;
/// The core's area: the semaphore page and the segments.
pub(super) const AREA_SIZE: usize = SEGMENTS_AT + SEGMENTS * SEGMENT_SIZE;

/// One pushbuffer segment for the host to run: `dwords` 32-bit words at
/// GPU VA `va` of the channel's VA space.
#[derive(Clone, Copy, Debug)]
pub struct Push {
    /// Its GPU VA (40 bits).
    pub va: u64,
    /// Its length in 32-bit words (1 to 2^21 - 1).
    pub dwords: u32,
}

/// The ring and what the host reads and writes beside it.
pub(super) struct Ring {
    /// The entries, mapped at `ring_va`.
    ring: Coherent<[u8]>,
    /// USERD: GP_PUT (the CPU's) and GP_GET (the host's).
    userd: Coherent<[u8]>,
    /// The semaphore and the completion segments, mapped at `area_va`.
    area: Coherent<[u8]>,
    /// The next entry the CPU writes.
    put: u32,
    /// The sequence number of the next submission.
    next: u64,
}

impl Ring {
    /// A ring in `ring`, `userd` and `area` (zeroed), whose sequence
    /// numbers go on from `next` (a channel made again after a reset
    /// keeps counting).
    pub(super) fn new(
        ring: Coherent<[u8]>,
        userd: Coherent<[u8]>,
        area: Coherent<[u8]>,
        next: u64,
    ) -> Result<Self> {
        // The semaphore says everything before `next` is done: a new
        // ring never goes back.
        write_u64(&area, SEMAPHORE_AT, next.saturating_sub(1))?;
        Ok(Ring {
            ring,
            userd,
            area,
            put: 0,
            next,
        })
    }

    /// USERD's memory.
    pub(super) fn userd_memory(&self) -> &Coherent<[u8]> {
        &self.userd
    }

    /// The last sequence number the host released.
    pub(super) fn completed(&self) -> u64 {
        read_u64(&self.area, SEMAPHORE_AT).unwrap_or(0)
    }

    /// The sequence number the next submission gets.
    pub(super) fn next(&self) -> u64 {
        self.next
    }

    /// Free entries: those the host fetched (its GP_GET in USERD, which
    /// may lag) up to GP_PUT, less the one that always stays free.
    fn free(&self) -> u32 {
        let get = read_u32(&self.userd, USERD_GP_GET as usize).unwrap_or(self.put) % ENTRIES;
        (get + ENTRIES - self.put - 1) % ENTRIES
    }

    /// Writes `pushes` and the completion segment of the next sequence
    /// number into the ring, then GP_PUT; returns the sequence number.
    /// `area_va` is where the area is mapped. The caller rings the
    /// doorbell.
    ///
    /// # Errors
    ///
    /// `EINVAL` for an empty or too long segment, or a VA the GPFIFO
    /// entry cannot hold; `E2BIG` for more segments than the ring holds;
    /// `EBUSY` while the ring has no room (the host has not fetched
    /// enough of what came before).
    pub(super) fn submit(&mut self, area_va: u64, pushes: &[Push]) -> Result<u64> {
        let n = pushes.len() + 1;
        if n >= u32_as_usize(ENTRIES) {
            return Err(E2BIG);
        }
        let mut entries = KVec::with_capacity(n, GFP_KERNEL)?;
        for p in pushes {
            if p.dwords == 0 || p.dwords > GP_ENTRY_MAX_DWORDS {
                return Err(EINVAL);
            }
            entries.push(
                host::gp_entry(p.va, p.dwords, false).ok_or(EINVAL)?,
                GFP_KERNEL,
            )?;
        }
        let seq = self.next;
        let slot = usize::try_from(seq % usize_as_u64(SEGMENTS)).map_err(|_| EINVAL)?;
        // The slot's last user must be done with it (the host fetched its
        // entry; this makes sure it ran it).
        if self.completed().saturating_add(usize_as_u64(SEGMENTS)) <= seq {
            return Err(EBUSY);
        }
        let n32 = u32::try_from(n).map_err(|_| E2BIG)?;
        if self.free() < n32 {
            return Err(EBUSY);
        }
        let at = SEGMENTS_AT + slot * SEGMENT_SIZE;
        let words = self.write_segment(at, area_va, seq)?;
        let seg_va = area_va + usize_as_u64(at);
        entries.push(
            host::gp_entry(seg_va, words, false).ok_or(EINVAL)?,
            GFP_KERNEL,
        )?;
        let mut put = self.put;
        for e in &entries {
            write_u64(&self.ring, u32_as_usize(put) * 8, *e)?;
            put = (put + 1) % ENTRIES;
        }
        // The entries before GP_PUT.
        dma_mb(Write);
        write_u32(&self.userd, USERD_GP_PUT as usize, put)?;
        self.put = put;
        self.next = seq + 1;
        Ok(seq)
    }

    /// Writes the completion segment releasing `seq` at `at` of the area;
    /// returns its length in words.
    fn write_segment(&self, at: usize, area_va: u64, seq: u64) -> Result<u32> {
        let sem = area_va + usize_as_u64(SEMAPHORE_AT);
        let words = [
            host::inc(0, method::SEM_ADDR_LO, 4).ok_or(EINVAL)?,
            (sem & 0xffff_fffc) as u32,
            ((sem >> 32) & 0xff) as u32,
            seq as u32,
            (seq >> 32) as u32,
            host::inc(0, method::SEM_EXECUTE, 1).ok_or(EINVAL)?,
            sem_execute::RELEASE | sem_execute::RELEASE_WFI | sem_execute::PAYLOAD_SIZE_64BIT,
            host::inc(0, method::MEM_OP_A, 4).ok_or(EINVAL)?,
            0,
            0,
            host::MEM_OP_C_SYS_MEMBAR,
            host::MEM_OP_D_OPERATION_MEMBAR << host::MEM_OP_D_OPERATION_SHIFT,
            host::immediate(0, method::NON_STALL_INTERRUPT, 0).ok_or(EINVAL)?,
        ];
        for (i, w) in words.iter().enumerate() {
            write_u32(&self.area, at + i * 4, *w)?;
        }
        u32::try_from(words.len()).map_err(|_| EINVAL)
    }
}
