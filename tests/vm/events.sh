# Event dispatch on the debug kernel: GSP-RM posts a burst of 100,000
# numbered notifications (emulator --event-burst) to each of two clients
# subscribed to the same notifier through the test client. Both get all of
# theirs, each exactly once and in order; neither sees the other's. The DRM
# client's handler holds on to its first event until released, and the
# VFIO client's burst, posted after the DRM client's, still arrives
# complete meanwhile: a stalled subscriber holds up only itself.
# Then an MMU fault (emulator --fault mmu-fault) hits the channel the VFIO
# client creates first: only the VFIO client is told, with the fault's
# channel and address, and the log names it; the DRM client's channel
# and subscription see nothing. Unsubscribing and unbinding leave no leak
# and no checker finding.
. tests/lib.sh
count=100000
vm --profile debug --no-load --timeout 550 --emu --event-burst --emu "35:$count" \
    --emu --fault --emu mmu-fault -- bash -c '
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
    echo subscribe-errors >$d && echo subscribe-errors >$v
    echo channel-object >$v && echo "vfio channel: $(grep last: $v)"
    echo channel-object >$d && echo "drm channel: $(grep last: $d)"
    for _ in $(seq 100); do
        grep -q "^channel_errors: 1 " $v && break
        sleep 0.1
    done
    grep channel_errors: $d | sed "s/^/drm /"
    grep channel_errors: $v | sed "s/^/vfio /"
    echo free >$d && echo free >$v
    grep subscriptions: $d | sed "s/^/drm /"
    rmmod nvgsp_test
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
vchid=$(sed -n 's/^vfio channel: last: ok \([0-9]*\) [0-9]*$/\1/p' <<<"$VM_OUT")
[ -n "$vchid" ] || fail "the VFIO client got no channel"
expect_out '^drm channel: last: ok [0-9]+ [0-9]+$'
expect_out "^vfio channel_errors: 1 xid: 31 chid: $vchid addr: $(printf '0x%x' $((0xdead00000000 | vchid << 12)))\$"
expect_out '^drm channel_errors: 0 '
expect_log_count "nvgsp_core .*: vfio client \(RM client 0x[0-9a-f]+\): MMU fault \(Xid 31\) at 0x[0-9a-f]+ on channel ${vchid}\b" 1
expect_log_count 'MMU fault' 1
expect_out '^kmemleak: clean$'
# Throughput of the VFIO client's delivery (first to last event).
read -r first last < <(sed -n 's/^vfio events: [0-9]* errors: 0 first_ns: \([0-9]*\) last_ns: \([0-9]*\)$/\1 \2/p' <<<"$VM_OUT")
echo "dispatch: $count events in $(( (last - first) / 1000000 )) ms, $(( (count - 1) * 1000000000 / (last - first + 1) )) events/s"
expect_clean_log
