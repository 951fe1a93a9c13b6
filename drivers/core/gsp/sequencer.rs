// SPDX-License-Identifier: GPL-2.0

//! The CPU sequencer: register programs GSP-RM asks the driver to run
//! during boot (GSP_RUN_CPU_SEQUENCER; Linux 7.3 nova-core
//! `gsp/sequencer.rs`, nouveau r535 `r535_gsp_msg_run_cpu_sequencer`).
//! The program is validated as a whole before any of it runs.

use kernel::{
    device,
    io::{
        poll::read_poll_timeout,
        Io, //
    },
    prelude::*,
    time::Delta, //
};

use crate::{
    driver::Bar0,
    falcon::{
        gsp::Gsp as GspEngine,
        Falcon, //
    },
    proto::gsp::rpc::sequencer::{
        SeqCmd,
        Sequence,
        REG_POLL_DEFAULT_TIMEOUT_US, //
    },
};

/// Runs the program in `payload` (a `rpc_run_cpu_sequencer_v17_00`).
pub(crate) fn run(
    dev: &device::Device,
    bar: Bar0<'_>,
    gsp: &Falcon<'_, GspEngine>,
    payload: &[u8],
) -> Result {
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
        step(dev, bar, gsp, &cmd, &mut saved)?;
    }
    dev_dbg!(dev, "ran GSP-RM's sequencer program ({} commands)\n", count);
    Ok(())
}

fn step(
    dev: &device::Device,
    bar: Bar0<'_>,
    gsp: &Falcon<'_, GspEngine>,
    cmd: &SeqCmd,
    saved: &mut [u32],
) -> Result {
    match cmd {
        SeqCmd::RegWrite(w) => bar.try_write32(w.val, w.addr as usize),
        SeqCmd::RegModify(m) => {
            let v = bar.try_read32(m.addr as usize)?;
            bar.try_write32((v & !m.mask) | m.val, m.addr as usize)
        }
        SeqCmd::RegPoll(p) => {
            let timeout = if p.timeout == 0 {
                REG_POLL_DEFAULT_TIMEOUT_US
            } else {
                p.timeout
            };
            read_poll_timeout(
                || bar.try_read32(p.addr as usize),
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
            let v = bar.try_read32(s.addr as usize)?;
            let slot = saved.get_mut(s.index as usize).ok_or(EPROTO)?;
            *slot = v;
            Ok(())
        }
        SeqCmd::CoreReset => gsp.reset(),
        SeqCmd::CoreStart => gsp.start(),
        SeqCmd::CoreWaitForHalt => gsp.wait_halted(),
        SeqCmd::CoreResume => {
            // Resuming GSP-RM through SEC2-RTOS is not implemented yet
            // (nova-core `GspSeqCmd::CoreResume`); refuse rather than leave
            // GSP-RM half-resumed.
            dev_err!(dev, "GSP-RM sequencer: CORE_RESUME is not supported\n");
            Err(EOPNOTSUPP)
        }
    }
}
