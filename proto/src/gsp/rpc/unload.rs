// SPDX-License-Identifier: GPL-2.0
//! `UNLOADING_GUEST_DRIVER` (`rpc_unloading_guest_driver_v1F_07`): asks
//! GSP-RM to shut down; LIBOS then reports
//! [`super::super::libos::LIBOS_INTERRUPT_PROCESSOR_SUSPENDED`] in mailbox 0.
//!
//! Layout from nova-core `r570_144/bindings.rs`; power levels from
//! bindings.rs (`NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_*`); the flag
//! rule from nova-core `fw/commands.rs` `UnloadingGuestDriver::new()`.

crate::wire_struct! {
    /// `rpc_unloading_guest_driver_v1F_07`.
    pub struct RpcUnloadingGuestDriver {
        /// `bInPMTransition` (NvBool): state must survive (suspend/hibernate).
        pub b_in_pm_transition: u8,
        /// `bGc6Entering` (NvBool).
        pub b_gc6_entering: u8,
        /// Padding.
        pub _pad0: [u8; 2],
        /// `newLevel`: `NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_*`.
        pub new_level: u32,
    }
}

/// `NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_0`: full unload.
pub const NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_0: u32 = 0;
/// `NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_3`: suspend to RAM.
pub const NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_3: u32 = 3;
/// `NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_7`: hibernate.
pub const NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_7: u32 = 7;

impl RpcUnloadingGuestDriver {
    /// The request for `level`: `bInPMTransition` is set for every level but
    /// 0, as nova-core does.
    pub const fn new(level: u32) -> Self {
        Self {
            b_in_pm_transition: (level != NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_0) as u8,
            b_gc6_entering: 0,
            _pad0: [0; 2],
            new_level: level,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::super::wire::Wire;
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layout_and_round_trip() {
        // NvBool, NvBool, (pad 2), NvU32 = 8. gsp_abi_check.c: 0, 1, 4.
        assert_eq!(size_of::<RpcUnloadingGuestDriver>(), 8);
        assert_eq!(offset_of!(RpcUnloadingGuestDriver, b_gc6_entering), 1);
        assert_eq!(offset_of!(RpcUnloadingGuestDriver, new_level), 4);
        let r = RpcUnloadingGuestDriver::new(NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_3);
        let mut b = [0u8; 8];
        r.encode(&mut b).unwrap();
        assert_eq!(b, [1, 0, 0, 0, 3, 0, 0, 0]);
        assert_eq!(RpcUnloadingGuestDriver::decode(&b), Some(r));
        assert_eq!(RpcUnloadingGuestDriver::decode(&b[..7]), None);
        assert_eq!(RpcUnloadingGuestDriver::new(0).b_in_pm_transition, 0);
        assert_eq!(NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_7, 7);
    }
}
