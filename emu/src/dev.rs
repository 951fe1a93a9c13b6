//! The emulated GPU as a vfio-user device: regions, interrupts, DMA.

pub mod bar0;
pub mod bar1;
pub mod boot;
pub mod cpu_intr;
pub mod falcon;
pub mod fb_flush;
pub mod host;
pub mod mmu;
pub mod pramin;
pub mod reserved;
pub mod sriov;
pub mod vf;

use crate::board::{Board, SriovFacts};
use crate::guest_mem::GuestMemory;
use crate::irq::{self, Msix};
use crate::pci_config::{self, ConfigSpace, PciView};
use crate::vram::{Vram, VramView};
use bar0::{Bar0, Effect};
use log::{debug, info, warn};
use nvgsp_proto::{chip::ChipId, pci};
use std::fs::File;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use vfio_bindings::bindings::vfio::{
    vfio_region_info, VFIO_DMA_UNMAP_FLAG_ALL, VFIO_IRQ_INFO_EVENTFD, VFIO_REGION_INFO_FLAG_READ,
    VFIO_REGION_INFO_FLAG_WRITE,
};
use vfio_user::{DmaMapFlags, DmaUnmapFlags, IrqInfo, ServerBackend, ServerRegion};

/// VFIO region indices of a PCI device (linux/vfio.h `VFIO_PCI_*_REGION_INDEX`).
const REGION_BAR0: u32 = 0;
const REGION_BAR1: u32 = 1;
const REGION_BAR3: u32 = 3;
const REGION_CONFIG: u32 = 7;
const NUM_REGIONS: u32 = 9;

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, what.to_string())
}

/// Accepts naturally aligned 1, 2, 4 or 8-byte accesses inside BAR0.
fn check_bar0_access(offset: u64, len: usize) -> io::Result<()> {
    let len = len as u64;
    let inside = offset
        .checked_add(len)
        .is_some_and(|end| end <= pci::BAR0_SIZE);
    if inside && matches!(len, 1 | 2 | 4 | 8) && offset.is_multiple_of(len) {
        Ok(())
    } else {
        Err(invalid("bad BAR0 access"))
    }
}

/// The default size of BAR1 (`--bar1`): a GeForce RTX 3090's without
/// Resizable BAR.
pub const BAR1_SIZE: u64 = 256 << 20;

/// The hardware state the vfio-user thread and the GSP-RM model share:
/// registers, VRAM and interrupt delivery.
pub struct Hw {
    /// The register aperture.
    pub bar0: Bar0,
    /// Where the guest put the BARs, and the function's identity.
    pub pci: pci_config::PciView,
    /// VRAM: the device's accesses, GSP-RM's walk of tables there.
    pub vram: Option<VramView>,
    /// The size of BAR1.
    pub bar1_size: u64,
    /// The VRAM GSP-RM declared its own at boot, while it runs.
    pub rm_reserved: Option<reserved::RmReserved>,
    /// BAR1 faults and driver defects so far (kept across resets).
    pub counters: bar1::Counters,
    /// What the PF shares with its virtual functions, on a board with
    /// SR-IOV: GSP-RM's way to them.
    pub sriov: Option<Arc<sriov::Sriov>>,
    msix: Msix,
    msix_enabled: bool,
}

impl Hw {
    /// Hardware around `bar0`, with MSI-X not yet enabled.
    pub fn new(bar0: Bar0) -> SharedHw {
        Arc::new(Mutex::new(Hw {
            bar0,
            pci: pci_config::PciView::default(),
            vram: None,
            bar1_size: BAR1_SIZE,
            rm_reserved: None,
            counters: bar1::Counters::default(),
            sriov: None,
            msix: Msix::new(pci::MSIX_VECTORS),
            msix_enabled: false,
        }))
    }

    /// A function reset's effect on the hardware: registers and WPR2 at
    /// their reset values (BAR1 unbound, the TLB empty), GSP-RM's claims
    /// gone with it, the host's posted writes landed.
    fn reset_function(&mut self) {
        self.bar0.reset();
        self.rm_reserved = None;
        if let Some(v) = &self.vram {
            v.flush();
        }
        if let Some(s) = &self.sriov {
            s.pf_reset();
        }
    }

    fn interrupt(&mut self, vector: usize) {
        if !self.msix_enabled || !self.msix.fire(vector) {
            debug!("interrupt on MSI-X vector {vector} held: delivery not enabled by the guest");
        } else if vector == 0 {
            crate::trace::mark(crate::trace::Step::Msi);
        }
    }

    /// Delivers the interrupts still asserted once the guest enables MSI-X
    /// or wires a vector.
    fn deliver_asserted(&mut self) {
        let vectors: Vec<usize> = self.bar0.asserted_vectors().collect();
        for v in vectors {
            self.interrupt(v);
        }
    }

    /// GSP-RM raising SWGEN0 on its falcon: "look at the message queue".
    pub fn raise_gsp_swgen0(&mut self) {
        self.raise_gsp(nvgsp_proto::falcon::IRQ_SWGEN0);
    }

    /// The GSP falcon raising interrupt `bits`; the host hears of it
    /// through the CPU interrupt tree when the falcon's line of routed,
    /// unmasked causes rises.
    pub fn raise_gsp(&mut self, bits: u32) {
        if self.bar0.raise_gsp(bits) {
            self.interrupt(0);
        }
    }

    /// An engine signalling `vector` in the CPU interrupt tree (a copy
    /// engine's or a channel's non-stall interrupt); the MSI goes out if
    /// the tree says so.
    pub fn signal_vector(&mut self, vector: u32) {
        if self.bar0.signal(vector) {
            self.interrupt(0);
        }
    }

    /// The ucode on falcon `e` ended (see [`Bar0::halt`]).
    pub fn halt(&mut self, e: falcon::Engine) {
        if self.bar0.halt(e) {
            self.interrupt(0);
        }
    }
}

/// Shared handle on [`Hw`].
pub type SharedHw = Arc<Mutex<Hw>>;

/// Locks `hw`; a panicked holder leaves plain register values, still usable.
pub fn lock(hw: &SharedHw) -> MutexGuard<'_, Hw> {
    hw.lock().unwrap_or_else(|e| e.into_inner())
}

/// The whole emulated GPU: its physical function.
pub struct Device {
    /// The board, and the SR-IOV capability it offers, if any.
    board: Board,
    sriov: Option<SriovFacts>,
    config: ConfigSpace,
    hw: SharedHw,
    vram: Vram,
    /// The size of BAR1 (`--bar1`).
    bar1: u64,
    mem: GuestMemory,
    boot: boot::Boot,
    verbose: bool,
    /// Where the VMM plugged the function (bus << 8 | devfn), if told.
    routing_id: Option<u16>,
    /// The host's channels and doorbells, which GSP-RM sets up.
    host: host::Host,
    /// The host thread, running the channels.
    _host_thread: host::Worker,
}

impl Device {
    /// A Function Level Reset (PCIe DevCtl Initiate FLR): the function's
    /// internal state is reset (GSP-RM stops, registers and WPR2 return to
    /// their reset values, GFW boot runs again). The config space, which
    /// the kernel saves and restores around it, and the interrupt wiring,
    /// which belongs to QEMU's side (it does not send it again), stay.
    fn function_reset(&mut self) {
        info!("function level reset");
        self.boot.stop();
        lock(&self.hw).reset_function();
    }

    /// The GeForce board ([`Device::with_board`]).
    #[cfg(test)]
    pub fn new(
        chip: ChipId,
        vram: u64,
        bar1: u64,
        boot: boot::Boot,
        verbose: bool,
    ) -> io::Result<Device> {
        Device::with_board(Board::Rtx3090, None, chip, vram, bar1, boot, verbose)
    }

    /// `board`, offering the SR-IOV capability `sriov` says if given one,
    /// with a GPU identifying as `chip`, `vram` bytes of VRAM and a BAR1
    /// of `bar1` bytes, booting GSP-RM as `boot` describes.
    pub fn with_board(
        board: Board,
        sriov: Option<SriovFacts>,
        chip: ChipId,
        vram: u64,
        bar1: u64,
        boot: boot::Boot,
        verbose: bool,
    ) -> io::Result<Device> {
        let config = ConfigSpace::for_board(board, sriov.as_ref(), bar1);
        let hw = Hw::new(Bar0::with_fuses(chip, vram, boot.vbios(), boot.fuses()));
        let mem = GuestMemory::default();
        let host = boot.host();
        let host_thread = host.start(hw.clone(), mem.clone())?;
        let device = Device {
            board,
            sriov,
            config,
            hw,
            vram: Vram::new(vram)?,
            bar1,
            mem,
            boot,
            verbose,
            routing_id: None,
            host,
            _host_thread: host_thread,
        };
        let mut hw = lock(&device.hw);
        hw.pci = device.pci_view();
        hw.vram = Some(device.vram.view()?);
        hw.bar1_size = bar1;
        if let Some(facts) = sriov {
            let vram = device.vram.view()?;
            hw.sriov = Some(Arc::new(sriov::Sriov::new(board, facts, chip, vram)?));
        }
        drop(hw);
        Ok(device)
    }

    /// What the PF shares with its virtual functions, on a board with
    /// SR-IOV.
    pub fn sriov(&self) -> Option<Arc<sriov::Sriov>> {
        lock(&self.hw).sriov.clone()
    }

    /// The control port's probe of this device's MMU and BAR1, for the VA
    /// spaces GSP-RM lists in `vaspaces`.
    pub fn probe(&self, vaspaces: crate::gsp_rm::vaspace::VaSpaces) -> mmu::Probe {
        let mem = crate::gsp_rm::gmmu::GpuMemory {
            sys: self.mem.clone(),
            vram: lock(&self.hw).vram.clone(),
        };
        mmu::Probe::new(self.hw.clone(), mem, vaspaces, self.host.clone())
    }

    /// Records where the VMM plugged the function. A PCIe function learns
    /// its bus and device number from the Type 0 configuration writes it
    /// receives (PCIe Base Specification 2.2.6.2, "captured" Bus and
    /// Device Numbers); vfio-user forwards no routing, so the one who
    /// wires the function says it instead.
    pub fn set_routing_id(&mut self, id: u16) {
        self.routing_id = Some(id);
        lock(&self.hw).pci = self.pci_view();
    }

    /// What GSP-RM may compare GSP_SET_SYSTEM_INFO against.
    fn pci_view(&self) -> PciView {
        PciView {
            routing_id: self.routing_id,
            ..self.config.view()
        }
    }

    /// Sets how long GFW boot runs after power-on (from now) and resets.
    pub fn set_gfw_boot_time(&mut self, d: std::time::Duration) {
        lock(&self.hw).bar0.set_gfw_boot_time(d);
    }

    /// Sets the vector the GSP falcon signals in the CPU interrupt tree
    /// (what the GSP-RM model's interrupt table reports).
    pub fn set_gsp_vector(&mut self, vector: u32) {
        lock(&self.hw).bar0.set_gsp_vector(vector);
    }

    /// The region table announced to the client. Every region is
    /// trapped, BAR1 included: its offsets are VAs the MMU translates
    /// through page tables the driver changes at run time, which a
    /// mapping QEMU takes once at realize could not follow (vfio-user has
    /// no message that changes a region's mapping; `docs/design/bar1.md`
    /// section 5).
    pub fn regions(&self) -> Vec<ServerRegion> {
        (0..NUM_REGIONS)
            .map(|index| {
                let rw = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
                let (size, flags) = match index {
                    REGION_BAR0 => (pci::BAR0_SIZE, rw),
                    REGION_BAR1 => (self.bar1, rw),
                    REGION_BAR3 => (pci_config::BAR3_SIZE, rw),
                    REGION_CONFIG => (pci_config::SIZE as u64, rw),
                    _ => (0, 0),
                };
                ServerRegion {
                    region_info: vfio_region_info {
                        argsz: std::mem::size_of::<vfio_region_info>() as u32,
                        flags,
                        index,
                        cap_offset: 0,
                        size,
                        offset: 0,
                    },
                    sparse_areas: Vec::new(),
                    mmap_fd: None,
                }
            })
            .collect()
    }

    /// The interrupt indices announced to the client: MSI-X only.
    pub fn irqs() -> Vec<IrqInfo> {
        (0..irq::NUM_INDICES)
            .map(|index| IrqInfo {
                index,
                flags: if index == irq::INDEX_MSIX {
                    VFIO_IRQ_INFO_EVENTFD
                } else {
                    0
                },
                count: if index == irq::INDEX_MSIX {
                    u32::from(pci::MSIX_VECTORS)
                } else {
                    0
                },
            })
            .collect()
    }

    /// Accepts accesses of 1 to 8 bytes inside BAR1 (QEMU splits wider
    /// ones and unaligned ones as the region's ops ask).
    fn check_bar1_access(&self, offset: u64, len: usize) -> io::Result<()> {
        let inside = offset
            .checked_add(len as u64)
            .is_some_and(|end| end <= self.bar1);
        if inside && (1..=8).contains(&len) {
            Ok(())
        } else {
            Err(invalid("bad BAR1 access"))
        }
    }

    fn bar0_read(&self, offset: u64, data: &mut [u8]) -> io::Result<()> {
        check_bar0_access(offset, data.len())?;
        if pramin::WINDOW.contains(&offset) {
            lock(&self.hw).pramin_read((offset - pramin::WINDOW.start) as u32, data);
            if self.verbose {
                debug!("bar0 read {offset:#08x} -> {data:02x?} (pramin)");
            }
            return Ok(());
        }
        let base = (offset & !3) as u32;
        if base == nvgsp_proto::falcon::GSP_BASE + nvgsp_proto::falcon::IRQSTAT {
            crate::trace::mark(crate::trace::Step::Stat);
        }
        let mut dwords = [0u8; 8];
        {
            let mut hw = lock(&self.hw);
            let words = if data.len() == 8 { 2 } else { 1 };
            for i in 0..words {
                let reg = base + 4 * i as u32;
                let v = hw.read_register(reg).unwrap_or_else(|| {
                    warn!(
                        "bar0: read of unmodelled register {reg:#08x}: {:#010x} (PRI error)",
                        bar0::PRI_ERROR
                    );
                    bar0::PRI_ERROR
                });
                dwords[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        let at = (offset & 3) as usize;
        data.copy_from_slice(&dwords[at..at + data.len()]);
        if self.verbose {
            debug!("bar0 read {offset:#08x} -> {data:02x?}");
        }
        Ok(())
    }

    fn bar0_write(&mut self, offset: u64, data: &[u8]) -> io::Result<()> {
        check_bar0_access(offset, data.len())?;
        if self.verbose {
            debug!("bar0 write {offset:#08x} <- {data:02x?}");
        }
        if pramin::WINDOW.contains(&offset) {
            lock(&self.hw).pramin_write((offset - pramin::WINDOW.start) as u32, data);
            return Ok(());
        }
        let base = (offset & !3) as u32;
        if base == nvgsp_proto::falcon::GSP_BASE + nvgsp_proto::falcon::IRQSCLR {
            crate::trace::mark(crate::trace::Step::Ack);
        } else if base == nvgsp_proto::intr::LEAF_TRIGGER {
            crate::trace::mark(crate::trace::Step::Trigger);
        }
        for (i, chunk) in data.chunks(4).enumerate() {
            let reg = base + 4 * i as u32;
            let mut hw = lock(&self.hw);
            let mut v = hw.bar0.read32(reg).to_le_bytes();
            let at = (offset & 3) as usize;
            v[at..at + chunk.len()].copy_from_slice(chunk);
            let v = u32::from_le_bytes(v);
            match hw.bar0.write32(reg, v, &self.mem) {
                Effect::None => {}
                Effect::Unmodelled => {
                    warn!("bar0: write of unmodelled register {reg:#08x} dropped");
                }
                Effect::FbFlush => hw.fb_flush_started(),
                Effect::Defect(why) => {
                    warn!(
                        "bar0: driver defect: write {v:#010x} to register {reg:#08x} dropped: {why}"
                    );
                    hw.counters.defects += 1;
                }
                Effect::Denied => {
                    warn!(
                        "bar0: write of register {reg:#08x} denied by its privilege level mask (PRI error); dropped"
                    );
                }
                Effect::Interrupt(vector) => hw.interrupt(vector),
                Effect::Start(engine) => {
                    drop(hw);
                    self.boot.start(engine, &self.hw, &self.mem);
                }
                Effect::ChannelDoorbell(token) => {
                    drop(hw);
                    self.host.doorbell(token);
                }
                Effect::Doorbell => {
                    drop(hw);
                    crate::trace::mark(crate::trace::Step::Doorbell);
                    self.boot.doorbell();
                }
                Effect::Reset(engine) => {
                    drop(hw);
                    self.boot.reset(engine, &self.hw);
                }
            }
        }
        Ok(())
    }
}

impl ServerBackend for Device {
    fn region_read(&mut self, region: u32, offset: u64, data: &mut [u8]) -> io::Result<()> {
        match region {
            REGION_CONFIG => self
                .config
                .read(offset, data)
                .ok_or_else(|| invalid("config read out of range")),
            REGION_BAR0 => self.bar0_read(offset, data),
            REGION_BAR1 => {
                self.check_bar1_access(offset, data.len())?;
                lock(&self.hw).bar1_read(&self.mem, offset, data);
                if self.verbose {
                    debug!("bar1 read {offset:#x} -> {data:02x?}");
                }
                Ok(())
            }
            REGION_BAR3 => {
                // The instance-memory aperture is not modelled.
                warn!("bar3: read of unmodelled register {offset:#x}");
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
                let mut hw = lock(&self.hw);
                hw.pci = self.pci_view();
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
                    debug!("bar1 write {offset:#x} <- {data:02x?}");
                }
                lock(&self.hw).bar1_write(&self.mem, offset, data);
                Ok(())
            }
            REGION_BAR3 => {
                warn!("bar3: write of unmodelled register {offset:#x} dropped");
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
        // Windows without a file descriptor (QEMU's ROM and MMIO ranges) can
        // only be reached through messages; the device never does DMA there,
        // so an access to one is a DMA fault. Guest RAM is memfd-backed and
        // always comes with one (scripts/vm).
        let Some(fd) = fd else {
            debug!("dma map {iova:#x}+{size:#x} without a file descriptor: not reachable");
            return Ok(());
        };
        debug!("dma map {iova:#x}+{size:#x}");
        self.mem.map(iova, size, fd, offset)
    }

    fn dma_unmap(&mut self, flags: DmaUnmapFlags, iova: u64, size: u64) -> io::Result<()> {
        debug!("dma unmap {iova:#x}+{size:#x} flags {flags:?}");
        if flags.bits() & VFIO_DMA_UNMAP_FLAG_ALL != 0 {
            self.mem.unmap(None)
        } else {
            self.mem.unmap(Some((iova, size)))
        }
    }

    fn reset(&mut self) -> io::Result<()> {
        info!("device reset");
        self.config = ConfigSpace::for_board(self.board, self.sriov.as_ref(), self.bar1);
        self.boot.stop();
        let mut hw = lock(&self.hw);
        hw.reset_function();
        hw.pci = self.pci_view();
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
        let mut hw = lock(&self.hw);
        if hw.msix.set_irqs(index, flags, start, count, fds)? {
            hw.deliver_asserted();
        }
        Ok(())
    }
}
