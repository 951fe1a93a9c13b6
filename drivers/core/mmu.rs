// SPDX-License-Identifier: GPL-2.0

//! GPU virtual memory the core manages: page tables the driver owns, in
//! the GPU MMU's format version 2 (`proto/src/mmu.rs`).

pub(crate) mod bar1;
pub(crate) mod listing;
pub(crate) mod page_tables;
pub(crate) mod tlb;
pub(crate) mod vram_tables;
