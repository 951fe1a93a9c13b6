// SPDX-License-Identifier: GPL-2.0
//! The CPU interrupt tree of the PCI function (Turing and later): how an
//! engine's interrupt reaches the host's MSI-X vector.
//!
//! An engine signals an interrupt *vector* into the tree; the vector sets
//! bit `vector % 32` of leaf register `vector / 32`. A leaf bit stays set
//! until the host writes 1 to it. Each pair of leaves forms a subtree, one
//! bit of `TOP`, pending when an enabled leaf bit of either leaf is set;
//! the function's MSI is sent when an enabled `TOP` bit becomes pending.
//! Engines signal on a transition of their interrupt, so a cause still
//! latched after the host cleared its leaf bit sends nothing more until
//! the engine is asked to retrigger (`NV_PFALCON_FALCON_INTR_RETRIGGER`).
//!
//! Offsets from NVIDIA open-gpu-kernel-modules
//! `src/common/inc/swref/published/ampere/ga102/dev_vm.h`
//! (`NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_*`, 8 leaves, one `TOP`) at the
//! physical function's `NV_VIRTUAL_FUNCTION_PRIV` base 0xb80000 (nouveau
//! `nvkm/subdev/vfn/ga100.c` `ga100_vfn_new`, GA10x's, with the interrupt
//! functions of `tu102.c`, which give the leaf to subtree mapping
//! `BIT(leaf / 2)` and the write-1-to-clear leaves).

/// BAR0 base of the physical function's `NV_VIRTUAL_FUNCTION_PRIV` block.
pub const VF_PRIV_BASE: u32 = 0x00b8_0000;
/// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF(i)`: pending vectors, write 1 to
/// clear.
pub const LEAF: u32 = VF_PRIV_BASE + 0x1000;
/// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF_EN_SET(i)`: write 1 to enable;
/// reads the enables.
pub const LEAF_EN_SET: u32 = VF_PRIV_BASE + 0x1200;
/// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF_EN_CLEAR(i)`: write 1 to
/// disable; reads the enables.
pub const LEAF_EN_CLEAR: u32 = VF_PRIV_BASE + 0x1400;
/// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_TOP(0)`: pending subtrees (read only).
pub const TOP: u32 = VF_PRIV_BASE + 0x1600;
/// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_TOP_EN_SET(0)`.
pub const TOP_EN_SET: u32 = VF_PRIV_BASE + 0x1608;
/// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_TOP_EN_CLEAR(0)`.
pub const TOP_EN_CLEAR: u32 = VF_PRIV_BASE + 0x1610;
/// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF_TRIGGER`: writing a vector
/// (bits 11:0) signals it as an engine would.
pub const LEAF_TRIGGER: u32 = VF_PRIV_BASE + 0x1640;
/// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF__SIZE_1` on GA102.
pub const LEAVES: usize = 8;
/// The `TOP` bits GA102 implements: one per pair of leaves.
pub const TOP_SUBTREES: u32 = (1 << (LEAVES / 2)) - 1;
/// Vectors the tree has.
pub const VECTORS: u32 = LEAVES as u32 * 32;

/// The leaf register index and bit of `vector`.
pub const fn leaf_of(vector: u32) -> (usize, u32) {
    ((vector / 32) as usize, 1 << (vector % 32))
}

/// The `TOP` bit of leaf `leaf`.
pub const fn subtree_of(leaf: usize) -> u32 {
    1 << (leaf / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_ga102s_dev_vm() {
        assert_eq!(LEAF, 0xb8_1000);
        assert_eq!(LEAF_EN_SET, 0xb8_1200);
        assert_eq!(LEAF_EN_CLEAR, 0xb8_1400);
        assert_eq!(TOP, 0xb8_1600);
        assert_eq!(TOP_EN_SET, 0xb8_1608);
        assert_eq!(TOP_EN_CLEAR, 0xb8_1610);
        assert_eq!(LEAF_TRIGGER, 0xb8_1640);
        // nouveau's rearm/unarm write 0xf: four subtrees over eight leaves.
        assert_eq!(TOP_SUBTREES, 0xf);
    }

    #[test]
    fn vectors_map_to_leaf_and_subtree() {
        // 155: leaf 4, bit 27 (the GSP's vector in NVIDIA's nova-core
        // interrupt series), in subtree 2.
        assert_eq!(leaf_of(155), (4, 1 << 27));
        assert_eq!(subtree_of(4), 1 << 2);
        assert_eq!(leaf_of(0), (0, 1));
        assert_eq!(leaf_of(VECTORS - 1), (LEAVES - 1, 1 << 31));
    }
}
