// SPDX-License-Identifier: GPL-2.0
//! The BIOS Information Table (BIT): a header found by its signature in the
//! PC-AT image, followed by a table of tokens that point at data blocks.
//!
//! Layouts from Linux 7.3 nova-core `vbios.rs` (`BitHeader`, `BitToken`,
//! `falcon_data_offset`) and nouveau `nvkm/subdev/bios/bit.c`, `pmu.c`
//! (`nvbios_pmuTe`: token 'p', version 2, at least 4 bytes, a 32-bit
//! pointer); OpenRM's `kernel_gsp_vbios.c` (`BIT_HEADER_V1_00`,
//! `BIT_TOKEN_V1_00`, `BIT_DATA_FALCON_DATA_V2`) adds that the header's
//! bytes sum to zero, which is checked here too.

use super::super::{bytes, read, Error, Result};
use crate::wire::Wire;

/// `BIT_HEADER_ID`.
pub const BIT_HEADER_ID: u16 = 0xb8ff;
/// `BIT_HEADER_SIGNATURE`: "BIT\0".
pub const BIT_SIGNATURE: [u8; 4] = *b"BIT\0";
/// The bytes the BIT header starts with (id and signature).
pub const BIT_PATTERN: [u8; 6] = [0xff, 0xb8, b'B', b'I', b'T', 0];
/// BIT version 1.00, binary-coded decimal.
pub const BIT_VERSION_1_00: u16 = 0x0100;
/// Size of [`BitToken`] (`BIT_TOKEN_V1_00_SIZE_6`).
pub const BIT_TOKEN_SIZE: usize = 6;

/// `BIT_TOKEN_BIOSDATA` ('B'): BIOS version.
pub const BIT_TOKEN_BIOSDATA: u8 = b'B';
/// BIT token 'i': BIOS information (nouveau reads the version from it).
pub const BIT_TOKEN_INFO: u8 = b'i';
/// `BIT_TOKEN_FALCON_DATA` ('p', 0x70): the pointer to the falcon ucode
/// table (nova-core `BitToken::ID_FALCON_DATA`).
pub const BIT_TOKEN_FALCON_DATA: u8 = b'p';
/// The falcon data token version the pointer format belongs to.
pub const BIT_FALCON_DATA_VERSION: u8 = 2;

crate::wire_struct! {
    /// `BIT_HEADER_V1_00`.
    pub struct BitHeader {
        /// 0h: [`BIT_HEADER_ID`].
        pub id: u16,
        /// 2h: [`BIT_SIGNATURE`].
        pub signature: [u8; 4],
        /// 6h: version in BCD ([`BIT_VERSION_1_00`]).
        pub bcd_version: u16,
        /// 8h: size of this header (12).
        pub header_size: u8,
        /// 9h: size of one token ([`BIT_TOKEN_SIZE`] or more).
        pub token_size: u8,
        /// Ah: number of tokens.
        pub token_entries: u8,
        /// Bh: makes the header's bytes sum to zero.
        pub checksum: u8,
    }

    /// `BIT_TOKEN_V1_00` in its 6-byte form.
    pub struct BitToken {
        /// 0h: token id (`BIT_TOKEN_*`).
        pub id: u8,
        /// 1h: version of the data.
        pub data_version: u8,
        /// 2h: size of the data.
        pub data_size: u16,
        /// 4h: offset of the data in the PC-AT image.
        pub data_offset: u16,
    }

    /// `BIT_DATA_FALCON_DATA_V2`: the data of token 'p'.
    pub struct BitFalconDataV2 {
        /// Pointer to the falcon ucode table, in the VBIOS pointer space
        /// (see [`super::Vbios::resolve`]).
        pub falcon_ucode_table_ptr: u32,
    }
}

impl BitHeader {
    /// This header with `checksum` set so that its 12 bytes sum to zero
    /// (for a header whose `header_size` is 12).
    pub fn with_checksum(mut self) -> Self {
        self.checksum = 0;
        let mut b = [0u8; Self::SIZE];
        // SIZE bytes always hold a header.
        let _ = self.encode(&mut b);
        self.checksum = b.iter().fold(0u8, |s, &x| s.wrapping_add(x)).wrapping_neg();
        self
    }
}

/// A located and checked BIT in a PC-AT image.
#[derive(Clone, Copy, Debug)]
pub struct BitTable<'a> {
    /// Offset of the header in the image.
    pub offset: usize,
    /// The header.
    pub header: BitHeader,
    image: &'a [u8],
}

impl<'a> BitTable<'a> {
    /// Finds the BIT header in `image` (the first occurrence of
    /// [`BIT_PATTERN`] whose header checksums to zero) and checks that its
    /// sizes are sane and its token table lies in the image.
    pub fn find(image: &'a [u8]) -> Result<Self> {
        let mut bad_sum = None;
        let mut at = 0;
        while let Some(pos) = image
            .get(at..)
            .and_then(|t| t.windows(BIT_PATTERN.len()).position(|w| w == BIT_PATTERN))
        {
            let offset = at + pos;
            at = offset + 1;
            let header: BitHeader = read("BIT header", image, offset)?;
            let size = usize::from(header.header_size);
            if size < BitHeader::SIZE {
                return Err(Error::BadField {
                    what: "BIT header size",
                    found: header.header_size.into(),
                });
            }
            let sum = bytes("BIT header", image, offset, size)?
                .iter()
                .fold(0u8, |s, &x| s.wrapping_add(x));
            if sum != 0 {
                bad_sum = Some(sum);
                continue;
            }
            if usize::from(header.token_size) < BIT_TOKEN_SIZE {
                return Err(Error::BadField {
                    what: "BIT token size",
                    found: header.token_size.into(),
                });
            }
            let table = usize::from(header.token_entries) * usize::from(header.token_size);
            bytes("BIT token table", image, offset + size, table)?;
            return Ok(Self {
                offset,
                header,
                image,
            });
        }
        Err(match bad_sum {
            Some(sum) => Error::BadField {
                what: "BIT header checksum",
                found: sum.into(),
            },
            None => Error::NotFound { what: "BIT header" },
        })
    }

    /// Token number `index`.
    pub fn token_at(&self, index: usize) -> Result<BitToken> {
        if index >= usize::from(self.header.token_entries) {
            return Err(Error::NotFound {
                what: "BIT token index",
            });
        }
        let at = self.offset
            + usize::from(self.header.header_size)
            + index * usize::from(self.header.token_size);
        read("BIT token", self.image, at)
    }

    /// The first token with id `id`.
    pub fn token(&self, id: u8) -> Result<BitToken> {
        for i in 0..usize::from(self.header.token_entries) {
            let t = self.token_at(i)?;
            if t.id == id {
                return Ok(t);
            }
        }
        Err(Error::NotFound { what: "BIT token" })
    }

    /// The data of `token` in the image.
    pub fn data(&self, token: &BitToken) -> Result<&'a [u8]> {
        bytes(
            "BIT token data",
            self.image,
            token.data_offset.into(),
            token.data_size.into(),
        )
    }

    /// The falcon ucode table pointer of token 'p' (version 2, at least 4
    /// bytes of data), still in the VBIOS pointer space.
    pub fn falcon_ucode_table_ptr(&self) -> Result<u32> {
        let t = self.token(BIT_TOKEN_FALCON_DATA)?;
        if t.data_version != BIT_FALCON_DATA_VERSION {
            return Err(Error::BadVersion {
                what: "BIT falcon data token",
                found: t.data_version.into(),
            });
        }
        if usize::from(t.data_size) < BitFalconDataV2::SIZE {
            return Err(Error::BadField {
                what: "BIT falcon data size",
                found: t.data_size.into(),
            });
        }
        let d: BitFalconDataV2 = read("BIT falcon data", self.data(&t)?, 0)?;
        Ok(d.falcon_ucode_table_ptr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn layouts_match_bit_v1_00() {
        assert_eq!(BitHeader::SIZE, 12);
        assert_eq!(offset_of!(BitHeader, bcd_version), 6);
        assert_eq!(offset_of!(BitHeader, header_size), 8);
        assert_eq!(offset_of!(BitHeader, token_size), 9);
        assert_eq!(offset_of!(BitHeader, token_entries), 10);
        assert_eq!(BitToken::SIZE, BIT_TOKEN_SIZE);
        assert_eq!(offset_of!(BitToken, data_size), 2);
        assert_eq!(offset_of!(BitToken, data_offset), 4);
        assert_eq!(BIT_TOKEN_FALCON_DATA, 0x70);
        assert_eq!(BIT_TOKEN_BIOSDATA, 0x42);
    }

    /// The BIT at 0x10 of 0x80 bytes, with tokens 'B' (no data) and 'p'
    /// (0x12345678 at 0x70).
    fn sample() -> [u8; 0x80] {
        let mut img = [0u8; 0x80];
        let biosdata = BitToken {
            id: b'B',
            data_version: 2,
            data_size: 4,
            data_offset: 0x60,
        };
        let p = crate::build::bit::falcon_data_token(0x70);
        let ptr = 0x1234_5678u32.to_le_bytes();
        crate::build::bit::put(&mut img, 0x10, &[(biosdata, &[]), (p, &ptr)]).unwrap();
        img
    }

    #[test]
    fn finds_tokens() {
        let img = sample();
        let bit = BitTable::find(&img).unwrap();
        assert_eq!(bit.offset, 0x10);
        assert_eq!(
            img[0x10..0x1c].iter().fold(0u8, |s, &x| s.wrapping_add(x)),
            0
        );
        assert_eq!(bit.token(b'B').unwrap().data_offset, 0x60);
        assert_eq!(bit.falcon_ucode_table_ptr(), Ok(0x1234_5678));
        assert!(matches!(bit.token(b'x'), Err(Error::NotFound { .. })));
    }

    #[test]
    fn rejects_corruption() {
        let img = sample();
        assert!(matches!(
            BitTable::find(&[0u8; 64]),
            Err(Error::NotFound { .. })
        ));
        let mut g = img;
        g[0x16] ^= 1; // version byte: checksum no longer zero
        assert!(matches!(
            BitTable::find(&g),
            Err(Error::BadField {
                what: "BIT header checksum",
                ..
            })
        ));
        assert!(matches!(
            BitTable::find(&img[..0x25]),
            Err(Error::Truncated { .. })
        ));
        let mut g = img;
        g[0x23] = 1; // 'p' version
        assert!(matches!(
            BitTable::find(&g).unwrap().falcon_ucode_table_ptr(),
            Err(Error::BadVersion { .. })
        ));
        let mut g = img;
        g[0x24] = 2; // 'p' size
        assert!(matches!(
            BitTable::find(&g).unwrap().falcon_ucode_table_ptr(),
            Err(Error::BadField { .. })
        ));
        let mut g = img;
        g[0x26] = 0x7e; // 'p' data past the image
        assert!(matches!(
            BitTable::find(&g).unwrap().falcon_ucode_table_ptr(),
            Err(Error::Truncated { .. })
        ));
    }
}
