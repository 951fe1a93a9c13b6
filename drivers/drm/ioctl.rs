// SPDX-License-Identifier: GPL-2.0

//! `declare_ioctls!`: the ioctl table of the DRM driver.
//!
//! The same contract as the kernel's `declare_drm_ioctls!` (one entry per
//! ioctl, numbered without gaps from `DRM_COMMAND_BASE`, struct size equal to
//! the size in the ioctl number, handlers called with the registered device,
//! the registration data, the argument and the file), but the argument
//! structs and numbers come from this driver's [`uapi`](crate::uapi) module
//! instead of the kernel's `uapi` crate, so the UAPI can grow without a
//! kernel rebuild.

/// Declares `const IOCTLS` for a `drm::Driver` implementation.
///
/// Each entry is `(NAME, struct_name, flags, handler)`, where
/// `DRM_IOCTL_<NAME>` and `struct_name` are items of `crate::uapi`.
macro_rules! declare_ioctls {
    ( $(($cmd:ident, $struct:ident, $flags:expr, $func:expr)),* $(,)? ) => {
        const IOCTLS: &'static [::kernel::drm::ioctl::DrmIoctlDescriptor] = {
            use crate::uapi::*;
            const _: () = {
                let i: u32 = crate::uapi::DRM_COMMAND_BASE;
                $(
                    let cmd: u32 = ::kernel::macros::concat_idents!(DRM_IOCTL_, $cmd);
                    ::core::assert!(i == ::kernel::ioctl::_IOC_NR(cmd));
                    ::core::assert!(
                        ::core::mem::size_of::<crate::uapi::$struct>() == ::kernel::ioctl::_IOC_SIZE(cmd)
                    );
                    let i: u32 = i + 1;
                )*
                let _ = i;
            };

            let ioctls = &[$(
                ::kernel::drm::ioctl::internal::drm_ioctl_desc {
                    cmd: ::kernel::macros::concat_idents!(DRM_IOCTL_, $cmd),
                    func: {
                        /// # Safety
                        ///
                        /// Called by the DRM core only, with a registered device of
                        /// this driver, the ioctl's argument buffer and the file.
                        #[allow(non_snake_case)]
                        unsafe extern "C" fn $cmd(
                            raw_dev: *mut ::kernel::drm::ioctl::internal::drm_device,
                            raw_data: *mut ::core::ffi::c_void,
                            raw_file: *mut ::kernel::drm::ioctl::internal::drm_file,
                        ) -> ::core::ffi::c_int {
                            let dev: &::kernel::drm::device::Device<_, ::kernel::drm::Ioctl> =
                                // SAFETY: The DRM core calls ioctl handlers only on a
                                // registered device of this driver, which lives for
                                // the duration of the call.
                                unsafe { ::kernel::drm::device::Device::from_raw(raw_dev) };

                            // Ties `dev`'s driver type to the handler's first
                            // parameter; never called.
                            #[allow(unreachable_code)]
                            let _ = || {
                                let ptr = ::kernel::drm::ioctl::internal::__dev_ctx_cast(
                                    ::core::ptr::from_ref(dev),
                                );
                                $func(
                                    // SAFETY: Never executed; only unifies types.
                                    unsafe { &*ptr },
                                    unreachable!(),
                                    unreachable!(),
                                    unreachable!(),
                                )
                            };
                            // The handler must accept any lifetime.
                            let _: for<'a> fn(&'a _, &'a _, &'a mut _, &'a _) -> _ = $func;

                            let Some(guard) = dev.registration_guard() else {
                                return ::kernel::error::code::ENODEV.to_errno();
                            };
                            // SAFETY: `drm_ioctl()` copied `_IOC_SIZE(cmd)` bytes (the
                            // struct's size, checked above) into a buffer it owns for
                            // the call; any bit pattern is a valid UAPI struct.
                            let data = unsafe { &mut *(raw_data.cast::<crate::uapi::$struct>()) };
                            // SAFETY: `raw_file` is the DRM file of this call.
                            let file = unsafe { ::kernel::drm::File::from_raw(raw_file) };

                            match guard.registration_data_with(|reg_data| $func(&*guard, reg_data, data, file)) {
                                Err(e) => e.to_errno(),
                                Ok(i) => i.try_into().unwrap_or(::kernel::error::code::ERANGE.to_errno()),
                            }
                        }
                        Some($cmd)
                    },
                    flags: $flags,
                    name: ::kernel::str::as_char_ptr_in_const_context(
                        ::kernel::c_str!(::core::stringify!($cmd)),
                    ),
                }
            ),*];
            ioctls
        };
    };
}

pub(crate) use declare_ioctls;
