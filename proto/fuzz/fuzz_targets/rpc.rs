// SPDX-License-Identifier: GPL-2.0
//! The RPC payload parsers with a length-prefixed tail (`gsp::rpc::rm`,
//! `gsp::rpc::event`) and the fixed payloads decoded with
//! `rpc::decode_payload` (`FREE`, `UNLOADING_GUEST_DRIVER`,
//! `GSP_LOCKDOWN_NOTICE`).
//!
//! The first byte picks the parser, the rest is the payload. Each accepted
//! payload must: have its fixed part decode as the payload's first bytes;
//! return a tail that is exactly the length field's bytes right after the
//! fixed part (from byte 29 for POST_EVENT); encode back to the same bytes
//! (or, for POST_EVENT, to bytes that parse the same). A rejected payload
//! must be too short for its fixed part or its length field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nvgsp_proto::gsp::rpc::event::{
    RpcGspLockdownNotice, RpcLog, RpcOsErrorLog, RpcPostEvent, RpcRcTriggered, RpcUcodeLibosPrint,
    OS_ERROR_LOG_MIN_SIZE, OS_ERROR_LOG_STRING_LEN,
};
use nvgsp_proto::gsp::rpc::rm::{RpcFree, RpcGspRmAlloc, RpcGspRmControl};
use nvgsp_proto::gsp::rpc::unload::RpcUnloadingGuestDriver;
use nvgsp_proto::gsp::rpc::{c_str, decode_payload, PayloadError};
use nvgsp_proto::wire::Wire;
use nvgsp_proto_fuzz::{is_subslice, round_trip};

/// Checks a `parse` of a header `T` followed by a tail at `tail_at` whose
/// length is the header's `len` field; returns the header and tail.
fn tail_parse<'a, T: Wire + PartialEq + core::fmt::Debug>(
    payload: &'a [u8],
    got: Result<(T, &'a [u8]), PayloadError>,
    tail_at: usize,
    len: impl Fn(&T) -> u32,
) -> Option<(T, &'a [u8])> {
    let hdr = T::decode(payload);
    match (got, hdr) {
        (Ok((h, tail)), Some(want)) => {
            assert_eq!(h, want);
            is_subslice(payload, tail, tail_at, len(&h) as usize);
            Some((h, tail))
        }
        (Err(PayloadError::Truncated { need, have }), None) => {
            assert_eq!((need, have), (T::SIZE, payload.len()));
            None
        }
        (Err(PayloadError::BadLength { value, .. }), Some(h)) => {
            assert_eq!(value, len(&h));
            assert!(len(&h) as usize > payload.len() - tail_at.min(payload.len()));
            None
        }
        (got, hdr) => panic!("parse gave {got:?} for header {hdr:?}"),
    }
}

/// `encode_with` of what was parsed gives back the payload's bytes.
fn same_bytes(payload: &[u8], enc: impl Fn(&mut [u8]) -> Option<usize>) {
    let mut buf = vec![0xa5u8; payload.len() + 1];
    let n = enc(&mut buf).expect("re-encode");
    assert_eq!(&buf[..n], &payload[..n], "re-encoding differs");
}

fn alloc(p: &[u8]) {
    let got = RpcGspRmAlloc::parse(p);
    if let Some((h, params)) = tail_parse(p, got, RpcGspRmAlloc::SIZE_WITHOUT_PARAMS, |h| {
        h.params_size
    }) {
        same_bytes(p, |b| h.encode_with(params, b));
    }
}

fn control(p: &[u8]) {
    let got = RpcGspRmControl::parse(p);
    if let Some((h, params)) = tail_parse(p, got, RpcGspRmControl::SIZE_WITHOUT_PARAMS, |h| {
        h.params_size
    }) {
        same_bytes(p, |b| h.encode_with(params, b));
    }
}

fn rc_triggered(p: &[u8]) {
    let got = RpcRcTriggered::parse(p);
    if let Some((h, journal)) =
        tail_parse(p, got, RpcRcTriggered::SIZE, |h| h.rc_journal_buffer_size)
    {
        same_bytes(p, |b| h.encode_with(journal, b));
        let addr = h.mmu_fault_addr();
        assert_eq!(
            (addr as u32, (addr >> 32) as u32),
            (h.mmu_fault_addr_lo, h.mmu_fault_addr_hi)
        );
    }
}

fn log(p: &[u8]) {
    let got = RpcLog::parse(p);
    if let Some((h, text)) = tail_parse(p, got, RpcLog::SIZE, |h| h.log_len) {
        same_bytes(p, |b| h.encode_with(text, b));
    }
}

fn libos_print(p: &[u8]) {
    let got = RpcUcodeLibosPrint::parse(p);
    tail_parse(p, got, RpcUcodeLibosPrint::SIZE, |h| h.libos_print_buf_size);
}

fn post_event(p: &[u8]) {
    let got = RpcPostEvent::parse(p);
    let Some((h, data)) = tail_parse(p, got, RpcPostEvent::EVENT_DATA_OFFSET, |h| {
        h.event_data_size
    }) else {
        return;
    };
    // The encoder zeroes the padding around the data, so compare what it
    // parses to rather than bytes.
    let mut buf = vec![0xa5u8; RpcPostEvent::SIZE + data.len() + 1];
    let n = h.encode_with(data, &mut buf).expect("re-encode");
    assert_eq!(n, RpcPostEvent::SIZE + data.len());
    assert_eq!(buf[n], 0xa5);
    let (h2, d2) = RpcPostEvent::parse(&buf[..n]).expect("re-encoded event parses");
    assert_eq!(d2, data);
    assert_eq!(
        RpcPostEvent {
            _tail: h._tail,
            ..h2
        },
        h
    );
}

fn os_error_log(p: &[u8]) {
    match RpcOsErrorLog::parse(p) {
        Ok(e) => {
            assert!(p.len() >= OS_ERROR_LOG_MIN_SIZE);
            // The payload's bytes, zero-extended to the full structure.
            let mut full = [0u8; RpcOsErrorLog::SIZE];
            let n = p.len().min(RpcOsErrorLog::SIZE);
            full[..n].copy_from_slice(&p[..n]);
            assert_eq!(round_trip::<RpcOsErrorLog>(&full), Some(e));
            let m = e.message();
            assert!(m.len() <= OS_ERROR_LOG_STRING_LEN && !m.contains(&0));
            assert_eq!(m, &e.err_string[..m.len()]);
            assert_eq!(m, c_str(&p[12..12 + OS_ERROR_LOG_STRING_LEN]));
        }
        Err(e) => {
            assert!(p.len() < OS_ERROR_LOG_MIN_SIZE);
            assert_eq!(
                e,
                PayloadError::Truncated {
                    need: OS_ERROR_LOG_MIN_SIZE,
                    have: p.len()
                }
            );
        }
    }
}

/// A fixed payload decodes exactly when it is long enough, to the value its
/// first bytes encode.
fn fixed<T: Wire + PartialEq + core::fmt::Debug>(p: &[u8]) {
    let got = decode_payload::<T>(p);
    assert_eq!(got.ok(), round_trip::<T>(p));
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, p)) = data.split_first() else {
        return;
    };
    match sel % 10 {
        0 => alloc(p),
        1 => control(p),
        2 => rc_triggered(p),
        3 => log(p),
        4 => libos_print(p),
        5 => post_event(p),
        6 => os_error_log(p),
        7 => fixed::<RpcFree>(p),
        8 => fixed::<RpcUnloadingGuestDriver>(p),
        _ => fixed::<RpcGspLockdownNotice>(p),
    }
});
