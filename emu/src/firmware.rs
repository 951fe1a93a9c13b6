//! The real GSP-RM firmware files, read on the host: what the boot chain
//! compares the driver's images against.

use nvgsp_proto::firmware::{
    gsp_rm::GspRmFirmware,
    hs::HsFirmware,
    riscv::RiscvFirmware, //
};
use std::path::Path;

/// The GSP-RM release the model implements.
pub const VERSION: &str = "570.144";

/// What booter_load must look like in SEC2's memories once the driver
/// loaded it: the image with the signature for this chip's fuses patched
/// in, cut as the GA102 load layout says.
#[derive(Clone, Debug)]
pub struct BooterImage {
    /// Secure IMEM contents from offset 0.
    pub imem: Vec<u8>,
    /// DMEM contents from offset 0.
    pub dmem: Vec<u8>,
    /// The boot vector.
    pub boot_vector: u32,
    /// BROM parameters: signature offset in DMEM, engine mask, ucode id.
    pub pkc_data_offset: u32,
    /// See `pkc_data_offset`.
    pub engine_id_mask: u32,
    /// See `pkc_data_offset`.
    pub ucode_id: u32,
    /// The value of the SEC2 fuse register for `ucode_id` this chip has.
    pub fuse_register: u32,
}

/// The files of one chip.
#[derive(Clone)]
pub struct Firmware {
    /// `.fwimage` of gsp-570.144.bin.
    pub gsp_image: Vec<u8>,
    /// The chip's signature section of gsp-570.144.bin.
    pub gsp_signature: Vec<u8>,
    /// The RISC-V bootloader image.
    pub bootloader: Vec<u8>,
    /// Its code, data and manifest offsets, read by the model's own code
    /// ([`crate::dev::boot::wpr_rules::bootloader_offsets`]).
    pub bootloader_offsets: (u64, u64, u64),
    /// booter_load as loaded.
    pub booter_load: BooterImage,
    /// booter_unload as loaded.
    pub booter_unload: BooterImage,
}

fn read(dir: &Path, chip: &str, name: &str) -> Result<Vec<u8>, String> {
    let path = dir.join(format!("nvidia/{chip}/gsp/{name}-{VERSION}.bin"));
    std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

impl Firmware {
    /// Reads the files of `chip` (e.g. "ga102") under `dir`, with the
    /// signature section `signature_section` of gsp-570.144.bin.
    pub fn load(dir: &Path, chip: &str, signature_section: &str) -> Result<Firmware, String> {
        let gsp = read(dir, chip, "gsp")?;
        let rm = GspRmFirmware::parse(&gsp, signature_section)
            .map_err(|e| format!("gsp-{VERSION}.bin: {e:?}"))?;
        let bl_file = read(dir, chip, "bootloader")?;
        let bl = RiscvFirmware::parse(&bl_file)
            .map_err(|e| format!("bootloader-{VERSION}.bin: {e:?}"))?;
        Ok(Firmware {
            gsp_image: rm.image.to_vec(),
            gsp_signature: rm.signature.to_vec(),
            bootloader: bl.image().to_vec(),
            bootloader_offsets: crate::dev::boot::wpr_rules::bootloader_offsets(&bl_file)
                .map_err(|e| format!("bootloader-{VERSION}.bin: {e}"))?,
            booter_load: load_booter(dir, chip, "booter_load")?,
            booter_unload: load_booter(dir, chip, "booter_unload")?,
        })
    }
}

/// Reads the heavy-secure ucode file `name` of `chip` and cuts it as loaded.
fn load_booter(dir: &Path, chip: &str, name: &str) -> Result<BooterImage, String> {
    let file = read(dir, chip, name)?;
    let hs = HsFirmware::parse(&file).map_err(|e| format!("{name}-{VERSION}.bin: {e:?}"))?;
    booter_image(&hs).map_err(|e| format!("{name}-{VERSION}.bin: {e}"))
}

/// The chip's fuse is at booter's own fuse version, so signature 0 is the
/// one to patch in.
fn booter_image(hs: &HsFirmware<'_>) -> Result<BooterImage, String> {
    let fuse = hs.meta.fuse_version;
    let fuse_register = if fuse == 0 { 0 } else { 1u32 << (fuse - 1) };
    let reg_fuse = nvgsp_proto::firmware::fuse_version(fuse_register);
    let index = hs.signature_index(reg_fuse).map_err(|e| format!("{e:?}"))?;
    let mut image = hs.image().to_vec();
    let sig = hs.signature(index).map_err(|e| format!("{e:?}"))?;
    let at = hs.patch_loc as usize;
    image
        .get_mut(at..at + sig.len())
        .ok_or("signature patch location outside the image")?
        .copy_from_slice(sig);
    let layout = hs.ga102_layout().map_err(|e| format!("{e:?}"))?;
    let cut = |t: nvgsp_proto::firmware::LoadTarget| -> Result<Vec<u8>, String> {
        image
            .get(t.src as usize..(t.src + t.len) as usize)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| "load target outside the image".to_string())
    };
    Ok(BooterImage {
        imem: cut(layout.imem_sec)?,
        dmem: cut(layout.dmem)?,
        boot_vector: layout.boot_addr,
        pkc_data_offset: hs.pkc_data_offset(),
        engine_id_mask: u32::from(hs.engine_id_mask()),
        ucode_id: u32::from(hs.ucode_id()),
        fuse_register,
    })
}
