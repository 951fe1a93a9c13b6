# make lint: rustfmt and clippy on the userspace crates, the kernel's rustfmt
# settings and clippy lints on the modules.
. tests/lib.sh
out=$(make -s lint 2>&1) || { echo "$out" | tail -n 40 >&2; fail "make lint failed"; }

# The layer check fails on a wrong import: a copy of the core whose GSP
# queues (transport) use the client API.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -r drivers/core/. "$tmp/"
sed -i '0,/^use /s//use {crate::client::Gpu};\nuse /' "$tmp/gsp/queues.rs"
if out=$(scripts/check-layers --core "$tmp" 2>&1); then
    fail "check-layers accepted a wrong import"
fi
matches "gsp/queues.rs:[0-9]+: crate::client::Gpu: layer 'transport' \([0-9]\) uses layer 'client'" <<<"$out" ||
    fail "check-layers did not name the wrong import: $out"

# The ownership check fails on a client module that reaches for unsafe: a
# copy of the drivers whose test client erases a lifetime.
mkdir -p "$tmp/drivers" && cp -r drivers/. "$tmp/drivers/"
echo 'fn erase(s: &u8) -> &'"'"'static u8 { unsafe { core::mem::transmute(s) } }' >>"$tmp/drivers/test/nvgsp_test.rs"
if out=$(scripts/check-unsafe --drivers "$tmp/drivers" 2>&1); then
    fail "check-unsafe accepted a transmute in the test client"
fi
matches "drivers/test/nvgsp_test.rs:[0-9]+: transmute:" <<<"$out" ||
    fail "check-unsafe did not name the transmute: $out"

# And on a client module other than the DRM binding that names the PCI
# device (a DRM file handler reaching for config space).
cp -r drivers/. "$tmp/drivers/"
echo 'fn config(d: &kernel::pci::Device) -> u16 { d.vendor_id() }' >>"$tmp/drivers/drm/file.rs"
if out=$(scripts/check-unsafe --drivers "$tmp/drivers" 2>&1); then
    fail "check-unsafe accepted the PCI device in drm/file.rs"
fi
matches "drivers/drm/file.rs:[0-9]+: the PCI device in a client module:" <<<"$out" ||
    fail "check-unsafe did not name the PCI use: $out"
