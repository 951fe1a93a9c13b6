//! BAR1, the PRAMIN window and the FB flush, driven as a driver drives
//! them: vfio-user region accesses to a [`Device`], with GSP-RM's BAR1
//! set up as its model does at boot. The driver's page tables are
//! written here bit by bit from the format (open-gpu-doc
//! `tu104/dev_mmu.ref.txt`), not with the driver's encoder.

use super::*;
use crate::dev::boot::Boot;
use crate::dev::mmu::{field, INVALIDATE, INVALIDATE_PDB, INVALIDATE_UPPER_PDB};
use crate::dev::{lock, Device, REGION_BAR0, REGION_BAR1, REGION_CONFIG};
use crate::gsp_rm::bar1::{self as rm_bar1, Layout};
use crate::gsp_rm::RmConfig;
use nvgsp_proto::chip::ChipId;
use vfio_user::{DmaMapFlags, ServerBackend};

const VRAM: u64 = 256 << 20;
const MIB: u64 = 1 << 20;

/// The driver's tables, in usable VRAM: PD2, PD1, PD0, a big page table
/// and a 4 KiB one.
const PD2: u64 = 0x10_0000;
const PD1: u64 = 0x10_1000;
const PD0: u64 = 0x10_2000;
const BIG: u64 = 0x10_3000;
const PT: u64 = 0x10_4000;
/// BAR1 offset 0 maps this 64 KiB page (big page table entry 0).
const PAGE_64K: u64 = 0x100_0000;
/// BAR1 offset 0x1_0000 (4 KiB table entry 16) maps this 4 KiB page.
const PAGE_4K: u64 = 0x200_5000;
/// Guest memory a system memory PTE maps.
const IOVA: u64 = 0x1_0000_0000;

/// A directory entry (or PD0's small half) naming a VRAM table.
fn pde(t: u64) -> u64 {
    (t >> 12) << 8 | 1 << 1
}

/// PD0's big half naming a VRAM big page table: aperture 1, the
/// address >> 8 at bit 4.
fn big_pde(t: u64) -> u64 {
    (t >> 8) << 4 | 1 << 1
}

/// A valid PTE of the VRAM page at `a` (aperture 0).
fn pte(a: u64) -> u64 {
    (a >> 12) << 8 | 1
}

/// A valid PTE of the coherent system memory page at `a` (aperture 2).
fn sys_pte(a: u64) -> u64 {
    (a >> 12) << 8 | 2 << 1 | 1
}

const READ_ONLY: u64 = 1 << 6;

struct Gpu {
    dev: Device,
    config: RmConfig,
    layout: Layout,
}

impl Gpu {
    /// A GA102 whose BAR1 is `bar1` bytes, GSP-RM not booted.
    fn with_bar1(bar1: u64) -> Gpu {
        crate::logger::init(false);
        let config = RmConfig {
            bar1,
            ..RmConfig::default()
        };
        let dev = Device::new(
            ChipId::GA102_A1,
            VRAM,
            bar1,
            Boot::new(config.clone(), None),
            false,
        )
        .unwrap();
        let layout = Layout::of(&config);
        Gpu {
            dev,
            config,
            layout,
        }
    }

    fn new() -> Gpu {
        Gpu::with_bar1(crate::dev::BAR1_SIZE)
    }

    /// GSP-RM booted: WPR2 as booter_load leaves it (from 1 MiB above the
    /// usable VRAM to the VGA workspace), BAR1 set up and bound.
    fn booted() -> Gpu {
        let g = Gpu::new();
        g.boot_rm();
        g
    }

    fn boot_rm(&self) {
        let wpr2 = self.wpr2();
        lock(&self.dev.hw).bar0.set_wpr2(Some(wpr2));
        rm_bar1::boot(&self.dev.hw, &self.config).unwrap();
    }

    fn wpr2(&self) -> Range<u64> {
        self.config.usable_end() + MIB..VRAM - MIB
    }

    fn r32(&mut self, off: u32) -> u32 {
        let mut b = [0u8; 4];
        self.dev
            .region_read(REGION_BAR0, off.into(), &mut b)
            .unwrap();
        u32::from_le_bytes(b)
    }

    fn w32(&mut self, off: u32, v: u32) {
        self.dev
            .region_write(REGION_BAR0, off.into(), &v.to_le_bytes())
            .unwrap();
    }

    /// Points the window at the 1 MiB around `addr`, as nouveau does;
    /// returns the BAR0 offset that reaches `addr`.
    fn window(&mut self, addr: u64) -> u32 {
        self.w32(bus::BAR0_WINDOW, (addr >> 20 << 4) as u32);
        bus::PRAMIN + (addr & 0xf_ffff) as u32
    }

    /// A 64-bit entry written through PRAMIN: high word first, then the
    /// low one that holds VALID.
    fn vram_w64(&mut self, addr: u64, v: u64) {
        let at = self.window(addr);
        self.w32(at + 4, (v >> 32) as u32);
        self.w32(at, v as u32);
    }

    fn vram_r32(&mut self, addr: u64) -> u32 {
        let at = self.window(addr);
        self.r32(at)
    }

    /// VRAM as memory holds it (not through the device).
    fn vram(&self, addr: u64) -> u64 {
        let mut b = [0u8; 8];
        lock(&self.dev.hw)
            .vram
            .as_ref()
            .unwrap()
            .read(addr, &mut b)
            .unwrap();
        u64::from_le_bytes(b)
    }

    /// An FB flush as nouveau `g84_bar_flush` makes one: triggered, then
    /// polled until OUTSTANDING reads 0. Returns how many reads said
    /// outstanding.
    fn flush(&mut self) -> u32 {
        self.w32(bus::FB_FLUSH, 1);
        let mut outstanding = 0;
        while self.r32(bus::FB_FLUSH) & bus::FB_FLUSH_OUTSTANDING != 0 {
            outstanding += 1;
            assert!(outstanding < 100, "the FB flush never completes");
        }
        outstanding
    }

    /// Invalidates the TLB for BAR1's PD3, as the driver must: PDB =
    /// `bar1PdeBase`, aperture video memory, ALL_VA.
    fn invalidate(&mut self) {
        let pd3 = self.layout.pd3;
        self.w32(INVALIDATE_PDB, (pd3 >> 12 << 4) as u32);
        self.w32(INVALIDATE_UPPER_PDB, (pd3 >> 40) as u32);
        self.w32(INVALIDATE, field::ALL_VA | field::TRIGGER);
    }

    /// The driver's tables: BAR1 offset 0 on a 64 KiB page, offset
    /// 0x1_0000 on a 4 KiB page, the rest of the first 2 MiB invalid;
    /// PD3's entry last, without the flush and invalidate.
    fn write_tables(&mut self) {
        self.vram_w64(PD2, pde(PD1));
        self.vram_w64(PD1, pde(PD0));
        self.vram_w64(PD0, big_pde(BIG));
        self.vram_w64(PD0 + 8, pde(PT));
        self.vram_w64(BIG, pte(PAGE_64K));
        self.vram_w64(PT + 16 * 8, pte(PAGE_4K));
        let pd3 = self.layout.pd3;
        self.vram_w64(pd3, pde(PD2));
    }

    /// [`Gpu::write_tables`], flushed and invalidated.
    fn map(&mut self) {
        self.write_tables();
        self.flush();
        self.invalidate();
    }

    fn bar1_read(&mut self, offset: u64, len: usize) -> u64 {
        let mut b = [0u8; 8];
        self.dev
            .region_read(REGION_BAR1, offset, &mut b[..len])
            .unwrap();
        u64::from_le_bytes(b)
    }

    fn bar1_write(&mut self, offset: u64, v: u64, len: usize) {
        self.dev
            .region_write(REGION_BAR1, offset, &v.to_le_bytes()[..len])
            .unwrap();
    }

    fn counters(&self) -> Counters {
        lock(&self.dev.hw).counters
    }

    /// The control port's `translate bar1 OFFSET`.
    fn probe(&self, offset: u64) -> String {
        use crate::control::Queries;
        self.dev.probe(Default::default()).translate_bar1(offset)
    }

    fn summary(&self) -> String {
        use crate::control::Queries;
        self.dev.probe(Default::default()).bar1()
    }
}

fn counts(faults: u64, sparse: u64, defects: u64) -> Counters {
    Counters {
        faults,
        sparse,
        defects,
    }
}

/// BAR1 is a trapped region of `--bar1`'s size, whatever the VRAM: no
/// mapping QEMU could take, the same size in config space.
#[test]
fn bar1_is_trapped_and_sized_by_its_option() {
    let mut g = Gpu::with_bar1(64 << 20);
    let r = &g.dev.regions()[REGION_BAR1 as usize];
    assert_eq!(r.region_info.size, 64 << 20);
    assert_eq!(
        r.region_info.flags,
        vfio_bindings::bindings::vfio::VFIO_REGION_INFO_FLAG_READ
            | vfio_bindings::bindings::vfio::VFIO_REGION_INFO_FLAG_WRITE
    );
    assert!(r.sparse_areas.is_empty() && r.mmap_fd.is_none());
    // PCI BAR sizing: all ones written, the size mask read back.
    for off in [0x14u64, 0x18] {
        g.dev
            .region_write(REGION_CONFIG, off, &u32::MAX.to_le_bytes())
            .unwrap();
    }
    let mut lo = [0u8; 4];
    let mut hi = [0u8; 4];
    g.dev.region_read(REGION_CONFIG, 0x14, &mut lo).unwrap();
    g.dev.region_read(REGION_CONFIG, 0x18, &mut hi).unwrap();
    let mask = u64::from(u32::from_le_bytes(lo) & !0xf) | u64::from(u32::from_le_bytes(hi)) << 32;
    assert_eq!(!mask + 1, 64 << 20);
    // Accesses past the BAR, or wider than 8 bytes, are malformed.
    let mut b = [0u8; 16];
    assert!(g
        .dev
        .region_read(REGION_BAR1, 64 << 20, &mut b[..4])
        .is_err());
    assert!(g.dev.region_read(REGION_BAR1, 0, &mut b).is_err());
    // GSP-RM reports the same size.
    assert_eq!(
        g.config
            .fb_info(nvgsp_proto::gsp::class::NV2080_CTRL_FB_INFO_INDEX_BAR1_SIZE),
        Some(64 << 10)
    );
}

/// Before GSP-RM binds BAR1, and after it unloads, an access is an
/// error: refused, logged, counted.
#[test]
fn an_unbound_bar1_faults() {
    let mut g = Gpu::new();
    assert_eq!(g.r32(bus::BAR1_BLOCK), 0);
    assert_eq!(g.bar1_read(0x40, 4), 0);
    g.bar1_write(0x40, 0x1234, 4);
    assert_eq!(g.counters(), counts(2, 0, 0));
    assert_eq!(g.probe(0x40), "unbound");
    assert_eq!(
        g.summary(),
        "size 0x10000000 unbound faults 2 sparse 0 defects 0"
    );
    g.boot_rm();
    rm_bar1::unload(&g.dev.hw, &g.config);
    assert_eq!(g.r32(bus::BAR1_BLOCK), 0);
    assert_eq!(g.bar1_read(0, 8), 0);
    assert_eq!(g.counters(), counts(3, 0, 0));
}

/// What GSP-RM's boot leaves: BAR1 bound in virtual mode to its instance
/// block in VRAM, whose PD3 names a PD2 of sparse entries, so that every
/// offset reads 0 and takes writes without a fault.
#[test]
fn gsp_rm_binds_a_sparse_bar1() {
    let mut g = Gpu::booted();
    let l = g.layout;
    let block = 1 << 31 | (l.inst >> 12) as u32;
    assert_eq!(g.r32(bus::BAR1_BLOCK), block);
    assert_eq!(g.r32(bus::PBUS_BAR1_BLOCK), block);
    assert_eq!(g.r32(bus::BIND_STATUS), 0);
    assert_eq!(g.r32(bus::BAR2_BLOCK), 0);
    // The instance block as the chip reads it.
    let b = lock(&g.dev.hw).bar0.bar1.binding().unwrap();
    assert_eq!(
        b,
        Binding {
            inst: l.inst,
            pdb: Phys::Video(l.pd3),
            limit: (256 << 20) - 1
        }
    );
    assert_eq!(g.vram(l.pd3), pde(l.pd2));
    assert_eq!(g.vram(l.pd2 + 511 * 8), 1 << 3);
    for offset in [0, 0x1234, (256 << 20) - 8] {
        assert_eq!(g.bar1_read(offset, 8), 0);
        g.bar1_write(offset, u64::MAX, 8);
    }
    assert_eq!(g.counters(), counts(0, 6, 0));
    assert_eq!(g.probe(0x1234), "sparse page 256g");
    assert_eq!(
        g.summary(),
        format!(
            "size 0x10000000 pdb video {:#x} faults 0 sparse 6 defects 0",
            l.pd3
        )
    );
}

/// The driver's tables below GSP-RM's PD3: a 64 KiB page and a 4 KiB
/// page reached through BAR1, an access across their boundary split.
#[test]
fn bar1_reaches_vram_through_64k_and_4k_pages() {
    let mut g = Gpu::booted();
    g.map();
    g.bar1_write(0x1234, 0xdead_beef, 4);
    assert_eq!(g.vram(PAGE_64K + 0x1230) >> 32, 0xdead_beef);
    g.bar1_write(0x1_0ff8, 0x1122_3344_5566_7788, 8);
    assert_eq!(g.vram(PAGE_4K + 0xff8), 0x1122_3344_5566_7788);
    // Across the end of the 64 KiB page into the 4 KiB one.
    g.bar1_write(0xfffc, 0xaaaa_aaaa_bbbb_bbbb, 8);
    assert_eq!(g.vram(PAGE_64K + 0xfff8) >> 32, 0xbbbb_bbbb);
    assert_eq!(g.vram(PAGE_4K) as u32, 0xaaaa_aaaa);
    assert_eq!(g.bar1_read(0xfffc, 8), 0xaaaa_aaaa_bbbb_bbbb);
    assert_eq!(g.bar1_read(0x1234, 2), 0xbeef);
    assert_eq!(g.bar1_read(0x1_0ffc, 4), 0x1122_3344);
    assert_eq!(
        g.probe(0x1_0ff8),
        format!(
            "video {:#x} page 4k rw kind 0x0 data 0x1122334455667788",
            PAGE_4K + 0xff8
        )
    );
    assert_eq!(
        g.probe(0x1238),
        format!(
            "video {:#x} page 64k rw kind 0x0 data 0x0",
            PAGE_64K + 0x1238
        )
    );
    // Writing GSP-RM's PD3 page is what the driver must do: no defect.
    assert_eq!(g.counters(), counts(0, 0, 0));
}

/// A system memory PTE reaches guest memory.
#[test]
fn bar1_reaches_system_memory() {
    let mut g = Gpu::booted();
    g.dev
        .dma_map(
            DmaMapFlags::READ_WRITE,
            0,
            IOVA,
            0x1_0000,
            Some(crate::guest_mem::backing_file(0x1_0000)),
        )
        .unwrap();
    g.write_tables();
    g.vram_w64(PT + 17 * 8, sys_pte(IOVA + 0x3000));
    g.flush();
    g.invalidate();
    g.bar1_write(0x1_1010, 0x55, 1);
    assert_eq!(g.dev.mem.read_u64(IOVA + 0x3010).unwrap(), 0x55);
    assert_eq!(g.bar1_read(0x1_1010, 4), 0x55);
    assert_eq!(g.counters(), counts(0, 0, 0));
}

/// Refused, read as 0, logged and counted: an invalid PTE, a missing
/// directory entry, a write through a read-only PTE, a page in WPR2 or
/// in GSP-RM's reserved memory, a page past VRAM's end.
#[test]
fn faults_and_protected_pages_are_refused_and_counted() {
    let mut g = Gpu::booted();
    g.write_tables();
    let wpr2 = g.wpr2().start + 0x1_0000;
    let inst = g.layout.inst;
    g.vram_w64(PT + 17 * 8, pte(PAGE_4K + 0x1000) | READ_ONLY);
    g.vram_w64(PT + 18 * 8, pte(wpr2));
    g.vram_w64(PT + 19 * 8, pte(inst));
    g.vram_w64(PT + 20 * 8, pte(VRAM));
    g.flush();
    g.invalidate();
    let mut faults = 0;
    let mut refused = |g: &mut Gpu, offset: u64| {
        assert_eq!(g.bar1_read(offset, 4), 0, "{offset:#x}");
        faults += 1;
        assert_eq!(g.counters().faults, faults, "{offset:#x}");
    };
    // Not mapped: the 4 KiB PTE invalid, PD0's second entry empty.
    refused(&mut g, 0x2_0000);
    refused(&mut g, 0x20_0000);
    assert_eq!(g.probe(0x2_0000), "fault pt no-entry entry 0x0");
    assert_eq!(g.probe(0x20_0000), "fault pd0 no-entry entry 0x0");
    // Protected pages and memory that is not there.
    let vram_before = g.vram(inst);
    refused(&mut g, 0x1_2000);
    refused(&mut g, 0x1_3000);
    refused(&mut g, 0x1_4000);
    g.bar1_write(0x1_3000, 0x77, 8);
    assert_eq!(
        g.vram(inst),
        vram_before,
        "a BAR1 write reached GSP-RM's memory"
    );
    assert_eq!(
        g.probe(0x1_2000),
        format!("video {wpr2:#x} page 4k rw kind 0x0 refused wpr2")
    );
    assert_eq!(
        g.probe(0x1_3000),
        format!("video {inst:#x} page 4k rw kind 0x0 refused gsp-rm-reserved")
    );
    // Read-only: reads work, writes are refused.
    g.bar1_write(0x1_1000, 0x1234, 4);
    assert_eq!(g.bar1_read(0x1_1000, 4), 0);
    assert_eq!(g.vram(PAGE_4K + 0x1000), 0);
    assert_eq!(g.counters(), counts(faults + 2, 0, 0));
}

/// Page tables written through PRAMIN are posted: the MMU does not see
/// them until a flush (OpenRM `kbusFlush_GM107`: "Must call kbusFlush
/// BEFORE any calls to busInvalidate"), even after an invalidate; the
/// CPU's own PRAMIN reads see them, and flush; so does a BAR1 read.
#[test]
fn table_writes_reach_the_mmu_only_after_a_flush() {
    let mut g = Gpu::booted();
    g.write_tables();
    g.invalidate();
    // GSP-RM's sparse PD2 still: the write goes nowhere.
    assert_eq!(g.probe(0x1234), "sparse page 256g");
    g.bar1_write(0x1234, 0x42, 4);
    assert_eq!(g.vram(PAGE_64K + 0x1230), 0);
    // The CPU reads its own write back, and the read is a flush.
    assert_eq!(g.vram_r32(g.layout.pd3), pde(PD2) as u32);
    g.invalidate();
    g.bar1_write(0x1234, 0x42, 4);
    assert_eq!(g.vram(PAGE_64K + 0x1230) >> 32, 0x42);
    // A BAR1 read flushes too: a remapped PTE, posted, is seen after one.
    g.vram_w64(BIG, pte(PAGE_64K + 0x1_0000));
    g.invalidate();
    assert_eq!(g.bar1_read(0x1234, 4), 0x42, "translated before the flush");
    g.invalidate();
    assert_eq!(g.bar1_read(0x1234, 4), 0);
    assert_eq!(
        g.probe(0x1234),
        format!(
            "video {:#x} page 64k rw kind 0x0 data 0x0",
            PAGE_64K + 0x1_1234
        )
    );
}

/// The TLB keeps BAR1's translations until the driver invalidates with
/// BAR1's PD3 as the PDB, in video memory; using the page meanwhile is a
/// driver defect (the stale-translation check), counted once.
#[test]
fn a_missing_invalidate_keeps_the_old_translation() {
    let mut g = Gpu::booted();
    g.map();
    g.bar1_write(0x1_0000, 1, 4);
    assert_eq!(g.vram(PAGE_4K), 1);
    g.vram_w64(PT + 16 * 8, pte(PAGE_4K + 0x1000));
    g.flush();
    g.bar1_write(0x1_0000, 2, 4);
    assert_eq!(g.vram(PAGE_4K), 2, "the old page, still cached");
    // The same address as system memory is another PDB.
    let pd3 = g.layout.pd3;
    g.w32(INVALIDATE_PDB, (pd3 >> 12 << 4) as u32 | 2);
    g.w32(INVALIDATE, field::ALL_VA | field::TRIGGER);
    g.bar1_write(0x1_0000, 3, 4);
    assert_eq!(g.vram(PAGE_4K), 3);
    g.invalidate();
    g.bar1_write(0x1_0000, 4, 4);
    assert_eq!((g.vram(PAGE_4K), g.vram(PAGE_4K + 0x1000)), (3, 4));
    assert_eq!(g.counters(), counts(0, 0, 1));
}

/// The window reads back as written, reaches VRAM at BASE << 16 with
/// every access size, moves, and refuses what lies past VRAM or in system
/// memory (a PRI error read, the write dropped, a defect counted).
#[test]
fn the_pramin_window_moves_and_checks_its_bounds() {
    let mut g = Gpu::new();
    g.w32(bus::BAR0_WINDOW, 0xffff_ffff);
    assert_eq!(g.r32(bus::BAR0_WINDOW), 0x03ff_ffff);
    g.w32(bus::BAR0_WINDOW, 0x12);
    let w = u64::from(bus::PRAMIN);
    for (off, bytes) in [(0x10u64, 1usize), (0x12, 2), (0x14, 4), (0x18, 8)] {
        let v = 0x0807_0605_0403_0201u64;
        g.dev
            .region_write(REGION_BAR0, w + off, &v.to_le_bytes()[..bytes])
            .unwrap();
    }
    assert_eq!(g.vram(0x12_0010), 0x0403_0201_0201_0001);
    assert_eq!(g.vram(0x12_0018), 0x0807_0605_0403_0201);
    let mut b = [0u8; 8];
    g.dev.region_read(REGION_BAR0, w + 0x18, &mut b).unwrap();
    assert_eq!(u64::from_le_bytes(b), 0x0807_0605_0403_0201);
    g.dev
        .region_read(REGION_BAR0, w + 0x13, &mut b[..1])
        .unwrap();
    assert_eq!(b[0], 0x02);
    // Moved: the same offset is another address.
    g.w32(bus::BAR0_WINDOW, 0x13);
    g.w32(bus::PRAMIN + 0x10, 7);
    assert_eq!(g.vram(0x13_0010), 7);
    assert_eq!(g.counters(), counts(0, 0, 0));
    // The last 64 KiB of VRAM: the window's end is past it.
    g.w32(bus::BAR0_WINDOW, ((VRAM >> 16) - 1) as u32);
    g.w32(bus::PRAMIN + 0xfffc, 9);
    assert_eq!(g.vram(VRAM - 8), 9 << 32);
    assert_eq!(g.r32(bus::PRAMIN + 0x1_0000), crate::dev::bar0::PRI_ERROR);
    g.w32(bus::PRAMIN + 0x1_0000, 9);
    assert_eq!(g.counters(), counts(0, 0, 2));
    // System memory targets are not modelled.
    g.w32(bus::BAR0_WINDOW, 2 << 24 | 0x12);
    assert_eq!(g.r32(bus::BAR0_WINDOW), 2 << 24 | 0x12);
    assert_eq!(g.r32(bus::PRAMIN + 0x18), crate::dev::bar0::PRI_ERROR);
    g.w32(bus::PRAMIN + 0x18, 0);
    assert_eq!(g.vram(0x12_0018), 0x0807_0605_0403_0201);
    assert_eq!(g.counters(), counts(0, 0, 4));
    // A function reset puts the window back at 0; the counts stay.
    g.dev.function_reset();
    assert_eq!(g.r32(bus::BAR0_WINDOW), 0);
    assert_eq!(g.counters(), counts(0, 0, 4));
}

/// WPR2 is write-protected: a PRAMIN write there is dropped, a read
/// refused. GSP-RM's other memory takes the write, a driver defect,
/// except the first entry of BAR1's PD3, which it shares: the other
/// entries and the rest of the PD3 page are GSP-RM's.
#[test]
fn pramin_protects_wpr2_and_counts_writes_into_gsp_rms_memory() {
    let mut g = Gpu::booted();
    let wpr2 = g.wpr2().start;
    g.vram_w64(wpr2, 0x1234);
    assert_eq!(g.vram(wpr2), 0);
    assert_eq!(g.vram_r32(wpr2), crate::dev::bar0::PRI_ERROR);
    // Two 32-bit writes and a read.
    assert_eq!(g.counters(), counts(0, 0, 3));
    let inst = g.layout.inst;
    g.vram_w64(inst + 0x800, 0x5678);
    assert_eq!(g.vram(inst + 0x800), 0x5678);
    assert_eq!(g.counters(), counts(0, 0, 5));
    let pd3 = g.layout.pd3;
    g.vram_w64(pd3, 0x9abc);
    assert_eq!(g.vram(pd3), 0x9abc);
    assert_eq!(g.counters(), counts(0, 0, 5));
    // Entries 1 to 3 and the rest of the page: applied, counted.
    for (n, at) in [pd3 + 8, pd3 + 24, pd3 + 0x20, pd3 + 0xff8]
        .into_iter()
        .enumerate()
    {
        g.vram_w64(at, 0x9abc);
        assert_eq!(g.vram(at), 0x9abc);
        assert_eq!(g.counters(), counts(0, 0, 7 + 2 * n as u64), "{at:#x}");
    }
    // Before GSP-RM runs only WPR2 is protected.
    let mut g = Gpu::new();
    lock(&g.dev.hw).bar0.set_wpr2(Some(g.wpr2()));
    g.vram_w64(inst, 1);
    g.vram_w64(wpr2, 1);
    assert_eq!((g.vram(inst), g.vram(wpr2)), (1, 0));
    assert_eq!(g.counters(), counts(0, 0, 2));
}

/// The binding is GSP-RM's: the driver's writes of it (the virtual
/// function's registers or the legacy ones) change nothing and are
/// counted.
#[test]
fn binding_writes_are_refused() {
    let mut g = Gpu::booted();
    let block = g.r32(bus::BAR1_BLOCK);
    for (n, r) in [
        bus::BAR1_BLOCK,
        bus::BAR2_BLOCK,
        bus::PBUS_BAR1_BLOCK,
        bus::PBUS_BAR2_BLOCK,
    ]
    .into_iter()
    .enumerate()
    {
        g.w32(r, 0);
        assert_eq!(g.counters(), counts(0, 0, n as u64 + 1), "{r:#x}");
    }
    assert_eq!(g.r32(bus::BAR1_BLOCK), block);
    assert_eq!(g.r32(bus::BAR2_BLOCK), 0);
    assert!(lock(&g.dev.hw).bar0.bar1.binding().is_some());
    // A function reset unbinds; GSP-RM's next boot binds again.
    g.dev.function_reset();
    assert_eq!(g.r32(bus::BAR1_BLOCK), 0);
    g.boot_rm();
    assert_eq!(g.r32(bus::BAR1_BLOCK), block);
}

/// Each boot of GSP-RM builds BAR1 anew: what the driver pointed PD3 at
/// is gone, and the TLB holds nothing of the old session.
#[test]
fn each_boot_of_gsp_rm_starts_bar1_over() {
    let mut g = Gpu::booted();
    g.map();
    g.bar1_write(0x1234, 0x42, 4);
    assert_eq!(g.vram(PAGE_64K + 0x1230) >> 32, 0x42);
    // Unloaded with the driver's PD3 entry in place: a defect.
    rm_bar1::unload(&g.dev.hw, &g.config);
    assert_eq!(g.counters(), counts(0, 0, 1));
    g.boot_rm();
    assert_eq!(g.vram(g.layout.pd3), pde(g.layout.pd2));
    assert_eq!(g.bar1_read(0x1234, 4), 0);
    assert_eq!(g.counters(), counts(0, 1, 1));
}

/// `bar1PdeBase` in GSP-RM's static info: BAR1's PD3, 4 KiB aligned, in
/// the reserved FB region it reports, outside the usable one.
#[test]
fn bar1_pde_base_is_in_gsp_rms_reserved_vram() {
    let g = Gpu::booted();
    let s = g.config.static_info();
    let base = s.bar1_pde_base;
    assert_ne!(base, 0);
    assert_eq!(base % 0x1000, 0);
    let regions = &s.fb_region_info_params.fb_region;
    let (usable, reserved) = (&regions[0], &regions[1]);
    assert_eq!(reserved.reserved, 1);
    assert!(!(usable.base..=usable.limit).contains(&base));
    assert!((reserved.base..=reserved.limit).contains(&(base + 0xfff)));
    assert!(base >= reserved.base);
    assert!(!g.wpr2().contains(&base));
    let b = lock(&g.dev.hw).bar0.bar1.binding().unwrap();
    assert_eq!(b.pdb, Phys::Video(base));
    // GSP-RM's PD0s for the driver's VA spaces are in the same heap,
    // below BAR1's tables.
    let first = g.config.usable_end();
    assert!(first + rm_bar1::VASPACE_PD0_PAGES * 0x1000 <= b.inst);
}

/// The instance block decoder: the words as gp100's `dev_ram.h` lays
/// them out.
#[test]
fn instance_block_words() {
    let w = [0x1234_5000 | 1 << 10 | 1 << 11, 0x1, 0x0fff_f000, 0];
    assert_eq!(
        decode_instance_block(w),
        Ok((Phys::Video(0x1_1234_5000), 0x0fff_ffff))
    );
    assert_eq!(
        decode_instance_block([w[0] | 2, 0, 0, 0]).map(|(p, _)| p),
        Ok(Phys::Sys(0x1234_5000))
    );
    assert!(decode_instance_block([w[0] & !(1 << 10), 0, 0, 0]).is_err());
    assert!(decode_instance_block([w[0] & !(1 << 11), 0, 0, 0]).is_err());
    assert!(decode_instance_block([w[0] | 1, 0, 0, 0]).is_err());
}

/// An FB flush completes with a read: OUTSTANDING reads 1 first, and the
/// writes it covers reach the MMU only with the read that sees it clear.
/// A driver that triggers and invalidates without waiting keeps GSP-RM's
/// sparse BAR1; a write posted after the trigger waits for the next flush.
#[test]
fn an_fb_flush_lands_its_writes_when_a_read_sees_it_done() {
    let mut g = Gpu::booted();
    g.write_tables();
    g.w32(bus::FB_FLUSH, 1);
    g.invalidate();
    assert_eq!(g.probe(0x1234), "sparse page 256g");
    g.bar1_write(0x1234, 0x42, 4);
    assert_eq!(g.vram(PAGE_64K + 0x1230), 0);
    // The first read: outstanding; the tables still unseen.
    assert_eq!(g.r32(bus::FB_FLUSH), bus::FB_FLUSH_OUTSTANDING);
    g.invalidate();
    assert_eq!(g.probe(0x1234), "sparse page 256g");
    // Posted while the flush is under way: not covered by it.
    g.vram_w64(PT + 17 * 8, pte(PAGE_4K + 0x1000));
    assert_eq!(g.r32(bus::FB_FLUSH), 0);
    g.invalidate();
    assert_eq!(
        g.probe(0x1234),
        format!(
            "video {:#x} page 64k rw kind 0x0 data 0x0",
            PAGE_64K + 0x1234
        )
    );
    assert_eq!(g.probe(0x1_1000), "fault pt no-entry entry 0x0");
    // Idle: reads 0 at once; a new flush takes one outstanding read.
    assert_eq!(g.r32(bus::FB_FLUSH), 0);
    assert_eq!(g.flush(), 1);
    g.invalidate();
    assert_eq!(
        g.probe(0x1_1000),
        format!("video {:#x} page 4k rw kind 0x0 data 0x0", PAGE_4K + 0x1000)
    );
    assert_eq!(g.counters(), counts(0, 1, 0));
}

/// At an orderly unload PD3's first entry must read, for the GPU, what
/// GSP-RM wrote there: given back and flushed, no defect; given back
/// without a completed flush, or not at all, a defect. A function reset
/// (a recovery's) with the driver's entry in place is not checked.
#[test]
fn the_driver_gives_pd3_entry_0_back_before_gsp_rm_unloads() {
    let given_back = |flush: fn(&mut Gpu)| {
        let mut g = Gpu::booted();
        g.map();
        let (pd3, theirs) = (g.layout.pd3, pde(g.layout.pd2));
        g.vram_w64(pd3, theirs);
        flush(&mut g);
        rm_bar1::unload(&g.dev.hw, &g.config);
        assert_eq!(g.r32(bus::BAR1_BLOCK), 0);
        g.counters().defects
    };
    assert_eq!(
        given_back(|g| {
            g.flush();
            g.invalidate();
        }),
        0
    );
    assert_eq!(given_back(|_| {}), 1, "never flushed");
    assert_eq!(given_back(|g| g.w32(bus::FB_FLUSH, 1)), 1, "not waited for");
    // Kept by the driver through a reset, then GSP-RM's next boot.
    let mut g = Gpu::booted();
    g.map();
    g.dev.function_reset();
    g.boot_rm();
    assert_eq!(g.vram(g.layout.pd3), pde(g.layout.pd2));
    // Never taken: nothing to give back.
    rm_bar1::unload(&g.dev.hw, &g.config);
    assert_eq!(g.counters(), counts(0, 0, 0));
}

/// The stale-translation check: a page used through a TLB answer the
/// flushed tables no longer give is a driver defect, once per page; a
/// change invalidated before use, or not yet flushed, is none. The access
/// still goes where the TLB says.
#[test]
fn a_page_used_through_a_stale_translation_is_a_defect() {
    let mut g = Gpu::booted();
    g.map();
    // Used, changed, flushed and invalidated before the next use.
    g.bar1_write(0x1_0000, 1, 4);
    g.vram_w64(PT + 16 * 8, pte(PAGE_4K + 0x1000));
    g.flush();
    g.invalidate();
    g.bar1_write(0x1_0000, 2, 4);
    assert_eq!(g.vram(PAGE_4K + 0x1000), 2);
    // Changed, not flushed: the GPU does not see the change yet.
    g.vram_w64(PT + 16 * 8, pte(PAGE_4K));
    g.bar1_write(0x1_0000, 2, 4);
    assert_eq!(g.counters(), counts(0, 0, 0));
    // Flushed, used without an invalidate: the old page, one defect for
    // the page however often it is used.
    g.flush();
    g.bar1_write(0x1_0000, 3, 4);
    g.bar1_write(0x1_0ff8, 3, 8);
    assert_eq!(g.bar1_read(0x1_0000, 4), 3);
    assert_eq!(g.vram(PAGE_4K + 0x1000), 3, "the old page, still cached");
    assert_eq!(g.counters(), counts(0, 0, 1));
    // Another page, unchanged: none.
    g.bar1_write(0x1234, 5, 4);
    assert_eq!(g.counters(), counts(0, 0, 1));
    g.invalidate();
    g.bar1_write(0x1_0000, 4, 4);
    assert_eq!(g.vram(PAGE_4K), 4);
    assert_eq!(g.counters(), counts(0, 0, 1));

    // A sparse range the TLB keeps: GSP-RM's, used before the takeover,
    // then mapped over without an invalidate.
    let mut g = Gpu::booted();
    g.bar1_write(0x1234, 6, 4);
    g.write_tables();
    g.flush();
    g.bar1_write(0x1234, 6, 4);
    assert_eq!(g.vram(PAGE_64K + 0x1230), 0);
    assert_eq!(g.counters(), counts(0, 2, 1));
}

/// The check's kept walks follow a BAR1 write into a page table (here
/// BAR1 maps the 4 KiB table itself): after the write and an invalidate
/// the TLB and the tables agree, no defect.
#[test]
fn a_table_written_through_bar1_is_walked_again() {
    let mut g = Gpu::booted();
    g.write_tables();
    g.vram_w64(PT + 17 * 8, pte(PT));
    g.flush();
    g.invalidate();
    g.bar1_write(0x1_0000, 1, 4);
    assert_eq!(g.vram(PAGE_4K), 1);
    // PTE 16, written through BAR1 offset 0x1_1000 + 16 * 8.
    g.bar1_write(0x1_1080, pte(PAGE_4K + 0x2000), 8);
    assert_eq!(g.vram(PT + 16 * 8), pte(PAGE_4K + 0x2000));
    g.invalidate();
    g.bar1_write(0x1_0000, 2, 4);
    assert_eq!(g.vram(PAGE_4K + 0x2000), 2);
    assert_eq!(g.counters(), counts(0, 0, 0));
    // The same without the invalidate: stale.
    g.bar1_write(0x1_1080, pte(PAGE_4K), 8);
    g.bar1_write(0x1_0000, 3, 4);
    assert_eq!(g.vram(PAGE_4K + 0x2000), 3);
    assert_eq!(g.counters(), counts(0, 0, 1));
}

/// The probe is no access: it answers from a TLB hit, else from a walk
/// that caches nothing, so the TLB stays as it was.
#[test]
fn the_probe_leaves_the_tlb_alone() {
    let mut g = Gpu::booted();
    let tlb = |g: &Gpu| lock(&g.dev.hw).bar0.mmu.tlb().len();
    assert_eq!(g.probe(0x1234), "sparse page 256g");
    assert_eq!(tlb(&g), 0);
    // Mapped over the probed sparse range without an invalidate: nothing
    // was cached, the access reaches the new page.
    g.write_tables();
    g.flush();
    let mapped = format!(
        "video {:#x} page 64k rw kind 0x0 data 0x700000000",
        PAGE_64K + 0x1234
    );
    g.bar1_write(0x1234, 7, 4);
    assert_eq!(g.probe(0x1234), mapped);
    let cached = tlb(&g);
    assert_ne!(cached, 0);
    // A hit answers: remapped and flushed, not invalidated.
    g.vram_w64(BIG, pte(PAGE_64K + 0x1_0000));
    g.flush();
    assert_eq!(g.probe(0x1234), mapped);
    assert_eq!(g.probe(0x1_1ff8), "fault pt no-entry entry 0x0");
    assert_eq!(tlb(&g), cached);
    assert_eq!(g.counters(), counts(0, 0, 0));
}
