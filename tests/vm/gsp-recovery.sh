# GSP recovery on the debug kernel, with two clients (the test client
# bound as both the DRM and the VFIO client). GSP-RM is lost three times
# and recovered each time without a rebind:
#   1. it crashes under both clients' load (emulator --fault gsp-crash, at
#      a NULL control), and the recovery's first boot crashes too, during
#      GSP-RM's init (gsp-crash-boot@2): the second attempt boots;
#   2. it hangs under the same load (gsp-hang@3): three timeouts, then
#      recovery;
#   3. it crashes while idle (gsp-crash-idle@4), after the DRM client
#      subscribed to a notifier (until then the test client's `ping`
#      keeps it busy);
#   4. it hangs while idle (the emulator's control port: gsp-hang), and
#      the DRM client's next calls time out until the hang is declared.
# Each client is told prepare and done for each recovery and rebuilds its
# channel's GPFIFO object in done. The notifier subscription survives: the
# new GSP-RM, notified again, posts its burst again. During a recovery
# calls fail with EAGAIN, calls in flight at a crash with ENODEV, calls to
# the hung GSP-RM time out; after each, everything works. No leak, no
# KASAN, lockdep or DEBUG_OBJECTS finding.
. tests/lib.sh
vm --profile debug --no-load --timeout 580 \
    --emu --fault --emu gsp-crash --emu --fault --emu gsp-crash-boot@2 \
    --emu --fault --emu gsp-hang@3 --emu --fault --emu gsp-crash-idle@4 \
    --emu --event-burst --emu 35:1000 -- bash -c '
    "$NVGSP_TOP/tests/guest/test-clients" || exit 1
    d=$(echo /sys/kernel/debug/nvgsp_core.drm.*/ctl)
    v=$(echo /sys/kernel/debug/nvgsp_core.vfio.*/ctl)
    t() { cut -d" " -f1 /proc/uptime; }
    resets() { sed -n "s/^resets: prepare \([0-9]*\) done \([0-9]*\) .*/\1 \2/p" "$1"; }
    wait_resets() {
        for _ in $(seq 900); do
            [ "$(resets $d)" = "$1 $1" ] && [ "$(resets $v)" = "$1 $1" ] && return
            sleep 0.1
        done
    }
    echo channel-object >$d && echo channel-object >$v
    echo "channels: drm $(grep last: $d), vfio $(grep last: $v)"
    # Keeps GSP-RM from idling (with calls the faults do not hit) until
    # the idle crash is due.
    (while [ ! -e /tmp/idle ]; do echo ping >$d 2>/dev/null; sleep 0.5; done) &
    events() { sed -n "s/^\(events: [0-9]* errors: [0-9]*\) .*/\1/p" "$1"; }
    short_load() {
        echo clear-load >$d && echo clear-load >$v
        echo "load 10" >$d && echo "load 10" >$v
        echo "$1: drm $(grep load: $d), vfio $(grep load: $v)"
    }
    # Load from both clients until the two recoveries under it are done.
    loads=
    for c in $d $v; do
        (while [ ! -e /tmp/stop ]; do echo "load 5" >$c; done) &
        loads="$loads $!"
    done
    wait_resets 2
    echo "t $(t) two recoveries"
    touch /tmp/stop
    wait $loads
    echo "t $(t) loads stopped"
    for c in $d $v; do
        echo "$(basename $(dirname $c) | cut -d. -f2) $(grep -e resets: -e load: $c | tr "\n" " ")"
    done
    short_load "after load"
    echo "subscribe 35" >$d
    echo "subscribe: $(grep last: $d)"
    for _ in $(seq 300); do [ "$(events $d)" = "events: 1000 errors: 0" ] && break; sleep 0.1; done
    echo "subscribed: $(events $d)"
    touch /tmp/idle
    wait_resets 3
    echo "idle crash: drm $(resets $d), vfio $(resets $v)"
    for _ in $(seq 300); do [ "$(events $d)" = "events: 2000 errors: 1" ] && break; sleep 0.1; done
    echo "after idle crash: $(events $d)"
    short_load "after idle"
    sleep 1
    "$NVGSP_TOP/tests/guest/emu-inject" gsp-hang
    sleep 0.5
    echo clear-load >$d && echo "load 3" >$d
    echo "idle hang: drm $(grep load: $d)"
    wait_resets 4
    echo "idle hang: drm $(resets $d), vfio $(resets $v)"
    short_load "after idle hang"
    echo free >$d && echo free >$v
    rmmod nvgsp_test
    rmmod nvgsp_core
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
# Two recoveries under load: each client was told prepare and done twice
# and rebuilt its GPFIFO object (in the first done, the rebuild may meet
# the hang that follows the first recovery at once). Its errors were only the
# recoveries': EAGAIN while one ran, ENODEV in flight at the crash,
# ETIMEDOUT while GSP-RM hung.
expect_out '^channels: drm last: ok [0-9]+ [0-9]+, vfio last: ok [0-9]+ [0-9]+$'
expect_out '^drm resets: prepare 2 done 2 rebuilt [12] load: ok [0-9]+ eagain [1-9][0-9]* enodev [0-9]+ etimedout [0-9]+ other 0 $'
expect_out '^vfio resets: prepare 2 done 2 rebuilt [12] load: ok [0-9]+ eagain [1-9][0-9]* enodev [0-9]+ etimedout [0-9]+ other 0 $'
expect_out '^after load: drm load: ok 30 eagain 0 enodev 0 etimedout 0 other 0, vfio load: ok 30 eagain 0 enodev 0 etimedout 0 other 0$'
# The idle crash: the notifier subscription survived (its numbering
# restarts with the new GSP-RM's burst: one break), and all works again.
expect_out '^subscribe: last: ok 0 0$'
expect_out '^subscribed: events: 1000 errors: 0$'
expect_out '^idle crash: drm 3 3, vfio 3 3$'
expect_out '^after idle crash: events: 2000 errors: 1$'
expect_out '^after idle: drm load: ok 30 eagain 0 enodev 0 etimedout 0 other 0, vfio load: ok 30 eagain 0 enodev 0 etimedout 0 other 0$'
# The idle hang: the DRM client's calls time out (three in a row declare
# it), the rest of its rounds meet the recovery; then all works again.
# The heartbeat's own probe (sent once GSP-RM was silent for 10 s) may be
# one of the three, if it falls in the 6 s the client's three take: the
# client's third call is then in flight when the hang is declared and
# fails with ENODEV.
expect_out '^idle hang: drm load: ok [0-9]+ eagain [0-9]+ (enodev 0 etimedout 3|enodev 1 etimedout 2) other 0$'
expect_out '^idle hang: drm 4 4, vfio 4 4$'
expect_out '^after idle hang: drm load: ok 30 eagain 0 enodev 0 etimedout 0 other 0, vfio load: ok 30 eagain 0 enodev 0 etimedout 0 other 0$'
expect_out '^kmemleak: clean$'
expect_gsp_rm_left_clean 1
expect_log_count 'GSP-RM crashed \(its core halted, MAILBOX0 0xbad0dead\): resetting the GPU' 2
expect_log_count 'GSP-RM hung \(3 calls in a row timed out\): resetting the GPU' 2
expect_log_count 'GSP-RM halted during its initialization \(MAILBOX0 0xbad0dead\)' 1
expect_log_count 'recovery: attempt 1 of 3 failed' 1
# Four recoveries, the first of which may be superseded by the hang if
# it strikes before the clients finished rebuilding.
n=$(grep -Ec 'GSP-RM recovered: clients resumed [0-9]+ ms after the loss' "$VM_LOG" || true)
[ "$n" = 3 ] || [ "$n" = 4 ] || fail "kernel log says 'recovered' $n times, expected 3 or 4"
expect_log_count 'GSP-RM 570\.144 ready' 5
# Unbind after the recoveries hands the GPU back as usual.
expect_log_count 'GSP-RM shut down' 1
# Every reset was a reset of the PCI function (a GA102 sets No_Soft_Reset,
# so the kernel's method is FLR), one before each boot attempt.
expect_log_count 'no PCI function reset' 0
expect_emu_log_count 'function level reset' 5
expect_clean_log
