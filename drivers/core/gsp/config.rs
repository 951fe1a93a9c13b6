// SPDX-License-Identifier: GPL-2.0

//! The GPU's configuration as GSP-RM enumerates it at boot
//! (`enumerate.rs`): what the services partition and the clients read.

use crate::proto::gsp::calls::Handle;

/// An engine of the GPU, as GSP-RM numbers engine types
/// (`NV2080_ENGINE_TYPE_*`, cl2080.h).
#[repr(transparent)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Engine(pub(crate) u32);

impl Engine {
    /// The graphics engine (`NV2080_ENGINE_TYPE_GRAPHICS`).
    pub const GRAPHICS: Engine = Engine(0x01);

    /// Copy engine `n` (`NV2080_ENGINE_TYPE_COPY0` + n, up to COPY9).
    #[inline(never)]
    pub fn copy(n: u32) -> Option<Engine> {
        (n < 10).then(|| Engine(0x09 + n))
    }

    /// Which copy engine this is, if it is one.
    pub(crate) fn copy_index(self) -> Option<usize> {
        let n = self.0.checked_sub(0x09)?;
        (n < 10).then_some(n as usize)
    }

    /// Its type number (`NV2080_ENGINE_TYPE_*`), which the DRM UAPI's
    /// engine mask documents.
    #[inline(never)]
    pub fn type_number(self) -> u32 {
        self.0
    }

    /// Its short name, e.g. "ce0".
    #[inline(never)]
    pub fn name(self) -> &'static str {
        engine_name(self.0)
    }
}

/// Most engines a [`GpuConfig`] lists.
pub const MAX_ENGINES: usize = 32;
/// Most usable VRAM ranges a [`GpuConfig`] keeps.
pub const MAX_USABLE_RANGES: usize = 4;

/// The GPU's configuration as GSP-RM enumerated it at boot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GpuConfig {
    pub(crate) name: [u8; 64],
    pub(crate) vram_size: u64,
    pub(crate) usable_vram: u64,
    pub(crate) gpcs: u32,
    pub(crate) tpcs_per_gpc: u32,
    pub(crate) engines: [Engine; MAX_ENGINES],
    pub(crate) engine_count: usize,
    pub(crate) usable: [(u64, u64); MAX_USABLE_RANGES],
    pub(crate) usable_count: usize,
    pub(crate) channels: u32,
    pub(crate) method_buffer_size: u32,
    /// BAR1's root page directory, in VRAM: GSP-RM's PD3, whose first
    /// entry the core points at its own tables (`mmu/bar1.rs`).
    pub(crate) bar1_pde_base: u64,
    /// The runlist of `engines[i]` (GR and copy engines; [`NO_RUNLIST`]
    /// for the others), from the host's device information table.
    pub(crate) runlists: [u32; MAX_ENGINES],
    /// Copy engine `n`'s non-stall vector in the CPU interrupt tree, from
    /// GSP-RM's kernel interrupt table; [`NO_VECTOR`] if it gave none.
    pub(crate) ce_nonstall: [u32; MAX_COPY_ENGINES],
    /// The SR-IOV virtual functions GSP-RM was booted to host vGPUs on
    /// (its heap partitions); 0 when it was not booted in SR-IOV mode.
    pub(crate) vfs: u16,
    /// The granule of a vGPU's guest memory
    /// (`NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE`); 0 outside SR-IOV
    /// mode.
    pub(crate) vmmu_segment: u64,
    /// GSP-RM's internal client and subdevice, to which the internal
    /// controls go.
    pub(crate) internal: (Handle, Handle),
}

/// A runlist the device information table did not name.
pub(crate) const NO_RUNLIST: u32 = u32::MAX;
/// No interrupt vector (`NV_INTR_VECTOR_INVALID`).
pub(crate) const NO_VECTOR: u32 = u32::MAX;
/// Copy engines an engine type can name (COPY0..COPY9).
pub(crate) const MAX_COPY_ENGINES: usize = 10;

impl GpuConfig {
    /// Whether `other` describes the same GPU: all but where GSP-RM put
    /// its own structures (BAR1's page directory may move when it boots
    /// again).
    pub(crate) fn same_gpu(&self, other: &GpuConfig) -> bool {
        GpuConfig {
            bar1_pde_base: 0,
            internal: (Handle(0), Handle(0)),
            ..*self
        } == GpuConfig {
            bar1_pde_base: 0,
            internal: (Handle(0), Handle(0)),
            ..*other
        }
    }

    /// The SR-IOV virtual functions GSP-RM hosts vGPUs on; 0 when it was
    /// not booted in SR-IOV mode.
    pub fn vfs(&self) -> u16 {
        self.vfs
    }

    /// The granule of a vGPU's guest memory; 0 outside SR-IOV mode.
    pub fn vmmu_segment_size(&self) -> u64 {
        self.vmmu_segment
    }

    /// The board's name as GSP-RM reports it, e.g. "NVIDIA GeForce RTX 3090".
    pub fn name(&self) -> &str {
        let len = self
            .name
            .iter()
            .position(|&c| c == 0)
            .unwrap_or(self.name.len());
        core::str::from_utf8(&self.name[..len]).unwrap_or("?")
    }

    /// VRAM in bytes.
    pub fn vram_size(&self) -> u64 {
        self.vram_size
    }

    /// VRAM GSP-RM leaves to the driver, in bytes.
    pub fn usable_vram(&self) -> u64 {
        self.usable_vram
    }

    /// Number of GPCs.
    pub fn gpcs(&self) -> u32 {
        self.gpcs
    }

    /// TPCs per GPC.
    pub fn tpcs_per_gpc(&self) -> u32 {
        self.tpcs_per_gpc
    }

    /// The engines, as `NV2080_ENGINE_TYPE_*` numbers.
    pub fn engines(&self) -> &[Engine] {
        &self.engines[..self.engine_count.min(MAX_ENGINES)]
    }

    /// Channel IDs GSP-RM offers the driver.
    pub fn channels(&self) -> u32 {
        self.channels
    }

    /// The runlist `engine` is on, if the host named one.
    pub(crate) fn runlist_of(&self, engine: Engine) -> Option<u32> {
        let i = self.engines().iter().position(|&e| e == engine)?;
        let r = *self.runlists.get(i)?;
        (r != NO_RUNLIST).then_some(r)
    }

    /// Copy engine `n`'s non-stall vector, if GSP-RM gave it one.
    pub(crate) fn ce_nonstall_vector(&self, n: usize) -> Option<u32> {
        self.ce_nonstall.get(n).copied().filter(|&v| v != NO_VECTOR)
    }

    /// Bytes of the fault method buffer every channel is given.
    pub fn method_buffer_size(&self) -> u32 {
        self.method_buffer_size
    }

    /// The VRAM ranges GSP-RM leaves to the driver, as VRAM offsets.
    pub fn usable_ranges(&self) -> impl Iterator<Item = core::ops::Range<u64>> + '_ {
        self.usable[..self.usable_count.min(MAX_USABLE_RANGES)]
            .iter()
            .map(|&(s, e)| s..e)
    }

    /// The engines as a bit mask of their type numbers (types 0..=63).
    pub fn engine_mask(&self) -> u64 {
        self.engines()
            .iter()
            .filter(|e| e.0 < 64)
            .fold(0, |m, e| m | (1u64 << e.0))
    }
}

/// Short name of engine type `t` (cl2080.h `NV2080_ENGINE_TYPE_*`).
pub(crate) fn engine_name(t: u32) -> &'static str {
    const NAMES: &[(u32, &str)] = &[
        (0x01, "gr"),
        (0x09, "ce0"),
        (0x0a, "ce1"),
        (0x0b, "ce2"),
        (0x0c, "ce3"),
        (0x0d, "ce4"),
        (0x13, "nvdec0"),
        (0x14, "nvdec1"),
        (0x15, "nvdec2"),
        (0x1b, "nvenc0"),
        (0x1c, "nvenc1"),
        (0x22, "sw"),
        (0x26, "sec2"),
        (0x27, "host"),
        (0x2b, "nvjpg0"),
        (0x33, "ofa0"),
    ];
    NAMES
        .iter()
        .find(|(n, _)| *n == t)
        .map_or("unknown", |&(_, s)| s)
}
