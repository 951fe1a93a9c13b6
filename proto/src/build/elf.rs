// SPDX-License-Identifier: GPL-2.0
//! ELF64 little-endian files with named sections, in the shape of
//! `gsp-570.144.bin` (a relocatable RISC-V ELF64; layout:
//! [`crate::firmware::elf`], System V ABI `Elf64_Ehdr`/`Elf64_Shdr` as in
//! Linux `include/uapi/linux/elf.h`).

use super::{enc, put, u16_of, u32_of};
use crate::firmware::elf::{
    Elf64Header, Elf64SectionHeader, ELFCLASS64, ELFDATA2LSB, ELF_MAGIC, EV_CURRENT, SHT_STRTAB,
};
use crate::wire::Wire;
use alloc::vec::Vec;

/// `ET_REL`: a relocatable file, as the GSP-RM ELF is.
pub const ET_REL: u16 = 1;
/// `EM_RISCV`.
pub const EM_RISCV: u16 = 243;
/// `SHT_PROGBITS`: a section with file contents.
pub const SHT_PROGBITS: u32 = 1;

/// An ELF64 whose sections are the null section, `sections` (name and
/// contents, `SHT_PROGBITS`, stored one after the other from offset 64)
/// and `.shstrtab`, followed by the section header table at the next
/// 8-byte boundary (the gABI's natural alignment of `Elf64_Shdr`, which
/// readers such as the `object` crate require).
pub fn elf64(sections: &[(&str, &[u8])]) -> Vec<u8> {
    let mut strtab = alloc::vec![0u8];
    let mut names = Vec::new();
    for (n, _) in sections.iter().copied().chain([(".shstrtab", &[][..])]) {
        names.push(u32_of(strtab.len()));
        strtab.extend_from_slice(n.as_bytes());
        strtab.push(0);
    }
    let mut f = alloc::vec![0u8; Elf64Header::SIZE];
    let mut shdrs = alloc::vec![Elf64SectionHeader::ZERO];
    for (&name, (_, d)) in names.iter().zip(sections) {
        shdrs.push(Elf64SectionHeader {
            sh_name: name,
            sh_type: SHT_PROGBITS,
            sh_offset: f.len() as u64,
            sh_size: d.len() as u64,
            ..Elf64SectionHeader::ZERO
        });
        f.extend_from_slice(d);
    }
    shdrs.push(Elf64SectionHeader {
        sh_name: names.last().copied().unwrap_or(0),
        sh_type: SHT_STRTAB,
        sh_offset: f.len() as u64,
        sh_size: strtab.len() as u64,
        ..Elf64SectionHeader::ZERO
    });
    f.extend_from_slice(&strtab);
    f.resize(f.len().next_multiple_of(8), 0);
    let shoff = f.len();
    for s in &shdrs {
        f.extend_from_slice(&enc(s));
    }
    let mut e_ident = [0u8; 16];
    e_ident[..4].copy_from_slice(&ELF_MAGIC);
    e_ident[4..7].copy_from_slice(&[ELFCLASS64, ELFDATA2LSB, EV_CURRENT]);
    let header = Elf64Header {
        e_ident,
        e_type: ET_REL,
        e_machine: EM_RISCV,
        e_version: EV_CURRENT.into(),
        e_shoff: shoff as u64,
        e_ehsize: Elf64Header::SIZE as u16,
        e_shentsize: Elf64SectionHeader::SIZE as u16,
        e_shnum: u16_of(shdrs.len()),
        // `.shstrtab` is the last section.
        e_shstrndx: u16_of(shdrs.len() - 1),
        ..Elf64Header::ZERO
    };
    put(&mut f, 0, &header);
    f
}
