// SPDX-License-Identifier: GPL-2.0
//! `NV2080_CTRL_CMD_INTERNAL_INTR_GET_KERNEL_TABLE`: the interrupt vectors
//! GSP-RM leaves to the kernel driver, by engine. The driver enables the
//! GSP's stall vector in the CPU interrupt tree ([`crate::intr`]) from it,
//! as nouveau's `r535_gsp_intr_get_table` and `r535_gsp_postinit` do.
//!
//! Layout from nouveau `nvkm/subdev/gsp/rm/r535/nvrm/gsp.h` (which r570
//! uses unchanged: nouveau's r570 GSP reuses r535's table query), engine
//! indices from `rm/r570/nvrm/engine.h`.

/// `NV2080_CTRL_CMD_INTERNAL_INTR_GET_KERNEL_TABLE`: sent to GSP-RM's
/// internal client and subdevice.
pub const NV2080_CTRL_CMD_INTERNAL_INTR_GET_KERNEL_TABLE: u32 = 0x2080_0a5c;
/// `NV2080_CTRL_INTERNAL_INTR_MAX_TABLE_SIZE`.
pub const MAX_TABLE_SIZE: usize = 128;
/// `NV2080_INTR_CATEGORY_ENUM_COUNT`.
pub const CATEGORY_COUNT: usize = 7;
/// A vector field that names no vector (`NV_INTR_VECTOR_INVALID`; nouveau
/// `nvkm_gsp_intr_stall` treats `~0` as "no stall vector").
pub const VECTOR_INVALID: u32 = u32::MAX;

/// `MC_ENGINE_IDX_CE0` (r570): copy engine `n` is `CE0 + n`.
pub const MC_ENGINE_IDX_CE0: u16 = 15;
/// `MC_ENGINE_IDX_GSP` (r570; 49 in r535).
pub const MC_ENGINE_IDX_GSP: u16 = 50;

crate::wire_struct! {
    /// `NV2080_CTRL_INTERNAL_INTR_GET_KERNEL_TABLE_ENTRY`.
    pub struct IntrTableEntry {
        /// `engineIdx`: an `MC_ENGINE_IDX_*`.
        pub engine_idx: u16,
        /// Alignment of `pmcIntrMask`.
        pub _pad0: u16,
        /// `pmcIntrMask`: the engine's legacy PMC interrupt bit.
        pub pmc_intr_mask: u32,
        /// `vectorStall`: the engine's stalling vector, or [`VECTOR_INVALID`].
        pub vector_stall: u32,
        /// `vectorNonStall`: its non-stalling vector, or [`VECTOR_INVALID`].
        pub vector_non_stall: u32,
    }

    /// `NV2080_INTR_CATEGORY_SUBTREE_MAP`.
    pub struct IntrSubtreeMap {
        /// `subtreeStart`.
        pub subtree_start: u8,
        /// `subtreeEnd`.
        pub subtree_end: u8,
    }

    /// `NV2080_CTRL_INTERNAL_INTR_GET_KERNEL_TABLE_PARAMS`.
    pub struct IntrGetKernelTableParams {
        /// `tableLen`: entries used in `table`.
        pub table_len: u32,
        /// `table`.
        pub table: [IntrTableEntry; MAX_TABLE_SIZE],
        /// `subtreeMap`, by `NV2080_INTR_CATEGORY`.
        pub subtree_map: [IntrSubtreeMap; CATEGORY_COUNT],
        /// Tail padding to the struct's 4-byte alignment.
        pub _pad0: u16,
    }
}

/// Byte offset of `table` in the parameters.
const TABLE_AT: usize = 4;

/// Reads entry `i` of the table GSP-RM wrote into `params` (the encoded
/// [`IntrGetKernelTableParams`]) without decoding the whole 2 KiB
/// structure; `None` past `tableLen` or the end of `params`.
pub fn entry(params: &[u8], i: usize) -> Option<IntrTableEntry> {
    use crate::wire::Wire;
    let len = u32::decode(params)? as usize;
    if i >= len.min(MAX_TABLE_SIZE) {
        return None;
    }
    IntrTableEntry::decode(params.get(TABLE_AT + i * IntrTableEntry::SIZE..)?)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::wire::Wire;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layout_is_the_headers() {
        assert_eq!(size_of::<IntrTableEntry>(), 16);
        assert_eq!(offset_of!(IntrTableEntry, pmc_intr_mask), 4);
        assert_eq!(offset_of!(IntrTableEntry, vector_stall), 8);
        assert_eq!(offset_of!(IntrTableEntry, vector_non_stall), 12);
        assert_eq!(offset_of!(IntrGetKernelTableParams, table), TABLE_AT);
        // 4 + 128 * 16 = 2052, + 7 * 2 = 2066, padded to 4.
        assert_eq!(offset_of!(IntrGetKernelTableParams, subtree_map), 2052);
        assert_eq!(size_of::<IntrGetKernelTableParams>(), 2068);
        assert_eq!(NV2080_CTRL_CMD_INTERNAL_INTR_GET_KERNEL_TABLE >> 16, 0x2080);
    }

    #[test]
    fn entries_are_read_up_to_the_table_length() {
        let mut p = IntrGetKernelTableParams::ZERO;
        p.table_len = 2;
        p.table[1] = IntrTableEntry {
            engine_idx: MC_ENGINE_IDX_GSP,
            vector_stall: 155,
            vector_non_stall: VECTOR_INVALID,
            ..IntrTableEntry::ZERO
        };
        p.table[2].engine_idx = 7;
        let mut raw = std::vec![0u8; IntrGetKernelTableParams::SIZE];
        p.encode(&mut raw).unwrap();
        assert_eq!(entry(&raw, 1).unwrap().vector_stall, 155);
        assert_eq!(entry(&raw, 2), None);
        assert_eq!(entry(&raw[..20], 1), None);
    }
}
