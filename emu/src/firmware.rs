//! The real GSP-RM firmware files, read on the host: what the boot chain
//! compares the driver's images against. Read with the model's own
//! parsers (`gsp_elf.rs`, `nvfw.rs`), not the driver's.

mod gsp_elf;
mod nvfw;

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
    /// ([`nvfw::bootloader`]).
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
        let (gsp_image, gsp_signature) = gsp_elf::image_and_signature(&gsp, signature_section)
            .map_err(|e| format!("gsp-{VERSION}.bin: {e}"))?;
        let bl_file = read(dir, chip, "bootloader")?;
        let (bootloader, bootloader_offsets) =
            nvfw::bootloader(&bl_file).map_err(|e| format!("bootloader-{VERSION}.bin: {e}"))?;
        Ok(Firmware {
            gsp_image,
            gsp_signature,
            bootloader: bootloader.to_vec(),
            bootloader_offsets,
            booter_load: load_booter(dir, chip, "booter_load")?,
            booter_unload: load_booter(dir, chip, "booter_unload")?,
        })
    }
}

/// Reads the heavy-secure ucode file `name` of `chip` and cuts it as loaded.
fn load_booter(dir: &Path, chip: &str, name: &str) -> Result<BooterImage, String> {
    let file = read(dir, chip, name)?;
    nvfw::booter(&file).map_err(|e| format!("{name}-{VERSION}.bin: {e}"))
}
