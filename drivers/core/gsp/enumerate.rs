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
    gsp::config::{
        GpuConfig,
        MAX_ENGINES,
        MAX_USABLE_RANGES, //
    },
    proto::gsp::{
        class::{
            self,
            Nv0000AllocParameters,
            Nv0080AllocParameters,
            Nv2080AllocParameters,
            Nv2080CtrlFbGetInfoV2Params,
            Nv2080CtrlGpuGetEnginesV2Params,
            Nv2080CtrlInternalFifoGetNumChannelsParams, //
        },
        function::Function,
        gr_info::{
            self,
            GrGetInfoV2Params, //
        },
        rpc::static_info::GspStaticConfigInfo,
    },
    wire::Wire,
};

/// The driver's RM client and its device and subdevice (handles the
/// driver picks; GSP-RM's own internal ones start at 0xc1d00000).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RmHandles {
    /// The client (`NV01_ROOT`).
    pub(crate) client: u32,
    /// Its `NV01_DEVICE_0`.
    pub(crate) device: u32,
    /// Its `NV20_SUBDEVICE_0`.
    pub(crate) subdevice: u32,
}

/// The core's own handles.
pub(crate) const CORE_HANDLES: RmHandles = RmHandles {
    client: 0xc1e0_0001,
    device: 0xde00_0001,
    subdevice: 0x5d00_0001,
};

fn encode<T: Wire>(v: &T) -> Result<KVec<u8>> {
    let mut out = KVec::from_elem(0u8, T::SIZE, GFP_KERNEL)?;
    v.encode(&mut out).ok_or(EINVAL)?;
    Ok(out)
}

fn decode<T: Wire>(dev: &device::Device, what: &str, b: &[u8]) -> Result<T> {
    T::decode(b).ok_or_else(|| {
        dev_err!(dev, "GSP-RM sent a short {} ({} bytes)\n", what, b.len());
        EPROTO
    })
}

/// Reads the static configuration, allocates the core's RM objects and
/// queries the GPU; on error the objects are freed again.
pub(crate) fn enumerate(rpc: &Rpc, bar: Bar0<'_>, dev: &device::Device) -> Result<GpuConfig> {
    let reply = rpc.call(bar, Function::GetGspStaticInfo, &[])?;
    rm::check(dev, "GET_GSP_STATIC_INFO", reply.status)?;
    let info: GspStaticConfigInfo = decode(dev, "GET_GSP_STATIC_INFO reply", &reply.payload)?;
    let mut gpu = GpuConfig {
        name: [0; 64],
        vram_size: info.fb_length,
        usable_vram: info.usable_fb_ranges().map(|r| r.end - r.start).sum(),
        gpcs: 0,
        tpcs_per_gpc: 0,
        engines: [0; MAX_ENGINES],
        engine_count: 0,
        usable: [(0, 0); MAX_USABLE_RANGES],
        usable_count: 0,
        channels: 0,
    };
    for (slot, r) in gpu.usable.iter_mut().zip(info.usable_fb_ranges()) {
        *slot = (r.start, r.end);
        gpu.usable_count += 1;
    }
    let name = info.gpu_name();
    let n = name.len().min(gpu.name.len() - 1);
    gpu.name[..n].copy_from_slice(&name[..n]);

    let h = CORE_HANDLES;
    alloc_namespace(rpc, bar, dev, h)?;
    let queried = (|| {
        let sub = (h.client, h.subdevice);

        let out = rm::control(
            rpc,
            bar,
            dev,
            sub,
            class::NV2080_CTRL_CMD_GPU_GET_ENGINES_V2,
            &encode(&Nv2080CtrlGpuGetEnginesV2Params::ZERO)?,
        )?;
        let engines: Nv2080CtrlGpuGetEnginesV2Params = decode(dev, "engine list", &out)?;
        for (slot, &e) in gpu.engines.iter_mut().zip(engines.engines()) {
            *slot = e;
            gpu.engine_count += 1;
        }

        let out = rm::control(
            rpc,
            bar,
            dev,
            sub,
            gr_info::NV2080_CTRL_CMD_GR_GET_INFO_V2,
            &encode(&GrGetInfoV2Params::request(&[
                gr_info::GR_INFO_INDEX_LITTER_NUM_GPCS,
                gr_info::GR_INFO_INDEX_LITTER_NUM_TPC_PER_GPC,
            ]))?,
        )?;
        let gr: GrGetInfoV2Params = decode(dev, "GR info", &out)?;
        gpu.gpcs = gr.get(gr_info::GR_INFO_INDEX_LITTER_NUM_GPCS).unwrap_or(0);
        gpu.tpcs_per_gpc = gr
            .get(gr_info::GR_INFO_INDEX_LITTER_NUM_TPC_PER_GPC)
            .unwrap_or(0);

        let out = rm::control(
            rpc,
            bar,
            dev,
            sub,
            class::NV2080_CTRL_CMD_FB_GET_INFO_V2,
            &encode(&Nv2080CtrlFbGetInfoV2Params::request(&[
                class::NV2080_CTRL_FB_INFO_INDEX_RAM_SIZE,
            ]))?,
        )?;
        let fb: Nv2080CtrlFbGetInfoV2Params = decode(dev, "FB info", &out)?;
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
        let out = rm::control(
            rpc,
            bar,
            dev,
            (info.h_internal_client, info.h_internal_subdevice),
            class::NV2080_CTRL_CMD_INTERNAL_FIFO_GET_NUM_CHANNELS,
            &encode(&Nv2080CtrlInternalFifoGetNumChannelsParams::ZERO)?,
        )?;
        let chans: Nv2080CtrlInternalFifoGetNumChannelsParams = decode(dev, "channel count", &out)?;
        gpu.channels = chans.num_channels;
        Ok(())
    })();
    if let Err(e) = queried {
        let _ = rm::free(rpc, bar, dev, h.client, h.client);
        return Err(e);
    }
    Ok(gpu)
}

/// Allocates the RM client `h.client` with its device and subdevice; on
/// error nothing stays allocated.
pub(crate) fn alloc_namespace(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    h: RmHandles,
) -> Result {
    let mut root = Nv0000AllocParameters::ZERO;
    root.h_client = h.client;
    rm::alloc(
        rpc,
        bar,
        dev,
        (h.client, 0, h.client, class::NV01_ROOT),
        &encode(&root)?,
    )?;
    let below = (|| {
        let mut device = Nv0080AllocParameters::ZERO;
        device.h_client_share = h.client;
        rm::alloc(
            rpc,
            bar,
            dev,
            (h.client, h.client, h.device, class::NV01_DEVICE_0),
            &encode(&device)?,
        )?;
        rm::alloc(
            rpc,
            bar,
            dev,
            (h.client, h.device, h.subdevice, class::NV20_SUBDEVICE_0),
            &encode(&Nv2080AllocParameters::ZERO)?,
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
