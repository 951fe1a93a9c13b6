// SPDX-License-Identifier: GPL-2.0
//! `.bin` firmware files: the `nvfw_bin_hdr` at 0, the image-specific
//! header right after it (where the r570 files have it) and the payload at
//! an aligned offset past that (layout: [`crate::firmware::bin_hdr`]).

use super::{put, put_bytes, u32_of};
use crate::firmware::bin_hdr::{BinHdr, BIN_MAGIC, BIN_VERSION};
use crate::wire::Wire;
use alloc::vec::Vec;

/// File offset of the image-specific header: right after the
/// `nvfw_bin_hdr`, so the offsets an HS header holds are known before the
/// file is built.
pub const HEADER_OFFSET: usize = BinHdr::SIZE;

/// A `.bin` file: the `nvfw_bin_hdr`, `header` at [`HEADER_OFFSET`] and
/// `image` (the payload) at the first multiple of `align` past the header;
/// the file ends with the payload.
pub fn file(header: &[u8], image: &[u8], align: usize) -> Vec<u8> {
    let data_offset = (HEADER_OFFSET + header.len()).next_multiple_of(align.max(1));
    let mut f = Vec::new();
    put_bytes(&mut f, HEADER_OFFSET, header);
    put_bytes(&mut f, data_offset, image);
    let hdr = BinHdr {
        bin_magic: BIN_MAGIC,
        bin_ver: BIN_VERSION,
        bin_size: u32_of(f.len()),
        header_offset: u32_of(HEADER_OFFSET),
        data_offset: u32_of(data_offset),
        data_size: u32_of(image.len()),
    };
    put(&mut f, 0, &hdr);
    f
}
