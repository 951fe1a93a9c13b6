// SPDX-License-Identifier: GPL-2.0
//! The parameter blocks GSP-RM writes back (control replies, the static
//! info) and the readers that clamp the counts in them: `class.rs`
//! (`GET_INFO_V2` lists, `GET_ENGINES_V2`, FB regions), `gr_info.rs`
//! (`GR_GET_INFO_V2`) and `GspStaticConfigInfo`'s accessors.
//!
//! The first byte picks the block, the next four are an index to look up,
//! the rest is the block. A lookup finds the first matching entry among the
//! first `min(count, capacity)` only; engine lists never exceed their
//! array; FB regions are the first `min(count, 16)` entries with a
//! non-overflowing `base..=limit`, and the usable ones are among them;
//! names stop at their first NUL.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nvgsp_proto::gsp::class::{
    CtrlInfo, FbRegionInfo, Nv2080CtrlFbGetFbRegionInfoParams, Nv2080CtrlFbGetInfoV2Params,
    Nv2080CtrlGpuGetEnginesV2Params, Nv2080CtrlGpuGetInfoV2Params,
    NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_MAX_ENTRIES, NV2080_GPU_MAX_ENGINES_LIST_SIZE,
};
use nvgsp_proto::gsp::gr_info::GrGetInfoV2Params;
use nvgsp_proto::gsp::rpc::static_info::GspStaticConfigInfo;
use nvgsp_proto::wire::Wire;
use nvgsp_proto_fuzz::{offset_in, round_trip, Input};

/// What an info lookup must return: the first entry with `index` among the
/// first `size` (clamped to the list).
fn lookup(list: &[CtrlInfo], size: u32, index: u32) -> Option<u32> {
    let n = (size as usize).min(list.len());
    list[..n].iter().find(|e| e.index == index).map(|e| e.data)
}

/// `request` then `get` on the request itself: every requested index is
/// found (with data 0), up to the list's capacity.
fn request_round_trip<P>(
    indices: &[u32],
    request: fn(&[u32]) -> P,
    get: fn(&P, u32) -> Option<u32>,
    cap: usize,
) {
    let p = request(indices);
    for &i in indices.iter().take(cap) {
        assert_eq!(get(&p, i), Some(0));
    }
}

fn fb_regions(p: &Nv2080CtrlFbGetFbRegionInfoParams) {
    let n = (p.num_fb_regions as usize).min(NV2080_CTRL_CMD_FB_GET_FB_REGION_INFO_MAX_ENTRIES);
    let want: Vec<&FbRegionInfo> = p.fb_region[..n]
        .iter()
        .filter(|r| r.limit >= r.base && r.limit != u64::MAX)
        .collect();
    let got: Vec<&FbRegionInfo> = p.regions().collect();
    assert_eq!(got, want);
    let usable: Vec<_> = p.usable_ranges().collect();
    let want_usable: Vec<_> = want
        .iter()
        .filter(|r| r.is_usable())
        .map(|r| r.base..r.limit + 1)
        .collect();
    assert_eq!(usable, want_usable);
    for r in &usable {
        assert!(r.start < r.end);
    }
}

fn static_info(b: &[u8]) {
    let Some(s) = round_trip::<GspStaticConfigInfo>(b) else {
        return;
    };
    for (name, array) in [
        (s.gpu_name(), &s.gpu_name_string[..]),
        (s.gpu_short_name(), &s.gpu_short_name_string[..]),
    ] {
        assert_eq!(offset_in(array, name), 0);
        assert!(!name.contains(&0));
        assert!(name.len() == array.len() || array[name.len()] == 0);
    }
    fb_regions(&s.fb_region_info_params);
    assert!(s.fb_regions().eq(s.fb_region_info_params.regions()));
    assert!(s
        .usable_fb_ranges()
        .eq(s.fb_region_info_params.usable_ranges()));
}

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    let sel = inp.u8();
    let index = inp.u32();
    let b = inp.rest();
    match sel % 6 {
        0 => {
            if let Some(p) = round_trip::<Nv2080CtrlGpuGetInfoV2Params>(b) {
                assert_eq!(
                    p.get(index),
                    lookup(&p.gpu_info_list, p.gpu_info_list_size, index)
                );
            }
            let indices: Vec<u32> = b.chunks_exact(4).map(|c| u32::decode(c).unwrap()).collect();
            request_round_trip(
                &indices,
                Nv2080CtrlGpuGetInfoV2Params::request,
                Nv2080CtrlGpuGetInfoV2Params::get,
                nvgsp_proto::gsp::class::NV2080_CTRL_GPU_INFO_MAX_LIST_SIZE,
            );
        }
        1 => {
            if let Some(p) = round_trip::<Nv2080CtrlFbGetInfoV2Params>(b) {
                assert_eq!(
                    p.get(index),
                    lookup(&p.fb_info_list, p.fb_info_list_size, index)
                );
            }
            let indices: Vec<u32> = b.chunks_exact(4).map(|c| u32::decode(c).unwrap()).collect();
            request_round_trip(
                &indices,
                Nv2080CtrlFbGetInfoV2Params::request,
                Nv2080CtrlFbGetInfoV2Params::get,
                nvgsp_proto::gsp::class::NV2080_CTRL_FB_INFO_MAX_LIST_SIZE,
            );
        }
        2 => {
            if let Some(p) = round_trip::<GrGetInfoV2Params>(b) {
                assert_eq!(
                    p.get(index),
                    lookup(&p.gr_info_list, p.gr_info_list_size, index)
                );
            }
            let indices: Vec<u32> = b.chunks_exact(4).map(|c| u32::decode(c).unwrap()).collect();
            request_round_trip(
                &indices,
                GrGetInfoV2Params::request,
                GrGetInfoV2Params::get,
                nvgsp_proto::gsp::gr_info::NV0080_CTRL_GR_INFO_MAX_SIZE,
            );
        }
        3 => {
            if let Some(p) = round_trip::<Nv2080CtrlGpuGetEnginesV2Params>(b) {
                let e = p.engines();
                assert_eq!(e.as_ptr(), p.engine_list.as_ptr());
                assert_eq!(
                    e.len(),
                    (p.engine_count as usize).min(NV2080_GPU_MAX_ENGINES_LIST_SIZE)
                );
                assert_eq!(e, &p.engine_list[..e.len()]);
            }
        }
        4 => {
            if let Some(p) = round_trip::<Nv2080CtrlFbGetFbRegionInfoParams>(b) {
                fb_regions(&p);
            }
        }
        _ => static_info(b),
    }
});
