// SPDX-License-Identifier: GPL-2.0

//! The rules of creating and destroying vGPUs on one GPU, and the text of
//! the `nvidia` sysfs files, as pure functions of what the GPU's vGPUs
//! are ([`Occupancy`]): the host ([`crate::host`]) applies them under its
//! lock.
//!
//! The files and their errors are those of the RFC v2 VFIO variant
//! driver for NVIDIA vGPUs (`drivers/vfio/pci/nvidia-vgpu/vfio_sysfs.c`),
//! the same names NVIDIA's own vGPU host uses. Unlike that driver, whose
//! vGPUs all have one type (homogeneous), a GPU here holds vGPUs of
//! different types at once (NVIDIA's "mixed-size" mode), each type up to
//! its instance count; the GPU's memory is the other bound (the core
//! refuses a vGPU beyond the vfio kind's share with ENOSPC).

use core::fmt::{
    self,
    Write, //
};

use kernel::prelude::*;

use nvgsp_core::client::VgpuType;

/// Types whose vGPUs an [`Occupancy`] counts at most.
pub(crate) const MAX_COUNTED_TYPES: usize = 16;

/// A GPU's vGPUs, as the rules see them for one of its virtual functions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Occupancy {
    /// How many vGPUs the GPU has of each type in use: (type ID, count).
    pub(crate) counts: [(u32, u32); MAX_COUNTED_TYPES],
    /// The type of the virtual function's own vGPU, if it has one.
    pub(crate) this: Option<u32>,
}

impl Occupancy {
    /// Counts one more vGPU of type `id`.
    pub(crate) fn add(&mut self, id: u32) {
        if let Some(slot) = self.counts.iter_mut().find(|(t, n)| *t == id || *n == 0) {
            *slot = (id, slot.1 + 1);
        }
    }

    /// How many vGPUs of type `id` the GPU has.
    pub(crate) fn count(&self, id: u32) -> u32 {
        self.counts
            .iter()
            .find(|(t, n)| *t == id && *n > 0)
            .map_or(0, |&(_, n)| n)
    }
}

/// Why a vGPU is not created or destroyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Not a type the GPU offers.
    Unknown(u32),
    /// The virtual function has a vGPU already (of this type).
    HasType(u32),
    /// The GPU holds as many vGPUs of the type as it can.
    Full(u32),
    /// A VMM holds the vGPU's VFIO device open.
    Open,
}

impl Refusal {
    /// The errno the write gets (the RFC v2 driver's).
    pub(crate) fn errno(self) -> Error {
        match self {
            Refusal::Unknown(_) => ENODEV,
            Refusal::HasType(_) | Refusal::Open => EBUSY,
            Refusal::Full(_) => ENOSPC,
        }
    }
}

impl kernel::fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Refusal::Unknown(id) => write!(f, "no vGPU type {id} on this GPU"),
            Refusal::HasType(id) => {
                write!(f, "this virtual function has a vGPU of type {id} already")
            }
            Refusal::Full(max) => write!(f, "the GPU holds {max} vGPUs of the type already"),
            Refusal::Open => f.write_str("a VMM holds its VFIO device open"),
        }
    }
}

/// The types a virtual function can be given now: none if it has a vGPU;
/// else every type below its instance count.
pub(crate) fn creatable<'a>(
    types: &'a [VgpuType],
    occ: &'a Occupancy,
) -> impl Iterator<Item = &'a VgpuType> + 'a {
    types
        .iter()
        .filter(move |t| occ.this.is_none() && occ.count(t.id) < t.max_instance)
}

/// Writes `creatable_vgpu_types`: nothing if the virtual function has a
/// vGPU, else the heading `ID    : vGPU Name` and one `%-5d : %s` line
/// per creatable type.
pub(crate) fn write_creatable(
    w: &mut impl Write,
    types: &[VgpuType],
    occ: &Occupancy,
) -> fmt::Result {
    if occ.this.is_some() {
        return Ok(());
    }
    w.write_str("ID    : vGPU Name\n")?;
    for t in creatable(types, occ) {
        writeln!(w, "{:<5} : {}", t.id, t.name)?;
    }
    Ok(())
}

/// Whether the virtual function may get a vGPU of type `id`: the type if
/// so.
pub(crate) fn check_create<'a>(
    types: &'a [VgpuType],
    occ: &Occupancy,
    id: u32,
) -> Result<&'a VgpuType, Refusal> {
    let t = types
        .iter()
        .find(|t| t.id == id)
        .ok_or(Refusal::Unknown(id))?;
    if let Some(this) = occ.this {
        return Err(Refusal::HasType(this));
    }
    if occ.count(id) >= t.max_instance {
        return Err(Refusal::Full(t.max_instance));
    }
    Ok(t)
}

/// Whether a vGPU may be destroyed on request (a write of 0): not while
/// its VFIO device is open (removal waits for the VMM instead).
pub(crate) fn check_destroy(open: bool) -> Result<(), Refusal> {
    if open {
        Err(Refusal::Open)
    } else {
        Ok(())
    }
}

/// A type ID as written to `current_vgpu_type`: decimal, one trailing
/// newline allowed (as `kstrtou32`); 0 asks for none.
pub(crate) fn parse_type_id(text: &[u8]) -> Option<u32> {
    let digits = text.strip_suffix(b"\n").unwrap_or(text);
    if digits.is_empty() || digits.len() > 10 {
        return None;
    }
    digits.iter().try_fold(0u32, |n, &c| {
        let d = char::from(c).to_digit(10)?;
        n.checked_mul(10)?.checked_add(d)
    })
}

/// The PCI device and subsystem IDs a VMM sees for a vGPU of type `t`
/// (`vdevId`: device ID << 16 | subsystem ID).
pub(crate) fn vfio_ids(t: &VgpuType) -> Option<(u16, u16)> {
    let device = u16::try_from(t.vdev_id >> 16).ok()?;
    let subsystem = u16::try_from(t.vdev_id & 0xffff).ok()?;
    Some((device, subsystem))
}

#[kunit_tests(nvgsp_vfio_rules)]
mod tests {
    use super::*;

    /// Types 590 (up to 24) and 594 (up to 4).
    fn types() -> [VgpuType; 2] {
        let t = VgpuType {
            id: 590,
            name: "NVIDIA A10-1Q",
            class: "Quadro",
            max_instance: 24,
            num_heads: 4,
            max_resolution: (7680, 4320),
            vdev_id: 0x2236_14b8,
            pdev_id: 0x2236,
            fb_length: 1 << 30,
            gsp_heap_size: 32 << 20,
            bar1_mib: 256,
            channels: 32,
        };
        [
            t,
            VgpuType {
                id: 594,
                name: "NVIDIA A10-6Q",
                max_instance: 4,
                vdev_id: 0x2236_14bc,
                fb_length: 6 << 30,
                ..t
            },
        ]
    }

    /// A page-sized writer, as sysfs gives show().
    struct Page {
        buf: [u8; 256],
        len: usize,
    }

    impl Write for Page {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let end = self.len + s.len();
            self.buf
                .get_mut(self.len..end)
                .ok_or(fmt::Error)?
                .copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }

    fn creatable_text(occ: Occupancy) -> Result<Page> {
        let mut p = Page {
            buf: [0; 256],
            len: 0,
        };
        write_creatable(&mut p, &types(), &occ).map_err(|_| EINVAL)?;
        Ok(p)
    }

    #[test]
    fn creatable_formatting() -> Result {
        let all = creatable_text(Occupancy::default())?;
        assert_eq!(
            &all.buf[..all.len],
            b"ID    : vGPU Name\n590   : NVIDIA A10-1Q\n594   : NVIDIA A10-6Q\n"
        );
        // Mixed sizes: every type below its instance count.
        let mut some = Occupancy::default();
        for _ in 0..3 {
            some.add(594);
        }
        some.add(590);
        let text = creatable_text(some)?;
        assert_eq!(&text.buf[..text.len], &all.buf[..all.len]);
        let mut full = some;
        full.add(594);
        let text = creatable_text(full)?;
        assert_eq!(
            &text.buf[..text.len],
            b"ID    : vGPU Name\n590   : NVIDIA A10-1Q\n"
        );
        // A virtual function with a vGPU can be given none.
        let mine = creatable_text(Occupancy {
            this: Some(594),
            ..some
        })?;
        assert_eq!(mine.len, 0);
        Ok(())
    }

    #[test]
    fn create_rules() {
        let types = types();
        let empty = Occupancy::default();
        assert_eq!(check_create(&types, &empty, 594).map(|t| t.id), Ok(594));
        assert_eq!(
            check_create(&types, &empty, 595).map(|t| t.id),
            Err(Refusal::Unknown(595))
        );
        let mut two = Occupancy::default();
        two.add(594);
        two.add(594);
        assert_eq!(two.count(594), 2);
        assert_eq!(two.count(590), 0);
        assert_eq!(check_create(&types, &two, 594).map(|t| t.id), Ok(594));
        // Another type beside them (mixed sizes).
        assert_eq!(check_create(&types, &two, 590).map(|t| t.id), Ok(590));
        let mut full = two;
        full.add(594);
        full.add(594);
        assert_eq!(
            check_create(&types, &full, 594).map(|t| t.id),
            Err(Refusal::Full(4))
        );
        let mine = Occupancy {
            this: Some(594),
            ..two
        };
        assert_eq!(
            check_create(&types, &mine, 594).map(|t| t.id),
            Err(Refusal::HasType(594))
        );
        // The errnos of the RFC v2 driver.
        assert_eq!(Refusal::Unknown(1).errno(), ENODEV);
        assert_eq!(Refusal::Full(1).errno(), ENOSPC);
        assert_eq!(Refusal::HasType(1).errno(), EBUSY);
        assert_eq!(check_destroy(true), Err(Refusal::Open));
        assert_eq!(Refusal::Open.errno(), EBUSY);
        assert_eq!(check_destroy(false), Ok(()));
    }

    #[test]
    fn type_ids() {
        assert_eq!(parse_type_id(b"594\n"), Some(594));
        assert_eq!(parse_type_id(b"0"), Some(0));
        assert_eq!(parse_type_id(b"4294967295"), Some(u32::MAX));
        for bad in [
            &b""[..],
            b"\n",
            b"4294967296",
            b"-1",
            b"59 4",
            b"594\n\n",
            b"0x10",
            b"12345678901",
        ] {
            assert_eq!(parse_type_id(bad), None);
        }
        assert_eq!(vfio_ids(&types()[1]), Some((0x2236, 0x14bc)));
    }
}
