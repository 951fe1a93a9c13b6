//! `nvgsp-emu`: an emulated GSP-era NVIDIA GPU, served to QEMU over
//! vfio-user (`-device vfio-user-pci,socket=PATH`).

mod dev;
mod irq;
mod logger;
mod options;
mod pci_config;
mod vram;

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
    match serve(&opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nvgsp-emu: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn serve(opts: &options::Options) -> Result<(), String> {
    let mut device = dev::Device::new(opts.vram, opts.verbose).map_err(|e| format!("cannot allocate VRAM: {e}"))?;
    let server = vfio_user::Server::new(&opts.socket, true, dev::Device::irqs(), device.regions())
        .map_err(|e| format!("cannot listen on {}: {e}", opts.socket.display()))?;
    log::info!(
        "serving GA102 (10de:2204) with {} MiB VRAM on {}",
        opts.vram >> 20,
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
        Err(vfio_user::Error::ReceiveWithFd(_)) => {
            log::info!("client connection lost, exiting");
            Ok(())
        }
        Err(e) => Err(format!("vfio-user session failed: {e}")),
    }
}
