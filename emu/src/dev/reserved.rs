//! The VRAM the host must leave alone: WPR2, which the hardware protects,
//! and the rest of what GSP-RM keeps for itself.
//!
//! GSP-RM reports the VRAM it leaves to the driver as the usable FB
//! regions of its static info; everything above them is its own: the
//! non-WPR heap below WPR2 (where it keeps, among others, BAR1's instance
//! block and page directories), WPR2 (its image and heap), the VGA
//! workspace. Eight bytes in there are the driver's to write: the first
//! entry of BAR1's PD3, whose address GSP-RM reports as `bar1PdeBase` so
//! that the driver points it at its own tables (nouveau
//! `r535_bar_bar1_init` wraps the page and writes its first entry, the
//! one its 256 MiB of BAR1 VA fall under; OpenRM
//! `kbusPatchBar1Pdb_GSPCLIENT` copies its root entries into it). The
//! other three entries (format 2's PD3 has four, VA bits 48:47) and the
//! rest of the page stay GSP-RM's: which of them a driver may write no
//! source says, so allowing the first alone is the model's choice.
//!
//! WPR2 is protected by the memory controller: a host write there is
//! dropped and a read refused, whoever asks. The rest is protected only
//! by convention, so a host write there lands (and is a driver defect).

use std::ops::Range;

/// What GSP-RM declared its own when it booted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RmReserved {
    /// Everything above the usable VRAM it reports.
    pub range: Range<u64>,
    /// The bytes in there the driver writes: BAR1's PD3 entry 0.
    pub shared: Range<u64>,
}

/// Where a host access of VRAM falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// Memory the driver may use.
    Free,
    /// In (or across the edge of) WPR2.
    Wpr2,
    /// In GSP-RM's reserved memory, outside the pages it shares.
    Reserved,
    /// Entirely inside what GSP-RM shares with the driver.
    Shared,
}

impl Zone {
    /// Its name in logs and the control port's answers.
    pub fn name(self) -> &'static str {
        match self {
            Zone::Free => "free",
            Zone::Wpr2 => "wpr2",
            Zone::Reserved => "gsp-rm-reserved",
            Zone::Shared => "shared",
        }
    }
}

fn overlaps(a: &Range<u64>, b: &Range<u64>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Where `access` (VRAM offsets) falls, given WPR2 and what GSP-RM
/// reserved (if it runs).
pub fn zone(access: Range<u64>, wpr2: Option<Range<u64>>, rm: Option<&RmReserved>) -> Zone {
    if wpr2.is_some_and(|w| overlaps(&access, &w)) {
        return Zone::Wpr2;
    }
    match rm {
        Some(r) if r.shared.start <= access.start && access.end <= r.shared.end => Zone::Shared,
        Some(r) if overlaps(&access, &r.range) => Zone::Reserved,
        _ => Zone::Free,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones() {
        let rm = RmReserved {
            range: 0x100_0000..0x200_0000,
            shared: 0x100_1000..0x100_2000,
        };
        let wpr2 = Some(0x110_0000..0x1f0_0000);
        let z = |a: Range<u64>| zone(a, wpr2.clone(), Some(&rm));
        assert_eq!(z(0..8), Zone::Free);
        assert_eq!(z(0xff_fffc..0x100_0004), Zone::Reserved);
        assert_eq!(z(0x100_1000..0x100_1008), Zone::Shared);
        assert_eq!(z(0x100_1ffc..0x100_2004), Zone::Reserved);
        assert_eq!(z(0x10f_fffc..0x110_0004), Zone::Wpr2);
        assert_eq!(z(0x1f0_0000..0x1f0_0004), Zone::Reserved);
        assert_eq!(z(0x200_0000..0x200_0004), Zone::Free);
        // Before GSP-RM runs only WPR2 is protected.
        assert_eq!(zone(0x100_0000..0x100_0004, None, None), Zone::Free);
        assert_eq!(zone(0x120_0000..0x120_0004, wpr2, None), Zone::Wpr2);
    }
}
