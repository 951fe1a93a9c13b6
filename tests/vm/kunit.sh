# The modules' KUnit tests (`#[kunit_tests]` modules, compiled into
# nvgsp_core.ko and nvgsp_vfio.ko on the debug kernel, which has
# CONFIG_KUNIT): the kernel-only logic that needs no GPU (reassembly, reply
# matching, routing, the GSP-RM health state machine, partition allocation,
# the vGPU host's types and rules), run through KUnit's debugfs under KASAN
# and lockdep. Every suite must be there and pass.
. tests/lib.sh
vm --profile debug --timeout 300 -- bash -c '
    for s in /sys/kernel/debug/kunit/nvgsp_core_* /sys/kernel/debug/kunit/nvgsp_vfio_*; do
        [ -d "$s" ] || { echo "no suites $s"; exit 1; }
        echo 1 >"$s/run"
        r=$(cat "$s/results")
        ok=$(grep -Ec "^ +ok [0-9]+ " <<<"$r")
        bad=$(grep -Ec "^ +not ok [0-9]+ " <<<"$r")
        verdict=$(grep -Eo "^(ok|not ok) [0-9]+ " <<<"$r" | sed "s/ [0-9]* $//")
        echo "suite $(basename "$s"): $ok passed, $bad failed, suite ${verdict:-unreported}"
        grep -E "^ +not ok|# .*(Expected|ASSERT|FAIL)" <<<"$r" | head -n 10
    done
'
expect_ok
echo "$VM_OUT" | grep '^suite' >&2
for s in reassembly routing waiters health partition sysinfo events page_tables scrub; do
    expect_out "^suite nvgsp_core_$s: [1-9][0-9]* passed, 0 failed, suite ok$"
done
for s in rules types; do
    expect_out "^suite nvgsp_vfio_$s: [1-9][0-9]* passed, 0 failed, suite ok$"
done
expect_no_out '^ +not ok'
