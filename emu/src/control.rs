//! The control port (`--control PATH`): a test's hand on the emulated GPU
//! while the guest runs, for what `--fault` cannot say in advance: errors
//! on a given client's object (whose handles the guest learns only at run
//! time) and GSP-RM crashes and hangs at a moment the test picks.
//!
//! It is a UNIX socket taking one command per line; `scripts/vm` connects
//! the guest's fourth serial port (`/dev/ttyS3`) to it, so a guest script
//! injects with `echo gsp-hang >/dev/ttyS3` (`tests/guest/emu-inject`).
//! The driver never uses it: it is the test bench's, like a lab's JTAG
//! probe. Injections are queued for GSP-RM, which acts on them once
//! initialized (they wait through a boot); a hung GSP-RM still crashes but
//! drops anything else. Refusals and acceptances go to the emulator's log;
//! injections get no answer.
//!
//! Queries are answered at once, on the same connection, with one line:
//! the query as received (its words joined by single spaces), `: `, the
//! answer (`tests/guest/emu-query` sends one and prints the line). The
//! queries:
//!
//! `translate CLIENT VASPACE VA` translates VA in VA space VASPACE (a
//! `FERMI_VASPACE_A` handle) of RM client CLIENT, once the driver named
//! its page tables (`NV90F1_CTRL_CMD_VASPACE_COPY_SERVER_RESERVED_PDES`),
//! as the GPU's MMU translates for an engine: through its TLB, so a
//! mapping changed without a TLB invalidate still answers the old way.
//! Numbers in the query are decimal or `0x` hex; in the answer, hex:
//!
//! - `sys|video ADDR page 4k|64k|2m rw|ro [priv] [vol] [noncoherent]
//!   [noatomic] [encrypted] kind K [comptag C] data D`: VA is at ADDR in system
//!   or video memory, in a page of that size with those PTE bits
//!   (`noncoherent`: system memory's non-coherent aperture), and D is
//!   what an aligned 8-byte read there gets (`unreadable` if nothing
//!   backs the address);
//! - `sparse page SPAN`: VA is in a sparse range (SPAN 4k to 128t, the
//!   span of the entry that says so): no fault, accesses reach a dummy
//!   page;
//! - `fault LEVEL REASON [entry E | at sys|video A]`: the MMU would fault
//!   at LEVEL (pd3, pd2, pd1, pd0, big-pt, pt) because of REASON
//!   (va-limit, no-entry, small-blocked, malformed, peer, unreachable),
//!   with the entry or the address it could not read;
//! - `unknown vaspace`: GSP-RM knows no such VA space with page tables;
//! - `error USAGE`: the query is malformed.
//!
//! `translate bar1 OFFSET` translates BAR1 offset OFFSET as the MMU would
//! for a CPU access through BAR1 (`dev::bar1`), in the VA space of the
//! instance block GSP-RM bound: from the TLB if it holds the page (so a
//! mapping changed without a TLB invalidate answers the old way once an
//! access cached it), else by a walk of the tables as the GPU sees them.
//! The answers are `translate`'s (`data D` being what an aligned 8-byte
//! BAR1 read there gets), plus `unbound` (BAR1 is not bound: GSP-RM is
//! not running), `fault pd3 va-limit` for an offset past the instance
//! block's limit, and in place of `data D`, `refused
//! wpr2|gsp-rm-reserved|shared` for a page in memory a BAR1 access may not
//! reach. A probe is no access: it counts nothing, flushes nothing and
//! leaves the TLB as it was (unlike `translate CLIENT VASPACE VA`, which
//! stands for an engine's access and fills the TLB as one would).
//!
//! `bar1` says how BAR1 stands: `size S pdb video|sys A faults F sparse
//! N defects D` (`unbound` in place of `pdb ...` while it is not bound):
//! its size and page directory base (in hex), then counts since the
//! emulator started (in decimal): BAR1 accesses refused (`faults`), BAR1
//! accesses that reached a sparse range (`sparse`), and driver defects
//! (`defects`: writes of the BAR1/BAR2 binding, PRAMIN accesses refused
//! or landing in GSP-RM's reserved memory, BAR1's PD3 beyond its first
//! entry included, BAR1 pages used through a stale TLB translation, and
//! PD3's first entry not given back when GSP-RM unloads). A test asserts
//! `faults 0` and `defects 0` after its run.
//!
//! `vram-sum OFFSET LEN` reads LEN bytes of VRAM at OFFSET as the GPU
//! sees them (without the host's unflushed PRAMIN writes) and answers
//! `fnv1a H` (their 64-bit FNV-1a hash, in hex), or `error ...` for a
//! range past VRAM's end or longer than 1 GiB: a test compares it with the
//! hash of what it wrote, without reading it all back through BAR1 (slow:
//! every read is a round trip to the emulator).
//!
//! `vram-fill OFFSET LEN BYTE` writes BYTE over LEN bytes of VRAM at
//! OFFSET, as the GPU's own writes land, and answers `filled`, or `error
//! ...` as `vram-sum` does: what memory holds before the driver hands it
//! out (a chip's DRAM keeps its last user's data, and holds garbage after
//! power-on, where the model's VRAM starts zeroed), so a test can show
//! that the driver clears memory it gives a new user.
//!
//! `channel CHID` says how the host stands with channel CHID (once GSP-RM
//! allocated it): `runlist R engine E scheduled yes|no gp_get G gp_put P
//! error none|xid X [addr A] parked no|yes at A`: its runlist (decimal),
//! `NV2080_ENGINE_TYPE` (hex), whether GSP-RM scheduled it, GP_GET (the
//! next GPFIFO entry the host fetches) and the GP_PUT it last read from
//! USERD (decimal entry indices), the Xid that stopped it (decimal, with
//! the faulting VA in hex for an MMU fault) and the semaphore address a
//! parked acquire waits on; or `unknown channel`.
//!
//! A reply that cannot be written within [`REPLY_TIMEOUT`] (a guest that
//! stopped reading its serial port) is dropped, and so are the later ones
//! on that connection: the port never holds the emulator up. A guest tty
//! with echo on would send a reply back; a line that looks like one (a
//! query word, then a `:`) is ignored, else the two would feed each
//! other.

use log::{info, warn};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One thing the test asks GSP-RM to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Injection {
    /// `rc-error XID CLIENT OBJECT`: a robust-channel error with Xid `xid`
    /// on the channel of RM object `object` (a channel object) of RM
    /// client `client`, reported with RC_TRIGGERED and OS_ERROR_LOG.
    RcError {
        /// The Xid (`ROBUST_CHANNEL_*`, nverror.h).
        xid: u32,
        /// The RM client.
        client: u32,
        /// The channel object.
        object: u32,
    },
    /// `os-error XID TEXT`: an error report on no channel (OS_ERROR_LOG
    /// with `INVALID_CHID`), as GSP-RM posts GPU-wide Xids.
    OsError {
        /// The Xid.
        xid: u32,
        /// The report's text (at most 255 bytes are sent).
        text: Vec<u8>,
    },
    /// `gsp-crash`: GSP-RM crashes now.
    Crash,
    /// `gsp-hang`: GSP-RM stops answering now.
    Hang,
    /// `pmu-print TEXT`: GSP-RM forwards a PMU log buffer holding TEXT
    /// (UCODE_LIBOS_PRINT).
    PmuPrint(Vec<u8>),
    /// `mmu-fault-queued`: GSP-RM says it queued faults in the shadow
    /// fault buffer (MMU_FAULT_QUEUED).
    FaultQueued,
}

/// Commands, for the usage text and refusals.
pub const COMMANDS: &str =
    "rc-error XID CLIENT OBJECT, os-error XID TEXT, gsp-crash, gsp-hang, pmu-print TEXT, mmu-fault-queued, translate CLIENT VASPACE VA, translate bar1 OFFSET, bar1, vram-sum OFFSET LEN, vram-fill OFFSET LEN BYTE, channel CHID";

/// The longest command line taken; longer ones are refused.
const MAX_LINE: usize = 4096;

/// How long a reply may take to write before it is dropped.
pub const REPLY_TIMEOUT: Duration = Duration::from_millis(200);

fn number64(s: Option<&str>) -> Option<u64> {
    let s = s?;
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn number(s: Option<&str>) -> Option<u32> {
    number64(s)?.try_into().ok()
}

/// A question the control port answers on the same connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Query {
    /// `translate CLIENT VASPACE VA`.
    Translate {
        /// The RM client.
        client: u32,
        /// Its `FERMI_VASPACE_A` object.
        vaspace: u32,
        /// The GPU VA.
        va: u64,
    },
    /// `translate bar1 OFFSET`.
    TranslateBar1 {
        /// The offset into BAR1.
        offset: u64,
    },
    /// `bar1`.
    Bar1,
    /// `channel CHID`.
    Channel {
        /// The channel ID.
        chid: u32,
    },
    /// `vram-sum OFFSET LEN`.
    VramSum {
        /// The first byte, a VRAM offset.
        offset: u64,
        /// How many bytes.
        len: u64,
    },
    /// `vram-fill OFFSET LEN BYTE`.
    VramFill {
        /// The first byte, a VRAM offset.
        offset: u64,
        /// How many bytes.
        len: u64,
        /// The value written to each.
        byte: u8,
    },
}

/// What `translate` takes, for the answer to a malformed one.
const TRANSLATE_USAGE: &str = "translate CLIENT VASPACE VA | translate bar1 OFFSET";
/// What `bar1` takes.
const BAR1_USAGE: &str = "bar1";
/// What `vram-sum` takes.
const VRAM_SUM_USAGE: &str = "vram-sum OFFSET LEN";
/// What `vram-fill` takes.
const VRAM_FILL_USAGE: &str = "vram-fill OFFSET LEN BYTE";
/// What `channel` takes.
const CHANNEL_USAGE: &str = "channel CHID";
/// The most bytes `vram-sum` reads.
pub const VRAM_SUM_MAX: u64 = 1 << 30;

impl Query {
    /// Parses `line` if it is a query (its first word names one, a `:`
    /// after it allowed so that an echoed reply is recognized): the query,
    /// or how it should read. `None` for anything else.
    pub fn parse(line: &str) -> Option<Result<Query, &'static str>> {
        let mut words = line.split_whitespace();
        let (q, usage) = match words.next()?.trim_end_matches(':') {
            "translate" => {
                let q = match words.next() {
                    Some("bar1") => {
                        number64(words.next()).map(|offset| Query::TranslateBar1 { offset })
                    }
                    first => (|| {
                        Some(Query::Translate {
                            client: number(first)?,
                            vaspace: number(words.next())?,
                            va: number64(words.next())?,
                        })
                    })(),
                };
                (q, TRANSLATE_USAGE)
            }
            "bar1" => (Some(Query::Bar1), BAR1_USAGE),
            "channel" => (
                number(words.next()).map(|chid| Query::Channel { chid }),
                CHANNEL_USAGE,
            ),
            "vram-sum" => {
                let q = (|| {
                    Some(Query::VramSum {
                        offset: number64(words.next())?,
                        len: number64(words.next())?,
                    })
                })();
                (q, VRAM_SUM_USAGE)
            }
            "vram-fill" => {
                let q = (|| {
                    Some(Query::VramFill {
                        offset: number64(words.next())?,
                        len: number64(words.next())?,
                        byte: number64(words.next())?.try_into().ok()?,
                    })
                })();
                (q, VRAM_FILL_USAGE)
            }
            _ => return None,
        };
        let q = q.filter(|_| words.next().is_none());
        Some(q.ok_or(usage))
    }
}

/// Answers the control port's queries: the device's MMU in the emulator
/// (`dev::mmu::Probe`), a stand-in in tests. Each answer is without the
/// echoed query (see the module's documentation).
pub trait Queries: Send + Sync {
    /// The answer to `translate CLIENT VASPACE VA`.
    fn translate(&self, client: u32, vaspace: u32, va: u64) -> String;
    /// The answer to `translate bar1 OFFSET`.
    fn translate_bar1(&self, offset: u64) -> String;
    /// The answer to `bar1`.
    fn bar1(&self) -> String;
    /// The answer to `vram-sum OFFSET LEN`.
    fn vram_sum(&self, offset: u64, len: u64) -> String;
    /// The answer to `vram-fill OFFSET LEN BYTE` (it writes VRAM).
    fn vram_fill(&self, offset: u64, len: u64, byte: u8) -> String;
    /// The answer to `channel CHID`.
    fn channel(&self, chid: u32) -> String;
}

/// The 64-bit FNV-1a hash of `data`, continuing from `h` (start with
/// [`FNV_START`]).
pub fn fnv1a(h: u64, data: &[u8]) -> u64 {
    data.iter().fold(h, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// FNV-1a's offset basis.
pub const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// The reply line to `line`, a query (or a malformed one) `q`.
fn reply(line: &str, q: Result<Query, &str>, queries: &dyn Queries) -> String {
    let answer = match q {
        Ok(Query::Translate {
            client,
            vaspace,
            va,
        }) => queries.translate(client, vaspace, va),
        Ok(Query::TranslateBar1 { offset }) => queries.translate_bar1(offset),
        Ok(Query::Bar1) => queries.bar1(),
        Ok(Query::VramSum { offset, len }) => queries.vram_sum(offset, len),
        Ok(Query::VramFill { offset, len, byte }) => queries.vram_fill(offset, len, byte),
        Ok(Query::Channel { chid }) => queries.channel(chid),
        Err(usage) => format!("error want {usage}"),
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    format!("{}: {answer}\n", words.join(" "))
}

impl Injection {
    /// Parses one command line (numbers decimal or `0x` hex).
    pub fn parse(line: &str) -> Option<Injection> {
        let line = line.trim();
        let (cmd, rest) = line.split_once(' ').unwrap_or((line, ""));
        let mut words = rest.split_whitespace();
        let injection = match cmd {
            "rc-error" => Injection::RcError {
                xid: number(words.next())?,
                client: number(words.next())?,
                object: number(words.next())?,
            },
            "os-error" => {
                let (xid, text) = rest.split_once(' ')?;
                return Some(Injection::OsError {
                    xid: number(Some(xid))?,
                    text: text.as_bytes().to_vec(),
                });
            }
            "gsp-crash" => Injection::Crash,
            "gsp-hang" => Injection::Hang,
            "pmu-print" if !rest.is_empty() => {
                return Some(Injection::PmuPrint(rest.as_bytes().to_vec()))
            }
            "mmu-fault-queued" => Injection::FaultQueued,
            _ => return None,
        };
        words.next().is_none().then_some(injection)
    }
}

/// Injections waiting for GSP-RM; shared by the control port and every
/// GSP-RM instance of the device.
#[derive(Clone, Debug, Default)]
pub struct Injections(Arc<Mutex<VecDeque<Injection>>>);

impl PartialEq for Injections {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Injections {}

impl Injections {
    /// Queues `i`.
    pub fn push(&self, i: Injection) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(i);
    }

    /// Takes the oldest waiting injection.
    pub fn take(&self) -> Option<Injection> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).pop_front()
    }
}

/// Listens on `path`, queues each well-formed injection into
/// `injections` and answers each query from `queries`, serving one
/// connection at a time (QEMU's serial port makes one) on a thread that
/// lives as long as the emulator.
pub fn listen(
    path: &Path,
    injections: Injections,
    queries: Arc<dyn Queries>,
) -> std::io::Result<()> {
    let listener = UnixListener::bind(path)?;
    std::thread::Builder::new()
        .name("control".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &injections, queries.as_ref());
            }
        })?;
    Ok(())
}

fn serve(stream: UnixStream, injections: &Injections, queries: &dyn Queries) {
    // The timeout is the socket's, for sends only: reads still wait.
    let writer = stream
        .try_clone()
        .and_then(|w| w.set_write_timeout(Some(REPLY_TIMEOUT)).map(|()| w));
    let mut writer = match writer {
        Ok(w) => Some(w),
        Err(e) => {
            warn!("control: cannot answer queries on this connection: {e}");
            None
        }
    };
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        line.clear();
        // At most one byte past the limit: enough to tell it was passed.
        match (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
        {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.len() > MAX_LINE {
            warn!("control: refused a line longer than {MAX_LINE} bytes; closing");
            return;
        }
        // Serial lines may end in CR LF; blank lines are noise of the tty.
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if let Some(q) = Query::parse(text) {
            if text.contains(':') {
                warn!(
                    "control: ignored '{text}': a reply sent back (the guest's tty must not echo)"
                );
                continue;
            }
            let line = reply(text, q, queries);
            info!("control: {}", line.trim_end());
            if let Some(w) = &mut writer {
                if let Err(e) = w.write_all(line.as_bytes()) {
                    warn!(
                        "control: reply to '{text}' dropped: {e}; the reader is taken as gone, later replies on this connection are dropped too"
                    );
                    writer = None;
                }
            }
            continue;
        }
        match Injection::parse(text) {
            Some(i) => {
                info!("control: queued {text}");
                injections.push(i);
            }
            None => warn!("control: refused '{text}': want one of {COMMANDS}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        assert_eq!(
            Injection::parse("rc-error 13 0xc1d00001 0xcafe0002\r"),
            Some(Injection::RcError {
                xid: 13,
                client: 0xc1d0_0001,
                object: 0xcafe_0002
            })
        );
        assert_eq!(Injection::parse("gsp-hang"), Some(Injection::Hang));
        assert_eq!(
            Injection::parse("os-error 79 fallen off the bus"),
            Some(Injection::OsError {
                xid: 79,
                text: b"fallen off the bus".to_vec()
            })
        );
        assert_eq!(Injection::parse("os-error 79"), None);
        assert_eq!(Injection::parse("gsp-crash"), Some(Injection::Crash));
        assert_eq!(
            Injection::parse("pmu-print hello  world"),
            Some(Injection::PmuPrint(b"hello  world".to_vec()))
        );
        assert_eq!(
            Injection::parse("mmu-fault-queued"),
            Some(Injection::FaultQueued)
        );
        assert_eq!(Injection::parse("rc-error 13 1"), None);
        assert_eq!(Injection::parse("rc-error 13 1 2 3"), None);
        assert_eq!(Injection::parse("rc-error x 1 2"), None);
        assert_eq!(Injection::parse("pmu-print"), None);
        assert_eq!(Injection::parse("gsp-hang now"), None);
        assert_eq!(Injection::parse("reboot"), None);
    }

    #[test]
    fn socket_queues_good_lines_only() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("nvgsp-control-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("control.sock");
        let _ = std::fs::remove_file(&path);
        let injections = Injections::default();
        listen(&path, injections.clone(), Arc::new(Fixed)).unwrap();
        let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
        s.write_all(b"gsp-hang\r\n\nreboot now\nrc-error 43 0x1 0x2\n")
            .unwrap();
        drop(s);
        // A line past the limit closes the connection; the next one works.
        let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
        let _ = s.write_all(&[b'x'; MAX_LINE + 10]);
        drop(s);
        let mut s = std::os::unix::net::UnixStream::connect(&path).unwrap();
        s.write_all(b"gsp-crash\n").unwrap();
        drop(s);
        let mut got = Vec::new();
        for _ in 0..200 {
            got.extend(std::iter::from_fn(|| injections.take()));
            if got.len() == 3 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(
            got,
            [
                Injection::Hang,
                Injection::RcError {
                    xid: 43,
                    client: 1,
                    object: 2
                },
                Injection::Crash
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Answers every translate with its arguments.
    struct Fixed;

    impl Queries for Fixed {
        fn translate(&self, client: u32, vaspace: u32, va: u64) -> String {
            format!("client {client:#x} vaspace {vaspace:#x} va {va:#x}")
        }

        fn translate_bar1(&self, offset: u64) -> String {
            format!("bar1 offset {offset:#x}")
        }

        fn vram_sum(&self, offset: u64, len: u64) -> String {
            format!("sum {offset} {len}")
        }

        fn vram_fill(&self, offset: u64, len: u64, byte: u8) -> String {
            format!("fill {offset} {len} {byte}")
        }

        fn bar1(&self) -> String {
            "size 0x10000000 unbound faults 0 sparse 0 defects 0".into()
        }

        fn channel(&self, chid: u32) -> String {
            format!("chid {chid}")
        }
    }

    #[test]
    fn parses_queries() {
        let q = |client, vaspace, va| {
            Some(Ok(Query::Translate {
                client,
                vaspace,
                va,
            }))
        };
        assert_eq!(
            Query::parse("translate 0xc1d00001 0xcaf00002 0x200000000\r"),
            q(0xc1d0_0001, 0xcaf0_0002, 0x2_0000_0000)
        );
        assert_eq!(Query::parse("  translate 1   2 4096 "), q(1, 2, 4096));
        assert_eq!(
            Query::parse("translate 1 2 0xffffffffffffffff"),
            q(1, 2, u64::MAX)
        );
        for bad in [
            "translate",
            "translate 1 2",
            "translate 1 2 3 4",
            "translate 0x100000000 2 3",
            "translate 1 2 0x10000000000000000",
            "translate 1 2 x",
            "translate 1 2 -3",
        ] {
            assert_eq!(Query::parse(bad), Some(Err(TRANSLATE_USAGE)), "{bad}");
        }
        // The BAR1 forms.
        assert_eq!(
            Query::parse("translate bar1 0x10000"),
            Some(Ok(Query::TranslateBar1 { offset: 0x10000 }))
        );
        assert_eq!(Query::parse(" bar1 \r"), Some(Ok(Query::Bar1)));
        assert_eq!(
            Query::parse("vram-sum 0x200000 4096"),
            Some(Ok(Query::VramSum {
                offset: 0x200000,
                len: 4096
            }))
        );
        assert_eq!(
            Query::parse("vram-fill 0x200000 4096 0xa5"),
            Some(Ok(Query::VramFill {
                offset: 0x20_0000,
                len: 4096,
                byte: 0xa5
            }))
        );
        for bad in ["vram-fill 1 2", "vram-fill 1 2 256", "vram-fill 1 2 3 4"] {
            assert_eq!(Query::parse(bad), Some(Err(VRAM_FILL_USAGE)));
        }
        for bad in ["vram-sum", "vram-sum 1", "vram-sum 1 2 3", "vram-sum x 2"] {
            assert_eq!(Query::parse(bad), Some(Err(VRAM_SUM_USAGE)), "{bad}");
        }
        // FNV-1a of "a" (the published test vector).
        assert_eq!(fnv1a(FNV_START, b"a"), 0xaf63_dc4c_8601_ec8c);
        for bad in ["translate bar1", "translate bar1 x", "translate bar1 1 2"] {
            assert_eq!(Query::parse(bad), Some(Err(TRANSLATE_USAGE)), "{bad}");
        }
        assert_eq!(Query::parse("bar1 now"), Some(Err(BAR1_USAGE)));
        assert_eq!(
            Query::parse("channel 0x5"),
            Some(Ok(Query::Channel { chid: 5 }))
        );
        for bad in ["channel", "channel x", "channel 1 2"] {
            assert_eq!(Query::parse(bad), Some(Err(CHANNEL_USAGE)), "{bad}");
        }
        // An echoed reply is still recognized as one.
        assert_eq!(Query::parse("bar1: size 0x10000000"), Some(Err(BAR1_USAGE)));
        // Not queries: injections and the rest.
        assert_eq!(Query::parse("gsp-hang"), None);
        assert_eq!(Query::parse("bar10"), None);
        assert_eq!(Query::parse("translated 1 2 3"), None);
        assert_eq!(Query::parse(""), None);
        assert_eq!(Injection::parse("translate 1 2 3"), None);
    }

    #[test]
    fn replies_echo_the_query() {
        let parse = |l| Query::parse(l).unwrap();
        let l = "translate  0xc1d00001 0xcaf00002\t0x200000000 ";
        assert_eq!(
            reply(l, parse(l), &Fixed),
            "translate 0xc1d00001 0xcaf00002 0x200000000: client 0xc1d00001 vaspace 0xcaf00002 va 0x200000000\n"
        );
        assert_eq!(
            reply("translate 1 2", parse("translate 1 2"), &Fixed),
            "translate 1 2: error want translate CLIENT VASPACE VA | translate bar1 OFFSET\n"
        );
        assert_eq!(
            reply("translate bar1  4096", parse("translate bar1 4096"), &Fixed),
            "translate bar1 4096: bar1 offset 0x1000\n"
        );
        assert_eq!(
            reply("bar1", parse("bar1"), &Fixed),
            "bar1: size 0x10000000 unbound faults 0 sparse 0 defects 0\n"
        );
    }

    /// A query's reply comes back on the same connection, one line each,
    /// between injections; an echoed reply is not answered.
    #[test]
    fn socket_answers_queries_on_the_same_connection() {
        use std::io::Write;
        let dir = std::env::temp_dir().join(format!("nvgsp-control-q-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("control.sock");
        let _ = std::fs::remove_file(&path);
        let injections = Injections::default();
        listen(&path, injections.clone(), Arc::new(Fixed)).unwrap();
        let mut s = UnixStream::connect(&path).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(
            b"translate 1 2 0x3000\r\ngsp-hang\ntranslate 1 2: client 0x1 vaspace 0x2 va 0x3000\ntranslate 7\n",
        )
        .unwrap();
        // The end of input: the emulator answers what it read, then ends
        // the connection.
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut r = BufReader::new(s);
        let mut line = String::new();
        r.read_line(&mut line).unwrap();
        assert_eq!(
            line,
            "translate 1 2 0x3000: client 0x1 vaspace 0x2 va 0x3000\n"
        );
        line.clear();
        r.read_line(&mut line).unwrap();
        assert_eq!(
            line,
            "translate 7: error want translate CLIENT VASPACE VA | translate bar1 OFFSET\n"
        );
        // Nothing more: the echoed reply got no answer.
        line.clear();
        assert_eq!(r.read_line(&mut line).unwrap(), 0, "{line}");
        drop(r);
        assert_eq!(injections.take(), Some(Injection::Hang));
        assert_eq!(injections.take(), None);
        // A client that never reads does not hold the port up: its
        // replies are dropped once the socket is full.
        let mut s = UnixStream::connect(&path).unwrap();
        let many = "translate 1 2 3\n".repeat(20_000);
        let writer = std::thread::spawn(move || {
            let _ = s.write_all(many.as_bytes());
            s.write_all(b"gsp-crash\n").unwrap();
            s
        });
        let s = writer.join().unwrap();
        let mut got = None;
        for _ in 0..1000 {
            got = injections.take();
            if got.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(got, Some(Injection::Crash));
        drop(s);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn queues_in_order_across_clones() {
        let a = Injections::default();
        let b = a.clone();
        a.push(Injection::Hang);
        a.push(Injection::Crash);
        assert_eq!(b.take(), Some(Injection::Hang));
        assert_eq!(b.take(), Some(Injection::Crash));
        assert_eq!(b.take(), None);
    }
}
