//! A falcon engine (GSP or SEC2) as the boot chain drives it: engine reset,
//! DMA transfers into IMEM/DMEM, mailboxes, the boot-ROM signature
//! registers, CPU start and halt, and the RISC-V core status.
//!
//! The model does not execute falcon code. A start hands the loaded
//! memories to the device (see `dev::boot`), which recognizes the ucode the
//! driver loaded, checks what the real one would check, applies its effect
//! and halts the falcon with the mailbox values the real ucode leaves.
//! Offsets and bits are in `nvgsp_proto::falcon`.

pub mod irq;

use crate::guest_mem::GuestMemory;
use irq::FalconIrq;
use log::warn;
use nvgsp_proto::falcon as f;
use std::time::{Duration, Instant};

/// Which falcon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The GSP falcon (FWSEC runs here, then GSP-RM on its RISC-V core).
    Gsp,
    /// The SEC2 falcon (booter_load and booter_unload run here).
    Sec2,
}

impl Engine {
    /// BAR0 base of the engine's first register block.
    pub fn base(self) -> u32 {
        match self {
            Engine::Gsp => f::GSP_BASE,
            Engine::Sec2 => f::SEC2_BASE,
        }
    }

    /// Name for log lines.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Gsp => "GSP",
            Engine::Sec2 => "SEC2",
        }
    }
}

/// The span of BAR0 a falcon decodes: its two register blocks.
pub const SPAN: u32 = 0x2000;
/// Offset of the second block (`PFalcon2Base`) within [`SPAN`].
const BLOCK2: u32 = 0x1000;

/// What a register write asks of the device.
#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing further.
    None,
    /// The falcon's host interrupt line rose.
    Interrupt,
    /// The CPU was started: run what is loaded.
    Start,
    /// The engine was put into reset: whatever ran on it stops.
    Reset,
}

/// The boot-ROM parameters of a heavy-secure ucode (`NV_PFALCON2_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Brom {
    /// `MOD_SEL`: signature algorithm.
    pub mod_sel: u32,
    /// `BROM_CURR_UCODE_ID`.
    pub ucode_id: u32,
    /// `BROM_ENGIDMASK`.
    pub engid_mask: u32,
    /// `BROM_PARAADDR(0)`: DMEM offset of the signature.
    pub para_addr: u32,
}

/// How long a falcon scrubs its IMEM and DMEM after its engine reset is
/// released; HWCFG2 reports MEM_SCRUBBING meanwhile (nova-core
/// `reset_wait_mem_scrubbing`: "should complete in less than 20ms").
pub const SCRUB_TIME: Duration = Duration::from_millis(2);
/// How long a write to `RISCV_BCR_CTRL` takes to take effect: `VALID` reads
/// 0 meanwhile (nova-core `select_core` polls for it).
pub const BCR_SETTLE: Duration = Duration::from_micros(50);
/// `RISCV_BCR_CTRL`: the core selected to boot is the RISC-V one (bit 4,
/// nova-core `NV_PRISCV_RISCV_BCR_CTRL.core_select`), and `VALID` (bit 0).
const BCR_CORE_SELECT_RISCV: u32 = 1 << 4;
const BCR_VALID: u32 = 1;
/// The DMA configuration a transfer depends on (nova-core `regs.rs`):
/// `FBIF_CTL.ALLOW_PHYS_NO_CTX` (bit 7) lets physical accesses through
/// without a context bound; `DMACTL.REQUIRE_CTX` (bit 0) demands one;
/// `FBIF_TRANSCFG(i)` gives context i's target (bits 1:0: 0 local FB, 1
/// coherent and 2 non-coherent system memory) and addressing (bit 2:
/// physical); `DMATRFCMD` names the context (bits 14:12) and whether an
/// IMEM transfer is secure (`SEC`, bits 3:2). Requiring every IMEM
/// transfer to be secure is stricter than the chip, which also takes a
/// non-secure IMEM part next to the secure one; every GA102 DMA load
/// (nova-core, nouveau `ga102_flcn_fw_load`) is all secure.
const FBIF_CTL_ALLOW_PHYS_NO_CTX: u32 = 1 << 7;
const DMACTL_REQUIRE_CTX: u32 = 1;
const TRANSCFG_PHYSICAL: u32 = 1 << 2;
const TRANSCFG_TARGET: u32 = 3;

/// State of one falcon.
pub struct Falcon {
    engine: Engine,
    /// The interrupt block.
    pub irq: FalconIrq,
    /// MAILBOX0 and MAILBOX1.
    pub mailbox: [u32; 2],
    /// The OS (application version) register.
    pub os: u32,
    rm: u32,
    in_reset: bool,
    halted: bool,
    alias_en: bool,
    /// BOOTVEC: where the CPU starts in IMEM.
    pub bootvec: u32,
    dmactl: u32,
    dma_base: u32,
    dma_base1: u32,
    dma_moffs: u32,
    dma_fboffs: u32,
    /// Set when a DMA transfer failed; the ucode would fault on start.
    pub dma_error: bool,
    fbif_transcfg: [u32; 8],
    fbif_ctl: u32,
    /// Instruction memory.
    pub imem: Vec<u8>,
    /// Data memory.
    pub dmem: Vec<u8>,
    /// The highest byte of IMEM and DMEM written since reset.
    pub imem_used: usize,
    /// Every IMEM transfer since reset was a secure one (`SEC` = 1).
    imem_secure: bool,
    /// See `imem_used`.
    pub dmem_used: usize,
    /// Boot-ROM signature parameters.
    pub brom: Brom,
    /// `RISCV_CPUCTL`: whether the RISC-V core runs (GSP-RM).
    pub riscv_active: bool,
    bcr_ctrl: u32,
    /// When the last `RISCV_BCR_CTRL` write takes effect, and how long one
    /// takes ([`BCR_SETTLE`]).
    bcr_valid_at: Instant,
    bcr_settle: Duration,
    /// Until when the memories are being scrubbed, and how long a scrub
    /// takes ([`SCRUB_TIME`]).
    scrub_until: Instant,
    scrub_time: Duration,
    /// SEC2 only: GSP-RM put SEC2-RTOS into this falcon for a CPU
    /// sequencer `CORE_RESUME`; starting the CPU runs it. A reset discards it.
    pub rtos_loaded: bool,
}

impl Falcon {
    /// A falcon out of reset, halted, with empty memories.
    pub fn new(engine: Engine) -> Falcon {
        Falcon {
            engine,
            irq: FalconIrq::default(),
            mailbox: [0; 2],
            os: 0,
            rm: 0,
            in_reset: false,
            halted: true,
            alias_en: false,
            bootvec: 0,
            dmactl: 0,
            dma_base: 0,
            dma_base1: 0,
            dma_moffs: 0,
            dma_fboffs: 0,
            dma_error: false,
            fbif_transcfg: [0; 8],
            fbif_ctl: 0,
            imem: vec![0; f::IMEM_SIZE],
            dmem: vec![0; f::DMEM_SIZE],
            imem_used: 0,
            imem_secure: true,
            dmem_used: 0,
            brom: Brom::default(),
            riscv_active: false,
            bcr_ctrl: 0,
            bcr_valid_at: Instant::now(),
            bcr_settle: BCR_SETTLE,
            scrub_until: Instant::now(),
            scrub_time: SCRUB_TIME,
            rtos_loaded: false,
        }
    }

    /// The boot core becomes the RISC-V one, as when booter_load or
    /// SEC2-RTOS starts GSP-RM on it: the selection stays through engine
    /// resets, so the driver must select the falcon core again before it
    /// runs a falcon ucode there (nova-core `Falcon::reset` `select_core`).
    pub fn select_riscv(&mut self) {
        self.bcr_ctrl = BCR_CORE_SELECT_RISCV;
        self.bcr_valid_at = Instant::now();
    }

    /// Whether IMEM and DMEM are still being scrubbed after a reset.
    pub fn scrubbing(&self) -> bool {
        Instant::now() < self.scrub_until
    }

    /// Why a CPUCTL start cannot run the falcon ucode loaded, if it cannot:
    /// the memories are still being scrubbed (what was loaded is wiped),
    /// or the RISC-V core is the one selected to boot.
    pub fn start_refusal(&self) -> Option<&'static str> {
        if self.scrubbing() {
            Some("started while IMEM/DMEM scrubbing still runs (HWCFG2.MEM_SCRUBBING)")
        } else if self.imem_used > 0 && !self.imem_secure {
            // The boot ROM verifies a heavy-secure ucode only from secure
            // IMEM (nova-core `FalconMem::ImemSecure`: DMATRFCMD.SEC = 1).
            Some("IMEM was loaded without DMATRFCMD.SEC: not a secure ucode")
        } else if self.bcr_ctrl & BCR_CORE_SELECT_RISCV != 0 {
            Some("started with the RISC-V core selected (RISCV_BCR_CTRL.CORE_SELECT)")
        } else {
            None
        }
    }

    /// The engine reset: memories scrubbed, CPU halted, registers cleared.
    /// The interrupt block survives (it belongs to the host interface), and
    /// so does the boot core selection (nova-core's reset reads it after
    /// the engine reset and switches back to the falcon core if needed).
    fn reset(&mut self) {
        let irq = std::mem::take(&mut self.irq);
        let (scrub_time, bcr_settle, bcr_ctrl) = (self.scrub_time, self.bcr_settle, self.bcr_ctrl);
        *self = Falcon::new(self.engine);
        self.irq = irq;
        (self.scrub_time, self.bcr_settle, self.bcr_ctrl) = (scrub_time, bcr_settle, bcr_ctrl);
    }

    /// Called by the device when the started ucode finished.
    pub fn halt(&mut self) {
        self.halted = true;
    }

    /// Reads the register at `off` within [`SPAN`], if the model has it.
    pub fn read(&self, off: u32) -> Option<u32> {
        if let Some(v) = self.irq.read(off) {
            return Some(v);
        }
        Some(match off {
            f::MAILBOX0 => self.mailbox[0],
            f::MAILBOX1 => self.mailbox[1],
            f::OS => self.os,
            f::RM => self.rm,
            // RESET_READY only while nothing runs; MEM_SCRUBBING while the
            // memories are being scrubbed after a reset.
            f::HWCFG2 => {
                f::HWCFG2_RISCV
                    | if self.halted && !self.riscv_active {
                        f::HWCFG2_RESET_READY
                    } else {
                        0
                    }
                    | if self.scrubbing() {
                        f::HWCFG2_MEM_SCRUBBING
                    } else {
                        0
                    }
            }
            f::CPUCTL => {
                (if self.halted { f::CPUCTL_HALTED } else { 0 })
                    | (if self.alias_en { f::CPUCTL_ALIAS_EN } else { 0 })
            }
            f::BOOTVEC => self.bootvec,
            f::DMACTL => self.dmactl,
            f::DMATRFBASE => self.dma_base,
            f::DMATRFMOFFS => self.dma_moffs,
            // Transfers complete synchronously: always idle.
            f::DMATRFCMD => f::DMATRFCMD_IDLE,
            f::DMATRFFBOFFS => self.dma_fboffs,
            f::DMATRFBASE1 => self.dma_base1,
            f::CPUCTL_ALIAS => 0,
            f::ENGINE => u32::from(self.in_reset),
            o if (f::FBIF_TRANSCFG..f::FBIF_TRANSCFG + 32).contains(&o) => {
                self.fbif_transcfg[((o - f::FBIF_TRANSCFG) / 4) as usize]
            }
            f::FBIF_CTL => self.fbif_ctl,
            o if o >= BLOCK2 => match o - BLOCK2 {
                f::MOD_SEL => self.brom.mod_sel,
                f::BROM_CURR_UCODE_ID => self.brom.ucode_id,
                f::BROM_ENGIDMASK => self.brom.engid_mask,
                f::BROM_PARAADDR => self.brom.para_addr,
                f::RISCV_CPUCTL => {
                    if self.riscv_active {
                        f::RISCV_CPUCTL_ACTIVE
                    } else {
                        f::RISCV_CPUCTL_HALTED
                    }
                }
                // A new selection is valid once it took effect.
                f::RISCV_BCR_CTRL if Instant::now() >= self.bcr_valid_at => {
                    self.bcr_ctrl | BCR_VALID
                }
                f::RISCV_BCR_CTRL => self.bcr_ctrl & !BCR_VALID,
                _ => return None,
            },
            _ => return None,
        })
    }

    /// Writes the register at `off` within [`SPAN`]; DMA transfers read
    /// `mem`. Returns `None` if the model does not have the register.
    pub fn write(&mut self, off: u32, v: u32, mem: &GuestMemory) -> Option<Effect> {
        if let Some(raised) = self.irq.write(off, v) {
            return Some(if raised {
                Effect::Interrupt
            } else {
                Effect::None
            });
        }
        match off {
            f::ENGINE => {
                let hold = v & 1 != 0;
                let entering = hold && !self.in_reset;
                if entering {
                    self.reset();
                }
                if self.in_reset && !hold {
                    // Out of reset, the memories are scrubbed first.
                    self.scrub_until = Instant::now() + self.scrub_time;
                }
                self.in_reset = hold;
                if entering {
                    return Some(Effect::Reset);
                }
            }
            _ if self.in_reset => {
                warn!(
                    "{}: write {off:#x} while the engine is in reset ignored",
                    self.engine.name()
                );
            }
            f::MAILBOX0 => self.mailbox[0] = v,
            f::MAILBOX1 => self.mailbox[1] = v,
            f::OS => self.os = v,
            f::RM => self.rm = v,
            f::CPUCTL => {
                self.alias_en = v & f::CPUCTL_ALIAS_EN != 0;
                if v & f::CPUCTL_STARTCPU != 0 && !self.alias_en {
                    return Some(self.start());
                }
            }
            f::CPUCTL_ALIAS => {
                if v & f::CPUCTL_STARTCPU != 0 && self.alias_en {
                    return Some(self.start());
                }
            }
            f::BOOTVEC => self.bootvec = v,
            f::DMACTL => self.dmactl = v,
            f::DMATRFBASE => self.dma_base = v,
            f::DMATRFMOFFS => self.dma_moffs = v & 0x00ff_ffff,
            f::DMATRFFBOFFS => self.dma_fboffs = v,
            f::DMATRFBASE1 => self.dma_base1 = v & 0x1ff,
            f::DMATRFCMD => self.dma(v, mem),
            o if (f::FBIF_TRANSCFG..f::FBIF_TRANSCFG + 32).contains(&o) => {
                self.fbif_transcfg[((o - f::FBIF_TRANSCFG) / 4) as usize] = v;
            }
            f::FBIF_CTL => self.fbif_ctl = v,
            o if o >= BLOCK2 => match o - BLOCK2 {
                f::MOD_SEL => self.brom.mod_sel = v,
                f::BROM_CURR_UCODE_ID => self.brom.ucode_id = v,
                f::BROM_ENGIDMASK => self.brom.engid_mask = v,
                f::BROM_PARAADDR => self.brom.para_addr = v,
                f::RISCV_BCR_CTRL => {
                    self.bcr_ctrl = v & !BCR_VALID;
                    self.bcr_valid_at = Instant::now() + self.bcr_settle;
                }
                _ => return None,
            },
            _ => return None,
        }
        Some(Effect::None)
    }

    fn start(&mut self) -> Effect {
        if !self.halted {
            warn!("{}: start while running ignored", self.engine.name());
            return Effect::None;
        }
        self.halted = false;
        Effect::Start
    }

    /// One DMATRFCMD transfer from system memory into IMEM or DMEM.
    fn dma(&mut self, cmd: u32, mem: &GuestMemory) {
        if self.scrubbing() {
            warn!(
                "{}: DMA into the falcon while its memories are being scrubbed: the scrubber wipes it",
                self.engine.name()
            );
            self.dma_error = true;
            return;
        }
        if cmd & (1 << 5) != 0 {
            warn!(
                "{}: DMA from falcon memory to system memory is not modelled",
                self.engine.name()
            );
            self.dma_error = true;
            return;
        }
        if let Err(why) = self.dma_allowed(cmd) {
            warn!("{}: DMA refused: {why}", self.engine.name());
            self.dma_error = true;
            return;
        }
        let len = 4usize << ((cmd >> f::DMATRFCMD_SIZE_SHIFT) & 7);
        let src = ((u64::from(self.dma_base1) << 32 | u64::from(self.dma_base)) << 8)
            + u64::from(self.dma_fboffs);
        let to_imem = cmd & f::DMATRFCMD_IMEM != 0;
        let dst = self.dma_moffs as usize;
        let (memory, used) = if to_imem {
            (&mut self.imem, &mut self.imem_used)
        } else {
            (&mut self.dmem, &mut self.dmem_used)
        };
        let Some(target) = memory.get_mut(dst..dst + len) else {
            warn!(
                "{}: DMA to {} offset {dst:#x}+{len:#x} is outside the memory",
                self.engine.name(),
                if to_imem { "IMEM" } else { "DMEM" }
            );
            self.dma_error = true;
            return;
        };
        if let Err(e) = mem.read(src, target) {
            warn!("{}: {e}", self.engine.name());
            self.dma_error = true;
            return;
        }
        *used = (*used).max(dst + len);
        if to_imem && (cmd >> 2) & 3 != 1 {
            self.imem_secure = false;
        }
    }

    /// Whether the FBIF lets transfer `cmd` through to system memory, as
    /// the driver configured it (nova-core `Falcon::dma_reset` and
    /// `dma_load`: ALLOW_PHYS_NO_CTX, DMACTL 0, TRANSCFG(0) physical
    /// coherent system memory). No MMU context is ever bound here, so only
    /// a physical access allowed without one can reach memory.
    fn dma_allowed(&self, cmd: u32) -> Result<(), &'static str> {
        let ctx = ((cmd >> 12) & 7) as usize;
        let transcfg = self.fbif_transcfg[ctx];
        if self.dmactl & DMACTL_REQUIRE_CTX != 0 {
            return Err("DMACTL.REQUIRE_CTX is set and no context is bound");
        }
        if transcfg & TRANSCFG_PHYSICAL == 0 {
            return Err("FBIF_TRANSCFG says virtual addressing, and no context is bound");
        }
        if self.fbif_ctl & FBIF_CTL_ALLOW_PHYS_NO_CTX == 0 {
            return Err("a physical access without a context needs FBIF_CTL.ALLOW_PHYS_NO_CTX");
        }
        match transcfg & TRANSCFG_TARGET {
            1 | 2 => Ok(()),
            0 => Err("FBIF_TRANSCFG targets local video memory, not the ucode in system memory"),
            _ => Err("FBIF_TRANSCFG's target is reserved"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What nova-core's `dma_reset` and `dma_load` program.
    fn configure_dma(fal: &mut Falcon, mem: &GuestMemory) {
        fal.write(f::FBIF_CTL, FBIF_CTL_ALLOW_PHYS_NO_CTX, mem);
        fal.write(f::DMACTL, 0, mem);
        fal.write(f::FBIF_TRANSCFG, TRANSCFG_PHYSICAL | 1, mem);
    }

    /// A transfer reaches system memory only through a physical, context
    /// 0 set up as the driver must: each step left out refuses it.
    #[test]
    fn dma_needs_the_fbif_configured() {
        let gm = GuestMemory::default();
        gm.map(0x10_0000, 0x1000, crate::guest_mem::backing_file(0x1000), 0)
            .unwrap();
        let cmd = f::DMATRFCMD_IMEM | 1 << 2 | 6 << f::DMATRFCMD_SIZE_SHIFT;
        let breaks: [(u32, u32); 5] = [
            (f::FBIF_CTL, 0),
            (f::DMACTL, DMACTL_REQUIRE_CTX),
            (f::FBIF_TRANSCFG, 1),
            (f::FBIF_TRANSCFG, TRANSCFG_PHYSICAL),
            (f::FBIF_TRANSCFG, TRANSCFG_PHYSICAL | 3),
        ];
        for (reg, value) in breaks {
            let mut fal = Falcon::new(Engine::Gsp);
            configure_dma(&mut fal, &gm);
            fal.write(reg, value, &gm);
            fal.write(f::DMATRFBASE, 0x10_0000 >> 8, &gm);
            fal.write(f::DMATRFCMD, cmd, &gm);
            assert!(
                fal.dma_error,
                "a DMA went through with {reg:#x} = {value:#x}"
            );
        }
        let mut fal = Falcon::new(Engine::Gsp);
        configure_dma(&mut fal, &gm);
        fal.write(f::DMATRFBASE, 0x10_0000 >> 8, &gm);
        fal.write(f::DMATRFCMD, cmd, &gm);
        assert!(!fal.dma_error);
        assert_eq!(fal.start_refusal(), None);
        // An IMEM transfer that is not secure: the boot ROM refuses it.
        fal.write(
            f::DMATRFCMD,
            f::DMATRFCMD_IMEM | 6 << f::DMATRFCMD_SIZE_SHIFT,
            &gm,
        );
        assert!(fal.start_refusal().unwrap().contains("SEC"));
    }

    #[test]
    fn reset_clears_memories_and_registers_but_not_interrupts() {
        let mem = GuestMemory::default();
        let mut fal = Falcon::new(Engine::Sec2);
        fal.write(f::IRQMSET, f::IRQ_SWGEN0, &mem);
        fal.write(f::MAILBOX0, 5, &mem);
        fal.imem[0] = 1;
        assert_eq!(fal.write(f::ENGINE, 1, &mem), Some(Effect::Reset));
        assert_eq!(fal.read(f::ENGINE), Some(1));
        fal.write(f::MAILBOX0, 7, &mem);
        fal.write(f::ENGINE, 0, &mem);
        assert_eq!((fal.read(f::MAILBOX0), fal.imem[0]), (Some(0), 0));
        assert_eq!(fal.read(f::IRQMASK), Some(f::IRQ_SWGEN0));
        assert_eq!(fal.read(f::CPUCTL), Some(f::CPUCTL_HALTED));
    }

    /// Out of reset the memories are scrubbed for a while: HWCFG2 says so,
    /// a DMA meanwhile is wiped (flagged), a start cannot run the ucode.
    #[test]
    fn scrubbing_follows_the_reset() {
        let mem = GuestMemory::default();
        mem.map(0x10_0000, 0x1000, crate::guest_mem::backing_file(0x1000), 0)
            .unwrap();
        let mut fal = Falcon::new(Engine::Gsp);
        // Long enough that the asserts below run within it on any machine.
        fal.scrub_time = Duration::from_secs(60);
        let scrubbing = |fal: &Falcon| fal.read(f::HWCFG2).unwrap() & f::HWCFG2_MEM_SCRUBBING != 0;
        assert!(!scrubbing(&fal));
        fal.write(f::ENGINE, 1, &mem);
        fal.write(f::ENGINE, 0, &mem);
        assert!(scrubbing(&fal));
        assert!(fal.start_refusal().unwrap().contains("scrubbing"));
        // A transfer that would go through once the scrub is over.
        configure_dma(&mut fal, &mem);
        fal.write(f::DMATRFBASE, 0x10_0000 >> 8, &mem);
        fal.write(f::DMATRFCMD, f::DMATRFCMD_IMEM | 1 << 2, &mem);
        assert!(fal.dma_error, "a DMA during scrubbing was kept");
        fal.scrub_until = Instant::now();
        assert!(!scrubbing(&fal));
        fal.dma_error = false;
        fal.write(f::DMATRFCMD, f::DMATRFCMD_IMEM | 1 << 2, &mem);
        assert!(!fal.dma_error);
        assert_eq!(fal.start_refusal(), None);
    }

    /// A core selection takes effect after a while (VALID reads 0 until
    /// then); with the RISC-V core selected a falcon ucode cannot start.
    #[test]
    fn core_select_settles_and_decides_what_starts() {
        let mem = GuestMemory::default();
        let mut fal = Falcon::new(Engine::Gsp);
        let bcr = BLOCK2 + f::RISCV_BCR_CTRL;
        fal.bcr_settle = Duration::from_secs(60);
        fal.write(bcr, BCR_CORE_SELECT_RISCV, &mem);
        assert_eq!(fal.read(bcr), Some(BCR_CORE_SELECT_RISCV));
        fal.bcr_valid_at = Instant::now();
        assert_eq!(fal.read(bcr), Some(BCR_CORE_SELECT_RISCV | BCR_VALID));
        assert!(fal
            .start_refusal()
            .unwrap()
            .contains("RISC-V core selected"));
        fal.write(bcr, 0, &mem);
        assert_eq!(fal.start_refusal(), None);
    }

    /// RESET_READY is not reported while the RISC-V core runs.
    #[test]
    fn reset_ready_only_when_idle() {
        let mut fal = Falcon::new(Engine::Gsp);
        let ready = |fal: &Falcon| fal.read(f::HWCFG2).unwrap() & f::HWCFG2_RESET_READY != 0;
        assert!(ready(&fal));
        fal.riscv_active = true;
        assert!(!ready(&fal));
    }

    #[test]
    fn start_through_the_alias_when_enabled() {
        let mem = GuestMemory::default();
        let mut fal = Falcon::new(Engine::Gsp);
        assert_eq!(
            fal.write(f::CPUCTL, f::CPUCTL_ALIAS_EN, &mem),
            Some(Effect::None)
        );
        assert_eq!(
            fal.write(f::CPUCTL_ALIAS, f::CPUCTL_STARTCPU, &mem),
            Some(Effect::Start)
        );
        assert_eq!(fal.read(f::CPUCTL).map(|v| v & f::CPUCTL_HALTED), Some(0));
        fal.halt();
        assert_eq!(
            fal.write(f::CPUCTL, f::CPUCTL_STARTCPU, &mem),
            Some(Effect::Start)
        );
    }

    #[test]
    fn dma_outside_guest_memory_is_flagged() {
        let mem = GuestMemory::default();
        let mut fal = Falcon::new(Engine::Sec2);
        configure_dma(&mut fal, &mem);
        fal.write(f::DMATRFBASE, 0x1000, &mem);
        fal.write(
            f::DMATRFCMD,
            f::DMATRFCMD_IMEM | 6 << f::DMATRFCMD_SIZE_SHIFT,
            &mem,
        );
        assert!(fal.dma_error);
        assert_eq!(fal.imem_used, 0);
    }
}
