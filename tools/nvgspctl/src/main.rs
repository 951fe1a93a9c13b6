//! `nvgspctl`: a guest-side tool that talks to nvgsp's DRM render node.
//!
//! `nvgspctl info` finds the render node of the nvgsp driver and prints the
//! chip identity it reports through `DRM_IOCTL_NVGSP_GETPARAM`.

mod drm;

use std::fs::{File, OpenOptions};
use std::process::ExitCode;

const USAGE: &str = "usage: nvgspctl info [--device /dev/dri/renderDN]\n";

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

fn open(path: &str) -> std::io::Result<File> {
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
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["info"] => info(None),
        ["info", "--device", dev] => info(Some(dev.to_string())),
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
