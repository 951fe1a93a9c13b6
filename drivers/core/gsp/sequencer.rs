// SPDX-License-Identifier: GPL-2.0

//! The CPU sequencer: register programs GSP-RM asks the driver to run
//! during boot (GSP_RUN_CPU_SEQUENCER; Linux 7.3 nova-core
//! `gsp/sequencer.rs`, nouveau r535 `r535_gsp_msg_run_cpu_sequencer`).
//! The program is validated as a whole before any of it runs.

use kernel::{
    device,
    io::{
        Io, //
    },
    prelude::*,
    time::Delta, //
};

use crate::num::{
    lower_32_bits,
    upper_32_bits, //
};
use kernel::num::casts::u32_as_usize;

use crate::{
    bar::Bar0,
    falcon::{
        gsp::Gsp as GspEngine,
        sec2::Sec2,
        Falcon, //
    },
    gsp::regs::NV_PGC6_BSI_SECURE_SCRATCH_14,
    poll::read_poll_timeout,
    proto::gsp::rpc::sequencer::{
        SeqCmd,
        Sequence,
        REG_POLL_DEFAULT_TIMEOUT_US, //
    },
};

/// What the sequencer's commands act on.
pub(crate) struct Sequencer<'a> {
    pub(crate) dev: &'a device::Device,
    pub(crate) bar: Bar0<'a>,
    pub(crate) gsp: &'a Falcon<'a, GspEngine>,
    pub(crate) sec2: &'a Falcon<'a, Sec2>,
    /// The LibOS arguments' DMA address, which a resumed GSP-RM gets again.
    pub(crate) libos: u64,
    /// The bootloader's application version, for the GSP's OS register.
    pub(crate) app_version: u32,
}

impl Sequencer<'_> {
    /// Runs the program in `payload` (a `rpc_run_cpu_sequencer_v17_00`).
    pub(crate) fn run(&self, payload: &[u8]) -> Result {
        let dev = self.dev;
        let seq = Sequence::parse(payload).map_err(|e| {
            dev_err!(dev, "GSP-RM sent a malformed sequencer program: {:?}\n", e);
            EPROTO
        })?;
        let count = seq.validate().map_err(|e| {
            dev_err!(dev, "GSP-RM sent a malformed sequencer program: {:?}\n", e);
            EPROTO
        })?;
        let mut saved = seq.header.reg_save_area;
        for cmd in seq.iter() {
            // `validate` accepted every command.
            let cmd = cmd.map_err(|_| EPROTO)?;
            self.step(&cmd, &mut saved)?;
        }
        dev_dbg!(dev, "ran GSP-RM's sequencer program ({} commands)\n", count);
        Ok(())
    }

    fn step(&self, cmd: &SeqCmd, saved: &mut [u32]) -> Result {
        let (dev, bar) = (self.dev, self.bar);
        match cmd {
            SeqCmd::RegWrite(w) => bar.try_write32(w.val, u32_as_usize(w.addr)),
            SeqCmd::RegModify(m) => {
                let v = bar.try_read32(u32_as_usize(m.addr))?;
                bar.try_write32((v & !m.mask) | m.val, u32_as_usize(m.addr))
            }
            SeqCmd::RegPoll(p) => {
                let timeout = if p.timeout == 0 {
                    REG_POLL_DEFAULT_TIMEOUT_US
                } else {
                    p.timeout
                };
                read_poll_timeout(
                    || bar.try_read32(u32_as_usize(p.addr)),
                    |&v| v & p.mask == p.val,
                    Delta::from_micros(10),
                    Delta::from_micros(i64::from(timeout)),
                )
                .map(|_| ())
                .inspect_err(|_| {
                    dev_err!(
                        dev,
                        "GSP-RM sequencer: register {:#x} did not reach {:#x} (mask {:#x})\n",
                        p.addr,
                        p.val,
                        p.mask
                    )
                })
            }
            SeqCmd::DelayUs(d) => {
                kernel::time::delay::fsleep(Delta::from_micros(i64::from(d.val)));
                Ok(())
            }
            SeqCmd::RegStore(s) => {
                let v = bar.try_read32(u32_as_usize(s.addr))?;
                let slot = saved.get_mut(u32_as_usize(s.index)).ok_or(EPROTO)?;
                *slot = v;
                Ok(())
            }
            SeqCmd::CoreReset => self.gsp.reset(),
            SeqCmd::CoreStart => self.gsp.start(),
            SeqCmd::CoreWaitForHalt => self.gsp.wait_halted(),
            SeqCmd::CoreResume => self.core_resume(),
        }
    }

    /// CORE_RESUME: GSP-RM saved its state and put SEC2-RTOS into SEC2.
    /// The GSP is reset and handed the LibOS arguments again; starting
    /// SEC2 has SEC2-RTOS resume GSP-RM, which it reports in BSI scratch
    /// (nova-core `GspSeqCmd::CoreResume`, nouveau r535).
    fn core_resume(&self) -> Result {
        let dev = self.dev;
        self.gsp.reset()?;
        crate::falcon::gsp::route_swgen0(self.bar);
        self.gsp
            .write_mailboxes(lower_32_bits(self.libos), upper_32_bits(self.libos));
        self.sec2.start()?;
        // SEC2-RTOS keeps running once it resumed GSP-RM; halting with a
        // status in MAILBOX0 means it gave up.
        let handoff = read_poll_timeout(
            || {
                Ok((
                    self.bar
                        .read(NV_PGC6_BSI_SECURE_SCRATCH_14)
                        .boot_stage_3_handoff(),
                    self.sec2.halted() && self.sec2.mailbox0() != 0,
                ))
            },
            |&(handoff, failed)| handoff || failed,
            Delta::from_micros(100),
            crate::timeouts::CORE_RESUME,
        )
        .map(|(handoff, _)| handoff)
        .inspect_err(|_| {
            dev_err!(
                dev,
                "GSP-RM sequencer: SEC2-RTOS did not resume GSP-RM within {} ms\n",
                crate::timeouts::CORE_RESUME.as_millis()
            )
        })?;
        let status = self.sec2.mailbox0();
        if !handoff || status != 0 {
            dev_err!(
                dev,
                "GSP-RM sequencer: SEC2-RTOS failed to resume GSP-RM (status {:#x})\n",
                status
            );
            return Err(EIO);
        }
        self.gsp.write_os_version(self.app_version);
        if !self.gsp.riscv_active() {
            dev_err!(
                dev,
                "GSP-RM sequencer: the GSP RISC-V core is not running after the resume\n"
            );
            return Err(EIO);
        }
        Ok(())
    }
}
