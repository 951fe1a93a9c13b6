//! The PRAMIN window: 1 MiB of BAR0 (`NV_PRAMIN`, 0x700000..0x7fffff)
//! that shows memory at the base `NV_PBUS_BAR0_WINDOW` (0x1700) names.
//! It is how a driver reaches VRAM before it has BAR1 or BAR2 mappings:
//! nouveau `nv50_instobj_wr32_slow` (window base >> 16, data at 0x700000
//! plus the rest), OpenRM `kbusMemAccessBar0Window_GM107`, nova-core's MM
//! series `mm/pramin.rs`; and how it writes BAR1's page tables.
//!
//! `NV_PBUS_BAR0_WINDOW` (open-gpu-doc `turing/tu104/dev_bus.ref.txt`,
//! open-gpu-kernel-modules `published/maxwell/gm107/dev_bus.h`): BASE 23:0
//! the address >> 16, TARGET 25:24 (0 video memory, 2 coherent and 3
//! non-coherent system memory); it reads back as written. The window
//! takes 1, 2 and 4-byte accesses (`dev_ram.h`; RM moves 64-bit values as
//! two 32-bit ones) and 8-byte ones if the VMM sends them.
//!
//! What the model checks:
//! - only video memory is modelled: an access with a system memory
//!   target is refused (reads a PRI error, writes dropped), logged and
//!   counted as a driver defect, as is one past the end of VRAM;
//! - WPR2 is protected by the memory controller: a write is dropped, a
//!   read refused, each logged and counted;
//! - GSP-RM's reserved memory (`dev::reserved`) is not protected: a write
//!   lands, and is logged and counted as a driver defect, unless it is in
//!   the first entry of BAR1's PD3 (its bytes 0..8), which GSP-RM shares;
//!   PD3's other entries and the rest of its page are GSP-RM's;
//! - writes are posted (`vram::pending`): the host reads them back at
//!   once, the GPU's MMU and GSP-RM see them only after an FB flush has
//!   completed (`dev::fb_flush`);
//! - a read flushes (OpenRM `kbusFlushSingle_GV100`'s
//!   `BUS_FLUSH_VIA_PRAMIN_WINDOW`: a read of the window as the flush).

use super::bar0::PRI_ERROR;
use super::reserved::{self, Zone};
use super::Hw;
use log::{debug, warn};
use nvgsp_proto::bus;
use std::ops::Range;

/// The window's BAR0 offsets.
pub const WINDOW: Range<u64> = bus::PRAMIN as u64..(bus::PRAMIN + bus::PRAMIN_SIZE) as u64;

/// `NV_PBUS_BAR0_WINDOW`'s defined fields: BASE 23:0, TARGET 25:24.
const FIELDS: u32 = bus::WINDOW_BASE_MASK | 3 << bus::WINDOW_TARGET_SHIFT;

/// `NV_PBUS_BAR0_WINDOW`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Window(u32);

impl Window {
    /// The register as it reads.
    pub fn read(self) -> u32 {
        self.0
    }

    /// A CPU write: the defined fields are kept.
    pub fn write(&mut self, v: u32) {
        self.0 = v & FIELDS;
    }

    /// The memory address the window starts at.
    fn base(self) -> u64 {
        u64::from(self.0 & bus::WINDOW_BASE_MASK) << bus::WINDOW_BASE_SHIFT
    }

    /// TARGET.
    fn target(self) -> u32 {
        (self.0 >> bus::WINDOW_TARGET_SHIFT) & 3
    }
}

/// The bytes a refused read returns: the PRI error pattern, as the
/// dwords at `off` would hold it.
fn pri_error(off: u32, data: &mut [u8]) {
    let pattern = PRI_ERROR.to_le_bytes();
    for (i, d) in data.iter_mut().enumerate() {
        *d = pattern[(off as usize + i) % 4];
    }
}

impl Hw {
    /// Where `len` bytes at window offset `off` are in VRAM and in which
    /// zone, or why the window does not reach them.
    fn pramin_target(&self, off: u32, len: usize) -> Result<(u64, Zone), String> {
        let w = self.bar0.window;
        match w.target() {
            bus::WINDOW_TARGET_VID_MEM => {}
            t @ (bus::WINDOW_TARGET_SYS_COH | bus::WINDOW_TARGET_SYS_NONCOH) => {
                return Err(format!("window target {t} (system memory) is not modelled"))
            }
            t => return Err(format!("window target {t} is undefined")),
        }
        let at = w.base() + u64::from(off);
        let size = self.vram.as_ref().map_or(0, |v| v.size());
        if at + len as u64 > size {
            return Err(format!("VRAM {at:#x} is beyond its {size:#x} bytes"));
        }
        let zone = reserved::zone(
            at..at + len as u64,
            self.bar0.wpr2(),
            self.rm_reserved.as_ref(),
        );
        Ok((at, zone))
    }

    /// A CPU read of `data.len()` bytes at window offset `off`.
    pub fn pramin_read(&mut self, off: u32, data: &mut [u8]) {
        let refusal = match self.pramin_target(off, data.len()) {
            Ok((at, Zone::Wpr2)) => format!("VRAM {at:#x} is in WPR2"),
            Ok((at, _)) => {
                if let Some(v) = &self.vram {
                    v.read(at, data);
                    let flushed = v.flush();
                    if flushed != 0 {
                        debug!("pramin: the read flushed {flushed} words of posted writes");
                    }
                }
                return;
            }
            Err(why) => why,
        };
        pri_error(off, data);
        warn!(
            "pramin: driver defect: read of {} bytes at window offset {off:#x} refused ({:#x} PRI error): {refusal}",
            data.len(),
            PRI_ERROR
        );
        self.counters.defects += 1;
    }

    /// A CPU write of `data` at window offset `off`.
    pub fn pramin_write(&mut self, off: u32, data: &[u8]) {
        let (at, zone) = match self.pramin_target(off, data.len()) {
            Ok(t) => t,
            Err(why) => {
                warn!(
                    "pramin: driver defect: write of {} bytes at window offset {off:#x} dropped: {why}",
                    data.len()
                );
                self.counters.defects += 1;
                return;
            }
        };
        if zone == Zone::Wpr2 {
            warn!(
                "pramin: driver defect: write of {} bytes at VRAM {at:#x} dropped: WPR2 is write-protected",
                data.len()
            );
            self.counters.defects += 1;
            return;
        }
        if let Some(v) = &self.vram {
            v.write_posted(at, data);
        }
        if zone == Zone::Reserved {
            let pd3 = self
                .rm_reserved
                .as_ref()
                .is_some_and(|r| r.shared.start >> 12 == at >> 12);
            warn!(
                "pramin: driver defect: write of {} bytes at VRAM {at:#x} into GSP-RM's reserved memory{} (applied)",
                data.len(),
                if pd3 {
                    ": BAR1's PD3 beyond its entry 0, the only one the driver may write"
                } else {
                    ""
                }
            );
            self.counters.defects += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_register_keeps_its_fields() {
        let mut w = Window::default();
        w.write(0xffff_ffff);
        assert_eq!(w.read(), 0x03ff_ffff);
        assert_eq!(w.target(), 3);
        assert_eq!(w.base(), 0xff_ffff << 16);
        w.write(0x123);
        assert_eq!((w.read(), w.base(), w.target()), (0x123, 0x123_0000, 0));
    }

    #[test]
    fn refused_reads_carry_the_pri_error_pattern() {
        let mut d = [0u8; 2];
        pri_error(2, &mut d);
        assert_eq!(u16::from_le_bytes(d), (PRI_ERROR >> 16) as u16);
        let mut d = [0u8; 8];
        pri_error(0, &mut d);
        assert_eq!(u64::from_le_bytes(d), u64::from(PRI_ERROR) * 0x1_0000_0001);
    }
}
