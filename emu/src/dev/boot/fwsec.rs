//! FWSEC on the GSP falcon: the boot ROM's checks of the ucode the driver
//! loaded from the VBIOS, then the command it runs.
//!
//! The driver (Linux 7.3 nova-core `firmware/fwsec.rs`, `gsp/hal/tu102.rs`
//! with `needs_fwsec_bootloader = false`) extracts FWSEC_PROD from the
//! VBIOS, writes the command into its DMEMMAPPER, patches in the signature
//! the GSP fuse for its ucode id selects, DMA-loads IMEM from offset 0 and
//! DMEM from offset 0, programs the boot-ROM registers and starts the
//! falcon with MAILBOX0 = 0. What the model checks:
//!
//! - boot ROM: `BROM_ENGIDMASK`, `BROM_CURR_UCODE_ID`, `BROM_PARAADDR(0)`
//!   (the DMEM offset of the signature), `MOD_SEL` (RSA-3K) and `BOOTVEC`
//!   as the descriptor says; IMEM is FWSEC_PROD's; the signature slot holds
//!   the signature for the GSP fuse; the rest of DMEM is FWSEC_PROD's, but
//!   for `init_cmd` and the command input buffer, which the driver writes;
//! - FWSEC-FRTS (`init_cmd` 0x15): the FRTS region is where the VRAM
//!   layout puts it (1 MiB, ending at the 128 KiB-aligned start of the VGA
//!   workspace) and WPR2 does not exist yet; it then sets WPR2 to the FRTS
//!   region and clears the error code in `NV_PBUS_SW_SCRATCH(0xe)[31:16]`;
//! - FWSEC-SB (`init_cmd` 0x19): run at unload, it returns the GSP falcon
//!   to its pre-LibOS state (the model records that it ran) and clears the
//!   error code in `NV_PBUS_SW_SCRATCH(0x15)[15:0]` (nouveau
//!   `nvkm_gsp_fwsec_sb`).
//!
//! A failure halts the falcon with a non-zero MAILBOX0 (see
//! [`super::code`]) and leaves WPR2 as it was; a command FWSEC refuses also
//! leaves a non-zero error code in its scratch register ([`frts_err`],
//! [`sb_err`]). The boot ROM rejecting the image writes no scratch
//! register: the ucode never ran.

use super::Failure;
use crate::dev::bar0::{reg, Bar0};
use crate::dev::falcon::Falcon;
use crate::vbios::{self, SynthVbios};
use log::info;
use nvgsp_proto::falcon::FUSE_UCODE_COUNT;
use nvgsp_proto::firmware::fuse_version;
use nvgsp_proto::firmware::vbios::appif::{FwsecCommand, INIT_CMD_FRTS, INIT_CMD_SB};
use nvgsp_proto::firmware::vbios::ucode_desc::BCRT30_RSA3K_SIG_SIZE;
use nvgsp_proto::firmware::vbios::ucode_table::{APPID_FWSEC_DBG, APPID_FWSEC_PROD};
use nvgsp_proto::gsp::fb_layout::{FRTS_SIZE, VGA_WORKSPACE_SIZE};
use std::ops::Range;

/// FWSEC-FRTS error codes in `NV_PBUS_SW_SCRATCH(0xe)` bits 31:16 (0: none,
/// nova-core `NV_PBUS_SW_SCRATCH_0E_FRTS_ERR`). The real codes are not
/// published; these are the model's.
pub mod frts_err {
    /// WPR2 already exists: FRTS runs once per GPU reset.
    pub const WPR2_EXISTS: u16 = 0x0001;
    /// The FRTS region is not where the VRAM layout needs it.
    pub const BAD_REGION: u16 = 0x0002;
    /// The command input is malformed.
    pub const BAD_COMMAND: u16 = 0x0003;
}

/// FWSEC-SB error codes in `NV_PBUS_SW_SCRATCH(0x15)` bits 15:0 (0: none,
/// nouveau `nvkm_gsp_fwsec_sb`); the model's.
pub mod sb_err {
    /// The command input is malformed.
    pub const BAD_COMMAND: u16 = 0x0003;
}

/// `NV_PFALCON2_FALCON_MOD_SEL` value for RSA-3K (nova-core
/// `FalconModSelAlgo::Rsa3k`).
const MOD_SEL_RSA3K: u32 = 1;
/// Where FWSEC starts: IMEM 0 (nova-core `FwsecFirmware::boot_addr`).
const BOOT_VECTOR: u32 = 0;

/// The FRTS region FWSEC accepts for `vram` bytes of VRAM: 1 MiB ending at
/// the 128 KiB-aligned start of the 1 MiB VGA workspace at the end of VRAM
/// (`FbLayout::ga102`, nova-core `FbRanges::new`).
pub fn frts_region(vram: u64) -> Option<Range<u64>> {
    let vga_start = vram.checked_sub(VGA_WORKSPACE_SIZE)?;
    let end = vga_start & !(128 * 1024 - 1);
    Some(end.checked_sub(FRTS_SIZE)?..end)
}

/// The VBIOS FWSEC comes from and the GSP fuse that selects its signature.
pub struct Fwsec {
    vbios: SynthVbios,
    config: vbios::Config,
}

impl Fwsec {
    /// FWSEC of a VBIOS synthesized for `config`, on a chip fused for its
    /// newest signature.
    pub fn new(config: vbios::Config) -> Fwsec {
        Fwsec {
            vbios: vbios::synthesize(&config),
            config,
        }
    }

    /// The VBIOS image.
    pub fn rom(&self) -> &[u8] {
        &self.vbios.rom
    }

    /// The GSP fuse registers: FWSEC's ucode id holds
    /// [`vbios::Config::gsp_fuse`], the others 0.
    pub fn gsp_fuses(&self) -> [u32; FUSE_UCODE_COUNT] {
        let mut fuses = [0; FUSE_UCODE_COUNT];
        if let Some(r) = usize::from(self.config.ucode_id)
            .checked_sub(1)
            .and_then(|i| fuses.get_mut(i))
        {
            *r = self.config.gsp_fuse();
        }
        fuses
    }

    /// Whether `imem` starts with either FWSEC ucode of the VBIOS.
    pub fn is_fwsec(&self, imem: &[u8]) -> bool {
        [self.vbios.imem(), self.vbios.dbg_imem()]
            .iter()
            .any(|i| imem.get(..i.len()) == Some(i))
    }

    /// Runs what the driver loaded into the GSP falcon `bar0.gsp` as FWSEC
    /// would, on a GPU with `vram` bytes of VRAM. Returns the name of what
    /// ran (for log lines) and the command it carried out.
    pub fn run(&self, bar0: &mut Bar0, vram: u64) -> (&'static str, Result<FwsecCommand, Failure>) {
        if let Err(e) = self.check_image(&bar0.gsp) {
            return ("FWSEC", Err(e));
        }
        let dmem = &bar0.gsp.dmem[..self.vbios.dmem().len()];
        let cmd = match self.vbios.loaded_command(dmem) {
            Ok(cmd) => cmd,
            Err(e) => {
                let init_cmd = self.init_cmd(dmem);
                let failure = Failure::BadCommand(format!(
                    "DMEMMAPPER init_cmd {init_cmd:#x} with a command FWSEC cannot run: {e:?}"
                ));
                return match init_cmd {
                    INIT_CMD_FRTS => {
                        set_frts_err(bar0, frts_err::BAD_COMMAND);
                        ("FWSEC-FRTS", Err(failure))
                    }
                    INIT_CMD_SB => {
                        set_sb_err(bar0, sb_err::BAD_COMMAND);
                        ("FWSEC-SB", Err(failure))
                    }
                    _ => ("FWSEC", Err(failure)),
                };
            }
        };
        match cmd {
            FwsecCommand::Frts { offset, size } => {
                ("FWSEC-FRTS", frts(bar0, offset, size, vram).map(|()| cmd))
            }
            FwsecCommand::Sb => {
                set_sb_err(bar0, 0);
                info!("GSP: FWSEC-SB ran: the GSP falcon is back in its pre-LibOS state");
                ("FWSEC-SB", Ok(cmd))
            }
        }
    }

    /// The raw `init_cmd` of a loaded DMEM (0 if unreadable).
    fn init_cmd(&self, dmem: &[u8]) -> u32 {
        let at = self.vbios.fwsec.init_cmd_offset as usize;
        dmem.get(at..at + 4)
            .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// What the GSP boot ROM checks before it runs a heavy-secure ucode.
    fn check_image(&self, g: &Falcon) -> Result<(), Failure> {
        let bad = |m: String| Err(Failure::BadUcode(m));
        let desc = &self.vbios.fwsec.desc;
        let brom = [
            (
                "BROM_ENGIDMASK",
                g.brom.engid_mask,
                u32::from(desc.engine_id_mask),
            ),
            ("BROM_CURR_UCODE_ID", g.brom.ucode_id, desc.ucode_id.into()),
            ("BROM_PARAADDR", g.brom.para_addr, desc.pkc_data_offset),
            ("MOD_SEL (RSA-3K)", g.brom.mod_sel, MOD_SEL_RSA3K),
            ("BOOTVEC", g.bootvec, BOOT_VECTOR),
        ];
        for (what, got, want) in brom {
            if got != want {
                return bad(format!("{what} is {got:#x}, FWSEC needs {want:#x}"));
            }
        }
        let imem = self.vbios.imem();
        if g.imem.get(..imem.len()) != Some(imem) {
            let dbg = self.vbios.dbg_imem();
            return bad(if g.imem.get(..dbg.len()) == Some(dbg) {
                format!(
                    "IMEM holds FWSEC_DBG (application {APPID_FWSEC_DBG:#x}), which a production \
                     GPU refuses; FWSEC_PROD is application {APPID_FWSEC_PROD:#x}"
                )
            } else {
                "IMEM is not the VBIOS's FWSEC_PROD code".into()
            });
        }
        let fuse = fuse_version(self.config.gsp_fuse());
        // The command fields are the driver's to write; `Sb` only fills
        // them, they are not compared.
        let want = self
            .vbios
            .expected_dmem(&FwsecCommand::Sb, fuse)
            .map_err(|e| Failure::BadUcode(format!("no FWSEC signature for fuse {fuse}: {e:?}")))?;
        let dmem = &g.dmem[..want.len()];
        let f = &self.vbios.fwsec;
        let sig = f.pkc_data_offset as usize..f.pkc_data_offset as usize + BCRT30_RSA3K_SIG_SIZE;
        if dmem[sig.clone()] != want[sig.clone()] {
            let held = (0..usize::from(desc.signature_count))
                .find(|&i| self.vbios.signature(i) == Some(&dmem[sig.clone()]))
                .map_or("no FWSEC_PROD signature".to_string(), |i| {
                    format!("signature {i}")
                });
            return bad(format!(
                "signature check failed: DMEM {:#x} holds {held}, GSP fuse version {fuse} \
                 (NV_FUSE_OPT_FPF_GSP_UCODE{}_VERSION = {:#x}) needs the signature for it",
                sig.start,
                desc.ucode_id,
                self.config.gsp_fuse()
            ));
        }
        let init_cmd = f.init_cmd_offset as usize..f.init_cmd_offset as usize + 4;
        let (cmd_at, cmd_len) = f.cmd_in_buffer;
        let cmd_in = cmd_at as usize..(cmd_at + cmd_len) as usize;
        let driver_written = |i: &usize| init_cmd.contains(i) || cmd_in.contains(i);
        if let Some(i) = (0..want.len()).find(|i| !driver_written(i) && dmem[*i] != want[*i]) {
            return bad(format!(
                "DMEM differs from FWSEC_PROD's data at {i:#x} (outside the command fields)"
            ));
        }
        Ok(())
    }
}

/// FWSEC-FRTS: carves WPR2 out as the FRTS region at `offset`, `size`
/// bytes, unless WPR2 exists or the region is wrong.
fn frts(bar0: &mut Bar0, offset: u64, size: u64, vram: u64) -> Result<(), Failure> {
    if let Some(r) = bar0.wpr2() {
        set_frts_err(bar0, frts_err::WPR2_EXISTS);
        return Err(Failure::Frts(format!(
            "WPR2 already exists ({:#x}..{:#x}): FRTS runs once per GPU reset \
             (booter_unload removes WPR2)",
            r.start, r.end
        )));
    }
    let want = frts_region(vram);
    if want.as_ref() != Some(&(offset..offset.saturating_add(size))) {
        set_frts_err(bar0, frts_err::BAD_REGION);
        let want = want.map_or("none fits".into(), |w| {
            format!("{:#x}+{:#x}", w.start, w.end - w.start)
        });
        return Err(Failure::Frts(format!(
            "FRTS region {offset:#x}+{size:#x} is not the one for {} MiB of VRAM \
             ({want}: 1 MiB below the VGA workspace)",
            vram >> 20
        )));
    }
    bar0.set_wpr2(Some(offset..offset + size));
    set_frts_err(bar0, 0);
    info!(
        "GSP: FWSEC-FRTS carved WPR2 at {offset:#x}..{:#x}",
        offset + size
    );
    Ok(())
}

/// Writes `code` into `NV_PBUS_SW_SCRATCH(0xe)[31:16]`.
pub(crate) fn set_frts_err(bar0: &mut Bar0, code: u16) {
    if let Some(r) = bar0.sw_scratch_mut(reg::SW_SCRATCH_0E) {
        *r = (*r & 0xffff) | u32::from(code) << 16;
    }
}

/// Writes `code` into `NV_PBUS_SW_SCRATCH(0x15)[15:0]`.
fn set_sb_err(bar0: &mut Bar0, code: u16) {
    if let Some(r) = bar0.sw_scratch_mut(reg::SW_SCRATCH_15) {
        *r = (*r & !0xffff) | u32::from(code);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nvgsp_proto::gsp::fb_layout::FbLayout;

    #[test]
    fn frts_region_is_the_fb_layouts() {
        for vram in [256 << 20, 1 << 30, 24 << 30] {
            let l = FbLayout::ga102(vram, 0x6000, 0x3c9_9000).unwrap();
            assert_eq!(frts_region(vram), Some(l.frts.start..l.frts.end));
        }
        // No GSP-RM fits in 64 MiB, but FRTS has its place.
        assert_eq!(frts_region(64 << 20), Some(0x3e0_0000..0x3f0_0000));
        assert_eq!(frts_region(1 << 20), None);
    }
}
