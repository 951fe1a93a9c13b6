//! The copy engine (`AMPERE_DMA_COPY_B`, 0xc7b5) as a channel's
//! subchannel object: its methods are kept per channel, and `LAUNCH_DMA`
//! runs what they describe (methods and fields in `nvgsp_proto::copy`,
//! open-gpu-doc `clc7b5.h`):
//!
//! - the data transfer: a 1D copy (`MULTI_LINE_ENABLE` 0:
//!   `LINE_LENGTH_IN` bytes) or a 2D pitch copy (`LINE_COUNT` lines of
//!   `LINE_LENGTH_IN` bytes, `PITCH_IN`/`PITCH_OUT` apart; nouveau
//!   `nve0_bo_move_copy` moves buffers so, a page a line), from
//!   `OFFSET_IN` to `OFFSET_OUT`, each a VA in the channel's VA space or,
//!   with `SRC_TYPE`/`DST_TYPE` PHYSICAL, an address in the aperture
//!   `SET_SRC_PHYS_MODE`/`SET_DST_PHYS_MODE` names (LOCAL_FB: VRAM;
//!   COHERENT_SYSMEM, NONCOHERENT_SYSMEM: system memory). Physical mode
//!   needs a privileged channel (`internalFlags` PRIVILEGE ADMIN or
//!   KERNEL, open-gpu-kernel-modules `kernel_channel.c`: privileged
//!   channels exist "to perform actions such as updating page tables in
//!   physical mode"); a USER channel, or one allocated with
//!   `CHANNEL_DENY_PHYSICAL_MODE_CE` (which "will always result in an
//!   unprivileged channel", `alloc_channel.h`), gets a launch error;
//! - then the semaphore: `RELEASE_ONE_WORD` writes the payload (4 bytes,
//!   8 with `SEMAPHORE_PAYLOAD_SIZE` TWO_WORD), `RELEASE_FOUR_WORD` 16
//!   bytes, the payload then a timestamp at +8, at the VA
//!   `SET_SEMAPHORE_A`/`_B` name, aligned to its size;
//! - then the interrupt: `NON_BLOCKING` is the engine's non-stall
//!   interrupt (the CE's `NONBLOCKPIPE`, open-gpu-doc
//!   `ga102/dev_ce.ref.txt`).
//!
//! What the model does not implement is a launch error rather than a
//! wrong result: block-linear layouts, REMAP (memset), semaphore
//! reductions, the conditional-interrupt semaphore, BLOCKING interrupts
//! (a stall interrupt GSP-RM would service), conditional rendering
//! (`SET_RENDER_ENABLE_C` other than TRUE or FALSE), peer memory,
//! `VPRMODE` other than VPR_NONE, LAUNCH_DMA's reserved fields and
//! undefined bits, a physical side's `BASIC_KIND`, `PEER_ID` or `FLA`,
//! negative pitches. A multi-line copy whose line exceeds a pitch is a
//! launch error (`LAUNCHERR` SRC/DST_LINE_EXCEEDS_PITCH, ga102
//! `dev_ce.ref.txt`). A method the class does not have (clc7b5.h: 0x724
//! and 0x740 are gaps; `PM_TRIGGER_END` 0x1114 is one) is an error too. A launch error is the
//! engine's Xid (`ROBUST_CHANNEL_CE_ERROR(n)`, nverror.h); a fault during
//! the copy or the release is an MMU fault (Xid 31) at its VA.

use super::access::{Ctx, Space};
use super::pbdma::{self, Step, Stop};
use super::Channel;
use nvgsp_proto::copy::{
    address, interrupt, launch_bits, method as m, phys_mode, semaphore as sem, transfer, LaunchDma,
};

/// Methods of the class, by offset >> 2 (0x100..0x800).
const METHODS: usize = 0x800 / 4;

/// Work a channel may do in one turn of the host thread: bytes a copy
/// moves (each method dispatched counts 4) and copy lines. A copy that
/// needs more is carried on at the channel's next turn, so the channel
/// table is never held for longer than a turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Bytes left.
    pub bytes: u64,
    /// Copy lines left.
    pub lines: u64,
}

impl Budget {
    /// A turn's: 4 MiB or 4096 lines.
    pub const TURN: Budget = Budget {
        bytes: 4 << 20,
        lines: 4096,
    };

    /// Nothing left.
    pub fn spent(&self) -> bool {
        self.bytes == 0 || self.lines == 0
    }

    /// Takes `n` bytes (all that is left if fewer).
    pub fn take(&mut self, n: u64) {
        self.bytes = self.bytes.saturating_sub(n);
    }
}

/// A LAUNCH_DMA's data transfer under way: what it copies and how far it
/// got (line, then the offset in the line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Transfer {
    launch: u32,
    src_space: Space,
    dst_space: Space,
    src: u64,
    dst: u64,
    len: u64,
    lines: u64,
    pitch_in: u64,
    pitch_out: u64,
    line: u64,
    offset: u64,
}

/// The copy engine's method state for one channel.
#[derive(Clone, Debug)]
pub struct CopyEngine {
    methods: Vec<u32>,
    /// The launch whose transfer is not done yet.
    transfer: Option<Transfer>,
}

impl Default for CopyEngine {
    fn default() -> Self {
        let mut methods = vec![0; METHODS];
        // Rendering starts enabled (SET_RENDER_ENABLE_C_MODE_TRUE).
        methods[(m::SET_RENDER_ENABLE_C / 4) as usize] = 1;
        CopyEngine {
            methods,
            transfer: None,
        }
    }
}

impl CopyEngine {
    fn get(&self, method: u32) -> u32 {
        self.methods[(method / 4) as usize]
    }

    /// A launch's transfer is under way.
    pub fn busy(&self) -> bool {
        self.transfer.is_some()
    }
}

/// `ROBUST_CHANNEL_CE_ERROR(n)` for the copy engine of
/// `NV2080_ENGINE_TYPE` `engine` (nverror.h 570.144: CE0-2 39-41, CE3-5
/// 70-72, CE6-8 75-77, CE9 85); Xid 32 for an engine that is no copy
/// engine.
pub fn xid(engine: u32) -> u32 {
    const XIDS: [u32; 10] = [39, 40, 41, 70, 71, 72, 75, 76, 77, 85];
    engine
        .checked_sub(nvgsp_proto::gsp::class::NV2080_ENGINE_TYPE_COPY0)
        .and_then(|n| XIDS.get(n as usize).copied())
        .unwrap_or(pbdma::XID_PBDMA)
}

/// Whether the class has `method` (clc7b5.h).
fn is_method(method: u32) -> bool {
    matches!(
        method,
        m::NOP
            | m::PM_TRIGGER
            | m::SET_MONITORED_FENCE_TYPE..=m::SET_MONITORED_FENCE_SIGNAL_ADDR_BASE_LOWER
            | m::SET_SEMAPHORE_A..=m::SET_SEMAPHORE_PAYLOAD_UPPER
            | m::SET_RENDER_ENABLE_A..=m::SET_DST_PHYS_MODE
            | m::LAUNCH_DMA
            | m::OFFSET_IN_UPPER..=m::LINE_COUNT
            | m::SET_REMAP_CONST_A..=m::SET_DST_ORIGIN
            | m::SET_SRC_BLOCK_SIZE..=m::SET_SRC_ORIGIN
            | m::SRC_ORIGIN_X..=m::DST_ORIGIN_Y
            | m::PM_TRIGGER_END
    )
}

/// Method `method` with `data` for the copy object of channel `c`.
pub(super) fn method(
    c: &mut Channel,
    ctx: &Ctx<'_>,
    space: Space,
    method: u32,
    data: u32,
    budget: &mut Budget,
) -> Result<Step, Stop> {
    if !is_method(method) || !method.is_multiple_of(4) {
        return Err(Stop::Ce(format!(
            "method {method:#x} ({data:#x}) is not one of AMPERE_DMA_COPY_B's"
        )));
    }
    if method == m::PM_TRIGGER_END {
        // A performance monitor trigger: nothing to keep.
        return Ok(Step::Continue);
    }
    c.ce.methods[(method / 4) as usize] = data;
    if method == m::LAUNCH_DMA {
        return launch(c, ctx, space, data, budget);
    }
    Ok(Step::Continue)
}

/// Where an address of a launch points: `space` (the channel's VA space)
/// unless `physical`, then what `phys` (`SET_*_PHYS_MODE`) says.
fn space_of(c: &Channel, space: Space, physical: bool, phys: u32) -> Result<Space, String> {
    if !physical {
        return Ok(space);
    }
    if phys & phys_mode::OTHER_FIELDS != 0 {
        return Err(format!(
            "SET_*_PHYS_MODE {phys:#x}: BASIC_KIND, PEER_ID or FLA (not modelled)"
        ));
    }
    if c.setup.deny_physical_ce {
        return Err("physical mode on a channel allocated with DENY_PHYSICAL_MODE_CE".into());
    }
    if !c.setup.privileged {
        return Err("physical mode on an unprivileged (USER) channel".into());
    }
    match phys & phys_mode::TARGET_MASK {
        phys_mode::LOCAL_FB => Ok(Space::Video),
        phys_mode::COHERENT_SYSMEM | phys_mode::NONCOHERENT_SYSMEM => Ok(Space::Sys),
        _ => Err("a physical PEERMEM target (peer memory is not modelled)".into()),
    }
}

/// What the model refuses to launch (`data`, decoded as `l`), if
/// anything.
fn refused(data: u32, l: &LaunchDma, render: u32) -> Option<&'static str> {
    let copying = l.transfer != transfer::NONE;
    Some(match () {
        _ if data & launch_bits::VPRMODE != 0 => "VPRMODE other than VPR_NONE (not modelled)",
        _ if data & (launch_bits::RESERVED_START_OF_COPY | launch_bits::RESERVED_ERR_CODE) != 0 => {
            "a reserved field set (not modelled)"
        }
        _ if data & launch_bits::UNDEFINED != 0 => "bits 21:20, no field's, set",
        _ if l.transfer == 3 => "DATA_TRANSFER_TYPE 3 (no such type)",
        _ if copying && !(l.src_pitch && l.dst_pitch) => "a block-linear layout (not modelled)",
        _ if copying && l.remap => "REMAP_ENABLE (not modelled)",
        _ if l.reduction => "a semaphore reduction (not modelled)",
        _ if l.semaphore == sem::RELEASE_CONDITIONAL_INTR => {
            "the conditional-interrupt semaphore (not modelled)"
        }
        _ if l.interrupt == interrupt::BLOCKING => "a BLOCKING interrupt (not modelled)",
        _ if l.interrupt == 3 => "INTERRUPT_TYPE 3 (no such type)",
        _ if render > 1 => "conditional rendering (SET_RENDER_ENABLE_C, not modelled)",
        _ => return None,
    })
}

/// A launch error.
fn launch_error(data: u32, why: impl std::fmt::Display) -> Stop {
    Stop::Ce(format!("LAUNCH_DMA {data:#x}: {why}"))
}

/// `PITCH_IN`/`PITCH_OUT` as the signed 32-bit byte strides they are; a
/// negative one is refused (not modelled).
fn pitch(data: u32, which: &str, v: u32) -> Result<u64, Stop> {
    let p = v as i32;
    if p < 0 {
        return Err(launch_error(
            data,
            format!("{which} {p} is negative (not modelled)"),
        ));
    }
    Ok(p as u64)
}

fn launch(
    c: &mut Channel,
    ctx: &Ctx<'_>,
    space: Space,
    data: u32,
    budget: &mut Budget,
) -> Result<Step, Stop> {
    let l = LaunchDma::decode(data);
    let ce = &c.ce;
    let render = ce.get(m::SET_RENDER_ENABLE_C) & 7;
    if let Some(why) = refused(data, &l, render) {
        return Err(launch_error(data, why));
    }
    if l.transfer != transfer::NONE && render == 1 {
        let bad = |why: String| launch_error(data, why);
        let src_space =
            space_of(c, space, l.src_physical, ce.get(m::SET_SRC_PHYS_MODE)).map_err(bad)?;
        let dst_space =
            space_of(c, space, l.dst_physical, ce.get(m::SET_DST_PHYS_MODE)).map_err(bad)?;
        let src = address(ce.get(m::OFFSET_IN_UPPER), ce.get(m::OFFSET_IN_LOWER));
        let dst = address(ce.get(m::OFFSET_OUT_UPPER), ce.get(m::OFFSET_OUT_LOWER));
        let len = u64::from(ce.get(m::LINE_LENGTH_IN));
        let (mut lines, mut len, mut pitch_in, mut pitch_out) = (1, len, len, len);
        if l.multi_line {
            lines = u64::from(ce.get(m::LINE_COUNT));
            pitch_in = pitch(data, "PITCH_IN", ce.get(m::PITCH_IN))?;
            pitch_out = pitch(data, "PITCH_OUT", ce.get(m::PITCH_OUT))?;
            // dev_ce.ref.txt LAUNCHERR SRC_LINE_EXCEEDS_PITCH,
            // DST_LINE_EXCEEDS_PITCH.
            if len > pitch_in {
                return Err(bad(format!(
                    "LINE_LENGTH_IN {len:#x} exceeds PITCH_IN {pitch_in:#x} (SRC_LINE_EXCEEDS_PITCH)"
                )));
            }
            if len > pitch_out {
                return Err(bad(format!(
                    "LINE_LENGTH_IN {len:#x} exceeds PITCH_OUT {pitch_out:#x} (DST_LINE_EXCEEDS_PITCH)"
                )));
            }
            // Where the last line ends, on each side; an overflow is a
            // launch error, not a wrap.
            let end = |at: u64, pitch: u64| {
                lines
                    .checked_sub(1)
                    .map_or(Some(at), |n| n.checked_mul(pitch)?.checked_add(at))
                    .and_then(|a| a.checked_add(len))
            };
            if end(src, pitch_in).is_none() || end(dst, pitch_out).is_none() {
                return Err(bad(format!(
                    "{lines} lines of {len:#x} bytes run past the end of the address space"
                )));
            }
            if pitch_in == len && pitch_out == len {
                // Lines end to end on both sides: one run.
                len = len
                    .checked_mul(lines)
                    .ok_or_else(|| bad("the copy's size overflows".into()))?;
                (lines, pitch_in, pitch_out) = (1, len, len);
            }
        }
        c.ce.transfer = Some(Transfer {
            launch: data,
            src_space,
            dst_space,
            src,
            dst,
            len,
            lines,
            pitch_in,
            pitch_out,
            line: 0,
            offset: 0,
        });
        return resume(c, ctx, space, budget);
    }
    finish(c, ctx, space, data)?;
    Ok(Step::Continue)
}

/// Carries on the transfer under way, within `budget`; then the launch's
/// semaphore and interrupt. [`Step::Yield`] when the budget ran out
/// first.
pub(super) fn resume(
    c: &mut Channel,
    ctx: &Ctx<'_>,
    space: Space,
    budget: &mut Budget,
) -> Result<Step, Stop> {
    let Some(mut t) = c.ce.transfer.take() else {
        return Ok(Step::Continue);
    };
    let overflow = || launch_error(t.launch, "an address overflows");
    while t.line < t.lines {
        if budget.spent() {
            c.ce.transfer = Some(t);
            return Ok(Step::Yield);
        }
        let n = (t.len - t.offset).min(budget.bytes);
        if n > 0 {
            let at = |base: u64, pitch: u64| {
                t.line
                    .checked_mul(pitch)
                    .and_then(|a| a.checked_add(base))
                    .and_then(|a| a.checked_add(t.offset))
            };
            let s = at(t.src, t.pitch_in).ok_or_else(overflow)?;
            let d = at(t.dst, t.pitch_out).ok_or_else(overflow)?;
            ctx.copy(t.src_space, s, t.dst_space, d, n)
                .map_err(|f| Stop::Mmu(f, "a copy engine transfer"))?;
            budget.take(n);
            t.offset += n;
        }
        if t.offset == t.len {
            t.line += 1;
            t.offset = 0;
            budget.lines -= 1;
        }
    }
    finish(c, ctx, space, t.launch)?;
    Ok(Step::Continue)
}

/// A launch's semaphore release and interrupt, once its transfer is done.
fn finish(c: &mut Channel, ctx: &Ctx<'_>, space: Space, data: u32) -> Result<(), Stop> {
    let l = LaunchDma::decode(data);
    let ce = &c.ce;
    if l.semaphore != sem::NONE {
        let addr = address(ce.get(m::SET_SEMAPHORE_A), ce.get(m::SET_SEMAPHORE_B));
        let payload = u64::from(ce.get(m::SET_SEMAPHORE_PAYLOAD))
            | if l.payload_two_words {
                u64::from(ce.get(m::SET_SEMAPHORE_PAYLOAD_UPPER)) << 32
            } else {
                0
            };
        let n: u64 = match (l.semaphore, l.payload_two_words) {
            (sem::RELEASE_FOUR_WORD, _) => 16,
            (_, true) => 8,
            _ => 4,
        };
        if !addr.is_multiple_of(n) {
            return Err(launch_error(
                data,
                format!("semaphore address {addr:#x} is not {n}-byte aligned"),
            ));
        }
        let fault = |f| Stop::Mmu(f, "a copy engine semaphore release");
        if n == 16 {
            // The timestamp (bytes 8..16) before the payload (0..8), so
            // a waiter that sees the payload sees the timestamp.
            let ts = pbdma::timestamp().to_le_bytes();
            ctx.write(space, addr + 8, &ts).map_err(fault)?;
        }
        let p = payload.to_le_bytes();
        ctx.write(space, addr, &p[..n.min(8) as usize])
            .map_err(fault)?;
    }
    if l.interrupt == interrupt::NON_BLOCKING {
        pbdma::nonstall(c, ctx);
    }
    Ok(())
}
