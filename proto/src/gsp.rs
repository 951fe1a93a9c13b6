// SPDX-License-Identifier: GPL-2.0
//! The GSP-RM r570.144 interfaces the driver and the emulator share.
//!
//! Facts (layouts, numbers) come from Linux 7.3
//! `drivers/gpu/nova-core/gsp/fw/r570_144/bindings.rs`, which is generated
//! from NVIDIA's open-gpu-kernel-modules 570.144 headers, and from nouveau's
//! `nvkm/subdev/gsp/rm/r535/rpc.c`.

pub mod msgq;
