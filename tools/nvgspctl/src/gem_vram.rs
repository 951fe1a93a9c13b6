//! `nvgspctl gem vram|vram-limits|vram-hold`: VRAM objects, which the CPU
//! maps through BAR1.
//!
//! `vram SIZE` creates an object, fills it through one mapping a MiB at a
//! time (reading each MiB's last word back), reads its first and last
//! 64 KiB and a word of every 64 KiB page back through another, prints the
//! first and last 8 bytes written and the hash of all of it (so a test can
//! find them in VRAM through the emulator), sends what the driver
//! must refuse for VRAM objects, and holds the object until a line (or the
//! end) comes on standard input; then frees it and prints the share used.
//! `vram-limits` fills the DRM share until ENOSPC, then maps objects of a
//! quarter of BAR1 until BAR1 is full. `vram-hold SIZE` keeps a mapped
//! object until killed, reading its mapping on each input line (after the
//! GPU is unbound, that raises SIGBUS).

use std::fs::File;

use nvgsp_uapi::{self as drm, GemCreate, Mapping};

use crate::gem::{checksum, fill, flush, map_whole, outcome};

fn param(f: &File, p: u32, name: &str) -> Result<u64, String> {
    drm::getparam(f, p).map_err(|e| format!("GETPARAM({name}): {e}"))
}

/// How much of an object `vram SIZE` writes before it reads back.
const PIECE: usize = 1 << 20;

/// A new VRAM object of `size` bytes in `f`.
fn create(f: &File, size: u64) -> std::io::Result<u32> {
    drm::gem_create(
        f,
        GemCreate {
            size,
            domain: drm::DOMAIN_VRAM,
            ..GemCreate::default()
        },
    )
}

/// The little-endian u64 at `at` of `buf`.
fn word(buf: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&buf[at..at + 8]);
    u64::from_le_bytes(w)
}

/// Writes `data` at the start of `map` a MiB at a time, each MiB followed
/// by a read of its last word; returns whether every such word read back
/// as written. The read waits for the writes before it (PCIe reads do not
/// pass posted writes), which keeps a slow BAR1 (the emulator's drains at
/// a few MB/s) from holding seconds of writes that the driver's own
/// accesses would wait behind.
fn write_in_pieces(map: &Mapping, data: &[u8]) -> bool {
    let mut same = true;
    for (i, piece) in data.chunks(PIECE).enumerate() {
        let at = i * PIECE;
        map.write_at(at, piece);
        let end = at + piece.len().saturating_sub(8);
        same &= map.read_at(end, 8) == data[end..(end + 8).min(data.len())];
    }
    same
}

/// `nvgspctl gem vram SIZE`.
pub fn check(f: &File, size: u64) -> Result<(), String> {
    let bar1 = param(f, drm::PARAM_BAR1_SIZE, "BAR1_SIZE")?;
    let before = param(f, drm::PARAM_VRAM_SHARE_USED, "VRAM_SHARE_USED")?;
    println!("gem vram: bar1 {} MiB", bar1 >> 20);
    // An object filled and freed first: the next one (most likely
    // starting at the same VRAM) must not show what it held. At most
    // 4 MiB of it: the driver clears all of it before its first mapping.
    let small = size.min(4 << 20);
    {
        let old = create(f, small).map_err(|e| format!("GEM_CREATE(vram, {small}): {e}"))?;
        let info = drm::gem_info(f, old).map_err(|e| format!("GEM_INFO: {e}"))?;
        let map = map_whole(f, info.map_offset, info.size)?;
        if !write_in_pieces(&map, &vec![0xa5u8; map.len()]) {
            return Err("the first object read back other than what was written".into());
        }
        drop(map);
        drm::gem_close(f, old).map_err(|e| format!("GEM_CLOSE: {e}"))?;
    }
    let handle = create(f, size).map_err(|e| format!("GEM_CREATE(vram, {size}): {e}"))?;
    let info = drm::gem_info(f, handle).map_err(|e| format!("GEM_INFO: {e}"))?;
    let used = param(f, drm::PARAM_VRAM_SHARE_USED, "VRAM_SHARE_USED")?;
    println!(
        "gem vram: domain {}, {} bytes (asked {size}), share used +{}",
        if info.domain == drm::DOMAIN_VRAM {
            "vram"
        } else {
            "OTHER"
        },
        info.size,
        used - before
    );
    let len = usize::try_from(info.size).map_err(|_| "object too large".to_string())?;
    let mut pattern = vec![0u8; len];
    fill(&mut pattern, size ^ 0x5652_414d);
    let piece_ends_ok;
    {
        let map = map_whole(f, info.map_offset, info.size)?;
        // Where the first object was (if it was freed to the same VRAM),
        // and the end.
        let was = usize::try_from(small).unwrap_or(len).min(len);
        let fresh = [0, was / 2, was - 8, len - 8]
            .iter()
            .all(|&at| map.read_at(at, 8).iter().all(|&b| b == 0));
        println!(
            "gem vram: a new object reads {}",
            if fresh { "zeroes" } else { "OLD DATA" }
        );
        piece_ends_ok = write_in_pieces(&map, &pattern);
    }
    // Another mapping, made after the first is gone, reads what VRAM
    // holds: its first and last 64 KiB and a word of every 64 KiB page
    // (reads through BAR1 are slow; the whole object's hash is for a test
    // to compare with VRAM's own).
    let edge = len.min(64 << 10);
    let again = {
        let map = map_whole(f, info.map_offset, info.size)?;
        piece_ends_ok
            && map.read_at(0, edge) == pattern[..edge]
            && map.read_at(len - edge, edge) == pattern[len - edge..]
            && (0..len / (64 << 10)).all(|page| {
                let at = page * (64 << 10) + (page * 8) % (64 << 10);
                map.read_at(at, 8) == pattern[at..at + 8]
            })
    };
    let written = checksum(&pattern);
    println!(
        "gem vram: first {:016x} last {:016x} at 4k {:016x}, written {written:016x}, read back {}",
        word(&pattern, 0),
        word(&pattern, len - 8),
        word(&pattern, 0x1000),
        if again { "the same" } else { "OTHER DATA" }
    );
    println!(
        "gem vram: private writable mapping: {}",
        outcome(Mapping::try_private(f, info.map_offset, len))
    );
    println!(
        "gem vram: export: {}",
        outcome(drm::prime_export(f, handle))
    );
    // The whole object at a 2 MiB-aligned VA (the largest pages its
    // alignment allows), and 64 KiB of it from its second 4 KiB page at a
    // VA 4 KiB past a 2 MiB boundary (4 KiB pages), beyond the whole one.
    let mut unbind = Vec::new();
    match drm::vm_init(f) {
        Ok(range) => {
            let past = info.size.next_multiple_of(2 << 20).max(16 << 20);
            let (whole, part) = (range.start, range.start + past + 0x1000);
            let ops = [
                drm::bind_map(handle, whole, info.size, 0),
                drm::bind_map(handle, part, 0x10000, 0x1000),
            ];
            println!(
                "gem vram: vm bind: {} at {whole:#x} and {part:#x}",
                outcome(drm::vm_bind(f, &ops).1)
            );
            unbind.push(drm::bind_unmap(whole, info.size));
            unbind.push(drm::bind_unmap(part, 0x10000));
        }
        Err(e) => println!("gem vram: vm init: {}", outcome::<()>(Err(e))),
    }
    println!("gem vram: holding");
    flush();
    let _ = std::io::stdin().lines().next();
    // The GPU mappings hold the object: they go first.
    if !unbind.is_empty() {
        println!(
            "gem vram: vm unbind: {}",
            outcome(drm::vm_bind(f, &unbind).1)
        );
    }
    drm::gem_close(f, handle).map_err(|e| format!("GEM_CLOSE: {e}"))?;
    let after = param(f, drm::PARAM_VRAM_SHARE_USED, "VRAM_SHARE_USED")?;
    println!(
        "gem vram: closed, share used {}",
        after as i64 - before as i64
    );
    if !again {
        return Err("VRAM read back differs from what was written".into());
    }
    Ok(())
}

/// `nvgspctl gem vram-limits`.
pub fn limits(f: &File) -> Result<(), String> {
    let share = param(f, drm::PARAM_VRAM_SHARE, "VRAM_SHARE")?;
    let bar1 = param(f, drm::PARAM_BAR1_SIZE, "BAR1_SIZE")?;
    // The share: objects of (just under) 1/8 of it until one is refused:
    // the ninth.
    let chunk = share / 8 / (64 << 10) * (64 << 10);
    let mut held = Vec::new();
    let refused = loop {
        match create(f, chunk) {
            Ok(h) => held.push(h),
            Err(e) => break outcome::<()>(Err(e)),
        }
        if held.len() > 64 {
            break "never";
        }
    };
    println!(
        "gem vram-limits: share {} MiB: {} objects of {} KiB, then {refused}",
        share >> 20,
        held.len(),
        chunk >> 10
    );
    for h in held.drain(..) {
        drm::gem_close(f, h).map_err(|e| format!("GEM_CLOSE: {e}"))?;
    }
    // BAR1: objects just over a quarter of it, mapped until one is not.
    let quarter = (bar1 / 4 + (64 << 10)).next_multiple_of(64 << 10);
    let mut maps = Vec::new();
    let refused = loop {
        let h = create(f, quarter).map_err(|e| format!("GEM_CREATE({quarter}): {e}"))?;
        held.push(h);
        let info = drm::gem_info(f, h).map_err(|e| format!("GEM_INFO: {e}"))?;
        match Mapping::new(f, info.map_offset, 4096) {
            Ok(m) => maps.push(m),
            Err(e) => break outcome::<()>(Err(e)),
        }
        if maps.len() > 8 {
            break "never";
        }
    };
    println!(
        "gem vram-limits: bar1 {} MiB: {} objects of {} KiB mapped, then {refused}",
        bar1 >> 20,
        maps.len(),
        quarter >> 10
    );
    // Freeing the first (its mappings first) gives its range back.
    maps.remove(0);
    drm::gem_close(f, held.remove(0)).map_err(|e| format!("GEM_CLOSE: {e}"))?;
    let last = *held.last().ok_or("no object")?;
    let info = drm::gem_info(f, last).map_err(|e| format!("GEM_INFO: {e}"))?;
    // Mapped where the freed one was, and used: through a stale
    // translation the CPU would reach the freed VRAM.
    let again = match Mapping::new(f, info.map_offset, 4096) {
        Ok(m) if m.read_at(0, 8).iter().all(|&b| b == 0) => "ok, reads zeroes",
        Ok(_) => "ok, reads OLD DATA",
        Err(e) => outcome::<()>(Err(e)),
    };
    println!("gem vram-limits: after one was freed: {again}");
    drop(maps);
    for h in held {
        drm::gem_close(f, h).map_err(|e| format!("GEM_CLOSE: {e}"))?;
    }
    let used = param(f, drm::PARAM_VRAM_SHARE_USED, "VRAM_SHARE_USED")?;
    println!("gem vram-limits: share used at the end {used}");
    Ok(())
}

/// `nvgspctl gem vram-hold SIZE`.
pub fn hold(f: &File, size: u64) -> Result<(), String> {
    let handle = create(f, size).map_err(|e| format!("GEM_CREATE(vram, {size}): {e}"))?;
    let info = drm::gem_info(f, handle).map_err(|e| format!("GEM_INFO: {e}"))?;
    let map = map_whole(f, info.map_offset, info.size)?;
    let mut pattern = vec![0u8; map.len()];
    fill(&mut pattern, size);
    map.write(&pattern);
    let written = checksum(&pattern);
    println!("gem vram-hold: holding {} bytes, mapped", info.size);
    flush();
    for _ in std::io::stdin().lines() {
        let again = outcome(drm::gem_info(f, handle));
        let same = if checksum(&map.read_all()) == written {
            "unchanged"
        } else {
            "CHANGED"
        };
        println!("gem vram-hold: looked again: gem info {again}, mapping {same}");
        flush();
    }
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

/// `nvgspctl gem-bench SIZE ROUNDS`: the CPU's write bandwidth into a
/// system object and into a VRAM object (BAR1), SIZE bytes ROUNDS times
/// each through one mapping, and its read bandwidth from the VRAM object
/// once; in MB/s, from the same run.
pub fn bench(f: &File, size: u64, rounds: u32) -> Result<(), String> {
    let mut rates = Vec::new();
    for domain in [drm::DOMAIN_SYSTEM, drm::DOMAIN_VRAM] {
        let handle = drm::gem_create(
            f,
            GemCreate {
                size,
                domain,
                ..GemCreate::default()
            },
        )
        .map_err(|e| format!("GEM_CREATE({size}): {e}"))?;
        let info = drm::gem_info(f, handle).map_err(|e| format!("GEM_INFO: {e}"))?;
        let map = map_whole(f, info.map_offset, info.size)?;
        let mut data = vec![0u8; map.len()];
        fill(&mut data, size);
        // Pages (or BAR1's range) made before the clock starts.
        map.write(&data);
        std::hint::black_box(map.read_at(0, 8));
        let start = std::time::Instant::now();
        for _ in 0..rounds {
            map.write(&data);
        }
        // A read waits for the writes before it (posted writes to a BAR
        // may still be on their way when the stores retire).
        std::hint::black_box(map.read_at(0, 8));
        let secs = start.elapsed().as_secs_f64();
        rates.push(info.size as f64 * f64::from(rounds) / secs / 1e6);
        if domain == drm::DOMAIN_VRAM {
            let start = std::time::Instant::now();
            let back = checksum(&map.read_all());
            let secs = start.elapsed().as_secs_f64();
            rates.push(info.size as f64 / secs / 1e6);
            if back != checksum(&data) {
                return Err("VRAM read back differs".into());
            }
        }
        drop(map);
        drm::gem_close(f, handle).map_err(|e| format!("GEM_CLOSE: {e}"))?;
    }
    println!(
        "gem-bench: {} KiB x {rounds}: system write {:.1} MB/s, vram write {:.2} MB/s, vram read {:.2} MB/s",
        size >> 10,
        rates[0],
        rates[1],
        rates[2]
    );
    Ok(())
}
