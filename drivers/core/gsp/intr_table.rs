// SPDX-License-Identifier: GPL-2.0

//! Which CPU interrupt tree vector GSP-RM gave the GSP: the stall vector
//! of the GSP's entry in GSP-RM's kernel interrupt table, asked on its
//! internal subdevice (nouveau `r535_gsp_intr_get_table`, whose r570
//! engine index for the GSP is `MC_ENGINE_IDX_GSP`).

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
    cpu_intr::IntrVector,
    proto::gsp::{
        calls::{
            Handle,
            InternalIntrGetKernelTable, //
        },
        intr_table::{
            self,
            IntrGetKernelTableParams,
            MC_ENGINE_IDX_GSP, //
        },
    },
    wire::Wire,
};

/// Asks GSP-RM's kernel interrupt table for the GSP's stall vector.
///
/// # Errors
///
/// What the control returned; `EPROTO` (logged) if the table has no GSP
/// entry or its vector is not one of the tree's.
pub(crate) fn gsp_stall_vector(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    internal: (Handle, Handle),
) -> Result<IntrVector> {
    // Over 2 KiB: built and read on the heap, entry by entry.
    let params = KVec::from_elem(0u8, IntrGetKernelTableParams::SIZE, GFP_KERNEL)?;
    let table = rm::control_bytes::<InternalIntrGetKernelTable>(rpc, bar, dev, internal, &params)?;
    let entry = (0..intr_table::MAX_TABLE_SIZE)
        .map_while(|i| intr_table::entry(&table, i))
        .find(|e| e.engine_idx == MC_ENGINE_IDX_GSP)
        .ok_or_else(|| {
            dev_err!(dev, "GSP-RM's interrupt table has no entry for the GSP\n");
            EPROTO
        })?;
    IntrVector::new(entry.vector_stall).ok_or_else(|| {
        dev_err!(
            dev,
            "GSP-RM gave the GSP interrupt vector {:#x}, which the CPU interrupt tree does not have\n",
            entry.vector_stall
        );
        EPROTO
    })
}
