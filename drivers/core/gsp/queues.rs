// SPDX-License-Identifier: GPL-2.0

//! The shared-memory queues between the driver and GSP-RM: one region with
//! a self-mapping page table, the command queue the driver writes and the
//! status (message) queue GSP-RM writes. The layout is in
//! `proto/src/gsp/queue.rs`.
//!
//! [`Queues::push`] and [`Queues::pop`] are the only code touching the
//! rings; their callers serialize each direction with a lock of its own, so
//! sending and receiving never wait for each other.

use kernel::{
    device,
    dma::Coherent,
    prelude::*, //
};

use kernel::num::casts::{
    u32_as_usize,
    usize_as_u64, //
};

// The queues are coherent DMA memory GSP-RM reads and writes: ordering
// against the device takes the DMA barriers (`dma_wmb`, `dma_rmb`,
// `dma_mb`), not CPU fences, which on arm64 order only the inner-shareable
// domain (Documentation/memory-barriers.txt, "DMA barriers").
use kernel::sync::barrier::{
    dma_mb,
    Full,
    Read,
    Write, //
};

use crate::proto::gsp::{
    msgq,
    queue::{
        self,
        MsgqTxHeader,
        CMD_QUEUE_OFFSET,
        GSP_PAGE_SIZE,
        PTE_COUNT,
        QUEUE_ENTRY_COUNT,
        QUEUE_ENTRY_OFFSET,
        QUEUE_RX_HDR_OFFSET,
        RX_READ_PTR,
        SHARED_REGION_SIZE,
        STAT_QUEUE_OFFSET,
        TX_WRITE_PTR, //
    },
};
use crate::{
    dma::{
        read_bytes,
        read_u32,
        write_bytes,
        write_u32, //
    },
    wire::Wire,
};

/// What went wrong reading the status queue. Each is GSP-RM (or a
/// corrupted queue) sending something the driver must not trust.
pub(crate) enum PopError {
    /// GSP-RM's write pointer is outside the queue.
    WritePointer(u32),
    /// The element failed validation.
    Element(msgq::ParseError),
    /// Allocation or access failure.
    Kernel(Error),
}

impl From<Error> for PopError {
    fn from(e: Error) -> Self {
        PopError::Kernel(e)
    }
}

/// What [`Queues::pop`] returns: the new read pointer (the element is in
/// the caller's buffer), or why it failed and the read pointer to continue
/// from.
pub(crate) type PopResult = Result<Option<u32>, (PopError, u32)>;

/// The shared region.
pub(crate) struct Queues {
    mem: Coherent<[u8]>,
}

impl Queues {
    /// Allocates the region, fills in its page table and the command queue
    /// header.
    pub(crate) fn new(dev: &device::Device<device::Bound>) -> Result<Self> {
        let mem = Coherent::<u8>::zeroed_slice(dev, SHARED_REGION_SIZE, GFP_KERNEL)?;
        let q = Self { mem };
        q.format()?;
        Ok(q)
    }

    /// Writes the page table and the command queue header into the
    /// (zeroed) region.
    fn format(&self) -> Result {
        let base = self.mem.dma_address();
        for i in 0..u32_as_usize(PTE_COUNT) {
            let pte = base + usize_as_u64(i * GSP_PAGE_SIZE);
            write_bytes(&self.mem, i * 8, &pte.to_le_bytes())?;
        }
        let mut hdr = [0u8; MsgqTxHeader::SIZE];
        MsgqTxHeader::new_cmdq().encode(&mut hdr).ok_or(EINVAL)?;
        write_bytes(&self.mem, CMD_QUEUE_OFFSET, &hdr)
    }

    /// Puts the region back as [`Self::new`] made it, both queues empty,
    /// for a GSP-RM booted again after a crash. GSP-RM must not be
    /// running, and the caller holds both directions' locks.
    pub(crate) fn reset(&self) -> Result {
        let zeros = [0u8; 256];
        for off in (0..SHARED_REGION_SIZE).step_by(zeros.len()) {
            let len = zeros.len().min(SHARED_REGION_SIZE - off);
            write_bytes(&self.mem, off, &zeros[..len])?;
        }
        self.format()
    }

    /// Bus address of the region (`sharedMemPhysAddr`).
    pub(crate) fn dma_address(&self) -> u64 {
        self.mem.dma_address()
    }

    fn cmd_entry(i: u32) -> usize {
        CMD_QUEUE_OFFSET + QUEUE_ENTRY_OFFSET + u32_as_usize(i) * GSP_PAGE_SIZE
    }

    fn msg_entry(i: u32) -> usize {
        STAT_QUEUE_OFFSET + QUEUE_ENTRY_OFFSET + u32_as_usize(i) * GSP_PAGE_SIZE
    }

    /// GSP-RM's read pointer into the command queue.
    fn gsp_read_ptr(&self) -> Result<u32> {
        read_u32(
            &self.mem,
            STAT_QUEUE_OFFSET + u32_as_usize(QUEUE_RX_HDR_OFFSET) + RX_READ_PTR,
        )
    }

    /// Entries the driver may write now.
    pub(crate) fn cmd_space(&self, write: u32) -> Result<u32> {
        Ok(queue::free_entries(
            write,
            self.gsp_read_ptr()?,
            QUEUE_ENTRY_COUNT,
        ))
    }

    /// Writes `element` (already encoded, checksummed) at the driver's
    /// write pointer `write` and publishes it. The caller checked
    /// [`Self::cmd_space`]. Returns the new write pointer.
    pub(crate) fn push(&self, write: u32, element: &[u8]) -> Result<u32> {
        let mut w = write;
        for chunk in element.chunks(GSP_PAGE_SIZE) {
            write_bytes(&self.mem, Self::cmd_entry(w), chunk)?;
            w = (w + 1) % QUEUE_ENTRY_COUNT;
        }
        // The element's bytes are visible to GSP-RM before the pointer
        // that publishes them (dma_wmb).
        dma_mb(Write);
        write_u32(&self.mem, CMD_QUEUE_OFFSET + TX_WRITE_PTR, w)?;
        Ok(w)
    }

    /// Reads the next element of the status queue at the driver's read
    /// pointer `read`, if there is one: returns it and the new read
    /// pointer. A malformed element is consumed (there is no way to
    /// resynchronise within it) and reported.
    /// Copies the next element of the status queue into `buf` (reused from
    /// call to call, so draining allocates nothing once it is large enough).
    pub(crate) fn pop(&self, read: u32, buf: &mut KVec<u8>) -> PopResult {
        let write =
            read_u32(&self.mem, STAT_QUEUE_OFFSET + TX_WRITE_PTR).map_err(|e| (e.into(), read))?;
        if write >= QUEUE_ENTRY_COUNT {
            return Err((PopError::WritePointer(write), read));
        }
        if write == read {
            return Ok(None);
        }
        // The element is read only after the write pointer that
        // published it (dma_rmb).
        dma_mb(Read);
        let avail = queue::used_entries(write, read, QUEUE_ENTRY_COUNT);
        let mut first = [0u8; msgq::ELEMENT_HEADER_SIZE + msgq::RPC_HEADER_SIZE];
        read_bytes(&self.mem, Self::msg_entry(read), &mut first).map_err(|e| (e.into(), read))?;
        let (count, rpc_length) = msgq::peek_lengths(&first).unwrap_or((0, 0));
        if count == 0
            || count > avail
            || u32_as_usize(count) * GSP_PAGE_SIZE > msgq::ELEMENT_SIZE_MAX
        {
            // Skip everything published: nothing in it can be trusted.
            self.consume(write).map_err(|e| (e.into(), write))?;
            return Err((
                PopError::Element(msgq::ParseError::BadElementCount(count)),
                write,
            ));
        }
        let next = (read + count) % QUEUE_ENTRY_COUNT;
        // Copy what the message occupies, not its whole pages: the checksum
        // covers only those bytes. An element with more pages than its
        // length needs (or a split message's head) is copied whole and
        // left to `parse_element` to judge.
        let pages = u32_as_usize(count) * GSP_PAGE_SIZE;
        let used = msgq::ELEMENT_HEADER_SIZE.saturating_add(u32_as_usize(rpc_length));
        let len = if used <= pages && used > pages - GSP_PAGE_SIZE {
            used.max(first.len())
        } else {
            pages
        };
        buf.clear();
        buf.resize(len, 0, GFP_KERNEL)
            .map_err(|e| (Error::from(e).into(), read))?;
        for (i, page) in buf.chunks_mut(GSP_PAGE_SIZE).enumerate() {
            let idx = (read + i as u32) % QUEUE_ENTRY_COUNT;
            read_bytes(&self.mem, Self::msg_entry(idx), page).map_err(|e| (e.into(), read))?;
        }
        self.consume(next).map_err(|e| (e.into(), next))?;
        Ok(Some(next))
    }

    /// Whether GSP-RM published something past the driver's read pointer
    /// `read` (a look at the write pointer in shared memory, no register
    /// access).
    pub(crate) fn has_message(&self, read: u32) -> bool {
        read_u32(&self.mem, STAT_QUEUE_OFFSET + TX_WRITE_PTR).is_ok_and(|w| w != read)
    }

    /// Tells GSP-RM the driver read the status queue up to `read`.
    fn consume(&self, read: u32) -> Result {
        // Every read of the consumed elements completes before GSP-RM may
        // overwrite them: loads ordered before a store, which only the
        // full DMA barrier does (dma_wmb orders stores alone on arm64).
        dma_mb(Full);
        write_u32(
            &self.mem,
            CMD_QUEUE_OFFSET + u32_as_usize(QUEUE_RX_HDR_OFFSET) + RX_READ_PTR,
            read,
        )
    }
}
