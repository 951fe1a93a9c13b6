//! The GPU configuration GSP-RM reports: GET_GSP_STATIC_INFO and the info
//! controls. Defaults are a GA102 as shipped on a GeForce RTX 3090 class
//! board (7 GPCs of 6 TPCs, 384-bit GDDR6X, 6 MiB L2, a 256 MiB BAR1);
//! VRAM, BAR1, the engine list and the GPC/TPC counts come from the
//! command line.

use nvgsp_proto::gsp::class::{self, FbRegionInfo};
use nvgsp_proto::gsp::fifo;
use nvgsp_proto::gsp::gr_info;
use nvgsp_proto::gsp::intr_table::{self, IntrTableEntry};
use nvgsp_proto::gsp::rpc::static_info::GspStaticConfigInfo;
use nvgsp_proto::wire::Wire;

/// Engine names the command line accepts, with their `NV2080_ENGINE_TYPE_*`
/// numbers (cl2080.h: GRAPHICS 0x01, COPY0 0x09.., NVDEC0 0x13..,
/// NVENC0 0x1b.., SW 0x22, SEC2 0x26, NVJPEG0 0x2b, OFA0 0x33).
pub const ENGINE_NAMES: &[(&str, u32)] = &[
    ("gr", class::NV2080_ENGINE_TYPE_GRAPHICS),
    ("ce0", class::NV2080_ENGINE_TYPE_COPY0),
    ("ce1", class::NV2080_ENGINE_TYPE_COPY0 + 1),
    ("ce2", class::NV2080_ENGINE_TYPE_COPY0 + 2),
    ("ce3", class::NV2080_ENGINE_TYPE_COPY0 + 3),
    ("nvdec0", class::NV2080_ENGINE_TYPE_NVDEC0),
    ("nvdec1", class::NV2080_ENGINE_TYPE_NVDEC0 + 1),
    ("nvenc0", class::NV2080_ENGINE_TYPE_NVENC0),
    ("nvenc1", class::NV2080_ENGINE_TYPE_NVENC0 + 1),
    ("nvjpg0", class::NV2080_ENGINE_TYPE_NVJPEG0),
    ("ofa0", class::NV2080_ENGINE_TYPE_OFA0),
    ("sec2", class::NV2080_ENGINE_TYPE_SEC2),
    ("sw", class::NV2080_ENGINE_TYPE_SW),
];

/// The engine number of `name`.
pub fn engine_by_name(name: &str) -> Option<u32> {
    ENGINE_NAMES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, t)| t)
}

/// The handles GSP-RM uses for its own client, device and subdevice
/// (reported in the static info; values as nouveau sees them in logs:
/// the internal client is 0xc1d00000 plus an index).
pub const INTERNAL_HANDLES: (u32, u32, u32) = (0xc1d0_0000, 0x5c00_0001, 0x5c00_0002);

/// The reported configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RmConfig {
    /// VRAM in bytes.
    pub vram: u64,
    /// BAR1's size in bytes (the PCI BAR's).
    pub bar1: u64,
    /// `NV2080_ENGINE_TYPE_*` of each engine.
    pub engines: Vec<u32>,
    /// GPCs.
    pub gpcs: u32,
    /// TPCs per GPC.
    pub tpcs_per_gpc: u32,
    /// Channel IDs per runlist (nouveau r535 `fifo.c` assumes 2048).
    pub channels: u32,
    /// The event burst `--event-burst` asks for.
    pub event_burst: Option<super::bursts::BurstConfig>,
    /// Armed faults.
    pub faults: Vec<super::faults::Fault>,
    /// Which boot of GSP-RM on the device this is (1 is the first).
    pub boot: u32,
    /// What the control port asks for (`--control`).
    pub injections: crate::control::Injections,
    /// The VA spaces whose tables GSP-RM knows, for the control port's
    /// probe.
    pub vaspaces: super::vaspace::VaSpaces,
    /// The GSP's stall vector in the CPU interrupt tree, as the kernel
    /// interrupt table reports it (the device signals the same).
    pub gsp_intr_vector: u32,
    /// The host (channels, doorbell, PBDMA, copy engines) GSP-RM sets
    /// channels up in.
    pub host: crate::dev::host::Host,
    /// The board (its name).
    pub board: crate::board::Board,
    /// The board's SR-IOV capability (`TotalVFs` the VFs served), if it
    /// has one: what booter_load and GSP-RM's SR-IOV mode check against.
    pub sriov: Option<crate::board::SriovFacts>,
    /// The GSP-RM heap this boot has (`gspFwHeapSize`, set by
    /// booter_load); `None`: the LIBOS3 rule's for the VRAM.
    pub wpr_heap: Option<u64>,
    /// The VF partitions of the heap this boot has
    /// (`gspFwHeapVfPartitionCount`, set by booter_load).
    pub vf_partitions: u8,
}

impl Default for RmConfig {
    fn default() -> Self {
        let names = [
            "gr", "ce0", "ce1", "ce2", "nvdec0", "nvdec1", "nvenc0", "sec2", "sw",
        ];
        RmConfig {
            vram: 256 << 20,
            bar1: crate::dev::BAR1_SIZE,
            engines: names.iter().filter_map(|n| engine_by_name(n)).collect(),
            gpcs: 7,
            tpcs_per_gpc: 6,
            channels: 2048,
            event_burst: None,
            faults: Vec::new(),
            boot: 1,
            injections: Default::default(),
            vaspaces: Default::default(),
            gsp_intr_vector: crate::dev::bar0::GSP_VECTOR,
            host: Default::default(),
            board: Default::default(),
            sriov: None,
            wpr_heap: None,
            vf_partitions: 0,
        }
    }
}

const L2_CACHE_SIZE: u32 = 6 << 20;
const BUS_WIDTH: u32 = 384;

/// The non-stall vector the model gives copy engine `n` in the kernel
/// interrupt table: the model's choice (leaf 2), not a value read from a
/// GA102. The host signals it (`dev::host`).
const CE_NON_STALL_VECTOR: u32 = 64;

/// The non-stall vector of engine `engine` (`NV2080_ENGINE_TYPE_*`) in
/// the kernel interrupt table, if it has one there (the copy engines).
pub fn non_stall_vector(engine: u32) -> Option<u32> {
    engine
        .checked_sub(class::NV2080_ENGINE_TYPE_COPY0)
        .filter(|&n| n < 10)
        .map(|n| CE_NON_STALL_VECTOR + n)
}

/// The `RM_ENGINE_TYPE_*` of `NV2080_ENGINE_TYPE_*` `engine` (nouveau r570
/// `nvrm/engine.h` and `r570_fifo_xlat_rm_engine_type`, which maps them
/// back: GR0 1, COPY0.. 9.., NVDEC0.. 0x1d.., NVENC0.. 0x25.., SW 0x2d,
/// SEC2 0x31, NVJPEG0 0x36, OFA0 0x3e).
pub fn rm_engine_type(engine: u32) -> Option<u32> {
    let of = |base: u32, count: u32, rm: u32| {
        engine
            .checked_sub(base)
            .filter(|&n| n < count)
            .map(|n| rm + n)
    };
    of(class::NV2080_ENGINE_TYPE_GRAPHICS, 1, 1)
        .or_else(|| of(class::NV2080_ENGINE_TYPE_COPY0, 10, 9))
        .or_else(|| of(class::NV2080_ENGINE_TYPE_NVDEC0, 8, 0x1d))
        .or_else(|| of(class::NV2080_ENGINE_TYPE_NVENC0, 3, 0x25))
        .or_else(|| of(class::NV2080_ENGINE_TYPE_SW, 1, 0x2d))
        .or_else(|| of(class::NV2080_ENGINE_TYPE_SEC2, 1, 0x31))
        .or_else(|| of(class::NV2080_ENGINE_TYPE_NVJPEG0, 1, 0x36))
        .or_else(|| of(class::NV2080_ENGINE_TYPE_OFA0, 1, 0x3e))
}

/// The runlist of `engine` among `engines`: each engine on a runlist of
/// its own, numbered in the order GET_ENGINES_V2 lists them (GA100 and
/// later have a runlist per engine, each with its own channel RAM:
/// open-gpu-kernel-modules `kfifoIsPerRunlistChramSupportedInHw`; that
/// GR shares its runlist with no copy engine is the model's choice).
pub fn runlist_of(engines: &[u32], engine: u32) -> Option<u32> {
    engines.iter().position(|&e| e == engine).map(|i| i as u32)
}

impl RmConfig {
    /// `NV2080_CTRL_CMD_INTERNAL_INTR_GET_KERNEL_TABLE`'s entries: each
    /// copy engine (non-stall only: GSP-RM services their stall
    /// interrupts), then the GSP, whose stall vector the driver must
    /// enable to hear from GSP-RM at all. The GSP is deliberately not
    /// first, so a driver that does not look for it fails.
    pub fn intr_table(&self) -> Vec<IntrTableEntry> {
        let copies = self
            .engines
            .iter()
            .filter_map(|&e| e.checked_sub(class::NV2080_ENGINE_TYPE_COPY0))
            .filter(|&n| n < 10);
        copies
            .map(|n| IntrTableEntry {
                engine_idx: intr_table::MC_ENGINE_IDX_CE0 + n as u16,
                vector_stall: intr_table::VECTOR_INVALID,
                vector_non_stall: CE_NON_STALL_VECTOR + n,
                ..IntrTableEntry::ZERO
            })
            .chain([IntrTableEntry {
                engine_idx: intr_table::MC_ENGINE_IDX_GSP,
                vector_stall: self.gsp_intr_vector,
                vector_non_stall: intr_table::VECTOR_INVALID,
                ..IntrTableEntry::ZERO
            }])
            .collect()
    }

    /// `NV2080_CTRL_CMD_FIFO_GET_DEVICE_INFO_TABLE`'s entries: one per
    /// engine GET_ENGINES_V2 reports, with its `RM_ENGINE_TYPE` and
    /// runlist ([`runlist_of`]) filled, as nouveau r535
    /// `r535_fifo_runl_ctor` reads them, and one PBDMA of the runlist's
    /// number (the model's choice: GA102's PBDMA numbering is not
    /// published). The other `ENGINE_INFO_TYPE_*` are 0.
    pub fn device_info(&self) -> Vec<fifo::Nv2080CtrlFifoDeviceEntry> {
        self.engines
            .iter()
            .filter_map(|&e| {
                let rm = rm_engine_type(e)?;
                let runlist = runlist_of(&self.engines, e)?;
                let mut d = fifo::Nv2080CtrlFifoDeviceEntry::ZERO;
                d.engine_data[fifo::ENGINE_INFO_TYPE_RM_ENGINE_TYPE] = rm;
                d.engine_data[fifo::ENGINE_INFO_TYPE_RUNLIST] = runlist;
                d.pbdma_ids[0] = runlist;
                d.num_pbdmas = 1;
                let name = ENGINE_NAMES
                    .iter()
                    .find(|&&(_, t)| t == e)
                    .map_or("", |(n, _)| n);
                let n = name.len().min(15);
                d.engine_name[..n].copy_from_slice(&name.as_bytes()[..n]);
                Some(d)
            })
            .collect()
    }

    /// The VRAM GSP-RM leaves to clients: below the non-WPR heap of the
    /// layout the boot used, with its heap (the bootloader and image sizes
    /// move it by little; the model assumes 570.144's).
    pub fn usable_end(&self) -> u64 {
        use crate::dev::boot::wpr_rules;
        let heap = self
            .wpr_heap
            .unwrap_or_else(|| wpr_rules::heap_size(self.vram));
        wpr_rules::non_wpr_heap_start(self.vram, 0x6000, 0x3c9_9000, heap).unwrap_or(0)
    }

    /// GET_GSP_STATIC_INFO's reply.
    pub fn static_info(&self) -> GspStaticConfigInfo {
        let mut s = GspStaticConfigInfo::ZERO;
        s.fb_length = self.vram;
        s.fb_bus_width = BUS_WIDTH;
        s.fb_ram_type = class::NV2080_CTRL_FB_INFO_RAM_TYPE_GDDR6X;
        s.l2_cache_size = L2_CACHE_SIZE;
        s.fbp_mask = 0xfff;
        s.fbio_mask = 0xfff;
        copy_str(&mut s.gpu_name_string, self.board.name().as_bytes());
        copy_str(&mut s.gpu_short_name_string, b"GA102");
        for &e in &self.engines {
            if let Some(w) = s.engine_caps.get_mut((e / 32) as usize) {
                *w |= 1 << (e % 32);
            }
        }
        let usable = FbRegionInfo {
            base: 0,
            limit: self.usable_end().saturating_sub(1),
            performance: 1000,
            support_compressed: 1,
            support_iso: 1,
            ..FbRegionInfo::ZERO
        };
        let reserved = FbRegionInfo {
            base: self.usable_end(),
            limit: self.vram - 1,
            reserved: 1,
            b_protected: 1,
            ..FbRegionInfo::ZERO
        };
        s.fb_region_info_params.num_fb_regions = 2;
        s.fb_region_info_params.fb_region[0] = usable;
        s.fb_region_info_params.fb_region[1] = reserved;
        (
            s.h_internal_client,
            s.h_internal_device,
            s.h_internal_subdevice,
        ) = INTERNAL_HANDLES;
        s.b_vbios_valid = 1;
        // The root of BAR1's VA space, which the driver points at its own
        // tables (nouveau `r535_gsp_get_static_info`, `r535_bar_bar1_init`).
        if self.usable_end() != 0 {
            s.bar1_pde_base = super::bar1::Layout::of(self).pd3;
        }
        s
    }

    /// `NV2080_CTRL_CMD_FB_GET_INFO_V2` entries (sizes in KiB, as RM
    /// reports them).
    pub fn fb_info(&self, index: u32) -> Option<u32> {
        let kib = |b: u64| u32::try_from(b >> 10).unwrap_or(u32::MAX);
        Some(match index {
            class::NV2080_CTRL_FB_INFO_INDEX_RAM_SIZE
            | class::NV2080_CTRL_FB_INFO_INDEX_TOTAL_RAM_SIZE => kib(self.vram),
            class::NV2080_CTRL_FB_INFO_INDEX_BAR1_SIZE => kib(self.bar1),
            class::NV2080_CTRL_FB_INFO_INDEX_USABLE_RAM_SIZE
            | class::NV2080_CTRL_FB_INFO_INDEX_HEAP_SIZE
            | class::NV2080_CTRL_FB_INFO_INDEX_HEAP_FREE => kib(self.usable_end()),
            class::NV2080_CTRL_FB_INFO_INDEX_BUS_WIDTH => BUS_WIDTH,
            class::NV2080_CTRL_FB_INFO_INDEX_RAM_TYPE => class::NV2080_CTRL_FB_INFO_RAM_TYPE_GDDR6X,
            class::NV2080_CTRL_FB_INFO_INDEX_L2CACHE_SIZE => L2_CACHE_SIZE,
            class::NV2080_CTRL_FB_INFO_INDEX_FBP_MASK => 0xfff,
            _ => return None,
        })
    }

    /// `NV2080_CTRL_CMD_GPU_GET_INFO_V2` entries.
    pub fn gpu_info(&self, index: u32) -> Option<u32> {
        Some(match index {
            class::NV2080_CTRL_GPU_INFO_INDEX_MINOR_REVISION_EXT => 1,
            class::NV2080_CTRL_GPU_INFO_INDEX_SYSMEM_ACCESS => 1,
            class::NV2080_CTRL_GPU_INFO_INDEX_GPU_SM_VERSION => 0x806,
            class::NV2080_CTRL_GPU_INFO_INDEX_DISPLAY_ENABLED => 0,
            _ => return None,
        })
    }

    /// `NV2080_CTRL_CMD_GR_GET_INFO_V2` entries.
    pub fn gr_info(&self, index: u32) -> Option<u32> {
        Some(match index {
            gr_info::GR_INFO_INDEX_LITTER_NUM_GPCS => self.gpcs,
            gr_info::GR_INFO_INDEX_LITTER_NUM_TPC_PER_GPC => self.tpcs_per_gpc,
            gr_info::GR_INFO_INDEX_LITTER_NUM_SM_PER_TPC => 2,
            _ => return None,
        })
    }
}

fn copy_str(dst: &mut [u8], s: &[u8]) {
    let n = s.len().min(dst.len().saturating_sub(1));
    dst[..n].copy_from_slice(&s[..n]);
}
