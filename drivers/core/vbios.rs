// SPDX-License-Identifier: GPL-2.0

//! The VBIOS, read from the PROM window of BAR0 (0x300000) image by image:
//! each image's headers give its size and whether it is the last, so only
//! the ROM's images are read, not the whole 1 MiB window (nova-core
//! `vbios.rs` reads ahead the same way). The formats are parsed by
//! `proto/src/firmware/vbios*.rs`.

use kernel::{
    device,
    io::Io,
    prelude::*, //
};

use kernel::num::casts::u32_as_usize;

use crate::{
    bar::Bar0,
    proto::firmware::vbios::{
        rom::ImageHeaders,
        PROM_BAR0_OFFSET,
        ROM_MAX_SIZE, //
    },
};

/// Bytes read ahead to parse an image's headers.
const HEADER_READ: usize = 1024;

/// Extends `rom` with PROM bytes up to `len`.
fn fill(bar: Bar0<'_>, rom: &mut KVec<u8>, len: usize) -> Result {
    while rom.len() < len {
        let word = bar.try_read32(u32_as_usize(PROM_BAR0_OFFSET) + rom.len())?;
        rom.extend_from_slice(&word.to_le_bytes(), GFP_KERNEL)?;
    }
    Ok(())
}

/// Reads the VBIOS images.
pub(crate) fn read(dev: &device::Device, bar: Bar0<'_>) -> Result<KVec<u8>> {
    let mut rom = KVec::new();
    let mut at = 0usize;
    loop {
        fill(bar, &mut rom, at + HEADER_READ)?;
        let h = ImageHeaders::parse(&rom[at..]).map_err(|e| {
            dev_err!(dev, "VBIOS image at {:#x} is malformed: {:?}\n", at, e);
            EINVAL
        })?;
        let size = h.size();
        let end = at
            .checked_add(size)
            .filter(|&e| size > 0 && e <= ROM_MAX_SIZE)
            .ok_or_else(|| {
                dev_err!(dev, "VBIOS image at {:#x} has a bad size {:#x}\n", at, size);
                EINVAL
            })?;
        fill(bar, &mut rom, end)?;
        if h.is_last() {
            rom.truncate(end);
            return Ok(rom);
        }
        at = end;
    }
}
