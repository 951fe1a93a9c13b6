//! `nvgsp-vmm`: does in the guest what a VMM does with an nvgsp vGPU.
//!
//! A vGPU is a virtual function (VF) of the GPU that nvgsp_vfio registers
//! as a VFIO device once a vGPU type is written to its
//! `nvidia/current_vgpu_type`. nvgsp-vmm opens that device with rust-vmm's
//! vfio-ioctls (see [`vf`] for the two ways in and why both work without
//! an IOMMU), maps its BARs with vm-memory, and prints what it saw, one
//! `key: value` line per fact, for the VM tests to assert:
//!
//! - `info`: device flags, regions, interrupts, config space IDs, BAR1 as
//!   configuration space sizes it, the BOOT registers behind BAR0;
//! - `fill` / `scan` / `zero`: a seed's pattern written over the vGPU's
//!   memory window (BAR1), looked for in another's, or none at all;
//!   `cross`: two vGPUs open at once, each filled and scanned for the
//!   other's pattern (a vGPU's memory is cleared when its VMM closes it);
//! - `reset`, `bad`, `wait-error`, `hold`: VFIO_DEVICE_RESET, accesses
//!   outside the regions, the error interrupt, the device kept open.
//!
//! `peek RESOURCE OFFSET [COUNT]` reads 32-bit registers of a PCI BAR
//! through its sysfs resource file (`/sys/bus/pci/devices/*/resourceN`),
//! as a VMM probing a device before it opens it through VFIO does.

mod bar;
mod cli;
mod commands;
mod config;
mod pattern;
mod report;
mod sys;
mod vf;

use cli::Invocation;
use std::process::ExitCode;

fn run(invocation: &Invocation) -> Result<bool, String> {
    match invocation {
        Invocation::Peek {
            resource,
            offset,
            count,
        } => {
            let bar = bar::SysfsBar::open(resource)?;
            for i in 0..*count {
                let at = offset + 4 * i;
                println!("{at:#x}: {:#010x}", bar.read32(at)?);
            }
            Ok(true)
        }
        Invocation::Vf {
            options,
            vf,
            action,
        } => commands::run(*options, vf, action),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(args.first().map(String::as_str), Some("-h" | "--help")) {
        print!("{}", cli::USAGE);
        return ExitCode::SUCCESS;
    }
    let invocation = match cli::parse(&args) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("nvgsp-vmm: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&invocation) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("nvgsp-vmm: {e}");
            ExitCode::FAILURE
        }
    }
}
