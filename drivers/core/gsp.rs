// SPDX-License-Identifier: GPL-2.0

//! GSP-RM: the memory the driver shares with it, its boot, and its
//! shutdown.
//!
//! [`Gsp`] owns what GSP-RM reads while it runs (the LibOS argument page,
//! its log buffers, the RM arguments and the RPC queues); [`Gsp::boot`]
//! runs the GA102 boot chain (Linux 7.3 `drivers/gpu/nova-core/gsp/boot.rs`
//! and `gsp/hal/tu102.rs`, nouveau `nvkm/subdev/gsp/rm/r535/gsp.c`);
//! [`Gsp::unload`] asks GSP-RM to shut down so the GPU can be bound again.

use kernel::{
    device,
    dma::Coherent,
    io::{
        register::WithBase,
        Io, //
    },
    pci,
    prelude::*,
    time::{
        Delta,
        Instant,
        Monotonic, //
    },
    types::ScopeGuard,
};

use crate::num::{
    lower_32_bits,
    upper_32_bits, //
};
use kernel::num::casts::usize_as_u64;

use crate::{
    bar::Bar0,
    cpu_intr::IntrVector,
    events::MAX_NONSTALL_VECTORS,
    falcon::{
        gsp::Gsp as GspEngine,
        sec2::Sec2,
        Falcon, //
    },
    gpu::Spec,
    gsp::config::{
        Engine,
        GpuConfig, //
    },
    hal::GpuHal,
    poll::read_poll_timeout,
    proto::firmware::vbios::appif::FwsecCommand,
    proto::gsp::{
        args::GspArgumentsCached,
        calls::{
            ClientNull,
            Empty,
            Handle,
            SetRegistry,
            SetSystemInfo,
            SubdeviceNull,
            UnloadingGuestDriver, //
        },
        libos::{
            self,
            LibosMemoryRegionInitArgument, //
        },
        queue::GSP_PAGE_SIZE,
        wpr_meta::GspFwWprMeta, //
    },
    timeouts,
    wire::Wire,
};

pub(crate) mod config;
pub(crate) mod enumerate;
pub(crate) mod fw;
mod fwsec;
pub(crate) mod health;
mod heartbeat;
mod intr_table;
pub(crate) mod queues;
mod reassembly;
pub(crate) mod regs;
pub(crate) mod rm;
mod routing;
mod runlists;
pub(crate) mod running;
mod sequencer;
pub(crate) mod stats;
mod sysinfo;
pub(crate) mod transport;
mod waiters;

use crate::dma::write_bytes;
use fw::GspFirmware;
use transport::Rpc;

/// Pages of each LibOS log buffer (nova `RM_LOG_BUFFER_NUM_PAGES`).
const LOG_BUFFER_SIZE: usize = libos::LOG_BUFFER_NUM_PAGES * GSP_PAGE_SIZE;

/// A LibOS log buffer: a put pointer, then the buffer's own page table,
/// then GSP-RM's log records.
fn log_buffer(dev: &device::Device<device::Bound>) -> Result<Coherent<[u8]>> {
    let buf = Coherent::<u8>::zeroed_slice(dev, LOG_BUFFER_SIZE, GFP_KERNEL)?;
    let base = buf.dma_address();
    for i in 0..libos::LOG_BUFFER_NUM_PAGES {
        let pte = base + usize_as_u64(i * GSP_PAGE_SIZE);
        write_bytes(
            &buf,
            libos::LOG_BUFFER_PTE_OFFSET + i * 8,
            &pte.to_le_bytes(),
        )?;
    }
    Ok(buf)
}

/// Encodes a wire structure into a fresh coherent page.
fn coherent_page<T: Wire>(dev: &device::Device<device::Bound>, v: &T) -> Result<Coherent<[u8]>> {
    let page = Coherent::<u8>::zeroed_slice(dev, GSP_PAGE_SIZE, GFP_KERNEL)?;
    let mut bytes = KVec::from_elem(0u8, T::SIZE, GFP_KERNEL)?;
    v.encode(&mut bytes).ok_or(EINVAL)?;
    write_bytes(&page, 0, &bytes)?;
    Ok(page)
}

/// What puts the GPU back after GSP-RM stopped, so it can boot again
/// without a reset: FWSEC-SB on the GSP falcon, then booter_unload on SEC2
/// to remove WPR2 (nova-core `tu102.rs` `Sec2UnloadBundle`); and the
/// sysmem flush page unregistered, so the GPU never writes to it once the
/// core frees it (nova-core `SysmemFlush::drop`).
pub(crate) struct UnloadBundle {
    fwsec_sb: fwsec::Fwsec,
    booter_unload: fw::Booter,
    hal: &'static dyn GpuHal,
    flush_page: u64,
}

impl UnloadBundle {
    /// Runs FWSEC-SB, then booter_unload if WPR2 exists; both are tried.
    /// Then unregisters the sysmem flush page if it is still the core's.
    pub(crate) fn run(&self, dev: &device::Device, bar: Bar0<'_>) -> Result {
        let ran = self.run_ucodes(dev, bar);
        ran.and(self.unregister_flush_page(bar))
    }

    /// Unregisters the sysmem flush page if it is still the core's, so
    /// the GPU never writes to it once the core frees it; also where
    /// GSP-RM could not be stopped and the ucodes are not run.
    pub(crate) fn unregister_flush_page(&self, bar: Bar0<'_>) -> Result {
        if self.hal.read_sysmem_flush_page(bar) == self.flush_page {
            self.hal.write_sysmem_flush_page(bar, 0)?;
        }
        Ok(())
    }

    fn run_ucodes(&self, dev: &device::Device, bar: Bar0<'_>) -> Result {
        let gsp_falcon = Falcon::<GspEngine>::new(dev, bar);
        let sb = self.fwsec_sb.run(dev, &gsp_falcon, "FWSEC-SB");
        if regs::wpr2_range(bar).is_none() {
            return sb;
        }
        let sec2 = Falcon::<Sec2>::new(dev, bar);
        // booter_unload's sentinel arguments (nova-core, nouveau).
        let (mbox0, _) = sec2
            .reset()
            .and_then(|()| sec2.load(&self.booter_unload.loadable()))
            .and_then(|()| sec2.boot(0xff, 0xff))
            .inspect_err(|e| dev_err!(dev, "cannot run booter_unload on SEC2: {:?}\n", e))?;
        if mbox0 != 0 {
            dev_err!(dev, "booter_unload failed with status {:#x}\n", mbox0);
            return Err(EIO);
        }
        if let Some(w) = regs::wpr2_range(bar) {
            dev_err!(
                dev,
                "WPR2 still set ({:#x}..{:#x}) after booter_unload\n",
                w.start,
                w.end
            );
            return Err(EBUSY);
        }
        sb
    }
}

/// Engine names separated by spaces, for the log.
struct EngineList<'a>(&'a [Engine]);

impl kernel::fmt::Display for EngineList<'_> {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        self.0
            .iter()
            .try_for_each(|&e| kernel::fmt::Write::write_fmt(f, format_args!(" {}", e.name())))
    }
}

/// Memory shared with GSP-RM, and the RPC channel.
#[pin_data]
pub(crate) struct Gsp {
    libos: Coherent<[u8]>,
    _logs: [Coherent<[u8]>; 3],
    _rmargs: Coherent<[u8]>,
    /// The page the GPU writes to for a sysmembar, registered at each boot.
    sysmem_flush: Coherent<[u8]>,
    /// Calls into GSP-RM.
    #[pin]
    pub(crate) rpc: Rpc,
}

impl Gsp {
    /// Allocates and fills in the shared memory of `dev`.
    pub(crate) fn new(dev: &device::Device<device::Bound>) -> impl PinInit<Self, Error> + '_ {
        pin_init::pin_init_scope(move || {
            let logs = [log_buffer(dev)?, log_buffer(dev)?, log_buffer(dev)?];
            Ok(try_pin_init!(Self {
                rpc <- Rpc::new(dev),
                _rmargs: coherent_page(dev, &GspArgumentsCached::first_boot(rpc.queues_dma_address()))?,
                libos: {
                    let page = Coherent::<u8>::zeroed_slice(dev, GSP_PAGE_SIZE, GFP_KERNEL)?;
                    let regions = [
                        (libos::ID8_LOGINIT, &logs[0]),
                        (libos::ID8_LOGINTR, &logs[1]),
                        (libos::ID8_LOGRM, &logs[2]),
                        (libos::ID8_RMARGS, _rmargs),
                    ];
                    let mut arg = [0u8; LibosMemoryRegionInitArgument::SIZE];
                    for (i, (id, mem)) in regions.iter().enumerate() {
                        LibosMemoryRegionInitArgument::sysmem(*id, mem.dma_address(), usize_as_u64(mem.size()))
                            .encode(&mut arg)
                            .ok_or(EINVAL)?;
                        write_bytes(&page, i * arg.len(), &arg)?;
                    }
                    page
                },
                _logs: logs,
                sysmem_flush: Coherent::<u8>::zeroed_slice(dev, GSP_PAGE_SIZE, GFP_KERNEL)?,
            }))
        })
    }

    /// Boots GSP-RM on the GPU behind `bar` and waits until it is ready;
    /// with `vgpu_host`, in SR-IOV mode if the function has virtual
    /// functions.
    pub(crate) fn boot(
        &self,
        pdev: &pci::Device<device::Bound>,
        bar: Bar0<'_>,
        spec: Spec,
        vgpu_host: bool,
    ) -> Result<(GpuConfig, UnloadBundle)> {
        let dev = pdev.as_ref();
        let start = Instant::<Monotonic>::now();
        let hal = crate::hal::of(spec.chipset).inspect_err(|_| {
            dev_err!(
                dev,
                "booting GSP-RM on {} is not supported\n",
                spec.chipset.name()
            )
        })?;
        // After power-on and after the recovery's function reset alike,
        // devinit runs first; the GSP is not the driver's until it is done.
        crate::gfw::wait_boot_completion(dev, bar)?;
        let gsp_falcon = Falcon::<GspEngine>::new(dev, bar);
        let sec2 = Falcon::<Sec2>::new(dev, bar);

        let fw = KBox::pin_init(
            GspFirmware::new(dev, spec.chipset, hal, |ucode_id| {
                sec2.fuse_version(ucode_id)
            }),
            GFP_KERNEL,
        )?;
        dev_info!(
            dev,
            "GSP firmware {} loaded: GSP-RM image {} KiB, bootloader {} B\n",
            fw::GSP_RM_VERSION,
            fw.elf_size() >> 10,
            fw.bootloader_size()
        );

        // GSP-RM hosts vGPUs (SR-IOV mode) when the function has virtual
        // functions and the vGPU host is wanted.
        let sriov = crate::kernel_gaps::sriov_layout(pdev).filter(|_| vgpu_host);
        let fb_size = u64::from(bar.read(regs::NV_USABLE_FB_SIZE_IN_MB).value()) << 20;
        let layout = hal
            .fb_layout(
                fb_size,
                fw.bootloader_size(),
                fw.elf_size(),
                sriov.is_some(),
            )
            .ok_or_else(|| {
                dev_err!(
                    dev,
                    "{} MiB of VRAM cannot hold GSP-RM{}\n",
                    fb_size >> 20,
                    if sriov.is_some() {
                        " with its vGPU heap"
                    } else {
                        ""
                    }
                );
                ENOSPC
            })?;
        let mut meta = GspFwWprMeta::for_boot(&layout, &fw.sysmem_images());
        if let Some(s) = &sriov {
            // One heap partition per virtual function (nova-core
            // `wpr2_heap_params`).
            meta.gsp_fw_heap_vf_partition_count = u8::try_from(s.total_vfs).map_err(|_| {
                dev_err!(
                    dev,
                    "{} virtual functions: GSP-RM partitions its heap for at most 255\n",
                    s.total_vfs
                );
                EINVAL
            })?;
        }
        let wpr_meta = coherent_page(dev, &meta)?;
        dev_dbg!(dev, "VRAM layout {:x?}\n", layout);

        if let Some(w) = regs::wpr2_range(bar) {
            dev_err!(
                dev,
                "WPR2 already exists ({:#x}..{:#x}): the GPU needs a reset before GSP-RM can boot\n",
                w.start,
                w.end
            );
            return Err(EBUSY);
        }
        let rom = crate::vbios::read(dev, bar)?;
        let frts = fwsec::Fwsec::new(
            dev,
            bar,
            &rom,
            FwsecCommand::Frts {
                offset: layout.frts.start,
                size: layout.frts.len(),
            },
        )?;
        // What unbind needs to put the GPU back, prepared while firmware
        // can still be loaded.
        let bundle = UnloadBundle {
            fwsec_sb: fwsec::Fwsec::new(dev, bar, &rom, FwsecCommand::Sb)?,
            booter_unload: fw::Booter::new(dev, spec.chipset, hal, "booter_unload", &|id| {
                sec2.fuse_version(id)
            })?,
            hal,
            flush_page: self.sysmem_flush.dma_address(),
        };
        drop(rom);

        // From here on a failed boot stops what it started and gives the
        // GPU back in a state the next boot accepts (before the memory
        // GSP-RM uses is freed): the GSP falcon reset, FWSEC-SB, and
        // booter_unload if WPR2 is there. Dismissed once GSP-RM runs.
        let bundle = ScopeGuard::new_with_data(bundle, |bundle: UnloadBundle| {
            self.rpc.health.stopping();
            if let Err(e) = gsp_falcon.reset() {
                dev_err!(dev, "cannot reset the GSP after a failed boot: {:?}\n", e);
            }
            // Logs its own failures.
            let _ = bundle.run(dev, bar);
        });

        // GSP-RM's sysmembars write to the sysmem flush page: registered
        // before anything runs on the GPU (nova-core `Gpu::new`,
        // `SysmemFlush::register`), again at each boot as a function
        // reset clears it.
        hal.write_sysmem_flush_page(bar, self.sysmem_flush.dma_address())?;

        // FWSEC-FRTS carves WPR2 out of the top of VRAM.
        frts.run(dev, &gsp_falcon, "FWSEC-FRTS")?;
        let err = bar.read(regs::NV_PBUS_SW_SCRATCH_0E).frts_err_code().get();
        if err != 0 {
            dev_err!(dev, "FWSEC-FRTS returned error code {:#x}\n", err);
            return Err(EIO);
        }
        match regs::wpr2_range(bar) {
            Some(w) if w.start == layout.frts.start => {
                dev_info!(
                    dev,
                    "FWSEC-FRTS set up WPR2 at {:#x}..{:#x}\n",
                    w.start,
                    w.end
                );
            }
            w => {
                dev_err!(
                    dev,
                    "WPR2 is {:x?} after FWSEC-FRTS, expected it at {:#x}\n",
                    w,
                    layout.frts.start
                );
                return Err(EIO);
            }
        }

        {
            // The GSP falcon's boot ROM takes the LibOS arguments' address.
            gsp_falcon.reset()?;
            crate::falcon::gsp::route_swgen0(bar);
            let libos = self.libos.dma_address();
            gsp_falcon.boot(lower_32_bits(libos), upper_32_bits(libos))?;

            // booter_load on SEC2 verifies GSP-RM and starts it.
            sec2.reset()?;
            sec2.load(&fw.booter.loadable())?;
            let meta = wpr_meta.dma_address();
            let (mbox0, _) = sec2.boot(lower_32_bits(meta), upper_32_bits(meta))?;
            if mbox0 != 0 {
                dev_err!(dev, "booter_load failed with status {:#x}\n", mbox0);
                return Err(EIO);
            }
        }
        dev_info!(dev, "booter_load started GSP-RM\n");

        let system_info = sysinfo::system_info(pdev, hal, sriov.as_ref())?;
        let registry = sysinfo::registry(sriov.is_some())?;
        let (mut gpu, vector) = self
            .wait_ready(
                pdev,
                bar,
                &gsp_falcon,
                &sec2,
                fw.app_version,
                (&system_info, &registry),
            )
            .and_then(|()| {
                dev_info!(
                    dev,
                    "GSP-RM {} ready (boot took {} ms)\n",
                    fw::GSP_RM_VERSION,
                    start.elapsed().as_millis()
                );
                enumerate::enumerate(&self.rpc, bar, dev)
            })?;
        if let Some(s) = &sriov {
            gpu.vfs = s.total_vfs;
            gpu.vmmu_segment =
                vmmu_segment_size(&self.rpc, bar, dev, gpu.internal).inspect_err(|_| {
                    let _ = enumerate::release(&self.rpc, bar, dev);
                })?;
        }
        self.enable_interrupt(dev, bar, vector, &gpu)
            .inspect_err(|_| {
                let _ = enumerate::release(&self.rpc, bar, dev);
            })?;
        if gpu.vfs != 0 {
            dev_info!(
                dev,
                "GSP-RM hosts vGPUs: SR-IOV mode, {} virtual functions, {} MiB VMMU segments\n",
                gpu.vfs,
                gpu.vmmu_segment >> 20
            );
        }
        dev_info!(
            dev,
            "{}: {}, {} MiB VRAM ({} MiB usable), {} GPCs x {} TPCs, engines{}\n",
            spec.chipset.name(),
            gpu.name(),
            gpu.vram_size() >> 20,
            gpu.usable_vram() >> 20,
            gpu.gpcs(),
            gpu.tpcs_per_gpc(),
            EngineList(gpu.engines())
        );
        Ok((gpu, bundle.dismiss()))
    }

    /// Enables the GSP's `vector` in the CPU interrupt tree, as nouveau's
    /// `r535_gsp_postinit` does once it has GSP-RM's interrupt table, and
    /// proves the path works ([`crate::intr::self_test`]). Until now the
    /// core drained GSP-RM's messages itself while it waited.
    ///
    /// # Errors
    ///
    /// `ETIMEDOUT` (logged) if no interrupt arrives.
    fn enable_interrupt(
        &self,
        dev: &device::Device,
        bar: Bar0<'_>,
        vector: IntrVector,
        gpu: &GpuConfig,
    ) -> Result {
        // The handler claims the vector from here on, so a message that
        // interrupts while this runs is handled, not dropped.
        self.rpc.set_interrupt_vector(Some(vector));
        vector.enable(bar);
        self.rpc.events.nonstall.enable(
            bar,
            (0..MAX_NONSTALL_VECTORS).filter_map(|n| IntrVector::new(gpu.ce_nonstall_vector(n)?)),
        );
        // The GSP's routed causes are one line into the tree, signalled
        // when it rises: SWGEN0 left raised by the boot's messages, or
        // HALT by FWSEC's end, would keep it up and every later message
        // silent. Cleared (as nouveau's postinit clears SWGEN0); what was
        // posted before is drained here, what comes after signals.
        bar.write(
            WithBase::of::<GspEngine>(),
            crate::falcon::NV_PFALCON_FALCON_IRQSCLR::zeroed()
                .with_swgen0(true)
                .with_halt(true),
        );
        self.rpc.drain();
        match crate::intr::self_test(bar, &self.rpc, vector) {
            Ok(took) => {
                dev_info!(
                    dev,
                    "GSP interrupt on CPU interrupt tree vector {} (GSP-RM's table): MSI-X interrupt self-test passed ({} us)\n",
                    vector.raw(),
                    took.as_micros_ceil()
                );
                Ok(())
            }
            Err(e) => {
                self.disable_interrupt(bar);
                dev_err!(
                    dev,
                    "MSI-X interrupt self-test failed: no interrupt on CPU interrupt tree vector {}\n",
                    vector.raw()
                );
                Err(e)
            }
        }
    }

    /// Disables the GSP's vector, if enabled; waiters drain the queue
    /// themselves again. Before GSP-RM is stopped or reset.
    pub(crate) fn disable_interrupt(&self, bar: Bar0<'_>) {
        self.rpc.events.nonstall.disable(bar);
        if let Some(vector) = self.rpc.interrupt_vector() {
            self.rpc.set_interrupt_vector(None);
            vector.disable(bar);
        }
    }

    /// Hands GSP-RM its configuration and waits for its init-done event.
    fn wait_ready(
        &self,
        pdev: &pci::Device<device::Bound>,
        bar: Bar0<'_>,
        gsp_falcon: &Falcon<'_, GspEngine>,
        sec2: &Falcon<'_, Sec2>,
        app_version: u32,
        (system_info, registry): (&[u8], &[u8]),
    ) -> Result {
        let dev = pdev.as_ref();
        gsp_falcon.write_os_version(app_version);
        read_poll_timeout(
            || Ok(gsp_falcon.riscv_active()),
            |&active| active,
            Delta::from_millis(1),
            timeouts::RISCV_START,
        )
        .inspect_err(|_| dev_err!(dev, "GSP RISC-V core did not start\n"))?;

        let rpc = &self.rpc;
        rpc.send_no_wait::<SetSystemInfo>(bar, system_info)?;
        rpc.send_no_wait::<SetRegistry>(bar, registry)?;
        // GSP-RM may have the CPU run register programs before it is done.
        let sequencer = sequencer::Sequencer {
            dev,
            bar,
            gsp: gsp_falcon,
            sec2,
            libos: self.libos.dma_address(),
            app_version,
        };
        let start = Instant::<Monotonic>::now();
        loop {
            let left = timeouts::INIT_DONE - start.elapsed();
            // Looks at the core between slices: a GSP-RM that crashed
            // while initializing is not waited for in full.
            let waited = rpc.wait_any(
                transport::EVENT_INIT_DONE | transport::EVENT_SEQUENCER,
                if left > timeouts::INIT_POLL {
                    timeouts::INIT_POLL
                } else {
                    left
                },
            );
            let events = match waited {
                Err(e) if e == ETIMEDOUT && left > timeouts::INIT_POLL => {
                    if !gsp_falcon.riscv_active() {
                        dev_err!(
                            dev,
                            "GSP-RM halted during its initialization (MAILBOX0 {:#x})\n",
                            gsp_falcon.mailbox0()
                        );
                        return Err(EIO);
                    }
                    continue;
                }
                w => {
                    w.inspect_err(|_| dev_err!(dev, "GSP-RM did not finish its initialization\n"))?
                }
            };
            if let Some(program) = rpc.take_sequencer() {
                sequencer.run(&program)?;
            } else if events & transport::EVENT_INIT_DONE != 0 {
                rpc.health.booted();
                return Ok(());
            }
        }
    }

    /// Runs `NV2080_CTRL_CMD_NULL` on the core's subdevice: one full RPC
    /// round trip that GSP-RM answers without doing anything (debugfs
    /// `rpc_null`).
    pub(crate) fn null_control(&self, bar: Bar0<'_>) -> Result {
        let h = enumerate::CORE_HANDLES;
        let dev = self.rpc.device();
        rm::control::<SubdeviceNull>(&self.rpc, bar, dev, (h.client, h.subdevice), &Empty)
            .map(|_| ())
    }

    /// Raises the GSP's interrupt vector and spins until the handler ran
    /// ([`crate::intr::round_trip`]): what an RPC's reply costs beyond
    /// GSP-RM's own work.
    ///
    /// # Errors
    ///
    /// `ENODEV` while no vector is enabled (GSP-RM not running);
    /// `ETIMEDOUT` if the interrupt does not come.
    pub(crate) fn interrupt_round_trip(&self, bar: Bar0<'_>) -> Result {
        let vector = self.rpc.interrupt_vector().ok_or(ENODEV)?;
        crate::intr::round_trip(bar, &self.rpc, vector).map(|_| ())
    }

    /// Runs `NV0000_CTRL_CMD_NULL` on the core's client: the heartbeat's
    /// question, as cheap as the subdevice's and told apart from the
    /// round trips debugfs measures.
    pub(crate) fn ping(&self, bar: Bar0<'_>) -> Result {
        let h = enumerate::CORE_HANDLES;
        rm::control::<ClientNull>(
            &self.rpc,
            bar,
            self.rpc.device(),
            (h.client, h.client),
            &Empty,
        )
        .map(|_| ())
    }

    /// Runs `NV0000_CTRL_CMD_NULL` on the core's client with `len` bytes
    /// of patterned parameters, which GSP-RM hands back: a message split
    /// over several queue elements both ways. Fails with `EPROTO` if the
    /// parameters do not come back intact.
    pub(crate) fn large_null_control(&self, bar: Bar0<'_>, len: usize) -> Result {
        let h = enumerate::CORE_HANDLES;
        let mut params = KVec::with_capacity(len, GFP_KERNEL)?;
        for i in 0..len {
            params.push((i.wrapping_mul(7) >> 3) as u8, GFP_KERNEL)?;
        }
        let out = rm::control_bytes::<ClientNull>(
            &self.rpc,
            bar,
            self.rpc.device(),
            (h.client, h.client),
            &params,
        )?;
        if out[..] != params[..] {
            dev_err!(
                self.rpc.device(),
                "a large GSP-RM control came back altered\n"
            );
            return Err(EPROTO);
        }
        Ok(())
    }

    /// Asks GSP-RM to shut down and waits until its processor is
    /// suspended (nova-core `Gsp::unload`).
    pub(crate) fn unload(
        &self,
        dev: &device::Device,
        bar: Bar0<'_>,
        bundle: &UnloadBundle,
    ) -> Result {
        // From here on GSP-RM stops: its core halting is no crash.
        self.rpc.health.stopping();
        // Best effort: GSP-RM frees every client when it unloads anyway.
        if !self.rpc.is_lost() {
            let _ = enumerate::release(&self.rpc, bar, dev);
        }
        let gsp_falcon_mbox0 = || {
            bar.read(crate::falcon::NV_PFALCON_FALCON_MAILBOX0::of::<GspEngine>())
                .value()
        };
        let suspended = (|| {
            if self.rpc.is_lost() {
                return Err(ENODEV);
            }
            let reply = self
                .rpc
                .call::<UnloadingGuestDriver>(bar, &sysinfo::unloading_guest_driver()?)?;
            if reply.status != 0 {
                dev_err!(
                    dev,
                    "GSP-RM refused to unload: status {:#x}\n",
                    reply.status
                );
                return Err(EIO);
            }
            read_poll_timeout(
                || Ok(gsp_falcon_mbox0()),
                |&mb0| mb0 & libos::LIBOS_INTERRUPT_PROCESSOR_SUSPENDED != 0,
                Delta::from_millis(1),
                timeouts::SUSPEND,
            )
            .inspect_err(|_| dev_err!(dev, "GSP-RM did not suspend\n"))
        })();
        // Stopped or stopping: nothing more to hear from it.
        self.disable_interrupt(bar);
        if suspended.is_err() {
            // A crashed, hung or unwilling GSP-RM: stop its core, so the
            // GPU can still be handed back for the next boot.
            dev_warn!(dev, "GSP-RM did not shut down: resetting the GSP\n");
            if let Err(e) = Falcon::<GspEngine>::new(dev, bar).reset() {
                // The page is freed with the core's memory whatever runs.
                let _ = bundle.unregister_flush_page(bar);
                return Err(e);
            }
        }
        bundle.run(dev, bar)?;
        dev_info!(dev, "GSP-RM shut down\n");
        Ok(())
    }
}

/// The VMMU segment size GSP-RM carves vGPU memory in, from its internal
/// subdevice (as Kernel RM asks, open-gpu-kernel-modules 570.144 `gpu.c`).
///
/// # Errors
///
/// GSP-RM's refusal; `EPROTO` (logged) for a size it may not report.
fn vmmu_segment_size(
    rpc: &Rpc,
    bar: Bar0<'_>,
    dev: &device::Device,
    internal: (Handle, Handle),
) -> Result<u64> {
    use crate::proto::gsp::{
        calls::GpuGetVmmuSegmentSize,
        vgpu::{
            GetVmmuSegmentSizeParams,
            VMMU_SEGMENT_SIZES, //
        },
    };
    let size = rm::control::<GpuGetVmmuSegmentSize>(
        rpc,
        bar,
        dev,
        internal,
        &GetVmmuSegmentSizeParams::ZERO,
    )?
    .vmmu_segment_size;
    if !VMMU_SEGMENT_SIZES.contains(&size) {
        dev_err!(dev, "GSP-RM reports a VMMU segment of {:#x} bytes\n", size);
        return Err(EPROTO);
    }
    Ok(size)
}
