//! `NV_UFLUSH_FB_FLUSH` (BAR0 0x070000): the host asks that its posted
//! writes to VRAM reach memory ahead of what the GPU's clients (the MMU's
//! page table walks, GSP-RM) read next, and waits until they have.
//!
//! The register (the offset: open-gpu-kernel-modules `published/maxwell/
//! gm107/dev_flush.h`; the fields: nvgpu `hw_flush_gk20a.h`): PENDING
//! 0:0, written 1 (BUSY) to trigger, OUTSTANDING 1:1, which reads 1 while
//! the flush is under way. The driver triggers, then polls until the
//! flush is done: nouveau `g84_bar_flush` (`0x070000 = 1`, then
//! `nvkm_rd32(0x070000) & 2` until clear, 2 s), which r535's BAR code uses
//! before BAR2 is up ("needed on R570"); nvgpu `gk20a_mm_fb_flush` (until
//! neither OUTSTANDING nor PENDING reads busy); OpenRM reads it 0 when
//! idle (`kern_mem_sys_gm107.c`).
//!
//! What the model does, so that a driver that does not wait is caught:
//! - the first read after a trigger says OUTSTANDING (bit 1);
//! - the writes the flush covers (those posted before the trigger, with
//!   the bytes they wrote then: `vram::pending`) land with the next read,
//!   which sees OUTSTANDING clear: a driver that triggers and goes on
//!   (invalidates the TLB, tells GSP-RM) without reading the register
//!   until it reads 0 leaves its table writes unseen by the MMU;
//! - how long a chip's flush takes is not published: one read that says
//!   outstanding is the model's choice, as is PENDING reading 0 all along
//!   (nouveau polls OUTSTANDING alone; nvgpu, which polls both, is
//!   satisfied by either).
//!
//! A read of the PRAMIN window or of BAR1 still flushes everything at
//! once (`dev::pramin`, `dev::bar1`: OpenRM `kbusFlushSingle_GV100` flushes
//! by reading through a BAR), which also lands what a flush in flight
//! covers.

use super::Hw;
use log::debug;
use nvgsp_proto::bus;

/// Where an FB flush stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FbFlush {
    /// None in flight: the register reads 0.
    #[default]
    Idle,
    /// Triggered, not read since: the next read says OUTSTANDING.
    Triggered,
    /// OUTSTANDING was read: the flush completes before the next read,
    /// which reads 0.
    Outstanding,
}

impl FbFlush {
    /// The register as a look at it finds it, without a read's effect:
    /// OUTSTANDING until a read has seen it clear.
    pub fn value(self) -> u32 {
        match self {
            FbFlush::Idle => 0,
            FbFlush::Triggered | FbFlush::Outstanding => bus::FB_FLUSH_OUTSTANDING,
        }
    }

    /// A write of PENDING (1): a flush starts.
    pub fn trigger(&mut self) {
        *self = FbFlush::Triggered;
    }

    /// A host read: what it returns, and whether the flush completed with
    /// it (its writes land).
    pub fn read(&mut self) -> (u32, bool) {
        match *self {
            FbFlush::Idle => (0, false),
            FbFlush::Triggered => {
                *self = FbFlush::Outstanding;
                (bus::FB_FLUSH_OUTSTANDING, false)
            }
            FbFlush::Outstanding => {
                *self = FbFlush::Idle;
                (0, true)
            }
        }
    }
}

impl Hw {
    /// A host read of the BAR0 register at `off` (4-byte aligned): what
    /// [`super::bar0::Bar0::lookup`] says, with the read's own effect on
    /// the registers that have one (`NV_UFLUSH_FB_FLUSH` completing).
    /// `None` where the model has no register.
    pub fn read_register(&mut self, off: u32) -> Option<u32> {
        if off == bus::FB_FLUSH {
            return Some(self.fb_flush_read());
        }
        self.bar0.lookup(off)
    }

    /// The driver triggered an FB flush ([`super::bar0::Effect::FbFlush`]):
    /// it covers what the host posted until now.
    pub fn fb_flush_started(&mut self) {
        let n = self.vram.as_ref().map_or(0, |v| v.start_flush());
        debug!("fb flush: started, {n} words of posted writes in flight");
    }

    /// A host read of `NV_UFLUSH_FB_FLUSH`.
    fn fb_flush_read(&mut self) -> u32 {
        let (v, done) = self.bar0.fb_flush.read();
        if done {
            let n = self.vram.as_ref().map_or(0, |v| v.finish_flush());
            debug!("fb flush: done, {n} words of posted writes now visible to the GPU");
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outstanding_once_then_done() {
        let mut f = FbFlush::default();
        assert_eq!(f.read(), (0, false));
        f.trigger();
        assert_eq!(f.value(), bus::FB_FLUSH_OUTSTANDING);
        assert_eq!(f.read(), (bus::FB_FLUSH_OUTSTANDING, false));
        assert_eq!(f.value(), bus::FB_FLUSH_OUTSTANDING);
        assert_eq!(f.read(), (0, true));
        assert_eq!((f, f.read()), (FbFlush::Idle, (0, false)));
        // A trigger while one is in flight starts it over.
        f.trigger();
        f.read();
        f.trigger();
        assert_eq!(f.read(), (bus::FB_FLUSH_OUTSTANDING, false));
    }
}
