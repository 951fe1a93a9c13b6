//! SR-IOV: what the physical function (PF) and its virtual functions (VFs)
//! share.
//!
//! A board with an SR-IOV capability (the A10, `crate::board`) has one
//! [`Sriov`], made with the device and reached from every thread through
//! an `Arc`: the PF's (`Hw::sriov`, so that GSP-RM's vGPU controls can
//! reach it), and each VF's vfio-user server thread (`dev::vf`). It holds
//! the hardware state of each of the board's `TotalVFs` VFs ([`VfHw`], one
//! lock each), whether or not a VF is served: a VF's registers exist on a
//! chip whether a VMM attached it or not.
//!
//! Lock order: the PF's `Hw` (a PF reset resets the VFs while it holds
//! it), then `Sriov`'s own `changing`, then a VF's, then VRAM's redirect
//! table (`vram::VramView`); never the other way. A VF's server thread
//! takes its VF's lock alone.
//!
//! GSP-RM identifies a function by its GFID (GPU function ID): 0 is the PF
//! (open-gpu-kernel-modules 570.144 `g_gpu_nvoc.h` `GPU_GFID_PF`), VFs
//! count from 1 (`ucode_coverage_ctrl.c` indexes its per-vGPU array with
//! `gfid-1`); VF `i` (from 0, in routing ID order) is GFID `i + 1`, as
//! NVIDIA's vGPU RFC for Linux (v2, 2025, `drivers/vfio/pci/nvidia-vgpu`)
//! computes it: `pci_iov_vf_id(vf) + 1`.
//!
//! # A VF's BAR1 and its vGPU's memory
//!
//! GSP-RM's vGPU manager (`gsp_rm::vgpu`) runs a vGPU's plugin task on a
//! GFID with guest memory (FB) made of runs of VRAM, the VF's FB addresses
//! from 0 up mapping to VRAM run after run (GSP-RM's virtual MMU, whose
//! granule `NV2080_CTRL_CMD_GPU_GET_VMMU_SEGMENT_SIZE` reports,
//! `ctrl2080gpu.h`); the VF's BAR1 offsets are its FB addresses (see
//! `dev::vf`). Each VF's BAR1 is a file of its own ([`Sriov::bar1_file`]),
//! which the VF's vfio-user server offers QEMU to map, so that the guest's
//! accesses go straight to memory. While a task runs
//! ([`Sriov::start_task`]), the VRAM under the first BAR1-size bytes of
//! its FB is served from that file (`vram::redirect`): the guest through
//! its mapping, and GSP-RM, the copy engines, PRAMIN and the PF's BAR1
//! through VRAM, see the same bytes. When it stops ([`Sriov::stop_task`])
//! the bytes go back to VRAM, and the file is zero again.
//!
//! Isolation holds by construction: a VF's file only ever holds bytes of
//! its own task's runs, which never overlap another GFID's, and none lies
//! outside VRAM. That the runs are carved out of memory GSP-RM does not
//! keep for itself, aligned to the VMMU segment size (OpenRM
//! `kernel_hostvgpudeviceapi.c` refuses others) and clear of the plugin
//! heaps, GSP-RM's vGPU manager checks before it starts a task.

use super::vf::VfHw;
use crate::board::{Board, SriovFacts};
use crate::vram::{self, VramView};
use log::warn;
use nvgsp_proto::chip::ChipId;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};

/// One run of VRAM a VF's FB addresses map to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Where it starts in VRAM.
    pub vram: u64,
    /// Its size in bytes.
    pub size: u64,
}

impl Segment {
    /// The VRAM range.
    pub fn range(&self) -> Range<u64> {
        self.vram..self.vram + self.size
    }
}

/// A VF's FB: its segments in order, VF FB address 0 at the start of the
/// first one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FbSegments(Vec<Segment>);

impl FbSegments {
    /// The segments, in the VF's FB order.
    pub fn list(&self) -> &[Segment] {
        &self.0
    }

    /// The VRAM pieces under the VF's FB addresses `0..len`, in FB order:
    /// each a VRAM range and the FB address it starts at.
    pub fn pieces(&self, len: u64) -> Vec<(Range<u64>, u64)> {
        let mut out = Vec::new();
        let mut base = 0u64;
        for s in &self.0 {
            if base >= len {
                break;
            }
            let n = s.size.min(len - base);
            out.push((s.vram..s.vram + n, base));
            base += s.size;
        }
        out
    }

    /// The FB's size: all segments.
    pub fn total(&self) -> u64 {
        self.0.iter().map(|s| s.size).sum()
    }
}

/// The channel IDs a vGPU owns on one runlist: its VF's doorbells may name
/// these and no other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VfChannels {
    /// The runlist.
    pub runlist: u32,
    /// The channel IDs.
    pub chids: Range<u32>,
}

/// What a VF has while GSP-RM runs a vGPU plugin task on its GFID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VfTask {
    /// The vGPU's guest memory.
    pub segments: FbSegments,
    /// How many bytes from BAR1 offset 0 reach it: the FB or the BAR,
    /// whichever is smaller.
    pub backed: u64,
    /// Its channels.
    pub channels: Vec<VfChannels>,
}

/// Why a task could not be given to a VF.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SegmentError {
    /// The GFID is the PF's or beyond `TotalVFs`.
    #[error("GFID {gfid} is not a VF of this function (1..={total})")]
    NoSuchVf {
        /// The GFID asked for.
        gfid: u32,
        /// `TotalVFs`.
        total: u16,
    },
    /// A segment is empty or does not lie inside VRAM.
    #[error("segment {:#x}+{:#x} is empty or not inside VRAM ({vram:#x} bytes)", .segment.vram, .segment.size)]
    OutsideVram {
        /// The segment.
        segment: Segment,
        /// The VRAM size.
        vram: u64,
    },
    /// Two segments overlap: of the same GFID, or of this GFID and another.
    #[error("segment {:#x}+{:#x} overlaps {:#x}+{:#x} of GFID {other}", .segment.vram, .segment.size, .with.vram, .with.size)]
    Overlap {
        /// The segment asked for.
        segment: Segment,
        /// The segment it overlaps.
        with: Segment,
        /// That segment's GFID.
        other: u32,
    },
    /// The VF already has a task.
    #[error("GFID {0} already has a task")]
    Busy(u32),
    /// Moving the bytes between VRAM and the VF's BAR1 failed.
    #[error("GFID {gfid}: moving its memory failed: {error}")]
    Io {
        /// The GFID.
        gfid: u32,
        /// What failed.
        error: String,
    },
}

/// What the PF and the VFs share; see the module documentation.
pub struct Sriov {
    board: Board,
    facts: SriovFacts,
    vram: VramView,
    /// Held while tasks start and stop, so that checking a task against
    /// the others and installing it are one step.
    changing: Mutex<()>,
    /// Each VF's state, by VF index (GFID - 1).
    vfs: Vec<Mutex<VfHw>>,
    /// Each VF's BAR1 memory, by VF index: the file its server offers
    /// QEMU to map.
    bar1: Vec<Arc<File>>,
}

/// Locks `m`; a panicked holder leaves plain register values, still usable.
fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sriov {
    /// The SR-IOV state of `board` (which has `facts`), a `chip` with
    /// `vram`: every VF in its reset state, no tasks, each VF's BAR1 a
    /// zero file of the BAR's size.
    ///
    /// # Errors
    ///
    /// Creating the BAR1 files failed.
    pub fn new(board: Board, facts: SriovFacts, chip: ChipId, vram: VramView) -> io::Result<Sriov> {
        let bar1 = (0..facts.total_vfs)
            .map(|_| vram::memfd(c"nvgsp-vf-bar1", facts.vf_bar1).map(Arc::new))
            .collect::<io::Result<Vec<_>>>()?;
        Ok(Sriov {
            board,
            facts,
            vram,
            changing: Mutex::new(()),
            vfs: (0..facts.total_vfs)
                .map(|i| Mutex::new(VfHw::new(i, chip, &facts)))
                .collect(),
            bar1,
        })
    }

    /// The board.
    pub fn board(&self) -> Board {
        self.board
    }

    /// The SR-IOV capability's facts.
    pub fn facts(&self) -> &SriovFacts {
        &self.facts
    }

    /// VF `index`'s state, locked; `None` beyond `TotalVFs`.
    pub fn vf(&self, index: u16) -> Option<MutexGuard<'_, VfHw>> {
        self.vfs.get(usize::from(index)).map(locked)
    }

    /// VF `index`'s BAR1 memory; `None` beyond `TotalVFs`.
    pub fn bar1_file(&self, index: u16) -> Option<&Arc<File>> {
        self.bar1.get(usize::from(index))
    }

    /// The VF index of `gfid`.
    fn index_of(&self, gfid: u32) -> Result<u16, SegmentError> {
        gfid.checked_sub(1)
            .and_then(|i| u16::try_from(i).ok())
            .filter(|&i| i < self.facts.total_vfs)
            .ok_or(SegmentError::NoSuchVf {
                gfid,
                total: self.facts.total_vfs,
            })
    }

    /// Gives VF `gfid` a running task with guest memory `segments` (in its
    /// FB order) and `channels`: its BAR1 reaches the first BAR1-size
    /// bytes of that memory from now on, as VRAM holds them (stray writes
    /// to the BAR while it reached nothing are gone). Each segment must be
    /// non-empty and inside VRAM, and overlap neither another of the list
    /// nor another GFID's.
    ///
    /// # Errors
    ///
    /// [`SegmentError`]: nothing changes.
    pub fn start_task(
        &self,
        gfid: u32,
        segments: &[Segment],
        channels: Vec<VfChannels>,
    ) -> Result<(), SegmentError> {
        let index = self.index_of(gfid)?;
        let vram = self.vram.size();
        let _changing = locked(&self.changing);
        if locked(&self.vfs[usize::from(index)]).task.is_some() {
            return Err(SegmentError::Busy(gfid));
        }
        let mut taken: Vec<(Segment, u32)> = Vec::new();
        for (i, vf) in self.vfs.iter().enumerate() {
            if let Some(t) = &locked(vf).task {
                let other = i as u32 + 1;
                taken.extend(t.segments.list().iter().map(|&s| (s, other)));
            }
        }
        for &segment in segments {
            let inside = segment
                .vram
                .checked_add(segment.size)
                .is_some_and(|end| segment.size != 0 && end <= vram);
            if !inside {
                return Err(SegmentError::OutsideVram { segment, vram });
            }
            let overlap = |(s, _): &&(Segment, u32)| {
                s.range().start < segment.range().end && segment.range().start < s.range().end
            };
            if let Some(&(with, other)) = taken.iter().find(overlap) {
                return Err(SegmentError::Overlap {
                    segment,
                    with,
                    other,
                });
            }
            taken.push((segment, gfid));
        }
        let fb = FbSegments(segments.to_vec());
        let backed = fb.total().min(self.facts.vf_bar1);
        let file = &self.bar1[usize::from(index)];
        let io = |e: io::Error| SegmentError::Io {
            gfid,
            error: e.to_string(),
        };
        // The VF's lock is held across the move, so that its server's
        // trapped accesses see the task whole or not at all.
        let mut vf = locked(&self.vfs[usize::from(index)]);
        vram::redirect::punch(file, 0, self.facts.vf_bar1).map_err(io)?;
        self.vram.redirect(&fb.pieces(backed), file).map_err(io)?;
        vf.task = Some(VfTask {
            segments: fb,
            backed,
            channels,
        });
        Ok(())
    }

    /// Stops VF `gfid`'s task: its BAR1 reaches nothing again, the bytes
    /// it reached are VRAM's again, and its file is zero. Returns the task
    /// it had.
    ///
    /// # Errors
    ///
    /// [`SegmentError::NoSuchVf`].
    pub fn stop_task(&self, gfid: u32) -> Result<Option<VfTask>, SegmentError> {
        let index = self.index_of(gfid)?;
        let _changing = locked(&self.changing);
        Ok(self.stop(index))
    }

    /// Stops VF `index`'s task, if it has one (`changing` held).
    fn stop(&self, index: u16) -> Option<VfTask> {
        // As in `start_task`, the VF's lock is held across the move.
        let mut vf = locked(&self.vfs[usize::from(index)]);
        let task = vf.task.take()?;
        let file = &self.bar1[usize::from(index)];
        let gfid = u32::from(index) + 1;
        if let Err(e) = self.vram.end_redirect(file) {
            warn!("sriov: GFID {gfid}: moving its memory back to VRAM failed: {e}");
        }
        if let Err(e) = vram::redirect::punch(file, 0, self.facts.vf_bar1) {
            warn!("sriov: GFID {gfid}: clearing its BAR1 failed: {e}");
        }
        Some(task)
    }

    /// Stops every VF's task (GSP-RM stopped, crashed or was reset: its
    /// plugin tasks are gone). Returns the GFIDs that had one.
    pub fn end_all_tasks(&self) -> Vec<u32> {
        let _changing = locked(&self.changing);
        (0..self.facts.total_vfs)
            .filter(|&i| self.stop(i).is_some())
            .map(|i| u32::from(i) + 1)
            .collect()
    }

    /// The PF was reset (FLR or a device reset): as on a chip, its VFs go
    /// with it (an FLR clears VF Enable), so each VF's registers return
    /// to their reset values and GSP-RM's vGPUs, and with them the tasks'
    /// memory, are gone. The interrupt wiring, QEMU's, stays.
    pub fn pf_reset(&self) {
        self.end_all_tasks();
        for vf in &self.vfs {
            locked(vf).function_reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::A10_SRIOV;
    use crate::vram::Vram;
    use std::os::unix::fs::FileExt;

    const MIB: u64 = 1 << 20;

    fn sriov(vram: &Vram) -> Sriov {
        Sriov::new(
            Board::A10,
            A10_SRIOV,
            ChipId::GA102_A1,
            vram.view().unwrap(),
        )
        .unwrap()
    }

    fn seg(vram: u64, size: u64) -> Segment {
        Segment { vram, size }
    }

    #[test]
    fn segments_give_the_pieces_in_fb_order() {
        let fb = FbSegments(vec![seg(64 * MIB, 32 * MIB), seg(16 * MIB, 8 * MIB)]);
        assert_eq!(fb.total(), 40 * MIB);
        assert_eq!(
            fb.pieces(40 * MIB),
            [(64 * MIB..96 * MIB, 0), (16 * MIB..24 * MIB, 32 * MIB)]
        );
        assert_eq!(fb.pieces(36 * MIB)[1], (16 * MIB..20 * MIB, 32 * MIB));
        assert_eq!(fb.pieces(16 * MIB), [(64 * MIB..80 * MIB, 0)]);
        assert!(FbSegments::default().pieces(MIB).is_empty());
    }

    #[test]
    fn tasks_check_gfid_bounds_and_overlaps() {
        let vram = Vram::new(256 * MIB).unwrap();
        let s = sriov(&vram);
        let total = A10_SRIOV.total_vfs;
        for gfid in [0, u32::from(total) + 1] {
            assert_eq!(
                s.start_task(gfid, &[seg(0, MIB)], Vec::new()),
                Err(SegmentError::NoSuchVf { gfid, total })
            );
        }
        s.start_task(1, &[seg(64 * MIB, 32 * MIB)], Vec::new())
            .unwrap();
        s.start_task(u32::from(total), &[seg(96 * MIB, 32 * MIB)], Vec::new())
            .unwrap();
        // A second task, another GFID's memory, the same list twice, beyond
        // VRAM, empty.
        assert_eq!(
            s.start_task(1, &[seg(0, MIB)], Vec::new()),
            Err(SegmentError::Busy(1))
        );
        assert_eq!(
            s.start_task(2, &[seg(80 * MIB, 32 * MIB)], Vec::new()),
            Err(SegmentError::Overlap {
                segment: seg(80 * MIB, 32 * MIB),
                with: seg(64 * MIB, 32 * MIB),
                other: 1
            })
        );
        assert!(matches!(
            s.start_task(2, &[seg(0, 8 * MIB), seg(4 * MIB, MIB)], Vec::new()),
            Err(SegmentError::Overlap { other: 2, .. })
        ));
        for bad in [seg(255 * MIB, 2 * MIB), seg(0, 0), seg(u64::MAX, 2)] {
            assert!(matches!(
                s.start_task(2, &[bad], Vec::new()),
                Err(SegmentError::OutsideVram { .. })
            ));
        }
        assert!(s.vf(1).unwrap().task.is_none(), "nothing changed");
        // Stopping frees the memory for another GFID.
        let t = s.stop_task(1).unwrap().unwrap();
        assert_eq!(t.segments.list(), &[seg(64 * MIB, 32 * MIB)]);
        assert_eq!(t.backed, 32 * MIB, "the FB, smaller than the BAR");
        assert_eq!(s.stop_task(1), Ok(None));
        s.start_task(2, &[seg(64 * MIB, 32 * MIB)], Vec::new())
            .unwrap();
        assert_eq!(s.end_all_tasks(), [2, u32::from(total)]);
        assert!(s.vf(total).is_none());
    }

    /// The VF's BAR1 file and VRAM are one memory while the task runs:
    /// a byte written through the BAR is VRAM's, and VRAM's bytes are the
    /// BAR's; no other GFID and no other VRAM sees it; stopping puts the
    /// bytes back in VRAM and the BAR reaches nothing.
    #[test]
    fn a_running_task_shares_its_memory_with_vram() {
        let vram = Vram::new(256 * MIB).unwrap();
        let v = vram.view().unwrap();
        let s = sriov(&vram);
        let bar = |gfid: u16| s.bar1_file(gfid - 1).unwrap().clone();
        let at = |f: &File, off: u64| {
            let mut b = [0u8; 8];
            f.read_exact_at(&mut b, off).unwrap();
            u64::from_le_bytes(b)
        };
        let vram_at = |off: u64| {
            let mut b = [0u8; 8];
            v.read(off, &mut b).unwrap();
            u64::from_le_bytes(b)
        };
        // What the host left in VRAM shows through; stray writes to the
        // unbacked BAR do not.
        v.write(32 * MIB + 8, &7u64.to_le_bytes()).unwrap();
        bar(1).write_all_at(&[0xaa; 8], 0).unwrap();
        // GFID 1: 32 MiB at 64 MiB, then 32 MiB at 32 MiB; its 64 MiB
        // BAR1 reaches both.
        s.start_task(
            1,
            &[seg(64 * MIB, 32 * MIB), seg(32 * MIB, 32 * MIB)],
            Vec::new(),
        )
        .unwrap();
        s.start_task(2, &[seg(128 * MIB, 32 * MIB)], Vec::new())
            .unwrap();
        assert_eq!(at(&bar(1), 0), 0);
        assert_eq!(at(&bar(1), 32 * MIB + 8), 7);
        bar(1)
            .write_all_at(&0x1122u64.to_le_bytes(), 32 * MIB + 16)
            .unwrap();
        assert_eq!(vram_at(32 * MIB + 16), 0x1122);
        v.write(64 * MIB + 24, &0x3344u64.to_le_bytes()).unwrap();
        assert_eq!(at(&bar(1), 24), 0x3344);
        // GFID 2's BAR and its memory hold nothing of it.
        assert_eq!(at(&bar(2), 24), 0);
        assert_eq!(at(&bar(2), 32 * MIB + 16), 0);
        assert_eq!(vram_at(128 * MIB + 24), 0);
        // Stopped: the bytes are VRAM's, the BAR is zero.
        s.stop_task(1).unwrap();
        assert_eq!(at(&bar(1), 24), 0);
        assert_eq!(vram_at(64 * MIB + 24), 0x3344);
        assert_eq!(vram_at(32 * MIB + 16), 0x1122);
        bar(1).write_all_at(&[0xbb; 8], 24).unwrap();
        assert_eq!(vram_at(64 * MIB + 24), 0x3344);
        // Started again on the same memory: the BAR shows what VRAM holds
        // (a host that did not scrub leaves it there, as on a chip), not
        // the stray write.
        s.start_task(1, &[seg(64 * MIB, 32 * MIB)], Vec::new())
            .unwrap();
        assert_eq!(at(&bar(1), 24), 0x3344);
        assert_eq!(at(&bar(1), 32 * MIB + 16), 0, "past the FB: nothing");
        // A PF reset ends every task.
        s.pf_reset();
        assert!(s.vf(0).unwrap().task.is_none() && s.vf(1).unwrap().task.is_none());
        assert_eq!(at(&bar(1), 24), 0);
    }
}
