// SPDX-License-Identifier: GPL-2.0

//! GEM objects: the memory userspace names by handle.
//!
//! Objects in system memory are shmem-backed (`kernel::drm::gem::shmem`):
//! the CPU maps their pages through the DRM file (`drm_gem_shmem_mmap`),
//! and they can be exported as dma-bufs, which this device imports back as
//! the same object. Foreign dma-bufs cannot be imported yet (the shmem
//! abstraction has no import that makes its own object type).
//!
//! Objects in VRAM hold a range of the DRM share (`vram.rs`); the CPU maps
//! them through BAR1. They are shmem objects too (the one object type a
//! Rust DRM driver has), whose file stays empty and whose object functions
//! are replaced by those of an I/O object (`kernel_gaps.rs`), so nothing
//! reaches shmem pages for them. The UAPI header says what each domain
//! allows.

use kernel::{
    drm::{
        self,
        gem::{
            self,
            shmem,
            BaseObject, //
        },
    },
    num::casts::usize_as_u64,
    page::PAGE_SIZE,
    prelude::*,
    sync::{
        aref::ARef,
        Arc, //
    },
};

use crate::{
    driver::{
        NvgspDevice,
        NvgspDrmDriver, //
    },
    file::File,
    kernel_gaps, uapi,
    vram::{
        self,
        VramRef,
        VramStore, //
    },
};

/// Where an object's memory lives (`NVGSP_GEM_DOMAIN_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Domain {
    /// System memory pages.
    System,
    /// A VRAM range.
    Vram,
}

impl Domain {
    /// The domain a `drm_nvgsp_gem_create.domain` names.
    ///
    /// # Errors
    ///
    /// `EINVAL` for anything that is not exactly one domain.
    fn from_uapi(domain: u32) -> Result<Self> {
        match domain {
            uapi::NVGSP_GEM_DOMAIN_SYSTEM => Ok(Self::System),
            uapi::NVGSP_GEM_DOMAIN_VRAM => Ok(Self::Vram),
            _ => Err(EINVAL),
        }
    }

    /// The `NVGSP_GEM_DOMAIN_*` value.
    pub(crate) fn to_uapi(self) -> u32 {
        match self {
            Self::System => uapi::NVGSP_GEM_DOMAIN_SYSTEM,
            Self::Vram => uapi::NVGSP_GEM_DOMAIN_VRAM,
        }
    }
}

/// What an object is made with.
pub(crate) enum Backing {
    /// Its shmem pages.
    System,
    /// Its VRAM.
    Vram(VramRef),
}

/// The driver's part of a GEM object.
#[pin_data]
pub(crate) struct NvgspObject {
    domain: Domain,
    /// A VRAM object's memory.
    vram: Option<VramRef>,
}

impl NvgspObject {
    /// Where the object's memory lives.
    pub(crate) fn domain(&self) -> Domain {
        self.domain
    }

    /// A VRAM object's memory.
    pub(crate) fn vram(&self) -> Option<&VramRef> {
        self.vram.as_ref()
    }
}

/// `obj`'s size in bytes, as the UAPI counts it.
pub(crate) fn size_bytes(obj: &Object) -> u64 {
    usize_as_u64(obj.size())
}

impl gem::DriverObject for NvgspObject {
    type Driver = NvgspDrmDriver;
    type Args = Backing;

    fn new(_dev: &NvgspDevice, _size: usize, backing: Backing) -> impl PinInit<Self, Error> {
        let (domain, vram) = match backing {
            Backing::System => (Domain::System, None),
            Backing::Vram(r) => (Domain::Vram, Some(r)),
        };
        try_pin_init!(NvgspObject { domain, vram })
    }
}

/// A GEM object of this driver.
pub(crate) type Object = shmem::Object<NvgspObject>;

/// The largest object, in bytes (`NVGSP_PARAM_GEM_MAX_SIZE`). Each object
/// takes its size out of the DRM device's mmap offset space, 1 TiB shared
/// by every file (`DRM_FILE_PAGE_OFFSET_SIZE`), and mapping one makes the
/// shmem helper fetch all of its pages at once: 4 GiB keeps one request
/// from doing either to the whole machine. Many requests still can fill
/// the offset space (as with every shmem-backed DRM driver): a per-file
/// budget is not there yet.
pub(crate) const MAX_SIZE: u64 = 4 << 30;

/// Creates an object of `size` bytes (rounded up to whole pages, for
/// VRAM to 64 KiB) in the domain `domain` names, with VRAM from `store`,
/// and a handle for it in `file`.
///
/// # Errors
///
/// `EINVAL` for a zero size, one over [`MAX_SIZE`] or an unknown domain,
/// `ENOMEM`, `ENOSPC` if the device's mmap offsets are used up or (VRAM)
/// the DRM share is full, `ENODEV` if the GPU is gone.
pub(crate) fn create(
    dev: &NvgspDevice,
    store: &Arc<VramStore>,
    file: &drm::File<File>,
    size: u64,
    domain: u32,
) -> Result<u32> {
    let domain = Domain::from_uapi(domain)?;
    let granule = match domain {
        Domain::System => PAGE_SIZE,
        Domain::Vram => usize::try_from(vram::GRANULE).map_err(|_| EINVAL)?,
    };
    let size = Some(size)
        .filter(|&s| s != 0 && s <= MAX_SIZE)
        .and_then(|s| usize::try_from(s).ok())
        .and_then(|s| s.checked_next_multiple_of(granule))
        .ok_or(EINVAL)?;
    let config = shmem::ObjectConfig::default();
    let obj = match domain {
        Domain::System => Object::new(dev, size, config, Backing::System)?,
        Domain::Vram => {
            let vram = store.alloc(usize_as_u64(size))?;
            let obj = Object::new(dev, size, config, Backing::Vram(vram))?;
            // Before any handle or mmap offset names it.
            kernel_gaps::make_io_object(&obj)?;
            if let Some(r) = obj.vram() {
                r.adopt(&obj);
            }
            obj
        }
    };
    // The handle holds its own reference; ours goes when `obj` does.
    obj.create_handle(file)
}

/// A one-page object no handle names: a VA space's reservation object
/// for GPUVM (as Tyr makes one).
pub(crate) fn root_object(dev: &NvgspDevice) -> Result<ARef<Object>> {
    Object::new(
        dev,
        PAGE_SIZE,
        shmem::ObjectConfig::default(),
        Backing::System,
    )
}

/// The object `handle` names in `file`.
///
/// # Errors
///
/// `ENOENT` if `file` has no such handle.
pub(crate) fn lookup(file: &drm::File<File>, handle: u32) -> Result<ARef<Object>> {
    Object::lookup_handle(file, handle)
}

/// What [`info`] tells of an object.
pub(crate) struct Info {
    /// Its domain.
    pub(crate) domain: Domain,
    /// Its size in bytes.
    pub(crate) size: u64,
    /// The offset that maps it through the DRM file.
    pub(crate) map_offset: u64,
}

/// Describes the object `handle` names in `file`.
///
/// # Errors
///
/// `ENOENT` if `file` has no such handle. (The mmap offset was reserved
/// when the shmem helper made the object; this only reads it.)
pub(crate) fn info(file: &drm::File<File>, handle: u32) -> Result<Info> {
    let obj = Object::lookup_handle(file, handle)?;
    Ok(Info {
        domain: obj.domain(),
        size: usize_as_u64(obj.size()),
        map_offset: obj.create_mmap_offset()?,
    })
}
