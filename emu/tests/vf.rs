//! The A10 board and its virtual functions through the real vfio-user
//! protocol: `--vfs N` serves VFs on `vf<i>.sock` beside the PF's socket,
//! connected in any order or never; `--vfs` is refused where it cannot be.

mod common;

use std::path::{Path, PathBuf};

const CONFIG: u32 = 7;
const BAR0: u32 = 0;
const BAR1: u32 = 1;

fn r32(c: &mut vfio_user::Client, region: u32, off: u64) -> u32 {
    let mut b = [0u8; 4];
    c.region_read(region, off, &mut b).unwrap();
    u32::from_le_bytes(b)
}

fn vf_socket(pf: &Path, i: u32) -> PathBuf {
    pf.with_file_name(format!("vf{i}.sock"))
}

#[test]
fn vfs_are_refused_without_sriov_or_beyond_total_vfs() {
    for (args, why) in [
        (
            &["--socket", "x", "--vfs", "1"][..],
            "--vfs needs a board with SR-IOV virtual functions (--board a10); rtx3090 has none",
        ),
        (
            &["--socket", "x", "--board", "a10", "--vfs", "33"],
            "--vfs 33: the a10 has 32 virtual functions (TotalVFs)",
        ),
        (
            &["--socket", "x", "--board", "h100", "--vfs", "1"],
            "bad --board 'h100'",
        ),
    ] {
        let out = common::emu().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!("nvgsp-emu: error: {why}")),
            "{err}"
        );
    }
}

#[test]
fn the_pf_and_its_vfs_connect_in_any_order() {
    let (child, sock) = common::spawn_with("vfs", &["--board", "a10", "--vfs", "3"]);
    // Every VF's socket is there once the PF's is.
    for i in 0..3 {
        assert!(vf_socket(&sock, i).exists(), "vf{i}.sock");
    }
    assert!(!vf_socket(&sock, 3).exists());

    // VF 2 first, then the PF, then VF 0; VF 1 never comes.
    let mut vf2 = vfio_user::Client::new(&vf_socket(&sock, 2)).expect("VF 2 handshake");
    assert_eq!(r32(&mut vf2, CONFIG, 0), 0x2236_10de);
    let mut pf = vfio_user::Client::new(&sock).expect("PF handshake");
    let mut vf0 = vfio_user::Client::new(&vf_socket(&sock, 0)).expect("VF 0 handshake");

    // The PF: an A10 with its SR-IOV capability at 0xBCC, last, whose
    // TotalVFs and InitialVFs are the VFs served (as QEMU's emulation of
    // it says).
    assert_eq!(r32(&mut pf, CONFIG, 0), 0x2236_10de);
    assert_eq!(r32(&mut pf, CONFIG, 0xbcc), 0x0001_0010);
    assert_eq!(r32(&mut pf, CONFIG, 0xbd8), 3 << 16 | 3);
    assert_eq!(r32(&mut pf, CONFIG, 0xbcc + 0x18) >> 16, 0x2236);
    assert_eq!(r32(&mut pf, BAR0, 0xa00), 0x172a_1000);
    assert_eq!(r32(&mut pf, BAR0, 4), 0xbadf_1100, "the PF has no BOOT_1");

    // The VFs: 10de:2236, BOOT_1 says VF, the chip's identity, a PRI
    // error where the window has no register, BAR1 reaching nothing.
    for vf in [&mut vf0, &mut vf2] {
        assert_eq!(r32(vf, CONFIG, 0), 0x2236_10de);
        assert_eq!(vf.region(BAR0).unwrap().size, 16 << 20);
        assert_eq!(vf.region(BAR1).unwrap().size, 64 << 20);
        // BAR1 comes with its memory to map, as a whole; BAR0 is trapped.
        let bar1 = vf.region(BAR1).unwrap();
        assert!(bar1.file_offset.is_some());
        assert_eq!(bar1.sparse_areas.len(), 1);
        assert_eq!(
            (bar1.sparse_areas[0].offset, bar1.sparse_areas[0].size),
            (0, 64 << 20)
        );
        assert!(vf.region(BAR0).unwrap().file_offset.is_none());
        assert_eq!(r32(vf, BAR0, 0xa00), 0x172a_1000);
        assert_eq!(r32(vf, BAR0, 4) >> 16 & 3, 2);
        assert_eq!(r32(vf, BAR0, 0x0011_8234), 0xbadf_1100);
        vf.region_write(BAR1, 0x1000, &[0xa5; 4]).unwrap();
        assert_eq!(r32(vf, BAR1, 0x1000), 0);
    }

    // The VFs leave (a VF's server removes its socket once it logged the
    // end); the emulator serves on until the PF's client goes.
    drop(vf2);
    drop(vf0);
    for i in [0, 2] {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while vf_socket(&sock, i).exists() {
            assert!(std::time::Instant::now() < deadline, "vf{i} still served");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
    assert!(
        vf_socket(&sock, 1).exists(),
        "VF 1 still waits for its client"
    );
    assert_eq!(r32(&mut pf, CONFIG, 0), 0x2236_10de);
    drop(pf);
    let (st, err) = common::wait_exit(child);
    assert!(st.success(), "{err}");
    assert!(err.contains("serving VF 1 (10de:2236, GFID 2)"), "{err}");
    assert!(err.contains("vf2: client disconnected"), "{err}");
    assert!(
        err.contains("vf0 bar1: write of 4 bytes at offset 0x1000 reaches no FB"),
        "{err}"
    );
    assert!(
        err.contains("vf0 bar0: read of unmodelled register 0x118234"),
        "{err}"
    );
    assert!(err.contains("client disconnected, exiting"), "{err}");
    for i in 0..3 {
        assert!(!vf_socket(&sock, i).exists(), "vf{i}.sock left behind");
    }
    assert!(!sock.exists());
}

#[test]
fn an_a10_without_vfs_serves_the_pf_alone() {
    let (child, sock) = common::spawn_with("a10", &["--board", "a10", "--vf-bar1", "256M"]);
    assert!(!vf_socket(&sock, 0).exists());
    let mut pf = vfio_user::Client::new(&sock).expect("PF handshake");
    // The VF BAR1 size in the SR-IOV capability is --vf-bar1's.
    let bar = 0xbcc + 0x28;
    pf.region_write(CONFIG, bar, &u32::MAX.to_le_bytes())
        .unwrap();
    pf.region_write(CONFIG, bar + 4, &u32::MAX.to_le_bytes())
        .unwrap();
    let size = !(u64::from(r32(&mut pf, CONFIG, bar + 4)) << 32
        | u64::from(r32(&mut pf, CONFIG, bar) & !0xf))
        + 1;
    assert_eq!(size, 256 << 20);
    drop(pf);
    let (st, err) = common::wait_exit(child);
    assert!(st.success(), "{err}");
    assert!(err.contains("(a10, 10de:2236)"), "{err}");
}
