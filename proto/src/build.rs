// SPDX-License-Identifier: GPL-2.0
//! Builders of the images [`crate::firmware`] parses: `.bin` firmware files,
//! ELF64 files, VBIOS ROM images and the structures inside them.
//!
//! They exist so that the parsers' tests, the fuzz seeds
//! (`proto/fuzz/seeds`) and nvgsp-emu's synthetic VBIOS all write these
//! formats with one piece of code, the same layout types the parsers read
//! them with, and no bytes from NVIDIA's files. A builder writes what the
//! format says; which images to build and what to put in them is the
//! caller's ([`hs::sample`], [`riscv::sample`] and the miniature [`vbios`]
//! are the small inputs that the tests and the seeds share).
//!
//! This module allocates, so it is compiled only with the `build` feature
//! (and in this crate's tests). It is declared in `lib.rs` alone: the kernel
//! module, which includes `firmware.rs` and its siblings by `#[path]`, can
//! never reach it.
//!
//! Builders that return a `Vec` size it to fit and cannot fail; those that
//! write into the caller's buffer return [`crate::firmware::Error`] when it
//! is too short. A length that does not fit its field saturates, making a
//! malformed image (one the parsers must reject) rather than a panic.

pub mod appif;
pub mod bin;
pub mod bit;
pub mod elf;
pub mod hs;
pub mod riscv;
pub mod rom;
pub mod ucode_desc;
pub mod ucode_table;
pub mod vbios;

use crate::wire::Wire;
use alloc::vec::Vec;

/// `v` encoded on its own.
pub fn enc<T: Wire>(v: &T) -> Vec<u8> {
    let mut b = alloc::vec![0u8; T::SIZE];
    put(&mut b, 0, v);
    b
}

/// Encodes `v` at `at` of `out`, growing `out` (with zeros) if it is too
/// short.
pub fn put<T: Wire>(out: &mut Vec<u8>, at: usize, v: &T) {
    let end = at.saturating_add(T::SIZE);
    if out.len() < end {
        out.resize(end, 0);
    }
    if let Some(b) = out.get_mut(at..) {
        // `b` holds at least T::SIZE bytes: the encoding cannot fail.
        let _ = v.encode(b);
    }
}

/// Copies `data` to `at` of `out`, growing `out` (with zeros) if it is too
/// short.
pub fn put_bytes(out: &mut Vec<u8>, at: usize, data: &[u8]) {
    let end = at.saturating_add(data.len());
    if out.len() < end {
        out.resize(end, 0);
    }
    if let Some(b) = out.get_mut(at..end) {
        b.copy_from_slice(data);
    }
}

/// `n` as a u32 field, saturated.
pub(crate) fn u32_of(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `n` as a u16 field, saturated.
pub(crate) fn u16_of(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// `n` as a u8 field, saturated.
pub(crate) fn u8_of(n: usize) -> u8 {
    u8::try_from(n).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_grows_and_saturates() {
        let mut b = alloc::vec![1u8; 2];
        put(&mut b, 4, &0x0302u16);
        assert_eq!(b, [1, 1, 0, 0, 2, 3]);
        put_bytes(&mut b, 1, b"xy");
        assert_eq!(b, [1, b'x', b'y', 0, 2, 3]);
        assert_eq!(enc(&0x0102u16), [2, 1]);
        assert_eq!(
            (u32_of(usize::MAX), u16_of(0x1_0000), u8_of(7)),
            (u32::MAX, u16::MAX, 7)
        );
    }
}
