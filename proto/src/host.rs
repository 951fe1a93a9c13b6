// SPDX-License-Identifier: GPL-2.0
//! The host's command formats on Ampere (host class `AMPERE_CHANNEL_GPFIFO_A`,
//! 0xc56f): a channel's USERD words, its GPFIFO entries, the pushbuffer's
//! method headers, the host methods below 0x100, and the doorbell that
//! tells the host a channel has new work.
//!
//! Sources: NVIDIA open-gpu-doc `classes/host/clc56f.h` (`Nvc56fControl`,
//! `NVC56F_GP_ENTRY*`, `NVC56F_DMA_*`, the host methods),
//! `manuals/ampere/ga100/dev_pbdma.ref.txt` (which methods are host
//! methods), `manuals/ampere/ga100/dev_ram.ref.txt` (USERD),
//! `manuals/ampere/ga102/dev_vm.ref.txt` (`NV_VIRTUAL_FUNCTION_DOORBELL`);
//! open-gpu-kernel-modules 570.144 `published/ampere/ga100/dev_ctrl.h`
//! (the doorbell token's fields); nouveau `nvif/chanc36f.c`,
//! `nvif/chan506f.c`, `include/nvif/push906f.h`, `gv100_fence.c`.

/// Bytes of a channel's USERD (`NV_RAMUSERD_BASE_SHIFT` 9).
pub const USERD_SIZE: u64 = 0x200;
/// `NV_RAMUSERD_GP_GET` (`Nvc56fControl.GPGet`): the GPFIFO entry the
/// host fetches next, an entry index; the host writes it back.
pub const USERD_GP_GET: u64 = 0x88;
/// `NV_RAMUSERD_GP_PUT` (`Nvc56fControl.GPPut`): the entry after the last
/// one the driver wrote, an entry index; the driver writes it.
pub const USERD_GP_PUT: u64 = 0x8c;

/// `NV_VIRTUAL_FUNCTION_DOORBELL`: written with a channel's work-submit
/// token, it makes the host look at the channel's GP_PUT. At 0x30090 in
/// the virtual function's register window, which is BAR0 0xB80000 on the
/// physical function (`NV_VIRTUAL_FUNCTION_FULL_PHYS_OFFSET`; RM
/// `kfifoUpdateUsermodeDoorbell_TU102`, nouveau `tu102_chan_start`).
pub const DOORBELL: u32 = 0x00b8_0000 + 0x3_0090;
/// `NV_CTRL_VF_DOORBELL_VECTOR` 11:0: the channel ID.
pub const TOKEN_CHID_MASK: u32 = 0xfff;
/// `NV_CTRL_VF_DOORBELL_RUNLIST_ID` 22:16.
pub const TOKEN_RUNLIST_SHIFT: u32 = 16;
/// `NV_CTRL_VF_DOORBELL_RUNLIST_ID`'s width.
pub const TOKEN_RUNLIST_MASK: u32 = 0x7f;

/// The work-submit token of channel `chid` on runlist `runlist`, as
/// CPU-RM (`kfifoGenerateWorkSubmitTokenHal_GA100`) and nouveau
/// (`tu102_chan_doorbell_handle`) make it; `None` if either does not fit
/// its field.
pub const fn doorbell_token(runlist: u32, chid: u32) -> Option<u32> {
    if runlist > TOKEN_RUNLIST_MASK || chid > TOKEN_CHID_MASK {
        return None;
    }
    Some(runlist << TOKEN_RUNLIST_SHIFT | chid)
}

/// The (runlist, channel ID) a token names; `None` if bits outside the
/// two fields are set.
pub const fn token_fields(token: u32) -> Option<(u32, u32)> {
    let known = TOKEN_RUNLIST_MASK << TOKEN_RUNLIST_SHIFT | TOKEN_CHID_MASK;
    if token & !known != 0 {
        return None;
    }
    Some((
        (token >> TOKEN_RUNLIST_SHIFT) & TOKEN_RUNLIST_MASK,
        token & TOKEN_CHID_MASK,
    ))
}

/// `NVC56F_GP_ENTRY__SIZE`: bytes of a GPFIFO entry.
pub const GP_ENTRY_SIZE: u64 = 8;
/// The VA bits a GPFIFO entry holds (`GET` 31:2 of ENTRY0, `GET_HI` 7:0
/// of ENTRY1: address bits 39:2).
pub const GP_ENTRY_VA_BITS: u32 = 40;
/// `NVC56F_GP_ENTRY1_LENGTH` 30:10: dwords of the segment.
pub const GP_ENTRY_MAX_DWORDS: u32 = (1 << 21) - 1;
const GP_LENGTH_SHIFT: u32 = 10;
/// `NVC56F_GP_ENTRY0_FETCH_CONDITIONAL` (bit 0).
const GP_FETCH_CONDITIONAL: u64 = 1;
/// `NVC56F_GP_ENTRY1_LEVEL_SUBROUTINE` (bit 9 of ENTRY1).
const GP_LEVEL_SUBROUTINE: u64 = 1 << (32 + 9);
/// `NVC56F_GP_ENTRY1_SYNC_WAIT` (bit 31 of ENTRY1; nouveau's
/// `no_prefetch`).
const GP_SYNC_WAIT: u64 = 1 << 63;

/// `NVC56F_GP_ENTRY1_OPCODE_*`: what a control entry (LENGTH 0) does.
pub mod gp_opcode {
    /// `_NOP`.
    pub const NOP: u8 = 0;
    /// `_ILLEGAL`: raises `NV_PPBDMA_INTR_0_GPENTRY`.
    pub const ILLEGAL: u8 = 1;
    /// `_GP_CRC`.
    pub const GP_CRC: u8 = 2;
    /// `_PB_CRC`.
    pub const PB_CRC: u8 = 3;
}

/// A decoded GPFIFO entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GpEntry {
    /// A pushbuffer segment: `dwords` dwords at VA `va`.
    Segment {
        /// The segment's VA (dword aligned, 40 bits).
        va: u64,
        /// Its length in dwords (not 0).
        dwords: u32,
        /// `LEVEL_SUBROUTINE`.
        subroutine: bool,
        /// `SYNC_WAIT`: wait for the previous segments to finish first.
        sync_wait: bool,
        /// `FETCH_CONDITIONAL`.
        conditional: bool,
    },
    /// A control entry (LENGTH 0): `opcode` with `operand` (ENTRY0).
    Control {
        /// `NVC56F_GP_ENTRY1_OPCODE`, see [`gp_opcode`].
        opcode: u8,
        /// `NVC56F_GP_ENTRY0_OPERAND`.
        operand: u32,
    },
}

/// The GPFIFO entry of a segment of `dwords` dwords at `va` (ENTRY0 in the
/// low word); `sync_wait` sets `SYNC_WAIT`. `None` if `va` is not dword
/// aligned or beyond 40 bits, or `dwords` is 0 or too many.
pub const fn gp_entry(va: u64, dwords: u32, sync_wait: bool) -> Option<u64> {
    if va & 3 != 0 || va >> GP_ENTRY_VA_BITS != 0 || dwords == 0 || dwords > GP_ENTRY_MAX_DWORDS {
        return None;
    }
    let e0 = va & 0xffff_fffc;
    let e1 = (va >> 32) | (dwords as u64) << GP_LENGTH_SHIFT;
    let sync = if sync_wait { GP_SYNC_WAIT } else { 0 };
    Some(e0 | e1 << 32 | sync)
}

/// Decodes GPFIFO entry `raw` (ENTRY0 in the low word).
pub const fn decode_gp_entry(raw: u64) -> GpEntry {
    let e0 = raw as u32;
    let e1 = (raw >> 32) as u32;
    let dwords = (e1 >> GP_LENGTH_SHIFT) & GP_ENTRY_MAX_DWORDS;
    if dwords == 0 {
        return GpEntry::Control {
            opcode: e1 as u8,
            operand: e0,
        };
    }
    GpEntry::Segment {
        va: (e1 as u64 & 0xff) << 32 | (e0 & 0xffff_fffc) as u64,
        dwords,
        subroutine: raw & GP_LEVEL_SUBROUTINE != 0,
        sync_wait: raw & GP_SYNC_WAIT != 0,
        conditional: raw & GP_FETCH_CONDITIONAL != 0,
    }
}

/// `NVC56F_DMA_SEC_OP` (31:29) values.
pub mod sec_op {
    /// `_GRP0_USE_TERT`: `TERT_OP` (17:16) says more; all-zero is a NOP.
    pub const GRP0_USE_TERT: u32 = 0;
    /// `_INC_METHOD`: COUNT dwords to consecutive methods.
    pub const INC_METHOD: u32 = 1;
    /// `_GRP2_USE_TERT`.
    pub const GRP2_USE_TERT: u32 = 2;
    /// `_NON_INC_METHOD`: COUNT dwords to one method.
    pub const NON_INC_METHOD: u32 = 3;
    /// `_IMMD_DATA_METHOD`: the data is in the header (28:16).
    pub const IMMD_DATA_METHOD: u32 = 4;
    /// `_ONE_INC`: the first dword to the method, the rest to the next.
    pub const ONE_INC: u32 = 5;
    /// `_RESERVED6`.
    pub const RESERVED6: u32 = 6;
    /// `_END_PB_SEGMENT`: the segment ends here.
    pub const END_PB_SEGMENT: u32 = 7;
}

const HDR_ADDRESS_MASK: u32 = 0xfff;
const HDR_SUBCH_SHIFT: u32 = 13;
const HDR_COUNT_SHIFT: u32 = 16;
const HDR_COUNT_MASK: u32 = 0x1fff;
const HDR_SEC_OP_SHIFT: u32 = 29;
/// The most dwords one header carries (`NVC56F_DMA_METHOD_COUNT` 28:16).
pub const MAX_METHOD_COUNT: u32 = HDR_COUNT_MASK;
/// The largest immediate (`NVC56F_DMA_IMMD_DATA` 28:16).
pub const MAX_IMMEDIATE: u32 = HDR_COUNT_MASK;
/// Subchannels (`NVC56F_DMA_METHOD_SUBCHANNEL` 15:13).
pub const SUBCHANNELS: u32 = 8;
/// The first of the software subchannels 5-7: a method on one is a
/// SW-class method, which the PBDMA hands to software
/// (`NV_PPBDMA_INTR_0_DEVICE`, open-gpu-doc ga100 `dev_pbdma.ref.txt`:
/// "For a software method, METHOD0_SUBCH will be 5, 6, or 7").
pub const FIRST_SW_SUBCHANNEL: u32 = 5;
/// The highest method address a header can name (`ADDRESS` 11:0, in
/// dwords); an INC or ONE_INC header whose methods would run past it is
/// invalid (`NV_PPBDMA_INTR_0_PBENTRY`: "the method addresses would
/// wrap").
pub const MAX_METHOD: u32 = HDR_ADDRESS_MASK << 2;

/// A decoded method header: methods are byte offsets (the header holds
/// them >> 2, `NVC56F_DMA_METHOD_ADDRESS` 11:0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Header {
    /// All zero: `NVC56F_DMA_NOP`.
    Nop,
    /// `INC_METHOD`.
    Inc {
        /// Subchannel.
        subch: u32,
        /// First method.
        method: u32,
        /// Data dwords after the header.
        count: u32,
    },
    /// `NON_INC_METHOD`.
    NonInc {
        /// Subchannel.
        subch: u32,
        /// The method.
        method: u32,
        /// Data dwords after the header.
        count: u32,
    },
    /// `ONE_INC`.
    OneInc {
        /// Subchannel.
        subch: u32,
        /// First method.
        method: u32,
        /// Data dwords after the header.
        count: u32,
    },
    /// `IMMD_DATA_METHOD`.
    Immediate {
        /// Subchannel.
        subch: u32,
        /// The method.
        method: u32,
        /// The data.
        data: u32,
    },
    /// `END_PB_SEGMENT`.
    EndSegment,
    /// Anything else (a TERT_OP, GRP2, RESERVED6): the host raises an
    /// error on it.
    Invalid(u32),
}

const fn header(op: u32, subch: u32, method: u32, count: u32) -> Option<u32> {
    if subch >= SUBCHANNELS
        || method & 3 != 0
        || method >> 2 > HDR_ADDRESS_MASK
        || count > HDR_COUNT_MASK
    {
        return None;
    }
    Some(op << HDR_SEC_OP_SHIFT | count << HDR_COUNT_SHIFT | subch << HDR_SUBCH_SHIFT | method >> 2)
}

/// An `INC_METHOD` header: `count` dwords to `method`, `method + 4`, ...
/// on `subch` (nouveau `NVVAL_X`/`PUSH_MTHD`). `None` if a field does not
/// fit.
pub const fn inc(subch: u32, method: u32, count: u32) -> Option<u32> {
    header(sec_op::INC_METHOD, subch, method, count)
}

/// A `NON_INC_METHOD` header: `count` dwords all to `method`.
pub const fn non_inc(subch: u32, method: u32, count: u32) -> Option<u32> {
    header(sec_op::NON_INC_METHOD, subch, method, count)
}

/// A `ONE_INC` header: the first dword to `method`, the rest to
/// `method + 4`.
pub const fn one_inc(subch: u32, method: u32, count: u32) -> Option<u32> {
    header(sec_op::ONE_INC, subch, method, count)
}

/// An `IMMD_DATA_METHOD` header: `data` (13 bits) to `method`, no data
/// dword follows.
pub const fn immediate(subch: u32, method: u32, data: u32) -> Option<u32> {
    header(sec_op::IMMD_DATA_METHOD, subch, method, data)
}

/// The `END_PB_SEGMENT` header.
pub const END_SEGMENT: u32 = sec_op::END_PB_SEGMENT << HDR_SEC_OP_SHIFT;

/// Decodes method header `raw`.
pub const fn decode_header(raw: u32) -> Header {
    if raw == 0 {
        return Header::Nop;
    }
    let subch = (raw >> HDR_SUBCH_SHIFT) & (SUBCHANNELS - 1);
    let method = (raw & HDR_ADDRESS_MASK) << 2;
    let count = (raw >> HDR_COUNT_SHIFT) & HDR_COUNT_MASK;
    match raw >> HDR_SEC_OP_SHIFT {
        sec_op::INC_METHOD => Header::Inc {
            subch,
            method,
            count,
        },
        sec_op::NON_INC_METHOD => Header::NonInc {
            subch,
            method,
            count,
        },
        sec_op::ONE_INC => Header::OneInc {
            subch,
            method,
            count,
        },
        sec_op::IMMD_DATA_METHOD => Header::Immediate {
            subch,
            method,
            data: count,
        },
        sec_op::END_PB_SEGMENT => Header::EndSegment,
        _ => Header::Invalid(raw),
    }
}

/// Methods below this are the host's (`dev_pbdma.ref.txt`: "Host method
/// ... below (left-shifted) address 0x100"); those at or above go to the
/// subchannel's engine object.
pub const FIRST_ENGINE_METHOD: u32 = 0x100;

/// Host methods (`NVC56F_*`, byte offsets).
pub mod method {
    /// `SET_OBJECT`: binds the subchannel to a class (`NVCLASS` 15:0,
    /// `ENGINE` 20:16).
    pub const SET_OBJECT: u32 = 0x00;
    /// `ILLEGAL`: always an error.
    pub const ILLEGAL: u32 = 0x04;
    /// `NOP`.
    pub const NOP: u32 = 0x08;
    /// `NON_STALL_INTERRUPT`: raises the channel's non-stall interrupt.
    pub const NON_STALL_INTERRUPT: u32 = 0x20;
    /// `MEM_OP_A`.
    pub const MEM_OP_A: u32 = 0x28;
    /// `MEM_OP_B`.
    pub const MEM_OP_B: u32 = 0x2c;
    /// `MEM_OP_C`.
    pub const MEM_OP_C: u32 = 0x30;
    /// `MEM_OP_D`: executes the memory operation.
    pub const MEM_OP_D: u32 = 0x34;
    /// `SET_REFERENCE`.
    pub const SET_REFERENCE: u32 = 0x50;
    /// `SEM_ADDR_LO`: `OFFSET` 31:2 (bits 1:0 ignored).
    pub const SEM_ADDR_LO: u32 = 0x5c;
    /// `SEM_ADDR_HI`: `OFFSET` 7:0, address bits 39:32.
    pub const SEM_ADDR_HI: u32 = 0x60;
    /// `SEM_PAYLOAD_LO`.
    pub const SEM_PAYLOAD_LO: u32 = 0x64;
    /// `SEM_PAYLOAD_HI`.
    pub const SEM_PAYLOAD_HI: u32 = 0x68;
    /// `SEM_EXECUTE`: runs the semaphore operation, see
    /// [`super::sem_execute`].
    pub const SEM_EXECUTE: u32 = 0x6c;
    /// `WFI`: waits for the engine to go idle.
    pub const WFI: u32 = 0x78;
    /// `YIELD`.
    pub const YIELD: u32 = 0x80;
    /// `CLEAR_FAULTED`.
    pub const CLEAR_FAULTED: u32 = 0x84;
}

/// `NVC56F_SET_OBJECT_NVCLASS` 15:0.
pub const SET_OBJECT_NVCLASS_MASK: u32 = 0xffff;

/// `NVC56F_MEM_OP_C_MEMBAR_TYPE_SYS_MEMBAR` (2:0 = 0).
pub const MEM_OP_C_SYS_MEMBAR: u32 = 0;
/// `NVC56F_MEM_OP_D_OPERATION` 31:27.
pub const MEM_OP_D_OPERATION_SHIFT: u32 = 27;
/// `NVC56F_MEM_OP_D_OPERATION_MEMBAR`.
pub const MEM_OP_D_OPERATION_MEMBAR: u32 = 5;

/// `NVC56F_SEM_EXECUTE`'s fields.
pub mod sem_execute {
    /// `OPERATION` 2:0.
    pub const OPERATION_MASK: u32 = 7;
    /// `_ACQUIRE`: wait until the semaphore equals the payload.
    pub const ACQUIRE: u32 = 0;
    /// `_RELEASE`: write the payload.
    pub const RELEASE: u32 = 1;
    /// `_ACQ_STRICT_GEQ`: wait until semaphore >= payload (unsigned).
    pub const ACQ_STRICT_GEQ: u32 = 2;
    /// `_ACQ_CIRC_GEQ`: wait until semaphore - payload, as signed, >= 0.
    pub const ACQ_CIRC_GEQ: u32 = 3;
    /// `_ACQ_AND`.
    pub const ACQ_AND: u32 = 4;
    /// `_ACQ_NOR`.
    pub const ACQ_NOR: u32 = 5;
    /// `_REDUCTION`.
    pub const REDUCTION: u32 = 6;
    /// `ACQUIRE_SWITCH_TSG_EN` (12).
    pub const ACQUIRE_SWITCH_TSG: u32 = 1 << 12;
    /// `RELEASE_WFI_EN` (20).
    pub const RELEASE_WFI: u32 = 1 << 20;
    /// `PAYLOAD_SIZE_64BIT` (24).
    pub const PAYLOAD_SIZE_64BIT: u32 = 1 << 24;
    /// `RELEASE_TIMESTAMP_EN` (25): a release writes 16 bytes, the
    /// payload then a timestamp at +8.
    pub const RELEASE_TIMESTAMP: u32 = 1 << 25;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_and_userd_are_the_manuals() {
        // dev_vm.ref.txt: NV_VIRTUAL_FUNCTION_DOORBELL 0x30090 in the
        // window at 0xB80000.
        assert_eq!(DOORBELL, 0x00bb_0090);
        // clc56f.h Nvc56fControl: GPGet at 0x88, GPPut at 0x8c.
        assert_eq!(
            (USERD_GP_GET, USERD_GP_PUT, USERD_SIZE),
            (0x88, 0x8c, 0x200)
        );
        assert_eq!(method::SEM_EXECUTE, 0x6c);
        assert_eq!(method::NON_STALL_INTERRUPT, 0x20);
    }

    #[test]
    fn tokens_are_runlist_and_channel() {
        // nouveau tu102_chan_doorbell_handle: runl->id << 16 | chan->id.
        assert_eq!(doorbell_token(3, 9), Some(0x3_0009));
        assert_eq!(doorbell_token(0x80, 1), None);
        assert_eq!(doorbell_token(0, 0x1000), None);
        assert_eq!(token_fields(0x3_0009), Some((3, 9)));
        assert_eq!(token_fields(0x0080_0001), None, "bit 23 is no field");
        assert_eq!(token_fields(0x1000), None, "bits 15:12 are no field");
    }

    #[test]
    fn gp_entries_are_nouveaus() {
        // nouveau nvif/chan506f.c: e0 = lower_32_bits(addr), e1 =
        // upper_32_bits(addr) | (size / 4) << 10 | no_prefetch << 31.
        let va = 0x12_3456_7890u64;
        let e = gp_entry(va, 0x40, false).unwrap();
        assert_eq!(e as u32, 0x3456_7890);
        assert_eq!((e >> 32) as u32, 0x12 | 0x40 << 10);
        assert_eq!(
            decode_gp_entry(e),
            GpEntry::Segment {
                va,
                dwords: 0x40,
                subroutine: false,
                sync_wait: false,
                conditional: false
            }
        );
        let e = gp_entry(va, 1, true).unwrap();
        assert_eq!(e >> 63, 1);
        assert_eq!(gp_entry(va + 2, 1, false), None);
        assert_eq!(gp_entry(1 << 40, 1, false), None);
        assert_eq!(gp_entry(va, 0, false), None);
        assert_eq!(gp_entry(va, 1 << 21, false), None);
        // LENGTH 0: a control entry, OPCODE in ENTRY1 7:0.
        assert_eq!(
            decode_gp_entry(1u64 << 32 | 0x55),
            GpEntry::Control {
                opcode: gp_opcode::ILLEGAL,
                operand: 0x55
            }
        );
    }

    #[test]
    fn headers_are_nouveaus() {
        // push906f.h: (mthd >> 2) | subc << 13 | count << 16 | op << 29.
        assert_eq!(inc(4, 0x300, 1), Some(0x2001_80c0));
        assert_eq!(non_inc(0, 0x5c, 2), Some(0x6002_0017));
        assert_eq!(one_inc(1, 0x400, 3), Some(0xa003_2100));
        assert_eq!(immediate(0, 0x20, 0), Some(0x8000_0008));
        assert_eq!(inc(8, 0, 1), None);
        assert_eq!(inc(0, 0x4000, 1), None);
        assert_eq!(inc(0, 2, 1), None);
        assert_eq!(inc(0, 0, 0x2000), None);
        assert_eq!(
            decode_header(0x2001_80c0),
            Header::Inc {
                subch: 4,
                method: 0x300,
                count: 1
            }
        );
        assert_eq!(
            decode_header(immediate(2, 0x100, 0x1234).unwrap()),
            Header::Immediate {
                subch: 2,
                method: 0x100,
                data: 0x1234
            }
        );
        assert_eq!(decode_header(0), Header::Nop);
        assert_eq!(decode_header(END_SEGMENT), Header::EndSegment);
        assert_eq!(decode_header(0x4001_0000), Header::Invalid(0x4001_0000));
        assert_eq!(decode_header(0xc000_0000), Header::Invalid(0xc000_0000));
        assert_eq!(decode_header(0x0001_0000), Header::Invalid(0x0001_0000));
    }

    #[test]
    fn sem_execute_is_nouveaus_release() {
        // gv100_fence_emit32: RELEASE | RELEASE_WFI_EN | PAYLOAD_SIZE_32BIT
        // | RELEASE_TIMESTAMP_DIS.
        assert_eq!(sem_execute::RELEASE | sem_execute::RELEASE_WFI, 0x0010_0001);
        assert_eq!(
            sem_execute::ACQ_CIRC_GEQ | sem_execute::ACQUIRE_SWITCH_TSG,
            0x1003
        );
        assert_eq!(
            MEM_OP_D_OPERATION_MEMBAR << MEM_OP_D_OPERATION_SHIFT,
            0x2800_0000
        );
    }
}
