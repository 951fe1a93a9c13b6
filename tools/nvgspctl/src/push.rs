//! Push buffers: the methods a job's pushes hold, as the host (Ampere,
//! `AMPERE_CHANNEL_GPFIFO_A`, 0xc56f) fetches them, for a copy engine
//! object (`AMPERE_DMA_COPY_B`, 0xc7b5).
//!
//! The numbers come from `nvgsp_proto` (the project's public hardware
//! facts: `host` from open-gpu-doc `clc56f.h`, `copy` from `clc7b5.h`);
//! the method header is encoded here and checked against them and
//! against hand-computed words in the tests.
//!
//! A method header (`NVC56F_DMA_*`): SEC_OP 31:29 (INC 1, NON_INC 3,
//! IMMD 4, ONE_INC 5), COUNT (or the immediate) 28:16, SUBCHANNEL 15:13,
//! the method's byte address >> 2 in 11:0.
//!
//! A copy is split into 1D launches (`MULTI_LINE_ENABLE` 0: one line of
//! `LINE_LENGTH_IN` bytes) of at most [`MAX_LAUNCH`] bytes: the field is
//! 32 bits wide (clc7b5.h `LINE_LENGTH_IN` 31:0), the emulator takes any
//! length of it (emu/src/dev/host/ce.rs, carried over host turns of
//! 4 MiB), and smaller launches keep each well inside what a turn moves.
//! The first launch of a copy is `NON_PIPELINED` (it waits for the copies
//! before it: an earlier job's may be writing what it reads), the rest
//! `PIPELINED` (disjoint ranges of the same copy); each has
//! `FLUSH_ENABLE`, so its writes are visible when it ends.

use std::ops::Range;

use nvgsp_proto::{copy, host};

/// `NVC56F_DMA_SEC_OP_INC_METHOD`.
pub const SEC_OP_INC: u32 = 1;
/// `NVC56F_DMA_SEC_OP_NON_INC_METHOD`.
pub const SEC_OP_NON_INC: u32 = 3;
/// `NVC56F_DMA_SEC_OP_IMMD_DATA_METHOD`.
pub const SEC_OP_IMMD: u32 = 4;
/// `NVC56F_DMA_SEC_OP_ONE_INC`.
pub const SEC_OP_ONE_INC: u32 = 5;
/// The most data words one header carries (COUNT 28:16).
pub const MAX_COUNT: u32 = 0x1fff;

/// The subchannel the copy object is bound on (nouveau's, for its copy
/// engine objects).
pub const CE_SUBCHANNEL: u32 = 4;
/// The subchannel host methods are sent on (any of 0-4 takes them).
pub const HOST_SUBCHANNEL: u32 = 0;
/// The most bytes one launch copies.
pub const MAX_LAUNCH: u64 = 1 << 20;

/// The method header of `op` for `count` data words (or the immediate)
/// to `method` (a byte address) on `subch`. Panics on a field that does
/// not fit: the builder's callers pass constants.
pub const fn header(op: u32, subch: u32, method: u32, count: u32) -> u32 {
    assert!(op < 8 && subch < 8 && count <= MAX_COUNT);
    assert!(method.is_multiple_of(4) && method >> 2 <= 0xfff);
    op << 29 | count << 16 | subch << 13 | method >> 2
}

/// A push buffer being written: its words, and where each group of
/// methods ends (the places it may be cut into several pushes without
/// cutting a method's data from its header).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushBuf {
    words: Vec<u32>,
    ends: Vec<usize>,
}

impl PushBuf {
    /// An empty one.
    pub fn new() -> PushBuf {
        PushBuf::default()
    }

    /// Its words.
    pub fn words(&self) -> &[u32] {
        &self.words
    }

    /// Its length in bytes.
    pub fn len_bytes(&self) -> usize {
        self.words.len() * 4
    }

    /// Its bytes, as the host reads them (little endian).
    pub fn bytes(&self) -> Vec<u8> {
        self.words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    /// `data` to consecutive methods from `method` (INC headers of at most
    /// [`MAX_COUNT`] words each).
    pub fn inc(&mut self, subch: u32, method: u32, data: &[u32]) {
        for (i, part) in data.chunks(MAX_COUNT as usize).enumerate() {
            let m = method + 4 * (i as u32) * MAX_COUNT;
            self.words
                .push(header(SEC_OP_INC, subch, m, part.len() as u32));
            self.words.extend_from_slice(part);
        }
    }

    /// `words` as they are (headers and data, or anything: a fuzzer's),
    /// a group of their own.
    pub fn raw(&mut self, words: &[u32]) {
        self.words.extend_from_slice(words);
        self.end_group();
    }

    /// Ends a group of methods: a push may end here.
    pub fn end_group(&mut self) {
        self.ends.push(self.words.len());
    }

    /// `SET_OBJECT`: binds `subch` to the object of `class` on the
    /// channel (`NVCLASS` 15:0).
    pub fn set_object(&mut self, subch: u32, class: u32) {
        self.inc(
            subch,
            host::method::SET_OBJECT,
            &[class & host::SET_OBJECT_NVCLASS_MASK],
        );
        self.end_group();
    }

    /// A copy of `len` bytes from GPU VA `src` to `dst` on the copy
    /// object at [`CE_SUBCHANNEL`] (bound by [`PushBuf::set_object`]):
    /// 1D launches of at most [`MAX_LAUNCH`] bytes. Returns how many.
    pub fn copy(&mut self, src: u64, dst: u64, len: u64) -> u64 {
        let mut launches = 0;
        let mut at = 0;
        while at < len {
            let n = (len - at).min(MAX_LAUNCH) as u32;
            // (Addresses past the end wrap: a fuzzer's copies may be
            // anywhere.)
            let (s, d) = (src.wrapping_add(at), dst.wrapping_add(at));
            // OFFSET_IN_UPPER/LOWER, OFFSET_OUT_UPPER/LOWER, PITCH_IN/OUT,
            // LINE_LENGTH_IN, LINE_COUNT: 0x400..0x41c, consecutive.
            self.inc(
                CE_SUBCHANNEL,
                copy::method::OFFSET_IN_UPPER,
                &[
                    copy::upper(s),
                    copy::lower(s),
                    copy::upper(d),
                    copy::lower(d),
                    n,
                    n,
                    n,
                    1,
                ],
            );
            let launch = copy::LaunchDma {
                transfer: if launches == 0 {
                    copy::transfer::NON_PIPELINED
                } else {
                    copy::transfer::PIPELINED
                },
                ..copy::LaunchDma::pitch_copy(false)
            };
            self.inc(CE_SUBCHANNEL, copy::method::LAUNCH_DMA, &[launch.encode()]);
            self.end_group();
            launches += 1;
            at += u64::from(n);
        }
        launches
    }

    /// A host semaphore acquire: the channel waits until the 32-bit word
    /// at GPU VA `addr` (4-byte aligned, below 2^40) equals `payload`
    /// (`SEM_EXECUTE` `OPERATION_ACQUIRE`, 32-bit payload, no TSG switch).
    pub fn sem_acquire(&mut self, addr: u64, payload: u32) {
        // SEM_ADDR_LO (OFFSET 31:2), SEM_ADDR_HI (OFFSET 7:0: bits
        // 39:32), SEM_PAYLOAD_LO, SEM_PAYLOAD_HI, SEM_EXECUTE: 0x5c..0x6c.
        self.inc(
            HOST_SUBCHANNEL,
            host::method::SEM_ADDR_LO,
            &[
                (addr as u32) & !3,
                ((addr >> 32) & 0xff) as u32,
                payload,
                0,
                host::sem_execute::ACQUIRE,
            ],
        );
        self.end_group();
    }

    /// Cuts it into pushes of at most `max_bytes` each, only where a
    /// group ends: word ranges. `None` if a group alone is larger.
    pub fn segments(&self, max_bytes: usize) -> Option<Vec<Range<usize>>> {
        let max = max_bytes / 4;
        let mut out = Vec::new();
        let mut start = 0;
        let mut last = 0;
        let mut ends = self.ends.clone();
        if ends.last() != Some(&self.words.len()) {
            ends.push(self.words.len());
        }
        for &end in &ends {
            if end - start > max {
                if last == start {
                    return None;
                }
                out.push(start..last);
                start = last;
                if end - start > max {
                    return None;
                }
            }
            last = end;
        }
        if last > start {
            out.push(start..last);
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_the_hosts() {
        // By hand: INC (1 << 29) | 1 << 16 | subchannel 4 << 13 | 0x300 >> 2.
        assert_eq!(header(SEC_OP_INC, 4, 0x300, 1), 0x2001_80c0);
        // NON_INC (3 << 29) | 2 << 16 | 0x5c >> 2.
        assert_eq!(header(SEC_OP_NON_INC, 0, 0x5c, 2), 0x6002_0017);
        // IMMD (4 << 29) | 0 << 16 | 0x20 >> 2.
        assert_eq!(header(SEC_OP_IMMD, 0, 0x20, 0), 0x8000_0008);
        // ONE_INC (5 << 29) | 3 << 16 | 1 << 13 | 0x400 >> 2.
        assert_eq!(header(SEC_OP_ONE_INC, 1, 0x400, 3), 0xa003_2100);
        assert_eq!(header(SEC_OP_INC, 7, 0x3ffc, 0x1fff), 0x3fff_efff);
        // The same as the project's encoders.
        for (subch, method, count) in [(0, 0, 1), (4, 0x400, 8), (3, 0x6c, 0x1fff)] {
            assert_eq!(
                Some(header(SEC_OP_INC, subch, method, count)),
                host::inc(subch, method, count)
            );
            assert_eq!(
                Some(header(SEC_OP_NON_INC, subch, method, count)),
                host::non_inc(subch, method, count)
            );
            assert_eq!(
                Some(header(SEC_OP_ONE_INC, subch, method, count)),
                host::one_inc(subch, method, count)
            );
            assert_eq!(
                Some(header(SEC_OP_IMMD, subch, method, count)),
                host::immediate(subch, method, count)
            );
        }
    }

    #[test]
    #[should_panic]
    fn a_field_that_does_not_fit_panics() {
        let _ = header(SEC_OP_INC, 8, 0, 1);
    }

    #[test]
    fn set_object_and_a_one_launch_copy() {
        let mut p = PushBuf::new();
        p.set_object(CE_SUBCHANNEL, copy::AMPERE_DMA_COPY_B);
        let n = p.copy(0x1_0000_2000, 0x2_0040_0000, 0x1000);
        assert_eq!(n, 1);
        assert_eq!(
            p.words(),
            [
                // SET_OBJECT: INC, 1 word, subchannel 4, method 0.
                0x2001_8000,
                0xc7b5,
                // INC, 8 words, subchannel 4, from 0x400 (0x100).
                0x2008_8100,
                0x1,
                0x2000,
                0x2,
                0x0040_0000,
                0x1000,
                0x1000,
                0x1000,
                1,
                // LAUNCH_DMA: NON_PIPELINED 2 | FLUSH 4 | SRC PITCH 0x80 |
                // DST PITCH 0x100; 1D, both virtual.
                0x2001_80c0,
                0x186,
            ]
        );
        assert_eq!(p.len_bytes(), 13 * 4);
        assert_eq!(&p.bytes()[..8], &[0x00, 0x80, 0x01, 0x20, 0xb5, 0xc7, 0, 0]);
    }

    #[test]
    fn long_copies_are_split_into_launches() {
        let mut p = PushBuf::new();
        let len = 2 * MAX_LAUNCH + 12;
        assert_eq!(p.copy(0x10_0000_0000, 0x20_0000_0000, len), 3);
        let w = p.words();
        assert_eq!(w.len(), 3 * 11);
        // Second launch: from + 1 MiB, pipelined.
        assert_eq!(w[11], 0x2008_8100);
        assert_eq!(&w[12..16], &[0x10, 0x0010_0000, 0x20, 0x0010_0000]);
        assert_eq!(&w[16..20], &[1 << 20, 1 << 20, 1 << 20, 1]);
        assert_eq!(w[21], 0x185);
        // The last carries the rest.
        assert_eq!(
            &w[23..31],
            &[0x10, 0x0020_0000, 0x20, 0x0020_0000, 12, 12, 12, 1]
        );
        assert_eq!(w[32], 0x185);
        assert_eq!(PushBuf::new().copy(0, 0, 0), 0);
    }

    #[test]
    fn a_semaphore_acquire() {
        let mut p = PushBuf::new();
        p.sem_acquire(0x12_3456_7893, 1);
        // INC, 5 words, subchannel 0, from SEM_ADDR_LO 0x5c (0x17).
        assert_eq!(p.words(), [0x2005_0017, 0x3456_7890, 0x12, 1, 0, 0]);
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)]
    fn pushes_are_cut_between_groups() {
        let mut p = PushBuf::new();
        p.set_object(CE_SUBCHANNEL, copy::AMPERE_DMA_COPY_B);
        p.copy(0, 1 << 30, 3 * MAX_LAUNCH);
        // 2 + 3 * 11 words.
        assert_eq!(p.segments(1 << 20), Some(vec![0..35]));
        assert_eq!(p.segments(13 * 4), Some(vec![0..13, 13..24, 24..35]));
        assert_eq!(p.segments(24 * 4), Some(vec![0..24, 24..35]));
        assert_eq!(p.segments(10 * 4), None);
        assert_eq!(PushBuf::new().segments(64), Some(vec![]));
    }
}
