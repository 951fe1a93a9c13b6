//! `nvgspctl`: a guest-side tool that talks to nvgsp's DRM render node.
//!
//! `nvgspctl info` finds the render node of the nvgsp driver and prints the
//! chip identity it reports through `DRM_IOCTL_NVGSP_GETPARAM`.

mod bench;
mod copy;
mod copy_bench;
mod exec;
mod exec_bench;
mod exec_bind;
mod exec_fault;
mod fuzz;
mod gem;
mod gem_vram;
mod push;
mod submit;
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
       nvgspctl copy SIZE [--ce N] | copy-bench SIZE ROUNDS [--ce N]
       nvgspctl exec JOBS [--files F] [--ce N] | exec-bench ROUNDS [--files F] [--ce N]
       nvgspctl exec-fault [--ce N] | exec-hang [--ce N] | exec-bind [--ce N]
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
  copy    SIZE bytes (K, M, G suffixes, 0x hex) from a system object to a
          VRAM object and on to another system object by copy engine N
          (default 0), in two jobs ordered by a sync object; compares,
          prints the data's FNV-1a hash and the VRAM object's GPU VA
  copy-bench  ROUNDS copies of SIZE bytes from a VRAM object to a system
          object by copy engine N, each EXEC waited for, against ROUNDS
          memcpys of SIZE bytes in the guest: MB/s of the median rounds
  exec    JOBS empty jobs on each of F files (default 1), each signalling
          the next point of its file's timeline sync object, job 0 of
          each file waiting for the previous file's (a sync object
          shared as a file); checks the points, errors and order
  exec-bench  the round trip of an empty job (EXEC, then wait for its
          sync object) ROUNDS times: p50/p99 and jobs/s; with --files F,
          F threads with a file and channel each, 64 jobs in flight:
          jobs/s of all
  exec-fault  a job whose push is at an unmapped VA: its fence's error;
          then an empty job and a copy job on the same channel
  exec-hang  a job waiting on a semaphore that never comes: its fence's
          error after the driver's job timeout; then the same
  exec-bind  an ordered VM_BIND (RUN_ASYNC) unmapping a job's source
          between that job and the next: the first copies, the second
          faults
  fuzz    random ioctls, mmaps and PRIME calls on the render node for
          SECONDS seconds from a PRNG seeded with SEED (decimal or 0x
          hex), from two open files and a forked child killed midway,
          channels, jobs and sync objects among them; prints a summary:
          calls by outcome, what took effect, and any result the UAPI
          rules out (then exits 1)
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

/// Options of the submission commands.
type Options<'a> = std::collections::BTreeMap<String, &'a str>;

/// `copy SIZE [--ce N]`.
fn copy_command(size: &str, opts: &Options) -> Result<(), String> {
    let size = submit::parse_size(size)?;
    let ce = ce_option(opts)?;
    let (_, f) = find_node()?;
    copy::run(&f, size, ce)
}

/// `copy-bench SIZE ROUNDS [--ce N]`.
fn copy_bench_command(size: &str, rounds: &str, opts: &Options) -> Result<(), String> {
    let size = submit::parse_size(size)?;
    let rounds = rounds
        .parse()
        .map_err(|_| format!("bad round count '{rounds}'"))?;
    let ce = ce_option(opts)?;
    let (_, f) = find_node()?;
    copy_bench::run(&f, size, rounds, ce)
}

/// `--ce N` (default 0).
fn ce_option(opts: &Options) -> Result<u32, String> {
    let ce = submit::number_option(opts, "ce", 0)?;
    u32::try_from(ce).map_err(|_| format!("bad --ce {ce}"))
}

/// `exec JOBS [--files F] [--ce N]` and `exec-bench ROUNDS [--files F]
/// [--ce N]`.
fn exec_command(bench: bool, count: &str, opts: &Options) -> Result<(), String> {
    let count = submit::parse_size(count)?;
    let ce = ce_option(opts)?;
    let files = usize::try_from(submit::number_option(opts, "files", 1)?)
        .map_err(|_| "bad --files".to_string())?;
    let (path, f) = find_node()?;
    if !bench {
        drop(f);
        return exec::run(|| open(&path), count, files, ce);
    }
    if !opts.contains_key("files") {
        return exec_bench::round_trips(&f, count, ce);
    }
    drop(f);
    exec_bench::threads(|| open(&path), count, files, ce)
}

/// `exec-fault [--ce N]` and `exec-hang [--ce N]`.
fn exec_fault_command(kind: exec_fault::Kind, opts: &Options) -> Result<(), String> {
    let ce = ce_option(opts)?;
    let (_, f) = find_node()?;
    exec_fault::run(&f, kind, ce)
}

/// `args` split into `positional` positional arguments and the options in
/// `known`; `None` if they are not so.
fn shaped<'a>(
    args: &[&'a str],
    positional: usize,
    known: &[&str],
) -> Option<(Vec<&'a str>, Options<'a>)> {
    submit::options(args, known)
        .ok()
        .filter(|(pos, _)| pos.len() == positional)
}

/// What a malformed command line gets: the usage, exit status 2.
fn bad_usage() -> ExitCode {
    eprint!("{USAGE}");
    ExitCode::from(2)
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
        ["copy", ref rest @ ..] => match shaped(rest, 1, &["ce"]) {
            Some((pos, opts)) => copy_command(pos[0], &opts),
            None => return bad_usage(),
        },
        ["copy-bench", ref rest @ ..] => match shaped(rest, 2, &["ce"]) {
            Some((pos, opts)) => copy_bench_command(pos[0], pos[1], &opts),
            None => return bad_usage(),
        },
        [cmd @ ("exec" | "exec-bench"), ref rest @ ..] => match shaped(rest, 1, &["ce", "files"]) {
            Some((pos, opts)) => exec_command(cmd == "exec-bench", pos[0], &opts),
            None => return bad_usage(),
        },
        ["exec-bind", ref rest @ ..] => match shaped(rest, 0, &["ce"]) {
            Some((_, opts)) => ce_option(&opts)
                .and_then(|ce| find_node().and_then(|(_, f)| exec_bind::run(&f, ce))),
            None => return bad_usage(),
        },
        [cmd @ ("exec-fault" | "exec-hang"), ref rest @ ..] => match shaped(rest, 0, &["ce"]) {
            Some((_, opts)) => {
                let kind = if cmd == "exec-fault" {
                    exec_fault::Kind::Fault
                } else {
                    exec_fault::Kind::Hang
                };
                exec_fault_command(kind, &opts)
            }
            None => return bad_usage(),
        },
        ["fuzz", seconds, seed] => fuzz_command(seconds, seed),
        ["-h"] | ["--help"] => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => return bad_usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nvgspctl: error: {e}");
            ExitCode::FAILURE
        }
    }
}
