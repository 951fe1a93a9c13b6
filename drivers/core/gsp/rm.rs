// SPDX-License-Identifier: GPL-2.0

//! GSP-RM's object API over RPC: GSP_RM_ALLOC, GSP_RM_CONTROL and FREE on
//! handles the driver chooses, with RM's NV_STATUS turned into one log line
//! and an errno (payload layouts in `proto/src/gsp/rpc/rm.rs`).

use kernel::{
    device,
    prelude::*, //
};

use super::transport::Rpc;
use crate::{
    bar::Bar0,
    proto::gsp::{
        function::Function,
        rpc::rm::{
            RpcFree,
            RpcGspRmAlloc,
            RpcGspRmControl, //
        },
        status::{
            self,
            NV_OK, //
        },
    },
    wire::Wire,
};

/// Maps an RM status to an errno, logging it once.
pub(crate) fn check(dev: &device::Device, what: &str, status: u32) -> Result {
    if status == NV_OK {
        return Ok(());
    }
    dev_err!(
        dev,
        "GSP-RM {} failed: {} ({:#x})\n",
        what,
        status::status_name(status),
        status
    );
    Err(match status {
        status::NV_ERR_NO_MEMORY | status::NV_ERR_INSUFFICIENT_RESOURCES => ENOMEM,
        status::NV_ERR_NOT_SUPPORTED => EOPNOTSUPP,
        status::NV_ERR_TIMEOUT => ETIMEDOUT,
        _ => EIO,
    })
}

/// Allocates object `object` of `class` under `parent` in `client`.
pub(crate) fn alloc(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    (client, parent, object, class): (u32, u32, u32, u32),
    params: &[u8],
) -> Result {
    let hdr = RpcGspRmAlloc {
        h_client: client,
        h_parent: parent,
        h_object: object,
        h_class: class,
        ..RpcGspRmAlloc::ZERO
    };
    let mut buf = KVec::from_elem(
        0u8,
        RpcGspRmAlloc::SIZE_WITHOUT_PARAMS + params.len(),
        GFP_KERNEL,
    )?;
    hdr.encode_with(params, &mut buf).ok_or(EINVAL)?;
    let reply = rpc.call(bar, Function::GspRmAlloc, &buf)?;
    let (r, _) = RpcGspRmAlloc::parse(&reply.payload).map_err(|_| {
        dev_err!(dev, "GSP-RM sent a malformed GSP_RM_ALLOC reply\n");
        EPROTO
    })?;
    check(dev, "object allocation", r.status)?;
    check(dev, "object allocation RPC", reply.status)
}

/// Runs control `cmd` on `object` with `params`; returns the parameters RM
/// wrote back (the same size).
pub(crate) fn control(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    (client, object): (u32, u32),
    cmd: u32,
    params: &[u8],
) -> Result<KVec<u8>> {
    let hdr = RpcGspRmControl {
        h_client: client,
        h_object: object,
        cmd,
        ..RpcGspRmControl::ZERO
    };
    let mut buf = KVec::from_elem(
        0u8,
        RpcGspRmControl::SIZE_WITHOUT_PARAMS + params.len(),
        GFP_KERNEL,
    )?;
    hdr.encode_with(params, &mut buf).ok_or(EINVAL)?;
    let reply = rpc.call(bar, Function::GspRmControl, &buf)?;
    let (r, out) = RpcGspRmControl::parse(&reply.payload).map_err(|_| {
        dev_err!(dev, "GSP-RM sent a malformed GSP_RM_CONTROL reply\n");
        EPROTO
    })?;
    check(dev, "control", r.status)?;
    if out.len() != params.len() {
        dev_err!(
            dev,
            "GSP-RM control {:#x} returned {} bytes for {}\n",
            cmd,
            out.len(),
            params.len()
        );
        return Err(EPROTO);
    }
    let mut v = KVec::new();
    v.extend_from_slice(out, GFP_KERNEL)?;
    Ok(v)
}

/// Frees `object` (and everything below it) in `client`.
pub(crate) fn free(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    client: u32,
    object: u32,
) -> Result {
    let mut buf = [0u8; RpcFree::SIZE];
    RpcFree::new(client, object)
        .encode(&mut buf)
        .ok_or(EINVAL)?;
    let reply = rpc.call(bar, Function::Free, &buf)?;
    check(dev, "free", reply.status)
}
