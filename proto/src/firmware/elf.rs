// SPDX-License-Identifier: GPL-2.0
//! A minimal ELF64 little-endian reader: find a section by name.
//!
//! Enough for `gsp-570.144.bin`, a relocatable RISC-V ELF64 whose sections
//! carry the GSP-RM image and its signatures (nouveau
//! `nvkm/subdev/gsp/rm/r535/gsp.c`, `r535_gsp_elf_section`). Layouts are the
//! System V ABI's `Elf64_Ehdr`/`Elf64_Shdr` (Linux `include/uapi/linux/elf.h`).
//! Unlike nouveau's lookup, every offset, size, count and name is checked
//! against the file. Extended section numbering (`e_shnum == 0`,
//! `e_shstrndx == SHN_XINDEX`) is not supported.

use super::{bytes, range, read, Error, Result};
use crate::wire::Wire;

/// `ELFMAG`.
pub const ELF_MAGIC: [u8; 4] = *b"\x7fELF";
/// `ELFCLASS64`.
pub const ELFCLASS64: u8 = 2;
/// `ELFDATA2LSB`.
pub const ELFDATA2LSB: u8 = 1;
/// `EV_CURRENT`.
pub const EV_CURRENT: u8 = 1;
/// `SHT_STRTAB`.
pub const SHT_STRTAB: u32 = 3;
/// `SHT_NOBITS`: a section without file data.
pub const SHT_NOBITS: u32 = 8;

crate::wire_struct! {
    /// `Elf64_Ehdr`.
    pub struct Elf64Header {
        /// `e_ident`: magic, class, data encoding, version, ABI, padding.
        pub e_ident: [u8; 16],
        /// `e_type`.
        pub e_type: u16,
        /// `e_machine` (243 = RISC-V).
        pub e_machine: u16,
        /// `e_version`.
        pub e_version: u32,
        /// `e_entry`.
        pub e_entry: u64,
        /// `e_phoff`.
        pub e_phoff: u64,
        /// `e_shoff`: file offset of the section header table.
        pub e_shoff: u64,
        /// `e_flags`.
        pub e_flags: u32,
        /// `e_ehsize`.
        pub e_ehsize: u16,
        /// `e_phentsize`.
        pub e_phentsize: u16,
        /// `e_phnum`.
        pub e_phnum: u16,
        /// `e_shentsize`: must be 64.
        pub e_shentsize: u16,
        /// `e_shnum`: number of section headers.
        pub e_shnum: u16,
        /// `e_shstrndx`: index of the section-name string table.
        pub e_shstrndx: u16,
    }

    /// `Elf64_Shdr`.
    pub struct Elf64SectionHeader {
        /// `sh_name`: offset of the name in the section-name table.
        pub sh_name: u32,
        /// `sh_type`.
        pub sh_type: u32,
        /// `sh_flags`.
        pub sh_flags: u64,
        /// `sh_addr`.
        pub sh_addr: u64,
        /// `sh_offset`: file offset of the contents.
        pub sh_offset: u64,
        /// `sh_size`: size of the contents.
        pub sh_size: u64,
        /// `sh_link`.
        pub sh_link: u32,
        /// `sh_info`.
        pub sh_info: u32,
        /// `sh_addralign`.
        pub sh_addralign: u64,
        /// `sh_entsize`.
        pub sh_entsize: u64,
    }
}

/// One section: its name, header and contents.
#[derive(Clone, Copy, Debug)]
pub struct Section<'a> {
    /// The name, without its NUL.
    pub name: &'a [u8],
    /// The section header.
    pub header: Elf64SectionHeader,
    /// The contents (empty for `SHT_NOBITS`).
    pub data: &'a [u8],
}

/// A checked ELF64 little-endian file.
#[derive(Clone, Copy, Debug)]
pub struct Elf64<'a> {
    /// The file header.
    pub header: Elf64Header,
    file: &'a [u8],
    shstrtab: &'a [u8],
}

impl<'a> Elf64<'a> {
    /// Parses the file header and checks the section header table and the
    /// section-name string table.
    pub fn parse(file: &'a [u8]) -> Result<Self> {
        let header: Elf64Header = read("Elf64_Ehdr", file, 0)?;
        let id = &header.e_ident;
        if id[..4] != ELF_MAGIC {
            return Err(Error::BadMagic {
                what: "ELF e_ident magic",
                found: u32::from_le_bytes([id[0], id[1], id[2], id[3]]),
            });
        }
        if id[4] != ELFCLASS64 || id[5] != ELFDATA2LSB {
            return Err(Error::BadField {
                what: "ELF class/data (need ELF64 little-endian)",
                found: u64::from(id[4]) << 8 | u64::from(id[5]),
            });
        }
        if id[6] != EV_CURRENT || header.e_version != u32::from(EV_CURRENT) {
            return Err(Error::BadVersion {
                what: "ELF version",
                found: header.e_version,
            });
        }
        if usize::from(header.e_shentsize) != Elf64SectionHeader::SIZE {
            return Err(Error::BadField {
                what: "ELF e_shentsize",
                found: header.e_shentsize.into(),
            });
        }
        if header.e_shnum == 0 || header.e_shstrndx >= header.e_shnum {
            return Err(Error::BadField {
                what: "ELF e_shnum/e_shstrndx",
                found: u64::from(header.e_shnum) << 16 | u64::from(header.e_shstrndx),
            });
        }
        let table_size = u64::from(header.e_shnum) * Elf64SectionHeader::SIZE as u64;
        range(
            "ELF section header table",
            header.e_shoff,
            table_size,
            file.len(),
        )?;
        let mut elf = Self {
            header,
            file,
            shstrtab: &[],
        };
        let strtab = elf.section_header(header.e_shstrndx.into())?;
        if strtab.sh_type != SHT_STRTAB {
            return Err(Error::BadField {
                what: "ELF e_shstrndx section type",
                found: strtab.sh_type.into(),
            });
        }
        let r = range(
            "ELF .shstrtab",
            strtab.sh_offset,
            strtab.sh_size,
            file.len(),
        )?;
        elf.shstrtab = bytes("ELF .shstrtab", file, r.start, r.len())?;
        Ok(elf)
    }

    /// The number of sections (including the null section 0).
    pub fn section_count(&self) -> usize {
        self.header.e_shnum.into()
    }

    fn section_header(&self, index: usize) -> Result<Elf64SectionHeader> {
        if index >= self.section_count() {
            return Err(Error::NotFound {
                what: "ELF section index",
            });
        }
        // `parse` checked the whole table lies in the file.
        let at = self.header.e_shoff as usize + index * Elf64SectionHeader::SIZE;
        read("Elf64_Shdr", self.file, at)
    }

    /// Section number `index`, with its name and contents checked.
    pub fn section_at(&self, index: usize) -> Result<Section<'a>> {
        let header = self.section_header(index)?;
        let name_at = header.sh_name as usize;
        let tail = self.shstrtab.get(name_at..).ok_or(Error::OutOfBounds {
            what: "ELF section name",
            offset: header.sh_name.into(),
            size: 1,
            limit: self.shstrtab.len() as u64,
        })?;
        let len = tail.iter().position(|&c| c == 0).ok_or(Error::BadField {
            what: "ELF section name (no NUL)",
            found: header.sh_name.into(),
        })?;
        let name = tail.get(..len).unwrap_or(&[]);
        let data = if header.sh_type == SHT_NOBITS {
            &[][..]
        } else {
            let r = range(
                "ELF section contents",
                header.sh_offset,
                header.sh_size,
                self.file.len(),
            )?;
            bytes("ELF section contents", self.file, r.start, r.len())?
        };
        Ok(Section { name, header, data })
    }

    /// The first section called `name`, or [`Error::NotFound`]. A section
    /// that is malformed (bad name or contents outside the file) is an
    /// error even if it is not the one looked for.
    pub fn section(&self, name: &str) -> Result<Section<'a>> {
        for i in 0..self.section_count() {
            let s = self.section_at(i)?;
            if s.name == name.as_bytes() {
                return Ok(s);
            }
        }
        Err(Error::NotFound {
            what: "ELF section",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::elf::elf64;
    use core::mem::offset_of;

    #[test]
    fn layouts_match_elf64() {
        assert_eq!(Elf64Header::SIZE, 64);
        assert_eq!(offset_of!(Elf64Header, e_shoff), 0x28);
        assert_eq!(offset_of!(Elf64Header, e_shentsize), 0x3a);
        assert_eq!(offset_of!(Elf64Header, e_shnum), 0x3c);
        assert_eq!(offset_of!(Elf64Header, e_shstrndx), 0x3e);
        assert_eq!(Elf64SectionHeader::SIZE, 64);
        assert_eq!(offset_of!(Elf64SectionHeader, sh_offset), 0x18);
        assert_eq!(offset_of!(Elf64SectionHeader, sh_size), 0x20);
    }

    #[test]
    fn finds_sections() {
        let f = elf64(&[(".fwimage", b"image"), (".fwsignature_ga10x", b"sig")]);
        let e = Elf64::parse(&f).unwrap();
        assert_eq!(e.section_count(), 4);
        assert_eq!(e.section(".fwimage").unwrap().data, b"image");
        assert_eq!(e.section(".fwsignature_ga10x").unwrap().data, b"sig");
        assert_eq!(
            e.section(".fwsig").unwrap_err(),
            Error::NotFound {
                what: "ELF section"
            }
        );
        assert!(e.section_at(4).is_err());
    }

    #[test]
    fn rejects_corruption() {
        let f = elf64(&[(".fwimage", b"image")]);
        let shoff = u64::from_le_bytes(f[0x28..0x30].try_into().unwrap()) as usize;
        assert!(Elf64::parse(&f[..f.len() - 1]).is_err());
        assert!(Elf64::parse(&f[..63]).is_err());
        let patch = |at: usize, v: &[u8]| {
            let mut g = f.clone();
            g[at..at + v.len()].copy_from_slice(v);
            g
        };
        assert!(matches!(
            Elf64::parse(&patch(0, b"\x7fELG")),
            Err(Error::BadMagic { .. })
        ));
        assert!(matches!(
            Elf64::parse(&patch(4, &[1])),
            Err(Error::BadField { .. })
        ));
        assert!(matches!(
            Elf64::parse(&patch(5, &[2])),
            Err(Error::BadField { .. })
        ));
        assert!(matches!(
            Elf64::parse(&patch(6, &[2])),
            Err(Error::BadVersion { .. })
        ));
        assert!(matches!(
            Elf64::parse(&patch(0x3a, &[40, 0])),
            Err(Error::BadField { .. })
        ));
        assert!(matches!(
            Elf64::parse(&patch(0x3e, &[3, 0])),
            Err(Error::BadField { .. })
        ));
        assert!(matches!(
            Elf64::parse(&patch(0x3c, &[0xff, 0])),
            Err(Error::OutOfBounds { .. })
        ));
        // .fwimage contents past the end of the file
        let g = patch(shoff + 64 + 0x20, &u64::MAX.to_le_bytes());
        let e = Elf64::parse(&g).unwrap();
        assert!(matches!(
            e.section(".fwimage"),
            Err(Error::OutOfBounds { .. })
        ));
        // name offset past .shstrtab
        let g = patch(shoff + 64, &0xffffu32.to_le_bytes());
        assert!(matches!(
            Elf64::parse(&g).unwrap().section("x"),
            Err(Error::OutOfBounds { .. })
        ));
        // .shstrtab not a string table
        let g = patch(shoff + 2 * 64 + 4, &1u32.to_le_bytes());
        assert!(matches!(Elf64::parse(&g), Err(Error::BadField { .. })));
    }
}
