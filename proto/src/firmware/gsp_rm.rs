// SPDX-License-Identifier: GPL-2.0
//! The GSP-RM firmware file, `gsp-570.144.bin`: an ELF64 whose sections
//! carry the image the GSP bootloader loads and its per-chip signatures.
//!
//! nouveau (Linux 7.3 `nvkm/subdev/gsp/rm/r535/gsp.c`, `r535_gsp_oneinit`)
//! loads `.fwimage` (mapped for the bootloader through the radix3 page
//! tables) and the chip's signature section, `.fwsignature_ga10x` on GA102
//! (`nvkm/subdev/gsp/ga102.c`, `sig_section`). The file also has
//! `.fwversion`, the NUL-terminated version string ("570.144").

use super::elf::Elf64;
use super::{Error, Result};

/// The section holding the GSP-RM image.
pub const SECTION_IMAGE: &str = ".fwimage";
/// The section holding the version string.
pub const SECTION_VERSION: &str = ".fwversion";
/// The signature section of GA10x (GA102 to GA107).
pub const SECTION_SIGNATURE_GA10X: &str = ".fwsignature_ga10x";

/// The parts of a GSP-RM ELF the boot needs.
#[derive(Clone, Copy, Debug)]
pub struct GspRmFirmware<'a> {
    /// `.fwimage`.
    pub image: &'a [u8],
    /// The chip's signature section.
    pub signature: &'a [u8],
    /// `.fwversion` up to its first NUL, if the section exists.
    pub version: Option<&'a [u8]>,
}

impl<'a> GspRmFirmware<'a> {
    /// Parses `file` and picks `signature_section` (e.g.
    /// [`SECTION_SIGNATURE_GA10X`]); the image and the signature must not be
    /// empty.
    pub fn parse(file: &'a [u8], signature_section: &str) -> Result<Self> {
        let elf = Elf64::parse(file)?;
        let image = elf.section(SECTION_IMAGE)?.data;
        if image.is_empty() {
            return Err(Error::BadField {
                what: "GSP-RM .fwimage size",
                found: 0,
            });
        }
        let signature = elf.section(signature_section)?.data;
        if signature.is_empty() {
            return Err(Error::BadField {
                what: "GSP-RM signature section size",
                found: 0,
            });
        }
        let version = match elf.section(SECTION_VERSION) {
            Ok(s) => Some(s.data.split(|&c| c == 0).next().unwrap_or(&[])),
            Err(Error::NotFound { .. }) => None,
            Err(e) => return Err(e),
        };
        Ok(Self {
            image,
            signature,
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::elf::elf64;

    #[test]
    fn picks_sections() {
        let f = elf64(&[
            (".fwimage", b"img"),
            (".fwversion", b"570.144\0"),
            (".fwsignature_ga10x", b"s"),
        ]);
        let g = GspRmFirmware::parse(&f, SECTION_SIGNATURE_GA10X).unwrap();
        assert_eq!(
            (g.image, g.signature, g.version),
            (&b"img"[..], &b"s"[..], Some(&b"570.144"[..]))
        );
        assert!(matches!(
            GspRmFirmware::parse(&f, ".fwsignature_tu10x"),
            Err(Error::NotFound { .. })
        ));
        let f = elf64(&[(".fwimage", b""), (".fwsignature_ga10x", b"s")]);
        assert!(matches!(
            GspRmFirmware::parse(&f, SECTION_SIGNATURE_GA10X),
            Err(Error::BadField { .. })
        ));
        let f = elf64(&[(".fwimage", b"i"), (".fwsignature_ga10x", b"s")]);
        assert_eq!(
            GspRmFirmware::parse(&f, SECTION_SIGNATURE_GA10X)
                .unwrap()
                .version,
            None
        );
    }
}
