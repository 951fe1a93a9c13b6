// SPDX-License-Identifier: GPL-2.0
//! The copy engine class GA102's channels use, `AMPERE_DMA_COPY_B`
//! (0xc7b5): its methods and the fields of `LAUNCH_DMA`, which starts a
//! copy with what the other methods set.
//!
//! Sources: NVIDIA open-gpu-doc `classes/dma-copy/clc7b5.h` (clc6b5.h
//! has the same offsets); how a copy is made of them, nouveau
//! `nouveau_boa0b5.c` (`nve0_bo_move_copy`: 2D pitch copies a page a line)
//! and `nouveau_bo.c` (0xc7b5 first for GA10x).

/// `AMPERE_DMA_COPY_B`.
pub const AMPERE_DMA_COPY_B: u32 = 0xc7b5;

/// `NVC7B5_*` methods (byte offsets on the copy object's subchannel).
pub mod method {
    /// `NOP`.
    pub const NOP: u32 = 0x100;
    /// `PM_TRIGGER`.
    pub const PM_TRIGGER: u32 = 0x140;
    /// `SET_MONITORED_FENCE_TYPE`.
    pub const SET_MONITORED_FENCE_TYPE: u32 = 0x21c;
    /// `SET_MONITORED_FENCE_SIGNAL_ADDR_BASE_UPPER`.
    pub const SET_MONITORED_FENCE_SIGNAL_ADDR_BASE_UPPER: u32 = 0x220;
    /// `SET_MONITORED_FENCE_SIGNAL_ADDR_BASE_LOWER`.
    pub const SET_MONITORED_FENCE_SIGNAL_ADDR_BASE_LOWER: u32 = 0x224;
    /// `SET_SEMAPHORE_A`: `UPPER` 16:0, semaphore address bits 48:32.
    pub const SET_SEMAPHORE_A: u32 = 0x240;
    /// `SET_SEMAPHORE_B`: `LOWER` 31:0.
    pub const SET_SEMAPHORE_B: u32 = 0x244;
    /// `SET_SEMAPHORE_PAYLOAD`.
    pub const SET_SEMAPHORE_PAYLOAD: u32 = 0x248;
    /// `SET_SEMAPHORE_PAYLOAD_UPPER` (a two-word payload's upper word).
    pub const SET_SEMAPHORE_PAYLOAD_UPPER: u32 = 0x24c;
    /// `SET_RENDER_ENABLE_A`.
    pub const SET_RENDER_ENABLE_A: u32 = 0x254;
    /// `SET_RENDER_ENABLE_B`.
    pub const SET_RENDER_ENABLE_B: u32 = 0x258;
    /// `SET_RENDER_ENABLE_C`: `MODE` 2:0 (0 FALSE, 1 TRUE, 2 CONDITIONAL,
    /// 3 RENDER_IF_EQUAL, 4 RENDER_IF_NOT_EQUAL).
    pub const SET_RENDER_ENABLE_C: u32 = 0x25c;
    /// `SET_SRC_PHYS_MODE`: see [`super::phys_mode`].
    pub const SET_SRC_PHYS_MODE: u32 = 0x260;
    /// `SET_DST_PHYS_MODE`.
    pub const SET_DST_PHYS_MODE: u32 = 0x264;
    /// `LAUNCH_DMA`: see [`super::LaunchDma`].
    pub const LAUNCH_DMA: u32 = 0x300;
    /// `OFFSET_IN_UPPER`: `UPPER` 16:0.
    pub const OFFSET_IN_UPPER: u32 = 0x400;
    /// `OFFSET_IN_LOWER`.
    pub const OFFSET_IN_LOWER: u32 = 0x404;
    /// `OFFSET_OUT_UPPER`: `UPPER` 16:0.
    pub const OFFSET_OUT_UPPER: u32 = 0x408;
    /// `OFFSET_OUT_LOWER`.
    pub const OFFSET_OUT_LOWER: u32 = 0x40c;
    /// `PITCH_IN`: bytes from one source line to the next.
    pub const PITCH_IN: u32 = 0x410;
    /// `PITCH_OUT`: bytes from one destination line to the next.
    pub const PITCH_OUT: u32 = 0x414;
    /// `LINE_LENGTH_IN`: bytes of a line.
    pub const LINE_LENGTH_IN: u32 = 0x418;
    /// `LINE_COUNT`: lines of a multi-line copy.
    pub const LINE_COUNT: u32 = 0x41c;
    /// `SET_REMAP_CONST_A`.
    pub const SET_REMAP_CONST_A: u32 = 0x700;
    /// `SET_REMAP_CONST_B`.
    pub const SET_REMAP_CONST_B: u32 = 0x704;
    /// `SET_REMAP_COMPONENTS`.
    pub const SET_REMAP_COMPONENTS: u32 = 0x708;
    /// `SET_DST_BLOCK_SIZE`, the first of the block-linear methods.
    pub const SET_DST_BLOCK_SIZE: u32 = 0x70c;
    /// `SET_DST_ORIGIN`, the last destination block-linear method before
    /// the gap at 0x724.
    pub const SET_DST_ORIGIN: u32 = 0x720;
    /// `SET_SRC_BLOCK_SIZE`.
    pub const SET_SRC_BLOCK_SIZE: u32 = 0x728;
    /// `SET_SRC_ORIGIN`, the last before the gap at 0x740.
    pub const SET_SRC_ORIGIN: u32 = 0x73c;
    /// `SRC_ORIGIN_X`.
    pub const SRC_ORIGIN_X: u32 = 0x744;
    /// `DST_ORIGIN_Y`, the last method of the 0x700 block.
    pub const DST_ORIGIN_Y: u32 = 0x750;
    /// `PM_TRIGGER_END`, the class's highest method.
    pub const PM_TRIGGER_END: u32 = 0x1114;
}

/// `SET_SRC_PHYS_MODE`/`SET_DST_PHYS_MODE` `TARGET` (1:0): where a
/// physical address points.
pub mod phys_mode {
    /// `TARGET` 1:0.
    pub const TARGET_MASK: u32 = 3;
    /// `_LOCAL_FB`: VRAM.
    pub const LOCAL_FB: u32 = 0;
    /// `_COHERENT_SYSMEM`.
    pub const COHERENT_SYSMEM: u32 = 1;
    /// `_NONCOHERENT_SYSMEM`.
    pub const NONCOHERENT_SYSMEM: u32 = 2;
    /// `_PEERMEM`.
    pub const PEERMEM: u32 = 3;
    /// `BASIC_KIND` 5:2, `PEER_ID` 8:6, `FLA` 9: the fields besides
    /// TARGET.
    pub const OTHER_FIELDS: u32 = 0xf << 2 | 7 << 6 | 1 << 9;
}

/// `LAUNCH_DMA` bits the model does not decode into [`LaunchDma`]: those
/// it must refuse rather than ignore.
pub mod launch_bits {
    /// `VPRMODE` 23:22 (VPR_NONE 0).
    pub const VPRMODE: u32 = 3 << 22;
    /// `RESERVED_START_OF_COPY` 24.
    pub const RESERVED_START_OF_COPY: u32 = 1 << 24;
    /// `RESERVED_ERR_CODE` 31:28.
    pub const RESERVED_ERR_CODE: u32 = 0xf << 28;
    /// Bits 21:20, no field's.
    pub const UNDEFINED: u32 = 3 << 20;
}

/// The address bits the `*_UPPER` methods hold (`UPPER` 16:0 over bits
/// 48:32).
pub const ADDRESS_BITS: u32 = 49;

/// `LAUNCH_DMA_DATA_TRANSFER_TYPE` (1:0).
pub mod transfer {
    /// `_NONE`: no copy (a semaphore or interrupt alone).
    pub const NONE: u32 = 0;
    /// `_PIPELINED`.
    pub const PIPELINED: u32 = 1;
    /// `_NON_PIPELINED`: waits for the previous copy.
    pub const NON_PIPELINED: u32 = 2;
}

/// `LAUNCH_DMA_SEMAPHORE_TYPE` (4:3).
pub mod semaphore {
    /// `_NONE`.
    pub const NONE: u32 = 0;
    /// `_RELEASE_ONE_WORD_SEMAPHORE`: the payload alone.
    pub const RELEASE_ONE_WORD: u32 = 1;
    /// `_RELEASE_FOUR_WORD_SEMAPHORE`: the payload, then a timestamp at +8
    /// (16 bytes).
    pub const RELEASE_FOUR_WORD: u32 = 2;
    /// `_RELEASE_CONDITIONAL_INTR_SEMAPHORE`.
    pub const RELEASE_CONDITIONAL_INTR: u32 = 3;
}

/// `LAUNCH_DMA_INTERRUPT_TYPE` (6:5).
pub mod interrupt {
    /// `_NONE`.
    pub const NONE: u32 = 0;
    /// `_BLOCKING`: a stalling interrupt (GSP-RM's).
    pub const BLOCKING: u32 = 1;
    /// `_NON_BLOCKING`: the engine's non-stall interrupt.
    pub const NON_BLOCKING: u32 = 2;
}

/// `LAUNCH_DMA`'s fields (`NVC7B5_LAUNCH_DMA_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LaunchDma {
    /// `DATA_TRANSFER_TYPE` 1:0 ([`transfer`]).
    pub transfer: u32,
    /// `FLUSH_ENABLE` 2.
    pub flush: bool,
    /// `SEMAPHORE_TYPE` 4:3 ([`semaphore`]).
    pub semaphore: u32,
    /// `INTERRUPT_TYPE` 6:5 ([`interrupt`]).
    pub interrupt: u32,
    /// `SRC_MEMORY_LAYOUT` 7: pitch (true) or block linear.
    pub src_pitch: bool,
    /// `DST_MEMORY_LAYOUT` 8: pitch (true) or block linear.
    pub dst_pitch: bool,
    /// `MULTI_LINE_ENABLE` 9.
    pub multi_line: bool,
    /// `REMAP_ENABLE` 10.
    pub remap: bool,
    /// `SRC_TYPE` 12: physical (true) or virtual.
    pub src_physical: bool,
    /// `DST_TYPE` 13: physical (true) or virtual.
    pub dst_physical: bool,
    /// `SEMAPHORE_REDUCTION_ENABLE` 19.
    pub reduction: bool,
    /// `FLUSH_TYPE` 25: GL (true) or SYS.
    pub flush_gl: bool,
    /// `SEMAPHORE_PAYLOAD_SIZE` 27: two words (true) or one.
    pub payload_two_words: bool,
}

const FLUSH: u32 = 1 << 2;
const SEM_SHIFT: u32 = 3;
const INTR_SHIFT: u32 = 5;
const SRC_PITCH: u32 = 1 << 7;
const DST_PITCH: u32 = 1 << 8;
const MULTI_LINE: u32 = 1 << 9;
const REMAP: u32 = 1 << 10;
const SRC_PHYSICAL: u32 = 1 << 12;
const DST_PHYSICAL: u32 = 1 << 13;
const REDUCTION: u32 = 1 << 19;
const FLUSH_GL: u32 = 1 << 25;
const PAYLOAD_TWO_WORDS: u32 = 1 << 27;

const fn bit(on: bool, b: u32) -> u32 {
    if on {
        b
    } else {
        0
    }
}

impl LaunchDma {
    /// The method's data.
    pub const fn encode(&self) -> u32 {
        (self.transfer & 3)
            | bit(self.flush, FLUSH)
            | (self.semaphore & 3) << SEM_SHIFT
            | (self.interrupt & 3) << INTR_SHIFT
            | bit(self.src_pitch, SRC_PITCH)
            | bit(self.dst_pitch, DST_PITCH)
            | bit(self.multi_line, MULTI_LINE)
            | bit(self.remap, REMAP)
            | bit(self.src_physical, SRC_PHYSICAL)
            | bit(self.dst_physical, DST_PHYSICAL)
            | bit(self.reduction, REDUCTION)
            | bit(self.flush_gl, FLUSH_GL)
            | bit(self.payload_two_words, PAYLOAD_TWO_WORDS)
    }

    /// The fields of `v` (the reduction's operation and sign, VPR mode,
    /// `FORCE_RMWDISABLE`, `DISABLE_PLC` and the reserved fields are not
    /// kept).
    pub const fn decode(v: u32) -> LaunchDma {
        LaunchDma {
            transfer: v & 3,
            flush: v & FLUSH != 0,
            semaphore: (v >> SEM_SHIFT) & 3,
            interrupt: (v >> INTR_SHIFT) & 3,
            src_pitch: v & SRC_PITCH != 0,
            dst_pitch: v & DST_PITCH != 0,
            multi_line: v & MULTI_LINE != 0,
            remap: v & REMAP != 0,
            src_physical: v & SRC_PHYSICAL != 0,
            dst_physical: v & DST_PHYSICAL != 0,
            reduction: v & REDUCTION != 0,
            flush_gl: v & FLUSH_GL != 0,
            payload_two_words: v & PAYLOAD_TWO_WORDS != 0,
        }
    }

    /// A pitch-to-pitch copy as nouveau makes its buffer moves
    /// (`nve0_bo_move_copy`: `NON_PIPELINED | FLUSH | PITCH | PITCH |
    /// MULTI_LINE` (if `multi_line`), both virtual), with nothing after it.
    pub const fn pitch_copy(multi_line: bool) -> LaunchDma {
        LaunchDma {
            transfer: transfer::NON_PIPELINED,
            flush: true,
            semaphore: semaphore::NONE,
            interrupt: interrupt::NONE,
            src_pitch: true,
            dst_pitch: true,
            multi_line,
            remap: false,
            src_physical: false,
            dst_physical: false,
            reduction: false,
            flush_gl: false,
            payload_two_words: false,
        }
    }
}

/// `OFFSET_*_UPPER`'s and `SET_SEMAPHORE_A`'s word for `addr`
/// (bits 48:32).
pub const fn upper(addr: u64) -> u32 {
    ((addr >> 32) & 0x1_ffff) as u32
}

/// The low word (`*_LOWER`, `SET_SEMAPHORE_B`).
pub const fn lower(addr: u64) -> u32 {
    addr as u32
}

/// The address an `UPPER`/`LOWER` pair names (`UPPER` 16:0).
pub const fn address(upper: u32, lower: u32) -> u64 {
    ((upper & 0x1_ffff) as u64) << 32 | lower as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_clc7b5() {
        assert_eq!(method::SET_SEMAPHORE_A, 0x240);
        assert_eq!(method::SET_SEMAPHORE_PAYLOAD, 0x248);
        assert_eq!(method::SET_SRC_PHYS_MODE, 0x260);
        assert_eq!(method::LAUNCH_DMA, 0x300);
        assert_eq!(method::OFFSET_OUT_LOWER, 0x40c);
        assert_eq!(method::LINE_COUNT, 0x41c);
        assert_eq!(method::DST_ORIGIN_Y, 0x750);
        assert_eq!(phys_mode::NONCOHERENT_SYSMEM, 2);
    }

    #[test]
    fn launch_dma_fields_are_clc7b5() {
        // nouveau nve0_bo_move_copy: 0x00000386 = NON_PIPELINED | FLUSH |
        // SRC and DST PITCH | MULTI_LINE.
        assert_eq!(LaunchDma::pitch_copy(true).encode(), 0x0000_0386);
        let l = LaunchDma {
            semaphore: semaphore::RELEASE_FOUR_WORD,
            interrupt: interrupt::NON_BLOCKING,
            src_physical: true,
            dst_physical: true,
            payload_two_words: true,
            ..LaunchDma::pitch_copy(false)
        };
        // SEMAPHORE_TYPE 4:3 = 2, INTERRUPT_TYPE 6:5 = 2, SRC_TYPE 12,
        // DST_TYPE 13, SEMAPHORE_PAYLOAD_SIZE 27.
        assert_eq!(l.encode(), 0x0800_3000 | 0x186 | 2 << 3 | 2 << 5);
        assert_eq!(LaunchDma::decode(l.encode()), l);
    }

    #[test]
    fn addresses_split_at_bit_32() {
        let a = 0x1_2345_6789_abcd;
        assert_eq!((upper(a), lower(a)), (0x1_2345, 0x6789_abcd));
        assert_eq!(address(upper(a), lower(a)), a);
        assert_eq!(address(0xffff_ffff, 0), 0x1_ffff_0000_0000);
    }
}
