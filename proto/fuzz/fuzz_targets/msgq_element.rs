// SPDX-License-Identifier: GPL-2.0
//! `gsp::msgq::parse_element`: a message-queue element as the other side
//! wrote it (GSP-RM for the driver, the driver for the emulator).
//!
//! Each input is parsed as is, then again with its checksum field fixed up
//! so that the fuzzer gets past the checksum to the length checks (and
//! that copy must never be rejected for its checksum). An accepted element
//! must: fit its `elemCount` pages and the input, sum to zero, have its
//! payload at byte 80 of the input and `length - 32` bytes long, report
//! the header fields its bytes hold (whose function and status numbers
//! `Function::try_from` and `status_name` look up), and be rebuilt by
//! `msgq::encode` into an element that parses to the same header and
//! payload.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nvgsp_proto::gsp::function::{Function, UnknownFunction};
use nvgsp_proto::gsp::msgq::{
    checksum, encode, parse_element, GspMsgQueueElement, Header, ParseError, RpcMessageHeader,
    ELEMENT_HEADER_SIZE, ELEMENT_SIZE_MAX, PAGE_SIZE, RPC_HEADER_SIZE, RPC_HEADER_VERSION,
    RPC_SIGNATURE,
};
use nvgsp_proto::gsp::status::{status_name, ALL};
use nvgsp_proto::wire::Wire;
use nvgsp_proto_fuzz::{is_subslice, round_trip};

const PAYLOAD_AT: usize = ELEMENT_HEADER_SIZE + RPC_HEADER_SIZE;
const CHECKSUM_AT: usize = 32;
const LENGTH_AT: usize = ELEMENT_HEADER_SIZE + 8;

fn check(data: &[u8]) -> Result<Header, ParseError> {
    let (h, payload) = parse_element(data)?;
    let elem: GspMsgQueueElement = round_trip(data).expect("element header");
    let rpc: RpcMessageHeader = round_trip(&data[ELEMENT_HEADER_SIZE..]).expect("rpc header");
    assert_eq!(
        (h.checksum, h.seq_num, h.elem_count),
        (elem.check_sum, elem.seq_num, elem.elem_count)
    );
    assert_eq!(
        (
            h.length,
            h.function,
            h.rpc_result,
            h.rpc_result_private,
            h.sequence
        ),
        (
            rpc.length,
            rpc.function,
            rpc.rpc_result,
            rpc.rpc_result_private,
            rpc.sequence
        )
    );
    assert_eq!(
        (rpc.signature, rpc.header_version),
        (RPC_SIGNATURE, RPC_HEADER_VERSION)
    );

    // The numbers a reply carries name a function and a status, or are
    // reported as unknown.
    match Function::try_from(h.function) {
        Ok(f) => {
            assert_eq!(u32::from(f), h.function);
            assert!(Function::ALL.contains(&f) && !f.name().is_empty());
        }
        Err(UnknownFunction(n)) => {
            assert_eq!(n, h.function);
            assert!(!Function::ALL.iter().any(|&f| u32::from(f) == n));
        }
    }
    let name = ALL
        .iter()
        .find(|(v, _)| *v == h.rpc_result)
        .map(|(_, n)| *n);
    assert_eq!(
        status_name(h.rpc_result),
        name.unwrap_or("NV_STATUS_UNKNOWN")
    );

    let len = h.length as usize;
    let end = ELEMENT_HEADER_SIZE + len;
    let pages = h.elem_count as usize;
    assert!(len >= RPC_HEADER_SIZE);
    assert!(pages >= 1 && pages * PAGE_SIZE <= ELEMENT_SIZE_MAX);
    assert!(end <= pages * PAGE_SIZE && end <= data.len());
    is_subslice(data, payload, PAYLOAD_AT, len - RPC_HEADER_SIZE);
    assert_eq!(checksum(&data[..end]), 0, "accepted a bad checksum");

    // The encoder rebuilds the element from what was parsed.
    let mut buf = vec![0u8; end + 1];
    let n = encode(
        &mut buf,
        h.seq_num,
        h.function,
        h.sequence,
        h.rpc_result,
        payload,
    )
    .expect("re-encode");
    assert_eq!(n, end);
    let (h2, p2) = parse_element(&buf[..n]).expect("re-encoded element parses");
    assert_eq!(p2, payload);
    assert_eq!(
        (
            h2.seq_num,
            h2.length,
            h2.function,
            h2.rpc_result,
            h2.sequence
        ),
        (h.seq_num, h.length, h.function, h.rpc_result, h.sequence)
    );
    assert!(h2.elem_count <= h.elem_count);
    assert_eq!(h2.elem_count as usize, end.div_ceil(PAGE_SIZE));
    Ok(h)
}

fuzz_target!(|data: &[u8]| {
    let _ = check(data);

    // The same element with `checkSum` set the way the encoder sets it,
    // over the bytes `rpc.length` claims: never rejected for its checksum.
    if data.len() >= PAYLOAD_AT {
        let mut buf = data.to_vec();
        let length = u32::decode(&buf[LENGTH_AT..]).unwrap() as usize;
        let end = ELEMENT_HEADER_SIZE.saturating_add(length).min(buf.len());
        buf[CHECKSUM_AT..CHECKSUM_AT + 4].fill(0);
        let sum = checksum(&buf[..end]);
        buf[CHECKSUM_AT..CHECKSUM_AT + 4].copy_from_slice(&sum.to_le_bytes());
        assert_ne!(check(&buf), Err(ParseError::BadChecksum));
    }
});
