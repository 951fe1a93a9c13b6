// SPDX-License-Identifier: GPL-2.0
//! `SET_REGISTRY`: `rpc::registry::Registry::parse`, `iter` and `dword`,
//! the table the emulator (GSP-RM's side) reads from the driver.
//!
//! An accepted table yields all `numEntries` entries; every key is
//! non-empty UTF-8 without NUL, lies inside the table's string area and is
//! NUL-terminated there; every string/binary value lies inside the table;
//! `dword` finds the first DWORD entry of a key. The DWORD entries, packed
//! again with `encode_registry`, parse back to the same entries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nvgsp_proto::gsp::rpc::registry::{
    encode_registry, registry_len, PackedRegistryEntry, PackedRegistryTable, Registry,
    RegistryError, RegistryValue,
};
use nvgsp_proto::gsp::rpc::PayloadError;
use nvgsp_proto::wire::Wire;
use nvgsp_proto_fuzz::{offset_in, round_trip};

fuzz_target!(|p: &[u8]| {
    let reg = match Registry::parse(p) {
        Ok(r) => r,
        Err(RegistryError::Payload(PayloadError::Truncated { .. })) => {
            assert!(p.len() < PackedRegistryTable::SIZE);
            return;
        }
        Err(_) => return,
    };
    let hdr: PackedRegistryTable = round_trip(p).unwrap();
    let size = hdr.size as usize;
    assert!(size <= p.len());
    let table = &p[..size];
    let strings_at = PackedRegistryTable::SIZE + reg.len() * PackedRegistryEntry::SIZE;
    assert!(strings_at <= size);
    assert_eq!(reg.len(), hdr.num_entries as usize);
    assert_eq!(reg.is_empty(), hdr.num_entries == 0);

    let entries: Vec<_> = reg.iter().collect();
    assert_eq!(
        entries.len(),
        reg.len(),
        "an entry parse accepted is dropped"
    );
    let mut dwords = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let raw: PackedRegistryEntry =
            round_trip(&table[PackedRegistryTable::SIZE + i * PackedRegistryEntry::SIZE..])
                .unwrap();
        let key = e.key.as_bytes();
        assert!(!key.is_empty() && !key.contains(&0));
        let at = offset_in(table, key);
        assert_eq!(at, raw.name_offset as usize);
        assert!(at >= strings_at);
        assert_eq!(
            table.get(at + key.len()),
            Some(&0),
            "key not NUL-terminated"
        );
        match e.value {
            RegistryValue::Dword(v) => {
                assert_eq!(v, raw.data);
                dwords.push((e.key, v));
            }
            RegistryValue::Binary(b) | RegistryValue::String(b) => {
                let at = offset_in(table, b);
                assert_eq!((at, b.len()), (raw.data as usize, raw.length as usize));
                assert!(at >= strings_at);
            }
        }
    }
    for (k, _) in &dwords {
        let first = dwords.iter().find(|(k2, _)| k2 == k).map(|(_, v)| *v);
        assert_eq!(reg.dword(k), first);
    }

    // Repacked the way the driver packs them.
    if let Some(len) = registry_len(&dwords) {
        let mut buf = vec![0u8; len];
        assert_eq!(encode_registry(&dwords, &mut buf), Some(len));
        let again = Registry::parse(&buf).expect("repacked table parses");
        assert!(again
            .iter()
            .map(|e| (e.key, e.value))
            .eq(dwords.iter().map(|&(k, v)| (k, RegistryValue::Dword(v)))));
    }
});
