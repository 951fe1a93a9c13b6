# The render node's UAPI under a seeded fuzzer, on the debug kernel (KASAN,
# lockdep, kmemleak): `nvgspctl fuzz` (tools/nvgspctl/src/fuzz.rs) sends
# random driver ioctls (any number, direction and size, random or sparse
# bytes, bad pointers), well-formed-ish GETPARAM, GEM_CREATE, GEM_INFO,
# GEM_CLOSE, VM_INIT and VM_BIND (1..16 ops in and around the VA range,
# ordered ones among them), mmaps and PRIME calls, command submission
# (CHANNEL_ALLOC/FREE, EXEC with random pushes that copy, fault, hang or
# send bad methods, waits and signals on binary and timeline sync
# objects shared between the files), from two open files, with signal storms and a
# forked child that shares the files and is killed mid-run. A 60 s run with
# a fixed seed, a short one with another, then the modules go and kmemleak
# scans. Passes if the fuzzer ran (and got past the argument checks: GPU
# maps, checked binds, CPU mappings, imports, killed children), saw no
# result the UAPI rules out, the kernel logged no warning, bug, checker
# finding or lost GSP-RM reply, nothing leaked, and GSP-RM was left clean.
# A failing run is tried again with `nvgspctl fuzz SECONDS SEED` and its
# seed (the same mix of calls; the child and the signal storms follow the
# clock).
. tests/lib.sh
vm --profile debug --timeout 480 -- bash -c '
    for _ in $(seq 100); do [ -e /dev/dri/renderD128 ] && break; sleep 0.1; done
    nvgspctl fuzz 60 20261207
    echo "first run exit $?"
    nvgspctl fuzz 15 0x5eed
    echo "second run exit $?"
    modprobe -r nvgsp_drm nvgsp_vfio nvgsp_core && echo "modules unloaded"
    "$NVGSP_TOP/tests/guest/kmemleak"
'
[ "$VM_RC" != 124 ] || fail "the guest timed out (a hung ioctl or unload?)"
# The kernel's word first: what the debug kernel's checkers found, and
# what tests/lib.sh looks for everywhere.
[ -f "$VM_LOG" ] || fail "no kernel log"
bad='WARNING:|BUG:|Oops|UBSAN|refcount_t|lockdep is turned off|possible (circular|recursive) locking|inconsistent lock state'
# GSP-RM answers every call: a reply no caller waits for means the driver
# gave up on a call GSP-RM then carried out.
bad+='|GSP sent an unexpected reply'
if matches "$bad" "$VM_LOG"; then
    grep -En "$bad" "$VM_LOG" | head -n 20 >&2
    fail "kernel log shows a warning, a checker's finding or a lost GSP-RM reply ($VM_LOG)"
fi
expect_clean_log
expect_out '^kmemleak: clean$'
expect_out '^modules unloaded$'
expect_gsp_rm_left_clean 1
# The fuzzer ran, long enough, and reached deep code.
calls=$(sed -n 's/^fuzz: \([0-9]*\) calls in [0-9]* s, seed 20261207, errors: .* ok [0-9]*$/\1/p' <<<"$VM_OUT")
[ -n "$calls" ] || fail "no summary of the 60 s run"
[ "$calls" -ge 5000 ] || fail "only $calls calls in the 60 s run"
calls=$(sed -n 's/^fuzz: \([0-9]*\) calls in [0-9]* s, seed 24301, errors: .* ok [0-9]*$/\1/p' <<<"$VM_OUT")
[ -n "$calls" ] || fail "no summary of the 15 s run"
[ "$calls" -ge 1000 ] || fail "only $calls calls in the 15 s run"
expect_out '^fuzz: took effect: [1-9][0-9]* objects, [1-9][0-9]* large objects, [1-9][0-9]* VRAM objects, [1-9][0-9]* GPU maps, [1-9][0-9]* GPU unmaps, [1-9][0-9]* binds checked, [1-9][0-9]* CPU mappings, [1-9][0-9]* touches, [1-9][0-9]* exports, [1-9][0-9]* imports, [1-9][0-9]* files reopened, [1-9][0-9]* children killed, [1-9][0-9]* signal storms'
# Every result was one the UAPI allows.
expect_no_out '^fuzz: unexpected'
expect_out '^fuzz: submission: [1-9][0-9]* channels, [0-9]+ channels freed, [1-9][0-9]* jobs, [1-9][0-9]* jobs with pushes, [1-9][0-9]* jobs checked, [1-9][0-9]* sync objects, [1-9][0-9]* waits'
expect_out '^first run exit 0$'
expect_out '^second run exit 0$'
