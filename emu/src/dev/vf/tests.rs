//! The virtual functions through their vfio-user backend: the config
//! space QEMU reads, the register window and BAR1, which reaches only the
//! guest memory of the VF's own vGPU.

use super::*;
use crate::board::{Board, A10_SRIOV};
use crate::dev::bar0::PRI_ERROR;
use crate::dev::boot::Boot;
use crate::dev::sriov::{Segment, VfChannels};
use crate::dev::{lock, Device, REGION_CONFIG};
use crate::gsp_rm::RmConfig;
use crate::vram::Vram;
use nvgsp_proto::intr;

const MIB: u64 = 1 << 20;
const VRAM: u64 = 64 * MIB;
const BAR0: u32 = REGION_BAR0;
const BAR1: u32 = REGION_BAR1;

/// The A10's SR-IOV state over a fresh VRAM, and VF `index` of it.
struct Vfs {
    vram: Vram,
    sriov: Arc<Sriov>,
}

impl Vfs {
    fn new() -> Vfs {
        crate::logger::init(false);
        let vram = Vram::new(VRAM).unwrap();
        let sriov = Arc::new(
            Sriov::new(
                Board::A10,
                A10_SRIOV,
                ChipId::GA102_A1,
                vram.view().unwrap(),
            )
            .unwrap(),
        );
        Vfs { vram, sriov }
    }

    fn vf(&self, index: u16) -> VirtualFunction {
        VirtualFunction::new(self.sriov.clone(), index, false).unwrap()
    }

    /// VRAM as the GPU sees it, `len` bytes at `at`.
    fn vram_at(&self, at: u64, len: usize) -> Vec<u8> {
        let mut b = vec![0; len];
        self.vram.view().unwrap().read(at, &mut b).unwrap();
        b
    }

    /// Whether all of VRAM is still zero.
    fn vram_untouched(&self) -> bool {
        self.vram_at(0, VRAM as usize).iter().all(|&b| b == 0)
    }
}

fn r32(f: &mut VirtualFunction, region: u32, off: u64) -> u32 {
    let mut b = [0u8; 4];
    f.region_read(region, off, &mut b).unwrap();
    u32::from_le_bytes(b)
}

fn w32(f: &mut VirtualFunction, region: u32, off: u64, v: u32) {
    f.region_write(region, off, &v.to_le_bytes()).unwrap();
}

fn r64(f: &mut VirtualFunction, region: u32, off: u64) -> u64 {
    let mut b = [0u8; 8];
    f.region_read(region, off, &mut b).unwrap();
    u64::from_le_bytes(b)
}

#[test]
fn a_vfs_config_space_is_an_a10_vfs() {
    let v = Vfs::new();
    let mut f = v.vf(3);
    let cfg = |f: &mut VirtualFunction, off| r32(f, REGION_CONFIG, off);
    // 10de:2236, a 3D controller; the subsystem the PF's.
    assert_eq!(cfg(&mut f, 0), 0x2236_10de);
    assert_eq!(cfg(&mut f, 8) >> 8, 0x03_0200);
    assert_eq!(cfg(&mut f, 0x2c), 0x1482_10de);
    // The BARs' types: 32-bit memory, then two 64-bit prefetchable ones.
    assert_eq!(
        [0x10, 0x14, 0x18, 0x1c, 0x20, 0x24].map(|o| cfg(&mut f, o)),
        [0, 0b1100, 0, 0b1100, 0, 0]
    );
    // Sizing reports the VF's BAR sizes.
    for (bar, size) in [(0x10, A10_SRIOV.vf_bar0), (0x14, A10_SRIOV.vf_bar1)] {
        w32(&mut f, REGION_CONFIG, bar, u32::MAX);
        w32(&mut f, REGION_CONFIG, bar + 4, u32::MAX);
        let lo = u64::from(cfg(&mut f, bar) & !0xf);
        let hi = if bar == 0x10 {
            u64::from(u32::MAX)
        } else {
            u64::from(cfg(&mut f, bar + 4))
        };
        assert_eq!(!(hi << 32 | lo) + 1, size, "BAR at {bar:#x}");
    }
    // Capabilities: PCI Express (v2 Endpoint, FLR), then MSI-X with the
    // VF's six vectors, table and PBA in BAR0 at 0x10000 and 0x20000.
    let mut caps = Vec::new();
    let mut p = cfg(&mut f, 0x34) & 0xff;
    while p != 0 {
        caps.push((p, cfg(&mut f, p.into()) & 0xff));
        p = cfg(&mut f, p.into()) >> 8 & 0xff;
    }
    assert_eq!(caps, [(0x78, 0x10), (0xb4, 0x11)]);
    assert_eq!(cfg(&mut f, 0x78) >> 16, 0x0002);
    assert_ne!(cfg(&mut f, 0x78 + 4) & 1 << 28, 0);
    assert_eq!(cfg(&mut f, 0xb4) >> 16, 5);
    assert_eq!(cfg(&mut f, 0xb4 + 4), 0x1_0000);
    assert_eq!(cfg(&mut f, 0xb4 + 8), 0x2_0000);
    assert_eq!(cfg(&mut f, 0x100), 0, "no extended capability");
    // The command register: only Bus Master Enable; Memory Space Enable
    // and Interrupt Disable are hardwired to 0 on a VF.
    w32(&mut f, REGION_CONFIG, 4, 0xffff);
    assert_eq!(cfg(&mut f, 4) & 0xffff, 0x0004);
    assert_eq!(cfg(&mut f, 4) >> 16, 0x0010, "status: capability list");
    // The IDs are read-only.
    w32(&mut f, REGION_CONFIG, 0, 0);
    assert_eq!(cfg(&mut f, 0), 0x2236_10de);
    // Interrupts: MSI-X with six vectors.
    let irqs = f.irqs();
    assert_eq!(irqs[irq::INDEX_MSIX as usize].count, 6);
    assert_eq!(irqs.iter().map(|i| i.count).sum::<u32>(), 6);
    let sizes: Vec<u64> = f.regions().iter().map(|r| r.region_info.size).collect();
    assert_eq!(
        sizes[..4],
        [A10_SRIOV.vf_bar0, A10_SRIOV.vf_bar1, 0, A10_SRIOV.vf_bar3]
    );
    assert_eq!(sizes[REGION_CONFIG as usize], 4096);
}

#[test]
fn a_vf_reads_the_chip_as_a_vf_and_a_pri_error_elsewhere() {
    let v = Vfs::new();
    let mut f = v.vf(0);
    assert_eq!(r32(&mut f, BAR0, 0), ChipId::GA102_A1.boot0());
    assert_eq!(r32(&mut f, BAR0, 0xa00), ChipId::GA102_A1.boot42());
    assert_eq!(r32(&mut f, BAR0, 4), 2 << 16, "NV_PMC_BOOT_1_VGPU_VF");
    // An 8-byte read takes BOOT_0 and BOOT_1 together; a 2-byte one part.
    assert_eq!(
        r64(&mut f, BAR0, 0),
        u64::from(ChipId::GA102_A1.boot0()) | 2 << 48
    );
    let mut b = [0u8; 2];
    f.region_read(BAR0, 0xa02, &mut b).unwrap();
    assert_eq!(
        u16::from_le_bytes(b),
        (ChipId::GA102_A1.boot42() >> 16) as u16
    );
    // Registers a VF does not have: the PF's GFW boot scratch, the
    // VBIOS window, and offsets of the window the model lacks.
    for off in [
        0x0011_8234,
        0x0030_0000,
        0x0000_0f40,
        0x0003_0094,
        0x00ff_fffc,
    ] {
        assert_eq!(r32(&mut f, BAR0, off), PRI_ERROR, "{off:#x}");
    }
    // A write there is dropped: it still reads a PRI error.
    w32(&mut f, BAR0, 0x0f40, 0x8000_0001);
    assert_eq!(r32(&mut f, BAR0, 0x0f40), PRI_ERROR);
    // The identity does not change.
    w32(&mut f, BAR0, 0, 0);
    assert_eq!(r32(&mut f, BAR0, 0), ChipId::GA102_A1.boot0());
    // Beyond BAR0, misaligned or too wide: refused as the PF's are.
    let mut b = [0u8; 4];
    assert!(f.region_read(BAR0, A10_SRIOV.vf_bar0, &mut b).is_err());
    assert!(f.region_read(BAR0, 2, &mut b).is_err());
    assert!(f.region_read(BAR0, 0, &mut [0u8; 16]).is_err());
}

#[test]
fn doorbells_reach_nothing_and_the_tree_is_per_vf() {
    let v = Vfs::new();
    let (mut f0, mut f1) = (v.vf(0), v.vf(1));
    w32(&mut f0, BAR0, 0x3_0090, 0x0001_0002);
    w32(&mut f0, BAR0, 0x2200, 1);
    assert_eq!(v.sriov.vf(0).unwrap().doorbells_dropped, 2);
    assert_eq!(r32(&mut f0, BAR0, 0x3_0090), 0);
    // A vector triggered on VF 0 is pending in VF 0's tree only.
    let at = |pf: u32| u64::from(pf - intr::VF_PRIV_BASE);
    w32(&mut f0, BAR0, at(intr::LEAF_TRIGGER), 40);
    assert_eq!(r32(&mut f0, BAR0, at(intr::LEAF) + 4), 1 << 8);
    assert_eq!(r32(&mut f1, BAR0, at(intr::LEAF) + 4), 0);
    // A VF FLR clears its registers.
    let devctl = 0x78 + 8;
    let mut b = [0u8; 2];
    f0.region_read(REGION_CONFIG, devctl, &mut b).unwrap();
    let flr = (u16::from_le_bytes(b) | 1 << 15).to_le_bytes();
    f0.region_write(REGION_CONFIG, devctl, &flr).unwrap();
    assert_eq!(r32(&mut f0, BAR0, at(intr::LEAF) + 4), 0);
}

/// With a task, the vGPU owns channel IDs per runlist: a doorbell naming
/// one of them is the vGPU's (still not run: no vGPU channels are
/// modelled), any other is a defect, logged and counted as such.
#[test]
fn a_vgpus_doorbells_name_its_own_channels() {
    let v = Vfs::new();
    let mut f = v.vf(0);
    let channels = vec![VfChannels {
        runlist: 2,
        chids: 64..96,
    }];
    v.sriov
        .start_task(1, &[Segment { vram: 0, size: MIB }], channels)
        .unwrap();
    let rung = |f: &mut VirtualFunction, token: u32| {
        w32(f, BAR0, 0x3_0090, token);
        v.sriov.vf(0).unwrap().doorbells_dropped
    };
    assert_eq!(rung(&mut f, 2 << 16 | 64), 1);
    assert_eq!(rung(&mut f, 2 << 16 | 95), 2);
    // The log tells the vGPU's own from the others.
    for token in [
        2 << 16 | 96,
        2 << 16 | 63,
        3 << 16 | 64,
        1 << 31 | 2 << 16 | 64,
    ] {
        let before = v.sriov.vf(0).unwrap().doorbells_dropped;
        assert_eq!(rung(&mut f, token), before + 1, "{token:#x}");
    }
    v.sriov.stop_task(1).unwrap();
    assert_eq!(rung(&mut f, 2 << 16 | 64), 7);
}

#[test]
fn bar1_is_mapped_and_without_a_task_reaches_nothing() {
    let v = Vfs::new();
    let mut f = v.vf(0);
    // BAR1 is the VF's file, mappable as a whole.
    let r = &f.regions()[BAR1 as usize];
    assert_ne!(r.region_info.flags & VFIO_REGION_INFO_FLAG_MMAP, 0);
    assert_eq!(r.mmap_fd, Some(v.sriov.bar1_file(0).unwrap().as_raw_fd()));
    assert_eq!(r.sparse_areas.len(), 1);
    assert_eq!(
        (r.sparse_areas[0].area.offset, r.sparse_areas[0].area.size),
        (0, A10_SRIOV.vf_bar1)
    );
    assert!(f.regions()[BAR0 as usize].mmap_fd.is_none());
    v.vram.view().unwrap().write(0, &[0x5a; 16]).unwrap();
    // A trapped read gets 0, not VRAM's 0x5a at offset 0 (the PF's memory);
    // a trapped write is dropped.
    assert_eq!(r64(&mut f, BAR1, 0), 0);
    for off in [8, A10_SRIOV.vf_bar1 - 8] {
        f.region_write(BAR1, off, &[0xa5; 8]).unwrap();
        assert_eq!(r64(&mut f, BAR1, off), 0);
    }
    let file = v.sriov.bar1_file(0).unwrap();
    let mut b = [0u8; 8];
    file.read_exact_at(&mut b, 8).unwrap();
    assert_eq!(b, [0; 8], "nothing latched");
    assert_eq!(v.vram_at(0, 16), [0x5a; 16]);
    v.vram.view().unwrap().write(0, &[0; 16]).unwrap();
    assert!(v.vram_untouched());
    assert_eq!(v.sriov.vf(0).unwrap().unbacked, 5);
    // Outside BAR1 or wider than 8 bytes: refused.
    assert!(f
        .region_read(BAR1, A10_SRIOV.vf_bar1 - 4, &mut [0; 8])
        .is_err());
    assert!(f.region_read(BAR1, 0, &mut [0; 16]).is_err());
}

#[test]
fn bar1_reaches_exactly_the_vfs_guest_memory() {
    let v = Vfs::new();
    // GFID 1 (VF 0): 1 MiB at 8 MiB, then 1 MiB at 32 MiB; GFID 2 (VF 1):
    // the 1 MiB right after VF 0's first segment.
    let seg = |vram, size| Segment { vram, size };
    // The neighbour's memory holds a pattern; VF 0 never sees it.
    v.vram
        .view()
        .unwrap()
        .write(9 * MIB, &vec![0xee; MIB as usize])
        .unwrap();
    v.sriov
        .start_task(1, &[seg(8 * MIB, MIB), seg(32 * MIB, MIB)], Vec::new())
        .unwrap();
    v.sriov
        .start_task(2, &[seg(9 * MIB, MIB)], Vec::new())
        .unwrap();
    let (mut f0, mut f1) = (v.vf(0), v.vf(1));
    assert_eq!(r64(&mut f1, BAR1, 0), 0xeeee_eeee_eeee_eeee);

    // VF 0's BAR1 offset 0 is VRAM 8 MiB, offset 1 MiB is VRAM 32 MiB.
    f0.region_write(BAR1, 0x10, &0x1122_3344_5566_7788u64.to_le_bytes())
        .unwrap();
    assert_eq!(
        v.vram_at(8 * MIB + 0x10, 8),
        0x1122_3344_5566_7788u64.to_le_bytes()
    );
    f0.region_write(BAR1, MIB + 4, &0xcafe_f00du32.to_le_bytes())
        .unwrap();
    assert_eq!(v.vram_at(32 * MIB + 4, 4), 0xcafe_f00du32.to_le_bytes());
    assert_eq!(r32(&mut f0, BAR1, MIB + 4), 0xcafe_f00d);
    // An access across the two segments is split between them.
    f0.region_write(BAR1, MIB - 4, &[1, 2, 3, 4, 5, 6, 7, 8])
        .unwrap();
    assert_eq!(v.vram_at(9 * MIB - 4, 4), [1, 2, 3, 4]);
    assert_eq!(v.vram_at(32 * MIB, 4), [5, 6, 7, 8]);
    assert_eq!(r64(&mut f0, BAR1, MIB - 4), 0x0807_0605_0403_0201);
    // The neighbour's bytes are untouched: its first word is still 0xee.
    assert_eq!(r64(&mut f1, BAR1, 0), 0xeeee_eeee_eeee_eeee);
    assert_eq!(v.sriov.vf(0).unwrap().unbacked, 0);

    // Past VF 0's 2 MiB: nothing, neither VRAM 9 MiB (VF 1's, right after
    // its first segment) nor 33 MiB.
    assert_eq!(r64(&mut f0, BAR1, 2 * MIB), 0);
    f0.region_write(BAR1, 2 * MIB, &[0x77; 8]).unwrap();
    assert_eq!(v.vram_at(9 * MIB, 8), [0xee; 8]);
    assert_eq!(v.vram_at(33 * MIB, 8), [0; 8]);
    // Straddling the end: the part inside lands, the rest is dropped.
    f0.region_write(BAR1, 2 * MIB - 4, &[9; 8]).unwrap();
    assert_eq!(v.vram_at(33 * MIB - 4, 8), [9, 9, 9, 9, 0, 0, 0, 0]);
    assert_eq!(r64(&mut f0, BAR1, 2 * MIB - 4), 0x0909_0909);
    assert_eq!(v.sriov.vf(0).unwrap().unbacked, 4);

    // The task stopped (the vGPU is gone): nothing again, and the bytes
    // stay in VRAM.
    v.sriov.stop_task(1).unwrap();
    assert_eq!(r32(&mut f0, BAR1, MIB + 4), 0);
    assert_eq!(v.vram_at(32 * MIB + 4, 4), 0xcafe_f00du32.to_le_bytes());
}

#[test]
fn the_pfs_reset_takes_the_vfs_with_it() {
    crate::logger::init(false);
    let config = RmConfig::default();
    let mut dev = Device::with_board(
        Board::A10,
        Some(A10_SRIOV),
        ChipId::GA102_A1,
        VRAM,
        256 * MIB,
        Boot::with_vbios(config, None, Board::A10.vbios()),
        false,
    )
    .unwrap();
    let sriov = dev.sriov().expect("the A10 has SR-IOV");
    assert!(Arc::ptr_eq(&sriov, lock(&dev.hw).sriov.as_ref().unwrap()));
    let seg = Segment {
        vram: 16 * MIB,
        size: MIB,
    };
    sriov.start_task(5, &[seg], Vec::new()).unwrap();
    let mut f = VirtualFunction::new(sriov.clone(), 4, false).unwrap();
    w32(&mut f, BAR1, 0, 0x1234_5678);
    assert_eq!(r32(&mut f, BAR1, 0), 0x1234_5678);
    // The PF's PRAMIN window sees the VF's bytes at the task's VRAM, and
    // its writes there are the VF's.
    let pramin = |dev: &mut Device, at: u64| {
        let window = u64::from(nvgsp_proto::bus::PRAMIN);
        dev.region_write(
            REGION_BAR0,
            nvgsp_proto::bus::BAR0_WINDOW.into(),
            &((at >> 16) as u32).to_le_bytes(),
        )
        .unwrap();
        window + (at & 0xffff)
    };
    let at = pramin(&mut dev, 16 * MIB);
    let mut b = [0u8; 4];
    dev.region_read(REGION_BAR0, at, &mut b).unwrap();
    assert_eq!(u32::from_le_bytes(b), 0x1234_5678);
    dev.region_write(REGION_BAR0, at + 8, &0xfeedu32.to_le_bytes())
        .unwrap();
    assert_eq!(r32(&mut f, BAR1, 8), 0xfeed);
    // The PF's config space says 10de:2236; an FLR of the PF removes the
    // VFs' vGPUs.
    let mut b = [0u8; 4];
    dev.region_read(REGION_CONFIG, 0, &mut b).unwrap();
    assert_eq!(u32::from_le_bytes(b), 0x2236_10de);
    dev.region_write(REGION_CONFIG, 0x78 + 9, &[0x80]).unwrap();
    assert!(sriov.vf(4).unwrap().task.is_none());
    assert_eq!(r32(&mut f, BAR1, 0), 0);
    assert!(VirtualFunction::new(sriov, A10_SRIOV.total_vfs, false).is_none());
}
