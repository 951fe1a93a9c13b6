// SPDX-License-Identifier: GPL-2.0

//! Per-open-file state and the ioctl handlers.

use nvgsp_core::client::Gpu;

use kernel::{
    drm::{
        self,
        Registered, //
    },
    prelude::*, //
};

use crate::{
    driver::{
        NvgspDevice,
        NvgspDrmDriver, //
    },
    gem,
    uapi, //
};

/// State of one open file of the DRM device.
pub(crate) struct File;

impl drm::file::DriverFile for File {
    type Driver = NvgspDrmDriver;

    fn open(_dev: &NvgspDevice) -> Result<Pin<KBox<Self>>> {
        Ok(KBox::new(Self, GFP_KERNEL)?.into())
    }
}

impl File {
    /// `DRM_IOCTL_NVGSP_GETPARAM`: one property of the GPU, as the core
    /// reported it at bind time, or of the DRM device's share now.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a parameter this driver does not know; `ENODEV` if the
    /// core is gone.
    pub(crate) fn get_param(
        dev: &NvgspDevice<Registered>,
        handle: &Gpu,
        getparam: &mut uapi::drm_nvgsp_getparam,
        _file: &drm::File<File>,
    ) -> Result<u32> {
        let data = &**dev;
        let (chip, gpu) = (&data.chip, &data.gpu);
        // The numbers are small: one that does not fit 32 bits is unknown.
        getparam.value = match u32::try_from(getparam.param).unwrap_or(u32::MAX) {
            uapi::NVGSP_PARAM_CHIPSET => u64::from(chip.chipset()),
            uapi::NVGSP_PARAM_REVISION => u64::from(chip.revision()),
            uapi::NVGSP_PARAM_VRAM_SIZE => gpu.vram_size(),
            uapi::NVGSP_PARAM_USABLE_VRAM_SIZE => gpu.usable_vram(),
            uapi::NVGSP_PARAM_GPC_COUNT => u64::from(gpu.gpcs()),
            uapi::NVGSP_PARAM_TPC_PER_GPC => u64::from(gpu.tpcs_per_gpc()),
            uapi::NVGSP_PARAM_ENGINE_MASK => gpu.engine_mask(),
            uapi::NVGSP_PARAM_VRAM_SHARE => handle.vram_share()?.limit,
            uapi::NVGSP_PARAM_VRAM_SHARE_USED => handle.vram_share()?.used,
            uapi::NVGSP_PARAM_GEM_MAX_SIZE => gem::MAX_SIZE,
            _ => return Err(EINVAL),
        };
        Ok(0)
    }

    /// `DRM_IOCTL_NVGSP_GEM_CREATE`: a new object and its handle.
    ///
    /// # Errors
    ///
    /// `EINVAL` for flags or padding that are not zero, a zero size or
    /// one over [`gem::MAX_SIZE`], or an unknown domain; `EOPNOTSUPP` for
    /// VRAM; `ENOMEM`; `ENOSPC` if the device's mmap offsets are used up.
    pub(crate) fn gem_create(
        dev: &NvgspDevice<Registered>,
        _handle: &Gpu,
        req: &mut uapi::drm_nvgsp_gem_create,
        file: &drm::File<File>,
    ) -> Result<u32> {
        if req.flags != 0 || req.pad != 0 {
            return Err(EINVAL);
        }
        req.handle = gem::create(dev, file, req.size, req.domain)?;
        Ok(0)
    }

    /// `DRM_IOCTL_NVGSP_GEM_INFO`: an object's domain, size and mmap
    /// offset.
    ///
    /// # Errors
    ///
    /// `ENOENT` for a handle this file does not have.
    pub(crate) fn gem_info(
        _dev: &NvgspDevice<Registered>,
        _handle: &Gpu,
        req: &mut uapi::drm_nvgsp_gem_info,
        file: &drm::File<File>,
    ) -> Result<u32> {
        let info = gem::info(file, req.handle)?;
        req.domain = info.domain.to_uapi();
        req.size = info.size;
        req.map_offset = info.map_offset;
        Ok(0)
    }
}
