// SPDX-License-Identifier: GPL-2.0
//! The GSP bootloader file: a `.bin` file whose image header is an
//! `RM_RISCV_UCODE_DESC` (layout: [`crate::firmware::riscv`]).

use super::{bin, enc};
use crate::firmware::riscv::RiscvUcodeDesc;
use crate::wire::Wire;
use alloc::vec::Vec;

/// Alignment of the image in the files built here.
pub const DATA_ALIGN: usize = 0x100;

/// A bootloader file: `desc` as the image header, `image` at
/// [`DATA_ALIGN`].
pub fn bootloader(desc: &RiscvUcodeDesc, image: &[u8]) -> Vec<u8> {
    bin::file(&enc(desc), image, DATA_ALIGN)
}

/// A miniature bootloader (the `firmware::riscv` tests' and the
/// `firmware_bin` fuzz seed): a version 5 descriptor at 0x18 with the
/// manifest at 0 (0x20 bytes), monitor data at 0x20 (0x20), monitor code
/// at 0x40 (0x40), the bootloader at 0xc0 (0x30) with its parameters at
/// 0xf0 (0x10), in a zero image of 0x100 bytes at 0x100.
pub fn sample() -> Vec<u8> {
    let desc = RiscvUcodeDesc {
        version: 5,
        bootloader_offset: 0xc0,
        bootloader_size: 0x30,
        bootloader_param_offset: 0xf0,
        bootloader_param_size: 0x10,
        manifest_offset: 0,
        manifest_size: 0x20,
        monitor_data_offset: 0x20,
        monitor_data_size: 0x20,
        monitor_code_offset: 0x40,
        monitor_code_size: 0x40,
        is_monitor_enabled: 1,
        fb_reserved_size: 0x100,
        ..RiscvUcodeDesc::ZERO
    };
    bootloader(&desc, &[0; 0x100])
}
