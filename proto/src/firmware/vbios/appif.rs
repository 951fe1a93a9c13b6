// SPDX-License-Identifier: GPL-2.0
//! FWSEC's DMEM application interface: the interface table at
//! `InterfaceOffset`, the DMEMMAPPER it points to, and the command the
//! driver writes for FWSEC to run (FRTS or SB).
//!
//! Layouts from Linux 7.3 nouveau `nvkm/subdev/gsp/fwsec.c`
//! (`nvfw_falcon_appif_hdr_v1`, `nvfw_falcon_appif_v1`,
//! `nvfw_falcon_appif_dmemmapper` v3, `nvfw_fwsec_frts_cmd`,
//! `nvkm_gsp_fwsec_patch`) and nova-core `firmware/fwsec.rs`
//! (`FalconAppifHdrV1`, `FalconAppifV1`, `FalconAppifDmemmapperV3`,
//! `FrtsCmd`, `new_fwsec`); names of OpenRM's `kernel_gsp_frts_tu102.c`
//! (`FALCON_APPLICATION_INTERFACE_*`, `FWSECLIC_*`). All offsets here are
//! DMEM offsets (offsets in the DMEM image).
//!
//! The patch: find the DMEMMAPPER entry (id 4) of the table, set its
//! `init_cmd` to [`INIT_CMD_FRTS`] or [`INIT_CMD_SB`], and write at its
//! `cmd_in_buffer_offset` a read-VBIOS descriptor (`{1, 24, 0, 0, 2}`),
//! followed for FRTS by the FRTS region (`{1, 20, addr >> 12, size >> 12,
//! FB}`).

use super::super::{read, write, Error, Result};
use crate::wire::Wire;

/// Version of the interface table header.
pub const APPIF_HEADER_VERSION_1: u8 = 1;
/// `FALCON_APPLICATION_INTERFACE_ENTRY_ID_DMEMMAPPER`.
pub const APPIF_ID_DMEMMAPPER: u32 = 0x4;
/// `signature` of a DMEMMAPPER, "DMAP". Not checked by nouveau, nova-core
/// or OpenRM; the value is what dumps of real VBIOSes show.
pub const DMEMMAPPER_SIGNATURE: u32 = u32::from_le_bytes(*b"DMAP");
/// `version` of the DMEMMAPPER layout described here.
pub const DMEMMAPPER_VERSION_3: u16 = 3;
/// `init_cmd` for FRTS: carve out WPR2 and copy the VBIOS data into it.
pub const INIT_CMD_FRTS: u32 = 0x15;
/// `init_cmd` for SB: load the pre-OS apps on the PMU.
pub const INIT_CMD_SB: u32 = 0x19;
/// `FWSECLIC_READ_VBIOS_DESC.version`.
pub const READ_VBIOS_VERSION: u32 = 1;
/// `FWSECLIC_READ_VBIOS_STRUCT_FLAGS`.
pub const READ_VBIOS_FLAGS: u32 = 2;
/// `FWSECLIC_FRTS_REGION_DESC.version`.
pub const FRTS_REGION_VERSION: u32 = 1;
/// `FWSECLIC_FRTS_REGION_MEDIA_FB` / `NVFW_FRTS_CMD_REGION_TYPE_FB`.
pub const FRTS_REGION_MEDIA_FB: u32 = 2;
/// `FWSECLIC_FRTS_REGION_SIZE_1MB_IN_4K`: the FRTS size OpenRM asks for.
pub const FRTS_REGION_SIZE_1MB_IN_4K: u32 = 0x100;

crate::wire_struct! {
    /// `FALCON_APPLICATION_INTERFACE_HEADER_V1`.
    pub struct AppifHeaderV1 {
        /// [`APPIF_HEADER_VERSION_1`].
        pub version: u8,
        /// Size of this header (4).
        pub header_size: u8,
        /// Size of one entry (8).
        pub entry_size: u8,
        /// Number of entries.
        pub entry_count: u8,
    }

    /// `FALCON_APPLICATION_INTERFACE_ENTRY_V1`.
    pub struct AppifEntryV1 {
        /// Interface id ([`APPIF_ID_DMEMMAPPER`], ...).
        pub id: u32,
        /// DMEM offset of the interface's structure.
        pub dmem_offset: u32,
    }

    /// `FALCON_APPLICATION_INTERFACE_DMEM_MAPPER_V3`.
    pub struct DmemMapperV3 {
        /// [`DMEMMAPPER_SIGNATURE`].
        pub signature: u32,
        /// [`DMEMMAPPER_VERSION_3`].
        pub version: u16,
        /// Size of this structure (64).
        pub size: u16,
        /// DMEM offset of the command input buffer.
        pub cmd_in_buffer_offset: u32,
        /// Its size.
        pub cmd_in_buffer_size: u32,
        /// DMEM offset of the command output buffer.
        pub cmd_out_buffer_offset: u32,
        /// Its size.
        pub cmd_out_buffer_size: u32,
        /// DMEM offset of the NVF image data buffer.
        pub nvf_img_data_buffer_offset: u32,
        /// Its size.
        pub nvf_img_data_buffer_size: u32,
        /// `printfBufferHdr`.
        pub printf_buffer_hdr: u32,
        /// Build time stamp of the ucode.
        pub ucode_build_time_stamp: u32,
        /// `ucode_signature`.
        pub ucode_signature: u32,
        /// The command to run ([`INIT_CMD_FRTS`], [`INIT_CMD_SB`]).
        pub init_cmd: u32,
        /// `ucode_feature`.
        pub ucode_feature: u32,
        /// Mask of supported commands 0-31.
        pub ucode_cmd_mask0: u32,
        /// Mask of supported commands 32-63.
        pub ucode_cmd_mask1: u32,
        /// `multiTgtTbl`.
        pub multi_tgt_tbl: u32,
    }

    /// `FWSECLIC_READ_VBIOS_DESC`.
    pub struct ReadVbiosDesc {
        /// [`READ_VBIOS_VERSION`].
        pub version: u32,
        /// Size of this structure (24).
        pub size: u32,
        /// `gfwImageOffset` (0).
        pub gfw_image_offset: u64,
        /// `gfwImageSize` (0).
        pub gfw_image_size: u32,
        /// [`READ_VBIOS_FLAGS`].
        pub flags: u32,
    }

    /// `FWSECLIC_FRTS_REGION_DESC`.
    pub struct FrtsRegionDesc {
        /// [`FRTS_REGION_VERSION`].
        pub version: u32,
        /// Size of this structure (20).
        pub size: u32,
        /// FB offset of the FRTS region in 4 KiB units.
        pub offset_4k: u32,
        /// Size of the FRTS region in 4 KiB units.
        pub size_4k: u32,
        /// [`FRTS_REGION_MEDIA_FB`].
        pub media_type: u32,
    }
}

/// `FWSECLIC_FRTS_CMD`: the FRTS command input. Its C `sizeof` is 48 (tail
/// padding after the 44 meaningful bytes); the patch writes the 44 bytes,
/// as nova-core's packed struct does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrtsCmd {
    /// `readVbiosDesc`.
    pub read_vbios: ReadVbiosDesc,
    /// `frtsRegionDesc`.
    pub frts_region: FrtsRegionDesc,
}

impl FrtsCmd {
    /// Bytes the command occupies without tail padding.
    pub const SIZE: usize = ReadVbiosDesc::SIZE + FrtsRegionDesc::SIZE;
    /// `sizeof(FWSECLIC_FRTS_CMD)` in C, with tail padding.
    pub const C_SIZE: usize = 48;

    /// Decodes the command at `offset` of `dmem`.
    pub fn decode(dmem: &[u8], offset: usize) -> Result<Self> {
        Ok(Self {
            read_vbios: read("FWSECLIC_READ_VBIOS_DESC", dmem, offset)?,
            frts_region: read(
                "FWSECLIC_FRTS_REGION_DESC",
                dmem,
                offset + ReadVbiosDesc::SIZE,
            )?,
        })
    }

    /// Encodes the command's 44 bytes at `offset` of `dmem`.
    pub fn encode(&self, dmem: &mut [u8], offset: usize) -> Result<()> {
        write("FWSECLIC_READ_VBIOS_DESC", &self.read_vbios, dmem, offset)?;
        write(
            "FWSECLIC_FRTS_REGION_DESC",
            &self.frts_region,
            dmem,
            offset + ReadVbiosDesc::SIZE,
        )
    }
}

/// The command the driver asks FWSEC to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FwsecCommand {
    /// Carve out WPR2 and put the FRTS data at FB offset `offset` (`size`
    /// bytes; both multiples of 4 KiB).
    Frts {
        /// FB offset of the FRTS region.
        offset: u64,
        /// Size of the FRTS region.
        size: u64,
    },
    /// Load the pre-OS apps on the PMU.
    Sb,
}

impl FwsecCommand {
    /// The `init_cmd` value of this command.
    pub fn init_cmd(&self) -> u32 {
        match self {
            FwsecCommand::Frts { .. } => INIT_CMD_FRTS,
            FwsecCommand::Sb => INIT_CMD_SB,
        }
    }

    /// The read-VBIOS descriptor every command starts with.
    pub fn read_vbios() -> ReadVbiosDesc {
        ReadVbiosDesc {
            version: READ_VBIOS_VERSION,
            size: ReadVbiosDesc::SIZE as u32,
            gfw_image_offset: 0,
            gfw_image_size: 0,
            flags: READ_VBIOS_FLAGS,
        }
    }

    /// The FRTS region descriptor for `offset`/`size` (4 KiB aligned, in
    /// 4 KiB units below 2^44).
    pub fn frts_region(offset: u64, size: u64) -> Result<FrtsRegionDesc> {
        let units = |what, v: u64| {
            if v & 0xfff != 0 {
                return Err(Error::BadField { what, found: v });
            }
            u32::try_from(v >> 12).map_err(|_| Error::BadField { what, found: v })
        };
        Ok(FrtsRegionDesc {
            version: FRTS_REGION_VERSION,
            size: FrtsRegionDesc::SIZE as u32,
            offset_4k: units("FRTS region offset", offset)?,
            size_4k: units("FRTS region size", size)?,
            media_type: FRTS_REGION_MEDIA_FB,
        })
    }

    /// Recognizes the command FWSEC will run from `init_cmd` and the
    /// command buffer, checking the descriptors' versions, sizes and flags
    /// (the device side of [`DmemInterface::patch`]).
    pub fn decode(init_cmd: u32, cmd: &FrtsCmd) -> Result<Self> {
        if cmd.read_vbios != Self::read_vbios() {
            return Err(Error::BadField {
                what: "FWSECLIC_READ_VBIOS_DESC",
                found: cmd.read_vbios.version.into(),
            });
        }
        match init_cmd {
            INIT_CMD_SB => Ok(FwsecCommand::Sb),
            INIT_CMD_FRTS => {
                let r = &cmd.frts_region;
                if r.version != FRTS_REGION_VERSION
                    || r.size != FrtsRegionDesc::SIZE as u32
                    || r.media_type != FRTS_REGION_MEDIA_FB
                {
                    return Err(Error::BadField {
                        what: "FWSECLIC_FRTS_REGION_DESC",
                        found: r.version.into(),
                    });
                }
                Ok(FwsecCommand::Frts {
                    offset: u64::from(r.offset_4k) << 12,
                    size: u64::from(r.size_4k) << 12,
                })
            }
            other => Err(Error::BadField {
                what: "DMEMMAPPER init_cmd",
                found: other.into(),
            }),
        }
    }
}

/// The DMEMMAPPER of a FWSEC DMEM image, found through its interface table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmemInterface {
    /// DMEM offset of the interface table (`InterfaceOffset`).
    pub interface_offset: u32,
    /// DMEM offset of the DMEMMAPPER.
    pub mapper_offset: u32,
    /// The DMEMMAPPER as found.
    pub mapper: DmemMapperV3,
}

impl DmemInterface {
    /// Finds the DMEMMAPPER: the table header at `interface_offset` (version
    /// 1, header and entry sizes at least 4 and 8, entries inside `dmem`),
    /// the first entry with id [`APPIF_ID_DMEMMAPPER`], and the mapper it
    /// points to, whose command input buffer must lie inside `dmem`.
    pub fn find(dmem: &[u8], interface_offset: u32) -> Result<Self> {
        let at = interface_offset as usize;
        let hdr: AppifHeaderV1 = read("FWSEC interface table header", dmem, at)?;
        if hdr.version != APPIF_HEADER_VERSION_1 {
            return Err(Error::BadVersion {
                what: "FWSEC interface table",
                found: hdr.version.into(),
            });
        }
        if usize::from(hdr.header_size) < AppifHeaderV1::SIZE
            || usize::from(hdr.entry_size) < AppifEntryV1::SIZE
        {
            return Err(Error::BadField {
                what: "FWSEC interface table header/entry size",
                found: u64::from(hdr.header_size) << 8 | u64::from(hdr.entry_size),
            });
        }
        for i in 0..usize::from(hdr.entry_count) {
            let e: AppifEntryV1 = read(
                "FWSEC interface table entry",
                dmem,
                at + usize::from(hdr.header_size) + i * usize::from(hdr.entry_size),
            )?;
            if e.id != APPIF_ID_DMEMMAPPER {
                continue;
            }
            let mapper: DmemMapperV3 = read("DMEMMAPPER", dmem, e.dmem_offset as usize)?;
            super::super::range(
                "DMEMMAPPER command input buffer",
                mapper.cmd_in_buffer_offset.into(),
                mapper.cmd_in_buffer_size.into(),
                dmem.len(),
            )?;
            return Ok(Self {
                interface_offset,
                mapper_offset: e.dmem_offset,
                mapper,
            });
        }
        Err(Error::NotFound {
            what: "FWSEC DMEMMAPPER interface entry",
        })
    }

    /// DMEM offset of the mapper's `init_cmd` field.
    pub fn init_cmd_offset(&self) -> u32 {
        self.mapper_offset + core::mem::offset_of!(DmemMapperV3, init_cmd) as u32
    }

    /// Bytes the command input of `cmd` takes: the read-VBIOS descriptor,
    /// plus the FRTS region for FRTS.
    pub fn command_len(cmd: &FwsecCommand) -> usize {
        match cmd {
            FwsecCommand::Frts { .. } => FrtsCmd::SIZE,
            FwsecCommand::Sb => ReadVbiosDesc::SIZE,
        }
    }

    /// Patches `dmem` (the DMEM image this interface was found in) to run
    /// `cmd`: sets `init_cmd` and writes the command input. Fails if the
    /// command does not fit the mapper's input buffer.
    pub fn patch(&self, dmem: &mut [u8], cmd: &FwsecCommand) -> Result<()> {
        let len = Self::command_len(cmd);
        if (self.mapper.cmd_in_buffer_size as usize) < len {
            return Err(Error::BadField {
                what: "DMEMMAPPER command input buffer size",
                found: self.mapper.cmd_in_buffer_size.into(),
            });
        }
        write(
            "DMEMMAPPER init_cmd",
            &cmd.init_cmd(),
            dmem,
            self.init_cmd_offset() as usize,
        )?;
        let at = self.mapper.cmd_in_buffer_offset as usize;
        write(
            "FWSECLIC_READ_VBIOS_DESC",
            &FwsecCommand::read_vbios(),
            dmem,
            at,
        )?;
        if let FwsecCommand::Frts { offset, size } = *cmd {
            let region = FwsecCommand::frts_region(offset, size)?;
            write(
                "FWSECLIC_FRTS_REGION_DESC",
                &region,
                dmem,
                at + ReadVbiosDesc::SIZE,
            )?;
        }
        Ok(())
    }

    /// Reads back the command a patched `dmem` asks for (the emulator's
    /// view of what the driver loaded).
    pub fn command(&self, dmem: &[u8]) -> Result<FwsecCommand> {
        let init_cmd: u32 = read("DMEMMAPPER init_cmd", dmem, self.init_cmd_offset() as usize)?;
        let at = self.mapper.cmd_in_buffer_offset as usize;
        let cmd = match init_cmd {
            INIT_CMD_SB => FrtsCmd {
                read_vbios: read("FWSECLIC_READ_VBIOS_DESC", dmem, at)?,
                frts_region: FwsecCommand::frts_region(0, 0)?,
            },
            _ => FrtsCmd::decode(dmem, at)?,
        };
        FwsecCommand::decode(init_cmd, &cmd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn layouts_match_published() {
        assert_eq!(AppifHeaderV1::SIZE, 4);
        assert_eq!(AppifEntryV1::SIZE, 8);
        assert_eq!(DmemMapperV3::SIZE, 64);
        assert_eq!(offset_of!(DmemMapperV3, cmd_in_buffer_offset), 8);
        assert_eq!(offset_of!(DmemMapperV3, cmd_in_buffer_size), 12);
        assert_eq!(offset_of!(DmemMapperV3, init_cmd), 44);
        assert_eq!(offset_of!(DmemMapperV3, multi_tgt_tbl), 60);
        assert_eq!(ReadVbiosDesc::SIZE, 24);
        assert_eq!(offset_of!(ReadVbiosDesc, gfw_image_offset), 8);
        assert_eq!(FrtsRegionDesc::SIZE, 20);
        assert_eq!(FrtsCmd::SIZE, 44);
        assert_eq!(DMEMMAPPER_SIGNATURE, 0x5041_4d44);
    }

    /// DMEM: table at 0x10 with two entries (id 1, then DMEMMAPPER at 0x40),
    /// command buffer at 0x100 (0x40 bytes).
    fn sample() -> [u8; 0x200] {
        let mut d = [0u8; 0x200];
        let entries = [(1, 0x180), (APPIF_ID_DMEMMAPPER, 0x40)]
            .map(|(id, dmem_offset)| AppifEntryV1 { id, dmem_offset });
        let mapper = crate::build::appif::mapper(0x100, 0x40);
        crate::build::appif::put(&mut d, 0x10, &entries, &mapper).unwrap();
        d
    }

    #[test]
    fn patch_and_read_back() {
        let mut d = sample();
        let i = DmemInterface::find(&d, 0x10).unwrap();
        assert_eq!((i.mapper_offset, i.init_cmd_offset()), (0x40, 0x6c));
        let frts = FwsecCommand::Frts {
            offset: 0x3_ff00_0000,
            size: 0x10_0000,
        };
        i.patch(&mut d, &frts).unwrap();
        assert_eq!(
            u32::from_le_bytes(d[0x6c..0x70].try_into().unwrap()),
            INIT_CMD_FRTS
        );
        assert_eq!(&d[0x100..0x108], &[1, 0, 0, 0, 24, 0, 0, 0]);
        let u = |at: usize| u32::from_le_bytes(d[at..at + 4].try_into().unwrap());
        assert_eq!(u(0x114), READ_VBIOS_FLAGS);
        assert_eq!((u(0x118), u(0x11c)), (FRTS_REGION_VERSION, 20));
        assert_eq!(
            (u(0x120), u(0x124), u(0x128)),
            (0x3f_f000, 0x100, FRTS_REGION_MEDIA_FB)
        );
        assert_eq!(i.command(&d), Ok(frts));
        let mut e = [0u8; 0x200];
        FrtsCmd::decode(&d, 0x100)
            .unwrap()
            .encode(&mut e, 0x100)
            .unwrap();
        assert_eq!(
            e[0x100..0x100 + FrtsCmd::SIZE],
            d[0x100..0x100 + FrtsCmd::SIZE]
        );
        i.patch(&mut d, &FwsecCommand::Sb).unwrap();
        assert_eq!(i.command(&d), Ok(FwsecCommand::Sb));
    }

    #[test]
    fn rejects_corruption() {
        let d = sample();
        assert!(matches!(
            DmemInterface::find(&d, 0x1fe),
            Err(Error::Truncated { .. })
        ));
        assert!(matches!(
            DmemInterface::find(&d, 0x20),
            Err(Error::BadVersion { .. })
        ));
        let mut g = d;
        g[0x12] = 4; // entry size
        assert!(matches!(
            DmemInterface::find(&g, 0x10),
            Err(Error::BadField { .. })
        ));
        let mut g = d;
        g[0x13] = 1; // DMEMMAPPER entry not counted
        assert!(matches!(
            DmemInterface::find(&g, 0x10),
            Err(Error::NotFound { .. })
        ));
        let mut g = d;
        g[0x20] = 0xf0; // mapper at 0x1f0
        g[0x21] = 0x01;
        assert!(matches!(
            DmemInterface::find(&g, 0x10),
            Err(Error::Truncated { .. })
        ));
        let mut g = d;
        g[0x49] = 0x02; // cmd_in_buffer_offset 0x200
        assert!(matches!(
            DmemInterface::find(&g, 0x10),
            Err(Error::OutOfBounds { .. })
        ));
        let mut g = d;
        g[0x4c] = 0x20; // cmd_in_buffer_size 0x20 < 44
        let i = DmemInterface::find(&g, 0x10).unwrap();
        assert!(i
            .patch(
                &mut g,
                &FwsecCommand::Frts {
                    offset: 0x1000,
                    size: 0x1000
                }
            )
            .is_err());
        assert!(i.patch(&mut g, &FwsecCommand::Sb).is_ok());
        let mut g = d;
        let i = DmemInterface::find(&g, 0x10).unwrap();
        assert!(i
            .patch(
                &mut g,
                &FwsecCommand::Frts {
                    offset: 0x1001,
                    size: 0x1000
                }
            )
            .is_err());
        assert!(i
            .patch(
                &mut g,
                &FwsecCommand::Frts {
                    offset: 1 << 44,
                    size: 0x1000
                }
            )
            .is_err());
        // Unknown command / corrupted descriptor read back.
        i.patch(&mut g, &FwsecCommand::Sb).unwrap();
        g[0x6c] = 0x16;
        assert!(i.command(&g).is_err());
        g[0x6c] = INIT_CMD_SB as u8;
        g[0x114] = 0; // read-VBIOS flags
        assert!(i.command(&g).is_err());
    }
}
