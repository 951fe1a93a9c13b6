// SPDX-License-Identifier: GPL-2.0
//! Fixed-layout wire structures without `unsafe`.
//!
//! [`wire_struct!`] declares a `#[repr(C)]` struct whose fields are integers,
//! arrays or other wire structs, and implements [`Wire`] for it: explicit
//! little-endian encoding and decoding, field by field. A compile-time check
//! rejects a struct with implicit padding, so the sequential encoding is
//! exactly the `repr(C)` layout, and tests can pin `offset_of!` to the
//! published offsets. Padding the published layout has is spelled out as
//! named `_pad` fields.

/// A value with a fixed little-endian wire encoding of `SIZE` bytes.
pub trait Wire: Sized + Copy {
    /// Encoded size in bytes, equal to `size_of::<Self>()`.
    const SIZE: usize;
    /// The all-zero value.
    const ZERO: Self;
    /// Reads a value from the start of `b`, or `None` if `b` is too short.
    fn decode(b: &[u8]) -> Option<Self>;
    /// Writes the value to the start of `b`, or `None` if `b` is too short.
    fn encode(&self, b: &mut [u8]) -> Option<()>;
}

macro_rules! wire_int {
    ($($t:ty),*) => {$(
        impl Wire for $t {
            const SIZE: usize = core::mem::size_of::<$t>();
            const ZERO: Self = 0;
            fn decode(b: &[u8]) -> Option<Self> {
                Some(<$t>::from_le_bytes(b.get(..Self::SIZE)?.try_into().ok()?))
            }
            fn encode(&self, b: &mut [u8]) -> Option<()> {
                b.get_mut(..Self::SIZE)?.copy_from_slice(&self.to_le_bytes());
                Some(())
            }
        }
    )*};
}
wire_int!(u8, u16, u32, u64, i32);

impl<T: Wire, const N: usize> Wire for [T; N] {
    const SIZE: usize = T::SIZE * N;
    const ZERO: Self = [T::ZERO; N];
    fn decode(b: &[u8]) -> Option<Self> {
        let b = b.get(..Self::SIZE)?;
        let mut out = [T::ZERO; N];
        for (i, v) in out.iter_mut().enumerate() {
            *v = T::decode(&b[i * T::SIZE..])?;
        }
        Some(out)
    }
    fn encode(&self, b: &mut [u8]) -> Option<()> {
        let b = b.get_mut(..Self::SIZE)?;
        for (i, v) in self.iter().enumerate() {
            v.encode(&mut b[i * T::SIZE..])?;
        }
        Some(())
    }
}

/// Declares wire structs; see the module documentation.
#[macro_export]
macro_rules! wire_struct {
    ($(
        $(#[$m:meta])*
        pub struct $name:ident {
            $( $(#[$fm:meta])* pub $f:ident : $t:ty ),* $(,)?
        }
    )*) => {$(
        $(#[$m])*
        #[repr(C)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name { $( $(#[$fm])* pub $f: $t ),* }

        // No implicit padding: the field-by-field encoding is the layout.
        const _: () = assert!(
            core::mem::size_of::<$name>() == 0 $(+ <$t as $crate::wire::Wire>::SIZE)*
        );

        impl $crate::wire::Wire for $name {
            const SIZE: usize = core::mem::size_of::<$name>();
            const ZERO: Self = Self { $( $f: <$t as $crate::wire::Wire>::ZERO ),* };
            #[allow(unused_assignments)]
            fn decode(b: &[u8]) -> Option<Self> {
                let b = b.get(..Self::SIZE)?;
                let mut at = 0usize;
                Some(Self { $( $f: {
                    let v = <$t as $crate::wire::Wire>::decode(&b[at..])?;
                    at += <$t as $crate::wire::Wire>::SIZE;
                    v
                } ),* })
            }
            #[allow(unused_assignments)]
            fn encode(&self, b: &mut [u8]) -> Option<()> {
                let b = b.get_mut(..Self::SIZE)?;
                let mut at = 0usize;
                $(
                    <$t as $crate::wire::Wire>::encode(&self.$f, &mut b[at..])?;
                    at += <$t as $crate::wire::Wire>::SIZE;
                )*
                Some(())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                <Self as $crate::wire::Wire>::ZERO
            }
        }
    )*};
}

#[cfg(test)]
mod tests {
    use super::Wire;

    crate::wire_struct! {
        /// A struct with explicit padding.
        pub struct Sample {
            pub a: u32,
            pub _pad: u32,
            pub b: u64,
            pub c: [u16; 4],
        }
    }

    #[test]
    fn round_trip_matches_layout() {
        let s = Sample {
            a: 0x11223344,
            _pad: 0,
            b: 0x0102030405060708,
            c: [1, 2, 3, 4],
        };
        let mut buf = [0u8; 24];
        s.encode(&mut buf).unwrap();
        assert_eq!(&buf[..4], &[0x44, 0x33, 0x22, 0x11]);
        assert_eq!(buf[core::mem::offset_of!(Sample, b)], 0x08);
        assert_eq!(buf[core::mem::offset_of!(Sample, c) + 6], 4);
        assert_eq!(Sample::decode(&buf), Some(s));
        assert_eq!(Sample::decode(&buf[..23]), None);
        assert_eq!(s.encode(&mut [0u8; 23]), None);
    }
}
