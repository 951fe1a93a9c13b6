//! BAR0, the register aperture: decodes accesses and routes them to units.

use super::bar1::{self, Bar1};
use super::cpu_intr::CpuIntrTree;
use super::falcon::{self, Engine, Falcon};
use super::fb_flush::FbFlush;
use super::mmu::Mmu;
use super::pramin::Window;
use crate::guest_mem::GuestMemory;
use nvgsp_proto::bus;
use nvgsp_proto::chip::{self, ChipId};
use nvgsp_proto::falcon as f;
use nvgsp_proto::host;
use nvgsp_proto::intr;
use std::ops::Range;
use std::time::{Duration, Instant};

/// How long GFW boot (devinit, run by the GPU's own firmware from the
/// VBIOS) takes after power-on and after every reset, unless set
/// otherwise ([`Bar0::set_gfw_boot_time`]; `nvgsp-emu --gfw-boot-ms`). Until it is done
/// `GFW_BOOT` reads a progress value below 0xff, the privilege level mask
/// still protects it, devinit has not yet written the usable VRAM size, and
/// the GSP falcon is not free for the driver's ucode (nova-core
/// `gpu/hal/tu102.rs` `wait_gfw_boot_completion`: "GFW starts running
/// immediately after the GPU is put out of reset").
pub const GFW_BOOT_TIME: Duration = Duration::from_millis(100);
/// The progress `GFW_BOOT` reads while devinit runs.
const GFW_BOOT_RUNNING: u32 = 0x20;

/// Registers outside the falcons, with their offsets (Linux 7.3
/// `drivers/gpu/nova-core/regs.rs` and `fb/regs.rs`).
pub mod reg {
    /// `NV_PBUS_SW_SCRATCH(i)`, i < [`SW_SCRATCH_COUNT`]: software scratch
    /// registers the VBIOS ucodes report through.
    pub const SW_SCRATCH: u32 = 0x0000_1400;
    /// Number of `NV_PBUS_SW_SCRATCH` registers (nova-core `regs.rs`).
    pub const SW_SCRATCH_COUNT: usize = 64;
    /// `NV_PBUS_SW_SCRATCH(0xe)`: FWSEC-FRTS error code in bits 31:16
    /// (nova-core `NV_PBUS_SW_SCRATCH_0E_FRTS_ERR`, nouveau
    /// `nvkm_gsp_fwsec_frts`).
    pub const SW_SCRATCH_0E: u32 = 0x0000_1438;
    /// `NV_PBUS_SW_SCRATCH(0x15)`: FWSEC-SB error code in bits 15:0
    /// (nouveau `nvkm_gsp_fwsec_sb`).
    pub const SW_SCRATCH_15: u32 = 0x0000_1454;
    /// `NV_PBUS_SW_SCRATCH(0x20..0x30)`: scratch the host may write, which
    /// the model's GSP-RM uses as the target of its CPU sequencer program.
    pub const SW_SCRATCH_HOST: core::ops::Range<u32> = 0x0000_1480..0x0000_14c0;
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
    /// `NV_PFB_PRI_MMU_WPR2_ADDR_LO`: WPR2 start, address bits 39:12 in
    /// `_VAL` (31:4). Only heavy-secure ucode writes it.
    pub const WPR2_ADDR_LO: u32 = 0x001f_a824;
    /// `NV_PFB_PRI_MMU_WPR2_ADDR_HI`: WPR2 end (exclusive, as nova-core
    /// `fb/regs.rs` `higher_bound` reads it), address bits 39:12 in `_VAL`
    /// (31:4); `_VAL` 0: no WPR2.
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
    /// Send this MSI-X vector's message.
    Interrupt(usize),
    /// A falcon CPU was started.
    Start(Engine),
    /// The driver rang GSP-RM's doorbell (`NV_PGSP_QUEUE_HEAD`).
    Doorbell,
    /// The driver rang a channel's doorbell
    /// (`NV_VIRTUAL_FUNCTION_DOORBELL`) with this work-submit token.
    ChannelDoorbell(u32),
    /// A falcon was put into reset.
    Reset(Engine),
    /// The model has no register there: the write was dropped.
    Unmodelled,
    /// `NV_UFLUSH_FB_FLUSH` was triggered: the host's posted writes to
    /// VRAM become visible to the GPU's memory clients once a read of the
    /// register has seen the flush done (`dev::fb_flush`).
    FbFlush,
    /// A register the driver must not write (it belongs to GSP-RM): the
    /// write was dropped, for this reason.
    Defect(&'static str),
    /// The register's privilege level mask lets only secure (level 3)
    /// code write it, not the CPU: the write was dropped.
    Denied,
}

/// Whether the CPU (privilege level 0) may not write `off`: registers
/// only heavy-secure ucode, devinit or the boot ROMs write. WPR2's bounds
/// (`NV_PFB_PRI_MMU_WPR2_ADDR_*`: FWSEC-FRTS and booter set them; the
/// driver only reads them, nova-core `fb.rs`), the secure scratch GFW
/// boot and SEC2-RTOS report in and its privilege level mask
/// (`NV_PGC6_AON_SECURE_SCRATCH_GROUP_05`, `_GROUP_42`,
/// `NV_PGC6_BSI_SECURE_SCRATCH_14`: nova-core `regs.rs` reads them), and
/// the ucode version fuses (`NV_FUSE_OPT_FPF_*`).
fn denied_to_cpu(off: u32) -> bool {
    let fuses = |base: u32| (base..base + 4 * f::FUSE_UCODE_COUNT as u32).contains(&off);
    matches!(
        off,
        reg::WPR2_ADDR_LO
            | reg::WPR2_ADDR_HI
            | reg::GFW_BOOT
            | reg::GFW_PRIV_LEVEL_MASK
            | reg::USABLE_FB_SIZE_IN_MB
            | f::BSI_SECURE_SCRATCH_14
    ) || fuses(f::FUSE_SEC2_UCODE1_VERSION)
        || fuses(f::FUSE_GSP_UCODE1_VERSION)
}

/// What a read of a register the GPU does not have returns: a PRI error
/// code, 0xbad in the upper three nibbles (open-gpu-kernel-modules
/// `GPU_READ_PRI_ERROR_MASK`/`_CODE` and gpu_access.c: "HW will return
/// 0xbad in the upper 3 nibbles when there is a possible issue"; 0xbadf1100
/// is the value a timed-out PRI read is reported with).
pub const PRI_ERROR: u32 = 0xbadf_1100;

/// The ucode version fuses the boot ROMs and the driver read to pick a
/// heavy-secure ucode's signature: `NV_FUSE_OPT_FPF_<engine>_UCODE<id>_VERSION`
/// for ucode ids 1..=16, the data in bits 15:0 (nova-core `regs.rs`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fuses {
    /// SEC2's (booter_load, booter_unload), at
    /// [`f::FUSE_SEC2_UCODE1_VERSION`].
    pub sec2: [u32; f::FUSE_UCODE_COUNT],
    /// The GSP's (FWSEC), at [`f::FUSE_GSP_UCODE1_VERSION`].
    pub gsp: [u32; f::FUSE_UCODE_COUNT],
}

/// The `NV_PFB_PRI_MMU_WPR2_ADDR_*` `_VAL` encoding of `addr`: bits 39:12
/// in register bits 31:4 (`_ALIGNMENT` 12).
fn wpr2_val(addr: u64) -> u32 {
    ((addr >> 12) << 4) as u32
}

/// The address a `NV_PFB_PRI_MMU_WPR2_ADDR_*` register value stands for
/// (nova-core `lower_bound` / `higher_bound`: `_VAL << 12`).
fn wpr2_addr(reg: u32) -> u64 {
    u64::from(reg >> 4) << 12
}

/// The registers of the modelled GPU.
pub struct Bar0 {
    chip: ChipId,
    vram: u64,
    /// The GSP falcon.
    pub gsp: Falcon,
    /// The SEC2 falcon.
    pub sec2: Falcon,
    /// `NV_PFB_PRI_MMU_WPR2_ADDR_LO` and `_HI` as heavy-secure ucode
    /// programs them; see [`Bar0::wpr2`].
    wpr2: (u32, u32),
    sw_scratch: [u32; reg::SW_SCRATCH_COUNT],
    /// `NV_PGC6_BSI_SECURE_SCRATCH_14`: read-only to the host.
    bsi_scratch14: u32,
    flush_sysmem: (u32, u32),
    vbios: Vec<u8>,
    fuses: Fuses,
    /// How long GFW boot takes (see [`GFW_BOOT_TIME`]), and when it
    /// completes.
    gfw_boot_time: Duration,
    gfw_done_at: Instant,
    /// The CPU interrupt tree; its `TOP(0)` is MSI-X vector 0.
    tree: CpuIntrTree,
    /// The vector the GSP falcon signals ([`GSP_VECTOR`] unless set).
    gsp_vector: u32,
    /// The MMU: its invalidate registers and TLB.
    pub mmu: Mmu,
    /// The BAR1 (and BAR2) binding registers.
    pub bar1: Bar1,
    /// `NV_PBUS_BAR0_WINDOW`: where the PRAMIN window looks.
    pub window: Window,
    /// `NV_UFLUSH_FB_FLUSH`: where the FB flush stands.
    pub fb_flush: FbFlush,
}

/// The vector the GSP falcon's host interrupt signals in the CPU interrupt
/// tree: 155, leaf 4 bit 27, the GSP notification vector of NVIDIA's
/// nova-core interrupt series (2026, `irq/tree.rs`: "the fixed doorbell
/// (129) and GSP (155) vectors"). GSP-RM reports it to the driver in its
/// kernel interrupt table (`NV2080_CTRL_CMD_INTERNAL_INTR_GET_KERNEL_TABLE`).
pub const GSP_VECTOR: u32 = 155;

impl Bar0 {
    /// Registers of `chip` with `vram` bytes of VRAM and `vbios` in the
    /// PROM window, in their reset state.
    #[cfg(test)]
    pub fn new(chip: ChipId, vram: u64, vbios: Vec<u8>) -> Bar0 {
        Bar0::with_fuses(chip, vram, vbios, Fuses::default())
    }

    /// As [`Bar0::new`], with the ucode fuse registers set to `fuses`.
    pub fn with_fuses(chip: ChipId, vram: u64, vbios: Vec<u8>, fuses: Fuses) -> Bar0 {
        Bar0 {
            chip,
            vram,
            gsp: Falcon::new(Engine::Gsp),
            sec2: Falcon::new(Engine::Sec2),
            wpr2: (0, 0),
            sw_scratch: [0; reg::SW_SCRATCH_COUNT],
            bsi_scratch14: 0,
            flush_sysmem: (0, 0),
            vbios,
            fuses,
            gfw_boot_time: GFW_BOOT_TIME,
            gfw_done_at: Instant::now() + GFW_BOOT_TIME,
            tree: CpuIntrTree::default(),
            gsp_vector: GSP_VECTOR,
            mmu: Mmu::default(),
            bar1: Bar1::default(),
            window: Window::default(),
            fb_flush: FbFlush::default(),
        }
    }

    /// Has the GSP falcon signal `vector` instead of [`GSP_VECTOR`] (the
    /// model's GSP-RM reports the same in its interrupt table), so a test
    /// can show the driver follows the table.
    pub fn set_gsp_vector(&mut self, vector: u32) {
        self.gsp_vector = vector;
    }

    /// The GSP falcon raising interrupt `bits` (its firmware through
    /// IRQSSET, or its CPU halting); returns whether that sends MSI-X
    /// vector 0.
    pub fn raise_gsp(&mut self, bits: u32) -> bool {
        self.gsp.irq.latch(bits) && self.tree.signal(self.gsp_vector)
    }

    /// An engine signalling `vector` in the CPU interrupt tree; returns
    /// whether that sends MSI-X vector 0.
    pub fn signal(&mut self, vector: u32) -> bool {
        self.tree.signal(vector)
    }

    /// The ucode on falcon `e` ended: its CPU halts and latches HALT, which
    /// reaches the host only as the host routed it (the GSP's through the
    /// tree; SEC2's reaches no vector the model has). Returns whether that
    /// sends MSI-X vector 0.
    pub fn halt(&mut self, e: Engine) -> bool {
        self.engine(e).halt();
        match e {
            Engine::Gsp => self.raise_gsp(f::IRQ_HALT),
            Engine::Sec2 => {
                self.sec2.irq.latch(f::IRQ_HALT);
                false
            }
        }
    }

    /// Sets how long GFW boot takes, from power-on (now) and at each reset.
    pub fn set_gfw_boot_time(&mut self, d: Duration) {
        self.gfw_boot_time = d;
        self.gfw_done_at = Instant::now() + d;
    }

    /// Whether GFW boot has completed since power-on or the last reset.
    pub fn gfw_booted(&self) -> bool {
        Instant::now() >= self.gfw_done_at
    }

    /// Returns every register to its reset value (WPR2 included: only a
    /// GPU reset or booter_unload removes it).
    pub fn reset(&mut self) {
        let vbios = std::mem::take(&mut self.vbios);
        let (gfw, vector) = (self.gfw_boot_time, self.gsp_vector);
        *self = Bar0::with_fuses(self.chip, self.vram, vbios, self.fuses);
        self.set_gfw_boot_time(gfw);
        self.gsp_vector = vector;
    }

    /// WPR2 as the driver reads it (nova-core `fb.rs` `wpr2_range`):
    /// `None` while `_HI`'s `_VAL` is 0, else `LO..HI`.
    pub fn wpr2(&self) -> Option<Range<u64>> {
        (self.wpr2.1 >> 4 != 0).then(|| wpr2_addr(self.wpr2.0)..wpr2_addr(self.wpr2.1))
    }

    /// Programs WPR2 (heavy-secure ucode only): `range` must be 4 KiB
    /// aligned and below 2^40; `None` removes WPR2 (both registers 0).
    pub fn set_wpr2(&mut self, range: Option<Range<u64>>) {
        self.wpr2 = range.map_or((0, 0), |r| (wpr2_val(r.start), wpr2_val(r.end)));
    }

    /// The sysmem flush page's bus address as the two registers hold it
    /// (bits 39:8 and 63:40; nova-core `read_sysmem_flush_page_ga100`), 0
    /// if none is registered.
    pub fn sysmem_flush_page(&self) -> u64 {
        u64::from(self.flush_sysmem.0) << 8 | u64::from(self.flush_sysmem.1) << 40
    }

    /// SEC2-RTOS's "GSP-RM resumed" bit in `BSI_SECURE_SCRATCH_14`.
    pub fn set_boot_stage_3_handoff(&mut self, done: bool) {
        self.bsi_scratch14 = if done { f::BSI_BOOT_STAGE_3_HANDOFF } else { 0 };
    }

    /// The `NV_PBUS_SW_SCRATCH` register at BAR0 offset `off`, for the
    /// ucodes to write.
    pub fn sw_scratch_mut(&mut self, off: u32) -> Option<&mut u32> {
        let i = off.checked_sub(reg::SW_SCRATCH)? / 4;
        self.sw_scratch.get_mut(i as usize)
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

    /// The MSI-X vectors whose condition holds now (an enabled subtree of
    /// the CPU interrupt tree pending), for delivery once the host enables
    /// MSI-X or wires a vector.
    pub fn asserted_vectors(&self) -> impl Iterator<Item = usize> {
        self.tree.asserted().then_some(0).into_iter()
    }

    fn local_memory_range(&self) -> u32 {
        // A power of two: magnitude 1, scale log2(size) - 20.
        let scale = self.vram.trailing_zeros().saturating_sub(20);
        (1 << 4) | (scale & 0xf)
    }

    /// Reads the 32-bit register at `off` (4-byte aligned). Registers the
    /// model does not implement read as [`PRI_ERROR`].
    pub fn read32(&self, off: u32) -> u32 {
        self.lookup(off).unwrap_or(PRI_ERROR)
    }

    /// The 32-bit register at `off` (4-byte aligned), `None` where the
    /// model has no register: the list of modelled registers is this
    /// function's and [`Bar0::write32`]'s.
    pub fn lookup(&self, off: u32) -> Option<u32> {
        Some(match off {
            chip::NV_PMC_BOOT_0 => self.chip.boot0(),
            chip::NV_PMC_BOOT_42 => self.chip.boot42(),
            o if (reg::SW_SCRATCH..reg::SW_SCRATCH + 4 * reg::SW_SCRATCH_COUNT as u32)
                .contains(&o) =>
            {
                self.sw_scratch[((o - reg::SW_SCRATCH) / 4) as usize]
            }
            reg::FLUSH_SYSMEM_ADDR => self.flush_sysmem.0,
            reg::FLUSH_SYSMEM_ADDR_HI => self.flush_sysmem.1,
            reg::LOCAL_MEMORY_RANGE => self.local_memory_range(),
            // Once GFW boot is done FWSEC has lowered the protection, the
            // progress reads 0xff and devinit has written the VRAM size.
            reg::GFW_PRIV_LEVEL_MASK => u32::from(self.gfw_booted()),
            reg::GFW_BOOT if self.gfw_booted() => 0xff,
            reg::GFW_BOOT => GFW_BOOT_RUNNING,
            reg::USABLE_FB_SIZE_IN_MB if self.gfw_booted() => (self.vram >> 20) as u32,
            reg::USABLE_FB_SIZE_IN_MB => 0,
            f::BSI_SECURE_SCRATCH_14 => self.bsi_scratch14,
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
            // Write-only (dev_vm.ref.txt); the model reads it as 0.
            host::DOORBELL => 0,
            bus::BAR0_WINDOW => self.window.read(),
            // As it stands, without a read's effect (`Hw::read_register`
            // has it: the flush completing).
            bus::FB_FLUSH => self.fb_flush.value(),
            o if Bar1::owns(o) => return self.bar1.read(o),
            o if (intr::LEAF..=intr::LEAF_TRIGGER).contains(&o) => return self.tree.read(o),
            o if Mmu::owns(o) => return self.mmu.read(o),
            o if (f::FUSE_SEC2_UCODE1_VERSION..f::FUSE_SEC2_UCODE1_VERSION + 64).contains(&o) => {
                self.fuses.sec2[((o - f::FUSE_SEC2_UCODE1_VERSION) / 4) as usize]
            }
            o if (f::FUSE_GSP_UCODE1_VERSION..f::FUSE_GSP_UCODE1_VERSION + 64).contains(&o) => {
                self.fuses.gsp[((o - f::FUSE_GSP_UCODE1_VERSION) / 4) as usize]
            }
            o => {
                return match self.falcon(o) {
                    Some((Engine::Gsp, r)) => self.gsp.read(r),
                    Some((Engine::Sec2, r)) => self.sec2.read(r),
                    None => None,
                }
            }
        })
    }

    /// Writes the 32-bit register at `off` (4-byte aligned). WPR2, the
    /// scratch registers the ucodes report in and the fuses are not
    /// writable from the host: writes to them are dropped. A write where
    /// the model has no register is dropped too, and says so
    /// ([`Effect::Unmodelled`]).
    pub fn write32(&mut self, off: u32, v: u32, mem: &GuestMemory) -> Effect {
        if denied_to_cpu(off) {
            return Effect::Denied;
        }
        match off {
            reg::FLUSH_SYSMEM_ADDR => self.flush_sysmem.0 = v,
            reg::FLUSH_SYSMEM_ADDR_HI => self.flush_sysmem.1 = v & 0x00ff_ffff,
            f::GSP_QUEUE_HEAD => return Effect::Doorbell,
            host::DOORBELL => return Effect::ChannelDoorbell(v),
            bus::BAR0_WINDOW => self.window.write(v),
            // Written 1 (PENDING) to start a flush (nouveau `g84_bar_flush`,
            // nvgpu `hw_flush_gk20a.h`).
            bus::FB_FLUSH if v & 1 != 0 => {
                self.fb_flush.trigger();
                return Effect::FbFlush;
            }
            bus::FB_FLUSH => {}
            o if Bar1::owns(o) => return Effect::Defect(bar1::BINDING_IS_GSP_RMS),
            o if (intr::LEAF..=intr::LEAF_TRIGGER).contains(&o) => {
                return match self.tree.write(o, v) {
                    Some(true) => Effect::Interrupt(0),
                    Some(false) => Effect::None,
                    None => Effect::Unmodelled,
                }
            }
            o if Mmu::owns(o) => {
                self.mmu.write(o, v);
            }
            o if reg::SW_SCRATCH_HOST.contains(&o) => {
                if let Some(r) = self.sw_scratch_mut(o) {
                    *r = v;
                }
            }
            o => {
                if let Some((e, r)) = self.falcon(o) {
                    match self.engine(e).write(r, v, mem) {
                        // The GSP's host interrupt goes into the tree; SEC2's
                        // reaches no vector the model has.
                        Some(falcon::Effect::Interrupt) if e == Engine::Gsp => {
                            return if self.tree.signal(self.gsp_vector) {
                                Effect::Interrupt(0)
                            } else {
                                Effect::None
                            };
                        }
                        Some(falcon::Effect::Start) => return Effect::Start(e),
                        Some(falcon::Effect::Reset) => return Effect::Reset(e),
                        Some(_) => {}
                        None if self.lookup(o).is_none() => return Effect::Unmodelled,
                        None => {}
                    }
                } else if self.lookup(o).is_none() {
                    return Effect::Unmodelled;
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

    /// GFW boot runs for a while after power-on and after every reset:
    /// the mask still protects its status, which reads in progress.
    #[test]
    fn gfw_boot_takes_time_after_power_on_and_reset() {
        let mut b = bar0();
        // Long enough for the asserts; then ended by hand.
        let long = std::time::Duration::from_secs(60);
        b.set_gfw_boot_time(long);
        for _ in 0..2 {
            assert_eq!(b.read32(reg::GFW_PRIV_LEVEL_MASK), 0);
            assert_ne!(b.read32(reg::GFW_BOOT), 0xff);
            b.gfw_done_at = Instant::now();
            assert_eq!(b.read32(reg::GFW_PRIV_LEVEL_MASK), 1);
            assert_eq!(b.read32(reg::GFW_BOOT), 0xff);
            b.reset();
        }
    }

    #[test]
    fn identifies_as_ga102() {
        let b = bar0();
        assert_eq!(b.read32(0), 0x1720_00a1);
        assert_eq!(ChipId::from_boot42(b.read32(0xa00)), ChipId::GA102_A1);
        assert_eq!(b.read32(0x1234), PRI_ERROR);
        assert_eq!(b.lookup(0x1234), None);
    }

    #[test]
    fn vram_size_and_prom() {
        let mut b = bar0();
        let r = b.read32(reg::LOCAL_MEMORY_RANGE);
        assert_eq!(u64::from((r >> 4) & 0x3f) << ((r & 0xf) + 20), 256 << 20);
        // Devinit writes the usable size during GFW boot.
        b.set_gfw_boot_time(std::time::Duration::from_secs(60));
        assert_eq!(b.read32(reg::USABLE_FB_SIZE_IN_MB), 0);
        b.gfw_done_at = Instant::now();
        assert_eq!(b.read32(reg::USABLE_FB_SIZE_IN_MB), 256);
        assert_eq!(b.read32(reg::PROM), 0x0201_aa55);
        assert_eq!(b.read32(reg::PROM + 4), 0xffff_ff03);
    }

    /// SWGEN0 reaches MSI-X vector 0 only through the CPU interrupt tree,
    /// with the GSP's vector enabled at leaf and top (nouveau
    /// `r535_gsp_postinit`); a reset clears the tree.
    #[test]
    fn gsp_swgen0_interrupts_vector_0_through_the_tree() {
        let mem = GuestMemory::default();
        let mut b = bar0();
        let (leaf, bit) = intr::leaf_of(GSP_VECTOR);
        let leaf_reg = intr::LEAF + 4 * leaf as u32;
        assert_eq!(b.write32(0x11001c, SWGEN0, &mem), Effect::None);
        assert_eq!(b.write32(0x110010, SWGEN0, &mem), Effect::None);
        // Routed and unmasked, but the tree is not set up: no interrupt.
        assert_eq!(b.write32(0x110000, SWGEN0, &mem), Effect::None);
        assert_eq!(b.read32(0x110008), SWGEN0);
        assert_eq!(b.read32(leaf_reg), bit);
        assert_eq!(b.asserted_vectors().count(), 0);
        assert_eq!(
            b.write32(intr::LEAF_EN_SET + 4 * leaf as u32, bit, &mem),
            Effect::None
        );
        assert_eq!(
            b.write32(intr::TOP_EN_SET, intr::TOP_SUBTREES, &mem),
            Effect::Interrupt(0)
        );
        assert_eq!(b.asserted_vectors().collect::<Vec<_>>(), [0]);
        // The host clears the leaf and SWGEN0; raising it again interrupts.
        b.write32(leaf_reg, bit, &mem);
        b.write32(0x110004, SWGEN0, &mem);
        assert!(b.raise_gsp(SWGEN0));
        // Cleared leaf, cause still latched: only the retrigger signals.
        b.write32(leaf_reg, bit, &mem);
        assert!(!b.raise_gsp(SWGEN0));
        assert_eq!(
            b.write32(0x110000 + f::INTR_RETRIGGER, 1, &mem),
            Effect::Interrupt(0)
        );
        b.reset();
        assert_eq!(b.asserted_vectors().count(), 0);
        assert_eq!(b.read32(0x110008), 0);
        assert_eq!(b.read32(leaf_reg), 0);
        assert_eq!(b.read32(intr::TOP_EN_SET), 0);
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

    #[test]
    fn wpr2_encoding_is_what_nova_reads() {
        let mem = GuestMemory::default();
        let mut b = bar0();
        assert_eq!(b.wpr2(), None);
        b.set_wpr2(Some(0xfe0_0000..0xff0_0000));
        // _VAL (31:4) = address >> 12; HI is the exclusive end.
        assert_eq!(b.read32(reg::WPR2_ADDR_LO), 0x000f_e000);
        assert_eq!(b.read32(reg::WPR2_ADDR_HI), 0x000f_f000);
        assert_eq!(b.wpr2(), Some(0xfe0_0000..0xff0_0000));
        // The host cannot move or remove it: its privilege level mask
        // denies the write, which the device logs.
        assert_eq!(b.write32(reg::WPR2_ADDR_HI, 0, &mem), Effect::Denied);
        assert_eq!(b.write32(reg::WPR2_ADDR_LO, 0, &mem), Effect::Denied);
        assert_eq!(b.wpr2(), Some(0xfe0_0000..0xff0_0000));
        // Nor write what devinit, SEC2-RTOS and the fuses report.
        for r in [
            reg::GFW_BOOT,
            reg::GFW_PRIV_LEVEL_MASK,
            reg::USABLE_FB_SIZE_IN_MB,
            f::BSI_SECURE_SCRATCH_14,
            f::FUSE_SEC2_UCODE1_VERSION + 4 * 15,
            f::FUSE_GSP_UCODE1_VERSION,
        ] {
            let before = b.read32(r);
            assert_eq!(b.write32(r, !before, &mem), Effect::Denied, "{r:#x}");
            assert_eq!(b.read32(r), before, "{r:#x}");
        }
        assert_ne!(
            b.write32(f::FUSE_SEC2_UCODE1_VERSION - 4, 0, &mem),
            Effect::Denied
        );
        b.set_wpr2(None);
        assert_eq!(
            (b.read32(reg::WPR2_ADDR_LO), b.read32(reg::WPR2_ADDR_HI)),
            (0, 0)
        );
        b.set_wpr2(Some(0x1000..0x2000));
        b.reset();
        assert_eq!(b.wpr2(), None);
    }

    #[test]
    fn fuses_and_scratch_registers() {
        let mem = GuestMemory::default();
        let mut fuses = Fuses::default();
        fuses.sec2[2] = 1;
        fuses.gsp[8] = 3;
        let mut b = Bar0::with_fuses(ChipId::GA102_A1, 256 << 20, Vec::new(), fuses);
        assert_eq!(b.read32(0x824148), 1);
        assert_eq!(b.read32(0x8241c0 + 8 * 4), 3);
        assert_eq!(b.read32(0x8241c0), 0);
        *b.sw_scratch_mut(reg::SW_SCRATCH_0E).unwrap() = 0x0002_0000;
        *b.sw_scratch_mut(reg::SW_SCRATCH_15).unwrap() = 0x3;
        assert_eq!(b.sw_scratch_mut(reg::SW_SCRATCH + 0x100), None);
        b.write32(reg::SW_SCRATCH_0E, 0, &mem);
        assert_eq!(b.read32(reg::SW_SCRATCH_0E) >> 16, 2);
        assert_eq!(b.read32(reg::SW_SCRATCH_15) & 0xffff, 3);
        b.reset();
        assert_eq!(b.read32(reg::SW_SCRATCH_0E), 0);
        assert_eq!(b.read32(0x8241c0 + 8 * 4), 3, "fuses survive a reset");
    }
}
