// SPDX-License-Identifier: GPL-2.0
//! `GSP_ARGUMENTS_CACHED`: the "RMARGS" region GSP-RM reads at boot, with
//! the message-queue location and suspend/resume state.
//!
//! Layout from nova-core `r570_144/bindings.rs` and nouveau
//! `r570/nvrm/gsp.h` (NVIDIA `gsp_init_args.h`, 570.144); offsets
//! cross-checked with NVIDIA `gsp_abi_check.c` (570.144).

use super::queue;

/// `GPU_STATE_FLAGS_PRESERVING` (nouveau r570 gsp.h): GPU state is preserved.
pub const GPU_STATE_FLAGS_PRESERVING: u32 = 1 << 0;
/// `GPU_STATE_FLAGS_VGA_TRANSITION`.
pub const GPU_STATE_FLAGS_VGA_TRANSITION: u32 = 1 << 1;
/// `GPU_STATE_FLAGS_PM_TRANSITION`.
pub const GPU_STATE_FLAGS_PM_TRANSITION: u32 = 1 << 2;
/// `GPU_STATE_FLAGS_PM_SUSPEND`.
pub const GPU_STATE_FLAGS_PM_SUSPEND: u32 = 1 << 3;
/// `GPU_STATE_FLAGS_PM_HIBERNATE`.
pub const GPU_STATE_FLAGS_PM_HIBERNATE: u32 = 1 << 4;
/// `GPU_STATE_FLAGS_GC6_TRANSITION`.
pub const GPU_STATE_FLAGS_GC6_TRANSITION: u32 = 1 << 5;
/// `GPU_STATE_FLAGS_FAST_UNLOAD`.
pub const GPU_STATE_FLAGS_FAST_UNLOAD: u32 = 1 << 6;

crate::wire_struct! {
    /// `MESSAGE_QUEUE_INIT_ARGUMENTS`: where the shared queue region is.
    pub struct MessageQueueInitArguments {
        /// `sharedMemPhysAddr`: DMA address of the region's page table.
        pub shared_mem_phys_addr: u64,
        /// `pageTableEntryCount`: [`queue::PTE_COUNT`].
        pub page_table_entry_count: u32,
        /// Padding before the `NvLength` (u64) fields.
        pub _pad0: u32,
        /// `cmdQueueOffset`: [`queue::CMD_QUEUE_OFFSET`].
        pub cmd_queue_offset: u64,
        /// `statQueueOffset`: [`queue::STAT_QUEUE_OFFSET`].
        pub stat_queue_offset: u64,
    }

    /// `GSP_SR_INIT_ARGUMENTS`: suspend/resume state at boot.
    pub struct GspSrInitArguments {
        /// `oldLevel`: the power level being resumed from (0 at first boot).
        pub old_level: u32,
        /// `flags`: `GPU_STATE_FLAGS_*`.
        pub flags: u32,
        /// `bInPMTransition` (NvBool).
        pub b_in_pm_transition: u8,
        /// Tail padding.
        pub _pad0: [u8; 3],
    }

    /// The anonymous `profilerArgs` struct of `GSP_ARGUMENTS_CACHED`.
    pub struct GspProfilerArgs {
        /// `pa`: DMA address of the profiler buffer (0: none).
        pub pa: u64,
        /// `size`: bytes.
        pub size: u64,
    }

    /// `GSP_ARGUMENTS_CACHED`.
    pub struct GspArgumentsCached {
        /// `messageQueueInitArguments`.
        pub message_queue_init_arguments: MessageQueueInitArguments,
        /// `srInitArguments`.
        pub sr_init_arguments: GspSrInitArguments,
        /// `gpuInstance`.
        pub gpu_instance: u32,
        /// `bDmemStack` (NvBool; nova and nouveau set 1).
        pub b_dmem_stack: u8,
        /// Padding before `profilerArgs`.
        pub _pad0: [u8; 7],
        /// `profilerArgs`.
        pub profiler_args: GspProfilerArgs,
    }
}

impl GspArgumentsCached {
    /// The arguments for a first boot with the standard queue layout at
    /// `shared_mem` (the DMA address of the region's page table), as nova
    /// `GspArgumentsCached::new()` and nouveau `r535_gsp_set_rmargs()` fill
    /// them.
    pub const fn first_boot(shared_mem: u64) -> Self {
        Self {
            message_queue_init_arguments: MessageQueueInitArguments {
                shared_mem_phys_addr: shared_mem,
                page_table_entry_count: queue::PTE_COUNT,
                _pad0: 0,
                cmd_queue_offset: queue::CMD_QUEUE_OFFSET as u64,
                stat_queue_offset: queue::STAT_QUEUE_OFFSET as u64,
            },
            sr_init_arguments: GspSrInitArguments {
                old_level: 0,
                flags: 0,
                b_in_pm_transition: 0,
                _pad0: [0; 3],
            },
            gpu_instance: 0,
            b_dmem_stack: 1,
            _pad0: [0; 7],
            profiler_args: GspProfilerArgs { pa: 0, size: 0 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::wire::Wire;
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layouts() {
        // u64, u32, (pad 4), NvLength, NvLength = 32.
        // gsp_abi_check.c: MESSAGE_QUEUE_INIT_ARGUMENTS size 32, 0/8/16/24.
        assert_eq!(size_of::<MessageQueueInitArguments>(), 32);
        assert_eq!(
            offset_of!(MessageQueueInitArguments, shared_mem_phys_addr),
            0
        );
        assert_eq!(
            offset_of!(MessageQueueInitArguments, page_table_entry_count),
            8
        );
        assert_eq!(offset_of!(MessageQueueInitArguments, cmd_queue_offset), 16);
        assert_eq!(offset_of!(MessageQueueInitArguments, stat_queue_offset), 24);
        // u32, u32, NvBool, (pad 3) = 12; gsp_abi_check.c: 12, 0/4/8.
        assert_eq!(size_of::<GspSrInitArguments>(), 12);
        assert_eq!(offset_of!(GspSrInitArguments, old_level), 0);
        assert_eq!(offset_of!(GspSrInitArguments, flags), 4);
        assert_eq!(offset_of!(GspSrInitArguments, b_in_pm_transition), 8);
        assert_eq!(size_of::<GspProfilerArgs>(), 16);
        // 32 + 12 + u32 (44) + NvBool (48) + pad 7 + 16 = 72.
        // gsp_abi_check.c: GSP_ARGUMENTS_CACHED size 72, fields 0/32/44/48/56.
        assert_eq!(size_of::<GspArgumentsCached>(), 72);
        assert_eq!(
            offset_of!(GspArgumentsCached, message_queue_init_arguments),
            0
        );
        assert_eq!(offset_of!(GspArgumentsCached, sr_init_arguments), 32);
        assert_eq!(offset_of!(GspArgumentsCached, gpu_instance), 44);
        assert_eq!(offset_of!(GspArgumentsCached, b_dmem_stack), 48);
        assert_eq!(offset_of!(GspArgumentsCached, profiler_args), 56);
    }

    #[test]
    fn flags() {
        // nouveau r570 gsp.h: BIT(0)..BIT(6).
        assert_eq!(GPU_STATE_FLAGS_PRESERVING, 0x1);
        assert_eq!(GPU_STATE_FLAGS_PM_TRANSITION, 0x4);
        assert_eq!(GPU_STATE_FLAGS_FAST_UNLOAD, 0x40);
    }

    #[test]
    fn round_trip() {
        let a = GspArgumentsCached::first_boot(0x1234_5000);
        let mut b = [0u8; 72];
        a.encode(&mut b).unwrap();
        assert_eq!(&b[0..8], &0x1234_5000u64.to_le_bytes());
        assert_eq!(&b[8..12], &0x81u32.to_le_bytes());
        assert_eq!(&b[16..24], &0x1000u64.to_le_bytes());
        assert_eq!(&b[24..32], &0x41000u64.to_le_bytes());
        assert_eq!(b[48], 1);
        assert_eq!(GspArgumentsCached::decode(&b), Some(a));
        assert_eq!(GspArgumentsCached::decode(&b[..71]), None);
        assert_eq!(a.encode(&mut [0u8; 71]), None);
    }
}
