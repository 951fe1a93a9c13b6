//! BAR0, the register aperture: decodes accesses and routes them to units.

use super::falcon::{self, Engine, Falcon};
use crate::guest_mem::GuestMemory;
use nvgsp_proto::chip::{self, ChipId};
use nvgsp_proto::falcon as f;

/// Registers outside the falcons, with their offsets (Linux 7.3
/// `drivers/gpu/nova-core/regs.rs` and `fb/regs.rs`).
pub mod reg {
    /// `NV_PBUS_SW_SCRATCH(0xe)`: FWSEC-FRTS error code in bits 31:16.
    pub const SW_SCRATCH_0E: u32 = 0x0000_1438;
    /// `NV_PFB_NISO_FLUSH_SYSMEM_ADDR`: sysmembar page, bits 39:8.
    pub const FLUSH_SYSMEM_ADDR: u32 = 0x0010_0c10;
    /// `NV_PFB_NISO_FLUSH_SYSMEM_ADDR_HI`: bits 63:40.
    pub const FLUSH_SYSMEM_ADDR_HI: u32 = 0x0010_0c40;
    /// `NV_PFB_PRI_MMU_LOCAL_MEMORY_RANGE`: VRAM size as mag << (scale + 20).
    pub const LOCAL_MEMORY_RANGE: u32 = 0x0010_0ce0;
    /// `NV_PGC6_AON_SECURE_SCRATCH_GROUP_05_PRIV_LEVEL_MASK`.
    pub const GFW_PRIV_LEVEL_MASK: u32 = 0x0011_8128;
    /// `NV_PGC6_AON_SECURE_SCRATCH_GROUP_05(0)`: GFW boot progress (0xff: done).
    pub const GFW_BOOT: u32 = 0x0011_8234;
    /// `NV_PGC6_AON_SECURE_SCRATCH_GROUP_42`: usable VRAM in MiB.
    pub const USABLE_FB_SIZE_IN_MB: u32 = 0x0011_83a4;
    /// `NV_PFB_PRI_MMU_WPR2_ADDR_LO`: WPR2 start, bits 39:12 in 31:4.
    pub const WPR2_ADDR_LO: u32 = 0x001f_a824;
    /// `NV_PFB_PRI_MMU_WPR2_ADDR_HI`: WPR2 end (inclusive last 4K page).
    pub const WPR2_ADDR_HI: u32 = 0x001f_a828;
    /// The PROM window: the VBIOS image, read 32 bits at a time.
    pub const PROM: u32 = 0x0030_0000;
    /// Size of the PROM window.
    pub const PROM_SIZE: u32 = 0x0010_0000;
}

/// What a register write asks of the device beyond storing a value.
#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing further.
    None,
    /// Raise this MSI-X vector.
    Interrupt(usize),
    /// A falcon CPU was started.
    Start(Engine),
    /// The driver rang GSP-RM's doorbell (`NV_PGSP_QUEUE_HEAD`).
    Doorbell,
    /// A falcon was put into reset.
    Reset(Engine),
}

/// The registers of the modelled GPU.
pub struct Bar0 {
    chip: ChipId,
    vram: u64,
    /// The GSP falcon.
    pub gsp: Falcon,
    /// The SEC2 falcon.
    pub sec2: Falcon,
    /// WPR2 bounds as FWSEC-FRTS programs them (`lo`, `hi` register values).
    pub wpr2: (u32, u32),
    /// `NV_PBUS_SW_SCRATCH(0xe)`.
    pub scratch_0e: u32,
    flush_sysmem: (u32, u32),
    vbios: Vec<u8>,
    sec2_fuses: [u32; 16],
}

impl Bar0 {
    /// Registers of `chip` with `vram` bytes of VRAM and `vbios` in the
    /// PROM window, in their reset state.
    #[cfg(test)]
    pub fn new(chip: ChipId, vram: u64, vbios: Vec<u8>) -> Bar0 {
        Bar0::with_fuses(chip, vram, vbios, [0; 16])
    }

    /// As [`Bar0::new`], with the SEC2 ucode fuse registers (ucode ids
    /// 1..=16) set to `sec2_fuses`.
    pub fn with_fuses(chip: ChipId, vram: u64, vbios: Vec<u8>, sec2_fuses: [u32; 16]) -> Bar0 {
        Bar0 {
            chip,
            vram,
            gsp: Falcon::new(Engine::Gsp),
            sec2: Falcon::new(Engine::Sec2),
            wpr2: (0, 0),
            scratch_0e: 0,
            flush_sysmem: (0, 0),
            vbios,
            sec2_fuses,
        }
    }

    /// Returns every register to its reset value.
    pub fn reset(&mut self) {
        let vbios = std::mem::take(&mut self.vbios);
        *self = Bar0::with_fuses(self.chip, self.vram, vbios, self.sec2_fuses);
    }

    /// The falcon decoding `off`, and the offset within it.
    fn falcon(&self, off: u32) -> Option<(Engine, u32)> {
        [Engine::Gsp, Engine::Sec2].into_iter().find_map(|e| {
            off.checked_sub(e.base())
                .filter(|&r| r < falcon::SPAN)
                .map(|r| (e, r))
        })
    }

    /// The falcon `e`.
    pub fn engine(&mut self, e: Engine) -> &mut Falcon {
        match e {
            Engine::Gsp => &mut self.gsp,
            Engine::Sec2 => &mut self.sec2,
        }
    }

    /// The MSI-X vectors whose interrupt sources are asserted now. Sources
    /// are levels, so one still asserted when the host enables delivery
    /// interrupts then.
    pub fn asserted_vectors(&self) -> impl Iterator<Item = usize> {
        (self.gsp.irq.to_host() != 0).then_some(0).into_iter()
    }

    fn local_memory_range(&self) -> u32 {
        // A power of two: magnitude 1, scale log2(size) - 20.
        let scale = self.vram.trailing_zeros().saturating_sub(20);
        (1 << 4) | (scale & 0xf)
    }

    /// Reads the 32-bit register at `off` (4-byte aligned). Registers the
    /// model does not implement read as zero.
    pub fn read32(&self, off: u32) -> u32 {
        match off {
            chip::NV_PMC_BOOT_0 => self.chip.boot0(),
            chip::NV_PMC_BOOT_42 => self.chip.boot42(),
            reg::SW_SCRATCH_0E => self.scratch_0e,
            reg::FLUSH_SYSMEM_ADDR => self.flush_sysmem.0,
            reg::FLUSH_SYSMEM_ADDR_HI => self.flush_sysmem.1,
            reg::LOCAL_MEMORY_RANGE => self.local_memory_range(),
            // FWSEC lowered the protection and the GFW boot completed
            // before the driver loads (the devinit the VBIOS does at power-on).
            reg::GFW_PRIV_LEVEL_MASK => 1,
            reg::GFW_BOOT => 0xff,
            reg::USABLE_FB_SIZE_IN_MB => (self.vram >> 20) as u32,
            reg::WPR2_ADDR_LO => self.wpr2.0,
            reg::WPR2_ADDR_HI => self.wpr2.1,
            o if (reg::PROM..reg::PROM + reg::PROM_SIZE).contains(&o) => {
                let at = (o - reg::PROM) as usize;
                let mut b = [0xffu8; 4];
                for (i, v) in b.iter_mut().enumerate() {
                    if let Some(&x) = self.vbios.get(at + i) {
                        *v = x;
                    }
                }
                u32::from_le_bytes(b)
            }
            f::GSP_QUEUE_HEAD => 0,
            o if (f::FUSE_SEC2_UCODE1_VERSION..f::FUSE_SEC2_UCODE1_VERSION + 64).contains(&o) => {
                self.sec2_fuses[((o - f::FUSE_SEC2_UCODE1_VERSION) / 4) as usize]
            }
            o => match self.falcon(o) {
                Some((Engine::Gsp, r)) => self.gsp.read(r),
                Some((Engine::Sec2, r)) => self.sec2.read(r),
                None => None,
            }
            .unwrap_or(0),
        }
    }

    /// Writes the 32-bit register at `off` (4-byte aligned).
    pub fn write32(&mut self, off: u32, v: u32, mem: &GuestMemory) -> Effect {
        match off {
            reg::FLUSH_SYSMEM_ADDR => self.flush_sysmem.0 = v,
            reg::FLUSH_SYSMEM_ADDR_HI => self.flush_sysmem.1 = v & 0x00ff_ffff,
            f::GSP_QUEUE_HEAD => return Effect::Doorbell,
            o => {
                if let Some((e, r)) = self.falcon(o) {
                    match self.engine(e).write(r, v, mem) {
                        Some(falcon::Effect::Interrupt) if e == Engine::Gsp => {
                            return Effect::Interrupt(0)
                        }
                        Some(falcon::Effect::Start) => return Effect::Start(e),
                        Some(falcon::Effect::Reset) => return Effect::Reset(e),
                        _ => {}
                    }
                }
            }
        }
        Effect::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nvgsp_proto::falcon::IRQ_SWGEN0 as SWGEN0;

    fn bar0() -> Bar0 {
        Bar0::new(ChipId::GA102_A1, 256 << 20, vec![0x55, 0xaa, 1, 2, 3])
    }

    #[test]
    fn identifies_as_ga102() {
        let b = bar0();
        assert_eq!(b.read32(0), 0x1720_00a1);
        assert_eq!(ChipId::from_boot42(b.read32(0xa00)), ChipId::GA102_A1);
        assert_eq!(b.read32(0x1234), 0);
    }

    #[test]
    fn vram_size_and_prom() {
        let b = bar0();
        let r = b.read32(reg::LOCAL_MEMORY_RANGE);
        assert_eq!(u64::from((r >> 4) & 0x3f) << ((r & 0xf) + 20), 256 << 20);
        assert_eq!(b.read32(reg::USABLE_FB_SIZE_IN_MB), 256);
        assert_eq!(b.read32(reg::PROM), 0x0201_aa55);
        assert_eq!(b.read32(reg::PROM + 4), 0xffff_ff03);
    }

    #[test]
    fn gsp_swgen0_interrupts_vector_0() {
        let mem = GuestMemory::default();
        let mut b = bar0();
        assert_eq!(b.write32(0x11001c, SWGEN0, &mem), Effect::None);
        assert_eq!(b.write32(0x110010, SWGEN0, &mem), Effect::None);
        assert_eq!(b.write32(0x110000, SWGEN0, &mem), Effect::Interrupt(0));
        assert_eq!(b.read32(0x110008), SWGEN0);
        assert_eq!(b.asserted_vectors().collect::<Vec<_>>(), [0]);
        b.reset();
        assert_eq!(b.asserted_vectors().count(), 0);
        assert_eq!(b.read32(0x110008), 0);
        assert_eq!(b.read32(reg::PROM), 0x0201_aa55);
    }

    #[test]
    fn falcons_decode_both_blocks_and_the_doorbell() {
        let mem = GuestMemory::default();
        let mut b = bar0();
        b.write32(0x840040, 0x1234, &mem);
        assert_eq!(b.read32(0x840040), 0x1234);
        assert_eq!(b.read32(0x110040), 0);
        b.write32(0x84119c, 0x55, &mem);
        assert_eq!(b.read32(0x84119c), 0x55);
        assert_eq!(b.read32(0x111388), f::RISCV_CPUCTL_HALTED);
        assert_eq!(b.write32(0x110c00, 0, &mem), Effect::Doorbell);
        assert_eq!(
            b.write32(0x840100, f::CPUCTL_STARTCPU, &mem),
            Effect::Start(Engine::Sec2)
        );
    }
}
