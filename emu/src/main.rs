//! `nvgsp-emu`: an emulated GSP-era NVIDIA GPU, served to QEMU over
//! vfio-user (`-device vfio-user-pci,socket=PATH`), and with `--board a10
//! --vfs N` its first N SR-IOV virtual functions too, each on a socket of
//! its own.

mod board;
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
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

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
    // The SR-IOV capability: TotalVFs = InitialVFs = the VFs served, each
    // VF's BAR1 `--vf-bar1`'s.
    let sriov = opts.board.sriov().map(|f| board::SriovFacts {
        vf_bar1: opts.vf_bar1.unwrap_or(f.vf_bar1),
        ..f.with_vfs(opts.vfs)
    });
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
        board: opts.board,
        sriov,
        ..defaults
    };
    let gsp_intr_vector = config.gsp_intr_vector;
    let (injections, vaspaces) = (config.injections.clone(), config.vaspaces.clone());
    let boot = dev::boot::Boot::with_vbios(config, firmware, opts.board.vbios());

    let mut device = dev::Device::with_board(
        opts.board,
        sriov,
        chip,
        opts.vram,
        opts.bar1,
        boot,
        opts.verbose,
    )
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
    // The VFs listen first, so that once the PF's socket exists (what
    // scripts and tests wait for) every socket does.
    let _vf_sockets = match device.sriov() {
        Some(sriov) => serve_vfs(&opts.socket, opts.vfs, sriov, opts.verbose)?,
        None => VfSockets(Vec::new()),
    };
    let server = vfio_user::Server::new(&opts.socket, true, dev::Device::irqs(), device.regions())
        .map_err(|e| format!("cannot listen on {}: {e}", opts.socket.display()))?;
    log::info!(
        "serving chipset {:#x} ({}, 10de:{:04x}) with {} MiB VRAM and a {} MiB BAR1 on {}",
        chip.chipset(),
        opts.board,
        opts.board.device_id(),
        opts.vram >> 20,
        opts.bar1 >> 20,
        opts.socket.display()
    );
    session_ended("", ", exiting", server.run(&mut device))
}

/// Where VF `index` is served: `vf<index>.sock` beside the PF's socket.
fn vf_socket(pf_socket: &Path, index: u16) -> PathBuf {
    pf_socket.with_file_name(format!("vf{index}.sock"))
}

/// The VF sockets, removed when the emulator ends (a VF whose client never
/// came still waits on its socket then).
struct VfSockets(Vec<PathBuf>);

impl Drop for VfSockets {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Listens for VFs 0..`count` of `sriov`'s board beside `pf_socket`, each
/// served on a thread of its own, in whatever order their clients come.
fn serve_vfs(
    pf_socket: &Path,
    count: u16,
    sriov: Arc<dev::sriov::Sriov>,
    verbose: bool,
) -> Result<VfSockets, String> {
    let mut sockets = VfSockets(Vec::new());
    for index in 0..count {
        let path = vf_socket(pf_socket, index);
        let mut function = dev::vf::VirtualFunction::new(sriov.clone(), index, verbose)
            .ok_or_else(|| format!("the board has no VF {index}"))?;
        let server = vfio_user::Server::new(&path, true, function.irqs(), function.regions())
            .map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
        sockets.0.push(path.clone());
        log::info!(
            "serving VF {index} (10de:{:04x}, GFID {}) on {}",
            sriov.facts().vf_device_id,
            index + 1,
            path.display()
        );
        std::thread::Builder::new()
            .name(format!("vf{index}"))
            .spawn(move || {
                let who = format!("vf{index}: ");
                if let Err(e) = session_ended(&who, "", server.run(&mut function)) {
                    log::error!("{e}");
                }
            })
            .map_err(|e| format!("cannot start VF {index}'s thread: {e}"))?;
    }
    Ok(sockets)
}

/// How a vfio-user session of `who` (empty for the PF) ended: a client
/// that left, however it left, is a clean end, logged with `then` (what
/// follows); anything else an error.
fn session_ended(who: &str, then: &str, run: Result<(), vfio_user::Error>) -> Result<(), String> {
    match run {
        Ok(()) => {
            log::info!("{who}client disconnected{then}");
            Ok(())
        }
        // A client that goes away in the middle of a message is a
        // disconnect too, not an emulator failure.
        Err(vfio_user::Error::StreamRead(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            log::info!("{who}client disconnected mid-message{then}");
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
            log::info!("{who}client disconnected mid-message{then}");
            Ok(())
        }
        Err(vfio_user::Error::ReceiveWithFd(_)) => {
            log::info!("{who}client connection lost{then}");
            Ok(())
        }
        Err(e) => Err(format!("{who}vfio-user session failed: {e}")),
    }
}
