//! The command line: what to do, to which virtual function, and how to
//! open it.

use std::fmt;
use std::time::Duration;

/// The usage text.
pub const USAGE: &str = "\
usage: nvgsp-vmm peek RESOURCE OFFSET [COUNT]
       nvgsp-vmm [--via cdev|group] [--no-mmap] COMMAND VF [ARG]...

  peek        read COUNT (default 1) 32-bit registers from OFFSET of a PCI
              BAR through its sysfs resource file
  info VF     the VF's VFIO device: how it was opened, its flags, regions
              and interrupts, its config space (IDs, BAR1 sized through
              the config region) and BOOT_0/BOOT_1/BOOT_42 from BAR0
  fill VF SEED
              write SEED's pattern over the whole BAR1, read it back
  scan VF SEED
              count BAR1's words that are SEED's pattern at their own
              offset, those that are its words from another offset, and
              the nonzero words
  cross VF SEED OTHER OTHER_SEED
              two vGPUs at once, as two VMs: open both, fill VF with
              SEED's pattern and OTHER with OTHER_SEED's, then scan each
              for the other's (lines tagged a for VF, b for OTHER)
  zero VF     check that the whole BAR1 reads zero
  reset VF [SEED]
              VFIO_DEVICE_RESET; with SEED, fill BAR1 with its pattern
              first and check after the reset that BAR1 reads zero
  bad VF      what a VMM gets for accesses outside the device's regions
  wait-error VF SECONDS [SEED]
              arm the error interrupt (VFIO_PCI_ERR_IRQ_INDEX) and wait
              for it up to SECONDS; with SEED, fill BAR1 with its pattern
              first and read it back once the interrupt came
  hold VF SECONDS
              keep the device open (BARs mapped) for SECONDS

VF is a PCI address (0000:01:00.4, or 01:00.4). The device is opened as
its VFIO device cdev bound to iommufd (--via cdev, the default when the
VF has one) or through its VFIO group and a container (--via group).
BARs are mapped where the device lets them be; --no-mmap reaches them by
read and write on the device file instead.
SEED and OFFSET are decimal or 0x hex; SECONDS may have a fraction.
Exit status: 0 when done, 1 when something failed (an open, an ioctl,
a check: info's BAR1 sizes, fill's read-back, zero), 2 for a bad
command line.
";

/// How to open a VF's VFIO device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// The device cdev (`/dev/vfio/devices/...`) bound to an iommufd.
    Cdev,
    /// The VFIO group (`/dev/vfio/...`) in a container.
    Group,
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Via::Cdev => "cdev",
            Via::Group => "group",
        })
    }
}

/// A PCI function's address in its canonical sysfs form
/// (`dddd:bb:dd.f`, lower-case hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciAddress(String);

impl PciAddress {
    /// Parses `dddd:bb:dd.f` or `bb:dd.f` (domain 0).
    pub fn parse(s: &str) -> Result<PciAddress, String> {
        let bad = || format!("not a PCI address: {s} (want dddd:bb:dd.f)");
        let (domain, rest) = match s.matches(':').count() {
            1 => ("0000", s),
            2 => s.split_once(':').ok_or_else(bad)?,
            _ => return Err(bad()),
        };
        let (bus, rest) = rest.split_once(':').ok_or_else(bad)?;
        let (dev, func) = rest.split_once('.').ok_or_else(bad)?;
        let field = |v: &str, len: usize, max: u32| {
            if v.len() != len || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            u32::from_str_radix(v, 16)
                .ok()
                .filter(|&n| n <= max)
                .ok_or_else(bad)
        };
        let domain = field(domain, 4, 0xffff)?;
        let bus = field(bus, 2, 0xff)?;
        let dev = field(dev, 2, 0x1f)?;
        let func = field(func, 1, 7)?;
        Ok(PciAddress(format!(
            "{domain:04x}:{bus:02x}:{dev:02x}.{func:x}"
        )))
    }

    /// The function's sysfs directory.
    pub fn sysfs(&self) -> String {
        format!("/sys/bus/pci/devices/{}", self.0)
    }
}

impl fmt::Display for PciAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What to do with a VF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Describe the device.
    Info,
    /// Fill BAR1 with a seed's pattern and read it back.
    Fill(u64),
    /// Look for a seed's pattern in BAR1.
    Scan(u64),
    /// Fill BAR1 with a seed's pattern and another VF's with another
    /// seed's, both open, then scan each for the other's.
    Cross {
        /// This VF's seed.
        seed: u64,
        /// The other VF.
        other: PciAddress,
        /// Its seed.
        other_seed: u64,
    },
    /// Check that BAR1 reads zero.
    Zero,
    /// Reset the device; with a seed, fill BAR1 first and check it reads
    /// zero after.
    Reset(Option<u64>),
    /// Access outside the device's regions.
    Bad,
    /// Wait for the error interrupt.
    WaitError(Duration, Option<u64>),
    /// Keep the device open.
    Hold(Duration),
}

/// How to reach a VF's device.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// How to open it; `None`: the cdev if there is one.
    pub via: Option<Via>,
    /// Read and write its BARs through the device file, not mappings.
    pub no_mmap: bool,
}

/// A whole command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Invocation {
    /// `peek RESOURCE OFFSET COUNT`.
    Peek {
        /// The sysfs resource file.
        resource: String,
        /// The first register's offset.
        offset: u64,
        /// How many registers.
        count: u64,
    },
    /// A command on a VF's VFIO device.
    Vf {
        /// How to reach it.
        options: Options,
        /// The VF.
        vf: PciAddress,
        /// What to do.
        action: Action,
    },
}

/// Parses a decimal or `0x` hex number.
pub fn parse_u64(s: &str) -> Result<u64, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => s.parse(),
    };
    r.map_err(|_| format!("not a number: {s}"))
}

/// Parses a non-negative number of seconds (`10`, `0.5`).
pub fn parse_seconds(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .and_then(|v| Duration::try_from_secs_f64(v).ok())
        .ok_or_else(|| format!("not a number of seconds: {s}"))
}

/// Parses `--via`'s value.
fn parse_via(s: &str) -> Result<Via, String> {
    match s {
        "cdev" => Ok(Via::Cdev),
        "group" => Ok(Via::Group),
        v => Err(format!("--via {v}: want cdev or group")),
    }
}

/// Parses the arguments after the program's name.
pub fn parse(args: &[String]) -> Result<Invocation, String> {
    let usage = || "bad command line (nvgsp-vmm --help shows the usage)".to_string();
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut options = Options::default();
    loop {
        let taken = match args.as_slice() {
            ["--no-mmap", ..] => {
                options.no_mmap = true;
                1
            }
            ["--via", value, ..] => {
                options.via = Some(parse_via(value)?);
                2
            }
            [first, ..] if first.starts_with("--via=") => {
                options.via = Some(parse_via(&first["--via=".len()..])?);
                1
            }
            _ => break,
        };
        args.drain(..taken);
    }
    let (cmd, rest) = args.split_first().ok_or_else(usage)?;
    if *cmd == "peek" {
        if options != Options::default() {
            return Err("--via and --no-mmap are for the VFIO commands, not peek".into());
        }
        return match rest {
            [resource, offset, count @ ..] if count.len() <= 1 => Ok(Invocation::Peek {
                resource: resource.to_string(),
                offset: parse_u64(offset)?,
                count: count.first().map_or(Ok(1), |c| parse_u64(c))?,
            }),
            _ => Err(usage()),
        };
    }
    let (vf, params) = rest.split_first().ok_or_else(usage)?;
    let vf = PciAddress::parse(vf)?;
    let action = match (*cmd, params) {
        ("info", []) => Action::Info,
        ("fill", [seed]) => Action::Fill(parse_u64(seed)?),
        ("scan", [seed]) => Action::Scan(parse_u64(seed)?),
        ("cross", [seed, other, other_seed]) => Action::Cross {
            seed: parse_u64(seed)?,
            other: PciAddress::parse(other)?,
            other_seed: parse_u64(other_seed)?,
        },
        ("zero", []) => Action::Zero,
        ("reset", []) => Action::Reset(None),
        ("reset", [seed]) => Action::Reset(Some(parse_u64(seed)?)),
        ("bad", []) => Action::Bad,
        ("wait-error", [secs]) => Action::WaitError(parse_seconds(secs)?, None),
        ("wait-error", [secs, seed]) => {
            Action::WaitError(parse_seconds(secs)?, Some(parse_u64(seed)?))
        }
        ("hold", [secs]) => Action::Hold(parse_seconds(secs)?),
        _ => return Err(usage()),
    };
    Ok(Invocation::Vf {
        options,
        vf,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn vf(s: &str) -> PciAddress {
        PciAddress::parse(s).unwrap()
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64("42"), Ok(42));
        assert_eq!(parse_u64("0x2a"), Ok(42));
        assert_eq!(parse_u64("0XA00"), Ok(0xa00));
        assert_eq!(parse_u64("18446744073709551615"), Ok(u64::MAX));
        assert!(parse_u64("-1").is_err());
        assert!(parse_u64("0x").is_err());
        assert!(parse_u64("ten").is_err());
        assert_eq!(parse_seconds("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_seconds("0.25"), Ok(Duration::from_millis(250)));
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("inf").is_err());
        assert!(parse_seconds("soon").is_err());
    }

    #[test]
    fn pci_addresses() {
        assert_eq!(vf("0000:01:00.4").to_string(), "0000:01:00.4");
        assert_eq!(vf("01:00.5").to_string(), "0000:01:00.5");
        assert_eq!(vf("0000:0A:1f.7").to_string(), "0000:0a:1f.7");
        assert_eq!(vf("01:00.4").sysfs(), "/sys/bus/pci/devices/0000:01:00.4");
        for bad in [
            "",
            "01:00",
            "1:00.4",
            "01:0.4",
            "01:20.0",
            "01:00.8",
            "0:01:00.4",
            "01:00.4x",
            "zz:00.0",
            "0000:01:00:4",
            "/dev/vfio/0",
        ] {
            assert!(PciAddress::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn vf_commands() {
        let p = |s: &str| parse(&args(s));
        let cmd = |via, action| {
            Ok(Invocation::Vf {
                options: Options {
                    via,
                    no_mmap: false,
                },
                vf: vf("0000:01:00.4"),
                action,
            })
        };
        assert_eq!(p("info 0000:01:00.4"), cmd(None, Action::Info));
        assert_eq!(p("fill 01:00.4 0x10"), cmd(None, Action::Fill(16)));
        assert_eq!(p("scan 01:00.4 16"), cmd(None, Action::Scan(16)));
        assert_eq!(p("zero 01:00.4"), cmd(None, Action::Zero));
        assert_eq!(p("reset 01:00.4"), cmd(None, Action::Reset(None)));
        assert_eq!(p("reset 01:00.4 7"), cmd(None, Action::Reset(Some(7))));
        assert_eq!(
            p("cross 01:00.4 1 0000:01:00.5 0x2"),
            cmd(
                None,
                Action::Cross {
                    seed: 1,
                    other: vf("01:00.5"),
                    other_seed: 2
                }
            )
        );
        assert!(p("cross 01:00.4 1 01:00.5").is_err());
        assert!(p("cross 01:00.4 1 nope 2").is_err());
        assert_eq!(p("bad 01:00.4"), cmd(None, Action::Bad));
        assert_eq!(
            p("wait-error 01:00.4 30"),
            cmd(None, Action::WaitError(Duration::from_secs(30), None))
        );
        assert_eq!(
            p("wait-error 01:00.4 1 3"),
            cmd(None, Action::WaitError(Duration::from_secs(1), Some(3)))
        );
        assert_eq!(
            p("hold 01:00.4 1.5"),
            cmd(None, Action::Hold(Duration::from_millis(1500)))
        );
        assert_eq!(
            p("--via group info 01:00.4"),
            cmd(Some(Via::Group), Action::Info)
        );
        assert_eq!(
            p("--via=cdev zero 01:00.4"),
            cmd(Some(Via::Cdev), Action::Zero)
        );
        assert_eq!(
            p("--no-mmap --via group fill 01:00.4 1"),
            Ok(Invocation::Vf {
                options: Options {
                    via: Some(Via::Group),
                    no_mmap: true
                },
                vf: vf("01:00.4"),
                action: Action::Fill(1)
            })
        );
    }

    #[test]
    fn peek() {
        assert_eq!(
            parse(&args(
                "peek /sys/bus/pci/devices/0000:01:00.0/resource0 0xa00"
            )),
            Ok(Invocation::Peek {
                resource: "/sys/bus/pci/devices/0000:01:00.0/resource0".into(),
                offset: 0xa00,
                count: 1
            })
        );
        assert_eq!(
            parse(&args("peek r 0 4")),
            Ok(Invocation::Peek {
                resource: "r".into(),
                offset: 0,
                count: 4
            })
        );
    }

    #[test]
    fn bad_command_lines() {
        for bad in [
            "",
            "info",
            "info 01:00.4 extra",
            "fill 01:00.4",
            "fill 01:00.4 seed",
            "scan 01:00.4 1 2",
            "hold 01:00.4",
            "wait-error 01:00.4 never",
            "frob 01:00.4",
            "--via",
            "--via iommu info 01:00.4",
            "--via cdev",
            "--via group peek r 0",
            "--no-mmap peek r 0",
            "--no-mmap",
            "peek r",
            "peek r 0 1 2",
            "info not-an-address",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?}");
        }
    }
}
