//! The data a test writes into a vGPU's memory window (BAR1) and looks for
//! in another's: a deterministic stream of 64-bit words derived from a seed.
//!
//! The word at byte offset `o` of seed `s` is `splitmix64(splitmix64(s) ^ o)`.
//! splitmix64 is a bijection of `u64`, so a word read anywhere can be traced
//! back to the one offset where seed `s` would have put it
//! ([`Pattern::origin`]): that finds the seed's data moved to another offset
//! (a leak through a shifted window) without a table of every word written.
//! Hashing the seed first keeps two seeds' patterns apart: with a plain
//! `s ^ o`, seeds 1 and 2 would be the same words at offsets `o ^ 3`.

/// The golden-ratio increment of splitmix64.
const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
/// The first multiplier of splitmix64's finalizer.
const MUL1: u64 = 0xbf58_476d_1ce4_e5b9;
/// The second multiplier of splitmix64's finalizer.
const MUL2: u64 = 0x94d0_49bb_1331_11eb;

/// The inverse of an odd `a` modulo 2^64 (Newton's iteration: each step
/// doubles the correct low bits, and `a * a == 1 mod 8` gives the first 3).
const fn inverse(a: u64) -> u64 {
    let mut x = a;
    let mut i = 0;
    while i < 5 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
        i += 1;
    }
    x
}

const MUL1_INV: u64 = inverse(MUL1);
const MUL2_INV: u64 = inverse(MUL2);

/// Undoes `y = x ^ (x >> shift)`.
fn unxorshift(y: u64, shift: u32) -> u64 {
    let mut x = y;
    let mut s = shift;
    while s < 64 {
        x ^= y >> s;
        s += shift;
    }
    x
}

/// One step of splitmix64 (Steele, Lea and Flood): a bijection of `u64`
/// whose outputs pass for random.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(MUL1);
    z = (z ^ (z >> 27)).wrapping_mul(MUL2);
    z ^ (z >> 31)
}

/// The `x` for which `splitmix64(x) == z`.
pub fn unsplitmix64(z: u64) -> u64 {
    let mut x = unxorshift(z, 31);
    x = unxorshift(x.wrapping_mul(MUL2_INV), 27);
    x = unxorshift(x.wrapping_mul(MUL1_INV), 30);
    x.wrapping_sub(GAMMA)
}

/// How far [`Pattern::origin`] looks: a word whose origin is an 8-byte
/// aligned offset below this counts as the seed's. 4 GiB is more than any
/// vGPU type's window; a random word has an origin in range with odds of
/// 2^-35, so a whole 256 MiB window of unrelated data (2^25 words) shows
/// a false origin with odds of about 1 in 1000.
pub const ORIGIN_LIMIT: u64 = 1 << 32;

/// The pattern of one seed.
#[derive(Clone, Copy, Debug)]
pub struct Pattern {
    key: u64,
}

impl Pattern {
    /// The pattern of `seed`.
    pub fn new(seed: u64) -> Pattern {
        Pattern {
            key: splitmix64(seed),
        }
    }

    /// The word at byte offset `offset`.
    pub fn word(&self, offset: u64) -> u64 {
        splitmix64(self.key ^ offset)
    }

    /// Fills `words` with the words from byte offset `offset` on.
    pub fn fill(&self, offset: u64, words: &mut [u64]) {
        for (at, w) in (offset..).step_by(8).zip(words.iter_mut()) {
            *w = self.word(at);
        }
    }

    /// The byte offset at which this pattern has `value`, if that is an
    /// 8-byte aligned offset below [`ORIGIN_LIMIT`].
    pub fn origin(&self, value: u64) -> Option<u64> {
        let at = unsplitmix64(value) ^ self.key;
        (at.is_multiple_of(8) && at < ORIGIN_LIMIT).then_some(at)
    }
}

/// A word that is not what was expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Its byte offset.
    pub offset: u64,
    /// What should be there.
    pub expected: u64,
    /// What was read.
    pub found: u64,
}

/// What a read-back of a filled window found, chunk by chunk.
#[derive(Debug, Default)]
pub struct FillCheck {
    /// Bytes compared.
    pub bytes: u64,
    /// Words that differ from the pattern.
    pub mismatches: u64,
    /// The first of them.
    pub first: Option<Mismatch>,
}

impl FillCheck {
    /// Compares `found`, read from byte offset `offset`, with `pattern`.
    pub fn add(&mut self, pattern: &Pattern, offset: u64, found: &[u64]) {
        for (at, &w) in (offset..).step_by(8).zip(found) {
            let expected = pattern.word(at);
            if w != expected {
                self.mismatches += 1;
                self.first.get_or_insert(Mismatch {
                    offset: at,
                    expected,
                    found: w,
                });
            }
        }
        self.bytes += 8 * found.len() as u64;
    }
}

/// A word of the pattern found at another offset than its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moved {
    /// Where it was found.
    pub offset: u64,
    /// Where the pattern has it.
    pub origin: u64,
}

/// What a scan of a window for one seed's pattern found, chunk by chunk.
#[derive(Debug, Default)]
pub struct ScanTally {
    /// Bytes scanned.
    pub bytes: u64,
    /// Words equal to the pattern's word at their own offset.
    pub same_offset: u64,
    /// Words of the pattern at another offset than their own.
    pub elsewhere: u64,
    /// The first of those.
    pub first_elsewhere: Option<Moved>,
    /// Words that are not zero (the pattern's included).
    pub nonzero: u64,
}

impl ScanTally {
    /// Looks for `pattern` in `words`, read from byte offset `offset`.
    pub fn add(&mut self, pattern: &Pattern, offset: u64, words: &[u64]) {
        for (at, &w) in (offset..).step_by(8).zip(words) {
            if w == 0 {
                continue;
            }
            self.nonzero += 1;
            if w == pattern.word(at) {
                self.same_offset += 1;
            } else if let Some(origin) = pattern.origin(w) {
                self.elsewhere += 1;
                self.first_elsewhere
                    .get_or_insert(Moved { offset: at, origin });
            }
        }
        self.bytes += 8 * words.len() as u64;
    }
}

/// What a check that a window reads zero found, chunk by chunk.
#[derive(Debug, Default)]
pub struct ZeroTally {
    /// Bytes checked.
    pub bytes: u64,
    /// Words that are not zero.
    pub nonzero: u64,
    /// The first of them: its offset and value.
    pub first: Option<(u64, u64)>,
}

impl ZeroTally {
    /// Checks `words`, read from byte offset `offset`.
    pub fn add(&mut self, offset: u64, words: &[u64]) {
        for (at, &w) in (offset..).step_by(8).zip(words) {
            if w != 0 {
                self.nonzero += 1;
                self.first.get_or_insert((at, w));
            }
        }
        self.bytes += 8 * words.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference() {
        // The first outputs of the reference generator seeded with 0
        // (state += GAMMA, then the finalizer): splitmix64(k * GAMMA).
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64(GAMMA), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(splitmix64(GAMMA.wrapping_mul(2)), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn unsplitmix64_inverts() {
        assert_eq!(MUL1.wrapping_mul(MUL1_INV), 1);
        assert_eq!(MUL2.wrapping_mul(MUL2_INV), 1);
        let mut x = 0x0123_4567_89ab_cdefu64;
        for _ in 0..10_000 {
            assert_eq!(unsplitmix64(splitmix64(x)), x);
            assert_eq!(splitmix64(unsplitmix64(x)), x);
            x = splitmix64(x);
        }
        for x in [0, 1, u64::MAX, GAMMA, 1 << 63] {
            assert_eq!(unsplitmix64(splitmix64(x)), x);
        }
    }

    #[test]
    fn pattern_is_deterministic_and_seeded() {
        let a = Pattern::new(1);
        assert_eq!(a.word(0x40), Pattern::new(1).word(0x40));
        assert_ne!(a.word(0x40), a.word(0x48));
        assert_ne!(a.word(0x40), Pattern::new(2).word(0x40));
        let mut words = [0u64; 4];
        a.fill(0x1000, &mut words);
        assert_eq!(words, [0x1000, 0x1008, 0x1010, 0x1018].map(|o| a.word(o)));
    }

    #[test]
    fn origin_finds_where_a_word_belongs() {
        let p = Pattern::new(0xdead_beef);
        for at in [0, 8, 0x1000, 0x0fff_fff8, ORIGIN_LIMIT - 8] {
            assert_eq!(p.origin(p.word(at)), Some(at));
        }
        // Unaligned or out-of-range origins are not the pattern's.
        assert_eq!(p.origin(p.word(4)), None);
        assert_eq!(p.origin(p.word(ORIGIN_LIMIT)), None);
        // Another seed's words (low bits apart) do not trace back.
        let q = Pattern::new(0xdead_beee);
        let traced = (0..4096u64)
            .filter(|i| p.origin(q.word(8 * i)).is_some())
            .count();
        assert_eq!(traced, 0);
    }

    #[test]
    fn fill_check_reports_the_first_mismatch() {
        let p = Pattern::new(7);
        let mut words = [0u64; 8];
        p.fill(0x100, &mut words);
        let mut check = FillCheck::default();
        check.add(&p, 0x100, &words);
        assert_eq!((check.bytes, check.mismatches, check.first), (64, 0, None));
        words[3] = 5;
        words[6] = 6;
        check.add(&p, 0x100, &words);
        assert_eq!(check.bytes, 128);
        assert_eq!(check.mismatches, 2);
        assert_eq!(
            check.first,
            Some(Mismatch {
                offset: 0x118,
                expected: p.word(0x118),
                found: 5
            })
        );
    }

    #[test]
    fn scan_counts_same_offset_moved_and_nonzero() {
        let s = Pattern::new(42);
        // Zero, then the pattern in place, then the pattern shifted by a
        // page (a leak through a moved window), then unrelated data.
        let mut words = vec![0u64; 16];
        s.fill(0x2000 + 4 * 8, &mut words[4..8]);
        s.fill(0x1000, &mut words[8..12]);
        Pattern::new(43).fill(0x2000 + 12 * 8, &mut words[12..16]);
        let mut t = ScanTally::default();
        t.add(&s, 0x2000, &words);
        assert_eq!(t.bytes, 128);
        assert_eq!(t.same_offset, 4);
        assert_eq!(t.elsewhere, 4);
        assert_eq!(
            t.first_elsewhere,
            Some(Moved {
                offset: 0x2040,
                origin: 0x1000
            })
        );
        assert_eq!(t.nonzero, 12);
    }

    #[test]
    fn scan_of_zeroes_finds_nothing() {
        let mut t = ScanTally::default();
        t.add(&Pattern::new(1), 0, &[0; 64]);
        assert_eq!((t.same_offset, t.elsewhere, t.nonzero), (0, 0, 0));
    }

    #[test]
    fn zero_tally_reports_the_first_nonzero_word() {
        let mut z = ZeroTally::default();
        z.add(0, &[0; 4]);
        assert_eq!((z.bytes, z.nonzero, z.first), (32, 0, None));
        z.add(32, &[0, 9, 0, 3]);
        assert_eq!((z.bytes, z.nonzero, z.first), (64, 2, Some((40, 9))));
    }
}
