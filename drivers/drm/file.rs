// SPDX-License-Identifier: GPL-2.0

//! Per-open-file state and the ioctl handlers.

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
    /// reported it at bind time.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a parameter this driver does not know.
    pub(crate) fn get_param(
        dev: &NvgspDevice<Registered>,
        _reg_data: &(),
        getparam: &mut uapi::drm_nvgsp_getparam,
        _file: &drm::File<File>,
    ) -> Result<u32> {
        let chip = &**dev;
        getparam.value = match getparam.param {
            uapi::NVGSP_PARAM_CHIPSET => u64::from(chip.chipset()),
            uapi::NVGSP_PARAM_REVISION => u64::from(chip.revision()),
            _ => return Err(EINVAL),
        };
        Ok(0)
    }
}
