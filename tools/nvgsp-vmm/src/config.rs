//! PCI configuration space: the header fields a VMM reads, and sizing a
//! BAR the way PCI enumeration does (write all-ones, read the mask back,
//! restore), through whatever access the caller has.

/// Vendor ID (16 bits).
pub const VENDOR_ID: u64 = 0x00;
/// Device ID (16 bits).
pub const DEVICE_ID: u64 = 0x02;
/// Revision ID (8 bits) and, above it, the class code (24 bits).
pub const CLASS_REVISION: u64 = 0x08;
/// The first BAR register; BAR `n` is at `BAR0 + 4 * n`.
pub const BAR0: u64 = 0x10;
/// Subsystem vendor ID (16 bits).
pub const SUBSYSTEM_VENDOR_ID: u64 = 0x2c;
/// Subsystem ID (16 bits).
pub const SUBSYSTEM_ID: u64 = 0x2e;

/// 32-bit access to a configuration space.
pub trait ConfigSpace {
    /// Reads the dword at `offset`.
    fn read32(&self, offset: u64) -> u32;
    /// Writes the dword at `offset`.
    fn write32(&self, offset: u64, value: u32);
}

/// What a BAR register's low bits say about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BarKind {
    /// An I/O space BAR (bit 0).
    pub io: bool,
    /// A 64-bit memory BAR (bits 2:1 == 2): the next register holds the
    /// upper half.
    pub wide: bool,
    /// A prefetchable memory BAR (bit 3).
    pub prefetchable: bool,
}

impl BarKind {
    /// Decodes a BAR register's value.
    pub fn decode(reg: u32) -> BarKind {
        let io = reg & 1 != 0;
        BarKind {
            io,
            wide: !io && (reg >> 1) & 3 == 2,
            prefetchable: !io && reg & 8 != 0,
        }
    }

    /// `64-bit prefetchable memory`, `32-bit memory`, `io`.
    pub fn describe(&self) -> String {
        if self.io {
            return "io".to_string();
        }
        let width = if self.wide { "64-bit" } else { "32-bit" };
        let pref = if self.prefetchable {
            " prefetchable"
        } else {
            ""
        };
        format!("{width}{pref} memory")
    }

    /// The BAR's size from what its register(s) read after all-ones was
    /// written to them (`high` is the upper register's, for a 64-bit BAR);
    /// 0 for a BAR that is not implemented.
    pub fn size(&self, low: u32, high: u32) -> u64 {
        let mask = if self.io {
            // I/O BARs may decode only 16 bits: the upper half reads 0.
            let low = if low >> 16 == 0 {
                low | 0xffff_0000
            } else {
                low
            };
            u64::from(low & !0x3) | 0xffff_ffff_0000_0000
        } else if self.wide {
            (u64::from(high) << 32) | u64::from(low & !0xf)
        } else {
            u64::from(low & !0xf) | 0xffff_ffff_0000_0000
        };
        if mask == 0xffff_ffff_0000_0000 || mask == 0 {
            return 0;
        }
        (!mask).wrapping_add(1)
    }
}

/// A BAR as sized through configuration space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizing {
    /// Its kind.
    pub kind: BarKind,
    /// Its size in bytes.
    pub size: u64,
    /// Whether its register(s) read their old value again after the restore.
    pub restored: bool,
}

/// Sizes BAR `index` (0..=5): saves its register(s), writes all-ones,
/// reads the size mask, writes the saved value(s) back.
pub fn size_bar(cfg: &impl ConfigSpace, index: u64) -> Sizing {
    let at = BAR0 + 4 * index;
    let low = cfg.read32(at);
    let kind = BarKind::decode(low);
    let wide = kind.wide && index < 5;
    let high = if wide { cfg.read32(at + 4) } else { 0 };
    cfg.write32(at, u32::MAX);
    if wide {
        cfg.write32(at + 4, u32::MAX);
    }
    let low_mask = cfg.read32(at);
    let high_mask = if wide { cfg.read32(at + 4) } else { 0 };
    cfg.write32(at, low);
    if wide {
        cfg.write32(at + 4, high);
    }
    let restored = cfg.read32(at) == low && (!wide || cfg.read32(at + 4) == high);
    Sizing {
        kind,
        size: kind.size(low_mask, high_mask),
        restored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// A config space whose BARs keep only the bits their size allows, as
    /// a device (or VFIO's emulation of its BARs) does.
    struct Fake {
        regs: RefCell<[u32; 64]>,
        /// Per BAR register: the writable address bits.
        masks: [u32; 6],
    }

    impl Fake {
        fn new(bars: &[(usize, u64, u32)]) -> Fake {
            let mut f = Fake {
                regs: RefCell::new([0; 64]),
                masks: [0; 6],
            };
            for &(i, size, flags) in bars {
                let mask = !(size - 1);
                let regs = f.regs.get_mut();
                regs[4 + i] = flags | (0xe000_0000u32 & mask as u32);
                f.masks[i] = mask as u32 & !0xf;
                if flags & 0x6 == 0x4 {
                    f.masks[i + 1] = (mask >> 32) as u32;
                    regs[5 + i] = 0x1;
                }
            }
            f
        }
    }

    impl ConfigSpace for Fake {
        fn read32(&self, offset: u64) -> u32 {
            self.regs.borrow()[offset as usize / 4]
        }

        fn write32(&self, offset: u64, value: u32) {
            let i = offset as usize / 4;
            let mut regs = self.regs.borrow_mut();
            if (4..10).contains(&i) {
                let mask = self.masks[i - 4];
                let low_bits = if mask & 0xf == 0 { regs[i] & 0xf } else { 0 };
                regs[i] = (value & mask) | low_bits;
            } else {
                regs[i] = value;
            }
        }
    }

    #[test]
    fn decodes_bar_kinds() {
        let k = BarKind::decode(0xe000_000c);
        assert!(!k.io && k.wide && k.prefetchable);
        assert_eq!(k.describe(), "64-bit prefetchable memory");
        assert_eq!(BarKind::decode(0xfd00_0000).describe(), "32-bit memory");
        assert_eq!(BarKind::decode(0xe001).describe(), "io");
    }

    #[test]
    fn sizes_from_masks() {
        let mem32 = BarKind::decode(0);
        assert_eq!(mem32.size(0xff00_0000, 0), 16 << 20);
        assert_eq!(mem32.size(0, 0), 0);
        let mem64 = BarKind::decode(0xc);
        assert_eq!(mem64.size(0xf000_000c, 0xffff_ffff), 256 << 20);
        assert_eq!(mem64.size(0x0000_000c, 0xffff_fffc), 16 << 30);
        assert_eq!(mem64.size(0xc, 0), 0);
        let io = BarKind::decode(1);
        assert_eq!(io.size(0xffff_ff81, 0), 128);
        assert_eq!(io.size(0xff81, 0), 128);
    }

    #[test]
    fn sizes_a_bar_and_restores_it() {
        // BAR0: 16 MiB, 32-bit; BAR1: 256 MiB, 64-bit prefetchable.
        let cfg = Fake::new(&[(0, 16 << 20, 0x0), (1, 256 << 20, 0xc)]);
        let before = *cfg.regs.borrow();
        let bar1 = size_bar(&cfg, 1);
        assert_eq!(bar1.size, 256 << 20);
        assert!(bar1.kind.wide && bar1.kind.prefetchable);
        assert!(bar1.restored);
        assert_eq!(*cfg.regs.borrow(), before);
        let bar0 = size_bar(&cfg, 0);
        assert_eq!(
            (bar0.size, bar0.kind.wide, bar0.restored),
            (16 << 20, false, true)
        );
        assert_eq!(size_bar(&cfg, 3).size, 0);
    }
}
