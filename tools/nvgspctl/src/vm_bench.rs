//! `nvgspctl vm-bench PAGES ROUNDS`: what VM_BIND of PAGES 4 KiB pages (one
//! MAP op each, one ioctl) costs against a null ioctl (GETPARAM), both
//! timed in the same process on the same file.

use std::fs::File;
use std::time::Instant;

use nvgsp_uapi as drm;

const PAGE: u64 = 4096;

/// The median of `v` (sorted in place), in nanoseconds.
fn p50(v: &mut [u128]) -> u128 {
    v.sort_unstable();
    v[v.len() / 2]
}

/// Runs the benchmark and prints one line:
/// `vm-bench: null ioctl p50 N ns, vm_bind P pages p50 M ns, unmap p50 U ns`.
pub fn run(f: &File, pages: u64, rounds: usize) -> Result<(), String> {
    if pages == 0 || rounds == 0 {
        return Err("PAGES and ROUNDS must be at least 1".into());
    }
    let range = drm::vm_init(f).map_err(|e| format!("VM_INIT: {e}"))?;
    let handle = drm::gem_create(
        f,
        drm::GemCreate {
            size: pages * PAGE,
            domain: drm::DOMAIN_SYSTEM,
            ..drm::GemCreate::default()
        },
    )
    .map_err(|e| format!("GEM_CREATE: {e}"))?;
    // Every other page: no two ops' pages are neighbours, so none merges.
    let ops: Vec<_> = (0..pages)
        .map(|i| drm::bind_map(handle, range.start + 2 * i * PAGE, PAGE, i * PAGE))
        .collect();
    let unmap = [drm::bind_unmap(range.start, 2 * pages * PAGE)];
    let mut null = Vec::with_capacity(rounds * 10);
    let mut bind = Vec::with_capacity(rounds);
    let mut unbind = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        for _ in 0..10 {
            let t = Instant::now();
            drm::getparam(f, drm::PARAM_CHIPSET).map_err(|e| format!("GETPARAM: {e}"))?;
            null.push(t.elapsed().as_nanos());
        }
        let t = Instant::now();
        let (done, r) = drm::vm_bind(f, &ops);
        bind.push(t.elapsed().as_nanos());
        r.map_err(|e| format!("VM_BIND map: {e} after {done} ops"))?;
        let t = Instant::now();
        let (_, r) = drm::vm_bind(f, &unmap);
        unbind.push(t.elapsed().as_nanos());
        r.map_err(|e| format!("VM_BIND unmap: {e}"))?;
    }
    println!(
        "vm-bench: null ioctl p50 {} ns, vm_bind {pages} pages p50 {} ns, unmap p50 {} ns",
        p50(&mut null),
        p50(&mut bind),
        p50(&mut unbind)
    );
    Ok(())
}
