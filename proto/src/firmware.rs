// SPDX-License-Identifier: GPL-2.0
//! Firmware-file and VBIOS formats of the GA102 GSP boot chain.
//!
//! The driver loads four files that Debian ships for nouveau's r570 support,
//! `nvidia/ga102/gsp/{bootloader,booter_load,booter_unload,gsp}-570.144.bin`,
//! and one ucode it finds in the VBIOS:
//!
//! - [`bin_hdr`]: the generic `nvfw_bin_hdr` that opens the three `.bin`
//!   falcon/RISC-V files;
//! - [`hs`]: the heavy-secure headers of `booter_load`/`booter_unload`
//!   (`nvfw_hs_header_v2`, `nvfw_hs_load_header_v2`);
//! - [`riscv`]: `RM_RISCV_UCODE_DESC`, the header of the GSP bootloader;
//! - [`elf`] and [`gsp_rm`]: the ELF64 container of GSP-RM itself
//!   (`.fwimage`, `.fwsignature_ga10x`, `.fwversion`);
//! - [`vbios`]: the PCI expansion ROM, the BIT table, the falcon ucode table
//!   and FWSEC with its DMEM interface (DMEMMAPPER, FRTS command).
//!
//! Every parser works on a byte slice, checks magic numbers, versions, sizes
//! and offsets, and returns an [`Error`] rather than panicking; nothing here
//! indexes a slice without a bounds check. The sub-modules are declared with
//! explicit `#[path]`s so that this file can also be compiled into the kernel
//! module through a `#[path]` include (where a plain `mod x;` would be
//! looked up next to this file instead of in `firmware/`).

use crate::wire::Wire;
use core::fmt;
use core::ops::Range;

#[path = "firmware/bin_hdr.rs"]
pub mod bin_hdr;
#[path = "firmware/elf.rs"]
pub mod elf;
#[path = "firmware/gsp_rm.rs"]
pub mod gsp_rm;
#[path = "firmware/hs.rs"]
pub mod hs;
#[path = "firmware/riscv.rs"]
pub mod riscv;
#[path = "firmware/vbios.rs"]
pub mod vbios;

#[cfg(test)]
#[path = "firmware/real_files.rs"]
mod real_files;

/// Why a firmware file or VBIOS image was rejected.
///
/// `what` names the structure or field in the terms of its published
/// definition, so that a driver can log one line that says what was wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// `need` bytes at `offset` were needed but the input has only `have`.
    Truncated {
        /// The structure that does not fit.
        what: &'static str,
        /// Where it starts.
        offset: usize,
        /// How many bytes it needs.
        need: usize,
        /// How many bytes the input has.
        have: usize,
    },
    /// A magic number or signature does not match.
    BadMagic {
        /// The structure whose magic is wrong.
        what: &'static str,
        /// The value found (the first four bytes, little-endian, for strings).
        found: u32,
    },
    /// A version this parser does not understand.
    BadVersion {
        /// The structure whose version is unknown.
        what: &'static str,
        /// The version found.
        found: u32,
    },
    /// A field holds a value its format does not allow (a zero count, a
    /// size smaller than the structure, a size that does not divide, ...).
    BadField {
        /// The field.
        what: &'static str,
        /// The value found.
        found: u64,
    },
    /// An `offset`/`size` pair reaches past `limit`, the end of the region
    /// it must lie in (or overflows).
    OutOfBounds {
        /// The region described by the pair.
        what: &'static str,
        /// Its offset.
        offset: u64,
        /// Its size.
        size: u64,
        /// The end of the region that must contain it.
        limit: u64,
    },
    /// Something looked up (a section, a token, a table entry) is absent.
    NotFound {
        /// What was looked for.
        what: &'static str,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Truncated {
                what,
                offset,
                need,
                have,
            } => write!(
                f,
                "{what}: needs {need} bytes at {offset:#x}, input has {have:#x}"
            ),
            Error::BadMagic { what, found } => write!(f, "{what}: bad magic {found:#x}"),
            Error::BadVersion { what, found } => {
                write!(f, "{what}: unsupported version {found:#x}")
            }
            Error::BadField { what, found } => write!(f, "{what}: invalid value {found:#x}"),
            Error::OutOfBounds {
                what,
                offset,
                size,
                limit,
            } => write!(
                f,
                "{what}: {size:#x} bytes at {offset:#x} exceed the limit {limit:#x}"
            ),
            Error::NotFound { what } => write!(f, "{what}: not found"),
        }
    }
}

/// Result of the firmware parsers.
pub type Result<T> = core::result::Result<T, Error>;

/// Where one piece of a falcon ucode goes: `len` bytes from offset `src` of
/// the image to falcon memory address `dst` (nova-core's
/// `FalconDmaLoadTarget`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadTarget {
    /// Offset in the ucode image.
    pub src: u32,
    /// Address in the falcon's IMEM or DMEM.
    pub dst: u32,
    /// Length in bytes.
    pub len: u32,
}

/// The fuse version a `NV_FUSE_OPT_FPF_<engine>_UCODE<id>_VERSION` register
/// value stands for: the position of its highest set bit in the 16-bit data
/// field, counting from 1, or 0 when no bit is set (nouveau's `fls()`,
/// nova-core's `signature_reg_fuse_version_ga102`). Both signature choices
/// ([`hs::HsFirmware::signature_index`],
/// [`vbios::ucode_desc::FwsecUcode::signature_index`]) take this value.
pub const fn fuse_version(reg: u32) -> u32 {
    16 - ((reg & 0xffff) as u16).leading_zeros()
}

/// `offset..offset + size` as a range inside `limit` bytes, or
/// [`Error::OutOfBounds`].
pub(crate) fn range(
    what: &'static str,
    offset: u64,
    size: u64,
    limit: usize,
) -> Result<Range<usize>> {
    let err = Error::OutOfBounds {
        what,
        offset,
        size,
        limit: limit as u64,
    };
    let end = offset.checked_add(size).ok_or(err)?;
    if end > limit as u64 {
        return Err(err);
    }
    // Both fit in `limit`, which is a usize.
    let start = usize::try_from(offset).map_err(|_| err)?;
    let end = usize::try_from(end).map_err(|_| err)?;
    Ok(start..end)
}

/// `len` bytes of `data` at `offset`, or [`Error::Truncated`].
pub(crate) fn bytes<'a>(
    what: &'static str,
    data: &'a [u8],
    offset: usize,
    len: usize,
) -> Result<&'a [u8]> {
    offset
        .checked_add(len)
        .and_then(|end| data.get(offset..end))
        .ok_or(Error::Truncated {
            what,
            offset,
            need: len,
            have: data.len(),
        })
}

/// `len` mutable bytes of `data` at `offset`, or [`Error::Truncated`].
pub(crate) fn bytes_mut<'a>(
    what: &'static str,
    data: &'a mut [u8],
    offset: usize,
    len: usize,
) -> Result<&'a mut [u8]> {
    let have = data.len();
    offset
        .checked_add(len)
        .and_then(|end| data.get_mut(offset..end))
        .ok_or(Error::Truncated {
            what,
            offset,
            need: len,
            have,
        })
}

/// Decodes a `T` at `offset` of `data`.
pub(crate) fn read<T: Wire>(what: &'static str, data: &[u8], offset: usize) -> Result<T> {
    let b = bytes(what, data, offset, T::SIZE)?;
    T::decode(b).ok_or(Error::Truncated {
        what,
        offset,
        need: T::SIZE,
        have: data.len(),
    })
}

/// Encodes `v` at `offset` of `data`.
pub(crate) fn write<T: Wire>(
    what: &'static str,
    v: &T,
    data: &mut [u8],
    offset: usize,
) -> Result<()> {
    let have = data.len();
    let b = bytes_mut(what, data, offset, T::SIZE)?;
    v.encode(b).ok_or(Error::Truncated {
        what,
        offset,
        need: T::SIZE,
        have,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers_check_bounds_and_overflow() {
        assert_eq!(range("r", 4, 4, 8), Ok(4..8));
        assert!(matches!(
            range("r", 5, 4, 8),
            Err(Error::OutOfBounds { .. })
        ));
        assert!(matches!(
            range("r", u64::MAX, 2, 8),
            Err(Error::OutOfBounds { .. })
        ));
        let d = [1u8, 2, 3, 4, 5];
        assert_eq!(bytes("b", &d, 1, 4), Ok(&d[1..5]));
        assert!(matches!(bytes("b", &d, 2, 4), Err(Error::Truncated { .. })));
        assert!(matches!(
            bytes("b", &d, usize::MAX, 2),
            Err(Error::Truncated { .. })
        ));
        assert_eq!(read::<u32>("u", &d, 1), Ok(0x0504_0302));
        let mut m = [0u8; 4];
        assert!(write("w", &0x1234u16, &mut m, 3).is_err());
        write("w", &0x1234u16, &mut m, 2).unwrap();
        assert_eq!(m, [0, 0, 0x34, 0x12]);
        assert_eq!(fuse_version(0), 0);
        assert_eq!(fuse_version(1), 1);
        assert_eq!(fuse_version(0b110), 3);
        assert_eq!(fuse_version(0x8000), 16);
    }
}
