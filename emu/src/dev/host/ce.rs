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
//!   COHERENT_SYSMEM, NONCOHERENT_SYSMEM: system memory). A channel
//!   allocated with `CHANNEL_DENY_PHYSICAL_MODE_CE` may not use physical
//!   mode (open-gpu-kernel-modules `alloc_channel.h`);
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
//! (`SET_RENDER_ENABLE_C` other than TRUE or FALSE), peer memory. A
//! method the class does not have is an error too. A launch error is the
//! engine's Xid (`ROBUST_CHANNEL_CE_ERROR(n)`, nverror.h); a fault during
//! the copy or the release is an MMU fault (Xid 31) at its VA.

use super::access::{Ctx, Space};
use super::pbdma::{self, Step, Stop};
use super::Channel;
use nvgsp_proto::copy::{
    address, interrupt, method as m, phys_mode, semaphore as sem, transfer, LaunchDma,
};

/// Methods of the class, by offset >> 2 (0x100..0x800).
const METHODS: usize = 0x800 / 4;

/// The copy engine's method state for one channel.
#[derive(Clone, Debug)]
pub struct CopyEngine {
    methods: Vec<u32>,
}

impl Default for CopyEngine {
    fn default() -> Self {
        let mut methods = vec![0; METHODS];
        // Rendering starts enabled (SET_RENDER_ENABLE_C_MODE_TRUE).
        methods[(m::SET_RENDER_ENABLE_C / 4) as usize] = 1;
        CopyEngine { methods }
    }
}

impl CopyEngine {
    fn get(&self, method: u32) -> u32 {
        self.methods[(method / 4) as usize]
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
            | m::SET_REMAP_CONST_A..=m::DST_ORIGIN_Y
    )
}

/// Method `method` with `data` for the copy object of channel `c`.
pub(super) fn method(
    c: &mut Channel,
    ctx: &Ctx<'_>,
    space: Space,
    method: u32,
    data: u32,
) -> Result<Step, Stop> {
    if !is_method(method) || !method.is_multiple_of(4) {
        return Err(Stop::Ce(format!(
            "method {method:#x} ({data:#x}) is not one of AMPERE_DMA_COPY_B's"
        )));
    }
    c.ce.methods[(method / 4) as usize] = data;
    if method == m::LAUNCH_DMA {
        launch(c, ctx, space, data)?;
    }
    Ok(Step::Continue)
}

/// Where an address of a launch points: `space` (the channel's VA space)
/// unless `physical`, then what `phys` (`SET_*_PHYS_MODE`) says.
fn space_of(c: &Channel, space: Space, physical: bool, phys: u32) -> Result<Space, String> {
    if !physical {
        return Ok(space);
    }
    if c.setup.deny_physical_ce {
        return Err("physical mode on a channel allocated with DENY_PHYSICAL_MODE_CE".into());
    }
    match phys & phys_mode::TARGET_MASK {
        phys_mode::LOCAL_FB => Ok(Space::Video),
        phys_mode::COHERENT_SYSMEM | phys_mode::NONCOHERENT_SYSMEM => Ok(Space::Sys),
        _ => Err("a physical PEERMEM target (peer memory is not modelled)".into()),
    }
}

/// What the model refuses to launch, if anything.
fn refused(l: &LaunchDma, render: u32) -> Option<&'static str> {
    let copying = l.transfer != transfer::NONE;
    Some(match () {
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

fn launch(c: &mut Channel, ctx: &Ctx<'_>, space: Space, data: u32) -> Result<(), Stop> {
    let l = LaunchDma::decode(data);
    let ce = &c.ce;
    let render = ce.get(m::SET_RENDER_ENABLE_C) & 7;
    if let Some(why) = refused(&l, render) {
        return Err(Stop::Ce(format!("LAUNCH_DMA {data:#x}: {why}")));
    }
    if l.transfer != transfer::NONE && render == 1 {
        let bad = |why: String| Stop::Ce(format!("LAUNCH_DMA {data:#x}: {why}"));
        let src_space =
            space_of(c, space, l.src_physical, ce.get(m::SET_SRC_PHYS_MODE)).map_err(bad)?;
        let dst_space =
            space_of(c, space, l.dst_physical, ce.get(m::SET_DST_PHYS_MODE)).map_err(bad)?;
        let src = address(ce.get(m::OFFSET_IN_UPPER), ce.get(m::OFFSET_IN_LOWER));
        let dst = address(ce.get(m::OFFSET_OUT_UPPER), ce.get(m::OFFSET_OUT_LOWER));
        let len = u64::from(ce.get(m::LINE_LENGTH_IN));
        let copy = |s: u64, d: u64, n: u64| {
            ctx.copy(src_space, s, dst_space, d, n)
                .map_err(|f| Stop::Mmu(f, "a copy engine transfer"))
        };
        if !l.multi_line {
            copy(src, dst, len)?;
        } else {
            let lines = u64::from(ce.get(m::LINE_COUNT));
            let (pin, pout) = (
                u64::from(ce.get(m::PITCH_IN)),
                u64::from(ce.get(m::PITCH_OUT)),
            );
            if pin == len && pout == len {
                // Lines end to end on both sides: one run.
                copy(src, dst, len * lines)?;
            } else {
                for i in 0..lines {
                    copy(src + i * pin, dst + i * pout, len)?;
                }
            }
        }
    }
    if l.semaphore != sem::NONE {
        let addr = address(ce.get(m::SET_SEMAPHORE_A), ce.get(m::SET_SEMAPHORE_B));
        let payload = u64::from(ce.get(m::SET_SEMAPHORE_PAYLOAD))
            | if l.payload_two_words {
                u64::from(ce.get(m::SET_SEMAPHORE_PAYLOAD_UPPER)) << 32
            } else {
                0
            };
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&payload.to_le_bytes());
        b[8..].copy_from_slice(&pbdma::timestamp().to_le_bytes());
        let n = match (l.semaphore, l.payload_two_words) {
            (sem::RELEASE_FOUR_WORD, _) => 16,
            (_, true) => 8,
            _ => 4,
        };
        if !addr.is_multiple_of(n as u64) {
            return Err(Stop::Ce(format!(
                "LAUNCH_DMA {data:#x}: semaphore address {addr:#x} is not {n}-byte aligned"
            )));
        }
        ctx.write(space, addr, &b[..n])
            .map_err(|f| Stop::Mmu(f, "a copy engine semaphore release"))?;
    }
    if l.interrupt == interrupt::NON_BLOCKING {
        pbdma::nonstall(c, ctx);
    }
    Ok(())
}
