//! booter_load and booter_unload on SEC2: recognizing which one the driver
//! loaded, the boot ROM's checks, and booter_load's checks of what it
//! boots (the `GspFwWprMeta`, the images it points to, the LibOS
//! arguments).

use super::Failure;
use crate::dev::falcon::Falcon;
use crate::firmware::{BooterImage, Firmware};
use crate::guest_mem::GuestMemory;
use nvgsp_proto::gsp::{queue::GSP_PAGE_SIZE, wpr_meta::GspFwWprMeta};
use nvgsp_proto::wire::Wire;

/// The heavy-secure ucodes SEC2 runs in the boot chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Booter {
    /// booter_load: verifies GSP-RM, extends WPR2, starts GSP-RM.
    Load,
    /// booter_unload: removes WPR2 once GSP-RM stopped.
    Unload,
}

impl Booter {
    /// Name for log lines.
    pub fn name(self) -> &'static str {
        match self {
            Booter::Load => "booter_load",
            Booter::Unload => "booter_unload",
        }
    }
}

/// Which booter the driver loaded into `s`, by its IMEM, and the image it
/// must be. `is_fwsec` recognizes FWSEC, the GSP's ucode.
pub fn identify<'a>(
    s: &Falcon,
    fw: &'a Firmware,
    is_fwsec: impl Fn(&[u8]) -> bool,
) -> Result<(Booter, &'a BooterImage), Failure> {
    let holds = |b: &BooterImage| s.imem.get(..b.imem.len()) == Some(&b.imem[..]);
    if holds(&fw.booter_load) {
        Ok((Booter::Load, &fw.booter_load))
    } else if holds(&fw.booter_unload) {
        Ok((Booter::Unload, &fw.booter_unload))
    } else if is_fwsec(&s.imem) {
        Err(Failure::BadUcode(
            "IMEM holds FWSEC, the GSP's ucode (engine id mask 0x400): load it into the GSP \
             falcon"
                .into(),
        ))
    } else {
        Err(Failure::BadUcode(
            "IMEM is neither booter_load's nor booter_unload's code".into(),
        ))
    }
}

/// What the boot ROM checks before it runs the heavy-secure ucode `b`:
/// a clean DMA, then see [`check_booter`].
pub fn check_brom(s: &Falcon, b: &BooterImage) -> Result<(), Failure> {
    if s.dma_error {
        return Err(Failure::DmaFault);
    }
    check_booter(s, b).map_err(Failure::BadUcode)
}

pub(super) fn read_obj<T: Wire>(mem: &GuestMemory, addr: u64) -> Result<T, String> {
    let mut b = vec![0u8; T::SIZE];
    mem.read(addr, &mut b).map_err(|e| e.to_string())?;
    T::decode(&b).ok_or_else(|| "short structure".to_string())
}

fn same(what: &str, got: u64, want: u64) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what} is {got:#x}, expected {want:#x}"))
    }
}

/// What the boot ROM checks before it runs a heavy-secure ucode: the
/// signature (here: the whole image, signature patched in, as the
/// driver must have loaded it) and the parameters it was given.
fn check_booter(s: &Falcon, b: &BooterImage) -> Result<(), String> {
    same(
        "BROM_ENGIDMASK",
        s.brom.engid_mask.into(),
        b.engine_id_mask.into(),
    )?;
    same(
        "BROM_CURR_UCODE_ID",
        s.brom.ucode_id.into(),
        b.ucode_id.into(),
    )?;
    same(
        "BROM_PARAADDR",
        s.brom.para_addr.into(),
        b.pkc_data_offset.into(),
    )?;
    same("MOD_SEL (RSA-3K)", s.brom.mod_sel.into(), 1)?;
    same("BOOTVEC", s.bootvec.into(), b.boot_vector.into())?;
    if s.imem.get(..b.imem.len()) != Some(&b.imem[..]) {
        return Err("IMEM is not the ucode's code".into());
    }
    match s.dmem.get(..b.dmem.len()) {
        Some(d) if d == &b.dmem[..] => Ok(()),
        Some(d) => {
            let at = b.pkc_data_offset as usize;
            let sig_differs = d.get(at..at + 384) != b.dmem.get(at..at + 384);
            Err(if sig_differs {
                "signature check failed (wrong or missing signature in DMEM)".into()
            } else {
                "DMEM is not the ucode's data".into()
            })
        }
        None => Err("DMEM too small".into()),
    }
}

/// The metadata's header and every field booter_load depends on, against
/// what the model works out itself ([`super::wpr_rules`]). A heap with VF
/// partitions (`gspFwHeapVfPartitionCount`, GSP-RM hosting vGPUs) needs a
/// board with SR-IOV (`sriov`), at most `MAX_PARTITIONS_WITH_GFID` of
/// them, and the vGPU heap's bounds; without partitions the bare-metal
/// bounds hold. OpenRM sizes the heap and sets the partitions from the one
/// flag, `bVgpuGspPluginOffloadEnabled` (`kernel_gsp.c`
/// `_kgspCalculateFwHeapSize`, `kernel_gsp_tu102.c`: 32 partitions), so a
/// mix of the two is refused, as a heap outside its bounds is.
pub fn check_wpr_meta(
    m: &GspFwWprMeta,
    vram: u64,
    fw: &Firmware,
    sriov: bool,
) -> Result<(), String> {
    use super::wpr_rules::{heap_size_ok, vgpu_heap_size_ok, MAX_VF_PARTITIONS};
    if !m.is_valid_header() {
        return Err(format!("magic {:#x} revision {}", m.magic, m.revision));
    }
    let partitions = m.gsp_fw_heap_vf_partition_count;
    if partitions != 0 && !sriov {
        return Err(format!(
            "gspFwHeapVfPartitionCount is {partitions}: VF partitions on a board without SR-IOV"
        ));
    }
    if partitions > MAX_VF_PARTITIONS {
        return Err(format!(
            "gspFwHeapVfPartitionCount is {partitions}, more than GSP-RM's {MAX_VF_PARTITIONS}"
        ));
    }
    // The heap's size is the driver's choice, within GSP-RM's bounds.
    if partitions == 0 && !heap_size_ok(m.gsp_fw_heap_size) {
        return Err(format!(
            "gspFwHeapSize {:#x} is outside GSP-RM's 88..280 MiB in 1 MiB steps",
            m.gsp_fw_heap_size
        ));
    }
    if partitions != 0 && !vgpu_heap_size_ok(m.gsp_fw_heap_size) {
        return Err(format!(
            "gspFwHeapSize {:#x} with {partitions} VF partitions is outside GSP-RM's vGPU heap of \
             581..1040 MiB in 1 MiB steps",
            m.gsp_fw_heap_size
        ));
    }
    let want = super::wpr_rules::expected(
        vram,
        (fw.bootloader.len() as u64, fw.bootloader_offsets),
        fw.gsp_image.len() as u64,
        fw.gsp_signature.len() as u64,
        (m.gsp_fw_heap_size, partitions),
    )
    .ok_or("GSP-RM does not fit in VRAM")?;
    let got = fields(m);
    for (name, value) in want {
        let have = got
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| v)
            .ok_or_else(|| format!("{name}: not read"))?;
        if have != value {
            return Err(format!(
                "{name} is {have:#x}, GSP-RM's layout has {value:#x}"
            ));
        }
    }
    Ok(())
}

/// The fields of `m` booter_load checks, by their header names.
fn fields(m: &GspFwWprMeta) -> [(&'static str, u64); 23] {
    [
        ("sizeOfRadix3Elf", m.size_of_radix3_elf),
        ("sizeOfBootloader", m.size_of_bootloader),
        ("bootloaderCodeOffset", m.bootloader_code_offset),
        ("bootloaderDataOffset", m.bootloader_data_offset),
        ("bootloaderManifestOffset", m.bootloader_manifest_offset),
        ("sizeOfSignature", m.size_of_signature),
        ("gspFwRsvdStart", m.gsp_fw_rsvd_start),
        ("nonWprHeapOffset", m.non_wpr_heap_offset),
        ("nonWprHeapSize", m.non_wpr_heap_size),
        ("gspFwWprStart", m.gsp_fw_wpr_start),
        ("gspFwHeapOffset", m.gsp_fw_heap_offset),
        ("gspFwHeapSize", m.gsp_fw_heap_size),
        ("gspFwOffset", m.gsp_fw_offset),
        ("bootBinOffset", m.boot_bin_offset),
        ("frtsOffset", m.frts_offset),
        ("frtsSize", m.frts_size),
        ("gspFwWprEnd", m.gsp_fw_wpr_end),
        ("fbSize", m.fb_size),
        ("vgaWorkspaceOffset", m.vga_workspace_offset),
        ("vgaWorkspaceSize", m.vga_workspace_size),
        ("bootCount", m.boot_count),
        ("verified", m.verified),
        (
            "gspFwHeapVfPartitionCount",
            u64::from(m.gsp_fw_heap_vf_partition_count),
        ),
    ]
}

/// Walks the radix3 table and compares every page with `.fwimage`; the
/// bootloader and signature must be the files' too.
pub fn check_images(mem: &GuestMemory, m: &GspFwWprMeta, fw: &Firmware) -> Result<(), String> {
    let page = GSP_PAGE_SIZE as u64;
    let pages = (fw.gsp_image.len() as u64).div_ceil(page);
    let err = |e: crate::guest_mem::DmaFault| e.to_string();
    let level1 = mem.read_u64(m.sysmem_addr_of_radix3_elf).map_err(err)?;
    let mut data = vec![0u8; GSP_PAGE_SIZE];
    for p in 0..pages {
        let l2_index = p / 512;
        let level2 = mem.read_u64(level1 + l2_index * 8).map_err(err)?;
        let addr = mem.read_u64(level2 + (p % 512) * 8).map_err(err)?;
        let start = (p * page) as usize;
        let want = &fw.gsp_image[start..(start + GSP_PAGE_SIZE).min(fw.gsp_image.len())];
        mem.read(addr, &mut data[..want.len()]).map_err(err)?;
        if data[..want.len()] != *want {
            return Err(format!(
                "radix3 page {p} (at {addr:#x}) differs from .fwimage"
            ));
        }
    }
    let mut bl = vec![0u8; fw.bootloader.len()];
    mem.read(m.sysmem_addr_of_bootloader, &mut bl)
        .map_err(err)?;
    if bl != fw.bootloader {
        return Err("the bootloader differs from bootloader-570.144.bin".into());
    }
    let mut sig = vec![0u8; fw.gsp_signature.len()];
    mem.read(m.sysmem_addr_of_signature, &mut sig)
        .map_err(err)?;
    if sig != fw.gsp_signature {
        return Err("the signature differs from gsp-570.144.bin's".into());
    }
    Ok(())
}
