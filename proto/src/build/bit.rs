// SPDX-License-Identifier: GPL-2.0
//! The BIOS Information Table of a PC-AT image (layout:
//! [`crate::firmware::vbios::bit`]): header, tokens and the data they point
//! at.

use super::u8_of;
use crate::firmware::vbios::bit::{
    BitHeader, BitToken, BIT_FALCON_DATA_VERSION, BIT_HEADER_ID, BIT_SIGNATURE,
    BIT_TOKEN_FALCON_DATA, BIT_TOKEN_SIZE, BIT_VERSION_1_00,
};
use crate::firmware::{bytes_mut, write, Result};
use crate::wire::Wire;

/// Token 'p' (version 2, 4 bytes) with its data at `data_offset`: the
/// falcon ucode table pointer (`u32::to_le_bytes` of a VBIOS pointer).
pub fn falcon_data_token(data_offset: u16) -> BitToken {
    BitToken {
        id: BIT_TOKEN_FALCON_DATA,
        data_version: BIT_FALCON_DATA_VERSION,
        data_size: 4,
        data_offset,
    }
}

/// Writes a BIT at `at` of `image`: a version 1.00 header (12 bytes, 6-byte
/// tokens, checksummed), the tokens right after it, and the data of each
/// token at its `data_offset` (data shorter than the token's `data_size`
/// leaves the rest of the image as it was).
pub fn put(image: &mut [u8], at: usize, tokens: &[(BitToken, &[u8])]) -> Result<()> {
    let header = BitHeader {
        id: BIT_HEADER_ID,
        signature: BIT_SIGNATURE,
        bcd_version: BIT_VERSION_1_00,
        header_size: BitHeader::SIZE as u8,
        token_size: BIT_TOKEN_SIZE as u8,
        token_entries: u8_of(tokens.len()),
        checksum: 0,
    }
    .with_checksum();
    write("BIT header", &header, image, at)?;
    for (i, (token, data)) in tokens.iter().enumerate() {
        let token_at = at + BitHeader::SIZE + i * BIT_TOKEN_SIZE;
        write("BIT token", token, image, token_at)?;
        let data_at = usize::from(token.data_offset);
        bytes_mut("BIT token data", image, data_at, data.len())?.copy_from_slice(data);
    }
    Ok(())
}
