// SPDX-License-Identifier: GPL-2.0
//! The headers of one PCI expansion ROM image: the ROM header (0x55AA and
//! the PCIR pointer), the PCI Data Structure and NVIDIA's PCI Data
//! Extension (NPDE).
//!
//! Layouts from the PCI Firmware Specification as transcribed in Linux 7.3
//! nova-core `vbios.rs` (`PciRomHeader`, `PcirStruct`, `NpdeStruct`) and
//! NVIDIA's `pci_exp_table.h` (open-gpu-kernel-modules:
//! `PCI_EXP_ROM_STANDARD`, `PCI_DATA_STRUCT`, `NV_PCI_DATA_EXT_STRUCT`);
//! how an image's size and last-image flag are found from nova-core
//! (`BiosImage`) and nouveau `nvkm/subdev/bios/{image,pcir,npde}.c`: the
//! NPDE sits right after the PCIR, 16-byte aligned, and when present its
//! sub-image length and last-image flag override the PCIR's.

use super::super::{read, write, Error, Result};

/// Standard expansion ROM signature (bytes 0x55 0xAA).
pub const ROM_SIGNATURE: u16 = 0xaa55;
/// NVIDIA's alternative ROM signature ("VN").
pub const ROM_SIGNATURE_NV: u16 = 0x4e56;
/// NVIDIA's second alternative ROM signature (accepted by nouveau and
/// OpenRM, not by nova-core).
pub const ROM_SIGNATURE_NV2: u16 = 0xbb77;
/// PCI Data Structure signature.
pub const PCIR_SIGNATURE: [u8; 4] = *b"PCIR";
/// NVIDIA's alternative PCI Data Structure signature.
pub const PCIR_SIGNATURE_NV: [u8; 4] = *b"NPDS";
/// NVIDIA's second alternative PCI Data Structure signature.
pub const PCIR_SIGNATURE_NV2: [u8; 4] = *b"RGIS";
/// NVIDIA PCI Data Extension signature.
pub const NPDE_SIGNATURE: [u8; 4] = *b"NPDE";
/// NPDE revision 1.0.
pub const NPDE_REVISION_10: u16 = 0x100;
/// NPDE revision 1.1.
pub const NPDE_REVISION_11: u16 = 0x101;
/// Unit of `image_len` and `subimage_len`.
pub const ROM_BLOCK_SIZE: usize = 512;
/// Bit of `last_image` that marks the last image.
pub const LAST_IMAGE: u8 = 0x80;

/// `code_type` of a PC-AT compatible (x86 legacy) image, which holds the
/// BIT table.
pub const CODE_TYPE_PCI_AT: u8 = 0x00;
/// `code_type` of an EFI image.
pub const CODE_TYPE_EFI: u8 = 0x03;
/// `code_type` of an NBSI image (always the last one).
pub const CODE_TYPE_NBSI: u8 = 0x70;
/// `code_type` of the FWSEC images (`NV_BCRT_HASH_INFO_BASE_CODE_TYPE_VBIOS_EXT`).
pub const CODE_TYPE_FWSEC: u8 = 0xe0;

crate::wire_struct! {
    /// `PCI_EXP_ROM_STANDARD` up to the PCIR pointer.
    pub struct PciRomHeader {
        /// 00h: [`ROM_SIGNATURE`] (or an NVIDIA alternative).
        pub signature: u16,
        /// 02h: processor-architecture data (for x86: size in blocks, entry).
        pub reserved: [u8; 22],
        /// 18h: offset of the PCI Data Structure from the image start.
        pub pci_data_struct_offset: u16,
    }

    /// `PCI_DATA_STRUCT`.
    pub struct Pcir {
        /// 00h: [`PCIR_SIGNATURE`] (or an NVIDIA alternative).
        pub signature: [u8; 4],
        /// 04h: vendor id (0x10de).
        pub vendor_id: u16,
        /// 06h: device id.
        pub device_id: u16,
        /// 08h: device list pointer.
        pub device_list_ptr: u16,
        /// 0Ah: length of this structure (0x18).
        pub pci_data_struct_len: u16,
        /// 0Ch: revision of this structure.
        pub pci_data_struct_rev: u8,
        /// 0Dh: class code (programming interface, subclass, base class).
        pub class_code: [u8; 3],
        /// 10h: image length in 512-byte blocks.
        pub image_len: u16,
        /// 12h: revision of the vendor's ROM.
        pub vendor_rom_rev: u16,
        /// 14h: code type (`CODE_TYPE_*`).
        pub code_type: u8,
        /// 15h: bit 7 set on the last image.
        pub last_image: u8,
        /// 16h: maximum run-time image length in blocks.
        pub max_runtime_image_len: u16,
    }

    /// `NV_PCI_DATA_EXT_STRUCT`.
    pub struct Npde {
        /// 00h: [`NPDE_SIGNATURE`].
        pub signature: [u8; 4],
        /// 04h: revision ([`NPDE_REVISION_11`]).
        pub revision: u16,
        /// 06h: length of this structure (0x0c).
        pub length: u16,
        /// 08h: sub-image length in 512-byte blocks.
        pub subimage_len: u16,
        /// 0Ah: bit 7 set on the last image.
        pub last_image: u8,
        /// 0Bh: flags.
        pub flags: u8,
    }
}

/// Where the NPDE of an image is: after the PCIR, 16-byte aligned.
pub const fn npde_offset(pcir_offset: usize, pcir_len: u16) -> usize {
    (pcir_offset + pcir_len as usize + 0xf) & !0xf
}

/// The headers of one ROM image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageHeaders {
    /// The ROM header.
    pub rom: PciRomHeader,
    /// The PCI Data Structure.
    pub pcir: Pcir,
    /// The NVIDIA PCI Data Extension, if there is one.
    pub npde: Option<Npde>,
}

impl ImageHeaders {
    /// Parses the headers at the start of `image`, which must hold at least
    /// the ROM header and the PCIR (the first KiB is always enough for an
    /// NVIDIA ROM; nova-core reads 1024 bytes ahead). An NPDE counts as
    /// present when it lies in `image`, has its signature and a non-zero
    /// length (nova-core `NpdeStruct::new`); NBSI images have none.
    pub fn parse(image: &[u8]) -> Result<Self> {
        let rom: PciRomHeader = read("PCI ROM header", image, 0)?;
        if ![ROM_SIGNATURE, ROM_SIGNATURE_NV, ROM_SIGNATURE_NV2].contains(&rom.signature) {
            return Err(Error::BadMagic {
                what: "PCI ROM header signature",
                found: rom.signature.into(),
            });
        }
        let pcir_offset = usize::from(rom.pci_data_struct_offset);
        let pcir: Pcir = read("PCI data structure", image, pcir_offset)?;
        if ![PCIR_SIGNATURE, PCIR_SIGNATURE_NV, PCIR_SIGNATURE_NV2].contains(&pcir.signature) {
            return Err(Error::BadMagic {
                what: "PCI data structure signature",
                found: u32::from_le_bytes(pcir.signature),
            });
        }
        if pcir.image_len == 0 {
            return Err(Error::BadField {
                what: "PCI data structure image length",
                found: 0,
            });
        }
        let npde = if pcir.code_type == CODE_TYPE_NBSI {
            None
        } else {
            read::<Npde>(
                "NPDE",
                image,
                npde_offset(pcir_offset, pcir.pci_data_struct_len),
            )
            .ok()
            .filter(|n| n.signature == NPDE_SIGNATURE && n.subimage_len != 0)
        };
        Ok(Self { rom, pcir, npde })
    }

    /// Offset of the PCIR in the image.
    pub fn pcir_offset(&self) -> usize {
        self.rom.pci_data_struct_offset.into()
    }

    /// The image's size in bytes: the NPDE's sub-image length if there is
    /// an NPDE, else the PCIR's image length.
    pub fn size(&self) -> usize {
        let blocks = self.npde.map_or(self.pcir.image_len, |n| n.subimage_len);
        usize::from(blocks) * ROM_BLOCK_SIZE
    }

    /// Whether this is the last image: NBSI images are, otherwise the
    /// NPDE's flag if there is an NPDE, else the PCIR's.
    pub fn is_last(&self) -> bool {
        if self.pcir.code_type == CODE_TYPE_NBSI {
            return true;
        }
        self.npde.map_or(self.pcir.last_image, |n| n.last_image) & LAST_IMAGE != 0
    }

    /// The PCIR code type (`CODE_TYPE_*`).
    pub fn code_type(&self) -> u8 {
        self.pcir.code_type
    }

    /// Writes the headers at the start of `image`: the ROM header at 0, the
    /// PCIR at `rom.pci_data_struct_offset`, the NPDE (if any) after it.
    pub fn encode(&self, image: &mut [u8]) -> Result<()> {
        write("PCI ROM header", &self.rom, image, 0)?;
        write("PCI data structure", &self.pcir, image, self.pcir_offset())?;
        if let Some(n) = &self.npde {
            write(
                "NPDE",
                n,
                image,
                npde_offset(self.pcir_offset(), self.pcir.pci_data_struct_len),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::rom::headers;
    use crate::wire::Wire;
    use core::mem::offset_of;

    #[test]
    fn layouts_match_pci_exp_table() {
        assert_eq!(PciRomHeader::SIZE, 0x1a);
        assert_eq!(offset_of!(PciRomHeader, pci_data_struct_offset), 0x18);
        assert_eq!(Pcir::SIZE, 0x18);
        assert_eq!(offset_of!(Pcir, vendor_id), 0x04);
        assert_eq!(offset_of!(Pcir, pci_data_struct_len), 0x0a);
        assert_eq!(offset_of!(Pcir, class_code), 0x0d);
        assert_eq!(offset_of!(Pcir, image_len), 0x10);
        assert_eq!(offset_of!(Pcir, code_type), 0x14);
        assert_eq!(offset_of!(Pcir, last_image), 0x15);
        assert_eq!(Npde::SIZE, 0x0c);
        assert_eq!(offset_of!(Npde, revision), 0x04);
        assert_eq!(offset_of!(Npde, length), 0x06);
        assert_eq!(offset_of!(Npde, subimage_len), 0x08);
        assert_eq!(offset_of!(Npde, last_image), 0x0a);
        assert_eq!(npde_offset(0x20, 0x18), 0x40);
        assert_eq!(npde_offset(0x1c, 0x18), 0x40);
    }

    #[test]
    fn round_trip_and_precedence() {
        let h = headers(CODE_TYPE_FWSEC, 3, false);
        let mut img = [0u8; 0x100];
        h.encode(&mut img).unwrap();
        assert_eq!(&img[..2], &[0x55, 0xaa]);
        assert_eq!(&img[0x40..0x44], b"NPDE");
        let p = ImageHeaders::parse(&img).unwrap();
        assert_eq!(p, h);
        assert_eq!(
            (p.size(), p.is_last(), p.code_type()),
            (3 * 512, false, CODE_TYPE_FWSEC)
        );
        // The NPDE overrides the PCIR's length and last flag.
        img[0x48] = 5;
        img[0x4a] = LAST_IMAGE;
        let p = ImageHeaders::parse(&img).unwrap();
        assert_eq!((p.size(), p.is_last()), (5 * 512, true));
        // Without NPDE, the PCIR decides.
        img[0x40] = 0;
        let p = ImageHeaders::parse(&img).unwrap();
        assert_eq!((p.npde, p.size(), p.is_last()), (None, 3 * 512, false));
        // NBSI images are last and have no NPDE.
        img[0x34] = CODE_TYPE_NBSI;
        assert!(ImageHeaders::parse(&img).unwrap().is_last());
    }

    #[test]
    fn rejects_corruption() {
        let mut img = [0u8; 0x100];
        headers(CODE_TYPE_PCI_AT, 1, true).encode(&mut img).unwrap();
        assert!(ImageHeaders::parse(&img[..0x30]).is_err());
        let mut g = img;
        g[0] = 0;
        assert!(matches!(
            ImageHeaders::parse(&g),
            Err(Error::BadMagic { .. })
        ));
        let mut g = img;
        g[0x20] = b'X';
        assert!(matches!(
            ImageHeaders::parse(&g),
            Err(Error::BadMagic { .. })
        ));
        let mut g = img;
        g[0x30] = 0;
        assert!(matches!(
            ImageHeaders::parse(&g),
            Err(Error::BadField { .. })
        ));
        let mut g = img;
        g[0x18] = 0xf0;
        assert!(matches!(
            ImageHeaders::parse(&g),
            Err(Error::Truncated { .. })
        ));
        // An NPDE cut off by the end of the input is absent, not an error.
        let p = ImageHeaders::parse(&img[..0x44]).unwrap();
        assert_eq!(p.npde, None);
    }
}
