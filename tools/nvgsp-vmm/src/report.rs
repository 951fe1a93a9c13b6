//! The lines nvgsp-vmm prints: one fact per line, `key: value`, so that a
//! test script can `grep` for the line it asserts.

use crate::pattern::{FillCheck, ScanTally, ZeroTally};
use std::io;
use vfio_bindings::bindings::vfio::{
    VFIO_DEVICE_FLAGS_CAPS, VFIO_DEVICE_FLAGS_PCI, VFIO_DEVICE_FLAGS_RESET,
    VFIO_REGION_INFO_FLAG_CAPS, VFIO_REGION_INFO_FLAG_MMAP, VFIO_REGION_INFO_FLAG_READ,
    VFIO_REGION_INFO_FLAG_WRITE,
};

/// The symbolic name of an errno value (`EINVAL`), or `errno N`.
pub fn errno_name(errno: i32) -> String {
    let name = match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINTR => "EINTR",
        libc::EIO => "EIO",
        libc::ENXIO => "ENXIO",
        libc::EBADF => "EBADF",
        libc::EAGAIN => "EAGAIN",
        libc::ENOMEM => "ENOMEM",
        libc::EACCES => "EACCES",
        libc::EFAULT => "EFAULT",
        libc::EBUSY => "EBUSY",
        libc::EEXIST => "EEXIST",
        libc::ENODEV => "ENODEV",
        libc::EINVAL => "EINVAL",
        libc::ENOTTY => "ENOTTY",
        libc::ENOSPC => "ENOSPC",
        libc::ESPIPE => "ESPIPE",
        libc::ERANGE => "ERANGE",
        libc::EOVERFLOW => "EOVERFLOW",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ETIMEDOUT => "ETIMEDOUT",
        _ => return format!("errno {errno}"),
    };
    name.to_string()
}

/// An I/O error as its errno's name, or its description when it has none.
pub fn io_error(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(errno) => errno_name(errno),
        None => e.to_string(),
    }
}

/// The outcome of a read or write of `wanted` bytes: `ok` when all were
/// transferred, `short N of M bytes`, or the errno's name.
pub fn transfer(result: &io::Result<usize>, wanted: usize) -> String {
    match result {
        Ok(n) if *n == wanted => "ok".to_string(),
        Ok(n) => format!("short {n} of {wanted} bytes"),
        Err(e) => io_error(e),
    }
}

/// The name of a VFIO PCI region index.
pub fn region_name(index: u32) -> String {
    match index {
        0..=5 => format!("bar{index}"),
        6 => "rom".to_string(),
        7 => "config".to_string(),
        8 => "vga".to_string(),
        _ => format!("region{index}"),
    }
}

/// The name of a VFIO PCI interrupt index.
pub fn irq_name(index: u32) -> String {
    match index {
        0 => "intx".to_string(),
        1 => "msi".to_string(),
        2 => "msix".to_string(),
        3 => "err".to_string(),
        4 => "req".to_string(),
        _ => format!("irq{index}"),
    }
}

/// Flags as hex followed by the names of the known bits.
fn flag_list(flags: u32, names: &[(u32, &str)]) -> String {
    let set: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    format!("{flags:#x} ({})", set.join(" "))
}

/// `device flags: 0x3 (reset pci)`.
pub fn device_flags_line(flags: u32) -> String {
    let names = [
        (VFIO_DEVICE_FLAGS_RESET, "reset"),
        (VFIO_DEVICE_FLAGS_PCI, "pci"),
        (VFIO_DEVICE_FLAGS_CAPS, "caps"),
    ];
    format!("device flags: {}", flag_list(flags, &names))
}

/// How much of a region can be mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mappable {
    /// None of it.
    No,
    /// All of it.
    Yes,
    /// Some areas of it (a sparse-mmap capability).
    Sparse,
}

/// `region bar1: size 0x10000000 flags 0xf (read write mmap caps) mmap yes`.
pub fn region_line(index: u32, size: u64, flags: u32, mmap: Mappable) -> String {
    let names = [
        (VFIO_REGION_INFO_FLAG_READ, "read"),
        (VFIO_REGION_INFO_FLAG_WRITE, "write"),
        (VFIO_REGION_INFO_FLAG_MMAP, "mmap"),
        (VFIO_REGION_INFO_FLAG_CAPS, "caps"),
    ];
    let mmap = match mmap {
        Mappable::No => "no",
        Mappable::Yes => "yes",
        Mappable::Sparse => "sparse",
    };
    format!(
        "region {}: size {size:#x} flags {} mmap {mmap}",
        region_name(index),
        flag_list(flags, &names)
    )
}

/// `fill: N bytes, read back ok`, or the first of the words that differ.
pub fn fill_line(check: &FillCheck) -> String {
    match check.first {
        None => format!("fill: {} bytes, read back ok", check.bytes),
        Some(m) => format!(
            "fill: {} bytes, {} words differ, first at {:#x}: wrote {:#018x}, read {:#018x}",
            check.bytes, check.mismatches, m.offset, m.expected, m.found
        ),
    }
}

/// `scan: N bytes, pattern words K, nonzero words Z`, then
/// `scan elsewhere: E` (the seed's words found at other offsets than
/// theirs), with the first of those when there are any.
pub fn scan_lines(t: &ScanTally) -> [String; 2] {
    let elsewhere = match t.first_elsewhere {
        None => format!("scan elsewhere: {}", t.elsewhere),
        Some(m) => format!(
            "scan elsewhere: {}, first at {:#x} (the pattern's word for {:#x})",
            t.elsewhere, m.offset, m.origin
        ),
    };
    [
        format!(
            "scan: {} bytes, pattern words {}, nonzero words {}",
            t.bytes, t.same_offset, t.nonzero
        ),
        elsewhere,
    ]
}

/// `zero: N bytes, all zero`, or how many words are not and the first.
pub fn zero_line(t: &ZeroTally) -> String {
    match t.first {
        None => format!("zero: {} bytes, all zero", t.bytes),
        Some((at, v)) => format!(
            "zero: {} bytes, {} nonzero words, first at {at:#x}: {v:#018x}",
            t.bytes, t.nonzero
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{Mismatch, Moved};

    #[test]
    fn errnos() {
        assert_eq!(errno_name(libc::EINVAL), "EINVAL");
        assert_eq!(errno_name(libc::EBUSY), "EBUSY");
        assert_eq!(errno_name(4095), "errno 4095");
        assert_eq!(
            io_error(&io::Error::from_raw_os_error(libc::EPERM)),
            "EPERM"
        );
        let einval: io::Result<usize> = Err(io::Error::from_raw_os_error(libc::EINVAL));
        assert_eq!(transfer(&einval, 4), "EINVAL");
        assert_eq!(transfer(&Ok(4), 4), "ok");
        assert_eq!(transfer(&Ok(2), 4), "short 2 of 4 bytes");
    }

    #[test]
    fn names() {
        assert_eq!(region_name(0), "bar0");
        assert_eq!(region_name(5), "bar5");
        assert_eq!(region_name(7), "config");
        assert_eq!(region_name(9), "region9");
        assert_eq!(irq_name(2), "msix");
        assert_eq!(irq_name(3), "err");
        assert_eq!(irq_name(5), "irq5");
    }

    #[test]
    fn device_and_region_lines() {
        assert_eq!(device_flags_line(0x3), "device flags: 0x3 (reset pci)");
        assert_eq!(device_flags_line(0x2), "device flags: 0x2 (pci)");
        assert_eq!(
            region_line(1, 0x1000_0000, 0xf, Mappable::Yes),
            "region bar1: size 0x10000000 flags 0xf (read write mmap caps) mmap yes"
        );
        assert_eq!(
            region_line(7, 0x1000, 0x3, Mappable::No),
            "region config: size 0x1000 flags 0x3 (read write) mmap no"
        );
        assert_eq!(
            region_line(0, 0x100_0000, 0xf, Mappable::Sparse),
            "region bar0: size 0x1000000 flags 0xf (read write mmap caps) mmap sparse"
        );
    }

    #[test]
    fn fill_lines() {
        let mut c = FillCheck {
            bytes: 0x1000_0000,
            ..Default::default()
        };
        assert_eq!(fill_line(&c), "fill: 268435456 bytes, read back ok");
        c.mismatches = 2;
        c.first = Some(Mismatch {
            offset: 0x18,
            expected: 0x1234,
            found: 0,
        });
        assert_eq!(
            fill_line(&c),
            "fill: 268435456 bytes, 2 words differ, first at 0x18: \
             wrote 0x0000000000001234, read 0x0000000000000000"
        );
    }

    #[test]
    fn scan_and_zero_lines() {
        let mut t = ScanTally {
            bytes: 4096,
            nonzero: 3,
            ..Default::default()
        };
        assert_eq!(
            scan_lines(&t),
            [
                "scan: 4096 bytes, pattern words 0, nonzero words 3",
                "scan elsewhere: 0"
            ]
        );
        t.same_offset = 1;
        t.elsewhere = 2;
        t.first_elsewhere = Some(Moved {
            offset: 0x1008,
            origin: 0x8,
        });
        assert_eq!(
            scan_lines(&t),
            [
                "scan: 4096 bytes, pattern words 1, nonzero words 3",
                "scan elsewhere: 2, first at 0x1008 (the pattern's word for 0x8)"
            ]
        );
        let mut z = ZeroTally {
            bytes: 64,
            ..Default::default()
        };
        assert_eq!(zero_line(&z), "zero: 64 bytes, all zero");
        z.nonzero = 1;
        z.first = Some((8, 0xff));
        assert_eq!(
            zero_line(&z),
            "zero: 64 bytes, 1 nonzero words, first at 0x8: 0x00000000000000ff"
        );
    }
}
