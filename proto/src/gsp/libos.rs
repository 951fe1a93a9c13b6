// SPDX-License-Identifier: GPL-2.0
//! LIBOS boot arguments: the page of `LibosMemoryRegionInitArgument`s whose
//! DMA address the CPU puts in the GSP falcon's mailboxes, the 8-character
//! region ids, and the mailbox values LIBOS reports.
//!
//! Sources: NVIDIA `libos_init_args.h` (570.144), nova-core
//! `r570_144/bindings.rs`, `gsp.rs`, `gsp/boot.rs`, `gsp/hal/tu102.rs`,
//! nouveau `r535/gsp.c`.

use super::super::wire::Wire;
use super::queue::GSP_PAGE_SIZE;

/// `LIBOS_MEMORY_REGION_NONE`.
pub const LIBOS_MEMORY_REGION_NONE: u8 = 0;
/// `LIBOS_MEMORY_REGION_CONTIGUOUS`: physically contiguous region (nova and
/// nouveau use this for every region).
pub const LIBOS_MEMORY_REGION_CONTIGUOUS: u8 = 1;
/// `LIBOS_MEMORY_REGION_RADIX3`.
pub const LIBOS_MEMORY_REGION_RADIX3: u8 = 2;

/// `LIBOS_MEMORY_REGION_LOC_NONE`.
pub const LIBOS_MEMORY_REGION_LOC_NONE: u8 = 0;
/// `LIBOS_MEMORY_REGION_LOC_SYSMEM`.
pub const LIBOS_MEMORY_REGION_LOC_SYSMEM: u8 = 1;
/// `LIBOS_MEMORY_REGION_LOC_FB`.
pub const LIBOS_MEMORY_REGION_LOC_FB: u8 = 2;

/// `LIBOS_MEMORY_REGION_INIT_ARGUMENTS_MAX` (libos_init_args.h).
pub const LIBOS_MEMORY_REGION_INIT_ARGUMENTS_MAX: usize = 4096;
/// `LIBOS_MEMORY_REGION_RADIX_PAGE_SIZE` (libos_init_args.h).
pub const LIBOS_MEMORY_REGION_RADIX_PAGE_SIZE: usize = 4096;
/// Entries in the one-page argument array nova allocates
/// (`GSP_PAGE_SIZE / size_of::<LibosMemoryRegionInitArgument>()`); unused
/// entries stay zero (`id8 == 0` ends the list).
pub const LIBOS_ARGS_PER_PAGE: usize = GSP_PAGE_SIZE / LibosMemoryRegionInitArgument::SIZE;

/// Mailbox 0 bit LIBOS sets once the processor is suspended, after
/// `UNLOADING_GUEST_DRIVER` (nova `boot.rs` `LIBOS_INTERRUPT_PROCESSOR_SUSPENDED`
/// = bit 31). NVIDIA `kernel_gsp_tu102.c` and nouveau compare mailbox 0 for
/// equality with this value.
pub const LIBOS_INTERRUPT_PROCESSOR_SUSPENDED: u32 = 1 << 31;

/// Pages of each LIBOS log buffer nova allocates (`RM_LOG_BUFFER_NUM_PAGES`).
pub const LOG_BUFFER_NUM_PAGES: usize = 0x10;
/// Offset of a log buffer's put pointer, a u64 counting u64 slots (nova
/// `gsp.rs`: "Offset 0 contains the put pointer").
pub const LOG_BUFFER_PUT_OFFSET: usize = 0;
/// Offset of a log buffer's own page table (one u64 DMA address per page),
/// which the CPU fills before boot (nova `gsp.rs`: "starting with offset 1").
pub const LOG_BUFFER_PTE_OFFSET: usize = 8;

/// Builds the `id8` tag of a region from its name, the way nouveau's
/// `r535_gsp_libos_id8()` does: up to the first 8 bytes (stopping at a NUL),
/// each shifted in from the right, so the last character lands in the low
/// byte. For names of 8 bytes or fewer this equals nova's `id8()`; nova keeps
/// the *last* 8 bytes of longer names, nouveau the first.
pub const fn id8(name: &[u8]) -> u64 {
    let mut id = 0u64;
    let mut i = 0;
    while i < name.len() && i < 8 && name[i] != 0 {
        id = (id << 8) | name[i] as u64;
        i += 1;
    }
    id
}

/// `id8("LOGINIT")`: the init/exception log buffer (argument 0).
pub const ID8_LOGINIT: u64 = id8(b"LOGINIT");
/// `id8("LOGINTR")`: the interrupt log buffer (argument 1).
pub const ID8_LOGINTR: u64 = id8(b"LOGINTR");
/// `id8("LOGRM")`: the RM log buffer (argument 2).
pub const ID8_LOGRM: u64 = id8(b"LOGRM");
/// `id8("RMARGS")`: the page holding `GSP_ARGUMENTS_CACHED` (argument 3).
pub const ID8_RMARGS: u64 = id8(b"RMARGS");

crate::wire_struct! {
    /// `LibosMemoryRegionInitArgument`.
    pub struct LibosMemoryRegionInitArgument {
        /// `id8`: the region name, see [`id8`].
        pub id8: u64,
        /// `pa`: DMA address of the region.
        pub pa: u64,
        /// `size`: bytes.
        pub size: u64,
        /// `kind`: `LIBOS_MEMORY_REGION_*`.
        pub kind: u8,
        /// `loc`: `LIBOS_MEMORY_REGION_LOC_*`.
        pub loc: u8,
        /// Tail padding to 8-byte alignment.
        pub _pad0: [u8; 6],
    }
}

impl LibosMemoryRegionInitArgument {
    /// A contiguous system-memory region, as nova and nouveau describe each
    /// log buffer and the RM arguments page.
    pub const fn sysmem(id8: u64, pa: u64, size: u64) -> Self {
        Self {
            id8,
            pa,
            size,
            kind: LIBOS_MEMORY_REGION_CONTIGUOUS,
            loc: LIBOS_MEMORY_REGION_LOC_SYSMEM,
            _pad0: [0; 6],
        }
    }
}

/// Mailbox values (`MAILBOX0`, `MAILBOX1`) carrying the DMA address of the
/// argument page to the GSP bootloader (nova `hal/tu102.rs`: low 32 bits in
/// mailbox 0, high 32 bits in mailbox 1).
pub const fn libos_args_mailboxes(dma_addr: u64) -> (u32, u32) {
    (dma_addr as u32, (dma_addr >> 32) as u32)
}

/// Finds the region called `id8` in an argument page the other side wrote;
/// the list ends at the first zero `id8` or the end of `page`. (The
/// emulator reads the page with its own code, `emu/src/dev/boot/
/// libos_args.rs`; this one is the fuzzed reference.)
pub fn find_region(page: &[u8], id8: u64) -> Option<LibosMemoryRegionInitArgument> {
    page.chunks_exact(LibosMemoryRegionInitArgument::SIZE)
        .filter_map(LibosMemoryRegionInitArgument::decode)
        .take_while(|a| a.id8 != 0)
        .find(|a| a.id8 == id8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layout() {
        // libos_init_args.h: three u64 then two u8, padded to 8: 32 bytes.
        // gsp_abi_check.c (570.144): size 32, id8@0 pa@8 size@16 kind@24 loc@25.
        assert_eq!(size_of::<LibosMemoryRegionInitArgument>(), 32);
        assert_eq!(offset_of!(LibosMemoryRegionInitArgument, id8), 0);
        assert_eq!(offset_of!(LibosMemoryRegionInitArgument, pa), 8);
        assert_eq!(offset_of!(LibosMemoryRegionInitArgument, size), 16);
        assert_eq!(offset_of!(LibosMemoryRegionInitArgument, kind), 24);
        assert_eq!(offset_of!(LibosMemoryRegionInitArgument, loc), 25);
        assert_eq!(LIBOS_ARGS_PER_PAGE, 128);
    }

    #[test]
    fn published_constants() {
        // bindings.rs LibosMemoryRegionKind / LibosMemoryRegionLoc values.
        assert_eq!(
            [
                LIBOS_MEMORY_REGION_NONE,
                LIBOS_MEMORY_REGION_CONTIGUOUS,
                LIBOS_MEMORY_REGION_RADIX3
            ],
            [0, 1, 2]
        );
        assert_eq!(
            [
                LIBOS_MEMORY_REGION_LOC_NONE,
                LIBOS_MEMORY_REGION_LOC_SYSMEM,
                LIBOS_MEMORY_REGION_LOC_FB
            ],
            [0, 1, 2]
        );
        // nouveau r535_gsp_fini: mailbox0 == 0x80000000.
        assert_eq!(LIBOS_INTERRUPT_PROCESSOR_SUSPENDED, 0x8000_0000);
        assert_eq!(libos_args_mailboxes(0x1_2345_6000), (0x2345_6000, 1));
    }

    #[test]
    fn id8_matches_nova_and_nouveau() {
        // "LOGINIT" shifted in byte by byte: 'L' ends up in bits 55:48.
        assert_eq!(ID8_LOGINIT, 0x004c_4f47_494e_4954);
        assert_eq!(ID8_LOGINTR, 0x004c_4f47_494e_5452);
        assert_eq!(ID8_LOGRM, 0x0000_004c_4f47_524d);
        assert_eq!(ID8_RMARGS, 0x0000_524d_4152_4753);
        // nova: reversed bytes of the name, read as a little-endian u64.
        let nova = |name: &[u8]| {
            let mut b = [0u8; 8];
            for (c, d) in name.iter().rev().zip(b.iter_mut()) {
                *d = *c;
            }
            u64::from_le_bytes(b)
        };
        for name in [
            &b"LOGINIT"[..],
            b"LOGINTR",
            b"LOGRM",
            b"RMARGS",
            b"ABCDEFGH",
            b"",
        ] {
            assert_eq!(id8(name), nova(name));
        }
        // Longer names: nouveau keeps the first eight bytes; stop at NUL.
        assert_eq!(id8(b"ABCDEFGHIJ"), id8(b"ABCDEFGH"));
        assert_eq!(id8(b"AB\0CD"), id8(b"AB"));
    }

    #[test]
    fn argument_page() {
        let mut page = [0u8; GSP_PAGE_SIZE];
        let args = [
            LibosMemoryRegionInitArgument::sysmem(ID8_LOGINIT, 0x10000, 0x10000),
            LibosMemoryRegionInitArgument::sysmem(ID8_LOGINTR, 0x20000, 0x10000),
            LibosMemoryRegionInitArgument::sysmem(ID8_LOGRM, 0x30000, 0x10000),
            LibosMemoryRegionInitArgument::sysmem(ID8_RMARGS, 0x40000, 0x1000),
        ];
        args.encode(&mut page).unwrap();
        assert_eq!(page[24], 1);
        assert_eq!(page[25], 1);
        assert_eq!(&page[96..104], &ID8_RMARGS.to_le_bytes());
        assert_eq!(find_region(&page, ID8_RMARGS), Some(args[3]));
        assert_eq!(find_region(&page, ID8_LOGINTR).map(|a| a.pa), Some(0x20000));
        assert_eq!(find_region(&page, id8(b"NOPE")), None);
        // A truncated page finds only the whole entries.
        assert_eq!(find_region(&page[..127], ID8_RMARGS), None);
        assert_eq!(find_region(&page[..127], ID8_LOGRM), Some(args[2]));
        // A zero id ends the list.
        page[32..40].fill(0);
        assert_eq!(find_region(&page, ID8_LOGRM), None);
        assert_eq!(LibosMemoryRegionInitArgument::decode(&page[..31]), None);
    }
}
