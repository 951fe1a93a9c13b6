// SPDX-License-Identifier: GPL-2.0

//! Hardware enumeration once GSP-RM runs: GET_GSP_STATIC_INFO, then the
//! driver's own RM client, device and subdevice, and the controls that
//! describe the FB, the graphics engine and the engine list (the sequence
//! nouveau's r535 `gsp.c` and `rm/r570` follow at init).

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
        Engine,
        GpuConfig,
        MAX_COPY_ENGINES,
        MAX_ENGINES,
        MAX_USABLE_RANGES,
        NO_RUNLIST,
        NO_VECTOR, //
    },
    proto::gsp::{
        calls::{
            Call,
            CeGetFaultMethodBufferSize,
            Device0,
            FbGetInfoV2,
            GetGspStaticInfo,
            GpuGetEnginesV2,
            GrGetInfoV2,
            Handle,
            InternalFifoGetNumChannels,
            Root,
            Subdevice0, //
        },
        class::{
            self,
            Nv0000AllocParameters,
            Nv0080AllocParameters,
            Nv2080AllocParameters,
            Nv2080CtrlCeGetFaultMethodBufferSizeParams,
            Nv2080CtrlFbGetInfoV2Params,
            Nv2080CtrlGpuGetEnginesV2Params,
            Nv2080CtrlInternalFifoGetNumChannelsParams, //
        },
        gr_info::{
            self,
            GrGetInfoV2Params, //
        },
    },
    wire::Wire,
};

/// The driver's RM client and its device and subdevice (handles the
/// driver picks; GSP-RM's own internal ones start at 0xc1d00000).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RmHandles {
    /// The client (`NV01_ROOT`).
    pub(crate) client: Handle,
    /// Its `NV01_DEVICE_0`.
    pub(crate) device: Handle,
    /// Its `NV20_SUBDEVICE_0`.
    pub(crate) subdevice: Handle,
}

/// The core's own handles.
pub(crate) const CORE_HANDLES: RmHandles = RmHandles {
    client: Handle(0xc1e0_0001),
    device: Handle(0xde00_0001),
    subdevice: Handle(0x5d00_0001),
};

fn decode<T: Wire>(dev: &device::Device, what: &str, b: &[u8]) -> Result<T> {
    T::decode(b).ok_or_else(|| {
        dev_err!(dev, "GSP-RM sent a short {} ({} bytes)\n", what, b.len());
        EPROTO
    })
}

/// The largest fault method buffer the core accepts GSP-RM asking for.
const MAX_METHOD_BUFFER: u32 = 1 << 20;

/// Reads the static configuration, allocates the core's RM objects and
/// queries the GPU and the GSP's interrupt vector; on error the objects
/// are freed again. Each step is a function of its own, so the large
/// replies of one are off the stack before the next calls GSP-RM (the
/// probe's stack runs through here into the message queue's drain).
#[inline(never)]
pub(crate) fn enumerate(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
) -> Result<(GpuConfig, IntrVector)> {
    let (mut gpu, internal) = static_config(rpc, bar, dev)?;
    let h = CORE_HANDLES;
    alloc_namespace(rpc, bar, dev, h)?;
    match query(rpc, bar, dev, h, internal, &mut gpu) {
        Ok(vector) => Ok((gpu, vector)),
        Err(e) => {
            let _ = rm::free(rpc, bar, dev, h.client, h.client);
            Err(e)
        }
    }
}

/// GET_GSP_STATIC_INFO: the configuration it gives, and GSP-RM's
/// internal client and subdevice.
#[inline(never)]
fn static_config(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
) -> Result<(GpuConfig, (Handle, Handle))> {
    let reply = rpc.call::<GetGspStaticInfo>(bar, &[])?;
    rm::check(dev, "GET_GSP_STATIC_INFO", reply.status)?;
    let info: <GetGspStaticInfo as Call>::Reply =
        decode(dev, "GET_GSP_STATIC_INFO reply", &reply.payload)?;
    let mut gpu = GpuConfig {
        name: [0; 64],
        vram_size: info.fb_length,
        usable_vram: info.usable_fb_ranges().map(|r| r.end - r.start).sum(),
        gpcs: 0,
        tpcs_per_gpc: 0,
        engines: [Engine(0); MAX_ENGINES],
        engine_count: 0,
        usable: [(0, 0); MAX_USABLE_RANGES],
        usable_count: 0,
        channels: 0,
        method_buffer_size: 0,
        bar1_pde_base: info.bar1_pde_base,
        runlists: [NO_RUNLIST; MAX_ENGINES],
        ce_nonstall: [NO_VECTOR; MAX_COPY_ENGINES],
        vfs: 0,
        vmmu_segment: 0,
        internal: (
            Handle(info.h_internal_client),
            Handle(info.h_internal_subdevice),
        ),
    };
    for (slot, r) in gpu.usable.iter_mut().zip(info.usable_fb_ranges()) {
        *slot = (r.start, r.end);
        gpu.usable_count += 1;
    }
    let name = info.gpu_name();
    let n = name.len().min(gpu.name.len() - 1);
    gpu.name[..n].copy_from_slice(&name[..n]);

    Ok((
        gpu,
        (
            Handle(info.h_internal_client),
            Handle(info.h_internal_subdevice),
        ),
    ))
}

/// The controls that describe the GPU, on the core's subdevice `h` and
/// GSP-RM's `internal` one, into `gpu`; returns the GSP's vector.
#[inline(never)]
fn query(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    h: RmHandles,
    internal: (Handle, Handle),
    gpu: &mut GpuConfig,
) -> Result<IntrVector> {
    let sub = (h.client, h.subdevice);

    let engines =
        rm::control::<GpuGetEnginesV2>(rpc, bar, dev, sub, &Nv2080CtrlGpuGetEnginesV2Params::ZERO)?;
    for (slot, &e) in gpu.engines.iter_mut().zip(engines.engines()) {
        *slot = Engine(e);
        gpu.engine_count += 1;
    }

    let gr = rm::control::<GrGetInfoV2>(
        rpc,
        bar,
        dev,
        sub,
        &GrGetInfoV2Params::request(&[
            gr_info::GR_INFO_INDEX_LITTER_NUM_GPCS,
            gr_info::GR_INFO_INDEX_LITTER_NUM_TPC_PER_GPC,
        ]),
    )?;
    gpu.gpcs = gr.get(gr_info::GR_INFO_INDEX_LITTER_NUM_GPCS).unwrap_or(0);
    gpu.tpcs_per_gpc = gr
        .get(gr_info::GR_INFO_INDEX_LITTER_NUM_TPC_PER_GPC)
        .unwrap_or(0);

    let fb = rm::control::<FbGetInfoV2>(
        rpc,
        bar,
        dev,
        sub,
        &Nv2080CtrlFbGetInfoV2Params::request(&[class::NV2080_CTRL_FB_INFO_INDEX_RAM_SIZE]),
    )?;
    let ram = u64::from(
        fb.get(class::NV2080_CTRL_FB_INFO_INDEX_RAM_SIZE)
            .unwrap_or(0),
    ) << 10;
    if ram != gpu.vram_size {
        dev_warn!(
            dev,
            "GSP-RM reports {} MiB of VRAM in its static info but {} MiB in FB info\n",
            gpu.vram_size >> 20,
            ram >> 20
        );
    }

    // The channel IDs of the graphics runlist, from GSP-RM's internal
    // subdevice (what CPU-RM's kernel_fifo.c asks).
    let chans = rm::control::<InternalFifoGetNumChannels>(
        rpc,
        bar,
        dev,
        internal,
        &Nv2080CtrlInternalFifoGetNumChannelsParams::ZERO,
    )?;
    gpu.channels = chans.num_channels;
    // The fault method buffer each channel needs, asked once per boot
    // as nouveau's r535_fifo_runl_ctor does.
    let mb = rm::control::<CeGetFaultMethodBufferSize>(
        rpc,
        bar,
        dev,
        internal,
        &Nv2080CtrlCeGetFaultMethodBufferSizeParams::ZERO,
    )?;
    if mb.size == 0 || mb.size > MAX_METHOD_BUFFER {
        dev_err!(
            dev,
            "GSP-RM asks for a fault method buffer of {} bytes\n",
            mb.size
        );
        return Err(EPROTO);
    }
    gpu.method_buffer_size = mb.size;
    super::runlists::read(rpc, bar, dev, internal, gpu)?;
    super::intr_table::kernel_vectors(rpc, bar, dev, internal, &mut gpu.ce_nonstall)
}

/// Allocates the RM client `h.client` with its device and subdevice; on
/// error nothing stays allocated.
pub(crate) fn alloc_namespace(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    h: RmHandles,
) -> Result {
    let root = Nv0000AllocParameters {
        h_client: h.client.raw(),
        ..Nv0000AllocParameters::ZERO
    };
    rm::alloc::<Root>(rpc, bar, dev, (h.client, Handle(0), h.client), &root)?;
    let below = (|| {
        let device = Nv0080AllocParameters {
            h_client_share: h.client.raw(),
            ..Nv0080AllocParameters::ZERO
        };
        rm::alloc::<Device0>(rpc, bar, dev, (h.client, h.client, h.device), &device)?;
        rm::alloc::<Subdevice0>(
            rpc,
            bar,
            dev,
            (h.client, h.device, h.subdevice),
            &Nv2080AllocParameters::ZERO,
        )
    })();
    if let Err(e) = below {
        let _ = rm::free(rpc, bar, dev, h.client, h.client);
        return Err(e);
    }
    Ok(())
}

/// Frees the core's RM client and everything in it.
pub(crate) fn release(rpc: &Rpc, bar: Bar0<'_>, dev: &device::Device) -> Result {
    rm::free(rpc, bar, dev, CORE_HANDLES.client, CORE_HANDLES.client)
}
