//! The CPU interrupt tree of the PCI function: engines signal vectors into
//! leaf registers, enabled leaves make their subtree pending in `TOP`, and
//! an enabled pending subtree sends the function's MSI (offsets and
//! semantics in `nvgsp_proto::intr`, from GA102's `dev_vm.h` and nouveau
//! `nvkm/subdev/vfn/tu102.c`).
//!
//! The message is sent on the transition from "nothing enabled pending" to
//! "something enabled pending": the host clears the leaf bits it handled
//! (write 1), and an engine whose cause is still latched signals again only
//! when retriggered. Nothing else sends an interrupt, so a driver that
//! never enables the GSP's vector at both levels never hears from GSP-RM.
//!
//! Every vector shares the one message: a vector signalled while another
//! is pending sends nothing, and if the host then clears only the other
//! one, the tree stays asserted and nothing interrupts the host again
//! until it clears every enabled pending leaf or rearms the top level
//! (`TOP_EN_CLEAR` then `TOP_EN_SET`, which sends the message again with
//! a vector still pending; nouveau's `nvkm_intr` unarms on entry and
//! rearms on exit). The model keeps that behaviour and warns once when a
//! signal finds the tree asserted for [`STUCK`] without a break: on a
//! chip the host would hear nothing more either (no GSP-RM reply, no
//! non-stall interrupt).

use log::warn;
use nvgsp_proto::intr::{self as i, LEAVES};
use std::time::{Duration, Instant};

/// How long the tree may stay asserted, without a break, before a signal
/// it swallows is worth a warning: a host that services its interrupt
/// deasserts it within microseconds.
pub const STUCK: Duration = Duration::from_secs(1);

/// The tree's registers.
#[derive(Default)]
pub struct CpuIntrTree {
    leaf: [u32; LEAVES],
    enable: [u32; LEAVES],
    top_enable: u32,
    /// Since when the MSI condition has held without a break (its message
    /// went out then), and whether a swallowed signal was warned about
    /// since.
    asserted_since: Option<Instant>,
    warned: bool,
}

impl CpuIntrTree {
    /// `TOP`: the subtrees with an enabled vector pending.
    fn top(&self) -> u32 {
        (0..LEAVES)
            .filter(|&l| self.leaf[l] & self.enable[l] != 0)
            .fold(0, |t, l| t | i::subtree_of(l))
    }

    /// Whether the function's MSI condition holds: an enabled subtree is
    /// pending.
    pub fn asserted(&self) -> bool {
        self.top() & self.top_enable != 0
    }

    /// An engine signalling `vector`; returns whether that sends the MSI.
    pub fn signal(&mut self, vector: u32) -> bool {
        let before = self.asserted();
        if vector < i::VECTORS {
            let (l, bit) = i::leaf_of(vector);
            self.leaf[l] |= bit;
        }
        if before {
            self.swallowed(vector);
        }
        self.track();
        !before && self.asserted()
    }

    /// The enabled vectors pending in enabled subtrees.
    fn pending(&self) -> Vec<u32> {
        (0..LEAVES)
            .filter(|&l| i::subtree_of(l) & self.top_enable != 0)
            .flat_map(|l| {
                let bits = self.leaf[l] & self.enable[l];
                (0..32)
                    .filter(move |b| bits & 1 << b != 0)
                    .map(move |b| 32 * l as u32 + b)
            })
            .collect()
    }

    /// Notes when the MSI condition starts and stops holding.
    fn track(&mut self) {
        match (self.asserted(), self.asserted_since) {
            (true, None) => {
                self.asserted_since = Some(Instant::now());
                self.warned = false;
            }
            (false, Some(_)) => self.asserted_since = None,
            _ => {}
        }
    }

    /// `vector` was signalled while the tree was asserted: no message.
    /// Warns once if the tree has been asserted for [`STUCK`].
    fn swallowed(&mut self, vector: u32) {
        let Some(since) = self.asserted_since else {
            return;
        };
        let stuck = since.elapsed();
        if self.warned || stuck < STUCK {
            return;
        }
        self.warned = true;
        warn!(
            "cpu interrupt tree: vector {vector} signalled, but vectors {:?} have kept the tree asserted for {stuck:.1?}, since its last MSI: the host has neither cleared them all nor rearmed the top level (TOP_EN_CLEAR, TOP_EN_SET), so no signal interrupts it until it does",
            self.pending()
        );
    }

    /// The register at BAR0 offset `off`, if it belongs to the tree.
    pub fn read(&self, off: u32) -> Option<u32> {
        if let Some(l) = index(off, i::LEAF) {
            return Some(self.leaf[l]);
        }
        if let Some(l) = index(off, i::LEAF_EN_SET).or_else(|| index(off, i::LEAF_EN_CLEAR)) {
            return Some(self.enable[l]);
        }
        Some(match off {
            i::TOP => self.top(),
            i::TOP_EN_SET | i::TOP_EN_CLEAR => self.top_enable,
            i::LEAF_TRIGGER => 0,
            _ => return None,
        })
    }

    /// Writes the register at `off`; `Some(true)` when the write sends the
    /// MSI, `None` if the register is not the tree's.
    pub fn write(&mut self, off: u32, v: u32) -> Option<bool> {
        let before = self.asserted();
        if let Some(l) = index(off, i::LEAF) {
            self.leaf[l] &= !v;
        } else if let Some(l) = index(off, i::LEAF_EN_SET) {
            self.enable[l] |= v;
        } else if let Some(l) = index(off, i::LEAF_EN_CLEAR) {
            self.enable[l] &= !v;
        } else {
            match off {
                i::TOP_EN_SET => self.top_enable |= v & i::TOP_SUBTREES,
                i::TOP_EN_CLEAR => self.top_enable &= !v,
                i::TOP => warn!("cpu interrupt tree: write to the read-only TOP ignored"),
                i::LEAF_TRIGGER => {
                    let vector = v & 0xfff;
                    if vector >= i::VECTORS {
                        warn!("cpu interrupt tree: trigger of vector {vector}, beyond the tree, ignored");
                    }
                    return Some(self.signal(vector));
                }
                _ => return None,
            }
        }
        self.track();
        Some(!before && self.asserted())
    }
}

/// The leaf index of `off` in the register array at `base`.
fn index(off: u32, base: u32) -> Option<usize> {
    let at = off.checked_sub(base)?;
    (at % 4 == 0 && (at / 4) < LEAVES as u32).then_some((at / 4) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GSP: u32 = 155;

    /// Allows `vector` at both levels, as nouveau's `nvkm_inth_allow` and
    /// rearm do.
    fn allow(t: &mut CpuIntrTree, vector: u32) -> bool {
        let (l, bit) = i::leaf_of(vector);
        let a = t.write(i::LEAF_EN_SET + 4 * l as u32, bit).unwrap();
        let b = t.write(i::TOP_EN_SET, i::TOP_SUBTREES).unwrap();
        a || b
    }

    #[test]
    fn a_vector_interrupts_only_when_enabled_at_leaf_and_top() {
        let mut t = CpuIntrTree::default();
        assert!(!t.signal(GSP), "nothing enabled: no MSI");
        let (l, bit) = i::leaf_of(GSP);
        assert_eq!(t.read(i::LEAF + 4 * l as u32), Some(bit));
        assert_eq!(t.read(i::TOP), Some(0));
        // The leaf alone is not enough.
        assert_eq!(t.write(i::LEAF_EN_SET + 4 * l as u32, bit), Some(false));
        assert_eq!(t.read(i::TOP), Some(i::subtree_of(l)));
        // Enabling the top with the vector pending sends the MSI.
        assert_eq!(t.write(i::TOP_EN_SET, i::TOP_SUBTREES), Some(true));
        // Still pending: a second signal sends nothing.
        assert!(!t.signal(GSP));
        // The host clears the leaf bit; the next signal interrupts again.
        assert_eq!(t.write(i::LEAF + 4 * l as u32, bit), Some(false));
        assert!(!t.asserted());
        assert!(t.signal(GSP));
    }

    #[test]
    fn the_top_enable_gates_and_rearms() {
        let mut t = CpuIntrTree::default();
        assert!(!allow(&mut t, GSP));
        assert!(t.signal(GSP));
        // nouveau's unarm / rearm: clearing and setting the top enable
        // with a vector still pending sends the MSI again.
        assert_eq!(t.write(i::TOP_EN_CLEAR, 0xf), Some(false));
        assert_eq!(t.write(i::TOP_EN_SET, 0xf), Some(true));
        // A disabled leaf bit never reaches the top.
        let (l, bit) = i::leaf_of(GSP);
        t.write(i::LEAF + 4 * l as u32, bit);
        t.write(i::LEAF_EN_CLEAR + 4 * l as u32, bit);
        assert_eq!(t.read(i::LEAF_EN_SET + 4 * l as u32), Some(0));
        assert!(!t.signal(GSP));
        assert_eq!(t.read(i::TOP), Some(0));
    }

    /// A vector signalled while another is pending sends nothing; clearing
    /// only the other leaves the tree asserted, silent until the host
    /// clears the rest or rearms. A signal it swallows after [`STUCK`] is
    /// warned about, once.
    #[test]
    fn a_vector_signalled_beside_a_pending_one_waits_for_the_rearm() {
        let mut t = CpuIntrTree::default();
        allow(&mut t, GSP);
        allow(&mut t, 64);
        assert!(t.signal(64));
        assert!(!t.signal(GSP));
        let (l, bit) = i::leaf_of(64);
        assert_eq!(t.write(i::LEAF + 4 * l as u32, bit), Some(false));
        assert!(t.asserted());
        assert!(!t.signal(64));
        assert_eq!(t.pending(), vec![64, GSP]);
        assert!(!t.warned);
        t.asserted_since = t.asserted_since.and_then(|s| s.checked_sub(STUCK));
        assert!(!t.signal(64));
        assert!(t.warned);
        // The rearm sends the message again, and starts a new episode.
        assert_eq!(t.write(i::TOP_EN_CLEAR, i::TOP_SUBTREES), Some(false));
        assert_eq!(t.asserted_since, None);
        assert_eq!(t.write(i::TOP_EN_SET, i::TOP_SUBTREES), Some(true));
        assert!(!t.warned);
        assert!(t.asserted_since.is_some());
    }

    #[test]
    fn the_trigger_register_signals_a_vector() {
        let mut t = CpuIntrTree::default();
        allow(&mut t, 37);
        assert_eq!(t.write(i::LEAF_TRIGGER, 37), Some(true));
        assert_eq!(t.read(i::LEAF + 4), Some(1 << 5));
        assert_eq!(t.write(i::LEAF_TRIGGER, 0xfff), Some(false));
        assert_eq!(t.read(i::LEAF + 4 * LEAVES as u32), None);
        assert_eq!(t.read(i::TOP + 4), None);
    }
}
