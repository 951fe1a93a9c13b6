// SPDX-License-Identifier: GPL-2.0

//! What the core serves its clients for one GPU: the booted GSP-RM (for RM
//! namespaces and objects) and the partitioned VRAM and channel IDs. The
//! client API (`client.rs`) is a thin typed layer over this.

use kernel::{
    device,
    prelude::*,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
};

use crate::{
    client::GpuConfig,
    driver::Bar0,
    gpu::Spec,
    gsp::{
        enumerate::{
            self,
            RmHandles, //
        },
        rm,
        Gsp, //
    },
    partition::Partition,
};

/// The RM client handles of clients' namespaces: `CLIENT_HANDLE_BASE + n`
/// (the core's own is `enumerate::CORE_HANDLES.client`, n = 1).
const CLIENT_HANDLE_BASE: u32 = 0xc1e0_0000;

/// The core's services for one bound GPU.
#[pin_data]
pub(crate) struct Services<'a> {
    pub(crate) dev: &'a device::Device,
    pub(crate) bar: Bar0<'a>,
    pub(crate) gsp: &'a Gsp,
    pub(crate) spec: Spec,
    pub(crate) gpu: GpuConfig,
    #[pin]
    pub(crate) partition: Partition,
    /// The last RM client handle number given out.
    next_client: Atomic<u32>,
}

impl<'a> Services<'a> {
    pub(crate) fn new(
        dev: &'a device::Device,
        bar: Bar0<'a>,
        gsp: &'a Gsp,
        spec: Spec,
        gpu: GpuConfig,
        policy: crate::proto::partition::Policy,
    ) -> impl PinInit<Self, Error> + 'a {
        let mut ranges: [core::ops::Range<u64>; crate::client::MAX_USABLE_RANGES] =
            core::array::from_fn(|_| 0..0);
        let mut n = 0;
        for (slot, r) in ranges.iter_mut().zip(gpu.usable_ranges()) {
            *slot = r;
            n += 1;
        }
        try_pin_init!(Self {
            dev,
            bar,
            gsp,
            spec,
            gpu,
            partition <- Partition::new(dev, &ranges[..n], gpu.channels(), policy),
            next_client: Atomic::new(1),
        })
    }

    /// Allocates a new RM namespace: a client, the device and subdevice.
    pub(crate) fn open_namespace(&self) -> Result<RmHandles> {
        let n = self.next_client.fetch_add(1, Relaxed).wrapping_add(1);
        let h = RmHandles {
            client: CLIENT_HANDLE_BASE | (n & 0xffff),
            ..enumerate::CORE_HANDLES
        };
        enumerate::alloc_namespace(&self.gsp.rpc, self.bar, self.dev, h)?;
        Ok(h)
    }

    /// Frees RM client `client` and every object in it.
    pub(crate) fn close_namespace(&self, client: u32) -> Result {
        rm::free(&self.gsp.rpc, self.bar, self.dev, client, client)
    }
}
