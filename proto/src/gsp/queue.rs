// SPDX-License-Identifier: GPL-2.0
//! The shared-memory message queues: `msgqTxHeader`, `msgqRxHeader` and the
//! layout of the region that holds the command queue (CPU to GSP) and the
//! status queue (GSP to CPU).
//!
//! Layout (NVIDIA `message_queue_cpu.c` `_getMsgQueueParams()`, nouveau
//! `r535_gsp_shared_init()`, nova-core `cmdq.rs` `GspMem`; all three agree):
//!
//! ```text
//! 0x00000  page table: one u64 DMA address per 4 KiB page of the region,
//!          PTE_COUNT entries, padded to a page
//! 0x01000  command queue: msgqTxHeader (CPU writes), msgqRxHeader (CPU
//!          writes: its read pointer into the *status* queue), entries at +0x1000
//! 0x41000  status queue: msgqTxHeader (GSP writes), msgqRxHeader (GSP
//!          writes: its read pointer into the *command* queue), entries at +0x1000
//! ```
//!
//! Read and write pointers count entries (pages), modulo `msgCount`.

use super::super::wire::Wire;

/// GSP page size (nova-core `GSP_PAGE_SIZE`, NVIDIA `RM_PAGE_SIZE`).
pub const GSP_PAGE_SIZE: usize = 0x1000;
/// log2 of [`GSP_PAGE_SIZE`].
pub const GSP_PAGE_SHIFT: u32 = 12;

/// `MSGQ_VERSION` (msgq_priv.h): the only queue version.
pub const MSGQ_VERSION: u32 = 0;
/// `MSGQ_FLAGS_SWAP_RX` (msgq.h): "I want to swap RX", set by both nova and
/// nouveau in the command queue header.
pub const MSGQ_FLAGS_SWAP_RX: u32 = 1;
/// `MSGQ_MSG_SIZE_MIN` (msgq.h).
pub const MSGQ_MSG_SIZE_MIN: u32 = 16;

/// Size of each queue (header page plus entries): 256 KiB
/// (`defaultCommandQueueSize`/`defaultStatusQueueSize` in
/// message_queue_cpu.c; nouveau `shm.cmdq.size = 0x40000`).
pub const QUEUE_SIZE: usize = 0x40000;
/// `entryOff`: entries start one page into each queue
/// (`GSP_MSG_QUEUE_HEADER_SIZE` = `RM_PAGE_SIZE`).
pub const QUEUE_ENTRY_OFFSET: usize = GSP_PAGE_SIZE;
/// `msgSize`: one entry is one page (`GSP_MSG_QUEUE_ELEMENT_SIZE_MIN`).
pub const QUEUE_ENTRY_SIZE: usize = GSP_PAGE_SIZE;
/// `msgCount`: entries per queue, (0x40000 - 0x1000) / 0x1000 = 0x3f
/// (nova `MSGQ_NUM_PAGES`).
pub const QUEUE_ENTRY_COUNT: u32 = ((QUEUE_SIZE - QUEUE_ENTRY_OFFSET) / QUEUE_ENTRY_SIZE) as u32;
/// `rxHdrOff`: the rx header follows the 32-byte tx header.
pub const QUEUE_RX_HDR_OFFSET: u32 = MsgqTxHeader::SIZE as u32;

/// Page table entries needed for both queues plus the table itself:
/// 0x80 queue pages + ceil(0x80 * 8 / 0x1000) = 0x81
/// (`pageTableEntryCount`, nova `Cmdq::NUM_PTES`).
pub const PTE_COUNT: u32 = {
    let pages = 2 * QUEUE_SIZE / GSP_PAGE_SIZE;
    (pages + (pages * 8).div_ceil(GSP_PAGE_SIZE)) as u32
};
/// Bytes of the page table, rounded up to a page (`pageTableSize`).
pub const PTE_TABLE_SIZE: usize = (PTE_COUNT as usize * 8).next_multiple_of(GSP_PAGE_SIZE);
/// `cmdQueueOffset`: the command queue header, from the region start.
pub const CMD_QUEUE_OFFSET: usize = PTE_TABLE_SIZE;
/// `statQueueOffset`: the status queue header, from the region start.
pub const STAT_QUEUE_OFFSET: usize = CMD_QUEUE_OFFSET + QUEUE_SIZE;
/// Total bytes of the shared region.
pub const SHARED_REGION_SIZE: usize = STAT_QUEUE_OFFSET + QUEUE_SIZE;

crate::wire_struct! {
    /// `msgqTxHeader` (msgq_priv.h): queue metadata, written by the queue's
    /// producer at the start of its queue.
    pub struct MsgqTxHeader {
        /// `version`: [`MSGQ_VERSION`].
        pub version: u32,
        /// `size`: bytes of the whole queue, page aligned.
        pub size: u32,
        /// `msgSize`: bytes per entry, a power of two.
        pub msg_size: u32,
        /// `msgCount`: number of entries.
        pub msg_count: u32,
        /// `writePtr`: index of the next entry the producer writes.
        pub write_ptr: u32,
        /// `flags`: [`MSGQ_FLAGS_SWAP_RX`].
        pub flags: u32,
        /// `rxHdrOff`: offset of the `msgqRxHeader` from the queue start.
        pub rx_hdr_off: u32,
        /// `entryOff`: offset of the first entry from the queue start.
        pub entry_off: u32,
    }

    /// `msgqRxHeader` (msgq_priv.h): written by the consumer of the *other*
    /// queue.
    pub struct MsgqRxHeader {
        /// `readPtr`: index of the next entry the consumer reads.
        pub read_ptr: u32,
    }
}

/// Byte offset of `writePtr` in a [`MsgqTxHeader`]: after the queue is set
/// up, the one field its producer changes (pinned by `header_layouts`).
pub const TX_WRITE_PTR: usize = 16;
/// Byte offset of `readPtr` in a [`MsgqRxHeader`].
pub const RX_READ_PTR: usize = 0;

impl MsgqTxHeader {
    /// The command queue header as nova and nouveau initialize it.
    pub const fn new_cmdq() -> Self {
        Self {
            version: MSGQ_VERSION,
            size: QUEUE_SIZE as u32,
            msg_size: QUEUE_ENTRY_SIZE as u32,
            msg_count: QUEUE_ENTRY_COUNT,
            write_ptr: 0,
            flags: MSGQ_FLAGS_SWAP_RX,
            rx_hdr_off: QUEUE_RX_HDR_OFFSET,
            entry_off: QUEUE_ENTRY_OFFSET as u32,
        }
    }

    /// Checks a header the other side wrote: the version, a page-sized
    /// power-of-two entry size, and entries that fit in `region_len` bytes
    /// (the bytes available for this queue). Returns the entry count.
    pub fn validate(&self, region_len: usize) -> Result<u32, QueueError> {
        if self.version != MSGQ_VERSION {
            return Err(QueueError::Version(self.version));
        }
        if self.msg_size as usize != QUEUE_ENTRY_SIZE {
            return Err(QueueError::EntrySize(self.msg_size));
        }
        let end = (self.msg_count as usize)
            .checked_mul(QUEUE_ENTRY_SIZE)
            .and_then(|n| n.checked_add(self.entry_off as usize));
        let rx_end = (self.rx_hdr_off as usize).checked_add(MsgqRxHeader::SIZE);
        match (end, rx_end) {
            (Some(end), Some(rx_end))
                if self.msg_count >= 2
                    && end <= self.size as usize
                    && self.size as usize <= region_len
                    && (self.entry_off as usize) >= MsgqTxHeader::SIZE
                    && rx_end <= self.entry_off as usize =>
            {
                Ok(self.msg_count)
            }
            _ => Err(QueueError::Geometry),
        }
    }
}

/// Why a queue header was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueError {
    /// `version` is not [`MSGQ_VERSION`].
    Version(u32),
    /// `msgSize` is not one page.
    EntrySize(u32),
    /// Entries or the rx header do not fit in the queue or the region.
    Geometry,
}

/// Entries free for the producer, given its write pointer and the
/// consumer's read pointer (one entry always stays empty, as in nova's
/// `driver_write_area_size()`). Pointers are taken modulo `count`.
pub const fn free_entries(write_ptr: u32, read_ptr: u32, count: u32) -> u32 {
    if count == 0 {
        return 0;
    }
    // In u64: `r + count` overflows a u32 for counts above 2^31.
    let (w, r, n) = (
        (write_ptr % count) as u64,
        (read_ptr % count) as u64,
        count as u64,
    );
    ((r + n - w - 1) % n) as u32
}

/// Entries waiting for the consumer (nouveau `r535_gsp_msgq_wait()`).
pub const fn used_entries(write_ptr: u32, read_ptr: u32, count: u32) -> u32 {
    if count == 0 {
        return 0;
    }
    let (w, r, n) = (
        (write_ptr % count) as u64,
        (read_ptr % count) as u64,
        count as u64,
    );
    ((w + n - r) % n) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn header_layouts() {
        // msgq_priv.h: eight NvU32 fields; gsp_abi_check.c (570.144):
        // ABI_CHECK_SIZE_EQ(msgqTxHeader, 32), fields at 0,4,...,28.
        assert_eq!(size_of::<MsgqTxHeader>(), 32);
        assert_eq!(offset_of!(MsgqTxHeader, version), 0);
        assert_eq!(offset_of!(MsgqTxHeader, size), 4);
        assert_eq!(offset_of!(MsgqTxHeader, msg_size), 8);
        assert_eq!(offset_of!(MsgqTxHeader, msg_count), 12);
        assert_eq!(offset_of!(MsgqTxHeader, write_ptr), 16);
        assert_eq!(offset_of!(MsgqTxHeader, write_ptr), TX_WRITE_PTR);
        assert_eq!(offset_of!(MsgqRxHeader, read_ptr), RX_READ_PTR);
        // And where the encoder puts it.
        let mut b = [0u8; MsgqTxHeader::SIZE];
        let h = MsgqTxHeader {
            write_ptr: 0x1234_5678,
            ..MsgqTxHeader::ZERO
        };
        h.encode(&mut b).unwrap();
        assert_eq!(
            b[TX_WRITE_PTR..TX_WRITE_PTR + 4],
            0x1234_5678u32.to_le_bytes()
        );
        assert_eq!(offset_of!(MsgqTxHeader, flags), 20);
        assert_eq!(offset_of!(MsgqTxHeader, rx_hdr_off), 24);
        assert_eq!(offset_of!(MsgqTxHeader, entry_off), 28);
        // ABI_CHECK_SIZE_EQ(msgqRxHeader, 4).
        assert_eq!(size_of::<MsgqRxHeader>(), 4);
        assert_eq!(offset_of!(MsgqRxHeader, read_ptr), 0);
    }

    #[test]
    fn layout_constants() {
        // nova cmdq.rs: MSGQ_NUM_PAGES = 0x3f; nouveau: msgCount =
        // (0x40000 - 0x1000) / 0x1000; rxHdrOff = offsetof(rx) = 32.
        assert_eq!(QUEUE_ENTRY_COUNT, 0x3f);
        assert_eq!(QUEUE_RX_HDR_OFFSET, 32);
        // 0x80 queue pages + 1 page of PTEs = 0x81 (nouveau ptes.nr).
        assert_eq!(PTE_COUNT, 0x81);
        assert_eq!(PTE_TABLE_SIZE, 0x1000);
        // nouveau r535_gsp_set_rmargs: cmdq.ptr - mem.data = ptes.size,
        // msgq.ptr - mem.data = ptes.size + cmdq.size.
        assert_eq!(CMD_QUEUE_OFFSET, 0x1000);
        assert_eq!(STAT_QUEUE_OFFSET, 0x41000);
        assert_eq!(SHARED_REGION_SIZE, 0x81000);
        assert_eq!(SHARED_REGION_SIZE >> GSP_PAGE_SHIFT, PTE_COUNT as usize);
        assert_eq!(1usize << GSP_PAGE_SHIFT, GSP_PAGE_SIZE);
    }

    #[test]
    fn cmdq_header_round_trip() {
        let h = MsgqTxHeader::new_cmdq();
        let mut b = [0u8; 32];
        h.encode(&mut b).unwrap();
        // nouveau: version 0, size 0x40000, entryOff 0x1000, msgSize 0x1000,
        // msgCount 0x3f, writePtr 0, flags 1, rxHdrOff 32.
        let words: [u32; 8] = Wire::decode(&b).unwrap();
        assert_eq!(words, [0, 0x40000, 0x1000, 0x3f, 0, 1, 32, 0x1000]);
        assert_eq!(MsgqTxHeader::decode(&b), Some(h));
        assert_eq!(MsgqTxHeader::decode(&b[..31]), None);
        assert_eq!(h.validate(QUEUE_SIZE), Ok(0x3f));
    }

    #[test]
    fn bad_headers_are_rejected() {
        let good = MsgqTxHeader::new_cmdq();
        let with = |f: fn(&mut MsgqTxHeader)| {
            let mut h = good;
            f(&mut h);
            h.validate(QUEUE_SIZE)
        };
        assert_eq!(with(|h| h.version = 1), Err(QueueError::Version(1)));
        assert_eq!(with(|h| h.msg_size = 16), Err(QueueError::EntrySize(16)));
        assert_eq!(with(|h| h.msg_count = 0x40), Err(QueueError::Geometry));
        assert_eq!(with(|h| h.msg_count = u32::MAX), Err(QueueError::Geometry));
        assert_eq!(with(|h| h.msg_count = 1), Err(QueueError::Geometry));
        assert_eq!(with(|h| h.size = 0x80000), Err(QueueError::Geometry));
        assert_eq!(with(|h| h.rx_hdr_off = 0xffd), Err(QueueError::Geometry));
        assert_eq!(with(|h| h.rx_hdr_off = u32::MAX), Err(QueueError::Geometry));
        assert_eq!(with(|h| h.entry_off = 8), Err(QueueError::Geometry));
        assert_eq!(good.validate(QUEUE_SIZE - 1), Err(QueueError::Geometry));
    }

    #[test]
    fn ring_arithmetic() {
        let n = QUEUE_ENTRY_COUNT;
        assert_eq!(free_entries(0, 0, n), n - 1);
        assert_eq!(used_entries(0, 0, n), 0);
        assert_eq!(free_entries(n - 1, 0, n), 0);
        assert_eq!(used_entries(n - 1, 0, n), n - 1);
        assert_eq!(free_entries(3, 5, n), 1);
        assert_eq!(used_entries(2, 60, n), 5);
        assert_eq!(free_entries(u32::MAX, u32::MAX, n), n - 1);
        assert_eq!(free_entries(1, 2, 0), 0);
        assert_eq!(used_entries(1, 2, 0), 0);
    }

    #[test]
    fn ring_arithmetic_does_not_overflow() {
        // Found by the shared_mem fuzz target: `r + count` and `w + count`
        // overflowed a u32 for counts above 2^31.
        let n = u32::MAX;
        assert_eq!(free_entries(0, n - 1, n), n - 2);
        assert_eq!(used_entries(n - 1, 0, n), n - 1);
        assert_eq!(free_entries(n - 1, n - 1, n), n - 1);
        assert_eq!(used_entries(n - 1, n - 1, n), 0);
        let n = 0x8000_0001;
        assert_eq!(free_entries(0, n - 1, n), n - 2);
        assert_eq!(used_entries(n - 1, 0, n), n - 1);
    }
}
