// SPDX-License-Identifier: GPL-2.0
//! FWSEC as the VBIOS stores it (layout:
//! [`crate::firmware::vbios::ucode_desc`]): a `FalconUCodeDescV3`, its
//! RSA-3K signatures, the IMEM image and the DMEM image.

use super::{put, u16_of, u32_of, u8_of};
use crate::firmware::vbios::ucode_desc::{
    vdesc, FalconUcodeDescV3, BCRT30_RSA3K_SIG_SIZE, FALCON_UCODE_DESC_V3_SIZE, VDESC_VERSION_V3,
};
use alloc::vec::Vec;

/// One FWSEC signature.
pub type Signature = [u8; BCRT30_RSA3K_SIG_SIZE];

/// The parts of a FWSEC ucode.
#[derive(Clone, Copy, Debug)]
pub struct Fwsec<'a> {
    /// The descriptor; [`Self::desc`] sets what the parts below decide.
    pub desc: FalconUcodeDescV3,
    /// The signatures.
    pub signatures: &'a [Signature],
    /// The IMEM image.
    pub imem: &'a [u8],
    /// The DMEM image.
    pub dmem: &'a [u8],
}

impl Fwsec<'_> {
    /// The descriptor with the header word (version 3, size with the
    /// signatures), `StoredSize`, `IMEMLoadSize`, `DMEMLoadSize` and
    /// `SignatureCount` set from the parts.
    pub fn desc(&self) -> FalconUcodeDescV3 {
        let size = FALCON_UCODE_DESC_V3_SIZE + self.signatures.len() * BCRT30_RSA3K_SIG_SIZE;
        FalconUcodeDescV3 {
            hdr: vdesc(VDESC_VERSION_V3, u16_of(size)),
            stored_size: u32_of(self.imem.len() + self.dmem.len()),
            imem_load_size: u32_of(self.imem.len()),
            dmem_load_size: u32_of(self.dmem.len()),
            signature_count: u8_of(self.signatures.len()),
            ..self.desc
        }
    }

    /// The descriptor ([`Self::desc`]), the signatures right after its 44
    /// bytes, then the IMEM and the DMEM image.
    pub fn build(&self) -> Vec<u8> {
        let mut d = Vec::new();
        put(&mut d, 0, &self.desc());
        for s in self.signatures {
            d.extend_from_slice(s);
        }
        d.extend_from_slice(self.imem);
        d.extend_from_slice(self.dmem);
        d
    }
}
