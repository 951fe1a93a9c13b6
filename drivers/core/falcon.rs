// SPDX-License-Identifier: GPL-2.0

//! Falcon engines (GSP, SEC2): the register blocks every falcon has at its
//! engine base, and the operations the boot chain performs on them: engine
//! reset, DMA of a ucode into IMEM/DMEM, boot-ROM parameters, start, halt,
//! mailboxes.
//!
//! Offsets follow Linux 7.3 `drivers/gpu/nova-core/regs.rs`
//! (`NV_PFALCON_FALCON_*`, `NV_PFALCON2_*`, `NV_PRISCV_*`) and nouveau's
//! `nvkm/falcon/base.c`; each is checked at compile time against
//! `proto/src/falcon.rs`, which the emulator serves.

use kernel::{
    device,
    dma::{
        Coherent,
        DmaAddress, //
    },
    io::{
        io_project,
        register,
        register::{
            Array,
            Register,
            RegisterBase,
            WithBase, //
        },
        Io, //
    },
    prelude::*,
    time::Delta, //
};

use crate::num::lower_32_bits;
use kernel::num::casts::u32_as_usize;

use crate::{
    bar::Bar0,
    poll::read_poll_timeout,
    proto::falcon as proto,
    regs::NV_PMC_BOOT_0, //
};

pub(crate) mod gsp;
pub(crate) mod sec2;

/// Address family of the `PFALCON` block of an engine.
pub(crate) struct PFalconBase(());

/// Address family of the second (`PFALCON2`, RISC-V) block of an engine.
pub(crate) struct PFalcon2Base(());

/// A falcon engine: where its two register blocks are.
pub(crate) trait FalconEngine:
    RegisterBase<PFalconBase> + RegisterBase<PFalcon2Base> + Send + Sync
{
    /// Name for log lines.
    const NAME: &'static str;
}

register! {
    /// Interrupt status set: writing 1 raises an interrupt bit.
    pub(crate) NV_PFALCON_FALCON_IRQSSET(u32) @ PFalconBase + 0x00000000 {
        /// The falcon halted (for GSP-RM: it crashed).
        4:4     halt => bool;
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }

    /// Interrupt status clear: writing 1 clears an interrupt bit.
    pub(crate) NV_PFALCON_FALCON_IRQSCLR(u32) @ PFalconBase + 0x00000004 {
        /// The falcon halted (for GSP-RM: it crashed).
        4:4     halt => bool;
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }

    /// Interrupt status: which interrupts are pending.
    pub(crate) NV_PFALCON_FALCON_IRQSTAT(u32) @ PFalconBase + 0x00000008 {
        /// The falcon halted (for GSP-RM: it crashed).
        4:4     halt => bool;
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }

    /// Interrupt mask set: writing 1 enables an interrupt.
    pub(crate) NV_PFALCON_FALCON_IRQMSET(u32) @ PFalconBase + 0x00000010 {
        /// The falcon halted (for GSP-RM: it crashed).
        4:4     halt => bool;
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }

    /// Interrupt mask clear: writing 1 disables an interrupt.
    pub(crate) NV_PFALCON_FALCON_IRQMCLR(u32) @ PFalconBase + 0x00000014 {
        /// The falcon halted (for GSP-RM: it crashed).
        4:4     halt => bool;
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }

    /// Interrupt destination: a set bit routes that interrupt to the host.
    pub(crate) NV_PFALCON_FALCON_IRQDEST(u32) @ PFalconBase + 0x0000001c {
        /// The falcon halted (for GSP-RM: it crashed).
        4:4     halt => bool;
        /// Software interrupt 0.
        6:6     swgen0 => bool;
    }

    /// Has the falcon signal its interrupt vector again if a host-routed
    /// cause is still latched: the falcon signals the CPU interrupt tree
    /// on a transition only (GA100 and later; nouveau
    /// `ga100_flcn_intr_retrigger`).
    pub(crate) NV_PFALCON_FALCON_INTR_RETRIGGER(u32)[2] @ PFalconBase + 0x000003e8 {
        0:0     trigger => bool;
    }
}

register! {
    /// Software mailbox 0: arguments in, results out.
    pub(crate) NV_PFALCON_FALCON_MAILBOX0(u32) @ PFalconBase + 0x00000040 {
        31:0    value => u32;
    }

    /// Software mailbox 1.
    pub(crate) NV_PFALCON_FALCON_MAILBOX1(u32) @ PFalconBase + 0x00000044 {
        31:0    value => u32;
    }

    /// Version of the application the falcon runs.
    pub(crate) NV_PFALCON_FALCON_OS(u32) @ PFalconBase + 0x00000080 {
        31:0    value => u32;
    }

    /// The driver writes `NV_PMC_BOOT_0` here after a reset.
    pub(crate) NV_PFALCON_FALCON_RM(u32) @ PFalconBase + 0x00000084 {
        31:0    value => u32;
    }

    /// Hardware configuration 2.
    pub(crate) NV_PFALCON_FALCON_HWCFG2(u32) @ PFalconBase + 0x000000f4 {
        /// Reset completed (GA102+).
        31:31   reset_ready => bool;
        /// Memory scrubbing still in progress.
        12:12   mem_scrubbing => bool;
    }

    /// CPU control.
    pub(crate) NV_PFALCON_FALCON_CPUCTL(u32) @ PFalconBase + 0x00000100 {
        /// CPUCTL_ALIAS is the register to start the CPU with.
        6:6     alias_en => bool;
        /// The CPU is halted.
        4:4     halted => bool;
        /// Start the CPU.
        1:1     startcpu => bool;
    }

    /// IMEM address the CPU starts at.
    pub(crate) NV_PFALCON_FALCON_BOOTVEC(u32) @ PFalconBase + 0x00000104 {
        31:0    value => u32;
    }

    /// DMA control.
    pub(crate) NV_PFALCON_FALCON_DMACTL(u32) @ PFalconBase + 0x0000010c {
        0:0     require_ctx => bool;
    }

    /// DMA source base, address bits 39:8.
    pub(crate) NV_PFALCON_FALCON_DMATRFBASE(u32) @ PFalconBase + 0x00000110 {
        31:0    base => u32;
    }

    /// DMA destination offset in IMEM/DMEM.
    pub(crate) NV_PFALCON_FALCON_DMATRFMOFFS(u32) @ PFalconBase + 0x00000114 {
        23:0    offs;
    }

    /// DMA transfer command.
    pub(crate) NV_PFALCON_FALCON_DMATRFCMD(u32) @ PFalconBase + 0x00000118 {
        /// Size as `4 << size` bytes.
        10:8    size;
        /// The destination is IMEM.
        4:4     imem => bool;
        /// Secure transfer.
        3:2     sec;
        /// The transfer engine is idle.
        1:1     idle => bool;
    }

    /// DMA source offset from DMATRFBASE.
    pub(crate) NV_PFALCON_FALCON_DMATRFFBOFFS(u32) @ PFalconBase + 0x0000011c {
        31:0    offs => u32;
    }

    /// DMA source base, address bits 48:40.
    pub(crate) NV_PFALCON_FALCON_DMATRFBASE1(u32) @ PFalconBase + 0x00000128 {
        8:0     base;
    }

    /// CPU control alias.
    pub(crate) NV_PFALCON_FALCON_CPUCTL_ALIAS(u32) @ PFalconBase + 0x00000130 {
        1:1     startcpu => bool;
    }

    /// Engine reset.
    pub(crate) NV_PFALCON_FALCON_ENGINE(u32) @ PFalconBase + 0x000003c0 {
        0:0     reset => bool;
    }

    /// The FBIF's controls: physical accesses with no context bound
    /// are let through only with `allow_phys_no_ctx` (nova-core `regs.rs`).
    pub(crate) NV_PFALCON_FBIF_CTL(u32) @ PFalconBase + 0x00000624 {
        7:7     allow_phys_no_ctx => bool;
    }

    /// DMA target of context 0.
    pub(crate) NV_PFALCON_FBIF_TRANSCFG(u32) @ PFalconBase + 0x00000600 {
        /// Physical addressing.
        2:2     mem_type_physical => bool;
        /// 1: coherent system memory.
        1:0     target;
    }

    /// Signature algorithm of a heavy-secure ucode.
    pub(crate) NV_PFALCON2_FALCON_MOD_SEL(u32) @ PFalcon2Base + 0x00000180 {
        /// 1: RSA-3K.
        7:0     algo;
    }

    /// Ucode id of a heavy-secure ucode.
    pub(crate) NV_PFALCON2_FALCON_BROM_CURR_UCODE_ID(u32) @ PFalcon2Base + 0x00000198 {
        7:0     ucode_id;
    }

    /// Engine id mask of a heavy-secure ucode.
    pub(crate) NV_PFALCON2_FALCON_BROM_ENGIDMASK(u32) @ PFalcon2Base + 0x0000019c {
        31:0    value => u32;
    }

    /// DMEM offset of the signature data of a heavy-secure ucode.
    pub(crate) NV_PFALCON2_FALCON_BROM_PARAADDR(u32) @ PFalcon2Base + 0x00000210 {
        31:0    value => u32;
    }

    /// RISC-V core status (GA102+).
    pub(crate) NV_PRISCV_RISCV_CPUCTL(u32) @ PFalcon2Base + 0x00000388 {
        /// The core runs.
        7:7     active_stat => bool;
        /// The core is halted.
        4:4     halted => bool;
    }

    /// Boot core select (GA102+).
    pub(crate) NV_PRISCV_RISCV_BCR_CTRL(u32) @ PFalcon2Base + 0x00000668 {
        /// 1: RISC-V, 0: falcon.
        4:4     core_select_riscv => bool;
        /// The selection took effect.
        0:0     valid => bool;
    }
}

register! {
    /// SEC2 ucode fuse versions, one register per ucode id 1..=16 (Linux 7.3
    /// nova-core `regs.rs`, `NV_FUSE_OPT_FPF_SEC2_UCODE1_VERSION`).
    pub(crate) NV_FUSE_OPT_FPF_SEC2_UCODE1_VERSION(u32)[16] @ 0x00824140 {
        15:0    data;
    }
}

const _: () = {
    assert!(<gsp::Gsp as RegisterBase<PFalconBase>>::BASE == u32_as_usize(proto::GSP_BASE));
    assert!(<gsp::Gsp as RegisterBase<PFalcon2Base>>::BASE == u32_as_usize(proto::GSP_BASE2));
    assert!(<sec2::Sec2 as RegisterBase<PFalconBase>>::BASE == u32_as_usize(proto::SEC2_BASE));
    assert!(<sec2::Sec2 as RegisterBase<PFalcon2Base>>::BASE == u32_as_usize(proto::SEC2_BASE2));
    assert!(
        NV_FUSE_OPT_FPF_SEC2_UCODE1_VERSION::OFFSET
            == u32_as_usize(proto::FUSE_SEC2_UCODE1_VERSION)
    );
    assert!(NV_PFALCON_FALCON_MAILBOX0::OFFSET == u32_as_usize(proto::MAILBOX0));
    assert!(NV_PFALCON_FALCON_MAILBOX1::OFFSET == u32_as_usize(proto::MAILBOX1));
    assert!(NV_PFALCON_FALCON_OS::OFFSET == u32_as_usize(proto::OS));
    assert!(NV_PFALCON_FALCON_RM::OFFSET == u32_as_usize(proto::RM));
    assert!(NV_PFALCON_FALCON_HWCFG2::OFFSET == u32_as_usize(proto::HWCFG2));
    assert!(NV_PFALCON_FALCON_CPUCTL::OFFSET == u32_as_usize(proto::CPUCTL));
    assert!(NV_PFALCON_FALCON_BOOTVEC::OFFSET == u32_as_usize(proto::BOOTVEC));
    assert!(NV_PFALCON_FALCON_DMACTL::OFFSET == u32_as_usize(proto::DMACTL));
    assert!(NV_PFALCON_FALCON_DMATRFBASE::OFFSET == u32_as_usize(proto::DMATRFBASE));
    assert!(NV_PFALCON_FALCON_DMATRFMOFFS::OFFSET == u32_as_usize(proto::DMATRFMOFFS));
    assert!(NV_PFALCON_FALCON_DMATRFCMD::OFFSET == u32_as_usize(proto::DMATRFCMD));
    assert!(NV_PFALCON_FALCON_DMATRFFBOFFS::OFFSET == u32_as_usize(proto::DMATRFFBOFFS));
    assert!(NV_PFALCON_FALCON_DMATRFBASE1::OFFSET == u32_as_usize(proto::DMATRFBASE1));
    assert!(NV_PFALCON_FALCON_CPUCTL_ALIAS::OFFSET == u32_as_usize(proto::CPUCTL_ALIAS));
    assert!(NV_PFALCON_FALCON_ENGINE::OFFSET == u32_as_usize(proto::ENGINE));
    assert!(NV_PFALCON_FBIF_TRANSCFG::OFFSET == u32_as_usize(proto::FBIF_TRANSCFG));
    assert!(NV_PFALCON_FBIF_CTL::OFFSET == u32_as_usize(proto::FBIF_CTL));
    assert!(NV_PFALCON2_FALCON_MOD_SEL::OFFSET == u32_as_usize(proto::MOD_SEL));
    assert!(
        NV_PFALCON2_FALCON_BROM_CURR_UCODE_ID::OFFSET == u32_as_usize(proto::BROM_CURR_UCODE_ID)
    );
    assert!(NV_PFALCON2_FALCON_BROM_ENGIDMASK::OFFSET == u32_as_usize(proto::BROM_ENGIDMASK));
    assert!(NV_PFALCON2_FALCON_BROM_PARAADDR::OFFSET == u32_as_usize(proto::BROM_PARAADDR));
    assert!(NV_PRISCV_RISCV_CPUCTL::OFFSET == u32_as_usize(proto::RISCV_CPUCTL));
    assert!(NV_PRISCV_RISCV_BCR_CTRL::OFFSET == u32_as_usize(proto::RISCV_BCR_CTRL));
    assert!(1u32 << *NV_PFALCON_FALCON_CPUCTL::HALTED_RANGE.start() == proto::CPUCTL_HALTED);
    assert!(NV_PFALCON_FALCON_IRQSSET::OFFSET == u32_as_usize(proto::IRQSSET));
    assert!(NV_PFALCON_FALCON_IRQSCLR::OFFSET == u32_as_usize(proto::IRQSCLR));
    assert!(NV_PFALCON_FALCON_IRQSTAT::OFFSET == u32_as_usize(proto::IRQSTAT));
    assert!(NV_PFALCON_FALCON_IRQMSET::OFFSET == u32_as_usize(proto::IRQMSET));
    assert!(NV_PFALCON_FALCON_IRQMCLR::OFFSET == u32_as_usize(proto::IRQMCLR));
    assert!(NV_PFALCON_FALCON_IRQDEST::OFFSET == u32_as_usize(proto::IRQDEST));
    assert!(NV_PFALCON_FALCON_INTR_RETRIGGER::OFFSET == u32_as_usize(proto::INTR_RETRIGGER));
    assert!(1u32 << *NV_PFALCON_FALCON_IRQSTAT::SWGEN0_RANGE.start() == proto::IRQ_SWGEN0);
    assert!(1u32 << *NV_PFALCON_FALCON_IRQSTAT::HALT_RANGE.start() == proto::IRQ_HALT);
};

/// Size of one falcon DMA transfer, and the alignment of its source.
const DMA_BLOCK: usize = 256;
/// DMATRFCMD size code of a 256-byte transfer (`4 << 6`).
const DMA_BLOCK_SIZE_CODE: u32 = 6;

/// Where one part of a ucode goes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Segment {
    /// Offset of the part in the DMA buffer (256-byte aligned).
    pub(crate) src: usize,
    /// Offset in IMEM or DMEM.
    pub(crate) dst: u32,
    /// Length in bytes.
    pub(crate) len: usize,
}

/// The boot-ROM parameters of a heavy-secure ucode.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BromParams {
    /// DMEM offset of the signature data.
    pub(crate) pkc_data_offset: u32,
    /// Engine id mask from the ucode's header.
    pub(crate) engine_id_mask: u32,
    /// Ucode id from the ucode's header.
    pub(crate) ucode_id: u8,
}

/// A ucode ready to load: its image in DMA memory and where its parts go.
pub(crate) struct LoadableUcode<'a> {
    /// The whole image.
    pub(crate) image: &'a Coherent<[u8]>,
    /// The secure IMEM part.
    pub(crate) imem: Segment,
    /// The DMEM part.
    pub(crate) dmem: Segment,
    /// Boot-ROM parameters.
    pub(crate) brom: BromParams,
    /// IMEM address the CPU starts at.
    pub(crate) boot_vector: u32,
}

/// One falcon of the GPU behind `bar`.
pub(crate) struct Falcon<'a, E: FalconEngine> {
    dev: &'a device::Device,
    bar: Bar0<'a>,
    _engine: core::marker::PhantomData<E>,
}

impl<'a, E: FalconEngine> Falcon<'a, E> {
    /// The falcon `E` of the GPU `dev`.
    pub(crate) fn new(dev: &'a device::Device, bar: Bar0<'a>) -> Self {
        Self {
            dev,
            bar,
            _engine: core::marker::PhantomData,
        }
    }

    /// Resets the engine and selects its falcon core (GA102's
    /// `kflcnReset` sequence as nova-core performs it).
    pub(crate) fn reset(&self) -> Result {
        // HW does not always report RESET_READY (OpenRM
        // `kflcnPreResetWait_GA102`); the wait is best-effort.
        let _ = read_poll_timeout(
            || Ok(self.bar.read(NV_PFALCON_FALCON_HWCFG2::of::<E>())),
            |r| r.reset_ready(),
            Delta::ZERO,
            Delta::from_micros(150),
        );
        self.bar
            .update(NV_PFALCON_FALCON_ENGINE::of::<E>(), |r| r.with_reset(true));
        kernel::time::delay::fsleep(Delta::from_micros(10));
        self.bar
            .update(NV_PFALCON_FALCON_ENGINE::of::<E>(), |r| r.with_reset(false));
        self.wait_scrubbed()?;
        if self
            .bar
            .read(NV_PRISCV_RISCV_BCR_CTRL::of::<E>())
            .core_select_riscv()
        {
            self.bar.write(
                WithBase::of::<E>(),
                NV_PRISCV_RISCV_BCR_CTRL::zeroed().with_core_select_riscv(false),
            );
            read_poll_timeout(
                || Ok(self.bar.read(NV_PRISCV_RISCV_BCR_CTRL::of::<E>())),
                |r| r.valid(),
                Delta::ZERO,
                Delta::from_millis(10),
            )
            .inspect_err(|_| dev_err!(self.dev, "{}: falcon core select timed out\n", E::NAME))?;
        }
        self.wait_scrubbed()?;
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON_FALCON_RM::zeroed().with_value(self.bar.read(NV_PMC_BOOT_0).into_raw()),
        );
        Ok(())
    }

    fn wait_scrubbed(&self) -> Result {
        read_poll_timeout(
            || Ok(self.bar.read(NV_PFALCON_FALCON_HWCFG2::of::<E>())),
            |r| !r.mem_scrubbing(),
            Delta::ZERO,
            crate::timeouts::FALCON_SCRUB,
        )
        .map(|_| ())
        .inspect_err(|_| dev_err!(self.dev, "{}: memory scrubbing did not finish\n", E::NAME))
    }

    /// Copies `seg` of `image` into IMEM or DMEM, 256 bytes at a time.
    fn dma_segment(&self, image: &Coherent<[u8]>, seg: Segment, imem: bool) -> Result {
        if seg.src % DMA_BLOCK != 0 || u32_as_usize(seg.dst) % DMA_BLOCK != 0 {
            dev_err!(self.dev, "{}: unaligned ucode segment {:?}\n", E::NAME, seg);
            return Err(EINVAL);
        }
        let blocks = seg.len.div_ceil(DMA_BLOCK);
        let end = seg.src.checked_add(blocks * DMA_BLOCK).ok_or(EOVERFLOW)?;
        let base: DmaAddress = io_project!(image, [try: seg.src..end]).dma_address();
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON_FALCON_DMATRFBASE::zeroed().with_base(lower_32_bits(base >> 8)),
        );
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON_FALCON_DMATRFBASE1::zeroed().try_with_base(base >> 40)?,
        );
        let cmd = NV_PFALCON_FALCON_DMATRFCMD::zeroed()
            .with_const_size::<DMA_BLOCK_SIZE_CODE>()
            .with_imem(imem);
        let cmd = if imem {
            cmd.with_const_sec::<1>()
        } else {
            cmd.with_const_sec::<0>()
        };
        for i in 0..blocks {
            let off = (i * DMA_BLOCK) as u32;
            self.bar.write(
                WithBase::of::<E>(),
                NV_PFALCON_FALCON_DMATRFMOFFS::zeroed().try_with_offs(seg.dst + off)?,
            );
            self.bar.write(
                WithBase::of::<E>(),
                NV_PFALCON_FALCON_DMATRFFBOFFS::zeroed().with_offs(off),
            );
            self.bar.write(WithBase::of::<E>(), cmd);
            read_poll_timeout(
                || Ok(self.bar.read(NV_PFALCON_FALCON_DMATRFCMD::of::<E>())),
                |r| r.idle(),
                Delta::ZERO,
                crate::timeouts::FALCON_DMA,
            )
            .inspect_err(|_| dev_err!(self.dev, "{}: DMA transfer timed out\n", E::NAME))?;
        }
        Ok(())
    }

    /// Loads `ucode` by DMA from coherent system memory and programs its
    /// boot-ROM parameters and boot vector.
    pub(crate) fn load(&self, ucode: &LoadableUcode<'_>) -> Result {
        // Physical DMA with no context bound (nova-core `dma_reset`,
        // nouveau `ga102_flcn_fw_load`): the FBIF refuses it without
        // ALLOW_PHYS_NO_CTX, and DMACTL must not require a context.
        self.bar.update(NV_PFALCON_FBIF_CTL::of::<E>(), |r| {
            r.with_allow_phys_no_ctx(true)
        });
        self.bar
            .write(WithBase::of::<E>(), NV_PFALCON_FALCON_DMACTL::zeroed());
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON_FBIF_TRANSCFG::zeroed()
                .with_const_target::<1>()
                .with_mem_type_physical(true),
        );
        self.dma_segment(ucode.image, ucode.imem, true)?;
        self.dma_segment(ucode.image, ucode.dmem, false)?;
        let b = ucode.brom;
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON2_FALCON_BROM_PARAADDR::zeroed().with_value(b.pkc_data_offset),
        );
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON2_FALCON_BROM_ENGIDMASK::zeroed().with_value(b.engine_id_mask),
        );
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON2_FALCON_BROM_CURR_UCODE_ID::zeroed()
                .try_with_ucode_id(u32::from(b.ucode_id))?,
        );
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON2_FALCON_MOD_SEL::zeroed().with_const_algo::<1>(),
        );
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON_FALCON_BOOTVEC::zeroed().with_value(ucode.boot_vector),
        );
        Ok(())
    }

    /// Starts the CPU (through CPUCTL_ALIAS when it is enabled).
    pub(crate) fn start(&self) -> Result {
        if self
            .bar
            .read(NV_PFALCON_FALCON_CPUCTL::of::<E>())
            .alias_en()
        {
            self.bar.write(
                WithBase::of::<E>(),
                NV_PFALCON_FALCON_CPUCTL_ALIAS::zeroed().with_startcpu(true),
            );
        } else {
            self.bar.write(
                WithBase::of::<E>(),
                NV_PFALCON_FALCON_CPUCTL::zeroed().with_startcpu(true),
            );
        }
        Ok(())
    }

    /// Waits for the CPU to halt.
    pub(crate) fn wait_halted(&self) -> Result {
        read_poll_timeout(
            || Ok(self.bar.read(NV_PFALCON_FALCON_CPUCTL::of::<E>())),
            |r| r.halted(),
            Delta::from_micros(100),
            crate::timeouts::FALCON_HALT,
        )
        .map(|_| ())
        .inspect_err(|_| dev_err!(self.dev, "{}: ucode did not halt\n", E::NAME))
    }

    /// Whether the CPU is halted.
    pub(crate) fn halted(&self) -> bool {
        self.bar.read(NV_PFALCON_FALCON_CPUCTL::of::<E>()).halted()
    }

    /// Writes both mailboxes: the arguments of the ucode started next.
    pub(crate) fn write_mailboxes(&self, mbox0: u32, mbox1: u32) {
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON_FALCON_MAILBOX0::zeroed().with_value(mbox0),
        );
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON_FALCON_MAILBOX1::zeroed().with_value(mbox1),
        );
    }

    /// Writes the mailboxes, starts the CPU, waits for it to halt and
    /// returns the mailboxes it left.
    pub(crate) fn boot(&self, mbox0: u32, mbox1: u32) -> Result<(u32, u32)> {
        self.write_mailboxes(mbox0, mbox1);
        self.start()?;
        self.wait_halted()?;
        Ok((self.mailbox0(), self.mailbox1()))
    }

    /// MAILBOX0.
    pub(crate) fn mailbox0(&self) -> u32 {
        self.bar.read(NV_PFALCON_FALCON_MAILBOX0::of::<E>()).value()
    }

    /// MAILBOX1.
    pub(crate) fn mailbox1(&self) -> u32 {
        self.bar.read(NV_PFALCON_FALCON_MAILBOX1::of::<E>()).value()
    }

    /// Records the version of the application the falcon runs.
    pub(crate) fn write_os_version(&self, version: u32) {
        self.bar.write(
            WithBase::of::<E>(),
            NV_PFALCON_FALCON_OS::zeroed().with_value(version),
        );
    }

    /// Whether the engine's RISC-V core runs.
    pub(crate) fn riscv_active(&self) -> bool {
        self.bar
            .read(NV_PRISCV_RISCV_CPUCTL::of::<E>())
            .active_stat()
    }
}

impl Falcon<'_, sec2::Sec2> {
    /// The fuse version of SEC2 ucode `ucode_id` (1..=16), which selects
    /// the signature a heavy-secure ucode must carry.
    pub(crate) fn fuse_version(&self, ucode_id: u8) -> Result<u32> {
        let idx = usize::from(ucode_id).checked_sub(1).ok_or(EINVAL)?;
        let reg = NV_FUSE_OPT_FPF_SEC2_UCODE1_VERSION::try_at(idx).ok_or_else(|| {
            dev_err!(
                self.dev,
                "SEC2 ucode id {} has no fuse register\n",
                ucode_id
            );
            EINVAL
        })?;
        Ok(crate::proto::firmware::fuse_version(
            self.bar.read(reg).data().get(),
        ))
    }
}
