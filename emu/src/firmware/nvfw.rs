//! The NVIDIA firmware file containers booter and the RISC-V bootloader
//! come in, read by the model's own code (not the driver's parsers in
//! proto/), so that a misreading shared by both cannot hide.
//!
//! Layouts, from nouveau's `include/nvfw/fw.h` and `include/nvfw/hs.h` and
//! nova-core's `firmware.rs` and `firmware/booter.rs` (Linux 7.3), all
//! little-endian u32 words:
//! - `nvfw_bin_hdr`: magic 0x10de, version 1, size, header offset (12),
//!   data offset (16), data size (20);
//! - `nvfw_hs_header_v2` at the header offset: signature offset and size,
//!   then the *file offsets of* the patch location, the patch signature
//!   offset and (at 24) the signature count, the metadata offset and size
//!   (16, 20), and the load header's offset and size (28, 32);
//! - the metadata: fuse version, engine ID mask, ucode ID;
//! - `nvfw_hs_load_header_v2`: OS code offset and size, OS data offset and
//!   size, the app count, then per app its code offset and size and data
//!   offset and size.
//!
//! GA102 loads app 0's code at secure IMEM 0 and the OS data at DMEM 0, and
//! boots at app 0's offset (nova-core `BooterFirmware::new`, `boot_addr`).

use super::BooterImage;

/// Little-endian u32 words of a file, with the offset in every error.
struct Words<'a>(&'a [u8]);

impl<'a> Words<'a> {
    fn at(&self, offset: u64) -> Result<u32, String> {
        usize::try_from(offset)
            .ok()
            .and_then(|o| self.0.get(o..o.checked_add(4)?))
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| {
                format!(
                    "word at {offset:#x} beyond the file's {:#x} bytes",
                    self.0.len()
                )
            })
    }

    fn bytes(&self, offset: u64, len: u64, what: &str) -> Result<&'a [u8], String> {
        let end = offset
            .checked_add(len)
            .ok_or_else(|| format!("{what}: range overflows"))?;
        usize::try_from(offset)
            .ok()
            .zip(usize::try_from(end).ok())
            .and_then(|(s, e)| self.0.get(s..e))
            .ok_or_else(|| {
                format!(
                    "{what} ({offset:#x}+{len:#x}) beyond the file's {:#x} bytes",
                    self.0.len()
                )
            })
    }
}

/// The `nvfw_bin_hdr` fields the model uses: where the image-specific
/// header starts, and the payload.
fn bin_header(file: &[u8]) -> Result<(u64, &[u8]), String> {
    let w = Words(file);
    let (magic, version) = (w.at(0)?, w.at(4)?);
    if magic != 0x10de || version != 1 {
        return Err(format!(
            "not an nvfw_bin_hdr file (magic {magic:#x}, version {version})"
        ));
    }
    let payload = w.bytes(w.at(16)?.into(), w.at(20)?.into(), "payload")?;
    Ok((w.at(12)?.into(), payload))
}

/// The bootloader's code, data and manifest offsets.
pub type BootloaderOffsets = (u64, u64, u64);

/// The RISC-V bootloader file: its image (the `nvfw_bin_hdr` payload) and
/// its code, data and manifest offsets, from the `RM_RISCV_UCODE_DESC` at
/// the header offset (`manifestOffset` at 32, `monitorDataOffset` at 40,
/// `monitorCodeOffset` at 48; nova-core `firmware/riscv.rs`).
pub fn bootloader(file: &[u8]) -> Result<(&[u8], BootloaderOffsets), String> {
    let (desc, image) = bin_header(file)?;
    let w = Words(file);
    let offsets = (
        w.at(desc + 48)?.into(),
        w.at(desc + 40)?.into(),
        w.at(desc + 32)?.into(),
    );
    Ok((image, offsets))
}

/// booter_load or booter_unload as the driver must load it into SEC2 for
/// a chip whose fuse register for the ucode reads the ucode's own fuse
/// version: signature 0 patched in (the last one for fuse version 0, which
/// the register reads as 0; nova-core `BooterFirmware::new`), cut for
/// GA102.
pub fn booter(file: &[u8]) -> Result<BooterImage, String> {
    let w = Words(file);
    let (hs, image) = bin_header(file)?;
    let field = |i: u64| w.at(hs + 4 * i);
    let (sig_offset, sig_size) = (u64::from(field(0)?), u64::from(field(1)?));
    // Three of the header's fields point at the value.
    let patch_loc = w.at(field(2)?.into())?;
    let patch_sig = w.at(field(3)?.into())?;
    let num_sig = w.at(field(6)?.into())?;
    let meta = u64::from(field(4)?);
    if field(5)? < 12 {
        return Err("HS metadata shorter than its three words".into());
    }
    let (fuse_version, engine_id_mask, ucode_id) = (w.at(meta)?, w.at(meta + 4)?, w.at(meta + 8)?);
    if num_sig == 0 || !sig_size.is_multiple_of(u64::from(num_sig)) {
        return Err(format!("{num_sig} signatures in {sig_size} bytes"));
    }
    let one_sig = sig_size / u64::from(num_sig);
    let index = if fuse_version == 0 { num_sig - 1 } else { 0 };
    let signature = w.bytes(
        sig_offset + u64::from(patch_sig) + u64::from(index) * one_sig,
        one_sig,
        "the signature",
    )?;

    let load = u64::from(field(7)?);
    let l = |i: u64| w.at(load + 4 * i).map(u64::from);
    let (os_data_offset, os_data_size, apps) = (l(2)?, l(3)?, l(4)?);
    if apps == 0 {
        return Err("HS load header without apps".into());
    }
    let (app0_offset, app0_size) = (l(5)?, l(6)?);

    let mut patched = image.to_vec();
    let at = usize::try_from(patch_loc).map_err(|e| e.to_string())?;
    patched
        .get_mut(at..at + signature.len())
        .ok_or("signature patch location beyond the image")?
        .copy_from_slice(signature);
    let img = Words(&patched);
    Ok(BooterImage {
        imem: img.bytes(app0_offset, app0_size, "app 0 code")?.to_vec(),
        dmem: img.bytes(os_data_offset, os_data_size, "OS data")?.to_vec(),
        boot_vector: u32::try_from(app0_offset).map_err(|e| e.to_string())?,
        pkc_data_offset: patch_loc
            .checked_sub(u32::try_from(os_data_offset).map_err(|e| e.to_string())?)
            .ok_or("signature patch location before the OS data")?,
        engine_id_mask,
        ucode_id,
        fuse_register: if fuse_version == 0 {
            0
        } else {
            1u32.checked_shl(fuse_version - 1).unwrap_or(0)
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booter_is_cut_and_patched() {
        // proto's miniature booter (its layout is in its doc comment).
        let file = nvgsp_proto::build::hs::sample();
        let b = booter(&file).unwrap();
        assert_eq!(b.imem, vec![0; 0x70]);
        let mut dmem = vec![0u8; 0x80];
        dmem[0x10..0x20].copy_from_slice(&core::array::from_fn::<u8, 16, _>(|i| i as u8));
        assert_eq!(b.dmem, dmem);
        assert_eq!(
            (
                b.boot_vector,
                b.pkc_data_offset,
                b.engine_id_mask,
                b.ucode_id,
                b.fuse_register
            ),
            (0x10, 0x10, 1, 3, 0b10)
        );
    }

    #[test]
    fn bootloader_offsets_come_from_the_descriptor() {
        let mut f = vec![0u8; 0x100];
        let words = [(0, 0x10de), (4, 1), (12, 0x40), (16, 0xc0), (20, 0x40)];
        for (at, v) in words
            .into_iter()
            .chain([(0x40 + 32, 7u32), (0x40 + 40, 8), (0x40 + 48, 9)])
        {
            f[at..at + 4].copy_from_slice(&v.to_le_bytes());
        }
        let (image, offsets) = bootloader(&f).unwrap();
        assert_eq!((image.len(), offsets), (0x40, (9, 8, 7)));
        assert!(bootloader(&f[..0x60]).is_err());
        f[0] = 0;
        assert!(bootloader(&f).is_err());
    }

    #[test]
    fn bad_files_are_refused() {
        let file = nvgsp_proto::build::hs::sample();
        assert!(booter(&file[..0x40]).is_err());
        let mut f = file.clone();
        f[0] ^= 1;
        assert!(booter(&f).unwrap_err().contains("nvfw_bin_hdr"));
        assert!(bootloader(&[]).is_err());
    }
}
