// SPDX-License-Identifier: GPL-2.0

//! Which runlist each engine is on: the host's device information table,
//! asked on GSP-RM's internal subdevice as nouveau's `r535_fifo_runl_ctor`
//! does. A channel's doorbell token names its runlist (nouveau
//! `tu102_chan_doorbell_handle`; CPU-RM `kfifoGenerateWorkSubmitTokenHal_GA100`).

use kernel::{
    device,
    prelude::*, //
};

use super::{
    rm,
    transport::Rpc, //
};
use crate::{
    bar::Bar0,
    gsp::config::{
        Engine,
        GpuConfig,
        NO_RUNLIST, //
    },
    proto::{
        gsp::{
            calls::{
                FifoGetDeviceInfoTable,
                Handle, //
            },
            fifo::{
                Nv2080CtrlFifoDeviceEntry,
                Nv2080CtrlFifoGetDeviceInfoTableParams,
                DEVICE_INFO_MAX_ENTRIES,
                ENGINE_INFO_TYPE_RM_ENGINE_TYPE,
                ENGINE_INFO_TYPE_RUNLIST,
                RM_ENGINE_TYPE_COPY0,
                RM_ENGINE_TYPE_GR0, //
            },
        },
        host::TOKEN_RUNLIST_MASK,
    },
    wire::Wire,
};

/// Where the entries start in the parameters (after `baseIndex`,
/// `numEntries`, `bMore` and its padding).
const ENTRIES_AT: usize = 12;
/// Most calls: GSP-RM's table has a few dozen engines at most.
const MAX_CALLS: u32 = 8;

/// The engine an RM engine type names, for the engines the core makes
/// channels on: GR0 and the copy engines (`RM_ENGINE_TYPE_*`, which for
/// these equal the `NV2080_ENGINE_TYPE_*` numbers; nouveau r570
/// `r570_fifo_xlat_rm_engine_type`).
fn engine_of(rm_type: u32) -> Option<Engine> {
    match rm_type {
        RM_ENGINE_TYPE_GR0 => Some(Engine::GRAPHICS),
        t => Engine::copy(t.checked_sub(RM_ENGINE_TYPE_COPY0)?),
    }
}

/// Fills `gpu.runlists` from the device information table.
///
/// # Errors
///
/// What the control returned; `EPROTO` for a short reply, and (logged)
/// for a table that names more entries than it holds, goes on without
/// end, or puts an engine on a runlist a doorbell cannot name.
pub(crate) fn read(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    internal: (Handle, Handle),
    gpu: &mut GpuConfig,
) -> Result {
    gpu.runlists = [NO_RUNLIST; _];
    let mut base = 0u32;
    for _ in 0..MAX_CALLS {
        // Over 3 KiB: built and read on the heap.
        let mut params = KVec::from_elem(
            0u8,
            Nv2080CtrlFifoGetDeviceInfoTableParams::SIZE,
            GFP_KERNEL,
        )?;
        params[..4].copy_from_slice(&base.to_le_bytes());
        let table = rm::control_bytes::<FifoGetDeviceInfoTable>(rpc, bar, dev, internal, &params)?;
        let word = |at: usize| {
            table
                .get(at..at + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes)
        };
        let count = word(4).ok_or(EPROTO)? as usize;
        let more = table.get(8).copied().unwrap_or(0) != 0;
        if count > DEVICE_INFO_MAX_ENTRIES {
            dev_err!(
                dev,
                "GSP-RM's device information table has {} entries in one reply\n",
                count
            );
            return Err(EPROTO);
        }
        for i in 0..count {
            let at = ENTRIES_AT + i * Nv2080CtrlFifoDeviceEntry::SIZE;
            let entry = table
                .get(at..)
                .and_then(Nv2080CtrlFifoDeviceEntry::decode)
                .ok_or(EPROTO)?;
            let Some(engine) = engine_of(entry.engine_data[ENGINE_INFO_TYPE_RM_ENGINE_TYPE]) else {
                continue;
            };
            let runlist = entry.engine_data[ENGINE_INFO_TYPE_RUNLIST];
            // A doorbell token holds 7 bits of runlist.
            if runlist > TOKEN_RUNLIST_MASK {
                dev_err!(
                    dev,
                    "GSP-RM puts engine {} on runlist {}, which no doorbell can name\n",
                    engine.name(),
                    runlist
                );
                return Err(EPROTO);
            }
            if let Some(i) = gpu.engines().iter().position(|&e| e == engine) {
                gpu.runlists[i] = runlist;
            }
        }
        if !more {
            return Ok(());
        }
        base += DEVICE_INFO_MAX_ENTRIES as u32;
    }
    dev_err!(dev, "GSP-RM's device information table does not end\n");
    Err(EPROTO)
}
