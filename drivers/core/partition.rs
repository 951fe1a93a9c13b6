// SPDX-License-Identifier: GPL-2.0

//! Resource partitioning: the core owns the GPU's usable VRAM and channel
//! IDs and divides them between the client kinds by policy
//! (`proto/src/partition.rs`: the `partition` module parameter and the
//! `partition/policy` sysfs attribute).
//!
//! VRAM is what GSP-RM reports usable (WPR2, the GSP-RM heap and the other
//! firmware regions are outside it) minus [`CORE_RESERVED_VRAM`]; it is
//! handed out as contiguous, aligned ranges tracked in a maple tree
//! (`MT_FLAGS_ALLOC_RANGE`, first fit). Channel IDs come from an ID pool
//! over the channel space GSP-RM reports. A client kind that would exceed
//! its share gets `ENOSPC`; a request within the share that finds no free
//! contiguous range gets `ENOMEM`.

use core::ops::Range;

use kernel::{
    id_pool::IdPool,
    new_mutex,
    prelude::*,
    sync::Mutex, //
};

use kernel::num::casts::{
    arch::u64_as_usize, //
    u32_as_usize,
    usize_as_u64,
};

use crate::kernel_gaps::SyncMapleTreeAlloc;
use crate::proto::partition::{
    ClientKind,
    Limits,
    Policy,
    PolicyError,
    KINDS,
    VRAM_GRANULE, //
};

/// Shows a `core::fmt::Display` value (the `proto` types) in the kernel's
/// log macros, which want `kernel::fmt::Display`.
pub(crate) struct Show<T>(pub(crate) T);

impl<T: core::fmt::Display> kernel::fmt::Display for Show<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.0, f)
    }
}

/// VRAM the core keeps for itself at the start of the first usable range
/// (its own instance blocks and page directories).
pub(crate) const CORE_RESERVED_VRAM: u64 = 2 << 20;

/// Channel IDs the core hands out at most: the USERD page and index fields
/// of `NV_CHANNEL_ALLOC_PARAMS.flags` hold 12 bits.
const MAX_CHANNELS: u32 = 4096;

/// Where in VRAM an allocation may be placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Anywhere in the partitioned VRAM.
    Any,
    /// Entirely inside `start..end` (VRAM offsets), e.g. the part a BAR1
    /// window can reach.
    Within {
        /// First byte allowed.
        start: u64,
        /// First byte no longer allowed.
        end: u64,
    },
}

/// What one client kind holds now.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Usage {
    /// Bytes of VRAM.
    pub(crate) vram: u64,
    /// VRAM allocations.
    pub(crate) vram_allocs: u64,
    /// Channel IDs.
    pub(crate) channels: u64,
    /// Requests refused because they would exceed the share.
    pub(crate) refused: u64,
}

struct State {
    policy: Policy,
    limits: [Limits; KINDS],
    usage: [Usage; KINDS],
    channel_ids: IdPool,
}

/// A VRAM allocation's record in the tree.
struct Record {
    kind: ClientKind,
    size: u64,
}

/// VRAM allocations by offset.
type VramTree = SyncMapleTreeAlloc<KBox<Record>>;

/// The partitioned resources of one GPU.
#[pin_data]
pub(crate) struct Partition {
    /// The VRAM ranges the core hands out.
    vram_ranges: KVec<Range<u64>>,
    /// The first range of [`CORE_RESERVED_VRAM`], where BAR1's tables go.
    core_range: Range<u64>,
    vram_total: u64,
    channels_total: u64,
    /// VRAM allocations by offset; only changed under `state`.
    #[pin]
    vram: VramTree,
    #[pin]
    state: Mutex<State>,
}

/// Why a policy cannot be applied.
#[derive(Debug)]
pub(crate) enum ApplyError {
    /// The policy itself is wrong for this GPU.
    Policy(PolicyError),
    /// A kind already holds more than its new share would allow.
    WouldOrphan(ClientKind),
}

/// A snapshot for sysfs and debugfs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Accounting {
    pub(crate) policy: Policy,
    pub(crate) vram_total: u64,
    pub(crate) channels_total: u64,
    pub(crate) limits: [Limits; KINDS],
    pub(crate) usage: [Usage; KINDS],
}

impl Partition {
    /// Partitions `usable` VRAM (GSP-RM's usable ranges, in VRAM offsets)
    /// and channel IDs 1..`channels` according to `policy`; a policy that
    /// does not fit this GPU is replaced by the default one, and
    /// `on_fallback` is told (to say so in the log).
    pub(crate) fn new(
        usable: &[Range<u64>],
        channels: u32,
        policy: Policy,
        on_fallback: impl FnOnce(Policy, PolicyError, Policy),
    ) -> impl PinInit<Self, Error> {
        let setup = (|| -> Result<_> {
            let mut ranges = KVec::new();
            let mut reserve = CORE_RESERVED_VRAM;
            let mut core_range = 0..0;
            for r in usable {
                let start = r.start.next_multiple_of(VRAM_GRANULE);
                let end = r.end / VRAM_GRANULE * VRAM_GRANULE;
                if start >= end {
                    continue;
                }
                let cut = reserve.min(end - start);
                if cut > 0 && core_range.is_empty() {
                    core_range = start..start + cut;
                }
                let start = start + cut;
                reserve -= cut;
                if start < end {
                    ranges.push(start..end, GFP_KERNEL)?;
                }
            }
            let total: u64 = ranges.iter().map(|r| r.end - r.start).sum();
            // Channel ID 0 stays unused (nouveau r570 `rsvd_chids`); IDs
            // travel in 12 bits of the channel allocation's flags.
            let channels = u64::from(channels.min(MAX_CHANNELS).saturating_sub(1));
            let (policy, limits) = match policy.limits(total, channels) {
                Ok(l) => (policy, l),
                Err(e) => {
                    let fallback = Policy::default();
                    on_fallback(policy, e, fallback);
                    (
                        fallback,
                        fallback.limits(total, channels).map_err(|_| EINVAL)?,
                    )
                }
            };
            let ids = IdPool::with_capacity(u64_as_usize(channels) + 1, GFP_KERNEL)?;
            Ok((ranges, core_range, total, channels, policy, limits, ids))
        })();
        pin_init::pin_init_scope(move || {
            let (ranges, core_range, total, channels, policy, limits, ids) = setup?;
            Ok(try_pin_init!(Self {
                vram_ranges: ranges,
                core_range,
                vram_total: total,
                channels_total: channels,
                vram <- VramTree::new(),
                state <- new_mutex!(State {
                    policy,
                    limits,
                    usage: [Usage::default(); KINDS],
                    channel_ids: ids,
                }),
            }))
        })
    }

    /// VRAM the core keeps for its own tables (empty if the GPU has
    /// none to spare).
    pub(crate) fn core_range(&self) -> Range<u64> {
        self.core_range.clone()
    }

    /// The policy, limits and usage now.
    pub(crate) fn accounting(&self) -> Accounting {
        let s = self.state.lock();
        Accounting {
            policy: s.policy,
            vram_total: self.vram_total,
            channels_total: self.channels_total,
            limits: s.limits,
            usage: s.usage,
        }
    }

    /// Replaces the policy, unless a kind holds more than its new share.
    pub(crate) fn apply(&self, policy: Policy) -> Result<(), ApplyError> {
        let limits = policy
            .limits(self.vram_total, self.channels_total)
            .map_err(ApplyError::Policy)?;
        let mut s = self.state.lock();
        for kind in ClientKind::ALL {
            let (u, l) = (&s.usage[kind.index()], &limits[kind.index()]);
            if u.vram > l.vram || u.channels > l.channels {
                return Err(ApplyError::WouldOrphan(kind));
            }
        }
        s.policy = policy;
        s.limits = limits;
        Ok(())
    }

    /// Allocates `size` bytes of contiguous VRAM for `kind`, at an offset
    /// that is a multiple of `align` (a power of two; 0 for the 4 KiB
    /// page), placed as `placement` says. Returns the offset and the size
    /// (rounded up to whole pages).
    pub(crate) fn alloc_vram(
        &self,
        kind: ClientKind,
        size: u64,
        align: u64,
        placement: Placement,
    ) -> Result<(u64, u64)> {
        let align = align.max(VRAM_GRANULE);
        if size == 0
            || size > self.vram_total
            || !align.is_power_of_two()
            || align > self.vram_total
        {
            return Err(EINVAL);
        }
        let size = size.next_multiple_of(VRAM_GRANULE);
        let (lo, hi) = match placement {
            Placement::Any => (0, u64::MAX),
            Placement::Within { start, end } if start < end => (start, end),
            Placement::Within { .. } => return Err(EINVAL),
        };
        let mut s = self.state.lock();
        let (usage, limit) = (&s.usage[kind.index()], &s.limits[kind.index()]);
        if usage.vram + size > limit.vram {
            s.usage[kind.index()].refused += 1;
            return Err(ENOSPC);
        }
        let slack = align - VRAM_GRANULE;
        let mut record = KBox::new(Record { kind, size }, GFP_KERNEL)?;
        for r in self.vram_ranges.iter() {
            // Whole pages of the range inside the placement, starting at an
            // aligned offset.
            let start = r.start.max(lo).next_multiple_of(align);
            let end = r.end.min(hi) / VRAM_GRANULE * VRAM_GRANULE;
            if start >= end || end - start < size {
                continue;
            }
            let range = usize::try_from(start).map_err(|_| EINVAL)?
                ..usize::try_from(end).map_err(|_| EINVAL)?;
            // First with room to align (`slack`), then, for a gap that
            // fits exactly, without: that one counts only if aligned.
            let passes: &[u64] = if slack > 0 { &[slack, 0] } else { &[0] };
            for &extra in passes {
                let span = usize::try_from(size + extra).map_err(|_| EINVAL)?;
                if (end - start) < size + extra {
                    continue;
                }
                match self
                    .vram
                    .alloc_range(span, record, range.clone(), GFP_KERNEL)
                {
                    Ok(at) if extra > 0 || usize_as_u64(at).is_multiple_of(align) => {
                        let offset = self.trim(usize_as_u64(at), size, align, extra)?;
                        let u = &mut s.usage[kind.index()];
                        u.vram += size;
                        u.vram_allocs += 1;
                        return Ok((offset, size));
                    }
                    Ok(at) => record = self.vram.erase(at).ok_or(EINVAL)?,
                    Err(e) => record = e.value,
                }
            }
        }
        Err(ENOMEM)
    }

    /// Shrinks the range allocated at `at` (with `slack` bytes to spare)
    /// to `size` bytes at the first multiple of `align`.
    fn trim(&self, at: u64, size: u64, align: u64, slack: u64) -> Result<u64> {
        if slack == 0 {
            return Ok(at);
        }
        let offset = at.next_multiple_of(align);
        let record = self.vram.erase(u64_as_usize(at)).ok_or(EINVAL)?;
        let range = u64_as_usize(offset)..u64_as_usize(offset + size);
        // The range lies inside the one just freed, under `state`: it is
        // free, so only an allocation failure can stop the insert.
        self.vram
            .insert_range(range, record, GFP_KERNEL)
            .map_err(|_| ENOMEM)?;
        Ok(offset)
    }

    /// Frees the VRAM allocation at `offset`.
    pub(crate) fn free_vram(&self, offset: u64) {
        let mut s = self.state.lock();
        if let Some(r) = self.vram.erase(u64_as_usize(offset)) {
            let u = &mut s.usage[r.kind.index()];
            u.vram -= r.size;
            u.vram_allocs -= 1;
        }
    }

    /// Allocates a channel ID for `kind`.
    pub(crate) fn alloc_channel(&self, kind: ClientKind) -> Result<u32> {
        let mut s = self.state.lock();
        if s.usage[kind.index()].channels >= s.limits[kind.index()].channels {
            s.usage[kind.index()].refused += 1;
            return Err(ENOSPC);
        }
        let last = u64_as_usize(self.channels_total);
        let id = match s.channel_ids.find_unused_id(1) {
            Some(id) if id.as_usize() <= last => id.acquire(),
            _ => return Err(ENOMEM),
        };
        s.usage[kind.index()].channels += 1;
        Ok(id as u32)
    }

    /// Frees channel ID `id` of `kind`.
    pub(crate) fn free_channel(&self, kind: ClientKind, id: u32) {
        let mut s = self.state.lock();
        s.channel_ids.release_id(u32_as_usize(id));
        s.usage[kind.index()].channels -= 1;
    }

    /// Allocates `count` consecutive channel IDs for `kind` (a vGPU's
    /// channels, which GSP-RM takes as one offset per runlist), the lowest
    /// free run.
    ///
    /// # Errors
    ///
    /// `ENOSPC` beyond the kind's share, `ENOMEM` if no free run is long
    /// enough, `EINVAL` for none.
    pub(crate) fn alloc_channel_range(&self, kind: ClientKind, count: u32) -> Result<Range<u32>> {
        if count == 0 {
            return Err(EINVAL);
        }
        let mut s = self.state.lock();
        let u = &s.usage[kind.index()];
        if u.channels + u64::from(count) > s.limits[kind.index()].channels {
            s.usage[kind.index()].refused += 1;
            return Err(ENOSPC);
        }
        let last = u64_as_usize(self.channels_total);
        let count = u32_as_usize(count);
        let mut start = 1;
        let first = 'search: loop {
            let Some(first) = s.channel_ids.find_unused_id(start).map(|u| u.as_usize()) else {
                return Err(ENOMEM);
            };
            if first + count - 1 > last {
                return Err(ENOMEM);
            }
            for id in first + 1..first + count {
                match s.channel_ids.find_unused_id(id).map(|u| u.as_usize()) {
                    Some(free) if free == id => {}
                    // `id` is taken: the next run starts after it.
                    Some(_) | None => {
                        start = id + 1;
                        continue 'search;
                    }
                }
            }
            break first;
        };
        for id in first..first + count {
            if let Some(u) = s.channel_ids.find_unused_id(id) {
                u.acquire();
            }
        }
        s.usage[kind.index()].channels += usize_as_u64(count);
        let end = first + count;
        Ok(first as u32..end as u32)
    }

    /// Frees the channel IDs `range` of `kind`.
    pub(crate) fn free_channel_range(&self, kind: ClientKind, range: Range<u32>) {
        let mut s = self.state.lock();
        let n = range.len();
        for id in range {
            s.channel_ids.release_id(u32_as_usize(id));
        }
        s.usage[kind.index()].channels -= usize_as_u64(n);
    }
}

#[kunit_tests(nvgsp_core_partition)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    /// 64 MiB of usable VRAM from 16 MiB on, 65 channel IDs, shared as
    /// `policy` says.
    fn partition(policy: &str) -> Result<Pin<KBox<Partition>>> {
        let policy = Policy::parse(policy).map_err(|_| EINVAL)?;
        KBox::pin_init(
            Partition::new(
                core::slice::from_ref(&(16 * MIB..80 * MIB)),
                65,
                policy,
                |_, _, _| {},
            ),
            GFP_KERNEL,
        )
    }

    #[test]
    fn shares_bound_each_kind() -> Result {
        let p = partition("drm=75%,vfio=25%")?;
        let a = p.accounting();
        // The core keeps 2 MiB; channel ID 0 stays unused.
        assert_eq!(a.vram_total, 62 * MIB);
        assert_eq!(a.channels_total, 64);
        let vfio = a.limits[ClientKind::Vfio.index()];
        let (at, size) = p.alloc_vram(ClientKind::Vfio, vfio.vram, 0, Placement::Any)?;
        assert_eq!(size, vfio.vram);
        assert!(at >= 18 * MIB && at + size <= 80 * MIB);
        // The VFIO share is used up; the DRM share is not.
        assert_eq!(
            p.alloc_vram(ClientKind::Vfio, 4096, 0, Placement::Any),
            Err(ENOSPC)
        );
        let (d, _) = p.alloc_vram(ClientKind::Drm, MIB, 0, Placement::Any)?;
        p.free_vram(at);
        p.alloc_vram(ClientKind::Vfio, 4096, 0, Placement::Any)?;
        p.free_vram(d);
        let a = p.accounting();
        assert_eq!(a.usage[ClientKind::Drm.index()].vram, 0);
        assert_eq!(a.usage[ClientKind::Vfio.index()].vram, 4096);
        assert_eq!(a.usage[ClientKind::Vfio.index()].refused, 1);
        Ok(())
    }

    #[test]
    fn alignment_and_placement() -> Result {
        let p = partition("drm=50%,vfio=50%")?;
        // Something small first, so the next 2 MiB-aligned spot moves.
        let (first, _) = p.alloc_vram(ClientKind::Drm, 4096, 0, Placement::Any)?;
        let (at, size) = p.alloc_vram(ClientKind::Drm, 5000, 2 * MIB, Placement::Any)?;
        assert_eq!(size, 8192);
        assert!(at % (2 * MIB) == 0 && at > first);
        let within = Placement::Within {
            start: 40 * MIB,
            end: 44 * MIB,
        };
        let (w, _) = p.alloc_vram(ClientKind::Drm, 4 * MIB, 0, within)?;
        assert_eq!(w, 40 * MIB);
        // Nothing more fits there.
        assert_eq!(p.alloc_vram(ClientKind::Drm, 4096, 0, within), Err(ENOMEM));
        assert_eq!(
            p.alloc_vram(ClientKind::Drm, 0, 0, Placement::Any),
            Err(EINVAL)
        );
        // Alignments below a page are a page; above, powers of two only.
        assert!(p
            .alloc_vram(ClientKind::Drm, 4096, 3, Placement::Any)
            .is_ok());
        assert_eq!(
            p.alloc_vram(ClientKind::Drm, 4096, 3 * 4096, Placement::Any),
            Err(EINVAL)
        );
        Ok(())
    }

    #[test]
    fn channels_and_policy_changes() -> Result {
        let p = partition("drm=50%,vfio=50%")?;
        let mut ids = KVec::new();
        for _ in 0..32 {
            ids.push(p.alloc_channel(ClientKind::Drm)?, GFP_KERNEL)?;
        }
        // IDs are unique and never 0.
        assert!(ids.iter().all(|&id| (1..=64).contains(&id)));
        assert!(ids
            .iter()
            .enumerate()
            .all(|(i, a)| ids.iter().skip(i + 1).all(|b| a != b)));
        assert_eq!(p.alloc_channel(ClientKind::Drm), Err(ENOSPC));
        // A policy leaving DRM fewer channels than it holds is refused.
        let smaller = Policy::parse("drm=25%,vfio=75%").map_err(|_| EINVAL)?;
        assert!(matches!(
            p.apply(smaller),
            Err(ApplyError::WouldOrphan(ClientKind::Drm))
        ));
        for id in ids.iter().skip(8) {
            p.free_channel(ClientKind::Drm, *id);
        }
        assert!(p.apply(smaller).is_ok());
        let a = p.accounting();
        assert_eq!(a.usage[ClientKind::Drm.index()].channels, 8);
        assert_eq!(a.limits[ClientKind::Drm.index()].channels, 16);
        Ok(())
    }

    #[test]
    fn channel_ranges_are_consecutive_and_free() -> Result {
        let p = partition("drm=50%,vfio=50%")?;
        // A single ID taken at 1 pushes the first run past it.
        let single = p.alloc_channel(ClientKind::Drm)?;
        assert_eq!(single, 1);
        let a = p.alloc_channel_range(ClientKind::Vfio, 8)?;
        assert_eq!(a, 2..10);
        let b = p.alloc_channel_range(ClientKind::Vfio, 8)?;
        assert_eq!(b, 10..18);
        // A hole of 8 after freeing `a` is reused; a longer run goes past.
        p.free_channel_range(ClientKind::Vfio, a);
        assert_eq!(p.alloc_channel_range(ClientKind::Vfio, 9)?, 18..27);
        assert_eq!(p.alloc_channel_range(ClientKind::Vfio, 7)?, 2..9);
        // The kind's share (32) counts every ID of a run.
        assert_eq!(p.alloc_channel_range(ClientKind::Vfio, 9), Err(ENOSPC));
        assert_eq!(p.alloc_channel_range(ClientKind::Vfio, 0), Err(EINVAL));
        assert_eq!(p.accounting().usage[ClientKind::Vfio.index()].channels, 24);
        Ok(())
    }
}
