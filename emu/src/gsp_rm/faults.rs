//! Faults GSP-RM can be told to commit, for the driver's error paths
//! (`--fault KIND[:COUNT]`). Message faults hit the replies to
//! `NV2080_CTRL_CMD_NULL` controls, and only those (the driver never
//! issues them while booting, so a fault never stops the boot it does not
//! target; other NULL controls, such as the NV0000 one a driver may ping
//! GSP-RM with, are answered plainly); boot
//! faults (fwsec-frts, booter-load, no-riscv-start, no-init-done,
//! bad-sequencer, resume-fail, static-info-error) hit the next boots, one
//! step of the chain each. `gsp-crash` and `gsp-hang` strike instead of the
//! reply to a NULL control, i.e. under RPC load; `gsp-crash-boot` during
//! GSP-RM's init, `gsp-crash-idle` once GSP-RM has had nothing to do for five
//! seconds (errors on a given client's objects, and crashes and hangs at
//! a moment a test picks, come through the control port instead,
//! `crate::control`). `KIND@N` holds a
//! fault that strikes GSP-RM back until its Nth boot (1 is the first), so
//! that it hits a boot after a recovery.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// What goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The reply's checksum does not sum to zero.
    BadChecksum,
    /// The reply's `rpc.length` runs past its element.
    BadLength,
    /// An extra message with an unknown function precedes the reply.
    UnknownFunction,
    /// The reply is sent twice.
    DuplicateSequence,
    /// The reply carries another call's sequence number.
    WrongSequence,
    /// The reply's element count is above the 16-page maximum.
    OversizedCount,
    /// No reply at all.
    NoReply,
    /// The reply comes after the driver's timeout.
    LateReply,
    /// FWSEC-FRTS fails (error code in SW_SCRATCH(0xe), no WPR2).
    FwsecFrts,
    /// booter_load fails its verification.
    BooterLoad,
    /// booter_load succeeds but the RISC-V core never starts GSP-RM.
    NoRiscvStart,
    /// GSP-RM never posts GSP_INIT_DONE.
    NoInitDone,
    /// The CPU sequencer program carries an unknown opcode.
    BadSequencer,
    /// SEC2-RTOS fails to resume GSP-RM for the sequencer's CORE_RESUME.
    ResumeFail,
    /// GET_GSP_STATIC_INFO fails with NV_ERR_GENERIC.
    StaticInfoError,
    /// GSP-RM crashes instead of answering: its RISC-V core halts, the
    /// falcon raises HALT and MAILBOX0 holds [`GSP_CRASH_CODE`].
    GspCrash,
    /// GSP-RM stops answering anything, its core still running.
    GspHang,
    /// GSP-RM crashes during its init, before GSP_INIT_DONE.
    GspCrashBoot,
    /// GSP-RM crashes while idle: five seconds after its last command.
    GspCrashIdle,
}

/// MAILBOX0 of a crashed GSP-RM (the model's; real crash reports go
/// through the CrashCat queue, which the model does not have).
pub const GSP_CRASH_CODE: u32 = 0xbad0_dead;

/// Names on the command line.
pub const NAMES: &[(&str, FaultKind)] = &[
    ("bad-checksum", FaultKind::BadChecksum),
    ("bad-length", FaultKind::BadLength),
    ("unknown-function", FaultKind::UnknownFunction),
    ("duplicate-sequence", FaultKind::DuplicateSequence),
    ("wrong-sequence", FaultKind::WrongSequence),
    ("oversized-count", FaultKind::OversizedCount),
    ("no-reply", FaultKind::NoReply),
    ("late-reply", FaultKind::LateReply),
    ("fwsec-frts", FaultKind::FwsecFrts),
    ("booter-load", FaultKind::BooterLoad),
    ("no-riscv-start", FaultKind::NoRiscvStart),
    ("no-init-done", FaultKind::NoInitDone),
    ("bad-sequencer", FaultKind::BadSequencer),
    ("resume-fail", FaultKind::ResumeFail),
    ("static-info-error", FaultKind::StaticInfoError),
    ("gsp-crash", FaultKind::GspCrash),
    ("gsp-hang", FaultKind::GspHang),
    ("gsp-crash-boot", FaultKind::GspCrashBoot),
    ("gsp-crash-idle", FaultKind::GspCrashIdle),
];

/// A fault and how many more times it fires; shared by every GSP-RM
/// instance of the device, so a count spans reboots.
#[derive(Clone, Debug)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    left: Arc<AtomicU32>,
    /// The first GSP-RM boot (1-based) it may strike.
    from_boot: u32,
}

impl PartialEq for Fault {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.left() == other.left() && self.from_boot == other.from_boot
    }
}

impl Eq for Fault {}

impl Fault {
    /// `kind`, firing `count` times.
    pub fn new(kind: FaultKind, count: u32) -> Fault {
        Fault {
            kind,
            left: Arc::new(AtomicU32::new(count)),
            from_boot: 1,
        }
    }

    /// Parses `KIND[@BOOT][:COUNT]`.
    pub fn parse(s: &str) -> Option<Fault> {
        let (name, count) = match s.split_once(':') {
            Some((n, c)) => (n, c.parse().ok().filter(|&c| c > 0)?),
            None => (s, 1),
        };
        let (name, from_boot) = match name.split_once('@') {
            Some((n, b)) => (n, b.parse().ok().filter(|&b| b > 0)?),
            None => (name, 1),
        };
        let kind = NAMES.iter().find(|(n, _)| *n == name)?.1;
        Some(Fault {
            from_boot,
            ..Fault::new(kind, count)
        })
    }

    /// Times it will still fire.
    pub fn left(&self) -> u32 {
        self.left.load(Ordering::Relaxed)
    }

    /// Whether `kind` fires now; counts it down if so.
    pub fn fires(faults: &[Fault], kind: FaultKind) -> bool {
        Fault::fires_at(faults, kind, u32::MAX)
    }

    /// Whether `kind` fires now in GSP-RM boot `boot`; counts it down if
    /// so.
    pub fn fires_at(faults: &[Fault], kind: FaultKind, boot: u32) -> bool {
        faults
            .iter()
            .filter(|f| f.kind == kind && boot >= f.from_boot)
            .any(|f| {
                f.left
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                    .is_ok()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_count_down() {
        let f = Fault::parse("late-reply:2").unwrap();
        assert_eq!((f.kind, f.left()), (FaultKind::LateReply, 2));
        let faults = [f];
        assert!(Fault::fires(&faults, FaultKind::LateReply));
        assert!(!Fault::fires(&faults, FaultKind::NoReply));
        assert!(Fault::fires(&faults, FaultKind::LateReply));
        assert!(!Fault::fires(&faults, FaultKind::LateReply));
        assert_eq!(Fault::parse("no-reply").map(|f| f.left()), Some(1));
        assert!(Fault::parse("no-reply:0").is_none());
        assert!(Fault::parse("gremlins").is_none());
        let f = Fault::parse("gsp-crash-boot@2").unwrap();
        let faults = [f];
        assert!(!Fault::fires_at(&faults, FaultKind::GspCrashBoot, 1));
        assert!(Fault::fires_at(&faults, FaultKind::GspCrashBoot, 2));
        assert!(!Fault::fires_at(&faults, FaultKind::GspCrashBoot, 3));
        assert!(Fault::parse("gsp-crash@0").is_none());
    }
}
