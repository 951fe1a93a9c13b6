// SPDX-License-Identifier: GPL-2.0
//! The falcon ucode table (nova-core's "PMU lookup table"): a header and
//! entries that map an application id to a ucode descriptor pointer.
//!
//! Layouts from OpenRM `kernel_gsp_vbios.c` (`FALCON_UCODE_TABLE_HDR_V1`,
//! `FALCON_UCODE_TABLE_ENTRY_V1`, `FALCON_UCODE_ENTRY_APPID_*`), matching
//! Linux 7.3 nova-core `vbios.rs` (`PmuLookupTableHeader`,
//! `PmuLookupTableEntry`, packed) and nouveau `nvkm/subdev/bios/pmu.c`
//! (`nvbios_pmuEp`: type at +0, data pointer at +2). The entry is a packed
//! 6-byte structure whose 32-bit field is unaligned, so it is encoded
//! field by field rather than with `wire_struct!`.

use super::super::{bytes, bytes_mut, read, write, Error, Result};
use crate::wire::Wire;

/// `FALCON_UCODE_TABLE_HDR_V1_VERSION`.
pub const UCODE_TABLE_VERSION_1: u8 = 1;
/// `FALCON_UCODE_ENTRY_APPID_FIRMWARE_SEC_LIC`.
pub const APPID_FIRMWARE_SEC_LIC: u8 = 0x05;
/// `FALCON_UCODE_ENTRY_APPID_FWSEC_DBG`: FWSEC signed for debug parts.
pub const APPID_FWSEC_DBG: u8 = 0x45;
/// `FALCON_UCODE_ENTRY_APPID_FWSEC_PROD`: the FWSEC the driver runs.
pub const APPID_FWSEC_PROD: u8 = 0x85;

crate::wire_struct! {
    /// `FALCON_UCODE_TABLE_HDR_V1`.
    pub struct FalconUcodeTableHdrV1 {
        /// [`UCODE_TABLE_VERSION_1`].
        pub version: u8,
        /// Size of this header (6).
        pub header_size: u8,
        /// Size of one entry (6).
        pub entry_size: u8,
        /// Number of entries.
        pub entry_count: u8,
        /// Version of the descriptors (3 on GA10x).
        pub desc_version: u8,
        /// Size of a descriptor without signatures (44 for v3).
        pub desc_size: u8,
    }
}

/// `FALCON_UCODE_TABLE_ENTRY_V1` (packed, 6 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FalconUcodeTableEntryV1 {
    /// Application id (`APPID_*`).
    pub application_id: u8,
    /// Target falcon id.
    pub target_id: u8,
    /// Pointer to the ucode descriptor, in the VBIOS pointer space (see
    /// [`super::Vbios::resolve`]).
    pub desc_ptr: u32,
}

impl FalconUcodeTableEntryV1 {
    /// Encoded size (`FALCON_UCODE_TABLE_ENTRY_V1_SIZE_6`).
    pub const SIZE: usize = 6;

    /// Decodes an entry at `offset` of `data`.
    pub fn decode(data: &[u8], offset: usize) -> Result<Self> {
        const WHAT: &str = "falcon ucode table entry";
        bytes(WHAT, data, offset, Self::SIZE)?;
        Ok(Self {
            application_id: read(WHAT, data, offset)?,
            target_id: read(WHAT, data, offset + 1)?,
            desc_ptr: read(WHAT, data, offset + 2)?,
        })
    }

    /// Encodes the entry at `offset` of `data`.
    pub fn encode(&self, data: &mut [u8], offset: usize) -> Result<()> {
        const WHAT: &str = "falcon ucode table entry";
        bytes_mut(WHAT, data, offset, Self::SIZE)?;
        write(WHAT, &self.application_id, data, offset)?;
        write(WHAT, &self.target_id, data, offset + 1)?;
        write(WHAT, &self.desc_ptr, data, offset + 2)
    }
}

/// A checked falcon ucode table.
#[derive(Clone, Copy, Debug)]
pub struct FalconUcodeTable<'a> {
    /// The header.
    pub header: FalconUcodeTableHdrV1,
    entries: &'a [u8],
}

impl<'a> FalconUcodeTable<'a> {
    /// Parses the table at `offset` of `data`: version 1, header and entry
    /// sizes at least 6, all entries inside `data`.
    pub fn parse(data: &'a [u8], offset: usize) -> Result<Self> {
        let header: FalconUcodeTableHdrV1 = read("falcon ucode table header", data, offset)?;
        if header.version != UCODE_TABLE_VERSION_1 {
            return Err(Error::BadVersion {
                what: "falcon ucode table",
                found: header.version.into(),
            });
        }
        if usize::from(header.header_size) < FalconUcodeTableHdrV1::SIZE {
            return Err(Error::BadField {
                what: "falcon ucode table header size",
                found: header.header_size.into(),
            });
        }
        if usize::from(header.entry_size) < FalconUcodeTableEntryV1::SIZE {
            return Err(Error::BadField {
                what: "falcon ucode table entry size",
                found: header.entry_size.into(),
            });
        }
        let len = usize::from(header.entry_count) * usize::from(header.entry_size);
        let entries = bytes(
            "falcon ucode table entries",
            data,
            offset + usize::from(header.header_size),
            len,
        )?;
        Ok(Self { header, entries })
    }

    /// Entry number `index`.
    pub fn entry(&self, index: usize) -> Result<FalconUcodeTableEntryV1> {
        if index >= usize::from(self.header.entry_count) {
            return Err(Error::NotFound {
                what: "falcon ucode table entry index",
            });
        }
        FalconUcodeTableEntryV1::decode(self.entries, index * usize::from(self.header.entry_size))
    }

    /// The first entry for `application_id`.
    pub fn find(&self, application_id: u8) -> Result<FalconUcodeTableEntryV1> {
        for i in 0..usize::from(self.header.entry_count) {
            let e = self.entry(i)?;
            if e.application_id == application_id {
                return Ok(e);
            }
        }
        Err(Error::NotFound {
            what: "falcon ucode table entry for the application id",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_match_falcon_ucode_table_v1() {
        assert_eq!(FalconUcodeTableHdrV1::SIZE, 6);
        assert_eq!(FalconUcodeTableEntryV1::SIZE, 6);
        let mut b = [0u8; 8];
        FalconUcodeTableEntryV1 {
            application_id: 0x85,
            target_id: 7,
            desc_ptr: 0x1122_3344,
        }
        .encode(&mut b, 1)
        .unwrap();
        assert_eq!(b, [0, 0x85, 7, 0x44, 0x33, 0x22, 0x11, 0]);
        assert_eq!(
            FalconUcodeTableEntryV1::decode(&b, 1).unwrap().desc_ptr,
            0x1122_3344
        );
        assert!(FalconUcodeTableEntryV1::decode(&b, 3).is_err());
    }

    /// The table at 2 of 32 bytes: SEC_LIC, FWSEC_DBG and FWSEC_PROD
    /// pointing at 0, 0x100 and 0x200.
    fn sample() -> [u8; 32] {
        let entries = [APPID_FIRMWARE_SEC_LIC, APPID_FWSEC_DBG, APPID_FWSEC_PROD]
            .into_iter()
            .zip(0..)
            .map(|(app, i)| FalconUcodeTableEntryV1 {
                application_id: app,
                target_id: 0,
                desc_ptr: 0x100 * i,
            });
        let table = crate::build::ucode_table::table(&entries.collect::<alloc::vec::Vec<_>>());
        let mut t = [0u8; 32];
        t[2..2 + table.len()].copy_from_slice(&table);
        t
    }

    #[test]
    fn finds_entries() {
        let t = sample();
        let tab = FalconUcodeTable::parse(&t, 2).unwrap();
        assert_eq!(tab.find(APPID_FWSEC_PROD).unwrap().desc_ptr, 0x200);
        assert_eq!(tab.entry(1).unwrap().application_id, APPID_FWSEC_DBG);
        assert!(tab.entry(3).is_err());
        assert!(matches!(tab.find(0x01), Err(Error::NotFound { .. })));
    }

    #[test]
    fn rejects_corruption() {
        let t = sample();
        assert!(matches!(
            FalconUcodeTable::parse(&t[..25], 2),
            Err(Error::Truncated { .. })
        ));
        for (at, v) in [(2usize, 2u8), (3, 5), (4, 5)] {
            let mut g = t;
            g[at] = v;
            assert!(FalconUcodeTable::parse(&g, 2).is_err(), "byte {at} = {v}");
        }
    }
}
