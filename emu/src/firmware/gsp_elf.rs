//! The sections of gsp-570.144.bin, an ELF64 file, read with the `object`
//! crate rather than the driver's own ELF parser (proto/), so that a
//! misreading shared by both cannot hide. The section names are those
//! nova-core's `gsp.rs` and nouveau's r535 `gsp.c` load: `.fwimage` and
//! the chip family's `.fwsignature_*`.

use object::read::elf::ElfFile64;
use object::{LittleEndian, Object, ObjectSection};

/// The contents of `.fwimage` and of the section `signature`, each
/// non-empty.
pub fn image_and_signature(file: &[u8], signature: &str) -> Result<(Vec<u8>, Vec<u8>), String> {
    let elf =
        ElfFile64::<LittleEndian>::parse(file).map_err(|e| format!("not an ELF64 file: {e}"))?;
    let section = |name: &str| -> Result<Vec<u8>, String> {
        let data = elf
            .section_by_name(name)
            .ok_or_else(|| format!("no section {name}"))?
            .data()
            .map_err(|e| format!("section {name}: {e}"))?;
        if data.is_empty() {
            return Err(format!("section {name} is empty"));
        }
        Ok(data.to_vec())
    };
    Ok((section(".fwimage")?, section(signature)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nvgsp_proto::build::elf::elf64;

    #[test]
    fn sections_are_found() {
        let f = elf64(&[(".fwimage", b"img"), (".fwsignature_ga10x", b"sig")]);
        assert_eq!(
            image_and_signature(&f, ".fwsignature_ga10x"),
            Ok((b"img".to_vec(), b"sig".to_vec()))
        );
        assert!(image_and_signature(&f, ".fwsignature_tu10x").is_err());
        let empty = elf64(&[(".fwimage", b""), (".fwsignature_ga10x", b"sig")]);
        assert!(image_and_signature(&empty, ".fwsignature_ga10x").is_err());
        assert!(image_and_signature(b"not an elf", ".fwsignature_ga10x").is_err());
    }
}
