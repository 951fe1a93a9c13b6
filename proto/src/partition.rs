// SPDX-License-Identifier: GPL-2.0
//! The resource partition policy: how much VRAM and how many channels each
//! client kind of a GPU may hold, as the `nvgsp_core.partition` module
//! parameter and the `<pci device>/partition/policy` sysfs attribute spell it.
//!
//! Grammar: comma-separated `KIND=VRAM[/CHANNELS]`, KIND one of `drm`,
//! `vfio`. VRAM is a percentage (`50%`) or a size in bytes with an optional
//! binary suffix (`512M`, `2G`, `64K`); CHANNELS a percentage or a count.
//! Without `/CHANNELS`, a percentage VRAM share gives the same percentage
//! of the channels; a size needs its channel count spelled out. Kinds not
//! named get nothing. Example: `drm=75%,vfio=25%`, `drm=1G/64,vfio=512M/32`.
//!
//! Plain `core` Rust: compiled into `nvgsp_core.ko` and tested here.

use core::fmt;

/// The clients of a GPU, one auxiliary device each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    /// `nvgsp_drm`.
    Drm,
    /// `nvgsp_vfio`.
    Vfio,
}

/// Number of [`ClientKind`]s.
pub const KINDS: usize = 2;

impl ClientKind {
    /// Every kind, in index order.
    pub const ALL: [ClientKind; KINDS] = [ClientKind::Drm, ClientKind::Vfio];

    /// The kind's name in the policy and in sysfs.
    pub const fn name(self) -> &'static str {
        match self {
            ClientKind::Drm => "drm",
            ClientKind::Vfio => "vfio",
        }
    }

    /// Index into per-kind arrays.
    pub const fn index(self) -> usize {
        self as usize
    }

    fn from_name(s: &str) -> Option<ClientKind> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// One share: a percentage of what the core partitions, or an absolute
/// amount (bytes of VRAM, or channels).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Amount {
    /// 0..=100 percent.
    Percent(u8),
    /// Bytes or channels.
    Absolute(u64),
}

impl Amount {
    /// What the share comes to out of `total`.
    pub fn of(self, total: u64) -> u64 {
        match self {
            // total * p / 100 without 128-bit division (the kernel has
            // none): with total = 100q + r, that is q*p + r*p/100 exactly.
            Amount::Percent(p) => {
                let p = u64::from(p);
                total / 100 * p + total % 100 * p / 100
            }
            Amount::Absolute(n) => n,
        }
    }
}

/// What one client kind may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Share {
    /// VRAM.
    pub vram: Amount,
    /// Channel IDs.
    pub channels: Amount,
}

impl Share {
    /// No resources at all.
    pub const NONE: Share = Share {
        vram: Amount::Percent(0),
        channels: Amount::Percent(0),
    };
}

/// A share turned into numbers for one GPU.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of VRAM, a multiple of [`VRAM_GRANULE`].
    pub vram: u64,
    /// Channel IDs.
    pub channels: u64,
}

/// VRAM is handed out and accounted in 4 KiB pages (the GPU's small page).
pub const VRAM_GRANULE: u64 = 4096;

/// Longest policy string accepted (the module parameter's buffer).
pub const MAX_POLICY_LEN: usize = 128;

/// Why a policy is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyError {
    /// Empty, too long, or not `KIND=VRAM[/CHANNELS],...`.
    Syntax,
    /// A kind that does not exist.
    UnknownKind,
    /// A kind named twice.
    DuplicateKind,
    /// A percentage above 100 or a number that does not fit.
    BadAmount,
    /// A VRAM size without a channel count.
    MissingChannels,
    /// The shares add up to more than there is.
    Oversubscribed,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PolicyError::Syntax => "want KIND=VRAM[/CHANNELS],... (e.g. drm=50%,vfio=50%)",
            PolicyError::UnknownKind => "unknown client kind (want drm or vfio)",
            PolicyError::DuplicateKind => "a client kind is named twice",
            PolicyError::BadAmount => "a percentage above 100 or a number too large",
            PolicyError::MissingChannels => "a VRAM size needs a channel count (KIND=SIZE/COUNT)",
            PolicyError::Oversubscribed => "the shares add up to more than the GPU has",
        })
    }
}

/// The shares of every client kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Indexed by [`ClientKind::index`].
    pub shares: [Share; KINDS],
}

impl Default for Policy {
    /// Half of everything to each kind.
    fn default() -> Policy {
        let half = Share {
            vram: Amount::Percent(50),
            channels: Amount::Percent(50),
        };
        Policy {
            shares: [half; KINDS],
        }
    }
}

fn parse_number(s: &str) -> Result<u64, PolicyError> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PolicyError::Syntax);
    }
    s.parse::<u64>().map_err(|_| PolicyError::BadAmount)
}

fn parse_amount(s: &str, sizes: bool) -> Result<Amount, PolicyError> {
    if let Some(p) = s.strip_suffix('%') {
        let p = parse_number(p)?;
        return match u8::try_from(p) {
            Ok(p) if p <= 100 => Ok(Amount::Percent(p)),
            _ => Err(PolicyError::BadAmount),
        };
    }
    let (digits, shift) = match s.as_bytes().last() {
        Some(b'K' | b'k') if sizes => (&s[..s.len() - 1], 10),
        Some(b'M' | b'm') if sizes => (&s[..s.len() - 1], 20),
        Some(b'G' | b'g') if sizes => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    let n = parse_number(digits)?;
    n.checked_mul(1 << shift)
        .map(Amount::Absolute)
        .ok_or(PolicyError::BadAmount)
}

impl Policy {
    /// Parses the grammar in the module documentation. Surrounding
    /// whitespace (a sysfs write's newline) is ignored.
    pub fn parse(s: &str) -> Result<Policy, PolicyError> {
        let s = s.trim();
        if s.is_empty() || s.len() > MAX_POLICY_LEN {
            return Err(PolicyError::Syntax);
        }
        let mut shares = [None; KINDS];
        for item in s.split(',') {
            let (kind, amounts) = item.trim().split_once('=').ok_or(PolicyError::Syntax)?;
            let kind = ClientKind::from_name(kind.trim()).ok_or(PolicyError::UnknownKind)?;
            let (vram, channels) = match amounts.split_once('/') {
                Some((v, c)) => (v.trim(), Some(c.trim())),
                None => (amounts.trim(), None),
            };
            let vram = parse_amount(vram, true)?;
            let channels = match (channels, vram) {
                (Some(c), _) => parse_amount(c, false)?,
                (None, Amount::Percent(p)) => Amount::Percent(p),
                (None, Amount::Absolute(_)) => return Err(PolicyError::MissingChannels),
            };
            let slot = &mut shares[kind.index()];
            if slot.is_some() {
                return Err(PolicyError::DuplicateKind);
            }
            *slot = Some(Share { vram, channels });
        }
        Ok(Policy {
            shares: shares.map(|s| s.unwrap_or(Share::NONE)),
        })
    }

    /// The limits of every kind out of `vram` bytes and `channels` IDs;
    /// fails if they add up to more than that.
    pub fn limits(&self, vram: u64, channels: u64) -> Result<[Limits; KINDS], PolicyError> {
        let limits = self.shares.map(|s| Limits {
            vram: s.vram.of(vram) / VRAM_GRANULE * VRAM_GRANULE,
            channels: s.channels.of(channels),
        });
        let sum = |f: fn(&Limits) -> u64| {
            limits
                .iter()
                .try_fold(0u64, |acc, l| acc.checked_add(f(l)))
                .unwrap_or(u64::MAX)
        };
        if sum(|l| l.vram) > vram || sum(|l| l.channels) > channels {
            return Err(PolicyError::Oversubscribed);
        }
        Ok(limits)
    }
}

fn fmt_amount(f: &mut fmt::Formatter<'_>, a: Amount, sizes: bool) -> fmt::Result {
    match a {
        Amount::Percent(p) => write!(f, "{p}%"),
        Amount::Absolute(n) if sizes && n != 0 && n % (1 << 30) == 0 => write!(f, "{}G", n >> 30),
        Amount::Absolute(n) if sizes && n != 0 && n % (1 << 20) == 0 => write!(f, "{}M", n >> 20),
        Amount::Absolute(n) if sizes && n != 0 && n % (1 << 10) == 0 => write!(f, "{}K", n >> 10),
        Amount::Absolute(n) => write!(f, "{n}"),
    }
}

impl fmt::Display for Policy {
    /// The policy in the grammar [`Policy::parse`] reads, every kind named.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, kind) in ClientKind::ALL.into_iter().enumerate() {
            let s = self.shares[kind.index()];
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}=", kind.name())?;
            fmt_amount(f, s.vram, true)?;
            if s.channels != s.vram || !matches!(s.vram, Amount::Percent(_)) {
                f.write_str("/")?;
                fmt_amount(f, s.channels, false)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    fn p(s: &str) -> Result<Policy, PolicyError> {
        Policy::parse(s)
    }

    #[test]
    fn percentages_apply_to_both_resources() {
        let pol = p("drm=75%,vfio=25%\n").unwrap();
        assert_eq!(
            pol.shares[0],
            Share {
                vram: Amount::Percent(75),
                channels: Amount::Percent(75)
            }
        );
        let l = pol.limits(1 << 30, 2048).unwrap();
        assert_eq!(
            l[0],
            Limits {
                vram: 3 << 28,
                channels: 1536
            }
        );
        assert_eq!(
            l[1],
            Limits {
                vram: 1 << 28,
                channels: 512
            }
        );
        assert_eq!(pol.to_string(), "drm=75%,vfio=25%");
    }

    #[test]
    fn sizes_need_channel_counts_and_round_down_to_pages() {
        assert_eq!(p("drm=512M"), Err(PolicyError::MissingChannels));
        let pol = p("drm=512M/64, vfio = 10000/1").unwrap();
        assert_eq!(pol.shares[0].vram, Amount::Absolute(512 << 20));
        let l = pol.limits(1 << 30, 128).unwrap();
        assert_eq!(
            l[0],
            Limits {
                vram: 512 << 20,
                channels: 64
            }
        );
        assert_eq!(
            l[1],
            Limits {
                vram: 8192,
                channels: 1
            }
        );
        assert_eq!(pol.to_string(), "drm=512M/64,vfio=10000/1");
    }

    #[test]
    fn unnamed_kinds_get_nothing() {
        let pol = p("vfio=100%").unwrap();
        assert_eq!(pol.shares[0], Share::NONE);
        assert_eq!(pol.to_string(), "drm=0%,vfio=100%");
        assert_eq!(Policy::parse(&pol.to_string()), Ok(pol));
    }

    #[test]
    fn malformed_policies_are_refused() {
        for (s, e) in [
            ("", PolicyError::Syntax),
            ("drm", PolicyError::Syntax),
            ("drm=", PolicyError::Syntax),
            ("drm=-1%", PolicyError::Syntax),
            ("drm=50%,", PolicyError::Syntax),
            ("drm=1T/1", PolicyError::Syntax),
            ("drm=5%/7K", PolicyError::Syntax),
            ("gpu=50%", PolicyError::UnknownKind),
            ("drm=50%,drm=10%", PolicyError::DuplicateKind),
            ("drm=101%", PolicyError::BadAmount),
            ("drm=99999999999999999999", PolicyError::BadAmount),
            ("drm=17179869184G/1", PolicyError::BadAmount),
        ] {
            assert_eq!(p(s), Err(e), "{s:?}");
        }
        let long = "drm=1%,".repeat(20);
        assert_eq!(p(&long), Err(PolicyError::Syntax));
    }

    #[test]
    fn oversubscription_is_refused() {
        let pol = p("drm=60%,vfio=50%").unwrap();
        assert_eq!(pol.limits(1 << 30, 100), Err(PolicyError::Oversubscribed));
        let pol = p("drm=1G/10,vfio=1G/10").unwrap();
        assert_eq!(pol.limits(1 << 30, 100), Err(PolicyError::Oversubscribed));
        assert_eq!(pol.limits(2 << 30, 20).map(|_| ()), Ok(()));
        assert_eq!(pol.limits(2 << 30, 19), Err(PolicyError::Oversubscribed));
    }

    #[test]
    fn the_default_halves_everything() {
        let l = Policy::default().limits(100 * VRAM_GRANULE + 1, 7).unwrap();
        assert_eq!(
            l[0],
            Limits {
                vram: 50 * VRAM_GRANULE,
                channels: 3
            }
        );
        assert_eq!(
            Amount::Percent(37).of(u64::MAX),
            (u128::from(u64::MAX) * 37 / 100) as u64
        );
        assert_eq!(Policy::default().to_string(), "drm=50%,vfio=50%");
    }
}
