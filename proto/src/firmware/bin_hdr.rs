// SPDX-License-Identifier: GPL-2.0
//! `nvfw_bin_hdr`: the generic header at offset 0 of NVIDIA's `.bin`
//! firmware files (`booter_load`, `booter_unload`, `bootloader`).
//!
//! Layout from Linux 7.3 nouveau `include/nvfw/fw.h`; its use (the
//! image-specific header at `header_offset`, the payload at
//! `data_offset..+data_size`) from `nvkm/falcon/fw.c`
//! (`nvkm_falcon_fw_ctor_hs_v2`) and `nvkm/subdev/gsp/rm/r535/gsp.c`
//! (`r535_gsp_rm_boot_ctor`). nouveau accepts the magic `0x10de` (NVIDIA's
//! standard format, whose HS header fields are pointers into the file) and
//! the legacy `0x3b1d14f0`; the r570 files use `0x10de`, the only one
//! accepted here.

use super::{range, read, Error, Result};
use crate::wire::Wire;

/// `bin_magic` of NVIDIA's standard firmware format.
pub const BIN_MAGIC: u32 = 0x0000_10de;
/// `bin_magic` of the early files NVIDIA released for nouveau (not
/// accepted by [`BinFile::parse`]).
pub const BIN_MAGIC_LEGACY: u32 = 0x3b1d_14f0;
/// The only `bin_ver` seen (all r535 and r570 files).
pub const BIN_VERSION: u32 = 1;

crate::wire_struct! {
    /// `struct nvfw_bin_hdr`.
    pub struct BinHdr {
        /// `bin_magic`: [`BIN_MAGIC`].
        pub bin_magic: u32,
        /// `bin_ver`: [`BIN_VERSION`].
        pub bin_ver: u32,
        /// `bin_size`: not the file size (the 570.144 files round it up),
        /// so only reported.
        pub bin_size: u32,
        /// `header_offset`: where the image-specific header starts.
        pub header_offset: u32,
        /// `data_offset`: where the payload (the ucode image) starts.
        pub data_offset: u32,
        /// `data_size`: the payload's size.
        pub data_size: u32,
    }
}

/// A `.bin` firmware file whose [`BinHdr`] was checked.
#[derive(Clone, Copy, Debug)]
pub struct BinFile<'a> {
    /// The checked header.
    pub hdr: BinHdr,
    file: &'a [u8],
}

impl<'a> BinFile<'a> {
    /// Parses and checks the header of `file`: magic, version, and that the
    /// image header and the payload lie inside the file.
    pub fn parse(file: &'a [u8]) -> Result<Self> {
        let hdr: BinHdr = read("nvfw_bin_hdr", file, 0)?;
        if hdr.bin_magic != BIN_MAGIC {
            return Err(Error::BadMagic {
                what: "nvfw_bin_hdr.bin_magic",
                found: hdr.bin_magic,
            });
        }
        if hdr.bin_ver != BIN_VERSION {
            return Err(Error::BadVersion {
                what: "nvfw_bin_hdr.bin_ver",
                found: hdr.bin_ver,
            });
        }
        if (hdr.header_offset as usize) < BinHdr::SIZE || hdr.header_offset as usize >= file.len() {
            return Err(Error::OutOfBounds {
                what: "nvfw_bin_hdr.header_offset",
                offset: hdr.header_offset.into(),
                size: 0,
                limit: file.len() as u64,
            });
        }
        range(
            "nvfw_bin_hdr data",
            hdr.data_offset.into(),
            hdr.data_size.into(),
            file.len(),
        )?;
        if hdr.data_size == 0 {
            return Err(Error::BadField {
                what: "nvfw_bin_hdr.data_size",
                found: 0,
            });
        }
        Ok(Self { hdr, file })
    }

    /// The whole file (the HS headers hold absolute file offsets).
    pub fn file(&self) -> &'a [u8] {
        self.file
    }

    /// The file from `header_offset` on: the image-specific header.
    pub fn header(&self) -> &'a [u8] {
        // `parse` checked header_offset < len.
        self.file
            .get(self.hdr.header_offset as usize..)
            .unwrap_or(&[])
    }

    /// The payload, `data_size` bytes at `data_offset`: the ucode image the
    /// falcon loads (DMA source of all load targets).
    pub fn data(&self) -> &'a [u8] {
        let start = self.hdr.data_offset as usize;
        // `parse` checked the range.
        self.file
            .get(start..start + self.hdr.data_size as usize)
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use core::mem::offset_of;

    #[test]
    fn layout_matches_nvfw_bin_hdr() {
        assert_eq!(BinHdr::SIZE, 24);
        assert_eq!(offset_of!(BinHdr, bin_size), 8);
        assert_eq!(offset_of!(BinHdr, header_offset), 12);
        assert_eq!(offset_of!(BinHdr, data_offset), 16);
        assert_eq!(offset_of!(BinHdr, data_size), 20);
    }

    /// 64 bytes: the header, 8 bytes of (empty) image header, the 32-byte
    /// payload from 0x20, starting with 0xaa.
    fn sample() -> Vec<u8> {
        let mut image = [0u8; 32];
        image[0] = 0xaa;
        crate::build::bin::file(&[], &image, 32)
    }

    #[test]
    fn parses_and_slices() {
        let f = sample();
        let b = BinFile::parse(&f).unwrap();
        assert_eq!(b.header().len(), 40);
        assert_eq!(b.data().len(), 32);
        assert_eq!(b.data()[0], 0xaa);
    }

    #[test]
    fn rejects_bad_input() {
        let f = sample();
        assert!(matches!(
            BinFile::parse(&f[..20]),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            BinFile::parse(&f[..63]),
            Err(Error::OutOfBounds { .. })
        ));
        let mut g = f.clone();
        g[0] = 0xdf;
        assert!(matches!(BinFile::parse(&g), Err(Error::BadMagic { .. })));
        let mut g = f.clone();
        g[4] = 2;
        assert!(matches!(BinFile::parse(&g), Err(Error::BadVersion { .. })));
        let mut g = f.clone();
        g[12] = 0x40;
        assert!(matches!(BinFile::parse(&g), Err(Error::OutOfBounds { .. })));
        let mut g = f.clone();
        g[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(BinFile::parse(&g), Err(Error::OutOfBounds { .. })));
    }
}
