// SPDX-License-Identifier: GPL-2.0
//! Message-queue elements: the 48-byte `GSP_MSG_QUEUE_ELEMENT` header, the
//! 32-byte `rpc_message_header_v03_00` that follows it, and the checksum.
//!
//! Encoding and decoding work on little-endian byte slices (no `unsafe`, no
//! layout assumptions about the host); [`parse_element`] validates
//! everything the other side controls before anything uses it.

use super::super::wire::Wire;

/// Size of the element header (`GSP_MSG_QUEUE_ELEMENT` up to `rpc`).
pub const ELEMENT_HEADER_SIZE: usize = 48;
/// Size of `rpc_message_header_v03_00` without its payload.
pub const RPC_HEADER_SIZE: usize = 32;
/// One queue page; an element spans `elemCount` of them.
pub const PAGE_SIZE: usize = 0x1000;
/// `GSP_MSG_QUEUE_ELEMENT_SIZE_MAX`: the largest element, 16 pages.
pub const ELEMENT_SIZE_MAX: usize = 0x10000;
/// `NV_VGPU_MSG_SIGNATURE_VALID`, "VRPC" read as a little-endian u32.
pub const RPC_SIGNATURE: u32 = 0x4350_5256;
/// RPC header version 3.0 (major in bits 31:24, minor in 23:16).
pub const RPC_HEADER_VERSION: u32 = 0x0300_0000;
/// The most RPC payload one element carries.
pub const MAX_PAYLOAD: usize = ELEMENT_SIZE_MAX - ELEMENT_HEADER_SIZE - RPC_HEADER_SIZE;
/// The largest RPC (header and payload) accepted when it is split over
/// several elements (a bound on what the receiver allocates).
pub const MAX_RPC_LENGTH: u32 = 1 << 20;
/// `rpc_result` of a command as the CPU sends it.
pub const RPC_RESULT_PENDING: u32 = 0xffff_ffff;

/// The fields of an element header and its RPC header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// XOR checksum over the element (see [`checksum`]).
    pub checksum: u32,
    /// Per-queue element sequence number.
    pub seq_num: u32,
    /// Number of queue pages the element spans.
    pub elem_count: u32,
    /// `rpc.length`: RPC header plus payload, in bytes.
    pub length: u32,
    /// `rpc.function`: an RPC function or event number.
    pub function: u32,
    /// `rpc.rpc_result`: NV_STATUS of a reply.
    pub rpc_result: u32,
    /// `rpc.rpc_result_private`.
    pub rpc_result_private: u32,
    /// `rpc.sequence`: matches a reply to its command.
    pub sequence: u32,
}

/// Why an element was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Fewer bytes than the two headers.
    Truncated,
    /// `elemCount` is zero or more than 16 pages, or more than the buffer holds.
    BadElementCount(u32),
    /// `rpc.signature` is not "VRPC".
    BadSignature(u32),
    /// `rpc.header_version` is not 3.0.
    BadVersion(u32),
    /// `rpc.length` is shorter than the RPC header or does not fit the element.
    BadLength(u32),
    /// The checksum over the element does not come out as zero.
    BadChecksum,
}

crate::wire_struct! {
    /// `GSP_MSG_QUEUE_ELEMENT` up to `rpc` (message_queue_priv.h; nova-core
    /// bindings.rs).
    pub struct GspMsgQueueElement {
        /// `authTagBuffer` (confidential computing; zero otherwise).
        pub auth_tag_buffer: [u8; 16],
        /// `aadBuffer`.
        pub aad_buffer: [u8; 16],
        /// `checkSum`: makes the element's [`checksum`] zero.
        pub check_sum: u32,
        /// `seqNum`: per-queue element sequence number.
        pub seq_num: u32,
        /// `elemCount`: queue pages the element spans.
        pub elem_count: u32,
        /// Padding: `rpc` is 8-aligned.
        pub _pad0: u32,
    }

    /// `rpc_message_header_v03_00` without `rpc_message_data[]`.
    pub struct RpcMessageHeader {
        /// `header_version`: [`RPC_HEADER_VERSION`].
        pub header_version: u32,
        /// `signature`: [`RPC_SIGNATURE`].
        pub signature: u32,
        /// `length`: this header plus the payload, in bytes.
        pub length: u32,
        /// `function`: an RPC function or event number.
        pub function: u32,
        /// `rpc_result`: NV_STATUS of a reply.
        pub rpc_result: u32,
        /// `rpc_result_private`.
        pub rpc_result_private: u32,
        /// `sequence`: matches a reply to its command.
        pub sequence: u32,
        /// The `spare`/`cpuRmGfid` union.
        pub spare: u32,
    }
}

/// The GSP-RM checksum: XOR of the bytes, byte `i` rotated left by
/// `8 * (i % 8)` (i.e. XOR of little-endian u64 words), folded to 32 bits.
/// A message whose `checkSum` field holds the result sums to zero.
pub fn checksum(bytes: &[u8]) -> u32 {
    let sum = bytes.iter().enumerate().fold(0u64, |acc, (i, &b)| {
        acc ^ u64::from(b).rotate_left(((i % 8) * 8) as u32)
    });
    ((sum >> 32) as u32) ^ (sum as u32)
}

/// Writes a complete element for `function` with `payload` into `buf`
/// (element header, RPC header, payload) and returns its length in bytes,
/// or `None` if the payload does not fit one element or `buf`. The checksum
/// is computed last, over exactly those bytes.
pub fn encode(
    buf: &mut [u8],
    seq_num: u32,
    function: u32,
    sequence: u32,
    rpc_result: u32,
    payload: &[u8],
) -> Option<usize> {
    let len = element_len(payload.len())?;
    let msg = buf.get_mut(..len)?;
    msg.fill(0);
    let elem = GspMsgQueueElement {
        seq_num,
        elem_count: len.div_ceil(PAGE_SIZE) as u32,
        ..GspMsgQueueElement::ZERO
    };
    let rpc = RpcMessageHeader {
        header_version: RPC_HEADER_VERSION,
        signature: RPC_SIGNATURE,
        length: (RPC_HEADER_SIZE + payload.len()) as u32,
        function,
        rpc_result,
        rpc_result_private: rpc_result,
        sequence,
        spare: 0,
    };
    rpc.encode(msg.get_mut(ELEMENT_HEADER_SIZE..)?)?;
    msg.get_mut(ELEMENT_HEADER_SIZE + RPC_HEADER_SIZE..)?
        .copy_from_slice(payload);
    elem.encode(msg)?;
    let check_sum = checksum(msg);
    GspMsgQueueElement { check_sum, ..elem }.encode(msg)?;
    Some(len)
}

/// Writes `v` little-endian at `off` of `b` (in bounds by construction).
fn set_u32(b: &mut [u8], off: usize, v: u32) {
    if let Some(d) = b.get_mut(off..off + 4) {
        d.copy_from_slice(&v.to_le_bytes());
    }
}

/// Writes the first element of a message whose payload of `total_len`
/// bytes is too large for one element, as GSP-RM does: a full element
/// carrying `first` ([`MAX_PAYLOAD`] bytes) with `rpc.length` covering the
/// whole message. The rest goes in `CONTINUATION_RECORD` elements.
pub fn encode_split_head(
    buf: &mut [u8],
    seq_num: u32,
    function: u32,
    sequence: u32,
    rpc_result: u32,
    first: &[u8],
    total_len: usize,
) -> Option<usize> {
    if first.len() != MAX_PAYLOAD || total_len <= MAX_PAYLOAD {
        return None;
    }
    let rpc_len = u32::try_from(RPC_HEADER_SIZE + total_len).ok()?;
    let len = encode(buf, seq_num, function, sequence, rpc_result, first)?;
    let msg = buf.get_mut(..len)?;
    set_u32(msg, ELEMENT_HEADER_SIZE + 8, rpc_len);
    set_u32(msg, 32, 0);
    let sum = checksum(msg);
    set_u32(msg, 32, sum);
    Some(len)
}

/// Bytes an element with a payload of `payload_len` bytes occupies, if it
/// fits in one element.
pub fn element_len(payload_len: usize) -> Option<usize> {
    let len = (ELEMENT_HEADER_SIZE + RPC_HEADER_SIZE).checked_add(payload_len)?;
    (len <= ELEMENT_SIZE_MAX).then_some(len)
}

/// The page count (`elemCount`) and `rpc.length` of the element whose
/// first bytes are `head` (at least [`ELEMENT_HEADER_SIZE`] +
/// [`RPC_HEADER_SIZE`] of them), unchecked: what a reader needs to know
/// how much of the queue to copy before [`parse_element`] judges it.
pub fn peek_lengths(head: &[u8]) -> Option<(u32, u32)> {
    let elem = GspMsgQueueElement::decode(head)?;
    let rpc = RpcMessageHeader::decode(head.get(ELEMENT_HEADER_SIZE..)?)?;
    Some((elem.elem_count, rpc.length))
}

/// Validates the element at the start of `buf` (the bytes of its
/// `elemCount` pages, or more) and returns its header and payload.
///
/// The first element of a message GSP-RM split over several elements is
/// full (16 pages) and its `rpc.length` is the whole message's (nouveau
/// r535 `r535_gsp_msg_recv`): it is accepted when that length is at most
/// [`MAX_RPC_LENGTH`], and the payload returned is the part it carries; the
/// rest follows in `CONTINUATION_RECORD` elements. The checksum then covers
/// the full element.
pub fn parse_element(buf: &[u8]) -> Result<(Header, &[u8]), ParseError> {
    let (elem, rpc) = match (
        GspMsgQueueElement::decode(buf),
        buf.get(ELEMENT_HEADER_SIZE..)
            .and_then(RpcMessageHeader::decode),
    ) {
        (Some(e), Some(r)) => (e, r),
        _ => return Err(ParseError::Truncated),
    };
    let h = Header {
        checksum: elem.check_sum,
        seq_num: elem.seq_num,
        elem_count: elem.elem_count,
        length: rpc.length,
        function: rpc.function,
        rpc_result: rpc.rpc_result,
        rpc_result_private: rpc.rpc_result_private,
        sequence: rpc.sequence,
    };
    let pages = h.elem_count as usize;
    if pages == 0
        || pages * PAGE_SIZE > ELEMENT_SIZE_MAX
        || pages * PAGE_SIZE > buf.len().next_multiple_of(PAGE_SIZE)
    {
        return Err(ParseError::BadElementCount(h.elem_count));
    }
    if rpc.signature != RPC_SIGNATURE {
        return Err(ParseError::BadSignature(rpc.signature));
    }
    if rpc.header_version != RPC_HEADER_VERSION {
        return Err(ParseError::BadVersion(rpc.header_version));
    }
    let len = h.length as usize;
    let mut end = ELEMENT_HEADER_SIZE.saturating_add(len);
    let split_head = end > pages * PAGE_SIZE
        && pages * PAGE_SIZE == ELEMENT_SIZE_MAX
        && h.length <= MAX_RPC_LENGTH;
    if split_head {
        end = ELEMENT_SIZE_MAX;
    }
    if len < RPC_HEADER_SIZE || end > pages * PAGE_SIZE || end > buf.len() {
        return Err(ParseError::BadLength(h.length));
    }
    let (Some(element), Some(payload)) = (
        buf.get(..end),
        buf.get(ELEMENT_HEADER_SIZE + RPC_HEADER_SIZE..end),
    ) else {
        return Err(ParseError::BadLength(h.length));
    };
    if checksum(element) != 0 {
        return Err(ParseError::BadChecksum);
    }
    Ok((h, payload))
}

#[cfg(test)]
mod split_tests {
    use super::*;
    extern crate std;
    use std::vec;

    #[test]
    fn split_head_round_trips_and_is_bounded() {
        let mut buf = vec![0u8; ELEMENT_SIZE_MAX];
        let first = vec![7u8; MAX_PAYLOAD];
        let len = encode_split_head(&mut buf, 1, 76, 9, 0, &first, MAX_PAYLOAD + 100).unwrap();
        assert_eq!(len, ELEMENT_SIZE_MAX);
        let (h, p) = parse_element(&buf).unwrap();
        assert_eq!(
            (h.elem_count, h.length as usize),
            (16, RPC_HEADER_SIZE + MAX_PAYLOAD + 100)
        );
        assert_eq!(p.len(), MAX_PAYLOAD);
        // Not full, or too large: a bad length.
        assert_eq!(
            encode_split_head(&mut buf, 1, 76, 9, 0, &first[1..], MAX_PAYLOAD + 100),
            None
        );
        set_u32(&mut buf, ELEMENT_HEADER_SIZE + 8, MAX_RPC_LENGTH + 1);
        set_u32(&mut buf, 32, 0);
        let sum = checksum(&buf);
        set_u32(&mut buf, 32, sum);
        assert_eq!(
            parse_element(&buf),
            Err(ParseError::BadLength(MAX_RPC_LENGTH + 1))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    extern crate std;
    use core::mem::{offset_of, size_of};
    use std::vec;

    fn put32(b: &mut [u8], off: usize, v: u32) {
        b[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }

    #[test]
    fn header_layouts() {
        // message_queue_priv.h: u8[16], u8[16], three NvU32, then the
        // 8-aligned rpc header at 48 (GSP_MSG_QUEUE_ELEMENT_HDR_SIZE).
        assert_eq!(size_of::<GspMsgQueueElement>(), ELEMENT_HEADER_SIZE);
        assert_eq!(offset_of!(GspMsgQueueElement, aad_buffer), 16);
        assert_eq!(offset_of!(GspMsgQueueElement, check_sum), 32);
        assert_eq!(offset_of!(GspMsgQueueElement, seq_num), 36);
        assert_eq!(offset_of!(GspMsgQueueElement, elem_count), 40);
        // bindings.rs rpc_message_header_v03_00: eight u32, data at 32.
        assert_eq!(size_of::<RpcMessageHeader>(), RPC_HEADER_SIZE);
        assert_eq!(offset_of!(RpcMessageHeader, signature), 4);
        assert_eq!(offset_of!(RpcMessageHeader, length), 8);
        assert_eq!(offset_of!(RpcMessageHeader, function), 12);
        assert_eq!(offset_of!(RpcMessageHeader, rpc_result), 16);
        assert_eq!(offset_of!(RpcMessageHeader, rpc_result_private), 20);
        assert_eq!(offset_of!(RpcMessageHeader, sequence), 24);
        assert_eq!(offset_of!(RpcMessageHeader, spare), 28);
    }

    #[test]
    fn published_numbers() {
        // bindings.rs: NV_VGPU_MSG_SIGNATURE_VALID = 1129337430,
        // GSP_MSG_QUEUE_ELEMENT_SIZE_MAX = 65536; nova-core MsgHeaderVersion 3.0.
        assert_eq!(RPC_SIGNATURE, 1_129_337_430);
        assert_eq!(ELEMENT_SIZE_MAX, 65_536);
        assert_eq!(RPC_HEADER_VERSION >> 24, 3);
        // GSP_MSG_QUEUE_ELEMENT: authTag[16], aad[16], checkSum@32,
        // seqNum@36, elemCount@40, pad, rpc@48 (align 8).
        assert_eq!(ELEMENT_HEADER_SIZE, 16 + 16 + 4 + 4 + 4 + 4);
        // rpc_message_header_v03_00: 8 u32 fields before the payload.
        assert_eq!(RPC_HEADER_SIZE, 8 * 4);
    }

    #[test]
    fn round_trip_and_checksum_zero() {
        let mut buf = vec![0u8; PAGE_SIZE * 2];
        let payload: std::vec::Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
        let len = encode(&mut buf, 7, 76, 42, RPC_RESULT_PENDING, &payload).unwrap();
        assert_eq!(len, 48 + 32 + 5000);
        assert_eq!(checksum(&buf[..len]), 0);
        let (h, p) = parse_element(&buf).unwrap();
        assert_eq!(
            (h.seq_num, h.elem_count, h.function, h.sequence),
            (7, 2, 76, 42)
        );
        assert_eq!(h.length, 32 + 5000);
        assert_eq!(p, &payload[..]);
    }

    #[test]
    fn malformed_elements_are_rejected() {
        let mut good = vec![0u8; PAGE_SIZE];
        let len = encode(&mut good, 1, 65, 1, 0, &[1, 2, 3, 4]).unwrap();
        assert_eq!(encode(&mut [0u8; 64], 1, 65, 1, 0, &[]), None);
        assert!(parse_element(&good).is_ok());
        assert_eq!(parse_element(&good[..70]), Err(ParseError::Truncated));

        let mutate = |off: usize, v: u32| {
            let mut b = good.clone();
            put32(&mut b, off, v);
            parse_element(&b).map(|(h, _)| h)
        };
        assert_eq!(mutate(40, 0), Err(ParseError::BadElementCount(0)));
        assert_eq!(mutate(40, 17), Err(ParseError::BadElementCount(17)));
        assert_eq!(mutate(40, 2), Err(ParseError::BadElementCount(2)));
        assert_eq!(mutate(52, 0x1234), Err(ParseError::BadSignature(0x1234)));
        assert_eq!(
            mutate(48, 0x0200_0000),
            Err(ParseError::BadVersion(0x0200_0000))
        );
        assert_eq!(mutate(56, 31), Err(ParseError::BadLength(31)));
        assert_eq!(mutate(56, 4096), Err(ParseError::BadLength(4096)));
        assert_eq!(mutate(56, u32::MAX), Err(ParseError::BadLength(u32::MAX)));
        // A flipped payload bit breaks the checksum.
        let mut b = good.clone();
        b[len - 1] ^= 1;
        assert_eq!(parse_element(&b), Err(ParseError::BadChecksum));
    }

    #[test]
    fn element_len_limits() {
        assert_eq!(element_len(0), Some(80));
        assert_eq!(element_len(ELEMENT_SIZE_MAX - 80), Some(ELEMENT_SIZE_MAX));
        assert_eq!(element_len(ELEMENT_SIZE_MAX - 79), None);
        assert_eq!(element_len(usize::MAX), None);
    }
}
