// SPDX-License-Identifier: GPL-2.0
//! The GSP-RM r570.144 interfaces the driver and the emulator share.
//!
//! Facts (layouts, numbers) come from Linux 7.3
//! `drivers/gpu/nova-core/gsp/fw/r570_144/bindings.rs`, which is generated
//! from NVIDIA's open-gpu-kernel-modules 570.144 headers, from nouveau's
//! `nvkm/subdev/gsp/rm/r535` and `r570` (with their `nvrm/*.h` excerpts), and
//! from NVIDIA's open-gpu-kernel-modules at tag 570.144, whose
//! `src/nvidia/interface/gsp_abi_check.c` pins most of the offsets tested
//! here. Each file names its sources.
//!
//! Files refer to each other and to [`crate::wire`] by relative paths
//! (`super::`), so the kernel module can include them under any parent.
//! The submodules carry explicit `#[path]`s: the kernel module includes
//! this file with `#[path]`, which makes rustc look for plain `mod x;`
//! files next to it (`proto/src/x.rs`) instead of in `proto/src/gsp/`; a
//! `#[path]` is relative to this file's directory in both builds.

#[path = "gsp/args.rs"]
pub mod args;
#[path = "gsp/calls.rs"]
pub mod calls;
#[path = "gsp/class.rs"]
pub mod class;
#[path = "gsp/fb_layout.rs"]
pub mod fb_layout;
#[path = "gsp/fifo.rs"]
pub mod fifo;
#[path = "gsp/function.rs"]
pub mod function;
#[path = "gsp/gr_info.rs"]
pub mod gr_info;
#[path = "gsp/intr_table.rs"]
pub mod intr_table;
#[path = "gsp/libos.rs"]
pub mod libos;
#[path = "gsp/msgq.rs"]
pub mod msgq;
#[path = "gsp/queue.rs"]
pub mod queue;
#[path = "gsp/rpc.rs"]
pub mod rpc;
#[path = "gsp/status.rs"]
pub mod status;
#[path = "gsp/vaspace.rs"]
pub mod vaspace;
#[path = "gsp/vgpu.rs"]
pub mod vgpu;
#[path = "gsp/wpr_meta.rs"]
pub mod wpr_meta;
