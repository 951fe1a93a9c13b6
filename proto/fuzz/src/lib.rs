// SPDX-License-Identifier: GPL-2.0
//! Helpers shared by the fuzz targets in `fuzz_targets/`: reading the fuzz
//! input as a stream of values, and the checks every target makes (a
//! returned slice lies inside the input, a decoded wire structure encodes
//! back to the bytes it came from).

use core::fmt::Debug;
use nvgsp_proto::wire::Wire;

pub mod vbios;

/// The offset of `inner` in `outer`; panics unless `inner` lies entirely
/// inside `outer` (an empty `inner` may sit at `outer`'s end).
pub fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    let o = outer.as_ptr() as usize;
    let i = inner.as_ptr() as usize;
    assert!(
        i >= o && i + inner.len() <= o + outer.len(),
        "slice of {} bytes at {i:#x} is not inside the input ({} bytes at {o:#x})",
        inner.len(),
        outer.len()
    );
    i - o
}

/// Asserts that `inner` is exactly `outer[at..at + len]`.
pub fn is_subslice(outer: &[u8], inner: &[u8], at: usize, len: usize) {
    assert_eq!(offset_in(outer, inner), at, "slice offset");
    assert_eq!(inner.len(), len, "slice length");
}

/// Decodes a `T` from the start of `data` and checks the [`Wire`]
/// contract: it decodes exactly when `data` holds `T::SIZE` bytes, encodes
/// back to those bytes, fails to encode into a shorter buffer, and decodes
/// again to the same value.
pub fn round_trip<T: Wire + PartialEq + Debug>(data: &[u8]) -> Option<T> {
    let v = T::decode(data);
    assert_eq!(
        v.is_some(),
        data.len() >= T::SIZE,
        "decode of {} bytes",
        data.len()
    );
    let v = v?;
    let mut out = vec![0xa5u8; T::SIZE + 1];
    assert_eq!(v.encode(&mut out), Some(()));
    assert_eq!(&out[..T::SIZE], &data[..T::SIZE], "re-encoding differs");
    assert_eq!(out[T::SIZE], 0xa5, "encode wrote past SIZE");
    assert_eq!(T::decode(&out), Some(v));
    if T::SIZE > 0 {
        assert_eq!(v.encode(&mut out[..T::SIZE - 1]), None);
    }
    Some(v)
}

/// The fuzz input read front to back; reads past the end give zeros, so a
/// target never has to bail out early.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// Reads `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The next byte (0 at the end).
    pub fn u8(&mut self) -> u8 {
        let (b, rest) = self
            .data
            .split_first()
            .map_or((0, &[][..]), |(b, r)| (*b, r));
        self.data = rest;
        b
    }

    /// The next little-endian u32 (missing bytes read as 0).
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// The next little-endian u64 (missing bytes read as 0).
    pub fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | u64::from(self.u32()) << 32
    }

    /// Everything not read yet.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}
