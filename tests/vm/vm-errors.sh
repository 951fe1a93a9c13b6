# scripts/vm's bad paths: each gives a clear one-line error and a non-zero
# exit, and leaves no process behind.
. tests/lib.sh

# One-line error, non-zero status, message matching $1.
expect_error() {
    [ "$VM_RC" != 0 ] || fail "scripts/vm succeeded, expected: $1"
    grep -Eq -- "$1" <<<"$VM_ERR" || fail "error does not say /$1/"
    [ "$(grep -c 'vm: error' <<<"$VM_ERR")" = 1 ] || fail "not exactly one error line"
    expect_no_leftovers
}

vm --profile bogus -- true
expect_error "^vm: error: unknown profile 'bogus' \(want full, host or debug\)$"
[ "$(wc -l <<<"$VM_ERR")" = 1 ] || fail "not a one-line error"

vm -- 
expect_error 'no guest command given'

empty=$(mktemp -d)
NVGSP_CACHE=$empty vm -- true
expect_error '^vm: error: toolchain root missing or half-built'
# A root whose build never finished (no completion marker).
mkdir -p "$(NVGSP_CACHE=$empty root_dir)/usr/bin"
NVGSP_CACHE=$empty vm -- true
expect_error '^vm: error: toolchain root missing or half-built'
rm -rf "$empty"

NVGSP_QEMU_ARGS=-no-such-qemu-option vm -- true
expect_error '^vm: error: QEMU failed to start .*no-such-qemu-option'

vm --timeout 15 -- sleep 1000
expect_error '^vm: error: guest command timed out after 15 s'
[ "$VM_RC" = 124 ] || fail "timeout status $VM_RC, expected 124"

vm --emu --die-after-ms --emu 3000 -- sleep 1000
expect_error '^vm: error: the emulator exited \(status 1\) while the guest was running'

# And the good path reports the command's own status.
vm -- bash -c 'echo hello; exit 7'
[ "$VM_RC" = 7 ] || fail "status $VM_RC, expected 7"
[ "$VM_OUT" = hello ] || fail "output '$VM_OUT', expected 'hello'"
expect_no_leftovers
