//! What booter_load expects in `GspFwWprMeta`, worked out here from the
//! published rules and the real firmware files, without the `proto/` code
//! the driver fills the metadata with: a mistake in that shared code must
//! fail here instead of hiding on both sides.
//!
//! The VRAM layout is nouveau's (`nvkm/subdev/gsp/tu102.c`
//! `tu102_gsp_oneinit` and `tu102_gsp_wpr_meta_init`, r535 `gsp.c`
//! `r535_gsp_oneinit`), which nova-core's `FbRanges::new` and OpenRM's
//! `kgspCalculateFbLayout` follow too: from the top of VRAM down, the VGA
//! workspace (the 1 MiB PRAMIN window when the VBIOS names none), FRTS
//! (1 MiB, ending at the workspace aligned down to 128 KiB), the RISC-V
//! bootloader (4 KiB aligned), the GSP-RM ELF (64 KiB aligned), the heap
//! (1 MiB aligned; LIBOS3's size rule), the metadata (WPR2's start, 1 MiB
//! aligned), and the 1 MiB non-WPR heap below WPR2. The heap's size is
//! the driver's to choose within GSP-RM's bounds for LIBOS3, 88 to 280 MiB
//! in 1 MiB steps (OpenRM `gsp_fw_heap.h`: "Min/max bounds for heap size
//! override"; nova-core sizes it from the VRAM, 127 MiB for 1 GiB, and
//! nouveau r570 asks at least 170 MiB), so the model checks the bounds and
//! places the rest from the size given. The bootloader's code,
//! data and manifest offsets are its `RM_RISCV_UCODE_DESC`'s (nouveau
//! `r535_gsp_oneinit`: `monitorCodeOffset`, `monitorDataOffset`,
//! `manifestOffset`), read from the file here by offset.

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

/// Size of `GspFwWprMeta` (`GSP_FW_WPR_META_SIZE`).
const META_SIZE: u64 = 256;

/// The fields booter_load checks, by their names in `gsp_fw_wpr_meta.h`,
/// with the value each must have.
pub type Expected = Vec<(&'static str, u64)>;

fn down(v: u64, a: u64) -> u64 {
    v & !(a - 1)
}

fn up(v: u64, a: u64) -> u64 {
    v.div_ceil(a) * a
}

/// The smallest GSP-RM heap LIBOS3 accepts
/// (`GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_BAREMETAL_MIN_MB`, 570.144).
const HEAP_MIN: u64 = 88 * MIB;
/// The largest (`..._MAX_MB`).
const HEAP_MAX: u64 = 280 * MIB;
/// The smallest GSP-RM heap when it hosts vGPUs (vGPU plugin offload):
/// `GSP_FW_HEAP_SIZE_OVERRIDE_LIBOS3_VGPU_MIN_MB`, 581 MiB, which is also
/// `GSP_FW_HEAP_SIZE_VGPU_DEFAULT` (OpenRM 570.144 `gsp_fw_heap.h`;
/// `kgspGetMinWprHeapSizeMB` takes the vGPU bounds when
/// `bVgpuGspPluginOffloadEnabled`).
const VGPU_HEAP_MIN: u64 = 581 * MIB;
/// The largest (`..._VGPU_MAX_MB`, 1040 MiB).
const VGPU_HEAP_MAX: u64 = 1040 * MIB;
/// `MAX_PARTITIONS_WITH_GFID` (OpenRM `nv_sriov_defines.h`): the most VF
/// partitions of the heap, one per GFID 1..=32.
pub const MAX_VF_PARTITIONS: u8 = 32;

/// The GSP-RM heap nova-core sizes for `vram` bytes of VRAM on LIBOS3
/// chips (GA102 and later): a 22 MiB OS carveout, 8 MiB for RM, 96 KiB
/// per GiB of VRAM and 48 KiB for each of 2048 channels, each rounded up
/// to 1 MiB, within the bounds (nova-core `LibosParams::wpr_heap_size`
/// with the r570.144 `GSP_FW_HEAP_PARAM_*`; nouveau's
/// `tu102_gsp_wpr_heap_size` sums the same). What the model's GSP-RM
/// assumes when it reports the usable VRAM.
pub fn heap_size(vram: u64) -> u64 {
    let per_gb = up(96 * KIB * vram.div_ceil(GIB), MIB);
    let clients = up(48 * KIB * 2048, MIB);
    (22 * MIB + 8 * MIB + per_gb + clients).clamp(HEAP_MIN, HEAP_MAX)
}

/// Whether GSP-RM takes a heap of `size` bytes on bare metal.
pub fn heap_size_ok(size: u64) -> bool {
    (HEAP_MIN..=HEAP_MAX).contains(&size) && size.is_multiple_of(MIB)
}

/// Whether GSP-RM takes a heap of `size` bytes when it hosts vGPUs (its
/// heap has VF partitions).
pub fn vgpu_heap_size_ok(size: u64) -> bool {
    (VGPU_HEAP_MIN..=VGPU_HEAP_MAX).contains(&size) && size.is_multiple_of(MIB)
}

/// The metadata booter_load accepts for a first boot on `vram` bytes of
/// VRAM with a bootloader image of `bl_size` bytes (offsets `bl_offsets`),
/// a GSP-RM ELF of `elf_size` bytes, a signature of `sig_size` bytes and
/// a heap of `heap_size` bytes (see [`heap_size_ok`]) with `partitions` VF
/// partitions; `None` if they do not fit.
pub fn expected(
    vram: u64,
    (bl_size, bl_offsets): (u64, (u64, u64, u64)),
    elf_size: u64,
    sig_size: u64,
    (heap_size, partitions): (u64, u8),
) -> Option<Expected> {
    let vga = vram.checked_sub(MIB)?;
    let wpr_end = down(vga, 128 * KIB);
    let frts = wpr_end.checked_sub(MIB)?;
    let boot = down(frts.checked_sub(bl_size)?, 4 * KIB);
    let elf = down(boot.checked_sub(elf_size)?, 64 * KIB);
    let heap = down(elf.checked_sub(heap_size)?, MIB);
    let heap_end = down(elf, MIB);
    let wpr_start = down(heap.checked_sub(META_SIZE)?, MIB);
    let non_wpr = wpr_start.checked_sub(MIB)?;
    Some(vec![
        ("sizeOfRadix3Elf", elf_size),
        ("sizeOfBootloader", bl_size),
        ("bootloaderCodeOffset", bl_offsets.0),
        ("bootloaderDataOffset", bl_offsets.1),
        ("bootloaderManifestOffset", bl_offsets.2),
        ("sizeOfSignature", sig_size),
        ("gspFwRsvdStart", non_wpr),
        ("nonWprHeapOffset", non_wpr),
        ("nonWprHeapSize", MIB),
        ("gspFwWprStart", wpr_start),
        ("gspFwHeapOffset", heap),
        ("gspFwHeapSize", heap_end - heap),
        ("gspFwOffset", elf),
        ("bootBinOffset", boot),
        ("frtsOffset", frts),
        ("frtsSize", MIB),
        ("gspFwWprEnd", wpr_end),
        ("fbSize", vram),
        ("vgaWorkspaceOffset", vga),
        ("vgaWorkspaceSize", MIB),
        // A first boot: nouveau and nova-core zero these.
        ("bootCount", 0),
        ("verified", 0),
        ("gspFwHeapVfPartitionCount", partitions.into()),
    ])
}

/// Where the usable VRAM ends for GSP-RM's clients: below the non-WPR
/// heap of the layout of a boot with these sizes and a heap of `heap`
/// bytes.
pub fn non_wpr_heap_start(vram: u64, bl_size: u64, elf_size: u64, heap: u64) -> Option<u64> {
    expected(vram, (bl_size, (0, 0, 0)), elf_size, 0, (heap, 0))?
        .into_iter()
        .find(|(name, _)| *name == "nonWprHeapOffset")
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(e: &Expected, name: &str) -> u64 {
        e.iter().find(|(n, _)| *n == name).unwrap().1
    }

    /// A 1 GiB board with 570.144's sizes, worked out by hand from the
    /// rules: VGA at 1023 MiB, FRTS 1022..1023 MiB, the bootloader just
    /// below, the 60.6 MiB ELF 64 KiB aligned below it, a
    /// 22 + 8 + 1 + 96 = 127 MiB heap, WPR2 128 MiB below the ELF.
    #[test]
    fn a_1_gib_layout_by_hand() {
        let e = expected(
            GIB,
            (0x6000, (0x100, 0x200, 0x300)),
            0x3c9_9000,
            0x1000,
            (heap_size(GIB), 0),
        )
        .unwrap();
        assert_eq!(get(&e, "vgaWorkspaceOffset"), 1023 * MIB);
        assert_eq!(get(&e, "gspFwWprEnd"), 1023 * MIB);
        assert_eq!(get(&e, "frtsOffset"), 1022 * MIB);
        assert_eq!(get(&e, "bootBinOffset"), 1022 * MIB - 0x6000);
        // 1022 MiB - 24 KiB - 0x3c99000 = 0x3c161000, aligned down to
        // 64 KiB; the heap ends at that aligned down to 1 MiB.
        assert_eq!(get(&e, "gspFwOffset"), 0x3c16_0000);
        assert_eq!(get(&e, "gspFwHeapSize"), 127 * MIB);
        assert_eq!(get(&e, "gspFwHeapOffset"), 0x3c10_0000 - 127 * MIB);
        assert_eq!(get(&e, "gspFwWprStart"), 0x3c10_0000 - 128 * MIB);
        assert_eq!(get(&e, "nonWprHeapOffset"), 0x3c10_0000 - 129 * MIB);
        assert_eq!(get(&e, "bootloaderDataOffset"), 0x200);
        assert_eq!(heap_size(64 * GIB), (22 + 8 + 6 + 96) * MIB);
        assert!(expected(64 * MIB, (0x6000, (0, 0, 0)), 0x3c9_9000, 0, (88 * MIB, 0)).is_none());
        // nouveau r570's 170 MiB heap moves the rest down by 43 MiB.
        let n = expected(GIB, (0x6000, (0, 0, 0)), 0x3c9_9000, 0, (170 * MIB, 0)).unwrap();
        assert_eq!(get(&n, "gspFwWprStart"), 0x3c10_0000 - 171 * MIB);
        assert!(heap_size_ok(170 * MIB) && heap_size_ok(88 * MIB) && heap_size_ok(280 * MIB));
        assert!(
            !heap_size_ok(87 * MIB) && !heap_size_ok(281 * MIB) && !heap_size_ok(127 * MIB + 1)
        );
        // The vGPU heap: 581 (r570.144's GSP_FW_HEAP_SIZE_VGPU_DEFAULT,
        // 609222656 bytes) to 1040 MiB.
        assert!(vgpu_heap_size_ok(609_222_656) && vgpu_heap_size_ok(1040 * MIB));
        assert!(!vgpu_heap_size_ok(580 * MIB) && !vgpu_heap_size_ok(1041 * MIB));
        assert!(!vgpu_heap_size_ok(170 * MIB) && !heap_size_ok(581 * MIB));
        // With it, WPR2 starts 581 MiB and a bit below the ELF; the
        // partitions are the metadata's.
        let v = expected(GIB, (0x6000, (0, 0, 0)), 0x3c9_9000, 0, (581 * MIB, 32)).unwrap();
        assert_eq!(get(&v, "gspFwWprStart"), 0x3c10_0000 - 582 * MIB);
        assert_eq!(get(&v, "gspFwHeapVfPartitionCount"), 32);
    }
}
