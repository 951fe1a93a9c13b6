// SPDX-License-Identifier: GPL-2.0
//! Checks of the VBIOS parsers, shared by the `vbios` target (the whole
//! chain, as the driver walks it) and the `vbios_parts` target (each
//! parser on its own input).

use crate::{is_subslice, round_trip};
use nvgsp_proto::firmware::vbios::appif::{
    AppifEntryV1, AppifHeaderV1, DmemInterface, DmemMapperV3, FrtsCmd, FwsecCommand,
    APPIF_ID_DMEMMAPPER,
};
use nvgsp_proto::firmware::vbios::bit::{
    BitHeader, BitTable, BIT_FALCON_DATA_VERSION, BIT_PATTERN, BIT_TOKEN_FALCON_DATA,
    BIT_TOKEN_SIZE,
};
use nvgsp_proto::firmware::vbios::rom::{
    npde_offset, ImageHeaders, Npde, PciRomHeader, Pcir, CODE_TYPE_NBSI, NPDE_SIGNATURE,
    ROM_BLOCK_SIZE,
};
use nvgsp_proto::firmware::vbios::ucode_desc::{
    FalconUcodeDescV3, FwsecUcode, BCRT30_RSA3K_SIG_SIZE, FALCON_UCODE_DESC_V3_SIZE,
    VDESC_VERSION_V3,
};
use nvgsp_proto::firmware::vbios::ucode_table::{
    FalconUcodeTable, FalconUcodeTableEntryV1, FalconUcodeTableHdrV1, APPID_FWSEC_DBG,
    APPID_FWSEC_PROD, UCODE_TABLE_VERSION_1,
};
use nvgsp_proto::firmware::Error;
use nvgsp_proto::wire::Wire;

/// `ImageHeaders::parse`: the headers are where the ROM header says, the
/// NPDE counts only with its signature and a length, the size is a
/// non-zero number of blocks, and encoding the headers over the image
/// changes none of its bytes.
pub fn image_headers(image: &[u8]) -> Option<ImageHeaders> {
    let h = ImageHeaders::parse(image).ok()?;
    assert_eq!(round_trip::<PciRomHeader>(image), Some(h.rom));
    assert_eq!(round_trip::<Pcir>(&image[h.pcir_offset()..]), Some(h.pcir));
    assert!(h.pcir.image_len != 0);
    if let Some(n) = h.npde {
        let at = npde_offset(h.pcir_offset(), h.pcir.pci_data_struct_len);
        assert_eq!(round_trip::<Npde>(&image[at..]), Some(n));
        assert!(n.signature == NPDE_SIGNATURE && n.subimage_len != 0);
        assert_ne!(h.code_type(), CODE_TYPE_NBSI);
    }
    assert!(h.size() > 0 && h.size() % ROM_BLOCK_SIZE == 0);
    if h.code_type() == CODE_TYPE_NBSI {
        assert!(h.is_last());
    }
    let mut copy = image.to_vec();
    h.encode(&mut copy)
        .expect("headers fit where they were read");
    assert_eq!(copy, image, "encoding the headers changed the image");
    let mut fresh = vec![0u8; image.len()];
    h.encode(&mut fresh).unwrap();
    assert_eq!(ImageHeaders::parse(&fresh), Ok(h));
    Some(h)
}

fn byte_sum(b: &[u8]) -> u8 {
    b.iter().fold(0u8, |s, &x| s.wrapping_add(x))
}

/// `BitTable::find` and its readers: the BIT is the first occurrence of
/// the pattern whose header sums to zero; the header and token table lie
/// in the image; tokens and their data are read from where the header
/// says; the falcon data pointer comes from the first 'p' token.
pub fn bit(image: &[u8]) -> Option<BitTable<'_>> {
    let t = BitTable::find(image).ok()?;
    let h = t.header;
    assert_eq!(&image[t.offset..t.offset + BIT_PATTERN.len()], &BIT_PATTERN);
    assert_eq!(round_trip::<BitHeader>(&image[t.offset..]), Some(h));
    let size = usize::from(h.header_size);
    assert!(size >= BitHeader::SIZE && usize::from(h.token_size) >= BIT_TOKEN_SIZE);
    assert_eq!(byte_sum(&image[t.offset..t.offset + size]), 0);
    let table_end = t.offset + size + usize::from(h.token_entries) * usize::from(h.token_size);
    assert!(table_end <= image.len());
    // Earlier occurrences were skipped for their checksum only.
    for at in 0..t.offset {
        if image[at..].starts_with(&BIT_PATTERN) {
            let eh: BitHeader = round_trip(&image[at..]).unwrap();
            assert!(usize::from(eh.header_size) >= BitHeader::SIZE);
            let end = at + usize::from(eh.header_size);
            assert!(end <= image.len() && byte_sum(&image[at..end]) != 0);
        }
    }
    let mut first_p = None;
    let mut seen = Vec::new();
    for i in 0..usize::from(h.token_entries) {
        let tok = t.token_at(i).expect("token inside the checked table");
        let at = t.offset + size + i * usize::from(h.token_size);
        assert_eq!(round_trip(&image[at..]), Some(tok));
        if !seen.contains(&tok.id) {
            assert_eq!(
                t.token(tok.id),
                Ok(tok),
                "token() is not the first of its id"
            );
            seen.push(tok.id);
        }
        if tok.id == BIT_TOKEN_FALCON_DATA && first_p.is_none() {
            first_p = Some(tok);
        }
        match t.data(&tok) {
            Ok(d) => is_subslice(
                image,
                d,
                usize::from(tok.data_offset),
                usize::from(tok.data_size),
            ),
            Err(_) => {
                assert!(usize::from(tok.data_offset) + usize::from(tok.data_size) > image.len())
            }
        }
    }
    assert!(t.token_at(usize::from(h.token_entries)).is_err());
    match (t.falcon_ucode_table_ptr(), first_p) {
        (Ok(p), Some(tok)) => {
            assert_eq!(tok.data_version, BIT_FALCON_DATA_VERSION);
            assert!(tok.data_size >= 4);
            let d = usize::from(tok.data_offset);
            assert_eq!(u32::decode(&image[d..]), Some(p));
        }
        (Ok(p), None) => panic!("falcon data pointer {p:#x} without a 'p' token"),
        (Err(_), _) => {}
    }
    Some(t)
}

/// `FalconUcodeTable::parse` at `offset` of `data`: version 1, sizes of at
/// least 6, every entry inside `data` and read from its place; `find`
/// returns the first entry of an application id.
pub fn ucode_table(data: &[u8], offset: usize) -> Option<FalconUcodeTable<'_>> {
    let t = FalconUcodeTable::parse(data, offset).ok()?;
    let h = t.header;
    assert_eq!(
        round_trip::<FalconUcodeTableHdrV1>(&data[offset..]),
        Some(h)
    );
    assert_eq!(h.version, UCODE_TABLE_VERSION_1);
    assert!(h.header_size >= 6 && h.entry_size >= 6);
    let first = offset + usize::from(h.header_size);
    let count = usize::from(h.entry_count);
    assert!(first + count * usize::from(h.entry_size) <= data.len());
    let mut entries = Vec::new();
    for i in 0..count {
        let e = t.entry(i).expect("entry inside the checked table");
        let at = first + i * usize::from(h.entry_size);
        assert_eq!(FalconUcodeTableEntryV1::decode(data, at), Ok(e));
        let mut b = vec![0u8; at + FalconUcodeTableEntryV1::SIZE];
        e.encode(&mut b, at).unwrap();
        assert_eq!(&b[at..], &data[at..at + FalconUcodeTableEntryV1::SIZE]);
        entries.push(e);
    }
    assert!(t.entry(count).is_err());
    for id in [APPID_FWSEC_PROD, APPID_FWSEC_DBG, 0] {
        let want = entries.iter().find(|e| e.application_id == id).copied();
        assert_eq!(t.find(id).ok(), want);
    }
    Some(t)
}

/// `FwsecUcode::parse`: a version-3 descriptor whose size holds it and its
/// signatures; signatures right after the 44 bytes; the ucode (IMEM then
/// DMEM, both non-empty) `size` bytes in; the signature patch and the
/// interface table inside the DMEM image; a chosen signature exists and
/// its version bit is set.
pub fn fwsec(data: &[u8]) -> Option<FwsecUcode<'_>> {
    let f = FwsecUcode::parse(data).ok()?;
    let d = f.desc;
    assert_eq!(round_trip::<FalconUcodeDescV3>(data), Some(d));
    assert_eq!(d.version(), VDESC_VERSION_V3);
    assert_eq!(d.hdr & 1, 1);
    let count = usize::from(d.signature_count);
    assert!(d.size() >= FALCON_UCODE_DESC_V3_SIZE + count * BCRT30_RSA3K_SIG_SIZE);
    let (imem, dmem) = (d.imem_load_size as usize, d.dmem_load_size as usize);
    assert!(imem > 0 && dmem > 0);
    is_subslice(data, f.ucode(), d.size(), imem + dmem);
    is_subslice(data, f.imem(), d.size(), imem);
    is_subslice(data, f.dmem(), d.size() + imem, dmem);
    for i in 0..count {
        let s = f.signature(i).expect("signature inside the descriptor");
        is_subslice(
            data,
            s,
            FALCON_UCODE_DESC_V3_SIZE + i * BCRT30_RSA3K_SIG_SIZE,
            BCRT30_RSA3K_SIG_SIZE,
        );
    }
    assert!(f.signature(count).is_err());
    if count > 0 {
        assert!(d.pkc_data_offset as usize + BCRT30_RSA3K_SIG_SIZE <= dmem);
        assert!(f.signature_patch_offset() + BCRT30_RSA3K_SIG_SIZE <= f.ucode().len());
    }
    assert!(d.interface_offset as usize + 4 <= dmem);
    for v in 0..=33 {
        if let Ok(i) = f.signature_index(v) {
            assert!(i < count);
            assert!(u64::from(d.signature_versions) & (1u64 << v) != 0);
        }
    }
    for t in [f.imem_target(), f.dmem_target()] {
        assert!(t.src as usize + t.len as usize <= f.ucode().len());
    }
    Some(f)
}

/// `DmemInterface::find`: the DMEMMAPPER of the first entry with its id,
/// read from where the entry points, with its command buffer inside the
/// DMEM image. Patching a copy for a command and reading the command back
/// gives the same command (when the buffer does not overlap `init_cmd`),
/// and touches nothing but `init_cmd` and the command buffer.
pub fn dmem_interface(dmem: &[u8], interface_offset: u32, init_cmd: u32, frts: (u64, u64)) {
    if let Ok(c) = FrtsCmd::decode(dmem, interface_offset as usize) {
        let mut b = vec![0u8; interface_offset as usize + FrtsCmd::SIZE];
        c.encode(&mut b, interface_offset as usize).unwrap();
        assert_eq!(FrtsCmd::decode(&b, interface_offset as usize), Ok(c));
        if let Ok(cmd) = FwsecCommand::decode(init_cmd, &c) {
            assert_eq!(cmd.init_cmd(), init_cmd);
            assert_eq!(c.read_vbios, FwsecCommand::read_vbios());
        }
    }
    let Ok(i) = DmemInterface::find(dmem, interface_offset) else {
        return;
    };
    let at = interface_offset as usize;
    let h: AppifHeaderV1 = round_trip(&dmem[at..]).unwrap();
    assert_eq!(h.version, 1);
    assert!(h.header_size >= 4 && h.entry_size >= 8);
    let entry = (0..usize::from(h.entry_count))
        .map(|k| {
            let e: AppifEntryV1 = round_trip(
                &dmem[at + usize::from(h.header_size) + k * usize::from(h.entry_size)..],
            )
            .unwrap();
            e
        })
        .find(|e| e.id == APPIF_ID_DMEMMAPPER)
        .expect("a DMEMMAPPER entry");
    assert_eq!(i.interface_offset, interface_offset);
    assert_eq!(i.mapper_offset, entry.dmem_offset);
    assert_eq!(
        round_trip::<DmemMapperV3>(&dmem[i.mapper_offset as usize..]),
        Some(i.mapper)
    );
    let m = i.mapper;
    let buf = m.cmd_in_buffer_offset as usize
        ..m.cmd_in_buffer_offset as usize + m.cmd_in_buffer_size as usize;
    assert!(buf.end <= dmem.len());
    let _ = i.command(dmem);

    let init = i.init_cmd_offset() as usize..i.init_cmd_offset() as usize + 4;
    for cmd in [
        FwsecCommand::Sb,
        FwsecCommand::Frts {
            offset: frts.0,
            size: frts.1,
        },
    ] {
        let mut d = dmem.to_vec();
        let r = i.patch(&mut d, &cmd);
        let len = DmemInterface::command_len(&cmd);
        let written = m.cmd_in_buffer_offset as usize..m.cmd_in_buffer_offset as usize + len;
        for (k, (a, b)) in d.iter().zip(dmem).enumerate() {
            if a != b {
                assert!(
                    init.contains(&k) || written.contains(&k),
                    "patch wrote byte {k:#x}"
                );
            }
        }
        match r {
            Ok(()) => {
                assert!(len <= buf.len());
                if init.end <= written.start || written.end <= init.start {
                    assert_eq!(i.command(&d), Ok(cmd));
                }
            }
            Err(Error::BadField { .. }) => {}
            Err(e) => panic!("patch failed inside a checked buffer: {e:?}"),
        }
    }
}
