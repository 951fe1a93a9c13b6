// SPDX-License-Identifier: GPL-2.0
//! The VBIOS as the driver reads it from the GPU's ROM, end to end:
//! `firmware::vbios::images` and `Vbios::parse`, then `resolve`, the
//! falcon ucode table, FWSEC and its DMEM interface (each checked as in
//! `src/vbios.rs`).
//!
//! The image walk yields consecutive images, each inside the ROM and the
//! scan limit, and ends at the last image or an error. An accepted VBIOS
//! has a PC-AT image holding the BIT, a FWSEC region inside the ROM, and
//! pointers that `resolve` maps into that region and `pointer_to` maps
//! back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nvgsp_proto::firmware::vbios::rom::{CODE_TYPE_FWSEC, CODE_TYPE_PCI_AT};
use nvgsp_proto::firmware::vbios::{images, Vbios, ROM_MAX_SIZE};
use nvgsp_proto_fuzz::{is_subslice, offset_in, vbios as check};

fn walk(rom: &[u8]) -> Option<usize> {
    let mut next = 0;
    let mut items = images(rom).peekable();
    while let Some(item) = items.next() {
        let Ok(img) = item else {
            assert!(items.peek().is_none(), "the walk went on after an error");
            return None;
        };
        assert_eq!(img.offset, next);
        assert_eq!(check::image_headers(&rom[img.offset..]), Some(img.headers));
        is_subslice(rom, img.data, img.offset, img.headers.size());
        next = img.offset + img.data.len();
        assert!(next <= rom.len().min(ROM_MAX_SIZE));
        if img.headers.is_last() {
            assert!(
                items.peek().is_none(),
                "the walk went on after the last image"
            );
        }
    }
    Some(next)
}

fuzz_target!(|rom: &[u8]| {
    let end = walk(rom);
    let Ok(v) = Vbios::parse(rom) else {
        return;
    };
    assert_eq!(Some(v.end), end, "parse accepted a broken chain");
    assert_eq!(v.pci_at.headers.code_type(), CODE_TYPE_PCI_AT);
    is_subslice(rom, v.pci_at.data, v.pci_at.offset, v.pci_at.headers.size());
    assert_eq!(
        check::image_headers(&rom[v.fwsec_offset..]).map(|h| h.code_type()),
        Some(CODE_TYPE_FWSEC)
    );
    assert!(v.pci_at.offset < v.fwsec_offset && v.fwsec_offset < v.end);
    is_subslice(rom, v.rom(), 0, v.end);
    is_subslice(
        rom,
        v.fwsec_region(),
        v.fwsec_offset,
        v.end - v.fwsec_offset,
    );
    let bit = check::bit(v.pci_at.data).expect("parse found the BIT");
    assert_eq!(bit.offset, v.bit.offset);
    offset_in(v.pci_at.data, &v.pci_at.data[v.bit.offset..]);

    let pci = v.pci_at.data.len() as u64;
    let region = v.fwsec_region().len() as u64;
    for p in [
        0,
        pci - 1,
        pci,
        pci + region / 2,
        pci + region - 1,
        pci + region,
        u64::from(u32::MAX),
    ] {
        let Ok(p) = u32::try_from(p) else { continue };
        match v.resolve(p) {
            Ok(o) => {
                assert!(o >= v.fwsec_offset && o < v.end);
                assert_eq!(v.pointer_to(o), Some(p));
            }
            Err(_) => assert!(u64::from(p) < pci || u64::from(p) >= pci + region),
        }
    }

    let Ok(table) = v.falcon_ucode_table() else {
        return;
    };
    let at = v.resolve(v.bit.falcon_ucode_table_ptr().unwrap()).unwrap();
    assert_eq!(
        check::ucode_table(v.rom(), at).map(|t| t.header),
        Some(table.header)
    );
    let Ok(f) = v.fwsec() else {
        return;
    };
    let desc = v
        .ucode_desc_offset(nvgsp_proto::firmware::vbios::ucode_table::APPID_FWSEC_PROD)
        .unwrap();
    let parsed = check::fwsec(&v.rom()[desc..]).expect("fwsec() parsed it");
    assert_eq!(parsed.desc, f.desc);
    assert_eq!(offset_in(rom, f.ucode()), offset_in(rom, parsed.ucode()));
    check::dmem_interface(f.dmem(), f.desc.interface_offset, 0x15, (0x1000, 0x10_0000));
});
