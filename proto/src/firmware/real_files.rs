// SPDX-License-Identifier: GPL-2.0
//! Tests against the real r570.144 GA102 firmware files.
//!
//! `NVGSP_FIRMWARE_DIR` must name a directory holding
//! `nvidia/ga102/gsp/*-570.144.bin` (for the toolchain root:
//! `$NVGSP_CACHE/root-*/usr/lib/firmware`). Without it these tests fail:
//! a parser that was never run against the real files proves little.
//!
//! The values pinned here were read off the files with `xxd` and
//! `readelf`; the consistency checks are what the boot relies on.

extern crate std;

use super::bin_hdr::BIN_MAGIC;
use super::gsp_rm::{GspRmFirmware, SECTION_SIGNATURE_GA10X};
use super::hs::HsFirmware;
use super::riscv::RiscvFirmware;
use super::LoadTarget;
use std::path::PathBuf;
use std::vec::Vec;

fn firmware(name: &str) -> Vec<u8> {
    let dir = std::env::var_os("NVGSP_FIRMWARE_DIR").unwrap_or_else(|| {
        panic!(
            "set NVGSP_FIRMWARE_DIR to a directory containing nvidia/ga102/gsp/{name} \
             (e.g. $HOME/.cache/nvgsp/root-*/usr/lib/firmware)"
        )
    });
    let path = PathBuf::from(dir).join("nvidia/ga102/gsp").join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); NVGSP_FIRMWARE_DIR must hold the uncompressed files",
            path.display()
        )
    })
}

/// What both booters must satisfy on GA102.
fn check_booter(file: &[u8]) -> HsFirmware<'_> {
    let fw = HsFirmware::parse(file).unwrap();
    let image = fw.image();
    assert_eq!(fw.bin.hdr.bin_magic, BIN_MAGIC);
    assert_eq!(
        fw.bin.hdr.data_offset as usize + image.len(),
        file.len(),
        "payload ends the file"
    );
    // The HS header, signatures, pointed-to values and load header all lie
    // between the bin header and the payload.
    let h = &fw.header;
    for end in [
        h.sig_prod_offset + fw.patch_sig + h.sig_prod_size,
        h.patch_loc + 4,
        h.patch_sig + 4,
        h.num_sig + 4,
        h.meta_data_offset + h.meta_data_size,
        h.header_offset + h.header_size,
    ] {
        assert!(
            end <= fw.bin.hdr.data_offset,
            "{end:#x} runs into the payload"
        );
    }
    assert_eq!(fw.num_sig, 2);
    assert_eq!(fw.signature_size(), 384, "RSA-3K signatures");
    assert_eq!(fw.load.num_apps, 1);
    // The image is: OS code, app 0 code, OS data, back to back.
    let app0 = fw.app(0).unwrap();
    assert_eq!(fw.load.os_code_offset, 0);
    assert_eq!(app0.offset, fw.load.os_code_offset + fw.load.os_code_size);
    assert_eq!(app0.offset + app0.size, fw.load.os_data_offset);
    assert_eq!(
        (fw.load.os_data_offset + fw.load.os_data_size) as usize,
        image.len()
    );
    // Metadata: SEC2 (engine mask bit 0), ucode 3, fuse version 1.
    assert_eq!(
        (fw.meta.fuse_version, fw.engine_id_mask(), fw.ucode_id()),
        (1, 1, 3)
    );
    assert_eq!(fw.pkc_data_offset(), 0x10);
    assert_eq!(fw.signature_index(0).unwrap(), 1);
    assert_eq!(fw.signature_index(1).unwrap(), 0);
    let l = fw.ga102_layout().unwrap();
    assert_eq!(
        l.imem_sec,
        LoadTarget {
            src: app0.offset,
            dst: 0,
            len: app0.size
        }
    );
    assert_eq!(
        l.dmem,
        LoadTarget {
            src: fw.load.os_data_offset,
            dst: 0,
            len: fw.load.os_data_size
        }
    );
    assert_eq!(l.boot_addr, 0x100);
    assert_ne!(fw.signature(0).unwrap(), fw.signature(1).unwrap());
    fw
}

#[test]
fn booter_load_570_144() {
    let f = firmware("booter_load-570.144.bin");
    assert_eq!(f.len(), 61304);
    let fw = check_booter(&f);
    assert_eq!(
        (
            fw.bin.hdr.header_offset,
            fw.bin.hdr.data_offset,
            fw.bin.hdr.data_size
        ),
        (0x18, 0x378, 0xec00)
    );
    assert_eq!(fw.patch_loc, 0x8a10);
    assert_eq!(
        (
            fw.load.os_code_size,
            fw.load.os_data_offset,
            fw.load.os_data_size
        ),
        (0x100, 0x8a00, 0x6200)
    );
    assert_eq!(fw.app(0).unwrap().size, 0x8900);
}

#[test]
fn booter_unload_570_144() {
    let f = firmware("booter_unload-570.144.bin");
    assert_eq!(f.len(), 41080);
    let fw = check_booter(&f);
    assert_eq!(
        (fw.bin.hdr.data_offset, fw.bin.hdr.data_size),
        (0x378, 0x9d00)
    );
    assert_eq!(fw.patch_loc, 0x5010);
    assert_eq!(
        (fw.load.os_data_offset, fw.load.os_data_size),
        (0x5000, 0x4d00)
    );
    assert_eq!(fw.app(0).unwrap().size, 0x4f00);
}

#[test]
fn bootloader_570_144() {
    let f = firmware("bootloader-570.144.bin");
    assert_eq!(f.len(), 24684);
    let fw = RiscvFirmware::parse(&f).unwrap();
    let d = &fw.desc;
    assert_eq!(
        (fw.bin.hdr.header_offset, fw.bin.hdr.data_offset),
        (0x18, 0x6c)
    );
    assert_eq!(
        fw.bin.hdr.data_offset - fw.bin.hdr.header_offset,
        84,
        "header is one RM_RISCV_UCODE_DESC"
    );
    assert_eq!(fw.bin.hdr.data_offset as usize + fw.image().len(), f.len());
    assert_eq!(d.version, 5);
    // Manifest, monitor data, monitor code follow each other from 0; the
    // bootloader and its parameters sit at the end; the image is the FB
    // reservation.
    assert_eq!(fw.manifest_offset(), 0);
    assert_eq!(d.manifest_size, 0x800);
    assert_eq!(fw.data_offset(), d.manifest_offset + d.manifest_size);
    assert_eq!(
        fw.code_offset(),
        d.monitor_data_offset + d.monitor_data_size
    );
    assert_eq!(
        (fw.data_offset(), fw.code_offset(), d.monitor_code_size),
        (0x800, 0x1800, 0x2900)
    );
    assert!(d.monitor_code_offset + d.monitor_code_size <= d.bootloader_offset);
    assert_eq!(
        d.bootloader_param_offset,
        d.bootloader_offset + d.bootloader_size
    );
    assert_eq!(fw.image().len(), d.fb_reserved_size as usize);
    assert_eq!(d.is_monitor_enabled, 1);
    assert_eq!(fw.app_version(), 0);
}

#[test]
fn gsp_570_144() {
    let f = firmware("gsp-570.144.bin");
    let g = GspRmFirmware::parse(&f, SECTION_SIGNATURE_GA10X).unwrap();
    assert_eq!(g.image.len(), 0x3c9_9000);
    assert_eq!(g.image.len() % 4096, 0, "radix3 maps whole pages");
    assert_eq!(g.signature.len(), 0x1000);
    assert_eq!(g.version, Some(&b"570.144"[..]));
    // Every per-chip signature section is present and equally sized.
    let elf = super::elf::Elf64::parse(&f).unwrap();
    for chip in [
        "tu10x", "tu11x", "ga100", "ga10x", "ad10x", "gh100", "gb10x", "gb20x",
    ] {
        let name = std::format!(".fwsignature_{chip}");
        match elf.section(&name) {
            Ok(s) => assert_eq!(s.data.len(), 0x1000, "{name}"),
            Err(e) => assert!(matches!(e, super::Error::NotFound { .. }), "{name}: {e}"),
        }
    }
    // The image is the first section, right after the ELF header.
    assert_eq!(elf.section(".fwimage").unwrap().header.sh_offset, 0x40);
}

#[test]
fn truncated_real_files_are_rejected() {
    for name in ["booter_load-570.144.bin", "booter_unload-570.144.bin"] {
        let f = firmware(name);
        for cut in [0, 0x17, 0x30, 0x350, 0x377, f.len() - 1] {
            assert!(
                HsFirmware::parse(&f[..cut]).is_err(),
                "{name} cut at {cut:#x}"
            );
        }
    }
    let f = firmware("bootloader-570.144.bin");
    for cut in [0, 0x40, f.len() - 1] {
        assert!(
            RiscvFirmware::parse(&f[..cut]).is_err(),
            "bootloader cut at {cut:#x}"
        );
    }
    // Cutting the GSP ELF loses its section table (at the end).
    let f = firmware("gsp-570.144.bin");
    assert!(GspRmFirmware::parse(&f[..f.len() - 1], SECTION_SIGNATURE_GA10X).is_err());
    assert!(GspRmFirmware::parse(&f[..0x3c9_9000], SECTION_SIGNATURE_GA10X).is_err());
}
