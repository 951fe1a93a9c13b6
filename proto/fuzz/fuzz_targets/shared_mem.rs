// SPDX-License-Identifier: GPL-2.0
//! What the two sides read out of shared memory rather than out of a queue
//! element: the queue header (`queue::MsgqTxHeader::validate`) and the ring
//! pointers (`free_entries`, `used_entries`), the LIBOS argument page
//! (`libos::find_region`), and the boot structures the emulator reads
//! (`GspFwWprMeta`, `GspArgumentsCached`) with the VRAM layout they are
//! checked against (`FbLayout::ga102`, whose VRAM size the GPU reports),
//! and the chip identity register (`chip::ChipId::from_boot42`).
//!
//! The first byte picks the structure; see each function for what it
//! asserts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nvgsp_proto::chip::ChipId;
use nvgsp_proto::gsp::args::GspArgumentsCached;
use nvgsp_proto::gsp::fb_layout::{FbLayout, SysmemImages};
use nvgsp_proto::gsp::libos::{find_region, LibosMemoryRegionInitArgument};
use nvgsp_proto::gsp::queue::{
    free_entries, used_entries, MsgqRxHeader, MsgqTxHeader, QueueError, QUEUE_ENTRY_SIZE,
};
use nvgsp_proto::gsp::wpr_meta::{GspFwWprMeta, GSP_FW_WPR_META_MAGIC, GSP_FW_WPR_META_REVISION};
use nvgsp_proto::wire::Wire;
use nvgsp_proto_fuzz::{round_trip, Input};

/// An accepted queue header has the published version and entry size, at
/// least two entries, and entries and rx header inside the queue, the
/// queue inside the region; a rejected one fails one of those.
fn queue_header(mut inp: Input) {
    let region_len = inp.u32() as usize;
    let (w, r, n) = (inp.u32(), inp.u32(), inp.u32());
    ring(w, r, n);
    let Some(h) = round_trip::<MsgqTxHeader>(inp.rest()) else {
        return;
    };
    let geometry_ok = h.msg_count >= 2
        && (h.msg_count as u64) * (QUEUE_ENTRY_SIZE as u64) + u64::from(h.entry_off)
            <= u64::from(h.size)
        && h.size as usize <= region_len
        && h.entry_off as usize >= MsgqTxHeader::SIZE
        && u64::from(h.rx_hdr_off) + MsgqRxHeader::SIZE as u64 <= u64::from(h.entry_off);
    let want = if h.version != 0 {
        Err(QueueError::Version(h.version))
    } else if h.msg_size as usize != QUEUE_ENTRY_SIZE {
        Err(QueueError::EntrySize(h.msg_size))
    } else if !geometry_ok {
        Err(QueueError::Geometry)
    } else {
        Ok(h.msg_count)
    };
    assert_eq!(h.validate(region_len), want);
    if let Ok(count) = want {
        ring(w, r, count);
        // The pointers GSP-RM writes, taken modulo the count, stay inside.
        assert!(free_entries(h.write_ptr, r, count) < count);
    }
}

/// Free and used entries are both below the count and add up to one less
/// than it (one entry always stays empty).
fn ring(w: u32, r: u32, n: u32) {
    let (free, used) = (free_entries(w, r, n), used_entries(w, r, n));
    if n == 0 {
        assert_eq!((free, used), (0, 0));
    } else {
        assert!(free < n && used < n);
        assert_eq!(u64::from(free) + u64::from(used), u64::from(n) - 1);
        assert_eq!(
            used,
            ((u64::from(w % n) + u64::from(n) - u64::from(r % n)) % u64::from(n)) as u32
        );
    }
}

/// `find_region` returns the first region with that id, looking only up to
/// the first zero id, and never finds id 0.
fn libos_page(mut inp: Input) {
    let id8 = inp.u64();
    let page = inp.rest();
    let got = find_region(page, id8);
    let mut want = None;
    for chunk in page.chunks_exact(LibosMemoryRegionInitArgument::SIZE) {
        let a: LibosMemoryRegionInitArgument = round_trip(chunk).unwrap();
        if a.id8 == 0 {
            break;
        }
        if a.id8 == id8 {
            want = Some(a);
            break;
        }
    }
    assert_eq!(got, want);
}

/// The WPR metadata round-trips; its accessors read the published fields;
/// a layout computed from a VRAM size survives `for_boot` and `layout`.
fn wpr_meta(mut inp: Input) {
    let fb_size = inp.u64();
    let bootloader_size = u64::from(inp.u32());
    let elf_size = inp.u64() >> (inp.u8() & 63);
    layout(fb_size, bootloader_size, elf_size);
    let Some(mut m) = round_trip::<GspFwWprMeta>(inp.rest()) else {
        return;
    };
    assert_eq!(
        m.is_valid_header(),
        m.magic == GSP_FW_WPR_META_MAGIC && m.revision == GSP_FW_WPR_META_REVISION
    );
    let (addr, size) = m.crash_report_queue();
    assert_eq!(addr as u32, m.partition.elf_data_offset);
    assert_eq!((addr >> 32) as u32, m.partition.elf_code_size);
    assert_eq!(size, m.partition.elf_data_size);
    let l = m.layout();
    assert_eq!((l.fb.start, l.fb.end), (0, m.fb_size));
    assert_eq!(
        (l.frts.start, l.wpr2.start),
        (m.frts_offset, m.gsp_fw_wpr_start)
    );
    let off = m.heap_free_list_wpr_offset();
    m.set_heap_free_list_wpr_offset(off);
    assert_eq!(m.heap_free_list_wpr_offset(), off);
}

fn layout(fb_size: u64, bootloader_size: u64, elf_size: u64) {
    let Some(l) = FbLayout::ga102(fb_size, bootloader_size, elf_size) else {
        return;
    };
    let ranges = [
        l.non_wpr_heap,
        l.heap,
        l.elf,
        l.boot,
        l.frts,
        l.vga_workspace,
    ];
    for r in ranges.iter().chain([&l.fb, &l.wpr2]) {
        assert!(r.start <= r.end && r.end <= fb_size, "{l:x?}");
    }
    for w in ranges.windows(2) {
        assert!(w[0].end <= w[1].start, "{l:x?}");
    }
    assert_eq!(l.boot.len(), bootloader_size);
    assert_eq!(l.elf.len(), elf_size);
    assert!(l.wpr2.start + GspFwWprMeta::SIZE_U64 <= l.heap.start);
    assert_eq!(l.wpr2.end, l.frts.end);
    let s = SysmemImages {
        elf_size,
        bootloader_size,
        ..Default::default()
    };
    let m = GspFwWprMeta::for_boot(&l, &s);
    assert!(m.is_valid_header());
    assert_eq!(m.layout(), l);
}

/// `ChipId::from_boot42` of whatever `NV_PMC_BOOT_42` reads: the fields
/// fit their bit widths and encode back to the register's defined bits.
fn chip_id(boot42: u32) {
    let c = ChipId::from_boot42(boot42);
    assert!(c.architecture < 0x40 && c.implementation < 0x10);
    assert!(c.major_revision < 0x10 && c.minor_revision < 0x10);
    assert_eq!(c.boot42(), boot42 & 0x3fff_f000);
    assert_eq!(c.chipset(), (boot42 >> 20) & 0x3ff);
    let b0 = c.boot0();
    assert_eq!(
        ((b0 >> 24) & 0x1f) | ((b0 >> 8) & 1) << 5,
        u32::from(c.architecture)
    );
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    match inp.u8() % 5 {
        0 => queue_header(inp),
        1 => libos_page(inp),
        2 => wpr_meta(inp),
        3 => {
            round_trip::<GspArgumentsCached>(inp.rest());
        }
        _ => chip_id(inp.u32()),
    }
});
