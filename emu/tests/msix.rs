//! MSI-X delivery through the real vfio-user protocol: a client wires an
//! eventfd to vector 0 the way QEMU does, and a GSP falcon software
//! interrupt reaches it through the CPU interrupt tree.

mod common;

use nvgsp_proto::{falcon, intr};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;
use vfio_bindings::bindings::vfio::{VFIO_IRQ_SET_ACTION_TRIGGER, VFIO_IRQ_SET_DATA_EVENTFD};

const CONFIG: u32 = 7;
const BAR0: u32 = 0;
const MSIX_CAP: u64 = 0xb4;
const GSP_IRQSSET: u64 = (falcon::GSP_BASE + falcon::IRQSSET) as u64;
const GSP_IRQSCLR: u64 = (falcon::GSP_BASE + falcon::IRQSCLR) as u64;
const GSP_IRQSTAT: u64 = (falcon::GSP_BASE + falcon::IRQSTAT) as u64;
const GSP_IRQMSET: u64 = (falcon::GSP_BASE + falcon::IRQMSET) as u64;
const GSP_IRQDEST: u64 = (falcon::GSP_BASE + falcon::IRQDEST) as u64;
const SWGEN0: u32 = falcon::IRQ_SWGEN0;
/// The GSP's vector in the model (`dev::bar0::GSP_VECTOR`).
const GSP_VECTOR: u32 = 155;

fn eventfd() -> OwnedFd {
    // SAFETY: plain syscall; the result is checked before it is owned.
    let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    assert!(fd >= 0);
    // SAFETY: `fd` is a fresh descriptor owned by nobody else.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

/// Waits up to `t` for the eventfd to be signalled; returns its count.
fn wait_signal(fd: &OwnedFd, t: Duration) -> u64 {
    let mut pfd = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd for the duration of the call.
    let n = unsafe { libc::poll(&mut pfd, 1, t.as_millis() as i32) };
    if n <= 0 {
        return 0;
    }
    let mut v = [0u8; 8];
    // SAFETY: reading 8 bytes into an 8-byte buffer from an eventfd.
    let r = unsafe { libc::read(fd.as_raw_fd(), v.as_mut_ptr().cast(), 8) };
    assert_eq!(r, 8);
    u64::from_ne_bytes(v)
}

fn w32(c: &mut vfio_user::Client, region: u32, off: u64, v: u32) {
    c.region_write(region, off, &v.to_le_bytes()).unwrap();
}

fn r32(c: &mut vfio_user::Client, region: u32, off: u64) -> u32 {
    let mut b = [0; 4];
    c.region_read(region, off, &mut b).unwrap();
    u32::from_le_bytes(b)
}

#[test]
fn gsp_software_interrupt_reaches_msix_vector_0() {
    let (child, sock) = common::spawn("msix");
    let mut c = vfio_user::Client::new(&sock).expect("vfio-user handshake");

    assert_eq!(r32(&mut c, CONFIG, 0), 0x2204_10de);
    assert_eq!(r32(&mut c, BAR0, 0xa00), 0x172a_1000);

    let efd = eventfd();
    c.set_irqs(
        2,
        VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
        0,
        1,
        &[efd.as_raw_fd()],
    )
    .unwrap();
    w32(&mut c, BAR0, GSP_IRQDEST, SWGEN0);
    w32(&mut c, BAR0, GSP_IRQMSET, SWGEN0);
    let (leaf, bit) = intr::leaf_of(GSP_VECTOR);
    let leaf_reg = u64::from(intr::LEAF) + 4 * leaf as u64;

    // Without the GSP's vector enabled in the tree, nothing arrives.
    let ctrl = r32(&mut c, CONFIG, MSIX_CAP);
    w32(&mut c, CONFIG, MSIX_CAP, ctrl | (1 << 31));
    w32(&mut c, BAR0, GSP_IRQSSET, SWGEN0);
    assert_eq!(wait_signal(&efd, Duration::from_millis(200)), 0);
    assert_eq!(r32(&mut c, BAR0, leaf_reg), bit);
    w32(&mut c, BAR0, leaf_reg, bit);
    w32(&mut c, BAR0, GSP_IRQSCLR, SWGEN0);
    w32(&mut c, CONFIG, MSIX_CAP, ctrl);
    w32(
        &mut c,
        BAR0,
        u64::from(intr::LEAF_EN_SET) + 4 * leaf as u64,
        bit,
    );
    w32(
        &mut c,
        BAR0,
        u64::from(intr::TOP_EN_SET),
        intr::TOP_SUBTREES,
    );

    // MSI-X still disabled in config space: the interrupt must not arrive...
    w32(&mut c, BAR0, GSP_IRQSSET, SWGEN0);
    assert_eq!(wait_signal(&efd, Duration::from_millis(200)), 0);

    // ...until the guest enables MSI-X (message control bit 15): the source
    // is still asserted, so it is delivered then.
    let ctrl = r32(&mut c, CONFIG, MSIX_CAP);
    w32(&mut c, CONFIG, MSIX_CAP, ctrl | (1 << 31));
    assert_eq!(wait_signal(&efd, Duration::from_secs(5)), 1);

    // Acknowledged in the tree and the falcon, then raised again: one more
    // interrupt.
    w32(&mut c, BAR0, leaf_reg, bit);
    w32(&mut c, BAR0, GSP_IRQSCLR, SWGEN0);
    assert_eq!(r32(&mut c, BAR0, GSP_IRQSTAT) & SWGEN0, 0);
    w32(&mut c, BAR0, GSP_IRQSSET, SWGEN0);
    assert_eq!(wait_signal(&efd, Duration::from_secs(5)), 1);
    assert_eq!(r32(&mut c, BAR0, GSP_IRQSTAT) & SWGEN0, SWGEN0);

    // Raising an already pending source sends nothing new, even with the
    // leaf cleared; the retrigger does.
    w32(&mut c, BAR0, leaf_reg, bit);
    w32(&mut c, BAR0, GSP_IRQSSET, SWGEN0);
    assert_eq!(wait_signal(&efd, Duration::from_millis(200)), 0);
    let retrigger = u64::from(falcon::GSP_BASE + falcon::INTR_RETRIGGER);
    w32(&mut c, BAR0, retrigger, 1);
    assert_eq!(wait_signal(&efd, Duration::from_secs(5)), 1);

    drop(c);
    let (st, err) = common::wait_exit(child);
    assert!(st.success(), "{err}");
}
