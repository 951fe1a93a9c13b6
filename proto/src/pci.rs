// SPDX-License-Identifier: GPL-2.0
//! PCI identity of the modelled GPU.

/// NVIDIA's PCI vendor ID.
pub const VENDOR_NVIDIA: u16 = 0x10de;
/// Device ID of a GA102 (GeForce RTX 3090), per the PCI ID database.
pub const DEVICE_GA102: u16 = 0x2204;
/// Class code of a 3D controller (base class 0x03, subclass 0x02).
pub const CLASS_3D: u32 = 0x03_0200;
/// Size of BAR0, the register aperture, on every GSP-era chip.
pub const BAR0_SIZE: u64 = 16 << 20;
/// Number of MSI-X vectors the modelled function offers.
pub const MSIX_VECTORS: u16 = 8;
/// BAR0 offset of the MSI-X table (16 bytes per vector) and of the PBA.
pub const MSIX_TABLE_OFFSET: u32 = 0x00b9_0000;
/// BAR0 offset of the MSI-X pending-bit array.
pub const MSIX_PBA_OFFSET: u32 = 0x00ba_0000;
