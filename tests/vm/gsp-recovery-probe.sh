# A client that probes while the core recovers GSP-RM waits for the
# recovery to end instead of failing its probe. GSP-RM is crashed through
# the emulator's control port with no client bound, and the recovery's
# first boot crashes too (emulator --fault gsp-crash-boot@2), so it runs
# for a while; the test client is loaded meanwhile. Its first probe waits
# (the core says so); both clients open their GPU handles once GSP-RM is
# back, bind and work, and are never told of a reset they did not see.
# No leak, no warning.
. tests/lib.sh
vm --no-load --timeout 200 --emu --fault --emu gsp-crash-boot@2 -- bash -c '
    echo >/sys/kernel/uevent_helper
    modprobe nvgsp_core || exit 1
    "$NVGSP_TOP/tests/guest/emu-inject" gsp-crash
    for _ in $(seq 200); do dmesg | grep -q "GSP-RM crashed" && break; sleep 0.05; done
    insmod "$NVGSP_MODDIR/nvgsp_test.ko" || exit 1
    for _ in $(seq 100); do
        [ -e /sys/bus/auxiliary/devices/nvgsp_core.drm.*/driver ] &&
            [ -e /sys/bus/auxiliary/devices/nvgsp_core.vfio.*/driver ] && break
        sleep 0.1
    done
    for c in /sys/kernel/debug/nvgsp_core.*/ctl; do
        echo "load 2" >$c
        echo "$(basename $(dirname $c) | cut -d. -f2) $(grep -e resets: -e load: $c | tr "\n" " ")"
    done
    rmmod nvgsp_test
    rmmod nvgsp_core
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^drm resets: prepare 0 done 0 rebuilt 0 load: ok 6 eagain 0 enodev 0 etimedout 0 other 0 $'
expect_out '^vfio resets: prepare 0 done 0 rebuilt 0 load: ok 6 eagain 0 enodev 0 etimedout 0 other 0 $'
expect_out '^kmemleak: clean$'
expect_gsp_rm_left_clean 1
expect_log_count 'GSP-RM crashed \(its core halted, MAILBOX0 0xbad0dead\): resetting the GPU' 1
expect_log_count 'recovery: attempt 1 of 3 failed' 1
expect_log_count 'GSP-RM recovered' 1
expect_log_count 'test client \((drm|vfio)\) with RM client' 2
# The first probe waited for the recovery (the second, run after it,
# may not have had to), and both opened their handles after it.
n=$(grep -Ec 'nvgsp_core .*: (drm|vfio) client waits for the GPU reset to end' "$VM_LOG" || true)
[ "$n" -ge 1 ] || fail "no client probe waited for the recovery"
order=$(grep -Eo 'client waits for the GPU reset|GSP-RM recovered|test client \((drm|vfio)\)' "$VM_LOG" |
    sed 's/test client.*/bound/' | uniq | tr '\n' ' ')
[ "$order" = "client waits for the GPU reset GSP-RM recovered bound " ] ||
    fail "kernel log order: $order (expected the waits, then recovered, then the clients bound)"
expect_emu_log_count 'function level reset' 2
expect_clean_log
