// SPDX-License-Identifier: GPL-2.0
//! The GSP bootloader file, `bootloader-570.144.bin`: an `nvfw_bin_hdr`
//! whose image header is an `RM_RISCV_UCODE_DESC`.
//!
//! Layout from Linux 7.3 nouveau `nvkm/subdev/gsp/rm/r535/nvrm/gsp.h`
//! (`RM_RISCV_UCODE_DESC`, version 5 adds `bSignedAsCode` at the end); use
//! from `nvkm/subdev/gsp/rm/r535/gsp.c` (`r535_gsp_rm_boot_ctor`: the
//! image is the payload, and the boot uses `monitorCodeOffset`,
//! `monitorDataOffset`, `manifestOffset` and `appVersion`) and nova-core
//! `firmware/riscv.rs` (the same four values, from TLV tags).

use super::bin_hdr::BinFile;
use super::{range, read, Error, Result};

/// Newest `RM_RISCV_UCODE_DESC` version known (the 535 and 570 files).
pub const RISCV_UCODE_DESC_VERSION_MAX: u32 = 5;

crate::wire_struct! {
    /// `RM_RISCV_UCODE_DESC`. Offsets are into the image (the
    /// `nvfw_bin_hdr` payload).
    pub struct RiscvUcodeDesc {
        /// `version`: 1 to 5.
        pub version: u32,
        /// `bootloaderOffset`.
        pub bootloader_offset: u32,
        /// `bootloaderSize`.
        pub bootloader_size: u32,
        /// `bootloaderParamOffset`.
        pub bootloader_param_offset: u32,
        /// `bootloaderParamSize`.
        pub bootloader_param_size: u32,
        /// `riscvElfOffset`.
        pub riscv_elf_offset: u32,
        /// `riscvElfSize`.
        pub riscv_elf_size: u32,
        /// `appVersion`: changelist number of the image.
        pub app_version: u32,
        /// `manifestOffset`: the manifest the boot ROM reads.
        pub manifest_offset: u32,
        /// `manifestSize`.
        pub manifest_size: u32,
        /// `monitorDataOffset`.
        pub monitor_data_offset: u32,
        /// `monitorDataSize`.
        pub monitor_data_size: u32,
        /// `monitorCodeOffset`.
        pub monitor_code_offset: u32,
        /// `monitorCodeSize`.
        pub monitor_code_size: u32,
        /// `bIsMonitorEnabled`.
        pub is_monitor_enabled: u32,
        /// `swbromCodeOffset`.
        pub swbrom_code_offset: u32,
        /// `swbromCodeSize`.
        pub swbrom_code_size: u32,
        /// `swbromDataOffset`.
        pub swbrom_data_offset: u32,
        /// `swbromDataSize`.
        pub swbrom_data_size: u32,
        /// `fbReservedSize`: FB carve-out (image and reserved space).
        pub fb_reserved_size: u32,
        /// `bSignedAsCode` (version 5).
        pub signed_as_code: u32,
    }
}

/// A parsed and checked GSP bootloader file.
#[derive(Clone, Copy, Debug)]
pub struct RiscvFirmware<'a> {
    /// The generic header.
    pub bin: BinFile<'a>,
    /// The descriptor.
    pub desc: RiscvUcodeDesc,
}

impl<'a> RiscvFirmware<'a> {
    /// Parses `file`: the bin header, a descriptor of a known version, and
    /// the manifest, monitor code/data and bootloader (with its parameters)
    /// inside the image.
    pub fn parse(file: &'a [u8]) -> Result<Self> {
        let bin = BinFile::parse(file)?;
        let desc: RiscvUcodeDesc =
            read("RM_RISCV_UCODE_DESC", file, bin.hdr.header_offset as usize)?;
        if desc.version == 0 || desc.version > RISCV_UCODE_DESC_VERSION_MAX {
            return Err(Error::BadVersion {
                what: "RM_RISCV_UCODE_DESC.version",
                found: desc.version,
            });
        }
        let image = bin.data().len();
        let d = &desc;
        for (what, off, size) in [
            ("RISC-V manifest", d.manifest_offset, d.manifest_size),
            (
                "RISC-V monitor code",
                d.monitor_code_offset,
                d.monitor_code_size,
            ),
            (
                "RISC-V monitor data",
                d.monitor_data_offset,
                d.monitor_data_size,
            ),
            ("RISC-V bootloader", d.bootloader_offset, d.bootloader_size),
            (
                "RISC-V bootloader params",
                d.bootloader_param_offset,
                d.bootloader_param_size,
            ),
        ] {
            range(what, off.into(), size.into(), image)?;
        }
        if d.manifest_size == 0 || d.monitor_code_size == 0 {
            return Err(Error::BadField {
                what: "RM_RISCV_UCODE_DESC manifest/monitor code size",
                found: 0,
            });
        }
        Ok(Self { bin, desc })
    }

    /// The image to load (the `nvfw_bin_hdr` payload).
    pub fn image(&self) -> &'a [u8] {
        self.bin.data()
    }

    /// Image offset of the code the RISC-V core starts
    /// (`monitorCodeOffset`; nova-core's `code_offset`).
    pub fn code_offset(&self) -> u32 {
        self.desc.monitor_code_offset
    }

    /// Image offset of the data (`monitorDataOffset`).
    pub fn data_offset(&self) -> u32 {
        self.desc.monitor_data_offset
    }

    /// Image offset of the manifest (`manifestOffset`).
    pub fn manifest_offset(&self) -> u32 {
        self.desc.manifest_offset
    }

    /// The application version (`appVersion`).
    pub fn app_version(&self) -> u32 {
        self.desc.app_version
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::riscv::sample;
    use crate::wire::Wire;
    use core::mem::offset_of;

    #[test]
    fn layout_matches_rm_riscv_ucode_desc() {
        assert_eq!(RiscvUcodeDesc::SIZE, 84);
        assert_eq!(offset_of!(RiscvUcodeDesc, app_version), 0x1c);
        assert_eq!(offset_of!(RiscvUcodeDesc, manifest_offset), 0x20);
        assert_eq!(offset_of!(RiscvUcodeDesc, monitor_data_offset), 0x28);
        assert_eq!(offset_of!(RiscvUcodeDesc, monitor_code_offset), 0x30);
        assert_eq!(offset_of!(RiscvUcodeDesc, fb_reserved_size), 0x4c);
        assert_eq!(offset_of!(RiscvUcodeDesc, signed_as_code), 0x50);
    }

    #[test]
    fn parses_sample() {
        let f = sample();
        let fw = RiscvFirmware::parse(&f).unwrap();
        assert_eq!(
            (fw.code_offset(), fw.data_offset(), fw.manifest_offset()),
            (0x40, 0x20, 0)
        );
        assert_eq!(fw.image().len(), 0x100);
    }

    #[test]
    fn rejects_corruption() {
        let f = sample();
        assert!(RiscvFirmware::parse(&f[..0x40]).is_err());
        let patch = |at: usize, v: u32| {
            let mut g = f.clone();
            g[at..at + 4].copy_from_slice(&v.to_le_bytes());
            RiscvFirmware::parse(&g).map(|_| ())
        };
        assert!(matches!(patch(0x18, 0), Err(Error::BadVersion { .. })));
        assert!(matches!(patch(0x18, 6), Err(Error::BadVersion { .. })));
        assert!(matches!(
            patch(0x18 + 0x30, 0xf0),
            Err(Error::OutOfBounds { .. })
        ));
        assert!(matches!(
            patch(0x18 + 0x08, u32::MAX),
            Err(Error::OutOfBounds { .. })
        ));
        assert!(matches!(patch(0x18 + 0x24, 0), Err(Error::BadField { .. })));
    }
}
