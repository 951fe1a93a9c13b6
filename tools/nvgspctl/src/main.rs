//! `nvgspctl`: a guest-side tool that talks to nvgsp's DRM render node.
//!
//! `nvgspctl info` finds the render node of the nvgsp driver and prints the
//! chip identity it reports through `DRM_IOCTL_NVGSP_GETPARAM`.

mod bench;
mod fuzz;
mod gem;
mod gem_vram;
mod vm;
mod vm_bench;

use nvgsp_uapi as drm;
use std::fs::{File, OpenOptions};
use std::process::ExitCode;

const USAGE: &str = "\
usage: nvgspctl info [--device /dev/dri/renderDN]
       nvgspctl bench PROBE THREADS CALLS
       nvgspctl gem check SIZE | gem errors | gem hold SIZE
       nvgspctl gem vram SIZE | gem vram-limits | gem vram-hold SIZE
       nvgspctl gem-bench SIZE ROUNDS
       nvgspctl vm | vm-bench PAGES ROUNDS
       nvgspctl fuzz SECONDS SEED

  info    the GPU behind an nvgsp render node: identity, VRAM, engines
  bench   read a debugfs probe of nvgsp_core (e.g.
          /sys/kernel/debug/nvgsp/0000:01:00.0/rpc_null or bar0_read) CALLS
          times from THREADS threads; prints p50/p99 and calls/s
  gem     check: create a system-memory object of SIZE bytes, fill it
          through a CPU mapping, read it back through another mapping,
          through a second file that imports it as a dma-buf and through
          the dma-buf's own mapping;
          errors: the requests the driver must refuse, and their errors;
          hold: an object mapped and exported until the process is killed;
          each line on standard input makes it use its file and mapping;
          vram: a VRAM object of SIZE bytes filled through one mapping
          (BAR1) and read back through another, its first and last words,
          what is refused for VRAM; held until a line on standard input;
          vram-limits: the DRM share filled until ENOSPC, then BAR1;
          vram-hold: a mapped VRAM object held until killed; each line on
          standard input reads its mapping again
  gem-bench  CPU write bandwidth into a system object and a VRAM object
          (BAR1) of SIZE bytes, ROUNDS times each, and read bandwidth from
          the VRAM object, in MB/s
  vm      a GPU VA space driven from standard input, one reply per line:
          init | new SIZE | newvram SIZE | map H OFFSET VA RANGE | unmap VA RANGE |
          bind (op lines, then end) | close H | expect VA | files N | quit
          (objects' pages are tagged handle << 32 | page; expect says
          which tag the GPU must read at VA)
  fuzz    random ioctls, mmaps and PRIME calls on the render node for
          SECONDS seconds from a PRNG seeded with SEED (decimal or 0x
          hex), from two open files and a forked child killed midway;
          prints a summary: calls by outcome, what took effect, and any
          result the UAPI rules out (then exits 1)
";

/// Chip names by chipset number (nova-core `define_chipset!`).
fn chip_name(chipset: u64) -> &'static str {
    match chipset {
        0x162 => "TU102",
        0x164 => "TU104",
        0x170 => "GA100",
        0x172 => "GA102",
        0x173 => "GA103",
        0x174 => "GA104",
        0x192 => "AD102",
        0x180 => "GH100",
        _ => "unknown",
    }
}

/// Short name of engine type `t` (NVIDIA's `NV2080_ENGINE_TYPE_*`).
fn engine_name(t: u32) -> &'static str {
    match t {
        0x01 => "gr",
        0x09..=0x12 => [
            "ce0", "ce1", "ce2", "ce3", "ce4", "ce5", "ce6", "ce7", "ce8", "ce9",
        ][(t - 0x09) as usize],
        0x13..=0x1a => [
            "nvdec0", "nvdec1", "nvdec2", "nvdec3", "nvdec4", "nvdec5", "nvdec6", "nvdec7",
        ][(t - 0x13) as usize],
        0x1b..=0x1d => ["nvenc0", "nvenc1", "nvenc2"][(t - 0x1b) as usize],
        0x22 => "sw",
        0x26 => "sec2",
        0x27 => "host",
        0x2b..=0x32 => [
            "nvjpg0", "nvjpg1", "nvjpg2", "nvjpg3", "nvjpg4", "nvjpg5", "nvjpg6", "nvjpg7",
        ][(t - 0x2b) as usize],
        0x33 => "ofa0",
        _ => "unknown",
    }
}

pub(crate) fn open(path: &str) -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).open(path)
}

/// The first render node whose driver is nvgsp.
fn find_node() -> Result<(String, File), String> {
    let mut nodes: Vec<String> = std::fs::read_dir("/dev/dri")
        .map_err(|e| format!("/dev/dri: {e}"))?
        .filter_map(|e| e.ok())
        .map(|e| e.path().display().to_string())
        .filter(|p| p.contains("renderD"))
        .collect();
    nodes.sort();
    for n in nodes {
        if let Ok(f) = open(&n) {
            if drm::driver_name(&f).is_ok_and(|d| d == "nvgsp") {
                return Ok((n, f));
            }
        }
    }
    Err("no nvgsp render node in /dev/dri".into())
}

fn info(device: Option<String>) -> Result<(), String> {
    let (path, f) = match device {
        Some(p) => {
            let f = open(&p).map_err(|e| format!("{p}: {e}"))?;
            (p, f)
        }
        None => find_node()?,
    };
    let chipset = drm::getparam(&f, drm::PARAM_CHIPSET)
        .map_err(|e| format!("{path}: GETPARAM(CHIPSET): {e}"))?;
    let rev = drm::getparam(&f, drm::PARAM_REVISION)
        .map_err(|e| format!("{path}: GETPARAM(REVISION): {e}"))?;
    println!(
        "{path}: {} (chipset {chipset:#x}) revision {:X}{:x}",
        chip_name(chipset),
        rev >> 4,
        rev & 0xf
    );
    let get = |param, name| {
        drm::getparam(&f, param).map_err(|e| format!("{path}: GETPARAM({name}): {e}"))
    };
    let vram = get(drm::PARAM_VRAM_SIZE, "VRAM_SIZE")?;
    let usable = get(drm::PARAM_USABLE_VRAM_SIZE, "USABLE_VRAM_SIZE")?;
    let gpcs = get(drm::PARAM_GPC_COUNT, "GPC_COUNT")?;
    let tpcs = get(drm::PARAM_TPC_PER_GPC, "TPC_PER_GPC")?;
    let mask = get(drm::PARAM_ENGINE_MASK, "ENGINE_MASK")?;
    println!(
        "vram: {} MiB ({} MiB usable), {gpcs} GPCs x {tpcs} TPCs",
        vram >> 20,
        usable >> 20
    );
    let engines: Vec<&str> = (0..64)
        .filter(|b| mask & (1 << b) != 0)
        .map(engine_name)
        .collect();
    println!("engines: {}", engines.join(" "));
    Ok(())
}

/// Runs a `gem` subcommand on the nvgsp render node, after printing the
/// DRM device's VRAM share.
fn gem_command(run: impl FnOnce(&str, &File) -> Result<(), String>) -> Result<(), String> {
    let (path, f) = find_node()?;
    let get = |param, name| {
        drm::getparam(&f, param).map_err(|e| format!("{path}: GETPARAM({name}): {e}"))
    };
    let share = get(drm::PARAM_VRAM_SHARE, "VRAM_SHARE")?;
    let used = get(drm::PARAM_VRAM_SHARE_USED, "VRAM_SHARE_USED")?;
    println!("vram share: {share} bytes, {used} used");
    run(&path, &f)
}

fn bench(path: &str, threads: &str, calls: &str) -> Result<(), String> {
    let threads: usize = threads
        .parse()
        .map_err(|_| format!("bad thread count '{threads}'"))?;
    let calls: usize = calls
        .parse()
        .map_err(|_| format!("bad call count '{calls}'"))?;
    let _ = bench::read_once(path)?;
    let r = bench::run(path, threads, calls)?;
    println!(
        "{path}: {} calls, {} errors, {threads} threads, p50 {} ns, p99 {} ns, {:.0} calls/s",
        r.calls, r.errors, r.p50_ns, r.p99_ns, r.calls_per_sec
    );
    if r.errors > 0 {
        return Err(format!("{} of {} calls failed", r.errors, r.calls));
    }
    Ok(())
}

fn fuzz_command(seconds: &str, seed: &str) -> Result<(), String> {
    let seconds: u64 = seconds
        .parse()
        .map_err(|_| format!("bad seconds '{seconds}'"))?;
    let seed = match seed.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => seed.parse(),
    }
    .map_err(|_| format!("bad seed '{seed}'"))?;
    let (path, f) = find_node()?;
    drop(f);
    fuzz::run(&path, seconds, seed)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["info"] => info(None),
        ["info", "--device", dev] => info(Some(dev.to_string())),
        ["bench", path, threads, calls] => bench(path, threads, calls),
        ["gem", "check", size] => gem_command(|path, f| {
            let size = size.parse().map_err(|_| format!("bad size '{size}'"))?;
            gem::check(path, f, || open(path), size)
        }),
        ["gem", "errors"] => gem_command(|path, f| gem::errors(path, f, || open(path))),
        ["gem", "hold", size] => gem_command(|path, f| {
            let size = size.parse().map_err(|_| format!("bad size '{size}'"))?;
            gem::hold(path, f, size)
        }),
        ["gem", "vram", size] => gem_command(|_, f| {
            let size = size.parse().map_err(|_| format!("bad size '{size}'"))?;
            gem_vram::check(f, size)
        }),
        ["gem", "vram-limits"] => gem_command(|_, f| gem_vram::limits(f)),
        ["gem", "vram-hold", size] => gem_command(|_, f| {
            let size = size.parse().map_err(|_| format!("bad size '{size}'"))?;
            gem_vram::hold(f, size)
        }),
        ["gem-bench", size, rounds] => gem_command(|_, f| {
            let size = size.parse().map_err(|_| format!("bad size '{size}'"))?;
            let rounds = rounds
                .parse()
                .map_err(|_| format!("bad round count '{rounds}'"))?;
            gem_vram::bench(f, size, rounds)
        }),
        ["vm"] => find_node().and_then(|(path, f)| vm::run(&f, || open(&path))),
        ["vm-bench", pages, rounds] => find_node().and_then(|(_, f)| {
            let pages = pages
                .parse()
                .map_err(|_| format!("bad page count '{pages}'"))?;
            let rounds = rounds
                .parse()
                .map_err(|_| format!("bad round count '{rounds}'"))?;
            vm_bench::run(&f, pages, rounds)
        }),
        ["fuzz", seconds, seed] => fuzz_command(seconds, seed),
        ["-h"] | ["--help"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nvgspctl: error: {e}");
            ExitCode::FAILURE
        }
    }
}
