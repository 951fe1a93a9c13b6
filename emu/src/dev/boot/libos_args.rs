//! The LibOS argument page, as GSP-RM's LibOS takes it at its start: the
//! RMARGS region, whose `GSP_ARGUMENTS_CACHED` says where the message
//! queues are, and the log buffers.
//!
//! Besides RMARGS, the driver's LibOS argument page must name three log
//! buffers, LOGINIT, LOGINTR and LOGRM (nova-core `gsp.rs` `Gsp::new`,
//! nouveau `r535_gsp_libos_init`; OpenRM `_kgspInitLibosLoggingStructures`),
//! each contiguous system memory holding, after its 8-byte put pointer, its
//! own page table: entry i is the bus address of page i (nova-core
//! `LogBuffer::new`, nouveau `create_pte_array`). LibOS logs through that
//! table, so one that does not map its buffer would make it write
//! elsewhere; GSP-RM refuses to start instead.
//!
//! The argument page is parsed here on its own, from the layout of
//! `libos_init_args.h` (`LibosMemoryRegionInitArgument`: `id8` at 0, `pa`
//! at 8, `size` at 16, `kind` at 24, `loc` at 25, 32 bytes per entry), not
//! with the code the driver built it with.

use crate::gsp_rm::QueueArgs;
use crate::guest_mem::GuestMemory;

/// Bytes per argument entry, and entries per page.
const ENTRY: usize = 32;
const PAGE: usize = 4096;
/// `LIBOS_MEMORY_REGION_CONTIGUOUS` and `LIBOS_MEMORY_REGION_LOC_SYSMEM`.
const KIND_CONTIGUOUS: u8 = 1;
const LOC_SYSMEM: u8 = 1;
/// Bytes of `MESSAGE_QUEUE_INIT_ARGUMENTS`, the part of RMARGS read here.
const QUEUE_ARGS_SIZE: u64 = 32;
/// Where the page table starts in a log buffer (after the put pointer).
const PTE_OFFSET: u64 = 8;
/// The largest log buffer LibOS takes: real ones are 64 to 256 KiB
/// (nova-core, nouveau); this bounds what a guest's size makes it read.
const MAX_SIZE: u64 = 16 << 20;

/// The `id8` of a region name: its bytes shifted in from the right, the
/// last character in the low byte (nouveau `r535_gsp_libos_id8`).
fn id8(name: &str) -> u64 {
    name.bytes().fold(0, |id, c| id << 8 | u64::from(c))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// One region the argument page names.
struct Region {
    pa: u64,
    size: u64,
    kind: u8,
    loc: u8,
}

/// The region `name` of the argument page at `libos`.
fn region(mem: &GuestMemory, libos: u64, name: &str) -> Result<Region, String> {
    let mut page = vec![0u8; PAGE];
    mem.read(libos, &mut page).map_err(|e| e.to_string())?;
    let e = page
        .chunks_exact(ENTRY)
        .take_while(|e| u64_at(e, 0) != 0)
        .find(|e| u64_at(e, 0) == id8(name))
        .ok_or_else(|| format!("no {name} region"))?;
    Ok(Region {
        pa: u64_at(e, 8),
        size: u64_at(e, 16),
        kind: e[24],
        loc: e[25],
    })
}

/// The message queues' arguments, from the `GSP_ARGUMENTS_CACHED` at the
/// start of the RMARGS region (nouveau `r535_gsp_set_rmargs`), whose
/// first member, `MESSAGE_QUEUE_INIT_ARGUMENTS`, holds `sharedMemPhysAddr`
/// (u64 at 0), `pageTableEntryCount` (u32 at 8), `cmdQueueOffset` and
/// `statQueueOffset` (`NvLength`, u64 at 16 and 24; nouveau
/// `nvrm/gsp.h`, nova-core `MessageQueueInitArguments`).
pub fn queue_args(mem: &GuestMemory, libos: u64) -> Result<QueueArgs, String> {
    let r = region(mem, libos, "RMARGS")?;
    if r.size < QUEUE_ARGS_SIZE {
        return Err(format!("RMARGS region of {} bytes is too small", r.size));
    }
    let mut b = [0u8; QUEUE_ARGS_SIZE as usize];
    mem.read(r.pa, &mut b)
        .map_err(|e| format!("RMARGS at {:#x}: {e}", r.pa))?;
    Ok(QueueArgs {
        shared_mem: u64_at(&b, 0),
        pte_count: u32::from_le_bytes([b[8], b[9], b[10], b[11]]),
        cmd_off: u64_at(&b, 16),
        msg_off: u64_at(&b, 24),
    })
}

/// Checks the log buffers the argument page at `libos` names.
pub fn check(mem: &GuestMemory, libos: u64) -> Result<(), String> {
    for name in ["LOGINIT", "LOGINTR", "LOGRM"] {
        let Region {
            pa,
            size,
            kind,
            loc,
        } = region(mem, libos, name).map_err(|_| format!("no {name} log buffer"))?;
        if kind != KIND_CONTIGUOUS || loc != LOC_SYSMEM {
            return Err(format!(
                "{name} is not contiguous system memory (kind {kind}, loc {loc})"
            ));
        }
        let pages = size / PAGE as u64;
        if size == 0
            || size > MAX_SIZE
            || !size.is_multiple_of(PAGE as u64)
            || PTE_OFFSET + 8 * pages > size
            || pa.checked_add(size).is_none()
        {
            return Err(format!(
                "{name} of {size:#x} bytes at {pa:#x} cannot hold its page table"
            ));
        }
        // Both bounded: `size` by MAX_SIZE, `pa + size` checked above.
        let mut table = vec![0u8; 8 * pages as usize];
        mem.read(pa + PTE_OFFSET, &mut table)
            .map_err(|e| format!("{name} at {pa:#x}: {e}"))?;
        for (i, pte) in table.chunks_exact(8).enumerate() {
            let want = pa + (i * PAGE) as u64;
            let got = u64_at(pte, 0);
            if got != want {
                return Err(format!(
                    "{name}'s page table entry {i} is {got:#x}, not its page {want:#x}"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: u64 = 0x20_0000;
    const SIZE: u64 = 0x10000;

    /// An argument page at BASE naming `names`, each buffer 64 KiB after
    /// it with its page table filled in.
    fn setup(names: &[&str]) -> GuestMemory {
        let gm = GuestMemory::default();
        let len = PAGE as u64 + SIZE * names.len() as u64;
        gm.map(BASE, len, crate::guest_mem::backing_file(len), 0)
            .unwrap();
        for (n, name) in names.iter().enumerate() {
            let pa = BASE + PAGE as u64 + SIZE * n as u64;
            let at = BASE + (n * ENTRY) as u64;
            gm.write(at, &id8(name).to_le_bytes()).unwrap();
            gm.write(at + 8, &pa.to_le_bytes()).unwrap();
            gm.write(at + 16, &SIZE.to_le_bytes()).unwrap();
            gm.write(at + 24, &[KIND_CONTIGUOUS, LOC_SYSMEM]).unwrap();
            for i in 0..SIZE / PAGE as u64 {
                gm.write(
                    pa + PTE_OFFSET + 8 * i,
                    &(pa + i * PAGE as u64).to_le_bytes(),
                )
                .unwrap();
            }
        }
        gm
    }

    #[test]
    fn id8_matches_nouveau() {
        // r535_gsp_libos_id8("LOGRM"): 'L' 'O' 'G' 'R' 'M' shifted in.
        assert_eq!(id8("LOGRM"), 0x004c_4f47_524d);
    }

    #[test]
    fn the_queue_arguments_come_from_rmargs() {
        // RMARGS (the fourth region) holds GSP_ARGUMENTS_CACHED.
        let gm = setup(&["LOGINIT", "LOGINTR", "LOGRM", "RMARGS"]);
        let rmargs = BASE + PAGE as u64 + 3 * SIZE;
        // By hand: sharedMemPhysAddr, pageTableEntryCount, cmdQueueOffset,
        // statQueueOffset.
        gm.write(rmargs, &0x1234_5000u64.to_le_bytes()).unwrap();
        gm.write(rmargs + 8, &0x49u32.to_le_bytes()).unwrap();
        gm.write(rmargs + 16, &0x9000u64.to_le_bytes()).unwrap();
        gm.write(rmargs + 24, &0x4_9000u64.to_le_bytes()).unwrap();
        let q = queue_args(&gm, BASE).unwrap();
        assert_eq!(
            (q.shared_mem, q.pte_count, q.cmd_off, q.msg_off),
            (0x1234_5000, 0x49, 0x9000, 0x4_9000)
        );
        let gm = setup(&["LOGINIT", "LOGINTR", "LOGRM"]);
        assert_eq!(queue_args(&gm, BASE).unwrap_err(), "no RMARGS region");
        let gm = setup(&["RMARGS"]);
        gm.write(BASE + 16, &8u64.to_le_bytes()).unwrap();
        assert!(queue_args(&gm, BASE).unwrap_err().contains("too small"));
    }

    #[test]
    fn three_buffers_mapping_themselves_pass() {
        let gm = setup(&["LOGINIT", "LOGINTR", "LOGRM", "RMARGS"]);
        assert_eq!(check(&gm, BASE), Ok(()));
    }

    #[test]
    fn a_missing_buffer_or_a_wrong_page_table_entry_fails() {
        let gm = setup(&["LOGINIT", "LOGRM", "RMARGS"]);
        assert_eq!(check(&gm, BASE), Err("no LOGINTR log buffer".into()));
        let gm = setup(&["LOGINIT", "LOGINTR", "LOGRM"]);
        let logrm = BASE + PAGE as u64 + 2 * SIZE;
        gm.write(logrm + PTE_OFFSET + 8 * 3, &0u64.to_le_bytes())
            .unwrap();
        let e = check(&gm, BASE).unwrap_err();
        assert!(e.contains("LOGRM's page table entry 3"), "{e}");
        let gm = setup(&["LOGINIT", "LOGINTR", "LOGRM"]);
        gm.write(BASE + 16, &(1u64 << 62).to_le_bytes()).unwrap();
        let e = check(&gm, BASE).unwrap_err();
        assert!(e.contains("cannot hold its page table"), "{e}");
        let gm = setup(&["LOGINIT", "LOGINTR", "LOGRM"]);
        gm.write(BASE + 25, &[2]).unwrap();
        let e = check(&gm, BASE).unwrap_err();
        assert!(e.contains("LOGINIT is not contiguous system memory"), "{e}");
    }
}
