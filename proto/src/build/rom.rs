// SPDX-License-Identifier: GPL-2.0
//! PCI expansion ROM images: the ROM header, the PCIR and NVIDIA's NPDE
//! (layout: [`crate::firmware::vbios::rom`]), the processor-architecture
//! bytes of the ROM header for x86 and EFI images, and the legacy option
//! ROM checksum.
//!
//! The x86 bytes are the IBM PC option ROM convention the PCI Firmware
//! Specification keeps (offset 02h: size in 512-byte blocks, 03h: the
//! entry point, a jump); the EFI ones are UEFI's
//! `EFI_PCI_EXPANSION_ROM_HEADER` (EDK II
//! `MdePkg/Include/IndustryStandard/Pci22.h`).

use super::u8_of;
use crate::firmware::vbios::rom::{
    ImageHeaders, Npde, PciRomHeader, Pcir, LAST_IMAGE, NPDE_REVISION_11, NPDE_SIGNATURE,
    PCIR_SIGNATURE, ROM_SIGNATURE,
};
use crate::firmware::Result;
use crate::wire::Wire;
use alloc::vec::Vec;

/// Vendor id of the PCIRs built here.
pub const VENDOR_NVIDIA: u16 = 0x10de;
/// Where [`headers`] puts the PCIR.
pub const PCIR_OFFSET: u16 = 0x20;

/// `EFI_PCI_EXPANSION_ROM_HEADER_EFISIGNATURE`.
pub const EFI_ROM_SIGNATURE: u32 = 0x0ef1;
/// `EFI_IMAGE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER`.
pub const EFI_SUBSYSTEM_BOOT_SERVICE_DRIVER: u16 = 0x000b;
/// `EFI_IMAGE_MACHINE_X64`.
pub const EFI_MACHINE_X64: u16 = 0x8664;

/// The processor-architecture bytes of an EFI image of `blocks` blocks:
/// the fields of `EFI_PCI_EXPANSION_ROM_HEADER` between its signature and
/// its PCIR offset, for an uncompressed x64 boot service driver whose PE
/// image starts at `image_offset`.
pub fn efi_arch(blocks: u16, image_offset: u16) -> [u8; 22] {
    let mut b = [0u8; 22];
    // Offsets in the header, less its 2-byte signature.
    b[0x00..0x02].copy_from_slice(&blocks.to_le_bytes()); // InitializationSize
    b[0x02..0x06].copy_from_slice(&EFI_ROM_SIGNATURE.to_le_bytes()); // EfiSignature
    b[0x06..0x08].copy_from_slice(&EFI_SUBSYSTEM_BOOT_SERVICE_DRIVER.to_le_bytes());
    b[0x08..0x0a].copy_from_slice(&EFI_MACHINE_X64.to_le_bytes());
    // CompressionType 0 (none) and 8 reserved bytes.
    b[0x14..0x16].copy_from_slice(&image_offset.to_le_bytes()); // EfiImageHeaderOffset
    b
}

/// The processor-architecture bytes of an x86 (PC-AT) image of `blocks`
/// blocks: its size in blocks (saturated), then a short jump (`eb 4b`) to
/// the entry point at 0x50.
pub fn x86_arch(blocks: u16) -> [u8; 22] {
    let mut b = [0u8; 22];
    b[..3].copy_from_slice(&[u8_of(blocks.into()), 0xeb, 0x4b]);
    b
}

/// The headers of an image of `blocks` 512-byte blocks and `code_type`:
/// the standard ROM header (no architecture bytes) with the PCIR at
/// [`PCIR_OFFSET`], a PCIR of vendor 0x10de (device 0, everything else 0
/// but its length) and an NPDE 1.1 that repeats the length and the
/// last-image flag.
pub fn headers(code_type: u8, blocks: u16, last: bool) -> ImageHeaders {
    let last_image = if last { LAST_IMAGE } else { 0 };
    ImageHeaders {
        rom: PciRomHeader {
            signature: ROM_SIGNATURE,
            reserved: [0; 22],
            pci_data_struct_offset: PCIR_OFFSET,
        },
        pcir: Pcir {
            signature: PCIR_SIGNATURE,
            vendor_id: VENDOR_NVIDIA,
            pci_data_struct_len: Pcir::SIZE as u16,
            image_len: blocks,
            code_type,
            last_image,
            ..Pcir::ZERO
        },
        npde: Some(Npde {
            signature: NPDE_SIGNATURE,
            revision: NPDE_REVISION_11,
            length: Npde::SIZE as u16,
            subimage_len: blocks,
            last_image,
            flags: 0,
        }),
    }
}

/// An image of the size `headers` give, zero but for the headers; an error
/// if they do not fit in it.
pub fn image(headers: &ImageHeaders) -> Result<Vec<u8>> {
    let mut img = alloc::vec![0u8; headers.size()];
    headers.encode(&mut img)?;
    Ok(img)
}

/// Sets the last byte of a legacy (PC-AT) image so that all its bytes sum
/// to zero, as the option ROM convention wants.
pub fn put_checksum(img: &mut [u8]) {
    if let Some((last, rest)) = img.split_last_mut() {
        *last = rest
            .iter()
            .fold(0u8, |s, &x| s.wrapping_add(x))
            .wrapping_neg();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::firmware::vbios::rom::CODE_TYPE_EFI;

    #[test]
    fn arch_bytes_where_the_specs_put_them() {
        let mut h = headers(CODE_TYPE_EFI, 2, true);
        h.rom.reserved = efi_arch(2, 0x60);
        let img = image(&h).unwrap();
        // EFI_PCI_EXPANSION_ROM_HEADER: signature, initialization size,
        // EFI signature, subsystem, machine, image offset, PCIR offset.
        assert_eq!(&img[..8], &[0x55, 0xaa, 2, 0, 0xf1, 0x0e, 0, 0]);
        assert_eq!(&img[0x08..0x0c], &[0x0b, 0, 0x64, 0x86]);
        assert_eq!(&img[0x16..0x1a], &[0x60, 0, 0x20, 0]);
        assert_eq!(&x86_arch(0x100)[..3], &[0xff, 0xeb, 0x4b]);
    }

    #[test]
    fn checksum_makes_the_sum_zero() {
        let mut img = [7u8, 9, 1, 0];
        put_checksum(&mut img);
        assert_eq!(img.iter().fold(0u8, |s, &x| s.wrapping_add(x)), 0);
        put_checksum(&mut []);
    }
}
