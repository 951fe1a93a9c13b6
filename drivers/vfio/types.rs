// SPDX-License-Identifier: GPL-2.0

//! The vGPU types the host offers, by board: for now the NVIDIA A10
//! (PCI 10de:2236, GA102GL, 24 GiB), the only board in the emulator with
//! virtual functions.
//!
//! GSP-RM knows no vGPU type until the host gives it some
//! (`PGPU_ADD_VGPU_TYPE`): NVIDIA's host driver takes them from a
//! metadata file that is not public, so each type here is built from the
//! public facts of its name, IDs, memory and instance count, and the
//! rest (plugin heap, BAR1, channels, heads) is our model's choice, said
//! as such. Facts from `build/vgpu-facts.md`:
//!
//! - names and vGPU subsystem IDs: open-gpu-kernel-modules 570.144
//!   `src/nvidia/generated/g_nv_name_released.h`, the "NVIDIA A10-<n>Q"
//!   entries of device 0x2236 (A10-1Q 0x14b8 .. A10-24Q 0x14bf);
//! - type IDs (what `creatable_vgpu_types` lists): 590 A10-1Q .. 597
//!   A10-24Q, as OpenNebula's A10 examples show them (`nvidia-590` ..);
//!   they may differ between vGPU releases;
//! - guest memory: the number in the name, in GiB (CloudStack's A10-6Q:
//!   6144 MiB);
//! - instances per GPU: 4Q 6, 6Q 4, 8Q 3, 12Q 2, 24Q 1 are published
//!   (Azure NVadsA10 v5, CloudStack, NVIDIA's cloud-native docs); 1Q and
//!   2Q follow floor(24 GiB / memory), which every published value obeys,
//!   but are not confirmed;
//! - heads and resolution: A10-6Q's 4 heads at 7680x4320 (CloudStack),
//!   used for every type (unconfirmed for the others).

use core::fmt;

use kernel::prelude::*;

use nvgsp_core::client::VgpuType;

/// The A10's PCI device ID; its virtual functions have it too.
pub(crate) const A10_DEVICE_ID: u16 = 0x2236;

/// One vGPU type's public facts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TypeFacts {
    /// Its type ID.
    pub(crate) id: u32,
    /// Its name.
    pub(crate) name: &'static str,
    /// The vGPU's PCI subsystem ID (the device ID is the board's).
    pub(crate) subsystem_id: u16,
    /// Guest memory, in GiB.
    pub(crate) fb_gib: u64,
    /// vGPUs of the type a GPU holds at most: published, unless marked
    /// "floor(24 / GiB)" (the rule the published counts follow).
    pub(crate) max_instance: u32,
}

/// The A10's Q-series (workstation) types.
pub(crate) const A10_TYPES: [TypeFacts; 7] = [
    TypeFacts {
        id: 590,
        name: "NVIDIA A10-1Q",
        subsystem_id: 0x14b8,
        fb_gib: 1,
        // floor(24 / GiB), not published.
        max_instance: 24,
    },
    TypeFacts {
        id: 591,
        name: "NVIDIA A10-2Q",
        subsystem_id: 0x14b9,
        fb_gib: 2,
        // floor(24 / GiB), not published.
        max_instance: 12,
    },
    TypeFacts {
        id: 593,
        name: "NVIDIA A10-4Q",
        subsystem_id: 0x14bb,
        fb_gib: 4,
        max_instance: 6,
    },
    TypeFacts {
        id: 594,
        name: "NVIDIA A10-6Q",
        subsystem_id: 0x14bc,
        fb_gib: 6,
        max_instance: 4,
    },
    TypeFacts {
        id: 595,
        name: "NVIDIA A10-8Q",
        subsystem_id: 0x14bd,
        fb_gib: 8,
        max_instance: 3,
    },
    TypeFacts {
        id: 596,
        name: "NVIDIA A10-12Q",
        subsystem_id: 0x14be,
        fb_gib: 12,
        max_instance: 2,
    },
    TypeFacts {
        id: 597,
        name: "NVIDIA A10-24Q",
        subsystem_id: 0x14bf,
        fb_gib: 24,
        max_instance: 1,
    },
];

/// The class of the Q series, as GSP-RM's `vgpuClass` names it.
const Q_CLASS: &str = "Quadro";
/// Display heads and the largest resolution (A10-6Q's; see the module).
const NUM_HEADS: u32 = 4;
const MAX_RESOLUTION: (u32, u32) = (7680, 4320);
/// The plugin heap per vGPU: model choice, the only public example's (the
/// RFC v1 L40-1B type: `gspHeapSize` 32 MiB).
pub(crate) const GSP_HEAP_SIZE: u64 = 32 << 20;
/// The guest's BAR1, in MiB: model choice, the L40-1B's `bar1Length`;
/// never more than the virtual function's BAR1.
pub(crate) const BAR1_MIB: u64 = 256;
/// Most channel IDs per vGPU: model choice, what the RFC v1 host gave
/// every vGPU (512).
pub(crate) const MAX_CHANNELS: u64 = 512;

/// The type table of the board whose PCI device ID is `device_id`.
pub(crate) fn table(device_id: u16) -> Option<&'static [TypeFacts]> {
    match device_id {
        A10_DEVICE_ID => Some(&A10_TYPES),
        _ => None,
    }
}

/// What a GPU can give its vGPUs, which sizes the types offered.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    /// The vfio kind's VRAM share, in bytes.
    pub(crate) vram: u64,
    /// The granule of guest memory (GSP-RM's VMMU segment).
    pub(crate) segment: u64,
    /// The vfio kind's channel IDs.
    pub(crate) channels: u64,
    /// Each virtual function's BAR1, in bytes.
    pub(crate) vf_bar1: u64,
}

/// The largest power of two not above `n`; 0 for 0.
fn prev_pow2(n: u64) -> u64 {
    match n.checked_ilog2() {
        Some(bits) => 1 << bits,
        None => 0,
    }
}

/// The channel IDs each instance of a type gets: the RFC v2 rule,
/// prev_pow2(available / max_instance), at most [`MAX_CHANNELS`].
pub(crate) fn channels_per_instance(available: u64, max_instance: u32) -> u64 {
    let share = available
        .checked_div(u64::from(max_instance))
        .unwrap_or(0)
        .min(MAX_CHANNELS);
    prev_pow2(share)
}

/// `facts` as a type of the board `device_id` within `budget`, or `None`
/// if one instance does not fit it (its memory and heap beyond the VRAM
/// share, no channel for it, no BAR1).
pub(crate) fn vgpu_type(facts: &TypeFacts, device_id: u16, budget: &Budget) -> Option<VgpuType> {
    let fb_length = facts.fb_gib.checked_mul(1 << 30)?;
    // What one instance takes: whole segments, and its heap.
    let needs = fb_length
        .checked_next_multiple_of(budget.segment)?
        .checked_add(GSP_HEAP_SIZE)?;
    if needs > budget.vram {
        return None;
    }
    let channels = channels_per_instance(budget.channels, facts.max_instance);
    let bar1_mib = BAR1_MIB.min(budget.vf_bar1 >> 20);
    if channels == 0 || bar1_mib == 0 {
        return None;
    }
    Some(VgpuType {
        id: facts.id,
        name: facts.name,
        class: Q_CLASS,
        max_instance: facts.max_instance,
        num_heads: NUM_HEADS,
        max_resolution: MAX_RESOLUTION,
        vdev_id: (u64::from(device_id) << 16) | u64::from(facts.subsystem_id),
        pdev_id: u64::from(device_id),
        fb_length,
        gsp_heap_size: GSP_HEAP_SIZE,
        // A power of two: both are (BAR sizes are).
        bar1_mib,
        channels: u32::try_from(channels).ok()?,
    })
}

/// The types of `facts` that fit `budget`, and how many do not.
///
/// # Errors
///
/// `ENOMEM`.
pub(crate) fn offered(
    facts: &[TypeFacts],
    device_id: u16,
    budget: &Budget,
) -> Result<(KVec<VgpuType>, usize)> {
    let mut types = KVec::with_capacity(facts.len(), GFP_KERNEL)?;
    let mut left_out = 0;
    for f in facts {
        match vgpu_type(f, device_id, budget) {
            Some(t) => types.push(t, GFP_KERNEL)?,
            None => left_out += 1,
        }
    }
    Ok((types, left_out))
}

/// Types as a log line shows them: "590 NVIDIA A10-1Q, 591 ...".
pub(crate) struct Names<'a>(pub(crate) &'a [VgpuType]);

impl kernel::fmt::Display for Names<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        for (i, t) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} {}", t.id, t.name)?;
        }
        Ok(())
    }
}

#[kunit_tests(nvgsp_vfio_types)]
mod tests {
    use super::*;

    const GIB: u64 = 1 << 30;
    /// The A10's VRAM, in GiB: what the instance counts divide.
    const A10_VRAM_GIB: u64 = 24;

    /// An A10 whose vfio share is `vram`, with 1023 channels, 32 MiB
    /// segments and 64 MiB VF BAR1s (the emulator's defaults).
    fn budget(vram: u64) -> Budget {
        Budget {
            vram,
            segment: 32 << 20,
            channels: 1023,
            vf_bar1: 64 << 20,
        }
    }

    #[test]
    fn a10_table_facts() {
        assert!(table(A10_DEVICE_ID).is_some());
        assert!(table(0x2204).is_none());
        for (i, t) in A10_TYPES.iter().enumerate() {
            // Names fit GSP-RM's 32-byte strings; IDs are unique.
            assert!(t.name.len() < 32);
            assert!(t.name.starts_with("NVIDIA A10-"));
            assert!(A10_TYPES[i + 1..].iter().all(|u| u.id != t.id));
            // The instances of a type fit the board, and one more would
            // not (the published counts obey this).
            assert!(u64::from(t.max_instance) * t.fb_gib <= A10_VRAM_GIB);
            assert_eq!(u64::from(t.max_instance), A10_VRAM_GIB / t.fb_gib);
            // The Q series' IDs follow its subsystem IDs: 590 = 0x14b8.
            assert_eq!(u32::from(t.subsystem_id) - 0x14b8, t.id - 590);
        }
        let q6 = &A10_TYPES[3];
        assert_eq!((q6.id, q6.fb_gib, q6.max_instance), (594, 6, 4));
    }

    #[test]
    fn types_fit_the_budget() -> Result {
        let whole = budget(24 * GIB);
        let t = vgpu_type(&A10_TYPES[0], A10_DEVICE_ID, &whole).ok_or(EINVAL)?;
        assert_eq!(t.vdev_id, 0x2236_14b8);
        assert_eq!(t.pdev_id, 0x2236);
        assert_eq!(t.fb_length, GIB);
        // 1023 channels / 24 instances = 42: 32 each.
        assert_eq!(t.channels, 32);
        // BAR1 is capped by the VF's.
        assert_eq!(t.bar1_mib, 64);
        // The whole A10 holds 24Q's memory but not its heap as well.
        let (types, left_out) = offered(&A10_TYPES, A10_DEVICE_ID, &whole)?;
        assert_eq!((types.len(), left_out), (6, 1));
        // A 4 GiB share: 1Q and 2Q (4Q needs 4 GiB and its heap).
        let (types, left_out) = offered(&A10_TYPES, A10_DEVICE_ID, &budget(4 * GIB))?;
        assert_eq!((types.len(), left_out), (2, 5));
        assert_eq!(types[1].id, 591);
        // No channels, no BAR1, or no segment size: nothing fits.
        for b in [
            Budget {
                channels: 16,
                ..whole
            },
            Budget {
                vf_bar1: 512 << 10,
                ..whole
            },
            Budget {
                segment: 0,
                ..whole
            },
        ] {
            assert!(vgpu_type(&A10_TYPES[0], A10_DEVICE_ID, &b).is_none());
        }
        Ok(())
    }

    #[test]
    fn channel_rule() {
        assert_eq!(channels_per_instance(1023, 1), 512);
        assert_eq!(channels_per_instance(1023, 3), 256);
        assert_eq!(channels_per_instance(100, 6), 16);
        assert_eq!(channels_per_instance(5, 6), 0);
        assert_eq!(channels_per_instance(5, 0), 0);
        assert_eq!(prev_pow2(0), 0);
        assert_eq!(prev_pow2(1), 1);
        assert_eq!(prev_pow2(u64::MAX), 1 << 63);
    }
}
