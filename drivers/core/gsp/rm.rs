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
        calls::{
            Free,
            Handle,
            RmAlloc,
            RmClass,
            RmControl,
            RmControlCall, //
        },
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

/// Allocates `object` of class `K` under `parent` in `client`.
pub(crate) fn alloc<K: RmClass>(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    (client, parent, object): (Handle, Handle, Handle),
    params: &K::Params,
) -> Result {
    let hdr = RpcGspRmAlloc {
        h_client: client.raw(),
        h_parent: parent.raw(),
        h_object: object.raw(),
        h_class: K::CLASS,
        ..RpcGspRmAlloc::ZERO
    };
    let mut raw = KVec::from_elem(0u8, K::Params::SIZE, GFP_KERNEL)?;
    params.encode(&mut raw).ok_or(EINVAL)?;
    let mut buf = KVec::from_elem(
        0u8,
        RpcGspRmAlloc::SIZE_WITHOUT_PARAMS + raw.len(),
        GFP_KERNEL,
    )?;
    hdr.encode_with(&raw, &mut buf).ok_or(EINVAL)?;
    let reply = rpc.call::<RmAlloc>(bar, &buf)?;
    let (r, _) = RpcGspRmAlloc::parse(&reply.payload).map_err(|_| {
        dev_err!(dev, "GSP-RM sent a malformed GSP_RM_ALLOC reply\n");
        EPROTO
    })?;
    check(dev, "object allocation", r.status)?;
    check(dev, "object allocation RPC", reply.status)
}

/// Runs control `C` on `object` of `client` with `params`; returns the
/// parameters RM wrote back.
pub(crate) fn control<C: RmControl>(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    (client, object): (Handle, Handle),
    params: &C::Params,
) -> Result<C::Params> {
    let mut raw = KVec::from_elem(0u8, C::Params::SIZE, GFP_KERNEL)?;
    params.encode(&mut raw).ok_or(EINVAL)?;
    let out = control_bytes::<C>(rpc, bar, dev, (client, object), &raw)?;
    C::Params::decode(&out).ok_or_else(|| {
        dev_err!(dev, "GSP-RM control {:#x} returned too little\n", C::CMD);
        EPROTO
    })
}

/// Runs control `C` with `params` of any size (`NV0000_CTRL_CMD_NULL`
/// takes any); returns what RM wrote back, of the same size.
pub(crate) fn control_bytes<C: RmControl>(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    (client, object): (Handle, Handle),
    params: &[u8],
) -> Result<KVec<u8>> {
    let hdr = RpcGspRmControl {
        h_client: client.raw(),
        h_object: object.raw(),
        cmd: C::CMD,
        ..RpcGspRmControl::ZERO
    };
    let mut buf = KVec::from_elem(
        0u8,
        RpcGspRmControl::SIZE_WITHOUT_PARAMS + params.len(),
        GFP_KERNEL,
    )?;
    hdr.encode_with(params, &mut buf).ok_or(EINVAL)?;
    let reply = rpc.call::<RmControlCall>(bar, &buf)?;
    let (r, out) = RpcGspRmControl::parse(&reply.payload).map_err(|_| {
        dev_err!(dev, "GSP-RM sent a malformed GSP_RM_CONTROL reply\n");
        EPROTO
    })?;
    check(dev, "control", r.status)?;
    if out.len() != params.len() {
        dev_err!(
            dev,
            "GSP-RM control {:#x} returned {} bytes for {}\n",
            C::CMD,
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
    client: Handle,
    object: Handle,
) -> Result {
    let mut buf = [0u8; RpcFree::SIZE];
    RpcFree::new(client.raw(), object.raw())
        .encode(&mut buf)
        .ok_or(EINVAL)?;
    let reply = rpc.call::<Free>(bar, &buf)?;
    check(dev, "free", reply.status)
}
