// SPDX-License-Identifier: GPL-2.0
//! FWSEC's DMEM application interface (layout:
//! [`crate::firmware::vbios::appif`]): the interface table and the
//! DMEMMAPPER it points to.

use super::u8_of;
use crate::firmware::vbios::appif::{
    AppifEntryV1, AppifHeaderV1, DmemMapperV3, APPIF_HEADER_VERSION_1, APPIF_ID_DMEMMAPPER,
    DMEMMAPPER_SIGNATURE, DMEMMAPPER_VERSION_3,
};
use crate::firmware::{write, Result};
use crate::wire::Wire;

/// A DMEMMAPPER v3 ("DMAP", 64 bytes) whose command input buffer is `size`
/// bytes at DMEM offset `offset`; every other field 0.
pub fn mapper(offset: u32, size: u32) -> DmemMapperV3 {
    DmemMapperV3 {
        signature: DMEMMAPPER_SIGNATURE,
        version: DMEMMAPPER_VERSION_3,
        size: DmemMapperV3::SIZE as u16,
        cmd_in_buffer_offset: offset,
        cmd_in_buffer_size: size,
        ..DmemMapperV3::ZERO
    }
}

/// Writes an interface table at `interface_offset` of `dmem` (version 1,
/// 4-byte header, 8-byte `entries`) and `mapper` where the first
/// DMEMMAPPER entry points (nowhere if there is none).
pub fn put(
    dmem: &mut [u8],
    interface_offset: u32,
    entries: &[AppifEntryV1],
    mapper: &DmemMapperV3,
) -> Result<()> {
    let at = interface_offset as usize;
    let header = AppifHeaderV1 {
        version: APPIF_HEADER_VERSION_1,
        header_size: AppifHeaderV1::SIZE as u8,
        entry_size: AppifEntryV1::SIZE as u8,
        entry_count: u8_of(entries.len()),
    };
    write("FWSEC interface table header", &header, dmem, at)?;
    for (i, e) in entries.iter().enumerate() {
        let entry_at = at + AppifHeaderV1::SIZE + i * AppifEntryV1::SIZE;
        write("FWSEC interface table entry", e, dmem, entry_at)?;
    }
    if let Some(e) = entries.iter().find(|e| e.id == APPIF_ID_DMEMMAPPER) {
        write("DMEMMAPPER", mapper, dmem, e.dmem_offset as usize)?;
    }
    Ok(())
}
