//! The boot chain as the hardware sees it: what each falcon start runs, the
//! checks the real ucode makes, and the mailbox values it leaves.
//!
//! GA102 boot (Linux 7.3 `drivers/gpu/nova-core/gsp/hal/tu102.rs` with
//! `needs_fwsec_bootloader = false`, nouveau `nvkm/subdev/gsp/tu102.c`):
//!
//! 1. FWSEC-FRTS on the GSP falcon ([`fwsec`]) carves WPR2 as the FRTS
//!    region; it refuses if WPR2 exists;
//! 2. the driver resets the GSP falcon and starts it with the LibOS
//!    arguments' address in MAILBOX0/1 (only the boot ROM runs: it halts at
//!    once, keeping the mailboxes);
//! 3. booter_load on SEC2 ([`booter`]) receives the `GspFwWprMeta` address
//!    in its mailboxes, requires WPR2 to be exactly the metadata's FRTS
//!    region, verifies the GSP-RM image, extends WPR2 down to
//!    `gspFwWprStart` and starts GSP-RM on the GSP's RISC-V core, then
//!    halts with MAILBOX0 = 0.
//! 4. GSP-RM's CPU sequencer program ends with `CORE_RESUME` (nova-core
//!    `GspSeqCmd::CoreResume`): GSP-RM saved its state and put SEC2-RTOS
//!    into SEC2; the driver resets the GSP (GSP-RM survives, suspended),
//!    writes the LibOS address to its mailboxes again and starts SEC2,
//!    whose RTOS resumes GSP-RM and sets `BSI_SECURE_SCRATCH_14` bit 26.
//!
//! Unload (nova-core `Gsp::unload` then `Sec2UnloadBundle::run`): GSP-RM
//! suspends on `UNLOADING_GUEST_DRIVER`; FWSEC-SB on the (reset) GSP falcon
//! returns it to its pre-LibOS state; booter_unload on SEC2, with the
//! sentinel 0xff in both mailboxes, requires GSP-RM stopped, removes WPR2
//! and halts with MAILBOX0 = 0. Then the chain can run again; without it,
//! FWSEC-FRTS refuses until the device is reset.
//!
//! Each failure halts the falcon with a non-zero MAILBOX0 ([`code`]) and
//! logs one `error!` line naming the ucode and what was wrong.

mod booter;
pub mod fwsec;
mod libos_args;
#[cfg(test)]
mod tests;
pub mod wpr_rules;

use super::bar0::Fuses;
use super::falcon::Engine;
use super::{lock, SharedHw};
use crate::firmware::Firmware;
use crate::gsp_rm::{GspRm, RmConfig};
use crate::guest_mem::GuestMemory;
use crate::vbios;
use booter::Booter;
use log::{error, info, warn};
use nvgsp_proto::firmware::vbios::appif::FwsecCommand;
use nvgsp_proto::gsp::wpr_meta::GspFwWprMeta;

/// Error codes a failing ucode leaves in MAILBOX0. The real ucode's codes
/// are not published; these are the model's, distinct and non-zero.
pub mod code {
    /// The ucode the driver loaded is not one the chip accepts (boot ROM:
    /// wrong image, signature or boot-ROM parameters).
    pub const BAD_UCODE: u32 = 0xbad0_0001;
    /// The `GspFwWprMeta` is unreadable or inconsistent.
    pub const BAD_WPR_META: u32 = 0xbad0_0002;
    /// The LibOS arguments or the queues they describe are unusable.
    pub const BAD_LIBOS_ARGS: u32 = 0xbad0_0003;
    /// A DMA transfer into the falcon failed.
    pub const DMA_FAULT: u32 = 0xbad0_0004;
    /// The GSP-RM image, bootloader or signature is not the firmware's.
    pub const BAD_IMAGE: u32 = 0xbad0_0005;
    /// FWSEC: the DMEMMAPPER command is not one FWSEC runs.
    pub const BAD_COMMAND: u32 = 0xbad0_0006;
    /// FWSEC-FRTS refused (WPR2 exists, or a wrong FRTS region); the
    /// reason is in `NV_PBUS_SW_SCRATCH(0xe)[31:16]`.
    pub const FRTS_FAILED: u32 = 0xbad0_0007;
    /// booter_load: WPR2 is not the FRTS region FWSEC-FRTS carved.
    pub const BAD_WPR2: u32 = 0xbad0_0008;
    /// booter_unload: GSP-RM still runs on the GSP.
    pub const GSP_RM_RUNNING: u32 = 0xbad0_0009;
    /// booter_unload: mailbox arguments the model does not implement.
    pub const BAD_ARGS: u32 = 0xbad0_000a;
    /// SEC2-RTOS could not resume GSP-RM (sequencer `CORE_RESUME`).
    pub const RESUME_FAILED: u32 = 0xbad0_000b;
    /// A ucode was started on a falcon while GFW boot still ran.
    pub const GFW_RUNNING: u32 = 0xbad0_000c;
}

/// Why a ucode halted with an error; [`Failure::code`] is its MAILBOX0.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// A DMA transfer into the falcon faulted.
    #[error("a DMA transfer into the falcon faulted")]
    DmaFault,
    /// The boot ROM refuses the ucode.
    #[error("the boot ROM rejects the ucode: {0}")]
    BadUcode(String),
    /// FWSEC cannot run the command in its DMEMMAPPER.
    #[error("{0}")]
    BadCommand(String),
    /// FWSEC-FRTS refuses to carve WPR2.
    #[error("{0}")]
    Frts(String),
    /// booter_load: WPR2 is missing or not the FRTS region.
    #[error("{0}")]
    Wpr2(String),
    /// booter_load: bad `GspFwWprMeta`.
    #[error("rejects GspFwWprMeta: {0}")]
    BadWprMeta(String),
    /// booter_load: the GSP-RM images are not the firmware's.
    #[error("rejects the GSP-RM images: {0}")]
    BadImage(String),
    /// booter_load: unusable LibOS arguments or queues.
    #[error("bad LibOS arguments: {0}")]
    BadLibosArgs(String),
    /// booter_unload while GSP-RM runs.
    #[error(
        "GSP-RM still runs on the GSP: suspend it (UNLOADING_GUEST_DRIVER) or reset the GSP \
         falcon first; WPR2 stays"
    )]
    GspRmRunning,
    /// booter_unload: unsupported mailbox arguments.
    #[error("{0}")]
    BadArgs(String),
    /// SEC2-RTOS cannot resume GSP-RM.
    #[error("cannot resume GSP-RM: {0}")]
    Resume(String),
    /// Started before GFW boot completed.
    #[error("started while GFW boot (devinit) still runs: wait for GFW_BOOT first")]
    GfwRunning,
}

impl Failure {
    /// The MAILBOX0 value the falcon halts with.
    pub fn code(&self) -> u32 {
        match self {
            Failure::DmaFault => code::DMA_FAULT,
            Failure::BadUcode(_) => code::BAD_UCODE,
            Failure::BadCommand(_) => code::BAD_COMMAND,
            Failure::Frts(_) => code::FRTS_FAILED,
            Failure::Wpr2(_) => code::BAD_WPR2,
            Failure::BadWprMeta(_) => code::BAD_WPR_META,
            Failure::BadImage(_) => code::BAD_IMAGE,
            Failure::BadLibosArgs(_) => code::BAD_LIBOS_ARGS,
            Failure::GspRmRunning => code::GSP_RM_RUNNING,
            Failure::BadArgs(_) => code::BAD_ARGS,
            Failure::Resume(_) => code::RESUME_FAILED,
            Failure::GfwRunning => code::GFW_RUNNING,
        }
    }
}

/// booter_unload's "no suspend-resume data" mailbox values: nova-core and
/// nouveau pass 0xff in both (a sentinel MAILBOX0 = 0 replaces), OpenRM 0.
const UNLOAD_PLAIN_ARGS: [[u32; 2]; 2] = [[0xff, 0xff], [0, 0]];

/// The boot chain's state and GSP-RM once it runs.
pub struct Boot {
    config: RmConfig,
    firmware: Option<Firmware>,
    fwsec: fwsec::Fwsec,
    rm: Option<GspRm>,
    /// GSP-RM saved its state for SEC2-RTOS and the GSP falcon was reset
    /// since: the state a sequencer `CORE_RESUME` resumes from.
    rm_suspended: bool,
    /// The LibOS arguments' address booter_load started GSP-RM with.
    libos_addr: u64,
    /// FWSEC-SB ran since the last FWSEC-FRTS or booter_load.
    sb_ran: bool,
    /// GSP-RM boots so far.
    boots: u32,
}

impl Boot {
    /// [`Boot::with_vbios`] with the emulated GA102 (RTX 3090) VBIOS.
    #[cfg(test)]
    pub fn new(config: RmConfig, firmware: Option<Firmware>) -> Boot {
        Boot::with_vbios(config, firmware, vbios::Config::GA102)
    }

    /// A boot chain that checks against `firmware` and starts GSP-RM with
    /// `config`, with the VBIOS `vbios` describes (the board's). Without
    /// firmware, booter_load always fails.
    pub fn with_vbios(config: RmConfig, firmware: Option<Firmware>, vbios: vbios::Config) -> Boot {
        Boot {
            config,
            firmware,
            fwsec: fwsec::Fwsec::new(vbios),
            rm: None,
            rm_suspended: false,
            libos_addr: 0,
            sb_ran: false,
            boots: 0,
        }
    }

    /// The VBIOS image in the PROM window.
    pub fn vbios(&self) -> Vec<u8> {
        self.fwsec.rom().to_vec()
    }

    /// The ucode fuses: the GSP's for FWSEC, SEC2's for the booters (each
    /// at its ucode id, the value its own fuse version stands for).
    pub fn fuses(&self) -> Fuses {
        let mut fuses = Fuses {
            gsp: self.fwsec.gsp_fuses(),
            ..Fuses::default()
        };
        let booters = self
            .firmware
            .iter()
            .flat_map(|f| [&f.booter_load, &f.booter_unload]);
        for b in booters {
            if let Some(r) = (b.ucode_id as usize)
                .checked_sub(1)
                .and_then(|i| fuses.sec2.get_mut(i))
            {
                *r = b.fuse_register;
            }
        }
        fuses
    }

    /// Whether FWSEC-SB ran since the last FWSEC-FRTS or booter_load.
    #[cfg(test)]
    pub fn sb_ran(&self) -> bool {
        self.sb_ran
    }

    /// The host GSP-RM sets channels up in.
    pub fn host(&self) -> crate::dev::host::Host {
        self.config.host.clone()
    }

    /// The driver rang GSP-RM's doorbell.
    pub fn doorbell(&self) {
        if let Some(rm) = &self.rm {
            rm.doorbell();
        }
    }

    /// Stops GSP-RM (device reset).
    pub fn stop(&mut self) {
        self.rm = None;
        self.rm_suspended = false;
        self.sb_ran = false;
    }

    /// A falcon was reset: resetting the GSP stops GSP-RM on its core,
    /// unless GSP-RM saved its state for SEC2-RTOS to resume it.
    pub fn reset(&mut self, engine: Engine, hw: &SharedHw) {
        if engine != Engine::Gsp || self.rm.is_none() {
            return;
        }
        let mut h = lock(hw);
        h.bar0.gsp.riscv_active = false;
        if h.bar0.sec2.rtos_loaded {
            info!("GSP: engine reset; GSP-RM's state is saved for SEC2-RTOS to resume");
            self.rm_suspended = true;
            return;
        }
        drop(h);
        info!("GSP: engine reset stops GSP-RM");
        self.rm = None;
        self.rm_suspended = false;
    }

    /// Runs what the falcon `engine` was started with.
    pub fn start(&mut self, engine: Engine, hw: &SharedHw, mem: &GuestMemory) {
        if engine == Engine::Sec2 && lock(hw).bar0.sec2.rtos_loaded {
            // SEC2-RTOS keeps running once it resumed GSP-RM.
            let result = self.sec2_rtos_resume(hw);
            let mut h = lock(hw);
            h.bar0.sec2.rtos_loaded = false;
            if let Err(e) = result {
                error!("SEC2: SEC2-RTOS halts with {:#x}: {e}", e.code());
                h.bar0.sec2.mailbox[0] = e.code();
                h.halt(Engine::Sec2);
            }
            return;
        }
        // What keeps any ucode from running, whichever it is: GFW boot
        // still owning the falcons, the falcon's own state (scrubbing,
        // RISC-V selected, non-secure IMEM), a load whose DMA faulted.
        let refused = {
            let mut h = lock(hw);
            if !h.bar0.gfw_booted() {
                Some(Failure::GfwRunning)
            } else if let Some(why) = h.bar0.engine(engine).start_refusal() {
                Some(Failure::BadUcode(why.into()))
            } else if h.bar0.engine(engine).dma_error {
                Some(Failure::DmaFault)
            } else {
                None
            }
        };
        let (ucode, result) = match (refused, engine) {
            (Some(failure), _) => ("ucode", Err(failure)),
            (None, Engine::Gsp) => self.start_gsp(hw),
            (None, Engine::Sec2) => self.start_sec2(hw, mem),
        };
        let mut h = lock(hw);
        if let Err(e) = result {
            error!("{}: {ucode} halts with {:#x}: {e}", engine.name(), e.code());
            h.bar0.engine(engine).mailbox[0] = e.code();
        }
        h.halt(engine);
    }

    /// SEC2-RTOS, started by the CPU sequencer's `CORE_RESUME` (nova-core
    /// `GspSeqCmd::CoreResume`): resumes the suspended GSP-RM on the reset
    /// GSP falcon, which must hold the LibOS arguments' address in its
    /// mailboxes, and reports boot stage 3 handoff in BSI scratch.
    fn sec2_rtos_resume(&mut self, hw: &SharedHw) -> Result<(), Failure> {
        let mut h = lock(hw);
        if self.rm.is_none() {
            return Err(Failure::Resume("no GSP-RM to resume".into()));
        }
        if !self.rm_suspended {
            return Err(Failure::Resume(
                "the GSP falcon was not reset after GSP-RM suspended".into(),
            ));
        }
        let g = &h.bar0.gsp;
        let addr = u64::from(g.mailbox[1]) << 32 | u64::from(g.mailbox[0]);
        if addr != self.libos_addr {
            return Err(Failure::Resume(format!(
                "the GSP mailboxes hold {addr:#x}, not the LibOS arguments at {:#x}",
                self.libos_addr
            )));
        }
        if crate::gsp_rm::faults::Fault::fires(
            &self.config.faults,
            crate::gsp_rm::faults::FaultKind::ResumeFail,
        ) {
            return Err(Failure::Resume("fault injection".into()));
        }
        self.rm_suspended = false;
        h.bar0.gsp.riscv_active = true;
        h.bar0.gsp.select_riscv();
        h.bar0.set_boot_stage_3_handoff(true);
        h.bar0.sec2.mailbox[0] = 0;
        info!("SEC2: SEC2-RTOS resumed GSP-RM (boot stage 3 handoff)");
        Ok(())
    }

    fn start_gsp(&mut self, hw: &SharedHw) -> (&'static str, Result<(), Failure>) {
        let mut h = lock(hw);
        if h.bar0.gsp.imem_used == 0 {
            // Only the boot ROM: nothing to run, the mailboxes stay.
            info!("GSP: falcon started without ucode (LibOS arguments handed over)");
            return ("boot ROM", Ok(()));
        }
        let frts_fault = h.bar0.wpr2().is_none()
            && crate::gsp_rm::faults::Fault::fires(
                &self.config.faults,
                crate::gsp_rm::faults::FaultKind::FwsecFrts,
            );
        if frts_fault {
            // As FWSEC reports an FRTS failure: an error code in
            // SW_SCRATCH(0xe), no WPR2, a clean halt.
            error!("GSP: fault injection: FWSEC-FRTS fails with error 0x42");
            fwsec::set_frts_err(&mut h.bar0, 0x42);
            h.bar0.gsp.mailbox[0] = 0;
            return ("FWSEC-FRTS", Ok(()));
        }
        let (ucode, result) = self.fwsec.run(&mut h.bar0, self.config.vram);
        if let Ok(cmd) = &result {
            // FRTS starts a boot; SB ends one.
            self.sb_ran = *cmd == FwsecCommand::Sb;
            h.bar0.gsp.mailbox[0] = 0;
        }
        (ucode, result.map(|_| ()))
    }

    fn start_sec2(
        &mut self,
        hw: &SharedHw,
        mem: &GuestMemory,
    ) -> (&'static str, Result<(), Failure>) {
        let Some(fw) = &self.firmware else {
            return (
                "booter",
                Err(Failure::BadUcode(
                    "no firmware to verify booters against (--firmware)".into(),
                )),
            );
        };
        let which = {
            let h = lock(hw);
            let s = &h.bar0.sec2;
            match booter::identify(s, fw, |i| self.fwsec.is_fwsec(i)) {
                Err(_) if s.dma_error => return ("booter", Err(Failure::DmaFault)),
                Err(e) => return ("booter", Err(e)),
                Ok((which, image)) => match booter::check_brom(s, image) {
                    Ok(()) => which,
                    Err(e) => return (which.name(), Err(e)),
                },
            }
        };
        match which {
            Booter::Load => ("booter_load", self.booter_load(hw, mem)),
            Booter::Unload => ("booter_unload", self.booter_unload(hw)),
        }
    }

    fn booter_load(&mut self, hw: &SharedHw, mem: &GuestMemory) -> Result<(), Failure> {
        let fw = self
            .firmware
            .as_ref()
            .ok_or_else(|| Failure::BadUcode("no firmware".into()))?;
        let (meta_addr, libos_addr, wpr2) = {
            let h = lock(hw);
            let (s, g) = (&h.bar0.sec2, &h.bar0.gsp);
            (
                u64::from(s.mailbox[1]) << 32 | u64::from(s.mailbox[0]),
                u64::from(g.mailbox[1]) << 32 | u64::from(g.mailbox[0]),
                h.bar0.wpr2(),
            )
        };
        let Some(wpr2) = wpr2 else {
            return Err(Failure::Wpr2(
                "WPR2 is not set up: FWSEC-FRTS must run before booter_load".into(),
            ));
        };
        info!("SEC2: booter_load running with GspFwWprMeta at {meta_addr:#x}");
        let meta: GspFwWprMeta = booter::read_obj(mem, meta_addr).map_err(Failure::BadWprMeta)?;
        let sriov = self.config.sriov.is_some();
        booter::check_wpr_meta(&meta, self.config.vram, fw, sriov).map_err(Failure::BadWprMeta)?;
        // WPR2 is FWSEC-FRTS's region, at the top of the one booter_load
        // sets up (`frtsOffset`/`frtsSize`; nova-core `run_fwsec_frts`
        // checks WPR2 starts at the FRTS region).
        let frts = meta.frts_offset..meta.frts_offset.wrapping_add(meta.frts_size);
        if wpr2 != frts {
            return Err(Failure::Wpr2(format!(
                "WPR2 is {:#x}..{:#x}, not the FRTS region {:#x}..{:#x} of GspFwWprMeta \
                 (booter_load already ran, or FRTS carved another region)",
                wpr2.start, wpr2.end, frts.start, frts.end
            )));
        }
        booter::check_images(mem, &meta, fw).map_err(Failure::BadImage)?;
        if crate::gsp_rm::faults::Fault::fires(
            &self.config.faults,
            crate::gsp_rm::faults::FaultKind::BooterLoad,
        ) {
            return Err(Failure::BadImage(
                "fault injection: verification fails".into(),
            ));
        }
        info!(
            "SEC2: GSP-RM image ({} KiB through radix3), bootloader and signature verified",
            fw.gsp_image.len() >> 10
        );
        let args = libos_args::queue_args(mem, libos_addr)
            .map_err(|e| Failure::BadLibosArgs(format!("at {libos_addr:#x}: {e}")))?;
        libos_args::check(mem, libos_addr)
            .map_err(|e| Failure::BadLibosArgs(format!("at {libos_addr:#x}: {e}")))?;
        self.rm = None;
        if crate::gsp_rm::faults::Fault::fires(
            &self.config.faults,
            crate::gsp_rm::faults::FaultKind::NoRiscvStart,
        ) {
            error!("GSP: fault injection: the RISC-V core does not start");
            let wpr2 = meta.layout().wpr2;
            let mut h = lock(hw);
            h.bar0.set_wpr2(Some(wpr2.start..wpr2.end));
            h.bar0.sec2.mailbox[0] = 0;
            return Ok(());
        }
        self.boots += 1;
        // GSP-RM runs with the heap and VF partitions booter_load set up.
        let config = RmConfig {
            boot: self.boots,
            wpr_heap: Some(meta.gsp_fw_heap_size),
            vf_partitions: meta.gsp_fw_heap_vf_partition_count,
            ..self.config.clone()
        };
        // The registers say GSP-RM runs before its thread can look at them
        // (it may halt at once, e.g. at its first sysmembar).
        let mut h = lock(hw);
        let rm = GspRm::start(mem.clone(), hw.clone(), args, config)
            .map_err(|e| Failure::BadLibosArgs(format!("GSP-RM cannot start: {e}")))?;
        self.rm = Some(rm);
        self.rm_suspended = false;
        self.libos_addr = libos_addr;
        self.sb_ran = false;
        let wpr2 = meta.layout().wpr2;
        h.bar0.set_boot_stage_3_handoff(false);
        h.bar0.set_wpr2(Some(wpr2.start..wpr2.end));
        h.bar0.gsp.riscv_active = true;
        h.bar0.gsp.select_riscv();
        h.bar0.sec2.mailbox[0] = 0;
        info!(
            "SEC2: WPR2 now {:#x}..{:#x}; GSP: RISC-V core running GSP-RM",
            wpr2.start, wpr2.end
        );
        Ok(())
    }

    fn booter_unload(&mut self, hw: &SharedHw) -> Result<(), Failure> {
        let mut h = lock(hw);
        let args = h.bar0.sec2.mailbox;
        if !UNLOAD_PLAIN_ARGS.contains(&args) {
            return Err(Failure::BadArgs(format!(
                "mailboxes {:#x}/{:#x} would be suspend-resume data, which the model does not \
                 implement (pass 0xff/0xff)",
                args[0], args[1]
            )));
        }
        if h.bar0.gsp.riscv_active {
            return Err(Failure::GspRmRunning);
        }
        match h.bar0.wpr2() {
            Some(r) => {
                h.bar0.set_wpr2(None);
                info!(
                    "SEC2: booter_unload removed WPR2 {:#x}..{:#x}",
                    r.start, r.end
                );
            }
            None => info!("SEC2: booter_unload: no WPR2 to remove"),
        }
        if !self.sb_ran {
            warn!("SEC2: booter_unload ran without FWSEC-SB after GSP-RM");
        }
        h.bar0.sec2.mailbox[0] = 0;
        drop(h);
        // GSP-RM stopped; its thread ends (outside the lock it may take).
        self.rm = None;
        self.rm_suspended = false;
        self.sb_ran = false;
        Ok(())
    }
}
