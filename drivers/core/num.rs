// SPDX-License-Identifier: GPL-2.0

//! The deliberate truncations of the core, in one place, so the rest has
//! no bare `as`. Lossless widenings come from `kernel::num::casts`
//! (`u32_as_usize`, `usize_as_u64`, `arch::u64_as_usize`).

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
