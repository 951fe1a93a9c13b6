// SPDX-License-Identifier: GPL-2.0
//! The `.bin` firmware files: `firmware::bin_hdr::BinFile::parse`,
//! `hs::HsFirmware::parse` (booter_load/unload) and
//! `riscv::RiscvFirmware::parse` (the GSP bootloader), with the accessors
//! the driver uses on a parsed file.
//!
//! Every input is parsed as each kind of file. Every slice returned lies
//! inside the file where the headers say; every offset/size pair the
//! parser accepted lies inside the file or the image; the signature chosen
//! for a fuse version is one of the file's; the load layout stays inside
//! the image; a file without a valid bin header is rejected by all.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nvgsp_proto::firmware::bin_hdr::{BinFile, BinHdr, BIN_MAGIC, BIN_VERSION};
use nvgsp_proto::firmware::hs::HsFirmware;
use nvgsp_proto::firmware::riscv::RiscvFirmware;
use nvgsp_proto::firmware::{fuse_version, LoadTarget};
use nvgsp_proto::wire::Wire;
use nvgsp_proto_fuzz::{is_subslice, offset_in, round_trip};

fn inside(what: &str, off: u32, len: u32, limit: usize) {
    assert!(
        u64::from(off) + u64::from(len) <= limit as u64,
        "{what}: {len:#x} bytes at {off:#x} past {limit:#x}"
    );
}

fn bin(f: &[u8]) -> Option<BinFile<'_>> {
    let b = BinFile::parse(f).ok()?;
    let h: BinHdr = round_trip(f).unwrap();
    assert_eq!(b.hdr, h);
    assert_eq!((h.bin_magic, h.bin_ver), (BIN_MAGIC, BIN_VERSION));
    assert_eq!(b.file().as_ptr(), f.as_ptr());
    assert_eq!(b.file().len(), f.len());
    let ho = h.header_offset as usize;
    assert!(ho >= BinHdr::SIZE && ho < f.len());
    is_subslice(f, b.header(), ho, f.len() - ho);
    assert!(h.data_size > 0);
    is_subslice(f, b.data(), h.data_offset as usize, h.data_size as usize);
    Some(b)
}

fn target_in(t: &LoadTarget, image: usize) {
    inside("load target", t.src, t.len, image);
}

fn hs(f: &[u8]) {
    let Ok(fw) = HsFirmware::parse(f) else {
        return;
    };
    let image = fw.image();
    let n = image.len();
    assert_eq!(offset_in(f, image), fw.bin.hdr.data_offset as usize);
    let l = fw.load;
    inside("os code", l.os_code_offset, l.os_code_size, n);
    inside("os data", l.os_data_offset, l.os_data_size, n);
    assert!(l.num_apps > 0 && fw.num_sig > 0);
    for i in 0..l.num_apps.min(64) {
        let a = fw.app(i).expect("app accepted by parse");
        inside("app", a.offset, a.size, n);
    }
    assert!(fw.app(l.num_apps).is_err());
    let size = fw.signature_size();
    assert_eq!(size * fw.num_sig as usize, fw.header.sig_prod_size as usize);
    for i in 0..(fw.num_sig as usize).min(64) {
        let s = fw.signature(i).expect("signature accepted by parse");
        assert_eq!(s.len(), size);
        offset_in(f, s);
    }
    assert!(fw.signature(fw.num_sig as usize).is_err());
    // The signature patch lies in the data section, which is in the image.
    let pkc = fw.pkc_data_offset();
    assert!(u64::from(pkc) + size as u64 <= u64::from(l.os_data_size));
    for reg in [0, 1, 2, 0x8000, 0xffff, fw.meta.fuse_version] {
        if let Ok(i) = fw.signature_index(fuse_version(reg)) {
            assert!(i < fw.num_sig as usize);
        }
    }
    let lay = fw.ga102_layout().expect("app 0 exists");
    target_in(&lay.imem_sec, n);
    target_in(&lay.dmem, n);
    assert_eq!(lay.boot_addr, lay.imem_sec.src);
    assert_eq!(u32::from(fw.engine_id_mask()), fw.meta.engine_id_mask);
    assert_eq!(u32::from(fw.ucode_id()), fw.meta.ucode_id);
    let _ = fw.os_code();
}

fn riscv(f: &[u8]) {
    let Ok(fw) = RiscvFirmware::parse(f) else {
        return;
    };
    let n = fw.image().len();
    let d = fw.desc;
    assert!((1..=5).contains(&d.version));
    inside("manifest", d.manifest_offset, d.manifest_size, n);
    inside(
        "monitor code",
        d.monitor_code_offset,
        d.monitor_code_size,
        n,
    );
    inside(
        "monitor data",
        d.monitor_data_offset,
        d.monitor_data_size,
        n,
    );
    inside("bootloader", d.bootloader_offset, d.bootloader_size, n);
    inside(
        "bootloader params",
        d.bootloader_param_offset,
        d.bootloader_param_size,
        n,
    );
    assert!(d.manifest_size > 0 && d.monitor_code_size > 0);
    assert_eq!(
        (
            fw.code_offset(),
            fw.data_offset(),
            fw.manifest_offset(),
            fw.app_version()
        ),
        (
            d.monitor_code_offset,
            d.monitor_data_offset,
            d.manifest_offset,
            d.app_version
        )
    );
}

fuzz_target!(|f: &[u8]| {
    let ok = bin(f).is_some();
    hs(f);
    riscv(f);
    // Both parsers start with the bin header.
    if !ok {
        assert!(HsFirmware::parse(f).is_err() && RiscvFirmware::parse(f).is_err());
    }
});
