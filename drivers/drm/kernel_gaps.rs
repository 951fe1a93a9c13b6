// SPDX-License-Identifier: GPL-2.0

//! What the DRM client needs of the kernel that Linux 7.3's Rust does not
//! offer, as thin, audited layers over the C side (`nvgsp_drm_io.c`,
//! `nvgsp_drm_sync.c`): the only files of the client with `unsafe`. Each
//! is shaped so an upstream abstraction can replace it.

mod io;
mod queue;
mod sync;

pub(crate) use io::*;
pub(crate) use queue::OwnedQueue;
pub(crate) use sync::*;
