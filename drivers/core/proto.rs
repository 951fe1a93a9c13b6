// SPDX-License-Identifier: GPL-2.0

//! Facts shared with the emulator: the `core`-only source files of the
//! `nvgsp-proto` crate (`proto/src/`), compiled into this module. The core's
//! typed registers are checked against them at compile time, so the driver
//! and the device model cannot disagree silently.

#![expect(dead_code, unreachable_pub)]

#[path = "../../proto/src/bus.rs"]
pub(crate) mod bus;

#[path = "../../proto/src/copy.rs"]
pub(crate) mod copy;

#[path = "../../proto/src/chip.rs"]
pub(crate) mod chip;

#[path = "../../proto/src/falcon.rs"]
pub(crate) mod falcon;

#[path = "../../proto/src/host.rs"]
pub(crate) mod host;

#[path = "../../proto/src/intr.rs"]
pub(crate) mod intr;

#[path = "../../proto/src/mmu.rs"]
pub(crate) mod mmu;

#[path = "../../proto/src/wire.rs"]
pub(crate) mod wire;

#[path = "../../proto/src/gsp.rs"]
pub(crate) mod gsp;

#[path = "../../proto/src/firmware.rs"]
pub(crate) mod firmware;

#[path = "../../proto/src/partition.rs"]
pub(crate) mod partition;
