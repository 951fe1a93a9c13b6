//! The memory a channel is allocated with, as GSP-RM and the chip need it.
//! With GSP-RM the kernel driver allocates a channel's memory and names it
//! in `NV_CHANNEL_ALLOC_PARAMS` (nouveau r570 `r570_chan_alloc`):
//!
//! - `instanceMem`: the 4 KiB instance block, in VRAM, 4 KiB aligned (the
//!   chip's RAMIN alignment; nouveau `gv100_chan_inst`: 0x1000 at 0x1000);
//! - `ramfcMem`: RAMFC, the instance block's first 0x200 bytes;
//! - `userdMem`: USERD, 0x200 bytes at a 0x200 boundary (nouveau
//!   `gv100_chan_userd`), in VRAM (outside the instance block) or system
//!   memory;
//! - `mthdbufMem`: the fault method buffer, in system memory, of the size
//!   `NV2080_CTRL_CMD_CE_GET_FAULT_METHOD_BUFFER_SIZE` reports;
//! - the GPFIFO ring: `gpFifoEntries` 8-byte entries (a power of two) at
//!   `gpFifoOffset`, a GPU VA in the channel's VA space.
//!
//! Memory descriptors use `NV_ADDRESS_SPACE` numbering (1 system memory,
//! 2 VRAM; open-gpu-kernel-modules `nvos.h`). The chip would fault on a
//! GPFIFO that is not mapped when the host first fetched from it; the
//! model refuses such a channel at allocation already (and its host,
//! `dev::host`, faults on a ring unmapped later).

use super::gmmu::{self, GpuMemory, Phys, Translation};
use nvgsp_proto::gsp::class::{NvChannelAllocParams, NvMemoryDescParams, ADDR_FBMEM, ADDR_SYSMEM};
use nvgsp_proto::gsp::status::{NV_ERR_INVALID_ADDRESS, NV_ERR_INVALID_ARGUMENT};

/// The fault method buffer the model asks each channel for: not a page
/// multiple, so that a driver that guesses a page instead of asking fails.
/// (The real size depends on the copy engines; none is published.)
pub const METHOD_BUFFER_SIZE: u32 = 0x2800;

/// What a channel's memory must be on a GPU whose clients' VRAM ends at
/// `fb_end`, in a VA space whose page directory is `root`; `Err` is RM's
/// status and what was wrong.
pub fn check(
    p: &NvChannelAllocParams,
    root: Phys,
    mem: &GpuMemory,
    fb_end: u64,
) -> Result<(), (u32, String)> {
    let bad = |what: String| Err((NV_ERR_INVALID_ARGUMENT, what));
    let in_fb = |d: &NvMemoryDescParams| d.base.checked_add(d.size).is_some_and(|e| e <= fb_end);
    let inst = &p.instance_mem;
    if inst.address_space != ADDR_FBMEM
        || inst.size != 0x1000
        || !inst.base.is_multiple_of(0x1000)
        || !in_fb(inst)
    {
        return bad(format!(
            "instance memory {inst:?}: not 4 KiB of VRAM at a 4 KiB boundary"
        ));
    }
    let ramfc = &p.ramfc_mem;
    if ramfc.address_space != ADDR_FBMEM || ramfc.base != inst.base || ramfc.size != 0x200 {
        return bad(format!(
            "RAMFC {ramfc:?}: not the instance block's first 0x200 bytes"
        ));
    }
    let userd = &p.userd_mem;
    if userd.size != 0x200 || !userd.base.is_multiple_of(0x200) {
        return bad(format!(
            "USERD {userd:?}: not 0x200 bytes at a 0x200 boundary"
        ));
    }
    match userd.address_space {
        ADDR_FBMEM if !in_fb(userd) => {
            return bad(format!("USERD {userd:?}: beyond the clients' VRAM"))
        }
        ADDR_FBMEM if userd.base < inst.base + inst.size && inst.base < userd.base + userd.size => {
            return bad(format!("USERD {userd:?}: inside the instance block"))
        }
        ADDR_FBMEM => {}
        ADDR_SYSMEM => {
            if let Err(e) = mem.sys.read(userd.base, &mut [0u8; 0x200]) {
                return bad(format!("USERD {userd:?}: {e}"));
            }
        }
        a => return bad(format!("USERD {userd:?}: address space {a}")),
    }
    let mb = &p.mthdbuf_mem;
    let mut probe = vec![0u8; METHOD_BUFFER_SIZE as usize];
    if mb.address_space != ADDR_SYSMEM
        || mb.size != u64::from(METHOD_BUFFER_SIZE)
        || !mb.base.is_multiple_of(0x1000)
        || mem.sys.read(mb.base, &mut probe).is_err()
    {
        return bad(format!(
            "method buffer {mb:?}: not {METHOD_BUFFER_SIZE:#x} bytes of system memory at a 4 KiB boundary"
        ));
    }
    let entries = p.gp_fifo_entries;
    if entries < 2 || !entries.is_power_of_two() || !p.gp_fifo_offset.is_multiple_of(8) {
        return bad(format!(
            "GPFIFO of {entries} entries at {:#x}: not a power of two at an 8-byte boundary",
            p.gp_fifo_offset
        ));
    }
    let Some(end) = p.gp_fifo_offset.checked_add(u64::from(entries) * 8) else {
        return bad(format!("GPFIFO at {:#x} wraps the VA", p.gp_fifo_offset));
    };
    let mut va = p.gp_fifo_offset & !0xfff;
    while va < end {
        let fault = |e: String| (NV_ERR_INVALID_ADDRESS, format!("GPFIFO: {e}"));
        // GSP-RM reads the driver's tables as memory (RM walks them in
        // software), not through the GPU's TLB. The page must be memory the
        // host can fetch from: a sparse range would feed it the dummy
        // page's zeros, not the driver's entries.
        let page = match gmmu::translate(mem, root, va) {
            Ok(Translation::Mapped(m)) => m.at(va),
            Ok(Translation::Sparse(level)) => {
                return Err(fault(format!(
                    "VA {va:#x} is in a sparse range ({} entry)",
                    level.name()
                )))
            }
            Err(f) => return Err(fault(format!("VA {va:#x}: {f}"))),
        };
        match page {
            Phys::Sys(page) => mem
                .sys
                .read(page & !0xfff, &mut [0u8; 8])
                .map_err(|e| fault(format!("VA {va:#x} maps {page:#x}: {e}")))?,
            Phys::Video(page) if page < fb_end => {}
            Phys::Video(page) => {
                return Err(fault(format!(
                    "VA {va:#x} maps VRAM {page:#x} beyond the clients'"
                )))
            }
        }
        va += 0x1000;
    }
    Ok(())
}
