// SPDX-License-Identifier: GPL-2.0
//! The RM object API over RPC: `GSP_RM_ALLOC` (`rpc_gsp_rm_alloc_v03_00`),
//! `GSP_RM_CONTROL` (`rpc_gsp_rm_control_v03_00`) and `FREE`
//! (`rpc_free_v03_00` around `NVOS00_PARAMETERS_v03_00`).
//!
//! The reply to each is the same structure with `status` (an `NV_STATUS`)
//! and, for alloc and control, the parameters written back.
//!
//! Layouts from NVIDIA `g_rpc-structures.h` / `g_sdk-structures.h`
//! (570.144) and nouveau `r535/nvrm/{alloc,ctrl}.h`; offsets cross-checked
//! with NVIDIA `gsp_abi_check.c` (570.144).

use super::{encode_with_tail, split_header, take_tail, PayloadError};

/// `RMAPI_RPC_FLAGS_NONE` (rmapi.h): `flags` of a control RPC.
pub const RMAPI_RPC_FLAGS_NONE: u32 = 0;
/// `RMAPI_RPC_FLAGS_COPYOUT_ON_ERROR`: copy the parameters back even when
/// `status` is an error.
pub const RMAPI_RPC_FLAGS_COPYOUT_ON_ERROR: u32 = 1 << 0;
/// `RMAPI_RPC_FLAGS_SERIALIZED`: `params` is a FINN-serialized buffer, not
/// the flat parameter struct.
pub const RMAPI_RPC_FLAGS_SERIALIZED: u32 = 1 << 1;

crate::wire_struct! {
    /// `rpc_gsp_rm_alloc_v03_00` without its `params[]` tail.
    pub struct RpcGspRmAlloc {
        /// `hClient`.
        pub h_client: u32,
        /// `hParent`.
        pub h_parent: u32,
        /// `hObject`: the new object's handle, chosen by the caller.
        pub h_object: u32,
        /// `hClass`: the class to allocate.
        pub h_class: u32,
        /// `status`: `NV_STATUS`, set by GSP-RM in the reply (0 in the request).
        pub status: u32,
        /// `paramsSize`: bytes of `params`.
        pub params_size: u32,
        /// `flags`.
        pub flags: u32,
        /// `reserved[4]`.
        pub reserved: [u8; 4],
    }

    /// `rpc_gsp_rm_control_v03_00` without its `params[]` tail.
    pub struct RpcGspRmControl {
        /// `hClient`.
        pub h_client: u32,
        /// `hObject`: the object the command is sent to.
        pub h_object: u32,
        /// `cmd`: the control command (`NV2080_CTRL_CMD_*` ...).
        pub cmd: u32,
        /// `status`: `NV_STATUS`, set by GSP-RM in the reply.
        pub status: u32,
        /// `paramsSize`: bytes of `params`.
        pub params_size: u32,
        /// `flags`: `RMAPI_RPC_FLAGS_*`.
        pub flags: u32,
    }

    /// `NVOS00_PARAMETERS_v03_00`: the `NvRmFree()` parameters.
    pub struct Nvos00Parameters {
        /// `hRoot`: the client.
        pub h_root: u32,
        /// `hObjectParent` (nouveau sends 0).
        pub h_object_parent: u32,
        /// `hObjectOld`: the object to free (the client itself frees the client).
        pub h_object_old: u32,
        /// `status`: `NV_STATUS`, set by GSP-RM in the reply.
        pub status: u32,
    }

    /// `rpc_free_v03_00`.
    pub struct RpcFree {
        /// `params`.
        pub params: Nvos00Parameters,
    }
}

/// The methods of the RPCs that carry RM parameters after a fixed header
/// with a `paramsSize` field.
macro_rules! with_params {
    ($name:ident, $size:expr, $c:literal) => {
        impl $name {
            /// Splits a payload into its header and its `paramsSize` bytes
            /// of parameters. Bytes past the parameters are ignored.
            pub fn parse(payload: &[u8]) -> Result<(Self, &[u8]), PayloadError> {
                let (hdr, rest) = split_header::<Self>(payload)?;
                let params = take_tail(rest, hdr.params_size, "paramsSize")?;
                Ok((hdr, params))
            }

            /// Writes the header, with `paramsSize` set to `params.len()`,
            /// and `params`; returns the payload length.
            pub fn encode_with(&self, params: &[u8], buf: &mut [u8]) -> Option<usize> {
                let hdr = Self {
                    params_size: u32::try_from(params.len()).ok()?,
                    ..*self
                };
                encode_with_tail(&hdr, Self::SIZE_WITHOUT_PARAMS, params, buf)
            }

            /// The payload length the header at the start of `payload`
            /// declares (header and `paramsSize`), if the header is there:
            /// what a split message must add up to.
            pub fn declared_len(payload: &[u8]) -> Option<usize> {
                let (hdr, _) = split_header::<Self>(payload).ok()?;
                Self::SIZE_WITHOUT_PARAMS.checked_add(hdr.params_size as usize)
            }

            #[doc = concat!("`offsetof(", $c, ", params)`.")]
            pub const SIZE_WITHOUT_PARAMS: usize = $size;
        }
    };
}

with_params!(RpcGspRmAlloc, 32, "rpc_gsp_rm_alloc_v03_00");
with_params!(RpcGspRmControl, 24, "rpc_gsp_rm_control_v03_00");

impl RpcFree {
    /// The request nouveau `r535_gsp_rpc_rm_free()` sends to free `object`
    /// of `client`.
    pub const fn new(client: u32, object: u32) -> Self {
        Self {
            params: Nvos00Parameters {
                h_root: client,
                h_object_parent: 0,
                h_object_old: object,
                status: 0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::super::wire::Wire;
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layouts() {
        // Seven NvU32 and NvU8[4]: params at 32. gsp_abi_check.c:
        // hClient 0 .. flags 24, reserved 28, params (flexible) 32.
        assert_eq!(size_of::<RpcGspRmAlloc>(), 32);
        assert_eq!(RpcGspRmAlloc::SIZE_WITHOUT_PARAMS, 32);
        assert_eq!(offset_of!(RpcGspRmAlloc, h_parent), 4);
        assert_eq!(offset_of!(RpcGspRmAlloc, h_object), 8);
        assert_eq!(offset_of!(RpcGspRmAlloc, h_class), 12);
        assert_eq!(offset_of!(RpcGspRmAlloc, status), 16);
        assert_eq!(offset_of!(RpcGspRmAlloc, params_size), 20);
        assert_eq!(offset_of!(RpcGspRmAlloc, flags), 24);
        assert_eq!(offset_of!(RpcGspRmAlloc, reserved), 28);
        // Six NvU32: params at 24. gsp_abi_check.c: cmd 8, status 12,
        // paramsSize 16, flags 20, params 24.
        assert_eq!(size_of::<RpcGspRmControl>(), 24);
        assert_eq!(RpcGspRmControl::SIZE_WITHOUT_PARAMS, 24);
        assert_eq!(offset_of!(RpcGspRmControl, h_object), 4);
        assert_eq!(offset_of!(RpcGspRmControl, cmd), 8);
        assert_eq!(offset_of!(RpcGspRmControl, status), 12);
        assert_eq!(offset_of!(RpcGspRmControl, params_size), 16);
        assert_eq!(offset_of!(RpcGspRmControl, flags), 20);
        // gsp_abi_check.c: NVOS00_PARAMETERS_v03_00 16 (0/4/8/12),
        // rpc_free_v03_00.params at 0, 16 bytes.
        assert_eq!(size_of::<Nvos00Parameters>(), 16);
        assert_eq!(offset_of!(Nvos00Parameters, h_object_parent), 4);
        assert_eq!(offset_of!(Nvos00Parameters, h_object_old), 8);
        assert_eq!(offset_of!(Nvos00Parameters, status), 12);
        assert_eq!(size_of::<RpcFree>(), 16);
        assert_eq!(RMAPI_RPC_FLAGS_SERIALIZED, 2);
    }

    #[test]
    fn alloc_round_trip() {
        let hdr = RpcGspRmAlloc {
            h_client: 0xc1d0_0001,
            h_parent: 0xc1d0_0001,
            h_object: 0xcaf0_0000,
            h_class: 0x80,
            ..RpcGspRmAlloc::ZERO
        };
        let params = [0xaau8; 56];
        let mut buf = [0u8; 128];
        let n = hdr.encode_with(&params, &mut buf).unwrap();
        assert_eq!(n, 32 + 56);
        assert_eq!(&buf[20..24], &56u32.to_le_bytes());
        let (h, p) = RpcGspRmAlloc::parse(&buf[..n]).unwrap();
        assert_eq!(h.params_size, 56);
        assert_eq!((h.h_object, h.h_class), (0xcaf0_0000, 0x80));
        assert_eq!(p, &params[..]);
        // Extra bytes after the parameters are ignored.
        assert_eq!(RpcGspRmAlloc::parse(&buf).unwrap().1.len(), 56);
        assert_eq!(hdr.encode_with(&params, &mut [0u8; 87]), None);
    }

    #[test]
    fn control_round_trip_and_rejects() {
        let hdr = RpcGspRmControl {
            h_client: 1,
            h_object: 2,
            cmd: 0x2080_0000,
            ..RpcGspRmControl::ZERO
        };
        let mut buf = [0u8; 64];
        let n = hdr.encode_with(&[], &mut buf).unwrap();
        assert_eq!(n, 24);
        let (h, p) = RpcGspRmControl::parse(&buf[..n]).unwrap();
        assert_eq!((h.cmd, p.len()), (0x2080_0000, 0));

        let n = hdr.encode_with(&[1, 2, 3, 4], &mut buf).unwrap();
        assert_eq!(
            RpcGspRmControl::parse(&buf[..n - 1]),
            Err(PayloadError::BadLength {
                field: "paramsSize",
                value: 4
            })
        );
        assert_eq!(
            RpcGspRmControl::parse(&buf[..23]),
            Err(PayloadError::Truncated { need: 24, have: 23 })
        );
        buf[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            RpcGspRmControl::parse(&buf),
            Err(PayloadError::BadLength {
                field: "paramsSize",
                value: u32::MAX
            })
        );
        assert_eq!(
            RpcGspRmAlloc::parse(&[0u8; 31]),
            Err(PayloadError::Truncated { need: 32, have: 31 })
        );
    }

    #[test]
    fn free_round_trip() {
        let f = RpcFree::new(0xc1d0_0001, 0xcaf0_0001);
        let mut b = [0u8; 16];
        f.encode(&mut b).unwrap();
        assert_eq!(&b[..4], &0xc1d0_0001u32.to_le_bytes());
        assert_eq!(&b[8..12], &0xcaf0_0001u32.to_le_bytes());
        assert_eq!(RpcFree::decode(&b), Some(f));
        assert_eq!(RpcFree::decode(&b[..15]), None);
    }
}
