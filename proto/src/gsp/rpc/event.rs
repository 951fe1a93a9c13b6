// SPDX-License-Identifier: GPL-2.0
//! Payloads of the events GSP-RM posts: `OS_ERROR_LOG`, `POST_EVENT`,
//! `RC_TRIGGERED`, `GSP_LOCKDOWN_NOTICE`, `UCODE_LIBOS_PRINT`, and of the
//! `LOG` function.
//!
//! Layouts from NVIDIA `g_rpc-structures.h` (570.144), nouveau
//! `r570/nvrm/gsp.h` and `r535/nvrm/event.h`; offsets cross-checked with
//! NVIDIA `gsp_abi_check.c` (570.144).

use super::super::super::wire::Wire;
use super::{c_str, encode_with_tail, split_header, take_tail, PayloadError};

/// Bytes of `rpc_os_error_log_v17_00.errString`.
pub const OS_ERROR_LOG_STRING_LEN: usize = 0x100;

crate::wire_struct! {
    /// `rpc_os_error_log_v17_00` (570.144, with the appended
    /// `preemptiveRemovalPreviousXid`).
    pub struct RpcOsErrorLog {
        /// `exceptType`: the Xid.
        pub except_type: u32,
        /// `runlistId`.
        pub runlist_id: u32,
        /// `chid`.
        pub chid: u32,
        /// `errString`: NUL-terminated text.
        pub err_string: [u8; OS_ERROR_LOG_STRING_LEN],
        /// `preemptiveRemovalPreviousXid`.
        pub preemptive_removal_previous_xid: u32,
    }

    /// `rpc_post_event_v17_00` as its 32 bytes of `sizeof`; `eventData`
    /// starts at byte 29, inside what would be tail padding, so use
    /// [`RpcPostEvent::parse`] and [`RpcPostEvent::encode_with`].
    pub struct RpcPostEvent {
        /// `hClient`.
        pub h_client: u32,
        /// `hEvent`: the event object the notification is for.
        pub h_event: u32,
        /// `notifyIndex`.
        pub notify_index: u32,
        /// `data`.
        pub data: u32,
        /// `info16`.
        pub info16: u16,
        /// Padding.
        pub _pad0: [u8; 2],
        /// `status`.
        pub status: u32,
        /// `eventDataSize`: bytes of `eventData`.
        pub event_data_size: u32,
        /// `bNotifyList` (NvBool).
        pub b_notify_list: u8,
        /// The first three bytes of `eventData`, or tail padding.
        pub _tail: [u8; 3],
    }

    /// `rpc_rc_triggered_v17_02` without its `rcJournalBuffer[]` tail.
    pub struct RpcRcTriggered {
        /// `nv2080EngineType`: `NV2080_ENGINE_TYPE_*`.
        pub nv2080_engine_type: u32,
        /// `chid`.
        pub chid: u32,
        /// `gfid`.
        pub gfid: u32,
        /// `exceptLevel`.
        pub except_level: u32,
        /// `exceptType`: the Xid.
        pub except_type: u32,
        /// `scope`.
        pub scope: u32,
        /// `partitionAttributionId`.
        pub partition_attribution_id: u16,
        /// Padding.
        pub _pad0: [u8; 2],
        /// `mmuFaultAddrLo`.
        pub mmu_fault_addr_lo: u32,
        /// `mmuFaultAddrHi`.
        pub mmu_fault_addr_hi: u32,
        /// `mmuFaultType`.
        pub mmu_fault_type: u32,
        /// `bCallbackNeeded` (NvBool).
        pub b_callback_needed: u8,
        /// Padding.
        pub _pad1: [u8; 3],
        /// `rcJournalBufferSize`: bytes of `rcJournalBuffer`.
        pub rc_journal_buffer_size: u32,
    }

    /// `rpc_gsp_lockdown_notice_v17_00`.
    pub struct RpcGspLockdownNotice {
        /// `bLockdownEngaging` (NvBool).
        pub b_lockdown_engaging: u8,
    }

    /// `rpc_ucode_libos_print_v1E_08` without its `libosPrintBuf[]` tail.
    pub struct RpcUcodeLibosPrint {
        /// `ucodeEngDesc`.
        pub ucode_eng_desc: u32,
        /// `libosPrintBufSize`: bytes of `libosPrintBuf`.
        pub libos_print_buf_size: u32,
    }

    /// `rpc_log_v03_00` without its `log_msg[]` tail.
    pub struct RpcLog {
        /// `level`.
        pub level: u32,
        /// `log_len`: bytes of `log_msg`.
        pub log_len: u32,
    }
}

/// Bytes of `rpc_os_error_log_v17_00` before `preemptiveRemovalPreviousXid`,
/// the minimum gsp_abi_check.c guarantees.
pub const OS_ERROR_LOG_MIN_SIZE: usize = 12 + OS_ERROR_LOG_STRING_LEN;

impl RpcOsErrorLog {
    /// Decodes the payload; a 268-byte payload without the appended field
    /// reads it as 0.
    pub fn parse(payload: &[u8]) -> Result<Self, PayloadError> {
        if payload.len() < OS_ERROR_LOG_MIN_SIZE {
            return Err(PayloadError::Truncated {
                need: OS_ERROR_LOG_MIN_SIZE,
                have: payload.len(),
            });
        }
        let mut full = [0u8; Self::SIZE];
        let n = payload.len().min(Self::SIZE);
        full[..n].copy_from_slice(&payload[..n]);
        Self::decode(&full).ok_or(PayloadError::Truncated {
            need: Self::SIZE,
            have: n,
        })
    }

    /// `errString` up to its NUL.
    pub fn message(&self) -> &[u8] {
        c_str(&self.err_string)
    }
}

impl RpcPostEvent {
    /// `offsetof(rpc_post_event_v17_00, eventData)`.
    pub const EVENT_DATA_OFFSET: usize = 29;

    /// Splits the payload into the header and its `eventDataSize` bytes of
    /// event data (from byte 29). GSP-RM sends `sizeof` (32) +
    /// `eventDataSize` bytes (nouveau checks exactly that); this accepts
    /// any payload of at least 32 bytes that holds the data.
    pub fn parse(payload: &[u8]) -> Result<(Self, &[u8]), PayloadError> {
        let (hdr, _) = split_header::<Self>(payload)?;
        let rest = payload.get(Self::EVENT_DATA_OFFSET..).unwrap_or(&[]);
        let data = take_tail(rest, hdr.event_data_size, "eventDataSize")?;
        Ok((hdr, data))
    }

    /// Writes the header with `eventDataSize` = `data.len()`, the data from
    /// byte 29, and zero padding up to `32 + data.len()` bytes, the length
    /// GSP-RM sends. Returns that length.
    pub fn encode_with(&self, data: &[u8], buf: &mut [u8]) -> Option<usize> {
        let hdr = Self {
            event_data_size: u32::try_from(data.len()).ok()?,
            _tail: [0; 3],
            ..*self
        };
        let len = Self::SIZE.checked_add(data.len())?;
        buf.get_mut(..len)?.fill(0);
        encode_with_tail(&hdr, Self::EVENT_DATA_OFFSET, data, buf)?;
        Some(len)
    }
}

impl RpcRcTriggered {
    /// Splits the payload into the header and its journal bytes.
    pub fn parse(payload: &[u8]) -> Result<(Self, &[u8]), PayloadError> {
        let (hdr, rest) = split_header::<Self>(payload)?;
        let journal = take_tail(rest, hdr.rc_journal_buffer_size, "rcJournalBufferSize")?;
        Ok((hdr, journal))
    }

    /// Writes the header with `rcJournalBufferSize` = `journal.len()` and
    /// the journal; returns the payload length.
    pub fn encode_with(&self, journal: &[u8], buf: &mut [u8]) -> Option<usize> {
        let hdr = Self {
            rc_journal_buffer_size: u32::try_from(journal.len()).ok()?,
            ..*self
        };
        encode_with_tail(&hdr, Self::SIZE, journal, buf)
    }

    /// The faulting address (`mmuFaultAddrHi:Lo`).
    pub const fn mmu_fault_addr(&self) -> u64 {
        ((self.mmu_fault_addr_hi as u64) << 32) | self.mmu_fault_addr_lo as u64
    }
}

/// `ucodeEngDesc` of the PMU (`ENG_PMU`: its class ID 0xf3d722 shifted
/// left by 8; nouveau r535 `NV_GSP_MSG_EVENT_UCODE_LIBOS_CLASS_PMU`), the one
/// ucode GSP-RM 570 forwards prints of.
pub const UCODE_ENG_DESC_PMU: u32 = 0xf3d7_2200;

impl RpcUcodeLibosPrint {
    /// Splits the payload into the header and its print buffer.
    pub fn parse(payload: &[u8]) -> Result<(Self, &[u8]), PayloadError> {
        let (hdr, rest) = split_header::<Self>(payload)?;
        let text = take_tail(rest, hdr.libos_print_buf_size, "libosPrintBufSize")?;
        Ok((hdr, text))
    }

    /// Writes the header with `libosPrintBufSize` = `print.len()` and the
    /// print buffer.
    pub fn encode_with(&self, print: &[u8], buf: &mut [u8]) -> Option<usize> {
        let hdr = Self {
            libos_print_buf_size: u32::try_from(print.len()).ok()?,
            ..*self
        };
        encode_with_tail(&hdr, Self::SIZE, print, buf)
    }
}

impl RpcLog {
    /// Splits the payload into the header and `log_len` bytes of message.
    pub fn parse(payload: &[u8]) -> Result<(Self, &[u8]), PayloadError> {
        let (hdr, rest) = split_header::<Self>(payload)?;
        let text = take_tail(rest, hdr.log_len, "log_len")?;
        Ok((hdr, text))
    }

    /// Writes the header with `log_len` = `text.len()` and the text.
    pub fn encode_with(&self, text: &[u8], buf: &mut [u8]) -> Option<usize> {
        let hdr = Self {
            log_len: u32::try_from(text.len()).ok()?,
            ..*self
        };
        encode_with_tail(&hdr, Self::SIZE, text, buf)
    }
}

/// The channel ID of an error report that concerns no channel
/// (`INVALID_CHID`, as `_kgspRpcOsErrorLog` receives GPU-wide reports).
pub const INVALID_CHID: u32 = 0xffff_ffff;

/// `ROBUST_CHANNEL_GR_EXCEPTION` (nverror.h, 570.144): Xid 13.
pub const ROBUST_CHANNEL_GR_EXCEPTION: u32 = 13;
/// `ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT`: Xid 31, an MMU fault; the
/// fault's address and type are in `mmuFaultAddrLo/Hi` and `mmuFaultType`.
pub const ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT: u32 = 31;
/// `ROBUST_CHANNEL_PBDMA_ERROR`: Xid 32.
pub const ROBUST_CHANNEL_PBDMA_ERROR: u32 = 32;
/// `ROBUST_CHANNEL_PREEMPTIVE_REMOVAL`: Xid 45.
pub const ROBUST_CHANNEL_PREEMPTIVE_REMOVAL: u32 = 45;
/// `ROBUST_CHANNEL_GR_CLASS_ERROR`: Xid 69.
pub const ROBUST_CHANNEL_GR_CLASS_ERROR: u32 = 69;
/// `GSP_RPC_TIMEOUT`: Xid 119.
pub const GSP_RPC_TIMEOUT: u32 = 119;
/// `GSP_ERROR`: Xid 120.
pub const GSP_ERROR: u32 = 120;

/// `NV2080_NOTIFIERS_MAXCOUNT`: how many notifiers a subdevice has
/// (cl2080_notification.h, 570.144); `POST_EVENT`'s `notifyIndex` is
/// below it.
pub const NV2080_NOTIFIERS_MAXCOUNT: u32 = 197;

/// A short name for channel error (Xid) `xid`, for log lines.
pub const fn xid_name(xid: u32) -> &'static str {
    match xid {
        ROBUST_CHANNEL_GR_EXCEPTION => "graphics exception",
        ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT => "MMU fault",
        ROBUST_CHANNEL_PBDMA_ERROR => "PBDMA error",
        ROBUST_CHANNEL_PREEMPTIVE_REMOVAL => "preemptive removal",
        ROBUST_CHANNEL_GR_CLASS_ERROR => "graphics class error",
        GSP_RPC_TIMEOUT => "GSP RPC timeout",
        GSP_ERROR => "GSP error",
        _ => "channel error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xids() {
        // nverror.h at 570.144.
        assert_eq!(ROBUST_CHANNEL_GR_EXCEPTION, 13);
        assert_eq!(ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT, 31);
        assert_eq!(ROBUST_CHANNEL_PBDMA_ERROR, 32);
        assert_eq!(ROBUST_CHANNEL_PREEMPTIVE_REMOVAL, 45);
        assert_eq!(ROBUST_CHANNEL_GR_CLASS_ERROR, 69);
        assert_eq!((GSP_RPC_TIMEOUT, GSP_ERROR), (119, 120));
        assert_eq!(xid_name(31), "MMU fault");
        assert_eq!(xid_name(1000), "channel error");
    }
    use core::mem::{offset_of, size_of};

    #[test]
    fn layouts() {
        // Three u32, char[256] (12..268), u32 = 272.
        // gsp_abi_check.c: size >= 268, exceptType 0, runlistId 4, chid 8,
        // errString 12 (256).
        assert_eq!(size_of::<RpcOsErrorLog>(), 272);
        assert_eq!(offset_of!(RpcOsErrorLog, runlist_id), 4);
        assert_eq!(offset_of!(RpcOsErrorLog, chid), 8);
        assert_eq!(offset_of!(RpcOsErrorLog, err_string), 12);
        assert_eq!(
            offset_of!(RpcOsErrorLog, preemptive_removal_previous_xid),
            268
        );
        assert_eq!(OS_ERROR_LOG_MIN_SIZE, 268);
        // gsp_abi_check.c: size >= 32, notifyIndex 8, data 12, info16 16,
        // status 20, eventDataSize 24, bNotifyList 28, eventData 29.
        assert_eq!(size_of::<RpcPostEvent>(), 32);
        assert_eq!(offset_of!(RpcPostEvent, h_event), 4);
        assert_eq!(offset_of!(RpcPostEvent, notify_index), 8);
        assert_eq!(offset_of!(RpcPostEvent, data), 12);
        assert_eq!(offset_of!(RpcPostEvent, info16), 16);
        assert_eq!(offset_of!(RpcPostEvent, status), 20);
        assert_eq!(offset_of!(RpcPostEvent, event_data_size), 24);
        assert_eq!(offset_of!(RpcPostEvent, b_notify_list), 28);
        assert_eq!(
            offset_of!(RpcPostEvent, _tail),
            RpcPostEvent::EVENT_DATA_OFFSET
        );
        // gsp_abi_check.c: size >= 48; scope 20, partitionAttributionId 24,
        // mmuFaultAddrLo 28, Hi 32, Type 36, bCallbackNeeded 40,
        // rcJournalBufferSize 44, rcJournalBuffer 48.
        assert_eq!(size_of::<RpcRcTriggered>(), 48);
        assert_eq!(offset_of!(RpcRcTriggered, except_type), 16);
        assert_eq!(offset_of!(RpcRcTriggered, scope), 20);
        assert_eq!(offset_of!(RpcRcTriggered, partition_attribution_id), 24);
        assert_eq!(offset_of!(RpcRcTriggered, mmu_fault_addr_lo), 28);
        assert_eq!(offset_of!(RpcRcTriggered, mmu_fault_addr_hi), 32);
        assert_eq!(offset_of!(RpcRcTriggered, mmu_fault_type), 36);
        assert_eq!(offset_of!(RpcRcTriggered, b_callback_needed), 40);
        assert_eq!(offset_of!(RpcRcTriggered, rc_journal_buffer_size), 44);
        // One NvBool; two NvU32 headers.
        assert_eq!(size_of::<RpcGspLockdownNotice>(), 1);
        assert_eq!(size_of::<RpcUcodeLibosPrint>(), 8);
        assert_eq!(size_of::<RpcLog>(), 8);
    }

    #[test]
    fn os_error_log() {
        let mut e = RpcOsErrorLog::ZERO;
        e.except_type = 13;
        e.chid = 5;
        e.err_string[..5].copy_from_slice(b"oops\0");
        e.preemptive_removal_previous_xid = 43;
        let mut b = [0u8; 272];
        e.encode(&mut b).unwrap();
        assert_eq!(RpcOsErrorLog::parse(&b), Ok(e));
        assert_eq!(RpcOsErrorLog::parse(&b).unwrap().message(), b"oops");
        // Without the appended field.
        let short = RpcOsErrorLog::parse(&b[..268]).unwrap();
        assert_eq!(
            (short.except_type, short.preemptive_removal_previous_xid),
            (13, 0)
        );
        assert_eq!(
            RpcOsErrorLog::parse(&b[..267]),
            Err(PayloadError::Truncated {
                need: 268,
                have: 267
            })
        );
        // An unterminated string is bounded by the array.
        b[12..268].fill(b'x');
        assert_eq!(RpcOsErrorLog::parse(&b).unwrap().message().len(), 256);
    }

    #[test]
    fn post_event() {
        let hdr = RpcPostEvent {
            h_client: 0xc1d0_0001,
            h_event: 0xe000_0001,
            notify_index: 0x8a,
            info16: 0x55aa,
            status: 0,
            ..RpcPostEvent::ZERO
        };
        let data = [1u8, 2, 3, 4, 5];
        let mut b = [0xeeu8; 64];
        let n = hdr.encode_with(&data, &mut b).unwrap();
        // nouveau: repc == sizeof(*msg) + eventDataSize.
        assert_eq!(n, 32 + 5);
        assert_eq!(&b[29..34], &data);
        assert_eq!(&b[34..37], &[0, 0, 0]);
        assert_eq!(b[37], 0xee);
        let (h, d) = RpcPostEvent::parse(&b[..n]).unwrap();
        assert_eq!(
            (h.notify_index, h.info16, h.event_data_size),
            (0x8a, 0x55aa, 5)
        );
        assert_eq!(d, &data);
        // No event data: still 32 bytes.
        let n = hdr.encode_with(&[], &mut b).unwrap();
        assert_eq!(n, 32);
        assert_eq!(RpcPostEvent::parse(&b[..n]).unwrap().1, &[] as &[u8]);

        let n = hdr.encode_with(&[9; 8], &mut b).unwrap();
        assert_eq!(RpcPostEvent::parse(&b[..n - 3]).unwrap().1, &[9; 8]);
        assert_eq!(
            RpcPostEvent::parse(&b[..n - 4]),
            Err(PayloadError::BadLength {
                field: "eventDataSize",
                value: 8
            })
        );
        assert_eq!(
            RpcPostEvent::parse(&b[..31]),
            Err(PayloadError::Truncated { need: 32, have: 31 })
        );
        b[24..28].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(RpcPostEvent::parse(&b).is_err());
        assert_eq!(hdr.encode_with(&[0; 40], &mut b), None);
    }

    #[test]
    fn rc_triggered_log_and_print() {
        let rc = RpcRcTriggered {
            except_type: 31,
            mmu_fault_addr_lo: 0x1000,
            mmu_fault_addr_hi: 0x2,
            ..RpcRcTriggered::ZERO
        };
        let mut b = [0u8; 80];
        let n = rc.encode_with(b"journal", &mut b).unwrap();
        assert_eq!(n, 48 + 7);
        let (h, j) = RpcRcTriggered::parse(&b[..n]).unwrap();
        assert_eq!(
            (h.except_type, h.mmu_fault_addr(), j),
            (31, 0x2_0000_1000, &b"journal"[..])
        );
        assert!(RpcRcTriggered::parse(&b[..n - 1]).is_err());
        assert!(RpcRcTriggered::parse(&b[..47]).is_err());

        let n = RpcLog {
            level: 2,
            log_len: 0,
        }
        .encode_with(b"hello", &mut b)
        .unwrap();
        assert_eq!(
            RpcLog::parse(&b[..n]).unwrap(),
            (
                RpcLog {
                    level: 2,
                    log_len: 5
                },
                &b"hello"[..]
            )
        );
        assert!(RpcLog::parse(&b[..n - 1]).is_err());

        b[..8].copy_from_slice(&[1, 0, 0, 0, 3, 0, 0, 0]);
        b[8..11].copy_from_slice(b"abc");
        let (h, t) = RpcUcodeLibosPrint::parse(&b[..11]).unwrap();
        assert_eq!((h.ucode_eng_desc, t), (1, &b"abc"[..]));
        assert!(RpcUcodeLibosPrint::parse(&b[..10]).is_err());
        let print = RpcUcodeLibosPrint {
            ucode_eng_desc: UCODE_ENG_DESC_PMU,
            libos_print_buf_size: 0,
        };
        let n = print.encode_with(b"pmu says", &mut b).unwrap();
        let (h, t) = RpcUcodeLibosPrint::parse(&b[..n]).unwrap();
        assert_eq!(
            (h.ucode_eng_desc, h.libos_print_buf_size, t),
            (UCODE_ENG_DESC_PMU, 8, &b"pmu says"[..])
        );
        assert_eq!(print.encode_with(&[0; 80], &mut b), None);
        assert_eq!(
            RpcGspLockdownNotice::decode(&[1]),
            Some(RpcGspLockdownNotice {
                b_lockdown_engaging: 1
            })
        );
    }
}
