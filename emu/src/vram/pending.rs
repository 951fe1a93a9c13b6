//! Host writes to VRAM the GPU's memory clients do not see yet.
//!
//! The CPU's writes through PRAMIN are posted: they travel through the
//! host interface to the frame buffer, and nothing orders them with what
//! the GPU's own clients (the MMU walking page tables, GSP-RM) read next
//! until the host asks for an FB flush. That is why a driver flushes
//! between writing page tables and invalidating the TLB: OpenRM
//! `kbusFlush_GM107` ("Must call kbusFlush BEFORE any calls to
//! busInvalidate"), nouveau `nv50_instobj_release` (`wmb()` then
//! `nvkm_bar_flush`, which is `g84_bar_flush`'s `0x070000` trigger before
//! BAR2 is up: "needed on R570"). The model takes the strict reading:
//! a posted write stays invisible to the GPU until a flush, however long
//! that takes.
//!
//! The set keeps, per 8-byte word a posted write touched, the word as the
//! GPU still sees it. A write the GPU sees at once (GSP-RM's own, BAR1
//! data) patches those bytes in too. Its size is bounded: a host that
//! posts more than a PRAMIN window's worth (1 MiB) without a flush has
//! the whole set drained, as a chip's write buffers would drain on their
//! own, so the guest cannot make the emulator hoard memory.

use log::debug;
use std::collections::HashMap;

/// The most words held before the set drains by itself: one PRAMIN
/// window (1 MiB).
const MAX_WORDS: usize = 1 << 17;

/// The words the GPU still sees the old way, by their 8-byte aligned
/// address.
#[derive(Debug, Default)]
pub struct Pending(HashMap<u64, [u8; 8]>);

/// The 8-byte aligned words `offset..offset + len` touches.
fn words(offset: u64, len: usize) -> impl Iterator<Item = u64> {
    let end = offset.saturating_add(len as u64);
    (offset & !7..end).step_by(8)
}

impl Pending {
    /// Before a posted write of `len` bytes at `offset`: keeps each word
    /// it touches as the GPU sees it now, unless already kept; `current`
    /// reads a word as memory holds it (false if it cannot).
    pub fn hold(
        &mut self,
        offset: u64,
        len: usize,
        mut current: impl FnMut(u64, &mut [u8; 8]) -> bool,
    ) {
        if self.0.len() + len.div_ceil(8) + 1 > MAX_WORDS {
            debug!(
                "vram: {} words of posted writes drained without a flush",
                self.0.len()
            );
            self.0.clear();
        }
        for w in words(offset, len) {
            if self.0.contains_key(&w) {
                continue;
            }
            let mut old = [0u8; 8];
            if current(w, &mut old) {
                self.0.insert(w, old);
            }
        }
    }

    /// Replaces in `data`, read at `offset`, the bytes the GPU does not
    /// see yet with what it sees.
    pub fn overlay(&self, offset: u64, data: &mut [u8]) {
        if self.0.is_empty() {
            return;
        }
        for w in words(offset, data.len()) {
            let Some(old) = self.0.get(&w) else {
                continue;
            };
            for (i, b) in old.iter().enumerate() {
                let at = w + i as u64;
                if let Some(d) = at
                    .checked_sub(offset)
                    .and_then(|i| data.get_mut(i as usize))
                {
                    *d = *b;
                }
            }
        }
    }

    /// A write the GPU sees at once (`data` at `offset`): the kept words
    /// take its bytes.
    pub fn patch(&mut self, offset: u64, data: &[u8]) {
        if self.0.is_empty() {
            return;
        }
        for w in words(offset, data.len()) {
            let Some(old) = self.0.get_mut(&w) else {
                continue;
            };
            for (i, b) in old.iter_mut().enumerate() {
                let at = w + i as u64;
                if let Some(d) = at.checked_sub(offset).and_then(|i| data.get(i as usize)) {
                    *b = *d;
                }
            }
        }
    }

    /// The flush: the GPU sees memory as it is. Returns how many words
    /// were kept.
    pub fn clear(&mut self) -> usize {
        let n = self.0.len();
        self.0.clear();
        n
    }

    /// Words kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_old_value_per_word() {
        let mut p = Pending::default();
        let mut reads = 0;
        p.hold(0x103, 2, |w, old| {
            reads += 1;
            *old = (w | 0xaa).to_le_bytes();
            true
        });
        p.hold(0x100, 8, |_, _| panic!("the word is kept already"));
        assert_eq!((p.len(), reads), (1, 1));
        let mut d = [0u8; 4];
        p.overlay(0xfe, &mut d);
        assert_eq!(d, [0, 0, 0xaa, 0x01]);
        // Straddling two words keeps both.
        p.hold(0x1fc, 8, |_, _| true);
        assert_eq!(p.len(), 3);
        assert_eq!(p.clear(), 3);
    }

    #[test]
    fn drains_when_full() {
        let mut p = Pending::default();
        for i in 0..MAX_WORDS as u64 {
            p.hold(i * 8, 8, |_, _| true);
        }
        assert!(p.len() < MAX_WORDS);
        p.hold(0, 8, |_, _| true);
        assert!(p.len() <= MAX_WORDS);
    }
}
