// SPDX-License-Identifier: GPL-2.0

//! Integer conversions the compiler cannot prove lossless, in one place
//! (nova-core's `num.rs` is the model), so the rest of the core has no
//! bare `as`. The core is built for 64-bit kernels only (CONFIG_64BIT in
//! every profile), which makes the widening ones lossless.

const _: () = assert!(usize::BITS == 64);

/// `v` as a `usize` (lossless on 64-bit).
pub(crate) const fn usize_of(v: u32) -> usize {
    // CAST: `usize` is 64 bits wide (asserted above).
    v as usize
}

/// `v` as a `usize` (lossless on 64-bit).
pub(crate) const fn usize_of_u64(v: u64) -> usize {
    // CAST: `usize` is 64 bits wide (asserted above).
    v as usize
}

/// `v` as a `u64` (lossless on 64-bit).
pub(crate) const fn u64_of(v: usize) -> u64 {
    // CAST: `usize` is 64 bits wide (asserted above).
    v as u64
}

/// The low 32 bits of `v` (a DMA address's low register half).
pub(crate) const fn lower_32_bits(v: u64) -> u32 {
    // CAST: the high half is dropped on purpose.
    v as u32
}

/// The high 32 bits of `v`.
pub(crate) const fn upper_32_bits(v: u64) -> u32 {
    // CAST: after the shift the value fits.
    (v >> 32) as u32
}
