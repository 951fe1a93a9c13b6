// SPDX-License-Identifier: GPL-2.0

//! Chip identity: which GPU this is, read from the PMC boot registers.

use kernel::{
    device,
    io::Io,
    prelude::*, //
};

use crate::{
    bar::Bar0,
    regs, //
};

/// Declares the chipsets the driver knows, once: the enum, its numbers,
/// names and architecture.
macro_rules! define_chipset {
    ($($arch:ident { $($variant:ident = $value:expr),* $(,)? }),* $(,)?) => {
        /// A GPU chipset, numbered `architecture << 4 | implementation`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Chipset {
            $($($variant = $value,)*)*
        }

        impl Chipset {
            /// The chipset's name, as NVIDIA writes it (e.g. "GA102").
            pub(crate) const fn name(self) -> &'static str {
                match self {
                    $($(Chipset::$variant => stringify!($variant),)*)*
                }
            }

            /// The chipset's directory under `nvidia/` in the firmware tree:
            /// its name in lower case (e.g. "ga102").
            pub(crate) fn firmware_dir(self) -> LowerCase {
                LowerCase(self.name())
            }

            /// The architecture the chipset belongs to.
            pub(crate) const fn arch(self) -> Architecture {
                match self {
                    $($(Chipset::$variant => Architecture::$arch,)*)*
                }
            }
        }

        impl TryFrom<u32> for Chipset {
            type Error = Error;

            fn try_from(value: u32) -> Result<Self> {
                match value {
                    $($($value => Ok(Chipset::$variant),)*)*
                    _ => Err(ENODEV),
                }
            }
        }
    };
}

/// A name printed in lower case.
pub(crate) struct LowerCase(&'static str);

impl kernel::fmt::Display for LowerCase {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        self.0
            .chars()
            .try_for_each(|c| kernel::fmt::Write::write_char(f, c.to_ascii_lowercase()))
    }
}

/// GPU architectures that run GSP-RM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Architecture {
    /// Turing (TU10x, TU11x).
    Turing,
    /// Ampere (GA10x).
    Ampere,
    /// Hopper (GH100).
    Hopper,
    /// Ada Lovelace (AD10x).
    Ada,
}

// Chipset numbers as in Linux 7.3 `drivers/gpu/nova-core/gpu.rs`.
define_chipset! {
    Turing { TU102 = 0x162, TU104 = 0x164, TU106 = 0x166, TU117 = 0x167, TU116 = 0x168 },
    Ampere { GA100 = 0x170, GA102 = 0x172, GA103 = 0x173, GA104 = 0x174, GA106 = 0x176, GA107 = 0x177 },
    Hopper { GH100 = 0x180 },
    Ada { AD102 = 0x192, AD103 = 0x193, AD104 = 0x194, AD106 = 0x196, AD107 = 0x197 },
}

/// Silicon revision, e.g. A1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Revision {
    /// Major revision (0xa = "A").
    pub(crate) major: u8,
    /// Minor revision.
    pub(crate) minor: u8,
}

/// What the boot registers say about the GPU.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spec {
    /// The chipset.
    pub(crate) chipset: Chipset,
    /// The silicon revision.
    pub(crate) revision: Revision,
}

impl Spec {
    /// Identifies the GPU behind `bar`, logging why when it cannot.
    ///
    /// # Errors
    ///
    /// `ENODEV` if the chip predates Fermi (no `NV_PMC_BOOT_42`) or is not a
    /// chipset this driver supports.
    pub(crate) fn new(dev: &device::Device, bar: Bar0<'_>) -> Result<Spec> {
        let boot0 = bar.read(regs::NV_PMC_BOOT_0);
        if boot0.architecture_1().get() == 0 && boot0.architecture_0().get() < 0xc {
            // Pre-Fermi chips have no BOOT_42 (nova-core `is_older_than_fermi`).
            dev_err!(
                dev,
                "pre-Fermi chip (NV_PMC_BOOT_0 {:#010x}) is not supported\n",
                boot0.into_raw()
            );
            return Err(ENODEV);
        }
        let boot42 = bar.read(regs::NV_PMC_BOOT_42);
        let number = (boot42.architecture().get() << 4) | boot42.implementation().get();
        let chipset = Chipset::try_from(number).inspect_err(|_| {
            dev_err!(
                dev,
                "unsupported chipset {:#x} (NV_PMC_BOOT_42 {:#010x})\n",
                number,
                boot42.into_raw()
            )
        })?;
        // CAST: both fields are 4 bits wide.
        let revision = Revision {
            major: boot42.major_revision().get() as u8,
            minor: boot42.minor_revision().get() as u8,
        };
        Ok(Spec { chipset, revision })
    }
}
