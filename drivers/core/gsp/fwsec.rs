// SPDX-License-Identifier: GPL-2.0

//! FWSEC, the VBIOS's heavy-secure ucode the driver runs on the GSP falcon:
//! FWSEC-FRTS carves out WPR2 before GSP-RM boots, FWSEC-SB puts the GSP
//! falcon back after GSP-RM unloaded (Linux 7.3 nova-core
//! `firmware/fwsec.rs` and `gsp/hal/tu102.rs`, nouveau
//! `nvkm/subdev/gsp/fwsec.c`). The image comes from the VBIOS's falcon
//! ucode table; the command goes into its DMEM through the DMEMMAPPER
//! interface; the signature is the one the GSP fuse selects.

use kernel::{
    device,
    dma::Coherent,
    io::{
        register,
        register::Array,
        Io, //
    },
    prelude::*, //
};

use kernel::num::casts::u32_as_usize;

use crate::{
    bar::Bar0,
    dma::write_bytes,
    falcon::{
        gsp::Gsp as GspEngine,
        BromParams,
        Falcon,
        LoadableUcode,
        Segment, //
    },
    proto::firmware::{
        self as pfw,
        vbios::{
            appif::{
                DmemInterface,
                FwsecCommand, //
            },
            Vbios,
        },
    },
};

register! {
    /// GSP ucode fuse versions, one register per ucode id 1..=16 (nova-core
    /// `regs.rs`, `NV_FUSE_OPT_FPF_GSP_UCODE1_VERSION`).
    pub(crate) NV_FUSE_OPT_FPF_GSP_UCODE1_VERSION(u32)[16] @ 0x008241c0 {
        15:0    data;
    }
}

const _: () = assert!(
    <NV_FUSE_OPT_FPF_GSP_UCODE1_VERSION as kernel::io::register::Register>::OFFSET
        == kernel::num::casts::u32_as_usize(crate::proto::falcon::FUSE_GSP_UCODE1_VERSION)
);

fn bad(dev: &device::Device, what: &str, e: pfw::Error) -> Error {
    dev_err!(dev, "VBIOS FWSEC {}: {:?}\n", what, e);
    EINVAL
}

/// FWSEC prepared for one command.
pub(crate) struct Fwsec {
    image: Coherent<[u8]>,
    imem: Segment,
    dmem: Segment,
    brom: BromParams,
}

impl Fwsec {
    /// Builds FWSEC from `rom` with `cmd` in its DMEM and the signature for
    /// this GPU's fuse.
    pub(crate) fn new(
        dev: &device::Device<device::Bound>,
        bar: Bar0<'_>,
        rom: &[u8],
        cmd: FwsecCommand,
    ) -> Result<Self> {
        let vbios = Vbios::parse(rom).map_err(|e| bad(dev, "parse", e))?;
        let fw = vbios.fwsec().map_err(|e| bad(dev, "descriptor", e))?;
        let desc = fw.desc;
        let idx = usize::from(desc.ucode_id).checked_sub(1).ok_or(EINVAL)?;
        let reg = NV_FUSE_OPT_FPF_GSP_UCODE1_VERSION::try_at(idx).ok_or_else(|| {
            dev_err!(
                dev,
                "FWSEC ucode id {} has no fuse register\n",
                desc.ucode_id
            );
            EINVAL
        })?;
        let fuse = pfw::fuse_version(bar.read(reg).data().get());
        let sig_index = fw
            .signature_index(fuse)
            .map_err(|e| bad(dev, "signature", e))?;
        let sig = fw
            .signature(sig_index)
            .map_err(|e| bad(dev, "signature", e))?;

        let mut ucode = KVec::new();
        ucode.extend_from_slice(fw.ucode(), GFP_KERNEL)?;
        let imem_len = u32_as_usize(desc.imem_load_size);
        let dmem = ucode.get_mut(imem_len..).ok_or(EINVAL)?;
        DmemInterface::find(dmem, desc.interface_offset)
            .and_then(|i| i.patch(dmem, &cmd))
            .map_err(|e| bad(dev, "command", e))?;
        let at = fw.signature_patch_offset();
        ucode
            .get_mut(at..at + sig.len())
            .ok_or(EINVAL)?
            .copy_from_slice(sig);

        let image =
            Coherent::<u8>::zeroed_slice(dev, ucode.len().next_multiple_of(256), GFP_KERNEL)?;
        write_bytes(&image, 0, &ucode)?;
        let seg = |t: pfw::LoadTarget| Segment {
            src: u32_as_usize(t.src),
            dst: t.dst,
            len: u32_as_usize(t.len),
        };
        Ok(Self {
            image,
            imem: seg(fw.imem_target()),
            dmem: seg(fw.dmem_target()),
            brom: BromParams {
                pkc_data_offset: desc.pkc_data_offset,
                engine_id_mask: u32::from(desc.engine_id_mask),
                ucode_id: desc.ucode_id,
            },
        })
    }

    /// Resets the GSP falcon, loads FWSEC and runs it; fails unless it
    /// halts with MAILBOX0 = 0. Each failure is logged.
    pub(crate) fn run(
        &self,
        dev: &device::Device,
        gsp: &Falcon<'_, GspEngine>,
        what: &str,
    ) -> Result {
        let (mbox0, _) = gsp
            .reset()
            .and_then(|()| {
                gsp.load(&LoadableUcode {
                    image: &self.image,
                    imem: self.imem,
                    dmem: self.dmem,
                    brom: self.brom,
                    boot_vector: 0,
                })
            })
            .and_then(|()| gsp.boot(0, 0))
            .inspect_err(|e| dev_err!(dev, "cannot run {} on the GSP falcon: {:?}\n", what, e))?;
        if mbox0 != 0 {
            dev_err!(dev, "{} failed with status {:#x}\n", what, mbox0);
            return Err(EIO);
        }
        Ok(())
    }
}
