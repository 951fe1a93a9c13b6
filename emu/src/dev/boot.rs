//! The boot chain as the hardware sees it: what each falcon start runs, the
//! checks the real ucode makes, and the mailbox values it leaves.
//!
//! GA102 sequence (Linux 7.3 `drivers/gpu/nova-core/gsp/hal/tu102.rs`,
//! nouveau `nvkm/subdev/gsp/rm/r535/gsp.c`): FWSEC-FRTS on the GSP falcon
//! carves WPR2; the driver resets the GSP falcon and starts it with the
//! LibOS arguments' address in MAILBOX0/1 (only the boot ROM runs: it
//! halts at once, keeping the mailboxes); booter_load on SEC2 receives the
//! `GspFwWprMeta` address in its mailboxes, verifies the GSP-RM image and
//! starts GSP-RM on the GSP's RISC-V core, then halts with MAILBOX0 = 0.
//!
//! Not modelled yet: FWSEC (the VBIOS in the PROM window is empty) and the
//! byte-for-byte checks of the booter image and the radix3 `.fwimage`.

use super::falcon::Engine;
use super::{lock, SharedHw};
use crate::gsp_rm::{GspRm, QueueArgs, RmConfig};
use crate::guest_mem::{DmaFault, GuestMemory};
use log::{error, info};

/// Error codes a failing ucode leaves in MAILBOX0. The real ucode's codes
/// are not published; these are the model's, distinct and non-zero.
pub mod code {
    /// The ucode the driver loaded is not one the chip accepts.
    pub const BAD_UCODE: u32 = 0xbad0_0001;
    /// The `GspFwWprMeta` is unreadable or inconsistent.
    pub const BAD_WPR_META: u32 = 0xbad0_0002;
    /// The LibOS arguments or the queues they describe are unusable.
    pub const BAD_LIBOS_ARGS: u32 = 0xbad0_0003;
    /// A DMA transfer into the falcon failed.
    pub const DMA_FAULT: u32 = 0xbad0_0004;
}

/// `GSP_FW_WPR_META_MAGIC` and `GSP_FW_WPR_META_REVISION` (bindings.rs).
const WPR_META_MAGIC: u64 = 0xdc3a_ed43_b9d6_3c33;
const WPR_META_REVISION: u64 = 1;

/// The boot chain's state and GSP-RM once it runs.
pub struct Boot {
    config: RmConfig,
    rm: Option<GspRm>,
}

impl Boot {
    /// A boot chain that starts GSP-RM with `config`.
    pub fn new(config: RmConfig) -> Boot {
        Boot { config, rm: None }
    }

    /// The VBIOS image in the PROM window.
    pub fn vbios(&self) -> Vec<u8> {
        Vec::new()
    }

    /// The driver rang GSP-RM's doorbell.
    pub fn doorbell(&self) {
        if let Some(rm) = &self.rm {
            rm.doorbell();
        }
    }

    /// Stops GSP-RM (device or engine reset).
    pub fn stop(&mut self) {
        self.rm = None;
    }

    /// Runs what the falcon `engine` was started with.
    pub fn start(&mut self, engine: Engine, hw: &SharedHw, mem: &GuestMemory) {
        let result = match engine {
            Engine::Gsp => self.start_gsp(hw),
            Engine::Sec2 => self.start_sec2(hw, mem),
        };
        let mut h = lock(hw);
        let falcon = h.bar0.engine(engine);
        if let Err(c) = result {
            error!("{}: ucode failed with {c:#x}", engine.name());
            falcon.mailbox[0] = c;
        }
        falcon.halt();
    }

    fn start_gsp(&mut self, hw: &SharedHw) -> Result<(), u32> {
        let h = lock(hw);
        if h.bar0.gsp.imem_used == 0 {
            // Only the boot ROM: nothing to run, the mailboxes stay.
            info!("GSP: falcon started without ucode (LibOS arguments handed over)");
            return Ok(());
        }
        Err(code::BAD_UCODE)
    }

    fn start_sec2(&mut self, hw: &SharedHw, mem: &GuestMemory) -> Result<(), u32> {
        let (meta_addr, libos_addr) = {
            let h = lock(hw);
            let s = &h.bar0.sec2;
            if s.dma_error {
                return Err(code::DMA_FAULT);
            }
            if s.imem_used == 0 || s.brom.engid_mask == 0 {
                return Err(code::BAD_UCODE);
            }
            let g = &h.bar0.gsp;
            (
                u64::from(s.mailbox[1]) << 32 | u64::from(s.mailbox[0]),
                u64::from(g.mailbox[1]) << 32 | u64::from(g.mailbox[0]),
            )
        };
        info!("SEC2: booter_load with GspFwWprMeta at {meta_addr:#x}");
        check_wpr_meta(mem, meta_addr).map_err(|e| {
            error!("SEC2: booter_load rejects the WPR metadata: {e}");
            code::BAD_WPR_META
        })?;
        let args = queue_args(mem, libos_addr).map_err(|e| {
            error!("GSP: bad LibOS arguments at {libos_addr:#x}: {e}");
            code::BAD_LIBOS_ARGS
        })?;
        self.rm = None;
        let rm = GspRm::start(mem.clone(), hw.clone(), args, self.config.clone()).map_err(|e| {
            error!("GSP: GSP-RM cannot start: {e}");
            code::BAD_LIBOS_ARGS
        })?;
        self.rm = Some(rm);
        let mut h = lock(hw);
        h.bar0.gsp.riscv_active = true;
        h.bar0.sec2.mailbox[0] = 0;
        info!("GSP: RISC-V core running GSP-RM");
        Ok(())
    }
}

/// Checks what booter_load checks of `GspFwWprMeta` before it uses it.
fn check_wpr_meta(mem: &GuestMemory, addr: u64) -> Result<(), String> {
    let magic = mem.read_u64(addr).map_err(|e| e.to_string())?;
    let revision = mem.read_u64(addr + 8).map_err(|e| e.to_string())?;
    if magic != WPR_META_MAGIC {
        return Err(format!("magic {magic:#x}"));
    }
    if revision != WPR_META_REVISION {
        return Err(format!("revision {revision}"));
    }
    // sysmemAddrOfRadix3Elf, sizeOfRadix3Elf, sysmemAddrOfBootloader,
    // sizeOfBootloader at 0x10..0x30.
    let radix3 = mem.read_u64(addr + 0x10).map_err(|e| e.to_string())?;
    let size = mem.read_u64(addr + 0x18).map_err(|e| e.to_string())?;
    if radix3 == 0 || size == 0 {
        return Err("no GSP-RM image".into());
    }
    Ok(())
}

/// Size of one `LibosMemoryRegionInitArgument` (id8, pa, size, kind, loc, pad).
const LIBOS_ARG_SIZE: u64 = 32;

/// Finds the RMARGS region in the LibOS arguments at `libos` and reads the
/// `MESSAGE_QUEUE_INIT_ARGUMENTS` at its start.
fn queue_args(mem: &GuestMemory, libos: u64) -> Result<QueueArgs, DmaFault> {
    let rmargs = id8(b"RMARGS");
    for i in 0..(4096 / LIBOS_ARG_SIZE) {
        let at = libos + i * LIBOS_ARG_SIZE;
        let id = mem.read_u64(at)?;
        if id == 0 {
            break;
        }
        if id == rmargs {
            let pa = mem.read_u64(at + 8)?;
            return Ok(QueueArgs {
                shared_mem: mem.read_u64(pa)?,
                pte_count: mem.read_u32(pa + 8)?,
                cmd_off: mem.read_u64(pa + 16)?,
                msg_off: mem.read_u64(pa + 24)?,
            });
        }
    }
    Err(DmaFault {
        what: "read (no RMARGS region)",
        addr: libos,
        len: 0,
    })
}

/// The LibOS region identifier: the name's bytes, first byte most
/// significant (nova-core `gsp/fw.rs` `id8`).
fn id8(name: &[u8]) -> u64 {
    name.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b))
}
