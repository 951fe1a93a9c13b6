//! The driver side of the tests: a [`Device`] reached only through BAR0
//! accesses and DMA mappings, and the steps Linux 7.3 nova-core takes on
//! GA102 (`falcon.rs` `reset`, `dma_load`, `boot`; `firmware/fwsec.rs`;
//! `firmware/booter.rs`; `gsp/hal/tu102.rs`), written against the `proto`
//! parsers a driver uses.

use crate::board::Board;
use crate::dev::bar0::reg;
use crate::dev::boot::Boot;
use crate::dev::{Device, REGION_BAR0};
use crate::firmware::Firmware;
use crate::gsp_rm::RmConfig;
use nvgsp_proto::chip::{self, ChipId};
use nvgsp_proto::falcon as f;
use nvgsp_proto::firmware::gsp_rm::{GspRmFirmware, SECTION_SIGNATURE_GA10X};
use nvgsp_proto::firmware::hs::HsFirmware;
use nvgsp_proto::firmware::riscv::RiscvFirmware;
use nvgsp_proto::firmware::vbios::appif::{DmemInterface, FwsecCommand};
use nvgsp_proto::firmware::vbios::ucode_desc::BCRT30_RSA3K_SIG_SIZE;
use nvgsp_proto::firmware::vbios::ucode_table::APPID_FWSEC_PROD;
use nvgsp_proto::firmware::vbios::Vbios;
use nvgsp_proto::firmware::{fuse_version, LoadTarget};
use nvgsp_proto::gsp::args::GspArgumentsCached;
use nvgsp_proto::gsp::fb_layout::{FbLayout, SysmemImages};
use nvgsp_proto::gsp::function::Function;
use nvgsp_proto::gsp::libos::{self, LibosMemoryRegionInitArgument};
use nvgsp_proto::gsp::msgq;
use nvgsp_proto::gsp::wpr_meta::GspFwWprMeta;
use nvgsp_proto::wire::Wire;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use vfio_user::{DmaMapFlags, ServerBackend};

/// VRAM of the test GPU (the emulator's default).
pub const VRAM: u64 = 256 << 20;
/// IOVA of the guest memory window.
const IOVA: u64 = 0x1_0000_0000;
/// `NV_PFALCON2_*` registers are at `base + 0x1000`.
const BLOCK2: u32 = 0x1000;
/// nova-core `Sec2UnloadBundle::run`'s mailbox sentinel.
pub const UNLOAD_SENTINEL: u32 = 0xff;

/// The firmware directory: `NVGSP_FIRMWARE_DIR` or the toolchain root's.
pub fn firmware_dir() -> PathBuf {
    let dir = std::env::var_os("NVGSP_FIRMWARE_DIR").map_or_else(
        || PathBuf::from("/root/.cache/nvgsp/root-795ffc08d42f2cc0/usr/lib/firmware"),
        PathBuf::from,
    );
    let probe = dir.join("nvidia/ga102/gsp/booter_unload-570.144.bin");
    assert!(
        probe.is_file(),
        "the booter tests need the real GA102 firmware: {} is missing; set NVGSP_FIRMWARE_DIR \
         to a directory holding nvidia/ga102/gsp/*-570.144.bin",
        probe.display()
    );
    dir
}

fn file(name: &str) -> Vec<u8> {
    let path = firmware_dir().join("nvidia/ga102/gsp").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The emulator's view of the files, loaded once.
fn emulator_firmware() -> Firmware {
    static FW: OnceLock<Firmware> = OnceLock::new();
    FW.get_or_init(|| {
        Firmware::load(&firmware_dir(), "ga102", SECTION_SIGNATURE_GA10X)
            .unwrap_or_else(|e| panic!("cannot load the GA102 firmware: {e}"))
    })
    .clone()
}

/// A falcon as the driver addresses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Falcon {
    /// The GSP falcon (`NV_PGSP`).
    Gsp,
    /// SEC2 (`NV_PSEC`).
    Sec2,
}

impl Falcon {
    fn base(self) -> u32 {
        match self {
            Falcon::Gsp => f::GSP_BASE,
            Falcon::Sec2 => f::SEC2_BASE,
        }
    }
}

/// A heavy-secure ucode prepared for loading, as nova-core's
/// `FalconDmaLoadable` + `FalconFirmware` describe it.
#[derive(Clone, Debug)]
pub struct Ucode {
    /// The DMA object: the whole image.
    pub image: Vec<u8>,
    /// Where IMEM comes from and goes.
    pub imem: LoadTarget,
    /// Where DMEM comes from and goes.
    pub dmem: LoadTarget,
    /// `BROM_PARAADDR(0)`.
    pub pkc_data_offset: u32,
    /// `BROM_ENGIDMASK`.
    pub engine_id_mask: u32,
    /// `BROM_CURR_UCODE_ID`.
    pub ucode_id: u32,
    /// `BOOTVEC`.
    pub boot_addr: u32,
}

impl Ucode {
    /// The DMEM image inside [`Self::image`], for tests to corrupt.
    pub fn dmem_mut(&mut self) -> &mut [u8] {
        let d = self.dmem;
        &mut self.image[d.src as usize..(d.src + d.len) as usize]
    }
}

/// The emulated GPU and a guest-memory window, reached the way a driver
/// reaches them.
pub struct Gpu {
    pub dev: Device,
    /// Its VRAM size.
    vram: u64,
    next: u64,
    end: u64,
    images: Option<SysmemImages>,
}

impl Gpu {
    /// A GA102 with `mem` bytes of guest memory, booting against the real
    /// firmware if `firmware`.
    pub fn new(firmware: bool, mem: u64) -> Gpu {
        Gpu::on_board(Board::Rtx3090, VRAM, firmware, mem)
    }

    /// [`Gpu::new`] on `board` with `vram` bytes of VRAM (and the board's
    /// SR-IOV capability, if it has one, with two VFs).
    pub fn on_board(board: Board, vram: u64, firmware: bool, mem: u64) -> Gpu {
        // The device's log lines show with a failing test's output.
        crate::logger::init(false);
        let fw = firmware.then(emulator_firmware);
        let sriov = board.sriov().map(|f| f.with_vfs(2));
        let config = RmConfig {
            vram,
            board,
            sriov,
            ..RmConfig::default()
        };
        let mut dev = Device::with_board(
            board,
            sriov,
            ChipId::GA102_A1,
            vram,
            crate::dev::BAR1_SIZE,
            Boot::with_vbios(config, fw, board.vbios()),
            false,
        )
        .unwrap();
        let backing = crate::guest_mem::backing_file(mem);
        dev.dma_map(DmaMapFlags::READ_WRITE, 0, IOVA, mem, Some(backing))
            .unwrap();
        let mut gpu = Gpu {
            dev,
            vram,
            next: IOVA,
            end: IOVA + mem,
            images: None,
        };
        gpu.wait_gfw_boot();
        gpu
    }

    /// nova-core `wait_gfw_boot_completion`: the privilege level mask
    /// lowered, then GFW_BOOT's progress at 0xff.
    pub fn wait_gfw_boot(&mut self) {
        let start = Instant::now();
        while self.read32(0x118128) & 1 == 0 || self.read32(0x118234) & 0xff != 0xff {
            assert!(
                start.elapsed() < Duration::from_secs(4),
                "GFW boot did not complete"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// A GPU with the real firmware and room for GSP-RM.
    pub fn with_firmware() -> Gpu {
        Gpu::new(true, 96 << 20)
    }

    pub fn read32(&mut self, off: u32) -> u32 {
        let mut b = [0u8; 4];
        self.dev
            .region_read(REGION_BAR0, off.into(), &mut b)
            .unwrap();
        u32::from_le_bytes(b)
    }

    pub fn write32(&mut self, off: u32, v: u32) {
        self.dev
            .region_write(REGION_BAR0, off.into(), &v.to_le_bytes())
            .unwrap();
    }

    /// Copies `data` into fresh, page-aligned guest memory.
    pub fn alloc(&mut self, data: &[u8]) -> u64 {
        let at = self.next;
        let len = (data.len() as u64).max(1).next_multiple_of(0x1000);
        assert!(at + len <= self.end, "test guest memory exhausted");
        self.next += len;
        self.dev.mem.write(at, data).unwrap();
        at
    }

    /// WPR2 as nova-core `fb.rs` `wpr2_range` reads it.
    pub fn wpr2(&mut self) -> Option<Range<u64>> {
        let hi = self.read32(reg::WPR2_ADDR_HI);
        if hi >> 4 == 0 {
            return None;
        }
        let lo = self.read32(reg::WPR2_ADDR_LO);
        Some(u64::from(lo >> 4) << 12..u64::from(hi >> 4) << 12)
    }

    /// `NV_PBUS_SW_SCRATCH_0E_FRTS_ERR.frts_err_code`.
    pub fn frts_err(&mut self) -> u32 {
        self.read32(reg::SW_SCRATCH_0E) >> 16
    }

    /// nova-core `Falcon::reset`: engine reset, core select, scrub wait,
    /// `RM` = `BOOT_0`.
    pub fn reset(&mut self, fal: Falcon) {
        let base = fal.base();
        self.write32(base + f::ENGINE, 1);
        self.write32(base + f::ENGINE, 0);
        self.wait_scrubbed(fal);
        let bcr = base + BLOCK2 + f::RISCV_BCR_CTRL;
        if self.read32(bcr) & (1 << 4) != 0 {
            self.write32(bcr, 0);
            let start = Instant::now();
            // Seconds, not nova-core's 10 ms: a loaded test machine may
            // stall this thread longer than the model takes.
            while self.read32(bcr) & 1 == 0 {
                assert!(start.elapsed() < Duration::from_secs(5), "core select");
            }
        }
        self.wait_scrubbed(fal);
        let boot0 = self.read32(chip::NV_PMC_BOOT_0);
        self.write32(base + f::RM, boot0);
    }

    /// nova-core `reset_wait_mem_scrubbing`.
    pub fn wait_scrubbed(&mut self, fal: Falcon) {
        let start = Instant::now();
        while self.read32(fal.base() + f::HWCFG2) & f::HWCFG2_MEM_SCRUBBING != 0 {
            assert!(start.elapsed() < Duration::from_secs(5), "scrubbing");
        }
    }

    /// nova-core `Falcon::dma_load`: IMEM then DMEM in 256-byte transfers,
    /// then the boot-ROM registers and the boot vector.
    pub fn load(&mut self, fal: Falcon, u: &Ucode) {
        let base = fal.base();
        let mut image = u.image.clone();
        image.resize(image.len().next_multiple_of(256), 0);
        let addr = self.alloc(&image);
        // nova-core `dma_reset`, then TRANSCFG(0): physical, coherent
        // system memory.
        let ctl = self.read32(base + f::FBIF_CTL);
        self.write32(base + f::FBIF_CTL, ctl | 1 << 7);
        self.write32(base + f::DMACTL, 0);
        self.write32(base + f::FBIF_TRANSCFG, 0x5);
        for (t, imem) in [(u.imem, true), (u.dmem, false)] {
            // IMEM: the source offset is the tag, from the image's start;
            // DMEM: folded into the DMA address.
            let (fb_start, dma) = if imem {
                (t.src, addr)
            } else {
                (0, addr + u64::from(t.src))
            };
            self.write32(base + f::DMATRFBASE, (dma >> 8) as u32);
            self.write32(base + f::DMATRFBASE1, (dma >> 40) as u32);
            // IMEM transfers are secure (nova-core `FalconMem::ImemSecure`).
            let cmd =
                (6 << f::DMATRFCMD_SIZE_SHIFT) | if imem { f::DMATRFCMD_IMEM | 1 << 2 } else { 0 };
            for pos in (0..t.len.div_ceil(256)).map(|i| i * 256) {
                self.write32(base + f::DMATRFMOFFS, t.dst + pos);
                self.write32(base + f::DMATRFFBOFFS, fb_start + pos);
                self.write32(base + f::DMATRFCMD, cmd);
                assert_ne!(self.read32(base + f::DMATRFCMD) & f::DMATRFCMD_IDLE, 0);
            }
        }
        let b2 = base + BLOCK2;
        self.write32(b2 + f::BROM_PARAADDR, u.pkc_data_offset);
        self.write32(b2 + f::BROM_ENGIDMASK, u.engine_id_mask);
        self.write32(b2 + f::BROM_CURR_UCODE_ID, u.ucode_id);
        self.write32(b2 + f::MOD_SEL, 1);
        self.write32(base + f::BOOTVEC, u.boot_addr);
    }

    /// nova-core `Falcon::boot`: mailboxes, start, wait for the halt,
    /// read the mailboxes.
    pub fn boot(&mut self, fal: Falcon, mbox0: Option<u32>, mbox1: Option<u32>) -> (u32, u32) {
        let base = fal.base();
        if let Some(v) = mbox0 {
            self.write32(base + f::MAILBOX0, v);
        }
        if let Some(v) = mbox1 {
            self.write32(base + f::MAILBOX1, v);
        }
        if self.read32(base + f::CPUCTL) & f::CPUCTL_ALIAS_EN != 0 {
            self.write32(base + f::CPUCTL_ALIAS, f::CPUCTL_STARTCPU);
        } else {
            self.write32(base + f::CPUCTL, f::CPUCTL_STARTCPU);
        }
        assert_ne!(
            self.read32(base + f::CPUCTL) & f::CPUCTL_HALTED,
            0,
            "the falcon did not halt"
        );
        (
            self.read32(base + f::MAILBOX0),
            self.read32(base + f::MAILBOX1),
        )
    }

    /// Reset, load and boot (nova-core `FwsecFirmware::run`: MAILBOX0 = 0).
    pub fn run(&mut self, fal: Falcon, u: &Ucode, mbox: [u32; 2]) -> u32 {
        self.reset(fal);
        self.load(fal, u);
        self.boot(fal, Some(mbox[0]), Some(mbox[1])).0
    }

    /// The ROM through the PROM window (nova-core `VbiosIterator`).
    pub fn rom(&mut self) -> Vec<u8> {
        (0..0x10000u32)
            .step_by(4)
            .flat_map(|o| self.read32(reg::PROM + o).to_le_bytes())
            .collect()
    }

    /// nova-core `FwsecFirmware::new`: FWSEC_PROD from the VBIOS, `cmd`
    /// written into its DMEMMAPPER, the signature for the GSP fuse of its
    /// ucode id patched in.
    pub fn fwsec(&mut self, cmd: FwsecCommand) -> Ucode {
        self.fwsec_for(APPID_FWSEC_PROD, cmd)
    }

    /// As [`Self::fwsec`] for the ucode of `app` in the falcon ucode table.
    pub fn fwsec_for(&mut self, app: u8, cmd: FwsecCommand) -> Ucode {
        let rom = self.rom();
        let v = Vbios::parse(&rom).unwrap();
        let fw = v.fwsec_for(app).unwrap();
        let d = fw.desc;
        assert_eq!(d.engine_id_mask & 0x400, 0x400, "FWSEC runs on the GSP");
        let fuse = self.read32(f::FUSE_GSP_UCODE1_VERSION + 4 * (u32::from(d.ucode_id) - 1));
        let index = fw.signature_index(fuse_version(fuse)).unwrap();
        let mut image = fw.ucode().to_vec();
        let imem_len = d.imem_load_size as usize;
        let dmem = &mut image[imem_len..];
        DmemInterface::find(dmem, d.interface_offset)
            .unwrap()
            .patch(dmem, &cmd)
            .unwrap();
        let at = fw.signature_patch_offset();
        image[at..at + BCRT30_RSA3K_SIG_SIZE].copy_from_slice(fw.signature(index).unwrap());
        Ucode {
            image,
            imem: fw.imem_target(),
            dmem: fw.dmem_target(),
            pkc_data_offset: d.pkc_data_offset,
            engine_id_mask: d.engine_id_mask.into(),
            ucode_id: d.ucode_id.into(),
            boot_addr: 0,
        }
    }

    /// The signature of FWSEC_PROD the fuses do not select.
    pub fn other_fwsec_signature(&mut self) -> Vec<u8> {
        let rom = self.rom();
        let v = Vbios::parse(&rom).unwrap();
        let fw = v.fwsec().unwrap();
        let fuse = self.read32(f::FUSE_GSP_UCODE1_VERSION + 4 * (u32::from(fw.desc.ucode_id) - 1));
        let index = fw.signature_index(fuse_version(fuse)).unwrap();
        fw.signature(1 - index).unwrap().to_vec()
    }

    /// nova-core `BooterFirmware::new` on GA102: the file's image with the
    /// signature for SEC2's fuse patched in, loaded as `ga102_layout` says.
    pub fn booter(&mut self, name: &str) -> Ucode {
        let bytes = file(&format!("{name}-570.144.bin"));
        let hs = HsFirmware::parse(&bytes).unwrap();
        let fuse = self.read32(f::FUSE_SEC2_UCODE1_VERSION + 4 * (u32::from(hs.ucode_id()) - 1));
        let sig = hs
            .signature(hs.signature_index(fuse_version(fuse)).unwrap())
            .unwrap();
        let mut image = hs.image().to_vec();
        let at = hs.patch_loc as usize;
        image[at..at + sig.len()].copy_from_slice(sig);
        let l = hs.ga102_layout().unwrap();
        Ucode {
            image,
            imem: l.imem_sec,
            dmem: l.dmem,
            pkc_data_offset: hs.pkc_data_offset(),
            engine_id_mask: hs.engine_id_mask().into(),
            ucode_id: hs.ucode_id().into(),
            boot_addr: l.boot_addr,
        }
    }

    /// nova-core `Tu102::run_fwsec_frts` without its own checks: runs
    /// FWSEC-FRTS for the FRTS region of [`FbLayout::ga102`]; returns
    /// MAILBOX0.
    pub fn run_frts(&mut self) -> u32 {
        let u = self.fwsec(frts_cmd_of(self.vram));
        self.run(Falcon::Gsp, &u, [0, 0])
    }

    /// nova-core `FwsecUnloadFirmware::run` (FWSEC-SB); returns MAILBOX0.
    pub fn run_sb(&mut self) -> u32 {
        let u = self.fwsec(FwsecCommand::Sb);
        self.run(Falcon::Gsp, &u, [0, 0])
    }
}

/// The FRTS region of the VRAM layout (nova-core `FbRanges::new`).
pub fn frts_region() -> Range<u64> {
    frts_region_of(VRAM)
}

/// The FRTS region of `vram` bytes of VRAM.
pub fn frts_region_of(vram: u64) -> Range<u64> {
    let l = FbLayout::ga102(vram, 0x1000, 0x1000).unwrap();
    l.frts.start..l.frts.end
}

/// The FRTS command for [`frts_region`].
pub fn frts_cmd() -> FwsecCommand {
    frts_cmd_of(VRAM)
}

/// The FRTS command for `vram` bytes of VRAM.
fn frts_cmd_of(vram: u64) -> FwsecCommand {
    let r = frts_region_of(vram);
    FwsecCommand::Frts {
        offset: r.start,
        size: r.end - r.start,
    }
}

/// The GSP-RM queues (as the GSP-RM model's tests lay them out): a page
/// table mapping itself at `BASE`, the command queue at +0x1000, the
/// message queue 0x40 pages later.
const QUEUE_PAGES: u64 = 1 + 0x40 + 0x40;
const CMDQ: u64 = 0x1000;
const MSGQ: u64 = CMDQ + 0x40 * 0x1000;

/// What a booted GSP-RM needs from the driver, in guest memory.
pub struct GspBoot {
    /// The `GspFwWprMeta`'s DMA address.
    pub meta: u64,
    /// The metadata as written.
    pub wpr_meta: GspFwWprMeta,
    /// The LibOS argument page's DMA address.
    pub libos: u64,
    queues: u64,
    write: u32,
    seq: u32,
}

impl Gpu {
    /// nova-core `GspFirmware::new` + `Gsp::new` + `GspFwWprMeta::from_ranges`:
    /// the images (once per GPU), then fresh queues, LibOS arguments with
    /// RMARGS, and the metadata.
    pub fn gsp_boot(&mut self) -> GspBoot {
        self.gsp_boot_with(0)
    }

    /// [`Gpu::gsp_boot`] of a GSP-RM that hosts vGPUs, as the core makes
    /// it: the vGPU heap (`FbLayout::ga102_vgpu`) and `partitions` VF
    /// partitions (nova-core `wpr2_heap_params`: `sriov_totalvfs`).
    pub fn gsp_boot_vgpu(&mut self, partitions: u8) -> GspBoot {
        self.gsp_boot_with(partitions)
    }

    fn gsp_boot_with(&mut self, partitions: u8) -> GspBoot {
        let images = match self.images {
            Some(i) => i,
            None => {
                let i = self.gsp_images();
                self.images = Some(i);
                i
            }
        };
        let mut q = vec![0u8; (QUEUE_PAGES * 0x1000) as usize];
        let queues = self.next;
        for i in 0..QUEUE_PAGES {
            let at = (i * 8) as usize;
            q[at..at + 8].copy_from_slice(&(queues + i * 0x1000).to_le_bytes());
        }
        let tx = [0u32, 0x40000, 0x1000, 0x3f, 0, 1, 0x20, 0x1000];
        for (i, w) in tx.iter().enumerate() {
            let at = CMDQ as usize + i * 4;
            q[at..at + 4].copy_from_slice(&w.to_le_bytes());
        }
        assert_eq!(self.alloc(&q), queues);
        let mut rmargs = GspArgumentsCached::first_boot(queues);
        rmargs.message_queue_init_arguments.page_table_entry_count = QUEUE_PAGES as u32;
        rmargs.message_queue_init_arguments.cmd_queue_offset = CMDQ;
        rmargs.message_queue_init_arguments.stat_queue_offset = MSGQ;
        let mut buf = vec![0u8; GspArgumentsCached::SIZE];
        rmargs.encode(&mut buf);
        let rmargs = self.alloc(&buf);
        // The log buffers, each with its page table after the put pointer
        // (nova-core `LogBuffer::new`).
        let mut page = vec![0u8; 0x1000];
        let logs = [libos::ID8_LOGINIT, libos::ID8_LOGINTR, libos::ID8_LOGRM];
        for (n, id) in logs.into_iter().enumerate() {
            let at = self.next;
            let mut log = vec![0u8; 0x10000];
            for i in 0..0x10u64 {
                let o = 8 + 8 * i as usize;
                log[o..o + 8].copy_from_slice(&(at + i * 0x1000).to_le_bytes());
            }
            assert_eq!(self.alloc(&log), at);
            LibosMemoryRegionInitArgument::sysmem(id, at, 0x10000).encode(&mut page[n * 32..]);
        }
        LibosMemoryRegionInitArgument::sysmem(libos::ID8_RMARGS, rmargs, 0x1000)
            .encode(&mut page[3 * 32..]);
        let libos = self.alloc(&page);
        // The sysmem flush page (nova-core `SysmemFlush::register`).
        let flush = self.alloc(&[0u8; 0x1000]);
        self.write32(0x100c40, (flush >> 40) as u32);
        self.write32(0x100c10, (flush >> 8) as u32);

        let layout = if partitions == 0 {
            FbLayout::ga102(self.vram, images.bootloader_size, images.elf_size)
        } else {
            FbLayout::ga102_vgpu(self.vram, images.bootloader_size, images.elf_size)
        }
        .unwrap();
        let wpr_meta = GspFwWprMeta {
            gsp_fw_heap_vf_partition_count: partitions,
            ..GspFwWprMeta::for_boot(&layout, &images)
        };
        let meta = self.write_meta(&wpr_meta);
        GspBoot {
            meta,
            wpr_meta,
            libos,
            queues,
            write: 0,
            seq: 0,
        }
    }

    /// Where [`Self::gsp_boot`] put the images.
    pub fn images(&self) -> Option<SysmemImages> {
        self.images
    }

    /// The radix3-mapped `.fwimage`, the bootloader and the signature of
    /// the real files, in guest memory.
    fn gsp_images(&mut self) -> SysmemImages {
        let gsp_file = file("gsp-570.144.bin");
        let rm = GspRmFirmware::parse(&gsp_file, SECTION_SIGNATURE_GA10X).unwrap();
        let bl_file = file("bootloader-570.144.bin");
        let bl = RiscvFirmware::parse(&bl_file).unwrap();
        let image = rm.image;
        let elf = self.alloc(image);
        let pages = (image.len() as u64).div_ceil(0x1000);
        let level2: Vec<u64> = (0..pages.div_ceil(512))
            .map(|i| {
                let entries: Vec<u8> = (i * 512..((i + 1) * 512).min(pages))
                    .flat_map(|p| (elf + p * 0x1000).to_le_bytes())
                    .collect();
                self.alloc(&entries)
            })
            .collect();
        let level1 = self.alloc(
            &level2
                .iter()
                .flat_map(|a| a.to_le_bytes())
                .collect::<Vec<_>>(),
        );
        SysmemImages {
            radix3: self.alloc(&level1.to_le_bytes()),
            elf_size: image.len() as u64,
            bootloader: self.alloc(bl.image()),
            bootloader_size: bl.image().len() as u64,
            bootloader_offsets: (
                bl.code_offset().into(),
                bl.data_offset().into(),
                bl.manifest_offset().into(),
            ),
            signature: self.alloc(rm.signature),
            signature_size: rm.signature.len() as u64,
        }
    }

    /// Copies `m` into guest memory.
    pub fn write_meta(&mut self, m: &GspFwWprMeta) -> u64 {
        let mut buf = vec![0u8; GspFwWprMeta::SIZE];
        m.encode(&mut buf);
        self.alloc(&buf)
    }

    /// The LibOS hand-over (nova-core `Tu102::boot` after FRTS): reset the
    /// GSP falcon and start it with the LibOS arguments in the mailboxes.
    pub fn start_libos(&mut self, b: &GspBoot) -> (u32, u32) {
        self.reset(Falcon::Gsp);
        let (lo, hi) = libos::libos_args_mailboxes(b.libos);
        self.boot(Falcon::Gsp, Some(lo), Some(hi))
    }

    /// booter_load on SEC2 with the metadata at `meta`; returns MAILBOX0.
    pub fn run_booter_load(&mut self, meta: u64) -> u32 {
        let u = self.booter("booter_load");
        self.run(Falcon::Sec2, &u, [meta as u32, (meta >> 32) as u32])
    }

    /// booter_unload as nova-core's `Sec2UnloadBundle::run` runs it.
    pub fn run_booter_unload(&mut self) -> u32 {
        let u = self.booter("booter_unload");
        self.run(Falcon::Sec2, &u, [UNLOAD_SENTINEL, UNLOAD_SENTINEL])
    }

    /// The whole GA102 boot: FWSEC-FRTS, LibOS hand-over, booter_load.
    pub fn boot_gsp(&mut self) -> GspBoot {
        assert_eq!(self.wpr2(), None, "nova-core refuses to boot over WPR2");
        assert_eq!(self.run_frts(), 0);
        assert_eq!(self.frts_err(), 0);
        assert_eq!(
            self.wpr2().map(|r| r.start),
            Some(frts_region_of(self.vram).start)
        );
        let b = self.gsp_boot();
        self.start_libos(&b);
        assert_eq!(self.run_booter_load(b.meta), 0);
        assert!(self.riscv_active());
        b
    }

    /// `NV_PRISCV_RISCV_CPUCTL.active_stat` of the GSP.
    pub fn riscv_active(&mut self) -> bool {
        self.read32(f::GSP_BASE2 + f::RISCV_CPUCTL) & f::RISCV_CPUCTL_ACTIVE != 0
    }

    /// nova-core `Gsp::shutdown_gsp`: `UNLOADING_GUEST_DRIVER`, then wait
    /// for LibOS to report the processor suspended in MAILBOX0.
    pub fn shutdown_gsp(&mut self, b: &mut GspBoot) {
        let mut buf = vec![0u8; msgq::ELEMENT_SIZE_MAX];
        b.seq += 1;
        // `UNLOADING_GUEST_DRIVER` parameters: level 0, not a migration.
        // The element's seqNum counts the elements sent before, from 0.
        let len = msgq::encode(
            &mut buf,
            b.seq - 1,
            Function::UnloadingGuestDriver as u32,
            b.seq,
            msgq::RPC_RESULT_PENDING,
            &[0u8; 8],
        )
        .unwrap();
        for chunk in buf[..len].chunks(0x1000) {
            let at = b.queues + CMDQ + 0x1000 + u64::from(b.write) * 0x1000;
            self.dev.mem.write(at, chunk).unwrap();
            b.write = (b.write + 1) % 0x3f;
        }
        self.dev
            .mem
            .write(b.queues + CMDQ + 16, &b.write.to_le_bytes())
            .unwrap();
        self.write32(f::GSP_QUEUE_HEAD, 0);
        let start = Instant::now();
        while self.read32(f::GSP_BASE + f::MAILBOX0) & libos::LIBOS_INTERRUPT_PROCESSOR_SUSPENDED
            == 0
        {
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "GSP-RM did not suspend"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The unload chain (nova-core `Gsp::unload`): shut GSP-RM down,
    /// FWSEC-SB, then booter_unload if WPR2 is set.
    pub fn unload_gsp(&mut self, b: &mut GspBoot) {
        self.shutdown_gsp(b);
        assert_eq!(self.run_sb(), 0, "FWSEC-SB");
        assert!(self.wpr2().is_some());
        assert_eq!(self.run_booter_unload(), 0, "booter_unload");
        assert_eq!(self.wpr2(), None, "WPR2 removed");
    }
}
