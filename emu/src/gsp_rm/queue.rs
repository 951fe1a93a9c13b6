//! GSP-RM's side of the shared message queues.
//!
//! The driver hands GSP-RM one shared-memory region, described by a page
//! table at its start (`MESSAGE_QUEUE_INIT_ARGUMENTS.sharedMemPhysAddr` and
//! `pageTableEntryCount`): entry i is the bus address of page i, the table
//! maps itself. At `cmdQueueOffset` is the command queue the driver writes
//! (its TX header with the driver's write pointer, then the RX header with
//! the driver's read pointer into the message queue, then the entries); at
//! `statQueueOffset` is the message queue GSP-RM writes, laid out alike
//! (Linux 7.3 `drivers/gpu/nova-core/gsp/cmdq.rs`, `GspMem`; nouveau
//! `nvkm/subdev/gsp/rm/r535/gsp.c`, `r535_gsp_shared_init`).
//!
//! Every address GSP-RM uses goes through the driver's page table, so a
//! wrong table shows up as wrong data or a DMA fault, as on real hardware.

use crate::guest_mem::{DmaFault, GuestMemory};
use nvgsp_proto::gsp::{
    msgq::{self, PAGE_SIZE},
    queue::{MsgqTxHeader, MSGQ_VERSION, RX_READ_PTR, TX_WRITE_PTR},
};
use nvgsp_proto::wire::Wire;

/// Where `writePtr` is in a TX header (`msgqTxHeader`, proto).
const WRITE_PTR: u64 = TX_WRITE_PTR as u64;
/// Where `readPtr` is in an RX header (`msgqRxHeader`, proto).
const READ_PTR: u64 = RX_READ_PTR as u64;
/// Size of the TX header.
const TX_LEN: u32 = MsgqTxHeader::SIZE as u32;
/// `MSGQ_FLAGS_SWAP_RX` (open-gpu-kernel-modules msgq.h): each side keeps
/// its read pointer into the other's queue in its own queue's RX header.
/// GSP-RM creates its queue with it; a link is swapped only if the
/// driver's header has it too (msgq.c `msgqRxLink`).
const FLAGS_SWAP_RX: u32 = 1;
/// Size of an RX header (`msgqRxHeader`: one `readPtr`).
const RX_LEN: u32 = 4;

/// Why the queues cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum QueueError {
    /// The driver's page table or queue memory is not reachable.
    #[error(transparent)]
    Dma(#[from] DmaFault),
    /// An offset outside the shared region.
    #[error("offset {0:#x} is outside the {1:#x}-byte shared region")]
    OutOfRange(u64, u64),
    /// The command queue's header is inconsistent.
    #[error("bad command queue header: {0}")]
    BadHeader(&'static str),
    /// The driver's write pointer is outside the queue.
    #[error("command queue write pointer {0} is outside the queue")]
    BadWritePtr(u32),
    /// A malformed command element.
    #[error("malformed command element: {0:?}")]
    BadElement(msgq::ParseError),
    /// No room for a message: the driver does not read its queue.
    #[error("message queue full")]
    Full,
    /// GSP-RM halted on a fatal error (already logged).
    #[error("{0}")]
    Halted(&'static str),
}

/// The shared region, addressed by offset through the driver's page table.
pub struct SharedMem {
    mem: GuestMemory,
    pages: Vec<u64>,
}

impl SharedMem {
    /// Reads the page table of `count` entries at `table`.
    pub fn new(mem: GuestMemory, table: u64, count: u32) -> Result<SharedMem, QueueError> {
        if count == 0 || count > 0x10000 {
            return Err(QueueError::BadHeader("page table entry count"));
        }
        let mut raw = vec![0u8; count as usize * 8];
        mem.read(table, &mut raw)?;
        let pages = raw
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect::<Vec<_>>();
        if pages[0] != table {
            return Err(QueueError::BadHeader(
                "the page table does not map itself at entry 0",
            ));
        }
        Ok(SharedMem { mem, pages })
    }

    /// Size of the region in bytes.
    pub fn len(&self) -> u64 {
        self.pages.len() as u64 * PAGE_SIZE as u64
    }

    fn each_page(
        &self,
        off: u64,
        len: usize,
        mut f: impl FnMut(u64, std::ops::Range<usize>) -> Result<(), DmaFault>,
    ) -> Result<(), QueueError> {
        let end = off.checked_add(len as u64).filter(|&e| e <= self.len());
        if end.is_none() {
            return Err(QueueError::OutOfRange(off, self.len()));
        }
        let mut done = 0usize;
        while done < len {
            let at = off + done as u64;
            let in_page = (at % PAGE_SIZE as u64) as usize;
            let n = (PAGE_SIZE - in_page).min(len - done);
            let page = self.pages[(at / PAGE_SIZE as u64) as usize];
            f(page + in_page as u64, done..done + n)?;
            done += n;
        }
        Ok(())
    }

    /// Reads `buf.len()` bytes at offset `off`.
    pub fn read(&self, off: u64, buf: &mut [u8]) -> Result<(), QueueError> {
        let len = buf.len();
        self.each_page(off, len, |addr, r| self.mem.read(addr, &mut buf[r]))
    }

    /// Writes `buf` at offset `off`.
    pub fn write(&self, off: u64, buf: &[u8]) -> Result<(), QueueError> {
        self.each_page(off, buf.len(), |addr, r| self.mem.write(addr, &buf[r]))
    }

    /// Reads the u32 at `off`.
    pub fn read_u32(&self, off: u64) -> Result<u32, QueueError> {
        let mut b = [0u8; 4];
        self.read(off, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Writes the u32 at `off`.
    pub fn write_u32(&self, off: u64, v: u32) -> Result<(), QueueError> {
        self.write(off, &v.to_le_bytes())
    }
}

/// Geometry of one queue, from its TX header.
#[derive(Clone, Copy, Debug)]
struct Ring {
    base: u64,
    entry_off: u64,
    count: u32,
}

impl Ring {
    fn entry(&self, i: u32) -> u64 {
        self.base + self.entry_off + u64::from(i) * PAGE_SIZE as u64
    }
}

/// Both queues, from GSP-RM's side.
pub struct Queues {
    shm: SharedMem,
    cmd: Ring,
    msg: Ring,
    /// GSP-RM's read pointer into the command queue.
    cmd_read: u32,
    /// GSP-RM's write pointer into the message queue.
    msg_write: u32,
    /// Where GSP-RM publishes its read pointer into the command queue, and
    /// where it finds the driver's into the message queue: in its own and
    /// the driver's RX headers if the link is swapped, the other way round
    /// if not (msgq.c `msgqRxLink`: `pReadOutgoing`, `pReadIncoming`).
    cmd_read_at: u64,
    msg_read_at: u64,
}

/// Pages of the message queue GSP-RM sets up: the same as nova's and
/// nouveau's command queue (0x3f entries after one header page).
const MSG_COUNT: u32 = 0x3f;

impl Queues {
    /// Checks the command queue the driver set up at `cmd_off` and sets up
    /// the message queue at `msg_off`, as GSP-RM does when it starts.
    pub fn init(shm: SharedMem, cmd_off: u64, msg_off: u64) -> Result<Queues, QueueError> {
        let mut raw = [0u8; MsgqTxHeader::SIZE];
        shm.read(cmd_off, &mut raw)?;
        let hdr = MsgqTxHeader::decode(&raw).ok_or(QueueError::BadHeader("TX header"))?;
        let (size, msg_size, count) = (hdr.size, hdr.msg_size, hdr.msg_count);
        let (rx_hdr_off, entry_off) = (hdr.rx_hdr_off, hdr.entry_off);
        // GSP-RM links the driver's queue as msgq.c `msgqRxLink` does, with
        // the entry size it expects (GSP_MSG_QUEUE_ELEMENT_SIZE_MIN, one
        // page) and the queue size the layout gives: the command queue ends
        // where the message queue starts (nova-core `GspMem`, nouveau
        // `r535_gsp_shared_init`). Each failure is msgqRxLink's.
        let expected_size = msg_off.saturating_sub(cmd_off);
        if u64::from(size) < u64::from(entry_off) + PAGE_SIZE as u64 {
            return Err(QueueError::BadHeader(
                "entryOff leaves no room for one entry",
            ));
        }
        if u64::from(size) != expected_size {
            return Err(QueueError::BadHeader(
                "size is not the space up to the message queue",
            ));
        }
        if msg_size as usize != PAGE_SIZE {
            return Err(QueueError::BadHeader("msgSize is not one page"));
        }
        if hdr.version != MSGQ_VERSION {
            return Err(QueueError::BadHeader("version is not MSGQ_VERSION"));
        }
        if rx_hdr_off < TX_LEN
            || entry_off < TX_LEN + RX_LEN
            || count != (size - entry_off) / msg_size
        {
            return Err(QueueError::BadHeader(
                "rxHdrOff, entryOff and msgCount disagree",
            ));
        }
        let swapped = hdr.flags & FLAGS_SWAP_RX != 0;
        let msg_len = (1 + u64::from(MSG_COUNT)) * PAGE_SIZE as u64;
        if cmd_off + u64::from(size) > shm.len()
            || msg_off + msg_len > shm.len()
            || (msg_off < cmd_off + u64::from(size) && cmd_off < msg_off + msg_len)
        {
            return Err(QueueError::BadHeader(
                "queues overlap or exceed the shared region",
            ));
        }
        let cmd = Ring {
            base: cmd_off,
            entry_off: entry_off.into(),
            count,
        };
        let msg = Ring {
            base: msg_off,
            entry_off: PAGE_SIZE as u64,
            count: MSG_COUNT,
        };
        // GSP-RM's TX header of the message queue, and its read pointer
        // (into the command queue) in the RX header that follows.
        let tx = MsgqTxHeader {
            version: MSGQ_VERSION,
            size: msg_len as u32,
            msg_size: PAGE_SIZE as u32,
            msg_count: MSG_COUNT,
            write_ptr: 0,
            flags: FLAGS_SWAP_RX,
            rx_hdr_off: TX_LEN,
            entry_off: PAGE_SIZE as u32,
        };
        let mut hdr = [0u8; MsgqTxHeader::SIZE];
        tx.encode(&mut hdr)
            .ok_or(QueueError::BadHeader("TX header"))?;
        shm.write(msg_off, &hdr)?;
        let own_rx = msg_off + u64::from(TX_LEN) + READ_PTR;
        let driver_rx = cmd_off + u64::from(rx_hdr_off) + READ_PTR;
        let (cmd_read_at, msg_read_at) = if swapped {
            (own_rx, driver_rx)
        } else {
            (driver_rx, own_rx)
        };
        // Its read pointer into the command queue starts at 0.
        shm.write_u32(cmd_read_at, 0)?;
        Ok(Queues {
            shm,
            cmd,
            msg,
            cmd_read: 0,
            msg_write: 0,
            cmd_read_at,
            msg_read_at,
        })
    }

    /// The next command element, if the driver wrote one: its raw bytes
    /// (all its pages), left in the queue until [`Self::consume`]. Skips
    /// what the driver published when the element's page count cannot be
    /// trusted, as there is no way to resynchronise otherwise.
    pub fn next_command(&mut self) -> Result<Option<Vec<u8>>, QueueError> {
        let write = self.shm.read_u32(self.cmd.base + WRITE_PTR)?;
        if write >= self.cmd.count {
            return Err(QueueError::BadWritePtr(write));
        }
        if write == self.cmd_read {
            return Ok(None);
        }
        let avail = (write + self.cmd.count - self.cmd_read) % self.cmd.count;
        let mut first = vec![0u8; PAGE_SIZE];
        self.shm.read(self.cmd.entry(self.cmd_read), &mut first)?;
        let (count, _) = msgq::peek_lengths(&first).unwrap_or((0, 0));
        if count == 0 || count > avail || count as usize * PAGE_SIZE > msgq::ELEMENT_SIZE_MAX {
            // Skip what the driver published; the element cannot be trusted.
            self.set_cmd_read(write)?;
            return Err(QueueError::BadElement(msgq::ParseError::BadElementCount(
                count,
            )));
        }
        let mut buf = vec![0u8; count as usize * PAGE_SIZE];
        for i in 0..count {
            let idx = (self.cmd_read + i) % self.cmd.count;
            let page = &mut buf[i as usize * PAGE_SIZE..][..PAGE_SIZE];
            self.shm.read(self.cmd.entry(idx), page)?;
        }
        Ok(Some(buf))
    }

    /// Marks the element [`Self::next_command`] returned, of `pages`
    /// pages, consumed: GSP-RM's read pointer moves past it.
    pub fn consume(&mut self, pages: u32) -> Result<(), QueueError> {
        self.set_cmd_read((self.cmd_read + pages) % self.cmd.count)
    }

    fn set_cmd_read(&mut self, v: u32) -> Result<(), QueueError> {
        self.cmd_read = v;
        self.shm.write_u32(self.cmd_read_at, v)
    }

    /// Free entries in the message queue now.
    pub fn msg_space(&self) -> Result<u32, QueueError> {
        let read = self.shm.read_u32(self.msg_read_at)?;
        if read >= self.msg.count {
            return Err(QueueError::BadHeader("the driver's message read pointer"));
        }
        Ok((read + self.msg.count - self.msg_write - 1) % self.msg.count)
    }

    /// Writes one complete element (a multiple of pages is not required)
    /// and publishes it. Fails with `Full` without writing if it does not
    /// fit now.
    pub fn post(&mut self, element: &[u8]) -> Result<(), QueueError> {
        let pages = element.len().div_ceil(PAGE_SIZE) as u32;
        if pages > self.msg_space()? {
            return Err(QueueError::Full);
        }
        for (i, chunk) in element.chunks(PAGE_SIZE).enumerate() {
            let idx = (self.msg_write + i as u32) % self.msg.count;
            self.shm.write(self.msg.entry(idx), chunk)?;
        }
        self.msg_write = (self.msg_write + pages) % self.msg.count;
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        self.shm
            .write_u32(self.msg.base + WRITE_PTR, self.msg_write)
    }
}
