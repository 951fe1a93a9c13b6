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
//! booter_load's checks here: the ucode in SEC2 is booter_load with the
//! signature for this chip's fuse patched in and the boot-ROM registers
//! set as its header says; the metadata has the right magic and revision
//! and describes the VRAM layout GSP-RM needs; the radix3 table maps
//! `.fwimage` byte for byte; the bootloader and the signature are the
//! files' own. Not modelled yet: FWSEC (the PROM window is empty) and WPR2.

use super::falcon::Engine;
use super::{lock, SharedHw};
use crate::firmware::Firmware;
use crate::gsp_rm::{GspRm, QueueArgs, RmConfig};
use crate::guest_mem::GuestMemory;
use log::{error, info};
use nvgsp_proto::gsp::{
    args::GspArgumentsCached,
    fb_layout::FbLayout,
    libos::{self, LibosMemoryRegionInitArgument},
    queue::GSP_PAGE_SIZE,
    wpr_meta::GspFwWprMeta,
};
use nvgsp_proto::wire::Wire;

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
    /// The GSP-RM image, bootloader or signature is not the firmware's.
    pub const BAD_IMAGE: u32 = 0xbad0_0005;
}

/// The boot chain's state and GSP-RM once it runs.
pub struct Boot {
    config: RmConfig,
    firmware: Option<Firmware>,
    rm: Option<GspRm>,
}

impl Boot {
    /// A boot chain that checks against `firmware` and starts GSP-RM with
    /// `config`. Without firmware, booter_load always fails.
    pub fn new(config: RmConfig, firmware: Option<Firmware>) -> Boot {
        Boot {
            config,
            firmware,
            rm: None,
        }
    }

    /// The VBIOS image in the PROM window.
    pub fn vbios(&self) -> Vec<u8> {
        Vec::new()
    }

    /// The SEC2 fuse registers (ucode ids 1..=16).
    pub fn sec2_fuses(&self) -> [u32; 16] {
        let mut fuses = [0; 16];
        if let Some(b) = self.firmware.as_ref().map(|f| &f.booter_load) {
            if let Some(r) = (b.ucode_id as usize)
                .checked_sub(1)
                .and_then(|i| fuses.get_mut(i))
            {
                *r = b.fuse_register;
            }
        }
        fuses
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
    }

    /// A falcon was reset: resetting the GSP stops GSP-RM on its core.
    pub fn reset(&mut self, engine: Engine, hw: &SharedHw) {
        if engine == Engine::Gsp && self.rm.take().is_some() {
            info!("GSP: engine reset stops GSP-RM");
            lock(hw).bar0.gsp.riscv_active = false;
        }
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
        error!("GSP: unknown ucode started");
        Err(code::BAD_UCODE)
    }

    fn start_sec2(&mut self, hw: &SharedHw, mem: &GuestMemory) -> Result<(), u32> {
        let Some(fw) = &self.firmware else {
            error!("SEC2: no firmware to verify booter_load against (--firmware)");
            return Err(code::BAD_UCODE);
        };
        let (meta_addr, libos_addr) = {
            let h = lock(hw);
            let s = &h.bar0.sec2;
            if s.dma_error {
                error!("SEC2: a DMA transfer into the falcon faulted");
                return Err(code::DMA_FAULT);
            }
            check_booter(s, &fw.booter_load).map_err(|e| {
                error!("SEC2: boot ROM rejects the ucode: {e}");
                code::BAD_UCODE
            })?;
            let g = &h.bar0.gsp;
            (
                u64::from(s.mailbox[1]) << 32 | u64::from(s.mailbox[0]),
                u64::from(g.mailbox[1]) << 32 | u64::from(g.mailbox[0]),
            )
        };
        info!("SEC2: booter_load running with GspFwWprMeta at {meta_addr:#x}");
        let meta: GspFwWprMeta = read_obj(mem, meta_addr).map_err(|e| {
            error!("SEC2: booter_load cannot read GspFwWprMeta: {e}");
            code::BAD_WPR_META
        })?;
        check_wpr_meta(&meta, self.config.vram, fw).map_err(|e| {
            error!("SEC2: booter_load rejects GspFwWprMeta: {e}");
            code::BAD_WPR_META
        })?;
        check_images(mem, &meta, fw).map_err(|e| {
            error!("SEC2: booter_load rejects the GSP-RM images: {e}");
            code::BAD_IMAGE
        })?;
        info!(
            "SEC2: GSP-RM image ({} KiB through radix3), bootloader and signature verified",
            fw.gsp_image.len() >> 10
        );
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

fn read_obj<T: Wire>(mem: &GuestMemory, addr: u64) -> Result<T, String> {
    let mut b = vec![0u8; T::SIZE];
    mem.read(addr, &mut b).map_err(|e| e.to_string())?;
    T::decode(&b).ok_or_else(|| "short structure".to_string())
}

fn same(what: &str, got: u64, want: u64) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what} is {got:#x}, expected {want:#x}"))
    }
}

/// What the boot ROM checks before it runs a heavy-secure ucode: the
/// signature (here: the whole image, signature patched in, as the
/// driver must have loaded it) and the parameters it was given.
fn check_booter(s: &super::falcon::Falcon, b: &crate::firmware::BooterImage) -> Result<(), String> {
    same(
        "BROM_ENGIDMASK",
        s.brom.engid_mask.into(),
        b.engine_id_mask.into(),
    )?;
    same(
        "BROM_CURR_UCODE_ID",
        s.brom.ucode_id.into(),
        b.ucode_id.into(),
    )?;
    same(
        "BROM_PARAADDR",
        s.brom.para_addr.into(),
        b.pkc_data_offset.into(),
    )?;
    same("MOD_SEL (RSA-3K)", s.brom.mod_sel.into(), 1)?;
    same("BOOTVEC", s.bootvec.into(), b.boot_vector.into())?;
    if s.imem.get(..b.imem.len()) != Some(&b.imem[..]) {
        return Err("IMEM is not booter_load's code".into());
    }
    match s.dmem.get(..b.dmem.len()) {
        Some(d) if d == &b.dmem[..] => Ok(()),
        Some(d) => {
            let at = b.pkc_data_offset as usize;
            let sig_differs = d.get(at..at + 384) != b.dmem.get(at..at + 384);
            Err(if sig_differs {
                "signature check failed (wrong or missing signature in DMEM)".into()
            } else {
                "DMEM is not booter_load's data".into()
            })
        }
        None => Err("DMEM too small".into()),
    }
}

/// The metadata's header and the VRAM layout it describes.
fn check_wpr_meta(m: &GspFwWprMeta, vram: u64, fw: &Firmware) -> Result<(), String> {
    if !m.is_valid_header() {
        return Err(format!("magic {:#x} revision {}", m.magic, m.revision));
    }
    same(
        "sizeOfRadix3Elf",
        m.size_of_radix3_elf,
        fw.gsp_image.len() as u64,
    )?;
    same(
        "sizeOfBootloader",
        m.size_of_bootloader,
        fw.bootloader.len() as u64,
    )?;
    same(
        "sizeOfSignature",
        m.size_of_signature,
        fw.gsp_signature.len() as u64,
    )?;
    same("fbSize", m.fb_size, vram)?;
    let want = FbLayout::ga102(vram, fw.bootloader.len() as u64, fw.gsp_image.len() as u64)
        .ok_or("GSP-RM does not fit in VRAM")?;
    if m.layout() != want {
        return Err(format!(
            "VRAM layout {:x?} is not GSP-RM's {:x?}",
            m.layout(),
            want
        ));
    }
    Ok(())
}

/// Walks the radix3 table and compares every page with `.fwimage`; the
/// bootloader and signature must be the files' too.
fn check_images(mem: &GuestMemory, m: &GspFwWprMeta, fw: &Firmware) -> Result<(), String> {
    let page = GSP_PAGE_SIZE as u64;
    let pages = (fw.gsp_image.len() as u64).div_ceil(page);
    let err = |e: crate::guest_mem::DmaFault| e.to_string();
    let level1 = mem.read_u64(m.sysmem_addr_of_radix3_elf).map_err(err)?;
    let mut data = vec![0u8; GSP_PAGE_SIZE];
    for p in 0..pages {
        let l2_index = p / 512;
        let level2 = mem.read_u64(level1 + l2_index * 8).map_err(err)?;
        let addr = mem.read_u64(level2 + (p % 512) * 8).map_err(err)?;
        let start = (p * page) as usize;
        let want = &fw.gsp_image[start..(start + GSP_PAGE_SIZE).min(fw.gsp_image.len())];
        mem.read(addr, &mut data[..want.len()]).map_err(err)?;
        if data[..want.len()] != *want {
            return Err(format!(
                "radix3 page {p} (at {addr:#x}) differs from .fwimage"
            ));
        }
    }
    let mut bl = vec![0u8; fw.bootloader.len()];
    mem.read(m.sysmem_addr_of_bootloader, &mut bl)
        .map_err(err)?;
    if bl != fw.bootloader {
        return Err("the bootloader differs from bootloader-570.144.bin".into());
    }
    let mut sig = vec![0u8; fw.gsp_signature.len()];
    mem.read(m.sysmem_addr_of_signature, &mut sig)
        .map_err(err)?;
    if sig != fw.gsp_signature {
        return Err("the signature differs from gsp-570.144.bin's".into());
    }
    Ok(())
}

/// Finds the RMARGS region in the LibOS arguments at `libos` and reads the
/// queue arguments at its start.
fn queue_args(mem: &GuestMemory, libos: u64) -> Result<QueueArgs, String> {
    let mut page = vec![0u8; GSP_PAGE_SIZE];
    mem.read(libos, &mut page).map_err(|e| e.to_string())?;
    let rmargs: LibosMemoryRegionInitArgument =
        libos::find_region(&page, libos::ID8_RMARGS).ok_or("no RMARGS region")?;
    if rmargs.size < GspArgumentsCached::SIZE as u64 {
        return Err(format!(
            "RMARGS region of {} bytes is too small",
            rmargs.size
        ));
    }
    let args: GspArgumentsCached = read_obj(mem, rmargs.pa)?;
    let q = args.message_queue_init_arguments;
    Ok(QueueArgs {
        shared_mem: q.shared_mem_phys_addr,
        pte_count: q.page_table_entry_count,
        cmd_off: q.cmd_queue_offset,
        msg_off: q.stat_queue_offset,
    })
}
