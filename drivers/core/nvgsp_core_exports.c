// SPDX-License-Identifier: GPL-2.0
/*
 * Exports the Rust symbols of nvgsp_core that its clients use.
 *
 * The list is generated at build time from the clients' undefined symbols
 * (drivers/Kbuild), the mechanism upstream nova-core uses until Kbuild
 * supports Rust cross-module dependencies natively.
 */

#include <linux/export.h>

#define EXPORT_SYMBOL_RUST_GPL(sym) extern int sym; EXPORT_SYMBOL_GPL(sym)

#include "exports_nvgsp_core_generated.h"
