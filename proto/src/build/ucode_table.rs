// SPDX-License-Identifier: GPL-2.0
//! The falcon ucode table (layout:
//! [`crate::firmware::vbios::ucode_table`]).

use super::{put, u8_of};
use crate::firmware::vbios::ucode_desc::{FALCON_UCODE_DESC_V3_SIZE, VDESC_VERSION_V3};
use crate::firmware::vbios::ucode_table::{
    FalconUcodeTableEntryV1, FalconUcodeTableHdrV1, UCODE_TABLE_VERSION_1,
};
use crate::wire::Wire;
use alloc::vec::Vec;

/// A version 1 table of 6-byte entries for version 3 descriptors (44
/// bytes, as on GA10x): the header and `entries`.
pub fn table(entries: &[FalconUcodeTableEntryV1]) -> Vec<u8> {
    let header = FalconUcodeTableHdrV1 {
        version: UCODE_TABLE_VERSION_1,
        header_size: FalconUcodeTableHdrV1::SIZE as u8,
        entry_size: FalconUcodeTableEntryV1::SIZE as u8,
        entry_count: u8_of(entries.len()),
        desc_version: VDESC_VERSION_V3,
        desc_size: FALCON_UCODE_DESC_V3_SIZE as u8,
    };
    let len = FalconUcodeTableHdrV1::SIZE + entries.len() * FalconUcodeTableEntryV1::SIZE;
    let mut t = alloc::vec![0u8; len];
    put(&mut t, 0, &header);
    for (i, e) in entries.iter().enumerate() {
        let at = FalconUcodeTableHdrV1::SIZE + i * FalconUcodeTableEntryV1::SIZE;
        // `t` was sized for every entry: the encoding cannot fail.
        let _ = e.encode(&mut t, at);
    }
    t
}
