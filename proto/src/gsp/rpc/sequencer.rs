// SPDX-License-Identifier: GPL-2.0
//! `GSP_RUN_CPU_SEQUENCER` (`rpc_run_cpu_sequencer_v17_00`): a list of
//! register operations GSP-RM asks the CPU to run during boot.
//!
//! The command buffer is a stream of u32: an opcode followed by exactly the
//! payload words it needs (`GSP_SEQUENCER_PAYLOAD_SIZE_DWORDS`). `cmdIndex`
//! is the number of words in use, as NVIDIA `kgspExecuteSequencerBuffer_IMPL`
//! (kernel_gsp.c, 570.144) and nouveau `r535_gsp_msg_run_cpu_sequencer()`
//! read it; it must be below `bufferSizeDWord`. (nova-core's `GspSeqIter`
//! instead counts commands with it.)
//!
//! Layouts and opcodes from NVIDIA `rmgspseq.h` (570.144) and nova-core
//! `r570_144/bindings.rs`.

use super::super::super::wire::Wire;
use super::{split_header, PayloadError};

/// `GSP_SEQ_BUF_OPCODE_REG_WRITE`.
pub const GSP_SEQ_BUF_OPCODE_REG_WRITE: u32 = 0;
/// `GSP_SEQ_BUF_OPCODE_REG_MODIFY`.
pub const GSP_SEQ_BUF_OPCODE_REG_MODIFY: u32 = 1;
/// `GSP_SEQ_BUF_OPCODE_REG_POLL`.
pub const GSP_SEQ_BUF_OPCODE_REG_POLL: u32 = 2;
/// `GSP_SEQ_BUF_OPCODE_DELAY_US`.
pub const GSP_SEQ_BUF_OPCODE_DELAY_US: u32 = 3;
/// `GSP_SEQ_BUF_OPCODE_REG_STORE`.
pub const GSP_SEQ_BUF_OPCODE_REG_STORE: u32 = 4;
/// `GSP_SEQ_BUF_OPCODE_CORE_RESET`.
pub const GSP_SEQ_BUF_OPCODE_CORE_RESET: u32 = 5;
/// `GSP_SEQ_BUF_OPCODE_CORE_START`.
pub const GSP_SEQ_BUF_OPCODE_CORE_START: u32 = 6;
/// `GSP_SEQ_BUF_OPCODE_CORE_WAIT_FOR_HALT`.
pub const GSP_SEQ_BUF_OPCODE_CORE_WAIT_FOR_HALT: u32 = 7;
/// `GSP_SEQ_BUF_OPCODE_CORE_RESUME`.
pub const GSP_SEQ_BUF_OPCODE_CORE_RESUME: u32 = 8;

/// Entries of `regSaveArea`, the slots `REG_STORE` may write.
pub const REG_SAVE_AREA_SIZE: usize = 8;
/// Timeout a `REG_POLL` with `timeout == 0` gets: 4 s (nova-core and nouveau).
pub const REG_POLL_DEFAULT_TIMEOUT_US: u32 = 4_000_000;

crate::wire_struct! {
    /// `rpc_run_cpu_sequencer_v17_00` without its `commandBuffer[]` tail.
    pub struct RpcRunCpuSequencer {
        /// `bufferSizeDWord`: capacity of the command buffer, in u32.
        pub buffer_size_dword: u32,
        /// `cmdIndex`: u32 words of the command buffer in use.
        pub cmd_index: u32,
        /// `regSaveArea`: `REG_STORE` destinations.
        pub reg_save_area: [u32; REG_SAVE_AREA_SIZE],
    }

    /// `GSP_SEQ_BUF_PAYLOAD_REG_WRITE`.
    pub struct SeqRegWrite {
        /// `addr`: BAR0 offset.
        pub addr: u32,
        /// `val`.
        pub val: u32,
    }

    /// `GSP_SEQ_BUF_PAYLOAD_REG_MODIFY`: `reg = (reg & !mask) | val`.
    pub struct SeqRegModify {
        /// `addr`.
        pub addr: u32,
        /// `mask`.
        pub mask: u32,
        /// `val`.
        pub val: u32,
    }

    /// `GSP_SEQ_BUF_PAYLOAD_REG_POLL`: wait until `(reg & mask) == val`.
    pub struct SeqRegPoll {
        /// `addr`.
        pub addr: u32,
        /// `mask`.
        pub mask: u32,
        /// `val`.
        pub val: u32,
        /// `timeout` in microseconds (0: [`REG_POLL_DEFAULT_TIMEOUT_US`]).
        pub timeout: u32,
        /// `error`: a code identifying the failing GSP step.
        pub error: u32,
    }

    /// `GSP_SEQ_BUF_PAYLOAD_DELAY_US`.
    pub struct SeqDelayUs {
        /// `val`: microseconds.
        pub val: u32,
    }

    /// `GSP_SEQ_BUF_PAYLOAD_REG_STORE`: `regSaveArea[index] = reg`.
    pub struct SeqRegStore {
        /// `addr`.
        pub addr: u32,
        /// `index` into `regSaveArea`.
        pub index: u32,
    }

    /// `GSP_SEQUENCER_BUFFER_CMD`: an opcode and the payload union, modelled
    /// as the union's 20 bytes (its largest member, `REG_POLL`) in u32
    /// words. Commands in the buffer are packed, not 24 bytes apart; use
    /// [`SeqCmd`] to read and write them.
    pub struct GspSequencerBufferCmd {
        /// `opCode`: `GSP_SEQ_BUF_OPCODE_*`.
        pub op_code: u32,
        /// `payload` union bytes.
        pub payload: [u32; 5],
    }
}

/// One sequencer command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqCmd {
    /// `REG_WRITE`.
    RegWrite(SeqRegWrite),
    /// `REG_MODIFY`.
    RegModify(SeqRegModify),
    /// `REG_POLL`.
    RegPoll(SeqRegPoll),
    /// `DELAY_US`.
    DelayUs(SeqDelayUs),
    /// `REG_STORE` (`index` checked against the save area).
    RegStore(SeqRegStore),
    /// `CORE_RESET`.
    CoreReset,
    /// `CORE_START`.
    CoreStart,
    /// `CORE_WAIT_FOR_HALT`.
    CoreWaitForHalt,
    /// `CORE_RESUME`.
    CoreResume,
}

/// Payload words of `opcode` (`GSP_SEQUENCER_PAYLOAD_SIZE_DWORDS`), or
/// `None` for an unknown opcode.
pub const fn payload_dwords(opcode: u32) -> Option<usize> {
    Some(match opcode {
        GSP_SEQ_BUF_OPCODE_REG_WRITE => SeqRegWrite::SIZE / 4,
        GSP_SEQ_BUF_OPCODE_REG_MODIFY => SeqRegModify::SIZE / 4,
        GSP_SEQ_BUF_OPCODE_REG_POLL => SeqRegPoll::SIZE / 4,
        GSP_SEQ_BUF_OPCODE_DELAY_US => SeqDelayUs::SIZE / 4,
        GSP_SEQ_BUF_OPCODE_REG_STORE => SeqRegStore::SIZE / 4,
        GSP_SEQ_BUF_OPCODE_CORE_RESET
        | GSP_SEQ_BUF_OPCODE_CORE_START
        | GSP_SEQ_BUF_OPCODE_CORE_WAIT_FOR_HALT
        | GSP_SEQ_BUF_OPCODE_CORE_RESUME => 0,
        _ => return None,
    })
}

impl SeqCmd {
    /// The opcode.
    pub const fn opcode(&self) -> u32 {
        match self {
            SeqCmd::RegWrite(_) => GSP_SEQ_BUF_OPCODE_REG_WRITE,
            SeqCmd::RegModify(_) => GSP_SEQ_BUF_OPCODE_REG_MODIFY,
            SeqCmd::RegPoll(_) => GSP_SEQ_BUF_OPCODE_REG_POLL,
            SeqCmd::DelayUs(_) => GSP_SEQ_BUF_OPCODE_DELAY_US,
            SeqCmd::RegStore(_) => GSP_SEQ_BUF_OPCODE_REG_STORE,
            SeqCmd::CoreReset => GSP_SEQ_BUF_OPCODE_CORE_RESET,
            SeqCmd::CoreStart => GSP_SEQ_BUF_OPCODE_CORE_START,
            SeqCmd::CoreWaitForHalt => GSP_SEQ_BUF_OPCODE_CORE_WAIT_FOR_HALT,
            SeqCmd::CoreResume => GSP_SEQ_BUF_OPCODE_CORE_RESUME,
        }
    }

    /// Bytes the command takes in the buffer (opcode and payload).
    pub const fn len(&self) -> usize {
        match payload_dwords(self.opcode()) {
            Some(n) => 4 + 4 * n,
            None => 4,
        }
    }

    /// Always false: a command has at least its opcode.
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// Writes the command at the start of `buf`; returns its length.
    pub fn encode(&self, buf: &mut [u8]) -> Option<usize> {
        let out = buf.get_mut(..self.len())?;
        self.opcode().encode(out)?;
        let p = out.get_mut(4..)?;
        match self {
            SeqCmd::RegWrite(c) => c.encode(p),
            SeqCmd::RegModify(c) => c.encode(p),
            SeqCmd::RegPoll(c) => c.encode(p),
            SeqCmd::DelayUs(c) => c.encode(p),
            SeqCmd::RegStore(c) => c.encode(p),
            _ => Some(()),
        }?;
        Some(self.len())
    }
}

/// Why a sequencer message was rejected. Offsets count u32 words from the
/// start of the command buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SequencerError {
    /// The payload is shorter than its fixed part or than `cmdIndex` words.
    Payload(PayloadError),
    /// `bufferSizeDWord` is zero or not above `cmdIndex`.
    BadIndex {
        /// `cmdIndex`.
        cmd_index: u32,
        /// `bufferSizeDWord`.
        buffer_size_dword: u32,
    },
    /// An opcode this version does not define.
    UnknownOpcode {
        /// Word offset of the opcode.
        at: usize,
        /// The opcode.
        opcode: u32,
    },
    /// A command's payload runs past `cmdIndex`.
    TruncatedCommand {
        /// Word offset of the opcode.
        at: usize,
    },
    /// A `REG_STORE` index outside `regSaveArea`.
    BadStoreIndex {
        /// Word offset of the opcode.
        at: usize,
        /// The index.
        index: u32,
    },
}

impl From<PayloadError> for SequencerError {
    fn from(e: PayloadError) -> Self {
        SequencerError::Payload(e)
    }
}

/// A validated sequencer message.
#[derive(Clone, Copy, Debug)]
pub struct Sequence<'a> {
    /// The fixed part.
    pub header: RpcRunCpuSequencer,
    /// The `cmdIndex` words of commands, as bytes.
    pub commands: &'a [u8],
}

impl<'a> Sequence<'a> {
    /// Checks the header and that `cmdIndex` words of commands are present
    /// (NVIDIA's rules: `bufferSizeDWord != 0`, `cmdIndex < bufferSizeDWord`).
    /// The commands are checked as [`Sequence::commands`] walks them.
    pub fn parse(payload: &'a [u8]) -> Result<Self, SequencerError> {
        let (header, rest) = split_header::<RpcRunCpuSequencer>(payload)?;
        if header.buffer_size_dword == 0 || header.cmd_index >= header.buffer_size_dword {
            return Err(SequencerError::BadIndex {
                cmd_index: header.cmd_index,
                buffer_size_dword: header.buffer_size_dword,
            });
        }
        let bad = PayloadError::BadLength {
            field: "cmdIndex",
            value: header.cmd_index,
        };
        let len = (header.cmd_index as usize).checked_mul(4).ok_or(bad)?;
        let commands = rest.get(..len).ok_or(bad)?;
        Ok(Self { header, commands })
    }

    /// The commands in order; the iterator stops after the first error.
    pub fn iter(&self) -> SeqIter<'a> {
        SeqIter {
            buf: self.commands,
            at: 0,
            failed: false,
        }
    }

    /// Checks every command without running any.
    pub fn validate(&self) -> Result<usize, SequencerError> {
        self.iter().try_fold(0, |n, c| c.map(|_| n + 1))
    }
}

/// Iterator over the commands of a [`Sequence`].
#[derive(Clone, Debug)]
pub struct SeqIter<'a> {
    buf: &'a [u8],
    at: usize,
    failed: bool,
}

impl SeqIter<'_> {
    fn next_cmd(&mut self) -> Result<SeqCmd, SequencerError> {
        let at = self.at;
        let rest = self.buf.get(at * 4..).unwrap_or(&[]);
        let opcode = u32::decode(rest).ok_or(SequencerError::TruncatedCommand { at })?;
        let words = payload_dwords(opcode).ok_or(SequencerError::UnknownOpcode { at, opcode })?;
        let p = rest
            .get(4..4 + words * 4)
            .ok_or(SequencerError::TruncatedCommand { at })?;
        let trunc = SequencerError::TruncatedCommand { at };
        let cmd = match opcode {
            GSP_SEQ_BUF_OPCODE_REG_WRITE => SeqCmd::RegWrite(SeqRegWrite::decode(p).ok_or(trunc)?),
            GSP_SEQ_BUF_OPCODE_REG_MODIFY => {
                SeqCmd::RegModify(SeqRegModify::decode(p).ok_or(trunc)?)
            }
            GSP_SEQ_BUF_OPCODE_REG_POLL => SeqCmd::RegPoll(SeqRegPoll::decode(p).ok_or(trunc)?),
            GSP_SEQ_BUF_OPCODE_DELAY_US => SeqCmd::DelayUs(SeqDelayUs::decode(p).ok_or(trunc)?),
            GSP_SEQ_BUF_OPCODE_REG_STORE => {
                let r = SeqRegStore::decode(p).ok_or(trunc)?;
                if r.index as usize >= REG_SAVE_AREA_SIZE {
                    return Err(SequencerError::BadStoreIndex { at, index: r.index });
                }
                SeqCmd::RegStore(r)
            }
            GSP_SEQ_BUF_OPCODE_CORE_RESET => SeqCmd::CoreReset,
            GSP_SEQ_BUF_OPCODE_CORE_START => SeqCmd::CoreStart,
            GSP_SEQ_BUF_OPCODE_CORE_WAIT_FOR_HALT => SeqCmd::CoreWaitForHalt,
            GSP_SEQ_BUF_OPCODE_CORE_RESUME => SeqCmd::CoreResume,
            _ => return Err(SequencerError::UnknownOpcode { at, opcode }),
        };
        self.at = at + 1 + words;
        Ok(cmd)
    }
}

impl Iterator for SeqIter<'_> {
    type Item = Result<SeqCmd, SequencerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.at * 4 >= self.buf.len() {
            return None;
        }
        let r = self.next_cmd();
        self.failed = r.is_err();
        Some(r)
    }
}

/// Writes a sequencer message with `commands` into `buf`, with
/// `bufferSizeDWord` = `buffer_size_dword` (which must exceed the words
/// used) and a zero save area. Returns the payload length.
pub fn encode_sequence(
    commands: &[SeqCmd],
    buffer_size_dword: u32,
    buf: &mut [u8],
) -> Option<usize> {
    let start = RpcRunCpuSequencer::SIZE;
    let mut at = start;
    for c in commands {
        at += c.encode(buf.get_mut(at..)?)?;
    }
    let words = u32::try_from((at - start) / 4).ok()?;
    if words >= buffer_size_dword {
        return None;
    }
    let hdr = RpcRunCpuSequencer {
        buffer_size_dword,
        cmd_index: words,
        reg_save_area: [0; REG_SAVE_AREA_SIZE],
    };
    hdr.encode(buf)?;
    Some(at)
}

/// Length check helper for emulators that build the message in place:
/// header plus `words` of commands.
pub const fn sequence_len(words: usize) -> usize {
    RpcRunCpuSequencer::SIZE + 4 * words
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    extern crate std;
    use std::vec::Vec;

    #[test]
    fn layouts_and_opcodes() {
        // NvU32, NvU32, NvU32[8], then commandBuffer at 40.
        // gsp_abi_check.c: bufferSizeDWord 0, cmdIndex 4, regSaveArea 8 (32),
        // commandBuffer 40.
        assert_eq!(size_of::<RpcRunCpuSequencer>(), 40);
        assert_eq!(offset_of!(RpcRunCpuSequencer, cmd_index), 4);
        assert_eq!(offset_of!(RpcRunCpuSequencer, reg_save_area), 8);
        // gsp_abi_check.c: payload sizes 8, 12, 20, 4, 8; BUFFER_CMD 24 with
        // payload at 4 (20 bytes).
        assert_eq!(size_of::<SeqRegWrite>(), 8);
        assert_eq!(size_of::<SeqRegModify>(), 12);
        assert_eq!(size_of::<SeqRegPoll>(), 20);
        assert_eq!(offset_of!(SeqRegPoll, timeout), 12);
        assert_eq!(offset_of!(SeqRegPoll, error), 16);
        assert_eq!(size_of::<SeqDelayUs>(), 4);
        assert_eq!(size_of::<SeqRegStore>(), 8);
        assert_eq!(offset_of!(SeqRegStore, index), 4);
        assert_eq!(size_of::<GspSequencerBufferCmd>(), 24);
        assert_eq!(offset_of!(GspSequencerBufferCmd, payload), 4);
        // bindings.rs GSP_SEQ_BUF_OPCODE_* = 0..8 in this order.
        assert_eq!(
            [
                GSP_SEQ_BUF_OPCODE_REG_WRITE,
                GSP_SEQ_BUF_OPCODE_REG_MODIFY,
                GSP_SEQ_BUF_OPCODE_REG_POLL,
                GSP_SEQ_BUF_OPCODE_DELAY_US,
                GSP_SEQ_BUF_OPCODE_REG_STORE,
                GSP_SEQ_BUF_OPCODE_CORE_RESET,
                GSP_SEQ_BUF_OPCODE_CORE_START,
                GSP_SEQ_BUF_OPCODE_CORE_WAIT_FOR_HALT,
                GSP_SEQ_BUF_OPCODE_CORE_RESUME,
            ],
            [0, 1, 2, 3, 4, 5, 6, 7, 8]
        );
        assert_eq!(payload_dwords(2), Some(5));
        assert_eq!(payload_dwords(8), Some(0));
        assert_eq!(payload_dwords(9), None);
    }

    fn sample() -> [SeqCmd; 9] {
        [
            SeqCmd::RegWrite(SeqRegWrite {
                addr: 0x110040,
                val: 1,
            }),
            SeqCmd::RegModify(SeqRegModify {
                addr: 0x110000,
                mask: 0xf0,
                val: 0x30,
            }),
            SeqCmd::RegPoll(SeqRegPoll {
                addr: 0x110100,
                mask: 1,
                val: 1,
                timeout: 0,
                error: 7,
            }),
            SeqCmd::DelayUs(SeqDelayUs { val: 10 }),
            SeqCmd::RegStore(SeqRegStore {
                addr: 0x88000,
                index: 7,
            }),
            SeqCmd::CoreReset,
            SeqCmd::CoreStart,
            SeqCmd::CoreWaitForHalt,
            SeqCmd::CoreResume,
        ]
    }

    #[test]
    fn round_trip() {
        let cmds = sample();
        let mut buf = [0u8; 256];
        let n = encode_sequence(&cmds, 64, &mut buf).unwrap();
        // 3 + 4 + 6 + 2 + 3 + 4 * 1 = 22 words.
        assert_eq!(n, sequence_len(22));
        assert_eq!(&buf[4..8], &22u32.to_le_bytes());
        // REG_MODIFY's opcode follows REG_WRITE's three words.
        assert_eq!(&buf[40 + 12..40 + 16], &1u32.to_le_bytes());
        let seq = Sequence::parse(&buf[..n]).unwrap();
        assert_eq!(seq.header.buffer_size_dword, 64);
        let got: Vec<_> = seq.iter().map(Result::unwrap).collect();
        assert_eq!(got, cmds);
        assert_eq!(seq.validate(), Ok(9));
        // An empty sequence is fine.
        let n = encode_sequence(&[], 1, &mut buf).unwrap();
        assert_eq!(Sequence::parse(&buf[..n]).unwrap().iter().count(), 0);
        // The buffer must have room beyond the words used.
        assert_eq!(encode_sequence(&cmds, 22, &mut buf), None);
        assert_eq!(encode_sequence(&cmds, 64, &mut [0u8; 100]), None);
    }

    #[test]
    fn malformed_sequences_are_rejected() {
        let mut buf = [0u8; 256];
        let n = encode_sequence(&sample(), 64, &mut buf).unwrap();
        let set =
            |b: &mut [u8], off: usize, v: u32| b[off..off + 4].copy_from_slice(&v.to_le_bytes());

        assert_eq!(
            Sequence::parse(&buf[..39]).unwrap_err(),
            SequencerError::Payload(PayloadError::Truncated { need: 40, have: 39 })
        );
        // cmdIndex past the bytes received.
        assert_eq!(
            Sequence::parse(&buf[..n - 4]).unwrap_err(),
            SequencerError::Payload(PayloadError::BadLength {
                field: "cmdIndex",
                value: 22
            })
        );
        let mut b = buf;
        set(&mut b, 0, 22);
        assert_eq!(
            Sequence::parse(&b[..n]).unwrap_err(),
            SequencerError::BadIndex {
                cmd_index: 22,
                buffer_size_dword: 22
            }
        );
        set(&mut b, 0, 0);
        set(&mut b, 4, 0);
        assert!(matches!(
            Sequence::parse(&b[..n]),
            Err(SequencerError::BadIndex { .. })
        ));
        let mut b = buf;
        set(&mut b, 0, u32::MAX);
        set(&mut b, 4, u32::MAX - 1);
        assert!(matches!(
            Sequence::parse(&b),
            Err(SequencerError::Payload(_))
        ));

        // Unknown opcode at word 3 (REG_MODIFY's slot); iteration stops.
        let mut b = buf;
        set(&mut b, 40 + 12, 99);
        let seq = Sequence::parse(&b[..n]).unwrap();
        let mut it = seq.iter();
        assert!(matches!(it.next(), Some(Ok(SeqCmd::RegWrite(_)))));
        assert_eq!(
            it.next(),
            Some(Err(SequencerError::UnknownOpcode { at: 3, opcode: 99 }))
        );
        assert_eq!(it.next(), None);
        assert_eq!(
            seq.validate(),
            Err(SequencerError::UnknownOpcode { at: 3, opcode: 99 })
        );

        // REG_STORE index 8 is outside the save area (word 3+4+6+2 = 15).
        let mut b = buf;
        set(&mut b, 40 + (15 + 2) * 4, 8);
        let seq = Sequence::parse(&b[..n]).unwrap();
        assert_eq!(
            seq.validate(),
            Err(SequencerError::BadStoreIndex { at: 15, index: 8 })
        );

        // A command cut by cmdIndex: claim only 5 words (REG_WRITE + half a
        // REG_MODIFY).
        let mut b = buf;
        set(&mut b, 4, 5);
        let seq = Sequence::parse(&b[..n]).unwrap();
        assert_eq!(
            seq.validate(),
            Err(SequencerError::TruncatedCommand { at: 3 })
        );
    }
}
