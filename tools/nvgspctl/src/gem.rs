//! `nvgspctl gem`: GEM objects through the render node.
//!
//! `check` creates an object, fills it through a CPU mapping, reads it back
//! through a second mapping and through a second open file that imported
//! it as a dma-buf (PRIME), and prints a checksum of each view. `errors`
//! sends the requests the driver must refuse (bad sizes, domains, flags,
//! another file's handles, another device's dma-buf, dumb buffers on the
//! primary node) and prints what each got. `hold` keeps a mapped and
//! exported object until it is killed, looking at it again on request.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use nvgsp_uapi::{self as drm, GemCreate, Mapping};

/// A byte pattern that differs per offset and per seed (xorshift64).
pub(crate) fn fill(buf: &mut [u8], seed: u64) {
    let mut x = seed | 1;
    for chunk in buf.chunks_mut(8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let bytes = x.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

/// FNV-1a over `buf`.
pub(crate) fn checksum(buf: &[u8]) -> u64 {
    buf.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn domain_name(domain: u32) -> &'static str {
    match domain {
        drm::DOMAIN_SYSTEM => "system",
        drm::DOMAIN_VRAM => "vram",
        _ => "unknown",
    }
}

/// A mapping of `size` bytes of `fd` (the DRM file or a dma-buf) at
/// `offset`.
pub(crate) fn map_whole(fd: &impl AsRawFd, offset: u64, size: u64) -> Result<Mapping, String> {
    let len = usize::try_from(size).map_err(|_| "object too large".to_string())?;
    Mapping::new(fd, offset, len).map_err(|e| format!("mmap: {e}"))
}

/// What GEM_INFO says of the object `handle` names in `f`, and the
/// checksum of its contents, read through a fresh mapping.
fn read_back(f: &File, handle: u32) -> Result<(drm::GemInfo, u64), String> {
    let info = drm::gem_info(f, handle).map_err(|e| format!("GEM_INFO: {e}"))?;
    let map = map_whole(f, info.map_offset, info.size)?;
    Ok((info, checksum(&map.read_all())))
}

/// A new system-memory object of `size` bytes in `f`, mapped whole and
/// filled with a pattern: its handle, what GEM_INFO says and the mapping.
fn create_filled(path: &str, f: &File, size: u64) -> Result<(u32, drm::GemInfo, Mapping), String> {
    let handle = drm::gem_create(
        f,
        GemCreate {
            size,
            domain: drm::DOMAIN_SYSTEM,
            ..GemCreate::default()
        },
    )
    .map_err(|e| format!("{path}: GEM_CREATE({size}): {e}"))?;
    let info = drm::gem_info(f, handle).map_err(|e| format!("{path}: GEM_INFO: {e}"))?;
    let map = map_whole(f, info.map_offset, info.size)?;
    let mut pattern = vec![0u8; map.len()];
    fill(&mut pattern, size ^ u64::from(handle));
    map.write(&pattern);
    Ok((handle, info, map))
}

/// `nvgspctl gem check SIZE`.
pub fn check(
    path: &str,
    f: &File,
    open: impl Fn() -> io::Result<File>,
    size: u64,
) -> Result<(), String> {
    // The first mapping goes before the object is read back.
    let (handle, info, written) = {
        let (handle, info, map) = create_filled(path, f, size)?;
        (handle, info, checksum(&map.read_all()))
    };
    let (_, again) = read_back(f, handle)?;
    // A second open file imports the object as a dma-buf and sees the same
    // pages.
    let other = open().map_err(|e| format!("{path}: second open: {e}"))?;
    let buf = drm::prime_export(f, handle).map_err(|e| format!("PRIME_HANDLE_TO_FD: {e}"))?;
    let imported =
        drm::prime_import(&other, &buf).map_err(|e| format!("PRIME_FD_TO_HANDLE: {e}"))?;
    let (other_info, shared) = read_back(&other, imported)?;
    // And the dma-buf itself maps the same pages.
    let exported = checksum(&map_whole(&buf, 0, info.size)?.read_all());
    println!(
        "gem: {} {} bytes (asked {size}), written {written:016x}, read back {again:016x}, imported {} bytes {shared:016x}, dma-buf {exported:016x}",
        domain_name(info.domain),
        info.size,
        other_info.size
    );
    drm::gem_close(&other, imported).map_err(|e| format!("GEM_CLOSE: {e}"))?;
    drm::gem_close(f, handle).map_err(|e| format!("GEM_CLOSE: {e}"))?;
    // A closed handle is gone.
    println!("gem: after close: {}", outcome(drm::gem_info(f, handle)));
    if written != again || written != shared || written != exported || other_info.size != info.size
    {
        return Err("the object's views differ".into());
    }
    Ok(())
}

/// `nvgspctl gem hold SIZE`: an object created, mapped and filled, then
/// held until the process is killed (what a crashing program leaves).
/// Each line read from standard input makes it look again: GETPARAM and
/// GEM_INFO through its file, and its mapping's contents (e.g. after the
/// GPU was unbound under it).
pub fn hold(path: &str, f: &File, size: u64) -> Result<(), String> {
    let (handle, info, map) = create_filled(path, f, size)?;
    let written = checksum(&map.read_all());
    let _buf = drm::prime_export(f, handle).map_err(|e| format!("PRIME_HANDLE_TO_FD: {e}"))?;
    println!("gem: holding {} bytes, mapped and exported", info.size);
    flush();
    for _ in std::io::stdin().lines() {
        let share = outcome(drm::getparam(f, drm::PARAM_VRAM_SHARE));
        let again = outcome(drm::gem_info(f, handle));
        let same = if checksum(&map.read_all()) == written {
            "unchanged"
        } else {
            "CHANGED"
        };
        println!("gem: looked again: getparam {share}, gem info {again}, mapping {same}");
        flush();
    }
    // The mapping and the dma-buf stay until the process is killed.
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

pub(crate) fn flush() {
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// "ok", or the name of the error `r` failed with.
pub(crate) fn outcome<T>(r: io::Result<T>) -> &'static str {
    match r.err().map(|e| e.raw_os_error()) {
        None => "ok",
        Some(Some(libc::EINVAL)) => "EINVAL",
        Some(Some(libc::ENOENT)) => "ENOENT",
        Some(Some(libc::ENOSPC)) => "ENOSPC",
        Some(Some(libc::ENOMEM)) => "ENOMEM",
        Some(Some(libc::EOPNOTSUPP)) => "EOPNOTSUPP",
        Some(Some(libc::EFAULT)) => "EFAULT",
        Some(Some(libc::ENOSYS)) => "ENOSYS",
        Some(Some(libc::ENODEV)) => "ENODEV",
        Some(_) => "other",
    }
}

/// `nvgspctl gem errors`: each refused request and its error.
pub fn errors(path: &str, f: &File, open: impl Fn() -> io::Result<File>) -> Result<(), String> {
    let max = drm::getparam(f, drm::PARAM_GEM_MAX_SIZE)
        .map_err(|e| format!("GETPARAM(GEM_MAX_SIZE): {e}"))?;
    println!("gem max size: {} MiB", max >> 20);
    let system = GemCreate {
        size: 4096,
        domain: drm::DOMAIN_SYSTEM,
        ..GemCreate::default()
    };
    let cases: [(&str, GemCreate); 8] = [
        ("zero size", GemCreate { size: 0, ..system }),
        (
            "max size + 1",
            GemCreate {
                size: max + 1,
                ..system
            },
        ),
        (
            "1 TiB",
            GemCreate {
                size: 1 << 40,
                ..system
            },
        ),
        (
            "2^63",
            GemCreate {
                size: 1 << 63,
                ..system
            },
        ),
        (
            "no domain",
            GemCreate {
                domain: 0,
                ..system
            },
        ),
        (
            "two domains",
            GemCreate {
                domain: drm::DOMAIN_SYSTEM | drm::DOMAIN_VRAM,
                ..system
            },
        ),
        ("flags", GemCreate { flags: 1, ..system }),
        ("pad", GemCreate { pad: 1, ..system }),
    ];
    for (what, req) in cases {
        println!("gem create {what}: {}", outcome(drm::gem_create(f, req)));
    }
    // The largest object is made (its pages only when used).
    match drm::gem_create(
        f,
        GemCreate {
            size: max,
            ..system
        },
    ) {
        Ok(h) => {
            println!("gem create max size: ok");
            drm::gem_close(f, h).map_err(|e| format!("GEM_CLOSE: {e}"))?;
        }
        Err(e) => println!("gem create max size: {}", outcome::<()>(Err(e))),
    }
    // Handles are per file: this file's second handle names nothing in
    // another file, whose own first handle names its own object.
    let other = open().map_err(|e| format!("second open: {e}"))?;
    let mine = [
        drm::gem_create(f, system).map_err(|e| format!("GEM_CREATE: {e}"))?,
        drm::gem_create(f, system).map_err(|e| format!("GEM_CREATE: {e}"))?,
    ];
    let theirs = drm::gem_create(
        &other,
        GemCreate {
            size: 8192,
            ..system
        },
    )
    .map_err(|e| format!("GEM_CREATE in the other file: {e}"))?;
    println!(
        "gem info of this file's handle {} in another file: {}",
        mine[1],
        outcome(drm::gem_info(&other, mine[1]))
    );
    let size = drm::gem_info(&other, theirs)
        .map(|i| i.size)
        .map_err(|e| format!("GEM_INFO: {e}"))?;
    println!(
        "gem handles: this file {} {}, the other {theirs} ({size} bytes, its own)",
        mine[0], mine[1]
    );
    println!(
        "gem info of an unknown handle: {}",
        outcome(drm::gem_info(f, mine[1] + 1000))
    );
    for h in mine {
        drm::gem_close(f, h).map_err(|e| format!("GEM_CLOSE: {e}"))?;
    }
    // Another device's dma-buf cannot be imported.
    // (udmabuf makes one; kernels without it skip the case.)
    match drm::foreign_dmabuf(4096) {
        Ok(foreign) => println!(
            "gem import of another device's dma-buf: {}",
            outcome(drm::prime_import(f, &foreign))
        ),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            println!("gem import of another device's dma-buf: skipped (no /dev/udmabuf)")
        }
        Err(e) => return Err(format!("udmabuf: {e}")),
    }
    // The primary node makes no dumb buffers.
    let card = primary_node(path)?;
    println!(
        "gem dumb buffer on the primary node: {}",
        outcome(drm::create_dumb(&card))
    );
    Ok(())
}

/// The primary node (`/dev/dri/cardN`) of the device whose render node is
/// `render` (`/dev/dri/renderDM`), through sysfs.
fn primary_node(render: &str) -> Result<File, String> {
    let name = render.rsplit('/').next().unwrap_or(render);
    let dir = format!("/sys/class/drm/{name}/device/drm");
    let card = std::fs::read_dir(&dir)
        .map_err(|e| format!("{dir}: {e}"))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with("card"))
        .ok_or(format!("no primary node in {dir}"))?;
    crate::open(&format!("/dev/dri/{card}")).map_err(|e| format!("/dev/dri/{card}: {e}"))
}
