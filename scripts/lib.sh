# shellcheck shell=bash
# Shared helpers for nvgsp's scripts: cache location, logging, input hashing.
# Sourced, never run.

NVGSP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NVGSP_CACHE=${NVGSP_CACHE:-$HOME/.cache/nvgsp}

# One line on stderr, prefixed with the calling script's name.
say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Hash of files and strings: the cache key of whatever is built from them.
# An argument naming a file is hashed by content; one that looks like a file
# of the checkout but does not exist is an error, not a string.
inputs_hash() {
    local a
    for a in "$@"; do
        [ -f "$a" ] || [[ $a != "$NVGSP_TOP"/* ]] || die "input $a is missing"
    done
    for a in "$@"; do
        if [ -f "$a" ]; then sha256sum <"$a"; else printf '%s\n' "$a"; fi
    done | sha256sum | cut -c1-16
}

# The Debian archive this machine's apt already uses, so nothing names a host.
debian_mirror() {
    if [ -n "${NVGSP_MIRROR:-}" ]; then echo "$NVGSP_MIRROR"; return; fi
    local m
    m=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
    [ -n "$m" ] || m=$(awk '$1=="deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
    [ -n "$m" ] || return 1
    echo "${m%/}"
}

# Bump when scripts/toolchain-root changes what it builds.
ROOT_RECIPE=3

# Path of the toolchain root for the current inputs (it may not exist yet).
root_dir() {
    echo "$NVGSP_CACHE/root-$(inputs_hash "recipe-$ROOT_RECIPE" "$NVGSP_TOP/scripts/root-packages")"
}

# Run a command inside the toolchain root (see scripts/in-root).
in_root() {
    "$NVGSP_TOP/scripts/in-root" "$@"
}


# Bump when scripts/kernel changes how kernels are built.
KERNEL_RECIPE=1

# The root's record of what a kernel build depends on: the versions of the
# kernel source and of the compilers (written by scripts/toolchain-root).
# Kernels are keyed by it, not by the whole root, so adding a guest package
# or firmware to the root does not rebuild them.
toolchain_manifest() {
    echo "$(root_dir)/.nvgsp-toolchain"
}

# The patched Linux source for the current toolchain and patches.
kernel_src_dir() {
    echo "$NVGSP_CACHE/linux-src-$(inputs_hash "$(toolchain_manifest)" "$NVGSP_TOP"/kernel/patches/*.patch)"
}

# The config fragments of profile $1, applied in order on top of tinyconfig.
# The profiles: full (DRM + VFIO), host (minimal vGPU host, no DRM) and
# debug (full plus KASAN, lockdep, kmemleak, DEBUG_OBJECTS).
kernel_fragments() {
    case $1 in
        full | host) echo "$NVGSP_TOP/kernel/common.config $NVGSP_TOP/kernel/$1.config" ;;
        debug) echo "$NVGSP_TOP/kernel/common.config $NVGSP_TOP/kernel/full.config $NVGSP_TOP/kernel/debug.config" ;;
        *) die "unknown profile '$1' (want full, host or debug)" ;;
    esac
}

# The modules a profile's guest loads, in load order.
profile_modules() {
    case $1 in
        full | debug) echo "nvgsp_core nvgsp_drm nvgsp_vfio" ;;
        host) echo "nvgsp_core nvgsp_vfio" ;;
        *) die "unknown profile '$1' (want full, host or debug)" ;;
    esac
}

# The kernel build directory of profile $1 for the current inputs.
kernel_dir() {
    # shellcheck disable=SC2046 # the fragment list is split on purpose
    echo "$NVGSP_CACHE/kernel-$1-$(inputs_hash "recipe-$KERNEL_RECIPE" "$(kernel_src_dir)" $(kernel_fragments "$1"))"
}
export NVGSP_TOP NVGSP_CACHE
