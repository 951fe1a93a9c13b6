//! A synthetic GA102 VBIOS image, in the real formats.
//!
//! The ROM the emulated GPU shows at BAR0 0x300000 (`NV_PROM_DATA`) is built
//! here so that a driver that walks a real VBIOS the way Linux 7.3
//! nova-core (`vbios.rs`, `firmware/fwsec.rs`), nouveau
//! (`nvkm/subdev/bios`, `nvkm/subdev/gsp/fwsec.c`) or OpenRM
//! (`kernel_gsp_vbios.c`, `kernel_gsp_frts_tu102.c`) does finds FWSEC in
//! it. The images and structures are written by `nvgsp_proto::build`, with
//! the `nvgsp_proto::firmware::vbios` types the driver parses them with;
//! what goes in them (layout, versions, the two ucodes, the filler) is
//! decided here, and the tests parse the image back.
//!
//! Layout (offsets in the ROM):
//!
//! ```text
//! 0x0000  PC-AT image (code type 0x00, 8 KiB): ROM header, PCIR at 0x180,
//!         NPDE at 0x1a0, BIT at 0x1b0 with tokens 'B', 'i', 'p'; token 'p'
//!         points to the falcon ucode table; byte sum 0 (legacy checksum)
//! 0x2000  EFI image (code type 0x03, 4 KiB): an EFI ROM header, no code
//! 0x3000  first FWSEC image (code type 0xE0): falcon ucode table at
//!         +0x80 (FWSEC_DBG first, then FWSEC_PROD), then FWSEC_DBG: its
//!         FalconUCodeDescV3, signatures, IMEM image and DMEM image
//! ....    second FWSEC image (code type 0xE0, last): its own headers,
//!         then FWSEC_PROD at +0x80, laid out the same way
//! ```
//!
//! Like on real boards an EFI image sits between the PC-AT and the FWSEC
//! images, so VBIOS pointers only resolve with the "PC-AT and FWSEC are
//! contiguous" rule; and the falcon data spans two FWSEC images, the
//! second's headers in the middle of it, so only a driver that takes
//! everything from the first FWSEC image on as one region (nova-core
//! `Vbios::new`: "grab all data after that as the FWSEC section")
//! finds the production ucode. The DEBUG ucode comes first in the table and in the
//! image so that a driver that picks the wrong one loads different bytes.
//!
//! The DMEM image of each ucode:
//!
//! ```text
//! 0x000  filler
//! 0x100  interface table (version 1, 4-byte header, 8-byte entries, 3
//!        entries: id 1 -> 0x180, DMEMMAPPER (4) -> 0x200, id 5 -> 0x1c0)
//! 0x200  DMEMMAPPER v3 ("DMAP", 64 bytes): command in 0x300/0x100,
//!        command out 0x400/0x100, NVF image data 0x500/0x80
//! 0x600  signature slot (PKCDataOffset, 384 bytes, zero)
//! 0x780  filler up to 0x800 (DMEMLoadSize, a multiple of 256)
//! ```
//!
//! The IMEM and the filler are recognizable pseudo-random bytes; nothing
//! executes them: the device model checks what the driver loaded against
//! [`SynthVbios::expected_dmem`] and the IMEM image.

use nvgsp_proto::build::ucode_desc::Signature;
use nvgsp_proto::build::{appif, bit, rom, ucode_desc, ucode_table};
use nvgsp_proto::firmware::vbios::appif::{
    AppifEntryV1, DmemInterface, DmemMapperV3, FwsecCommand, APPIF_ID_DMEMMAPPER, INIT_CMD_FRTS,
    INIT_CMD_SB,
};
use nvgsp_proto::firmware::vbios::bit::{BitToken, BIT_TOKEN_BIOSDATA, BIT_TOKEN_INFO};
use nvgsp_proto::firmware::vbios::rom::{
    ImageHeaders, CODE_TYPE_EFI, CODE_TYPE_FWSEC, CODE_TYPE_PCI_AT, PCIR_SIGNATURE,
    PCIR_SIGNATURE_NV, ROM_BLOCK_SIZE,
};
use nvgsp_proto::firmware::vbios::ucode_desc::{
    FalconUcodeDescV3, BCRT30_RSA3K_SIG_SIZE, FALCON_UCODE_DESC_V3_SIZE,
};
use nvgsp_proto::firmware::vbios::ucode_table::{
    FalconUcodeTableEntryV1, APPID_FWSEC_DBG, APPID_FWSEC_PROD,
};
use nvgsp_proto::firmware::Error;
use nvgsp_proto::wire::Wire;
use std::ops::Range;

/// Size of the PC-AT image.
const PCI_AT_SIZE: usize = 0x2000;
/// Size of the EFI image.
const EFI_SIZE: usize = 0x1000;
/// Where the EFI image's PE image starts.
const EFI_PE_OFFSET: usize = 0x60;
/// PCIR offset in the PC-AT image.
const PCI_AT_PCIR: u16 = 0x180;
/// BIT header offset in the PC-AT image.
const BIT_OFFSET: usize = 0x1b0;
/// Token data offsets in the PC-AT image.
const BIOSDATA_DATA: u16 = 0x200;
const INFO_DATA: u16 = 0x210;
const FALCON_DATA: u16 = 0x220;
/// Falcon ucode table offset in the first FWSEC image.
const UCODE_TABLE: usize = 0x80;
/// First descriptor offset in the first FWSEC image.
const FIRST_DESC: usize = 0x100;
/// Where the ucode starts in the second FWSEC image, past its headers.
const SECOND_DESC: usize = 0x80;

/// IMEM image size of each synthetic ucode.
const IMEM_SIZE: u32 = 0x1000;
/// DMEM image size of each synthetic ucode.
const DMEM_SIZE: u32 = 0x800;
/// DMEM layout, see the module documentation.
const INTERFACE_OFFSET: u32 = 0x100;
const MAPPER_OFFSET: u32 = 0x200;
const CMD_IN: (u32, u32) = (0x300, 0x100);
const CMD_OUT: (u32, u32) = (0x400, 0x100);
const NVF_IMG: (u32, u32) = (0x500, 0x80);
const PKC_DATA_OFFSET: u32 = 0x600;

/// The VBIOS version the BIT reports: 94.02.42.00.01.
const BIOS_VERSION: u32 = 0x9402_4200;
const BIOS_OEM_VERSION: u8 = 0x01;

/// What varies between synthetic VBIOSes.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// PCI device id in the PCIRs.
    pub device_id: u16,
    /// FWSEC `SignatureVersions`: one bit per fuse version there is a
    /// signature for; the signature count is the number of set bits.
    pub signature_versions: u16,
    /// FWSEC `EngineIdMask` (0x400 = GSP, whose fuse registers nouveau
    /// reads for FWSEC).
    pub engine_id_mask: u16,
    /// FWSEC `UcodeId` (selects `NV_FUSE_OPT_FPF_GSP_UCODE<id>_VERSION`).
    pub ucode_id: u8,
}

impl Config {
    /// The emulated GA102 board's VBIOS: PCI device 0x2204 (as the emulated
    /// function reports), FWSEC signed for fuse versions 1 and 2, run on
    /// the GSP (engine id mask 0x400, nova-core
    /// `signature_reg_fuse_version_ga102` then reads the GSP fuses), ucode
    /// id 9 (the model's choice: not 1, so that a driver indexing the
    /// fuse array wrongly reads a zero fuse).
    pub const GA102: Config = Config {
        device_id: 0x2204,
        signature_versions: 0b110,
        engine_id_mask: 0x400,
        ucode_id: 9,
    };

    /// The emulated A10 board's VBIOS: [`Config::GA102`]'s, its PCIRs
    /// naming the A10's device ID 0x2236 (the same GA102 die; its FWSEC is
    /// the model's as well).
    pub const A10: Config = Config {
        device_id: 0x2236,
        ..Config::GA102
    };

    /// The value of `NV_FUSE_OPT_FPF_GSP_UCODE<ucode_id>_VERSION` on a chip
    /// fused for the newest signature there is: fuses are burnt one bit
    /// per revision, so version `v` reads `(1 << v) - 1` and its highest
    /// set bit (counting from 1) is `v` (nova-core, nouveau `fls()`).
    pub fn gsp_fuse(&self) -> u32 {
        let newest = 15u32.saturating_sub(self.signature_versions.leading_zeros());
        (1u32 << newest) - 1
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            device_id: 0x2204,
            signature_versions: 0b11,
            engine_id_mask: 0x400,
            ucode_id: 1,
        }
    }
}

/// Where one synthetic FWSEC ucode is in the ROM.
#[derive(Clone, Debug)]
// Some facts only the tests read.
#[cfg_attr(not(test), allow(dead_code))]
pub struct FwsecFacts {
    /// Falcon ucode table application id (FWSEC_PROD or FWSEC_DBG).
    pub application_id: u8,
    /// ROM offset of the descriptor.
    pub desc_offset: usize,
    /// The descriptor.
    pub desc: FalconUcodeDescV3,
    /// ROM range of the signatures (`signature_count` x 384 bytes).
    pub signatures: Range<usize>,
    /// ROM range of the IMEM image.
    pub imem: Range<usize>,
    /// ROM range of the DMEM image.
    pub dmem: Range<usize>,
    /// DMEM offset of the interface table (`InterfaceOffset`).
    pub interface_offset: u32,
    /// DMEM offset of the DMEMMAPPER.
    pub dmem_mapper_offset: u32,
    /// DMEM offset of the DMEMMAPPER's `init_cmd`.
    pub init_cmd_offset: u32,
    /// DMEM offset and size of the command input buffer.
    pub cmd_in_buffer: (u32, u32),
    /// DMEM offset of the signature slot (`PKCDataOffset`).
    pub pkc_data_offset: u32,
}

/// A synthesized VBIOS and the facts the device model checks the driver
/// against.
#[derive(Clone, Debug)]
// Some facts only the tests read.
#[cfg_attr(not(test), allow(dead_code))]
pub struct SynthVbios {
    /// The ROM image (what BAR0 0x300000.. reads return).
    pub rom: Vec<u8>,
    /// Size of the PC-AT image (the base of the VBIOS pointer space).
    pub pci_at_size: usize,
    /// ROM offset of the first FWSEC image.
    pub fwsec_image_offset: usize,
    /// ROM offset of the second FWSEC image.
    pub second_fwsec_image_offset: usize,
    /// ROM offset of the falcon ucode table.
    pub ucode_table_offset: usize,
    /// The FWSEC_PROD ucode, the one a production driver runs.
    pub fwsec: FwsecFacts,
    /// The FWSEC_DBG ucode (different bytes, never the right choice).
    pub fwsec_dbg: FwsecFacts,
}

impl SynthVbios {
    /// The FWSEC_PROD IMEM image the driver must load into IMEM.
    pub fn imem(&self) -> &[u8] {
        &self.rom[self.fwsec.imem.clone()]
    }

    /// The FWSEC_DBG IMEM image (what a driver that picked the debug ucode
    /// loads).
    pub fn dbg_imem(&self) -> &[u8] {
        &self.rom[self.fwsec_dbg.imem.clone()]
    }

    /// The FWSEC_PROD DMEM image as stored (before the driver patches it).
    pub fn dmem(&self) -> &[u8] {
        &self.rom[self.fwsec.dmem.clone()]
    }

    /// FWSEC_PROD signature `index`.
    pub fn signature(&self, index: usize) -> Option<&[u8]> {
        let start = self.fwsec.signatures.start + index.checked_mul(BCRT30_RSA3K_SIG_SIZE)?;
        let end = start + BCRT30_RSA3K_SIG_SIZE;
        (end <= self.fwsec.signatures.end).then(|| &self.rom[start..end])
    }

    /// The DMEM a correct driver loads to run `cmd` on a GPU whose fuses
    /// report `reg_fuse_version`: the stored image with `init_cmd` and the
    /// command input written and the matching signature patched in.
    pub fn expected_dmem(
        &self,
        cmd: &FwsecCommand,
        reg_fuse_version: u32,
    ) -> Result<Vec<u8>, Error> {
        let mut dmem = self.dmem().to_vec();
        DmemInterface::find(&dmem, self.fwsec.interface_offset)?.patch(&mut dmem, cmd)?;
        let versions = u32::from(self.fwsec.desc.signature_versions);
        let bit = 1u32.checked_shl(reg_fuse_version).unwrap_or(0);
        if versions & bit == 0 {
            return Err(Error::BadField {
                what: "FWSEC fuse version (no matching signature)",
                found: reg_fuse_version.into(),
            });
        }
        let index = (versions & (bit - 1)).count_ones() as usize;
        let sig = self.signature(index).ok_or(Error::NotFound {
            what: "FWSEC signature index",
        })?;
        let at = self.fwsec.pkc_data_offset as usize;
        dmem[at..at + BCRT30_RSA3K_SIG_SIZE].copy_from_slice(sig);
        Ok(dmem)
    }

    /// The command a loaded (patched) DMEM image asks FWSEC to run.
    pub fn loaded_command(&self, dmem: &[u8]) -> Result<FwsecCommand, Error> {
        DmemInterface::find(dmem, self.fwsec.interface_offset)?.command(dmem)
    }
}

/// Builds the VBIOS for `cfg`.
pub fn synthesize(cfg: &Config) -> SynthVbios {
    let sig_count = cfg.signature_versions.count_ones() as usize;
    let desc_size = FALCON_UCODE_DESC_V3_SIZE + sig_count * BCRT30_RSA3K_SIG_SIZE;
    let ucode_span = (desc_size + (IMEM_SIZE + DMEM_SIZE) as usize).next_multiple_of(0x100);
    let first_size = (FIRST_DESC + ucode_span).next_multiple_of(ROM_BLOCK_SIZE);
    let second_size = (SECOND_DESC + ucode_span).next_multiple_of(ROM_BLOCK_SIZE);

    let mut h = headers(
        cfg,
        CODE_TYPE_PCI_AT,
        PCI_AT_SIZE,
        PCI_AT_PCIR,
        PCIR_SIGNATURE,
        false,
    );
    h.rom.reserved = rom::x86_arch(h.pcir.image_len);
    let mut pci_at = rom::image(&h).expect("headers fit the image");
    let efi = efi_image(cfg);
    // The FWSEC section: two images, one region for VBIOS pointers.
    let fwsec_image = |size, last| {
        let h = headers(cfg, CODE_TYPE_FWSEC, size, 0x20, PCIR_SIGNATURE_NV, last);
        rom::image(&h).expect("headers fit the image")
    };
    let mut fwsec = [
        fwsec_image(first_size, false),
        fwsec_image(second_size, true),
    ]
    .concat();
    let fwsec_image_offset = PCI_AT_SIZE + EFI_SIZE;
    // A VBIOS pointer to FWSEC section offset `off`.
    let ptr = |off: usize| u32::try_from(PCI_AT_SIZE + off).expect("ROM below 4 GiB");

    // The two ucodes: DEBUG first, PRODUCTION second, in the second image.
    let dbg_at = FIRST_DESC;
    let prod_at = first_size + SECOND_DESC;
    let dbg = put_ucode(cfg, &mut fwsec, dbg_at, APPID_FWSEC_DBG, fwsec_image_offset);
    let prod = put_ucode(
        cfg,
        &mut fwsec,
        prod_at,
        APPID_FWSEC_PROD,
        fwsec_image_offset,
    );

    // The falcon ucode table.
    let entries = [(APPID_FWSEC_DBG, dbg_at), (APPID_FWSEC_PROD, prod_at)].map(|(app, at)| {
        FalconUcodeTableEntryV1 {
            application_id: app,
            target_id: 0,
            desc_ptr: ptr(at),
        }
    });
    let table = ucode_table::table(&entries);
    fwsec[UCODE_TABLE..UCODE_TABLE + table.len()].copy_from_slice(&table);

    put_bit(&mut pci_at, ptr(UCODE_TABLE));
    rom::put_checksum(&mut pci_at);

    let rom = [pci_at, efi, fwsec].concat();
    SynthVbios {
        rom,
        pci_at_size: PCI_AT_SIZE,
        fwsec_image_offset,
        second_fwsec_image_offset: fwsec_image_offset + first_size,
        ucode_table_offset: fwsec_image_offset + UCODE_TABLE,
        fwsec: prod,
        fwsec_dbg: dbg,
    }
}

/// The headers of an image of `size` bytes with its PCIR at `pcir`, signed
/// `sig`: the board's device id, a 3D controller.
fn headers(
    cfg: &Config,
    code_type: u8,
    size: usize,
    pcir: u16,
    sig: [u8; 4],
    last: bool,
) -> ImageHeaders {
    let blocks = u16::try_from(size / ROM_BLOCK_SIZE).expect("image below 32 MiB");
    let mut h = rom::headers(code_type, blocks, last);
    h.rom.pci_data_struct_offset = pcir;
    h.pcir.signature = sig;
    h.pcir.device_id = cfg.device_id;
    h.pcir.pci_data_struct_rev = 3;
    // 3D controller (0x0302), as the emulated function reports.
    h.pcir.class_code = [0x00, 0x02, 0x03];
    h.pcir.vendor_rom_rev = 1;
    h
}

/// The EFI image: an EFI ROM header and an empty PE image (just "MZ").
fn efi_image(cfg: &Config) -> Vec<u8> {
    let mut h = headers(cfg, CODE_TYPE_EFI, EFI_SIZE, 0x20, PCIR_SIGNATURE, false);
    h.rom.reserved = rom::efi_arch(h.pcir.image_len, EFI_PE_OFFSET as u16);
    let mut img = rom::image(&h).expect("headers fit the image");
    img[EFI_PE_OFFSET..EFI_PE_OFFSET + 2].copy_from_slice(b"MZ");
    img
}

/// The BIT with tokens 'B' (BIOS version), 'i' (info) and 'p' (falcon data
/// pointing at `table_ptr`), and their data.
fn put_bit(pci_at: &mut [u8], table_ptr: u32) {
    // 'B' and 'i' both start with the version: bytes micro, minor, chip,
    // major, then the OEM version as the patch level (nouveau bit_i).
    let v = BIOS_VERSION.to_le_bytes();
    let version = [v[0], v[1], v[2], v[3], BIOS_OEM_VERSION];
    let token = |id, data_offset| BitToken {
        id,
        data_version: 2,
        data_size: 8,
        data_offset,
    };
    bit::put(
        pci_at,
        BIT_OFFSET,
        &[
            (token(BIT_TOKEN_BIOSDATA, BIOSDATA_DATA), &version[..]),
            (token(BIT_TOKEN_INFO, INFO_DATA), &version),
            (
                bit::falcon_data_token(FALCON_DATA),
                &table_ptr.to_le_bytes(),
            ),
        ],
    )
    .expect("BIT fits the PC-AT image");
    let note = b"nvgsp-emu synthetic GA102 VBIOS";
    pci_at[0x240..0x240 + note.len()].copy_from_slice(note);
}

/// Writes one ucode (descriptor, signatures, IMEM, DMEM) at `at` in the
/// FWSEC image, which starts at ROM offset `base`.
fn put_ucode(cfg: &Config, fwsec: &mut [u8], at: usize, app: u8, base: usize) -> FwsecFacts {
    let seed = u32::from(app) << 24;
    let sig_count = cfg.signature_versions.count_ones();
    let signatures: Vec<Signature> = (0..sig_count)
        .map(|i| {
            let mut s = [0u8; BCRT30_RSA3K_SIG_SIZE];
            fill(&mut s, seed | 0x5100 | i);
            s[..4].copy_from_slice(b"SIG0");
            s[3] = b'0' + i as u8;
            s
        })
        .collect();
    let mut imem = vec![0u8; IMEM_SIZE as usize];
    fill(&mut imem, seed | 0x1e);
    let tag = if app == APPID_FWSEC_PROD {
        &b"nvgsp-emu FWSEC prod IMEM"[..]
    } else {
        &b"nvgsp-emu FWSEC dbg IMEM"[..]
    };
    imem[..tag.len()].copy_from_slice(tag);
    let mut dmem = vec![0u8; DMEM_SIZE as usize];
    put_dmem(&mut dmem, seed);
    let ucode = ucode_desc::Fwsec {
        desc: FalconUcodeDescV3 {
            pkc_data_offset: PKC_DATA_OFFSET,
            interface_offset: INTERFACE_OFFSET,
            engine_id_mask: cfg.engine_id_mask,
            ucode_id: cfg.ucode_id,
            signature_versions: cfg.signature_versions,
            ..FalconUcodeDescV3::ZERO
        },
        signatures: &signatures,
        imem: &imem,
        dmem: &dmem,
    };
    let desc = ucode.desc();
    let bytes = ucode.build();
    fwsec[at..at + bytes.len()].copy_from_slice(&bytes);
    let sigs = at + FALCON_UCODE_DESC_V3_SIZE..at + desc.size();
    let imem = sigs.end..sigs.end + imem.len();
    let dmem = imem.end..imem.end + dmem.len();
    let rom = |r: Range<usize>| base + r.start..base + r.end;
    FwsecFacts {
        application_id: app,
        desc_offset: base + at,
        desc,
        signatures: rom(sigs),
        imem: rom(imem),
        dmem: rom(dmem),
        interface_offset: INTERFACE_OFFSET,
        dmem_mapper_offset: MAPPER_OFFSET,
        init_cmd_offset: MAPPER_OFFSET + std::mem::offset_of!(DmemMapperV3, init_cmd) as u32,
        cmd_in_buffer: CMD_IN,
        pkc_data_offset: PKC_DATA_OFFSET,
    }
}

/// The DMEM image: filler, interface table, DMEMMAPPER, empty buffers and
/// signature slot.
fn put_dmem(dmem: &mut [u8], seed: u32) {
    fill(dmem, seed | 0xd0);
    let zero = |d: &mut [u8], (off, len): (u32, u32)| d[off as usize..(off + len) as usize].fill(0);
    zero(dmem, (INTERFACE_OFFSET, 0x100));
    zero(dmem, (MAPPER_OFFSET, 0x40));
    zero(dmem, CMD_IN);
    zero(dmem, CMD_OUT);
    zero(dmem, NVF_IMG);
    zero(dmem, (PKC_DATA_OFFSET, BCRT30_RSA3K_SIG_SIZE as u32));
    let entries = [
        AppifEntryV1 {
            id: 1,
            dmem_offset: 0x180,
        },
        AppifEntryV1 {
            id: APPIF_ID_DMEMMAPPER,
            dmem_offset: MAPPER_OFFSET,
        },
        AppifEntryV1 {
            id: 5,
            dmem_offset: 0x1c0,
        },
    ];
    let mapper = DmemMapperV3 {
        cmd_out_buffer_offset: CMD_OUT.0,
        cmd_out_buffer_size: CMD_OUT.1,
        nvf_img_data_buffer_offset: NVF_IMG.0,
        nvf_img_data_buffer_size: NVF_IMG.1,
        ucode_build_time_stamp: 0x6650_0000,
        ucode_cmd_mask0: (1 << INIT_CMD_FRTS) | (1 << INIT_CMD_SB),
        ..appif::mapper(CMD_IN.0, CMD_IN.1)
    };
    appif::put(dmem, INTERFACE_OFFSET, &entries, &mapper).expect("DMEM interface fits");
}

/// Fills `b` with xorshift32 bytes from `seed`.
fn fill(b: &mut [u8], seed: u32) {
    let mut x = seed | 1;
    for c in b.chunks_mut(4) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let v = x.to_le_bytes();
        c.copy_from_slice(&v[..c.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nvgsp_proto::firmware::vbios::appif::DMEMMAPPER_SIGNATURE;
    use nvgsp_proto::firmware::vbios::bit::BitTable;
    use nvgsp_proto::firmware::vbios::rom::npde_offset;
    use nvgsp_proto::firmware::vbios::{images, Vbios, ROM_MAX_SIZE};

    fn sum(b: &[u8]) -> u8 {
        b.iter().fold(0u8, |s, &x| s.wrapping_add(x))
    }

    #[test]
    fn parses_back_with_the_driver_parsers() {
        let s = synthesize(&Config::default());
        assert!(s.rom.len() <= ROM_MAX_SIZE && s.rom.len().is_multiple_of(ROM_BLOCK_SIZE));
        let kinds: Vec<_> = images(&s.rom)
            .map(|i| i.map(|i| (i.offset, i.headers.code_type(), i.headers.is_last())))
            .collect();
        assert_eq!(
            kinds,
            [
                Ok((0, CODE_TYPE_PCI_AT, false)),
                Ok((PCI_AT_SIZE, CODE_TYPE_EFI, false)),
                Ok((s.fwsec_image_offset, CODE_TYPE_FWSEC, false)),
                Ok((s.second_fwsec_image_offset, CODE_TYPE_FWSEC, true))
            ]
        );
        // The production ucode is in the second FWSEC image.
        assert!(s.fwsec.desc_offset > s.second_fwsec_image_offset);
        assert!(s.fwsec_dbg.dmem.end <= s.second_fwsec_image_offset);
        let v = Vbios::parse(&s.rom).unwrap();
        assert_eq!(
            (v.pci_at.data.len(), v.fwsec_offset, v.end),
            (s.pci_at_size, s.fwsec_image_offset, s.rom.len())
        );
        assert_eq!(v.bit.offset, BIT_OFFSET);
        assert_eq!(
            v.resolve(v.bit.falcon_ucode_table_ptr().unwrap()),
            Ok(s.ucode_table_offset)
        );
        assert_eq!(
            v.ucode_desc_offset(APPID_FWSEC_PROD),
            Ok(s.fwsec.desc_offset)
        );
        assert_eq!(
            v.ucode_desc_offset(APPID_FWSEC_DBG),
            Ok(s.fwsec_dbg.desc_offset)
        );

        let f = v.fwsec().unwrap();
        assert_eq!(f.desc, s.fwsec.desc);
        assert_eq!(f.imem(), s.imem());
        assert_eq!(f.dmem(), s.dmem());
        assert_eq!(&f.imem()[..25], b"nvgsp-emu FWSEC prod IMEM");
        for i in 0..2 {
            assert_eq!(f.signature(i).ok(), s.signature(i));
        }
        assert_eq!(s.signature(2), None);
        assert_eq!(f.signature_index(0), Ok(0));
        assert_eq!(f.signature_index(1), Ok(1));
        let dbg = v.fwsec_for(APPID_FWSEC_DBG).unwrap();
        assert_ne!(dbg.imem(), f.imem());
        assert_ne!(dbg.signature(0).unwrap(), f.signature(0).unwrap());

        let i = DmemInterface::find(f.dmem(), f.desc.interface_offset).unwrap();
        assert_eq!(i.mapper_offset, s.fwsec.dmem_mapper_offset);
        assert_eq!(i.init_cmd_offset(), s.fwsec.init_cmd_offset);
        assert_eq!(
            (i.mapper.signature, i.mapper.version),
            (DMEMMAPPER_SIGNATURE, 3)
        );
        assert_eq!(
            (i.mapper.cmd_in_buffer_offset, i.mapper.cmd_in_buffer_size),
            s.fwsec.cmd_in_buffer
        );
    }

    #[test]
    fn satisfies_the_other_parsers_checks() {
        let s = synthesize(&Config::default());
        // Legacy option-ROM checksum of the PC-AT image; BIT header checksum
        // (OpenRM); header at the same place nouveau's search finds it.
        assert_eq!(sum(&s.rom[..PCI_AT_SIZE]), 0);
        assert_eq!(sum(&s.rom[BIT_OFFSET..BIT_OFFSET + 12]), 0);
        assert_eq!(BitTable::find(&s.rom).unwrap().offset, BIT_OFFSET);
        // NPDEs where nouveau and nova-core look for them, revision 1.1 and
        // long enough that OpenRM honours their last-image flag.
        for base in [
            0,
            PCI_AT_SIZE,
            s.fwsec_image_offset,
            s.second_fwsec_image_offset,
        ] {
            let pcir = usize::from(u16::from_le_bytes([s.rom[base + 0x18], s.rom[base + 0x19]]));
            let npde = base + npde_offset(pcir, 0x18);
            assert_eq!(&s.rom[npde..npde + 4], b"NPDE");
            assert_eq!(
                u16::from_le_bytes([s.rom[npde + 4], s.rom[npde + 5]]),
                0x101
            );
            assert!(u16::from_le_bytes([s.rom[npde + 6], s.rom[npde + 7]]) > 0x0a);
            assert!(pcir + 0x18 <= 1024, "headers within nova-core's read-ahead");
        }
        // OpenRM: at least two interface entries, and room for the 48-byte
        // FWSECLIC_FRTS_CMD in the command buffer.
        let dmem = s.dmem();
        assert!(dmem[INTERFACE_OFFSET as usize + 3] >= 2);
        assert!(s.fwsec.cmd_in_buffer.1 >= 48);
        // nouveau loads ALIGN(DMEMLoadSize, 256).
        assert_eq!(s.fwsec.desc.dmem_load_size % 256, 0);
        // The signature slot and the command buffer do not overlap the
        // interface structures.
        let pkc = s.fwsec.pkc_data_offset;
        assert!(pkc >= CMD_IN.0 + CMD_IN.1 && pkc + BCRT30_RSA3K_SIG_SIZE as u32 <= DMEM_SIZE);
    }

    #[test]
    fn expected_dmem_is_what_the_driver_patch_produces() {
        let s = synthesize(&Config::default());
        let v = Vbios::parse(&s.rom).unwrap();
        let f = v.fwsec().unwrap();
        let frts = FwsecCommand::Frts {
            offset: 0xff_f000_0000 >> 4,
            size: 0x10_0000,
        };
        for (cmd, fuse) in [(frts, 0), (FwsecCommand::Sb, 1)] {
            // The driver's side: patch a copy of the DMEM, then the signature.
            let mut dmem = f.dmem().to_vec();
            DmemInterface::find(&dmem, f.desc.interface_offset)
                .unwrap()
                .patch(&mut dmem, &cmd)
                .unwrap();
            let sig = f.signature(f.signature_index(fuse).unwrap()).unwrap();
            let at = f.desc.pkc_data_offset as usize;
            dmem[at..at + sig.len()].copy_from_slice(sig);
            assert_eq!(s.expected_dmem(&cmd, fuse).unwrap(), dmem);
            assert_eq!(s.loaded_command(&dmem), Ok(cmd));
        }
        assert!(s.expected_dmem(&FwsecCommand::Sb, 2).is_err());
        assert!(
            s.loaded_command(s.dmem()).is_err(),
            "unpatched DMEM asks for nothing"
        );
    }

    #[test]
    fn the_emulated_boards_vbios_and_fuse() {
        let cfg = Config::GA102;
        let s = synthesize(&cfg);
        assert_eq!(
            (s.fwsec.application_id, s.fwsec_dbg.application_id),
            (APPID_FWSEC_PROD, APPID_FWSEC_DBG)
        );
        let f = Vbios::parse(&s.rom).unwrap().fwsec().unwrap();
        assert_eq!(
            (
                f.desc.engine_id_mask,
                f.desc.ucode_id,
                f.desc.signature_count
            ),
            (0x400, 9, 2)
        );
        // Fuses burnt for versions 1 and 2: version 2, the second signature.
        assert_eq!(cfg.gsp_fuse(), 0b11);
        let v = nvgsp_proto::firmware::fuse_version(cfg.gsp_fuse());
        assert_eq!((v, f.signature_index(v)), (2, Ok(1)));
        assert_eq!(s.dbg_imem(), &s.rom[s.fwsec_dbg.imem.clone()]);
        assert_eq!(Config::default().gsp_fuse(), 0b1);
    }

    #[test]
    fn the_a10_vbios_names_the_a10() {
        let s = synthesize(&Config::A10);
        let v = Vbios::parse(&s.rom).unwrap();
        assert_eq!(v.pci_at.headers.pcir.device_id, 0x2236);
        for i in images(&s.rom) {
            assert_eq!(i.unwrap().headers.pcir.device_id, 0x2236);
        }
        let f = v.fwsec().unwrap();
        assert_eq!((f.desc.engine_id_mask, f.desc.ucode_id), (0x400, 9));
        assert_eq!(Config::A10.gsp_fuse(), Config::GA102.gsp_fuse());
    }

    #[test]
    fn config_changes_what_it_should() {
        let cfg = Config {
            device_id: 0x2206,
            signature_versions: 0b1011,
            engine_id_mask: 0x400,
            ucode_id: 9,
        };
        let s = synthesize(&cfg);
        let v = Vbios::parse(&s.rom).unwrap();
        assert_eq!(v.pci_at.headers.pcir.device_id, 0x2206);
        let f = v.fwsec().unwrap();
        assert_eq!((f.desc.signature_count, f.desc.ucode_id), (3, 9));
        assert_eq!(f.signature_index(3), Ok(2));
        assert_eq!(f.signature(2).ok(), s.signature(2));
        assert_eq!(
            s.expected_dmem(&FwsecCommand::Sb, 3).unwrap()[0x600..0x604],
            *b"SIG2"
        );
    }
}
