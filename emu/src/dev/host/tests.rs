//! The host driven as a driver drives it: a channel GSP-RM set up, page
//! tables the driver built in guest memory (written here bit by bit from
//! open-gpu-doc `tu104/dev_mmu.ref.txt`), pushbuffers in guest memory,
//! GP_PUT in USERD and the doorbell; then GP_GET, semaphores, the copied
//! bytes, the non-stall vector and the errors GSP-RM is handed.

use super::*;
use crate::dev::bar0::{Bar0, Effect};
use crate::dev::Hw;
use crate::vram::{Vram, VramView};
use nvgsp_proto::chip::ChipId;
use nvgsp_proto::copy::{self, method as cm, LaunchDma};
use nvgsp_proto::gsp::class::NV2080_ENGINE_TYPE_COPY0;
use nvgsp_proto::host::{self as h, method as hm, sem_execute as sem};
use std::time::Instant;

const MIB: u64 = 1 << 20;
/// Guest memory: tables, USERD, the ring, pushbuffers, a semaphore page,
/// then data.
const SYS: u64 = 0x1000_0000;
const SYS_SIZE: u64 = 96 * MIB;
const TABLES: u64 = SYS;
const USERD: u64 = SYS + 2 * MIB;
const RING_PAGE: u64 = USERD + 0x1000;
const SEM_PAGE: u64 = USERD + 0x2000;
const PB_PAGES: u64 = SYS + 4 * MIB;
const DATA: u64 = SYS + 8 * MIB;
const VRAM_SIZE: u64 = 128 * MIB;
/// Where the VA space maps them.
const RING: u64 = 0x1_0000_0000;
const SEM: u64 = 0x1_0001_0000;
const RO_PAGE: u64 = 0x1_0002_0000;
const PB: u64 = 0x2_0000_0000;
const DATA_VA: u64 = 0x4_0000_0000;
const VIDEO_VA: u64 = 0x8_0000_0000;
/// The VRAM the VA space maps at [`VIDEO_VA`].
const VIDEO: u64 = 16 * MIB;
const ENTRIES: u32 = 512;
const CHID: u32 = 5;
const RUNLIST: u32 = 1;
const VECTOR: u32 = 64;
/// The copy object's subchannel (nouveau `PUSH906F_SUBC_NVA0B5`).
const SUBC: u32 = 4;

/// A driver's VA space: tables allocated in guest memory as needed.
struct Tables {
    mem: GuestMemory,
    next: u64,
    root: u64,
    dirs: HashMap<(usize, u64), u64>,
}

impl Tables {
    fn new(mem: GuestMemory) -> Tables {
        Tables {
            mem,
            next: TABLES + 0x1000,
            root: TABLES,
            dirs: HashMap::new(),
        }
    }

    fn put(&self, at: u64, v: u64) {
        self.mem.write(at, &v.to_le_bytes()).unwrap();
    }

    /// The table below the entry of `level` for `va`, made if missing.
    fn table(&mut self, level: usize, va: u64, entry_at: u64) -> u64 {
        let shift = [47, 38, 29, 21][level];
        let key = (level, va >> shift);
        if let Some(&t) = self.dirs.get(&key) {
            return t;
        }
        let t = self.next;
        self.next += 0x1000;
        // A directory entry naming a system memory table: aperture 2
        // (coherent), VOL, address >> 12 at bit 8.
        self.put(entry_at, (t >> 12) << 8 | 2 << 1 | 1 << 3);
        self.dirs.insert(key, t);
        t
    }

    /// Maps the 4 KiB page `va` to `pte`.
    fn map(&mut self, va: u64, pte: u64) {
        let pd3 = self.root;
        let pd2 = self.table(0, va, pd3 + ((va >> 47) & 3) * 8);
        let pd1 = self.table(1, va, pd2 + ((va >> 38) & 511) * 8);
        let pd0 = self.table(2, va, pd1 + ((va >> 29) & 511) * 8);
        // PD0 entries are 16 bytes; the small page table is the upper half.
        let pt = self.table(3, va, pd0 + ((va >> 21) & 255) * 16 + 8);
        self.put(pt + ((va >> 12) & 511) * 8, pte);
    }

    fn map_sys(&mut self, va: u64, pa: u64, len: u64) {
        for off in (0..len).step_by(0x1000) {
            self.map(va + off, (pa + off) >> 12 << 8 | 2 << 1 | 1);
        }
    }

    fn map_video(&mut self, va: u64, pa: u64, len: u64) {
        for off in (0..len).step_by(0x1000) {
            self.map(va + off, (pa + off) >> 12 << 8 | 1);
        }
    }
}

struct Rig {
    hw: SharedHw,
    mem: GuestMemory,
    vram: VramView,
    host: Host,
    tables: Tables,
    /// The pushbuffer bytes written so far.
    pb: u64,
    put: u32,
    _vram: Vram,
    _worker: Worker,
}

impl Rig {
    /// A scheduled copy engine channel with a copy object, its CPU
    /// interrupt tree leaf and top enabled for [`VECTOR`].
    fn new() -> Rig {
        Rig::with(setup())
    }

    /// The same with channel `setup`.
    fn with(setup: ChannelSetup) -> Rig {
        crate::logger::init(false);
        let mem = crate::guest_mem::test_memory(SYS, SYS_SIZE);
        let vram = Vram::new(VRAM_SIZE).unwrap();
        let view = vram.view().unwrap();
        let hw = Hw::new(Bar0::new(ChipId::GA102_A1, VRAM_SIZE, Vec::new()));
        crate::dev::lock(&hw).vram = Some(view.clone());
        let mut tables = Tables::new(mem.clone());
        tables.map_sys(RING, RING_PAGE, 0x1000);
        tables.map_sys(SEM, SEM_PAGE, 0x1000);
        tables.map_sys(PB, PB_PAGES, 4 * MIB);
        tables.map_sys(DATA_VA, DATA, 80 * MIB);
        tables.map_video(VIDEO_VA, VIDEO, 64 * MIB);
        // A read-only page over the semaphore page.
        tables.map(RO_PAGE, SEM_PAGE >> 12 << 8 | 2 << 1 | 1 | 1 << 6);
        let host = Host::default();
        host.add(setup);
        host.object(CHID, copy::AMPERE_DMA_COPY_B, true);
        host.schedule(CHID, true);
        {
            let mut hw = crate::dev::lock(&hw);
            let (leaf, bit) = nvgsp_proto::intr::leaf_of(VECTOR);
            let mem = GuestMemory::default();
            hw.bar0
                .write32(nvgsp_proto::intr::LEAF_EN_SET + 4 * leaf as u32, bit, &mem);
            hw.bar0
                .write32(nvgsp_proto::intr::TOP_EN_SET, u32::MAX, &mem);
        }
        let worker = host.start(hw.clone(), mem.clone()).unwrap();
        Rig {
            hw,
            mem,
            vram: view,
            host,
            tables,
            pb: 0,
            put: 0,
            _vram: vram,
            _worker: worker,
        }
    }

    /// Writes `words` as the next pushbuffer segment, its GPFIFO entry and
    /// GP_PUT, and rings the doorbell.
    fn submit(&mut self, words: &[u32]) {
        let va = PB + self.pb;
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.mem.write(PB_PAGES + self.pb, &bytes).unwrap();
        self.pb += bytes.len() as u64;
        let e = h::gp_entry(va, words.len() as u32, false).unwrap();
        self.entry(e);
    }

    /// Writes GPFIFO entry `e` at GP_PUT, moves GP_PUT and rings.
    fn entry(&mut self, e: u64) {
        self.mem
            .write(RING_PAGE + u64::from(self.put) * 8, &e.to_le_bytes())
            .unwrap();
        self.put = (self.put + 1) % ENTRIES;
        self.mem
            .write(USERD + h::USERD_GP_PUT, &self.put.to_le_bytes())
            .unwrap();
        self.host
            .doorbell(h::doorbell_token(RUNLIST, CHID).unwrap());
    }

    fn gp_get(&self) -> u32 {
        self.mem.read_u32(USERD + h::USERD_GP_GET).unwrap()
    }

    /// Waits until the host wrote GP_GET = GP_PUT.
    fn wait_done(&self) {
        let start = Instant::now();
        while self.gp_get() != self.put {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "GP_GET stays {} (GP_PUT {}): {}",
                self.gp_get(),
                self.put,
                self.host.describe(CHID)
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Waits for the error the host hands GSP-RM.
    fn wait_error(&self) -> ChannelError {
        let start = Instant::now();
        loop {
            if let Some(e) = self.host.take_error() {
                return e;
            }
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "no error: {} gp_get {}",
                self.host.describe(CHID),
                self.gp_get()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    fn sem(&self, off: u64) -> u32 {
        self.mem.read_u32(SEM_PAGE + off).unwrap()
    }

    /// Whether [`VECTOR`]'s leaf bit is set (then cleared).
    fn take_nonstall(&self) -> bool {
        let mut hw = crate::dev::lock(&self.hw);
        let (leaf, bit) = nvgsp_proto::intr::leaf_of(VECTOR);
        let reg = nvgsp_proto::intr::LEAF + 4 * leaf as u32;
        let set = hw.bar0.read32(reg) & bit != 0;
        hw.bar0.write32(reg, bit, &GuestMemory::default());
        set
    }
}

fn setup() -> ChannelSetup {
    ChannelSetup {
        client: 0xc1,
        object: 0xf1,
        chid: CHID,
        engine: NV2080_ENGINE_TYPE_COPY0,
        runlist: RUNLIST,
        pdb: Phys::Sys(TABLES),
        userd: Phys::Sys(USERD),
        gpfifo: RING,
        entries: ENTRIES,
        instance: 0x100_0000,
        nonstall: Some(VECTOR),
        privileged: false,
        deny_physical_ce: false,
    }
}

/// INC header then data.
fn inc(subch: u32, method: u32, data: &[u32]) -> Vec<u32> {
    let mut v = vec![h::inc(subch, method, data.len() as u32).unwrap()];
    v.extend_from_slice(data);
    v
}

/// nouveau `gv100_fence_emit32`: a 32-bit release of `seq` at `va`, a
/// membar, a non-stall interrupt.
fn release(va: u64, seq: u32) -> Vec<u32> {
    let mut v = inc(0, hm::SEM_ADDR_LO, &[va as u32, (va >> 32) as u32, seq, 0]);
    v.extend(inc(0, hm::SEM_EXECUTE, &[sem::RELEASE | sem::RELEASE_WFI]));
    v.extend(inc(
        0,
        hm::MEM_OP_A,
        &[
            0,
            0,
            h::MEM_OP_C_SYS_MEMBAR,
            h::MEM_OP_D_OPERATION_MEMBAR << h::MEM_OP_D_OPERATION_SHIFT,
        ],
    ));
    v.push(h::immediate(0, hm::NON_STALL_INTERRUPT, 0).unwrap());
    v
}

/// SET_OBJECT of the copy class on [`SUBC`].
fn set_object() -> Vec<u32> {
    inc(SUBC, hm::SET_OBJECT, &[copy::AMPERE_DMA_COPY_B])
}

/// A copy of `lines` lines of `len` bytes from `src` to `dst` (both as
/// `l` says), then a one-word semaphore release of `seq` at [`SEM`] + 8
/// and a non-stall interrupt.
fn copy_words(l: LaunchDma, src: u64, dst: u64, len: u32, lines: u32, seq: u32) -> Vec<u32> {
    let mut v = inc(
        SUBC,
        cm::OFFSET_IN_UPPER,
        &[
            copy::upper(src),
            copy::lower(src),
            copy::upper(dst),
            copy::lower(dst),
            len,
            len,
            len,
            lines,
        ],
    );
    let sem = SEM + 8;
    v.extend(inc(
        SUBC,
        cm::SET_SEMAPHORE_A,
        &[copy::upper(sem), copy::lower(sem), seq],
    ));
    let l = LaunchDma {
        semaphore: copy::semaphore::RELEASE_ONE_WORD,
        interrupt: copy::interrupt::NON_BLOCKING,
        ..l
    };
    v.extend(inc(SUBC, cm::LAUNCH_DMA, &[l.encode()]));
    v
}

#[test]
fn a_fence_releases_the_semaphore_and_interrupts() {
    let mut r = Rig::new();
    r.submit(&release(SEM, 7));
    r.wait_done();
    assert_eq!(r.gp_get(), 1);
    assert_eq!(r.sem(0), 7);
    assert!(r.take_nonstall(), "vector {VECTOR} signalled");
    // A 64-bit release with a timestamp: 16 bytes.
    let mut v = inc(0, hm::SEM_ADDR_LO, &[SEM as u32 + 16, (SEM >> 32) as u32]);
    v.extend(inc(0, hm::SEM_PAYLOAD_LO, &[0x1111_2222, 0x3333_4444]));
    v.extend(inc(
        0,
        hm::SEM_EXECUTE,
        &[sem::RELEASE | sem::PAYLOAD_SIZE_64BIT | sem::RELEASE_TIMESTAMP],
    ));
    v.push(h::END_SEGMENT);
    v.push(0xdead_beef);
    r.submit(&v);
    r.wait_done();
    let mut b = [0u8; 16];
    r.mem.read(SEM_PAGE + 16, &mut b).unwrap();
    assert_eq!(
        u64::from_le_bytes(b[..8].try_into().unwrap()),
        0x3333_4444_1111_2222
    );
    assert_ne!(u64::from_le_bytes(b[8..].try_into().unwrap()), 0);
    assert!(!r.take_nonstall());
    // A NOP control entry and NOP headers run too.
    r.entry(0);
    r.submit(&[0, 0, h::immediate(0, hm::NOP, 0).unwrap()]);
    r.wait_done();
    assert_eq!(r.host.take_error(), None);
}

#[test]
fn the_doorbell_is_bar0_0xbb0090_and_a_wrong_token_is_dropped() {
    let mut b = Bar0::new(ChipId::GA102_A1, VRAM_SIZE, Vec::new());
    let mem = GuestMemory::default();
    assert_eq!(
        b.write32(0x00bb_0090, 0x1_0005, &mem),
        Effect::ChannelDoorbell(0x1_0005)
    );
    let mut r = Rig::new();
    // Work written, but the token names another runlist, another
    // channel, or has bits outside its fields: nothing runs.
    let words = release(SEM, 3);
    r.mem
        .write(
            PB_PAGES,
            &words
                .iter()
                .flat_map(|w| w.to_le_bytes())
                .collect::<Vec<_>>(),
        )
        .unwrap();
    let e = h::gp_entry(PB, words.len() as u32, false).unwrap();
    r.mem.write(RING_PAGE, &e.to_le_bytes()).unwrap();
    r.mem
        .write(USERD + h::USERD_GP_PUT, &1u32.to_le_bytes())
        .unwrap();
    for token in [0x2_0005, 0x1_0006, 0x81_0005] {
        r.host.doorbell(token);
    }
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!((r.gp_get(), r.sem(0)), (0, 0));
    // Not scheduled: dropped too.
    r.host.schedule(CHID, false);
    r.host.doorbell(h::doorbell_token(RUNLIST, CHID).unwrap());
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(r.gp_get(), 0);
    r.host.schedule(CHID, true);
    r.put = 1;
    r.host.doorbell(h::doorbell_token(RUNLIST, CHID).unwrap());
    r.wait_done();
    assert_eq!(r.sem(0), 3);
}

#[test]
fn an_acquire_parks_the_channel_until_released() {
    let mut r = Rig::new();
    let acquire = |op: u32, want: u32| {
        let mut v = inc(
            0,
            hm::SEM_ADDR_LO,
            &[SEM as u32 + 4, (SEM >> 32) as u32, want],
        );
        v.extend(inc(0, hm::SEM_EXECUTE, &[op | sem::ACQUIRE_SWITCH_TSG]));
        v.extend(release(SEM, want.wrapping_add(100)));
        v
    };
    r.submit(&acquire(sem::ACQ_CIRC_GEQ, 5));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(r.gp_get(), 0);
    assert!(
        r.host.describe(CHID).contains("parked yes"),
        "{}",
        r.host.describe(CHID)
    );
    // Released by the CPU, without a doorbell: the periodic look finds it.
    r.mem.write(SEM_PAGE + 4, &4u32.to_le_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(r.gp_get(), 0, "4 is not >= 5");
    r.mem.write(SEM_PAGE + 4, &5u32.to_le_bytes()).unwrap();
    r.wait_done();
    assert_eq!(r.sem(0), 105);
    // CIRC_GEQ wraps; STRICT_GEQ does not; ACQUIRE wants equality.
    r.mem.write(SEM_PAGE + 4, &2u32.to_le_bytes()).unwrap();
    r.submit(&acquire(sem::ACQ_CIRC_GEQ, 0xffff_fff0));
    r.wait_done();
    r.submit(&acquire(sem::ACQ_STRICT_GEQ, 0xffff_fff0));
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(r.gp_get(), r.put - 1);
    r.mem
        .write(SEM_PAGE + 4, &0xffff_fff0u32.to_le_bytes())
        .unwrap();
    r.wait_done();
    r.submit(&acquire(sem::ACQUIRE, 9));
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(r.gp_get(), r.put - 1);
    r.mem.write(SEM_PAGE + 4, &9u32.to_le_bytes()).unwrap();
    r.host.doorbell(h::doorbell_token(RUNLIST, CHID).unwrap());
    r.wait_done();
    assert_eq!(r.sem(0), 109);
}

#[test]
fn copies_run_both_ways_in_pitch_lines() {
    let mut r = Rig::new();
    let pattern: Vec<u8> = (0..0x3000u32).map(|i| (i * 7 + 3) as u8).collect();
    r.mem.write(DATA, &pattern).unwrap();
    // System memory to VRAM, 1D, virtual both sides (after
    // PM_TRIGGER_END, the class's highest method, which does nothing).
    let mut v = set_object();
    v.extend(inc(SUBC, cm::PM_TRIGGER_END, &[0]));
    v.extend(copy_words(
        LaunchDma::pitch_copy(false),
        DATA_VA,
        VIDEO_VA,
        0x3000,
        0,
        1,
    ));
    r.submit(&v);
    r.wait_done();
    let mut got = vec![0u8; 0x3000];
    r.vram.read_gpu(VIDEO, &mut got).unwrap();
    assert_eq!(got, pattern);
    assert_eq!(r.sem(8), 1);
    assert!(r.take_nonstall());
    // VRAM back to system memory as 3 lines of 0x100 bytes, pitches
    // 0x1000 in and 0x200 out.
    let mut v = copy_words(
        LaunchDma::pitch_copy(true),
        VIDEO_VA,
        DATA_VA + 0x10_0000,
        0x100,
        3,
        2,
    );
    // copy_words sets both pitches to the line length; the 2D pitches
    // go in before the launch.
    let launch = v.split_off(v.len() - 2);
    v.extend(inc(SUBC, cm::PITCH_IN, &[0x1000, 0x200]));
    v.extend(launch);
    r.submit(&v);
    r.wait_done();
    for line in 0..3u64 {
        let mut b = vec![0u8; 0x100];
        r.mem.read(DATA + 0x10_0000 + line * 0x200, &mut b).unwrap();
        let at = (line * 0x1000) as usize;
        assert_eq!(b, pattern[at..at + 0x100], "line {line}");
    }
    assert_eq!(r.sem(8), 2);
    // A four-word release: payload, then a timestamp at +8.
    let mut v = inc(
        SUBC,
        cm::SET_SEMAPHORE_A,
        &[copy::upper(SEM + 32), copy::lower(SEM + 32), 0x77],
    );
    let l = LaunchDma {
        transfer: copy::transfer::NONE,
        semaphore: copy::semaphore::RELEASE_FOUR_WORD,
        ..LaunchDma::default()
    };
    v.extend(inc(SUBC, cm::LAUNCH_DMA, &[l.encode()]));
    r.submit(&v);
    r.wait_done();
    assert_eq!((r.sem(32), r.sem(36)), (0x77, 0));
    assert_ne!(r.sem(40) | r.sem(44), 0);
    assert_eq!(r.host.take_error(), None);
}

/// 64 MiB each way between VRAM and system memory, a page a line as
/// nouveau moves buffers (the time each took is printed, not asserted:
/// `make bench` measures speed).
#[test]
fn sixty_four_mib_copies_both_ways() {
    let mut r = Rig::new();
    let len = 64 * MIB;
    let mut pattern = vec![0u8; len as usize];
    for (i, w) in pattern.chunks_exact_mut(8).enumerate() {
        w.copy_from_slice(&(i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).to_le_bytes());
    }
    r.mem.write(DATA, &pattern).unwrap();
    let pages = (len / 0x1000) as u32;
    let mut v = set_object();
    v.extend(copy_words(
        LaunchDma::pitch_copy(true),
        DATA_VA,
        VIDEO_VA,
        0x1000,
        pages,
        1,
    ));
    let start = Instant::now();
    r.submit(&v);
    r.wait_done();
    let to_vram = start.elapsed();
    let mut got = vec![0u8; len as usize];
    r.vram.read_gpu(VIDEO, &mut got).unwrap();
    assert!(got == pattern, "VRAM holds the pattern");
    r.mem.write(DATA, &vec![0u8; len as usize]).unwrap();
    let v = copy_words(
        LaunchDma::pitch_copy(true),
        VIDEO_VA,
        DATA_VA,
        0x1000,
        pages,
        2,
    );
    let start = Instant::now();
    r.submit(&v);
    r.wait_done();
    let to_sys = start.elapsed();
    r.mem.read(DATA, &mut got).unwrap();
    assert!(got == pattern, "system memory holds the pattern");
    eprintln!("64 MiB: to VRAM {to_vram:?}, back {to_sys:?}");
}

/// What an error case submits, and the Xid and fault it ends with.
type Case = (&'static str, Vec<u32>, u32, Option<(u64, u32)>);

/// Each kind of error stops the channel with its Xid, for GSP-RM to
/// report; a stopped channel fetches nothing more.
#[test]
fn errors_stop_the_channel_with_their_xid() {
    let cases: Vec<Case> = vec![
        ("a header with SEC_OP 2", vec![0x4001_0000, 0], 32, None),
        ("host method 0x10", inc(0, 0x10, &[1]), 32, None),
        (
            "SET_OBJECT of another class",
            inc(SUBC, hm::SET_OBJECT, &[0xc6b5]),
            32,
            None,
        ),
        (
            "a method on software subchannel 5",
            inc(5, hm::NOP, &[0]),
            32,
            None,
        ),
        (
            "SET_OBJECT on software subchannel 7",
            inc(7, hm::SET_OBJECT, &[copy::AMPERE_DMA_COPY_B]),
            32,
            None,
        ),
        (
            // Without the check its 5th dword would release the
            // semaphore (0x6c is SEM_EXECUTE): nothing runs.
            "an INC whose methods run past 0x3ffc",
            [
                vec![h::inc(0, hm::SEM_ADDR_LO, 0xff0).unwrap()],
                vec![SEM as u32, (SEM >> 32) as u32, 9, 0, sem::RELEASE],
            ]
            .concat(),
            32,
            None,
        ),
        (
            "a ONE_INC whose second method is past 0x3ffc",
            [
                set_object(),
                vec![h::one_inc(SUBC, 0x3ffc, 2).unwrap(), 0, 0],
            ]
            .concat(),
            32,
            None,
        ),
        (
            "a copy method without SET_OBJECT",
            inc(SUBC, cm::LAUNCH_DMA, &[0]),
            32,
            None,
        ),
        (
            "a release to an unmapped VA",
            release(0x7_0000_0000, 1),
            31,
            Some((0x7_0000_0000, 0)),
        ),
        (
            "a release to an unmapped page",
            release(SEM + 0x3_0000, 1),
            31,
            Some((SEM + 0x3_0000, 2)),
        ),
        (
            "a release through a read-only PTE",
            release(RO_PAGE + 8, 1),
            31,
            // The 4 KiB page: the fault buffer's ADDR_LO is 31:12.
            Some((RO_PAGE, 6)),
        ),
        (
            "a misaligned 64-bit release",
            [
                inc(
                    0,
                    hm::SEM_ADDR_LO,
                    &[SEM as u32 + 4, (SEM >> 32) as u32, 1, 0],
                ),
                inc(
                    0,
                    hm::SEM_EXECUTE,
                    &[sem::RELEASE | sem::PAYLOAD_SIZE_64BIT],
                ),
            ]
            .concat(),
            32,
            None,
        ),
        (
            "a block-linear copy",
            [
                set_object(),
                copy_words(
                    LaunchDma {
                        dst_pitch: false,
                        ..LaunchDma::pitch_copy(false)
                    },
                    DATA_VA,
                    VIDEO_VA,
                    16,
                    0,
                    1,
                ),
            ]
            .concat(),
            39,
            None,
        ),
        (
            "a method the copy class lacks",
            [set_object(), inc(SUBC, 0x304, &[0])].concat(),
            39,
            None,
        ),
        (
            "0x724, in the gap after SET_DST_ORIGIN",
            [set_object(), inc(SUBC, 0x724, &[0])].concat(),
            39,
            None,
        ),
        (
            "a launch with VPRMODE VID2VID",
            [set_object(), inc(SUBC, cm::LAUNCH_DMA, &[1 << 22])].concat(),
            39,
            None,
        ),
        (
            "a multi-line copy whose line exceeds PITCH_OUT",
            [set_object(), {
                let mut v = copy_words(LaunchDma::pitch_copy(true), DATA_VA, VIDEO_VA, 0x100, 2, 1);
                let launch = v.split_off(v.len() - 2);
                v.extend(inc(SUBC, cm::PITCH_IN, &[0x100, 0x80]));
                v.extend(launch);
                v
            }]
            .concat(),
            39,
            None,
        ),
        (
            "a multi-line copy with a negative pitch",
            [set_object(), {
                let mut v = copy_words(LaunchDma::pitch_copy(true), DATA_VA, VIDEO_VA, 0x100, 2, 1);
                let launch = v.split_off(v.len() - 2);
                v.extend(inc(SUBC, cm::PITCH_IN, &[(-0x100i32) as u32, 0x100]));
                v.extend(launch);
                v
            }]
            .concat(),
            39,
            None,
        ),
        (
            "a copy into an unmapped VA",
            [
                set_object(),
                copy_words(
                    LaunchDma::pitch_copy(false),
                    DATA_VA,
                    0x9_0000_0000,
                    16,
                    0,
                    1,
                ),
            ]
            .concat(),
            31,
            Some((0x9_0000_0000, 0)),
        ),
    ];
    for (what, words, xid, fault) in cases {
        let mut r = Rig::new();
        r.submit(&words);
        let e = r.wait_error();
        assert_eq!(
            (e.chid, e.engine, e.xid, e.fault),
            (CHID, NV2080_ENGINE_TYPE_COPY0, xid, fault),
            "{what}: {}",
            e.text
        );
        assert!(
            r.host.describe(CHID).contains(&format!("error xid {xid}")),
            "{what}"
        );
        // Stopped: later work is not fetched.
        r.submit(&release(SEM, 9));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!((r.gp_get(), r.sem(0)), (0, 0), "{what}");
    }
    // A bad GPFIFO entry (control opcode ILLEGAL) and an entry that
    // points at unmapped memory.
    let mut r = Rig::new();
    r.entry(1u64 << 32);
    assert_eq!(r.wait_error().xid, 32);
    let mut r = Rig::new();
    r.entry(h::gp_entry(0x5_0000_0000, 4, false).unwrap());
    let e = r.wait_error();
    assert_eq!((e.xid, e.fault), (31, Some((0x5_0000_0000, 0))));
    // GP_PUT beyond the ring.
    let r = Rig::new();
    r.mem
        .write(USERD + h::USERD_GP_PUT, &ENTRIES.to_le_bytes())
        .unwrap();
    r.host.doorbell(h::doorbell_token(RUNLIST, CHID).unwrap());
    assert_eq!(r.wait_error().xid, 32);
}

/// A physical: VRAM (LOCAL_FB) to system memory (COHERENT_SYSMEM) copy
/// of 0x800 bytes, then a release of `seq`.
fn physical_copy(seq: u32) -> Vec<u32> {
    let mut v = set_object();
    v.extend(inc(
        SUBC,
        cm::SET_SRC_PHYS_MODE,
        &[copy::phys_mode::LOCAL_FB, copy::phys_mode::COHERENT_SYSMEM],
    ));
    let l = LaunchDma {
        src_physical: true,
        dst_physical: true,
        ..LaunchDma::pitch_copy(false)
    };
    v.extend(copy_words(
        l,
        VIDEO + 0x1000,
        DATA + 0x20_0000,
        0x800,
        0,
        seq,
    ));
    v
}

/// Physical mode works on a privileged (KERNEL or ADMIN) channel; it is
/// refused with the CE's Xid on a USER channel and on one allocated with
/// `DENY_PHYSICAL_MODE_CE`; a user channel faults on a `PRIVILEGE` page;
/// a sparse range reads 0 and drops writes without a fault.
#[test]
fn physical_mode_privilege_and_sparse() {
    let mut r = Rig::with(ChannelSetup {
        privileged: true,
        ..setup()
    });
    let pattern: Vec<u8> = (0..0x800u32).map(|i| (i * 5 + 1) as u8).collect();
    r.vram.write(VIDEO + 0x1000, &pattern).unwrap();
    r.submit(&physical_copy(3));
    r.wait_done();
    let mut b = vec![0u8; 0x800];
    r.mem.read(DATA + 0x20_0000, &mut b).unwrap();
    assert_eq!(b, pattern);
    assert_eq!(r.sem(8), 3);
    assert_eq!(r.host.take_error(), None);

    // A USER channel: a launch error, nothing copied.
    let mut r = Rig::new();
    r.vram.write(VIDEO + 0x1000, &pattern).unwrap();
    r.submit(&physical_copy(3));
    let e = r.wait_error();
    assert_eq!((e.xid, e.fault), (39, None), "{}", e.text);
    r.mem.read(DATA + 0x20_0000, &mut b).unwrap();
    assert_eq!(b, vec![0u8; 0x800]);
    assert_eq!(r.sem(8), 0);

    let mut r = Rig::with(ChannelSetup {
        deny_physical_ce: true,
        ..setup()
    });
    let l = LaunchDma {
        src_physical: true,
        ..LaunchDma::pitch_copy(false)
    };
    r.submit(&[set_object(), copy_words(l, DATA, VIDEO_VA, 16, 0, 1)].concat());
    let e = r.wait_error();
    assert_eq!((e.xid, e.fault), (39, None), "{}", e.text);

    let mut r = Rig::new();
    let privileged = 0x1_0003_0000;
    r.tables
        .map(privileged, SEM_PAGE >> 12 << 8 | 2 << 1 | 1 | 1 << 5);
    r.submit(&release(privileged, 1));
    let e = r.wait_error();
    assert_eq!((e.xid, e.fault), (31, Some((privileged, 5))), "{}", e.text);

    let mut r = Rig::new();
    let sparse = 0x1_0004_0000;
    // An invalid PTE with VOL: sparse.
    r.tables.map(sparse, 1 << 3);
    r.mem.write(DATA, &[0xaa; 32]).unwrap();
    let mut v = set_object();
    v.extend(copy_words(
        LaunchDma::pitch_copy(false),
        sparse,
        DATA_VA,
        32,
        0,
        1,
    ));
    v.extend(release(sparse, 5));
    r.submit(&v);
    r.wait_done();
    let mut b = [0xffu8; 32];
    r.mem.read(DATA, &mut b).unwrap();
    assert_eq!(b, [0u8; 32], "sparse reads 0");
    assert_eq!(r.host.take_error(), None);
}

/// SET_OBJECT, then a launch of 0xffffffff lines of 16 bytes (pitch 32)
/// over a valid mapping: hours of turns, or a few hundred before it
/// faults at the end of the mapping.
fn huge_launch() -> Vec<u32> {
    let mut v = set_object();
    let mut words = copy_words(
        LaunchDma::pitch_copy(true),
        DATA_VA,
        DATA_VA + 16,
        16,
        u32::MAX,
        1,
    );
    let launch = words.split_off(words.len() - 2);
    words.extend(inc(SUBC, cm::PITCH_IN, &[32, 32]));
    words.extend(launch);
    v.extend(words);
    v
}

/// A [`huge_launch`] runs a turn's budget at a time, so the channel table
/// is let go between turns; a FREE of the channel mid-copy waits at most
/// a turn and stops the copy; the host goes on running other channels.
#[test]
fn a_huge_launch_neither_panics_nor_holds_the_table() {
    let mut r = Rig::new();
    r.submit(&huge_launch());
    std::thread::sleep(Duration::from_millis(50));
    // Still copying, or stopped by the MMU fault at the end of the
    // mapping a few hundred turns in (a fast host gets there within the
    // sleep): GP_GET not moved either way, and the table is not held.
    assert_eq!(r.gp_get(), 0);
    for _ in 0..5 {
        let start = Instant::now();
        let d = r.host.describe(CHID);
        let took = start.elapsed();
        // A turn takes milliseconds, the whole launch hours: the bound
        // only tells the two apart (it is no speed check).
        assert!(took < Duration::from_secs(30), "{took:?}: {d}");
        assert!(d.contains("error none") || d.contains("xid 31"), "{d}");
    }
    let start = Instant::now();
    r.host.remove(CHID);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(30), "FREE waited {took:?}");
    assert_eq!(r.host.describe(CHID), "unknown channel");
    assert_eq!(r.host.take_error(), None);
    // The host thread lives on: a new channel with the same ID runs. It
    // starts at GP_GET 0, so does the driver's ring: USERD says so before
    // the channel is scheduled (the host may look at it at once).
    r.put = 0;
    for at in [h::USERD_GP_GET, h::USERD_GP_PUT] {
        r.mem.write(USERD + at, &0u32.to_le_bytes()).unwrap();
    }
    r.host.add(setup());
    r.host.schedule(CHID, true);
    r.submit(&release(SEM, 11));
    r.wait_done();
    assert_eq!(r.sem(0), 11);
}

/// An error the host queued for a channel GSP-RM then freed is never
/// reported; the report carries the channel's runlist.
#[test]
fn a_freed_channels_errors_go_with_it() {
    let host = Host::default();
    host.add(setup());
    host.add(ChannelSetup {
        chid: CHID + 1,
        ..setup()
    });
    let stop =
        |chid| pbdma::Stop::Pbdma("test".into()).into_error(&ChannelSetup { chid, ..setup() });
    host.report(stop(CHID));
    host.report(stop(CHID + 1));
    host.remove(CHID);
    let e = host.take_error().unwrap();
    assert_eq!((e.chid, e.runlist), (CHID + 1, RUNLIST));
    assert_eq!(host.take_error(), None);
}

/// Doorbells are a pending bit per (runlist, chid): ringing one a
/// million times before the host looks keeps one; malformed tokens are
/// counted, not queued.
#[test]
fn doorbells_are_bounded() {
    let host = Host::default();
    let token = h::doorbell_token(RUNLIST, CHID).unwrap();
    for i in 0..1_000_000u32 {
        host.doorbell(token);
        host.doorbell(0x8000_0000 | i);
    }
    let w = locked(&host.0.work);
    assert_eq!(w.pending.len(), 1);
    assert_eq!(w.malformed, 1_000_000);
    let mut logged = HashSet::new();
    for t in 0..1000 {
        host.dropped(&mut logged, t, "test", 1);
    }
    assert_eq!(logged.len(), LOGGED_TOKENS);
}

/// A second channel of the rig's VA space: its own USERD and ring, its
/// pushbuffer at [`PB2`] in the pushbuffer pages.
const CHID2: u32 = CHID + 1;
const USERD2: u64 = USERD + 0x3000;
const RING2_PAGE: u64 = USERD + 0x4000;
const RING2: u64 = RING + 0x1000;
const PB2: u64 = 3 * MIB;

fn setup2() -> ChannelSetup {
    ChannelSetup {
        object: 0xf2,
        chid: CHID2,
        userd: Phys::Sys(USERD2),
        gpfifo: RING2,
        ..setup()
    }
}

/// How long a table change may take before the test calls it a hang: a
/// turn takes milliseconds (the bound is no speed check).
const WATCHDOG: Duration = Duration::from_secs(30);

/// Runs `f`, what GSP-RM (or the device) does to the host, on a thread of
/// its own; if it does not finish within [`WATCHDOG`] the test fails
/// rather than hangs (the rig is leaked: dropping it would join a host
/// thread that may hold the lock).
fn step(r: Rig, what: &str, f: impl FnOnce() + Send + 'static) -> Rig {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    if rx.recv_timeout(WATCHDOG).is_err() {
        // Nothing here may take the table's lock: it may be the one held.
        std::mem::forget(r);
        panic!("{what} did not finish within {WATCHDOG:?}");
    }
    r
}

/// Waits until channel `chid` is parked on its acquire.
fn wait_parked(r: &Rig, chid: u32) {
    let start = Instant::now();
    while !r.host.describe(chid).contains("parked yes") {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{}",
            r.host.describe(chid)
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The drm-exec-errors sequence on the host, each change of the table on
/// a thread of its own as GSP-RM's and the device's threads make them,
/// while the host thread runs a copy that yields every turn and polls a
/// channel parked on an acquire that never succeeds: GSP-RM stops (its
/// objects empty the table), the function is reset (under the device's
/// lock), booter_load starts GSP-RM again (its waker set under that
/// lock) and the new GSP-RM's objects empty the table again; the two
/// channels are made again with their IDs (ALLOC, SCHEDULE, the copy
/// object) beside each other's turns; the parked one is freed and made
/// again (a job's timeout), the busy one freed mid-copy (its process
/// killed). None of it waits on the host for more than a turn, and a
/// channel made again afterwards runs.
#[test]
fn a_reset_under_load_and_the_channels_made_again_never_wait_on_the_host() {
    let mut r = Rig::new();
    let copy = copy::AMPERE_DMA_COPY_B;
    r.tables.map_sys(RING2, RING2_PAGE, 0x1000);
    // Channel 2's one job: an acquire of 1 at a word that stays 0.
    let never = SEM + 0x100;
    let mut v = inc(0, hm::SEM_ADDR_LO, &[never as u32, (never >> 32) as u32, 1]);
    v.extend(inc(
        0,
        hm::SEM_EXECUTE,
        &[sem::ACQUIRE | sem::ACQUIRE_SWITCH_TSG],
    ));
    let bytes: Vec<u8> = v.iter().flat_map(|w| w.to_le_bytes()).collect();
    r.mem.write(PB_PAGES + PB2, &bytes).unwrap();
    let e = h::gp_entry(PB + PB2, v.len() as u32, false).unwrap();
    r.mem.write(RING2_PAGE, &e.to_le_bytes()).unwrap();
    r.mem
        .write(USERD2 + h::USERD_GP_PUT, &1u32.to_le_bytes())
        .unwrap();
    let ring2 = h::doorbell_token(RUNLIST, CHID2).unwrap();
    r.host.add(setup2());
    r.host.object(CHID2, copy, true);
    r.host.schedule(CHID2, true);
    r.host.doorbell(ring2);
    r.submit(&huge_launch());
    wait_parked(&r, CHID2);

    let (host, hw) = (r.host.clone(), r.hw.clone());
    let r = step(r, "GSP-RM's stop, the reset and its restart", move || {
        host.clear();
        crate::dev::lock(&hw).reset_function();
        let h = crate::dev::lock(&hw);
        host.set_waker(|| {});
        drop(h);
        host.clear();
    });
    assert_eq!(r.host.describe(CHID), "unknown channel");

    // Made again: USERD still says GP_GET 0, GP_PUT 1, so the busy
    // channel takes up its copy again and the other parks again.
    let host = r.host.clone();
    let r = step(r, "the busy channel made again", move || {
        host.add(setup());
        host.schedule(CHID, true);
        host.object(CHID, copy, true);
    });
    r.host.doorbell(h::doorbell_token(RUNLIST, CHID).unwrap());
    std::thread::sleep(Duration::from_millis(20));
    let host = r.host.clone();
    let r = step(r, "the parked channel made again beside it", move || {
        host.add(setup2());
        host.schedule(CHID2, true);
        host.object(CHID2, copy, true);
    });
    r.host.doorbell(ring2);
    wait_parked(&r, CHID2);
    let host = r.host.clone();
    let r = step(r, "the parked channel freed and made again", move || {
        host.remove(CHID2);
        host.add(setup2());
        host.schedule(CHID2, true);
        host.object(CHID2, copy, true);
    });
    let host = r.host.clone();
    let mut r = step(r, "the busy channel freed", move || host.remove(CHID));

    // A channel made again with the busy one's ID runs a fence.
    r.put = 0;
    for at in [h::USERD_GP_GET, h::USERD_GP_PUT] {
        r.mem.write(USERD + at, &0u32.to_le_bytes()).unwrap();
    }
    r.host.add(setup());
    r.host.schedule(CHID, true);
    r.submit(&release(SEM, 3));
    r.wait_done();
    assert_eq!(r.sem(0), 3);
}

/// The core's hard handler (drivers/core/intr.rs) acknowledges the GSP's
/// vector, then the copy engines' non-stall vectors, then SWGEN0. GSP-RM
/// raising SWGEN0 between the first two, while the non-stall vector that
/// sent the MSI is still pending, sends no message (the tree is asserted);
/// the handler then clears the non-stall vector only and the tree stays
/// asserted: neither GSP-RM's next reply nor the next job's non-stall
/// interrupt sends the MSI, as on a chip, until the host rearms the top
/// level (nouveau's unarm on entry, rearm on exit).
#[test]
fn a_gsp_signal_beside_a_pending_nonstall_vector_waits_for_the_rearm() {
    use crate::dev::bar0::GSP_VECTOR;
    use nvgsp_proto::falcon::{GSP_BASE, IRQDEST, IRQMSET, IRQSCLR, IRQ_SWGEN0};
    use nvgsp_proto::intr::{leaf_of, LEAF, LEAF_EN_SET, TOP, TOP_EN_CLEAR, TOP_EN_SET};
    use std::io::Seek;
    let mut r = Rig::new();
    // MSI-X vector 0 wired to a file: each message is 8 bytes written.
    let msi = crate::guest_mem::backing_file(0);
    let (hw, regs) = (r.hw.clone(), GuestMemory::default());
    // A register write as the device makes it: one that sends the MSI does.
    let write = |reg: u32, v: u32| {
        let mut hw = crate::dev::lock(&hw);
        if let Effect::Interrupt(vector) = hw.bar0.write32(reg, v, &regs) {
            hw.interrupt(vector);
        }
    };
    let ack = |vector: u32| {
        let (leaf, bit) = leaf_of(vector);
        write(LEAF + 4 * leaf as u32, bit);
    };
    {
        let mut hw = crate::dev::lock(&hw);
        hw.msix.set(0, 1, vec![msi.try_clone().unwrap()]).unwrap();
        hw.msix_enabled = true;
    }
    // SWGEN0 routed to the host, the GSP's vector enabled, as the core does.
    write(GSP_BASE + IRQDEST, IRQ_SWGEN0);
    write(GSP_BASE + IRQMSET, IRQ_SWGEN0);
    let (leaf, bit) = leaf_of(GSP_VECTOR);
    write(LEAF_EN_SET + 4 * leaf as u32, bit);
    let msis = || (&msi).stream_position().unwrap() / 8;
    let top = || crate::dev::lock(&hw).bar0.read32(TOP);

    r.submit(&set_object());
    r.submit(&release(SEM, 1));
    r.wait_done();
    assert_eq!(msis(), 1, "the job's non-stall interrupt");
    ack(GSP_VECTOR);
    crate::dev::lock(&hw).raise_gsp_swgen0();
    assert_eq!(msis(), 1, "the tree was asserted: no message");
    ack(VECTOR);
    write(GSP_BASE + IRQSCLR, IRQ_SWGEN0);
    assert_ne!(top(), 0, "the GSP's leaf is still pending");
    // GSP-RM's next reply, the next job: silence.
    crate::dev::lock(&hw).raise_gsp_swgen0();
    r.submit(&release(SEM, 2));
    r.wait_done();
    assert_eq!(r.sem(0), 2);
    assert_eq!(msis(), 1);
    // The rearm sends it.
    write(TOP_EN_CLEAR, u32::MAX);
    write(TOP_EN_SET, u32::MAX);
    assert_eq!(msis(), 2);
}
