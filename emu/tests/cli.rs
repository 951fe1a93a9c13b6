//! The emulator as a program: its command line and how it ends a session.

mod common;

use common::{emu, start, wait_exit};
use std::io::Write;

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
