// SPDX-License-Identifier: GPL-2.0
//! The VBIOS parsers one at a time, each on an input of its own (so the
//! fuzzer need not build a whole ROM to reach them): `rom::ImageHeaders`,
//! `bit::BitTable::find`, `ucode_table::FalconUcodeTable::parse`,
//! `ucode_desc::FwsecUcode::parse`, `appif::DmemInterface::find` with
//! `patch`/`command`, and `appif::FwsecCommand::decode`.
//!
//! The first byte picks the parser; what each asserts is in
//! `src/vbios.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nvgsp_proto_fuzz::{vbios as check, Input};

fuzz_target!(|data: &[u8]| {
    let mut inp = Input::new(data);
    match inp.u8() % 5 {
        0 => {
            check::image_headers(inp.rest());
        }
        1 => {
            check::bit(inp.rest());
        }
        2 => {
            let offset = usize::from(inp.u8()) * 2;
            check::ucode_table(inp.rest(), offset);
        }
        3 => {
            check::fwsec(inp.rest());
        }
        _ => {
            let interface_offset = u32::from(inp.u8()) * 4;
            let init_cmd = inp.u32();
            let frts = (inp.u64(), inp.u64());
            check::dmem_interface(inp.rest(), interface_offset, init_cmd, frts);
        }
    }
});
