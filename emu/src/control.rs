//! The control port (`--control PATH`): a test's hand on the emulated GPU
//! while the guest runs, for what `--fault` cannot say in advance: errors
//! on a given client's object (whose handles the guest learns only at run
//! time) and GSP-RM crashes and hangs at a moment the test picks.
//!
//! It is a UNIX socket taking one command per line; `scripts/vm` connects
//! the guest's fourth serial port (`/dev/ttyS3`) to it, so a guest script
//! injects with `echo gsp-hang >/dev/ttyS3`. The driver never uses it: it
//! is the test bench's, like a lab's JTAG probe. Commands are queued for
//! GSP-RM, which acts on them once initialized (they wait through a boot);
//! a hung GSP-RM still crashes but drops anything else. Refusals and
//! acceptances go to the emulator's log.

use log::{info, warn};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

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
    "rc-error XID CLIENT OBJECT, os-error XID TEXT, gsp-crash, gsp-hang, pmu-print TEXT, mmu-fault-queued";

/// The longest command line taken; longer ones are refused.
const MAX_LINE: usize = 4096;

fn number(s: Option<&str>) -> Option<u32> {
    let s = s?;
    match s.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
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

/// Listens on `path` and queues each well-formed command into
/// `injections`, serving one connection at a time (QEMU's serial port
/// makes one) on a thread that lives as long as the emulator.
pub fn listen(path: &Path, injections: Injections) -> std::io::Result<()> {
    let listener = UnixListener::bind(path)?;
    std::thread::Builder::new()
        .name("control".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                serve(stream, &injections);
            }
        })?;
    Ok(())
}

fn serve(stream: std::os::unix::net::UnixStream, injections: &Injections) {
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
        listen(&path, injections.clone()).unwrap();
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
