//! `nvgspctl vm`: a GPU VA space through the render node, driven line by
//! line from standard input, one reply line per command, so a script can
//! look at the GPU (the emulator's MMU probe) between commands while the
//! file stays open.
//!
//! Each object's 4 KiB pages are tagged: the page's first 8 bytes hold
//! `handle << 32 | page index`. The tool keeps its own model of what VA
//! maps which object page (the semantics VM_BIND documents: a map replaces
//! what was there, an unmap cuts), so `expect VA` says which tag the GPU
//! must read at `VA`, or `unmapped`.
//!
//! Commands (numbers decimal or 0x hex):
//! - `init`: VM_INIT; replies `va START END`;
//! - `new SIZE`: a system-memory object, its pages tagged; `handle H`;
//! - `newvram SIZE`: the same in VRAM (tagged through BAR1);
//! - `map H OFFSET VA RANGE` and `unmap VA RANGE`: one VM_BIND op each;
//!   `ok`, or `error ERRNO done N`;
//! - `bind` followed by op lines (`map ...`/`unmap ...`) and a line `end`:
//!   one VM_BIND of all of them; `ok N` or `error ERRNO done N`;
//! - `close H`: GEM_CLOSE; `ok` (the mappings keep the object);
//! - `expect VA`: `tag 0x...` (with ` vram` for a VRAM object) or
//!   `unmapped`;
//! - `files N`: opens up to N more files of the node, each with a VA
//!   space (VM_INIT), kept until `quit`; `files M` (how many it made) or
//!   `files M error ERRNO` (why the next failed);
//! - `quit`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufRead, Write};

use nvgsp_uapi::{self as drm, BindOp, GemCreate, Mapping};

const PAGE: u64 = 4096;

/// One object: its size and its CPU mapping (kept so its pages stay
/// as tagged).
struct Object {
    size: u64,
    _map: Mapping,
}

/// What the tool believes is mapped: by VA page, (handle, page index).
#[derive(Default)]
struct Model {
    pages: BTreeMap<u64, (u32, u64)>,
}

impl Model {
    fn apply(&mut self, op: &BindOp) {
        for i in 0..op.range / PAGE {
            let va = op.addr + i * PAGE;
            if op.op == drm::sys::NVGSP_VM_BIND_OP_MAP {
                self.pages.insert(va, (op.handle, op.bo_offset / PAGE + i));
            } else {
                self.pages.remove(&va);
            }
        }
    }
}

fn number(s: Option<&str>) -> Result<u64, String> {
    let s = s.ok_or("missing number")?;
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16),
        None => s.parse(),
    }
    .map_err(|_| format!("bad number '{s}'"))
}

fn parse_op(words: &[&str]) -> Result<BindOp, String> {
    let mut w = words.iter().copied();
    match w.next() {
        Some("map") => {
            let handle = u32::try_from(number(w.next())?).map_err(|_| "bad handle")?;
            let (offset, va, range) = (number(w.next())?, number(w.next())?, number(w.next())?);
            Ok(drm::bind_map(handle, va, range, offset))
        }
        Some("unmap") => Ok(drm::bind_unmap(number(w.next())?, number(w.next())?)),
        _ => Err(format!("not an op: '{}'", words.join(" "))),
    }
}

/// A new object of `size` bytes in `domain` with its pages tagged (only
/// the tags are written: a VRAM object's mapping is BAR1, slow).
fn new_object(f: &File, size: u64, domain: u32) -> Result<(u32, Object), String> {
    let handle = drm::gem_create(
        f,
        GemCreate {
            size,
            domain,
            ..GemCreate::default()
        },
    )
    .map_err(|e| format!("GEM_CREATE: {e}"))?;
    let info = drm::gem_info(f, handle).map_err(|e| format!("GEM_INFO: {e}"))?;
    let len = usize::try_from(info.size).map_err(|_| "object too large")?;
    let map = Mapping::new(f, info.map_offset, len).map_err(|e| format!("mmap: {e}"))?;
    for i in 0..info.size / PAGE {
        let tag = (u64::from(handle) << 32) | i;
        map.write_at((i * PAGE) as usize, &tag.to_le_bytes());
    }
    Ok((
        handle,
        Object {
            size: info.size,
            _map: map,
        },
    ))
}

/// Runs commands from standard input until `quit` or its end.
pub fn run(f: &File, open: impl Fn() -> io::Result<File>) -> Result<(), String> {
    let mut others = Vec::new();
    let mut objects: BTreeMap<u32, Object> = BTreeMap::new();
    let mut vram = BTreeSet::new();
    let mut model = Model::default();
    let stdin = io::stdin();
    let mut lines = stdin.lock().lines();
    let mut out = io::stdout();
    while let Some(line) = lines.next() {
        let line = line.map_err(|e| format!("stdin: {e}"))?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let reply = match words[..] {
            [] => continue,
            ["quit"] => break,
            ["init"] => match drm::vm_init(f) {
                Ok(r) => format!("va {:#x} {:#x}", r.start, r.end),
                Err(e) => format!("error {}", e.raw_os_error().unwrap_or(0)),
            },
            ["new", size] | ["newvram", size] => {
                let domain = if words[0] == "new" {
                    drm::DOMAIN_SYSTEM
                } else {
                    drm::DOMAIN_VRAM
                };
                let (handle, obj) = new_object(f, number(Some(size))?, domain)?;
                let size = obj.size;
                objects.insert(handle, obj);
                if domain == drm::DOMAIN_VRAM {
                    vram.insert(handle);
                }
                format!("handle {handle} size {size:#x}")
            }
            ["close", h] => {
                let h = u32::try_from(number(Some(h))?).map_err(|_| "bad handle")?;
                objects.remove(&h);
                match drm::gem_close(f, h) {
                    Ok(()) => "ok".into(),
                    Err(e) => format!("error {}", e.raw_os_error().unwrap_or(0)),
                }
            }
            ["files", n] => {
                let n = number(Some(n))?;
                let mut made = 0;
                let mut error = None;
                while made < n {
                    match open().and_then(|g| drm::vm_init(&g).map(|_| g)) {
                        Ok(g) => others.push(g),
                        Err(e) => {
                            error = e.raw_os_error();
                            break;
                        }
                    }
                    made += 1;
                }
                match error {
                    None => format!("files {made}"),
                    Some(e) => format!("files {made} error {e}"),
                }
            }
            ["expect", va] => {
                let va = number(Some(va))?;
                match model.pages.get(&(va & !(PAGE - 1))) {
                    Some((h, i)) => format!(
                        "tag {:#x}{}",
                        (u64::from(*h) << 32) | i,
                        if vram.contains(h) { " vram" } else { "" }
                    ),
                    None => "unmapped".into(),
                }
            }
            ["bind"] => {
                let mut ops = Vec::new();
                for l in lines.by_ref() {
                    let l = l.map_err(|e| format!("stdin: {e}"))?;
                    let w: Vec<&str> = l.split_whitespace().collect();
                    if w[..] == ["end"] {
                        break;
                    }
                    ops.push(parse_op(&w)?);
                }
                bind(f, &mut model, &ops, true)
            }
            ["map", ..] | ["unmap", ..] => bind(f, &mut model, &[parse_op(&words)?], false),
            _ => format!("error unknown command '{line}'"),
        };
        writeln!(out, "{reply}").map_err(|e| format!("stdout: {e}"))?;
        out.flush().map_err(|e| format!("stdout: {e}"))?;
    }
    Ok(())
}

/// One VM_BIND of `ops`; the model follows what took effect.
fn bind(f: &File, model: &mut Model, ops: &[BindOp], count: bool) -> String {
    let (done, r) = drm::vm_bind(f, ops);
    for op in ops.iter().take(done as usize) {
        model.apply(op);
    }
    match r {
        Ok(()) if count => format!("ok {done}"),
        Ok(()) => "ok".into(),
        Err(e) => {
            // A failed op leaves its range unmapped (the UAPI's promise).
            if let Some(op) = ops.get(done as usize) {
                if op.op == drm::sys::NVGSP_VM_BIND_OP_MAP && e.raw_os_error() == Some(libc::ENOMEM)
                {
                    model.apply(&drm::bind_unmap(op.addr, op.range));
                }
            }
            format!("error {} done {done}", e.raw_os_error().unwrap_or(0))
        }
    }
}
