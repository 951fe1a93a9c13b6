# Event dispatch on the debug kernel: GSP-RM posts a burst of 100,000
# numbered notifications (emulator --event-burst) to each of two clients
# subscribed to the same notifier through the test client. Both get all of
# theirs, each exactly once and in order; neither sees the other's. The DRM
# client's handler holds on to its first event until released, and the
# VFIO client's burst, posted after the DRM client's, still arrives
# complete meanwhile: a stalled subscriber holds up only itself.
# Then, through the emulator's control port, GSP-RM reports an MMU fault
# (Xid 31) on the VFIO client's channel object and a graphics exception
# (Xid 13) on the second of the DRM client's two: each client is told of
# its own error only, with the channel and object (and the fault's
# address), in the error report (OS_ERROR_LOG) and the channel error
# (RC_TRIGGERED), and the log names client, fault and object. An error on
# an object the named client does not have is refused by GSP-RM. An error
# report on no channel, a PMU print (UCODE_LIBOS_PRINT) and a shadow fault
# buffer notice (MMU_FAULT_QUEUED), all GPU-wide, reach both.
# Unsubscribing and unbinding leave no leak (in the kernel or in GSP-RM)
# and no checker finding.
. tests/lib.sh
count=100000
vm --profile debug --no-load --timeout 550 --emu --event-burst --emu "35:$count" -- bash -c '
    count='"$count"'
    "$NVGSP_TOP/tests/guest/test-clients" || exit 1
    d=$(echo /sys/kernel/debug/nvgsp_core.drm.*/ctl)
    v=$(echo /sys/kernel/debug/nvgsp_core.vfio.*/ctl)
    events() { sed -n "s/^events: \([0-9]*\) .*/\1/p" "$1"; }
    echo "subscribe 35 hold" >$d && echo "drm subscribed: $(grep last: $d)"
    echo "subscribe 35" >$v && echo "vfio subscribed: $(grep last: $v)"
    start=$(date +%s)
    for _ in $(seq 1200); do
        [ "$(events $v)" = "$count" ] && break
        sleep 0.25
    done
    echo "vfio complete while drm has: $(events $d)"
    echo release >$d
    for _ in $(seq 1200); do
        [ "$(events $d)" = "$count" ] && break
        sleep 0.25
    done
    echo "after $(( $(date +%s) - start )) s:"
    grep events: $d | sed "s/^/drm /"
    grep events: $v | sed "s/^/vfio /"
    echo unsubscribe >$d && echo unsubscribe >$v
    for c in $d $v; do echo subscribe-errors >$c && echo subscribe-gsp >$c; done
    echo channel-object >$v && echo "vfio channel: $(grep last: $v)"
    echo channel-object >$d && echo channel-object >$d && echo "drm channel: $(grep last: $d)"
    handle() { printf "0x%x" "$(sed -n "s/^last: ok [0-9]* \([0-9]*\)$/\1/p" "$1")"; }
    client() { sed -n "s/^rm_client: //p" "$1"; }
    "$NVGSP_TOP/tests/guest/emu-inject" <<EOT
os-error 92 injected GPU-wide report
rc-error 31 $(client $v) $(handle $v)
rc-error 13 $(client $d) $(handle $d)
rc-error 13 $(client $v) $(handle $d)
pmu-print PMU: hello
mmu-fault-queued
EOT
    for _ in $(seq 100); do
        grep -q "^channel_errors: 1 " $v && grep -q "^channel_errors: 1 " $d &&
            grep -q "faults_queued 1 " $v && grep -q "faults_queued 1 " $d && break
        sleep 0.1
    done
    for c in $d $v; do
        grep -e channel_errors: -e gsp: $c | sed "s/^/$(basename $(dirname $c) | cut -d. -f2) /"
    done
    echo free >$d && echo free >$v
    grep subscriptions: $d | sed "s/^/drm /"
    rmmod nvgsp_test
    rmmod nvgsp_core
    "$NVGSP_TOP/tests/guest/kmemleak"
'
expect_ok
expect_out '^drm subscribed: last: ok 0 0$'
expect_out '^vfio subscribed: last: ok 0 0$'
expect_out "^drm events: $count errors: 0 "
expect_out "^vfio events: $count errors: 0 "
matches "^vfio complete while drm has: ([0-9]+)\$" <<<"$VM_OUT" || fail "the VFIO client's burst did not complete"
drm_then=$(sed -n 's/^vfio complete while drm has: \([0-9]*\)$/\1/p' <<<"$VM_OUT")
[ "$drm_then" = 1 ] || fail "the stalled DRM subscriber got $drm_then events, not just the one it holds"
expect_out '^drm subscriptions: 0$'
read -r vchid vobj < <(sed -n 's/^vfio channel: last: ok \([0-9]*\) \([0-9]*\)$/\1 \2/p' <<<"$VM_OUT")
read -r dchid dobj < <(sed -n 's/^drm channel: last: ok \([0-9]*\) \([0-9]*\)$/\1 \2/p' <<<"$VM_OUT")
[ -n "$vobj" ] || fail "the VFIO client got no channel object"
[ -n "$dobj" ] || fail "the DRM client got no channel object"
vobj=$(printf '0x%x' "$vobj") dobj=$(printf '0x%x' "$dobj")
expect_out "^vfio channel_errors: 1 xid: 31 chid: $vchid object: $vobj addr: $(printf '0x%x' $((0xdead00000000 | vchid << 12)))\$"
expect_out "^drm channel_errors: 1 xid: 13 chid: $dchid object: $dobj addr: 0x0\$"
expect_out "^vfio gsp: logs 2 xid 31 chid $(printf '0x%x' $vchid) object $vobj prints 1 faults_queued 1 print: PMU: hello\$"
expect_out "^drm gsp: logs 2 xid 13 chid $(printf '0x%x' $dchid) object $dobj prints 1 faults_queued 1 print: PMU: hello\$"
expect_log_count "nvgsp_core .*: vfio client \(RM client 0x[0-9a-f]+\): MMU fault \(Xid 31\) at 0x[0-9a-f]+ on channel $vchid \(object $vobj\)" 1
expect_log_count "nvgsp_core .*: drm client \(RM client 0x[0-9a-f]+\): graphics exception \(Xid 13\) on channel $dchid \(object $dobj\)" 1
expect_log_count "nvgsp_core .*: vfio client \(RM client 0x[0-9a-f]+\): GSP-RM reports Xid 31 on channel $vchid \(object $vobj\): injected" 1
expect_log_count "nvgsp_core .*: drm client \(RM client 0x[0-9a-f]+\): GSP-RM reports Xid 13 on channel $dchid \(object $dobj\): injected" 1
expect_log_count "nvgsp_core .*: GSP-RM reports Xid 92: injected GPU-wide report" 1
expect_log_count 'Xid' 5
expect_emu_log_count "rc-error: client 0x[0-9a-f]+ has no channel object $dobj" 1
expect_out '^kmemleak: clean$'
expect_gsp_rm_left_clean 1
# Throughput of the VFIO client's delivery (first to last event).
read -r first last < <(sed -n 's/^vfio events: [0-9]* errors: 0 first_ns: \([0-9]*\) last_ns: \([0-9]*\)$/\1 \2/p' <<<"$VM_OUT")
echo "dispatch: $count events in $(( (last - first) / 1000000 )) ms, $(( (count - 1) * 1000000000 / (last - first + 1) )) events/s"
expect_clean_log
