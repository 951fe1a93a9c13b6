// SPDX-License-Identifier: GPL-2.0
//! `NV2080_CTRL_CMD_GR_GET_INFO_V2`: graphics-engine facts such as the GPC
//! and TPC counts, returned inline (the V1 control passes a pointer, which
//! cannot cross the RPC boundary).
//!
//! Numbers from NVIDIA open-gpu-kernel-modules `ctrl2080gr.h`
//! (`NV2080_CTRL_CMD_GR_GET_INFO_V2` = 0x20801228, aliasing
//! `NV0080_CTRL_GR_GET_INFO_V2_PARAMS`) and `ctrl0080gr.h` (the info
//! indices, `NV0080_CTRL_GR_INFO_MAX_SIZE` = INDEX_MAX + 1 = 0x3a, and
//! `NV0080_CTRL_GR_ROUTE_INFO` with its 8-byte aligned `route`).

use super::class::CtrlInfo;

/// `NV2080_CTRL_CMD_GR_GET_INFO_V2`.
pub const NV2080_CTRL_CMD_GR_GET_INFO_V2: u32 = 0x2080_1228;
/// `NV0080_CTRL_GR_INFO_MAX_SIZE`.
pub const NV0080_CTRL_GR_INFO_MAX_SIZE: usize = 0x3a;
/// `NV0080_CTRL_GR_INFO_INDEX_LITTER_NUM_GPCS`.
pub const GR_INFO_INDEX_LITTER_NUM_GPCS: u32 = 0x14;
/// `NV0080_CTRL_GR_INFO_INDEX_LITTER_NUM_TPC_PER_GPC`.
pub const GR_INFO_INDEX_LITTER_NUM_TPC_PER_GPC: u32 = 0x17;
/// `NV0080_CTRL_GR_INFO_INDEX_LITTER_NUM_SM_PER_TPC`.
pub const GR_INFO_INDEX_LITTER_NUM_SM_PER_TPC: u32 = 0x20;

crate::wire_struct! {
    /// `NV0080_CTRL_GR_ROUTE_INFO`.
    pub struct GrRouteInfo {
        /// `flags`.
        pub flags: u32,
        /// Alignment of `route`.
        pub _pad0: u32,
        /// `route`.
        pub route: u64,
    }

    /// `NV0080_CTRL_GR_GET_INFO_V2_PARAMS`.
    pub struct GrGetInfoV2Params {
        /// `grInfoListSize`: entries used.
        pub gr_info_list_size: u32,
        /// `grInfoList`.
        pub gr_info_list: [CtrlInfo; NV0080_CTRL_GR_INFO_MAX_SIZE],
        /// Alignment of `grRouteInfo`.
        pub _pad0: u32,
        /// `grRouteInfo`.
        pub gr_route_info: GrRouteInfo,
    }
}

impl GrGetInfoV2Params {
    /// A request for `indices` (at most the list size).
    pub fn request(indices: &[u32]) -> Self {
        let mut p = <Self as super::super::wire::Wire>::ZERO;
        for (slot, &index) in p.gr_info_list.iter_mut().zip(indices) {
            slot.index = index;
            p.gr_info_list_size += 1;
        }
        p
    }

    /// The value returned for `index`; the count the other side wrote is
    /// clamped to the list.
    pub fn get(&self, index: u32) -> Option<u32> {
        self.gr_info_list
            .iter()
            .take(self.gr_info_list_size as usize)
            .find(|e| e.index == index)
            .map(|e| e.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layout() {
        // 4 + 0x3a * 8 = 468, padded to 472 for the aligned route info
        // (flags, pad, route): 472 + 16 = 488.
        assert_eq!(size_of::<GrRouteInfo>(), 16);
        assert_eq!(offset_of!(GrGetInfoV2Params, gr_info_list), 4);
        assert_eq!(offset_of!(GrGetInfoV2Params, gr_route_info), 472);
        assert_eq!(size_of::<GrGetInfoV2Params>(), 488);
    }

    #[test]
    fn request_and_lookup_clamp_the_count() {
        let mut p = GrGetInfoV2Params::request(&[GR_INFO_INDEX_LITTER_NUM_GPCS]);
        p.gr_info_list[0].data = 7;
        assert_eq!(p.get(GR_INFO_INDEX_LITTER_NUM_GPCS), Some(7));
        assert_eq!(p.get(GR_INFO_INDEX_LITTER_NUM_TPC_PER_GPC), None);
        p.gr_info_list_size = u32::MAX;
        assert_eq!(p.get(GR_INFO_INDEX_LITTER_NUM_GPCS), Some(7));
    }
}
