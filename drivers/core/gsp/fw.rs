// SPDX-License-Identifier: GPL-2.0

//! The GSP-RM firmware files and the DMA images made from them.
//!
//! `nvidia/<chip>/gsp/gsp-570.144.bin` is an ELF whose `.fwimage` GSP-RM
//! runs from; the driver maps it page by page and describes it to booter
//! with a three-level ("radix3") table of page addresses: level 0 is one
//! page whose first entry points at level 1, level 1 lists the pages of
//! level 2, level 2 lists the pages of the image (nova-core
//! `firmware/gsp.rs`, nouveau `nvkm_gsp_radix3_sg`).
//! `bootloader-570.144.bin` is the RISC-V bootloader, `booter_load-570.144.bin`
//! the SEC2 ucode that verifies and starts them.

use kernel::{
    device,
    dma::{
        Coherent,
        DataDirection, //
    },
    firmware::Firmware,
    prelude::*,
    scatterlist::{
        Owned,
        SGTable, //
    },
    str::CString,
};

use kernel::num::casts::{
    arch::u64_as_usize, //
    u32_as_usize,
    usize_as_u64,
};

use crate::{
    dma::write_bytes,
    falcon::{
        BromParams,
        LoadableUcode,
        Segment, //
    },
    gpu::Chipset,
    hal::GpuHal,
    proto::{
        firmware::{
            self as pfw,
            gsp_rm::GspRmFirmware,
            hs::HsFirmware,
            riscv::RiscvFirmware, //
        },
        gsp::{
            fb_layout::SysmemImages,
            queue::GSP_PAGE_SIZE, //
        },
    },
};

/// The GSP-RM release whose interfaces this driver speaks.
pub(crate) const GSP_RM_VERSION: &str = "570.144";

/// Requests `nvidia/<chip>/gsp/<name>-570.144.bin`.
fn request(dev: &device::Device, chipset: Chipset, name: &str) -> Result<Firmware> {
    let path = CString::try_from_fmt(fmt!(
        "nvidia/{}/gsp/{}-{}.bin",
        chipset.firmware_dir(),
        name,
        GSP_RM_VERSION
    ))?;
    Firmware::request(&path, dev).inspect_err(|e| {
        dev_err!(
            dev,
            "cannot load firmware {}: {:?}\n",
            path.to_str().unwrap_or("?"),
            e
        )
    })
}

fn parse_error(dev: &device::Device, file: &str, e: pfw::Error) -> Error {
    dev_err!(
        dev,
        "firmware {}-{}.bin is malformed: {:?}\n",
        file,
        GSP_RM_VERSION,
        e
    );
    EINVAL
}

/// A copy of `data` in coherent DMA memory, padded to `align` bytes.
fn dma_copy(
    dev: &device::Device<device::Bound>,
    data: &[u8],
    align: usize,
) -> Result<Coherent<[u8]>> {
    let buf = Coherent::<u8>::zeroed_slice(
        dev,
        data.len().next_multiple_of(align).max(align),
        GFP_KERNEL,
    )?;
    write_bytes(&buf, 0, data)?;
    Ok(buf)
}

/// The page addresses of `sgt`, as little-endian u64s in a new vmalloc
/// buffer: one radix3 level.
fn level_of(sgt: &SGTable<Owned<VVec<u8>>>) -> Result<VVec<u8>> {
    let pages: usize = sgt
        .iter()
        .map(|e| u64_as_usize(e.dma_len()).div_ceil(GSP_PAGE_SIZE))
        .sum();
    let mut out = VVec::with_capacity((pages * 8).next_multiple_of(GSP_PAGE_SIZE), GFP_KERNEL)?;
    for e in sgt.iter() {
        for i in 0..u64_as_usize(e.dma_len()).div_ceil(GSP_PAGE_SIZE) {
            let addr = e.dma_address() + usize_as_u64(i * GSP_PAGE_SIZE);
            out.extend_from_slice(&addr.to_le_bytes(), GFP_KERNEL)?;
        }
    }
    out.resize(out.len().next_multiple_of(GSP_PAGE_SIZE), 0, GFP_KERNEL)?;
    Ok(out)
}

/// booter_load ready to run on SEC2.
pub(crate) struct Booter {
    image: Coherent<[u8]>,
    imem: Segment,
    dmem: Segment,
    brom: BromParams,
    boot_vector: u32,
}

impl Booter {
    /// The ucode as the falcon loader takes it.
    pub(crate) fn loadable(&self) -> LoadableUcode<'_> {
        LoadableUcode {
            image: &self.image,
            imem: self.imem,
            dmem: self.dmem,
            brom: self.brom,
            boot_vector: self.boot_vector,
        }
    }
}

/// Everything booter needs in system memory, and booter itself.
#[pin_data]
pub(crate) struct GspFirmware {
    #[pin]
    elf: SGTable<Owned<VVec<u8>>>,
    #[pin]
    level2: SGTable<Owned<VVec<u8>>>,
    #[pin]
    level1: SGTable<Owned<VVec<u8>>>,
    level0: Coherent<[u8]>,
    elf_size: usize,
    signature: Coherent<[u8]>,
    signature_size: usize,
    bootloader: Coherent<[u8]>,
    bootloader_size: usize,
    bootloader_offsets: (u64, u64, u64),
    /// The bootloader's application version, for the GSP falcon's OS register.
    pub(crate) app_version: u32,
    /// booter_load, signed for this chip's fuses.
    pub(crate) booter: Booter,
}

impl GspFirmware {
    /// Loads and prepares the files of `chipset`, whose HAL is `hal`;
    /// `fuse_version` reads the SEC2 fuse that selects booter's signature
    /// for a ucode id.
    pub(crate) fn new<'a>(
        dev: &'a device::Device<device::Bound>,
        chipset: Chipset,
        hal: &'static dyn GpuHal,
        fuse_version: impl Fn(u8) -> Result<u32> + 'a,
    ) -> impl PinInit<Self, Error> + 'a {
        pin_init::pin_init_scope(move || {
            let section = hal.gsp_signature_section();
            let gsp = request(dev, chipset, "gsp")?;
            let rm = GspRmFirmware::parse(gsp.data(), section)
                .map_err(|e| parse_error(dev, "gsp", e))?;
            let elf_size = rm.image.len();
            let mut elf =
                VVec::with_capacity(elf_size.next_multiple_of(GSP_PAGE_SIZE), GFP_KERNEL)?;
            elf.extend_from_slice(rm.image, GFP_KERNEL)?;
            elf.resize(elf_size.next_multiple_of(GSP_PAGE_SIZE), 0, GFP_KERNEL)?;
            let signature = dma_copy(dev, rm.signature, GSP_PAGE_SIZE)?;
            let signature_size = rm.signature.len();
            drop(gsp);

            let bl_file = request(dev, chipset, "bootloader")?;
            let bl = RiscvFirmware::parse(bl_file.data())
                .map_err(|e| parse_error(dev, "bootloader", e))?;
            let bootloader = dma_copy(dev, bl.image(), GSP_PAGE_SIZE)?;
            let bootloader_size = bl.image().len();
            let bootloader_offsets = (
                u64::from(bl.code_offset()),
                u64::from(bl.data_offset()),
                u64::from(bl.manifest_offset()),
            );
            let app_version = bl.app_version();

            let booter = Booter::new(dev, chipset, hal, "booter_load", &fuse_version)?;

            Ok(try_pin_init!(Self {
                elf <- SGTable::new(dev, elf, DataDirection::ToDevice, GFP_KERNEL),
                level2 <- SGTable::new(dev, level_of(&elf)?, DataDirection::ToDevice, GFP_KERNEL),
                level1 <- SGTable::new(dev, level_of(&level2)?, DataDirection::ToDevice, GFP_KERNEL),
                level0: {
                    let first = level1.iter().next().ok_or(EINVAL)?.dma_address();
                    let mut page = [0u8; 8];
                    page.copy_from_slice(&first.to_le_bytes());
                    dma_copy(dev, &page, GSP_PAGE_SIZE)?
                },
                elf_size,
                signature,
                signature_size,
                bootloader,
                bootloader_size,
                bootloader_offsets,
                app_version,
                booter,
            }))
        })
    }
}

impl GspFirmware {
    /// Size of the GSP-RM image (`.fwimage`).
    pub(crate) fn elf_size(&self) -> u64 {
        usize_as_u64(self.elf_size)
    }

    /// Size of the bootloader image.
    pub(crate) fn bootloader_size(&self) -> u64 {
        usize_as_u64(self.bootloader_size)
    }

    /// The system-memory addresses `GspFwWprMeta` carries.
    pub(crate) fn sysmem_images(&self) -> SysmemImages {
        SysmemImages {
            radix3: self.level0.dma_address(),
            elf_size: usize_as_u64(self.elf_size),
            bootloader: self.bootloader.dma_address(),
            bootloader_size: usize_as_u64(self.bootloader_size),
            bootloader_offsets: self.bootloader_offsets,
            signature: self.signature.dma_address(),
            signature_size: usize_as_u64(self.signature_size),
        }
    }
}

impl Booter {
    /// Loads `name` (booter_load or booter_unload) of `chipset`, signed
    /// for the fuse `fuse_version` reads.
    pub(crate) fn new(
        dev: &device::Device<device::Bound>,
        chipset: Chipset,
        hal: &dyn GpuHal,
        name: &str,
        fuse_version: &impl Fn(u8) -> Result<u32>,
    ) -> Result<Booter> {
        let file = request(dev, chipset, name)?;
        let hs = HsFirmware::parse(file.data()).map_err(|e| parse_error(dev, name, e))?;
        let layout = hal
            .booter_layout(&hs)
            .map_err(|e| parse_error(dev, name, e))?;
        let fuse = fuse_version(hs.ucode_id())?;
        let index = hs.signature_index(fuse).map_err(|e| {
            dev_err!(dev, "{} has no signature for fuse version {}\n", name, fuse);
            parse_error(dev, name, e)
        })?;
        let sig = hs.signature(index).map_err(|e| parse_error(dev, name, e))?;
        let image = dma_copy(dev, hs.image(), 256)?;
        write_bytes(&image, u32_as_usize(hs.patch_loc), sig)?;
        let seg = |t: pfw::LoadTarget| Segment {
            src: u32_as_usize(t.src),
            dst: t.dst,
            len: u32_as_usize(t.len),
        };
        Ok(Booter {
            image,
            imem: seg(layout.imem_sec),
            dmem: seg(layout.dmem),
            brom: BromParams {
                pkc_data_offset: hs.pkc_data_offset(),
                engine_id_mask: u32::from(hs.engine_id_mask()),
                ucode_id: hs.ucode_id(),
            },
            boot_vector: layout.boot_addr,
        })
    }
}
