//! How the host and the copy engine reach memory: a VA in the channel's VA
//! space, translated through the hub TLB as any GPU client's request is
//! (`dev::mmu`), or a physical address in VRAM or system memory (the copy
//! engine's physical mode).
//!
//! What a chip does, as the model has it:
//! - an invalid entry (no page), a VA beyond the format, or an aperture
//!   the MMU cannot use, is an MMU fault of the type the walk says
//!   (`gmmu::Fault::fault_type`);
//! - a write through a `READ_ONLY` PTE is an `RO_VIOLATION` fault, a
//!   non-privileged channel's access through a `PRIVILEGE` PTE a
//!   `PRIV_VIOLATION` fault (open-gpu-doc `tu104/dev_mmu.ref.txt`
//!   `NV_MMU_VER2_PTE_READ_ONLY`, `_PRIVILEGE`; fault types from
//!   `dev_fault.ref.txt`);
//! - a sparse range (invalid with VOL) reads 0 and drops writes, without a
//!   fault (gp100-mmu-format);
//! - VRAM outside what the clients may use (WPR2, GSP-RM's reserved
//!   memory, past the end) and a system memory address the guest never
//!   made reachable (no DMA window) are refused too: on a chip WPR2 blocks
//!   the engine and the IOMMU the bus request. Which fault type GSP-RM
//!   would report for those is not published; the model reports
//!   `REGION_VIOLATION` and `UNSUPPORTED_APERTURE`.
//!
//! Accesses are split where translations change and merged where
//! consecutive pages are contiguous, so a large copy moves page runs,
//! not bytes. VRAM is read as the GPU sees it (`VramView::read_gpu`,
//! without the host's unflushed posted writes) and written as the GPU
//! writes it (`VramView::write`, which BAR1's stale-translation check
//! notices).

use crate::dev::reserved::{self, Zone};
use crate::dev::SharedHw;
use crate::gsp_rm::gmmu::{fault_type, GpuMemory, Phys, Translation};
use std::fmt;

/// What an access needs of the device.
pub struct Ctx<'a> {
    /// The device's registers (the MMU's TLB), VRAM's limits.
    pub hw: &'a SharedHw,
    /// System memory and VRAM as the GPU sees them.
    pub mem: &'a GpuMemory,
}

/// Where an engine address points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Space {
    /// A VA in the VA space whose root is `pdb`, for a channel that is
    /// `privileged` or not.
    Virtual {
        /// The root page directory.
        pdb: Phys,
        /// The channel is privileged.
        privileged: bool,
    },
    /// A physical address in VRAM.
    Video,
    /// A physical address in system memory.
    Sys,
}

/// A refused access: what the chip reports as an MMU fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// The address (a VA for a virtual access).
    pub addr: u64,
    /// `NV_PFAULT_FAULT_TYPE_*`.
    pub fault_type: u32,
    /// Why, for the log.
    pub why: String,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "fault at {:#x} (type {:#x}): {}",
            self.addr, self.fault_type, self.why
        )
    }
}

/// A piece of an access that lands in one place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    /// The access's address there.
    addr: u64,
    /// Where it lands; `None` in a sparse range.
    at: Option<Phys>,
    /// Bytes.
    len: u64,
}

/// Bytes from `a` to the end of its `size`-aligned block.
fn rest_of(a: u64, size: u64) -> u64 {
    size - (a & (size - 1))
}

impl Ctx<'_> {
    /// Where the `len` bytes at `addr` in `space` land, for a `write` or
    /// a read.
    fn runs(&self, space: Space, addr: u64, len: u64, write: bool) -> Result<Vec<Run>, Fault> {
        let mut hw = crate::dev::lock(self.hw);
        let vram_size = self.mem.vram.as_ref().map_or(0, |v| v.size());
        let wpr2 = hw.bar0.wpr2();
        let rm = hw.rm_reserved.clone();
        let check_video = |addr: u64, a: u64, n: u64| -> Result<(), Fault> {
            let refuse = |why: String| Fault {
                addr,
                fault_type: fault_type::REGION_VIOLATION,
                why,
            };
            if a.checked_add(n).is_none_or(|e| e > vram_size) {
                return Err(refuse(format!("VRAM {a:#x}+{n:#x} is past its end")));
            }
            match reserved::zone(a..a + n, wpr2.clone(), rm.as_ref()) {
                Zone::Free => Ok(()),
                z => Err(refuse(format!("VRAM {a:#x}+{n:#x} is in {}", z.name()))),
            }
        };
        if addr.checked_add(len).is_none() {
            return Err(Fault {
                addr,
                fault_type: fault_type::VA_LIMIT_VIOLATION,
                why: format!("{len:#x} bytes run past the end of the address space"),
            });
        }
        let mut runs: Vec<Run> = Vec::new();
        let mut done = 0;
        while done < len {
            let va = addr + done;
            let left = len - done;
            let (at, n) = match space {
                Space::Video => {
                    check_video(va, va, left)?;
                    (Some(Phys::Video(va)), left)
                }
                Space::Sys => (Some(Phys::Sys(va)), left),
                Space::Virtual { pdb, privileged } => {
                    let t = hw
                        .bar0
                        .mmu
                        .translate(self.mem, pdb, va)
                        .map_err(|f| Fault {
                            addr: va,
                            fault_type: f.fault_type(),
                            why: f.to_string(),
                        })?;
                    match t {
                        Translation::Sparse(level) => {
                            (None, rest_of(va, 1 << level.shift()).min(left))
                        }
                        Translation::Mapped(m) => {
                            if write && m.attrs.read_only {
                                return Err(Fault {
                                    addr: va,
                                    fault_type: fault_type::RO_VIOLATION,
                                    why: "a write through a read-only PTE".into(),
                                });
                            }
                            if m.attrs.privileged && !privileged {
                                return Err(Fault {
                                    addr: va,
                                    fault_type: fault_type::PRIV_VIOLATION,
                                    why: "a privileged page, a user channel".into(),
                                });
                            }
                            let n = rest_of(va, m.size.bytes()).min(left);
                            let at = m.at(va);
                            if let Phys::Video(a) = at {
                                check_video(va, a, n)?;
                            }
                            (Some(at), n)
                        }
                    }
                }
            };
            match runs.last_mut() {
                Some(r) if r.at.map(|p| p.plus(r.len)) == at && at.is_some() => r.len += n,
                Some(r) if r.at.is_none() && at.is_none() => r.len += n,
                _ => runs.push(Run {
                    addr: va,
                    at,
                    len: n,
                }),
            }
            done += n;
        }
        Ok(runs)
    }

    fn io_fault(r: &Run, what: String) -> Fault {
        Fault {
            addr: r.addr,
            fault_type: fault_type::UNSUPPORTED_APERTURE,
            why: what,
        }
    }

    /// Reads `buf.len()` bytes at `addr` in `space`.
    pub fn read(&self, space: Space, addr: u64, buf: &mut [u8]) -> Result<(), Fault> {
        let mut off = 0;
        for r in self.runs(space, addr, buf.len() as u64, false)? {
            let d = &mut buf[off..off + r.len as usize];
            match r.at {
                None => d.fill(0),
                Some(Phys::Video(a)) => {
                    let vram = self.mem.vram.as_ref();
                    vram.and_then(|v| v.read_gpu(a, d))
                        .ok_or_else(|| Self::io_fault(&r, format!("VRAM {a:#x} unreadable")))?;
                }
                Some(Phys::Sys(a)) => self
                    .mem
                    .sys
                    .read(a, d)
                    .map_err(|e| Self::io_fault(&r, e.to_string()))?,
            }
            off += r.len as usize;
        }
        Ok(())
    }

    /// Writes `buf` at `addr` in `space`.
    pub fn write(&self, space: Space, addr: u64, buf: &[u8]) -> Result<(), Fault> {
        let mut off = 0;
        for r in self.runs(space, addr, buf.len() as u64, true)? {
            let d = &buf[off..off + r.len as usize];
            match r.at {
                None => {}
                Some(Phys::Video(a)) => {
                    let vram = self.mem.vram.as_ref();
                    vram.and_then(|v| v.write(a, d))
                        .ok_or_else(|| Self::io_fault(&r, format!("VRAM {a:#x} unwritable")))?;
                }
                Some(Phys::Sys(a)) => self
                    .mem
                    .sys
                    .write(a, d)
                    .map_err(|e| Self::io_fault(&r, e.to_string()))?,
            }
            off += r.len as usize;
        }
        Ok(())
    }

    /// The little-endian u32 at `addr`.
    pub fn read_u32(&self, space: Space, addr: u64) -> Result<u32, Fault> {
        let mut b = [0u8; 4];
        self.read(space, addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Copies `len` bytes from `src` in `src_space` to `dst` in
    /// `dst_space`, a MiB at a time.
    pub fn copy(
        &self,
        src_space: Space,
        src: u64,
        dst_space: Space,
        dst: u64,
        len: u64,
    ) -> Result<(), Fault> {
        const CHUNK: u64 = 1 << 20;
        for (space, at) in [(src_space, src), (dst_space, dst)] {
            if at.checked_add(len).is_none() {
                return Err(Fault {
                    addr: at,
                    fault_type: match space {
                        Space::Virtual { .. } => fault_type::VA_LIMIT_VIOLATION,
                        _ => fault_type::REGION_VIOLATION,
                    },
                    why: format!("{len:#x} bytes run past the end of the address space"),
                });
            }
        }
        let mut buf = vec![0u8; len.min(CHUNK) as usize];
        let mut done = 0;
        while done < len {
            let n = (len - done).min(CHUNK) as usize;
            self.read(src_space, src + done, &mut buf[..n])?;
            self.write(dst_space, dst + done, &buf[..n])?;
            done += n as u64;
        }
        Ok(())
    }
}
