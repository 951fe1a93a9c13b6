//! Opening a virtual function's VFIO device the way a VMM does, and what
//! vfio-ioctls then tells about it.
//!
//! Two ways lead to the device, and the guest has no IOMMU, so both run in
//! VFIO's no-IOMMU mode (`vfio.enable_unsafe_noiommu_mode=1` when the VFIO
//! device is registered; both need CAP_SYS_RAWIO):
//!
//! - the device cdev (`/dev/vfio/devices/noiommu-vfioN`), bound to an
//!   iommufd and attached to an I/O address space (IOAS) in it. Since Linux
//!   7.3 (IOMMUFD_NOIOMMU) iommufd binds a device without an IOMMU and gives
//!   it a software I/O page table, so vfio-ioctls' own cdev path
//!   (`VfioIommufd`, `VfioDevice::new_from_fd`) works unchanged;
//! - the group (`/dev/vfio/noiommu-N`) in a container set to the no-IOMMU
//!   "IOMMU". vfio-ioctls' `VfioContainer` cannot do that (see [`crate::sys`]),
//!   so the container and group ioctls are ours and the device file they
//!   give goes to vfio-ioctls as an already-bound device.

use crate::cli::{Options, PciAddress, Via};
use crate::config::ConfigSpace;
use crate::report::{errno_name, Mappable};
use crate::sys;
use iommufd_ioctls::IommuFd;
use std::error::Error;
use std::ffi::CString;
use std::fs::{self, File, OpenOptions};
use std::path::Path;
use std::sync::Arc;
use vfio_bindings::bindings::vfio::{
    vfio_device_info, VFIO_TYPE1v2_IOMMU, VFIO_API_VERSION, VFIO_GROUP_FLAGS_VIABLE,
    VFIO_NOIOMMU_IOMMU, VFIO_PCI_CONFIG_REGION_INDEX, VFIO_REGION_INFO_FLAG_MMAP,
};
use vfio_ioctls::{
    VfioDevice, VfioError, VfioIommufd, VfioRegionInfoCap, VfioRegionSparseMmapArea,
};

/// A VF's VFIO device, open.
///
/// Dropping it closes the device (for the group path: when the process
/// exits, see [`Drop`]).
pub struct Vf {
    /// How it was opened.
    pub via: Via,
    /// The device node opened: the cdev, or the group.
    pub node: String,
    /// Facts about the opening, as `key: value` lines.
    pub notes: Vec<String>,
    /// vfio-ioctls' device; `None` only while dropping.
    device: Option<VfioDevice>,
    /// A second descriptor of the device's open file, for what vfio-ioctls
    /// does not do: mmap (vm-memory maps it) and raw accesses.
    file: Arc<File>,
    /// `VFIO_DEVICE_GET_INFO`.
    info: vfio_device_info,
    /// Whether BARs may be mapped (else: read and write).
    mmap: bool,
    /// The group path's container and group, open as long as the device.
    _group: Option<(File, File)>,
}

/// A region as `VFIO_DEVICE_GET_REGION_INFO` describes it.
#[derive(Clone, Debug)]
pub struct Region {
    /// Its index (`VFIO_PCI_*_REGION_INDEX`).
    pub index: u32,
    /// Its size in bytes.
    pub size: u64,
    /// `VFIO_REGION_INFO_FLAG_*`.
    pub flags: u32,
    /// Its offset in the device file, for read, write and mmap.
    pub offset: u64,
    /// The areas that may be mapped, as (offset in the region, size).
    pub mmap_areas: Vec<(u64, u64)>,
}

impl Region {
    /// How much of it may be mapped.
    pub fn mappable(&self) -> Mappable {
        match self.mmap_areas.as_slice() {
            [] => Mappable::No,
            [(0, size)] if *size == self.size => Mappable::Yes,
            _ => Mappable::Sparse,
        }
    }
}

/// A vfio-ioctls error with its causes.
pub fn vfio_error(e: &VfioError) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !s.contains(&text) {
            s = format!("{s}: {text}");
        }
        cause = c.source();
    }
    s
}

/// The name of the VF's device cdev (`vfio-dev/<name>` in sysfs), if the
/// VF has one.
fn cdev_name(sysfs: &Path) -> Option<String> {
    let mut names: Vec<String> = fs::read_dir(sysfs.join("vfio-dev"))
        .ok()?
        .filter_map(|e| Some(e.ok()?.file_name().to_str()?.to_string()))
        .collect();
    (names.len() == 1).then(|| names.remove(0))
}

fn open_rw(path: &str) -> Result<File, String> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| format!("cannot open {path}: {e}"))
}

/// An iommufd with an IOAS, for vfio-ioctls.
fn iommufd() -> Result<Arc<VfioIommufd>, String> {
    let fd = IommuFd::new().map_err(|e| format!("cannot open /dev/iommu: {e}"))?;
    let ops = VfioIommufd::new(Arc::new(fd), None, None).map_err(|e| vfio_error(&e))?;
    Ok(Arc::new(ops))
}

impl Vf {
    /// Opens the VFIO device of the VF at `addr`, via the path `options`
    /// say (by default the cdev if the VF has one, else its group).
    pub fn open(addr: &PciAddress, options: Options) -> Result<Vf, String> {
        let mut vf = Vf::open_via(addr, options.via)?;
        vf.mmap = !options.no_mmap;
        Ok(vf)
    }

    fn open_via(addr: &PciAddress, via: Option<Via>) -> Result<Vf, String> {
        let sysfs = addr.sysfs();
        let sysfs = Path::new(&sysfs);
        if !sysfs.exists() {
            return Err(format!("no PCI device {addr}"));
        }
        let cdev = cdev_name(sysfs);
        match via.unwrap_or(if cdev.is_some() {
            Via::Cdev
        } else {
            Via::Group
        }) {
            Via::Cdev => {
                let name = cdev.ok_or_else(|| {
                    format!(
                        "{addr} has no VFIO device cdev (no {}/vfio-dev)",
                        sysfs.display()
                    )
                })?;
                Vf::open_cdev(&name)
            }
            Via::Group => Vf::open_group(addr, sysfs),
        }
    }

    fn open_cdev(name: &str) -> Result<Vf, String> {
        let node = format!("/dev/vfio/devices/{name}");
        let file = open_rw(&node)?;
        let dup = Arc::new(
            file.try_clone()
                .map_err(|e| format!("cannot dup {node}: {e}"))?,
        );
        let ops = iommufd()?;
        let mut notes = vec![format!(
            "noiommu: {}",
            if name.starts_with("noiommu-") {
                "yes"
            } else {
                "no"
            }
        )];
        // Bind to the iommufd and attach to its IOAS, as a VMM does before
        // it maps guest memory for DMA. The binding belongs to the open
        // file, which `dup` keeps open if the attach fails.
        let device = match VfioDevice::new_from_fd(file, ops.clone(), true) {
            Ok(d) => {
                notes.push(format!("ioas: attached, id {}", ops.ioas().id()));
                d
            }
            Err(VfioError::VfioDeviceAttachIommufdPt(e)) => {
                notes.push(format!("ioas: not attached ({})", errno_name(e.errno())));
                let file = dup
                    .try_clone()
                    .map_err(|e| format!("cannot dup {node}: {e}"))?;
                VfioDevice::new_from_bound_fd(file, ops, false)
                    .map_err(|e| format!("{node}: {}", vfio_error(&e)))?
            }
            Err(e) => return Err(format!("{node}: {}", vfio_error(&e))),
        };
        if let Some(id) = device.iommufd_dev_id() {
            notes.insert(1, format!("iommufd devid: {id}"));
        }
        Vf::new(Via::Cdev, node, notes, device, dup, None)
    }

    fn open_group(addr: &PciAddress, sysfs: &Path) -> Result<Vf, String> {
        let link = fs::read_link(sysfs.join("iommu_group")).map_err(|_| {
            let driver = fs::read_link(sysfs.join("driver"))
                .ok()
                .and_then(|d| Some(d.file_name()?.to_str()?.to_string()))
                .unwrap_or_else(|| "none".to_string());
            format!("{addr} is not a VFIO device: no IOMMU group, no cdev (driver: {driver})")
        })?;
        let id = link
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{addr}: bad iommu_group link {}", link.display()))?
            .to_string();
        // A no-IOMMU group's node is noiommu-N, and its container takes
        // only the no-IOMMU "IOMMU".
        let noiommu = format!("/dev/vfio/noiommu-{id}");
        let (node, kind) = if Path::new(&noiommu).exists() {
            (noiommu, VFIO_NOIOMMU_IOMMU)
        } else {
            (format!("/dev/vfio/{id}"), VFIO_TYPE1v2_IOMMU)
        };
        let container = open_rw("/dev/vfio/vfio")?;
        let step = |what: &str, e: std::io::Error| format!("{node}: {what}: {e}");
        let version = sys::api_version(&container).map_err(|e| step("VFIO_GET_API_VERSION", e))?;
        if u32::try_from(version) != Ok(VFIO_API_VERSION) {
            return Err(format!("/dev/vfio/vfio: VFIO API version {version}"));
        }
        if !sys::check_extension(&container, kind).map_err(|e| step("VFIO_CHECK_EXTENSION", e))? {
            return Err(format!("/dev/vfio/vfio does not offer IOMMU type {kind}"));
        }
        let group = open_rw(&node)?;
        let flags = sys::group_status(&group).map_err(|e| step("VFIO_GROUP_GET_STATUS", e))?;
        if flags & VFIO_GROUP_FLAGS_VIABLE == 0 {
            return Err(format!("{node} is not viable (flags {flags:#x})"));
        }
        sys::group_set_container(&group, &container)
            .map_err(|e| step("VFIO_GROUP_SET_CONTAINER", e))?;
        sys::set_iommu(&container, kind).map_err(|e| step("VFIO_SET_IOMMU", e))?;
        let name = CString::new(addr.to_string()).map_err(|_| "bad PCI address".to_string())?;
        let file =
            sys::group_device(&group, &name).map_err(|e| step("VFIO_GROUP_GET_DEVICE_FD", e))?;
        let dup = Arc::new(file.try_clone().map_err(|e| format!("cannot dup: {e}"))?);
        // vfio-ioctls takes a ready device file only through its cdev
        // constructor, which wants an iommufd (for DMA maps, none here).
        let device = VfioDevice::new_from_bound_fd(file, iommufd()?, false)
            .map_err(|e| format!("{node}: {}", vfio_error(&e)))?;
        let notes = vec![format!(
            "noiommu: {}",
            if kind == VFIO_NOIOMMU_IOMMU {
                "yes"
            } else {
                "no"
            }
        )];
        Vf::new(
            Via::Group,
            node,
            notes,
            device,
            dup,
            Some((container, group)),
        )
    }

    fn new(
        via: Via,
        node: String,
        notes: Vec<String>,
        device: VfioDevice,
        file: Arc<File>,
        group: Option<(File, File)>,
    ) -> Result<Vf, String> {
        let info = sys::device_info(&file).map_err(|e| format!("VFIO_DEVICE_GET_INFO: {e}"))?;
        Ok(Vf {
            via,
            node,
            notes,
            device: Some(device),
            file,
            info,
            mmap: true,
            _group: group,
        })
    }

    /// vfio-ioctls' device.
    pub fn device(&self) -> &VfioDevice {
        self.device
            .as_ref()
            .expect("the device is open until dropped")
    }

    /// A descriptor of the device's open file.
    pub fn file(&self) -> &Arc<File> {
        &self.file
    }

    /// Whether BARs may be mapped (not `--no-mmap`).
    pub fn mmap(&self) -> bool {
        self.mmap
    }

    /// `VFIO_DEVICE_FLAGS_*`.
    pub fn flags(&self) -> u32 {
        self.info.flags
    }

    /// How many regions the device has.
    pub fn num_regions(&self) -> u32 {
        self.info.num_regions
    }

    /// How many interrupt indexes the device has.
    pub fn num_irqs(&self) -> u32 {
        self.info.num_irqs
    }

    /// Region `index` as vfio-ioctls read it when it opened the device.
    pub fn region(&self, index: u32) -> Region {
        let d = self.device();
        let flags = d.get_region_flags(index);
        let size = d.get_region_size(index);
        let mut mmap_areas = Vec::new();
        if flags & VFIO_REGION_INFO_FLAG_MMAP != 0 {
            let sparse = d.get_region_caps(index).into_iter().find_map(|c| match c {
                VfioRegionInfoCap::SparseMmap(s) => Some(s.areas),
                _ => None,
            });
            match sparse {
                Some(areas) => mmap_areas.extend(
                    areas
                        .iter()
                        .map(|&VfioRegionSparseMmapArea { offset, size }| (offset, size))
                        .filter(|&(_, size)| size > 0),
                ),
                None if size > 0 => mmap_areas.push((0, size)),
                None => {}
            }
        }
        Region {
            index,
            size,
            flags,
            offset: d.get_region_offset(index),
            mmap_areas,
        }
    }

    /// The configuration space, through the config region.
    pub fn config(&self) -> Config<'_> {
        Config(self)
    }
}

impl Drop for Vf {
    fn drop(&mut self) {
        // vfio-ioctls drops a cdev-made device by detaching it from its
        // IOAS and unwraps the result; a group's device file has no IOAS
        // (the detach fails with ENOTTY), so that device is left to be
        // closed when the process exits.
        if self.via == Via::Group {
            std::mem::forget(self.device.take());
        }
    }
}

/// A VF's configuration space, read and written through VFIO's config
/// region with vfio-ioctls.
pub struct Config<'a>(&'a Vf);

impl Config<'_> {
    /// Reads `N` bytes at `offset` (zeros if vfio-ioctls' read failed: it
    /// logs and drops the error).
    fn read<const N: usize>(&self, offset: u64) -> [u8; N] {
        let mut b = [0u8; N];
        self.0
            .device()
            .region_read(VFIO_PCI_CONFIG_REGION_INDEX, &mut b, offset);
        b
    }

    /// The byte at `offset`.
    pub fn read8(&self, offset: u64) -> u8 {
        self.read::<1>(offset)[0]
    }

    /// The 16-bit field at `offset`.
    pub fn read16(&self, offset: u64) -> u16 {
        u16::from_le_bytes(self.read(offset))
    }
}

impl ConfigSpace for Config<'_> {
    fn read32(&self, offset: u64) -> u32 {
        u32::from_le_bytes(self.read(offset))
    }

    fn write32(&self, offset: u64, value: u32) {
        self.0
            .device()
            .region_write(VFIO_PCI_CONFIG_REGION_INDEX, &value.to_le_bytes(), offset);
    }
}
