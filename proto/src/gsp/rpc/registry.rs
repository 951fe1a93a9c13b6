// SPDX-License-Identifier: GPL-2.0
//! `SET_REGISTRY` payload: `PACKED_REGISTRY_TABLE`, a header, an array of
//! `PACKED_REGISTRY_ENTRY`, then the NUL-terminated key names (and the
//! values of string/binary entries) they point to.
//!
//! ```text
//! 0        size (u32, bytes of the whole table), numEntries (u32)
//! 8        numEntries x PACKED_REGISTRY_ENTRY (16 bytes each)
//! ...      "Key0\0" [value0] "Key1\0" [value1] ...
//! ```
//!
//! `nameOffset` and, for string/binary entries, `data` are byte offsets from
//! the start of the table. Layouts from nova-core `r570_144/bindings.rs`;
//! the packing rules from NVIDIA `registry.c` `RmPackageRegistry()`
//! (570.144) and nouveau `build_registry()`. For DWORD entries NVIDIA and
//! nouveau set `length` to 4, nova to 0; the decoder accepts any.

use super::super::super::wire::Wire;
use super::PayloadError;

/// `REGISTRY_TABLE_ENTRY_TYPE_UNKNOWN` (g_os_nvoc.h).
pub const REGISTRY_TABLE_ENTRY_TYPE_UNKNOWN: u8 = 0;
/// `REGISTRY_TABLE_ENTRY_TYPE_DWORD`: `data` is the value.
pub const REGISTRY_TABLE_ENTRY_TYPE_DWORD: u8 = 1;
/// `REGISTRY_TABLE_ENTRY_TYPE_BINARY`: `data` is the offset of `length` bytes.
pub const REGISTRY_TABLE_ENTRY_TYPE_BINARY: u8 = 2;
/// `REGISTRY_TABLE_ENTRY_TYPE_STRING`: as binary, NUL-terminated text.
pub const REGISTRY_TABLE_ENTRY_TYPE_STRING: u8 = 3;

crate::wire_struct! {
    /// `PACKED_REGISTRY_TABLE` without its `entries[]` tail.
    pub struct PackedRegistryTable {
        /// `size`: bytes of the whole table, names included.
        pub size: u32,
        /// `numEntries`.
        pub num_entries: u32,
    }

    /// `PACKED_REGISTRY_ENTRY`.
    pub struct PackedRegistryEntry {
        /// `nameOffset`: offset of the NUL-terminated key from the table start.
        pub name_offset: u32,
        /// `type`: `REGISTRY_TABLE_ENTRY_TYPE_*`.
        pub type_: u8,
        /// Padding.
        pub _pad0: [u8; 3],
        /// `data`: the value (DWORD) or the value's offset (STRING/BINARY).
        pub data: u32,
        /// `length`: bytes of the value.
        pub length: u32,
    }
}

/// Bytes [`encode_registry`] needs for `entries`, or `None` if it does not
/// fit a u32 or a key contains a NUL.
pub fn registry_len(entries: &[(&str, u32)]) -> Option<usize> {
    let mut len = PackedRegistryTable::SIZE
        .checked_add(entries.len().checked_mul(PackedRegistryEntry::SIZE)?)?;
    for (key, _) in entries {
        if key.as_bytes().contains(&0) {
            return None;
        }
        len = len.checked_add(key.len())?.checked_add(1)?;
    }
    u32::try_from(len).ok()?;
    Some(len)
}

/// Packs DWORD `entries` (key, value) into `buf` as NVIDIA's
/// `RmPackageRegistry()` does: entries in order, names after the entry
/// array in the same order, `length` 4. Returns the table size, or `None`
/// if `buf` is too small or a key contains a NUL.
pub fn encode_registry(entries: &[(&str, u32)], buf: &mut [u8]) -> Option<usize> {
    let len = registry_len(entries)?;
    let out = buf.get_mut(..len)?;
    out.fill(0);
    PackedRegistryTable {
        size: len as u32,
        num_entries: entries.len() as u32,
    }
    .encode(out)?;
    let mut name_at = PackedRegistryTable::SIZE + entries.len() * PackedRegistryEntry::SIZE;
    for (i, (key, value)) in entries.iter().enumerate() {
        let entry = PackedRegistryEntry {
            name_offset: name_at as u32,
            type_: REGISTRY_TABLE_ENTRY_TYPE_DWORD,
            _pad0: [0; 3],
            data: *value,
            length: 4,
        };
        entry.encode(out.get_mut(PackedRegistryTable::SIZE + i * PackedRegistryEntry::SIZE..)?)?;
        out.get_mut(name_at..name_at + key.len())?
            .copy_from_slice(key.as_bytes());
        name_at += key.len() + 1;
    }
    Some(len)
}

/// A registry value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistryValue<'a> {
    /// `REGISTRY_TABLE_ENTRY_TYPE_DWORD`.
    Dword(u32),
    /// `REGISTRY_TABLE_ENTRY_TYPE_BINARY`.
    Binary(&'a [u8]),
    /// `REGISTRY_TABLE_ENTRY_TYPE_STRING` (bytes as sent, NUL included if sent).
    String(&'a [u8]),
}

/// One decoded entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistryEntry<'a> {
    /// The key.
    pub key: &'a str,
    /// The value.
    pub value: RegistryValue<'a>,
}

/// Why a registry table was rejected. `index` is the entry number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistryError {
    /// Shorter than the table header, or than `size`.
    Payload(PayloadError),
    /// `size` is smaller than the header and entry array it must hold.
    BadSize(u32),
    /// `numEntries` entries do not fit in `size` bytes.
    BadCount(u32),
    /// `nameOffset` is outside the string area, or the key is empty,
    /// unterminated or not UTF-8.
    BadName {
        /// Entry number.
        index: u32,
    },
    /// A string/binary value lies outside the string area.
    BadValue {
        /// Entry number.
        index: u32,
    },
    /// An unknown `type`.
    BadType {
        /// Entry number.
        index: u32,
        /// The type.
        type_: u8,
    },
}

/// A validated registry table.
#[derive(Clone, Copy, Debug)]
pub struct Registry<'a> {
    table: &'a [u8],
    count: u32,
}

impl<'a> Registry<'a> {
    /// Validates the whole table: header, entry array, every name and every
    /// value. Bytes past `size` are ignored.
    pub fn parse(payload: &'a [u8]) -> Result<Self, RegistryError> {
        let hdr = PackedRegistryTable::decode(payload).ok_or(RegistryError::Payload(
            PayloadError::Truncated {
                need: PackedRegistryTable::SIZE,
                have: payload.len(),
            },
        ))?;
        let table = payload
            .get(..hdr.size as usize)
            .ok_or(RegistryError::Payload(PayloadError::BadLength {
                field: "size",
                value: hdr.size,
            }))?;
        if table.len() < PackedRegistryTable::SIZE {
            return Err(RegistryError::BadSize(hdr.size));
        }
        let strings_at = (hdr.num_entries as usize)
            .checked_mul(PackedRegistryEntry::SIZE)
            .and_then(|n| n.checked_add(PackedRegistryTable::SIZE))
            .filter(|&n| n <= table.len())
            .ok_or(RegistryError::BadCount(hdr.num_entries))?;
        let reg = Self {
            table,
            count: hdr.num_entries,
        };
        for i in 0..hdr.num_entries {
            reg.entry_at(i, strings_at)?;
        }
        Ok(reg)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The entries in order.
    pub fn iter(&self) -> impl Iterator<Item = RegistryEntry<'a>> + '_ {
        let strings_at = PackedRegistryTable::SIZE + self.len() * PackedRegistryEntry::SIZE;
        (0..self.count).filter_map(move |i| self.entry_at(i, strings_at).ok())
    }

    /// The DWORD value of `key`, if present with that type.
    pub fn dword(&self, key: &str) -> Option<u32> {
        self.iter().find_map(|e| match e.value {
            RegistryValue::Dword(v) if e.key == key => Some(v),
            _ => None,
        })
    }

    fn entry_at(&self, index: u32, strings_at: usize) -> Result<RegistryEntry<'a>, RegistryError> {
        let table: &'a [u8] = self.table;
        let at = PackedRegistryTable::SIZE + index as usize * PackedRegistryEntry::SIZE;
        let e = table
            .get(at..)
            .and_then(PackedRegistryEntry::decode)
            .ok_or(RegistryError::BadCount(self.count))?;
        let bad_name = RegistryError::BadName { index };
        let name_off = e.name_offset as usize;
        if name_off < strings_at {
            return Err(bad_name);
        }
        let tail = table.get(name_off..).ok_or(bad_name)?;
        let nul = tail.iter().position(|&c| c == 0).ok_or(bad_name)?;
        let key = tail
            .get(..nul)
            .filter(|k| !k.is_empty())
            .and_then(|k| core::str::from_utf8(k).ok())
            .ok_or(bad_name)?;
        let blob = || {
            let off = e.data as usize;
            let end = off.checked_add(e.length as usize);
            match end {
                Some(end) if off >= strings_at => table.get(off..end),
                _ => None,
            }
            .ok_or(RegistryError::BadValue { index })
        };
        let value = match e.type_ {
            REGISTRY_TABLE_ENTRY_TYPE_DWORD => RegistryValue::Dword(e.data),
            REGISTRY_TABLE_ENTRY_TYPE_BINARY => RegistryValue::Binary(blob()?),
            REGISTRY_TABLE_ENTRY_TYPE_STRING => RegistryValue::String(blob()?),
            t => return Err(RegistryError::BadType { index, type_: t }),
        };
        Ok(RegistryEntry { key, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    extern crate std;
    use std::vec::Vec;

    // nova-core's SetRegistry entries.
    const NOVA: [(&str, u32); 3] = [
        ("RMSecBusResetEnable", 1),
        ("RMForcePcieConfigSave", 1),
        ("RMDevidCheckIgnore", 1),
    ];

    #[test]
    fn layouts() {
        // bindings.rs: nameOffset u32, type u8, pad 3, data u32, length u32.
        assert_eq!(size_of::<PackedRegistryEntry>(), 16);
        assert_eq!(offset_of!(PackedRegistryEntry, type_), 4);
        assert_eq!(offset_of!(PackedRegistryEntry, data), 8);
        assert_eq!(offset_of!(PackedRegistryEntry, length), 12);
        // size, numEntries, then entries at 8.
        assert_eq!(size_of::<PackedRegistryTable>(), 8);
        // bindings.rs REGISTRY_TABLE_ENTRY_TYPE_DWORD = 1; nouveau 2, 3.
        assert_eq!(REGISTRY_TABLE_ENTRY_TYPE_DWORD, 1);
        assert_eq!(REGISTRY_TABLE_ENTRY_TYPE_BINARY, 2);
        assert_eq!(REGISTRY_TABLE_ENTRY_TYPE_STRING, 3);
    }

    #[test]
    fn encode_and_decode() {
        let mut buf = [0u8; 256];
        let n = encode_registry(&NOVA, &mut buf).unwrap();
        // 8 + 3 * 16 + 20 + 22 + 19 = 117.
        assert_eq!(n, 117);
        assert_eq!(registry_len(&NOVA), Some(117));
        assert_eq!(&buf[..8], &[117, 0, 0, 0, 3, 0, 0, 0]);
        // First entry: name at 56, DWORD, value 1, length 4.
        assert_eq!(
            &buf[8..24],
            &[56, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0]
        );
        assert_eq!(&buf[56..76], b"RMSecBusResetEnable\0");
        assert_eq!(buf[n - 1], 0);

        let reg = Registry::parse(&buf[..n]).unwrap();
        assert_eq!(reg.len(), 3);
        let got: Vec<_> = reg.iter().collect();
        for (e, (k, v)) in got.iter().zip(NOVA) {
            assert_eq!((e.key, e.value), (k, RegistryValue::Dword(v)));
        }
        assert_eq!(reg.dword("RMDevidCheckIgnore"), Some(1));
        assert_eq!(reg.dword("RMSetSriovMode"), None);
        // Trailing bytes past `size` are ignored.
        assert_eq!(Registry::parse(&buf).unwrap().len(), 3);

        let n = encode_registry(&[], &mut buf).unwrap();
        assert_eq!(n, 8);
        assert!(Registry::parse(&buf[..n]).unwrap().is_empty());
        assert_eq!(encode_registry(&NOVA, &mut buf[..116]), None);
        assert_eq!(encode_registry(&[("A\0B", 1)], &mut buf), None);
    }

    #[test]
    fn string_and_binary_values() {
        // Table with one STRING entry laid out as nouveau's build_registry().
        let mut b = [0u8; 64];
        let put =
            |b: &mut [u8], off: usize, v: u32| b[off..off + 4].copy_from_slice(&v.to_le_bytes());
        put(&mut b, 0, 8 + 16 + 4 + 6);
        put(&mut b, 4, 1);
        put(&mut b, 8, 24);
        b[12] = REGISTRY_TABLE_ENTRY_TYPE_STRING;
        put(&mut b, 16, 28);
        put(&mut b, 20, 6);
        b[24..28].copy_from_slice(b"Key\0");
        b[28..34].copy_from_slice(b"value\0");
        let reg = Registry::parse(&b).unwrap();
        let e = reg.iter().next().unwrap();
        assert_eq!((e.key, e.value), ("Key", RegistryValue::String(b"value\0")));
        assert_eq!(reg.dword("Key"), None);
        b[12] = REGISTRY_TABLE_ENTRY_TYPE_BINARY;
        assert_eq!(
            Registry::parse(&b).unwrap().iter().next().unwrap().value,
            RegistryValue::Binary(b"value\0")
        );
        // Value running past `size`.
        put(&mut b, 20, 7);
        assert_eq!(
            Registry::parse(&b).unwrap_err(),
            RegistryError::BadValue { index: 0 }
        );
        put(&mut b, 20, 6);
        // Value pointing into the entry array.
        put(&mut b, 16, 8);
        assert_eq!(
            Registry::parse(&b).unwrap_err(),
            RegistryError::BadValue { index: 0 }
        );
        put(&mut b, 16, u32::MAX);
        assert_eq!(
            Registry::parse(&b).unwrap_err(),
            RegistryError::BadValue { index: 0 }
        );
        put(&mut b, 16, 28);
        b[12] = 9;
        assert_eq!(
            Registry::parse(&b).unwrap_err(),
            RegistryError::BadType { index: 0, type_: 9 }
        );
    }

    #[test]
    fn malformed_tables_are_rejected() {
        let mut buf = [0u8; 128];
        let n = encode_registry(&NOVA, &mut buf).unwrap();
        let put =
            |b: &mut [u8], off: usize, v: u32| b[off..off + 4].copy_from_slice(&v.to_le_bytes());
        let parse = |b: &[u8]| Registry::parse(b).map(|r| r.len());

        assert_eq!(
            parse(&buf[..7]),
            Err(RegistryError::Payload(PayloadError::Truncated {
                need: 8,
                have: 7
            }))
        );
        assert_eq!(
            parse(&buf[..n - 1]),
            Err(RegistryError::Payload(PayloadError::BadLength {
                field: "size",
                value: 117
            }))
        );
        let mut b = buf;
        put(&mut b, 0, 4);
        assert_eq!(parse(&b), Err(RegistryError::BadSize(4)));
        let mut b = buf;
        put(&mut b, 4, 7);
        assert_eq!(parse(&b), Err(RegistryError::BadCount(7)));
        put(&mut b, 4, u32::MAX);
        assert_eq!(parse(&b), Err(RegistryError::BadCount(u32::MAX)));
        // Name offset inside the entry array, past the end, at the end.
        let mut b = buf;
        put(&mut b, 8, 20);
        assert_eq!(parse(&b), Err(RegistryError::BadName { index: 0 }));
        put(&mut b, 8, 117);
        assert_eq!(parse(&b), Err(RegistryError::BadName { index: 0 }));
        put(&mut b, 8, u32::MAX);
        assert_eq!(parse(&b), Err(RegistryError::BadName { index: 0 }));
        // Unterminated last name (its NUL replaced).
        let mut b = buf;
        b[n - 1] = b'x';
        assert_eq!(parse(&b[..n]), Err(RegistryError::BadName { index: 2 }));
        // Empty name: point entry 1 at entry 0's NUL.
        let mut b = buf;
        put(&mut b, 24, 75);
        assert_eq!(parse(&b), Err(RegistryError::BadName { index: 1 }));
        // Not UTF-8.
        let mut b = buf;
        b[56] = 0xff;
        assert_eq!(parse(&b), Err(RegistryError::BadName { index: 0 }));
    }
}
