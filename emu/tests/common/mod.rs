//! Helpers shared by the emulator's integration tests.

#![allow(dead_code)]

use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The emulator binary under test.
pub fn emu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nvgsp-emu"))
}

pub fn socket_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nvgsp-emu-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("s")
}

/// Starts the emulator on a fresh socket and waits until it listens.
pub fn spawn(name: &str) -> (Child, PathBuf) {
    spawn_with(name, &[])
}

/// [`spawn`], with more command-line arguments.
pub fn spawn_with(name: &str, args: &[&str]) -> (Child, PathBuf) {
    let sock = socket_path(name);
    let mut child = emu()
        .arg("--socket")
        .arg(&sock)
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !sock.exists() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("emulator did not listen on {}", sock.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, sock)
}

/// Starts the emulator on a fresh socket and connects to it.
pub fn start(name: &str) -> (Child, UnixStream, PathBuf) {
    let (mut child, sock) = spawn(name);
    match UnixStream::connect(&sock) {
        Ok(s) => (child, s, sock),
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("cannot connect: {e}");
        }
    }
}

pub fn wait_exit(mut child: Child) -> (ExitStatus, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return (st, err);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("emulator did not exit after the client left");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
