// SPDX-License-Identifier: GPL-2.0
//! Making a host channel runnable and giving it a copy engine: the RM
//! controls CPU-RM (and nouveau r535/r570 `r535_chan_ramfc_write`) sends
//! after allocating an `AMPERE_CHANNEL_GPFIFO_A`, the copy-engine object
//! allocated under the channel (nouveau r535 `r535_ce_alloc`), and the
//! device information table that names each engine's runlist (nouveau
//! r535 `r535_fifo_runl_ctor`), from which the channel's doorbell token is
//! made.
//!
//! Layouts from open-gpu-kernel-modules 570.144: `ctrla06fgpfifo.h`,
//! `clb0b5sw.h`, `ctrl2080fifo.h`, `engine_info.h`; sizes pinned by
//! `src/nvidia/interface/gsp_abi_check.c`.

/// `NVB0B5_ALLOCATION_PARAMETERS_VERSION_1`: `engine_type` is an
/// `NV2080_ENGINE_TYPE_COPYn`.
pub const NVB0B5_ALLOCATION_PARAMETERS_VERSION_1: u32 = 1;

/// `NVA06F_CTRL_CMD_GPFIFO_SCHEDULE`: lets the host schedule the channel
/// (on the channel object).
pub const NVA06F_CTRL_CMD_GPFIFO_SCHEDULE: u32 = 0xa06f_0103;
/// `NVA06F_CTRL_CMD_BIND`: binds the channel to its engine's runlist (on
/// the channel object).
pub const NVA06F_CTRL_CMD_BIND: u32 = 0xa06f_0104;

/// `NV2080_CTRL_CMD_FIFO_GET_DEVICE_INFO_TABLE`: the host's engines with
/// their runlists (on GSP-RM's internal subdevice).
pub const NV2080_CTRL_CMD_FIFO_GET_DEVICE_INFO_TABLE: u32 = 0x2080_1112;
/// `NV2080_CTRL_FIFO_GET_DEVICE_INFO_TABLE_MAX_ENTRIES`: entries per call.
pub const DEVICE_INFO_MAX_ENTRIES: usize = 32;
/// `NV2080_CTRL_FIFO_GET_DEVICE_INFO_TABLE_ENGINE_DATA_TYPES`.
pub const DEVICE_INFO_ENGINE_DATA_TYPES: usize = 16;
/// `ENGINE_INFO_TYPE_RM_ENGINE_TYPE`: index in `engine_data` of the
/// engine's RM engine type (`RM_ENGINE_TYPE_*`, not the NV2080 one).
pub const ENGINE_INFO_TYPE_RM_ENGINE_TYPE: usize = 2;
/// `ENGINE_INFO_TYPE_RUNLIST`: index in `engine_data` of the engine's
/// runlist.
pub const ENGINE_INFO_TYPE_RUNLIST: usize = 3;
/// `RM_ENGINE_TYPE_GR0` (nouveau r570 `nvrm/engine.h`).
pub const RM_ENGINE_TYPE_GR0: u32 = 1;
/// `RM_ENGINE_TYPE_COPY0`; COPYn follow.
pub const RM_ENGINE_TYPE_COPY0: u32 = 9;

crate::wire_struct! {
    /// `NVB0B5_ALLOCATION_PARAMETERS`: allocation parameters of a copy
    /// class, under a channel of the same engine.
    pub struct NvB0b5AllocationParameters {
        /// `version`: [`NVB0B5_ALLOCATION_PARAMETERS_VERSION_1`].
        pub version: u32,
        /// `engineType`: `NV2080_ENGINE_TYPE_COPYn`.
        pub engine_type: u32,
    }

    /// `NVA06F_CTRL_BIND_PARAMS`.
    pub struct NvA06fCtrlBindParams {
        /// `engineType`: the channel's `NV2080_ENGINE_TYPE_*`.
        pub engine_type: u32,
    }

    /// `NVA06F_CTRL_GPFIFO_SCHEDULE_PARAMS`.
    pub struct NvA06fCtrlGpfifoScheduleParams {
        /// `bEnable`: 1 to schedule.
        pub enable: u8,
        /// `bSkipSubmit`: 1 to enable without submitting the runlist.
        pub skip_submit: u8,
    }

    /// `NV2080_CTRL_FIFO_DEVICE_ENTRY`: one engine of the host.
    pub struct Nv2080CtrlFifoDeviceEntry {
        /// `engineData`: by `ENGINE_INFO_TYPE_*`.
        pub engine_data: [u32; DEVICE_INFO_ENGINE_DATA_TYPES],
        /// `pbdmaIds`.
        pub pbdma_ids: [u32; 2],
        /// `pbdmaFaultIds`.
        pub pbdma_fault_ids: [u32; 2],
        /// `numPbdmas`.
        pub num_pbdmas: u32,
        /// `engineName`: NUL-terminated.
        pub engine_name: [u8; 16],
    }

    /// `NV2080_CTRL_FIFO_GET_DEVICE_INFO_TABLE_PARAMS`: entries from
    /// `base_index` on; `more` if there are others after them.
    pub struct Nv2080CtrlFifoGetDeviceInfoTableParams {
        /// `baseIndex`: in, a multiple of 32.
        pub base_index: u32,
        /// `numEntries`: out.
        pub num_entries: u32,
        /// `bMore`: out.
        pub more: u8,
        /// Alignment of `entries`.
        pub _pad: [u8; 3],
        /// `entries`.
        pub entries: [Nv2080CtrlFifoDeviceEntry; DEVICE_INFO_MAX_ENTRIES],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Wire;

    #[test]
    fn sizes_are_the_headers() {
        // gsp_abi_check.c (570.144).
        assert_eq!(NvB0b5AllocationParameters::SIZE, 8);
        assert_eq!(NvA06fCtrlBindParams::SIZE, 4);
        assert_eq!(NvA06fCtrlGpfifoScheduleParams::SIZE, 2);
        assert_eq!(Nv2080CtrlFifoDeviceEntry::SIZE, 100);
        assert_eq!(Nv2080CtrlFifoGetDeviceInfoTableParams::SIZE, 3212);
    }
}
