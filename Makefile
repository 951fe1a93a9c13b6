# nvgsp: make run | test | lint | fuzz  (see README.md)
#
# Heavy pieces (the Debian toolchain root, the three kernels) are built once
# into the cache ($NVGSP_CACHE, default ~/.cache/nvgsp) and reused; the
# modules and the userspace crates build incrementally in the checkout.

SHELL := /bin/bash
PROFILES := full host debug

.PHONY: all build root modules qemu userspace guest-programs run test bench lint fmt clean

all: build

build: modules qemu userspace guest-programs

root:
	@scripts/toolchain-root >/dev/null

# Every profile's kernel and modules (scripts/prepare says how long what
# is missing takes).
modules:
	@scripts/prepare $(PROFILES)

# The patched QEMU whose guests see SR-IOV virtual functions (scripts/vm
# --vfs; about 7 minutes once, on 2 cores).
qemu: root
	@scripts/qemu >/dev/null

userspace:
	@cargo build --release --workspace --quiet

# The C programs scenarios run in the guest, built in the toolchain root
# against its libraries (the guest's userland).
guest-programs: build/guest/drm-devices

build/guest/drm-devices: tests/guest/drm-devices.c scripts/root-packages | root
	@mkdir -p build/guest
	@scripts/in-root sh -c 'clang -O2 -Wall -Wextra -Werror -o "$$0" "$$1" $$(pkg-config --cflags --libs libdrm)' "$(CURDIR)/$@" "$(CURDIR)/$<"

# Boot the full profile and show the driver stack at work: builds only
# what that needs (the root, the full kernel, its modules, the emulator).
run:
	@scripts/prepare full
	@cargo build --release --workspace --quiet
	@scripts/vm --profile full -- "$(CURDIR)/tests/guest/show-stack"

# Everything: cargo tests and the VM scenarios; ends with "N passed, N failed".
test: build
	@tests/run

# RPC and BAR0 round trips and VM_BIND in one VM run, with their ratios (scripts/bench).
bench:
	@scripts/prepare full
	@cargo build --release --workspace --quiet
	@scripts/bench

lint: root
	scripts/check-layers
	scripts/check-unsafe
	scripts/gen-uapi --check
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	scripts/lint-kernel

# Fuzz the proto parsers (scripts/fuzz): every target, FUZZ_SECONDS each.
FUZZ_SECONDS ?= 10
fuzz:
	@scripts/fuzz --seconds $(FUZZ_SECONDS)

clean:
	rm -rf build target

# Format everything: rustfmt on the userspace crates, and on the modules
# with the kernel's rustfmt settings.
fmt: root
	cargo fmt --all
	scripts/lint-kernel --fix
