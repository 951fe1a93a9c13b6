// SPDX-License-Identifier: GPL-2.0
//! GPU virtual address spaces in GSP-RM: the `FERMI_VASPACE_A` object a
//! channel runs in, and the control that tells GSP-RM where the kernel
//! driver's page directories for GSP-RM's own reserved VA range are.
//!
//! With GSP-RM the kernel driver owns a VA space's page tables; GSP-RM
//! keeps one range for itself (`SPLIT_VAS_SERVER_RM_MANAGED_VA_*`, where
//! it maps a channel's context buffers) and is given the directories
//! above that range with `NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES`
//! (nouveau r535 `r535_mmu_vaspace_new`, which r570 uses unchanged).
//! Layouts from nouveau `nvkm/subdev/gsp/rm/r535/nvrm/vmm.h` (excerpts of
//! open-gpu-kernel-modules' `nvos.h`, `ctrl90f1.h`).

/// `NV_VASPACE_ALLOCATION_INDEX_GPU_NEW`: a new VA space.
pub const NV_VASPACE_ALLOCATION_INDEX_GPU_NEW: u32 = 0;
/// `NV_VASPACE_ALLOCATION_FLAGS_IS_EXTERNALLY_OWNED`: the page directory
/// is set with `NV0080_CTRL_CMD_DMA_SET_PAGE_DIRECTORY` (BAR VA spaces).
pub const NV_VASPACE_ALLOCATION_FLAGS_IS_EXTERNALLY_OWNED: u32 = 1 << 3;

/// `SPLIT_VAS_SERVER_RM_MANAGED_VA_START`: GSP-RM's range starts at 4 GiB.
pub const SERVER_RM_VA_START: u64 = 0x1_0000_0000;
/// `SPLIT_VAS_SERVER_RM_MANAGED_VA_SIZE`: 512 MiB, one PD1 entry's span.
pub const SERVER_RM_VA_SIZE: u64 = 0x2000_0000;

/// `NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES`.
pub const NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES: u32 = 0x90f1_0106;
/// `GMMU_FMT_MAX_LEVELS`.
pub const GMMU_FMT_MAX_LEVELS: usize = 6;

crate::wire_struct! {
    /// `NV_VASPACE_ALLOCATION_PARAMETERS`: allocation parameters of
    /// `FERMI_VASPACE_A` (under `NV01_DEVICE_0`).
    pub struct NvVaspaceAllocationParameters {
        /// `index`: [`NV_VASPACE_ALLOCATION_INDEX_GPU_NEW`].
        pub index: u32,
        /// `flags`: `NV_VASPACE_ALLOCATION_FLAGS_*`.
        pub flags: u32,
        /// `vaSize`: 0 for the default.
        pub va_size: u64,
        /// `vaStartInternal`.
        pub va_start_internal: u64,
        /// `vaLimitInternal`.
        pub va_limit_internal: u64,
        /// `bigPageSize`: 0 for the default.
        pub big_page_size: u32,
        /// Alignment of `vaBase`.
        pub _pad0: u32,
        /// `vaBase`.
        pub va_base: u64,
    }

    /// One level of `NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS`.
    pub struct ReservedPdeLevel {
        /// `physAddress`: where this level's directory is.
        pub phys_address: u64,
        /// `size`: its size in bytes.
        pub size: u64,
        /// `aperture`: a `GMMU_APERTURE_*`.
        pub aperture: u32,
        /// `pageShift`: the VA bits one entry of this level spans.
        pub page_shift: u8,
        /// Tail padding to 8 bytes.
        pub _pad0: [u8; 3],
    }

    /// `NV90F1_CTRL_VASPACE_COPY_SERVER_RESERVED_PDES_PARAMS`.
    pub struct CopyServerReservedPdesParams {
        /// `hSubDevice`: 0 to use `subDeviceId`.
        pub h_sub_device: u32,
        /// `subDeviceId`.
        pub sub_device_id: u32,
        /// `pageSize`: the VA span of the lowest level copied.
        pub page_size: u64,
        /// `virtAddrLo`: first byte of GSP-RM's range.
        pub virt_addr_lo: u64,
        /// `virtAddrHi`: last byte of GSP-RM's range.
        pub virt_addr_hi: u64,
        /// `numLevelsToCopy`: levels used in `levels`, root first.
        pub num_levels_to_copy: u32,
        /// Alignment of `levels`.
        pub _pad0: u32,
        /// `levels`.
        pub levels: [ReservedPdeLevel; GMMU_FMT_MAX_LEVELS],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Wire;
    use core::mem::offset_of;

    #[test]
    fn layouts_match_the_headers() {
        assert_eq!(NvVaspaceAllocationParameters::SIZE, 48);
        assert_eq!(offset_of!(NvVaspaceAllocationParameters, big_page_size), 32);
        assert_eq!(offset_of!(NvVaspaceAllocationParameters, va_base), 40);
        assert_eq!(ReservedPdeLevel::SIZE, 24);
        assert_eq!(
            offset_of!(CopyServerReservedPdesParams, num_levels_to_copy),
            32
        );
        assert_eq!(offset_of!(CopyServerReservedPdesParams, levels), 40);
        assert_eq!(CopyServerReservedPdesParams::SIZE, 40 + 6 * 24);
    }
}
