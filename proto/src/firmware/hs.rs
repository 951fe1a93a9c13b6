// SPDX-License-Identifier: GPL-2.0
//! Heavy-secure falcon firmware: `booter_load` and `booter_unload`.
//!
//! Layouts from Linux 7.3 nouveau `include/nvfw/hs.h` (`nvfw_hs_header_v2`,
//! `nvfw_hs_load_header_v2`); how they are used from
//! `nvkm/subdev/gsp/ga102.c` (`ga102_gsp_booter_ctor`), `nvkm/falcon/fw.c`
//! (`nvkm_falcon_fw_sign`, `nvkm_falcon_fw_patch`) and
//! `nvkm/falcon/ga100.c` (`ga100_flcn_fw_signature`), cross-checked with
//! nova-core `firmware/booter.rs` (which reads the same values from the
//! newer TLV packaging).
//!
//! In the `0x10de` format, `patch_loc`, `patch_sig` and `num_sig` of the HS
//! header are *file offsets of* 32-bit values, and `meta_data_offset` points
//! at three 32-bit values: fuse version, engine id mask and ucode id. The
//! signatures (`num_sig` of `sig_prod_size / num_sig` bytes each) start at
//! file offset `sig_prod_offset + *patch_sig`; the chosen one is copied
//! into the image at `*patch_loc`, which lies in the data (DMEM) section.

use super::bin_hdr::BinFile;
use super::{bytes, range, read, Error, LoadTarget, Result};
use crate::wire::Wire;

crate::wire_struct! {
    /// `struct nvfw_hs_header_v2`, at `nvfw_bin_hdr.header_offset`.
    pub struct HsHeaderV2 {
        /// `sig_prod_offset`: file offset of the production signatures
        /// (before adding `*patch_sig`).
        pub sig_prod_offset: u32,
        /// `sig_prod_size`: total size of all production signatures.
        pub sig_prod_size: u32,
        /// `patch_loc`: file offset of a u32, the image offset to patch the
        /// signature into.
        pub patch_loc: u32,
        /// `patch_sig`: file offset of a u32 added to `sig_prod_offset`.
        pub patch_sig: u32,
        /// `meta_data_offset`: file offset of [`HsMetaData`].
        pub meta_data_offset: u32,
        /// `meta_data_size`: its size (12).
        pub meta_data_size: u32,
        /// `num_sig`: file offset of a u32, the number of signatures.
        pub num_sig: u32,
        /// `header_offset`: file offset of the [`HsLoadHeaderV2`].
        pub header_offset: u32,
        /// `header_size`: its size including the app table.
        pub header_size: u32,
    }

    /// `struct nvfw_hs_load_header_v2` without its app table.
    pub struct HsLoadHeaderV2 {
        /// `os_code_offset`: image offset of the non-secure code.
        pub os_code_offset: u32,
        /// `os_code_size`: size of the non-secure code.
        pub os_code_size: u32,
        /// `os_data_offset`: image offset of the data (DMEM) section.
        pub os_data_offset: u32,
        /// `os_data_size`: size of the data section.
        pub os_data_size: u32,
        /// `num_apps`: entries in the app table that follows.
        pub num_apps: u32,
    }

    /// One entry of the `app[]` table of `nvfw_hs_load_header_v2`.
    pub struct HsLoadHeaderV2App {
        /// `offset`: image offset of the app's (secure) code.
        pub offset: u32,
        /// `size`: size of the app's code.
        pub size: u32,
        /// `data_offset`: the app's data offset (reported, unused).
        pub data_offset: u32,
        /// `data_size`: the app's data size (reported, unused).
        pub data_size: u32,
    }

    /// The three u32s at `meta_data_offset` (nouveau's `meta[0..3]`,
    /// nova-core's `FUSE`/`ENID`/`UCID`).
    pub struct HsMetaData {
        /// The fuse version the newest signature is for.
        pub fuse_version: u32,
        /// Mask of the falcon engines the ucode runs on (BROM `ENGIDMASK`).
        pub engine_id_mask: u32,
        /// Ucode id (BROM `UCODE_ID`; selects the fuse register).
        pub ucode_id: u32,
    }
}

/// Where the pieces of a HS ucode go on a GA102-class falcon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HsLoadLayout {
    /// The secure code (app 0), loaded at IMEM 0.
    pub imem_sec: LoadTarget,
    /// The non-secure code: none on GA102 and later.
    pub imem_ns: Option<LoadTarget>,
    /// The data section, loaded at DMEM 0.
    pub dmem: LoadTarget,
    /// The boot vector (`BOOTVEC`): app 0's image offset.
    pub boot_addr: u32,
}

/// A parsed and checked `booter_load`/`booter_unload` file.
#[derive(Clone, Copy, Debug)]
pub struct HsFirmware<'a> {
    /// The generic header.
    pub bin: BinFile<'a>,
    /// The HS header.
    pub header: HsHeaderV2,
    /// The load header (without the app table, see [`Self::app`]).
    pub load: HsLoadHeaderV2,
    /// `*patch_loc`: image offset where the signature is patched in.
    pub patch_loc: u32,
    /// `*patch_sig`: added to `sig_prod_offset`.
    pub patch_sig: u32,
    /// `*num_sig`: number of signatures.
    pub num_sig: u32,
    /// The metadata.
    pub meta: HsMetaData,
}

impl<'a> HsFirmware<'a> {
    /// Parses `file` and checks that every offset and size stays inside
    /// the file or the image, that the signatures divide evenly and that
    /// the signature patch location lies in the data section.
    pub fn parse(file: &'a [u8]) -> Result<Self> {
        let bin = BinFile::parse(file)?;
        let header: HsHeaderV2 = read("nvfw_hs_header_v2", file, bin.hdr.header_offset as usize)?;
        let patch_loc: u32 = read(
            "nvfw_hs_header_v2 *patch_loc",
            file,
            header.patch_loc as usize,
        )?;
        let patch_sig: u32 = read(
            "nvfw_hs_header_v2 *patch_sig",
            file,
            header.patch_sig as usize,
        )?;
        let num_sig: u32 = read("nvfw_hs_header_v2 *num_sig", file, header.num_sig as usize)?;

        let meta_size = header.meta_data_size as usize;
        if meta_size < HsMetaData::SIZE {
            return Err(Error::BadField {
                what: "nvfw_hs_header_v2.meta_data_size",
                found: header.meta_data_size.into(),
            });
        }
        range(
            "HS metadata",
            header.meta_data_offset.into(),
            meta_size as u64,
            file.len(),
        )?;
        let meta: HsMetaData = read("HS metadata", file, header.meta_data_offset as usize)?;
        if meta.engine_id_mask > u16::MAX.into() || meta.ucode_id > u8::MAX.into() {
            return Err(Error::BadField {
                what: "HS metadata engine id mask / ucode id",
                found: (u64::from(meta.engine_id_mask) << 32) | u64::from(meta.ucode_id),
            });
        }

        if num_sig == 0
            || header.sig_prod_size == 0
            || !header.sig_prod_size.is_multiple_of(num_sig)
        {
            return Err(Error::BadField {
                what: "HS signature count / sig_prod_size",
                found: (u64::from(num_sig) << 32) | u64::from(header.sig_prod_size),
            });
        }
        let sig_start = u64::from(header.sig_prod_offset) + u64::from(patch_sig);
        range(
            "HS signatures",
            sig_start,
            header.sig_prod_size.into(),
            file.len(),
        )?;

        let load: HsLoadHeaderV2 = read(
            "nvfw_hs_load_header_v2",
            file,
            header.header_offset as usize,
        )?;
        if load.num_apps == 0 {
            return Err(Error::BadField {
                what: "nvfw_hs_load_header_v2.num_apps",
                found: 0,
            });
        }
        let need =
            u64::from(load.num_apps) * HsLoadHeaderV2App::SIZE as u64 + HsLoadHeaderV2::SIZE as u64;
        if u64::from(header.header_size) < need {
            return Err(Error::BadField {
                what: "nvfw_hs_header_v2.header_size",
                found: header.header_size.into(),
            });
        }
        range(
            "nvfw_hs_load_header_v2",
            header.header_offset.into(),
            need,
            file.len(),
        )?;

        let image = bin.data().len();
        range(
            "HS os code",
            load.os_code_offset.into(),
            load.os_code_size.into(),
            image,
        )?;
        range(
            "HS os data",
            load.os_data_offset.into(),
            load.os_data_size.into(),
            image,
        )?;
        let fw = Self {
            bin,
            header,
            load,
            patch_loc,
            patch_sig,
            num_sig,
            meta,
        };
        for i in 0..load.num_apps {
            let app = fw.app(i)?;
            range("HS app code", app.offset.into(), app.size.into(), image)?;
        }
        // The signature is patched into the data section (nouveau's
        // `dmem_sign = loc - os_data_offset`).
        let sig = fw.signature_size() as u64;
        let in_data = patch_loc
            .checked_sub(load.os_data_offset)
            .is_some_and(|d| u64::from(d) + sig <= u64::from(load.os_data_size));
        if !in_data {
            return Err(Error::OutOfBounds {
                what: "HS signature patch location",
                offset: patch_loc.into(),
                size: sig,
                limit: u64::from(load.os_data_offset) + u64::from(load.os_data_size),
            });
        }
        Ok(fw)
    }

    /// The ucode image (`nvfw_bin_hdr` payload) the falcon loads.
    pub fn image(&self) -> &'a [u8] {
        self.bin.data()
    }

    /// Size of one signature (`sig_prod_size / num_sig`; 384 for RSA-3K).
    pub fn signature_size(&self) -> usize {
        (self.header.sig_prod_size / self.num_sig) as usize
    }

    /// Signature number `index` (`0..num_sig`).
    pub fn signature(&self, index: usize) -> Result<&'a [u8]> {
        if index >= self.num_sig as usize {
            return Err(Error::NotFound {
                what: "HS signature index",
            });
        }
        let size = self.signature_size();
        let start = self.header.sig_prod_offset as usize + self.patch_sig as usize + index * size;
        bytes("HS signature", self.bin.file(), start, size)
    }

    /// Which signature to patch in, given the fuse version the hardware
    /// reports (the highest set bit of `NV_FUSE_OPT_FPF_*_UCODE<id>_VERSION`,
    /// see [`super::fuse_version`]): 0 selects the last signature, otherwise
    /// `fuse_version - reg_fuse_version` (nouveau `ga100_flcn_fw_signature`,
    /// nova-core `BooterFirmware::new`).
    pub fn signature_index(&self, reg_fuse_version: u32) -> Result<usize> {
        if reg_fuse_version == 0 {
            return Ok(self.num_sig as usize - 1);
        }
        match self.meta.fuse_version.checked_sub(reg_fuse_version) {
            Some(i) if i < self.num_sig => Ok(i as usize),
            _ => Err(Error::BadField {
                what: "HS fuse version (no matching signature)",
                found: reg_fuse_version.into(),
            }),
        }
    }

    /// DMEM offset of the signature: `*patch_loc - os_data_offset` (the
    /// BROM's `PKCPARAM` / nova-core's `pkc_data_offset`).
    pub fn pkc_data_offset(&self) -> u32 {
        // `parse` checked patch_loc >= os_data_offset.
        self.patch_loc - self.load.os_data_offset
    }

    /// The engine id mask, checked to fit 16 bits.
    pub fn engine_id_mask(&self) -> u16 {
        self.meta.engine_id_mask as u16
    }

    /// The ucode id, checked to fit 8 bits.
    pub fn ucode_id(&self) -> u8 {
        self.meta.ucode_id as u8
    }

    /// App table entry `index` (`0..num_apps`).
    pub fn app(&self, index: u32) -> Result<HsLoadHeaderV2App> {
        if index >= self.load.num_apps {
            return Err(Error::NotFound {
                what: "nvfw_hs_load_header_v2 app index",
            });
        }
        let at = self.header.header_offset as usize
            + HsLoadHeaderV2::SIZE
            + index as usize * HsLoadHeaderV2App::SIZE;
        read("nvfw_hs_load_header_v2.app", self.bin.file(), at)
    }

    /// The non-secure code section of the image (`os_code_*`), as used on
    /// Turing and GA100.
    pub fn os_code(&self) -> LoadTarget {
        LoadTarget {
            src: 0,
            dst: self.load.os_code_offset,
            len: self.load.os_code_size,
        }
    }

    /// How GA102 and later load this ucode (nouveau `ga102_gsp_booter_ctor`,
    /// nova-core `BooterFirmware::new` for chipsets after GA100): app 0 to
    /// IMEM 0, no non-secure code, the data section to DMEM 0, boot at app
    /// 0's image offset.
    pub fn ga102_layout(&self) -> Result<HsLoadLayout> {
        let app0 = self.app(0)?;
        Ok(HsLoadLayout {
            imem_sec: LoadTarget {
                src: app0.offset,
                dst: 0,
                len: app0.size,
            },
            imem_ns: None,
            dmem: LoadTarget {
                src: self.load.os_data_offset,
                dst: 0,
                len: self.load.os_data_size,
            },
            boot_addr: app0.offset,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::hs::sample;
    use core::mem::offset_of;

    #[test]
    fn layouts_match_nvfw_hs_h() {
        assert_eq!(HsHeaderV2::SIZE, 36);
        assert_eq!(offset_of!(HsHeaderV2, patch_loc), 8);
        assert_eq!(offset_of!(HsHeaderV2, meta_data_offset), 16);
        assert_eq!(offset_of!(HsHeaderV2, num_sig), 24);
        assert_eq!(offset_of!(HsHeaderV2, header_size), 32);
        assert_eq!(HsLoadHeaderV2::SIZE, 20);
        assert_eq!(offset_of!(HsLoadHeaderV2, num_apps), 16);
        assert_eq!(HsLoadHeaderV2App::SIZE, 16);
        assert_eq!(HsMetaData::SIZE, 12);
    }

    #[test]
    fn parses_sample() {
        let f = sample();
        let fw = HsFirmware::parse(&f).unwrap();
        assert_eq!(fw.num_sig, 2);
        assert_eq!(fw.signature_size(), 16);
        assert_eq!(fw.signature(1).unwrap()[0], 16);
        assert!(fw.signature(2).is_err());
        assert_eq!(fw.pkc_data_offset(), 0x10);
        assert_eq!(fw.signature_index(0), Ok(1));
        assert_eq!(fw.signature_index(2), Ok(0));
        assert_eq!(fw.signature_index(1), Ok(1));
        assert!(fw.signature_index(3).is_err());
        let l = fw.ga102_layout().unwrap();
        assert_eq!(
            l.imem_sec,
            LoadTarget {
                src: 0x10,
                dst: 0,
                len: 0x70
            }
        );
        assert_eq!(
            l.dmem,
            LoadTarget {
                src: 0x80,
                dst: 0,
                len: 0x80
            }
        );
        assert_eq!(l.boot_addr, 0x10);
        assert_eq!((fw.engine_id_mask(), fw.ucode_id()), (1, 3));
    }

    #[test]
    fn rejects_corruption() {
        let f = sample();
        for cut in [0x20, 0x60, 0x80, 0x98, 0x1ff] {
            assert!(HsFirmware::parse(&f[..cut]).is_err(), "cut at {cut:#x}");
        }
        let patch = |at: usize, v: u32| {
            let mut g = f.clone();
            g[at..at + 4].copy_from_slice(&v.to_le_bytes());
            HsFirmware::parse(&g).map(|_| ())
        };
        assert!(matches!(patch(0x70, 0), Err(Error::BadField { .. }))); // num_sig 0
        assert!(matches!(patch(0x70, 3), Err(Error::BadField { .. }))); // 0x20 % 3
        assert!(matches!(patch(0x5c, 0x7f), Err(Error::OutOfBounds { .. }))); // patch before data
        assert!(matches!(patch(0x5c, 0xf8), Err(Error::OutOfBounds { .. }))); // patch past data
        assert!(matches!(patch(0x18, 0x1f0), Err(Error::OutOfBounds { .. }))); // sigs past file
        assert!(matches!(patch(0x18 + 20, 4), Err(Error::BadField { .. }))); // meta size
        assert!(matches!(
            patch(0x18 + 32, 0x20),
            Err(Error::BadField { .. })
        )); // header size
        assert!(matches!(patch(0x84, 0), Err(Error::BadField { .. }))); // num_apps 0
        assert!(matches!(
            patch(0x88 + 4, 0x100),
            Err(Error::OutOfBounds { .. })
        )); // app past image
        assert!(matches!(
            patch(0x64 + 4, 0x1_0000),
            Err(Error::BadField { .. })
        )); // engine mask
        assert!(matches!(
            patch(0x74 + 12, 0x81),
            Err(Error::OutOfBounds { .. })
        )); // data past image
    }
}
