//! A virtual function's BAR0: the register window of an Ampere VF.
//!
//! A VF's BAR0 is the VF register window, the block the PF sees of every
//! VF at BAR0 0xB80000 (`NV_VIRTUAL_FUNCTION_FULL_PHYS_OFFSET`
//! 0xB80000..0xBBFFFF), at offset 0 of the VF's own BAR0: the privileged
//! part `NV_VIRTUAL_FUNCTION_PRIV` (0x0..0x2FFFF) and the user part
//! `NV_VIRTUAL_FUNCTION` (0x30000..0x3FFFF) (open-gpu-doc
//! `manuals/ampere/ga102/dev_vm.ref.txt`; open-gpu-kernel-modules 570.144
//! `published/ampere/ga102/dev_vm.h`, `turing/tu102/dev_vm.h`, and
//! `gpuGetVirtRegPhysOffset_TU102`, which gives RM running on a VF no
//! offset and RM on the PF 0xB80000 for the same registers). The model
//! has, of it:
//!
//! - the chip's identity as a VF reads it: `NV_PMC_BOOT_0` (0x0) and
//!   `NV_PMC_BOOT_42` (0xA00) as on the PF, and `NV_PMC_BOOT_1` (0x4) with
//!   `_VGPU` (17:16) `_VF` (2), which is how RM in a VM knows it runs on
//!   an SR-IOV VF (open-gpu-kernel-modules `nv_ref.h` `NV_PMC_BOOT_1_VGPU_VF`;
//!   `gpu_mgr.c` reads BOOT_0 and BOOT_42 from the function's BAR0 and
//!   `gpumgrGetGpuHalFactorOfVirtual` tests BOOT_1 there);
//! - the CPU interrupt tree, `NV_VIRTUAL_FUNCTION_PRIV_CPU_INTR_*`
//!   (0x1000..0x1644: 8 leaves, one `TOP`, the trigger), the same tree
//!   the PF has at 0xB81000 (`dev::cpu_intr`), whose `TOP` sends the VF's
//!   MSI-X vector 0;
//! - the mailbox scratch registers `NV_VIRTUAL_FUNCTION_PRIV_MAILBOX_SCRATCH(i)`
//!   (0x2100, 16 of them, read-write; their power-on value is unknown,
//!   `RWXVF`: the model's is 0), which guest RM and GSP-RM's vGPU plugin
//!   set their RPC channel up through (`nv_sriov_defines.h`
//!   `NV_VF_SCRATCH_REGISTER_GUEST_RPC_LO`/`_HI`);
//! - the privileged doorbell `NV_VIRTUAL_FUNCTION_PRIV_DOORBELL` (0x2200,
//!   write-only), which notifies GSP-RM's plugin for the VF with a handle
//!   (`NV_DOORBELL_NOTIFY_LEAF_VF_RPC_SETUP_HANDLE` 0, `_VF_RPC_MESSAGE_` 1;
//!   `intrTriggerPrivDoorbell_TU102`), and the user one
//!   `NV_VIRTUAL_FUNCTION_DOORBELL` (0x30090, write-only), the channels'
//!   work submission doorbell as on the PF (`nvgsp_proto::host::DOORBELL`);
//! - `NV_VIRTUAL_FUNCTION_CFG0` (0x30000): the user part's class,
//!   `_USERMODE_CLASS_ID_VALUE` 50273 (0xC461, `TURING_USERMODE_A`).
//!
//! Any other offset answers as an unmapped priv register does on the PF:
//! a read returns the PRI error pattern (`dev::bar0::PRI_ERROR`), a write
//! is dropped, and both are logged (`dev::vf`).

#[cfg(test)]
use crate::dev::bar0::PRI_ERROR;
use crate::dev::cpu_intr::CpuIntrTree;
use nvgsp_proto::chip::{self, ChipId};
use nvgsp_proto::intr;

/// Registers of the VF window, as offsets in the VF's BAR0.
pub mod reg {
    use nvgsp_proto::intr;

    /// `NV_PMC_BOOT_1`.
    pub const BOOT_1: u32 = 0x0000_0004;
    /// `NV_PMC_BOOT_1_VGPU_VF`: `_VGPU` (17:16) is 2 on a VF.
    pub const BOOT_1_VGPU_VF: u32 = 2 << 16;
    /// The CPU interrupt tree's registers: the PF's offsets
    /// (`nvgsp_proto::intr`) less the window's base there.
    pub const CPU_INTR: core::ops::RangeInclusive<u32> =
        intr::LEAF - intr::VF_PRIV_BASE..=intr::LEAF_TRIGGER - intr::VF_PRIV_BASE;
    /// `NV_VIRTUAL_FUNCTION_PRIV_MAILBOX_SCRATCH(i)`.
    pub const MAILBOX_SCRATCH: u32 = 0x0000_2100;
    /// `NV_VIRTUAL_FUNCTION_PRIV_MAILBOX_SCRATCH__SIZE_1`.
    pub const MAILBOX_SCRATCH_COUNT: usize = 16;
    /// `NV_VIRTUAL_FUNCTION_PRIV_DOORBELL`.
    pub const PRIV_DOORBELL: u32 = 0x0000_2200;
    /// `NV_VIRTUAL_FUNCTION_CFG0`.
    pub const CFG0: u32 = 0x0003_0000;
    /// `NV_VIRTUAL_FUNCTION_CFG0_USERMODE_CLASS_ID_VALUE` (50273).
    pub const USERMODE_CLASS_ID: u32 = 0xc461;
    /// `NV_VIRTUAL_FUNCTION_DOORBELL`.
    pub const DOORBELL: u32 = 0x0003_0090;
}

/// What a register write asks of the VF beyond storing a value.
#[derive(Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing further.
    None,
    /// The interrupt tree's message: send the VF's MSI-X vector 0.
    Interrupt,
    /// The privileged doorbell was rung with this handle, for GSP-RM's
    /// plugin of the VF.
    PrivDoorbell(u32),
    /// The channel doorbell was rung with this work-submit token.
    Doorbell(u32),
    /// A register the VF reads but cannot write: the write was dropped.
    ReadOnly,
    /// The window has no register there: the write was dropped.
    Unmodelled,
}

/// The registers of one VF's window.
pub struct Regs {
    chip: ChipId,
    tree: CpuIntrTree,
    mailbox: [u32; reg::MAILBOX_SCRATCH_COUNT],
}

impl Regs {
    /// The window of a VF of `chip`, in its reset state.
    pub fn new(chip: ChipId) -> Regs {
        Regs {
            chip,
            tree: CpuIntrTree::default(),
            mailbox: [0; reg::MAILBOX_SCRATCH_COUNT],
        }
    }

    /// Returns every register to its reset value (a VF FLR).
    pub fn reset(&mut self) {
        *self = Regs::new(self.chip);
    }

    /// Whether the interrupt tree holds the VF's MSI condition.
    pub fn asserted(&self) -> bool {
        self.tree.asserted()
    }

    /// The 32-bit register at `off` (4-byte aligned), `None` where the
    /// window has none.
    pub fn lookup(&self, off: u32) -> Option<u32> {
        if let Some(i) = mailbox(off) {
            return Some(self.mailbox[i]);
        }
        Some(match off {
            chip::NV_PMC_BOOT_0 => self.chip.boot0(),
            reg::BOOT_1 => reg::BOOT_1_VGPU_VF,
            chip::NV_PMC_BOOT_42 => self.chip.boot42(),
            o if reg::CPU_INTR.contains(&o) => return self.tree.read(o + intr::VF_PRIV_BASE),
            // Write-only (`-W-4R`); they read as 0, as the PF's doorbell.
            reg::PRIV_DOORBELL | reg::DOORBELL => 0,
            reg::CFG0 => reg::USERMODE_CLASS_ID,
            _ => return None,
        })
    }

    /// Reads the 32-bit register at `off`: the PRI error pattern where the
    /// window has none.
    #[cfg(test)]
    pub fn read32(&self, off: u32) -> u32 {
        self.lookup(off).unwrap_or(PRI_ERROR)
    }

    /// Writes the 32-bit register at `off` (4-byte aligned).
    pub fn write32(&mut self, off: u32, v: u32) -> Effect {
        if let Some(i) = mailbox(off) {
            self.mailbox[i] = v;
            return Effect::None;
        }
        match off {
            o if reg::CPU_INTR.contains(&o) => match self.tree.write(o + intr::VF_PRIV_BASE, v) {
                Some(true) => Effect::Interrupt,
                Some(false) => Effect::None,
                None => Effect::Unmodelled,
            },
            reg::PRIV_DOORBELL => Effect::PrivDoorbell(v),
            reg::DOORBELL => Effect::Doorbell(v),
            chip::NV_PMC_BOOT_0 | reg::BOOT_1 | chip::NV_PMC_BOOT_42 | reg::CFG0 => {
                Effect::ReadOnly
            }
            _ => Effect::Unmodelled,
        }
    }
}

/// The index of the mailbox scratch register at `off`.
fn mailbox(off: u32) -> Option<usize> {
    let i = (off.checked_sub(reg::MAILBOX_SCRATCH)? / 4) as usize;
    (off.is_multiple_of(4) && i < reg::MAILBOX_SCRATCH_COUNT).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_dev_vm_refs() {
        // dev_vm.ref.txt: the tree at 0x1000..0x1640 of the window.
        assert_eq!(reg::CPU_INTR, 0x1000..=0x1640);
        assert_eq!(
            reg::DOORBELL + intr::VF_PRIV_BASE,
            nvgsp_proto::host::DOORBELL
        );
        assert_eq!(reg::USERMODE_CLASS_ID, 50273);
    }

    #[test]
    fn a_vf_reads_the_chip_and_that_it_is_a_vf() {
        let r = Regs::new(ChipId::GA102_A1);
        assert_eq!(r.read32(0), ChipId::GA102_A1.boot0());
        assert_eq!(r.read32(0xa00), 0x172a_1000);
        assert_eq!(r.read32(4) >> 16 & 3, 2);
        assert_eq!(r.read32(0x30000), 0xc461);
        // The PF's registers are not a VF's: a PRI error.
        for off in [0x0011_8234, 0x0030_0000, 0x0f40, 0x2140, 0x3000, 0x30094] {
            assert_eq!(r.read32(off), PRI_ERROR, "{off:#x}");
        }
    }

    #[test]
    fn the_tree_sends_the_vfs_message_and_doorbells_are_effects() {
        let mut r = Regs::new(ChipId::GA102_A1);
        let (leaf, bit) = intr::leaf_of(129);
        let at = |pf: u32| pf - intr::VF_PRIV_BASE;
        assert_eq!(
            r.write32(at(intr::LEAF_EN_SET) + 4 * leaf as u32, bit),
            Effect::None
        );
        assert_eq!(
            r.write32(at(intr::TOP_EN_SET), intr::TOP_SUBTREES),
            Effect::None
        );
        assert_eq!(r.write32(at(intr::LEAF_TRIGGER), 129), Effect::Interrupt);
        assert!(r.asserted());
        assert_eq!(r.read32(at(intr::TOP)), intr::subtree_of(leaf));
        assert_eq!(
            r.write32(at(intr::LEAF) + 4 * leaf as u32, bit),
            Effect::None
        );
        assert!(!r.asserted());
        assert_eq!(
            r.write32(reg::DOORBELL, 0x0001_0005),
            Effect::Doorbell(0x0001_0005)
        );
        assert_eq!(r.write32(reg::PRIV_DOORBELL, 1), Effect::PrivDoorbell(1));
        assert_eq!(r.write32(0x2100 + 4 * 15, 0x1234), Effect::None);
        assert_eq!(r.read32(0x2100 + 4 * 15), 0x1234);
        assert_eq!(r.read32(0x2100 + 4 * 16), PRI_ERROR);
        assert_eq!(r.write32(0, 1), Effect::ReadOnly);
        assert_eq!(r.write32(0x0f40, 1), Effect::Unmodelled);
        r.write32(at(intr::LEAF_TRIGGER), 129);
        r.reset();
        assert!(!r.asserted());
        assert_eq!(r.read32(0x2100 + 4 * 15), 0);
    }
}
