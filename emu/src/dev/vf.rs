//! The SR-IOV virtual functions (VFs) of a board that has them, each
//! served as a vfio-user device of its own (`nvgsp-emu --vfs N`:
//! `vf0.sock` .. beside the PF's socket, one server thread each).
//!
//! A VF's state lives in the [`Sriov`] the PF shares with every VF
//! ([`VfHw`], one lock per VF): its register window (`regs`), its MSI-X
//! wiring and its vGPU's task, so that GSP-RM (on the PF's side) can reach
//! a VF's, and a VF served or not has the same hardware. What belongs to
//! the vfio-user connection alone (the config space QEMU reads, the guest
//! memory it maps) is the backend's ([`VirtualFunction`]). A VF serves its
//! registers whether or not the PF's connection is up: nothing in it
//! waits for the PF.
//!
//! # BARs
//!
//! - BAR0, the VF register window (`regs`).
//! - BAR1, the VF's FB aperture: a file of its own ([`Sriov::bar1_file`]),
//!   offered to QEMU to map (a sparse-mmap area over the whole BAR), so
//!   the guest's accesses go straight to memory. Its offsets are the VF's
//!   FB addresses. While GSP-RM runs a vGPU plugin task on the VF's GFID,
//!   the first BAR1-size bytes of the vGPU's guest memory are that file's
//!   bytes for everyone (`dev::sriov`, `vram::redirect`); otherwise the
//!   BAR reaches nothing. On a chip a VF's BAR1 translates through BAR1
//!   page tables of the VF's own (open-gpu-kernel-modules `kern_bus.c`:
//!   RM's `bar1[gfid]` of the VF BAR1's size), whose physical addresses
//!   are the VF's FB addresses; the model has none and takes the offset as
//!   the FB address (what `NV_VIRTUAL_FUNCTION_PRIV_BAR1_BLOCK`'s reset
//!   value, `_MODE_PHYSICAL`, stands for). A BAR1 with no guest memory
//!   behind it does not latch writes; a mapped BAR cannot be trapped, so
//!   there the model lets the write land in the file, which reads it back
//!   until the next task starts on the VF (the file is zeroed then and at
//!   every stop). Accesses QEMU still sends as messages (the mapping
//!   failed, or a debugger's) are exact: outside the task's memory a read
//!   returns 0 and a write is dropped, the first such access of a VF
//!   logged as a warning (later ones at debug level), every one counted.
//!   What such a read returns (0) is the model's pick, as for the PF's
//!   refused BAR1 reads.
//! - BAR3, the instance memory aperture: not modelled, as the PF's.
//!
//! # Doorbells
//!
//! While a task runs, the vGPU owns a range of channel IDs on each of its
//! engines' runlists (`dev::sriov::VfChannels`). A work-submit doorbell
//! (`NV_VIRTUAL_FUNCTION_DOORBELL`) naming a channel outside them, or
//! rung with no task, is dropped and logged, as the host drops a token of
//! no channel (`dev::host`); one naming a channel of the vGPU is dropped
//! too (the model runs no vGPU channels) and logged at info level once.

pub mod regs;

use super::sriov::{Sriov, VfTask};
use super::{invalid, NUM_REGIONS, REGION_BAR0, REGION_BAR1, REGION_BAR3, REGION_CONFIG};
use crate::board::SriovFacts;
use crate::guest_mem::GuestMemory;
use crate::irq::{self, Msix};
use crate::pci_config::{self, ConfigSpace};
use log::{debug, info, warn};
use nvgsp_proto::chip::ChipId;
use nvgsp_proto::host::{TOKEN_CHID_MASK, TOKEN_RUNLIST_MASK, TOKEN_RUNLIST_SHIFT};
use regs::{Effect, Regs};
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::sync::{Arc, MutexGuard};
use vfio_bindings::bindings::vfio::{
    vfio_region_info, vfio_region_sparse_mmap_area, VFIO_DMA_UNMAP_FLAG_ALL, VFIO_IRQ_INFO_EVENTFD,
    VFIO_REGION_INFO_FLAG_MMAP, VFIO_REGION_INFO_FLAG_READ, VFIO_REGION_INFO_FLAG_WRITE,
};
use vfio_user::{DmaMapFlags, DmaUnmapFlags, IrqInfo, ServerBackend, ServerRegion, SparseArea};

/// How many dropped doorbells of a VF are logged as warnings; later ones
/// at debug level.
const DOORBELL_WARNINGS: u64 = 16;

/// One VF's hardware: what its vfio-user server and GSP-RM share.
pub struct VfHw {
    /// The VF's index (GFID - 1).
    index: u16,
    /// The register window.
    regs: Regs,
    msix: Msix,
    msix_enabled: bool,
    /// The vGPU plugin task GSP-RM runs on the VF's GFID (`dev::sriov`).
    pub(super) task: Option<VfTask>,
    /// Trapped BAR1 accesses that reached no FB.
    pub unbacked: u64,
    /// Doorbells rung with no channel to run.
    pub doorbells_dropped: u64,
    /// Whether a doorbell of one of the vGPU's own channels was logged.
    told_unrun: bool,
}

impl VfHw {
    /// VF `index` of a `chip` whose SR-IOV capability says `facts`, in its
    /// reset state.
    pub fn new(index: u16, chip: ChipId, facts: &SriovFacts) -> VfHw {
        VfHw {
            index,
            regs: Regs::new(chip),
            msix: Msix::new(facts.vf_msix_vectors),
            msix_enabled: false,
            task: None,
            unbacked: 0,
            doorbells_dropped: 0,
            told_unrun: false,
        }
    }

    /// A function level reset of the VF: its registers return to their
    /// reset values. Its task is GSP-RM's, which GSP-RM keeps across a VF
    /// FLR (the host asks the plugin to reset the guest's state, NVIDIA's
    /// vGPU RFC `NV_VGPU_CPU_RPC_MSG_RESET`), and the interrupt wiring is
    /// QEMU's.
    pub fn function_reset(&mut self) {
        self.regs.reset();
    }

    /// Sends MSI-X vector 0, the interrupt tree's message.
    fn interrupt(&mut self) {
        if !self.msix_enabled || !self.msix.fire(0) {
            debug!(
                "vf{}: interrupt held: MSI-X delivery not enabled by the guest",
                self.index
            );
        }
    }

    /// Sends the message the tree still holds once the guest enables MSI-X
    /// or wires the vector.
    fn deliver_asserted(&mut self) {
        if self.regs.asserted() {
            self.interrupt();
        }
    }

    /// A read of the register at `reg` (4-byte aligned): the PRI error
    /// pattern, logged, where the window has none.
    fn read_register(&self, reg: u32) -> u32 {
        self.regs.lookup(reg).unwrap_or_else(|| {
            warn!(
                "vf{} bar0: read of unmodelled register {reg:#08x}: {:#010x} (PRI error)",
                self.index,
                super::bar0::PRI_ERROR
            );
            super::bar0::PRI_ERROR
        })
    }

    /// A write of `v` to the register at `reg` (4-byte aligned).
    fn write_register(&mut self, reg: u32, v: u32) {
        let i = self.index;
        match self.regs.write32(reg, v) {
            Effect::None => {}
            Effect::Interrupt => self.interrupt(),
            Effect::Doorbell(token) => self.doorbell(token),
            Effect::PrivDoorbell(handle) => self.doorbell_dropped(
                format_args!("privileged doorbell {handle:#x}"),
                "no vGPU plugin",
            ),
            Effect::ReadOnly => {
                warn!("vf{i} bar0: write {v:#010x} to read-only register {reg:#08x} dropped");
            }
            Effect::Unmodelled => {
                warn!("vf{i} bar0: write of unmodelled register {reg:#08x} dropped");
            }
        }
    }

    /// The work-submit doorbell rung with `token` (RUNLIST_ID 22:16,
    /// VECTOR 11:0: `nvgsp_proto::host`): dropped, as the model runs no
    /// vGPU channels; logged as a defect unless it names one of the vGPU's.
    fn doorbell(&mut self, token: u32) {
        let known = TOKEN_CHID_MASK | TOKEN_RUNLIST_MASK << TOKEN_RUNLIST_SHIFT;
        let (runlist, chid) = (
            token >> TOKEN_RUNLIST_SHIFT & TOKEN_RUNLIST_MASK,
            token & TOKEN_CHID_MASK,
        );
        let what = format_args!("doorbell {token:#x}");
        match &self.task {
            None => self.doorbell_dropped(what, "no vGPU"),
            Some(_) if token & !known != 0 => {
                self.doorbell_dropped(what, "no channel: bits outside RUNLIST_ID and VECTOR")
            }
            Some(t)
                if t.channels
                    .iter()
                    .any(|c| c.runlist == runlist && c.chids.contains(&chid)) =>
            {
                self.doorbells_dropped += 1;
                let gfid = u32::from(self.index) + 1;
                if !std::mem::replace(&mut self.told_unrun, true) {
                    info!(
                        "vf{}: doorbell {token:#x} for channel {chid} of GFID {gfid} dropped: \
                         the model runs no vGPU channels; further ones at debug level",
                        self.index
                    );
                } else {
                    debug!(
                        "vf{}: doorbell {token:#x} of GFID {gfid} dropped",
                        self.index
                    );
                }
            }
            Some(_) => self.doorbell_dropped(
                format_args!("doorbell {token:#x} (runlist {runlist}, channel {chid})"),
                "no such channel",
            ),
        }
    }

    /// A doorbell `what` rang for nothing: the GFID has `lacking`. Logged
    /// as a warning for the first [`DOORBELL_WARNINGS`], then at debug level.
    fn doorbell_dropped(&mut self, what: std::fmt::Arguments<'_>, lacking: &str) {
        self.doorbells_dropped += 1;
        let (i, gfid) = (self.index, u32::from(self.index) + 1);
        if self.doorbells_dropped <= DOORBELL_WARNINGS {
            warn!("vf{i}: {what} dropped: GFID {gfid} has {lacking}");
        } else {
            debug!("vf{i}: {what} dropped: GFID {gfid} has {lacking}");
        }
    }

    /// The vGPU plugin task GSP-RM runs on the VF, if any.
    #[cfg(test)]
    pub fn task(&self) -> Option<&VfTask> {
        self.task.as_ref()
    }

    /// How many bytes from BAR1 offset 0 reach guest memory.
    fn backed(&self) -> u64 {
        self.task.as_ref().map_or(0, |t| t.backed)
    }

    /// A trapped access of `len` bytes at BAR1 `offset`: how many of its
    /// bytes, from the start, reach guest memory. The rest reach nothing,
    /// counted and logged (`outcome`: what happens to them).
    fn bar1_reach(&mut self, offset: u64, len: usize, what: &str, outcome: &str) -> usize {
        let n = usize::try_from(self.backed().saturating_sub(offset)).map_or(len, |b| b.min(len));
        if n < len {
            self.unbacked += 1;
            let (i, at) = (self.index, offset + n as u64);
            if self.unbacked == 1 {
                warn!(
                    "vf{i} bar1: {what} of {} bytes at offset {at:#x} reaches no FB (no vGPU memory there): {outcome}; further ones at debug level",
                    len - n
                );
            } else {
                debug!(
                    "vf{i} bar1: {what} of {} bytes at offset {at:#x} reaches no FB: {outcome}",
                    len - n
                );
            }
        }
        n
    }
}

/// The vfio-user device of VF `index` (GFID `index + 1`).
pub struct VirtualFunction {
    index: u16,
    sriov: Arc<Sriov>,
    config: ConfigSpace,
    /// The guest memory the VMM shared with this function.
    mem: GuestMemory,
    verbose: bool,
}

impl VirtualFunction {
    /// VF `index` of the board `sriov` belongs to; `None` beyond its
    /// `TotalVFs`. With `verbose`, every register access is logged.
    pub fn new(sriov: Arc<Sriov>, index: u16, verbose: bool) -> Option<VirtualFunction> {
        if index >= sriov.facts().total_vfs {
            return None;
        }
        Some(VirtualFunction {
            index,
            config: ConfigSpace::virtual_function(sriov.board(), sriov.facts()),
            sriov,
            mem: GuestMemory::default(),
            verbose,
        })
    }

    /// The VF's hardware, locked.
    fn hw(&self) -> MutexGuard<'_, VfHw> {
        self.sriov
            .vf(self.index)
            .expect("the index was checked at creation")
    }

    /// The region table announced to the client: BAR0, BAR1 and BAR3 of
    /// the VF's sizes and the config space. BAR1 is its file, mappable as
    /// a whole (one sparse-mmap area); the rest is trapped.
    pub fn regions(&self) -> Vec<ServerRegion> {
        let facts = self.sriov.facts();
        let bar1 = self.bar1_file();
        (0..NUM_REGIONS)
            .map(|index| {
                let rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
                let (size, flags) = match index {
                    REGION_BAR0 => (facts.vf_bar0, rw),
                    REGION_BAR1 => (facts.vf_bar1, rw | VFIO_REGION_INFO_FLAG_MMAP),
                    REGION_BAR3 => (facts.vf_bar3, rw),
                    REGION_CONFIG => (pci_config::SIZE as u64, rw),
                    _ => (0, 0),
                };
                let mapped = index == REGION_BAR1;
                ServerRegion {
                    region_info: vfio_region_info {
                        argsz: std::mem::size_of::<vfio_region_info>() as u32,
                        flags,
                        index,
                        cap_offset: 0,
                        size,
                        offset: 0,
                    },
                    sparse_areas: if mapped {
                        vec![SparseArea {
                            area: vfio_region_sparse_mmap_area { offset: 0, size },
                        }]
                    } else {
                        Vec::new()
                    },
                    mmap_fd: mapped.then(|| bar1.as_raw_fd()),
                }
            })
            .collect()
    }

    /// The VF's BAR1 memory.
    fn bar1_file(&self) -> &Arc<File> {
        self.sriov
            .bar1_file(self.index)
            .expect("the index was checked at creation")
    }

    /// The interrupt indices announced to the client: MSI-X only, with the
    /// VF's vector count.
    pub fn irqs(&self) -> Vec<IrqInfo> {
        let vectors = u32::from(self.sriov.facts().vf_msix_vectors);
        (0..irq::NUM_INDICES)
            .map(|index| {
                let msix = index == irq::INDEX_MSIX;
                IrqInfo {
                    index,
                    flags: if msix { VFIO_IRQ_INFO_EVENTFD } else { 0 },
                    count: if msix { vectors } else { 0 },
                }
            })
            .collect()
    }

    /// Accepts naturally aligned 1, 2, 4 or 8-byte accesses inside BAR0.
    fn check_bar0_access(&self, offset: u64, len: usize) -> io::Result<u32> {
        let len = len as u64;
        let inside = offset
            .checked_add(len)
            .is_some_and(|end| end <= self.sriov.facts().vf_bar0);
        if inside && matches!(len, 1 | 2 | 4 | 8) && offset.is_multiple_of(len) {
            u32::try_from(offset).map_err(|_| invalid("bad VF BAR0 access"))
        } else {
            Err(invalid("bad VF BAR0 access"))
        }
    }

    /// Accepts accesses of 1 to 8 bytes inside BAR1.
    fn check_bar1_access(&self, offset: u64, len: usize) -> io::Result<()> {
        let inside = offset
            .checked_add(len as u64)
            .is_some_and(|end| end <= self.sriov.facts().vf_bar1);
        if inside && (1..=8).contains(&len) {
            Ok(())
        } else {
            Err(invalid("bad VF BAR1 access"))
        }
    }

    fn bar0_read(&self, offset: u64, data: &mut [u8]) -> io::Result<()> {
        let off = self.check_bar0_access(offset, data.len())?;
        let base = off & !3;
        let mut dwords = [0u8; 8];
        {
            let hw = self.hw();
            let words = if data.len() == 8 { 2 } else { 1 };
            for i in 0..words {
                let v = hw.read_register(base + 4 * i as u32);
                dwords[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        let at = (off & 3) as usize;
        data.copy_from_slice(&dwords[at..at + data.len()]);
        if self.verbose {
            debug!("vf{} bar0 read {offset:#08x} -> {data:02x?}", self.index);
        }
        Ok(())
    }

    fn bar0_write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let off = self.check_bar0_access(offset, data.len())?;
        if self.verbose {
            debug!("vf{} bar0 write {offset:#08x} <- {data:02x?}", self.index);
        }
        let base = off & !3;
        let mut hw = self.hw();
        for (i, chunk) in data.chunks(4).enumerate() {
            let reg = base + 4 * i as u32;
            let mut v = hw.regs.lookup(reg).unwrap_or(0).to_le_bytes();
            let at = (off & 3) as usize;
            v[at..at + chunk.len()].copy_from_slice(chunk);
            hw.write_register(reg, u32::from_le_bytes(v));
        }
        Ok(())
    }

    /// A function level reset the VF's config space asked for.
    fn function_reset(&self) {
        info!("vf{}: function level reset", self.index);
        self.hw().function_reset();
    }
}

impl ServerBackend for VirtualFunction {
    fn region_read(&mut self, region: u32, offset: u64, data: &mut [u8]) -> io::Result<()> {
        match region {
            REGION_CONFIG => self
                .config
                .read(offset, data)
                .ok_or_else(|| invalid("config read out of range")),
            REGION_BAR0 => self.bar0_read(offset, data),
            REGION_BAR1 => {
                self.check_bar1_access(offset, data.len())?;
                // The VF's lock is held across the access, so a task
                // starting or stopping sees it whole.
                let mut hw = self.hw();
                let n = hw.bar1_reach(offset, data.len(), "read", "reads 0");
                self.bar1_file().read_exact_at(&mut data[..n], offset)?;
                drop(hw);
                data[n..].fill(0);
                if self.verbose {
                    debug!("vf{} bar1 read {offset:#x} -> {data:02x?}", self.index);
                }
                Ok(())
            }
            REGION_BAR3 => {
                warn!(
                    "vf{} bar3: read of unmodelled register {offset:#x}",
                    self.index
                );
                data.fill(0xff);
                Ok(())
            }
            _ => Err(invalid("read of an absent region")),
        }
    }

    fn region_write(&mut self, region: u32, offset: u64, data: &[u8]) -> io::Result<()> {
        match region {
            REGION_CONFIG => {
                self.config
                    .write(offset, data)
                    .ok_or_else(|| invalid("config write out of range"))?;
                if self.config.take_flr() {
                    self.function_reset();
                }
                let mut hw = self.hw();
                let was_enabled = hw.msix_enabled;
                hw.msix_enabled = self.config.msix_enabled();
                if !was_enabled && hw.msix_enabled {
                    hw.deliver_asserted();
                }
                Ok(())
            }
            REGION_BAR0 => self.bar0_write(offset, data),
            REGION_BAR1 => {
                self.check_bar1_access(offset, data.len())?;
                if self.verbose {
                    debug!("vf{} bar1 write {offset:#x} <- {data:02x?}", self.index);
                }
                let mut hw = self.hw();
                let n = hw.bar1_reach(offset, data.len(), "write", "dropped");
                self.bar1_file().write_all_at(&data[..n], offset)?;
                drop(hw);
                Ok(())
            }
            REGION_BAR3 => {
                warn!(
                    "vf{} bar3: write of unmodelled register {offset:#x} dropped",
                    self.index
                );
                Ok(())
            }
            _ => Err(invalid("write to an absent region")),
        }
    }

    fn dma_map(
        &mut self,
        _flags: DmaMapFlags,
        offset: u64,
        iova: u64,
        size: u64,
        fd: Option<File>,
    ) -> io::Result<()> {
        // As the PF's (`Device::dma_map`): windows without a descriptor are
        // unreachable.
        let Some(fd) = fd else {
            debug!(
                "vf{}: dma map {iova:#x}+{size:#x} without a file descriptor: not reachable",
                self.index
            );
            return Ok(());
        };
        debug!("vf{}: dma map {iova:#x}+{size:#x}", self.index);
        self.mem.map(iova, size, fd, offset)
    }

    fn dma_unmap(&mut self, flags: DmaUnmapFlags, iova: u64, size: u64) -> io::Result<()> {
        debug!(
            "vf{}: dma unmap {iova:#x}+{size:#x} flags {flags:?}",
            self.index
        );
        if flags.bits() & VFIO_DMA_UNMAP_FLAG_ALL != 0 {
            self.mem.unmap(None)
        } else {
            self.mem.unmap(Some((iova, size)))
        }
    }

    fn reset(&mut self) -> io::Result<()> {
        info!("vf{}: device reset", self.index);
        self.config = ConfigSpace::virtual_function(self.sriov.board(), self.sriov.facts());
        let mut hw = self.hw();
        hw.function_reset();
        hw.msix.clear();
        hw.msix_enabled = false;
        Ok(())
    }

    fn set_irqs(
        &mut self,
        index: u32,
        flags: u32,
        start: u32,
        count: u32,
        fds: Vec<File>,
    ) -> io::Result<()> {
        let mut hw = self.hw();
        if hw.msix.set_irqs(index, flags, start, count, fds)? {
            hw.deliver_asserted();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
