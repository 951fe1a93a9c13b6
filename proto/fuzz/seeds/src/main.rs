// SPDX-License-Identifier: GPL-2.0
//! Writes the seed corpus of every fuzz target: small valid inputs built
//! with nvgsp-proto's own encoders and, for the firmware files and the
//! VBIOS, the builders and samples its unit tests use (`nvgsp_proto::build`;
//! no bytes from NVIDIA's files). `scripts/fuzz` runs it before fuzzing:
//!
//!     nvgsp-proto-fuzz-seeds OUTDIR    # writes OUTDIR/<target>/seed-<name>
//!
//! Inputs of targets that pick a parser with their first byte start with
//! that byte (and whatever values the target reads next).

use nvgsp_proto::build::{bin, elf::elf64, enc, hs, put, riscv, rom, vbios as mini};
use nvgsp_proto::firmware::vbios::rom::CODE_TYPE_FWSEC;
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

fn firmware_bin(t: &Target) {
    t.seed("booter", &[&hs::sample()]);
    t.seed("bootloader", &[&riscv::sample()]);
    t.seed("bin", &[&bin::file(&[], &[0; 0x20], 0x20)]);
}

fn elf(t: &Target) {
    t.seed(
        "gsp-rm",
        &[&elf64(&[
            (".fwimage", b"image"),
            (".fwversion", b"570.144\0"),
            (".fwsignature_ga10x", b"sig"),
        ])],
    );
    t.seed(
        "no-version",
        &[&elf64(&[(".fwimage", b"i"), (".fwsignature_ga10x", b"s")])],
    );
}

fn vbios(t: &Target) {
    t.seed("rom", &[&mini::rom()]);
}

fn vbios_parts(t: &Target) {
    let image = rom::image(&rom::headers(CODE_TYPE_FWSEC, 1, true)).unwrap();
    t.seed("image-headers", &[&[0], &image[..0x60]]);
    t.seed("bit", &[&[1], &mini::pci_at_image()]);
    t.seed("ucode-table", &[&[2], &[1], &[0; 2], &mini::ucode_table()]);
    t.seed("fwsec", &[&[3], &mini::fwsec_ucode()]);
    let frts = [0xbff0_0000u64, 0x10_0000].map(u64::to_le_bytes).concat();
    t.seed(
        "dmem",
        &[&[4], &[0], &0x15u32.to_le_bytes(), &frts, &mini::dmem()],
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
    HsFirmware::parse(&hs::sample()).expect("booter seed");
    RiscvFirmware::parse(&riscv::sample()).expect("bootloader seed");
    let e = elf64(&[(".fwimage", b"i"), (".fwsignature_ga10x", b"s")]);
    GspRmFirmware::parse(&e, SECTION_SIGNATURE_GA10X).expect("ELF seed");
    let rom = mini::rom();
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
