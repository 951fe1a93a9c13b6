// SPDX-License-Identifier: GPL-2.0
//! The GSP-RM ELF: `firmware::elf::Elf64::parse`, `section_at`, `section`
//! and `firmware::gsp_rm::GspRmFirmware::parse`.
//!
//! On an accepted file: the section header table and `.shstrtab` lie in
//! the file; every section that reads has its name inside `.shstrtab`
//! without a NUL and followed by one, and its contents inside the file at
//! `sh_offset` (`SHT_NOBITS`: empty); `section(name)` is the first section
//! with that name, or an error if an earlier section is malformed; the
//! GSP-RM parts are those sections' contents, the version cut at its NUL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nvgsp_proto::firmware::elf::{Elf64, Elf64Header, Elf64SectionHeader, SHT_NOBITS};
use nvgsp_proto::firmware::gsp_rm::{
    GspRmFirmware, SECTION_IMAGE, SECTION_SIGNATURE_GA10X, SECTION_VERSION,
};
use nvgsp_proto::firmware::Error;
use nvgsp_proto::wire::Wire;
use nvgsp_proto_fuzz::{is_subslice, offset_in, round_trip};

/// What `section(name)` must return, from `section_at`.
fn first_named<'a>(
    elf: &Elf64<'a>,
    name: &[u8],
) -> Result<nvgsp_proto::firmware::elf::Section<'a>, Error> {
    for i in 0..elf.section_count() {
        let s = elf.section_at(i)?;
        if s.name == name {
            return Ok(s);
        }
    }
    Err(Error::NotFound {
        what: "ELF section",
    })
}

fn same(
    a: &Result<nvgsp_proto::firmware::elf::Section, Error>,
    b: &Result<nvgsp_proto::firmware::elf::Section, Error>,
) {
    match (a, b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(
                (a.name.as_ptr(), a.name.len()),
                (b.name.as_ptr(), b.name.len())
            );
            assert_eq!(
                (a.data.as_ptr(), a.data.len()),
                (b.data.as_ptr(), b.data.len())
            );
            assert_eq!(a.header, b.header);
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("section() and section_at() disagree"),
    }
}

fuzz_target!(|f: &[u8]| {
    let Ok(elf) = Elf64::parse(f) else {
        assert!(GspRmFirmware::parse(f, SECTION_SIGNATURE_GA10X).is_err());
        return;
    };
    let h: Elf64Header = round_trip(f).unwrap();
    assert_eq!(elf.header, h);
    assert_eq!(elf.section_count(), usize::from(h.e_shnum));
    assert!(h.e_shnum > 0 && h.e_shstrndx < h.e_shnum);
    let table = h.e_shoff as usize;
    let n = elf.section_count();
    assert!(table + n * Elf64SectionHeader::SIZE <= f.len());
    let strtab: Elf64SectionHeader =
        round_trip(&f[table + usize::from(h.e_shstrndx) * Elf64SectionHeader::SIZE..]).unwrap();

    for i in 0..n.min(256) {
        let raw: Elf64SectionHeader =
            round_trip(&f[table + i * Elf64SectionHeader::SIZE..]).unwrap();
        let Ok(s) = elf.section_at(i) else {
            continue;
        };
        assert_eq!(s.header, raw);
        let at = offset_in(f, s.name);
        assert_eq!(at, strtab.sh_offset as usize + raw.sh_name as usize);
        assert!(!s.name.contains(&0));
        assert_eq!(f.get(at + s.name.len()), Some(&0));
        assert!(at + s.name.len() < (strtab.sh_offset + strtab.sh_size) as usize);
        if raw.sh_type == SHT_NOBITS {
            assert!(s.data.is_empty());
        } else {
            is_subslice(f, s.data, raw.sh_offset as usize, raw.sh_size as usize);
        }
    }
    assert!(elf.section_at(n).is_err());

    for name in [
        SECTION_IMAGE,
        SECTION_SIGNATURE_GA10X,
        SECTION_VERSION,
        ".shstrtab",
        "",
    ] {
        same(&elf.section(name), &first_named(&elf, name.as_bytes()));
    }
    if let Ok(g) = GspRmFirmware::parse(f, SECTION_SIGNATURE_GA10X) {
        let image = elf.section(SECTION_IMAGE).unwrap().data;
        let sig = elf.section(SECTION_SIGNATURE_GA10X).unwrap().data;
        assert!(!g.image.is_empty() && !g.signature.is_empty());
        assert_eq!(
            (g.image.as_ptr(), g.image.len()),
            (image.as_ptr(), image.len())
        );
        assert_eq!(
            (g.signature.as_ptr(), g.signature.len()),
            (sig.as_ptr(), sig.len())
        );
        match (g.version, elf.section(SECTION_VERSION)) {
            (Some(v), Ok(s)) => {
                assert_eq!(v.as_ptr(), s.data.as_ptr());
                assert!(!v.contains(&0));
                assert!(v.len() == s.data.len() || s.data[v.len()] == 0);
            }
            (None, Err(Error::NotFound { .. })) => {}
            (v, s) => panic!("version {v:?} for section {:?}", s.map(|s| s.data)),
        }
    }
});
