# shellcheck shell=bash
# Helpers for the VM scenarios in tests/vm/. Sourced by each scenario, which
# runs with the checkout as its working directory and fails on the first
# failed check.
set -euo pipefail
. scripts/lib.sh

# The output and kernel log of the last `vm` call.
VM_OUT= VM_LOG= VM_RC=

# Runs scripts/vm with the given arguments, capturing its output, status
# and kernel log; never fails itself.
vm() {
    local err
    err=$(mktemp)
    VM_RC=0
    VM_OUT=$(scripts/vm "$@" 2>"$err") || VM_RC=$?
    VM_ERR=$(cat "$err")
    rm -f "$err"
    VM_LOG=$(sed -n 's/.*kernel log: \([^ )]*\).*/\1/p' <<<"$VM_ERR" | tail -n1)
}

fail() {
    echo "FAIL: $*" >&2
    [ -n "${VM_OUT:-}" ] && printf 'guest output:\n%s\n' "$VM_OUT" >&2
    [ -n "${VM_ERR:-}" ] && printf 'scripts/vm said:\n%s\n' "$VM_ERR" >&2
    [ -n "${VM_LOG:-}" ] && [ -f "$VM_LOG" ] && { echo "kernel log (last 30 lines):"; tail -n 30 "$VM_LOG"; } >&2
    # Again last, where tests/run's tail of the output shows it.
    echo "FAIL: $*" >&2
    exit 1
}

# Asserts the last vm call succeeded.
expect_ok() { [ "$VM_RC" = 0 ] || fail "scripts/vm exited $VM_RC ${1:-}"; }

# Runs grep -Eq, failing the test on a grep error (bad regex, no file)
# rather than taking it for "no match".
matches() {
    local rc=0
    grep -Eq -- "$@" || rc=$?
    [ $rc -le 1 ] || fail "grep error (status $rc) on /$1/"
    return $rc
}

# Asserts the guest output matches / does not match an extended regex.
expect_out() { matches "$1" <<<"$VM_OUT" || fail "guest output lacks /$1/"; }
expect_no_out() { ! matches "$1" <<<"$VM_OUT" || fail "guest output has /$1/"; }
# Asserts the guest output has exactly $2 lines matching /$1/.
expect_out_count() {
    local n
    n=$(grep -Ec -- "$1" <<<"$VM_OUT") || true
    [ "$n" = "$2" ] || fail "guest output has $n lines matching /$1/, expected $2"
}

# Asserts the kernel log matches.
expect_log() { matches "$1" "$VM_LOG" || fail "kernel log lacks /$1/"; }

# Asserts the kernel log has exactly $2 lines matching /$1/.
expect_log_count() {
    local n rc=0
    # grep -c exits 1 when it counts none: only 2 and up are errors.
    n=$(grep -Ec -- "$1" "$VM_LOG") || rc=$?
    [ $rc -le 1 ] || fail "grep error (status $rc) on /$1/"
    [ "$n" = "$2" ] || fail "kernel log has $n lines matching /$1/, expected $2"
}

# Asserts the emulator's log of the last vm call has exactly $2 lines
# matching /$1/.
expect_emu_log_count() {
    local n rc=0 log
    log="$(dirname "$VM_LOG")/emu.log"
    n=$(grep -Ec -- "$1" "$log") || rc=$?
    [ $rc -le 1 ] || fail "grep error (status $rc) on /$1/ in $log"
    [ "$n" = "$2" ] || fail "emulator log has $n lines matching /$1/, expected $2"
}

# Asserts the driver unloaded GSP-RM $1 times and left nothing in it: at
# each unload the emulator lists the RM clients still allocated.
expect_gsp_rm_left_clean() {
    expect_emu_log_count 'GSP-RM: unloaded by the driver$' "$1"
    expect_emu_log_count 'RM clients left' 0
}

# Asserts the kernel log shows no warning, bug, oops, leak or checker
# finding, and that the driver touched only registers the emulator models
# (a wrong offset reads as a PRI error there, and is logged).
expect_clean_log() {
    [ -f "$VM_LOG" ] || fail "no kernel log"
    local emu_log
    emu_log="$(dirname "$VM_LOG")/emu.log"
    if matches 'of unmodelled register' "$emu_log"; then
        grep -E 'of unmodelled register' "$emu_log" | sort | uniq -c | head -n 10 >&2
        fail "the driver touched registers the emulator does not model ($emu_log)"
    fi
    # BAR1 is the core's below GSP-RM's PD3: no access through it may
    # fault, and no PRAMIN write may land in GSP-RM's memory.
    if matches 'bar1 fault|driver defect' "$emu_log"; then
        grep -E 'bar1 fault|driver defect' "$emu_log" | sort | uniq -c | head -n 10 >&2
        fail "BAR1 faulted, or the driver wrote what GSP-RM owns ($emu_log)"
    fi
    if matches 'denied by its privilege level mask' "$emu_log"; then
        grep -E 'denied by its privilege level mask' "$emu_log" | sort | uniq -c | head -n 10 >&2
        fail "the driver wrote registers only secure code may write ($emu_log)"
    fi
    # A vector signalled while the tree stayed asserted for a second: the
    # driver's interrupt handler left a vector pending without rearming
    # the tree, and hears nothing more (emu/src/dev/cpu_intr.rs).
    if matches 'have kept the tree asserted' "$emu_log"; then
        grep -E 'have kept the tree asserted' "$emu_log" | head -n 3 >&2
        fail "the driver lost the GPU's interrupt: the tree stayed asserted ($emu_log)"
    fi
    # Includes what the debug kernel's checkers print: KASAN reports,
    # lockdep's findings, DEBUG_OBJECTS' ODEBUG lines. A warning reads
    # `WARNING: CPU: ...` in older kernels, `WARNING: file:line at ...` in
    # Linux 7.3.
    local bad='cut here|WARNING:|BUG:|Oops|Call Trace|general protection|unreferenced object|suspected memory leak'
    bad+='|KASAN|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU usage|ODEBUG:'
    if matches "$bad" "$VM_LOG"; then
        grep -En "$bad" "$VM_LOG" >&2
        fail "kernel log shows a warning, oops or leak ($VM_LOG)"
    fi
}

# Asserts what tests/guest/vram-object printed for an object of $1 bytes
# (2 MiB aligned, ending in a 64 KiB page): created from the share, filled
# through BAR1 and read back, found by the GPU through BAR1 and through
# its file's VA space, hashed by VRAM as written, freed.
expect_vram_object() {
    local what
    expect_out "^gem vram: domain vram, $1 bytes \\(asked $1\\), share used \\+$1\$"
    expect_out '^gem vram: a new object reads zeroes$'
    expect_out '^gem vram: first [0-9a-f]{16} last [0-9a-f]{16} at 4k [0-9a-f]{16}, written [0-9a-f]{16}, read back the same$'
    expect_out '^vram: the whole object holds what was written$'
    expect_out '^gem vram: private writable mapping: EINVAL$'
    expect_out '^gem vram: export: EOPNOTSUPP$'
    expect_out '^gem vram: vm bind: ok at 0x200000000 and 0x[0-9a-f]+1000$'
    expect_out "^mapping: len $(printf '%#x' "$1")\$"
    for what in "bar1 start: .* 2m" "bar1 end: .* 64k" "gpu va start: .* 2m" "gpu va end: .* 64k" "gpu va 4k: .* 4k"; do
        expect_out "^$what page, holds what was written\$"
    done
    expect_no_out 'MISMATCH'
    expect_out '^gem vram: vm unbind: ok$'
    expect_out '^vram check exit 0$'
    expect_out '^gem vram: closed, share used 0$'
    expect_out '^after close: 0 mappings$'
}

# Asserts that no process started by scripts/vm survived.
expect_no_leftovers() {
    sleep 0.5
    if pgrep -f "$NVGSP_TOP/target/release/nvgsp-emu" >/dev/null || pgrep -f "qemu-system-x86_64.*$NVGSP_CACHE/run/" >/dev/null; then
        pgrep -af "nvgsp-emu|qemu-system" >&2 || true
        fail "processes left behind"
    fi
}
