//! `nvgspctl bench`: drives one of the core's debugfs probes (`bar0_read`,
//! `rpc_null`) from several threads and reports latency percentiles and
//! throughput.
//!
//! Each read of a probe performs exactly one operation in the kernel and
//! returns that operation's own duration in nanoseconds; the percentiles
//! come from those, the calls per second from the wall clock of the whole
//! run.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::time::Instant;

/// What a run measured.
#[derive(Debug, PartialEq)]
pub struct Report {
    /// Operations done.
    pub calls: usize,
    /// Operations that reported an error.
    pub errors: usize,
    /// Median duration, ns.
    pub p50_ns: u64,
    /// 99th percentile, ns.
    pub p99_ns: u64,
    /// Operations per second over the whole run.
    pub calls_per_sec: f64,
}

/// Parses one probe read: "<ns> <result>", the result "ok" or a value, or
/// "error <errno>".
fn parse(line: &str) -> Result<(u64, bool), String> {
    let mut it = line.split_whitespace();
    let ns = it
        .next()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("bad probe output '{line}'"))?;
    Ok((ns, it.next() != Some("error")))
}

/// The `p`-th percentile of sorted `v` (nearest rank).
fn percentile(v: &[u64], p: usize) -> u64 {
    if v.is_empty() {
        return 0;
    }
    let rank = (p * v.len()).div_ceil(100).clamp(1, v.len());
    v[rank - 1]
}

/// Runs `calls` reads of `path` spread over `threads` threads.
pub fn run(path: &str, threads: usize, calls: usize) -> Result<Report, String> {
    let threads = threads.max(1);
    let start = Instant::now();
    let results: Vec<Result<Vec<(u64, bool)>, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let n = calls / threads + usize::from(t < calls % threads);
                s.spawn(move || -> Result<Vec<(u64, bool)>, String> {
                    let f = File::open(path).map_err(|e| format!("{path}: {e}"))?;
                    let mut buf = [0u8; 128];
                    (0..n)
                        .map(|_| {
                            let len = f.read_at(&mut buf, 0).map_err(|e| format!("{path}: {e}"))?;
                            parse(&String::from_utf8_lossy(&buf[..len]))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("bench thread panicked".into()))
            })
            .collect()
    });
    let elapsed = start.elapsed().as_secs_f64();
    let mut all = Vec::with_capacity(calls);
    for r in results {
        all.extend(r?);
    }
    let errors = all.iter().filter(|(_, ok)| !ok).count();
    let mut ns: Vec<u64> = all.iter().map(|&(n, _)| n).collect();
    ns.sort_unstable();
    Ok(Report {
        calls: all.len(),
        errors,
        p50_ns: percentile(&ns, 50),
        p99_ns: percentile(&ns, 99),
        calls_per_sec: all.len() as f64 / elapsed.max(1e-9),
    })
}

/// Reads a whole small file (a probe once, for a quick check).
pub fn read_once(path: &str) -> Result<String, String> {
    let mut s = String::new();
    File::open(path)
        .and_then(|mut f| f.read_to_string(&mut s))
        .map_err(|e| format!("{path}: {e}"))?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_lines_and_percentiles() {
        assert_eq!(parse("1234 ok\n"), Ok((1234, true)));
        assert_eq!(parse("99 0x172000a1"), Ok((99, true)));
        assert_eq!(parse("5 error -110"), Ok((5, false)));
        assert!(parse("soon").is_err());
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!((percentile(&v, 50), percentile(&v, 99)), (50, 99));
        assert_eq!(percentile(&[7], 99), 7);
        assert_eq!(percentile(&[], 50), 0);
    }
}
