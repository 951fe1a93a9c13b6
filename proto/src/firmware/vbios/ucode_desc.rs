// SPDX-License-Identifier: GPL-2.0
//! `FalconUCodeDescV3`: the descriptor of FWSEC on GA102, followed by its
//! RSA-3K signatures and then the ucode (IMEM image, then DMEM image).
//!
//! Layout from Linux 7.3 nova-core `firmware.rs` (`FalconUCodeDescV3`) and
//! nouveau `nvkm/subdev/gsp/fwsec.c` (`nvkm_falcon_ucode_desc_v3`), with
//! OpenRM `kernel_gsp_vbios.c` (`FALCON_UCODE_DESC_V3`,
//! `NV_BIT_FALCON_UCODE_DESC_HEADER_VDESC_*`). The header word holds a
//! "version available" flag (bit 0), the version (15:8) and the size of
//! the descriptor *including its signatures* (31:16): the ucode starts
//! `size` bytes after the descriptor, the signatures 44 bytes after it
//! (nouveau `desc + 0x2c`, nova-core `FwSecBiosImage::sigs`, OpenRM
//! `descSize - FALCON_UCODE_DESC_V3_SIZE_44`).
//!
//! How the pieces load (nova-core `FalconUCodeDescriptor for V3`, nouveau
//! `nvkm_gsp_fwsec_v3`): the IMEM image (ucode offset 0, `imem_load_size`
//! bytes) to IMEM `imem_phys_base`; the DMEM image (ucode offset
//! `imem_load_size`, `dmem_load_size` bytes) to DMEM `dmem_phys_base`; the
//! chosen signature is patched at DMEM offset `pkc_data_offset`; the DMEM
//! application-interface table is at DMEM offset `interface_offset`.

use super::super::{bytes, range, read, Error, LoadTarget, Result};

/// `NV_BIT_FALCON_UCODE_DESC_HEADER_VDESC_FLAGS_VERSION_AVAILABLE` (bit 0).
pub const VDESC_FLAGS_VERSION_AVAILABLE: u32 = 1;
/// `NV_BIT_FALCON_UCODE_DESC_HEADER_VDESC_VERSION_V2` (Turing, GA100).
pub const VDESC_VERSION_V2: u8 = 2;
/// `NV_BIT_FALCON_UCODE_DESC_HEADER_VDESC_VERSION_V3` (GA102 and later).
pub const VDESC_VERSION_V3: u8 = 3;
/// `FALCON_UCODE_DESC_V3_SIZE_44`.
pub const FALCON_UCODE_DESC_V3_SIZE: usize = 44;
/// `BCRT30_RSA3K_SIG_SIZE`: size of one FWSEC signature.
pub const BCRT30_RSA3K_SIG_SIZE: usize = 384;

/// The header word of a descriptor of `version` whose size (with
/// signatures) is `size` bytes.
pub const fn vdesc(version: u8, size: u16) -> u32 {
    (size as u32) << 16 | (version as u32) << 8 | VDESC_FLAGS_VERSION_AVAILABLE
}

crate::wire_struct! {
    /// `FalconUCodeDescV3` / `FALCON_UCODE_DESC_V3`.
    pub struct FalconUcodeDescV3 {
        /// `Hdr`: see [`vdesc`].
        pub hdr: u32,
        /// `StoredSize`: size of the stored ucode.
        pub stored_size: u32,
        /// `PKCDataOffset`: DMEM offset where the signature is patched.
        pub pkc_data_offset: u32,
        /// `InterfaceOffset`: DMEM offset of the application-interface table.
        pub interface_offset: u32,
        /// `IMEMPhysBase`: IMEM address the code loads at.
        pub imem_phys_base: u32,
        /// `IMEMLoadSize`: size of the IMEM image.
        pub imem_load_size: u32,
        /// `IMEMVirtBase`: IMEM tag of the code.
        pub imem_virt_base: u32,
        /// `DMEMPhysBase`: DMEM address the data loads at.
        pub dmem_phys_base: u32,
        /// `DMEMLoadSize`: size of the DMEM image.
        pub dmem_load_size: u32,
        /// `EngineIdMask`: falcons the ucode may run on (BROM `ENGIDMASK`).
        pub engine_id_mask: u16,
        /// `UcodeId`: selects the fuse register (BROM `UCODE_ID`).
        pub ucode_id: u8,
        /// `SignatureCount`: signatures after the descriptor.
        pub signature_count: u8,
        /// `SignatureVersions`: one bit per fuse version a signature exists for.
        pub signature_versions: u16,
        /// `Reserved`.
        pub reserved: u16,
    }
}

impl FalconUcodeDescV3 {
    /// The version in the header word (15:8).
    pub fn version(&self) -> u8 {
        (self.hdr >> 8) as u8
    }

    /// The descriptor's size including the signatures (header 31:16).
    pub fn size(&self) -> usize {
        (self.hdr >> 16) as usize
    }
}

/// FWSEC as the VBIOS stores it: a checked descriptor, its signatures and
/// its ucode.
#[derive(Clone, Copy, Debug)]
pub struct FwsecUcode<'a> {
    /// The descriptor.
    pub desc: FalconUcodeDescV3,
    signatures: &'a [u8],
    ucode: &'a [u8],
}

impl<'a> FwsecUcode<'a> {
    /// Parses the descriptor at the start of `data` (which runs to the end
    /// of the FWSEC region) and checks: the version flag and version 3; a
    /// size that holds the descriptor and its signatures; the IMEM and DMEM
    /// images inside `data`; the signature patch location (if there are
    /// signatures) and the interface table header inside the DMEM image.
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        let hdr: u32 = read("falcon ucode descriptor header", data, 0)?;
        if hdr & VDESC_FLAGS_VERSION_AVAILABLE == 0 {
            return Err(Error::BadField {
                what: "falcon ucode descriptor version flag",
                found: hdr.into(),
            });
        }
        let desc: FalconUcodeDescV3 = read("FalconUCodeDescV3", data, 0)?;
        if desc.version() != VDESC_VERSION_V3 {
            return Err(Error::BadVersion {
                what: "falcon ucode descriptor",
                found: desc.version().into(),
            });
        }
        let sigs_len = usize::from(desc.signature_count) * BCRT30_RSA3K_SIG_SIZE;
        if desc.size() < FALCON_UCODE_DESC_V3_SIZE + sigs_len {
            return Err(Error::BadField {
                what: "FalconUCodeDescV3 size (with signatures)",
                found: desc.size() as u64,
            });
        }
        let signatures = bytes(
            "FWSEC signatures",
            data,
            FALCON_UCODE_DESC_V3_SIZE,
            sigs_len,
        )?;
        if desc.imem_load_size == 0 || desc.dmem_load_size == 0 {
            return Err(Error::BadField {
                what: "FWSEC IMEM/DMEM load size",
                found: 0,
            });
        }
        let len = u64::from(desc.imem_load_size) + u64::from(desc.dmem_load_size);
        let r = range("FWSEC ucode", desc.size() as u64, len, data.len())?;
        let ucode = bytes("FWSEC ucode", data, r.start, r.len())?;
        let dmem = u64::from(desc.dmem_load_size);
        if desc.signature_count != 0 {
            range(
                "FWSEC signature patch (PKCDataOffset)",
                desc.pkc_data_offset.into(),
                BCRT30_RSA3K_SIG_SIZE as u64,
                dmem as usize,
            )?;
        }
        range(
            "FWSEC interface table (InterfaceOffset)",
            desc.interface_offset.into(),
            4,
            dmem as usize,
        )?;
        Ok(Self {
            desc,
            signatures,
            ucode,
        })
    }

    /// The ucode the driver copies and DMAs: IMEM image then DMEM image.
    pub fn ucode(&self) -> &'a [u8] {
        self.ucode
    }

    /// The IMEM image.
    pub fn imem(&self) -> &'a [u8] {
        self.ucode
            .get(..self.desc.imem_load_size as usize)
            .unwrap_or(&[])
    }

    /// The DMEM image.
    pub fn dmem(&self) -> &'a [u8] {
        self.ucode
            .get(self.desc.imem_load_size as usize..)
            .unwrap_or(&[])
    }

    /// Signature number `index` (`0..signature_count`).
    pub fn signature(&self, index: usize) -> Result<&'a [u8]> {
        if index >= usize::from(self.desc.signature_count) {
            return Err(Error::NotFound {
                what: "FWSEC signature index",
            });
        }
        bytes(
            "FWSEC signature",
            self.signatures,
            index * BCRT30_RSA3K_SIG_SIZE,
            BCRT30_RSA3K_SIG_SIZE,
        )
    }

    /// Which signature to patch in, given the fuse version the hardware
    /// reports ([`super::super::fuse_version`]): bit `reg_fuse_version` must
    /// be set in `signature_versions`, and the index is the number of set
    /// bits below it (nova-core `FwsecFirmware::new`, nouveau
    /// `ga102_gsp_fwsec_signature`).
    pub fn signature_index(&self, reg_fuse_version: u32) -> Result<usize> {
        let versions = u32::from(self.desc.signature_versions);
        let bit = 1u32.checked_shl(reg_fuse_version).unwrap_or(0);
        if versions & bit == 0 {
            return Err(Error::BadField {
                what: "FWSEC fuse version (no matching signature)",
                found: reg_fuse_version.into(),
            });
        }
        let index = (versions & (bit - 1)).count_ones() as usize;
        if index >= usize::from(self.desc.signature_count) {
            return Err(Error::BadField {
                what: "FWSEC signature versions/count",
                found: versions.into(),
            });
        }
        Ok(index)
    }

    /// Offset in [`Self::ucode`] where the signature is patched:
    /// `imem_load_size + pkc_data_offset`.
    pub fn signature_patch_offset(&self) -> usize {
        self.desc.imem_load_size as usize + self.desc.pkc_data_offset as usize
    }

    /// Where the IMEM image goes (nova-core `imem_sec_load_params`).
    pub fn imem_target(&self) -> LoadTarget {
        LoadTarget {
            src: 0,
            dst: self.desc.imem_phys_base,
            len: self.desc.imem_load_size,
        }
    }

    /// Where the DMEM image goes (nova-core `dmem_load_params`).
    pub fn dmem_target(&self) -> LoadTarget {
        LoadTarget {
            src: self.desc.imem_load_size,
            dst: self.desc.dmem_phys_base,
            len: self.desc.dmem_load_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Wire;
    use alloc::vec::Vec;
    use core::mem::offset_of;

    #[test]
    fn layout_matches_falcon_ucode_desc_v3() {
        assert_eq!(FalconUcodeDescV3::SIZE, FALCON_UCODE_DESC_V3_SIZE);
        assert_eq!(offset_of!(FalconUcodeDescV3, pkc_data_offset), 0x08);
        assert_eq!(offset_of!(FalconUcodeDescV3, interface_offset), 0x0c);
        assert_eq!(offset_of!(FalconUcodeDescV3, imem_load_size), 0x14);
        assert_eq!(offset_of!(FalconUcodeDescV3, dmem_load_size), 0x20);
        assert_eq!(offset_of!(FalconUcodeDescV3, engine_id_mask), 0x24);
        assert_eq!(offset_of!(FalconUcodeDescV3, ucode_id), 0x26);
        assert_eq!(offset_of!(FalconUcodeDescV3, signature_count), 0x27);
        assert_eq!(offset_of!(FalconUcodeDescV3, signature_versions), 0x28);
        assert_eq!(vdesc(3, 0x32c), 0x032c_0301);
    }

    /// Descriptor + 2 signatures + 0x100 bytes of IMEM + 0x200 of DMEM;
    /// the second signature, the IMEM and the DMEM start with 0x51, 0x1c
    /// and 0xd0.
    fn sample() -> Vec<u8> {
        let mut sigs = [[0u8; BCRT30_RSA3K_SIG_SIZE]; 2];
        sigs[1][0] = 0x51;
        let (mut imem, mut dmem) = ([0u8; 0x100], [0u8; 0x200]);
        imem[0] = 0x1c;
        dmem[0] = 0xd0;
        crate::build::ucode_desc::Fwsec {
            desc: FalconUcodeDescV3 {
                pkc_data_offset: 0x40,
                interface_offset: 0x10,
                engine_id_mask: 0x400,
                ucode_id: 9,
                signature_versions: 0b1010,
                ..FalconUcodeDescV3::ZERO
            },
            signatures: &sigs,
            imem: &imem,
            dmem: &dmem,
        }
        .build()
    }

    #[test]
    fn parses_sample() {
        let d = sample();
        let u = FwsecUcode::parse(&d).unwrap();
        assert_eq!((u.imem().len(), u.imem()[0]), (0x100, 0x1c));
        assert_eq!((u.dmem().len(), u.dmem()[0]), (0x200, 0xd0));
        assert_eq!(u.signature(1).unwrap()[0], 0x51);
        assert!(u.signature(2).is_err());
        // versions 0b1010: fuse version 1 -> signature 0, 3 -> signature 1
        assert_eq!(u.signature_index(1), Ok(0));
        assert_eq!(u.signature_index(3), Ok(1));
        assert!(u.signature_index(0).is_err());
        assert!(u.signature_index(2).is_err());
        assert!(u.signature_index(40).is_err());
        assert_eq!(u.signature_patch_offset(), 0x140);
        assert_eq!(
            u.dmem_target(),
            LoadTarget {
                src: 0x100,
                dst: 0,
                len: 0x200
            }
        );
    }

    #[test]
    fn rejects_corruption() {
        let d = sample();
        assert!(matches!(
            FwsecUcode::parse(&d[..d.len() - 1]),
            Err(Error::OutOfBounds { .. })
        ));
        assert!(matches!(
            FwsecUcode::parse(&d[..40]),
            Err(Error::Truncated { .. })
        ));
        let patch = |at: usize, v: u32| {
            let mut g = d.clone();
            g[at..at + 4].copy_from_slice(&v.to_le_bytes());
            FwsecUcode::parse(&g).map(|_| ())
        };
        assert!(matches!(
            patch(0, vdesc(3, 0x32c) & !1),
            Err(Error::BadField { .. })
        ));
        assert!(matches!(
            patch(0, vdesc(2, 0x32c)),
            Err(Error::BadVersion { .. })
        ));
        assert!(matches!(
            patch(0, vdesc(3, 0x100)),
            Err(Error::BadField { .. })
        ));
        assert!(matches!(patch(0x08, 0x1c1), Err(Error::OutOfBounds { .. })));
        assert!(matches!(patch(0x0c, 0x1fd), Err(Error::OutOfBounds { .. })));
        assert!(matches!(patch(0x14, 0), Err(Error::BadField { .. })));
        assert!(matches!(
            patch(0x20, u32::MAX),
            Err(Error::OutOfBounds { .. })
        ));
    }
}
