// SPDX-License-Identifier: GPL-2.0
//! A miniature VBIOS: the chain of images [`crate::firmware::vbios`] walks,
//! as small as it can be. The `firmware::vbios` tests parse it and the
//! `vbios` and `vbios_parts` fuzz seeds are it and its pieces (nvgsp-emu
//! builds a full-size one of its own from the same builders).
//!
//! ```text
//! 0x000  PC-AT image (2 blocks): BIT at 0x100 with token 'p', whose data
//!        at 0x120 points at the falcon ucode table
//! 0x400  EFI image (1 block), skipped by VBIOS pointers
//! 0x600  FWSEC image (4 blocks, last): the falcon ucode table at +0x80
//!        (FWSEC_DBG pointing below the FWSEC images, FWSEC_PROD at
//!        +0x100), FWSEC_PROD at +0x100: descriptor, one signature, IMEM
//!        (0x100 bytes), DMEM (0x200 bytes: the interface table at 0, the
//!        DMEMMAPPER at 0x20, its command buffer at 0x60, 0x40 bytes)
//! ```

use super::{appif, bit, rom, ucode_desc, ucode_table};
use crate::firmware::vbios::appif::{AppifEntryV1, APPIF_ID_DMEMMAPPER};
use crate::firmware::vbios::rom::{CODE_TYPE_EFI, CODE_TYPE_FWSEC, CODE_TYPE_PCI_AT};
use crate::firmware::vbios::ucode_desc::{FalconUcodeDescV3, BCRT30_RSA3K_SIG_SIZE};
use crate::firmware::vbios::ucode_table::{
    FalconUcodeTableEntryV1, APPID_FWSEC_DBG, APPID_FWSEC_PROD,
};
use crate::wire::Wire;
use alloc::vec::Vec;

/// Blocks of the PC-AT image.
pub const PCI_AT_BLOCKS: u16 = 2;
/// Size of the PC-AT image: the base of the VBIOS pointers into the FWSEC
/// image.
pub const PCI_AT_SIZE: usize = PCI_AT_BLOCKS as usize * 512;
/// Offset of the BIT in the PC-AT image.
pub const BIT_OFFSET: usize = 0x100;
/// Offset of the falcon data (token 'p') in the PC-AT image.
pub const FALCON_DATA_OFFSET: u16 = 0x120;
/// Offset of the falcon ucode table in the FWSEC image.
pub const UCODE_TABLE_OFFSET: usize = 0x80;
/// Offset of FWSEC_PROD's descriptor in the FWSEC image.
pub const FWSEC_OFFSET: usize = 0x100;
/// DMEM offset of the DMEMMAPPER.
pub const MAPPER_OFFSET: u32 = 0x20;

/// The VBIOS pointer to offset `off` of the FWSEC image.
fn pointer(off: usize) -> u32 {
    super::u32_of(PCI_AT_SIZE + off)
}

/// One image of `blocks` (at least 1) blocks with the default headers of
/// [`rom::headers`].
fn image(code_type: u8, blocks: u16, last: bool) -> Vec<u8> {
    // The default headers end at 0x4c, inside one block.
    rom::image(&rom::headers(code_type, blocks, last)).expect("default headers fit one block")
}

/// The PC-AT image with its BIT.
pub fn pci_at_image() -> Vec<u8> {
    let mut img = image(CODE_TYPE_PCI_AT, PCI_AT_BLOCKS, false);
    let table = pointer(UCODE_TABLE_OFFSET).to_le_bytes();
    let token = bit::falcon_data_token(FALCON_DATA_OFFSET);
    // The BIT and its data lie well inside the 1 KiB image.
    bit::put(&mut img, BIT_OFFSET, &[(token, &table)]).expect("BIT fits the PC-AT image");
    img
}

/// The falcon ucode table: FWSEC_DBG (pointer 0, below the FWSEC images)
/// and FWSEC_PROD.
pub fn ucode_table() -> Vec<u8> {
    ucode_table::table(&[
        FalconUcodeTableEntryV1 {
            application_id: APPID_FWSEC_DBG,
            target_id: 0,
            desc_ptr: 0,
        },
        FalconUcodeTableEntryV1 {
            application_id: APPID_FWSEC_PROD,
            target_id: 0,
            desc_ptr: pointer(FWSEC_OFFSET),
        },
    ])
}

/// FWSEC_PROD's DMEM image: the interface table at 0 with one entry, the
/// DMEMMAPPER.
pub fn dmem() -> Vec<u8> {
    let mut d = alloc::vec![0u8; 0x200];
    let entry = AppifEntryV1 {
        id: APPIF_ID_DMEMMAPPER,
        dmem_offset: MAPPER_OFFSET,
    };
    // The table and the mapper end at 0x60, inside the 0x200 bytes.
    appif::put(&mut d, 0, &[entry], &appif::mapper(0x60, 0x40)).expect("DMEM interface fits");
    d
}

/// FWSEC_PROD: one (zero) signature for fuse version 0, patched at DMEM
/// 0x80; engine mask 0x400 (GSP), ucode id 9; a zero IMEM image.
pub fn fwsec_ucode() -> Vec<u8> {
    ucode_desc::Fwsec {
        desc: FalconUcodeDescV3 {
            pkc_data_offset: 0x80,
            interface_offset: 0,
            engine_id_mask: 0x400,
            ucode_id: 9,
            signature_versions: 1,
            ..FalconUcodeDescV3::ZERO
        },
        signatures: &[[0; BCRT30_RSA3K_SIG_SIZE]],
        imem: &[0; 0x100],
        dmem: &dmem(),
    }
    .build()
}

/// The whole ROM.
pub fn rom() -> Vec<u8> {
    let efi = image(CODE_TYPE_EFI, 1, false);
    let mut fwsec = image(CODE_TYPE_FWSEC, 4, true);
    for (at, part) in [
        (UCODE_TABLE_OFFSET, ucode_table()),
        (FWSEC_OFFSET, fwsec_ucode()),
    ] {
        super::put_bytes(&mut fwsec, at, &part);
    }
    [pci_at_image(), efi, fwsec].concat()
}
