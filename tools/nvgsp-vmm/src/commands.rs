//! The VF commands: each opens the VF's VFIO device, does what a VMM
//! would, and prints what it saw (see [`crate::report`] for the lines).
//!
//! Each returns `Ok(true)` when done, `Ok(false)` when a check failed or
//! the device refused what is expected to work, `Err` when it could not
//! get that far.

use crate::bar::{map_region, Bar};
use crate::cli::{Action, Options, PciAddress};
use crate::config::{self, ConfigSpace};
use crate::pattern::{FillCheck, Pattern, ScanTally, ZeroTally};
use crate::report::{self, io_error, transfer};
use crate::sys;
use crate::vf::Vf;
use std::os::unix::fs::FileExt;
use std::thread::sleep;
use std::time::{Duration, Instant};
use vfio_bindings::bindings::vfio::{
    VFIO_PCI_BAR0_REGION_INDEX, VFIO_PCI_BAR1_REGION_INDEX, VFIO_PCI_CONFIG_REGION_INDEX,
    VFIO_PCI_ERR_IRQ_INDEX,
};
use vmm_sys_util::eventfd::EventFd;

/// NV_PMC_BOOT_0: the chip's identity.
const NV_PMC_BOOT_0: u64 = 0x0;
/// NV_PMC_BOOT_1: bits 17:16 (VGPU) say what kind of function this is.
const NV_PMC_BOOT_1: u64 = 0x4;
/// NV_PMC_BOOT_1's VGPU field says "virtual function".
const NV_PMC_BOOT_1_VGPU_VF: u32 = 2;
/// NV_PMC_BOOT_42: the chip's architecture and implementation.
const NV_PMC_BOOT_42: u64 = 0xa00;

/// How many bytes one bulk access to BAR1 moves.
const CHUNK: usize = 1 << 20;

/// Runs `action` on the VF at `addr`.
pub fn run(options: Options, addr: &PciAddress, action: &Action) -> Result<bool, String> {
    let vf = Vf::open(addr, options)?;
    println!("open: {} {}", vf.via, vf.node);
    for note in &vf.notes {
        println!("{note}");
    }
    match action {
        Action::Info => info(&vf),
        Action::Fill(seed) => fill(&vf, *seed, ""),
        Action::Scan(seed) => scan(&vf, *seed, ""),
        Action::Cross {
            seed,
            other,
            other_seed,
        } => cross(&vf, *seed, &Vf::open(other, options)?, *other_seed),
        Action::Zero => zero(&vf),
        Action::Reset(seed) => reset(&vf, *seed),
        Action::Bad => bad(&vf),
        Action::WaitError(limit, seed) => wait_error(&vf, *limit, *seed),
        Action::Hold(time) => hold(vf, *time),
    }
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

/// `info`: the device, its regions and interrupts, config space, BOOT
/// registers.
fn info(vf: &Vf) -> Result<bool, String> {
    let d = vf.device();
    println!("{}", report::device_flags_line(vf.flags()));
    println!("regions: {}", vf.num_regions());
    for index in 0..vf.num_regions() {
        let r = vf.region(index);
        println!(
            "{}",
            report::region_line(index, r.size, r.flags, r.mappable())
        );
    }
    println!("irqs: {}", vf.num_irqs());
    for index in 0..vf.num_irqs() {
        let count = d.get_irq_info(index).map_or(0, |i| i.count);
        println!("irq {}: {count}", report::irq_name(index));
    }

    let cfg = vf.config();
    println!("vendor: {:#06x}", cfg.read16(config::VENDOR_ID));
    println!("device: {:#06x}", cfg.read16(config::DEVICE_ID));
    println!(
        "subsystem vendor: {:#06x}",
        cfg.read16(config::SUBSYSTEM_VENDOR_ID)
    );
    println!("subsystem: {:#06x}", cfg.read16(config::SUBSYSTEM_ID));
    let class_rev = cfg.read32(config::CLASS_REVISION);
    println!("class: {:#08x}", class_rev >> 8);
    println!("revision: {:#04x}", cfg.read8(config::CLASS_REVISION));
    let bar1 = config::size_bar(&cfg, 1);
    let region_size = vf.region(VFIO_PCI_BAR1_REGION_INDEX).size;
    println!("bar1 kind: {}", bar1.kind.describe());
    println!("bar1 config size: {:#x}", bar1.size);
    println!("bar1 region size: {region_size:#x}");
    println!("bar1 sizes match: {}", yes(bar1.size == region_size));
    println!("bar1 restored: {}", yes(bar1.restored));
    let mapped = Bar::new(vf, VFIO_PCI_BAR1_REGION_INDEX).map(|b| b.access().name().to_string());
    println!("bar1 access: {}", mapped.unwrap_or_else(|e| e));

    let bar0 = Bar::new(vf, VFIO_PCI_BAR0_REGION_INDEX)?;
    println!("bar0 access: {}", bar0.access().name());
    let boot0 = bar0.read32(NV_PMC_BOOT_0)?;
    let boot1 = bar0.read32(NV_PMC_BOOT_1)?;
    let boot42 = bar0.read32(NV_PMC_BOOT_42)?;
    println!("boot0: {boot0:#010x}");
    println!("boot1: {boot1:#010x}");
    println!("boot42: {boot42:#010x}");
    println!("vf: {}", yes((boot1 >> 16) & 3 == NV_PMC_BOOT_1_VGPU_VF));
    Ok(bar1.size == region_size && bar1.restored)
}

/// Maps BAR1 and says how it is reached (lines prefixed with `tag`).
fn bar1<'a>(vf: &'a Vf, tag: &str) -> Result<Bar<'a>, String> {
    let bar = Bar::new(vf, VFIO_PCI_BAR1_REGION_INDEX)?;
    if bar.size() == 0 || !bar.size().is_multiple_of(8) {
        return Err(format!("BAR1 is {:#x} bytes", bar.size()));
    }
    println!("{tag}bar1 size: {:#x}", bar.size());
    println!("{tag}bar1 access: {}", bar.access().name());
    Ok(bar)
}

/// Calls `f(offset, words)` for each chunk of `bar` read in turn.
fn each_chunk(bar: &Bar<'_>, mut f: impl FnMut(u64, &[u64])) {
    let mut words = vec![0u64; CHUNK / 8];
    let mut offset = 0;
    while offset < bar.size() {
        let n = (bar.size() - offset).min(CHUNK as u64) as usize / 8;
        bar.read_words(offset, &mut words[..n]);
        f(offset, &words[..n]);
        offset += CHUNK as u64;
    }
}

fn millis(since: Instant) -> u128 {
    since.elapsed().as_millis()
}

/// `fill`: the seed's pattern over all of BAR1, then read back (lines
/// prefixed with `tag`).
fn fill(vf: &Vf, seed: u64, tag: &str) -> Result<bool, String> {
    let bar = bar1(vf, tag)?;
    let pattern = Pattern::new(seed);
    let start = Instant::now();
    let mut words = vec![0u64; CHUNK / 8];
    let mut offset = 0;
    while offset < bar.size() {
        let n = (bar.size() - offset).min(CHUNK as u64) as usize / 8;
        pattern.fill(offset, &mut words[..n]);
        bar.write_words(offset, &words[..n]);
        offset += CHUNK as u64;
    }
    let written = Instant::now();
    let mut check = FillCheck::default();
    each_chunk(&bar, |offset, words| check.add(&pattern, offset, words));
    println!("{tag}{}", report::fill_line(&check));
    println!(
        "{tag}fill time: write {} ms, read {} ms",
        written.duration_since(start).as_millis(),
        millis(written)
    );
    Ok(check.first.is_none())
}

/// `scan`: the seed's words in BAR1, at their offset and elsewhere
/// (lines prefixed with `tag`).
fn scan(vf: &Vf, seed: u64, tag: &str) -> Result<bool, String> {
    let bar = bar1(vf, tag)?;
    let pattern = Pattern::new(seed);
    let start = Instant::now();
    let mut tally = ScanTally::default();
    each_chunk(&bar, |offset, words| tally.add(&pattern, offset, words));
    for line in report::scan_lines(&tally) {
        println!("{tag}{line}");
    }
    println!("{tag}scan time: {} ms", millis(start));
    Ok(true)
}

/// `cross`: two vGPUs open at once, as two running VMs: each filled with
/// its seed's pattern, then each scanned for the other's. (A vGPU's
/// memory is cleared when its VMM closes it, so the patterns are only
/// both there while both are open.)
fn cross(a: &Vf, seed_a: u64, b: &Vf, seed_b: u64) -> Result<bool, String> {
    println!("b open: {} {}", b.via, b.node);
    let filled = fill(a, seed_a, "a ")? & fill(b, seed_b, "b ")?;
    scan(b, seed_a, "b for a: ")?;
    scan(a, seed_b, "a for b: ")?;
    Ok(filled)
}

/// `zero`: all of BAR1 reads zero.
fn zero(vf: &Vf) -> Result<bool, String> {
    let bar = bar1(vf, "")?;
    let start = Instant::now();
    let mut tally = ZeroTally::default();
    each_chunk(&bar, |offset, words| tally.add(offset, words));
    println!("{}", report::zero_line(&tally));
    println!("zero time: {} ms", millis(start));
    Ok(tally.nonzero == 0)
}

/// `reset`: VFIO_DEVICE_RESET; with a seed, BAR1 filled with its
/// pattern before and checked to read zero after.
fn reset(vf: &Vf, seed: Option<u64>) -> Result<bool, String> {
    let filled = match seed {
        Some(seed) => fill(vf, seed, "")?,
        None => true,
    };
    let r = sys::reset(vf.file());
    match &r {
        Ok(()) => println!("reset: ok"),
        Err(e) => println!("reset: {}", io_error(e)),
    }
    let cleared = match (seed, &r) {
        (Some(_), Ok(())) => zero(vf)?,
        _ => true,
    };
    Ok(filled && r.is_ok() && cleared)
}

/// `bad`: accesses a VMM must not get through, straight to the kernel
/// (vfio-ioctls would refuse them itself, and log rather than say why).
fn bad(vf: &Vf) -> Result<bool, String> {
    let file = vf.file();
    let junk = [0u8; 4];
    let mut buf = [0u8; 4];
    for index in [VFIO_PCI_BAR0_REGION_INDEX, VFIO_PCI_BAR1_REGION_INDEX] {
        let r = vf.region(index);
        let name = report::region_name(index);
        if r.size == 0 {
            println!("bad: {name}: no such region");
            continue;
        }
        let at_end = file.write_at(&junk, r.offset + r.size);
        println!("bad: {name} write at end: {}", transfer(&at_end, 4));
        let across = file.read_at(&mut buf, r.offset + r.size - 2);
        println!("bad: {name} read across end: {}", transfer(&across, 4));
        let page = 4096;
        match map_region(vf, &r, 0, r.size + page) {
            Ok(_) => println!("bad: {name} mmap past end: ok"),
            Err(e) => println!("bad: {name} mmap past end: {}", io_error(&e)),
        }
    }
    let cfg = vf.region(VFIO_PCI_CONFIG_REGION_INDEX);
    let at_end = file.read_at(&mut buf, cfg.offset + cfg.size);
    println!("bad: config read at end: {}", transfer(&at_end, 4));
    let at_end = file.write_at(&junk, cfg.offset + cfg.size);
    println!("bad: config write at end: {}", transfer(&at_end, 4));
    // A region index the device does not have (offsets are index << 40).
    let beyond = u64::from(vf.num_regions() + 1) << 40;
    let r = file.read_at(&mut buf, beyond);
    println!(
        "bad: read of region {}: {}",
        vf.num_regions() + 1,
        transfer(&r, 4)
    );
    Ok(true)
}

/// `wait-error`: arms the error interrupt and waits for it; with a seed,
/// BAR1 filled with its pattern before and read back after.
fn wait_error(vf: &Vf, limit: Duration, seed: Option<u64>) -> Result<bool, String> {
    if let Some(seed) = seed {
        fill(vf, seed, "")?;
    }
    let d = vf.device();
    if d.get_irq_info(VFIO_PCI_ERR_IRQ_INDEX)
        .is_none_or(|i| i.count == 0)
    {
        println!("error irq: not offered");
        return Ok(false);
    }
    let efd = EventFd::new(libc::EFD_NONBLOCK).map_err(|e| format!("eventfd: {e}"))?;
    if let Err(e) = d.enable_irq(VFIO_PCI_ERR_IRQ_INDEX, vec![&efd]) {
        println!("error irq: cannot arm ({})", crate::vf::vfio_error(&e));
        return Ok(false);
    }
    println!("error irq: armed");
    let start = Instant::now();
    let fired = loop {
        match efd.read() {
            Ok(_) => break true,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(format!("eventfd: {e}")),
        }
        if start.elapsed() >= limit {
            break false;
        }
        sleep(Duration::from_millis(10));
    };
    println!("error irq: {}", if fired { "fired" } else { "none" });
    if fired {
        println!("error irq after: {} ms", millis(start));
    }
    if let Err(e) = d.disable_irq(VFIO_PCI_ERR_IRQ_INDEX) {
        println!("error irq disarm: {}", crate::vf::vfio_error(&e));
    }
    let kept = match seed {
        Some(seed) if fired => {
            let bar = bar1(vf, "")?;
            let pattern = Pattern::new(seed);
            let mut check = FillCheck::default();
            each_chunk(&bar, |offset, words| check.add(&pattern, offset, words));
            println!("kept: {}", report::fill_line(&check));
            check.first.is_none()
        }
        _ => true,
    };
    Ok(kept)
}

/// `hold`: the device open and its BARs mapped for `time`.
fn hold(vf: Vf, time: Duration) -> Result<bool, String> {
    let mut bars = Vec::new();
    for index in [VFIO_PCI_BAR0_REGION_INDEX, VFIO_PCI_BAR1_REGION_INDEX] {
        match Bar::new(&vf, index) {
            Ok(b) => bars.push(b),
            Err(e) => println!("hold: {}: {e}", report::region_name(index)),
        }
    }
    println!("hold: open");
    sleep(time);
    drop(bars);
    drop(vf);
    println!("hold: done");
    Ok(true)
}
