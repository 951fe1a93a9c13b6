//! The emulator as a program: its command line and how it ends a session.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn emu() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nvgsp-emu"))
}

fn socket_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nvgsp-emu-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("s")
}

#[test]
fn bad_options_print_usage() {
    for args in [
        &["--bogus"][..],
        &[][..],
        &["--socket", "x", "--vram", "3M"][..],
    ] {
        let out = emu().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("nvgsp-emu: error: "), "{err}");
        assert!(err.contains("usage: nvgsp-emu --socket PATH"), "{err}");
    }
    let out = emu().arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("usage:"));
}

/// Starts the emulator on a fresh socket and connects to it.
fn start(name: &str) -> (std::process::Child, UnixStream, PathBuf) {
    let sock = socket_path(name);
    let mut child = emu()
        .arg("--socket")
        .arg(&sock)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let stream = loop {
        match UnixStream::connect(&sock) {
            Ok(s) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("emulator did not listen: {e}");
            }
        }
    };
    (child, stream, sock)
}

fn wait_exit(mut child: std::process::Child) -> (std::process::ExitStatus, String) {
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

#[test]
fn client_leaving_between_messages_ends_the_emulator_cleanly() {
    let (child, stream, sock) = start("between");
    drop(stream);
    let (st, err) = wait_exit(child);
    assert!(st.success(), "{err}");
    assert!(err.contains("client disconnected"), "{err}");
    assert!(!sock.exists(), "socket left behind");
}

#[test]
fn client_leaving_mid_message_ends_the_emulator_cleanly() {
    let (child, mut stream, _) = start("mid");
    // A vfio-user header promising a 64-byte REGION_READ, then nothing.
    let mut hdr = Vec::new();
    hdr.extend_from_slice(&1u16.to_le_bytes()); // message id
    hdr.extend_from_slice(&9u16.to_le_bytes()); // REGION_READ
    hdr.extend_from_slice(&64u32.to_le_bytes()); // message size
    hdr.extend_from_slice(&0u32.to_le_bytes()); // flags
    hdr.extend_from_slice(&0u32.to_le_bytes()); // error
    stream.write_all(&hdr).unwrap();
    stream.write_all(&[0u8; 4]).unwrap();
    drop(stream);
    let (st, err) = wait_exit(child);
    assert!(st.success(), "{err}");
    assert!(
        err.contains("disconnected") || err.contains("connection lost"),
        "{err}"
    );
}
