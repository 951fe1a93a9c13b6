//! BAR1 and the PRAMIN window through the real vfio-user protocol, as
//! QEMU reaches them: BAR1 is a trapped region of `--bar1`'s size (no
//! mapping offered), unbound until GSP-RM boots; PRAMIN reaches VRAM.

mod common;

use nvgsp_proto::bus;
use vfio_bindings::bindings::vfio::VFIO_REGION_INFO_FLAG_MMAP;

const BAR0: u32 = 0;
const BAR1: u32 = 1;

fn r32(c: &mut vfio_user::Client, region: u32, off: u64) -> u32 {
    let mut b = [0u8; 4];
    c.region_read(region, off, &mut b).unwrap();
    u32::from_le_bytes(b)
}

fn w32(c: &mut vfio_user::Client, region: u32, off: u64, v: u32) {
    c.region_write(region, off, &v.to_le_bytes()).unwrap();
}

#[test]
fn bar1_is_trapped_and_pramin_reaches_vram() {
    let (child, sock) = common::spawn_with("bar1", &["--bar1", "64M", "--vram", "512M"]);
    let mut c = vfio_user::Client::new(&sock).expect("vfio-user handshake");
    let r = c.region(BAR1).unwrap();
    assert_eq!(r.size, 64 << 20);
    assert_eq!(r.flags & VFIO_REGION_INFO_FLAG_MMAP, 0);
    assert!(r.file_offset.is_none() && r.sparse_areas.is_empty());

    // No GSP-RM: BAR1 is unbound, the access refused.
    assert_eq!(r32(&mut c, BAR1, 0x40), 0);

    // PRAMIN: the window 1 MiB below the top of the 512 MiB.
    let base = ((512u64 << 20) - (1 << 20)) >> 16;
    w32(&mut c, BAR0, bus::BAR0_WINDOW.into(), base as u32);
    assert_eq!(r32(&mut c, BAR0, bus::BAR0_WINDOW.into()), base as u32);
    w32(&mut c, BAR0, u64::from(bus::PRAMIN) + 0x100, 0x5a5a_0001);
    assert_eq!(
        r32(&mut c, BAR0, u64::from(bus::PRAMIN) + 0x100),
        0x5a5a_0001
    );
    // An FB flush: OUTSTANDING on the first read, done on the next.
    w32(&mut c, BAR0, bus::FB_FLUSH.into(), 1);
    assert_eq!(
        r32(&mut c, BAR0, bus::FB_FLUSH.into()),
        bus::FB_FLUSH_OUTSTANDING
    );
    assert_eq!(r32(&mut c, BAR0, bus::FB_FLUSH.into()), 0);

    drop(c);
    let (st, err) = common::wait_exit(child);
    assert!(st.success(), "{err}");
    assert!(
        err.contains(
            "error: bar1 fault: read of 4 bytes at offset 0x40 refused: BAR1 is not bound"
        ),
        "{err}"
    );
    assert!(err.contains("a 64 MiB BAR1"), "{err}");
    assert!(!err.contains("driver defect"), "{err}");
}
