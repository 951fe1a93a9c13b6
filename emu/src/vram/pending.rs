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
//!
//! An FB flush takes time: it covers the writes posted before the host
//! triggered it, and they land when it completes (`dev::fb_flush`). So
//! the set notes, when a flush starts, each word's value as the host had
//! written it then ([`Pending::start_flush`]); at the completion the GPU
//! sees those values ([`Pending::finish_flush`]), and a word posted again
//! in between stays held with its newer bytes. Every change of what the
//! GPU sees bumps a generation ([`Pending::generation`]), which lets a
//! reader of the tables (BAR1's stale-translation check) keep what it
//! walked until the memory under it changes.

use log::debug;
use std::collections::HashMap;

/// The most words held before the set drains by itself: one PRAMIN
/// window (1 MiB).
const MAX_WORDS: usize = 1 << 17;

/// The words the GPU still sees the old way, by their 8-byte aligned
/// address; the flush in flight; the generation.
#[derive(Debug, Default)]
pub struct Pending {
    /// Per word, what the GPU sees.
    held: HashMap<u64, [u8; 8]>,
    /// Per word held when the flush in flight started, what the host had
    /// written there then: what the GPU sees once the flush completes.
    flushing: HashMap<u64, [u8; 8]>,
    /// Bumped at each change of what the GPU sees.
    generation: u64,
}

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
        if self.held.len() + len.div_ceil(8) + 1 > MAX_WORDS {
            debug!(
                "vram: {} words of posted writes drained without a flush",
                self.held.len()
            );
            self.clear();
        }
        for w in words(offset, len) {
            if self.held.contains_key(&w) {
                continue;
            }
            let mut old = [0u8; 8];
            if current(w, &mut old) {
                self.held.insert(w, old);
            }
        }
    }

    /// Replaces in `data`, read at `offset`, the bytes the GPU does not
    /// see yet with what it sees.
    pub fn overlay(&self, offset: u64, data: &mut [u8]) {
        if self.held.is_empty() {
            return;
        }
        for w in words(offset, data.len()) {
            let Some(old) = self.held.get(&w) else {
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

    /// A write the GPU sees at once (`data` at `offset`): the kept words,
    /// and those of the flush in flight, take its bytes.
    pub fn patch(&mut self, offset: u64, data: &[u8]) {
        for set in [&mut self.held, &mut self.flushing] {
            if set.is_empty() {
                continue;
            }
            for w in words(offset, data.len()) {
                let Some(old) = set.get_mut(&w) else {
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
    }

    /// What the GPU sees changed by other means than this set (a write
    /// it sees at once).
    pub fn changed(&mut self) {
        self.generation += 1;
    }

    /// A flush starts: it will push every word held now, with what
    /// `current` reads there (memory as the host wrote it). Returns how
    /// many words are in flight. A flush started while one is in flight
    /// takes its words over.
    pub fn start_flush(&mut self, mut current: impl FnMut(u64, &mut [u8; 8]) -> bool) -> usize {
        self.flushing.clear();
        for &w in self.held.keys() {
            let mut now = [0u8; 8];
            if current(w, &mut now) {
                self.flushing.insert(w, now);
            }
        }
        self.flushing.len()
    }

    /// The flush in flight completes: the GPU sees each of its words as
    /// the host had written it when the flush started; a word whose
    /// memory still holds that is no longer held (`current` reads memory
    /// as it is), one posted again since stays held. Returns how many
    /// words landed.
    pub fn finish_flush(&mut self, mut current: impl FnMut(u64, &mut [u8; 8]) -> bool) -> usize {
        let mut landed = 0;
        for (w, then) in std::mem::take(&mut self.flushing) {
            let Some(seen) = self.held.get_mut(&w) else {
                continue;
            };
            landed += 1;
            let mut now = [0u8; 8];
            if current(w, &mut now) && now == then {
                self.held.remove(&w);
            } else {
                *seen = then;
            }
        }
        if landed != 0 {
            self.generation += 1;
        }
        landed
    }

    /// Everything lands at once (a read that flushes, a reset, the set
    /// full): the GPU sees memory as it is. Returns how many words were
    /// kept.
    pub fn clear(&mut self) -> usize {
        let n = self.held.len();
        self.held.clear();
        self.flushing.clear();
        if n != 0 {
            self.generation += 1;
        }
        n
    }

    /// A number that changes whenever what the GPU sees of memory changes
    /// through this set (a flush landing, a visible write).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Words kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.held.len()
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

    /// A flush lands what was posted before it started, with the bytes
    /// written then; a word posted again while it is in flight stays held
    /// with the newer bytes; a word first posted then waits for the next
    /// flush.
    #[test]
    fn a_flush_lands_what_was_posted_before_it_started() {
        let mut memory: HashMap<u64, [u8; 8]> = HashMap::new();
        let mut p = Pending::default();
        let read = |m: &HashMap<u64, [u8; 8]>| {
            let m = m.clone();
            move |w: u64, out: &mut [u8; 8]| {
                *out = m.get(&w).copied().unwrap_or_default();
                true
            }
        };
        // Posts: 1 at 0x100 and 2 at 0x108 (the GPU saw 0 at both).
        for (w, v) in [(0x100u64, 1u8), (0x108, 2)] {
            p.hold(w, 8, read(&memory));
            memory.insert(w, [v; 8]);
        }
        let g = p.generation();
        assert_eq!(p.start_flush(read(&memory)), 2);
        // In flight: 0x100 posted again, 0x110 posted for the first time.
        for (w, v) in [(0x100u64, 3u8), (0x110, 4)] {
            p.hold(w, 8, read(&memory));
            memory.insert(w, [v; 8]);
        }
        assert_eq!(p.generation(), g, "nothing landed yet");
        assert_eq!(p.finish_flush(read(&memory)), 2);
        assert_ne!(p.generation(), g);
        let seen = |p: &Pending, w: u64| {
            let mut d = memory[&w];
            p.overlay(w, &mut d);
            d[0]
        };
        // 0x108 landed; 0x100 shows what was written before the trigger;
        // 0x110 is still the old 0.
        assert_eq!(
            (seen(&p, 0x100), seen(&p, 0x108), seen(&p, 0x110)),
            (1, 2, 0)
        );
        assert_eq!(p.len(), 2);
        // Nothing in flight: a completion lands nothing.
        let g = p.generation();
        assert_eq!(p.finish_flush(read(&memory)), 0);
        assert_eq!(p.generation(), g);
        // A visible write during a flush is what lands.
        p.start_flush(read(&memory));
        p.patch(0x100, &[9; 8]);
        memory.insert(0x100, [9; 8]);
        assert_eq!(p.finish_flush(read(&memory)), 2);
        assert_eq!(p.len(), 0);
        assert_eq!(p.clear(), 0);
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
