//! The boot and unload chains driven as a driver drives them: BAR0 accesses
//! through the device, ucode DMA-loaded from a file-backed guest memory,
//! GSP-RM commands through its queue. The FWSEC tests need only the
//! synthesized VBIOS; the booter tests need the real GA102 files
//! (`NVGSP_FIRMWARE_DIR`, see [`driver::firmware_dir`]).

mod driver;

use super::code;
use super::fwsec::{frts_err, sb_err};
use crate::dev::bar0::reg;
use driver::{frts_cmd, frts_region, Falcon, Gpu, VRAM};
use nvgsp_proto::falcon as f;
use nvgsp_proto::firmware::fuse_version;
use nvgsp_proto::firmware::vbios::appif::{DmemInterface, FwsecCommand};
use nvgsp_proto::firmware::vbios::ucode_table::APPID_FWSEC_DBG;
use nvgsp_proto::firmware::vbios::Vbios;
use nvgsp_proto::gsp::wpr_meta::{GspFwWprMeta, GSP_FW_WPR_META_VERIFIED};
use vfio_user::ServerBackend;

/// A GPU for the FWSEC tests: no GSP-RM firmware, a little guest memory.
fn gpu() -> Gpu {
    Gpu::new(false, 1 << 20)
}

/// DMEM offsets of the synthesized FWSEC's `init_cmd` and command buffer.
fn cmd_fields(g: &mut Gpu) -> (usize, usize) {
    let rom = g.rom();
    let v = Vbios::parse(&rom).unwrap();
    let fw = v.fwsec().unwrap();
    let i = DmemInterface::find(fw.dmem(), fw.desc.interface_offset).unwrap();
    (
        i.init_cmd_offset() as usize,
        i.mapper.cmd_in_buffer_offset as usize,
    )
}

#[test]
fn the_vbios_and_fuses_are_what_the_driver_reads() {
    let mut g = gpu();
    let rom = g.rom();
    let fw = Vbios::parse(&rom).unwrap().fwsec().unwrap();
    assert_eq!((fw.desc.engine_id_mask, fw.desc.ucode_id), (0x400, 9));
    // NV_FUSE_OPT_FPF_GSP_UCODE9_VERSION: version 2 -> the second of the
    // signatures for versions 1 and 2.
    let fuse = g.read32(0x8241c0 + 8 * 4);
    assert_eq!(fuse, 0b11);
    assert_eq!(fw.signature_index(fuse_version(fuse)), Ok(1));
    for id in (1..=16).filter(|&i| i != 9) {
        assert_eq!(g.read32(0x8241c0 + 4 * (id - 1)), 0);
    }
    // Without firmware there is no booter: no SEC2 fuse.
    assert_eq!(g.read32(f::FUSE_SEC2_UCODE1_VERSION + 8), 0);
}

#[test]
fn gsp_start_without_ucode_keeps_the_mailboxes() {
    let mut g = gpu();
    g.reset(Falcon::Gsp);
    assert_eq!(
        g.boot(Falcon::Gsp, Some(0x1234_5000), Some(0x1)),
        (0x1234_5000, 0x1)
    );
    assert_eq!(g.wpr2(), None);
}

#[test]
fn fwsec_frts_carves_wpr2_at_the_frts_region() {
    let mut g = gpu();
    assert_eq!(g.run_frts(), 0);
    assert_eq!(g.frts_err(), 0);
    let r = frts_region();
    // 256 MiB: FRTS is 0xfe00000..0xff00000, below the 1 MiB VGA workspace.
    assert_eq!(r, 0xfe0_0000..0xff0_0000);
    assert_eq!(g.read32(reg::WPR2_ADDR_LO), ((r.start >> 12) << 4) as u32);
    assert_eq!(g.read32(reg::WPR2_ADDR_HI), ((r.end >> 12) << 4) as u32);
    assert_eq!(g.wpr2(), Some(r));
    assert_eq!(g.read32(f::GSP_BASE + f::MAILBOX0), 0);
}

#[test]
fn fwsec_frts_refuses_when_wpr2_exists() {
    let mut g = gpu();
    assert_eq!(g.run_frts(), 0);
    assert_eq!(g.run_frts(), code::FRTS_FAILED);
    assert_eq!(g.frts_err(), u32::from(frts_err::WPR2_EXISTS));
    assert_eq!(g.wpr2(), Some(frts_region()));
    // Only a device reset (or booter_unload) removes WPR2.
    g.dev.reset().unwrap();
    g.wait_gfw_boot();
    assert_eq!(g.wpr2(), None);
    assert_eq!(g.frts_err(), 0);
    assert_eq!(g.run_frts(), 0);
}

#[test]
fn fwsec_frts_refuses_a_region_other_than_the_layouts() {
    let mut g = gpu();
    let r = frts_region();
    for (offset, size) in [
        (r.start - (1 << 20), 1 << 20),
        (r.start, 2 << 20),
        (VRAM - (1 << 20), 1 << 20),
        (r.start + 0x1000, 1 << 20),
    ] {
        let u = g.fwsec(FwsecCommand::Frts { offset, size });
        assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::FRTS_FAILED);
        assert_eq!(g.frts_err(), u32::from(frts_err::BAD_REGION));
        assert_eq!(g.wpr2(), None);
    }
    // A good run clears the error code.
    assert_eq!(g.run_frts(), 0);
    assert_eq!(g.frts_err(), 0);
}

#[test]
fn fwsec_without_the_fused_signature_is_rejected_by_the_boot_rom() {
    let mut g = gpu();
    let mut u = g.fwsec(frts_cmd());
    let sig = g.other_fwsec_signature();
    let at = u.pkc_data_offset as usize;
    u.dmem_mut()[at..at + sig.len()].copy_from_slice(&sig);
    assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::BAD_UCODE);
    u.dmem_mut()[at..at + sig.len()].fill(0);
    assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::BAD_UCODE);
    // The ucode never ran: no FRTS error code, no WPR2.
    assert_eq!((g.frts_err(), g.wpr2()), (0, None));
}

#[test]
fn fwsec_dbg_or_altered_code_and_data_are_rejected() {
    let mut g = gpu();
    let u = g.fwsec_for(APPID_FWSEC_DBG, frts_cmd());
    assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::BAD_UCODE);
    let good = g.fwsec(frts_cmd());
    let mut u = good.clone();
    u.image[0x10] ^= 1;
    assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::BAD_UCODE);
    let mut u = good.clone();
    u.dmem_mut()[0x20] ^= 1;
    assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::BAD_UCODE);
    // The DMEM image not loaded at all.
    let mut u = good;
    u.dmem.len = 0;
    assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::BAD_UCODE);
    assert_eq!((g.frts_err(), g.wpr2()), (0, None));
}

#[test]
fn fwsec_with_wrong_boot_rom_parameters_is_rejected() {
    let mut g = gpu();
    let good = g.fwsec(frts_cmd());
    for bad in [
        |u: &mut driver::Ucode| u.ucode_id = 1,
        |u: &mut driver::Ucode| u.engine_id_mask = 1,
        |u: &mut driver::Ucode| u.pkc_data_offset += 0x10,
        |u: &mut driver::Ucode| u.boot_addr = 0x100,
    ] {
        let mut u = good.clone();
        bad(&mut u);
        assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::BAD_UCODE);
        assert_eq!(g.wpr2(), None);
    }
    assert_eq!(g.run(Falcon::Gsp, &good, [0, 0]), 0);
}

#[test]
fn fwsec_refuses_commands_it_does_not_run() {
    let mut g = gpu();
    let (init_cmd, cmd_in) = cmd_fields(&mut g);
    // An init_cmd FWSEC does not have: no scratch code.
    let mut u = g.fwsec(frts_cmd());
    u.dmem_mut()[init_cmd..init_cmd + 4].copy_from_slice(&0x42u32.to_le_bytes());
    assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::BAD_COMMAND);
    assert_eq!(g.frts_err(), 0);
    // FRTS with a bad read-VBIOS descriptor (flags).
    let mut u = g.fwsec(frts_cmd());
    u.dmem_mut()[cmd_in + 20] = 0;
    assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::BAD_COMMAND);
    assert_eq!(g.frts_err(), u32::from(frts_err::BAD_COMMAND));
    // FRTS with a region in system memory (media type 1).
    let mut u = g.fwsec(frts_cmd());
    u.dmem_mut()[cmd_in + 24 + 16] = 1;
    assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::BAD_COMMAND);
    // SB with a bad descriptor: its error code is in SW_SCRATCH(0x15).
    let mut u = g.fwsec(FwsecCommand::Sb);
    u.dmem_mut()[cmd_in] = 7;
    assert_eq!(g.run(Falcon::Gsp, &u, [0, 0]), code::BAD_COMMAND);
    assert_eq!(
        g.read32(reg::SW_SCRATCH_15) & 0xffff,
        u32::from(sb_err::BAD_COMMAND)
    );
    assert_eq!(g.wpr2(), None);
}

#[test]
fn fwsec_sb_runs_and_leaves_wpr2_alone() {
    let mut g = gpu();
    assert_eq!(g.run_frts(), 0);
    assert!(!g.dev.boot.sb_ran());
    assert_eq!(g.run_sb(), 0);
    assert!(g.dev.boot.sb_ran());
    assert_eq!(g.read32(reg::SW_SCRATCH_15) & 0xffff, 0);
    assert_eq!(g.wpr2(), Some(frts_region()));
}

#[test]
fn fwsec_after_a_dma_fault_does_not_run() {
    let mut g = gpu();
    let u = g.fwsec(frts_cmd());
    g.reset(Falcon::Gsp);
    g.load(Falcon::Gsp, &u);
    // One more transfer from an address the guest never mapped.
    g.write32(f::GSP_BASE + f::DMATRFBASE, 0x10);
    g.write32(f::GSP_BASE + f::DMATRFMOFFS, 0x8000);
    g.write32(f::GSP_BASE + f::DMATRFFBOFFS, 0);
    g.write32(f::GSP_BASE + f::DMATRFCMD, 6 << f::DMATRFCMD_SIZE_SHIFT);
    assert_eq!(g.boot(Falcon::Gsp, Some(0), None).0, code::DMA_FAULT);
    assert_eq!(g.wpr2(), None);
}

// The booter tests: the real GA102 files.

#[test]
fn ga102_chain_boots_unloads_and_boots_again() {
    let mut g = Gpu::with_firmware();
    let mut b = g.boot_gsp();
    // booter_load extended WPR2 from FRTS down to gspFwWprStart.
    let m = b.wpr_meta;
    assert_eq!(
        g.wpr2(),
        Some(m.gsp_fw_wpr_start..m.frts_offset + m.frts_size)
    );
    assert_eq!(m.frts_offset + m.frts_size, frts_region().end);
    g.unload_gsp(&mut b);
    assert!(!g.riscv_active());
    // No device reset in between: the unload chain is enough.
    let mut b = g.boot_gsp();
    g.unload_gsp(&mut b);
}

/// GSP-RM binds BAR1 at each boot, to tables in the non-WPR heap of the
/// layout the driver booted it with (the real files' sizes), and unbinds
/// at unload (`UNLOADING_GUEST_DRIVER`), which counts a driver defect if
/// the driver took PD3's first entry and did not give it back.
#[test]
fn gsp_rm_binds_bar1_at_each_boot() {
    use nvgsp_proto::bus::{self, BAR1_BLOCK};
    let mut g = Gpu::with_firmware();
    // Where GSP-RM's `boot`th boot puts BAR1's tables (PD3 and PD2 swap
    // pages from one boot to the next).
    let layout = |boot: u32| {
        crate::gsp_rm::bar1::Layout::of(&crate::gsp_rm::RmConfig {
            vram: VRAM,
            boot,
            ..Default::default()
        })
    };
    // PD3's first entry written through PRAMIN, then an FB flush waited
    // for (nouveau `nv50_instobj_wr32_slow`, `g84_bar_flush`).
    let pd3_entry = |g: &mut Gpu, pd3: u64, v: u64| {
        g.write32(bus::BAR0_WINDOW, (pd3 >> 16) as u32);
        let at = bus::PRAMIN + (pd3 & 0xffff) as u32;
        g.write32(at + 4, (v >> 32) as u32);
        g.write32(at, v as u32);
        g.write32(bus::FB_FLUSH, 1);
        while g.read32(bus::FB_FLUSH) & bus::FB_FLUSH_OUTSTANDING != 0 {}
    };
    let driver_pd2 = (0x10_0000u64 >> 12) << 8 | 1 << 1;
    assert_ne!(layout(1).pd3, layout(2).pd3, "PD3 stays where it was");
    for round in 0..2 {
        let layout = layout(round as u32 + 1);
        let mut b = g.boot_gsp();
        let start = std::time::Instant::now();
        while g.read32(BAR1_BLOCK) == 0 {
            assert!(start.elapsed().as_secs() < 5, "GSP-RM did not bind BAR1");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert_eq!(g.read32(BAR1_BLOCK), 1 << 31 | (layout.inst >> 12) as u32);
        let m = b.wpr_meta;
        let heap = m.non_wpr_heap_offset..m.non_wpr_heap_offset + m.non_wpr_heap_size;
        let last = layout.pd2.max(layout.pd3);
        assert!(heap.contains(&layout.inst) && heap.contains(&(last + 0xfff)));
        assert!(last + 0x1000 <= m.gsp_fw_wpr_start);
        // Taken; given back before the first unload only.
        pd3_entry(&mut g, layout.pd3, driver_pd2);
        if round == 0 {
            pd3_entry(&mut g, layout.pd3, layout.pd3_entry());
        }
        g.unload_gsp(&mut b);
        assert_eq!(g.read32(BAR1_BLOCK), 0);
        assert_eq!(crate::dev::lock(&g.dev.hw).counters.defects, round);
    }
}

#[test]
fn booter_load_requires_wpr2_from_fwsec_frts() {
    let mut g = Gpu::with_firmware();
    let b = g.gsp_boot();
    // FWSEC-FRTS skipped.
    g.start_libos(&b);
    assert_eq!(g.run_booter_load(b.meta), code::BAD_WPR2);
    assert!(!g.riscv_active());
    // Bad metadata after FRTS: WPR2 stays FRTS's.
    assert_eq!(g.run_frts(), 0);
    g.start_libos(&b);
    let mut bad = b.wpr_meta;
    bad.magic ^= 1;
    let bad = g.write_meta(&bad);
    assert_eq!(g.run_booter_load(bad), code::BAD_WPR_META);
    assert_eq!(g.wpr2(), Some(frts_region()));
    // nova-core's failure path runs the unload bundle: WPR2 goes.
    assert_eq!(g.run_sb(), 0);
    assert_eq!(g.run_booter_unload(), 0);
    assert_eq!(g.wpr2(), None);
    let mut b = g.boot_gsp();
    g.unload_gsp(&mut b);
}

/// Every layout field booter_load depends on is checked against the
/// model's own derivation (`wpr_rules.rs`), not the builder the driver
/// used: one wrong field, and booter_load refuses the metadata.
#[test]
fn booter_load_checks_each_field_of_the_metadata() {
    let mut g = Gpu::with_firmware();
    let b = g.gsp_boot();
    assert_eq!(g.run_frts(), 0);
    type Mutation = (&'static str, fn(&mut GspFwWprMeta));
    let mutations: [Mutation; 7] = [
        ("gspFwWprEnd", |m| m.gsp_fw_wpr_end += 0x2_0000),
        ("gspFwRsvdStart", |m| m.gsp_fw_rsvd_start = 0),
        ("bootCount", |m| m.boot_count = 1),
        ("verified", |m| m.verified = GSP_FW_WPR_META_VERIFIED),
        ("bootloaderManifestOffset", |m| {
            m.bootloader_manifest_offset += 0x100
        }),
        ("gspFwHeapSize", |m| m.gsp_fw_heap_size -= 0x10_0000),
        ("gspFwHeapSize", |m| m.gsp_fw_heap_size = 87 << 20),
    ];
    for (field, mutate) in mutations {
        let mut bad = b.wpr_meta;
        mutate(&mut bad);
        let bad = g.write_meta(&bad);
        g.start_libos(&b);
        assert_eq!(g.run_booter_load(bad), code::BAD_WPR_META, "{field}");
    }
    g.start_libos(&b);
    assert_eq!(g.run_booter_load(b.meta), 0);
}

/// A heap with VF partitions (GSP-RM hosting vGPUs) needs a board with
/// SR-IOV, the vGPU heap's 581..1040 MiB and at most 32 partitions; the
/// vGPU heap without partitions is refused too. Each metadata below is a
/// consistent layout that breaks one of these rules alone.
#[test]
fn booter_load_takes_vf_partitions_only_with_the_vgpu_heap_on_an_sriov_board() {
    use crate::board::Board;
    use nvgsp_proto::gsp::fb_layout::FbLayout;
    const GIB: u64 = 1 << 30;
    // The GeForce board: partitions are refused even with the vGPU heap.
    let mut g = Gpu::on_board(Board::Rtx3090, GIB, true, 96 << 20);
    let b = g.gsp_boot_vgpu(2);
    assert_eq!(g.run_frts(), 0);
    g.start_libos(&b);
    assert_eq!(g.run_booter_load(b.meta), code::BAD_WPR_META, "GeForce");
    assert!(!g.riscv_active());

    let mut g = Gpu::on_board(Board::A10, GIB, true, 96 << 20);
    let vgpu = g.gsp_boot_vgpu(2);
    let images = g.images().unwrap();
    let bare = FbLayout::ga102(GIB, images.bootloader_size, images.elf_size).unwrap();
    assert_eq!(g.run_frts(), 0);
    let metas: [(&str, GspFwWprMeta); 3] = [
        (
            "33 partitions",
            GspFwWprMeta {
                gsp_fw_heap_vf_partition_count: 33,
                ..vgpu.wpr_meta
            },
        ),
        (
            "partitions with the bare-metal heap",
            GspFwWprMeta {
                gsp_fw_heap_vf_partition_count: 2,
                ..GspFwWprMeta::for_boot(&bare, &images)
            },
        ),
        (
            "the vGPU heap without partitions",
            GspFwWprMeta {
                gsp_fw_heap_vf_partition_count: 0,
                ..vgpu.wpr_meta
            },
        ),
    ];
    for (what, m) in metas {
        let at = g.write_meta(&m);
        g.start_libos(&vgpu);
        assert_eq!(g.run_booter_load(at), code::BAD_WPR_META, "{what}");
        assert!(!g.riscv_active(), "{what}");
    }
    // The A10 boots GSP-RM with the vGPU heap and its partitions; the
    // heap is the one of its layout (WPR2 reaches down to it).
    g.start_libos(&vgpu);
    assert_eq!(g.run_booter_load(vgpu.meta), 0);
    assert!(g.riscv_active());
    let m = vgpu.wpr_meta;
    assert_eq!(m.gsp_fw_heap_size, 581 << 20);
    assert_eq!(g.wpr2().map(|r| r.start), Some(m.gsp_fw_wpr_start));
}

#[test]
fn booter_load_keeps_its_checks_and_leaves_wpr2_on_failure() {
    let mut g = Gpu::with_firmware();
    let b = g.gsp_boot();
    assert_eq!(g.run_frts(), 0);
    g.start_libos(&b);
    // A GSP-RM signature that is not the file's.
    let sig = g.images().unwrap().signature + 0x10;
    let mut byte = [0u8];
    g.dev.mem.read(sig, &mut byte).unwrap();
    g.dev.mem.write(sig, &[!byte[0]]).unwrap();
    assert_eq!(g.run_booter_load(b.meta), code::BAD_IMAGE);
    g.dev.mem.write(sig, &byte).unwrap();
    // LibOS arguments where the guest has no memory.
    g.reset(Falcon::Gsp);
    g.boot(Falcon::Gsp, Some(0x1000), Some(0));
    assert_eq!(g.run_booter_load(b.meta), code::BAD_LIBOS_ARGS);
    assert_eq!(g.wpr2(), Some(frts_region()));
    assert!(!g.riscv_active());
    g.start_libos(&b);
    assert_eq!(g.run_booter_load(b.meta), 0);
    assert!(g.riscv_active());
}

#[test]
fn a_second_boot_without_the_unload_chain_fails_like_hardware() {
    let mut g = Gpu::with_firmware();
    let b = g.boot_gsp();
    // The driver goes away without unloading; the next one starts over.
    assert_eq!(g.run_frts(), code::FRTS_FAILED);
    assert_eq!(g.frts_err(), u32::from(frts_err::WPR2_EXISTS));
    g.start_libos(&b);
    assert_eq!(g.run_booter_load(b.meta), code::BAD_WPR2);
    // A device reset clears WPR2.
    g.dev.reset().unwrap();
    g.wait_gfw_boot();
    assert_eq!(g.wpr2(), None);
    let mut b = g.boot_gsp();
    g.unload_gsp(&mut b);
}

#[test]
fn booter_unload_requires_gsp_rm_stopped() {
    let mut g = Gpu::with_firmware();
    let _b = g.boot_gsp();
    let wpr2 = g.wpr2();
    assert_eq!(g.run_booter_unload(), code::GSP_RM_RUNNING);
    assert_eq!(g.wpr2(), wpr2);
    assert!(g.riscv_active());
    // Suspend-resume data in the mailboxes is not modelled.
    g.reset(Falcon::Gsp);
    let u = g.booter("booter_unload");
    assert_eq!(g.run(Falcon::Sec2, &u, [0x1000, 0]), code::BAD_ARGS);
    // Resetting the GSP falcon stops GSP-RM too (OpenRM's 0/0 arguments).
    assert!(!g.riscv_active());
    assert_eq!(g.run(Falcon::Sec2, &u, [0, 0]), 0);
    assert_eq!(g.wpr2(), None);
    // Nothing left to remove: still a success.
    assert_eq!(g.run_booter_unload(), 0);
    assert_eq!(g.run_frts(), 0);
}

#[test]
fn booters_with_the_wrong_signature_or_on_the_wrong_falcon_are_refused() {
    let mut g = Gpu::with_firmware();
    let fuse = g.read32(f::FUSE_SEC2_UCODE1_VERSION + 4 * 2);
    assert_eq!(fuse, 1, "booter ucode id 3, fuse version 1");
    let mut u = g.booter("booter_unload");
    let at = u.pkc_data_offset as usize;
    u.dmem_mut()[at] ^= 0xff;
    assert_eq!(g.run(Falcon::Sec2, &u, [0xff, 0xff]), code::BAD_UCODE);
    let fwsec = g.fwsec(frts_cmd());
    assert_eq!(g.run(Falcon::Sec2, &fwsec, [0, 0]), code::BAD_UCODE);
    let load = g.booter("booter_load");
    assert_eq!(g.run(Falcon::Gsp, &load, [0, 0]), code::BAD_UCODE);
    assert_eq!(g.wpr2(), None);
}

/// After a reset GFW boot runs again on the GSP: a ucode started before it
/// completes halts with GFW_RUNNING; once GFW_BOOT reads 0xff it runs.
#[test]
fn a_ucode_started_during_gfw_boot_halts() {
    let mut g = gpu();
    // Long enough to start FWSEC within it on any machine; then ended.
    g.dev.set_gfw_boot_time(std::time::Duration::from_secs(60));
    g.dev.reset().unwrap();
    assert_eq!(g.run_frts(), code::GFW_RUNNING);
    g.dev.set_gfw_boot_time(std::time::Duration::ZERO);
    g.wait_gfw_boot();
    assert_eq!(g.run_frts(), 0);
}

/// A load whose DMA was refused (here: no FBIF set up, so nothing reached
/// IMEM) does not pass for the boot ROM's LibOS hand-over: the falcon
/// halts with DMA_FAULT.
#[test]
fn a_load_whose_dma_faulted_halts_with_dma_fault() {
    let mut g = gpu();
    g.reset(Falcon::Gsp);
    g.write32(
        f::GSP_BASE + f::DMATRFCMD,
        f::DMATRFCMD_IMEM | 1 << 2 | 6 << f::DMATRFCMD_SIZE_SHIFT,
    );
    assert_eq!(g.boot(Falcon::Gsp, Some(0), Some(0)).0, code::DMA_FAULT);
}
