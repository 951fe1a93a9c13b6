// SPDX-License-Identifier: GPL-2.0

//! [`What`]: what an [`Event`](super::Event) says, typed per kind, so a
//! client reads an Xid as an [`Xid`] and a channel as a channel, never a
//! field whose meaning depends on another.

use kernel::fmt;

use super::{
    EventKind,
    Notifier, //
};
use crate::proto::gsp::rpc::event::{
    xid_name,
    INVALID_CHID, //
};

/// An Xid: GSP-RM's number for a kind of error (`ROBUST_CHANNEL_*` and
/// `GSP_*` in open-gpu-kernel-modules `nverror.h`), as GSP-RM reports it
/// and as NVIDIA's documentation lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Xid(pub u32);

impl Xid {
    /// A short name, for log lines.
    pub fn name(self) -> &'static str {
        xid_name(self.0)
    }
}

impl fmt::Display for Xid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Xid {}", self.0)
    }
}

/// Where an MMU fault hit: what GSP-RM's `RC_TRIGGERED` carries for Xid
/// 31 (`ROBUST_CHANNEL_FIFO_ERROR_MMU_ERR_FLT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MmuFault {
    /// The faulting GPU virtual address.
    pub address: u64,
    /// The fault type (`NV_PFAULT_FAULT_TYPE_*`, dev_fault.ref.txt).
    pub fault_type: u32,
}

/// What an event says, by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    /// Notifier `notifier` fired on the event object in
    /// [`Event::object`](super::Event::object), with GSP-RM's `data`
    /// word; the payload is the notification's `eventData`.
    Notify {
        /// The notifier.
        notifier: Notifier,
        /// `data` of `POST_EVENT`.
        data: u32,
    },
    /// Channel `channel` was stopped for error `xid`.
    RcError {
        /// The error.
        xid: Xid,
        /// GSP-RM's channel ID.
        channel: u32,
        /// Where it faulted, for an MMU fault.
        fault: Option<MmuFault>,
    },
    /// GSP-RM reports error `xid`, on `channel` or on none (GPU-wide);
    /// the payload is its text.
    GspLog {
        /// The error.
        xid: Xid,
        /// GSP-RM's channel ID, if the report names one.
        channel: Option<u32>,
    },
    /// GSP-RM entered (`true`) or left lockdown.
    Lockdown {
        /// Whether it is now in lockdown.
        entered: bool,
    },
    /// A ucode's log buffer (in the payload), from ucode `ucode`
    /// (`ucodeEngDesc`).
    GspPrint {
        /// The ucode's engine descriptor.
        ucode: u32,
    },
    /// GSP-RM copied MMU faults to the shadow fault buffer.
    FaultQueued,
    /// The vGPU plugin task of virtual function `gfid` - 1 was started,
    /// stopped or crashed (`notify`: `NVA084_NOTIFIERS_PLUGIN_TASK_*`).
    VgpuPlugin {
        /// The virtual function's gfid (its index + 1).
        gfid: u32,
        /// What happened, `NVA084_NOTIFIERS_*`.
        notify: u32,
    },
}

impl What {
    /// Its kind, for subscriptions.
    pub fn kind(&self) -> EventKind {
        match self {
            What::Notify { .. } => EventKind::Notify,
            What::RcError { .. } => EventKind::RcError,
            What::GspLog { .. } => EventKind::GspLog,
            What::Lockdown { .. } => EventKind::Lockdown,
            What::GspPrint { .. } => EventKind::GspPrint,
            What::FaultQueued => EventKind::FaultQueued,
            What::VgpuPlugin { .. } => EventKind::VgpuPlugin,
        }
    }

    /// The channel it concerns, if any: what the core attributes to the
    /// client holding it.
    pub fn channel(&self) -> Option<u32> {
        match *self {
            What::RcError { channel, .. } => Some(channel),
            What::GspLog { channel, .. } => channel,
            _ => None,
        }
    }

    /// A report's channel as GSP-RM sends it: `INVALID_CHID` for none.
    pub(crate) fn report_channel(chid: u32) -> Option<u32> {
        (chid != INVALID_CHID).then_some(chid)
    }
}
