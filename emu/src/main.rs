//! `nvgsp-emu`: an emulated GSP-era NVIDIA GPU, served to QEMU over
//! vfio-user (`-device vfio-user-pci,socket=PATH`).

mod control;
mod dev;
mod firmware;
mod gsp_rm;
mod guest_mem;
mod irq;
mod logger;
mod options;
mod pci_config;
mod trace;
mod vbios;
mod vram;

use nvgsp_proto::chip::ChipId;
use std::process::ExitCode;

fn main() -> ExitCode {
    let opts = match options::parse(std::env::args().skip(1)) {
        Ok(options::Command::Serve(o)) => o,
        Ok(options::Command::Help) => {
            print!("{}", options::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprint!("nvgsp-emu: error: {e}\n\n{}", options::USAGE);
            return ExitCode::from(2);
        }
    };
    logger::init(opts.verbose);
    if opts.trace_rpc {
        trace::enable();
    }
    if let Some(ms) = opts.die_after_ms {
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(ms));
            log::error!("fault injection: dying after {ms} ms");
            std::process::exit(1);
        });
    }
    let served = serve(&opts);
    if let Some(s) = trace::summary() {
        log::info!("{s}");
    }
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nvgsp-emu: error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The firmware directory and GSP-RM signature section of `chip`
/// (nouveau's `gsp->fws` names; the section names are gsp-570.144.bin's).
fn chip_firmware(chip: ChipId) -> Option<(&'static str, &'static str)> {
    match chip.chipset() {
        0x172 => Some(("ga102", ".fwsignature_ga10x")),
        0x173 => Some(("ga103", ".fwsignature_ga10x")),
        0x174 => Some(("ga104", ".fwsignature_ga10x")),
        0x176 => Some(("ga106", ".fwsignature_ga10x")),
        0x177 => Some(("ga107", ".fwsignature_ga10x")),
        0x192 => Some(("ad102", ".fwsignature_ad10x")),
        0x193 => Some(("ad103", ".fwsignature_ad10x")),
        0x194 => Some(("ad104", ".fwsignature_ad10x")),
        0x196 => Some(("ad106", ".fwsignature_ad10x")),
        0x197 => Some(("ad107", ".fwsignature_ad10x")),
        _ => None,
    }
}

fn serve(opts: &options::Options) -> Result<(), String> {
    let chip = opts.boot42.map_or(ChipId::GA102_A1, ChipId::from_boot42);
    let firmware = match (&opts.firmware, chip_firmware(chip)) {
        (Some(dir), Some((name, section))) => Some(firmware::Firmware::load(dir, name, section)?),
        (Some(_), None) => {
            // A chip GSP-RM 570.144 does not support: it can be served
            // (to test the driver's refusal) but never boots.
            log::warn!(
                "no GSP firmware for chipset {:#x}: GSP cannot boot",
                chip.chipset()
            );
            None
        }
        (None, _) => None,
    };
    let defaults = gsp_rm::RmConfig::default();
    let config = gsp_rm::RmConfig {
        vram: opts.vram,
        bar1: opts.bar1,
        engines: opts.engines.clone().unwrap_or(defaults.engines),
        gpcs: opts.gpcs.unwrap_or(defaults.gpcs),
        tpcs_per_gpc: opts.tpcs_per_gpc.unwrap_or(defaults.tpcs_per_gpc),
        channels: opts.channels.unwrap_or(defaults.channels),
        event_burst: opts.event_burst,
        faults: opts.faults.clone(),
        boot: 1,
        injections: control::Injections::default(),
        vaspaces: gsp_rm::vaspace::VaSpaces::default(),
        gsp_intr_vector: opts.gsp_intr_vector.unwrap_or(defaults.gsp_intr_vector),
        host: Default::default(),
    };
    let gsp_intr_vector = config.gsp_intr_vector;
    let (injections, vaspaces) = (config.injections.clone(), config.vaspaces.clone());
    let boot = dev::boot::Boot::new(config, firmware);
    let mut device = dev::Device::new(chip, opts.vram, opts.bar1, boot, opts.verbose)
        .map_err(|e| format!("cannot allocate VRAM: {e}"))?;
    if let Some(path) = &opts.control {
        let probe = std::sync::Arc::new(device.probe(vaspaces));
        control::listen(path, injections, probe)
            .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
    }
    device.set_gfw_boot_time(std::time::Duration::from_millis(opts.gfw_boot_ms));
    device.set_gsp_vector(gsp_intr_vector);
    if let Some(id) = opts.pci_address {
        device.set_routing_id(id);
    }
    let server = vfio_user::Server::new(&opts.socket, true, dev::Device::irqs(), device.regions())
        .map_err(|e| format!("cannot listen on {}: {e}", opts.socket.display()))?;
    log::info!(
        "serving chipset {:#x} (10de:2204) with {} MiB VRAM and a {} MiB BAR1 on {}",
        chip.chipset(),
        opts.vram >> 20,
        opts.bar1 >> 20,
        opts.socket.display()
    );
    match server.run(&mut device) {
        Ok(()) => {
            log::info!("client disconnected, exiting");
            Ok(())
        }
        // A client that goes away in the middle of a message is a
        // disconnect too, not an emulator failure.
        Err(vfio_user::Error::StreamRead(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            log::info!("client disconnected mid-message, exiting");
            Ok(())
        }
        // The library answers a truncated message with an error reply, which
        // then fails on the closed socket.
        Err(vfio_user::Error::StreamWrite(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            ) =>
        {
            log::info!("client disconnected mid-message, exiting");
            Ok(())
        }
        Err(vfio_user::Error::ReceiveWithFd(_)) => {
            log::info!("client connection lost, exiting");
            Ok(())
        }
        Err(e) => Err(format!("vfio-user session failed: {e}")),
    }
}
