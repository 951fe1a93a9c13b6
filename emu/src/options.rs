//! Command-line options of `nvgsp-emu`.

use crate::board::Board;
use std::path::PathBuf;

/// What `nvgsp-emu` was asked to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// Serve the device on a socket.
    Serve(Box<Options>),
    /// Print the usage text and exit successfully.
    Help,
}

/// Settings of one emulated GPU.
#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    /// Path of the vfio-user UNIX socket to listen on.
    pub socket: PathBuf,
    /// VRAM size in bytes.
    pub vram: u64,
    /// BAR1 size in bytes (`--bar1`), independent of VRAM's.
    pub bar1: u64,
    /// Log every register access (`-v`).
    pub verbose: bool,
    /// Fault injection: exit abruptly this many milliseconds after start.
    pub die_after_ms: Option<u64>,
    /// Report this `NV_PMC_BOOT_42` (and the matching `NV_PMC_BOOT_0`)
    /// instead of a GA102's: another, or an unsupported, chip.
    pub boot42: Option<u32>,
    /// Directory holding `nvidia/<chip>/gsp/*-570.144.bin`, the files the
    /// boot chain checks the driver's images against.
    pub firmware: Option<PathBuf>,
    /// Engines GSP-RM reports (`NV2080_ENGINE_TYPE_*`), if not the default.
    pub engines: Option<Vec<u32>>,
    /// GPC count GSP-RM reports, if not the default.
    pub gpcs: Option<u32>,
    /// TPCs per GPC GSP-RM reports, if not the default.
    pub tpcs_per_gpc: Option<u32>,
    /// Channel IDs GSP-RM reports, if not the default.
    pub channels: Option<u32>,
    /// `--event-burst INDEX:COUNT`.
    pub event_burst: Option<crate::gsp_rm::bursts::BurstConfig>,
    /// Faults GSP-RM commits (`--fault`).
    pub faults: Vec<crate::gsp_rm::faults::Fault>,
    /// The control port's socket (`--control`), if any.
    pub control: Option<PathBuf>,
    /// Record each RPC's steps and log their medians at exit
    /// (`--trace-rpc`, `trace.rs`).
    pub trace_rpc: bool,
    /// How long GFW boot (devinit) runs after power-on and every reset.
    pub gfw_boot_ms: u64,
    /// The vector the GSP's interrupt signals in the CPU interrupt tree,
    /// if not the default (`--gsp-intr-vector`).
    pub gsp_intr_vector: Option<u32>,
    /// Where the VMM plugged the function, bus << 8 | device << 3 |
    /// function (`--pci-address BB:DD.F`), which GSP-RM checks
    /// GSP_SET_SYSTEM_INFO's `nvDomainBusDeviceFunc` against.
    pub pci_address: Option<u16>,
    /// The board (`--board`).
    pub board: Board,
    /// How many of the board's virtual functions to serve (`--vfs`), each
    /// on `vf<i>.sock` beside `socket`.
    pub vfs: u16,
    /// Each VF's BAR1 size, if not the board's (`--vf-bar1`).
    pub vf_bar1: Option<u64>,
}

/// The default of `--gfw-boot-ms`: long enough that a driver which does
/// not wait for GFW boot after a reset (its firmware already loaded)
/// starts a ucode too early.
pub const GFW_BOOT_MS: u64 = 1000;

/// Why the command line was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OptionsError {
    /// An option this program does not know.
    #[error("unknown option '{0}'")]
    Unknown(String),
    /// An option given without its value.
    #[error("option '{0}' needs a value")]
    MissingValue(&'static str),
    /// `--socket` was not given.
    #[error("--socket PATH is required")]
    NoSocket,
    /// A number option with a value that is not a number.
    #[error("bad {0} '{1}': want a number")]
    BadNumber(&'static str, String),
    /// `--pci-address` is not a bus address.
    #[error("bad --pci-address '{0}': want BB:DD.F in hex, e.g. 01:00.0")]
    BadPciAddress(String),
    /// `--engines` names an engine the model does not know.
    #[error("bad --engines '{0}': want a comma-separated list of gr, ce0-ce3, nvdec0-1, nvenc0-1, nvjpg0, ofa0, sec2, sw")]
    BadEngines(String),
    /// `--fault` names a fault the model does not know.
    #[error("bad --fault '{0}': want KIND[:COUNT], KIND one of bad-checksum, bad-length, unknown-function, duplicate-sequence, wrong-sequence, oversized-count, no-reply, late-reply, fwsec-frts, booter-load, no-riscv-start, no-init-done, bad-sequencer, resume-fail, static-info-error, gsp-crash, gsp-hang, gsp-crash-boot, gsp-crash-idle; KIND@BOOT holds it back until that boot")]
    BadFault(String),
    /// `--vram` is not a power of two between 64 MiB and 64 GiB.
    #[error("bad --vram '{0}': want a power of two from 64M to 64G, e.g. 256M or 1G")]
    BadVram(String),
    /// `--bar1` is not a power of two between 16 MiB and 64 GiB.
    #[error("bad --bar1 '{0}': want a power of two from 16M to 64G, e.g. 256M or 32G")]
    BadBar1(String),
    /// `--board` names a board the model does not know.
    #[error("bad --board '{0}': want rtx3090 (the default) or a10")]
    BadBoard(String),
    /// An SR-IOV option for a board without SR-IOV.
    #[error(
        "{option} needs a board with SR-IOV virtual functions (--board a10); {board} has none"
    )]
    NoSriov {
        /// The option.
        option: &'static str,
        /// The board.
        board: Board,
    },
    /// `--vfs` asks for more VFs than the board's SR-IOV capability has.
    #[error("--vfs {asked}: the {board} has {total} virtual functions (TotalVFs)")]
    TooManyVfs {
        /// The count asked for.
        asked: u32,
        /// The board.
        board: Board,
        /// Its `TotalVFs`.
        total: u16,
    },
    /// `--vf-bar1` is not a power of two between 16 MiB and 64 GiB.
    #[error("bad --vf-bar1 '{0}': want a power of two from 16M to 64G, e.g. 64M or 1G")]
    BadVfBar1(String),
}

/// The usage text printed by `--help` and on a bad command line.
pub const USAGE: &str = "\
usage: nvgsp-emu --socket PATH [--firmware DIR] [--vram SIZE] [--bar1 SIZE]
                 [-v] [OPTION]...

Serves an emulated GA102-class NVIDIA GPU over vfio-user; QEMU attaches it
with -device vfio-user-pci,socket=PATH. Exits when QEMU disconnects.

  --socket PATH   UNIX socket to listen on (must not exist yet)
  --firmware DIR  firmware root with nvidia/ga102/gsp/*-570.144.bin (the
                  guest's /lib/firmware); without it GSP cannot boot
  --engines LIST  engines GSP-RM reports, e.g. gr,ce0,ce1,nvdec0,nvenc0,sec2,sw
  --gpcs N        GPCs GSP-RM reports (default 7)
  --tpcs-per-gpc N  TPCs per GPC GSP-RM reports (default 6)
  --channels N      channel IDs per runlist GSP-RM reports (2..4096,
                    default 2048)
  --event-burst INDEX:COUNT
                    when a client enables repeated notification of
                    notifier INDEX, post COUNT POST_EVENTs for it, numbered
  --vram SIZE     VRAM size, a power of two: 64M..64G (default 256M)
  --bar1 SIZE     BAR1 size, a power of two: 16M..64G (default 256M, an
                  RTX 3090's without Resizable BAR), independent of VRAM:
                  BAR1 is a window the GPU's MMU translates (through page
                  tables GSP-RM roots and the driver fills; every access
                  is trapped), reported by GSP-RM as FB_INFO BAR1_SIZE
  --gfw-boot-ms N   how long GFW boot (devinit) runs after power-on and after
                    each reset, up to 60000 (default 1000)
  --gsp-intr-vector N
                    the CPU interrupt tree vector of the GSP's interrupt,
                    which GSP-RM reports in its kernel interrupt table
                    (0..255, default 155)
  --pci-address BB:DD.F
                    the bus, device and function the VMM plugged the GPU
                    at (hex, domain 0), which GSP_SET_SYSTEM_INFO must name
  --board NAME    the board: rtx3090 (GeForce RTX 3090, 10de:2204, the
                  default) or a10 (NVIDIA A10, 10de:2236, with an SR-IOV
                  capability of 32 virtual functions)
  --vfs N         also serve the first N virtual functions (a10 only, N up
                  to its 32), each a vfio-user device on vf0.sock .. vf<N-1>.sock
                  in --socket's directory, for QEMU's -device
                  vfio-user-pci,socket=DIR/vf<i>.sock,sriov-pf=...; they
                  are served until the PF's client leaves, connected in
                  any order or not at all; the PF's SR-IOV capability
                  then says TotalVFs = InitialVFs = N, as QEMU's
                  emulation of it does
  --vf-bar1 SIZE  each VF's BAR1 size, a power of two: 16M..64G (default
                  64M, GA102's; a10 only)
  -v, --verbose   log every register access
  -h, --help      print this text

Fault injection (for tests):
  --die-after-ms N  exit abruptly with status 1, N ms after start
  --fault KIND[@BOOT][:COUNT]  GSP-RM misbehaves COUNT times (default 1),
                    from its BOOTth boot on (default 1): a reply
                    to an NV2080_CTRL_CMD_NULL control with bad-checksum,
                    bad-length, unknown-function, duplicate-sequence,
                    wrong-sequence, oversized-count, no-reply or late-reply;
                    or at boot: fwsec-frts, booter-load, no-riscv-start,
                    no-init-done, bad-sequencer, resume-fail,
                    static-info-error; or at run time: gsp-crash or gsp-hang
                    (instead of the reply to a NULL control), gsp-crash-boot
                    (during GSP-RM's init), gsp-crash-idle (after five seconds
                    without commands)
  --boot42 VALUE    identify as the chip whose NV_PMC_BOOT_42 is VALUE (hex)
  --control PATH    listen on UNIX socket PATH for injections at run time,
                    one per line: rc-error XID CLIENT OBJECT (a robust-channel
                    error on the channel of that client's channel object),
                    os-error XID TEXT (an error report on no channel),
                    gsp-crash, gsp-hang, pmu-print TEXT (a PMU log buffer),
                    mmu-fault-queued (the notice; no shadow buffer is
                    modelled); GSP-RM acts on them once initialized, a hung
                    one only on gsp-crash. And for queries, each answered at
                    once with one line on the same connection, the query
                    then ': ' then the answer (numbers in hex):
                    translate CLIENT VASPACE VA translates VA in that
                    client's FERMI_VASPACE_A object as the GPU's MMU does,
                    through its TLB: 'sys|video ADDR page 4k|64k|2m rw|ro
                    [priv] [vol] [noncoherent] [noatomic] [encrypted] kind K
                    [comptag C] data D' (D: an aligned 8-byte read there),
                    'sparse page SPAN', 'fault LEVEL REASON
                    [entry E | at sys|video A]', 'unknown vaspace' or
                    'error USAGE';
                    translate bar1 OFFSET translates a BAR1 offset the same
                    way, in the VA space GSP-RM bound to BAR1 (also
                    'unbound', 'fault pd3 va-limit', and 'refused ZONE' in
                    place of 'data D' for a page in WPR2 or GSP-RM's
                    memory); bar1 answers 'size S pdb video A|unbound
                    faults F sparse N defects D' (counts in decimal: BAR1
                    accesses refused, BAR1 accesses to sparse ranges,
                    driver defects such as binding writes and PRAMIN
                    writes into GSP-RM's memory);
                    vram-sum OFFSET LEN answers 'fnv1a H', the FNV-1a hash
                    of LEN bytes of VRAM at OFFSET as the GPU sees them;
                    vram-fill OFFSET LEN BYTE writes BYTE over LEN bytes of
                    VRAM at OFFSET (what memory holds before the driver
                    hands it out) and answers 'filled';
                    channel CHID answers 'runlist R engine E scheduled
                    yes|no gp_get G gp_put P error none|xid X [addr A]
                    parked no|yes at A' (R, G, P and X in decimal): the
                    host's view of that channel (GP_GET as written back,
                    the GP_PUT it last read, the Xid that stopped it, the
                    semaphore a parked acquire waits on), or 'unknown
                    channel'
  --trace-rpc       time each RPC's steps (doorbell, GSP-RM wake, reply
                    interrupt, the driver's acknowledgement and status read)
                    and log their medians when the client disconnects
";

const MIB: u64 = 1 << 20;

fn parse_size(s: &str) -> Option<u64> {
    let (num, mult) = match s.as_bytes().last()? {
        b'M' | b'm' => (&s[..s.len() - 1], MIB),
        b'G' | b'g' => (&s[..s.len() - 1], 1024 * MIB),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

/// `BB:DD.F` (hex) as a routing ID: bus << 8 | device << 3 | function.
fn parse_pci_address(s: &str) -> Option<u16> {
    if !s
        .chars()
        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    {
        return None;
    }
    let (bus, rest) = s.split_once(':')?;
    let (device, function) = rest.split_once('.')?;
    let bus = u8::from_str_radix(bus, 16).ok()?;
    let device = u8::from_str_radix(device, 16).ok().filter(|&d| d < 32)?;
    let function = u8::from_str_radix(function, 16).ok().filter(|&f| f < 8)?;
    Some(u16::from(bus) << 8 | u16::from(device) << 3 | u16::from(function))
}

/// Parses the arguments that follow the program name.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Command, OptionsError> {
    let mut socket = None;
    let mut vram = 256 * MIB;
    let mut bar1 = crate::dev::BAR1_SIZE;
    let mut verbose = false;
    let mut die_after_ms = None;
    let mut boot42 = None;
    let mut firmware = None;
    let mut engines = None;
    let mut gpcs = None;
    let mut tpcs_per_gpc = None;
    let mut channels = None;
    let mut event_burst = None;
    let mut faults = Vec::new();
    let mut control = None;
    let mut trace_rpc = false;
    let mut gfw_boot_ms = GFW_BOOT_MS;
    let mut gsp_intr_vector = None;
    let mut pci_address = None;
    let mut board = Board::default();
    let mut vfs: Option<u32> = None;
    let mut vf_bar1 = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-v" | "--verbose" => verbose = true,
            "--trace-rpc" => trace_rpc = true,
            "--socket" => {
                socket = Some(PathBuf::from(
                    args.next().ok_or(OptionsError::MissingValue("--socket"))?,
                ))
            }
            "--control" => {
                control = Some(PathBuf::from(
                    args.next().ok_or(OptionsError::MissingValue("--control"))?,
                ))
            }
            "--firmware" => {
                firmware = Some(PathBuf::from(
                    args.next()
                        .ok_or(OptionsError::MissingValue("--firmware"))?,
                ))
            }
            "--engines" => {
                let v = args.next().ok_or(OptionsError::MissingValue("--engines"))?;
                let list: Option<Vec<u32>> = v
                    .split(',')
                    .map(crate::gsp_rm::config::engine_by_name)
                    .collect();
                engines = Some(
                    list.filter(|l| !l.is_empty())
                        .ok_or(OptionsError::BadEngines(v))?,
                );
            }
            "--gpcs" | "--tpcs-per-gpc" => {
                let name = if arg == "--gpcs" {
                    "--gpcs"
                } else {
                    "--tpcs-per-gpc"
                };
                let n: u32 = number(&mut args, name, |n| (1..=64).contains(n))?;
                if arg == "--gpcs" {
                    gpcs = Some(n);
                } else {
                    tpcs_per_gpc = Some(n);
                }
            }
            "--channels" => {
                channels = Some(number(&mut args, "--channels", |n| (2..=4096).contains(n))?);
            }
            "--event-burst" => {
                let v = args
                    .next()
                    .ok_or(OptionsError::MissingValue("--event-burst"))?;
                event_burst = Some(
                    crate::gsp_rm::bursts::BurstConfig::parse(&v)
                        .ok_or(OptionsError::BadNumber("--event-burst", v))?,
                );
            }
            "--fault" => {
                let v = args.next().ok_or(OptionsError::MissingValue("--fault"))?;
                faults.push(
                    crate::gsp_rm::faults::Fault::parse(&v).ok_or(OptionsError::BadFault(v))?,
                );
            }
            "--vram" => {
                let v = args.next().ok_or(OptionsError::MissingValue("--vram"))?;
                vram = parse_size(&v)
                    .filter(|n| n.is_power_of_two() && (64 * MIB..=64 * 1024 * MIB).contains(n))
                    .ok_or(OptionsError::BadVram(v))?;
            }
            "--bar1" => {
                let v = args.next().ok_or(OptionsError::MissingValue("--bar1"))?;
                bar1 = parse_size(&v)
                    .filter(|n| n.is_power_of_two() && (16 * MIB..=64 * 1024 * MIB).contains(n))
                    .ok_or(OptionsError::BadBar1(v))?;
            }
            "--gfw-boot-ms" => {
                // At most a minute (nova-core gives up after 4 s).
                gfw_boot_ms = number(&mut args, "--gfw-boot-ms", |&ms| ms <= 60_000)?;
            }
            "--gsp-intr-vector" => {
                gsp_intr_vector = Some(number(&mut args, "--gsp-intr-vector", |&n| {
                    n < nvgsp_proto::intr::VECTORS
                })?);
            }
            "--pci-address" => {
                let v = args
                    .next()
                    .ok_or(OptionsError::MissingValue("--pci-address"))?;
                pci_address = Some(parse_pci_address(&v).ok_or(OptionsError::BadPciAddress(v))?);
            }
            "--board" => {
                let v = args.next().ok_or(OptionsError::MissingValue("--board"))?;
                board = Board::parse(&v).ok_or(OptionsError::BadBoard(v))?;
            }
            "--vfs" => vfs = Some(number(&mut args, "--vfs", |_| true)?),
            "--vf-bar1" => {
                let v = args.next().ok_or(OptionsError::MissingValue("--vf-bar1"))?;
                vf_bar1 = Some(
                    parse_size(&v)
                        .filter(|n| n.is_power_of_two() && (16 * MIB..=64 * 1024 * MIB).contains(n))
                        .ok_or(OptionsError::BadVfBar1(v))?,
                );
            }
            "--die-after-ms" => {
                let v = args
                    .next()
                    .ok_or(OptionsError::MissingValue("--die-after-ms"))?;
                die_after_ms = Some(
                    v.parse()
                        .map_err(|_| OptionsError::BadNumber("--die-after-ms", v))?,
                );
            }
            "--boot42" => {
                let v = args.next().ok_or(OptionsError::MissingValue("--boot42"))?;
                let hex = v.strip_prefix("0x").unwrap_or(&v);
                boot42 = Some(
                    u32::from_str_radix(hex, 16)
                        .map_err(|_| OptionsError::BadNumber("--boot42", v))?,
                );
            }
            _ => return Err(OptionsError::Unknown(arg)),
        }
    }
    // The SR-IOV options need a board with SR-IOV, and as many VFs as it
    // has at most.
    let total = board.sriov().map(|f| f.total_vfs);
    for (given, option) in [(vfs.is_some(), "--vfs"), (vf_bar1.is_some(), "--vf-bar1")] {
        if given && total.is_none() {
            return Err(OptionsError::NoSriov { option, board });
        }
    }
    let vfs = match (vfs, total) {
        (Some(asked), Some(total)) if asked > u32::from(total) => {
            return Err(OptionsError::TooManyVfs {
                asked,
                board,
                total,
            })
        }
        (Some(asked), Some(_)) => asked as u16,
        _ => 0,
    };
    Ok(Command::Serve(Box::new(Options {
        socket: socket.ok_or(OptionsError::NoSocket)?,
        vram,
        bar1,
        verbose,
        die_after_ms,
        boot42,
        firmware,
        engines,
        gpcs,
        tpcs_per_gpc,
        channels,
        event_burst,
        faults,
        control,
        trace_rpc,
        gfw_boot_ms,
        gsp_intr_vector,
        pci_address,
        board,
        vfs,
        vf_bar1,
    })))
}

/// The value after option `name`, parsed as a number `ok` accepts.
fn number<T: std::str::FromStr>(
    args: &mut impl Iterator<Item = String>,
    name: &'static str,
    ok: impl Fn(&T) -> bool,
) -> Result<T, OptionsError> {
    let v = args.next().ok_or(OptionsError::MissingValue(name))?;
    v.parse()
        .ok()
        .filter(ok)
        .ok_or(OptionsError::BadNumber(name, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, OptionsError> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults_and_sizes() {
        assert_eq!(
            p(&["--socket", "/tmp/s"]),
            Ok(Command::Serve(Box::new(Options {
                socket: "/tmp/s".into(),
                vram: 256 * MIB,
                bar1: 256 * MIB,
                verbose: false,
                die_after_ms: None,
                boot42: None,
                firmware: None,
                engines: None,
                gpcs: None,
                tpcs_per_gpc: None,
                channels: None,
                event_burst: None,
                faults: Vec::new(),
                control: None,
                trace_rpc: false,
                gfw_boot_ms: GFW_BOOT_MS,
                gsp_intr_vector: None,
                pci_address: None,
                board: Board::Rtx3090,
                vfs: 0,
                vf_bar1: None,
            })))
        );
        let Ok(Command::Serve(o)) = p(&["--vram", "1G", "--socket", "x", "-v"]) else {
            panic!()
        };
        assert_eq!((o.vram, o.bar1, o.verbose), (1024 * MIB, 256 * MIB, true));
        let Ok(Command::Serve(o)) = p(&["--socket", "x", "--bar1", "16M", "--vram", "64M"]) else {
            panic!()
        };
        assert_eq!((o.vram, o.bar1), (64 * MIB, 16 * MIB));
        let Ok(Command::Serve(o)) = p(&["--socket", "x", "--bar1", "64g"]) else {
            panic!()
        };
        assert_eq!(o.bar1, 64 * 1024 * MIB);
        let Ok(Command::Serve(o)) = p(&["--socket", "x", "--gsp-intr-vector", "255"]) else {
            panic!()
        };
        assert_eq!(o.gsp_intr_vector, Some(255));
        assert_eq!(
            p(&["--socket", "x", "--gsp-intr-vector", "256"]),
            Err(OptionsError::BadNumber("--gsp-intr-vector", "256".into()))
        );
        let Ok(Command::Serve(o)) = p(&["--socket", "x", "--pci-address", "1f:1c.7"]) else {
            panic!()
        };
        assert_eq!(o.pci_address, Some(0x1fe7));
        for bad in [
            "01:20.0", "01:00.8", "100:00.0", "01.00.0", "01:00", "+1:00.0", "",
        ] {
            assert_eq!(
                p(&["--socket", "x", "--pci-address", bad]),
                Err(OptionsError::BadPciAddress(bad.into()))
            );
        }
        let Ok(Command::Serve(o)) = p(&["--socket", "x", "--boot42", "0x192a1000"]) else {
            panic!()
        };
        assert_eq!(o.boot42, Some(0x192a_1000));
        let Ok(Command::Serve(o)) = p(&["--socket", "x", "--control", "/tmp/c"]) else {
            panic!()
        };
        assert_eq!(o.control, Some("/tmp/c".into()));
        assert_eq!(
            p(&["--boot42", "zz"]),
            Err(OptionsError::BadNumber("--boot42", "zz".into()))
        );
        assert_eq!(p(&["--help", "--bogus"]), Ok(Command::Help));
        let Ok(Command::Serve(o)) = p(&["--socket", "x", "--engines", "gr,ce0", "--gpcs", "4"])
        else {
            panic!()
        };
        assert_eq!((o.engines, o.gpcs), (Some(vec![1, 9]), Some(4)));
        assert_eq!(
            p(&["--socket", "x", "--engines", "gr,warp"]),
            Err(OptionsError::BadEngines("gr,warp".into()))
        );
        assert_eq!(
            p(&["--socket", "x", "--tpcs-per-gpc", "0"]),
            Err(OptionsError::BadNumber("--tpcs-per-gpc", "0".into()))
        );
    }

    #[test]
    fn the_board_and_its_virtual_functions() {
        let Ok(Command::Serve(o)) = p(&["--socket", "x", "--board", "a10", "--vfs", "32"]) else {
            panic!()
        };
        assert_eq!((o.board, o.vfs, o.vf_bar1), (Board::A10, 32, None));
        let Ok(Command::Serve(o)) = p(&["--board", "a10", "--socket", "x", "--vf-bar1", "1G"])
        else {
            panic!()
        };
        assert_eq!(
            (o.board, o.vfs, o.vf_bar1),
            (Board::A10, 0, Some(1024 * MIB))
        );
        let Ok(Command::Serve(o)) = p(&["--socket", "x", "--board", "rtx3090"]) else {
            panic!()
        };
        assert_eq!(o.board, Board::Rtx3090);
        // Not on the GeForce board, whichever order the options come in.
        for args in [
            &["--socket", "x", "--vfs", "2"][..],
            &["--vfs", "0", "--socket", "x"],
            &["--vfs", "2", "--board", "rtx3090", "--socket", "x"],
        ] {
            assert_eq!(
                p(args),
                Err(OptionsError::NoSriov {
                    option: "--vfs",
                    board: Board::Rtx3090
                }),
                "{args:?}"
            );
        }
        assert_eq!(
            p(&["--socket", "x", "--vf-bar1", "64M"]),
            Err(OptionsError::NoSriov {
                option: "--vf-bar1",
                board: Board::Rtx3090
            })
        );
        // More than TotalVFs, in either order.
        for args in [
            &["--socket", "x", "--board", "a10", "--vfs", "33"][..],
            &["--vfs", "4294967295", "--board", "a10", "--socket", "x"],
        ] {
            assert!(
                matches!(
                    p(args),
                    Err(OptionsError::TooManyVfs {
                        board: Board::A10,
                        total: 32,
                        ..
                    })
                ),
                "{args:?}"
            );
        }
        assert_eq!(
            p(&["--socket", "x", "--board", "a10", "--vfs", "-1"]),
            Err(OptionsError::BadNumber("--vfs", "-1".into()))
        );
        assert_eq!(
            p(&["--socket", "x", "--board", "a100"]),
            Err(OptionsError::BadBoard("a100".into()))
        );
        for bad in ["8M", "48M", "128G"] {
            assert_eq!(
                p(&["--socket", "x", "--board", "a10", "--vf-bar1", bad]),
                Err(OptionsError::BadVfBar1(bad.into()))
            );
        }
        assert_eq!(
            OptionsError::TooManyVfs {
                asked: 33,
                board: Board::A10,
                total: 32
            }
            .to_string(),
            "--vfs 33: the a10 has 32 virtual functions (TotalVFs)"
        );
    }

    #[test]
    fn bad_command_lines_are_refused() {
        assert_eq!(p(&[]), Err(OptionsError::NoSocket));
        assert_eq!(
            p(&["--socket"]),
            Err(OptionsError::MissingValue("--socket"))
        );
        assert_eq!(p(&["--frob"]), Err(OptionsError::Unknown("--frob".into())));
        assert_eq!(
            p(&["--die-after-ms", "soon"]),
            Err(OptionsError::BadNumber("--die-after-ms", "soon".into()))
        );
        for bad in ["100M", "32M", "128G", "x", "", "18446744073709551615G"] {
            assert_eq!(
                p(&["--socket", "s", "--vram", bad]),
                Err(OptionsError::BadVram(bad.into()))
            );
        }
        for bad in ["8M", "24M", "128G", "0", "256", "1T"] {
            assert_eq!(
                p(&["--socket", "s", "--bar1", bad]),
                Err(OptionsError::BadBar1(bad.into()))
            );
        }
        assert_eq!(
            p(&["--socket", "s", "--bar1"]),
            Err(OptionsError::MissingValue("--bar1"))
        );
    }
}
