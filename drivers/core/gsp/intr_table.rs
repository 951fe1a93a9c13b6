// SPDX-License-Identifier: GPL-2.0

//! Which CPU interrupt tree vectors GSP-RM gave the kernel driver: the
//! stall vector of the GSP's entry in GSP-RM's kernel interrupt table,
//! asked on its internal subdevice (nouveau `r535_gsp_intr_get_table`,
//! whose r570 engine index for the GSP is `MC_ENGINE_IDX_GSP`), and the
//! copy engines' non-stall vectors, which say a channel made progress.

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
    gsp::config::{
        MAX_COPY_ENGINES,
        NO_VECTOR, //
    },
    proto::gsp::{
        calls::{
            Handle,
            InternalIntrGetKernelTable, //
        },
        intr_table::{
            self,
            IntrGetKernelTableParams,
            MC_ENGINE_IDX_CE0,
            MC_ENGINE_IDX_GSP, //
        },
    },
    wire::Wire,
};

/// Asks GSP-RM's kernel interrupt table for the GSP's stall vector, and
/// writes the copy engines' non-stall vectors (`vectorNonStall` of
/// `MC_ENGINE_IDX_CE0 + n`, as nouveau's `r535_gsp_intr_get_table` keeps
/// them) into `ce_nonstall`; a vector the tree does not have counts as
/// none.
///
/// # Errors
///
/// What the control returned; `EPROTO` (logged) if the table has no GSP
/// entry or its vector is not one of the tree's.
pub(crate) fn kernel_vectors(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    internal: (Handle, Handle),
    ce_nonstall: &mut [u32; MAX_COPY_ENGINES],
) -> Result<IntrVector> {
    // Over 2 KiB: built and read on the heap, entry by entry.
    let params = KVec::from_elem(0u8, IntrGetKernelTableParams::SIZE, GFP_KERNEL)?;
    let table = rm::control_bytes::<InternalIntrGetKernelTable>(rpc, bar, dev, internal, &params)?;
    let entries = || (0..intr_table::MAX_TABLE_SIZE).map_while(|i| intr_table::entry(&table, i));
    *ce_nonstall = [NO_VECTOR; MAX_COPY_ENGINES];
    for e in entries() {
        let Some(n) = e.engine_idx.checked_sub(MC_ENGINE_IDX_CE0) else {
            continue;
        };
        if let Some(slot) = ce_nonstall.get_mut(usize::from(n)) {
            if IntrVector::new(e.vector_non_stall).is_some() {
                *slot = e.vector_non_stall;
            }
        }
    }
    let entry = entries()
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
