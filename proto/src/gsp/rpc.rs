// SPDX-License-Identifier: GPL-2.0
//! RPC payloads: what follows `rpc_message_header_v03_00` in a queue element,
//! per function or event.
//!
//! Fixed-size payloads are [`Wire`] structs. Payloads with a variable tail
//! (alloc/control parameters, event data, sequencer commands, the registry)
//! have parsers that check every length field against the bytes actually
//! received and return a typed error.
//!
//! (Submodules have explicit `#[path]`s for the kernel build; see
//! [`super`].)

use super::super::wire::Wire;

#[path = "rpc/event.rs"]
pub mod event;
#[path = "rpc/registry.rs"]
pub mod registry;
#[path = "rpc/rm.rs"]
pub mod rm;
#[path = "rpc/sequencer.rs"]
pub mod sequencer;
#[path = "rpc/static_info.rs"]
pub mod static_info;
#[path = "rpc/system_info.rs"]
pub mod system_info;
#[path = "rpc/unload.rs"]
pub mod unload;

/// Why a payload was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadError {
    /// Fewer bytes than the fixed part of the payload.
    Truncated {
        /// Bytes the fixed part needs.
        need: usize,
        /// Bytes received.
        have: usize,
    },
    /// A length or count field points past the bytes received.
    BadLength {
        /// The C name of the field.
        field: &'static str,
        /// Its value.
        value: u32,
    },
}

/// Decodes a fixed header `T` from the start of `payload` and returns it
/// with the bytes after it.
pub fn split_header<T: Wire>(payload: &[u8]) -> Result<(T, &[u8]), PayloadError> {
    let truncated = PayloadError::Truncated {
        need: T::SIZE,
        have: payload.len(),
    };
    let hdr = T::decode(payload).ok_or(truncated)?;
    let rest = payload.get(T::SIZE..).ok_or(truncated)?;
    Ok((hdr, rest))
}

/// Decodes a fixed payload `T`, rejecting a shorter one. Bytes past
/// `T::SIZE` are ignored (NVIDIA may append fields within a branch:
/// "Appending to the end of the struct is okay", gsp_abi_check.c).
pub fn decode_payload<T: Wire>(payload: &[u8]) -> Result<T, PayloadError> {
    split_header(payload).map(|(t, _)| t)
}

/// Takes `len` bytes from the start of `rest`, or reports `field` as bad.
pub fn take_tail<'a>(
    rest: &'a [u8],
    len: u32,
    field: &'static str,
) -> Result<&'a [u8], PayloadError> {
    rest.get(..len as usize)
        .ok_or(PayloadError::BadLength { field, value: len })
}

/// Writes `hdr` then `tail` at byte `tail_off` (which may lie inside the
/// header, for C structs whose flexible array starts in their tail
/// padding), zero-filling the rest of the header. Returns the bytes
/// written: `max(T::SIZE, tail_off + tail.len())`.
pub fn encode_with_tail<T: Wire>(
    hdr: &T,
    tail_off: usize,
    tail: &[u8],
    buf: &mut [u8],
) -> Option<usize> {
    let end = tail_off.checked_add(tail.len())?;
    let len = end.max(T::SIZE);
    let out = buf.get_mut(..len)?;
    out.fill(0);
    hdr.encode(out)?;
    out.get_mut(tail_off..end)?.copy_from_slice(tail);
    Some(len)
}

/// The bytes of `s` up to its first NUL (or all of it): for the fixed
/// `char[]` arrays in payloads.
pub fn c_str(s: &[u8]) -> &[u8] {
    let n = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    s.get(..n).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        let b = [1u8, 0, 0, 0, 2, 0, 0, 0, 9, 9];
        let (h, rest): (u32, _) = split_header(&b).unwrap();
        assert_eq!((h, rest.len()), (1, 6));
        assert_eq!(decode_payload::<[u32; 2]>(&b), Ok([1, 2]));
        assert_eq!(
            decode_payload::<[u32; 3]>(&b),
            Err(PayloadError::Truncated { need: 12, have: 10 })
        );
        assert_eq!(take_tail(rest, 6, "x"), Ok(rest));
        assert_eq!(
            take_tail(rest, 7, "x"),
            Err(PayloadError::BadLength {
                field: "x",
                value: 7
            })
        );
        assert_eq!(
            take_tail(rest, u32::MAX, "x"),
            Err(PayloadError::BadLength {
                field: "x",
                value: u32::MAX
            })
        );

        let mut out = [0xffu8; 16];
        assert_eq!(
            encode_with_tail(&7u64, 6, &[1, 2, 3, 4], &mut out),
            Some(10)
        );
        assert_eq!(&out[..11], &[7, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0xff]);
        assert_eq!(encode_with_tail(&7u64, 8, &[], &mut out), Some(8));
        assert_eq!(encode_with_tail(&7u64, 6, &[1; 11], &mut out), None);
        assert_eq!(encode_with_tail(&7u64, usize::MAX, &[1], &mut out), None);

        assert_eq!(c_str(b"abc\0def"), b"abc");
        assert_eq!(c_str(b"abc"), b"abc");
        assert_eq!(c_str(b""), b"");
    }
}
