// SPDX-License-Identifier: GPL-2.0
//! Heavy-secure falcon firmware files (`booter_load`, `booter_unload`) in
//! NVIDIA's `0x10de` format (layout: [`crate::firmware::hs`]): a `.bin`
//! file whose image header is an `nvfw_hs_header_v2` followed by what its
//! fields point to.

use super::{bin, put, put_bytes, u32_of};
use crate::firmware::hs::{HsHeaderV2, HsLoadHeaderV2, HsLoadHeaderV2App, HsMetaData};
use crate::wire::Wire;
use alloc::vec::Vec;

/// Alignment of the image in the files built here.
pub const DATA_ALIGN: usize = 0x100;

/// The parts of an HS firmware file.
#[derive(Clone, Copy, Debug)]
pub struct HsFile<'a> {
    /// The production signatures, all of the same size (`num_sig` is their
    /// number, `sig_prod_size` their total size).
    pub signatures: &'a [&'a [u8]],
    /// `*patch_loc`: the image offset the signature is patched into.
    pub patch_loc: u32,
    /// The metadata.
    pub meta: HsMetaData,
    /// The load header; its `num_apps` is written as `apps.len()`.
    pub load: HsLoadHeaderV2,
    /// The app table.
    pub apps: &'a [HsLoadHeaderV2App],
    /// The ucode image (the `nvfw_bin_hdr` payload).
    pub image: &'a [u8],
}

impl HsFile<'_> {
    /// The file, laid out as the real ones are: after the bin header, the
    /// HS header, the signatures, the values `patch_loc`, `patch_sig` (0:
    /// the signatures start at `sig_prod_offset`), the metadata, `num_sig`,
    /// the load header with its app table; then the image at
    /// [`DATA_ALIGN`].
    pub fn build(&self) -> Vec<u8> {
        let base = bin::HEADER_OFFSET;
        let sigs_at = base + HsHeaderV2::SIZE;
        let sigs_len: usize = self.signatures.iter().map(|s| s.len()).sum();
        let patch_loc_at = sigs_at + sigs_len;
        let patch_sig_at = patch_loc_at + 4;
        let meta_at = patch_sig_at + 4;
        let num_sig_at = meta_at + HsMetaData::SIZE;
        let load_at = num_sig_at + 4;
        let load_size = HsLoadHeaderV2::SIZE + self.apps.len() * HsLoadHeaderV2App::SIZE;

        // The image header, at file offset `base`.
        let mut h = Vec::new();
        let header = HsHeaderV2 {
            sig_prod_offset: u32_of(sigs_at),
            sig_prod_size: u32_of(sigs_len),
            patch_loc: u32_of(patch_loc_at),
            patch_sig: u32_of(patch_sig_at),
            meta_data_offset: u32_of(meta_at),
            meta_data_size: HsMetaData::SIZE as u32,
            num_sig: u32_of(num_sig_at),
            header_offset: u32_of(load_at),
            header_size: u32_of(load_size),
        };
        put(&mut h, 0, &header);
        let mut at = sigs_at - base;
        for s in self.signatures {
            put_bytes(&mut h, at, s);
            at += s.len();
        }
        put(&mut h, patch_loc_at - base, &self.patch_loc);
        put(&mut h, patch_sig_at - base, &0u32);
        put(&mut h, meta_at - base, &self.meta);
        put(&mut h, num_sig_at - base, &u32_of(self.signatures.len()));
        let load = HsLoadHeaderV2 {
            num_apps: u32_of(self.apps.len()),
            ..self.load
        };
        put(&mut h, load_at - base, &load);
        for (i, app) in self.apps.iter().enumerate() {
            let at = load_at - base + HsLoadHeaderV2::SIZE + i * HsLoadHeaderV2App::SIZE;
            put(&mut h, at, app);
        }
        bin::file(&h, self.image, DATA_ALIGN)
    }
}

/// A miniature booter (the `firmware::hs` tests' and the `firmware_bin`
/// fuzz seed): 2 signatures of 16 bytes (bytes 0 to 31) at 0x3c, patched
/// at image offset 0x90; fuse version 2, engine mask 1, ucode id 3; code
/// 0..0x10, data 0x80..0x100, one app at 0x10..0x80; a zero image of 0x100
/// bytes at 0x100.
pub fn sample() -> Vec<u8> {
    let sigs: [u8; 0x20] = core::array::from_fn(|i| i as u8);
    HsFile {
        signatures: &[&sigs[..0x10], &sigs[0x10..]],
        patch_loc: 0x90,
        meta: HsMetaData {
            fuse_version: 2,
            engine_id_mask: 1,
            ucode_id: 3,
        },
        load: HsLoadHeaderV2 {
            os_code_offset: 0,
            os_code_size: 0x10,
            os_data_offset: 0x80,
            os_data_size: 0x80,
            ..HsLoadHeaderV2::ZERO
        },
        apps: &[HsLoadHeaderV2App {
            offset: 0x10,
            size: 0x70,
            data_offset: 0x10,
            data_size: 0,
        }],
        image: &[0; 0x100],
    }
    .build()
}
