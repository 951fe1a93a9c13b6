# make lint: rustfmt and clippy on the userspace crates, the kernel's rustfmt
# settings and clippy lints on the modules.
. tests/lib.sh
out=$(make -s lint 2>&1) || { echo "$out" | tail -n 40 >&2; fail "make lint failed"; }
