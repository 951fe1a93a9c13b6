// SPDX-License-Identifier: GPL-2.0
//! Writes the seed corpus of every fuzz target: small valid inputs built
//! with nvgsp-proto's own encoders, in the layouts its unit tests use (no
//! bytes from NVIDIA's files). `scripts/fuzz` runs it before fuzzing:
//!
//!     nvgsp-proto-fuzz-seeds OUTDIR    # writes OUTDIR/<target>/seed-<name>
//!
//! Inputs of targets that pick a parser with their first byte start with
//! that byte (and whatever values the target reads next).

use nvgsp_proto::firmware::bin_hdr::{BinHdr, BIN_MAGIC};
use nvgsp_proto::firmware::elf::{
    Elf64Header, Elf64SectionHeader, ELFCLASS64, ELFDATA2LSB, ELF_MAGIC, EV_CURRENT, SHT_STRTAB,
};
use nvgsp_proto::firmware::hs::{HsHeaderV2, HsLoadHeaderV2, HsLoadHeaderV2App, HsMetaData};
use nvgsp_proto::firmware::riscv::RiscvUcodeDesc;
use nvgsp_proto::firmware::vbios::appif::{
    AppifEntryV1, AppifHeaderV1, DmemMapperV3, APPIF_ID_DMEMMAPPER, DMEMMAPPER_SIGNATURE,
    DMEMMAPPER_VERSION_3,
};
use nvgsp_proto::firmware::vbios::bit::{BitHeader, BitToken, BIT_HEADER_ID, BIT_SIGNATURE};
use nvgsp_proto::firmware::vbios::rom::{
    ImageHeaders, Npde, PciRomHeader, Pcir, CODE_TYPE_EFI, CODE_TYPE_FWSEC, CODE_TYPE_PCI_AT,
    LAST_IMAGE, NPDE_SIGNATURE, PCIR_SIGNATURE, ROM_SIGNATURE,
};
use nvgsp_proto::firmware::vbios::ucode_desc::{
    vdesc, FalconUcodeDescV3, BCRT30_RSA3K_SIG_SIZE, FALCON_UCODE_DESC_V3_SIZE,
};
use nvgsp_proto::firmware::vbios::ucode_table::{
    FalconUcodeTableEntryV1, FalconUcodeTableHdrV1, APPID_FWSEC_DBG, APPID_FWSEC_PROD,
};
use nvgsp_proto::gsp::args::GspArgumentsCached;
use nvgsp_proto::gsp::class::{
    FbRegionInfo, Nv0080AllocParameters, Nv2080CtrlFbGetFbRegionInfoParams,
    Nv2080CtrlFbGetInfoV2Params, Nv2080CtrlGpuGetEnginesV2Params, Nv2080CtrlGpuGetInfoV2Params,
};
use nvgsp_proto::gsp::fb_layout::{FbLayout, SysmemImages};
use nvgsp_proto::gsp::gr_info::{GrGetInfoV2Params, GR_INFO_INDEX_LITTER_NUM_GPCS};
use nvgsp_proto::gsp::libos::{
    LibosMemoryRegionInitArgument, ID8_LOGINIT, ID8_LOGINTR, ID8_LOGRM, ID8_RMARGS,
};
use nvgsp_proto::gsp::msgq;
use nvgsp_proto::gsp::queue::{MsgqTxHeader, QUEUE_SIZE};
use nvgsp_proto::gsp::rpc::event::{
    RpcLog, RpcOsErrorLog, RpcPostEvent, RpcRcTriggered, RpcUcodeLibosPrint,
};
use nvgsp_proto::gsp::rpc::registry::{encode_registry, REGISTRY_TABLE_ENTRY_TYPE_STRING};
use nvgsp_proto::gsp::rpc::rm::{RpcFree, RpcGspRmAlloc, RpcGspRmControl};
use nvgsp_proto::gsp::rpc::sequencer::{
    encode_sequence, SeqCmd, SeqDelayUs, SeqRegModify, SeqRegPoll, SeqRegStore, SeqRegWrite,
};
use nvgsp_proto::gsp::rpc::static_info::GspStaticConfigInfo;
use nvgsp_proto::gsp::rpc::unload::RpcUnloadingGuestDriver;
use nvgsp_proto::gsp::wpr_meta::GspFwWprMeta;
use nvgsp_proto::wire::Wire;
use std::path::{Path, PathBuf};

/// The seeds of one target.
struct Target {
    dir: PathBuf,
}

impl Target {
    fn new(out: &Path, name: &str) -> Self {
        let dir = out.join(name);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        Self { dir }
    }

    fn seed(&self, name: &str, parts: &[&[u8]]) {
        let p = self.dir.join(format!("seed-{name}"));
        std::fs::write(&p, parts.concat()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
}

fn enc<T: Wire>(v: &T) -> Vec<u8> {
    let mut b = vec![0u8; T::SIZE];
    v.encode(&mut b).unwrap();
    b
}

fn put<T: Wire>(buf: &mut [u8], at: usize, v: &T) {
    v.encode(&mut buf[at..]).unwrap();
}

/// Encodes with a `fn(&hdr, tail, buf) -> Option<len>` encoder.
fn with_tail(tail: &[u8], f: impl Fn(&[u8], &mut [u8]) -> Option<usize>) -> Vec<u8> {
    let mut b = vec![0u8; tail.len() + 4096];
    let n = f(tail, &mut b).unwrap();
    b.truncate(n);
    b
}

fn msgq_element(t: &Target) {
    for (name, function, payload) in [
        ("empty", 0x1000u32, &[][..]),
        ("small", 76, &[0x11u8; 40][..]),
        ("two-pages", 0x1001, &[0x5au8; 4200][..]),
    ] {
        let mut b = vec![0u8; 8192];
        let n = msgq::encode(&mut b, 3, function, 7, 0, payload).unwrap();
        t.seed(name, &[&b[..n]]);
    }
}

fn shared_mem(t: &Target) {
    let cmdq = enc(&MsgqTxHeader::new_cmdq());
    let ring = [3u32, 5, 0x3f].map(u32::to_le_bytes).concat();
    t.seed(
        "queue-header",
        &[&[0], &(QUEUE_SIZE as u32).to_le_bytes(), &ring, &cmdq],
    );
    let page: Vec<u8> = [ID8_LOGINIT, ID8_LOGINTR, ID8_LOGRM, ID8_RMARGS, 0]
        .iter()
        .enumerate()
        .flat_map(|(i, &id)| {
            enc(&LibosMemoryRegionInitArgument::sysmem(
                id,
                0x1_0000 * (i as u64 + 1),
                0x1000,
            ))
        })
        .collect();
    t.seed("libos-args", &[&[1], &ID8_LOGRM.to_le_bytes(), &page]);
    let (fb, bl, elf) = (1u64 << 30, 0x5000u32, 0x3c9_9000u64);
    let l = FbLayout::ga102(fb, bl.into(), elf).unwrap();
    let s = SysmemImages {
        elf_size: elf,
        bootloader_size: bl.into(),
        ..Default::default()
    };
    t.seed(
        "wpr-meta",
        &[
            &[2],
            &fb.to_le_bytes(),
            &bl.to_le_bytes(),
            &elf.to_le_bytes(),
            &[0],
            &enc(&GspFwWprMeta::for_boot(&l, &s)),
        ],
    );
    t.seed(
        "gsp-args",
        &[&[3], &enc(&GspArgumentsCached::first_boot(0x8000_0000))],
    );
}

fn rpc(t: &Target) {
    let alloc = RpcGspRmAlloc {
        h_client: 0xc1d0_0001,
        h_parent: 0xc1d0_0001,
        h_object: 0xcaf0_0000,
        h_class: 0x80,
        ..RpcGspRmAlloc::ZERO
    };
    let params = enc(&Nv0080AllocParameters::ZERO);
    t.seed(
        "alloc",
        &[&[0], &with_tail(&params, |p, b| alloc.encode_with(p, b))],
    );
    let control = RpcGspRmControl {
        h_client: 0xc1d0_0001,
        h_object: 0x5c00_0003,
        cmd: 0x2080_0102,
        ..RpcGspRmControl::ZERO
    };
    let params = enc(&Nv2080CtrlGpuGetInfoV2Params::request(&[1, 2, 0x2c]));
    t.seed(
        "control",
        &[&[1], &with_tail(&params, |p, b| control.encode_with(p, b))],
    );
    let rc = RpcRcTriggered {
        except_type: 31,
        mmu_fault_addr_lo: 0x1000,
        ..RpcRcTriggered::ZERO
    };
    t.seed(
        "rc-triggered",
        &[&[2], &with_tail(b"journal", |p, b| rc.encode_with(p, b))],
    );
    let log = RpcLog {
        level: 2,
        log_len: 0,
    };
    t.seed(
        "log",
        &[&[3], &with_tail(b"hello", |p, b| log.encode_with(p, b))],
    );
    let print = RpcUcodeLibosPrint {
        ucode_eng_desc: 1,
        libos_print_buf_size: 3,
    };
    t.seed("libos-print", &[&[4], &enc(&print), b"abc"]);
    let ev = RpcPostEvent {
        h_client: 0xc1d0_0001,
        h_event: 0xe000_0001,
        notify_index: 0x8a,
        ..RpcPostEvent::ZERO
    };
    t.seed(
        "post-event",
        &[
            &[5],
            &with_tail(&[1, 2, 3, 4, 5], |p, b| ev.encode_with(p, b)),
        ],
    );
    let mut err = RpcOsErrorLog::ZERO;
    err.except_type = 13;
    err.err_string[..5].copy_from_slice(b"oops\0");
    t.seed("os-error-log", &[&[6], &enc(&err)]);
    t.seed(
        "free",
        &[&[7], &enc(&RpcFree::new(0xc1d0_0001, 0xcaf0_0001))],
    );
    t.seed("unload", &[&[8], &enc(&RpcUnloadingGuestDriver::new(3))]);
    t.seed("lockdown", &[&[9], &[1]]);
}

fn sequencer(t: &Target) {
    let cmds = [
        SeqCmd::RegWrite(SeqRegWrite {
            addr: 0x110040,
            val: 1,
        }),
        SeqCmd::RegModify(SeqRegModify {
            addr: 0x110000,
            mask: 0xf0,
            val: 0x30,
        }),
        SeqCmd::RegPoll(SeqRegPoll {
            addr: 0x110100,
            mask: 1,
            val: 1,
            timeout: 0,
            error: 7,
        }),
        SeqCmd::DelayUs(SeqDelayUs { val: 10 }),
        SeqCmd::RegStore(SeqRegStore {
            addr: 0x88000,
            index: 7,
        }),
        SeqCmd::CoreReset,
        SeqCmd::CoreStart,
        SeqCmd::CoreWaitForHalt,
        SeqCmd::CoreResume,
    ];
    let mut b = vec![0u8; 512];
    let n = encode_sequence(&cmds, 64, &mut b).unwrap();
    t.seed("all-opcodes", &[&b[..n]]);
    let n = encode_sequence(&[], 1, &mut b).unwrap();
    t.seed("empty", &[&b[..n]]);
}

fn registry(t: &Target) {
    let mut b = vec![0u8; 256];
    let n = encode_registry(
        &[
            ("RMSecBusResetEnable", 1),
            ("RMForcePcieConfigSave", 1),
            ("RMDevidCheckIgnore", 1),
        ],
        &mut b,
    )
    .unwrap();
    t.seed("dwords", &[&b[..n]]);
    // One STRING entry laid out as nouveau's build_registry() does.
    let mut s = vec![0u8; 34];
    put(&mut s, 0, &34u32);
    put(&mut s, 4, &1u32);
    put(&mut s, 8, &24u32);
    s[12] = REGISTRY_TABLE_ENTRY_TYPE_STRING;
    put(&mut s, 16, &28u32);
    put(&mut s, 20, &6u32);
    s[24..28].copy_from_slice(b"Key\0");
    s[28..34].copy_from_slice(b"value\0");
    t.seed("string", &[&s]);
}

fn ctrl_params(t: &Target) {
    let mut gpu = Nv2080CtrlGpuGetInfoV2Params::request(&[1, 2, 0x2c]);
    gpu.gpu_info_list[2].data = 0x86;
    t.seed("gpu-info", &[&[0], &0x2cu32.to_le_bytes(), &enc(&gpu)]);
    let mut fb = Nv2080CtrlFbGetInfoV2Params::request(&[7, 9]);
    fb.fb_info_list[0].data = 24 << 20;
    t.seed("fb-info", &[&[1], &7u32.to_le_bytes(), &enc(&fb)]);
    let mut gr = GrGetInfoV2Params::request(&[GR_INFO_INDEX_LITTER_NUM_GPCS]);
    gr.gr_info_list[0].data = 7;
    t.seed(
        "gr-info",
        &[
            &[2],
            &GR_INFO_INDEX_LITTER_NUM_GPCS.to_le_bytes(),
            &enc(&gr),
        ],
    );
    let mut engines = Nv2080CtrlGpuGetEnginesV2Params::ZERO;
    engines.engine_count = 3;
    engines.engine_list[..3].copy_from_slice(&[1, 9, 0x13]);
    t.seed("engines", &[&[3], &[0; 4], &enc(&engines)]);
    let mut regions = Nv2080CtrlFbGetFbRegionInfoParams::ZERO;
    regions.num_fb_regions = 2;
    regions.fb_region[0] = FbRegionInfo {
        base: 0,
        limit: 0xbfdf_ffff,
        support_compressed: 1,
        support_iso: 1,
        ..FbRegionInfo::ZERO
    };
    regions.fb_region[1] = FbRegionInfo {
        base: 0xbfe0_0000,
        limit: 0xbfff_ffff,
        reserved: 0x20_0000,
        ..FbRegionInfo::ZERO
    };
    t.seed("fb-regions", &[&[4], &[0; 4], &enc(&regions)]);
    let mut s = GspStaticConfigInfo::ZERO;
    s.gpu_name_string[..16].copy_from_slice(b"NVIDIA RTX A6000");
    s.gpu_short_name_string[..5].copy_from_slice(b"GA102");
    s.fb_length = 48 << 30;
    s.fb_region_info_params = regions;
    t.seed("static-info", &[&[5], &[0; 4], &enc(&s)]);
}

fn wire(t: &Target) {
    // Any bytes decode; one seed per selector, long enough for the largest
    // structure (GspStaticConfigInfo, 1656 bytes).
    for sel in 0..96u8 {
        let body: Vec<u8> = (0..1700u32)
            .map(|i| (i * 7 + u32::from(sel)) as u8)
            .collect();
        t.seed(&format!("{sel:02}"), &[&[sel], &body]);
    }
}

/// A bin file of `size` bytes: header, image header at 0x18, image at
/// `data_offset`.
fn bin_file(size: usize, data_offset: u32) -> Vec<u8> {
    let mut f = vec![0u8; size];
    put(
        &mut f,
        0,
        &BinHdr {
            bin_magic: BIN_MAGIC,
            bin_ver: 1,
            bin_size: size as u32,
            header_offset: 0x18,
            data_offset,
            data_size: size as u32 - data_offset,
        },
    );
    f
}

/// A miniature booter in the layout of the real files (as
/// `firmware::hs` tests build it).
fn hs_file() -> Vec<u8> {
    let mut f = bin_file(0x200, 0x100);
    put(
        &mut f,
        0x18,
        &HsHeaderV2 {
            sig_prod_offset: 0x3c,
            sig_prod_size: 0x20,
            patch_loc: 0x5c,
            patch_sig: 0x60,
            meta_data_offset: 0x64,
            meta_data_size: 12,
            num_sig: 0x70,
            header_offset: 0x74,
            header_size: 0x24,
        },
    );
    for (i, b) in f[0x3c..0x5c].iter_mut().enumerate() {
        *b = i as u8;
    }
    put(&mut f, 0x5c, &0x90u32);
    put(
        &mut f,
        0x64,
        &HsMetaData {
            fuse_version: 2,
            engine_id_mask: 1,
            ucode_id: 3,
        },
    );
    put(&mut f, 0x70, &2u32);
    put(
        &mut f,
        0x74,
        &HsLoadHeaderV2 {
            os_code_offset: 0,
            os_code_size: 0x10,
            os_data_offset: 0x80,
            os_data_size: 0x80,
            num_apps: 1,
        },
    );
    put(
        &mut f,
        0x88,
        &HsLoadHeaderV2App {
            offset: 0x10,
            size: 0x70,
            data_offset: 0x10,
            data_size: 0,
        },
    );
    f
}

/// A miniature GSP bootloader (as `firmware::riscv` tests build it).
fn riscv_file() -> Vec<u8> {
    let mut f = bin_file(0x200, 0x100);
    put(
        &mut f,
        0x18,
        &RiscvUcodeDesc {
            version: 5,
            bootloader_offset: 0xc0,
            bootloader_size: 0x30,
            bootloader_param_offset: 0xf0,
            bootloader_param_size: 0x10,
            manifest_offset: 0,
            manifest_size: 0x20,
            monitor_data_offset: 0x20,
            monitor_data_size: 0x20,
            monitor_code_offset: 0x40,
            monitor_code_size: 0x40,
            is_monitor_enabled: 1,
            fb_reserved_size: 0x100,
            ..RiscvUcodeDesc::ZERO
        },
    );
    f
}

fn firmware_bin(t: &Target) {
    t.seed("booter", &[&hs_file()]);
    t.seed("bootloader", &[&riscv_file()]);
    t.seed("bin", &[&bin_file(0x40, 0x20)]);
}

/// An ELF64 with the given sections plus the null section and
/// `.shstrtab` (as `firmware::elf` tests build it).
fn elf_file(sections: &[(&str, &[u8])]) -> Vec<u8> {
    let mut strtab = vec![0u8];
    let mut names = Vec::new();
    for (n, _) in sections.iter().copied().chain([(".shstrtab", &[][..])]) {
        names.push(strtab.len() as u32);
        strtab.extend_from_slice(n.as_bytes());
        strtab.push(0);
    }
    let mut f = vec![0u8; 64];
    let mut shdrs = vec![Elf64SectionHeader::ZERO];
    for (i, (_, d)) in sections.iter().enumerate() {
        shdrs.push(Elf64SectionHeader {
            sh_name: names[i],
            sh_type: 1,
            sh_offset: f.len() as u64,
            sh_size: d.len() as u64,
            ..Elf64SectionHeader::ZERO
        });
        f.extend_from_slice(d);
    }
    shdrs.push(Elf64SectionHeader {
        sh_name: names[sections.len()],
        sh_type: SHT_STRTAB,
        sh_offset: f.len() as u64,
        sh_size: strtab.len() as u64,
        ..Elf64SectionHeader::ZERO
    });
    f.extend_from_slice(&strtab);
    let shoff = f.len();
    for s in &shdrs {
        f.extend_from_slice(&enc(s));
    }
    let mut e_ident = [0u8; 16];
    e_ident[..4].copy_from_slice(&ELF_MAGIC);
    e_ident[4..7].copy_from_slice(&[ELFCLASS64, ELFDATA2LSB, EV_CURRENT]);
    put(
        &mut f,
        0,
        &Elf64Header {
            e_ident,
            e_type: 1,
            e_machine: 243,
            e_version: 1,
            e_shoff: shoff as u64,
            e_ehsize: 64,
            e_shentsize: 64,
            e_shnum: shdrs.len() as u16,
            e_shstrndx: (shdrs.len() - 1) as u16,
            ..Elf64Header::ZERO
        },
    );
    f
}

fn elf(t: &Target) {
    t.seed(
        "gsp-rm",
        &[&elf_file(&[
            (".fwimage", b"image"),
            (".fwversion", b"570.144\0"),
            (".fwsignature_ga10x", b"sig"),
        ])],
    );
    t.seed(
        "no-version",
        &[&elf_file(&[
            (".fwimage", b"i"),
            (".fwsignature_ga10x", b"s"),
        ])],
    );
}

/// One ROM image of `blocks` 512-byte blocks with ROM header, PCIR and
/// NPDE.
fn rom_image(code_type: u8, blocks: u16, last: bool) -> Vec<u8> {
    let mut img = vec![0u8; usize::from(blocks) * 512];
    let flag = if last { LAST_IMAGE } else { 0 };
    ImageHeaders {
        rom: PciRomHeader {
            signature: ROM_SIGNATURE,
            reserved: [0; 22],
            pci_data_struct_offset: 0x20,
        },
        pcir: Pcir {
            signature: PCIR_SIGNATURE,
            vendor_id: 0x10de,
            pci_data_struct_len: 0x18,
            image_len: blocks,
            code_type,
            last_image: flag,
            ..Pcir::ZERO
        },
        npde: Some(Npde {
            signature: NPDE_SIGNATURE,
            revision: 0x101,
            length: 12,
            subimage_len: blocks,
            last_image: flag,
            flags: 0,
        }),
    }
    .encode(&mut img)
    .unwrap();
    img
}

/// The PC-AT image with the BIT at 0x100 and token 'p' pointing at the
/// falcon ucode table (0x80 into the FWSEC images).
fn pci_at_image() -> Vec<u8> {
    let mut img = rom_image(CODE_TYPE_PCI_AT, 2, false);
    put(
        &mut img,
        0x100,
        &BitHeader {
            id: BIT_HEADER_ID,
            signature: BIT_SIGNATURE,
            bcd_version: 0x100,
            header_size: 12,
            token_size: 6,
            token_entries: 1,
            checksum: 0,
        }
        .with_checksum(),
    );
    put(
        &mut img,
        0x10c,
        &BitToken {
            id: b'p',
            data_version: 2,
            data_size: 4,
            data_offset: 0x120,
        },
    );
    put(&mut img, 0x120, &(0x400u32 + 0x80));
    img
}

/// FWSEC as the VBIOS stores it: descriptor with one signature, IMEM
/// (0x100 bytes), DMEM (0x200 bytes) with the interface table at 0 and
/// the DMEMMAPPER at 0x20.
fn fwsec_ucode() -> Vec<u8> {
    let size = FALCON_UCODE_DESC_V3_SIZE + BCRT30_RSA3K_SIG_SIZE;
    let mut d = vec![0u8; size + 0x300];
    put(
        &mut d,
        0,
        &FalconUcodeDescV3 {
            hdr: vdesc(3, size as u16),
            stored_size: 0x300,
            pkc_data_offset: 0x80,
            interface_offset: 0,
            imem_load_size: 0x100,
            dmem_load_size: 0x200,
            engine_id_mask: 0x400,
            ucode_id: 9,
            signature_count: 1,
            signature_versions: 1,
            ..FalconUcodeDescV3::ZERO
        },
    );
    d[size + 0x100..].copy_from_slice(&dmem());
    d
}

fn dmem() -> Vec<u8> {
    let mut d = vec![0u8; 0x200];
    put(
        &mut d,
        0,
        &AppifHeaderV1 {
            version: 1,
            header_size: 4,
            entry_size: 8,
            entry_count: 1,
        },
    );
    put(
        &mut d,
        4,
        &AppifEntryV1 {
            id: APPIF_ID_DMEMMAPPER,
            dmem_offset: 0x20,
        },
    );
    put(
        &mut d,
        0x20,
        &DmemMapperV3 {
            signature: DMEMMAPPER_SIGNATURE,
            version: DMEMMAPPER_VERSION_3,
            size: 64,
            cmd_in_buffer_offset: 0x60,
            cmd_in_buffer_size: 0x40,
            ..DmemMapperV3::ZERO
        },
    );
    d
}

fn ucode_table() -> Vec<u8> {
    let mut t = enc(&FalconUcodeTableHdrV1 {
        version: 1,
        header_size: 6,
        entry_size: 6,
        entry_count: 2,
        desc_version: 3,
        desc_size: 44,
    });
    t.resize(18, 0);
    for (i, (id, ptr)) in [(APPID_FWSEC_DBG, 0), (APPID_FWSEC_PROD, 0x400 + 0x100)]
        .into_iter()
        .enumerate()
    {
        FalconUcodeTableEntryV1 {
            application_id: id,
            target_id: 0,
            desc_ptr: ptr,
        }
        .encode(&mut t, 6 + 6 * i)
        .unwrap();
    }
    t
}

/// PC-AT (2 blocks), EFI (1 block), FWSEC (4 blocks: the falcon ucode
/// table at 0x80, FWSEC at 0x100), as the `firmware::vbios` tests build it.
fn rom() -> Vec<u8> {
    let efi = rom_image(CODE_TYPE_EFI, 1, false);
    let mut fwsec = rom_image(CODE_TYPE_FWSEC, 4, true);
    let table = ucode_table();
    fwsec[0x80..0x80 + table.len()].copy_from_slice(&table);
    let ucode = fwsec_ucode();
    fwsec[0x100..0x100 + ucode.len()].copy_from_slice(&ucode);
    [pci_at_image(), efi, fwsec].concat()
}

fn vbios(t: &Target) {
    t.seed("rom", &[&rom()]);
}

fn vbios_parts(t: &Target) {
    t.seed(
        "image-headers",
        &[&[0], &rom_image(CODE_TYPE_FWSEC, 1, true)[..0x60]],
    );
    t.seed("bit", &[&[1], &pci_at_image()]);
    t.seed("ucode-table", &[&[2], &[1], &[0; 2], &ucode_table()]);
    t.seed("fwsec", &[&[3], &fwsec_ucode()]);
    let frts = [0xbff0_0000u64, 0x10_0000].map(u64::to_le_bytes).concat();
    t.seed(
        "dmem",
        &[&[4], &[0], &0x15u32.to_le_bytes(), &frts, &dmem()],
    );
}

/// The firmware seeds must get through their parsers, or the fuzzer starts
/// from inputs that stop at the first check.
fn verify() {
    use nvgsp_proto::firmware::gsp_rm::{GspRmFirmware, SECTION_SIGNATURE_GA10X};
    use nvgsp_proto::firmware::hs::HsFirmware;
    use nvgsp_proto::firmware::riscv::RiscvFirmware;
    use nvgsp_proto::firmware::vbios::appif::DmemInterface;
    use nvgsp_proto::firmware::vbios::Vbios;
    HsFirmware::parse(&hs_file()).expect("booter seed");
    RiscvFirmware::parse(&riscv_file()).expect("bootloader seed");
    let e = elf_file(&[(".fwimage", b"i"), (".fwsignature_ga10x", b"s")]);
    GspRmFirmware::parse(&e, SECTION_SIGNATURE_GA10X).expect("ELF seed");
    let rom = rom();
    let v = Vbios::parse(&rom).expect("VBIOS seed");
    let f = v.fwsec().expect("FWSEC seed");
    DmemInterface::find(f.dmem(), f.desc.interface_offset).expect("DMEM seed");
}

fn main() {
    verify();
    let Some(out) = std::env::args_os().nth(1) else {
        eprintln!("usage: nvgsp-proto-fuzz-seeds OUTDIR");
        std::process::exit(2);
    };
    let out = PathBuf::from(out);
    type Seeds = fn(&Target);
    let targets: [(&str, Seeds); 11] = [
        ("msgq_element", msgq_element),
        ("shared_mem", shared_mem),
        ("rpc", rpc),
        ("sequencer", sequencer),
        ("registry", registry),
        ("ctrl_params", ctrl_params),
        ("wire", wire),
        ("firmware_bin", firmware_bin),
        ("elf", elf),
        ("vbios", vbios),
        ("vbios_parts", vbios_parts),
    ];
    for (name, f) in targets {
        f(&Target::new(&out, name));
    }
}
