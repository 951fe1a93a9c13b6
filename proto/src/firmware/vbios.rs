// SPDX-License-Identifier: GPL-2.0
//! The VBIOS: a chain of PCI expansion ROM images, from which the driver
//! needs FWSEC.
//!
//! The path (Linux 7.3 nova-core `vbios.rs`, nouveau
//! `nvkm/subdev/bios/{base,image,bit,pmu}.c` and `nvkm/subdev/gsp/fwsec.c`,
//! OpenRM `kernel_gsp_vbios.c`):
//!
//! 1. walk the images ([`rom`]): each starts with a ROM header, a PCIR and
//!    usually an NPDE that give its size and whether it is the last; a
//!    GA102 ROM holds a PC-AT image (code type 0x00), an EFI image (0x03)
//!    and FWSEC images (0xE0);
//! 2. find the BIT in the PC-AT image and its token 'p' ([`bit`]), whose
//!    data is a 32-bit pointer to the falcon ucode table;
//! 3. read the falcon ucode table ([`ucode_table`]) and take the entry of
//!    FWSEC_PROD (0x85), a pointer to the FWSEC descriptor
//!    ([`ucode_desc`]), which is followed by the signatures and the ucode;
//! 4. in the ucode's DMEM image, find the DMEMMAPPER through the
//!    application-interface table and write the command ([`appif`]).
//!
//! The pointers of steps 2 and 3 treat the PC-AT image and the FWSEC
//! images as contiguous, skipping whatever lies between them (the EFI
//! image): a pointer `p` at or past the PC-AT image's size means offset
//! `p - pci_at_size` from the start of the first FWSEC image (nova-core
//! `falcon_data_offset`, nouveau `nvbios_addr` with `imaged_addr`). From
//! the first FWSEC image on, the rest of the ROM is one region.

#[path = "vbios/appif.rs"]
pub mod appif;
#[path = "vbios/bit.rs"]
pub mod bit;
#[path = "vbios/rom.rs"]
pub mod rom;
#[path = "vbios/ucode_desc.rs"]
pub mod ucode_desc;
#[path = "vbios/ucode_table.rs"]
pub mod ucode_table;

use super::{bytes, Error, Result};
use bit::BitTable;
use rom::{ImageHeaders, CODE_TYPE_FWSEC, CODE_TYPE_PCI_AT};
use ucode_desc::FwsecUcode;
use ucode_table::{FalconUcodeTable, APPID_FWSEC_PROD};

/// BAR0 offset of the ROM (`NV_PROM_DATA`, nova-core
/// `VbiosIterator::ROM_OFFSET`).
pub const PROM_BAR0_OFFSET: u32 = 0x30_0000;
/// The most of the ROM that is scanned (nova-core `BIOS_MAX_SCAN_LEN`).
pub const ROM_MAX_SIZE: usize = 0x10_0000;

/// One image of the ROM.
#[derive(Clone, Copy, Debug)]
pub struct RomImage<'a> {
    /// Offset of the image in the ROM.
    pub offset: usize,
    /// Its headers.
    pub headers: ImageHeaders,
    /// The whole image (`headers.size()` bytes).
    pub data: &'a [u8],
}

/// Iterator over the images of a ROM, up to and including the last one;
/// see [`images`].
#[derive(Clone, Debug)]
pub struct RomImages<'a> {
    rom: &'a [u8],
    next: usize,
    done: bool,
}

/// The images of `rom`, starting at offset 0. Each item is an image or the
/// error that ended the walk: bad headers, an image that does not fit in
/// `rom` or in [`ROM_MAX_SIZE`], or a ROM that ends without a last image.
pub fn images(rom: &[u8]) -> RomImages<'_> {
    RomImages {
        rom,
        next: 0,
        done: false,
    }
}

impl<'a> Iterator for RomImages<'a> {
    type Item = Result<RomImage<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.step();
        self.done = !matches!(item, Ok((_, true)));
        Some(item.map(|(img, _)| img))
    }
}

impl<'a> RomImages<'a> {
    fn step(&mut self) -> Result<(RomImage<'a>, bool)> {
        let offset = self.next;
        let limit = self.rom.len().min(ROM_MAX_SIZE);
        if offset >= limit {
            return Err(Error::NotFound {
                what: "last VBIOS image (chain runs off the ROM)",
            });
        }
        let headers = ImageHeaders::parse(self.rom.get(offset..limit).unwrap_or(&[]))?;
        let data = bytes(
            "VBIOS image",
            self.rom.get(..limit).unwrap_or(&[]),
            offset,
            headers.size(),
        )?;
        self.next = offset + headers.size();
        Ok((
            RomImage {
                offset,
                headers,
                data,
            },
            !headers.is_last(),
        ))
    }
}

/// A ROM in which the PC-AT image, its BIT and the FWSEC region were found.
#[derive(Clone, Copy, Debug)]
pub struct Vbios<'a> {
    rom: &'a [u8],
    /// The first PC-AT image.
    pub pci_at: RomImage<'a>,
    /// ROM offset of the first FWSEC image.
    pub fwsec_offset: usize,
    /// ROM offset of the end of the last image.
    pub end: usize,
    /// The BIT of the PC-AT image.
    pub bit: BitTable<'a>,
}

impl<'a> Vbios<'a> {
    /// Walks all images of `rom` and finds the first PC-AT image, the first
    /// FWSEC image and the BIT.
    pub fn parse(rom: &'a [u8]) -> Result<Self> {
        let mut pci_at = None;
        let mut fwsec_offset = None;
        let mut end = 0;
        for img in images(rom) {
            let img = img?;
            end = img.offset + img.data.len();
            if fwsec_offset.is_some() {
                continue;
            }
            match img.headers.code_type() {
                CODE_TYPE_PCI_AT if pci_at.is_none() => pci_at = Some(img),
                CODE_TYPE_FWSEC => fwsec_offset = Some(img.offset),
                _ => {}
            }
        }
        let pci_at = pci_at.ok_or(Error::NotFound {
            what: "VBIOS PC-AT image",
        })?;
        let fwsec_offset = fwsec_offset.ok_or(Error::NotFound {
            what: "VBIOS FWSEC image",
        })?;
        let bit = BitTable::find(pci_at.data)?;
        Ok(Self {
            rom,
            pci_at,
            fwsec_offset,
            end,
            bit,
        })
    }

    /// The ROM up to the end of the last image.
    pub fn rom(&self) -> &'a [u8] {
        self.rom.get(..self.end).unwrap_or(&[])
    }

    /// The FWSEC region: from the first FWSEC image to the end.
    pub fn fwsec_region(&self) -> &'a [u8] {
        self.rom.get(self.fwsec_offset..self.end).unwrap_or(&[])
    }

    /// The ROM offset a VBIOS pointer (BIT falcon data, ucode table
    /// entries) stands for; it must point into the FWSEC region.
    pub fn resolve(&self, ptr: u32) -> Result<usize> {
        let err = Error::OutOfBounds {
            what: "VBIOS pointer into the FWSEC images",
            offset: ptr.into(),
            size: 0,
            limit: (self.pci_at.data.len() + self.fwsec_region().len()) as u64,
        };
        let rel = (ptr as usize)
            .checked_sub(self.pci_at.data.len())
            .ok_or(err)?;
        if rel >= self.fwsec_region().len() {
            return Err(err);
        }
        Ok(self.fwsec_offset + rel)
    }

    /// The inverse of [`Self::resolve`]: the pointer that stands for ROM
    /// offset `rom_offset` in the FWSEC region.
    pub fn pointer_to(&self, rom_offset: usize) -> Option<u32> {
        let rel = rom_offset.checked_sub(self.fwsec_offset)?;
        u32::try_from(self.pci_at.data.len() + rel).ok()
    }

    /// The falcon ucode table that BIT token 'p' points to.
    pub fn falcon_ucode_table(&self) -> Result<FalconUcodeTable<'a>> {
        let at = self.resolve(self.bit.falcon_ucode_table_ptr()?)?;
        FalconUcodeTable::parse(self.rom(), at)
    }

    /// ROM offset of the descriptor of `application_id`'s ucode.
    pub fn ucode_desc_offset(&self, application_id: u8) -> Result<usize> {
        self.resolve(self.falcon_ucode_table()?.find(application_id)?.desc_ptr)
    }

    /// The ucode of `application_id` ([`ucode_table::APPID_FWSEC_PROD`] or
    /// [`ucode_table::APPID_FWSEC_DBG`]).
    pub fn fwsec_for(&self, application_id: u8) -> Result<FwsecUcode<'a>> {
        let at = self.ucode_desc_offset(application_id)?;
        FwsecUcode::parse(self.rom().get(at..).unwrap_or(&[]))
    }

    /// FWSEC as production parts run it (FWSEC_PROD).
    pub fn fwsec(&self) -> Result<FwsecUcode<'a>> {
        self.fwsec_for(APPID_FWSEC_PROD)
    }
}

#[cfg(test)]
mod tests {
    use super::appif::{DmemInterface, FwsecCommand};
    use super::rom::CODE_TYPE_EFI;
    use super::ucode_table::APPID_FWSEC_DBG;
    use super::*;
    use crate::build::vbios::rom;
    use alloc::vec::Vec;

    #[test]
    fn walks_to_fwsec() {
        let r = rom();
        let kinds: Vec<_> = images(&r)
            .map(|i| i.map(|i| (i.offset, i.headers.code_type())))
            .collect();
        assert_eq!(
            kinds,
            [
                Ok((0, 0)),
                Ok((0x400, CODE_TYPE_EFI)),
                Ok((0x600, CODE_TYPE_FWSEC))
            ]
        );
        let v = Vbios::parse(&r).unwrap();
        assert_eq!((v.fwsec_offset, v.end, v.bit.offset), (0x600, 0xe00, 0x100));
        assert_eq!(v.resolve(0x480), Ok(0x680));
        assert_eq!(v.pointer_to(0x680), Some(0x480));
        assert!(v.resolve(0x3ff).is_err());
        assert!(v.resolve(0xc00).is_err());
        assert_eq!(v.ucode_desc_offset(APPID_FWSEC_PROD), Ok(0x700));
        let f = v.fwsec().unwrap();
        assert_eq!(f.desc.ucode_id, 9);
        let i = DmemInterface::find(f.dmem(), f.desc.interface_offset).unwrap();
        assert_eq!(i.mapper_offset, 0x20);
        let mut dmem = f.dmem().to_vec();
        i.patch(&mut dmem, &FwsecCommand::Sb).unwrap();
        assert_eq!(i.command(&dmem), Ok(FwsecCommand::Sb));
        // The DBG entry points below the FWSEC images.
        assert!(matches!(
            v.fwsec_for(APPID_FWSEC_DBG),
            Err(Error::OutOfBounds { .. })
        ));
    }

    #[test]
    fn rejects_broken_chains() {
        let r = rom();
        // Truncated: the last image does not fit.
        assert!(matches!(
            Vbios::parse(&r[..0xdff]),
            Err(Error::Truncated { .. })
        ));
        // No last-image flag: the walk runs off the ROM.
        let mut g = r.clone();
        g[0x600 + 0x35] = 0;
        g[0x600 + 0x4a] = 0;
        assert!(matches!(Vbios::parse(&g), Err(Error::NotFound { .. })));
        // No FWSEC image.
        let mut g = r.clone();
        g[0x600 + 0x34] = CODE_TYPE_EFI;
        assert_eq!(
            Vbios::parse(&g).unwrap_err(),
            Error::NotFound {
                what: "VBIOS FWSEC image"
            }
        );
        // No PC-AT image.
        let mut g = r.clone();
        g[0x34] = CODE_TYPE_EFI;
        assert_eq!(
            Vbios::parse(&g).unwrap_err(),
            Error::NotFound {
                what: "VBIOS PC-AT image"
            }
        );
        // A falcon data pointer past the end.
        let mut g = r.clone();
        g[0x123] = 0x10;
        assert!(matches!(
            Vbios::parse(&g).unwrap().fwsec(),
            Err(Error::OutOfBounds { .. })
        ));
        // A zero-length image.
        let mut g = r;
        g[0x400 + 0x30] = 0;
        g[0x400 + 0x48] = 0;
        assert!(matches!(Vbios::parse(&g), Err(Error::BadField { .. })));
    }
}
