// SPDX-License-Identifier: GPL-2.0

//! Copies into and out of coherent DMA memory shared with the GPU, bounds
//! checked: the shared queues, the LibOS pages and the firmware images go
//! through these.

use kernel::{
    dma::Coherent,
    io::{
        io_project,
        Io, //
    },
    prelude::*, //
};

/// Reads the u32 at `off` of `mem`.
pub(crate) fn read_u32(mem: &Coherent<[u8]>, off: usize) -> Result<u32> {
    Ok(io_project!(mem, [try: off..off + 4])
        .try_cast::<u32>()?
        .read_val())
}

/// Writes the u32 at `off` of `mem`.
pub(crate) fn write_u32(mem: &Coherent<[u8]>, off: usize, v: u32) -> Result {
    io_project!(mem, [try: off..off + 4])
        .try_cast::<u32>()?
        .write_val(v);
    Ok(())
}

/// Reads the u64 at `off` of `mem` in one load.
pub(crate) fn read_u64(mem: &Coherent<[u8]>, off: usize) -> Result<u64> {
    Ok(io_project!(mem, [try: off..off + 8])
        .try_cast::<u64>()?
        .read_val())
}

/// Writes the u64 at `off` of `mem` in one store (a page table entry the
/// GPU may read at any time must never be seen half written).
pub(crate) fn write_u64(mem: &Coherent<[u8]>, off: usize, v: u64) -> Result {
    io_project!(mem, [try: off..off + 8])
        .try_cast::<u64>()?
        .write_val(v);
    Ok(())
}

/// Copies `data` into `mem` at `off`.
pub(crate) fn write_bytes(mem: &Coherent<[u8]>, off: usize, data: &[u8]) -> Result {
    io_project!(mem, [try: off..off + data.len()]).copy_from_slice(data);
    Ok(())
}

/// Copies `mem` at `off` into `buf`.
pub(crate) fn read_bytes(mem: &Coherent<[u8]>, off: usize, buf: &mut [u8]) -> Result {
    io_project!(mem, [try: off..off + buf.len()]).copy_to_slice(buf);
    Ok(())
}
