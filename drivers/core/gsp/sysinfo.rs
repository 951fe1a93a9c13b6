// SPDX-License-Identifier: GPL-2.0

//! The payloads of the commands the driver sends while GSP-RM boots and
//! when it shuts down: GSP_SET_SYSTEM_INFO, SET_REGISTRY and
//! UNLOADING_GUEST_DRIVER. Contents follow Linux 7.3
//! `drivers/gpu/nova-core/gsp/fw/commands.rs` and `gsp/commands.rs`.

use kernel::{
    device,
    pci,
    prelude::*, //
};

use crate::{
    hal::GpuHal,
    kernel_gaps::SriovLayout,
    proto::gsp::rpc::{
        registry,
        system_info::GspSystemInfo,
        unload::{
            RpcUnloadingGuestDriver,
            NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_0, //
        },
    },
    wire::Wire,
};

/// The registry the driver hands GSP-RM, as nova-core's `SetRegistry`.
const REGISTRY: &[(&str, u32)] = &[
    // Let GSP-RM reset the secondary bus, and keep PCI config across
    // resets.
    ("RMSecBusResetEnable", 1),
    ("RMForcePcieConfigSave", 1),
    // Boot even when the device id is not in GSP-RM's product table.
    ("RMDevidCheckIgnore", 1),
    // Host vGPUs on the SR-IOV virtual functions (nova-core, when vGPU is
    // enabled); only in SR-IOV mode, see `registry`.
    ("RMSetSriovMode", 1),
];
/// The entries of [`REGISTRY`] every boot has (all but `RMSetSriovMode`).
const BAREMETAL_ENTRIES: usize = 3;

fn encode<T: Wire>(v: &T) -> Result<KVec<u8>> {
    let mut out = KVec::from_elem(0u8, T::SIZE, GFP_KERNEL)?;
    v.encode(&mut out).ok_or(EINVAL)?;
    Ok(out)
}

/// `nvDomainBusDeviceFunc` for the function whose `pci_dev_id()` (bus << 8
/// | devfn) is `dev_id`, in GSP-RM's layout (open-gpu-kernel-modules
/// `gpu.h` `NVGPU_BUSDEVICE_*`): domain 63:32, bus 15:8, device 7:0, no
/// function. (nouveau and nova-core send `pci_dev_id()` itself, which
/// agrees only for device 0 function 0.) The Rust PCI abstraction gives
/// no domain number: domain 0.
fn bus_device(dev_id: u16) -> u64 {
    u64::from(dev_id >> 8) << 8 | u64::from((dev_id >> 3) & 0x1f)
}

/// GSP_SET_SYSTEM_INFO: where the GPU sits on the bus and what it is.
///
/// In SR-IOV mode (`sriov`), also where the virtual functions are
/// (`GSP_VF_INFO`).
pub(crate) fn system_info(
    pdev: &pci::Device<device::Bound>,
    hal: &dyn GpuHal,
    sriov: Option<&SriovLayout>,
) -> Result<KVec<u8>> {
    let mut info = GspSystemInfo::ZERO;
    if let Some(s) = sriov {
        let vf = &mut info.gsp_vf_info;
        vf.total_vfs = u32::from(s.total_vfs);
        vf.first_vf_offset = u32::from(s.first_vf_offset);
        vf.first_vf_bar0_address = s.vf_bar[0];
        vf.first_vf_bar1_address = s.vf_bar[1];
        vf.first_vf_bar2_address = s.vf_bar[2];
        vf.b64bit_bar0 = s.vf_bar_64bit[0];
        vf.b64bit_bar1 = s.vf_bar_64bit[1];
        vf.b64bit_bar2 = s.vf_bar_64bit[2];
    }
    info.gpu_phys_addr = pdev.resource_start(0)?;
    info.gpu_phys_fb_addr = pdev.resource_start(1)?;
    info.gpu_phys_inst_addr = pdev.resource_start(3)?;
    info.nv_domain_bus_device_func = bus_device(pdev.dev_id());
    // nova-core: TASK_SIZE of a 4-level page table, less a page.
    info.max_user_va = (1 << 47) - 4096;
    let (start, end) = hal.pci_config_mirror();
    info.pci_config_mirror_base = start;
    info.pci_config_mirror_size = end - start;
    info.pci_device_id = (u32::from(pdev.device_id()) << 16) | u32::from(pdev.vendor_id().as_raw());
    info.pci_sub_device_id =
        (u32::from(pdev.subsystem_device_id()) << 16) | u32::from(pdev.subsystem_vendor_id());
    info.pci_revision_id = u32::from(pdev.revision_id());
    encode(&info)
}

/// SET_REGISTRY: the packed registry table; with `sriov`, GSP-RM is to
/// run in SR-IOV mode.
pub(crate) fn registry(sriov: bool) -> Result<KVec<u8>> {
    let entries = if sriov {
        REGISTRY
    } else {
        &REGISTRY[..BAREMETAL_ENTRIES]
    };
    let len = registry::registry_len(entries).ok_or(EINVAL)?;
    let mut out = KVec::from_elem(0u8, len, GFP_KERNEL)?;
    registry::encode_registry(entries, &mut out).ok_or(EINVAL)?;
    Ok(out)
}

/// UNLOADING_GUEST_DRIVER for a full unload (power level 0).
pub(crate) fn unloading_guest_driver() -> Result<KVec<u8>> {
    encode(&RpcUnloadingGuestDriver::new(
        NV2080_CTRL_GPU_SET_POWER_STATE_GPU_LEVEL_0,
    ))
}

#[kunit_tests(nvgsp_core_sysinfo)]
mod tests {
    use super::*;

    #[test]
    fn bus_and_device_in_gsp_rms_layout() {
        // 01:00.0, where the device and pci_dev_id() agree.
        assert_eq!(bus_device(0x0100), 0x0100);
        // 1f:1c.7: the device number in 7:0, the function dropped.
        assert_eq!(bus_device(0x1fe7), 0x1f1c);
        assert_eq!(bus_device(0xffff), 0xff1f);
    }
}
