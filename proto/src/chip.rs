// SPDX-License-Identifier: GPL-2.0
//! Chip identification: the PMC boot registers and how they encode a chip.
//!
//! Layouts follow Linux 7.3 `drivers/gpu/nova-core/regs.rs` (`NV_PMC_BOOT_0`,
//! `NV_PMC_BOOT_42`) and nouveau's `nvkm/engine/device/base.c`: the chipset
//! number is `architecture << 4 | implementation` (GA102 = 0x172).

/// BAR0 offset of `NV_PMC_BOOT_0`, the legacy identification register.
pub const NV_PMC_BOOT_0: u32 = 0x0000_0000;
/// BAR0 offset of `NV_PMC_BOOT_42`, the identification register of Fermi
/// and later chips.
pub const NV_PMC_BOOT_42: u32 = 0x0000_0a00;

/// Architecture number of Ampere (`NV_PMC_BOOT_42` bits 29:24).
pub const ARCH_AMPERE: u8 = 0x17;

/// Identity of a chip as the boot registers encode it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChipId {
    /// Architecture (0x16 Turing, 0x17 Ampere, 0x19 Ada, 0x18 Hopper, ...).
    pub architecture: u8,
    /// Implementation within the architecture (GA102 = 2).
    pub implementation: u8,
    /// Major silicon revision (0xa for "A").
    pub major_revision: u8,
    /// Minor silicon revision.
    pub minor_revision: u8,
}

impl ChipId {
    /// A GA102 at revision A1, the chip `nvgsp-emu` models by default.
    pub const GA102_A1: ChipId = ChipId {
        architecture: ARCH_AMPERE,
        implementation: 2,
        major_revision: 0xa,
        minor_revision: 1,
    };

    /// Decodes `NV_PMC_BOOT_42`: 29:24 architecture, 23:20 implementation,
    /// 19:16 major revision, 15:12 minor revision.
    pub const fn from_boot42(v: u32) -> ChipId {
        ChipId {
            architecture: ((v >> 24) & 0x3f) as u8,
            implementation: ((v >> 20) & 0xf) as u8,
            major_revision: ((v >> 16) & 0xf) as u8,
            minor_revision: ((v >> 12) & 0xf) as u8,
        }
    }

    /// Encodes `NV_PMC_BOOT_42`.
    pub const fn boot42(&self) -> u32 {
        ((self.architecture as u32 & 0x3f) << 24)
            | ((self.implementation as u32 & 0xf) << 20)
            | ((self.major_revision as u32 & 0xf) << 16)
            | ((self.minor_revision as u32 & 0xf) << 12)
    }

    /// Encodes `NV_PMC_BOOT_0`: 28:24 architecture bits 4:0, 8 architecture
    /// bit 5, 23:20 implementation, 7:4 major and 3:0 minor revision.
    pub const fn boot0(&self) -> u32 {
        ((self.architecture as u32 & 0x1f) << 24)
            | (((self.architecture as u32 >> 5) & 1) << 8)
            | ((self.implementation as u32 & 0xf) << 20)
            | ((self.major_revision as u32 & 0xf) << 4)
            | (self.minor_revision as u32 & 0xf)
    }

    /// The chipset number, `architecture << 4 | implementation`.
    pub const fn chipset(&self) -> u32 {
        ((self.architecture as u32) << 4) | self.implementation as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ga102_encodings_match_published_values() {
        // nouveau logs a GA102 as "NVIDIA GA102 (172000a1)": that is BOOT_0.
        assert_eq!(ChipId::GA102_A1.boot0(), 0x1720_00a1);
        assert_eq!(ChipId::GA102_A1.chipset(), 0x172);
        assert_eq!(ChipId::GA102_A1.boot42(), 0x172a_1000);
    }

    #[test]
    fn boot42_round_trips() {
        for v in [0u32, 0x172a_1000, 0x3fff_f000, 0x1940_a000] {
            assert_eq!(ChipId::from_boot42(v).boot42(), v & 0x3fff_f000);
        }
    }

    #[test]
    fn boot0_carries_architecture_bit_5() {
        let hopper_like = ChipId {
            architecture: 0x21,
            ..ChipId::GA102_A1
        };
        assert_eq!(hopper_like.boot0() & (1 << 8), 1 << 8);
        assert_eq!((hopper_like.boot0() >> 24) & 0x1f, 1);
    }
}
