// SPDX-License-Identifier: GPL-2.0

//! The CPU interrupt tree of the PCI function: the only way an engine's
//! interrupt reaches the core's MSI-X vector. An engine signals a vector;
//! the vector's leaf bit must be enabled (`LEAF_EN_SET`) and its subtree
//! enabled at the top (`TOP_EN_SET`) for the function's message to be
//! sent. A handled vector is acknowledged by writing its leaf bit back
//! (write 1 to clear) *before* the engine's own cause is cleared, so a
//! cause raised meanwhile signals again (nouveau
//! `nvkm/subdev/vfn/tu102.c` and `core/intr.c` `nvkm_intr`).
//!
//! The vectors are GSP-RM's to assign: the core enables the GSP's from
//! GSP-RM's kernel interrupt table (`gsp/intr_table.rs`).

use kernel::{
    io::{
        register,
        register::{
            Array,
            Register, //
        },
        Io, //
    },
    prelude::*,
};

use kernel::num::casts::u32_as_usize;

use crate::{
    bar::Bar0,
    proto::intr as proto, //
};

register! {
    /// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF(i)`: pending vectors
    /// `32 * i + bit`; writing 1 clears.
    pub(crate) NV_CPU_INTR_LEAF(u32)[8] @ 0x00b81000 {
        31:0    vectors;
    }

    /// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF_EN_SET(i)`: writing 1
    /// enables a vector.
    pub(crate) NV_CPU_INTR_LEAF_EN_SET(u32)[8] @ 0x00b81200 {
        31:0    vectors;
    }

    /// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF_EN_CLEAR(i)`: writing 1
    /// disables a vector.
    pub(crate) NV_CPU_INTR_LEAF_EN_CLEAR(u32)[8] @ 0x00b81400 {
        31:0    vectors;
    }

    /// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_TOP_EN_SET(0)`: writing 1
    /// enables a subtree (two leaves).
    pub(crate) NV_CPU_INTR_TOP_EN_SET(u32) @ 0x00b81608 {
        31:0    subtrees;
    }

    /// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_TOP_EN_CLEAR(0)`.
    pub(crate) NV_CPU_INTR_TOP_EN_CLEAR(u32) @ 0x00b81610 {
        31:0    subtrees;
    }

    /// `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_LEAF_TRIGGER`: signals a vector
    /// as an engine would.
    pub(crate) NV_CPU_INTR_LEAF_TRIGGER(u32) @ 0x00b81640 {
        11:0    vector;
    }
}

const _: () = {
    assert!(NV_CPU_INTR_LEAF::OFFSET == u32_as_usize(proto::LEAF));
    assert!(NV_CPU_INTR_LEAF_EN_SET::OFFSET == u32_as_usize(proto::LEAF_EN_SET));
    assert!(NV_CPU_INTR_LEAF_EN_CLEAR::OFFSET == u32_as_usize(proto::LEAF_EN_CLEAR));
    assert!(NV_CPU_INTR_TOP_EN_SET::OFFSET == u32_as_usize(proto::TOP_EN_SET));
    assert!(NV_CPU_INTR_TOP_EN_CLEAR::OFFSET == u32_as_usize(proto::TOP_EN_CLEAR));
    assert!(NV_CPU_INTR_LEAF_TRIGGER::OFFSET == u32_as_usize(proto::LEAF_TRIGGER));
    assert!(proto::LEAVES == 8);
};

/// A vector of the tree, checked to be one the tree has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IntrVector(u32);

impl IntrVector {
    /// `vector`, if the tree has it.
    pub(crate) fn new(vector: u32) -> Option<Self> {
        (vector < proto::VECTORS).then_some(Self(vector))
    }

    /// The vector's number.
    pub(crate) fn raw(self) -> u32 {
        self.0
    }

    /// The leaf register index and the vector's bit in it.
    pub(crate) fn leaf(self) -> (usize, u32) {
        proto::leaf_of(self.0)
    }

    /// Enables the vector at its leaf and its subtree at the top, after
    /// clearing a leaf bit left over from before (which, still set, would
    /// keep any new signal from sending the message).
    pub(crate) fn enable(self, bar: Bar0<'_>) {
        let (leaf, bit) = self.leaf();
        ack(bar, leaf, bit);
        if let Some(at) = NV_CPU_INTR_LEAF_EN_SET::try_at(leaf) {
            bar.write(at, NV_CPU_INTR_LEAF_EN_SET::zeroed().with_vectors(bit));
        }
        bar.write_reg(NV_CPU_INTR_TOP_EN_SET::zeroed().with_subtrees(proto::subtree_of(leaf)));
    }

    /// Disables the vector at its leaf and its subtree at the top (the
    /// GSP's vector, whose subtree goes with it when GSP-RM stops).
    pub(crate) fn disable(self, bar: Bar0<'_>) {
        let (leaf, bit) = self.leaf();
        bar.write_reg(NV_CPU_INTR_TOP_EN_CLEAR::zeroed().with_subtrees(proto::subtree_of(leaf)));
        if let Some(at) = NV_CPU_INTR_LEAF_EN_CLEAR::try_at(leaf) {
            bar.write(at, NV_CPU_INTR_LEAF_EN_CLEAR::zeroed().with_vectors(bit));
        }
    }

    /// Disables the vector at its leaf only (its subtree may hold others
    /// still enabled).
    pub(crate) fn disable_leaf(self, bar: Bar0<'_>) {
        let (leaf, bit) = self.leaf();
        if let Some(at) = NV_CPU_INTR_LEAF_EN_CLEAR::try_at(leaf) {
            bar.write(at, NV_CPU_INTR_LEAF_EN_CLEAR::zeroed().with_vectors(bit));
        }
    }

    /// Signals the vector through the tree's trigger register, as its
    /// engine would (the interrupt self-test).
    pub(crate) fn trigger(self, bar: Bar0<'_>) -> Result {
        bar.write_reg(NV_CPU_INTR_LEAF_TRIGGER::zeroed().try_with_vector(self.0)?);
        Ok(())
    }

    /// Acknowledges the vector: clears its leaf bit (write 1 to clear)
    /// without reading the leaf first (a clear bit stays clear). The
    /// handler acknowledges every vector the core enabled on every
    /// interrupt and lets each cause's handler look whether it has work
    /// (GSP-RM's queue, the channels' semaphores): one BAR read cheaper
    /// on every interrupt.
    pub(crate) fn ack(self, bar: Bar0<'_>) {
        let (leaf, bit) = self.leaf();
        ack(bar, leaf, bit);
    }
}

/// The subtrees (top enable bits) of `vector`.
pub(crate) fn subtrees_of(vector: IntrVector) -> u32 {
    proto::subtree_of(vector.leaf().0)
}

/// Disables `subtrees` at the top: the tree stops asserting the message
/// for them while the hard handler acknowledges their vectors (nouveau
/// `nvkm_intr` unarms before it handles, `tu102_vfn_intr_unarm`).
pub(crate) fn unarm(bar: Bar0<'_>, subtrees: u32) {
    bar.write_reg(NV_CPU_INTR_TOP_EN_CLEAR::zeroed().with_subtrees(subtrees));
}

/// Enables `subtrees` at the top again: a vector signalled while they were
/// unarmed, and not acknowledged, sends the message anew. The vectors share
/// one message, which is sent when the tree starts asserting it: without
/// this, a vector signalled beside another still pending would never send
/// one (nouveau `tu102_vfn_intr_rearm`).
pub(crate) fn rearm(bar: Bar0<'_>, subtrees: u32) {
    bar.write_reg(NV_CPU_INTR_TOP_EN_SET::zeroed().with_subtrees(subtrees));
}

/// Clears `bit` of leaf register `leaf` (write 1 to clear).
fn ack(bar: Bar0<'_>, leaf: usize, bit: u32) {
    if let Some(at) = NV_CPU_INTR_LEAF::try_at(leaf) {
        bar.write(at, NV_CPU_INTR_LEAF::zeroed().with_vectors(bit));
    }
}
